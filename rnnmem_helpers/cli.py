"""Command line: ``python -m rnnmem_helpers {train,evaluate} ...``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
from pathlib import Path

from . import __version__
from .checkpoints import CheckpointError, load_checkpoint, save_checkpoint
from .metrics import DEFAULT_TEST_STEPS, evaluate
from .model import ModelConfig
from .task import RATE_SCOPES, TaskConfig
from .train import MODES, TrainConfig, train

_TRAIN_DEFAULTS = TrainConfig()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rnnmem_helpers",
        description="Train and evaluate tanh RNNs on the delayed 3-bit flip-flop task.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    tr = sub.add_parser("train", help="train a network and save a checkpoint (.npz)")
    tr.add_argument("--delay", type=int, default=0, help="output delay Δt in steps, >= 0 (default 0)")
    tr.add_argument("--seed", type=int, default=0, help="seed for weights and data, >= 0 (default 0)")
    tr.add_argument("--out", type=Path, required=True, help="where to write the checkpoint (.npz)")
    tr.add_argument(
        "--mean-interval", type=float, default=50.0, help="the paper's λ: mean steps between pulses, > 1 (default 50)"
    )
    tr.add_argument(
        "--rate-scope", choices=RATE_SCOPES, default="all", help="λ counted over all channels or per channel"
    )
    tr.add_argument("--n-hidden", type=int, default=100, help="number of recurrent units N (default 100)")
    tr.add_argument(
        "--mode",
        choices=MODES,
        default=_TRAIN_DEFAULTS.mode,
        help="bptt: full BPTT on 100-step sequences (fast); tbptt: the paper's 10-step truncation",
    )
    tr.add_argument("--max-steps", type=int, default=_TRAIN_DEFAULTS.max_steps, help="cap on Adam updates")
    tr.add_argument(
        "--target-accuracy",
        type=float,
        default=_TRAIN_DEFAULTS.target_accuracy,
        help="stop once held-out and fresh-stream accuracy reach this, in [0, 1]",
    )
    tr.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    ev = sub.add_parser("evaluate", help="score a checkpoint on a fresh test stream")
    ev.add_argument("path", type=Path, help="checkpoint file (.npz)")
    ev.add_argument("--steps", type=int, default=DEFAULT_TEST_STEPS, help="length of the test stream")
    ev.add_argument("--seed", type=int, default=12345, help="seed of the test stream, >= 0")
    sw = sub.add_parser("sweep", help="run a grid of training runs on Dask (resumable)")
    sw.add_argument("config", type=Path, help="sweep config (.json), see rnnmem_helpers.sweep")
    sw.add_argument(
        "--out",
        type=Path,
        help='folder for result files (default: the config\'s "results" entry, relative to the config file, '
        "else a folder next to the config named after it)",
    )
    sw.add_argument("--scheduler", help="address of an existing Dask scheduler (default: a LocalCluster here)")
    sw.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes, one thread each (default 2)")
    sw.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def canonical_train_command(args: argparse.Namespace) -> str:
    """The train command with every setting spelled out, as stored in checkpoints."""
    parts = [
        "python -m rnnmem_helpers train",
        f"--delay {args.delay}",
        f"--seed {args.seed}",
        f"--mean-interval {args.mean_interval!r}",
        f"--rate-scope {args.rate_scope}",
        f"--n-hidden {args.n_hidden}",
        f"--mode {args.mode}",
        f"--max-steps {args.max_steps}",
        f"--target-accuracy {args.target_accuracy!r}",
        f"--out {shlex.quote(str(args.out))}",
    ]
    return " ".join(parts)


def _train(args, parser) -> int:
    try:
        task = TaskConfig(delay=args.delay, mean_interval=args.mean_interval, rate_scope=args.rate_scope)
        model = ModelConfig(n_hidden=args.n_hidden, n_bits=task.n_bits)
        config = dataclasses.replace(
            _TRAIN_DEFAULTS, mode=args.mode, max_steps=args.max_steps, target_accuracy=args.target_accuracy
        )
        if args.seed < 0:
            raise ValueError(f"--seed must be an integer >= 0, got {args.seed}")
    except (TypeError, ValueError) as exc:
        parser.error(str(exc))
    if args.out.suffix != ".npz" or not args.out.parent.is_dir():
        parser.error(f"--out must be a .npz path in an existing folder, got {str(args.out)!r}")
    result = train(task, model, config, seed=args.seed, progress=not args.no_progress)
    metadata = {
        "task": dataclasses.asdict(task),
        "model": dataclasses.asdict(model),
        "train": dataclasses.asdict(config),
        "seed": args.seed,
        "converged": result.converged,
        "steps": result.steps,
        "seconds": round(result.seconds, 2),
        "test": dataclasses.asdict(result.test),
        "version": __version__,
        "command": canonical_train_command(args),
    }
    save_checkpoint(args.out, result.weights, metadata)
    status = "converged" if result.converged else "did NOT reach the target"
    print(
        f"{status} after {result.steps} steps ({result.seconds:.1f} s); "
        f"accuracy on a fresh {result.test.n_time}-step stream: {result.test.accuracy:.4%}; "
        f"wrong flips: {result.test.wrong_flips}; saved {args.out}"
    )
    return 0


def _evaluate(args, parser) -> int:
    if args.steps < 2 or args.seed < 0:
        parser.error("--steps must be >= 2 and --seed >= 0")
    try:
        ckpt = load_checkpoint(args.path)
    except (FileNotFoundError, CheckpointError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        res = evaluate(ckpt.weights, ckpt.task, n_time=args.steps, rng=args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    per = ", ".join(f"{a:.4%}" for a in res.per_channel)
    print(
        f"{args.path}: delay {ckpt.task.delay}, N={ckpt.weights.n_hidden}; "
        f"accuracy {res.accuracy:.4%} on {res.n_time} steps ({res.n_pulses} pulses); "
        f"per channel {per}; wrong flips {res.wrong_flips}"
    )
    return 0


def _sweep(args, parser) -> int:
    from .sweep import expand_grid, run_sweep

    try:
        config = json.loads(args.config.read_text(encoding="utf-8"))
        n_runs = len(expand_grid(config))
    except FileNotFoundError:
        parser.error(f"no sweep config at {str(args.config)!r}")
    except (json.JSONDecodeError, TypeError, ValueError) as exc:
        parser.error(f"bad sweep config {str(args.config)!r}: {exc}")
    if args.workers < 1:
        parser.error(f"--workers must be an integer >= 1, got {args.workers}")
    if args.out is not None:
        out = args.out
    elif "results" in config:
        out = args.config.parent / config["results"]
    else:
        out = args.config.with_suffix("")
    results = run_sweep(config, out, scheduler=args.scheduler, n_workers=args.workers, progress=not args.no_progress)
    n_ok = sum(r["result"]["converged"] for r in results)
    print(f"{len(results)}/{n_runs} runs finished in {out}; {n_ok} reached the target accuracy")
    return 0


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = {"train": _train, "evaluate": _evaluate, "sweep": _sweep}[args.command]
    return handler(args, parser)
