"""Scaling table and figure (astronet.analysis.scaling) on made-up metadata, and the configured scaling experiments."""

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from astronet.analysis.scaling import COLUMNS, scaling_table, write
from astronet.config.validate import validate_config

REPO = Path(__file__).resolve().parents[1]


def meta(n_vp, ranks, simulate_s, cells=2000, memory=(250.0,)):
    per_rank = [
        {
            "rank": r,
            "timers_s": {"create": 0.1, "connect": 0.5 + r, "simulate": simulate_s + r, "total": 9.0},
            "peak_memory_mib": m,
        }
        for r, m in enumerate(memory)
    ]
    n_e = cells * 2 // 5
    return {
        "n_vp": n_vp,
        "n_ranks": ranks,
        "threads": n_vp // ranks,
        "parameters": {"sim_time": 200.0, "t_presim": 0.0, "rng_seed": 1},
        "populations": {"E": [1, n_e], "I": [n_e + 1, cells // 2], "astrocytes": [cells // 2 + 1, cells]},
        "connections": {"E_to_neurons": 1000, "I_to_neurons": 250},
        "ranks": per_rank,
        # the rest of what every run's metadata.json holds (astronet.data.integrity.METADATA_KEYS)
        "params_id": "0123456789ab",
        "nest_version": "3.10.0",
        "recorded_nodes": {"spikes": 100, "neurons": 10, "astrocytes": 10},
        "timers_s": per_rank[0]["timers_s"],
    }


def test_strong_scaling_table():
    df = scaling_table(
        {"a": meta(1, 1, 8.0), "c": meta(2, 2, 3.0, memory=(200.0, 220.0)), "b": meta(2, 1, 4.0)}, "strong"
    )
    assert list(df.columns) == COLUMNS
    assert list(df["run"]) == ["a", "b", "c"]  # by virtual processes, then ranks
    c = df.set_index("run").loc["c"]
    assert c["simulate_s"] == 4.0 and c["connect_s"] == 1.5  # slowest rank
    assert c["real_time_factor"] == pytest.approx(4.0 / 0.2)
    assert (c["memory_per_rank_max_mib"], c["memory_per_rank_mean_mib"], c["memory_total_mib"]) == (220.0, 210.0, 420.0)
    assert df.set_index("run")["efficiency"].to_dict() == pytest.approx({"a": 1.0, "b": 1.0, "c": 1.0})
    assert c["n_cells"] == 2000 and c["n_connections"] == 1250


def test_weak_scaling_efficiency_and_outputs(tmp_path):
    metas = {"a": meta(1, 1, 8.0), "b": meta(2, 2, 10.0, cells=4000, memory=(250.0, 260.0))}
    paths = {}
    for run, m in metas.items():
        paths[run] = tmp_path / f"{run}.json"
        paths[run].write_text(pd.Series(m).to_json())
    df = write(paths, "weak", "weak_scaling", tmp_path / "scaling.csv", tmp_path / "scaling.png")
    assert df.set_index("run")["efficiency"].to_dict() == pytest.approx({"a": 1.0, "b": 8.0 / 11.0})
    assert pd.read_csv(tmp_path / "scaling.csv").shape == (2, len(COLUMNS))
    assert (tmp_path / "scaling.png").stat().st_size > 10_000


def test_configured_scaling_experiments():
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    runs = validate_config(config)
    for name, kind in (("strong_scaling", "strong"), ("weak_scaling", "weak")):
        assert config["experiments"][name]["scaling"] == kind
        points = [(r.params["n_vp"], r.params["mpi_ranks"], r.params["scale"]) for r in runs[name]]
        # the laptop network (scale 0.2, the full network's in-degrees); weak scaling doubles it
        scales = [0.2, 0.2, 0.2] if kind == "strong" else [0.2, 0.4, 0.4]
        assert points == [(1, 1, scales[0]), (2, 1, scales[1]), (2, 2, scales[2])]


# The page that holds the scaling tables (Running on a cluster, "Scaling experiments"), generated from
# the records of benchmarks/scaling_table.py.
CLUSTER_PAGE = (REPO / "docs" / "cluster.md").read_text()
SCALING_RECORDS = [REPO / "docs" / "performance" / name for name in ("scaling_table.csv", "scaling_phases.csv")]


@pytest.mark.parametrize("record", SCALING_RECORDS, ids=lambda path: path.name)
def test_docs_scaling_table_describes_the_configured_networks(record):
    """Cells and connections of every run of the page's tables are those of the run
    config/config.yaml builds (the connections within 1 % of their expected count): no table of
    another network."""
    from astronet.config.resources import expected_connections
    from astronet.config.run_quantities import population_sizes

    assert f"<!-- table: performance/{record.name} -->" in CLUSTER_PAGE
    runs = validate_config(yaml.safe_load((REPO / "config" / "config.yaml").read_text()))
    rows = pd.read_csv(record).to_dict("records")
    assert [(r["scaling"], r["n_vp"], r["mpi_ranks"], r["threads_per_rank"]) for r in rows] == [
        (kind, run.params["n_vp"], run.params["mpi_ranks"], run.params["n_vp"] // run.params["mpi_ranks"])
        for kind in ("strong", "weak")
        for run in runs[f"{kind}_scaling"]
    ]
    per_vp = re.search(
        r"`weak_scaling` \(network grows with\s+them: ([\d ]+) cells per virtual process\)", CLUSTER_PAGE
    )
    weak = runs["weak_scaling"]
    assert {sum(population_sizes(r.params).values()) // r.params["n_vp"] for r in weak} == {
        int(per_vp.group(1).replace(" ", ""))
    }
    for row, run in zip(rows, [*runs["strong_scaling"], *weak], strict=True):
        assert row["cells"] == sum(population_sizes(run.params).values()), row
        if not pd.isna(row["connections"]):
            expected = sum(expected_connections(run.params).values())
            assert row["connections"] == pytest.approx(expected, rel=0.01), row


def test_scaling_table_rows(tmp_path):
    from scaling_table import markdown

    df = scaling_table({"a": meta(1, 1, 8.0), "b": meta(2, 2, 4.0, memory=(200.0, 220.0))}, "strong")
    lines = markdown({"strong": df}).splitlines()
    assert len(lines) == 4
    assert lines[3] == "| strong | 2 | 2 × 1 | 2,000 | 1,250 | 0.10 | 1.50 | 5.00 | 25.0 | 220 | 0.80 |"


@pytest.mark.slow
def test_scaling_experiment_runs_without_result_warnings_or_sweep_figures(tmp_path):
    """A scaling experiment asks about the cost of its runs: it gets scaling.csv and its figure, and
    neither sweep figures nor warnings about its seeds or its network's activity (here Ca_astro
    stays below the SIC threshold in 100 ms, which a coupling sweep would be warned about)."""
    import os

    from mpi_support import snakemake

    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "params": {"sim_time": 100.0, "N_ex": 160, "N_in": 40, "N_astro": 200, "N_rec_mm": 10},
                "experiments": {
                    "tiny_scaling": {"scaling": "strong", "zip": True, "grid": {"n_vp": [1, 2], "mpi_ranks": [1, 1]}}
                },
                "targets": ["tiny_scaling"],
            }
        )
    )
    proc = snakemake(tmp_path, env=dict(os.environ), configfiles=[cfg], warnings="default")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    exp = tmp_path / "results" / "tiny_scaling"
    assert len(pd.read_csv(exp / "scaling.csv")) == 2 and (exp / "figures" / "scaling.png").exists()
    assert sorted(p.name for p in (exp / "figures").iterdir()) == ["scaling.png"]
    assert "astronet warning" not in out, out[-3000:]
