"""Tests of rnnmem_helpers.chapters.size_confound against systems with known answers."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import optimize, special, stats  # noqa: E402

from rnnmem_helpers.analyses.stats import wilson_ci  # noqa: E402
from rnnmem_helpers.chapters import size_confound as sc  # noqa: E402

LRS = (2.5e-4, 5e-4, 1e-3)
SIZES = (50, 100, 200)
DELAYS = (8, 10, 12, 16)
# True coefficients of the simulations, on the module's centred covariates (Δt − 11.5, log2 N/100, log2 lr/5e-4).
TRUE = {"intercept": 0.8, "delay": -0.6, "log2_n": 0.5, "log2_lr": -0.4, "log2_n:log2_lr": 0.0}


def grid(seeds: int, lrs=LRS, sizes=SIZES, delays=DELAYS) -> dict:
    """A run table's design columns: every (lr, N, Δt) crossed with ``seeds`` seeds."""
    g = np.array(np.meshgrid(lrs, sizes, delays, np.arange(seeds), indexing="ij")).reshape(4, -1)
    return {"lr": g[0], "n_hidden": g[1].astype(np.int64), "delay": g[2].astype(np.int64), "seed": g[3].astype(int)}


def logit(table, coef=TRUE) -> np.ndarray:
    d = table["delay"] - np.mean(np.unique(table["delay"]))
    n = np.log2(table["n_hidden"]) - np.mean(np.log2(np.unique(table["n_hidden"])))
    r = np.log2(table["lr"]) - np.mean(np.log2(np.unique(table["lr"])))
    return (
        coef["intercept"]
        + coef["delay"] * d
        + coef["log2_n"] * n
        + coef["log2_lr"] * r
        + coef["log2_n:log2_lr"] * n * r
    )


def simulate(seeds: int, *, rng, coef=TRUE, budget: int = 8000, **design) -> dict:
    """Runs converging with the logistic model's probability, at a uniform update within the budget if they do."""
    table = grid(seeds, **design)
    conv = rng.random(table["lr"].size) < special.expit(logit(table, coef))
    table["converged"] = conv
    table["steps"] = np.where(conv, rng.integers(100, budget, conv.size), budget)
    table["max_steps"] = np.full(conv.size, budget)
    return table


# ============================================================================= Firth's penalised likelihood


def test_firth_intercept_only_is_the_proportion_with_half_a_success_added():
    # For a single proportion Firth's estimate is logit((k + ½) / (n + 1)), finite even at k = 0.
    for k, n in ((0, 8), (3, 8), (8, 8)):
        y = np.arange(n) < k
        fit = sc._fit(np.ones((n, 1)), y)
        assert fit.beta[0] == pytest.approx(special.logit((k + 0.5) / (n + 1)), abs=1e-6)


def test_firth_two_by_two_table_adds_half_to_each_cell():
    # A saturated 2 × 2 table: the log odds ratio is that of the counts with ½ added to every cell.
    a, b, c, d = 5, 0, 2, 7  # converged / not at x = 0; converged / not at x = 1
    x = np.repeat([0.0, 0.0, 1.0, 1.0], [a, b, c, d])
    y = np.repeat([True, False, True, False], [a, b, c, d])
    fit = sc._fit(np.column_stack([np.ones_like(x), x]), y)
    expected = math.log((c + 0.5) / (d + 0.5)) - math.log((a + 0.5) / (b + 0.5))
    assert fit.beta[1] == pytest.approx(expected, abs=1e-6)


def test_profile_interval_of_a_proportion_matches_its_penalised_likelihood():
    # Intercept only: l*(p) = (k + ½) log p + (n − k + ½) log(1 − p) + const, so the ends solve a 1-D equation.
    k, n, level = 2, 10, 0.9
    y = np.arange(n) < k
    X = np.ones((n, 1))
    fit = sc._fit(X, y)
    low, high = sc._profile_interval(X, y, fit, 0, level)

    def drop(b):
        lp = lambda t: (k + 0.5) * np.log(special.expit(t)) + (n - k + 0.5) * np.log(special.expit(-t))  # noqa: E731
        return 2 * (lp(fit.beta[0]) - lp(b)) - stats.chi2.ppf(level, 1)

    assert low == pytest.approx(optimize.brentq(drop, -20, fit.beta[0]), abs=1e-7)
    assert high == pytest.approx(optimize.brentq(drop, fit.beta[0], 20), abs=1e-7)


