"""The hand-built delayed flip-flop network: exact on every stream, frozen W_in, shipped files, bad input."""

import itertools
import re

import numpy as np
import pytest

from rnnmem_helpers import ModelConfig, TaskConfig, evaluate, initial_weights, load_pretrained, make_stream, simulate
from rnnmem_helpers.core.checkpoints import available_constructed, available_pretrained, load_constructed
from rnnmem_helpers.core.construct import (
    SATURATION,
    construct_delay_network,
    design_delay_network,
    max_constructible_delay,
)

FROZEN_W_IN = initial_weights(ModelConfig(n_hidden=100), rng=0).W_in


def _held(inputs_tk):
    """held[t, c]: sign of the last pulse on channel c at or before t (0 before the first), one step at a time."""
    held = np.zeros(inputs_tk.shape)
    last = np.zeros(inputs_tk.shape[1])
    for t, x in enumerate(inputs_tk):
        last = np.where(x != 0, np.sign(x), last)
        held[t] = last
    return held


def _lagged(held, lag):
    """held[t - lag], and 0 (undefined) for t < lag."""
    out = np.zeros_like(held)
    out[lag:] = held[: len(held) - lag]
    return out


def _dense_inputs(n_time, seed):
    """A pulse train far denser than the task's, with every pattern of {-1, 0, 1}^3 present."""
    rng = np.random.default_rng(seed)
    inputs = rng.choice([-1.0, 0.0, 1.0], p=[0.2, 0.6, 0.2], size=(n_time, 3))
    assert len({tuple(x) for x in inputs}) == 27
    return inputs


def _assert_exact(design_or_weights, inputs, delay, chains=None):
    weights = getattr(design_or_weights, "weights", design_or_weights)
    states, outputs = simulate(weights, inputs)
    held = _held(inputs)
    target = _lagged(held, delay)
    valid = target != 0
    assert valid.mean() > 0.9
    np.testing.assert_array_equal(np.sign(outputs)[valid], target[valid])
    if chains is None:
        return
    # Unit chains[c, j] holds the sign of the last pulse at or before t - 1 - j, saturated.
    for c, j in itertools.product(range(3), range(chains.shape[1])):
        want = _lagged(held, 1 + j)[:, c]
        s = states[:, chains[c, j]]
        np.testing.assert_array_equal(np.sign(s[want != 0]), want[want != 0])
        assert (np.abs(s[want != 0]) >= SATURATION).all()


@pytest.mark.parametrize("delay", [0, 1, 2, 3])
@pytest.mark.parametrize("scope", ["dense", "task"])
def test_output_and_chain_states_are_exact_on_every_step(delay, scope):
    design = design_delay_network(delay)
    if scope == "dense":
        inputs = _dense_inputs(3000, seed=delay)
    else:
        inputs = make_stream(TaskConfig(delay=delay), 20_000, rng=delay).inputs.astype(np.float64)
    _assert_exact(design, inputs, delay, design.chains)


def test_layout_uses_every_unit_once_and_leaves_inputs_without_recurrence():
    for delay in (0, 1, 5, 32):
        design = design_delay_network(delay)
        units = np.concatenate([design.chains.ravel(), design.inputs])
        assert sorted(units) == list(range(100))
        assert design.chains.shape == (3, max(delay, 1)) and design.inputs.size >= 3
        assert not design.weights.W[design.inputs].any()


def test_w_has_no_cycles_but_the_flip_flops_self_loops():
    # Then W is triangular up to a permutation: its eigenvalues are its diagonal, real, so no rotations.
    for delay in (0, 16, 32):
        design = design_delay_network(delay)
        W = design.weights.W
        links = (W - np.diag(np.diag(W)) != 0).astype(np.int64)
        walk = np.eye(100, dtype=np.int64)
        for _ in range(100):
            walk = np.minimum(walk @ links, 1)
        assert not walk.any()
        assert sorted(np.flatnonzero(np.diag(W))) == sorted(design.chains[:, 0])


@pytest.mark.parametrize("delay", [0, 7, 32])
def test_w_in_is_the_frozen_one_bit_for_bit(delay):
    weights = construct_delay_network(delay)
    assert weights.W_in.dtype == FROZEN_W_IN.dtype and weights.W_in.tobytes() == FROZEN_W_IN.tobytes()
    own = np.random.default_rng(3).uniform(-0.5, 0.5, size=(100, 3))
    assert construct_delay_network(delay, W_in=own).W_in.tobytes() == own.tobytes()


