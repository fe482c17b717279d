"""Command line: ``python -m rnnmem_helpers {train,evaluate,sweep,construct} ...``.

A user error (a bad flag value, a missing, unreadable or corrupt file, an
unwritable ``--out``, a name longer than the filesystem allows, a size this
machine has not the memory or the disk space for) is reported before any work
starts as one line on stderr, ``PROG: error: ...``, naming the flag or file
and what is allowed, with exit code 2; never as a traceback. A checkpoint
that cannot be written at the end (the disk filled up meanwhile) is the same
one line, and nothing is left of it on disk.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
import shutil
import tempfile
from pathlib import Path

from ..core._io import check_path_length, read_json_file
from ..core._version import __version__
from ..core.checkpoints import CheckpointError, expected_checkpoint_bytes, load_checkpoint, save_checkpoint
from ..core.construct import DEFAULT_GAIN, W_IN_SEED, design_delay_network, max_constructible_delay
from ..core.metrics import DEFAULT_TEST_STEPS, EVAL_CHUNK_STEPS, SIMULATION_BYTES, check_weights_and_task, evaluate
from ..core.model import ModelConfig, RNNWeights
from ..core.task import RATE_SCOPES, TaskConfig
from ..core.train import MODES, TRAINING_SETTINGS, TrainConfig, check_streams, train

# Option defaults come from the config dataclasses, the one place each is defined.
_TASK_DEFAULTS = TaskConfig()
_MODEL_DEFAULTS = ModelConfig()
_TRAIN_DEFAULTS = TrainConfig()
# A 100-unit network runs 1-2 x 10^5 steps a second: 10^8 steps take 10-15 minutes, 10^9 would take hours.
MAX_EVAL_STEPS = 10**8
#: Largest ``construct --gain``: tanh saturates far below it (the least workable gain is 3.8 to 5.8 at N = 100),
#: and a gain near float32's range (3.4e38) overflows the stored weights.
MAX_GAIN = 1e6
#: Seed of the fresh test stream that ``construct`` scores a hand-built network on (recorded in its metadata).
CONSTRUCT_TEST_SEED = 2024
#: Largest ``construct --n-hidden``. Building takes milliseconds at any N, but scoring simulates the dense W on
#: 100 000 steps of N² multiply-adds each: measured on a 2-core machine, 11 s at N = 1024, 27 s at 1536, and
#: 2.5 min at 2048, where W (8 N² bytes) no longer fits in the CPU cache; under load 2048 took over 15 minutes.
MAX_CONSTRUCT_HIDDEN = 1024
# Memory an evaluation needs besides the simulated states: one chunk's stream, targets and outputs.
_EVAL_STREAM_BYTES = 2**26
# Config fields as spelled on the command line, so an error names the flag the user typed.
_FLAGS = {
    "delay": "--delay",
    "mean_interval": "--mean-interval",
    "rate_scope": "--rate-scope",
    "n_hidden": "--n-hidden",
    "mode": "--mode",
    "max_steps": "--max-steps",
    "target_accuracy": "--target-accuracy",
    "gain": "--gain",
    **{name: "--" + name.replace("_", "-") for name in TRAINING_SETTINGS},
}
# What each training setting means, for its --help.
_TRAINING_HELP = {
    "lr": "Adam's learning rate, in (0, 1]",
    "batch_size": "sequences per update, in [1, 4096]",
    "seq_len": "length of each bptt sequence, >= 2",
    "tbptt_len": "truncation window of tbptt, >= 1",
    "stream_len": "steps before a tbptt stream restarts from zero, >= --tbptt-len",
    "clip_norm": "gradient-norm clip, > 0",
    "eval_every": "updates between held-out evaluations, >= 1",
    "eval_steps": "length of the held-out stream, >= 100",
    "confirm_steps": "length of the fresh stream that confirms a pass, >= 100",
}


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, ``PROG: error: MESSAGE``, without the usage block."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {' '.join(message.splitlines())}\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m rnnmem_helpers``; its subcommands' errors are one line too."""
    parser = _Parser(
        prog="python -m rnnmem_helpers",
        description="Train and evaluate tanh RNNs on the delayed 3-bit flip-flop task.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    tr = sub.add_parser("train", help="train a network and save a checkpoint (.npz)")
    tr.add_argument(
        "--delay",
        type=int,
        default=_TASK_DEFAULTS.delay,
        help=f"output delay Δt in steps, >= 0 (default {_TASK_DEFAULTS.delay})",
    )
    tr.add_argument("--seed", type=int, default=0, help="seed for weights and data, >= 0 (default 0)")
    tr.add_argument("--out", type=Path, required=True, help="where to write the checkpoint (.npz)")
    tr.add_argument(
        "--mean-interval",
        type=float,
        default=_TASK_DEFAULTS.mean_interval,
        help=f"the paper's λ: mean steps between pulses, > 1 (default {_TASK_DEFAULTS.mean_interval:g})",
    )
    tr.add_argument(
        "--rate-scope",
        choices=RATE_SCOPES,
        default=_TASK_DEFAULTS.rate_scope,
        help=f"λ counted over all channels or per channel (default {_TASK_DEFAULTS.rate_scope})",
    )
    tr.add_argument(
        "--n-hidden",
        type=int,
        default=_MODEL_DEFAULTS.n_hidden,
        help=f"number of recurrent units N (default {_MODEL_DEFAULTS.n_hidden})",
    )
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
    for name in TRAINING_SETTINGS:
        default = getattr(_TRAIN_DEFAULTS, name)
        tr.add_argument(
            _FLAGS[name], type=type(default), default=default, help=f"{_TRAINING_HELP[name]} (default {default:g})"
        )
    tr.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    ev = sub.add_parser("evaluate", help="score a checkpoint on a fresh test stream")
    ev.add_argument("path", type=Path, help="checkpoint file (.npz)")
    ev.add_argument(
        "--steps",
        type=int,
        default=DEFAULT_TEST_STEPS,
        help=f"length of the test stream, in [delay + 2, {MAX_EVAL_STEPS}] (default {DEFAULT_TEST_STEPS})",
    )
    ev.add_argument("--seed", type=int, default=12345, help="seed of the test stream, >= 0 (default 12345)")
    ev.add_argument("--no-progress", action="store_true", help="hide the progress bar of long evaluations")
    sw = sub.add_parser("sweep", help="run a grid of training runs on Dask (resumable)")
    sw.add_argument("config", type=Path, help="sweep config (.json), see rnnmem_helpers.experiments.sweep")
    sw.add_argument(
        "--out",
        type=Path,
        help='folder for result files (default: the config\'s "results" entry, relative to the config file, '
        "else a folder next to the config named after it)",
    )
    sw.add_argument(
        "--scheduler", help="address tcp://HOST:PORT of an existing Dask scheduler (default: a LocalCluster here)"
    )
    sw.add_argument(
        "--workers", type=int, default=2, help="LocalCluster worker processes, one thread each, in [1, 64] (default 2)"
    )
    sw.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    co = sub.add_parser(
        "construct",
        help="build a delayed flip-flop network by hand (no training), score it and save a checkpoint (.npz)",
    )
    co.add_argument(
        "--delay",
        type=int,
        required=True,
        help="output delay Δt in steps, in [0, N // 3 - 1] (32 for N = 100)",
    )
    co.add_argument("--out", type=Path, required=True, help="where to write the checkpoint (.npz)")
    co.add_argument(
        "--n-hidden",
        type=int,
        default=_MODEL_DEFAULTS.n_hidden,
        help=f"number of recurrent units N, in [6, {MAX_CONSTRUCT_HIDDEN}] (default {_MODEL_DEFAULTS.n_hidden})",
    )
    co.add_argument(
        "--gain",
        type=float,
        default=DEFAULT_GAIN,
        help=f"self-excitation, copy and readout gain, at least the design's minimum (default {DEFAULT_GAIN:g})",
    )
    re = sub.add_parser(
        "reanalyse",
        help="recompute every result in a folder from its stored weights and report what differs (exit 1 if any)",
    )
    re.add_argument("folder", type=Path, help="a results folder, as a sweep writes it (KEY.json and weights/)")
    re.add_argument("--quiet", action="store_true", help="print only the summary")
    # Checks made after parsing report through the subcommand's parser, so their errors name it as argparse's do.
    for command_parser in (tr, ev, sw, co, re):
        command_parser.set_defaults(command_parser=command_parser)
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
        *(f"{_FLAGS[name]} {getattr(args, name)!r}" for name in TRAINING_SETTINGS),
        f"--out {shlex.quote(str(args.out))}",
    ]
    return " ".join(parts)


