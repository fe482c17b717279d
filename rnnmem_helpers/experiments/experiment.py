"""One experiment: a run config in, a trained, tested and analysed result out; and its file format.

A :class:`RunConfig` names everything a run depends on; :func:`compute_run`
trains the network it describes, scores it on a stream independent of
training and, if asked, analyses it (:func:`analyse`), returning a
:class:`RunResult` and the checkpoint of the trained network. Both are
frozen and validate themselves on construction.

Keys are honest: :func:`run_key` hashes :func:`resolved_config`, every task,
model, training, test and analysis setting with its defaults resolved, the
schema version and :data:`~rnnmem_helpers.core.train.TRAINER_VERSION`; the weights
file is named by :func:`training_key`, the hash of the training part alone.

Result files are JSON (:func:`save_result`, :func:`load_result`), versioned by
:data:`SCHEMA_VERSION`; each carries its :class:`~rnnmem_helpers.core.provenance.Provenance`
and the :class:`WeightsRecord` of its network; the reader refuses a file
without them, or of another schema version.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import math
import numbers
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ..analyses.analysis import MIN_ANGLE, spectrum_summary
from ..analyses.fixed_points import DEFAULT_MARGIN, count_unstable, find_fixed_points
from ..core._io import atomic_write, read_json_file
from ..core._validate import (
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
from ..core.checkpoints import checkpoint_bytes, load_checkpoint
from ..core.init import DEFAULT_PLANES, INITS, start_weights
from ..core.metrics import DEFAULT_TEST_STEPS, EvalResult, evaluate
from ..core.model import ModelConfig, RNNWeights
from ..core.provenance import Provenance, collect
from ..core.task import TaskConfig
from ..core.train import TRAINER_VERSION, TRAINING_SETTINGS, TrainConfig, TrainResult, check_streams, train

#: Version of the result format written by :func:`save_result`.
SCHEMA_VERSION = 3
#: Longest test stream a run may ask for: 10^8 steps take 10-15 minutes at N = 100.
MAX_TEST_STEPS = 10**8
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
        **{name: field_constraint(TrainConfig, name) for name in TRAINING_SETTINGS},
        "test_steps": Integer(100, MAX_TEST_STEPS),
    }
)
class RunConfig:
    """Everything one run of a sweep depends on.

    Defaults and allowed ranges are those of :class:`TaskConfig`,
    :class:`ModelConfig` and :class:`TrainConfig`, read from them. Fields are
    stored normalised (``int``, ``float``, ``bool``, ``str``), so equal
    settings give equal configs and equal :func:`run_key` (``mean_interval``
    50 and 50.0).

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
        (:func:`rnnmem_helpers.core.init.start_weights`; needs
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
    lr, batch_size, seq_len, tbptt_len, stream_len, clip_norm, eval_every, eval_steps, confirm_steps
        The :class:`TrainConfig` settings of the same names (Adam's learning
        rate, sequences per update, their length, the truncation window and
        stream of ``tbptt``, the gradient-norm clip, and the early-stopping
        evaluation: every ``eval_every`` updates on ``eval_steps`` held-out
        steps, confirmed on ``confirm_steps`` fresh ones).
    test_steps : int
        Length of the unseen test stream that gives ``accuracy``.
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
    lr: float = field_default(TrainConfig, "lr")
    batch_size: int = field_default(TrainConfig, "batch_size")
    seq_len: int = field_default(TrainConfig, "seq_len")
    tbptt_len: int = field_default(TrainConfig, "tbptt_len")
    stream_len: int = field_default(TrainConfig, "stream_len")
    clip_norm: float = field_default(TrainConfig, "clip_norm")
    eval_every: int = field_default(TrainConfig, "eval_every")
    eval_steps: int = field_default(TrainConfig, "eval_steps")
    confirm_steps: int = field_default(TrainConfig, "confirm_steps")
    test_steps: int = DEFAULT_TEST_STEPS

    def __post_init__(self):
        if self.init == "transverse":
            least = 2 * DEFAULT_PLANES + 2 * self.task_config.n_bits
            if self.n_hidden < least:
                raise ValueError(
                    f"n_hidden must be >= {least} with init 'transverse' ({DEFAULT_PLANES} rotation planes "
                    f"orthogonal to {self.task_config.n_bits} input and readout directions each), got {self.n_hidden}"
                )
        if self.test_steps < self.delay + 2:
            raise ValueError(f"test_steps must be an integer >= delay + 2 ({self.delay + 2}), got {self.test_steps}")
        # Settings valid one by one can still clash (stream_len < tbptt_len, pulses too rare for the evaluation).
        check_streams(self.task_config, self.train_config)

    @classmethod
    def setting_constraints(cls) -> MappingProxyType:
        """What each setting a sweep config may give accepts: every field's constraint."""
        return MappingProxyType(dict(cls.__rnnmem_params__))

    @classmethod
    def from_settings(cls, **settings) -> RunConfig:
        """The config of these settings, the rest at their defaults (the constructor, for :class:`Kind`)."""
        return cls(**settings)

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
        return TrainConfig(
            mode=self.mode,
            max_steps=self.max_steps,
            target_accuracy=self.target_accuracy,
            **{name: getattr(self, name) for name in TRAINING_SETTINGS},
        )


#: Names of the settings of a run, in the order of :class:`RunConfig`.
RUN_FIELDS = tuple(f.name for f in dataclasses.fields(RunConfig))
#: Adam updates per run in the shipped sweeps; the default budget of the other kinds.
SWEEP_BUDGET = 8000


#: The run settings that a :class:`HoldsRun` config records by name even at their defaults: those that the
#: kinds restated before they held a run, so that every key and file stored before stays what it was.
KEYED_RUN_SETTINGS = ("seed", "n_hidden", "mode", "max_steps", "mean_interval", "rate_scope", "target_accuracy")


class HoldsRun:
    """Mixin of the config of a kind of experiment whose networks are those of one :class:`RunConfig`, ``run``.

    The config is a frozen, validated dataclass with the field ``run`` and
    its own fields. A sweep config and a result file name its settings flat
    (:meth:`settings`, :meth:`from_settings`): its own fields, the run's delay
    under the name :attr:`RUN_DELAY`, and every other run setting but
    ``analyse``, which the kind decides (:attr:`RUN_ANALYSE`). Each of these
    settings also reads as an attribute (``config.seed`` is ``config.run.seed``).

    Attributes
    ----------
    RUN_DELAY : str
        The kind's name for the run's delay (``"delay"``, ``"start_delay"``).
    RUN_ANALYSE : bool
        The ``analyse`` that the kind requires of its run.
    RUN_DEFAULTS : dict
        The run settings whose defaults differ from :class:`RunConfig`'s for
        this kind (``max_steps`` is :data:`SWEEP_BUDGET`).
    """

    RUN_DELAY: str = "delay"
    RUN_ANALYSE: bool = False
    RUN_DEFAULTS: dict = {}

    @classmethod
    def default_run(cls) -> RunConfig:
        """The run of this kind's config when no run setting is given."""
        return RunConfig(analyse=cls.RUN_ANALYSE, **cls.RUN_DEFAULTS)

    @classmethod
    def run_names(cls) -> dict[str, str]:
        """Each run setting's name among this kind's flat settings, mapped to its :class:`RunConfig` field."""
        return {cls.RUN_DELAY if name == "delay" else name: name for name in RUN_FIELDS if name != "analyse"}

    @classmethod
    def setting_constraints(cls) -> MappingProxyType:
        """What each flat setting accepts: the kind's own fields' constraints, and :class:`RunConfig`'s."""
        own = {name: c for name, c in cls.__rnnmem_params__.items() if name != "run"}
        run = {flat: RunConfig.__rnnmem_params__[name] for flat, name in cls.run_names().items()}
        return MappingProxyType({**own, **run})

    @classmethod
    def from_settings(cls, **settings):
        """The config of these flat settings (see :meth:`setting_constraints`); the rest take their defaults.

        Raises
        ------
        TypeError, ValueError
            On an unknown setting, or a value its constraint refuses (the
            message names the setting as a sweep config names it).
        """
        names = cls.run_names()
        allowed = cls.setting_constraints()
        unknown = [name for name in settings if name not in allowed]
        if unknown:
            raise TypeError(f"{unknown[0]} is not a setting of {cls.__name__}; allowed: {list(allowed)}")
        for name, value in settings.items():
            allowed[name].check(name, value)
        run = {names[k]: v for k, v in settings.items() if k in names}
        own = {k: v for k, v in settings.items() if k not in names}
        return cls(run=dataclasses.replace(cls.default_run(), **run), **own)

    def replace(self, **settings):
        """This config with the flat ``settings`` given changed, as :meth:`from_settings` checks them."""
        return self.from_settings(**{**self.settings(), **settings})

    def settings(self) -> dict:
        """The flat settings of this config, as its key hashes them and its result file stores them.

        Its own fields, the run's delay and :data:`KEYED_RUN_SETTINGS` always;
        every other run setting only where it differs from the kind's default,
        so that a config of default training settings keeps the key and file
        it had before kinds held a :class:`RunConfig` (its every run setting
        is in the key anyway, through :func:`kind_key`'s ``runs``).
        """
        default = self.default_run()
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "run"}
        for flat, name in self.run_names().items():
            value = getattr(self.run, name)
            if name == "delay" or name in KEYED_RUN_SETTINGS or value != getattr(default, name):
                out[flat] = value
        return out

    def check_run(self) -> None:
        """Raise ValueError unless ``run.analyse`` is the kind's :attr:`RUN_ANALYSE`; call from ``__post_init__``."""
        if self.run.analyse is not self.RUN_ANALYSE:
            name = type(self).__name__
            raise ValueError(f"run must have analyse={self.RUN_ANALYSE} in {name}, got {self.run.analyse}")

    def __getattr__(self, name):
        # Only for names not found the usual way; "run" itself is absent while unpickling, and must not recurse.
        names = type(self).run_names()
        if name in names and "run" in self.__dict__:
            return getattr(self.run, names[name])
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def _keyword_defaults(fn) -> dict:
    """The JSON-ready defaults of ``fn``'s keyword-only parameters: the settings a call leaves to it."""
    return {
        name: p.default
        for name, p in inspect.signature(fn).parameters.items()
        if p.kind is p.KEYWORD_ONLY and (p.default is None or isinstance(p.default, (bool, int, float, str)))
    }


