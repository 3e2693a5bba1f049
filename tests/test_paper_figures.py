"""Figures in the layouts of Jiang et al. 2025 drawn from real runs through `snakemake`: a comparison
(Fig. 3: two networks side by side, after a presimulation) and the connectivity of an experiment
that records its connections (Fig. 8: pool sizes), with the tables behind them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
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
    },
    "comparisons": {
        "small_fig3": {"runs": {"Sparse": "sparse_small/rng_seed-143202461", "Synchronous": "synchronous_small"}}
    },
    "targets": ["pools"],
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    wd = tmp_path_factory.mktemp("paper_figures")
    (wd / "paper.yaml").write_text(yaml.safe_dump(CONFIG))
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(wd),
        "--configfile",
        str(wd / "paper.yaml"),
        "--cores",
        "2",
        "all",
        "small_fig3",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if proc.returncode:
        raise AssertionError(f"snakemake failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return wd


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


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
