"""Migration of schema-1 result files (as shipped before versioning) to the current schema.

The files in tests/data/schema1 are copies of three shipped results as they
were written by the unversioned runner: an analysed N = 50 run without
attractor moduli, an analysed N = 100 run with them, and an unanalysed
transverse-init run. In both analysed runs some eigenvalues of W lie in
(1, 1.01], so the two unstable counts differ.
"""

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rnnmem_helpers.experiment import (
    SCHEMA_VERSION,
    ResultError,
    RunConfig,
    load_result,
    migrate,
    result_from_dict,
    run_key,
)

DATA = Path(__file__).parent / "data" / "schema1"
SCRIPT = Path(__file__).parents[1] / "scripts" / "migrate_results.py"
NO_MODULI, WITH_MODULI, UNANALYSED = "41464d0633e4e8e7", "1135b6917325af94", "c4e447e6da8b6853"
SCALARS = ("converged", "steps", "seconds", "accuracy", "wrong_flips", "history")


def _old(key):
    return json.loads((DATA / f"{key}.json").read_text(encoding="utf-8"))


def _same_json(a, b):
    """Equal as JSON text: every number written with the same digits."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@pytest.mark.parametrize("key", [NO_MODULI, WITH_MODULI, UNANALYSED])
def test_every_carried_value_is_unchanged(key):
    old = _old(key)
    new = migrate(old)
    assert new["schema_version"] == SCHEMA_VERSION == 2
    assert _same_json(new["config"], old["config"])
    assert new["key"] == run_key(RunConfig(**old["config"])) != old["key"]
    for name in SCALARS:
        assert _same_json(new[name], old["result"][name]), name
    if "spectrum" not in old["result"]:
        assert new["analysis"] is None
        return
    spec, old_spec = new["analysis"]["spectrum"], old["result"]["spectrum"]
    for name in ("eigvals", "n_real_outliers", "rotation_angles", "rotation_periods"):
        assert _same_json(spec[name], old_spec[name]), name
    fps, old_fps = new["analysis"]["fixed_points"], old["result"]["fixed_points"]
    assert set(fps) == {*old_fps, "attractor_moduli"}
    for name in old_fps:
        assert _same_json(fps[name], old_fps[name]), name


@pytest.mark.parametrize("key", [NO_MODULI, WITH_MODULI])
def test_the_unstable_counts(key):
    old = _old(key)
    spec = migrate(old)["analysis"]["spectrum"]
    # Schema 1 counted |λ| > 1; that count is now n_unstable_naive, and n_unstable uses the margin 0.01.
    assert spec["n_unstable_naive"] == old["result"]["spectrum"]["n_unstable"] == 5
    assert spec["n_unstable"] == sum(math.hypot(re, im) > 1.01 for re, im in old["result"]["spectrum"]["eigvals"]) == 3


def test_moduli_are_kept_or_marked_missing():
    assert migrate(_old(NO_MODULI))["analysis"]["fixed_points"]["attractor_moduli"] is None
    old = _old(WITH_MODULI)["result"]["fixed_points"]["attractor_moduli"]
    assert migrate(_old(WITH_MODULI))["analysis"]["fixed_points"]["attractor_moduli"] == old and old


@pytest.mark.parametrize("key", [NO_MODULI, WITH_MODULI, UNANALYSED])
def test_a_schema_1_result_does_not_load_but_its_migration_does(key):
    with pytest.raises(ResultError, match="schema 1.*migrate"):
        result_from_dict(_old(key))
    new = migrate(_old(key))
    assert migrate(new) == new
    assert result_from_dict(new).config == RunConfig(**_old(key)["config"])


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda o: o.update(key="0" * 16), "key"),
        (lambda o: o["config"].update(delay=3), "key"),
        (lambda o: o["result"].pop("steps"), "result.steps"),
        (lambda o: o["result"]["spectrum"].update(n_unstable=1), "analysis.spectrum.n_unstable_naive"),
        (lambda o: o["result"]["spectrum"].update(eigvals="x"), "result.spectrum.eigvals"),
        (lambda o: o["result"].update(fixed_points=[]), "result.fixed_points"),
        (lambda o: o.update(extra=1), "extra"),
    ],
)
def test_migration_refuses_a_damaged_file(edit, field):
    old = _old(WITH_MODULI)
    edit(old)
    with pytest.raises(ResultError) as info:
        migrate(old)
    assert info.value.field == field


def _run_script(folder):
    return subprocess.run([sys.executable, str(SCRIPT), str(folder)], capture_output=True, text=True, check=False)


def test_script_migrates_a_folder_once(tmp_path):
    for key in (NO_MODULI, WITH_MODULI, UNANALYSED):
        shutil.copy(DATA / f"{key}.json", tmp_path)
    first = _run_script(tmp_path)
    assert first.returncode == 0, first.stderr
    assert "3 migrated, 0 already current, 0 not migrated" in first.stdout
    new_keys = {migrate(_old(k))["key"] for k in (NO_MODULI, WITH_MODULI, UNANALYSED)}
    assert {p.stem for p in tmp_path.iterdir()} == new_keys
    for key in (NO_MODULI, WITH_MODULI, UNANALYSED):
        new = json.loads((tmp_path / f"{migrate(_old(key))['key']}.json").read_text())
        assert new == migrate(_old(key))
        assert load_result(tmp_path / f"{new['key']}.json").config == RunConfig(**_old(key)["config"])
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    second = _run_script(tmp_path)
    assert second.returncode == 0 and "0 migrated, 3 already current" in second.stdout
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_script_refuses_to_overwrite_a_different_result(tmp_path):
    shutil.copy(DATA / f"{WITH_MODULI}.json", tmp_path)
    target = tmp_path / f"{migrate(_old(WITH_MODULI))['key']}.json"
    other = migrate(_old(WITH_MODULI))
    other["wrong_flips"] += 1
    target.write_text(json.dumps(other))
    res = _run_script(tmp_path)
    assert res.returncode == 1
    assert str(target) in res.stderr and "refusing" in res.stderr
    assert (tmp_path / f"{WITH_MODULI}.json").exists() and json.loads(target.read_text()) == other
    # The same result already in place: the old file is simply retired.
    target.write_text(json.dumps(migrate(_old(WITH_MODULI))))
    assert _run_script(tmp_path).returncode == 0
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
