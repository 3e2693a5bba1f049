"""The benchmarks' records (``benchmarks/<script>.py --record``, docs/performance/*.csv) and the tables
of the pages rendered from them (astronet.figures.evidence_markdown): each script turns made-up
measurements into the rows of its record (nothing is measured or simulated here), the record renders
as its table, and the committed records have the columns the scripts write."""

from pathlib import Path

import pandas as pd
import pytest

import bench
from astronet.figures import evidence_markdown

REPO = Path(__file__).resolve().parents[1]
RECORDS = REPO / "docs" / "performance"
CONTEXT = {
    "source": "benchmarks/script.py --option, 2027-01-02",
    "date": "2027-01-02",
    "host": "h",
    "cpu": "c",
    "cores": 2,
}


def _lines(path: Path) -> list[str]:
    return evidence_markdown.render(path).splitlines()


def _columns(path: Path) -> list[str]:
    return list(pd.read_csv(path).columns)


def _rendered(tmp_path, name: str, rows: list[dict]) -> list[str]:
    """The table of ``rows`` written as the record ``name`` (as the scripts write it), whose columns
    must be those of the committed record of that name."""
    path = tmp_path / name
    bench.write_record(path, rows)
    assert _columns(path) == _columns(RECORDS / name)
    return _lines(path)


def test_record_context_names_the_command_without_record():
    context = bench.record_context("compare_example.py", ["--repeat", "4", "--record", "docs/performance/x.csv"])
    assert context["source"] == f"benchmarks/compare_example.py --repeat 4, {context['date']}"
    assert list(context) == ["source", "date", "host", "cpu", "cores"] and context["cores"] >= 1
    context = bench.record_context("scaling_table.py", ["strong=a.csv", "--record=x.csv"], date="2026-12-07")
    assert context == {"source": "benchmarks/scaling_table.py strong=a.csv, 2026-12-07", "date": "2026-12-07"}


def _comparison(pair: int, model: str, example_wall: float, workflow_wall: float, simulate: float, identical=True):
    """One pair of compare_example.run_once's results (times in s, memory in MiB)."""
    ex_timers = {"time_construction_create": 1.0, "time_construction_connect": 9.0, "time_simulate": simulate + 10}
    wf_timers = {"create": 0.5, "connect": 7.0, "connect_recorders": 0.5, "simulate": simulate, "flush_recordings": 0.2}
    ex_kernel, wf_kernel = bench.example_kernel_s(ex_timers), bench.workflow_kernel_s({"timers_s": wf_timers})
    example = {"wall_s": example_wall, "peak_rss_mib": 1875.0, "peak_tree_rss_mib": 1875.0, "foreign_cores": 0.02}
    workflow = {"wall_s": workflow_wall, "peak_rss_mib": 1680.0, "peak_tree_rss_mib": 1825.0, "foreign_cores": 0.05}
    overhead_s, overhead_pct = bench.overhead(workflow_wall, wf_kernel)
    return {
        "pair": pair,
        "synapse_model": model,
        "example": {**example, "timers_s": ex_timers, "kernel_s": ex_kernel},
        "workflow": {**workflow, "timers_s": wf_timers, "kernel_s": wf_kernel, "peak_memory_mib_simulate": {}},
        "jobs": {},
        "order": ["example", "workflow"] if pair % 2 else ["workflow", "example"],
        "identity": {
            "example_spikes": 10,
            "spikes_identical": identical,
            "sic_identical": True,
            "astrocytes_identical": True,
        },
        "wall_ratio": bench.ratio(workflow_wall, example_wall),
        "kernel_ratio": bench.ratio(wf_kernel, ex_kernel),
        "peak_rss_ratio": bench.ratio(1680.0, 1875.0),
        "peak_tree_rss_ratio": bench.ratio(1825.0, 1875.0),
        "overhead_s": overhead_s,
        "overhead_pct": overhead_pct,
    }


