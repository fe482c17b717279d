"""Does size help once the learning rate is accounted for? Convergence and updates-to-criterion against Δt, N and lr.

Adam's steps are per entry, so the same learning rate moves W further in
operator norm the larger N is: a comparison of sizes at one learning rate
confounds the two. The ``lr_size`` sweep crosses lr with N and Δt; this module
reads its :func:`rnnmem_helpers.experiments.sweep_report.run_table` (one row per run,
seeds are the unit) in two ways.

Convergence (did the run reach the criterion within its budget?) is a
logistic model of Δt, log2 N and log2 lr (:func:`fit_convergence`), with the
log2 N × log2 lr interaction as a second model (:func:`size_by_lr`), since
the hypothesis is that the best lr shrinks with N. At long delays almost
nothing converges, which separates the data completely and sends maximum
likelihood estimates to infinity, so the fits maximise Firth's penalised
likelihood ``l(β) + ½ log det I(β)`` (Firth 1993), by Newton steps on its
exact gradient and Hessian (its eigenvalues in absolute value, so that every
step goes uphill) with step halving.
Intervals are profile penalised likelihood intervals (Heinze & Schemper
2002): the set of values of one coefficient whose profile penalised
log-likelihood lies within ``χ²₁(level) / 2`` of the maximum, with the
penalty of the full model throughout. Wald intervals are not used: they are
symmetric on the logit scale and badly wrong exactly where the data
separate. The interaction is tested by the penalised likelihood ratio of the
interaction model against the same model with the interaction fixed at 0,
so the test rejects at ``α = 1 − level`` exactly when 0 lies outside the
interaction's profile interval.

Covariates are centred on the design: Δt on the mean of the tested delays,
log2 N and log2 lr on the mean of the tested values' logarithms (N = 100 and
lr = 5e-4 for the ``lr_size`` grid), so the intercept is the log-odds at the
design's centre and, in the interaction model, the N coefficient is the
effect of N at the central lr. Penalised estimates do not depend on the
centring (Firth's penalty is invariant under affine changes of the
covariates); intervals for other quantities (the convergence probability of
a cell, the N effect at one lr) are profile intervals of the intercept or of
the N coefficient after re-centring on that cell or lr.

Updates to criterion are survival times: a run that converged gives its
``steps``, a run that did not is right-censored at its ``steps`` (its budget).
:func:`kaplan_meier` estimates, per cell, the fraction still unconverged after
each update, with Greenwood's variance and a log-log band;
:func:`stratified_logrank` tests whether a factor (lr within strata of N and
Δt, or N within strata of lr and Δt) changes the time to criterion, summing
observed minus expected events and their covariances over the strata.

:func:`size_verdict` states, by a rule fixed before any ``lr_size`` result
existed, whether more units help once lr is in the model.

The median's interval is an asymptotic one; :func:`km_median_coverage`
measures what it really covers with a cell's few runs, by simulation. That is
the only function here that draws random numbers, from its ``rng``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize as _opt
from scipy import special as _sp
from scipy import stats as _st

from ..analyses.table import by_columns, check_columns, collect, group_proportion, groups, select
from ..core._validate import as_generator, check_float, check_int
from .claims import LEVEL

#: Columns of :func:`rnnmem_helpers.experiments.sweep_report.run_table` that this module reads.
REQUIRED_COLUMNS = ("delay", "n_hidden", "lr", "converged", "steps")
#: Names of the logistic models' coefficients, in order (the last only in the interaction model).
TERMS = ("intercept", "delay", "log2_n", "log2_lr", "log2_n:log2_lr")
#: What every interval of the logistic models is.
INTERVAL_METHOD = "profile penalised likelihood (Firth)"
#: Font size of every text in the figures, in points.
FONT_SIZE = 9
#: One colour per network size, smallest first (colour-blind safe, from the Okabe–Ito palette).
SIZE_COLORS = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00")
#: The verdicts of :func:`size_verdict`.
SIZE_EFFECTS = ("helps", "hurts", "inconclusive", "depends on lr")

# Newton's iterations stop when the largest step is below _TOL (log-odds), or the increase it predicts is below
# _RESOLUTION × cond(I) × (1 + |l*|): ten roundings of the penalised log-likelihood.
_TOL = 1e-9
_RESOLUTION = 10 * np.finfo(np.float64).eps
_MAX_ITER = 200
# A cap on one Newton step, so that a start far from the optimum (a profile point in the tail) cannot overshoot
# into a region where every probability is 0 or 1 and the information matrix is singular.
_MAX_STEP = 5.0
# Doublings of the standard error the profile search tries before it declares an end of an interval unbounded.
_MAX_DOUBLINGS = 16


# ============================================================================= input


@dataclass(frozen=True)
class _Runs:
    """The validated columns of a run table, as float arrays (``converged`` bool), each of shape (n_runs,)."""

    delay: np.ndarray
    n_hidden: np.ndarray
    lr: np.ndarray
    converged: np.ndarray
    steps: np.ndarray

    def table(self) -> dict:
        return {name: getattr(self, name) for name in REQUIRED_COLUMNS}


def _check_runs(table) -> _Runs:
    if not isinstance(table, dict):
        raise TypeError(f"table must be a dict of 1-D arrays (from run_table), got {type(table).__name__}")
    check_columns(table, REQUIRED_COLUMNS, what="table column")
    cols = {name: np.asarray(table[name]) for name in REQUIRED_COLUMNS}
    shapes = {name: c.shape for name, c in cols.items()}
    if len(set(shapes.values())) != 1 or len(next(iter(shapes.values()))) != 1:
        raise ValueError(f"table columns {list(REQUIRED_COLUMNS)} must be 1-D arrays of one length, got {shapes}")
    if cols["steps"].size == 0:
        raise ValueError("table must hold at least one run, got 0 rows")
    if cols["converged"].dtype != np.bool_:
        raise TypeError(f"table['converged'] must be boolean, got dtype {cols['converged'].dtype}")
    out = {"converged": cols["converged"]}
    for name in ("delay", "n_hidden", "lr", "steps"):
        c = cols[name]
        if c.dtype.kind not in "iuf":
            raise TypeError(f"table[{name!r}] must be numeric, got dtype {c.dtype}")
        c = c.astype(np.float64)
        if not np.all(np.isfinite(c)):
            raise ValueError(f"table[{name!r}] must hold finite numbers")
        out[name] = c
    if np.any(out["delay"] < 0):
        raise ValueError("table['delay'] must be >= 0")
    for name in ("n_hidden", "lr"):
        if np.any(out[name] <= 0):
            raise ValueError(f"table[{name!r}] must be > 0 (its log2 is a covariate)")
    _check_steps("table['steps']", out["steps"])
    return _Runs(**out)


def _check_steps(name: str, steps: np.ndarray) -> None:
    if np.any(steps <= 0) or np.any(steps != np.round(steps)):
        raise ValueError(f"{name} must hold positive integers (updates to criterion, or the budget)")


def _check_level(level) -> float:
    level = check_float("level", level, minimum=0.0, maximum=1.0, strict_min=True)
    if level >= 1.0:
        raise ValueError(f"level must be > 0.0 and < 1.0, got {level}")
    return level


def _check_instance(name: str, value, cls):
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be a {cls.__name__}, got {type(value).__name__}")
    return value


# ============================================================================= Firth logistic regression


def _penalised(X, y, beta):
    """Penalised log-likelihood at ``beta`` with the fitted probabilities, weights and Fisher information."""
    eta = X @ beta
    loglik = -np.sum(np.where(y, np.logaddexp(0.0, -eta), np.logaddexp(0.0, eta)))
    p = _sp.expit(eta)
    # expit(η)·expit(−η) keeps the weight of a near-certain row positive where p·(1 − p) would round to 0.
    w = p * _sp.expit(-eta)
    info = X.T @ (w[:, None] * X)
    sign, logdet = np.linalg.slogdet(info)
    value = loglik + 0.5 * logdet if sign > 0 else -math.inf
    return value, p, w, info


def _score_and_curvature(X, y, p, w, info):
    """Gradient (p,) of the penalised log-likelihood and its exact negative Hessian (p, p).

    With ``M = I⁻¹``, ``Q = X M Xᵀ`` and hat values ``h = w ∘ diag(Q)``, the
    gradient is ``Xᵀ (y − p + h (½ − p))`` and the Hessian of ``½ log det I``
    is ``½ [Xᵀ diag((1 − 6w) h) X − Aᵀ (Q ∘ Q) A]``, ``A = diag(w (1 − 2p)) X``
    (the derivatives of ``w`` in η are ``w (1 − 2p)`` and ``w (1 − 6w)``).
    ``Aᵀ (Q ∘ Q) A`` is computed as ``C (M ⊗ M) Cᵀ`` with
    ``C = Σᵢ aᵢ (xᵢ ⊗ xᵢ)ᵀ``, of size (p, p²), never forming the (n, n) matrix Q.
    """
    M = np.linalg.inv(info)
    hat = w * np.sum((X @ M) * X, axis=1)
    score = X.T @ (y - p + hat * (0.5 - p))
    n, k = X.shape
    C = ((w * (1.0 - 2.0 * p))[:, None] * X).T @ (X[:, :, None] * X[:, None, :]).reshape(n, k * k)
    penalty_hessian = 0.5 * (X.T @ (((1.0 - 6.0 * w) * hat)[:, None] * X) - C @ np.kron(M, M) @ C.T)
    return score, info - penalty_hessian


def _firth(X, y, beta, free):
    """Maximise the penalised log-likelihood over the coefficients ``free`` (bool mask), the others held.

    Returns the coefficients (p,) and the maximum; ``-inf`` if the information
    matrix is singular where the search starts or ends up (a profile point so
    far out that every probability is 0 or 1).
    """
    beta = np.array(beta, dtype=np.float64)
    value, p, w, info = _penalised(X, y, beta)
    if not free.any():
        return beta, value
    for _ in range(_MAX_ITER):
        if not math.isfinite(value):
            return beta, -math.inf
        score, curvature = _score_and_curvature(X, y, p, w, info)
        # The penalty can make l* flat or even convex along a direction (a coefficient pinned by the penalty
        # alone, under separation), where Newton's step would go downhill and Fisher scoring crawls. Newton's step
        # with the curvature's eigenvalues taken in absolute value goes uphill and keeps Newton's speed elsewhere.
        lam, vec = np.linalg.eigh(curvature[np.ix_(free, free)])
        lam = np.maximum(np.abs(lam), _RESOLUTION * max(np.abs(lam).max(), 1.0))
        step = np.zeros_like(beta)
        step[free] = vec @ ((vec.T @ score[free]) / lam)
        size = np.max(np.abs(step))
        # The increase a full step predicts (the Newton decrement) stops the search once it is below what the
        # penalised log-likelihood can resolve, the rounding of log det I growing with I's condition number: at a
        # profile point far in a tail the step itself can stay well above _TOL while no step measurably climbs.
        spectrum = np.linalg.eigvalsh(info)
        resolution = _RESOLUTION * spectrum[-1] / spectrum[0] * (1.0 + abs(value))
        if size < _TOL or score @ step < resolution:
            return beta, value
        if size > _MAX_STEP:
            step *= _MAX_STEP / size
        # A quadratic model can overshoot; halving keeps every step uphill.
        for _ in range(60):
            new_value, new_p, new_w, new_info = _penalised(X, y, beta + step)
            if new_value >= value:
                break
            step /= 2
        else:
            return beta, value
        beta, value, p, w, info = beta + step, new_value, new_p, new_w, new_info
    raise RuntimeError(f"Firth's Newton iterations did not converge in {_MAX_ITER} steps")


@dataclass(frozen=True)
class _Fit:
    beta: np.ndarray
    value: float
    se: np.ndarray


def _fit(X, y) -> _Fit:
    beta, value = _firth(X, y, np.zeros(X.shape[1]), np.ones(X.shape[1], dtype=bool))
    if not math.isfinite(value):
        raise ValueError("the covariates of table are collinear: the logistic model cannot be fitted")
    info = _penalised(X, y, beta)[3]
    return _Fit(beta, value, np.sqrt(np.diag(np.linalg.inv(info))))


def _profile_statistic(X, y, fit: _Fit, j: int, b: float) -> float:
    """Twice the drop of the penalised log-likelihood when coefficient ``j`` is held at ``b``."""
    start = fit.beta.copy()
    start[j] = b
    free = np.ones(X.shape[1], dtype=bool)
    free[j] = False
    value = _firth(X, y, start, free)[1]
    return 2.0 * (fit.value - value) if math.isfinite(value) else math.inf


def _profile_interval(X, y, fit: _Fit, j: int, level: float) -> tuple[float, float]:
    """Profile penalised likelihood interval of coefficient ``j``; an end is ±inf if the profile never drops enough."""
    q = _st.chi2.ppf(level, 1)
    # Bounded for brentq, which needs finite values; anything above q is "outside".
    g = lambda b: min(_profile_statistic(X, y, fit, j, b), 1e6) - q  # noqa: E731
    ends = []
    for sign in (-1.0, 1.0):
        inside, end = fit.beta[j], math.nan
        # From two standard errors out, about where a Wald interval would end.
        for k in range(1, _MAX_DOUBLINGS):
            trial = fit.beta[j] + sign * fit.se[j] * 2.0**k
            if g(trial) > 0:
                end = _opt.brentq(g, inside, trial, xtol=1e-9, rtol=1e-10)
                break
            inside = trial
        ends.append(sign * math.inf if math.isnan(end) else float(end))
    return ends[0], ends[1]


def _covariates(runs: _Runs) -> dict:
    return {"delay": runs.delay, "log2_n": np.log2(runs.n_hidden), "log2_lr": np.log2(runs.lr)}


def _centre(runs: _Runs) -> dict:
    """The design's centre: mean of the distinct values of Δt, of log2 N and of log2 lr."""
    return {name: float(np.mean(np.unique(v))) for name, v in _covariates(runs).items()}


