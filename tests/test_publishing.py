"""Publishing: one version and agreeing licences everywhere, the citation, and the repository setting as data."""

import datetime as dt
import html
import importlib.util
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import tomllib
import yaml
from jupyter_book.config import yaml_to_sphinx
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import docutils_namespace

import rnnmem_helpers
from rnnmem_helpers.chapters.book import (
    PLACEHOLDER_REPO_URL,
    install_cell_source,
    is_placeholder,
    repo_url_from_config,
    validate_branch,
    validate_repo_url,
)
from rnnmem_helpers.chapters.citation import bibtex, load_citation

ROOT = Path(__file__).resolve().parent.parent
EXT_PATH = ROOT / "book" / "_ext" / "rnnmem_sphinx.py"
REAL_URL = "https://github.com/example-org/rnnmem.book"
#: What an attacker would put in repository.url: end the string or the line, or open a tag.
HOSTILE_URLS = [
    'https://github.com/a/b"',
    'https://github.com/a/b" onmouseover="alert(1)',
    "https://github.com/a/b\nimport os; os.system('id')",
    "https://github.com/a/b\r\n",
    "https://github.com/<script>alert(1)</script>/x",
    "https://github.com/a/b<script>",
    "https://github.com/a/b'",
    "https://github.com/a/b&x=1",
    "https://github.com/a/$HOME",
    "https://github.com/a/{__import__('os')}",
    "https://github.com/a/b c",
    "https://github.com/a/b%22",
    "https://user@github.com/a/b",
    "https://github.com/../..",
    "https://github.com/a/b/c",
    "https://github.com/a",
    "http://github.com/a/b",
    "javascript:alert(1)//github.com/a/b",
    "",
]


def _load_extension():
    spec = importlib.util.spec_from_file_location("rnnmem_sphinx", EXT_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ext = _load_extension()


def _cff():
    return load_citation(ROOT / "CITATION.cff")


# --- one version -------------------------------------------------------------------------------------


def test_citation_package_and_book_carry_one_version():
    version = rnnmem_helpers.__version__
    assert _cff()["version"] == version
    # pyproject reads the same file (no second copy of the number to forget).
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "rnnmem_helpers.core._version.__version__"}
    # The book: the Sphinx extension sets release and the footer from the package.
    config = _sphinx_config(yaml.safe_load((ROOT / "_config.yml").read_text()))
    ext.publishing_settings(None, config)
    assert config.release == config.version == version
    assert f"rnnmem {version}" in config.html_theme_options["extra_footer"]


def test_changelog_has_the_released_version_and_date():
    cff = _cff()
    heading = f"## [{cff['version']}] - {cff['date-released'].isoformat()}"
    assert heading in (ROOT / "CHANGELOG.md").read_text(), f"CHANGELOG.md must have the heading {heading!r}"
    assert cff["date-released"] <= dt.date.today()


# --- licences ----------------------------------------------------------------------------------------


def test_licences_agree():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == "MIT"
    assert json.loads((ROOT / "package.json").read_text())["license"] == "MIT"
    assert json.loads((ROOT / "package-lock.json").read_text())["packages"][""]["license"] == "MIT"
    assert _cff()["license"] == ["MIT", "CC-BY-4.0"]
    text_licence = (ROOT / "LICENSE-text.md").read_text()
    assert "CC BY 4.0" in text_licence and "https://creativecommons.org/licenses/by/4.0/" in text_licence
    footer = yaml.safe_load((ROOT / "_config.yml").read_text())["html"]["extra_footer"]
    assert "MIT" in footer and "https://creativecommons.org/licenses/by/4.0/" in footer and "CC BY 4.0" in footer


# --- citation ----------------------------------------------------------------------------------------


def test_bibtex_from_the_repository_citation():
    cff = _cff()
    entry = bibtex(ROOT / "CITATION.cff")
    assert entry.startswith(f"@software{{rnnmem{cff['date-released'].year},\n") and entry.endswith("}\n")
    assert f"version = {{{cff['version']}}}" in entry
    assert "author  = {{The rnnmem authors}}" in entry
    assert "OWNER" not in entry


