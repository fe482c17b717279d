"""scripts/explorer_layout.py in headless Chromium: the book's explorers pass it, broken layouts do not.

The explorers run on a page written to disk (the check reloads it) with the
scripts of the book and the data the Sphinx extension writes for the shipped
Δt = 0 and Δt = 8 networks: Δt = 0 has no rotation plane, which the pulse
explorer must lay out without an empty area. The broken layouts are plotly
figures drawn by hand into explorer elements, each with one fault.
"""

import importlib.util
import re
from pathlib import Path

import pytest

from rnnmem_helpers.chapters.explorer_data import explorer_networks, export_choice

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
STATIC = ROOT / "book" / "_static" / "rnnmem"
PLOTLY = ROOT / "node_modules" / "plotly.js-gl3d-dist-min" / "plotly-gl3d.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
DELAYS = (0, 8)

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.is_file(), reason="needs Debian's Chromium at /usr/bin/chromium"),
    pytest.mark.skipif(not PLOTLY.is_file(), reason="needs the book's browser assets: run `npm ci`"),
]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


layout = _load("explorer_layout", ROOT / "scripts" / "explorer_layout.py")


def _page(folder: Path, body: str, scripts) -> Path:
    tags = "\n".join(f'<script src="{Path(s).as_uri()}"></script>' for s in scripts)
    page = folder / "page.html"
    page.write_text(
        '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>explorers</title>{tags}</head><body style=\"margin: 0 8px\">{body}</body></html>",
        encoding="utf-8",
    )
    return page


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def explorer_page(tmp_path_factory):
    ext = _load("rnnmem_sphinx", ROOT / "book" / "_ext" / "rnnmem_sphinx.py")
    folder = tmp_path_factory.mktemp("book")
    data = folder / "data"
    data.mkdir()
    choices = [c for c in explorer_networks() if c.delay in DELAYS]
    for choice in choices:
        (data / f"network_delay{choice.delay}.js").write_text(
            ext.data_script(choice.delay, export_choice(choice, rng=ext.DATA_RNG)), encoding="utf-8"
        )
    (data / "index.js").write_text(ext.index_script(choices), encoding="utf-8")
    (folder / "encoding.js").write_text(ext.encoding_script(), encoding="utf-8")
    (folder / "base.js").write_text(f"window.rnnmem_data_base = {(data.as_uri() + '/')!r};\n", encoding="utf-8")
    body = "".join(f'<div data-explorer="{name}"></div>' for name in ("task", "network", "pulse"))
    scripts = [folder / "base.js", PLOTLY, STATIC / "forward.js", folder / "encoding.js", data / "index.js",
               STATIC / "explorers.js"]
    return _page(folder, body, scripts)


def _open(browser, page_path: Path, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(page_path.as_uri())
    return page, errors


def test_the_books_explorers_lay_out_at_every_width(browser, explorer_page):
    page, errors = _open(browser, explorer_page)

    assert layout.check_explorer_layout(page) == []
    assert errors == []
    assert page.viewport_size == {"width": 1280, "height": 900}


def test_the_pulse_explorer_at_delay_zero_has_no_empty_plane_area(browser, explorer_page):
    page, errors = _open(browser, explorer_page, width=390)
    host = page.locator("[data-explorer=pulse]")
    host.scroll_into_view_if_needed()
    page.wait_for_function("h => h.rnnmemState !== undefined", arg=host.element_handle())
    tall = page.evaluate("h => h.querySelector('.rnnmem-time').getBoundingClientRect().height", host.element_handle())
    select = host.locator("select").first
    select.select_option("0")
    page.wait_for_function("h => h.rnnmemState.delay === 0", arg=host.element_handle())
    page.evaluate(layout.SETTLED, host.element_handle())

    short = page.evaluate("h => h.querySelector('.rnnmem-time').getBoundingClientRect().height", host.element_handle())
    caption = host.locator("figcaption").text_content()
    assert short < tall - 200, (short, tall)
    assert "no rotation plane" in caption and "0 leading" not in caption and "Δt wait" not in caption
    assert layout.panel_problems("pulse", page.evaluate(layout.MEASURE, host.element_handle())) == []
    assert errors == []


# Each fault drawn by hand: (what the figure does wrong, a pattern the problem it causes must match). The figures
# do not follow a resize, so after one they are also cut off, a problem of its own.
FAULTS = {
    "collapsed": ("Plotly.newPlot(plot, [{y: [1, 2]}], {height: 40, width: 300})", r"collapsed to \d+ x 40 px"),
    "titles": (
        "Plotly.newPlot(plot, [{y: [1, 2]}], {height: 300, annotations: [0.45, 0.55].map((x) => ({x, y: 1.05, "
        "xref: 'paper', yref: 'paper', showarrow: false, text: 'a panel title that is long'}))})",
        r"panel titles 'a panel title that is long' and 'a panel title that is long' overlap",
    ),
    "legend": (
        "Plotly.newPlot(plot, Array.from({length: 30}, (_, i) => ({y: [i, i + 1], name: 'trace ' + i})), "
        "{height: 200, legend: {orientation: 'h', y: -0.1}, margin: {b: 20, autoexpand: false}})",
        r"legend (entries 'trace 0'.* run out of the figure|does not fit its figure and scrolls) \(clipped\)",
    ),
    "wide": (
        "Plotly.newPlot(plot, [{y: [1, 2]}], {height: 300, width: 2000})",
        r"figure drawn 2000 x 300 px in a panel of \d+ x 300 px, so it is cut off|page is \d+ px wide",
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_broken_layout_is_reported(browser, tmp_path, fault):
    draw, pattern = FAULTS[fault]
    script = tmp_path / "draw.js"
    script.write_text(
        "document.addEventListener('DOMContentLoaded', () => {\n"
        "  const host = document.querySelector('[data-explorer]'), plot = host.querySelector('div');\n"
        f"  host.rnnmemRedrawn = {draw};\n"
        "  host.rnnmemState = {};\n"
        "});\n",
        encoding="utf-8",
    )
    page_path = _page(tmp_path, '<div data-explorer="fake"><div class="rnnmem-space"></div></div>', [PLOTLY, script])
    page, errors = _open(browser, page_path)

    problems = layout.check_explorer_layout(page)

    assert errors == []
    # The fault shows at every width, and each message says at which.
    for label, _, _ in layout.STAGES:
        assert any(p.startswith(label + ": ") and re.search(pattern, p) for p in problems), (label, problems)
