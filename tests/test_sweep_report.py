import math

import numpy as np
import pytest

from rnnmem_helpers.stats import wilson_ci
from rnnmem_helpers.sweep import RUN_DEFAULTS, expand_grid
from rnnmem_helpers.sweep_report import (
    ANALYSIS_COLUMNS,
    completeness,
    convergence_table,
    delay_limits,
    format_table,
    group_median,
    group_proportion,
    run_table,
    select,
)

ANALYSIS = {
    "spectrum": {
        # |1.2| and |0.5 ± 0.9i| = 1.03 exceed 1.01; |1.005| does not.
        "eigvals": [[1.2, 0.0], [0.5, 0.9], [0.5, -0.9], [1.005, 0.0], [0.1, 0.0]],
        "n_unstable": 4,
        "n_real_outliers": 2,
        "rotation_angles": [1.0, 0.3],
        "rotation_periods": [2 * np.pi, 2 * np.pi / 0.3],
    },
    "fixed_points": {
        "summary": {"0": 8, "1": 12, "4": 2, "6": 1},
        "summary_naive": {"0": 8, "1": 12, "4": 2, "6": 1},
        "n": 23,
        "n_slow": 0,
        "max_unstable": 6,
        "attractor_angles": [0.2, 0.6, 0.4],
    },
}


def record(delay=0, seed=0, converged=True, steps=1000, accuracy=0.999, analysed=False, **config):
    result = {
        "converged": converged,
        "steps": steps,
        "accuracy": accuracy,
        "wrong_flips": 0,
        "seconds": 1.0,
        "history": {"step": [], "loss": [], "eval_accuracy": []},
    }
    if analysed:
        result.update(ANALYSIS)
    return {**RUN_DEFAULTS, "delay": delay, "seed": seed, **config, "result": result}


def test_run_table_columns_and_analysis_features():
    t = run_table([record(analysed=True), record(delay=8, seed=1, converged=False, steps=8000, accuracy=0.6)])
    assert t["delay"].tolist() == [0, 8] and t["delay"].dtype.kind == "i"
    assert t["mode"].tolist() == ["bptt", "bptt"] and t["analyse"].dtype == bool
    assert t["converged"].tolist() == [True, False] and t["steps"].tolist() == [1000, 8000]
    assert t["analysed"].tolist() == [True, False]
    row = {c: t[c][0] for c in ANALYSIS_COLUMNS}
    assert row == {
        "n_fixed": 23,
        "n_attractors": 8,
        "n_big_saddles": 3,
        "max_unstable": 6,
        "origin_unstable": 3,
        "n_rot_pairs": 2,
        "n_real_outliers": 2,
        "lead_angle": 1.0,
        "lead_period": pytest.approx(2 * np.pi),
        "rot_modulus": pytest.approx(np.hypot(0.5, 0.9)),
        "attractor_angle": pytest.approx(0.4),
    }
    assert all(math.isnan(t[c][1]) for c in ANALYSIS_COLUMNS)


def test_run_table_without_rotation_or_attractor_angles():
    rec = record(analysed=True)
    rec["result"] = {
        **rec["result"],
        "spectrum": {**ANALYSIS["spectrum"], "rotation_angles": []},
        "fixed_points": {**ANALYSIS["fixed_points"], "attractor_angles": []},
    }
    t = run_table([rec])
    assert t["n_rot_pairs"][0] == 0
    assert math.isnan(t["lead_angle"][0]) and math.isnan(t["lead_period"][0]) and math.isnan(t["attractor_angle"][0])


def test_run_table_empty_and_bad_records():
    t = run_table([])
    assert t["delay"].shape == (0,) and t["accuracy"].shape == (0,)
    bad = record()
    del bad["seed"]
    with pytest.raises(ValueError, match="seed"):
        run_table([bad])
    bad = record()
    del bad["result"]["steps"]
    with pytest.raises(ValueError, match="result"):
        run_table([bad])
    with pytest.raises(TypeError):
        run_table("not records")