def test_gradient_and_curvature_are_those_of_the_penalised_likelihood():
    table = simulate(2, rng=np.random.default_rng(1))
    runs = sc._check_runs(table)
    X, y = sc._design(runs, sc._centre(runs), True), runs.converged
    beta = np.array([0.3, -0.5, 0.8, -0.2, 0.4])
    _, p, w, info = sc._penalised(X, y, beta)
    score, curvature = sc._score_and_curvature(X, y, p, w, info)
    eps = 1e-5
    value = lambda b: sc._penalised(X, y, b)[0]  # noqa: E731
    grad = lambda b: sc._score_and_curvature(X, y, *sc._penalised(X, y, b)[1:])[0]  # noqa: E731
    for j in range(5):
        e = np.eye(5)[j] * eps
        assert score[j] == pytest.approx((value(beta + e) - value(beta - e)) / (2 * eps), abs=1e-6)
        np.testing.assert_allclose(-curvature[:, j], (grad(beta + e) - grad(beta - e)) / (2 * eps), atol=1e-6)


def test_coefficients_are_recovered_within_their_intervals_and_near_wald_in_a_large_sample():
    table = simulate(40, rng=np.random.default_rng(11))
    fit = sc.fit_convergence(table)
    assert fit.terms == sc.TERMS[:4] and fit.level == 0.95 and fit.interval_method == sc.INTERVAL_METHOD
    assert fit.centre == pytest.approx({"delay": 11.5, "n_hidden": 100.0, "lr": 5e-4})
    for name in fit.terms:
        est, low, high = fit.term(name)
        assert low < TRUE[name] < high, name
        assert low < est < high
    # With 1440 runs the profile interval is close to the Wald one (the likelihood is nearly quadratic).
    z = stats.norm.ppf(0.975)
    np.testing.assert_allclose(fit.low, fit.coef - z * fit.se, atol=0.15 * z * fit.se.max())
    np.testing.assert_allclose(fit.high, fit.coef + z * fit.se, atol=0.15 * z * fit.se.max())


def test_interval_coverage_is_near_its_nominal_level():
    # 30 simulated lr_size grids (8 seeds per cell): 120 intervals at 90 % should miss about 12 times.
    rng = np.random.default_rng(2024)
    misses = total = 0
    for _ in range(30):
        fit = sc.fit_convergence(simulate(8, rng=rng), level=0.9)
        truth = np.array([TRUE[t] for t in fit.terms])
        misses += int(np.sum((truth < fit.low) | (truth > fit.high)))
        total += truth.size
    assert 4 <= misses <= 22, f"{misses} of {total} intervals missed"


def test_firth_is_finite_under_complete_separation():
    # Δt ≤ 10 always converges, Δt ≥ 12 never: maximum likelihood would send the delay coefficient to −∞.
    table = grid(8)
    table["converged"] = table["delay"] <= 10
    table["steps"] = np.where(table["converged"], 1000, 8000)
    fit = sc.fit_convergence(table)
    assert np.all(np.isfinite(fit.coef)) and np.all(np.isfinite(fit.low)) and np.all(np.isfinite(fit.high))
    assert fit.high[1] < 0  # delay: the separation's direction is established
    for name in ("log2_n", "log2_lr"):  # N and lr do not matter at all here
        _, low, high = fit.term(name)
        assert low < 0 < high
    corners = {k: v[np.isin(table["lr"], LRS[::2]) & np.isin(table["n_hidden"], SIZES[::2])] for k, v in table.items()}
    pred = sc.predict_convergence(corners)
    assert np.all((pred["p_model"] > 0) & (pred["p_model"] < 1))
    assert np.all(pred["p_model"][pred["delay"] == 16] < 0.05) and np.all(pred["p_model"][pred["delay"] == 8] > 0.95)


def test_interaction_test_rejects_exactly_when_zero_leaves_the_interval_and_finds_a_true_interaction():
    rng = np.random.default_rng(5)
    with_interaction = simulate(20, rng=rng, coef={**TRUE, "log2_n:log2_lr": -1.2})
    without = simulate(20, rng=rng)
    found = sc.size_by_lr(with_interaction)
    assert found.test.pvalue < 0.01 and found.test.df == 1 and found.test.term == "log2_n:log2_lr"
    for result in (found, sc.size_by_lr(without)):
        _, low, high = result.fit.term("log2_n:log2_lr")
        assert (result.test.pvalue < 0.05) == (low > 0 or high < 0)
        assert result.test.statistic == pytest.approx(stats.chi2.isf(result.test.pvalue, 1))


def test_size_slope_per_lr_is_the_interaction_models_linear_combination():
    table = simulate(12, rng=np.random.default_rng(8), coef={**TRUE, "log2_n:log2_lr": 0.7})
    by_lr = sc.size_by_lr(table)
    fit = by_lr.fit
    np.testing.assert_array_equal(by_lr.lr, LRS)
    b_n, b_int = fit.term("log2_n")[0], fit.term("log2_n:log2_lr")[0]
    expected = b_n + b_int * (np.log2(by_lr.lr) - np.log2(fit.centre["lr"]))
    np.testing.assert_allclose(by_lr.estimate, expected, atol=1e-6)
    # The central lr is the model's own centre: same coefficient, same interval.
    assert (by_lr.low[1], by_lr.high[1]) == pytest.approx(fit.term("log2_n")[1:], abs=1e-6)
    assert np.all(by_lr.low < by_lr.estimate) and np.all(by_lr.estimate < by_lr.high)


