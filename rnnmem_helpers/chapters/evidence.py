"""The claims table's evidence: every input of every claim's rule, measured once, stored, judged anywhere.

:func:`measure_claims` measures the inputs that :mod:`rnnmem_helpers.chapters.claims`
names for each claim (:func:`~rnnmem_helpers.chapters.claims.measured_keys`), from the
shipped networks and the shipped sweeps, with the stored weights where a
reading needs more than the results record. :func:`save_evidence` writes it as versioned JSON,
:func:`load_evidence` reads it back, and :func:`assess_all` judges every
claim on it. The claims chapter measures afresh and checks that the stored
file says the same; the landing page reads the file, so the two cannot
disagree. ``python -m rnnmem_helpers.chapters.evidence`` writes the file.

What is measured where
----------------------
Seeds are the unit: a count is networks (or runs, or pairs), a median is over
networks, with its order-statistic interval
(:func:`~rnnmem_helpers.analyses.stats.median_interval`) and its real coverage.

- Claims 1–3: the shipped seed-0 networks (error: one minus the canonical accuracy, census of
  fixed points) and the ``seeds`` sweep (convergence, censuses).
- Claim 4: sign changes of the principal components of the shipped Δt = 8
  network's triggered average, against monotone steps of random latency
  (:func:`monotone_steps`), which have no rotation.
- Claims 5–6: the spectrum of W at the outlier excess 0.25 and at its half
  and double (:data:`EXCESSES`), for the shipped network and every seed.
- Claims 7–8: the delay sweep at N = 100 against the hand-built networks,
  the curriculum and the four-fold budget.
- Claim 9: the TBPTT sweep, per rate reading.
- Claim 10: the rotation-initialisation pairs (:func:`~rnnmem_helpers.chapters.claims.paired_signs`).
- Claims 11–14: the causal networks (converged ones), from their results and,
  for the repeat overshoot, the tanh visibility, the share in span(W_out),
  the left eigenvectors and the separatrix normals, from their weights.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..analyses.analysis import fit_pca, run_test, spectrum_summary, triggered_average
from ..analyses.fixed_points import find_fixed_points
from ..analyses.mechanism import pulse_responses, pulse_visibility, rotation_plane_angles
from ..analyses.stats import Interval, median_interval
from ..analyses.table import select
from ..core._io import atomic_write, read_json_file
from ..core.checkpoints import available_constructed, load_checkpoint, load_constructed, load_pretrained
from ..core.metrics import evaluate
from ..experiments._kinds import kind_of
from ..experiments.sweep import load_sweep, shipped_config
from ..experiments.sweep_report import causal_table, curriculum_table, run_table
from . import claims as C

# Schema 2: no generation; a sweep's source names the result files it read by their digest.
EVIDENCE_SCHEMA = 2
# The outlier excess of claims 5 and 6 (edge factor 1 + excess), halved and doubled for the sensitivity table.
EXCESSES = (0.125, 0.25, 0.5)
# Steps of the fresh streams measured on each causal network; every isolated switch of 20 000 steps at the
# paper's rate is about 40 per channel, enough for a median per network.
CAUSAL_STEPS = 20_000
# The paper's stream seed for the shipped networks, as every chapter uses it.
SHIPPED_STREAM = 7
_N_NULL = 1000


@dataclass(frozen=True)
class ClaimEvidence:
    """The measured inputs of every claim's rule.

    Attributes
    ----------
    measured : mapping of int to mapping of str to value
        Claim number to its rule inputs, as :func:`rnnmem_helpers.chapters.claims.assess` takes them.
    sources : mapping of str to (int, int, str)
        Sweep name to (results read, runs in its grid, SHA-256 of the result
        files read, see :func:`sweep_digest`).
    schema : int
    """

    measured: Mapping
    sources: Mapping
    schema: int = EVIDENCE_SCHEMA


# ----------------------------------------------------------------------------- measures

#: The canonical accuracy of a network: the median over this many independent streams...
CANONICAL_STREAMS = 10
#: ...of this many steps each, drawn from the seed the book uses for it.
CANONICAL_STEPS = 100_000
CANONICAL_SEED = 0


@dataclass(frozen=True)
class CanonicalAccuracy:
    """A network's accuracy as every chapter quotes it: the median over independent streams, with its interval.

    Errors come in bursts (a rare pattern of pulses costs a run of wrong
    steps), so one 100 000-step stream can score a delayed network anywhere
    from about 99.4 % to 99.97 %; the median over :data:`CANONICAL_STREAMS`
    streams, with its order-statistic interval, is the number to quote.

    Attributes
    ----------
    median : Interval
        Median accuracy over the streams, with its exact order-statistic interval and real coverage.
    per_stream : tuple of float
        The accuracy of each stream, in seed order (shape (n_streams,)).
    n_time : int
        Steps per stream.
    """

    median: Interval
    per_stream: tuple
    n_time: int

    def text(self) -> str:
        """E.g. ``"99.81 % (97.9 % order-statistic interval 99.76 to 99.83 %)"``."""
        m = self.median
        return (
            f"{100 * m.estimate:.2f} % ({m.coverage_label} {100 * m.low:.2f} to {100 * m.high:.2f} %, "
            f"{len(self.per_stream)} streams of {self.n_time} steps)"
        )


def canonical_streams(rng, n_streams: int = CANONICAL_STREAMS) -> list:
    """The generators of the canonical streams: one child of ``np.random.SeedSequence(rng)`` each.

    :func:`canonical_accuracy` and :func:`stream_sign_changes` draw their
    streams from these, so both measure a network on the same streams.

    Parameters
    ----------
    rng : int
        Seed, >= 0; the book uses :data:`CANONICAL_SEED`.
    n_streams : int
        At least 3.

    Returns
    -------
    list of np.random.Generator
        Length ``n_streams``.
    """
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)) or rng < 0:
        raise TypeError(f"rng must be an integer seed >= 0, got {rng!r}")
    if isinstance(n_streams, bool) or not isinstance(n_streams, (int, np.integer)) or n_streams < 3:
        raise ValueError(f"n_streams must be an integer >= 3, got {n_streams!r}")
    return [np.random.default_rng(child) for child in np.random.SeedSequence(int(rng)).spawn(int(n_streams))]


def canonical_accuracy(
    weights, task, *, rng, n_streams: int = CANONICAL_STREAMS, n_time: int = CANONICAL_STEPS
) -> CanonicalAccuracy:
    """Score a network on ``n_streams`` independent streams and take the median.

    Parameters
    ----------
    weights : RNNWeights
    task : TaskConfig
    rng : int
        Seed of the streams (each stream has its own child of
        ``np.random.SeedSequence(rng)``); the book uses :data:`CANONICAL_SEED`.
    n_streams : int
        At least 3.
    n_time : int
        Steps per stream.

    Returns
    -------
    CanonicalAccuracy
    """
    scores = tuple(evaluate(weights, task, n_time=n_time, rng=r).accuracy for r in canonical_streams(rng, n_streams))
    return CanonicalAccuracy(median_interval(scores), scores, int(n_time))


def sign_changes(components_tc) -> list:
    """Sign changes of each column of ``components_tc`` (T, c): zeros are skipped, so a touch is no change."""
    arr = np.asarray(components_tc, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 2:
        raise ValueError(f"components_tc must have shape (T >= 2, c), got {arr.shape}")
    out = []
    for col in arr.T:
        signs = np.sign(col[col != 0])
        out.append(int(np.count_nonzero(np.diff(signs))))
    return out


def stream_sign_changes(
    weights, task, *, rng, n_streams: int = CANONICAL_STREAMS, n_time: int = CANONICAL_STEPS
) -> list:
    """Sign changes of the triggered average's components (paper Fig. 3c) on each of ``n_streams`` streams.

    The streams are those of :func:`canonical_accuracy` with the same ``rng``
    (one child of ``np.random.SeedSequence(rng)`` each). A stream of 100 000
    steps holds a few dozen (−1,−1,−1) → (−1,−1,+1) switches, so the later
    components of one stream's average are noisy; the rule of claim 4 counts
    streams.

    Returns
    -------
    list of list of int
        Shape (n_streams, 9): per stream, the sign changes of PC1 to PC9.
    """
    out = []
    for stream_rng in canonical_streams(rng, n_streams):
        run = run_test(weights, task, n_time=n_time, rng=stream_rng)
        out.append(sign_changes(triggered_average(run, pre=10, post=30).mean_pc))
    return out


def monotone_steps(*, rng, n_units: int = 100, pre: int = 10, post: int = 30, delay: int = C.PAPER_DELAY) -> np.ndarray:
    """A triggered average without rotation: each unit makes one smooth monotone step after the pulse.

    The steps have random latencies within Δt, widths and amplitudes; their
    principal components still change sign more often from one component to
    the next, which is what makes them the control of claim 4.

    Returns
    -------
    ndarray of shape (pre + post + 1, n_units)
    """
    rng = np.random.default_rng(rng)
    lags = np.arange(-pre, post + 1)
    latency, width = rng.uniform(0, delay, n_units), rng.uniform(0.5, 3, n_units)
    amplitude = rng.normal(size=n_units)
    return amplitude * np.tanh((lags[:, None] - latency) / width)


def delay_excursion(run, weights) -> tuple[float, float]:
    """How visible the delay's excursion is in the output: the tanh output's move and the share in span(W_out).

    Both are medians over the isolated switches of the run, as
    :func:`~rnnmem_helpers.analyses.mechanism.pulse_visibility` selects them (one
    selection serves both).

    Returns
    -------
    tanh_visibility : float
        The largest move of Y = tanh(W_out s) in the Δt steps after the pulse,
        relative to the switch (Y 20 steps after Δt minus Y before the pulse).
    share : float
        The excursion (the state minus the state just before the pulse, over
        the Δt steps before the output may switch): its summed squared norm in
        span(W_out) over its summed squared norm. A uniformly random subspace
        of the same dimension k holds k / N of it on average.

    NaN where no switch qualifies.
    """
    d = run.task.delay
    states = run.states_txn
    basis, _ = np.linalg.qr(weights.W_out.T)
    visible, shares = [], []
    for t in pulse_visibility(run, weights).time:
        excursion = states[t : t + d] - states[t - 1]
        total = float(np.sum(excursion**2))
        if total > 0:
            shares.append(float(np.sum((excursion @ basis) ** 2)) / total)
        if t + d + 20 >= len(states):
            continue
        y = np.tanh(states[t - 1 : t + d] @ weights.W_out.T)
        size = np.linalg.norm(np.tanh(states[t + d + 20] @ weights.W_out.T) - y[0])
        if size > 0:
            visible.append(float(np.linalg.norm(y[1:] - y[0], axis=1).max() / size))
    return _median_or_nan(visible), _median_or_nan(shares)


def _median_or_nan(values) -> float:
    return float(np.median(values)) if len(values) else math.nan


def separatrix_normals(weights, fixed_points) -> np.ndarray:
    """Unit left unstable eigenvectors of the Jacobian at the saddles with one unstable mode, as columns (N, m)."""
    normals = []
    for jac, n_u in zip(fixed_points.jacobians, fixed_points.n_unstable, strict=True):
        if n_u != 1:
            continue
        lam, left = np.linalg.eig(jac.T)
        v = np.real(left[:, np.argmax(np.abs(lam))])
        normals.append(v / np.linalg.norm(v))
    return np.array(normals).T if normals else np.zeros((weights.W.shape[0], 0))


# ----------------------------------------------------------------------------- gathering


def _count(flags) -> C.Count:
    flags = np.asarray(flags, dtype=bool)
    return C.Count(int(flags.sum()), int(flags.size))


def _counts_by(table, flag_column: str, delays) -> dict:
    return {int(d): _count(select(table, delay=int(d))[flag_column]) for d in delays}


def sweep_digest(name: str, results) -> str:
    """SHA-256 over the names and bytes of the result files of a shipped sweep that ``results`` were read from.

    A result recomputed elsewhere keeps its key (the key hashes what the
    run is, not where it ran) but not its bytes, so the digest changes
    whenever evidence measured on the old files would be stale.
    """
    folder = shipped_config(name)[1]
    digest = hashlib.sha256()
    for name_ in sorted(f"{kind_of(r.config).key(r.config)}.json" for r in results):
        digest.update(name_.encode())
        digest.update(hashlib.sha256((folder / name_).read_bytes()).digest())
    return digest.hexdigest()


def _load(name: str, sources: dict) -> list:
    """A shipped sweep's results, noting (results, runs, digest) in ``sources``."""
    results, n_runs = load_sweep(name)
    sources[name] = (len(results), n_runs, sweep_digest(name, results))
    return results


