"""The causal kind: config, key, the measures of a trained network, and its result files."""

import hashlib
import json
import math
import re

import numpy as np
import pytest

from rnnmem_helpers import load_pretrained
from rnnmem_helpers.analyses.ablation import ablate, timing_measures
from rnnmem_helpers.analyses.analysis import run_test, spectrum_summary
from rnnmem_helpers.analyses.fixed_points import find_fixed_points
from rnnmem_helpers.analyses.mechanism import loop_overshoot, pulse_visibility, rotation_plane_angles
from rnnmem_helpers.experiments import experiment
from rnnmem_helpers.experiments.causal import (
    CAUSAL_SCHEMA_VERSION,
    LATENCY_PERCENTILES,
    CausalConfig,
    TimingRecord,
    causal_from_dict,
    causal_key,
    causal_measures,
    causal_to_dict,
    compute_causal,
    load_causal,
    run_causal,
    save_causal,
)
from rnnmem_helpers.experiments.experiment import (
    ResultError,
    RunConfig,
    compute_run,
    result_to_dict,
    run_key,
    score_run,
    train_network,
    weights_file_name,
)

TINY = CausalConfig.from_settings(delay=1, seed=3, n_hidden=6, max_steps=2, n_time=300, n_null=20)


@pytest.fixture(scope="module")
def computed():
    return compute_causal(TINY)


@pytest.fixture(scope="module")
def tiny(computed):
    return computed[0]


@pytest.fixture(scope="module")
def shipped8():
    checkpoint = load_pretrained(8)
    return checkpoint, causal_measures(checkpoint.weights, checkpoint.task, rng=0, n_time=3000, n_null=50)


