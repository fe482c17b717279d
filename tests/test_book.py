"""The book's wiring: one repository setting, a complete table of contents, clean chapters."""

import importlib.util
import io
import json
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import numpy as np
import pytest
import yaml

from rnnmem_helpers.chapters.book import (
    INSTALL_TAG,
    glue,
    install_cell_source,
    is_placeholder,
    repo_url_from_config,
    strip_volatile,
    volatile_metadata,
)

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))


def _toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    files += [c["file"] for c in toc.get("chapters", [])]
    return files


def test_toc_and_chapters_agree():
    toc = set(_toc_files())
    on_disk = {str(p.relative_to(ROOT).with_suffix("")) for p in CHAPTERS}
    assert on_disk <= toc, f"chapters missing from _toc.yml: {sorted(on_disk - toc)}"
    for entry in toc:
        assert any((ROOT / f"{entry}{ext}").is_file() for ext in (".ipynb", ".md")), f"no file for {entry}"


def test_install_cells_derive_from_the_one_setting():
    url = repo_url_from_config(ROOT / "_config.yml")
    expected = install_cell_source(url)
    # The placeholder must not reach a reader: then the cell says what to do instead (tests/test_publishing.py).
    assert "google.colab" in expected and (url in expected) != is_placeholder(url)
    for path in CHAPTERS:
        first = json.loads(path.read_text())["cells"][0]
        assert INSTALL_TAG in first["metadata"]["tags"], path.name
        assert "".join(first["source"]) == expected, f"{path.name}: run scripts/sync_repo_url.py"
    res = subprocess.run([sys.executable, str(ROOT / "scripts" / "sync_repo_url.py"), "--check"], capture_output=True)
    assert res.returncode == 0, res.stdout


def test_repo_url_is_validated(tmp_path):
    (tmp_path / "a.yml").write_text("title: x\n")
    with pytest.raises(ValueError, match="repository.url"):
        repo_url_from_config(tmp_path / "a.yml")
    (tmp_path / "b.yml").write_text("repository:\n  url: ftp://example\n")
    with pytest.raises(ValueError, match="https"):
        repo_url_from_config(tmp_path / "b.yml")


def _logical_lines(source: str) -> int:
    """Number of logical lines of Python in a cell (IPython magics count as one each)."""
    python = re.sub(r"^(\s*)[%!].*$", r"\1pass", source, flags=re.MULTILINE)
    return sum(tok.type == tokenize.NEWLINE for tok in tokenize.generate_tokens(io.StringIO(python).readline))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapters_are_clean(path):
    nb = json.loads(path.read_text())
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert any(c["cell_type"] == "code" and c.get("outputs") for c in nb["cells"]), "committed without outputs"
    for src in code:
        assert "sys.path" not in src
        assert "filterwarnings" not in src and "simplefilter" not in src
        # Statements, not lines: formatted to the book's narrow column, one call may span several lines.
        statements = _logical_lines(src)
        assert statements <= 20, f"{path.name}: a cell has {statements} statements"
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    titles = [c for c in nb["cells"] if c["cell_type"] == "markdown" and "".join(c["source"]).startswith("# ")]
    assert len(titles) == 1


def test_glue_returns_plain_numbers():
    assert type(glue("test_int", np.int64(3))) is int
    assert type(glue("test_float", np.float32(0.5))) is float


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_committed_chapters_carry_no_volatile_metadata(path):
    found = volatile_metadata(json.loads(path.read_text(encoding="utf-8")))
    assert not found, f"{path.name}: {found[:3]}; run python scripts/clean_notebooks.py"


