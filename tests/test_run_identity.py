"""A run's results always match its configuration, and a damaged run is rebuilt or stays visibly incomplete.

One tiny run goes through the whole workflow with `snakemake`; each test works on a copy of that
working directory (results and Snakemake's .snakemake/ metadata), changes or damages it as a user
might, and runs `snakemake` again. The run's identity is its complete parameter set
(astronet.config.rundir): a directory holding another parameter set's results, or damaged files, stops
the workflow before any job, and nothing in the directory changes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from astronet import load_experiment, load_run
from astronet.config.rundir import params_id
from astronet.data.integrity import DamagedFileError
from astronet.runtime import pause_points
from workflow_support import REPO, TINY_CONFIG, TINY_RUN, run_snakemake, simulate_command

pytestmark = pytest.mark.slow

RUN = TINY_RUN
TINY = TINY_CONFIG
NOTHING = "Nothing to be done"


def snakemake(workdir: Path, *args: str, script: bool = False) -> subprocess.CompletedProcess:
    """`python -m snakemake ...`, or with script=True the `snakemake` script of the environment."""
    return run_snakemake(workdir, *args, configfiles=[workdir / "tiny.yaml"], script=script, timeout=600)


def out(proc) -> str:
    return proc.stdout + proc.stderr


def snapshot(run: Path) -> dict:
    """Every file of the run with its size and modification time."""
    return {
        str(p.relative_to(run)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(run.rglob("*")) if p.is_file()
    }


@pytest.fixture
def workdir(tiny_workdir) -> Path:
    return tiny_workdir


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
    configured = params_id({**edited, "sim_time": 100.0})
    sim = subprocess.run(
        simulate_command(path, workdir / "elsewhere", params_id=configured), capture_output=True, text=True
    )
    assert sim.returncode != 0 and "was changed after the workflow checked it" in sim.stderr
    assert not (workdir / "elsewhere").exists() and not (workdir / "elsewhere.partial").exists()


@pytest.mark.parametrize("damage", ["{not json", "", None], ids=["invalid", "empty", "deleted"])
def test_damaged_parameters_file_is_written_again_without_simulating(workdir, damage):
    """The recordings hold the configured parameters: a parameters.json that is unreadable, empty
    or gone is written again from the configuration; nothing else is redone."""
    run = workdir / RUN
    expected = (run / "parameters.json").read_text()
    if damage is None:
        (run / "parameters.json").unlink()
    else:
        (run / "parameters.json").write_text(damage)

    def results_of(run: Path) -> dict:  # everything but parameters.json and the logs
        return {k: v for k, v in snapshot(run).items() if k != "parameters.json" and not k.startswith("logs/")}

    others = results_of(run)
    for _ in range(2):  # and again after a second damage
        proc = snakemake(workdir)
        assert proc.returncode == 0, out(proc)[-3000:]
        assert "parameters.json: it is" in out(proc) and "written again from the configuration" in out(proc)
        assert "rule simulate" not in out(proc) and "rule aggregate" not in out(proc)
        assert (run / "parameters.json").read_text() == expected
        assert results_of(run) == others
        assert NOTHING in out(snakemake(workdir))
        (run / "parameters.json").write_text("")
    assert len(list((run / "logs").glob("parameters_restored.*"))) == 1


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


def flip_bit(path: Path, offset: int, bit: int = 4) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 1 << bit
    path.write_bytes(bytes(data))


def follow_the_advice(proc, workdir: Path) -> None:
    """Run the `rm` command that a refusal gives."""
    command = re.search(r"\((rm -r?f [^)]+)\)", out(proc)).group(1)
    subprocess.run(command, shell=True, check=True, cwd=workdir)


def test_flipped_bit_in_a_table_is_found_and_remade_from_raw(workdir):
    """One flipped bit inside spikes.parquet (size and magic intact): the start-up check finds it by
    the SHA-256 in metadata.json, names the file and what to remove; the tables are then remade
    from raw/ without simulating, identical to the undamaged ones."""
    run = workdir / RUN
    spikes = run / "spikes.parquet"
    original = pq.read_table(spikes)
    flip_bit(spikes, spikes.stat().st_size // 2)
    before = snapshot(run)
    proc = snakemake(workdir)
    assert_stopped_and_untouched(
        proc,
        run,
        before,
        "spikes.parquet does not match the SHA-256 recorded in metadata.json",
        "recordings in raw/ are intact",
        "without simulating",
    )
    # The results API and the steps that read the table say so too, naming the file.
    with pytest.raises(DamagedFileError, match=r"spikes\.parquet does not match the SHA-256"):
        load_run(run).table("spikes")
    follow_the_advice(proc, workdir)
    proc = snakemake(workdir)
    assert proc.returncode == 0, out(proc)[-3000:]
    assert "rule simulate" not in out(proc) and "rule aggregate" in out(proc)
    assert pq.read_table(spikes).equals(original)


def test_damaged_table_middle_names_the_file_in_every_reader(workdir):
    """Bytes in the middle of spikes.parquet overwritten (magic kept): the figures step and the
    results API name the file and how to rebuild it, not "Couldn't deserialize thrift"."""
    run = workdir / RUN
    spikes = run / "spikes.parquet"
    data = bytearray(spikes.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    spikes.write_bytes(bytes(data))
    step = subprocess.run(
        [
            sys.executable,
            "-m",
            "astronet",
            "figures",
            *("--spikes", str(spikes), "--astrocytes", str(run / "astrocytes.parquet")),
            *("--neurons", str(run / "neurons.parquet"), "--metadata", str(run / "metadata.json")),
            *("--settings", json.dumps({"dpi": 50, "raster_neurons": 10, "rate_bin_ms": 5.0, "t_start": 0.0})),
            *("--raster", str(workdir / "r.png"), "--dynamics", str(workdir / "d.png")),
            *("--rate-distribution", str(workdir / "rd.png")),
        ],
        capture_output=True,
        text=True,
    )
    assert step.returncode != 0
    assert f"{spikes} does not match the SHA-256" in step.stderr and "raw/ without simulating" in step.stderr
    assert not (workdir / "r.png").exists()
    proc = snakemake(workdir)
    assert proc.returncode != 0 and "spikes.parquet does not match the SHA-256" in out(proc)


def test_damaged_table_without_raw_is_simulated_anew(workdir):
    run = workdir / RUN
    shutil.rmtree(run / "raw")
    flip_bit(run / "neurons.parquet", (run / "neurons.parquet").stat().st_size // 2)
    before = snapshot(run)
    proc = snakemake(workdir)
    assert_stopped_and_untouched(proc, run, before, "neurons.parquet does not match", "raw/ is gone", f"rm -rf {RUN}")


def test_damaged_metadata_is_remade_from_raw(workdir):
    """metadata.json damaged while raw/ is intact: the recovery is a remake from raw/, not moving the run away."""
    run = workdir / RUN
    (run / "metadata.json").write_text("{}")
    with pytest.raises(DamagedFileError, match=r"metadata\.json is damaged \(without parameters"):
        load_run(run).to_neo()
    export = subprocess.run(
        [sys.executable, "-m", "astronet", "export-nwb", "--run-dir", str(run), "--output", str(workdir / "run.nwb")],
        capture_output=True,
        text=True,
    )
    assert export.returncode != 0 and f"{run / 'metadata.json'} is damaged (without parameters" in export.stderr
    assert "KeyError" not in export.stderr and not (workdir / "run.nwb").exists()
    before = snapshot(run)
    proc = snakemake(workdir)
    assert_stopped_and_untouched(proc, run, before, "metadata.json is damaged", "recordings in raw/ are intact")
    assert "mv " not in out(proc)
    follow_the_advice(proc, workdir)
    proc = snakemake(workdir)
    assert proc.returncode == 0 and "rule simulate" not in out(proc), out(proc)[-3000:]
    assert load_run(run).metadata["params_id"] == params_id(json.loads((run / "parameters.json").read_text()))


def experiment_summary_step(metrics: Path, out_dir: Path) -> subprocess.CompletedProcess:
    """`python -m astronet experiment-summary` on one run's metrics.json (and the metadata.json beside
    it), its tables into out_dir."""
    outputs = ("runs-parquet", "runs-csv", "summary-parquet", "summary-csv", "summary-html")
    return subprocess.run(
        [sys.executable, "-m", "astronet", "experiment-summary", "--metrics", str(metrics)]
        + ["--metadata", str(metrics.parent / "metadata.json")]
        + ["--experiment", "reference", *(arg for name in outputs for arg in (f"--{name}", str(out_dir / name)))],
        capture_output=True,
        text=True,
    )


def test_zero_byte_metrics_is_named_and_computed_again(workdir):
    run = workdir / RUN
    (run / "metrics.json").write_bytes(b"")
    with pytest.raises(DamagedFileError, match=r"metrics\.json is damaged \(JSONDecodeError"):
        assert load_run(run).metrics
    summary = experiment_summary_step(run / "metrics.json", workdir)
    assert summary.returncode != 0 and f"{run / 'metrics.json'} is damaged" in summary.stderr
    before = snapshot(run)
    proc = snakemake(workdir)
    assert_stopped_and_untouched(proc, run, before, "metrics.json is damaged", "Its tables are intact")
    follow_the_advice(proc, workdir)
    proc = snakemake(workdir)
    assert proc.returncode == 0, out(proc)[-3000:]
    assert "rule metrics" in out(proc) and "rule simulate" not in out(proc) and "rule aggregate" not in out(proc)
    assert load_run(run).metrics["metrics"]["rate_all"] > 0


def test_fano_window_longer_than_the_analysis_window_is_warned(workdir):
    """The default fano_bin_ms (100 ms) over this run's 100 ms window: no Fano factor, and the
    experiment's summary says why."""
    run = workdir / RUN
    assert load_run(run).metrics["metrics"]["fano_E"] is None
    summary = experiment_summary_step(run / "metrics.json", workdir)
    assert summary.returncode == 0, summary.stderr
    assert "analysis.fano_bin_ms = 100 ms fits fewer than twice into the analysis window [0, 100) ms" in summary.stderr


