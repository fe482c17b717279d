"""The claims as code: every branch of every rule on synthetic numbers, the readings, the sensitivity table,
the statistics behind the rules, and the consistency of the book's chapters with the claims table."""

import inspect
import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from rnnmem_helpers.analyses.stats import order_statistic_coverage, wilson_ci
from rnnmem_helpers.chapters import claims as cl
from rnnmem_helpers.chapters.claims import (
    CLAIMS,
    Count,
    Interval,
    Judgement,
    Pairs,
    Verdict,
)

ROOT = Path(__file__).resolve().parents[1]
PAPER = Path("/work/shared/paper")
S, P, N, A, I = (Verdict.SUPPORTED, Verdict.PARTLY, Verdict.NOT_SUPPORTED, Verdict.AMBIGUOUS,
                 Verdict.INCONCLUSIVE)


@pytest.fixture(autouse=True)
def _clean_ledger():
    cl.forget()
    yield
    cl.forget()


# ----------------------------------------------------------------------------- vocabulary


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("supported", S),
        ("Partly supported", P),
        ("not supported: the readout moves", N),
        ("ambiguous", A),
        ("inconclusive (power 24 %)", I),
        ("reproduced", S),
        ("not reproduced", N),
        ("partly", P),
        ("contradicted", N),
        ("supportedness", None),
        ("holds", None),
    ],
)
def test_parse_verdict_reads_the_vocabulary_and_the_books_earlier_words(text, verdict):
    assert cl.parse_verdict(text) is verdict


def test_every_verdict_has_a_label_and_a_css_class():
    assert {v.label for v in Verdict} == {"supported", "partly supported", "not supported", "ambiguous",
                                          "inconclusive"}
    assert Verdict.PARTLY.css_class == "verdict-partly-supported"
    assert len({v.css_class for v in Verdict}) == len(Verdict)
    for v in Verdict:
        assert re.fullmatch(r"verdict-[a-z-]+", v.css_class)


def test_badges_of_a_verdict_a_judgement_and_an_assessment():
    assert cl.badge(S) == cl.Badge("supported", "verdict-supported", "supported")
    j = Judgement(I, "3 of 5", 0.2373)
    assert cl.badge(j) == cl.Badge("inconclusive (power 23.73 %)", "verdict-inconclusive", "3 of 5")
    assert Judgement(I, "x", 0.24).label == "inconclusive (power 24 %)"
    assert Judgement(I, "x", math.nan).label == "inconclusive (power not computable)"
    a = cl.Assessment(1, {"r": j}, j)
    assert cl.badge(a) == cl.badge(j)
    with pytest.raises(TypeError, match="item must be"):
        cl.badge("supported")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"verdict": I, "reason": "x"}, ValueError),  # inconclusive without its power
        ({"verdict": S, "reason": "x", "power": 0.5}, ValueError),  # only inconclusive carries a power
        ({"verdict": I, "reason": "x", "power": 1.5}, ValueError),
        ({"verdict": "supported", "reason": "x"}, TypeError),
        ({"verdict": S, "reason": 3}, TypeError),
    ],
)
def test_judgement_rejects_bad_input(kwargs, error):
    with pytest.raises(error):
        Judgement(**kwargs)


# ----------------------------------------------------------------------------- statistics


