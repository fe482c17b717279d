"""Checkpoints: weights and metadata in one ``.npz`` file, without pickle.

Arrays ``W`` (N, N), ``W_in`` (N, n_bits), ``W_out`` (n_bits, N) are stored as
float32 (the training precision) in the column-vector convention of
:mod:`rnnmem_helpers.core.model`; ``metadata`` is a JSON string holding the task,
model and training configs, the seed, the held-out accuracy, the package
version and the command that produced the file.

Metadata versions (``format_version``):

1. Every file is a trained network. Required: ``task``, ``model``, ``seed``.
2. Adds ``kind``, ``"trained"`` or ``"constructed"`` (built by hand by
   :mod:`rnnmem_helpers.core.construct`, not trained). A constructed network must
   also hold ``construction`` (an object with its ``gain`` > 0, see
   :meth:`rnnmem_helpers.core.construct.DelayDesign.parameters`) and ``test`` (its
   :class:`~rnnmem_helpers.core.metrics.EvalResult` fields, ``accuracy`` in [0, 1]);
   its ``seed`` is that of the ``initial_weights`` that drew its W_in.

In every version, ``test`` is optional for a trained network, and where it is
given it is an object whose ``accuracy`` is a number in [0, 1] (the score on
a fresh test stream, which the book's explorers show).

Files are written in version 2 and read in both: a version-1 file is a trained
network. The version was bumped so that a package that knows only version 1
refuses a constructed network instead of taking it for a trained one.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
import zlib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path

import numpy as np

from ._io import atomic_write, parse_json
from ._validate import check_int
from .metrics import EvalResult
from .model import ModelConfig, RNNWeights
from .task import TaskConfig

#: The metadata version :func:`save_checkpoint` writes.
FORMAT_VERSION = 2
#: The versions :func:`load_checkpoint` reads (see the module docstring).
READABLE_VERSIONS = (1, 2)
#: Values of the metadata field ``kind`` (version 2); a version-1 file is ``"trained"``.
KINDS = ("trained", "constructed")
ARRAY_KEYS = ("W", "W_in", "W_out")
MEMBER_KEYS = (*ARRAY_KEYS, "metadata")
REQUIRED_METADATA = ("format_version", "task", "model", "seed")
_PRETRAINED_NAME = re.compile(r"delay(0|[1-9][0-9]*)_seed(0|[1-9][0-9]*)\.npz", re.ASCII)
_CONSTRUCTED_NAME = re.compile(r"constructed_delay(0|[1-9][0-9]*)\.npz", re.ASCII)
# 1 MB as numpy's 4-byte unicode; shipped metadata is about 1000 characters.
MAX_METADATA_CHARS = 2**18
# What a damaged or foreign file can raise while being read; each means "not a checkpoint".
_READ_ERRORS = (
    OSError,
    ValueError,
    EOFError,
    KeyError,
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,  # unsupported zip compression method
    RuntimeError,  # encrypted zip member
)


class CheckpointError(ValueError):
    """A checkpoint file is corrupt, truncated or does not match the format."""


@dataclass(frozen=True, eq=False)
class Checkpoint:
    """A trained network and what is known about how it was made.

    Attributes
    ----------
    weights : RNNWeights
    metadata : dict
    """

    weights: RNNWeights
    metadata: dict

    @property
    def kind(self) -> str:
        """``"trained"`` or ``"constructed"``; a version-1 file, which has no ``kind``, is ``"trained"``."""
        return self.metadata.get("kind", "trained")

    @property
    def task(self) -> TaskConfig:
        """The task the network was trained (or constructed) for."""
        return TaskConfig(**self.metadata["task"])

    @property
    def delay(self) -> int:
        return self.task.delay


def save_checkpoint(path, weights: RNNWeights, metadata: dict) -> Path:
    """Write a checkpoint atomically: a temporary file in the same folder, then a rename.

    The arrays (as float32) and the final metadata pass the same check as
    :func:`load_checkpoint` applies, before anything is written, so a saved
    file always loads.

    Parameters
    ----------
    path : str or Path
        Destination ``.npz`` file; its folder must exist.
    weights : RNNWeights
        Must stay finite when cast to float32.
    metadata : dict
        JSON-serialisable; must hold ``task`` (a :class:`TaskConfig` as a dict),
        ``model`` (a :class:`ModelConfig` as a dict, matching the weights) and
        ``seed`` (an integer >= 0). ``format_version`` is added; if given it
        must equal ``FORMAT_VERSION`` (older versions are read, not written).
        ``kind`` is ``"trained"`` unless given; a ``"constructed"`` network
        also needs ``construction`` and ``test`` (see the module docstring).

    Returns
    -------
    Path

    Raises
    ------
    TypeError
        If ``weights`` is not RNNWeights, ``metadata`` not a dict or not JSON-serialisable.
    ValueError
        If the path does not end in ``.npz`` or the contents would not load; the message names the field.
    FileNotFoundError
        If the folder does not exist.
    """
    members = _checked_members(weights, metadata)
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"path must end in .npz, got {str(path)!r}")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"folder {str(path.parent)!r} does not exist")
    with atomic_write(path, "wb") as fh:
        np.savez(fh, **members)
    return path


#: Metadata characters :func:`expected_checkpoint_bytes` allows for: construct writes about 900, train about 1500.
EXPECTED_METADATA_CHARS = 16_000


def expected_checkpoint_bytes(n_hidden: int, n_bits: int) -> int:
    """Upper estimate of the size of a checkpoint file, to check the free space before any work.

    The float32 arrays (N² + 2 N n_bits numbers), the metadata as numpy
    stores it (4 bytes a character, up to :data:`EXPECTED_METADATA_CHARS`)
    and 4 KiB for the ``.npy`` headers and the zip structure.

    Parameters
    ----------
    n_hidden, n_bits : int
        Within :class:`~rnnmem_helpers.core.model.ModelConfig`'s limits.

    Returns
    -------
    int
        Bytes.
    """
    model = ModelConfig(n_hidden=n_hidden, n_bits=n_bits)
    arrays = 4 * (model.n_hidden**2 + 2 * model.n_hidden * model.n_bits)
    return arrays + 4 * EXPECTED_METADATA_CHARS + 4096


def checkpoint_bytes(weights: RNNWeights, metadata: dict) -> bytes:
    """The bytes of the checkpoint file that :func:`save_checkpoint` would write, checked the same way.

    For results computed on one machine (a Dask worker) and written on
    another (the client): the worker sends these bytes, and the client writes
    them atomically and checks them with :func:`load_checkpoint`.

    Raises
    ------
    TypeError, ValueError
        As :func:`save_checkpoint`.
    """
    buffer = io.BytesIO()
    np.savez(buffer, **_checked_members(weights, metadata))
    return buffer.getvalue()


def _checked_members(weights: RNNWeights, metadata: dict) -> dict:
    """The members of a checkpoint file of ``weights`` and ``metadata``, after the check that load applies."""
    if not isinstance(weights, RNNWeights):
        raise TypeError(f"weights must be RNNWeights, got {type(weights).__name__}")
    if not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
    version = metadata.get("format_version", FORMAT_VERSION)
    if isinstance(version, bool) or version != FORMAT_VERSION:
        raise ValueError(
            f"metadata field 'format_version' must be {FORMAT_VERSION} (the version written; "
            f"{list(READABLE_VERSIONS)} are read), got {version!r}"
        )
    # Every caller before version 2 saved trained networks and did not pass a kind.
    meta = {"format_version": FORMAT_VERSION, "kind": "trained", **metadata}
    try:
        text = json.dumps(meta, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"metadata must be JSON-serialisable ({exc})") from exc
    # Overflow to inf is what the check below reports; numpy's own warning would only repeat it.
    with np.errstate(over="ignore"):
        arrays = {k: np.asarray(getattr(weights, k), dtype=np.float32) for k in ARRAY_KEYS}
    members = {"metadata": np.array(text), **arrays}
    check_contents(members)
    try:
        # JSON has no NaN or infinity; json.dumps would write them as bare NaN, which strict readers refuse.
        json.dumps(meta, allow_nan=False)
    except ValueError:
        raise ValueError("metadata must hold only finite numbers (JSON has no NaN or infinity)") from None
    return members


def load_checkpoint(path) -> Checkpoint:
    """Read and validate a checkpoint.

    The archive is read with :mod:`zipfile`; each member's ``.npy`` header is
    checked (dtype, shape within :class:`ModelConfig`'s limits, size in the
    zip directory) before any data is decompressed, so a small malicious file
    cannot make this allocate much memory. Then the contents pass
    :func:`check_contents`, the same check :func:`save_checkpoint` applies.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    CheckpointError
        If the file is not a zip archive of the expected members, is corrupt or
        truncated, holds arrays of the wrong dtype, shape or size or non-finite
        values, or metadata that :func:`check_contents` rejects. The message
        starts with the path and names the field.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    try:
        members = _read_members(path)
    except CheckpointError:
        raise
    except _READ_ERRORS as exc:
        raise CheckpointError(f"{path} is not a readable rnnmem checkpoint ({exc})") from exc
    try:
        meta = check_contents(members)
    except ValueError as exc:
        raise CheckpointError(f"{path}: {exc}") from exc
    weights = RNNWeights(**{k: members[k] for k in ARRAY_KEYS})
    return Checkpoint(weights=weights, metadata=meta)


