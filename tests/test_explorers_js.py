"""The book's explorers (book/_static/rnnmem/explorers.js) against the package, in headless Chromium.

A minimal page loads plotly.js, forward.js, the encoding script, explorers.js and
the data script that the book's Sphinx extension writes for the shipped Δt = 8
network. The numbers the
explorers show must be what the package computes: the task explorer's accuracy
equals :func:`rnnmem_helpers.core.metrics.score` of :func:`rnnmem_helpers.core.model.simulate`
on the very stream the page drew (read back from the page), its targets equal
:func:`rnnmem_helpers.core.task.targets_from_inputs`, and the pulse explorer's outputs
equal ``simulate`` from the exported attractor.
"""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from rnnmem_helpers import load_pretrained, score, simulate
from rnnmem_helpers.chapters.encoding import to_browser
from rnnmem_helpers.chapters.explorer_data import export_network, to_json
from rnnmem_helpers.core.task import targets_from_inputs

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
STATIC = ROOT / "book" / "_static" / "rnnmem"
PLOTLY = ROOT / "node_modules" / "plotly.js-gl3d-dist-min" / "plotly-gl3d.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
DELAY = 8

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.is_file(), reason="needs Debian's Chromium at /usr/bin/chromium"),
    pytest.mark.skipif(not PLOTLY.is_file(), reason="needs the book's browser assets: run `npm ci`"),
]

# The task explorer's last computation, as JSON text (exact float64) with the caption it shows.
TASK_STATE = """() => {
    const host = document.querySelector('[data-explorer=task]');
    const s = host.rnnmemState, plain = (rows) => rows ? rows.map((r) => Array.from(r)) : null;
    return JSON.stringify({delay: s.delay, lambda: s.lambda, scope: s.scope, seed: s.seed, inputs: plain(s.inputs),
        targets: plain(s.targets), mask: s.mask, accuracy: s.accuracy,
        caption: host.querySelector('[data-explorer-figure] figcaption').textContent});
}"""


