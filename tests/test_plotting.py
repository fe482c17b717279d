import copy
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from PIL import Image  # noqa: E402

from rnnmem_helpers.analyses.analysis import fit_pca, run_test, spectrum_summary, triggered_average  # noqa: E402
from rnnmem_helpers.chapters import encoding  # noqa: E402
from rnnmem_helpers.chapters.plotting import (  # noqa: E402
    BOOK_DPI,
    FIGURE_WIDTH_MAX,
    FONT_KEY,
    MIN_FONT_PT,
    RETINA,
    book_panels,
    book_style,
    figure_png,
    plot_cube,
    plot_eigenvalues,
    plot_task,
    plot_triggered,
    plot_unit_states,
    plot_weight_matrix,
    smallest_font_pt,
    state_labels,
)
from rnnmem_helpers.core.init import init_weights  # noqa: E402
from rnnmem_helpers.core.model import ModelConfig  # noqa: E402
from rnnmem_helpers.core.task import TaskConfig  # noqa: E402


@pytest.fixture(autouse=True)
def _no_show_and_close(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("plotting functions must not call plt.show()")

    monkeypatch.setattr(plt, "show", fail)
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def run():
    return run_test(init_weights(ModelConfig(n_hidden=20), rng=0), TaskConfig(delay=4), n_time=6000, rng=0)


def _ax3d():
    return plt.figure().add_subplot(projection="3d")


def test_state_labels():
    lab = np.array([[-1, -1, -1], [-1, -1, 1], [1, -1, -0.5], [1, 1, 1], [0, 1, 1]])
    np.testing.assert_array_equal(state_labels(lab), [0, 1, 4, 7, -1])


def test_plot_task_per_channel_axes(run):
    sl = slice(0, 400)
    inputs, targets = run.inputs[sl].copy(), run.targets[sl].copy()
    _, axes = plt.subplots(3, 1)
    assert plot_task(axes, inputs, targets, run.outputs_txk[sl], delay=4) is axes
    for c, ax in enumerate(axes):
        has_pulse = np.any(inputs[:, c] != 0)
        # vlines for the pulses, plus one shading collection if there are pulses to shade.
        assert len(ax.collections) == 1 + has_pulse
        assert len(ax.lines) == 2  # target, output
        np.testing.assert_array_equal(ax.lines[0].get_ydata(), targets[:, c])
    np.testing.assert_array_equal(inputs, run.inputs[sl])
    np.testing.assert_array_equal(targets, run.targets[sl])


def test_plot_task_stacked_without_outputs_or_delay(run):
    sl = slice(0, 400)
    _, ax = plt.subplots()
    assert plot_task(ax, run.inputs[sl], run.targets[sl]) is ax
    assert len(ax.lines) == 3 and len(ax.collections) == 3  # no shading with delay 0


def test_plot_task_rejects_bad_input(run):
    _, axes = plt.subplots(2, 1)
    with pytest.raises(ValueError, match="3 axes"):
        plot_task(axes, run.inputs[:50], run.targets[:50])
    with pytest.raises(ValueError, match="targets"):
        plot_task(plt.subplots()[1], run.inputs[:50], run.targets[:40])
    with pytest.raises(ValueError, match="delay"):
        plot_task(plt.subplots()[1], run.inputs[:50], run.targets[:50], delay=-1)


def _cube_inputs():
    states = np.repeat(np.array([[a, b, c] for a in (-1, 1) for b in (-1, 1) for c in (-1, 1)], float), 5, axis=0)
    pc = states * 2.0 + np.linspace(0, 0.1, states.shape[0])[:, None]
    fp = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [2, 2, 2], [1, 1, 1], [-1, -1, -1.0]])
    n_unstable = np.array([0, 0, 1, 2, 3, 5, 6])
    return pc, states, fp, n_unstable