def canonical_construct_command(args: argparse.Namespace) -> str:
    """The construct command with every setting spelled out, as stored in checkpoints."""
    parts = [
        "python -m rnnmem_helpers construct",
        f"--delay {args.delay}",
        f"--n-hidden {args.n_hidden}",
        f"--gain {args.gain!r}",
        f"--out {shlex.quote(str(args.out))}",
    ]
    return " ".join(parts)


def check_out_path(
    path: Path, *, n_hidden: int = _MODEL_DEFAULTS.n_hidden, n_bits: int = _MODEL_DEFAULTS.n_bits
) -> None:
    """Check, before any work, that a checkpoint can be written at ``path`` (``--out`` of ``train``, ``construct``).

    Parameters
    ----------
    path : Path
        Must end in ``.npz``, fit the filesystem's name limits and not be a
        directory; its folder must exist, accept a new file and have room for
        a checkpoint of this size (:func:`~rnnmem_helpers.core.checkpoints.expected_checkpoint_bytes`).
    n_hidden, n_bits : int
        Size of the network to be saved (default: the default network's).

    Raises
    ------
    ValueError
        Naming ``--out`` and what is allowed, if ``path`` fails a check.

    Notes
    -----
    Writability is tested by creating a file in the folder and removing it at
    once, because permission bits do not tell: root writes into read-only
    folders, and file systems such as /proc refuse writes whatever they say.
    """
    check_path_length(path, what="argument --out")
    if path.suffix != ".npz":
        raise ValueError(f"argument --out: must be a path ending in .npz, got {str(path)!r}")
    if path.is_dir():
        raise ValueError(f"argument --out: {str(path)!r} is a directory; give a .npz file path")
    folder = path.parent
    if not folder.is_dir():
        raise ValueError(f"argument --out: {str(folder)!r} is not an existing folder; give a .npz path in one")
    try:
        # A short name: the probe must not fail where a valid name near the length limit would not.
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".rnnmem-probe-")
    except OSError as exc:
        raise ValueError(
            f"argument --out: cannot write in folder {str(folder)!r} ({exc.strerror}); give a path in a writable folder"
        ) from exc
    os.close(fd)
    os.unlink(probe)
    need = expected_checkpoint_bytes(n_hidden, n_bits)
    free = shutil.disk_usage(folder).free
    if free < need:
        raise ValueError(
            f"argument --out: the checkpoint needs about {need} bytes but the filesystem of {str(folder)!r} has "
            f"{free} free; free some space or give a path on another filesystem"
        )


