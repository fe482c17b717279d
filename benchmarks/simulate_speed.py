"""Time the test-stream simulation on one thread.

The brief is that :func:`rnnmem_helpers.analyses.analysis.run_test` on 100 000 steps
takes at most 2 s on one core. Run with::

    python benchmarks/simulate_speed.py [--n-time 100000] [--repeats 3]

It prints the best and median wall time of ``simulate`` alone, of
``make_stream`` alone and of the whole ``run_test``, plus the per-step cost.
A random network stands in when no checkpoint is shipped, because the cost
does not depend on the weight values.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from rnnmem_helpers.analyses.analysis import run_test
from rnnmem_helpers.core.checkpoints import available_pretrained, load_pretrained
from rnnmem_helpers.core.init import init_weights
from rnnmem_helpers.core.metrics import DEFAULT_TEST_STEPS
from rnnmem_helpers.core.model import ModelConfig, simulate
from rnnmem_helpers.core.task import TaskConfig, make_stream

BUDGET_SECONDS = 2.0


def _timed(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-time", type=int, default=DEFAULT_TEST_STEPS)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    if available_pretrained():
        ckpt = load_pretrained(*available_pretrained()[0])
        weights, task, source = ckpt.weights, ckpt.task, f"checkpoint delay={ckpt.delay}"
    else:
        weights, task, source = init_weights(ModelConfig(), rng=0), TaskConfig(), "random init"
    stream = make_stream(task, args.n_time, rng=np.random.default_rng(0))

    with threadpool_limits(1):
        rows = {
            "make_stream": _timed(lambda: make_stream(task, args.n_time, rng=np.random.default_rng(1)), args.repeats),
            "simulate": _timed(lambda: simulate(weights, stream.inputs), args.repeats),
            "run_test": _timed(lambda: run_test(weights, task, n_time=args.n_time, rng=2), args.repeats),
        }
    print(f"network: {source}, N={weights.n_hidden}, n_time={args.n_time}, 1 thread, {args.repeats} repeats")
    for name, times in rows.items():
        best, med = min(times), statistics.median(times)
        print(f"{name:12s} best {best:6.3f} s  median {med:6.3f} s  ({1e6 * best / args.n_time:5.2f} us/step)")
    best_run = min(rows["run_test"])
    verdict = "within" if best_run <= BUDGET_SECONDS else "OVER"
    print(f"run_test best {best_run:.3f} s: {verdict} the {BUDGET_SECONDS:.1f} s budget")


if __name__ == "__main__":
    main()