def spectrum_settings() -> dict:
    """Every default of :func:`~rnnmem_helpers.analyses.analysis.spectrum_summary` that can change a spectrum record."""
    return _keyword_defaults(spectrum_summary)


def analysis_settings() -> dict:
    """Every setting of :func:`analyse` that can change its result, defaults resolved (hashed into keys)."""
    return {
        "min_angle": MIN_ANGLE,
        "margin": DEFAULT_MARGIN,
        "spectrum": spectrum_settings(),
        "fixed_points": _keyword_defaults(find_fixed_points),
    }


@validate_params({"config": InstanceOf(RunConfig)})
def training_settings(config: RunConfig) -> dict:
    """What the trained network of ``config`` depends on, fully resolved: task, model, training, start, trainer."""
    return {
        "trainer_version": TRAINER_VERSION,
        "task": dataclasses.asdict(config.task_config),
        "model": dataclasses.asdict(config.model_config),
        "train": dataclasses.asdict(config.train_config),
        "init": config.init,
        "seed": config.seed,
    }


@validate_params({"config": InstanceOf(RunConfig)})
def resolved_config(config: RunConfig) -> dict:
    """Everything a run's result depends on, defaults resolved: training, the test stream and the analysis."""
    return {
        "schema_version": SCHEMA_VERSION,
        "training": training_settings(config),
        "test": {"steps": config.test_steps, "seed_offset": _TEST_SEED_OFFSET},
        "analysis": analysis_settings() if config.analyse else None,
    }


