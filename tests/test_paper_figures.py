"""Figures in the layouts of Jiang et al. 2025 drawn from real runs through `snakemake`: a comparison
(Fig. 3: two networks side by side, after a presimulation) and the connectivity of an experiment
that records its connections (Fig. 8: pool sizes), with the tables behind them."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from workflow_support import run_snakemake

pytestmark = pytest.mark.slow

SMALL = {"scale": 0.1, "n_vp": 2, "N_rec_mm": 10, "t_presim": 100.0, "sim_time": 200.0}
CONFIG = {
    "experiments": {
        "sparse_small": {"description": "the Sparse network at scale 0.1", "params": SMALL},
        "synchronous_small": {
            "description": "the Synchronous network at scale 0.1",
            "params": {**SMALL, "d_i": 2.0, "tau_syn_in": 2.0},
        },
        "pools": {
            "description": "pool sizes with every connection recorded",
            "params": {**SMALL, "t_presim": 0.0, "sim_time": 20.0, "record_connections": True},
            "grid": {"pool_size": [1, 10, 100]},
        },
        "net_small": {
            "description": "recorded from t = 0, three seeds",
            "params": {**SMALL, "record_presim": True},
            "seeds": [1, 2, 3],
        },
        "net_small_no_tripartite": {"params": {**SMALL, "tripartite": False}, "seeds": [1, 2, 3]},
        "net_small_surrogate": {"params": {**SMALL, "surrogate_sic": 3.5}, "seeds": [1, 2]},
    },
    "comparisons": {
        "small_fig3": {"runs": {"Sparse": "sparse_small/rng_seed-143202461", "Synchronous": "synchronous_small"}},
        "small_fig3_authors": {
            "runs": {"Sparse": "net_small/rng_seed-1"},
            "rate_bin_ms": 0.5,
            "t_start": 0.0,
            "t_stop": 250.0,
        },
    },
    "claims": {
        "small_claims": {
            "description": "tripartite vs No-Tripartite, small",
            "pairs": [
                {
                    "regime": "Sparse",
                    "scheme": "bernoulli",
                    "network": "net_small",
                    "control": "net_small_no_tripartite",
                }
            ],
        },
        "small_surrogate_claims": {
            "compared": "surrogate_sic",
            "seeds": [1, 2],
            "pairs": [
                {"regime": "Sparse", "scheme": "bernoulli", "network": "net_small", "control": "net_small_surrogate"}
            ],
        },
    },
    "publish": {"docs/evidence": ["claims/small_claims", "comparisons/small_fig3_authors", "experiments/pools"]},
    "targets": ["pools"],
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    wd = tmp_path_factory.mktemp("paper_figures")
    (wd / "paper.yaml").write_text(yaml.safe_dump(CONFIG))
    targets = ("all", "small_fig3", "small_fig3_authors", "claims", "publish")
    run_snakemake(wd, *targets, configfiles=[wd / "paper.yaml"], check=True, timeout=None)
    return wd


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _metrics_record(workdir: Path, experiment: str, seed: int) -> dict:
    """The metrics.json of an experiment's run with ``rng_seed`` ``seed``."""
    return json.loads((workdir / "results" / experiment / f"rng_seed-{seed}" / "metrics.json").read_text())


def test_fig3_compares_runs_after_the_presimulation(workdir):
    out = workdir / "results" / "comparisons" / "small_fig3"
    width, height = _png_size(out / "fig3.png")
    assert width > height * 0.8  # two columns of four panels
    table = pd.read_csv(out / "metrics.csv")
    assert table["label"].tolist() == ["Sparse", "Synchronous rng_seed-143202461"]
    assert table["experiment"].tolist() == ["sparse_small", "synchronous_small"]
    assert (table["t_start_ms"] == 100.0).all() and (table["t_stop_ms"] == 300.0).all()
    for _, row in table.iterrows():
        rec = json.loads((workdir / "results" / row["experiment"] / row["run"] / "metrics.json").read_text())
        for name in (
            "rate_all",
            "sync_local_all",
            "sync_local_sd_all",
            "sync_global_all",
            "sync_n_all",
            "sic_mean",
            "ca_mean",
            "ca_sd",
        ):
            assert row[name] == pytest.approx(rec["metrics"][name], nan_ok=True), name
        spikes = pd.read_parquet(workdir / "results" / row["experiment"] / row["run"] / "spikes.parquet")
        assert spikes["time"].min() > 100.0  # the presimulation is not recorded
        assert row["rate_all"] == pytest.approx(len(spikes[spikes["time"] < 300.0]) / 1000 / 0.2)


