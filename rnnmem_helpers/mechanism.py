"""How a trained network does the task: the analyses behind the mechanism chapters.

The responses of a network to isolated pulses, the linearisation at each of
its attractors, the invariant subspaces of its eigenvalues, the axes of its
cube of attractors, the share of a state inside a set of rotation planes, and
the accuracy a network would reach by ignoring the delay altogether.

Tables are returned as dicts of equal-length 1-D arrays, one per named
column, as the sweep tables of :mod:`rnnmem_helpers.sweep_report` are.
"""

from __future__ import annotations

import numpy as np

from ._validate import RNG, Array, InstanceOf, Integer, Optional, Real, validate_params
from .analysis import PCA, TestRun, fit_pca, init_bulk_radius, spectrum_summary
from .fixed_points import FixedPointResult
from .metrics import DEFAULT_TEST_STEPS
from .model import RNNWeights
from .task import TaskConfig, make_stream, targets_from_inputs

# The chapters' "raw" count of rotations at an attractor: complex pairs with |λ| above this radius
# (and an angle above MIN_ANGLE), without reference to the Jacobian's own random bulk.
RAW_ROTATION_RADIUS = 0.5
# Columns of a pulse_responses table, with their dtypes (for the empty table).
_PULSE_COLUMNS = {
    "time": np.int64,
    "channel": np.int64,
    "switch": np.bool_,
    "overshoot": np.float64,
    "kick_pc": np.float64,
    "kick": np.float64,
}
_ATTRACTOR_COLUMNS = {
    "signs": str,
    "n_raw": np.int64,
    "n_rot": np.int64,
    "n_real": np.int64,
    "lead": np.complex128,
    "jac_bulk": np.float64,
}


def _table(columns: dict, rows: list) -> dict:
    """Rows of tuples as a dict of typed columns; no rows give empty columns of the same types."""
    values = zip(*rows, strict=True) if rows else ([] for _ in columns)
    return {name: np.array(col, dtype=dtype) for (name, dtype), col in zip(columns.items(), values, strict=True)}


@validate_params(
    {"run": InstanceOf(TestRun), "weights": InstanceOf(RNNWeights), "pca": InstanceOf(PCA), "window": Integer(1)}
)
def pulse_responses(run: TestRun, weights: RNNWeights, pca: PCA, *, window: int = 30) -> dict:
    """The network's response to each isolated pulse of a test run.

    A pulse at step t on channel c is kept if no other pulse (on any channel)
    falls in ``[t − window, t + delay + window)``, that window lies inside the
    run with a state before it, and the target of channel c is already
    defined at ``t + delay − 1`` (so the pulse either repeats or switches a
    bit that is held).

    Parameters
    ----------
    run : TestRun
        From :func:`rnnmem_helpers.analysis.run_test`; its ``task.delay`` is Δt.
    weights : RNNWeights
        The network that produced ``run`` (only ``W_out`` is used).
    pca : PCA
        Axes for ``kick_pc``, fitted on states of N units.
    window : int
        Steps kept on either side of the pulse and its delayed output, >= 1.

    Returns
    -------
    dict of str to ndarray of shape (n_pulses,)
        ``time`` and ``channel`` of the pulse; ``switch``, whether it flips the
        held bit; ``overshoot``, the largest readout of channel c (signed along
        the pulse) over ``[t, t + delay + window)`` relative to its value at
        the end of that span, minus 1; ``kick_pc`` and ``kick``, the largest
        distance from the state just before the pulse over the same span, in
        the PCA's axes and in the full state space.

    Raises
    ------
    ValueError
        If ``weights`` or ``pca`` do not match the run's number of units or channels.
    """
    states = run.states_txn
    n_time, n = states.shape
    if weights.W_out.shape != (run.inputs.shape[1], n):
        raise ValueError(
            f"weights must have W_out of shape ({run.inputs.shape[1]}, {n}) to match run, got {weights.W_out.shape}"
        )
    if pca.mean.shape[0] != n:
        raise ValueError(f"pca must be fitted on states of {n} units to match run, got {pca.mean.shape[0]}")
    d = run.task.delay
    rows = []
    for t, c in zip(*np.nonzero(run.inputs), strict=True):
        lo, hi = t - window, t + d + window
        if lo < 1 or hi > n_time or np.count_nonzero(run.inputs[lo:hi]) != 1 or run.targets[t + d - 1, c] == 0:
            continue
        sign, rest, after = run.inputs[t, c], states[t - 1], states[t:hi]
        z = sign * (after @ weights.W_out[c])
        kick_pc = np.linalg.norm(pca.transform(after) - pca.transform(rest), axis=1).max()
        kick = np.linalg.norm(after - rest, axis=1).max()
        rows.append((t, c, run.targets[t + d - 1, c] != sign, z.max() / z[-1] - 1, kick_pc, kick))
    return _table(_PULSE_COLUMNS, rows)


