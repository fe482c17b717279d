"""The sweep runner: config checks before any work, resume, temporary files, Dask, the shipped sweeps."""

import ast
import contextlib
import dataclasses
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import rnnmem_helpers
from rnnmem_helpers import TrainConfig
from rnnmem_helpers.core.checkpoints import load_checkpoint
from rnnmem_helpers.core.model import RNNWeights, simulate
from rnnmem_helpers.experiments import experiment as experiment_module
from rnnmem_helpers.experiments import sweep as sweep_module
from rnnmem_helpers.experiments.causal import CausalConfig, CausalResult, causal_key
from rnnmem_helpers.experiments.cli import main
from rnnmem_helpers.experiments.curriculum import CurriculumConfig, CurriculumResult, curriculum_key
from rnnmem_helpers.experiments.experiment import (
    ResultError,
    RunConfig,
    register_kind,
    run_experiment,
    run_key,
    save_result,
    score_run,
    training_key,
    write_json,
)
from rnnmem_helpers.experiments.sweep import (
    KINDS,
    SchedulerError,
    check_out_dir,
    execute_run,
    expand_grid,
    experiment_key,
    load_results,
    load_sweep,
    pending_runs,
    run_sweep,
    shipped_config,
    shipped_sweeps,
    store_result,
    stored_network,
    validate_sweep_config,
)

TINY = {
    "grid": {"delay": [0, 1], "seed": [0, 1, 2]},
    "fixed": {"n_hidden": 10, "max_steps": 200, "analyse": True},
}
# Each edge of issue 10, the key its one-line error must name, and the exception type.
BAD_CONFIGS = [
    ({"grdi": {"delay": [0]}}, "grdi", ValueError),
    ({"grid": {"delay": [0]}, "fixd": {"seed": 1}}, "fixd", ValueError),
    ({"grid": {}}, "grid", ValueError),
    ({}, "grid", ValueError),
    ({"grid": {"delay": [0]}, "fixed": {"mean_interval": -5}}, "fixed.mean_interval", ValueError),
    ({"grid": {"delay": [0]}, "fixed": {"target_accuracy": 5}}, "fixed.target_accuracy", ValueError),
    ({"grid": {"delay": [20000]}}, "grid.delay", ValueError),
    ({"grid": {"delay": [0]}, "fixed": {"analyse": "no"}}, "fixed.analyse", TypeError),
    ({"grid": ["delay"]}, "grid", TypeError),
    ({"grid": {"delay": [0, 0]}}, "grid.delay", ValueError),
    ({"grid": {"mean_interval": [50, 50.0]}}, "grid.mean_interval", ValueError),
    ({"grid": {"delay": [-1]}}, "grid.delay", ValueError),
    ({"grid": {"delay": []}}, "grid.delay", ValueError),
    ({"grid": {"delay": 4}}, "grid.delay", TypeError),
    ({"grid": {"colour": [1]}}, "grid.colour", ValueError),
    ({"grid": {"delay": [0]}, "fixed": {"mode": "rtrl"}}, "fixed.mode", ValueError),
    ({"grid": {"delay": [0]}, "fixed": {"init": "rotation"}}, "fixed.init", ValueError),
    ({"grid": {"delay": [0]}, "fixed": {"delay": 1}}, "fixed.delay", ValueError),
    ({"grid": {"delay": [0]}, "fixed": []}, "fixed", TypeError),
    ({"grid": {"delay": [0]}, "results": 3}, "results", TypeError),
    ({"grid": {"init": ["paper", "transverse"]}, "fixed": {"n_hidden": 10}}, "fixed.n_hidden", ValueError),
    ([], "a sweep config", TypeError),
    ({"kind": "curricula", "grid": {"seed": [0]}}, "kind", ValueError),
    ({"kind": ["causal"], "grid": {"seed": [0]}}, "kind", ValueError),
    ({"kind": "curriculum", "grid": {"delay": [8]}}, "grid.delay", ValueError),
    ({"kind": "causal", "grid": {"seed": [0]}, "fixed": {"analyse": True}}, "fixed.analyse", ValueError),
    ({"kind": "curriculum", "grid": {"seed": [0]}, "fixed": {"max_steps": 0}}, "fixed.max_steps", ValueError),
    ({"kind": "curriculum", "grid": {"max_delay": [4]}, "fixed": {"start_delay": 8}}, "grid.max_delay", ValueError),
    ({"kind": "causal", "grid": {"n_time": [5]}, "fixed": {"delay": 8}}, "grid.n_time", ValueError),
    # The training settings of issue 18 and the test stream, each out of range, in fixed and in grid.
    ({"grid": {"delay": [0]}, "fixed": {"lr": 0}}, "fixed.lr", ValueError),
    ({"grid": {"lr": [0.001, 2]}}, "grid.lr", ValueError),
    ({"grid": {"lr": ["0.001"]}}, "grid.lr", TypeError),
    ({"grid": {"delay": [0]}, "fixed": {"batch_size": 0}}, "fixed.batch_size", ValueError),
    ({"grid": {"batch_size": [16, 5000]}}, "grid.batch_size", ValueError),
    ({"grid": {"delay": [0]}, "fixed": {"seq_len": 1}}, "fixed.seq_len", ValueError),
    ({"grid": {"tbptt_len": [0]}}, "grid.tbptt_len", ValueError),
    ({"grid": {"delay": [0]}, "fixed": {"clip_norm": -1}}, "fixed.clip_norm", ValueError),
    ({"grid": {"clip_norm": [0]}}, "grid.clip_norm", ValueError),
    ({"grid": {"stream_len": [5]}, "fixed": {"tbptt_len": 10}}, "grid.stream_len", ValueError),
    ({"grid": {"tbptt_len": [10, 20]}, "fixed": {"stream_len": 15}}, "fixed.stream_len", ValueError),
    ({"grid": {"delay": [0]}, "fixed": {"eval_every": 0}}, "fixed.eval_every", ValueError),
    ({"grid": {"eval_steps": [50]}}, "grid.eval_steps", ValueError),
    ({"grid": {"delay": [0]}, "fixed": {"confirm_steps": 1.5}}, "fixed.confirm_steps", TypeError),
    ({"grid": {"delay": [0]}, "fixed": {"test_steps": 1}}, "fixed.test_steps", ValueError),
    ({"grid": {"test_steps": [100]}, "fixed": {"delay": 200}}, "grid.test_steps", ValueError),
    ({"kind": "causal", "grid": {"seed": [0]}, "fixed": {"lr": 0}}, "fixed.lr", ValueError),
    ({"kind": "curriculum", "grid": {"lr": [0.01, "0.1"]}}, "grid.lr", TypeError),
    ({"kind": "curriculum", "grid": {"seed": [0]}, "fixed": {"batch_size": 0}}, "fixed.batch_size", ValueError),
]


