"""Initial weights: the paper's draw, the draw a training run starts from, and the rotational variant.

The paper closes by suggesting that networks could train faster if
initialised "in a way that promotes transverse rotations".
:func:`rotation_init` is our reading of that: the paper's random W plus a few
planar rotations, each in a plane orthogonal to the input weights and to the
readout, so the rotations neither receive pulses directly nor show in the
output. Whether it helps is measured, not assumed.

Randomness of a training run. :func:`rnnmem_helpers.core.train.train` splits its
``rng`` into four independent seed sequences: initial weights, training data,
held-out stream, confirmation streams (:func:`run_seed_sequences`). An integer
``s`` gives the children of ``np.random.SeedSequence(s)``; a Generator gives
the next four children of its own seed sequence, so two calls with one
Generator are two independent runs, and a fresh ``np.random.default_rng(s)``
gives exactly the run of ``s``.
"""

from __future__ import annotations

import numpy as np

from ._validate import RNG, Boolean, InstanceOf, Integer, OneOf, Real, validate_params
from .model import ModelConfig, RNNWeights

# "transverse" (rotations added to the paper arm's own start) replaced an unpaired
# "rotation" init; the old name is rejected so its results cannot be mistaken for new ones.
INITS = ("paper", "transverse")
#: Rotation planes that :func:`rotation_init` adds by default (the ``"transverse"`` init of a sweep).
DEFAULT_PLANES = 8
# Seed sequences of a training run, in this order: initial weights, training data, held-out stream, confirmation.
N_RUN_STREAMS = 4


@validate_params({"rng": RNG(), "advance": Boolean()})
def run_seed_sequences(*, rng, advance: bool) -> list[np.random.SeedSequence]:
    """The :data:`N_RUN_STREAMS` seed sequences of a training run drawn with ``rng``.

    Parameters
    ----------
    rng : int or np.random.Generator
        An int ``s`` gives ``np.random.SeedSequence(s).spawn(4)``. A Generator
        gives the next children of its bit generator's seed sequence, whatever
        has been drawn from the Generator itself; for a fresh
        ``np.random.default_rng(s)`` these are the children of ``s``.
    advance : bool
        Count the children as spawned, so that a later call gets new ones, as
        :func:`rnnmem_helpers.core.train.train` does; or leave ``rng`` as it was, as
        :func:`initial_weights` does to show the start that a ``train`` call
        with the same Generator will use.

    Returns
    -------
    list of np.random.SeedSequence

    Raises
    ------
    TypeError
        If the Generator's bit generator was not seeded by a SeedSequence
        (then it cannot spawn).
    """
    seq = rng.bit_generator.seed_seq
    if not isinstance(seq, np.random.SeedSequence):
        raise TypeError(
            "rng must be a non-negative integer seed or an np.random.Generator seeded by a SeedSequence, "
            f"got a Generator over {type(seq).__name__}"
        )
    if not advance:
        seq = np.random.SeedSequence(
            seq.entropy, spawn_key=seq.spawn_key, pool_size=seq.pool_size, n_children_spawned=seq.n_children_spawned
        )
    return seq.spawn(N_RUN_STREAMS)


class _Seed(RNG):
    """Like :class:`~rnnmem_helpers.core._validate.RNG`, but an int seed is returned as an ``int``, not a Generator."""

    def _check(self, name, value, allowed):
        checked = super()._check(name, value, allowed)
        return checked if isinstance(value, np.random.Generator) else int(value)


@validate_params({"config": InstanceOf(ModelConfig), "rng": RNG()})
def init_weights(config: ModelConfig, *, rng) -> RNNWeights:
    """The paper's initialisation: uniform in ±1/√3 for W_in, ±1/√N for W and W_out.

    Parameters
    ----------
    config : ModelConfig
    rng : np.random.Generator or int
        Source of the draw (an int is used as a seed).
    """
    n, k = config.n_hidden, config.n_bits
    a_in, a = 1 / np.sqrt(3), 1 / np.sqrt(n)
    W_in = rng.uniform(-a_in, a_in, size=(n, k))
    W = rng.uniform(-a, a, size=(n, n))
    W_out = rng.uniform(-a, a, size=(k, n))
    return RNNWeights(W=W, W_in=W_in, W_out=W_out)


