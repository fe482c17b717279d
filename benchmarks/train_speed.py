"""Steps and wall seconds to reach the accuracy criterion, median over seeds.

Run alone: two processes at once on a 2-core machine slow each other down
about 2.7x. Each run uses one thread and includes the held-out checks and the
confirmation on a fresh 100 000-step stream.

    python benchmarks/train_speed.py                 # both modes, delays 0 and 8, seeds 0-2
    python benchmarks/train_speed.py --modes bptt    # fast mode only
"""

from __future__ import annotations

import argparse
import statistics

from rnnmem_helpers import TaskConfig, TrainConfig, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delays", type=int, nargs="+", default=[0, 8])
    parser.add_argument("--modes", nargs="+", default=["bptt", "tbptt"], choices=["bptt", "tbptt"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--max-steps", type=int, default=20_000)
    args = parser.parse_args()
    print(f"{'mode':6} {'delay':>5} {'seed':>4} {'conv':>5} {'steps':>6} {'seconds':>8} {'fresh acc':>9}")
    for mode in args.modes:
        for delay in args.delays:
            rows = []
            for seed in args.seeds:
                cfg = TrainConfig(mode=mode, max_steps=args.max_steps)
                res = train(TaskConfig(delay=delay), config=cfg, rng=seed, progress=False)
                rows.append(res)
                print(
                    f"{mode:6} {delay:5d} {seed:4d} {str(res.converged):>5} {res.steps:6d} "
                    f"{res.seconds:8.1f} {res.test.accuracy:9.4%}"
                )
            n_ok = sum(r.converged for r in rows)
            print(
                f"{mode:6} {delay:5d} median: {statistics.median(r.steps for r in rows):.0f} steps, "
                f"{statistics.median(r.seconds for r in rows):.1f} s; converged {n_ok}/{len(rows)}"
            )


if __name__ == "__main__":
    main()