def test_shipped_files_hold_the_frozen_w_in_and_the_construction():
    trained_w_in = load_pretrained(8).weights.W_in
    for delay in available_constructed():
        ckpt = load_constructed(delay)
        w = ckpt.weights
        assert w.W_in.tobytes() == FROZEN_W_IN.astype(np.float32).astype(np.float64).tobytes()
        assert w.W_in.tobytes() == trained_w_in.tobytes()
        gain = ckpt.metadata["construction"]["gain"]
        rebuilt = construct_delay_network(delay, gain=gain)
        for key in ("W", "W_out"):
            np.testing.assert_array_equal(getattr(w, key), getattr(rebuilt, key).astype(np.float32))


def test_shipped_delays_reach_the_longest_that_fits():
    assert max_constructible_delay(100) == 32
    assert {16, 24, 32} <= set(available_constructed())


@pytest.mark.parametrize("delay", available_constructed())
def test_shipped_constructed_networks_meet_the_target(delay):
    ckpt = load_constructed(delay)
    assert ckpt.kind == "constructed" and ckpt.task == TaskConfig(delay=delay)
    meta = ckpt.metadata
    assert meta["command"].startswith(f"python -m rnnmem_helpers construct --delay {delay} --n-hidden 100 ")
    assert meta["test"]["n_time"] == 100_000 and meta["test"]["accuracy"] >= 0.995
    # A stream other than the one recorded in the metadata.
    assert meta["test_seed"] != 7
    assert evaluate(ckpt.weights, ckpt.task, rng=7).accuracy >= 0.995
    _assert_exact(ckpt.weights, _dense_inputs(2000, seed=delay), delay)


@pytest.mark.parametrize("delay", sorted({d for d, _ in available_pretrained()}))
def test_construction_meets_the_target_at_the_trained_networks_delays(delay):
    assert evaluate(construct_delay_network(delay), TaskConfig(delay=delay), rng=7).accuracy >= 0.995


def test_max_constructible_delay():
    # Each channel takes max(delay, 1) units and 3 units stay inputs.
    assert [max_constructible_delay(n) for n in (6, 8, 9, 20, 100, 101, 102)] == [1, 1, 2, 5, 32, 32, 33]
    assert max_constructible_delay(10, n_bits=2) == 4
    with pytest.raises(ValueError, match=r"^n_hidden must be >= 6"):
        max_constructible_delay(5)


def test_smaller_networks_and_other_channel_counts_are_exact_too():
    design = design_delay_network(5, n_hidden=20)
    _assert_exact(design, _dense_inputs(2000, seed=1), 5, design.chains)
    two = design_delay_network(3, n_hidden=12, n_bits=2)
    inputs = np.random.default_rng(2).choice([-1.0, 0.0, 1.0], size=(2000, 2))
    _, outputs = simulate(two.weights, inputs)
    target = _lagged(_held(inputs), 3)
    np.testing.assert_array_equal(np.sign(outputs)[target != 0], target[target != 0])


@pytest.mark.parametrize(
    "kwargs, exc, message",
    [
        ({"delay": 33}, ValueError, r"^delay must be an integer in \[0, 32\]"),
        ({"delay": 6, "n_hidden": 20}, ValueError, r"^delay must be an integer in \[0, 5\]"),
        ({"delay": -1}, ValueError, "^delay must"),
        ({"delay": 2.0}, TypeError, "^delay must"),
        ({"delay": 2, "n_hidden": 5}, ValueError, "^n_hidden must be >= 6"),
        ({"delay": 2, "n_bits": 9}, ValueError, "^n_bits must"),
        ({"delay": 2, "W_in": np.ones((100, 2))}, ValueError, r"^W_in must have shape \(100, 3\)"),
        ({"delay": 2, "W_in": np.full((100, 3), np.nan)}, ValueError, "^W_in must"),
        ({"delay": 2, "gain": 0.0}, ValueError, "^gain must"),
        ({"delay": 2, "gain": float("inf")}, ValueError, "^gain must"),
        ({"delay": 2, "gain": 4.0}, ValueError, r"^gain must be >= 4\.09"),
        ({"delay": 32, "gain": 5.7}, ValueError, r"^gain must be >= 5\.76"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, exc, message):
    delay = kwargs.pop("delay")
    with pytest.raises(exc, match=message):
        design_delay_network(delay, **kwargs)
    with pytest.raises(exc, match=message):
        construct_delay_network(delay, **kwargs)


def test_w_in_that_cannot_tell_the_channels_apart_is_refused():
    silent = FROZEN_W_IN.copy()
    silent[96:] = 0.0  # the 4 input units at delay 32 see no pulse
    with pytest.raises(ValueError, match=re.escape("W_in: the rows of the 4 input units cannot decode")):
        design_delay_network(32, W_in=silent)
    same = FROZEN_W_IN.copy()
    same[96:, 1] = same[96:, 0]  # channels 0 and 1 drive the input units alike
    with pytest.raises(ValueError, match="^W_in: "):
        design_delay_network(32, W_in=same)
