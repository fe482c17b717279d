"""Eigen-edits of W and the memory and timing measures, on matrices and outputs whose answers are known."""

import numpy as np
import pytest

from rnnmem_helpers import RNNWeights, TaskConfig, evaluate, load_pretrained, spectrum_summary
from rnnmem_helpers.analyses import ablation as ab
from rnnmem_helpers.analyses.ablation import (
    ablate,
    remove_eigenvalues,
    switch_latencies,
    timing_from_outputs,
    timing_measures,
)
from rnnmem_helpers.analyses.mechanism import ignore_delay_accuracy
from rnnmem_helpers.core import metrics


def _orthogonal(n, seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(n, n)))
    return q


def _rot(r, theta):
    return r * np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])


def _block_diag(*blocks):
    n = sum(np.atleast_2d(b).shape[0] for b in blocks)
    out, i = np.zeros((n, n)), 0
    for b in blocks:
        b = np.atleast_2d(b)
        out[i : i + b.shape[0], i : i + b.shape[0]] = b
        i += b.shape[0]
    return out


def _sorted(ev):
    ev = np.asarray(ev, dtype=complex)
    return ev[np.lexsort((ev.imag, ev.real))]


# ----------------------------------------------------------------------------- the edit itself

# Two rotations, one real mode above 1 and one below: Λ = {0.9 e^{±0.5i}, 0.6 e^{±1.3i}, 1.5, −0.3}.
NORMAL_EIGS = [0.9 * np.exp(0.5j), 0.9 * np.exp(-0.5j), 0.6 * np.exp(1.3j), 0.6 * np.exp(-1.3j), 1.5, -0.3]


def _normal_matrix():
    q = _orthogonal(6, 0)
    return q @ _block_diag(_rot(0.9, 0.5), _rot(0.6, 1.3), 1.5, -0.3) @ q.T, q


def test_edit_of_a_normal_matrix_is_the_orthogonal_projector_formula():
    w, q = _normal_matrix()
    edited, removed = remove_eigenvalues(w, [0.9 * np.exp(0.5j), 0.9 * np.exp(-0.5j)])
    # For a normal matrix the invariant plane of the pair is span(q₀, q₁), and the edit is W − W P with P = Q_K Q_Kᵀ.
    plane = q[:, :2] @ q[:, :2].T
    assert edited.dtype == np.float64
    assert edited == pytest.approx(w - w @ plane, abs=1e-12)
    assert _sorted(np.linalg.eigvals(edited)) == pytest.approx(_sorted([0, 0, *NORMAL_EIGS[2:]]), abs=1e-12)
    assert _sorted(removed) == pytest.approx(_sorted(NORMAL_EIGS[:2]), abs=1e-12)
    # Normal: the singular values are the moduli, so the edit drops exactly the pair's two.
    sv = np.linalg.svd(edited, compute_uv=False)
    assert sv == pytest.approx([1.5, 0.6, 0.6, 0.3, 0.0, 0.0], abs=1e-12)


def test_edit_of_a_non_normal_matrix_keeps_the_other_eigenvalues_and_vectors_not_the_singular_values():
    v = np.random.default_rng(1).normal(size=(5, 5))
    w = v @ _block_diag(_rot(0.9, 0.6), 1.5, -0.7, 0.2) @ np.linalg.inv(v)
    pair = [0.9 * np.exp(0.6j), 0.9 * np.exp(-0.6j)]
    edited, _ = remove_eigenvalues(w, pair)
    assert _sorted(np.linalg.eigvals(edited)) == pytest.approx(_sorted([0, 0, 1.5, -0.7, 0.2]), abs=1e-10)
    for i, lam in zip((2, 3, 4), (1.5, -0.7, 0.2), strict=True):
        assert edited @ v[:, i] == pytest.approx(lam * v[:, i], abs=1e-10)  # the same eigenvectors
    assert edited @ v[:, :2] == pytest.approx(np.zeros((5, 2)), abs=1e-10)  # the pair's plane is now the kernel
    assert np.linalg.matrix_rank(w - edited, tol=1e-9) == 2
    # Unlike the normal case, the singular values are not the remaining moduli: the other directions shift too.
    sv = np.linalg.svd(edited, compute_uv=False)
    assert np.max(np.abs(sv[:3] - [1.5, 0.7, 0.2])) > 0.5


