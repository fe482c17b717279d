"""Keep the chapters clean: no volatile metadata, plumbing out of the reader's way, figures with alt text.

python scripts/clean_notebooks.py [CHAPTER ...]          # rewrite the chapters (default: book/*.ipynb) in place
python scripts/clean_notebooks.py --check [CHAPTER ...]  # exit 1, listing what is wrong, if a chapter is not clean

Run it after re-executing or editing a chapter. It

- strips execution timestamps, widget state and the interpreter version, keeping the outputs, so that a
  commit's diff shows what changed in the book and nothing else;
- tags the plumbing by rule (:func:`cell_role`): the setup cell of imports and ``book_style()`` is folded
  behind a toggle (``hide-input``), a cell that only glues values into the text shows nothing
  (``remove-input``: its outputs are glue records, which the book never displays), and the Colab install
  cell is left out (``remove-cell``).

``--check`` also reports what needs a hand edit: a figure without alt text (cell metadata
``mystnb: {image: {alt: ...}}``, a sentence on what the figure shows) and a visible code line longer than
the book's code column (76 characters, 74 in a cell folded behind a toggle; ``ruff format --line-length 76 CHAPTER``
fixes most).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

from rnnmem_helpers.chapters.book import INSTALL_TAG, strip_volatile, volatile_metadata
from rnnmem_helpers.core._io import atomic_write

ROOT = Path(__file__).resolve().parent.parent
# A code block in the book's column at a 1280 px window holds 77 characters of its 14 px monospace font,
# one folded behind a toggle (hide-input) 75; one fewer each leaves room for a slightly wider font.
MAX_CODE_COLUMNS = 76
MAX_FOLDED_CODE_COLUMNS = 74
ROLE_TAGS = {"setup": "hide-input", "bookkeeping": "remove-input", "install": "remove-cell"}
# Calls that belong to a setup cell besides imports.
SETUP_CALLS = {"book_style"}
HIDDEN_INPUT = {"remove-input", "remove-cell"}
PATH_LIKE = re.compile(r"(^|/)[\w.-]+\.(png|svg|jpe?g|gif)$|^\.\.?/|_images/", re.IGNORECASE)


def _called_name(node) -> str | None:
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name):
        return node.value.func.id
    return None


def cell_role(cell: dict) -> str | None:
    """The role of a code cell that the reader does not need to see, or None for analysis code.

    Parameters
    ----------
    cell : dict
        A notebook cell.

    Returns
    -------
    str or None
        ``"install"`` for the Colab install cell (tagged ``INSTALL_TAG``), ``"setup"`` for a cell of
        imports, IPython magics and ``book_style()`` alone, ``"bookkeeping"`` for a cell whose every
        statement is a call of a ``glue*`` function, else None.
    """
    if cell.get("cell_type") != "code":
        return None
    if INSTALL_TAG in cell.get("metadata", {}).get("tags", []):
        return "install"
    source = "".join(cell.get("source", ""))
    try:
        body = ast.parse(re.sub(r"^(\s*)[%!].*$", r"\1pass", source, flags=re.MULTILINE)).body
    except SyntaxError:
        return None
    statements = [s for s in body if not isinstance(s, ast.Pass)]
    if not statements:
        return None
    if all(isinstance(s, (ast.Import, ast.ImportFrom)) or _called_name(s) in SETUP_CALLS for s in statements):
        return "setup"
    if all((_called_name(s) or "").startswith("glue") for s in statements):
        return "bookkeeping"
    return None


def missing_tags(nb: dict) -> list[tuple[int, str]]:
    """``(cell index, tag)`` for each rule tag a chapter's cells lack."""
    found = []
    for i, cell in enumerate(nb["cells"]):
        role = cell_role(cell)
        if role is not None and ROLE_TAGS[role] not in cell.get("metadata", {}).get("tags", []):
            found.append((i, ROLE_TAGS[role]))
    return found


def apply_tags(nb: dict) -> dict:
    """A copy of ``nb`` with every rule tag added; other tags are kept."""
    out = json.loads(json.dumps(nb))
    for i, tag in missing_tags(nb):
        out["cells"][i].setdefault("metadata", {}).setdefault("tags", []).append(tag)
    return out


def hand_edits(nb: dict) -> list[str]:
    """What needs a hand edit: figures without alt text, visible code lines wider than the column."""
    problems = []
    for i, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") != "code":
            continue
        tags = set(cell.get("metadata", {}).get("tags", []))
        images = any(k.startswith("image/") for o in cell.get("outputs", []) for k in o.get("data", {}))
        if images and not {"remove-output", "remove-cell"} & tags:
            alt = str(cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt", "")).strip()
            if not alt:
                problems.append(f"cell {i}: a figure without alt text (metadata mystnb.image.alt)")
            elif PATH_LIKE.search(alt):
                problems.append(f"cell {i}: the alt text is a file path: {alt!r}")
        if HIDDEN_INPUT & tags:
            continue
        limit = MAX_FOLDED_CODE_COLUMNS if "hide-input" in tags else MAX_CODE_COLUMNS
        for n, line in enumerate("".join(cell.get("source", "")).splitlines(), 1):
            if len(line) > limit:
                problems.append(f"cell {i} line {n}: {len(line)} characters, the column holds {limit}")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if a chapter is not clean")
    parser.add_argument("chapters", nargs="*", type=Path, help="notebooks (default: every book/*.ipynb)")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.chapters] or sorted((ROOT / "book").glob("*.ipynb"))
    dirty = by_hand = 0
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        found = volatile_metadata(nb) + [f"cell {i}: rule tag {tag}" for i, tag in missing_tags(nb)]
        manual = hand_edits(nb)
        name = path.relative_to(ROOT) if ROOT in path.parents else path
        for problem in manual:
            print(f"{name}: {problem}")
        dirty += bool(found or manual)
        by_hand += bool(manual)
        if args.check:
            if found:
                print(f"{name}: {', '.join(found[:5])}{' ...' if len(found) > 5 else ''}")
            continue
        if found:
            with atomic_write(path, "w", encoding="utf-8") as fh:
                # nbformat's own layout (indent 1, keys sorted, non-ASCII kept), so a clean rewrite is a minimal diff.
                json.dump(strip_volatile(apply_tags(nb)), fh, indent=1, sort_keys=True, ensure_ascii=False)
                fh.write("\n")
    if args.check and dirty:
        print(f"{dirty} chapter(s) not clean: run python scripts/clean_notebooks.py, then fix what it lists")
        return 1
    if by_hand:
        print(f"{by_hand} chapter(s) need the hand edits listed above")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