def _weights_of(result, folder: Path):
    """The stored network of a result in the results ``folder``."""
    return load_checkpoint(folder / result.weights.file).weights


def _median(values) -> Interval | None:
    values = np.asarray(values, dtype=np.float64)
    values = values[~np.isnan(values)]
    return median_interval(values) if values.size else None


def _shipped(measured: dict) -> None:
    nets = {d: load_pretrained(d) for d in (0, C.PAPER_DELAY)}
    errors = {d: 1 - canonical_accuracy(c.weights, c.task, rng=CANONICAL_SEED).median.estimate for d, c in nets.items()}
    runs = {d: run_test(c.weights, c.task, rng=SHIPPED_STREAM) for d, c in nets.items()}
    fps = {d: find_fixed_points(c.weights, states=runs[d].states_txn, rng=0) for d, c in nets.items()}
    measured[1]["seed0_error"] = errors
    measured[2]["seed0_census"] = fps[0].summary()
    measured[3]["seed0_census"] = fps[C.PAPER_DELAY].summary()
    measured[4]["sign_changes"] = stream_sign_changes(nets[C.PAPER_DELAY].weights, nets[C.PAPER_DELAY].task,
                                                      rng=CANONICAL_SEED)
    control = monotone_steps(rng=0)
    measured[4]["control_sign_changes"] = sign_changes(fit_pca(control, 9).transform(control))
    w0 = nets[0].weights.W
    by_excess = {e: spectrum_summary(w0, edge_factor=1 + e) for e in EXCESSES}
    measured[5]["seed0_outliers"] = {
        e: (int(s.real_outliers.size), int(s.rotation_eigvals.size)) for e, s in by_excess.items()
    }
    default = spectrum_summary(w0)
    moduli = np.abs(default.real_outliers)
    measured[5]["seed0_min_modulus"] = float(moduli.min()) if moduli.size else 0.0