def test_plot_cube_draws_one_collection_per_state_and_fixed_point_type():
    pc, states, fp, n_unstable = _cube_inputs()
    ax = _ax3d()
    assert plot_cube(ax, pc, states, fp, n_unstable) is ax
    # 8 states + 6 fixed-point kinds (0, 1, 2, 3, 5 and 6 unstable modes); a path line.
    assert len(ax.collections) == 14 and len(ax.lines) == 1
    # Only counts from MANY_UNSTABLE up share a marker, so only those are written out.
    assert [t.get_text().strip() for t in ax.texts] == ["6"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["(-1,-1,-1)", "(-1,-1,+1)"]
    assert labels[8:] == [encoding.point_style(n).label for n in (0, 1, 2, 3, 5, 6)]
    five = ax.collections[-2]
    assert five.get_label() == encoding.point_style(5).label
    # Five unstable modes are drawn hollow: no face colour, the spec's colour on the edge.
    assert five.get_facecolor().size == 0 or five.get_facecolor()[0][3] == 0
    np.testing.assert_allclose(five.get_edgecolor()[0], to_rgba(encoding.point_style(5).color))


def test_plot_task_numbers_channels_from_one(run):
    _, axes = plt.subplots(3, 1)
    plot_task(axes, run.inputs[:50], run.targets[:50])
    assert [ax.get_ylabel() for ax in axes] == ["channel 1", "channel 2", "channel 3"]
    _, ax = plt.subplots()
    plot_task(ax, run.inputs[:50], run.targets[:50])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["channel 1", "channel 2", "channel 3"]


def test_book_style_keeps_every_font_at_least_the_minimum(run):
    with matplotlib.rc_context():
        book_style()
        fig, axes = plt.subplots(3, 1, figsize=(FIGURE_WIDTH_MAX, 4))
        plot_task(axes, run.inputs[:200], run.targets[:200], run.outputs_txk[:200], delay=4)
        data, size = figure_png(fig)
        assert MIN_FONT_PT <= smallest_font_pt(fig) < 10
    image = Image.open(io.BytesIO(data))
    # The recorded size is the figure's own, the PNG is RETINA times the CSS size, at RETINA * BOOK_DPI.
    assert float(image.text[FONT_KEY]) == pytest.approx(smallest_font_pt(fig), abs=0.01)
    assert (image.size[0] // RETINA, image.size[1] // RETINA) == (size["width"], size["height"])
    assert image.info["dpi"] == pytest.approx((RETINA * BOOK_DPI,) * 2, abs=0.1)
    assert size["width"] <= FIGURE_WIDTH_MAX * BOOK_DPI


def test_smallest_font_pt_sees_the_smallest_visible_text_only():
    fig, ax = plt.subplots()
    ax.set_xlabel("x", fontsize=12)
    ax.text(0.5, 0.5, "tiny", fontsize=5)
    fig.draw_without_rendering()
    assert smallest_font_pt(fig) == 5
    ax.texts[0].set_visible(False)
    assert smallest_font_pt(fig) == pytest.approx(min(t.get_fontsize() for t in ax.get_xticklabels()))
    ax.legend(handles=ax.plot([0, 1], label="line"), fontsize=3).set_visible(False)
    assert smallest_font_pt(fig) > 3  # text inside a hidden legend is not shown
    assert smallest_font_pt(plt.figure()) == float("inf")
    with pytest.raises(TypeError, match="Figure"):
        smallest_font_pt(ax)


def test_plot_cube_without_fixed_points_and_with_undefined_targets():
    pc, states, _, _ = _cube_inputs()
    states[:3] = 0
    ax = _ax3d()
    plot_cube(ax, pc, states, path=False)
    assert len(ax.collections) == 9 and not ax.lines  # 8 states + undefined
    assert "undefined" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_plot_cube_is_deterministic():
    pc, states, fp, n_unstable = _cube_inputs()
    images = []
    for _ in range(2):
        fig = plt.figure(figsize=(3, 3), dpi=50)
        plot_cube(fig.add_subplot(projection="3d"), pc, states, fp, n_unstable)
        fig.canvas.draw()
        images.append(np.asarray(fig.canvas.buffer_rgba()).copy())
    np.testing.assert_array_equal(images[0], images[1])


def test_plot_cube_rejects_bad_input():
    pc, states, fp, n_unstable = _cube_inputs()
    with pytest.raises(TypeError, match="3-D"):
        plot_cube(plt.subplots()[1], pc, states)
    with pytest.raises(ValueError, match="states_pc"):
        plot_cube(_ax3d(), pc[:, :2], states)
    with pytest.raises(ValueError, match="together"):
        plot_cube(_ax3d(), pc, states, fp)
    with pytest.raises(ValueError, match="n_unstable"):
        plot_cube(_ax3d(), pc, states, fp, n_unstable[:3])
    with pytest.raises(ValueError, match="n_unstable"):
        plot_cube(_ax3d(), pc, states, fp, -n_unstable)


@pytest.fixture(scope="module")
def trig(run):
    return triggered_average(run, (-1, -1, -1), (-1, -1, 1), pre=5, post=12)


def test_plot_triggered_3d(run, trig):
    ax = _ax3d()
    assert plot_triggered(ax, trig, background_pc=trig.pca.transform(run.states_txn[:500])) is ax
    # background, start, pulse, switch; the mean trajectory is the one line.
    assert len(ax.collections) == 4 and len(ax.lines) == 1
    np.testing.assert_allclose(np.asarray(ax.lines[0].get_data_3d()).T, trig.mean_pc[:, :3])


def test_plot_triggered_traces(trig):
    _, axes = plt.subplots(9, 1)
    assert plot_triggered(axes, trig, 9) is axes
    for i, ax in enumerate(axes):
        assert len(ax.collections) == 1  # spread band
        assert len(ax.lines) == 3  # mean, pulse, switch
        np.testing.assert_allclose(ax.lines[0].get_ydata(), trig.mean_pc[:, i])


def test_plot_triggered_rejects_bad_input(trig):
    with pytest.raises(ValueError, match="n_pcs"):
        plot_triggered(_ax3d(), trig, 9)
    with pytest.raises(ValueError, match="axes"):
        plot_triggered(plt.subplots(2, 1)[1], trig, 9)
    with pytest.raises(TypeError, match="TriggeredAverage"):
        plot_triggered(plt.subplots(2, 1)[1], trig.mean_pc, 2)


def test_plot_eigenvalues():
    w = init_weights(ModelConfig(n_hidden=50), rng=0).W
    s = spectrum_summary(np.asarray(w) + 0.9 * np.eye(50))
    eig = s.eigvals.copy()
    ax = plt.subplots()[1]
    assert plot_eigenvalues(ax, eig, bulk_radius=s.bulk_radius, outlier_radius=s.outlier_radius) is ax
    assert len(ax.lines) == 5  # unit, bulk and outlier circles, two axes lines
    n_out = len(ax.collections[1].get_offsets())
    assert len(ax.collections) == 2 and n_out == np.sum(np.abs(eig) > s.outlier_radius) > 0
    np.testing.assert_array_equal(eig, s.eigvals)
    bare = plot_eigenvalues(plt.subplots()[1], np.array([0.5, -0.2]))
    assert len(bare.lines) == 3 and len(bare.collections) == 1
    with pytest.raises(ValueError, match="bulk_radius"):
        plot_eigenvalues(plt.subplots()[1], eig, bulk_radius=-1.0)
    with pytest.raises(ValueError, match="eigvals"):
        plot_eigenvalues(plt.subplots()[1], np.ones((2, 2)))


def test_pca_projection_feeds_plot_cube(run):
    pca = fit_pca(run.states_txn, 3)
    ax = plot_cube(_ax3d(), pca.transform(run.states_txn[:300]), run.targets[:300])
    assert len(ax.collections) >= 2


def test_plot_training_history():
    from rnnmem_helpers.chapters.plotting import plot_training_history

    history = {"step": [250, 500, 750], "loss": [0.5, 0.1, 0.02], "eval_accuracy": [0.6, 0.9, 0.996]}
    axes = plt.subplots(1, 2)[1]
    assert plot_training_history(axes, history, label="run", target_accuracy=0.995) is axes
    np.testing.assert_array_equal(axes[0].lines[0].get_ydata(), history["loss"])
    np.testing.assert_array_equal(axes[1].lines[0].get_ydata(), history["eval_accuracy"])
    assert axes[0].get_yscale() == "log" and len(axes[1].lines) == 2  # accuracy and threshold
    ax = plt.subplots()[1]
    assert plot_training_history(ax, history) is ax
    assert len(ax.lines) == 1 and ax.get_legend() is None
    from rnnmem_helpers.experiments.experiment import History

    typed = History(step=(250, 500, 750), loss=(0.5, 0.1, 0.02), eval_accuracy=(0.6, 0.9, 0.996))
    ax2 = plt.subplots()[1]
    plot_training_history(ax2, typed)
    np.testing.assert_array_equal(ax2.lines[0].get_xydata(), ax.lines[0].get_xydata())
    with pytest.raises(ValueError, match="keys"):
        plot_training_history(ax, {"step": [1]})
    with pytest.raises(ValueError, match="loss"):
        plot_training_history(ax, {**history, "loss": [0.5]})
    with pytest.raises(ValueError, match="at least one"):
        plot_training_history(ax, {"step": [], "loss": [], "eval_accuracy": []})


def test_plot_intervals_skips_nan_and_draws_bars():
    from rnnmem_helpers.chapters.plotting import plot_intervals

    _, ax = plt.subplots()
    x = np.array([0, 2, 4, 8])
    est = np.array([1.0, 2.0, np.nan, 4.0])
    low = np.array([0.5, np.nan, np.nan, 3.0])
    high = np.array([1.5, np.nan, np.nan, 6.0])
    hollow = np.array([False, False, False, True])
    assert plot_intervals(ax, x, est, low, high, hollow=hollow, label="a", offset=0.1) is ax
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [0.1, 2.1, 8.1])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.0, 2.0, 4.0])
    filled, open_ = ax.collections[0], ax.collections[1]
    np.testing.assert_allclose(filled.get_offsets(), [[0.1, 1.0], [2.1, 2.0]])
    np.testing.assert_allclose(open_.get_offsets(), [[8.1, 4.0]])
    assert open_.get_facecolors().size == 0  # open markers
    # Bars only where both ends are finite: x = 0 and x = 8, from low to high, with caps at both ends.
    segments = sorted(tuple(np.ravel(seg)) for seg in ax.collections[2].get_segments())
    np.testing.assert_allclose(segments, [[0.1, 0.5, 0.1, 1.5], [8.1, 3.0, 8.1, 6.0]])
    caps = sorted(map(tuple, ax.collections[3].get_offsets()))
    np.testing.assert_allclose(caps, [[0.1, 0.5], [0.1, 1.5], [8.1, 3.0], [8.1, 6.0]])
    assert ax.get_legend_handles_labels()[1] == ["a"]


