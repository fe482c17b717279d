"""The explorers' data export against computations made here, independently of it."""

import copy
import json

import numpy as np
import pytest

from rnnmem_helpers import Checkpoint, RNNWeights, available_pretrained, load_pretrained
from rnnmem_helpers.analyses.analysis import fit_pca, run_test, spectrum_summary
from rnnmem_helpers.analyses.fixed_points import find_fixed_points
from rnnmem_helpers.chapters import explorer_data
from rnnmem_helpers.chapters.explorer_data import (
    DIGITS,
    MAX_FILE_BYTES,
    PLOT_DIGITS,
    export_all,
    export_network,
    to_json,
)
from rnnmem_helpers.core.checkpoints import pretrained_path

SHIPPED = sorted(d for d, s in available_pretrained() if s == 0)
DELAY = SHIPPED[-1]
N_TIME = 4000
# Relative error of a number rounded to DIGITS significant digits.
ROUNDING = 0.5 * 10.0 ** (1 - DIGITS)


def _matrix(m: dict) -> np.ndarray:
    assert len(m["data"]) == np.prod(m["shape"])
    return np.reshape(np.array(m["data"], dtype=np.float64), m["shape"])


def _close(got, want, scale: float = 1.0) -> bool:
    """Equal up to the export's rounding of numbers of magnitude up to ``scale``."""
    return np.allclose(got, want, rtol=ROUNDING, atol=ROUNDING * scale)


@pytest.fixture(scope="module")
def ckpt():
    return load_pretrained(DELAY)


@pytest.fixture(scope="module")
def data(ckpt):
    """The export of the longest-delay network, through its JSON text."""
    return json.loads(to_json(export_network(ckpt, n_time=N_TIME, rng=0)))


@pytest.fixture(scope="module")
def reference(ckpt):
    """The analyses, made here as the export documents them: one Generator for the run, then the search."""
    g = np.random.default_rng(0)
    run = run_test(ckpt.weights, ckpt.task, N_TIME, rng=g)
    pca = fit_pca(run.states_txn, 3)
    fps = find_fixed_points(ckpt.weights, states=run.states_txn, rng=g)
    return run, pca, fps


def test_header(data, ckpt):
    assert data["format"] == "rnnmem-explorer-network" and data["format_version"] == 2
    assert data["delay"] == DELAY and data["seed"] == 0 and data["n_time"] == N_TIME
    assert (data["n_hidden"], data["n_bits"]) == (100, 3)
    assert data["task"] == ckpt.metadata["task"]
    assert data["test_accuracy"] == ckpt.metadata["test"]["accuracy"]


def test_weights_are_the_checkpoints_float32_values_bit_for_bit(data):
    with np.load(pretrained_path(DELAY)) as npz:
        for name in ("W", "W_in", "W_out"):
            got = _matrix(data["weights"][name])
            want = npz[name]
            assert want.dtype == np.float32 and got.shape == want.shape
            assert np.array_equal(got.astype(np.float32).view(np.uint32), want.view(np.uint32))
            # The JSON numbers are the float32 values themselves, not approximations that round to them.
            assert np.array_equal(got, want.astype(np.float64))


def test_pca_and_trajectory(data, reference, ckpt):
    run, pca, _ = reference
    assert _close(data["pca"]["mean"], pca.mean)
    comps = _matrix(data["pca"]["components"])
    assert comps.shape == (3, 100) and _close(comps, pca.components)
    assert np.allclose(comps @ comps.T, np.eye(3), rtol=0, atol=1e-6)
    assert _close(data["pca"]["explained_variance"], pca.explained_variance)
    assert _close(data["pca"]["explained_variance_ratio"], pca.explained_variance_ratio)

    traj = data["trajectory"]
    shown = run.states_txn[-2000:]
    assert traj["start"] == N_TIME - 2000
    pc = _matrix(traj["pc"])
    assert pc.shape == (2000, 3)
    want_pc = pca.transform(shown)
    # PLOT_DIGITS significant digits, and no more: each number is its exact value so rounded.
    assert np.allclose(pc, want_pc, rtol=0.5 * 10.0 ** (1 - PLOT_DIGITS), atol=0)
    assert pc.ravel().tolist() == [float(f"{v:.{PLOT_DIGITS}g}") for v in want_pc.ravel()]
    # What the page will do with the exported mean and axes: they reproduce the exported projections.
    scale = np.abs(pc).max()
    assert np.allclose(pc, (shown - np.array(data["pca"]["mean"])) @ comps.T, rtol=0, atol=10.0 ** -PLOT_DIGITS * scale)
    outputs = np.tanh(shown @ ckpt.weights.W_out.T)
    want = ["".join("+" if v > 0 else "-" for v in row) for row in outputs]
    assert traj["signs"] == want
    assert len(set(want)) == 8  # the run visits every memory state, so the colours are all used


