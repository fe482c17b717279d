"""Grids of training runs on Dask, resumable.

A sweep config is a JSON file::

    {"name": "delay_sweep", "description": "...", "results": "results",
     "grid": {"delay": [0, 4, 8], "seed": [0, 1], "n_hidden": [100]},
     "fixed": {"max_steps": 8000, "mean_interval": 50.0, "analyse": true}}

Every combination of the ``grid`` lists, merged with ``fixed`` and the
defaults of :class:`rnnmem_helpers.experiments.experiment.RunConfig`, is one run. The
whole config is checked (:func:`validate_sweep_config`) before any work
starts. ``results`` (optional) names the folder of result files, relative to
the config file; sweeps that share a folder share identical runs.

A run's result is a JSON file named by its
:func:`~rnnmem_helpers.experiments.experiment.run_key` (:func:`experiment_key`),
beside the checkpoint of every network it trained under ``weights/`` (named
in the result with its SHA-256). Workers compute and return both; the client
writes them, atomically, weights first (:func:`store_result`), so results
come home even from workers that do not share the client's filesystem, a
rerun skips finished runs, and a crashed worker loses only the run it was
doing. A file that does not load as a valid result of the current schema, or
whose weights are missing or altered, is reported and its run done again.

A config may name its ``"kind"`` of experiment, one of the registered
:data:`KINDS` (default ``"run"``; see
:func:`~rnnmem_helpers.experiments.experiment.register_kind` for how a kind registers
itself). The grid and fixed settings are then those of that kind's config;
this module knows kinds only through the registry, and recognises a config's
kind by its type (:func:`kind_of`).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import os
import re
import sys
from pathlib import Path

from ..core._io import atomic_write, read_json_file, remove_stale_temporaries
from ..core._validate import check_int
from ..core.checkpoints import CheckpointError, load_checkpoint
from ._kinds import KINDS, kind_of
from .experiment import ResultError, read_json, write_json


def experiment_key(config) -> str:
    """Key of the result file of any kind of experiment config."""
    return kind_of(config).key(config)


#: The keys a sweep config may have.
SWEEP_KEYS = ("name", "description", "kind", "results", "grid", "fixed")
#: Most runs one sweep config may give (the 288-run lr grid is the largest shipped).
MAX_RUNS = 100_000
#: Seconds to wait for an existing Dask scheduler to answer.
CONNECT_TIMEOUT = 5
# tcp://HOST:PORT, HOST:PORT or [IPv6]:PORT, as Dask's Client accepts them.
_ADDRESS = re.compile(
    r"(?:(?:tcp|tls|ws|wss)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})"
)


class SchedulerError(ValueError):
    """The Dask scheduler given by address is malformed or does not answer."""


def _json_type(value) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), f"{value!r}")


def validate_sweep_config(config) -> dict:
    """Check a sweep config completely and return it normalised.

    Parameters
    ----------
    config : dict
        As read from the JSON file: keys among :data:`SWEEP_KEYS`; ``grid`` a
        non-empty object of run settings to non-empty lists of distinct
        values; ``fixed`` (optional) an object of run settings not in
        ``grid``; ``name``, ``description`` and ``results`` (optional)
        strings. Settings and their allowed values are those of
        :class:`~rnnmem_helpers.experiments.experiment.RunConfig`.

    Returns
    -------
    dict
        ``name``, ``description`` and ``results`` (``None`` where not given),
        ``grid`` and ``fixed`` with every value normalised (``50`` becomes
        ``50.0`` for a float setting).

    Raises
    ------
    TypeError, ValueError
        On the first fault, in one line that names the key as written in the
        file (``grdi``, ``grid.delay``, ``fixed.analyse``) and what is allowed.
    """
    if not isinstance(config, dict):
        raise TypeError(
            f"a sweep config must be a JSON object with keys among {list(SWEEP_KEYS)}, got {_json_type(config)}"
        )
    for key in config:
        if key not in SWEEP_KEYS:
            raise ValueError(f"{key} is not a sweep config key; allowed: {list(SWEEP_KEYS)}")
    out = {}
    for key in ("name", "description", "results"):
        value = config.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            what = "a folder name relative to the config file" if key == "results" else "a string"
            raise TypeError(f"{key} must be {what} (a non-empty string), got {_json_type(value)}")
        out[key] = value
    results = out["results"]
    if results is not None and (Path(results).is_absolute() or ".." in Path(results).parts or "\\" in results):
        # A config names a folder beside itself; writing elsewhere needs an explicit --out.
        raise ValueError(
            f"results must be a folder inside the config's own folder (no '..', not absolute), got {results!r}"
        )
    kind_name = config.get("kind", "run")
    if not isinstance(kind_name, str) or kind_name not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)} (default 'run'), got {kind_name!r}")
    out["kind"] = kind_name
    kind = KINDS[kind_name]
    constraints, what = kind.settings, f"{kind_name} setting"
    fields = list(constraints)
    if "grid" not in config:
        raise ValueError(f"grid is missing; give an object of {what}s to lists of values, among {list(fields)}")
    grid = config["grid"]
    if not isinstance(grid, dict):
        raise TypeError(
            f'grid must be an object of {what}s to lists of values, like {{"seed": [0, 1]}}, got {_json_type(grid)}'
        )
    if not grid:
        raise ValueError(f"grid must not be empty; give at least one {what} among {list(fields)}")
    out["grid"] = {}
    for key, values in grid.items():
        if key not in constraints:
            raise ValueError(f"grid.{key} is not a {what}; allowed: {list(fields)}")
        if not isinstance(values, list):
            raise TypeError(f"grid.{key} must be a non-empty list of values, got {_json_type(values)}")
        if not values:
            raise ValueError(f"grid.{key} must be a non-empty list of values, got []")
        checked = []
        for value in values:
            value = constraints[key].check(f"grid.{key}", value)
            if value in checked:
                raise ValueError(f"grid.{key} must list each value once, got {value!r} twice (after normalisation)")
            checked.append(value)
        out["grid"][key] = checked
    fixed = config.get("fixed", {})
    if not isinstance(fixed, dict):
        raise TypeError(f"fixed must be an object of {what}s to single values, got {_json_type(fixed)}")
    out["fixed"] = {}
    for key, value in fixed.items():
        if key not in constraints:
            raise ValueError(f"fixed.{key} is not a {what}; allowed: {list(fields)}")
        if key in grid:
            raise ValueError(f"fixed.{key} is also in grid; give each setting in one place")
        out["fixed"][key] = constraints[key].check(f"fixed.{key}", value)
    n_runs = math.prod(len(v) for v in out["grid"].values())
    if n_runs > MAX_RUNS:
        raise ValueError(f"grid must give at most {MAX_RUNS} runs (the product of its list lengths), got {n_runs}")
    # Settings valid one by one can still clash (init "transverse" needs enough units): try every combination.
    for run in _combinations(out):
        try:
            kind.make(**run)
        except (TypeError, ValueError) as exc:
            text = str(exc)
            name = next((k for k in fields if text.startswith(k + " ")), None)
            where = "grid." if name in out["grid"] else "fixed." if name in out["fixed"] else ""
            raise type(exc)(where + text) from None
    return out


def _combinations(config: dict) -> list[dict]:
    keys = sorted(config["grid"])
    return [
        {**config["fixed"], **dict(zip(keys, combo, strict=True))}
        for combo in itertools.product(*(config["grid"][k] for k in keys))
    ]


def expand_grid(config) -> list:
    """All runs of a sweep config, in a fixed order (grid keys sorted, the last varying fastest).

    Each run is a config of the sweep's kind (:data:`KINDS`): a
    :class:`~rnnmem_helpers.experiments.experiment.RunConfig` for the default kind ``"run"``.

    Raises
    ------
    TypeError, ValueError
        As :func:`validate_sweep_config`.
    """
    config = validate_sweep_config(config)
    return [KINDS[config["kind"]].make(**run) for run in _combinations(config)]


def check_scheduler_address(address) -> str:
    """Return ``address`` if it has the form of a Dask scheduler address (``tcp://HOST:PORT``).

    Raises
    ------
    SchedulerError
        Naming the address and the allowed form; no connection is tried.
    """
    match = _ADDRESS.fullmatch(address) if isinstance(address, str) else None
    if match is None or not 1 <= int(match[1]) <= 65535:
        raise SchedulerError(
            f"scheduler must be an address like tcp://HOST:PORT (protocol tcp or ws; port 1-65535), got {address!r}"
        )
    if address.startswith(("tls://", "wss://")):
        # Dask needs certificates for these, and this command takes none.
        raise SchedulerError(f"scheduler must use protocol tcp or ws (tls and wss need certificates), got {address!r}")
    return address


def trained_networks(result) -> list:
    """Every network a result of any kind trained, as (its weights record, its training seconds).

    The record is a :class:`~rnnmem_helpers.experiments.experiment.WeightsRecord`;
    a curriculum trains one network per rung, every other kind one.
    """
    rungs = getattr(result, "rungs", None)
    return [(g.weights, g.seconds) for g in rungs] if rungs is not None else [(result.weights, result.seconds)]


def check_weights(result, out_dir) -> None:
    """Check that every weights file ``result`` names is in ``out_dir`` with its recorded SHA-256.

    Raises
    ------
    ResultError
        Naming the file that is missing or differs.
    """
    for record, _ in trained_networks(result):
        path = Path(out_dir) / record.file
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ResultError(f"{path}: the weights file the result names cannot be read ({exc.strerror})") from None
        if hashlib.sha256(data).hexdigest() != record.sha256:
            raise ResultError(f"{path}: the weights file differs from the SHA-256 its result records")


def _result_or_reason(config, out_dir: Path):
    """The valid result of ``config`` (of any kind) in ``out_dir``; else None and why (None if there is no file).

    A result counts only with every weights file it names, intact.
    """
    kind = kind_of(config)
    path = out_dir / f"{kind.key(config)}.json"
    if not path.exists():
        return None, None
    try:
        result = read_json(path, kind.from_dict)
        if result.config != config:
            return None, f"{path}: holds the run {result.config}, not {config}"
        check_weights(result, out_dir)
    except (ResultError, OSError) as exc:
        return None, " ".join(str(exc).split())
    return result, None


def pending_runs(runs, out_dir) -> list:
    """Runs (configs of any kind) without a valid result file, with its intact weights, in ``out_dir``.

    A file that exists but does not load as a valid result of the current
    schema of the run's kind (truncated, ``{}``, another run's, another
    kind's, or naming a weights file that is missing or altered) is reported
    on stderr, one line naming it, and its run counts as pending.
    """
    out_dir = Path(out_dir)
    todo = []
    for config in runs:
        result, reason = _result_or_reason(config, out_dir)
        if result is None:
            if reason is not None:
                print(f"warning: {reason}; the run will be done again", file=sys.stderr)
            todo.append(config)
    return todo


def load_results(runs, out_dir) -> list:
    """The valid results of ``runs`` found in ``out_dir``, in the order of ``runs``; others are skipped silently.

    A result is valid as :func:`pending_runs` judges it: of the current schema
    of its kind, for its own config, with every weights file it names intact.
    """
    out_dir = Path(out_dir)
    return [r for r in (_result_or_reason(c, out_dir)[0] for c in runs) if r is not None]


def execute_run(config, trained: bytes | None = None) -> tuple[str, dict, dict]:
    """Compute one experiment of any kind, without touching the filesystem; runs in a Dask worker.

    ``trained`` is the stored checkpoint of the network it would train (see
    :class:`Kind`), sent by the client, which alone reads its own folder.

    Returns
    -------
    key : str
    result : dict
        The result's JSON form.
    files : dict of str to bytes
        The weights files it names, for the client to write (so results come
        home whether or not the workers share the client's filesystem).
    """
    kind = kind_of(config)
    result, files = kind.compute(config, trained=trained)
    return kind.key(config), kind.to_dict(result), files


def stored_network(config, out_dir) -> bytes | None:
    """The bytes of the stored weights file that ``config``'s experiment can reuse, if ``out_dir`` holds it intact."""
    path = Path(out_dir) / kind_of(config).reusable(config)
    try:
        load_checkpoint(path)
        return path.read_bytes()
    except (CheckpointError, OSError):
        return None


def store_result(out_dir, config, obj: dict, files: dict) -> Path:
    """Write a computed result and its weights files into ``out_dir``, each atomically, weights first.

    The result file is written last and only after every weights file is on
    disk and loads as a checkpoint, so a result file never names a missing
    file; an interrupted store leaves at most whole weights files, which the
    rerun overwrites.

    Returns
    -------
    Path
        The result file.
    """
    kind, out_dir = kind_of(config), Path(out_dir)
    result = kind.from_dict(obj)
    for name, data in files.items():
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "wb") as fh:
            fh.write(data)
        try:
            load_checkpoint(path)
        except (CheckpointError, FileNotFoundError) as exc:
            raise ResultError(f"{path}: the stored weights do not load back ({exc})") from None
    check_weights(result, out_dir)
    path = out_dir / f"{kind.key(config)}.json"
    write_json(path, obj)
    return path


def shipped_sweeps() -> list[str]:
    """Names of the sweep configs shipped in ``rnnmem_helpers/sweeps/``, sorted."""
    from importlib import resources

    return sorted(p.stem for p in Path(str(resources.files("rnnmem_helpers") / "sweeps")).glob("*.json"))


def shipped_config(name: str) -> tuple[dict, Path]:
    """A sweep config shipped in ``rnnmem_helpers/sweeps/{name}.json``, validated, and its results folder."""
    from importlib import resources

    folder = Path(str(resources.files("rnnmem_helpers") / "sweeps"))
    names = shipped_sweeps()
    if name not in names:
        raise ValueError(f"name must be one of the shipped sweeps {names}, got {name!r}")
    config = validate_sweep_config(read_json_file(folder / f"{name}.json", what="sweep config"))
    return config, folder / (config["results"] or name)


def load_sweep(name: str) -> tuple[list, int]:
    """Results of a shipped sweep: every one computed on one machine, with its weights and provenance.

    Parameters
    ----------
    name : str
        A shipped sweep (``rnnmem_helpers/sweeps/{name}.json``).

    Returns
    -------
    results : list of RunResult (or the result class of the sweep's kind)
        The valid result of every finished run, in grid order (see
        :func:`expand_grid`), each with every weights file it names intact
        (see :func:`load_results`); each carries its run's ``config``. Empty
        for a shipped sweep that has not been run yet.
    n_runs : int
        Number of runs in the grid (``len(results) < n_runs`` if some are missing).

    Raises
    ------
    ValueError
        If ``name`` is not a shipped sweep.
    """
    config, out_dir = shipped_config(name)
    runs = expand_grid(config)
    return load_results(runs, out_dir), len(runs)


def run_sweep(config, out_dir, *, scheduler: str | None = None, n_workers: int = 2, progress: bool = True) -> list:
    """Run every pending run of a sweep on Dask and return all its results.

    Parameters
    ----------
    config : dict
        Sweep config (see the module docstring); checked completely first.
    out_dir : str or Path
        Folder of result files; created if missing.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://HOST:PORT``); by
        default a LocalCluster with ``n_workers`` single-threaded worker
        processes is started here.
    n_workers : int
        Workers of the LocalCluster, in [1, 64].

    Returns
    -------
    list of RunResult (or the result class of the sweep's kind)
        The valid results of the sweep's runs, in grid order.

    Raises
    ------
    TypeError, ValueError
        For a bad config or ``n_workers``, before any work.
    SchedulerError
        If ``scheduler`` is malformed (before any work) or does not answer
        within :data:`CONNECT_TIMEOUT` seconds.
    """
    runs = expand_grid(config)
    n_workers = check_int("n_workers", n_workers, minimum=1, maximum=64)
    if scheduler is not None:
        check_scheduler_address(scheduler)
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    for run in runs:
        # Only this sweep's own targets, and only leftovers of writers that are gone: another sweep
        # sharing the folder may be writing its own results right now.
        remove_stale_temporaries(out_dir / f"{experiment_key(run)}.json")
    todo = pending_runs(runs, out_dir)
    if todo:
        _compute(todo, len(runs), out_dir, scheduler=scheduler, n_workers=n_workers, progress=progress)
    return load_results(runs, out_dir)


def check_out_dir(out_dir) -> None:
    """Check, before any work and without creating anything, that ``out_dir`` can take the result files.

    Raises
    ------
    ValueError
        If ``out_dir`` (or the nearest part of its path that exists) is a
        file, or is a folder this process cannot write; the message names it.
    """
    out_dir = Path(out_dir)
    existing = out_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        what = "is a file" if existing == out_dir else f"lies under {str(existing)!r}, a file"
        raise ValueError(f"out {str(out_dir)!r} {what}; give a folder for the result files")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"out {str(out_dir)!r} cannot be written: {str(existing)!r} is not writable")


