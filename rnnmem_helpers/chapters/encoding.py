"""One visual language for every figure of the book, static and interactive.

matplotlib figures (:mod:`rnnmem_helpers.chapters.plotting`) and the in-page explorers
(``book/_static/rnnmem/explorers.js``) read their colours, markers and labels
from here; the book's Sphinx extension writes :func:`to_browser` into the
built site, so the two cannot drift apart.

Channels are numbered 1 to 3 wherever a reader sees them (figures, text,
explorers); arrays index them 0 to 2.

Fixed points are told apart by their number of unstable modes, each count with
its own marker and colour, up to :data:`MANY_UNSTABLE` (that many or more share
the last style). plotly's 3-D scatter knows only eight marker symbols, and its
``x`` renders as a hollow box in Chromium, so the seven below are the ones a
3-D explorer can draw; each has a matplotlib marker of the same shape and fill.
"""

from __future__ import annotations

from typing import NamedTuple

N_CHANNELS = 3
CHANNEL_LABELS = ("1", "2", "3")
CHANNEL_COLORS = ("#1f77b4", "#2ca02c", "#d62728")

# One colour per output state (corner), indexed by the output signs read as a binary number with - -> 0,
# channel 1 first (tab10 without its grey).
STATE_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
UNDEFINED_COLOR = "#7f7f7f"

# The three traces of a task figure: the input pulses, the target and the network's output.
INPUT_COLOR = "#000000"
TARGET_COLOR = "#1f77b4"
OUTPUT_COLOR = "#ff7f0e"
HIGHLIGHT_COLOR = "#d62728"

# The eigenvalues of W: the random bulk, the near-real outliers and the outlying rotation pairs.
EIGENVALUE_COLORS = {"bulk": "#737373", "real_outlier": HIGHLIGHT_COLOR, "rotation": TARGET_COLOR}


class PointStyle(NamedTuple):
    """How a fixed point with a given number of unstable modes is drawn."""

    label: str
    color: str
    mpl_marker: str
    filled: bool
    plotly_symbol: str


MANY_UNSTABLE = 6

FIXED_POINT_STYLES = (
    PointStyle("stable (attractor)", "#000000", "o", True, "circle"),
    PointStyle("1 unstable mode", "#e6550d", "D", True, "diamond"),
    PointStyle("2 unstable modes", "#756bb1", "s", True, "square"),
    PointStyle("3 unstable modes", "#3182bd", "P", True, "cross"),
    PointStyle("4 unstable modes", "#c51b8a", "o", False, "circle-open"),
    PointStyle("5 unstable modes", "#31a354", "D", False, "diamond-open"),
    PointStyle(f"{MANY_UNSTABLE} or more unstable modes", "#636363", "s", False, "square-open"),
)


def point_style(n_unstable: int) -> PointStyle:
    """The style of a fixed point with ``n_unstable`` unstable modes (``MANY_UNSTABLE`` or more share one).

    Raises
    ------
    TypeError
        If ``n_unstable`` is not an integer.
    ValueError
        If it is negative.
    """
    if isinstance(n_unstable, bool) or not hasattr(n_unstable, "__index__"):
        raise TypeError(f"n_unstable must be an integer, got {type(n_unstable).__name__}")
    n = int(n_unstable)
    if n < 0:
        raise ValueError(f"n_unstable must be >= 0, got {n}")
    return FIXED_POINT_STYLES[min(n, MANY_UNSTABLE)]


def channel_label(index: int) -> str:
    """The reader-facing number of the channel at array index ``index`` (0 -> "1")."""
    if isinstance(index, bool) or not hasattr(index, "__index__"):
        raise TypeError(f"index must be an integer, got {type(index).__name__}")
    if not 0 <= int(index) < N_CHANNELS:
        raise ValueError(f"index must be in 0..{N_CHANNELS - 1}, got {index}")
    return CHANNEL_LABELS[int(index)]


def to_browser() -> dict:
    """The spec as plain JSON-ready data for the explorers (plotly symbol names, not matplotlib's)."""
    return {
        "channel_labels": list(CHANNEL_LABELS),
        "channel_colors": list(CHANNEL_COLORS),
        "state_colors": list(STATE_COLORS),
        "undefined_color": UNDEFINED_COLOR,
        "input_color": INPUT_COLOR,
        "target_color": TARGET_COLOR,
        "output_color": OUTPUT_COLOR,
        "highlight_color": HIGHLIGHT_COLOR,
        "eigenvalue_colors": dict(EIGENVALUE_COLORS),
        "many_unstable": MANY_UNSTABLE,
        "fixed_points": [
            {"label": s.label, "color": s.color, "symbol": s.plotly_symbol, "filled": s.filled}
            for s in FIXED_POINT_STYLES
        ],
    }