def _design(runs: _Runs, centre: dict, interaction: bool) -> np.ndarray:
    """Design matrix (n_runs, 4 or 5): intercept, Δt, log2 N, log2 lr (and their product), centred on ``centre``."""
    cov = {name: v - centre[name] for name, v in _covariates(runs).items()}
    cols = [np.ones(runs.steps.size), cov["delay"], cov["log2_n"], cov["log2_lr"]]
    if interaction:
        cols.append(cov["log2_n"] * cov["log2_lr"])
    return np.column_stack(cols)


def _check_design(runs: _Runs, interaction: bool) -> None:
    for name, v in (("delay", runs.delay), ("n_hidden", runs.n_hidden), ("lr", runs.lr)):
        if np.unique(v).size < 2:
            raise ValueError(f"table must hold at least two distinct values of {name!r} to estimate its coefficient")
    if interaction and np.unique(np.column_stack([runs.n_hidden, runs.lr]), axis=0).shape[0] < 4:
        raise ValueError("table must hold at least four (n_hidden, lr) combinations to estimate their interaction")


@dataclass(frozen=True)
class ConvergenceFit:
    """A Firth logistic model of convergence.

    ``logit P(converged) = β₀ + β_Δt (Δt − c_Δt) + β_N (log2 N − c_N) + β_lr (log2 lr − c_lr)
    [+ β_N×lr (log2 N − c_N)(log2 lr − c_lr)]``.

    Attributes
    ----------
    terms : tuple of str, length p (4 or 5)
        Coefficient names, the first p of :data:`TERMS`.
    coef : ndarray of shape (p,)
        Penalised maximum likelihood estimates: log-odds of convergence per
        step of Δt, per doubling of N, per doubling of lr (and per doubling of
        both, for the interaction); ``intercept`` is the log-odds at the centre.
    low, high : ndarray of shape (p,)
        Profile penalised likelihood intervals at ``level``; ±inf where the
        profile never drops far enough (not expected under Firth's penalty).
    se : ndarray of shape (p,)
        Square roots of the diagonal of the inverse Fisher information at the
        estimate: the scale of the estimates, not the basis of the intervals.
    level : float
        Nominal level of the intervals.
    interval_method : str
        :data:`INTERVAL_METHOD`.
    centre : dict of str to float
        ``delay``, ``n_hidden``, ``lr``: the values the covariates are centred
        on (N and lr as geometric means of the tested values).
    penalised_loglik : float
        The maximum of ``l(β) + ½ log det I(β)``.
    n, n_converged : int
        Runs and converged runs.
    """

    terms: tuple
    coef: np.ndarray
    low: np.ndarray
    high: np.ndarray
    se: np.ndarray
    level: float
    interval_method: str
    centre: dict
    penalised_loglik: float
    n: int
    n_converged: int

    @property
    def interaction(self) -> bool:
        """Whether the model has the log2 N × log2 lr term."""
        return len(self.terms) == len(TERMS)

    def term(self, name: str) -> tuple[float, float, float]:
        """``(estimate, low, high)`` of the coefficient ``name`` (one of :attr:`terms`)."""
        if name not in self.terms:
            raise ValueError(f"name must be one of {list(self.terms)}, got {name!r}")
        i = self.terms.index(name)
        return float(self.coef[i]), float(self.low[i]), float(self.high[i])


