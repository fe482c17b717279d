import itertools
import math

import numpy as np
import pytest
from scipy import stats

from rnnmem_helpers.analyses.stats import (
    linear_fit,
    linear_fit_or_none,
    proportion_ci,
    rank_association,
    wilson_ci,
)


def test_wilson_known_values():
    # Reference values from the closed form (Wilson 1927), e.g. 0/10 -> [0, 0.2775], 5/10 -> [0.2366, 0.7634].
    lo, hi = wilson_ci(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = wilson_ci(5, 10)
    assert (lo, hi) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    lo, hi = wilson_ci(10, 10)
    assert hi == pytest.approx(1.0) and lo == pytest.approx(0.7225, abs=1e-4)


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_wilson_matches_scipy(level):
    for n in (1, 7, 20):
        for k in range(n + 1):
            ref = stats.binomtest(k, n).proportion_ci(level, method="wilson")
            assert wilson_ci(k, n, level) == pytest.approx((ref.low, ref.high), abs=1e-12)


def test_wilson_coverage():
    rng = np.random.default_rng(0)
    p, n = 0.3, 20
    hits = sum(lo <= p <= hi for lo, hi in (wilson_ci(int(k), n) for k in rng.binomial(n, p, size=2000)))
    assert 0.92 < hits / 2000 < 0.98


def test_proportion_ci_counts_and_matches_scipy():
    hits = np.array([True, False, True, True, False, True, True])
    k, n, lo, hi = proportion_ci(hits, level=0.9)
    ref = stats.binomtest(5, 7).proportion_ci(0.9, method="wilson")
    assert (k, n) == (5, 7) and (lo, hi) == pytest.approx((ref.low, ref.high), abs=1e-12)
    assert proportion_ci([False, False]) == (0, 2, *wilson_ci(0, 2))
    assert proportion_ci([True]).high == 1.0


def test_proportion_ci_refuses_counts_and_empty_input():
    # A float or integer array would be summed, not counted: [0.4, 0.4] is not "0 of 2 runs".
    with pytest.raises(TypeError, match="^hits must be an array of booleans"):
        proportion_ci([0.4, 0.4])
    with pytest.raises(TypeError, match="^hits must be an array of booleans"):
        proportion_ci([2, 0])
    with pytest.raises(ValueError, match="^hits must not be empty"):
        proportion_ci([])


def test_linear_fit_recovers_slope():
    rng = np.random.default_rng(2)
    x = np.repeat(np.arange(10.0), 5)
    y = 2.0 * x + 1.0 + rng.normal(0, 0.5, size=x.size)
    fit = linear_fit(x, y)
    assert fit.slope_ci[0] < 2.0 < fit.slope_ci[1]
    assert fit.slope == pytest.approx(2.0, abs=0.1) and fit.intercept == pytest.approx(1.0, abs=0.4)
    assert fit.r2 > 0.98 and fit.n == 50
    exact = linear_fit([0, 1, 2], [1, 3, 5])
    assert exact.slope == pytest.approx(2.0) and exact.slope_se == pytest.approx(0.0, abs=1e-12)


def test_linear_fit_matches_the_closed_form():
    x, y = np.array([0.0, 1.0, 2.0, 4.0]), np.array([1.0, 2.0, 2.0, 5.0])
    fit = linear_fit(x, y, 0.9)
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    se = np.sqrt(resid @ resid / (x.size - 2) / np.sum((x - x.mean()) ** 2))
    t = stats.t.ppf(0.95, x.size - 2)
    assert (fit.slope, fit.intercept, fit.slope_se) == pytest.approx((slope, intercept, se), abs=1e-12)
    assert fit.slope_ci == pytest.approx((slope - t * se, slope + t * se), abs=1e-12)


def test_linear_fit_or_none():
    assert linear_fit_or_none([1.0, 2.0], [1.0, 2.0]) is None
    assert linear_fit_or_none([3, 3, 3], [1, 2, 3]) is None
    assert linear_fit_or_none([], []) is None
    x, y = [0, 1, 2, 4], [1.0, 2.0, 2.0, 5.0]
    assert linear_fit_or_none(x, y, 0.9) == linear_fit(x, y, 0.9)
    with pytest.raises(ValueError, match="^y must have shape"):
        linear_fit_or_none([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="^x must contain only finite"):
        linear_fit_or_none([1, np.nan, 3], [1, 2, 3])


@pytest.mark.parametrize("fn, args", [(wilson_ci, (1, 2)), (linear_fit, ([0, 1, 2], [0, 1, 3]))])
def test_a_level_of_one_is_refused(fn, args):
    # A 100 % interval is unbounded: linear_fit returned (-inf, inf) for the slope.
    with pytest.raises(ValueError, match="^level must be > 0.0 and < 1.0"):
        fn(*args, level=1.0)


# ----------------------------------------------------------------------------- Spearman


def _exact_permutation_p(x, y):
    """Two-sided p of Spearman's rho over every pairing, as permutation_test defines it."""
    observed = stats.spearmanr(x, y).statistic
    null = np.array([stats.spearmanr(x, np.array(p)).statistic for p in itertools.permutations(y)])
    eps = 1e-12  # the null takes few distinct values: count those equal to the observed one on both sides
    return min(1.0, 2 * min(np.mean(null <= observed + eps), np.mean(null >= observed - eps)))


@pytest.mark.parametrize(
    "y, n_perm",
    [
        (np.array([2.0, 1.0, 4.0, 3.0]), 9999),
        # (5!)² = 14 400 pairings of both samples: scipy enumerates them all when n_perm allows it.
        (np.array([2.0, 1.0, 5.0, 3.0, 3.0]), 14_400),
    ],
)
def test_rank_association_p_value_is_the_exact_permutation_p(y, n_perm):
    x = np.arange(1.0, y.size + 1)
    rho, lo, hi, p = rank_association(x, y, rng=0, n_perm=n_perm)
    assert rho == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert p == pytest.approx(_exact_permutation_p(x, y), abs=1e-12)
    assert lo <= rho <= hi


def test_rank_association_interval_is_the_percentile_bootstrap_over_pairs():
    rng = np.random.default_rng(7)
    x = rng.normal(size=14)
    y = x + rng.normal(size=14)
    _, lo, hi, _ = rank_association(x, y, rng=3, n_boot=500, level=0.9)
    # By hand: resample pairs with the indices a fresh generator of that seed draws, rho of each resample.
    idx = np.random.default_rng(3).integers(0, x.size, size=(500, x.size))
    boot = [stats.spearmanr(x[i], y[i]).statistic for i in idx]
    assert (lo, hi) == pytest.approx(tuple(np.percentile(boot, [5, 95])), abs=1e-12)


def test_rank_association_leaves_out_resamples_without_a_rho():
    # Among 4 pairs, 1 resample in 64 repeats one pair 4 times; a single such resample made the interval NaN.
    x, y = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 1.0, 4.0, 3.0])
    _, lo, hi, _ = rank_association(x, y, rng=5, n_boot=2000)
    idx = np.random.default_rng(5).integers(0, x.size, size=(2000, x.size))
    boot = [stats.spearmanr(x[i], y[i]).statistic for i in idx if np.ptp(x[i]) > 0 and np.ptp(y[i]) > 0]
    assert 1900 < len(boot) < 2000
    assert (lo, hi) == pytest.approx(tuple(np.percentile(boot, [2.5, 97.5])), abs=1e-12)