def available_memory() -> int | None:
    """Bytes of memory this process can still allocate without swapping, or None where the system does not tell.

    ``MemAvailable`` of ``/proc/meminfo`` (Linux), else the free physical pages.
    """
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def evaluation_memory_bytes(n_hidden: int) -> int:
    """Upper estimate of the memory :func:`~rnnmem_helpers.core.metrics.evaluate` uses on ``n_hidden`` units.

    The simulated states and pre-activations of one chunk (16 N bytes a
    step), at most :data:`~rnnmem_helpers.core.metrics.SIMULATION_BYTES`, and the
    chunk's stream, targets and outputs.
    """
    return min(SIMULATION_BYTES, 16 * n_hidden * EVAL_CHUNK_STEPS) + _EVAL_STREAM_BYTES


def construct_memory_bytes(n_hidden: int) -> int:
    """Upper estimate of the memory ``construct`` uses at ``n_hidden`` units.

    The N × N matrices that exist at once (the design's W and its copy in
    RNNWeights, float64; the float32 copies scored and saved; the float64
    copy in RNNWeights of the one scored) take under 40 N² bytes; then the
    evaluation (:func:`evaluation_memory_bytes`).
    """
    return 40 * n_hidden**2 + evaluation_memory_bytes(n_hidden)


def train_memory_bytes(model: ModelConfig, config: TrainConfig) -> int:
    """Upper estimate of the memory ``train`` uses.

    Each update holds about five float32 arrays of batch × window × N (the
    states, drive and gradients of :func:`~rnnmem_helpers.core.train.loss_and_grads`;
    the window is ``seq_len`` for bptt, ``tbptt_len`` for tbptt) and the
    inputs, targets and mask of the batch's sequences (``seq_len``, or
    ``stream_len`` for tbptt); then W, Adam's moments and their copies (under
    40 N² bytes) and the evaluations (:func:`evaluation_memory_bytes`).
    """
    n, k, b = model.n_hidden, model.n_bits, config.batch_size
    window = config.seq_len if config.mode == "bptt" else config.tbptt_len
    stream = config.seq_len if config.mode == "bptt" else config.stream_len
    return 24 * b * window * n + 64 * b * stream * k + 40 * n**2 + evaluation_memory_bytes(n)


