"""Tables from sweep records: one row per run, and summaries per group of runs.

The records are those of :func:`rnnmem_helpers.sweep.load_sweep`: a run's
config keys plus ``result``. A *table* here is a plain dict of equal-length
1-D numpy arrays, one per column, so that it needs nothing beyond numpy;
:func:`format_table` prints one.

Censoring. A run that has not converged when its budget of updates runs out
reports ``steps`` equal to the budget; all we know is that it would have
needed at least that many. :func:`convergence_table` therefore gives the
median number of updates among the converged runs, and separately the median
over all runs with the censored ones placed at the budget, flagged as a lower
bound whenever a censored run decides it.

Every function is pure: same input, same output (bootstrap intervals take an
explicit seed). Summaries of a table with no rows have no rows, so a notebook
can run on a sweep that has not produced any result yet.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._validate import check_float, check_int
from .fixed_points import DEFAULT_MARGIN, count_unstable
from .stats import bootstrap_ci, wilson_ci
from .sweep import RUN_DEFAULTS

#: Columns of :func:`run_table` that come from a run's analysis (NaN when the run was not analysed).
ANALYSIS_COLUMNS = (
    "n_fixed",
    "n_attractors",
    "n_big_saddles",
    "max_unstable",
    "origin_unstable",
    "n_rot_pairs",
    "n_real_outliers",
    "lead_angle",
    "lead_period",
    "rot_modulus",
    "attractor_angle",
)
#: Angle (rad) below which, or within which of π, an eigenvalue counts as near-real, as in ``spectrum_summary``.
MIN_ANGLE = 0.1
_RESULT_KEYS = ("converged", "steps", "accuracy")


def _check_records(records) -> list:
    if not isinstance(records, (list, tuple)):
        raise TypeError(f"records must be a list of dicts, got {type(records).__name__}")
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise TypeError(f"records[{i}] must be a dict, got {type(rec).__name__}")
        missing = [k for k in RUN_DEFAULTS if k not in rec]
        if missing:
            raise ValueError(f"records[{i}] lacks the config keys {missing}")
        res = rec.get("result")
        if not isinstance(res, dict) or any(k not in res for k in _RESULT_KEYS):
            raise ValueError(f"records[{i}]['result'] must be a dict with keys {list(_RESULT_KEYS)}")
    return list(records)


def _analysis_row(res: dict) -> dict:
    """Analysis features of one result; NaN where not analysed or not defined."""
    row = dict.fromkeys(ANALYSIS_COLUMNS, math.nan)
    spec, fps = res.get("spectrum"), res.get("fixed_points")
    if spec is not None:
        eig = np.asarray(spec["eigvals"], dtype=np.float64).reshape(-1, 2) @ np.array([1.0, 1.0j])
        angles = spec["rotation_angles"]
        row.update(
            origin_unstable=float(count_unstable(eig, DEFAULT_MARGIN)),
            n_rot_pairs=float(len(angles)),
            n_real_outliers=float(spec["n_real_outliers"]),
        )
        if angles:
            # rotation_angles follow the eigenvalues, by decreasing modulus: the first is the dominant pair.
            row.update(lead_angle=float(angles[0]), lead_period=float(2 * np.pi / angles[0]))
        theta = np.abs(np.angle(eig))
        complex_ = (theta >= MIN_ANGLE) & (theta <= np.pi - MIN_ANGLE)
        if complex_.any():
            row["rot_modulus"] = float(np.abs(eig[complex_]).max())
    if fps is not None:
        summary = {int(k): int(v) for k, v in fps["summary"].items()}
        row.update(
            n_fixed=float(fps["n"]),
            n_attractors=float(summary.get(0, 0)),
            n_big_saddles=float(sum(v for k, v in summary.items() if k > 3)),
            max_unstable=float(fps["max_unstable"]),
        )
        if fps["attractor_angles"]:
            row["attractor_angle"] = float(np.median(fps["attractor_angles"]))
    return row


def _history_row(res: dict) -> tuple[float, float, float]:
    """Best held-out accuracy over the run and over its first half, and the last one (NaN without evaluations)."""
    hist = res.get("history") or {}
    steps = np.asarray(hist.get("step", []), dtype=np.float64)
    acc = np.asarray(hist.get("eval_accuracy", []), dtype=np.float64)
    if steps.shape != acc.shape:
        raise ValueError("result['history'] must hold 'step' and 'eval_accuracy' of one length")
    best = float(acc.max()) if acc.size else math.nan
    first = acc[steps <= res["steps"] / 2]
    return best, (float(first.max()) if first.size else math.nan), (float(acc[-1]) if acc.size else math.nan)


def run_table(records) -> dict:
    """One row per run: its config, outcome and (if analysed) topology and spectrum.

    Parameters
    ----------
    records : list of dict
        As returned by :func:`rnnmem_helpers.sweep.load_sweep`: every key of
        :data:`rnnmem_helpers.sweep.RUN_DEFAULTS` plus ``result`` with at least
        ``converged``, ``steps`` and ``accuracy``.

    Returns
    -------
    dict of str to ndarray of shape (n_runs,)
        The config columns (``delay``, ``seed``, ``n_hidden``, ``max_steps`` as
        int; ``mode``, ``init``, ``rate_scope`` as str; ...), ``converged``
        (bool), ``steps`` (int), ``accuracy`` (float), ``analysed`` (bool),
        ``best_eval`` and ``best_eval_half`` (best held-out accuracy during
        training, over all evaluations and over those in the first half of the
        run's updates: a censored run whose best rose in the second half was
        still learning), ``last_eval`` (the held-out accuracy at the last
        evaluation), and the float columns of :data:`ANALYSIS_COLUMNS`, NaN
        where a run was not analysed or the quantity is undefined:

        - ``n_fixed``: fixed points found; ``n_attractors``: those with no
          unstable mode; ``n_big_saddles``: those with more than three;
          ``max_unstable``: the largest number of unstable modes of any.
        - ``origin_unstable``: eigenvalues of W with |λ| > 1.01, i.e. unstable
          modes of the origin, whose Jacobian is W.
        - ``n_rot_pairs``, ``n_real_outliers``: outlying rotation pairs and
          near-real outliers of W (:func:`rnnmem_helpers.spectrum_summary`).
        - ``lead_angle``: rotation angle θ (rad) of the outlying pair of largest
          modulus, ``lead_period`` = 2π/θ; NaN without a rotation pair.
        - ``rot_modulus``: largest |λ| among the eigenvalues of W with an angle
          in [:data:`MIN_ANGLE`, π − :data:`MIN_ANGLE`]: the modulus of the
          leading rotation pair if there is an outlying one, else that of the
          largest complex eigenvalue of the bulk.
        - ``attractor_angle``: median over the attractors of the dominant
          angle of their Jacobian (NaN if none has a complex eigenvalue).

    Raises
    ------
    ValueError, TypeError
        If a record lacks a config key or a result field.
    """
    records = _check_records(records)
    table = {}
    for key, default in RUN_DEFAULTS.items():
        values = [rec[key] for rec in records]
        if isinstance(default, bool):
            table[key] = np.array(values, dtype=bool)
        elif isinstance(default, numbers.Integral):
            table[key] = np.array(values, dtype=np.int64)
        elif isinstance(default, numbers.Real):
            table[key] = np.array(values, dtype=np.float64)
        else:
            table[key] = np.array(values, dtype=str)
    table["converged"] = np.array([bool(r["result"]["converged"]) for r in records], dtype=bool)
    table["steps"] = np.array([r["result"]["steps"] for r in records], dtype=np.int64)
    table["accuracy"] = np.array([r["result"]["accuracy"] for r in records], dtype=np.float64)
    table["analysed"] = np.array([("fixed_points" in r["result"]) for r in records], dtype=bool)
    progress = [_history_row(r["result"]) for r in records]
    table["best_eval"] = np.array([p[0] for p in progress], dtype=np.float64)
    table["best_eval_half"] = np.array([p[1] for p in progress], dtype=np.float64)
    table["last_eval"] = np.array([p[2] for p in progress], dtype=np.float64)
    rows = [_analysis_row(r["result"]) for r in records]
    for col in ANALYSIS_COLUMNS:
        table[col] = np.array([row[col] for row in rows], dtype=np.float64)
    return table


def _n_rows(table) -> int:
    if not isinstance(table, dict) or not table:
        raise TypeError("table must be a non-empty dict of 1-D arrays")
    lengths = {k: np.shape(v) for k, v in table.items()}
    shapes = set(lengths.values())
    if len(shapes) != 1 or len(next(iter(shapes))) != 1:
        raise ValueError(f"table columns must be 1-D arrays of one length, got shapes {lengths}")
    return next(iter(shapes))[0]


def _check_columns(table, names, what="column") -> None:
    missing = [c for c in names if c not in table]
    if missing:
        raise ValueError(f"{what} {missing} not in the table; it has {sorted(table)}")


def select(table, mask=None, **equal) -> dict:
    """Rows of ``table`` where ``mask`` is true and every ``column == value``.

    Parameters
    ----------
    table : dict of ndarray
    mask : array_like of bool, shape (n_rows,), optional
    **equal
        ``column=value``; a list or tuple value keeps rows equal to any of its items.

    Returns
    -------
    dict of ndarray
        A new table (copies), possibly with zero rows.
    """
    n = _n_rows(table)
    _check_columns(table, equal)
    keep = np.ones(n, dtype=bool)
    if mask is not None:
        m = np.asarray(mask)
        if m.dtype != bool or m.shape != (n,):
            raise ValueError(f"mask must be a boolean array of shape ({n},), got {m.dtype} {m.shape}")
        keep &= m
    for col, value in equal.items():
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        keep &= np.isin(table[col], values)
    return {k: np.asarray(v)[keep].copy() for k, v in table.items()}


def _by(table, by) -> tuple:
    by = (by,) if isinstance(by, str) else tuple(by)
    if not by:
        raise ValueError("by must name at least one column")
    _check_columns(table, by)
    return by


def _groups(table, by):
    """Sorted distinct combinations of the ``by`` columns and the row mask of each."""
    by = _by(table, by)
    n = _n_rows(table)
    combos = sorted({tuple(table[c][i].item() for c in by) for i in range(n)})
    for combo in combos:
        mask = np.ones(n, dtype=bool)
        for c, v in zip(by, combo, strict=True):
            mask &= table[c] == v
        yield by, combo, mask


def _collect(rows: list[dict], columns: list[str], table=None) -> dict:
    """Rows to columns; with no rows, empty columns (the ``by`` ones typed as in ``table``)."""
    if rows:
        return {c: np.array([r[c] for r in rows]) for c in columns}
    empty = {} if table is None else table
    return {c: np.asarray(empty[c])[:0] if c in empty else np.zeros(0) for c in columns}


def convergence_table(table, by=("n_hidden", "delay"), *, level: float = 0.95, n_boot: int = 2000, rng=0) -> dict:
    """Per group of runs: fraction converged, fresh accuracy and updates to criterion.

    Parameters
    ----------
    table : dict of ndarray
        From :func:`run_table`.
    by : str or sequence of str
        Columns defining the groups; groups are sorted by these values.
    level : float
        Confidence level of all intervals, in (0, 1).
    n_boot : int
        Bootstrap resamples for the median of updates, >= 100.
    rng : int
        Seed of the bootstrap, >= 0. Every group resamples with a generator
        seeded with it, so a group's interval does not depend on which other
        groups are present.

    Returns
    -------
    dict of ndarray, one row per group
        The ``by`` columns, then ``n`` (runs), ``n_converged``, ``frac``,
        ``frac_lo``, ``frac_hi`` (Wilson interval), ``acc_median``,
        ``acc_min``, ``acc_max`` (fresh accuracy, all runs of the group),
        ``steps_median``, ``steps_lo``, ``steps_hi`` (median updates among the
        converged runs with its percentile bootstrap interval; NaN with no
        converged run, interval NaN with one), ``steps_median_all`` (median
        over all runs, a censored run counted at its budget),
        ``steps_all_is_bound`` (True when that median is only a lower bound,
        i.e. at most half the runs converged) and ``budget`` (largest
        ``max_steps`` in the group).
    """
    level = check_float("level", level, minimum=0.0, maximum=1.0, strict_min=True)
    n_boot = check_int("n_boot", n_boot, minimum=100)
    _check_columns(table, ("converged", "steps", "accuracy", "max_steps"))
    rng = check_int("rng", rng, minimum=0)
    rows = []
    for by_cols, combo, mask in _groups(table, by):
        conv, steps, acc = table["converged"][mask], table["steps"][mask], table["accuracy"][mask]
        n, k = int(mask.sum()), int(conv.sum())
        lo, hi = wilson_ci(k, n, level)
        row = dict(zip(by_cols, combo, strict=True))
        row.update(n=n, n_converged=k, frac=k / n, frac_lo=lo, frac_hi=hi)
        row.update(acc_median=float(np.median(acc)), acc_min=float(acc.min()), acc_max=float(acc.max()))
        med, s_lo, s_hi = math.nan, math.nan, math.nan
        group_rng = np.random.default_rng(rng)
        if k >= 2:
            med, s_lo, s_hi = bootstrap_ci(steps[conv], np.median, level=level, n_boot=n_boot, rng=group_rng)
        elif k == 1:
            med = float(steps[conv][0])
        budget = int(table["max_steps"][mask].max())
        all_steps = np.where(conv, steps, np.maximum(steps, budget))
        row.update(steps_median=med, steps_lo=s_lo, steps_hi=s_hi)
        row.update(steps_median_all=float(np.median(all_steps)), steps_all_is_bound=k <= n / 2, budget=budget)
        rows.append(row)
    columns = [
        *_by(table, by),
        "n",
        "n_converged",
        "frac",
        "frac_lo",
        "frac_hi",
        "acc_median",
        "acc_min",
        "acc_max",
        "steps_median",
        "steps_lo",
        "steps_hi",
        "steps_median_all",
        "steps_all_is_bound",
        "budget",
    ]
    return _collect(rows, columns, table)


def group_proportion(table, flag: str, by=("n_hidden", "delay"), *, level: float = 0.95) -> dict:
    """Per group: how many runs have a boolean ``flag`` column set, with the Wilson interval.

    Parameters
    ----------
    table : dict of ndarray
    flag : str
        Name of a boolean column.
    by : str or sequence of str
    level : float
        In (0, 1).

    Returns
    -------
    dict of ndarray
        The ``by`` columns, ``n``, ``k``, ``frac``, ``frac_lo``, ``frac_hi``.
    """
    level = check_float("level", level, minimum=0.0, maximum=1.0, strict_min=True)
    _check_columns(table, (flag,))
    if np.asarray(table[flag]).dtype != bool:
        raise TypeError(f"column {flag!r} must be boolean, got {np.asarray(table[flag]).dtype}")
    rows = []
    for by_cols, combo, mask in _groups(table, by):
        n, k = int(mask.sum()), int(table[flag][mask].sum())
        lo, hi = wilson_ci(k, n, level)
        rows.append(
            {**dict(zip(by_cols, combo, strict=True)), "n": n, "k": k, "frac": k / n, "frac_lo": lo, "frac_hi": hi}
        )
    return _collect(rows, [*_by(table, by), "n", "k", "frac", "frac_lo", "frac_hi"], table)


def group_median(
    table, column: str, by=("n_hidden", "delay"), *, level: float = 0.95, n_boot: int = 2000, rng=0
) -> dict:
    """Per group: median of a numeric column over its defined (non-NaN) values, with a bootstrap interval.

    Parameters
    ----------
    table : dict of ndarray
    column : str
        A numeric column; NaN entries (e.g. runs without a rotation pair) are left out.
    by : str or sequence of str
    level : float
        In (0, 1).
    n_boot : int
        >= 100.
    rng : int
        Seed of the bootstrap, >= 0; every group resamples with a generator seeded with it.

    Returns
    -------
    dict of ndarray
        The ``by`` columns, ``n`` (rows in the group), ``n_defined`` (non-NaN
        values), ``median``, ``lo``, ``hi`` (percentile bootstrap interval,
        NaN with fewer than 2 values), ``min``, ``max`` (NaN with none).
    """
    level = check_float("level", level, minimum=0.0, maximum=1.0, strict_min=True)
    n_boot = check_int("n_boot", n_boot, minimum=100)
    _check_columns(table, (column,))
    col = np.asarray(table[column])
    if col.dtype.kind not in "fiub":
        raise TypeError(f"column {column!r} must be numeric, got {col.dtype}")
    col = col.astype(np.float64)
    rng = check_int("rng", rng, minimum=0)
    rows = []
    for by_cols, combo, mask in _groups(table, by):
        vals = col[mask][~np.isnan(col[mask])]
        med = lo = hi = vmin = vmax = math.nan
        group_rng = np.random.default_rng(rng)
        if vals.size >= 2:
            med, lo, hi = bootstrap_ci(vals, np.median, level=level, n_boot=n_boot, rng=group_rng)
        if vals.size >= 1:
            med, vmin, vmax = float(np.median(vals)), float(vals.min()), float(vals.max())
        rows.append(
            {
                **dict(zip(by_cols, combo, strict=True)),
                "n": int(mask.sum()),
                "n_defined": int(vals.size),
                "median": med,
                "lo": lo,
                "hi": hi,
                "min": vmin,
                "max": vmax,
            }
        )
    return _collect(rows, [*_by(table, by), "n", "n_defined", "median", "lo", "hi", "min", "max"], table)


def delay_limits(conv, group: str = "n_hidden") -> dict:
    """Per ``group`` value: up to which delay the runs converged.

    Parameters
    ----------
    conv : dict of ndarray
        From :func:`convergence_table` with ``by`` holding ``group`` and ``delay``.
    group : str
        The column that separates the curves (e.g. ``"n_hidden"`` or ``"rate_scope"``).

    Returns
    -------
    dict of ndarray, one row per group value
        ``group``; ``n_delays`` (delays with at least one finished run);
        ``max_all``: the largest delay d such that at every tested delay up to
        d all runs converged; ``max_any``: the largest delay with at least one
        converged run; ``min_none``: the smallest delay with no converged run.
        Undefined entries are NaN (e.g. ``max_all`` when the smallest delay
        already has a failure).
    """
    _check_columns(conv, (group, "delay", "n", "n_converged"), what="conv column")
    rows = []
    for _, (value,), mask in _groups(conv, (group,)):
        order = np.argsort(conv["delay"][mask], kind="stable")
        d = conv["delay"][mask][order].astype(np.float64)
        n, k = conv["n"][mask][order], conv["n_converged"][mask][order]
        full = k == n
        broken = np.flatnonzero(~full)
        max_all = d[-1] if broken.size == 0 else (d[broken[0] - 1] if broken[0] > 0 else math.nan)
        max_any = d[k > 0].max() if np.any(k > 0) else math.nan
        min_none = d[k == 0].min() if np.any(k == 0) else math.nan
        rows.append(
            {
                group: value,
                "n_delays": int(d.size),
                "max_all": float(max_all),
                "max_any": float(max_any),
                "min_none": float(min_none),
            }
        )
    return _collect(rows, [group, "n_delays", "max_all", "max_any", "min_none"], conv)


def completeness(records, runs, by=("n_hidden", "delay")) -> dict:
    """Finished runs against the runs of the grid, per group.

    Parameters
    ----------
    records : list of dict
        Finished runs (each with the ``by`` keys), e.g. from ``load_sweep``.
    runs : list of dict
        Every run of the grid, e.g. from :func:`rnnmem_helpers.sweep.expand_grid`.
    by : str or sequence of str

    Returns
    -------
    dict of ndarray
        The ``by`` columns, ``expected`` and ``finished``, one row per group of the grid.

    Raises
    ------
    ValueError
        If a record belongs to no group of the grid.
    """
    by = (by,) if isinstance(by, str) else tuple(by)
    for name, items in (("records", records), ("runs", runs)):
        if not isinstance(items, (list, tuple)) or not all(isinstance(r, dict) for r in items):
            raise TypeError(f"{name} must be a list of dicts")
        for i, r in enumerate(items):
            if any(c not in r for c in by):
                raise ValueError(f"{name}[{i}] lacks one of the keys {list(by)}")
    expected, finished = {}, {}
    for r in runs:
        key = tuple(r[c] for c in by)
        expected[key] = expected.get(key, 0) + 1
    for i, r in enumerate(records):
        key = tuple(r[c] for c in by)
        if key not in expected:
            raise ValueError(f"records[{i}] has {dict(zip(by, key, strict=True))}, which is not in the grid")
        finished[key] = finished.get(key, 0) + 1
    keys = sorted(expected)
    out = {c: np.array([k[j] for k in keys]) for j, c in enumerate(by)}
    out["expected"] = np.array([expected[k] for k in keys], dtype=np.int64)
    out["finished"] = np.array([finished.get(k, 0) for k in keys], dtype=np.int64)
    return out


def format_table(table, columns=None, formats=None, *, missing: str = "—") -> str:
    """A table as aligned text, one line per row.

    Parameters
    ----------
    table : dict of ndarray
    columns : sequence of str, optional
        Columns to show, in order (default: all).
    formats : dict of str to str, optional
        Format spec per column, e.g. ``{"frac": ".2f"}``; default ``d`` for
        integers, ``.4g`` for floats, ``str`` otherwise.
    missing : str
        Shown for NaN.

    Returns
    -------
    str
    """
    _n_rows(table)
    columns = list(table) if columns is None else list(columns)
    _check_columns(table, columns)
    formats = {} if formats is None else dict(formats)
    _check_columns(table, formats, what="formats key")

    def cell(col, value):
        if isinstance(value, (float, np.floating)) and math.isnan(value):
            return missing
        if col in formats:
            return format(value, formats[col])
        if isinstance(value, (bool, np.bool_)):
            return str(bool(value))
        if isinstance(value, (numbers.Integral, np.integer)):
            return str(int(value))
        if isinstance(value, (float, np.floating)):
            return format(float(value), ".4g")
        return str(value)

    text = [[c for c in columns]]
    text += [[cell(c, table[c][i]) for c in columns] for i in range(_n_rows(table))]
    widths = [max(len(row[j]) for row in text) for j in range(len(columns))]
    return "\n".join("  ".join(s.rjust(w) for s, w in zip(row, widths, strict=True)) for row in text)
