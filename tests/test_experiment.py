"""The experiment: run config, result schema, files, and one run end to end."""

import dataclasses
import hashlib
import inspect
import io
import json
import re

import numpy as np
import pytest

from rnnmem_helpers import (
    ModelConfig,
    TaskConfig,
    TrainConfig,
    evaluate,
    find_fixed_points,
    spectrum_summary,
    train,
)
from rnnmem_helpers.analyses import analysis as analysis_module
from rnnmem_helpers.core.init import start_weights
from rnnmem_helpers.core.provenance import collect
from rnnmem_helpers.core.train import TRAINER_VERSION, TRAINING_SETTINGS
from rnnmem_helpers.experiments import curriculum, experiment
from rnnmem_helpers.experiments.causal import CausalConfig, causal_key
from rnnmem_helpers.experiments.curriculum import CurriculumConfig, curriculum_key
from rnnmem_helpers.experiments.experiment import (
    RUN_FIELDS,
    SCHEMA_VERSION,
    Analysis,
    FixedPointRecord,
    History,
    ResultError,
    RunConfig,
    RunResult,
    SpectrumRecord,
    WeightsRecord,
    _dominant_mode,
    analyse,
    analysis_settings,
    build_config,
    compute_run,
    load_result,
    resolved_config,
    result_from_dict,
    result_to_dict,
    run_experiment,
    run_key,
    save_result,
    spectrum_settings,
    training_key,
    weights_file_name,
)

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
    **dict.fromkeys(TRAINING_SETTINGS, TrainConfig),
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


