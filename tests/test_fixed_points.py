import inspect
import itertools
import json

import numpy as np
import pytest
from scipy.optimize import brentq

from rnnmem_helpers import RNNWeights, load_pretrained
from rnnmem_helpers.analyses.fixed_points import (
    REFERENCE_SETTINGS,
    SEARCH_DEFAULTS,
    FixedPointResult,
    attractor_corners,
    count_unstable,
    find_fixed_points,
    jacobian,
    sample_initial_states,
    unstable_ends,
)

N = 100
# Census of the shipped networks by number of unstable modes: the cube at Δt = 0, and at Δt = 8 the
# 37 points that the reference search finds (two extra one-mode saddles, and points with 5 and 6 modes).
CENSUS = {0: {0: 8, 1: 12, 2: 6, 3: 1}, 8: {0: 8, 1: 14, 2: 10, 3: 2, 5: 2, 6: 1}}


def _three_unit_net(w=1.5, seed=0):
    """Units 0-2 excite themselves with weight w and nothing else; units 3-99 are silent."""
    rng = np.random.default_rng(seed)
    W = np.zeros((N, N))
    W[[0, 1, 2], [0, 1, 2]] = w
    return RNNWeights(W=W, W_in=rng.uniform(-0.5, 0.5, (N, 3)), W_out=rng.uniform(-0.1, 0.1, (3, N)))


def _contracting_net(seed=0, norm=0.8):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(N, N))
    W *= norm / np.linalg.norm(W, 2)  # ‖W‖₂ < 1 makes F a contraction: one fixed point
    return RNNWeights(W=W, W_in=rng.normal(size=(N, 3)), W_out=rng.normal(size=(3, N)) / 10)


def _match(found, expected, atol):
    """Each expected point has exactly one found point within atol, and vice versa."""
    d = np.linalg.norm(found[:, None, :] - expected[None, :, :], axis=-1)
    assert found.shape == expected.shape
    assert np.all((d < atol).sum(axis=0) == 1) and np.all((d < atol).sum(axis=1) == 1)
    return d.argmin(axis=1)


def test_three_self_exciting_units_give_the_27_point_cube():
    w = 1.5
    s_star = brentq(lambda s: np.tanh(w * s) - s, 0.1, 1.0)
    res = find_fixed_points(_three_unit_net(w))
    expected = np.zeros((27, N))
    expected[:, :3] = np.array(list(itertools.product([-s_star, 0.0, s_star], repeat=3)))
    idx = _match(res.xstar, expected, 1e-9)
    n_zero = (expected[idx, :3] == 0).sum(axis=1)
    np.testing.assert_array_equal(res.n_unstable, n_zero)  # each silent unit of the three is a saddle direction
    assert res.summary() == {0: 8, 1: 12, 2: 6, 3: 1}
    assert len(res.slow_q) == 0 and np.all(res.q < res.q_tol)
    # J = diag(1 − s²) W: the spectrum is w(1 − s_i²) on units 0-2 and 0 elsewhere.
    for s, ev in zip(res.xstar, res.eigvals, strict=True):
        want = np.sort(np.concatenate([w * (1 - s[:3] ** 2), np.zeros(N - 3)]))[::-1]
        np.testing.assert_allclose(ev.real, want, atol=1e-10)
        np.testing.assert_allclose(ev.imag, 0, atol=1e-10)
        assert np.all(np.diff(np.abs(ev)) <= 1e-12)


def test_input_conditioned_points_match_scalar_roots():
    net = _three_unit_net(seed=1)
    x = np.array([0.3, -0.2, 0.1])
    b = net.W_in @ x
    res = find_fixed_points(net, x=x)
    # Each unit solves s = tanh(w s + b_i) on its own; units 3-99 sit at tanh(b_i).
    grid = np.linspace(-1, 1, 2001)
    roots = []
    for i in range(3):
        f = np.tanh(1.5 * grid + b[i]) - grid
        roots.append(
            [
                brentq(lambda s, i=i: np.tanh(1.5 * s + b[i]) - s, lo, hi)
                for lo, hi, fl, fh in zip(grid[:-1], grid[1:], f[:-1], f[1:], strict=True)
                if fl * fh < 0
            ]
        )
    combos = np.array(list(itertools.product(*roots)))
    expected = np.tile(np.tanh(b), (len(combos), 1))
    expected[:, :3] = combos
    _match(res.xstar, expected, 1e-9)
    np.testing.assert_array_equal(res.x, x)