def test_fixed_points(data, reference, ckpt):
    _, pca, fps = reference
    fp = data["fixed_points"]
    assert {int(k): v for k, v in fp["census"].items()} == fps.summary()
    assert fp["margin"] == fps.margin and len(fp["points"]) == len(fps)
    W, W_out = ckpt.weights.W, ckpt.weights.W_out
    for i, point in enumerate(fp["points"]):
        assert point["index"] == i
        assert point["n_unstable"] == fps.n_unstable[i] and point["n_unstable_naive"] == fps.n_unstable_naive[i]
        assert _close(point["q"], fps.q[i], scale=0.0)
        if point["n_unstable"] > 0:
            # The page runs only from attractors; the others' states would be a fifth of the file.
            assert point["state"] is None
            state = fps.xstar[i]
        else:
            state = np.array(point["state"])
            assert _close(state, fps.xstar[i])
        # A fixed point: it maps to itself, up to the rounding of its coordinates.
        assert np.abs(np.tanh(W @ state) - state).max() < 1e-5
        assert _close(point["pc"], pca.transform(fps.xstar[i]))
        readout = np.tanh(W_out @ state)
        assert np.allclose(point["readout"], readout, rtol=0, atol=1e-5)
        assert point["signs"] == "".join("+" if v > 0 else "-" for v in point["readout"])
    attractor_signs = {p["signs"] for p in fp["points"] if p["n_unstable"] == 0}
    assert len(attractor_signs) == 8  # the eight corners of the memory cube


def test_spectrum(data, ckpt):
    W = ckpt.weights.W
    spec = data["spectrum"]
    ev = spec["eigenvalues"]
    lam = np.array(ev["re"]) + 1j * np.array(ev["im"])
    # The same multiset as numpy's eigenvalues, computed here.
    want = np.linalg.eigvals(W)
    assert len(lam) == len(want) and all(np.abs(want - z).min() < 1e-6 for z in lam)
    assert _close(ev["modulus"], np.abs(lam)) and np.all(np.diff(ev["modulus"]) <= 1e-6)
    assert _close(ev["angle"], np.angle(lam), scale=np.pi)
    for angle, period in zip(ev["angle"], ev["period"], strict=True):
        # Both factors are rounded: twice the rounding error.
        assert period is None if angle == 0 else np.isclose(period * abs(angle), 2 * np.pi, rtol=2 * ROUNDING, atol=0)
    summary = spectrum_summary(W)
    assert spec["unit_radius"] == 1.0
    assert _close(spec["bulk_radius"], 1 / np.sqrt(3)) and _close(spec["outlier_radius"], 1.25 / np.sqrt(3))
    assert spec["n_unstable"] == summary.n_unstable and spec["n_unstable_naive"] == np.sum(np.abs(want) > 1)
    kinds = np.array(ev["kind"])
    outside = np.abs(lam) > spec["outlier_radius"]
    assert np.all(kinds[~outside] == "bulk") and not np.any(kinds[outside] == "bulk")
    assert np.sum(kinds == "rotation") == 2 * len(summary.rotation_eigvals) > 0
    assert np.sum(kinds == "real_outlier") == len(summary.real_outliers)
    # Rotations come in conjugate pairs with angles away from the real axis.
    rot = lam[kinds == "rotation"]
    assert np.allclose(np.sort_complex(rot), np.sort_complex(np.conj(rot)), atol=1e-6)
    assert np.all(np.abs(np.angle(rot)) >= 0.1)