def test_edit_refuses_a_set_not_closed_under_conjugation():
    w, _ = _normal_matrix()
    with pytest.raises(ValueError, match="^targets must be closed under conjugation"):
        remove_eigenvalues(w, [0.9 * np.exp(0.5j)])
    with pytest.raises(ValueError, match="^targets must be closed under conjugation"):
        remove_eigenvalues(w, [1.5, 0.6 * np.exp(-1.3j)])
    edited, removed = remove_eigenvalues(w, [1.5, 0.6 * np.exp(-1.3j), 0.6 * np.exp(1.3j)])
    assert np.isrealobj(edited) and removed.size == 3


def test_edit_refuses_non_eigenvalues_repeats_and_non_square_matrices():
    w, _ = _normal_matrix()
    with pytest.raises(ValueError, match="^targets must be eigenvalues of matrix"):
        remove_eigenvalues(w, [1.2])
    with pytest.raises(ValueError, match="^targets must not repeat an eigenvalue"):
        remove_eigenvalues(w, [1.5, 1.5 + 1e-9])
    with pytest.raises(ValueError, match="^matrix must be square"):
        remove_eigenvalues(np.ones((2, 3)), [1.0])
    same, removed = remove_eigenvalues(w, [])
    assert np.array_equal(same, w) and removed.size == 0


def test_edit_refuses_a_defective_matrix():
    # A Jordan block: V is singular to rounding, and no eigen-edit is defined.
    jordan = np.array([[0.5, 1.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 0.2]])
    with pytest.raises(ValueError, match="^matrix must be diagonalisable"):
        remove_eigenvalues(jordan, [0.2])


# ----------------------------------------------------------------------------- the three kinds

# Outlier radius of spectrum_summary's default bulk: 1.25 / √3 ≈ 0.72. Pairs are given by their member with Im > 0.
ROTATIONS = [0.95 * np.exp(0.5j), 0.9 * np.exp(1.2j)]
REAL_OUTLIERS = [1.4, -1.3]
NEAR_REAL = 1.2 * np.exp(0.05j)  # an outlying pair too slow to be a rotation: spectrum_summary counts it as real
BULK_PAIRS = [0.3 * np.exp(1j * a) for a in (0.2, 0.7, 1.1, 1.6, 2.0, 2.5)]
SLOW_BULK = 0.4 * np.exp(0.05j)  # inside the bulk but too slow to count as a bulk rotation
SMALL = [0.05, -0.1]
PAIRS = [*ROTATIONS, NEAR_REAL, *BULK_PAIRS, SLOW_BULK]


def _network(seed=3):
    b = _block_diag(*[_rot(abs(z), np.angle(z)) for z in PAIRS], *REAL_OUTLIERS, *SMALL)
    v = np.eye(len(b)) + 0.2 * np.random.default_rng(seed).normal(size=b.shape)  # non-normal but well conditioned
    w = v @ b @ np.linalg.inv(v)
    n = len(b)
    return RNNWeights(W=w, W_in=np.ones((n, 3)), W_out=np.arange(3 * n, dtype=float).reshape(3, n))


def _all_eigs():
    return [*PAIRS, *np.conj(PAIRS), *REAL_OUTLIERS, *SMALL]


def test_ablate_rotations_removes_the_outlying_pairs_of_spectrum_summary():
    weights = _network()
    assert _sorted(spectrum_summary(weights.W).rotation_eigvals) == pytest.approx(_sorted(ROTATIONS), abs=1e-10)
    got = ablate(weights, "rotations")
    assert got.kind == "rotations" and got.n_removed == 4
    assert _sorted(got.removed) == pytest.approx(_sorted(ROTATIONS + list(np.conj(ROTATIONS))), abs=1e-10)
    rest = [z for z in _all_eigs() if not any(np.isclose(z, r) for r in got.removed)]
    assert _sorted(np.linalg.eigvals(got.weights.W)) == pytest.approx(_sorted([0] * 4 + rest), abs=1e-9)
    assert spectrum_summary(got.weights.W).rotation_eigvals.size == 0
    assert np.array_equal(got.weights.W_in, weights.W_in) and np.array_equal(got.weights.W_out, weights.W_out)
    assert np.linalg.matrix_rank(weights.W - got.weights.W, tol=1e-9) == 4


