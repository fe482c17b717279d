"""Time the fixed-point search, new defaults against the reference settings, on one thread.

Both shipped networks (Δt = 0 and Δt = 8) are searched with
:data:`~rnnmem_helpers.analyses.fixed_points.SEARCH_DEFAULTS` and with
:data:`~rnnmem_helpers.analyses.fixed_points.REFERENCE_SETTINGS` (the search before
them), in one process, each call timed whole (trajectory, seeds, every
round of Newton, deduplication, Jacobians and eigenvalues). The two are
interleaved, one call of each per ``rng`` seed, so that a change in the load
of the machine hits both alike; the script reports medians of wall and CPU
time and the speed-up of the new defaults (ratio of the median wall times).
Run with::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/fixed_points_speed.py [--repeats 20]

Anchor: FixedPointFinder was measured side by side with the reference search
in issue 18, taking 3.4 times its time at Δt = 0 and 6.3 times at Δt = 8.
The script multiplies these by the measured speed-up to give the implied
ratio of FixedPointFinder's time to the new search's, and reports whether it
reaches the target of 10 (a speed-up of 10 / 3.4 = 2.9 at Δt = 0 and
10 / 6.3 = 1.6 at Δt = 8).

It also checks the census of every search with the new defaults: the same
points (within 1e-6) as the reference search with ``rng=0``, i.e. 27 at
Δt = 0 and 37 at Δt = 8, with the census below. It exits with status 1 if
any check or target fails. Speed is checked here only, never by the tests.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from rnnmem_helpers.analyses.fixed_points import REFERENCE_SETTINGS, find_fixed_points
from rnnmem_helpers.core.checkpoints import load_pretrained

EXPECTED = {0: {0: 8, 1: 12, 2: 6, 3: 1}, 8: {0: 8, 1: 14, 2: 10, 3: 2, 5: 2, 6: 1}}
FPF_OVER_REFERENCE = {0: 3.4, 8: 6.3}  # issue 18: FixedPointFinder's time / the reference search's
TARGET = 10.0  # FixedPointFinder's time / the new search's


def _timed(weights, rng, settings):
    t0, c0 = time.perf_counter(), time.process_time()
    res = find_fixed_points(weights, rng=rng, **settings)
    return res, time.perf_counter() - t0, time.process_time() - c0


def _same_points(res, ref) -> bool:
    if len(res) != len(ref):
        return False
    return bool(np.abs(res.xstar - ref.xstar).max() < 1e-6)


def bench(delay: int, repeats: int) -> bool:
    """Time and check one network; return whether its census checks and its target passed."""
    weights = load_pretrained(delay).weights
    truth = find_fixed_points(weights, rng=0, **REFERENCE_SETTINGS)  # also the warm-up
    find_fixed_points(weights, rng=0)
    if truth.summary() != EXPECTED[delay]:
        raise SystemExit(f"Δt = {delay}: the reference search found {truth.summary()}, expected {EXPECTED[delay]}")
    print(f"\nΔt = {delay}: {len(truth)} points, census {truth.summary()} (reference search, rng=0)")
    new_wall, new_cpu, ref_wall, ref_cpu, n_ok, ref_missed = [], [], [], [], 0, []
    for seed in range(repeats):
        res, wall, cpu = _timed(weights, seed, {})
        new_wall.append(wall)
        new_cpu.append(cpu)
        ref, wall, cpu = _timed(weights, seed, REFERENCE_SETTINGS)
        ref_wall.append(wall)
        ref_cpu.append(cpu)
        ok = res.summary() == EXPECTED[delay] and _same_points(res, truth)
        n_ok += ok
        if not (ref.summary() == EXPECTED[delay] and _same_points(ref, truth)):
            ref_missed.append(f"rng={seed}: {ref.summary()}")
        print(
            f"  rng={seed:2d}  new defaults: {len(res)} points {res.summary()} "
            f"{'ok' if ok else 'WRONG'}  seeds per round {res.n_seeds}  {new_wall[-1] * 1e3:6.1f} ms"
        )
    speedup = statistics.median(ref_wall) / statistics.median(new_wall)
    implied = speedup * FPF_OVER_REFERENCE[delay]
    met = implied >= TARGET
    print(
        f"  census: new defaults {n_ok}/{repeats} exact, reference settings {repeats - len(ref_missed)}/{repeats}"
        + (f" (not for {'; '.join(ref_missed)})" if ref_missed else "")
    )
    print(
        f"  wall median: new {statistics.median(new_wall) * 1e3:.1f} ms, reference "
        f"{statistics.median(ref_wall) * 1e3:.1f} ms; CPU median: new {statistics.median(new_cpu) * 1e3:.1f} ms, "
        f"reference {statistics.median(ref_cpu) * 1e3:.1f} ms"
    )
    print(
        f"  speed-up {speedup:.2f}x (CPU {statistics.median(ref_cpu) / statistics.median(new_cpu):.2f}x); "
        f"implied vs FixedPointFinder {implied:.1f}x (= {speedup:.2f} x {FPF_OVER_REFERENCE[delay]}); "
        f"target >= {TARGET:.0f}x: {'met' if met else 'NOT met'}"
    )
    return met and n_ok == repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="rng seeds, each timed once with both settings")
    args = parser.parse_args()
    print("fixed-point search, 1 thread: new defaults vs REFERENCE_SETTINGS, interleaved, one call each per rng seed")
    with threadpool_limits(1):
        passed = [bench(delay, args.repeats) for delay in (0, 8)]
    print("\nall checks and targets met" if all(passed) else "\nSOME CHECK OR TARGET FAILED")
    if not all(passed):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
