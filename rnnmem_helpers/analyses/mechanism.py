"""How a trained network does the task: the analyses behind the mechanism chapters.

The responses of a network to isolated pulses, the linearisation at each of
its attractors, the invariant subspaces of its eigenvalues, the axes of its
cube of attractors, the share of a state inside a set of rotation planes, and
the accuracy a network would reach by ignoring the delay altogether. Three
measures test the paper's claims directly: how far a switch overshoots its
new attractor (the "loops"), how much of a pulse shows in the readout before
Δt has elapsed ("invisible in the output space"), and the principal angles
between the rotation planes of W and the readout or the attractors
("orthogonal to the separatrices"), against random planes.

Tables are returned as dicts of equal-length 1-D arrays, one per named
column, as the sweep tables of :mod:`rnnmem_helpers.experiments.sweep_report` are;
per-switch measures with a summary are frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core._validate import RNG, Array, InstanceOf, Integer, Optional, Real, validate_params
from ..core.metrics import DEFAULT_TEST_STEPS
from ..core.model import RNNWeights
from ..core.task import TaskConfig, make_stream, targets_from_inputs
from .analysis import PCA, TestRun, fit_pca, init_bulk_radius, spectrum_summary
from .fixed_points import FixedPointResult

# The chapters' "raw" count of rotations at an attractor: complex pairs with |λ| above this radius
# (and an angle above MIN_ANGLE), without reference to the Jacobian's own random bulk.
RAW_ROTATION_RADIUS = 0.5
# Random planes drawn at once by rotation_plane_angles: 1000 draws of 8 planes of 100 units are 13 MB.
NULL_BATCH = 1000
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
        From :func:`rnnmem_helpers.analyses.analysis.run_test`; its ``task.delay`` is Δt.
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
    that radius, as :func:`rnnmem_helpers.analyses.analysis.spectrum_summary` does for W.

    Parameters
    ----------
    fixed_points : FixedPointResult
        Of the network at zero input; its points with no unstable mode are the attractors.
    weights : RNNWeights
        The network (``W_out`` gives each attractor's output signs).
    bulk_radius : float, optional
        Bulk radius of W, > 0; defaults to
        :func:`rnnmem_helpers.analyses.analysis.init_bulk_radius` of N, the paper's
        initial W.

    Returns
    -------
    dict of str to ndarray of shape (n_attractors,)
        ``signs``, the output signs as a string such as ``"+−+"``; ``n_raw``,
        complex pairs with |λ| > 0.5 and an angle in
        [``MIN_ANGLE``, π − ``MIN_ANGLE``] (:data:`rnnmem_helpers.analyses.analysis.MIN_ANGLE`);
        ``n_rot`` and ``n_real``,
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
        :func:`rnnmem_helpers.core.task.make_stream` does.

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


# ----------------------------------------------------------------------------- the claims, measured


@dataclass(frozen=True, eq=False)
class SwitchMeasure:
    """One number per isolated output switch of a test run, with its summary.

    Attributes
    ----------
    name : str
        ``"overshoot"`` or ``"visibility"``.
    time, channel : ndarray of shape (n,), int
        The flipping pulse of each switch.
    value : ndarray of shape (n,)
        The measure of each switch.
    size : ndarray of shape (n,)
        The size of the switch it is relative to.
    n_unswitched : int
        Isolated flipping pulses left out because the output of their
        channel did not hold the old sign before and the new sign at the end.
    window, settle : int
        As passed.
    """

    name: str
    time: np.ndarray
    channel: np.ndarray
    value: np.ndarray
    size: np.ndarray
    n_unswitched: int
    window: int
    settle: int

    def __post_init__(self):
        # Read-only arrays, so that the frozen dataclass cannot be changed through them either.
        for value in vars(self).values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

    @property
    def n(self) -> int:
        return int(self.value.size)

    @property
    def median(self) -> float:
        """Median over switches; NaN if there are none."""
        return float(np.median(self.value)) if self.value.size else float("nan")

    @property
    def mean(self) -> float:
        """Mean over switches; NaN if there are none."""
        return float(np.mean(self.value)) if self.value.size else float("nan")


def _check_window(window: int, settle: int) -> None:
    if settle > window:
        raise ValueError(f"settle must be an integer in [1, window] = [1, {window}], got {settle}")


def _isolated_flips(run: TestRun, window: int, settle: int):
    """The run's isolated switches of one channel, with the mean state at rest before and after.

    A pulse at t on channel c counts if the channel last held the other
    sign, no other pulse (any channel) falls in ``[t − window, t + Δt + window)``,
    that span lies inside the run, and the output of c holds the old sign
    over the ``settle`` steps before t and the new sign over the last
    ``settle`` steps of the span. ``A`` and ``B`` average the state over those
    two stretches.
    """
    d, n_time = run.task.delay, run.n_time
    held = targets_from_inputs(run.inputs[None], 0)[0][0]
    rows, n_unswitched = [], 0
    for t, c in zip(*np.nonzero(run.inputs), strict=True):
        lo, hi = t - window, t + d + window
        if lo < 0 or hi > n_time or np.count_nonzero(run.inputs[lo:hi]) != 1:
            continue
        sign = run.inputs[t, c]
        if held[t - 1, c] != -sign:
            continue
        before, after = np.sign(run.outputs_txk[t - settle : t, c]), np.sign(run.outputs_txk[hi - settle : hi, c])
        if not (np.all(before == -sign) and np.all(after == sign)):
            n_unswitched += 1
            continue
        rows.append((t, c, run.states_txn[t - settle : t].mean(axis=0), run.states_txn[hi - settle : hi].mean(axis=0)))
    n = run.states_txn.shape[1]
    times = np.array([r[0] for r in rows], dtype=np.int64)
    channels = np.array([r[1] for r in rows], dtype=np.int64)
    a = np.array([r[2] for r in rows]).reshape(-1, n)
    b = np.array([r[3] for r in rows]).reshape(-1, n)
    return times, channels, a, b, n_unswitched


@validate_params({"run": InstanceOf(TestRun), "window": Integer(1), "settle": Integer(1)})
def loop_overshoot(run: TestRun, *, window: int = 30, settle: int = 5) -> SwitchMeasure:
    """How far the state runs past its new attractor during a switch (the paper's "loops").

    For each isolated switch of one channel (see below) from the state A at
    rest before the pulse to the state B at rest after the delayed switch,
    the trajectory x(s), s in ``[t, t + Δt + window)``, is projected on the
    switch direction: p(s) = (x(s) − A)·(B − A) / |B − A|², 0 at A and 1 at
    B. The overshoot is max p − 1, the distance travelled beyond B in units
    of |B − A|; it is >= 0 since B is the mean of the last states. Motion
    across the switch direction does not count.

    The paper reads the loops of the undelayed network as an overshoot that
    makes the output switch at once, and predicts that they vanish with delay.

    Parameters
    ----------
    run : TestRun
        From :func:`rnnmem_helpers.analyses.analysis.run_test`; its ``task.delay`` is Δt.
    window : int
        >= 1. A pulse at t on channel c is kept if the channel held the other
        sign, no other pulse (any channel) falls in ``[t − window, t + Δt + window)``,
        that span lies in the run, and the output of c holds the old sign over
        the ``settle`` steps before t and the new sign over the last ``settle``
        steps of the span.
    settle : int
        Steps averaged for A (just before t) and for B (at the end of the
        span), in ``[1, window]``.

    Returns
    -------
    SwitchMeasure
        ``name="overshoot"``; ``value`` the overshoot, ``size`` |B − A|.
    """
    _check_window(window, settle)
    times, channels, a, b, n_unswitched = _isolated_flips(run, window, settle)
    d = run.task.delay
    values = []
    for t, start, end in zip(times, a, b, strict=True):
        step = end - start
        path = run.states_txn[t : t + d + window]
        values.append(np.max((path - start) @ step) / (step @ step) - 1)
    return SwitchMeasure(
        name="overshoot",
        time=times,
        channel=channels,
        value=np.array(values, dtype=np.float64),
        size=np.linalg.norm(b - a, axis=1),
        n_unswitched=n_unswitched,
        window=window,
        settle=settle,
    )


@validate_params(
    {
        "run": InstanceOf(TestRun),
        "weights": InstanceOf(RNNWeights),
        "window": Integer(1),
        "settle": Integer(1),
        "horizon": Optional(Integer(1)),
    }
)
def pulse_visibility(
    run: TestRun, weights: RNNWeights, *, window: int = 30, settle: int = 5, horizon: int | None = None
) -> SwitchMeasure:
    """How much of a pulse shows in the readout before the output may switch.

    The readout is the linear one, z = W_out S, the state's coordinates
    along the rows of W_out: unlike Y = tanh(z) it is not flattened by
    saturation, so a pulse that moves the state along the output space shows
    even while Y stays at ±1. For each isolated switch (as
    :func:`loop_overshoot` selects them), with A and B the mean states at
    rest before and after, the visibility is

        max over s in [t, t + horizon) of ‖z(s) − W_out A‖ / ‖W_out (B − A)‖,

    the largest move of the whole readout (all channels) in the steps
    strictly before Δt has elapsed, relative to the switch itself. The paper
    predicts it is small for a delayed network ("the input pulse is now
    invisible in the output space").

    Parameters
    ----------
    run : TestRun
    weights : RNNWeights
        The network that produced ``run`` (only ``W_out`` is used).
    window, settle : int
        As in :func:`loop_overshoot`.
    horizon : int, optional
        Steps after the pulse to look at, in ``[1, Δt + window]``; defaults
        to Δt. Give it for an undelayed run (e.g. the Δt of the network it is
        compared with), whose default window would be empty.

    Returns
    -------
    SwitchMeasure
        ``name="visibility"``; ``value`` the visibility, ``size`` ‖W_out (B − A)‖.

    Raises
    ------
    ValueError
        If ``weights`` does not match the run, ``settle`` exceeds ``window``,
        or ``horizon`` is out of range (including omitted at Δt = 0).
    """
    states = run.states_txn
    n = states.shape[1]
    if weights.W_out.shape != (run.inputs.shape[1], n):
        raise ValueError(
            f"weights must have W_out of shape ({run.inputs.shape[1]}, {n}) to match run, got {weights.W_out.shape}"
        )
    _check_window(window, settle)
    d = run.task.delay
    if horizon is None and d == 0:
        raise ValueError("horizon must be given for a run with delay 0: steps before Δt = 0 has elapsed are none")
    horizon = d if horizon is None else horizon
    if horizon > d + window:
        raise ValueError(f"horizon must be an integer in [1, delay + window] = [1, {d + window}], got {horizon}")
    times, channels, a, b, n_unswitched = _isolated_flips(run, window, settle)
    z_a, z_b = a @ weights.W_out.T, b @ weights.W_out.T
    # > 0: the readout of the pulse's channel has opposite signs over the two stretches A and B average.
    size = np.linalg.norm(z_b - z_a, axis=1)
    values = [
        np.linalg.norm(states[t : t + horizon] @ weights.W_out.T - za, axis=1).max()
        for t, za in zip(times, z_a, strict=True)
    ]
    return SwitchMeasure(
        name="visibility",
        time=times,
        channel=channels,
        value=np.array(values, dtype=np.float64) / size,
        size=size,
        n_unswitched=n_unswitched,
        window=window,
        settle=settle,
    )


@dataclass(frozen=True, eq=False)
class PlaneAngles:
    """Principal angles between the rotation planes of W and a reference subspace, against random planes.

    Attributes
    ----------
    eigvals : ndarray of shape (m,), complex
        The rotation pairs (member with Im > 0), as ``SpectrumSummary.rotation_eigvals``.
    angles : ndarray of shape (m, p)
        Principal angles (radians, ascending) between each plane and the
        reference; p = min(2, rank of the reference).
    smallest : ndarray of shape (m,)
        ``angles[:, 0]``: π/2 means the plane is orthogonal to the reference.
    plane_quantile : ndarray of shape (m,)
        Fraction of random planes whose smallest angle is <= the plane's.
    statistic : float
        Mean of ``smallest`` over the planes (NaN if m = 0).
    null : ndarray of shape (n_null,)
        The same mean for m independent uniformly random planes, per draw.
    quantile : float
        Fraction of ``null`` <= ``statistic``.
    p_more_orthogonal, p_less_orthogonal : float
        One-sided permutation-style p-values (1 + #null >= statistic) / (1 + n_null)
        and (1 + #null <= statistic) / (1 + n_null).
    reference_rank : int
    """

    eigvals: np.ndarray
    angles: np.ndarray
    smallest: np.ndarray
    plane_quantile: np.ndarray
    statistic: float
    null: np.ndarray
    quantile: float
    p_more_orthogonal: float
    p_less_orthogonal: float
    reference_rank: int

    def __post_init__(self):
        # Read-only arrays, so that the frozen dataclass cannot be changed through them either.
        for value in vars(self).values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False


def _principal_angles(planes, basis) -> np.ndarray:
    """Principal angles, ascending, between orthonormal ``planes`` (..., N, p) and orthonormal ``basis`` (N, r).

    Cosines come from the singular values of basisᵀ·plane, sines from those of
    the plane's residual off the basis; arctan2 of the two keeps small angles
    accurate where arccos alone would lose them.
    """
    k = min(planes.shape[-1], basis.shape[1])
    cos = np.linalg.svd(basis.T @ planes, compute_uv=False)[..., :k]
    residual = planes - basis @ (basis.T @ planes)
    sin = np.sort(np.linalg.svd(residual, compute_uv=False), axis=-1)[..., :k]
    return np.arctan2(sin, cos)


@validate_params(
    {
        "matrix": Array(2, nonempty=True),
        "reference": Array((1, 2), nonempty=True),
        "n_null": Integer(1),
        "rng": RNG(),
    }
)
def rotation_plane_angles(matrix, reference, *, n_null: int = 1000, rng) -> PlaneAngles:
    """How orthogonal the rotation planes of W are to a reference subspace, compared with random planes.

    Each outlying complex pair of W (as
    :func:`rnnmem_helpers.analyses.analysis.spectrum_summary` defines them) rotates
    the real plane spanned by the real and imaginary parts of its right
    eigenvector (:func:`eig_span`). The principal angles between that plane
    and the reference are computed, and the smallest, 0 if the plane meets
    the reference and π/2 if it is orthogonal to it, is compared with that
    of uniformly random planes of the same dimension: in high dimension even
    random planes are nearly orthogonal to a small subspace, so only the
    comparison says whether the rotations avoid it.

    Parameters
    ----------
    matrix : array_like of shape (N, N)
        The recurrent matrix W.
    reference : array_like of shape (N,) or (N, r)
        Columns spanning the reference subspace, e.g. ``W_out.T`` (the
        readout directions) or differences between attractors (the cube's
        axes, :func:`cube_axes`). Need not be orthonormal; its rank is used.
    n_null : int
        Random draws, >= 1; each draws m planes.
    rng : np.random.Generator or int
        Required, keyword-only; draws the random planes (Gaussian N x 2
        matrices, orthonormalised).

    Returns
    -------
    PlaneAngles
        Empty arrays and NaN summaries if W has no rotation pair.

    Raises
    ------
    ValueError
        If ``matrix`` is not square, ``reference`` does not have N rows, or
        it is zero.
    """
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"matrix must be square, got shape {matrix.shape}")
    n = matrix.shape[0]
    ref = reference.reshape(n, -1) if reference.ndim == 1 and reference.shape[0] == n else reference
    if ref.ndim != 2 or ref.shape[0] != n:
        raise ValueError(f"reference must have shape ({n},) or ({n}, r) to match matrix, got {reference.shape}")
    u, s, _ = np.linalg.svd(ref.astype(np.float64), full_matrices=False)
    # numpy's matrix_rank tolerance, so that dependent columns (e.g. all 28 attractor differences) count once.
    rank = int(np.sum(s > s[0] * max(ref.shape) * np.finfo(float).eps)) if s[0] > 0 else 0
    if rank == 0:
        raise ValueError("reference must not be zero: it spans no subspace")
    basis = u[:, :rank]
    rotations = spectrum_summary(matrix).rotation_eigvals
    m = rotations.size
    k = min(2, rank)
    if m == 0:
        empty = np.zeros(0)
        return PlaneAngles(
            eigvals=rotations, angles=np.zeros((0, k)), smallest=empty, plane_quantile=empty,
            statistic=float("nan"), null=empty, quantile=float("nan"), p_more_orthogonal=float("nan"),
            p_less_orthogonal=float("nan"), reference_rank=rank,
        )  # fmt: skip
    planes = np.stack([np.linalg.qr(eig_span(matrix, [lam]))[0] for lam in rotations])
    angles = _principal_angles(planes, basis)
    smallest = angles[:, 0]
    # In batches, so that memory stays at NULL_BATCH·m·N·2 numbers whatever n_null.
    null_smallest = np.concatenate(
        [
            _principal_angles(np.linalg.qr(rng.standard_normal((min(NULL_BATCH, n_null - i), m, n, 2)))[0], basis)
            for i in range(0, n_null, NULL_BATCH)
        ]
    )[..., 0]
    null = null_smallest.mean(axis=1)
    statistic = float(smallest.mean())
    return PlaneAngles(
        eigvals=rotations,
        angles=angles,
        smallest=smallest,
        plane_quantile=np.mean(null_smallest.reshape(-1)[None, :] <= smallest[:, None], axis=1),
        statistic=statistic,
        null=null,
        quantile=float(np.mean(null <= statistic)),
        p_more_orthogonal=float((1 + np.sum(null >= statistic)) / (1 + n_null)),
        p_less_orthogonal=float((1 + np.sum(null <= statistic)) / (1 + n_null)),
        reference_rank=rank,
    )