def test_expand_grid_and_keys():
    runs = expand_grid(TINY)
    assert len(runs) == 6 and all(isinstance(r, RunConfig) for r in runs)
    # Grid keys sorted, the last varying fastest.
    assert [(r.delay, r.seed) for r in runs] == [(d, s) for d in (0, 1) for s in (0, 1, 2)]
    assert all(r.n_hidden == 10 and r.mode == "bptt" and r.max_steps == 200 for r in runs)
    keys = [run_key(r) for r in runs]
    assert len(set(keys)) == 6 and all(len(k) == 16 for k in keys)


def test_curriculum_and_causal_sweeps_set_the_training_settings_of_their_run():
    for kind in ("curriculum", "causal"):
        runs = expand_grid({"kind": kind, "grid": {"seed": [0, 1]}, "fixed": {"lr": 0.01, "clip_norm": 2}})
        assert [(r.run.seed, r.run.lr, r.run.clip_norm) for r in runs] == [(0, 0.01, 2.0), (1, 0.01, 2.0)]
        default = expand_grid({"kind": kind, "grid": {"seed": [0, 1]}})
        assert {experiment_key(r) for r in runs}.isdisjoint(experiment_key(r) for r in default)


def test_settings_a_sweep_does_not_give_are_the_dataclasses_defaults():
    (run,) = expand_grid({"grid": {"seed": [3]}})
    assert run == RunConfig(seed=3) and run.max_steps == TrainConfig().max_steps
    assert run.train_config == dataclasses.replace(TrainConfig(), max_steps=run.max_steps)


@pytest.mark.parametrize("config, name, exc", BAD_CONFIGS, ids=[c[1] for c in BAD_CONFIGS])
def test_bad_sweep_config_is_one_line_naming_the_key(config, name, exc):
    with pytest.raises(exc) as info:
        expand_grid(config)
    text = str(info.value)
    assert text.startswith(f"{name} ") and "\n" not in text, text


def test_equivalent_sweep_configs_are_the_same_runs():
    a = expand_grid({"grid": {"seed": [0, 1]}, "fixed": {"mean_interval": 50, "target_accuracy": 1}})
    b = expand_grid({"grid": {"seed": [0, 1]}, "fixed": {"mean_interval": 50.0, "target_accuracy": 1.0}})
    c = expand_grid({"grid": {"seed": [0, 1], "mean_interval": [50.0]}, "fixed": {"target_accuracy": 1.0}})
    assert [run_key(r) for r in a] == [run_key(r) for r in b] == [run_key(r) for r in c]


def test_validated_config_is_normalised_and_stable():
    config = validate_sweep_config({"name": "x", "grid": {"mean_interval": [50, 20]}, "fixed": {"delay": 2}})
    assert config == {
        "name": "x",
        "description": None,
        "kind": "run",
        "results": None,
        "grid": {"mean_interval": [50.0, 20.0]},
        "fixed": {"delay": 2},
    }
    assert validate_sweep_config(config) == config


def test_cli_refuses_each_bad_config_in_one_line_before_importing_dask(tmp_path):
    paths = []
    for i, (config, _, _) in enumerate(BAD_CONFIGS):
        path = tmp_path / f"bad{i}.json"
        path.write_text(json.dumps(config))
        paths.append(str(path))
    script = textwrap.dedent(
        """
        import contextlib, io, json, sys
        from rnnmem_helpers.experiments.cli import main
        out = []
        for path in sys.argv[1:]:
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                try:
                    main(["sweep", path, "--no-progress"])
                    code = 0
                except SystemExit as exc:
                    code = exc.code
            out.append([code, err.getvalue()])
        out.append(sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed")))
        print(json.dumps(out))
        """
    )
    res = subprocess.run([sys.executable, "-c", script, *paths], capture_output=True, text=True, check=True)
    *outcomes, dask_modules = json.loads(res.stdout)
    assert dask_modules == []
    for (code, err), path, (_, name, _) in zip(outcomes, paths, BAD_CONFIGS, strict=True):
        lines = err.splitlines()
        assert code == 2 and len(lines) == 1, err
        assert path in lines[0] and name in lines[0] and "Traceback" not in err
    assert [p for p in tmp_path.iterdir() if p.is_dir()] == []


