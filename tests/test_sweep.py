"""The sweep runner: config checks before any work, resume, temporary files, Dask, the shipped sweeps."""

import ast
import contextlib
import dataclasses
import json
import os
import pkgutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest

import rnnmem_helpers
from rnnmem_helpers import TrainConfig
from rnnmem_helpers.causal import CausalResult, causal_key
from rnnmem_helpers.cli import main
from rnnmem_helpers.curriculum import CurriculumResult, curriculum_key
from rnnmem_helpers.experiment import (
    RunConfig,
    missing_fields,
    result_to_dict,
    run_experiment,
    run_key,
    save_result,
)
from rnnmem_helpers.sweep import (
    KINDS,
    RUN_DEFAULTS,
    SchedulerError,
    execute_run,
    expand_grid,
    experiment_key,
    load_results,
    load_sweep,
    pending_runs,
    run_sweep,
    shipped_config,
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
]


def test_expand_grid_and_keys():
    runs = expand_grid(TINY)
    assert len(runs) == 6 and all(isinstance(r, RunConfig) for r in runs)
    # Grid keys sorted, the last varying fastest.
    assert [(r.delay, r.seed) for r in runs] == [(d, s) for d in (0, 1) for s in (0, 1, 2)]
    assert all(r.n_hidden == 10 and r.mode == "bptt" and r.max_steps == 200 for r in runs)
    keys = [run_key(r) for r in runs]
    assert len(set(keys)) == 6 and all(len(k) == 16 for k in keys)


def test_defaults_are_the_dataclasses():
    assert RUN_DEFAULTS == dataclasses.asdict(RunConfig())
    assert RUN_DEFAULTS["max_steps"] == TrainConfig().max_steps
    with pytest.raises(TypeError):
        RUN_DEFAULTS["max_steps"] = 1


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
        from rnnmem_helpers.cli import main
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
    monkeypatch.setattr("rnnmem_helpers.sweep._compute", _no_work)
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
    """Write a real result for each config (tiny, unanalysed runs) and return their paths."""
    paths = []
    for config in configs:
        path = tmp_path / f"{run_key(config)}.json"
        save_result(path, run_experiment(config))
        paths.append(path)
    return paths


SMALL = {"grid": {"seed": [0, 1]}, "fixed": {"n_hidden": 5, "max_steps": 3, "analyse": False}}


@pytest.mark.parametrize(
    "content",
    [
        "{}",
        "[]",
        "garbage",
        "",
        '{"key": "0000000000000000", "config": {}, "result": {}}',
        "schema-1",
        "other-run",
    ],
)
def test_an_invalid_result_file_is_reported_and_rerun(content, tmp_path, capsys):
    runs = expand_grid(SMALL)
    done, bad = _finished(tmp_path, runs)
    if content == "schema-1":
        old = {"key": "x", "config": dict(RUN_DEFAULTS), "result": {}}
        content = json.dumps(old)
    elif content == "other-run":
        content = done.read_text()
    bad.write_text(content)
    assert pending_runs(runs, tmp_path) == [runs[1]]
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and lines[0].startswith("warning: ")
    assert [r.config for r in load_results(runs, tmp_path)] == [runs[0]]


def test_a_migrated_result_without_moduli_is_kept_readable_but_rerun(tmp_path, capsys):
    run = RunConfig(n_hidden=5, max_steps=3, analyse=True)
    path = tmp_path / f"{run_key(run)}.json"
    result = run_experiment(run)
    fps = dataclasses.replace(result.analysis.fixed_points, attractor_moduli=None)
    save_result(path, dataclasses.replace(result, analysis=dataclasses.replace(result.analysis, fixed_points=fps)))
    assert pending_runs([run], tmp_path) == [run]
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and "attractor_moduli" in lines[0]
    assert [r.config for r in load_results([run], tmp_path)] == [run]
    save_result(path, result)
    assert pending_runs([run], tmp_path) == []


