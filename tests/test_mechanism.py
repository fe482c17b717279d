"""The mechanism analyses on systems whose answers are known in closed form."""

import itertools
import warnings

import numpy as np
import pytest
from scipy.linalg import subspace_angles
from scipy.optimize import brentq
from scipy.stats import beta, kstest

from rnnmem_helpers import (
    PCA,
    FixedPointResult,
    RNNWeights,
    TaskConfig,
    TestRun,
    fit_pca,
    load_pretrained,
    run_test,
    spectrum_summary,
)
from rnnmem_helpers.analyses.analysis import init_bulk_radius
from rnnmem_helpers.analyses.mechanism import (
    attractor_table,
    cube_axes,
    eig_span,
    ignore_delay_accuracy,
    loop_overshoot,
    pulse_responses,
    pulse_visibility,
    rotation_plane_angles,
    share_in_planes,
)
from rnnmem_helpers.core.task import targets_from_inputs


def _orthogonal(n, seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(n, n)))
    return q


# ----------------------------------------------------------------------------- an analytic network
#
# W = blockdiag(a·I₃, r·R(θ)) with a = 2: each of the first three units is bistable on its own, tanh(2x) = x at
# x = 0 and x = ±x*, and the last two hold a decaying rotation. Its fixed points are the 27 points with
# coordinates in {−x*, 0, x*}³ × {0}²; at a point the Jacobian diag(1 − x²) W is block diagonal with
# eigenvalue 2 on each unit at 0, g = 2(1 − x*²) on each unit at ±x*, and r·e^{±iθ} on the rotation.

A, R_ROT, THETA = 2.0, 0.9, 0.5
X_STAR = brentq(lambda x: np.tanh(A * x) - x, 0.5, 1.0)
G = A * (1 - X_STAR**2)


def _cube_network():
    w = np.zeros((5, 5))
    w[:3, :3] = A * np.eye(3)
    w[3:, 3:] = R_ROT * np.array([[np.cos(THETA), -np.sin(THETA)], [np.sin(THETA), np.cos(THETA)]])
    w_out = np.hstack([np.eye(3), np.zeros((3, 2))])
    return RNNWeights(W=w, W_in=w_out.T.copy(), W_out=w_out)


def _cube_fixed_points():
    weights = _cube_network()
    points, eigvals = [], []
    for coords in itertools.product((-X_STAR, 0.0, X_STAR), repeat=3):
        x = np.array([*coords, 0.0, 0.0])
        ev = [A if c == 0 else G for c in coords] + [R_ROT * np.exp(1j * THETA), R_ROT * np.exp(-1j * THETA)]
        # By decreasing modulus, the larger imaginary part first, as find_fixed_points orders them.
        ev = np.array(sorted(ev, key=lambda z: (-abs(z), -z.imag)), dtype=complex)
        points.append(x)
        eigvals.append(ev)
    points, eigvals = np.array(points), np.array(eigvals)
    n_unstable = np.sum(np.abs(eigvals) > 1.01, axis=1)
    jacobians = (1 - points**2)[:, :, None] * weights.W[None]
    return FixedPointResult(
        xstar=points, q=np.zeros(27), jacobians=jacobians, eigvals=eigvals, n_unstable=n_unstable,
        n_unstable_naive=n_unstable, slow_points=np.zeros((0, 5)), slow_q=np.zeros(0), x=np.zeros(3),
        margin=0.01, q_tol=1e-16, slow_q_max=1e-6, dedup_tol=1e-5, n_seeds=(27,),
    )  # fmt: skip


def test_the_analytic_network_has_these_fixed_points():
    weights, fps = _cube_network(), _cube_fixed_points()
    for x, jac, ev in zip(fps.xstar, fps.jacobians, fps.eigvals, strict=True):
        assert np.allclose(np.tanh(weights.W @ x), x, atol=1e-12)
        assert np.allclose(np.sort_complex(np.linalg.eigvals(jac)), np.sort_complex(ev), atol=1e-12)
    assert fps.summary() == {0: 8, 1: 12, 2: 6, 3: 1}