def test_ablate_real_outliers_removes_both_signs_and_the_near_real_pair():
    got = ablate(_network(), "real_outliers")
    assert _sorted(got.removed) == pytest.approx(_sorted([*REAL_OUTLIERS, NEAR_REAL, np.conj(NEAR_REAL)]), abs=1e-10)
    assert spectrum_summary(got.weights.W).real_outliers.size == 0
    assert np.linalg.matrix_rank(_network().W - got.weights.W, tol=1e-9) == 4


def test_ablate_bulk_draws_as_many_rotating_pairs_from_inside_the_bulk():
    weights = _network()
    got = ablate(weights, "bulk", rng=0)
    upper = got.removed[got.removed.imag > 0]
    assert got.n_removed == 4 and upper.size == 2
    assert _sorted(got.removed) == pytest.approx(_sorted([*upper, *np.conj(upper)]), abs=0)
    # Each is one of the bulk rotations (not the slow 0.4 e^{0.05i} pair, nor an outlier).
    assert all(np.min(np.abs(np.array(BULK_PAIRS) - z)) < 1e-10 for z in upper)
    assert _sorted(spectrum_summary(got.weights.W).rotation_eigvals) == pytest.approx(_sorted(ROTATIONS), abs=1e-9)
    again = ablate(weights, "bulk", rng=np.random.default_rng(0))
    assert np.array_equal(again.weights.W, got.weights.W)
    draws = [ablate(weights, "bulk", rng=s).removed for s in range(10)]
    assert all(np.min(np.abs(np.array(BULK_PAIRS) - z)) < 1e-10 for d in draws for z in d[d.imag > 0])
    assert len({tuple(np.round(d, 8)) for d in draws}) > 1  # the rng does choose


def test_ablate_bulk_needs_an_rng_and_enough_pairs():
    with pytest.raises(TypeError, match="^rng must be"):
        ablate(_network(), "bulk")
    # Three outlying rotations but a bulk of real eigenvalues only.
    w = _block_diag(_rot(0.9, 0.5), _rot(0.9, 1.0), _rot(0.9, 1.5), 0.1, 0.2)
    weights = RNNWeights(W=w, W_in=np.ones((8, 1)), W_out=np.ones((1, 8)))
    with pytest.raises(ValueError, match="needs 3 complex pairs inside the bulk"):
        ablate(weights, "bulk", rng=0)


def test_ablate_with_nothing_to_remove_returns_the_network_unchanged():
    w = _block_diag(1.3, 0.2, -0.1)
    weights = RNNWeights(W=w, W_in=np.ones((3, 1)), W_out=np.ones((1, 3)))
    for kind in ("rotations", "bulk"):
        got = ablate(weights, kind, rng=0)
        assert got.n_removed == 0 and np.array_equal(got.weights.W, w)


# ----------------------------------------------------------------------------- latencies


def test_switch_latencies_of_a_hand_made_output():
    n = 35
    inputs = np.zeros((n, 3))
    pulses = [
        (2, 0, 1),
        (10, 0, -1),
        (20, 0, -1),
        (25, 0, 1),
        (28, 0, -1),
        (5, 1, -1),
        (30, 1, 1),
        (3, 2, 1),
        (15, 2, -1),
    ]
    for t, c, s in pulses:
        inputs[t, c] = s
    out = np.zeros((n, 3))
    out[2:13, 0] = 0.9  # + from the first pulse, which sets the bit rather than flips it
    out[12, 0] = 0.0  # a zero is neither sign, so the flip at 10 switches at 13
    out[13:28, 0] = -0.9  # the flip at 25 has not switched when the next pulse comes at 28 ...
    out[28:30, 0] = 0.9  # ... so its late switch does not count, and the flip at 28 switches at 30
    out[30:, 0] = -0.9
    out[5:, 1] = -0.5  # the flip at 30 never switches before the end
    out[3:14, 2], out[14:, 2] = 0.5, -0.5  # already of the new sign when the flip at 15 arrives
    table = switch_latencies(inputs, out)
    assert table["time"].tolist() == [10, 15, 25, 28, 30] and table["channel"].tolist() == [0, 2, 0, 0, 1]
    assert table["latency"] == pytest.approx([3, 0, np.nan, 2, np.nan], nan_ok=True)
    assert table["time"].dtype.kind == "i" and table["latency"].dtype == np.float64


