"""The metrics of a real simulation (NEST, through the workflow's simulate and aggregate steps)
agree with Elephant's, neuron by neuron where the definitions coincide."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from astronet.analysis import metrics as M
from astronet.analysis.run_records import run_metrics_record
from astronet.config.run_quantities import recorded_neuron_ids
from astronet.config.validate import validate_config
from astronet.data.aggregate import aggregate
from workflow_support import simulate_step

REPO = Path(__file__).resolve().parents[1]

neo = pytest.importorskip("neo")
pq = pytest.importorskip("quantities")
estats = pytest.importorskip("elephant.statistics")
econv = pytest.importorskip("elephant.conversion")
ecorr = pytest.importorskip("elephant.spike_train_correlation")

pytestmark = [
    pytest.mark.filterwarnings("ignore:The 'copy' argument in Quantity is deprecated"),
    pytest.mark.filterwarnings("ignore:Binning discarded"),
]

T0 = 100.0  # ms, leaves out the start-up transient


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A 300-neuron network simulated for 1 s; spikes of the first 270 neurons (all E, some I)."""
    cfg = yaml.safe_load((REPO / "config" / "test.yaml").read_text())
    cfg["params"].update(
        {"N_ex": 240, "N_in": 60, "N_astro": 300, "sim_time": 1000.0, "N_rec_spk": 270, "N_rec_mm": 10}
    )
    params = validate_config(cfg)["reference"][0].params
    wd = tmp_path_factory.mktemp("nest_run")
    simulate_step(wd, params)
    meta = aggregate(wd / "raw", wd)
    tables = {k: pd.read_parquet(wd / f"{k}.parquet") for k in ("spikes", "astrocytes", "neurons")}
    return meta, tables


def _trains(spikes, ids, t0, t1):
    """neo SpikeTrains of the given neurons in [t0, t1) (t_stop itself excluded, as in our window)."""
    by_sender = spikes.groupby("sender")["time"].apply(np.asarray).to_dict()
    out = []
    for i in ids:
        t = by_sender.get(int(i), np.empty(0))
        t = t[(t >= t0) & (t < t1)]
        out.append(neo.SpikeTrain(t * pq.ms, t_start=t0 * pq.ms, t_stop=t1 * pq.ms))
    return out


def test_recorded_populations_follow_n_rec_spk(run):
    meta, tables = run
    pops = recorded_neuron_ids(meta)
    assert len(pops["E"]) == 240 and len(pops["I"]) == 30  # first 270 neurons: all E, then 30 I
    assert tables["spikes"]["sender"].max() <= pops["I"][-1]


def test_rates_cv_fano_match_elephant_on_nest_output(run):
    meta, tables = run
    spikes, t1 = tables["spikes"], meta["parameters"]["sim_time"]
    for name, ids in recorded_neuron_ids(meta).items():
        sts = _trains(spikes, ids, T0, t1)
        ref_rate = np.array([estats.mean_firing_rate(st).rescale(pq.Hz).magnitude for st in sts])
        np.testing.assert_allclose(M.per_neuron_rates(spikes, ids, T0, t1), ref_rate, rtol=0, atol=1e-9)
        assert (ref_rate == 0).sum() < len(ids)  # the network fires
        _, ours_cv = M.cv_isi(spikes, ids, T0, t1, min_spikes=3)
        ref_cv = np.array([estats.cv(estats.isi(st).magnitude) if len(st) >= 3 else np.nan for st in sts])
        assert np.isfinite(ref_cv).sum() >= len(ids) // 2, name
        np.testing.assert_allclose(ours_cv, ref_cv, rtol=0, atol=1e-10, equal_nan=True)
        _, ours_ff = M.fano_factor(spikes, ids, T0, t1, bin_ms=100.0)
        # NEST spike times lie on the 0.1 ms grid, some exactly on window edges (where time_slice
        # would count a spike twice): Elephant's binning gives the counts per 100 ms window, and
        # fanofactor takes the windows as trials
        windows = econv.BinnedSpikeTrain(sts, bin_size=100 * pq.ms, t_start=T0 * pq.ms, t_stop=t1 * pq.ms).to_array()
        ref_ff = [
            estats.fanofactor([neo.SpikeTrain(np.full(c, 1.0) * pq.ms, t_stop=2 * pq.ms) for c in row])
            for row in windows
        ]
        np.testing.assert_allclose(ours_ff, np.array(ref_ff, dtype=float), rtol=0, atol=1e-10, equal_nan=True)


