"""Time the fixed-point search on the shipped Δt = 0 network, on one thread.

The goal is at most 0.3 s from the call to the refined, classified 27 points
with their Jacobians and eigenvalues (anchor: FixedPointFinder's PyTorch
version took 3.0 s for the same job). Run with::

    python benchmarks/fixed_points_speed.py [--n-initial 1024] [--repeats 5]

It prints the median and best wall time, and the median CPU time (which
other processes on a busy machine disturb less), of the whole
:func:`~rnnmem_helpers.fixed_points.find_fixed_points` call (seed sampling,
both rounds of Newton, deduplication, Jacobians and eigenvalues), the
number of seeds per round, and the summary, which must read
``{0: 8, 1: 12, 2: 6, 3: 1}``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from threadpoolctl import threadpool_limits

from rnnmem_helpers.checkpoints import load_pretrained
from rnnmem_helpers.fixed_points import find_fixed_points

GOAL_SECONDS = 0.3
EXPECTED = {0: 8, 1: 12, 2: 6, 3: 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-initial", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    weights = load_pretrained(0).weights
    times, cpu_times = [], []
    with threadpool_limits(1):
        find_fixed_points(weights, n_initial=args.n_initial)  # warm-up: imports, BLAS initialisation
        for i in range(args.repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            res = find_fixed_points(weights, n_initial=args.n_initial, rng=i)
            times.append(time.perf_counter() - t0)
            cpu_times.append(time.process_time() - c0)
            if res.summary() != EXPECTED:
                raise SystemExit(f"repeat {i}: found {res.summary()}, expected {EXPECTED}")
    median = statistics.median(times)
    print(f"shipped delay-0 network, N={weights.n_hidden}, {args.n_initial} initial states, 1 thread")
    print(f"seeds per round: {res.n_seeds}; points: {len(res)}; summary: {res.summary()}; max q: {res.q.max():.1e}")
    print(
        f"wall: median {median:.3f} s, best {min(times):.3f} s; CPU: median {statistics.median(cpu_times):.3f} s; "
        f"{args.repeats} repeats (goal {GOAL_SECONDS} s)"
    )
    print("met" if median <= GOAL_SECONDS else f"missed by {median - GOAL_SECONDS:.3f} s")


if __name__ == "__main__":
    main()