def test_predicted_probabilities_follow_the_fit_and_wilson_intervals_the_counts():
    table = simulate(8, rng=np.random.default_rng(3))
    fit = sc.fit_convergence(table)
    pred = sc.predict_convergence(table)
    assert pred["lr"].size == len(LRS) * len(SIZES) * len(DELAYS)
    x = np.column_stack(
        [
            np.ones(pred["lr"].size),
            pred["delay"] - 11.5,
            np.log2(pred["n_hidden"] / 100),
            np.log2(pred["lr"] / 5e-4),
        ]
    )
    np.testing.assert_allclose(pred["p_model"], special.expit(x @ fit.coef), atol=1e-7)
    assert np.all(pred["p_lo"] < pred["p_model"]) and np.all(pred["p_model"] < pred["p_hi"])
    for i in range(pred["lr"].size):
        assert (pred["frac_lo"][i], pred["frac_hi"][i]) == pytest.approx(wilson_ci(int(pred["k"][i]), 8))


# ============================================================================= the verdict's rule


def _fit(b_n, low, high, *, level=0.95, interaction=False):
    p = 5 if interaction else 4
    coef = np.zeros(p)
    coef[2] = b_n
    lows, highs = coef - 1.0, coef + 1.0
    lows[2], highs[2] = low, high
    return sc.ConvergenceFit(
        sc.TERMS[:p],
        coef,
        lows,
        highs,
        np.ones(p),
        level,
        sc.INTERVAL_METHOD,
        {"delay": 11.5, "n_hidden": 100.0, "lr": 5e-4},
        -10.0,
        288,
        100,
    )


def _by_lr(pvalue, rows, *, level=0.95):
    rows = np.array(rows, dtype=float)
    test = sc.LikelihoodRatioTest("log2_n:log2_lr", float(stats.chi2.isf(pvalue, 1)), 1, pvalue)
    return sc.SizeByLr(
        _fit(0.0, -1.0, 1.0, level=level, interaction=True), test, np.array(LRS), rows[:, 0], rows[:, 1], rows[:, 2]
    )


FLAT = [(0.0, -1.0, 1.0)] * 3


@pytest.mark.parametrize(
    "additive, pvalue, rows, effect, basis",
    [
        ((0.6, 0.2, 1.0), 0.5, FLAT, "helps", "additive model"),
        ((-0.6, -1.0, -0.2), 0.5, FLAT, "hurts", "additive model"),
        ((0.3, -0.1, 0.7), 0.5, FLAT, "inconclusive", "additive model"),
        # At p = α exactly the interaction is not established: the additive model decides.
        ((0.6, 0.2, 1.0), 0.05, FLAT, "helps", "additive model"),
        (
            (0.0, -1.0, 1.0),
            0.01,
            [(1.0, 0.5, 1.5), (0.8, 0.1, 1.5), (0.5, 0.2, 0.9)],
            "helps",
            "interaction model, per lr",
        ),
        ((0.0, -1.0, 1.0), 0.01, [(-1.0, -1.5, -0.5)] * 3, "hurts", "interaction model, per lr"),
        ((0.6, 0.2, 1.0), 0.01, FLAT, "inconclusive", "interaction model, per lr"),
        (
            (0.0, -1.0, 1.0),
            0.01,
            [(1.0, 0.5, 1.5), (0.0, -1.0, 1.0), (-1.0, -1.5, -0.5)],
            "depends on lr",
            "interaction model, per lr",
        ),
    ],
)
def test_size_verdict_follows_its_rule(additive, pvalue, rows, effect, basis):
    verdict = sc.size_verdict(_fit(*additive), _by_lr(pvalue, rows))
    assert verdict.effect == effect and verdict.basis == basis
    assert verdict.effect in sc.SIZE_EFFECTS and verdict.interaction_p == pvalue and verdict.level == 0.95
    assert "95 %" in verdict.text and f"{pvalue:.3g}" in verdict.text


def test_size_verdict_states_the_interval_and_the_lrs():
    text = sc.size_verdict(_fit(0.3, -0.1, 0.7), _by_lr(0.5, FLAT)).text
    assert "+0.30" in text and "-0.10 to 0.70" in text
    text = sc.size_verdict(_fit(0, -1, 1), _by_lr(0.01, [(1.0, 0.5, 1.5), (0.0, -1.0, 1.0), (-1.0, -1.5, -0.5)])).text
    assert "lr = 0.00025: +1.00 (0.50 to 1.50, helps)" in text and "(-1.50 to -0.50, hurts)" in text


def test_size_verdict_end_to_end_on_a_true_size_effect():
    table = simulate(24, rng=np.random.default_rng(21), coef={**TRUE, "log2_n": 1.0})
    verdict = sc.size_verdict(sc.fit_convergence(table), sc.size_by_lr(table))
    assert verdict.effect == "helps"


