"""The causal kind of experiment: train a run's network, then ablate its spectrum and measure the paper's claims.

A :class:`CausalConfig` names a sweep run (:attr:`CausalConfig.run`,
whose :func:`run_key` is recorded as ``network_key``); :func:`run_causal`
trains and tests it exactly as
:func:`~rnnmem_helpers.experiments.experiment.run_experiment` does, stores its weights
in the same file a run would (named by its
:func:`~rnnmem_helpers.experiments.experiment.training_key`), and
:func:`causal_measures` measures the trained weights:

- :func:`~rnnmem_helpers.analyses.ablation.timing_measures` of the intact network and
  of :func:`~rnnmem_helpers.analyses.ablation.ablate` with ``"rotations"``, ``"bulk"``
  and ``"real_outliers"``, all on one stream (paired);
- :func:`~rnnmem_helpers.analyses.mechanism.loop_overshoot` and
  :func:`~rnnmem_helpers.analyses.mechanism.pulse_visibility` on a
  :func:`~rnnmem_helpers.analyses.analysis.run_test` stream;
- :func:`~rnnmem_helpers.analyses.mechanism.rotation_plane_angles` of W against the
  readout (``W_out.T``) and against the attractors minus their mean.

Draws, all from the integer ``seed`` (the ``rng`` of :func:`causal_measures`):
the timing stream ``np.random.default_rng([seed, 1])`` (a fresh generator for
each network, so all four see the same stream), the bulk pairs
``default_rng([seed, 2])``, the ``run_test`` stream ``default_rng([seed, 3])``,
the null planes ``default_rng([seed, 4])`` (readout) and ``default_rng([seed, 5])``
(attractors), and the fixed points ``find_fixed_points(weights, rng=seed)``,
as the analysis of a run draws them. None of these is a stream that training
or the run's test stream (``seed + 1_000_003``) draws from.

JSON has no NaN: a value that is undefined (no uncensored switch, no
isolated switch, no rotation plane, fewer than two attractors, an ablation
that does not apply) is stored as None.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np

from ..analyses.ablation import ABLATION_KINDS, ablate, timing_measures
from ..analyses.analysis import MAX_TEST_STATE_ENTRIES, MAX_TEST_STEPS, run_test, spectrum_summary
from ..analyses.fixed_points import find_fixed_points
from ..analyses.mechanism import loop_overshoot, pulse_visibility, rotation_plane_angles
from ..analyses.writing import VERDICTS as CLOCK_VERDICTS
from ..analyses.writing import clock_tests
from ..core._validate import (
    Boolean,
    InstanceOf,
    Integer,
    OneOf,
    Optional,
    Real,
    SequenceOf,
    validate_fields,
    validate_params,
)
from ..core.model import RNNWeights
from ..core.provenance import Provenance, collect
from ..core.task import TaskConfig
from .experiment import (
    SWEEP_BUDGET,
    History,
    HoldsRun,
    Kind,
    ResultError,
    RunConfig,
    WeightsRecord,
    build_config,
    build_record,
    check_file_key,
    check_kind_file,
    check_record_keys,
    from_stored,
    json_type,
    kind_key,
    kind_to_dict,
    read_json,
    register_kind,
    run_key,
    run_network,
    save_kind,
    score_run,
    utc_now,
    weights_file_name,
    weights_record,
)

#: Name of this kind in a sweep config's ``"kind"``.
KIND = "causal"
#: Version of the causal result format (3: provenance, the network's weights, the key of the resolved run, and
#: the storage, writing and timing of each edit, ``measures.clock``).
CAUSAL_SCHEMA_VERSION = 3
#: Longest stream of the clock tests' latencies: 20 000 steps time about 200 flips per variant, and the eight
#: variants cost 5-10 s per network on one core (100 000 steps would cost five times that).
CLOCK_STEPS = 20_000
#: Quantiles of the switch latencies that are stored, in percent.
LATENCY_PERCENTILES = (10, 25, 50, 75, 90)
# The second word of the seed of each derived stream (see the module docstring).
_TIMING, _BULK, _TEST_RUN, _NULL_READOUT, _NULL_ATTRACTORS, _CLOCK = 1, 2, 3, 4, 5, 6


@dataclass(frozen=True)
@validate_fields({"run": InstanceOf(RunConfig), "n_time": Integer(2, MAX_TEST_STEPS), "n_null": Integer(1)})
class CausalConfig(HoldsRun):
    """Everything one causal experiment depends on: the run of its network and the lengths of the measures.

    A sweep config and a result file give its settings flat
    (:meth:`~rnnmem_helpers.experiments.experiment.HoldsRun.from_settings`): every
    setting of :class:`~rnnmem_helpers.experiments.experiment.RunConfig` but
    ``analyse``, and ``n_time`` and ``n_null``.

    Parameters
    ----------
    run : RunConfig
        The sweep run whose network this experiment measures, analysed
        (``analyse=True``), as the shipped sweeps run it. Its default is
        :class:`~rnnmem_helpers.experiments.experiment.RunConfig`'s with ``max_steps``
        :data:`~rnnmem_helpers.experiments.experiment.SWEEP_BUDGET`.
    n_time : int
        Length of the streams of the measures, in ``[delay + 2, 2e8 // n_hidden]``
        (``run_test`` keeps every state).
    n_null : int
        Random planes per null draw of :func:`~rnnmem_helpers.analyses.mechanism.rotation_plane_angles`, >= 1.
    """

    RUN_DELAY = "delay"
    RUN_ANALYSE = True
    RUN_DEFAULTS = {"max_steps": SWEEP_BUDGET}

    run: RunConfig = RunConfig(analyse=RUN_ANALYSE, **RUN_DEFAULTS)
    n_time: int = 100_000
    n_null: int = 1000

    def __post_init__(self):
        self.check_run()
        most = min(MAX_TEST_STEPS, MAX_TEST_STATE_ENTRIES // self.n_hidden)
        if not self.delay + 2 <= self.n_time <= most:
            raise ValueError(
                f"n_time must be an integer in [delay + 2, min(2000000, 2e8 // n_hidden)] = "
                f"[{self.delay + 2}, {most}], got {self.n_time}"
            )


@validate_params({"config": InstanceOf(CausalConfig)})
def causal_key(config: CausalConfig) -> str:
    """Key of a causal experiment: :func:`~rnnmem_helpers.experiments.experiment.kind_key` of its config and its run."""
    return kind_key(KIND, CAUSAL_SCHEMA_VERSION, config, [config.run])


# ----------------------------------------------------------------------------- records

_PROBABILITY = Real(0.0, 1.0)


def _none_if_nan(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


@dataclass(frozen=True)
@validate_fields(
    {
        "n_removed": Integer(0),
        "accuracy": _PROBABILITY,
        "undelayed_accuracy": _PROBABILITY,
        "latency_quantiles": SequenceOf(Optional(Real(0.0)), "latencies >= 0 or nulls"),
        "n_flips": Integer(0),
        "n_censored": Integer(0),
    }
)
class TimingRecord:
    """:func:`~rnnmem_helpers.analyses.ablation.timing_measures` of one network, as stored.

    Attributes
    ----------
    n_removed : int
        Eigenvalues removed from W (0 for the intact network).
    accuracy, undelayed_accuracy : float
    latency_quantiles : tuple of (float or None)
        Quantiles :data:`LATENCY_PERCENTILES` of the latencies of the
        uncensored switches; all None if every switch is censored.
    n_flips, n_censored : int
        Flipping pulses, and those without a switch of the output.
    """

    n_removed: int
    accuracy: float
    undelayed_accuracy: float
    latency_quantiles: tuple
    n_flips: int
    n_censored: int

    def __post_init__(self):
        if len(self.latency_quantiles) != len(LATENCY_PERCENTILES):
            raise ValueError(
                f"latency_quantiles must hold {len(LATENCY_PERCENTILES)} values (percentiles "
                f"{list(LATENCY_PERCENTILES)}), got {len(self.latency_quantiles)}"
            )
        if self.n_censored > self.n_flips:
            raise ValueError(f"n_censored must be <= n_flips ({self.n_flips}), got {self.n_censored}")
        if (None in self.latency_quantiles) != (self.n_censored == self.n_flips):
            raise ValueError("latency_quantiles must be null exactly when every flip is censored")


@dataclass(frozen=True)
@validate_fields(
    {
        "n": Integer(0),
        "n_unswitched": Integer(0),
        "median": Optional(Real()),
        "mean": Optional(Real()),
        "max": Optional(Real()),
        "p10": Optional(Real()),
        "p90": Optional(Real()),
    }
)
class SwitchRecord:
    """A :class:`~rnnmem_helpers.analyses.mechanism.SwitchMeasure` summarised; statistics are None when ``n`` is 0."""

    n: int
    n_unswitched: int
    median: float | None
    mean: float | None
    max: float | None
    p10: float | None
    p90: float | None

    def __post_init__(self):
        nulls = {v is None for v in (self.median, self.mean, self.max, self.p10, self.p90)}
        if nulls != {self.n == 0}:
            raise ValueError(f"median, mean, max, p10 and p90 must be null exactly when n is 0, got n = {self.n}")


@dataclass(frozen=True)
@validate_fields(
    {
        "n_planes": Integer(1),
        "reference_rank": Integer(1),
        "statistic": Real(0.0, math.pi / 2),
        "null_quantile": _PROBABILITY,
        "p_less_orthogonal": _PROBABILITY,
        "p_more_orthogonal": _PROBABILITY,
    }
)
class PlaneRecord:
    """A :class:`~rnnmem_helpers.analyses.mechanism.PlaneAngles` summarised (``null_quantile`` is its ``quantile``)."""

    n_planes: int
    reference_rank: int
    statistic: float
    null_quantile: float
    p_less_orthogonal: float
    p_more_orthogonal: float


_TIMINGS = ("intact", *ABLATION_KINDS)


@dataclass(frozen=True)
@validate_fields(
    {
        "variant": InstanceOf(str),
        "rank": Integer(0),
        "n_reference": Integer(0),
        "n_surviving": Integer(0),
        "noise_tolerance": Optional(Real(0.0)),
        "n_writes": Integer(0),
        "write_success": Optional(_PROBABILITY),
        "stayed": Integer(0),
        "other": Integer(0),
        "write_latency": Optional(Real(0.0)),
        "latency_median": Optional(Real(0.0)),
        "latency_q25": Optional(Real(0.0)),
        "latency_q75": Optional(Real(0.0)),
        "n_timed": Integer(0),
        "n_censored": Integer(0),
        "n_excluded": Integer(0),
        "verdict": OneOf(CLOCK_VERDICTS),
    }
)
class ClockRecord:
    """Storage, writing and timing of one variant of the network (:func:`rnnmem_helpers.analyses.writing.clock_tests`).

    Claim 14 redone: the rotations' role is measured apart for storage (the
    intact network's attractors that survive, seeded from them), writing (an
    isolated pulse from each corner lands on the right corner) and timing
    (latency only of flips whose output held the old sign).

    Attributes
    ----------
    variant : str
        ``intact``, ``W rotations``, ``bulk control``, ``Jacobian rotations``,
        ``Jacobian clock x{f}`` (the attractor Jacobians' pair near period Δt
        retuned by the factor f), ``delay projection``, ``late delay projection``.
    rank : int
        Rank of the change to W (of the projector for the projections).
    n_reference, n_surviving : int
        The intact network's attractors, and those the variant keeps.
    noise_tolerance : float or None
        Largest state noise from which every kept attractor recovers.
    n_writes, stayed, other : int
        Isolated writes tried, those that left the state at the old corner,
        and those that ended at another wrong corner.
    write_success : float or None
        Fraction of the writes that landed on the right corner (None without writes).
    write_latency : float or None
        Median steps of the successful writes to switch the output.
    latency_median, latency_q25, latency_q75 : float or None
        Switch latency on a stream, over the timed flips only.
    n_timed, n_censored, n_excluded : int
        Flips timed, flips with no switch before the channel's next pulse,
        and flips whose output already showed the new sign (not counted as 0).
    verdict : str
        :func:`rnnmem_helpers.analyses.writing.clock_verdict` against the intact network.
    """

    variant: str
    rank: int
    n_reference: int
    n_surviving: int
    noise_tolerance: float | None
    n_writes: int
    write_success: float | None
    stayed: int
    other: int
    write_latency: float | None
    latency_median: float | None
    latency_q25: float | None
    latency_q75: float | None
    n_timed: int
    n_censored: int
    n_excluded: int
    verdict: str


def _clock_records(weights: RNNWeights, delay: int, n_time: int, seed: int) -> tuple:
    """:class:`ClockRecord` of every variant :func:`~rnnmem_helpers.analyses.writing.clock_tests` could build."""
    try:
        tests = clock_tests(weights, delay, rng=np.random.default_rng([seed, _CLOCK]), n_time=n_time)
    except ValueError:
        # A network with no attractor away from the origin (one that did not learn) has no corners to keep,
        # write to or time: nothing to record.
        return ()
    records = []
    for row in tests.table():
        records.append(
            ClockRecord(
                variant=row["variant"],
                rank=row["rank"],
                n_reference=tests[row["variant"]].census.n_reference,
                n_surviving=tests[row["variant"]].census.n_surviving,
                noise_tolerance=_none_if_nan(row["noise_tolerance"]),
                n_writes=row["n_writes"],
                write_success=_none_if_nan(row["write_success"]) if row["n_writes"] else None,
                stayed=row["stayed"],
                other=row["other"],
                write_latency=_none_if_nan(row["write_latency"]),
                latency_median=_none_if_nan(row["median"]),
                latency_q25=_none_if_nan(row["q25"]),
                latency_q75=_none_if_nan(row["q75"]),
                n_timed=row["n_timed"],
                n_censored=row["n_censored"],
                n_excluded=row["n_excluded"],
                verdict=row["verdict"],
            )
        )
    return tuple(records)


@dataclass(frozen=True)
@validate_fields(
    {
        "n_rotations": Integer(0),
        "n_real_outliers": Integer(0),
        "n_attractors": Integer(0),
        "intact": InstanceOf(TimingRecord),
        "rotations": Optional(InstanceOf(TimingRecord)),
        "bulk": Optional(InstanceOf(TimingRecord)),
        "real_outliers": Optional(InstanceOf(TimingRecord)),
        "overshoot": InstanceOf(SwitchRecord),
        "visibility": Optional(InstanceOf(SwitchRecord)),
        "readout_angles": Optional(InstanceOf(PlaneRecord)),
        "attractor_angles": Optional(InstanceOf(PlaneRecord)),
        "clock": SequenceOf(InstanceOf(ClockRecord), "ClockRecord records"),
    }
)
class CausalMeasures:
    """Every measure :func:`causal_measures` takes of one network.

    Attributes
    ----------
    n_rotations, n_real_outliers : int
        Rotation pairs and real outliers of W (:func:`~rnnmem_helpers.analyses.analysis.spectrum_summary`).
    n_attractors : int
        Fixed points with no unstable mode.
    intact : TimingRecord
    rotations, bulk, real_outliers : TimingRecord or None
        The network with that class of eigenvalues removed; None where
        :func:`~rnnmem_helpers.analyses.ablation.ablate` refuses (W too close to
        defective, or too few bulk pairs to match the rotations).
    overshoot : SwitchRecord
    visibility : SwitchRecord or None
        None at Δt = 0, where no step comes before the delay has elapsed.
    readout_angles, attractor_angles : PlaneRecord or None
        None without rotation planes (or, for the attractors, with fewer than
        two attractors, whose differences span nothing).
    clock : tuple of ClockRecord
        Storage, writing and timing of the intact network and of each edit
        (claim 14 redone); empty for a network with no attractor away from
        the origin.
    """

    n_rotations: int
    n_real_outliers: int
    n_attractors: int
    intact: TimingRecord
    rotations: TimingRecord | None
    bulk: TimingRecord | None
    real_outliers: TimingRecord | None
    overshoot: SwitchRecord
    visibility: SwitchRecord | None
    readout_angles: PlaneRecord | None
    attractor_angles: PlaneRecord | None
    clock: tuple


def _timing_record(weights: RNNWeights, task: TaskConfig, n_removed: int, n_time: int, seed: int) -> TimingRecord:
    m = timing_measures(weights, task, n_time=n_time, rng=np.random.default_rng([seed, _TIMING]))
    done = m.latencies[~np.isnan(m.latencies)]
    quantiles = np.percentile(done, LATENCY_PERCENTILES) if done.size else [None] * len(LATENCY_PERCENTILES)
    return TimingRecord(
        n_removed=n_removed,
        accuracy=m.accuracy,
        undelayed_accuracy=m.undelayed_accuracy,
        latency_quantiles=tuple(None if q is None else float(q) for q in quantiles),
        n_flips=m.n_flips,
        n_censored=m.n_censored,
    )


def _switch_record(measure) -> SwitchRecord:
    v = measure.value
    if not v.size:
        return SwitchRecord(measure.n, measure.n_unswitched, None, None, None, None, None)
    p10, p90 = np.percentile(v, [10, 90])
    return SwitchRecord(
        n=measure.n,
        n_unswitched=measure.n_unswitched,
        median=measure.median,
        mean=measure.mean,
        max=float(v.max()),
        p10=float(p10),
        p90=float(p90),
    )


def _plane_record(matrix, reference, n_null: int, rng) -> PlaneRecord | None:
    angles = rotation_plane_angles(matrix, reference, n_null=n_null, rng=rng)
    if angles.eigvals.size == 0:
        return None
    return PlaneRecord(
        n_planes=int(angles.eigvals.size),
        reference_rank=angles.reference_rank,
        statistic=angles.statistic,
        null_quantile=angles.quantile,
        p_less_orthogonal=angles.p_less_orthogonal,
        p_more_orthogonal=angles.p_more_orthogonal,
    )


@validate_params(
    {
        "weights": InstanceOf(RNNWeights),
        "task": InstanceOf(TaskConfig),
        "rng": Integer(0),
        "n_time": Integer(2),
        "n_null": Integer(1),
    }
)
def causal_measures(
    weights: RNNWeights, task: TaskConfig, *, rng: int, n_time: int = 100_000, n_null: int = 1000
) -> CausalMeasures:
    """Ablations, switch measures and rotation-plane angles of one network.

    Parameters
    ----------
    weights : RNNWeights
    task : TaskConfig
        The task the network was trained on; its ``n_bits`` must match.
    rng : int
        Seed (>= 0) of every draw, as the module docstring lists them; an
        int, not a Generator, so that each measure has its own documented
        stream whatever the order they are taken in.
    n_time : int
        Length of the timing and test streams, in ``[task.delay + 2, 2e8 // N]``.
    n_null : int
        Random planes per null, >= 1.

    Returns
    -------
    CausalMeasures

    Raises
    ------
    ValueError
        If ``n_time`` is out of range or a stream holds no defined target.
    """
    seed = rng
    spec = spectrum_summary(weights.W)
    timings = {"intact": _timing_record(weights, task, 0, n_time, seed)}
    for kind in ABLATION_KINDS:
        try:
            ablated = ablate(weights, kind, rng=np.random.default_rng([seed, _BULK]) if kind == "bulk" else None)
        except ValueError:
            # The edit is undefined for this W (see ablate): recorded as None, not as a failed network.
            timings[kind] = None
            continue
        timings[kind] = _timing_record(ablated.weights, task, ablated.n_removed, n_time, seed)
    run = run_test(weights, task, n_time, rng=np.random.default_rng([seed, _TEST_RUN]))
    fps = find_fixed_points(weights, rng=seed)
    attractors = fps.xstar[fps.n_unstable == 0]
    attractor_angles = None
    # Fewer than two attractors span no difference (and have no mean to take it from).
    differences = attractors - attractors.mean(axis=0) if len(attractors) >= 2 else attractors
    if len(attractors) >= 2 and np.any(differences):
        attractor_angles = _plane_record(
            weights.W, differences.T, n_null, np.random.default_rng([seed, _NULL_ATTRACTORS])
        )
    return CausalMeasures(
        n_rotations=int(spec.rotation_eigvals.size),
        n_real_outliers=int(spec.real_outliers.size),
        n_attractors=len(attractors),
        **timings,
        overshoot=_switch_record(loop_overshoot(run)),
        visibility=_switch_record(pulse_visibility(run, weights)) if task.delay > 0 else None,
        readout_angles=_plane_record(weights.W, weights.W_out.T, n_null, np.random.default_rng([seed, _NULL_READOUT])),
        attractor_angles=attractor_angles,
        clock=_clock_records(weights, task.delay, min(n_time, CLOCK_STEPS), seed),
    )


@dataclass(frozen=True)
@validate_fields(
    {
        "schema_version": OneOf((CAUSAL_SCHEMA_VERSION,)),
        "config": InstanceOf(CausalConfig),
        "network_key": InstanceOf(str),
        "converged": Boolean(),
        "steps": Integer(1),
        "seconds": Real(0.0),
        "accuracy": _PROBABILITY,
        "wrong_flips": Integer(0),
        "history": InstanceOf(History),
        "measures": InstanceOf(CausalMeasures),
        "weights": InstanceOf(WeightsRecord),
        "provenance": InstanceOf(Provenance),
    }
)
class CausalResult:
    """What one causal experiment gave.

    Attributes
    ----------
    schema_version : int
        :data:`CAUSAL_SCHEMA_VERSION`.
    config : CausalConfig
    network_key : str
        :func:`~rnnmem_helpers.experiments.experiment.run_key` of ``config.run``:
        the sweep run whose network was measured.
    converged, steps, seconds, accuracy, wrong_flips, history
        As in :class:`~rnnmem_helpers.experiments.experiment.RunResult`, for that network.
    measures : CausalMeasures
        Taken whether or not training converged.
    weights : WeightsRecord
        The measured network.
    provenance : Provenance
        Machine, kernels, versions and code.
    """

    schema_version: int
    config: CausalConfig
    network_key: str
    converged: bool
    steps: int
    seconds: float
    accuracy: float
    wrong_flips: int
    history: History
    measures: CausalMeasures
    weights: WeightsRecord
    provenance: Provenance

    def __post_init__(self):
        want = run_key(self.config.run)
        if self.network_key != want:
            raise ValueError(f"network_key must be {want!r}, the run key of config.run, got {self.network_key!r}")
        if self.steps > self.config.max_steps:
            raise ValueError(f"steps must be <= config.max_steps ({self.config.max_steps}), got {self.steps}")
        if self.history.step and self.history.step[-1] > self.steps:
            raise ValueError(f"history must end at or before steps ({self.steps}), got step {self.history.step[-1]}")


@validate_params({"config": InstanceOf(CausalConfig)})
def run_causal(config: CausalConfig) -> CausalResult:
    """Train the network of ``config.run`` as its run does, test it, and take :func:`causal_measures`."""
    return compute_causal(config)[0]


@validate_params({"config": InstanceOf(CausalConfig)})
def compute_causal(config: CausalConfig, *, trained: bytes | None = None) -> tuple[CausalResult, dict[str, bytes]]:
    """:func:`run_causal`'s result and the weights file of its network.

    ``trained`` is as in :func:`~rnnmem_helpers.experiments.experiment.compute_run`: the
    stored checkpoint of the run's network, measured instead of training again.
    """
    started, clock = utc_now(), time.perf_counter()
    run = config.run
    res, name, data = run_network(run, trained)
    test = score_run(run, res.weights)
    result = CausalResult(
        schema_version=CAUSAL_SCHEMA_VERSION,
        config=config,
        network_key=run_key(run),
        converged=res.converged,
        steps=res.steps,
        seconds=round(res.seconds, 2),
        accuracy=test.accuracy,
        wrong_flips=test.wrong_flips,
        history=History(**res.history),
        measures=causal_measures(
            res.weights, run.task_config, rng=config.seed, n_time=config.n_time, n_null=config.n_null
        ),
        weights=weights_record(name, data),
        provenance=collect(started=started, wall_seconds=time.perf_counter() - clock),
    )
    return result, {name: data}


# ----------------------------------------------------------------------------- to and from JSON

_RESULT_FIELDS = tuple(f.name for f in dataclasses.fields(CausalResult))
_FILE_KEYS = ("key", "kind", *_RESULT_FIELDS)
_MEASURE_RECORDS = {
    **dict.fromkeys(_TIMINGS, TimingRecord),
    "overshoot": SwitchRecord,
    "visibility": SwitchRecord,
    "readout_angles": PlaneRecord,
    "attractor_angles": PlaneRecord,
}


@validate_params({"result": InstanceOf(CausalResult)})
def causal_to_dict(result: CausalResult) -> dict:
    """The JSON-ready form of a causal result: ``key``, ``kind`` and the fields of :class:`CausalResult`."""
    return kind_to_dict(result, KIND, causal_key(result.config))


def causal_from_dict(obj) -> CausalResult:
    """Read and validate a causal result in the form of :func:`causal_to_dict`, of :data:`CAUSAL_SCHEMA_VERSION` only.

    Raises
    ------
    ResultError
        Naming the field at fault: a file of another schema version, or
        without ``weights`` or ``provenance``, is refused.
    """
    check_kind_file(obj, KIND, CAUSAL_SCHEMA_VERSION, _FILE_KEYS)
    config = build_config(CausalConfig, obj["config"], "config")
    history = build_record(History, obj["history"], "history")
    measures = obj["measures"]
    if not isinstance(measures, dict):
        raise ResultError(f"measures must be an object, got {json_type(measures)}", "measures")
    names = [f.name for f in dataclasses.fields(CausalMeasures)]
    check_record_keys(measures, names, "measures")
    records = {
        name: None if measures[name] is None else build_record(cls, measures[name], f"measures.{name}")
        for name, cls in _MEASURE_RECORDS.items()
    }
    if not isinstance(measures["clock"], list):
        raise ResultError(f"measures.clock must be an array, got {json_type(measures['clock'])}", "measures.clock")
    records["clock"] = [
        build_record(ClockRecord, row, f"measures.clock.{i}") for i, row in enumerate(measures["clock"])
    ]
    built = build_record(CausalMeasures, {**measures, **records}, "measures", names)
    nested = {
        "config": config,
        "history": history,
        "measures": built,
        "weights": build_record(WeightsRecord, obj["weights"], "weights"),
        "provenance": build_record(Provenance, obj["provenance"], "provenance"),
    }
    scalars = {k: obj[k] for k in _RESULT_FIELDS if k not in nested}
    result = build_record(CausalResult, {**scalars, **nested}, "")
    check_file_key(obj, causal_key(config))
    return result


@validate_params({"result": InstanceOf(CausalResult)})
def save_causal(path, result: CausalResult) -> None:
    """Write ``result`` to ``path`` as JSON, atomically, after checking that it loads back."""
    save_kind(path, causal_to_dict(result), causal_from_dict)


def load_causal(path) -> CausalResult:
    """Read and validate the causal result file at ``path``; a ResultError names the file and field."""
    return read_json(path, causal_from_dict)


register_kind(
    Kind(
        name=KIND,
        config=CausalConfig,
        key=causal_key,
        compute=compute_causal,
        reusable=lambda config: weights_file_name(config.run),
        to_dict=causal_to_dict,
        from_dict=causal_from_dict,
        reanalyse=from_stored(compute_causal),
    )
)
