import dataclasses
import math

import numpy as np
import pytest

from rnnmem_helpers.core.provenance import collect
from rnnmem_helpers.experiments.causal import (
    CAUSAL_SCHEMA_VERSION,
    CausalConfig,
    CausalMeasures,
    CausalResult,
    PlaneRecord,
    SwitchRecord,
    TimingRecord,
)
from rnnmem_helpers.experiments.curriculum import CURRICULUM_SCHEMA_VERSION, CurriculumConfig, CurriculumResult, Rung
from rnnmem_helpers.experiments.experiment import (
    SCHEMA_VERSION,
    Analysis,
    FixedPointRecord,
    History,
    RunConfig,
    RunResult,
    SpectrumRecord,
    WeightsRecord,
    run_key,
)
from rnnmem_helpers.experiments.sweep_report import (
    ANALYSIS_COLUMNS,
    CAUSAL_MEASURE_COLUMNS,
    OBJECT_COLUMNS,
    budget_twins,
    causal_table,
    completeness,
    compute_statement,
    curriculum_table,
    provenance_columns,
    run_table,
)

# A run's config: the dataclass defaults but for the budget the shipped sweeps use.
CONFIG = {**dataclasses.asdict(RunConfig()), "max_steps": 8000}

SPECTRUM = {
    # |1.2| and |0.5 ± 0.9i| = 1.03 exceed 1.01; |1.005| does not.
    "eigvals": ((1.2, 0.0), (0.5, 0.9), (0.5, -0.9), (1.005, 0.0), (0.1, 0.0), (0.05, 0.0), (0.02, 0.0)),
    "n_unstable": 3,
    "n_unstable_naive": 4,
    "n_real_outliers": 2,
    "rotation_angles": (1.0, 0.3),
    "rotation_periods": (2 * np.pi, 2 * np.pi / 0.3),
}
FIXED = {
    "summary": {0: 8, 1: 12, 4: 2, 6: 1},
    "summary_naive": {0: 8, 1: 12, 4: 2, 6: 1},
    "n": 23,
    "n_slow": 0,
    "max_unstable": 6,
    "attractor_angles": (0.2, 0.6, 0.4),
    "attractor_moduli": (0.9, 0.8, 0.7),
}
NO_HISTORY = History()
PROVENANCE = collect(started="2026-01-01T00:00:00+00:00", wall_seconds=1800.0)
# The same code on another CPU: another machine.
ELSEWHERE = dataclasses.replace(PROVENANCE, cpu_model="Another CPU", wall_seconds=5400.0)
WEIGHTS = WeightsRecord("weights/0123456789abcdef.npz", "ab" * 32, 1000)
OTHER_WEIGHTS = WeightsRecord("weights/fedcba9876543210.npz", "cd" * 32, 1000)


def record(delay=0, seed=0, converged=True, steps=1000, accuracy=0.999, analysed=False, history=NO_HISTORY,
           spectrum=None, fixed=None, provenance=PROVENANCE, weights=WEIGHTS, **config):
    cfg = RunConfig(**{**CONFIG, "delay": delay, "seed": seed, "analyse": analysed, **config})
    analysis = None
    if analysed:
        spec, fps = SpectrumRecord(**{**SPECTRUM, **(spectrum or {})}), FixedPointRecord(**{**FIXED, **(fixed or {})})
        analysis = Analysis(spec, fps)
    return RunResult(
        schema_version=SCHEMA_VERSION, config=cfg, converged=converged, steps=steps, seconds=1.0, accuracy=accuracy,
        wrong_flips=0, history=history, analysis=analysis, weights=weights, provenance=provenance,
    )