def _seeds(measured: dict, sources: dict) -> None:
    results = _load("seeds", sources)
    table = run_table(results)
    measured[1]["converged"] = _counts_by(table, "converged", (0, C.PAPER_DELAY))
    at0, at8 = select(table, delay=0), select(table, delay=C.PAPER_DELAY)
    measured[2]["cube"] = _count([c == C.CUBE_CENSUS for c in at0["census"]])
    measured[3]["eight_attractors"] = _count(at8["n_attractors"] == 8)
    measured[3]["big_saddle"] = _count(at8["max_unstable"] > 3)
    spectra = {d: [] for d in (0, C.PAPER_DELAY)}
    folder = shipped_config("seeds")[1]
    for result in results:
        d = result.config.delay
        if d in spectra:
            spectra[d].append(_weights_of(result, folder).W)
    pattern, rotations, three = {}, {}, {}
    for e in EXCESSES:
        s0 = [spectrum_summary(w, edge_factor=1 + e) for w in spectra[0]]
        s8 = [spectrum_summary(w, edge_factor=1 + e) for w in spectra[C.PAPER_DELAY]]
        pattern[e] = _count([s.real_outliers.size == 3 and s.rotation_eigvals.size == 0 for s in s0])
        rotations[e] = _count([s.rotation_eigvals.size > 0 for s in s8])
        three[e] = _count([s.real_outliers.size == 3 for s in s8])
    measured[5]["pattern"] = pattern
    measured[6]["rotations"], measured[6]["three_real"] = rotations, three


