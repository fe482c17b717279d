"""The curriculum kind: config, key, the ladder of rungs, and its result files."""

import dataclasses
import hashlib
import io
import json
import re

import numpy as np
import pytest

import rnnmem_helpers.experiments.curriculum as curriculum
from rnnmem_helpers.core.checkpoints import load_checkpoint
from rnnmem_helpers.core.train import TRAINER_VERSION
from rnnmem_helpers.experiments import experiment
from rnnmem_helpers.experiments.curriculum import (
    CURRICULUM_SCHEMA_VERSION,
    CurriculumConfig,
    CurriculumResult,
    compute_curriculum,
    curriculum_from_dict,
    curriculum_key,
    curriculum_to_dict,
    load_curriculum,
    reanalyse_curriculum,
    run_curriculum,
    save_curriculum,
)
from rnnmem_helpers.experiments.experiment import ResultError, compute_run, run_experiment, run_key, weights_file_name

# max_steps 250 is the first held-out evaluation (TrainConfig.eval_every): the least that can converge.
CLIMB = CurriculumConfig.from_settings(
    start_delay=1, delay_step=2, max_delay=5, n_hidden=5, max_steps=250, target_accuracy=0.0
)
FAIL = CurriculumConfig.from_settings(
    start_delay=1, delay_step=2, max_delay=5, n_hidden=5, max_steps=2, target_accuracy=1.0
)


@pytest.fixture(scope="module")
def climbed():
    calls = []
    real_train = curriculum.train

    def spy(*args, **kwargs):
        out = real_train(*args, **kwargs)
        calls.append((args, kwargs, out))
        return out

    mp = pytest.MonkeyPatch()
    mp.setattr(curriculum, "train", spy)
    try:
        result, files = compute_curriculum(CLIMB)
    finally:
        mp.undo()
    return result, calls, files


def test_defaults_are_the_issue_s():
    c = CurriculumConfig()
    assert (c.start_delay, c.delay_step, c.max_delay, c.max_steps) == (8, 2, 32, 8000)
    assert c.delays == tuple(range(8, 33, 2))
    assert CurriculumConfig.from_settings(start_delay=3, delay_step=4, max_delay=12).delays == (3, 7, 11)


def test_max_delay_below_start_is_refused():
    with pytest.raises(ValueError, match=r"^max_delay must be >= start_delay \(8\), got 6"):
        CurriculumConfig.from_settings(start_delay=8, max_delay=6)


def test_equal_settings_are_one_key_and_never_a_run_key():
    a, b = (
        CurriculumConfig.from_settings(mean_interval=50),
        CurriculumConfig.from_settings(mean_interval=50.0, target_accuracy=0.995),
    )
    assert a == b and curriculum_key(a) == curriculum_key(b)
    assert len(curriculum_key(a)) == 16 and int(curriculum_key(a), 16) >= 0
    assert curriculum_key(a) != curriculum_key(CurriculumConfig.from_settings(seed=1))
    assert curriculum_key(a) != run_key(a.run_config(a.start_delay))


def test_every_rung_converges_with_target_0_and_the_ladder_reaches_max_delay(climbed):
    result, calls, _ = climbed
    assert [r.delay for r in result.rungs] == [1, 3, 5]
    assert all(r.converged for r in result.rungs) and result.longest_delay == 5 and result.converged
    # Rung 0 is the run's own training (run_network); each later rung calls train once.
    assert len(calls) == 2
    for r, (args, kwargs, _) in enumerate(calls, start=1):
        assert args[0].delay == CLIMB.delays[r] and args[2].max_steps == CLIMB.max_steps
        assert list(kwargs["rng"].bit_generator.seed_seq.entropy) == [CLIMB.seed, r]
    # Rung 2 starts from the weights rung 1 ended with.
    assert calls[1][1]["init"] is calls[0][2].weights