def test_contraction_has_only_the_origin():
    net = _contracting_net()
    res = find_fixed_points(net, n_initial=128)
    assert len(res) == 1 and res.summary() == {0: 1}
    np.testing.assert_allclose(res.xstar[0], 0.0, atol=1e-12)
    # At the origin F'(0) = 1, so the Jacobian is W itself.
    np.testing.assert_array_equal(res.jacobians[0], net.W)
    np.testing.assert_allclose(np.sort_complex(res.eigvals[0]), np.sort_complex(np.linalg.eigvals(net.W)), atol=1e-12)
    np.testing.assert_array_equal(jacobian(net, np.zeros(N)), net.W)


def test_contraction_with_input_converges_to_the_iterated_limit():
    net = _contracting_net(seed=2)
    x = np.array([1.0, -0.5, 0.3])
    s = np.zeros(N)
    for _ in range(500):  # ‖W‖₂ = 0.8: 500 steps shrink the error by 0.8^500
        s = np.tanh(net.W @ s + net.W_in @ x)
    res = find_fixed_points(net, x=x, n_initial=64)
    assert len(res) == 1
    np.testing.assert_allclose(res.xstar[0], s, atol=1e-12)


@pytest.mark.parametrize("merge_tol", [0.0, 0.05])
def test_slow_point_at_a_saddle_node_ghost(merge_tol):
    # Unit 0: s = tanh(w s + b). Just past the saddle-node at b_c, the lower
    # pair of roots has vanished and left a local minimum of q with q > 0
    # where w (1 − tanh²) = 1.
    w = 1.5
    s_c = -np.sqrt(1 - 1 / w)
    b_c = np.arctanh(s_c) - w * s_c
    b = b_c + 1e-3
    W = np.zeros((N, N))
    W[0, 0] = w
    W_in = np.zeros((N, 3))
    W_in[0, 0] = 1.0
    net = RNNWeights(W=W, W_in=W_in, W_out=np.ones((3, N)) / N)
    res = find_fixed_points(net, x=[b, 0.0, 0.0], merge_tol=merge_tol)
    upper = brentq(lambda s: np.tanh(w * s + b) - s, 0.0, 1.0)
    assert len(res) == 1
    np.testing.assert_allclose(res.xstar[0, 0], upper, atol=1e-10)
    ghost = (np.arctanh(s_c) - b) / w  # where d/ds (tanh(ws+b) − s) = 0
    assert len(res.slow_q) == 1
    np.testing.assert_allclose(res.slow_points[0, 0], ghost, atol=1e-6)
    np.testing.assert_allclose(res.slow_points[0, 1:], 0.0, atol=1e-8)
    q_ghost = 0.5 * (np.tanh(w * ghost + b) - ghost) ** 2
    np.testing.assert_allclose(res.slow_q[0], q_ghost, rtol=1e-8)


def test_exactly_singular_jacobian_falls_back_to_levenberg_marquardt():
    # Unit 0 has self-weight exactly 1, so at s_0 = 0 the row of J − I is zero.
    W = np.zeros((N, N))
    W[0, 0] = 1.0
    net = RNNWeights(W=W, W_in=np.ones((N, 3)), W_out=np.ones((3, N)))
    seed = np.zeros((1, N))
    seed[0, 3] = 0.5
    res = find_fixed_points(net, seed, n_rounds=1)
    assert len(res) == 1
    np.testing.assert_allclose(res.xstar[0], 0.0, atol=1e-12)


def test_sample_initial_states_from_given_trajectory():
    net = _three_unit_net()
    states = np.random.default_rng(0).uniform(-1, 1, size=(50, N))
    a = sample_initial_states(net, states, n_initial=160, noise=0.0, rng=3)
    assert a.shape == (160, N)
    # Without noise every seed is a trajectory state or the origin (one in sixteen).
    d = np.linalg.norm(a[:, None, :] - states[None], axis=-1).min(axis=1)
    from_origin = np.all(a == 0, axis=1)
    assert from_origin.sum() == 10 and np.all(d[~from_origin] == 0)
    np.testing.assert_array_equal(a, sample_initial_states(net, states, n_initial=160, noise=0.0, rng=3))
    b = sample_initial_states(net, n_initial=64, rng=np.random.default_rng(1))
    assert b.shape == (64, N) and np.all(np.isfinite(b))