def _limits(measured: dict, sources: dict) -> None:
    results = _load("delay_sweep", sources)
    table = run_table(results)
    scratch = _counts_by(table, "converged", np.unique(table["delay"]))
    measured[7]["converged"] = scratch
    measured[8]["scratch"] = scratch
    built = {}
    for d in available_constructed():
        c = load_constructed(d)
        built[int(d)] = 1 - canonical_accuracy(c.weights, c.task, rng=CANONICAL_SEED).median.estimate
    measured[8]["built_error"] = built
    recipes = {}
    ladders = _load("curriculum", sources)
    if ladders:
        lt = select(curriculum_table(ladders), n_hidden=100)
        reach = lt["longest_delay"].astype(np.float64)
        recipes["curriculum"] = {
            int(d): _count(np.nan_to_num(reach, nan=-1) >= d) for d in scratch if d > C.PAPER_DELAY and reach.size
        }
    budget = _load("budget_sweep", sources)
    if budget:
        bt = select(run_table(budget), n_hidden=100)
        recipes["4x budget"] = _counts_by(bt, "converged", np.unique(bt["delay"]))
    measured[8]["recipes"] = {k: v for k, v in recipes.items() if v}


def _tbptt(measured: dict, sources: dict) -> None:
    results = _load("tbptt_sweep", sources)
    table = run_table(results)
    for scope, key in (("all", "tbptt_all"), ("per_channel", "tbptt_per_channel")):
        part = select(table, rate_scope=scope)
        delays = [d for d in (0, C.PAPER_DELAY) if np.any(part["delay"] == d)]
        measured[9][key] = _counts_by(part, "converged", delays) if len(delays) == 2 else None


