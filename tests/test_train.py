import numpy as np
import pytest
import torch

from rnnmem_helpers import ModelConfig, TaskConfig, TrainConfig, init_weights, train

SMALL = TrainConfig(max_steps=400, eval_every=100, eval_steps=1000, confirm_steps=1000, target_accuracy=1.0)


def _run(**kwargs):
    args = {"task": TaskConfig(delay=1), "model": ModelConfig(n_hidden=24), "config": SMALL, "rng": 5}
    args.update(kwargs)
    return train(args.pop("task"), args.pop("model"), args.pop("config"), progress=False, **args)


def test_small_run_improves_loss_and_keeps_win():
    model = ModelConfig(n_hidden=24)
    res = _run()
    assert res.steps == 400 and not res.converged
    assert res.history["step"] == [100, 200, 300, 400]
    assert res.history["loss"][-1] < 0.8 * res.history["loss"][0]
    w0 = init_weights(model, rng=np.random.default_rng(np.random.SeedSequence(5).spawn(4)[0]))
    np.testing.assert_array_equal(res.weights.W_in, w0.W_in.astype(np.float32))
    assert not np.array_equal(res.weights.W, w0.W.astype(np.float32))


def test_same_seed_bitwise_same_weights():
    a, b = _run(), _run()
    np.testing.assert_array_equal(a.weights.W, b.weights.W)
    np.testing.assert_array_equal(a.weights.W_out, b.weights.W_out)
    c = _run(rng=6)
    assert not np.array_equal(a.weights.W, c.weights.W)


def test_a_fresh_generator_is_its_seed_and_each_call_with_it_is_a_new_run():
    g = np.random.default_rng(5)
    first, second = _run(rng=g), _run(rng=g)
    np.testing.assert_array_equal(first.weights.W, _run().weights.W)
    assert first.history == _run().history
    assert not np.array_equal(first.weights.W, second.weights.W)
    # The second run is the one of the next four children of SeedSequence(5).
    ss = np.random.SeedSequence(5)
    ss.spawn(4)
    third = _run(rng=np.random.default_rng(ss))
    np.testing.assert_array_equal(second.weights.W, third.weights.W)


def test_tbptt_mode_learns_something():
    cfg = TrainConfig(
        mode="tbptt", max_steps=600, eval_every=200, eval_steps=1000, confirm_steps=1000, target_accuracy=1.0
    )
    res = _run(config=cfg, task=TaskConfig(delay=0))
    assert np.all(np.isfinite(res.history["loss"]))
    assert res.history["loss"][-1] < res.history["loss"][0]


def test_threads_restored():
    before = torch.get_num_threads()
    _run(config=TrainConfig(max_steps=5, eval_every=5, eval_steps=200, confirm_steps=200))
    assert torch.get_num_threads() == before


def test_early_stop_confirms_on_fresh_data():
    cfg = TrainConfig(max_steps=3000, eval_every=100, eval_steps=2000, confirm_steps=5000, target_accuracy=0.9)
    res = _run(config=cfg, task=TaskConfig(delay=0), model=ModelConfig(n_hidden=40))
    assert res.converged
    assert res.test.accuracy >= 0.9 and res.test.n_time == 5000
    assert res.steps < 3000 and res.steps % 100 == 0


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        ({"mode": "rtrl"}, ValueError, "mode"),
        ({"lr": 0.0}, ValueError, "lr"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"clip_norm": -1.0}, ValueError, "clip_norm"),
        ({"target_accuracy": 1.5}, ValueError, "target_accuracy"),
        ({"max_steps": 2.0}, TypeError, "max_steps"),
        ({"tbptt_len": 20, "stream_len": 10}, ValueError, "stream_len"),
    ],
)
def test_bad_train_config(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        TrainConfig(**kwargs)


def test_bad_train_arguments():
    with pytest.raises(ValueError, match="^rng must"):
        train(TaskConfig(), rng=-1, progress=False)
    with pytest.raises(TypeError, match="^rng must"):
        train(TaskConfig(), rng=None, progress=False)
    with pytest.raises(TypeError, match="task"):
        train({"delay": 0}, rng=0, progress=False)
    with pytest.raises(ValueError, match="n_bits"):
        train(TaskConfig(n_bits=2), ModelConfig(n_bits=3), rng=0, progress=False)
    with pytest.raises(ValueError, match="init"):
        init = init_weights(ModelConfig(n_hidden=12), rng=0)
        train(TaskConfig(), ModelConfig(n_hidden=10), rng=0, init=init, progress=False)


def test_rng_is_required_and_seed_is_gone():
    # A default stream would make every call that forgot rng the same run.
    with pytest.raises(TypeError, match="rng"):
        train(TaskConfig(), ModelConfig(n_hidden=5), progress=False)
    with pytest.raises(TypeError, match="seed"):
        train(TaskConfig(), ModelConfig(n_hidden=5), rng=0, seed=0, progress=False)
