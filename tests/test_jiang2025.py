"""The model keys of Jiang et al. 2025's protocol and controls on real NEST: the presimulation
(t_presim), the astrocyte->neuron delay (d_a2n), the neuron->astrocyte weight (w_n2a) and the
No-Tripartite control (tripartite: false)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from astronet.config.analysis_settings import analysis_window
from astronet.config.parameters import validate_params
from astronet.config.schema import param_defaults
from astronet.data.aggregate import aggregate, aggregate_connections
from workflow_support import simulate_step

SMALL = {"scale": 0.1, "n_vp": 2, "N_rec_mm": 10, "rec_interval": 0.5}


def small_params(**overrides) -> dict:
    return validate_params({**param_defaults(), **SMALL, **overrides})


RECORDED = ("spikes", "astrocytes", "neurons")


def simulate(workdir, params) -> tuple[dict, dict[str, pd.DataFrame]]:
    """One run through the workflow's simulate and aggregate steps; its metadata, its recorded tables
    and its summary.csv (key ``summary``)."""
    simulate_step(workdir, params)
    meta = aggregate(workdir / "raw", workdir)
    tables = {k: pd.read_parquet(workdir / f"{k}.parquet") for k in RECORDED}
    return meta, {**tables, "summary": pd.read_csv(workdir / "summary.csv").set_index("population")}


@pytest.fixture(scope="module")
def presim_runs(tmp_path_factory):
    """The same network with 60 ms of presimulation + 90 ms, uninterrupted for 150 ms, and with 60 +
    90 ms recording the presimulation too."""
    tmp = tmp_path_factory.mktemp("presim")
    with_presim = simulate(tmp / "presim", small_params(t_presim=60.0, sim_time=90.0))
    uninterrupted = simulate(tmp / "whole", small_params(sim_time=150.0))
    recorded_presim = simulate(tmp / "recorded", small_params(t_presim=60.0, sim_time=90.0, record_presim=True))
    return with_presim, uninterrupted, recorded_presim


@pytest.fixture(scope="module")
def presim_pair(presim_runs):
    return presim_runs[:2]


@pytest.mark.slow
def test_presimulation_is_not_recorded(presim_pair):
    (meta, tables), _ = presim_pair
    for kind in RECORDED:
        table = tables[kind]
        assert len(table), kind
        assert table["time"].min() > 60.0, kind  # NEST's devices record (start, stop]
        assert table["time"].max() <= 150.0, kind  # recorded times are NEST's times
    assert analysis_window({"t_start": None}, meta["parameters"]) == (60.0, 150.0)
    assert meta["real_time_factor"] == pytest.approx(meta["timers_s"]["simulate"] / 0.150)


@pytest.mark.slow
def test_state_after_presimulation_equals_an_uninterrupted_run(presim_pair):
    (_, presim), (_, whole) = presim_pair
    for kind in ("spikes", "astrocytes", "neurons"):
        later = whole[kind][whole[kind]["time"] > 60.0].reset_index(drop=True)
        pd.testing.assert_frame_equal(presim[kind].reset_index(drop=True), later, check_exact=True)


@pytest.mark.slow
def test_record_presim_records_from_zero_and_analyses_from_t_presim(presim_runs):
    _, (_, whole), (meta, recorded) = presim_runs
    for kind in ("spikes", "astrocytes", "neurons"):
        assert recorded[kind]["time"].min() < 60.0, kind
        pd.testing.assert_frame_equal(recorded[kind], whole[kind], check_exact=True)
    assert meta["parameters"]["record_presim"] is True
    assert analysis_window({"t_start": None}, meta["parameters"]) == (60.0, 150.0)


@pytest.mark.slow
def test_summary_covers_the_analysis_window_when_the_presimulation_is_recorded(presim_runs):
    """summary.csv counts spikes and averages the traces over [t_presim, end), the default analysis
    window, whether the presimulation is recorded or not."""
    (_, unrecorded), _, (meta, recorded) = presim_runs
    t0, t1 = 60.0, 150.0
    spikes = recorded["spikes"]
    in_window = spikes[(spikes["time"] >= t0) & (spikes["time"] < t1)]
    assert len(in_window) < len(spikes)  # the presimulation fired
    summary = recorded["summary"]
    for pop in ("E", "I"):
        n = (in_window["population"] == pop).sum()
        assert summary.loc[pop, "n_spikes"] == n
        assert summary.loc[pop, "mean_rate_hz"] == pytest.approx(n / summary.loc[pop, "n_recorded"] / 0.09)
        # the run without the presimulation recorded: the same spikes but those at exactly t_presim,
        # which NEST's recorders, recording (start, stop], leave out there
        at_start = ((spikes["time"] == t0) & (spikes["population"] == pop)).sum()
        assert unrecorded["summary"].loc[pop, "n_spikes"] == n - at_start
    astro = recorded["astrocytes"]
    window = astro[(astro["time"] >= t0) & (astro["time"] < t1)]
    assert summary.loc["astrocytes", "Ca_astro_mean_uM"] == pytest.approx(window["Ca_astro"].mean(), rel=1e-12)
    assert window["Ca_astro"].mean() != pytest.approx(astro["Ca_astro"].mean(), rel=1e-6)


def test_record_presim_off_leaves_the_identity_unchanged():
    from astronet.config.rundir import params_id

    unset = small_params(t_presim=60.0)
    assert "record_presim" not in unset
    assert small_params(t_presim=60.0, record_presim=False) == unset
    assert params_id(small_params(t_presim=60.0, record_presim=True)) != params_id(unset)
    # Earlier analysis windows become valid only when the presimulation is recorded.
    from astronet.config.analysis_settings import check_analysis

    check_analysis({"t_start": 0.0, "bin_ms": 10.0}, small_params(t_presim=60.0, record_presim=True), "analysis")


def test_analysis_must_start_within_the_recording():
    from astronet.config.analysis_settings import check_analysis
    from astronet.config.schema import ConfigError

    params = small_params(t_presim=100.0, sim_time=200.0)
    with pytest.raises(
        ConfigError, match=r"'analysis\.t_start': 50.0 \(before the end of the presimulation, t_presim = 100"
    ):
        check_analysis({"t_start": 50.0, "bin_ms": 10.0}, params, "analysis")
    check_analysis({"t_start": 150.0, "bin_ms": 10.0}, params, "analysis")
    with pytest.raises(ConfigError, match=r"'params\.t_presim': 0.05 \(must be a multiple of dt"):
        small_params(t_presim=0.05)
    with pytest.raises(ConfigError, match=r"'params\.d_a2n': 0.05 \(a delay must be >= dt"):
        small_params(d_a2n=0.05)


def _network(**overrides):
    """A small network built in this process (create + connect, no simulation)."""
    from astronet.simulation.network import Network

    net = Network(small_params(**overrides))
    net.setup_kernel()
    net.create()
    net.connect()
    return net


def _values(conns, key) -> np.ndarray:
    return np.atleast_1d(np.asarray(conns.get(key), dtype=float))


@pytest.mark.slow
def test_a2n_delay_and_n2a_weight_reach_nest():
    net = _network(d_a2n=0.5, w_n2a=0.3, w_e=1.5)
    nest = net.nest
    a2n = nest.GetConnections(source=net.astro, synapse_model="sic_connection")
    n2a = nest.GetConnections(source=net.exc, target=net.astro)
    e2n = nest.GetConnections(source=net.exc, target=net.neurons)
    assert len(a2n) == len(n2a) == net.connections["astrocytes_to_neurons"] > 0
    assert set(_values(a2n, "delay")) == {0.5}
    assert set(_values(n2a, "weight")) == {0.3}
    assert set(_values(e2n, "weight")) == {1.5}
    # the default: NEST's 1 ms, and the neuron->astrocyte weight follows w_e
    net = _network(w_e=1.5)
    a2n = net.nest.GetConnections(source=net.astro, synapse_model="sic_connection")
    assert set(_values(a2n, "delay")) == {1.0}
    assert set(_values(net.nest.GetConnections(source=net.exc, target=net.astro), "weight")) == {1.5}


def _within_binomial(count: int, n: int, p: float, sigmas: float = 5.0) -> bool:
    return abs(count - n * p) <= sigmas * math.sqrt(n * p * (1 - p))


@pytest.mark.slow
def test_no_tripartite_control():
    net = _network(tripartite=False, w_n2a=0.7)
    nest, p = net.nest, net.p
    assert len(nest.GetConnections(synapse_model="sic_connection")) == 0
    assert len(nest.GetConnections(source=net.astro)) == 0
    n2a = nest.GetConnections(source=net.exc, target=net.astro)
    e2n = nest.GetConnections(source=net.exc, target=net.neurons)
    n_e, n_n, n_a = len(net.exc), len(net.neurons), len(net.astro)
    # expected counts: the tripartite rule's, p_primary * p_third_if_primary per E -> astrocyte pair
    assert _within_binomial(len(n2a), n_e * n_a, p["p_primary"] * p["p_third_if_primary"] / p["scale"])
    assert _within_binomial(len(e2n), n_e * n_n, p["p_primary"] / p["scale"])
    assert set(_values(n2a, "weight")) == {0.7}
    assert net.connections == {
        "poisson": n_n,
        "E_to_neurons": len(e2n),
        "E_to_astrocytes": len(n2a),
        "astrocytes_to_neurons": 0,
        "I_to_neurons": len(nest.GetConnections(source=net.inh)),
    }
    # the same excitatory neuron->astrocyte count as the tripartite network, on average
    tripartite = _network()
    assert _within_binomial(
        tripartite.connections["E_to_astrocytes"], n_e * n_a, p["p_primary"] * p["p_third_if_primary"] / p["scale"]
    )


@pytest.mark.slow
def test_surrogate_astrocytes_send_a_constant_sic(tmp_path):
    """Every neuron receives w_a2n x surrogate_sic from each of its astrocyte->neuron connections, at
    every sample after the first delay: the Surrogate control's constant SIC."""
    params = small_params(
        sim_time=60.0, surrogate_sic=3.5, w_a2n=0.05, N_rec_mm="all", record_connections=True, rec_interval=1.0
    )
    meta, tables = simulate(tmp_path / "surrogate", params)
    aggregate_connections(tmp_path / "surrogate" / "raw", tmp_path / "connections.parquet")
    conns = pd.read_parquet(tmp_path / "connections.parquet")
    per_target = conns[conns["synapse_model"] == "sic_connection"].groupby("target").size()
    sic = tables["neurons"][tables["neurons"]["time"] > params["d_a2n"]]
    expected = 0.05 * 3.5 * per_target.reindex(sic["sender"], fill_value=0).to_numpy()
    assert (expected > 0).mean() > 0.9  # nearly every neuron has an astrocyte
    np.testing.assert_allclose(sic["I_SIC"].to_numpy(), expected, rtol=1e-6, atol=1e-12)
    ca = tables["astrocytes"]["Ca_astro"]
    assert ca.nunique() == 1  # frozen
    assert meta["model_parameters"]["astrocyte_lr_1994"]["rate_SERCA"] == 0.0


