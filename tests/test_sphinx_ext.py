"""The book's Sphinx extension: one copy of each script, MathJax kept, browser assets served from the build."""

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import docutils_namespace

ROOT = Path(__file__).resolve().parent.parent
EXT_PATH = ROOT / "book" / "_ext" / "rnnmem_sphinx.py"
THEBE_BODY = 'const THEBE_JS_URL = "https://unpkg.com/thebe@0.8.2/lib/index.js"'
MATHJAX_CONFIG = 'window.MathJax = {"options": {"processHtmlClass": "math"}}'


def _load_extension():
    spec = importlib.util.spec_from_file_location("rnnmem_sphinx", EXT_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ext = _load_extension()


def script(filename, **attributes):
    """A stand-in for Sphinx's script entry: a file name (None or "" when inline) and its attributes."""
    return SimpleNamespace(filename=filename, priority=500, attributes=attributes)


def test_dedupe_keeps_mathjax_and_one_thebe_script():
    doctools = script("_static/doctools.js")
    thebe, thebe_again = script(None, body=THEBE_BODY), script("", body=THEBE_BODY)
    mathjax_config = script("", body=MATHJAX_CONFIG)
    mathjax = script("_static/vendor/mathjax/tex-svg-full.js", defer="defer")
    context = {"script_files": [doctools, thebe, mathjax_config, mathjax, thebe_again]}

    ext.dedupe_scripts(None, "page", "page.html", context, None)

    assert context["script_files"] == [doctools, thebe, mathjax_config, mathjax]


def test_dedupe_keeps_scripts_that_later_handlers_add():
    # Sphinx hands every html-page-context handler the builder's own list; the MathJax handler,
    # which runs after this one, appends to that list. The page renders context["script_files"].
    thebe, thebe_again = script(None, body=THEBE_BODY), script("", body=THEBE_BODY)
    builder_list = [script("_static/doctools.js"), thebe, thebe_again]
    context = {"script_files": builder_list}

    ext.dedupe_scripts(None, "page", "page.html", context, None)
    mathjax = script("_static/vendor/mathjax/tex-svg-full.js", defer="defer")
    builder_list.append(mathjax)

    assert context["script_files"].count(mathjax) == 1
    assert [s for s in context["script_files"] if s.attributes.get("body") == THEBE_BODY] == [thebe]


def test_missing_assets_name_the_files_and_say_npm_ci(tmp_path):
    (tmp_path / "node_modules" / "plotly.js-dist-min").mkdir(parents=True)
    for name in ("plotly.min.js", "LICENSE"):
        (tmp_path / "node_modules" / "plotly.js-dist-min" / name).write_text("x")

    with pytest.raises(ExtensionError, match=r"node_modules/mathjax/es5/tex-svg-full\.js.*run `npm ci`") as info:
        ext.vendored_files(tmp_path / "node_modules")
    assert "plotly.min.js" not in str(info.value)


def test_assets_are_pinned_exactly_in_package_json_and_its_lock():
    deps = json.loads((ROOT / "package.json").read_text())["dependencies"]
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    vendored_packages = {src.split("/")[0] for src, _ in ext.VENDORED}
    assert vendored_packages <= set(deps)
    for name, version in deps.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned to one version: {version}"
        assert locked[f"node_modules/{name}"]["version"] == version
    assert deps["mathjax"].startswith("3."), "Sphinx's MathJax configuration is for MathJax 3"


def _fake_node_modules(root: Path) -> dict[str, str]:
    """Write a stand-in for every vendored file, each with its own content, and return them by destination."""
    contents = {}
    for src, dest in ext.VENDORED:
        path = root / "node_modules" / src
        path.parent.mkdir(parents=True, exist_ok=True)
        contents[dest] = f"/* {src} */"
        path.write_text(contents[dest])
    return contents


def _build(project: Path, monkeypatch, builder="html") -> Path:
    # The conf gives the builder thebe's inline script twice, with None and "" for the file name,
    # as sphinx-thebe ends up doing under Jupyter Book; the page has math, so MathJax is added.
    (project / "conf.py").write_text(
        "extensions = ['rnnmem_sphinx']\n"
        "def register_thebe_twice(app):\n"
        "    if app.builder.format == 'html':\n"
        f"        app.builder.add_js_file(None, body={THEBE_BODY!r})\n"
        f"        app.builder.add_js_file('', body={THEBE_BODY!r})\n"
        "def setup(app):\n"
        "    app.connect('builder-inited', register_thebe_twice)\n"
    )
    (project / "index.rst").write_text("Title\n=====\n\nThe state :math:`S(t) = \\tanh(W S(t-1))`.\n")
    monkeypatch.setitem(sys.modules, "rnnmem_sphinx", ext)
    out = project / "_build" / builder
    with docutils_namespace():
        app = Sphinx(project, project, out, project / "_build" / "doctrees", builder, status=None, warning=None)
        app.build()
    return out


def test_book_build_serves_mathjax_from_static_with_one_thebe_script(tmp_path, monkeypatch):
    contents = _fake_node_modules(tmp_path)

    out = _build(tmp_path, monkeypatch)

    page = (out / "index.html").read_text()
    mathjax_tag = r'<script (async|defer)="\w+" src="_static/vendor/mathjax/tex-svg-full\.js(\?v=\w+)?"></script>'
    assert re.search(mathjax_tag, page)
    assert page.count("THEBE_JS_URL") == 1
    assert "plotly" not in page
    assert "://" not in "".join(re.findall(r"<script[^>]*>", page))
    for dest, text in contents.items():
        assert (out / "_static" / dest).read_text() == text


def test_book_build_without_npm_ci_fails_at_once(tmp_path, monkeypatch):
    with pytest.raises(ExtensionError, match="run `npm ci`"):
        _build(tmp_path, monkeypatch)
    assert not (tmp_path / "_build" / "html" / "index.html").exists()


def test_non_html_builds_need_no_browser_assets(tmp_path, monkeypatch):
    out = _build(tmp_path, monkeypatch, builder="text")

    assert "tanh" in (out / "index.txt").read_text()