def test_compare_example_record_of_pairs(tmp_path):
    from compare_example import record_rows

    results = [
        _comparison(1, "tsodyks_synapse_hpc", 100.0, 103.0, 90.0),
        _comparison(2, "tsodyks_synapse_hpc", 110.0, 104.0, 92.0, identical=False),
        _comparison(3, "tsodyks_synapse_hpc", 120.0, 125.0, 110.0),
    ]
    rows = record_rows(results, CONTEXT, 0.0, 1000.0, 2)
    assert [r["statistic"] for r in rows] == ["", "", "", "median", "min", "max"]
    assert rows[0]["workflow_create_connect_s"] == 8.0 and rows[0]["first"] == "example"
    lines = _rendered(tmp_path, "compare_example.csv", rows)
    assert lines[0] == "|  | example | workflow | ratio (median of 3; range) |"
    # wall ratios 1.03, 0.945, 1.042: the median as the script prints it, and the range
    assert lines[2] == "| wall time (s) | 100.0 / 110.0 / 120.0 | 103.0 / 104.0 / 125.0 | 1.030 (0.945–1.042) |"
    assert lines[3] == "| peak memory, largest process (MiB) | 1 875 / 1 875 / 1 875 | 1 680 / 1 680 / 1 680 | 0.896 |"
    assert lines[7].endswith("|  |  | differ: spikes in 1 of 3 |")
    # overhead: 5, 4 and 7 s of 98, 100 and 118 s of kernel time
    assert lines[8] == "| workflow overhead: wall − NEST kernel time |  | 4.0–7.0 s | 4.0–5.9 % of the kernel time |"


def test_compare_example_record_of_synapse_models(tmp_path):
    from compare_example import record_rows

    results = [
        _comparison(1, "tsodyks_synapse", 100.0, 95.0, 80.0),
        _comparison(1, "tsodyks_synapse_hpc", 100.0, 90.0, 76.0),
    ]
    rows = record_rows(results, CONTEXT, 1000.0, 10000.0, 2)
    assert [r["statistic"] for r in rows] == ["", ""]  # one pair: nothing to summarise
    lines = _rendered(tmp_path, "compare_example_jiang2025.csv", rows)
    assert lines[0] == (
        "|  | example (`tsodyks_synapse`) | workflow, `tsodyks_synapse` | workflow, `tsodyks_synapse_hpc` (default) |"
    )
    assert lines[2] == "| wall time (s) | 100.0 | 95.0 (0.950×) | 90.0 (0.900×) |"
    assert lines[4] == "| NEST simulate (s) | 90.0 | 80.0 | 76.0 |"
    assert (
        lines[5]
        == "| workflow's own cost: wall − kernel (s) |  | 7.00 = 7.95 % of the kernel | 6.00 = 7.14 % of the kernel |"
    )
    assert lines[8].endswith("| identical, bit for bit | identical, bit for bit |")


def _tuned_run(build: str, seed: int, wall: float, simulate: float, build_s: float) -> dict:
    """One run of tuned_build.run_workflow's results (times in s, memory in MiB)."""
    return {
        "build": build,
        "rng_seed": seed,
        "wall_s": wall,
        "simulate_s": simulate,
        "time_simulate_s": simulate - 1.0,
        "build_s": build_s,
        "peak_memory_mib": 1694.0,
        "peak_rss_mib": 1700.0,
        "load_before": 1.0,
        "load_after": 1.0,
        "foreign_cores": 1.0,
    }


def test_tuned_build_record(tmp_path):
    from tuned_build import record_rows

    context = {**CONTEXT, "t_presim_ms": 0.0, "sim_time_ms": 1000.0, "n_vp": 2}
    first = {"wheel": _tuned_run("wheel", 1, 200.0, 180.0, 10.0), "tuned": _tuned_run("tuned", 1, 190.0, 171.0, 8.0)}
    second = {"tuned": _tuned_run("tuned", 2, 220.0, 105.0, 9.0), "wheel": _tuned_run("wheel", 2, 210.0, 100.0, 10.0)}
    pairs = [{**first, "spikes_differ_from_ms": None, "context": context}, {**second, "spikes_differ_from_ms": 14.3}]
    rows = record_rows(pairs, CONTEXT)
    assert [r["statistic"] for r in rows] == ["", "", "median"]
    assert rows[1]["source"] == CONTEXT["source"] and "date" not in rows[1]  # a pair stored without its context
    assert rows[2]["simulate_ratio"] == pytest.approx(1.0)  # the median of 0.95 and 1.05
    lines = _rendered(tmp_path, "tuned_build.csv", rows)
    assert lines[2] == "| 1 | wheel | 200.0 / 190.0 | 180.0 / 171.0 | 0.950 | 10.0 / 8.0 | 1.00 / 1.00 |"
    assert lines[3] == "| 2 | tuned | 210.0 / 220.0 | 100.0 / 105.0 | 1.050 | 10.0 / 9.0 | 1.00 / 1.00 |"
    assert lines[4] == "| **median** |  | **0.999** | **1.000** (NEST's `time_simulate`: 1.000) |  | **0.850** |  |"