def test_surrogate_refuses_what_it_overrides():
    from astronet.config.schema import ConfigError

    with pytest.raises(ConfigError, match=r"'params\.surrogate_sic': 3.5 \(the surrogate astrocyte sets .*rate_L"):
        small_params(surrogate_sic=3.5, astrocyte_params={"rate_L": 0.1})
    with pytest.raises(ConfigError, match=r"'params\.surrogate_sic': 3.5 \(.*tripartite: true"):
        small_params(surrogate_sic=3.5, tripartite=False)
    with pytest.raises(ConfigError, match=r"surrogate_sic"):
        small_params(surrogate_sic=0.0)
    assert "surrogate_sic" not in small_params()  # off: the run's identity is unchanged


@pytest.mark.slow
def test_a_runaway_run_is_flagged_in_its_metrics_and_on_the_console(tmp_path):
    params = small_params(sim_time=100.0, poisson_rate=20000.0)
    simulate(tmp_path / "runaway", params)
    run = tmp_path / "runaway"
    proc = subprocess.run(
        [sys.executable, "-m", "astronet", "metrics", "--spikes", str(run / "spikes.parquet")]
        + ["--astrocytes", str(run / "astrocytes.parquet"), "--neurons", str(run / "neurons.parquet")]
        + ["--metadata", str(run / "metadata.json"), "--settings", "{}", "--experiment", "drive"]
        + ["--run", "rng_seed-1", "--point", '{"rng_seed": 1}', "--output", str(run / "metrics.json")],
        capture_output=True,
        text=True,
        check=True,
    )
    record = json.loads((run / "metrics.json").read_text())
    assert record["metrics"]["rate_all"] > 100.0
    assert len(record["warnings"]) == 1 and "run drive/rng_seed-1: the neurons fire at" in record["warnings"][0]
    assert "astronet warning: run drive/rng_seed-1" in proc.stderr


def test_connectivity_schemes_draw_the_authors_counts_at_full_scale():
    """The fixed rules at full scale use the authors' in-degree 800 / 200, out-degree 1 000 and total
    8 000 000 / 2 000 000 (their run_template.py), pairwise_bernoulli's expected counts."""
    from astronet.simulation.network import Network

    counts = {}
    for rule in ("fixed_indegree", "fixed_outdegree", "fixed_total_number"):
        net = Network(validate_params({**param_defaults(), "primary_rule": rule}))
        counts[rule] = [net.primary_conn_spec(n_src, 10000) for n_src in (8000, 2000)]
    assert counts == {
        "fixed_indegree": [{"rule": "fixed_indegree", "indegree": 800}, {"rule": "fixed_indegree", "indegree": 200}],
        "fixed_outdegree": [{"rule": "fixed_outdegree", "outdegree": 1000}] * 2,
        "fixed_total_number": [
            {"rule": "fixed_total_number", "N": 8000000},
            {"rule": "fixed_total_number", "N": 2000000},
        ],
    }
