"""Strip volatile metadata (execution timestamps, widget state, interpreter version) from the chapters, keeping outputs.

python scripts/clean_notebooks.py          # rewrite book/*.ipynb in place
python scripts/clean_notebooks.py --check  # exit 1, listing the fields, if any chapter carries such metadata

Run it after re-executing a chapter, so that a commit's diff shows what changed in the book and nothing else.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rnnmem_helpers._io import atomic_write
from rnnmem_helpers.book import strip_volatile, volatile_metadata

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if a chapter is not clean")
    args = parser.parse_args(argv)
    dirty = 0
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        found = volatile_metadata(nb)
        if not found:
            continue
        dirty += 1
        if args.check:
            print(f"{path.relative_to(ROOT)}: {', '.join(found[:5])}{' ...' if len(found) > 5 else ''}")
            continue
        with atomic_write(path, "w", encoding="utf-8") as fh:
            # nbformat's own layout (indent 1, keys sorted, non-ASCII kept), so a clean rewrite is a minimal diff.
            json.dump(strip_volatile(nb), fh, indent=1, sort_keys=True, ensure_ascii=False)
            fh.write("\n")
    if args.check and dirty:
        print(f"{dirty} chapter(s) carry volatile metadata: run python scripts/clean_notebooks.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
