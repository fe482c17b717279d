"""A delayed flip-flop network built by hand, without training.

Is the paper's delay limit (trained networks fail beyond Δt ≈ 8-10) one of
capacity? This module answers from the construction side: with the paper's
architecture, S(t) = tanh(W S(t-1) + W_in X(t)), Y(t) = tanh(W_out S(t)),
N = 100 units, no biases, and the *frozen* W_in of the shipped seed-0
networks, it sets W and W_out by hand so that the network solves the delayed
3-bit flip-flop exactly, for every Δt up to :func:`max_constructible_delay`
(32 at N = 100).

The design
----------
Units take one of three roles.

Input units (at least ``n_bits`` of them) have zero recurrent rows, so
h(t) = tanh(W_in[inputs] x(t)) depends on the current pulse pattern only. A
linear decoder D (least squares over all 3**n_bits patterns x in {-1, 0, 1}^k,
so simultaneous pulses are covered as well) recovers x_c from h with
normalised gain: D_c h(x) · x_c >= 1 when channel c pulses, and
|D_c h(x)| <= ε (the *crosstalk*) when it does not.

A flip-flop unit per channel, f_c(t) = tanh(a f_c(t-1) + g D_c h(t-1) + W_in x(t)),
holds the sign of the last pulse: the self-excitation a keeps it saturated
between pulses and the drive g overrides it when channel c pulses. The drive
g = a (1 + m) / (1 + ε) balances the two worst cases (a pulse against the
opposite held state; crosstalk against the held state), so both have margin
a (m - ε) / (1 + ε) - r_f, where r_f = max ||W_in[f]||_1 bounds the pulse
that every unit receives directly and m = :data:`SATURATION`.

A chain of copy units per channel, c_j(t) = tanh(a c_{j-1}(t-1) + W_in x(t)),
shifts the held sign by one step per unit; the gain a exceeds the direct
pulse |W_in x| <= r by far, so the sign passes through unchanged.

Lags, counted exactly. The flip-flop sees a pulse one step late (through the
input units), so f_c(t) holds held_c(t-1), the sign of the last pulse at or
before t-1, and chain unit j holds held_c(t-1-j). The target at t is
held_c(t - Δt) (:mod:`rnnmem_helpers.core.task`), so the output reads chain unit
Δt - 1 with weight a: one flip-flop and Δt - 1 copy units per channel. For
Δt = 0 the output needs the pulse of the current step, which only the input
units have: Y_c = tanh(a (f_c + γ D_c h)) with γ = (1 + m) / (1 + ε), so a
pulse outvotes the held sign and crosstalk does not.

Why it is exact. If a unit carrying a sign has |s| >= m, the next one gets a
pre-activation of the same sign and size >= atanh(m) as long as the gain is at
least :attr:`DelayDesign.min_gain` (checked, with a ValueError otherwise), so
|s| >= m again: by induction every chain unit holds the right sign, saturated,
on every step where its held sign is defined, whatever the pulse train. The
network then scores 100 % on every stream of pulses in {-1, 0, 1}, at any
pulse rate.

Why not rotations. W has no cycles except the flip-flops' self-loops: its
eigenvalues are a (n_bits times) and 0 (the chains are nilpotent shift
registers), so the spectrum has no complex pairs. Memory over the delay is a
shift register of held signs, not a rotation.

Cost. Each channel needs max(Δt, 1) units and at least n_bits units are
inputs, so Δt <= N // n_bits - 1: Δt = 32 at N = 100 (4 input units).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ._validate import Array, Integer, Optional, Real, check_shape, validate_params
from .init import initial_weights
from .model import ModelConfig, RNNWeights

#: Level m that every sign-carrying unit keeps, |s| >= m, once its held sign is defined.
SATURATION = 0.99
#: Self-excitation, copy and readout gain a of :func:`design_delay_network`. At N = 100 with the frozen W_in
#: the least gain that works is 3.8 (Δt <= 1) to 5.8 (Δt = 32, only 4 input units).
DEFAULT_GAIN = 8.0
# The decoder is fitted on all 3**n_bits pulse patterns: 6561 at this cap.
MAX_BITS = 8
#: Seed of :func:`rnnmem_helpers.core.init.initial_weights` whose W_in the construction uses by default.
W_IN_SEED = 0


@dataclass(frozen=True, eq=False)
class DelayDesign:
    """A hand-built delayed flip-flop network and its layout.

    Attributes
    ----------
    weights : RNNWeights
        W (N, N), W_in (N, n_bits), W_out (n_bits, N).
    delay : int
        The output delay Δt it solves.
    chains : ndarray of shape (n_bits, max(delay, 1)), int
        Unit indices per channel: ``chains[c, 0]`` is channel c's flip-flop,
        ``chains[c, j]`` the j-th copy unit; unit ``chains[c, j]`` holds, at
        step t, the sign of the last pulse on channel c at or before t - 1 - j.
    inputs : ndarray of shape (n_inputs,), int
        Indices of the input units (zero recurrent rows).
    decoder : ndarray of shape (n_bits, n_inputs)
        D, normalised so that ``decoder[c] @ tanh(W_in[inputs] @ x) * x[c] >= 1``
        when ``x[c] != 0``.
    gain : float
        Self-excitation, copy and readout gain a.
    drive_gain : float
        g, the weight of the decoded pulse on the flip-flop.
    crosstalk : float
        ε, the largest ``|decoder[c] @ h|`` over patterns where channel c is silent.
    min_gain : float
        The least ``gain`` for which the induction of the module docstring holds.
    saturation : float
        m, :data:`SATURATION`.
    """

    weights: RNNWeights
    delay: int
    chains: np.ndarray
    inputs: np.ndarray
    decoder: np.ndarray
    gain: float
    drive_gain: float
    crosstalk: float
    min_gain: float
    saturation: float

    def parameters(self) -> dict:
        """The construction's parameters and margins as a JSON-ready dict (for checkpoint metadata)."""
        return {
            "design": "input units, one flip-flop and delay - 1 copy units per channel (rnnmem_helpers.core.construct)",
            "gain": self.gain,
            "drive_gain": self.drive_gain,
            "crosstalk": self.crosstalk,
            "min_gain": self.min_gain,
            "saturation": self.saturation,
            "n_inputs": int(self.inputs.size),
            "units_per_channel": int(self.chains.shape[1]),
        }


