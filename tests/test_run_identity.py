"""A run's results always match its configuration, and a damaged run is rebuilt or stays visibly incomplete.

One tiny run goes through the whole workflow with `snakemake`; each test works on a copy of that
working directory (results and Snakemake's .snakemake/ metadata), changes or damages it as a user
might, and runs `snakemake` again. The run's identity is its complete parameter set
(astronet.rundir): a directory holding another parameter set's results, or damaged files, stops
the workflow before any job, and nothing in the directory changes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from astronet.rundir import params_id

REPO = Path(__file__).resolve().parents[1]
RUN = "results/reference/rng_seed-143202461"
# SIC_th below the resting Ca: I_SIC flows from the start, differently in E and I neurons.
TINY = {
    "params": {
        "sim_time": 100.0,
        "n_vp": 1,
        "N_ex": 80,
        "N_in": 20,
        "N_astro": 100,
        "N_rec_mm": 60,
        "pool_size": 5,
        "astrocyte_params": {"SIC_th": 0.05},
        "w_a2n": 1.0,
    },
    "experiments": {"reference": {"description": "tiny network for run identity tests"}},
    "targets": ["reference"],
}
NOTHING = "Nothing to be done"


def snakemake(workdir: Path, *args: str, script: bool = False) -> subprocess.CompletedProcess:
    """`python -m snakemake ...`, or with script=True the `snakemake` script of the environment."""
    exe = [str(Path(sys.executable).with_name("snakemake"))] if script else [sys.executable, "-m", "snakemake"]
    cmd = [
        *exe,
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--cores",
        "2",
        *args,
        "--configfile",
        str(workdir / "tiny.yaml"),
    ]
    return subprocess.run(
        cmd, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"}, timeout=600
    )


def out(proc) -> str:
    return proc.stdout + proc.stderr


def snapshot(run: Path) -> dict:
    """Every file of the run with its size and modification time."""
    return {
        str(p.relative_to(run)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(run.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    wd = tmp_path_factory.mktemp("finished")
    (wd / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    proc = snakemake(wd)
    assert proc.returncode == 0, out(proc)[-3000:]
    return wd


@pytest.fixture
def workdir(finished, tmp_path) -> Path:
    wd = tmp_path / "wd"
    shutil.copytree(finished, wd, symlinks=True)
    return wd


def assert_stopped_and_untouched(proc, run: Path, before: dict, *fragments: str) -> None:
    text = out(proc)
    assert proc.returncode != 0, text[-3000:]
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text[-3000:]}"
    assert "rule simulate" not in text and "localrule run_parameters" not in text, "a job was started"
    assert snapshot(run) == before, "the run directory changed"


# --- results always match their configuration -----------------------------------------------------


def test_metadata_records_the_identity(workdir):
    run = workdir / RUN
    params = json.loads((run / "parameters.json").read_text())
    meta = json.loads((run / "metadata.json").read_text())
    assert (
        meta["params_id"]
        == params_id(params)
        == json.loads((run / "raw/metadata-rank0000.json").read_text())["params_id"]
    )
    assert meta["parameters"] == params


@pytest.mark.parametrize("metadata", ["kept", "removed"])
def test_changed_parameter_never_reuses_nor_replaces_a_run(workdir, metadata):
    """With or without Snakemake's metadata (rm -rf .snakemake): the old results are neither taken
    for the new parameters nor overwritten by them."""
    if metadata == "removed":
        shutil.rmtree(workdir / ".snakemake")
    run = workdir / RUN
    before = snapshot(run)
    proc = snakemake(workdir, "--config", "params={sim_time: 50.0}")
    assert_stopped_and_untouched(
        proc,
        run,
        before,
        "holds a run of other parameters",
        "sim_time: stored 100.0, configured 50.0",
        f"mv {RUN} {RUN}.old",
        "experiments={variant: {params: {sim_time: 50.0}}}",
    )
    assert NOTHING not in out(proc)
    # The suggested way: the variant as an experiment of its own, next to the kept run.
    proc = snakemake(workdir, "--config", "experiments={variant: {params: {sim_time: 50.0}}}", "targets=[variant]")
    assert proc.returncode == 0, out(proc)[-3000:]
    assert (
        json.loads((workdir / "results/variant/rng_seed-143202461/metadata.json").read_text())["parameters"]["sim_time"]
        == 50.0
    )
    assert snapshot(run) == before


def test_results_copied_to_another_checkout(workdir, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(workdir / "tiny.yaml", other)
    shutil.copytree(workdir / "results", other / "results")
    run = other / RUN
    before = snapshot(run)
    assert NOTHING in out(snakemake(other))
    proc = snakemake(other, "--config", "params={N_rec_mm: 10}")
    assert_stopped_and_untouched(
        proc, run, before, "holds a run of other parameters", "N_rec_mm: stored 60, configured 10"
    )


def test_hand_edited_parameters_file(workdir):
    run = workdir / RUN
    path = run / "parameters.json"
    edited = {**json.loads(path.read_text()), "sim_time": 70.0}
    path.write_text(json.dumps(edited))
    before = snapshot(run)
    proc = snakemake(workdir)
    assert_stopped_and_untouched(proc, run, before, "its parameters.json: sim_time: stored 70.0, configured 100.0")
    # The simulation itself also refuses a parameters file that is not the configured run.
    sim = subprocess.run(
        [
            sys.executable,
            "-m",
            "astronet",
            "simulate",
            "--params-id",
            params_id({**edited, "sim_time": 100.0}),
            "--parameters",
            str(path),
            "--output",
            str(workdir / "elsewhere"),
        ],
        capture_output=True,
        text=True,
    )
    assert sim.returncode != 0 and "was changed after the workflow checked it" in sim.stderr
    assert not (workdir / "elsewhere").exists() and not (workdir / "elsewhere.partial").exists()


def test_invalid_parameters_file_keeps_the_recordings(workdir):
    run = workdir / RUN
    (run / "parameters.json").write_text("{not json")
    before = snapshot(run)
    proc = snakemake(workdir)
    assert_stopped_and_untouched(proc, run, before, "parameters.json is damaged", "JSONDecodeError")
    assert (run / "raw" / "spikes-rank0000.parquet").exists()


def test_stale_parameters_of_a_run_never_simulated_are_rewritten(tmp_path):
    """A parameters.json with nothing made from it (an interrupted start) is not a result: it is
    written again from the configuration and the run goes on."""
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    run = tmp_path / RUN
    run.mkdir(parents=True)
    (run / "parameters.json").write_text(json.dumps({"sim_time": 5.0}))
    proc = snakemake(tmp_path, f"{RUN}/raw")
    assert proc.returncode == 0, out(proc)[-3000:]
    assert json.loads((run / "parameters.json").read_text())["sim_time"] == 100.0
    assert json.loads((run / "raw/metadata-rank0000.json").read_text())["parameters"]["sim_time"] == 100.0


def test_interpreter_path_is_no_parameter(workdir):
    """`python -m snakemake` and the `snakemake` script call the same interpreter differently:
    neither re-runs what the other made."""
    assert NOTHING in out(snakemake(workdir, script=True))
    assert NOTHING in out(snakemake(workdir))


def test_sic_summary_per_population(workdir):
    run = workdir / RUN
    meta = json.loads((run / "metadata.json").read_text())
    neurons = pq.read_table(run / "neurons.parquet").to_pandas()
    summary = {
        row["population"]: row for row in __import__("csv").DictReader((run / "summary.csv").read_text().splitlines())
    }
    means = {}
    for pop in ("E", "I"):
        lo, hi = meta["populations"][pop]
        part = neurons[neurons["sender"].between(lo, hi)]
        assert len(part) > 0
        means[pop] = part["I_SIC"].mean()
        assert float(summary[pop]["I_SIC_mean_pA"]) == pytest.approx(means[pop], rel=1e-12)
    assert means["E"] != means["I"] and not np.isclose(means["E"], neurons["I_SIC"].mean())


# --- a damaged run is rebuilt or stays visibly incomplete -------------------------------------------


def test_deleted_rank_file(workdir):
    run = workdir / RUN
    (run / "raw" / "spikes-rank0000.parquet").unlink()
    failed = snakemake(workdir, "--forcerun", "aggregate")
    assert failed.returncode != 0
    before = snapshot(run)
    proc = snakemake(workdir)
    assert_stopped_and_untouched(
        proc, run, before, f"run {RUN} is damaged", "raw/spikes-rank0000.parquet is missing", f"rm -rf {RUN}"
    )
    assert NOTHING not in out(proc)
    # The recovery the message gives: the run is simulated anew, with every result.
    shutil.rmtree(run)
    proc = snakemake(workdir)
    assert proc.returncode == 0, out(proc)[-3000:]
    for name in ("spikes.parquet", "metadata.json", "summary.csv", "metrics.json", "figures/raster.png"):
        assert (run / name).exists()


@pytest.mark.parametrize("damage", ["truncated", "deleted"])
def test_damaged_aggregated_table(workdir, damage):
    run = workdir / RUN
    spikes = run / "spikes.parquet"
    if damage == "truncated":
        with open(spikes, "r+b") as fh:
            fh.truncate(spikes.stat().st_size // 2)
    else:
        for name in ("spikes.parquet", "metadata.json", "summary.csv"):
            (run / name).unlink()
    before = snapshot(run)
    proc = snakemake(workdir)
    assert_stopped_and_untouched(
        proc, run, before, f"run {RUN} is incomplete", "spikes.parquet is", "recordings in raw/ are intact"
    )
    # The recovery the message gives: remove what it lists, and everything is remade from raw/.
    command = out(proc).split("(rm -rf ")[1].split(")")[0]
    subprocess.run(f"rm -rf {command}", shell=True, check=True, cwd=workdir)
    raw_before = snapshot(run / "raw")
    proc = snakemake(workdir)
    assert proc.returncode == 0, out(proc)[-3000:]
    assert "rule simulate" not in out(proc)
    assert snapshot(run / "raw") == raw_before
    assert pq.read_table(spikes).num_rows > 0 and (run / "figures" / "raster.png").exists()
