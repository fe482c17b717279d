"""The network as a torch module, for training.

Kept apart from :mod:`rnnmem_helpers.core.model` so that importing the package, and
every command that only checks its input, does not pay the second that
``import torch`` takes; :mod:`rnnmem_helpers.core.train` imports it when training starts.
"""

from __future__ import annotations

import torch

from .model import RNNWeights


class FlipFlopRNN(torch.nn.Module):
    """Torch version of the network, for training.

    ``W`` and ``W_out`` are parameters; ``W_in`` is a buffer and never trained.
    """

    def __init__(self, weights: RNNWeights):
        super().__init__()
        if not isinstance(weights, RNNWeights):
            raise TypeError(f"weights must be RNNWeights, got {type(weights).__name__}")
        self.W = torch.nn.Parameter(torch.tensor(weights.W, dtype=torch.float32))
        self.W_out = torch.nn.Parameter(torch.tensor(weights.W_out, dtype=torch.float32))
        self.register_buffer("W_in", torch.tensor(weights.W_in, dtype=torch.float32))

    @property
    def n_hidden(self) -> int:
        return self.W.shape[0]

    def forward(self, inputs_btk: torch.Tensor, s0_bn: torch.Tensor | None = None):
        """Unroll over time.

        Parameters
        ----------
        inputs_btk : Tensor of shape (batch, time, n_bits)
        s0_bn : Tensor of shape (batch, N), optional

        Returns
        -------
        states_btn : Tensor of shape (batch, time, N)
        outputs_btk : Tensor of shape (batch, time, n_bits)
        """
        b, t_len, _ = inputs_btk.shape
        s = inputs_btk.new_zeros(b, self.n_hidden) if s0_bn is None else s0_bn
        drive_btn = inputs_btk @ self.W_in.T
        states = []
        for t in range(t_len):
            s = torch.tanh(s @ self.W.T + drive_btn[:, t])
            states.append(s)
        states_btn = torch.stack(states, dim=1)
        return states_btn, torch.tanh(states_btn @ self.W_out.T)

    def weights(self) -> RNNWeights:
        """Current weights as :class:`RNNWeights` (float64 copies)."""
        return RNNWeights(
            W=self.W.detach().cpu().numpy(),
            W_in=self.W_in.detach().cpu().numpy(),
            W_out=self.W_out.detach().cpu().numpy(),
        )
