"""Every module's flat name (``rnnmem_helpers.sweep``), from before the subpackages, is the moved module itself.

The chapters, the scripts and readers' own code import the flat names; a test's monkeypatch through one
name must reach the code that reads the other, so each flat name must be the same module object, never a
copy.
"""

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import rnnmem_helpers

ROOT = Path(__file__).resolve().parents[1]
FLAT = sorted(rnnmem_helpers._SUBPACKAGE_OF)


def _moved(name):
    return f"rnnmem_helpers.{rnnmem_helpers._SUBPACKAGE_OF[name]}.{name}"


def test_every_flat_name_names_a_moved_module():
    for name, sub in rnnmem_helpers._SUBPACKAGE_OF.items():
        assert (ROOT / "rnnmem_helpers" / sub / f"{name}.py").is_file(), name


@pytest.mark.parametrize("name", FLAT)
def test_a_flat_name_is_the_moved_module(name):
    flat = importlib.import_module(f"rnnmem_helpers.{name}")
    assert flat is importlib.import_module(_moved(name))
    if name not in rnnmem_helpers.__all__:  # the function train, re-exported, keeps its name
        assert flat is getattr(rnnmem_helpers, name)
    assert flat.__name__ == flat.__spec__.name == _moved(name)


def test_flat_names_imported_first_in_a_fresh_interpreter():
    # In this process the modules are already imported under their new names; a reader's kernel starts
    # with the flat ones.
    code = (
        "import importlib, sys\n"
        f"pairs = {[(f'rnnmem_helpers.{n}', _moved(n)) for n in FLAT]!r}\n"
        "flat = [importlib.import_module(a) for a, _ in pairs]\n"
        "for module, (a, b) in zip(flat, pairs):\n"
        "    assert module is importlib.import_module(b) is sys.modules[a] is sys.modules[b], a\n"
        "    assert module.__spec__.name == b, (a, module.__spec__.name)\n"
        "from rnnmem_helpers.checkpoints import load_pretrained\n"
        "from rnnmem_helpers.sweep import shipped_sweeps\n"
        "assert shipped_sweeps() and load_pretrained(0).weights.W.shape[0] > 0\n"
        "import rnnmem_helpers\n"
        "assert callable(rnnmem_helpers.train) and rnnmem_helpers.train.__name__ == 'train'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=300)


def test_a_monkeypatch_through_a_flat_name_reaches_the_moved_module(monkeypatch):
    from rnnmem_helpers.experiments import sweep

    monkeypatch.setattr("rnnmem_helpers.sweep.shipped_sweeps", lambda: ["patched"])
    assert sweep.shipped_sweeps() == ["patched"]


def test_python_m_runs_a_module_by_its_flat_name():
    # The stale-evidence message tells the reader to run ``python -m rnnmem_helpers.evidence``.
    out = subprocess.run(
        [sys.executable, "-m", "rnnmem_helpers.evidence", "--generation", "nonesuch"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert out.returncode == 2, out.stderr
    assert "--generation must be one of" in out.stderr


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
