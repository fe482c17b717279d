"""Load every chapter of the built book in headless Chromium and check what a reader sees.

    python scripts/browser_check.py [--html _build/html] [--shots /tmp/rnnmem-screens]

Serves the HTML on 127.0.0.1, opens each page of _toc.yml, and fails if a page
raises a JavaScript error, logs a console error, or has a figure image that
does not load. Requests to other hosts (CDN scripts such as MathJax or the
widget manager) are blocked, since CI has no network: the check is that the
book degrades without them, not that they load. Screenshots go outside the repo.
Needs Debian's chromium (/usr/bin/chromium) and the playwright package.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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


def check_page(page, url: str, shot: Path) -> list[str]:
    problems: list[str] = []
    blocked: set[str] = set()
    page.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))

    def on_console(msg):
        if msg.type == "error" and not any(b in msg.text for b in blocked) and "ERR_FAILED" not in msg.text:
            problems.append(f"console error: {msg.text}")

    page.on("console", on_console)
    response = page.goto(url, wait_until="load")
    if response is None or not response.ok:
        return [f"HTTP {response.status if response else 'no response'}"]
    page.wait_for_timeout(500)
    images = page.eval_on_selector_all(
        "main img", "els => els.map(e => ({src: e.currentSrc || e.src, ok: e.complete && e.naturalWidth > 0}))"
    )
    local = [im for im in images if urlparse(im["src"]).hostname == "127.0.0.1"]
    problems += [f"image did not load: {im['src']}" for im in local if not im["ok"]]
    page.screenshot(path=str(shot), full_page=True)
    page.remove_listener("console", on_console)
    return problems + [f"__images {len(local)}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--shots", type=Path, default=Path("/tmp/rnnmem-screens"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    if not (args.html / "index.html").is_file():
        print(f"no built book at {args.html}; run jupyter-book build . first", file=sys.stderr)
        return 2
    args.shots.mkdir(parents=True, exist_ok=True)
    server, base = serve(args.html)
    failures = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route(
            "**/*",
            lambda route: route.continue_() if urlparse(route.request.url).hostname == "127.0.0.1" else route.abort(),
        )
        for rel in toc_pages():
            page = context.new_page()
            shot = args.shots / (rel.replace("/", "_").replace(".html", ".png"))
            result = check_page(page, f"{base}/{rel}", shot)
            n_images = int(result.pop()[len("__images ") :]) if result and result[-1].startswith("__images") else 0
            status = "ok" if not result else "FAIL"
            failures += bool(result)
            print(f"{status:4} {rel}: {n_images} images, screenshot {shot}")
            for p in result:
                print(f"     {p}")
            page.close()
        browser.close()
    server.shutdown()
    print(f"{len(toc_pages()) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
