import json

import numpy as np
import pytest

from rnnmem_helpers import (
    CheckpointError,
    ModelConfig,
    RNNWeights,
    available_pretrained,
    evaluate,
    init_weights,
    load_checkpoint,
    load_pretrained,
    save_checkpoint,
)
from rnnmem_helpers.core import _io
from rnnmem_helpers.core import checkpoints as ck

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


# ----------------------------------------------------------------------------- format version 2: kind


CONSTRUCTED = {
    **META,
    "kind": "constructed",
    "construction": {"gain": 8.0},
    "test": {
        "accuracy": 1.0,
        "per_channel": [1.0, 1.0, 1.0],
        "wrong_flips": 0,
        "n_valid": 9,
        "n_pulses": 3,
        "n_time": 9,
    },
}


def _raw_metadata(path):
    with np.load(path, allow_pickle=False) as data:
        return json.loads(str(data["metadata"][()]))


def test_save_writes_version_2_and_kind_trained_unless_given(tmp_path, weights):
    path = save_checkpoint(tmp_path / "a.npz", weights, META)
    assert _raw_metadata(path)["format_version"] == 2 and _raw_metadata(path)["kind"] == "trained"
    assert load_checkpoint(path).kind == "trained"
    built = save_checkpoint(tmp_path / "b.npz", weights, CONSTRUCTED)
    ckpt = load_checkpoint(built)
    assert ckpt.kind == "constructed" and ckpt.metadata["construction"] == {"gain": 8.0}


def test_version_1_files_still_load_as_trained_networks(tmp_path, weights):
    # The shipped trained networks are version 1 and are read unchanged.
    for delay, seed in available_pretrained():
        ckpt = load_pretrained(delay, seed)
        assert ckpt.metadata["format_version"] == 1 and "kind" not in ckpt.metadata and ckpt.kind == "trained"
    arrays = {k: getattr(weights, k).astype(np.float32) for k in ("W", "W_in", "W_out")}
    np.savez(tmp_path / "v1.npz", metadata=np.array(json.dumps({"format_version": 1, **META})), **arrays)
    assert load_checkpoint(tmp_path / "v1.npz").kind == "trained"
    # A version-1 file that says it is constructed contradicts itself.
    np.savez(tmp_path / "v1k.npz", metadata=np.array(json.dumps({"format_version": 1, **CONSTRUCTED})), **arrays)
    with pytest.raises(CheckpointError, match="'kind' needs format_version 2"):
        load_checkpoint(tmp_path / "v1k.npz")


def test_save_refuses_to_write_an_old_version(tmp_path, weights):
    with pytest.raises(ValueError, match=r"'format_version' must be 2 .*got 1"):
        save_checkpoint(tmp_path / "a.npz", weights, {**META, "format_version": 1})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "change, field",
    [
        ({"kind": "random"}, "'kind'"),
        ({"kind": None}, "'kind'"),
        ({"kind": True}, "'kind'"),
        ({"construction": None}, "'construction'"),
        ({"construction": {"gain": 0}}, "'construction'"),
        ({"construction": {"gain": float("nan")}}, "'construction'"),
        ({"construction": {}}, "'construction'"),
        ({"test": None}, "'test'"),
        ({"test": {"accuracy": 1.0}}, "'test'"),
        ({"test": {**CONSTRUCTED["test"], "accuracy": 1.5}}, "'test'"),
        ({"test": {**CONSTRUCTED["test"], "accuracy": "1"}}, "'test'"),
    ],
)
def test_kind_and_construction_are_checked_on_save_and_on_load(tmp_path, weights, change, field):
    meta = {**CONSTRUCTED, **change}
    with pytest.raises(ValueError, match=field):
        save_checkpoint(tmp_path / "a.npz", weights, meta)
    assert list(tmp_path.iterdir()) == []
    arrays = {k: getattr(weights, k).astype(np.float32) for k in ("W", "W_in", "W_out")}
    np.savez(tmp_path / "b.npz", metadata=np.array(json.dumps({"format_version": 2, **meta})), **arrays)
    with pytest.raises(CheckpointError, match=rf"b\.npz: metadata field {field}"):
        load_checkpoint(tmp_path / "b.npz")


def test_version_2_file_without_kind_is_refused(tmp_path, weights):
    arrays = {k: getattr(weights, k).astype(np.float32) for k in ("W", "W_in", "W_out")}
    np.savez(tmp_path / "a.npz", metadata=np.array(json.dumps({"format_version": 2, **META})), **arrays)
    with pytest.raises(CheckpointError, match="metadata field 'kind' must be one of"):
        load_checkpoint(tmp_path / "a.npz")


def test_constructed_loader(monkeypatch):
    delays = ck.available_constructed()
    assert {16, 24, 32} <= set(delays)
    for delay in delays:
        path = ck.constructed_path(delay)
        assert path.name == f"constructed_delay{delay}.npz" and path.parent == ck.pretrained_path(0).parent
        assert ck.load_constructed(delay).kind == "constructed"
    with pytest.raises(ValueError, match=r"available delays: \[.*32\]"):
        ck.load_constructed(99)
    with pytest.raises(ValueError, match="^delay must"):
        ck.constructed_path(-1)
    monkeypatch.setattr(ck, "constructed_path", lambda delay: ck.pretrained_path(0))
    with pytest.raises(CheckpointError, match="'kind' must be 'constructed'"):
        ck.load_constructed(0)
