"""Claim 14 redone: storage, writing and timing of a network measured apart, and where the clock may live.

The book's claim 14 reads the outlying complex pairs of W as the clock that
holds an output switch back for Δt steps, and tests it by ablating them
(:func:`rnnmem_helpers.analyses.ablation.ablate`). The old reading of that ablation
counted a flip as latency 0 whenever the output already showed the new sign
at the pulse: on the rotation-edited Δt = 8 network almost all of those are
*failed writes* (the previous pulse never switched the output), not early
switches. This module separates the three things an edit can break:

Storage (:func:`attractor_census`)
    Do the intact network's attractors still exist? The fixed-point search
    is seeded from the *intact* network's attractors (a search seeded from
    the edited network's own trajectory never visits the corners it can no
    longer reach, and so misses attractors that are still there). A
    reference attractor survives if the edited network has a stable fixed
    point within ``max_distance`` of it with the same output sign pattern.
    Noise tolerance: the largest state noise, on a ladder, from which every
    surviving attractor still returns to itself.
Writing (:func:`write_test`)
    From each attractor, one isolated pulse per channel with the sign that
    flips it, then zero input: does the output land on the right corner
    (that channel flipped, the others unchanged), stay, or land elsewhere?
Timing (:func:`switch_latency`, :func:`stream_latency`)
    Latency only of flips whose output held the old sign just before the
    pulse; flips already showing the new sign are *excluded*, flips with no
    switch before the channel's next pulse are *censored*, neither is 0.

A second place for the clock (:func:`jacobian_rotation_edit`, :func:`delay_projection`)
    The Jacobians J = diag(1 − x*²) W at the attractors of the Δt = 8
    network carry a complex pair of period 8.0–8.2 (|λ| 0.85–0.92), which
    survives the ablation of W's own rotations (at period 8.5–9.5, |λ|
    0.68–0.81). :func:`jacobian_rotation_edit` removes that pair from the
    linearisation at every attractor, or retunes its period, with one
    low-rank edit of W that leaves every attractor where it is;
    :func:`delay_projection` leaves W intact and removes the state's
    component in those planes during (part of) the Δt steps after a pulse.
    Undelayed networks have pairs of similar period at their attractors
    too (8.4–9.1 at Δt = 0, |λ| about 0.64), so a period near Δt is not by
    itself a clock: retuning it, and seeing the latency follow, is the test.

:func:`clock_tests` runs all three measures on the intact network, on W's
rotations ablated, on the bulk control, on the Jacobian edits and on the
delay projections, and :func:`clock_verdict` says which (if any) removes or
moves the timing and keeps the memory.

Conventions are those of the package: states S(t) = tanh(W S(t−1) + W_in X(t)),
outputs tanh(W_out S(t)); a pulse at step t shows in the output of step t
at the earliest, so an undelayed network switches at latency 0 and a
delayed one at Δt. Everything random takes a keyword-only ``rng``; results
are frozen dataclasses with read-only arrays.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..core._validate import RNG, Array, InstanceOf, Integer, Optional, Real, SequenceOf, validate_params
from ..core.model import RNNWeights, simulate
from ..core.task import TaskConfig, make_stream
from .ablation import ablate
from .analysis import MIN_ANGLE, _frozen
from .fixed_points import find_fixed_points
from .mechanism import RAW_ROTATION_RADIUS

#: State-noise amplitudes (standard deviation per unit) of the noise-tolerance ladder. The shipped
#: networks' attractors lie 3.5–5 from the origin and at least 3.6 apart; the intact Δt = 8 network
#: returns from all but a rare draw up to 0.4 and from 45–100 % at 1.0, so the ladder resolves that range.
DEFAULT_NOISE_LEVELS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0)
#: Steps the output must keep the new sign for a switch to count (fewer if the channel's next pulse or the end
#: of the stream comes first). Long enough that a one-step flicker of a delayed output is not a switch, short
#: next to the ~150 steps between pulses of one channel.
DEFAULT_HOLD = 10
#: Zero-input steps after the delay in a write test: the intact networks settle on a corner in ~20.
DEFAULT_SETTLE = 50
#: Outcomes of a write, in the order of their integer codes in :attr:`WriteTest.outcome`.
OUTCOMES = ("right", "stayed", "other")
#: Status of a flip, in the order of their integer codes in :attr:`SwitchLatencies.status`.
STATUSES = ("timed", "censored", "excluded")
#: The variants :func:`clock_tests` measures, in order; "Jacobian clock" stands for one variant per retune
#: factor f, named "Jacobian clock x{f:g}".
VARIANTS = (
    "intact",
    "W rotations",
    "bulk control",
    "Jacobian rotations",
    "Jacobian clock",
    "delay projection",
    "late delay projection",
)
#: Period factors of the retuned Jacobian clocks of :func:`clock_tests`: faster and slower than Δt.
DEFAULT_RETUNE = (0.75, 1.5)
#: Verdicts of :func:`clock_verdict`.
VERDICTS = (
    "storage lost",
    "writing impaired",
    "timing untestable",
    "clock removed, memory kept",
    "clock shortened, memory kept",
    "clock lengthened, memory kept",
    "timing kept",
)
#: Readouts |W_out x| up to this are 0 in the census: Newton leaves the origin at ~1e-17, not at 0.
ZERO_READOUT = 1e-8
# Largest condition number of Mᵀ B in jacobian_rotation_edit (‖Q‖ grows with it): beyond it the planes are
# nearly inside the attractors' span. The shipped Δt = 8 network has 1.5 (‖Q‖ = 1.2).
MAX_PROJECTOR_CONDITION = 1e6
# Relative singular-value cut for the bases of the planes and of the attractors: the ± partners of an attractor
# span one direction, and their Jacobians are equal, so they must not count twice.
_RANK_TOL = 1e-9

_WEIGHTS = {"weights": InstanceOf(RNNWeights)}


def _signs(readout) -> np.ndarray:
    """Output sign pattern of readouts W_out x, +1 for >= 0 (as :func:`fixed_points.attractor_corners`)."""
    return np.where(np.asarray(readout) >= 0, 1, -1).astype(np.int64)


def _held_bits(readout) -> np.ndarray:
    """Sign pattern of readouts, 0 where |W_out x| <= :data:`ZERO_READOUT`.

    A point whose readout is (numerically) 0 on a channel, such as the origin of an odd network, holds no bit
    there and must not pass for the corner that the >= 0 convention of :func:`_signs` would give it.
    """
    readout = np.asarray(readout)
    return np.where(np.abs(readout) > ZERO_READOUT, np.sign(readout), 0).astype(np.int64)


def _check_points(name: str, points: np.ndarray, weights: RNNWeights) -> None:
    if points.shape[1] != weights.n_hidden or points.shape[0] == 0:
        raise ValueError(f"{name} must have shape (m >= 1, {weights.n_hidden}), got {points.shape}")


def _pulse_window(inputs: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Mask of the steps t with a pulse (any channel) at some p, ``start <= t − p < stop``."""
    n_time = inputs.shape[0]
    pulses = np.flatnonzero(np.any(inputs != 0, axis=1))
    # A difference array: +1 where a pulse's span opens, −1 where it closes; covered where the running sum > 0.
    edges = np.zeros(n_time + 1, np.int64)
    if stop > start:
        np.add.at(edges, np.minimum(pulses + start, n_time), 1)
        np.add.at(edges, np.minimum(pulses + stop, n_time), -1)
    return np.cumsum(edges[:-1]) > 0