def test_aggregation_record(tmp_path):
    from aggregation import record_rows

    results = [
        {
            "every_kth_node": k,
            "rows_spikes": rows // 20,
            "rows_neurons": rows // 2,
            "rows_astrocytes": rows - rows // 20 - rows // 2,
            "rows": rows,
            "aggregate_s": t,
            "us_per_row": round(1e6 * t / rows, 4),
            "linear_fit_s": fit,
            "fit_error_pct": round(100 * (t / fit - 1), 1),
            "simulate_s": 87.12,
            "share_of_simulate_pct": round(100 * t / 87.12, 2),
        }
        for k, rows, t, fit in ((3, 1_000_000, 0.3, 0.29), (1, 3_000_000, 0.42, 0.43))
    ]
    lines = _rendered(tmp_path, "aggregation.csv", record_rows(results, 0.2165, 7.2e-8, 0.98123, CONTEXT))
    assert lines[2:4] == [
        "| every 3rd | 1,000,000 | 0.30 | 0.300 | 0.29 | 0.34 % |",
        "| all | 3,000,000 | 0.42 | 0.140 | 0.43 | 0.48 % |",
    ]
    assert (
        lines[-1]
        == "Straight line: 0.22 s start-up + 0.072 µs per row (R² = 0.98); NEST's simulate time of the run: 87 s."
    )


def test_memory_model_record(tmp_path):
    from memory_model import record_rows

    def point(label, scale, connections, peak, predicted, error):
        # a row as memory_model.py stores it (benchmarks/results/memory_model.csv) and completes it
        measured = {"label": label, "scale": str(scale), "n_vp": "2", "nodes": str(int(20000 * scale))}
        measured.update(connections=str(connections), peak_rss_mib=str(peak), create_s="1.0", connect_s="6.5")
        measured.update(simulate_s="10.7", sim_time_ms="100.0", date="2027-01-01", host="h", cpu="c", cores="2")
        return {
            **measured,
            "predicted_mib": predicted,
            "error_pct": error,
            "in_use_mib": predicted,
            "in_use_error_pct": error,
        }

    rows = [
        point("scale_1", 1.0, 18_012_345, 1664.2, 1664.0, 0.0),
        point("scale_5", 5.0, 90_061_725, 7846.0, 7885.3, 0.5),
    ]
    rows.append(point("p_third_1", 1.0, 26_000_000, 2218.0, 2219.0, -0.2))
    record = record_rows(rows, CONTEXT)
    assert record[0]["source"] == CONTEXT["source"] and record[0]["date"] == "2027-01-01"  # the point's own date
    assert [r["in_fit"] for r in record] == [True, False, True]
    lines = _rendered(tmp_path, "memory_model.csv", record)
    assert lines[0].endswith("| build (s) | simulate 100 ms (s) |")
    assert lines[3] == "| scale_5 | 5 | 2 | 100,000 | 90.1 | 7,846 | 7,885 | +0.5 % | 7.5 | 10.7 |"
    assert lines[-1] == "Largest error over the scales: 0.5 % (target ±15 %); scale 5 was not used in the fit."


