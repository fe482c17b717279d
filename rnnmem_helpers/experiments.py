"""One experiment of a sweep: train, test on fresh data, analyse; and the rotational initialisation.

The paper closes by suggesting that networks could train faster if
initialised "in a way that promotes transverse rotations".
:func:`rotation_init` is our reading of that: the paper's random W plus a few
planar rotations, each in a plane orthogonal to the input weights and to the
readout, so the rotations neither receive pulses directly nor show in the
output. Whether it helps is measured, not assumed.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_generator, check_choice, check_float, check_int
from .analysis import spectrum_summary
from .fixed_points import find_fixed_points
from .metrics import evaluate
from .model import ModelConfig, RNNWeights
from .sweep import INITS
from .task import TaskConfig
from .train import TrainConfig, initial_weights, train

# Keeps the test stream of a run apart from every stream that training drew from
# the same seed, so the reported accuracy is measured on unseen data.
_TEST_SEED_OFFSET = 1_000_003


def rotation_init(base: RNNWeights, rng, *, n_planes: int = 8, radius: float = 0.95) -> RNNWeights:
    """``base`` plus ``n_planes`` transverse planar rotations.

    W = W_base + Q blockdiag(ρ R(θ_1), ..., ρ R(θ_m)) Qᵀ, where the columns of
    Q (N, 2m) are orthonormal and orthogonal to the columns of W_in and the
    rows of W_out, and θ_j = π j / (m + 1) spreads the rotation periods
    2π/θ_j between 2 and 2(m + 1) steps. W_in and W_out are kept.

    Parameters
    ----------
    base : RNNWeights
        The weights to add the rotations to; for a paired comparison, the
        paper arm's start, :func:`rnnmem_helpers.train.initial_weights`.
        Needs ``n_hidden >= 2 * n_planes + 2 * n_bits``.
    rng : np.random.Generator or int
        Draws the planes Q only.
    n_planes : int
        Number of rotation planes m, >= 1.
    radius : float
        ρ, in (0, 1.5].
    """
    if not isinstance(base, RNNWeights):
        raise TypeError(f"base must be RNNWeights, got {type(base).__name__}")
    n_planes = check_int("n_planes", n_planes, minimum=1)
    radius = check_float("radius", radius, minimum=0.0, maximum=1.5, strict_min=True)
    n, k = base.n_hidden, base.n_bits
    if n < 2 * n_planes + 2 * k:
        raise ValueError(f"n_planes must be <= (n_hidden - 2 n_bits) / 2 = {(n - 2 * k) // 2}, got {n_planes}")
    rng = as_generator("rng", rng)
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


def start_weights(init: str, model: ModelConfig, seed: int) -> RNNWeights | None:
    """The initial weights of a sweep run; ``None`` means the paper's (``train`` draws them).

    ``"transverse"`` adds :func:`rotation_init` planes to the very weights the
    ``"paper"`` arm of the same seed starts from, so the two arms differ only
    in the added rotations.
    """
    init = check_choice("init", init, INITS)
    if init == "paper":
        return None
    # The planes get a generator of their own ([seed, 7] shares no stream with the
    # SeedSequence(seed) children of train), so adding them leaves the data untouched.
    return rotation_init(initial_weights(model, seed), np.random.default_rng([seed, 7]))


def run_experiment(run: dict) -> dict:
    """Train one network as ``run`` says and summarise it (JSON-ready).

    ``run`` holds the keys of :data:`rnnmem_helpers.sweep.RUN_DEFAULTS`.
    """
    task = TaskConfig(delay=run["delay"], mean_interval=run["mean_interval"], rate_scope=run["rate_scope"])
    model = ModelConfig(n_hidden=run["n_hidden"], n_bits=task.n_bits)
    config = TrainConfig(mode=run["mode"], max_steps=run["max_steps"], target_accuracy=run["target_accuracy"])
    seed = run["seed"]
    res = train(task, model, config, seed=seed, init=start_weights(run["init"], model, seed), progress=False)
    test = evaluate(res.weights, task, rng=seed + _TEST_SEED_OFFSET)
    out = {
        "converged": res.converged,
        "steps": res.steps,
        "seconds": round(res.seconds, 2),
        "accuracy": test.accuracy,
        "wrong_flips": test.wrong_flips,
        "history": res.history,
    }
    if run["analyse"]:
        out.update(analyse(res.weights, seed))
    return out


def analyse(weights: RNNWeights, seed: int) -> dict:
    """Spectrum of W and fixed-point topology, as JSON-ready numbers."""
    spec = spectrum_summary(weights.W)
    fps = find_fixed_points(weights, rng=seed)
    stable = fps.n_unstable == 0
    # The dominant complex mode of every attractor that has one: angle and modulus.
    modes = [m for m in (_dominant_mode(ev) for ev in fps.eigvals[stable]) if m is not None]
    return {
        "spectrum": {
            "eigvals": [[float(z.real), float(z.imag)] for z in spec.eigvals],
            "n_unstable": spec.n_unstable,
            "n_real_outliers": int(spec.real_outliers.size),
            "rotation_angles": [float(a) for a in spec.rotation_angles],
            "rotation_periods": [float(p) for p in spec.rotation_periods],
        },
        "fixed_points": {
            "summary": {str(k): v for k, v in fps.summary().items()},
            "summary_naive": {str(k): v for k, v in fps.summary(naive=True).items()},
            "n": len(fps),
            "n_slow": int(fps.slow_q.size),
            "max_unstable": int(fps.n_unstable.max()) if len(fps) else 0,
            "attractor_angles": [float(abs(np.angle(m))) for m in modes],
            "attractor_moduli": [float(abs(m)) for m in modes],
        },
    }


def _dominant_mode(eigvals, min_angle: float = 0.1):
    """The largest-modulus eigenvalue with |arg λ| in [min_angle, π - min_angle], or None."""
    angles = np.abs(np.angle(eigvals))
    ok = (angles >= min_angle) & (angles <= np.pi - min_angle)
    if not ok.any():
        return None
    return complex(eigvals[ok][np.argmax(np.abs(eigvals[ok]))])
