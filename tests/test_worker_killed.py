"""A Dask worker killed mid-run loses only its own run, and a resume finishes it without duplicating anything."""

import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from rnnmem_helpers.experiments.experiment import run_key, weights_file_name
from rnnmem_helpers.experiments.sweep import expand_grid, pending_runs

QUICK = {"eval_every": 1, "eval_steps": 1000, "confirm_steps": 1000, "test_steps": 1000}
CONFIG = {"grid": {"seed": [0, 1, 2]}, "fixed": {"n_hidden": 5, "max_steps": 3, "analyse": False, **QUICK}}
VICTIM_SEED = 1
# Deadlines only: each is far beyond what its step takes, and no assertion depends on how long anything took.
DEADLINE = int(os.environ.get("KILL_TEST_DEADLINE", 300))

# Loaded by each worker before it takes tasks. The client sends execute_run by reference, so the worker runs this
# wrapper: the first attempt at the victim's run claims the marker (recording the worker's PID) and hangs there until
# the test kills the worker; every other run, and the victim's run once the marker exists, is computed as usual.
PRELOAD = """
import os
import time

from rnnmem_helpers.experiments import sweep

MARKER = {marker!r}
# A worker may execute its preload twice in one namespace; wrapping the wrapper would recurse for ever.
_execute_run = getattr(sweep.execute_run, "__wrapped__", sweep.execute_run)


def execute_run(config, trained=None):
    if config.seed == {seed}:
        claim = f"{{MARKER}}.{{os.getpid()}}"
        with open(claim, "w") as fh:
            fh.write(str(os.getpid()))
        try:
            os.link(claim, MARKER)
        except FileExistsError:
            pass
        else:
            while True:
                time.sleep(1)
    return _execute_run(config, trained)


execute_run.__wrapped__ = _execute_run
sweep.execute_run = execute_run
"""


def _snapshot(folder: Path) -> dict:
    """Every file under ``folder``: its SHA-256, inode and modification time (a rewrite changes the last two)."""
    return {
        str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def _sweep(config: Path, address: str, cwd: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "rnnmem_helpers", "sweep", str(config), "--out", "out"]
    return subprocess.Popen(
        [*command, "--scheduler", address, "--no-progress"],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_worker_killed_mid_run_loses_only_its_run_and_a_resume_finishes_it(tmp_path):
    remote, home = tmp_path / "remote", tmp_path / "home"
    remote.mkdir(), home.mkdir()
    marker = tmp_path / "victim-claimed"
    preload = tmp_path / "hang_victim.py"
    preload.write_text(PRELOAD.format(marker=str(marker), seed=VICTIM_SEED))
    config = home / "sweep.json"
    config.write_text(json.dumps(CONFIG))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).parent / "dask")
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        # A task whose worker dies is not retried (the default retries it elsewhere), so the kill loses the run.
        "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0",
        # One task at a time per one-thread worker: nothing else queues behind the hanging run on its worker.
        "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
    }
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": remote, "env": env}
    scheduler = [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]
    worker = [dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--preload", str(preload)]
    procs = [subprocess.Popen(scheduler, **quiet)]
    try:
        # Without a nanny each worker is its own process: the PID the victim's run records is one of these.
        workers = [subprocess.Popen(worker, **quiet) for _ in range(2)]
        procs += workers
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(1)

        first = _sweep(config, address, home)
        while not marker.exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert marker.exists(), "the victim's run never started"
        victim_pid = int(marker.read_text())
        assert victim_pid in {w.pid for w in workers}
        os.kill(victim_pid, signal.SIGKILL)
        out, err = first.communicate(timeout=DEADLINE)

        runs = expand_grid(CONFIG)
        victim = next(r for r in runs if r.seed == VICTIM_SEED)
        assert first.returncode == 1, err
        failures = [line for line in err.splitlines() if line.startswith("error: run ")]
        assert len(failures) == 1 and failures[0].startswith(f"error: run {run_key(victim)} failed"), err
        assert "error: 1 of 3 runs failed" in err and out.startswith("2/3 runs finished")
        # The other runs' results and weights are home and intact; only the killed run is pending.
        assert pending_runs(runs, home / "out") == [victim]
        before = _snapshot(home / "out")

        resume = _sweep(config, address, home)
        out, err = resume.communicate(timeout=DEADLINE)
        assert resume.returncode == 0, err
        assert out.startswith("3/3 runs finished") and pending_runs(runs, home / "out") == []
    finally:
        # Workers first: one whose scheduler is gone waits for it before it exits.
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    after = _snapshot(home / "out")
    # The resume wrote the killed run's result and weights and touched nothing else: no file rewritten,
    # none twice, no temporary left; and nothing landed on the workers' side.
    assert {name: after[name] for name in before} == before
    assert sorted(set(after) - set(before)) == sorted([f"{run_key(victim)}.json", weights_file_name(victim)])
    assert sorted(p.name for p in (home / "out").glob("*.json")) == sorted(f"{run_key(r)}.json" for r in runs)
    assert len(list((home / "out" / "weights").iterdir())) == len(runs)
    assert list(remote.rglob("*.json")) == [] and list(remote.rglob("*.npz")) == []