def hash_key(obj) -> str:
    """16 hex digits of the SHA-256 of ``obj`` as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@validate_params({"config": InstanceOf(RunConfig)})
def run_key(config: RunConfig) -> str:
    """Key of a run: :func:`hash_key` of :func:`resolved_config`.

    The key covers every task, model, training, test and analysis setting,
    defaults included, the schema version and :data:`TRAINER_VERSION`: a
    change of any default, or of the training numerics, gives new keys, so a
    cached result is never taken for the result of other settings.
    """
    return hash_key(resolved_config(config))


@validate_params({"config": InstanceOf(RunConfig)})
def training_key(config: RunConfig) -> str:
    """Key of a run's trained network: :func:`hash_key` of :func:`training_settings`; names its weights file.

    Runs that differ only in their test or analysis settings share it, so a
    new analysis reuses the stored network instead of training it again.
    """
    return hash_key({"weights": training_settings(config)})


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
        "attractor_moduli": _Reals(0.0),
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
    attractor_moduli : tuple of float
        |λ| of those modes, one per angle.
    """

    summary: dict
    summary_naive: dict
    n: int
    n_slow: int
    max_unstable: int
    attractor_angles: tuple
    attractor_moduli: tuple

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
        if len(self.attractor_moduli) != len(self.attractor_angles):
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