def test_fig3_with_the_authors_definitions(workdir):
    """0.5 ms bins over every recorded neuron from t = 0 (the presimulation recorded), while the
    metrics keep the analysis window from t_presim."""
    out = workdir / "results" / "comparisons" / "small_fig3_authors"
    _png_size(out / "fig3.png")
    row = pd.read_csv(out / "metrics.csv").iloc[0]
    assert (row["plot_t_start_ms"], row["plot_t_stop_ms"], row["rate_bin_ms"]) == (0.0, 250.0, 0.5)
    assert (row["t_start_ms"], row["t_stop_ms"]) == (100.0, 300.0)
    run = workdir / "results" / "net_small" / "rng_seed-1"
    spikes = pd.read_parquet(run / "spikes.parquet")["time"].to_numpy()
    assert spikes.min() < 100.0  # recorded during the presimulation
    counts, _ = np.histogram(spikes, bins=np.arange(0.0, 250.0 + 0.25, 0.5))
    rate = counts / 1000 / 0.0005  # all 1 000 neurons of scale 0.1, spikes/s
    assert row["rate_trace_peak"] == pytest.approx(rate.max())
    assert row["rate_trace_p99"] == pytest.approx(np.percentile(rate, 99))


def test_claims_pair_runs_by_seed(workdir):
    from scipy import stats

    out = workdir / "results" / "claims" / "small_claims"
    _png_size(out / "claims.png")
    runs = pd.read_csv(out / "runs.csv")
    assert runs[["arm", "rng_seed"]].values.tolist() == [[a, s] for s in (1, 2, 3) for a in ("network", "control")]
    assert runs["nest_version"].str.startswith("3.10").all() and (runs["n_vp"] == 2).all()
    assert runs["commit"].notna().all() and runs["host"].notna().all() and runs["start_time"].notna().all()
    table = pd.read_csv(out / "claims.csv").set_index("metric")
    assert list(table.index) == ["sync_local_all", "sync_global_all", "rate_all"]
    for metric, row in table.iterrows():
        values = {}
        for arm, exp in (("network", "net_small"), ("control", "net_small_no_tripartite")):
            recs = [_metrics_record(workdir, exp, s) for s in (1, 2, 3)]
            assert {tuple(r["window_ms"]) for r in recs} == {(100.0, 300.0)}
            values[arm] = np.array([r["metrics"][metric] for r in recs])
        diff = values["network"] - values["control"]
        half = stats.t.ppf(0.975, 2) * diff.std(ddof=1) / np.sqrt(3)
        assert row["n_pairs"] == 3 and row["seeds"] == "1 2 3" and row["window_ms"] == "100-300"
        assert row["network_mean"] == pytest.approx(values["network"].mean())
        assert row["control_mean"] == pytest.approx(values["control"].mean())
        assert row["difference_mean"] == pytest.approx(diff.mean())
        assert (row["ci95_low"], row["ci95_high"]) == pytest.approx((diff.mean() - half, diff.mean() + half))
        assert row["test"] == "paired t (2 dof)"
        low, high = row["ci95_low"], row["ci95_high"]
        assert row["effect"] == ("network higher" if low > 0 else "network lower" if high < 0 else "not resolved")
    claimed = table.loc["sync_local_all"]
    assert claimed["claimed"] == "increase"
    assert claimed["verdict"] == {"network higher": "holds", "network lower": "does not hold"}.get(
        claimed["effect"], "undecided"
    )
    assert pd.isna(table.loc["rate_all", "verdict"])  # no claim: empty