def _load_extension():
    spec = importlib.util.spec_from_file_location("rnnmem_sphinx", ROOT / "book" / "_ext" / "rnnmem_sphinx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    ext = _load_extension()
    folder = tmp_path_factory.mktemp("data")
    data = folder / f"network_delay{DELAY}.js"
    data.write_text(ext.data_script(DELAY, export_network(load_pretrained(DELAY), rng=ext.DATA_RNG)), encoding="utf-8")
    encoding = folder / "encoding.js"
    encoding.write_text(ext.encoding_script(), encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.set_content("<!doctype html><html><head><title>explorers</title></head><body></body></html>")
        for script in (PLOTLY, STATIC / "forward.js", encoding, data, STATIC / "explorers.js"):
            page.add_script_tag(path=str(script))
        # The explorers start on a page that has already loaded, as on a book page whose scripts come first.
        page.evaluate("""() => {
            for (const name of ['task', 'network', 'pulse']) {
                const div = document.createElement('div');
                div.setAttribute('data-explorer', name);
                document.body.appendChild(div);
            }
            rnnmem.explorers.init();
        }""")
        # Each explorer draws once it is near the viewport.
        page.wait_for_function("() => [...document.querySelectorAll('[data-explorer]')].every((e) => e.rnnmemState)")
        yield page
        browser.close()
    assert errors == [], errors


def _task_state(page) -> dict:
    page.evaluate("() => document.querySelector('[data-explorer=task]').rnnmemRedrawn")
    return json.loads(page.evaluate(TASK_STATE))


def _press(page, label: str, key: str, times: int = 1) -> None:
    control = page.locator("[data-explorer=task]").get_by_label(label, exact=True)
    control.focus()
    for _ in range(times):
        page.keyboard.press(key)


def _python_accuracy(state: dict) -> float:
    inputs = np.array(state["inputs"])
    outputs = simulate(load_pretrained(state["delay"]).weights, inputs)[1]
    targets, mask = targets_from_inputs(inputs[None], state["delay"])
    return score(outputs, targets[0], mask[0])[0]


def test_the_data_script_gives_the_page_the_packages_export(page):
    got = json.loads(page.evaluate(f"() => JSON.stringify(rnnmem_data[{DELAY}])"))

    assert got == json.loads(to_json(export_network(load_pretrained(DELAY), rng=0)))


def test_task_explorer_accuracy_is_the_packages_score_on_the_same_stream(page):
    state = _task_state(page)

    assert (state["delay"], state["lambda"], state["scope"], state["seed"]) == (DELAY, 50, "all", 0)
    assert state["accuracy"] == _python_accuracy(state)
    targets, mask = targets_from_inputs(np.array(state["inputs"])[None], DELAY)
    assert np.array_equal(np.array(state["targets"]), targets[0]) and np.array_equal(np.array(state["mask"]), mask[0])
    assert f"accuracy {100 * state['accuracy']:.2f}%" in state["caption"]


def test_task_explorer_keeps_matching_as_the_reader_moves_the_controls(page):
    # A denser stream under the other reading and another seed: more switches, so errors would show.
    _press(page, "λ", "ArrowLeft", 8)
    _press(page, "rate reading", "ArrowDown")
    _press(page, "seed", "ArrowRight", 3)
    state = _task_state(page)

    assert (state["delay"], state["lambda"], state["scope"], state["seed"]) == (DELAY, 10, "per_channel", 3)
    assert np.count_nonzero(state["inputs"]) > 60
    assert state["accuracy"] is not None and state["accuracy"] == _python_accuracy(state)


def test_task_explorer_says_when_no_network_learned_the_delay(page):
    _press(page, "Δt", "ArrowLeft")  # 7: not shipped
    state = _task_state(page)

    assert state["delay"] == DELAY - 1 and state["accuracy"] is None
    assert "No stored network learned Δt = 7" in state["caption"]
    _press(page, "Δt", "ArrowRight")
    assert _task_state(page)["accuracy"] is not None


@pytest.mark.parametrize("channel", [0, 2])
def test_pulse_explorer_outputs_are_simulate_from_the_exported_attractor(page, channel):
    got = json.loads(
        page.evaluate(
            f"""() => {{
                const r = rnnmem.explorers.pulseResponse(rnnmem_data[{DELAY}], {channel});
                return JSON.stringify({{outputs: r.outputs.map((row) => Array.from(row)), start: r.start.index}});
            }}"""
        )
    )
    export = export_network(load_pretrained(DELAY), rng=0)
    start = export["fixed_points"]["points"][got["start"]]
    assert start["n_unstable"] == 0 and start["signs"] == "---"
    steps = len(got["outputs"]) - 1
    inputs = np.zeros((steps, 3))
    inputs[2, channel] = 1.0  # the pulse arrives at step 3; step 0 is the attractor itself
    outputs = simulate(load_pretrained(DELAY).weights, inputs, s0=np.array(start["state"]))[1]
    assert np.abs(np.array(got["outputs"][1:]) - outputs).max() <= 1e-10
    # The pulsed output holds its sign through the wait and has switched once it is over.
    assert np.all(outputs[: 2 + DELAY - 1, channel] < 0) and np.all(outputs[2 + DELAY + 1 :, channel] > 0)


def test_explorers_draw_with_the_books_encoding(page):
    """Channel labels, output colours and fixed-point markers come from rnnmem_helpers.chapters.encoding."""
    enc = to_browser()
    got = json.loads(page.evaluate("""() => {
        const pulse = document.querySelector('[data-explorer=pulse]');
        const network = document.querySelector('[data-explorer=network] .rnnmem-space');
        const time = pulse.querySelector('.rnnmem-time');
        return JSON.stringify({
            channels: [...pulse.querySelectorAll('select')[1].options].map((o) => o.textContent),
            outputs: time.data.filter((t) => t.name && t.name.startsWith('output')).map((t) => [t.name, t.line.color]),
            points: network.data.filter((t) => t.mode === 'markers' && t.showlegend !== false)
                .map((t) => [t.name, t.marker.symbol, t.marker.color]),
            paths: network.data.filter((t) => t.mode === 'lines' && t.showlegend !== false)
                .map((t) => [t.name, t.line.color]),
        });
    }"""))
    export = export_network(load_pretrained(DELAY), rng=0)
    counts = sorted({min(p["n_unstable"], enc["many_unstable"]) for p in export["fixed_points"]["points"]})

    assert got["channels"] == enc["channel_labels"]
    assert got["outputs"] == [[f"output {label}", colour] for label, colour in
                              zip(enc["channel_labels"], enc["channel_colors"], strict=True)]
    assert got["points"] == [[s["label"], s["symbol"], s["color"]] for s in (enc["fixed_points"][n] for n in counts)]
    # Output pattern k (signs read as binary, - -> 0, channel 1 first) is drawn in state colour k.
    for name, colour in got["paths"]:
        index = int(name.removeprefix("output ").replace("\u2212", "0").replace("+", "1"), 2)
        assert colour == enc["state_colors"][index]
