"""Write what derives from repository.url in _config.yml: every chapter's install cell, the citation's address.

python scripts/sync_repo_url.py          # rewrite what is out of date
python scripts/sync_repo_url.py --check  # exit 1 if anything is out of date

Besides the first cell of every chapter, it keeps repository-code in CITATION.cff and the code url in
metadata.yaml equal to the address, and leaves both out while it is the placeholder.

repository.url is validated first (rnnmem_helpers.chapters.book.validate_repo_url): an address that is not a
plain https://host/owner/repo is refused with one line and exit code 2, and no file is touched.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rnnmem_helpers.chapters.book import INSTALL_TAG, install_cell_source, is_placeholder, repo_url_from_config
from rnnmem_helpers.core._io import atomic_write

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


def synced_citation(text: str, url: str | None) -> str:
    """CITATION.cff's text with ``repository-code`` set to ``url`` (after ``title``), or left out if ``url`` is None.

    ``url`` is a validated address: no quote or backslash can end the YAML string it is written into.
    """
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("repository-code:")]
    if url is not None:
        at = next((i for i, line in enumerate(lines) if line.startswith("title:")), None)
        if at is None:
            raise ValueError("CITATION.cff has no title: line to put repository-code after")
        lines.insert(at + 1, f'repository-code: "{url}"\n')
    return "".join(lines)


def synced_metadata(text: str, url: str | None) -> str:
    """metadata.yaml's text with the ``code:`` list's ``url`` set to ``url``, or empty if ``url`` is None."""
    lines = text.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if line.rstrip() == "code:"), None)
    if at is None or at + 1 >= len(lines) or not lines[at + 1].lstrip().startswith("- url:"):
        raise ValueError("metadata.yaml must have a code: list whose first item is - url:")
    indent = lines[at + 1][: len(lines[at + 1]) - len(lines[at + 1].lstrip())]
    lines[at + 1] = f"{indent}- url: {url}\n" if url is not None else f"{indent}- url:\n"
    return "".join(lines)


def user_error(message: str) -> int:
    """Report a user error as one line on stderr, as the package's command line does; returns the exit code, 2."""
    print(f"{Path(__file__).name}: error: {message}", file=sys.stderr)
    return 2


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report chapters that are out of date")
    parser.add_argument("--config", type=Path, default=ROOT / "_config.yml", help="the book's _config.yml")
    parser.add_argument("--book", type=Path, default=ROOT / "book", help="the folder of the chapters (*.ipynb)")
    parser.add_argument("--citation", type=Path, default=ROOT / "CITATION.cff", help="the citation file")
    parser.add_argument("--metadata", type=Path, default=ROOT / "metadata.yaml", help="the ReScience metadata")
    args = parser.parse_args(argv)
    # Everything is computed before anything is written: a bad address or file changes nothing.
    try:
        url = repo_url_from_config(args.config)
        source = install_cell_source(url)
        public = None if is_placeholder(url) else url
        texts = {
            args.citation: synced_citation(args.citation.read_text(encoding="utf-8"), public),
            args.metadata: synced_metadata(args.metadata.read_text(encoding="utf-8"), public),
        }
    except (OSError, TypeError, ValueError) as exc:
        return user_error(str(exc))
    stale = {}
    for path in sorted(args.book.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        new = synced(nb, source)
        if new != nb:
            stale[path] = json.dumps(new, indent=1, ensure_ascii=False) + "\n"
    stale.update({path: text for path, text in texts.items() if path.read_text(encoding="utf-8") != text})
    if not args.check:
        for path, text in stale.items():
            with atomic_write(path, "w", encoding="utf-8") as fh:
                fh.write(text)
    verb = "out of date" if args.check else "updated"
    print(f"{len(stale)} file(s) {verb}: {', '.join(p.name for p in stale) or '-'}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
