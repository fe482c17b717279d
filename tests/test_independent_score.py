"""The independent scorer (numpy alone) reproduces the recorded accuracy of shipped networks from their weights."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SCRIPT = ROOT / "scripts" / "independent_score.py"
RESULTS = ROOT / "rnnmem_helpers" / "sweeps" / "results"


def _current(n: int) -> list[Path]:
    """The first ``n`` shipped results with weights, a converged one and per-channel ones among them."""
    found = []
    for path in sorted(RESULTS.glob("*.json")):
        obj = json.loads(path.read_text(encoding="utf-8"))
        if "weights" in obj and obj.get("kind", "run") == "run":
            found.append((not obj["converged"], obj["config"]["rate_scope"], path))
    found.sort()
    return [p for *_, p in found[:n]]


def _score(*paths, cwd=None):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, paths)], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_the_scorer_imports_nothing_of_the_package():
    source = SCRIPT.read_text(encoding="utf-8")
    assert "rnnmem_helpers" not in source.replace("no rnnmem_helpers import", "")
    assert "import torch" not in source and "scipy" not in source


def test_shipped_networks_score_their_recorded_accuracy():
    paths = _current(3)
    if len(paths) < 3:
        pytest.skip("no recomputed results with weights shipped yet")
    out = _score(*paths)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3/3 networks agree" in out.stdout


def test_a_tampered_accuracy_or_weights_file_disagrees(tmp_path):
    paths = _current(1)
    if not paths:
        pytest.skip("no recomputed results with weights shipped yet")
    obj = json.loads(paths[0].read_text(encoding="utf-8"))
    (tmp_path / "weights").mkdir()
    weights = (RESULTS / obj["weights"]["file"]).read_bytes()
    (tmp_path / obj["weights"]["file"]).write_bytes(weights)
    obj["accuracy"] = round(obj["accuracy"] - 0.01, 6)
    (tmp_path / "r.json").write_text(json.dumps(obj), encoding="utf-8")
    out = _score(tmp_path / "r.json")
    assert out.returncode == 1 and "DISAGREES" in out.stdout
    (tmp_path / obj["weights"]["file"]).write_bytes(weights[:-1] + bytes([weights[-1] ^ 1]))
    out = _score(tmp_path / "r.json")
    assert out.returncode == 1 and "SHA-256" in out.stdout


def test_bad_arguments_are_one_line_with_exit_2(tmp_path):
    out = _score(tmp_path / "missing.json")
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1 and "results" in out.stderr
