"""Training with Adam, in two modes.

``bptt`` (default): full backpropagation through time on fresh ``seq_len``-step
sequences, each starting from the zero state with a pulse on every channel at
t = 0. The forced pulse matters: with no biases the state sits exactly at 0
until the first pulse, and long silent stretches gave inf·0 = NaN gradients in
a prototype. Loss is masked until each channel's first delayed target.

``tbptt`` (the paper's): ``batch_size`` long streams are run side by side; each
update unrolls ``tbptt_len`` steps (10 in the paper) and the hidden state is
carried, detached, into the next update. A stream restarts from zero after
``stream_len`` steps.

Early stopping: every ``eval_every`` updates the network is scored on a fixed
held-out stream. A pass there is only a candidate, since picking the first
check that passes a fixed set is biased upwards; training stops only once a
*fresh* ``confirm_steps``-step stream also passes.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from ._validate import RNG, Boolean, InstanceOf, Integer, OneOf, Optional, Real, validate_fields, validate_params
from .init import init_weights, run_seed_sequences
from .metrics import DEFAULT_TEST_STEPS, EvalResult, evaluate
from .model import ModelConfig, RNNWeights
from .task import TaskConfig, make_batch

MODES = ("bptt", "tbptt")
#: Version of the training numerics (the gradient, the optimiser, the data and seed streams, early stopping).
#: Bump it with any change that can change a trained network: it is hashed into every result key, so cached
#: results of the old trainer are then recomputed instead of loading as current.
TRAINER_VERSION = 1


@dataclass(frozen=True)
@validate_fields(
    {
        "mode": OneOf(MODES),
        "lr": Real(0.0, 1.0, strict_min=True),
        "batch_size": Integer(1, 4096),
        "seq_len": Integer(2, 100_000),
        "tbptt_len": Integer(1, 100_000),
        "stream_len": Integer(1),
        "clip_norm": Real(0.0, strict_min=True),
        "max_steps": Integer(1),
        "eval_every": Integer(1),
        "eval_steps": Integer(100),
        "confirm_steps": Integer(100),
        "target_accuracy": Real(0.0, 1.0),
    }
)
class TrainConfig:
    """Optimisation settings. See the module docstring for the two modes."""

    mode: str = "bptt"
    lr: float = 1e-3
    batch_size: int = 16
    seq_len: int = 100
    tbptt_len: int = 10
    stream_len: int = 2000
    clip_norm: float = 1.0
    max_steps: int = 20_000
    eval_every: int = 250
    eval_steps: int = 20_000
    confirm_steps: int = DEFAULT_TEST_STEPS
    target_accuracy: float = 0.995

    def __post_init__(self):
        if self.stream_len < self.tbptt_len:
            raise ValueError(f"stream_len must be an integer >= tbptt_len ({self.tbptt_len}), got {self.stream_len}")


#: Fewest pulses a held-out or confirmation stream must expect. It refuses settings under which the streams
#: are almost surely empty (λ = 10^6 against 20 000 steps), which would end training in an error after all its
#: updates; the held-out stream itself is also checked before the first update (see ``_train``).
MIN_EXPECTED_PULSES = 2


def check_streams(task: TaskConfig, config: TrainConfig) -> None:
    """Refuse a task whose pulses are too rare for the evaluation streams of ``config``, before any training.

    Raises
    ------
    ValueError
        Naming ``mean_interval`` and its largest allowed value.
    """
    shortest = min(config.eval_steps, config.confirm_steps)
    largest = shortest * task.pulses_per_step * task.mean_interval / MIN_EXPECTED_PULSES
    if task.mean_interval > largest:
        raise ValueError(
            f"mean_interval must be <= {largest:g} so that the {shortest}-step evaluation streams expect at least "
            f"{MIN_EXPECTED_PULSES} pulses, got {task.mean_interval:g}"
        )


#: The settings of :class:`TrainConfig` that a run may set besides ``mode``, ``max_steps`` and ``target_accuracy``
#: (each a flag of ``train`` and a setting of a sweep).
TRAINING_SETTINGS = (
    "lr",
    "batch_size",
    "seq_len",
    "tbptt_len",
    "stream_len",
    "clip_norm",
    "eval_every",
    "eval_steps",
    "confirm_steps",
)


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train` returns.

    Attributes
    ----------
    weights : RNNWeights
        Final weights.
    converged : bool
        Whether the criterion was met and confirmed on fresh data.
    steps : int
        Number of Adam updates done.
    seconds : float
        Wall time, including evaluation and confirmation.
    test : EvalResult
        Score on the last fresh confirmation stream (or on one drawn at the
        end if no confirmation ran).
    history : dict of list
        ``step``, ``loss`` (mean over the interval), ``eval_accuracy``.
    """

    weights: RNNWeights
    converged: bool
    steps: int
    seconds: float
    test: EvalResult
    history: dict = field(repr=False)