_SHA256 = re.compile(r"[0-9a-f]{64}")
_WEIGHTS_FILE = re.compile(r"weights/[0-9a-z_-]{1,80}\.npz")


class _Matching(Constraint):
    """A string matching ``pattern`` in full."""

    def __init__(self, pattern, what: str):
        self.pattern, self.what = pattern, what

    def describe(self) -> str:
        return self.what

    def _check(self, name, value, allowed):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be {allowed}, got {json_type(value)}")
        if not self.pattern.fullmatch(value):
            raise ValueError(f"{name} must be {allowed}, got {value!r}")
        return value

    def invalid_examples(self):
        return [(None, TypeError), (1, TypeError), ("", ValueError)]


@dataclass(frozen=True)
@validate_fields(
    {
        "file": _Matching(_WEIGHTS_FILE, "a path weights/NAME.npz relative to the result's folder"),
        "sha256": _Matching(_SHA256, "64 lowercase hex digits"),
        "n_bytes": Integer(1),
    }
)
class WeightsRecord:
    """The stored final weights of a network: a checkpoint file next to its result.

    Attributes
    ----------
    file : str
        ``weights/NAME.npz``, relative to the folder of the result file.
    sha256 : str
        SHA-256 of the file's bytes, checked when the weights are loaded.
    n_bytes : int
        Size of the file (about 64 KB at N = 100).
    """

    file: str
    sha256: str
    n_bytes: int


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
        "weights": InstanceOf(WeightsRecord),
        "provenance": InstanceOf(Provenance),
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
        Accuracy on a stream of ``config.test_steps`` steps, independent of training.
    wrong_flips : int
        Output flips to the wrong sign on that stream.
    history : History
        Held-out evaluations during training, all at or before ``steps``.
    analysis : Analysis or None
        Present exactly when ``config.analyse``.
    weights : WeightsRecord
        The stored final network.
    provenance : Provenance
        Machine, kernels, versions and code of the run.
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
    weights: WeightsRecord
    provenance: Provenance

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
    """Read and validate a result in the form of :func:`result_to_dict`, of :data:`SCHEMA_VERSION` only.

    Raises
    ------
    ResultError
        Naming the field at fault: a file of another schema version, or
        without ``weights`` or ``provenance``, is refused.
    """
    if not isinstance(obj, dict):
        raise ResultError(f"a result must be a JSON object, got {json_type(obj)}")
    version = obj.get("schema_version")
    if version is None:
        raise ResultError(f"schema_version is missing; a result has the keys {list(_FILE_KEYS)}", "schema_version")
    if version != SCHEMA_VERSION or isinstance(version, bool):
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
    nested = {
        "config": config,
        "history": history,
        "analysis": analysis,
        "weights": build_record(WeightsRecord, obj["weights"], "weights"),
        "provenance": build_record(Provenance, obj["provenance"], "provenance"),
    }
    scalars = {k: obj[k] for k in _RESULT_FIELDS if k not in nested}
    result = build_record(RunResult, {**scalars, **nested}, "")
    check_file_key(obj, run_key(config))
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


def build_record(cls, fields, where: str, names=None, *, make=None):
    """``cls(**fields)`` for a validated dataclass, with any error as a ResultError naming the dotted field.

    ``fields`` must hold exactly ``names`` (default: every field of ``cls``; others keep their defaults).
    ``make``, if given, builds the record instead of ``cls``.
    """
    prefix = f"{where}." if where else ""
    if not isinstance(fields, dict):
        raise ResultError(f"{where} must be an object, got {json_type(fields)}", where)
    names = [f.name for f in dataclasses.fields(cls)] if names is None else list(names)
    check_record_keys(fields, names, where)
    try:
        return (cls if make is None else make)(**fields)
    except (TypeError, ValueError) as exc:
        text = str(exc)
        field = next((n for n in names if text.startswith(n + " ") or text.startswith(n + ",")), "")
        raise ResultError(prefix + text, prefix + field if field else where) from None