def _rotation_init(measured: dict, sources: dict) -> None:
    results = _load("rotation_init", sources)
    if not results:
        return
    table = run_table(results)
    steps, convergence = {}, {}
    for d in np.unique(table["delay"]):
        arm = {i: select(table, delay=int(d), init=i) for i in ("transverse", "paper")}
        _, i_tr, i_pa = np.intersect1d(arm["transverse"]["seed"], arm["paper"]["seed"], return_indices=True)
        tr, pa = arm["transverse"], arm["paper"]
        steps[int(d)] = C.paired_signs(
            tr["steps"][i_tr], pa["steps"][i_pa], censored_a=~tr["converged"][i_tr], censored_b=~pa["converged"][i_pa]
        )
        # Lower is better: 0 for a run that converged, 1 for one that did not.
        convergence[int(d)] = C.paired_signs(
            (~tr["converged"][i_tr]).astype(float), (~pa["converged"][i_pa]).astype(float)
        )
    measured[10]["steps_pairs"], measured[10]["convergence_pairs"] = steps, convergence


def _causal(measured: dict, sources: dict) -> None:
    results = []
    for name in ("causal", "causal_delays"):
        folder = shipped_config(name)[1]
        results += [(folder, r) for r in _load(name, sources)]
    table = causal_table([r for _, r in results])
    conv = table["converged"]
    delays = table["delay"]
    at = {d: conv & (delays == d) for d in (0, C.PAPER_DELAY)}
    measured[11]["overshoot_switch"] = {d: _median(table["overshoot_median"][m]) for d, m in at.items()}
    delayed = conv & (delays > 0)
    measured[12]["visibility_linear"] = _median(table["visibility_median"][delayed])
    # Networks with rotation planes only (the p-values are NaN without one).
    planed = at[C.PAPER_DELAY] & ~np.isnan(table["attractor_p_more"])
    measured[13]["right_p_more"] = table["attractor_p_more"][planed].tolist()
    measured[13]["right_p_less"] = table["attractor_p_less"][planed].tolist()
    # What the results do not record is measured on the stored networks.
    repeat = {0: [], C.PAPER_DELAY: []}
    tanh_vis, shares, nulls, left, normals = [], [], [], {"more": [], "less": []}, {"more": [], "less": []}
    clock = []
    for (folder, result), ok in zip(results, conv, strict=True):
        d = result.config.delay
        if not ok:
            continue
        weights = _weights_of(result, folder)
        if d == C.PAPER_DELAY and result.measures.clock:
            clock.append((result, {rec.variant: rec for rec in result.measures.clock}))
        run = run_test(weights, result.config.run.task_config, CAUSAL_STEPS, rng=result.config.seed)
        if d in repeat:
            resp = pulse_responses(run, weights, fit_pca(run.states_txn, 3))
            repeat[d].append(float(np.median(resp["overshoot"][~resp["switch"]])))
        if d > 0:
            visible, share = delay_excursion(run, weights)
            tanh_vis.append(visible)
            shares.append(share)
            nulls.append(weights.W_out.shape[0] / weights.W.shape[0])
        if d == C.PAPER_DELAY:
            fps = find_fixed_points(weights, rng=result.config.seed)
            attractors = fps.xstar[fps.n_unstable == 0]
            if len(attractors) >= 2:
                axes = (attractors - attractors.mean(axis=0)).T
                angles = rotation_plane_angles(weights.W.T, axes, n_null=_N_NULL, rng=result.config.seed)
                if angles.eigvals.size:
                    left["more"].append(angles.p_more_orthogonal)
                    left["less"].append(angles.p_less_orthogonal)
            ref = separatrix_normals(weights, fps)
            if ref.shape[1]:
                angles = rotation_plane_angles(weights.W, ref, n_null=_N_NULL, rng=result.config.seed)
                if angles.eigvals.size:
                    normals["more"].append(angles.p_more_orthogonal)
                    normals["less"].append(angles.p_less_orthogonal)
    if all(repeat.values()):
        measured[11]["overshoot_repeat"] = {d: _median(v) for d, v in repeat.items()}
    if shares:
        measured[12]["visibility_tanh"] = _median(tanh_vis)
        measured[12]["share"] = _median(shares)
        measured[12]["null_share"] = float(np.median(nulls))
    if left["more"]:
        measured[13]["left_p_more"], measured[13]["left_p_less"] = left["more"], left["less"]
    if normals["more"]:
        measured[13]["normals_p_more"], measured[13]["normals_p_less"] = normals["more"], normals["less"]
    if clock:
        pairs = [(res, recs) for res, recs in clock if "W rotations" in recs and "bulk control" in recs]
        m14 = measured[14]
        m14["delay"] = C.PAPER_DELAY
        m14["edit_latency"] = [_nan(recs["W rotations"].latency_median) for _, recs in pairs]
        m14["control_latency"] = [_nan(recs["bulk control"].latency_median) for _, recs in pairs]
        m14["attractors_kept"] = [
            recs["W rotations"].n_surviving == recs["W rotations"].n_reference for _, recs in pairs
        ]
        m14["write_failures"] = [1 - _nan(recs["W rotations"].write_success, 0.0) for _, recs in pairs]
        m14["undelayed_edit"] = [
            res.measures.rotations.undelayed_accuracy for res, _ in pairs if res.measures.rotations is not None
        ]
        m14["undelayed_intact"] = [
            res.measures.intact.undelayed_accuracy for res, _ in pairs if res.measures.rotations is not None
        ]


