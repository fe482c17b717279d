"""Grids of training runs on Dask, resumable.

A sweep config is a JSON file::

    {"name": "delay_sweep", "results": "results",
     "grid": {"delay": [0, 4, 8], "seed": [0, 1], "n_hidden": [100], "mode": ["bptt"], "init": ["paper"]},
     "fixed": {"max_steps": 8000, "mean_interval": 50.0, "analyse": true}}

Every combination of the ``grid`` lists, merged with ``fixed``, is one run.
``results`` (optional) names the folder of result files, relative to the
config file; sweeps that share a folder share identical runs.
A run's result is a JSON file named by a hash of its full config and written
atomically, so a rerun skips finished runs and a crashed worker loses only
the run it was doing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from pathlib import Path

from ._io import atomic_write
from ._validate import check_choice, check_int
from .task import RATE_SCOPES

RUN_DEFAULTS = {
    "delay": 0,
    "seed": 0,
    "n_hidden": 100,
    "mode": "bptt",
    "init": "paper",
    "max_steps": 8000,
    "mean_interval": 50.0,
    "rate_scope": "all",
    "target_accuracy": 0.995,
    "analyse": True,
}
# "transverse" (rotations added to the paper arm's own start) replaced an unpaired
# "rotation" init; the old name is rejected so its results cannot be mistaken for new ones.
INITS = ("paper", "transverse")


def expand_grid(config: dict) -> list[dict]:
    """All run configs of a sweep config, in a fixed order.

    Raises
    ------
    ValueError
        On unknown keys, empty lists or values outside their ranges.
    """
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    grid, fixed = config.get("grid", {}), config.get("fixed", {})
    unknown = (set(grid) | set(fixed)) - set(RUN_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown sweep keys {sorted(unknown)}; allowed: {sorted(RUN_DEFAULTS)}")
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ValueError(f"grid.{key} must be a non-empty list, got {values!r}")
    keys = sorted(grid)
    runs = []
    for combo in itertools.product(*(grid[k] for k in keys)):
        run = {**RUN_DEFAULTS, **fixed, **dict(zip(keys, combo, strict=True))}
        _validate_run(run)
        runs.append(run)
    return runs


def _validate_run(run: dict) -> None:
    check_int("delay", run["delay"], minimum=0)
    check_int("seed", run["seed"], minimum=0)
    check_int("n_hidden", run["n_hidden"], minimum=1, maximum=4096)
    check_int("max_steps", run["max_steps"], minimum=1)
    check_choice("mode", run["mode"], ("bptt", "tbptt"))
    check_choice("init", run["init"], INITS)
    check_choice("rate_scope", run["rate_scope"], RATE_SCOPES)


def run_key(run: dict) -> str:
    """Stable 16-hex-digit key of a run config (hash of its canonical JSON)."""
    text = json.dumps(run, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_json_atomic(path: Path, obj) -> None:
    """Write JSON to ``path`` via a temporary file and a rename."""
    with atomic_write(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=1, sort_keys=True)


def load_results(out_dir) -> list[dict]:
    """Every finished run in ``out_dir``, as dicts with ``config`` and ``result``."""
    results = []
    for path in sorted(Path(out_dir).glob("*.json")):
        try:
            results.append(json.loads(path.read_text(encoding="utf-8")))
        except json.JSONDecodeError:
            continue
    return results


def pending_runs(runs: list[dict], out_dir) -> list[dict]:
    """Runs whose result file is missing or unreadable."""
    out_dir = Path(out_dir)
    todo = []
    for run in runs:
        path = out_dir / f"{run_key(run)}.json"
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            todo.append(run)
    return todo


def execute_run(run: dict, out_dir: str) -> str:
    """Train and analyse one run; write its result file. Returns the key.

    Runs inside a Dask worker, so it imports lazily and uses one thread.
    """
    from .experiments import run_experiment

    result = run_experiment(run)
    key = run_key(run)
    write_json_atomic(Path(out_dir) / f"{key}.json", {"key": key, "config": run, "result": result})
    return key


def shipped_config(name: str) -> tuple[dict, Path]:
    """A sweep config shipped in ``rnnmem_helpers/sweeps/{name}.json`` and its results folder."""
    from importlib import resources

    folder = Path(str(resources.files("rnnmem_helpers") / "sweeps"))
    names = sorted(p.stem for p in folder.glob("*.json"))
    if name not in names:
        raise ValueError(f"name must be one of the shipped sweeps {names}, got {name!r}")
    config = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    return config, folder / config.get("results", name)


def load_sweep(name: str) -> tuple[list[dict], int]:
    """Results of a shipped sweep, each config merged with its result.

    Returns
    -------
    records : list of dict
        One per finished run, in grid order: the run's config keys plus
        ``result`` (the dict written by :func:`execute_run`).
    n_runs : int
        Number of runs in the grid (``len(records) < n_runs`` if some are missing).
    """
    config, out_dir = shipped_config(name)
    runs = expand_grid(config)
    by_key = {r["key"]: r for r in load_results(out_dir)}
    records = [{**run, "result": by_key[run_key(run)]["result"]} for run in runs if run_key(run) in by_key]
    return records, len(runs)


def run_sweep(config: dict, out_dir, *, scheduler: str | None = None, n_workers: int = 2, progress: bool = True):
    """Run every pending run of a sweep on Dask and return all results.

    Parameters
    ----------
    config : dict
        Sweep config (see the module docstring).
    out_dir : str or Path
        Folder of result files; created if missing.
    scheduler : str, optional
        Address of an existing Dask scheduler; by default a LocalCluster with
        ``n_workers`` single-threaded worker processes is started here.
    n_workers : int
        Workers of the LocalCluster, >= 1.
    """
    from dask.distributed import Client, LocalCluster, as_completed
    from tqdm.auto import tqdm

    runs = expand_grid(config)
    n_workers = check_int("n_workers", n_workers, minimum=1, maximum=64)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(".*.tmp"):
        # Left by a worker killed mid-write; the run itself is still pending.
        stale.unlink(missing_ok=True)
    todo = pending_runs(runs, out_dir)
    if todo:
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
            )
            client = Client(cluster)
        else:
            cluster, client = None, Client(scheduler)
        try:
            futures = [client.submit(execute_run, run, str(out_dir), key=f"run-{run_key(run)}") for run in todo]
            bar = tqdm(total=len(runs), initial=len(runs) - len(todo), disable=not progress, desc="sweep")
            for fut in as_completed(futures):
                fut.result()
                bar.update(1)
            bar.close()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    keys = {run_key(r) for r in runs}
    return [r for r in load_results(out_dir) if r.get("key") in keys]


def asdict_safe(obj):
    """Dataclasses and numpy scalars to JSON-ready Python objects."""
    if dataclasses.is_dataclass(obj):
        return {k: asdict_safe(v) for k, v in dataclasses.asdict(obj).items()}
    if isinstance(obj, dict):
        return {str(k): asdict_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [asdict_safe(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):
        return obj.item()
    return obj