def test_a_schema_1_file_says_to_migrate(tmp_path, capsys):
    run = expand_grid(SMALL)[0]
    old = dict(result_to_dict(run_experiment(run)))
    (tmp_path / f"{run_key(run)}.json").write_text(
        json.dumps({"key": old["key"], "config": old["config"], "result": {}})
    )
    assert pending_runs([run], tmp_path) == [run]
    assert "migrate" in capsys.readouterr().err


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
    monkeypatch.setattr("rnnmem_helpers.sweep._compute", _no_work)
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
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{run_key(r)}.json" for r in runs)
    for r in results:
        assert 0.0 <= r.accuracy <= 1.0 and r.steps <= 200
        assert sum(r.analysis.fixed_points.summary.values()) == r.analysis.fixed_points.n
    # A rerun finds nothing to do and returns the same results.
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    again = run_sweep(TINY, tmp_path, n_workers=1, progress=False)
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before
    assert again == results


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
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(f"{run_key(r)}.json" for r in runs)
    assert len(load_results(runs, out)) == 6


@pytest.mark.parametrize(
    "name, n_runs",
    [("delay_sweep", 55), ("size_sweep", 110), ("tbptt_sweep", 40), ("seeds", 40), ("rotation_init", 60)],
)
def test_every_shipped_sweep_loads_complete(name, n_runs):
    config, folder = shipped_config(name)
    assert config == validate_sweep_config(config) and folder.is_dir()
    results, n = load_sweep(name)
    assert n == n_runs and [r.config for r in results] == expand_grid(config)
    # Nothing left for a rerun to fill in: every analysed run has its attractor moduli.
    assert [r.config for r in results if missing_fields(r)] == []


def test_the_shipped_results_are_exactly_the_shipped_runs():
    folder = shipped_config("seeds")[1]
    names = sorted(p.stem for p in folder.parent.glob("*.json"))
    keys = [experiment_key(r) for name in names for r in expand_grid(shipped_config(name)[0])]
    run_keys = {
        run_key(r)
        for name in ("delay_sweep", "size_sweep", "tbptt_sweep", "seeds", "rotation_init")
        for r in expand_grid(shipped_config(name)[0])
    }
    files = {p.stem for p in folder.glob("*.json")}
    # Every file is a run of a shipped sweep (of any kind), and every run of the five computed sweeps is there;
    # the sweeps shipped without results (budget, curriculum, causal) add keys but no files yet.
    assert files <= set(keys) and run_keys <= files and len(run_keys) == 295
    assert all(shipped_config(name)[1] == folder for name in names)
    assert not [p for p in folder.iterdir() if p.suffix != ".json"]


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
    assert {run_key(c.run_config) for c in expand_grid(shipped_config("causal")[0])} <= seeds
    assert {run_key(c.run_config) for c in expand_grid(shipped_config("causal_delays")[0])} <= delays
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
    keys = [execute_run(r, str(tmp_path)) for r in runs]
    assert keys == [experiment_key(r) for r in runs]
    assert pending_runs(runs, tmp_path) == []
    monkeypatch.setattr("rnnmem_helpers.sweep._compute", _no_work)
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
    assert [p.name for p in (tmp_path / "ladder").iterdir()] == [f"{curriculum_key(run)}.json"]
    path.write_text(json.dumps({**config, "kind": "ladder"}))
    res = subprocess.run(cmd, capture_output=True, text=True)
    lines = res.stderr.splitlines()
    assert res.returncode == 2 and len(lines) == 1 and str(path) in lines[0]
    assert "kind must be one of ['run', 'curriculum', 'causal']" in lines[0] and "'ladder'" in lines[0]


def _imports(path: Path, package: str) -> set[str]:
    """The rnnmem_helpers modules that ``path`` imports, anywhere in the file (also inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith(package + "."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith(package + "."))
    return found


def test_no_import_cycle_in_the_package():
    folder = Path(rnnmem_helpers.__file__).parent
    modules = {m.name for m in pkgutil.iter_modules([str(folder)])}
    graph = {m: _imports(folder / f"{m}.py", "rnnmem_helpers") & modules for m in modules}
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
