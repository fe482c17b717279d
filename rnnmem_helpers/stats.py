"""Confidence intervals, tests and fits for results over seeds.

Every interval is computed, never assumed: Wilson intervals for proportions
(e.g. the fraction of seeds with the 8/12/6/1 topology), percentile bootstrap
intervals for medians and means, ordinary least squares with standard errors
for the delay-rotation relation, Spearman's rank correlation with a bootstrap
interval and a permutation p-value, and paired differences between two arms
of an experiment run on the same seeds.

Randomness enters only through a keyword-only ``rng`` (an int seed or an
``np.random.Generator``), which every resampling function requires: a default
seed would hand every call the same stream without the caller noticing.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import stats as _st

from ._validate import RNG, Array, Integer, Real, check_int, check_shape, validate_params


class _Level(Real):
    """A confidence level strictly between 0 and 1 (a 100 % interval is unbounded)."""

    def __init__(self):
        super().__init__(0.0, 1.0, strict_min=True)

    def _bounds(self) -> str:
        return "> 0.0 and < 1.0"

    def _check(self, name, value, allowed):
        value = super()._check(name, value, allowed)
        if value >= 1.0:
            raise ValueError(f"{name} must be {self._bounds()}, got {value}")
        return value

    def invalid_examples(self):
        return [*super().invalid_examples(), (1.0, ValueError)]


@validate_params({"k": Integer(0), "n": Integer(1), "level": _Level()})
def wilson_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``k / n``.

    Parameters
    ----------
    k, n : int
        Successes and trials, ``0 <= k <= n``, ``n >= 1``.
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    low, high : float
    """
    k = check_int("k", k, minimum=0, maximum=n)
    z = _st.norm.ppf(0.5 + level / 2)
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


class ProportionCI(NamedTuple):
    """Count of hits among ``n`` with the Wilson interval of the fraction ``k / n``."""

    k: int
    n: int
    low: float
    high: float


@validate_params({"hits": Array(1, nonempty=True), "level": _Level()})
def proportion_ci(hits, *, level: float = 0.95) -> ProportionCI:
    """How many entries are True, out of how many, with the Wilson interval of the fraction.

    Parameters
    ----------
    hits : array_like of bool, shape (n,)
        One flag per run, n >= 1.
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    ProportionCI
        ``(k, n, low, high)``; unpacks like a tuple.
    """
    if hits.dtype != np.bool_:
        # Counting the entries of an integer or float array would sum them instead.
        raise TypeError(f"hits must be an array of booleans, got dtype {hits.dtype}")
    k, n = int(np.sum(hits)), len(hits)
    return ProportionCI(k, n, *wilson_ci(k, n, level))


@validate_params({"values": Array(1), "level": _Level(), "n_boot": Integer(100), "rng": RNG()})
def bootstrap_ci(values, statistic=np.median, *, level: float = 0.95, n_boot: int = 4000, rng):
    """Percentile bootstrap interval of ``statistic`` over a sample.

    Equals the percentile interval of :func:`scipy.stats.bootstrap` with the
    same seed and number of resamples.

    Parameters
    ----------
    values : array_like of shape (n,)
        At least 2 finite values.
    statistic : callable
        Maps an array of shape (n_boot, n) along ``axis=1`` to (n_boot,); numpy's
        ``median`` and ``mean`` do.
    level : float
        In (0, 1).
    n_boot : int
        Resamples, >= 100.
    rng : np.random.Generator or int
        Required, keyword-only: an int >= 0 seeds a new generator (the same int
        gives the same interval), a Generator is drawn from and advanced.

    Returns
    -------
    estimate, low, high : float
    """
    x = values.astype(np.float64)
    if x.size < 2:
        raise ValueError(f"values must hold at least 2 entries, got {x.size}")
    if not callable(statistic):
        raise TypeError(f"statistic must be a callable such as np.median, got {type(statistic).__name__}")
    resamples = x[rng.integers(0, x.size, size=(n_boot, x.size))]
    boot = statistic(resamples, axis=1)
    low, high = np.quantile(boot, [0.5 - level / 2, 0.5 + level / 2])
    return float(statistic(x)), float(low), float(high)


@dataclass(frozen=True)
class LinearFit:
    """y ≈ slope · x + intercept by ordinary least squares.

    Attributes
    ----------
    slope, intercept : float
    slope_se, intercept_se : float
        Standard errors from the residual variance.
    slope_ci : tuple of float
        Confidence interval of the slope (Student t, n − 2 degrees of freedom).
    r2 : float
    n : int
    """

    slope: float
    intercept: float
    slope_se: float
    intercept_se: float
    slope_ci: tuple
    r2: float
    n: int


