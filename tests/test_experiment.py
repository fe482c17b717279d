"""The experiment: run config, result schema, files, and one run end to end."""

import dataclasses
import hashlib
import inspect
import json

import numpy as np
import pytest

from rnnmem_helpers import (
    ModelConfig,
    TaskConfig,
    TrainConfig,
    evaluate,
    experiment,
    find_fixed_points,
    spectrum_summary,
    train,
)
from rnnmem_helpers import analysis as analysis_module
from rnnmem_helpers.experiment import (
    SCHEMA_VERSION,
    Analysis,
    FixedPointRecord,
    History,
    ResultError,
    RunConfig,
    RunResult,
    SpectrumRecord,
    _dominant_mode,
    analyse,
    load_result,
    missing_fields,
    result_from_dict,
    result_to_dict,
    run_experiment,
    run_key,
    save_result,
)
from rnnmem_helpers.init import start_weights

# ----------------------------------------------------------------------------- the run config

# Each field of RunConfig and the config dataclass that defines its default and range.
SOURCES = {
    "delay": TaskConfig,
    "n_hidden": ModelConfig,
    "mode": TrainConfig,
    "max_steps": TrainConfig,
    "mean_interval": TaskConfig,
    "rate_scope": TaskConfig,
    "target_accuracy": TrainConfig,
}


@pytest.mark.parametrize("name, source", list(SOURCES.items()))
def test_run_config_defaults_and_ranges_have_one_source(name, source):
    assert getattr(RunConfig(), name) == getattr(source(), name)
    assert RunConfig.__rnnmem_params__[name] is source.__rnnmem_params__[name]


def test_run_config_budget_default_is_train_configs():
    # The sweep once had its own 8000 while TrainConfig said 20 000.
    assert RunConfig().max_steps == TrainConfig().max_steps == 20_000


def test_equivalent_configs_are_one_run():
    a, b = RunConfig(mean_interval=50, delay=np.int64(3)), RunConfig(mean_interval=50.0, delay=3)
    assert a == b and run_key(a) == run_key(b)
    assert type(a.mean_interval) is float and type(a.delay) is int
    assert run_key(RunConfig(seed=1)) != run_key(RunConfig(seed=0))


def test_run_key_hashes_schema_version_and_canonical_config(monkeypatch):
    config = RunConfig(delay=4, n_hidden=50)
    fields = {
        "analyse": True,
        "delay": 4,
        "init": "paper",
        "max_steps": 20000,
        "mean_interval": 50.0,
        "mode": "bptt",
        "n_hidden": 50,
        "rate_scope": "all",
        "schema_version": 2,
        "seed": 0,
        "target_accuracy": 0.995,
    }
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    assert run_key(config) == hashlib.sha256(text.encode()).hexdigest()[:16]
    monkeypatch.setattr(experiment, "SCHEMA_VERSION", 3)
    assert run_key(config) != hashlib.sha256(text.encode()).hexdigest()[:16]


@pytest.mark.parametrize(
    "kwargs, exc, name",
    [
        ({"delay": 20000}, ValueError, "delay"),
        ({"mean_interval": -5}, ValueError, "mean_interval"),
        ({"target_accuracy": 5}, ValueError, "target_accuracy"),
        ({"analyse": "no"}, TypeError, "analyse"),
        ({"init": "rotation"}, ValueError, "init"),
        ({"init": "transverse", "n_hidden": 21}, ValueError, "n_hidden"),
    ],
)
def test_bad_run_config(kwargs, exc, name):
    with pytest.raises(exc, match=f"^{name} must"):
        RunConfig(**kwargs)


def test_run_config_gives_the_configs_it_describes():
    config = RunConfig(delay=8, n_hidden=50, mode="tbptt", max_steps=300, mean_interval=20, rate_scope="per_channel")
    assert config.task_config == TaskConfig(delay=8, mean_interval=20.0, rate_scope="per_channel")
    assert config.model_config == ModelConfig(n_hidden=50, n_bits=3)
    assert config.train_config == TrainConfig(mode="tbptt", max_steps=300, target_accuracy=0.995)
    RunConfig(init="transverse", n_hidden=22)


# ----------------------------------------------------------------------------- the result

EIGVALS = ((1.2, 0.0), (0.5, 0.9), (0.5, -0.9), (1.005, 0.0), (0.1, 0.0))


def _spectrum(**kw):
    args = {
        "eigvals": EIGVALS,
        "n_unstable": 3,
        "n_unstable_naive": 4,
        "n_real_outliers": 1,
        "rotation_angles": (1.06,),
        "rotation_periods": (2 * np.pi / 1.06,),
    }
    return SpectrumRecord(**{**args, **kw})


