"""Load every chapter of the built book in headless Chromium and check what a reader sees.

    python scripts/browser_check.py [--html _build/html] [--shots DIR]

Each page of _toc.yml is opened twice: served over HTTP on 127.0.0.1, and straight
from disk (``file://``, no server), as a reader without network opens it. Either
way the page fails if

- it requests anything from outside the build. Every request is recorded; one to
  any host but the local server (over ``file://``: any URL outside the HTML
  folder) is aborted and reported as a failure, since the book must work offline;
- a request fails or gets an HTTP error;
- it raises a JavaScript error or logs a console error;
- a figure image does not load;
- raw TeX (``\\(``, ``\\)``, ``\\[``, ``\\]``, ``$$``) remains in the visible text of the
  page once MathJax has typeset it (``MathJax.startup.promise``). Text in
  ``pre`` and ``code`` is left out: MathJax never typesets it, by design;
- a piece of math (an element Sphinx marked ``.math``) holds no rendered
  ``mjx-container``, or MathJax rendered a TeX error. A page with math but no
  MathJax therefore fails on both counts;
- a MyST role (``{doc}``, ``{numref}``, ``{glue:md}``, ...) remains as raw
  text outside ``pre`` and ``code``: e.g. one inside glued Markdown, which
  myst-nb inserts without resolving roles (its target then shows as code).

Legibility, in a 1280 px window (the page is then narrowed to 800 px, and loaded
again in a 390 px window, as on a phone):

- a code block, an output, a table or display math is clipped: its content is
  wider than its box (``scrollWidth > clientWidth``), so the reader would have
  to scroll it sideways (checked at 1280 px and again at 390 px);
- a figure's smallest text is under 9 px as shown. The book's PNGs record the
  smallest font size they draw, in points, under the PNG text key
  ``rnnmem_helpers.chapters.plotting.FONT_KEY`` (``figure_png`` computes it from the
  figure's own text when it saves it); shown, that text is
  ``pt / 72 * dpi * shown width / PNG width`` CSS px tall. A PNG without that
  record fails, as its text size cannot be known;
- a figure has no alt text, or one that is a file path (myst-nb's default);
- the page is wider than the window, at 1280 px, after narrowing it to 800 px,
  or at 390 px;
- on a page with explorers, where ``scripts/explorer_layout.py`` exists, what
  its ``check_explorer_layout(page)`` reports (it tries the same three widths).

The search page is checked too, with a query that finds results, for console
errors in both visits.

Explorer contract. The book's interactive figures are checked through this
markup, which every explorer must follow:

- an explorer is an element with a ``data-explorer`` attribute (its value names
  it, e.g. ``data-explorer="task"``);
- its figure is the one element inside it with ``data-explorer-figure``; what the
  figure shows is that element's rendered HTML (its ``innerHTML``);
- its controls are the native ``input[type=range]`` and ``select`` elements inside
  it, each with an accessible name (``aria-label``, ``aria-labelledby`` or a
  ``<label>``) naming its parameter.

For each control, the check focuses it and presses ArrowRight (ArrowDown for a
select), or ArrowLeft (ArrowUp) when the control was already at its end. It then
asserts that the control's value changed, that the figure's HTML changed (it
waits up to 2 s for the redraw), and that no console or JavaScript error
occurred. It saves a screenshot of the explorer before and after each move, as
``<page>_<mode>_<explorer>_<n>-<control>_{before,after}.png``.

Prints one line per page (both visits), then ``N passed, M failed`` alone on the
last line; exits 1 if any page failed. Screenshots go to ``--shots``, by default a new
folder only the user can read under the system's temporary folder (its path is printed). Needs
Debian's chromium (/usr/bin/chromium) and the playwright package.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import yaml
from PIL import Image

from rnnmem_helpers.chapters.plotting import FONT_KEY

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
try:
    from explorer_layout import check_explorer_layout
except ImportError:  # written alongside the explorers; until then only the rest is checked
    check_explorer_layout = None
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RAW_TEX = ("\\(", "\\)", "\\[", "\\]", "$$")
RAW_ROLE = re.compile(r"\{(?:doc|ref|numref|eq|math|cite(?::[a-z]+)?|glue(?::[a-z]+)?)\}")
# Schemes whose content is inside the page itself, not fetched from anywhere.
INLINE_SCHEMES = {"data", "blob", "about"}
MATHJAX_TIMEOUT_MS = 30_000
REDRAW_TIMEOUT_MS = 2_000
WIDE, NARROWED, PHONE = 1280, 800, 390
MIN_FIGURE_TEXT_PX = 9.0
SEARCH_QUERY = "search.html?q=fixed+point"
PATH_LIKE_ALT = re.compile(r"(^|/)[\w.-]+\.(png|svg|jpe?g|gif)$|_images/", re.IGNORECASE)

# Blocks whose content a reader would have to scroll sideways: code, printed output, rich output, tables and
# display math.
CLIPPED = """() => [...document.querySelectorAll('main pre, main div.cell_output > div, '
        + 'main .pst-scrollable-table-container, main mjx-container[display="true"]')]
    .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
    .map(e => ({kind: e.tagName === 'MJX-CONTAINER' ? 'math'
                      : e.closest('.cell_output') ? 'output' : (e.tagName === 'PRE' ? 'code' : 'table'),
                over: e.scrollWidth - e.clientWidth,
                text: e.textContent.trim().replace(/\\s+/g, ' ').slice(0, 50)}))"""
FIGURES = """() => [...document.querySelectorAll('main img')].map(e => ({
    src: e.currentSrc || e.src, alt: (e.getAttribute('alt') || '').trim(), shown: e.getBoundingClientRect().width}))"""
PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"
NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
SEARCH_DONE = """() => {
    const s = document.querySelector('#search-results .search-summary');
    return !!s && /Search finished|did not match/.test(s.textContent);
}"""

WAIT_FOR_MATHJAX = f"""async () => {{
    const mj = window.MathJax;
    if (!(mj && mj.startup && mj.startup.promise)) return false;
    await Promise.race([mj.startup.promise,
                        new Promise((_, fail) => setTimeout(() => fail(new Error('MathJax did not finish typesetting')),
                                                            {MATHJAX_TIMEOUT_MS}))]);
    return true;
}}"""
# innerText needs layout, so pre and code are hidden in place for the reading rather than cut from a copy.
VISIBLE_TEXT = """() => {
    const style = document.createElement('style');
    style.textContent = 'pre, code { display: none !important; }';
    document.head.appendChild(style);
    const text = document.body.innerText;
    style.remove();
    return text;
}"""
MATH_STATE = r"""() => {
    const maths = [...document.querySelectorAll('span.math, div.math')].filter(e => !e.closest('pre, code'));
    const errors = [...document.querySelectorAll('mjx-container [data-mml-node="merror"], mjx-merror')];
    return {
        total: maths.length,
        rendered: maths.filter(e => e.querySelector('mjx-container')).length,
        unrendered: maths.filter(e => !e.querySelector('mjx-container')).slice(0, 3)
            .map(e => e.textContent.trim().replace(/\s+/g, ' ').slice(0, 60)),
        errors: errors.slice(0, 3).map(e => e.getAttribute('data-mjx-error') || e.textContent.trim()),
    };
}"""
ACCESSIBLE_NAME = """e => {
    const byId = (e.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
        .map(id => (document.getElementById(id) || {}).textContent || '').join(' ');
    const byLabel = [...(e.labels || [])].map(l => l.textContent).join(' ');
    return (e.getAttribute('aria-label') || byId || byLabel || e.title || '').trim();
}"""


@dataclass
class Visit:
    """What one load of one page showed."""

    problems: list[str] = field(default_factory=list)
    files: set[Path] = field(default_factory=set)
    images: int = 0
    math_total: int = 0
    math_rendered: int = 0
    explorers: int = 0
    moves: int = 0
    seconds: float = 0.0
    smallest_text_px: float = float("inf")
    clipped: int = 0

    @property
    def weight(self) -> int:
        """Bytes of every file of the build the page loaded."""
        return sum(f.stat().st_size for f in self.files if f.is_file())


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return [f"{f}.html" for f in files]


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def local_file(url: str, html: Path, base: str | None) -> Path | None:
    """Return the build file a URL names, or None if the URL is outside the build.

    Parameters
    ----------
    url : str
        A URL the page requested.
    html : pathlib.Path
        The build's HTML folder (absolute).
    base : str or None
        The local server's origin (``http://127.0.0.1:PORT``) for an HTTP visit, None for ``file://``.
    """
    parts = urlparse(url)
    if base is not None:
        if f"{parts.scheme}://{parts.netloc}" != base:
            return None
        path = html / unquote(parts.path).lstrip("/")
    else:
        if parts.scheme != "file" or parts.netloc:
            return None
        path = Path(unquote(parts.path))
    path = path.resolve()
    if path != html and html not in path.parents:
        return None
    return path / "index.html" if path.is_dir() else path


def raw_tex(text: str) -> list[str]:
    """Return a snippet around each kind of raw TeX delimiter found in ``text``."""
    found = []
    for token in RAW_TEX:
        at = text.find(token)
        if at >= 0:
            snippet = re.sub(r"\s+", " ", text[max(0, at - 30) : at + 40])
            found.append(f"raw TeX {token!r} in the visible text: ...{snippet}...")
    return found


def raw_roles(text: str) -> list[str]:
    """Return a snippet around each MyST role left unrendered in ``text``."""
    snippets = (re.sub(r"\s+", " ", text[max(0, m.start() - 30) : m.end() + 30]) for m in RAW_ROLE.finditer(text))
    return [f"raw MyST role in the visible text: ...{snippet}..." for snippet in snippets]


def visit(context, url: str, html: Path, base: str | None, shots: Path, tag: str) -> Visit:
    """Open one page and check it; ``base`` is the server origin, or None for a ``file://`` visit."""
    result = Visit()
    page = context.new_page()

    def on_request(request):
        parts = urlparse(request.url)
        if parts.scheme in INLINE_SCHEMES:
            return
        path = local_file(request.url, html, base)
        if path is None:
            result.problems.append(f"request outside the build: {request.url}")
        else:
            result.files.add(path)

    def on_console(msg):
        if msg.type == "error":
            where = msg.location.get("url", "") if msg.location else ""
            result.problems.append(f"console error: {msg.text}" + (f" ({where})" if where else ""))

    def on_response(response):
        if response.status >= 400:
            result.problems.append(f"HTTP {response.status}: {response.url}")

    page.on("request", on_request)
    page.on("pageerror", lambda exc: result.problems.append(f"JavaScript error: {exc}"))
    page.on("console", on_console)
    page.on("requestfailed", lambda r: result.problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", on_response)
    try:
        start = time.perf_counter()
        response = page.goto(url, wait_until="load")
        if response is None or not response.ok:
            result.problems.append(f"page itself: HTTP {response.status if response else 'no response'}")
            return result
        page.evaluate(WAIT_FOR_MATHJAX)
        result.seconds = time.perf_counter() - start
        # Whatever the page fetches after typesetting (MathJax components, lazy images) is checked too.
        page.wait_for_load_state("networkidle")
        check_images(page, html, base, result)
        check_math(page, result)
        check_legibility(page, html, base, result)
        check_explorers(page, shots, tag, result)
        page.screenshot(path=str(shots / f"{tag}.png"), full_page=base is not None)
        check_explorer_positions(page, result)
        page.set_viewport_size({"width": NARROWED, "height": 900})
        page.evaluate(NEXT_FRAME)
        check_page_width(page, f"after narrowing the window from {WIDE} to {NARROWED} px", result)
        page.screenshot(path=str(shots / f"{tag}_{NARROWED}.png"))
    except Exception as exc:  # a page that breaks the check (a timeout, a closed page) fails; the others still run
        result.problems.append(f"check aborted: {type(exc).__name__}: {exc}")
    finally:
        page.close()
    return result


def check_images(page, html: Path, base: str | None, result: Visit) -> None:
    images = page.eval_on_selector_all(
        "main img", "els => els.map(e => ({src: e.currentSrc || e.src, ok: e.complete && e.naturalWidth > 0}))"
    )
    result.images = len(images)
    result.problems += [f"image did not load: {im['src']}" for im in images if not im["ok"]]
    result.problems += [
        f"image outside the build: {im['src']}"
        for im in images
        if urlparse(im["src"]).scheme not in INLINE_SCHEMES and local_file(im["src"], html, base) is None
    ]


def figure_text_px(png: Path, shown: float) -> float | None:
    """Height in CSS px of a PNG figure's smallest text when it is shown ``shown`` px wide.

    Returns None if the PNG records no font size (see ``rnnmem_helpers.chapters.plotting.figure_png``).
    """
    with Image.open(png) as image:
        points = image.text.get(FONT_KEY) if hasattr(image, "text") else None
        if points is None:
            return None
        dpi = image.info.get("dpi", (72.0, 72.0))[0]
        return float(points) / 72 * dpi * shown / image.size[0]


def check_legibility(page, html: Path, base: str | None, result: Visit) -> None:
    """Clipped blocks, figure text under MIN_FIGURE_TEXT_PX, alt text and the page width, at WIDE px."""
    clipped = page.evaluate(CLIPPED)
    result.clipped = len(clipped)
    result.problems += [f"{c['kind']} clipped by {c['over']} px: {c['text']!r}" for c in clipped]
    for figure in page.evaluate(FIGURES):
        name = figure["src"].rsplit("/", 1)[-1]
        if not figure["alt"] or PATH_LIKE_ALT.search(figure["alt"]):
            result.problems.append(f"figure {name}: alt text {figure['alt']!r} does not say what it shows")
        path = local_file(figure["src"], html, base)
        if path is None or path.suffix.lower() != ".png" or not path.is_file():
            continue
        px = figure_text_px(path, figure["shown"])
        if px is None:
            result.problems.append(f"figure {name}: no font-size record ({FONT_KEY}); draw it under book_style()")
            continue
        result.smallest_text_px = min(result.smallest_text_px, px)
        if px < MIN_FIGURE_TEXT_PX:
            result.problems.append(
                f"figure {name}: smallest text {px:.1f} px as shown ({figure['shown']:.0f} px wide), "
                f"under {MIN_FIGURE_TEXT_PX:.0f} px"
            )
    check_page_width(page, f"at {WIDE} px", result)


def check_page_width(page, when: str, result: Visit) -> None:
    width, window = page.evaluate(PAGE_WIDTH)
    if width > window:
        result.problems.append(f"page {width} px wide in a {window} px window {when}")


def check_explorer_positions(page, result: Visit) -> None:
    """scripts/explorer_layout.py's check, which reloads the page at each width it tries and leaves it at WIDE."""
    if check_explorer_layout is not None and page.locator("[data-explorer]").count():
        result.problems += [f"explorer layout: {p}" for p in check_explorer_layout(page)]


def check_phone(context, url: str, result: Visit) -> None:
    """Load the page again in a PHONE px window: not wider than the window, no clipped block, no error logged."""
    page = context.new_page()
    page.set_viewport_size({"width": PHONE, "height": 800})
    page.on("pageerror", lambda exc: result.problems.append(f"at {PHONE} px, JavaScript error: {exc}"))
    page.on(
        "console",
        lambda msg: msg.type == "error" and result.problems.append(f"at {PHONE} px, console error: {msg.text}"),
    )
    try:
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        check_page_width(page, f"at {PHONE} px", result)
        page.evaluate(WAIT_FOR_MATHJAX)
        result.problems += [
            f"at {PHONE} px, {c['kind']} clipped by {c['over']} px: {c['text']!r}" for c in page.evaluate(CLIPPED)
        ]
    finally:
        page.close()


def check_search(context, url: str) -> list[str]:
    """Problems of the search page with a query that finds pages: no results, or any error logged."""
    problems = []
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console error: {msg.text}"))
    try:
        page.goto(url, wait_until="load")
        page.wait_for_function(SEARCH_DONE, timeout=MATHJAX_TIMEOUT_MS)
        page.wait_for_load_state("networkidle")
        if not page.locator("#search-results li").count():
            problems.append("the query found no page")
    except Exception as exc:  # a search that never finishes fails this page only
        problems.append(f"check aborted: {type(exc).__name__}: {exc}")
    finally:
        page.close()
    return problems


def check_math(page, result: Visit) -> None:
    text = page.evaluate(VISIBLE_TEXT)
    result.problems += raw_tex(text) + raw_roles(text)
    state = page.evaluate(MATH_STATE)
    result.math_total, result.math_rendered = state["total"], state["rendered"]
    if state["rendered"] < state["total"]:
        result.problems.append(
            f"math not rendered: {state['total'] - state['rendered']} of {state['total']} math elements hold no "
            f"mjx-container, e.g. {state['unrendered']}"
        )
    result.problems += [f"MathJax error: {e}" for e in state["errors"]]


def check_explorers(page, shots: Path, tag: str, result: Visit) -> None:
    explorers = page.locator("[data-explorer]")
    result.explorers = explorers.count()
    for i in range(result.explorers):
        explorer = explorers.nth(i)
        name = re.sub(r"\W+", "-", explorer.get_attribute("data-explorer") or "") or str(i)
        figures = explorer.locator("[data-explorer-figure]")
        controls = explorer.locator("input[type=range], select")
        if figures.count() != 1:
            result.problems.append(f"explorer {name}: {figures.count()} [data-explorer-figure] elements, need 1")
            continue
        if controls.count() == 0:
            result.problems.append(f"explorer {name}: no input[type=range] or select controls")
        figure = figures.element_handle()
        for j in range(controls.count()):
            move_control(page, explorer, controls.nth(j), figure, shots / f"{tag}_{name}_{j}", result)


def move_control(page, explorer, control, figure, shot_stem: Path, result: Visit) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    label = control.evaluate(ACCESSIBLE_NAME)
    what = f"control {label or control.evaluate('e => e.outerHTML.slice(0, 80)')!r}"
    if not label:
        result.problems.append(f"{what}: no accessible name (aria-label, aria-labelledby or <label>)")
    slug = re.sub(r"\W+", "", label) or "control"
    shot_stem = shot_stem.with_name(f"{shot_stem.name}-{slug}")
    is_select = control.evaluate("e => e.tagName") == "SELECT"
    forward, back = ("ArrowDown", "ArrowUp") if is_select else ("ArrowRight", "ArrowLeft")
    errors_before = len(result.problems)
    before_html = figure.evaluate("e => e.innerHTML")
    before_value = control.input_value()
    explorer.screenshot(path=f"{shot_stem}_before.png")
    control.focus()
    page.keyboard.press(forward)
    if control.input_value() == before_value:
        page.keyboard.press(back)
    result.moves += 1
    if control.input_value() == before_value:
        result.problems.append(f"{what}: {forward}/{back} did not change its value {before_value!r}")
    else:
        try:
            page.wait_for_function(
                "([e, html]) => e.innerHTML !== html", arg=[figure, before_html], timeout=REDRAW_TIMEOUT_MS
            )
        except PlaywrightTimeout:
            result.problems.append(
                f"{what}: value {before_value!r} -> {control.input_value()!r} but the figure did not change"
            )
    explorer.screenshot(path=f"{shot_stem}_after.png")
    result.problems[errors_before:] = [
        p if p.startswith(what) else f"{what}: while moving it, {p}" for p in result.problems[errors_before:]
    ]


def summary(rel: str, served: Visit, disk: Visit) -> str:
    status = "ok" if not (served.problems or disk.problems) else "FAIL"
    text_px = f"{served.smallest_text_px:.1f} px" if served.images else "no figures"
    return (
        f"{status:4} {rel}: {served.images} images (smallest text {text_px}), {served.clipped} clipped blocks, "
        f"math {served.math_rendered}/{served.math_total} rendered "
        f"(file:// {disk.math_rendered}/{disk.math_total}), {served.explorers} explorers ({served.moves} moves), "
        f"{served.weight / 1e6:.2f} MB in {len(served.files)} files, file:// load and typeset {disk.seconds:.2f} s"
    )


def offline_context(pw, chromium: str, html: Path, base: str | None):
    """A headless Chromium context whose requests outside the build ``html`` (or server ``base``) are aborted."""
    browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # Outside requests are already recorded as failures by each page; aborting them keeps a
    # machine with network from hiding the defect and one without from waiting on DNS.
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if urlparse(route.request.url).scheme in INLINE_SCHEMES
            or local_file(route.request.url, html, base) is not None
            or local_file(route.request.url, html, None) is not None
            else route.abort()
        ),
    )
    return context


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--shots", type=Path, help="folder for the screenshots (default: a new private temporary one)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    html = args.html.resolve()
    if not (html / "index.html").is_file():
        print(f"--html: no built book at {args.html}; run jupyter-book build . first", file=sys.stderr)
        return 2
    if args.shots is None:
        args.shots = Path(tempfile.mkdtemp(prefix="rnnmem-screens-"))
    args.shots.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {args.shots}")
    server, base = serve(html)
    passed = failed = 0
    with sync_playwright() as pw:
        context = offline_context(pw, args.chromium, html, base)
        for rel in toc_pages():
            stem = rel.replace("/", "_").removesuffix(".html")
            served = visit(context, f"{base}/{rel}", html, base, args.shots, f"{stem}_http")
            check_phone(context, f"{base}/{rel}", served)
            disk = visit(context, (html / rel).as_uri(), html, None, args.shots, f"{stem}_file")
            print(summary(rel, served, disk))
            for mode, result in (("http", served), ("file://", disk)):
                for problem in dict.fromkeys(result.problems):
                    print(f"     [{mode}] {problem}")
            failed += bool(served.problems or disk.problems)
            passed += not (served.problems or disk.problems)
        searched = {
            "http": check_search(context, f"{base}/{SEARCH_QUERY}"),
            "file://": check_search(context, f"{(html / 'search.html').as_uri()}?q=fixed+point"),
        }
        print(f"{'ok' if not any(searched.values()) else 'FAIL':4} {SEARCH_QUERY}")
        for mode, problems in searched.items():
            for problem in dict.fromkeys(problems):
                print(f"     [{mode}] {problem}")
        failed += any(searched.values())
        passed += not any(searched.values())
        context.browser.close()
    server.shutdown()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
