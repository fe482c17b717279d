"""Causal ablation of the recurrent spectrum: remove eigenvalues of W and measure what the network still does.

The edit works on the eigendecomposition W = V Λ V⁻¹. Removing a set K of
eigenvalues sets them to 0 and leaves every other eigenvalue and eigenvector
exactly in place:

    W' = W − V_K Λ_K (V⁻¹)_K

where V_K holds the columns of V in K and (V⁻¹)_K the rows of V⁻¹ in K. The
edit has rank |K| (2k for k complex pairs) and is real when K is closed
under conjugation. For a non-normal W it is not the removal of singular
directions: the remaining eigenvalues stay, but the singular values of W'
are not a subset of those of W.

The paper reads the outlying complex pairs of a delayed network as the clock
that holds an output switch back for Δt steps, while its real outliers hold
the memory. :func:`ablate` removes either set, or as a control the same
number of complex pairs from inside the random bulk, and
:func:`timing_measures` scores the result (through
:func:`timing_from_outputs`): delayed accuracy, accuracy against the
undelayed target (memory without timing), and the latency of each output
switch (:func:`switch_latencies`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core._validate import RNG, Array, InstanceOf, Integer, OneOf, Optional, Real, validate_params
from ..core.metrics import DEFAULT_TEST_STEPS, EVAL_CHUNK_STEPS, check_weights_and_task, score
from ..core.model import RNNWeights, simulate
from ..core.task import TaskConfig, sample_pulses, targets_from_inputs
from .analysis import MIN_ANGLE, _frozen, spectrum_summary

ABLATION_KINDS = ("rotations", "bulk", "real_outliers")
# Largest condition number of the eigenvector matrix V: beyond it W is defective to working precision, V⁻¹ is
# dominated by rounding and the edit is not defined. The shipped networks have 70 to 160.
MAX_EIGVEC_CONDITION = 1e8
# Largest imaginary part of the edit, relative to max(1, max|W|), that is still rounding; a backstop behind the
# condition check, since a conjugate-closed set gives a real edit in exact arithmetic.
MAX_IMAG_RESIDUE = 1e-8
_LATENCY_COLUMNS = {"time": np.int64, "channel": np.int64, "latency": np.float64}


def _conjugate_partner(lam: np.ndarray, i: int) -> int:
    """Index of the conjugate of ``lam[i]`` among the other eigenvalues (``i`` itself if it is real)."""
    if lam[i].imag == 0:
        return i
    dist = np.abs(lam - np.conj(lam[i]))
    dist[i] = np.inf
    return int(np.argmin(dist))


def _edit(matrix: np.ndarray, lam: np.ndarray, vecs: np.ndarray, picks: list[int]) -> np.ndarray:
    """W − V_K Λ_K (V⁻¹)_K for the indices ``picks``, checked to be real."""
    if not picks:
        return matrix.copy()
    condition = np.linalg.cond(vecs)
    if not condition <= MAX_EIGVEC_CONDITION:
        raise ValueError(
            f"matrix must be diagonalisable for an eigen-edit: its eigenvectors have condition number "
            f"{condition:.2g}, above {MAX_EIGVEC_CONDITION:g}"
        )
    left = np.linalg.inv(vecs)[picks]
    part = (vecs[:, picks] * lam[picks]) @ left
    scale = max(1.0, float(np.max(np.abs(matrix))))
    residue = float(np.max(np.abs(part.imag))) / scale
    if residue > MAX_IMAG_RESIDUE:
        raise ValueError(
            f"matrix is too close to defective for an eigen-edit: the edit has an imaginary part of {residue:.2g} "
            f"(relative), above {MAX_IMAG_RESIDUE:g}"
        )
    return matrix - part.real


@validate_params(
    {
        "matrix": Array(2, nonempty=True),
        "targets": Array(1, kinds="fiubc"),
        "tol": Real(0.0, strict_min=True),
    }
)
def remove_eigenvalues(matrix, targets, *, tol: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Set some eigenvalues of a real matrix to zero, keeping the others and all eigenvectors.

    Parameters
    ----------
    matrix : array_like of shape (N, N)
        Real and diagonalisable: its eigenvector matrix must have a condition
        number of at most :data:`MAX_EIGVEC_CONDITION` (1e8).
    targets : array_like of shape (k,), real or complex
        Eigenvalues of ``matrix``, each within ``tol · max(1, |t|)`` of one,
        no two the same, and closed under conjugation: a complex eigenvalue
        is removed only together with its conjugate, so that the result is real.
    tol : float
        > 0.

    Returns
    -------
    edited : ndarray of shape (N, N), float64
        ``W − V_K Λ_K (V⁻¹)_K``: its eigenvalues are those of ``matrix``
        with the targets replaced by 0.
    removed : ndarray of shape (k,), complex
        The eigenvalues of ``matrix`` that were removed (as computed, not as
        passed), in the order of ``targets``.

    Raises
    ------
    ValueError
        If ``matrix`` is not square, a target is not an eigenvalue, two
        targets pick the same eigenvalue, the targets are not closed under
        conjugation, or ``matrix`` is defective to working precision.
    """
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"matrix must be square, got shape {matrix.shape}")
    w = matrix.astype(np.float64)
    lam, vecs = np.linalg.eig(w)
    lam = lam.astype(np.complex128)
    picks = []
    for t in targets.astype(np.complex128):
        i = int(np.argmin(np.abs(lam - t)))
        if abs(lam[i] - t) > tol * max(1.0, abs(t)):
            raise ValueError(
                f"targets must be eigenvalues of matrix: {t:.6g} is {abs(lam[i] - t):.2g} from the nearest"
            )
        picks.append(i)
    if len(set(picks)) < len(picks):
        raise ValueError("targets must not repeat an eigenvalue: two targets picked the same one")
    lonely = [lam[i] for i in picks if _conjugate_partner(lam, i) not in picks]
    if lonely:
        raise ValueError(
            f"targets must be closed under conjugation (a real edit removes both members of a pair): "
            f"the conjugate of {lonely[0]:.6g} is missing"
        )
    return _edit(w, lam, vecs, picks), _frozen(lam[picks])


