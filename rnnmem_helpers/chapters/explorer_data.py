"""Data for the book's browser explorers: one JSON document per shipped network.

The explorers of the HTML book run the shipped networks in the reader's
browser (``book/_static/rnnmem/forward.js``) and draw what this package
computes about them. :func:`export_network` gathers all of it for one
network, computed by the package's own helpers, so that the page shows what
the helpers compute; :func:`export_all` writes one file per shipped seed-0
network.

Format (``format_version`` 2). A matrix is ``{"shape": [rows, cols], "data": [...]}``
with ``data`` in row-major order. The weights are the checkpoint's float32
values, written exactly: each number is the float64 equal to the float32, so
``JSON.parse`` in JavaScript and ``json.loads`` in Python give those values bit
for bit. The trajectory's projections, which only a 3-D scatter shows, are
rounded to :data:`PLOT_DIGITS` significant digits; every other number to
:data:`DIGITS`.

- ``format``, ``format_version``, ``package_version``
- ``delay``, ``seed``, ``n_hidden``, ``n_bits``, ``task`` (the TaskConfig as a dict),
  ``test_accuracy`` (from the checkpoint's metadata; None if it has none; :func:`export_choice` adds
  ``accuracy``, the canonical accuracy the chapters quote),
  ``n_time`` (length of the test run below)
- ``weights``: ``W`` (N, N), ``W_in`` (N, n_bits), ``W_out`` (n_bits, N), column-vector
  convention: S(t) = tanh(W S(t-1) + W_in X(t)), Y(t) = tanh(W_out S(t))
- ``pca``: ``mean`` (N), ``components`` (3, N) with orthonormal rows,
  ``explained_variance``, ``explained_variance_ratio`` (3 each), from
  :func:`~rnnmem_helpers.analyses.analysis.fit_pca` on the states of a
  :func:`~rnnmem_helpers.analyses.analysis.run_test` run of ``n_time`` steps; a state
  ``s`` projects to ``components @ (s - mean)``
- ``trajectory``: ``start`` (index in the run of the first state kept), ``pc``
  (T, 3), the last T states projected on the PCA, and ``signs``, per state the
  output signs as a string of ``+`` (output > 0) and ``-``, channel 0 first
- ``fixed_points``: ``census`` (number of points by number of unstable modes,
  keys as strings, as ``FixedPointResult.summary()``), ``margin``, and
  ``points``, each with ``index``, ``pc`` (3), ``n_unstable``,
  ``n_unstable_naive``, ``q``, ``readout`` (tanh(W_out x*)), ``signs`` and
  ``state`` (x*, N numbers, for an attractor, ``n_unstable == 0``; None for
  the others, which the page never runs from), in the order of
  :func:`~rnnmem_helpers.analyses.fixed_points.find_fixed_points` at zero input
- ``spectrum``: ``unit_radius`` (1), ``bulk_radius``, ``outlier_radius``,
  ``bulk_radius_empirical``, ``n_unstable``, ``n_unstable_naive``, ``margin``,
  and ``eigenvalues``, columns of equal length sorted as
  :func:`~rnnmem_helpers.analyses.analysis.spectrum_summary` sorts them: ``re``, ``im``,
  ``modulus``, ``angle`` (arg λ in (-π, π]), ``period`` (2π/|angle| steps, None
  for a positive real eigenvalue) and ``kind`` (``"rotation"`` for both
  members of a rotation pair, ``"real_outlier"`` or ``"bulk"``)
- ``rotation_planes``: one per rotation pair of the spectrum summary, with
  ``eigenvalue`` ([re, im], the member with Im > 0), ``modulus``, ``angle``,
  ``period``, ``basis`` (2, N) and ``block`` (2, 2). The rows of ``basis`` are
  an orthonormal basis of the real plane the pair rotates (W maps the plane
  into itself): the principal axes of the ellipse that the eigenvector's real
  and imaginary parts span, the longer first, each signed so that its entry of
  largest absolute value is positive. ``basis @ s`` is a state's projection on
  the plane, and ``block = basis @ W @ basis.T`` is how W acts on it, so
  ``W @ basis.T == basis.T @ block``.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import json
import os
from pathlib import Path

import numpy as np

from ..analyses.analysis import MAX_TEST_STEPS, fit_pca, run_test, spectrum_summary
from ..analyses.fixed_points import find_fixed_points
from ..analyses.mechanism import eig_span
from ..core._io import atomic_write
from ..core._validate import RNG, InstanceOf, Integer, validate_params
from ..core._version import __version__
from ..core.checkpoints import (
    Checkpoint,
    available_pretrained,
    check_checkpoint,
    load_checkpoint,
    load_pretrained,
    pretrained_path,
)
from .evidence import CANONICAL_SEED, canonical_accuracy

FORMAT = "rnnmem-explorer-network"
FORMAT_VERSION = 2
#: Significant digits of every exported number but the weights: float32 precision, which is all a plot can show.
DIGITS = 7
#: Significant digits of the trajectory's projections: 1e-4 of an axis is below a pixel, and they are most of a file.
PLOT_DIGITS = 4
N_COMPONENTS = 3
#: Default cap on one file, so that a page with every network stays within the book's 8 MB budget.
MAX_FILE_BYTES = 1_500_000


def _rounded(values, digits: int = DIGITS) -> list:
    return [float(f"{v:.{digits}g}") for v in np.asarray(values, dtype=np.float64).ravel()]


def _matrix(arr, values: list) -> dict:
    return {"shape": list(np.shape(arr)), "data": values}


def _signs(rows) -> list[str]:
    return ["".join("+" if v > 0 else "-" for v in row) for row in np.atleast_2d(rows)]


def _exact_float32(name: str, arr: np.ndarray) -> dict:
    """``arr`` as a matrix whose numbers are exactly its float32 values."""
    # RNNWeights hold float64: a loaded checkpoint's are float32 values, an in-memory network's need not be,
    # and the browser would then run a different network than the one analysed here.
    if not np.array_equal(arr.astype(np.float32).astype(np.float64), arr):
        raise ValueError(
            f"ckpt must hold float32 weights, as a saved checkpoint does; weights.{name} has values "
            "that float32 cannot represent (save and reload the checkpoint, or cast the weights to float32)"
        )
    # tolist gives Python floats, whose repr is the shortest text that parses back to the same float64.
    return _matrix(arr, np.asarray(arr, dtype=np.float64).ravel().tolist())


def _rotation_plane(W: np.ndarray, eigval: complex) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal basis (2, N) of the real invariant plane of W for the pair ``eigval``, conj(``eigval``)."""
    span = eig_span(W, [eigval])
    # The eigenvector is defined up to a complex factor; the principal axes of the ellipse its real and
    # imaginary parts trace do not depend on that factor, so they make the basis canonical.
    axes = np.linalg.svd(span, full_matrices=False)[0].T
    lead = np.argmax(np.abs(axes), axis=1)
    axes = axes * np.sign(axes[np.arange(2), lead])[:, None]
    return axes, axes @ W @ axes.T