def test_run_table_columns_and_analysis_features():
    t = run_table([record(analysed=True), record(delay=8, seed=1, converged=False, steps=8000, accuracy=0.6)])
    assert t["delay"].tolist() == [0, 8] and t["delay"].dtype.kind == "i"
    assert t["mode"].tolist() == ["bptt", "bptt"] and t["analyse"].dtype == bool
    assert list(t)[: len(CONFIG)] == list(CONFIG)
    assert t["census"][0] == FIXED["summary"] and t["census"][1] is None
    np.testing.assert_array_equal(t["eigvals"][0], [1.2, 0.5 + 0.9j, 0.5 - 0.9j, 1.005, 0.1, 0.05, 0.02])
    np.testing.assert_array_equal(t["attractor_moduli"][0], FIXED["attractor_moduli"])
    assert all(t[c].dtype == object for c in OBJECT_COLUMNS) and t["history"][1] is NO_HISTORY
    assert t["mean_interval"].dtype == np.float64 and t["mode"].dtype.kind == "U"
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
        "n_slow": 0,
        "lead_angle": 1.0,
        "lead_period": pytest.approx(2 * np.pi),
        "rot_modulus": pytest.approx(np.hypot(0.5, 0.9)),
        "attractor_angle": pytest.approx(0.4),
    }
    assert all(math.isnan(t[c][1]) for c in ANALYSIS_COLUMNS)


def test_run_table_without_rotation_or_attractor_angles():
    rec = record(analysed=True, spectrum={"rotation_angles": (), "rotation_periods": ()},
                 fixed={"attractor_angles": (), "attractor_moduli": ()})
    t = run_table([rec])
    assert t["n_rot_pairs"][0] == 0
    assert math.isnan(t["lead_angle"][0]) and math.isnan(t["lead_period"][0]) and math.isnan(t["attractor_angle"][0])


def test_run_table_empty_and_bad_records():
    t = run_table([])
    assert t["delay"].shape == (0,) and t["accuracy"].shape == (0,)
    with pytest.raises(TypeError, match="results"):
        run_table([dataclasses.asdict(record())])
    with pytest.raises(TypeError, match="results"):
        run_table("not records")


def test_budget_twins_compares_runs_over_the_shorter_budget():
    short = run_table([
        record(delay=10, seed=0, steps=4500),
        record(delay=10, seed=1, converged=False, steps=8000),
        record(delay=10, seed=2, steps=6000),
        record(delay=10, seed=3, converged=False, steps=8000),
        record(delay=10, seed=5, converged=False, steps=8000, mean_interval=20.0),  # another task: no twin
    ])
    long = run_table([
        record(delay=10, seed=0, steps=4500, max_steps=32000),  # same update: agrees
        record(delay=10, seed=1, steps=10000, max_steps=32000),  # converged only after 8000: agrees
        record(delay=10, seed=2, steps=6250, max_steps=32000),  # another update: differs
        record(delay=10, seed=3, steps=7000, max_steps=32000, analysed=True),  # converged where the twin did not
        record(delay=10, seed=4, converged=False, steps=32000, max_steps=32000),  # no twin
        record(delay=10, seed=5, converged=False, steps=32000, max_steps=32000),  # its seed-5 twin differs in task
    ])
    t = budget_twins(short, long)
    assert t["seed"].tolist() == [0, 1, 2, 3]
    assert t["agrees"].tolist() == [True, True, False, False]
    assert t["budget"].tolist() == [8000] * 4 and t["delay"].tolist() == [10] * 4
    assert budget_twins(short, run_table([]))["seed"].size == 0
    with pytest.raises(ValueError, match="steps"):
        budget_twins({k: v for k, v in short.items() if k != "steps"}, long)


def test_completeness():
    runs = [RunConfig(**{**CONFIG, "delay": d, "seed": s, "analyse": False}) for d in (0, 4) for s in range(3)]
    recs = [record(delay=0, seed=1), record(delay=0, seed=2), record(delay=4, seed=0)]
    c = completeness(recs, runs, by="delay")
    assert c["delay"].tolist() == [0, 4]
    assert c["expected"].tolist() == [3, 3] and c["finished"].tolist() == [2, 1]
    assert completeness([], runs, by="delay")["finished"].tolist() == [0, 0]
    with pytest.raises(ValueError, match="not in the grid"):
        completeness([record(delay=8)], runs, by="delay")
    with pytest.raises(TypeError, match="results"):
        completeness([{"seed": 0}], runs, by="delay")
    with pytest.raises(ValueError, match="RunConfig"):
        completeness([], runs, by="n_units")