def test_rank_association_seeds_both_resamplers_alike():
    x, y = np.arange(10.0), np.array([3.0, 1, 2, 5, 4, 7, 6, 9, 8, 0])
    got = rank_association(x, y, rng=np.random.default_rng(9), n_boot=300, n_perm=400)
    boot = stats.bootstrap(
        (x, y),
        lambda a, b: stats.spearmanr(a, b).statistic,
        paired=True,
        vectorized=False,
        method="percentile",
        n_resamples=300,
        rng=9,
    ).confidence_interval
    perm = stats.permutation_test(
        (x, y), lambda a, b: stats.spearmanr(a, b).statistic, permutation_type="pairings", n_resamples=400, rng=9
    )
    assert got == pytest.approx((stats.spearmanr(x, y).statistic, boot.low, boot.high, perm.pvalue), abs=1e-12)
    assert got == rank_association(x, y, rng=9, n_boot=300, n_perm=400)


def test_rank_association_requires_rng_and_matching_pairs():
    with pytest.raises(TypeError, match="rng"):
        rank_association([1, 2, 3], [3, 2, 1])
    with pytest.raises(ValueError, match=r"^y must have shape \(3\), got \(2,\)"):
        rank_association([1, 2, 3], [3, 2], rng=0)
    with pytest.raises(ValueError, match="^x and y must hold at least 3 pairs"):
        rank_association([1, 2], [2, 1], rng=0)
    with pytest.raises(ValueError, match="^y must not be constant"):
        rank_association([1, 2, 3], [4, 4, 4], rng=0)


# ----------------------------------------------------------------------------- paired differences


def _sign_test_p(k, m):
    """Two-sided exact sign test: twice the smaller binomial(m, 1/2) tail, at most 1."""
    tail = sum(math.comb(m, i) for i in range(min(k, m - k) + 1)) / 2**m
    return min(1.0, 2 * tail)


def _wilcoxon_exact_p(d):
    """Two-sided exact signed-rank p by enumerating every sign pattern (no ties, no zeros)."""
    ranks = stats.rankdata(np.abs(d))
    observed = ranks[d > 0].sum()
    null = np.array([ranks[list(s)].sum() for s in itertools.product([False, True], repeat=d.size)])
    return min(1.0, 2 * min(np.mean(null <= observed), np.mean(null >= observed)))




def test_bad_inputs():
    with pytest.raises(ValueError, match="k"):
        wilson_ci(11, 10)
    with pytest.raises(ValueError, match="n"):
        wilson_ci(0, 0)
    with pytest.raises(ValueError, match="constant"):
        linear_fit([1, 1, 1], [1, 2, 3])
    with pytest.raises(ValueError, match="y"):
        linear_fit([1, 2, 3], [1, 2])


def test_finite_median_interval_leaves_out_nan_and_is_none_without_values():
    from rnnmem_helpers.analyses.stats import finite_median_interval, median_interval

    iv = finite_median_interval([3.0, np.nan, 1.0, 2.0, np.inf, 5.0, 4.0])
    assert iv == median_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    assert (iv.estimate, iv.low, iv.high, iv.n) == (3.0, 1.0, 5.0, 5)
    assert finite_median_interval([np.nan, np.nan]) is None
    with pytest.raises(ValueError, match="one-dimensional"):
        finite_median_interval([[1.0, 2.0]])
