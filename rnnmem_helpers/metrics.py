"""Accuracy of a network on the flip-flop task."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_generator, check_array, check_int
from .model import RNNWeights, simulate
from .task import TaskConfig, make_stream

DEFAULT_TEST_STEPS = 100_000


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
    correct = (np.sign(y) == tgt) & m
    per_channel = correct.sum(0) / np.maximum(m.sum(0), 1)
    sign_y = np.where(y >= 0, 1.0, -1.0)
    both_valid = m[1:] & m[:-1]
    flipped = sign_y[1:] != sign_y[:-1]
    should_flip = tgt[1:] != tgt[:-1]
    wrong = both_valid & flipped & (~should_flip | (sign_y[1:] != tgt[1:]))
    return float(correct.sum() / m.sum()), per_channel, int(wrong.sum())


def check_weights_and_task(weights: RNNWeights, task: TaskConfig) -> None:
    """Raise unless ``weights`` and ``task`` are of the right types and agree on ``n_bits``."""
    if not isinstance(weights, RNNWeights):
        raise TypeError(f"weights must be RNNWeights, got {type(weights).__name__}")
    if not isinstance(task, TaskConfig):
        raise TypeError(f"task must be a TaskConfig, got {type(task).__name__}")
    if task.n_bits != weights.n_bits:
        raise ValueError(f"task.n_bits ({task.n_bits}) must equal the network's n_bits ({weights.n_bits})")


def evaluate(weights: RNNWeights, task: TaskConfig, *, n_time: int = DEFAULT_TEST_STEPS, rng=0) -> EvalResult:
    """Score a network on a fresh stream of ``n_time`` steps.

    Parameters
    ----------
    weights : RNNWeights
    task : TaskConfig
        Its ``n_bits`` must match the network.
    n_time : int
        Stream length (the paper tests on ~100 000 steps).
    rng : np.random.Generator or int
        Source of the test stream.
    """
    check_weights_and_task(weights, task)
    n_time = check_int("n_time", n_time, minimum=task.delay + 2)
    stream = make_stream(task, n_time, as_generator("rng", rng))
    _, outputs = simulate(weights, stream.inputs)
    acc, per_channel, flips = score(outputs, stream.targets, stream.mask)
    return EvalResult(
        accuracy=acc,
        per_channel=tuple(float(a) for a in per_channel),
        wrong_flips=flips,
        n_valid=int(stream.mask.sum()),
        n_pulses=int(np.count_nonzero(stream.inputs)),
        n_time=n_time,
    )