def test_select():
    t = run_table([record(delay=d, seed=s) for d in (0, 4, 8) for s in (0, 1)])
    assert select(t, delay=4)["seed"].tolist() == [0, 1]
    assert select(t, delay=[0, 8], seed=1)["delay"].tolist() == [0, 8]
    assert select(t, t["delay"] > 0, seed=0)["delay"].tolist() == [4, 8]
    assert select(t, delay=3)["delay"].shape == (0,)
    with pytest.raises(ValueError, match="colour"):
        select(t, colour=1)
    with pytest.raises(ValueError, match="mask"):
        select(t, [True, False])


def test_convergence_table_censoring():
    recs = [record(delay=0, seed=s, steps=st) for s, st in enumerate((500, 1000, 1500))]
    recs += [record(delay=0, seed=s, converged=False, steps=8000, accuracy=0.7) for s in (3, 4)]
    recs += [record(delay=8, seed=0, steps=3000)]
    recs += [record(delay=8, seed=s, converged=False, steps=8000, accuracy=0.6) for s in (1, 2, 3)]
    recs += [record(delay=16, seed=s, converged=False, steps=8000, accuracy=0.5) for s in (0, 1)]
    c = convergence_table(run_table(recs), by="delay", rng=0)
    assert c["delay"].tolist() == [0, 8, 16]
    assert c["n"].tolist() == [5, 4, 2] and c["n_converged"].tolist() == [3, 1, 0]
    assert (c["frac_lo"][0], c["frac_hi"][0]) == wilson_ci(3, 5)
    assert c["acc_median"][0] == pytest.approx(0.999) and c["acc_min"][0] == pytest.approx(0.7)
    # Among converged runs only; one converged run gives a median without interval, none gives NaN.
    assert c["steps_median"][0] == 1000 and c["steps_lo"][0] <= 1000 <= c["steps_hi"][0]
    assert c["steps_median"][1] == 3000 and math.isnan(c["steps_lo"][1])
    assert math.isnan(c["steps_median"][2])
    # Over all runs with the censored ones at the budget: decided by converged runs only at delay 0.
    assert c["steps_median_all"].tolist() == [1500, 8000, 8000]
    assert c["steps_all_is_bound"].tolist() == [False, True, True]
    assert c["budget"].tolist() == [8000, 8000, 8000]


def test_convergence_table_seeded_and_group_independent():
    recs = [record(delay=4, seed=s, steps=250 * (s + 1)) for s in range(6)]
    extra = [record(delay=0, seed=s, steps=500 * (s + 1)) for s in range(4)]
    one = convergence_table(run_table(recs), rng=3)
    both = convergence_table(run_table(extra + recs), rng=3)
    assert both["delay"].tolist() == [0, 4]
    assert (one["steps_lo"][0], one["steps_hi"][0]) == (both["steps_lo"][1], both["steps_hi"][1])
    with pytest.raises(ValueError, match="level"):
        convergence_table(run_table(recs), level=1.5)


def test_summaries_of_an_empty_table_are_empty():
    t = run_table([])
    c = convergence_table(t, by=("rate_scope", "delay"))
    assert c["n"].shape == (0,) and "steps_median" in c
    assert delay_limits(c, "rate_scope")["max_all"].shape == (0,)
    assert group_median(t, "lead_angle")["median"].shape == (0,)
    assert group_proportion(t, "converged")["k"].shape == (0,)
    assert format_table(c, ["delay", "n"]).split() == ["delay", "n"]


