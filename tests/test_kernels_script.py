import runpy
from pathlib import Path

import pytest

KERNELS = runpy.run_path(str(Path(__file__).parents[1] / "scripts" / "kernels.py"))
pick = KERNELS["pick_alternative"]
AVX512 = {"avx512f", "avx512bw", "avx512vl", "avx2", "fma", "avx", "sse4_2"}


@pytest.mark.parametrize(
    "default, flags, preset, torch_cap, want",
    [
        ("SkylakeX", AVX512, None, "AVX512", {"OPENBLAS_CORETYPE": "Haswell", "ATEN_CPU_CAPABILITY": "default"}),
        ("Haswell", {"avx2", "fma", "avx", "sse4_2"}, None, "AVX2",
         {"OPENBLAS_CORETYPE": "Sandybridge", "ATEN_CPU_CAPABILITY": "default"}),
        # A core OpenBLAS names that is not in our list (e.g. Zen, Cooperlake): take the newest the CPU supports.
        ("Zen", {"avx2", "fma", "avx"}, None, "AVX2",
         {"OPENBLAS_CORETYPE": "Haswell", "ATEN_CPU_CAPABILITY": "default"}),
        # A preset core is the machine's choice for correctness: keep it, vary torch only.
        ("Haswell", AVX512, "Haswell", "AVX512", {"ATEN_CPU_CAPABILITY": "default"}),
        ("Nehalem", {"sse4_2"}, None, "DEFAULT", {}),
    ],
)
def test_pick_alternative(default, flags, preset, torch_cap, want):
    assert pick(default, flags, preset, torch_cap) == want


def test_usage_error_exit_2():
    assert KERNELS["main"](["bogus"]) == 2