def _sha16(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def test_run_key_hashes_the_resolved_config_as_canonical_json(monkeypatch):
    config = RunConfig(delay=4, n_hidden=50)
    resolved = resolved_config(config)
    assert run_key(config) == _sha16(resolved)
    assert training_key(config) == _sha16({"weights": resolved["training"]})
    # Every default resolved: the task, model and training configs in full, the trainer, the test stream, the analysis.
    assert resolved["schema_version"] == SCHEMA_VERSION == 3
    training = resolved["training"]
    assert training["trainer_version"] == TRAINER_VERSION
    assert training["task"] == dataclasses.asdict(TaskConfig(delay=4))
    assert training["model"] == dataclasses.asdict(ModelConfig(n_hidden=50))
    assert training["train"] == dataclasses.asdict(TrainConfig())
    assert (training["init"], training["seed"]) == ("paper", 0)
    assert resolved["test"]["steps"] == config.test_steps
    assert resolved["analysis"] == analysis_settings()
    assert resolved_config(dataclasses.replace(config, analyse=False))["analysis"] is None
    assert json.loads(json.dumps(resolved)) == resolved


# A valid value other than the default for every setting of a run.
OTHER_VALUES = {
    "delay": 5,
    "seed": 1,
    "n_hidden": 101,
    "mode": "tbptt",
    "init": "transverse",
    "max_steps": 19_999,
    "mean_interval": 20.0,
    "rate_scope": "per_channel",
    "target_accuracy": 0.99,
    "analyse": False,
    "lr": 5e-4,
    "batch_size": 8,
    "seq_len": 50,
    "tbptt_len": 20,
    "stream_len": 1000,
    "clip_norm": 0.5,
    "eval_every": 100,
    "eval_steps": 10_000,
    "confirm_steps": 50_000,
    "test_steps": 50_000,
}
# The settings that do not change the trained network, so its weights file is shared.
NOT_TRAINING = ("analyse", "test_steps")


def test_the_key_test_covers_every_setting_of_a_run():
    assert set(OTHER_VALUES) == set(RUN_FIELDS)
    assert set(TRAINING_SETTINGS) < set(RUN_FIELDS) and "test_steps" in RUN_FIELDS
    base = RunConfig()
    assert all(getattr(base, name) != value for name, value in OTHER_VALUES.items())


@pytest.mark.parametrize("name", list(OTHER_VALUES))
def test_changing_any_one_setting_changes_the_run_key(name):
    base = RunConfig()
    other = dataclasses.replace(base, **{name: OTHER_VALUES[name]})
    assert getattr(other, name) == OTHER_VALUES[name]
    assert run_key(other) != run_key(base)
    # The weights file is named by the training alone: shared exactly when only the test or analysis changed.
    assert (training_key(other) == training_key(base)) is (name in NOT_TRAINING)
    assert (weights_file_name(other) == weights_file_name(base)) is (name in NOT_TRAINING)


def test_the_trainer_version_and_the_schema_are_in_the_key(monkeypatch):
    config = RunConfig(delay=2)
    run, trained = run_key(config), training_key(config)
    monkeypatch.setattr(experiment, "TRAINER_VERSION", TRAINER_VERSION + 1)
    assert run_key(config) != run and training_key(config) != trained
    monkeypatch.undo()
    assert (run_key(config), training_key(config)) == (run, trained)
    monkeypatch.setattr(experiment, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    assert run_key(config) != run and training_key(config) == trained


def test_the_analysis_settings_are_in_the_key_of_an_analysed_run(monkeypatch):
    analysed, bare = RunConfig(), RunConfig(analyse=False)
    before = run_key(analysed), run_key(bare), training_key(analysed)
    settings = analysis_settings()
    assert settings["min_angle"] == analysis_module.MIN_ANGLE
    assert settings["fixed_points"]["n_initial"] == inspect.signature(find_fixed_points).parameters["n_initial"].default
    changed = {**settings, "fixed_points": {**settings["fixed_points"], "n_initial": 7}}
    monkeypatch.setattr(experiment, "analysis_settings", lambda: changed)
    assert run_key(analysed) != before[0]
    # A run that is not analysed does not depend on them, and the network never does.
    assert (run_key(bare), training_key(analysed)) == before[1:]


def test_every_default_of_the_spectrum_summary_is_in_the_key():
    params = inspect.signature(spectrum_summary).parameters
    hashed = json.dumps(analysis_settings())
    for name, p in params.items():
        if p.kind is p.KEYWORD_ONLY:
            assert f'"{name}"' in hashed, name


def test_a_kind_config_holds_its_run_and_keeps_the_keys_stored_before():
    ladder = CurriculumConfig.from_settings(start_delay=4, seed=3, n_hidden=200)
    causal = CausalConfig.from_settings(delay=8, seed=2, n_time=5000)
    assert ladder.run == RunConfig(delay=4, seed=3, n_hidden=200, max_steps=8000, analyse=False)
    assert causal.run == RunConfig(delay=8, seed=2, max_steps=8000, analyse=True)
    # The keys these settings had when the kinds restated the run's fields (commit 7e1a22e): stored results keep them.
    assert (curriculum_key(ladder), causal_key(causal)) == ("2699f56a01c15cb0", "dad56c3acc80d987")
    # Each flat setting reads as an attribute, the run's through the run.
    assert (ladder.start_delay, ladder.seed, causal.delay, causal.n_time) == (4, 3, 8, 5000)


@pytest.mark.parametrize("config", [CurriculumConfig(), CausalConfig()], ids=["curriculum", "causal"])
def test_a_kind_config_sets_every_training_setting_of_its_run(config):
    assert "lr" not in config.settings()
    fast = config.replace(lr=0.01, batch_size=32)
    assert (fast.run.lr, fast.run.batch_size, fast.lr) == (0.01, 32, 0.01)
    assert fast.settings() == {**config.settings(), "lr": 0.01, "batch_size": 32}
    key = {CurriculumConfig: curriculum_key, CausalConfig: causal_key}[type(config)]
    assert key(fast) != key(config) and key(fast.replace(lr=config.lr, batch_size=config.batch_size)) == key(config)
    # A stored config reads back from its flat settings, the omitted ones at their defaults.
    assert build_config(type(config), fast.settings(), "config") == fast
    with pytest.raises(ResultError, match=r"^config\.seed is missing"):
        build_config(type(config), {k: v for k, v in fast.settings().items() if k != "seed"}, "config")
    with pytest.raises(ResultError, match=r"^config\.analyse is not a setting of"):
        build_config(type(config), {**fast.settings(), "analyse": True}, "config")
    with pytest.raises(ResultError, match=r"^config\.lr must be"):
        build_config(type(config), {**fast.settings(), "lr": 0}, "config")
    with pytest.raises(TypeError, match=r"^analyse is not a setting of"):
        config.replace(analyse=not config.run.analyse)
    with pytest.raises(ValueError, match=r"^run must have analyse="):
        type(config)(run=dataclasses.replace(config.run, analyse=not config.run.analyse))


def test_the_keys_of_other_kinds_follow_the_training_defaults_they_inherit(monkeypatch):
    ladder, causal = CurriculumConfig.from_settings(max_delay=12), CausalConfig()
    before = curriculum_key(ladder), causal_key(causal)
    monkeypatch.setattr(experiment, "TRAINER_VERSION", TRAINER_VERSION + 1)
    assert curriculum_key(ladder) != before[0] and causal_key(causal) != before[1]
    monkeypatch.undo()
    assert (curriculum_key(ladder), causal_key(causal)) == before
    # A causal experiment analyses its run's network: the analysis settings are in its key too.
    settings = analysis_settings()
    monkeypatch.setattr(experiment, "analysis_settings", lambda: {**settings, "min_angle": 0.2})
    assert causal_key(causal) != before[1]


def test_the_key_of_a_curriculum_follows_the_spectrum_settings_of_its_rungs(monkeypatch):
    ladder = CurriculumConfig.from_settings(max_delay=12)
    before = curriculum_key(ladder)
    settings = spectrum_settings()
    monkeypatch.setattr(curriculum, "spectrum_settings", lambda: {**settings, "min_angle": 0.2})
    assert curriculum_key(ladder) != before


def test_equal_normalised_configs_share_every_key():
    a = RunConfig(mean_interval=50, lr=np.float32(0.5), batch_size=np.int64(8), clip_norm=1)
    b = RunConfig(mean_interval=50.0, lr=0.5, batch_size=8, clip_norm=1.0)
    assert a == b and (run_key(a), training_key(a)) == (run_key(b), training_key(b))
    assert type(a.lr) is float and type(a.batch_size) is int and type(a.clip_norm) is float


@pytest.mark.parametrize(
    "kwargs, exc, name",
    [
        ({"delay": 20000}, ValueError, "delay"),
        ({"mean_interval": -5}, ValueError, "mean_interval"),
        ({"target_accuracy": 5}, ValueError, "target_accuracy"),
        ({"analyse": "no"}, TypeError, "analyse"),
        ({"init": "rotation"}, ValueError, "init"),
        ({"init": "transverse", "n_hidden": 21}, ValueError, "n_hidden"),
        ({"lr": 0}, ValueError, "lr"),
        ({"lr": 2}, ValueError, "lr"),
        ({"lr": "0.001"}, TypeError, "lr"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"batch_size": 1.5}, TypeError, "batch_size"),
        ({"seq_len": 1}, ValueError, "seq_len"),
        ({"tbptt_len": 0}, ValueError, "tbptt_len"),
        ({"stream_len": 5, "tbptt_len": 10}, ValueError, "stream_len"),
        ({"clip_norm": -1}, ValueError, "clip_norm"),
        ({"clip_norm": 0}, ValueError, "clip_norm"),
        ({"eval_every": 0}, ValueError, "eval_every"),
        ({"eval_steps": 99}, ValueError, "eval_steps"),
        ({"confirm_steps": 99}, ValueError, "confirm_steps"),
        ({"test_steps": 1}, ValueError, "test_steps"),
        ({"test_steps": 10**9}, ValueError, "test_steps"),
        ({"delay": 200, "test_steps": 201}, ValueError, "test_steps"),
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


PROVENANCE = collect(started="2026-01-01T00:00:00+00:00", wall_seconds=1.5)
WEIGHTS = WeightsRecord(file="weights/0123456789abcdef.npz", sha256="ab" * 32, n_bytes=6850)


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
        "weights": WEIGHTS,
        "provenance": PROVENANCE,
    }
    return RunResult(**{**args, **kw})


def test_a_valid_result_round_trips_through_json():
    result = _result()
    obj = result_to_dict(result)
    assert json.loads(json.dumps(obj)) == obj
    assert obj["key"] == run_key(result.config) and obj["schema_version"] == SCHEMA_VERSION
    assert obj["analysis"]["fixed_points"]["summary"] == {"0": 2, "2": 1}
    assert obj["weights"] == dataclasses.asdict(WEIGHTS)
    assert obj["provenance"]["cpu_model"] == PROVENANCE.cpu_model and set(obj["config"]) == set(RUN_FIELDS)
    assert result_from_dict(obj) == result
    bare = _result(config=RunConfig(max_steps=1000, analyse=False), analysis=None)
    assert result_from_dict(result_to_dict(bare)) == bare


def test_a_file_of_the_format_before_weights_and_provenance_is_refused(tmp_path):
    # Schema 2 kept neither; every shipped result was recomputed, and such a file is no result any more.
    obj = result_to_dict(_result())
    del obj["weights"], obj["provenance"]
    with pytest.raises(ResultError, match="^weights is missing$") as info:
        result_from_dict(obj)
    assert info.value.field == "weights"
    obj["schema_version"] = 2
    path = tmp_path / "old.json"
    path.write_text(json.dumps(obj))
    with pytest.raises(ResultError, match=re.escape(f"{path}: schema_version must be {SCHEMA_VERSION}, got 2")) as info:
        load_result(path)
    assert info.value.field == "schema_version"
    # Nor is an analysis without the moduli of its attractors, which schema 2 did not always record.
    obj = result_to_dict(_result())
    obj["analysis"]["fixed_points"]["attractor_moduli"] = None
    with pytest.raises(ResultError, match="^analysis.fixed_points.attractor_moduli must be"):
        result_from_dict(obj)


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: _result(steps=1001), "steps"),
        (lambda: _result(accuracy=1.5), "accuracy"),
        (lambda: _result(schema_version=1), "schema_version"),
        (lambda: _result(weights=None), "weights"),
        (lambda: _result(provenance=None), "provenance"),
        (lambda: _fixed_points(attractor_moduli=None), "attractor_moduli"),
        (lambda: WeightsRecord(file="w.npz", sha256="ab" * 32, n_bytes=1), "file"),
        (lambda: WeightsRecord(file="weights/../x.npz", sha256="ab" * 32, n_bytes=1), "file"),
        (lambda: WeightsRecord(file="weights/x.npz", sha256="AB" * 32, n_bytes=1), "sha256"),
        (lambda: WeightsRecord(file="weights/x.npz", sha256="ab" * 32, n_bytes=0), "n_bytes"),
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
        (lambda: _fixed_points(attractor_angles=(0.5, 0.6, 0.7), attractor_moduli=(0.9, 0.8, 0.7)), "attractor_angles"),
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
        (lambda o: o["config"].update(lr=0), "config.lr"),
        (lambda o: o["config"].pop("test_steps"), "config.test_steps"),
        (lambda o: o["config"].update(colour=1), "config.colour"),
        (lambda o: o["history"].pop("loss"), "history.loss"),
        (lambda o: o.update(converged="yes"), "converged"),
        (lambda o: o.update(key="0" * 16), "key"),
        (lambda o: o.update(extra=1), "extra"),
        (lambda o: o.pop("accuracy"), "accuracy"),
        (lambda o: o.pop("weights"), "weights"),
        (lambda o: o["weights"].update(sha256="x"), "weights.sha256"),
        (lambda o: o["weights"].update(file="/etc/passwd"), "weights.file"),
        (lambda o: o["provenance"].pop("host"), "provenance.host"),
        (lambda o: o["provenance"].update(git_commit=3), "provenance.git_commit"),
        (lambda o: o.update(provenance=None), "provenance"),
        (lambda o: o.update(analysis=[]), "analysis"),
        (lambda o: o.update(schema_version=4), "schema_version"),
        (lambda o: o.update(schema_version=True), "schema_version"),
        (lambda o: o.pop("schema_version"), "schema_version"),
        (lambda o: o.update(schema_version=2), "schema_version"),
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
    for text in ("{}", "[]", "not json", '{"schema_version": 2}', '{"a": 1, "a": 2}', "[" * 100_000):
        path.write_text(text)
        with pytest.raises(ResultError, match=re.escape(str(path))) as info:
            load_result(path)
        assert "\n" not in str(info.value)
    for data in (b"\xff\xfe", b'{"a": "\xff"}'):
        path.write_bytes(data)
        with pytest.raises(ResultError, match=re.escape(str(path)) + ".* is not (JSON|UTF-8)"):
            load_result(path)


# ----------------------------------------------------------------------------- running and analysing


def test_run_experiment_is_train_then_test_then_analyse():
    settings = {"lr": 0.002, "batch_size": 8, "eval_every": 100, "eval_steps": 1000, "confirm_steps": 1000}
    config = RunConfig(delay=1, seed=3, n_hidden=24, init="transverse", max_steps=300, test_steps=5000, **settings)
    result = run_experiment(config)
    # The same run composed by hand from the documented streams, with every training setting of the config.
    model = ModelConfig(n_hidden=24)
    init = start_weights("transverse", model, rng=3)
    res = train(TaskConfig(delay=1), model, TrainConfig(max_steps=300, **settings), rng=3, init=init, progress=False)
    test = evaluate(res.weights, TaskConfig(delay=1), n_time=5000, rng=3 + 1_000_003)
    assert (result.converged, result.steps) == (res.converged, res.steps)
    assert (result.accuracy, result.wrong_flips) == (test.accuracy, test.wrong_flips)
    assert result.history == History(**res.history) and result.history.step == (100, 200, 300)
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
    assert result.weights.file == weights_file_name(config) and result.provenance is not None
    assert result_from_dict(result_to_dict(result)) == result


# Tiny and quick: 3 updates of N = 5, with short evaluation and test streams.
TINY = RunConfig(
    n_hidden=5, max_steps=3, eval_every=1, eval_steps=100, confirm_steps=100, test_steps=1000, analyse=True
)


@pytest.fixture(scope="module")
def tiny():
    return compute_run(TINY)


def _without_provenance(result) -> dict:
    obj = result_to_dict(result)
    del obj["provenance"]
    return obj


def test_compute_run_returns_the_weights_file_its_result_names(tiny):
    result, files = tiny
    ((name, data),) = files.items()
    assert name == result.weights.file == f"weights/{training_key(TINY)}.npz"
    assert result.weights == WeightsRecord(name, hashlib.sha256(data).hexdigest(), len(data))
    # The file records the training's provenance (when, where, how long), so a retraining writes other bytes,
    # but the same network and metadata otherwise.
    again = compute_run(TINY)[1][name]
    first, second = (np.load(io.BytesIO(d), allow_pickle=False) for d in (data, again))
    for key in ("W", "W_in", "W_out"):
        np.testing.assert_array_equal(first[key], second[key])
    meta = [json.loads(str(f["metadata"][()])) for f in (first, second)]
    for m in meta:
        del m["provenance"], m["seconds"]
    assert meta[0] == meta[1] and meta[0]["training_key"] == training_key(TINY)
    assert meta[0]["train"] == dataclasses.asdict(TINY.train_config) and meta[0]["trainer_version"] == TRAINER_VERSION


def test_a_stored_network_is_tested_and_analysed_as_if_trained_again(tiny):
    result, files = tiny
    data = files[result.weights.file]
    again, again_files = compute_run(TINY, trained=data)
    assert _without_provenance(again) == _without_provenance(result)
    assert again_files == files
    # Another test stream or no analysis: the same network (training key), retested without training.
    longer = dataclasses.replace(TINY, test_steps=2000, analyse=False)
    other, other_files = compute_run(longer, trained=data)
    assert (other.steps, other.history, other.weights) == (result.steps, result.history, result.weights)
    assert other.analysis is None and other_files == files and run_key(longer) != run_key(TINY)


@pytest.mark.parametrize("change", [{"seed": 1}, {"lr": 0.002}, {"max_steps": 4}, {"n_hidden": 6}])
def test_a_stored_network_of_another_training_is_refused(tiny, change):
    result, files = tiny
    with pytest.raises(ValueError, match="^trained must be the checkpoint of training key"):
        compute_run(dataclasses.replace(TINY, **change), trained=files[result.weights.file])


def test_bytes_that_are_not_a_checkpoint_are_refused_as_trained():
    with pytest.raises(ValueError):
        compute_run(TINY, trained=b"not a checkpoint")


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