def build_config(cls, fields, where: str):
    """A :class:`HoldsRun` config read from the flat settings a file stores (:meth:`HoldsRun.settings`).

    The settings recorded at every value must be present; the others may be,
    within :meth:`HoldsRun.setting_constraints`. Errors are ResultErrors
    naming the dotted field.
    """
    if isinstance(fields, dict):
        allowed = list(cls.setting_constraints())
        unknown = sorted(set(fields) - set(allowed), key=str)
        if unknown:
            raise ResultError(
                f"{where}.{unknown[0]} is not a setting of {cls.__name__}; allowed: {allowed}", f"{where}.{unknown[0]}"
            )
        # The settings a default config records are those every config records.
        required = cls().settings()
        names = [*required, *(k for k in fields if k not in required)]
    else:
        names = None
    return build_record(cls, fields, where, names, make=cls.from_settings)


def kind_key(kind: str, schema_version: int, config, runs, extra: dict | None = None) -> str:
    """Key of an experiment of another kind than a run: :func:`hash_key` of its kind, schema, config and runs.

    ``runs`` are the :class:`RunConfig` of the networks it trains (one per
    rung of a curriculum); their :func:`resolved_config` is hashed along, so
    every default the kind leaves to :class:`TrainConfig`, the test stream,
    the analysis and :data:`TRAINER_VERSION` are in the key. The hashed
    object has the key ``kind``, which a run's never has, so no such key
    equals a run key. ``extra`` holds any other setting the kind's result
    depends on.
    """
    return hash_key(
        {
            "kind": kind,
            "schema_version": schema_version,
            "config": config.settings(),
            "runs": [resolved_config(run) for run in runs],
            "extra": extra or {},
        }
    )


def kind_to_dict(result, kind: str, key: str) -> dict:
    """The JSON-ready form of a result of another kind than a run: ``key``, ``kind`` and its fields."""
    obj = {"key": key, "kind": kind, **dataclasses.asdict(result), "config": result.config.settings()}
    return json.loads(json.dumps(obj, allow_nan=False))


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
        If the file is not a regular UTF-8 JSON file of bounded size and
        nesting, or ``from_dict`` refuses it.
    OSError
        If the file cannot be read.
    """
    path = Path(path)
    try:
        obj = read_json_file(path, what="result file")
    except ValueError as exc:
        raise ResultError(str(exc)) from None
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
        If the file is not UTF-8 JSON or not a valid result of
        :data:`SCHEMA_VERSION`; the message names the file and the field.
    OSError
        If the file cannot be read.
    """
    return read_json(path, result_from_dict)


# ----------------------------------------------------------------------------- running


@validate_params({"config": InstanceOf(RunConfig)})
def run_experiment(config: RunConfig) -> RunResult:
    """Train one network as ``config`` says, test it on unseen data and, if asked, analyse it.

    The result of :func:`compute_run`, without the bytes of its weights file.
    """
    return compute_run(config)[0]


@validate_params({"config": InstanceOf(RunConfig)})
def compute_run(config: RunConfig, *, trained: bytes | None = None) -> tuple[RunResult, dict[str, bytes]]:
    """Train, test and analyse one run; return its result and the files to store beside it.

    Everything is drawn from ``config.seed``: training (``train(..., rng=seed)``,
    from :func:`rnnmem_helpers.core.init.start_weights` for ``init``), the test
    stream (``seed + 1_000_003``, apart from every training stream) and the
    fixed-point search (``analyse(..., rng=seed)``).

    Parameters
    ----------
    config : RunConfig
    trained : bytes, optional
        The stored checkpoint of this run's network (its :func:`weights_file`,
        same :func:`training_key`): it is tested and analysed instead of
        training again, e.g. after a change of the analysis settings.

    Returns
    -------
    result : RunResult
        With its :class:`Provenance` and the :class:`WeightsRecord` of the file below.
    files : dict of str to bytes
        ``{result.weights.file: checkpoint bytes}``: the final network, for
        the caller to write next to the result file (see :mod:`rnnmem_helpers.experiments.sweep`).
    """
    started, clock = utc_now(), time.perf_counter()
    res, name, data = run_network(config, trained)
    test = score_run(config, res.weights)
    analysis = analyse(res.weights, rng=config.seed) if config.analyse else None
    result = RunResult(
        schema_version=SCHEMA_VERSION,
        config=config,
        converged=res.converged,
        steps=res.steps,
        seconds=round(res.seconds, 2),
        accuracy=test.accuracy,
        wrong_flips=test.wrong_flips,
        history=History(**res.history),
        analysis=analysis,
        weights=weights_record(name, data),
        provenance=collect(started=started, wall_seconds=time.perf_counter() - clock),
    )
    return result, {name: data}


