"""The book's wiring: one repository setting, a complete table of contents, clean chapters."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from rnnmem_helpers.book import (
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


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapters_are_clean(path):
    nb = json.loads(path.read_text())
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert any(c["cell_type"] == "code" and c.get("outputs") for c in nb["cells"]), "committed without outputs"
    for src in code:
        assert "sys.path" not in src
        assert "filterwarnings" not in src and "simplefilter" not in src
        logic = [ln for ln in src.splitlines() if ln.strip() and not ln.strip().startswith("#")]
        assert len(logic) <= 20, f"{path.name}: a cell has {len(logic)} lines of code"
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
    cell = {"cell_type": "code", "source": "print(1)", "outputs": [out], "execution_count": 1,
            "metadata": {"tags": ["x"], "execution": {"iopub.status.idle": "2026-01-01T00:00:00Z"}}}
    nb = {"cells": [cell, {"cell_type": "markdown", "source": "# T", "metadata": {}}], "nbformat": 4,
          "metadata": {"kernelspec": {"name": "python3"}, "widgets": {"state": {}},
                       "language_info": {"name": "python", "version": "3.11.7"}}}
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
