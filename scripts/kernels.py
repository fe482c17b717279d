"""Pick, and prove, a second set of CPU kernels for the CI's second pass.

Training is chaotic, so the book's checks must hold whatever floating-point
kernels run them. CI therefore runs the unit tests and nbval twice: once with
the kernels this machine picks by itself, once with others. This script

* ``pick``: prints the environment assignments for the other kernels
  (``OPENBLAS_CORETYPE=... ATEN_CPU_CAPABILITY=...``): an OpenBLAS core type
  below the one OpenBLAS chose and that this CPU supports, and torch's portable
  ``default`` code path instead of its SIMD one;
* ``verify``: run with those assignments, checks that they took effect:
  threadpoolctl must report the requested OpenBLAS core, torch the requested
  capability, and a short training run must end with other weights than the
  same run with the machine's own kernels (run in a child process).

If the machine itself presets ``OPENBLAS_CORETYPE`` (some hosts do, because old
OpenBLAS builds crash or miscompute on their processors), the preset is kept
and only torch's kernels are changed.

Usage: ``python scripts/kernels.py pick``, then
``env $(python scripts/kernels.py pick) python scripts/kernels.py verify``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

# OpenBLAS x86-64 core types from newest to oldest, with the CPU flags each one's kernels need.
X86_CORES = (
    ("SkylakeX", {"avx512f", "avx512bw", "avx512vl"}),
    ("Haswell", {"avx2", "fma"}),
    ("Sandybridge", {"avx"}),
    ("Nehalem", {"sse4_2"}),
)
KERNEL_VARS = ("OPENBLAS_CORETYPE", "ATEN_CPU_CAPABILITY")


def cpu_flags() -> set[str]:
    """The CPU feature flags Linux reports (empty elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def current_kernels() -> dict[str, str]:
    """The OpenBLAS core numpy's BLAS runs and torch's CPU capability, in this process."""
    import numpy as np  # noqa: F401  (loads numpy's OpenBLAS so threadpoolctl can see it)
    import torch
    from threadpoolctl import threadpool_info

    blas = [i for i in threadpool_info() if i.get("internal_api") == "openblas"]
    return {
        "openblas": blas[0].get("architecture", "unknown") if blas else "none",
        "torch": str(torch.backends.cpu.get_cpu_capability()),
    }


def pick_alternative(default_core: str, flags: set[str], preset_core: str | None, torch_capability: str) -> dict:
    """Environment assignments for kernels other than the machine's own.

    Parameters
    ----------
    default_core : str
        The OpenBLAS core type chosen without an override.
    flags : set of str
        CPU feature flags.
    preset_core : str or None
        ``OPENBLAS_CORETYPE`` preset by the machine, kept if given.
    torch_capability : str
        torch's capability without an override (``AVX512``, ``AVX2``, ``DEFAULT``, ...).

    Returns
    -------
    dict
        ``{variable: value}``; may be empty if nothing can be changed.
    """
    env = {}
    if preset_core is None:
        ranks = [name.lower() for name, _ in X86_CORES]
        below = ranks.index(default_core.lower()) + 1 if default_core.lower() in ranks else 0
        for name, needs in X86_CORES[below:]:
            if needs <= flags:
                env["OPENBLAS_CORETYPE"] = name
                break
    if torch_capability.upper() != "DEFAULT":
        env["ATEN_CPU_CAPABILITY"] = "default"
    return env


def _short_run_weights() -> list[float]:
    """W after 500 updates at Δt = 8: long enough for kernel rounding to show, short enough for CI."""
    from rnnmem_helpers import TaskConfig, TrainConfig, train

    config = TrainConfig(max_steps=500, eval_every=500, eval_steps=1000, confirm_steps=1000, target_accuracy=1.0)
    res = train(TaskConfig(delay=8), config=config, rng=0, progress=False)
    return res.weights.W.ravel().tolist()


def pick() -> int:
    preset = os.environ.get("OPENBLAS_CORETYPE")
    probe_env = {k: v for k, v in os.environ.items() if k not in KERNEL_VARS or (k == "OPENBLAS_CORETYPE" and preset)}
    own = json.loads(_child(["own"], probe_env))
    flags = cpu_flags() if platform.machine() in ("x86_64", "AMD64") else set()
    env = pick_alternative(own["openblas"], flags, preset, own["torch"])
    if not env:
        print("kernels.py: no alternative kernels available on this machine", file=sys.stderr)
        return 1
    print(" ".join(f"{k}={v}" for k, v in env.items()))
    return 0


def verify() -> int:
    requested = {k: os.environ[k] for k in KERNEL_VARS if k in os.environ}
    if not requested:
        print("kernels.py verify: set OPENBLAS_CORETYPE and/or ATEN_CPU_CAPABILITY first", file=sys.stderr)
        return 2
    now = current_kernels()
    own_env = {k: v for k, v in os.environ.items() if k not in requested}
    own = json.loads(_child(["own"], own_env))
    print(f"machine's own kernels: OpenBLAS {own['openblas']}, torch {own['torch']}")
    print(f"this pass:             OpenBLAS {now['openblas']}, torch {now['torch']}  (requested {requested})")
    problems = []
    if "OPENBLAS_CORETYPE" in requested and now["openblas"].lower() != requested["OPENBLAS_CORETYPE"].lower():
        problems.append(f"OpenBLAS runs {now['openblas']}, not {requested['OPENBLAS_CORETYPE']}")
    if "ATEN_CPU_CAPABILITY" in requested and now["torch"].lower() != requested["ATEN_CPU_CAPABILITY"].lower():
        problems.append(f"torch runs {now['torch']}, not {requested['ATEN_CPU_CAPABILITY']}")
    mine = _short_run_weights()
    theirs = json.loads(_child(["weights"], own_env))
    diff = max(abs(a - b) for a, b in zip(mine, theirs, strict=True))
    print(f"W after 500 updates at Δt = 8, seed 0: max |difference| from the machine's own kernels = {diff:.3g}")
    if diff == 0:
        problems.append("the training trajectory is bitwise the same as with the machine's own kernels")
    for p in problems:
        print(f"kernels.py verify: {p}", file=sys.stderr)
    return 1 if problems else 0


def _child(args, env) -> str:
    res = subprocess.run([sys.executable, __file__, *args], env=env, capture_output=True, text=True, check=True)
    return res.stdout


def main(argv) -> int:
    commands = {
        "pick": pick,
        "verify": verify,
        "own": lambda: print(json.dumps(current_kernels())) or 0,
        "weights": lambda: print(json.dumps(_short_run_weights())) or 0,
    }
    if len(argv) != 1 or argv[0] not in commands:
        print(f"usage: python scripts/kernels.py {{{','.join(list(commands)[:2])}}}", file=sys.stderr)
        return 2
    return commands[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
