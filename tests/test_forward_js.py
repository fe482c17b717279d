"""The browser's forward pass (book/_static/rnnmem/forward.js) against the package, in headless Chromium.

Each shipped network is exported by :mod:`rnnmem_helpers.chapters.explorer_data`, its
JSON text parsed by the page exactly as an explorer would, and run on a
1000-step stream of :func:`make_stream`; states and outputs must match
:func:`rnnmem_helpers.core.model.simulate` on the checkpoint, and the targets and
accuracy must match the package's task and metrics.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from rnnmem_helpers import TaskConfig, available_pretrained, load_pretrained, make_stream, score, simulate
from rnnmem_helpers.chapters.explorer_data import FORMAT_VERSION, export_all
from rnnmem_helpers.core.checkpoints import pretrained_path
from rnnmem_helpers.core.task import targets_from_inputs

CHROMIUM = Path("/usr/bin/chromium")
FORWARD_JS = Path(__file__).resolve().parents[1] / "book" / "_static" / "rnnmem" / "forward.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHIPPED = sorted(d for d, s in available_pretrained() if s == 0)
N_STEPS = 1000
TOLERANCE = 1e-5
FLOAT64_TOLERANCE = 1e-10

pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(), reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"
)

# Results come back as JSON text: it holds every float64 exactly and crosses to Python far faster than arrays.
RUN_JS = """([text, inputs]) => {
    const net = JSON.parse(text);
    const r = rnnmem.simulate(net, inputs);
    const plain = (rows) => rows.map((row) => Array.from(row));
    return JSON.stringify({states: plain(r.states), outputs: plain(r.outputs)});
}"""

TARGETS_JS = """([inputs, delay]) => {
    const r = rnnmem.taskTargets(inputs, delay);
    return {targets: r.targets.map((row) => Array.from(row)), mask: r.mask};
}"""


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.set_content("<!doctype html><html><head><title>forward.js</title></head><body></body></html>")
        page.add_script_tag(path=str(FORWARD_JS))
        yield page
        browser.close()
    assert errors == [], errors


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The JSON text of every shipped seed-0 network, by delay."""
    sizes = export_all(tmp_path_factory.mktemp("explorer"), rng=0)
    return {int(path.stem.removeprefix("network_delay")): path.read_text(encoding="utf-8") for path in sizes}


@pytest.fixture(scope="module")
def stream():
    s = make_stream(TaskConfig(), N_STEPS, rng=np.random.default_rng(20240611))
    # A stream without pulses on every channel would leave part of the network untested.
    assert np.all(np.count_nonzero(s.inputs, axis=0) >= 3)
    return s


def _js_errors(page, script: str) -> str | None:
    """The error ``script`` throws, as ``"TypeError: message"``; None if it throws nothing."""
    return page.evaluate(
        f"""() => {{
            try {{ ({script})(); return null; }}
            catch (e) {{ return e.constructor.name + ": " + e.message; }}
        }}"""
    )


def test_every_shipped_network_is_exported(exported):
    assert SHIPPED and sorted(exported) == SHIPPED


def test_the_script_reads_the_format_the_package_writes(page):
    assert page.evaluate("() => rnnmem.FORMAT_VERSION") == FORMAT_VERSION


@pytest.mark.parametrize("delay", SHIPPED)
def test_forward_pass_matches_simulate(page, exported, stream, delay):
    ckpt = load_pretrained(delay)
    got = json.loads(page.evaluate(RUN_JS, [exported[delay], stream.inputs.tolist()]))
    states, outputs = simulate(ckpt.weights, stream.inputs)
    js_states, js_outputs = np.array(got["states"]), np.array(got["outputs"])
    assert js_states.shape == states.shape and js_outputs.shape == outputs.shape
    assert np.abs(js_states - states).max() <= TOLERANCE
    assert np.abs(js_outputs - outputs).max() <= TOLERANCE
    # Float64 throughout: float32 arithmetic anywhere leaves differences of ~1e-7, float64 leaves ~1e-15
    # (summation order and tanh's last bit), which the networks' contracting dynamics do not amplify.
    assert max(np.abs(js_states - states).max(), np.abs(js_outputs - outputs).max()) <= FLOAT64_TOLERANCE


