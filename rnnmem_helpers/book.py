"""Small pieces the chapters share: glued numbers and the Colab install cell.

The repository address lives in one place, ``repository.url`` in
``_config.yml``. Jupyter Book derives the Binder and Colab launch buttons from
it; :func:`install_cell_source` derives the install cell at the top of every
chapter, which ``scripts/sync_repo_url.py`` writes and a test checks.
"""

from __future__ import annotations

import numbers
from pathlib import Path

INSTALL_TAG = "colab-install"


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
