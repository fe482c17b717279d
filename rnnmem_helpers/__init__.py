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

Every module keeps its flat name from before the subpackages: ``rnnmem_helpers.sweep`` is the module
object ``rnnmem_helpers.experiments.sweep``, not a copy, so the chapters' imports, a test's monkeypatch
and ``python -m rnnmem_helpers.evidence`` reach the one module. The most used names are re-exported here.
"""

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys

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

#: Each module's flat name (the one it had before the subpackages) and the subpackage it lives in now.
_SUBPACKAGE_OF = {
    **dict.fromkeys(
        ("_io", "_validate", "_version", "task", "model", "init", "metrics", "train", "torch_model",
         "checkpoints", "construct", "provenance"),
        "core",
    ),
    **dict.fromkeys(("analysis", "fixed_points", "mechanism", "ablation", "writing", "stats", "table"), "analyses"),
    **dict.fromkeys(
        ("experiment", "curriculum", "causal", "_kinds", "sweep", "reanalyse", "sweep_report", "cli"), "experiments"
    ),
    **dict.fromkeys(
        ("plotting", "encoding", "widgets", "explorer_data", "book", "citation", "claims", "evidence", "findings",
         "size_confound"),
        "chapters",
    ),
}  # fmt: skip
_MOVED = {f"{__name__}.{name}": f"{__name__}.{sub}.{name}" for name, sub in _SUBPACKAGE_OF.items()}


class _FlatNameSpec(importlib.machinery.ModuleSpec):
    """The spec of a flat name; its ``parent`` is the subpackage, which ``python -m`` resolves relative imports in."""

    @property
    def parent(self):
        return _MOVED[self.name].rpartition(".")[0]


class _FlatNames(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import ``rnnmem_helpers.<module>`` as the moved module itself: one module object under two names.

    A copy or a re-exporting shim would let a monkeypatch on one name miss the code that reads the other.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in _MOVED:
            return None
        return _FlatNameSpec(fullname, self, origin=importlib.util.find_spec(_MOVED[fullname]).origin)

    def create_module(self, spec):
        module = importlib.import_module(_MOVED[spec.name])
        spec.loader_state = module.__spec__
        return module

    def exec_module(self, module):
        # Importing under the flat name gave the module the flat name's spec; it keeps its own.
        module.__spec__ = module.__spec__.loader_state

    def get_code(self, fullname):
        # For ``python -m rnnmem_helpers.<module>``, which runs the module's code as __main__.
        return importlib.util.find_spec(_MOVED[fullname]).loader.get_code(_MOVED[fullname])


# The modules imported above are registered under their flat names now, as they were before the move: the
# first import of a flat name sets it as an attribute of the package, which would put the module train over
# the function train re-exported here.
sys.modules.update({flat: sys.modules[moved] for flat, moved in _MOVED.items() if moved in sys.modules})

# First on the path: a data folder of the same name (checkpoints/) would otherwise import as a namespace package.
if not any(isinstance(finder, _FlatNames) for finder in sys.meta_path):
    sys.meta_path.insert(0, _FlatNames())


def __getattr__(name):
    # torch takes about a second to import; only training and FlipFlopRNN need it.
    if name == "FlipFlopRNN":
        from .core.torch_model import FlipFlopRNN

        return FlipFlopRNN
    # rnnmem_helpers.sweep and the like, as attributes too, imported when first asked for.
    if name in _SUBPACKAGE_OF:
        return importlib.import_module(f"{__name__}.{name}")
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