@pytest.mark.parametrize("delay", SHIPPED)
def test_the_page_parses_the_weights_to_the_checkpoints_float32_values(page, exported, delay):
    got = page.evaluate(
        """(text) => {
            const w = JSON.parse(text).weights;
            const all = [...w.W.data, ...w.W_in.data, ...w.W_out.data];
            const float32 = all.every((v) => Math.fround(v) === v);
            return {W: w.W.data, W_in: w.W_in.data, W_out: w.W_out.data, float32: float32};
        }""",
        exported[delay],
    )
    assert got["float32"]
    with np.load(pretrained_path(delay)) as npz:
        for name in ("W", "W_in", "W_out"):
            want = npz[name]
            parsed = np.array(got[name], dtype=np.float64)
            assert np.array_equal(parsed, want.astype(np.float64).ravel())
            assert np.array_equal(parsed.astype(np.float32).view(np.uint32), want.ravel().view(np.uint32))


@pytest.mark.parametrize("delay", [0, 8])
def test_targets_and_accuracy_match_the_package(page, exported, stream, delay):
    if delay not in exported:
        pytest.skip(f"no shipped network for delay {delay}")
    js = page.evaluate(TARGETS_JS, [stream.inputs.tolist(), delay])
    targets, mask = targets_from_inputs(stream.inputs[None], delay)
    assert np.array_equal(np.array(js["targets"]), targets[0])
    assert np.array_equal(np.array(js["mask"]), mask[0])

    outputs = simulate(load_pretrained(delay).weights, stream.inputs)[1]
    js_accuracy = page.evaluate(
        """([text, inputs, delay]) => {
            const out = rnnmem.simulate(JSON.parse(text), inputs).outputs;
            const t = rnnmem.taskTargets(inputs, delay);
            return rnnmem.accuracy(out, t.targets, t.mask);
        }""",
        [exported[delay], stream.inputs.tolist(), delay],
    )
    want = score(outputs, targets[0], mask[0])[0]
    assert js_accuracy == want


@pytest.mark.parametrize("delay", [0, 1, 8, 999, 1000, 5000])
def test_targets_on_a_dense_stream_and_past_its_end(page, delay):
    # Many pulses per channel, of both signs, some on the same step: every branch of the target rule.
    task = TaskConfig(mean_interval=3.0, rate_scope="per_channel")
    inputs = make_stream(task, N_STEPS, rng=7, pulse_at_start=True).inputs
    js = page.evaluate(TARGETS_JS, [inputs.tolist(), delay])
    targets, mask = targets_from_inputs(inputs[None], delay)
    assert np.array_equal(np.array(js["targets"]), targets[0])
    assert np.array_equal(np.array(js["mask"]), mask[0])


def test_project_matches_numpy(page, exported):
    net = json.loads(exported[SHIPPED[-1]])
    state = np.tanh(np.linspace(-2.0, 2.0, net["n_hidden"]))
    got = page.evaluate(
        """([text, state]) => {
            const net = JSON.parse(text);
            const pc = rnnmem.project(net.pca.components, state, net.pca.mean);
            const planes = net.rotation_planes.map((p) => Array.from(rnnmem.project(p.basis, state)));
            return {pc: Array.from(pc), planes: planes};
        }""",
        [exported[SHIPPED[-1]], state.tolist()],
    )
    comps = np.reshape(net["pca"]["components"]["data"], net["pca"]["components"]["shape"])
    assert np.allclose(got["pc"], comps @ (state - np.array(net["pca"]["mean"])), rtol=0, atol=1e-12)
    for plane, js_plane in zip(net["rotation_planes"], got["planes"], strict=True):
        basis = np.reshape(plane["basis"]["data"], plane["basis"]["shape"])
        assert np.allclose(js_plane, basis @ state, rtol=0, atol=1e-12)


