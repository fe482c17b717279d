"""Figures of the paper, drawn on axes the caller owns, and the book's figure style.

Each plotting function takes matplotlib axes, draws, and returns them; none
creates a figure, calls ``plt.show()`` or computes more than a sign or a slice,
so the numbers shown are exactly those handed in. Colours, markers and channel
numbers follow :mod:`rnnmem_helpers.chapters.encoding`, which the browser explorers share.

:func:`book_style` sets the one style of the book's figures; the chapters call
it in their setup cell.
"""

from __future__ import annotations

import io
import struct

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.text import Text

from ..analyses.analysis import TriggeredAverage
from ..core._validate import check_array, check_float, check_int
from ..experiments.experiment import History
from . import encoding
from .encoding import INPUT_COLOR, OUTPUT_COLOR, STATE_COLORS, TARGET_COLOR, UNDEFINED_COLOR, channel_label

# The book's column holds a figure 672 CSS px wide in a 1280 px window. A figure shown at its
# natural size has BOOK_DPI CSS px per inch, so one at most FIGURE_WIDTH_MAX inches wide is never
# shrunk, and text of MIN_FONT_PT points is MIN_FONT_PT / 72 * BOOK_DPI = 11 px tall.
BOOK_DPI = 100
FIGURE_WIDTH_MAX = 6.7
MIN_FONT_PT = 8.0
# Pixels per CSS px in the PNGs, so that they stay sharp on high-density screens.
RETINA = 2
# PNG text key under which figure_png records the smallest font size drawn, in points.
FONT_KEY = "rnnmem:min-font-pt"

BOOK_RC = {
    "figure.figsize": (6.5, 4.0),
    "figure.dpi": BOOK_DPI,
    "savefig.dpi": RETINA * BOOK_DPI,
    "font.size": 10.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 10.0,
    "xtick.labelsize": 9.0,
    "ytick.labelsize": 9.0,
    "legend.fontsize": 9.0,
    "legend.title_fontsize": 9.0,
    "figure.titlesize": 11.0,
}
# Legend and title sizes used below: "small" is 8.3 pt under BOOK_RC, the smallest relative size
# above MIN_FONT_PT.
SMALL = "small"