def test_defaults_and_the_network_it_measures():
    c = CausalConfig()
    assert (c.max_steps, c.n_time, c.n_null) == (8000, 100_000, 1000)
    run = CausalConfig.from_settings(delay=8, seed=4, n_hidden=100).run
    assert run == RunConfig(delay=8, seed=4, n_hidden=100, max_steps=8000, init="paper", analyse=True)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"delay": 10, "n_time": 11}, r"^n_time must be an integer in \[delay \+ 2, .*\] = \[12, "),
        ({"n_hidden": 4000, "n_time": 60_000}, r"^n_time must be an integer in .* = \[2, 50000\], got 60000"),
        ({"n_null": 0}, "^n_null must be"),
    ],
)
def test_config_refuses_streams_the_measures_cannot_take(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CausalConfig.from_settings(**kwargs)


def test_equal_settings_are_one_key_and_never_a_run_key():
    a, b = CausalConfig.from_settings(mean_interval=50), CausalConfig.from_settings(mean_interval=50.0)
    assert a == b and causal_key(a) == causal_key(b) and len(causal_key(a)) == 16
    assert causal_key(a) != causal_key(CausalConfig.from_settings(n_null=999))
    assert causal_key(a) != run_key(a.run)


def test_a_tiny_run_records_its_network_and_none_where_undefined(tiny):
    trained = train_network(TINY.run)
    test = score_run(TINY.run, trained.weights)
    assert tiny.network_key == run_key(TINY.run)
    assert (tiny.steps, tiny.accuracy, tiny.wrong_flips, tiny.converged) == (
        trained.steps,
        test.accuracy,
        test.wrong_flips,
        trained.converged,
    )
    m = tiny.measures
    spec = spectrum_summary(trained.weights.W)
    assert m.n_rotations == spec.rotation_eigvals.size and m.n_real_outliers == spec.real_outliers.size
    # Two updates leave the tiny W inside its bulk: no rotation planes, so no angles to measure.
    assert m.n_rotations == 0 and m.readout_angles is None and m.attractor_angles is None
    assert m.rotations.n_removed == 0 and m.rotations == m.intact


def test_round_trip_maps_nan_to_none_and_refuses_altered_files(tiny, tmp_path):
    path = tmp_path / f"{causal_key(TINY)}.json"
    save_causal(path, tiny)
    assert load_causal(path) == tiny
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    obj = json.loads(text)
    assert obj["kind"] == "causal" and obj["measures"]["readout_angles"] is None
    for change, field in [
        (lambda o: o["config"].update(seed=4), "network_key"),
        (lambda o: o.update(network_key="0" * 16), "network_key"),
        (lambda o: o.update(kind="curriculum"), "kind"),
        (lambda o: o["measures"]["intact"].update(accuracy=1.5), "measures.intact.accuracy"),
        (lambda o: o["measures"]["intact"].update(latency_quantiles=[1.0]), "measures.intact.latency_quantiles"),
        (lambda o: o["measures"].pop("bulk"), "measures.bulk"),
        (lambda o: o["measures"].update(overshoot=None), "measures.overshoot"),
        (lambda o: o.update(schema_version=CAUSAL_SCHEMA_VERSION + 1), "schema_version"),
        (lambda o: o.update(schema_version=1), "schema_version"),
        (lambda o: o.pop("provenance"), "provenance"),
        (lambda o: o["weights"].update(n_bytes=0), "weights.n_bytes"),
        (lambda o: o.update(key="0" * 16), "key"),
    ]:
        bad = json.loads(text)
        change(bad)
        with pytest.raises(ResultError) as info:
            causal_from_dict(bad)
        assert info.value.field == field, (info.value.field, str(info.value))
    assert causal_from_dict(causal_to_dict(tiny)) == tiny


def test_a_file_of_the_first_format_is_refused(tiny, tmp_path):
    # Schema 1 kept no weights, no provenance and no clock tests; its results were recomputed.
    obj = causal_to_dict(tiny)
    del obj["weights"], obj["provenance"], obj["measures"]["clock"]
    obj["schema_version"] = 1
    path = tmp_path / "old.json"
    path.write_text(json.dumps(obj))
    with pytest.raises(ResultError, match=f"^{re.escape(str(path))}: weights is missing$") as info:
        load_causal(path)
    assert info.value.field == "weights"
    obj["weights"], obj["provenance"] = causal_to_dict(tiny)["weights"], causal_to_dict(tiny)["provenance"]
    with pytest.raises(ResultError, match=f"^schema_version must be {CAUSAL_SCHEMA_VERSION}, got 1$"):
        causal_from_dict(obj)
    obj["schema_version"] = CAUSAL_SCHEMA_VERSION
    with pytest.raises(ResultError, match="^measures.clock is missing$"):
        causal_from_dict(obj)


def test_undefined_latencies_are_null_not_nan():
    record = TimingRecord(0, 0.5, 0.5, (None,) * 5, 3, 3)
    assert record.latency_quantiles == (None,) * 5
    with pytest.raises(ValueError, match="^latency_quantiles must be null exactly"):
        TimingRecord(0, 0.5, 0.5, (None,) * 5, 3, 2)
    with pytest.raises(ValueError, match="^latency_quantiles must be"):
        TimingRecord(0, 0.5, 0.5, (float("nan"),) * 5, 3, 2)


def test_visibility_is_none_at_delay_0():
    checkpoint = load_pretrained(0)
    m = causal_measures(checkpoint.weights, checkpoint.task, rng=0, n_time=2000, n_null=20)
    assert m.visibility is None and m.overshoot.n > 0


def test_the_measures_of_the_shipped_delay_8_network_are_the_direct_calls(shipped8):
    checkpoint, m = shipped8
    w, task, n = checkpoint.weights, checkpoint.task, 3000
    assert task.delay == 8
    spec = spectrum_summary(w.W)
    assert (m.n_rotations, m.n_real_outliers) == (spec.rotation_eigvals.size, spec.real_outliers.size)
    # The documented streams: [seed, 1] timing, [seed, 2] bulk, [seed, 3] test run, [seed, 4]/[seed, 5] nulls.
    nets = {
        "intact": (w, 0),
        "rotations": (ablate(w, "rotations").weights, 2 * spec.rotation_eigvals.size),
        "bulk": (ablate(w, "bulk", rng=np.random.default_rng([0, 2])).weights, 2 * spec.rotation_eigvals.size),
        "real_outliers": (ablate(w, "real_outliers").weights, spec.real_outliers.size),
    }
    for name, (net, n_removed) in nets.items():
        direct = timing_measures(net, task, n_time=n, rng=np.random.default_rng([0, 1]))
        rec = getattr(m, name)
        assert rec.n_removed == n_removed
        assert (rec.accuracy, rec.undelayed_accuracy) == (direct.accuracy, direct.undelayed_accuracy)
        assert (rec.n_flips, rec.n_censored) == (direct.n_flips, direct.n_censored)
        np.testing.assert_allclose(rec.latency_quantiles, np.nanpercentile(direct.latencies, LATENCY_PERCENTILES))
    # The network of the paper at Δt = 8: switches at Δt, and loses its timing without its rotations.
    assert m.intact.accuracy > 0.99 and m.intact.latency_quantiles[2] == 8.0
    assert m.rotations.latency_quantiles[2] < 8.0
    run = run_test(w, task, n, rng=np.random.default_rng([0, 3]))
    over, vis = loop_overshoot(run), pulse_visibility(run, w)
    assert (m.overshoot.n, m.overshoot.median, m.overshoot.mean) == (over.n, over.median, over.mean)
    assert m.overshoot.max == over.value.max() and m.overshoot.n > 0
    assert (m.visibility.n, m.visibility.median) == (vis.n, vis.median)
    np.testing.assert_allclose([m.visibility.p10, m.visibility.p90], np.percentile(vis.value, [10, 90]))
    readout = rotation_plane_angles(w.W, w.W_out.T, n_null=50, rng=np.random.default_rng([0, 4]))
    fps = find_fixed_points(w, rng=0)
    attractors = fps.xstar[fps.n_unstable == 0]
    assert m.n_attractors == len(attractors) == 8
    versus = rotation_plane_angles(
        w.W, (attractors - attractors.mean(axis=0)).T, n_null=50, rng=np.random.default_rng([0, 5])
    )
    for rec, direct in ((m.readout_angles, readout), (m.attractor_angles, versus)):
        assert rec.n_planes == direct.eigvals.size == spec.rotation_eigvals.size
        assert (rec.statistic, rec.null_quantile) == (direct.statistic, direct.quantile)
        assert (rec.p_less_orthogonal, rec.p_more_orthogonal) == (direct.p_less_orthogonal, direct.p_more_orthogonal)
        assert rec.reference_rank == direct.reference_rank
        assert 0 < rec.statistic <= math.pi / 2


def _without_provenance(result) -> dict:
    obj = causal_to_dict(result)
    del obj["provenance"]
    return obj


def test_the_network_is_stored_in_the_run_s_own_weights_file(computed):
    result, files = computed
    ((name, data),) = files.items()
    assert name == result.weights.file == weights_file_name(TINY.run)
    assert (result.weights.sha256, result.weights.n_bytes) == (hashlib.sha256(data).hexdigest(), len(data))
    assert run_causal(TINY).weights.file == name
    # The run's result computed from that file is the run's own: same network, same test.
    run = compute_run(TINY.run, trained=data)[0]
    assert (run.steps, run.accuracy, run.wrong_flips, run.history) == (
        result.steps,
        result.accuracy,
        result.wrong_flips,
        result.history,
    )
    assert run.weights == result.weights and result_to_dict(run)["key"] == result.network_key


def test_a_stored_network_is_measured_as_if_trained_again(computed, monkeypatch):
    result, files = computed
    data = files[result.weights.file]
    monkeypatch.setattr(experiment, "train", _no_training)
    again, again_files = compute_causal(TINY, trained=data)
    assert _without_provenance(again) == _without_provenance(result) and again_files == files
    # Other measures of the same network reuse it too; another network's file is refused.
    more = TINY.replace(n_null=7)
    assert compute_causal(more, trained=data)[0].weights == result.weights
    with pytest.raises(ValueError, match="^trained must be the checkpoint of training key"):
        compute_causal(TINY.replace(seed=4), trained=data)


def _no_training(*args, **kwargs):
    raise AssertionError("trained again")


def test_keys_follow_the_resolved_run(monkeypatch):
    key, network = causal_key(TINY), run_key(TINY.run)
    assert len(key) == 16 and key != network
    monkeypatch.setattr(experiment, "TRAINER_VERSION", experiment.TRAINER_VERSION + 1)
    assert causal_key(TINY) != key and run_key(TINY.run) != network


def test_claim_14_is_measured_apart_for_storage_writing_and_timing():
    from rnnmem_helpers.core.checkpoints import load_pretrained
    from rnnmem_helpers.experiments.causal import ClockRecord, _clock_records

    records = _clock_records(load_pretrained(8).weights, 8, 4000, 0)
    by_name = {r.variant: r for r in records}
    assert all(isinstance(r, ClockRecord) for r in records)
    intact, rotations = by_name["intact"], by_name["W rotations"]
    # The intact network keeps its 8 corners and writes every isolated pulse; its flips switch at Δt.
    assert intact.n_surviving == intact.n_reference == 8 and intact.write_success == 1.0
    assert intact.latency_median == 8.0
    # Without W's rotations the corners survive but writes fail; failed writes are excluded, not timed at 0.
    assert rotations.n_surviving == 8 and rotations.write_success < 0.9
    assert rotations.n_excluded > intact.n_excluded and rotations.latency_median > 0
    assert rotations.verdict == "writing impaired"


def test_a_network_without_corners_records_no_clock():
    from rnnmem_helpers.core.model import RNNWeights
    from rnnmem_helpers.experiments.causal import _clock_records

    still = RNNWeights(np.zeros((6, 6), np.float32), np.ones((6, 3), np.float32), np.ones((3, 6), np.float32))
    assert _clock_records(still, 2, 2000, 0) == ()