@pytest.mark.parametrize("n", range(1, 11))
def test_order_statistic_coverage_is_the_binomial_count_of_sign_patterns(n):
    # Exact: each observation falls below the median with probability 1/2, independently; the interval
    # [X(j), X(n+1-j)] misses the median iff fewer than j, or more than n - j, observations fall below it.
    for rank in range(1, (n + 1) // 2 + 1):
        covered = sum(rank <= sum(signs) <= n - rank for signs in itertools.product((0, 1), repeat=n))
        assert order_statistic_coverage(n, rank) == pytest.approx(covered / 2**n, abs=1e-12)
        assert order_statistic_coverage(n, rank) == pytest.approx(1 - 2 * stats.binom.cdf(rank - 1, n, 0.5))


def test_the_best_interval_at_three_values_is_min_to_max_with_coverage_75_percent():
    est = cl.median_interval([5.0, 1.0, 3.0])
    assert (est.estimate, est.low, est.high, est.n) == (3.0, 1.0, 5.0, 3)
    assert est.coverage == pytest.approx(0.75)
    assert est.coverage_label == "75 % order-statistic interval"
    assert "95" not in est.text()
    # Its real coverage, by simulation (fixed seed): about 75 %, nowhere near 95 %.
    x = np.random.default_rng(0).standard_normal((20_000, 3))
    assert np.mean((x.min(axis=1) <= 0) & (x.max(axis=1) >= 0)) == pytest.approx(0.75, abs=0.01)


def test_median_interval_picks_the_narrowest_order_statistics_that_reach_the_level():
    five = cl.median_interval(np.arange(5.0))
    assert (five.low, five.high) == (0.0, 4.0)
    assert five.coverage == pytest.approx(1 - 2 / 32)
    assert five.coverage_label == "93.75 % order-statistic interval"
    twenty = cl.median_interval(np.arange(20.0))
    assert (twenty.low, twenty.high) == (5.0, 14.0)  # ranks 6 and 15
    assert twenty.coverage == pytest.approx(order_statistic_coverage(20, 6)) and twenty.coverage >= 0.95
    assert order_statistic_coverage(20, 7) < 0.95


def test_median_interval_honours_censoring():
    steps = [1000.0, 1500.0, 8000.0, 8000.0, 8000.0]
    est = cl.median_interval(steps, censored=[False, False, True, True, True])
    assert est.bound and math.isinf(est.high) and est.low == 1000.0
    assert "above the budget" in est.text()
    fine = cl.median_interval(steps[:2] + [2000.0], censored=[False, False, False])
    assert not fine.bound and fine.high == 2000.0


def test_proportion_intervals_wilson_and_exact():
    w = cl.proportion_interval(3, 5)
    assert (w.low, w.high) == pytest.approx(wilson_ci(3, 5))
    assert w.coverage_label == "95 % Wilson interval"
    e = cl.proportion_interval(3, 5, method="exact")
    ci = stats.binomtest(3, 5).proportion_ci(method="exact")
    assert (e.low, e.high) == pytest.approx((ci.low, ci.high))
    assert e.coverage_label == "≥ 95 % exact binomial interval"


def test_sign_test_power_is_exact():
    def brute(n, p, alpha):
        return sum(stats.binom.pmf(k, n, p) for k in range(n + 1) if stats.binomtest(k, n).pvalue <= alpha)

    for n, p, alpha in ((10, 0.75, 0.05), (7, 0.75, 0.025), (20, 0.6, 0.05), (5, 0.9, 0.05)):
        assert cl.sign_test_power(n, p, alpha) == pytest.approx(brute(n, p, alpha))
    # Ten pairs detect "3 pairs in 4 favour one arm" about one time in four.
    assert cl.sign_test_power(10, 0.75, 0.05) == pytest.approx(0.244, abs=0.001)
    assert cl.sign_test_power(0, 0.75) == 0.0
    assert cl.sign_test_power(10, 0.5, 0.05) <= 0.05


def test_fraction_side_and_its_power():
    assert cl.fraction_side(Count(20, 20), 0.5) is True
    assert cl.fraction_side(Count(0, 5), 0.5) is False
    assert cl.fraction_side(Count(3, 5), 0.5) is None
    assert cl.fraction_side(Count(0, 0), 0.5) is None
    assert cl.fraction_side((5, 5), 1.0) is None  # "all" can never be established above
    # At n = 5 only 5 of 5 establishes a majority; if the truth is 3 in 4 that happens with probability 0.75⁵.
    assert cl.fraction_power(5, 0.5) == pytest.approx(0.75**5)
    assert cl.fraction_power(0, 0.5) == 0.0
    assert cl.fraction_power(1, 0.5) == 0.0


def test_paired_signs_honour_censoring():
    a = [1000, 8000, 8000, 3000, 2000, 500]
    b = [2000, 8000, 4000, 8000, 2000, 400]
    ca = [False, True, True, False, False, False]
    cb = [False, True, False, True, False, False]
    assert cl.paired_signs(a, b, censored_a=ca, censored_b=cb) == Pairs(faster=2, slower=2, tied=2)
    assert cl.paired_signs([1.0], [2.0]) == Pairs(1, 0, 0)


def test_render_difference_says_when_both_arms_hit_the_budget():
    text = cl.render_difference(0, 0, 0, n_pairs=10, n_both_censored=10, coverage=0.95)
    assert text == "both arms censored at the budget in all 10 pairs: no difference measured"
    text = cl.render_difference(-750, -2750, 500, n_pairs=10, n_both_censored=3, coverage=0.89)
    assert text == "-750 updates (89 % interval -2750 to +500, 10 pairs, 3 of them censored in both arms)"
    with pytest.raises(ValueError, match="n_both_censored"):
        cl.render_difference(0, 0, 0, n_pairs=2, n_both_censored=3, coverage=0.9)


def test_delay_reach_replaces_the_longest_delay_any_seed_learned():
    reach = cl.delay_reach({8: Count(4, 5), 10: Count(3, 5), 12: Count(0, 5), 4: Count(5, 5)})
    assert reach == cl.DelayReach(learned=(4,), not_learned=(12,), undetermined=(8, 10))


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: cl.fraction_side(Count(6, 5), 0.5), ValueError),
        (lambda: cl.fraction_side(Count(-1, 5), 0.5), ValueError),
        (lambda: cl.fraction_side((True, 5), 0.5), TypeError),
        (lambda: cl.fraction_side(0.5, 0.5), TypeError),
        (lambda: cl.fraction_side(Count(1, 5), 1.5), ValueError),
        (lambda: cl.median_interval([]), ValueError),
        (lambda: cl.median_interval([1.0, np.nan]), ValueError),
        (lambda: cl.median_interval([1.0, 2.0], censored=[True]), ValueError),
        (lambda: cl.median_interval([1.0], level=1.0), ValueError),
        (lambda: cl.median_interval("abc"), TypeError),
        (lambda: order_statistic_coverage(3, 3), ValueError),
        (lambda: order_statistic_coverage(0, 1), ValueError),
        (lambda: order_statistic_coverage(3.0, 1), TypeError),
        (lambda: cl.proportion_interval(1, 0), ValueError),
        (lambda: cl.proportion_interval(1, 2, method="bootstrap"), ValueError),
        (lambda: cl.sign_test_power(-1, 0.5), ValueError),
        (lambda: cl.sign_test_power(5, 1.5), ValueError),
        (lambda: cl.paired_signs([1.0, 2.0], [1.0]), ValueError),
        (lambda: cl.delay_reach({"8": Count(1, 5)}), TypeError),
        (lambda: cl.delay_reach({}), ValueError),
        (lambda: cl.delay_reach([(8, Count(1, 5))]), TypeError),
    ],
)
def test_statistics_reject_bad_input(call, error):
    with pytest.raises(error):
        call()


# ----------------------------------------------------------------------------- rules, branch by branch

GOOD, FEW, SOME = Count(20, 20), Count(2, 20), Count(3, 5)