def test_read_grid_models_only_complete_delays_and_says_when_it_is_interim():
    table = simulate(8, rng=np.random.default_rng(21), coef={**TRUE, "log2_n": 1.0})
    total = table["lr"].size
    # Drop one run at Δt = 16: the other three delays are complete, and the reading is interim.
    keep = ~((table["delay"] == 16) & (table["seed"] == 0) & (table["lr"] == 1e-3) & (table["n_hidden"] == 200))
    part = {k: v[keep] for k, v in table.items()}
    reading = sc.read_grid(part, delays=DELAYS, total=total)
    assert reading.complete == (8, 10, 12) and not reading.whole and reading.done == total - 1
    assert np.all(np.isin(reading.runs["delay"], (8, 10, 12))) and reading.runs["delay"].size == total * 3 // 4
    assert (
        reading.verdict.effect == sc.size_verdict(sc.fit_convergence(reading.runs), sc.size_by_lr(reading.runs)).effect
    )
    assert "interim" in reading.scope and "Δt = 8, 10, 12" in reading.scope
    whole = sc.read_grid(table, delays=DELAYS, total=total)
    assert whole.whole and whole.scope == "the whole grid" and whole.verdict.effect == "helps"
    finding = sc.size_finding(whole)
    assert finding.startswith("more units help, whatever the learning rate (**helps**, on the whole grid")
    longest = int(table["delay"][table["converged"]].max())
    assert f"; at Δt = {longest}, the longest delay any run learnt" in finding


def test_read_grid_waits_for_two_complete_delays():
    table = simulate(2, rng=np.random.default_rng(3))
    total = table["lr"].size
    assert sc.read_grid(None, delays=DELAYS, total=total).done == 0
    one = {k: v[(table["delay"] == 8) | ((table["delay"] == 10) & (table["seed"] == 0))] for k, v in table.items()}
    reading = sc.read_grid(one, delays=DELAYS, total=total)
    assert reading.complete == (8,) and reading.verdict is None and reading.runs["delay"].size == total // 4
    assert sc.size_finding(reading).startswith("whether more units reach longer delays is open")


def test_size_finding_names_the_lrs_at_which_size_helps_and_hurts():
    by_lr = _by_lr(0.01, [(1.0, 0.5, 1.5), (0.8, 0.1, 1.5), (-1.0, -1.5, -0.5)])
    verdict = sc.size_verdict(_fit(0, -1, 1), by_lr)
    runs = grid(2, delays=(8, 10))
    # At Δt = 10 only N = 200 at lr = 5e-4 converges (both seeds) and N = 100 at lr = 1e-3 (one seed).
    runs["converged"] = (runs["delay"] == 8) | (
        (runs["delay"] == 10)
        & (
            ((runs["n_hidden"] == 200) & (runs["lr"] == 5e-4))
            | ((runs["n_hidden"] == 100) & (runs["lr"] == 1e-3) & (runs["seed"] == 0))
        )
    )
    runs["steps"] = np.where(runs["converged"], 1000, 8000)
    reading = sc.GridReading(36, 36, (8, 10), runs, _fit(0, -1, 1), by_lr, verdict)
    text = sc.size_finding(reading)
    assert text.endswith(
        "; at Δt = 10, the longest delay any run learnt, each size at its best learning rate converges in "
        "0 of 2 (N = 50), 1 of 2 (N = 100) and 2 of 2 (N = 200)"
    )
    assert text.startswith("more units help at lr = 0.00025 and 0.0005; they hurt at lr = 0.001 (**depends on lr**")
    assert [reading.effect_at(lr) for lr in LRS] == ["helps", "helps", "hurts"]
    with pytest.raises(ValueError, match=r"^lr must be one of the grid's \['0.00025', '0.0005', '0.001'\], got 0.002"):
        reading.effect_at(2e-3)
    assert sc.GridReading(0, 10, (), None, None, None, None).effect_at(1e-3) is None



