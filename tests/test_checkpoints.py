import json

import numpy as np
import pytest

from rnnmem_helpers import (
    CheckpointError,
    ModelConfig,
    RNNWeights,
    _io,
    available_pretrained,
    evaluate,
    init_weights,
    load_checkpoint,
    load_pretrained,
    save_checkpoint,
)
from rnnmem_helpers import checkpoints as ck

META = {
    "task": {"n_bits": 3, "delay": 2, "mean_interval": 50.0, "rate_scope": "all"},
    "model": {"n_hidden": 8, "n_bits": 3},
    "seed": 1,
}


@pytest.fixture
def weights():
    return init_weights(ModelConfig(n_hidden=8), rng=0)


def test_round_trip(tmp_path, weights):
    path = save_checkpoint(tmp_path / "a.npz", weights, META)
    got = load_checkpoint(path)
    np.testing.assert_array_equal(got.weights.W, weights.W.astype(np.float32))
    np.testing.assert_array_equal(got.weights.W_in, weights.W_in.astype(np.float32))
    assert got.metadata["seed"] == 1 and got.task.delay == 2
    assert [p.name for p in tmp_path.iterdir()] == ["a.npz"]
    with np.load(path, allow_pickle=False) as data:
        assert data["W"].dtype == np.float32 and data["W_out"].shape == (3, 8)


def test_truncated_and_garbage_files(tmp_path, weights):
    path = save_checkpoint(tmp_path / "a.npz", weights, META)
    raw = path.read_bytes()
    (tmp_path / "t.npz").write_bytes(raw[: len(raw) // 2])
    (tmp_path / "g.npz").write_bytes(b"not a zip at all")
    for name in ("t.npz", "g.npz"):
        with pytest.raises(CheckpointError, match="not a readable"):
            load_checkpoint(tmp_path / name)
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.npz")


def _write_npz(path, **arrays):
    np.savez(path, **arrays)


def test_wrong_shape_keys_nan_and_metadata(tmp_path, weights):
    good = {k: getattr(weights, k).astype(np.float32) for k in ("W", "W_in", "W_out")}
    meta = np.array(json.dumps({"format_version": 1, **META}))
    cases = {
        "shape.npz": ({**good, "W_out": np.ones((3, 7), np.float32), "metadata": meta}, "W_out"),
        "keys.npz": ({"W": good["W"], "metadata": meta}, "expected keys"),
        "nan.npz": ({**good, "W": np.full((8, 8), np.nan, np.float32), "metadata": meta}, "finite"),
        "json.npz": ({**good, "metadata": np.array("{oops")}, "JSON"),
        "size.npz": (
            {
                **good,
                "metadata": np.array(json.dumps({**META, "format_version": 1, "model": {"n_hidden": 9, "n_bits": 3}})),
            },
            "metadata says",
        ),
    }
    for name, (arrays, word) in cases.items():
        _write_npz(tmp_path / name, **arrays)
        with pytest.raises(CheckpointError, match=word):
            load_checkpoint(tmp_path / name)


def test_no_pickle_accepted(tmp_path, weights):
    good = {k: getattr(weights, k) for k in ("W", "W_in", "W_out")}
    np.savez(tmp_path / "p.npz", metadata=np.array([{"a": 1}], dtype=object), **good)
    with pytest.raises(CheckpointError):
        load_checkpoint(tmp_path / "p.npz")


def test_failed_save_leaves_nothing(tmp_path, weights, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(ck.np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(tmp_path / "a.npz", weights, META)
    assert list(tmp_path.iterdir()) == []


def test_failed_save_keeps_previous_file(tmp_path, weights, monkeypatch):
    path = save_checkpoint(tmp_path / "a.npz", weights, META)
    before = path.read_bytes()
    monkeypatch.setattr(_io.os, "replace", lambda *a: (_ for _ in ()).throw(OSError("crash")))
    with pytest.raises(OSError):
        save_checkpoint(path, init_weights(ModelConfig(n_hidden=8), rng=1), META)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.npz"]


def test_bad_save_arguments(tmp_path, weights):
    with pytest.raises(ValueError, match="metadata must contain"):
        save_checkpoint(tmp_path / "a.npz", weights, {"seed": 0})
    with pytest.raises(ValueError, match="npz"):
        save_checkpoint(tmp_path / "a.pt", weights, META)
    with pytest.raises(TypeError, match="weights"):
        save_checkpoint(tmp_path / "a.npz", {"W": 1}, META)
    with pytest.raises(FileNotFoundError):
        save_checkpoint(tmp_path / "no" / "a.npz", weights, META)


def test_shipped_checkpoints_load_and_meet_targets():
    assert {(0, 0), (8, 0)} <= set(available_pretrained())
    for delay, target in ((0, 0.995), (8, 0.99)):
        ckpt = load_pretrained(delay)
        assert ckpt.delay == delay and isinstance(ckpt.weights, RNNWeights)
        assert ckpt.metadata["converged"]
        # A stream the training never saw (seed outside those training uses).
        assert evaluate(ckpt.weights, ckpt.task, rng=2024).accuracy >= target
    with pytest.raises(ValueError, match="available"):
        load_pretrained(99)
    with pytest.raises(ValueError, match="delay"):
        load_pretrained(-1)
