"""The curriculum kind of experiment: train at a delay, then keep training the same network at longer delays.

A :class:`CurriculumConfig` describes a ladder of delays ``start_delay,
start_delay + delay_step, ...`` up to ``max_delay``. Rung 0 is exactly the
sweep run (:class:`~rnnmem_helpers.experiments.experiment.RunConfig`, ``init="paper"``)
with the same settings, trained by
:func:`~rnnmem_helpers.experiments.experiment.run_network`; on one machine its network is
that run's network. Every later rung trains the previous rung's converged
weights at the next delay with the same budget. The ladder stops at the first
rung that does not converge, or after ``max_delay``.

Randomness, all from ``seed``: rung 0 draws as the run does (``rng=seed``,
test stream ``seed + 1_000_003``); rung r >= 1 trains with
``rng=np.random.default_rng([seed, r])`` and is tested on a stream from
``np.random.default_rng([seed, r, 1_000_003])``, so no rung reuses another's
data and no global state is touched.

Results are JSON files like run results (:func:`save_curriculum`,
:func:`load_curriculum`), keyed by :func:`curriculum_key`.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..analyses.analysis import spectrum_summary
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
from ..core.metrics import evaluate
from ..core.provenance import Provenance, collect
from ..core.task import TaskConfig
from ..core.train import train
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
    field_constraint,
    json_type,
    kind_key,
    kind_to_dict,
    read_json,
    register_kind,
    run_network,
    save_kind,
    score_run,
    spectrum_settings,
    utc_now,
    weights_file,
    weights_file_name,
    weights_record,
)

#: Name of this kind in a sweep config's ``"kind"``.
KIND = "curriculum"
#: Version of the curriculum result format (2: provenance, and each rung's weights; key of the resolved runs).
CURRICULUM_SCHEMA_VERSION = 2
# Keeps each rung's test stream apart from the streams its training drew from, as for a run.
_TEST_STREAM = 1_000_003


@dataclass(frozen=True)
@validate_fields(
    {
        "run": InstanceOf(RunConfig),
        "delay_step": Integer(1),
        "max_delay": field_constraint(TaskConfig, "delay"),
    }
)
class CurriculumConfig(HoldsRun):
    """Everything one curriculum depends on: the run of rung 0 and the ladder of delays above it.

    A sweep config and a result file give its settings flat
    (:meth:`~rnnmem_helpers.experiments.experiment.HoldsRun.from_settings`):
    ``start_delay`` (the run's delay), ``delay_step``, ``max_delay`` and every
    setting of :class:`~rnnmem_helpers.experiments.experiment.RunConfig` but ``analyse``.

    Parameters
    ----------
    run : RunConfig
        Rung 0, unanalysed (``analyse=False``); every later rung is this run
        at its delay, trained on from the rung below. Its default is
        :class:`~rnnmem_helpers.experiments.experiment.RunConfig`'s with
        ``max_steps`` :data:`~rnnmem_helpers.experiments.experiment.SWEEP_BUDGET` (the
        budget of each rung) and delay 8.
    delay_step : int
        Added to the delay at each rung, >= 1.
    max_delay : int
        Last delay tried, >= ``start_delay``; the ladder is every
        ``start_delay + r * delay_step`` up to it.
    """

    RUN_DELAY = "start_delay"
    RUN_ANALYSE = False
    RUN_DEFAULTS = {"delay": 8, "max_steps": SWEEP_BUDGET}

    run: RunConfig = RunConfig(analyse=RUN_ANALYSE, **RUN_DEFAULTS)
    delay_step: int = 2
    max_delay: int = 32

    def __post_init__(self):
        self.check_run()
        if self.max_delay < self.start_delay:
            raise ValueError(f"max_delay must be >= start_delay ({self.start_delay}), got {self.max_delay}")

    @property
    def delays(self) -> tuple[int, ...]:
        """The delay of every rung, in order."""
        return tuple(range(self.start_delay, self.max_delay + 1, self.delay_step))

    def run_config(self, delay: int) -> RunConfig:
        """The run of the rung at ``delay``: :attr:`run` at that delay; rung 0 is :attr:`run` itself."""
        return dataclasses.replace(self.run, delay=delay)


@validate_params({"config": InstanceOf(CurriculumConfig)})
def curriculum_key(config: CurriculumConfig) -> str:
    """Key of a curriculum: :func:`~rnnmem_helpers.experiments.experiment.kind_key` of its config and rungs' runs."""
    runs = [config.run_config(d) for d in config.delays]
    # Each rung records counts of spectrum_summary, though its run is unanalysed: its settings are hashed too.
    return kind_key(KIND, CURRICULUM_SCHEMA_VERSION, config, runs, extra={"rung_spectrum": spectrum_settings()})


@dataclass(frozen=True)
@validate_fields(
    {
        "delay": field_constraint(TaskConfig, "delay"),
        "converged": Boolean(),
        "steps": Integer(1),
        "seconds": Real(0.0),
        "accuracy": Real(0.0, 1.0),
        "wrong_flips": Integer(0),
        "n_rotations": Integer(0),
        "n_real_outliers": Integer(0),
        "history": InstanceOf(History),
        "weights": InstanceOf(WeightsRecord),
    }
)
class Rung:
    """One rung of a curriculum.

    Attributes
    ----------
    delay : int
    converged : bool
        Whether training met the criterion and confirmed it on fresh data.
    steps : int
        Adam updates of this rung.
    seconds : float
        Wall time of this rung's training, rounded to 0.01 s.
    accuracy : float
        On a fresh stream of the run's ``test_steps`` (100 000 by default), independent of training.
    wrong_flips : int
        Output flips to the wrong sign on that stream.
    n_rotations, n_real_outliers : int
        Rotation pairs and real outliers of W after the rung
        (:func:`rnnmem_helpers.analyses.analysis.spectrum_summary`).
    history : History
        Held-out evaluations during this rung's training.
    weights : WeightsRecord
        The rung's final network; rung 0's is the file of the sweep run it
        equals.
    """

    delay: int
    converged: bool
    steps: int
    seconds: float
    accuracy: float
    wrong_flips: int
    n_rotations: int
    n_real_outliers: int
    history: History
    weights: WeightsRecord

    def __post_init__(self):
        if self.history.step and self.history.step[-1] > self.steps:
            raise ValueError(f"history must end at or before steps ({self.steps}), got step {self.history.step[-1]}")


@dataclass(frozen=True)
@validate_fields(
    {
        "schema_version": OneOf((CURRICULUM_SCHEMA_VERSION,)),
        "config": InstanceOf(CurriculumConfig),
        "rungs": SequenceOf(InstanceOf(Rung), "Rung records"),
        "longest_delay": Optional(Integer(0)),
        "provenance": InstanceOf(Provenance),
    }
)
class CurriculumResult:
    """What one curriculum gave.

    Attributes
    ----------
    schema_version : int
        :data:`CURRICULUM_SCHEMA_VERSION`.
    config : CurriculumConfig
    rungs : tuple of Rung
        The rungs trained, at ``config.delays[:len(rungs)]``: every one but
        the last converged, and the last either failed or was at the last delay.
    longest_delay : int or None
        Delay of the last converged rung; None if rung 0 failed.
    provenance : Provenance
        Machine, kernels, versions and code.
    """

    schema_version: int
    config: CurriculumConfig
    rungs: tuple
    longest_delay: int | None
    provenance: Provenance

    def __post_init__(self):
        delays = self.config.delays
        if not 1 <= len(self.rungs) <= len(delays):
            raise ValueError(f"rungs must hold 1 to {len(delays)} rungs (one per delay), got {len(self.rungs)}")
        got = [r.delay for r in self.rungs]
        if got != list(delays[: len(got)]):
            raise ValueError(f"rungs must be at the delays {list(delays[: len(got)])}, got {got}")
        for rung in self.rungs:
            if rung.steps > self.config.max_steps:
                raise ValueError(f"rungs must each take <= max_steps ({self.config.max_steps}) steps, got {rung.steps}")
        if not all(r.converged for r in self.rungs[:-1]):
            raise ValueError("rungs must stop at the first that did not converge")
        if self.rungs[-1].converged and len(self.rungs) < len(delays):
            raise ValueError(f"rungs must go on to max_delay ({self.config.max_delay}) while they converge")
        converged = [r.delay for r in self.rungs if r.converged]
        want = converged[-1] if converged else None
        if self.longest_delay != want:
            raise ValueError(f"longest_delay must be {want} (the last converged rung), got {self.longest_delay}")

    @property
    def converged(self) -> bool:
        """Whether every delay up to ``max_delay`` was learned."""
        return self.rungs[-1].converged


@validate_params({"config": InstanceOf(CurriculumConfig)})
def run_curriculum(config: CurriculumConfig) -> CurriculumResult:
    """Train a curriculum as ``config`` says (see the module docstring for the draws)."""
    return compute_curriculum(config)[0]


@validate_params({"config": InstanceOf(CurriculumConfig)})
def compute_curriculum(
    config: CurriculumConfig, *, trained: bytes | None = None
) -> tuple[CurriculumResult, dict[str, bytes]]:
    """Train a curriculum; return its result and the weights files of its rungs.

    ``trained`` is as in :func:`~rnnmem_helpers.experiments.experiment.compute_run`, for
    rung 0: the stored checkpoint of the sweep run it equals.
    """
    started, clock = utc_now(), time.perf_counter()
    rungs, weights, files = [], None, {}
    key = curriculum_key(config)
    for r, delay in enumerate(config.delays):
        run = config.run_config(delay)
        if r == 0:
            # The sweep run's network, its stored file kept byte for byte when reused.
            res, name, data = run_network(run, trained)
            test = score_run(run, res.weights)
        else:
            res = train(
                run.task_config,
                run.model_config,
                run.train_config,
                rng=np.random.default_rng([config.seed, r]),
                init=weights,
                progress=False,
            )
            test = evaluate(
                res.weights,
                run.task_config,
                n_time=run.test_steps,
                rng=np.random.default_rng([config.seed, r, _TEST_STREAM]),
            )
            # Later rungs depend on the whole ladder below them.
            name, data = weights_file(run, res, name=f"{key}-rung{r:02d}")
        files[name] = data
        spec = spectrum_summary(res.weights.W)
        rungs.append(
            Rung(
                delay=delay,
                converged=res.converged,
                steps=res.steps,
                seconds=round(res.seconds, 2),
                accuracy=test.accuracy,
                wrong_flips=test.wrong_flips,
                n_rotations=int(spec.rotation_eigvals.size),
                n_real_outliers=int(spec.real_outliers.size),
                history=History(**res.history),
                weights=weights_record(name, data),
            )
        )
        if not res.converged:
            break
        weights = res.weights
    converged = [r.delay for r in rungs if r.converged]
    result = CurriculumResult(
        schema_version=CURRICULUM_SCHEMA_VERSION,
        config=config,
        rungs=tuple(rungs),
        longest_delay=converged[-1] if converged else None,
        provenance=collect(started=started, wall_seconds=time.perf_counter() - clock),
    )
    return result, files


def reanalyse_curriculum(result: CurriculumResult, folder) -> CurriculumResult:
    """``result`` with every rung re-scored from its stored network in ``folder``: test stream and spectrum.

    Training is not repeated; each rung keeps its stored training record.
    """
    from ..core.checkpoints import load_checkpoint

    config, rungs = result.config, []
    for r, rung in enumerate(result.rungs):
        run = config.run_config(rung.delay)
        weights = load_checkpoint(Path(folder) / rung.weights.file).weights
        if r == 0:
            test = score_run(run, weights)
        else:
            rng = np.random.default_rng([config.seed, r, _TEST_STREAM])
            test = evaluate(weights, run.task_config, n_time=run.test_steps, rng=rng)
        spec = spectrum_summary(weights.W)
        rungs.append(
            dataclasses.replace(
                rung,
                accuracy=test.accuracy,
                wrong_flips=test.wrong_flips,
                n_rotations=int(spec.rotation_eigvals.size),
                n_real_outliers=int(spec.real_outliers.size),
            )
        )
    return dataclasses.replace(result, rungs=tuple(rungs))


# ----------------------------------------------------------------------------- to and from JSON

_RESULT_FIELDS = tuple(f.name for f in dataclasses.fields(CurriculumResult))
_FILE_KEYS = ("key", "kind", *_RESULT_FIELDS)


@validate_params({"result": InstanceOf(CurriculumResult)})
def curriculum_to_dict(result: CurriculumResult) -> dict:
    """The JSON-ready form of a curriculum result: ``key``, ``kind`` and the fields of :class:`CurriculumResult`."""
    return kind_to_dict(result, KIND, curriculum_key(result.config))


def curriculum_from_dict(obj) -> CurriculumResult:
    """Read and validate a curriculum result in the form of :func:`curriculum_to_dict`, of its schema only.

    Raises
    ------
    ResultError
        Naming the field at fault: a file of another schema version than
        :data:`CURRICULUM_SCHEMA_VERSION`, or without ``provenance`` or a
        rung's ``weights``, is refused.
    """
    check_kind_file(obj, KIND, CURRICULUM_SCHEMA_VERSION, _FILE_KEYS)
    config = build_config(CurriculumConfig, obj["config"], "config")
    if not isinstance(obj["rungs"], list):
        raise ResultError(f"rungs must be an array, got {json_type(obj['rungs'])}", "rungs")
    rungs = []
    for i, rung in enumerate(obj["rungs"]):
        where = f"rungs.{i}"
        if isinstance(rung, dict) and "history" in rung:
            rung = {**rung, "history": build_record(History, rung["history"], f"{where}.history")}
        if isinstance(rung, dict) and "weights" in rung:
            rung = {**rung, "weights": build_record(WeightsRecord, rung["weights"], f"{where}.weights")}
        rungs.append(build_record(Rung, rung, where))
    fields = {
        "schema_version": obj["schema_version"],
        "config": config,
        "rungs": rungs,
        "longest_delay": obj["longest_delay"],
        "provenance": build_record(Provenance, obj["provenance"], "provenance"),
    }
    result = build_record(CurriculumResult, fields, "")
    check_file_key(obj, curriculum_key(config))
    return result


@validate_params({"result": InstanceOf(CurriculumResult)})
def save_curriculum(path, result: CurriculumResult) -> None:
    """Write ``result`` to ``path`` as JSON, atomically, after checking that it loads back."""
    save_kind(path, curriculum_to_dict(result), curriculum_from_dict)


def load_curriculum(path) -> CurriculumResult:
    """Read and validate the curriculum result file at ``path``; a ResultError names the file and field."""
    return read_json(path, curriculum_from_dict)


register_kind(
    Kind(
        name=KIND,
        config=CurriculumConfig,
        key=curriculum_key,
        compute=compute_curriculum,
        reusable=lambda config: weights_file_name(config.run),
        to_dict=curriculum_to_dict,
        from_dict=curriculum_from_dict,
        reanalyse=reanalyse_curriculum,
    )
)