# --- settings, names and targets are checked by content ----------------------------------------------


@pytest.mark.parametrize(
    "setting,rule,check",
    [
        ("analysis={bin_ms: 5.0}", "metrics", lambda run: load_run(run).metrics["settings"]["bin_ms"]),
        ("figures={rate_bin_ms: 2.0}", "figures", lambda run: (run / "figures/raster.png").stat().st_mtime_ns),
    ],
    ids=["analysis", "figures"],
)
def test_changed_settings_are_applied_without_snakemake_records(workdir, setting, rule, check):
    """After `rm -rf .snakemake`, other analysis or figure settings still remake what they change:
    the settings are compared by content (their settings records), and going back remakes it again."""
    shutil.rmtree(workdir / ".snakemake")
    run = workdir / RUN
    raw = snapshot(run / "raw")
    first = check(run)
    proc = snakemake(workdir, "--config", setting)
    assert proc.returncode == 0, out(proc)[-3000:]
    assert f"rule {rule}:" in out(proc) and "rule simulate" not in out(proc) and "rule aggregate" not in out(proc)
    changed = check(run)
    assert changed != first
    if rule == "metrics":
        assert changed == 5.0
    assert NOTHING in out(snakemake(workdir, "--config", setting))
    proc = snakemake(workdir)
    assert proc.returncode == 0 and f"rule {rule}:" in out(proc), out(proc)[-3000:]
    assert check(run) != changed and snapshot(run / "raw") == raw