def _fixed_points(**kw):
    args = {
        "summary": {0: 2, 2: 1},
        "summary_naive": {0: 1, 1: 1, 2: 1},
        "n": 3,
        "n_slow": 1,
        "max_unstable": 2,
        "attractor_angles": (0.5, 0.6),
        "attractor_moduli": (0.9, 0.8),
    }
    return FixedPointRecord(**{**args, **kw})


def _result(**kw):
    args = {
        "schema_version": SCHEMA_VERSION,
        "config": RunConfig(max_steps=1000),
        "converged": True,
        "steps": 750,
        "seconds": 1.5,
        "accuracy": 0.999,
        "wrong_flips": 2,
        "history": History(step=(250, 500, 750), loss=(0.5, 0.2, 0.1), eval_accuracy=(0.6, 0.9, 0.999)),
        "analysis": Analysis(spectrum=_spectrum(), fixed_points=_fixed_points()),
    }
    return RunResult(**{**args, **kw})


def test_missing_fields_names_what_only_a_rerun_can_give():
    assert missing_fields(_result()) == ()
    assert missing_fields(_result(config=RunConfig(max_steps=1000, analyse=False), analysis=None)) == ()
    migrated = _result(analysis=Analysis(spectrum=_spectrum(), fixed_points=_fixed_points(attractor_moduli=None)))
    assert missing_fields(migrated) == ("analysis.fixed_points.attractor_moduli",)


def test_a_valid_result_round_trips_through_json():
    result = _result()
    obj = result_to_dict(result)
    assert json.loads(json.dumps(obj)) == obj
    assert obj["key"] == run_key(result.config) and obj["schema_version"] == 2
    assert obj["analysis"]["fixed_points"]["summary"] == {"0": 2, "2": 1}
    assert result_from_dict(obj) == result
    bare = _result(config=RunConfig(max_steps=1000, analyse=False), analysis=None)
    assert result_from_dict(result_to_dict(bare)) == bare
    assert (
        result_from_dict(
            result_to_dict(_result(analysis=Analysis(_spectrum(), _fixed_points(attractor_moduli=None))))
        ).analysis.fixed_points.attractor_moduli
        is None
    )


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: _result(steps=1001), "steps"),
        (lambda: _result(accuracy=1.5), "accuracy"),
        (lambda: _result(schema_version=1), "schema_version"),
        (lambda: _result(history=History(step=(250, 800), loss=(0.5, 0.2), eval_accuracy=(0.6, 0.9))), "history"),
        (lambda: _result(config=RunConfig(max_steps=1000, analyse=False)), "analysis"),
        (lambda: History(step=(1, 2), loss=(0.5,), eval_accuracy=(0.6, 0.7)), "step, loss and eval_accuracy"),
        (lambda: History(step=(2, 1), loss=(0.5, 0.4), eval_accuracy=(0.6, 0.7)), "step"),
        (lambda: History(step=(1,), loss=(0.5,), eval_accuracy=(1.5,)), "eval_accuracy"),
        (lambda: _spectrum(n_unstable=4), "n_unstable"),
        (lambda: _spectrum(n_unstable_naive=3), "n_unstable_naive"),
        (lambda: _spectrum(rotation_periods=()), "rotation_periods"),
        (lambda: _spectrum(eigvals=((1.0,),) * 5), "eigvals"),
        (lambda: _spectrum(eigvals=()), "eigvals"),
        (lambda: _fixed_points(n=4), "summary"),
        (lambda: _fixed_points(max_unstable=1), "max_unstable"),
        (lambda: _fixed_points(attractor_moduli=(0.9,)), "attractor_moduli"),
        (lambda: _fixed_points(attractor_angles=(0.5, 0.6, 0.7), attractor_moduli=None), "attractor_angles"),
        (lambda: _fixed_points(summary={"x": 3}), "summary"),
    ],
)
def test_a_result_validates_itself(make, name):
    with pytest.raises((TypeError, ValueError), match=f"^{name}"):
        make()