@validate_params({"n_hidden": Integer(1, 4096), "n_bits": Integer(1, MAX_BITS)})
def max_constructible_delay(n_hidden: int, n_bits: int = 3) -> int:
    """The longest delay :func:`construct_delay_network` can build in ``n_hidden`` units.

    Each channel needs max(Δt, 1) units and ``n_bits`` units are left as
    input units, so Δt <= n_hidden // n_bits - 1.

    Parameters
    ----------
    n_hidden : int
        Number of units N, in [2 n_bits, 4096].
    n_bits : int
        Number of channels, in [1, 8].

    Returns
    -------
    int
        32 for the paper's N = 100, n_bits = 3.
    """
    if n_hidden < 2 * n_bits:
        raise ValueError(
            f"n_hidden must be >= {2 * n_bits} (a flip-flop and an input unit for each of the {n_bits} channels), "
            f"got {n_hidden}"
        )
    return n_hidden // n_bits - 1


_DESIGN_PARAMS = {
    "delay": Integer(0),
    "n_hidden": Integer(1, 4096),
    "n_bits": Integer(1, MAX_BITS),
    "W_in": Optional(Array(2, nonempty=True, dtype=np.float64)),
    "gain": Real(0.0, strict_min=True),
}


@validate_params(_DESIGN_PARAMS)
def design_delay_network(
    delay: int, *, n_hidden: int = 100, n_bits: int = 3, W_in=None, gain: float = DEFAULT_GAIN
) -> DelayDesign:
    """Build a network that solves the delayed flip-flop exactly, with its layout and margins.

    See the module docstring for the design and why it is exact.

    Parameters
    ----------
    delay : int
        Output delay Δt, in [0, ``max_constructible_delay(n_hidden, n_bits)``].
    n_hidden : int
        Number of units N.
    n_bits : int
        Number of channels, in [1, 8].
    W_in : array_like of shape (n_hidden, n_bits), optional
        Input weights, kept as given (not trained, not changed). Default: the
        W_in of ``initial_weights(ModelConfig(n_hidden, n_bits), rng=0)``, that
        of the shipped seed-0 networks. No other randomness is involved.
    gain : float
        Self-excitation, copy and readout gain a, > 0 and at least the
        design's ``min_gain`` (3.8 to 5.8 at N = 100 with the default W_in).

    Returns
    -------
    DelayDesign

    Raises
    ------
    ValueError
        If ``delay`` does not fit in ``n_hidden`` units, ``W_in`` has the
        wrong shape or its input units cannot tell the channels apart, or
        ``gain`` is below ``min_gain``.
    """
    max_delay = max_constructible_delay(n_hidden, n_bits)
    if delay > max_delay:
        raise ValueError(
            f"delay must be an integer in [0, {max_delay}] for n_hidden={n_hidden}, n_bits={n_bits} "
            f"(each channel needs max(delay, 1) units and {n_bits} more are input units), got {delay}"
        )
    if W_in is None:
        W_in = initial_weights(ModelConfig(n_hidden=n_hidden, n_bits=n_bits), rng=W_IN_SEED).W_in
    check_shape("W_in", W_in, (n_hidden, n_bits))

    length = max(delay, 1)
    chains = np.arange(n_bits * length).reshape(n_bits, length)
    inputs = np.arange(n_bits * length, n_hidden)
    decoder, crosstalk = _fit_decoder(W_in[inputs])
    m = SATURATION
    # A unit receives at most ||W_in[i]||_1 directly from any pulse pattern.
    direct = np.abs(W_in).sum(axis=1)
    needed = (np.arctanh(m) + direct[chains[:, 0]].max()) * (1 + crosstalk) / (m - crosstalk)
    if length > 1:
        needed = max(needed, (np.arctanh(m) + direct[chains[:, 1:]].max()) / m)
    min_gain = float(needed)
    if gain < min_gain:
        raise ValueError(
            f"gain must be >= {min_gain:.6g} for this W_in at delay {delay} (crosstalk {crosstalk:.3g} of "
            f"{inputs.size} input units), got {gain}"
        )
    # γ of the module docstring: a decoded pulse outweighs a held sign, crosstalk does not.
    vote = (1 + m) / (1 + crosstalk)
    drive_gain = gain * vote

    W = np.zeros((n_hidden, n_hidden))
    W_out = np.zeros((n_bits, n_hidden))
    for c in range(n_bits):
        f = chains[c, 0]
        W[f, f] = gain
        W[f, inputs] = drive_gain * decoder[c]
        for prev, unit in itertools.pairwise(chains[c]):
            W[unit, prev] = gain
        W_out[c, chains[c, -1]] = gain
        if delay == 0:
            W_out[c, inputs] = gain * vote * decoder[c]
    weights = RNNWeights(W=W, W_in=W_in, W_out=W_out)
    for arr in (chains, inputs, decoder):
        arr.flags.writeable = False
    return DelayDesign(
        weights=weights,
        delay=delay,
        chains=chains,
        inputs=inputs,
        decoder=decoder,
        gain=gain,
        drive_gain=float(drive_gain),
        crosstalk=crosstalk,
        min_gain=min_gain,
        saturation=m,
    )