@pytest.mark.parametrize(
    ("errors", "counts", "verdict"),
    [
        ({0: 0.003, 8: 0.006}, {0: GOOD, 8: Count(17, 20)}, S),
        ({0: 0.003, 8: 0.006}, {0: GOOD, 8: FEW}, P),
        ({0: 0.003, 8: 0.3}, {0: GOOD, 8: GOOD}, P),
        ({0: 0.5, 8: 0.5}, {0: FEW, 8: FEW}, N),
        ({0: 0.003, 8: 0.006}, {0: GOOD, 8: SOME}, I),
    ],
)
def test_rule_learns(errors, counts, verdict):
    j = cl.rule_learns(seed0_error=errors, converged=counts)
    assert j.verdict is verdict
    if verdict is I:
        assert j.power == pytest.approx(cl.fraction_power(5, 0.5))


@pytest.mark.parametrize(
    ("census", "cube", "verdict"),
    [
        (cl.CUBE_CENSUS, GOOD, S),
        ({0: 8, 1: 12, 2: 6, 3: 1, 4: 0}, GOOD, S),  # an empty entry is no fixed point
        ({0: 8, 1: 14, 2: 6, 3: 1}, GOOD, P),
        (cl.CUBE_CENSUS, FEW, P),
        ({0: 6}, FEW, N),
        (cl.CUBE_CENSUS, SOME, I),
    ],
)
def test_rule_cube(census, cube, verdict):
    assert cl.rule_cube(seed0_census=census, cube=cube).verdict is verdict


@pytest.mark.parametrize(
    ("census", "eight", "big", "verdict"),
    [
        ({0: 8, 1: 14, 5: 2, 6: 1}, GOOD, GOOD, S),
        ({0: 8, 1: 12, 2: 6, 3: 1}, GOOD, GOOD, P),
        ({0: 8, 6: 1}, GOOD, FEW, P),
        ({0: 6, 3: 1}, FEW, FEW, N),
        ({0: 8, 6: 1}, GOOD, SOME, I),
    ],
)
def test_rule_delayed_census(census, eight, big, verdict):
    assert cl.rule_delayed_census(seed0_census=census, eight_attractors=eight, big_saddle=big).verdict is verdict


RISING = [1, 2, 7, 11, 13, 16, 16, 19, 22]  # never falls
ZIGZAG = [1, 8, 3, 10, 10, 6, 9, 14, 10]  # falls three times


@pytest.mark.parametrize(
    ("streams", "control", "verdict"),
    [
        ([RISING] * 10, [1, 3, 2, 2, 5, 4, 6, 5, 6], S),
        ([RISING] * 10, list(range(1, 10)), P),  # monotone steps show the pattern too
        ([ZIGZAG] * 10, list(range(1, 10)), N),
        ([ZIGZAG] * 10, [1, 3, 2, 2, 5, 4, 6, 5, 6], N),  # the core fails whatever the control
        ([RISING] * 5 + [ZIGZAG] * 5, [1, 3, 2, 2, 5, 4, 6, 5, 6], I),  # half the streams: undetermined
        ([RISING], [1, 3, 2, 2, 5, 4, 6, 5, 6], I),  # one stream cannot establish a majority
    ],
)
def test_rule_fourier(streams, control, verdict):
    assert cl.rule_fourier(sign_changes=streams, control_sign_changes=control).verdict is verdict


def test_rule_fourier_counts_streams_and_allows_max_drops_falls():
    two_falls = [1, 2, 8, 7, 11, 19, 25, 20, 23]
    streams = [two_falls] * 9 + [ZIGZAG]
    strict = cl.rule_fourier_strict(sign_changes=streams, control_sign_changes=[1, 3, 2, 2, 5, 4, 6, 5, 6])
    assert strict.verdict is N and "0 of 10" in strict.reason
    trend = cl.rule_fourier(sign_changes=streams, control_sign_changes=[1, 3, 2, 2, 5, 4, 6, 5, 6])
    assert trend.verdict is S and "9 of 10" in trend.reason
    # the control is judged with the same allowance
    assert cl.rule_fourier(sign_changes=streams, control_sign_changes=two_falls).verdict is P
    assert cl.rule_fourier(sign_changes=streams, control_sign_changes=two_falls, max_drops=1).verdict is N
    with pytest.raises(ValueError, match="max_drops"):
        cl.rule_fourier(sign_changes=streams, control_sign_changes=two_falls, max_drops=-1)


def test_rule_fourier_compares_as_many_components_as_asked_and_given():
    net = [[1, 2, 3, 2, 1]] * 10
    assert cl.rule_fourier(sign_changes=net, control_sign_changes=[1, 1, 1, 1, 1], n_components=3).verdict is S
    assert cl.rule_fourier(sign_changes=net, control_sign_changes=[1, 1, 1, 1, 1], n_components=5).verdict is N
    assert "PC1–5" in cl.rule_fourier(sign_changes=net, control_sign_changes=[1] * 5, n_components=18).reason
    with pytest.raises(ValueError, match="n_components"):
        cl.rule_fourier(sign_changes=net, control_sign_changes=[1] * 5, n_components=1)


RADII = (0.125, 0.25, 0.5)


def _by_radius(*counts):
    return dict(zip(RADII, counts, strict=True))


@pytest.mark.parametrize(
    ("seed0", "modulus", "pattern", "verdict"),
    [
        ((3, 0), 1.27, Count(19, 20), S),
        ((3, 0), 0.98, Count(19, 20), P),  # three outliers, but not above 1
        ((3, 1), 1.27, Count(19, 20), P),
        ((3, 0), 1.27, FEW, P),
        ((4, 2), 1.27, FEW, N),
        ((3, 0), 1.27, SOME, I),
    ],
)
def test_rule_undelayed_spectrum(seed0, modulus, pattern, verdict):
    j = cl.rule_undelayed_spectrum(seed0_outliers={0.25: seed0}, seed0_min_modulus=modulus, pattern={0.25: pattern})
    assert j.verdict is verdict