@pytest.mark.parametrize("target", ["tiny_cmp", "publish"])
def test_changed_analysis_settings_remake_the_metrics_of_a_comparison(workdir, target):
    """After `rm -rf .snakemake`, `snakemake <comparison>` (or `snakemake publish` of it) with other
    analysis settings remakes the metrics of the comparison's runs, whose settings records are its
    targets too, then the comparison (and the published copies); the simulation is not redone."""
    shutil.rmtree(workdir / ".snakemake")
    run = workdir / RUN
    label = "/".join(Path(RUN).parts[1:])  # <experiment>/<run>
    settings = [
        f"comparisons={{tiny_cmp: {{runs: {{A: {label}}}}}}}",
        "publish={published: [comparisons/tiny_cmp]}",
    ]
    assert snakemake(workdir, target, "--config", *settings).returncode == 0
    proc = snakemake(workdir, target, "--config", *settings, "analysis={bin_ms: 5.0}")
    assert proc.returncode == 0, out(proc)[-3000:]
    assert "rule metrics:" in out(proc) and "rule comparison:" in out(proc), out(proc)[-3000:]
    assert "rule simulate" not in out(proc) and "rule aggregate" not in out(proc)
    assert load_run(run).metrics["settings"]["bin_ms"] == 5.0
    made = workdir / "results" / "comparisons" / "tiny_cmp" / "metrics.csv"
    assert f"{load_run(run).metrics['metrics']['sync_local_all']}" in made.read_text()
    if target == "publish":
        assert (workdir / "published" / "tiny_cmp" / "metrics.csv").read_text() == made.read_text()
    assert NOTHING in out(snakemake(workdir, target, "--config", *settings, "analysis={bin_ms: 5.0}"))


