"""Initial weights: the paper's draw, the start of a training run, and the transverse rotations."""

import importlib
import inspect

import numpy as np
import pytest

from rnnmem_helpers import ModelConfig, TaskConfig, TrainConfig, init_weights, initial_weights, train
from rnnmem_helpers.core.init import DEFAULT_PLANES, rotation_init, run_seed_sequences, start_weights

TINY = TrainConfig(max_steps=1, eval_every=1, eval_steps=200, confirm_steps=200)


def test_shapes_and_init_ranges():
    w = init_weights(ModelConfig(n_hidden=100), rng=0)
    assert w.W.shape == (100, 100) and w.W_in.shape == (100, 3) and w.W_out.shape == (3, 100)
    for arr, bound in ((w.W, 0.1), (w.W_out, 0.1), (w.W_in, 1 / np.sqrt(3))):
        assert np.abs(arr).max() <= bound
        # Uniform on [-a, a] fills the range: the extremes sit close to the bounds.
        assert np.abs(arr).max() > 0.95 * bound
        assert abs(arr.std() - bound / np.sqrt(3)) < 0.1 * bound


def test_init_seeded():
    a = init_weights(ModelConfig(), rng=3)
    b = init_weights(ModelConfig(), rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.W, b.W)
    assert not np.array_equal(a.W, init_weights(ModelConfig(), rng=4).W)


@pytest.mark.parametrize(
    "call",
    [
        lambda: init_weights(ModelConfig(), 0),
        lambda: initial_weights(ModelConfig(), 0),
        lambda: rotation_init(init_weights(ModelConfig(), rng=0), 0),
        lambda: start_weights("paper", ModelConfig(), 0),
    ],
)
def test_rng_is_keyword_only(call):
    with pytest.raises(TypeError, match="positional"):
        call()


@pytest.mark.parametrize("module", ["core.init", "core.train", "experiments.experiment", "experiments.sweep"])
def test_randomness_is_one_required_keyword_only_rng(module):
    mod = importlib.import_module(f"rnnmem_helpers.{module}")
    public = [f for n, f in vars(mod).items() if inspect.isfunction(f) and f.__module__ == mod.__name__ and n[0] != "_"]
    assert public
    for fn in public:
        params = inspect.signature(fn).parameters
        assert not any("seed" in name for name in params), f"{fn.__name__} takes a seed; randomness is rng"
        if "rng" in params:
            assert params["rng"].kind is inspect.Parameter.KEYWORD_ONLY, f"{fn.__name__}: rng must be keyword-only"
            assert params["rng"].default is inspect.Parameter.empty, f"{fn.__name__}: rng must be required"


def test_initial_weights_of_an_int_is_the_old_draw():
    # Pinned from the code before rng replaced seed (initial_weights(model, 5)): uniform draws are
    # the same on every machine, so these hold exactly.
    w = initial_weights(ModelConfig(n_hidden=4), rng=5)
    assert w.W[0].tolist() == [-0.14249394793721304, -0.3886112082146608, -0.3974930313656271, -0.0737927153774246]
    assert w.W_in[0].tolist() == [-0.11186914835545964, 0.2928225665975078, -0.5405873100287248]
    assert w.W_out[0].tolist() == [0.14218451123940923, 0.33168347723477576, 0.2625909706530877, 0.24397831842935724]
    # The rule behind it: the first of the four children of SeedSequence(5), drawn W_in, W, W_out.
    draw = np.random.default_rng(np.random.SeedSequence(5).spawn(4)[0])
    a, b = 1 / np.sqrt(3), 1 / np.sqrt(4)
    np.testing.assert_array_equal(w.W_in, draw.uniform(-a, a, (4, 3)))
    np.testing.assert_array_equal(w.W, draw.uniform(-b, b, (4, 4)))


def test_initial_weights_of_a_generator_leave_it_for_train():
    model = ModelConfig(n_hidden=12)
    g = np.random.default_rng(5)
    g.random(3)  # drawing from the Generator itself does not move its seed sequence
    w = initial_weights(model, rng=g)
    assert g.bit_generator.seed_seq.n_children_spawned == 0
    # A fresh default_rng(s) is the int s.
    np.testing.assert_array_equal(w.W, initial_weights(model, rng=5).W)
    a = train(TaskConfig(), model, TINY, rng=g, progress=False)
    b = train(TaskConfig(), model, TINY, rng=5, init=w, progress=False)
    np.testing.assert_array_equal(a.weights.W, b.weights.W)
    # train spawned from g: the next start is a new draw.
    assert g.bit_generator.seed_seq.n_children_spawned == 4
    assert not np.array_equal(initial_weights(model, rng=g).W, w.W)


