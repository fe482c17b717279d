"""Edges of checkpoint saving and loading: interrupted writes, invalid contents, hostile files."""

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from rnnmem_helpers import (
    CheckpointError,
    ModelConfig,
    RNNWeights,
    available_pretrained,
    init_weights,
    load_checkpoint,
    save_checkpoint,
)
from rnnmem_helpers.core import _io
from rnnmem_helpers.core import checkpoints as ck

META = {
    "task": {"n_bits": 3, "delay": 2, "mean_interval": 50.0, "rate_scope": "all"},
    "model": {"n_hidden": 8, "n_bits": 3},
    "seed": 1,
}
POSIX_SIGNALS = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")

# A child that starts saving a checkpoint, reports that the temporary file is half written, then blocks
# until the parent closes its stdin or signals it: the parent decides when the write is interrupted.
STALLED_SAVE = """
import dataclasses
import json
import sys

import numpy as np

from rnnmem_helpers import ModelConfig, init_weights, save_checkpoint


def stalled_savez(fh, **arrays):
    fh.write(bytes(1 << 20))
    fh.flush()
    print("writing", flush=True)
    sys.stdin.read()


np.savez = stalled_savez
save_checkpoint(sys.argv[1], init_weights(ModelConfig(n_hidden=8), rng=0), json.loads(sys.argv[2]))
"""


@pytest.fixture
def weights():
    return init_weights(ModelConfig(n_hidden=8), rng=0)


def _start_stalled_save(target):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", STALLED_SAVE, str(target), json.dumps(META)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = proc.stdout.readline()
    if line != "writing\n":
        proc.kill()
        pytest.fail(f"child did not start writing: {proc.communicate()[1]}")
    return proc


def _temporaries(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# --- a. interrupted saves ------------------------------------------------------------------------------------------


@POSIX_SIGNALS
def test_sigkilled_save_leftover_is_removed_by_next_save(tmp_path, weights):
    target = tmp_path / "a.npz"
    proc = _start_stalled_save(target)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    leftover = _temporaries(tmp_path)
    assert len(leftover) == 1 and leftover[0].startswith(".a.npz.")
    assert (tmp_path / leftover[0]).stat().st_size >= 1 << 20

    save_checkpoint(target, weights, META)
    assert [p.name for p in tmp_path.iterdir()] == ["a.npz"]
    assert load_checkpoint(target).metadata["seed"] == 1


@POSIX_SIGNALS
def test_sigterm_during_save_removes_temporary_and_still_terminates(tmp_path, weights):
    target = save_checkpoint(tmp_path / "a.npz", weights, META)
    before = target.read_bytes()
    proc = _start_stalled_save(target)
    assert len(_temporaries(tmp_path)) == 1
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    # Ended by SIGTERM itself, as without the cleanup: no traceback, no exit code of its own.
    assert proc.returncode == -signal.SIGTERM, err
    assert "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["a.npz"]
    assert target.read_bytes() == before


def test_stale_temporaries_only_of_the_same_target_with_writer_gone(tmp_path, weights):
    dead, alive = _dead_pid(), os.getpid()
    hour_ago = time.time() - 3600
    removed = [f".a.npz.{dead}-abcdefgh.tmp", ".a.npz.abcdefgh.tmp"]
    kept = [
        f".a.npz.{alive}-abcdefgh.tmp",  # its writer (this process) may still be writing
        ".a.npz.ijklmnop.tmp",  # old format, but recent: its writer may still be writing
        f".b.npz.{dead}-abcdefgh.tmp",  # another target
        ".a.npz.1.abcdefgh.tmp",  # old-format temporary of the target "a.npz.1"
        f".a.npz.{dead}.abcdefgh.tmp",  # old-format temporary of the target "a.npz.<pid>"
        f"a.npz.{dead}-abcdefgh.tmp",  # not hidden: not ours
        f".a.npz.{dead}-abcdefgh.tmp.bak",
    ]
    for name in removed + kept:
        (tmp_path / name).write_bytes(b"x")
        os.utime(tmp_path / name, (hour_ago, hour_ago))
    os.utime(tmp_path / ".a.npz.ijklmnop.tmp")
    (tmp_path / f".a.npz.{dead}-qrstuvwx.tmp").mkdir()
    kept.append(f".a.npz.{dead}-qrstuvwx.tmp")

    save_checkpoint(tmp_path / "a.npz", weights, META)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*kept, "a.npz"])