def check_contents(members: dict) -> dict:
    """The one check of what a checkpoint holds, applied by both save and load.

    Parameters
    ----------
    members : dict
        ``W``, ``W_in``, ``W_out`` (float32 arrays) and ``metadata`` (a 0-d
        unicode array holding JSON), exactly as stored in the file.

    Returns
    -------
    dict
        The parsed metadata.

    Raises
    ------
    ValueError
        Naming the member or metadata field at fault and what is allowed.
    """
    found = sorted(members)
    if found != sorted(MEMBER_KEYS):
        raise ValueError(f"expected keys {sorted(MEMBER_KEYS)}, found {found}")
    for key in MEMBER_KEYS:
        _check_header(key, members[key].shape, members[key].dtype)
    W, W_in, W_out = (members[k] for k in ARRAY_KEYS)
    n, k = W_in.shape
    for key, arr, want in (("W", W, (n, n)), ("W_out", W_out, (k, n))):
        if arr.shape != want:
            raise ValueError(f"array {key!r} must have shape {want} to match W_in {W_in.shape}, got {arr.shape}")
    for key, arr in zip(ARRAY_KEYS, (W, W_in, W_out), strict=True):
        if not np.isfinite(arr).all():
            raise ValueError(f"array {key!r} must be finite as float32 (no NaN, no inf, |x| < 3.4e38)")
    text = str(members["metadata"][()])
    meta = parse_json(text, what="metadata")
    if not isinstance(meta, dict):
        raise ValueError(f"metadata must be a JSON object, got {type(meta).__name__}")
    missing = [key for key in REQUIRED_METADATA if key not in meta]
    if missing:
        raise ValueError(f"metadata must contain {list(REQUIRED_METADATA)}; missing {missing}")
    version = meta["format_version"]
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        raise ValueError(f"metadata field 'format_version' must be one of {list(READABLE_VERSIONS)}, got {version!r}")
    _check_kind(meta, version)
    _check_test(meta)
    task = _config_field("task", meta["task"], TaskConfig)
    model = _config_field("model", meta["model"], ModelConfig)
    seed = meta["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"metadata field 'seed' must be an integer >= 0, got {seed!r}")
    if (model.n_hidden, model.n_bits) != (n, k):
        raise ValueError(
            f"metadata field 'model': arrays have N={n}, n_bits={k} but metadata says "
            f"N={model.n_hidden}, n_bits={model.n_bits}"
        )
    if task.n_bits != k:
        raise ValueError(f"metadata field 'task': n_bits={task.n_bits} but the arrays have n_bits={k}")
    return meta


def _check_kind(meta: dict, version: int) -> None:
    """Check ``kind`` and, for a constructed network, ``construction`` and ``test``."""
    if version == 1:
        if "kind" in meta:
            raise ValueError("metadata field 'kind' needs format_version 2; a version-1 file is a trained network")
        return
    kind = meta.get("kind")
    if isinstance(kind, bool) or kind not in KINDS:
        raise ValueError(f"metadata field 'kind' must be one of {list(KINDS)} (format_version 2), got {kind!r}")
    if kind != "constructed":
        return
    construction = meta.get("construction")
    if not isinstance(construction, dict):
        raise ValueError(
            f"metadata field 'construction' must be an object for a constructed network, got {construction!r}"
        )
    gain = construction.get("gain")
    if not _is_real(gain) or not 0 < gain < math.inf:
        raise ValueError(f"metadata field 'construction': 'gain' must be a finite number > 0, got {gain!r}")
    test = meta.get("test")
    allowed = [f.name for f in fields(EvalResult)]
    if not isinstance(test, dict) or sorted(test) != sorted(allowed):
        raise ValueError(f"metadata field 'test' must be an object with keys {allowed} for a constructed network")
    accuracy = test["accuracy"]
    if not _is_real(accuracy) or not 0 <= accuracy <= 1:
        raise ValueError(f"metadata field 'test': 'accuracy' must be a number in [0, 1], got {accuracy!r}")


def _check_test(meta: dict) -> None:
    """Check the optional ``test`` of any kind of network: an object whose ``accuracy`` is a number in [0, 1]."""
    if "test" not in meta:
        return
    test = meta["test"]
    if not isinstance(test, dict):
        raise ValueError(f"metadata field 'test' must be an object holding 'accuracy', got {test!r}")
    accuracy = test.get("accuracy")
    if not _is_real(accuracy) or not 0 <= accuracy <= 1:
        raise ValueError(f"metadata field 'test': 'accuracy' must be a number in [0, 1], got {accuracy!r}")


def check_checkpoint(ckpt: Checkpoint, *, name: str = "ckpt") -> dict:
    """Apply to a :class:`Checkpoint` in memory the check :func:`load_checkpoint` applies to a file.

    A checkpoint built in memory (``Checkpoint(weights, metadata)``), or one
    whose metadata was changed after loading, has had no check. Missing
    ``format_version`` is taken as :data:`FORMAT_VERSION` and missing
    ``kind`` (version 2) as ``"trained"``, as :func:`save_checkpoint` does.

    Parameters
    ----------
    ckpt : Checkpoint
    name : str
        How the messages name ``ckpt``.

    Returns
    -------
    dict
        The metadata as checked.

    Raises
    ------
    TypeError
        If ``ckpt`` is not a Checkpoint, its weights not RNNWeights, or its
        metadata not a JSON-serialisable dict; the message names ``name``.
    ValueError
        Naming ``name`` and the field at fault, as :func:`check_contents`.
    """
    if not isinstance(ckpt, Checkpoint):
        raise TypeError(f"{name} must be a Checkpoint, got {type(ckpt).__name__}")
    if not isinstance(ckpt.weights, RNNWeights):
        raise TypeError(f"{name}.weights must be RNNWeights, got {type(ckpt.weights).__name__}")
    if not isinstance(ckpt.metadata, dict):
        raise TypeError(f"{name}.metadata must be a dict, got {type(ckpt.metadata).__name__}")
    meta = {"format_version": FORMAT_VERSION, **ckpt.metadata}
    if meta["format_version"] == FORMAT_VERSION:
        meta.setdefault("kind", "trained")
    try:
        text = json.dumps(meta)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}.metadata must be JSON-serialisable ({exc})") from None
    with np.errstate(over="ignore"):
        arrays = {k: np.asarray(getattr(ckpt.weights, k), dtype=np.float32) for k in ARRAY_KEYS}
    try:
        return check_contents({"metadata": np.array(text), **arrays})
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _is_real(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _config_field(name: str, value, cls):
    allowed = [f.name for f in fields(cls)]
    if not isinstance(value, dict):
        raise ValueError(f"metadata field {name!r} must be an object with keys among {allowed}, got {value!r}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise ValueError(f"metadata field {name!r} has unknown keys {unknown}; allowed {allowed}")
    try:
        return cls(**value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"metadata field {name!r}: {exc}") from exc


def _check_header(key: str, shape: tuple, dtype: np.dtype) -> None:
    """Check one member's dtype and shape: what its ``.npy`` header says, before any data is read."""
    if key == "metadata":
        if dtype.kind != "U" or shape != ():
            raise ValueError(f"member 'metadata' must be a unicode string, got dtype {dtype}, shape {shape}")
        if dtype.itemsize // 4 > MAX_METADATA_CHARS:
            raise ValueError(
                f"member 'metadata' holds {dtype.itemsize // 4} characters; at most {MAX_METADATA_CHARS} allowed"
            )
        return
    if dtype.kind != "f" or dtype.itemsize != 4:
        raise ValueError(f"array {key!r} must be float32, got {dtype}")
    if len(shape) != 2:
        raise ValueError(f"array {key!r} must have 2 dimensions, got shape {shape}")
    rows, cols = shape
    if key == "W" and rows != cols:
        raise ValueError(f"array 'W' must be square (N, N), got shape {shape}")
    sizes = {
        "W": {"n_hidden": rows},
        "W_in": {"n_hidden": rows, "n_bits": cols},
        "W_out": {"n_hidden": cols, "n_bits": rows},
    }
    try:
        # ModelConfig holds the size limits (1 <= N <= its cap, 1 <= n_bits <= 64); they bound the memory a load uses.
        ModelConfig(**sizes[key])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"array {key!r} has shape {shape}: {exc}") from exc


def _read_members(path: Path) -> dict:
    """Read the members of the archive at ``path``, checking every header before decompressing any data."""
    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"{path} is not a readable rnnmem checkpoint (not a zip archive)")
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        found = [info.filename.removesuffix(".npy") for info in infos]
        if sorted(found) != sorted(MEMBER_KEYS) or not all(i.filename.endswith(".npy") for i in infos):
            raise CheckpointError(f"{path}: expected keys {sorted(MEMBER_KEYS)}, found {sorted(found)}")
        for key, info in zip(found, infos, strict=True):
            with zf.open(info) as fh:
                shape, dtype, header_len = _read_npy_header(fh)
            try:
                _check_header(key, shape, dtype)
            except ValueError as exc:
                raise CheckpointError(f"{path}: {exc}") from exc
            expected = header_len + dtype.itemsize * math.prod(shape)
            if info.file_size != expected:
                raise CheckpointError(
                    f"{path}: member {key!r} is {info.file_size} bytes uncompressed; its header implies {expected}"
                )
        members = {}
        for key, info in zip(found, infos, strict=True):
            with zf.open(info) as fh:
                members[key] = np.lib.format.read_array(fh, allow_pickle=False)
    return members


