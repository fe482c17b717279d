"""Every kind of experiment, registered: importing a kind's module registers it (see ``register_kind``).

The sweep engine, the store and ``reanalyse`` know kinds only through
:data:`KINDS`; a new kind is one module that calls
:func:`~rnnmem_helpers.experiments.experiment.register_kind`, imported here.
"""

from . import causal, curriculum  # noqa: F401 -- registers the kinds
from .experiment import KINDS, Kind, kind_of

__all__ = ["KINDS", "Kind", "kind_of"]