def test_rule_undelayed_spectrum_reads_the_count_at_its_radius():
    kwargs = {"seed0_outliers": {r: (3, 0) for r in RADII}, "seed0_min_modulus": 1.27,
              "pattern": _by_radius(Count(2, 20), Count(19, 20), Count(20, 20))}
    assert cl.rule_undelayed_spectrum(**kwargs).verdict is S
    assert cl.rule_undelayed_spectrum(**kwargs, outlier_excess=0.125).verdict is P
    kwargs["pattern"] = _by_radius(Count(9, 20), Count(19, 20), Count(20, 20))  # 9 of 20: Wilson 0.26–0.66
    assert cl.rule_undelayed_spectrum(**kwargs, outlier_excess=0.125).verdict is I
    with pytest.raises(ValueError, match="no entry at 0.3"):
        cl.rule_undelayed_spectrum(**kwargs, outlier_excess=0.3)


@pytest.mark.parametrize(
    ("rot", "real", "verdict"),
    [
        (GOOD, Count(19, 20), S),
        (GOOD, Count(7, 20), I),  # 7 of 20 is not established below a majority (Wilson 0.18–0.57)
        (GOOD, Count(2, 20), P),
        (FEW, GOOD, N),  # the rotations are the core
        (SOME, GOOD, I),
    ],
)
def test_rule_delayed_spectrum(rot, real, verdict):
    j = cl.rule_delayed_spectrum(rotations={0.25: rot}, three_real={0.25: real})
    assert j.verdict is verdict


def test_rule_delayed_spectrum_reports_the_count_at_every_radius():
    j = cl.rule_delayed_spectrum(rotations=_by_radius(GOOD, GOOD, GOOD),
                                 three_real=_by_radius(Count(6, 20), Count(7, 20), Count(2, 20)))
    for radius in ("1.125", "1.25", "1.5"):
        assert f"exactly three at {radius} × bulk" in j.reason


@pytest.mark.parametrize(
    ("counts", "rate", "verdict"),
    [
        ({8: Count(4, 5), 10: Count(5, 5)}, 0.5, N),
        ({8: Count(4, 5), 10: Count(0, 10), 12: Count(0, 10)}, 0.5, S),
        ({8: Count(4, 5), 10: Count(3, 5), 12: Count(0, 5)}, 0.5, I),
        ({8: Count(4, 5), 10: Count(3, 5), 12: Count(0, 5)}, 0.1, N),
        ({0: Count(5, 5), 8: Count(4, 5)}, 0.5, I),
    ],
)
def test_rule_delay_limit(counts, rate, verdict):
    j = cl.rule_delay_limit(converged=counts, rate=rate)
    assert j.verdict is verdict
    if verdict is I:
        assert 0.0 <= j.power <= 1.0


def test_rule_construction():
    scratch = {10: Count(3, 5), 12: Count(0, 5), 16: Count(0, 5)}
    assert cl.rule_construction(built_error={16: 0.0, 32: 0.0}, scratch=scratch).verdict is N
    j = cl.rule_construction(built_error={8: 0.0}, scratch=scratch)
    assert (j.verdict, j.power) == (I, 0.0) and "no construction reaches" in j.reason
    j = cl.rule_construction(built_error={16: 0.0}, scratch={10: Count(3, 5)})
    assert (j.verdict, j.power) == (I, 0.0) and "clearly fails" in j.reason
    assert cl.rule_construction(built_error={16: 0.2}, scratch=scratch).verdict is I


def test_rule_recipes():
    scratch = {10: Count(3, 5), 12: Count(0, 5), 16: Count(0, 5)}
    assert cl.rule_recipes(scratch=scratch, recipes={"curriculum": {12: Count(5, 5)}}).verdict is N
    assert cl.rule_recipes(scratch=scratch, recipes={"budget": {12: Count(0, 5), 16: Count(0, 5)}}).verdict is S
    assert cl.rule_recipes(scratch=scratch, recipes={"budget": {12: Count(2, 5)}}).verdict is I
    assert cl.rule_recipes(scratch=scratch, recipes={"budget": {10: Count(5, 5)}}).verdict is I  # 10 is not failing
    assert cl.rule_recipes(scratch={10: Count(3, 5)}, recipes={"b": {10: Count(5, 5)}}).verdict is I


@pytest.mark.parametrize(
    ("counts", "verdict"),
    [
        ({0: Count(5, 5), 8: Count(5, 5)}, S),
        ({0: Count(5, 5), 4: Count(5, 5), 8: Count(0, 5)}, P),
        ({0: Count(0, 5), 8: Count(0, 5)}, N),
        ({0: Count(5, 5), 8: Count(3, 5)}, I),
    ],
)
def test_rule_recipe_trains(counts, verdict):
    assert cl.rule_recipe_trains(converged=counts).verdict is verdict


@pytest.mark.parametrize(
    ("pairs", "verdict"),
    [
        ({8: Pairs(10, 0, 0)}, S),
        ({8: Pairs(10, 0, 0), 10: Pairs(0, 10, 0)}, P),
        ({8: Pairs(0, 10, 0)}, N),  # slower
        ({8: Pairs(50, 50, 0)}, N),  # the effect of interest is excluded
        ({8: Pairs(7, 3, 0), 10: Pairs(5, 2, 3), 16: Pairs(0, 0, 10)}, I),
        ({16: Pairs(0, 0, 10)}, I),
    ],
)
def test_rule_paired_speedup(pairs, verdict):
    assert cl.rule_paired_speedup(pairs=pairs).verdict is verdict