def test_sample_initial_states_needs_an_rng():
    # The seeds are the random draw itself: a hidden default would hand every caller the same sample.
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'rng'"):
        sample_initial_states(_three_unit_net(), n_initial=8)
    with pytest.raises(ValueError, match="^rng must be a non-negative integer seed or an np.random.Generator"):
        sample_initial_states(_three_unit_net(), n_initial=8, rng=-1)


def test_count_unstable_margin():
    ev = np.array([[-1.002, 1.0007, 0.5j, 1.5], [0.2, -0.9, 1.02, 1.0]])
    np.testing.assert_array_equal(count_unstable(ev, 0.0), [3, 1])
    np.testing.assert_array_equal(count_unstable(ev), [1, 1])
    np.testing.assert_array_equal(count_unstable(ev, 0.1), [1, 0])


def test_inputs_are_not_modified_and_result_is_read_only():
    net = _three_unit_net()
    rng = np.random.default_rng(0)
    seeds = rng.normal(size=(50, N)) * 0.5
    states = rng.normal(size=(200, N)) * 0.5
    x = np.zeros(3)
    copies = [a.copy() for a in (seeds, states, x)]
    res = find_fixed_points(net, seeds, x=x, states=states)
    sample_initial_states(net, states, n_initial=30, rng=1)
    for a, c in zip((seeds, states, x), copies, strict=True):
        np.testing.assert_array_equal(a, c)
        assert a.flags.writeable
    assert isinstance(res, FixedPointResult)
    for name in ("xstar", "q", "jacobians", "eigvals", "n_unstable", "slow_points", "x"):
        with pytest.raises(ValueError):
            getattr(res, name).flat[0] = 1


