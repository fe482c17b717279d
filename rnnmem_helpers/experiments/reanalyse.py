"""Recompute every stored result from its stored weights, and say where the two disagree.

``python -m rnnmem_helpers reanalyse RESULTS_DIR`` reads each result
file in the folder (of any kind), checks the SHA-256 of the weights files it
names, and computes the experiment again from those weights: the test
streams, the analysis and every measure, but not the training (which the
weights are the outcome of; a curriculum's rungs are each re-scored from
their own stored network). It then compares the two results value by
value, except their provenance (which machine, when, how long).

Tolerances (:data:`RTOL`, :data:`ATOL`): on the machine that wrote the
results the recomputation is bitwise the same. On another machine the
simulations run other floating-point kernels, so a number may move in its
last digits, and an output that sits on the sign boundary may flip, so a
count of events over a 100 000-step stream may move by one or two. Every
number must agree within ``ATOL + RTOL * |stored|``; a count of events on
a stream (:data:`EVENT_COUNTS`) within :data:`COUNT_SLACK` events or ``RTOL``
of the stored count; every other integer (a census, a number of
eigenvalues, attractors or planes), strings and booleans must be equal. A
list must keep its length (a fixed-point search that finds another number
of points is a disagreement), and a result whose weights file is missing or
altered is a disagreement too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ..core._io import read_json_file
from .experiment import ResultError

#: Relative tolerance of every number.
RTOL = 1e-3
#: Absolute tolerance of every number (accuracies, angles, moduli are O(1)).
ATOL = 1e-6
#: Events (wrong flips, switches) a count may differ by on another machine.
COUNT_SLACK = 2
#: The integers that count events on a simulated stream, which get :data:`COUNT_SLACK`; every other integer
#: (censuses, numbers of eigenvalues, attractors, planes, slow points, steps) must be equal.
EVENT_COUNTS = ("wrong_flips", "n_flips", "n_censored", "n_unswitched", "n_timed", "n_excluded", "stayed", "other")
# Values that describe the computation, not its outcome.
_IGNORED = ("provenance",)


@dataclass(frozen=True)
class Disagreement:
    """One value of a stored result that its recomputation does not reproduce.

    Attributes
    ----------
    file : str
        The result file.
    field : str
        Dotted path of the value (``analysis.fixed_points.summary.1``).
    stored, recomputed : object
    """

    file: str
    field: str
    stored: object
    recomputed: object


def compare(stored, recomputed, where: str = "") -> list[tuple[str, object, object]]:
    """Values of two JSON-like objects that differ beyond the module's tolerances, as (path, stored, recomputed)."""
    if isinstance(stored, dict) and isinstance(recomputed, dict):
        if sorted(stored) != sorted(recomputed):
            return [(where or ".", sorted(stored), sorted(recomputed))]
        out = []
        for key in stored:
            if key in _IGNORED and not where:
                continue
            out += compare(stored[key], recomputed[key], f"{where}.{key}" if where else str(key))
        return out
    if isinstance(stored, list) and isinstance(recomputed, list):
        if len(stored) != len(recomputed):
            return [(where + ".length", len(stored), len(recomputed))]
        out = []
        for i, (a, b) in enumerate(zip(stored, recomputed, strict=True)):
            out += compare(a, b, f"{where}.{i}")
        return out
    if _is_number(stored) and _is_number(recomputed):
        return [] if _close(stored, recomputed, where) else [(where, stored, recomputed)]
    return [] if stored == recomputed else [(where, stored, recomputed)]


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _close(a, b, where: str) -> bool:
    if isinstance(a, int) and isinstance(b, int):
        if _is_event_count(where):
            return abs(a - b) <= max(COUNT_SLACK, RTOL * abs(a))
        return a == b
    return math.isclose(float(a), float(b), rel_tol=RTOL, abs_tol=ATOL)


def _is_event_count(where: str) -> bool:
    """Whether the integer at ``where`` counts events on a simulated stream (else it must be exact)."""
    parts = where.split(".")
    name = parts[-1]
    # A switch record's n counts switches on its stream; a fixed-point record's n is a census total.
    return name in EVENT_COUNTS or (name == "n" and parts[-2:-1] and parts[-2] in ("overshoot", "visibility"))


def reanalyse_folder(folder, *, progress: bool = False) -> tuple[int, list[Disagreement], list[str]]:
    """Recompute every result in ``folder`` from its stored weights and compare.

    Parameters
    ----------
    folder : str or Path
        A results folder as a sweep writes it (``KEY.json`` and ``weights/``).
    progress : bool
        Print one line per result.

    Returns
    -------
    n_checked : int
        Results recomputed.
    disagreements : list of Disagreement
    skipped : list of str
        Files not checked, each with the reason: files that are not valid
        results of the current schema of their kind (a result without its
        weights or provenance is not one).

    Raises
    ------
    ValueError
        If ``folder`` is not a folder.
    """
    from .sweep import KINDS, check_weights

    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder {str(folder)!r} is not a folder of results")
    n_checked, disagreements, skipped = 0, [], []
    for path in sorted(folder.glob("*.json")):
        try:
            obj = read_json_file(path, what="result file")
            kind = KINDS.get(obj.get("kind", "run")) if isinstance(obj, dict) else None
            if kind is None:
                raise ResultError("not a result of any kind")
            result = kind.from_dict(obj)
        except (ResultError, OSError, ValueError) as exc:
            skipped.append(f"{path.name}: {' '.join(str(exc).split())}")
            continue
        try:
            check_weights(result, folder)
        except ResultError as exc:
            # A result whose network is missing or altered cannot be checked: that fails the audit.
            disagreements.append(Disagreement(path.name, "weights", "the recorded SHA-256", " ".join(str(exc).split())))
            n_checked += 1
            continue
        try:
            found = compare(obj, kind.to_dict(kind.reanalyse(result, folder)))
        except (ValueError, OSError) as exc:
            found = [("weights", "stored", f"not reusable: {' '.join(str(exc).split())}")]
        disagreements += [Disagreement(path.name, *d) for d in found]
        n_checked += 1
        if progress:
            print(f"{path.name}: {'agrees' if not found else f'{len(found)} values differ'}", flush=True)
    return n_checked, disagreements, skipped
