import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

from rnnmem_helpers import ModelConfig, TaskConfig, TrainConfig, init_weights, train
from rnnmem_helpers.experiments import rotation_init, start_weights
from rnnmem_helpers.sweep import expand_grid, load_results, pending_runs, run_key, run_sweep
from rnnmem_helpers.train import initial_weights

TINY = {
    "grid": {"delay": [0, 1], "seed": [0, 1, 2]},
    "fixed": {"n_hidden": 10, "max_steps": 200, "analyse": True},
}


def test_expand_grid_and_keys():
    runs = expand_grid(TINY)
    assert len(runs) == 6
    assert {(r["delay"], r["seed"]) for r in runs} == {(d, s) for d in (0, 1) for s in (0, 1, 2)}
    assert all(r["n_hidden"] == 10 and r["mode"] == "bptt" for r in runs)
    keys = [run_key(r) for r in runs]
    assert len(set(keys)) == 6 and all(len(k) == 16 for k in keys)
    # Key order in the dict does not matter; any value change does.
    assert run_key(dict(reversed(list(runs[0].items())))) == keys[0]
    assert run_key({**runs[0], "max_steps": 201}) != keys[0]


@pytest.mark.parametrize(
    "config, word",
    [
        ({"grid": {"delay": [-1]}}, "delay"),
        ({"grid": {"delay": []}}, "grid.delay"),
        ({"grid": {"colour": [1]}}, "unknown"),
        ({"fixed": {"mode": "rtrl"}}, "mode"),
        ({"fixed": {"init": "zeros"}}, "init"),
        ({"fixed": {"init": "rotation"}}, "init"),
    ],
)
def test_bad_sweep_config(config, word):
    with pytest.raises(ValueError, match=word):
        expand_grid(config)


def test_rotation_init_is_transverse():
    model = ModelConfig(n_hidden=60)
    base = init_weights(model, np.random.default_rng(3))
    w = rotation_init(base, 4, n_planes=4, radius=0.9)
    added = w.W - base.W
    np.testing.assert_array_equal(w.W_in, base.W_in)
    np.testing.assert_array_equal(w.W_out, base.W_out)
    # The added rotations live in a subspace orthogonal to inputs and readout.
    assert np.abs(added @ w.W_in).max() < 1e-10
    assert np.abs(w.W_out @ added).max() < 1e-10
    ev = np.linalg.eigvals(added)
    big = ev[np.abs(ev) > 1e-8]
    np.testing.assert_allclose(np.abs(big), 0.9, atol=1e-10)
    angles = np.sort(np.abs(np.angle(big)))[::2]
    np.testing.assert_allclose(angles, np.pi * np.arange(1, 5) / 5, atol=1e-10)
    with pytest.raises(ValueError, match="n_planes"):
        rotation_init(init_weights(ModelConfig(n_hidden=10), 0), 0, n_planes=4)
    with pytest.raises(TypeError, match="base"):
        rotation_init(model, 0)


def test_transverse_arm_shares_the_paper_arms_start():
    model = ModelConfig()
    paper = initial_weights(model, 5)
    # train() must start the paper arm from exactly this draw.
    config = TrainConfig(max_steps=1, eval_every=1, eval_steps=200, confirm_steps=200)
    a = train(TaskConfig(), model, config, seed=5, progress=False)
    b = train(TaskConfig(), model, config, seed=5, init=paper, progress=False)
    np.testing.assert_array_equal(a.weights.W, b.weights.W)
    assert start_weights("paper", model, 5) is None
    rot = start_weights("transverse", model, 5)
    np.testing.assert_array_equal(rot.W_in, paper.W_in)
    assert np.linalg.matrix_rank(rot.W - paper.W, tol=1e-9) == 16
    with pytest.raises(ValueError, match="init"):
        start_weights("rotation", model, 5)


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
    assert len(results) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{run_key(r)}.json" for r in expand_grid(TINY))
    for r in results:
        assert r["key"] == run_key(r["config"])
        assert 0.0 <= r["result"]["accuracy"] <= 1.0
        assert r["result"]["steps"] <= 200
        assert sum(r["result"]["fixed_points"]["summary"].values()) == r["result"]["fixed_points"]["n"]
    # A rerun finds nothing to do and returns the same results.
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    again = run_sweep(TINY, tmp_path, n_workers=1, progress=False)
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before
    assert sorted(r["key"] for r in again) == sorted(r["key"] for r in results)


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
    assert len(load_results(out)) == 6


def test_dominant_mode_of_an_attractor():
    from rnnmem_helpers.experiments import _dominant_mode

    # The real eigenvalue 0.9 is larger but has no rotation; 0.5 ± 0.5i beats 0.6i.
    ev = np.array([0.9, 0.5 + 0.5j, 0.5 - 0.5j, 0.6j, -0.6j])
    mode = _dominant_mode(ev)
    assert np.isclose(abs(mode), np.sqrt(0.5)) and np.isclose(abs(np.angle(mode)), np.pi / 4)
    assert _dominant_mode(np.array([0.9, -0.3, 0.1])) is None