def _centre_values(centre: dict) -> dict:
    return {"delay": centre["delay"], "n_hidden": 2.0 ** centre["log2_n"], "lr": 2.0 ** centre["log2_lr"]}


def fit_convergence(table, *, interaction: bool = False, level: float = LEVEL) -> ConvergenceFit:
    """Firth logistic regression of convergence on Δt, log2 N and log2 lr, with profile intervals.

    Parameters
    ----------
    table : dict of ndarray, each of shape (n_runs,)
        From :func:`rnnmem_helpers.experiments.sweep_report.run_table`: at least the
        columns :data:`REQUIRED_COLUMNS`, one row per run (seeds are the
        unit), with at least two distinct values of each of ``delay``,
        ``n_hidden`` and ``lr``.
    interaction : bool
        Add the log2 N × log2 lr term.
    level : float
        Nominal level of the intervals, in (0, 1).

    Returns
    -------
    ConvergenceFit

    Raises
    ------
    TypeError, ValueError
        For a malformed table (see :data:`REQUIRED_COLUMNS`), too few distinct
        covariate values, or a bad ``level``.
    """
    runs, level, interaction = _check_model(table, interaction, level)
    centre = _centre(runs)
    X, y = _design(runs, centre, interaction), runs.converged
    return _convergence_fit(X, y, _fit(X, y), centre, level)


def _check_model(table, interaction, level) -> tuple[_Runs, float, bool]:
    runs = _check_runs(table)
    level = _check_level(level)
    if not isinstance(interaction, (bool, np.bool_)):
        raise TypeError(f"interaction must be True or False, got {type(interaction).__name__}")
    _check_design(runs, bool(interaction))
    return runs, level, bool(interaction)


def _convergence_fit(X, y, fit: _Fit, centre: dict, level: float) -> ConvergenceFit:
    ends = np.array([_profile_interval(X, y, fit, j, level) for j in range(X.shape[1])])
    return ConvergenceFit(
        terms=TERMS[: X.shape[1]],
        coef=fit.beta,
        low=ends[:, 0],
        high=ends[:, 1],
        se=fit.se,
        level=level,
        interval_method=INTERVAL_METHOD,
        centre=_centre_values(centre),
        penalised_loglik=float(fit.value),
        n=int(y.size),
        n_converged=int(y.sum()),
    )


@dataclass(frozen=True)
class LikelihoodRatioTest:
    """A penalised likelihood-ratio test of one coefficient against 0.

    Attributes
    ----------
    term : str
        The coefficient tested.
    statistic : float
        ``2 (l*(β̂) − max l*(β | β_term = 0))``, both with the full model's penalty.
    df : int
        1.
    pvalue : float
        ``χ²₁`` upper tail of ``statistic``.
    """

    term: str
    statistic: float
    df: int
    pvalue: float


@dataclass(frozen=True)
class SizeByLr:
    """The interaction model, its test, and the effect of N at each tested lr.

    Attributes
    ----------
    fit : ConvergenceFit
        The model with the log2 N × log2 lr term.
    test : LikelihoodRatioTest
        Of the interaction term.
    lr : ndarray of shape (n_lr,)
        The tested learning rates, ascending.
    estimate, low, high : ndarray of shape (n_lr,)
        Log-odds of convergence per doubling of N at that lr (adjusted for Δt)
        and its profile penalised likelihood interval at ``fit.level``.
    """

    fit: ConvergenceFit
    test: LikelihoodRatioTest
    lr: np.ndarray
    estimate: np.ndarray
    low: np.ndarray
    high: np.ndarray


def size_by_lr(table, *, level: float = LEVEL) -> SizeByLr:
    """Does the effect of N depend on lr? The interaction model, its likelihood-ratio test, and N's slope per lr.

    The slope at one lr is the N coefficient of the interaction model with
    log2 lr centred on that lr, so its interval is a profile interval like the
    others.

    Parameters
    ----------
    table : dict of ndarray, each of shape (n_runs,)
        As for :func:`fit_convergence`, with at least four (n_hidden, lr) combinations.
    level : float
        Nominal level of the intervals, in (0, 1).

    Returns
    -------
    SizeByLr
    """
    runs, level, _ = _check_model(table, True, level)
    centre = _centre(runs)
    X, y = _design(runs, centre, True), runs.converged
    base = _fit(X, y)
    fit = _convergence_fit(X, y, base, centre, level)
    j = TERMS.index("log2_n:log2_lr")
    statistic = _profile_statistic(X, y, base, j, 0.0)
    test = LikelihoodRatioTest(TERMS[j], float(statistic), 1, float(_st.chi2.sf(statistic, 1)))
    lrs = np.unique(runs.lr)
    rows = []
    for lr in lrs:
        X_lr = _design(runs, {**centre, "log2_lr": float(np.log2(lr))}, True)
        fit_lr = _fit(X_lr, y)
        k = TERMS.index("log2_n")
        rows.append((fit_lr.beta[k], *_profile_interval(X_lr, y, fit_lr, k, level)))
    rows = np.array(rows, dtype=np.float64)
    return SizeByLr(fit, test, lrs, rows[:, 0], rows[:, 1], rows[:, 2])