def test_make_stream_follows_the_task_rule(page):
    got = page.evaluate(
        """() => {
            const all = {n_bits: 3, mean_interval: 50, rate_scope: "all"};
            const per = {n_bits: 3, mean_interval: 50, rate_scope: "per_channel"};
            const arr = (rows) => JSON.stringify(rows.map((r) => Array.from(r)));
            return {
                a: arr(rnnmem.makeStream(all, 20000, 5)),
                again: arr(rnnmem.makeStream(all, 20000, 5)),
                other: arr(rnnmem.makeStream(all, 20000, 6)),
                per: arr(rnnmem.makeStream(per, 20000, 5)),
                start: arr(rnnmem.makeStream(all, 10, 5, true)),
            };
        }"""
    )
    got = {name: np.array(json.loads(text)) for name, text in got.items()}
    a, per = got["a"], got["per"]
    assert np.array_equal(a, got["again"]) and not np.array_equal(a, got["other"])
    for x in (a, per):
        assert set(np.unique(x)) <= {-1.0, 0.0, 1.0}
    # "all": one process over the channels, so at most one pulse per step and ~20000/50 pulses in total;
    # "per_channel": that many on each channel. The bounds are 5 binomial standard deviations.
    assert np.count_nonzero(a, axis=1).max() == 1
    assert abs(np.count_nonzero(a) - 400) < 5 * 20
    assert abs(np.count_nonzero(per) - 1200) < 5 * 34
    for x, per_channel in ((a, 400 / 3), (per, 400)):
        assert np.all(np.abs(np.count_nonzero(x, axis=0) - per_channel) < 5 * np.sqrt(per_channel))
        assert abs(np.sum(x > 0) - np.sum(x < 0)) < 5 * np.sqrt(np.count_nonzero(x))
    assert np.all(got["start"][0] != 0)


@pytest.mark.parametrize(
    "script, expected",
    [
        ("() => rnnmem.simulate({}, [[0, 0, 0]])", "TypeError: net must be a network exported"),
        (
            "() => rnnmem.simulate({...window.net, format_version: 1}, [[0, 0, 0]])",
            "RangeError: net.format_version must be 2",
        ),
        ("() => rnnmem.simulate(window.net, [[0, 0]])", "RangeError: inputs must be an array of rows of 3 numbers"),
        ("() => rnnmem.simulate(window.net, [[0, NaN, 0]])", "RangeError: inputs must hold only finite numbers"),
        ("() => rnnmem.simulate(window.net, 'abc')", "TypeError: inputs must be an array of rows"),
        ("() => rnnmem.simulate(window.net, [[0, 0, 0]], [0, 0])", "RangeError: s0 must be an array of rows of"),
        ("() => rnnmem.taskTargets([[1, 0, 0]], -1)", "RangeError: delay must be an integer in [0,"),
        ("() => rnnmem.taskTargets([[1, 0, 0]], 1.5)", "TypeError: delay must be an integer"),
        ("() => rnnmem.taskTargets([], 0)", "TypeError: inputs must be a non-empty array"),
        ("() => rnnmem.accuracy([[0.5]], [[1]], [[false]])", "RangeError: mask must mark at least one valid entry"),
        ("() => rnnmem.accuracy([[0.5]], [[1], [1]], [[true]])", "RangeError: targets must have as many rows"),
        ("() => rnnmem.accuracy([[0.5]], [[1]], [[true, true]])", "RangeError: mask must be 1 rows of 1 booleans"),
        (
            "() => rnnmem.makeStream({n_bits: 3, mean_interval: 50, rate_scope: 'each'}, 10, 0)",
            "RangeError: task.rate_scope must be one of",
        ),
        (
            "() => rnnmem.makeStream({n_bits: 3, mean_interval: 1, rate_scope: 'all'}, 10, 0)",
            "RangeError: task.mean_interval must be a finite number > 1",
        ),
        ("() => rnnmem.makeStream({n_bits: 3, mean_interval: 50, rate_scope: 'all'}, 0, 0)", "RangeError: nTime must"),
        ("() => rnnmem.makeStream({n_bits: 3, mean_interval: 50, rate_scope: 'all'}, 9, -1)", "RangeError: seed must"),
        ("() => rnnmem.makeStream({n_bits: 3, mean_interval: 50, rate_scope: 'all'}, 9, 0, 1)", "TypeError: pulseAt"),
        ("() => rnnmem.project({shape: [1, 2], data: [1, 0]}, [1, 2, 3])", "RangeError: matrix must have shape"),
    ],
)
def test_bad_arguments_throw_naming_the_parameter(page, exported, script, expected):
    page.evaluate("(text) => { window.net = JSON.parse(text); }", exported[SHIPPED[-1]])
    message = _js_errors(page, script)
    assert message is not None and message.startswith(expected), message
