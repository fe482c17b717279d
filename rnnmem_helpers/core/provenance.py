"""Where and with what a result was computed: the machine, its numerical kernels and the code.

Training is chaotic: another CPU, BLAS kernel or torch SIMD level gives other
weights after a few hundred updates, so two results are twins only if they
come from one machine. Every stored result therefore carries a
:class:`Provenance`, and :attr:`Provenance.machine` names the kernel-relevant
part of it (CPU model and SIMD flags, BLAS library and core type, torch's CPU
capability, platform), so chapters can group and filter results by machine.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ._validate import Boolean, InstanceOf, Optional, Real, SequenceOf, validate_fields
from ._version import __version__

# The SIMD flags that choose numpy's, OpenBLAS's and torch's kernels; the full flag list is hashed.
_SIMD_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "amx_tile", "asimd")
# The tracked code a result depends on; edits elsewhere (chapters, docs) do not make a result dirty.
_CODE_PATHS = ("rnnmem_helpers", "pyproject.toml", "requirements.txt")


@dataclass(frozen=True)
@validate_fields(
    {
        "platform": InstanceOf(str),
        "cpu_model": InstanceOf(str),
        "cpu_simd": SequenceOf(InstanceOf(str), "strings"),
        "cpu_flags_sha256": InstanceOf(str),
        "blas": InstanceOf(str),
        "blas_core": InstanceOf(str),
        "torch_cpu_capability": InstanceOf(str),
        "python": InstanceOf(str),
        "numpy": InstanceOf(str),
        "scipy": InstanceOf(str),
        "torch": InstanceOf(str),
        "package": InstanceOf(str),
        "git_commit": Optional(InstanceOf(str)),
        "git_dirty": Optional(Boolean()),
        "git_dirty_files": SequenceOf(InstanceOf(str), "strings"),
        "host": InstanceOf(str),
        "started": InstanceOf(str),
        "wall_seconds": Real(0.0),
    }
)
class Provenance:
    """Machine, kernels, versions and code of one result.

    Attributes
    ----------
    platform : str
        ``platform.platform()``, e.g. ``Linux-6.1.0-x86_64-with-glibc2.36``.
    cpu_model : str
        The CPU's model name (``/proc/cpuinfo``), or ``platform.processor()``.
    cpu_simd : tuple of str
        Which of the SIMD flags that pick numerical kernels the CPU has.
    cpu_flags_sha256 : str
        16 hex digits of the SHA-256 of the CPU's full, sorted flag list.
    blas : str
        BLAS library and version as threadpoolctl reports it (``openblas 0.3.29``).
    blas_core : str
        The BLAS's kernel core type (OpenBLAS ``architecture``, e.g. ``Haswell``).
    torch_cpu_capability : str
        ``torch.backends.cpu.get_cpu_capability()`` (``AVX2``, ``AVX512``, ``DEFAULT``).
    python, numpy, scipy, torch, package : str
        Versions; ``package`` is ``rnnmem_helpers.__version__``.
    git_commit : str or None
        Commit of the checkout the package was imported from, None outside git.
    git_dirty : bool or None
        Whether tracked code (:data:`_CODE_PATHS`) differed from that commit.
    git_dirty_files : tuple of str
        Those files, so a reader can tell what was uncommitted.
    host : str
        ``socket.gethostname()``.
    started : str
        UTC start time, ISO 8601.
    wall_seconds : float
        Wall time of the whole computation (training, testing, analysis), 0.01 s.
    """

    platform: str
    cpu_model: str
    cpu_simd: tuple
    cpu_flags_sha256: str
    blas: str
    blas_core: str
    torch_cpu_capability: str
    python: str
    numpy: str
    scipy: str
    torch: str
    package: str
    git_commit: str | None
    git_dirty: bool | None
    git_dirty_files: tuple
    host: str
    started: str
    wall_seconds: float

    @property
    def machine(self) -> str:
        """12 hex digits naming the kernel-relevant machine: CPU, flags, BLAS core, torch capability, platform.

        Two results with one ``machine`` ran the same numerical kernels; a
        host name alone does not say that (a VM may move between CPUs).
        """
        return machine_id(self)


def machine_id(record) -> str:
    """:attr:`Provenance.machine` of a provenance record or its dict form."""
    get = record.get if isinstance(record, dict) else functools.partial(getattr, record)
    parts = [get(k) for k in ("cpu_model", "cpu_flags_sha256", "blas", "blas_core", "torch_cpu_capability")]
    # The OS release changes with kernel updates that do not change the numerics; the libc and arch do not.
    parts.append(str(get("platform")).split("-with-")[-1] + platform.machine())
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:12]


@functools.cache
def _static() -> dict:
    """The parts of a provenance record that do not change within a process."""
    import numpy as np
    import scipy
    import torch
    from threadpoolctl import threadpool_info

    flags, model = _cpu_info()
    blas = next((i for i in threadpool_info() if i.get("user_api") == "blas"), {})
    commit, dirty, dirty_files = _git_state()
    return {
        "platform": platform.platform(),
        "cpu_model": model,
        "cpu_simd": tuple(f for f in _SIMD_FLAGS if f in flags),
        "cpu_flags_sha256": hashlib.sha256(" ".join(sorted(flags)).encode()).hexdigest()[:16],
        "blas": f"{blas.get('internal_api', 'unknown')} {blas.get('version', '')}".strip(),
        "blas_core": str(blas.get("architecture") or "unknown"),
        "torch_cpu_capability": str(torch.backends.cpu.get_cpu_capability()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "torch": torch.__version__,
        "package": __version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "git_dirty_files": dirty_files,
        "host": socket.gethostname(),
    }


def collect(*, started: str, wall_seconds: float) -> Provenance:
    """The provenance of a computation that started at ``started`` (UTC ISO 8601) and took ``wall_seconds``."""
    return Provenance(**_static(), started=started, wall_seconds=round(float(wall_seconds), 2))


def _cpu_info() -> tuple[set, str]:
    flags, model = set(), platform.processor() or "unknown"
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return flags, model
    for line in text.splitlines():
        name, _, value = line.partition(":")
        name = name.strip()
        if name in ("flags", "Features") and not flags:
            flags = set(value.split())
        elif name in ("model name", "CPU part") and model in ("unknown", platform.processor()):
            model = value.strip() or model
    return flags, model


def _git_state() -> tuple[str | None, bool | None, tuple]:
    # This file is rnnmem_helpers/core/provenance.py: the checkout is three folders up.
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}

    def git(*args):
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30, env=env, check=True
        ).stdout

    try:
        if Path(git("rev-parse", "--show-toplevel").strip()).resolve() != root:
            return None, None, ()
        commit = git("rev-parse", "HEAD").strip()
        # Untracked files (new results being written) are not code the result depends on.
        status = git("status", "--porcelain", "--untracked-files=no", "--", *_CODE_PATHS)
    except (OSError, subprocess.SubprocessError):
        return None, None, ()
    files = tuple(sorted(line[3:] for line in status.splitlines() if line.strip()))
    return commit, bool(files), files