def test_plot_intervals_rejects_bad_input():
    from rnnmem_helpers.chapters.plotting import plot_intervals

    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="together"):
        plot_intervals(ax, [0, 1, 2], [1, 2, 3], low=[0, 1, 2])
    with pytest.raises(ValueError, match="exceed"):
        plot_intervals(ax, [0, 1, 2], [1, 2, 3], [0, 3.5, 2], [2, 3, 4])
    # An estimate a hair outside its interval (float rounding of a Wilson bound) is drawn, not rejected.
    plot_intervals(ax, [0, 1, 2], [1.0, 1.0, 1.0], [0.5, 0.5, 0.5], [1.0 - 1e-16, 1.0, 1.0])
    with pytest.raises(ValueError, match="shape"):
        plot_intervals(ax, [0, 1, 2], [1, 2])
    with pytest.raises(ValueError, match="hollow"):
        plot_intervals(ax, [0, 1, 2], [1, 2, 3], hollow=[1, 0, 0])


def test_plot_weight_matrix_reorders_rows_and_columns_by_group():
    m = np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, -9.0]])
    before = m.copy()
    _, ax = plt.subplots()
    assert plot_weight_matrix(ax, m, {"late": [2], "early": [0, 1]}) is ax
    # Unit order 2, 0, 1 for both the rows and the columns, written out by hand.
    want = [[-9.0, 6.0, 7.0], [2.0, 0.0, 1.0], [5.0, 3.0, 4.0]]
    np.testing.assert_array_equal(ax.images[-1].get_array(), want)
    assert ax.images[-1].get_clim() == (-9.0, 9.0)
    # One separator each way, between the one-unit group and the two-unit group.
    assert [line.get_ydata()[0] for line in ax.lines[::2]] == [0.5]
    assert [line.get_xdata()[0] for line in ax.lines[1::2]] == [0.5]
    np.testing.assert_array_equal(ax.get_xticks(), [0.0, 1.5])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["late", "early"]
    np.testing.assert_array_equal(m, before)


