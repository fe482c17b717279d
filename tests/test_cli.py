import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from rnnmem_helpers import load_checkpoint
from rnnmem_helpers.analyses import analysis
from rnnmem_helpers.core import metrics
from rnnmem_helpers.core.checkpoints import pretrained_path
from rnnmem_helpers.core.construct import construct_delay_network
from rnnmem_helpers.core.init import init_weights
from rnnmem_helpers.core.metrics import evaluate, score
from rnnmem_helpers.core.model import ModelConfig, simulate
from rnnmem_helpers.core.task import TaskConfig, make_stream, sample_pulses, targets_from_inputs
from rnnmem_helpers.core.train import TRAINING_SETTINGS, TrainConfig
from rnnmem_helpers.experiments import cli
from rnnmem_helpers.experiments.cli import MAX_EVAL_STEPS, check_out_path, main


def test_help_lists_flags(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--delay", "--seed", "--out", "--mode", "--mean-interval", "--target-accuracy", *TRAINING_FLAGS):
        assert flag in out


# The flags of the training settings of issue 18, one per TrainConfig setting a run may give.
TRAINING_FLAGS = tuple("--" + name.replace("_", "-") for name in TRAINING_SETTINGS)


@pytest.mark.parametrize(
    "argv, word",
    [
        (["train", "--delay", "-1", "--out", "x.npz"], "delay"),
        (["train", "--delay", "abc", "--out", "x.npz"], "delay"),
        (["train", "--mean-interval", "0", "--out", "x.npz"], "--mean-interval"),
        (["train", "--seed", "-3", "--out", "x.npz"], "seed"),
        (["train", "--mode", "rtrl", "--out", "x.npz"], "mode"),
        (["train", "--out", "x.pt"], "--out"),
        (["train"], "--out"),
        (["frobnicate"], "invalid choice"),
        (["evaluate", "x.npz", "--steps", "1"], "steps"),
    ],
)
def test_bad_flags_exit_2(argv, word, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert word in capsys.readouterr().err


def test_train_and_evaluate_end_to_end(tmp_path):
    out = tmp_path / "net.npz"
    cmd = [sys.executable, "-m", "rnnmem_helpers", "train", "--delay", "1", "--n-hidden", "16"]
    cmd += ["--max-steps", "30", "--out", str(out), "--no-progress"]
    cmd += ["--lr", "0.002", "--batch-size", "8", "--clip-norm", "0.5", "--eval-every", "10"]
    cmd += ["--eval-steps", "2000", "--confirm-steps", "2000"]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert "accuracy on a fresh" in res.stdout
    meta = load_checkpoint(out).metadata
    assert meta["command"].startswith("python -m rnnmem_helpers train --delay 1 --seed 0")
    assert meta["steps"] == 30 and meta["task"]["delay"] == 1
    # Every training setting is recorded, and the canonical command spells each out.
    want = TrainConfig(
        max_steps=30, lr=0.002, batch_size=8, clip_norm=0.5, eval_every=10, eval_steps=2000, confirm_steps=2000
    )
    assert meta["train"] == dataclasses.asdict(want)
    for flag, value in [("--lr", "0.002"), ("--batch-size", "8"), ("--clip-norm", "0.5"), ("--seq-len", "100")]:
        assert f" {flag} {value} " in meta["command"]
    assert all(flag in meta["command"] for flag in TRAINING_FLAGS)
    ev = subprocess.run(
        [sys.executable, "-m", "rnnmem_helpers", "evaluate", str(pretrained_path(0)), "--steps", "20000"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "delay 0, N=100" in ev.stdout and "accuracy 99." in ev.stdout


def test_evaluate_corrupt_file_is_clear(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"garbage")
    with pytest.raises(SystemExit) as exc:
        main(["evaluate", str(bad)])
    assert exc.value.code == 2
    assert "not a readable rnnmem checkpoint" in capsys.readouterr().err


# ----------------------------------------------------------------------------- user errors: one line, exit 2


@pytest.fixture
def bad_files(tmp_path, monkeypatch):
    """A folder of files a user might wrongly pass, as the working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir").mkdir()
    (tmp_path / "adir.npz").mkdir()
    (tmp_path / "afile.txt").write_text("not a folder")
    (tmp_path / "random.npz").write_bytes(np.random.default_rng(0).bytes(4096))
    good = pretrained_path(0).read_bytes()
    (tmp_path / "truncated.npz").write_bytes(good[: len(good) // 2])
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (tmp_path / "objects.npy").rename(tmp_path / "objects.npz")
    (tmp_path / "notjson.json").write_text("{grid: [")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "badgrid.json").write_text(json.dumps({"grid": {"colour": [1]}}))
    (tmp_path / "ok.json").write_text(json.dumps({"grid": {"delay": [0]}}))
    return tmp_path


def _no_work(*args, **kwargs):
    raise AssertionError("work started despite a user error")


def _tree(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


_DELAY4 = str(pretrained_path(4))
_DELAY0 = str(pretrained_path(0))


@pytest.mark.parametrize(
    "argv, names",
    [
        # checkpoint files
        (["evaluate", "missing.npz"], "missing.npz"),
        (["evaluate", "adir"], "adir"),
        (["evaluate", "random.npz"], "random.npz"),
        (["evaluate", "truncated.npz"], "truncated.npz"),
        (["evaluate", "other.npz"], "other.npz"),
        (["evaluate", "objects.npz"], "objects.npz"),
        (["evaluate", "afile.txt/x.npz"], "afile.txt/x.npz"),
        # evaluate flags, checked before the (missing) checkpoint is looked at
        (["evaluate", "missing.npz", "--steps", "1"], "--steps"),
        (["evaluate", "missing.npz", "--steps", "1000000000"], "--steps"),
        (["evaluate", "missing.npz", "--steps", "abc"], "--steps"),
        (["evaluate", "missing.npz", "--seed", "-1"], "--seed"),
        (["evaluate", "missing.npz", "--seed", "x"], "--seed"),
        # --steps against the loaded checkpoint's delay, and a stream too short to score
        (["evaluate", _DELAY4, "--steps", "5"], "--steps"),
        (["evaluate", _DELAY0, "--steps", "2"], "--steps"),
        # train flags
        (["train", "--seed", "-1", "--out", "x.npz"], "--seed"),
        (["train", "--delay", "-1", "--out", "x.npz"], "--delay"),
        (["train", "--n-hidden", "0", "--out", "x.npz"], "--n-hidden"),
        (["train", "--max-steps", "0", "--out", "x.npz"], "--max-steps"),
        (["train", "--target-accuracy", "2", "--out", "x.npz"], "--target-accuracy"),
        (["train", "--mean-interval", "nan", "--out", "x.npz"], "--mean-interval"),
        (["train", "--out", "x.pt"], "--out"),
        (["train", "--out", "adir.npz"], "adir.npz"),
        (["train", "--out", "nowhere/x.npz"], "nowhere"),
        (["train", "--out", "afile.txt/x.npz"], "afile.txt"),
        (["train", "--out", "/proc/x.npz"], "/proc"),
        (["train"], "--out"),
        # the training settings of issue 18
        (["train", "--lr", "0", "--out", "x.npz"], "--lr"),
        (["train", "--lr", "2", "--out", "x.npz"], "--lr"),
        (["train", "--lr", "abc", "--out", "x.npz"], "--lr"),
        (["train", "--batch-size", "0", "--out", "x.npz"], "--batch-size"),
        (["train", "--batch-size", "1.5", "--out", "x.npz"], "--batch-size"),
        (["train", "--seq-len", "1", "--out", "x.npz"], "--seq-len"),
        (["train", "--tbptt-len", "0", "--out", "x.npz"], "--tbptt-len"),
        (["train", "--stream-len", "5", "--out", "x.npz"], "--stream-len"),
        (["train", "--clip-norm", "-1", "--out", "x.npz"], "--clip-norm"),
        (["train", "--clip-norm", "inf", "--out", "x.npz"], "--clip-norm"),
        (["train", "--eval-every", "0", "--out", "x.npz"], "--eval-every"),
        (["train", "--eval-steps", "99", "--out", "x.npz"], "--eval-steps"),
        (["train", "--confirm-steps", "99", "--out", "x.npz"], "--confirm-steps"),
        # pulses too rare for the evaluation streams
        (["train", "--mean-interval", "1e6", "--out", "x.npz"], "--mean-interval"),
        # sweep
        (["sweep", "missing.json"], "missing.json"),
        (["sweep", "adir"], "adir"),
        (["sweep", "notjson.json"], "notjson.json"),
        (["sweep", "binary.json"], "binary.json"),
        (["sweep", "badgrid.json"], "badgrid.json"),
        (["sweep", "ok.json", "--workers", "0"], "--workers"),
        (["sweep", "missing.json", "--workers", "0"], "--workers"),
        (["sweep", "ok.json", "--out", "afile.txt"], "afile.txt"),
        (["sweep", "ok.json", "--out", "afile.txt/results"], "afile.txt"),
        # reanalyse
        (["reanalyse", "missing"], "missing"),
        (["reanalyse", "afile.txt"], "afile.txt"),
        (["reanalyse"], "folder"),
        # no or unknown command
        ([], "command"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_user_error_is_one_line_and_exit_2(argv, names, bad_files, capsys, monkeypatch):
    monkeypatch.setattr(cli, "train", _no_work)
    monkeypatch.setattr("rnnmem_helpers.experiments.sweep.run_sweep", _no_work)
    monkeypatch.setattr("rnnmem_helpers.experiments.reanalyse.reanalyse_folder", _no_work)
    before = _tree(bad_files)
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    # Refused before any work: nothing written, nothing created.
    assert _tree(bad_files) == before
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].strip(), captured.err
    assert names in lines[0]
    assert "error:" in lines[0]
    assert "Traceback" not in captured.err and "pickle" not in captured.err.lower()
    assert captured.out == ""


def test_steps_error_states_the_allowed_range(capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", _DELAY4, "--steps", "5"])
    assert f"[6, {MAX_EVAL_STEPS}]" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["evaluate", "missing.npz", "--steps", str(MAX_EVAL_STEPS + 1)])
    assert f"{MAX_EVAL_STEPS}]" in capsys.readouterr().err


def test_random_bytes_checkpoint_from_a_real_shell(tmp_path):
    bad = tmp_path / "random.npz"
    bad.write_bytes(np.random.default_rng(1).bytes(10_000))
    res = subprocess.run(
        [sys.executable, "-m", "rnnmem_helpers", "evaluate", str(bad)], capture_output=True, text=True, check=False
    )
    assert res.returncode == 2
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and str(bad) in lines[0]
    assert "Traceback" not in res.stderr and "pickle" not in res.stderr.lower()


def test_out_check_accepts_a_writable_folder_and_leaves_nothing_behind(tmp_path):
    check_out_path(tmp_path / "net.npz")
    assert list(tmp_path.iterdir()) == []


def test_out_check_reports_a_folder_that_refuses_files(tmp_path, monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(ValueError, match=r"--out.*Permission denied"):
        check_out_path(tmp_path / "net.npz")
    monkeypatch.setattr(cli, "train", _no_work)
    with pytest.raises(SystemExit) as exc:
        main(["train", "--out", str(tmp_path / "net.npz"), "--max-steps", "1"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "--out" in err and str(tmp_path) in err


# ----------------------------------------------------------------------------- long evaluations


def test_long_evaluation_shows_progress_unless_asked_not_to(monkeypatch, capsys):
    calls = []

    def fake_evaluate(weights, task, *, n_time, rng, progress):
        calls.append(progress)
        return metrics.EvalResult(1.0, (1.0, 1.0, 1.0), 0, 3 * n_time, 1, n_time)

    monkeypatch.setattr(cli, "evaluate", fake_evaluate)
    long = str(metrics.EVAL_CHUNK_STEPS + 1)
    for argv in ([_DELAY0, "--steps", long], [_DELAY0, "--steps", long, "--no-progress"], [_DELAY0]):
        assert main(["evaluate", *argv]) == 0
    assert calls == [True, False, False]
    capsys.readouterr()


def _one_shot(weights, inputs, delay):
    """Scores of ``score`` on one whole stream: the reference that chunked evaluation must reproduce."""
    targets, mask = targets_from_inputs(inputs[None], delay)
    _, outputs = simulate(weights, inputs)
    acc, per_channel, flips = score(outputs, targets[0], mask[0])
    return metrics.EvalResult(
        accuracy=acc,
        per_channel=tuple(float(a) for a in per_channel),
        wrong_flips=flips,
        n_valid=int(mask.sum()),
        n_pulses=int(np.count_nonzero(inputs)),
        n_time=inputs.shape[0],
    )


def _chunked_inputs(task, n_time, chunk, seed):
    """The documented draw order: one ``sample_pulses`` call per chunk on the same generator."""
    rng = np.random.default_rng(seed)
    sizes = [min(chunk, n_time - start) for start in range(0, n_time, chunk)]
    return np.concatenate([sample_pulses(task, 1, size, rng=rng)[0] for size in sizes])


@pytest.mark.parametrize("delay", [0, 3])
@pytest.mark.parametrize("n_time", [2_000, metrics.DEFAULT_TEST_STEPS])
def test_evaluate_up_to_one_chunk_is_the_one_shot_stream(delay, n_time):
    # Streams of the default length fit in one chunk, so every score printed so far stays the same.
    weights = init_weights(ModelConfig(n_hidden=6), rng=1)
    task = TaskConfig(delay=delay, mean_interval=10.0)
    stream = make_stream(task, n_time, rng=np.random.default_rng(5))
    assert evaluate(weights, task, n_time=n_time, rng=5) == _one_shot(weights, stream.inputs, delay)


@pytest.mark.parametrize("chunk", [7, 64])
@pytest.mark.parametrize("delay", [0, 3, 20])
@pytest.mark.parametrize("scope", ["all", "per_channel"])
def test_evaluate_carries_state_and_targets_across_chunks(chunk, delay, scope, monkeypatch):
    # An untrained network on a dense pulse train flips its outputs often, so a flip, a held target or a
    # delayed target lost at any chunk boundary changes the scores.
    monkeypatch.setattr(metrics, "EVAL_CHUNK_STEPS", chunk)
    weights = init_weights(ModelConfig(n_hidden=5), rng=2)
    task = TaskConfig(delay=delay, mean_interval=4.0, rate_scope=scope)
    n_time = 10 * chunk + 3
    expected = _one_shot(weights, _chunked_inputs(task, n_time, chunk, 9), delay)
    assert expected.wrong_flips > 0
    assert evaluate(weights, task, n_time=n_time, rng=9) == expected


def test_evaluate_in_constant_memory_at_the_real_chunk_size(monkeypatch):
    chunk = metrics.EVAL_CHUNK_STEPS
    lengths = []

    def recording_simulate(weights, inputs, s0=None):
        lengths.append(len(inputs))
        return simulate(weights, inputs, s0)

    monkeypatch.setattr(metrics, "simulate", recording_simulate)
    weights = init_weights(ModelConfig(n_hidden=4), rng=3)
    task = TaskConfig(delay=5)
    n_time = 2 * chunk + 1234
    result = evaluate(weights, task, n_time=n_time, rng=11)
    assert lengths == [chunk, chunk, 1234]
    assert result == _one_shot(weights, _chunked_inputs(task, n_time, chunk, 11), 5)


# ----------------------------------------------------------------------------- run_test memory cap


def test_run_test_caps_the_states_it_keeps_before_allocating(monkeypatch):
    monkeypatch.setattr(analysis, "make_stream", _no_work)
    monkeypatch.setattr(analysis, "simulate", _no_work)
    big = init_weights(ModelConfig(n_hidden=400), rng=0)
    with pytest.raises(ValueError, match=r"n_time must be an integer in \[2, 500000\], got 500001"):
        analysis.run_test(big, TaskConfig(), n_time=500_001, rng=0)
    small = init_weights(ModelConfig(n_hidden=10), rng=0)
    with pytest.raises(ValueError, match=r"n_time must be an integer in \[7, 2000000\], got 2000001"):
        analysis.run_test(small, TaskConfig(delay=5), n_time=2_000_001, rng=0)


# ----------------------------------------------------------------------------- construct


def test_construct_builds_scores_and_saves(tmp_path, capsys):
    out = tmp_path / "net.npz"
    assert main(["construct", "--delay", "4", "--n-hidden", "20", "--out", str(out)]) == 0
    assert "accuracy on a fresh 100000-step stream: 100.0000%" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["net.npz"]
    ckpt = load_checkpoint(out)
    meta = ckpt.metadata
    assert ckpt.kind == "constructed" and meta["format_version"] == 2
    assert meta["command"] == f"python -m rnnmem_helpers construct --delay 4 --n-hidden 20 --gain 8.0 --out {out}"
    assert meta["task"] == {"n_bits": 3, "delay": 4, "mean_interval": 50.0, "rate_scope": "all"}
    assert meta["model"] == {"n_hidden": 20, "n_bits": 3} and meta["seed"] == 0
    assert meta["construction"]["gain"] == 8.0 and meta["construction"]["units_per_channel"] == 4
    # The recorded test is evaluate's result on the stored (float32) network and the recorded stream.
    again = evaluate(ckpt.weights, ckpt.task, rng=meta["test_seed"])
    assert meta["test"] == json.loads(json.dumps(dataclasses.asdict(again)))
    assert meta["test"]["accuracy"] == 1.0 and meta["test"]["wrong_flips"] == 0
    expected = construct_delay_network(4, n_hidden=20)
    for key in ("W", "W_in", "W_out"):
        np.testing.assert_array_equal(getattr(ckpt.weights, key), getattr(expected, key).astype(np.float32))


def test_construct_help_lists_flags(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["construct", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--delay", "--out", "--n-hidden", "--gain"):
        assert flag in out


@pytest.mark.parametrize(
    "argv, names",
    [
        (["--delay", "-1", "--out", "x.npz"], "argument --delay: must be an integer in [0, 32] for --n-hidden 100"),
        (["--delay", "33", "--out", "x.npz"], "argument --delay: must be an integer in [0, 32]"),
        (["--delay", "6", "--n-hidden", "20", "--out", "x.npz"], "argument --delay: must be an integer in [0, 5]"),
        (["--delay", "abc", "--out", "x.npz"], "--delay"),
        (["--out", "x.npz"], "--delay"),
        (["--delay", "3"], "--out"),
        (["--delay", "1", "--n-hidden", "5", "--out", "x.npz"], "argument --n-hidden: must be >= 6"),
        (["--delay", "1", "--n-hidden", "5000", "--out", "x.npz"], "argument --n-hidden"),
        (["--delay", "3", "--gain", "4", "--out", "x.npz"], "argument --gain: must be >= 4.09"),
        (["--delay", "3", "--gain", "nan", "--out", "x.npz"], "argument --gain: must be a number > 0"),
        (["--delay", "3", "--gain", "2e6", "--out", "x.npz"], "argument --gain: must be a number > 0 and <= 1e+06"),
        (["--delay", "3", "--gain", "-2", "--out", "x.npz"], "argument --gain"),
        (["--delay", "3", "--out", "x.pt"], "--out"),
        (["--delay", "3", "--out", "adir.npz"], "adir.npz"),
        (["--delay", "3", "--out", "nowhere/x.npz"], "nowhere"),
        (["--delay", "3", "--out", "afile.txt/x.npz"], "afile.txt"),
    ],
)
def test_construct_user_error_is_one_line_and_exit_2_before_any_work(argv, names, bad_files, capsys, monkeypatch):
    monkeypatch.setattr(cli, "evaluate", _no_work)
    monkeypatch.setattr(cli, "save_checkpoint", _no_work)
    before = sorted(p.name for p in bad_files.iterdir())
    with pytest.raises(SystemExit) as exc:
        main(["construct", *argv])
    assert exc.value.code == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and names in lines[0] and "error:" in lines[0], captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert sorted(p.name for p in bad_files.iterdir()) == before


def test_construct_reports_input_weights_it_cannot_use_under_n_hidden(monkeypatch, capsys, tmp_path):
    def undecodable(*args, **kwargs):
        raise ValueError("W_in: the rows of the 3 input units cannot decode the pulses of channel(s) [0]")

    monkeypatch.setattr(cli, "design_delay_network", undecodable)
    monkeypatch.setattr(cli, "evaluate", _no_work)
    with pytest.raises(SystemExit) as exc:
        main(["construct", "--delay", "1", "--n-hidden", "6", "--out", str(tmp_path / "x.npz")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "argument --n-hidden: the seed-0 input weights at N=6" in err


# ----------------------------------------------------------------------------- sweep: the results folder


def test_sweep_refuses_an_out_folder_it_cannot_write_before_any_cluster(tmp_path, capsys, monkeypatch):
    config = tmp_path / "ok.json"
    config.write_text(json.dumps({"grid": {"delay": [0]}, "fixed": {"n_hidden": 5, "max_steps": 2}}))
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    real_access = os.access
    # Root writes anywhere, whatever the mode bits say: the refusal is simulated.
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != readonly and real_access(path, mode))
    monkeypatch.setattr("rnnmem_helpers.experiments.sweep._compute", _no_work)
    monkeypatch.setattr("rnnmem_helpers.experiments.sweep.run_sweep", _no_work)
    for out in (readonly, readonly / "results"):
        with pytest.raises(SystemExit) as exc:
            main(["sweep", str(config), "--out", str(out), "--no-progress"])
        assert exc.value.code == 2
        captured = capsys.readouterr()
        lines = captured.err.splitlines()
        assert len(lines) == 1 and "--out" in lines[0] and str(readonly) in lines[0], captured.err
        assert "Traceback" not in captured.err and captured.out == ""
    assert list(readonly.iterdir()) == []
