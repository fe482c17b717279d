"""The whole-book PDF (scripts/build_pdf.py): every chapter, rendered math, static explorers, contents that lead there.

The module builds the book into a temporary folder and prints it once (about a minute), then reads the PDF's
text with poppler's pdftotext and its links with pypdf.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_pdf.py"
#: What TeX or MyST left unrendered would look like in the text.
RAW = ("\\(", "\\)", "\\[", "\\]", "$$", "\\frac", "\\mathrm", "\\Delta", "\\lambda",
       "{cite", "{glue", "{doc}", "{numref}")

needs_tools = pytest.mark.skipif(
    not (Path("/usr/bin/chromium").is_file() and shutil.which("pdftotext")),
    reason="needs Debian's chromium and poppler-utils (apt-get install chromium poppler-utils), as .ci/run installs",
)


def chapter_titles() -> list[str]:
    """Each chapter's title, from its source, in the order of _toc.yml."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"], *(c["file"] for part in toc["parts"] for c in part["chapters"])]
    titles = []
    for name in files:
        if (ROOT / f"{name}.ipynb").is_file():
            cells = json.loads((ROOT / f"{name}.ipynb").read_text())["cells"]
            markdown = ("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
            text = next(m for m in markdown if m.startswith("# "))
        else:
            text = (ROOT / f"{name}.md").read_text()
        titles.append(text.splitlines()[0].removeprefix("# ").strip())
    return titles


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf")
    build = subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "--path-output", str(out)],
        capture_output=True, text=True,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    res = subprocess.run(
        [sys.executable, str(SCRIPT), "--html", str(out / "_build" / "html"), "--out", str(out / "rnnmem.pdf")],
        capture_output=True, text=True,
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    path = out / "rnnmem.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    explorers = sum(page.read_text().count('data-explorer="') for page in (out / "_build/html/book").glob("*.html"))
    return path, text.split("\f"), explorers


@needs_tools
def test_pdf_has_every_chapter_and_no_raw_tex(pdf):
    path, pages, _ = pdf
    assert len(PdfReader(str(path)).pages) >= 40
    flat = re.sub(r"\s+", " ", " ".join(pages))
    for token in RAW:
        assert token not in flat, f"raw {token!r} in the PDF's text"
    # Sphinx prints straight quotes as typographic ones ("paper's" as "paper’s").
    plain = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
    starts = [re.sub(r"\s+", " ", page.strip()).translate(plain)[:150] for page in pages]
    for title in chapter_titles():
        # Each chapter starts a page, numbered or not ("1. The task").
        assert any(re.match(rf"(\d+\. )?{re.escape(title)}", s) for s in starts), f"no page starts with {title!r}"


@needs_tools
def test_pdf_shows_each_explorer_as_a_static_image(pdf):
    path, pages, explorers = pdf
    assert explorers >= 3  # task; delayed: network and pulse
    flat = re.sub(r"\s+", " ", " ".join(pages))
    assert flat.count("Static image of an interactive figure") == explorers
    images = sum(len(page.images) for page in PdfReader(str(path)).pages)
    assert images > 3 * explorers  # the chapters' figures too


@needs_tools
def test_pdf_contents_lead_to_their_headings(pdf):
    path, pages, _ = pdf
    reader = PdfReader(str(path))
    named = reader.named_destinations
    links = [a.get_object() for page in reader.pages for a in page.get("/Annots", []) or []]
    internal = [a for a in links if a.get("/Subtype") == "/Link" and "/Dest" in a]
    assert len(internal) > 100
    assert all(str(a["/Dest"]) in named for a in internal), "a link leads to no destination"
    uris = [str(a["/A"]["/URI"]) for a in links if "/A" in a and a["/A"].get("/S") == "/URI"]
    assert not [u for u in uris if u.startswith("file:")], "a link leads outside the PDF, to a local file"
    contents = [line for page in pages[1:6] for line in page.splitlines()]
    checked = 0
    for line in contents:
        entry = re.match(r"^\s*((?:\d+\.)+)\s+(\S+).*?\s{2,}(\d+)\s*$", line)
        if entry:
            number, first_word, page = entry.group(1), entry.group(2), int(entry.group(3))
            assert f"{number} {first_word}" in re.sub(r"\s+", " ", pages[page - 1]), line.strip()
            checked += 1
    assert checked > 50
    assert pages[4].strip().splitlines()[-1].strip() == f"5 / {len(reader.pages)}", "page numbers in the footer"


def test_build_pdf_refuses_a_missing_build(tmp_path):
    res = subprocess.run([sys.executable, str(SCRIPT), "--html", str(tmp_path)], capture_output=True, text=True)
    assert res.returncode == 2 and "no built book there" in res.stderr and len(res.stderr.splitlines()) == 1