def test_renamed_experiment_directory_takes_its_new_name(workdir):
    shutil.rmtree(workdir / ".snakemake")
    (workdir / "results" / "reference").rename(workdir / "results" / "renamed")
    proc = snakemake(workdir, "--config", "experiments={renamed: {description: renamed}}", "targets=[renamed]")
    assert proc.returncode == 0, out(proc)[-3000:]
    assert "rule simulate" not in out(proc) and "rule aggregate" not in out(proc)
    run = workdir / "results" / "renamed" / RUN.split("/")[-1]
    assert load_run(run).metrics["experiment"] == "renamed"
    assert set(pq.read_table(workdir / "results/renamed/runs.parquet").column("experiment").to_pylist()) == {"renamed"}


def test_every_target_passes_the_identity_check(workdir):
    """The NWB export of a finished run with other parameters is refused like any target, and
    parameters.json keeps the parameters its recordings hold."""
    run = workdir / RUN
    before = snapshot(run)
    proc = snakemake(workdir, "nwb", "--config", "params={w_a2n: 0.3}")
    assert_stopped_and_untouched(
        proc, run, before, "holds a run of other parameters", "w_a2n: stored 1.0, configured 0.3"
    )
    proc = snakemake(workdir, f"{RUN}/run.nwb", "--config", "params={w_a2n: 0.3}")
    assert_stopped_and_untouched(proc, run, before, "holds a run of other parameters")


def test_absolute_target_names_the_relative_one(workdir):
    run = workdir / RUN
    before = snapshot(run)
    proc = snakemake(workdir, str(run / "metrics.json"))
    assert_stopped_and_untouched(proc, run, before, f"give it relative to the working directory: {RUN}/metrics.json")


def test_memory_is_checked_only_for_runs_to_simulate(workdir):
    """A finished run needs no memory: a dry run of it passes a limit it would not fit; a run still to
    be simulated is refused, with advice that fits its parameters."""
    proc = snakemake(workdir, "--dry-run", "--config", "resources={max_mem_mb: 50}")
    assert proc.returncode == 0 and NOTHING in out(proc), out(proc)[-3000:]
    proc = snakemake(
        workdir, "--dry-run", "--config", "resources={max_mem_mb: 50}", "experiments={reference: {seeds: [7]}}"
    )
    assert proc.returncode != 0 and "exceeds the 50 MiB resources.max_mem_mb allows" in out(proc)
    assert "use synapse_model: tsodyks_synapse_hpc" not in out(proc)  # already the default