@validate_params({"model": InstanceOf(ModelConfig), "rng": RNG()})
def initial_weights(model: ModelConfig, *, rng) -> RNNWeights:
    """The paper-style initial weights that ``train(..., rng=rng)`` starts from.

    Lets an alternative initialisation modify exactly the draw the paper's arm
    uses, so that two arms of a comparison share their base weights.

    Parameters
    ----------
    model : ModelConfig
    rng : int or np.random.Generator
        As for :func:`rnnmem_helpers.core.train.train`: an int >= 0, or a Generator,
        which is left unchanged, so that a ``train`` call with it afterwards
        starts from these very weights.
    """
    child = run_seed_sequences(rng=rng, advance=False)[0]
    return init_weights(model, rng=np.random.default_rng(child))


@validate_params(
    {
        "base": InstanceOf(RNNWeights),
        "rng": RNG(),
        "n_planes": Integer(1),
        "radius": Real(0.0, 1.5, strict_min=True),
    }
)
def rotation_init(base: RNNWeights, *, rng, n_planes: int = DEFAULT_PLANES, radius: float = 0.95) -> RNNWeights:
    """``base`` plus ``n_planes`` transverse planar rotations.

    W = W_base + Q blockdiag(ρ R(θ_1), ..., ρ R(θ_m)) Qᵀ, where the columns of
    Q (N, 2m) are orthonormal and orthogonal to the columns of W_in and the
    rows of W_out, and θ_j = π j / (m + 1) spreads the rotation periods
    2π/θ_j between 2 and 2(m + 1) steps. W_in and W_out are kept.

    Parameters
    ----------
    base : RNNWeights
        The weights to add the rotations to; for a paired comparison, the
        paper arm's start, :func:`initial_weights`.
        Needs ``n_hidden >= 2 * n_planes + 2 * n_bits``.
    rng : np.random.Generator or int
        Draws the planes Q only.
    n_planes : int
        Number of rotation planes m, >= 1.
    radius : float
        ρ, in (0, 1.5].
    """
    n, k = base.n_hidden, base.n_bits
    if n < 2 * n_planes + 2 * k:
        raise ValueError(f"n_planes must be <= (n_hidden - 2 n_bits) / 2 = {(n - 2 * k) // 2}, got {n_planes}")
    avoid = np.linalg.qr(np.concatenate([base.W_in, base.W_out.T], axis=1))[0]
    g = rng.standard_normal((n, 2 * n_planes))
    g -= avoid @ (avoid.T @ g)
    q = np.linalg.qr(g)[0]
    block = np.zeros((2 * n_planes, 2 * n_planes))
    for j in range(n_planes):
        theta = np.pi * (j + 1) / (n_planes + 1)
        c, s = np.cos(theta), np.sin(theta)
        block[2 * j : 2 * j + 2, 2 * j : 2 * j + 2] = radius * np.array([[c, -s], [s, c]])
    return RNNWeights(W=base.W + q @ block @ q.T, W_in=base.W_in, W_out=base.W_out)


@validate_params({"init": OneOf(INITS), "model": InstanceOf(ModelConfig), "rng": _Seed()})
def start_weights(init: str, model: ModelConfig, *, rng) -> RNNWeights | None:
    """The initial weights of a sweep run; ``None`` means the paper's (``train`` draws them).

    ``"transverse"`` adds :func:`rotation_init` planes to the very weights the
    ``"paper"`` arm of the same ``rng`` starts from (:func:`initial_weights`),
    so the two arms differ only in the added rotations.

    Parameters
    ----------
    init : {"paper", "transverse"}
    model : ModelConfig
    rng : int or np.random.Generator
        The run's ``rng``, as passed to :func:`rnnmem_helpers.core.train.train`.
        For an int ``s`` the planes come from ``np.random.default_rng([s, 7])``;
        for a Generator, from the Generator's own stream. Neither is a stream
        that ``train`` draws from, and a Generator's seed sequence is left
        unchanged, so ``train`` with it afterwards uses the paper arm's data.
    """
    if init == "paper":
        return None
    base = initial_weights(model, rng=rng)
    # [s, 7] shares no stream with the SeedSequence(s) children of train, so adding planes leaves the data alone.
    planes = rng if isinstance(rng, np.random.Generator) else np.random.default_rng([rng, 7])
    return rotation_init(base, rng=planes)
