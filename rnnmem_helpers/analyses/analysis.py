"""Analyses of a trained network: test run, PCA, triggered averages, spectra.

Everything here is a pure function returning a frozen dataclass whose arrays
are read-only; randomness enters only through an explicit ``rng``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core._validate import Array, Optional, Real, as_generator, check_array, check_float, check_int, validate_params
from ..core.metrics import DEFAULT_TEST_STEPS, check_weights_and_task
from ..core.model import RNNWeights, simulate
from ..core.task import TaskConfig, make_stream
from .fixed_points import DEFAULT_MARGIN, count_unstable

# A rotation angle of 0.1 rad is a period of ~63 steps, longer than the mean interval between pulses: slower
# modes act as memory rather than as a clock, so outliers below this angle count as near-real.
MIN_ANGLE = 0.1
# run_test keeps every state: at most 2e8 state entries (1.6 GB of float64), which is 2e6 steps of a
# 100-unit network and fewer for a larger one; for longer scoring runs use metrics.evaluate, which streams.
MAX_TEST_STEPS = 2_000_000
MAX_TEST_STATE_ENTRIES = 200_000_000


def _check_bool(name: str, value) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")


def _frozen(arr) -> np.ndarray:
    arr = np.asarray(arr)
    arr.flags.writeable = False
    return arr


# --------------------------------------------------------------------------- test run


@dataclass(frozen=True, eq=False)
class TestRun:
    """A trained network run on one fresh task stream.

    Attributes
    ----------
    task : TaskConfig
    inputs, targets : ndarray of shape (time, n_bits), float32
    mask : ndarray of shape (time, n_bits), bool
    states_txn : ndarray of shape (time, N), float64
        ``states_txn[t]`` is S(t), the state just after input ``inputs[t]``.
    outputs_txk : ndarray of shape (time, n_bits), float64
    """

    __test__ = False  # not a pytest test class despite the name

    task: TaskConfig
    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    states_txn: np.ndarray
    outputs_txk: np.ndarray

    @property
    def n_time(self) -> int:
        return self.inputs.shape[0]


def run_test(
    weights: RNNWeights, task: TaskConfig, n_time: int = DEFAULT_TEST_STEPS, *, rng, pulse_at_start: bool = False
) -> TestRun:
    """Simulate a network from the zero state on a fresh stream (the paper's test run).

    Parameters
    ----------
    weights : RNNWeights
    task : TaskConfig
        Its ``n_bits`` must match the network.
    n_time : int
        Stream length in ``[delay + 2, min(2 000 000, 2e8 // N)]``, since all
        N states of every step are kept in memory (at most 1.6 GB); the paper
        uses ~100 000 steps (~2000 pulses at the default pulse rate).
    rng : np.random.Generator or int
        Source of the stream, keyword-only and required: an int >= 0 seeds a
        new generator (the same int gives the same run), a Generator is drawn
        from and advanced.
    pulse_at_start : bool
        Passed to :func:`rnnmem_helpers.core.task.make_stream`.

    Returns
    -------
    TestRun

    Raises
    ------
    ValueError
        If ``n_time`` is outside its range (checked before anything is allocated).
    """
    check_weights_and_task(weights, task)
    max_steps = min(MAX_TEST_STEPS, MAX_TEST_STATE_ENTRIES // weights.n_hidden)
    n_time = check_int("n_time", n_time, minimum=task.delay + 2, maximum=max_steps)
    rng = as_generator("rng", rng)
    _check_bool("pulse_at_start", pulse_at_start)
    stream = make_stream(task, n_time, rng=rng, pulse_at_start=pulse_at_start)
    states_txn, outputs_txk = simulate(weights, stream.inputs)
    return TestRun(
        task=task,
        inputs=_frozen(stream.inputs),
        targets=_frozen(stream.targets),
        mask=_frozen(stream.mask),
        states_txn=_frozen(states_txn),
        outputs_txk=_frozen(outputs_txk),
    )


# --------------------------------------------------------------------------- PCA


@dataclass(frozen=True, eq=False)
class PCA:
    """Principal axes of a point cloud.

    Sign convention: each component is flipped so that its entry of largest
    absolute value is positive (the first such entry on ties). This depends
    only on the covariance, so it is unchanged when samples are reordered or
    the data are negated, unlike a skewness-based rule.

    Attributes
    ----------
    mean : ndarray of shape (N,)
    components : ndarray of shape (c, N)
        Orthonormal rows, by decreasing variance.
    explained_variance : ndarray of shape (c,)
        Sample variance (ddof=1) along each component.
    explained_variance_ratio : ndarray of shape (c,)
        Fraction of the total variance (over all N directions) along each component.
    """

    mean: np.ndarray
    components: np.ndarray
    explained_variance: np.ndarray
    explained_variance_ratio: np.ndarray

    @property
    def n_components(self) -> int:
        return self.components.shape[0]

    def transform(self, x) -> np.ndarray:
        """Project points on the components.

        Parameters
        ----------
        x : array_like of shape (..., N)

        Returns
        -------
        ndarray of shape (..., c)
        """
        n = self.mean.shape[0]
        x = np.asarray(x)
        if x.ndim < 1 or x.shape[-1] != n:
            raise ValueError(f"x must have shape (..., {n}), got {x.shape}")
        check_array("x", x.reshape(-1, n), ndim=2)
        return (x - self.mean) @ self.components.T


def fit_pca(states_txn, n_components: int) -> PCA:
    """PCA by SVD of the centred data (no randomness).

    Parameters
    ----------
    states_txn : array_like of shape (n_samples, N)
        At least 2 samples.
    n_components : int
        In ``[1, min(n_samples, N)]``.

    Returns
    -------
    PCA
    """
    x = check_array("states_txn", states_txn, ndim=2).astype(np.float64)
    n_samples, n = x.shape
    if n_samples < 2:
        raise ValueError(f"states_txn must have at least 2 rows, got {n_samples}")
    c = check_int("n_components", n_components, minimum=1, maximum=min(n_samples, n))
    mean = x.mean(axis=0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
    comps = vt[:c]
    lead = np.argmax(np.abs(comps), axis=1)
    comps = comps * np.sign(comps[np.arange(c), lead])[:, None]
    var = s**2 / (n_samples - 1)
    total = var.sum()
    ratio = var[:c] / total if total > 0 else np.zeros(c)
    return PCA(_frozen(mean), _frozen(comps), _frozen(var[:c]), _frozen(ratio))


# --------------------------------------------------------------------------- triggered average


def _check_state(name: str, state, k: int) -> np.ndarray:
    arr = check_array(name, state, ndim=1, shape=(k,))
    if not np.all(np.isin(arr, (-1, 1))):
        raise ValueError(f"{name} must hold only -1 and +1 (one per channel), got {arr.tolist()}")
    return arr.astype(np.float32)


def transition_times(targets, from_state, to_state) -> np.ndarray:
    """Steps at which the target switches from one output state to another.

    Parameters
    ----------
    targets : array_like of shape (time, n_bits)
        Delayed targets (0 where undefined, which matches no state).
    from_state, to_state : array_like of shape (n_bits,)
        Entries -1 or +1; must differ.

    Returns
    -------
    ndarray of shape (n,), int
        Every ``s`` with ``targets[s - 1] == from_state`` and
        ``targets[s] == to_state``. The pulse that caused it arrived at ``s - delay``.
    """
    tgt = check_array("targets", targets, ndim=2)
    k = tgt.shape[1]
    a = _check_state("from_state", from_state, k)
    b = _check_state("to_state", to_state, k)
    if np.array_equal(a, b):
        raise ValueError("from_state and to_state must differ")
    hit = np.all(tgt[:-1] == a, axis=1) & np.all(tgt[1:] == b, axis=1)
    return np.flatnonzero(hit) + 1


@dataclass(frozen=True, eq=False)
class TriggeredAverage:
    """States around every instance of one output switch, aligned at the pulse.

    Attributes
    ----------
    from_state, to_state : tuple of int
    delay, pre, post : int
    lags : ndarray of shape (T,)
        ``-pre .. post``; lag 0 is the state just after the triggering pulse,
        and the target switches at lag ``delay``.
    pulse_times : ndarray of shape (count,)
        Pulse steps of the averaged instances.
    n_transitions : int
        Instances whose window fits inside the run.
    n_isolated : int
        Of those, how many have no other pulse (any channel) in the window.
    count : int
        Instances averaged (``n_isolated`` if ``isolated`` was requested, else ``n_transitions``).
    windows : ndarray of shape (count, T, N)
    mean, std : ndarray of shape (T, N)
        Mean and sample standard deviation (ddof=1; NaN if count == 1) over instances.
    pca : PCA
        PCA of ``mean`` (its time points are the samples).
    mean_pc, std_pc : ndarray of shape (T, c)
        The mean, and the spread of the instances, projected on ``pca``.
    """

    from_state: tuple
    to_state: tuple
    delay: int
    pre: int
    post: int
    lags: np.ndarray
    pulse_times: np.ndarray
    n_transitions: int
    n_isolated: int
    count: int
    windows: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    pca: PCA
    mean_pc: np.ndarray
    std_pc: np.ndarray

    @property
    def explained_3(self) -> float:
        """Fraction of the mean trajectory's variance on its first 3 PCs."""
        return float(self.pca.explained_variance_ratio[:3].sum())

    @property
    def explained_9(self) -> float:
        """Fraction of the mean trajectory's variance on its first 9 PCs."""
        return float(self.pca.explained_variance_ratio[:9].sum())


def triggered_average(
    run: TestRun,
    from_state=(-1, -1, -1),
    to_state=(-1, -1, 1),
    pre: int = 10,
    post: int = 30,
    delay: int | None = None,
    *,
    isolated: bool = False,
    n_pcs: int = 9,
) -> TriggeredAverage:
    """Average the state around every instance of a switch (paper Section 5).

    There are only ~40 instances of one given switch per 100 000 steps at
    the default pulse rate, so check ``count`` and ``std``, and pass a longer
    run if the average is noisy.

    Parameters
    ----------
    run : TestRun
    from_state, to_state : array_like of shape (n_bits,)
        Output states (entries ±1) before and after the switch.
    pre, post : int
        Steps kept before and after the pulse; each in ``[0, 10 000]``.
    delay : int, optional
        Output delay; defaults to ``run.task.delay``. Checked against the inputs.
    isolated : bool
        Average only instances with no other pulse inside the window.
    n_pcs : int
        Components of the PCA of the mean, clipped to ``min(T, N)``; >= 1.

    Returns
    -------
    TriggeredAverage

    Raises
    ------
    ValueError
        If no instance qualifies, or ``delay`` does not match the run's pulses.
    """
    if not isinstance(run, TestRun):
        raise TypeError(f"run must be a TestRun, got {type(run).__name__}")
    pre = check_int("pre", pre, minimum=0, maximum=10_000)
    post = check_int("post", post, minimum=0, maximum=10_000)
    delay = run.task.delay if delay is None else check_int("delay", delay, minimum=0, maximum=10_000)
    n_pcs = check_int("n_pcs", n_pcs, minimum=1)
    _check_bool("isolated", isolated)
    switches = transition_times(run.targets, from_state, to_state)
    a = np.asarray(from_state, dtype=np.float32)
    b = np.asarray(to_state, dtype=np.float32)

    pulses = switches - delay
    changed = a != b
    if pulses.size and (np.any(pulses < 0) or not np.all(run.inputs[np.maximum(pulses, 0)][:, changed] == b[changed])):
        raise ValueError(f"delay={delay} does not match the run: the inputs hold no pulse at switch time - delay")
    n_time = run.n_time
    pulses = pulses[(pulses - pre >= 0) & (pulses + post < n_time)]
    if pulses.size == 0:
        raise ValueError(f"no {tuple(a.astype(int))} -> {tuple(b.astype(int))} switch fits a window; use a longer run")

    lags = np.arange(-pre, post + 1)
    idx = pulses[:, None] + lags[None, :]
    # Pulses per window from a cumulative sum, so the cost does not grow with the window.
    cum = np.concatenate([[0], np.cumsum(np.count_nonzero(run.inputs, axis=1))])
    others = cum[pulses + post + 1] - cum[pulses - pre] - int(changed.sum())
    lonely = others == 0
    keep = pulses[lonely] if isolated else pulses
    if keep.size == 0:
        raise ValueError("no isolated instance found; use a longer run or isolated=False")
    windows = run.states_txn[idx[lonely] if isolated else idx]
    mean = windows.mean(axis=0)
    std = windows.std(axis=0, ddof=1) if keep.size > 1 else np.full_like(mean, np.nan)
    pca = fit_pca(mean, min(n_pcs, *mean.shape))
    proj = pca.transform(windows)
    std_pc = proj.std(axis=0, ddof=1) if keep.size > 1 else np.full(proj.shape[1:], np.nan)
    return TriggeredAverage(
        from_state=tuple(int(v) for v in a),
        to_state=tuple(int(v) for v in b),
        delay=delay,
        pre=pre,
        post=post,
        lags=_frozen(lags),
        pulse_times=_frozen(keep),
        n_transitions=int(pulses.size),
        n_isolated=int(lonely.sum()),
        count=int(keep.size),
        windows=_frozen(windows),
        mean=_frozen(mean),
        std=_frozen(std),
        pca=pca,
        mean_pc=_frozen(pca.transform(mean)),
        std_pc=_frozen(std_pc),
    )


# --------------------------------------------------------------------------- spectra


def init_bulk_radius(n: int, half_width: float | None = None) -> float:
    """Circular-law radius of an n x n matrix with i.i.d. uniform(-a, a) entries.

    The eigenvalues of such a matrix fill a disc of radius sqrt(n var) with
    var = a² / 3. With the paper's a = 1/√n this is 1/√3 ≈ 0.577 for any n.

    Parameters
    ----------
    n : int
        Matrix size, >= 1.
    half_width : float, optional
        ``a``; defaults to the paper's 1/√n.
    """
    n = check_int("n", n, minimum=1)
    a = 1 / np.sqrt(n) if half_width is None else check_float("half_width", half_width, minimum=0.0, strict_min=True)
    return float(np.sqrt(n * a**2 / 3))


@dataclass(frozen=True, eq=False)
class SpectrumSummary:
    """Eigenvalues of a recurrent matrix, split into bulk, real outliers and rotations.

    Attributes
    ----------
    eigvals : ndarray of shape (N,), complex
        Sorted by decreasing modulus (ties: larger real part, then larger imaginary part).
    n_unstable : int
        Eigenvalues with |λ| > 1 + ``margin``, as ``FixedPointResult.n_unstable``
        counts them (the origin's Jacobian is W).
    n_unstable_naive : int
        Eigenvalues with |λ| > 1, as ``FixedPointResult.n_unstable_naive``.
    margin : float
    bulk_radius : float
        Radius of the random bulk used for the split.
    bulk_radius_empirical : float
        √2 · median |λ|: for eigenvalues uniform in a disc the median modulus
        is R/√2, so this estimates the bulk from the matrix itself (a few
        outliers bias it slightly upwards). Reported for comparison only.
    outlier_radius : float
        ``edge_factor * bulk_radius``; eigenvalues beyond it are outliers.
    real_outliers : ndarray of shape (r,), complex
        Outliers with rotation angle θ = |arg λ| below ``min_angle`` (or
        within ``min_angle`` of π): on or near the real axis.
    rotation_eigvals : ndarray of shape (m,), complex
        One member (Im > 0) of each outlying complex pair with θ >= ``min_angle``.
    rotation_angles : ndarray of shape (m,)
        θ in radians, in ``[min_angle, π - min_angle]``.
    rotation_periods : ndarray of shape (m,)
        2π/θ: steps per turn of the corresponding rotation.
    """

    eigvals: np.ndarray
    n_unstable: int
    n_unstable_naive: int
    margin: float
    bulk_radius: float
    bulk_radius_empirical: float
    outlier_radius: float
    real_outliers: np.ndarray
    rotation_eigvals: np.ndarray
    rotation_angles: np.ndarray
    rotation_periods: np.ndarray


@validate_params(
    {
        "matrix_or_eigvals": Array((1, 2), nonempty=True, kinds="fiubc"),
        "bulk_radius": Optional(Real(0.0, strict_min=True)),
        "edge_factor": Real(1.0),
        "min_angle": Real(0.0, np.pi / 2, strict_min=True),
        "margin": Real(0.0),
    }
)
def spectrum_summary(
    matrix_or_eigvals,
    *,
    bulk_radius: float | None = None,
    edge_factor: float = 1.25,
    min_angle: float = MIN_ANGLE,
    margin: float = DEFAULT_MARGIN,
) -> SpectrumSummary:
    """Summarise the eigenvalues of a recurrent weight matrix (paper Fig. 4).

    Parameters
    ----------
    matrix_or_eigvals : array_like of shape (N, N) real, or (N,) real or complex
        A square matrix, or its eigenvalues; finite, with N >= 1.
    bulk_radius : float, optional
        Radius of the random bulk. Defaults to :func:`init_bulk_radius` of N,
        the circular law of the paper's initial W (1/√3): training adds a
        low-rank structure to that W and leaves its bulk nearly in place.
    edge_factor : float
        Outliers lie beyond ``edge_factor * bulk_radius``; >= 1. A finite
        matrix overshoots its circular law: for uniform 100 x 100 matrices the
        largest |λ| exceeds 1.16 R in 1 % of draws and exceeded 1.23 R in
        none of 500, hence 1.25. The edge sharpens as N grows, so this is
        conservative for N >= 100 but not for much smaller N.
    min_angle : float
        Rotation angle (radians) in ``(0, π/2)`` separating near-real outliers
        from rotations. The default :data:`MIN_ANGLE` (0.1) is a period of ~63
        steps, longer than the mean interval between pulses, so slower modes
        act as memory rather than as a clock.
    margin : float
        For ``n_unstable``; >= 0. The default is the fixed-point analysis's
        :data:`rnnmem_helpers.analyses.fixed_points.DEFAULT_MARGIN` (0.01): a mode with
        |λ| = 1.01 needs ~100 steps to grow e-fold.

    Returns
    -------
    SpectrumSummary
    """
    arr = matrix_or_eigvals
    if arr.ndim == 2 and arr.dtype.kind == "c":
        raise TypeError("matrix_or_eigvals must be a real (N, N) matrix, or (N,) eigenvalues if complex")
    if arr.ndim == 2 and arr.shape[0] != arr.shape[1]:
        raise ValueError(f"matrix_or_eigvals must be a square (N, N) matrix or (N,) eigenvalues, got {arr.shape}")
    bulk = init_bulk_radius(arr.shape[0]) if bulk_radius is None else bulk_radius

    ev = np.linalg.eigvals(arr.astype(np.float64)) if arr.ndim == 2 else arr.astype(np.complex128)
    ev = np.asarray(ev, dtype=np.complex128)
    mod = np.abs(ev)
    ev = ev[np.lexsort((-ev.imag, -ev.real, -mod))]
    mod = np.abs(ev)
    theta = np.abs(np.angle(ev))
    outlier = mod > edge_factor * bulk
    near_real = (theta < min_angle) | (theta > np.pi - min_angle)
    rot = outlier & ~near_real & (ev.imag > 0)
    angles = theta[rot]
    return SpectrumSummary(
        eigvals=_frozen(ev),
        n_unstable=int(count_unstable(mod, margin)),
        n_unstable_naive=int(count_unstable(mod, 0.0)),
        margin=margin,
        bulk_radius=float(bulk),
        bulk_radius_empirical=float(np.sqrt(2) * np.median(mod)),
        outlier_radius=float(edge_factor * bulk),
        real_outliers=_frozen(ev[outlier & near_real]),
        rotation_eigvals=_frozen(ev[rot]),
        rotation_angles=_frozen(angles),
        rotation_periods=_frozen(2 * np.pi / angles),
    )
