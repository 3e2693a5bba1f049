"""An experiment end to end through `snakemake`: 2 grid points x 2 seeds of a tiny network, its
summary tables and sweep figures, what reruns when a setting changes or runs are cut (also
without Snakemake's records in .snakemake/), and the report."""

import json
import re
import shutil

import pandas as pd
import pytest
import yaml

from workflow_support import TEST_CONFIG, run_snakemake

pytestmark = pytest.mark.slow

CONFIG = {
    "params": {"sim_time": 200.0, "n_vp": 1, "N_ex": 160, "N_in": 40, "N_astro": 200, "N_rec_mm": 5},
    "experiments": {
        "mini": {
            "description": "two coupling strengths, two seeds",
            "grid": {"w_a2n": [0.05, 1.0]},
            "seeds": [1, 2],
            "analysis": {"t_start": 20.0},
        }
    },
}
RUNS = ["w_a2n-0.05__rng_seed-1", "w_a2n-0.05__rng_seed-2", "w_a2n-1__rng_seed-1", "w_a2n-1__rng_seed-2"]


def snakemake(workdir, *args):
    proc = run_snakemake(workdir, *args, configfiles=(TEST_CONFIG, workdir / "mini.yaml"), check=True, timeout=None)
    return proc.stdout + proc.stderr


def planned_jobs(output: str) -> set[str]:
    return set(re.findall(r"^\s*(?:local)?rule (\w+):", output, flags=re.M))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    wd = tmp_path_factory.mktemp("experiment")
    (wd / "mini.yaml").write_text(yaml.safe_dump(CONFIG))
    # the experiment's own target rule; its console output is kept for the progress test
    (wd / "console.txt").write_text(snakemake(wd, "mini"))
    return wd


def test_console_progress_of_parallel_runs_stays_readable(workdir):
    """Four runs, two at a time: every progress line is whole and names its run."""
    lines = [line for line in (workdir / "console.txt").read_text().splitlines() if "[simulate " in line]
    pattern = re.compile(
        r"\[simulate mini/(\S+)\] +\d+ %  [\d.]+ / 200\.0 ms  real-time factor [\d.]+  (ETA|done in) .+"
    )
    assert all(pattern.fullmatch(line) for line in lines), lines
    assert {pattern.fullmatch(line).group(1) for line in lines} == set(RUNS)


def test_summary_tables_have_a_row_per_run_and_per_point(workdir):
    exp = workdir / "results" / "mini"
    runs = pd.read_csv(exp / "runs.csv")
    assert sorted(runs["run"]) == RUNS
    assert runs[["w_a2n", "rng_seed"]].values.tolist() == [[0.05, 1], [0.05, 2], [1.0, 1], [1.0, 2]]
    assert runs["rate_E"].gt(0).all() and runs["sync_local_all"].notna().all()
    summary = pd.read_parquet(exp / "summary.parquet")
    assert summary["w_a2n"].tolist() == [0.05, 1.0] and summary["n_seeds"].tolist() == [2, 2]
    first = runs[runs["w_a2n"] == 0.05]["rate_E"]
    assert summary["rate_E_mean"].iloc[0] == pytest.approx(first.mean())
    assert summary["rate_E_n"].tolist() == [2, 2] and summary["rate_E_ci95"].notna().all()
    assert len(pd.read_csv(exp / "summary.csv")) == 2 and (exp / "summary.html").exists()
    # each run's provenance, from its metadata.json
    for _, row in runs.iterrows():
        meta = json.loads((exp / row["run"] / "metadata.json").read_text())
        assert row["nest_version"] == meta["nest_version"] and row["nest_version"].startswith("3.")
        assert row["commit"] == meta["provenance"]["git"]["commit"] and len(row["commit"]) == 40
        assert row["n_vp"] == meta["n_vp"] and row["host"] == meta["provenance"]["host"]
        assert row["start_time"] == meta["provenance"]["start_time"] <= row["end_time"]  # ISO 8601, to the second