def test_rung_0_is_the_run_with_the_same_settings(climbed):
    result, _, _ = climbed
    run = run_experiment(CLIMB.run_config(CLIMB.start_delay))
    rung = result.rungs[0]
    assert rung.history == run.history and len(rung.history.step) == 1
    assert (rung.steps, rung.accuracy, rung.wrong_flips, rung.converged) == (
        run.steps,
        run.accuracy,
        run.wrong_flips,
        run.converged,
    )


def test_a_failed_rung_0_stops_the_ladder():
    result = run_curriculum(FAIL)
    assert [r.delay for r in result.rungs] == [1]
    assert not result.rungs[0].converged and result.longest_delay is None and not result.converged


def test_round_trip_and_refusal_of_altered_files(climbed, tmp_path):
    result, _, _ = climbed
    path = tmp_path / f"{curriculum_key(result.config)}.json"
    save_curriculum(path, result)
    assert load_curriculum(path) == result
    obj = json.loads(path.read_text())
    assert obj["kind"] == "curriculum" and obj["key"] == path.stem
    for change, field in [
        (lambda o: o.update(longest_delay=3), "longest_delay"),
        (lambda o: o["config"].update(seed=1), "key"),
        (lambda o: o.update(kind="run"), "kind"),
        (lambda o: o.update(schema_version=CURRICULUM_SCHEMA_VERSION + 1), "schema_version"),
        (lambda o: o.update(schema_version=1), "schema_version"),
        (lambda o: o.pop("provenance"), "provenance"),
        (lambda o: o["provenance"].update(host=None), "provenance.host"),
        (lambda o: o["rungs"][1].pop("weights"), "rungs.1.weights"),
        (lambda o: o["rungs"][1]["weights"].update(sha256="x"), "rungs.1.weights.sha256"),
        (lambda o: o["rungs"][1].update(delay=4), "rungs"),
        (lambda o: o["rungs"].pop(), "rungs"),
        (lambda o: o["rungs"][0]["history"].update(step=[999]), "rungs.0"),
        (lambda o: o.update(extra=1), "extra"),
    ]:
        bad = json.loads(json.dumps(obj))
        change(bad)
        with pytest.raises(ResultError) as info:
            curriculum_from_dict(bad)
        assert info.value.field.startswith(field), (info.value.field, str(info.value))
    with pytest.raises(ResultError, match="must be a JSON object"):
        curriculum_from_dict([])
    assert curriculum_from_dict(curriculum_to_dict(result)) == result


def test_a_file_of_the_first_format_is_refused(climbed, tmp_path):
    # Schema 1 kept no provenance and no rung's weights; its results were recomputed.
    result, _, _ = climbed
    obj = curriculum_to_dict(result)
    del obj["provenance"]
    for rung in obj["rungs"]:
        del rung["weights"]
    obj["schema_version"] = 1
    path = tmp_path / "old.json"
    path.write_text(json.dumps(obj))
    with pytest.raises(ResultError, match=f"^{re.escape(str(path))}: provenance is missing$") as info:
        load_curriculum(path)
    assert info.value.field == "provenance"
    obj["provenance"] = curriculum_to_dict(result)["provenance"]
    with pytest.raises(ResultError, match=f"^schema_version must be {CURRICULUM_SCHEMA_VERSION}, got 1$"):
        curriculum_from_dict(obj)
    obj["schema_version"] = CURRICULUM_SCHEMA_VERSION
    with pytest.raises(ResultError, match="^rungs.0.weights is missing$"):
        curriculum_from_dict(obj)


def test_save_refuses_a_result_changed_behind_the_dataclass(climbed, tmp_path):
    result, _, _ = climbed
    broken = dataclasses.replace(result)
    object.__setattr__(broken, "longest_delay", 1)
    with pytest.raises(ResultError, match="longest_delay"):
        save_curriculum(tmp_path / "x.json", broken)
    assert not (tmp_path / "x.json").exists()


