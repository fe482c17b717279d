"""The delayed 3-bit flip-flop task.

Each input channel emits short pulses of +1 or -1 (equal odds) at random
times and is 0 otherwise. Output channel ``k`` must hold the sign of the last
pulse on input ``k``, switched exactly ``delay`` steps after that pulse:
``target(t) = sign of the last pulse at or before t - delay``.

Pulse timing. The paper says the pulses follow a "Poisson distribution with
homogeneous rate lambda = 50" and that about 2000 pulses arrive in about
100 000 test steps. Read as a mean interval of 50 steps *per channel*, that
would give ~6000 pulses; read as one Poisson process over all channels
together, with mean interval 50 steps and each pulse sent to a channel drawn
uniformly, it gives ~2000. We take the second reading as the default
(``rate_scope="all"``), so each channel pulses about once every 150 steps;
``rate_scope="per_channel"`` gives the other reading. In discrete time the
process is Bernoulli with probability ``1 / mean_interval`` per step, whose
intervals are geometric, the discrete analogue of exponential.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import RNG, Array, Boolean, InstanceOf, Integer, OneOf, Real, validate_fields, validate_params

RATE_SCOPES = ("all", "per_channel")


@dataclass(frozen=True)
@validate_fields(
    {
        "n_bits": Integer(1, 64),
        "delay": Integer(0, 10_000),
        "mean_interval": Real(1.0, strict_min=True),
        "rate_scope": OneOf(RATE_SCOPES),
    }
)
class TaskConfig:
    """Parameters of the delayed flip-flop task.

    Parameters
    ----------
    n_bits : int
        Number of independent input/output channels (the paper uses 3).
    delay : int
        Output delay Δt in steps, >= 0.
    mean_interval : float
        The paper's λ: mean number of steps between pulses, > 1.
    rate_scope : {"all", "per_channel"}
        Whether ``mean_interval`` counts pulses over all channels together
        (default, matches the paper's ~2000 pulses per 100 000 steps) or on
        each channel separately.
    """

    n_bits: int = 3
    delay: int = 0
    mean_interval: float = 50.0
    rate_scope: str = "all"

    @property
    def pulses_per_step(self) -> float:
        """Expected number of pulses per step, summed over channels."""
        scale = 1 if self.rate_scope == "all" else self.n_bits
        return scale / self.mean_interval


@dataclass(frozen=True)
class TaskBatch:
    """Inputs, targets and validity mask of a batch of task sequences.

    Attributes
    ----------
    inputs : ndarray of shape (batch, time, n_bits), float32
        Pulses of +1/-1, zero elsewhere.
    targets : ndarray of shape (batch, time, n_bits), float32
        Sign of the last pulse delayed by ``delay``; 0 where undefined.
    mask : ndarray of shape (batch, time, n_bits), bool
        True where the target is defined (a pulse arrived at or before t - delay).
    """

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray


_STREAM_PARAMS = {
    "config": InstanceOf(TaskConfig),
    "batch": Integer(1),
    "n_time": Integer(1),
    "rng": RNG(),
    "pulse_at_start": Boolean(),
}


@validate_params(_STREAM_PARAMS)
def sample_pulses(config: TaskConfig, batch: int, n_time: int, *, rng, pulse_at_start: bool = False) -> np.ndarray:
    """Draw input pulse trains.

    Parameters
    ----------
    config : TaskConfig
    batch, n_time : int
        Number of sequences and their length in steps.
    rng : np.random.Generator or int
        Source of randomness (an int is used as a seed).
    pulse_at_start : bool
        If True, every channel receives a pulse of random sign at t = 0, so
        the target is defined from t = delay onwards.

    Returns
    -------
    inputs : ndarray of shape (batch, n_time, n_bits), float32
    """
    k = config.n_bits
    inputs = np.zeros((batch, n_time, k), dtype=np.float32)
    p = 1.0 / config.mean_interval
    if config.rate_scope == "all":
        b_idx, t_idx = np.nonzero(rng.random((batch, n_time)) < p)
        ch = rng.integers(0, k, size=b_idx.size)
        inputs[b_idx, t_idx, ch] = rng.choice(np.array([-1.0, 1.0], np.float32), size=b_idx.size)
    else:
        fire = rng.random((batch, n_time, k)) < p
        signs = rng.choice(np.array([-1.0, 1.0], np.float32), size=fire.shape)
        inputs[fire] = signs[fire]
    if pulse_at_start:
        inputs[:, 0, :] = rng.choice(np.array([-1.0, 1.0], np.float32), size=(batch, k))
    return inputs


@validate_params({"inputs": Array(3), "delay": Integer(0)})
def targets_from_inputs(inputs, delay: int) -> tuple[np.ndarray, np.ndarray]:
    """Targets and validity mask implied by a pulse train.

    Parameters
    ----------
    inputs : array_like of shape (batch, time, n_bits)
        Pulse trains; a nonzero entry is a pulse whose sign is the bit.
    delay : int
        Output delay Δt >= 0.

    Returns
    -------
    targets : ndarray of shape (batch, time, n_bits), float32
    mask : ndarray of shape (batch, time, n_bits), bool
    """
    b, n_time, k = inputs.shape
    signs = np.sign(inputs).astype(np.float32)
    idx = np.where(signs != 0, np.arange(n_time)[None, :, None], -1)
    last = np.maximum.accumulate(idx, axis=1)
    held = np.where(last >= 0, np.take_along_axis(signs, np.maximum(last, 0), axis=1), 0.0)
    targets = np.zeros_like(signs)
    if delay < n_time:
        targets[:, delay:] = held[:, : n_time - delay]
    mask = targets != 0
    return targets.astype(np.float32), mask


@validate_params(_STREAM_PARAMS)
def make_batch(config: TaskConfig, batch: int, n_time: int, *, rng, pulse_at_start: bool = False) -> TaskBatch:
    """Draw a batch of sequences with their delayed targets. See :func:`sample_pulses`."""
    inputs = sample_pulses(config, batch, n_time, rng=rng, pulse_at_start=pulse_at_start)
    targets, mask = targets_from_inputs(inputs, config.delay)
    return TaskBatch(inputs, targets, mask)


@validate_params({name: c for name, c in _STREAM_PARAMS.items() if name != "batch"})
def make_stream(config: TaskConfig, n_time: int, *, rng, pulse_at_start: bool = False) -> TaskBatch:
    """One long sequence: a :class:`TaskBatch` whose arrays have shape (n_time, n_bits)."""
    b = make_batch(config, 1, n_time, rng=rng, pulse_at_start=pulse_at_start)
    return TaskBatch(b.inputs[0], b.targets[0], b.mask[0])
