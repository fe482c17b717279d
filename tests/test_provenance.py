"""Provenance: every result records the machine, its numerical kernels, the versions and the code it came from."""

import dataclasses
import json
import platform
import re
import subprocess
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import scipy
import torch

import rnnmem_helpers
from rnnmem_helpers.core import provenance
from rnnmem_helpers.core.checkpoints import load_checkpoint
from rnnmem_helpers.core.provenance import Provenance, collect, machine_id
from rnnmem_helpers.experiments.experiment import RunConfig, compute_run, result_from_dict, result_to_dict

STARTED = "2026-01-01T00:00:00+00:00"
# Must name the machine and the code: never empty.
MACHINE_FIELDS = (
    "platform",
    "cpu_model",
    "cpu_flags_sha256",
    "blas",
    "blas_core",
    "torch_cpu_capability",
    "python",
    "numpy",
    "scipy",
    "torch",
    "package",
    "host",
)
_HEX40 = re.compile(r"[0-9a-f]{40}")


def test_a_record_names_the_machine_the_kernels_the_versions_and_the_code():
    p = collect(started=STARTED, wall_seconds=1.234)
    for name in MACHINE_FIELDS:
        value = getattr(p, name)
        assert isinstance(value, str) and value.strip(), name
    assert (p.python, p.numpy, p.scipy, p.torch) == (
        platform.python_version(),
        np.__version__,
        scipy.__version__,
        torch.__version__,
    )
    assert p.package == rnnmem_helpers.__version__ and p.platform == platform.platform()
    assert p.torch_cpu_capability == str(torch.backends.cpu.get_cpu_capability())
    assert re.fullmatch(r"[0-9a-f]{16}", p.cpu_flags_sha256)
    assert isinstance(p.cpu_simd, tuple) and set(p.cpu_simd) <= set(provenance._SIMD_FLAGS)
    assert (p.started, p.wall_seconds) == (STARTED, 1.23)
    # The code: a commit of this checkout (or None outside git), and which tracked code differed from it.
    assert p.git_commit is None or _HEX40.fullmatch(p.git_commit)
    if p.git_commit is None:
        assert (p.git_dirty, p.git_dirty_files) == (None, ())
    else:
        assert p.git_dirty is bool(p.git_dirty_files)
        assert all(isinstance(f, str) and f for f in p.git_dirty_files)
        root = Path(rnnmem_helpers.__file__).resolve().parent.parent
        found = subprocess.run(["git", "-C", str(root), "cat-file", "-t", p.git_commit], capture_output=True, text=True)
        assert found.stdout.strip() == "commit"


def test_the_machine_is_stable_and_names_only_what_chooses_the_kernels():
    a, b = collect(started=STARTED, wall_seconds=1.0), collect(started="2027-05-05T10:00:00+00:00", wall_seconds=9.0)
    assert a.machine == b.machine and re.fullmatch(r"[0-9a-f]{12}", a.machine)
    assert machine_id(dataclasses.asdict(a)) == a.machine
    # Not the host, the time, the versions or the code; nor the kernel release, which does not change the numerics.
    release = a.platform.split("-with-")
    kernel = f"Linux-0.0.1-{platform.machine()}-with-{release[-1]}" if len(release) > 1 else a.platform
    same = dataclasses.replace(
        a, host="elsewhere", git_commit=None, git_dirty=None, git_dirty_files=(), numpy="0.0", platform=kernel
    )
    assert same.machine == a.machine
    for change in (
        {"cpu_model": "Another CPU"},
        {"cpu_flags_sha256": "0" * 16},
        {"blas": "mkl 2024.0"},
        {"blas_core": "SkylakeX"},
        # Another capability than this process's own, which ATEN_CPU_CAPABILITY may have set to DEFAULT.
        {"torch_cpu_capability": "AVX2" if a.torch_cpu_capability != "AVX2" else "DEFAULT"},
    ):
        assert dataclasses.replace(a, **change).machine != a.machine, change


def test_a_record_round_trips_through_json_and_is_validated():
    p = collect(started=STARTED, wall_seconds=2.0)
    obj = json.loads(json.dumps(dataclasses.asdict(p)))
    assert Provenance(**obj) == p
    with pytest.raises(ValueError, match="^wall_seconds must be"):
        Provenance(**{**obj, "wall_seconds": -1.0})
    with pytest.raises(TypeError, match="^git_dirty must be"):
        Provenance(**{**obj, "git_dirty": "no"})
    with pytest.raises(TypeError, match="^cpu_model must be"):
        Provenance(**{**obj, "cpu_model": None})


def test_outside_git_the_code_is_unrecorded(monkeypatch):
    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(provenance.subprocess, "run", no_git)
    assert provenance._git_state() == (None, None, ())


def test_a_computed_result_and_its_weights_file_carry_provenance(tmp_path):
    config = RunConfig(n_hidden=5, max_steps=3, eval_every=1, eval_steps=1000, confirm_steps=1000, test_steps=1000)
    result, files = compute_run(config)
    p = result.provenance
    assert p.machine == collect(started=STARTED, wall_seconds=0.0).machine
    assert datetime.fromisoformat(p.started).utcoffset().total_seconds() == 0 and p.wall_seconds >= 0
    for name in MACHINE_FIELDS:
        assert getattr(p, name).strip(), name
    assert result_from_dict(result_to_dict(result)) == result
    # The network's file records where it was trained.
    ((name, data),) = files.items()
    path = tmp_path / "w.npz"
    path.write_bytes(data)
    meta = load_checkpoint(path).metadata["provenance"]
    assert machine_id(meta) == p.machine and Provenance(**meta).host == p.host
