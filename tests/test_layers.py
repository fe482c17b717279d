"""The package's layers: no module imports a module of a higher layer, at the top or inside a function.

Each layer is a subpackage, and a module's layer is the folder it lives in. A lower layer that reached up
would tie the model and its training to the book's prose, or an analysis to the sweep engine; the scan
reads every module's imports from its source (AST), so an import deferred into a function is caught as
well.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rnnmem_helpers"

#: The subpackages, lowest first: each may import its own and the lower ones.
LAYERS = ("core", "analyses", "experiments", "chapters")
#: The package itself and ``python -m rnnmem_helpers``: entry points above every layer.
ENTRY_POINTS = ("__init__", "__main__")
#: Every module's layer, read from the folders.
LAYER_OF = {p.stem: p.parent.name for p in PACKAGE.glob("*/*.py") if p.stem != "__init__"}
RANK = {layer: rank for rank, layer in enumerate(LAYERS)}
ABOVE = len(LAYERS)  # the rank of the package's top, where the entry points live


def _rank_of(name: str) -> int:
    """The rank of ``name`` imported from the package's top: a subpackage, a flat module name or the top."""
    if name in RANK:
        return RANK[name]
    if name in LAYER_OF:
        return RANK[LAYER_OF[name]]
    return ABOVE


def _imported_ranks(path: Path, layer: str) -> list[tuple[int, str, int]]:
    """(line, what, rank) of every import of the package in ``path``, a module of ``layer``, wherever it stands."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".") if node.module else []
            if node.level == 1:  # this subpackage
                out.append((node.lineno, f".{node.module or ''}", RANK[layer]))
            elif node.level == 2 or (node.level == 0 and parts[0] == "rnnmem_helpers"):
                below_top = parts[1:] if node.level == 0 else parts
                if below_top:  # from ..core.model import x, from rnnmem_helpers.experiments.sweep import x
                    out.append((node.lineno, node.module, _rank_of(below_top[0])))
                else:  # from .. import x, from rnnmem_helpers import x
                    out += [(node.lineno, alias.name, _rank_of(alias.name)) for alias in node.names]
            elif node.level > 2:
                out.append((node.lineno, f"{'.' * node.level}{node.module or ''}", ABOVE))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "rnnmem_helpers":
                    out.append((node.lineno, alias.name, _rank_of(parts[1]) if len(parts) > 1 else ABOVE))
    return out


def test_the_layers_are_the_subpackages():
    subpackages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert subpackages == set(LAYERS), f"folders {sorted(subpackages)}, layers {LAYERS}"
    at_top = {p.stem for p in PACKAGE.glob("*.py")}
    assert at_top == set(ENTRY_POINTS), f"modules outside every layer: {sorted(at_top - set(ENTRY_POINTS))}"
    assert len(LAYER_OF) == len(list(PACKAGE.glob("*/*.py"))) - len(LAYERS), "two modules share a name"


@pytest.mark.parametrize("module", sorted(LAYER_OF))
def test_no_module_imports_a_higher_layer(module):
    layer = LAYER_OF[module]
    higher = [
        f"line {line}: {what} ({LAYERS[rank] if rank < ABOVE else 'the package top'})"
        for line, what, rank in _imported_ranks(PACKAGE / layer / f"{module}.py", layer)
        if rank > RANK[layer]
    ]
    assert not higher, f"{module} ({layer}) imports a higher layer: {higher}"


def test_the_scan_sees_every_form_of_import(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "from .task import a\n"
        "def f():\n"
        "    from ..chapters.evidence import x\n"
        "    import rnnmem_helpers.chapters.claims\n"
        "    from .. import sweep, core\n"
        "    from rnnmem_helpers import __version__\n"
    )
    ranks = [(line, rank) for line, _, rank in _imported_ranks(source, "core")]
    assert ranks == [(1, 0), (3, 3), (4, 3), (5, 2), (5, 0), (6, ABOVE)]