def _file_obj():
    return result_to_dict(_result())


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda o: o["analysis"]["spectrum"].update(n_unstable=0), "analysis.spectrum.n_unstable"),
        (lambda o: o["analysis"]["fixed_points"].update(n="3"), "analysis.fixed_points.n"),
        (lambda o: o["analysis"]["fixed_points"]["summary"].update({"01": 1}), "analysis.fixed_points.summary"),
        (lambda o: o["config"].update(delay=20000), "config.delay"),
        (lambda o: o["config"].update(colour=1), "config.colour"),
        (lambda o: o["history"].pop("loss"), "history.loss"),
        (lambda o: o.update(converged="yes"), "converged"),
        (lambda o: o.update(key="0" * 16), "key"),
        (lambda o: o.update(extra=1), "extra"),
        (lambda o: o.pop("accuracy"), "accuracy"),
        (lambda o: o.update(analysis=[]), "analysis"),
        (lambda o: o.update(schema_version=3), "schema_version"),
        (lambda o: o.pop("schema_version"), "schema_version"),
    ],
)
def test_result_from_dict_names_the_field(edit, field):
    obj = _file_obj()
    edit(obj)
    with pytest.raises(ResultError, match=rf"^{field}\b") as info:
        result_from_dict(obj)
    assert info.value.field == field
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("obj", [{}, [], "x", None, 3])
def test_result_from_dict_refuses_what_is_not_a_result(obj):
    with pytest.raises(ResultError):
        result_from_dict(obj)


def test_a_schema_1_result_is_refused_with_the_way_to_migrate():
    old = {"key": "0" * 16, "config": {}, "result": {}}
    with pytest.raises(ResultError, match="schema 1.*migrate"):
        result_from_dict(old)


def test_save_and_load(tmp_path):
    path = tmp_path / "r.json"
    save_result(path, _result())
    assert load_result(path) == _result()
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
    # Save checks what load checks: a field changed behind the frozen dataclass's back is refused.
    bad = _result()
    object.__setattr__(bad, "accuracy", 2.0)
    with pytest.raises(ResultError, match="^accuracy"):
        save_result(tmp_path / "bad.json", bad)
    assert not (tmp_path / "bad.json").exists()
    for text in ("{}", "[]", "not json", '{"schema_version": 2}'):
        path.write_text(text)
        with pytest.raises(ResultError, match=f"^{path}: "):
            load_result(path)
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(ResultError, match="not a JSON file"):
        load_result(path)


# ----------------------------------------------------------------------------- running and analysing


def test_run_experiment_is_train_then_test_then_analyse():
    config = RunConfig(delay=1, seed=3, n_hidden=24, init="transverse", max_steps=300)
    result = run_experiment(config)
    # The same run composed by hand from the documented streams.
    model = ModelConfig(n_hidden=24)
    init = start_weights("transverse", model, rng=3)
    res = train(TaskConfig(delay=1), model, TrainConfig(max_steps=300), rng=3, init=init, progress=False)
    test = evaluate(res.weights, TaskConfig(delay=1), rng=3 + 1_000_003)
    assert (result.converged, result.steps) == (res.converged, res.steps)
    assert (result.accuracy, result.wrong_flips) == (test.accuracy, test.wrong_flips)
    assert result.history == History(**res.history)
    fps = find_fixed_points(res.weights, rng=3)
    spec = spectrum_summary(res.weights.W)
    assert result.analysis.fixed_points.summary == fps.summary()
    assert result.analysis.fixed_points.n == len(fps)
    assert result.analysis.spectrum.eigvals == tuple((z.real, z.imag) for z in spec.eigvals)
    assert result.analysis.spectrum.n_unstable == int(np.sum(np.abs(spec.eigvals) > 1.01))
    assert result.analysis.spectrum.n_unstable_naive == int(np.sum(np.abs(spec.eigvals) > 1))
    angles, moduli = result.analysis.fixed_points.attractor_angles, result.analysis.fixed_points.attractor_moduli
    assert len(angles) == len(moduli) <= fps.summary().get(0, 0)
    assert analyse(res.weights, rng=3) == result.analysis
    assert result_from_dict(result_to_dict(result)) == result


def test_unanalysed_run_and_rng_keyword():
    result = run_experiment(RunConfig(n_hidden=8, max_steps=5, analyse=False))
    assert result.analysis is None and result.steps == 5
    with pytest.raises(TypeError):
        analyse(None, 0)


def test_dominant_mode_of_an_attractor():
    assert inspect.signature(_dominant_mode).parameters["min_angle"].default is analysis_module.MIN_ANGLE
    # The real eigenvalue 0.9 is larger but has no rotation; 0.5 ± 0.5i beats 0.6i.
    ev = np.array([0.9, 0.5 + 0.5j, 0.5 - 0.5j, 0.6j, -0.6j])
    mode = _dominant_mode(ev)
    assert np.isclose(abs(mode), np.sqrt(0.5)) and np.isclose(abs(np.angle(mode)), np.pi / 4)
    assert _dominant_mode(np.array([0.9, -0.3, 0.1])) is None


def test_result_dataclasses_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        _result().steps = 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        RunConfig().delay = 3
