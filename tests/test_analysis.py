import inspect

import numpy as np
import pytest

from rnnmem_helpers.analyses.analysis import (
    MIN_ANGLE,
    PCA,
    TestRun,
    fit_pca,
    init_bulk_radius,
    run_test,
    spectrum_summary,
    transition_times,
    triggered_average,
)
from rnnmem_helpers.analyses.fixed_points import DEFAULT_MARGIN, find_fixed_points
from rnnmem_helpers.core.checkpoints import available_pretrained, load_pretrained
from rnnmem_helpers.core.init import init_weights
from rnnmem_helpers.core.metrics import DEFAULT_TEST_STEPS, evaluate
from rnnmem_helpers.core.model import ModelConfig, RNNWeights, simulate
from rnnmem_helpers.core.task import TaskConfig, make_stream, targets_from_inputs

# ----------------------------------------------------------------------------- run_test


def test_run_test_matches_simulate_on_the_same_stream():
    w = init_weights(ModelConfig(n_hidden=12), rng=0)
    task = TaskConfig(delay=2)
    run = run_test(w, task, n_time=500, rng=7)
    stream = make_stream(task, 500, rng=np.random.default_rng(7))
    states, outputs = simulate(w, stream.inputs)
    np.testing.assert_array_equal(run.inputs, stream.inputs)
    np.testing.assert_array_equal(run.targets, stream.targets)
    np.testing.assert_array_equal(run.states_txn, states)
    np.testing.assert_array_equal(run.outputs_txk, outputs)
    assert run.states_txn.shape == (500, 12) and run.n_time == 500
    with pytest.raises(ValueError):
        run.states_txn[0, 0] = 1.0


def test_run_test_ignores_global_rng():
    w = init_weights(ModelConfig(n_hidden=8), rng=0)
    np.random.seed(1)  # noqa: NPY002 - deliberately disturbs the global RNG
    a = run_test(w, TaskConfig(), n_time=300, rng=3)
    np.random.seed(2)  # noqa: NPY002 - deliberately disturbs the global RNG
    b = run_test(w, TaskConfig(), n_time=300, rng=3)
    np.testing.assert_array_equal(a.states_txn, b.states_txn)


@pytest.mark.parametrize(
    "kwargs, exc",
    [
        ({"weights": "W"}, TypeError),
        ({"task": {"delay": 0}}, TypeError),
        ({"task": TaskConfig(n_bits=2)}, ValueError),
        ({"n_time": 1}, ValueError),
        ({"n_time": 10**8}, ValueError),
        ({"n_time": 100.0}, TypeError),
        ({"rng": -1}, ValueError),
        ({"pulse_at_start": 1}, TypeError),
    ],
)
def test_run_test_rejects_bad_input(kwargs, exc):
    args = {"weights": init_weights(ModelConfig(n_hidden=4), rng=0), "task": TaskConfig(), "n_time": 50, "rng": 0}
    with pytest.raises(exc):
        run_test(**{**args, **kwargs})


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda w: run_test(w, TaskConfig(), 50), "missing 1 required keyword-only argument: 'rng'"),
        (lambda w: run_test(w, TaskConfig(), 50, 0), "positional arguments but 4 were given"),
        (lambda w: evaluate(w, TaskConfig(), n_time=50), "missing 1 required keyword-only argument: 'rng'"),
    ],
    ids=["run_test-no-rng", "run_test-positional-rng", "evaluate-no-rng"],
)
def test_a_fresh_stream_needs_an_explicit_keyword_rng(call, match):
    # A default seed would make every "fresh" stream the same stream.
    with pytest.raises(TypeError, match=match):
        call(init_weights(ModelConfig(n_hidden=4), rng=0))