@pytest.mark.parametrize("address", ["not an address", "tcp://host", "tcp://127.0.0.1:0", "http://127.0.0.1:80"])
def test_malformed_scheduler_is_refused_before_any_work(address, tmp_path, capsys, monkeypatch):
    config = tmp_path / "ok.json"
    config.write_text(json.dumps({"grid": {"delay": [0]}, "fixed": {"n_hidden": 5, "max_steps": 2}}))
    monkeypatch.setattr("rnnmem_helpers.experiments.sweep._compute", _no_work)
    with pytest.raises(SystemExit) as exc:
        main(["sweep", str(config), "--scheduler", address, "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "--scheduler" in lines[0] and repr(address) in lines[0] and "tcp://HOST:PORT" in lines[0]
    with pytest.raises(SchedulerError):
        run_sweep(json.loads(config.read_text()), tmp_path / "out", scheduler=address)
    assert not (tmp_path / "out").exists()


def test_unreachable_scheduler_is_one_line(tmp_path, capsys):
    config = tmp_path / "ok.json"
    config.write_text(json.dumps({"grid": {"delay": [0]}, "fixed": {"n_hidden": 5, "max_steps": 2}}))
    with socket.socket() as sock:
        # A port that was free a moment ago: nothing listens there.
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SystemExit) as exc:
        main(["sweep", str(config), "--scheduler", f"tcp://127.0.0.1:{port}", "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "--scheduler" in lines[0] and f"127.0.0.1:{port}" in lines[0]
    assert "Traceback" not in lines[0]
    assert not (tmp_path / "out").exists()


def _no_work(*args, **kwargs):
    raise AssertionError("work started")


def _finished(tmp_path, configs):
    """Compute and store a real result for each config (tiny runs) as a sweep does; return their paths."""
    return [store_result(tmp_path, config, *execute_run(config)[1:]) for config in configs]


# Tiny runs with short evaluation and test streams: well under a second each.
QUICK = {"eval_every": 1, "eval_steps": 1000, "confirm_steps": 1000, "test_steps": 1000}
SMALL = {"grid": {"seed": [0, 1]}, "fixed": {"n_hidden": 5, "max_steps": 3, "analyse": False, **QUICK}}


@pytest.mark.parametrize(
    "content",
    [
        "{}",
        "[]",
        "garbage",
        "",
        '{"key": "0000000000000000", "config": {}, "result": {}}',
        '{"schema_version": 2, "schema_version": 3}',
        "[" * 100_000,
        "schema-1",
        "other-run",
        "schema-2",
    ],
)
def test_an_invalid_result_file_is_reported_and_rerun(content, tmp_path, capsys):
    runs = expand_grid(SMALL)
    done, bad = _finished(tmp_path, runs)
    if content == "schema-1":
        old = {"key": "x", "config": dataclasses.asdict(RunConfig()), "result": {}}
        content = json.dumps(old)
    elif content == "other-run":
        content = done.read_text()
    elif content == "schema-2":
        # This run's result as schema 2 wrote it, without weights or provenance: no longer a result.
        obj = json.loads(bad.read_text())
        del obj["weights"], obj["provenance"]
        content = json.dumps({**obj, "schema_version": 2})
    bad.write_text(content)
    assert pending_runs(runs, tmp_path) == [runs[1]]
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and lines[0].startswith("warning: ")
    assert [r.config for r in load_results(runs, tmp_path)] == [runs[0]]


def test_a_sweep_removes_only_its_own_stale_temporaries(tmp_path, monkeypatch):
    runs = expand_grid(SMALL)
    _finished(tmp_path, runs)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    mine = f".{run_key(runs[0])}.json"
    live_tmp = tmp_path / f"{mine}.{os.getpid()}-abcd1234.tmp"
    dead_tmp = tmp_path / f"{mine}.{dead.pid}-abcd1234.tmp"
    other_tmp = tmp_path / f".0123456789abcdef.json.{dead.pid}-abcd1234.tmp"
    for path in (live_tmp, dead_tmp, other_tmp):
        path.write_text("partial")
    monkeypatch.setattr("rnnmem_helpers.experiments.sweep._compute", _no_work)
    results = run_sweep(SMALL, tmp_path, progress=False)
    assert [r.config for r in results] == runs
    # A live writer's file (this process) survives, a dead writer's goes, another target's is not touched.
    assert live_tmp.exists() and not dead_tmp.exists() and other_tmp.exists()


def test_two_worker_local_cluster(tmp_path):
    # Occupy Dask's default HTTP port, as another running sweep would: the
    # cluster must pick a free port without warning.
    with socket.socket() as blocker, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with contextlib.suppress(OSError):
            blocker.bind(("127.0.0.1", 8787))
            blocker.listen()
        results = run_sweep(TINY, tmp_path, n_workers=2, progress=False)
    assert not [w for w in caught if "already in use" in str(w.message)]
    runs = expand_grid(TINY)
    assert [r.config for r in results] == runs
    assert _files(tmp_path) == sorted(
        [f"{run_key(r)}.json" for r in runs] + [f"weights/{training_key(r)}.npz" for r in runs]
    )
    for r in results:
        assert 0.0 <= r.accuracy <= 1.0 and r.steps <= 200
        assert sum(r.analysis.fixed_points.summary.values()) == r.analysis.fixed_points.n
        assert r.provenance is not None and r.weights.file == f"weights/{training_key(r.config)}.npz"
    # A rerun finds nothing to do and returns the same results.
    before = {name: (tmp_path / name).stat().st_mtime_ns for name in _files(tmp_path)}
    again = run_sweep(TINY, tmp_path, n_workers=1, progress=False)
    assert {name: (tmp_path / name).stat().st_mtime_ns for name in _files(tmp_path)} == before
    assert again == results


def _files(folder) -> list[str]:
    """Every file under ``folder``, hidden ones included, as sorted relative paths."""
    return sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file())


def test_resume_after_kill(tmp_path):
    config = {"grid": {"seed": list(range(6))}, "fixed": {"n_hidden": 16, "max_steps": 1500, "analyse": False}}
    cfg_path = tmp_path / "grid.json"
    cfg_path.write_text(json.dumps(config))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "rnnmem_helpers", "sweep", str(cfg_path), "--out", str(out), "--workers", "1"]
    proc = subprocess.Popen([*cmd, "--no-progress"], start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("*.json"))) < 1:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_first = {p.name for p in out.glob("*.json")}
    runs = expand_grid(config)
    assert 1 <= len(done_first) < 6, "the kill should land mid-sweep"
    assert len(pending_runs(runs, out)) == 6 - len(done_first)
    res = subprocess.run([*cmd, "--no-progress"], capture_output=True, text=True, check=True)
    assert "6/6 runs finished" in res.stdout
    # Nothing lost, and no temporary file left by the killed writers.
    assert _files(out) == sorted(
        [f"{run_key(r)}.json" for r in runs] + [f"weights/{training_key(r)}.npz" for r in runs]
    )
    assert len(load_results(runs, out)) == 6


