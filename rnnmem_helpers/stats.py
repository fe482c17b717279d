"""Confidence intervals and fits for results over seeds.

Every interval is computed, never assumed: Wilson intervals for proportions
(e.g. the fraction of seeds with the 8/12/6/1 topology), percentile bootstrap
intervals for medians and means, and ordinary least squares with standard
errors for the delay-rotation relation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

from ._validate import as_generator, check_array, check_float, check_int


def wilson_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``k / n``.

    Parameters
    ----------
    k, n : int
        Successes and trials, ``0 <= k <= n``, ``n >= 1``.
    level : float
        Confidence level in (0, 1).
    """
    n = check_int("n", n, minimum=1)
    k = check_int("k", k, minimum=0, maximum=n)
    level = check_float("level", level, minimum=0.0, maximum=1.0, strict_min=True)
    if level >= 1.0:
        raise ValueError(f"level must be < 1, got {level}")
    z = _st.norm.ppf(0.5 + level / 2)
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def bootstrap_ci(values, statistic=np.median, *, level: float = 0.95, n_boot: int = 4000, rng=0):
    """Percentile bootstrap interval of ``statistic`` over a sample.

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

    Returns
    -------
    estimate, low, high : float
    """
    x = check_array("values", values, ndim=1).astype(np.float64)
    if x.size < 2:
        raise ValueError(f"values must hold at least 2 entries, got {x.size}")
    level = check_float("level", level, minimum=0.0, maximum=1.0, strict_min=True)
    n_boot = check_int("n_boot", n_boot, minimum=100)
    rng = as_generator("rng", rng)
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


def linear_fit(x, y, level: float = 0.95) -> LinearFit:
    """Least-squares line through (x, y) with the uncertainty of its slope.

    Parameters
    ----------
    x, y : array_like of shape (n,)
        n >= 3 points, x not all equal.
    level : float
        Confidence level of ``slope_ci``, in (0, 1).
    """
    x = check_array("x", x, ndim=1).astype(np.float64)
    y = check_array("y", y, ndim=1, shape=x.shape).astype(np.float64)
    if x.size < 3:
        raise ValueError(f"x and y must hold at least 3 points, got {x.size}")
    if np.ptp(x) == 0:
        raise ValueError("x must not be constant")
    level = check_float("level", level, minimum=0.0, maximum=1.0, strict_min=True)
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