def test_same_seed_same_result():
    net = _three_unit_net()
    a = find_fixed_points(net, n_initial=256, rng=5)
    b = find_fixed_points(net, n_initial=256, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a.xstar, b.xstar)
    assert np.all(np.diff(a.n_unstable) >= 0)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"initial_states": np.zeros((5, N - 1))}, ValueError, "initial_states"),
        ({"initial_states": np.full((5, N), np.nan)}, ValueError, "initial_states"),
        ({"initial_states": np.zeros((0, N))}, ValueError, "initial_states"),
        ({"x": np.zeros(4)}, ValueError, "x must have shape"),
        ({"x": [np.inf, 0, 0]}, ValueError, "x must contain only finite"),
        ({"states": np.zeros((10, 3))}, ValueError, "states"),
        ({"n_initial": -1}, ValueError, "n_initial must be an integer >= 1"),
        ({"n_initial": 2.5}, TypeError, "n_initial"),
        ({"noise": -0.1}, ValueError, "noise must be >= 0"),
        ({"q_tol": 1e-3}, ValueError, "q_tol"),
        ({"margin": -0.01}, ValueError, "margin"),
        ({"dedup_tol": 0.0}, ValueError, "dedup_tol"),
        ({"n_rounds": 0}, ValueError, "n_rounds"),
        ({"rng": -1}, ValueError, "rng"),
        ({"n_time": 0}, ValueError, "n_time"),
        ({"n_runs": 0}, ValueError, "n_runs"),
        ({"n_time": 10, "n_runs": 11}, ValueError, "n_runs"),
        ({"settle_q": -1e-3}, ValueError, "settle_q"),
        ({"round_size": 0}, ValueError, "round_size"),
        ({"segment_points": 0}, ValueError, "segment_points"),
        ({"segment_margin": 0.0}, ValueError, "segment_margin"),
        ({"segment_margin": 0.6}, ValueError, "segment_margin"),
        ({"known_tol": -0.1}, ValueError, "known_tol"),
        ({"crawl": 1.5}, ValueError, "crawl"),
    ],
)
def test_bad_arguments_are_named(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        find_fixed_points(_three_unit_net(), **kwargs)


def test_bad_weights_and_eigvals():
    with pytest.raises(TypeError, match="weights"):
        find_fixed_points(np.eye(N))
    with pytest.raises(ValueError, match="margin"):
        count_unstable(np.ones((2, 3)), -1.0)
    with pytest.raises(ValueError, match="s must have shape"):
        jacobian(_three_unit_net(), np.zeros(N + 1))


def test_shipped_delay0_network_has_the_cube():
    res = find_fixed_points(load_pretrained(0).weights)
    assert len(res) == 27
    assert res.summary() == {0: 8, 1: 12, 2: 6, 3: 1}
    assert len(res.slow_q) == 0
    assert np.all(res.q < 1e-20)
    # The origin is the 3-unstable-mode centre of the cube.
    np.testing.assert_allclose(res.xstar[-1], 0.0, atol=1e-10)


def test_unstable_ends_of_edge_saddles_are_neighbouring_corners():
    w = 1.5
    net = _three_unit_net(w)
    res = find_fixed_points(net)
    for i in np.flatnonzero(res.n_unstable == 1):
        zero_axis = np.flatnonzero(np.abs(res.xstar[i, :3]) < 1e-9)
        ends = unstable_ends(net, res, i)
        # The silent coordinate falls to ±s*; the other two stay where they were.
        assert np.all(np.abs(np.abs(ends[:, zero_axis]) - np.abs(res.xstar[:, :3]).max()) < 1e-6)
        assert np.sign(ends[0, zero_axis]) == -np.sign(ends[1, zero_axis])
        keep = [a for a in range(3) if a not in zero_axis]
        np.testing.assert_allclose(ends[:, keep], np.repeat(res.xstar[i, keep][None], 2, axis=0), atol=1e-9)
    with pytest.raises(ValueError, match="index"):
        unstable_ends(net, res, len(res))
    with pytest.raises(ValueError, match="eps"):
        unstable_ends(net, res, 0, eps=0.0)


def test_attractor_corners_of_the_analytic_cube():
    net = _three_unit_net(1.5)
    res = find_fixed_points(net)
    # Attractors sit at (±s*, ±s*, ±s*) on units 0-2; their readout signs follow from W_out's first columns alone.
    s_star = brentq(lambda s: np.tanh(1.5 * s) - s, 0.1, 1.0)
    want = sorted(
        tuple(int(v) for v in np.sign(net.W_out[:, :3] @ (s_star * np.array(c))))
        for c in itertools.product([-1.0, 1.0], repeat=3)
    )
    assert attractor_corners(net, res) == want
    with pytest.raises(TypeError, match="fps"):
        attractor_corners(net, res.xstar)
    with pytest.raises(ValueError, match="fps"):
        attractor_corners(RNNWeights(W=np.eye(4), W_in=np.ones((4, 3)), W_out=np.ones((3, 4))), res)


def test_search_defaults_are_the_one_source_of_the_settings():
    params = inspect.signature(find_fixed_points).parameters
    settings = {name for name, p in params.items() if p.kind is p.KEYWORD_ONLY} - {"x", "states", "rng"}
    assert set(SEARCH_DEFAULTS) == settings == set(REFERENCE_SETTINGS)
    for name, value in SEARCH_DEFAULTS.items():
        assert params[name].default is value, name
    sample = inspect.signature(sample_initial_states).parameters
    for name in ("n_initial", "noise", "n_time"):
        assert sample[name].default is SEARCH_DEFAULTS[name]
    # Plain JSON numbers, so that a cache can key on them.
    for mapping in (SEARCH_DEFAULTS, REFERENCE_SETTINGS):
        assert all(type(v) in (int, float, bool, str) for v in mapping.values())
        assert json.loads(json.dumps(dict(mapping))) == dict(mapping)
    with pytest.raises(TypeError):
        SEARCH_DEFAULTS["noise"] = 0.1


def test_reference_settings_still_run_the_earlier_search():
    res = find_fixed_points(load_pretrained(0).weights, rng=0, **REFERENCE_SETTINGS)
    # 1024 noisy seeds and no settled states in round 1, then at most one round of midpoints.
    assert res.n_seeds[0] == REFERENCE_SETTINGS["n_initial"] and len(res.n_seeds) <= REFERENCE_SETTINGS["n_rounds"]
    assert res.summary() == CENSUS[0]
    assert len(res.slow_q) == 0 and np.all(res.q < 1e-18)


@pytest.mark.parametrize("delay", sorted(CENSUS))
def test_default_search_finds_the_full_census_of_the_shipped_networks(delay):
    weights = load_pretrained(delay).weights
    results = [find_fixed_points(weights, rng=seed) for seed in (101, 202, 303)]
    for res in results:
        assert res.summary() == CENSUS[delay]
        assert np.all(res.q < 1e-18) and len(res.slow_q) == 0
        # The same points from every seed, not only as many of each kind.
        _match(res.xstar, results[0].xstar, 1e-6)
        # Round 1 ran the settled states and 16 noisy seeds, not the reference's 1024.
        assert res.n_seeds[0] < 100
