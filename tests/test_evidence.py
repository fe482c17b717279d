import math
import shutil

import numpy as np
import pytest

from rnnmem_helpers.analyses.stats import order_statistic_coverage
from rnnmem_helpers.chapters import claims as C
from rnnmem_helpers.chapters import evidence as E
from rnnmem_helpers.experiments._kinds import kind_of
from rnnmem_helpers.experiments.sweep import load_sweep, shipped_config


def test_sign_changes_counts_crossings_and_skips_touches():
    t = np.linspace(0, 2 * np.pi, 200)
    comps = np.column_stack([np.sin(t + 0.1), np.sin(2 * t + 0.1), [1.0, 0.0, 1.0] + [1.0] * 197])
    assert E.sign_changes(comps) == [2, 4, 0]
    with pytest.raises(ValueError, match="components_tc"):
        E.sign_changes(np.ones(5))


def test_monotone_steps_are_monotone_and_need_rng():
    steps = E.monotone_steps(rng=np.random.default_rng(3), n_units=7, pre=2, post=5)
    assert steps.shape == (8, 7)
    d = np.diff(steps, axis=0)
    assert np.all((d >= 0).all(axis=0) | (d <= 0).all(axis=0))
    with pytest.raises(TypeError):
        E.monotone_steps()


VALUES = {
    1: {"seed0_error": {0: 0.003, 8: 0.006}, "converged": {0: C.Count(5, 5), 8: C.Count(3, 5)}},
    5: {"seed0_outliers": {0.125: (3, 1), 0.25: (3, 0)}, "seed0_min_modulus": 1.2, "pattern": {0.25: C.Count(4, 5)}},
    10: {"steps_pairs": {0: C.Pairs(3, 1, 1)}},
    11: {
        "overshoot_switch": {
            0: C.Interval(0.2, 0.1, math.inf, 0.75, "order statistics", 3, True),
            8: C.Interval(0.01, 0.0, 0.02, 0.9375, "order statistics", 5),
        }
    },
    13: {"right_p_more": [0.01, 0.5], "right_p_less": [0.99, 0.5]},
    14: {"delay": 8, "attractors_kept": [True, False], "edit_latency": [7.0, math.nan]},
}


def test_storage_round_trips_every_type(tmp_path):
    ev = E.ClaimEvidence(measured=VALUES, sources={"seeds": (3, 4, "ab" * 32)})
    path = tmp_path / "ev.json"
    E.save_evidence(path, ev)
    back = E.load_evidence(path)
    assert back.sources == {"seeds": (3, 4, "ab" * 32)}
    assert back.measured[1] == VALUES[1]
    assert back.measured[5] == VALUES[5]
    assert back.measured[10] == VALUES[10]
    assert back.measured[11] == VALUES[11]
    assert back.measured[13] == VALUES[13]
    assert back.measured[14]["attractors_kept"] == [True, False]
    assert back.measured[14]["edit_latency"][0] == 7.0 and math.isnan(back.measured[14]["edit_latency"][1])
    assert [p.name for p in tmp_path.iterdir()] == ["ev.json"]
    # the same judgement from the stored and the measured inputs
    assert C.assess(1, back.measured[1], record=False).verdict is C.assess(1, VALUES[1], record=False).verdict


@pytest.mark.parametrize(
    "obj, match",
    [
        ({"schema": 99, "measured": {}}, "schema"),
        # Schema 1 named a generation of results, which no longer exists.
        ({"schema": 1, "generation": "current", "measured": {}}, "schema"),
        ({"schema": E.EVIDENCE_SCHEMA, "measured": {"15": {}}}, "number"),
        ({"schema": E.EVIDENCE_SCHEMA, "measured": {"1": {"nope": 1}}}, "unknown inputs"),
        (
            {"schema": E.EVIDENCE_SCHEMA, "measured": {"1": {"converged": {"__x__": 1}}}},
            "unknown evidence entry",
        ),
    ],
)
def test_bad_evidence_is_refused(obj, match):
    with pytest.raises(ValueError, match=match):
        E.evidence_from_dict(obj)


def test_unstorable_values_are_refused():
    with pytest.raises(TypeError, match="cannot store"):
        E.evidence_to_dict(E.ClaimEvidence({1: {"converged": object()}}, {}))


def _assessments():
    return {n: C.assess(n, VALUES.get(n, {}), record=False) for n in (1, 5, 10)}


def test_table_has_a_badge_and_links_per_claim():
    text = E.verdict_table_html(_assessments())
    assert text.count("<tr>") == 4 and text.count("verdict-badge") == 3
    assert 'href="claims.html#claim-5"' in text and 'href="seeds.html"' in text
    classes = {v.css_class for v in C.Verdict}
    shown = [part.split('"')[0] for part in text.split('class="verdict-badge ')[1:]]
    assert len(shown) == 3 and set(shown) <= classes
    detail = E.verdict_table_html(_assessments(), readings=True)
    assert detail.count("<li>") == sum(len(C.claim(n).readings) for n in (1, 5, 10))
    assert "&lt;" not in text  # titles are escaped, not mangled: none holds a "<"
    with pytest.raises(ValueError, match="assessments"):
        E.verdict_table_html({})
    with pytest.raises(TypeError, match="Assessment"):
        E.verdict_table_html({1: "supported"})