def _connect(scheduler: str):
    """A Dask client of the scheduler at ``scheduler``, or a SchedulerError within about 3 × CONNECT_TIMEOUT s.

    Dask's own timeout covers the TCP connection but not the handshake after
    it, so a listener that is not a Dask scheduler (an HTTP server, say)
    would hold the client for ever; the connection therefore runs in a daemon
    thread with a deadline. Whatever stops it (refused, timed out, not Dask,
    a websocket error) is the same fact for the user: no scheduler there.
    """
    import threading

    from dask.distributed import Client

    box = {}

    def connect():
        try:
            box["client"] = Client(scheduler, timeout=f"{CONNECT_TIMEOUT}s")
        except Exception as exc:  # every failure to connect is reported as one
            box["error"] = exc

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(3 * CONNECT_TIMEOUT)
    if "client" in box:
        return box["client"]
    exc = box.get("error")
    reason = "no Dask handshake" if exc is None else " ".join(str(exc).split()) or type(exc).__name__
    raise SchedulerError(
        f"scheduler {scheduler!r} did not answer as a Dask scheduler within {CONNECT_TIMEOUT} s ({reason})"
    )


def _compute(todo, n_runs, out_dir, *, scheduler, n_workers, progress):
    from dask.distributed import Client, KilledWorker, LocalCluster, as_completed
    from tqdm.auto import tqdm

    # One BLAS/OpenMP thread per worker process: two threads on two cores
    # made a step of this tiny network 10-100x slower.
    env = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # Without a dashboard the scheduler still serves HTTP health routes,
            # on port 8787 unless told otherwise; a free port lets sweeps coexist.
            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
            host="127.0.0.1",
            env=env,
            # The nanny's "worker process still alive after 4 s, killing" at shutdown is routine noise once
            # every result is stored; errors still show.
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    else:
        cluster = None
        client = _connect(scheduler)
    try:
        (out_dir / "weights").mkdir(parents=True, exist_ok=True)
        # Runs that start from one network (one weights file) go one after another: the first trains it and the
        # others reuse the stored file, so the network is trained once and the bytes its results hash never change.
        waiting = {}
        for run in todo:
            waiting.setdefault(kind_of(run).reusable(run), []).append(run)

        def submit(run):
            key = f"{kind_of(run).name}-{experiment_key(run)}"
            return client.submit(execute_run, run, stored_network(run, out_dir), key=key)

        running = {}
        for group in waiting.values():
            run = group.pop(0)
            running[submit(run)] = run
        queue = as_completed(list(running))
        bar = tqdm(total=n_runs, initial=n_runs - len(todo), disable=not progress, desc="sweep")
        failed = 0
        for fut in queue:
            run = running.pop(fut)
            try:
                _, obj, files = fut.result()
                # The client writes: the workers may not share its filesystem.
                store_result(out_dir, run, obj, files)
            except (ValueError, TypeError, OSError, ArithmeticError, KilledWorker) as exc:
                # One run's failure, or the death of every worker that tried it (KilledWorker, once the scheduler's
                # allowed-failures are spent), is reported and the others go on; its run stays pending.
                failed += 1
                print(f"error: run {experiment_key(run)} failed ({' '.join(str(exc).split())}): {run}", file=sys.stderr)
            fut.release()
            bar.update(1)
            group = waiting[kind_of(run).reusable(run)]
            if group:
                follower = group.pop(0)
                nxt = submit(follower)
                running[nxt] = follower
                queue.add(nxt)
        bar.close()
        if failed:
            print(f"error: {failed} of {len(todo)} runs failed; rerun the sweep to retry them", file=sys.stderr)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
