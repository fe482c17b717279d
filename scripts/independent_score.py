"""Score stored networks with numpy alone, as a referee would: no rnnmem_helpers import.

    python scripts/independent_score.py RESULT.json [RESULT.json ...] [--tolerance 0.001]

For each result file it loads the weights file the result names (``np.load``
with ``allow_pickle=False``; the SHA-256 is checked against the result), reads
the task from the checkpoint's JSON metadata, and draws the result's test
stream from its documented recipe alone: ``numpy.random.default_rng(seed +
1_000_003)``, then per step a uniform draw below ``1/λ`` marks a pulse (over
all channels, each pulse on a uniformly drawn channel, or per channel), with
a sign drawn uniformly from ±1, in the draw order the README documents. It
runs ``s(t) = tanh(W s(t-1) + W_in x(t))``, ``y = tanh(W_out s)`` from the
zero state in float64, scores the sign of ``y`` against the delayed target
wherever one is defined, and prints the recorded and the independent
accuracy. They agree within ``--tolerance`` (1e-3: the package simulates in
float32, so an output on the sign boundary may round the other way). The
test stream is not the one training's criterion was checked on, so a
converged network may score below its criterion here (errors come in bursts;
one stream can miss the median over streams by a few tenths of a percent).
Exit 1 if any network disagrees.

Only streams of at most 100 000 steps are drawn in one chunk, as every
shipped result's test stream is.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

#: The offset of a run's test stream seed from the run's seed, as documented.
TEST_SEED_OFFSET = 1_000_003


def draw_stream(n_bits: int, mean_interval: float, rate_scope: str, n_time: int, rng) -> np.ndarray:
    """Pulse trains of shape (n_time, n_bits): ±1 at the pulse times, 0 elsewhere, in the documented draw order."""
    x = np.zeros((n_time, n_bits))
    if rate_scope == "all":
        times = np.flatnonzero(rng.random((1, n_time))[0] < 1.0 / mean_interval)
        channels = rng.integers(0, n_bits, size=times.size)
        x[times, channels] = rng.choice(np.array([-1.0, 1.0]), size=times.size)
    else:
        fire = rng.random((n_time, n_bits)) < 1.0 / mean_interval
        signs = rng.choice(np.array([-1.0, 1.0]), size=(n_time, n_bits))
        x[fire] = signs[fire]
    return x


def delayed_target(x: np.ndarray, delay: int) -> np.ndarray:
    """Sign of the last pulse at or before t - delay on each channel; 0 where there is none."""
    held = np.zeros_like(x)
    last = np.zeros(x.shape[1])
    for t in range(x.shape[0]):
        last = np.where(x[t] != 0, x[t], last)
        held[t] = last
    target = np.zeros_like(x)
    target[delay:] = held[: x.shape[0] - delay]
    return target


def score(weights: dict, x: np.ndarray, delay: int) -> float:
    """Fraction of defined (time, channel) targets whose sign the network's output matches."""
    W, W_in, W_out = (weights[k].astype(np.float64) for k in ("W", "W_in", "W_out"))
    s = np.zeros(W.shape[0])
    y = np.empty_like(x)
    for t in range(x.shape[0]):
        s = np.tanh(W @ s + W_in @ x[t])
        y[t] = np.tanh(W_out @ s)
    target = delayed_target(x, delay)
    valid = target != 0
    return float((np.sign(y[valid]) == target[valid]).mean())


def check(result_path: Path, tolerance: float) -> bool:
    """Score one result's network; print one line; return whether it agrees with the record."""
    result = json.loads(result_path.read_text(encoding="utf-8"))
    records = [r["weights"] for r in result["rungs"]] if "rungs" in result else [result["weights"]]
    record = records[0]
    path = result_path.parent / record["file"]
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != record["sha256"]:
        print(f"{result_path.name}: {record['file']} does not match its recorded SHA-256")
        return False
    with np.load(path, allow_pickle=False) as npz:
        weights = {k: npz[k] for k in ("W", "W_in", "W_out")}
        meta = json.loads(str(npz["metadata"][()]))
    task = meta["task"]
    steps = result["config"].get("test_steps", 100_000)
    rng = np.random.default_rng(meta["seed"] + TEST_SEED_OFFSET)
    x = draw_stream(task["n_bits"], task["mean_interval"], task["rate_scope"], steps, rng)
    mine = score(weights, x, task["delay"])
    recorded = result["rungs"][0]["accuracy"] if "rungs" in result else result["accuracy"]
    converged = result["rungs"][0]["converged"] if "rungs" in result else result["converged"]
    ok = abs(mine - recorded) <= tolerance
    print(
        f"{result_path.name}: delay {task['delay']}, N = {weights['W'].shape[0]}, converged {converged}; "
        f"recorded {recorded:.4f}, independent {mine:.4f}: {'agrees' if ok else 'DISAGREES'}"
    )
    return ok


class _Parser(argparse.ArgumentParser):
    """Errors in one line, ``PROG: error: MESSAGE``, with exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {' '.join(message.splitlines())}\n")


def main(argv=None) -> int:
    parser = _Parser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, nargs="+", help="result files (KEY.json) with their weights/ beside")
    parser.add_argument("--tolerance", type=float, default=1e-3, help="largest accuracy difference that agrees")
    args = parser.parse_args(argv)
    if not 0 < args.tolerance < 1:
        parser.error(f"argument --tolerance: must be in (0, 1), got {args.tolerance}")
    for path in args.results:
        if not path.is_file():
            parser.error(f"argument results: {str(path)!r} is not a file")
    ok = [check(p, args.tolerance) for p in args.results]
    print(f"{sum(ok)}/{len(ok)} networks agree with their records")
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