def test_sweep_figures_and_per_run_outputs_exist(workdir):
    exp = workdir / "results" / "mini"
    for group in ("activity", "synchrony", "astrocytes"):
        assert (exp / "figures" / f"{group}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for run in RUNS:
        assert (exp / run / "metrics.json").exists() and (exp / run / "provenance.html").exists()
        assert (exp / run / "figures" / "raster.png").exists()


def test_nothing_to_do_for_the_same_experiment_selected_by_targets(workdir):
    out = snakemake(workdir, "--dry-run", "--config", "targets=[mini]")
    assert "Nothing to be done" in out


def test_figure_setting_reruns_only_figures(workdir):
    out = snakemake(workdir, "--dry-run", "mini", "--config", "figures={dpi: 60}")
    # settings_record: the figures' new settings record (astronet.config.settings_records)
    assert planned_jobs(out) == {"settings_record", "figures", "sweep_figures", "mini"}


def test_run_figure_settings_do_not_redraw_the_sweep_figures(workdir):
    """raster_neurons and rate_bin_ms concern the runs' figures only."""
    out = snakemake(workdir, "--dry-run", "mini", "--config", "figures={raster_neurons: 50, rate_bin_ms: 2.0}")
    # settings_record: the run figures' new settings record (astronet.config.settings_records)
    assert planned_jobs(out) == {"settings_record", "figures", "mini"}


def test_analysis_setting_reruns_metrics_not_simulations(workdir):
    out = snakemake(workdir, "--dry-run", "mini", "--config", "analysis={bin_ms: 5.0}")
    jobs = planned_jobs(out)
    assert {"metrics", "experiment_summary", "sweep_figures"} <= jobs
    assert not jobs & {"simulate", "aggregate", "run_parameters", "figures"}


@pytest.fixture
def copied(workdir, tmp_path):
    """A copy of the finished experiment without Snakemake's records (rm -rf .snakemake)."""
    wd = tmp_path / "wd"
    shutil.copytree(workdir, wd, symlinks=True)
    shutil.rmtree(wd / ".snakemake")
    return wd


@pytest.mark.parametrize(
    "cut,kept",
    [
        ("experiments={mini: {seeds: [2]}}", ["w_a2n-0.05__rng_seed-2", "w_a2n-1__rng_seed-2"]),
        ("experiments={mini: {grid: {w_a2n: [1.0]}}}", ["w_a2n-1__rng_seed-1", "w_a2n-1__rng_seed-2"]),
    ],
    ids=["seeds", "grid"],
)
def test_tables_hold_exactly_the_configured_runs(copied, cut, kept):
    """Seeds or grid points cut after `rm -rf .snakemake`: the tables are made again from the runs
    that remain configured, nothing is simulated, and the runs cut stay on disk."""
    out = snakemake(copied, "mini", "--config", cut)
    assert not planned_jobs(out) & {"simulate", "aggregate", "metrics"}, out[-2000:]
    exp = copied / "results" / "mini"
    assert pd.read_csv(exp / "runs.csv")["run"].tolist() == kept
    assert pd.read_parquet(exp / "runs.parquet")["run"].tolist() == kept
    assert pd.read_csv(exp / "summary.csv")["n_seeds"].sum() == len(kept)
    assert all((exp / run / "metrics.json").exists() for run in RUNS)
    assert "Nothing to be done" in snakemake(copied, "mini", "--dry-run", "--config", cut)
    # and back to every run: the tables list all four again
    snakemake(copied, "mini")
    assert pd.read_csv(exp / "runs.csv")["run"].tolist() == RUNS


def test_report_is_self_contained_with_captions(workdir):
    snakemake(workdir, "mini", "--report", "report.html")
    html = (workdir / "report.html").read_text()
    for text in ("activity.png", "synchrony.png", "provenance.html", "summary.html", "Student", "Golomb"):
        assert text in html, text