def test_switch_latencies_without_flips_has_empty_typed_columns():
    inputs = np.zeros((10, 1))
    inputs[[2, 5], 0] = 1  # a set and a repeat
    table = switch_latencies(inputs, np.ones((10, 1)))
    assert list(table) == ["time", "channel", "latency"] and all(col.shape == (0,) for col in table.values())
    with pytest.raises(ValueError, match="^outputs must have the shape of inputs"):
        switch_latencies(inputs, np.ones((10, 2)))


# ----------------------------------------------------------------------------- timing measures


def test_timing_from_hand_made_outputs_scores_each_target_on_its_own_mask():
    # One bit, Δt = 3: pulses + at 2 and − at 7. The output is the delayed target, and − before it is defined.
    inputs = np.zeros((12, 1))
    inputs[2, 0], inputs[7, 0] = 1, -1
    out = np.full((12, 1), -0.5)
    out[5:10, 0] = 0.5
    got = timing_from_outputs(inputs, out, 3)
    assert got.accuracy == 1.0  # delayed target defined on 5..11, met everywhere
    # The undelayed target is defined on 2..11 (+ on 2..6, − on 7..11): right on 5, 6, 10, 11 only.
    assert got.undelayed_accuracy == pytest.approx(4 / 10, abs=1e-15)
    assert got.flip_times.tolist() == [7] and got.latencies.tolist() == [3.0] and got.n_time == 12
    with pytest.raises(ValueError, match="no defined target"):
        timing_from_outputs(inputs, out, 10)
    with pytest.raises(ValueError, match="^outputs must have the shape of inputs"):
        timing_from_outputs(inputs, np.ones((12, 2)), 3)


def _instant_network():
    """Three bistable units (tanh(2x) = x at ±0.957), each flipped at once by its own pulse of weight 5."""
    return RNNWeights(W=2 * np.eye(3), W_in=5 * np.eye(3), W_out=np.eye(3))


def test_a_network_that_ignores_the_delay_switches_at_once_and_scores_the_closed_form():
    task = TaskConfig(delay=4)
    got = timing_measures(_instant_network(), task, n_time=20_000, rng=5)
    assert got.undelayed_accuracy == 1.0
    # It outputs the undelayed bit, so its delayed accuracy is the undelayed target scored against the delayed one.
    assert got.accuracy == ignore_delay_accuracy(task, n_time=20_000, rng=5)
    assert got.n_flips > 100 and got.n_censored == 0 and np.all(got.latencies == 0)
    assert got.median_latency == 0.0 and got.delay == 4 and got.n_time == 20_000


def test_accuracy_is_evaluate_on_the_same_stream_across_chunks(monkeypatch):
    weights, task = load_pretrained(4).weights, load_pretrained(4).task
    for module in (ab, metrics):
        monkeypatch.setattr(module, "EVAL_CHUNK_STEPS", 1000)  # three chunks: the state carries across
    got = timing_measures(weights, task, n_time=2500, rng=2)
    assert got.accuracy == evaluate(weights, task, n_time=2500, rng=2).accuracy


def test_the_shipped_delayed_network_is_accurate_and_switches_at_its_delay():
    ckpt = load_pretrained(8)
    got = timing_measures(ckpt.weights, ckpt.task, n_time=20_000, rng=0)
    assert got.accuracy >= 0.99
    assert abs(got.median_latency - 8) <= 2
    assert got.n_censored < 0.2 * got.n_flips


def test_timing_measures_refuse_a_short_stream_or_a_task_of_another_size():
    with pytest.raises(ValueError, match=r"^n_time must be an integer >= task.delay \+ 2 = 10"):
        timing_measures(_instant_network(), TaskConfig(delay=8), n_time=9, rng=0)
    with pytest.raises(ValueError, match="n_bits"):
        timing_measures(_instant_network(), TaskConfig(n_bits=2), n_time=100, rng=0)
    with pytest.raises(ValueError, match="no defined target"):
        timing_measures(_instant_network(), TaskConfig(delay=50), n_time=52, rng=0)
    with pytest.raises(TypeError, match="rng"):
        timing_measures(_instant_network(), TaskConfig())