def _save(parser, path: Path, weights: RNNWeights, metadata: dict) -> None:
    """Save the checkpoint, or report in one line why it could not be written (its temporary file is gone)."""
    try:
        save_checkpoint(path, weights, metadata)
    except OSError as exc:
        parser.error(
            f"argument --out: could not write {str(path)!r} ({exc.strerror or exc}); nothing was written there"
        )


def _config_error(parser, exc: Exception):
    """Report a config check's error under the flag it came from."""
    name, _, rest = str(exc).partition(" ")
    if name in _FLAGS:
        parser.error(f"argument {_FLAGS[name]}: {rest}")
    parser.error(str(exc))


def _train(args, parser) -> int:
    try:
        task = TaskConfig(delay=args.delay, mean_interval=args.mean_interval, rate_scope=args.rate_scope)
        model = ModelConfig(n_hidden=args.n_hidden, n_bits=task.n_bits)
        config = dataclasses.replace(
            _TRAIN_DEFAULTS,
            mode=args.mode,
            max_steps=args.max_steps,
            target_accuracy=args.target_accuracy,
            **{name: getattr(args, name) for name in TRAINING_SETTINGS},
        )
        check_streams(task, config)
    except (TypeError, ValueError) as exc:
        _config_error(parser, exc)
    if args.seed < 0:
        parser.error(f"argument --seed: must be an integer >= 0, got {args.seed}")
    need, available = train_memory_bytes(model, config), available_memory()
    if available is not None and need > available:
        lengths = ("seq_len",) if config.mode == "bptt" else ("tbptt_len", "stream_len")
        given = ", ".join(f"{_FLAGS[name]} {getattr(config, name)}" for name in ("batch_size", *lengths))
        parser.error(
            f"argument --batch-size: training with {given} and --n-hidden {model.n_hidden} needs about "
            f"{need / 2**30:.2f} GiB of memory and this machine has {available / 2**30:.2f} GiB available; lower "
            f"{', '.join(_FLAGS[name] for name in ('batch_size', *lengths))} or --n-hidden"
        )
    try:
        check_out_path(args.out, n_hidden=model.n_hidden, n_bits=model.n_bits)
    except ValueError as exc:
        parser.error(str(exc))
    result = train(task, model, config, rng=args.seed, progress=not args.no_progress)
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
    _save(parser, args.out, result.weights, metadata)
    status = "converged" if result.converged else "did NOT reach the target"
    print(
        f"{status} after {result.steps} steps ({result.seconds:.1f} s); "
        f"accuracy on a fresh {result.test.n_time}-step stream: {result.test.accuracy:.4%}; "
        f"wrong flips: {result.test.wrong_flips}; saved {args.out}"
    )
    return 0