SHIPPED_RUNS = {
    "delay_sweep": 55,
    "size_sweep": 110,
    "tbptt_sweep": 40,
    "seeds": 40,
    "rotation_init": 60,
    "lr_size": 288,
    "budget_sweep": 30,
    "curriculum": 10,
    "causal": 20,
    "causal_delays": 20,
}


@pytest.mark.parametrize("name, n_runs", SHIPPED_RUNS.items())
def test_every_shipped_sweep_loads_complete(name, n_runs):
    config, folder = shipped_config(name)
    assert config == validate_sweep_config(config) and folder.is_dir()
    results, n = load_sweep(name)
    # load_sweep keeps only results of the current schema whose weights files match their SHA-256.
    assert n == n_runs and [r.config for r in results] == expand_grid(config)
    assert all(sweep_module.trained_networks(r) for r in results)


def test_the_shipped_evidence_comes_from_one_machine():
    # The book compares runs of different sweeps as twins, which holds only on one machine.
    assert sorted(shipped_sweeps()) == sorted(SHIPPED_RUNS)
    machines = {r.provenance.machine for name in SHIPPED_RUNS for r in load_sweep(name)[0]}
    assert len(machines) == 1


def test_the_shipped_results_are_exactly_the_shipped_runs():
    folder = shipped_config("seeds")[1]
    names = sorted(p.stem for p in folder.parent.glob("*.json"))
    runs = [r for name in names for r in expand_grid(shipped_config(name)[0])]
    keys = {experiment_key(r) for r in runs}
    files = {p.stem for p in folder.glob("*.json")}
    # Every file is a result of a shipped sweep (of any kind), and every run of every shipped sweep has one
    # (the delay and seeds sweeps share ten runs).
    assert files == keys and len(files) == sum(SHIPPED_RUNS.values()) - 10
    assert all(shipped_config(name)[1] == folder for name in names)
    # Beside the results only their weights, each named by a current result.
    others = [p for p in folder.iterdir() if p.suffix != ".json"]
    assert others in ([], [folder / "weights"])
    named = {w.file for r in load_results(runs, folder) for w, _ in sweep_module.trained_networks(r)}
    assert {f"weights/{p.name}" for p in folder.glob("weights/*")} == named


def _kind_name(config) -> str:
    return next(name for name, kind in KINDS.items() if isinstance(config, kind.config))


@pytest.mark.parametrize(
    "name, kind, n_runs",
    [
        ("budget_sweep", "run", 30),
        ("curriculum", "curriculum", 10),
        ("causal", "causal", 20),
        ("causal_delays", "causal", 20),
    ],
)
def test_a_shipped_sweep_without_results_loads_as_none_of_n(name, kind, n_runs):
    config, _ = shipped_config(name)
    assert config["kind"] == kind and config["description"]
    runs = expand_grid(config)
    assert all(isinstance(r, KINDS[kind].config) for r in runs)
    results, n = load_sweep(name)
    # Results may be missing (none is computed yet); those present are valid, of the kind, in grid order.
    configs = [r.config for r in results]
    assert n == n_runs == len(runs) and len(configs) <= n
    assert configs == sorted(configs, key=runs.index)