@dataclass(frozen=True, eq=False)
class Ablation:
    """A network with some eigenvalues of its recurrent matrix removed.

    Attributes
    ----------
    kind : str
        One of :data:`ABLATION_KINDS`.
    weights : RNNWeights
        The edited network: ``W`` replaced by W', ``W_in`` and ``W_out`` unchanged.
    removed : ndarray of shape (r,), complex
        The eigenvalues of W set to zero, both members of every pair, by
        decreasing modulus.
    """

    kind: str
    weights: RNNWeights
    removed: np.ndarray

    @property
    def n_removed(self) -> int:
        return int(self.removed.size)


@validate_params({"weights": InstanceOf(RNNWeights), "kind": OneOf(ABLATION_KINDS), "rng": Optional(RNG())})
def ablate(weights: RNNWeights, kind: str, *, rng=None) -> Ablation:
    """Remove one class of eigenvalues from a network's recurrent matrix.

    The classes are those of :func:`rnnmem_helpers.analyses.analysis.spectrum_summary`
    at its defaults (bulk radius 1/√3, outliers beyond 1.25 times it,
    rotations at an angle of at least ``MIN_ANGLE``), computed on the very
    eigenvalues that are edited, so "the rotations" mean the same thing here
    as in the spectrum figures.

    Parameters
    ----------
    weights : RNNWeights
    kind : {"rotations", "bulk", "real_outliers"}
        ``"rotations"``: every outlying complex pair (both members).
        ``"bulk"``: as many complex pairs as there are rotations, drawn
        without replacement among the pairs inside the outlier radius whose
        angle is a rotation's (in [MIN_ANGLE, π − MIN_ANGLE]): the control
        for a rank-2k edit that misses the clock.
        ``"real_outliers"``: the outliers on or near the real axis
        (``SpectrumSummary.real_outliers``, which holds both members of a
        near-real pair).
    rng : np.random.Generator or int, optional
        Draws the bulk pairs; required for ``kind="bulk"``, unused otherwise.

    Returns
    -------
    Ablation
        With nothing removed if the class is empty (e.g. the rotations of
        an undelayed network).

    Raises
    ------
    TypeError
        If ``kind="bulk"`` and ``rng`` is None.
    ValueError
        If the bulk holds fewer candidate pairs than there are rotations, or
        W is defective to working precision (see :func:`remove_eigenvalues`).
    """
    if kind == "bulk" and rng is None:
        raise TypeError("rng must be a non-negative integer seed or an np.random.Generator when kind is 'bulk'")
    w = weights.W
    lam, vecs = np.linalg.eig(w)
    lam = lam.astype(np.complex128)
    summary = spectrum_summary(lam)
    if kind == "rotations":
        chosen = np.concatenate([summary.rotation_eigvals, np.conj(summary.rotation_eigvals)])
    elif kind == "real_outliers":
        chosen = summary.real_outliers
    else:
        theta = np.abs(np.angle(lam))
        rotating = (lam.imag > 0) & (theta >= MIN_ANGLE) & (theta <= np.pi - MIN_ANGLE)
        candidates = np.flatnonzero(rotating & (np.abs(lam) <= summary.outlier_radius))
        k = summary.rotation_eigvals.size
        if candidates.size < k:
            raise ValueError(
                f"kind='bulk' needs {k} complex pairs inside the bulk to match the rotations, found {candidates.size}"
            )
        upper = lam[np.sort(rng.choice(candidates, size=k, replace=False))] if k else np.zeros(0, complex)
        chosen = np.concatenate([upper, np.conj(upper)])
    # spectrum_summary returns copies of these very eigenvalues, so they match exactly.
    picks = [int(np.flatnonzero(lam == v)[0]) for v in chosen]
    edited = _edit(w, lam, vecs, picks)
    removed = lam[picks]
    order = np.lexsort((-removed.imag, -removed.real, -np.abs(removed)))
    return Ablation(
        kind=kind,
        weights=RNNWeights(W=edited, W_in=weights.W_in, W_out=weights.W_out),
        removed=_frozen(removed[order]),
    )


