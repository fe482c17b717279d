"""The package's layers: no module imports a module of a higher layer, at the top or inside a function.

A lower layer that reached up would tie the model and its training to the book's prose, or an analysis to
the sweep engine; the scan reads every module's imports from its source (AST), so an import deferred into a
function is caught as well.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rnnmem_helpers"

#: Every module of the package by layer, lowest first: each layer may import its own and the lower ones.
LAYERS = {
    "core": (
        "_io", "_validate", "_version", "task", "model", "init", "metrics", "train", "torch_model",
        "checkpoints", "construct", "provenance",
    ),
    "analysis": ("analysis", "fixed_points", "mechanism", "ablation", "writing", "stats", "table"),
    "experiments": ("experiment", "curriculum", "causal", "_kinds", "sweep", "reanalyse", "sweep_report", "cli"),
    "book": (
        "plotting", "encoding", "widgets", "explorer_data", "book", "citation", "claims", "evidence", "findings",
        "size_confound",
    ),
}  # fmt: skip
#: The package itself and ``python -m rnnmem_helpers``: entry points above every layer.
ENTRY_POINTS = ("__init__", "__main__")
RANK = {module: rank for rank, modules in enumerate(LAYERS.values()) for module in modules}


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of a module of the package in ``path``, wherever it stands."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                out.append((node.lineno, node.module.split(".")[0]))
            elif node.level == 1:  # from . import x
                out += [(node.lineno, alias.name) for alias in node.names]
            elif node.level == 0 and (node.module or "").startswith("rnnmem_helpers"):
                parts = node.module.split(".")
                names = [parts[1]] if len(parts) > 1 else [alias.name for alias in node.names]
                out += [(node.lineno, name) for name in names]
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name.split(".")[1]) for a in node.names if a.name.startswith("rnnmem_helpers.")]
    return out


def test_every_module_has_one_layer():
    modules = {p.stem for p in PACKAGE.glob("*.py")} - set(ENTRY_POINTS)
    placed = [m for ms in LAYERS.values() for m in ms]
    assert len(placed) == len(set(placed)), "a module is in two layers"
    assert set(placed) == modules, f"unplaced: {sorted(modules - set(placed))}; gone: {sorted(set(placed) - modules)}"


@pytest.mark.parametrize("module", sorted(RANK))
def test_no_module_imports_a_higher_layer(module):
    layer = list(LAYERS)[RANK[module]]
    higher = [
        f"line {line}: {name} ({list(LAYERS)[RANK[name]]})" if name in RANK else f"line {line}: {name} (entry point)"
        for line, name in _imported_modules(PACKAGE / f"{module}.py")
        if RANK.get(name, len(LAYERS)) > RANK[module]
    ]
    assert not higher, f"{module} ({layer}) imports a higher layer: {higher}"


def test_the_scan_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from .evidence import x\n    import rnnmem_helpers.claims\n")
    assert _imported_modules(source) == [(2, "evidence"), (3, "claims")]