def test_a_result_must_not_stop_while_rungs_converge(climbed):
    result, _, _ = climbed
    with pytest.raises(ValueError, match="^rungs must go on to max_delay"):
        CurriculumResult(CURRICULUM_SCHEMA_VERSION, result.config, result.rungs[:2], 3, result.provenance)
    with pytest.raises(TypeError, match="^provenance must be"):
        CurriculumResult(CURRICULUM_SCHEMA_VERSION, result.config, result.rungs, 5, None)
    with pytest.raises(ValueError, match="^schema_version must be"):
        CurriculumResult(1, result.config, result.rungs, 5, result.provenance)
    with pytest.raises(TypeError, match="^weights must be"):
        dataclasses.replace(result.rungs[0], weights=None)


def test_every_rung_stores_its_network_and_rung_0_shares_the_run_s_file(climbed, tmp_path):
    result, _, files = climbed
    names = [r.weights.file for r in result.rungs]
    key = curriculum_key(CLIMB)
    assert names == [weights_file_name(CLIMB.run_config(1)), f"weights/{key}-rung01.npz", f"weights/{key}-rung02.npz"]
    assert sorted(files) == sorted(names)
    for rung in result.rungs:
        data = files[rung.weights.file]
        assert (rung.weights.sha256, rung.weights.n_bytes) == (hashlib.sha256(data).hexdigest(), len(data))
        path = tmp_path / rung.weights.file
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        meta = load_checkpoint(path).metadata
        assert (meta["task"]["delay"], meta["steps"], meta["converged"]) == (rung.delay, rung.steps, rung.converged)
    # Re-scored from the stored networks alone, every rung is what training gave.
    assert reanalyse_curriculum(result, tmp_path) == result
    # Rung 0's network is the run's: a run result computed from that file is the run trained anew.
    run = CLIMB.run_config(1)
    stored = compute_run(run, trained=files[names[0]])[0]
    fresh = run_experiment(run)
    assert (stored.steps, stored.accuracy, stored.history) == (fresh.steps, fresh.accuracy, fresh.history)


def test_a_stored_rung_0_is_reused_instead_of_trained_again(climbed, monkeypatch):
    result, _, files = climbed
    rung0 = files[result.rungs[0].weights.file]
    monkeypatch.setattr(experiment, "train", _no_training)
    with pytest.raises(AssertionError, match="trained again"):
        compute_curriculum(CLIMB)
    monkeypatch.undo()
    again, again_files = compute_curriculum(CLIMB, trained=rung0)
    assert again.rungs[0] == result.rungs[0]
    # The later rungs train again from the stored rung 0, to the same networks.
    for a, b in zip(again.rungs[1:], result.rungs[1:], strict=True):
        assert (a.steps, a.accuracy, a.wrong_flips, a.history, a.n_rotations) == (
            b.steps,
            b.accuracy,
            b.wrong_flips,
            b.history,
            b.n_rotations,
        )
        arrays = [np.load(io.BytesIO(f[a.weights.file]))["W"] for f in (again_files, files)]
        np.testing.assert_array_equal(*arrays)
    with pytest.raises(ValueError, match="^trained must be the checkpoint of training key"):
        compute_curriculum(CLIMB.replace(seed=1), trained=rung0)


def test_a_reused_rung_0_keeps_the_stored_file_byte_for_byte(climbed):
    result, _, files = climbed
    name = result.rungs[0].weights.file
    again, again_files = compute_curriculum(CLIMB, trained=files[name])
    assert again_files[name] == files[name] and again.rungs[0].weights == result.rungs[0].weights


def _no_training(*args, **kwargs):
    raise AssertionError("trained again")


def test_the_key_hashes_every_rung_s_resolved_run(monkeypatch):
    config = CurriculumConfig.from_settings(max_delay=12)
    key = curriculum_key(config)
    assert len(key) == 16
    monkeypatch.setattr(experiment, "TRAINER_VERSION", TRAINER_VERSION + 1)
    assert curriculum_key(config) != key
    # One more rung is one more run in the key.
    assert curriculum_key(config.replace(max_delay=14)) != curriculum_key(config)