def predict_convergence(table, *, interaction: bool = False, level: float = LEVEL) -> dict:
    """Per cell (lr, N, Δt): observed fraction converged and the model's probability, each with an interval.

    Parameters
    ----------
    table : dict of ndarray, each of shape (n_runs,)
        As for :func:`fit_convergence`.
    interaction : bool
        Predict from the model with the log2 N × log2 lr term.
    level : float
        Nominal level of both intervals, in (0, 1).

    Returns
    -------
    dict of ndarray, one row per cell present in ``table``, sorted by (lr, n_hidden, delay)
        ``lr``, ``n_hidden``, ``delay``; ``n``, ``k`` (converged), ``frac``
        and its Wilson interval ``frac_lo``, ``frac_hi``; ``p_model``, the
        fitted probability of convergence, and ``p_lo``, ``p_hi``, its profile
        penalised likelihood interval (that of the intercept with the
        covariates centred on the cell, mapped through the logistic function).
    """
    runs, level, interaction = _check_model(table, interaction, level)
    observed = group_proportion(runs.table(), "converged", by=("lr", "n_hidden", "delay"), level=level)
    y = runs.converged
    p_model, p_lo, p_hi = [], [], []
    for lr, n_hidden, delay in zip(observed["lr"], observed["n_hidden"], observed["delay"], strict=True):
        cell = {"delay": float(delay), "log2_n": float(np.log2(n_hidden)), "log2_lr": float(np.log2(lr))}
        X = _design(runs, cell, interaction)
        fit = _fit(X, y)
        low, high = _profile_interval(X, y, fit, 0, level)
        p_model.append(_sp.expit(fit.beta[0]))
        p_lo.append(_sp.expit(low))
        p_hi.append(_sp.expit(high))
    out = dict(observed)
    out.update(p_model=np.array(p_model, dtype=np.float64), p_lo=np.array(p_lo), p_hi=np.array(p_hi))
    return out


# ============================================================================= verdict


@dataclass(frozen=True)
class SizeVerdict:
    """Whether more units help convergence once lr is in the model, by :func:`size_verdict`'s rule.

    Attributes
    ----------
    effect : str
        One of :data:`SIZE_EFFECTS`.
    basis : str
        ``"additive model"`` or ``"interaction model, per lr"``: which estimates decided.
    text : str
        One sentence with the numbers the verdict rests on.
    interaction_p : float
        p-value of the interaction's likelihood-ratio test.
    level : float
        Nominal level of the intervals that decided.
    """

    effect: str
    basis: str
    text: str
    interaction_p: float
    level: float


def _side(low: float, high: float) -> str:
    return "helps" if low > 0 else ("hurts" if high < 0 else "inconclusive")


def _pct(level: float) -> str:
    return f"{100 * level:g} %"


def size_verdict(additive: ConvergenceFit, by_lr: SizeByLr) -> SizeVerdict:
    """Does N help convergence once lr is in the model? The rule, fixed before the ``lr_size`` data existed.

    Rule. Let ``level`` be the level of the fits (95 % by default) and
    ``α = 1 − level``.

    1. If the interaction's penalised likelihood-ratio test has ``p ≥ α``, the
       effect of N is the log2 N coefficient of the additive model (log-odds
       of convergence per doubling of N, adjusted for Δt and lr): N **helps**
       if its interval lies above 0, **hurts** if it lies below 0, and the
       verdict is **inconclusive** if the interval contains 0 (the text states
       the interval).
    2. If ``p < α``, the effect of N is judged at each tested lr from the
       interaction model: **helps** if every lr's interval lies above 0,
       **hurts** if every one lies below, **inconclusive** if every one
       contains 0, and otherwise **depends on lr** (the text lists the lr
       values at which it helps, hurts, or is undetermined).

    Parameters
    ----------
    additive : ConvergenceFit
        From :func:`fit_convergence` without the interaction.
    by_lr : SizeByLr
        From :func:`size_by_lr` on the same table at the same level.

    Returns
    -------
    SizeVerdict
    """
    _check_instance("additive", additive, ConvergenceFit)
    _check_instance("by_lr", by_lr, SizeByLr)
    if additive.interaction:
        raise ValueError("additive must be the model without the interaction (fit_convergence(interaction=False))")
    if additive.level != by_lr.fit.level:
        raise ValueError(f"additive and by_lr must share one level, got {additive.level} and {by_lr.fit.level}")
    level, p = additive.level, by_lr.test.pvalue
    # Rounded so that level 0.95 gives α = 0.05 exactly (1 − 0.95 is 0.05 plus 4e-17 in binary).
    alpha = round(1.0 - level, 12)
    test_text = f"penalised likelihood-ratio test of the N × lr interaction p = {p:.3g}"
    if p >= alpha:
        est, low, high = additive.term("log2_n")
        effect = _side(low, high)
        text = (
            f"N {effect if effect != 'inconclusive' else 'has no established effect'} after lr adjustment: "
            f"{est:+.2f} log-odds of convergence per doubling of N, adjusted for Δt and lr "
            f"({_pct(level)} profile-likelihood interval {low:.2f} to {high:.2f}); {test_text}."
        )
        return SizeVerdict(effect, "additive model", text, float(p), level)
    sides = [_side(lo, hi) for lo, hi in zip(by_lr.low, by_lr.high, strict=True)]
    effect = sides[0] if len(set(sides)) == 1 else "depends on lr"
    per_lr = "; ".join(
        f"lr = {lr:g}: {est:+.2f} ({lo:.2f} to {hi:.2f}, {side})"
        for lr, est, lo, hi, side in zip(by_lr.lr, by_lr.estimate, by_lr.low, by_lr.high, sides, strict=True)
    )
    text = (
        f"The effect of N depends on lr ({test_text}); per doubling of N, log-odds of convergence adjusted for Δt, "
        f"with {_pct(level)} profile-likelihood intervals: {per_lr}. Verdict: {effect}."
    )
    return SizeVerdict(effect, "interaction model, per lr", text, float(p), level)


# ============================================================================= the shipped grid


@dataclass(frozen=True)
class GridReading:
    """What a learning-rate × size grid says at the moment it is read, complete or not.

    Attributes
    ----------
    done, total : int
        Runs finished and runs in the grid.
    complete : tuple of int
        The delays at which every (lr, N, seed) run has finished, ascending.
    runs : dict of ndarray or None
        The run table restricted to the complete delays; None if none is.
    additive : ConvergenceFit or None
    by_lr : SizeByLr or None
    verdict : SizeVerdict or None
        The logistic models and :func:`size_verdict` on ``runs``; None until
        two delays are complete (one delay cannot separate Δt from the rest).
    """

    done: int
    total: int
    complete: tuple
    runs: dict | None
    additive: ConvergenceFit | None
    by_lr: SizeByLr | None
    verdict: SizeVerdict | None

    @property
    def whole(self) -> bool:
        """Whether every run of the grid has finished."""
        return self.done == self.total

    def effect_at(self, lr: float) -> str | None:
        """N's effect at one tested ``lr`` from the interaction model: helps, hurts or inconclusive; None unfitted.

        Raises
        ------
        ValueError
            If the grid did not test ``lr``.
        """
        lr = check_float("lr", lr, minimum=0.0, strict_min=True)
        if self.by_lr is None:
            return None
        hit = np.flatnonzero(np.isclose(self.by_lr.lr, lr, rtol=1e-9, atol=0.0))
        if hit.size == 0:
            raise ValueError(f"lr must be one of the grid's {[f'{v:g}' for v in self.by_lr.lr]}, got {lr:g}")
        return _side(self.by_lr.low[hit[0]], self.by_lr.high[hit[0]])

    @property
    def scope(self) -> str:
        """What the verdict rests on, in words: the whole grid, or the complete delays as an interim result."""
        if self.whole:
            return "the whole grid"
        return "the complete delays only (Δt = " + ", ".join(map(str, self.complete)) + "), an interim result"


