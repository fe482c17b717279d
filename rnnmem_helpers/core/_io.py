"""Atomic file writes: a reader sees the old file or the new one, never half of one.

A write goes to a temporary file ``.NAME.<pid>-<random>.tmp`` beside the
target ``NAME`` and is renamed over it when complete. When that name would
exceed the folder's file-name limit (a target name near 255 bytes), ``NAME``
in it is replaced by ``~`` and 32 hex digits of the SHA-256 of the target's
name, so any target name the filesystem accepts can be written. Such a file is left
behind only if its writer dies mid-write without a chance to clean up
(SIGKILL, power loss); a SIGTERM during a write in the main thread removes it
before the process ends. The next write to the same target removes leftovers
of that target only (see :func:`remove_stale_temporaries` for the rule).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import stat
import tempfile
import threading
import time
from pathlib import Path

# Written by this module: the writer's PID, then mkstemp's random part. The "-" keeps the name from parsing as
# another target's temporary file (a target "NAME.<pid>" would give ".NAME.<pid>.<random>.tmp").
_PID_TAG = re.compile(r"([1-9][0-9]*)-[a-z0-9_]+")
# Written by earlier versions: mkstemp's 8 random characters only, so the writer is unknown.
_OLD_TAG = re.compile(r"[a-z0-9_]{8}")
OLD_FORMAT_STALE_SECONDS = 600


#: File-name limit in bytes assumed where the filesystem does not tell (POSIX's NAME_MAX on Linux and macOS).
DEFAULT_NAME_MAX = 255
#: Path-length limit in bytes assumed where the filesystem does not tell (PATH_MAX on Linux).
DEFAULT_PATH_MAX = 4096
# Bytes a temporary name adds to its prefix: a PID of up to 7 digits, "-", mkstemp's 8 characters, ".tmp".
_TAG_BYTES = 7 + 1 + 8 + len(".tmp")


def name_max(folder) -> int:
    """The longest file name, in bytes, that the filesystem of ``folder`` accepts.

    ``os.pathconf(folder, "PC_NAME_MAX")`` of the nearest existing folder
    on the way up, or :data:`DEFAULT_NAME_MAX` where that is unknown.
    """
    return _pathconf(folder, "PC_NAME_MAX", DEFAULT_NAME_MAX)


def _pathconf(folder, name: str, default: int) -> int:
    """``os.pathconf`` of the nearest existing folder at or above ``folder``; ``default`` where it is unknown."""
    folder = Path(folder)
    for candidate in (folder, *folder.parents):
        try:
            value = os.pathconf(candidate, name)
        except (AttributeError, ValueError):
            # No pathconf (Windows) or no such setting on this platform.
            return default
        except OSError:
            # Not there yet, or a part too long to look up: ask the folder above.
            continue
        return value if value > 0 else default
    return default


def check_path_length(path, *, what: str) -> None:
    """Refuse a path the filesystem cannot hold, before anything tries to open it.

    Every part of ``path`` must be at most :func:`name_max` bytes (in the
    filesystem's encoding) and the whole at most ``PC_PATH_MAX`` (default
    :data:`DEFAULT_PATH_MAX`), limits that the operating system would
    otherwise report as ``OSError`` ``ENAMETOOLONG`` (errno 36) at the first
    access.

    Parameters
    ----------
    path : str or Path
    what : str
        How the message names the path (a flag such as ``"argument --out"``).

    Raises
    ------
    ValueError
        Naming ``what``, the part at fault (shortened), its length and the limit.
    """
    path = Path(path)
    folder = path.parent
    limit = name_max(folder)
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > limit:
            shown = part if len(part) <= 40 else f"{part[:20]}...{part[-12:]}"
            raise ValueError(
                f"{what}: the name {shown!r} is {size} bytes long; the filesystem allows at most {limit} "
                "bytes per file or folder name"
            )
    total = len(os.fsencode(str(path)))
    path_limit = _pathconf(folder, "PC_PATH_MAX", DEFAULT_PATH_MAX)
    if total >= path_limit:
        raise ValueError(f"{what}: the path is {total} bytes long; the filesystem allows at most {path_limit - 1}")


def _temporary_prefix(path: Path) -> str:
    """The start of the name of every temporary file of ``path``: ``.NAME.``, or ``.~HASH.`` for a long name."""
    prefix = f".{path.name}."
    if len(os.fsencode(prefix)) + _TAG_BYTES <= name_max(path.parent):
        return prefix
    # A hashed name cannot be told from that of a target actually named "~HASH"; with 32 hex digits no such
    # target exists by chance, and the clash would only let one clean up the other's dead writers' leftovers.
    return f".~{hashlib.sha256(os.fsencode(path.name)).hexdigest()[:32]}."


#: Largest JSON file (result, sweep config) read: results are ~10 KB, a curriculum's ~50 KB.
MAX_JSON_BYTES = 2**22


def read_json_file(path, *, what: str = "JSON file", max_bytes: int = MAX_JSON_BYTES):
    """Parse the JSON file at ``path`` safely: a regular file, at most ``max_bytes``, no duplicate keys.

    A FIFO or device is refused before it is opened (reading one could block
    for ever), nesting too deep for the parser is a ValueError, not a
    RecursionError, and an object that repeats a key is refused (JSON keeps
    the last silently, so a second ``"grid"`` would replace the first).

    Raises
    ------
    ValueError
        Naming ``what`` and the fault (not a regular file, too large, not
        UTF-8, not JSON, too deep, a repeated key).
    OSError
        If the file cannot be read.
    """
    path = Path(path)
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{what} {str(path)!r} is not a regular file")
    if info.st_size > max_bytes:
        raise ValueError(f"{what} {str(path)!r} is {info.st_size} bytes; at most {max_bytes} are read")
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"{what} {str(path)!r} is larger than {max_bytes} bytes")
    return parse_json(data, what=f"{what} {str(path)!r}")


def parse_json(text, *, what: str = "JSON"):
    """``json.loads(text)`` with repeated keys and too-deep nesting reported as one-line ValueErrors."""

    def no_repeats(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"{what} repeats the key {key!r} in one object")
            seen.add(key)
        return dict(pairs)

    try:
        return json.loads(text, object_pairs_hook=no_repeats)
    except RecursionError:
        raise ValueError(f"{what} is nested too deeply to be a result or a config") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what} is not UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} is not JSON ({exc})") from None


class _Terminated(BaseException):
    """Raised in the main thread by SIGTERM during a write, to unwind and remove the temporary file."""


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", encoding: str | None = None):
    """Open a temporary file beside ``path``; on success it replaces ``path``, on error it is removed.

    Before writing, stale temporary files of ``path`` (and of no other file)
    are removed: see :func:`remove_stale_temporaries`. In the main thread, a
    SIGTERM whose disposition is the default (terminate) removes the temporary
    file and then terminates the process by SIGTERM as it would have anyway.

    Parameters
    ----------
    path : str or Path
        Destination; its folder must exist.
    mode : {"wb", "w"}
    encoding : str, optional
        For text mode.
    """
    path = Path(path)
    remove_stale_temporaries(path)
    with _sigterm_unwinds() as guard:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{_temporary_prefix(path)}{os.getpid()}-", suffix=".tmp")
        try:
            with os.fdopen(fd, mode, encoding=encoding) as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            # mkstemp makes the file private (0600); results and checkpoints are meant to be shared.
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            # A second SIGTERM must not interrupt the removal below.
            guard.armed = False
            Path(tmp).unlink(missing_ok=True)
            raise


def remove_stale_temporaries(path) -> list[Path]:
    """Remove temporary files that :func:`atomic_write` left beside ``path`` and whose writer is gone.

    The rule: a file in the folder of ``path`` named ``.NAME.<pid>-<random>.tmp``,
    with ``NAME`` exactly the name of ``path`` (or its ``~HASH`` where the
    name is too long for that, see the module docstring), is removed when no process with
    that PID exists on this machine (a process that exists, even one of another
    user, may still be writing it). A file named ``.NAME.<random>.tmp`` (the
    format before the PID was recorded; ``<random>`` is 8 characters of
    ``[a-z0-9_]``) is removed when it was last modified more than
    ``OLD_FORMAT_STALE_SECONDS`` ago. Nothing else is touched: not the
    temporary files of other targets, not directories or symlinks. PIDs are
    those of this machine, so two machines must not write the same target in a
    shared folder at the same time. On Windows, where probing a PID would
    terminate the process, PID-named files are kept.

    Parameters
    ----------
    path : str or Path
        The target file (it need not exist).

    Returns
    -------
    list of Path
        The files removed.
    """
    path = Path(path)
    prefix, suffix = _temporary_prefix(path), ".tmp"
    removed = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(suffix)):
            continue
        tag = name[len(prefix) : -len(suffix)]
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if match := _PID_TAG.fullmatch(tag):
                stale = not _process_exists(int(match[1]))
            elif _OLD_TAG.fullmatch(tag):
                stale = now - entry.stat(follow_symlinks=False).st_mtime > OLD_FORMAT_STALE_SECONDS
            else:
                continue
            if stale:
                Path(entry.path).unlink(missing_ok=True)
                removed.append(Path(entry.path))
        except OSError:
            # Cleanup is best effort: a leftover that cannot be removed must not stop the write.
            continue
    return removed


def _process_exists(pid: int) -> bool:
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        # PermissionError: it exists but belongs to someone else; anything else: keep the file to be safe.
        return True
    return True


class _SigtermGuard:
    def __init__(self):
        self.armed = True
        self.received = False

    def handler(self, signum, frame):
        self.received = True
        if self.armed:
            self.armed = False
            raise _Terminated


@contextlib.contextmanager
def _sigterm_unwinds():
    """Turn SIGTERM into an exception for the duration of the block, then terminate by SIGTERM.

    Only in the main thread (the only one that may set handlers) and only if
    SIGTERM would terminate the process anyway: a program with its own handler
    (or ignoring SIGTERM) keeps its own behaviour.
    """
    guard = _SigtermGuard()
    sigterm = getattr(signal, "SIGTERM", None)
    if (
        sigterm is None
        or threading.current_thread() is not threading.main_thread()
        or signal.getsignal(sigterm) is not signal.SIG_DFL
    ):
        guard.armed = False
        yield guard
        return
    signal.signal(sigterm, guard.handler)
    try:
        yield guard
    finally:
        guard.armed = False
        signal.signal(sigterm, signal.SIG_DFL)
        if guard.received:
            os.kill(os.getpid(), sigterm)