def test_the_causal_sweeps_measure_the_networks_of_the_shipped_run_sweeps():
    seeds = {run_key(r) for r in expand_grid(shipped_config("seeds")[0])}
    delays = {run_key(r) for r in expand_grid(shipped_config("delay_sweep")[0])}
    assert {run_key(c.run) for c in expand_grid(shipped_config("causal")[0])} <= seeds
    assert {run_key(c.run) for c in expand_grid(shipped_config("causal_delays")[0])} <= delays
    ladder = expand_grid(shipped_config("curriculum")[0])
    assert {(c.start_delay, c.delay_step, c.max_steps) for c in ladder} == {(4, 2, 8000)}


def test_keys_of_kinds_follow_their_configs():
    a = expand_grid({"kind": "causal", "grid": {"seed": [0, 1]}, "fixed": {"mean_interval": 50, "n_time": 300}})
    b = expand_grid({"kind": "causal", "grid": {"seed": [0, 1], "mean_interval": [50.0]}, "fixed": {"n_time": 300}})
    assert a == b and [experiment_key(r) for r in a] == [causal_key(r) for r in b]
    c = expand_grid({"kind": "curriculum", "grid": {"seed": [0, 1]}, "fixed": {"max_delay": 12}})
    assert [(r.seed, r.start_delay, r.max_delay) for r in c] == [(0, 8, 12), (1, 8, 12)]
    assert [experiment_key(r) for r in c] == [curriculum_key(r) for r in c]
    # The default kind is "run", and naming it changes nothing.
    assert expand_grid({"kind": "run", **SMALL}) == expand_grid(SMALL)
    with pytest.raises(TypeError, match="^config must be an instance of one of"):
        experiment_key(dataclasses.asdict(RunConfig()))


TINY_KINDS = [
    (
        {"kind": "curriculum", "grid": {"seed": [0, 1]}, "fixed": {"n_hidden": 5, "max_steps": 2, "start_delay": 1}},
        CurriculumResult,
    ),
    (
        {
            "kind": "causal",
            "grid": {"seed": [0, 1]},
            "fixed": {"n_hidden": 6, "max_steps": 2, "n_time": 300, "n_null": 5},
        },
        CausalResult,
    ),
]


@pytest.mark.parametrize("config, cls", TINY_KINDS, ids=["curriculum", "causal"])
def test_a_kind_resumes_skipping_finished_runs_and_rerunning_corrupt_files(config, cls, tmp_path, capsys, monkeypatch):
    runs = expand_grid(config)
    computed = [execute_run(r) for r in runs]
    keys = [key for key, _, _ in computed]
    assert keys == [experiment_key(r) for r in runs]
    for run, (_, obj, files) in zip(runs, computed, strict=True):
        assert store_result(tmp_path, run, obj, files) == tmp_path / f"{experiment_key(run)}.json"
    assert pending_runs(runs, tmp_path) == []
    monkeypatch.setattr("rnnmem_helpers.experiments.sweep._compute", _no_work)
    results = run_sweep(config, tmp_path, progress=False)
    assert [type(r) for r in results] == [cls, cls] and [r.config for r in results] == runs
    bad = tmp_path / f"{keys[1]}.json"
    bad.write_text(bad.read_text()[:-20])
    assert pending_runs(runs, tmp_path) == [runs[1]]
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and lines[0].startswith("warning: ")
    # A run result under this key is another kind's file: refused, rerun.
    save_result(bad, run_experiment(RunConfig(n_hidden=5, max_steps=2, analyse=False)))
    assert pending_runs(runs, tmp_path) == [runs[1]]
    assert [r.config for r in load_results(runs, tmp_path)] == [runs[0]]


def test_cli_runs_a_tiny_curriculum_and_refuses_a_bad_kind(tmp_path):
    config = {"kind": "curriculum", "grid": {"seed": [0]}, "fixed": {"n_hidden": 5, "max_steps": 2, "start_delay": 1}}
    path = tmp_path / "ladder.json"
    path.write_text(json.dumps(config))
    cmd = [sys.executable, "-m", "rnnmem_helpers", "sweep", str(path), "--workers", "1", "--no-progress"]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert "1/1 runs finished" in res.stdout and "0 learned every delay up to max_delay" in res.stdout
    (run,) = expand_grid(config)
    assert _files(tmp_path / "ladder") == [
        f"{curriculum_key(run)}.json",
        f"weights/{training_key(run.run_config(1))}.npz",
    ]
    path.write_text(json.dumps({**config, "kind": "ladder"}))
    res = subprocess.run(cmd, capture_output=True, text=True)
    lines = res.stderr.splitlines()
    assert res.returncode == 2 and len(lines) == 1 and str(path) in lines[0]
    # The kinds in the order they registered, which follows the order their modules were imported.
    assert "kind must be one of [" in lines[0] and "'ladder'" in lines[0]
    assert set(KINDS) == {"run", "curriculum", "causal"} and all(f"'{k}'" in lines[0] for k in KINDS)