def test_rotation_planes_are_orthonormal_and_invariant(data, ckpt):
    W = ckpt.weights.W
    planes = data["rotation_planes"]
    pairs = spectrum_summary(W).rotation_eigvals
    assert len(planes) == len(pairs) > 0
    for plane, lam in zip(planes, pairs, strict=True):
        B = _matrix(plane["basis"])
        R = _matrix(plane["block"])
        assert B.shape == (2, 100) and R.shape == (2, 2)
        assert np.allclose(B @ B.T, np.eye(2), rtol=0, atol=1e-6)
        # W maps the plane into itself and acts on it as the block: W Bᵀ = Bᵀ R.
        assert np.linalg.norm(W @ B.T - B.T @ R) < 1e-5
        # The block is the pair's rotation: its eigenvalues are λ and its conjugate.
        assert np.allclose(np.sort_complex(np.linalg.eigvals(R)), np.sort_complex([lam, np.conj(lam)]), atol=1e-5)
        assert _close(plane["eigenvalue"], [lam.real, lam.imag]) and _close(plane["modulus"], abs(lam))
        assert _close(plane["angle"], np.angle(lam), scale=np.pi) and plane["angle"] > 0
        assert _close(plane["period"], 2 * np.pi / np.angle(lam), scale=100)
        # Canonical signs: the largest entry of each basis vector is positive.
        assert np.all(B[np.arange(2), np.argmax(np.abs(B), axis=1)] > 0)


def test_rotation_planes_are_the_eigenvectors_planes_with_the_long_axis_first(data, ckpt):
    # From numpy's eigenvectors directly: the plane of Re v, Im v, which is the same for every phase of v.
    lam_all, vecs = np.linalg.eig(ckpt.weights.W)
    phis = np.linspace(0.0, np.pi, 20001)
    for plane in data["rotation_planes"]:
        B = _matrix(plane["basis"])
        v = vecs[:, np.argmin(np.abs(lam_all - complex(*plane["eigenvalue"])))]
        span = np.linalg.qr(np.column_stack([v.real, v.imag]))[0]
        assert np.allclose(B.T @ B, span @ span.T, rtol=0, atol=1e-5)
        # The first basis vector points along the longest of the points Re(v e^{iφ}): the ellipse's major axis.
        ellipse = np.outer(np.cos(phis), v.real) - np.outer(np.sin(phis), v.imag)
        longest = ellipse[np.argmax(np.linalg.norm(ellipse, axis=1))]
        assert abs(B[0] @ longest) / np.linalg.norm(longest) > 1 - 1e-6


def test_short_run_and_n_shown(ckpt):
    small = export_network(ckpt, n_time=DELAY + 2, rng=1, n_shown=3000)
    assert small["trajectory"]["start"] == 0 and len(small["trajectory"]["signs"]) == DELAY + 2
    few = export_network(ckpt, n_time=50, rng=1, n_shown=7)
    assert few["trajectory"]["start"] == 43 and few["trajectory"]["pc"]["shape"] == [7, 3]


def test_export_all_writes_every_shipped_network(tmp_path):
    g = np.random.default_rng(3)
    before = copy.deepcopy(g.bit_generator.state)
    sizes = export_all(tmp_path / "new" / "folder", n_time=2000, rng=g)
    assert g.bit_generator.state == before  # copied, not advanced
    assert sorted(p.name for p in sizes) == [f"network_delay{d}.json" for d in SHIPPED]
    for path, size in sizes.items():
        assert path.parent == tmp_path / "new" / "folder"
        assert size == path.stat().st_size < MAX_FILE_BYTES
    assert sorted(p.name for p in (tmp_path / "new" / "folder").iterdir()) == sorted(p.name for p in sizes)
    # Each file is that network's own export from the same start, whatever was exported before it.
    first = tmp_path / "new" / "folder" / f"network_delay{SHIPPED[0]}.json"
    last = tmp_path / "new" / "folder" / f"network_delay{DELAY}.json"
    for delay, path in ((SHIPPED[0], first), (DELAY, last)):
        want = to_json(export_network(load_pretrained(delay), n_time=2000, rng=np.random.default_rng(3)))
        assert path.read_text(encoding="utf-8") == want


