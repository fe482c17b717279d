"""Write the whole book as one PDF, from the built HTML, with headless Chromium (no TeX).

    python scripts/build_pdf.py [--html _build/html] [--out _build/pdf/rnnmem.pdf]

Build the book first (``jupyter-book build .``). Each chapter of ``_toc.yml`` is
opened from disk in Debian's Chromium (``/usr/bin/chromium``, driven by playwright,
as ``scripts/browser_check.py`` does), so the PDF shows what the HTML shows:

- the math as MathJax typesets it (SVG), the figures as the pages load them;
- each interactive figure (explorer) drawn in its initial state and replaced by a
  static image of it, with its caption and a note that the HTML book has the
  controls;
- a title page, a contents page with page numbers and links, a page number on
  every page, and PDF bookmarks from the headings;
- links between chapters, to sections, figures and the bibliography rewritten to
  point inside the PDF; a link to a page outside the book (an ``.ipynb``
  download, the index) is unlinked, web links stay.

The chapters are joined into one HTML document (ids prefixed by the chapter's
name, so that two chapters' ``#results`` stay apart) and printed twice: the
contents page's numbers are read off the first print (the page each contents
link leads to, with pypdf) and filled in for the second, which changes no page
break because the numbers' box has a fixed width.

Exits 2 with one line if the build or Chromium is missing.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import html
import json
import sys
import tempfile
from pathlib import Path

import browser_check  # scripts/ is sys.path[0] when this runs as a script
import yaml

from rnnmem_helpers import __version__

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
#: Wide enough that the theme lays the article out as on a desktop, so figures and explorers draw at full size.
VIEWPORT = {"width": 1100, "height": 1400}
#: Crisper raster images of the explorers: twice the CSS pixels.
SCALE = 2
EXPLORER_TIMEOUT_MS = 30_000
#: Placeholder for a contents page number before the first print; same width as any real one.
NO_PAGE = "000"
EXPLORER_NOTE = "Static image of an interactive figure: in the HTML book its controls redraw it."

# Waits until every explorer on the page has drawn (each draws when it nears the viewport), then returns how many.
DRAW_EXPLORERS = """async (timeout) => {
    const hosts = [...document.querySelectorAll('[data-explorer]')];
    for (const host of hosts) {
        host.scrollIntoView();
        const start = Date.now();
        while (!host.rnnmemState) {
            if (Date.now() - start > timeout) throw new Error(`explorer ${host.dataset.explorer} did not draw`);
            await new Promise(r => setTimeout(r, 50));
        }
        await host.rnnmemRedrawn;
    }
    window.scrollTo(0, 0);
    return hosts.length;
}"""

# The chapter's article, ready to sit beside the others: ids prefixed, links inside the book made local, page chrome
# (heading anchors, previous/next, buttons, scripts) and MathJax's hidden screen-reader copies removed.
EXTRACT = """([chapter, chapters]) => {
    const article = document.querySelector('article.bd-article').cloneNode(true);
    article.querySelectorAll('.headerlink, .prev-next-area, button, script, mjx-assistive-mml, .toggle-hidden')
        .forEach(e => e.remove());
    // SVG ids are left alone: MathJax's glyph ids name the same glyph in every chapter.
    article.querySelectorAll('[id]').forEach(e => { if (!e.closest('svg')) e.id = `${chapter}--${e.id}`; });
    // A section's id moves to its heading: a section box may start at the foot of a page whose heading is pushed
    // to the next, and a link (the contents' too) must land on the heading.
    article.querySelectorAll('section[id]').forEach(section => {
        const heading = section.querySelector(':scope > h1, :scope > h2, :scope > h3, :scope > h4');
        if (heading && !heading.id) {
            heading.id = section.id;
            section.removeAttribute('id');
        }
    });
    const here = new URL(window.location.href);
    article.querySelectorAll('a[href]').forEach(a => {
        if (a.closest('svg')) return;
        const url = new URL(a.getAttribute('href'), here);
        if (url.protocol !== 'file:') return;
        const name = url.pathname.split('/').pop().replace(/\\.html$/, '');
        const samePlace = url.pathname.replace(/[^/]*$/, '') === here.pathname.replace(/[^/]*$/, '');
        if (samePlace && chapters.includes(name) && url.pathname.endsWith('.html')) {
            const hash = decodeURIComponent(url.hash.slice(1));
            a.setAttribute('href', hash ? `#${name}--${hash}` : `#${name}`);
        } else {
            a.replaceWith(...a.childNodes);
        }
    });
    article.querySelectorAll('img[src]').forEach(img => img.setAttribute('src', img.src));
    // Titles as HTML, not text: a title may hold math, whose SVG has no text. Its links are unwrapped, since the
    // contents page puts each title inside a link of its own, and a link in a link splits in two.
    const titleHtml = heading => {
        const copy = heading.cloneNode(true);
        copy.querySelectorAll('a').forEach(a => a.replaceWith(...a.childNodes));
        return copy.innerHTML;
    };
    const title = article.querySelector('h1');
    return {
        html: article.innerHTML,
        title: title ? titleHtml(title) : chapter,
        sections: [...article.querySelectorAll('section > h2')].map(h => ({id: h.id, title: titleHtml(h)})),
    };
}"""

# What the first page loads for styling: the theme's style sheets (absolute URLs) and MathJax's own styles.
STYLES = """() => [
    ...[...document.querySelectorAll('link[rel=stylesheet]')].map(l => `<link rel="stylesheet" href="${l.href}">`),
    ...[...document.querySelectorAll('style')].map(s => s.outerHTML),
].join('\\n')"""

PRINT_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm; }
html, body { background: white; }
body { font-size: 10.5pt; margin: 0; }
.pdf-chapter { break-before: page; }
.pdf-chapter > section > h1 { margin-top: 0; }
h1, h2, h3 { break-after: avoid; }
article h1, .pdf-chapter h1 { font-size: 20pt; }
.pdf-chapter h2 { font-size: 15pt; }
.pdf-chapter h3 { font-size: 12.5pt; }
figure, img, table, .cell_output, mjx-container[display="true"] { break-inside: avoid; }
img { max-width: 100%; height: auto; }
pre { white-space: pre-wrap; word-break: break-word; font-size: 8.5pt; }
table { font-size: 8.5pt; }
td, th { word-break: break-word; }
.pdf-title { text-align: center; padding-top: 30%; }
.pdf-title h1 { font-size: 24pt; }
.pdf-contents { break-before: page; }
.pdf-contents ol { list-style: none; padding-left: 0; }
.pdf-contents li { margin: 0.15em 0; }
.pdf-contents ol ol { padding-left: 1.5em; font-size: 0.92em; }
.pdf-contents a { display: flex; text-decoration: none; color: inherit; }
.pdf-contents .dots { flex: 1; border-bottom: 1px dotted #999; margin: 0 0.4em 0.3em; }
.pdf-contents .page { display: inline-block; width: 2.5em; text-align: right; font-variant-numeric: tabular-nums; }
.pdf-part { font-weight: bold; margin-top: 0.8em !important; }
.pdf-explorer img { border: 1px solid #ddd; }
.pdf-explorer figcaption { font-size: 9pt; }
"""