def _check_projector(projector, weights: RNNWeights) -> None:
    n = weights.n_hidden
    if projector is not None and projector.shape != (n, n):
        raise ValueError(f"projector must have shape ({n}, {n}), got {projector.shape}")


# ----------------------------------------------------------------------------- storage


@validate_params({**_WEIGHTS, "rng": RNG()})
def find_attractors(weights: RNNWeights, *, rng) -> np.ndarray:
    """The stable fixed points of a network at zero input: the reference corners for the other measures.

    Parameters
    ----------
    weights : RNNWeights
    rng : np.random.Generator or int
        The ``rng`` of :func:`rnnmem_helpers.analyses.fixed_points.find_fixed_points`,
        run with its default search (seeds from a simulated trajectory).

    Returns
    -------
    ndarray of shape (m, N)
        Points with no mode above ``1 + DEFAULT_MARGIN``, in the search's
        order (by readout); empty (0, N) if there are none.
    """
    fps = find_fixed_points(weights, rng=rng)
    return _frozen(np.array(fps.xstar[fps.n_unstable == 0]))


@dataclass(frozen=True, eq=False)
class AttractorCensus:
    """Which reference attractors a network still holds, and how much state noise they absorb.

    Attributes
    ----------
    reference_points : ndarray of shape (m, N)
        The attractors asked about (normally the intact network's).
    reference_signs : ndarray of shape (m, n_bits), int
        Their output sign patterns sign(W_out x), 0 where |W_out x| <=
        :data:`ZERO_READOUT` (such a reference holds no bit there and cannot be matched).
    points : ndarray of shape (m, N)
        The matching stable fixed point of this network (NaN rows where none).
    distance : ndarray of shape (m,)
        ‖point − reference‖ (NaN where none).
    survived : ndarray of shape (m,), bool
    max_distance : float
        A match must lie within this distance of its reference.
    return_radius : float
        A noisy start returns if it ends within this distance of its
        attractor: half the smallest distance between two stable points
        found (half ``max_distance`` if only one was found).
    n_stable_found : int
        Distinct stable fixed points the seeded search found (any sign pattern).
    noise_levels : ndarray of shape (L,)
        State-noise amplitudes tried, increasing.
    return_fraction : ndarray of shape (m, L)
        Fraction of the ``n_trials`` noisy starts from each surviving
        attractor that ended within ``return_radius`` of it (NaN rows for lost ones).
    n_trials, n_steps : int
    """

    reference_points: np.ndarray
    reference_signs: np.ndarray
    points: np.ndarray
    distance: np.ndarray
    survived: np.ndarray
    max_distance: float
    return_radius: float
    n_stable_found: int
    noise_levels: np.ndarray
    return_fraction: np.ndarray
    n_trials: int
    n_steps: int

    @property
    def n_reference(self) -> int:
        return int(self.survived.size)

    @property
    def n_surviving(self) -> int:
        return int(self.survived.sum())

    @property
    def surviving_points(self) -> np.ndarray:
        """The network's own attractors that match a reference, shape (n_surviving, N)."""
        return self.points[self.survived]

    @property
    def mean_return(self) -> float:
        """Return fraction averaged over the surviving attractors and all levels; NaN if none survives.

        Steadier than :attr:`noise_tolerance`, which one unlucky start out of all of a level's can lower.
        """
        return float(np.mean(self.return_fraction[self.survived])) if self.survived.any() else float("nan")

    @property
    def noise_tolerance(self) -> float:
        """Largest ladder level up to which (all levels <= it) every surviving attractor returned in every trial.

        0.0 if some start fails already at the smallest level; NaN if no attractor survives.
        """
        if not self.survived.any():
            return float("nan")
        ok = np.all(self.return_fraction[self.survived] == 1.0, axis=0)
        n_ok = int(np.argmin(ok)) if not ok.all() else ok.size
        return float(self.noise_levels[n_ok - 1]) if n_ok else 0.0


def _relax(W: np.ndarray, s_bn: np.ndarray, n_steps: int) -> np.ndarray:
    """``n_steps`` zero-input steps of a batch of states."""
    Wt = W.T
    for _ in range(n_steps):
        s_bn = np.tanh(s_bn @ Wt)
    return s_bn


@validate_params(
    {
        **_WEIGHTS,
        "reference_points": Array(2, nonempty=True, dtype=np.float64),
        "rng": RNG(),
        "max_distance": Optional(Real(0.0, strict_min=True)),
        "noise_levels": SequenceOf(Real(0.0, strict_min=True), "positive noise amplitudes"),
        "n_trials": Integer(1),
        "n_steps": Integer(1),
        "seed_noise": Real(0.0),
        "n_jitter": Integer(0),
    }
)
def attractor_census(
    weights: RNNWeights,
    reference_points,
    *,
    rng,
    max_distance: float | None = None,
    noise_levels=DEFAULT_NOISE_LEVELS,
    n_trials: int = 32,
    n_steps: int = 200,
    seed_noise: float = 0.05,
    n_jitter: int = 4,
) -> AttractorCensus:
    """Storage: which reference attractors survive in ``weights``, and their noise tolerance.

    The fixed points are found by :func:`rnnmem_helpers.analyses.fixed_points.find_fixed_points`
    with ``initial_states`` given and one round (no midpoint seeds: only
    points near the references matter). The seeds are, for every reference
    point: the point itself; ``n_jitter`` copies plus N(0, ``seed_noise``²)
    noise per unit; and the state the network reaches from the point after
    ``n_steps`` zero-input steps. The last kind matters when an edit moved an
    attractor: Newton from the old position can end on a nearby saddle,
    while the flow ends on the attractor if one is there.

    A reference survives when a found fixed point with no mode above
    ``1 + DEFAULT_MARGIN`` has its output sign pattern and lies within
    ``max_distance`` of it (the nearest such point is its match).

    Noise tolerance: from each match, ``n_trials`` starts at point + σ ξ,
    ξ ~ N(0, I_N), per level σ of ``noise_levels``, each run ``n_steps``
    zero-input steps; a start returns if it ends within the census's
    ``return_radius`` of the match (half the smallest distance between two
    stable points found, so that ball holds no other attractor).

    Parameters
    ----------
    weights : RNNWeights
        The network to census (intact or edited).
    reference_points : array_like of shape (m, N)
        The attractors to look for, normally :func:`find_attractors` of the
        intact network.
    rng : np.random.Generator or int
        Draws the jitter seeds and the noisy starts.
    max_distance : float, optional
        > 0. Default: the smallest distance between two reference points
        (4.5 on the shipped Δt = 8 network); with a single reference, its
        norm. The sign pattern says which corner a point holds; the distance
        only keeps far-off points with that pattern (a new attractor, not the
        old one moved) from counting. Edits do move attractors: the bulk
        control moves those of the Δt = 8 network by 1.3 to 2.3, so half the
        gap would call corners lost that are still there.
    noise_levels : sequence of float
        Increasing amplitudes, each > 0.
    n_trials : int
        Noisy starts per attractor and level, >= 1.
    n_steps : int
        Zero-input steps of every relaxation, >= 1.
    seed_noise : float
        Jitter of the search seeds, >= 0.
    n_jitter : int
        Jittered seeds per reference, >= 0.

    Returns
    -------
    AttractorCensus

    Raises
    ------
    ValueError
        If the shapes do not match or ``noise_levels`` is empty or not increasing.
    """
    _check_points("reference_points", reference_points, weights)
    levels = np.array(noise_levels, dtype=np.float64)
    if levels.size == 0 or np.any(np.diff(levels) <= 0):
        raise ValueError(f"noise_levels must be a non-empty increasing sequence, got {list(noise_levels)}")
    ref = reference_points
    m, n = ref.shape
    if max_distance is None:
        if m > 1:
            gaps = np.linalg.norm(ref[:, None] - ref[None], axis=-1)[np.triu_indices(m, 1)]
            max_distance = float(gaps.min())
        else:
            max_distance = float(np.linalg.norm(ref[0]))
        if not max_distance > 0:
            raise ValueError("reference_points must be distinct and not at the origin when max_distance is not given")
    ref_signs = _held_bits(ref @ weights.W_out.T)

    jitter = np.repeat(ref, n_jitter, axis=0) + seed_noise * rng.standard_normal((m * n_jitter, n))
    seeds = np.concatenate([ref, jitter, _relax(weights.W, ref.copy(), n_steps)])
    fps = find_fixed_points(weights, seeds, rng=rng, n_rounds=1)
    stable = np.array(fps.xstar[fps.n_unstable == 0])
    stable_signs = _held_bits(stable @ weights.W_out.T)

    points = np.full((m, n), np.nan)
    distance = np.full(m, np.nan)
    for r in range(m):
        if not np.all(ref_signs[r]):
            continue
        same = np.flatnonzero(np.all(stable_signs == ref_signs[r], axis=1))
        if same.size:
            d = np.linalg.norm(stable[same] - ref[r], axis=1)
            j = int(np.argmin(d))
            if d[j] <= max_distance:
                points[r], distance[r] = stable[same[j]], d[j]
    survived = ~np.isnan(distance)

    # A start returns if it ends nearer its attractor than half the distance between any two stable points
    # found: that ball holds no other attractor. 200 steps at the contraction of the shipped intact attractors
    # (|λ| <= 0.93) leave a state within 1e-6 of where it converges.
    if stable.shape[0] > 1:
        gaps = np.linalg.norm(stable[:, None] - stable[None], axis=-1)[np.triu_indices(stable.shape[0], 1)]
        return_radius = 0.5 * float(gaps.min())
    else:
        return_radius = 0.5 * max_distance
    fraction = np.full((m, levels.size), np.nan)
    alive = np.flatnonzero(survived)
    if alive.size:
        # All noisy starts of all surviving attractors in one batch: (survivor, level, trial) flattened.
        base = points[alive]
        noise = rng.standard_normal((alive.size, levels.size, n_trials, n))
        starts = base[:, None, None, :] + levels[None, :, None, None] * noise
        ends = _relax(weights.W, starts.reshape(-1, n), n_steps).reshape(starts.shape)
        back = np.linalg.norm(ends - base[:, None, None, :], axis=-1) <= return_radius
        fraction[alive] = back.mean(axis=-1)
    return AttractorCensus(
        reference_points=_frozen(ref.copy()),
        reference_signs=_frozen(ref_signs),
        points=_frozen(points),
        distance=_frozen(distance),
        survived=_frozen(survived),
        max_distance=float(max_distance),
        return_radius=return_radius,
        n_stable_found=int(stable.shape[0]),
        noise_levels=_frozen(levels),
        return_fraction=_frozen(fraction),
        n_trials=n_trials,
        n_steps=n_steps,
    )


