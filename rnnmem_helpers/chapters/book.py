"""Small pieces the chapters share: glued numbers, the Colab install cell, notebook hygiene.

The repository address lives in one place, ``repository.url`` in
``_config.yml``. Jupyter Book derives the Binder, Colab and repository buttons
from it; :func:`install_cell_source` derives the install cell at the top of every
chapter, which ``scripts/sync_repo_url.py`` writes and a test checks. While it
is :data:`PLACEHOLDER_REPO_URL`, nothing may point there: the book's Sphinx
extension leaves the buttons out and the install cell says what to do instead.

The address is written into notebooks, into an IPython ``%pip`` line and into
every page's HTML, so it is data that must never become code:
:func:`validate_repo_url` admits only an ``https://host/owner/repo`` address made
of characters that mean nothing in any of those places.
"""

from __future__ import annotations

import numbers
import re
import shlex
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


#: The address ``_config.yml`` ships with until a publisher sets the repository's real one.
PLACEHOLDER_REPO_URL = "https://github.com/OWNER/rnnmem"
#: ``https://host[:port]/owner/repo``, nothing more. No quote, space, newline, ``<>&``, ``%``, ``$`` or braces:
#: in a notebook, a ``%pip`` line (where IPython expands ``$name`` and ``{expr}``), a shell word or an HTML
#: attribute each of those could end the value and start code. The theme needs exactly owner and repo.
_REPO_URL_RE = re.compile(
    r"https://(?P<host>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)"
    r"(?::[0-9]{1,5})?/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"
)
#: Branch names as they appear in launch links: git's common characters, and no leading ``-`` or ``.``.
_BRANCH_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,99}")


def validate_repo_url(url) -> str:
    """Return ``url`` without a trailing ``/`` if it is a safe ``https://host/owner/repo`` address.

    Parameters
    ----------
    url : str
        The value of ``repository.url``.

    Returns
    -------
    str
        The address, unchanged but for a trailing slash. Escaping it for HTML, a shell
        word or a Python string changes nothing (the character set rules out every
        character those escape), so it is safe to write verbatim anywhere the book does.

    Raises
    ------
    TypeError
        If ``url`` is not a string.
    ValueError
        If it is not of that form; the message says what is allowed.
    """
    if not isinstance(url, str):
        raise TypeError(f"repository.url must be a string, got {type(url).__name__}")
    stripped = url[:-1] if url.endswith("/") else url
    if not _REPO_URL_RE.fullmatch(stripped) or ".." in stripped:
        raise ValueError(
            f"repository.url must be an https://host/owner/repo address of letters, digits and . _ - only, "
            f"got {url!r}"
        )
    return stripped


def validate_branch(branch) -> str:
    """Return ``branch`` if it is a safe ``repository.branch`` (letters, digits, ``_ . / -``).

    Raises
    ------
    TypeError
        If ``branch`` is not a string.
    ValueError
        If it holds any other character, starts with ``-`` or ``.``, holds ``..`` or is over 100 characters.
    """
    if not isinstance(branch, str):
        raise TypeError(f"repository.branch must be a string, got {type(branch).__name__}")
    if not _BRANCH_RE.fullmatch(branch) or ".." in branch:
        raise ValueError(f"repository.branch must be letters, digits and _ . / - (at most 100), got {branch!r}")
    return branch


def is_placeholder(url: str) -> bool:
    """Whether ``url`` is still :data:`PLACEHOLDER_REPO_URL`, i.e. the book has no public repository yet."""
    return validate_repo_url(url) == PLACEHOLDER_REPO_URL


def repo_url_from_config(config_path) -> str:
    """Read ``repository.url`` from a Jupyter Book ``_config.yml`` and validate it (:func:`validate_repo_url`)."""
    import yaml

    config = yaml.safe_load(Path(config_path).read_text(encoding="utf-8"))
    try:
        url = config["repository"]["url"]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{config_path} must set repository.url") from exc
    try:
        return validate_repo_url(url)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{config_path}: {exc}") from exc


def install_cell_source(repo_url: str) -> str:
    """Source of the first cell of every chapter: installs the helpers on Colab only.

    ``--no-deps`` because Colab already has numpy, scipy, matplotlib, tqdm,
    pyyaml and a torch of its own; resolving the exact torch pin would
    download a multi-GB build for nothing. While ``repo_url`` is the
    placeholder there is no repository to install from, and the cell says
    so on Colab and how to run the chapter instead.

    Raises
    ------
    TypeError, ValueError
        If ``repo_url`` is not a safe address (:func:`validate_repo_url`).
    """
    if is_placeholder(repo_url):
        return (
            "# On Colab only: the helper package would be installed from the book's public repository,\n"
            "# but this copy of the book names none yet (repository.url in _config.yml is unset).\n"
            "# Locally and on Binder it comes from requirements.txt.\n"
            "import sys\n"
            "\n"
            'if "google.colab" in sys.modules:\n'
            "    raise RuntimeError(\n"
            '        "This copy of the book names no public repository to install rnnmem_helpers from. Run the "\n'
            '        "chapter from a copy of the repository instead: python3 -m venv .venv && "\n'
            '        ".venv/bin/pip install -r requirements.txt, then .venv/bin/jupyter lab book/ (see its README)."\n'
            "    )"
        )
    # shlex.quote: %pip hands the line to a shell. The validated address needs no quoting, but the
    # requirement around it holds spaces.
    requirement = shlex.quote(f"rnnmem-helpers @ git+{validate_repo_url(repo_url)}")
    return (
        "# On Colab only: install the helper package from the book's repository.\n"
        "# Locally and on Binder it comes from requirements.txt.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f"    %pip install --quiet --no-deps {requirement}"
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
