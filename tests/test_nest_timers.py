"""NEST's own timers of a run (astronet.simulation.nest_timers) and beNNch's quantities made from them
(astronet.analysis.bennch): recorded per rank and thread over every Prepare/Cleanup cycle with real NEST,
in the runs and scaling tables and the scaling figure through snakemake.

The phases need NEST's detailed timers, which the builds of tools/build_nest.sh have (the MPI build
here, found as users find it); the PyPI wheel reports the basic timers only. Without the MPI build
the tests that need it are skipped, under CI=true they fail. Networks are tiny.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
import yaml

from astronet.analysis import bennch
from astronet.simulation.nest_timers import master_thread
from mpi_support import SMALL, mpi_env, run_params, simulate, snakemake, wheel_env

TINY = dict(SMALL, record_connections=False, N_rec_mm=10)


@pytest.fixture(scope="module")
def menv():
    return mpi_env()


def rank_meta(rank: int, threads: int, update: float, simulate_s: float, host: str = "a") -> dict:
    per_thread = lambda v: [v + 0.5 * t for t in range(threads)]  # noqa: E731
    timers = {
        "time_simulate": simulate_s,
        "time_update": per_thread(update),
        "time_collocate_spike_data": 0.1,
        "time_communicate_spike_data": 0.2,
        "time_deliver_spike_data": per_thread(0.3),
        "time_gather_secondary_data": 0.4,
        "time_deliver_secondary_data": per_thread(0.5),
        "time_construction_create": 1.0,
    }
    return {"rank": rank, "host": host, "timers_s": {"create": 2.0, "connect": 3.0 + rank}, "nest_timers_s": timers}


def test_bennch_quantities_take_thread_0_and_the_mean_over_ranks():
    meta = {
        "n_vp": 4,
        "threads": 2,
        "parameters": {"sim_time": 1500.0, "t_presim": 500.0},
        "ranks": [rank_meta(0, 2, 4.0, 10.0, "n1"), rank_meta(1, 2, 6.0, 12.0, "n2"), rank_meta(2, 2, 5.0, 11.0, "n2")],
    }
    q = bennch.quantities(meta)
    assert list(q) == list(bennch.COLUMNS)
    assert (q["num_nvp"], q["num_nodes"], q["tasks_per_node"], q["threads_per_task"]) == (4, 2, 2, 2)
    assert q["model_time_sim"] == 2000.0  # presimulation included, as NEST's timers cover it
    assert q["time_update"] == pytest.approx(5.0) and q["time_simulate"] == pytest.approx(11.0)
    assert q["py_time_connect"] == pytest.approx(4.0)
    assert q["sim_factor"] == pytest.approx(11.0 / 2.0)
    assert q["time_update_factor"] == pytest.approx(2.5) and q["time_update_frac"] == pytest.approx(100 * 5 / 11)
    assert q["spike_ccd_factor"] == pytest.approx((0.1 + 0.2 + 0.3) / 2)
    assert q["secondary_gd_frac"] == pytest.approx(100 * 0.9 / 11)
    assert q["others_factor"] == pytest.approx((11.0 - 5.0 - 1.5) / 2)
    assert math.isnan(q["time_gather_spike_data"])  # not measured: NaN, never 0
    assert master_thread([3.0, 9.0]) == 3.0 and master_thread(None) is None


CYCLES = dict(TINY, sim_time=200.0, chunk_ms=40.0)  # 5 Prepare/Cleanup cycles


@pytest.mark.mpi
def test_time_simulate_covers_the_run_calls_of_every_cycle(tmp_path, menv):
    """One rank, 2 threads, 5 cycles: NEST resets time_simulate at every Prepare; summed over the
    cycles it covers the wall time of every nest.Run call (the last cycle's alone would be a fifth).
    One rank: with several, a rank waits for the others at the start of each call, outside the timer."""
    run = simulate(tmp_path / "1x2", run_params(**CYCLES, n_vp=2, mpi_ranks=1), menv)
    (rank,) = json.loads((run / "metadata.json").read_text())["ranks"]
    simulated, run_calls = rank["nest_timers_s"]["time_simulate"], rank["timers_s"]["run_calls"]
    assert 0.9 * run_calls - 0.05 <= simulated <= run_calls + 1e-3, (simulated, run_calls)


@pytest.mark.mpi
def test_timers_per_rank_and_thread_with_phases_inside_the_simulation(tmp_path, menv):
    """2 ranks x 2 threads: every rank records NEST's timers, per thread where NEST measures per
    thread; thread 0's update and delivery and the spike exchange are parts of time_simulate."""
    p = run_params(**CYCLES, n_vp=4, mpi_ranks=2, allow_hybrid_split=True)
    run = simulate(tmp_path / "2x2", p, menv)
    meta = json.loads((run / "metadata.json").read_text())
    assert meta["build_info"]["have_mpi"] and len(meta["ranks"]) == 2
    for rank in meta["ranks"]:
        t = rank["nest_timers_s"]
        for name in ("time_update", "time_deliver_spike_data", "time_communicate_prepare"):
            assert len(t[name]) == 2, name  # one value per thread
        for name in ("time_simulate", "time_gather_spike_data", "time_collocate_spike_data"):
            assert isinstance(t[name], float), name
        thread0 = master_thread(t["time_update"]) + master_thread(t["time_deliver_spike_data"])
        assert 0 < thread0 + t["time_gather_spike_data"] <= t["time_simulate"]
        assert t["time_collocate_spike_data"] + t["time_communicate_spike_data"] <= t["time_gather_spike_data"]
        assert t["time_simulate_cpu"] > 0


def test_the_wheel_reports_the_basic_timers_only(tmp_path):
    env = wheel_env()
    run = simulate(tmp_path / "1x2", run_params(**TINY, n_vp=2, mpi_ranks=1), env)
    meta = json.loads((run / "metadata.json").read_text())
    (rank,) = meta["ranks"]
    assert not meta["build_info"]["have_mpi"] and rank["nest_timers_s"]["time_simulate"] > 0
    assert "time_update" not in rank["nest_timers_s"]
    q = bennch.quantities(meta)
    assert q["sim_factor"] > 0 and all(math.isnan(q[f"{p}_factor"]) for p in bennch.PHASES)


@pytest.mark.mpi
@pytest.mark.slow
def test_scaling_experiment_reports_phases_in_its_tables_and_figure(tmp_path, menv):
    """A strong-scaling experiment (1 x 1, 1 x 2, 2 x 1) through snakemake with the MPI build:
    scaling.csv and runs.csv carry NEST's timers under beNNch's names, and the figure is drawn."""
    config = {
        "params": {**TINY, "sim_time": 200.0},
        "experiments": {
            "tiny_strong": {"scaling": "strong", "zip": True, "grid": {"n_vp": [1, 2, 2], "mpi_ranks": [1, 1, 2]}}
        },
        "targets": ["tiny_strong"],
    }
    cfg = tmp_path / "scaling.yaml"
    cfg.write_text(yaml.safe_dump(config))
    targets = ["results/tiny_strong/scaling.csv", "results/tiny_strong/runs.csv"]
    proc = snakemake(tmp_path, *targets, env=menv, configfiles=[cfg])
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    scaling = pd.read_csv(tmp_path / targets[0])
    assert set(bennch.COLUMNS) <= set(scaling.columns)
    assert list(zip(scaling["num_nvp"], scaling["threads_per_task"], strict=True)) == [(1, 1), (2, 2), (2, 1)]
    assert (scaling["num_nodes"] == 1).all() and (scaling["model_time_sim"] == 200.0).all()
    for phase in bennch.PHASES:
        assert scaling[f"{phase}_factor"].notna().all() and (scaling[f"{phase}_frac"] >= 0).all(), phase
    assert (scaling["time_update_frac"] > 0).all() and (scaling["time_update_frac"] < 100).all()
    # scaling.csv holds 6 significant digits
    assert scaling["sim_factor"].to_numpy() == pytest.approx(scaling["time_simulate"].to_numpy() / 0.2, rel=1e-5)
    runs = pd.read_csv(tmp_path / targets[1])
    assert runs["time_update"].notna().all() and runs["time_simulate"].gt(0).all()
    assert (tmp_path / "results/tiny_strong/figures/scaling.png").stat().st_size > 50_000
