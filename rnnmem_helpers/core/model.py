"""The paper's network: a vanilla tanh RNN with no biases.

    S(t) = tanh(W S(t-1) + W_in X(t)),    Y(t) = tanh(W_out S(t))

Column-vector convention: ``W`` is (N, N), ``W_in`` is (N, n_bits) and
``W_out`` is (n_bits, N). Only ``W`` and ``W_out`` are trained; ``W_in`` is a
buffer, so no optimiser can move it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import Array, InstanceOf, Integer, Optional, check_shape, validate_fields, validate_params


@dataclass(frozen=True)
@validate_fields({"n_hidden": Integer(1, 4096), "n_bits": Integer(1, 64)})
class ModelConfig:
    """Size of the network.

    Parameters
    ----------
    n_hidden : int
        Number of recurrent units N (the paper uses 100).
    n_bits : int
        Number of input and output channels.
    """

    n_hidden: int = 100
    n_bits: int = 3


@dataclass(frozen=True, eq=False)
@validate_fields({name: Array(2, nonempty=True) for name in ("W", "W_in", "W_out")})
class RNNWeights:
    """The three weight matrices as float64 numpy arrays (copied, read-only).

    Attributes
    ----------
    W : ndarray of shape (N, N)
    W_in : ndarray of shape (N, n_bits)
    W_out : ndarray of shape (n_bits, N)
    """

    W: np.ndarray
    W_in: np.ndarray
    W_out: np.ndarray

    def __post_init__(self):
        # Each field is already a finite, non-empty 2-D array: only the sizes across fields remain.
        n = self.W.shape[0]
        if self.W.shape != (n, n):
            raise ValueError(f"W must be square (N, N), got shape {self.W.shape}")
        check_shape("W_in", self.W_in, (n, None))
        check_shape("W_out", self.W_out, (self.W_in.shape[1], n))
        for name in ("W", "W_in", "W_out"):
            arr = np.array(getattr(self, name), dtype=np.float64)
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    @property
    def n_hidden(self) -> int:
        return self.W.shape[0]

    @property
    def n_bits(self) -> int:
        return self.W_in.shape[1]


@validate_params(
    {
        "weights": InstanceOf(RNNWeights),
        "s": Array(min_ndim=1, dtype=np.float64),
        "x": Optional(Array(min_ndim=1, dtype=np.float64)),
    }
)
def step(weights: RNNWeights, s, x=None) -> np.ndarray:
    """The one-step map F(s, x) = tanh(W s + W_in x).

    Parameters
    ----------
    weights : RNNWeights
    s : array_like of shape (..., N)
    x : array_like of shape (..., n_bits), optional
        Input; zero if omitted.

    Returns
    -------
    ndarray of shape (..., N), float64
    """
    if s.shape[-1] != weights.n_hidden:
        raise ValueError(f"s must have shape (..., {weights.n_hidden}), got {s.shape}")
    pre = s @ weights.W.T
    if x is not None:
        if x.shape[-1] != weights.n_bits:
            raise ValueError(f"x must have shape (..., {weights.n_bits}), got {x.shape}")
        pre = pre + x @ weights.W_in.T
    return np.tanh(pre)


@validate_params(
    {
        "weights": InstanceOf(RNNWeights),
        "inputs": Array(2, dtype=np.float64),
        "s0": Optional(Array(1, dtype=np.float64)),
    }
)
def simulate(weights: RNNWeights, inputs, s0=None) -> tuple[np.ndarray, np.ndarray]:
    """Run the network on one input sequence in float64 numpy.

    Parameters
    ----------
    weights : RNNWeights
    inputs : array_like of shape (time, n_bits)
    s0 : array_like of shape (N,), optional
        Initial state; zero if omitted (the state before the first input).

    Returns
    -------
    states_txn : ndarray of shape (time, N)
        S(t) for t = 1..time (after each input).
    outputs_txk : ndarray of shape (time, n_bits)
    """
    n, k = weights.n_hidden, weights.n_bits
    check_shape("inputs", inputs, (None, k))
    if s0 is not None:
        check_shape("s0", s0, (n,))
    s = np.zeros(n) if s0 is None else s0
    drive_txn = inputs @ weights.W_in.T
    states_txn = np.empty((inputs.shape[0], n))
    W = np.ascontiguousarray(weights.W)
    for t in range(inputs.shape[0]):
        s = np.tanh(W @ s + drive_txn[t])
        states_txn[t] = s
    return states_txn, np.tanh(states_txn @ weights.W_out.T)
