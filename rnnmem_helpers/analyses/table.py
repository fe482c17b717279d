"""A small table library: a table is a dict of equal-length 1-D numpy arrays, one per column.

Tables need nothing beyond numpy. :func:`select` filters rows,
:func:`group_proportion` summarises a flag per group of rows,
:func:`format_table` prints a table and :func:`show_table` displays one as an
HTML table. The building blocks of such summaries (:func:`groups`,
:func:`collect`) are public so that other modules (e.g.
:mod:`rnnmem_helpers.experiments.sweep_report`) build theirs the same way.

Every function is pure: same input, same output. Summaries of a table with no
rows have no rows, so a notebook can run on data that are not there yet.
"""

from __future__ import annotations

import html
import math
import numbers

import numpy as np

from ..core._validate import check_float
from .stats import finite_median_interval, wilson_ci


def n_rows(table) -> int:
    """Number of rows of ``table``.

    Raises
    ------
    TypeError
        If ``table`` is not a non-empty dict.
    ValueError
        If its columns are not 1-D arrays of one length.
    """
    if not isinstance(table, dict) or not table:
        raise TypeError("table must be a non-empty dict of 1-D arrays")
    lengths = {k: np.shape(v) for k, v in table.items()}
    shapes = set(lengths.values())
    if len(shapes) != 1 or len(next(iter(shapes))) != 1:
        raise ValueError(f"table columns must be 1-D arrays of one length, got shapes {lengths}")
    return next(iter(shapes))[0]


def check_columns(table, names, what: str = "column") -> None:
    """Raise ValueError naming the ``names`` that are not columns of ``table``, and the columns it has."""
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
    n = n_rows(table)
    check_columns(table, equal)
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


def by_columns(table, by) -> tuple:
    """``by`` (a column name or a sequence of them) as a non-empty tuple of columns of ``table``."""
    by = (by,) if isinstance(by, str) else tuple(by)
    if not by:
        raise ValueError("by must name at least one column")
    check_columns(table, by)
    return by


def groups(table, by):
    """The distinct combinations of the ``by`` columns, sorted, each with its rows.

    Parameters
    ----------
    table : dict of ndarray
    by : str or sequence of str

    Yields
    ------
    by : tuple of str
        The grouping columns.
    combo : tuple
        Their values in the group, as Python scalars.
    mask : ndarray of shape (n_rows,), bool
        The rows of the group.
    """
    by = by_columns(table, by)
    n = n_rows(table)
    combos = sorted({tuple(table[c][i].item() for c in by) for i in range(n)})
    for combo in combos:
        mask = np.ones(n, dtype=bool)
        for c, v in zip(by, combo, strict=True):
            mask &= table[c] == v
        yield by, combo, mask


def collect(rows: list[dict], columns: list[str], like=None) -> dict:
    """A table from a list of rows (dicts), keeping ``columns`` in order.

    With no rows, every column is empty; those that ``like`` (a table) also
    has keep its dtype, so that an empty summary still has e.g. string ``by``
    columns.
    """
    if rows:
        return {c: np.array([r[c] for r in rows]) for c in columns}
    empty = {} if like is None else like
    return {c: np.asarray(empty[c])[:0] if c in empty else np.zeros(0) for c in columns}


def group_proportion(table, flag: str, by=("n_hidden", "delay"), *, level: float = 0.95) -> dict:
    """Per group: how many rows have a boolean ``flag`` column set, with the Wilson interval.

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
    check_columns(table, (flag,))
    if np.asarray(table[flag]).dtype != bool:
        raise TypeError(f"column {flag!r} must be boolean, got {np.asarray(table[flag]).dtype}")
    rows = []
    for by_cols, combo, mask in groups(table, by):
        n, k = int(mask.sum()), int(table[flag][mask].sum())
        lo, hi = wilson_ci(k, n, level)
        rows.append(
            {**dict(zip(by_cols, combo, strict=True)), "n": n, "k": k, "frac": k / n, "frac_lo": lo, "frac_hi": hi}
        )
    return collect(rows, [*by_columns(table, by), "n", "k", "frac", "frac_lo", "frac_hi"], table)


def group_median_interval(table, column: str, by=("n_hidden", "delay"), *, level: float = 0.95) -> dict:
    """Per group: the median of a column's finite values with its order-statistic interval.

    Parameters
    ----------
    table : dict of ndarray
    column : str
        A numeric column; NaN marks a row without the quantity, left out.
    by : str or sequence of str
    level : float
        In (0, 1).

    Returns
    -------
    dict of ndarray
        The ``by`` columns, ``n`` (finite values), ``median``, ``lo``, ``hi``
        and ``coverage`` (the interval's real coverage); NaN where a group has
        no finite value.
    """
    level = check_float("level", level, minimum=0.0, maximum=1.0, strict_min=True)
    check_columns(table, (column,))
    rows = []
    for by_cols, combo, mask in groups(table, by):
        values = np.asarray(table[column][mask], dtype=np.float64)
        iv = finite_median_interval(values, level)
        rows.append(
            {
                **dict(zip(by_cols, combo, strict=True)),
                "n": int(np.isfinite(values).sum()),
                **(
                    {"median": iv.estimate, "lo": iv.low, "hi": iv.high, "coverage": iv.coverage}
                    if iv
                    else dict.fromkeys(("median", "lo", "hi", "coverage"), math.nan)
                ),
            }
        )
    return collect(rows, [*by_columns(table, by), "n", "median", "lo", "hi", "coverage"], table)


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
    rows = _cells(table, columns, formats, missing)
    widths = [max(len(row[j]) for row in rows) for j in range(len(rows[0]))]
    return "\n".join("  ".join(s.rjust(w) for s, w in zip(row, widths, strict=True)) for row in rows)


def _cells(table, columns, formats, missing: str) -> list[list[str]]:
    """The header and the formatted rows of :func:`format_table`, as lists of strings."""
    n = n_rows(table)
    columns = list(table) if columns is None else list(columns)
    check_columns(table, columns)
    formats = {} if formats is None else dict(formats)
    check_columns(table, formats, what="formats key")

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

    return [list(columns)] + [[cell(c, table[c][i]) for c in columns] for i in range(n)]


class TableView:
    """A table as a notebook shows it: an HTML table in Jupyter and the rendered book, aligned text elsewhere.

    Made by :func:`show_table`; its ``repr`` is :func:`format_table`'s text,
    which is also the ``text/plain`` output that nbval compares.
    """

    def __init__(self, header: list[str], rows: list[list[str]], text: str):
        self.header, self.rows, self._text = header, rows, text

    def __repr__(self) -> str:
        return self._text

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in self.rows)
        return f'<table class="rnnmem-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def show_table(table, columns=None, formats=None, *, missing: str = "—") -> TableView:
    """A table for display: an HTML table in the book, the text of :func:`format_table` in plain output.

    Parameters
    ----------
    table : dict of ndarray
    columns, formats, missing
        As for :func:`format_table`.

    Returns
    -------
    TableView
        Display it (the last expression of a cell, or ``IPython.display.display``).
    """
    text = format_table(table, columns, formats, missing=missing)
    header, *rows = _cells(table, columns, formats, missing)
    return TableView(header, rows, text)