def test_export_all_replaces_files_and_keeps_others(tmp_path, monkeypatch):
    # One network is enough here, and saves the time of the others.
    monkeypatch.setattr(explorer_data, "available_pretrained", lambda: [(DELAY, 0), (DELAY, 1)])
    (tmp_path / f"network_delay{DELAY}.json").write_text("stale")
    (tmp_path / "keep.txt").write_text("mine")
    export_all(tmp_path, n_time=2000, rng=0)
    assert json.loads((tmp_path / f"network_delay{DELAY}.json").read_text())["delay"] == DELAY
    assert (tmp_path / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt", f"network_delay{DELAY}.json"]


# ----------------------------------------------------------------------------- bad input


def test_weights_that_are_not_float32_are_refused(ckpt):
    w = ckpt.weights
    w64 = RNNWeights(W=w.W + 1e-12, W_in=w.W_in, W_out=w.W_out)
    with pytest.raises(ValueError, match=r"^ckpt must hold float32 weights.*weights\.W has"):
        export_network(Checkpoint(weights=w64, metadata=ckpt.metadata), n_time=100, rng=0)


def test_a_run_shorter_than_the_delay_is_refused(ckpt):
    with pytest.raises(ValueError, match=rf"^n_time must be an integer in \[{DELAY + 2}, "):
        export_network(ckpt, n_time=DELAY + 1, rng=0)


def test_export_all_checks_n_time_against_the_longest_delay_before_any_work(tmp_path, monkeypatch):
    def no_work(*args, **kwargs):
        raise AssertionError("export_network ran before n_time was checked")

    monkeypatch.setattr(explorer_data, "export_network", no_work)
    with pytest.raises(ValueError, match=rf"^n_time must be an integer >= {DELAY + 2} \(longest shipped delay"):
        export_all(tmp_path, n_time=DELAY + 1, rng=0)


@pytest.mark.parametrize("folder", [None, 3, ["a"]])
def test_export_all_refuses_a_folder_that_is_not_a_path(folder):
    with pytest.raises(TypeError, match="^folder must be a str or os.PathLike"):
        export_all(folder, rng=0)


def test_export_all_refuses_a_file_as_folder(tmp_path):
    target = tmp_path / "file.json"
    target.write_text("{}")
    with pytest.raises(ValueError, match="^folder must be a directory"):
        export_all(target, rng=0)
    assert target.read_text() == "{}"


def test_export_all_writes_nothing_when_a_file_is_too_large(tmp_path):
    with pytest.raises(ValueError, match=r"^max_bytes must be at least \d+ to hold network_delay\d+\.json, got 1000$"):
        export_all(tmp_path / "out", n_time=2000, rng=0, max_bytes=1000)
    assert not (tmp_path / "out").exists()


def test_to_json_refuses_non_finite_numbers():
    # JSON.parse rejects NaN and Infinity: such a file would break the page, so it must not be written.
    with pytest.raises(ValueError):
        to_json({"x": float("nan")})


def _learned(sweep: str) -> dict[int, list[int]]:
    """Seeds of the N = 100 networks of a stored sweep that learned each Δt, read from its results."""
    from rnnmem_helpers.experiments.sweep import load_sweep

    learned = {}
    for result in load_sweep(sweep)[0]:
        if result.config.n_hidden != 100:
            continue
        rungs = getattr(result, "rungs", None)
        pairs = (
            [(r.delay, r.converged) for r in rungs] if rungs is not None else [(result.config.delay, result.converged)]
        )
        for delay, ok in pairs:
            if ok:
                learned.setdefault(delay, []).append(result.config.seed)
    return learned


def test_explorer_networks_offer_every_learned_delay_by_the_stated_rule():
    sweep, curriculum = _learned("delay_sweep"), _learned("curriculum")
    choices = explorer_data.explorer_networks()

    expected = {d for d in set(SHIPPED) | set(sweep) | set(curriculum) if d <= explorer_data.MAX_EXPLORER_DELAY}
    assert [c.delay for c in choices] == sorted(expected)
    for c in choices:
        if c.delay in SHIPPED:
            assert (c.source, c.seed, c.path) == ("shipped", 0, pretrained_path(c.delay, 0))
        elif c.delay in sweep:
            assert (c.source, c.seed) == ("delay_sweep", min(sweep[c.delay]))
        else:
            assert (c.source, c.seed) == ("curriculum", min(curriculum[c.delay]))
        assert c.path.is_file()
    # The curriculum reaches delays that no delay-sweep network learned.
    assert any(c.source == "curriculum" for c in choices)


def _run(delay, seed, converged, name, n_hidden=100):
    from types import SimpleNamespace

    weights = SimpleNamespace(file=f"weights/{name}.npz")
    return SimpleNamespace(config=SimpleNamespace(delay=delay, seed=seed, n_hidden=n_hidden), converged=converged,
                           accuracy=0.99 if converged else 0.5, weights=weights)


def _curriculum(seed, delays, n_hidden=100):
    """A curriculum whose rungs at ``delays`` converged but the last."""
    from types import SimpleNamespace

    rungs = tuple(
        SimpleNamespace(
            delay=d,
            converged=k < len(delays) - 1,
            accuracy=0.99,
            weights=SimpleNamespace(file=f"weights/c{seed}-{k}.npz"),
        )
        for k, d in enumerate(delays)
    )
    return SimpleNamespace(config=SimpleNamespace(seed=seed, n_hidden=n_hidden), rungs=rungs)


def test_explorer_networks_take_the_lowest_learning_seed_and_new_curriculum_rungs(monkeypatch, tmp_path):
    import rnnmem_helpers.experiments.sweep as sweep

    stored = {
        # Seed 0 did not learn Δt = 12; the Δt = 14 network is N = 200.
        "delay_sweep": [_run(12, 4, True, "s4"), _run(12, 2, True, "s2"), _run(12, 0, False, "s0"),
                        _run(14, 0, True, "big", 200)],
        # Seed 3 reaches Δt = 24 (its rung at 26 fails); seed 1 stops at 20; seed 0 only at N = 200.
        "curriculum": [_curriculum(3, [4, 6, 12, 20, 24, 26]), _curriculum(1, [4, 12, 20, 22]),
                       _curriculum(0, [4, 24, 26], 200)],
    }
    monkeypatch.setattr(sweep, "load_sweep", lambda name: (stored[name], len(stored[name])))
    monkeypatch.setattr(sweep, "shipped_config", lambda name: ({}, tmp_path / name))
    monkeypatch.setattr(explorer_data, "available_pretrained", lambda: [])

    got = {c.delay: (c.source, c.seed, c.rung, c.path) for c in explorer_data.explorer_networks()}

    assert got == {
        4: ("curriculum", 1, 0, tmp_path / "curriculum" / "weights/c1-0.npz"),
        6: ("curriculum", 3, 1, tmp_path / "curriculum" / "weights/c3-1.npz"),
        12: ("delay_sweep", 2, None, tmp_path / "delay_sweep" / "weights/s2.npz"),
        20: ("curriculum", 1, 2, tmp_path / "curriculum" / "weights/c1-2.npz"),
        24: ("curriculum", 3, 4, tmp_path / "curriculum" / "weights/c3-4.npz"),
    }
    assert [c.delay for c in explorer_data.explorer_networks(max_delay=12)] == [4, 6, 12]


def test_export_choice_records_where_the_network_comes_from():
    choice = next(c for c in explorer_data.explorer_networks() if c.source != "shipped")

    data = json.loads(to_json(explorer_data.export_choice(choice, n_time=N_TIME, rng=0)))

    assert data["source"] == {"delay": choice.delay, "seed": choice.seed, "source": choice.source,
                              "rung": choice.rung, "test_accuracy": choice.accuracy, "n_hidden": 100}
    assert data["test_accuracy"] == choice.accuracy and data["delay"] == choice.delay
    from rnnmem_helpers.core.checkpoints import load_checkpoint

    ckpt = load_checkpoint(choice.path)
    assert data["weights"]["W"]["data"] == ckpt.weights.W.ravel().tolist()
    # The page quotes the chapters' accuracy: the median over the canonical streams, with its interval.
    from rnnmem_helpers.chapters.evidence import CANONICAL_SEED, canonical_accuracy

    canonical = canonical_accuracy(ckpt.weights, ckpt.task, rng=CANONICAL_SEED)
    assert data["accuracy"] == {"median": canonical.median.estimate, "low": canonical.median.low,
                                "high": canonical.median.high, "coverage": canonical.median.coverage,
                                "streams": len(canonical.per_stream), "steps": canonical.n_time}
    assert data["accuracy"]["low"] <= data["accuracy"]["median"] <= data["accuracy"]["high"]


def test_export_choice_refuses_a_checkpoint_of_another_delay():
    choice = explorer_data.NetworkChoice(DELAY + 1, 0, "shipped", pretrained_path(DELAY, 0), None)

    with pytest.raises(ValueError, match=rf"choice.path must hold a Δt = {DELAY + 1} network, got one of Δt = {DELAY}"):
        explorer_data.export_choice(choice, n_time=N_TIME, rng=0)