def test_scaling_table_record(tmp_path, capsys):
    """benchmarks/scaling_table.py prints the table of its scaling.csv and records the runs, from which
    both tables of the page render (the phases are NaN with NEST's wheel)."""
    import scaling_table

    runs = pd.DataFrame(
        {
            "run": ["a", "b"],
            "n_vp": [1, 2],
            "mpi_ranks": [1, 2],
            "threads_per_rank": [1, 1],
            "n_cells": [4000, 4000],
            "n_connections": [3605030, 3604357],
            "sim_time_ms": [200.0, 200.0],
            "create_s": [0.05, 0.12],
            "connect_s": [4.28, 2.5],
            "simulate_s": [25.57, 19.25],
            "real_time_factor": [127.85, 96.25],
            "memory_per_rank_max_mib": [453.2, 293.0],
            "efficiency": [1.0, 0.664],
            "time_simulate": [10.59, 10.64],
            "sim_factor": [50.1, 51.0],
            "time_update_frac": [53.0, 36.6],
            "spike_ccd_frac": [2.8, 35.4],
            "secondary_gd_frac": [40.2, 27.4],
            "others_frac": [4.0, 0.6],
        }
    )
    runs.to_csv(tmp_path / "scaling.csv", index=False)
    record = tmp_path / "scaling_table.csv"
    scaling_table.main([f"strong={tmp_path / 'scaling.csv'}", "--record", str(record)])
    df = pd.read_csv(record)
    assert _columns(record) == _columns(RECORDS / "scaling_table.csv")
    assert df["source"][0] == f"benchmarks/scaling_table.py strong={tmp_path / 'scaling.csv'}, {df['date'][0]}"
    lines = _lines(record)
    assert capsys.readouterr().out.startswith(evidence_markdown.render(record))  # printed as the page shows it
    assert lines[3] == "| strong | 2 | 2 × 1 | 4,000 | 3,604,357 | 0.12 | 2.50 | 19.25 | 96.2 | 293 | 0.66 |"
    phases = tmp_path / "scaling_phases.csv"
    phases.write_bytes(record.read_bytes())
    assert _lines(phases)[3] == "| strong | 2 | 2 × 1 | 4,000 | 10.64 | 51.0 | 36.6 % | 35.4 % | 27.4 % | 0.6 % |"


# A row of each table as the page showed it before it was generated: the committed records render it.
COMMITTED = {
    "compare_example.csv": "| NEST simulate (s) | 108.8 / 105.2 / 106.0 / 76.9 | 93.9 / 105.6 / 106.7 / 92.4 |  |",
    "compare_example_jiang2025.csv": "| peak memory, largest process (MiB) | 1 970 | 1 935 (0.982×) | 1 721 (0.874×) |",
    "tuned_build.csv": "| 6 | wheel | 167.8 / 223.1 | 151.3 / 213.3 | 1.410 | 10.9 / 5.7 | 0.83 / 1.10 |",
    "aggregation.csv": "| every 16th | 1,251,611 | 0.34 | 0.271 | 0.29 | 0.39 % |",
    "memory_model.csv": "| scale_10 | 10 | 4 | 200,000 | 180.1 | 15,590 | 15,579 | -0.1 % | 247.9 | 125.8 |",
    "scaling_table.csv": "| weak | 2 | 1 × 2 | 8,000 | 7,204,646 | 0.56 | 5.57 | 31.57 | 157.8 | 762 | 0.80 |",
    "scaling_phases.csv": "| weak | 2 | 2 × 1 | 8,000 | 10.17 | 46.9 | 43.4 % | 22.6 % | 33.8 % | 0.2 % |",
}


def test_every_transcribed_record_is_committed():
    """The records written once from the pages' earlier tables (COMMITTED) are all there; records that
    the scripts wrote themselves may be added (every record is on a page: test_evidence_markdown)."""
    assert set(COMMITTED) <= {p.name for p in RECORDS.glob("*.csv")}


@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_committed_record_renders_its_table(name):
    """Each committed record names its source and renders the row the page showed."""
    df = pd.read_csv(RECORDS / name)
    assert df["source"].notna().all() and df["source"].str.startswith(("benchmarks/", "results/")).all()
    assert COMMITTED[name] in _lines(RECORDS / name)


def test_render_refuses_a_file_of_no_kind(tmp_path):
    (tmp_path / "other.csv").write_text("a\n1\n")
    with pytest.raises(KeyError):
        evidence_markdown.render(tmp_path / "other.csv")