def test_run_test_and_evaluate_draw_the_same_stream_from_a_generator():
    w = init_weights(ModelConfig(n_hidden=6), rng=0)
    task = TaskConfig(delay=1)
    gen = np.random.default_rng(4)
    first, second = run_test(w, task, 300, rng=gen), run_test(w, task, 300, rng=gen)
    ref = np.random.default_rng(4)
    np.testing.assert_array_equal(first.inputs, make_stream(task, 300, rng=ref).inputs)
    np.testing.assert_array_equal(second.inputs, make_stream(task, 300, rng=ref).inputs)  # the generator moved on
    assert evaluate(w, task, n_time=300, rng=5) == evaluate(w, task, n_time=300, rng=np.random.default_rng(5))


def test_defaults_come_from_their_one_source():
    def default(fn, name):
        return inspect.signature(fn).parameters[name].default

    assert default(run_test, "n_time") is DEFAULT_TEST_STEPS
    assert default(evaluate, "n_time") is DEFAULT_TEST_STEPS
    assert default(spectrum_summary, "margin") is DEFAULT_MARGIN
    assert default(spectrum_summary, "min_angle") is MIN_ANGLE
    assert default(find_fixed_points, "margin") is DEFAULT_MARGIN


# ----------------------------------------------------------------------------- PCA


def _data_with_known_axes(rng, n=400, scales=(5.0, 2.0, 0.5)):
    """Data whose centred SVD is exactly A diag(scales) Q^T with known Q."""
    n_feat = 6
    q, _ = np.linalg.qr(rng.standard_normal((n_feat, n_feat)))
    axes = q[:, : len(scales)].T
    z = rng.standard_normal((n, len(scales)))
    a, _ = np.linalg.qr(z - z.mean(axis=0))  # orthonormal, zero-mean columns
    mean = rng.standard_normal(n_feat)
    return mean + (a * np.asarray(scales)) @ axes, axes, np.asarray(scales), mean


def test_pca_recovers_known_axes_and_variances():
    x, axes, scales, mean = _data_with_known_axes(np.random.default_rng(0))
    pca = fit_pca(x, 3)
    np.testing.assert_allclose(np.abs(np.sum(pca.components * axes, axis=1)), 1.0, atol=1e-10)
    np.testing.assert_allclose(pca.explained_variance, scales**2 / (x.shape[0] - 1), rtol=1e-10)
    np.testing.assert_allclose(pca.explained_variance_ratio, scales**2 / np.sum(scales**2), rtol=1e-10)
    np.testing.assert_allclose(pca.mean, mean, atol=1e-12)
    np.testing.assert_allclose(pca.components @ pca.components.T, np.eye(3), atol=1e-12)


def test_pca_ratio_is_of_total_variance_when_truncated():
    x, _, scales, _ = _data_with_known_axes(np.random.default_rng(1))
    pca = fit_pca(x, 1)
    assert pca.n_components == 1
    np.testing.assert_allclose(pca.explained_variance_ratio, [scales[0] ** 2 / np.sum(scales**2)])


def test_pca_sign_convention_is_invariant_to_row_order_and_negation():
    rng = np.random.default_rng(2)
    x, _, _, _ = _data_with_known_axes(rng)
    pca = fit_pca(x, 3)
    lead = np.argmax(np.abs(pca.components), axis=1)
    assert np.all(pca.components[np.arange(3), lead] > 0)
    perm = fit_pca(x[rng.permutation(x.shape[0])], 3)
    neg = fit_pca(-x, 3)
    np.testing.assert_allclose(perm.components, pca.components, atol=1e-12)
    np.testing.assert_allclose(neg.components, pca.components, atol=1e-12)
    np.testing.assert_allclose(neg.transform(-x), -pca.transform(x), atol=1e-10)


def test_pca_transform_shapes_and_values():
    x, _, _, _ = _data_with_known_axes(np.random.default_rng(3))
    pca = fit_pca(x, 2)
    y = pca.transform(x)
    assert y.shape == (x.shape[0], 2)
    np.testing.assert_allclose(y, (x - x.mean(0)) @ pca.components.T)
    assert pca.transform(x.reshape(20, 20, 6)).shape == (20, 20, 2)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    with pytest.raises(ValueError):
        pca.transform(np.ones((3, 5)))