def read_grid(table, *, delays, total: int, level: float = LEVEL) -> GridReading:
    """Read a learning-rate × size grid as far as it has run.

    Parameters
    ----------
    table : dict of ndarray, each of shape (n_runs,), or None
        The finished runs (:func:`~rnnmem_helpers.experiments.sweep_report.run_table`); None if none has.
    delays : sequence of int
        The grid's delays; each holds ``total // len(delays)`` runs.
    total : int
        Runs in the grid.
    level : float
        Nominal level of the models' intervals, in (0, 1).

    Returns
    -------
    GridReading
    """
    delays = sorted({check_int("delays", d, minimum=0) for d in delays})
    if not delays:
        raise ValueError("delays must name at least one delay")
    total = check_int("total", total, minimum=len(delays))
    if total % len(delays):
        raise ValueError(f"total must be a multiple of the {len(delays)} delays, got {total}")
    level = _check_level(level)
    if table is None:
        return GridReading(0, total, (), None, None, None, None)
    runs = _check_runs(table)
    done = int(runs.steps.size)
    if done > total:
        raise ValueError(f"table holds {done} runs, more than the grid's total {total}")
    complete = tuple(d for d in delays if int(np.sum(runs.delay == d)) == total // len(delays))
    if not complete:
        return GridReading(done, total, (), None, None, None, None)
    kept = select(table, np.isin(np.asarray(table["delay"]), complete))
    if len(complete) < 2:
        return GridReading(done, total, complete, kept, None, None, None)
    additive = fit_convergence(kept, level=level)
    by_lr = size_by_lr(kept, level=level)
    return GridReading(done, total, complete, kept, additive, by_lr, size_verdict(additive, by_lr))


def size_sensitivity(table, *, level: float = LEVEL) -> dict:
    """The size verdict under other reasonable choices: levels, delays and sizes left out.

    Each variant reruns :func:`fit_convergence`, :func:`size_by_lr` and
    :func:`size_verdict` on a changed table or level. Variants: the rule as
    fixed; the level at 0.90 and 0.99; without the delays at which no run
    converged (they carry no information on N or lr, only on Δt); the two
    shortest delays alone; and without each size in turn (when three or more
    were tested). A variant whose table cannot be modelled (fewer than two
    values of a covariate) is left out.

    Parameters
    ----------
    table : dict of ndarray, each of shape (n_runs,)
        As for :func:`fit_convergence`: the complete delays of a grid.
    level : float
        The level of the rule as fixed, in (0, 1).

    Returns
    -------
    dict of ndarray, one row per variant
        ``variant`` (str), ``runs`` (int), ``interaction_p``, ``verdict``
        (str) and, per tested lr, ``lr=<lr>``: N's effect at that lr (helps,
        hurts or inconclusive).
    """
    runs = _check_runs(table)
    level = _check_level(level)
    delays = np.unique(runs.delay)
    sizes = np.unique(runs.n_hidden)
    dead = [d for d in delays if not runs.converged[runs.delay == d].any()]
    keep = {"as fixed": np.ones(runs.steps.size, dtype=bool)}
    if dead and len(delays) - len(dead) >= 2:
        keep["without Δt = " + ", ".join(f"{d:g}" for d in dead) + " (none converged)"] = ~np.isin(runs.delay, dead)
    if len(delays) > 2:
        keep[f"Δt = {delays[0]:g} and {delays[1]:g} only"] = np.isin(runs.delay, delays[:2])
    if len(sizes) >= 3:
        for n in sizes:
            keep[f"without N = {n:g}"] = runs.n_hidden != n
    variants = [(name, mask, level) for name, mask in keep.items()]
    variants[1:1] = [(f"level {other:g}", keep["as fixed"], other) for other in (0.90, 0.99) if other != level]
    lrs = np.unique(runs.lr)
    rows = {"variant": [], "runs": [], "interaction_p": [], "verdict": [], **{f"lr={lr:g}": [] for lr in lrs}}
    for name, mask, lev in variants:
        part = {k: v[mask] for k, v in runs.table().items()}
        part["converged"] = part["converged"].astype(bool)
        try:
            additive = fit_convergence(part, level=lev)
            by_lr = size_by_lr(part, level=lev)
        except ValueError:
            continue
        verdict = size_verdict(additive, by_lr)
        rows["variant"].append(name)
        rows["runs"].append(int(mask.sum()))
        rows["interaction_p"].append(verdict.interaction_p)
        rows["verdict"].append(verdict.effect)
        for lr in lrs:
            hit = np.flatnonzero(by_lr.lr == lr)
            rows[f"lr={lr:g}"].append(_side(by_lr.low[hit[0]], by_lr.high[hit[0]]) if hit.size else "—")
    return {k: np.array(v, dtype=object if k in ("variant", "verdict") or k.startswith("lr=") else None)
            for k, v in rows.items()}


def sensitivity_text(sensitivity: dict, reading: GridReading) -> str:
    """The sensitivity of the size verdict in words: how many variants keep it, and where a size drives a harm.

    Parameters
    ----------
    sensitivity : dict of ndarray
        From :func:`size_sensitivity` on ``reading.runs``.
    reading : GridReading
        Whose verdict the variants are compared with.

    Returns
    -------
    str
        E.g. "The verdict, depends on lr, holds in 7 of 8 variants; it changes
        without N = 200 (verdict: helps). At lr = 0.001 more units hurt only
        through N = 200: without N = 200, they help there too."
    """
    _check_instance("reading", reading, GridReading)
    if reading.verdict is None:
        raise ValueError("reading must hold a verdict (two complete delays) to compare the variants with")
    if not isinstance(sensitivity, dict) or not {"variant", "verdict"} <= set(sensitivity):
        raise TypeError("sensitivity must be the dict of size_sensitivity")
    variants, verdicts = list(sensitivity["variant"]), list(sensitivity["verdict"])
    agree = [v == reading.verdict.effect for v in verdicts]
    others = [f"{name} (verdict: {v})" for name, v, ok in zip(variants, verdicts, agree, strict=True) if not ok]
    text = f"The verdict, {reading.verdict.effect}, holds in {sum(agree)} of {len(agree)} variants" + (
        f"; it changes {'; '.join(others)}." if others else "."
    )
    # A size whose removal turns a harm at one lr into a help is where that harm comes from.
    for lr in reading.by_lr.lr:
        if reading.effect_at(lr) != "hurts":
            continue
        for name, effect in zip(variants, sensitivity[f"lr={lr:g}"], strict=True):
            if name.startswith("without N") and effect == "helps":
                text += (
                    f" At lr = {lr:g} more units hurt only through {name[len('without '):]}: "
                    f"{name}, they help there too."
                )
    return text


def lr_size_reading(name: str = "lr_size", *, level: float = LEVEL) -> GridReading:
    """:func:`read_grid` of the shipped sweep ``name``."""
    from ..experiments.sweep import load_sweep, shipped_config
    from ..experiments.sweep_report import run_table

    config = shipped_config(name)[0]
    results, total = load_sweep(name)
    table = run_table(results) if results else None
    return read_grid(table, delays=config["grid"]["delay"], total=total, level=level)


def size_finding(reading: GridReading) -> str:
    """The finding on network size in one markdown sentence, from a :class:`GridReading`.

    It names the verdict of :func:`size_verdict` (per lr when the effect
    depends on it) and says whether it rests on the whole grid, then how far
    each size gets: at the longest delay any run learnt, the convergence count
    of each size at its best learning rate (the best of the tested ones, so an
    optimistic count for every size alike). Until two delays are complete it
    says that the question is open.
    """
    _check_instance("reading", reading, GridReading)
    if reading.verdict is None:
        return (
            f"whether more units reach longer delays is open: the learning-rate × size grid has "
            f"{reading.done} of {reading.total} runs, too few complete delays to model"
        )
    v = reading.verdict
    if v.effect == "depends on lr":
        sides = {}
        for lr in reading.by_lr.lr:
            sides.setdefault(reading.effect_at(lr), []).append(f"{lr:g}")
        words = {"helps": "help", "hurts": "hurt", "inconclusive": "have no established effect"}
        parts = [f"{words[side]} at lr = {' and '.join(lrs)}" for side, lrs in sides.items()]
        effect = "more units " + "; they ".join(parts)
    else:
        effect = {
            "helps": "more units help, whatever the learning rate",
            "hurts": "more units hurt, whatever the learning rate",
            "inconclusive": "more units have no established effect",
        }[v.effect]
    counts = f"{reading.done} of {reading.total} runs"
    return f"{effect} (**{v.effect}**, on {reading.scope}, {counts}){_reach(reading.runs)}"


def _reach(runs) -> str:
    """How far each size gets at its best learning rate: the convergence counts at the longest delay any run learnt."""
    learnt = np.unique(np.asarray(runs["delay"])[np.asarray(runs["converged"], dtype=bool)])
    if learnt.size == 0:
        return "; no run converged at any tested delay"
    longest = int(learnt.max())
    at = select(runs, delay=longest)
    cells = group_proportion(at, "converged", by=("n_hidden", "lr"))
    counts = []
    for n in np.unique(cells["n_hidden"]):
        row = cells["n_hidden"] == n
        best = int(np.argmax(cells["k"][row]))
        counts.append(f"{cells['k'][row][best]} of {cells['n'][row][best]} (N = {n:g})")
    longer = sorted(int(d) for d in np.unique(runs["delay"]) if d > longest)
    beyond = f"; no run learnt Δt = {', '.join(map(str, longer))}" if longer else ""
    return (
        f"; at Δt = {longest}, the longest delay any run learnt, each size at its best learning rate "
        f"converges in {_and(counts)}{beyond}"
    )


def _and(items: list) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ============================================================================= survival


@dataclass(frozen=True)
class KaplanMeier:
    """The Kaplan–Meier estimate of the fraction of runs not yet converged after t updates.

    Attributes
    ----------
    time : ndarray of shape (m,)
        The distinct ``steps`` values (events and censorings), ascending.
    at_risk, events, censored : ndarray of shape (m,), int
        Runs still unconverged just before ``time``, runs converging at it,
        runs censored at it (censored runs count as at risk at their own time).
    survival : ndarray of shape (m,)
        S(t), the estimated fraction not converged after ``time``.
    low, high : ndarray of shape (m,)
        Pointwise log-log band at ``level`` from Greenwood's variance (equal to
        :func:`scipy.stats.ecdf`'s ``method="log-log"``); where S is 1 (no
        event yet) or 0 the band is S itself.
    median : float
        The smallest ``time`` with ``S ≤ 0.5``; ``inf`` if S never falls to
        0.5 ("not reached": fewer than half the runs converged within follow-up).
    median_low, median_high : float
        Interval of the median (Brookmeyer–Crowley, by inverting the band): the
        smallest ``time`` at which the lower, respectively upper, end of the
        band is ≤ 0.5; ``inf`` if it never is.
    level : float
    n : int
    """

    time: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    censored: np.ndarray
    survival: np.ndarray
    low: np.ndarray
    high: np.ndarray
    median: float
    median_low: float
    median_high: float
    level: float
    n: int


def _first_at_most_half(time, curve) -> float:
    hit = np.flatnonzero(curve <= 0.5)
    return float(time[hit[0]]) if hit.size else math.inf


def kaplan_meier(steps, converged, *, level: float = LEVEL) -> KaplanMeier:
    """Kaplan–Meier estimate of updates to criterion, censored runs honoured.

    Parameters
    ----------
    steps : array_like of shape (n,)
        Positive integers: updates to criterion for a converged run, the
        updates done (its budget) for one that did not converge.
    converged : array_like of bool, shape (n,)
        False marks a run right-censored at its ``steps``.
    level : float
        Nominal level of the band and the median's interval, in (0, 1).

    Returns
    -------
    KaplanMeier
    """
    steps_arr, conv = np.asarray(steps), np.asarray(converged)
    if steps_arr.ndim != 1 or steps_arr.size == 0:
        raise ValueError(f"steps must be a non-empty 1-D array, got shape {steps_arr.shape}")
    if conv.dtype != np.bool_:
        raise TypeError(f"converged must be an array of booleans, got dtype {conv.dtype}")
    if conv.shape != steps_arr.shape:
        raise ValueError(f"converged must have the shape of steps {steps_arr.shape}, got {conv.shape}")
    if steps_arr.dtype.kind not in "iuf":
        raise TypeError(f"steps must be numeric, got dtype {steps_arr.dtype}")
    steps_arr = steps_arr.astype(np.float64)
    if not np.all(np.isfinite(steps_arr)):
        raise ValueError("steps must hold finite numbers")
    _check_steps("steps", steps_arr)
    level = _check_level(level)
    time, inverse = np.unique(steps_arr, return_inverse=True)
    events = np.bincount(inverse, weights=conv, minlength=time.size).astype(np.int64)
    censored = np.bincount(inverse, minlength=time.size).astype(np.int64) - events
    at_risk = conv.size - np.concatenate([[0], np.cumsum(events + censored)[:-1]])
    survival = np.cumprod(1.0 - events / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(events / (at_risk * (at_risk - events)))
        z = _sp.ndtri(0.5 + level / 2)
        spread = z * np.sqrt(greenwood) / np.abs(np.log(survival))
        centre = np.log(-np.log(survival))
        low = np.exp(-np.exp(centre + spread))
        high = np.exp(-np.exp(centre - spread))
    edge = (survival == 0.0) | (survival == 1.0)
    low, high = np.where(edge, survival, low), np.where(edge, survival, high)
    return KaplanMeier(
        time=time,
        at_risk=at_risk,
        events=events,
        censored=censored,
        survival=survival,
        low=low,
        high=high,
        median=_first_at_most_half(time, survival),
        median_low=_first_at_most_half(time, low),
        median_high=_first_at_most_half(time, high),
        level=level,
        n=int(conv.size),
    )


def km_median_coverage(
    n: int,
    *,
    median: float,
    sigma: float,
    budget: float,
    every: int = 1,
    n_sims: int = 2000,
    level: float = LEVEL,
    rng,
) -> float:
    """Simulated coverage of :func:`kaplan_meier`'s median interval for a cell of ``n`` runs.

    Updates to criterion are drawn lognormal, seen at the first evaluation
    (a multiple of ``every``) at or after they happen and censored at
    ``budget``, as a sweep's runs are; the interval covers when it contains
    the true median of those observed times. An interval with an infinite end
    ("not reached") covers whenever its finite end allows.

    Parameters
    ----------
    n : int
        Runs per cell, at least 2.
    median : float
        Median updates to criterion of the underlying lognormal, > 0 and ≤ ``budget``.
    sigma : float
        Standard deviation of the log updates, > 0.
    budget : float
        The censoring time (the sweep's ``max_steps``), > 0.
    every : int
        Updates between evaluations, ≥ 1.
    n_sims : int
        Simulated cells, ≥ 100.
    level : float
        Nominal level of the interval, in (0, 1).
    rng : int or numpy.random.Generator
        Keyword-only.

    Returns
    -------
    float
        The fraction of the ``n_sims`` intervals that contain the true median.
    """
    n = check_int("n", n, minimum=2)
    budget = check_float("budget", budget, minimum=0.0, strict_min=True)
    median = check_float("median", median, minimum=0.0, maximum=budget, strict_min=True)
    sigma = check_float("sigma", sigma, minimum=0.0, strict_min=True)
    every = check_int("every", every, minimum=1)
    n_sims = check_int("n_sims", n_sims, minimum=100)
    level = _check_level(level)
    rng = as_generator("rng", rng)
    truth = math.ceil(median / every) * every
    hits = 0
    for _ in range(n_sims):
        seen = np.ceil(median * np.exp(sigma * rng.standard_normal(n)) / every) * every
        converged = seen <= budget
        km = kaplan_meier(np.where(converged, seen, budget), converged, level=level)
        hits += km.median_low <= truth <= km.median_high
    return hits / n_sims


def _check_time(name: str, value) -> float:
    """A number of updates > 0, or inf for "not reached"."""
    if value == math.inf:
        return math.inf
    return check_float(name, value, minimum=0.0, strict_min=True)


def median_text(median: float, low: float, high: float, level: float = LEVEL) -> str:
    """A Kaplan–Meier median in words, e.g. ``"2400 (95 % CI 1900 to 3100)"`` or ``"not reached"``.

    Parameters
    ----------
    median, low, high : float
        As :attr:`KaplanMeier.median`, ``median_low``, ``median_high``; ``inf`` is "not reached".
    level : float
        The interval's nominal level.
    """
    values = [_check_time(name, v) for name, v in (("median", median), ("low", low), ("high", high))]
    level = _check_level(level)
    shown = ["not reached" if math.isinf(v) else f"{v:.0f}" for v in values]
    if math.isinf(values[0]) and math.isinf(values[1]):
        return "not reached"
    return f"{shown[0]} ({_pct(level)} CI {shown[1]} to {shown[2]})"


def km_table(table, by=("lr", "n_hidden", "delay"), *, level: float = LEVEL) -> dict:
    """Per cell: Kaplan–Meier median updates to criterion with its interval.

    Parameters
    ----------
    table : dict of ndarray, each of shape (n_runs,)
        With the columns :data:`REQUIRED_COLUMNS` and those of ``by``.
    by : str or sequence of str
        Columns defining the cells.
    level : float
        Nominal level of the medians' intervals, in (0, 1).

    Returns
    -------
    dict of ndarray, one row per cell, sorted by ``by``
        The ``by`` columns; ``n``, ``n_converged``, ``n_censored``;
        ``median``, ``median_lo``, ``median_hi`` (``inf``: not reached, see
        :class:`KaplanMeier`); ``median_text`` (str, :func:`median_text`);
        ``follow_up`` (the largest ``steps`` in the cell).
    """
    runs = _check_runs(table)
    level = _check_level(level)
    by = by_columns(table, by)
    cells = {name: np.asarray(table[name]) for name in by}
    cells.update(runs.table())
    rows = []
    for by_cols, combo, mask in groups(cells, by):
        km = kaplan_meier(runs.steps[mask].astype(np.int64), runs.converged[mask], level=level)
        row = dict(zip(by_cols, combo, strict=True))
        row.update(
            n=km.n,
            n_converged=int(km.events.sum()),
            n_censored=int(km.censored.sum()),
            median=km.median,
            median_lo=km.median_low,
            median_hi=km.median_high,
            median_text=median_text(km.median, km.median_low, km.median_high, level),
            follow_up=float(km.time[-1]),
        )
        rows.append(row)
    columns = [*by, "n", "n_converged", "n_censored", "median", "median_lo", "median_hi", "median_text", "follow_up"]
    return collect(rows, columns, cells)


@dataclass(frozen=True)
class LogRankTest:
    """A k-sample log-rank test of one factor, stratified.

    Attributes
    ----------
    factor : str
        The column whose levels are compared.
    strata : tuple of str
        The columns whose combinations are the strata.
    groups : ndarray of shape (k,)
        The factor's levels, ascending.
    observed, expected : ndarray of shape (k,)
        Converged runs per level, and those expected under no effect of the
        factor, summed over strata. ``observed > expected`` means the level
        converges sooner than the others in its strata.
    covariance : ndarray of shape (k, k)
        Hypergeometric covariance of ``observed − expected``, summed over strata.
    statistic : float
        ``(O − E)ᵀ V⁺ (O − E)``; NaN if no stratum carries information.
    df : int
        Rank of ``covariance`` (k − 1 when every level meets another in some
        stratum with an event).
    pvalue : float
        ``χ²_df`` upper tail of ``statistic``; NaN with ``df == 0``.
    n_strata : int
        Strata with at least two levels and one converged run, the ones that inform the test.
    """

    factor: str
    strata: tuple
    groups: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    covariance: np.ndarray
    statistic: float
    df: int
    pvalue: float
    n_strata: int


def stratified_logrank(table, factor: str = "lr", strata=("n_hidden", "delay")) -> LogRankTest:
    """Does ``factor`` change the time to criterion within strata? The stratified k-sample log-rank test.

    At each distinct convergence time of each stratum, the runs converging
    are compared with those expected from each level's share of the runs at
    risk; ``O − E`` and the hypergeometric covariance
    ``d (n − d) / (n − 1) · (diag(r) − r rᵀ)`` (``r``: shares at risk, ``d``:
    events, ``n``: at risk) are summed over times and strata. With one stratum
    and two levels the statistic is the square of :func:`scipy.stats.logrank`'s.

    Parameters
    ----------
    table : dict of ndarray, each of shape (n_runs,)
        With the columns :data:`REQUIRED_COLUMNS`, ``factor`` and ``strata``.
    factor : str
        E.g. ``"lr"`` (within ``("n_hidden", "delay")``) or ``"n_hidden"``
        (within ``("lr", "delay")``).
    strata : str or sequence of str
        Columns defining the strata; an empty sequence means one stratum.

    Returns
    -------
    LogRankTest
    """
    runs = _check_runs(table)
    if not isinstance(factor, str):
        raise TypeError(f"factor must be a column name (str), got {type(factor).__name__}")
    strata = (strata,) if isinstance(strata, str) else tuple(strata)
    if factor in strata:
        raise ValueError(f"strata must not hold the factor {factor!r}")
    check_columns(table, (factor, *strata), what="table column")
    levels, level_of = np.unique(np.asarray(table[factor]), return_inverse=True)
    k = levels.size
    onehot = np.eye(k)[level_of]
    key = np.zeros(runs.steps.size, dtype=np.int64)
    if strata:
        key = np.unique(
            np.column_stack([np.asarray(table[s]).astype(str) for s in strata]), axis=0, return_inverse=True
        )[1].ravel()
    observed, expected, covariance, informative = np.zeros(k), np.zeros(k), np.zeros((k, k)), 0
    for s in np.unique(key):
        rows = key == s
        t, conv, member = runs.steps[rows], runs.converged[rows], onehot[rows]
        times = np.unique(t[conv])
        if times.size == 0:
            continue
        at_risk = (t[None, :] >= times[:, None]).astype(np.float64) @ member
        events = ((t[None, :] == times[:, None]) & conv[None, :]).astype(np.float64) @ member
        n, d = at_risk.sum(1), events.sum(1)
        share = at_risk / n[:, None]
        observed += events.sum(0)
        expected += (share * d[:, None]).sum(0)
        # At n = 1 the factor d (n − d)/(n − 1) is 0/0; the single run carries no information, as in scipy.
        scale = np.divide(d * (n - d), n - 1, out=np.zeros_like(n), where=n > 1)
        covariance += np.einsum("t,ti,ij->ij", scale, share, np.eye(k)) - np.einsum("t,ti,tj->ij", scale, share, share)
        informative += int(np.count_nonzero(member.any(0)) >= 2)
    diff = observed - expected
    df = int(np.linalg.matrix_rank(covariance)) if informative else 0
    statistic = float(diff @ np.linalg.pinv(covariance) @ diff) if df else math.nan
    pvalue = float(_st.chi2.sf(statistic, df)) if df else math.nan
    return LogRankTest(factor, strata, levels, observed, expected, covariance, statistic, df, pvalue, informative)


# ============================================================================= figures


def _size_colors(sizes) -> dict:
    sizes = sorted({float(s) for s in sizes})
    if len(sizes) > len(SIZE_COLORS):
        raise ValueError(f"table must hold at most {len(SIZE_COLORS)} network sizes to colour them, got {len(sizes)}")
    return {s: SIZE_COLORS[i] for i, s in enumerate(sizes)}


def _style(ax, *, xlabel: str, ylabel: str, title: str, legend) -> None:
    if not isinstance(legend, (bool, np.bool_)):
        raise TypeError(f"legend must be True or False, got {type(legend).__name__}")
    ax.set_xlabel(xlabel, fontsize=FONT_SIZE)
    ax.set_ylabel(ylabel, fontsize=FONT_SIZE)
    ax.set_title(title, fontsize=FONT_SIZE)
    ax.tick_params(labelsize=FONT_SIZE)
    if legend:
        ax.legend(fontsize=FONT_SIZE, frameon=False)


def _short(value: float) -> str:
    """A learning rate as ``2.5e-4`` rather than ``0.00025``: narrower tick labels."""
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"{float(mantissa):g}e{int(exponent)}"


def _one_value(name: str, value, present) -> float:
    value = check_float(name, value)
    values = sorted(set(np.asarray(present, dtype=np.float64).tolist()))
    if value not in values:
        raise ValueError(f"{name} must be one of the table's values {values}, got {value}")
    return value


def plot_convergence(ax, table, *, delay, prediction=None, level: float = LEVEL, legend: bool = True):
    """Fraction of seeds converged against lr at one Δt, one colour per N, with Wilson intervals.

    Parameters
    ----------
    ax : matplotlib Axes
    table : dict of ndarray, each of shape (n_runs,)
        With the columns :data:`REQUIRED_COLUMNS`.
    delay : int
        The Δt to show (one of the table's).
    prediction : dict of ndarray, optional
        From :func:`predict_convergence` on the same table: the model's
        probability per cell is drawn as a line per N with its interval shaded.
    level : float
        Nominal level of the Wilson intervals, in (0, 1).
    legend : bool
        Draw the legend of sizes (one panel of a row is enough).

    Returns
    -------
    The ``ax`` given.
    """
    runs = _check_runs(table)
    level = _check_level(level)
    delay = _one_value("delay", delay, runs.delay)
    colors = _size_colors(runs.n_hidden)
    if prediction is not None:
        if not isinstance(prediction, dict):
            raise TypeError(f"prediction must be the dict of predict_convergence, got {type(prediction).__name__}")
        check_columns(prediction, ("lr", "n_hidden", "delay", "p_model", "p_lo", "p_hi"), what="prediction column")
    cells = group_proportion(select(runs.table(), delay=delay), "converged", by=("n_hidden", "lr"), level=level)
    lrs = np.unique(runs.lr)
    # Sizes side by side around each lr (a few hundredths of a doubling apart) so their intervals do not overlap.
    dodge = {s: 2.0 ** (0.08 * (i - (len(colors) - 1) / 2)) for i, s in enumerate(colors)}
    for size, color in colors.items():
        mine = cells["n_hidden"] == size
        x = cells["lr"][mine] * dodge[size]
        frac = cells["frac"][mine]
        err = np.vstack([frac - cells["frac_lo"][mine], cells["frac_hi"][mine] - frac])
        ax.errorbar(x, frac, yerr=err, fmt="o", color=color, capsize=3, label=f"N = {size:g}")
        if prediction is not None:
            model = {c: np.asarray(prediction[c]) for c in ("lr", "n_hidden", "delay", "p_model", "p_lo", "p_hi")}
            rows = (model["n_hidden"] == size) & (model["delay"] == delay)
            order = np.argsort(model["lr"][rows])
            x_model = model["lr"][rows][order]
            ax.plot(x_model, model["p_model"][rows][order], color=color, lw=1)
            ax.fill_between(
                x_model, model["p_lo"][rows][order], model["p_hi"][rows][order], color=color, alpha=0.15, lw=0
            )
    ax.set_xscale("log")
    ax.set_xticks(lrs, [_short(lr) for lr in lrs])
    ax.minorticks_off()
    ax.set_ylim(-0.03, 1.03)
    _style(ax, xlabel="learning rate", ylabel="fraction of seeds converged", title=f"Δt = {delay:g}", legend=legend)
    return ax


def plot_km(ax, table, *, delay, lr, level: float = LEVEL, legend: bool = True):
    """Kaplan–Meier curves of one (Δt, lr): the fraction converged by each update, one curve per N.

    Drawn as ``1 − S(t)`` with its log-log band; a tick marks each censored
    run (at its budget, at the height the curve ends).

    Parameters
    ----------
    ax : matplotlib Axes
    table : dict of ndarray, each of shape (n_runs,)
        With the columns :data:`REQUIRED_COLUMNS`.
    delay, lr : float
        The cell row to show (values of the table).
    level : float
        Nominal level of the bands, in (0, 1).
    legend : bool
        Draw the legend of sizes.

    Returns
    -------
    The ``ax`` given.
    """
    runs = _check_runs(table)
    level = _check_level(level)
    delay = _one_value("delay", delay, runs.delay)
    lr = _one_value("lr", lr, runs.lr)
    colors = _size_colors(runs.n_hidden)
    for size, color in colors.items():
        mine = (runs.delay == delay) & (runs.lr == lr) & (runs.n_hidden == size)
        if not mine.any():
            continue
        km = kaplan_meier(runs.steps[mine].astype(np.int64), runs.converged[mine], level=level)
        t = np.concatenate([[0.0], km.time])
        converged = 1.0 - np.concatenate([[1.0], km.survival])
        ax.step(t, converged, where="post", color=color, label=f"N = {size:g} (n = {km.n})")
        ax.fill_between(
            t,
            1.0 - np.concatenate([[1.0], km.high]),
            1.0 - np.concatenate([[1.0], km.low]),
            step="post",
            color=color,
            alpha=0.15,
            lw=0,
        )
        cens = km.censored > 0
        ax.plot(km.time[cens], 1.0 - km.survival[cens], "|", color=color, ms=10, mew=1.5)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlim(left=0)
    _style(
        ax,
        xlabel="updates",
        ylabel="fraction converged (1 − KM)",
        title=f"Δt = {delay:g}, lr = {_short(lr)}",
        legend=legend,
    )
    return ax


__all__ = [
    "FONT_SIZE",
    "INTERVAL_METHOD",
    "REQUIRED_COLUMNS",
    "SIZE_COLORS",
    "SIZE_EFFECTS",
    "TERMS",
    "ConvergenceFit",
    "KaplanMeier",
    "LikelihoodRatioTest",
    "LogRankTest",
    "SizeByLr",
    "SizeVerdict",
    "GridReading",
    "fit_convergence",
    "kaplan_meier",
    "lr_size_reading",
    "km_median_coverage",
    "km_table",
    "median_text",
    "plot_convergence",
    "plot_km",
    "predict_convergence",
    "read_grid",
    "size_by_lr",
    "size_finding",
    "sensitivity_text",
    "size_sensitivity",
    "size_verdict",
    "stratified_logrank",
]
