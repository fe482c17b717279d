"""Helpers for the rnnmem executable paper: task, model, training, analysis."""

from ._version import __version__
from .analysis import (
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
from .checkpoints import (
    Checkpoint,
    CheckpointError,
    available_constructed,
    available_pretrained,
    load_checkpoint,
    load_constructed,
    load_pretrained,
    save_checkpoint,
)
from .fixed_points import (
    FixedPointResult,
    attractor_corners,
    count_unstable,
    find_fixed_points,
    jacobian,
    sample_initial_states,
    unstable_ends,
)
from .init import init_weights, initial_weights
from .metrics import EvalResult, evaluate, score
from .model import ModelConfig, RNNWeights, simulate, step
from .task import TaskBatch, TaskConfig, make_batch, make_stream, sample_pulses, targets_from_inputs
from .train import TrainConfig, TrainResult, train


def __getattr__(name):
    # torch takes about a second to import; only training and FlipFlopRNN need it.
    if name == "FlipFlopRNN":
        from .torch_model import FlipFlopRNN

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