def _read_npy_header(fh) -> tuple[tuple, np.dtype, int]:
    """Shape, dtype and header length of the ``.npy`` stream ``fh``, reading only its header."""
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        raise ValueError(f".npy format version {version} is not supported")
    return shape, dtype, fh.tell()


def pretrained_path(delay: int, seed: int = 0) -> Path:
    """Path of a shipped checkpoint ``checkpoints/delay{delay}_seed{seed}.npz``."""
    delay = check_int("delay", delay, minimum=0)
    seed = check_int("seed", seed, minimum=0)
    return Path(str(resources.files("rnnmem_helpers") / "checkpoints" / f"delay{delay}_seed{seed}.npz"))


def available_pretrained() -> list[tuple[int, int]]:
    """(delay, seed) pairs of the checkpoints shipped with the package, sorted."""
    folder = Path(str(resources.files("rnnmem_helpers") / "checkpoints"))
    # Only the names pretrained_path writes: ASCII digits without leading zeros, so no stray file ("delay2²",
    # "delay8_seed0_seed1", "delay08") breaks the listing or lists a network twice.
    names = (_PRETRAINED_NAME.fullmatch(f.name) for f in folder.glob("delay*_seed*.npz"))
    return sorted((int(m[1]), int(m[2])) for m in names if m)