# ----------------------------------------------------------------------------- timing


def _onset(shows: np.ndarray, hold: int | None) -> int | None:
    """First i with ``shows[i : i + hold]`` all True (the slice cut at the end); None if there is none.

    ``hold=None`` asks for True from i to the end.
    """
    n = shows.size
    if n == 0:
        return None
    bad = np.concatenate([[0], np.cumsum(~shows)])
    i = np.arange(n)
    stop = np.full(n, n) if hold is None else np.minimum(i + hold, n)
    ok = shows & (bad[stop] == bad[i])
    return int(np.argmax(ok)) if ok.any() else None


@dataclass(frozen=True, eq=False)
class SwitchLatencies:
    """Latencies of the flips of a stream, with the flips that cannot be timed kept apart.

    Attributes
    ----------
    time, channel : ndarray of shape (n,), int
        Each flipping pulse (its channel's previous pulse had the other
        sign), by time then channel.
    status : ndarray of shape (n,), int
        Index into :data:`STATUSES`: 0 ``"timed"``, 1 ``"censored"`` (the
        output held the old sign at the pulse but did not switch before the
        channel's next pulse or the end), 2 ``"excluded"`` (the output did not
        hold the old sign just before the pulse: it already showed the new
        one, or was exactly 0).
    latency : ndarray of shape (n,)
        Steps from the pulse to the switch for timed flips; NaN otherwise.
    window : ndarray of shape (n,), int
        Steps from the pulse to the channel's next pulse (or the end): the
        span searched; a censored flip with a window shorter than the
        network's delay could not have switched in it.
    hold : int or None
        As passed.
    """

    time: np.ndarray
    channel: np.ndarray
    status: np.ndarray
    latency: np.ndarray
    window: np.ndarray
    hold: int | None

    @property
    def n_flips(self) -> int:
        return int(self.status.size)

    @property
    def n_timed(self) -> int:
        return int(np.sum(self.status == 0))

    @property
    def n_censored(self) -> int:
        return int(np.sum(self.status == 1))

    @property
    def n_excluded(self) -> int:
        return int(np.sum(self.status == 2))

    @property
    def timed(self) -> np.ndarray:
        """Latencies of the timed flips, shape (n_timed,)."""
        return self.latency[self.status == 0]

    @property
    def median(self) -> float:
        """Median latency of the timed flips; NaN if there are none."""
        return float(np.median(self.timed)) if self.n_timed else float("nan")

    @property
    def quartiles(self) -> tuple[float, float]:
        """25th and 75th percentiles (linear interpolation) of the timed latencies; NaN if there are none."""
        if not self.n_timed:
            return (float("nan"), float("nan"))
        q25, q75 = np.percentile(self.timed, [25, 75])
        return (float(q25), float(q75))


