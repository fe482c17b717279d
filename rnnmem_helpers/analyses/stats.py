"""Confidence intervals, tests and fits for results over seeds.

Every interval is computed, never assumed: Wilson intervals for proportions
(e.g. the fraction of seeds with the 8/12/6/1 topology), exact,
distribution-free order-statistic intervals for medians with their real
coverage (:func:`median_interval`, an :class:`Interval`; a percentile
bootstrap of a median covers far less than its nominal level at the n = 3-5
seeds of a sweep's group), ordinary least squares with standard errors for the
delay-rotation relation, and Spearman's rank correlation with a bootstrap
interval and a permutation p-value.

Randomness enters only through a keyword-only ``rng`` (an int seed or an
``np.random.Generator``), which every resampling function requires: a default
seed would hand every call the same stream without the caller noticing.
"""

from __future__ import annotations

import copy
import math
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import stats as _st

from ..core._validate import RNG, Array, Integer, Optional, Real, check_int, check_shape, validate_params


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


def format_percent(x: float) -> str:
    """A fraction as a percentage in the book's style, e.g. ``"24 %"`` or ``"93.75 %"``."""
    return f"{100 * x:.4g} %" if abs(100 * x - round(100 * x)) > 1e-9 else f"{100 * x:.0f} %"


@dataclass(frozen=True)
class Interval:
    """An estimate with an interval and the interval's real coverage.

    Attributes
    ----------
    estimate, low, high : float
        ``high`` is ``inf`` when the upper end is a censored value (known only
        to lie above it).
    coverage : float
        The interval's actual coverage probability (exact for order-statistic
        intervals of a continuous variable, at least this for discrete data;
        the nominal level for Wilson intervals; a lower bound for exact
        binomial ones).
    method : str
        ``"order statistics"``, ``"wilson"`` or ``"exact binomial"``.
    n : int
    bound : bool
        True when ``estimate`` is only a lower bound (censored values decide it).
    """

    estimate: float
    low: float
    high: float
    coverage: float
    method: str
    n: int
    bound: bool = False

    @property
    def coverage_label(self) -> str:
        """E.g. ``"75 % order-statistic interval"`` or ``"≥ 95 % exact binomial interval"``."""
        prefix = "≥ " if self.method == "exact binomial" else ""
        kind = {"order statistics": "order-statistic", "wilson": "Wilson"}.get(self.method, self.method)
        return f"{prefix}{format_percent(self.coverage)} {kind} interval"

    def text(self, fmt: str = ".3g") -> str:
        """E.g. ``"1000 (75 % order-statistic interval 750 to 1000)"``."""
        high = "above the budget" if math.isinf(self.high) else format(self.high, fmt)
        est = ("≥ " if self.bound else "") + format(self.estimate, fmt)
        return f"{est} ({self.coverage_label} {format(self.low, fmt)} to {high})"


@validate_params({"n": Integer(1), "rank": Integer(1)})
def order_statistic_coverage(n: int, rank: int) -> float:
    """Coverage of [X₍rank₎, X₍n+1−rank₎] for the median of a continuous distribution.

    The true median lies below X₍j₎ exactly when fewer than j observations lie
    below it, a Binomial(n, ½) event, so the coverage is
    ``1 − 2 · P(Bin(n, ½) <= rank − 1)``, whatever the distribution.

    Parameters
    ----------
    n : int
        Sample size, >= 1.
    rank : int
        In ``[1, (n + 1) // 2]``.
    """
    if not 1 <= rank <= (n + 1) // 2:
        raise ValueError(f"rank must be in [1, {(n + 1) // 2}] for n = {n}, got {rank}")
    return float(1.0 - 2.0 * _st.binom.cdf(rank - 1, n, 0.5))


@validate_params(
    {"values": Array(1, nonempty=True, dtype=np.float64), "level": _Level(), "censored": Optional(Array(1))}
)
def median_interval(values, level: float = 0.95, *, censored=None) -> Interval:
    """The median with the exact, distribution-free order-statistic interval and its real coverage.

    The interval is [X₍j₎, X₍n+1−j₎] with the largest j whose coverage
    (:func:`order_statistic_coverage`) reaches ``level``; when even [min, max]
    falls short, it is [min, max] with its own, lower coverage (75 % at n = 3,
    93.75 % at n = 5), and the label says so. Coverage is exact for a
    continuous variable and at least that for a discrete one (ties).

    Parameters
    ----------
    values : sequence of float
        At least one finite value.
    level : float
        The coverage sought, in (0, 1).
    censored : sequence of bool, optional
        True where a value is right-censored (the run stopped at its budget:
        the true value is at least the one given). A censored upper end makes
        ``high`` infinite; a censored value at the median makes ``estimate`` a
        lower bound (``bound=True``). The lower end stays valid (conservative).

    Returns
    -------
    Interval
        ``method="order statistics"``.
    """
    x = values
    flags = np.zeros(x.size, dtype=bool) if censored is None else censored.astype(bool)
    if flags.shape != x.shape:
        raise ValueError(f"censored must have shape {x.shape} to match values, got {flags.shape}")
    # Censored values sort after uncensored ties: their true value lies above.
    order = np.lexsort((flags, x))
    x, flags = x[order], flags[order]
    n = x.size
    rank = 1
    for j in range((n + 1) // 2, 0, -1):
        if order_statistic_coverage(n, j) >= level:
            rank = j
            break
    coverage = order_statistic_coverage(n, rank)
    low, high = x[rank - 1], x[n - rank]
    if flags[n - rank]:
        high = math.inf
    middle = [(n - 1) // 2, n // 2]
    estimate = float(np.median(x))
    return Interval(estimate, float(low), float(high), coverage, "order statistics", n, bool(flags[middle].any()))


def finite_median_interval(values, level: float = 0.95) -> Interval | None:
    """:func:`median_interval` of the finite values only; None if there is none.

    NaN marks a network without the quantity (no rotation pair, no isolated
    switch, ...): such a network is left out, not counted as a value.

    Parameters
    ----------
    values : sequence of float
    level : float
        The coverage sought, in (0, 1).

    Returns
    -------
    Interval or None
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"values must be one-dimensional, got shape {x.shape}")
    x = x[np.isfinite(x)]
    return median_interval(x, level) if x.size else None
