"""One experiment: a run config in, a trained, tested and analysed result out; and its file format.

A :class:`RunConfig` names everything a run depends on; :func:`run_experiment`
trains the network it describes, scores it on a stream independent of
training and, if asked, analyses it (:func:`analyse`), returning a
:class:`RunResult`. Both are frozen and validate themselves on construction.

Result files are JSON (:func:`save_result`, :func:`load_result`), versioned by
:data:`SCHEMA_VERSION`. Schema 1 (the files written before versioning, with
top-level keys ``key``, ``config`` and ``result``) is no longer loaded;
:func:`migrate` converts it explicitly. A run is identified by
:func:`run_key`, a hash of the schema version and the canonical config, so two
equivalent configs are one run and a change of schema gives new keys.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import numbers
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ._io import atomic_write
from ._validate import (
    RNG,
    Boolean,
    Constraint,
    InstanceOf,
    Integer,
    OneOf,
    Optional,
    Real,
    SequenceOf,
    validate_fields,
    validate_params,
)
from .analysis import MIN_ANGLE, spectrum_summary
from .fixed_points import DEFAULT_MARGIN, count_unstable, find_fixed_points
from .init import DEFAULT_PLANES, INITS, start_weights
from .metrics import EvalResult, evaluate
from .model import ModelConfig, RNNWeights
from .task import TaskConfig
from .train import TrainConfig, TrainResult, train

#: Version of the result format written by :func:`save_result`; schema 1 is the unversioned format before it.
SCHEMA_VERSION = 2
# Keeps the test stream of a run apart from every stream that training drew from
# the same seed, so the reported accuracy is measured on unseen data.
_TEST_SEED_OFFSET = 1_000_003


class ResultError(ValueError):
    """A result (file or dict) that does not follow the schema; the message names the field at fault.

    Attributes
    ----------
    field : str
        Dotted path of the offending field (``""`` for the object as a whole).
    """

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


# ----------------------------------------------------------------------------- constraints on sequences


class _Reals(SequenceOf):
    """A list of finite reals within bounds; returned as a tuple of floats."""

    def __init__(self, minimum: float | None = None, maximum: float | None = None):
        inner = Real(minimum, maximum)
        super().__init__(inner, inner.describe().replace("a finite real number", "finite real numbers"))

    def invalid_examples(self):
        bad = [*super().invalid_examples(), ([float("nan")], ValueError), (["1.0"], TypeError)]
        if self.item.minimum is not None:
            bad.append(([self.item.minimum - 1.0], ValueError))
        if self.item.maximum is not None:
            bad.append(([self.item.maximum + 1.0], ValueError))
        return bad


class _Ints(SequenceOf):
    """A list of integers >= ``minimum``; returned as a tuple of ints."""

    def __init__(self, minimum: int):
        super().__init__(Integer(minimum), f"integers >= {minimum}")

    def invalid_examples(self):
        return [*super().invalid_examples(), ([1.5], TypeError), ([self.item.minimum - 1], ValueError)]


class _Pair(Constraint):
    """Two finite reals (real and imaginary part of an eigenvalue); returned as a tuple of floats."""

    def describe(self) -> str:
        return "a pair [re, im] of finite real numbers"

    def _check(self, name, value, allowed):
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{name} must be {allowed}, got {type(value).__name__}")
        if len(value) != 2:
            raise ValueError(f"{name} must be {allowed}, got {len(value)} numbers")
        return tuple(Real().check(name, v) for v in value)

    def invalid_examples(self):
        return [(1.0, TypeError), ([1.0], ValueError)]


_PAIR = _Pair()


class _Pairs(SequenceOf):
    """A list of [re, im] pairs of finite reals; returned as a tuple of (float, float)."""

    def __init__(self):
        super().__init__(_PAIR, "[re, im] pairs of finite real numbers")

    def invalid_examples(self):
        return [*super().invalid_examples(), ([1.0], TypeError), ([[1.0]], ValueError), ([[0.0, math.inf]], ValueError)]


class _Counts(Constraint):
    """A mapping of integers >= 0 to integers >= 1 (a census); returned as a dict of int to int.

    Keys may be the decimal strings that JSON object keys are (``"0"``), since
    a census read from a file has them.
    """

    def describe(self) -> str:
        return "a mapping of integers >= 0 to integers >= 1"

    def _check(self, name, value, allowed):
        if not isinstance(value, dict):
            raise TypeError(f"{name} must be {allowed}, got {type(value).__name__}")
        out = {}
        for k, v in value.items():
            key = int(k) if isinstance(k, str) and k.isascii() and k.isdecimal() and str(int(k)) == k else k
            if isinstance(key, (bool, np.bool_)) or not isinstance(key, numbers.Integral) or key < 0:
                raise ValueError(f"{name} must be {allowed}, got the key {k!r}")
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < 1:
                raise ValueError(f"{name} must be {allowed}, got {v!r} for the key {k!r}")
            out[int(key)] = int(v)
        return dict(sorted(out.items()))

    def invalid_examples(self):
        return [
            (None, TypeError),
            ([1], TypeError),
            ({"a": 1}, ValueError),
            ({0: 0}, ValueError),
            ({-1: 1}, ValueError),
        ]


# ----------------------------------------------------------------------------- the run config


def field_default(cls, name: str):
    """The default of field ``name`` of dataclass ``cls``: the one place it is defined."""
    return next(f.default for f in dataclasses.fields(cls) if f.name == name)


def field_constraint(cls, name: str) -> Constraint:
    """The constraint that dataclass ``cls`` declares for field ``name``: the one place its range is defined."""
    return cls.__rnnmem_params__[name]


@dataclass(frozen=True)
@validate_fields(
    {
        "delay": field_constraint(TaskConfig, "delay"),
        "seed": Integer(0),
        "n_hidden": field_constraint(ModelConfig, "n_hidden"),
        "mode": field_constraint(TrainConfig, "mode"),
        "init": OneOf(INITS),
        "max_steps": field_constraint(TrainConfig, "max_steps"),
        "mean_interval": field_constraint(TaskConfig, "mean_interval"),
        "rate_scope": field_constraint(TaskConfig, "rate_scope"),
        "target_accuracy": field_constraint(TrainConfig, "target_accuracy"),
        "analyse": Boolean(),
    }
)
class RunConfig:
    """Everything one run of a sweep depends on.

    Defaults and allowed ranges are those of :class:`TaskConfig`,
    :class:`ModelConfig` and :class:`TrainConfig`, read from them; every
    other setting of those configs keeps its default. Fields are stored
    normalised (``int``, ``float``, ``bool``, ``str``), so equal settings give
    equal configs and equal :func:`run_key` (``mean_interval`` 50 and 50.0).

    Parameters
    ----------
    delay : int
        Output delay Δt of the task.
    seed : int
        The run's ``rng`` (>= 0): training draws from it
        (``train(..., rng=seed)``), fixed points are searched with it, and
        the test stream is seeded with ``seed + 1_000_003``.
    n_hidden : int
        Recurrent units N.
    mode : {"bptt", "tbptt"}
    init : {"paper", "transverse"}
        Start from the paper's weights, or from them plus rotations
        (:func:`rnnmem_helpers.init.start_weights`; needs
        ``n_hidden >= 2 * DEFAULT_PLANES + 2 * n_bits``).
    max_steps : int
        Budget of Adam updates.
    mean_interval : float
        The task's λ.
    rate_scope : {"all", "per_channel"}
    target_accuracy : float
        Stopping criterion, in [0, 1].
    analyse : bool
        Also compute the spectrum of W and the fixed points (:func:`analyse`).
    """

    delay: int = field_default(TaskConfig, "delay")
    seed: int = 0
    n_hidden: int = field_default(ModelConfig, "n_hidden")
    mode: str = field_default(TrainConfig, "mode")
    init: str = INITS[0]
    max_steps: int = field_default(TrainConfig, "max_steps")
    mean_interval: float = field_default(TaskConfig, "mean_interval")
    rate_scope: str = field_default(TaskConfig, "rate_scope")
    target_accuracy: float = field_default(TrainConfig, "target_accuracy")
    analyse: bool = True

    def __post_init__(self):
        if self.init == "transverse":
            least = 2 * DEFAULT_PLANES + 2 * self.task_config.n_bits
            if self.n_hidden < least:
                raise ValueError(
                    f"n_hidden must be >= {least} with init 'transverse' ({DEFAULT_PLANES} rotation planes "
                    f"orthogonal to {self.task_config.n_bits} input and readout directions each), got {self.n_hidden}"
                )

    @property
    def task_config(self) -> TaskConfig:
        """The task of this run."""
        return TaskConfig(delay=self.delay, mean_interval=self.mean_interval, rate_scope=self.rate_scope)

    @property
    def model_config(self) -> ModelConfig:
        """The network size of this run."""
        return ModelConfig(n_hidden=self.n_hidden, n_bits=self.task_config.n_bits)

    @property
    def train_config(self) -> TrainConfig:
        """The optimisation settings of this run."""
        return TrainConfig(mode=self.mode, max_steps=self.max_steps, target_accuracy=self.target_accuracy)


#: Names of the settings of a run, in the order of :class:`RunConfig`.
RUN_FIELDS = tuple(f.name for f in dataclasses.fields(RunConfig))
#: The run settings that the configs of other kinds (curriculum, causal) carry under the same names.
SHARED_RUN_SETTINGS = ("seed", "n_hidden", "mode", "max_steps", "mean_interval", "rate_scope", "target_accuracy")
#: Their constraints, :class:`RunConfig`'s own, for the other kinds' ``validate_fields``.
SHARED_RUN_CONSTRAINTS = MappingProxyType({name: RunConfig.__rnnmem_params__[name] for name in SHARED_RUN_SETTINGS})
#: Adam updates per run in the shipped sweeps; the default budget of the other kinds.
SWEEP_BUDGET = 8000


def paper_run_config(settings, *, delay: int, analyse: bool) -> RunConfig:
    """The run from the paper's initialisation with the :data:`SHARED_RUN_SETTINGS` of ``settings`` at ``delay``."""
    return RunConfig(
        delay=delay, init="paper", analyse=analyse, **{name: getattr(settings, name) for name in SHARED_RUN_SETTINGS}
    )


