"""The paper's claims as tested code: what each claim says, how it is measured, and the rule that judges it.

Every claim of the paper that the book judges is one :class:`Claim`, numbered
as in the claims table of the book (1 to 14, one numbering for the whole book).
A claim carries the paper's own sentence (verbatim), the section and figure it
comes from, the chapter of the book that shows the evidence, and one or more
:class:`Reading`\\ s. A reading is one way to understand a loose claim ("the
loops vanish": the overshoot of a switch, or the excursion after a repeated
pulse?), each with its own measure, its own thresholds and a *rule*: a pure
function from measured summary numbers (plain floats, counts, intervals) to a
:class:`Judgement`. Rules never see a notebook, a network or a sweep; the
chapters measure, the rules judge, so every branch of every rule is unit-tested
on synthetic numbers.

The rules and thresholds below were written down before the book's numbers
were computed with them; the claims chapter passes its measurements to
:func:`assess` and renders what comes back.

Verdicts
--------
:class:`Verdict` has five values:

- **supported**: every part of the claim holds under this reading;
- **partly supported**: some parts hold and some do not (e.g. the rotations
  appear, but not with exactly three real outliers);
- **not supported**: the measurement contradicts the claim, or its core part
  fails;
- **ambiguous**: the readings of a loose claim disagree (only for a claim's
  overall verdict);
- **inconclusive**: the data cannot decide (too few networks or pairs, or a
  reading that is not measured yet); the :class:`Judgement` then states the
  power the data had to decide.

:func:`badge` renders a verdict as plain text with a CSS class name.

How a rule decides
------------------
Seeds are the unit. "Most networks" is decided on the Wilson interval
(:data:`LEVEL`) of the fraction, never on the point estimate alone:
established above a threshold if the interval's lower end exceeds it,
established below if its upper end is under it, undetermined otherwise
(:func:`fraction_side`). A claim with several parts (:func:`conjoin`) is
supported if every part holds, not supported if none does or if a *core* part
fails, partly supported if some hold and some fail, and inconclusive when an
undetermined part could still change that. An inconclusive judgement states
its power: for a fraction, the chance that the same number of networks would
establish a true fraction halfway between the threshold and 1
(:func:`fraction_power`); for a paired comparison, the exact power of the sign
test against the smallest effect of interest (:func:`sign_test_power`).

Combining readings
------------------
:func:`combine`: if every reading gives the same verdict, that is the claim's
verdict; otherwise the claim is **ambiguous**, and every reading's verdict is
shown. An underpowered or unmeasured reading counts as a reading: a claim gets
a firm verdict only if all its readings agree.

Sensitivity
-----------
:func:`sensitivity` re-judges a claim with each threshold halved and doubled,
one at a time, under each reading and overall.

Statistics
----------
Exact order-statistic intervals for a median with their real coverage
(:func:`median_interval`: at n = 3 the best two-sided interval is [min, max],
coverage 75 %, and it is labelled so), Wilson and exact binomial intervals for
fractions (:func:`proportion_interval`), the exact sign test's power
(:func:`sign_test_power`), paired signs that honour censoring
(:func:`paired_signs`) and the success fraction per delay in place of "the
longest delay any seed learned" (:func:`delay_reach`). They belong in
:mod:`rnnmem_helpers.analyses.stats` and live here until they move.

Consistency
-----------
:func:`verdict_of` returns the verdict that :func:`assess` recorded for a
claim in this process. A chapter states a verdict by the convention "Claim N
… **verdict**": the claim's number and a verdict phrase in bold, in one
sentence. :func:`verdict_statements` finds such sentences in a chapter's
markdown, :func:`contradictions` compares them with the verdicts of the module
(or of a rendered claims table, :func:`table_verdicts`), and
:func:`section_slips` finds references to sections the paper does not have.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import NamedTuple

import numpy as np
from scipy import stats as _st

# Re-exported: the chapters read the median's interval as claims.median_interval, from before it moved to stats.
from ..analyses.stats import (
    Interval,
    format_percent,
    median_interval,  # noqa: F401
    wilson_ci,
)

#: Confidence level of every interval a rule decides on.
LEVEL = 0.95
#: The paper's delayed network: Δt = 8.
PAPER_DELAY = 8
#: The census of the undelayed cube: 8 attractors, 12 edge, 6 face and 1 centre saddle, by unstable modes.
CUBE_CENSUS = {0: 8, 1: 12, 2: 6, 3: 1}
#: Sections and appendices of the paper (it ends at Sec. 6).
PAPER_SECTIONS = ("1", "2", "3", "4", "5", "6", "A", "B")
#: Components of the triggered average that the paper's Fig. 3c plots (it plots nine; it does not say nine are needed).
FIGURE_3C_COMPONENTS = 9
#: Scales of a threshold in :func:`sensitivity`.
SCALES = (0.5, 2.0)


# ============================================================================= vocabulary


class Verdict(Enum):
    """The verdict vocabulary of the book; the value is the label."""

    SUPPORTED = "supported"
    PARTLY = "partly supported"
    NOT_SUPPORTED = "not supported"
    AMBIGUOUS = "ambiguous"
    INCONCLUSIVE = "inconclusive"

    @property
    def label(self) -> str:
        """Plain text, e.g. ``"partly supported"``."""
        return self.value

    @property
    def css_class(self) -> str:
        """CSS class name of the badge, e.g. ``"verdict-partly-supported"``."""
        return "verdict-" + self.value.replace(" ", "-")


#: Verdict phrases as chapters write them, longest first; the book's earlier words map onto the vocabulary.
VERDICT_PHRASES = (
    ("partly supported", Verdict.PARTLY),
    ("partly reproduced", Verdict.PARTLY),
    ("not supported", Verdict.NOT_SUPPORTED),
    ("not reproduced", Verdict.NOT_SUPPORTED),
    ("inconclusive", Verdict.INCONCLUSIVE),
    ("contradicted", Verdict.NOT_SUPPORTED),
    ("reproduced", Verdict.SUPPORTED),
    ("ambiguous", Verdict.AMBIGUOUS),
    ("supported", Verdict.SUPPORTED),
    ("partly", Verdict.PARTLY),
)


def parse_verdict(text: str) -> Verdict | None:
    """The verdict a phrase starts with (case-insensitive), e.g. ``"not reproduced"``; None if none.

    The book's earlier vocabulary is understood: *reproduced* is supported,
    *partly* is partly supported, *not reproduced* and *contradicted* are not
    supported.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    low = text.strip().lower()
    for phrase, verdict in VERDICT_PHRASES:
        if low.startswith(phrase) and (len(low) == len(phrase) or not low[len(phrase)].isalpha()):
            return verdict
    return None


@dataclass(frozen=True)
class Judgement:
    """A verdict with its reason, and for an inconclusive one the power the data had.

    Attributes
    ----------
    verdict : Verdict
    reason : str
        One sentence or a few clauses: the numbers the verdict rests on.
    power : float or None
        Only for :attr:`Verdict.INCONCLUSIVE`, required there: in [0, 1], or
        NaN where no power can be computed (an interval straddling a
        threshold). 0 when the reading was not measured.
    """

    verdict: Verdict
    reason: str
    power: float | None = None

    def __post_init__(self):
        if not isinstance(self.verdict, Verdict):
            raise TypeError(f"verdict must be a Verdict, got {type(self.verdict).__name__}")
        if not isinstance(self.reason, str):
            raise TypeError(f"reason must be a str, got {type(self.reason).__name__}")
        if self.verdict is Verdict.INCONCLUSIVE:
            if self.power is None:
                raise ValueError("an inconclusive judgement must state its power (NaN if it cannot be computed)")
            power = float(self.power)
            if not (math.isnan(power) or 0.0 <= power <= 1.0):
                raise ValueError(f"power must be in [0, 1] or NaN, got {self.power}")
            object.__setattr__(self, "power", power)
        elif self.power is not None:
            raise ValueError(f"only an inconclusive judgement carries a power, not {self.verdict.label}")

    @property
    def label(self) -> str:
        """The verdict's label; an inconclusive one with its power, e.g. ``"inconclusive (power 24 %)"``."""
        if self.verdict is not Verdict.INCONCLUSIVE:
            return self.verdict.label
        if math.isnan(self.power):
            return "inconclusive (power not computable)"
        return f"inconclusive (power {format_percent(self.power)})"

    def __str__(self) -> str:
        return f"{self.label}: {self.reason}"


class Badge(NamedTuple):
    """How a verdict is shown: plain text, a CSS class name, and a longer title (e.g. for a tooltip)."""

    text: str
    css_class: str
    title: str


def badge(item) -> Badge:
    """The badge of a :class:`Verdict`, a :class:`Judgement` or an :class:`Assessment`."""
    if isinstance(item, Assessment):
        item = item.overall
    if isinstance(item, Verdict):
        return Badge(item.label, item.css_class, item.label)
    if isinstance(item, Judgement):
        return Badge(item.label, item.verdict.css_class, item.reason)
    raise TypeError(f"item must be a Verdict, Judgement or Assessment, got {type(item).__name__}")


# ============================================================================= statistics


class Count(NamedTuple):
    """``k`` of ``n`` networks (or runs, or pairs) have a property."""

    k: int
    n: int


class Pairs(NamedTuple):
    """Signs of paired differences (treatment − control): treatment lower (faster), higher (slower), or tied."""

    faster: int
    slower: int
    tied: int


def _check_count(name: str, value) -> Count:
    """A Count from a Count, a ProportionCI (anything with ``k`` and ``n``) or a pair of integers."""
    if hasattr(value, "k") and hasattr(value, "n"):
        k, n = value.k, value.n
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        k, n = value
    else:
        raise TypeError(f"{name} must be a Count (k, n), got {type(value).__name__}")
    for part, v in (("k", k), ("n", n)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name}.{part} must be an integer, got {type(v).__name__}")
    k, n = int(k), int(n)
    if n < 0 or not 0 <= k <= n:
        raise ValueError(f"{name} must have 0 <= k <= n, got k={k}, n={n}")
    return Count(k, n)


def _check_pairs(name: str, value) -> Pairs:
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise TypeError(f"{name} must be Pairs (faster, slower, tied), got {type(value).__name__}")
    for v in value:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name} must hold three counts >= 0, got {tuple(value)}")
    return Pairs(*(int(v) for v in value))


def _check_real(name: str, value, *, minimum: float | None = None, maximum: float | None = None) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be in [{minimum}, {maximum}], got {value}")
    return value


def _check_value(name: str, value):
    """A float, or an Interval (anything with ``low`` and ``high``), as given."""
    if hasattr(value, "low") and hasattr(value, "high"):
        if not value.low <= value.high:
            raise ValueError(f"{name} must have low <= high, got {value.low} > {value.high}")
        return value
    return _check_real(name, value)


def _check_array(name: str, values, *, dtype=np.float64, allow_nan: bool = False, ndim: int = 1) -> np.ndarray:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"{name} must be a sequence of numbers, got {type(values).__name__}")
    try:
        array = np.asarray(values, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a sequence of numbers: {err}") from None
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {array.shape}")
    if dtype is np.float64 and not allow_nan and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite numbers")
    return array


def _check_mapping(name: str, value, check_item: Callable, *, nonempty: bool = True) -> dict:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping, got {type(value).__name__}")
    if nonempty and not value:
        raise ValueError(f"{name} must not be empty")
    return {key: check_item(f"{name}[{key!r}]", item) for key, item in value.items()}


def _check_delays(name: str, value, check_item: Callable) -> dict:
    out = _check_mapping(name, value, check_item)
    for key in out:
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)) or key < 0:
            raise TypeError(f"{name} must be keyed by delays (integers >= 0), got key {key!r}")
    return {int(k): v for k, v in sorted(out.items())}


