"""Check that the book's explorers lay out on any screen: a wide window, a window narrowed, a phone.

    from explorer_layout import check_explorer_layout
    problems = check_explorer_layout(page)   # a playwright page at a chapter with explorers

:func:`check_explorer_layout` loads the page afresh at 1280 px, narrows the
window to 800 px without reloading (as a reader resizing it), then loads it
afresh at 390 px (a phone), and at each width looks at every explorer
(``[data-explorer]``) once it has drawn:

- a panel (a plotly figure) collapsed to almost nothing, or a figure wider or
  taller than its panel, which then cuts it off;
- two titles of panels (plotly annotations) overlapping;
- a legend running out of its figure, or scrolling because its figure is too
  short for it;
- the page wider than the window.

It returns the problems as sentences naming the width, the explorer and what
is wrong (none: an empty list), and leaves the page at its first viewport,
reloaded. scripts/browser_check.py calls it on every chapter with explorers.
"""

from __future__ import annotations

#: (label, viewport width, whether the page is loaded afresh at that width).
STAGES = (("at 1280 px", 1280, True), ("after a resize from 1280 to 800 px", 800, False), ("at 390 px", 390, True))
#: Smallest width and height in px of a panel that has not collapsed.
MIN_PANEL_PX = 120
#: Overlaps and overflows smaller than this, in px, are rounding, not layout.
SLACK_PX = 1.5

# Waits until the explorer `host` has drawn and settled, at least two frames after the call, so that a relayout
# queued by a resize has started and its redraw promise is the one awaited.
SETTLED = """async (host) => {
    for (let i = 0; i < 2; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
    await host.rnnmemRedrawn;
    await new Promise((resolve) => requestAnimationFrame(resolve));
}"""

# Everything the checks need about one explorer, measured in the page.
MEASURE = """(host) => {
    const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
    return [...host.querySelectorAll('.js-plotly-plot')].map((plot) => {
        const svg = plot.querySelector('.main-svg');
        const legend = plot.querySelector('g.legend');
        const scrollbar = legend && legend.querySelector('.scrollbar');
        return {
            name: plot.className.split(' ').find((c) => c.startsWith('rnnmem-')) || 'panel',
            box: box(plot),
            svg: svg ? [Number(svg.getAttribute('width')), Number(svg.getAttribute('height'))] : null,
            titles: [...plot.querySelectorAll('g.annotation')].map((a) => [a.textContent, box(a)]),
            legend: legend ? [...legend.querySelectorAll('g.traces')].map((t) => [t.textContent, box(t)]) : [],
            scrolls: Boolean(scrollbar && scrollbar.getBoundingClientRect().height > 0),
        };
    });
}"""

PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def _overlap(a, b) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > SLACK_PX and min(a[3], b[3]) - max(a[1], b[1]) > SLACK_PX


def _outside(inner, outer) -> bool:
    return (
        inner[0] < outer[0] - SLACK_PX
        or inner[1] < outer[1] - SLACK_PX
        or inner[2] > outer[2] + SLACK_PX
        or inner[3] > outer[3] + SLACK_PX
    )


def panel_problems(explorer: str, panels: list[dict]) -> list[str]:
    """The layout problems of one explorer's panels, as measured by ``MEASURE``.

    Parameters
    ----------
    explorer : str
        The explorer's name, for the messages.
    panels : list of dict
        Per plotly figure: ``name``, ``box`` (its element's [left, top, right,
        bottom] in px), ``svg`` ([width, height] plotly drew, or None),
        ``titles`` and ``legend`` (lists of [text, box]) and ``scrolls``
        (whether its legend scrolls).

    Returns
    -------
    list of str
    """
    problems = []
    titles = []
    if not panels:
        problems.append(f"explorer {explorer}: no figure drawn")
    for p in panels:
        where = f"explorer {explorer}, panel {p['name']}"
        width, height = p["box"][2] - p["box"][0], p["box"][3] - p["box"][1]
        if width < MIN_PANEL_PX or height < MIN_PANEL_PX:
            problems.append(f"{where}: collapsed to {width:.0f} x {height:.0f} px")
        elif p["svg"] is not None and (p["svg"][0] > width + SLACK_PX or p["svg"][1] > height + SLACK_PX):
            problems.append(
                f"{where}: figure drawn {p['svg'][0]:.0f} x {p['svg'][1]:.0f} px in a panel of "
                f"{width:.0f} x {height:.0f} px, so it is cut off"
            )
        out = [text for text, entry in p["legend"] if _outside(entry, p["box"])]
        if out:
            problems.append(f"{where}: legend entries {', '.join(map(repr, out))} run out of the figure (clipped)")
        if p["scrolls"]:
            problems.append(f"{where}: the legend does not fit its figure and scrolls (clipped)")
        titles += p["titles"]
    for i, (text, a) in enumerate(titles):
        for other, b in titles[i + 1 :]:
            if _overlap(a, b):
                problems.append(f"explorer {explorer}: panel titles {text!r} and {other!r} overlap")
    return problems


def _explorer_problems(page) -> list[str]:
    problems = []
    explorers = page.locator("[data-explorer]")
    for i in range(explorers.count()):
        explorer = explorers.nth(i)
        explorer.scroll_into_view_if_needed()
        host = explorer.element_handle()
        page.wait_for_function("h => h.rnnmemState !== undefined", arg=host)
        page.evaluate(SETTLED, host)
        name = explorer.get_attribute("data-explorer") or str(i)
        problems += panel_problems(name, page.evaluate(MEASURE, host))
    scroll_width, window_width = page.evaluate(PAGE_WIDTH)
    if scroll_width > window_width:
        problems.append(f"the page is {scroll_width} px wide in a window of {window_width} px")
    return problems


def check_explorer_layout(page) -> list[str]:
    """Check the layout of a chapter's explorers at 1280 px, after a resize to 800 px, and at 390 px.

    Parameters
    ----------
    page : playwright.sync_api.Page
        At a chapter with explorers. It is reloaded at each fresh width and
        left reloaded at the viewport it had.

    Returns
    -------
    list of str
        One sentence per problem, starting with the width at which it shows;
        empty if there is none.
    """
    original = page.viewport_size or {"width": 1280, "height": 900}
    height = original["height"]
    problems = []
    try:
        for label, width, fresh in STAGES:
            page.set_viewport_size({"width": width, "height": height})
            if fresh:
                page.reload(wait_until="load")
            problems += [f"{label}: {p}" for p in _explorer_problems(page)]
    finally:
        page.set_viewport_size(original)
        page.reload(wait_until="load")
    return problems