def test_rule_paired_speedup_states_the_power_and_tests_each_delay_at_the_bonferroni_level():
    j = cl.rule_paired_speedup(pairs={8: Pairs(7, 3, 0), 10: Pairs(5, 2, 3), 16: Pairs(0, 0, 10)})
    # Two delays have untied pairs, so each is tested at 0.025; ten pairs then detect π = 0.75 with power 0.24.
    assert j.power == pytest.approx(cl.sign_test_power(10, 0.75, 0.025))
    assert "power 13.35 %" in j.reason
    none = cl.rule_paired_speedup(pairs={16: Pairs(0, 0, 10)})
    assert none.power == 0.0 and "nothing measured" in none.reason


@pytest.mark.parametrize(
    ("overshoot", "verdict"),
    [
        ({0: 1.417, 8: 0.248}, S),
        ({0: 0.001, 8: 0.018}, N),  # no loops to vanish: the core fails
        ({0: 1.0, 8: 0.9}, P),  # loops that do not vanish
        ({0: Interval(0.03, 0.01, 0.1, 0.9375, "order statistics", 5), 8: 0.0}, I),
        ({0: Interval(0.3, 0.2, 0.4, 0.9375, "order statistics", 5), 8: Interval(0.05, 0.02, 0.08, 0.95, "", 18)}, S),
        ({0: Interval(0.3, 0.2, 0.4, 0.9375, "order statistics", 5), 8: Interval(0.1, 0.05, 0.3, 0.95, "", 18)}, I),
    ],
)
def test_rule_loops(overshoot, verdict):
    j = cl.rule_loops(overshoot=overshoot)
    assert j.verdict is verdict
    if verdict is I:
        assert math.isnan(j.power)


@pytest.mark.parametrize(
    ("value", "verdict"),
    [(0.05, S), (0.38, N), (Interval(0.1, 0.07, 0.14, 0.9375, "order statistics", 5), I),
     (Interval(0.05, 0.03, 0.07, 0.95, "", 5), S)],
)
def test_rule_invisible(value, verdict):
    assert cl.rule_invisible(visibility=value).verdict is verdict


def test_rule_share():
    assert cl.rule_share(share=0.08, null_share=0.17).verdict is S
    assert cl.rule_share(share=0.34, null_share=0.17).verdict is N
    assert cl.rule_share(share=Interval(0.2, 0.1, 0.3, 0.9, "", 5), null_share=0.17).verdict is I
    with pytest.raises(ValueError, match="null_share must be > 0"):
        cl.rule_share(share=0.1, null_share=0.0)


@pytest.mark.parametrize(
    ("more", "less", "verdict"),
    [
        ([0.01] * 20, [0.99] * 20, S),
        ([0.99] * 30 + [0.5], [0.001] * 30 + [0.5], N),
        ([0.5] * 20, [0.5] * 20, P),
        ([0.01], [0.99], I),  # one network cannot establish a majority
        ([], [], I),
    ],
)
def test_rule_orthogonal(more, less, verdict):
    assert cl.rule_orthogonal(p_more=more, p_less=less).verdict is verdict


EARLY, LATE = [1.0] * 18, [8.0] * 18


@pytest.mark.parametrize(
    ("edit", "control", "kept", "verdict"),
    [
        (EARLY, LATE, [True] * 18, S),
        (EARLY, LATE, [False] * 18, P),
        (LATE, LATE, [True] * 18, N),
        ([7.0] * 18, LATE, [True] * 18, N),  # one step early is not early at early_fraction 0.25
        (EARLY, EARLY, [True] * 18, N),  # the control switches early too: no evidence the rotations time it
        ([1.0], [8.0], [True], I),
        ([np.nan] * 18, LATE, [True] * 18, N),  # an edit that never switches is not early
    ],
)
def test_rule_ablation_storage(edit, control, kept, verdict):
    j = cl.rule_ablation_storage(delay=8, edit_latency=edit, control_latency=control, attractors_kept=kept)
    assert j.verdict is verdict


def test_rule_ablation_early_fraction_moves_the_cutoff():
    kwargs = {"delay": 8, "edit_latency": [7.0] * 18, "control_latency": LATE, "attractors_kept": [True] * 18}
    assert cl.rule_ablation_storage(**kwargs).verdict is N
    assert cl.rule_ablation_storage(**kwargs, early_fraction=0.125).verdict is S