def test_run_table_training_progress():
    history = History(step=(250, 500, 750, 1000), loss=(1.0, 1.0, 1.0, 1.0), eval_accuracy=(0.6, 0.7, 0.9, 0.8))
    rec = record(converged=False, steps=1000, history=history)
    t = run_table([rec, record()])
    assert t["best_eval"][0] == 0.9 and t["best_eval_half"][0] == 0.7 and t["last_eval"][0] == 0.8
    assert np.isnan(t["best_eval"][1]) and np.isnan(t["best_eval_half"][1]) and np.isnan(t["last_eval"][1])


# ----------------------------------------------------------------------------- causal_table


SWITCH_NONE = SwitchRecord(0, 0, None, None, None, None, None)


def _causal(measures, *, delay=8, seed=0, converged=True, steps=3000):
    config = CausalConfig.from_settings(delay=delay, seed=seed, n_time=1000, n_null=10)
    return CausalResult(
        CAUSAL_SCHEMA_VERSION, config, run_key(config.run), converged, steps, 1.0, 0.99, 3, History(), measures,
        WEIGHTS, PROVENANCE,
    )


def test_causal_table_reads_every_record_and_gives_nan_where_one_is_none():
    intact = TimingRecord(0, 0.99, 0.97, (8.0, 8.0, 8.0, 9.0, 10.0), 10, 3)
    rotations = TimingRecord(6, 0.7, 0.72, (0.0, 1.0, 2.0, 3.0, 4.0), 10, 1)
    all_censored = TimingRecord(4, 0.5, 0.5, (None,) * 5, 8, 8)
    switch = SwitchRecord(5, 1, 0.02, 0.03, 0.09, 0.01, 0.08)
    plane = PlaneRecord(3, 3, 0.9, 0.0, 0.001, 1.0)
    full = CausalMeasures(3, 4, 8, intact, rotations, rotations, all_censored, switch, switch, plane, plane, ())
    bare = CausalMeasures(0, 3, 1, intact, None, None, None, switch, None, None, None, ())
    t = causal_table([_causal(full, seed=2), _causal(bare, delay=0, converged=False, steps=8000)])
    assert t["delay"].tolist() == [8, 0] and t["seed"].tolist() == [2, 0] and t["n_time"].tolist() == [1000, 1000]
    assert t["mode"].tolist() == ["bptt", "bptt"] and t["converged"].tolist() == [True, False]
    assert t["steps"].tolist() == [3000, 8000] and t["n_rotations"].tolist() == [3, 0]
    assert t["n_real_outliers"].tolist() == [4, 3] and t["n_attractors"].tolist() == [8, 1]
    expected = {
        "accuracy": [0.99, 0.99],
        "intact_accuracy": [0.99, 0.99],
        "intact_censored_frac": [0.3, 0.3],
        "intact_latency_median": [8.0, 8.0],
        "intact_latency_p90": [10.0, 10.0],
        "rotations_undelayed": [0.72, np.nan],
        "rotations_latency_p10": [0.0, np.nan],
        "rotations_latency_median": [2.0, np.nan],
        "rotations_n_removed": [6.0, np.nan],
        "bulk_censored_frac": [0.1, np.nan],
        # Every switch censored: the latencies are undefined, the fraction is 1.
        "real_outliers_latency_median": [np.nan, np.nan],
        "real_outliers_censored_frac": [1.0, np.nan],
        "overshoot_median": [0.02, 0.02],
        "overshoot_mean": [0.03, 0.03],
        "visibility_p10": [0.01, np.nan],
        "visibility_p90": [0.08, np.nan],
        "readout_statistic": [0.9, np.nan],
        "readout_p_less": [0.001, np.nan],
        "attractor_p_more": [1.0, np.nan],
        "attractor_null_quantile": [0.0, np.nan],
    }
    for column, values in expected.items():
        np.testing.assert_array_equal(t[column], values, err_msg=column)
    assert all(t[c].dtype == np.float64 for c in CAUSAL_MEASURE_COLUMNS)
    assert {len(v) for v in t.values()} == {2}