def test_pca_leaves_input_alone_and_returns_read_only():
    x, _, _, _ = _data_with_known_axes(np.random.default_rng(4))
    before = x.copy()
    pca = fit_pca(x, 2)
    np.testing.assert_array_equal(x, before)
    assert isinstance(pca, PCA)
    with pytest.raises(ValueError):
        pca.components[0, 0] = 0.0


@pytest.mark.parametrize(
    "x, c, exc",
    [
        (np.ones(5), 1, ValueError),
        (np.ones((1, 5)), 1, ValueError),
        (np.ones((4, 3)), 4, ValueError),
        (np.ones((4, 3)), 0, ValueError),
        (np.ones((4, 3)), 1.5, TypeError),
        (np.full((4, 3), np.nan), 1, ValueError),
        (np.array([["a", "b"], ["c", "d"]]), 1, TypeError),
    ],
)
def test_pca_rejects_bad_input(x, c, exc):
    with pytest.raises(exc):
        fit_pca(x, c)


# ----------------------------------------------------------------------------- triggered average

DELAY, N_TIME = 3, 400
# (time, channel, sign). From (-,-,-), channel 2 goes +1 at 50, 150, 350 and 395.
PULSES = [(0, 0, -1), (0, 1, -1), (0, 2, -1), (50, 2, 1), (100, 2, -1), (150, 2, 1), (160, 0, -1)]
PULSES += [(200, 2, -1), (250, 0, 1), (300, 0, -1), (350, 2, 1), (380, 2, -1), (395, 2, 1)]


def _synthetic_run():
    inputs = np.zeros((N_TIME, 3), np.float32)
    for t, c, s in PULSES:
        inputs[t, c] = s
    targets, mask = targets_from_inputs(inputs[None], DELAY)
    states = np.random.default_rng(0).standard_normal((N_TIME, 5))
    task = TaskConfig(delay=DELAY)
    return TestRun(task, inputs, targets[0], mask[0], states, np.tanh(states[:, :3]))


def test_transition_times_on_known_sequence():
    run = _synthetic_run()
    t = transition_times(run.targets, (-1, -1, -1), (-1, -1, 1))
    np.testing.assert_array_equal(t, [50 + DELAY, 150 + DELAY, 350 + DELAY, 395 + DELAY])
    np.testing.assert_array_equal(transition_times(run.targets, (-1, -1, -1), (1, -1, -1)), [250 + DELAY])
    # Zeros (undefined targets) match no state.
    assert transition_times(np.zeros((10, 3)), (-1, -1, -1), (-1, -1, 1)).size == 0


def test_triggered_average_matches_hand_computed_windows():
    run = _synthetic_run()
    before = run.states_txn.copy()
    pre, post = 5, 15
    tr = triggered_average(run, (-1, -1, -1), (-1, -1, 1), pre, post)
    # The pulse at 395 is dropped: its window runs past the end.
    assert (tr.n_transitions, tr.count, tr.n_isolated) == (3, 3, 2)
    np.testing.assert_array_equal(tr.pulse_times, [50, 150, 350])
    expected = np.stack([run.states_txn[p - pre : p + post + 1] for p in (50, 150, 350)])
    np.testing.assert_allclose(tr.windows, expected)
    np.testing.assert_allclose(tr.mean, expected.mean(0))
    np.testing.assert_allclose(tr.std, expected.std(0, ddof=1))
    np.testing.assert_array_equal(tr.lags, np.arange(-pre, post + 1))
    np.testing.assert_allclose(tr.mean_pc, tr.pca.transform(expected.mean(0)))
    np.testing.assert_allclose(tr.std_pc, tr.pca.transform(expected).std(0, ddof=1))
    assert 0 < tr.explained_3 <= tr.explained_9 <= 1 + 1e-12
    np.testing.assert_array_equal(run.states_txn, before)


