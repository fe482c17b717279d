"""Sliders for a live kernel: they redraw figures from the same helpers the text uses.

Each explorer returns an ``ipywidgets`` container; in a live kernel (Jupyter,
Binder, Colab) moving a control recomputes and redraws. The rendered HTML
book does not show these cells: its explorers run in the reader's browser
(``book/_static/rnnmem/explorers.js``, on data from
:mod:`rnnmem_helpers.chapters.explorer_data`).

Arguments are checked when an explorer is called, before ipywidgets is
imported or anything is drawn: a bad one inside the redraw callback would
only show up as a traceback in the widget's output area.
"""

from __future__ import annotations

import copy

from ..analyses.analysis import MAX_TEST_STEPS
from ..core._validate import RNG, Integer, validate_params
from ..core.checkpoints import load_checkpoint
from ..core.task import TaskConfig, make_stream


# The Δt slider must stay within what TaskConfig accepts, so max_delay shares its constraint.
@validate_params(
    {"n_time": Integer(1, MAX_TEST_STEPS), "rng": RNG(), "max_delay": TaskConfig.__rnnmem_params__["delay"]}
)
def task_explorer(n_time: int = 400, *, rng, max_delay: int = 24):
    """Δt and λ sliders redrawing the task traces (Fig. 1) on a fresh stream.

    Parameters
    ----------
    n_time : int
        Steps shown, >= 1.
    rng : np.random.Generator or int
        Source of the stream, required: an int >= 0 gives the stream of
        ``make_stream(task, n_time, rng=rng)``. Every redraw starts from ``rng``'s
        state at the call, so the pulses stay the same whatever Δt; a
        Generator passed in is copied, not advanced.
    max_delay : int
        Upper end of the Δt slider, in [0, 10 000].
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    from .plotting import plot_task

    # Each redraw copies this snapshot: the caller's later draws on rng cannot change what a slider shows.
    start = copy.deepcopy(rng)

    def draw(delay=8, mean_interval=50.0):
        task = TaskConfig(delay=delay, mean_interval=mean_interval)
        stream = make_stream(task, n_time, rng=copy.deepcopy(start))
        fig, ax = plt.subplots(figsize=(9, 3.2))
        plot_task(ax, stream.inputs, stream.targets, delay=delay)
        ax.set_title(f"Δt = {delay}, λ = {mean_interval:g}: {int((stream.inputs != 0).sum())} pulses in {n_time} steps")
        plt.show()

    return w.interactive(
        draw,
        delay=w.IntSlider(value=8, min=0, max=max_delay, description="Δt"),
        mean_interval=w.FloatSlider(value=50.0, min=5.0, max=200.0, step=5.0, description="λ"),
    )


# At least 3 steps: the cube is spanned by three principal components of the run's states.
@validate_params({"n_time": Integer(3, MAX_TEST_STEPS), "rng": RNG()})
def network_explorer(n_time: int = 20_000, *, rng):
    """A Δt selector redrawing a trained network's PCA cube with fixed points and W's spectrum.

    It offers the networks of the HTML book's explorers, one for every Δt that
    a stored network learned, chosen by
    :func:`~rnnmem_helpers.chapters.explorer_data.explorer_networks`
    (:data:`~rnnmem_helpers.chapters.explorer_data.CHOICE_RULE`).

    Parameters
    ----------
    n_time : int
        Length of the test run used for the PCA (shorter than the book's
        100 000 steps so that a change redraws in about a second); at least
        the longest offered delay + 2, as for :func:`run_test`.
    rng : np.random.Generator or int
        Source of the test stream and of the fixed-point search, required. Both
        start from ``rng``'s state at the call (an int >= 0 gives what
        ``run_test(..., rng=rng)`` and ``find_fixed_points(..., rng=rng)`` give),
        and so does every redraw; a Generator passed in is copied, not advanced.
    """
    from .explorer_data import explorer_networks

    choices = {c.delay: c for c in explorer_networks()}
    delays = sorted(choices)
    if delays and n_time < delays[-1] + 2:
        raise ValueError(f"n_time must be an integer >= {delays[-1] + 2} (longest offered delay + 2), got {n_time}")
    first = 8 if 8 in choices else delays[-1]

    import ipywidgets as w
    import matplotlib.pyplot as plt

    from ..analyses.analysis import fit_pca, run_test, spectrum_summary
    from ..analyses.fixed_points import find_fixed_points
    from .plotting import plot_cube, plot_eigenvalues

    # Each redraw copies this snapshot: the caller's later draws on rng cannot change what a slider shows.
    start = copy.deepcopy(rng)

    def draw(delay=first):
        choice = choices[delay]
        ckpt = load_checkpoint(choice.path)
        run = run_test(ckpt.weights, ckpt.task, n_time=n_time, rng=copy.deepcopy(start))
        pca = fit_pca(run.states_txn, 3)
        fps = find_fixed_points(ckpt.weights, states=run.states_txn, rng=copy.deepcopy(start))
        spec = spectrum_summary(ckpt.weights.W)
        fig = plt.figure(figsize=(10, 4.2))
        ax3d = fig.add_subplot(1, 2, 1, projection="3d")
        plot_cube(
            ax3d,
            pca.transform(run.states_txn[-3000:]),
            run.outputs_txk[-3000:],
            pca.transform(fps.xstar),
            fps.n_unstable,
        )
        origin = "shipped" if choice.source == "shipped" else f"{choice.source}, seed {choice.seed}"
        ax3d.set_title(f"Δt = {delay} ({origin}): fixed points by unstable dims {fps.summary()}", fontsize="small")
        ax = fig.add_subplot(1, 2, 2)
        plot_eigenvalues(ax, spec.eigvals, bulk_radius=spec.bulk_radius, outlier_radius=spec.outlier_radius)
        ax.set_title(f"eigenvalues of W: {spec.rotation_angles.size} rotation pairs", fontsize="small")
        plt.show()

    return w.interactive(draw, delay=w.SelectionSlider(options=delays, value=first, description="Δt"))