@validate_params({"inputs": Array(2), "outputs": Array(2), "hold": Optional(Integer(1))})
def switch_latency(inputs, outputs, *, hold: int | None = DEFAULT_HOLD) -> SwitchLatencies:
    """Timing: steps from each flipping pulse to the switch of its output, for flips that can be timed.

    A pulse at step t on channel c with sign σ is a *flip* when the
    channel's previous pulse had sign −σ (a channel's first pulse sets, it
    does not flip, and is left out). It is

    - *excluded* if ``sign(outputs[t − 1, c])`` is not −σ: the output did
      not show the old sign just before the pulse (it already showed σ,
      e.g. because the previous write failed, or was exactly 0), so the
      pulse cannot be seen to switch it;
    - otherwise *timed* with latency ℓ, the first ℓ >= 0 such that
      ``sign(outputs[t + ℓ + j, c]) == σ`` for ``j = 0 … hold − 1``, the run cut
      at the channel's next pulse (of either sign) or the end of the stream:
      the output shows the new sign and keeps it for ``hold`` steps, or until
      that cut if it comes first;
    - *censored* if there is no such ℓ before the cut (NaN, never 0).

    Parameters
    ----------
    inputs : array_like of shape (time, n_bits)
        Pulse trains: a nonzero entry is a pulse whose sign is the bit.
    outputs : array_like of shape (time, n_bits)
        The network's outputs Y (or the readout W_out S: only signs are used).
    hold : int or None
        Steps the new sign must last, >= 1; None: to the cut. On the
        Δt = 8 network (100 000 steps) holds of 3 and 10 give the same
        counts and quartiles; 1 lets a one-step flicker at the pulse count
        as a switch at 0, and None lets a glitch long after the switch (a
        pulse on another channel) push the latency out (the rotation-ablated
        network's upper quartile goes from 7 to 38).

    Returns
    -------
    SwitchLatencies

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    if outputs.shape != inputs.shape:
        raise ValueError(f"outputs must have the shape of inputs {inputs.shape}, got {outputs.shape}")
    n_time = inputs.shape[0]
    out_signs = np.sign(outputs)
    rows = []
    for c in range(inputs.shape[1]):
        times = np.flatnonzero(inputs[:, c])
        pulse_signs = np.sign(inputs[times, c])
        ends = np.append(times[1:], n_time)
        for i in np.flatnonzero(pulse_signs[1:] != pulse_signs[:-1]) + 1:
            t, new = int(times[i]), pulse_signs[i]
            # t >= 1: a flip has an earlier pulse on its channel.
            if out_signs[t - 1, c] != -new:
                rows.append((t, c, 2, np.nan, ends[i] - t))
                continue
            ell = _onset(out_signs[t : ends[i], c] == new, hold)
            rows.append((t, c, 1, np.nan, ends[i] - t) if ell is None else (t, c, 0, float(ell), ends[i] - t))
    rows.sort(key=lambda r: (r[0], r[1]))
    cols = list(zip(*rows, strict=True)) if rows else [[]] * 5
    dtypes = (np.int64, np.int64, np.int64, np.float64, np.int64)
    time_, channel, status, latency, window = (np.array(col, dtype=dt) for col, dt in zip(cols, dtypes, strict=True))
    return SwitchLatencies(
        time=_frozen(time_),
        channel=_frozen(channel),
        status=_frozen(status),
        latency=_frozen(latency),
        window=_frozen(window),
        hold=hold,
    )


@validate_params(
    {
        **_WEIGHTS,
        "inputs": Array(2, dtype=np.float64),
        "projector": Optional(Array(2, dtype=np.float64)),
        "window": Integer(0),
        "start": Integer(0),
        "s0": Optional(Array(1, dtype=np.float64)),
    }
)
def delay_projection(weights: RNNWeights, inputs, projector=None, *, window: int = 0, start: int = 0, s0=None):
    """Run the network with the state projected by I − Q during part of the ``window`` steps after each pulse.

    Step t computes S(t) = tanh(W S(t − 1) + W_in X(t)) and then, if some
    channel pulsed at a step p with ``start <= t − p < window``, replaces
    S(t) by (I − Q) S(t). The pulse's own step is t − p = 0. With ``Q`` the
    projector of :func:`jacobian_rotation_edit` (range: the rotation planes
    of the attractor Jacobians; null space: holds every attractor), this
    removes the state's component in those planes while a pulse is being
    held back, and leaves the network alone otherwise: the attractors, and
    what happens between pulses, are those of the intact network.

    ``start`` splits the delay: on the shipped Δt = 8 network, projecting
    the first half (steps 0–3) breaks 18 of 24 isolated writes, projecting
    the second half (steps 4–7) breaks none and brings every switch
    forward from 8 to 5 steps.

    Parameters
    ----------
    weights : RNNWeights
    inputs : array_like of shape (time, n_bits)
    projector : array_like of shape (N, N), optional
        Q; None (or an empty span, ``start >= window``) runs the plain
        network, as :func:`rnnmem_helpers.core.model.simulate`.
    window : int
        Steps after each pulse, the pulse's own step counted as 0, up to
        which the projection acts (exclusive), >= 0. :func:`clock_tests` uses Δt.
    start : int
        First projected step after each pulse, >= 0.
    s0 : array_like of shape (N,), optional
        Initial state; zero if omitted.

    Returns
    -------
    states : ndarray of shape (time, N)
    outputs : ndarray of shape (time, n_bits)
    """
    _check_projector(projector, weights)
    if projector is None or start >= window:
        return simulate(weights, inputs, s0=s0)
    n = weights.n_hidden
    if inputs.shape[1] != weights.n_bits:
        raise ValueError(f"inputs must have shape (time, {weights.n_bits}), got {inputs.shape}")
    if s0 is not None and s0.shape != (n,):
        raise ValueError(f"s0 must have shape ({n},), got {s0.shape}")
    keep = np.eye(n) - projector
    on = _pulse_window(inputs, start, window)
    drive = inputs @ weights.W_in.T
    W = np.ascontiguousarray(weights.W)
    s = np.zeros(n) if s0 is None else s0
    states = np.empty((inputs.shape[0], n))
    for t in range(inputs.shape[0]):
        s = np.tanh(W @ s + drive[t])
        if on[t]:
            s = keep @ s
        states[t] = s
    return states, np.tanh(states @ weights.W_out.T)


@validate_params(
    {
        **_WEIGHTS,
        "delay": Integer(0),
        "n_time": Integer(2),
        "rng": RNG(),
        "hold": Optional(Integer(1)),
        "projector": Optional(Array(2, dtype=np.float64)),
        "projection_start": Integer(0),
    }
)
def stream_latency(
    weights: RNNWeights,
    delay: int,
    *,
    n_time: int = 20_000,
    rng,
    hold: int | None = DEFAULT_HOLD,
    projector=None,
    projection_start: int = 0,
) -> SwitchLatencies:
    """Timing on a fresh task stream: :func:`switch_latency` of the network's outputs.

    The stream is ``make_stream(TaskConfig(n_bits, delay), n_time, rng=rng)``
    (one Poisson process of pulses with mean interval 50 over all channels),
    run from the zero state by :func:`delay_projection` (which is
    :func:`rnnmem_helpers.core.model.simulate` when ``projector`` is None).

    Parameters
    ----------
    weights : RNNWeights
    delay : int
        The task's Δt, >= 0; also the projection window.
    n_time : int
        Stream length, >= 2. 20 000 steps give about 270 flips.
    rng : np.random.Generator or int
        Draws the stream.
    hold : int or None
        See :func:`switch_latency`.
    projector : array_like of shape (N, N), optional
        Q of :func:`delay_projection`, applied at steps ``projection_start``
        to ``delay − 1`` after each pulse.
    projection_start : int
        >= 0.

    Returns
    -------
    SwitchLatencies
    """
    _check_projector(projector, weights)
    stream = make_stream(TaskConfig(n_bits=weights.n_bits, delay=delay), n_time, rng=rng)
    inputs = stream.inputs.astype(np.float64)
    _, outputs = delay_projection(weights, inputs, projector, window=delay, start=projection_start)
    return switch_latency(inputs, outputs, hold=hold)


# ----------------------------------------------------------------------------- writing


@dataclass(frozen=True, eq=False)
class WriteTest:
    """Isolated writes from every attractor, one channel at a time.

    Attributes
    ----------
    delay : int
    corners : ndarray of shape (m, n_bits), int
        Output sign pattern of each starting attractor.
    outcome : ndarray of shape (m, n_bits, n_per_corner), int
        Index into :data:`OUTCOMES` of each write from attractor i on
        channel c: 0 ``"right"`` (final pattern = the corner with c
        flipped), 1 ``"stayed"`` (final pattern = the corner), 2 ``"other"``.
    final_signs : ndarray of shape (m, n_bits, n_per_corner, n_bits), int
        The final output sign pattern.
    latency : ndarray of shape (m, n_bits, n_per_corner)
        For right writes, the first step from which channel c shows the new
        sign to the end of the run (as :func:`switch_latency` with
        ``hold=None``); NaN otherwise.
    n_steps : int
        Steps run, the pulse's included: ``delay + settle``.
    """

    delay: int
    corners: np.ndarray
    outcome: np.ndarray
    final_signs: np.ndarray
    latency: np.ndarray
    n_steps: int

    @property
    def n_writes(self) -> int:
        return int(self.outcome.size)

    @property
    def success(self) -> np.ndarray:
        """Fraction of right writes per corner and channel, shape (m, n_bits)."""
        return (self.outcome == 0).mean(axis=-1)

    @property
    def success_rate(self) -> float:
        """Fraction of right writes overall; NaN if there were no corners."""
        return float(np.mean(self.outcome == 0)) if self.outcome.size else float("nan")

    def count(self, outcome: str) -> int:
        """Number of writes with ``outcome`` (one of :data:`OUTCOMES`)."""
        return int(np.sum(self.outcome == OUTCOMES.index(outcome)))

    @property
    def median_latency(self) -> float:
        """Median latency of the right writes; NaN if there are none."""
        done = self.latency[~np.isnan(self.latency)]
        return float(np.median(done)) if done.size else float("nan")


@validate_params(
    {
        **_WEIGHTS,
        "delay": Integer(0),
        "n_per_corner": Integer(1),
        "rng": RNG(),
        "attractors": Optional(Array(2, dtype=np.float64)),
        "settle": Integer(1),
        "start_noise": Real(0.0),
        "projector": Optional(Array(2, dtype=np.float64)),
        "projection_start": Integer(0),
    }
)
def write_test(
    weights: RNNWeights,
    delay: int,
    *,
    n_per_corner: int = 4,
    rng,
    attractors=None,
    settle: int = DEFAULT_SETTLE,
    start_noise: float = 0.01,
    projector=None,
    projection_start: int = 0,
) -> WriteTest:
    """Writing: from each attractor, an isolated flipping pulse on each channel; where does the output land?

    Each trial starts at an attractor x* plus N(0, ``start_noise``²) noise
    per unit (so that repeated trials are not copies of one another), gets a
    pulse of sign −sign(W_out x*)_c on channel c at step 0 and zero input
    for the following ``delay + settle − 1`` steps. The output sign pattern
    of the last step is the outcome: the right corner (channel c flipped,
    the others unchanged), the corner it started from, or another.

    Parameters
    ----------
    weights : RNNWeights
    delay : int
        The network's Δt, >= 0: sets the run length and the projection window.
    n_per_corner : int
        Trials per attractor and channel, >= 1.
    rng : np.random.Generator or int
        Draws the start noise.
    attractors : array_like of shape (m, N), optional
        Starting attractors; default :func:`find_attractors` of ``weights``
        with the same ``rng``. For an edited network, pass the points of its
        :func:`attractor_census`.
    settle : int
        Steps run after the delay, >= 1.
    start_noise : float
        Standard deviation of the start noise, >= 0.
    projector : array_like of shape (N, N), optional
        Q of :func:`delay_projection`, applied at steps ``projection_start``
        to ``delay − 1`` (the pulse's step is 0).
    projection_start : int
        >= 0.

    Returns
    -------
    WriteTest
        With m = 0 corners (empty arrays) if there are no attractors.
    """
    _check_projector(projector, weights)
    if attractors is None:
        attractors = find_attractors(weights, rng=rng)
    else:
        _check_points("attractors", attractors, weights)
    n, k = weights.n_hidden, weights.n_bits
    m = attractors.shape[0]
    n_steps = delay + settle
    corners = _signs(attractors @ weights.W_out.T)
    # Trials ordered (attractor, channel, repeat).
    start = np.repeat(attractors, k * n_per_corner, axis=0)
    start = start + start_noise * rng.standard_normal(start.shape)
    channel = np.tile(np.repeat(np.arange(k), n_per_corner), m)
    old = corners[np.repeat(np.arange(m), k * n_per_corner), channel]
    pulse = np.zeros((start.shape[0], k))
    pulse[np.arange(start.shape[0]), channel] = -old
    keep = None if projector is None or projection_start >= delay else np.eye(n) - projector

    Wt, s = weights.W.T, start
    signs = np.empty((n_steps, start.shape[0], k), dtype=np.int64)
    for t in range(n_steps):
        s = np.tanh(s @ Wt + (pulse @ weights.W_in.T if t == 0 else 0.0))
        if keep is not None and projection_start <= t < delay:
            s = s @ keep.T
        signs[t] = np.sign(s @ weights.W_out.T)
    final = _signs(s @ weights.W_out.T)
    wanted = np.repeat(corners, k * n_per_corner, axis=0)
    stayed = np.all(final == wanted, axis=1)
    wanted[np.arange(wanted.shape[0]), channel] *= -1
    right = np.all(final == wanted, axis=1)
    outcome = np.where(right, 0, np.where(stayed, 1, 2))
    latency = np.full(start.shape[0], np.nan)
    for i in np.flatnonzero(right):
        latency[i] = _onset(signs[:, i, channel[i]] == -old[i], None)
    shape = (m, k, n_per_corner)
    return WriteTest(
        delay=delay,
        corners=_frozen(corners),
        outcome=_frozen(outcome.reshape(shape)),
        final_signs=_frozen(final.reshape(*shape, k)),
        latency=_frozen(latency.reshape(shape)),
        n_steps=n_steps,
    )


# ----------------------------------------------------------------------------- the Jacobian's clock


@dataclass(frozen=True, eq=False)
class JacobianRotationEdit:
    """W with the attractor Jacobians' rotation of period near Δt removed, damped or retuned.

    Attributes
    ----------
    weights : RNNWeights
        W' = W (I + K); W_in and W_out unchanged.
    projector : ndarray of shape (N, N)
        Q: an oblique projector (Q² = Q) of rank ``rank`` whose range holds
        the chosen eigen-planes and whose null space holds every attractor.
        For the removal (``modulus_factor=0``) K = −Q; :func:`delay_projection`
        uses Q.
    basis : ndarray of shape (N, rank)
        Orthonormal basis of the range of Q.
    removed : ndarray of shape (k,), complex
        The eigenvalue (Im > 0 member of the pair) replaced at each distinct
        Jacobian (± partners share one, J(−x) = J(x)).
    placed : ndarray of shape (k,), complex
        What replaced it: ``modulus_factor · |λ| · exp(i 2π/new_period)``
        (the angle of λ if ``new_period`` is None); 0 for the removal.
    source : ndarray of shape (k,), int
        Row of ``attractors`` whose Jacobian each was taken from.
    remaining : ndarray of shape (k,)
        Largest |λ| of a complex pair of the *edited* Jacobian at that
        attractor, diag(1 − x*²) W', in the selection band (below), other
        than the placed one; 0 if none. The replaced pair itself is gone
        exactly; this says whether another pair sits in the band.
    period, period_tol, min_modulus : float
        The selection: pairs with |2π/θ − period| <= ``period_tol · period``
        and |λ| >= ``min_modulus``; the one of period nearest ``period`` is
        chosen per Jacobian.
    modulus_factor : float
    new_period : float or None
        As passed.
    """

    weights: RNNWeights
    projector: np.ndarray
    basis: np.ndarray
    removed: np.ndarray
    placed: np.ndarray
    source: np.ndarray
    remaining: np.ndarray
    period: float
    period_tol: float
    min_modulus: float
    modulus_factor: float
    new_period: float | None

    @property
    def rank(self) -> int:
        """Rank of the change W' − W (at most that of Q)."""
        return int(self.basis.shape[1])

    @property
    def removed_periods(self) -> np.ndarray:
        """2π/θ of each replaced pair, shape (k,)."""
        return 2 * np.pi / np.abs(np.angle(self.removed))


def _in_band(lam: np.ndarray, period: float, period_tol: float, min_modulus: float) -> np.ndarray:
    """Mask of the upper members (Im > 0, angle >= MIN_ANGLE) of complex pairs in the period band."""
    theta = np.abs(np.angle(lam))
    with np.errstate(divide="ignore"):
        periods = 2 * np.pi / theta
    return (
        (lam.imag > 0)
        & (theta >= MIN_ANGLE)
        & (np.abs(lam) >= min_modulus)
        & (np.abs(periods - period) <= period_tol * period)
    )


def _orth(vectors: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the span of the columns, rank cut at ``_RANK_TOL`` of the largest singular value."""
    if vectors.shape[1] == 0:
        return vectors
    u, sv, _ = np.linalg.svd(vectors, full_matrices=False)
    return u[:, sv > _RANK_TOL * sv[0]]


def _block(lam: complex) -> np.ndarray:
    """The real 2 x 2 block of λ on the basis [Re v, Im v]: J [Re v, Im v] = [Re v, Im v] _block(λ).

    The map λ ↦ _block(λ) is multiplicative (it represents λ̄), so _block(λ')·_block(λ)⁻¹ = _block(λ'/λ).
    """
    return np.array([[lam.real, lam.imag], [-lam.imag, lam.real]])


@validate_params(
    {
        **_WEIGHTS,
        "attractors": Array(2, nonempty=True, dtype=np.float64),
        "period": Real(0.0, strict_min=True),
        "period_tol": Real(0.0),
        "min_modulus": Real(0.0),
        "modulus_factor": Real(0.0),
        "new_period": Optional(Real(2.0)),
    }
)
def jacobian_rotation_edit(
    weights: RNNWeights,
    attractors,
    *,
    period: float,
    period_tol: float = 0.25,
    min_modulus: float = RAW_ROTATION_RADIUS,
    modulus_factor: float = 0.0,
    new_period: float | None = None,
) -> JacobianRotationEdit:
    """Remove (or retune) the complex pair of period near ``period`` of the attractor Jacobians, in one edit of W.

    What is changed. At an attractor x*, J = D W with D = diag(1 − x*²).
    Let λ = |λ| e^{iθ} be the chosen pair (below) and P = [Re v, Im v] its
    real invariant plane, J P = P Λ with Λ the 2 x 2 block of λ. The edit
    replaces λ by λ' = ``modulus_factor`` · |λ| · e^{i 2π/new_period} (the
    angle θ kept if ``new_period`` is None): 0 by default, the removal;
    ``modulus_factor=1`` with a ``new_period`` retunes the clock's period
    and keeps its modulus, which tells a clock from a mere mode.

    The 3-bit networks have up to four distinct Jacobians (± partners share
    one), with different planes (principal cosines 0.58–0.96 on the Δt = 8
    network), so one W must serve them all. With B an orthonormal basis of
    all chosen planes P_a = B C_a, X the span of the attractors and
    M = (I − P_X) B, let Q = B (Mᵀ B)⁻¹ Mᵀ and

        W' = W (I + K),   K = [P_a (Λ_a⁻¹ Λ'_a − I)]_a C⁻¹ (Mᵀ B)⁻¹ Mᵀ,

    C = [C_a]_a. Then, exactly and at every attractor at once:

    - J'(x*_a) P_a = D_a W P_a Λ_a⁻¹ Λ'_a = P_a Λ'_a: the chosen pair of
      each Jacobian becomes λ' (for λ' = 0, K = −Q and P_a joins the kernel);
    - K x* = 0, so W' x* = W x*: every attractor stays a fixed point at the
      same place, with the same D. Keeping them put is what separates a
      clock from the memory: otherwise the edit would move the corners too.

    What is not kept: the other eigenvalues of each Jacobian move by a
    perturbation of rank at most ``rank`` − 2 (one W for several planes),
    so an attractor may lose stability or another pair may enter the band;
    :func:`attractor_census` and ``remaining`` check both. Two choices
    keep that perturbation small. K is written with W P_a Λ_a⁻¹ in place of
    D_a⁻¹ P_a, which is equal and does not divide by the gains of saturated
    units. And M is (I − P_X) B, so Q is as near the orthogonal projector
    B Bᵀ as keeping the attractors allows (‖Q‖ = 1.2 on Δt = 8); taking M from
    the left eigenvectors instead, which would keep each single Jacobian's
    other eigenvalues exactly, gives ‖Q‖ = 72 there and a mode at |λ| = 3.5
    at every attractor.

    The pair chosen at each attractor: among complex pairs of J with
    |λ| >= ``min_modulus``, angle θ >= MIN_ANGLE and period 2π/θ within
    ``period_tol · period`` of ``period``, the one whose period is nearest
    ``period``; none if no pair qualifies (that Jacobian is left out; with
    none at all the edit is the identity, rank 0).

    Parameters
    ----------
    weights : RNNWeights
    attractors : array_like of shape (m, N)
        The attractors, normally :func:`find_attractors` of ``weights``;
        the edit is defined at these points whether or not they are fixed points.
    period : float
        Target period in steps, > 0; :func:`clock_tests` uses Δt.
    period_tol : float
        Relative half-width of the period band, >= 0.
    min_modulus : float
        Smallest |λ| of a pair to choose, >= 0. The default
        :data:`rnnmem_helpers.analyses.mechanism.RAW_ROTATION_RADIUS` (0.5) is the
        chapters' raw count of rotations at an attractor.
    modulus_factor : float
        |λ'| / |λ|, >= 0; 0 removes the pair.
    new_period : float, optional
        Period of λ' in steps, >= 2; None keeps that of λ.

    Returns
    -------
    JacobianRotationEdit

    Raises
    ------
    ValueError
        If the chosen planes are linearly dependent, or lie (nearly) in the
        span of the attractors, so that no edit of this form exists.
    """
    _check_points("attractors", attractors, weights)
    W = weights.W
    n = W.shape[0]
    gains = 1.0 - attractors**2
    planes, removed, placed, source = [], [], [], []
    for a in range(attractors.shape[0]):
        # ± partners have equal gains and so the same Jacobian: one edit serves both.
        if any(np.max(np.abs(gains[a] - gains[b])) < 1e-12 for b in source):
            continue
        lam, vecs = np.linalg.eig(gains[a][:, None] * W)
        picks = np.flatnonzero(_in_band(lam, period, period_tol, min_modulus))
        if not picks.size:
            continue
        i = int(picks[np.argmin(np.abs(2 * np.pi / np.abs(np.angle(lam[picks])) - period))])
        theta = np.angle(lam[i]) if new_period is None else 2 * np.pi / new_period
        planes.append(np.stack([vecs[:, i].real, vecs[:, i].imag], axis=1))
        removed.append(lam[i])
        placed.append(modulus_factor * np.abs(lam[i]) * np.exp(1j * theta))
        source.append(a)
    if planes:
        stacked = np.concatenate(planes, axis=1)
        B = _orth(stacked)
        if B.shape[1] < stacked.shape[1]:
            raise ValueError(
                f"attractors: the {len(planes)} chosen planes span only {B.shape[1]} dimensions, so no one edit "
                "can set each of them"
            )
        X = _orth(attractors.T)
        # M = (I − P_X) B: Q kills the attractors and is as near the orthogonal projector B Bᵀ as that allows.
        M = B - X @ (X.T @ B)
        G = M.T @ B
        if np.linalg.cond(G) > MAX_PROJECTOR_CONDITION:
            raise ValueError(
                "attractors: the rotation planes lie (nearly) in the span of the attractors, so no edit can change "
                "them and keep the attractors in place"
            )
        back = np.linalg.solve(G, M.T)  # (Mᵀ B)⁻¹ Mᵀ
        Q = B @ back
        shift = np.concatenate(
            [P @ (_block(new / old) - np.eye(2)) for P, old, new in zip(planes, removed, placed, strict=True)], axis=1
        )
        K = shift @ np.linalg.solve(B.T @ stacked, back)
    else:
        B, Q, K = np.zeros((n, 0)), np.zeros((n, n)), np.zeros((n, n))
    edited = RNNWeights(W=W + W @ K, W_in=weights.W_in, W_out=weights.W_out)
    remaining = []
    for a, new in zip(source, placed, strict=True):
        lam = np.linalg.eigvals(gains[a][:, None] * edited.W)
        band = lam[_in_band(lam, period, period_tol, min_modulus) & (np.abs(lam - new) > 1e-6)]
        remaining.append(float(np.abs(band).max()) if band.size else 0.0)
    return JacobianRotationEdit(
        weights=edited,
        projector=_frozen(Q),
        basis=_frozen(B),
        removed=_frozen(np.array(removed, dtype=np.complex128)),
        placed=_frozen(np.array(placed, dtype=np.complex128)),
        source=_frozen(np.array(source, dtype=np.int64)),
        remaining=_frozen(np.array(remaining, dtype=np.float64)),
        period=period,
        period_tol=period_tol,
        min_modulus=min_modulus,
        modulus_factor=modulus_factor,
        new_period=new_period,
    )


def _no_edit(weights: RNNWeights) -> JacobianRotationEdit:
    """The identity edit (rank 0), for a network with no period to look for (Δt = 0)."""
    n = weights.n_hidden
    empty = _frozen(np.zeros(0, np.complex128))
    return JacobianRotationEdit(
        weights=weights,
        projector=_frozen(np.zeros((n, n))),
        basis=_frozen(np.zeros((n, 0))),
        removed=empty,
        placed=empty,
        source=_frozen(np.zeros(0, np.int64)),
        remaining=_frozen(np.zeros(0)),
        period=0.0,
        period_tol=0.0,
        min_modulus=0.0,
        modulus_factor=0.0,
        new_period=None,
    )


# ----------------------------------------------------------------------------- verdict


@validate_params(
    {
        "n_reference": Integer(0),
        "n_surviving": Integer(0),
        "write_success": Real(0.0, 1.0),
        "median_latency": Real(),
        "n_timed": Integer(0),
        "reference_latency": Real(0.0, strict_min=True),
        "write_threshold": Real(0.0, 1.0),
        "min_timed": Integer(1),
        "latency_tol": Real(0.0),
    }
)
def clock_verdict(
    *,
    n_reference: int,
    n_surviving: int,
    write_success: float,
    median_latency: float,
    n_timed: int,
    reference_latency: float,
    write_threshold: float = 0.9,
    min_timed: int = 10,
    latency_tol: float = 0.5,
) -> str:
    """What an intervention did to storage, writing and timing, as one of :data:`VERDICTS`.

    The rules, in order (the first that applies):

    1. ``"storage lost"``: some reference attractor did not survive (``n_surviving < n_reference``).
    2. ``"writing impaired"``: fewer than ``write_threshold`` of the isolated writes land right.
    3. ``"timing untestable"``: fewer than ``min_timed`` timed flips.
    4. ``"clock removed, memory kept"``: median latency <= half of ``reference_latency``.
    5. ``"clock shortened, memory kept"``: median latency < ``reference_latency − latency_tol``.
    6. ``"clock lengthened, memory kept"``: median latency > ``reference_latency + latency_tol``.
    7. ``"timing kept"``: otherwise.

    Memory (rules 1–2) is judged before timing: an edit that breaks writes
    makes its surviving switches a biased sample, and timing is not read
    from them.

    Parameters
    ----------
    n_reference, n_surviving : int
        Attractors asked about and surviving, >= 0 (:class:`AttractorCensus`).
    write_success : float
        Fraction of right writes, in [0, 1] (:attr:`WriteTest.success_rate`).
    median_latency : float
        Median timed latency (:attr:`SwitchLatencies.median`), finite; not
        read when ``n_timed < min_timed`` (pass 0.0 when there are none).
    n_timed : int
        Timed flips, >= 0.
    reference_latency : float
        The intact network's median latency, > 0 (its Δt for a network that times well).
    write_threshold : float
        In [0, 1].
    min_timed : int
        >= 1.
    latency_tol : float
        Steps, >= 0. The default 0.5 calls any whole-step move of the
        median a change: the intact networks switch at exactly Δt, with an
        interquartile range of 0 on the shipped Δt = 8 network.

    Returns
    -------
    str
    """
    if n_surviving > n_reference:
        raise ValueError(f"n_surviving must be <= n_reference = {n_reference}, got {n_surviving}")
    if n_surviving < n_reference:
        return VERDICTS[0]
    if write_success < write_threshold:
        return VERDICTS[1]
    if n_timed < min_timed:
        return VERDICTS[2]
    if median_latency <= 0.5 * reference_latency:
        return VERDICTS[3]
    if median_latency < reference_latency - latency_tol:
        return VERDICTS[4]
    if median_latency > reference_latency + latency_tol:
        return VERDICTS[5]
    return VERDICTS[6]


# ----------------------------------------------------------------------------- all variants


@dataclass(frozen=True, eq=False)
class VariantMeasures:
    """Storage, writing and timing of one variant of a network.

    Attributes
    ----------
    name : str
        One of :data:`VARIANTS` ("Jacobian clock x{f:g}" for a retune).
    rank : int
        Rank of the change to W (0 for the intact network; for the delay
        projection, which leaves W alone, the rank of its projector).
    census : AttractorCensus
    writes : WriteTest
    latencies : SwitchLatencies
    verdict : str
        :func:`clock_verdict` against the intact network's median latency
        (``"timing untestable"`` for every variant if the intact median is
        not > 0, e.g. an undelayed network).
    seconds : float
        Wall time of this variant's measures.
    """

    name: str
    rank: int
    census: AttractorCensus
    writes: WriteTest
    latencies: SwitchLatencies
    verdict: str
    seconds: float

    def row(self) -> dict:
        """The variant's numbers as a flat dict (for a table)."""
        q25, q75 = self.latencies.quartiles
        return {
            "variant": self.name,
            "rank": self.rank,
            "attractors": f"{self.census.n_surviving}/{self.census.n_reference}",
            "max_moved": float(np.nanmax(self.census.distance)) if self.census.n_surviving else float("nan"),
            "noise_tolerance": self.census.noise_tolerance,
            "mean_return": self.census.mean_return,
            "write_success": self.writes.success_rate,
            "n_writes": self.writes.n_writes,
            "stayed": self.writes.count("stayed"),
            "other": self.writes.count("other"),
            "write_latency": self.writes.median_latency,
            "median": self.latencies.median,
            "q25": q25,
            "q75": q75,
            "n_timed": self.latencies.n_timed,
            "n_censored": self.latencies.n_censored,
            "n_excluded": self.latencies.n_excluded,
            "verdict": self.verdict,
            "seconds": self.seconds,
        }