FOOTER = (
    '<div style="font-size:8px; width:100%; text-align:center; color:#555;">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


def toc_parts() -> list[tuple[str | None, list[str]]]:
    """The book's chapters by part, from ``_toc.yml``: (caption, chapter names); the root first, with no caption."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    parts = [(None, [Path(toc["root"]).name])]
    parts += [(p.get("caption"), [Path(c["file"]).name for c in p["chapters"]]) for p in toc.get("parts", [])]
    return parts


def explorer_images(page) -> None:
    """Replace every explorer on ``page`` by a static image of its drawn figure, keeping its caption as text."""
    page.evaluate(DRAW_EXPLORERS, EXPLORER_TIMEOUT_MS)
    hosts = page.locator("[data-explorer]")
    # Each replaced explorer leaves the list, so the next one is always the first.
    while hosts.count():
        host = hosts.first
        png = host.locator(".rnnmem-plot").screenshot(animations="disabled")
        caption = host.locator("figcaption").inner_text()
        src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        host.evaluate(
            """(e, [src, caption, note]) => {
                const figure = document.createElement('figure');
                figure.className = 'pdf-explorer';
                const img = document.createElement('img');
                img.src = src;
                img.alt = caption;
                const text = document.createElement('figcaption');
                text.textContent = `${caption} ${note}`;
                figure.append(img, text);
                e.replaceWith(figure);
            }""",
            [src, caption, EXPLORER_NOTE],
        )


def read_chapters(browser, html_dir: Path) -> tuple[list[dict], str]:
    """Open each chapter from disk and return its extracted content, and the style tags of the first page."""
    names = [name for _, chapters in toc_parts() for name in chapters]
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=SCALE)
    chapters, styles = [], ""
    try:
        for name in names:
            page = context.new_page()
            path = html_dir / "book" / f"{name}.html"
            page.goto(path.as_uri(), wait_until="load")
            page.evaluate(browser_check.WAIT_FOR_MATHJAX)
            explorer_images(page)
            chapters.append({"name": name, **page.evaluate(EXTRACT, [name, names])})
            styles = styles or page.evaluate(STYLES)
            page.close()
    finally:
        context.close()
    return chapters, styles


def contents(chapters: list[dict], pages: dict[str, str]) -> str:
    """The contents page: parts, chapters and their sections, each a link with its page number."""
    by_name = {c["name"]: c for c in chapters}

    def entry(anchor, title_html):
        # title_html is the heading's own markup from the build, math included.
        number = html.escape(pages.get(anchor, NO_PAGE))
        return (f'<a href="#{html.escape(anchor)}"><span>{title_html}</span><span class="dots"></span>'
                f'<span class="page">{number}</span></a>')

    items = []
    for caption, names in toc_parts():
        if caption:
            items.append(f'<li class="pdf-part">{html.escape(caption)}</li>')
        for name in names:
            chapter = by_name[name]
            sections = "".join(f"<li>{entry(s['id'], s['title'])}</li>" for s in chapter["sections"])
            items.append(f"<li>{entry(name, chapter['title'])}<ol>{sections}</ol></li>")
    return f'<nav class="pdf-contents"><h1>Contents</h1><ol>{"".join(items)}</ol></nav>'


def document(chapters: list[dict], styles: str, pages: dict[str, str]) -> str:
    """The whole book as one HTML document."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    title = html.escape(config["title"])
    body = "\n".join(
        f'<div class="pdf-chapter" id="{html.escape(c["name"])}">{c["html"]}</div>' for c in chapters
    )
    return f"""<!DOCTYPE html>
<html lang="en" data-theme="light" data-mode="light">
<head>
<meta charset="utf-8">
<title>{title}</title>
{styles}
<style>{PRINT_CSS}</style>
</head>
<body>
<section class="pdf-title">
<h1>{title}</h1>
<p>{html.escape(config.get("author", ""))}</p>
<p>Version {html.escape(__version__)}, {dt.date.today().isoformat()}</p>
<p>Code: MIT licence. Text and figures: CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).</p>
</section>
{contents(chapters, pages)}
{body}
</body>
</html>
"""


def print_pdf(browser, source: Path, out: Path) -> None:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(source.as_uri(), wait_until="load")
        page.emulate_media(media="print")
        page.pdf(
            path=str(out),
            format="A4",
            print_background=True,
            display_header_footer=True,
            header_template="<div></div>",
            footer_template=FOOTER,
            margin={"top": "18mm", "bottom": "20mm", "left": "16mm", "right": "16mm"},
            outline=True,
            tagged=True,
        )
    finally:
        context.close()


def link_pages(pdf: Path, first_pages: int) -> list[int]:
    """1-based target page of each internal link on the first ``first_pages`` pages of ``pdf``, in order.

    Chromium writes a link to ``#id`` as a link annotation to the named destination ``/id``.
    """
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    named = reader.named_destinations
    targets = []
    for page in reader.pages[:first_pages]:
        links = [a.get_object() for a in page.get("/Annots", []) if a.get_object().get("/Subtype") == "/Link"]
        # Top to bottom, as the contents list them.
        links.sort(key=lambda a: -float(a["/Rect"][3]))
        targets += [reader.get_destination_page_number(named[str(a["/Dest"])]) + 1 for a in links if "/Dest" in a]
    return targets


def contents_anchors(chapters: list[dict]) -> list[str]:
    """The anchors the contents page links to, in its order."""
    by_name = {c["name"]: c for c in chapters}
    anchors = []
    for _, names in toc_parts():
        for name in names:
            anchors += [name, *(s["id"] for s in by_name[name]["sections"])]
    return anchors


def user_error(message: str) -> int:
    """Report a user error as one line on stderr, as the package's command line does; returns the exit code, 2."""
    print(f"{Path(__file__).name}: error: {message}", file=sys.stderr)
    return 2


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html", help="the built book (HTML)")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" / "rnnmem.pdf", help="the PDF to write")
    args = parser.parse_args(argv)
    html_dir = args.html.resolve()
    if not (html_dir / "book" / "intro.html").is_file():
        return user_error(f"{args.html}: no built book there; run `jupyter-book build .` first")
    if not CHROMIUM.is_file():
        return user_error(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=browser_check.CHROMIUM_ARGS)
        try:
            chapters, styles = read_chapters(browser, html_dir)
            source, draft = Path(tmp) / "book.html", Path(tmp) / "draft.pdf"
            source.write_text(document(chapters, styles, {}), encoding="utf-8")
            print_pdf(browser, source, draft)
            anchors = contents_anchors(chapters)
            # The contents come right after the title page; they take as many pages as links lead from them.
            targets = link_pages(draft, first_pages=1 + len(anchors))[: len(anchors)]
            # A missing link would shift every number after it: stop rather than print wrong page numbers.
            if len(targets) != len(anchors):
                raise RuntimeError(f"the draft's contents hold {len(targets)} links, expected {len(anchors)}")
            pages = {a: str(p) for a, p in zip(anchors, targets, strict=True)}
            source.write_text(document(chapters, styles, pages), encoding="utf-8")
            print_pdf(browser, source, args.out)
        finally:
            browser.close()
    print(json.dumps({"pdf": str(args.out), "chapters": len(chapters), "bytes": args.out.stat().st_size}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