def test_attractor_table_of_the_analytic_network():
    weights, fps = _cube_network(), _cube_fixed_points()
    table = attractor_table(fps, weights)
    corners = fps.xstar[fps.n_unstable == 0]
    assert len(table["signs"]) == 8 and set(table["signs"]) == {"".join(s) for s in itertools.product("+−", repeat=3)}
    assert list(table["signs"]) == ["".join("+" if c > 0 else "−" for c in x[:3]) for x in corners]
    # The gains are 1 − x*² on the cube's units and 1 on the rotation's.
    jac_bulk = init_bulk_radius(5) * np.sqrt((3 * (1 - X_STAR**2) ** 2 + 2) / 5)
    assert table["jac_bulk"] == pytest.approx(np.full(8, jac_bulk), rel=1e-12)
    assert R_ROT > 1.25 * jac_bulk > G  # so the rotation is an outlier of the Jacobian and the cube's modes are not
    assert table["n_raw"].tolist() == [1] * 8 and table["n_rot"].tolist() == [1] * 8
    assert table["n_real"].tolist() == [0] * 8
    assert table["lead"] == pytest.approx(np.full(8, R_ROT * np.exp(1j * THETA)), abs=1e-12)
    # A bulk so small that the cube's three modes (g > 0, angle 0) stand out as near-real outliers too.
    small = attractor_table(fps, weights, bulk_radius=0.1)
    assert small["n_real"].tolist() == [3] * 8 and small["n_rot"].tolist() == [1] * 8


def test_attractor_table_without_attractors_has_empty_typed_columns():
    fps = _cube_fixed_points()
    saddles = FixedPointResult(**{**vars(fps), "n_unstable": fps.n_unstable + 1})
    table = attractor_table(saddles, _cube_network())
    assert all(col.shape == (0,) for col in table.values())
    assert table["lead"].dtype == complex and table["n_rot"].dtype.kind == "i"


def test_attractor_table_refuses_weights_of_another_size():
    other = RNNWeights(W=np.eye(4), W_in=np.ones((4, 3)), W_out=np.ones((3, 4)))
    with pytest.raises(ValueError, match="^fixed_points must have points of 4 units"):
        attractor_table(_cube_fixed_points(), other)


# ----------------------------------------------------------------------------- cube axes


def test_cube_axes_recover_the_axes_of_a_box():
    # Corners of a box with half-sides 3, 2, 1 along three orthonormal directions q₀, q₁, q₂ of R⁶.
    q = _orthogonal(6, 0)
    corners = np.array([q[:, :3] @ (np.array(s) * [3.0, 2.0, 1.0]) for s in itertools.product((-1, 1), repeat=3)])
    fps = _cube_fixed_points()
    box = FixedPointResult(**{**vars(fps), "xstar": corners, "n_unstable": np.zeros(8, int)})
    axes = cube_axes(box)
    assert axes.shape == (6, 3)
    assert np.abs(axes.T @ q[:, :3]) == pytest.approx(np.eye(3), abs=1e-12)  # in order of decreasing spread
    assert np.abs(cube_axes(box, 2).T @ q[:, :2]) == pytest.approx(np.eye(2), abs=1e-12)


def test_cube_axes_of_the_analytic_network_span_the_bistable_units():
    axes = cube_axes(_cube_fixed_points())
    assert axes @ axes.T == pytest.approx(np.diag([1.0, 1, 1, 0, 0]), abs=1e-12)


def test_cube_axes_refuse_too_few_attractors_or_axes():
    fps = _cube_fixed_points()
    one = FixedPointResult(**{**vars(fps), "n_unstable": np.where(np.arange(27) == 0, 0, 1)})
    with pytest.raises(ValueError, match="^fixed_points must hold at least 2 attractors, got 1"):
        cube_axes(one)
    with pytest.raises(ValueError, match=r"^n_axes must be an integer in \[1, 5\]"):
        cube_axes(fps, 6)


# ----------------------------------------------------------------------------- invariant subspaces


def _non_normal(seed=1):
    """M = V B V⁻¹ with a rotation r·R(θ) on (v₀, v₁) and real eigenvalues 1.5, −0.7, 0.2 on v₂, v₃, v₄."""
    v = np.random.default_rng(seed).normal(size=(5, 5))
    b = np.zeros((5, 5))
    b[:2, :2] = 0.9 * np.array([[np.cos(0.6), -np.sin(0.6)], [np.sin(0.6), np.cos(0.6)]])
    b[2:, 2:] = np.diag([1.5, -0.7, 0.2])
    return v @ b @ np.linalg.inv(v), v


