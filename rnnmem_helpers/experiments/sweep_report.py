"""Sweep results as tables: one row per run, and the sweep-specific summaries per group of runs.

The results are those of :func:`rnnmem_helpers.experiments.sweep.load_sweep`, typed and
validated :class:`rnnmem_helpers.experiments.experiment.RunResult` (or, for the causal kind,
:class:`rnnmem_helpers.experiments.causal.CausalResult`, which :func:`causal_table` decodes).
:func:`run_table` decodes them into a table of
:mod:`rnnmem_helpers.analyses.table` (a dict of equal-length 1-D numpy arrays), whose
generic tools (``select``, ``group_proportion``, ``format_table``, ...) work on it.

Censoring. A run that has not converged when its budget of updates runs out
reports ``steps`` equal to the budget; all we know is that it would have
needed at least that many. The chapters therefore give medians of updates with
:func:`~rnnmem_helpers.analyses.stats.median_interval`, which marks such runs as
censored.

Every function is pure: same input, same output. Summaries of a table with no
rows have no rows, so a notebook can run on a sweep that has not produced any
result yet.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from ..analyses.ablation import ABLATION_KINDS
from ..analyses.analysis import MIN_ANGLE, run_test, spectrum_summary
from ..analyses.fixed_points import find_fixed_points
from ..analyses.table import check_columns, collect
from ..core._validate import InstanceOf, SequenceOf, check_int, validate_params
from ..core.checkpoints import load_checkpoint
from .causal import LATENCY_PERCENTILES, CausalConfig, CausalResult
from .curriculum import CurriculumConfig, CurriculumResult
from .experiment import Analysis, HoldsRun, RunConfig, RunResult
from .sweep import trained_networks

#: Columns of :func:`run_table` that come from a run's analysis (NaN when the run was not analysed).
ANALYSIS_COLUMNS = (
    "n_fixed",
    "n_attractors",
    "n_big_saddles",
    "max_unstable",
    "origin_unstable",
    "n_rot_pairs",
    "n_real_outliers",
    "n_slow",
    "lead_angle",
    "lead_period",
    "rot_modulus",
    "attractor_angle",
)
#: Columns of :func:`run_table` holding one Python object per run (None where a run was not analysed).
OBJECT_COLUMNS = (
    "census",
    "census_naive",
    "eigvals",
    "rotation_angles",
    "rotation_periods",
    "attractor_angles",
    "attractor_moduli",
    "history",
)
_CONFIG_FIELDS = tuple(f.name for f in dataclasses.fields(RunConfig))


#: What run_table and completeness take as results.
_RESULTS = SequenceOf(InstanceOf(RunResult), "RunResult (from load_sweep or run_sweep)")


def _analysis_row(analysis: Analysis | None) -> dict:
    """Analysis features of one result; NaN (or None for object columns) where not analysed or not defined."""
    row = {**dict.fromkeys(ANALYSIS_COLUMNS, math.nan), **dict.fromkeys(OBJECT_COLUMNS[:-1])}
    if analysis is None:
        return row
    spec, fps = analysis.spectrum, analysis.fixed_points
    eig = np.array([complex(re, im) for re, im in spec.eigvals])
    angles = np.array(spec.rotation_angles, dtype=np.float64)
    row.update(
        origin_unstable=float(spec.n_unstable),
        n_rot_pairs=float(angles.size),
        n_real_outliers=float(spec.n_real_outliers),
        eigvals=eig,
        rotation_angles=angles,
        rotation_periods=np.array(spec.rotation_periods, dtype=np.float64),
    )
    if angles.size:
        # rotation_angles follow the eigenvalues, by decreasing modulus: the first is the dominant pair.
        row.update(lead_angle=float(angles[0]), lead_period=float(2 * np.pi / angles[0]))
    theta = np.abs(np.angle(eig))
    complex_ = (theta >= MIN_ANGLE) & (theta <= np.pi - MIN_ANGLE)
    if complex_.any():
        row["rot_modulus"] = float(np.abs(eig[complex_]).max())
    census = dict(fps.summary)
    row.update(
        n_fixed=float(fps.n),
        n_attractors=float(census.get(0, 0)),
        n_big_saddles=float(sum(v for k, v in census.items() if k > 3)),
        max_unstable=float(fps.max_unstable),
        n_slow=float(fps.n_slow),
        census=census,
        census_naive=dict(fps.summary_naive),
        attractor_angles=np.array(fps.attractor_angles, dtype=np.float64),
        attractor_moduli=np.array(fps.attractor_moduli, dtype=np.float64),
    )
    if fps.attractor_angles:
        row["attractor_angle"] = float(np.median(fps.attractor_angles))
    return row


def _history_row(result: RunResult) -> tuple[float, float, float]:
    """Best held-out accuracy over the run and over its first half, and the last one (NaN without evaluations)."""
    steps = np.asarray(result.history.step, dtype=np.float64)
    acc = np.asarray(result.history.eval_accuracy, dtype=np.float64)
    best = float(acc.max()) if acc.size else math.nan
    first = acc[steps <= result.steps / 2]
    return best, (float(first.max()) if first.size else math.nan), (float(acc[-1]) if acc.size else math.nan)


def _objects(values) -> np.ndarray:
    # Built element by element: np.array would try to stack equal-length arrays into a 2-D array.
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = v
    return out


@validate_params({"results": _RESULTS})
def run_table(results) -> dict:
    """One row per run: its config, outcome and (if analysed) topology and spectrum.

    Parameters
    ----------
    results : sequence of RunResult
        As returned by :func:`rnnmem_helpers.experiments.sweep.load_sweep` or
        :func:`rnnmem_helpers.experiments.sweep.run_sweep`.

    Returns
    -------
    dict of str to ndarray of shape (n_runs,)
        The config columns, one per field of
        :class:`rnnmem_helpers.experiments.experiment.RunConfig` (``delay``, ``seed``,
        ``n_hidden``, ``max_steps`` as int; ``mode``, ``init``,
        ``rate_scope`` as str; ``mean_interval``, ``target_accuracy`` as
        float; ``analyse`` as bool), ``converged`` (bool), ``steps`` (int),
        ``accuracy`` (float, on a stream independent of training),
        ``wrong_flips`` (int), ``analysed`` (bool), ``best_eval`` and
        ``best_eval_half`` (best held-out accuracy during training, over all
        evaluations and over those in the first half of the run's updates: a
        censored run whose best rose in the second half was still learning),
        ``last_eval`` (the held-out accuracy at the last evaluation), the float
        columns of :data:`ANALYSIS_COLUMNS`, NaN where a run was not analysed or
        the quantity is undefined, and the object columns of
        :data:`OBJECT_COLUMNS`, None where a run was not analysed:

        - ``n_fixed``: fixed points found; ``n_attractors``: those with no
          unstable mode; ``n_big_saddles``: those with more than three;
          ``max_unstable``: the largest number of unstable modes of any;
          ``n_slow``: slow points (local minima of q that are not fixed points).
        - ``origin_unstable``: eigenvalues of W with |λ| > 1 + margin
          (:data:`rnnmem_helpers.analyses.fixed_points.DEFAULT_MARGIN`), i.e. unstable
          modes of the origin, whose Jacobian is W.
        - ``n_rot_pairs``, ``n_real_outliers``: outlying rotation pairs and
          near-real outliers of W (:func:`rnnmem_helpers.spectrum_summary`).
        - ``lead_angle``: rotation angle θ (rad) of the outlying pair of largest
          modulus, ``lead_period`` = 2π/θ; NaN without a rotation pair.
        - ``rot_modulus``: largest |λ| among the eigenvalues of W with an angle
          in [θ₀, π − θ₀], θ₀ = :data:`rnnmem_helpers.analyses.analysis.MIN_ANGLE`: the modulus of the
          leading rotation pair if there is an outlying one, else that of the
          largest complex eigenvalue of the bulk.
        - ``attractor_angle``: median over the attractors of the dominant
          angle of their Jacobian (NaN if none has a complex eigenvalue).
        - ``census`` and ``census_naive``: fixed points by number of unstable
          modes, ``{modes: count}``, counted with |λ| > 1 + margin and with |λ| > 1.
        - ``eigvals``: the eigenvalues of W (complex ndarray of shape (N,)), by
          decreasing modulus; ``rotation_angles`` and ``rotation_periods``:
          those of the outlying rotation pairs, ndarray of shape (n_pairs,).
        - ``attractor_angles``, ``attractor_moduli``: angle and modulus of the
          dominant complex mode of each attractor that has one, ndarray of
          shape (n,).
        - ``history``: the held-out evaluations during training
          (:class:`rnnmem_helpers.experiments.experiment.History`).
        - The columns of :func:`provenance_columns`: ``machine``, ``cpu_model``, ``wall_seconds``.
    """
    table = {**_config_columns(results, RunConfig), **_training_columns(results), **provenance_columns(results)}
    table["analysed"] = np.array([r.analysis is not None for r in results], dtype=bool)
    progress = [_history_row(r) for r in results]
    table["best_eval"] = np.array([p[0] for p in progress], dtype=np.float64)
    table["best_eval_half"] = np.array([p[1] for p in progress], dtype=np.float64)
    table["last_eval"] = np.array([p[2] for p in progress], dtype=np.float64)
    rows = [_analysis_row(r.analysis) for r in results]
    for col in ANALYSIS_COLUMNS:
        table[col] = np.array([row[col] for row in rows], dtype=np.float64)
    for col in OBJECT_COLUMNS[:-1]:
        table[col] = _objects([row[col] for row in rows])
    table["history"] = _objects([r.history for r in results])
    return table


def _config_columns(results, cls) -> dict:
    """One column per setting of the config class ``cls`` of ``results``, typed as its default.

    The settings of a kind that holds a run are its flat ones
    (:meth:`~rnnmem_helpers.experiments.experiment.HoldsRun.settings`).
    """
    default = cls()
    names = cls.setting_constraints() if isinstance(default, HoldsRun) else [f.name for f in dataclasses.fields(cls)]
    return {
        name: np.array([getattr(r.config, name) for r in results], dtype=_dtype_of(getattr(default, name)))
        for name in names
    }


def _training_columns(results) -> dict:
    """``converged``, ``steps``, ``accuracy`` and ``wrong_flips`` of results that trained one network."""
    return {
        "converged": np.array([r.converged for r in results], dtype=bool),
        "steps": np.array([r.steps for r in results], dtype=np.int64),
        "accuracy": np.array([r.accuracy for r in results], dtype=np.float64),
        "wrong_flips": np.array([r.wrong_flips for r in results], dtype=np.int64),
    }


def provenance_columns(results) -> dict:
    """Where each result was computed, so that tables can be grouped and filtered by machine.

    Returns
    -------
    dict of str to ndarray of shape (n_results,)
        ``machine`` (str): :attr:`~rnnmem_helpers.core.provenance.Provenance.machine`,
        the kernel-relevant machine; ``cpu_model`` (str); ``wall_seconds``
        (float): wall time of the whole computation (training, testing,
        analysis, measures).
    """
    prov = [r.provenance for r in results]
    return {
        "machine": np.array([p.machine for p in prov], dtype=str),
        "cpu_model": np.array([p.cpu_model for p in prov], dtype=str),
        "wall_seconds": np.array([p.wall_seconds for p in prov], dtype=np.float64),
    }


def compute_statement(sweeps) -> dict:
    """What the evidence cost and where it was computed, one row per sweep, from the results' own records.

    Parameters
    ----------
    sweeps : dict of str to sequence
        Sweep name to its results (of any kind), e.g. from :func:`rnnmem_helpers.experiments.sweep.load_sweep`.

    Returns
    -------
    dict of str to ndarray of shape (n_sweeps + 1,)
        ``sweep`` (str; the last row is ``"total"``); ``results`` (int);
        ``networks`` (int: distinct trained networks, by weights file, so a
        network that several sweeps share counts once in the total);
        ``training_hours`` (float: the recorded training wall time of those
        networks, each trained once on one core); ``wall_hours`` (float: the
        summed ``wall_seconds`` of the computations that wrote the results,
        which include the training only where it happened in them; a result
        re-analysed from a stored network records the analysis alone);
        ``machines`` (int: distinct
        :attr:`~rnnmem_helpers.core.provenance.Provenance.machine` values
        among the results) and ``cpu_models`` (str, ``"; "``-joined).
    """
    rows = [(name, list(results)) for name, results in sweeps.items()]
    rows.append(("total", [r for _, results in rows for r in results]))
    out = {k: [] for k in ("sweep", "results", "networks", "training_hours", "wall_hours", "machines")}
    out["cpu_models"] = []
    for name, results in rows:
        trained = {w.file: seconds for r in results for w, seconds in trained_networks(r)}
        prov = [r.provenance for r in results]
        out["sweep"].append(name)
        out["results"].append(len(results))
        out["networks"].append(len(trained))
        out["training_hours"].append(sum(trained.values()) / 3600)
        out["wall_hours"].append(sum(p.wall_seconds for p in prov) / 3600)
        out["machines"].append(len({p.machine for p in prov}))
        out["cpu_models"].append("; ".join(sorted({p.cpu_model for p in prov})))
    dtypes = {"sweep": str, "cpu_models": str, "training_hours": np.float64, "wall_hours": np.float64}
    return {k: np.array(v, dtype=dtypes.get(k, np.int64)) for k, v in out.items()}


def _dtype_of(default):
    if isinstance(default, bool):
        return bool
    if isinstance(default, int):
        return np.int64
    if isinstance(default, float):
        return np.float64
    return str


#: Config fields that do not change what a run computes over its first updates: its budget and whether it is analysed.
_NOT_TRAINING = ("max_steps", "analyse")


def budget_twins(short, long) -> dict:
    """Runs of a larger budget against their twins of a smaller one: do they agree over the smaller budget?

    A run and its twin have the same config but for ``max_steps`` (and
    ``analyse``). Training draws everything from the seed, so on one machine
    the longer run repeats its twin update for update until the twin stops;
    two machines' kernels may differ (see the book's delay-sweep chapter).

    Parameters
    ----------
    short, long : dict of ndarray
        From :func:`run_table`.

    Returns
    -------
    dict of ndarray, one row per run of ``long`` that has a twin in ``short``
        ``n_hidden``, ``delay``, ``seed``; ``budget``: the twin's
        ``max_steps``; ``agrees`` (bool): either both converged at the same
        update, or the twin did not converge and the long run did not
        converge within ``budget`` updates.
    """
    fields = [name for name in _CONFIG_FIELDS if name not in _NOT_TRAINING]
    check_columns(short, (*fields, "max_steps", "converged", "steps"))
    check_columns(long, (*fields, "converged", "steps"))
    twin = {tuple(short[f][i].item() for f in fields): i for i in range(len(short["seed"]))}
    rows = []
    for j in range(len(long["seed"])):
        i = twin.get(tuple(long[f][j].item() for f in fields))
        if i is None:
            continue
        budget = int(short["max_steps"][i])
        early = bool(long["converged"][j]) and int(long["steps"][j]) <= budget
        agrees = early == bool(short["converged"][i]) and (not early or long["steps"][j] == short["steps"][i])
        rows.append(
            {
                "n_hidden": int(long["n_hidden"][j]),
                "delay": int(long["delay"][j]),
                "seed": int(long["seed"][j]),
                "budget": budget,
                "agrees": bool(agrees),
            }
        )
    return collect(rows, ["n_hidden", "delay", "seed", "budget", "agrees"], long)


@validate_params({"results": _RESULTS})
def completeness(results, runs, by=("n_hidden", "delay")) -> dict:
    """Finished runs against the runs of the grid, per group.

    Parameters
    ----------
    results : list of RunResult
        Finished runs, e.g. from :func:`rnnmem_helpers.experiments.sweep.load_sweep`.
    runs : list of RunConfig
        Every run of the grid, e.g. from :func:`rnnmem_helpers.experiments.sweep.expand_grid`.
    by : str or sequence of str
        Fields of :class:`rnnmem_helpers.experiments.experiment.RunConfig` defining the groups.

    Returns
    -------
    dict of ndarray
        The ``by`` columns, ``expected`` and ``finished``, one row per group of the grid.

    Raises
    ------
    ValueError
        If ``by`` names no config field, or a result belongs to no group of the grid.
    """
    by = (by,) if isinstance(by, str) else tuple(by)
    unknown = [c for c in by if c not in _CONFIG_FIELDS]
    if unknown:
        raise ValueError(f"by must name fields of RunConfig {list(_CONFIG_FIELDS)}, got {unknown}")
    if not isinstance(runs, (list, tuple)) or not all(isinstance(r, RunConfig) for r in runs):
        raise TypeError("runs must be a list of RunConfig (from expand_grid)")
    expected, finished = {}, {}
    for r in runs:
        key = tuple(getattr(r, c) for c in by)
        expected[key] = expected.get(key, 0) + 1
    for i, r in enumerate(results):
        key = tuple(getattr(r.config, c) for c in by)
        if key not in expected:
            raise ValueError(f"results[{i}] has {dict(zip(by, key, strict=True))}, which is not in the grid")
        finished[key] = finished.get(key, 0) + 1
    keys = sorted(expected)
    out = {c: np.array([k[j] for k in keys]) for j, c in enumerate(by)}
    out["expected"] = np.array([expected[k] for k in keys], dtype=np.int64)
    out["finished"] = np.array([finished.get(k, 0) for k in keys], dtype=np.int64)
    return out


# ----------------------------------------------------------------------------- causal results

#: The networks a causal experiment times: the intact one, then one per ablation.
CAUSAL_VARIANTS = ("intact", *ABLATION_KINDS)
#: Names of the stored latency quantiles in the columns of :func:`causal_table`, in the order of LATENCY_PERCENTILES.
_LATENCY_NAMES = tuple("median" if p == 50 else f"p{p}" for p in LATENCY_PERCENTILES)
_SWITCH_STATS = ("median", "mean", "max", "p10", "p90")
_PLANE_STATS = (
    ("statistic", "statistic"),
    ("null_quantile", "null_quantile"),
    ("p_less", "p_less_orthogonal"),
    ("p_more", "p_more_orthogonal"),
)
_PLANES = (("readout", "readout_angles"), ("attractor", "attractor_angles"))


def _causal_float_columns() -> tuple[str, ...]:
    cols = []
    for v in CAUSAL_VARIANTS:
        cols += [f"{v}_accuracy", f"{v}_undelayed", *(f"{v}_latency_{q}" for q in _LATENCY_NAMES)]
        cols += [f"{v}_n_removed", f"{v}_n_flips", f"{v}_censored_frac"]
    for name in ("overshoot", "visibility"):
        cols += [f"{name}_n", f"{name}_n_unswitched", *(f"{name}_{s}" for s in _SWITCH_STATS)]
    for prefix, _ in _PLANES:
        cols += [f"{prefix}_n_planes", f"{prefix}_reference_rank", *(f"{prefix}_{c}" for c, _ in _PLANE_STATS)]
    return tuple(cols)


#: Float columns of :func:`causal_table` taken from the measures; NaN where a record (or a value in it) is None.
CAUSAL_MEASURE_COLUMNS = _causal_float_columns()


def _nan_if_none(value) -> float:
    return math.nan if value is None else float(value)


def _causal_row(result: CausalResult) -> dict:
    m = result.measures
    row = dict.fromkeys(CAUSAL_MEASURE_COLUMNS, math.nan)
    for v in CAUSAL_VARIANTS:
        rec = getattr(m, v)
        if rec is None:
            continue
        row.update({f"{v}_accuracy": rec.accuracy, f"{v}_undelayed": rec.undelayed_accuracy})
        row.update({f"{v}_n_removed": rec.n_removed, f"{v}_n_flips": rec.n_flips})
        row.update(
            {f"{v}_latency_{q}": _nan_if_none(x) for q, x in zip(_LATENCY_NAMES, rec.latency_quantiles, strict=True)}
        )
        if rec.n_flips:
            row[f"{v}_censored_frac"] = rec.n_censored / rec.n_flips
    for name in ("overshoot", "visibility"):
        rec = getattr(m, name)
        if rec is None:
            continue
        row.update({f"{name}_n": rec.n, f"{name}_n_unswitched": rec.n_unswitched})
        row.update({f"{name}_{s}": _nan_if_none(getattr(rec, s)) for s in _SWITCH_STATS})
    for prefix, attr in _PLANES:
        rec = getattr(m, attr)
        if rec is None:
            continue
        row.update({f"{prefix}_n_planes": rec.n_planes, f"{prefix}_reference_rank": rec.reference_rank})
        row.update({f"{prefix}_{col}": getattr(rec, field) for col, field in _PLANE_STATS})
    return row


@validate_params({"results": SequenceOf(InstanceOf(CausalResult), "CausalResult (from load_sweep of a causal sweep)")})
def causal_table(results) -> dict:
    """One row per causal experiment: its config, the network's outcome and every measure taken of it.

    Parameters
    ----------
    results : sequence of CausalResult
        As returned by :func:`rnnmem_helpers.experiments.sweep.load_sweep` for a sweep of
        kind ``"causal"`` (e.g. ``"causal"`` and ``"causal_delays"``, concatenated).

    Returns
    -------
    dict of str to ndarray of shape (n_results,)
        - The config columns, one per setting of
          :class:`rnnmem_helpers.experiments.causal.CausalConfig` (``n_time``, ``n_null``
          and the run's: ``delay``, ``seed``, ``n_hidden``, ``max_steps`` as
          int; ``mode``, ``rate_scope`` as str; ``mean_interval``, ``lr``, ...
          as float), typed as their defaults.
        - ``converged`` (bool), ``steps``, ``wrong_flips`` (int) and
          ``accuracy`` (float) of the trained network, as in :func:`run_table`;
          ``n_rotations``, ``n_real_outliers``, ``n_attractors`` (int).
        - Per variant v of :data:`CAUSAL_VARIANTS` (``intact``, ``rotations``,
          ``bulk``, ``real_outliers``): ``{v}_accuracy`` (delayed target),
          ``{v}_undelayed`` (undelayed target: the memory whatever the timing),
          ``{v}_latency_p10``, ``_p25``, ``_median``, ``_p75``, ``_p90`` (quantiles
          of the switch latencies, uncensored switches only), ``{v}_n_removed``
          (eigenvalues removed), ``{v}_n_flips`` and ``{v}_censored_frac``
          (fraction of the flips with no switch of the output).
        - ``overshoot_*`` and ``visibility_*``: ``n``, ``n_unswitched``,
          ``median``, ``mean``, ``max``, ``p10``, ``p90`` of
          :func:`~rnnmem_helpers.analyses.mechanism.loop_overshoot` and
          :func:`~rnnmem_helpers.analyses.mechanism.pulse_visibility`.
        - ``readout_*`` and ``attractor_*``: ``n_planes``, ``reference_rank``,
          ``statistic`` (mean smallest angle, rad), ``null_quantile``,
          ``p_less`` and ``p_more`` (p-values of planes less / more orthogonal
          than random ones) of the rotation planes against the readout and
          against the attractor differences.

        Every measure column is float (:data:`CAUSAL_MEASURE_COLUMNS`), NaN
        where its record is None (an ablation that does not apply, no
        visibility at Δt = 0, no rotation plane) or the value is undefined
        (a latency when every switch is censored).
        - The columns of :func:`provenance_columns`.
    """
    table = {**_config_columns(results, CausalConfig), **_training_columns(results), **provenance_columns(results)}
    for name in ("n_rotations", "n_real_outliers", "n_attractors"):
        table[name] = np.array([getattr(r.measures, name) for r in results], dtype=np.int64)
    rows = [_causal_row(r) for r in results]
    for col in CAUSAL_MEASURE_COLUMNS:
        table[col] = np.array([row[col] for row in rows], dtype=np.float64)
    return table


@validate_params(
    {"results": SequenceOf(InstanceOf(CurriculumResult), "CurriculumResult (from load_sweep of a curriculum sweep)")}
)
def curriculum_table(results) -> dict:
    """One row per curriculum: its config, how far its ladder of delays climbed and what it cost.

    Parameters
    ----------
    results : sequence of CurriculumResult
        As returned by :func:`rnnmem_helpers.experiments.sweep.load_sweep` for a sweep of kind ``"curriculum"``.

    Returns
    -------
    dict of str to ndarray of shape (n_results,)
        - The config columns, one per setting of
          :class:`rnnmem_helpers.experiments.curriculum.CurriculumConfig` (its own and its run's).
        - ``longest_delay`` (float): the last delay whose rung converged, NaN
          if rung 0 did not; ``failed_delay`` (float): the delay of the rung
          that did not converge, NaN if the ladder reached ``max_delay``.
        - ``n_rungs`` (int); ``steps_total`` (int): updates over all rungs,
          the failed one included; ``steps_converged_max`` (float): the most
          updates any converged rung needed (NaN if none).
        - ``rungs`` (object): the :class:`~rnnmem_helpers.experiments.curriculum.Rung`
          records, for anything else.
        - The columns of :func:`provenance_columns`.
    """
    table = {**_config_columns(results, CurriculumConfig), **provenance_columns(results)}
    nan = float("nan")
    table["longest_delay"] = np.array(
        [nan if r.longest_delay is None else r.longest_delay for r in results], dtype=np.float64
    )
    table["failed_delay"] = np.array(
        [next((g.delay for g in r.rungs if not g.converged), nan) for r in results], dtype=np.float64
    )
    table["n_rungs"] = np.array([len(r.rungs) for r in results], dtype=np.int64)
    table["steps_total"] = np.array([sum(g.steps for g in r.rungs) for r in results], dtype=np.int64)
    table["steps_converged_max"] = np.array(
        [max((g.steps for g in r.rungs if g.converged), default=nan) for r in results], dtype=np.float64
    )
    table["rungs"] = _objects([r.rungs for r in results])
    return table


#: Steps of the test stream whose states seed the fixed-point search of a rung's network.
RUNG_STREAM_STEPS = 20_000


@validate_params(
    {
        "results": SequenceOf(InstanceOf(CurriculumResult), "CurriculumResult (from load_sweep of a curriculum sweep)"),
    }
)
def rung_topology(results, folder, *, min_delay: int = 0) -> dict:
    """The spectrum and fixed points of every stored rung network of some curricula, one row per rung.

    Each rung's network (its weights file, under ``folder``) is run on a fresh
    stream of :data:`RUNG_STREAM_STEPS` steps, whose states seed
    :func:`~rnnmem_helpers.analyses.fixed_points.find_fixed_points`; the stream and the
    search are seeded by the curriculum's seed and the rung's delay, so the
    table is the same on every call.

    Parameters
    ----------
    results : sequence of CurriculumResult
    folder : str or Path
        The results folder the weights files are relative to.
    min_delay : int
        Rungs at shorter delays are left out.

    Returns
    -------
    dict of str to ndarray of shape (n_rungs,)
        ``seed``, ``n_hidden``, ``delay`` (int); ``converged`` and ``failed``
        (bool: the rung that ended the ladder); ``n_rotations`` (int: rotation
        pairs of W, as the rung records them); ``min_period`` (float: the
        shortest rotation period of W, steps; NaN without rotation);
        ``n_fixed``, ``n_attractors``, ``max_unstable`` and ``n_many`` (int: fixed
        points with more than three unstable modes).
    """
    folder = Path(folder)
    min_delay = check_int("min_delay", min_delay, minimum=0)
    rows = []
    for result in results:
        for rung in result.rungs:
            if rung.delay < min_delay:
                continue
            weights = load_checkpoint(folder / rung.weights.file).weights
            task = result.config.run_config(rung.delay).task_config
            seed = [result.config.seed, rung.delay]
            run = run_test(weights, task, RUNG_STREAM_STEPS, rng=np.random.default_rng(seed))
            fps = find_fixed_points(weights, states=run.states_txn, rng=np.random.default_rng(seed))
            periods = spectrum_summary(weights.W).rotation_periods
            rows.append(
                {
                    "seed": result.config.seed,
                    "n_hidden": result.config.n_hidden,
                    "delay": rung.delay,
                    "converged": rung.converged,
                    "failed": not rung.converged,
                    "n_rotations": rung.n_rotations,
                    "min_period": float(periods.min()) if periods.size else float("nan"),
                    "n_fixed": len(fps.n_unstable),
                    "n_attractors": int(np.sum(fps.n_unstable == 0)),
                    "max_unstable": int(fps.n_unstable.max()) if len(fps.n_unstable) else 0,
                    "n_many": int(np.sum(fps.n_unstable > 3)),
                }
            )
    types = {"converged": bool, "failed": bool, "min_period": np.float64}
    names = (
        "seed",
        "n_hidden",
        "delay",
        "converged",
        "failed",
        "n_rotations",
        "min_period",
        "n_fixed",
        "n_attractors",
        "max_unstable",
        "n_many",
    )
    return {n: np.array([r[n] for r in rows], dtype=types.get(n, np.int64)) for n in names}