def constructed_path(delay: int) -> Path:
    """Path of a shipped hand-built network ``checkpoints/constructed_delay{delay}.npz``."""
    delay = check_int("delay", delay, minimum=0)
    return Path(str(resources.files("rnnmem_helpers") / "checkpoints" / f"constructed_delay{delay}.npz"))


def available_constructed() -> list[int]:
    """Delays of the hand-built networks shipped with the package, sorted."""
    folder = Path(str(resources.files("rnnmem_helpers") / "checkpoints"))
    names = (_CONSTRUCTED_NAME.fullmatch(f.name) for f in folder.glob("constructed_delay*.npz"))
    return sorted(int(m[1]) for m in names if m)


def load_constructed(delay: int) -> Checkpoint:
    """Load a shipped network built by hand (:mod:`rnnmem_helpers.core.construct`) for output delay ``delay``.

    Raises
    ------
    ValueError
        If none is shipped for that delay (the message lists those that are).
    CheckpointError
        If the file is not a constructed network.
    """
    path = constructed_path(delay)
    if not path.is_file():
        raise ValueError(
            f"no shipped constructed network for delay={delay}; available delays: {available_constructed()}"
        )
    ckpt = load_checkpoint(path)
    if ckpt.kind != "constructed":
        raise CheckpointError(f"{path}: metadata field 'kind' must be 'constructed', got {ckpt.kind!r}")
    return ckpt


def load_pretrained(delay: int, seed: int = 0) -> Checkpoint:
    """Load a shipped network trained at output delay ``delay``.

    Raises
    ------
    ValueError
        If no checkpoint is shipped for that delay and seed (the message lists those that are).
    """
    path = pretrained_path(delay, seed)
    if not path.is_file():
        raise ValueError(
            f"no shipped checkpoint for delay={delay}, seed={seed}; available (delay, seed): {available_pretrained()}"
        )
    return load_checkpoint(path)