def test_citation_references_the_original_paper():
    paper = _cff()["references"][0]
    assert paper["title"] == "An Investigation of Memory in Recurrent Neural Networks"
    assert paper["year"] == 2019
    assert paper["collection-title"] == "ICML 2019 Workshop on Identifying and Understanding Deep Learning Phenomena"
    assert paper["url"] == "https://openreview.net/forum?id=SJevPNShnV"
    assert paper["url"] in (ROOT / "book" / "references.bib").read_text()


def test_bibtex_escapes_and_names_people_and_entities():
    citation = {
        "title": "Costs & 100% {braces}_x",
        "version": "1.0",
        "date-released": "2020-02-29",
        "authors": [{"family-names": "Doe", "given-names": "Jane"}, {"name": "Lab #1"}],
        "repository-code": "https://example.org/a/b",
        "license": "MIT",
    }
    entry = bibtex(citation, key="doe:2020")
    assert entry == (
        "@software{doe:2020,\n"
        "  title   = {{Costs \\& 100\\% \\{braces\\}\\_x}},\n"
        "  author  = {Doe, Jane and {Lab \\#1}},\n"
        "  year    = {2020},\n"
        "  month   = {2},\n"
        "  version = {1.0},\n"
        "  url     = {https://example.org/a/b},\n"
        "  note    = {Licence: MIT}\n"
        "}\n"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": None}, "version"),
        ({"title": ""}, "title"),
        ({"date-released": "06.12.2026"}, "date-released"),
        ({"date-released": 2026}, "date-released"),
        ({"authors": []}, "authors"),
        ({"authors": [{"affiliation": "x"}]}, r"authors\[0\]"),
        ({"repository-code": "https://x.org/a}b"}, "repository-code"),
    ],
)
def test_bibtex_refuses_a_malformed_citation(change, message):
    citation = {"title": "t", "version": "1", "date-released": "2020-01-01", "authors": [{"name": "n"}], **change}
    with pytest.raises(ValueError, match=message):
        bibtex(citation)


def test_bibtex_refuses_bad_arguments(tmp_path):
    good = {"title": "t", "version": "1", "date-released": "2020-01-01", "authors": [{"name": "n"}]}
    with pytest.raises(TypeError, match="citation"):
        bibtex(42)
    with pytest.raises(ValueError, match="key"):
        bibtex(good, key="a}b")
    (tmp_path / "CITATION.cff").write_text("- a list\n")
    with pytest.raises(ValueError, match="CITATION.cff: must be a YAML mapping"):
        bibtex(tmp_path / "CITATION.cff")
    (tmp_path / "CITATION.cff").write_text("title: t\n")
    with pytest.raises(ValueError, match="CITATION.cff: missing field"):
        bibtex(tmp_path / "CITATION.cff")


# --- the repository setting: validated, escaped, and no placeholder reaches a reader --------------------


@pytest.mark.parametrize("url", HOSTILE_URLS, ids=repr)
def test_hostile_repository_urls_are_refused(url):
    with pytest.raises(ValueError, match="repository.url"):
        validate_repo_url(url)


def test_repository_url_and_branch_types():
    with pytest.raises(TypeError, match="repository.url"):
        validate_repo_url(None)
    with pytest.raises(TypeError, match="repository.branch"):
        validate_branch(1)
    for branch in ("main\n", "-x", "../x", 'a"b', "a b"):
        with pytest.raises(ValueError, match="repository.branch"):
            validate_branch(branch)
    assert validate_branch("release/1.0") == "release/1.0"