def _nan(value, default: float = math.nan) -> float:
    return default if value is None else float(value)


def measure_claims() -> ClaimEvidence:
    """Measure every claim's rule inputs from the shipped networks and the shipped sweeps.

    Returns
    -------
    ClaimEvidence
        Inputs the shipped sweeps cannot provide yet (a sweep without
        results) are left out; :func:`rnnmem_helpers.chapters.claims.assess`
        then judges that reading "inconclusive: not measured".
    """
    measured = {c.number: {} for c in C.CLAIMS}
    sources: dict = {}
    _shipped(measured)
    _seeds(measured, sources)
    _limits(measured, sources)
    _tbptt(measured, sources)
    _rotation_init(measured, sources)
    _causal(measured, sources)
    measured = {n: {k: v for k, v in m.items() if v is not None} for n, m in measured.items()}
    return ClaimEvidence(measured=measured, sources=sources)


def assess_all(evidence: ClaimEvidence, *, record: bool = True) -> dict:
    """:func:`rnnmem_helpers.chapters.claims.assess` of every claim on ``evidence``, by claim number."""
    if not isinstance(evidence, ClaimEvidence):
        raise TypeError(f"evidence must be a ClaimEvidence, got {type(evidence).__name__}")
    return {c.number: C.assess(c.number, evidence.measured.get(c.number, {}), record=record) for c in C.CLAIMS}