def _evaluate(args, parser) -> int:
    if not 2 <= args.steps <= MAX_EVAL_STEPS:
        parser.error(
            f"argument --steps: must be an integer in [delay + 2, {MAX_EVAL_STEPS}], where delay is the "
            f"checkpoint's output delay, got {args.steps}"
        )
    if args.seed < 0:
        parser.error(f"argument --seed: must be an integer >= 0, got {args.seed}")
    path = args.path
    try:
        check_path_length(path, what="argument path")
    except ValueError as exc:
        parser.error(str(exc))
    if path.is_dir():
        parser.error(f"argument path: {str(path)!r} is a directory, not a checkpoint file (.npz)")
    if not path.exists():
        parser.error(f"argument path: no checkpoint file at {str(path)!r}")
    try:
        ckpt = load_checkpoint(path)
        task = ckpt.task
        check_weights_and_task(ckpt.weights, task)
    except CheckpointError as exc:
        # load_checkpoint's own message names the file and the field at fault.
        parser.error(f"argument path: {exc}")
    except (ValueError, TypeError, KeyError, OSError):
        parser.error(
            f"argument path: {str(path)!r} is not a readable rnnmem checkpoint (.npz written by train or construct)"
        )
    if args.steps < task.delay + 2:
        parser.error(
            f"argument --steps: must be an integer in [{task.delay + 2}, {MAX_EVAL_STEPS}] for this checkpoint "
            f"(delay {task.delay}), got {args.steps}"
        )
    progress = args.steps > EVAL_CHUNK_STEPS and not args.no_progress
    try:
        res = evaluate(ckpt.weights, task, n_time=args.steps, rng=args.seed, progress=progress)
    except ValueError:
        # Every input was checked above; what is left is a stream too short to hold a scorable target.
        parser.error(
            f"argument --steps: no pulse arrives in the first {args.steps - task.delay} of the {args.steps} steps "
            f"of the --seed {args.seed} stream, so nothing can be scored; use more --steps"
        )
    per = ", ".join(f"{a:.4%}" for a in res.per_channel)
    print(
        f"{path}: delay {task.delay}, N={ckpt.weights.n_hidden}; "
        f"accuracy {res.accuracy:.4%} on {res.n_time} steps ({res.n_pulses} pulses); "
        f"per channel {per}; wrong flips {res.wrong_flips}"
    )
    return 0


def _construct(args, parser) -> int:
    n_bits = _TASK_DEFAULTS.n_bits
    # Sizes below the least are refused below by the construction, which says why.
    if args.n_hidden > MAX_CONSTRUCT_HIDDEN:
        parser.error(
            f"argument --n-hidden: must be an integer in [{2 * n_bits}, {MAX_CONSTRUCT_HIDDEN}] for construct "
            f"(a flip-flop and an input unit per channel at least; scoring on {DEFAULT_TEST_STEPS} steps costs "
            f"N² per step, minutes beyond N = {MAX_CONSTRUCT_HIDDEN}), got {args.n_hidden}"
        )
    try:
        model = ModelConfig(n_hidden=args.n_hidden, n_bits=n_bits)
        max_delay = max_constructible_delay(model.n_hidden, model.n_bits)
    except (TypeError, ValueError) as exc:
        _config_error(parser, exc)
    need, available = construct_memory_bytes(args.n_hidden), available_memory()
    if available is not None and need > available:
        fits = max((n for n in range(2 * n_bits, args.n_hidden) if construct_memory_bytes(n) <= available), default=0)
        allowed = f"in [{2 * n_bits}, {fits}]" if fits else "none: free memory first"
        parser.error(
            f"argument --n-hidden: construct at N={args.n_hidden} needs about {need / 2**30:.2f} GiB of memory and "
            f"this machine has {available / 2**30:.2f} GiB available; N that fit now: {allowed}"
        )
    if not 0 <= args.delay <= max_delay:
        parser.error(
            f"argument --delay: must be an integer in [0, {max_delay}] for --n-hidden {args.n_hidden} "
            f"(each of the {n_bits} channels needs max(delay, 1) units, and {n_bits} more are input units), "
            f"got {args.delay}"
        )
    if not 0 < args.gain <= MAX_GAIN:
        parser.error(f"argument --gain: must be a number > 0 and <= {MAX_GAIN:g}, got {args.gain}")
    task = TaskConfig(delay=args.delay, n_bits=n_bits)
    try:
        # Building is a few matrix operations; the work is the evaluation below.
        design = design_delay_network(args.delay, n_hidden=model.n_hidden, n_bits=model.n_bits, gain=args.gain)
    except ValueError as exc:
        if str(exc).startswith("W_in"):
            parser.error(f"argument --n-hidden: the seed-{W_IN_SEED} input weights at N={args.n_hidden}: {exc}")
        _config_error(parser, exc)
    try:
        check_out_path(args.out, n_hidden=model.n_hidden, n_bits=model.n_bits)
    except ValueError as exc:
        parser.error(str(exc))
    # Score the network as the file will hold it: float32, like every checkpoint.
    stored = RNNWeights(**{k: getattr(design.weights, k).astype("float32") for k in ("W", "W_in", "W_out")})
    result = evaluate(stored, task, rng=CONSTRUCT_TEST_SEED)
    metadata = {
        "kind": "constructed",
        "task": dataclasses.asdict(task),
        "model": dataclasses.asdict(model),
        "seed": W_IN_SEED,
        "construction": {
            **design.parameters(),
            "W_in": f"initial_weights(ModelConfig(n_hidden={model.n_hidden}, n_bits={model.n_bits}), "
            f"rng={W_IN_SEED}).W_in",
        },
        "test": dataclasses.asdict(result),
        "test_seed": CONSTRUCT_TEST_SEED,
        "version": __version__,
        "command": canonical_construct_command(args),
    }
    _save(parser, args.out, stored, metadata)
    print(
        f"constructed delay {task.delay}, N={model.n_hidden} (gain {design.gain:g}, least workable "
        f"{design.min_gain:.3g}); accuracy on a fresh {result.n_time}-step stream: {result.accuracy:.4%}; "
        f"wrong flips: {result.wrong_flips}; saved {args.out}"
    )
    return 0