def weights_file_name(config: RunConfig) -> str:
    """Path of a run's weights file relative to its results folder: ``weights/{training_key}.npz``."""
    return f"weights/{training_key(config)}.npz"


def weights_file(config: RunConfig, trained: TrainResult, *, name: str | None = None) -> tuple[str, bytes]:
    """The stored checkpoint of a run's trained network: its path relative to the results folder, and its bytes.

    The metadata records the fully resolved training settings, how training
    ended (enough to rebuild the :class:`TrainResult` with
    :func:`trained_from_file`) and the provenance of the training. ``name``
    defaults to :func:`weights_file_name`.
    """
    settings = training_settings(config)
    metadata = {
        "task": settings["task"],
        "model": settings["model"],
        "train": settings["train"],
        "seed": config.seed,
        "init": config.init,
        "trainer_version": TRAINER_VERSION,
        "training_key": training_key(config),
        "converged": trained.converged,
        "steps": trained.steps,
        "seconds": round(trained.seconds, 2),
        "history": trained.history,
        "confirm": dataclasses.asdict(trained.test),
        "provenance": dataclasses.asdict(collect(started=utc_now(), wall_seconds=trained.seconds)),
    }
    path = weights_file_name(config) if name is None else f"weights/{name}.npz"
    return path, checkpoint_bytes(trained.weights, metadata)


def trained_from_file(config: RunConfig, data: bytes) -> TrainResult:
    """The :class:`TrainResult` stored in the checkpoint bytes ``data`` of ``config``'s network.

    Raises
    ------
    ValueError
        If the file is not a checkpoint of this run's training (another
        :func:`training_key`) or lacks how training ended.
    """
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "weights.npz"
        path.write_bytes(data)
        checkpoint = load_checkpoint(path)
    meta = checkpoint.metadata
    if meta.get("training_key") != training_key(config):
        raise ValueError(
            f"trained must be the checkpoint of training key {training_key(config)!r}, got {meta.get('training_key')!r}"
        )
    try:
        confirm = EvalResult(**{**meta["confirm"], "per_channel": tuple(meta["confirm"]["per_channel"])})
        return TrainResult(
            weights=checkpoint.weights,
            converged=meta["converged"],
            steps=meta["steps"],
            seconds=meta["seconds"],
            test=confirm,
            history=meta["history"],
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"trained lacks how training ended ({exc})") from None


def weights_record(name: str, data: bytes) -> WeightsRecord:
    """The :class:`WeightsRecord` of checkpoint ``data`` stored at ``name``."""
    return WeightsRecord(file=name, sha256=hashlib.sha256(data).hexdigest(), n_bytes=len(data))


def utc_now() -> str:
    """The current UTC time, ISO 8601 to the second, as provenance records it."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def train_network(config: RunConfig) -> TrainResult:
    """Train the network of a run: ``train(task, model, train_config, rng=seed, init=start_weights(...))``."""
    seed, model = config.seed, config.model_config
    init = start_weights(config.init, model, rng=seed)
    return train(config.task_config, model, config.train_config, rng=seed, init=init, progress=False)


def run_network(config: RunConfig, trained: bytes | None = None) -> tuple[TrainResult, str, bytes]:
    """A run's trained network with its weights file (relative path and bytes), trained here or reused.

    ``trained`` is the stored checkpoint of the network (see
    :func:`compute_run`); it is kept byte for byte, since results that share
    the file record its hash.
    """
    if trained is None:
        res = train_network(config)
        return (res, *weights_file(config, res))
    return trained_from_file(config, trained), weights_file_name(config), trained


def score_run(config: RunConfig, weights: RNNWeights) -> EvalResult:
    """Score a run's network on its unseen test stream: ``test_steps`` steps from ``seed + 1_000_003``."""
    return evaluate(weights, config.task_config, n_time=config.test_steps, rng=config.seed + _TEST_SEED_OFFSET)


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


