"""reanalyse: every stored result recomputed from its stored weights, and the values that differ reported."""

import json
import shutil

import pytest

from rnnmem_helpers.experiments.cli import main
from rnnmem_helpers.experiments.experiment import SCHEMA_VERSION, write_json
from rnnmem_helpers.experiments.reanalyse import ATOL, COUNT_SLACK, RTOL, compare, reanalyse_folder
from rnnmem_helpers.experiments.sweep import KINDS, execute_run, expand_grid, pending_runs, shipped_config, store_result

QUICK = {"eval_every": 1, "eval_steps": 1000, "confirm_steps": 1000, "test_steps": 1000}
# A tiny sweep of each kind: analysed runs, a curriculum of two rungs (target 0 converges at the first
# evaluation), causal measures of a two-update network.
SWEEPS = {
    "run": {"grid": {"seed": [0, 1]}, "fixed": {"n_hidden": 6, "max_steps": 3, "analyse": True, **QUICK}},
    "curriculum": {
        "kind": "curriculum",
        "grid": {"seed": [0]},
        "fixed": {"n_hidden": 5, "max_steps": 250, "start_delay": 1, "max_delay": 3, "target_accuracy": 0.0},
    },
    "causal": {
        "kind": "causal",
        "grid": {"seed": [3]},
        "fixed": {"delay": 1, "n_hidden": 6, "max_steps": 2, "n_time": 300, "n_null": 5},
    },
}


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A results folder as sweeps of every kind write it, and the key of each result by kind."""
    folder = tmp_path_factory.mktemp("results")
    keys = {}
    for name, config in SWEEPS.items():
        for run in expand_grid(config):
            key, obj, files = execute_run(run)
            store_result(folder, run, obj, files)
            keys.setdefault(name, []).append(key)
    assert pending_runs([r for c in SWEEPS.values() for r in expand_grid(c)], folder) == []
    return folder, keys


@pytest.fixture
def copy(stored, tmp_path):
    folder, keys = stored
    out = tmp_path / "results"
    shutil.copytree(folder, out)
    return out, keys


def _edit(path, change):
    """Change a stored result and save it again, still a valid result under the same key."""
    obj = json.loads(path.read_text())
    change(obj)
    kind = KINDS[obj.get("kind", "run")]
    kind.from_dict(obj)  # still loads: the key depends on the config only
    write_json(path, obj)


def test_every_result_of_every_kind_is_reproduced_from_its_weights(stored, capsys):
    folder, keys = stored
    n_checked, disagreements, skipped = reanalyse_folder(folder)
    assert (n_checked, disagreements, skipped) == (4, [], [])
    assert main(["reanalyse", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    # One line per result, then the summary with the tolerances.
    assert len(out) == 5 and all(line.endswith(": agrees") for line in out[:4])
    assert out[-1].startswith("4 results recomputed from their weights; 0 disagree")
    assert f"rtol {RTOL:g}" in out[-1] and f"counts ±{COUNT_SLACK}" in out[-1] and "0 files skipped" in out[-1]
    assert main(["reanalyse", str(folder), "--quiet"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1


@pytest.mark.parametrize(
    "kind, change, field",
    [
        ("run", lambda o: o.update(accuracy=round(1.0 - o["accuracy"] / 2, 6)), "accuracy"),
        ("run", lambda o: o.update(wrong_flips=2 * o["wrong_flips"] + COUNT_SLACK + 1), "wrong_flips"),
        ("run", "census", "analysis.fixed_points.summary.0"),
        (
            "run",
            lambda o: o["analysis"]["spectrum"]["eigvals"][0].__setitem__(0, 0.123),
            "analysis.spectrum.eigvals.0.0",
        ),
        ("curriculum", lambda o: o["rungs"][1].update(accuracy=0.0), "rungs.1.accuracy"),
        (
            "curriculum",
            lambda o: o["rungs"][0].update(wrong_flips=2 * o["rungs"][0]["wrong_flips"] + 10),
            "rungs.0.wrong_flips",
        ),
        ("causal", lambda o: o["measures"]["intact"].update(accuracy=0.0), "measures.intact.accuracy"),
    ],
)
def test_an_edited_value_is_a_disagreement_naming_the_field(kind, change, field, copy, capsys):
    folder, keys = copy
    key = keys[kind][0]
    if change == "census":

        def change(o):
            # One more attractor in both censuses and the count: still a consistent, loadable record.
            fps = o["analysis"]["fixed_points"]
            for census in ("summary", "summary_naive"):
                fps[census]["0"] = fps[census].get("0", 0) + 1
            fps["n"] += 1

    _edit(folder / f"{key}.json", change)
    n_checked, disagreements, skipped = reanalyse_folder(folder)
    assert n_checked == 4 and skipped == []
    assert {d.file for d in disagreements} == {f"{key}.json"}
    assert field in [d.field for d in disagreements], disagreements
    assert main(["reanalyse", str(folder), "--quiet"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert f"DIFFERS {key}.json {field}: stored " in "\n".join(lines)
    assert lines[-1].startswith("4 results recomputed from their weights; 1 disagree")


def test_a_change_within_the_tolerances_is_no_disagreement(copy):
    folder, keys = copy
    _edit(
        folder / f"{keys['run'][0]}.json",
        lambda o: o.update(wrong_flips=o["wrong_flips"] + COUNT_SLACK, accuracy=o["accuracy"] * (1 - RTOL / 2)),
    )
    assert reanalyse_folder(folder)[1] == []


def test_files_that_are_not_valid_results_are_skipped(copy, capsys):
    folder, keys = copy
    # A result in the format before weights and provenance were kept is no result any more.
    old = json.loads((folder / f"{keys['run'][0]}.json").read_text())
    del old["weights"], old["provenance"]
    write_json(folder / "old.json", {**old, "schema_version": 2})
    (folder / "notes.json").write_text('{"hello": 1}')
    (folder / "broken.json").write_text("{")
    n_checked, disagreements, skipped = reanalyse_folder(folder)
    assert (n_checked, disagreements) == (4, [])
    assert len(skipped) == 3
    assert f"old.json: schema_version must be {SCHEMA_VERSION}, got 2" in skipped
    assert any(s.startswith("notes.json: ") for s in skipped) and any(s.startswith("broken.json: ") for s in skipped)
    assert main(["reanalyse", str(folder), "--quiet"]) == 0
    assert "3 files skipped" in capsys.readouterr().out


def test_a_result_whose_weights_are_altered_is_not_taken_as_checked(copy):
    folder, keys = copy
    key = keys["run"][0]
    weights = folder / json.loads((folder / f"{key}.json").read_text())["weights"]["file"]
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    n_checked, disagreements, skipped = reanalyse_folder(folder)
    # Its weights are not those it recorded: it cannot be recomputed, and the audit fails on it.
    assert n_checked == 4 and skipped == []
    assert [(d.file, d.field) for d in disagreements] == [(f"{key}.json", "weights")]
    assert "SHA-256" in disagreements[0].recomputed
    assert main(["reanalyse", str(folder), "--quiet"]) == 1


def test_counts_other_than_stream_events_must_be_exact():
    assert compare({"spectrum": {"n_unstable_naive": 3}}, {"spectrum": {"n_unstable_naive": 4}}) != []
    assert compare({"measures": {"n_attractors": 8}}, {"measures": {"n_attractors": 7}}) != []
    assert compare({"fixed_points": {"n": 27}}, {"fixed_points": {"n": 26}}) != []
    assert compare({"wrong_flips": 100}, {"wrong_flips": 102}) == []
    assert compare({"measures": {"overshoot": {"n": 900}}}, {"measures": {"overshoot": {"n": 901}}}) == []


def test_a_shipped_recomputed_result_is_reproduced_from_its_shipped_weights(tmp_path):
    folder = shipped_config("tbptt_sweep")[1]
    runs = [r for r in expand_grid(shipped_config("tbptt_sweep")[0]) if r.n_hidden <= 100]
    current = [p for p in (folder / f"{KINDS['run'].key(r)}.json" for r in runs) if p.exists()]
    if not current:
        pytest.skip("no recomputed tbptt result is shipped yet")
    path = current[0]
    obj = json.loads(path.read_text())
    (tmp_path / "weights").mkdir()
    shutil.copy(path, tmp_path / path.name)
    shutil.copy(folder / obj["weights"]["file"], tmp_path / obj["weights"]["file"])
    assert reanalyse_folder(tmp_path) == (1, [], [])


# ----------------------------------------------------------------------------- the tolerances of compare


def test_compare_finds_nothing_in_equal_objects_and_ignores_the_provenance():
    obj = {"accuracy": 0.99, "steps": 250, "converged": True, "history": {"step": [1, 2]}, "provenance": {"host": "a"}}
    assert compare(obj, json.loads(json.dumps(obj))) == []
    assert compare(obj, {**obj, "provenance": {"host": "b", "wall_seconds": 3.0}}) == []
    # Only the top-level provenance: any other value named so is an outcome.
    assert compare({"x": {"provenance": "a"}}, {"x": {"provenance": "b"}}) == [("x.provenance", "a", "b")]


@pytest.mark.parametrize(
    "stored, recomputed, differs",
    [
        # Event counts on a stream may move by COUNT_SLACK, or by RTOL of a large count.
        ({"wrong_flips": 10}, {"wrong_flips": 10 + COUNT_SLACK}, False),
        ({"wrong_flips": 10}, {"wrong_flips": 10 - COUNT_SLACK - 1}, True),
        ({"wrong_flips": 100_000}, {"wrong_flips": 100_000 + int(RTOL * 100_000)}, False),
        ({"wrong_flips": 100_000}, {"wrong_flips": 100_000 + int(RTOL * 100_000) + 1}, True),
        # A census, and the counts that are one, are exact.
        ({"fixed_points": {"summary": {"0": 8}}}, {"fixed_points": {"summary": {"0": 9}}}, True),
        ({"fixed_points": {"summary_naive": {"1": 12}}}, {"fixed_points": {"summary_naive": {"1": 11}}}, True),
        ({"fixed_points": {"summary": {"0": 8}}}, {"fixed_points": {"summary": {"0": 8, "1": 1}}}, True),
        ({"fixed_points": {"n": 27}}, {"fixed_points": {"n": 26}}, True),
        ({"fixed_points": {"max_unstable": 3}}, {"fixed_points": {"max_unstable": 2}}, True),
        ({"spectrum": {"n_unstable": 3}}, {"spectrum": {"n_unstable": 4}}, True),
        ({"spectrum": {"n_real_outliers": 3}}, {"spectrum": {"n_real_outliers": 2}}, True),
        # Numbers within ATOL + RTOL * |stored|.
        ({"accuracy": 0.5}, {"accuracy": 0.5 + 0.4 * RTOL * 0.5}, False),
        ({"accuracy": 0.5}, {"accuracy": 0.5 * (1 + 3 * RTOL)}, True),
        ({"angle": 0.0}, {"angle": ATOL / 2}, False),
        ({"angle": 0.0}, {"angle": 3 * ATOL}, True),
        # Strings, booleans and null are equal or not.
        ({"converged": True}, {"converged": False}, True),
        ({"mode": "bptt"}, {"mode": "tbptt"}, True),
        ({"median": None}, {"median": 0.0}, True),
        # A list keeps its length.
        ({"angles": [0.1, 0.2]}, {"angles": [0.1, 0.2, 0.3]}, True),
        ({"angles": [0.1, 0.2]}, {"angles": [0.1, 0.2]}, False),
    ],
)
def test_compare_tolerances(stored, recomputed, differs):
    found = compare(stored, recomputed)
    assert bool(found) is differs, found


def test_compare_names_each_differing_value_by_its_path():
    stored = {"analysis": {"fixed_points": {"summary": {"0": 8, "1": 12}, "attractor_angles": [0.1, 0.2]}}}
    recomputed = {"analysis": {"fixed_points": {"summary": {"0": 8, "1": 11}, "attractor_angles": [0.1]}}}
    assert compare(stored, recomputed) == [
        ("analysis.fixed_points.summary.1", 12, 11),
        ("analysis.fixed_points.attractor_angles.length", 2, 1),
    ]
    assert compare({"a": 1, "b": 2}, {"a": 1}) == [(".", ["a", "b"], ["a"])]
    assert compare({"x": {"a": 1}}, {"x": {"b": 1}}) == [("x", ["a"], ["b"])]
