"""Every module path the chapters, scripts, tests and docs name resolves, and ``python -m`` runs a module by it.

Modules live in subpackages (``rnnmem_helpers.experiments.sweep``); a stale dotted path in a chapter or a
message would fail only when a reader ran it.
"""

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import rnnmem_helpers

ROOT = Path(__file__).resolve().parents[1]


def test_python_m_runs_a_module_by_its_path():
    # The stale-evidence message tells the reader to run ``python -m rnnmem_helpers.chapters.evidence``.
    out = subprocess.run(
        [sys.executable, "-m", "rnnmem_helpers.chapters.evidence", "--out", "/nonexistent/evidence.json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert out.returncode == 2, out.stderr
    assert "--out must be in an existing folder" in out.stderr


def _texts():
    """Every text that names a module of the package: chapters' code, scripts, tests, docs."""
    for pattern in ("book/*.ipynb", "book/_ext/*.py", "scripts/*", "benchmarks/*.py", "tests/*.py", "docs/*", "*.md"):
        for path in sorted(ROOT.glob(pattern)):
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if path.suffix == ".ipynb":
                text = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"] if c["cell_type"] == "code")
            yield path, text


def test_every_module_path_named_anywhere_resolves():
    named = set()
    for path, text in _texts():
        # __main__ is the command line, which the CLI tests run; importing it here would run it.
        found = set(re.findall(r"rnnmem_helpers(?:\.\w+)+", text)) - {"rnnmem_helpers.__main__"}
        named |= {(m, path.relative_to(ROOT).as_posix()) for m in found}
    assert named
    broken = []
    for dotted, where in sorted(named):
        target, parts = rnnmem_helpers, dotted.split(".")[1:]
        for i, part in enumerate(parts):
            try:
                target = getattr(target, part)
            except AttributeError:
                try:
                    target = importlib.import_module(".".join(["rnnmem_helpers", *parts[: i + 1]]))
                except ImportError:
                    broken.append(f"{dotted} ({where})")
                    break
    assert not broken, broken
