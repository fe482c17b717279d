"""Helpers for the rnnmem executable paper: task, model, training, analysis, experiments and the book's pieces.

Layout
------
Four subpackages, lowest first; a module imports only its own layer and the ones below it
(``tests/test_layers.py`` checks every import, those inside functions included):

``core``
    The task, the network, its initial weights, training, scoring, checkpoints, the hand-built
    network, provenance; ``_io``, ``_validate`` and ``_version``.
``analyses``
    What a trained network does: test runs, PCA and spectra (``analysis``), ``fixed_points``,
    ``mechanism``, ``ablation``, ``writing``; ``stats`` and ``table`` for results over seeds.
``experiments``
    The kinds of experiment and their stored results (``experiment``, ``curriculum``, ``causal``,
    ``_kinds``), the sweep engine (``sweep``), ``reanalyse``, ``sweep_report`` and the command line
    (``cli``, run as ``python -m rnnmem_helpers``).
``chapters``
    What the chapters show: ``plotting``, ``encoding``, ``widgets``, ``explorer_data``, ``claims``,
    ``evidence``, ``findings``, ``size_confound``, ``citation`` and ``book``.

The package's data stay at its top: ``checkpoints/``, ``sweeps/`` and ``claims_evidence.json``.

A module is imported by its full path (``rnnmem_helpers.experiments.sweep``); the most used names are
re-exported here.
"""

from .analyses.analysis import (
    PCA,
    SpectrumSummary,
    TestRun,
    TriggeredAverage,
    fit_pca,
    init_bulk_radius,
    run_test,
    spectrum_summary,
    transition_times,
    triggered_average,
)
from .analyses.fixed_points import (
    FixedPointResult,
    attractor_corners,
    count_unstable,
    find_fixed_points,
    jacobian,
    sample_initial_states,
    unstable_ends,
)
from .core._version import __version__
from .core.checkpoints import (
    Checkpoint,
    CheckpointError,
    available_constructed,
    available_pretrained,
    load_checkpoint,
    load_constructed,
    load_pretrained,
    save_checkpoint,
)
from .core.init import init_weights, initial_weights
from .core.metrics import EvalResult, evaluate, score
from .core.model import ModelConfig, RNNWeights, simulate, step
from .core.task import TaskBatch, TaskConfig, make_batch, make_stream, sample_pulses, targets_from_inputs
from .core.train import TrainConfig, TrainResult, train


def __getattr__(name):
    # torch takes about a second to import; only training and FlipFlopRNN need it.
    if name == "FlipFlopRNN":
        from .core.torch_model import FlipFlopRNN

        return FlipFlopRNN
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "__version__",
    "PCA",
    "FixedPointResult",
    "SpectrumSummary",
    "TestRun",
    "TriggeredAverage",
    "count_unstable",
    "find_fixed_points",
    "fit_pca",
    "init_bulk_radius",
    "jacobian",
    "run_test",
    "sample_initial_states",
    "spectrum_summary",
    "transition_times",
    "triggered_average",
    "unstable_ends",
    "attractor_corners",
    "Checkpoint",
    "CheckpointError",
    "EvalResult",
    "FlipFlopRNN",
    "ModelConfig",
    "RNNWeights",
    "TaskBatch",
    "TaskConfig",
    "TrainConfig",
    "TrainResult",
    "available_constructed",
    "available_pretrained",
    "evaluate",
    "init_weights",
    "initial_weights",
    "load_checkpoint",
    "load_constructed",
    "load_pretrained",
    "make_batch",
    "make_stream",
    "sample_pulses",
    "save_checkpoint",
    "score",
    "simulate",
    "step",
    "targets_from_inputs",
    "train",
]
