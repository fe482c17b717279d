"""Accuracy of a network on the flip-flop task."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_generator, check_array, check_int
from .model import RNNWeights, simulate
from .task import TaskConfig, sample_pulses, targets_from_inputs

DEFAULT_TEST_STEPS = 100_000
# Streams up to this length are drawn exactly as ``make_stream`` draws them, so it must be at least
# DEFAULT_TEST_STEPS; one chunk of a 100-unit network's states is 80 MB of float64.
EVAL_CHUNK_STEPS = 100_000
#: Most bytes of simulated states held at once by :func:`evaluate` (states and pre-activations, float64):
#: a chunk at N <= 335 is simulated whole (the shipped networks), one at N = 4096 in pieces of 8192 steps.
SIMULATION_BYTES = 2**29


@dataclass(frozen=True)
class EvalResult:
    """Scores on one test stream.

    Attributes
    ----------
    accuracy : float
        Fraction of valid (time, channel) entries with sign(Y) equal to the target.
    per_channel : tuple of float
        The same fraction for each channel.
    wrong_flips : int
        Output switches at a time the target does not switch, or to the wrong sign.
    n_valid : int
        Number of valid (time, channel) entries scored.
    n_pulses : int
        Number of input pulses in the stream.
    n_time : int
        Length of the stream.
    """

    accuracy: float
    per_channel: tuple
    wrong_flips: int
    n_valid: int
    n_pulses: int
    n_time: int


def score(outputs, targets, mask) -> tuple[float, np.ndarray, int]:
    """Accuracy, per-channel accuracy and wrong flips of outputs against targets.

    Parameters
    ----------
    outputs, targets : array_like of shape (time, n_bits)
    mask : array_like of shape (time, n_bits), bool

    Returns
    -------
    accuracy : float
    per_channel : ndarray of shape (n_bits,)
    wrong_flips : int
    """
    y = check_array("outputs", outputs, ndim=2)
    tgt = check_array("targets", targets, ndim=2, shape=y.shape)
    m = check_array("mask", mask, ndim=2, shape=y.shape).astype(bool)
    if not m.any():
        raise ValueError("mask must mark at least one valid entry")
    correct, valid, wrong_flips, _ = _chunk_counts(y, tgt, m, None)
    return float(correct.sum() / valid.sum()), correct / np.maximum(valid, 1), wrong_flips


def check_weights_and_task(weights: RNNWeights, task: TaskConfig) -> None:
    """Raise unless ``weights`` and ``task`` are of the right types and agree on ``n_bits``."""
    if not isinstance(weights, RNNWeights):
        raise TypeError(f"weights must be RNNWeights, got {type(weights).__name__}")
    if not isinstance(task, TaskConfig):
        raise TypeError(f"task must be a TaskConfig, got {type(task).__name__}")
    if task.n_bits != weights.n_bits:
        raise ValueError(f"task.n_bits ({task.n_bits}) must equal the network's n_bits ({weights.n_bits})")


def evaluate(
    weights: RNNWeights, task: TaskConfig, *, n_time: int = DEFAULT_TEST_STEPS, rng, progress: bool = False
) -> EvalResult:
    """Score a network on a fresh stream of ``n_time`` steps, in constant memory.

    The stream is drawn and simulated in chunks of :data:`EVAL_CHUNK_STEPS`
    steps. The hidden state, the last pulse on each channel and the targets
    still owed to the delay are carried from one chunk to the next, so the
    scores are those of one continuous stream, the same as :func:`score` on
    the whole of it.

    Draw order: chunk ``c`` is ``sample_pulses(task, 1, len_c, rng=rng)`` on the
    same generator, one chunk after the other. A stream of at most
    :data:`EVAL_CHUNK_STEPS` steps is therefore exactly
    ``make_stream(task, n_time, rng=rng)``; a longer one is the concatenation of
    its chunks, which is a different draw than a one-shot ``make_stream`` of
    that length.

    Parameters
    ----------
    weights : RNNWeights
    task : TaskConfig
        Its ``n_bits`` must match the network.
    n_time : int
        Stream length, >= ``task.delay + 2`` (the paper tests on ~100 000 steps).
    rng : np.random.Generator or int
        Source of the test stream, required: an int >= 0 seeds a new generator
        (the same int gives the same stream), a Generator is drawn from and
        advanced, so successive calls on one Generator score fresh streams.
    progress : bool
        Show a tqdm progress bar over the steps.

    Returns
    -------
    EvalResult

    Raises
    ------
    ValueError
        If ``n_time`` is out of range, or the stream holds no defined target
        (no pulse in its first ``n_time - delay`` steps).
    """
    check_weights_and_task(weights, task)
    n_time = check_int("n_time", n_time, minimum=task.delay + 2)
    rng = as_generator("rng", rng)
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be True or False, got {progress!r}")
    from tqdm.auto import tqdm

    k, delay = task.n_bits, task.delay
    state = None
    last_pulse = np.zeros(k, dtype=np.float32)
    # Held signs of the chunk's last ``delay`` steps: they are the targets of the next ``delay`` steps.
    owed = np.zeros((delay, k), dtype=np.float32)
    last_row = None
    correct = np.zeros(k, dtype=np.int64)
    valid = np.zeros(k, dtype=np.int64)
    wrong_flips = n_pulses = 0
    with tqdm(total=n_time, disable=not progress, desc=f"evaluate Δt={delay}", unit="step") as bar:
        for start in range(0, n_time, EVAL_CHUNK_STEPS):
            length = min(EVAL_CHUNK_STEPS, n_time - start)
            inputs = sample_pulses(task, 1, length, rng=rng)[0]
            # Prepending the last pulse of each channel makes the held sign continue across the boundary.
            held, _ = targets_from_inputs(np.concatenate([last_pulse[None], inputs])[None], 0)
            held = held[0, 1:]
            last_pulse = held[-1].copy()
            pending = np.concatenate([owed, held])
            targets, owed = pending[:length], pending[length:].copy()
            outputs = np.empty((length, k))
            # Simulated in pieces whose states stay under SIMULATION_BYTES whatever N is; the draws are unchanged.
            piece = max(1, SIMULATION_BYTES // (16 * weights.n_hidden))
            for lo in range(0, length, piece):
                states, outputs[lo : lo + piece] = simulate(weights, inputs[lo : lo + piece], s0=state)
                state = states[-1].copy()
            counts = _chunk_counts(outputs, targets, targets != 0, last_row)
            correct += counts[0]
            valid += counts[1]
            wrong_flips += counts[2]
            last_row = counts[3]
            n_pulses += int(np.count_nonzero(inputs))
            bar.update(length)
    n_valid = int(valid.sum())
    if n_valid == 0:
        raise ValueError(
            f"the {n_time}-step test stream has no defined target (no pulse in its first {n_time - delay} steps); "
            "use a longer n_time or another rng"
        )
    return EvalResult(
        accuracy=float(correct.sum() / n_valid),
        per_channel=tuple(float(a) for a in correct / np.maximum(valid, 1)),
        wrong_flips=wrong_flips,
        n_valid=n_valid,
        n_pulses=n_pulses,
        n_time=n_time,
    )


def _chunk_counts(outputs, targets, mask, last_row):
    """The counts behind :func:`score`, for a whole stream or one chunk of it.

    Parameters
    ----------
    outputs, targets : ndarray of shape (time, n_bits)
    mask : ndarray of shape (time, n_bits), bool
    last_row : tuple of three ndarray of shape (n_bits,), or None
        Output sign, target and mask of the step before the chunk (None for
        the first chunk or a whole stream), so that a wrong flip at the
        boundary is counted.

    Returns
    -------
    correct, valid : ndarray of shape (n_bits,), int64
        Per-channel counts of correct and of valid entries.
    wrong_flips : int
    last_row : tuple
        Output sign, target and mask of the chunk's last step.
    """
    correct = ((np.sign(outputs) == targets) & mask).sum(0)
    sign_y = np.where(outputs >= 0, 1.0, -1.0)
    s, tgt, m = sign_y, targets, mask
    if last_row is not None:
        s, tgt, m = (np.concatenate([prev[None], a]) for prev, a in zip(last_row, (s, tgt, m), strict=True))
    both_valid = m[1:] & m[:-1]
    wrong = both_valid & (s[1:] != s[:-1]) & ((tgt[1:] == tgt[:-1]) | (s[1:] != tgt[1:]))
    return correct, mask.sum(0), int(wrong.sum()), (sign_y[-1], targets[-1], mask[-1])
