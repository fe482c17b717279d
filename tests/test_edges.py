"""Issue 22's edge cases: each refusal is one line naming what is wrong, before any work."""

import errno
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import types
from http.server import HTTPServer, SimpleHTTPRequestHandler
from pathlib import Path

import numpy as np
import pytest

from rnnmem_helpers import load_pretrained
from rnnmem_helpers.chapters.explorer_data import export_network
from rnnmem_helpers.core import metrics as metrics_module
from rnnmem_helpers.core._io import (
    _temporary_prefix,
    atomic_write,
    check_path_length,
    name_max,
    read_json_file,
    remove_stale_temporaries,
)
from rnnmem_helpers.core.checkpoints import (
    Checkpoint,
    CheckpointError,
    available_pretrained,
    expected_checkpoint_bytes,
    load_checkpoint,
    save_checkpoint,
)
from rnnmem_helpers.core.metrics import evaluate
from rnnmem_helpers.experiments import cli
from rnnmem_helpers.experiments.cli import main
from rnnmem_helpers.experiments.sweep import (
    MAX_RUNS,
    SchedulerError,
    check_scheduler_address,
    run_sweep,
    validate_sweep_config,
)

SMALL = {"grid": {"seed": [0]}, "fixed": {"n_hidden": 5, "max_steps": 2, "analyse": False}}


def _cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "rnnmem_helpers", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


@pytest.mark.parametrize("address", ["tls://127.0.0.1:1", "wss://127.0.0.1:1"])
def test_schedulers_that_need_certificates_are_refused_before_any_connection(address):
    with pytest.raises(SchedulerError, match="tcp or ws"):
        check_scheduler_address(address)


