"""Fixed points and slow points of the autonomous map F(s) = tanh(W s + W_in x).

Following Sussillo & Barak (2013) as adapted by the paper to discrete time, a
fixed point is a zero of q(s) = ½‖F(s) − s‖², and a *slow point* a local
minimum of q with small but non-zero q. The search runs in rounds:

1. Seeds drawn from a trajectory of the network on the task, perturbed by
   Gaussian noise, plus seeds near the origin.
2. Seeds at the midpoints of pairs of the points found so far: saddles sit on
   the separatrices *between* the attractors they separate (the midpoint of
   a face diagonal of the cube lies near that face's saddle, of a body
   diagonal near the centre), where few trajectory states fall.

Every seed is driven to a zero of F(s) − s by damped Newton, vectorised over
seeds (batched ``np.linalg.solve`` in float64), see :func:`_newton`. With zero
input the map is odd, F(−s) = −F(s), so the fixed points come in pairs ±s
with the same Jacobian; the search uses this to halve its work.

Stability in discrete time is |λ| > 1 for eigenvalues λ of the Jacobian
J = diag(1 − F(s)²) W. Trained networks can carry modes with |λ| within a
percent of 1 (slow directions along which memories drift, and in delayed
networks slowly rotating modes: the shipped Δt = 8 network has complex pairs
at |λ| = 1.001 to 1.012); an exact |λ| > 1 count calls these unstable or not
by a hair. We count a mode as unstable only when
|λ| > 1 + ``margin``; see :func:`count_unstable`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from ._validate import as_generator, check_array, check_float, check_int
from .model import RNNWeights, simulate
from .task import TaskConfig, make_stream

DEFAULT_MARGIN = 0.01
# A mode with |λ| = 1.01 needs ~100 steps to grow e-fold: twice the mean
# interval between pulses, so on the task's timescale it is indistinguishable
# from a neutral mode.

_ALPHAS = 0.5 ** np.arange(8)  # backtracking ladder for the damped step
_MU_START, _MU_MAX = 1e-6, 1e6  # Levenberg–Marquardt damping range
_Q_STOP = 1e-20  # Newton keeps refining to here, far below any sensible q_tol


@dataclass(frozen=True, eq=False)
class FixedPointResult:
    """Fixed points found by :func:`find_fixed_points`, with their linearisation.

    Points are sorted by number of unstable modes, then by their readout
    ``W_out s`` (lexicographically, rounded to 1e-6), so the order does not
    depend on the seeds.

    Attributes
    ----------
    xstar : ndarray of shape (n, N)
        The fixed points.
    q : ndarray of shape (n,)
        q(s) = ½‖F(s) − s‖² at each point (all below ``q_tol``, most below 1e-20).
    jacobians : ndarray of shape (n, N, N)
        dF/ds = diag(1 − F(s)²) W at each point.
    eigvals : ndarray of shape (n, N), complex
        Eigenvalues of each Jacobian, by decreasing modulus (ties: larger
        imaginary part first).
    n_unstable : ndarray of shape (n,), int
        Number of eigenvalues with |λ| > 1 + ``margin``.
    n_unstable_naive : ndarray of shape (n,), int
        Number of eigenvalues with |λ| > 1, for comparison.
    slow_points : ndarray of shape (m, N)
        Points where the minimiser stalled (local minima of q) with
        ``q_tol`` <= q < ``slow_q_max``, by increasing q.
    slow_q : ndarray of shape (m,)
    x : ndarray of shape (n_bits,)
        The constant input the map was evaluated at.
    margin, q_tol, slow_q_max, dedup_tol : float
        The tolerances used.
    n_seeds : tuple of int
        Number of seeds run in each round (later rounds run one seed per
        ± pair when the map is odd).
    """

    xstar: np.ndarray
    q: np.ndarray
    jacobians: np.ndarray
    eigvals: np.ndarray
    n_unstable: np.ndarray
    n_unstable_naive: np.ndarray
    slow_points: np.ndarray
    slow_q: np.ndarray
    x: np.ndarray
    margin: float
    q_tol: float
    slow_q_max: float
    dedup_tol: float
    n_seeds: tuple

    def __len__(self) -> int:
        return self.xstar.shape[0]

    def summary(self, naive: bool = False) -> dict[int, int]:
        """Number of fixed points by number of unstable modes, e.g. ``{0: 8, 1: 12, 2: 6, 3: 1}``.

        Parameters
        ----------
        naive : bool
            Count with |λ| > 1 instead of |λ| > 1 + margin.
        """
        counts = self.n_unstable_naive if naive else self.n_unstable
        values, n = np.unique(counts, return_counts=True)
        return {int(v): int(c) for v, c in zip(values, n, strict=True)}


def count_unstable(eigvals, margin: float = DEFAULT_MARGIN) -> np.ndarray:
    """Number of eigenvalues with modulus above ``1 + margin``, per row.

    Parameters
    ----------
    eigvals : array_like of shape (..., N), complex or real
    margin : float
        >= 0. Use 0 for the naive discrete-time criterion |λ| > 1.

    Returns
    -------
    ndarray of shape (...,), int
    """
    margin = check_float("margin", margin, minimum=0.0)
    ev = np.asarray(eigvals)
    if ev.ndim < 1 or ev.dtype.kind not in "fiuc":
        raise ValueError(f"eigvals must be a numeric array with at least 1 dimension, got {ev.dtype} {ev.shape}")
    return np.sum(np.abs(ev) > 1.0 + margin, axis=-1)


def jacobian(weights: RNNWeights, s, x=None) -> np.ndarray:
    """dF/ds = diag(1 − F(s)²) W of the map F(s) = tanh(W s + W_in x).

    Parameters
    ----------
    weights : RNNWeights
    s : array_like of shape (..., N)
    x : array_like of shape (n_bits,), optional
        Constant input; zero if omitted.

    Returns
    -------
    ndarray of shape (..., N, N)
    """
    _check_weights(weights)
    n = weights.n_hidden
    s = np.asarray(s)
    s = check_array("s", s, ndim=s.ndim).astype(np.float64)
    if s.ndim < 1 or s.shape[-1] != n:
        raise ValueError(f"s must have shape (..., {n}), got {s.shape}")
    b = _drive(weights, x)
    F = np.tanh(s @ weights.W.T + b)
    return (1.0 - F * F)[..., :, None] * weights.W


def sample_initial_states(
    weights: RNNWeights,
    states=None,
    *,
    n_initial: int = 1024,
    noise: float = 0.3,
    task: TaskConfig | None = None,
    n_time: int = 2000,
    rng,
) -> np.ndarray:
    """Round-1 seeds: trajectory states plus Gaussian noise, and states near the origin.

    One sixteenth of the seeds (at least one) are N(0, noise²) draws around
    the origin; the rest are states of ``states`` drawn without replacement
    (with replacement if there are too few), each plus N(0, noise²) noise.

    Parameters
    ----------
    weights : RNNWeights
    states : array_like of shape (time, N), optional
        A trajectory to sample from. If omitted, the network is run from zero
        on ``make_stream(task, n_time, rng=rng)``. The inputs of the task do not
        depend on its delay, so the default ``TaskConfig(n_bits=...)`` serves
        networks trained at any delay.
    n_initial : int
        Number of seeds, >= 1.
    noise : float
        Standard deviation of the noise per coordinate, >= 0.
    task : TaskConfig, optional
    n_time : int
        Length of the generated trajectory, >= 1.
    rng : np.random.Generator or int
        Source of the trajectory's stream, of the picks and of the noise;
        required, since the seeds returned are the random draw itself. An int
        >= 0 seeds a new generator; a Generator is drawn from and advanced.

    Returns
    -------
    initial_states : ndarray of shape (n_initial, N)
    """
    _check_weights(weights)
    n = weights.n_hidden
    n_initial = check_int("n_initial", n_initial, minimum=1)
    noise = check_float("noise", noise, minimum=0.0)
    n_time = check_int("n_time", n_time, minimum=1)
    if task is None:
        task = TaskConfig(n_bits=weights.n_bits)
    if not isinstance(task, TaskConfig) or task.n_bits != weights.n_bits:
        raise ValueError(f"task must be a TaskConfig with n_bits={weights.n_bits}, got {task!r}")
    rng = as_generator("rng", rng)
    if states is None:
        states = simulate(weights, make_stream(task, n_time, rng=rng).inputs)[0]
    else:
        states = check_array("states", states, ndim=2, shape=(None, n))
        if states.shape[0] == 0:
            raise ValueError("states must hold at least one state (shape (time >= 1, N))")
    n_origin = max(1, n_initial // 16) if n_initial > 1 else 0
    n_traj = n_initial - n_origin
    pick = rng.choice(states.shape[0], size=n_traj, replace=n_traj > states.shape[0])
    seeds = np.concatenate([states[pick], np.zeros((n_origin, n))])
    return seeds + noise * rng.standard_normal(seeds.shape)


def find_fixed_points(
    weights: RNNWeights,
    initial_states=None,
    *,
    x=None,
    states=None,
    n_initial: int = 1024,
    noise: float = 0.3,
    rng=0,
    n_rounds: int = 2,
    q_tol: float = 1e-16,
    slow_q_max: float = 1e-6,
    dedup_tol: float = 1e-5,
    margin: float = DEFAULT_MARGIN,
    max_iter: int = 100,
    merge_tol: float = 0.05,
) -> FixedPointResult:
    """Find the fixed points of F(s) = tanh(W s + W_in x) at a constant input x.

    Parameters
    ----------
    weights : RNNWeights
    initial_states : array_like of shape (m, N), optional
        Round-1 seeds, used as given. If omitted, :func:`sample_initial_states`
        draws ``n_initial`` of them from ``states`` (or from a simulated
        trajectory) and adds ``noise``.
    x : array_like of shape (n_bits,), optional
        Constant input; zero if omitted (the memory-holding regime).
    states : array_like of shape (time, N), optional
        Trajectory to sample seeds from; ignored if ``initial_states`` is given.
    n_initial : int
        Number of round-1 seeds to sample, and the most seeds any later round
        runs, >= 1.
    noise : float
        Standard deviation of the Gaussian noise added to sampled seeds, >= 0.
        The default 0.3 found every fixed point of the shipped networks
        (checked against 24 576 seeds at noise up to 1.0); 0.1 missed saddles
        of the Δt = 8 network.
    rng : np.random.Generator or int
        Source of all randomness (seed sampling, subsampling of later rounds).
        The default seed 0 is deliberate: the seeds are only a means of search
        (the points found are sorted independently of them), so a fixed default
        makes the analysis reproducible without the caller choosing a seed.
        Pass another seed or a Generator to check that the result does not
        depend on it.
    n_rounds : int
        Rounds of search, >= 1: round 1 from the seeds, each later round from
        midpoints of pairs involving a point new in the round before. The
        search stops early when a round finds nothing new.
    q_tol : float
        Points whose q falls below ``q_tol`` are fixed points, in (0, 1e-6].
        The default 1e-16 means ‖F(s) − s‖ < 1.4e-8. Newton refines every
        seed that converges on to q < 1e-20, so the result hardly depends on it.
    slow_q_max : float
        Points where the minimiser stalls with ``q_tol`` <= q < ``slow_q_max``
        are reported as slow points, in [``q_tol``, 1]. The default 1e-6
        means the state moves by less than 1.4e-3 per step there.
    dedup_tol : float
        Points closer than this (Euclidean norm) are the same point, > 0.
        Converged points agree to ~1e-10; distinct fixed points of the shipped
        networks lie at least 0.5 apart.
    margin : float
        A mode is unstable when |λ| > 1 + margin, >= 0. The default
        :data:`DEFAULT_MARGIN` (0.01) treats modes that need more than ~100
        steps to grow e-fold as neutral.
    max_iter : int
        Maximum Newton iterations per seed, >= 1.
    merge_tol : float
        Speed-up, >= 0 (0 disables it): once seeds have ‖F(s) − s‖ <
        ``merge_tol`` and lie within ``merge_tol`` of each other, only the one
        with the lowest q is iterated further. Near a fixed point Newton
        converges to it, so the others would end at the same point.

    Returns
    -------
    FixedPointResult
    """
    _check_weights(weights)
    n = weights.n_hidden
    check_int("n_initial", n_initial, minimum=1)
    check_float("noise", noise, minimum=0.0)
    q_tol = check_float("q_tol", q_tol, minimum=0.0, maximum=1e-6, strict_min=True)
    slow_q_max = check_float("slow_q_max", slow_q_max, minimum=q_tol, maximum=1.0)
    dedup_tol = check_float("dedup_tol", dedup_tol, minimum=0.0, strict_min=True)
    margin = check_float("margin", margin, minimum=0.0)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    n_rounds = check_int("n_rounds", n_rounds, minimum=1)
    merge_tol = check_float("merge_tol", merge_tol, minimum=0.0)
    b = _drive(weights, x)
    rng = as_generator("rng", rng)
    if initial_states is not None:
        initial_states = check_array("initial_states", initial_states, ndim=2, shape=(None, n)).astype(np.float64)
        if initial_states.shape[0] == 0:
            raise ValueError("initial_states must hold at least one state (shape (m >= 1, N))")
    # The work is many small matrices, where BLAS threads only add overhead
    # (measured 5-8x slower with two threads than with one).
    with threadpool_limits(1):
        seeds = initial_states
        if seeds is None:
            seeds = sample_initial_states(weights, states, n_initial=n_initial, noise=noise, rng=rng)
        W = weights.W
        fixed, fixed_q, ev = np.empty((0, n)), np.empty(0), np.empty((0, n), complex)
        slow, slow_q, n_seeds = np.empty((0, n)), np.empty(0), []
        n_new = 0
        for k in range(n_rounds):
            if k > 0:
                seeds = _midpoints(fixed, n_new, b, n_initial, rng)
                if len(seeds) == 0:
                    break
            s, q = _newton(W, b, seeds, q_tol, slow_q_max, max_iter, merge_tol)
            n_seeds.append(len(seeds))
            new, new_q = _dedup(s[q < q_tol], q[q < q_tol], dedup_tol, known=fixed)
            is_slow = (q >= q_tol) & (q < slow_q_max)
            slow, slow_q = _dedup(np.concatenate([slow, s[is_slow]]), np.concatenate([slow_q, q[is_slow]]), dedup_tol)
            n_old = len(fixed)
            fixed, fixed_q, ev = _add_points(W, b, fixed, fixed_q, ev, new, new_q, dedup_tol)
            n_new = len(fixed) - n_old
            if n_new == 0:
                break
    slow_keep = _far_from(slow, fixed, dedup_tol)
    slow, slow_q = slow[slow_keep], slow_q[slow_keep]

    jac = _jac(W, b, fixed)
    n_unst = count_unstable(ev, margin)
    readout = np.round(fixed @ weights.W_out.T, 6)
    order = np.lexsort((*readout.T[::-1], n_unst))
    out = {
        "xstar": fixed[order],
        "q": fixed_q[order],
        "jacobians": jac[order],
        "eigvals": ev[order],
        "n_unstable": n_unst[order],
        "n_unstable_naive": count_unstable(ev, 0.0)[order],
        "slow_points": slow,
        "slow_q": slow_q,
    }
    for arr in out.values():
        arr.flags.writeable = False
    x_used = np.zeros(weights.n_bits) if x is None else np.array(x, dtype=np.float64)
    x_used.flags.writeable = False
    return FixedPointResult(
        **out,
        x=x_used,
        margin=margin,
        q_tol=q_tol,
        slow_q_max=slow_q_max,
        dedup_tol=dedup_tol,
        n_seeds=tuple(n_seeds),
    )


def unstable_ends(weights: RNNWeights, fps: FixedPointResult, index: int, *, eps: float = 1e-3, n_steps: int = 300):
    """Where the network goes from a fixed point pushed along its most unstable mode.

    The state ``xstar ± eps v`` (v the unit eigenvector of the largest-|λ|
    eigenvalue, real part) is run for ``n_steps`` steps with the input held at
    the point's own constant input. For a saddle with one unstable mode the two
    ends are the attractors that its stable manifold separates.

    Parameters
    ----------
    weights : RNNWeights
    fps : FixedPointResult
    index : int
        Row of ``fps.xstar``, in [0, len(fps)).
    eps : float
        Size of the push, > 0.
    n_steps : int
        Steps to run, >= 1.

    Returns
    -------
    ends : ndarray of shape (2, N)
        Final states after the push along +v and along -v.
    """
    _check_weights(weights)
    if not isinstance(fps, FixedPointResult):
        raise TypeError(f"fps must be a FixedPointResult, got {type(fps).__name__}")
    index = check_int("index", index, minimum=0, maximum=len(fps) - 1)
    eps = check_float("eps", eps, minimum=0.0, strict_min=True)
    n_steps = check_int("n_steps", n_steps, minimum=1)
    lam, vecs = np.linalg.eig(fps.jacobians[index])
    v = np.real(vecs[:, np.argmax(np.abs(lam))])
    v = eps * v / np.linalg.norm(v)
    held = np.broadcast_to(fps.x, (n_steps, weights.n_bits))
    return np.array([simulate(weights, held, s0=fps.xstar[index] + sign * v)[0][-1] for sign in (1.0, -1.0)])


def attractor_corners(weights: RNNWeights, fps: FixedPointResult) -> list[tuple[int, ...]]:
    """The output each attractor holds: the sign pattern of its readout tanh(W_out s*).

    A network that solves the flip-flop task holds each of the 2**n_bits
    outputs at an attractor of its own, so a working network without delay
    returns every corner of the cube exactly once. Only the signs are used,
    which is what a reader can compare across machines: the attractors'
    coordinates change in their last bits with the floating-point kernels.

    Parameters
    ----------
    weights : RNNWeights
    fps : FixedPointResult
        Fixed points of ``weights`` at zero input.

    Returns
    -------
    list of tuple of int
        One pattern of +1/-1 per attractor (points with no unstable mode),
        sorted; a pattern appears twice if two attractors hold the same output.
    """
    _check_weights(weights)
    if not isinstance(fps, FixedPointResult):
        raise TypeError(f"fps must be a FixedPointResult, got {type(fps).__name__}")
    if fps.xstar.shape[1] != weights.n_hidden:
        raise ValueError(f"fps must hold states of N={weights.n_hidden} units, got N={fps.xstar.shape[1]}")
    readout_ak = fps.xstar[fps.n_unstable == 0] @ weights.W_out.T
    return sorted(tuple(int(v) for v in np.where(row >= 0, 1, -1)) for row in readout_ak)


def _check_weights(weights):
    if not isinstance(weights, RNNWeights):
        raise TypeError(f"weights must be RNNWeights, got {type(weights).__name__}")


def _drive(weights: RNNWeights, x) -> np.ndarray:
    """W_in x as an (N,) vector; zero when x is None."""
    if x is None:
        return np.zeros(weights.n_hidden)
    x = check_array("x", x, ndim=1, shape=(weights.n_bits,)).astype(np.float64)
    return weights.W_in @ x


def _jac(W, b, s_bn):
    F = np.tanh(s_bn @ W.T + b)
    return (1.0 - F * F)[:, :, None] * W


def _eigvals(jac_bnn):
    ev = np.linalg.eigvals(jac_bnn)
    # Conjugate pairs share a modulus up to rounding, so round before sorting.
    order = np.lexsort((-ev.imag, -np.round(np.abs(ev), 12)), axis=-1)
    return np.take_along_axis(ev, order, axis=-1)


def _add_points(W, b, fixed, fixed_q, ev, new, new_q, tol):
    """Append ``new`` points and their spectra to the known ones.

    With zero input, −s is a fixed point whenever s is, with the same q and
    the same Jacobian J(−s) = J(s). So a new point within ``tol`` of the
    negation of an earlier one is stored as its exact negation, the missing
    partner of every other new point is added, and each pair's spectrum is
    computed once.

    Returns
    -------
    fixed, fixed_q, ev
        The arrays extended; new rows last.
    """
    s, q = np.concatenate([fixed, new]), np.concatenate([fixed_q, new_q])
    partner = np.full(len(s), -1)
    if not np.any(b):
        for g in range(len(fixed), len(s)):
            near = np.flatnonzero(np.linalg.norm(s[:g] + s[g], axis=1) < tol)
            if near.size:
                partner[g] = near[0]
                s[g], q[g] = -s[near[0]], q[near[0]]
        mated = np.zeros(len(s), bool)
        mated[partner[partner >= 0]] = True
        lone = np.flatnonzero(~mated & (partner < 0) & (np.linalg.norm(s, axis=1) >= tol / 2))
        lone = lone[lone >= len(fixed)]
        s, q = np.concatenate([s, -s[lone]]), np.concatenate([q, q[lone]])
        partner = np.concatenate([partner, lone])
    ev = np.concatenate([ev, np.empty((len(s) - len(ev), s.shape[1]), complex)])
    fresh = np.flatnonzero(partner[len(fixed) :] < 0) + len(fixed)
    ev[fresh] = _eigvals(_jac(W, b, s[fresh]))
    for g in np.flatnonzero(partner >= 0):
        ev[g] = ev[partner[g]]
    return s, q, ev


def _q(W, b, s_bn):
    r = np.tanh(s_bn @ W.T + b) - s_bn
    return 0.5 * np.einsum("...i,...i->...", r, r)


def _newton(W, b, s_bn, q_tol, slow_q_max, max_iter, merge_tol):
    """Damped Newton on F(s) − s = 0 for a batch of seeds, stopping per seed.

    Each step solves (J − I) δ = −r and backtracks along δ until q passes the
    Armijo test q(s + αδ) < q(s) + 1e-4 α ∇q·δ. Newton's direction descends q
    at rate ∇q·δ = −2q, so some step length always passes unless J − I is
    nearly singular, which is what happens near a slow point. Such a seed switches to Levenberg–Marquardt,
    δ = −(AᵀA + μI)⁻¹ Aᵀ r with A = J − I, which descends q and converges to
    its local minima; μ shrinks back to 0 after full steps. A seed stops at
    q < 1e-20, at q < q_tol once rounding stops progress, or when μ leaves
    its range (the minimiser has stalled at a local minimum of q), or when
    it crawls (see below) with q >= slow_q_max.

    Seeds with ‖F(s) − s‖ < ``merge_tol`` that lie within ``merge_tol`` of a
    seed with lower q are dropped: both are near the same fixed point, and
    iterating the second would only cost time.

    Returns
    -------
    s_bn : ndarray of shape (b', N)
        End points of the seeds that were not dropped.
    q_b : ndarray of shape (b',)
    """
    s = s_bn.copy()
    n = W.shape[0]
    q = _q(W, b, s)
    mu = np.zeros(len(q))
    alive = np.ones(len(q), bool)
    active = np.flatnonzero(q >= _Q_STOP)
    buf = np.empty((active.size, n, n))
    for _ in range(max_iter):
        if active.size == 0:
            break
        x, qa, mua = s[active], q[active], mu[active]
        F = np.tanh(x @ W.T + b)
        r = F - x
        A = np.multiply((1.0 - F * F)[:, :, None], W, out=buf[: len(x)])  # reusing buf saves page faults
        A.reshape(len(x), -1)[:, :: n + 1] -= 1.0
        try:
            delta = np.linalg.solve(A, -r[..., None])[..., 0]
        except np.linalg.LinAlgError:
            # An exactly singular J − I somewhere in the batch: regularise all for this step.
            mua = np.maximum(mua, _MU_START)
            delta = np.zeros_like(x)
        slope = -2.0 * qa  # directional derivative of q along the Newton step
        lm = np.flatnonzero(mua > 0)
        if lm.size:
            # Solving the whole batch above and redoing these few is cheaper than copying A[plain].
            At = A[lm].transpose(0, 2, 1)
            normal = At @ A[lm]
            normal.reshape(lm.size, -1)[:, :: n + 1] += mua[lm, None]
            delta[lm] = np.linalg.solve(normal, -(At @ r[lm, :, None]))[..., 0]
            slope[lm] = np.einsum("bi,bi->b", r[lm], (A[lm] @ delta[lm, :, None])[..., 0])
        alpha = np.ones(len(x))
        q_new = _q(W, b, x + delta)
        # Armijo test, strict so that a step that changes nothing fails.
        fail = np.flatnonzero(~(q_new < qa + 1e-4 * slope))
        if fail.size:
            # Only seeds whose full step failed pay for the backtracking ladder.
            trial = x[fail] + _ALPHAS[1:, None, None] * delta[fail]
            q_trial = _q(W, b, trial)
            ok = q_trial < qa[fail] + 1e-4 * _ALPHAS[1:, None] * slope[fail]
            first = ok.argmax(axis=0)
            alpha[fail] = np.where(ok.any(axis=0), _ALPHAS[1:][first], 0.0)
            q_new[fail] = np.where(ok.any(axis=0), q_trial[first, np.arange(fail.size)], qa[fail])
        s[active] = x + alpha[:, None] * delta
        q[active] = q_new
        mua = np.where(alpha == 1.0, mua / 100.0, mua)
        mua[mua < _MU_START] = 0.0
        mu[active] = np.where(alpha > 0, mua, np.maximum(mua * 100.0, _MU_START))
        # Stop at q < _Q_STOP, or at q < q_tol once rounding stops progress.
        going = (q_new >= _Q_STOP) & (mu[active] <= _MU_MAX) & ((alpha > 0) | (q_new >= q_tol))
        # A seed that still gains but by less than 0.1% per step is settling into a
        # local minimum of q; above slow_q_max that minimum is of no interest.
        going &= (q_new < slow_q_max) | (alpha == 0) | (q_new < (1.0 - 1e-3) * qa)
        active = active[going]
        if merge_tol > 0:
            near = np.flatnonzero(alive & (q < 0.5 * merge_tol**2))
            _, dup = _cluster(s[near], q[near], merge_tol)
            alive[near[dup]] = False
            active = active[alive[active]]
    return s[alive], q[alive]


def _cluster(s_bn, q_b, tol):
    """Greedy clustering: keep the lowest-q point, mark all within ``tol`` of it, repeat.

    Memory stays O(b): distances are taken to one kept point at a time.

    Returns
    -------
    keep : ndarray of int
        Indices of the kept points, by increasing q.
    dup : ndarray of int
        Indices of the others.
    """
    order = np.argsort(q_b, kind="stable")
    s_bn = s_bn[order]
    free = np.ones(len(order), bool)
    keep = []
    while free.any():
        i = int(np.argmax(free))
        keep.append(i)
        idx = np.flatnonzero(free)
        d = s_bn[idx] - s_bn[i]
        free[idx] = np.einsum("ij,ij->i", d, d) >= tol * tol
    dup = np.ones(len(order), bool)
    dup[keep] = False
    return order[keep], order[dup]


def _dedup(s_bn, q_b, tol, known=None):
    """Distinct points of ``s_bn`` (lowest q kept), excluding any within ``tol`` of ``known``."""
    if known is not None and len(known):
        far = _far_from(s_bn, known, tol)
        s_bn, q_b = s_bn[far], q_b[far]
    keep, _ = _cluster(s_bn, q_b, tol)
    return s_bn[keep], q_b[keep]


def _far_from(s_bn, known_kn, tol):
    """Mask of the rows of ``s_bn`` farther than ``tol`` from every row of ``known_kn``."""
    if len(s_bn) == 0 or len(known_kn) == 0:
        return np.ones(len(s_bn), bool)
    dist2 = (s_bn * s_bn).sum(1)[:, None] + (known_kn * known_kn).sum(1)[None, :] - 2.0 * s_bn @ known_kn.T
    return dist2.min(axis=1) >= tol * tol


def _midpoints(fixed_kn, n_new, b, cap, rng):
    """Seeds for the next round: midpoints of all pairs involving one of the last ``n_new`` points.

    At most ``cap``, drawn at random. With zero input, Newton from −m ends at
    the negation of where it ends from m (every operation is odd), so each
    ± pair of seeds is run once, and :func:`_add_points` supplies the partner.

    Returns
    -------
    ndarray of shape (n_seeds, N)
    """
    k = len(fixed_kn)
    i, j = np.triu_indices(k, 1)
    use = j >= k - n_new
    seeds = (fixed_kn[i[use]] + fixed_kn[j[use]]) / 2
    if not np.any(b):
        # A fixed direction picks one sign; negation is exact in IEEE arithmetic,
        # so m and −m become bitwise equal and np.unique drops one of them.
        flip = seeds @ np.linspace(1.0, 2.0, seeds.shape[1]) < 0
        seeds = np.unique(np.where(flip[:, None], -seeds, seeds), axis=0)
    if len(seeds) > cap:
        seeds = seeds[np.sort(rng.choice(len(seeds), size=cap, replace=False))]
    return seeds