@validate_params({"planes": Array(2, nonempty=True), "s": Array((1, 2), nonempty=True)})
def share_in_planes(planes, s):
    """Fraction of a state's norm that lies in a subspace: ‖Pᵀ s‖ / ‖s‖.

    Parameters
    ----------
    planes : array_like of shape (N, k)
        Orthonormal columns spanning the subspace (e.g. the left singular
        vectors of a low-rank block).
    s : array_like of shape (N,) or (m, N)
        One state, or one per row; none of them zero.

    Returns
    -------
    float, or ndarray of shape (m,)
        In [0, 1].

    Raises
    ------
    ValueError
        If the columns of ``planes`` are not orthonormal (to 1e-8), the shapes
        do not match, or a state is zero.
    """
    n, k = planes.shape
    if s.shape[-1] != n:
        raise ValueError(f"s must have shape ({n},) or (m, {n}) to match planes, got {s.shape}")
    if not np.allclose(planes.T @ planes, np.eye(k), rtol=0.0, atol=1e-8):
        # With a non-orthonormal basis ‖Pᵀ s‖ is not the length of the projection.
        raise ValueError("planes must have orthonormal columns (planes.T @ planes == I to 1e-8)")
    rows = s if s.ndim == 2 else s[None]
    norms = np.linalg.norm(rows, axis=1)
    if np.any(norms == 0):
        raise ValueError("s must not be zero: the share of a zero state is undefined")
    # Each state on its own, so that a batch gives bitwise what single calls give.
    shares = np.array([np.linalg.norm(planes.T @ row) / np.linalg.norm(row) for row in rows])
    return shares if s.ndim == 2 else float(shares[0])


@validate_params(
    {
        "fixed_points": InstanceOf(FixedPointResult),
        "weights": InstanceOf(RNNWeights),
        "bulk_radius": Optional(Real(0.0, strict_min=True)),
    }
)
def attractor_table(fixed_points: FixedPointResult, weights: RNNWeights, *, bulk_radius: float | None = None) -> dict:
    """The linearisation at each attractor: its rotations, real outliers and leading eigenvalue.

    The Jacobian at a fixed point x is J = diag(1 − x²) W. Its random part
    has the bulk radius of W scaled by the root mean square of the gains,
    ``jac_bulk = bulk_radius · sqrt(mean((1 − x²)²))`` (the circular law for
    a matrix with scaled rows); outliers of J are counted beyond 1.25 times
    that radius, as :func:`rnnmem_helpers.analysis.spectrum_summary` does for W.

    Parameters
    ----------
    fixed_points : FixedPointResult
        Of the network at zero input; its points with no unstable mode are the attractors.
    weights : RNNWeights
        The network (``W_out`` gives each attractor's output signs).
    bulk_radius : float, optional
        Bulk radius of W, > 0; defaults to
        :func:`rnnmem_helpers.analysis.init_bulk_radius` of N, the paper's
        initial W.

    Returns
    -------
    dict of str to ndarray of shape (n_attractors,)
        ``signs``, the output signs as a string such as ``"+−+"``; ``n_raw``,
        complex pairs with |λ| > 0.5 and an angle in
        [``MIN_ANGLE``, π − ``MIN_ANGLE``] (:data:`rnnmem_helpers.analysis.MIN_ANGLE`); ``n_rot`` and ``n_real``,
        rotation pairs and near-real outliers beyond 1.25 · ``jac_bulk``;
        ``lead``, the eigenvalue of largest modulus (complex); ``jac_bulk``.
        Rows in the order of ``fixed_points``.

    Raises
    ------
    ValueError
        If the fixed points do not have N = ``weights.n_hidden`` coordinates.
    """
    n = weights.n_hidden
    if fixed_points.xstar.shape[1] != n:
        raise ValueError(
            f"fixed_points must have points of {n} units to match weights, got {fixed_points.xstar.shape[1]}"
        )
    bulk = init_bulk_radius(n) if bulk_radius is None else bulk_radius
    stable = fixed_points.n_unstable == 0
    rows = []
    for x, ev in zip(fixed_points.xstar[stable], fixed_points.eigvals[stable], strict=True):
        raw = spectrum_summary(ev, bulk_radius=RAW_ROTATION_RADIUS, edge_factor=1.0)
        jac_bulk = bulk * np.sqrt(np.mean((1 - x**2) ** 2))
        scaled = spectrum_summary(ev, bulk_radius=jac_bulk)
        signs = "".join("+" if v > 0 else "−" for v in weights.W_out @ x)
        rows.append(
            (signs, len(raw.rotation_eigvals), len(scaled.rotation_eigvals), len(scaled.real_outliers), ev[0], jac_bulk)
        )
    return _table(_ATTRACTOR_COLUMNS, rows)


