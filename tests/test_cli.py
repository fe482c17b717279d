import subprocess
import sys

import pytest

from rnnmem_helpers import load_checkpoint
from rnnmem_helpers.checkpoints import pretrained_path
from rnnmem_helpers.cli import main


def test_help_lists_flags(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--delay", "--seed", "--out", "--mode", "--mean-interval", "--target-accuracy"):
        assert flag in out


@pytest.mark.parametrize(
    "argv, word",
    [
        (["train", "--delay", "-1", "--out", "x.npz"], "delay"),
        (["train", "--delay", "abc", "--out", "x.npz"], "delay"),
        (["train", "--mean-interval", "0", "--out", "x.npz"], "mean_interval"),
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
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert "accuracy on a fresh" in res.stdout
    meta = load_checkpoint(out).metadata
    assert meta["command"].startswith("python -m rnnmem_helpers train --delay 1 --seed 0")
    assert meta["steps"] == 30 and meta["task"]["delay"] == 1
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
    assert main(["evaluate", str(bad)]) == 1
    assert "not a readable rnnmem checkpoint" in capsys.readouterr().err