# ----------------------------------------------------------------------------- storage


def _encode(value):
    if isinstance(value, Interval):
        return {
            "__interval__": [value.estimate, value.low, value.high, value.coverage, value.method, value.n, value.bound]
        }
    if isinstance(value, C.Count):
        return {"__count__": [value.k, value.n]}
    if isinstance(value, C.Pairs):
        return {"__pairs__": [value.faster, value.slower, value.tied]}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, Mapping):
        keys = list(value)
        kind = (
            "int"
            if all(isinstance(k, (int, np.integer)) for k in keys)
            else ("float" if all(isinstance(k, float) for k in keys) else "str")
        )
        return {"__map__": kind, "items": [[str(k) if kind == "str" else k, _encode(v)] for k, v in value.items()]}
    if isinstance(value, np.ndarray):
        return [_encode(v) for v in value.tolist()]
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, str):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} in the evidence")


def _decode(obj):
    if isinstance(obj, list):
        return [_decode(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "__interval__" in obj:
        e, lo, hi, cov, method, n, bound = obj["__interval__"]
        return Interval(_decode(e), _decode(lo), _decode(hi), _decode(cov), method, n, bound)
    if "__count__" in obj:
        return C.Count(*obj["__count__"])
    if "__pairs__" in obj:
        return C.Pairs(*obj["__pairs__"])
    if "__tuple__" in obj:
        return tuple(_decode(v) for v in obj["__tuple__"])
    if "__float__" in obj:
        return float(obj["__float__"])
    if "__map__" in obj:
        cast = {"int": int, "float": float, "str": str}[obj["__map__"]]
        return {cast(k): _decode(v) for k, v in obj["items"]}
    raise ValueError(f"unknown evidence entry with keys {sorted(obj)}")


def evidence_to_dict(evidence: ClaimEvidence) -> dict:
    """JSON-ready form of ``evidence`` (tagged, so that counts, intervals and numeric keys come back as they were)."""
    return {
        "schema": evidence.schema,
        "sources": {k: list(v) for k, v in evidence.sources.items()},
        "measured": {str(n): {k: _encode(v) for k, v in m.items()} for n, m in evidence.measured.items()},
    }


def evidence_from_dict(obj) -> ClaimEvidence:
    """Inverse of :func:`evidence_to_dict`.

    Raises
    ------
    ValueError
        If ``obj`` is not evidence of schema :data:`EVIDENCE_SCHEMA`, or names an unknown claim or input.
    """
    if not isinstance(obj, Mapping) or obj.get("schema") != EVIDENCE_SCHEMA:
        raise ValueError(f"evidence must be a mapping with schema {EVIDENCE_SCHEMA}")
    measured = {}
    for number, inputs in obj.get("measured", {}).items():
        n = int(number)
        known = C.measured_keys(n)
        unknown = [k for k in inputs if k not in known]
        if unknown:
            raise ValueError(f"evidence for claim {n} has unknown inputs {unknown}")
        measured[n] = {k: _decode(v) for k, v in inputs.items()}
    sources = {k: tuple(v) for k, v in obj.get("sources", {}).items()}
    return ClaimEvidence(measured=measured, sources=sources)


def save_evidence(path, evidence: ClaimEvidence) -> None:
    """Write ``evidence`` to ``path`` as JSON, atomically."""
    text = json.dumps(evidence_to_dict(evidence), indent=1, ensure_ascii=False) + "\n"
    with atomic_write(Path(path), "w", encoding="utf-8") as fh:
        fh.write(text)


def load_evidence(path) -> ClaimEvidence:
    """Read evidence written by :func:`save_evidence`."""
    return evidence_from_dict(read_json_file(Path(path)))


# ----------------------------------------------------------------------------- the table


def shipped_evidence_path() -> Path:
    """Where the evidence the book reads is shipped: ``rnnmem_helpers/claims_evidence.json``."""
    from importlib import resources

    return Path(str(resources.files("rnnmem_helpers") / "claims_evidence.json"))


def load_shipped_evidence() -> ClaimEvidence:
    """The shipped evidence, which must have read exactly the result files each sweep has now.

    Raises
    ------
    ValueError
        If it is stale: a sweep's results were added, removed or rewritten
        since it was measured (rerun ``python -m rnnmem_helpers.chapters.evidence``).
    """
    evidence = load_evidence(shipped_evidence_path())
    stale = [
        name
        for name, (_, _, digest) in evidence.sources.items()
        if digest != sweep_digest(name, load_sweep(name)[0])
    ]
    if stale:
        raise ValueError(
            f"the shipped evidence is stale (sweeps whose result files changed since: {stale}): "
            "run python -m rnnmem_helpers.chapters.evidence"
        )
    return evidence


def _badge_html(item) -> str:
    b = C.badge(item)
    return f'<span class="verdict-badge {b.css_class}" title="{html.escape(b.title)}">{html.escape(b.text)}</span>'


def verdict_table_html(assessments: Mapping, *, readings: bool = False) -> str:
    """The claims table as HTML: one row per claim, its verdict as a badge, linked to its evidence.

    Parameters
    ----------
    assessments : mapping of int to Assessment
        From :func:`assess_all`.
    readings : bool
        Add each reading's verdict (the claims chapter's table); without,
        the compact table of the landing page.

    Returns
    -------
    str
        A ``<table class="verdict-table">``; claim titles link to
        ``claims.html#claim-N``, chapters to ``{chapter}.html``.
    """
    if not isinstance(assessments, Mapping) or not assessments:
        raise ValueError("assessments must be a non-empty mapping of claim numbers to Assessment")
    head = "<th>#</th><th>claim of the paper</th><th>verdict</th>"
    head += "<th>each reading's verdict</th>" if readings else "<th>evidence</th>"
    rows = []
    for number in sorted(assessments):
        a = assessments[number]
        if not isinstance(a, C.Assessment):
            raise TypeError(f"assessments[{number}] must be an Assessment, got {type(a).__name__}")
        c = C.claim(number)
        title = f'<a href="claims.html#claim-{number}">{html.escape(c.title)}</a>'
        if readings:
            # The reasons are in each badge's title and in the claim's section; the table stays short.
            parts = "".join(f"<li><b>{html.escape(name)}</b> {_badge_html(j)}</li>" for name, j in a.readings.items())
            last = f"<ul>{parts}</ul>"
        else:
            last = f'<a href="{c.chapter}.html">{html.escape(c.chapter.replace("_", " "))}</a>'
        rows.append(f"<tr><td>{number}</td><td>{title}</td><td>{_badge_html(a)}</td><td>{last}</td></tr>")
    return f'<table class="verdict-table"><thead><tr>{head}</tr></thead><tbody>' + "".join(rows) + "</tbody></table>"


def verdict_counts(assessments: Mapping) -> dict:
    """Number of claims per verdict label, in the vocabulary's order (labels with no claim left out)."""
    counts = {v.label: 0 for v in C.Verdict}
    for a in assessments.values():
        counts[a.verdict.label] += 1
    return {k: v for k, v in counts.items() if v}


def main(argv=None) -> int:
    """``python -m rnnmem_helpers.chapters.evidence [--out FILE]``: measure and store the evidence."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m rnnmem_helpers.chapters.evidence", description=main.__doc__)
    parser.add_argument("--out", type=Path, default=None, help="default: the shipped file")
    args = parser.parse_args(argv)
    out = shipped_evidence_path() if args.out is None else args.out
    if not out.parent.is_dir():
        print(f"error: --out must be in an existing folder, got {str(out)!r}", file=sys.stderr)
        return 2
    evidence = measure_claims()
    save_evidence(out, evidence)
    for number, a in assess_all(evidence, record=False).items():
        print(f"claim {number}: {a.overall.label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