def test_triggered_average_isolated_drops_windows_with_other_pulses():
    run = _synthetic_run()
    tr = triggered_average(run, (-1, -1, -1), (-1, -1, 1), 5, 15, isolated=True)
    # 150 has a (target-neutral) pulse at 160 inside its window.
    np.testing.assert_array_equal(tr.pulse_times, [50, 350])
    assert (tr.count, tr.n_transitions, tr.n_isolated) == (2, 3, 2)
    # A shorter window no longer reaches the pulse at 160.
    assert triggered_average(run, (-1, -1, -1), (-1, -1, 1), 5, 9, isolated=True).count == 3


def test_triggered_average_single_instance_has_nan_spread():
    run = _synthetic_run()
    tr = triggered_average(run, (-1, -1, -1), (1, -1, -1), 5, 15)
    assert tr.count == 1 and np.all(np.isnan(tr.std))


def test_triggered_average_rejects_bad_input():
    run = _synthetic_run()
    a, b = (-1, -1, -1), (-1, -1, 1)
    with pytest.raises(ValueError, match="delay"):
        triggered_average(run, a, b, 5, 15, delay=2)
    with pytest.raises(ValueError, match="longer run"):
        triggered_average(run, a, b, 60, 300)
    with pytest.raises(ValueError, match="pre"):
        triggered_average(run, a, b, -1, 15)
    with pytest.raises(ValueError, match="differ"):
        triggered_average(run, a, a, 5, 15)
    with pytest.raises(ValueError, match="to_state"):
        triggered_average(run, a, (0, -1, 1), 5, 15)
    with pytest.raises(ValueError, match="to_state"):
        triggered_average(run, a, (-1, 1), 5, 15)
    with pytest.raises(TypeError):
        triggered_average(run.states_txn, a, b, 5, 15)
    with pytest.raises(TypeError, match="isolated"):
        triggered_average(run, a, b, 5, 15, isolated="yes")


# ----------------------------------------------------------------------------- spectra


def _rot(r, theta):
    return r * np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])


def _block_matrix():
    blocks = [np.array([[1.3]]), np.array([[1.1]]), np.array([[-0.9]])]
    blocks += [_rot(0.95, 2 * np.pi / 8), _rot(1.05, 2 * np.pi / 5), _rot(1.2, 0.02), _rot(0.3, 1.0)]
    blocks += [np.array([[0.1]]), np.array([[-0.2]])]
    n = sum(b.shape[0] for b in blocks)
    m, i = np.zeros((n, n)), 0
    for b in blocks:
        m[i : i + b.shape[0], i : i + b.shape[0]] = b
        i += b.shape[0]
    # An orthogonal change of basis hides the blocks but keeps the eigenvalues.
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((n, n)))
    return q @ m @ q.T


def test_spectrum_summary_on_known_blocks():
    m = _block_matrix()
    before = m.copy()
    s = spectrum_summary(m, bulk_radius=0.5, margin=0.06)
    np.testing.assert_array_equal(m, before)
    assert s.eigvals.shape == (13,)
    assert np.all(np.diff(np.abs(s.eigvals)) <= 1e-12)
    assert s.outlier_radius == pytest.approx(0.625)
    np.testing.assert_allclose(np.sort(s.real_outliers.real), [-0.9, 1.1, 1.2 * np.cos(0.02), 1.2 * np.cos(0.02), 1.3])
    np.testing.assert_allclose(s.rotation_eigvals, [1.05 * np.exp(2j * np.pi / 5), 0.95 * np.exp(2j * np.pi / 8)])
    np.testing.assert_allclose(s.rotation_angles, [2 * np.pi / 5, 2 * np.pi / 8])
    np.testing.assert_allclose(s.rotation_periods, [5.0, 8.0])
    assert s.n_unstable_naive == 6  # 1.3, 1.1, 1.2 (x2), 1.05 (x2)
    assert s.n_unstable == 4  # 1.05 is within the 0.06 margin
    assert not hasattr(s, "n_unstable_margin")