@validate_params({"config": InstanceOf(RunConfig)})
def run_key(config: RunConfig) -> str:
    """Key of a run: 16 hex digits of the SHA-256 of the schema version and the canonical config.

    The config's fields are normalised on construction, so equivalent configs
    share a key; :data:`SCHEMA_VERSION` is hashed along, so a new schema gives
    every run a new key.
    """
    text = json.dumps(
        {"schema_version": SCHEMA_VERSION, **dataclasses.asdict(config)}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ----------------------------------------------------------------------------- the result


@dataclass(frozen=True)
@validate_fields({"step": _Ints(1), "loss": _Reals(0.0), "eval_accuracy": _Reals(0.0, 1.0)})
class History:
    """The held-out evaluations during training, one entry per evaluation.

    Attributes
    ----------
    step : tuple of int
        Update after which the network was evaluated, increasing.
    loss : tuple of float
        Mean training loss over the updates since the previous evaluation.
    eval_accuracy : tuple of float
        Accuracy on the fixed held-out stream.
    """

    step: tuple = ()
    loss: tuple = ()
    eval_accuracy: tuple = ()

    def __post_init__(self):
        if not len(self.step) == len(self.loss) == len(self.eval_accuracy):
            raise ValueError(
                f"step, loss and eval_accuracy must have one length, got {len(self.step)}, {len(self.loss)} "
                f"and {len(self.eval_accuracy)}"
            )
        if any(b <= a for a, b in zip(self.step, self.step[1:], strict=False)):
            raise ValueError(f"step must be increasing, got {list(self.step)}")


@dataclass(frozen=True)
@validate_fields(
    {
        "eigvals": _Pairs(),
        "n_unstable": Integer(0),
        "n_unstable_naive": Integer(0),
        "n_real_outliers": Integer(0),
        "rotation_angles": _Reals(MIN_ANGLE, math.pi - MIN_ANGLE),
        "rotation_periods": _Reals(2.0),
    }
)
class SpectrumRecord:
    """The spectrum of a trained W, as stored (see :func:`rnnmem_helpers.spectrum_summary`).

    Attributes
    ----------
    eigvals : tuple of (float, float)
        (Re λ, Im λ) of every eigenvalue, by decreasing modulus.
    n_unstable : int
        Eigenvalues with |λ| > 1 + ``DEFAULT_MARGIN``; must agree with ``eigvals``.
    n_unstable_naive : int
        Eigenvalues with |λ| > 1; must agree with ``eigvals``.
    n_real_outliers : int
        Outliers on or near the real axis.
    rotation_angles : tuple of float
        θ of each outlying rotation pair, in [MIN_ANGLE, π - MIN_ANGLE].
    rotation_periods : tuple of float
        2π/θ, one per angle.
    """

    eigvals: tuple
    n_unstable: int
    n_unstable_naive: int
    n_real_outliers: int
    rotation_angles: tuple
    rotation_periods: tuple

    def __post_init__(self):
        if not self.eigvals:
            raise ValueError("eigvals must not be empty")
        eig = np.array(self.eigvals) @ np.array([1.0, 1.0j])
        for name, margin in (("n_unstable", DEFAULT_MARGIN), ("n_unstable_naive", 0.0)):
            want = int(count_unstable(eig, margin))
            if getattr(self, name) != want:
                raise ValueError(
                    f"{name} must equal the {want} eigenvalues with |λ| > {1 + margin}, got {getattr(self, name)}"
                )
        if len(self.rotation_periods) != len(self.rotation_angles):
            raise ValueError(
                f"rotation_periods must have one entry per rotation angle ({len(self.rotation_angles)}), "
                f"got {len(self.rotation_periods)}"
            )
        if self.n_real_outliers + 2 * len(self.rotation_angles) > len(self.eigvals):
            raise ValueError(
                f"n_real_outliers must be <= the eigenvalues not in rotation pairs, got {self.n_real_outliers}"
            )


@dataclass(frozen=True)
@validate_fields(
    {
        "summary": _Counts(),
        "summary_naive": _Counts(),
        "n": Integer(0),
        "n_slow": Integer(0),
        "max_unstable": Integer(0),
        "attractor_angles": _Reals(MIN_ANGLE, math.pi - MIN_ANGLE),
        "attractor_moduli": Optional(_Reals(0.0)),
    }
)
class FixedPointRecord:
    """The fixed points of a trained network, as stored (see :func:`rnnmem_helpers.find_fixed_points`).

    Attributes
    ----------
    summary : dict of int to int
        Number of fixed points by number of modes with |λ| > 1 + margin.
    summary_naive : dict of int to int
        The same with |λ| > 1.
    n : int
        Fixed points found.
    n_slow : int
        Slow points (not fixed) found.
    max_unstable : int
        Most unstable modes of any fixed point (0 without fixed points).
    attractor_angles : tuple of float
        |arg λ| of the dominant complex mode of each attractor that has one.
    attractor_moduli : tuple of float or None
        |λ| of those modes, one per angle. ``None`` only in results migrated
        from schema 1 whose run did not record them: the trained weights are
        not stored, and retraining on another machine gives another network.
    """

    summary: dict
    summary_naive: dict
    n: int
    n_slow: int
    max_unstable: int
    attractor_angles: tuple
    attractor_moduli: tuple | None

    def __post_init__(self):
        for name in ("summary", "summary_naive"):
            total = sum(getattr(self, name).values())
            if total != self.n:
                raise ValueError(f"{name} must count the n = {self.n} fixed points, got {total}")
        most = max(self.summary, default=0)
        if self.max_unstable != most:
            raise ValueError(f"max_unstable must be the largest count in summary ({most}), got {self.max_unstable}")
        if len(self.attractor_angles) > self.summary.get(0, 0):
            raise ValueError(
                f"attractor_angles must have at most one entry per attractor ({self.summary.get(0, 0)}), "
                f"got {len(self.attractor_angles)}"
            )
        if self.attractor_moduli is not None and len(self.attractor_moduli) != len(self.attractor_angles):
            raise ValueError(
                f"attractor_moduli must have one entry per attractor angle ({len(self.attractor_angles)}), "
                f"got {len(self.attractor_moduli)}"
            )


@dataclass(frozen=True)
@validate_fields({"spectrum": InstanceOf(SpectrumRecord), "fixed_points": InstanceOf(FixedPointRecord)})
class Analysis:
    """Spectrum of W and fixed-point topology of a trained network (:func:`analyse`)."""

    spectrum: SpectrumRecord
    fixed_points: FixedPointRecord


@dataclass(frozen=True)
@validate_fields(
    {
        "schema_version": OneOf((SCHEMA_VERSION,)),
        "config": InstanceOf(RunConfig),
        "converged": Boolean(),
        "steps": Integer(1),
        "seconds": Real(0.0),
        "accuracy": Real(0.0, 1.0),
        "wrong_flips": Integer(0),
        "history": InstanceOf(History),
        "analysis": Optional(InstanceOf(Analysis)),
    }
)
class RunResult:
    """What one run gave.

    Attributes
    ----------
    schema_version : int
        :data:`SCHEMA_VERSION`.
    config : RunConfig
    converged : bool
        Whether training met the criterion and confirmed it on fresh data.
    steps : int
        Adam updates done, <= ``config.max_steps``.
    seconds : float
        Wall time of training, rounded to 0.01 s.
    accuracy : float
        Accuracy on a stream of :data:`rnnmem_helpers.metrics.DEFAULT_TEST_STEPS` steps, independent of training.
    wrong_flips : int
        Output flips to the wrong sign on that stream.
    history : History
        Held-out evaluations during training, all at or before ``steps``.
    analysis : Analysis or None
        Present exactly when ``config.analyse``.
    """

    schema_version: int
    config: RunConfig
    converged: bool
    steps: int
    seconds: float
    accuracy: float
    wrong_flips: int
    history: History
    analysis: Analysis | None

    def __post_init__(self):
        if self.steps > self.config.max_steps:
            raise ValueError(f"steps must be <= config.max_steps ({self.config.max_steps}), got {self.steps}")
        if self.history.step and self.history.step[-1] > self.steps:
            raise ValueError(f"history must end at or before steps ({self.steps}), got step {self.history.step[-1]}")
        if (self.analysis is not None) != self.config.analyse:
            state = "present" if self.analysis is not None else "missing"
            raise ValueError(
                f"analysis must be present exactly when config.analyse, got {state} with {self.config.analyse}"
            )


@validate_params({"result": InstanceOf(RunResult)})
def missing_fields(result: RunResult) -> tuple[str, ...]:
    """Values that the current :func:`analyse` computes but ``result`` lacks.

    Only a result migrated from schema 1 can lack any: its
    ``analysis.fixed_points.attractor_moduli`` is None because the weights
    that would give it were never stored. The sweep runner reruns such runs
    (see :func:`rnnmem_helpers.sweep.pending_runs`).

    Returns
    -------
    tuple of str
        Dotted names of the missing values; empty for a complete result.
    """
    if result.analysis is not None and result.analysis.fixed_points.attractor_moduli is None:
        return ("analysis.fixed_points.attractor_moduli",)
    return ()


# ----------------------------------------------------------------------------- to and from JSON

_RESULT_FIELDS = tuple(f.name for f in dataclasses.fields(RunResult))
_FILE_KEYS = ("key", *_RESULT_FIELDS)


@validate_params({"result": InstanceOf(RunResult)})
def result_to_dict(result: RunResult) -> dict:
    """The JSON-ready form of a result, as :func:`save_result` writes it.

    Top-level keys: ``key`` (:func:`run_key` of the config) and the fields of
    :class:`RunResult`; nested dataclasses become objects, tuples lists, and
    the census keys of ``fixed_points`` strings.
    """
    obj = {"key": run_key(result.config), **dataclasses.asdict(result)}
    if result.analysis is not None:
        fps = obj["analysis"]["fixed_points"]
        for name in ("summary", "summary_naive"):
            fps[name] = {str(k): v for k, v in fps[name].items()}
    return json.loads(json.dumps(obj, allow_nan=False))


def result_from_dict(obj) -> RunResult:
    """Read and validate a result in the form of :func:`result_to_dict`.

    Raises
    ------
    ResultError
        Naming the field at fault; for a schema-1 object (written before
        results were versioned), saying to :func:`migrate` it.
    """
    if not isinstance(obj, dict):
        raise ResultError(f"a result must be a JSON object, got {json_type(obj)}")
    version = obj.get("schema_version")
    if version is None and set(obj) == set(_SCHEMA1_KEYS):
        version = 1
    if isinstance(version, int) and not isinstance(version, bool) and 1 <= version < SCHEMA_VERSION:
        raise ResultError(
            f"schema_version: this result is in schema {version}; the current one is {SCHEMA_VERSION}: convert it "
            "with rnnmem_helpers.experiment.migrate (scripts/migrate_results.py for a folder)",
            "schema_version",
        )
    if version is None:
        raise ResultError(f"schema_version is missing; a result has the keys {list(_FILE_KEYS)}", "schema_version")
    if version != SCHEMA_VERSION:
        raise ResultError(f"schema_version must be {SCHEMA_VERSION}, got {version!r}", "schema_version")
    check_record_keys(obj, _FILE_KEYS, "")
    config = build_record(RunConfig, obj["config"], "config")
    history = build_record(History, obj["history"], "history")
    analysis = None
    if obj["analysis"] is not None:
        ana = obj["analysis"]
        if not isinstance(ana, dict):
            raise ResultError(f"analysis must be an object or null, got {json_type(ana)}", "analysis")
        check_record_keys(ana, ("spectrum", "fixed_points"), "analysis")
        analysis = Analysis(
            spectrum=build_record(SpectrumRecord, ana["spectrum"], "analysis.spectrum"),
            fixed_points=build_record(FixedPointRecord, ana["fixed_points"], "analysis.fixed_points"),
        )
    scalars = {k: obj[k] for k in _RESULT_FIELDS if k not in ("config", "history", "analysis")}
    result = build_record(RunResult, {**scalars, "config": config, "history": history, "analysis": analysis}, "")
    key = run_key(config)
    if obj["key"] != key:
        raise ResultError(f"key must be {key!r}, the run key of config, got {obj['key']!r}", "key")
    return result


def json_type(value) -> str:
    """``value``'s JSON type in words ("an object", "null", ...), for error messages."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def check_record_keys(obj: dict, allowed, where: str) -> None:
    """Raise a ResultError naming the first key of ``obj`` not in ``allowed``, or the first one missing.

    ``where`` is the dotted path of ``obj`` in its file (``""`` at the top).
    """
    prefix = f"{where}." if where else ""
    unknown = sorted(set(obj) - set(allowed), key=str)
    if unknown:
        raise ResultError(
            f"{prefix}{unknown[0]} is not a field of a result; allowed: {list(allowed)}", prefix + str(unknown[0])
        )
    missing = [k for k in allowed if k not in obj]
    if missing:
        raise ResultError(f"{prefix}{missing[0]} is missing", prefix + missing[0])


def build_record(cls, fields, where: str):
    """``cls(**fields)`` for a validated dataclass, with any error as a ResultError naming the dotted field."""
    prefix = f"{where}." if where else ""
    if not isinstance(fields, dict):
        raise ResultError(f"{where} must be an object, got {json_type(fields)}", where)
    names = [f.name for f in dataclasses.fields(cls)]
    check_record_keys(fields, names, where)
    try:
        return cls(**fields)
    except (TypeError, ValueError) as exc:
        text = str(exc)
        field = next((n for n in names if text.startswith(n + " ") or text.startswith(n + ",")), "")
        raise ResultError(prefix + text, prefix + field if field else where) from None


def kind_key(kind: str, schema_version: int, config) -> str:
    """Key of an experiment of another kind than a run: 16 hex digits of the SHA-256 of kind, schema and config.

    The hashed object has the keys ``kind``, ``schema_version`` and
    ``config``, which a :func:`run_key` object never has all of (a run
    config has no field ``kind``), so no such key equals a run key.
    """
    text = json.dumps(
        {"kind": kind, "schema_version": schema_version, "config": dataclasses.asdict(config)},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def kind_to_dict(result, kind: str, key: str) -> dict:
    """The JSON-ready form of a result of another kind than a run: ``key``, ``kind`` and its fields."""
    return json.loads(json.dumps({"key": key, "kind": kind, **dataclasses.asdict(result)}, allow_nan=False))


def check_kind_file(obj, kind: str, schema_version: int, file_keys) -> None:
    """Check the top level of a stored result of ``kind``: exactly ``file_keys``, this kind and this schema.

    Raises
    ------
    ResultError
        Naming the field at fault.
    """
    if not isinstance(obj, dict):
        raise ResultError(f"a result must be a JSON object, got {json_type(obj)}")
    check_record_keys(obj, file_keys, "")
    if obj["kind"] != kind:
        raise ResultError(f"kind must be {kind!r}, got {obj['kind']!r}", "kind")
    if obj["schema_version"] != schema_version:
        raise ResultError(f"schema_version must be {schema_version}, got {obj['schema_version']!r}", "schema_version")


def check_file_key(obj: dict, key: str) -> None:
    """Raise a ResultError unless the stored ``key`` is ``key``, the key of the file's own config."""
    if obj["key"] != key:
        raise ResultError(f"key must be {key!r}, the key of config, got {obj['key']!r}", "key")


def save_kind(path, obj: dict, from_dict) -> None:
    """Write a result object atomically after checking, with ``from_dict``, that it loads back."""
    from_dict(obj)
    write_json(path, obj)


def write_json(path, obj: dict) -> None:
    """Write a JSON-ready result object to ``path`` atomically, as every result file is written."""
    with atomic_write(Path(path), "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=1, sort_keys=True, allow_nan=False)
        fh.write("\n")


def read_json(path, from_dict):
    """Read the result file at ``path`` and validate it with ``from_dict``; errors name the file.

    Raises
    ------
    ResultError
        If the file is not UTF-8 JSON, or ``from_dict`` refuses it.
    OSError
        If the file cannot be read.
    """
    path = Path(path)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultError(f"{path}: not a JSON file ({exc})") from None
    try:
        return from_dict(obj)
    except ResultError as exc:
        raise ResultError(f"{path}: {exc}", exc.field) from None


@validate_params({"result": InstanceOf(RunResult)})
def save_result(path, result: RunResult) -> None:
    """Write ``result`` to ``path`` as JSON, atomically; it is first checked as :func:`load_result` would.

    Raises
    ------
    ResultError
        If ``result`` would not load back (e.g. a field changed behind the
        frozen dataclass's back).
    """
    obj = result_to_dict(result)
    result_from_dict(obj)
    write_json(path, obj)


def load_result(path) -> RunResult:
    """Read and validate the result file at ``path``.

    Raises
    ------
    ResultError
        If the file is not UTF-8 JSON or not a valid schema-2 result; the
        message names the file and the field.
    OSError
        If the file cannot be read.
    """
    return read_json(path, result_from_dict)


# ----------------------------------------------------------------------------- migration


def _schema1_key(config: dict) -> str:
    """The key that the unversioned sweep runner gave a config (hash of its JSON as written)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def migrate(obj) -> dict:
    """Convert a stored result to the current schema, without retraining.

    Schema 1 (``{"key", "config", "result"}``, written before versioning)
    becomes schema 2 thus: the config is filled in and normalised as a
    :class:`RunConfig` and keyed anew by :func:`run_key`; ``spectrum`` and
    ``fixed_points`` move into ``analysis``; the old ``spectrum.n_unstable``,
    which counted |λ| > 1, becomes ``n_unstable_naive``, and ``n_unstable``
    (|λ| > 1 + ``DEFAULT_MARGIN``) is counted from the stored eigenvalues;
    a missing ``fixed_points.attractor_moduli`` becomes ``None`` (the weights
    that would give it are not stored). Every other value is carried over
    unchanged. A schema-2 object is validated and returned as it is.

    Parameters
    ----------
    obj : dict
        A result as read from its JSON file.

    Returns
    -------
    dict
        The result in the form of :func:`result_to_dict`; it passes
        :func:`result_from_dict`.

    Raises
    ------
    ResultError
        If ``obj`` is neither a valid schema-1 nor a valid schema-2 result.
    """
    if isinstance(obj, dict) and "schema_version" in obj:
        return result_to_dict(result_from_dict(obj))
    if not isinstance(obj, dict):
        raise ResultError(f"a result must be a JSON object, got {json_type(obj)}")
    check_record_keys(obj, _SCHEMA1_KEYS, "")
    old_config, old = obj["config"], obj["result"]
    for name, value in (("config", old_config), ("result", old)):
        if not isinstance(value, dict):
            raise ResultError(f"{name} must be an object, got {json_type(value)}", name)
    if obj["key"] != _schema1_key(old_config):
        raise ResultError(f"key {obj['key']!r} is not the schema-1 key of its config: the file was altered", "key")
    config = build_record(RunConfig, old_config, "config")
    scalars = ("converged", "steps", "seconds", "accuracy", "wrong_flips", "history")
    analysed = "spectrum" in old or "fixed_points" in old
    check_record_keys(old, (*scalars, "spectrum", "fixed_points") if analysed else scalars, "result")
    analysis = None
    if analysed:
        spec, fps = old["spectrum"], old["fixed_points"]
        for name, value in (("spectrum", spec), ("fixed_points", fps)):
            if not isinstance(value, dict):
                raise ResultError(f"result.{name} must be an object, got {json_type(value)}", f"result.{name}")
        check_record_keys(spec, _SCHEMA1_SPECTRUM, "result.spectrum")
        try:
            pairs = _Pairs().check("result.spectrum.eigvals", spec["eigvals"])
        except (TypeError, ValueError) as exc:
            raise ResultError(str(exc), "result.spectrum.eigvals") from None
        analysis = {
            "spectrum": {
                **spec,
                "n_unstable": int(
                    count_unstable(np.array(pairs).reshape(-1, 2) @ np.array([1.0, 1.0j]), DEFAULT_MARGIN)
                ),
                "n_unstable_naive": spec["n_unstable"],
            },
            "fixed_points": {"attractor_moduli": None, **fps},
        }
    new = {
        "schema_version": SCHEMA_VERSION,
        "key": run_key(config),
        "config": dataclasses.asdict(config),
        **{k: old[k] for k in scalars},
        "analysis": analysis,
    }
    try:
        result_from_dict(new)
    except ResultError as exc:
        raise ResultError(f"after migration: {exc}", exc.field) from None
    return new


# The top-level keys of schema 1, and its spectrum record, whose n_unstable counted |λ| > 1.
_SCHEMA1_KEYS = ("key", "config", "result")
_SCHEMA1_SPECTRUM = ("eigvals", "n_unstable", "n_real_outliers", "rotation_angles", "rotation_periods")


# ----------------------------------------------------------------------------- running


@validate_params({"config": InstanceOf(RunConfig)})
def run_experiment(config: RunConfig) -> RunResult:
    """Train one network as ``config`` says, test it on unseen data and, if asked, analyse it.

    Everything is drawn from ``config.seed``: training (``train(..., rng=seed)``,
    from :func:`rnnmem_helpers.init.start_weights` for ``init``), the test
    stream (``seed + 1_000_003``, apart from every training stream) and the
    fixed-point search (``analyse(..., rng=seed)``).
    """
    res, test = train_run(config)
    seed = config.seed
    return RunResult(
        schema_version=SCHEMA_VERSION,
        config=config,
        converged=res.converged,
        steps=res.steps,
        seconds=round(res.seconds, 2),
        accuracy=test.accuracy,
        wrong_flips=test.wrong_flips,
        history=History(**res.history),
        analysis=analyse(res.weights, rng=seed) if config.analyse else None,
    )


@validate_params({"config": InstanceOf(RunConfig)})
def train_run(config: RunConfig) -> tuple[TrainResult, EvalResult]:
    """Train the network of a run and score it on its unseen test stream, without analysing it.

    The network and the score of :func:`run_experiment` for the same config;
    the other experiment kinds start from it, so that their network is the
    run's network.

    Returns
    -------
    trained : TrainResult
        ``train(task, model, train_config, rng=seed, init=start_weights(init, model, rng=seed))``.
    test : EvalResult
        ``evaluate(trained.weights, task, rng=seed + 1_000_003)``.
    """
    seed, model = config.seed, config.model_config
    init = start_weights(config.init, model, rng=seed)
    res = train(config.task_config, model, config.train_config, rng=seed, init=init, progress=False)
    return res, evaluate(res.weights, config.task_config, rng=seed + _TEST_SEED_OFFSET)


@validate_params({"weights": InstanceOf(RNNWeights), "rng": RNG()})
def analyse(weights: RNNWeights, *, rng) -> Analysis:
    """Spectrum of W and fixed-point topology of a trained network.

    Parameters
    ----------
    weights : RNNWeights
    rng : int or np.random.Generator
        Source of the fixed-point search's seeds (an int seeds a new generator).
    """
    spec = spectrum_summary(weights.W)
    fps = find_fixed_points(weights, rng=rng)
    stable = fps.n_unstable == 0
    # The dominant complex mode of every attractor that has one: angle and modulus.
    modes = [m for m in (_dominant_mode(ev) for ev in fps.eigvals[stable]) if m is not None]
    return Analysis(
        spectrum=SpectrumRecord(
            eigvals=[(float(z.real), float(z.imag)) for z in spec.eigvals],
            n_unstable=spec.n_unstable,
            n_unstable_naive=spec.n_unstable_naive,
            n_real_outliers=int(spec.real_outliers.size),
            rotation_angles=[float(a) for a in spec.rotation_angles],
            rotation_periods=[float(p) for p in spec.rotation_periods],
        ),
        fixed_points=FixedPointRecord(
            summary=fps.summary(),
            summary_naive=fps.summary(naive=True),
            n=len(fps),
            n_slow=int(fps.slow_q.size),
            max_unstable=int(fps.n_unstable.max()) if len(fps) else 0,
            attractor_angles=[float(abs(np.angle(m))) for m in modes],
            attractor_moduli=[float(abs(m)) for m in modes],
        ),
    )


def _dominant_mode(eigvals, min_angle: float = MIN_ANGLE):
    """The largest-modulus eigenvalue with |arg λ| in [min_angle, π - min_angle], or None."""
    angles = np.abs(np.angle(eigvals))
    ok = (angles >= min_angle) & (angles <= np.pi - min_angle)
    if not ok.any():
        return None
    return complex(eigvals[ok][np.argmax(np.abs(eigvals[ok]))])