@pytest.mark.parametrize("url", [REAL_URL, REAL_URL + "/", "https://gitlab.com/o_1/r-2", PLACEHOLDER_REPO_URL])
def test_safe_urls_need_no_escaping_anywhere_they_are_written(url):
    clean = validate_repo_url(url)
    assert clean == url.rstrip("/")
    assert html.escape(clean) == clean and shlex.quote(clean) == clean and json.dumps(clean) == f'"{clean}"'


def test_install_cell_with_a_real_address_installs_from_it():
    source = install_cell_source(REAL_URL)
    assert f"%pip install --quiet --no-deps 'rnnmem-helpers @ git+{REAL_URL}'" in source
    compile(source.replace("%pip", "pass  #"), "cell", "exec")


def test_install_cell_with_the_placeholder_says_what_to_do():
    assert is_placeholder(PLACEHOLDER_REPO_URL) and not is_placeholder(REAL_URL)
    source = install_cell_source(PLACEHOLDER_REPO_URL)
    assert "OWNER" not in source and "%pip" not in source
    namespace = {}
    exec(compile(source, "cell", "exec"), namespace)  # outside Colab: does nothing
    sys.modules["google.colab"] = sys.modules[__name__]
    try:
        with pytest.raises(RuntimeError, match="no public repository.*requirements.txt"):
            exec(compile(source, "cell", "exec"), {})
    finally:
        del sys.modules["google.colab"]


def _copy_book(tmp_path, url) -> Path:
    root = tmp_path / "repo"
    (root / "book").mkdir(parents=True)
    for path in (ROOT / "book").glob("*.ipynb"):
        shutil.copy(path, root / "book" / path.name)
    for name in ("CITATION.cff", "metadata.yaml"):
        shutil.copy(ROOT / name, root / name)
    config = (ROOT / "_config.yml").read_text()
    assert f"  url: {PLACEHOLDER_REPO_URL}\n" in config
    (root / "_config.yml").write_text(config.replace(f"  url: {PLACEHOLDER_REPO_URL}\n", f"  url: {json.dumps(url)}\n"))
    return root


def _sync(root, *args):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sync_repo_url.py"), "--config", str(root / "_config.yml"),
         "--book", str(root / "book"), "--citation", str(root / "CITATION.cff"), "--metadata",
         str(root / "metadata.yaml"), *args],
        capture_output=True, text=True,
    )


@pytest.mark.parametrize("url", ['https://github.com/a/b"', "https://github.com/a/b\nx", "https://github.com/<script>/x"],
                         ids=repr)
def test_sync_refuses_a_hostile_address_and_touches_no_chapter(tmp_path, url):
    root = _copy_book(tmp_path, url)
    files = [*(root / "book").glob("*.ipynb"), root / "CITATION.cff", root / "metadata.yaml"]
    before = {p: p.read_bytes() for p in files}
    res = _sync(root)
    assert res.returncode == 2
    assert "repository.url must be an https://host/owner/repo" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert {p: p.read_bytes() for p in files} == before


def test_sync_with_a_real_address_points_every_chapter_there(tmp_path):
    root = _copy_book(tmp_path, REAL_URL)
    assert _sync(root, "--check").returncode == 1
    assert _sync(root).returncode == 0
    assert _sync(root, "--check").returncode == 0
    for path in (root / "book").glob("*.ipynb"):
        new, old = json.loads(path.read_text()), json.loads((ROOT / "book" / path.name).read_text())
        assert REAL_URL in "".join(new["cells"][0]["source"]), path.name
        # Only the install cell's source changes: its id and execution count, and every other cell, stay.
        assert {**new["cells"][0], "source": None} == {**old["cells"][0], "source": None}
        assert new["cells"][1:] == old["cells"][1:] and new["metadata"] == old["metadata"]
    # The citation and the ReScience metadata name the repository too, and the BibTeX entry links it.
    assert load_citation(root / "CITATION.cff")["repository-code"] == REAL_URL
    assert f"url     = {{{REAL_URL}}}" in bibtex(root / "CITATION.cff")
    code = yaml.safe_load((root / "metadata.yaml").read_text())["code"]
    assert code[0] == {"url": REAL_URL}