def test_plot_weight_matrix_clips_the_colour_scale_and_draws_a_zero_matrix():
    _, ax = plt.subplots()
    plot_weight_matrix(ax, np.diag([1.0, -50.0]), {"all": np.arange(2)}, vmax=2)
    assert ax.images[-1].get_clim() == (-2.0, 2.0)
    assert not ax.lines  # a single group has no separator
    _, ax = plt.subplots()
    plot_weight_matrix(ax, np.zeros((2, 2)), {"a": [0], "b": [1]})
    assert ax.images[-1].get_clim() == (-1.0, 1.0)


def test_plot_weight_matrix_rejects_bad_input():
    ax = plt.subplots()[1]
    eye = np.eye(3)
    with pytest.raises(ValueError, match="matrix must be square"):
        plot_weight_matrix(ax, np.zeros((2, 3)), {"a": [0, 1]})
    with pytest.raises(ValueError, match="matrix must be square"):
        plot_weight_matrix(ax, np.zeros((0, 0)), {"a": [0]})
    with pytest.raises(TypeError, match="groups must be a dict"):
        plot_weight_matrix(ax, eye, [[0, 1, 2]])
    with pytest.raises(ValueError, match="groups must hold at least one group"):
        plot_weight_matrix(ax, eye, {})
    with pytest.raises(ValueError, match="every unit of matrix"):
        plot_weight_matrix(ax, eye, {"a": [0, 1]})
    with pytest.raises(ValueError, match="every unit of matrix"):
        plot_weight_matrix(ax, eye, {"a": [0, 1], "b": [1, 2]})
    with pytest.raises(ValueError, match=r"groups\['b'\] must hold unit indices in \[0, 2\]"):
        plot_weight_matrix(ax, eye, {"a": [0, 1], "b": [3]})
    with pytest.raises(TypeError, match=r"groups\['a'\] must hold integer"):
        plot_weight_matrix(ax, eye, {"a": [0.0, 1.0, 2.0]})
    with pytest.raises(ValueError, match=r"groups\['b'\] must be a non-empty 1-D"):
        plot_weight_matrix(ax, eye, {"a": [0, 1, 2], "b": []})
    for bad in (0, -1.0, np.nan):
        with pytest.raises(ValueError, match="vmax"):
            plot_weight_matrix(ax, eye, {"a": [0, 1, 2]}, vmax=bad)
    assert not ax.images