def test_counts_follow_the_vocabulary():
    counts = E.verdict_counts(_assessments())
    assert sum(counts.values()) == 3
    assert list(counts) == [v.label for v in C.Verdict if v.label in counts]


def test_cli_refuses_bad_input_before_any_work(tmp_path, capsys):
    assert E.main(["--out", str(tmp_path / "missing" / "ev.json")]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and err.count("\n") == 1
    assert not (tmp_path / "missing").exists()


def _flatten(obj, key=""):
    if isinstance(obj, dict):
        return [item for k in sorted(obj) for item in _flatten(obj[k], f"{key}/{k}")]
    if isinstance(obj, list):
        return [item for i, v in enumerate(obj) for item in _flatten(v, f"{key}/{i}")]
    return [(key, float(obj) if isinstance(obj, int) and not isinstance(obj, bool) else obj)]


def test_shipped_evidence_is_what_the_code_measures():
    shipped = E.load_shipped_evidence()
    fresh = E.measure_claims()
    a, b = E.evidence_to_dict(shipped), E.evidence_to_dict(fresh)
    assert a["sources"] == b["sources"]
    # Numbers agree to rounding (another BLAS may differ in the last digits); every verdict agrees exactly.
    flat_a, flat_b = _flatten(a["measured"]), _flatten(b["measured"])
    assert [k for k, _ in flat_a] == [k for k, _ in flat_b]
    for (key, x), (_, y) in zip(flat_a, flat_b, strict=True):
        if isinstance(x, float) and isinstance(y, float):
            assert x == pytest.approx(y, rel=1e-3, abs=1e-9, nan_ok=True), key
        else:
            assert x == y, key
    got, want = E.assess_all(fresh, record=False), E.assess_all(shipped, record=False)
    assert {n: x.overall.label for n, x in got.items()} == {n: x.overall.label for n, x in want.items()}
    assert set(got) == {c.number for c in C.CLAIMS}


def test_digest_names_the_files_read_and_their_bytes(tmp_path, monkeypatch):
    results = load_sweep("tbptt_sweep")[0]
    digest = E.sweep_digest("tbptt_sweep", results)
    assert E.sweep_digest("tbptt_sweep", results[::-1]) == digest
    assert E.sweep_digest("tbptt_sweep", results[1:]) != digest
    # The same file names with other bytes (a result recomputed elsewhere) give another digest.
    folder = shipped_config("tbptt_sweep")[1]
    names = [f"{kind_of(r.config).key(r.config)}.json" for r in results]
    for name in names:
        shutil.copy(folder / name, tmp_path / name)
    monkeypatch.setattr(E, "shipped_config", lambda name: ({}, tmp_path))
    assert E.sweep_digest("tbptt_sweep", results) == digest
    first = tmp_path / names[0]
    first.write_bytes(first.read_bytes() + b" ")
    assert E.sweep_digest("tbptt_sweep", results) != digest


def test_stale_shipped_evidence_is_refused(monkeypatch):
    stored = E.load_evidence(E.shipped_evidence_path())
    n, total, digest = stored.sources["seeds"]
    stale = E.ClaimEvidence(stored.measured, {**stored.sources, "seeds": (n, total, "0" * 64)})
    monkeypatch.setattr(E, "load_evidence", lambda path: stale)
    with pytest.raises(ValueError, match=r"stale .*\['seeds'\]"):
        E.load_shipped_evidence()


def test_canonical_accuracy_is_the_median_of_independent_streams():
    from rnnmem_helpers import evaluate, load_pretrained

    c = load_pretrained(8)
    acc = E.canonical_accuracy(c.weights, c.task, rng=3, n_streams=5, n_time=2000)
    assert len(acc.per_stream) == 5 and acc.n_time == 2000
    assert acc.median.estimate == pytest.approx(float(np.median(acc.per_stream)))
    assert min(acc.per_stream) <= acc.median.low <= acc.median.high <= max(acc.per_stream)
    assert acc.median.coverage == pytest.approx(order_statistic_coverage(5, 1))
    # Stream i is the i-th child of the seed: the same numbers from evaluate itself.
    child = np.random.SeedSequence(3).spawn(5)[2]
    assert acc.per_stream[2] == evaluate(c.weights, c.task, n_time=2000, rng=np.random.default_rng(child)).accuracy
    assert E.canonical_accuracy(c.weights, c.task, rng=3, n_streams=5, n_time=2000) == acc
    assert "5 streams of 2000 steps" in acc.text()
    with pytest.raises(TypeError, match="rng"):
        E.canonical_accuracy(c.weights, c.task, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_streams"):
        E.canonical_accuracy(c.weights, c.task, rng=0, n_streams=2)