def test_size_sensitivity_reruns_the_rule_under_each_variant():
    table = simulate(8, rng=np.random.default_rng(21), coef={**TRUE, "log2_n": 1.0})
    # Nothing converges at Δt = 16: the variant that drops it appears.
    table["converged"] = table["converged"] & (table["delay"] != 16)
    table["steps"] = np.where(table["converged"], table["steps"], 8000)
    out = sc.size_sensitivity(table)
    assert list(out["variant"]) == [
        "as fixed",
        "level 0.9",
        "level 0.99",
        "without Δt = 16 (none converged)",
        "Δt = 8 and 10 only",
        "without N = 50",
        "without N = 100",
        "without N = 200",
    ]
    total = table["lr"].size
    assert list(out["runs"]) == [total, total, total, total * 3 // 4, total // 2] + [total * 2 // 3] * 3
    fixed = sc.size_verdict(sc.fit_convergence(table), sc.size_by_lr(table))
    assert out["verdict"][0] == fixed.effect and out["interaction_p"][0] == fixed.interaction_p
    assert set(out) >= {"lr=0.00025", "lr=0.0005", "lr=0.001"}
    assert all(v in sc.SIZE_EFFECTS for v in out["verdict"])
    # Two sizes only: no size can be left out.
    two = {k: v[table["n_hidden"] != 50] for k, v in table.items()}
    assert not any(v.startswith("without N") for v in sc.size_sensitivity(two)["variant"])
    with pytest.raises(ValueError, match="^level must be"):
        sc.size_sensitivity(table, level=1.5)


def test_sensitivity_text_counts_agreeing_variants_and_finds_the_size_behind_a_harm():
    by_lr = _by_lr(0.01, [(1.0, 0.5, 1.5), (0.8, 0.1, 1.5), (-1.0, -1.5, -0.5)])
    verdict = sc.size_verdict(_fit(0, -1, 1), by_lr)
    reading = sc.GridReading(36, 36, (8, 10), {}, _fit(0, -1, 1), by_lr, verdict)
    col = lambda *v: np.array(v, dtype=object)  # noqa: E731
    sens = {
        "variant": col("as fixed", "without N = 100", "without N = 200"),
        "verdict": col("depends on lr", "depends on lr", "helps"),
        "lr=0.00025": col("helps", "helps", "helps"),
        "lr=0.0005": col("helps", "inconclusive", "helps"),
        "lr=0.001": col("hurts", "hurts", "helps"),
    }
    assert sc.sensitivity_text(sens, reading) == (
        "The verdict, depends on lr, holds in 2 of 3 variants; it changes without N = 200 (verdict: helps). "
        "At lr = 0.001 more units hurt only through N = 200: without N = 200, they help there too."
    )
    sens["verdict"] = col("depends on lr", "depends on lr", "depends on lr")
    sens["lr=0.001"] = col("hurts", "hurts", "hurts")
    assert sc.sensitivity_text(sens, reading) == "The verdict, depends on lr, holds in 3 of 3 variants."
    with pytest.raises(ValueError, match="^reading must hold a verdict"):
        sc.sensitivity_text(sens, sc.GridReading(0, 36, (), None, None, None, None))
    with pytest.raises(TypeError, match="^sensitivity must be the dict of size_sensitivity"):
        sc.sensitivity_text([], reading)

def test_read_grid_refuses_bad_input():
    table = simulate(1, rng=np.random.default_rng(3))
    with pytest.raises(ValueError, match="^total must be a multiple of the 4 delays"):
        sc.read_grid(table, delays=DELAYS, total=37)
    with pytest.raises(ValueError, match="^table holds 36 runs, more than the grid's total 8"):
        sc.read_grid(table, delays=DELAYS, total=8)
    with pytest.raises(ValueError, match="^delays must name at least one delay"):
        sc.read_grid(table, delays=[], total=36)
    with pytest.raises(TypeError, match="^reading must be a GridReading"):
        sc.size_finding(None)


def test_size_verdict_refuses_mismatched_inputs():
    with pytest.raises(TypeError, match="^additive must be a ConvergenceFit"):
        sc.size_verdict({"log2_n": 1.0}, _by_lr(0.5, FLAT))
    with pytest.raises(TypeError, match="^by_lr must be a SizeByLr"):
        sc.size_verdict(_fit(0.3, -0.1, 0.7), None)
    with pytest.raises(ValueError, match="^additive must be the model without the interaction"):
        sc.size_verdict(_fit(0.3, -0.1, 0.7, interaction=True), _by_lr(0.5, FLAT))
    with pytest.raises(ValueError, match="^additive and by_lr must share one level"):
        sc.size_verdict(_fit(0.3, -0.1, 0.7, level=0.9), _by_lr(0.5, FLAT))


# ============================================================================= Kaplan–Meier


def _censored(steps, converged):
    return stats.CensoredData(uncensored=steps[converged].astype(float), right=steps[~converged].astype(float))


def test_kaplan_meier_equals_scipys_estimate_and_log_log_band():
    rng = np.random.default_rng(4)
    steps = rng.integers(1, 40, 60) * 100  # many ties, events and censorings at the same update
    converged = rng.random(60) < 0.6
    km = sc.kaplan_meier(steps, converged, level=0.9)
    ref = stats.ecdf(_censored(steps, converged)).sf
    np.testing.assert_array_equal(km.time, ref.quantiles)
    np.testing.assert_allclose(km.survival, ref.probabilities, rtol=1e-12)
    with pytest.warns(RuntimeWarning, match="undefined at some observations"):  # where S is 1 or 0
        band = ref.confidence_interval(0.9, method="log-log")
    finite = np.isfinite(band.low.probabilities) & np.isfinite(band.high.probabilities)
    assert finite.sum() > 20
    np.testing.assert_allclose(km.low[finite], band.low.probabilities[finite], rtol=1e-10)
    np.testing.assert_allclose(km.high[finite], band.high.probabilities[finite], rtol=1e-10)
    assert km.n == 60 and km.events.sum() == converged.sum() and km.censored.sum() == 60 - converged.sum()
    assert km.at_risk[0] == 60 and np.all(np.diff(km.at_risk) <= 0)


def test_kaplan_meier_median_and_its_interval_by_hand():
    km = sc.kaplan_meier(np.array([100, 200, 300, 400]), np.ones(4, dtype=bool))
    np.testing.assert_allclose(km.survival, [0.75, 0.5, 0.25, 0.0])
    assert km.median == 200  # the first update at which S ≤ ½
    assert km.median_low == km.time[np.argmax(km.low <= 0.5)] and km.median_low <= km.median <= km.median_high
    # Three of four censored at the budget: S stays at ¾, the median is not reached.
    km = sc.kaplan_meier(np.array([100, 8000, 8000, 8000]), np.array([True, False, False, False]))
    assert km.median == math.inf and km.median_high == math.inf
    # The band's lower end falls below ½ at the first convergence: the median's interval starts there.
    assert km.median_low == 100
    assert sc.median_text(km.median, km.median_low, km.median_high) == "not reached (95 % CI 100 to not reached)"
    assert sc.median_text(math.inf, math.inf, math.inf) == "not reached"
    assert sc.median_text(200.0, 100.0, math.inf, 0.9) == "200 (90 % CI 100 to not reached)"


def test_censoring_raises_survival_compared_with_treating_the_budget_as_convergence():
    rng = np.random.default_rng(6)
    steps = rng.integers(1, 80, 40) * 100
    converged = rng.random(40) < 0.5
    honoured = sc.kaplan_meier(steps, converged)
    # Calling the censored runs converged at their budget claims convergences that did not happen.
    naive = sc.kaplan_meier(steps, np.ones(40, dtype=bool))
    at = np.searchsorted(naive.time, honoured.time)
    assert np.all(honoured.survival >= naive.survival[at] - 1e-15)
    assert np.any(honoured.survival > naive.survival[at])
    assert honoured.median >= naive.median
    # Dropping the censored runs instead only keeps the fast ones: the median falls.
    assert honoured.median >= np.median(steps[converged])


def test_km_median_interval_covers_near_its_level_in_a_large_uncensored_cell():
    # Continuous times, no censoring, many runs: the asymptotic interval should cover about 95 %.
    coverage = sc.km_median_coverage(400, median=3000.0, sigma=0.5, budget=1e9, n_sims=1000, rng=1)
    assert 0.92 <= coverage <= 0.97


def test_km_median_coverage_honours_ties_and_censoring_and_its_rng():
    kwargs = dict(median=3000.0, sigma=0.5, budget=8000.0, every=250, n_sims=300)
    first = sc.km_median_coverage(8, **kwargs, rng=np.random.default_rng(5))
    assert first == sc.km_median_coverage(8, **kwargs, rng=np.random.default_rng(5))
    # Evaluations every 250 updates tie the times, which widens the interval: coverage above nominal.
    assert first > 0.95
    # A median near the budget: most cells never reach it, and an unbounded interval still covers.
    assert sc.km_median_coverage(8, **{**kwargs, "median": 7900.0}, rng=2) > 0.9


def test_km_table_per_cell():
    table = simulate(8, rng=np.random.default_rng(9))
    out = sc.km_table(table)
    assert out["lr"].size == 36 and set(out) >= {"median", "median_lo", "median_hi", "median_text", "n_censored"}
    i = np.flatnonzero((out["lr"] == 5e-4) & (out["n_hidden"] == 100) & (out["delay"] == 12))[0]
    mask = (table["lr"] == 5e-4) & (table["n_hidden"] == 100) & (table["delay"] == 12)
    km = sc.kaplan_meier(table["steps"][mask], table["converged"][mask])
    assert (out["median"][i], out["median_lo"][i], out["median_hi"][i]) == (km.median, km.median_low, km.median_high)
    assert out["n_converged"][i] + out["n_censored"][i] == out["n"][i] == 8
    none = out["n_converged"] == 0
    assert np.all(out["median"][none] == np.inf) and all(t == "not reached" for t in out["median_text"][none])


# ============================================================================= log-rank


def _two_groups(rng, n=30):
    steps = rng.integers(1, 50, n) * 100
    converged = rng.random(n) < 0.7
    group = np.repeat([1e-3, 5e-4], [n // 2, n - n // 2])
    steps[group == 1e-3] = steps[group == 1e-3] // 2 + 100  # the larger lr converges sooner
    return {"lr": group, "n_hidden": np.full(n, 100), "delay": np.full(n, 8), "converged": converged, "steps": steps}


def test_stratified_logrank_with_one_stratum_and_two_groups_is_scipys_logrank():
    for seed in range(5):
        t = _two_groups(np.random.default_rng(seed))
        ours = sc.stratified_logrank(t, "lr", ("n_hidden", "delay"))
        a, b = t["lr"] == 5e-4, t["lr"] == 1e-3
        ref = stats.logrank(_censored(t["steps"][a], t["converged"][a]), _censored(t["steps"][b], t["converged"][b]))
        assert ours.statistic == pytest.approx(ref.statistic**2, rel=1e-10)
        assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-8)
        assert ours.df == 1 and ours.n_strata == 1
        # groups ascend: 5e-4 first, whose O − E has scipy's sign.
        assert np.sign(ours.observed[0] - ours.expected[0]) == np.sign(ref.statistic)
        assert sc.stratified_logrank(t, "lr", ()).statistic == pytest.approx(ours.statistic)


def test_strata_add_their_observed_minus_expected_and_covariances():
    one, two = _two_groups(np.random.default_rng(1)), _two_groups(np.random.default_rng(2), n=24)
    two["n_hidden"] = np.full(24, 200)
    both = {k: np.concatenate([one[k], two[k]]) for k in one}
    parts = [sc.stratified_logrank(t, "lr", ("n_hidden", "delay")) for t in (one, two)]
    total = sc.stratified_logrank(both, "lr", ("n_hidden", "delay"))
    np.testing.assert_allclose(total.observed - total.expected, sum(p.observed - p.expected for p in parts))
    np.testing.assert_allclose(total.covariance, sum(p.covariance for p in parts))
    u, v = total.observed[0] - total.expected[0], total.covariance[0, 0]
    assert total.statistic == pytest.approx(u**2 / v) and total.n_strata == 2
    # Pooling the strata is a different test: the strata differ in nothing here, but the sums are not the same.
    assert sc.stratified_logrank(both, "lr", ()).statistic != pytest.approx(total.statistic)


def test_k_sample_logrank_detects_a_faster_group_and_ignores_labels():
    rng = np.random.default_rng(12)
    table = simulate(10, rng=rng)
    # Runs at the largest N converge three times sooner, with the same censoring.
    fast = (table["n_hidden"] == 200) & table["converged"]
    table["steps"] = np.where(fast, np.maximum(table["steps"] // 3, 1), table["steps"])
    test = sc.stratified_logrank(table, "n_hidden", ("lr", "delay"))
    assert test.df == 2 and test.pvalue < 1e-3 and test.factor == "n_hidden" and test.strata == ("lr", "delay")
    np.testing.assert_array_equal(test.groups, SIZES)
    assert test.observed[2] > test.expected[2]
    assert test.observed.sum() == pytest.approx(test.expected.sum())
    relabelled = {**table, "n_hidden": np.array([{50: 200, 100: 50, 200: 100}[n] for n in table["n_hidden"]])}
    assert sc.stratified_logrank(relabelled, "n_hidden", ("lr", "delay")).statistic == pytest.approx(test.statistic)


def test_censoring_a_groups_runs_lowers_its_observed_minus_expected():
    t = _two_groups(np.random.default_rng(3))
    before = sc.stratified_logrank(t, "lr", ())
    slow = (t["lr"] == 5e-4) & t["converged"]
    late = {**t, "converged": t["converged"] & ~slow}
    late["steps"] = np.where(slow, 5000, t["steps"])  # those runs hit a budget of 5000 instead
    after = sc.stratified_logrank(late, "lr", ())
    assert after.observed[0] - after.expected[0] < before.observed[0] - before.expected[0]


def test_logrank_without_events_has_no_statistic():
    t = _two_groups(np.random.default_rng(0))
    t["converged"] = np.zeros(30, dtype=bool)
    test = sc.stratified_logrank(t, "lr", ())
    assert test.df == 0 and math.isnan(test.statistic) and math.isnan(test.pvalue) and test.n_strata == 0


# ============================================================================= figures


def _texts(fig):
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def test_plots_are_legible_and_draw_every_size():
    table = simulate(4, rng=np.random.default_rng(0), lrs=LRS, delays=(8, 12))
    fig, axes = plt.subplots(1, 2, figsize=(7.5, 2.8))
    sc.plot_convergence(axes[0], table, delay=12, prediction=sc.predict_convergence(table))
    sc.plot_km(axes[1], table, delay=8, lr=5e-4, legend=False)
    assert fig.get_size_inches()[0] <= 7.5
    assert all(t.get_fontsize() >= 9 for t in _texts(fig))
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert labels == ["N = 50", "N = 100", "N = 200"] and axes[1].get_legend() is None
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["2.5e-4", "5e-4", "1e-3"]
    assert len(axes[1].get_lines()) >= 3 and axes[1].get_title() == "Δt = 8, lr = 5e-4"
    plt.close(fig)


def test_plots_refuse_a_cell_the_table_lacks():
    table = simulate(2, rng=np.random.default_rng(0))
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="^delay must be one of the table's values"):
        sc.plot_convergence(ax, table, delay=9)
    with pytest.raises(ValueError, match="^lr must be one of the table's values"):
        sc.plot_km(ax, table, delay=8, lr=0.01)
    with pytest.raises(TypeError, match="^legend must be True or False"):
        sc.plot_km(ax, table, delay=8, lr=1e-3, legend="no")
    plt.close(fig)


# ============================================================================= bad inputs


def _good():
    return simulate(2, rng=np.random.default_rng(0))


@pytest.mark.parametrize(
    "change, exc, match",
    [
        (lambda t: [t], TypeError, r"^table must be a dict"),
        (lambda t: {k: v for k, v in t.items() if k != "lr"}, ValueError, r"^table column \['lr'\] not in the table"),
        (lambda t: {k: np.asarray(v)[:0] for k, v in t.items()}, ValueError, r"^table must hold at least one run"),
        (lambda t: {**t, "converged": t["converged"].astype(int)}, TypeError, r"^table\['converged'\] must be boolean"),
        (lambda t: {**t, "steps": np.where(t["converged"], 0, t["steps"])}, ValueError, r"^table\['steps'\] must hold"),
        (lambda t: {**t, "steps": t["steps"] + 0.5}, ValueError, r"^table\['steps'\] must hold positive integers"),
        (lambda t: {**t, "lr": -t["lr"]}, ValueError, r"^table\['lr'\] must be > 0"),
        (lambda t: {**t, "n_hidden": t["n_hidden"].astype(str)}, TypeError, r"^table\['n_hidden'\] must be numeric"),
        (lambda t: {**t, "delay": np.where(t["seed"] == 0, np.nan, t["delay"])}, ValueError, r"^table\['delay'\] must"),
        (lambda t: {**t, "steps": t["steps"][:-1]}, ValueError, r"^table columns .* must be 1-D arrays of one length"),
    ],
)
def test_bad_tables_are_refused_naming_the_parameter(change, exc, match):
    bad = change(_good())
    for call in (sc.fit_convergence, sc.km_table, sc.stratified_logrank, sc.predict_convergence):
        with pytest.raises(exc, match=match):
            call(bad)


def test_bad_arguments_are_refused_naming_the_parameter():
    t = _good()
    with pytest.raises(ValueError, match="^level must be > 0.0 and < 1.0"):
        sc.fit_convergence(t, level=1.0)
    with pytest.raises(TypeError, match="^level must be"):
        sc.km_table(t, level="0.95")
    with pytest.raises(TypeError, match="^interaction must be True or False"):
        sc.fit_convergence(t, interaction="yes")
    with pytest.raises(ValueError, match="^table must hold at least two distinct values of 'lr'"):
        sc.fit_convergence({k: v[t["lr"] == 1e-3] for k, v in t.items()})
    one_size = {k: v[t["n_hidden"] == 100] for k, v in t.items()}
    with pytest.raises(ValueError, match="^table must hold at least two distinct values of 'n_hidden'"):
        sc.size_by_lr(one_size)
    with pytest.raises(ValueError, match="^strata must not hold the factor"):
        sc.stratified_logrank(t, "lr", ("lr", "delay"))
    with pytest.raises(TypeError, match="^factor must be a column name"):
        sc.stratified_logrank(t, 3)
    with pytest.raises(ValueError, match=r"^table column \['batch'\] not in the table"):
        sc.stratified_logrank(t, "batch")
    with pytest.raises(ValueError, match=r"^column \['machine'\] not in the table"):
        sc.km_table(t, by=("lr", "machine"))
    with pytest.raises(TypeError, match="^converged must be an array of booleans"):
        sc.kaplan_meier([1, 2], [1, 0])
    with pytest.raises(ValueError, match="^converged must have the shape of steps"):
        sc.kaplan_meier([1, 2], [True])
    with pytest.raises(ValueError, match="^steps must be a non-empty 1-D array"):
        sc.kaplan_meier([], np.zeros(0, dtype=bool))
    with pytest.raises(ValueError, match="^steps must hold positive integers"):
        sc.kaplan_meier([-1, 2], [True, True])
    with pytest.raises(ValueError, match="^median must be"):
        sc.median_text(-1.0, 1.0, 2.0)
    cover = dict(median=1000.0, sigma=0.5, budget=8000.0, rng=0)
    for change, exc, match in (
        ({"median": 9000.0}, ValueError, "^median must be"),
        ({"sigma": 0.0}, ValueError, "^sigma must be"),
        ({"every": 0}, ValueError, "^every must be"),
        ({"n_sims": 10}, ValueError, "^n_sims must be"),
        ({"rng": None}, TypeError, "^rng must be"),
    ):
        with pytest.raises(exc, match=match):
            sc.km_median_coverage(8, **{**cover, **change})
    with pytest.raises(ValueError, match="^n must be"):
        sc.km_median_coverage(1, **cover)
    with pytest.raises(ValueError, match="^name must be one of"):
        sc.fit_convergence(t).term("log2_n:log2_lr")
