"""The pipeline end to end through `snakemake` itself, on the small test configuration."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from astronet.config.resources import expected_connections
from workflow_support import TEST_CONFIG, run_snakemake

pytestmark = pytest.mark.slow

RUN = "results/reference/rng_seed-143202461"


def snakemake(workdir, *args, check=True):
    return run_snakemake(workdir, *args, configfiles=[TEST_CONFIG], check=check, timeout=None)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    wd = tmp_path_factory.mktemp("workflow")
    proc = snakemake(wd)
    (wd / "console.txt").write_text(proc.stdout + proc.stderr)
    return wd


def test_tables_have_nest_columns_and_are_sorted(workdir):
    run = workdir / RUN
    columns = {
        "spikes": ["sender", "time", "population"],
        "astrocytes": ["sender", "time", "IP3", "Ca_astro"],
        "neurons": ["sender", "time", "I_SIC"],
    }
    for name, cols in columns.items():
        df = pd.read_parquet(run / f"{name}.parquet")
        assert list(df.columns) == cols
        assert len(df) > 0
        key = df["time"].to_numpy() * 1e7 + df["sender"].to_numpy()
        assert np.all(np.diff(key) >= 0), f"{name} is not sorted by time, sender"
    spikes = pd.read_parquet(run / "spikes.parquet")
    meta = json.loads((run / "metadata.json").read_text())
    for pop in ("E", "I"):
        lo, hi = meta["populations"][pop]
        ids = spikes.loc[spikes["population"] == pop, "sender"]
        assert ids.between(lo, hi).all()
    astro = pd.read_parquet(run / "astrocytes.parquet")
    assert astro["sender"].nunique() == 20  # N_rec_mm of config/test.yaml
    assert astro["sender"].between(*meta["populations"]["astrocytes"]).all()


def test_summary_and_metadata(workdir):
    run = workdir / RUN
    summary = pd.read_csv(run / "summary.csv").set_index("population")
    spikes = pd.read_parquet(run / "spikes.parquet")
    meta = json.loads((run / "metadata.json").read_text())
    p = meta["parameters"]
    n_e = meta["populations"]["E"][1] - meta["populations"]["E"][0] + 1
    # the metrics' window [t_presim, t_presim + sim_time): a spike at exactly the end is left out
    in_window = spikes["time"] < p["t_presim"] + p["sim_time"]
    rate_e = ((spikes["population"] == "E") & in_window).sum() / n_e / (p["sim_time"] / 1000)
    assert summary.loc["E", "mean_rate_hz"] == pytest.approx(rate_e)
    assert 0.5 < rate_e < 100
    # Provenance: versions, parameters incl. NEST defaults, seeds, connections, timers, memory.
    assert meta["nest_version"] == "3.10.0" and "have_mpi" in meta["build_info"]
    astro = meta["model_parameters"]["astrocyte_lr_1994"]
    for key in ("SIC_th", "Kd_IP3_1", "tau_IP3", "rate_L", "delta_IP3"):
        assert key in astro
    assert astro["IP3"] == p["IP3"]
    assert "tau_w" in meta["model_parameters"]["aeif_cond_alpha_astro"]
    assert p["rng_seed"] == 143202461 and p["seed"] == 100
    for key in ("create", "connect", "simulate"):
        assert meta["timers_s"][key] > 0
    assert meta["real_time_factor"] > 0 and meta["peak_memory_mib"]["max_per_rank"] > 50
    expected = expected_connections(p)
    for kind, count in meta["connections"].items():
        assert count == pytest.approx(expected[kind], rel=0.05), kind
    assert meta["connections"]["E_to_astrocytes"] == meta["connections"]["astrocytes_to_neurons"]


def test_progress_in_log(workdir):
    """Each progress report is in the log once, every 5 % of the model time (the console's lines are
    among them, not added to them)."""
    log = (workdir / RUN / "logs" / "simulate.log").read_text()
    progress = re.findall(r"^\[simulate reference/rng_seed-143202461\] +(\d+) %  .*real-time factor", log, flags=re.M)
    percents = [int(p) for p in progress]
    assert percents == list(range(5, 101, 5)), log
    assert log.count("200.0 / 200.0 ms") == 1


def test_no_omp_num_threads_warning(workdir):
    """Snakemake sets OMP_NUM_THREADS to a job's threads (2 here); NEST, which ignores it, would warn
    about it at every kernel reset, in the log and on the console."""
    log = (workdir / RUN / "logs" / "simulate.log").read_text()
    assert "OMP_NUM_THREADS" not in log and "OMP_NUM_THREADS" not in (workdir / "console.txt").read_text()
    meta = json.loads((workdir / RUN / "metadata.json").read_text())
    assert meta["threads"] == 2  # NEST still runs the configured threads


def test_figures_redrawn_without_resimulating(workdir):
    figures = [workdir / RUN / "figures" / f"{n}.png" for n in ("raster", "dynamics", "rate_distribution")]
    for fig in figures:
        assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    raw_mtime = (workdir / RUN / "raw").stat().st_mtime_ns
    proc = snakemake(workdir, "--config", "figures={raster_neurons: 50, rate_bin_ms: 2.0}")
    jobs = set(re.findall(r"rule (\w+):", proc.stdout + proc.stderr))
    assert "figures" in jobs
    assert not jobs & {"simulate", "aggregate", "run_parameters"}
    assert (workdir / RUN / "raw").stat().st_mtime_ns == raw_mtime