def test_experiment_api_holds_exactly_the_runs_of_its_tables(workdir):
    """After the advice of docs/configuration.md (move the old run aside, run the new parameters), load_experiment's
    table, iteration and concat agree: the moved directory is not one of the experiment's runs."""
    name = RUN.split("/")[-1]
    old = workdir / "results" / "reference" / "old"
    (workdir / RUN).rename(old)
    proc = snakemake(workdir, "--config", "params={w_a2n: 0.5}")
    assert proc.returncode == 0, out(proc)[-3000:]
    exp = load_experiment(workdir / "results" / "reference")
    assert list(exp.table["run"]) == list(exp.runs) == [name]
    spikes = exp.concat("spikes")
    assert set(spikes["run"]) == {name} and len(spikes) == len(load_run(workdir / RUN).spikes)
    assert load_run(old).parameters["w_a2n"] == 1.0 and load_run(workdir / RUN).parameters["w_a2n"] == 0.5


# --- reading the workflow changes nothing ---------------------------------------------------------


@pytest.fixture
def stale(workdir) -> Path:
    """A second run whose parameters.json holds other parameters and from which nothing was simulated
    (an interrupted start): the kind of file the workflow writes again before simulating."""
    other = workdir / "results" / "reference" / "rng_seed-7"
    other.mkdir()
    (other / "parameters.json").write_text(json.dumps({"sim_time": 5.0}))
    return other


@pytest.mark.parametrize(
    "args",
    [("--dry-run",), ("--summary",), ("--dag",), ("--rulegraph",), ("--lint",), ("--list-rules",)],
    ids=lambda a: a[0],
)
def test_reading_the_workflow_changes_nothing(workdir, stale, args):
    seeds = "experiments={reference: {seeds: [143202461, 7]}}"
    before = snapshot(workdir / "results")
    proc = snakemake(workdir, *args, "--config", seeds)
    assert proc.returncode == 0, out(proc)[-3000:]
    assert snapshot(workdir / "results") == before
    # A real run writes it again before the simulation that reads it (onstart).
    proc = snakemake(workdir, "--config", seeds)
    assert proc.returncode == 0, out(proc)[-3000:]
    assert json.loads((stale / "parameters.json").read_text())["rng_seed"] == 7


def test_invocation_refused_by_the_lock_changes_nothing(workdir, stale):
    """A second `snakemake` while a first one holds the lock (held in the middle of a simulation at a
    pause point, released afterwards) is refused, and has changed nothing under results/ while it
    read the workflow; the first one finishes its runs."""
    first_seeds = "experiments={reference: {seeds: [143202461, 8, 9, 10, 11]}}"
    marker = workdir.parent / "paused"
    env = {**os.environ, pause_points.PAUSE_AT: "simulating", pause_points.PAUSE_MARKER: str(marker)}
    first = subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir)]
        + ["--cores", "1", "--config", first_seeds, "--configfile", str(workdir / "tiny.yaml")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 300
        while not (marker.exists() and marker.read_text()):
            assert first.poll() is None and time.monotonic() < deadline, "the first invocation never paused"
            time.sleep(0.1)
        assert any((workdir / ".snakemake" / "locks").iterdir())
        stale_file = stale / "parameters.json"
        stale_before = (stale_file.read_text(), stale_file.stat().st_mtime_ns)
        finished_before = snapshot(workdir / RUN)
        second = snakemake(workdir, "--config", "experiments={reference: {seeds: [143202461, 7, 8]}}")
        assert first.poll() is None, "the first invocation ended before the second one was refused"
    finally:
        marker.unlink(missing_ok=True)  # releases the paused simulation
        first_out, _ = first.communicate(timeout=600)
    assert second.returncode != 0 and "cannot be locked" in out(second), out(second)[-3000:]
    assert (stale_file.read_text(), stale_file.stat().st_mtime_ns) == stale_before
    assert snapshot(workdir / RUN) == finished_before
    assert first.returncode == 0, first_out[-3000:]
    assert (workdir / "results/reference/rng_seed-11/metrics.json").exists()