def test_sigterm_handler_installed_only_while_writing_in_main_thread(tmp_path):
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        seen = {}
        with _io.atomic_write(tmp_path / "x.txt", "w") as fh:
            seen["handler"] = signal.getsignal(signal.SIGTERM)
            seen["temps"] = _temporaries(tmp_path)
            fh.write("main")
        assert seen["handler"] is not signal.SIG_DFL
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        assert len(seen["temps"]) == 1 and re.fullmatch(rf"\.x\.txt\.{os.getpid()}-\w+\.tmp", seen["temps"][0])

        # A program's own handler decides what SIGTERM does; it is neither replaced nor lost.
        def own(signum, frame):
            pass

        signal.signal(signal.SIGTERM, own)
        with _io.atomic_write(tmp_path / "x.txt", "w") as fh:
            assert signal.getsignal(signal.SIGTERM) is own
            fh.write("own")
        assert signal.getsignal(signal.SIGTERM) is own

        errors = []

        def write_in_thread():
            try:
                with _io.atomic_write(tmp_path / "y.txt", "w") as fh:
                    fh.write("thread")
            except BaseException as exc:
                errors.append(exc)

        worker = threading.Thread(target=write_in_thread)
        worker.start()
        worker.join()
        assert errors == []
        assert (tmp_path / "x.txt").read_text() == "own" and (tmp_path / "y.txt").read_text() == "thread"
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- b. save writes only what load accepts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scale", "metadata", "field"),
    [
        (1e300, META, "'W'"),  # finite in float64, inf in float32
        (1.0, {**META, "format_version": ck.FORMAT_VERSION + 1}, "'format_version'"),
        (1.0, {**META, "format_version": 1}, "'format_version'"),  # read, but no longer written
        (1.0, {**META, "format_version": True}, "'format_version'"),
        (1.0, {**META, "model": {"n_hidden": 9, "n_bits": 3}}, "'model'"),
        (1.0, {**META, "task": "x"}, "'task'"),
        (1.0, {**META, "task": {**META["task"], "n_bits": 2}}, "'task'"),
        (1.0, {**META, "task": {**META["task"], "delay": -1}}, "'task'"),
        (1.0, {**META, "seed": -1}, "'seed'"),
        (1.0, {**META, "seed": float("nan")}, "'seed'"),
    ],
)
def test_save_rejects_what_load_would_reject_and_writes_nothing(tmp_path, weights, scale, metadata, field):
    target = save_checkpoint(tmp_path / "a.npz", weights, META)
    before = target.read_bytes()
    bad = RNNWeights(W=weights.W * scale, W_in=weights.W_in, W_out=weights.W_out)
    with pytest.raises(ValueError, match=field):
        save_checkpoint(target, bad, metadata)
    assert [p.name for p in tmp_path.iterdir()] == ["a.npz"]
    assert target.read_bytes() == before


# --- c. load rejects bad metadata with one CheckpointError naming file and field --------------------------------


def _good_members(weights):
    arrays = {k: getattr(weights, k).astype(np.float32) for k in ck.ARRAY_KEYS}
    return {**arrays, "metadata": np.array(json.dumps({"format_version": 1, **META}))}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"task": "x"}, "task"),
        ({"task": {"delay": -1}}, "task"),
        ({"task": {"foo": 1}}, "task"),
        ({"task": {**META["task"], "n_bits": 4}}, "task"),
        ({"model": {"n_hidden": 8, "n_bits": 3, "extra": 1}}, "model"),
        ({"seed": float("nan")}, "seed"),
        ({"seed": True}, "seed"),
        ({"seed": "0"}, "seed"),
        ({"format_version": True}, "format_version"),
    ],
)
def test_load_rejects_bad_metadata_naming_file_and_field(tmp_path, weights, change, field):
    members = _good_members(weights)
    members["metadata"] = np.array(json.dumps({"format_version": 1, **META, **change}))
    path = tmp_path / "ckpt.npz"
    np.savez(path, **members)
    with pytest.raises(CheckpointError, match=rf"^{re.escape(str(path))}: metadata field '{field}'"):
        load_checkpoint(path)


def test_load_rejects_empty_arrays(tmp_path):
    path = tmp_path / "ckpt.npz"
    meta = {"format_version": 1, **META, "model": {"n_hidden": 0, "n_bits": 3}}
    np.savez(
        path,
        W=np.zeros((0, 0), np.float32),
        W_in=np.zeros((0, 3), np.float32),
        W_out=np.zeros((3, 0), np.float32),
        metadata=np.array(json.dumps(meta)),
    )
    with pytest.raises(CheckpointError, match=rf"^{re.escape(str(path))}: array 'W'.*n_hidden"):
        load_checkpoint(path)


