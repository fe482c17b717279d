"""The curriculum kind: config, key, the ladder of rungs, and its result files."""

import dataclasses
import json

import pytest

import rnnmem_helpers.curriculum as curriculum
from rnnmem_helpers.curriculum import (
    CurriculumConfig,
    CurriculumResult,
    curriculum_from_dict,
    curriculum_key,
    curriculum_to_dict,
    load_curriculum,
    run_curriculum,
    save_curriculum,
)
from rnnmem_helpers.experiment import ResultError, run_experiment, run_key

# max_steps 250 is the first held-out evaluation (TrainConfig.eval_every): the least that can converge.
CLIMB = CurriculumConfig(start_delay=1, delay_step=2, max_delay=5, n_hidden=5, max_steps=250, target_accuracy=0.0)
FAIL = CurriculumConfig(start_delay=1, delay_step=2, max_delay=5, n_hidden=5, max_steps=2, target_accuracy=1.0)


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
        result = run_curriculum(CLIMB)
    finally:
        mp.undo()
    return result, calls


def test_defaults_are_the_issue_s():
    c = CurriculumConfig()
    assert (c.start_delay, c.delay_step, c.max_delay, c.max_steps) == (8, 2, 32, 8000)
    assert c.delays == tuple(range(8, 33, 2))
    assert CurriculumConfig(start_delay=3, delay_step=4, max_delay=12).delays == (3, 7, 11)


def test_max_delay_below_start_is_refused():
    with pytest.raises(ValueError, match=r"^max_delay must be >= start_delay \(8\), got 6"):
        CurriculumConfig(start_delay=8, max_delay=6)


def test_equal_settings_are_one_key_and_never_a_run_key():
    a, b = CurriculumConfig(mean_interval=50), CurriculumConfig(mean_interval=50.0, target_accuracy=0.995)
    assert a == b and curriculum_key(a) == curriculum_key(b)
    assert len(curriculum_key(a)) == 16 and int(curriculum_key(a), 16) >= 0
    assert curriculum_key(a) != curriculum_key(CurriculumConfig(seed=1))
    assert curriculum_key(a) != run_key(a.run_config(a.start_delay))


def test_every_rung_converges_with_target_0_and_the_ladder_reaches_max_delay(climbed):
    result, calls = climbed
    assert [r.delay for r in result.rungs] == [1, 3, 5]
    assert all(r.converged for r in result.rungs) and result.longest_delay == 5 and result.converged
    # Rung 0 is the run's own training (train_run); each later rung calls train once.
    assert len(calls) == 2
    for r, (args, kwargs, _) in enumerate(calls, start=1):
        assert args[0].delay == CLIMB.delays[r] and args[2].max_steps == CLIMB.max_steps
        assert list(kwargs["rng"].bit_generator.seed_seq.entropy) == [CLIMB.seed, r]
    # Rung 2 starts from the weights rung 1 ended with.
    assert calls[1][1]["init"] is calls[0][2].weights


def test_rung_0_is_the_run_with_the_same_settings(climbed):
    result, _ = climbed
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
    result, _ = climbed
    path = tmp_path / f"{curriculum_key(result.config)}.json"
    save_curriculum(path, result)
    assert load_curriculum(path) == result
    obj = json.loads(path.read_text())
    assert obj["kind"] == "curriculum" and obj["key"] == path.stem
    for change, field in [
        (lambda o: o.update(longest_delay=3), "longest_delay"),
        (lambda o: o["config"].update(seed=1), "key"),
        (lambda o: o.update(kind="run"), "kind"),
        (lambda o: o.update(schema_version=2), "schema_version"),
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


def test_save_refuses_a_result_changed_behind_the_dataclass(climbed, tmp_path):
    result, _ = climbed
    broken = dataclasses.replace(result)
    object.__setattr__(broken, "longest_delay", 1)
    with pytest.raises(ResultError, match="longest_delay"):
        save_curriculum(tmp_path / "x.json", broken)
    assert not (tmp_path / "x.json").exists()


def test_a_result_must_not_stop_while_rungs_converge(climbed):
    result, _ = climbed
    with pytest.raises(ValueError, match="^rungs must go on to max_delay"):
        CurriculumResult(1, result.config, result.rungs[:2], 3)
