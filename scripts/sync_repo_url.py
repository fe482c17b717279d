"""Write the Colab install cell, derived from repository.url in _config.yml, into every chapter.

python scripts/sync_repo_url.py          # rewrite the cells
python scripts/sync_repo_url.py --check  # exit 1 if any chapter is out of date

repository.url is validated first (rnnmem_helpers.book.validate_repo_url): an address that is not a
plain https://host/owner/repo is refused with one line and exit code 2, and no chapter is touched.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rnnmem_helpers._io import atomic_write
from rnnmem_helpers.book import INSTALL_TAG, install_cell_source, repo_url_from_config

ROOT = Path(__file__).resolve().parent.parent


def install_cell(source: str) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": "colab-install",
        "metadata": {"tags": [INSTALL_TAG, "remove-cell"]},
        "outputs": [],
        "source": source.splitlines(keepends=True),
    }


def synced(nb: dict, source: str) -> dict:
    """The notebook with an up-to-date install cell first (unchanged if it already has one).

    An existing install cell only has its source replaced, so that its id and execution count,
    and every other cell, stay as they are.
    """
    cells = nb["cells"]
    if cells and INSTALL_TAG in cells[0].get("metadata", {}).get("tags", []):
        if "".join(cells[0]["source"]) == source:
            return nb
        first = {**cells[0], "source": source.splitlines(keepends=True)}
        return {**nb, "cells": [first, *cells[1:]]}
    return {**nb, "cells": [install_cell(source), *cells]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report chapters that are out of date")
    parser.add_argument("--config", type=Path, default=ROOT / "_config.yml", help="the book's _config.yml")
    parser.add_argument("--book", type=Path, default=ROOT / "book", help="the folder of the chapters (*.ipynb)")
    args = parser.parse_args(argv)
    try:
        source = install_cell_source(repo_url_from_config(args.config))
    except (OSError, TypeError, ValueError) as exc:
        parser.error(str(exc))
    stale = []
    for path in sorted(args.book.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        new = synced(nb, source)
        if new == nb:
            continue
        stale.append(path.name)
        if not args.check:
            with atomic_write(path, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(new, indent=1, ensure_ascii=False) + "\n")
    verb = "out of date" if args.check else "updated"
    print(f"{len(stale)} chapter(s) {verb}: {', '.join(stale) or '-'}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