def test_plot_unit_states_draws_the_chosen_units_against_time():
    states = np.arange(12.0).reshape(4, 3) / 12  # 4 steps of 3 units
    _, ax = plt.subplots()
    assert plot_unit_states(ax, states, [2, 0], t0=10) is ax
    image = ax.images[-1]
    # Row 0 is unit 2 over the 4 steps, row 1 unit 0.
    np.testing.assert_array_equal(image.get_array(), [[2 / 12, 5 / 12, 8 / 12, 11 / 12], [0, 3 / 12, 6 / 12, 9 / 12]])
    assert image.get_clim() == (-1.0, 1.0)
    assert image.get_extent() == [9.5, 13.5, 1.5, -0.5]


def test_plot_unit_states_rejects_bad_input():
    ax = plt.subplots()[1]
    states = np.zeros((5, 3))
    with pytest.raises(ValueError, match=r"units must hold unit indices in \[0, 2\]"):
        plot_unit_states(ax, states, [0, 3])
    with pytest.raises(ValueError, match=r"units must hold unit indices in \[0, 2\]"):
        plot_unit_states(ax, states, [-1])
    with pytest.raises(TypeError, match="units must hold integer"):
        plot_unit_states(ax, states, [0.5])
    with pytest.raises(ValueError, match="units must be a non-empty 1-D"):
        plot_unit_states(ax, states, [[0, 1]])
    with pytest.raises(ValueError, match="states_txn must have 2 dimensions"):
        plot_unit_states(ax, np.zeros(5), [0])
    with pytest.raises(ValueError, match="states_txn must hold at least one step"):
        plot_unit_states(ax, np.zeros((0, 3)), [0])
    with pytest.raises(TypeError, match="t0 must be an integer"):
        plot_unit_states(ax, states, [0], t0=1.5)
    assert not ax.images


# ----------------------------------------------------------------------------- widgets


def _record_first_draws(monkeypatch, module, name, seen):
    """Wrap ``module.name`` so that each call notes the first draw of (a copy of) the rng it was given."""
    real = getattr(module, name)

    def wrapper(*args, rng, **kwargs):
        seen.append(copy.deepcopy(rng).integers(1 << 62))
        return real(*args, rng=rng, **kwargs)

    monkeypatch.setattr(module, name, wrapper)