def _period(angle: float) -> float | None:
    return None if angle == 0 else float(f"{2 * np.pi / abs(angle):.{DIGITS}g}")


@validate_params(
    {
        "ckpt": InstanceOf(Checkpoint),
        "n_time": Integer(N_COMPONENTS, MAX_TEST_STEPS),
        "rng": RNG(),
        "n_shown": Integer(1),
    }
)
def export_network(ckpt: Checkpoint, *, n_time: int = 20_000, rng, n_shown: int = 2000) -> dict:
    """Everything the explorers draw for one network, as a JSON-ready dict.

    See the module docstring for the fields.

    Parameters
    ----------
    ckpt : Checkpoint
        The network, with float32 weights (any loaded checkpoint has them).
    n_time : int
        Length of the test run that the PCA and the fixed-point search are
        fitted on, in ``[delay + 2, MAX_TEST_STEPS]`` (at least 3).
    rng : np.random.Generator or int
        Required, keyword-only. The test stream is drawn from it, then the
        fixed-point search's seeds: an int >= 0 gives what
        ``run = run_test(..., rng=g)`` followed by
        ``find_fixed_points(..., states=run.states_txn, rng=g)`` give with
        ``g = np.random.default_rng(rng)``; a Generator is advanced.
    n_shown : int
        Number of states kept for the trajectory (the last ones of the run),
        >= 1; all of them if the run is shorter.

    Returns
    -------
    dict

    Raises
    ------
    TypeError, ValueError
        If the metadata would not pass the check of
        :func:`~rnnmem_helpers.core.checkpoints.load_checkpoint` (the message
        names the field: a missing ``task``, a ``test`` accuracy that is not a
        number in [0, 1]), the weights are not float32 values, or ``n_time``
        is shorter than ``delay + 2``.
    """
    # A Checkpoint made in memory has had no check; a loaded one was checked, naming its file, when it was read.
    check_checkpoint(ckpt, name="ckpt")
    weights = ckpt.weights
    exact = {name: _exact_float32(name, getattr(weights, name)) for name in ("W", "W_in", "W_out")}
    run = run_test(weights, ckpt.task, n_time, rng=rng)
    pca = fit_pca(run.states_txn, N_COMPONENTS)
    shown = run.states_txn[-n_shown:]
    shown_pc = pca.transform(shown)
    fps = find_fixed_points(weights, states=run.states_txn, rng=rng)
    spec = spectrum_summary(weights.W)

    readouts = np.tanh(fps.xstar @ weights.W_out.T)
    fp_pc = pca.transform(fps.xstar)
    points = [
        {
            "index": i,
            "pc": _rounded(fp_pc[i]),
            "n_unstable": int(fps.n_unstable[i]),
            "n_unstable_naive": int(fps.n_unstable_naive[i]),
            "q": _rounded(fps.q[i])[0],
            "readout": _rounded(readouts[i]),
            "signs": _signs(readouts[i])[0],
            "state": _rounded(fps.xstar[i]) if fps.n_unstable[i] == 0 else None,
        }
        for i in range(len(fps))
    ]

    ev = spec.eigvals
    angles = np.angle(ev)
    rotating = np.isin(ev, spec.rotation_eigvals) | np.isin(np.conj(ev), spec.rotation_eigvals)
    kinds = np.where(rotating, "rotation", np.where(np.isin(ev, spec.real_outliers), "real_outlier", "bulk"))
    planes = []
    for lam in spec.rotation_eigvals:
        basis, block = _rotation_plane(weights.W, lam)
        planes.append(
            {
                "eigenvalue": _rounded([lam.real, lam.imag]),
                "modulus": _rounded(abs(lam))[0],
                "angle": _rounded(np.angle(lam))[0],
                "period": _period(np.angle(lam)),
                "basis": _matrix(basis, _rounded(basis)),
                "block": _matrix(block, _rounded(block)),
            }
        )

    test = ckpt.metadata.get("test")
    accuracy = test.get("accuracy") if isinstance(test, dict) else None
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "delay": ckpt.delay,
        "seed": ckpt.metadata["seed"],
        "n_hidden": weights.n_hidden,
        "n_bits": weights.n_bits,
        "task": dataclasses.asdict(ckpt.task),
        "test_accuracy": None if accuracy is None else float(accuracy),
        "n_time": run.n_time,
        "weights": exact,
        "pca": {
            "mean": _rounded(pca.mean),
            "components": _matrix(pca.components, _rounded(pca.components)),
            "explained_variance": _rounded(pca.explained_variance),
            "explained_variance_ratio": _rounded(pca.explained_variance_ratio),
        },
        "trajectory": {
            "start": run.n_time - shown.shape[0],
            "pc": _matrix(shown_pc, _rounded(shown_pc, PLOT_DIGITS)),
            "signs": _signs(run.outputs_txk[-n_shown:]),
        },
        "fixed_points": {
            "census": {str(k): v for k, v in fps.summary().items()},
            "margin": fps.margin,
            "points": points,
        },
        "spectrum": {
            "unit_radius": 1.0,
            "bulk_radius": _rounded(spec.bulk_radius)[0],
            "outlier_radius": _rounded(spec.outlier_radius)[0],
            "bulk_radius_empirical": _rounded(spec.bulk_radius_empirical)[0],
            "n_unstable": spec.n_unstable,
            "n_unstable_naive": spec.n_unstable_naive,
            "margin": spec.margin,
            "eigenvalues": {
                "re": _rounded(ev.real),
                "im": _rounded(ev.imag),
                "modulus": _rounded(np.abs(ev)),
                "angle": _rounded(angles),
                "period": [_period(a) for a in angles],
                "kind": kinds.tolist(),
            },
        },
        "rotation_planes": planes,
    }