def smallest_font_pt(fig) -> float:
    """The smallest font size, in points, of the visible non-empty text of a figure.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Drawn at least once (tick labels exist only after a draw); :func:`figure_png` draws it.

    Returns
    -------
    float
        ``inf`` for a figure with no text.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    return float(min((t.get_fontsize() for t in _visible_texts(fig)), default=float("inf")))


def _visible_texts(artist):
    """The non-empty Text artists under ``artist``, leaving out everything under a hidden artist."""
    for child in artist.get_children():
        if not child.get_visible():
            continue
        if isinstance(child, Text) and child.get_text().strip():
            yield child
        yield from _visible_texts(child)


def figure_png(fig) -> tuple[bytes, dict]:
    """A figure as the book shows it: a PNG at RETINA times BOOK_DPI, with its smallest font size recorded.

    The PNG carries the smallest font size of its visible text under the text
    key :data:`FONT_KEY`, so that the browser check can compute the height of
    the smallest text as shown: ``pt / 72 * dpi * shown width / PNG width``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    bytes
        The PNG, cropped to the drawn content as the inline backend does.
    dict
        ``{"width": ..., "height": ...}``: the natural size in CSS px (the PNG's
        pixels divided by RETINA), the display metadata Jupyter and myst-nb read.
    """
    fig.draw_without_rendering()
    smallest = smallest_font_pt(fig)
    buf = io.BytesIO()
    fig.savefig(
        buf,
        format="png",
        dpi=RETINA * BOOK_DPI,
        bbox_inches="tight",
        facecolor="white",
        metadata={FONT_KEY: f"{smallest:.2f}"},
    )
    data = buf.getvalue()
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk, first in every PNG
    return data, {"width": width // RETINA, "height": height // RETINA}


def book_style() -> None:
    """Apply the book's figure style: :data:`BOOK_RC`, and in IPython the PNGs of :func:`figure_png`.

    Call it once in a chapter's setup cell, after ``%matplotlib inline``
    (which installs its own PNG formatter, replaced here).
    """
    matplotlib.rcParams.update(BOOK_RC)
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    formatters = shell.display_formatter.formatters
    # Only one image type per figure: a leftover SVG or PDF formatter would store a second copy.
    for mime in ("image/svg+xml", "application/pdf", "image/jpeg"):
        formatters[mime].pop(Figure, None)
    formatters["image/png"].for_type(Figure, figure_png)


def _axes_list(axes, n: int, name: str) -> list:
    flat = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(flat) < n:
        raise ValueError(f"{name} must hold at least {n} axes, got {len(flat)}")
    return flat[:n]


def _is_3d(ax) -> bool:
    return getattr(ax, "name", "") == "3d"


def state_labels(labels_txk) -> np.ndarray:
    """Index of the binary state of each row: bit c is ``labels[:, c] > 0``, channel 1 (column 0) most significant.

    Parameters
    ----------
    labels_txk : array_like of shape (time, n_bits)
        Outputs or targets; a row holding an exact 0 (undefined target) gets -1.

    Returns
    -------
    ndarray of shape (time,), int
        In ``[0, 2**n_bits)``, or -1; (-1, -1, -1) is 0 and (-1, -1, +1) is 1.
    """
    lab = check_array("labels_txk", labels_txk, ndim=2)
    k = lab.shape[1]
    idx = (lab > 0).astype(int) @ (1 << np.arange(k - 1, -1, -1))
    return np.where(np.any(lab == 0, axis=1), -1, idx)


def _state_name(index: int, k: int) -> str:
    return "(" + ",".join("+1" if (index >> (k - 1 - c)) & 1 else "-1" for c in range(k)) + ")"


def plot_task(ax_or_axes, inputs, targets, outputs=None, delay: int = 0, *, t0: int = 0):
    """Input pulses, targets and outputs per channel, the delay after each pulse shaded (Fig. 1).

    Parameters
    ----------
    ax_or_axes : Axes or sequence of Axes
        One axes (channels stacked 3 units apart, channel 1 on top) or one per channel.
    inputs, targets : array_like of shape (time, n_bits)
    outputs : array_like of shape (time, n_bits), optional
    delay : int
        Δt; the ``delay`` steps after each pulse are shaded grey.
    t0 : int
        Step number of the first row, for the time axis.

    Returns
    -------
    The ``ax_or_axes`` given.
    """
    x = check_array("inputs", inputs, ndim=2)
    n_time, k = x.shape
    y = check_array("targets", targets, ndim=2, shape=(n_time, k))
    out = None if outputs is None else check_array("outputs", outputs, ndim=2, shape=(n_time, k))
    delay = check_int("delay", delay, minimum=0)
    t0 = check_int("t0", t0)
    stacked = not isinstance(ax_or_axes, (list, tuple, np.ndarray))
    axes = [ax_or_axes] * k if stacked else _axes_list(ax_or_axes, k, "ax_or_axes")
    t = t0 + np.arange(n_time)
    for c, ax in enumerate(axes):
        off = -3.0 * c if stacked else 0.0
        pulses = np.flatnonzero(x[:, c])
        if delay > 0 and pulses.size:
            ax.broken_barh([(t[p], delay) for p in pulses], (off - 1.3, 2.6), facecolor="0.85", edgecolor="none")
        ax.vlines(
            t[pulses], off, off + x[pulses, c], color=INPUT_COLOR, lw=1.5, zorder=3, label="input" if c == 0 else None
        )
        ax.plot(t, off + y[:, c], drawstyle="steps-post", color=TARGET_COLOR, label="target" if c == 0 else None)
        if out is not None:
            ax.plot(t, off + out[:, c], color=OUTPUT_COLOR, lw=1, label="output" if c == 0 else None)
        if not stacked:
            ax.set_ylim(-1.4, 1.4)
            ax.set_ylabel(f"channel {channel_label(c)}")
    if stacked:
        ax_or_axes.set_yticks(-3.0 * np.arange(k), [f"channel {channel_label(c)}" for c in range(k)])
    axes[-1].set_xlabel("time step")
    axes[0].legend(loc="upper right", fontsize=SMALL)
    return ax_or_axes


def plot_cube(ax3d, states_pc, outputs_or_targets, fixed_points_pc=None, n_unstable=None, *, path: bool = True):
    """3-D PCA trajectory coloured by output state, with fixed points (Fig. 2 and Fig. 6).

    Parameters
    ----------
    ax3d : Axes3D
    states_pc : array_like of shape (time, c), c >= 3
        States projected on the PCs; the first three are drawn.
    outputs_or_targets : array_like of shape (time, n_bits)
        Colours the points by sign pattern: one colour per binary state, grey
        where a target is undefined (0).
    fixed_points_pc : array_like of shape (n, c), optional
        Fixed points projected on the same PCs.
    n_unstable : array_like of shape (n,), optional
        Unstable dimensions of each fixed point; required with ``fixed_points_pc``.
        Each count has the marker and colour of :func:`rnnmem_helpers.chapters.encoding.point_style`;
        points with ``MANY_UNSTABLE`` or more share one and have their count written.
    path : bool
        Also join the states by a thin grey line.

    Returns
    -------
    ax3d
    """
    if not _is_3d(ax3d):
        raise TypeError("ax3d must be a 3-D axes (projection='3d')")
    pts = check_array("states_pc", states_pc, ndim=2)
    if pts.shape[1] < 3:
        raise ValueError(f"states_pc must have at least 3 columns, got shape {pts.shape}")
    lab = check_array("outputs_or_targets", outputs_or_targets, ndim=2, shape=(pts.shape[0], None))
    if (fixed_points_pc is None) != (n_unstable is None):
        raise ValueError("fixed_points_pc and n_unstable must be given together")
    if fixed_points_pc is not None:
        fp = check_array("fixed_points_pc", fixed_points_pc, ndim=2)
        if fp.shape[1] < 3:
            raise ValueError(f"fixed_points_pc must have at least 3 columns, got shape {fp.shape}")
        nu = check_array("n_unstable", n_unstable, ndim=1, shape=(fp.shape[0],))
        if nu.dtype.kind not in "iu" or np.any(nu < 0):
            raise ValueError("n_unstable must hold non-negative integers")
    k = lab.shape[1]
    if k > 3:
        raise ValueError(f"outputs_or_targets must have at most 3 channels (8 colours), got {k}")
    states = state_labels(lab)
    if path:
        ax3d.plot(pts[:, 0], pts[:, 1], pts[:, 2], color="0.6", lw=0.3)
    for s in np.unique(states):
        sel = states == s
        color, name = (UNDEFINED_COLOR, "undefined") if s < 0 else (STATE_COLORS[s], _state_name(int(s), k))
        ax3d.scatter(pts[sel, 0], pts[sel, 1], pts[sel, 2], s=2, color=color, label=name, depthshade=False)
    if fixed_points_pc is not None:
        capped = np.minimum(nu, encoding.MANY_UNSTABLE)
        for n_u in np.unique(capped).tolist():
            style = encoding.point_style(n_u)
            sel = capped == n_u
            face = style.color if style.filled else "none"
            ax3d.scatter(
                fp[sel, 0],
                fp[sel, 1],
                fp[sel, 2],
                marker=style.mpl_marker,
                facecolors=face,
                edgecolors=style.color,
                s=40,
                label=style.label,
                depthshade=False,
            )
        # Counts from MANY_UNSTABLE up share one marker, so each such point is labelled with its own.
        for p, n_u in zip(fp[nu >= encoding.MANY_UNSTABLE], nu[nu >= encoding.MANY_UNSTABLE], strict=True):
            ax3d.text(p[0], p[1], p[2], f" {int(n_u)}", color=encoding.point_style(int(n_u)).color, fontsize=SMALL)
    ax3d.set_xlabel("PC1")
    ax3d.set_ylabel("PC2")
    ax3d.set_zlabel("PC3")
    # Beside the axes, clear of the PC3 label: over them, a dozen entries hide part of the cube.
    legend = ax3d.legend(loc="center left", fontsize=SMALL, bbox_to_anchor=(1.15, 0.5))
    # One marker size in the legend: the states' dots are too small to read there.
    for handle in legend.legend_handles:
        handle.set_sizes([20])
    return ax3d


def plot_triggered(axes, trig: TriggeredAverage, n_pcs: int | None = None, *, background_pc=None):
    """Triggered average on its first PCs (Fig. 3b in 3-D, Fig. 3c as traces).

    Parameters
    ----------
    axes : Axes3D, or sequence of Axes
        A 3-D axes draws the mean trajectory on PCs 1-3, starting at a circle,
        with the pulse (lag 0) and the output switch (lag ``delay``) marked.
        Otherwise one 2-D axes per PC: mean against lag, a band of ±1 standard
        deviation of the instances, and vertical lines at the pulse and the switch.
    trig : TriggeredAverage
    n_pcs : int, optional
        PCs to draw: 3 for a 3-D axes (the default there), else in
        ``[1, trig.pca.n_components]`` (default all of them, up to 9).
    background_pc : array_like of shape (m, c), optional
        3-D only: points (e.g. a test run projected on ``trig.pca``) drawn faintly
        to show where the cube is.

    Returns
    -------
    The ``axes`` given.
    """
    if not isinstance(trig, TriggeredAverage):
        raise TypeError(f"trig must be a TriggeredAverage, got {type(trig).__name__}")
    avail = trig.pca.n_components
    lags, m, sd = trig.lags, trig.mean_pc, trig.std_pc
    ratio = trig.pca.explained_variance_ratio
    if _is_3d(axes):
        if avail < 3:
            raise ValueError(f"trig has only {avail} PCs; a 3-D plot needs 3")
        check_int("n_pcs", 3 if n_pcs is None else n_pcs, minimum=3, maximum=3)
        if background_pc is not None:
            bg = check_array("background_pc", background_pc, ndim=2)
            if bg.shape[1] < 3:
                raise ValueError(f"background_pc must have at least 3 columns, got shape {bg.shape}")
            axes.scatter(bg[:, 0], bg[:, 1], bg[:, 2], s=1, color="0.8", depthshade=False)
        axes.plot(m[:, 0], m[:, 1], m[:, 2], color="black", lw=1.2, marker=".", ms=3)
        marks = ((0, "o", "0.4", f"lag {lags[0]}"), (trig.pre, "s", "#2ca02c", "pulse"))
        if trig.delay <= trig.post:
            marks += ((trig.pre + trig.delay, "D", "#d62728", f"switch (lag {trig.delay})"),)
        for i, marker, color, name in marks:
            axes.scatter(m[i, 0], m[i, 1], m[i, 2], marker=marker, color=color, s=40, label=name, depthshade=False)
        axes.set_xlabel(f"PC1 ({100 * ratio[0]:.0f}%)")
        axes.set_ylabel(f"PC2 ({100 * ratio[1]:.0f}%)")
        axes.set_zlabel(f"PC3 ({100 * ratio[2]:.0f}%)")
        axes.set_title(f"{trig.from_state} → {trig.to_state}, n = {trig.count}", fontsize=SMALL)
        axes.legend(loc="upper left", fontsize=SMALL)
        return axes
    n_pcs = check_int("n_pcs", min(avail, 9) if n_pcs is None else n_pcs, minimum=1, maximum=avail)
    for i, ax in enumerate(_axes_list(axes, n_pcs, "axes")):
        ax.fill_between(lags, m[:, i] - sd[:, i], m[:, i] + sd[:, i], color="0.8", lw=0)
        ax.plot(lags, m[:, i], color="black", lw=1.2)
        ax.axvline(0, color="#2ca02c", lw=0.8, ls="--")
        if trig.delay <= trig.post:
            ax.axvline(trig.delay, color="#d62728", lw=0.8, ls="--")
        ax.set_ylabel(f"PC{i + 1}\n{100 * ratio[i]:.1f}%", fontsize=SMALL)
    ax.set_xlabel("steps from pulse")
    return axes


def plot_eigenvalues(ax, eigvals, *, bulk_radius: float | None = None, outlier_radius: float | None = None):
    """Eigenvalues in the complex plane with the unit circle (Fig. 4).

    Parameters
    ----------
    ax : Axes
    eigvals : array_like of shape (N,), complex or real
    bulk_radius : float, optional
        Draws the random-bulk circle (dotted).
    outlier_radius : float, optional
        Eigenvalues beyond it are drawn in red, the rest in grey.

    Returns
    -------
    ax
    """
    ev = np.asarray(eigvals)
    if ev.ndim != 1 or ev.dtype.kind not in "fiuc" or not np.all(np.isfinite(ev)):
        raise ValueError(f"eigvals must be a finite 1-D numeric array, got shape {ev.shape}, dtype {ev.dtype}")
    ev = ev.astype(np.complex128)
    phi = np.linspace(0, 2 * np.pi, 361)
    ax.plot(np.cos(phi), np.sin(phi), color="black", lw=0.8, label="unit circle")
    for r, ls, name in ((bulk_radius, ":", "bulk radius"), (outlier_radius, "--", "outlier radius")):
        if r is not None:
            if not np.isfinite(r) or r <= 0:
                raise ValueError(f"{name.replace(' ', '_')} must be > 0, got {r}")
            ax.plot(r * np.cos(phi), r * np.sin(phi), color="0.5", lw=0.8, ls=ls, label=name)
    out = np.zeros(ev.shape, bool) if outlier_radius is None else np.abs(ev) > outlier_radius
    ax.scatter(ev.real[~out], ev.imag[~out], s=10, color="0.45", label="eigenvalues")
    if outlier_radius is not None:
        ax.scatter(ev.real[out], ev.imag[out], s=16, color="#d62728", label="outliers")
    ax.axhline(0, color="0.85", lw=0.5, zorder=0)
    ax.axvline(0, color="0.85", lw=0.5, zorder=0)
    ax.set_aspect("equal")
    ax.set_xlabel("Re λ")
    ax.set_ylabel("Im λ")
    ax.legend(loc="upper right", fontsize=SMALL)
    return ax


def plot_training_history(ax_or_axes, history, *, label=None, target_accuracy=None, color=None):
    """Training loss and held-out accuracy against the number of updates.

    Parameters
    ----------
    ax_or_axes : Axes or pair of Axes
        One axes: held-out accuracy only. Two axes: the mean training loss
        between evaluations on the first (log scale), held-out accuracy on the second.
    history : dict or History
        ``TrainResult.history`` (lists ``step``, ``loss`` and ``eval_accuracy``
        of one length >= 1) or a sweep result's
        :class:`rnnmem_helpers.experiments.experiment.History` (the ``history`` column of
        :func:`rnnmem_helpers.experiments.sweep_report.run_table`).
    label : str, optional
        Legend entry for this run.
    target_accuracy : float, optional
        Draws the early-stopping threshold as a dashed horizontal line on the accuracy axes.
    color : matplotlib colour, optional
        Colour of this run's lines; the axes' colour cycle if omitted.

    Returns
    -------
    The ``ax_or_axes`` given.
    """
    if isinstance(history, History):
        history = {"step": history.step, "loss": history.loss, "eval_accuracy": history.eval_accuracy}
    if not isinstance(history, dict) or any(k not in history for k in ("step", "loss", "eval_accuracy")):
        raise ValueError("history must be a History or a dict with keys 'step', 'loss' and 'eval_accuracy'")
    steps = check_array("history['step']", history["step"], ndim=1)
    n = steps.shape[0]
    loss = check_array("history['loss']", history["loss"], ndim=1, shape=(n,))
    acc = check_array("history['eval_accuracy']", history["eval_accuracy"], ndim=1, shape=(n,))
    if n == 0:
        raise ValueError("history must hold at least one evaluation")
    two = isinstance(ax_or_axes, (list, tuple, np.ndarray))
    ax_loss, ax_acc = _axes_list(ax_or_axes, 2, "ax_or_axes") if two else (None, ax_or_axes)
    if ax_loss is not None:
        ax_loss.plot(steps, loss, marker=".", color=color, label=label)
        ax_loss.set_yscale("log")
        ax_loss.set_xlabel("update")
        ax_loss.set_ylabel("training loss (masked MSE)")
        if label is not None:
            ax_loss.legend(fontsize=SMALL)
    ax_acc.plot(steps, acc, marker=".", color=color, label=label)
    if target_accuracy is not None:
        ax_acc.axhline(target_accuracy, color="0.4", lw=0.8, ls="--")
    ax_acc.set_xlabel("update")
    ax_acc.set_ylabel("held-out accuracy")
    if label is not None:
        ax_acc.legend(fontsize=SMALL)
    return ax_or_axes


def plot_intervals(
    ax, x, estimate, low=None, high=None, *, hollow=None, label=None, color=None, marker="o", offset: float = 0.0
):
    """Estimates against x, joined by a line, with asymmetric interval bars (summaries of sweeps).

    Parameters
    ----------
    ax : Axes
    x : array_like of shape (n,)
        E.g. the delays.
    estimate : array_like of shape (n,)
        NaN entries (e.g. a median over no run) are left out.
    low, high : array_like of shape (n,), optional
        Ends of each interval, given together, ``low <= high``; a bar from
        ``low`` to ``high`` is drawn where both are finite.
    hollow : array_like of bool, shape (n,), optional
        Points drawn as open markers, e.g. medians that are only lower bounds.
    label : str, optional
        Legend entry.
    color : matplotlib colour, optional
        The axes' colour cycle if omitted.
    marker : str
    offset : float
        Added to x, to keep curves of several groups apart.

    Returns
    -------
    ax
    """
    xs = check_array("x", x, ndim=1).astype(np.float64)
    est = check_array("estimate", estimate, ndim=1, shape=xs.shape, finite=False).astype(np.float64)
    if (low is None) != (high is None):
        raise ValueError("low and high must be given together")
    if hollow is None:
        open_ = np.zeros(xs.shape, bool)
    else:
        open_ = np.asarray(hollow)
        if open_.dtype != bool or open_.shape != xs.shape:
            raise ValueError(f"hollow must be a boolean array of shape {xs.shape}, got {open_.dtype} {open_.shape}")
    if not np.isfinite(offset):
        raise ValueError(f"offset must be finite, got {offset}")
    ok = ~np.isnan(est)
    (line,) = ax.plot(xs[ok] + offset, est[ok], color=color, lw=1, label=label)
    color = line.get_color()
    ax.scatter(xs[ok & ~open_] + offset, est[ok & ~open_], color=color, marker=marker, s=28, zorder=3)
    ax.scatter(
        xs[ok & open_] + offset, est[ok & open_], facecolors="none", edgecolors=color, marker=marker, s=28, zorder=3
    )
    if low is not None:
        lo = check_array("low", low, ndim=1, shape=xs.shape, finite=False).astype(np.float64)
        hi = check_array("high", high, ndim=1, shape=xs.shape, finite=False).astype(np.float64)
        bar = ok & np.isfinite(lo) & np.isfinite(hi)
        if np.any(lo[bar] > hi[bar]):
            raise ValueError("low must not exceed high")
        # Bars from low to high, not estimate ± error: a bootstrap or Wilson interval need not be
        # centred on its estimate, and rounding may put the estimate a hair outside it.
        ax.vlines(xs[bar] + offset, lo[bar], hi[bar], color=color, lw=1)
        ax.scatter(np.tile(xs[bar] + offset, 2), np.concatenate([lo[bar], hi[bar]]), marker="_", color=color, s=20)
    return ax


def _unit_indices(name: str, value, n: int) -> np.ndarray:
    """``value`` as a non-empty 1-D array of unit indices in ``[0, n)``."""
    idx = np.asarray(value)
    if idx.ndim != 1 or idx.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of unit indices, got shape {idx.shape}")
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer unit indices, got dtype {idx.dtype}")
    if idx.min() < 0 or idx.max() >= n:
        raise ValueError(f"{name} must hold unit indices in [0, {n - 1}], got {idx.min()} to {idx.max()}")
    return idx


def plot_weight_matrix(ax, matrix, groups, *, vmax: float | None = None):
    """A square weight matrix with its units grouped by role, on a signed colour scale.

    Parameters
    ----------
    ax : Axes
    matrix : array_like of shape (N, N)
        E.g. W: entry (i, j), the weight from unit j to unit i, is drawn in
        row i, column j.
    groups : dict of str to array_like of int
        Unit indices of each group, in the order to draw them; together the
        groups must hold every unit 0 .. N - 1 exactly once. Rows and columns
        are reordered group after group, separated by thin lines, and the axes
        are labelled with the group names.
    vmax : float, optional
        The colour scale runs from -vmax (blue) through 0 (white) to +vmax
        (red); entries beyond it take the end colours, so a few large weights
        do not wash out the rest. Default: the largest ``|entry|`` (1 for a
        zero matrix).

    Returns
    -------
    ax
        The image is ``ax.images[-1]``, e.g. for a colour bar.
    """
    m = check_array("matrix", matrix, ndim=2)
    n = m.shape[0]
    if m.shape != (n, n) or n == 0:
        raise ValueError(f"matrix must be square and non-empty, got shape {m.shape}")
    if not isinstance(groups, dict):
        raise TypeError(f"groups must be a dict of group name to unit indices, got {type(groups).__name__}")
    if not groups:
        raise ValueError("groups must hold at least one group of units")
    members = [_unit_indices(f"groups[{name!r}]", idx, n) for name, idx in groups.items()]
    order = np.concatenate(members)
    if order.size != n or np.unique(order).size != n:
        raise ValueError(f"groups must hold every unit of matrix (0 to {n - 1}) exactly once")
    if vmax is None:
        vmax = float(np.abs(m).max()) or 1.0
    vmax = check_float("vmax", vmax, minimum=0.0, strict_min=True)
    ax.imshow(m[np.ix_(order, order)], cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
    sizes = np.array([idx.size for idx in members])
    ends = np.cumsum(sizes)
    for edge in ends[:-1] - 0.5:
        ax.axhline(edge, color="0.4", lw=0.6)
        ax.axvline(edge, color="0.4", lw=0.6)
    centres = ends - sizes / 2 - 0.5
    ax.set_xticks(centres, list(groups), fontsize=SMALL)
    ax.set_yticks(centres, list(groups), fontsize=SMALL)
    ax.set_xlabel("from unit")
    ax.set_ylabel("to unit")
    return ax


def plot_unit_states(ax, states_txn, units, *, t0: int = 0):
    """States of chosen units against time, as a heatmap from -1 (blue) to +1 (red).

    Parameters
    ----------
    ax : Axes
    states_txn : array_like of shape (time, N)
        E.g. the states of :func:`rnnmem_helpers.core.model.simulate`.
    units : array_like of int, shape (m,)
        The units to draw, row 0 (top) first; row ``r`` shows unit ``units[r]``.
    t0 : int
        Step number of the first row of ``states_txn``, for the time axis.

    Returns
    -------
    ax
        The image is ``ax.images[-1]``, e.g. for a colour bar.
    """
    s = check_array("states_txn", states_txn, ndim=2)
    n_time, n = s.shape
    if n_time == 0 or n == 0:
        raise ValueError(f"states_txn must hold at least one step of at least one unit, got shape {s.shape}")
    idx = _unit_indices("units", units, n)
    t0 = check_int("t0", t0)
    extent = (t0 - 0.5, t0 + n_time - 0.5, idx.size - 0.5, -0.5)
    ax.imshow(s[:, idx].T, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto", interpolation="nearest", extent=extent)
    ax.set_xlabel("time step")
    ax.set_ylabel("position in units")
    return ax


def plot_paired(ax, values, labels, *, low=None, high=None, color=None):
    """One measure of several networks under several conditions: a line per network, the median per condition.

    Parameters
    ----------
    ax : Axes
    values : array_like of shape (n_networks, n_conditions)
        E.g. the delayed accuracy of each network intact and under each
        ablation; a NaN entry (a condition that does not apply to a network)
        is left out of its line and of the median.
    labels : sequence of str, length n_conditions
        Tick labels of the conditions, placed at x = 0, 1, ...
    low, high : array_like of shape (n_conditions,), optional
        Ends of an interval of each median (e.g. from
        :func:`rnnmem_helpers.analyses.stats.median_interval`), given together; a bar is
        drawn where both are finite.
    color : matplotlib colour, optional
        Of the medians and their bars; black if omitted. The per-network
        lines are grey.

    Returns
    -------
    ax
    """
    v = check_array("values", values, ndim=2, finite=False).astype(np.float64)
    labels = [str(s) for s in labels]
    if len(labels) != v.shape[1]:
        raise ValueError(f"labels must hold one entry per column of values ({v.shape[1]}), got {len(labels)}")
    if (low is None) != (high is None):
        raise ValueError("low and high must be given together")
    color = "black" if color is None else color
    x = np.arange(v.shape[1], dtype=np.float64)
    for row in v:
        ok = ~np.isnan(row)
        ax.plot(x[ok], row[ok], color=UNDEFINED_COLOR, lw=0.6, alpha=0.5, marker=".", ms=3)
    defined = ~np.all(np.isnan(v), axis=0)
    # nanmedian warns on an all-NaN column; those columns get no median marker.
    medians = np.full(v.shape[1], np.nan)
    medians[defined] = np.nanmedian(v[:, defined], axis=0)
    ax.scatter(x[defined], medians[defined], color=color, marker="D", s=36, zorder=3)
    if low is not None:
        lo = check_array("low", low, ndim=1, shape=(v.shape[1],), finite=False).astype(np.float64)
        hi = check_array("high", high, ndim=1, shape=(v.shape[1],), finite=False).astype(np.float64)
        bar = np.isfinite(lo) & np.isfinite(hi)
        if np.any(lo[bar] > hi[bar]):
            raise ValueError("low must not exceed high")
        ax.vlines(x[bar], lo[bar], hi[bar], color=color, lw=2, zorder=3)
    ax.set_xticks(x, labels)
    ax.set_xlim(-0.5, v.shape[1] - 0.5)
    return ax


def book_panels(n: int, *, ncols: int = 2, height: float = 2.9, **subplots_kw):
    """A figure of ``n`` panels, ``ncols`` to a row, as wide as the book's column allows.

    Wide rows of panels shrink their text below legibility in the book's
    column, so panels beyond ``ncols`` go to further rows; the grid's surplus
    axes are removed.

    Parameters
    ----------
    n : int
        Number of panels, >= 1.
    ncols : int
        Panels per row, >= 1.
    height : float
        Height of one row, in inches.
    **subplots_kw
        Passed to ``matplotlib.pyplot.subplots`` (e.g. ``sharey``); ``layout``
        defaults to ``"constrained"``.

    Returns
    -------
    fig : matplotlib.figure.Figure
        :data:`FIGURE_WIDTH_MAX` wide.
    axes : ndarray of Axes, shape (n,)
        Row by row.
    """
    import matplotlib.pyplot as plt

    n = check_int("n", n, minimum=1)
    ncols = min(check_int("ncols", ncols, minimum=1), n)
    height = check_float("height", height, minimum=0.0, strict_min=True)
    nrows = -(-n // ncols)
    subplots_kw.setdefault("layout", "constrained")
    fig, grid = plt.subplots(nrows, ncols, figsize=(FIGURE_WIDTH_MAX, nrows * height), squeeze=False, **subplots_kw)
    flat = grid.ravel()
    for ax in flat[n:]:
        ax.remove()
    return fig, flat[:n]