def test_sync_back_to_the_placeholder_restores_every_file(tmp_path):
    root = _copy_book(tmp_path, REAL_URL)
    assert _sync(root).returncode == 0
    config = root / "_config.yml"
    config.write_text(config.read_text().replace(json.dumps(REAL_URL), PLACEHOLDER_REPO_URL))
    assert _sync(root).returncode == 0
    for path in [*(root / "book").glob("*.ipynb"), root / "CITATION.cff", root / "metadata.yaml"]:
        original = ROOT / path.relative_to(root)
        assert path.read_bytes() == original.read_bytes(), path.name


def test_the_shipped_chapters_hold_no_placeholder():
    repo_url_from_config(ROOT / "_config.yml")  # valid, whichever it is
    for path in (ROOT / "book").glob("*.ipynb"):
        assert "github.com/OWNER" not in path.read_text(), path.name


# --- the build: buttons only for a real address ------------------------------------------------------


def _sphinx_config(book_config):
    """A stand-in for Sphinx's config with what Jupyter Book makes of ``book_config``."""
    options = yaml_to_sphinx(book_config)[0]["html_theme_options"]
    return SimpleNamespace(html_theme_options=options, version="", release="")


def _build_with_url(tmp_path, url) -> str:
    """Build one notebook page with the book's theme and launch settings, return its HTML."""
    book_config = yaml.safe_load((ROOT / "_config.yml").read_text())
    book_config["repository"]["url"] = url
    options = yaml_to_sphinx(book_config)[0]["html_theme_options"]
    project = tmp_path / "project"
    project.mkdir()
    (project / "conf.py").write_text(
        "import sys\n"
        "extensions = ['myst_nb']\n"
        "html_theme = 'sphinx_book_theme'\n"
        f"html_theme_options = {options!r}\n"
        "nb_execution_mode = 'off'\n"
        "def setup(app):\n"
        "    app.connect('config-inited', sys.modules['rnnmem_sphinx_under_test'].publishing_settings)\n"
    )
    nb = {"cells": [{"cell_type": "markdown", "id": "t", "metadata": {}, "source": ["# A chapter\n"]}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (project / "index.ipynb").write_text(json.dumps(nb))
    sys.modules["rnnmem_sphinx_under_test"] = ext
    try:
        with docutils_namespace():
            app = Sphinx(project, project, project / "_build", project / "_doctrees", "html", status=None,
                         warning=None, freshenv=True)
            app.build()
    finally:
        del sys.modules["rnnmem_sphinx_under_test"]
    return (project / "_build" / "index.html").read_text(encoding="utf-8")


def test_build_with_the_placeholder_has_no_launch_or_repository_button(tmp_path):
    page = _build_with_url(tmp_path, PLACEHOLDER_REPO_URL)
    assert "OWNER" not in page
    for link in ("mybinder.org", "colab.research.google.com", "github.com"):
        assert link not in page, link
    assert "rnnmem " + rnnmem_helpers.__version__ in page and "CC BY 4.0" in page


def test_build_with_a_real_address_points_every_button_there(tmp_path):
    page = _build_with_url(tmp_path, REAL_URL)
    assert "https://mybinder.org/v2/gh/example-org/rnnmem.book/main?urlpath=tree/index.ipynb" in page
    assert "https://colab.research.google.com/github/example-org/rnnmem.book/blob/main/index.ipynb" in page
    assert f'href="{REAL_URL}"' in page


@pytest.mark.parametrize("url", ['https://github.com/a/b"><script>alert(1)</script>', "https://github.com/a/b\nc"],
                         ids=repr)
def test_build_refuses_a_hostile_address(tmp_path, url):
    with pytest.raises(ExtensionError, match="repository.url must be"):
        _build_with_url(tmp_path, url)


# --- workflows ---------------------------------------------------------------------------------------

WORKFLOWS = ROOT / ".github" / "workflows"


def _check_workflows():
    spec = importlib.util.spec_from_file_location("check_workflows", ROOT / "scripts" / "check_workflows.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_workflows = _check_workflows()


def _workflows():
    return {p.name: yaml.safe_load(p.read_text()) for p in sorted(WORKFLOWS.glob("*.yml"))}


def test_the_workflows_follow_githubs_schema():
    checker = Path(sys.executable).parent / "check-jsonschema"
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    res = subprocess.run([str(checker), "--builtin-schema", "vendor.github-workflows", *files],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_the_workflows_cover_every_duty():
    assert check_workflows.problems(_workflows()) == []


@pytest.mark.parametrize(
    ("spoil", "complaint"),
    [
        (lambda w: w["ci.yml"]["jobs"]["ci"]["steps"].pop(), "bash .ci/run"),
        (lambda w: w["site.yml"]["jobs"].pop("deploy"), "deploy-pages"),
        (lambda w: w["site.yml"]["jobs"]["deploy"].pop("permissions"), "id-token: write"),
        (lambda w: w["site.yml"][True].pop("pull_request"), "upload-artifact on pull requests"),
        (lambda w: w["binder-weekly.yml"][True]["schedule"][0].update(cron="17 4 * * *"), "weekly"),
        (lambda w: w["binder-weekly.yml"]["jobs"]["chapters"]["steps"].pop(), "every chapter"),
        (lambda w: w["ci.yml"]["jobs"]["ci"]["steps"][0].update(uses="actions/checkout"), "not pinned"),
        (lambda w: w["ci.yml"]["jobs"]["ci"].pop("timeout-minutes"), "timeout-minutes"),
        (lambda w: w["ci.yml"].pop("permissions"), "permissions"),
    ],
)
def test_a_missing_duty_is_named(spoil, complaint):
    workflows = _workflows()
    spoil(workflows)
    assert any(complaint in line for line in check_workflows.problems(workflows))


def test_check_workflows_cli_refuses_what_is_not_a_workflow(tmp_path):
    script = [sys.executable, str(ROOT / "scripts" / "check_workflows.py"), "--dir", str(tmp_path)]
    res = subprocess.run(script, capture_output=True, text=True)
    assert res.returncode == 2 and "no workflow" in res.stderr and len(res.stderr.splitlines()) == 1
    (tmp_path / "a.yml").write_text("on: [push\n")
    res = subprocess.run(script, capture_output=True, text=True)
    assert res.returncode == 2 and "not valid YAML" in res.stderr and len(res.stderr.splitlines()) == 1
    (tmp_path / "a.yml").write_text("name: only\n")
    res = subprocess.run(script, capture_output=True, text=True)
    assert res.returncode == 1 and "bash .ci/run" in res.stdout


# --- replication metadata ----------------------------------------------------------------------------


def test_rescience_metadata_names_the_original_paper_as_the_citation_does():
    meta = yaml.safe_load((ROOT / "metadata.yaml").read_text())
    replication = {k: v for item in meta["replication"] for k, v in item.items()}
    paper = _cff()["references"][0]
    assert meta["type"] == "Replication" and meta["language"] == "Python"
    assert meta["title"] == f"[Re] {paper['title']}"
    assert replication["url"] == paper["url"]
    assert f"@inproceedings{{{replication['bib']}," in (ROOT / meta["bibliography"]).read_text()
    assert paper["title"] in replication["cite"] and str(paper["year"]) in replication["cite"]
    # No placeholder address: the code URL stays empty until repository.url is real.
    code = {k: v for item in meta["code"] for k, v in item.items()}
    assert code["url"] is None or not is_placeholder(code["url"])


def test_the_jupyter_book_decision_is_written_down():
    text = (ROOT / "docs" / "jupyter-book-2.md").read_text()
    for topic in ("file://", "book/_ext/rnnmem_sphinx.py", "glue", "What a move would take", "What to watch"):
        assert topic in text, topic