def test_a_listener_that_is_not_dask_is_one_line_within_the_deadline(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = tmp_path / "s.json"
        config.write_text(json.dumps(SMALL))
        out = _cli(
            "sweep",
            str(config),
            "--out",
            str(tmp_path / "o"),
            "--scheduler",
            f"tcp://127.0.0.1:{server.server_port}",
            "--no-progress",
        )
    finally:
        server.shutdown()
    assert out.returncode == 2 and "--scheduler" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_deep_json_repeated_keys_and_fifos_are_refused_in_one_line(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    with pytest.raises(ValueError, match="nested too deeply"):
        read_json_file(deep)
    twice = tmp_path / "twice.json"
    twice.write_text('{"grid": {"seed": [0]}, "grid": {"seed": [1]}}')
    with pytest.raises(ValueError, match="repeats the key 'grid'"):
        read_json_file(twice)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo.json"
        os.mkfifo(fifo)
        with pytest.raises(ValueError, match="not a regular file"):
            read_json_file(fifo)  # would block for ever if it were opened


@pytest.mark.parametrize(
    "config, message",
    [
        ({**SMALL, "results": "../../elsewhere"}, "inside the config's own folder"),
        ({**SMALL, "results": "/tmp/elsewhere"}, "inside the config's own folder"),
        ({"grid": {"seed": list(range(1000)), "delay": list(range(1000))}}, f"at most {MAX_RUNS} runs"),
        ({"grid": {"target_accuracy": [-0.0, 0.0]}}, "each value once"),
    ],
)
def test_sweep_config_gaps_are_closed(config, message):
    with pytest.raises(ValueError, match=message):
        validate_sweep_config(config)


def test_a_sweep_into_an_unwritable_place_fails_before_any_cluster(tmp_path):
    (tmp_path / "afile").write_text("")
    with pytest.raises(ValueError, match="a file"):
        run_sweep(SMALL, tmp_path / "afile" / "sub", n_workers=1, progress=False)


def test_evaluation_memory_is_bounded_and_the_score_unchanged(monkeypatch):
    checkpoint = load_pretrained(8)
    whole = evaluate(checkpoint.weights, checkpoint.task, n_time=3000, rng=4)
    # States of at most 333 steps at a time: the stream is simulated in pieces, with the same draws.
    monkeypatch.setattr(metrics_module, "SIMULATION_BYTES", 16 * checkpoint.weights.n_hidden * 333)
    assert evaluate(checkpoint.weights, checkpoint.task, n_time=3000, rng=4) == whole


def test_stray_names_in_the_checkpoint_folder_are_ignored(tmp_path, monkeypatch):
    from importlib import resources

    folder = tmp_path / "rnnmem_helpers"
    (folder / "checkpoints").mkdir(parents=True)
    for name in ("delay8_seed0.npz", "delay8_seed0_seed1.npz", "delay²_seed0.npz", "delay08_seed0.npz", "delay8.npz"):
        (folder / "checkpoints" / name).write_bytes(b"")
    monkeypatch.setattr(resources, "files", lambda package: folder)
    assert available_pretrained() == [(8, 0)]


def test_construct_refuses_a_gain_that_would_overflow_before_any_work(tmp_path):
    out = _cli("construct", "--delay", "2", "--gain", "1e39", "--out", str(tmp_path / "n.npz"))
    assert out.returncode == 2 and "--gain" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_pulses_too_rare_for_the_evaluation_are_refused_before_training(tmp_path):
    out = _cli("train", "--mean-interval", "1e6", "--out", str(tmp_path / "n.npz"))
    assert out.returncode == 2 and "--mean-interval" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_name_at_the_filesystem_limit_is_written_through_a_short_temporary_name(tmp_path, monkeypatch):
    target = tmp_path / ("a" * (name_max(tmp_path) - 4) + ".npz")
    seen = []
    real_mkstemp = tempfile.mkstemp

    def spy(*args, **kwargs):
        fd, name = real_mkstemp(*args, **kwargs)
        seen.append(Path(name).name)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    with atomic_write(target, "w") as fh:
        fh.write("whole")
    assert target.read_text() == "whole" and len(seen) == 1 and len(seen[0].encode()) <= name_max(tmp_path)
    # The short name still belongs to its target alone: a dead writer's leftover of it is removed,
    # that of a target of the same length is not.
    other = tmp_path / ("b" * (name_max(tmp_path) - 4) + ".npz")
    stale = tmp_path / f"{_temporary_prefix(target)}{_dead_pid()}-abcdefgh.tmp"
    kept = tmp_path / f"{_temporary_prefix(other)}{_dead_pid()}-abcdefgh.tmp"
    stale.write_text(""), kept.write_text("")
    assert remove_stale_temporaries(target) == [stale] and kept.exists()


def test_names_longer_than_the_filesystem_allows_are_one_line_naming_the_part(tmp_path):
    limit = name_max(tmp_path)
    shown = r"'a{20}\.\.\.a{8}\.npz'"
    with pytest.raises(ValueError, match=rf"^argument --out: the name {shown} is 304 bytes long; .* {limit} bytes"):
        check_path_length(tmp_path / ("a" * 300 + ".npz"), what="argument --out")
    with pytest.raises(ValueError, match="^x: the name .* is 300 bytes long"):
        check_path_length(tmp_path / ("d" * 300) / "n.npz", what="x")
    with pytest.raises(ValueError, match=r"^x: the path is 4999 bytes long; the filesystem allows at most 4095"):
        check_path_length("/".join(["d" * 99] * 50), what="x")
    check_path_length(tmp_path / ("a" * (limit - 4) + ".npz"), what="x")


def _with_test_accuracy(checkpoint, accuracy):
    return {**checkpoint.metadata, "test": {**checkpoint.metadata["test"], "accuracy": accuracy}}


@pytest.mark.parametrize(
    "metadata, error, message",
    [
        ({}, ValueError, r"^ckpt: metadata must contain .*; missing \['task', 'model', 'seed'\]$"),
        ("0.9", ValueError, r"^ckpt: metadata field 'test': 'accuracy' must be a number in \[0, 1\], got '0\.9'$"),
        ({"seed": 0, "x": {1}}, TypeError, r"^ckpt\.metadata must be JSON-serialisable"),
    ],
)
def test_export_refuses_metadata_a_load_would_refuse_naming_the_field(metadata, error, message):
    checkpoint = load_pretrained(8)
    if metadata == "0.9":
        metadata = _with_test_accuracy(checkpoint, "0.9")
    with pytest.raises(error, match=message):
        export_network(Checkpoint(checkpoint.weights, metadata), n_time=100, rng=0)


def test_a_file_with_a_string_accuracy_is_refused_naming_the_file_and_field(tmp_path, capsys):
    checkpoint = load_pretrained(8)
    bad = _with_test_accuracy(checkpoint, "high")
    with pytest.raises(ValueError, match="metadata field 'test': 'accuracy' must be a number"):
        save_checkpoint(tmp_path / "saved.npz", checkpoint.weights, {**bad, "format_version": 2})
    path = tmp_path / "hand.npz"
    arrays = {k: getattr(checkpoint.weights, k).astype(np.float32) for k in ("W", "W_in", "W_out")}
    np.savez(path, metadata=np.array(json.dumps(bad)), **arrays)
    with pytest.raises(CheckpointError, match=rf"^{re.escape(str(path))}: metadata field 'test': 'accuracy'"):
        load_checkpoint(path)
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", str(path), "--steps", "1000"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and len(err.strip().splitlines()) == 1
    assert str(path) in err and "'accuracy' must be a number in [0, 1], got 'high'" in err


def _one_line_error(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and len(err.strip().splitlines()) == 1, err
    return err


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if a command starts its evaluation or training."""

    def refuse(*args, **kwargs):
        raise AssertionError("the command started work before refusing its input")

    monkeypatch.setattr(cli, "evaluate", refuse)
    monkeypatch.setattr(cli, "train", refuse)


def test_construct_refuses_sizes_too_slow_to_score_before_any_work(tmp_path, capsys, no_work):
    err = _one_line_error(capsys, ["construct", "--delay", "2", "--n-hidden", "2048", "--out", str(tmp_path / "n.npz")])
    assert f"argument --n-hidden: must be an integer in [6, {cli.MAX_CONSTRUCT_HIDDEN}] for construct" in err
    assert err.rstrip().endswith("got 2048") and list(tmp_path.iterdir()) == []


def test_construct_refuses_a_size_the_machine_has_not_the_memory_for(tmp_path, capsys, monkeypatch, no_work):
    monkeypatch.setattr(cli, "available_memory", lambda: cli.construct_memory_bytes(150))
    err = _one_line_error(capsys, ["construct", "--delay", "2", "--n-hidden", "200", "--out", str(tmp_path / "n.npz")])
    assert "argument --n-hidden: construct at N=200 needs about" in err and "N that fit now: in [6, 150]" in err
    monkeypatch.setattr(cli, "available_memory", lambda: cli.construct_memory_bytes(6) - 1)
    err = _one_line_error(capsys, ["construct", "--delay", "1", "--out", str(tmp_path / "n.npz")])
    assert "N that fit now: none: free memory first" in err and list(tmp_path.iterdir()) == []


def test_train_refuses_batches_the_machine_has_not_the_memory_for(tmp_path, capsys, monkeypatch, no_work):
    # The defaults fit in far less than a small machine has; 4096 sequences of 100 000 steps do not.
    assert cli.train_memory_bytes(cli.ModelConfig(), cli.TrainConfig()) < 2**29
    monkeypatch.setattr(cli, "available_memory", lambda: 2**30)
    argv = ["train", "--batch-size", "4096", "--seq-len", "100000", "--out", str(tmp_path / "n.npz")]
    err = _one_line_error(capsys, argv)
    assert "error: argument --batch-size: training with --batch-size 4096, --seq-len 100000 and --n-hidden" in err
    assert "this machine has 1.00 GiB available; lower --batch-size, --seq-len or --n-hidden" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["evaluate", "{long}.npz"], "argument path"),
        (["train", "--out", "{long}.npz"], "argument --out"),
        (["construct", "--delay", "1", "--out", "{long}.npz"], "argument --out"),
        (["construct", "--delay", "1", "--out", "{long}/n.npz"], "argument --out"),
        (["sweep", "{long}.json"], "argument config"),
        (["sweep", "{config}", "--out", "{long}"], "argument --out"),
    ],
)
def test_a_name_too_long_for_the_filesystem_is_one_line_naming_the_flag(tmp_path, capsys, no_work, argv, flag):
    config = tmp_path / "s.json"
    config.write_text(json.dumps(SMALL))
    long = str(tmp_path / ("x" * 300))
    err = _one_line_error(capsys, [a.format(long=long, config=config) for a in argv])
    assert err.startswith(f"python -m rnnmem_helpers {argv[0]}: error: {flag}: the name ")
    assert "bytes long; the filesystem allows at most" in err and sorted(tmp_path.iterdir()) == [config]


def test_construct_writes_a_name_at_the_filesystem_limit(tmp_path):
    out = tmp_path / ("n" * (name_max(tmp_path) - 4) + ".npz")
    assert main(["construct", "--delay", "1", "--n-hidden", "12", "--out", str(out)]) == 0
    assert load_checkpoint(out).kind == "constructed" and list(tmp_path.iterdir()) == [out]
    assert out.stat().st_size <= expected_checkpoint_bytes(12, 3)


def test_too_little_free_space_is_refused_before_any_work(tmp_path, capsys, monkeypatch, no_work):
    # A 300 KiB filesystem with 10 KiB left: a 100-unit checkpoint (about 45 KB) does not fit.
    usage = types.SimpleNamespace(total=300 * 1024, used=290 * 1024, free=10240)
    monkeypatch.setattr(cli.shutil, "disk_usage", lambda path: usage)
    for command in (["construct", "--delay", "1"], ["train"]):
        err = _one_line_error(capsys, [*command, "--out", str(tmp_path / "n.npz")])
        assert f"argument --out: the checkpoint needs about {expected_checkpoint_bytes(100, 3)} bytes" in err
        assert "has 10240 free" in err and list(tmp_path.iterdir()) == []


def test_a_disk_that_fills_during_the_final_write_is_one_line_and_leaves_the_old_file(tmp_path, capsys, monkeypatch):
    out = tmp_path / "n.npz"
    out.write_bytes(b"the previous checkpoint")

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    err = _one_line_error(capsys, ["construct", "--delay", "1", "--n-hidden", "12", "--out", str(out)])
    assert f"argument --out: could not write {str(out)!r} (No space left on device); nothing was written there" in err
    assert list(tmp_path.iterdir()) == [out] and out.read_bytes() == b"the previous checkpoint"