def test_spectrum_counts_mean_what_the_fixed_point_counts_mean_at_the_origin():
    # At the origin the Jacobian is W itself: eigenvalues 1.5, 1.005 and 0.5, so 2 exceed 1 but only 1 exceeds 1.01.
    W = np.diag([1.5, 1.005, 0.5, 0.0, 0.0])
    net = RNNWeights(W=W, W_in=np.ones((5, 3)), W_out=np.ones((3, 5)))
    fps = find_fixed_points(net, n_initial=64, rng=0)
    origin = int(np.flatnonzero(np.linalg.norm(fps.xstar, axis=1) < 1e-12)[0])
    s = spectrum_summary(W)
    assert (s.n_unstable, s.n_unstable_naive) == (1, 2)
    assert (s.n_unstable, s.n_unstable_naive) == (fps.n_unstable[origin], fps.n_unstable_naive[origin])
    assert s.margin == fps.margin == DEFAULT_MARGIN


def test_spectrum_summary_accepts_eigenvalues():
    m = _block_matrix()
    a = spectrum_summary(m, bulk_radius=0.5)
    b = spectrum_summary(np.linalg.eigvals(m), bulk_radius=0.5)
    np.testing.assert_allclose(b.eigvals, a.eigvals, atol=1e-12)
    np.testing.assert_allclose(b.rotation_periods, a.rotation_periods)
    assert spectrum_summary(np.array([2.0, 0.1, -0.1]), bulk_radius=0.5).real_outliers.tolist() == [2.0]


def test_min_angle_moves_slow_rotations_between_groups():
    s = spectrum_summary(_block_matrix(), bulk_radius=0.5, min_angle=0.01)
    np.testing.assert_allclose(s.rotation_periods, [2 * np.pi / 0.02, 5.0, 8.0])  # by modulus


def test_random_init_matrix_has_only_bulk():
    assert init_bulk_radius(100) == pytest.approx(1 / np.sqrt(3))
    assert init_bulk_radius(10, half_width=0.3) == pytest.approx(np.sqrt(10 * 0.09 / 3))
    for seed in range(3):
        s = spectrum_summary(init_weights(ModelConfig(n_hidden=100), rng=seed).W)
        assert s.real_outliers.size == 0 and s.rotation_eigvals.size == 0
        assert s.bulk_radius_empirical == pytest.approx(1 / np.sqrt(3), rel=0.1)


@pytest.mark.parametrize(
    "x, kwargs, exc",
    [
        (np.ones((3, 4)), {}, ValueError),
        (np.ones((2, 2, 2)), {}, ValueError),
        (np.array([1.0, np.nan]), {}, ValueError),
        (np.array([]), {}, ValueError),
        (np.eye(3), {"edge_factor": 0.5}, ValueError),
        (np.eye(3), {"min_angle": 2.0}, ValueError),
        (np.eye(3), {"bulk_radius": 0.0}, ValueError),
        (np.eye(3), {"margin": -0.1}, ValueError),
        (np.array(["a", "b"]), {}, TypeError),
    ],
)
def test_spectrum_summary_rejects_bad_input(x, kwargs, exc):
    with pytest.raises(exc):
        spectrum_summary(x, **kwargs)


# ----------------------------------------------------------------------------- shipped networks


@pytest.mark.skipif((8, 0) not in available_pretrained(), reason="delay-8 checkpoint not shipped")
def test_shipped_delay8_network_shows_rotations_and_enough_switches():
    ckpt = load_pretrained(8)
    run = run_test(ckpt.weights, ckpt.task, rng=1)
    assert 1500 < np.count_nonzero(run.inputs) < 2500  # the paper's ~2000 pulses
    tr = triggered_average(run)
    assert tr.count >= 15 and tr.explained_3 < tr.explained_9
    s = spectrum_summary(ckpt.weights.W)
    assert s.real_outliers.size >= 3 and s.rotation_eigvals.size >= 1