def test_synchrony_matches_elephant_binning_and_correlation_on_nest_output(run):
    meta, tables = run
    spikes, t1 = tables["spikes"], meta["parameters"]["sim_time"]
    ids = np.concatenate(list(recorded_neuron_ids(meta).values()))
    res = M.synchrony(spikes, ids, T0, t1, bin_ms=10.0, sample_size=100, seed=0)
    assert res.n_neurons == 100
    binned = econv.BinnedSpikeTrain(
        _trains(spikes, res.node_ids, T0, t1), bin_size=10 * pq.ms, t_start=T0 * pq.ms, t_stop=t1 * pq.ms
    )
    hist = binned.to_array()
    np.testing.assert_array_equal(M.binned_spike_counts(spikes, res.node_ids, T0, t1, 10.0), hist)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cc = ecorr.correlation_coefficient(binned)
    pairs = cc[np.triu_indices(100, k=1)]
    assert res.local == pytest.approx(np.nanmean(pairs), abs=1e-12)
    assert res.local_sd == pytest.approx(np.nanstd(pairs), abs=1e-12)  # Jiang et al.: mean ± SD of r
    h = hist.astype(float)
    assert res.global_ == pytest.approx(h.mean(axis=0).var() / h.var(axis=1).mean(), abs=1e-12)


def test_run_record_agrees_with_elephant_population_means(run):
    """The values written to metrics.json (the workflow's path) are the Elephant-based means."""
    meta, tables = run
    settings = {**M.DEFAULT_SETTINGS, "t_start": T0}
    rec = run_metrics_record(tables["spikes"], tables["astrocytes"], tables["neurons"], meta, settings)
    t1 = meta["parameters"]["sim_time"]
    for name, ids in recorded_neuron_ids(meta).items():
        sts = _trains(tables["spikes"], ids, T0, t1)
        rates = [estats.mean_firing_rate(st).rescale(pq.Hz).magnitude for st in sts]
        cvs = [estats.cv(estats.isi(st).magnitude) for st in sts if len(st) >= 3]
        assert rec["metrics"][f"rate_{name}"] == pytest.approx(np.mean(rates), abs=1e-9)
        assert rec["metrics"][f"cv_isi_{name}"] == pytest.approx(np.mean(cvs), abs=1e-10)
    astro = tables["astrocytes"][tables["astrocytes"]["time"] >= T0]
    assert rec["metrics"]["ca_peak"] == pytest.approx(astro["Ca_astro"].max())
    assert rec["metrics"]["ip3_mean"] == pytest.approx(astro["IP3"].mean())
    assert rec["n_recorded"]["astrocytes"] == 10
    # s.d. across the sampled astrocytes / neurons of each one's mean over the window
    assert rec["metrics"]["ca_sd"] == pytest.approx(astro.groupby("sender")["Ca_astro"].mean().std(ddof=0), rel=1e-12)
    assert rec["metrics"]["ip3_sd"] == pytest.approx(astro.groupby("sender")["IP3"].mean().std(ddof=0), rel=1e-12)
    neurons = tables["neurons"][tables["neurons"]["time"] >= T0]
    assert rec["metrics"]["sic_sd"] == pytest.approx(neurons.groupby("sender")["I_SIC"].mean().std(ddof=0), abs=1e-12)
    # the synchrony sample of E ∪ I: 100 of the neurons that spiked in the window (Jiang et al.)
    window = tables["spikes"][(tables["spikes"]["time"] >= T0) & (tables["spikes"]["time"] < t1)]
    assert rec["metrics"]["sync_n_all"] == min(100, window["sender"].nunique())
