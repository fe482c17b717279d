import numpy as np
import pytest
import torch

from rnnmem_helpers import FlipFlopRNN, ModelConfig, RNNWeights, init_weights, simulate, step
from rnnmem_helpers.core.train import loss_and_grads


def test_weights_are_read_only_copies():
    W = np.eye(4)
    w = RNNWeights(W=W, W_in=np.ones((4, 2)), W_out=np.ones((2, 4)))
    W[0, 0] = 5.0
    assert w.W[0, 0] == 1.0
    with pytest.raises(ValueError):
        w.W[0, 0] = 2.0


def test_step_agrees_with_simulate_and_torch_forward():
    w = init_weights(ModelConfig(n_hidden=20), rng=1)
    rng = np.random.default_rng(0)
    inputs = rng.choice([-1.0, 0.0, 1.0], size=(50, 3), p=[0.1, 0.8, 0.1])
    states, outputs = simulate(w, inputs)
    s = np.zeros(20)
    for t in range(50):
        s = step(w, s, inputs[t])
        np.testing.assert_allclose(states[t], s, atol=1e-12)
    np.testing.assert_allclose(outputs, np.tanh(states @ w.W_out.T))
    net = FlipFlopRNN(w)
    with torch.no_grad():
        st, out = net(torch.tensor(inputs[None], dtype=torch.float32))
    np.testing.assert_allclose(st[0].numpy(), states, atol=1e-5)
    np.testing.assert_allclose(out[0].numpy(), outputs, atol=1e-5)


def test_win_is_frozen_buffer():
    net = FlipFlopRNN(init_weights(ModelConfig(), rng=0))
    names = {n for n, _ in net.named_parameters()}
    assert names == {"W", "W_out"}
    assert "W_in" in dict(net.named_buffers())


def test_numpy_gradients_match_autograd():
    w = init_weights(ModelConfig(n_hidden=30), rng=2)
    rng = np.random.default_rng(1)
    b, t = 4, 25
    inputs = rng.choice([-1.0, 0.0, 1.0], size=(b, t, 3), p=[0.1, 0.8, 0.1]).astype(np.float32)
    targets = rng.choice([-1.0, 1.0], size=(b, t, 3)).astype(np.float32)
    mask = (rng.random((b, t, 3)) < 0.7).astype(np.float32)
    s0 = rng.uniform(-0.5, 0.5, size=(b, 30)).astype(np.float32)
    loss, gW, gWout, s_last = loss_and_grads(
        w.W.astype(np.float32), w.W_in.astype(np.float32), w.W_out.astype(np.float32), inputs, targets, mask, s0
    )
    net = FlipFlopRNN(w)
    states, out = net(torch.from_numpy(inputs), torch.from_numpy(s0))
    ref = ((out - torch.from_numpy(targets)) ** 2 * torch.from_numpy(mask)).sum() / mask.sum()
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-5)
    np.testing.assert_allclose(gW, net.W.grad.numpy(), atol=1e-6, rtol=1e-4)
    np.testing.assert_allclose(gWout, net.W_out.grad.numpy(), atol=1e-6, rtol=1e-4)
    np.testing.assert_allclose(s_last, states[:, -1].detach().numpy(), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        ({"W": np.ones((3, 4))}, ValueError, "W"),
        ({"W_in": np.ones((5, 3))}, ValueError, "W_in"),
        ({"W_out": np.ones((3, 5))}, ValueError, "W_out"),
        ({"W": np.full((4, 4), np.nan)}, ValueError, "W"),
        ({"W": np.array([["a"] * 4] * 4)}, TypeError, "W"),
    ],
)
def test_bad_weights(kwargs, exc, word):
    good = {"W": np.eye(4), "W_in": np.ones((4, 3)), "W_out": np.ones((3, 4))}
    with pytest.raises(exc, match=word):
        RNNWeights(**{**good, **kwargs})


def test_bad_model_inputs():
    with pytest.raises(ValueError, match="n_hidden"):
        ModelConfig(n_hidden=0)
    with pytest.raises(TypeError, match="n_hidden"):
        ModelConfig(n_hidden=10.0)
    w = init_weights(ModelConfig(n_hidden=5), rng=0)
    with pytest.raises(ValueError, match="inputs"):
        simulate(w, np.zeros((10, 2)))
    with pytest.raises(ValueError, match="inputs"):
        simulate(w, np.full((10, 3), np.inf))
    with pytest.raises(ValueError, match="s0"):
        simulate(w, np.zeros((10, 3)), s0=np.zeros(4))
    with pytest.raises(ValueError, match="s must"):
        step(w, np.zeros(4))
    with pytest.raises(TypeError, match="weights"):
        simulate(np.eye(5), np.zeros((10, 3)))