def test_each_kinds_settings_and_configs_come_from_its_config_class():
    for kind in KINDS.values():
        assert dict(kind.settings) == dict(kind.config.setting_constraints())
        made = kind.make(seed=3)
        assert isinstance(made, kind.config) and made == kind.config.from_settings(seed=3)
    with pytest.raises(ValueError, match="kind 'run' .* is already registered"):
        register_kind(KINDS["run"])

def _imports(path: Path, modules: set[str]) -> set[str]:
    """The modules of ``modules`` that ``path``, a module of a subpackage, imports anywhere (also inside functions)."""
    here = ["rnnmem_helpers", path.parent.name]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            named = [p for p in (node.module or "").split(".") if p]
            base = [*here[: len(here) + 1 - node.level], *named] if node.level else named
            if base[:1] == ["rnnmem_helpers"]:
                # from ..core.model import x names a module; from .. import sweep, from . import claims name them.
                in_base = [p for p in base if p in modules]
                found.update(in_base[-1:] or [alias.name for alias in node.names if alias.name in modules])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "rnnmem_helpers":
                    found.update(p for p in alias.name.split(".") if p in modules)
    return found


def test_no_import_cycle_in_the_package():
    paths = {p.stem: p for p in Path(rnnmem_helpers.__file__).parent.glob("*/*.py") if p.stem != "__init__"}
    modules = set(paths)
    graph = {m: _imports(paths[m], modules) for m in modules}
    state, cycle = {}, []

    def visit(m, stack):
        state[m] = "open"
        for dep in sorted(graph[m]):
            if state.get(dep) == "open":
                cycle.append([*stack[stack.index(dep) :], dep] if dep in stack else [m, dep])
            elif dep not in state:
                visit(dep, [*stack, dep])
        state[m] = "done"

    for m in sorted(modules):
        if m not in state:
            visit(m, [m])
    assert not cycle, f"import cycles: {cycle}"
    assert "sweep" not in graph["experiment"] and "experiment" in graph["sweep"]


# ----------------------------------------------------------------------------- the settings of issue 18 in a sweep


def test_a_sweep_over_the_learning_rate_gives_one_result_per_rate(tmp_path):
    config = {"grid": {"lr": [0.0005, 0.001]}, "fixed": {"n_hidden": 5, "max_steps": 3, "analyse": False, **QUICK}}
    results = run_sweep(config, tmp_path, n_workers=1, progress=False)
    assert [r.config.lr for r in results] == [0.0005, 0.001]
    keys = {run_key(r.config) for r in results}
    networks = {r.weights.file for r in results}
    assert len(keys) == 2 and len(networks) == 2
    assert _files(tmp_path) == sorted([f"{k}.json" for k in keys] + list(networks))
    for r in results:
        meta = load_checkpoint(tmp_path / r.weights.file).metadata
        assert meta["train"]["lr"] == r.config.lr and meta["training_key"] == training_key(r.config)


def test_runs_sharing_a_network_all_come_home_on_the_first_pass(tmp_path):
    quick = {k: v for k, v in QUICK.items() if k != "test_steps"}
    config = {"grid": {"test_steps": [1000, 2000]}, "fixed": {"n_hidden": 5, "max_steps": 3, "analyse": False, **quick}}
    results = run_sweep(config, tmp_path, n_workers=1, progress=False)
    assert len(results) == 2 and pending_runs(expand_grid(config), tmp_path) == []


# ----------------------------------------------------------------------------- stored weights


def _numpy_only_outputs(path, inputs):
    """An independent scorer: the stored network run with numpy alone, and the file's metadata."""
    with np.load(path, allow_pickle=False) as members:
        W, W_in, W_out = (members[k].astype(np.float64) for k in ("W", "W_in", "W_out"))
        metadata = json.loads(str(members["metadata"][()]))
    s = np.zeros(W.shape[0])
    outputs = []
    for x in inputs:
        s = np.tanh(W @ s + W_in @ x)
        outputs.append(np.tanh(W_out @ s))
    return np.array(outputs), metadata, RNNWeights(W=W, W_in=W_in, W_out=W_out)


def test_a_stored_network_is_scored_by_numpy_alone_and_gives_the_recorded_outcome(tmp_path):
    run = RunConfig(n_hidden=6, max_steps=3, analyse=True, **QUICK)
    path = store_result(tmp_path, run, *execute_run(run)[1:])
    result = experiment_module.load_result(path)
    weights = tmp_path / result.weights.file
    data = weights.read_bytes()
    assert hashlib.sha256(data).hexdigest() == result.weights.sha256 and len(data) == result.weights.n_bytes
    inputs = np.random.default_rng(0).choice([-1.0, 0.0, 1.0], p=[0.05, 0.9, 0.05], size=(500, 3))
    outputs, meta, numpy_weights = _numpy_only_outputs(weights, inputs)
    np.testing.assert_allclose(outputs, simulate(load_checkpoint(weights).weights, inputs)[1], rtol=0, atol=1e-5)
    assert meta["training_key"] == training_key(run) and meta["seed"] == run.seed
    assert (meta["steps"], meta["converged"]) == (result.steps, result.converged)
    assert meta["train"] == dataclasses.asdict(run.train_config)
    # The network as numpy read it scores the recorded accuracy on the run's test stream.
    test = score_run(run, numpy_weights)
    assert (test.accuracy, test.wrong_flips) == (result.accuracy, result.wrong_flips)


