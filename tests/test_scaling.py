"""Scaling table and figure (astronet.scaling) on made-up metadata, and the configured scaling experiments."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from astronet.config import validate_config
from astronet.scaling import COLUMNS, scaling_table, write

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
        # the rest of what every run's metadata.json holds (astronet.integrity.METADATA_KEYS)
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
