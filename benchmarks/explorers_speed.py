"""Benchmark the book's explorers as a reader meets them: page weight, load time, redraw time.

    python benchmarks/explorers_speed.py [--html _build/html] [--moves 20]

Issue 11's targets, for every page that holds an explorer, opened from disk
(``file://``) in headless Chromium:

- the page loads, MathJax included, in under 2 s;
- it weighs under 8 MB at load: all files of the build it loads until every
  explorer has drawn its first figure and the page is idle, before a control
  moves (the networks of other delays load when a reader chooses them; the
  weight once every network has been chosen is printed too, with no target);
- an explorer redraws within 100 ms of a control change.

A redraw is timed inside the page, from the control's ``input`` event to the
first animation frame after the explorer's redraw promise
(``host.rnnmemRedrawn``) settles, so the time counts what the explorer
computes and what plotly draws, not the round trips of the browser driver.
The first choice of a network also fetches its data file; those moves are
reported apart ("first load") and count towards the target too. Moves start once
the explorer's first draw has settled and the page has been idle, as a reader
moves a control after seeing the figure. Each control is moved ``--moves``
times, back and forth across its range.

Prints one line per page and per control (median and maximum in ms), then
one line per target with its verdict; exits 1 if a target is missed. The
machine matters: Chromium here draws WebGL in software (SwiftShader), which is
slower than a reader's GPU; and run it alone, as the other benchmarks: a busy
CPU slows the browser's drawing most of all.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

# The browser check's page plumbing (Chromium flags, which URLs are the build's, the chapters in order) is
# reused rather than copied, so that the benchmark opens pages exactly as the check does.
_spec = importlib.util.spec_from_file_location(
    "browser_check", Path(__file__).resolve().parent.parent / "scripts" / "browser_check.py"
)
browser_check = importlib.util.module_from_spec(_spec)
sys.modules["browser_check"] = browser_check  # its dataclasses look their module up while being defined
_spec.loader.exec_module(browser_check)
INLINE_SCHEMES, ROOT = browser_check.INLINE_SCHEMES, browser_check.ROOT
WAIT_FOR_MATHJAX, local_file = browser_check.WAIT_FOR_MATHJAX, browser_check.local_file
toc_pages = browser_check.toc_pages

LOAD_TARGET_S = 2.0
WEIGHT_TARGET_MB = 8.0
REDRAW_TARGET_MS = 100.0

# One move of one control, timed in the page. A select steps to its next option (wrapping), a range
# steps by one step, turning back at its ends; only `input` is dispatched, as a keyboard move does.
TIMED_MOVE = """async ([control, host, direction]) => {
    const t0 = performance.now();
    if (control.tagName === 'SELECT') {
        control.selectedIndex = (control.selectedIndex + 1) % control.options.length;
    } else if (direction > 0) {
        control.stepUp();
    } else {
        control.stepDown();
    }
    control.dispatchEvent(new Event('input', {bubbles: true}));
    await host.rnnmemRedrawn;
    await new Promise(resolve => requestAnimationFrame(resolve));
    return performance.now() - t0;
}"""
# A reader moves a control after seeing the figure, not in the frame it appears: moves start once the first
# draw has settled and the page has been idle (a few hundred ms at most), which is also when the network and
# pulse explorers warm their WebGL scenes up.
SETTLE = """async (host) => {
    await host.rnnmemRedrawn;
    await new Promise(resolve => requestIdleCallback(resolve, {timeout: 2000}));
    await host.rnnmemRedrawn;
}"""
AT_END = """([control, direction]) => control.tagName !== 'SELECT'
    && (direction > 0 ? Number(control.value) >= Number(control.max) : Number(control.value) <= Number(control.min))"""
N_LOADED = "() => Object.keys(window.rnnmem_data || {}).length"
LABEL = "e => (e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].textContent) || '').trim()"


def bench_page(context, html: Path, rel: str, moves: int) -> tuple[list[str], dict]:
    """Time one page; return its report lines and its figures (load s, weight MB, worst warm redraw ms)."""
    files: set[Path] = set()
    page = context.new_page()
    page.on(
        "request",
        lambda r: urlparse(r.url).scheme in INLINE_SCHEMES or files.add(local_file(r.url, html, None) or Path()),
    )
    start = time.perf_counter()
    page.goto((html / rel).as_uri(), wait_until="load")
    page.evaluate(WAIT_FOR_MATHJAX)
    load_s = time.perf_counter() - start
    page.wait_for_load_state("networkidle")
    lines, worst = [], 0.0
    explorers = page.locator("[data-explorer]")
    for i in range(explorers.count()):
        explorers.nth(i).scroll_into_view_if_needed()
        host = explorers.nth(i).element_handle()
        page.wait_for_function("h => h.rnnmemState !== undefined", arg=host)
        page.evaluate(SETTLE, host)
    at_load = _weight(files)
    for i in range(explorers.count()):
        explorer = explorers.nth(i)
        explorer.scroll_into_view_if_needed()
        host = explorer.element_handle()
        page.evaluate(SETTLE, host)
        controls = explorer.locator("input[type=range], select")
        for j in range(controls.count()):
            control = controls.nth(j).element_handle()
            warm, first, direction = [], [], 1
            for _ in range(moves):
                if page.evaluate(AT_END, [control, direction]):
                    direction = -direction
                networks = page.evaluate(N_LOADED)
                ms = page.evaluate(TIMED_MOVE, [control, host, direction])
                (first if page.evaluate(N_LOADED) > networks else warm).append(ms)
            label = page.evaluate(LABEL, control) or f"control {j}"
            # A first choice of a network waits for its data file too: the reader waits as long, so it counts.
            worst = max([worst, *warm, *first])
            name = explorer.get_attribute("data-explorer")
            parts = [
                f"{what} median {statistics.median(times):.0f} ms, max {max(times):.0f} ms over {len(times)} moves"
                for what, times in (("redraw", warm), ("first load of a network", first))
                if times
            ]
            lines.append(f"  {name} / {label}: " + "; ".join(parts))
    page.close()
    everything = _weight(files)
    head = (
        f"{rel}: loads from file:// and typesets in {load_s:.2f} s; {at_load[0]:.2f} MB in {at_load[1]} files at "
        f"load, {everything[0]:.2f} MB in {everything[1]} files once every network has been chosen"
    )
    return [head, *lines], {"load_s": load_s, "weight_mb": at_load[0], "redraw_ms": worst}


def _weight(files: set[Path]) -> tuple[float, int]:
    """Size in MB and number of the build's files among ``files``."""
    found = [f for f in files if f != Path() and f.is_file()]
    return sum(f.stat().st_size for f in found) / 1e6, len(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    if args.moves < 1:
        print(f"--moves: must be a positive integer, got {args.moves}", file=sys.stderr)
        return 2
    html = args.html.resolve()
    if not (html / "index.html").is_file():
        print(f"--html: no built book at {args.html}; run jupyter-book build . first", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    worst = {"load_s": 0.0, "weight_mb": 0.0, "redraw_ms": 0.0}
    with sync_playwright() as pw:
        context = browser_check.offline_context(pw, args.chromium, html, None)
        for rel in toc_pages():
            if not (html / rel).is_file():
                print(f"--html: {rel} (in _toc.yml) is not in the build at {args.html}; rebuild", file=sys.stderr)
                return 2
            if "data-explorer" not in (html / rel).read_text(encoding="utf-8"):
                continue
            lines, figures = bench_page(context, html, rel, args.moves)
            print("\n".join(lines))
            worst = {k: max(worst[k], figures[k]) for k in worst}
        context.browser.close()
    verdicts = [
        ("load from disk", worst["load_s"], LOAD_TARGET_S, "s"),
        ("weight at load", worst["weight_mb"], WEIGHT_TARGET_MB, "MB"),
        ("redraw after a control change", worst["redraw_ms"], REDRAW_TARGET_MS, "ms"),
    ]
    for what, value, target, unit in verdicts:
        print(f"{'ok  ' if value < target else 'MISS'} {what}: worst {value:.2f} {unit} (target < {target:g} {unit})")
    return 0 if all(value < target for _, value, target, _ in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