def test_run_seed_sequences():
    ints = run_seed_sequences(rng=7, advance=True)
    want = np.random.SeedSequence(7).spawn(4)
    assert [s.generate_state(2).tolist() for s in ints] == [s.generate_state(2).tolist() for s in want]
    g = np.random.default_rng(7)
    peek = run_seed_sequences(rng=g, advance=False)
    taken = run_seed_sequences(rng=g, advance=True)
    again = run_seed_sequences(rng=g, advance=True)
    assert [s.spawn_key for s in peek] == [s.spawn_key for s in taken] == [(i,) for i in range(4)]
    assert [s.spawn_key for s in again] == [(i,) for i in range(4, 8)]

    class FixedWords(np.random.bit_generator.ISeedSequence):
        def generate_state(self, n_words, dtype=np.uint32):
            return np.arange(1, n_words + 1, dtype=dtype)

    with pytest.raises(TypeError, match="^rng must be .* seeded by a SeedSequence"):
        run_seed_sequences(rng=np.random.Generator(np.random.PCG64(FixedWords())), advance=True)


def test_rotation_init_is_transverse():
    model = ModelConfig(n_hidden=60)
    base = init_weights(model, rng=np.random.default_rng(3))
    w = rotation_init(base, rng=4, n_planes=4, radius=0.9)
    added = w.W - base.W
    np.testing.assert_array_equal(w.W_in, base.W_in)
    np.testing.assert_array_equal(w.W_out, base.W_out)
    # The added rotations live in a subspace orthogonal to inputs and readout.
    assert np.abs(added @ w.W_in).max() < 1e-10
    assert np.abs(w.W_out @ added).max() < 1e-10
    ev = np.linalg.eigvals(added)
    big = ev[np.abs(ev) > 1e-8]
    np.testing.assert_allclose(np.abs(big), 0.9, atol=1e-10)
    angles = np.sort(np.abs(np.angle(big)))[::2]
    np.testing.assert_allclose(angles, np.pi * np.arange(1, 5) / 5, atol=1e-10)
    with pytest.raises(ValueError, match="^n_planes"):
        rotation_init(init_weights(ModelConfig(n_hidden=10), rng=0), rng=0, n_planes=4)
    with pytest.raises(TypeError, match="^base"):
        rotation_init(model, rng=0)


def test_transverse_arm_shares_the_paper_arms_start():
    model = ModelConfig()
    paper = initial_weights(model, rng=5)
    # train() must start the paper arm from exactly this draw.
    a = train(TaskConfig(), model, TINY, rng=5, progress=False)
    b = train(TaskConfig(), model, TINY, rng=5, init=paper, progress=False)
    np.testing.assert_array_equal(a.weights.W, b.weights.W)
    assert start_weights("paper", model, rng=5) is None
    rot = start_weights("transverse", model, rng=5)
    np.testing.assert_array_equal(rot.W_in, paper.W_in)
    assert np.linalg.matrix_rank(rot.W - paper.W, tol=1e-9) == 2 * DEFAULT_PLANES
    with pytest.raises(ValueError, match="^init"):
        start_weights("rotation", model, rng=5)


def test_transverse_start_of_an_int_is_the_old_draw():
    # Pinned from start_weights("transverse", ModelConfig(n_hidden=24), 3) before the rename; QR may
    # differ in the last bits between LAPACK builds, hence the tolerance.
    rot = start_weights("transverse", ModelConfig(n_hidden=24), rng=3)
    np.testing.assert_allclose(
        rot.W[0, :3], [-0.0143136533482804, -0.06985316814162112, -0.13300563257550194], rtol=1e-9
    )
    np.testing.assert_allclose(np.abs(rot.W).sum(), 89.35455633113081, rtol=1e-12)
    # Its planes: default_rng([3, 7]).
    want = rotation_init(initial_weights(ModelConfig(n_hidden=24), rng=3), rng=np.random.default_rng([3, 7]))
    np.testing.assert_array_equal(rot.W, want.W)


def test_transverse_start_of_a_generator():
    model = ModelConfig(n_hidden=24)
    g = np.random.default_rng(3)
    rot = start_weights("transverse", model, rng=g)
    # The base is the paper arm's start and g's seed sequence is untouched, so train(rng=g) pairs with it.
    assert g.bit_generator.seed_seq.n_children_spawned == 0
    added = rot.W - initial_weights(model, rng=3).W
    assert np.linalg.matrix_rank(added, tol=1e-9) == 2 * DEFAULT_PLANES
    # The planes came from g's own stream, not from [3, 7].
    assert not np.allclose(rot.W, start_weights("transverse", model, rng=3).W)