@dataclass(frozen=True, eq=False)
class ClockTests:
    """:func:`clock_tests` of one network.

    Attributes
    ----------
    delay : int
    reference_points : ndarray of shape (m, N)
        The intact network's attractors.
    edit : JacobianRotationEdit
        The Jacobian removal (its projector also drives the delay projection).
    variants : tuple of VariantMeasures
        In the order of :data:`VARIANTS`, without those that could not be built.
    skipped : tuple of (str, str)
        Variants not measured, with the reason (e.g. a W too close to
        defective for :func:`ablate`, a retuned period below 2).
    seconds : float
        Wall time of the whole call.
    """

    delay: int
    reference_points: np.ndarray
    edit: JacobianRotationEdit
    variants: tuple
    skipped: tuple
    seconds: float

    def table(self) -> list[dict]:
        """One :meth:`VariantMeasures.row` per variant."""
        return [v.row() for v in self.variants]

    def __getitem__(self, name: str) -> VariantMeasures:
        for v in self.variants:
            if v.name == name:
                return v
        raise KeyError(name)


def _no_writes(weights: RNNWeights, delay: int, n_per_corner: int) -> WriteTest:
    """The write test of a network with no attractor to start from: no writes at all."""
    k = weights.n_bits
    return WriteTest(
        delay=delay,
        corners=_frozen(np.zeros((0, k), np.int64)),
        outcome=_frozen(np.zeros((0, k, n_per_corner), np.int64)),
        final_signs=_frozen(np.zeros((0, k, n_per_corner, k), np.int64)),
        latency=_frozen(np.zeros((0, k, n_per_corner))),
        n_steps=delay + DEFAULT_SETTLE,
    )