def _check_level(level) -> float:
    level = _check_real("level", level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be > 0.0 and < 1.0, got {level}")
    return level


def proportion_interval(k: int, n: int, level: float = LEVEL, *, method: str = "wilson") -> Interval:
    """The fraction ``k / n`` with its Wilson or exact (Clopper–Pearson) interval.

    Parameters
    ----------
    k, n : int
        ``0 <= k <= n``, ``n >= 1``.
    level : float
        In (0, 1).
    method : {"wilson", "exact"}
        The Wilson interval has about its nominal coverage; the exact binomial
        interval at least its nominal coverage (its label says "≥").

    Returns
    -------
    Interval
    """
    count = _check_count("(k, n)", (k, n))
    level = _check_level(level)
    if count.n == 0:
        raise ValueError("n must be >= 1")
    if method == "wilson":
        low, high = wilson_ci(count.k, count.n, level)
        name = "wilson"
    elif method == "exact":
        ci = _st.binomtest(count.k, count.n).proportion_ci(confidence_level=level, method="exact")
        low, high, name = float(ci.low), float(ci.high), "exact binomial"
    else:
        raise ValueError(f"method must be 'wilson' or 'exact', got {method!r}")
    return Interval(count.k / count.n, low, high, level, name, count.n)


def fraction_side(count, threshold: float, level: float = LEVEL) -> bool | None:
    """Is the fraction ``k / n`` established above ``threshold``?

    Returns True if the Wilson interval's lower end exceeds ``threshold``,
    False if its upper end lies below it, None if the interval contains it
    (or ``n = 0``).
    """
    count = _check_count("count", count)
    threshold = _check_real("threshold", threshold, minimum=0.0, maximum=1.0)
    level = _check_level(level)
    if count.n == 0:
        return None
    low, high = wilson_ci(count.k, count.n, level)
    if low > threshold:
        return True
    if high < threshold:
        return False
    return None


def fraction_power(n: int, threshold: float, level: float = LEVEL) -> float:
    """Chance that n networks establish a fraction above ``threshold`` when it truly is halfway to 1.

    The probability, for k ~ Binomial(n, (1 + threshold) / 2), that the Wilson
    interval's lower end exceeds ``threshold``: the power of the
    "most networks" rule of :func:`fraction_side` at this n. 0 for n = 0.
    """
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be an integer >= 0, got {n!r}")
    threshold = _check_real("threshold", threshold, minimum=0.0, maximum=1.0)
    level = _check_level(level)
    if n == 0:
        return 0.0
    p = (1.0 + threshold) / 2
    hits = [k for k in range(n + 1) if wilson_ci(k, n, level)[0] > threshold]
    return float(sum(_st.binom.pmf(k, n, p) for k in hits))


def _sign_p(k: int, m: int) -> float:
    return float(_st.binomtest(k, m, 0.5).pvalue) if m else 1.0


def sign_test_power(n: int, p: float, alpha: float = 0.05) -> float:
    """Exact power of the two-sided sign test over ``n`` untied pairs.

    The probability, when each pair goes one way with probability ``p``
    independently, that the exact two-sided binomial test (p = ½) rejects at
    ``alpha``. 0 for n = 0; at n = 10 and p = 0.75, about 0.24 at alpha = 0.05.
    """
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be an integer >= 0, got {n!r}")
    p = _check_real("p", p, minimum=0.0, maximum=1.0)
    alpha = _check_real("alpha", alpha, minimum=0.0, maximum=1.0)
    if n == 0:
        return 0.0
    reject = [k for k in range(n + 1) if _sign_p(k, n) <= alpha]
    return float(sum(_st.binom.pmf(k, n, p) for k in reject))


def paired_signs(a, b, *, censored_a=None, censored_b=None) -> Pairs:
    """Which arm of each pair needed fewer updates, honouring censoring.

    A censored value (a run stopped at its budget) is known only to lie
    above the value given. A pair with both arms censored is a tie; with one
    censored, the other arm was faster (it converged, the censored run had
    not by then); with neither, the sign of ``a − b`` decides.

    Parameters
    ----------
    a, b : sequence of float
        The two arms, entry i of each from seed i; ``a`` is the treatment.
    censored_a, censored_b : sequence of bool, optional
        Default: no censoring.

    Returns
    -------
    Pairs
        ``faster``: pairs where ``a`` needed fewer updates, ``slower``: more, ``tied``.
    """
    a, b = _check_array("a", a), _check_array("b", b)
    if a.shape != b.shape:
        raise ValueError(f"b must have shape {a.shape} to match a, got {b.shape}")
    ca = np.zeros(a.size, bool) if censored_a is None else _check_array("censored_a", censored_a, dtype=bool)
    cb = np.zeros(b.size, bool) if censored_b is None else _check_array("censored_b", censored_b, dtype=bool)
    if ca.shape != a.shape or cb.shape != a.shape:
        raise ValueError("censored_a and censored_b must match the shape of a")
    faster = slower = tied = 0
    for x, y, cx, cy in zip(a, b, ca, cb, strict=True):
        if cx and cy:
            tied += 1
        elif cx and not cy:
            slower += 1 if y <= x else 0
            tied += 1 if y > x else 0  # a censored run below a converged one says nothing: count it tied
        elif cy and not cx:
            faster += 1 if x <= y else 0
            tied += 1 if x > y else 0
        elif x < y:
            faster += 1
        elif x > y:
            slower += 1
        else:
            tied += 1
    return Pairs(faster, slower, tied)


def render_difference(median: float, low: float, high: float, *, n_pairs: int, n_both_censored: int,
                      coverage: float, unit: str = "updates") -> str:
    """A median paired difference as text, saying so when both arms hit the budget in every pair.

    "+0 (95 % CI +0 to +0)" would read as a precise null effect; when every
    pair is censored in both arms it means nothing was measured, and this
    returns "both arms censored at the budget in all n pairs" instead.
    """
    for name, v in (("n_pairs", n_pairs), ("n_both_censored", n_both_censored)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name} must be an integer >= 0, got {v!r}")
    if n_both_censored > n_pairs:
        raise ValueError(f"n_both_censored must be <= n_pairs = {n_pairs}, got {n_both_censored}")
    if n_pairs and n_both_censored == n_pairs:
        return f"both arms censored at the budget in all {n_pairs} pairs: no difference measured"
    median, low, high = (_check_real(name, v) for name, v in (("median", median), ("low", low), ("high", high)))
    coverage = _check_real("coverage", coverage, minimum=0.0, maximum=1.0)
    text = f"{median:+.0f} {unit} ({format_percent(coverage)} interval {low:+.0f} to {high:+.0f}, {n_pairs} pairs"
    if n_both_censored:
        text += f", {n_both_censored} of them censored in both arms"
    return text + ")"


class DelayReach(NamedTuple):
    """Delays established as learned, or as not learned, by more than a fraction of the seeds."""

    learned: tuple
    not_learned: tuple
    undetermined: tuple


def delay_reach(converged_by_delay, rate: float = 0.5, level: float = LEVEL) -> DelayReach:
    """The delays that more, or fewer, than ``rate`` of the seeds learn, each on its Wilson interval.

    This replaces "the longest delay any seed learned", a maximum over seeds
    with no uncertainty: a delay is *learned* if its success fraction is
    established above ``rate`` (:func:`fraction_side`), *not learned* if
    established below it, and *undetermined* otherwise.

    Parameters
    ----------
    converged_by_delay : mapping of int to Count
        Per delay, the runs that converged within the budget.
    rate : float
        In [0, 1].
    level : float

    Returns
    -------
    DelayReach
        Three tuples of delays, ascending.
    """
    counts = _check_delays("converged_by_delay", converged_by_delay, _check_count)
    sides = {d: fraction_side(c, rate, level) for d, c in counts.items()}
    return DelayReach(
        tuple(d for d, s in sides.items() if s is True),
        tuple(d for d, s in sides.items() if s is False),
        tuple(d for d, s in sides.items() if s is None),
    )


def _frac(count: Count) -> str:
    if count.n == 0:
        return "0 of 0"
    low, high = wilson_ci(count.k, count.n, LEVEL)
    return f"{count.k} of {count.n} (Wilson {low:.2f}–{high:.2f})"


def _state(value: bool | None) -> str:
    return {True: "holds", False: "fails", None: "undetermined"}[value]


# ============================================================================= rules


def conjoin(parts: Mapping[str, bool | None], *, core: Sequence[str] = ()) -> Verdict | None:
    """The verdict of a claim made of parts, each holding (True), failing (False) or undetermined (None).

    Not supported if a core part fails; inconclusive (None) if a core part is
    undetermined; otherwise supported if every part holds, not supported if
    every part fails, partly supported if some hold and some fail (whatever
    the undetermined ones turn out to be), and inconclusive (None) if the
    undetermined parts could still change the verdict.
    """
    if not parts:
        raise ValueError("parts must not be empty")
    unknown = [c for c in core if c not in parts]
    if unknown:
        raise ValueError(f"core names parts that do not exist: {unknown}")
    if any(parts[c] is False for c in core):
        return Verdict.NOT_SUPPORTED
    if any(parts[c] is None for c in core):
        return None
    values = list(parts.values())
    if True in values and False in values:
        return Verdict.PARTLY
    if None in values:
        return None
    return Verdict.SUPPORTED if all(values) else Verdict.NOT_SUPPORTED


def _judge(parts: dict, details: dict, *, core: Sequence[str] = (), power: float = math.nan) -> Judgement:
    """A Judgement from parts, with a reason listing each part, its state and its numbers."""
    verdict = conjoin(parts, core=core)
    reason = "; ".join(f"{name} {_state(parts[name])} ({details[name]})" for name in parts)
    if verdict is None:
        return Judgement(Verdict.INCONCLUSIVE, reason, power)
    return Judgement(verdict, reason)


def _fraction_part(counts: Mapping, threshold: float, what: str) -> tuple[bool | None, str, list[int]]:
    """A part that needs every count established above ``threshold``; the sizes of the undetermined ones."""
    sides = {key: fraction_side(c, threshold) for key, c in counts.items()}
    value = False if False in sides.values() else (None if None in sides.values() else True)
    detail = ", ".join(f"{what}{key}: {_frac(c)}" for key, c in counts.items())
    return value, detail, [counts[key].n for key, s in sides.items() if s is None]


def _power(sizes: list[int], threshold: float) -> float:
    return min((fraction_power(n, threshold) for n in sizes), default=math.nan)


def _above(value, threshold: float) -> bool | None:
    """value > threshold: decided on an interval's ends, or on a number."""
    if hasattr(value, "low"):
        return True if value.low > threshold else (False if value.high <= threshold else None)
    return value > threshold


def _below(value, threshold: float) -> bool | None:
    """value < threshold: decided on an interval's ends, or on a number."""
    if hasattr(value, "low"):
        return True if value.high < threshold else (False if value.low >= threshold else None)
    return value < threshold


def _show(value) -> str:
    if hasattr(value, "low"):
        return f"{getattr(value, 'estimate', math.nan):.3g} [{value.low:.3g}, {value.high:.3g}]"
    return f"{value:.3g}"


def _at(mapping: Mapping, key: float, name: str):
    """The entry of ``mapping`` (keyed by floats) at ``key``."""
    for k, v in mapping.items():
        if math.isclose(float(k), key, rel_tol=1e-9, abs_tol=1e-12):
            return v
    raise ValueError(f"{name} has no entry at {key:g}; it has {sorted(float(k) for k in mapping)}")


def _check_majority(majority) -> float:
    return _check_real("majority", majority, minimum=0.0, maximum=1.0)


def rule_learns(*, seed0_error, converged, max_error: float = 0.01, majority: float = 0.5) -> Judgement:
    """Claim 1: the network learns the task, the shipped network (the paper's seed 0) and most seeds.

    The shipped networks were trained on another machine than the sweeps, so the
    sweeps' seed 0 is another network: the two parts are separate samples.

    Parts: *shipped network*, every shipped (seed-0) network's error rate (1 − accuracy) on a
    fresh stream is at most ``max_error``; *most seeds*, at every delay the
    fraction of seeds that converged within the budget is established above
    ``majority``.

    Parameters
    ----------
    seed0_error : mapping of int to float
        Delay to the error rate of the seed-0 network.
    converged : mapping of int to Count
        Delay to the seeds that converged.
    """
    errors = _check_delays("seed0_error", seed0_error, lambda n, v: _check_real(n, v, minimum=0.0, maximum=1.0))
    counts = _check_delays("converged", converged, _check_count)
    max_error, majority = _check_real("max_error", max_error, minimum=0.0), _check_majority(majority)
    seeds, seeds_text, sizes = _fraction_part(counts, majority, "Δt = ")
    parts = {"shipped network": all(e <= max_error for e in errors.values()), "most seeds": seeds}
    details = {
        "shipped network": ", ".join(f"error {format_percent(e)} at Δt = {d}" for d, e in errors.items())
        + f"; at most {format_percent(max_error)}",
        "most seeds": f"converged {seeds_text}",
    }
    return _judge(parts, details, power=_power(sizes, majority))


def _census_text(census: Mapping) -> str:
    return "{" + ", ".join(f"{k}: {census[k]}" for k in sorted(census)) + "}"


def _check_census(name: str, census) -> dict:
    def item(n, v):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{n} must be a count >= 0, got {v!r}")
        return int(v)

    out = _check_mapping(name, census, item)
    if any(isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or k < 0 for k in out):
        raise TypeError(f"{name} must be keyed by numbers of unstable modes (integers >= 0)")
    return {int(k): v for k, v in out.items()}


def rule_cube(*, seed0_census, cube, majority: float = 0.5) -> Judgement:
    """Claim 2: the undelayed network builds the 8/12/6/1 cube, the paper's network and most seeds.

    Parts: *shipped network*, the shipped (seed-0) network's census (fixed points by unstable modes) is
    exactly :data:`CUBE_CENSUS`; *most seeds*, the fraction of networks with
    that census is established above ``majority``.
    """
    census = _check_census("seed0_census", seed0_census)
    cube = _check_count("cube", cube)
    majority = _check_majority(majority)
    seeds = fraction_side(cube, majority)
    parts = {"shipped network": {k: v for k, v in census.items() if v} == CUBE_CENSUS, "most seeds": seeds}
    details = {"shipped network": f"census {_census_text(census)}", "most seeds": f"cube in {_frac(cube)}"}
    return _judge(parts, details, power=fraction_power(cube.n, majority) if seeds is None else math.nan)


def rule_delayed_census(*, seed0_census, eight_attractors, big_saddle, majority: float = 0.5) -> Judgement:
    """Claim 3: with delay the corner attractors persist and a point has more than three unstable modes.

    Parts: *shipped network*, its census has 8 attractors and a point with more than
    three unstable modes; *8 attractors*, the fraction of delayed networks
    with exactly eight attractors is established above ``majority``; *> 3
    modes*, likewise for a fixed point with more than three unstable modes.
    """
    census = _check_census("seed0_census", seed0_census)
    eight, big = _check_count("eight_attractors", eight_attractors), _check_count("big_saddle", big_saddle)
    majority = _check_majority(majority)
    s_eight, s_big = fraction_side(eight, majority), fraction_side(big, majority)
    occupied = [k for k, v in census.items() if v]
    parts = {
        "shipped network": census.get(0, 0) == 8 and max(occupied, default=0) > 3,
        "8 attractors": s_eight,
        "> 3 unstable modes": s_big,
    }
    details = {
        "shipped network": f"census {_census_text(census)}",
        "8 attractors": _frac(eight),
        "> 3 unstable modes": _frac(big),
    }
    sizes = [c.n for c, s in ((eight, s_eight), (big, s_big)) if s is None]
    return _judge(parts, details, power=_power(sizes, majority))


def fourier_like(changes: np.ndarray, max_drops: int = 0) -> bool:
    """Sign changes that fall from one component to the next at most ``max_drops`` times and grow overall."""
    return bool(np.count_nonzero(np.diff(changes) < 0) <= max_drops and changes[-1] > changes[0])


def rule_fourier(
    *, sign_changes, control_sign_changes, n_components: int = FIGURE_3C_COMPONENTS, max_drops: int = 2,
    majority: float = 0.5,
) -> Judgement:
    """Claim 4: the triggered average's components look like Fourier modes, and that shows oscillation.

    Measure: the number of sign changes of each principal component of the
    triggered average (component 1 first), over the first ``n_components``
    (the paper plots nine), or as many as given if fewer (at least 2), on
    each of several independent streams (a triggered average of a few dozen
    switches is noisy in its later components, so one stream can pass or fail
    by chance). "Fourier-like": the counts fall from one component to the
    next at most ``max_drops`` times and the last exceeds the first
    ("increasingly rapid oscillations"); the default allows a few falls (the
    trend reading), :func:`rule_fourier_strict` none.

    Parts: *pattern* (core), the fraction of streams on which the delayed
    network's components are Fourier-like is established above ``majority``
    (Wilson 95 %); *diagnostic*, a trajectory without rotations (the control,
    e.g. monotone steps, or a hand-built delay line) is not Fourier-like, so
    the pattern tells rotation from a mere spread of switching times. Pattern
    and control both Fourier-like: partly supported (the observation holds,
    its reading as oscillation does not follow).

    Parameters
    ----------
    sign_changes : array_like, shape (n_streams, n_pcs) or (n_pcs,)
        Per stream, the sign changes of each component; one row is one stream.
    control_sign_changes : array_like, shape (n_pcs,)
    """
    net = np.asarray(sign_changes, dtype=object)
    net = _check_array("sign_changes", sign_changes, ndim=1 if net.ndim == 1 else 2)
    net = np.atleast_2d(net)
    ctrl = _check_array("control_sign_changes", control_sign_changes)
    for name, value, low in (("n_components", n_components, 2), ("max_drops", max_drops, 0)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
        if value < low:
            raise ValueError(f"{name} must be >= {low}, got {value}")
    majority = _check_majority(majority)
    if net.ndim != 2 or net.shape[1] < 2 or np.any(net < 0):
        raise ValueError("sign_changes must hold at least 2 counts >= 0 per stream, as (n_streams, n_pcs)")
    if ctrl.ndim != 1 or ctrl.size < 2 or np.any(ctrl < 0):
        raise ValueError("control_sign_changes must hold at least 2 counts >= 0")
    k = min(int(n_components), net.shape[1], ctrl.size)
    count = Count(sum(fourier_like(row[:k], max_drops) for row in net), net.shape[0])
    pattern = fraction_side(count, majority)
    parts = {"pattern": pattern, "diagnostic": not fourier_like(ctrl[:k], max_drops)}
    falls = "never falling" if max_drops == 0 else f"falling at most {max_drops}×"
    details = {
        "pattern": f"sign changes of PC1–{k} rising, {falls}, on {_frac(count)} streams"
        + (f"; e.g. {net[0, :k].astype(int).tolist()}" if count.n == 1 else ""),
        "diagnostic": f"without rotations: {ctrl[:k].astype(int).tolist()}",
    }
    power = fraction_power(count.n, majority) if pattern is None else math.nan
    return _judge(parts, details, core=("pattern",), power=power)


def rule_fourier_strict(
    *, sign_changes, control_sign_changes, n_components: int = FIGURE_3C_COMPONENTS, majority: float = 0.5
) -> Judgement:
    """Claim 4, strict reading: :func:`rule_fourier` with no fall allowed (``max_drops = 0``)."""
    return rule_fourier(sign_changes=sign_changes, control_sign_changes=control_sign_changes,
                        n_components=n_components, max_drops=0, majority=majority)


def _radius_text(mapping: Mapping, what: str) -> str:
    return ", ".join(f"{what} at {1 + float(e):.4g} × bulk: {_frac(c)}" for e, c in sorted(mapping.items()))


def _check_by_excess(name: str, value) -> dict:
    out = _check_mapping(name, value, _check_count)
    for key in out:
        _check_real(f"{name} key", key, minimum=0.0)
    return out


def rule_undelayed_spectrum(*, seed0_outliers, seed0_min_modulus, pattern, outlier_excess: float = 0.25,
                            majority: float = 0.5) -> Judgement:
    """Claim 5: without delay only three eigenvalues of W leave the bulk, near-real and above 1.

    An eigenvalue is an outlier beyond (1 + ``outlier_excess``) times the
    bulk radius (the book's 1.25 × 1/√3); the counts are given at several
    excesses and the rule reads them at ``outlier_excess``.

    Parts: *shipped network*, three near-real outliers, no rotation pair, and the
    smallest real outlier above 1; *most seeds*, the fraction of networks
    with exactly three near-real outliers and no rotation pair is established
    above ``majority``.

    Parameters
    ----------
    seed0_outliers : mapping of float to (int, int)
        Outlier excess to the seed-0 network's (near-real outliers, rotation pairs).
    seed0_min_modulus : float
        Modulus of the seed-0 network's smallest near-real outlier.
    pattern : mapping of float to Count
        Outlier excess to the networks with exactly 3 near-real outliers and no rotation pair.
    """

    def pair(name, v):
        if not isinstance(v, (tuple, list)) or len(v) != 2:
            raise TypeError(f"{name} must be (near-real outliers, rotation pairs)")
        return tuple(int(_check_real(name, x, minimum=0)) for x in v)

    seed0 = _check_mapping("seed0_outliers", seed0_outliers, pair)
    modulus = _check_real("seed0_min_modulus", seed0_min_modulus, minimum=0.0)
    counts = _check_by_excess("pattern", pattern)
    excess = _check_real("outlier_excess", outlier_excess, minimum=0.0)
    majority = _check_majority(majority)
    n_real, n_rot = _at(seed0, excess, "seed0_outliers")
    here = _at(counts, excess, "pattern")
    seeds = fraction_side(here, majority)
    parts = {"shipped network": n_real == 3 and n_rot == 0 and modulus > 1.0, "most seeds": seeds}
    details = {
        "shipped network": f"{n_real} near-real outliers, {n_rot} rotation pairs, smallest modulus {modulus:.2f}",
        "most seeds": _radius_text(counts, "three real and no rotation"),
    }
    return _judge(parts, details, power=fraction_power(here.n, majority) if seeds is None else math.nan)


def rule_delayed_spectrum(*, rotations, three_real, outlier_excess: float = 0.25, majority: float = 0.5) -> Judgement:
    """Claim 6: with delay W gains rotation pairs, besides exactly three real outliers.

    Both counts depend on the outlier radius, (1 + ``outlier_excess``) times
    the bulk radius; they are given at several excesses, the rule reads them
    at ``outlier_excess`` and the reason reports them at every excess given.

    Parts: *rotations* (core), the fraction of delayed networks with at least
    one outlying rotation pair is established above ``majority``; *three
    real*, likewise for exactly three near-real outliers.
    """
    rot = _check_by_excess("rotations", rotations)
    real = _check_by_excess("three_real", three_real)
    excess = _check_real("outlier_excess", outlier_excess, minimum=0.0)
    majority = _check_majority(majority)
    rot_here, real_here = _at(rot, excess, "rotations"), _at(real, excess, "three_real")
    s_rot, s_real = fraction_side(rot_here, majority), fraction_side(real_here, majority)
    parts = {"rotations": s_rot, "three real": s_real}
    details = {"rotations": _radius_text(rot, "with rotations"), "three real": _radius_text(real, "exactly three")}
    sizes = [c.n for c, s in ((rot_here, s_rot), (real_here, s_real)) if s is None]
    return _judge(parts, details, core=("rotations",), power=_power(sizes, majority))


def rule_delay_limit(*, converged, rate: float) -> Judgement:
    """Claim 7: the N = 100 network cannot learn delays longer than the paper's 8.

    Measure: per delay, the fraction of seeds that converged within the
    budget, with its Wilson interval (never the longest delay any seed
    learned). Not supported if some delay beyond 8 is established as learned
    by more than ``rate`` of the seeds; supported if every delay beyond 8 is
    established as learned by fewer; inconclusive otherwise, or if no delay
    beyond 8 was tried.
    """
    counts = _check_delays("converged", converged, _check_count)
    rate = _check_real("rate", rate, minimum=0.0, maximum=1.0)
    beyond = {d: c for d, c in counts.items() if d > PAPER_DELAY}
    if not beyond:
        return Judgement(Verdict.INCONCLUSIVE, f"no delay beyond {PAPER_DELAY} was tried", 0.0)
    sides = {d: fraction_side(c, rate) for d, c in beyond.items()}
    text = ", ".join(f"Δt = {d}: {_frac(c)}" for d, c in beyond.items())
    above = [d for d, s in sides.items() if s is True]
    if above:
        text = f"learned by more than {format_percent(rate)} of seeds at Δt = {above} ({text})"
        return Judgement(Verdict.NOT_SUPPORTED, text)
    if all(s is False for s in sides.values()):
        text = f"every delay beyond {PAPER_DELAY} learned by fewer than {format_percent(rate)} of seeds ({text})"
        return Judgement(Verdict.SUPPORTED, text)
    open_ = [d for d, s in sides.items() if s is None]
    power = min(fraction_power(beyond[d].n, rate) for d in open_)
    text = f"undetermined at Δt = {open_} against {format_percent(rate)} ({text})"
    return Judgement(Verdict.INCONCLUSIVE, text, power)


def rule_construction(*, built_error, scratch, max_error: float = 0.005, majority: float = 0.5) -> Judgement:
    """Claim 8, representation: do N = 100 weights exist for delays that training from scratch fails?

    The delays at which training from scratch clearly fails are those whose
    success fraction is established below ``majority``. Not supported
    (capacity is not the limit) if a hand-built N = 100 network has an error
    rate of at most ``max_error`` at such a delay or a longer one. A
    construction that fails proves nothing, so this reading can refute the
    claim but not support it: inconclusive (power 0) otherwise.
    """
    errors = _check_delays("built_error", built_error, lambda n, v: _check_real(n, v, minimum=0.0, maximum=1.0))
    counts = _check_delays("scratch", scratch, _check_count)
    max_error, majority = _check_real("max_error", max_error, minimum=0.0), _check_majority(majority)
    failing = [d for d, c in counts.items() if fraction_side(c, majority) is False]
    solved = [d for d, e in errors.items() if e <= max_error]
    built = ", ".join(f"error {format_percent(e)} at Δt = {d}" for d, e in errors.items())
    if not failing:
        return Judgement(Verdict.INCONCLUSIVE, f"no delay at which training from scratch clearly fails ({built})", 0.0)
    first = min(failing)
    text = f"training from scratch fails at Δt = {first} ({_frac(counts[first])}); hand-built: {built}"
    if any(d >= first for d in solved):
        return Judgement(Verdict.NOT_SUPPORTED, text)
    return Judgement(Verdict.INCONCLUSIVE, text + "; no construction reaches that delay", 0.0)


def rule_recipes(*, scratch, recipes, majority: float = 0.5) -> Judgement:
    """Claim 8, training: do other recipes at N = 100 learn delays at which training from scratch fails?

    At every delay where the success fraction from scratch is established
    below ``majority``, each recipe's success fraction (e.g. a curriculum's
    ladders that reached the delay, or runs with a larger budget) is compared
    with ``majority``. Not supported if some recipe is established above it
    there (the same network learns the delay by another route); supported if
    every recipe is established below it at every such delay; inconclusive
    otherwise, or if training from scratch clearly fails nowhere.

    Parameters
    ----------
    scratch : mapping of int to Count
    recipes : mapping of str to (mapping of int to Count)
        Recipe name to its successes per delay; delays it did not try are left out.
    """
    counts = _check_delays("scratch", scratch, _check_count)
    other = _check_mapping("recipes", recipes, lambda n, v: _check_delays(n, v, _check_count))
    majority = _check_majority(majority)
    failing = [d for d, c in counts.items() if fraction_side(c, majority) is False]
    if not failing:
        return Judgement(Verdict.INCONCLUSIVE, "no delay at which training from scratch clearly fails", 0.0)
    compared = {(r, d): c for r, per in other.items() for d, c in per.items() if d in failing}
    if not compared:
        return Judgement(Verdict.INCONCLUSIVE, f"no recipe tried the failing delays {failing}", 0.0)
    sides = {key: fraction_side(c, majority) for key, c in compared.items()}
    text = "; ".join(f"{r} at Δt = {d}: {_frac(c)} (from scratch {_frac(counts[d])})" for (r, d), c in compared.items())
    if any(s is True for s in sides.values()):
        return Judgement(Verdict.NOT_SUPPORTED, text)
    if all(s is False for s in sides.values()):
        return Judgement(Verdict.SUPPORTED, text)
    power = min(fraction_power(compared[key].n, majority) for key, s in sides.items() if s is None)
    return Judgement(Verdict.INCONCLUSIVE, text, power)


def rule_recipe_trains(*, converged, majority: float = 0.5) -> Judgement:
    """Claim 9: the paper's recipe (10-step truncated BPTT, Adam) trains the undelayed and the delayed network.

    Parts, one per delay 0 and :data:`PAPER_DELAY`: the fraction of seeds
    that converged within the budget is established above ``majority``.
    """
    counts = _check_delays("converged", converged, _check_count)
    majority = _check_majority(majority)
    missing = [d for d in (0, PAPER_DELAY) if d not in counts]
    if missing:
        raise ValueError(f"converged must hold the delays 0 and {PAPER_DELAY}, missing {missing}")
    parts, details, sizes = {}, {}, []
    for d in (0, PAPER_DELAY):
        side = fraction_side(counts[d], majority)
        parts[f"Δt = {d}"], details[f"Δt = {d}"] = side, _frac(counts[d])
        if side is None:
            sizes.append(counts[d].n)
    return _judge(parts, details, power=_power(sizes, majority))


def rule_paired_speedup(*, pairs, alpha: float = 0.05, effect: float = 0.25) -> Judgement:
    """Claim 10: initialising with transverse rotations makes training faster (a conjecture).

    Measure, per delay: the pairs (same seed, both initialisations) in which
    the rotational start did better, worse, or tied (:func:`paired_signs`;
    pairs censored in both arms are ties and carry no information). Test: the
    exact two-sided sign test over the untied pairs, at ``alpha`` divided by
    the number of delays with untied pairs (Bonferroni), with the exact
    (Clopper–Pearson) interval of π, the chance that a pair favours the
    rotational start, at the same level. The smallest effect of interest is
    π = ½ + ``effect`` (3 pairs in 4 at the default).

    Supported if π is established above ½ at some delay and below ½ at none;
    partly supported if it is above at some delays and below at others; not
    supported if it is established below ½ somewhere and above nowhere, or if
    at every delay the interval excludes the effect of interest; otherwise
    inconclusive, with the sign test's power to detect that effect (the
    largest over the delays, each stated in the reason).

    Parameters
    ----------
    pairs : mapping of int to Pairs
        Delay to (rotational better, worse, tied).
    """
    counts = _check_delays("pairs", pairs, _check_pairs)
    alpha = _check_real("alpha", alpha, minimum=0.0, maximum=1.0)
    effect = _check_real("effect", effect, minimum=0.0, maximum=0.5)
    informative = {d: p for d, p in counts.items() if p.faster + p.slower}
    if not informative:
        return Judgement(Verdict.INCONCLUSIVE, "every pair is tied (censored in both arms): nothing measured", 0.0)
    level = alpha / len(informative)
    target = 0.5 + effect
    faster, slower, excluded, parts, powers = [], [], [], [], {}
    for d, p in informative.items():
        m = p.faster + p.slower
        ci = _st.binomtest(p.faster, m).proportion_ci(confidence_level=1 - level, method="exact")
        if ci.low > 0.5:
            faster.append(d)
        if ci.high < 0.5:
            slower.append(d)
        if ci.high < target:
            excluded.append(d)
        powers[d] = sign_test_power(m, target, level)
        parts.append(f"Δt = {d}: better in {p.faster}, worse in {p.slower}, tied {p.tied}, π in "
                     f"[{ci.low:.2f}, {ci.high:.2f}], sign-test p = {_sign_p(p.faster, m):.2g}, "
                     f"power {format_percent(powers[d])} at π = {target:.2f}")
    text = f"{'; '.join(parts)} (α = {alpha:g} over {len(informative)} delays)"
    if faster and not slower:
        return Judgement(Verdict.SUPPORTED, text)
    if faster and slower:
        return Judgement(Verdict.PARTLY, text)
    if slower or len(excluded) == len(informative):
        return Judgement(Verdict.NOT_SUPPORTED, text)
    return Judgement(Verdict.INCONCLUSIVE, text, max(powers.values()))


def rule_loops(*, overshoot, min_loop: float = 0.05, vanish_ratio: float = 0.5) -> Judgement:
    """Claim 11: loops stick out of the corners at Δt = 0 and vanish with delay.

    Measure: a relative overshoot per delay (a number, e.g. a median over
    networks or over pulses, or an :class:`Interval`, decided on its ends).
    Parts: *loops* (core), the Δt = 0 overshoot exceeds ``min_loop``;
    *vanish*, the Δt = 8 overshoot is below ``vanish_ratio`` times the Δt = 0
    one.

    Parameters
    ----------
    overshoot : mapping of int to float or Interval
        Delay to the overshoot; must hold 0 and :data:`PAPER_DELAY`.
    """
    values = _check_delays("overshoot", overshoot, _check_value)
    min_loop = _check_real("min_loop", min_loop, minimum=0.0)
    ratio = _check_real("vanish_ratio", vanish_ratio, minimum=0.0)
    missing = [d for d in (0, PAPER_DELAY) if d not in values]
    if missing:
        raise ValueError(f"overshoot must hold the delays 0 and {PAPER_DELAY}, missing {missing}")
    at0, at8 = values[0], values[PAPER_DELAY]
    if hasattr(at0, "low") or hasattr(at8, "low"):
        hi8 = at8.high if hasattr(at8, "low") else at8
        lo8 = at8.low if hasattr(at8, "low") else at8
        lo0 = at0.low if hasattr(at0, "low") else at0
        hi0 = at0.high if hasattr(at0, "low") else at0
        vanish = True if hi8 < ratio * lo0 else (False if lo8 >= ratio * hi0 else None)
    else:
        vanish = at8 < ratio * at0
    parts = {"loops": _above(at0, min_loop), "vanish": vanish}
    details = {
        "loops": f"Δt = 0: {_show(at0)} against {min_loop:g}",
        "vanish": f"Δt = {PAPER_DELAY}: {_show(at8)} against {ratio:g} × Δt = 0",
    }
    return _judge(parts, details, core=("loops",))


def rule_invisible(*, visibility, max_visibility: float = 0.1) -> Judgement:
    """Claim 12, readout readings: the pulse moves the output by less than ``max_visibility`` of a switch.

    Measure: the largest move of the output (linear readout W_out s, or the
    tanh output Y) in the steps before Δt has elapsed, relative to the move of
    the switch itself; a number (e.g. the median over the delayed networks)
    or an :class:`Interval`. Supported if it is below ``max_visibility``.
    """
    value = _check_value("visibility", visibility)
    limit = _check_real("max_visibility", max_visibility, minimum=0.0)
    return _judge({"invisible": _below(value, limit)}, {"invisible": f"{_show(value)} against {limit:g}"})


def rule_share(*, share, null_share, max_ratio: float = 1.0) -> Judgement:
    """Claim 12, subspace reading: the excursion during the delay avoids the output space.

    Measure: the share of the state's excursion during the delay that lies in
    span(W_out), against the same share for random subspaces of the same
    dimension (``null_share``). Supported if the ratio share / null_share is
    below ``max_ratio`` (the excursion enters the output space no more than a
    random subspace would).
    """
    value = _check_value("share", share)
    null = _check_real("null_share", null_share, minimum=0.0)
    if null == 0:
        raise ValueError("null_share must be > 0")
    limit = _check_real("max_ratio", max_ratio, minimum=0.0)
    if hasattr(value, "low"):
        ratio = Interval(getattr(value, "estimate", math.nan) / null, value.low / null, value.high / null,
                         getattr(value, "coverage", math.nan), getattr(value, "method", ""), getattr(value, "n", 0))
    else:
        ratio = value / null
    return _judge({"avoids W_out": _below(ratio, limit)},
                  {"avoids W_out": f"share {_show(value)} / random {null:.3g} = {_show(ratio)} against {limit:g}"})


def rule_orthogonal(*, p_more, p_less, alpha: float = 0.05, majority: float = 0.5) -> Judgement:
    """Claim 13: the rotation planes are orthogonal to the separatrices, against a null of random planes.

    Measure, per network: one-sided p-values that its planes are more
    (``p_more``) or less (``p_less``) orthogonal to the reference than random
    planes are. Supported if the fraction of networks more orthogonal at
    ``alpha`` is established above ``majority``; not supported if the
    fraction less orthogonal is; partly supported if both fractions are
    established below it (in most networks the planes look like random ones,
    which in high dimension are nearly orthogonal anyway); inconclusive
    otherwise (e.g. too few networks).
    """
    more_p = _check_array("p_more", p_more)
    less_p = _check_array("p_less", p_less)
    if more_p.shape != less_p.shape:
        raise ValueError(f"p_less must have shape {more_p.shape} to match p_more, got {less_p.shape}")
    if np.any((more_p < 0) | (more_p > 1) | (less_p < 0) | (less_p > 1)):
        raise ValueError("p_more and p_less must hold p-values in [0, 1]")
    alpha = _check_real("alpha", alpha, minimum=0.0, maximum=1.0)
    majority = _check_majority(majority)
    n = more_p.size
    if n == 0:
        return Judgement(Verdict.INCONCLUSIVE, "no network with rotation planes", 0.0)
    more, less = Count(int(np.sum(more_p < alpha)), n), Count(int(np.sum(less_p < alpha)), n)
    s_more, s_less = fraction_side(more, majority), fraction_side(less, majority)
    text = f"more orthogonal than random in {_frac(more)}, less in {_frac(less)} (p < {alpha:g})"
    if s_more is True and s_less is not True:
        return Judgement(Verdict.SUPPORTED, text)
    if s_less is True and s_more is not True:
        return Judgement(Verdict.NOT_SUPPORTED, text)
    if s_more is False and s_less is False:
        return Judgement(Verdict.PARTLY, text + ": indistinguishable from random planes in most networks")
    return Judgement(Verdict.INCONCLUSIVE, text, fraction_power(n, majority))


def _timing(delay, edit_latency, control_latency, early_fraction, majority):
    """The timing part of claim 14: the edit switches early in most networks, the control in few."""
    if isinstance(delay, (bool, np.bool_)) or not isinstance(delay, (int, np.integer)) or delay < 1:
        raise ValueError(f"delay must be an integer >= 1, got {delay!r}")
    delay = int(delay)
    edit = _check_array("edit_latency", edit_latency, allow_nan=True)
    control = _check_array("control_latency", control_latency, allow_nan=True)
    fraction = _check_real("early_fraction", early_fraction, minimum=0.0, maximum=1.0)
    cutoff = (1 - fraction) * delay
    # A NaN latency (every switch censored: the output never switched) is not early.
    early = Count(int(np.sum(edit <= cutoff)), edit.size)
    control_early = Count(int(np.sum(control <= cutoff)), control.size)
    s_edit, s_control = fraction_side(early, majority), fraction_side(control_early, majority)
    value = True if (s_edit is True and s_control is False) else (
        False if (s_edit is False or s_control is True) else None)
    detail = f"latency <= {cutoff:g} of Δt = {delay} in {_frac(early)}, control {_frac(control_early)}"
    sizes = [c.n for c, s in ((early, s_edit), (control_early, s_control)) if s is None]
    return value, detail, sizes


def rule_ablation_storage(*, delay, edit_latency, control_latency, attractors_kept, early_fraction: float = 0.25,
                          majority: float = 0.5) -> Judgement:
    """Claim 14, storage reading: without its rotations the network keeps its attractors but switches early.

    Parts: *timing* (core), the edited network's median switch latency (over
    flips whose output held the old sign before the pulse) is at most
    (1 − ``early_fraction``) × Δt in a fraction of networks established above
    ``majority``, and the control edit (as many bulk pairs removed) in a
    fraction established below it; *memory*, the fraction of edited networks
    that keep every attractor (census seeded from the intact network's
    points) is established above ``majority``.
    """
    majority = _check_majority(majority)
    timing, t_text, sizes = _timing(delay, edit_latency, control_latency, early_fraction, majority)
    kept = _check_array("attractors_kept", attractors_kept, dtype=bool)
    count = Count(int(kept.sum()), kept.size)
    memory = fraction_side(count, majority)
    sizes += [count.n] if memory is None else []
    details = {"timing": t_text, "memory": f"attractors kept in {_frac(count)}"}
    return _judge({"timing": timing, "memory": memory}, details, core=("timing",), power=_power(sizes, majority))


def rule_ablation_writing(*, delay, edit_latency, control_latency, write_failures, early_fraction: float = 0.25,
                          max_write_failure: float = 0.05, majority: float = 0.5) -> Judgement:
    """Claim 14, writing reading: without its rotations the network still writes its bits but switches early.

    Parts: *timing* as in :func:`rule_ablation_storage`; *memory*, the
    fraction of edited networks in which at most ``max_write_failure`` of the
    isolated pulses fail to land on the right corner is established above
    ``majority``.
    """
    majority = _check_majority(majority)
    timing, t_text, sizes = _timing(delay, edit_latency, control_latency, early_fraction, majority)
    failures = _check_array("write_failures", write_failures)
    if np.any((failures < 0) | (failures > 1)):
        raise ValueError("write_failures must hold fractions in [0, 1]")
    limit = _check_real("max_write_failure", max_write_failure, minimum=0.0, maximum=1.0)
    count = Count(int(np.sum(failures <= limit)), failures.size)
    memory = fraction_side(count, majority)
    sizes += [count.n] if memory is None else []
    detail = f"at most {format_percent(limit)} failed writes in {_frac(count)}"
    return _judge({"timing": timing, "memory": memory}, {"timing": t_text, "memory": detail}, core=("timing",),
                  power=_power(sizes, majority))


def rule_ablation_accuracy(*, delay, edit_latency, control_latency, undelayed_edit, undelayed_intact,
                           early_fraction: float = 0.25, max_drop: float = 0.05, majority: float = 0.5) -> Judgement:
    """Claim 14, accuracy reading: without its rotations the network scores the undelayed target but switches early.

    Parts: *timing* as in :func:`rule_ablation_storage`; *memory*, the
    fraction of networks whose edited version's accuracy against the
    undelayed target is at most ``max_drop`` below the intact network's is
    established above ``majority``.
    """
    majority = _check_majority(majority)
    timing, t_text, sizes = _timing(delay, edit_latency, control_latency, early_fraction, majority)
    edit = _check_array("undelayed_edit", undelayed_edit)
    intact = _check_array("undelayed_intact", undelayed_intact)
    if edit.shape != intact.shape:
        raise ValueError(f"undelayed_intact must have shape {edit.shape} to match undelayed_edit, got {intact.shape}")
    drop = _check_real("max_drop", max_drop, minimum=0.0, maximum=1.0)
    count = Count(int(np.sum(intact - edit <= drop)), edit.size)
    memory = fraction_side(count, majority)
    sizes += [count.n] if memory is None else []
    detail = f"undelayed accuracy within {drop:g} of intact in {_frac(count)}"
    return _judge({"timing": timing, "memory": memory}, {"timing": t_text, "memory": detail}, core=("timing",),
                  power=_power(sizes, majority))


# ============================================================================= claims


@dataclass(frozen=True)
class Threshold:
    """A number a rule compares a measure with.

    ``integer`` thresholds are rounded (and kept >= 1) when
    :func:`sensitivity` scales them; ``maximum`` caps a scaled value (e.g. a
    fraction at 1).
    """

    value: float
    meaning: str
    integer: bool = False
    maximum: float | None = None

    def scaled(self, scale: float):
        value = self.value * scale
        if self.maximum is not None:
            value = min(value, self.maximum)
        return max(1, round(value)) if self.integer else value


@dataclass(frozen=True)
class Reading:
    """One way to understand a claim, with its measure, thresholds and rule.

    Attributes
    ----------
    name : str
    measure : str
        What is measured, in words.
    rule_text : str
        The rule, in words (the docstring of ``rule`` has the details).
    rule : callable
        Keyword-only arguments: the measured inputs and the thresholds; returns a Judgement.
    inputs : mapping of str to str
        Rule argument to the key of the measured inputs that feeds it.
    thresholds : mapping of str to Threshold
        Rule argument to its threshold (the rule's default).
    chapter : str
        Doc name of the chapter with this reading's evidence, if not the claim's.
    """

    name: str
    measure: str
    rule_text: str
    rule: Callable[..., Judgement]
    inputs: Mapping[str, str]
    thresholds: Mapping[str, Threshold] = field(default_factory=dict)
    chapter: str = ""

    def judge(self, measured: Mapping, scale: Mapping[str, float] | None = None) -> Judgement:
        """The reading's judgement of ``measured``; thresholds times ``scale`` (threshold name to factor)."""
        missing = [key for key in self.inputs.values() if key not in measured or measured[key] is None]
        if missing:
            return Judgement(Verdict.INCONCLUSIVE, f"not measured: {', '.join(missing)}", 0.0)
        scale = scale or {}
        kwargs = {arg: measured[key] for arg, key in self.inputs.items()}
        kwargs.update({name: t.scaled(scale.get(name, 1.0)) for name, t in self.thresholds.items()})
        return self.rule(**kwargs)


@dataclass(frozen=True)
class Claim:
    """A claim of the paper as the book judges it.

    Attributes
    ----------
    number : int
        Its row in the book's claims table (one numbering for the whole book).
    title : str
    quote : str
        The paper's sentence(s), verbatim; several are joined by " […] ".
    section : str
        Where in the paper, e.g. ``"Sec. 4, Fig. 2b"``.
    chapter : str
        Doc name of the chapter that shows the evidence.
    readings : tuple of Reading
    note : str
        What the claims table should say beside the verdict (corrections of
        earlier wording, caveats).
    """

    number: int
    title: str
    quote: str
    section: str
    chapter: str
    readings: tuple
    note: str = ""

    @property
    def thresholds(self) -> dict:
        """Every threshold of every reading, by name (readings share a name only with the same meaning)."""
        out = {}
        for reading in self.readings:
            out.update(reading.thresholds)
        return out

    def reading(self, name: str) -> Reading:
        for r in self.readings:
            if r.name == name:
                return r
        raise KeyError(f"claim {self.number} has no reading {name!r}; it has {[r.name for r in self.readings]}")


def _t(value, meaning, **kw) -> Threshold:
    return Threshold(value, meaning, **kw)


_MAJORITY = _t(0.5, "fraction of networks that must be established (Wilson 95 % interval) to have the property",
               maximum=1.0)
_TIMING = ("timing: median latency over flips that held the old sign, early if at most (1 − early_fraction) × Δt, "
           "in most edited networks and few controls")

CLAIMS = (
    Claim(
        1,
        "A discrete-time tanh RNN (N = 100) learns the 3-bit flip-flop, with and without Δt = 8",
        "While the original study (i.e., Sussillo & Barak, 2013) used continuous time, we used a discrete-time "
        "network and trained it with standard optimization algorithms.",
        "Sec. 2; Sec. 3–4",
        "seeds",
        (
            Reading(
                "learns",
                "error rate of the shipped seed-0 networks (one minus the canonical accuracy); fraction of seeds "
                "converged within the budget, per delay",
                "supported if both shipped networks err at most max_error and most seeds converge at each delay",
                rule_learns,
                {"seed0_error": "seed0_error", "converged": "converged"},
                {"max_error": _t(0.01, "largest error rate of a network that learned"), "majority": _MAJORITY},
            ),
        ),
    ),
    Claim(
        2,
        "Δt = 0: 8 attractors at the corners of a cube, saddles with 1/2/3 unstable modes on edges/faces/centre",
        "The slow point analysis also revealed attractors at the corners of the cube described by the path of the "
        "states, saddle points with one unstable dimension on the edges, saddle points with two unstable dimensions "
        "on the faces and a saddle point with three unstable dimensions at the center.",
        "Sec. 4, Fig. 2a, Fig. 6a",
        "cube",
        (
            Reading(
                "census",
                "fixed points by number of unstable modes (|λ| > 1.01), the shipped network and over seeds",
                "supported if the shipped network has the 8/12/6/1 census and most seeds do",
                rule_cube,
                {"seed0_census": "seed0_census", "cube": "cube"},
                {"majority": _MAJORITY},
            ),
        ),
    ),
    Claim(
        3,
        "Δt = 8: the corner attractors persist; some fixed points have more than 3 unstable modes",
        "The position of the \"corner\" attractors is fairly similar to that of the zero-delay case. […] There are "
        "now slow points with more than three unstable dimensions.",
        "Sec. 4, Fig. 2b, Fig. 6b",
        "delayed",
        (
            Reading(
                "census",
                "attractors and the most unstable fixed point, the shipped network and over seeds",
                "supported if the shipped network and most seeds have 8 attractors and a point with more than 3 "
                "unstable modes",
                rule_delayed_census,
                {"seed0_census": "seed0_census", "eight_attractors": "eight_attractors", "big_saddle": "big_saddle"},
                {"majority": _MAJORITY},
            ),
        ),
        note="The count of saddles with 1, 2, 3 or 5 modes depends on the margin around the unit circle; only the "
        "8 attractors and the existence of a point with more than 3 modes survive every margin.",
    ),
    Claim(
        4,
        "The triggered average of (−1,−1,−1) → (−1,−1,+1) shows Fourier-like oscillations",
        "In figure 3c, we see a decomposition akin to Fourier modes of a step function, with increasingly rapid "
        "oscillations occurring in one forth of a period phase shifted pairs.",
        "Sec. 5, Fig. 3b, Fig. 3c",
        "delayed",
        (
            Reading(
                "strict",
                "sign changes of the principal components of the triggered average (Δt = 8) on each canonical "
                "stream, against a trajectory without rotations (monotone steps)",
                "supported if on most streams the counts rise and never fall from one component to the next, "
                "and the control's do not; partly if both do",
                rule_fourier_strict,
                {"sign_changes": "sign_changes", "control_sign_changes": "control_sign_changes"},
                {"n_components": _t(FIGURE_3C_COMPONENTS, "components compared (the paper plots nine)", integer=True),
                 "majority": _t(0.5, "fraction of streams that must be established (Wilson 95 % interval) to show "
                                "the pattern", maximum=1.0)},
            ),
            Reading(
                "trend",
                "as the strict reading, but the counts may fall a few times between neighbouring components",
                "supported if on most streams the counts rise overall, falling at most max_drops times, and the "
                "control's do not; partly if both do",
                rule_fourier,
                {"sign_changes": "sign_changes", "control_sign_changes": "control_sign_changes"},
                {"n_components": _t(FIGURE_3C_COMPONENTS, "components compared (the paper plots nine)", integer=True),
                 "max_drops": _t(2, "falls allowed between neighbouring components", integer=True),
                 "majority": _t(0.5, "fraction of streams that must be established (Wilson 95 % interval) to show "
                                "the pattern", maximum=1.0)},
            ),
        ),
        note="The paper plots nine components (Fig. 3c); it does not say that nine are needed. The quadrature "
        "pairs are not tested.",
    ),
    Claim(
        5,
        "Δt = 0: only three eigenvalues of W leave the random bulk, on or near the real axis, above 1",
        "For comparison, the network without delay has only three eigenvalues that distinguish themselves from the "
        "random cloud around zero, which is expected from random Gaussian matrices. These are on or close to the "
        "real axis, and slightly higher than one.",
        "Sec. 5, Fig. 4 (left)",
        "spectra",
        (
            Reading(
                "outliers",
                "near-real outliers and rotation pairs of W beyond (1 + outlier_excess) × bulk radius, the shipped "
                "network and over seeds",
                "supported if the shipped network and most seeds have exactly 3 near-real outliers and no rotation "
                "pair",
                rule_undelayed_spectrum,
                {"seed0_outliers": "seed0_outliers", "seed0_min_modulus": "seed0_min_modulus",
                 "pattern": "pattern"},
                {"outlier_excess": _t(0.25, "outlier radius beyond the bulk radius, as a fraction of it"),
                 "majority": _MAJORITY},
            ),
        ),
        note="\"Slightly higher than one\": the judgement gives the smallest outlier's modulus, which the paper's "
        "words put just above 1.",
    ),
    Claim(
        6,
        "Δt = 8: W gains eigenvalues with large imaginary parts besides three real ones",
        "In the delayed network, the rotating dynamics are clearly indicated by eigenvalues with large imaginary "
        "parts, in addition to the three real eigenvalues corresponding to the long term memory subspace.",
        "Sec. 5, Fig. 4 (right)",
        "spectra",
        (
            Reading(
                "outliers",
                "networks with an outlying rotation pair, and with exactly three near-real outliers, at each outlier "
                "radius",
                "supported if most networks have rotations and exactly three real outliers; partly if only rotations",
                rule_delayed_spectrum,
                {"rotations": "rotations", "three_real": "three_real"},
                {"outlier_excess": _t(0.25, "outlier radius beyond the bulk radius, as a fraction of it"),
                 "majority": _MAJORITY},
                chapter="seeds",
            ),
        ),
        note="\"Exactly three real\" depends on the outlier radius; the reason gives the count at each radius.",
    ),
    Claim(
        7,
        "The N = 100 network could not perform the task for delays longer than 8",
        "(it could not perform the task for longer delays)",
        "App. B, Fig. 6b caption",
        "delay_sweep",
        (
            Reading(
                "most seeds",
                "fraction of N = 100 seeds converged within the budget at each delay beyond 8 (Wilson interval)",
                "not supported if a delay beyond 8 is learned by most seeds; supported if every one by few",
                rule_delay_limit,
                {"converged": "converged"},
                {"rate": _t(0.5, "fraction of seeds that must learn a delay", maximum=1.0)},
            ),
            Reading(
                "some seeds",
                "the same fractions, against a small rate: can a network of this size and recipe learn it at all?",
                "not supported if a delay beyond 8 is learned by more than rate of the seeds; supported if every one "
                "by fewer",
                rule_delay_limit,
                {"converged": "converged"},
                {"rate": _t(0.1, "fraction of seeds that must learn a delay", maximum=1.0)},
            ),
        ),
        note="No verdict rests on the longest delay any seed learned; each delay's success fraction carries its "
        "interval.",
    ),
    Claim(
        8,
        "The limit is one of capacity: the N = 100 network's capacity is stretched at Δt = 8",
        "We posit that this is a result of the networks' capacity being stretched to the limit",
        "App. B, Fig. 6b caption",
        "capacity",
        (
            Reading(
                "representation",
                "error rate of hand-built N = 100 networks (frozen seed-0 W_in) at delays where training from "
                "scratch clearly fails",
                "not supported if a hand-built network solves such a delay; this reading cannot support the claim",
                rule_construction,
                {"built_error": "built_error", "scratch": "scratch"},
                {"max_error": _t(0.005, "largest error rate of a network that solves the task"),
                 "majority": _MAJORITY},
            ),
            Reading(
                "training",
                "success fraction of other recipes at N = 100 (curriculum, larger budget) at delays where training "
                "from scratch clearly fails",
                "not supported if some recipe learns such a delay in most runs; supported if none does",
                rule_recipes,
                {"scratch": "scratch", "recipes": "recipes"},
                {"majority": _MAJORITY},
            ),
        ),
    ),
    Claim(
        9,
        "Training: unfold 10 steps back in time with Adam (TBPTT-10)",
        "For training, we unfold the network in time, up to ten timesteps, and use the standard Adam (Kingma & Ba, "
        "2014) optimization algorithm.",
        "Sec. 2, App. A",
        "training",
        (
            Reading(
                "rate over all channels",
                "fraction of seeds trained by TBPTT-10 within the budget, at Δt = 0 and 8, one Poisson process of "
                "rate 1/50 over all channels",
                "supported if most seeds converge at both delays, partly if at one",
                rule_recipe_trains,
                {"converged": "tbptt_all"},
                {"majority": _MAJORITY},
                chapter="delay_sweep",
            ),
            Reading(
                "rate per channel",
                "the same, one process of rate 1/50 per channel (three times the pulses)",
                "supported if most seeds converge at both delays, partly if at one",
                rule_recipe_trains,
                {"converged": "tbptt_per_channel"},
                {"majority": _MAJORITY},
                chapter="delay_sweep",
            ),
        ),
    ),
    Claim(
        10,
        "Initialising with transverse rotations speeds up training (conjecture)",
        "It may be possible to leverage this geometric understanding for faster training by initializing networks "
        "in a way that promotes transverse rotations.",
        "Sec. 6",
        "rotation_init",
        (
            Reading(
                "updates",
                "signs of the paired differences in updates to criterion (rotational − paper), censoring honoured",
                "sign test per delay, Bonferroni over delays; inconclusive with its power unless the effect is "
                "excluded",
                rule_paired_speedup,
                {"pairs": "steps_pairs"},
                {"alpha": _t(0.05, "family-wise level of the sign tests", maximum=1.0),
                 "effect": _t(0.25, "smallest effect of interest: π − ½", maximum=0.5)},
            ),
            Reading(
                "convergence",
                "pairs in which only one arm converged within the budget (McNemar's exact test is the sign test on "
                "them)",
                "as for updates",
                rule_paired_speedup,
                {"pairs": "convergence_pairs"},
                {"alpha": _t(0.05, "family-wise level of the sign tests", maximum=1.0),
                 "effect": _t(0.25, "smallest effect of interest: π − ½", maximum=0.5)},
            ),
        ),
    ),
    Claim(
        11,
        "Loops protrude from the corners at Δt = 0 and vanish with delay",
        "One hint about the hidden dynamics implementing sequential recall is the \"loops\" protruding from the "
        "corners of the initial cube and disappearing with the addition of delay. […] overshooting the attractor "
        "assures that the correct output is expressed immediately after receiving the input",
        "Sec. 4, Fig. 2",
        "causal",
        (
            Reading(
                "switches",
                "how far a switch runs past its new corner along the switch direction, in units of the switch "
                "(loop_overshoot), median over networks",
                "supported if there are loops at Δt = 0 (above min_loop) and the Δt = 8 value is below vanish_ratio "
                "of it",
                rule_loops,
                {"overshoot": "overshoot_switch"},
                {"min_loop": _t(0.05, "smallest overshoot that counts as a loop"),
                 "vanish_ratio": _t(0.5, "the Δt = 8 overshoot must be below this fraction of the Δt = 0 one",
                                    maximum=1.0)},
            ),
            Reading(
                "repeats",
                "peak of the pulsed channel's readout after a pulse that repeats its current value, relative to its "
                "resting value, minus 1 (readout overshoot of pulse_responses)",
                "as for switches",
                rule_loops,
                {"overshoot": "overshoot_repeat"},
                {"min_loop": _t(0.05, "smallest overshoot that counts as a loop"),
                 "vanish_ratio": _t(0.5, "the Δt = 8 overshoot must be below this fraction of the Δt = 0 one",
                                    maximum=1.0)},
                chapter="delayed",
            ),
        ),
    ),
    Claim(
        12,
        "During the delay the input pulse is invisible in the output space",
        "However, in the delayed task, inputs have to be treated in a subspace orthogonal to the output space since "
        "no output change must be expressed before the delay has elapsed. This means that the input pulse is now "
        "invisible in the output space.",
        "Sec. 4",
        "causal",
        (
            Reading(
                "linear readout",
                "largest move of W_out s before Δt, relative to the switch (pulse_visibility), median over the "
                "delayed networks",
                "supported if below max_visibility",
                rule_invisible,
                {"visibility": "visibility_linear"},
                {"max_visibility": _t(0.1, "largest move, as a fraction of the switch, that counts as invisible")},
            ),
            Reading(
                "tanh output",
                "largest move of the output Y = tanh(W_out s) before Δt, relative to the switch",
                "supported if below max_visibility",
                rule_invisible,
                {"visibility": "visibility_tanh"},
                {"max_visibility": _t(0.1, "largest move, as a fraction of the switch, that counts as invisible")},
            ),
            Reading(
                "subspace",
                "share of the excursion during the delay in span(W_out), against random subspaces of its dimension",
                "supported if the ratio to the random share is below max_ratio",
                rule_share,
                {"share": "share", "null_share": "null_share"},
                {"max_ratio": _t(1.0, "largest ratio to a random subspace's share")},
            ),
        ),
    ),
    Claim(
        13,
        "The rotations occur in a subspace orthogonal to the separatrices of the attractors",
        "From the way the cube is flattened in figure 3b, we also conclude that the subspace where the rotational "
        "transformations are implemented is mostly orthogonal to the separatrices of the attractors corresponding "
        "to the different memorized outputs. […] Specifically, sequential recall is achieved by rotational dynamics "
        "localized around the origin, which occur in a subspace orthogonal to the separatrices of the basins of "
        "attraction that solve the classification task.",
        "Sec. 5, Sec. 6",
        "causal",
        (
            Reading(
                "right eigenvectors",
                "smallest principal angles between the rotation planes of W (right eigenvectors) and the cube's axes, "
                "against random planes (rotation_plane_angles)",
                "supported if most networks are more orthogonal than random at alpha; not if most are less",
                rule_orthogonal,
                {"p_more": "right_p_more", "p_less": "right_p_less"},
                {"alpha": _t(0.05, "level of each network's test", maximum=1.0), "majority": _MAJORITY},
            ),
            Reading(
                "left eigenvectors",
                "the same for the left eigenvectors of the rotation pairs (which states excite the rotations)",
                "as for right eigenvectors",
                rule_orthogonal,
                {"p_more": "left_p_more", "p_less": "left_p_less"},
                {"alpha": _t(0.05, "level of each network's test", maximum=1.0), "majority": _MAJORITY},
                chapter="spectra",
            ),
            Reading(
                "separatrix normals",
                "how far the normals of the separatrices (left unstable eigenvectors at the edge saddles) enter the "
                "rotation planes, against random planes",
                "as for right eigenvectors",
                rule_orthogonal,
                {"p_more": "normals_p_more", "p_less": "normals_p_less"},
                {"alpha": _t(0.05, "level of each network's test", maximum=1.0), "majority": _MAJORITY},
            ),
        ),
    ),
    Claim(
        14,
        "Without its rotations the delayed network keeps its memory but switches early (implied prediction)",
        "Oscillatory dynamics perpendicular to the separatrix delays the passage to the new fixed point used for "
        "the long term memory classification task. […] long-term memory and sequential recall can be implemented "
        "by a simple RNN fairly easily, and in parallel, by acting on different subspaces of the RNN phase space.",
        "Fig. 3a caption; Sec. 6 (interpretation)",
        "causal",
        (
            Reading(
                "storage",
                _TIMING + "; memory: attractors kept, census seeded from the intact network's points",
                "timing (core) and memory; partly if timing only",
                rule_ablation_storage,
                {"delay": "delay", "edit_latency": "edit_latency", "control_latency": "control_latency",
                 "attractors_kept": "attractors_kept"},
                {"early_fraction": _t(0.25, "how much of Δt a switch must save to count as early", maximum=1.0),
                 "majority": _MAJORITY},
            ),
            Reading(
                "writing",
                _TIMING + "; memory: isolated pulses that land on the right corner",
                "timing (core) and memory; partly if timing only",
                rule_ablation_writing,
                {"delay": "delay", "edit_latency": "edit_latency", "control_latency": "control_latency",
                 "write_failures": "write_failures"},
                {"early_fraction": _t(0.25, "how much of Δt a switch must save to count as early", maximum=1.0),
                 "max_write_failure": _t(0.05, "largest fraction of failed writes of a network that writes",
                                         maximum=1.0),
                 "majority": _MAJORITY},
            ),
            Reading(
                "accuracy",
                _TIMING + "; memory: accuracy against the undelayed target within max_drop of the intact network's",
                "timing (core) and memory; partly if timing only",
                rule_ablation_accuracy,
                {"delay": "delay", "edit_latency": "edit_latency", "control_latency": "control_latency",
                 "undelayed_edit": "undelayed_edit", "undelayed_intact": "undelayed_intact"},
                {"early_fraction": _t(0.25, "how much of Δt a switch must save to count as early", maximum=1.0),
                 "max_drop": _t(0.05, "largest drop of undelayed accuracy of a network that keeps its memory",
                                maximum=1.0),
                 "majority": _MAJORITY},
            ),
        ),
        note="A latency counts only for flips whose output held the old sign before the pulse: a flip whose output "
        "already showed the new sign is a failed write, not an early switch.",
    ),
)


def claim(number: int) -> Claim:
    """The claim with this number (1 to ``len(CLAIMS)``)."""
    if isinstance(number, (bool, np.bool_)) or not isinstance(number, (int, np.integer)):
        raise TypeError(f"number must be an integer, got {type(number).__name__}")
    if not 1 <= number <= len(CLAIMS):
        raise ValueError(f"number must be in [1, {len(CLAIMS)}], got {number}")
    return CLAIMS[int(number) - 1]


def measured_keys(number: int) -> tuple:
    """The keys of the measured inputs that :func:`assess` takes for a claim."""
    keys = []
    for reading in claim(number).readings:
        keys += [k for k in reading.inputs.values() if k not in keys]
    return tuple(keys)


def describe(number: int) -> str:
    """The claim, its readings, measures, rules and thresholds, as markdown (for the claims chapter)."""
    c = claim(number)
    lines = [f"**Claim {c.number}: {c.title}** ({c.section})", "", f"> {c.quote}", ""]
    for r in c.readings:
        thresholds = ", ".join(f"{name} = {t.value:g} ({t.meaning})" for name, t in r.thresholds.items())
        lines.append(f"- *{r.name}*: {r.measure}. Rule: {r.rule_text}." + (f" Thresholds: {thresholds}." if
                                                                             thresholds else ""))
    if c.note:
        lines += ["", c.note]
    return "\n".join(lines)


# ============================================================================= assessing


def combine(judgements: Mapping[str, Judgement]) -> Judgement:
    """A claim's verdict from its readings': the common verdict if all agree, else ambiguous.

    An inconclusive common verdict states the largest power of its readings.
    """
    if not judgements:
        raise ValueError("judgements must not be empty")
    verdicts = {j.verdict for j in judgements.values()}
    reason = "; ".join(f"{name}: {j.label}" for name, j in judgements.items())
    if len(verdicts) == 1:
        verdict = verdicts.pop()
        if len(judgements) == 1:
            return next(iter(judgements.values()))
        power = None
        if verdict is Verdict.INCONCLUSIVE:
            powers = [j.power for j in judgements.values() if not math.isnan(j.power)]
            power = max(powers) if powers else math.nan
        return Judgement(verdict, "every reading agrees (" + reason + ")", power)
    return Judgement(Verdict.AMBIGUOUS, "the readings disagree (" + reason + ")")


@dataclass(frozen=True)
class Assessment:
    """A claim judged on measured inputs: each reading's judgement and the overall one."""

    number: int
    readings: Mapping[str, Judgement]
    overall: Judgement

    @property
    def verdict(self) -> Verdict:
        return self.overall.verdict


_RECORDED: dict = {}


def _check_measured(number: int, measured) -> dict:
    if not isinstance(measured, Mapping):
        raise TypeError(f"measured must be a mapping of input names to values, got {type(measured).__name__}")
    known = measured_keys(number)
    unknown = [k for k in measured if k not in known]
    if unknown:
        raise ValueError(f"claim {number} takes no input {unknown}; its inputs are {list(known)}")
    return dict(measured)


def assess(number: int, measured, *, record: bool = True) -> Assessment:
    """Judge a claim on measured inputs, under each reading and overall.

    Parameters
    ----------
    number : int
    measured : mapping of str to value
        Keys from :func:`measured_keys`; a reading whose inputs are missing
        (or None) is inconclusive, "not measured", with power 0.
    record : bool
        Keep the assessment for :func:`verdict_of` in this process.

    Returns
    -------
    Assessment
    """
    c = claim(number)
    values = _check_measured(number, measured)
    readings = {r.name: r.judge(values) for r in c.readings}
    result = Assessment(c.number, readings, combine(readings))
    if record:
        _RECORDED[c.number] = result
    return result


def verdict_of(number: int) -> Verdict:
    """The verdict :func:`assess` recorded for a claim in this process.

    Raises
    ------
    LookupError
        If the claim has not been assessed here.
    """
    c = claim(number)
    if c.number not in _RECORDED:
        raise LookupError(f"claim {c.number} has not been assessed in this process: call assess({c.number}, ...)")
    return _RECORDED[c.number].verdict


def recorded() -> dict:
    """The assessments recorded so far, by claim number (a copy)."""
    return dict(_RECORDED)


def forget() -> None:
    """Drop every recorded assessment."""
    _RECORDED.clear()


def sensitivity(number: int, measured) -> dict:
    """The claim's verdict under each reading, with each threshold halved and doubled in turn.

    Returns
    -------
    dict of str to ndarray, one row per (reading or "overall", threshold, scale)
        ``reading`` (str), ``threshold`` (str; ``"—"`` for the row with every
        threshold as stated), ``scale`` (float: 1, 0.5 or 2), ``value``
        (float: the scaled threshold, NaN in the base rows, where a reading
        lacks that threshold, and in an overall row whose readings state it
        differently), ``verdict`` (str, the label). A threshold that several
        readings share is scaled in all of them at once.

    Raises
    ------
    ValueError
        As :func:`assess`, or if an input keyed by a threshold (counts per
        outlier radius, claims 5 and 6) lacks the halved or doubled value.
    """
    c = claim(number)
    values = _check_measured(number, measured)
    rows = []
    settings = [("—", 1.0)] + [(name, s) for name in c.thresholds for s in SCALES]
    for name, s in settings:
        scale = {} if name == "—" else {name: s}
        judgements = {}
        for r in c.readings:
            j = r.judge(values, scale)
            judgements[r.name] = j
            value = r.thresholds[name].scaled(s) if name in r.thresholds else math.nan
            rows.append((r.name, name, s, float(value), j.label))
        overall = combine(judgements)
        # The overall row names the scaled value only where every reading that has the threshold shares it.
        shared = {r.thresholds[name].value for r in c.readings if name in r.thresholds}
        value = c.thresholds[name].scaled(s) if len(shared) == 1 else math.nan
        rows.append(("overall", name, s, float(value), overall.label))
    columns = ("reading", "threshold", "scale", "value", "verdict")
    types = (str, str, np.float64, np.float64, str)
    return {col: np.array([row[i] for row in rows], dtype=t) for i, (col, t) in enumerate(zip(columns, types,
                                                                                                 strict=True))}


# ============================================================================= statements the chapters read


def rotation_contrast(with_delay, without_delay, *, delays_without=()) -> str:
    """The contrast of rotation pairs of W with and without delay, in counts rather than "all" and "none".

    Parameters
    ----------
    with_delay, without_delay : Count
        Networks with at least one outlying rotation pair, at Δt = 8 and Δt = 0.
    delays_without : sequence of int
        Other delays whose (shipped) networks have no rotation pair, e.g. ``(2,)``.
    """
    a, b = _check_count("with_delay", with_delay), _check_count("without_delay", without_delay)
    text = (f"outlying rotation pairs of W appear in {a.k} of {a.n} networks trained with Δt = {PAPER_DELAY} and "
            f"in {b.k} of {b.n} trained without delay")
    delays = [int(_check_real("delays_without", d, minimum=0)) for d in delays_without]
    if delays:
        text += "; the shipped network" + ("s" if len(delays) > 1 else "") + " at Δt = " + ", ".join(
            map(str, delays)) + (" have" if len(delays) > 1 else " has") + " none"
    return text


_SECTION = re.compile(r"\bSec(?:tion)?s?\.?\s*((?:\d+|[A-Z])(?:\s*(?:[-–,]|and)\s*(?:Sec\.?\s*)?(?:\d+|[A-Z])\b)*)")


def section_slips(text: str) -> list:
    """References to sections the paper does not have (it has Sec. 1–6 and App. A–B), e.g. ``["Sec. 7"]``."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    slips = []
    for match in _SECTION.finditer(text):
        for ref in re.findall(r"\d+|\b[A-Z]\b", match.group(1)):
            if ref not in PAPER_SECTIONS:
                slips.append(f"Sec. {ref}")
    return slips


# ============================================================================= consistency of the chapters


@dataclass(frozen=True)
class Statement:
    """A sentence of a chapter that states a verdict for a claim."""

    number: int
    verdict: Verdict
    sentence: str


@dataclass(frozen=True)
class Contradiction:
    """A chapter's statement that disagrees with the table (``expected`` None: the table has no such claim)."""

    number: int
    stated: Verdict
    expected: Verdict | None
    sentence: str
    source: str = ""


_CLAIM_REF = re.compile(r"\b[Cc]laims?\s+(\d+(?:\s*(?:,|and|&|–|-|to)\s*\d+)*)")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_ROW = re.compile(r"^\|\s*(\d+)\s*\|.*\*\*([^*]+)\*\*\s*\|\s*$", re.MULTILINE)
_HTML_ROW = re.compile(r"<tr><td>(\d+)</td><td>.*?</td><td><span class=\"verdict-badge [^\"]*\"[^>]*>([^<]+)</span>")


def _sentences(text: str) -> list:
    out = []
    for block in re.split(r"\n\s*\n", text):
        lines = block.splitlines()
        prose = []
        for line in lines:
            if line.lstrip().startswith(("#", "|")):
                out.append(line.strip())
            else:
                prose.append(line.strip())
        joined = " ".join(p for p in prose if p)
        out += [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z*({\[])", joined) if s]
    return out


def _numbers(ref: str) -> list:
    numbers = []
    for part in re.split(r"\s*(?:,|and|&)\s*", ref):
        bounds = re.split(r"\s*(?:–|-|to)\s*", part)
        if len(bounds) == 2 and all(b.isdigit() for b in bounds):
            numbers += list(range(int(bounds[0]), int(bounds[1]) + 1))
        elif part.strip().isdigit():
            numbers.append(int(part))
    return numbers


def verdict_statements(text: str) -> list:
    """The sentences of ``text`` that state a verdict for a claim, by the book's convention.

    Convention: one sentence names the claim ("Claim 14", or "Claims 11 and
    12", "Claims 11–13") and, after it, gives the verdict as a bold phrase of
    the vocabulary (:data:`VERDICT_PHRASES`), e.g. "Claim 14 is **not
    supported**: …". The first bold verdict phrase after the reference counts.
    Table rows and headings are not sentences here (see :func:`table_verdicts`).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    found = []
    for sentence in _sentences(text):
        if sentence.startswith(("#", "|")):
            continue
        refs = list(_CLAIM_REF.finditer(sentence))
        for i, ref in enumerate(refs):
            # The first bold verdict before the next reference; failing that ("Claim 11 and claim 12 are
            # **x**"), the first one after this reference.
            stop = refs[i + 1].start() if i + 1 < len(refs) else len(sentence)
            verdict = _first_verdict(sentence, ref.end(), stop) or _first_verdict(sentence, ref.end(), len(sentence))
            if verdict is not None:
                found += [Statement(n, verdict, sentence) for n in _numbers(ref.group(1))]
    return found


def _first_verdict(sentence: str, start: int, stop: int) -> Verdict | None:
    for bold in _BOLD.finditer(sentence, start, stop):
        verdict = parse_verdict(bold.group(1))
        if verdict is not None:
            return verdict
    return None


def table_verdicts(text: str) -> dict:
    """Verdicts of a rendered claims table, by claim number.

    Rows are markdown, ``| N | … | **verdict** |``, or the HTML of
    :func:`rnnmem_helpers.chapters.evidence.verdict_table_html`, whose third cell holds the verdict's badge.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    out = {}
    for number, phrase in _ROW.findall(text) + _HTML_ROW.findall(text):
        verdict = parse_verdict(phrase)
        if verdict is not None:
            out[int(number)] = verdict
    return out


def contradictions(text: str, verdicts: Mapping | None = None, *, source: str = "") -> list:
    """Statements of ``text`` (:func:`verdict_statements`) that disagree with ``verdicts``.

    Parameters
    ----------
    text : str
        A chapter's markdown (e.g. from :func:`notebook_text`).
    verdicts : mapping of int to Verdict, optional
        The table to hold the chapter to; default: :func:`verdict_of` for each
        claim the text names (which must have been assessed).
    source : str
        Stored in each :class:`Contradiction`, e.g. the chapter's name.
    """
    out = []
    for s in verdict_statements(text):
        if verdicts is None:
            expected = verdict_of(s.number) if 1 <= s.number <= len(CLAIMS) else None
        else:
            expected = verdicts.get(s.number)
        if expected is not s.verdict:
            out.append(Contradiction(s.number, s.verdict, expected, s.sentence, source))
    return out


def notebook_text(path, *, html: bool = False) -> str:
    """A notebook's markdown: its markdown cells and the markdown its cells output, in order.

    With ``html``, the HTML its cells output instead (e.g. the claims table).
    """
    path = Path(path)
    with path.open(encoding="utf-8") as f:
        notebook = json.load(f)
    parts = []
    kind = "text/html" if html else "text/markdown"
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        if cell.get("cell_type") == "markdown" and not html:
            parts.append(source if isinstance(source, str) else "".join(source))
        for output in cell.get("outputs", []):
            md = output.get("data", {}).get(kind)
            if md is not None:
                parts.append(md if isinstance(md, str) else "".join(md))
    return "\n\n".join(parts)


__all__ = [
    "CLAIMS",
    "CUBE_CENSUS",
    "FIGURE_3C_COMPONENTS",
    "LEVEL",
    "PAPER_DELAY",
    "PAPER_SECTIONS",
    "SCALES",
    "VERDICT_PHRASES",
    "Assessment",
    "Badge",
    "Claim",
    "Contradiction",
    "Count",
    "DelayReach",
    "Judgement",
    "Pairs",
    "Reading",
    "Statement",
    "Threshold",
    "Verdict",
    "assess",
    "badge",
    "claim",
    "combine",
    "conjoin",
    "contradictions",
    "delay_reach",
    "describe",
    "forget",
    "fraction_power",
    "fraction_side",
    "measured_keys",
    "notebook_text",
    "paired_signs",
    "parse_verdict",
    "proportion_interval",
    "recorded",
    "render_difference",
    "rotation_contrast",
    "rule_ablation_accuracy",
    "rule_ablation_storage",
    "rule_ablation_writing",
    "rule_construction",
    "rule_cube",
    "rule_delay_limit",
    "rule_delayed_census",
    "rule_delayed_spectrum",
    "fourier_like",
    "rule_fourier",
    "rule_fourier_strict",
    "rule_invisible",
    "rule_learns",
    "rule_loops",
    "rule_orthogonal",
    "rule_paired_speedup",
    "rule_recipe_trains",
    "rule_recipes",
    "rule_share",
    "rule_undelayed_spectrum",
    "section_slips",
    "sensitivity",
    "table_verdicts",
    "verdict_of",
    "verdict_statements",
]