def test_a_result_whose_weights_are_missing_or_altered_is_pending(tmp_path, capsys):
    runs = expand_grid(SMALL)
    _finished(tmp_path, runs)
    assert pending_runs(runs, tmp_path) == []
    first = experiment_module.load_result(tmp_path / f"{run_key(runs[0])}.json")
    weights = tmp_path / first.weights.file
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    assert pending_runs(runs, tmp_path) == [runs[0]]
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and str(weights) in lines[0] and "SHA-256" in lines[0]
    assert [r.config for r in load_results(runs, tmp_path)] == [runs[1]]
    weights.unlink()
    assert pending_runs(runs, tmp_path) == [runs[0]]
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and str(weights) in lines[0]
    # The rerun stores the network again and the result is whole.
    _finished(tmp_path, runs[:1])
    assert pending_runs(runs, tmp_path) == []


@pytest.mark.parametrize("target", ["weights", "result"])
def test_a_store_killed_mid_write_leaves_no_temporary_file_and_the_run_pending(target, tmp_path, monkeypatch):
    run = expand_grid(SMALL)[0]
    key, obj, files = execute_run(run)
    real = experiment_module.atomic_write

    @contextlib.contextmanager
    def dying(path, mode="wb", encoding=None):
        with real(path, mode, encoding) as fh:
            if (Path(path).suffix == ".json") == (target == "result"):
                fh.write(b"partial" if "b" in mode else "partial")
                raise KeyboardInterrupt("killed")
            yield fh

    # The client writes weights with sweep's atomic_write and the result with experiment's.
    monkeypatch.setattr(sweep_module, "atomic_write", dying)
    monkeypatch.setattr(experiment_module, "atomic_write", dying)
    with pytest.raises(KeyboardInterrupt):
        store_result(tmp_path, run, obj, files)
    monkeypatch.undo()
    left = _files(tmp_path)
    assert not [name for name in left if name.endswith(".tmp")], left
    # Weights first: a killed result write leaves whole weights and no result; a killed weights write, nothing.
    assert left == (list(files) if target == "result" else [])
    assert pending_runs([run], tmp_path) == [run]
    store_result(tmp_path, run, obj, files)
    assert pending_runs([run], tmp_path) == [] and _files(tmp_path) == sorted([f"{key}.json", *files])


def test_store_result_checks_the_result_and_its_weights_before_writing_the_result(tmp_path):
    run = expand_grid(SMALL)[0]
    key, obj, files = execute_run(run)
    with pytest.raises(ResultError, match="^accuracy"):
        store_result(tmp_path, run, {**obj, "accuracy": 2.0}, files)
    assert _files(tmp_path) == []
    (name,) = files
    with pytest.raises(ResultError, match="do not load back"):
        store_result(tmp_path, run, obj, {name: b"not a checkpoint"})
    assert f"{key}.json" not in _files(tmp_path)
    # Whole checkpoint bytes that are not the ones the result names.
    other = execute_run(dataclasses.replace(run, seed=5))[2]
    with pytest.raises(ResultError, match="SHA-256"):
        store_result(tmp_path, run, obj, {name: next(iter(other.values()))})
    assert f"{key}.json" not in _files(tmp_path)


def test_a_stored_network_is_reused_when_only_the_test_or_analysis_changes(tmp_path, monkeypatch):
    first = expand_grid(SMALL)[0]
    assert stored_network(first, tmp_path) is None
    (path,) = _finished(tmp_path, [first])
    stored = (tmp_path / experiment_module.load_result(path).weights.file).read_bytes()
    second = dataclasses.replace(first, test_steps=2000, analyse=True)
    assert stored_network(second, tmp_path) == stored == stored_network(first, tmp_path)
    assert stored_network(dataclasses.replace(first, lr=0.002), tmp_path) is None
    # Measured from the stored network without training, and the shared file stays as it was.
    monkeypatch.setattr(experiment_module, "train", _no_work)
    key, obj, files = execute_run(second, stored)
    assert files == {obj["weights"]["file"]: stored}
    store_result(tmp_path, second, obj, files)
    assert pending_runs([first, second], tmp_path) == []
    causal = CausalConfig.from_settings(seed=first.seed, n_hidden=5, max_steps=3, n_time=300, n_null=5)
    # A causal experiment's network is an analysed run with the default streams: another training key here.
    assert stored_network(causal, tmp_path) is None
    # A corrupt stored file is not offered.
    (tmp_path / obj["weights"]["file"]).write_bytes(b"garbage")
    assert stored_network(second, tmp_path) is None


def test_a_curriculum_that_reuses_a_run_s_network_leaves_the_run_whole(tmp_path):
    ladder = CurriculumConfig.from_settings(start_delay=1, max_delay=1, n_hidden=5, max_steps=2)
    run = ladder.run_config(1)
    _finished(tmp_path, [run])
    stored = stored_network(ladder, tmp_path)
    assert stored is not None
    store_result(tmp_path, ladder, *execute_run(ladder, stored)[1:])
    assert pending_runs([run, ladder], tmp_path) == []


# ----------------------------------------------------------------------------- the results folder