@validate_params(
    {
        **_WEIGHTS,
        "delay": Integer(0),
        "rng": RNG(),
        "n_time": Integer(2),
        "n_per_corner": Integer(1),
        "period": Optional(Real(0.0, strict_min=True)),
        "retune": SequenceOf(Real(0.0, strict_min=True), "positive period factors"),
        "hold": Optional(Integer(1)),
    }
)
def clock_tests(
    weights: RNNWeights,
    delay: int,
    *,
    rng,
    n_time: int = 20_000,
    n_per_corner: int = 4,
    period: float | None = None,
    retune=DEFAULT_RETUNE,
    hold: int | None = DEFAULT_HOLD,
) -> ClockTests:
    """Storage, writing and timing of a network and of its interventions, paired.

    Variants (:data:`VARIANTS`):

    - ``"intact"``;
    - ``"W rotations"``: W's outlying complex pairs removed, ``ablate(w, "rotations")``;
    - ``"bulk control"``: as many bulk pairs removed, ``ablate(w, "bulk")``;
    - ``"Jacobian rotations"``: :func:`jacobian_rotation_edit` at the intact
      attractors, the pair of period nearest ``period`` (default Δt) removed;
    - ``"Jacobian clock x{f:g}"`` for each f in ``retune``: the same pair
      kept at its modulus with its period set to f · ``period``, the test
      of a clock (does the latency follow the period?);
    - ``"delay projection"``: the intact W, with :func:`delay_projection`
      by the removal's projector at steps 0 to Δt − 1 after each pulse;
    - ``"late delay projection"``: the same at steps ⌈Δt/2⌉ to Δt − 1 only,
      which leaves the pulse's entry into the planes alone.

    Each gets :func:`attractor_census` seeded from the intact attractors,
    :func:`write_test` from its own surviving attractors and
    :func:`stream_latency`, and a :func:`clock_verdict` against the intact
    median latency. The delay projection acts only after pulses, so its
    census is the intact one (the same object).

    Draws: ``rng`` gives five seeds, in order, for the intact fixed-point
    search, the censuses, the write tests, the stream and the bulk pairs; a
    fresh generator from the same seed serves every variant, so all see the
    same noise and the same stream.

    Parameters
    ----------
    weights : RNNWeights
        The intact network.
    delay : int
        Its Δt, >= 0.
    rng : np.random.Generator or int
    n_time : int
        Stream length of the timing measure, >= 2.
    n_per_corner : int
        Writes per attractor and channel, >= 1.
    period : float, optional
        Period of the Jacobian pair to change, > 0; default ``delay`` (for
        ``delay`` 0 there is none: the edits are the identity).
    retune : sequence of float
        Period factors of the retuned clocks, each > 0; a retuned period
        below 2 steps is skipped.
    hold : int or None
        See :func:`switch_latency`.

    Returns
    -------
    ClockTests

    Raises
    ------
    ValueError
        If the intact network has no attractor.
    """
    t_all = time.perf_counter()
    fp_seed, census_seed, write_seed, stream_seed, bulk_seed = (int(s) for s in rng.integers(0, 2**63, size=5))
    reference = find_attractors(weights, rng=fp_seed)
    if reference.shape[0] == 0:
        raise ValueError("weights: the intact network has no attractor, so there is nothing to census or write from")
    target = float(delay) if period is None else period
    # Δt = 0 has no clock to look for: the edits are the identity (rank 0), and so is the projection.
    edit = jacobian_rotation_edit(weights, reference, period=target) if target > 0 else _no_edit(weights)

    # (name, weights, rank of the change, projector, first projected step after a pulse)
    built, skipped = [("intact", weights, 0, None, 0)], []
    for name, kind in (("W rotations", "rotations"), ("bulk control", "bulk")):
        try:
            ablated = ablate(weights, kind, rng=bulk_seed if kind == "bulk" else None)
        except ValueError as exc:
            skipped.append((name, str(exc)))
            continue
        built.append((name, ablated.weights, ablated.n_removed, None, 0))
    built.append(("Jacobian rotations", edit.weights, edit.rank, None, 0))
    for factor in retune:
        name = f"Jacobian clock x{factor:g}"
        if target <= 0:
            built.append((name, weights, 0, None, 0))
            continue
        if factor * target < 2:
            skipped.append((name, f"a period of {factor * target:g} steps is below 2, the shortest a rotation has"))
            continue
        try:
            tuned = jacobian_rotation_edit(
                weights, reference, period=target, modulus_factor=1.0, new_period=factor * target
            )
        except ValueError as exc:
            skipped.append((name, str(exc)))
            continue
        built.append((name, tuned.weights, tuned.rank, None, 0))
    built.append(("delay projection", weights, edit.rank, edit.projector, 0))
    built.append(("late delay projection", weights, edit.rank, edit.projector, -(-delay // 2)))

    measured, intact_census = [], None
    for name, w, rank, projector, start in built:
        t0 = time.perf_counter()
        if projector is not None:
            census = intact_census
        else:
            census = attractor_census(w, reference, rng=census_seed)
            intact_census = census if name == "intact" else intact_census
        if census.n_surviving:
            writes = write_test(
                w,
                delay,
                n_per_corner=n_per_corner,
                rng=write_seed,
                attractors=census.surviving_points,
                projector=projector,
                projection_start=start,
            )
        else:
            writes = _no_writes(w, delay, n_per_corner)
        latencies = stream_latency(
            w, delay, n_time=n_time, rng=stream_seed, hold=hold, projector=projector, projection_start=start
        )
        measured.append((name, rank, census, writes, latencies, time.perf_counter() - t0))

    reference_latency = measured[0][4].median
    variants = []
    for name, rank, census, writes, latencies, seconds in measured:
        if census.n_surviving < census.n_reference:
            verdict = VERDICTS[0]
        elif not reference_latency > 0:
            verdict = VERDICTS[2]
        else:
            verdict = clock_verdict(
                n_reference=census.n_reference,
                n_surviving=census.n_surviving,
                write_success=writes.success_rate,
                median_latency=latencies.median if latencies.n_timed else 0.0,
                n_timed=latencies.n_timed,
                reference_latency=reference_latency,
            )
        variants.append(VariantMeasures(name, rank, census, writes, latencies, verdict, seconds))
    return ClockTests(
        delay=delay,
        reference_points=reference,
        edit=edit,
        variants=tuple(variants),
        skipped=tuple(skipped),
        seconds=time.perf_counter() - t_all,
    )
