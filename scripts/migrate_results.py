"""Migrate a folder of sweep result files to the current schema, without retraining.

    python scripts/migrate_results.py [FOLDER]

FOLDER defaults to the shipped ``rnnmem_helpers/sweeps/results``. Each file is
converted by :func:`rnnmem_helpers.experiment.migrate` and written under its
new run key (``KEY.json``); the old file is removed only once the new one is
in place. A file already in the current schema under its own key is left
alone, so a second run changes nothing. If a different result already sits
under the new key, the script refuses to overwrite it, keeps both files and
exits with status 1; so it does for a file that is not a result at all.
Values missing from schema 1 that only the trained weights could give (the
attractor moduli of most analysed runs) stay ``null``: the weights are not
stored, and retraining on another machine gives another network.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rnnmem_helpers.experiment import ResultError, migrate, result_from_dict, save_result

SHIPPED = Path(__file__).resolve().parents[1] / "rnnmem_helpers" / "sweeps" / "results"


def migrate_folder(folder: Path) -> tuple[int, int, list[str]]:
    """Migrate every ``*.json`` in ``folder``; return (migrated, already current, problems)."""
    migrated, current, problems = 0, 0, []
    for path in sorted(folder.glob("*.json")):
        try:
            new = migrate(json.loads(path.read_text(encoding="utf-8")))
        except (ResultError, ValueError) as exc:
            problems.append(f"{path}: {' '.join(str(exc).split())}")
            continue
        target = folder / f"{new['key']}.json"
        if target == path:
            current += 1
            continue
        if target.exists():
            try:
                same = result_from_dict(json.loads(target.read_text(encoding="utf-8"))) == result_from_dict(new)
            except ValueError:
                same = False
            if not same:
                problems.append(f"{path}: refusing to overwrite {target}, which holds a different result")
                continue
        else:
            save_result(target, result_from_dict(new))
        path.unlink()
        migrated += 1
    return migrated, current, problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=SHIPPED, help="folder of result files")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"argument folder: {str(args.folder)!r} is not a folder")
    migrated, current, problems = migrate_folder(args.folder)
    for line in problems:
        print(line, file=sys.stderr)
    print(f"{args.folder}: {migrated} migrated, {current} already current, {len(problems)} not migrated")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