# --- d. files that are not zip archives ------------------------------------------------------------------------------


def test_npy_file_named_npz_is_not_a_checkpoint(tmp_path, weights):
    path = tmp_path / "ckpt.npz"
    with open(path, "wb") as fh:
        np.save(fh, weights.W)
    with pytest.raises(CheckpointError, match="not a readable rnnmem checkpoint"):
        load_checkpoint(path)


def test_random_bytes_are_not_described_as_pickle(tmp_path):
    path = tmp_path / "ckpt.npz"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, size=4096, dtype=np.uint8).tobytes())
    with pytest.raises(CheckpointError, match="not a readable rnnmem checkpoint") as info:
        load_checkpoint(path)
    assert "pickle" not in str(info.value)


# --- e. headers are checked before any data is decompressed -----------------------------------------------------


def _zip_with_member(path, weights, key, header, n_data_bytes):
    """A checkpoint whose member ``key`` is ``header`` followed by ``n_data_bytes`` zero bytes; the rest are good."""
    chunk = bytes(1 << 22)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, arr in _good_members(weights).items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as fh:
                if name != key:
                    np.lib.format.write_array(fh, arr, allow_pickle=False)
                    continue
                np.lib.format.write_array_header_1_0(fh, header)
                left = n_data_bytes
                while left > 0:
                    fh.write(chunk[: min(left, len(chunk))])
                    left -= len(chunk)


@pytest.fixture
def no_array_reads(monkeypatch):
    def fail(*args, **kwargs):
        pytest.fail("array data was read before the header was rejected")

    monkeypatch.setattr(np.lib.format, "read_array", fail)


def test_huge_matrix_in_small_file_is_rejected_from_its_header(tmp_path, weights, no_array_reads):
    path = tmp_path / "ckpt.npz"
    n = 15_000
    _zip_with_member(path, weights, "W", {"descr": "<f4", "fortran_order": False, "shape": (n, n)}, n * n * 4)
    assert path.stat().st_size < 20_000_000 < n * n * 4
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match=rf"array 'W' has shape \({n}, {n}\): n_hidden must be"):
            load_checkpoint(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


@pytest.mark.parametrize(
    ("key", "header", "n_data_bytes", "message"),
    [
        # The zip directory says the member is much larger than its (small, valid) header implies.
        ("W", {"descr": "<f4", "fortran_order": False, "shape": (8, 8)}, 8 << 20, "header implies"),
        ("W", {"descr": "<f8", "fortran_order": False, "shape": (8, 8)}, 8 * 8 * 8, "must be float32"),
        ("W_in", {"descr": "<f4", "fortran_order": False, "shape": (8, 100)}, 8 * 100 * 4, "n_bits must be"),
        ("metadata", {"descr": "<U300000000", "fortran_order": False, "shape": ()}, 0, "'metadata' holds"),
        ("metadata", {"descr": "<f4", "fortran_order": False, "shape": ()}, 4, "'metadata' must be a unicode"),
    ],
)
def test_bad_member_headers_are_rejected_before_reading(
    tmp_path, weights, no_array_reads, key, header, n_data_bytes, message
):
    path = tmp_path / "ckpt.npz"
    _zip_with_member(path, weights, key, header, n_data_bytes)
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(path)


def test_shipped_checkpoints_read_as_numpy_reads_them():
    for delay, seed in available_pretrained():
        path = ck.pretrained_path(delay, seed)
        ckpt = load_checkpoint(path)
        with np.load(path, allow_pickle=False) as data:
            for key in ck.ARRAY_KEYS:
                assert data[key].dtype == np.float32
                np.testing.assert_array_equal(getattr(ckpt.weights, key), data[key])
            assert ckpt.metadata == json.loads(str(data["metadata"][()]))


def test_metadata_with_nan_is_refused_before_anything_is_written(tmp_path):
    from rnnmem_helpers.core.checkpoints import save_checkpoint
    from rnnmem_helpers.core.model import ModelConfig, RNNWeights
    from rnnmem_helpers.core.task import TaskConfig

    weights = RNNWeights(np.zeros((4, 4), np.float32), np.zeros((4, 3), np.float32), np.zeros((3, 4), np.float32))
    meta = {"task": dataclasses.asdict(TaskConfig()), "model": dataclasses.asdict(ModelConfig(n_hidden=4)), "seed": 0}
    with pytest.raises(ValueError, match="finite"):
        save_checkpoint(tmp_path / "w.npz", weights, {**meta, "accuracy": float("nan")})
    assert list(tmp_path.iterdir()) == []
