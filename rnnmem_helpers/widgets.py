"""Sliders for the book: they redraw figures from the same helpers the text uses.

Each explorer returns an ``ipywidgets`` container; in a live kernel (Jupyter,
Binder, Colab) moving a control recomputes and redraws, and in the static HTML
the saved widget state shows the controls with the figure for their initial
values.
"""

from __future__ import annotations

from .checkpoints import available_pretrained, load_pretrained
from .task import TaskConfig, make_stream


def task_explorer(n_time: int = 400, seed: int = 0, max_delay: int = 24):
    """Δt and λ sliders redrawing the task traces (Fig. 1) on a fresh stream.

    Parameters
    ----------
    n_time : int
        Steps shown.
    seed : int
        Seed of the stream; the same seed gives the same pulses whatever Δt.
    max_delay : int
        Upper end of the Δt slider.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    from .plotting import plot_task

    def draw(delay=8, mean_interval=50.0):
        task = TaskConfig(delay=delay, mean_interval=mean_interval)
        stream = make_stream(task, n_time, seed)
        fig, ax = plt.subplots(figsize=(9, 3.2))
        plot_task(ax, stream.inputs, stream.targets, delay=delay)
        ax.set_title(f"Δt = {delay}, λ = {mean_interval:g}: {int((stream.inputs != 0).sum())} pulses in {n_time} steps")
        plt.show()

    return w.interactive(
        draw,
        delay=w.IntSlider(value=8, min=0, max=max_delay, description="Δt"),
        mean_interval=w.FloatSlider(value=50.0, min=5.0, max=200.0, step=5.0, description="λ"),
    )


def network_explorer(n_time: int = 20_000, seed: int = 0):
    """A selector over the shipped networks redrawing their PCA cube with fixed points and W's spectrum.

    Parameters
    ----------
    n_time : int
        Length of the test run used for the PCA (shorter than the book's
        100 000 steps so that a change redraws in about a second).
    seed : int
        Seed of the test stream and of the fixed-point search.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    from .analysis import fit_pca, run_test, spectrum_summary
    from .fixed_points import find_fixed_points
    from .plotting import plot_cube, plot_eigenvalues

    delays = sorted({d for d, s in available_pretrained() if s == 0})

    def draw(delay=delays[-1]):
        ckpt = load_pretrained(delay)
        run = run_test(ckpt.weights, ckpt.task, n_time=n_time, rng=seed)
        pca = fit_pca(run.states_txn, 3)
        fps = find_fixed_points(ckpt.weights, states=run.states_txn, rng=seed)
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
        ax3d.set_title(f"Δt = {delay}: fixed points by unstable dims {fps.summary()}", fontsize="small")
        ax = fig.add_subplot(1, 2, 2)
        plot_eigenvalues(ax, spec.eigvals, bulk_radius=spec.bulk_radius, outlier_radius=spec.outlier_radius)
        ax.set_title(f"eigenvalues of W: {spec.rotation_angles.size} rotation pairs", fontsize="small")
        plt.show()

    return w.interactive(draw, delay=w.SelectionSlider(options=delays, value=delays[-1], description="Δt"))