def to_json(data: dict) -> str:
    """The text of an export: compact, and refusing NaN and infinity, which ``JSON.parse`` rejects."""
    return json.dumps(data, separators=(",", ":"), allow_nan=False)


@validate_params({"n_time": Integer(N_COMPONENTS, MAX_TEST_STEPS), "rng": RNG(), "max_bytes": Integer(1)})
def export_all(folder, *, n_time: int = 20_000, rng, max_bytes: int = MAX_FILE_BYTES) -> dict[Path, int]:
    """Write ``network_delay{Δt}.json`` for every shipped seed-0 network.

    Every file is computed before any is written, and each is written
    atomically, so a failure leaves the folder as it was.

    Parameters
    ----------
    folder : str or os.PathLike
        Destination folder; created (with its parents) if missing.
    n_time : int
        Passed to :func:`export_network`; at least the longest shipped delay + 2.
    rng : np.random.Generator or int
        Required, keyword-only. Every network starts from ``rng``'s state at
        the call, so each file equals ``export_network(load_pretrained(Δt),
        rng=rng)`` whatever the other networks; a Generator passed in is
        copied, not advanced.
    max_bytes : int
        Largest size allowed for one file, >= 1; the default keeps a page
        that loads every network within the book's page budget.

    Returns
    -------
    dict of Path to int
        Size in bytes of each file written, by path.

    Raises
    ------
    TypeError
        If ``folder`` is not a str or path.
    ValueError
        If ``folder`` is an existing file or ``n_time`` is shorter than the
        longest shipped delay + 2 (both checked before any work), or a file
        would exceed ``max_bytes`` (nothing is written then).
    """
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"folder must be a str or os.PathLike, got {type(folder).__name__}")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"folder must be a directory, got the file {str(folder)!r}")
    delays = sorted(d for d, s in available_pretrained() if s == 0)
    if delays and n_time < delays[-1] + 2:
        raise ValueError(f"n_time must be an integer >= {delays[-1] + 2} (longest shipped delay + 2), got {n_time}")
    # Each network starts from the same snapshot: its file then does not depend on the others.
    start = copy.deepcopy(rng)
    texts = {}
    for delay in delays:
        text = to_json(export_network(load_pretrained(delay), n_time=n_time, rng=copy.deepcopy(start)))
        size = len(text.encode("utf-8"))
        if size > max_bytes:
            raise ValueError(f"max_bytes must be at least {size} to hold network_delay{delay}.json, got {max_bytes}")
        texts[folder / f"network_delay{delay}.json"] = text
    folder.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for path, text in texts.items():
        with atomic_write(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        sizes[path] = path.stat().st_size
    return sizes


#: Sweeps whose networks the explorers offer, in order of preference for a Δt without a shipped network.
EXPLORER_SWEEPS = ("delay_sweep", "curriculum")
#: Size of the networks the explorers offer: the paper's.
EXPLORER_N_HIDDEN = 100
#: Longest Δt the explorers offer (the longest any shipped sweep trains at N = 100 short of the curriculum's end).
MAX_EXPLORER_DELAY = 24
#: The rule by which :func:`explorer_networks` picks one network per Δt, as the explorers state it.
CHOICE_RULE = (
    "For each Δt the explorers show the book's shipped network (seed 0) where there is one; otherwise the delay "
    "sweep's network of the lowest seed that learned that Δt; otherwise the curriculum network of the lowest seed "
    "whose curriculum learned it (N = 100 throughout)."
)


@dataclasses.dataclass(frozen=True)
class NetworkChoice:
    """The network the explorers show for one Δt, and where it comes from.

    Attributes
    ----------
    delay : int
    seed : int
        The training seed of the run (of the curriculum, for a rung).
    source : str
        ``"shipped"`` (``rnnmem_helpers/checkpoints``) or the name of the sweep.
    path : pathlib.Path
        Its checkpoint.
    accuracy : float or None
        Its accuracy on its run's 100 000-step test stream, as recorded.
    rung : int or None
        For a curriculum network, its rung (0 is the curriculum's first delay).
    """

    delay: int
    seed: int
    source: str
    path: Path
    accuracy: float | None
    rung: int | None = None

    def record(self) -> dict:
        """What the page states about the network: JSON-ready, without the local path."""
        return {
            "delay": self.delay,
            "seed": self.seed,
            "source": self.source,
            "rung": self.rung,
            "test_accuracy": self.accuracy,
            "n_hidden": EXPLORER_N_HIDDEN,
        }


@validate_params({"max_delay": Integer(0, MAX_EXPLORER_DELAY)})
def explorer_networks(max_delay: int = MAX_EXPLORER_DELAY) -> list[NetworkChoice]:
    """One network for every Δt in ``[0, max_delay]`` that some stored network learned, by :data:`CHOICE_RULE`.

    Every sweep result stores its weights, so curriculum rungs and sweep runs
    join as a sweep writes them. "Learned"
    is the run's own verdict: ``converged``, the criterion met in training and
    confirmed on fresh data.

    Parameters
    ----------
    max_delay : int
        Longest Δt offered, in ``[0, MAX_EXPLORER_DELAY]``.

    Returns
    -------
    list of NetworkChoice
        Sorted by Δt, one per Δt.
    """
    from ..experiments.sweep import load_sweep, shipped_config

    chosen = {}
    for delay in sorted(d for d, seed in available_pretrained() if seed == 0 and d <= max_delay):
        test = load_pretrained(delay).metadata.get("test")
        accuracy = test.get("accuracy") if isinstance(test, dict) else None
        chosen[delay] = NetworkChoice(delay, 0, "shipped", pretrained_path(delay, 0), accuracy)
    for sweep in EXPLORER_SWEEPS:
        results, _ = load_sweep(sweep)
        folder = shipped_config(sweep)[1]
        candidates = []
        for result in results:
            if result.config.n_hidden != EXPLORER_N_HIDDEN:
                continue
            # A curriculum result holds one network per rung; a sweep run, one.
            rungs = getattr(result, "rungs", None)
            found = (
                [(r.delay, r.converged, r.accuracy, r.weights, k) for k, r in enumerate(rungs)]
                if rungs is not None
                else [(result.config.delay, result.converged, result.accuracy, result.weights, None)]
            )
            candidates += [(d, result.config.seed, a, w, k) for d, ok, a, w, k in found if ok and w is not None]
        for delay, seed, accuracy, weights, rung in sorted(candidates, key=lambda c: (c[0], c[1])):
            if delay <= max_delay and delay not in chosen:
                chosen[delay] = NetworkChoice(delay, seed, sweep, folder / weights.file, float(accuracy), rung)
    return [chosen[d] for d in sorted(chosen)]


@validate_params({"choice": InstanceOf(NetworkChoice), "n_time": Integer(N_COMPONENTS, MAX_TEST_STEPS), "rng": RNG()})
def export_choice(choice: NetworkChoice, *, n_time: int = 20_000, rng) -> dict:
    """:func:`export_network` of a chosen network, with its origin (``source``) and its accuracies.

    The page quotes the accuracy every chapter quotes,
    :func:`~rnnmem_helpers.chapters.evidence.canonical_accuracy` (``accuracy``); the one
    stream recorded with the network stays as ``test_accuracy``.

    Parameters
    ----------
    choice : NetworkChoice
        From :func:`explorer_networks`.
    n_time : int
        As for :func:`export_network`.
    rng : np.random.Generator or int
        Required, keyword-only; as for :func:`export_network`.

    Returns
    -------
    dict
        The export, whose ``test_accuracy`` is the choice's, whose
        ``source`` is :meth:`NetworkChoice.record` and whose ``accuracy`` holds
        the canonical accuracy: ``median``, ``low``, ``high`` (its
        order-statistic interval), ``coverage``, ``streams`` and ``steps``.

    Raises
    ------
    ValueError
        If the checkpoint is not of ``choice.delay``.
    """
    ckpt = load_checkpoint(choice.path)
    if ckpt.delay != choice.delay:
        raise ValueError(f"choice.path must hold a Δt = {choice.delay} network, got one of Δt = {ckpt.delay}")
    data = export_network(ckpt, n_time=n_time, rng=rng)
    data["test_accuracy"] = choice.accuracy
    digest = hashlib.sha256(Path(choice.path).read_bytes()).hexdigest()
    data["accuracy"] = dict(_canonical_record(str(choice.path), digest))
    data["source"] = choice.record()
    return data


@functools.lru_cache(maxsize=64)
def _canonical_record(path: str, digest: str) -> dict:
    # Scoring one network on the canonical streams takes seconds; keyed by the file's digest, it is done once per
    # process however many builds (the tests run several) export the same network.
    ckpt = load_checkpoint(path)
    canonical = canonical_accuracy(ckpt.weights, ckpt.task, rng=CANONICAL_SEED)
    return {
        "median": canonical.median.estimate,
        "low": canonical.median.low,
        "high": canonical.median.high,
        "coverage": canonical.median.coverage,
        "streams": len(canonical.per_stream),
        "steps": canonical.n_time,
    }