def test_causal_table_of_no_results_has_every_column_and_no_row():
    t = causal_table([])
    assert {"delay", "converged", "intact_accuracy", "readout_p_more"} <= set(t)
    assert {len(v) for v in t.values()} == {0}


def test_causal_table_rejects_what_is_not_a_causal_result():
    with pytest.raises(TypeError, match="results"):
        causal_table([record()])
    timing = TimingRecord(0, 1.0, 1.0, (0.0,) * 5, 1, 0)
    one = _causal(CausalMeasures(0, 0, 0, timing, timing, timing, timing, SWITCH_NONE, None, None, None, ()))
    with pytest.raises(TypeError, match="results"):
        causal_table(one)


def test_causal_table_of_the_shipped_sweeps():
    from rnnmem_helpers.experiments.sweep import load_sweep

    results = load_sweep("causal")[0] + load_sweep("causal_delays")[0]
    t = causal_table(results)
    assert {len(v) for v in t.values()} == {40}
    for v in ("intact", "rotations", "bulk", "real_outliers"):
        for c in ("accuracy", "undelayed", "n_removed", "censored_frac"):
            assert np.all(np.isfinite(t[f"{v}_{c}"])), f"{v}_{c}"
    assert np.all(np.isfinite(t["intact_latency_median"]))
    # A network that did not learn may have no isolated switch to measure.
    assert np.all(np.isfinite(t["overshoot_median"][t["converged"]]))
    # Defined exactly where their measure applies: visibility needs a delay, plane angles a rotation.
    measured = t["converged"] | (t["overshoot_n"] > 0)
    np.testing.assert_array_equal(np.isfinite(t["visibility_median"])[measured], (t["delay"] > 0)[measured])
    np.testing.assert_array_equal(np.isfinite(t["readout_statistic"]), t["n_rotations"] > 0)
    np.testing.assert_array_equal(t["rotations_n_removed"], 2 * t["n_rotations"])
    np.testing.assert_array_equal(t["bulk_n_removed"], 2 * t["n_rotations"])


def _ladder(seed, outcomes, n_hidden=100):
    """A curriculum from Δt = 4 in steps of 2 whose rungs converge (or not) as ``outcomes`` says: (converged, steps)."""
    config = CurriculumConfig.from_settings(seed=seed, n_hidden=n_hidden, start_delay=4, delay_step=2, max_delay=10)
    rungs = tuple(
        Rung(delay=4 + 2 * i, converged=ok, steps=steps, seconds=1.0, accuracy=0.999 if ok else 0.6,
             wrong_flips=0, n_rotations=0, n_real_outliers=3, history=History(), weights=WEIGHTS)
        for i, (ok, steps) in enumerate(outcomes)
    )
    done = [g.delay for g in rungs if g.converged]
    return CurriculumResult(CURRICULUM_SCHEMA_VERSION, config, rungs, done[-1] if done else None, PROVENANCE)


def test_curriculum_table_reads_how_far_each_ladder_climbed():
    results = [
        _ladder(0, [(True, 750), (True, 250), (False, 8000)]),  # fails at Δt = 8
        _ladder(1, [(True, 500), (True, 1500), (True, 250), (True, 500)]),  # reaches max_delay 10
        _ladder(2, [(False, 8000)], n_hidden=200),  # rung 0 fails
    ]
    t = curriculum_table(results)
    assert t["seed"].tolist() == [0, 1, 2] and t["n_hidden"].tolist() == [100, 100, 200]
    np.testing.assert_array_equal(t["longest_delay"], [6, 10, np.nan])
    np.testing.assert_array_equal(t["failed_delay"], [8, np.nan, 4])
    assert t["n_rungs"].tolist() == [3, 4, 1]
    assert t["steps_total"].tolist() == [9000, 2750, 8000]
    np.testing.assert_array_equal(t["steps_converged_max"], [750, 1500, np.nan])
    assert [len(r) for r in t["rungs"]] == [3, 4, 1]


