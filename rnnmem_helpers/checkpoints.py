"""Checkpoints: weights and metadata in one ``.npz`` file, without pickle.

Arrays ``W`` (N, N), ``W_in`` (N, n_bits), ``W_out`` (n_bits, N) are stored as
float32 (the training precision) in the column-vector convention of
:mod:`rnnmem_helpers.model`; ``metadata`` is a JSON string holding the task,
model and training configs, the seed, the held-out accuracy, the package
version and the command that produced the file.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ._io import atomic_write
from ._validate import check_int
from .model import RNNWeights
from .task import TaskConfig

FORMAT_VERSION = 1
ARRAY_KEYS = ("W", "W_in", "W_out")
REQUIRED_METADATA = ("format_version", "task", "model", "seed")


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
    def task(self) -> TaskConfig:
        """The task the network was trained on."""
        return TaskConfig(**self.metadata["task"])

    @property
    def delay(self) -> int:
        return self.task.delay


def save_checkpoint(path, weights: RNNWeights, metadata: dict) -> Path:
    """Write a checkpoint atomically: a temporary file in the same folder, then a rename.

    Parameters
    ----------
    path : str or Path
        Destination ``.npz`` file; its folder must exist.
    weights : RNNWeights
    metadata : dict
        JSON-serialisable; must hold ``task``, ``model`` and ``seed``.

    Returns
    -------
    Path
    """
    if not isinstance(weights, RNNWeights):
        raise TypeError(f"weights must be RNNWeights, got {type(weights).__name__}")
    if not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
    meta = {"format_version": FORMAT_VERSION, **metadata}
    missing = [k for k in REQUIRED_METADATA if k not in meta]
    if missing:
        raise ValueError(f"metadata must contain {list(REQUIRED_METADATA)}; missing {missing}")
    text = json.dumps(meta, sort_keys=True)
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"path must end in .npz, got {str(path)!r}")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"folder {str(path.parent)!r} does not exist")
    arrays = {k: np.asarray(getattr(weights, k), dtype=np.float32) for k in ARRAY_KEYS}
    with atomic_write(path, "wb") as fh:
        np.savez(fh, metadata=np.array(text), **arrays)
    return path


def load_checkpoint(path) -> Checkpoint:
    """Read and validate a checkpoint.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    CheckpointError
        If the file is corrupt or truncated, misses a key, or holds arrays of
        the wrong shape or non-finite values.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    try:
        with np.load(path, allow_pickle=False) as data:
            keys = set(data.files)
            want = set(ARRAY_KEYS) | {"metadata"}
            if keys != want:
                raise CheckpointError(f"{path}: expected keys {sorted(want)}, found {sorted(keys)}")
            arrays = {k: data[k] for k in ARRAY_KEYS}
            text = str(data["metadata"][()])
    except CheckpointError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise CheckpointError(f"{path} is not a readable rnnmem checkpoint ({exc})") from exc
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{path}: metadata is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict) or any(k not in meta for k in REQUIRED_METADATA):
        raise CheckpointError(f"{path}: metadata must be an object with keys {list(REQUIRED_METADATA)}")
    if meta["format_version"] != FORMAT_VERSION:
        raise CheckpointError(f"{path}: format_version {meta['format_version']} is not {FORMAT_VERSION}")
    try:
        weights = RNNWeights(**arrays)
        n_hidden, n_bits = meta["model"]["n_hidden"], meta["model"]["n_bits"]
    except (TypeError, ValueError, KeyError) as exc:
        raise CheckpointError(f"{path}: {exc}") from exc
    if (weights.n_hidden, weights.n_bits) != (n_hidden, n_bits):
        raise CheckpointError(
            f"{path}: arrays have N={weights.n_hidden}, n_bits={weights.n_bits} but metadata says "
            f"N={n_hidden}, n_bits={n_bits}"
        )
    return Checkpoint(weights=weights, metadata=meta)


def pretrained_path(delay: int, seed: int = 0) -> Path:
    """Path of a shipped checkpoint ``checkpoints/delay{delay}_seed{seed}.npz``."""
    delay = check_int("delay", delay, minimum=0)
    seed = check_int("seed", seed, minimum=0)
    return Path(str(resources.files("rnnmem_helpers") / "checkpoints" / f"delay{delay}_seed{seed}.npz"))


def available_pretrained() -> list[tuple[int, int]]:
    """(delay, seed) pairs of the checkpoints shipped with the package, sorted."""
    folder = Path(str(resources.files("rnnmem_helpers") / "checkpoints"))
    pairs = []
    for f in folder.glob("delay*_seed*.npz"):
        d, s = f.stem[len("delay") :].split("_seed")
        if d.isdigit() and s.isdigit():
            pairs.append((int(d), int(s)))
    return sorted(pairs)


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