@validate_params({"x": Array(1), "y": Array(1), "level": _Level()})
def linear_fit(x, y, level: float = 0.95) -> LinearFit:
    """Least-squares line through (x, y) with the uncertainty of its slope.

    Parameters
    ----------
    x, y : array_like of shape (n,)
        n >= 3 finite points, x not all equal.
    level : float
        Confidence level of ``slope_ci``, in (0, 1).

    Returns
    -------
    LinearFit
    """
    x, y = x.astype(np.float64), y.astype(np.float64)
    check_shape("y", y, x.shape)
    if x.size < 3:
        raise ValueError(f"x and y must hold at least 3 points, got {x.size}")
    if np.ptp(x) == 0:
        raise ValueError("x must not be constant")
    res = _st.linregress(x, y)
    t = _st.t.ppf(0.5 + level / 2, x.size - 2)
    return LinearFit(
        slope=float(res.slope),
        intercept=float(res.intercept),
        slope_se=float(res.stderr),
        intercept_se=float(res.intercept_stderr),
        slope_ci=(float(res.slope - t * res.stderr), float(res.slope + t * res.stderr)),
        r2=float(res.rvalue**2),
        n=int(x.size),
    )


@validate_params({"x": Array(1), "y": Array(1), "level": _Level()})
def linear_fit_or_none(x, y, level: float = 0.95) -> LinearFit | None:
    """:func:`linear_fit` where a line is defined, else None.

    For tables that fill up as a sweep runs, where a group may not yet have
    enough distinct points.

    Parameters
    ----------
    x, y : array_like of shape (n,)
        Finite values, any n >= 0.
    level : float
        Confidence level of ``slope_ci``, in (0, 1).

    Returns
    -------
    LinearFit or None
        None if there are fewer than 3 points or x is constant.
    """
    check_shape("y", y, x.shape)
    if x.size < 3 or np.ptp(x) == 0:
        return None
    return linear_fit(x, y, level)


def _spearman(x, y, axis=-1):
    # Pearson correlation of the ranks, vectorised along `axis` for scipy's resamplers (which pass
    # thousands of resamples at once); a constant resample has no ranks to correlate and gives NaN.
    rx, ry = _st.rankdata(x, axis=axis), _st.rankdata(y, axis=axis)
    rx, ry = rx - rx.mean(axis, keepdims=True), ry - ry.mean(axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rx * ry).sum(axis) / np.sqrt((rx**2).sum(axis) * (ry**2).sum(axis))


@validate_params({"x": Array(min_ndim=1), "y": Array(min_ndim=1), "axis": Integer()})
def spearman(x, y, axis: int = -1):
    """Spearman's rank correlation ρ along one axis (ties get their average rank).

    Equals ``scipy.stats.spearmanr(x, y).statistic`` for 1-D input, and works
    on stacks of samples at once.

    Parameters
    ----------
    x, y : array_like of shape (..., n, ...)
        Same shape, at least 2 entries along ``axis``.
    axis : int
        The axis holding the paired observations.

    Returns
    -------
    float or ndarray of shape x.shape without ``axis``
        NaN where x or y is constant along ``axis``.
    """
    check_shape("y", y, x.shape)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis must be in [{-x.ndim}, {x.ndim - 1}] for x of shape {x.shape}, got {axis}")
    if x.shape[axis] < 2:
        raise ValueError(f"x and y must hold at least 2 entries along axis {axis}, got shape {x.shape}")
    return _spearman(x, y, axis)


class RankAssociation(NamedTuple):
    """Spearman's ρ with a percentile bootstrap interval and a permutation p-value."""

    rho: float
    low: float
    high: float
    pvalue: float


