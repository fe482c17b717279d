import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnmem_helpers import TaskConfig, make_batch, make_stream, sample_pulses, targets_from_inputs


def _reference_targets(inputs_tk, delay):
    """Target by the definition, one entry at a time: sign of last pulse at or before t - delay."""
    n_time, k = inputs_tk.shape
    out = np.zeros((n_time, k))
    for c in range(k):
        for t in range(n_time):
            past = np.nonzero(inputs_tk[: max(t - delay + 1, 0), c])[0]
            if past.size:
                out[t, c] = np.sign(inputs_tk[past[-1], c])
    return out


@settings(max_examples=40, deadline=None)
@given(
    delay=st.integers(0, 12),
    n_time=st.integers(1, 60),
    mean_interval=st.floats(1.5, 30.0),
    seed=st.integers(0, 2**31),
    scope=st.sampled_from(["all", "per_channel"]),
    at_start=st.booleans(),
)
def test_target_is_last_pulse_delayed(delay, n_time, mean_interval, seed, scope, at_start):
    cfg = TaskConfig(delay=delay, mean_interval=mean_interval, rate_scope=scope)
    batch = make_batch(cfg, 2, n_time, rng=seed, pulse_at_start=at_start)
    for b in range(2):
        expected = _reference_targets(batch.inputs[b], delay)
        np.testing.assert_array_equal(batch.targets[b], expected)
        np.testing.assert_array_equal(batch.mask[b], expected != 0)
    assert batch.inputs.dtype == batch.targets.dtype == np.float32
    assert batch.mask.dtype == bool
    assert batch.inputs.shape == batch.targets.shape == batch.mask.shape == (2, n_time, 3)
    assert set(np.unique(batch.inputs)) <= {-1.0, 0.0, 1.0}
    if scope == "all":
        # One process over all channels: at most one pulse per step (except the forced t = 0).
        assert (np.count_nonzero(batch.inputs[:, 1:], axis=2) <= 1).all()


def test_pulse_at_start_defines_target_from_delay():
    cfg = TaskConfig(delay=5)
    batch = make_batch(cfg, 4, 30, rng=1, pulse_at_start=True)
    assert (batch.inputs[:, 0] != 0).all()
    assert not batch.mask[:, :5].any()
    assert batch.mask[:, 5:].all()


@pytest.mark.parametrize("scope, per_step", [("all", 1 / 50), ("per_channel", 3 / 50)])
def test_pulse_counts_match_rate(scope, per_step):
    cfg = TaskConfig(mean_interval=50.0, rate_scope=scope)
    n_time = 100_000
    counts = [np.count_nonzero(make_stream(cfg, n_time, rng=seed).inputs) for seed in range(5)]
    expected = n_time * per_step
    sd = np.sqrt(n_time * per_step * (1 - per_step / (3 if scope == "per_channel" else 1)))
    for c in counts:
        assert abs(c - expected) < 5 * sd
    if scope == "all":
        # The paper's "about 2000 pulses in about 100 000 steps".
        assert 1800 < np.mean(counts) < 2200


def test_signs_balanced_and_channels_uniform():
    inputs = make_stream(TaskConfig(), 200_000, rng=3).inputs
    pulses = inputs[inputs != 0]
    n = pulses.size
    assert abs((pulses > 0).sum() - n / 2) < 5 * np.sqrt(n / 4)
    per_channel = np.count_nonzero(inputs, axis=0)
    assert np.all(np.abs(per_channel - n / 3) < 5 * np.sqrt(n * (1 / 3) * (2 / 3)))


def test_same_seed_same_stream_and_generator_accepted():
    cfg = TaskConfig(delay=3)
    a = make_stream(cfg, 5000, rng=7)
    b = make_stream(cfg, 5000, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.inputs, b.inputs)
    assert not np.array_equal(a.inputs, make_stream(cfg, 5000, rng=8).inputs)


def test_global_rng_untouched():
    # Reading the legacy global state is the point: drawing a task must not advance it.
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    make_stream(TaskConfig(), 1000, rng=0)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        ({"delay": -1}, ValueError, "delay"),
        ({"delay": 2.5}, TypeError, "delay"),
        ({"delay": True}, TypeError, "delay"),
        ({"mean_interval": 0.0}, ValueError, "mean_interval"),
        ({"mean_interval": -3.0}, ValueError, "mean_interval"),
        ({"mean_interval": float("nan")}, ValueError, "mean_interval"),
        ({"n_bits": 0}, ValueError, "n_bits"),
        ({"rate_scope": "global"}, ValueError, "rate_scope"),
    ],
)
def test_bad_config(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        TaskConfig(**kwargs)


def test_bad_arguments():
    cfg = TaskConfig()
    with pytest.raises(ValueError, match="n_time"):
        sample_pulses(cfg, 1, 0, rng=0)
    with pytest.raises(ValueError, match="batch"):
        sample_pulses(cfg, 0, 10, rng=0)
    with pytest.raises(ValueError, match="rng"):
        sample_pulses(cfg, 1, 10, rng=-1)
    with pytest.raises(TypeError, match="config"):
        sample_pulses({"delay": 0}, 1, 10, rng=0)
    with pytest.raises(ValueError, match="inputs"):
        targets_from_inputs(np.zeros((10, 3)), 0)
    with pytest.raises(ValueError, match="inputs"):
        targets_from_inputs(np.full((1, 10, 3), np.nan), 0)
    with pytest.raises(ValueError, match="delay"):
        targets_from_inputs(np.zeros((1, 10, 3)), -2)