def test_curriculum_table_of_nothing_and_of_the_wrong_records():
    empty = curriculum_table([])
    assert "longest_delay" in empty and all(len(v) == 0 for v in empty.values())
    with pytest.raises(TypeError, match="^results"):
        curriculum_table([RunConfig()])


# ----------------------------------------------------------------------------- provenance


def test_tables_carry_the_machine_of_every_result():
    here, there = record(seed=0), record(seed=1, provenance=ELSEWHERE)
    t = run_table([here, there])
    assert PROVENANCE.machine != ELSEWHERE.machine
    assert t["machine"].tolist() == [PROVENANCE.machine, ELSEWHERE.machine]
    assert t["cpu_model"].tolist() == [PROVENANCE.cpu_model, "Another CPU"]
    np.testing.assert_array_equal(t["wall_seconds"], [1800.0, 5400.0])
    for k, v in provenance_columns([here]).items():
        np.testing.assert_array_equal(v, t[k][:1])
    # Grouping by machine: one machine per provenance, whatever the seed.
    assert len(set(run_table([record(seed=s) for s in range(3)])["machine"])) == 1
    timing = TimingRecord(0, 1.0, 1.0, (0.0,) * 5, 1, 0)
    measures = CausalMeasures(0, 0, 0, timing, timing, timing, timing, SWITCH_NONE, None, None, None, ())
    assert causal_table([_causal(measures)])["machine"].tolist() == [PROVENANCE.machine]
    assert curriculum_table([_ladder(0, [(False, 8000)])])["machine"].tolist() == [PROVENANCE.machine]


def test_compute_statement_sums_the_recorded_wall_time_per_sweep():
    sweeps = {
        "a": [record(seed=0), record(seed=1, provenance=ELSEWHERE)],
        "b": [record(seed=0, weights=OTHER_WEIGHTS), record(seed=1)],
    }
    c = compute_statement(sweeps)
    assert c["sweep"].tolist() == ["a", "b", "total"]
    assert c["results"].tolist() == [2, 2, 4] and "recorded" not in c
    np.testing.assert_allclose(c["wall_hours"], [2.0, 1.0, 3.0])
    # Results that share a weights file share one network, trained once, in a sweep and in the total.
    assert c["networks"].tolist() == [1, 2, 2]
    np.testing.assert_allclose(c["training_hours"], np.array([1, 2, 2]) / 3600)
    assert c["machines"].tolist() == [2, 1, 2]
    assert c["cpu_models"][0] == "; ".join(sorted({PROVENANCE.cpu_model, "Another CPU"}))


def test_rung_topology_reads_each_stored_rung():
    from rnnmem_helpers.experiments.sweep import load_sweep, shipped_config
    from rnnmem_helpers.experiments.sweep_report import rung_topology

    current, _ = load_sweep("curriculum")
    if not current:
        pytest.skip("no recomputed curriculum shipped")
    ladder = current[0]
    last = ladder.rungs[-1]
    table = rung_topology([ladder], shipped_config("curriculum")[1], min_delay=last.delay)
    assert table["delay"].tolist() == [last.delay] and table["failed"].tolist() == [not last.converged]
    assert table["n_rotations"].tolist() == [last.n_rotations]
    assert table["n_fixed"][0] >= table["n_attractors"][0] + table["n_many"][0]
    assert table["max_unstable"][0] > 3 or table["n_many"][0] == 0
    again = rung_topology([ladder], shipped_config("curriculum")[1], min_delay=last.delay)
    assert all(np.array_equal(again[k], table[k], equal_nan=True) for k in table)
    with pytest.raises(ValueError, match="min_delay"):
        rung_topology([ladder], shipped_config("curriculum")[1], min_delay=-1)