@validate_params(_DESIGN_PARAMS)
def construct_delay_network(
    delay: int, *, n_hidden: int = 100, n_bits: int = 3, W_in=None, gain: float = DEFAULT_GAIN
) -> RNNWeights:
    """The weights of :func:`design_delay_network` (same parameters), without the layout.

    Returns
    -------
    RNNWeights
        W (N, N), W_in (N, n_bits) exactly as given (by default the seed-0
        W_in), W_out (n_bits, N).
    """
    return design_delay_network(delay, n_hidden=n_hidden, n_bits=n_bits, W_in=W_in, gain=gain).weights


def _pulse_patterns(n_bits: int) -> np.ndarray:
    """Every input a step can hold, x in {-1, 0, 1}^n_bits, as an array of shape (3**n_bits, n_bits)."""
    return np.array(list(itertools.product((-1.0, 0.0, 1.0), repeat=n_bits)))


def _fit_decoder(W_in_inputs: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares decoder of the pulse pattern from the input units, normalised per channel.

    Parameters
    ----------
    W_in_inputs : ndarray of shape (n_inputs, n_bits)
        The input units' rows of W_in.

    Returns
    -------
    decoder : ndarray of shape (n_bits, n_inputs)
    crosstalk : float
        Largest ``|decoder[c] @ h|`` over patterns with channel c silent.

    Raises
    ------
    ValueError
        If some channel's pulses are not decoded with the right sign, or the
        crosstalk reaches :data:`SATURATION` (then no gain makes the flip-flop work).
    """
    patterns = _pulse_patterns(W_in_inputs.shape[1])
    h = np.tanh(patterns @ W_in_inputs.T)
    decoder = np.linalg.lstsq(h, patterns, rcond=None)[0].T
    decoded = h @ decoder.T
    pulsing = patterns != 0
    # The worst correctly signed decode of a pulse on each channel; the scale that makes it 1.
    worst = np.where(pulsing, decoded * patterns, np.inf).min(axis=0)
    if not (worst > 0).all():
        bad = np.flatnonzero(worst <= 0).tolist()
        raise ValueError(
            f"W_in: the rows of the {W_in_inputs.shape[0]} input units cannot decode the pulses of channel(s) {bad}; "
            "give a W_in whose input-unit rows are linearly independent"
        )
    decoder = decoder / worst[:, None]
    crosstalk = float(np.where(pulsing, 0.0, np.abs(decoded / worst)).max())
    if crosstalk >= SATURATION:
        raise ValueError(
            f"W_in: the {W_in_inputs.shape[0]} input units tell the channels apart too poorly "
            f"(crosstalk {crosstalk:.3g} >= {SATURATION}); give a W_in whose input-unit rows are better conditioned"
        )
    return decoder, crosstalk