def _sweep(args, parser) -> int:
    # Only the config checks are imported here; Dask is imported once there is work to do.
    from . import sweep

    if not 1 <= args.workers <= 64:
        parser.error(f"argument --workers: must be an integer in [1, 64], got {args.workers}")
    if args.scheduler is not None:
        try:
            sweep.check_scheduler_address(args.scheduler)
        except sweep.SchedulerError as exc:
            parser.error(f"argument --scheduler: {exc}")
    try:
        check_path_length(args.config, what="argument config")
    except ValueError as exc:
        parser.error(str(exc))
    if not args.config.is_file():
        what = (
            "is a directory, not"
            if args.config.is_dir()
            else "is not a regular file, not"
            if args.config.exists()
            else "does not exist; give"
        )
        parser.error(f"argument config: {str(args.config)!r} {what} a sweep config file (.json)")
    try:
        config = sweep.validate_sweep_config(read_json_file(args.config, what="sweep config"))
    except OSError as exc:
        parser.error(f"argument config: cannot read {str(args.config)!r} ({exc.strerror})")
    except (TypeError, ValueError) as exc:
        # ValueError covers text that is not JSON or not UTF-8.
        parser.error(f"argument config: {str(args.config)!r} is not a valid sweep config: {exc}")
    n_runs = len(sweep.expand_grid(config))
    if args.out is not None:
        out = args.out
    elif config["results"] is not None:
        out = args.config.parent / config["results"]
    else:
        out = args.config.with_suffix("")
    try:
        check_path_length(out, what="argument --out")
    except ValueError as exc:
        parser.error(str(exc))
    try:
        sweep.check_out_dir(out)
    except ValueError as exc:
        parser.error(f"argument --out: {exc}")
    try:
        results = sweep.run_sweep(
            config, out, scheduler=args.scheduler, n_workers=args.workers, progress=not args.no_progress
        )
    except sweep.SchedulerError as exc:
        parser.error(f"argument --scheduler: {exc}")
    n_ok = sum(r.converged for r in results)
    # A curriculum converges when it learns every delay of its ladder, not just its first.
    reached = "learned every delay up to max_delay" if config["kind"] == "curriculum" else "reached the target accuracy"
    print(f"{len(results)}/{n_runs} runs finished in {out}; {n_ok} {reached}")
    # Runs that failed were reported one by one; the sweep as a whole did not finish.
    return 0 if len(results) == n_runs else 1


def _reanalyse(args, parser) -> int:
    from .reanalyse import ATOL, COUNT_SLACK, RTOL, reanalyse_folder

    if not args.folder.is_dir():
        parser.error(f"argument folder: {str(args.folder)!r} is not a folder of results")
    n_checked, disagreements, skipped = reanalyse_folder(args.folder, progress=not args.quiet)
    for d in disagreements:
        print(f"DIFFERS {d.file} {d.field}: stored {d.stored!r}, recomputed {d.recomputed!r}")
    print(
        f"{n_checked} results recomputed from their weights; {len({d.file for d in disagreements})} disagree "
        f"(tolerance: rtol {RTOL:g}, atol {ATOL:g}, counts ±{COUNT_SLACK}); {len(skipped)} files skipped"
    )
    return 1 if disagreements else 0


def main(argv=None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); return the exit code.

    User errors raise ``SystemExit(2)`` after printing one line on stderr.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = {
        "train": _train,
        "evaluate": _evaluate,
        "sweep": _sweep,
        "construct": _construct,
        "reanalyse": _reanalyse,
    }[args.command]
    return handler(args, args.command_parser)