# ----------------------------------------------------------------------------- kinds of experiment


@dataclass(frozen=True)
class Kind:
    """What the sweep engine needs to know of one kind of experiment (see :func:`register_kind`).

    Attributes
    ----------
    name : str
        As written in a sweep config's ``"kind"``.
    config : type
        The frozen, validated config dataclass.
    key : callable
        ``key(config)`` names its result file.
    compute : callable
        ``compute(config, *, trained=None)`` returns ``(result, files)``: the
        result and the weights files (relative path to bytes) that it names;
        ``trained``, if given, is the stored checkpoint of the network the
        experiment would train first, used instead of training it again.
    reusable : callable
        ``reusable(config)``: the weights file (relative path) that ``compute``
        can take as ``trained``: the network of the experiment's first run.
    to_dict, from_dict : callable
        The result's JSON form and its validating reader.
    reanalyse : callable
        ``reanalyse(result, folder)``: the result computed again from the
        weights files it names in ``folder``, without training.
    """

    name: str
    config: type
    key: Callable
    compute: Callable
    reusable: Callable
    to_dict: Callable
    from_dict: Callable
    reanalyse: Callable

    @property
    def settings(self) -> MappingProxyType:
        """The settings a sweep config may give, flat, and what each accepts (the config's ``setting_constraints``)."""
        return self.config.setting_constraints()

    def make(self, **settings):
        """The config of these flat settings, the others at their defaults (the config's ``from_settings``)."""
        return self.config.from_settings(**settings)


_KINDS: dict[str, Kind] = {}
#: Every registered kind of experiment, by name (read-only); ``"run"`` is the default of a sweep config.
KINDS = MappingProxyType(_KINDS)


def register_kind(kind: Kind) -> Kind:
    """Make ``kind`` known to the sweep engine, the store and ``reanalyse``; a kind's module calls it once.

    Adding a kind of experiment is one module and its tests:

    1. a frozen, validated config dataclass that holds its network's
       :class:`RunConfig` as the field ``run`` and mixes in :class:`HoldsRun`
       (which names its settings flat for sweep configs and files, and
       records them as :func:`kind_key` and :func:`build_config` need), with
       its own settings as further fields;
    2. a frozen result dataclass with ``schema_version``, ``config`` and
       ``provenance``, and a :class:`WeightsRecord` for each network it trains,
       all required (the sweep engine checks every weights file a result names);
    3. ``compute(config, *, trained=None) -> (result, files)`` (see
       :func:`compute_run`), ``to_dict``/``from_dict``, a key made with
       :func:`kind_key`, and ``reanalyse(result, folder)``;
    4. ``register_kind(Kind(...))`` at the bottom of the module (the settings a
       sweep config may give and how they make a config come from the config
       class's ``setting_constraints`` and ``from_settings``), and the module's
       import in ``rnnmem_helpers/experiments/_kinds.py``.

    The sweep engine, the store and ``reanalyse`` then serve it unchanged.

    Raises
    ------
    ValueError
        If a kind of that name or config class is already registered.
    """
    if kind.name in _KINDS or any(k.config is kind.config for k in _KINDS.values()):
        raise ValueError(f"kind {kind.name!r} (config {kind.config.__name__}) is already registered")
    _KINDS[kind.name] = kind
    return kind


def kind_of(config) -> Kind:
    """The registered :class:`Kind` of an experiment config."""
    kind = next((k for k in _KINDS.values() if type(config) is k.config), None)
    if kind is None:
        names = [k.config.__name__ for k in _KINDS.values()]
        raise TypeError(f"config must be an instance of one of {names}, got {type(config).__name__}")
    return kind


def from_stored(compute):
    """The ``reanalyse`` of a kind whose one network is its first run's: ``compute`` from the stored weights."""

    def reanalyse(result, folder):
        return compute(result.config, trained=(Path(folder) / result.weights.file).read_bytes())[0]

    return reanalyse


register_kind(
    Kind(
        name="run",
        config=RunConfig,
        key=run_key,
        compute=compute_run,
        reusable=weights_file_name,
        to_dict=result_to_dict,
        from_dict=result_from_dict,
        reanalyse=from_stored(compute_run),
    )
)