def test_rule_ablation_writing_and_accuracy():
    base = {"delay": 8, "edit_latency": EARLY, "control_latency": LATE}
    assert cl.rule_ablation_writing(**base, write_failures=[0.0] * 18).verdict is S
    assert cl.rule_ablation_writing(**base, write_failures=[0.5] * 18).verdict is P
    assert cl.rule_ablation_accuracy(**base, undelayed_edit=[0.72] * 18, undelayed_intact=[0.97] * 18).verdict is P
    assert cl.rule_ablation_accuracy(**base, undelayed_edit=[0.99] * 18, undelayed_intact=[0.97] * 18).verdict is S
    with pytest.raises(ValueError, match="write_failures"):
        cl.rule_ablation_writing(**base, write_failures=[1.5] * 18)
    with pytest.raises(ValueError, match="undelayed_intact must have shape"):
        cl.rule_ablation_accuracy(**base, undelayed_edit=[0.9], undelayed_intact=[0.9, 0.9])


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: cl.rule_learns(seed0_error={0: 0.1}, converged={0: (3, 2)}), ValueError),
        (lambda: cl.rule_learns(seed0_error={0: 1.5}, converged={0: (1, 2)}), ValueError),
        (lambda: cl.rule_learns(seed0_error=[0.1], converged={0: (1, 2)}), TypeError),
        (lambda: cl.rule_learns(seed0_error={}, converged={0: (1, 2)}), ValueError),
        (lambda: cl.rule_learns(seed0_error={-1: 0.1}, converged={0: (1, 2)}), TypeError),
        (lambda: cl.rule_learns(seed0_error={0: 0.1}, converged={0: (1, 2)}, majority=2.0), ValueError),
        (lambda: cl.rule_cube(seed0_census={0: -8}, cube=(1, 2)), ValueError),
        (lambda: cl.rule_cube(seed0_census={"0": 8}, cube=(1, 2)), TypeError),
        (lambda: cl.rule_fourier(sign_changes=[1], control_sign_changes=[1, 2]), ValueError),
        (lambda: cl.rule_fourier(sign_changes=[1, 2], control_sign_changes=[1, 2], n_components=2.0), TypeError),
        (lambda: cl.rule_fourier(sign_changes=[[1, 2], [1]], control_sign_changes=[1, 2]), TypeError),
        (lambda: cl.rule_fourier(sign_changes=[[[1, 2]]], control_sign_changes=[1, 2]), ValueError),
        (lambda: cl.rule_fourier(sign_changes=[1, 2], control_sign_changes=[1, 2], max_drops=True), TypeError),
        (lambda: cl.rule_delay_limit(converged={10: (1, 5)}, rate=-0.1), ValueError),
        (lambda: cl.rule_recipe_trains(converged={0: (5, 5)}), ValueError),
        (lambda: cl.rule_paired_speedup(pairs={8: (1, 2)}), TypeError),
        (lambda: cl.rule_paired_speedup(pairs={8: (1, -2, 0)}), ValueError),
        (lambda: cl.rule_paired_speedup(pairs={8: (1, 2, 0)}, effect=0.6), ValueError),
        (lambda: cl.rule_loops(overshoot={0: 0.1}), ValueError),
        (lambda: cl.rule_loops(overshoot={0: 0.1, 8: math.inf}), ValueError),
        (lambda: cl.rule_loops(overshoot={0: 0.1, 8: "0.1"}), TypeError),
        (lambda: cl.rule_invisible(visibility=Interval(0.1, 0.3, 0.2, 0.9, "", 3)), ValueError),
        (lambda: cl.rule_orthogonal(p_more=[0.1, 0.2], p_less=[0.1]), ValueError),
        (lambda: cl.rule_orthogonal(p_more=[1.2], p_less=[0.1]), ValueError),
        (lambda: cl.rule_ablation_storage(delay=0, edit_latency=[1.0], control_latency=[1.0], attractors_kept=[True]),
         ValueError),
        (lambda: cl.rule_ablation_storage(delay=8.5, edit_latency=[1.0], control_latency=[1.0],
                                          attractors_kept=[True]), ValueError),
        (lambda: cl.rule_ablation_storage(delay=8, edit_latency=[[1.0]], control_latency=[1.0],
                                          attractors_kept=[True]), ValueError),
        (lambda: cl.conjoin({}), ValueError),
        (lambda: cl.conjoin({"a": True}, core=("b",)), ValueError),
    ],
)
def test_rules_reject_bad_input(call, error):
    with pytest.raises(error):
        call()


@pytest.mark.parametrize(
    ("parts", "core", "verdict"),
    [
        ({"a": True, "b": True}, (), S),
        ({"a": True, "b": False}, (), P),
        ({"a": True, "b": False, "c": None}, (), P),
        ({"a": False, "b": False}, (), N),
        ({"a": True, "b": None}, (), None),
        ({"a": False, "b": None}, (), None),
        ({"a": False, "b": True}, ("a",), N),
        ({"a": None, "b": True}, ("a",), None),
        ({"a": True, "b": False}, ("a",), P),
    ],
)
def test_conjoin(parts, core, verdict):
    assert cl.conjoin(parts, core=core) is verdict


# ----------------------------------------------------------------------------- the claims


def test_claims_are_numbered_one_to_fourteen_as_in_the_table():
    assert [c.number for c in CLAIMS] == list(range(1, 15))
    assert all(cl.claim(c.number) is c for c in CLAIMS)
    with pytest.raises(ValueError, match=r"number must be in \[1, 14\]"):
        cl.claim(15)
    with pytest.raises(TypeError):
        cl.claim("3")


def test_every_claim_cites_a_section_the_paper_has_and_a_chapter_of_the_book():
    chapters = {p.stem for p in (ROOT / "book").glob("*.ipynb")}
    for c in CLAIMS:
        assert cl.section_slips(c.section) == [], c.number
        assert c.chapter in chapters, c.number
        assert all(r.chapter in chapters | {""} for r in c.readings), c.number


def _normalised(text):
    # The paper's text has line numbers of the review copy interleaved with it (e.g. "325"), and its own line breaks.
    text = re.sub(r"\s\d{3}(?=\s)", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.skipif(not PAPER.is_dir(), reason="the paper's text is not available here")
def test_every_quote_is_verbatim_from_the_paper():
    paper = _normalised(" ".join(p.read_text(encoding="utf-8") for p in sorted(PAPER.glob("*.txt"))))
    for c in CLAIMS:
        for piece in c.quote.split(" […] "):
            assert _normalised(piece) in paper, f"claim {c.number}: {piece!r}"


def test_every_reading_feeds_its_rule_its_inputs_and_thresholds_and_states_them():
    for c in CLAIMS:
        assert c.readings and len({r.name for r in c.readings}) == len(c.readings)
        for r in c.readings:
            params = inspect.signature(r.rule).parameters
            assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values()), r.rule.__name__
            assert set(params) == set(r.inputs) | set(r.thresholds), (c.number, r.name)
            for name, t in r.thresholds.items():
                default = params[name].default
                assert default is inspect.Parameter.empty or default == t.value, (c.number, r.name, name)
            assert r.measure and r.rule_text and r.rule.__doc__
        # A threshold name means the same in every reading of a claim, since sensitivity scales them together.
        for name in c.thresholds:
            meanings = {r.thresholds[name].meaning for r in c.readings if name in r.thresholds}
            assert len(meanings) == 1, (c.number, name)


