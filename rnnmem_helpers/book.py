"""Small pieces the chapters share: glued numbers, the Colab install cell, notebook hygiene.

The repository address lives in one place, ``repository.url`` in
``_config.yml``. Jupyter Book derives the Binder and Colab launch buttons from
it; :func:`install_cell_source` derives the install cell at the top of every
chapter, which ``scripts/sync_repo_url.py`` writes and a test checks.
"""

from __future__ import annotations

import numbers
from pathlib import Path

INSTALL_TAG = "colab-install"
#: Cell metadata that changes with every execution and says nothing about the content (timestamps).
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime")
#: Notebook metadata tied to one kernel session: widget models under ids drawn anew on every run.
VOLATILE_NOTEBOOK_METADATA = ("widgets",)
#: Fields of ``language_info`` that name the interpreter that happened to run the notebook.
VOLATILE_LANGUAGE_INFO = ("version",)


def glue(name: str, value, display: bool = False):
    """Record ``value`` under ``name`` for ``{glue:text}`` references in the prose.

    numpy scalars are turned into Python numbers first, so that the text the
    book shows is ``0.9994`` and not ``np.float64(0.9994)``. Outside Jupyter
    Book's toolchain (e.g. on Colab, where myst-nb is absent) the value is
    returned unchanged and nothing is recorded.
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = int(value)
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = float(value)
    try:
        from myst_nb import glue as _myst_glue
    except ImportError:
        return value
    _myst_glue(name, value, display=display)
    return value


def repo_url_from_config(config_path) -> str:
    """Read ``repository.url`` from a Jupyter Book ``_config.yml``."""
    import yaml

    config = yaml.safe_load(Path(config_path).read_text(encoding="utf-8"))
    try:
        url = config["repository"]["url"]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{config_path} must set repository.url") from exc
    if not isinstance(url, str) or not url.startswith("https://"):
        raise ValueError(f"repository.url in {config_path} must be an https:// address, got {url!r}")
    return url.rstrip("/")


def install_cell_source(repo_url: str) -> str:
    """Source of the first cell of every chapter: installs the helpers on Colab only.

    ``--no-deps`` because Colab already has numpy, scipy, scikit-learn,
    matplotlib, tqdm and a torch of its own; resolving the exact torch pin
    would download a multi-GB build for nothing.
    """
    return (
        "# On Colab only: install the helper package from the book's repository.\n"
        "# Locally and on Binder it comes from requirements.txt.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet --no-deps "rnnmem-helpers @ git+{repo_url}"'
    )


def volatile_metadata(nb: dict) -> list[str]:
    """Where a notebook carries metadata that changes with every execution.

    Parameters
    ----------
    nb : dict
        The notebook as parsed JSON (nbformat 4).

    Returns
    -------
    list of str
        One entry per volatile field, e.g. ``"metadata.widgets"`` or
        ``"cell 3: metadata.execution"``; empty for a clean notebook.
    """
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise TypeError("nb must be a notebook as parsed JSON: a dict with a list of cells")
    found = [f"metadata.{k}" for k in VOLATILE_NOTEBOOK_METADATA if k in nb.get("metadata", {})]
    lang = nb.get("metadata", {}).get("language_info", {})
    found += [f"metadata.language_info.{k}" for k in VOLATILE_LANGUAGE_INFO if k in lang]
    for i, cell in enumerate(nb["cells"]):
        found += [f"cell {i}: metadata.{k}" for k in VOLATILE_CELL_METADATA if k in cell.get("metadata", {})]
    return found


def strip_volatile(nb: dict) -> dict:
    """A copy of ``nb`` without the fields :func:`volatile_metadata` reports; outputs are kept."""
    volatile_metadata(nb)
    meta = {k: v for k, v in nb.get("metadata", {}).items() if k not in VOLATILE_NOTEBOOK_METADATA}
    if "language_info" in meta:
        meta["language_info"] = {k: v for k, v in meta["language_info"].items() if k not in VOLATILE_LANGUAGE_INFO}
    cells = [
        {**c, "metadata": {k: v for k, v in c.get("metadata", {}).items() if k not in VOLATILE_CELL_METADATA}}
        for c in nb["cells"]
    ]
    return {**nb, "metadata": meta, "cells": cells}