def test_group_proportion_and_median():
    recs = [record(delay=d, seed=s, converged=s < k, analysed=s != 2) for d, k in ((0, 3), (8, 1)) for s in range(3)]
    t = run_table(recs)
    p = group_proportion(t, "converged", by="delay")
    assert p["k"].tolist() == [3, 1] and p["n"].tolist() == [3, 3]
    assert (p["frac_lo"][1], p["frac_hi"][1]) == wilson_ci(1, 3)
    with pytest.raises(TypeError, match="boolean"):
        group_proportion(t, "steps")
    m = group_median(t, "n_attractors", by="delay", rng=0)
    assert m["n"].tolist() == [3, 3] and m["n_defined"].tolist() == [2, 2]
    assert m["median"].tolist() == [8, 8] and m["lo"].tolist() == [8, 8]
    m = group_median(select(t, seed=0), "n_attractors", by="delay")
    assert m["median"].tolist() == [8, 8] and np.isnan(m["lo"]).all()
    with pytest.raises(TypeError, match="numeric"):
        group_median(t, "mode")


def test_delay_limits():
    conv = {
        "n_hidden": np.array([50] * 4 + [100] * 4 + [200] * 2),
        "delay": np.array([0, 2, 4, 8, 8, 4, 2, 0, 0, 4]),
        "n": np.array([5] * 10),
        "n_converged": np.array([5, 5, 3, 0, 0, 5, 4, 5, 4, 5]),
    }
    lim = delay_limits(conv)
    assert lim["n_hidden"].tolist() == [50, 100, 200]
    assert lim["n_delays"].tolist() == [4, 4, 2]
    # N = 100 (delays given out of order): all converge at 0, a failure at 2, so max_all = 0 despite 4.
    np.testing.assert_array_equal(lim["max_all"], [2, 0, np.nan])
    np.testing.assert_array_equal(lim["max_any"], [4, 4, 4])
    np.testing.assert_array_equal(lim["min_none"], [8, 8, np.nan])
    with pytest.raises(ValueError, match="n_converged"):
        delay_limits({"n_hidden": np.array([1]), "delay": np.array([0]), "n": np.array([1])})


def test_completeness():
    runs = expand_grid({"grid": {"delay": [0, 4], "seed": [0, 1, 2]}})
    recs = [record(delay=0, seed=1), record(delay=0, seed=2), record(delay=4, seed=0)]
    c = completeness(recs, runs, by="delay")
    assert c["delay"].tolist() == [0, 4]
    assert c["expected"].tolist() == [3, 3] and c["finished"].tolist() == [2, 1]
    assert completeness([], runs, by="delay")["finished"].tolist() == [0, 0]
    with pytest.raises(ValueError, match="not in the grid"):
        completeness([record(delay=8)], runs, by="delay")
    with pytest.raises(ValueError, match="lacks"):
        completeness([{"seed": 0}], runs, by="delay")


def test_format_table():
    table = {
        "name": np.array(["a", "bb"]),
        "k": np.array([3, 12]),
        "x": np.array([0.12345, np.nan]),
        "ok": np.array([True, False]),
    }
    text = format_table(table, formats={"x": ".2f"})
    lines = text.splitlines()
    assert lines[0].split() == ["name", "k", "x", "ok"]
    assert lines[1].split() == ["a", "3", "0.12", "True"]
    assert lines[2].split() == ["bb", "12", "—", "False"]
    assert len({len(line) for line in lines}) == 1  # aligned
    assert format_table(table, ["k"], missing="nan").splitlines()[1].strip() == "3"
    with pytest.raises(ValueError, match="zzz"):
        format_table(table, ["zzz"])
    with pytest.raises(ValueError, match="1-D arrays of one length"):
        format_table({"a": np.arange(2), "b": np.arange(3)})


def test_run_table_training_progress():
    rec = record(converged=False, steps=1000)
    rec["result"]["history"] = {
        "step": [250, 500, 750, 1000],
        "loss": [1, 1, 1, 1],
        "eval_accuracy": [0.6, 0.7, 0.9, 0.8],
    }
    t = run_table([rec, record()])
    assert t["best_eval"][0] == 0.9 and t["best_eval_half"][0] == 0.7 and t["last_eval"][0] == 0.8
    assert np.isnan(t["best_eval"][1]) and np.isnan(t["best_eval_half"][1]) and np.isnan(t["last_eval"][1])
    rec["result"]["history"]["step"] = [250]
    with pytest.raises(ValueError, match="history"):
        run_table([rec])
