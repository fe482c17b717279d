import numpy as np
import pytest

from rnnmem_helpers.stats import bootstrap_ci, linear_fit, wilson_ci


def test_wilson_known_values():
    # Reference values from the closed form (Wilson 1927), e.g. 0/10 -> [0, 0.2775], 5/10 -> [0.2366, 0.7634].
    lo, hi = wilson_ci(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = wilson_ci(5, 10)
    assert (lo, hi) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    lo, hi = wilson_ci(10, 10)
    assert hi == pytest.approx(1.0) and lo == pytest.approx(0.7225, abs=1e-4)


def test_wilson_coverage():
    rng = np.random.default_rng(0)
    p, n = 0.3, 20
    hits = sum(lo <= p <= hi for lo, hi in (wilson_ci(int(k), n) for k in rng.binomial(n, p, size=2000)))
    assert 0.92 < hits / 2000 < 0.98


def test_bootstrap_median_interval_covers_and_is_seeded():
    rng = np.random.default_rng(1)
    covered = 0
    for i in range(200):
        x = rng.normal(5.0, 1.0, size=30)
        est, lo, hi = bootstrap_ci(x, np.mean, n_boot=500, rng=i)
        covered += lo <= 5.0 <= hi
        assert lo <= est <= hi
    assert 0.88 < covered / 200 < 0.99
    x = rng.normal(size=10)
    assert bootstrap_ci(x, rng=3) == bootstrap_ci(x, rng=3)


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


def test_bad_inputs():
    with pytest.raises(ValueError, match="k"):
        wilson_ci(11, 10)
    with pytest.raises(ValueError, match="n"):
        wilson_ci(0, 0)
    with pytest.raises(ValueError, match="level"):
        wilson_ci(1, 2, level=1.0)
    with pytest.raises(ValueError, match="values"):
        bootstrap_ci([1.0])
    with pytest.raises(ValueError, match="values"):
        bootstrap_ci([1.0, np.nan])
    with pytest.raises(ValueError, match="constant"):
        linear_fit([1, 1, 1], [1, 2, 3])
    with pytest.raises(ValueError, match="y"):
        linear_fit([1, 2, 3], [1, 2])