@validate_params(
    {
        "x": Array(1),
        "y": Array(1),
        "rng": RNG(),
        "n_boot": Integer(100),
        "n_perm": Integer(100),
        "level": _Level(),
    }
)
def rank_association(x, y, *, rng, n_boot: int = 4000, n_perm: int = 9999, level: float = 0.95) -> RankAssociation:
    """Spearman's ρ of paired samples with its uncertainty.

    The interval is the percentile bootstrap of :func:`scipy.stats.bootstrap`
    over pairs, leaving out the resamples in which x or y is constant (they
    have no ρ; with small or heavily tied samples a few occur, and any one of
    them would make scipy's interval NaN). The p-value is two-sided, from
    :func:`scipy.stats.permutation_test` over the pairings of both samples
    (exact when ``(n!)²`` <= ``n_perm``).

    Parameters
    ----------
    x, y : array_like of shape (n,)
        Paired observations, n >= 3, neither of them constant.
    rng : np.random.Generator or int
        Required, keyword-only. Both resamplers start from its current state,
        so the interval and the p-value each equal a standalone scipy call
        with that seed; a Generator is advanced past the bootstrap's draws.
    n_boot, n_perm : int
        Bootstrap resamples and permutations, >= 100 each.
    level : float
        Confidence level of the interval, in (0, 1).

    Returns
    -------
    RankAssociation
        ``(rho, low, high, pvalue)``; unpacks like a tuple.
    """
    check_shape("y", y, x.shape)
    if x.size < 3:
        raise ValueError(f"x and y must hold at least 3 pairs, got {x.size}")
    for name, values in (("x", x), ("y", y)):
        if np.ptp(values) == 0:
            raise ValueError(f"{name} must not be constant: it has no ranks to correlate")
    twin = copy.deepcopy(rng)
    with warnings.catch_warnings():
        # scipy warns that the interval is NaN when a resample is degenerate; those are dropped below.
        warnings.simplefilter("ignore", _st.DegenerateDataWarning)
        boot = _st.bootstrap(
            (x, y), _spearman, paired=True, vectorized=True, method="percentile", n_resamples=n_boot, rng=rng
        ).bootstrap_distribution
    boot = boot[~np.isnan(boot)]
    # scipy's own level arithmetic and quantile (np.quantile interpolates differently in the last bit),
    # so that without degenerate resamples this is scipy's interval bit for bit.
    alpha = (1 - level) / 2
    low, high = _st.quantile(boot, np.array([alpha, 1 - alpha])) if boot.size else (np.nan, np.nan)
    perm = _st.permutation_test(
        (x, y), _spearman, permutation_type="pairings", vectorized=True, n_resamples=n_perm, rng=twin
    )
    return RankAssociation(_spearman(x, y), float(low), float(high), perm.pvalue)


@dataclass(frozen=True)
class PairedDifference:
    """Differences ``a − b`` between two arms run on the same seeds.

    Attributes
    ----------
    n : int
        Number of pairs.
    lower, higher, tied : int
        Pairs with ``a < b``, ``a > b`` and ``a == b``.
    median, lo, hi : float
        Median difference and its percentile bootstrap interval.
    sign_p : float
        Two-sided exact sign test (binomial, p = ½) over the untied pairs; NaN if all are tied.
    wilcoxon_p : float
        Two-sided Wilcoxon signed-rank test over the untied pairs; NaN if all are tied.
    """

    n: int
    lower: int
    higher: int
    tied: int
    median: float
    lo: float
    hi: float
    sign_p: float
    wilcoxon_p: float


@validate_params({"a": Array(1), "b": Array(1), "rng": RNG(), "n_boot": Integer(100), "level": _Level()})
def paired_difference(a, b, *, rng, n_boot: int = 4000, level: float = 0.95) -> PairedDifference:
    """Median of the paired differences ``a − b`` with a bootstrap interval, sign and Wilcoxon tests.

    Parameters
    ----------
    a, b : array_like of shape (n,)
        The two arms, entry i of each from seed i; n >= 2.
    rng : np.random.Generator or int
        Required, keyword-only: seeds the bootstrap of the median, as in
        :func:`bootstrap_ci` (same seed, same interval).
    n_boot : int
        Bootstrap resamples, >= 100.
    level : float
        Confidence level of the interval, in (0, 1).

    Returns
    -------
    PairedDifference
    """
    check_shape("b", b, a.shape)
    if a.size < 2:
        raise ValueError(f"a and b must hold at least 2 pairs, got {a.size}")
    # float64 holds every integer step count exactly, and bool arrays cannot be subtracted.
    diff = a.astype(np.float64) - b.astype(np.float64)
    untied = diff[diff != 0]
    med, lo, hi = bootstrap_ci(diff, np.median, level=level, n_boot=n_boot, rng=rng)
    sign_p = _st.binomtest(int(np.sum(untied < 0)), len(untied)).pvalue if len(untied) else np.nan
    wilcoxon_p = _st.wilcoxon(untied).pvalue if len(untied) else np.nan
    return PairedDifference(
        n=int(diff.size),
        lower=int(np.sum(diff < 0)),
        higher=int(np.sum(diff > 0)),
        tied=int(np.sum(diff == 0)),
        median=med,
        lo=lo,
        hi=hi,
        sign_p=float(sign_p),
        wilcoxon_p=float(wilcoxon_p),
    )
