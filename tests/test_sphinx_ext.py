"""The book's Sphinx extension: one copy of each script, MathJax kept, assets and explorer data in the build."""

import base64
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import docutils_namespace

from rnnmem_helpers.chapters.encoding import to_browser
from rnnmem_helpers.chapters.explorer_data import CHOICE_RULE, explorer_networks, export_choice, to_json

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
    mathjax = script("_static/vendor/mathjax/tex-svg.js", defer="defer")
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
    mathjax = script("_static/vendor/mathjax/tex-svg.js", defer="defer")
    builder_list.append(mathjax)

    assert context["script_files"].count(mathjax) == 1
    assert [s for s in context["script_files"] if s.attributes.get("body") == THEBE_BODY] == [thebe]


def test_missing_assets_name_the_files_and_say_npm_ci(tmp_path):
    (tmp_path / "node_modules" / "plotly.js-gl3d-dist-min").mkdir(parents=True)
    for name in ("plotly-gl3d.min.js", "LICENSE"):
        (tmp_path / "node_modules" / "plotly.js-gl3d-dist-min" / name).write_text("x")

    with pytest.raises(ExtensionError, match=r"node_modules/mathjax/es5/tex-svg\.js.*run `npm ci`") as info:
        ext.vendored_files(tmp_path / "node_modules")
    assert "plotly-gl3d.min.js" not in str(info.value)


def test_plotly_is_the_gl3d_bundle_installed_by_npm_ci():
    # The full bundle (4.85 MB) put a page with explorers over the book's 8 MB budget.
    bundle = ROOT / "node_modules" / "plotly.js-gl3d-dist-min" / "plotly-gl3d.min.js"
    if not bundle.is_file():
        pytest.skip("run `npm ci` to install the book's browser assets")
    text = bundle.read_text(encoding="utf-8")
    assert ("plotly.js-gl3d-dist-min/plotly-gl3d.min.js", "vendor/plotly-gl3d.min.js") in ext.VENDORED
    assert "vendor/plotly-gl3d.min.js" in ext.EXPLORER_SCRIPTS
    # The explorers draw 2-D scatter and scatter3d traces.
    assert 'moduleType:"trace",name:"scatter3d"' in text and 'moduleType:"trace",name:"scatter"' in text
    assert len(text.encode()) < 2_000_000


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
    (project / "index.rst").write_text(
        "Title\n=====\n\nThe state :math:`S(t) = \\tanh(W S(t-1))`.\n\n.. toctree::\n   :hidden:\n\n   explorer\n"
    )
    # A page with an explorer, written as raw HTML as the chapters' Markdown cells write it.
    (project / "explorer.rst").write_text(
        "Explorer\n========\n\n.. raw:: html\n\n   <div data-explorer=\"task\"></div>\n"
    )
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
    mathjax_tag = r'<script (async|defer)="\w+" src="_static/vendor/mathjax/tex-svg\.js(\?v=\w+)?"></script>'
    assert re.search(mathjax_tag, page)
    assert page.count("THEBE_JS_URL") == 1
    assert "plotly" not in page
    assert "://" not in "".join(re.findall(r"<script[^>]*>", page))
    for dest, text in contents.items():
        assert (out / "_static" / dest).read_text() == text


def test_only_pages_with_explorers_load_the_explorer_scripts(tmp_path, monkeypatch):
    _fake_node_modules(tmp_path)

    out = _build(tmp_path, monkeypatch)

    page = (out / "explorer.html").read_text()
    found = [
        m.group(1) for m in re.finditer(r'<script[^>]* src="_static/([^"?]+)(?:\?v=\w+)?"', page)
    ]
    assert [f for f in found if f in ext.EXPLORER_SCRIPTS] == list(ext.EXPLORER_SCRIPTS)
    assert all(re.search(rf'<script defer="defer" src="_static/{re.escape(f)}', page) for f in ext.EXPLORER_SCRIPTS)
    assert re.search(r'<link[^>]* href="_static/rnnmem/explorers\.css(\?v=\w+)?"', page)
    other = (out / "index.html").read_text()
    assert not [s for s in ext.EXPLORER_SCRIPTS + (ext.EXPLORER_CSS,) if s in other]


def test_the_build_writes_each_offered_networks_export_as_a_script(tmp_path, monkeypatch):
    _fake_node_modules(tmp_path)

    out = _build(tmp_path, monkeypatch)

    data = out / "_static" / "rnnmem" / "data"
    choices = explorer_networks()
    delays = [c.delay for c in choices]
    assert sorted(p.name for p in data.iterdir()) == sorted(["index.js"] + [f"network_delay{d}.js" for d in delays])
    networks, rule = (data / "index.js").read_text().splitlines()
    assert json.loads(networks.removeprefix("window.rnnmem_networks = ").removesuffix(";")) == [
        c.record() for c in choices
    ]
    assert json.loads(rule.removeprefix("window.rnnmem_choice_rule = ").removesuffix(";")) == CHOICE_RULE
    # A network from a sweep, not a shipped one: the page states where it comes from.
    choice = next(c for c in choices if c.source != "shipped")
    *_, delay, bare, weights = (data / f"network_delay{choice.delay}.js").read_text(encoding="utf-8").splitlines()
    export = json.loads(to_json(export_choice(choice, rng=0)))
    assert delay == f"{choice.delay},"
    # What the page gets is the package's export with the build's fixed rng: the weights, decoded as the
    # script decodes them, are the export's float32 values, and the rest is the export's JSON.
    decoded = {name: np.frombuffer(base64.b64decode(text), dtype="<f4").tolist() for name, text in
               json.loads(weights.removesuffix(");")).items()}
    assert decoded == {name: m["data"] for name, m in export["weights"].items()}
    bare = json.loads(bare.removesuffix(","))
    assert {name: m["shape"] for name, m in bare.pop("weights").items()} == {
        name: m["shape"] for name, m in export.pop("weights").items()
    }
    assert bare == export and bare["source"]["source"] == choice.source


def test_the_build_writes_the_encoding_for_the_explorers(tmp_path, monkeypatch):
    _fake_node_modules(tmp_path)

    out = _build(tmp_path, monkeypatch)

    text = (out / "_static" / ext.ENCODING_SCRIPT).read_text(encoding="utf-8")
    assignment = next(line for line in text.splitlines() if line.startswith("window.rnnmem_encoding = "))
    assert json.loads(assignment.removeprefix("window.rnnmem_encoding = ").removesuffix(";")) == to_browser()
    # The explorers read it: it runs before explorers.js on a page with explorers.
    assert ext.EXPLORER_SCRIPTS.index(ext.ENCODING_SCRIPT) < ext.EXPLORER_SCRIPTS.index("rnnmem/explorers.js")


def test_data_script_refuses_weights_float32_cannot_carry():
    data = {"weights": {"W": {"shape": [1, 1], "data": [0.1]}}}

    with pytest.raises(ValueError, match=r"data\['weights'\]\['W'\] must hold float32 values"):
        ext.data_script(8, data)


def test_book_build_without_npm_ci_fails_at_once(tmp_path, monkeypatch):
    with pytest.raises(ExtensionError, match="run `npm ci`"):
        _build(tmp_path, monkeypatch)
    assert not (tmp_path / "_build" / "html" / "index.html").exists()


def test_non_html_builds_need_no_browser_assets(tmp_path, monkeypatch):
    out = _build(tmp_path, monkeypatch, builder="text")

    assert "tanh" in (out / "index.txt").read_text()