@pytest.mark.parametrize("as_generator", [False, True], ids=["int", "generator"])
def test_task_explorer_redraws_one_stream_from_rng(monkeypatch, as_generator):
    import rnnmem_helpers.chapters.widgets as widgets
    from rnnmem_helpers.core.task import make_stream

    monkeypatch.setattr(plt, "show", lambda: None)
    drawn = []

    def record(task, n_time, rng):
        stream = make_stream(task, n_time, rng=rng)
        drawn.append(stream.inputs)
        return stream

    monkeypatch.setattr(widgets, "make_stream", record)
    rng = np.random.default_rng(7) if as_generator else 7
    ui = widgets.task_explorer(n_time=300, rng=rng)
    ui.children[0].value = 3  # the Δt slider: a redraw
    want = make_stream(TaskConfig(), 300, rng=np.random.default_rng(7)).inputs
    assert len(drawn) == 2
    for inputs in drawn:
        np.testing.assert_array_equal(inputs, want)
    if as_generator:
        assert rng.integers(1 << 62) == np.random.default_rng(7).integers(1 << 62)  # copied, not advanced


@pytest.mark.parametrize("as_generator", [False, True], ids=["int", "generator"])
def test_network_explorer_gives_run_and_fixed_points_the_same_start(monkeypatch, as_generator):
    import rnnmem_helpers.analyses.analysis as analysis
    import rnnmem_helpers.analyses.fixed_points as fixed_points
    from rnnmem_helpers.chapters.widgets import network_explorer
    from rnnmem_helpers.core.checkpoints import available_pretrained

    monkeypatch.setattr(plt, "show", lambda: None)
    runs, searches = [], []
    _record_first_draws(monkeypatch, analysis, "run_test", runs)
    _record_first_draws(monkeypatch, fixed_points, "find_fixed_points", searches)
    delays = sorted({d for d, s in available_pretrained() if s == 0})
    ui = network_explorer(n_time=delays[-1] + 200, rng=np.random.default_rng(3) if as_generator else 3)
    ui.children[0].value = delays[0]  # the Δt selector: a redraw
    first = np.random.default_rng(3).integers(1 << 62)
    assert runs == searches == [first, first]


def test_plot_paired_draws_a_line_per_network_and_the_median_per_condition():
    from rnnmem_helpers.chapters.plotting import plot_paired

    _, ax = plt.subplots()
    values = np.array([[1.0, 0.5, np.nan], [0.9, 0.7, np.nan], [0.8, np.nan, np.nan]])
    assert plot_paired(ax, values, ["a", "b", "c"], low=[0.7, np.nan, 0.0], high=[1.0, np.nan, 1.0]) is ax
    assert len(ax.lines) == 3
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [0, 1])
    np.testing.assert_allclose(ax.lines[2].get_ydata(), [0.8])
    # Medians by hand: 0.9 of (1, 0.9, 0.8), 0.6 of (0.5, 0.7); none for the all-NaN column.
    np.testing.assert_allclose(ax.collections[0].get_offsets(), [[0, 0.9], [1, 0.6]])
    segments = [tuple(np.ravel(s)) for s in ax.collections[1].get_segments()]
    np.testing.assert_allclose(segments, [[0, 0.7, 0, 1.0], [2, 0.0, 2, 1.0]])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]


def test_plot_paired_rejects_bad_input():
    from rnnmem_helpers.chapters.plotting import plot_paired

    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="labels"):
        plot_paired(ax, np.zeros((2, 3)), ["a", "b"])
    with pytest.raises(ValueError, match="values"):
        plot_paired(ax, np.zeros(3), ["a", "b", "c"])
    with pytest.raises(ValueError, match="together"):
        plot_paired(ax, np.zeros((2, 2)), ["a", "b"], low=[0, 0])
    with pytest.raises(ValueError, match="exceed"):
        plot_paired(ax, np.zeros((2, 2)), ["a", "b"], low=[0, 2], high=[1, 1])
    with pytest.raises(ValueError, match="low"):
        plot_paired(ax, np.zeros((2, 2)), ["a", "b"], low=[0, 0, 0], high=[1, 1, 1])


def test_book_panels_wraps_panels_into_rows_of_the_column_width():
    fig, axes = book_panels(3, sharey=True)
    assert axes.shape == (3,) and len(fig.axes) == 3
    assert fig.get_figwidth() == FIGURE_WIDTH_MAX and fig.get_figheight() == pytest.approx(2 * 2.9)
    assert axes[0].get_subplotspec().get_geometry()[:2] == (2, 2)
    fig, axes = book_panels(2, ncols=3, height=3)
    assert axes[1].get_subplotspec().get_geometry()[:2] == (1, 2) and fig.get_figheight() == 3
    with pytest.raises(ValueError, match="n"):
        book_panels(0)