@contextlib.contextmanager
def single_thread():
    """One torch and one BLAS thread; restores the previous settings.

    Measured on a 2-core machine: two threads made a step of this tiny
    network 10-100x slower.
    """
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(previous)


@validate_params(
    {
        "task": InstanceOf(TaskConfig),
        "model": Optional(InstanceOf(ModelConfig)),
        "config": Optional(InstanceOf(TrainConfig)),
        "rng": RNG(),
        "init": Optional(InstanceOf(RNNWeights)),
        "progress": Boolean(),
    }
)
def train(
    task: TaskConfig,
    model: ModelConfig | None = None,
    config: TrainConfig | None = None,
    *,
    rng,
    init: RNNWeights | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train a network on the delayed flip-flop task.

    Parameters
    ----------
    task : TaskConfig
    model : ModelConfig, optional
        Defaults to ``ModelConfig(n_bits=task.n_bits)``.
    config : TrainConfig, optional
        Defaults to ``TrainConfig()``.
    rng : int or np.random.Generator
        Seeds everything: initial weights, training data, held-out and
        confirmation streams, each from its own child seed sequence
        (:func:`rnnmem_helpers.core.init.run_seed_sequences`). An int ``s`` >= 0
        uses the children of ``np.random.SeedSequence(s)``: same ``s``, same
        machine, bitwise the same weights. A Generator spawns four new
        children of its seed sequence, so each call with it is a fresh,
        independent run, and a fresh ``np.random.default_rng(s)`` gives the
        run of ``s``.
    init : RNNWeights, optional
        Start from these weights instead of the paper's initialisation
        (:func:`rnnmem_helpers.core.init.initial_weights`, which shows the draw
        without spawning).
    progress : bool
        Show a tqdm progress bar (works in notebooks and terminals).
    """
    model = ModelConfig(n_bits=task.n_bits) if model is None else model
    config = TrainConfig() if config is None else config
    if task.n_bits != model.n_bits:
        raise ValueError(f"task.n_bits ({task.n_bits}) must equal model.n_bits ({model.n_bits})")
    check_streams(task, config)
    if init is not None and (init.n_hidden, init.n_bits) != (model.n_hidden, model.n_bits):
        raise ValueError(f"init must have n_hidden={model.n_hidden} and n_bits={model.n_bits}")
    # The weights' child is spawned even with ``init``, so the data streams never depend on ``init``.
    weights_ss, data_ss, eval_ss, confirm_ss = run_seed_sequences(rng=rng, advance=True)
    weights0 = init if init is not None else init_weights(model, rng=np.random.default_rng(weights_ss))
    with single_thread():
        return _train(task, config, weights0, data_ss, eval_ss, confirm_ss, progress)


def _train(task, config, weights0, data_ss, eval_ss, confirm_ss, progress):
    import torch
    from tqdm.auto import tqdm

    from .torch_model import FlipFlopRNN

    start = time.perf_counter()
    if config.eval_every <= config.max_steps:
        # The held-out stream is fixed: one with no defined target fails here, before the first update.
        evaluate(weights0, task, n_time=config.eval_steps, rng=np.random.default_rng(eval_ss))
    net = FlipFlopRNN(weights0)
    opt = torch.optim.Adam([net.W, net.W_out], lr=config.lr)
    data_rng = np.random.default_rng(data_ss)
    confirm_rng = np.random.default_rng(confirm_ss)
    batches = _bptt_batches(task, config, data_rng) if config.mode == "bptt" else _tbptt_batches(task, config, data_rng)
    history = {"step": [], "loss": [], "eval_accuracy": []}
    losses, test, converged, step = [], None, False, 0
    bar = tqdm(total=config.max_steps, disable=not progress, desc=f"train Δt={task.delay} {config.mode}", unit="step")
    s0_bn = None
    for step in range(1, config.max_steps + 1):
        inputs, targets, mask, restart = next(batches)
        if restart or s0_bn is None:
            s0_bn = np.zeros((inputs.shape[0], weights0.n_hidden), np.float32)
        loss, grad_W, grad_W_out, s0_bn = loss_and_grads(
            net.W.detach().numpy(), net.W_in.numpy(), net.W_out.detach().numpy(), inputs, targets, mask, s0_bn
        )
        net.W.grad = torch.from_numpy(grad_W)
        net.W_out.grad = torch.from_numpy(grad_W_out)
        torch.nn.utils.clip_grad_norm_([net.W, net.W_out], config.clip_norm)
        opt.step()
        losses.append(loss)
        bar.update(1)
        if step % config.eval_every:
            continue
        weights = net.weights()
        acc = evaluate(weights, task, n_time=config.eval_steps, rng=np.random.default_rng(eval_ss)).accuracy
        history["step"].append(step)
        history["loss"].append(float(np.mean(losses)))
        history["eval_accuracy"].append(acc)
        losses = []
        bar.set_postfix(loss=f"{history['loss'][-1]:.4f}", acc=f"{acc:.4f}")
        if acc >= config.target_accuracy:
            test = evaluate(weights, task, n_time=config.confirm_steps, rng=confirm_rng)
            if test.accuracy >= config.target_accuracy:
                converged = True
                break
    bar.close()
    weights = net.weights()
    if not converged:
        test = evaluate(weights, task, n_time=config.confirm_steps, rng=confirm_rng)
    return TrainResult(weights, converged, step, time.perf_counter() - start, test, history)


def loss_and_grads(W, W_in, W_out, inputs, targets, mask, s0_bn):
    """Masked mean-squared error and its exact BPTT gradients, in numpy.

    Hand-written because autograd's per-step overhead dominates for a
    100-unit network: this is ~3x faster than torch autograd here, and a unit
    test checks it against autograd on :class:`FlipFlopRNN`.

    Parameters
    ----------
    W : ndarray of shape (N, N)
    W_in : ndarray of shape (N, n_bits)
    W_out : ndarray of shape (n_bits, N)
    inputs, targets : ndarray of shape (batch, time, n_bits)
    mask : ndarray of shape (batch, time, n_bits)
        1 where the target counts, 0 elsewhere.
    s0_bn : ndarray of shape (batch, N)
        State before the first input; treated as a constant (truncation).

    Returns
    -------
    loss : float
    grad_W : ndarray of shape (N, N)
    grad_W_out : ndarray of shape (n_bits, N)
    s_last_bn : ndarray of shape (batch, N)
        State after the last input, to carry into the next truncated window.
    """
    b, t_len, k = inputs.shape
    n = W.shape[0]
    drive_tbn = (inputs @ W_in.T).transpose(1, 0, 2)
    states = np.empty((t_len + 1, b, n), dtype=W.dtype)
    states[0] = s0_bn
    W_T = np.ascontiguousarray(W.T)
    for t in range(t_len):
        states[t + 1] = np.tanh(states[t] @ W_T + drive_tbn[t])
    s_tbn = states[1:]
    y_tbk = np.tanh(s_tbn @ W_out.T)
    mask_tbk = mask.transpose(1, 0, 2)
    n_valid = max(float(mask_tbk.sum()), 1.0)
    err_tbk = (y_tbk - targets.transpose(1, 0, 2)) * mask_tbk
    loss = float((err_tbk**2).sum() / n_valid)
    dz_tbk = (2.0 / n_valid) * err_tbk * (1 - y_tbk**2)
    grad_W_out = dz_tbk.reshape(-1, k).T @ s_tbn.reshape(-1, n)
    ds_tbn = dz_tbk @ W_out
    dpre_tbn = np.empty_like(s_tbn)
    dpre = np.zeros((b, n), dtype=W.dtype)
    for t in range(t_len - 1, -1, -1):
        dpre = (ds_tbn[t] + dpre @ W) * (1 - s_tbn[t] ** 2)
        dpre_tbn[t] = dpre
    grad_W = dpre_tbn.reshape(-1, n).T @ states[:-1].reshape(-1, n)
    return loss, grad_W, grad_W_out, s_tbn[-1].copy()


def _arrays(batch):
    return batch.inputs, batch.targets, batch.mask.astype(np.float32)


def _bptt_batches(task, config, rng):
    while True:
        batch = make_batch(task, config.batch_size, config.seq_len, rng=rng, pulse_at_start=True)
        yield (*_arrays(batch), True)


def _tbptt_batches(task, config, rng):
    n_chunks = config.stream_len // config.tbptt_len
    while True:
        batch = make_batch(task, config.batch_size, n_chunks * config.tbptt_len, rng=rng, pulse_at_start=True)
        inputs, targets, mask = _arrays(batch)
        for i in range(n_chunks):
            sl = slice(i * config.tbptt_len, (i + 1) * config.tbptt_len)
            yield inputs[:, sl], targets[:, sl], mask[:, sl], i == 0