def test_eig_span_gives_the_invariant_subspaces():
    m, v = _non_normal()
    pair, real = 0.9 * np.exp(0.6j), 1.5
    plane = eig_span(m, [pair])
    assert plane.shape == (5, 2) and np.max(subspace_angles(plane, v[:, :2])) < 1e-8
    assert np.allclose(m @ plane, plane @ np.linalg.lstsq(plane, m @ plane, rcond=None)[0], atol=1e-10)
    line = eig_span(m, [real])
    assert line.shape == (5, 1) and np.max(subspace_angles(line, v[:, 2:3])) < 1e-8
    both = eig_span(m, [real, pair, np.conj(pair)])  # a conjugate adds nothing
    assert both.shape == (5, 3) and np.max(subspace_angles(both, v[:, :3])) < 1e-8
    # Left eigenvectors: the rows of V⁻¹.
    left = eig_span(m.T, [pair])
    assert np.max(subspace_angles(left, np.linalg.inv(v)[:2].T)) < 1e-8


def test_eig_span_refuses_targets_that_are_not_distinct_eigenvalues():
    m, _ = _non_normal()
    # The nearest eigenvector of a number that is not an eigenvalue was returned without a word.
    with pytest.raises(ValueError, match="^targets must be eigenvalues of matrix"):
        eig_span(m, [1.2])
    with pytest.raises(ValueError, match="^targets must not repeat an eigenvalue"):
        eig_span(m, [1.5, 1.5 + 1e-9])
    with pytest.raises(ValueError, match="^matrix must be square"):
        eig_span(np.ones((2, 3)), [1.0])


# ----------------------------------------------------------------------------- share in planes


def test_share_in_planes_is_the_cosine_to_the_subspace():
    q = _orthogonal(7, 2)
    planes = q[:, :3]
    phis = np.array([0.0, 0.3, np.pi / 4, np.pi / 2])
    states = np.array([2.0 * (np.cos(p) * q[:, 1] + np.sin(p) * q[:, 5]) for p in phis])
    assert share_in_planes(planes, states) == pytest.approx(np.abs(np.cos(phis)), abs=1e-12)
    assert share_in_planes(planes, states[2]) == pytest.approx(np.sqrt(0.5), abs=1e-12)
    assert share_in_planes(planes, states).tolist() == [share_in_planes(planes, s) for s in states]