def test_strip_volatile_keeps_content_and_outputs():
    out = {"output_type": "stream", "name": "stdout", "text": ["1\n"]}
    cell = {
        "cell_type": "code",
        "source": "print(1)",
        "outputs": [out],
        "execution_count": 1,
        "metadata": {"tags": ["x"], "execution": {"iopub.status.idle": "2026-01-01T00:00:00Z"}},
    }
    nb = {
        "cells": [cell, {"cell_type": "markdown", "source": "# T", "metadata": {}}],
        "nbformat": 4,
        "metadata": {
            "kernelspec": {"name": "python3"},
            "widgets": {"state": {}},
            "language_info": {"name": "python", "version": "3.11.7"},
        },
    }
    assert volatile_metadata(nb) == ["metadata.widgets", "metadata.language_info.version", "cell 0: metadata.execution"]
    clean = strip_volatile(nb)
    assert volatile_metadata(clean) == []
    assert clean["cells"][0]["outputs"] == [out] and clean["cells"][0]["metadata"] == {"tags": ["x"]}
    assert clean["metadata"] == {"kernelspec": {"name": "python3"}, "language_info": {"name": "python"}}
    assert "execution" in nb["cells"][0]["metadata"], "the input must not be modified"
    with pytest.raises(TypeError, match="nb"):
        volatile_metadata({"cells": "x"})


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_widget_output_reaches_the_html(path):
    # Widget views need a kernel (or saved widget state, which the chapters do not keep); in the HTML they are dead.
    hidden = {"remove-output", "remove-cell"}
    for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        outputs = cell.get("outputs", [])
        if any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs):
            assert hidden & set(cell.get("metadata", {}).get("tags", [])), f"{path.name} cell {i}: tag it remove-output"


def _clean_notebooks():
    spec = importlib.util.spec_from_file_location("clean_notebooks", ROOT / "scripts" / "clean_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _code(source, tags=(), outputs=(), **metadata):
    return {
        "cell_type": "code",
        "source": source,
        "outputs": list(outputs),
        "metadata": {"tags": list(tags), **metadata},
    }


def test_plumbing_is_tagged_by_rule_and_analysis_is_left_visible():
    cn = _clean_notebooks()
    setup = _code("%matplotlib inline\nimport numpy as np\nfrom x import book_style\n\nbook_style()")
    glued = _code('glue("a", 1)\nglue_ci("b", 1, 0, 2);')
    install = _code("import sys", tags=[INSTALL_TAG, "remove-cell"])
    analysis = _code('x = 1\nglue("a", x)')
    printing = _code("import numpy as np\nprint(np.pi)")
    nb = {"cells": [setup, glued, install, analysis, printing, {"cell_type": "markdown", "source": "# T"}]}
    assert [cn.cell_role(c) for c in nb["cells"]] == ["setup", "bookkeeping", "install", None, None, None]
    assert cn.missing_tags(nb) == [(0, "hide-input"), (1, "remove-input")]
    tagged = cn.apply_tags(nb)
    assert cn.missing_tags(tagged) == [] and cn.apply_tags(tagged) == tagged
    assert tagged["cells"][2]["metadata"]["tags"] == [INSTALL_TAG, "remove-cell"]
    assert nb["cells"][0]["metadata"]["tags"] == [], "the input must not be modified"


def test_figures_need_alt_text_and_visible_code_must_fit_the_column():
    cn = _clean_notebooks()
    figure = {"output_type": "display_data", "data": {"image/png": "", "text/plain": ""}}
    long_line = "x = " + "1 + " * 30 + "1"
    nb = {
        "cells": [
            _code("plot()", outputs=[figure]),
            _code("plot()", outputs=[figure], mystnb={"image": {"alt": "../_images/ab12.png"}}),
            _code("plot()", outputs=[figure], mystnb={"image": {"alt": "Eight clusters at the corners of a cube."}}),
            _code(long_line),
            _code(long_line, tags=["remove-input"]),
            # A toggle's box is narrower than the column: a line that fits the column may not fit it.
            _code("#" * cn.MAX_CODE_COLUMNS),
            _code("#" * cn.MAX_CODE_COLUMNS, tags=["hide-input"]),
        ]
    }
    problems = cn.hand_edits(nb)
    assert [p.split(":")[0] for p in problems] == ["cell 0", "cell 1", "cell 3 line 1", "cell 6 line 1"]
    assert "without alt text" in problems[0] and "file path" in problems[1]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapters_follow_the_tagging_rules_and_fit_the_column(path):
    cn = _clean_notebooks()
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert cn.missing_tags(nb) == [], "run python scripts/clean_notebooks.py"
    assert cn.hand_edits(nb) == []
