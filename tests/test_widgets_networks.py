"""The kernel version of the network explorer offers the networks the HTML explorers offer."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from rnnmem_helpers.chapters.explorer_data import explorer_networks  # noqa: E402
from rnnmem_helpers.core import checkpoints  # noqa: E402


def test_network_explorer_offers_every_learned_delay_and_draws_its_chosen_network(monkeypatch):
    import rnnmem_helpers.chapters.widgets as widgets

    monkeypatch.setattr(plt, "show", lambda: None)
    loaded = []

    def record(path):
        loaded.append(path)
        return checkpoints.load_checkpoint(path)

    monkeypatch.setattr(widgets, "load_checkpoint", record)
    choices = explorer_networks()
    ui = widgets.network_explorer(n_time=choices[-1].delay + 300, rng=0)
    slider = ui.children[0]
    farthest = choices[-1]

    assert list(slider.options) == [c.delay for c in choices] and slider.value == 8
    slider.value = farthest.delay  # a redraw with a network no shipped checkpoint holds
    assert loaded == [next(c.path for c in choices if c.delay == 8), farthest.path]
    assert farthest.source != "shipped"
    plt.close("all")