# --------------------------------------------------------------------------- measures


@validate_params({"inputs": Array(2), "outputs": Array(2)})
def switch_latencies(inputs, outputs) -> dict:
    """Steps from each flipping pulse to the output's switch to the new sign.

    A pulse on channel c flips it when the channel's previous pulse had the
    other sign (the first pulse of a channel sets rather than flips it and
    is left out). Its latency is the first ``ℓ >= 0`` with
    ``sign(outputs[t + ℓ, c])`` equal to the pulse's sign, searched up to
    the next pulse on that channel (exclusive) or the end of the stream; if
    there is none, the switch is censored and its latency is NaN. An output
    already of the new sign at the pulse gives 0. An undelayed network
    switches at 0, a delayed one at Δt.

    Parameters
    ----------
    inputs : array_like of shape (time, n_bits)
        Pulse trains: a nonzero entry is a pulse whose sign is the bit.
    outputs : array_like of shape (time, n_bits)
        The network's outputs Y (or its readout W_out S: only signs are used);
        0 counts as neither sign.

    Returns
    -------
    dict of str to ndarray of shape (n_flips,)
        ``time`` and ``channel`` of each flipping pulse, by time then
        channel, and its ``latency`` (float, NaN if censored).

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    if outputs.shape != inputs.shape:
        raise ValueError(f"outputs must have the shape of inputs {inputs.shape}, got {outputs.shape}")
    n_time = inputs.shape[0]
    rows = []
    for c in range(inputs.shape[1]):
        times = np.flatnonzero(inputs[:, c])
        signs = np.sign(inputs[times, c])
        ends = np.append(times[1:], n_time)
        for i in np.flatnonzero(signs[1:] != signs[:-1]) + 1:
            hit = np.flatnonzero(np.sign(outputs[times[i] : ends[i], c]) == signs[i])
            rows.append((times[i], c, hit[0] if hit.size else np.nan))
    rows.sort(key=lambda r: (r[0], r[1]))
    values = zip(*rows, strict=True) if rows else ([] for _ in _LATENCY_COLUMNS)
    return {
        name: np.array(col, dtype=dtype) for (name, dtype), col in zip(_LATENCY_COLUMNS.items(), values, strict=True)
    }


@dataclass(frozen=True, eq=False)
class TimingMeasures:
    """Memory and timing of a network on one fresh stream.

    Attributes
    ----------
    delay : int
        The task's Δt.
    n_time : int
    accuracy : float
        Fraction of valid (time, channel) entries with sign(Y) equal to the
        delayed target, as :func:`rnnmem_helpers.core.metrics.evaluate` scores it
        (the same value on the same stream).
    undelayed_accuracy : float
        The same against the undelayed target ``targets_from_inputs(inputs, 0)``,
        valid where that target is defined: the memory of the bits, whatever
        the timing. A delayed network that switches at exactly Δt scores
        about :func:`rnnmem_helpers.analyses.mechanism.ignore_delay_accuracy` here
        (all but the first Δt steps after each channel's first pulse agree).
    flip_times, flip_channels : ndarray of shape (n_flips,), int
        The flipping pulses, as :func:`switch_latencies` finds them.
    latencies : ndarray of shape (n_flips,), float
        Steps from each to the output's switch; NaN if censored.
    """

    delay: int
    n_time: int
    accuracy: float
    undelayed_accuracy: float
    flip_times: np.ndarray
    flip_channels: np.ndarray
    latencies: np.ndarray

    @property
    def n_flips(self) -> int:
        return int(self.latencies.size)

    @property
    def n_censored(self) -> int:
        """Flips with no switch of the output before the channel's next pulse or the end."""
        return int(np.isnan(self.latencies).sum())

    @property
    def median_latency(self) -> float:
        """Median over the uncensored flips; NaN if there are none."""
        done = self.latencies[~np.isnan(self.latencies)]
        return float(np.median(done)) if done.size else float("nan")


@validate_params({"inputs": Array(2), "outputs": Array(2), "delay": Integer(0)})
def timing_from_outputs(inputs, outputs, delay: int) -> TimingMeasures:
    """Delayed accuracy, undelayed accuracy and switch latencies of given outputs.

    Parameters
    ----------
    inputs : array_like of shape (time, n_bits)
        Pulse trains: a nonzero entry is a pulse whose sign is the bit.
    outputs : array_like of shape (time, n_bits)
        The network's outputs Y on them.
    delay : int
        Δt of the delayed target, >= 0.

    Returns
    -------
    TimingMeasures

    Raises
    ------
    ValueError
        If the shapes differ, or no delayed target is defined (no pulse in
        the first ``time - delay`` steps).
    """
    table = switch_latencies(inputs, outputs)
    n_time = inputs.shape[0]
    delayed, valid = targets_from_inputs(inputs[None], delay)
    if not valid.any():
        raise ValueError(
            f"the {n_time}-step stream has no defined target (no pulse in its first {max(n_time - delay, 0)} "
            "steps); use a longer n_time or another rng"
        )
    now, now_valid = targets_from_inputs(inputs[None], 0)
    return TimingMeasures(
        delay=delay,
        n_time=n_time,
        accuracy=score(outputs, delayed[0], valid[0])[0],
        undelayed_accuracy=score(outputs, now[0], now_valid[0])[0],
        flip_times=_frozen(table["time"]),
        flip_channels=_frozen(table["channel"]),
        latencies=_frozen(table["latency"]),
    )


@validate_params(
    {"weights": InstanceOf(RNNWeights), "task": InstanceOf(TaskConfig), "n_time": Integer(2), "rng": RNG()}
)
def timing_measures(weights: RNNWeights, task: TaskConfig, *, n_time: int = DEFAULT_TEST_STEPS, rng) -> TimingMeasures:
    """Delayed accuracy, undelayed accuracy and switch latencies of a (possibly edited) network.

    The stream is drawn exactly as :func:`rnnmem_helpers.core.metrics.evaluate`
    draws it (chunks of :data:`rnnmem_helpers.core.metrics.EVAL_CHUNK_STEPS`
    steps from ``rng``) and simulated from the zero state; only the outputs
    are kept, so memory grows with ``n_time · n_bits``, not with N. They are
    scored by :func:`timing_from_outputs`.

    Parameters
    ----------
    weights : RNNWeights
    task : TaskConfig
        Its ``n_bits`` must match the network; its ``delay`` sets the delayed target.
    n_time : int
        Stream length, >= ``task.delay + 2``.
    rng : np.random.Generator or int
        Source of the stream, required, keyword-only.

    Returns
    -------
    TimingMeasures

    Raises
    ------
    ValueError
        If ``n_time`` is below ``task.delay + 2``, or the stream holds no
        defined delayed target.
    """
    check_weights_and_task(weights, task)
    if n_time < task.delay + 2:
        raise ValueError(f"n_time must be an integer >= task.delay + 2 = {task.delay + 2}, got {n_time}")
    chunks = []
    for start in range(0, n_time, EVAL_CHUNK_STEPS):
        chunks.append(sample_pulses(task, 1, min(EVAL_CHUNK_STEPS, n_time - start), rng=rng)[0])
    inputs = np.concatenate(chunks)
    outputs = np.empty(inputs.shape)
    state = None
    for start in range(0, n_time, EVAL_CHUNK_STEPS):
        states, outputs[start : start + EVAL_CHUNK_STEPS] = simulate(
            weights, inputs[start : start + EVAL_CHUNK_STEPS], s0=state
        )
        state = states[-1]
    return timing_from_outputs(inputs, outputs, task.delay)