def test_share_in_planes_refuses_a_skewed_basis_and_a_zero_state():
    # With a non-orthonormal basis the old formula gave 1.41 for a state inside the span.
    skewed = np.array([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="^planes must have orthonormal columns"):
        share_in_planes(skewed, np.array([1.0, 1.0, 0.0]))
    with pytest.raises(ValueError, match="^s must not be zero"):
        share_in_planes(np.eye(3)[:, :2], np.zeros(3))
    with pytest.raises(ValueError, match=r"^s must have shape \(3,\)"):
        share_in_planes(np.eye(3)[:, :2], np.ones(4))


# ----------------------------------------------------------------------------- pulse responses


def _synthetic_run():
    """One bit, two units, Δt = 2, with hand-made states around a switch (t = 20) and a repeat (t = 40).

    Unit 0 holds 0.8 × the bit as soon as its pulse arrives; the readout is unit 0.
    """
    n_time, delay = 60, 2
    inputs = np.zeros((n_time, 1), np.float32)
    for t, sign in ((5, 1), (20, -1), (30, 1), (32, -1), (40, -1), (57, 1)):
        inputs[t, 0] = sign
    held, _ = targets_from_inputs(inputs[None], 0)
    states = np.zeros((n_time, 2))
    states[:, 0] = 0.8 * held[0, :, 0].astype(float)
    states[21, 0], states[22, 1] = -1.0, 0.5  # the switch overshoots, then kicks unit 1
    states[41, 0], states[42, 1] = -0.9, -0.2  # the repeat overshoots a little
    targets, mask = targets_from_inputs(inputs[None], delay)
    run = TestRun(TaskConfig(n_bits=1, delay=delay), inputs, targets[0], mask[0], states, states[:, :1])
    weights = RNNWeights(W=np.eye(2), W_in=np.ones((2, 1)), W_out=np.array([[1.0, 0.0]]))
    pca = PCA(mean=np.zeros(2), components=np.array([[0.0, 1.0]]), explained_variance=np.ones(1),
              explained_variance_ratio=np.ones(1))  # fmt: skip
    return run, weights, pca


def test_pulse_responses_of_a_hand_made_run():
    # t = 5 has no held bit before it, 30 and 32 are not isolated, 57 runs past the end: only 20 and 40 remain.
    table = pulse_responses(*_synthetic_run(), window=3)
    assert table["time"].tolist() == [20, 40] and table["channel"].tolist() == [0, 0]
    assert table["switch"].tolist() == [True, False]
    # Readout along the pulse: 0.8, 1.0, 0.8, ... after the switch and 0.8, 0.9, 0.8, ... after the repeat.
    assert table["overshoot"] == pytest.approx([1.0 / 0.8 - 1, 0.9 / 0.8 - 1], abs=1e-12)
    # Largest distance from the state before the pulse: (0.8, 0) -> (-1, 0) is 1.8; (-0.8, 0) -> (-0.8, -0.2) is 0.2.
    assert table["kick"] == pytest.approx([1.8, 0.2], abs=1e-12)
    assert table["kick_pc"] == pytest.approx([0.5, 0.2], abs=1e-12)


def test_pulse_responses_without_isolated_pulses_has_empty_typed_columns():
    run, weights, pca = _synthetic_run()
    table = pulse_responses(run, weights, pca, window=25)
    assert list(table) == ["time", "channel", "switch", "overshoot", "kick_pc", "kick"]
    assert all(col.shape == (0,) for col in table.values()) and table["switch"].dtype == bool


def test_pulse_responses_refuses_a_network_or_pca_of_another_size():
    weights = RNNWeights(W=np.eye(5), W_in=np.ones((5, 3)), W_out=np.ones((3, 5)))
    run = run_test(weights, TaskConfig(), n_time=200, rng=0)
    other = RNNWeights(W=np.eye(4), W_in=np.ones((4, 3)), W_out=np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"^weights must have W_out of shape \(3, 5\)"):
        pulse_responses(run, other, fit_pca(run.states_txn, 2))
    with pytest.raises(ValueError, match="^pca must be fitted on states of 5 units"):
        pulse_responses(run, weights, fit_pca(np.ones((3, 4)) * np.arange(3)[:, None], 1))


# ----------------------------------------------------------------------------- ignoring the delay


def test_ignoring_no_delay_is_always_right():
    assert ignore_delay_accuracy(TaskConfig(delay=0), n_time=5000, rng=0) == 1.0


@pytest.mark.parametrize("scope", ["all", "per_channel"])
@pytest.mark.parametrize("delay", [4, 16])
def test_ignoring_the_delay_matches_the_closed_form(scope, delay):
    # A channel pulses with probability q per step (1/λ, or 1/(3λ) when the λ counts all three channels), with a
    # fair sign. The undelayed bit is wrong only if a pulse came in the last Δt steps and the last of them has the
    # other sign: accuracy = (1 + (1 − q)^Δt) / 2. The standard error on 400 000 steps is below 0.001.
    task = TaskConfig(delay=delay, rate_scope=scope)
    q = 1 / task.mean_interval / (task.n_bits if scope == "all" else 1)
    expected = (1 + (1 - q) ** delay) / 2
    assert ignore_delay_accuracy(task, n_time=400_000, rng=1) == pytest.approx(expected, abs=0.004)


def test_ignoring_the_delay_on_a_stream_without_targets_is_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the mean of an empty selection warned
        assert np.isnan(ignore_delay_accuracy(TaskConfig(delay=50), n_time=10, rng=0))


def test_ignore_delay_accuracy_is_seeded_by_rng():
    task = TaskConfig(delay=8, rate_scope="per_channel")
    got = ignore_delay_accuracy(task, n_time=2000, rng=np.random.default_rng(3))
    assert got == ignore_delay_accuracy(task, n_time=2000, rng=3)
    with pytest.raises(TypeError, match="rng"):
        ignore_delay_accuracy(task)


# ----------------------------------------------------------------------------- loops and visibility


def _switch_run():
    """One bit, two units, Δt = 2, readout unit 0, with hand-made switches at 20, 40 and a failed one at 60.

    At rest the state is (±0.8, 0). At 20 (− to +) it loops out to (1.2, 0.6) before settling: 0.4 beyond B
    along B − A = (1.6, 0), an overshoot of 0.25, the 0.6 across not counting. At 40 (+ to −) it first moves
    only along unit 1, which the readout does not see, then straight to B. At 60 the state never leaves A.
    """
    n_time, delay = 80, 2
    inputs = np.zeros((n_time, 1), np.float32)
    for t, sign in ((5, -1), (20, 1), (40, -1), (50, 1), (52, -1), (60, 1), (77, -1)):
        inputs[t, 0] = sign
    states = np.zeros((n_time, 2))
    states[5:20, 0] = -0.8
    states[20:23] = [(-0.5, 0.2), (0.2, 0.4), (1.2, 0.6)]
    states[23:40] = (0.8, 0.0)
    states[40:42] = [(0.8, 0.5), (0.8, 0.3)]
    states[42:] = (-0.8, 0.0)
    targets, mask = targets_from_inputs(inputs[None], delay)
    run = TestRun(TaskConfig(n_bits=1, delay=delay), inputs, targets[0], mask[0], states, np.tanh(states[:, :1]))
    weights = RNNWeights(W=np.eye(2), W_in=np.ones((2, 1)), W_out=np.array([[1.0, 0.0]]))
    return run, weights


def test_loop_overshoot_of_hand_made_switches():
    # 5 sets the bit, 50 and 52 are not isolated, 77 runs past the end; 60 is isolated but the output never switches.
    run, _ = _switch_run()
    got = loop_overshoot(run, window=5, settle=2)
    assert got.name == "overshoot" and got.time.tolist() == [20, 40] and got.channel.tolist() == [0, 0]
    assert got.value == pytest.approx([0.25, 0.0], abs=1e-12)
    assert got.size == pytest.approx([1.6, 1.6], abs=1e-12)
    assert got.n_unswitched == 1 and got.n == 2
    assert got.median == pytest.approx(0.125) and got.mean == pytest.approx(0.125)
    with pytest.raises(ValueError, match="read-only"):
        got.value[0] = 0.0


def test_pulse_visibility_of_hand_made_switches():
    run, weights = _switch_run()
    got = pulse_visibility(run, weights, window=5, settle=2)
    # Readout z = unit 0, from −0.8 at rest. Steps 20, 21: −0.5, 0.2, so the largest move is 1.0 of a 1.6 switch.
    # Steps 40, 41 move only unit 1: invisible.
    assert got.name == "visibility" and got.time.tolist() == [20, 40]
    assert got.value == pytest.approx([1.0 / 1.6, 0.0], abs=1e-12)
    assert got.size == pytest.approx([1.6, 1.6], abs=1e-12)
    # Looking one step further takes in the loop (1.2 − (−0.8) = 2.0) and the switch at 42 (1.6).
    assert pulse_visibility(run, weights, window=5, settle=2, horizon=3).value == pytest.approx([2.0 / 1.6, 1.0])


def test_switch_measures_without_switches_are_empty_with_nan_summaries():
    run, weights = _switch_run()
    got = loop_overshoot(run, window=30, settle=2)  # no pulse is isolated over so wide a window
    assert got.n == 0 and got.time.dtype.kind == "i" and np.isnan(got.median) and np.isnan(got.mean)
    assert pulse_visibility(run, weights, window=30, settle=2).n == 0


def test_switch_measures_refuse_bad_windows_and_horizons():
    run, weights = _switch_run()
    with pytest.raises(ValueError, match=r"^settle must be an integer in \[1, window\] = \[1, 5\]"):
        loop_overshoot(run, window=5, settle=6)
    with pytest.raises(ValueError, match=r"^horizon must be an integer in \[1, delay \+ window\] = \[1, 7\]"):
        pulse_visibility(run, weights, window=5, settle=2, horizon=8)
    undelayed = TestRun(TaskConfig(n_bits=1), run.inputs, run.inputs, run.inputs != 0, run.states_txn, run.outputs_txk)
    with pytest.raises(ValueError, match="^horizon must be given for a run with delay 0"):
        pulse_visibility(undelayed, weights)
    other = RNNWeights(W=np.eye(3), W_in=np.ones((3, 1)), W_out=np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"^weights must have W_out of shape \(1, 2\)"):
        pulse_visibility(run, other)


# ----------------------------------------------------------------------------- rotation planes


def _rotation_network(n=8, seed=4):
    """W = Q blockdiag(0.9 R(0.7), 0.1 I) Qᵀ: one outlying rotation, in the plane span(q₀, q₁)."""
    q = _orthogonal(n, seed)
    b = 0.1 * np.eye(n)
    b[:2, :2] = 0.9 * np.array([[np.cos(0.7), -np.sin(0.7)], [np.sin(0.7), np.cos(0.7)]])
    return q @ b @ q.T, q


def test_rotation_plane_angles_are_the_known_angles():
    w, q = _rotation_network()
    phi, psi = 0.3, 1.1
    reference = np.column_stack(
        [np.cos(phi) * q[:, 0] + np.sin(phi) * q[:, 4], np.cos(psi) * q[:, 1] + np.sin(psi) * q[:, 5]]
    )
    got = rotation_plane_angles(w, reference, n_null=200, rng=0)
    assert got.eigvals == pytest.approx([0.9 * np.exp(0.7j)], abs=1e-12) and got.reference_rank == 2
    assert got.angles == pytest.approx(np.array([[phi, psi]]), abs=1e-10)
    assert got.smallest == pytest.approx([phi], abs=1e-10) and got.statistic == pytest.approx(phi, abs=1e-10)
    # The columns need not be orthonormal, and a dependent one adds nothing.
    mixed = np.column_stack([3 * reference[:, 0] + reference[:, 1], reference[:, 1], reference.sum(axis=1)])
    assert rotation_plane_angles(w, mixed, n_null=10, rng=0).angles == pytest.approx(np.array([[phi, psi]]), abs=1e-10)
    # A tiny angle keeps its precision (arccos of a cosine near 1 would not).
    tiny = np.cos(1e-7) * q[:, 0] + np.sin(1e-7) * q[:, 6]
    assert rotation_plane_angles(w, tiny, n_null=10, rng=0).angles == pytest.approx(np.array([[1e-7]]), rel=1e-6)


def test_rotation_plane_angles_of_a_shipped_network_match_scipy():
    weights = load_pretrained(8).weights
    got = rotation_plane_angles(weights.W, weights.W_out.T, n_null=50, rng=0)
    rotations = spectrum_summary(weights.W).rotation_eigvals
    assert got.eigvals.tolist() == rotations.tolist() and len(rotations) >= 3
    for lam, angles in zip(rotations, got.angles, strict=True):
        expected = np.sort(subspace_angles(eig_span(weights.W, [lam]), weights.W_out.T))
        assert angles == pytest.approx(expected, abs=1e-10)


def test_rotation_plane_null_is_that_of_uniform_random_planes():
    # For a fixed line and a uniformly random plane of R^n, cos² of the angle between them is Beta(1, (n − 2)/2).
    n = 8
    w, q = _rotation_network(n)
    got = rotation_plane_angles(w, q[:, 3], n_null=4000, rng=1)
    assert got.null.shape == (4000,)
    assert kstest(np.cos(got.null) ** 2, beta(1, (n - 2) / 2).cdf).pvalue > 1e-3
    again = rotation_plane_angles(w, q[:, 3], n_null=4000, rng=np.random.default_rng(1))
    assert np.array_equal(again.null, got.null)


def test_rotation_plane_p_values_at_the_extremes():
    w, q = _rotation_network()
    orthogonal = rotation_plane_angles(w, q[:, 2:5], n_null=99, rng=0)
    assert orthogonal.smallest == pytest.approx([np.pi / 2], abs=1e-12)
    assert orthogonal.quantile == 1.0 and orthogonal.plane_quantile.tolist() == [1.0]
    assert orthogonal.p_more_orthogonal == pytest.approx(0.01) and orthogonal.p_less_orthogonal == 1.0
    inside = rotation_plane_angles(w, q[:, :3], n_null=99, rng=0)
    assert inside.smallest == pytest.approx([0.0], abs=1e-12)
    assert inside.quantile == 0.0 and inside.p_less_orthogonal == pytest.approx(0.01)


def test_rotation_plane_angles_without_rotations_are_empty():
    got = rotation_plane_angles(0.1 * np.eye(5), np.eye(5)[:, :3], n_null=10, rng=0)
    assert got.eigvals.size == 0 and got.angles.shape == (0, 2) and got.null.size == 0
    assert np.isnan(got.statistic) and np.isnan(got.p_more_orthogonal) and got.reference_rank == 3


def test_rotation_plane_angles_refuse_mismatched_or_zero_references():
    w, _ = _rotation_network()
    with pytest.raises(ValueError, match=r"^reference must have shape \(8,\) or \(8, r\)"):
        rotation_plane_angles(w, np.ones((7, 2)), rng=0)
    with pytest.raises(ValueError, match=r"^reference must have shape \(8,\)"):
        rotation_plane_angles(w, np.ones(7), rng=0)
    with pytest.raises(ValueError, match="^reference must not be zero"):
        rotation_plane_angles(w, np.zeros((8, 2)), rng=0)
    with pytest.raises(ValueError, match="^matrix must be square"):
        rotation_plane_angles(np.ones((8, 7)), np.ones(8), rng=0)