def test_an_out_folder_that_is_a_file_or_refuses_files_is_refused_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setattr("rnnmem_helpers.experiments.sweep._compute", _no_work)
    afile = tmp_path / "afile"
    afile.write_text("x")
    for out in (afile, afile / "below"):
        with pytest.raises(ValueError, match=f"^out {re.escape(repr(str(out)))}") as info:
            run_sweep(SMALL, out, progress=False)
        assert "\n" not in str(info.value) and str(afile) in str(info.value)
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    real_access = os.access
    # Root writes anywhere, whatever the mode bits say: the refusal is simulated.
    monkeypatch.setattr(
        sweep_module.os, "access", lambda path, mode: Path(path) != readonly and real_access(path, mode)
    )
    for out in (readonly, readonly / "new" / "deeper"):
        with pytest.raises(ValueError, match="cannot be written") as info:
            run_sweep(SMALL, out, progress=False)
        assert str(readonly) in str(info.value) and "\n" not in str(info.value)
    monkeypatch.undo()
    # A folder that can take the files is checked without creating anything.
    check_out_dir(readonly / "new")
    assert list(readonly.iterdir()) == [] and afile.read_text() == "x"


# ----------------------------------------------------------------------------- shipped results


def _shipped_files():
    folder = shipped_config("seeds")[1]
    return sorted(folder.glob("*.json"))


def test_every_shipped_result_loads_and_round_trips():
    kinds = set()
    for path in _shipped_files():
        obj = json.loads(path.read_text(encoding="utf-8"))
        kind = KINDS[obj.get("kind", "run")]
        result = kind.from_dict(obj)
        assert kind.to_dict(result) == obj, path.name
        assert path.stem == kind.key(result.config)
        kinds.add(kind.name)
    assert kinds == set(KINDS)


def _tiny_sweep(tmp_path, monkeypatch, n_runs=2):
    """A shipped sweep of ``n_runs`` tiny runs with default streams, its results in ``tmp_path``."""
    config = validate_sweep_config(
        {"grid": {"seed": list(range(n_runs))}, "fixed": {"n_hidden": 5, "max_steps": 3, "analyse": False}}
    )
    monkeypatch.setattr(sweep_module, "shipped_config", lambda name: (config, tmp_path))
    return expand_grid(config)


def test_load_sweep_reads_the_results_with_their_weights_and_nothing_else(tmp_path, monkeypatch):
    runs = _tiny_sweep(tmp_path, monkeypatch)
    assert load_sweep("tiny") == ([], 2)
    paths = _finished(tmp_path, runs)
    current = [experiment_module.load_result(p) for p in paths]
    assert load_sweep("tiny") == (current, 2)
    # A result that loses its weights is no longer a result: the sweep is incomplete again.
    (tmp_path / current[0].weights.file).unlink()
    assert load_sweep("tiny") == (current[1:], 2)
    # Nor is one in the format before weights and provenance were kept, under its run's key.
    obj = json.loads(paths[1].read_text())
    del obj["weights"], obj["provenance"]
    write_json(paths[1], {**obj, "schema_version": 2})
    assert load_sweep("tiny") == ([], 2)
    # There is one generation of results, so nothing to choose between.
    with pytest.raises(TypeError, match="generation"):
        load_sweep("tiny", generation="current")


def test_a_failing_run_is_reported_and_the_others_come_home(tmp_path, capsys):
    # With 100-step held-out streams, seed 5's holds no defined target: that run fails before training.
    fixed = {"n_hidden": 5, "max_steps": 3, "analyse": False, "eval_every": 1, "eval_steps": 100}
    config = {"grid": {"seed": [0, 5]}, "fixed": {**fixed, "confirm_steps": 100, "test_steps": 1000}}
    results = run_sweep(config, tmp_path, n_workers=1, progress=False)
    assert [r.config.seed for r in results] == [0]
    err = capsys.readouterr().err
    assert "1 of 2 runs failed" in err and "no defined target" in err
    assert [r.seed for r in pending_runs(expand_grid(config), tmp_path)] == [5]


def test_a_sweep_on_an_external_cluster_brings_every_file_home(tmp_path, monkeypatch):
    # A scheduler and a worker started in another folder, as on a cluster with no shared filesystem: the
    # results and weights must land in the client's relative --out, and nothing in the worker's folder.
    remote, home = tmp_path / "remote", tmp_path / "home"
    remote.mkdir(), home.mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dask = str(Path(sys.executable).parent / "dask")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": remote, "env": env}
    address = f"tcp://127.0.0.1:{port}"
    scheduler = [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]
    procs = [subprocess.Popen(scheduler, **quiet)]
    try:
        procs.append(subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard"], **quiet))
        monkeypatch.chdir(home)
        for _ in range(30):  # the scheduler takes a few seconds to listen
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(1)
        results = run_sweep(SMALL, "out", scheduler=address, progress=False)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    assert len(results) == 2
    runs = expand_grid(SMALL)
    assert sorted(p.name for p in (home / "out").glob("*.json")) == sorted(f"{run_key(r)}.json" for r in runs)
    assert len(list((home / "out" / "weights").glob("*.npz"))) == 2 and pending_runs(runs, home / "out") == []
    assert list(remote.rglob("*.json")) == [] and list(remote.rglob("*.npz")) == []