def test_describe_states_quote_rule_and_thresholds():
    text = cl.describe(11)
    assert "Claim 11" in text and "Sec. 4" in text and "*switches*" in text and "*repeats*" in text
    assert "min_loop = 0.05" in text and "vanish_ratio = 0.5" in text


def test_the_loose_claims_have_their_readings():
    assert [r.name for r in cl.claim(11).readings] == ["switches", "repeats"]
    assert [r.name for r in cl.claim(12).readings] == ["linear readout", "tanh output", "subspace"]
    assert [r.name for r in cl.claim(13).readings] == ["right eigenvectors", "left eigenvectors",
                                                       "separatrix normals"]


LOOPS = {"overshoot_switch": {0: 0.001, 8: 0.018}, "overshoot_repeat": {0: 1.417, 8: 0.248}}


def test_assess_combines_the_readings():
    a = cl.assess(11, LOOPS)
    assert a.readings["switches"].verdict is N and a.readings["repeats"].verdict is S
    assert a.verdict is A and "switches: not supported" in a.overall.reason
    repeat = LOOPS["overshoot_repeat"]
    agree = cl.assess(11, {"overshoot_switch": repeat, "overshoot_repeat": repeat})
    assert agree.verdict is S


def test_combine_keeps_an_agreed_verdict_and_the_largest_power():
    j = cl.combine({"a": Judgement(I, "x", 0.1), "b": Judgement(I, "y", 0.3)})
    assert (j.verdict, j.power) == (I, 0.3)
    j = cl.combine({"a": Judgement(I, "x", math.nan), "b": Judgement(I, "y", math.nan)})
    assert math.isnan(j.power)
    one = Judgement(S, "z")
    assert cl.combine({"a": one}) is one
    assert cl.combine({"a": one, "b": Judgement(I, "y", 0.3)}).verdict is A
    with pytest.raises(ValueError):
        cl.combine({})


def test_an_unmeasured_reading_is_inconclusive_with_power_zero():
    a = cl.assess(12, {"visibility_linear": 0.38})
    assert a.readings["linear readout"].verdict is N
    tanh = a.readings["tanh output"]
    assert (tanh.verdict, tanh.power) == (I, 0.0) and "not measured: visibility_tanh" in tanh.reason
    assert a.verdict is A


def test_assess_rejects_unknown_inputs_and_bad_measures():
    with pytest.raises(ValueError, match="takes no input"):
        cl.assess(11, {"overshoot": {0: 0.1, 8: 0.0}})
    with pytest.raises(TypeError, match="measured must be a mapping"):
        cl.assess(11, [("overshoot_switch", 1)])
    with pytest.raises(ValueError, match="overshoot must hold"):
        cl.assess(11, {"overshoot_switch": {0: 0.1}})


def test_verdict_of_returns_what_assess_recorded():
    with pytest.raises(LookupError, match="claim 11 has not been assessed"):
        cl.verdict_of(11)
    cl.assess(11, LOOPS)
    assert cl.verdict_of(11) is A
    assert set(cl.recorded()) == {11}
    cl.assess(12, {"visibility_linear": 0.38}, record=False)
    assert 12 not in cl.recorded()
    cl.forget()
    assert cl.recorded() == {}


def test_sensitivity_table_halves_and_doubles_each_threshold_under_each_reading():
    table = cl.sensitivity(11, LOOPS)
    assert list(table) == ["reading", "threshold", "scale", "value", "verdict"]
    n_thresholds, n_readings = 2, 2
    n_rows = (1 + len(cl.SCALES) * n_thresholds) * (n_readings + 1)
    assert all(col.shape == (n_rows,) for col in table.values())
    base = table["threshold"] == "—"
    assert table["verdict"][base].tolist() == ["not supported", "supported", "ambiguous"]
    assert set(table["reading"].tolist()) == {"switches", "repeats", "overall"}
    rows = {(r, t, s): (v, x) for r, t, s, v, x in zip(*table.values(), strict=True)}
    assert rows["repeats", "min_loop", 2.0] == (0.1, "supported")
    assert rows["repeats", "vanish_ratio", 0.5] == (0.25, "supported")
    assert rows["overall", "vanish_ratio", 2.0][0] == 1.0
    assert math.isnan(rows["overall", "—", 1.0][0])


def test_sensitivity_leaves_the_overall_value_blank_where_readings_state_a_threshold_differently():
    table = cl.sensitivity(7, {"converged": {8: Count(4, 5), 10: Count(3, 5), 12: Count(0, 5)}})
    rows = {(r, s): (v, x) for r, t, s, v, x in zip(*table.values(), strict=True) if t == "rate"}
    assert rows["most seeds", 2.0][0] == 1.0 and rows["some seeds", 2.0][0] == pytest.approx(0.2)
    assert math.isnan(rows["overall", 2.0][0])
    assert table["verdict"][table["threshold"] == "—"].tolist() == [
        f"inconclusive (power {100 * 0.75**5:.4g} %)", "not supported", "ambiguous"]