@validate_params(
    {
        "matrix": Array(2, nonempty=True),
        "targets": Array(1, nonempty=True, kinds="fiubc"),
        "tol": Real(0.0, strict_min=True),
    }
)
def eig_span(matrix, targets, *, tol: float = 1e-6) -> np.ndarray:
    """A real basis of the invariant subspace of ``matrix`` for some of its eigenvalues.

    Each target picks the eigenvector of the nearest eigenvalue. A real one
    adds that vector; a complex pair, given by its member with positive
    imaginary part, adds the real and imaginary parts of its eigenvector,
    which span the plane the pair rotates. Targets with a negative imaginary
    part are skipped, since their conjugate spans the same plane: pass
    eigenvalues in pairs or one per pair alike.

    Parameters
    ----------
    matrix : array_like of shape (N, N)
        Real. Use ``W.T`` for the left eigenvectors of ``W``.
    targets : array_like of shape (k,), real or complex
        Eigenvalues of ``matrix``, each within ``tol · max(1, |t|)`` of one,
        and no two the same.
    tol : float
        > 0.

    Returns
    -------
    ndarray of shape (N, r + 2c)
        The real eigenvectors of the r real targets, then the real parts of
        the c complex ones, then their imaginary parts. Not orthonormalised.

    Raises
    ------
    ValueError
        If ``matrix`` is not square, a target is not an eigenvalue of it, or
        two targets pick the same eigenvalue (which would repeat a column).
    """
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"matrix must be square, got shape {matrix.shape}")
    lam, vecs = np.linalg.eig(matrix)
    kept = [t for t in targets.astype(np.complex128) if t.imag >= 0]
    picks = [int(np.argmin(np.abs(lam - t))) for t in kept]
    for t, i in zip(kept, picks, strict=True):
        if abs(lam[i] - t) > tol * max(1.0, abs(t)):
            raise ValueError(
                f"targets must be eigenvalues of matrix: {t:.6g} is {abs(lam[i] - t):.2g} from the nearest"
            )
    if len(set(picks)) < len(picks):
        raise ValueError("targets must not repeat an eigenvalue: two targets picked the same one")
    cols = [vecs[:, i] for i in picks]
    return np.column_stack([c.real for c in cols] + [c.imag for c in cols if np.any(c.imag)])


@validate_params({"fixed_points": InstanceOf(FixedPointResult), "n_axes": Integer(1)})
def cube_axes(fixed_points: FixedPointResult, n_axes: int = 3) -> np.ndarray:
    """Principal axes of the attractors: the subspace that holds the memory cube.

    Parameters
    ----------
    fixed_points : FixedPointResult
        With at least 2 attractors (points with no unstable mode).
    n_axes : int
        Number of axes, in ``[1, min(n_attractors, N)]``; 3 for the 3-bit cube.

    Returns
    -------
    ndarray of shape (N, n_axes)
        Orthonormal columns, by decreasing variance of the attractors along them.
    """
    attractors = fixed_points.xstar[fixed_points.n_unstable == 0]
    n_attr, n = attractors.shape
    if n_attr < 2:
        raise ValueError(f"fixed_points must hold at least 2 attractors, got {n_attr}")
    if n_axes > min(n_attr, n):
        raise ValueError(f"n_axes must be an integer in [1, {min(n_attr, n)}] for these attractors, got {n_axes}")
    return fit_pca(attractors, n_axes).components.T


@validate_params({"task": InstanceOf(TaskConfig), "n_time": Integer(1), "rng": RNG()})
def ignore_delay_accuracy(task: TaskConfig, *, n_time: int = DEFAULT_TEST_STEPS, rng) -> float:
    """Accuracy of a network that ignores the delay: the undelayed target scored against the delayed one.

    It outputs the sign of each channel's last pulse at once rather than
    ``task.delay`` steps later, and is scored wherever the delayed target is
    defined. A bit is then wrong only when a pulse of the other sign arrived
    in the last ``delay`` steps, so the accuracy falls from 1 at Δt = 0
    towards ½; it is the floor any trained network has to beat.

    Parameters
    ----------
    task : TaskConfig
    n_time : int
        Length of the stream, >= 1. The default of 100 000 steps is the
        chapter's, long enough for an error of about 1e-3.
    rng : np.random.Generator or int
        Required, keyword-only; draws the stream as
        :func:`rnnmem_helpers.task.make_stream` does.

    Returns
    -------
    float
        NaN if no delayed target is defined on the stream.
    """
    inputs = make_stream(task, n_time, rng=rng).inputs[None]
    now, _ = targets_from_inputs(inputs, 0)
    later, valid = targets_from_inputs(inputs, task.delay)
    if not valid.any():
        return float("nan")
    return float(np.mean(now[valid] == later[valid]))