def test_surrogate_claims_pair_the_astrocytes_with_a_constant_sic(workdir):
    """A claim that compares surrogate_sic pairs each seed's network with its Surrogate control, and
    its table says so (the page's header names the arms)."""
    from astronet.figures import evidence_markdown

    out = workdir / "results" / "claims" / "small_surrogate_claims"
    _png_size(out / "claims.png")
    runs = pd.read_csv(out / "runs.csv")
    assert runs[["arm", "experiment", "rng_seed"]].values.tolist() == [
        [arm, exp, s] for s in (1, 2) for arm, exp in (("network", "net_small"), ("control", "net_small_surrogate"))
    ]
    table = pd.read_csv(out / "claims.csv").set_index("metric")
    assert (table["compared"] == "surrogate_sic").all() and (table["n_pairs"] == 2).all()
    for metric, row in table.iterrows():
        values = {
            exp: np.array([_metrics_record(workdir, exp, s)["metrics"][metric] for s in (1, 2)])
            for exp in ("net_small", "net_small_surrogate")
        }
        assert row["difference_mean"] == pytest.approx((values["net_small"] - values["net_small_surrogate"]).mean())
    header = evidence_markdown.render(out / "claims.csv").splitlines()[0]
    assert "| Ca-dependent SIC | Surrogate |" in header


def test_publish_copies_the_evidence(workdir):
    copies = sorted(p.relative_to(workdir / "docs" / "evidence") for p in (workdir / "docs" / "evidence").rglob("*.*"))
    assert [str(p) for p in copies] == [
        *(f"pools/{name}" for name in ("activity.png", "astrocytes.png", "connectivity.csv", "connectivity.png")),
        *(f"pools/{name}" for name in ("runs.csv", "summary.csv", "synchrony.png")),
        "small_claims/claims.csv",
        "small_claims/claims.png",
        "small_claims/runs.csv",
        "small_fig3_authors/fig3.png",
        "small_fig3_authors/metrics.csv",
    ]
    sources = {"small_claims": "claims/small_claims", "small_fig3_authors": "comparisons/small_fig3_authors"}
    for copy in copies:
        name = copy.parts[-1]
        if copy.parts[0] == "pools":  # an experiment: its tables, its figures across runs
            source = workdir / "results" / "pools" / (name if name.endswith(".csv") else f"figures/{name}")
        else:
            source = workdir / "results" / sources[copy.parts[0]] / name
        assert (workdir / "docs" / "evidence" / copy).read_bytes() == source.read_bytes()


def test_fig8_degree_distributions_from_recorded_connections(workdir):
    exp = workdir / "results" / "pools"
    _png_size(exp / "figures" / "connectivity.png")
    table = pd.read_csv(exp / "connectivity.csv").set_index("run")
    assert list(table.index) == ["pool_size 1", "pool_size 10", "pool_size 100"]
    for pool in (1, 10, 100):
        run = exp / f"pool_size-{pool}__rng_seed-143202461"
        meta = json.loads((run / "metadata.json").read_text())
        conns = pd.read_parquet(run / "connections.parquet")
        a2n = conns[conns["synapse_model"] == "sic_connection"]
        row = table.loc[f"pool_size {pool}"]
        n_neurons, n_astro = 1000, 1000
        assert row["a2n_per_neuron_mean"] * n_neurons == len(a2n) == meta["connections"]["astrocytes_to_neurons"]
        assert row["a2n_per_astrocyte_mean"] * n_astro == len(a2n)
        partners = a2n.groupby("target")["source"].nunique()
        assert row["astrocytes_per_neuron_max"] == partners.max() <= pool
        assert row["astrocytes_per_neuron_mean"] == pytest.approx(partners.reindex(range(1, 1001), fill_value=0).mean())
        per_astro = a2n["source"].value_counts().reindex(range(1001, 2001), fill_value=0)
        assert row["a2n_per_astrocyte_sd"] == pytest.approx(np.std(per_astro))
        assert row["build_s"] == pytest.approx(meta["timers_s"]["create"] + meta["timers_s"]["connect"])
        assert row["peak_memory_mib"] == meta["peak_memory_mib"]["max_per_rank"]
    # with a pool of one, each neuron's astrocyte->neuron connections all come from one astrocyte
    assert table.loc["pool_size 1", "astrocytes_per_neuron_mean"] == 1.0