def test_sensitivity_needs_counts_at_every_scaled_radius():
    with pytest.raises(ValueError, match="no entry at 0.125"):
        cl.sensitivity(6, {"rotations": {0.25: GOOD}, "three_real": {0.25: GOOD}})


def test_sensitivity_scales_an_integer_threshold_to_an_integer():
    table = cl.sensitivity(4, {"sign_changes": [RISING] * 10, "control_sign_changes": list(range(1, 10))})
    values = table["value"][(table["threshold"] == "n_components") & (table["reading"] == "strict")]
    assert values.tolist() == [4.0, 18.0]


def test_sensitivity_of_every_claim_runs_on_unmeasured_inputs():
    for c in CLAIMS:
        table = cl.sensitivity(c.number, {})
        assert set(table["verdict"].tolist()) <= {"inconclusive (power 0 %)"}, c.number


def test_claim_6_reports_its_verdict_at_each_outlier_radius():
    measured = {"rotations": _by_radius(GOOD, GOOD, GOOD),
                "three_real": _by_radius(Count(6, 20), Count(7, 20), Count(7, 20))}
    table = cl.sensitivity(6, measured)
    radius = table["threshold"] == "outlier_excess"
    assert sorted(table["value"][radius & (table["reading"] == "outliers")].tolist()) == [0.125, 0.5]


# ----------------------------------------------------------------------------- statements the chapters read


def test_section_slips():
    assert cl.section_slips("Sec. 5, Sec. 7") == ["Sec. 7"]
    assert cl.section_slips("Sec. 5-7 (interpretation)") == ["Sec. 7"]
    assert cl.section_slips("Sec. 2; Sec. 3–4, App. A, Section 6 and Secs. 4 and 5") == []
    assert cl.section_slips("Second, the seconds") == []


def test_rotation_contrast_counts_instead_of_all_and_none():
    text = cl.rotation_contrast(Count(20, 20), Count(1, 20), delays_without=(2,))
    assert text == ("outlying rotation pairs of W appear in 20 of 20 networks trained with Δt = 8 and in 1 of 20 "
                    "trained without delay; the shipped network at Δt = 2 has none")
    assert "lack" not in text


# ----------------------------------------------------------------------------- consistency of the chapters


def test_verdict_statements_follow_the_convention():
    text = (
        "## Claim 11: the loops\n\nRule: supported if the loops vanish. Claim 11 is **ambiguous**: the readings "
        "disagree. Claims 12 and 13 are **not supported**, and claim 14 is **partly supported**. Claims 5–6 stay "
        "**reproduced** (earlier words). Claim 10 reads **inconclusive (power 24 %)**. The loops are **gone**.\n\n"
        "| 9 | TBPTT | … | **not reproduced** |"
    )
    found = {(s.number, s.verdict) for s in cl.verdict_statements(text)}
    assert found == {(11, A), (12, N), (13, N), (14, P), (5, S), (6, S), (10, I)}
    both = cl.verdict_statements("Claim 1 and claim 2 are **supported**.")
    assert [(s.number, s.verdict) for s in both] == [(1, S), (2, S)]


def test_contradictions_against_a_table_and_against_the_module():
    text = "Claim 11 is **supported**. Claim 12 is **not supported**. Claim 15 is **supported**."
    table = {11: A, 12: N}
    found = cl.contradictions(text, table, source="delayed")
    assert [(c.number, c.stated, c.expected, c.source) for c in found] == [(11, S, A, "delayed"), (15, S, None,
                                                                                                    "delayed")]
    cl.assess(11, LOOPS)
    cl.assess(12, {"visibility_linear": 0.38, "visibility_tanh": 0.38, "share": 0.34, "null_share": 0.17})
    assert [c.number for c in cl.contradictions(text)] == [11, 15]


def test_table_verdicts_read_a_rendered_claims_table():
    text = "| # | claim | verdict |\n|---|---|---|\n| 1 | learns | **reproduced** |\n| 11 | loops | **ambiguous** |"
    assert cl.table_verdicts(text) == {1: S, 11: A}


def test_notebook_text_reads_markdown_cells_and_markdown_outputs(tmp_path):
    nb = {"cells": [
        {"cell_type": "markdown", "source": ["Claim 3 is **supported**."]},
        {"cell_type": "code", "source": "x", "outputs": [{"data": {"text/markdown": ["Claim 4 is **ambiguous**."]}},
                                                          {"text": "Claim 5 is **supported**."}]},
    ]}
    path = tmp_path / "chapter.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    text = cl.notebook_text(path)
    assert [s.number for s in cl.verdict_statements(text)] == [3, 4]


def _table_of_the_book():
    return cl.table_verdicts(cl.notebook_text(ROOT / "book" / "claims.ipynb", html=True))


def test_the_books_claims_table_has_fourteen_rows_with_the_module_s_verdicts():
    from rnnmem_helpers.chapters.evidence import assess_all, load_shipped_evidence

    table = _table_of_the_book()
    assert sorted(table) == list(range(1, 15))
    # The landing page's compact table says the same.
    assert cl.table_verdicts(cl.notebook_text(ROOT / "book" / "intro.ipynb", html=True)) == table
    assessments = assess_all(load_shipped_evidence(), record=False)
    assert table == {n: a.verdict for n, a in assessments.items()}


def test_table_verdicts_reads_html_rows():
    html = ('<table class="verdict-table"><tbody><tr><td>3</td><td><a href="x">t</a></td><td>'
            '<span class="verdict-badge verdict-partly-supported" title="r">partly supported</span></td>'
            "<td>c</td></tr></tbody></table>")
    assert cl.table_verdicts(html) == {3: cl.Verdict.PARTLY}


