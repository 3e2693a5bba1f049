"""The tools around a run, on one real run of config/test.yaml through `snakemake`: jobs use the
interpreter of their environment, the console shows progress and warnings, the figure legend
agrees with runs.csv, and the Python API (load_run, load_experiment, to_neo with Elephant, NWB)."""

import importlib.metadata
import json
import os
import re
import shutil
import sys

import numpy as np
import pandas as pd
import pytest

from astronet import load_experiment, load_run, validate_params
from astronet.config.schema import ConfigError
from astronet.simulation.console import ConsoleProgress, LogProgress, Reports
from workflow_support import TEST_CONFIG, run_snakemake

RUN = "results/reference/rng_seed-143202461"
pytestmark = pytest.mark.slow


def snakemake(workdir, *args, env=None, script=False):
    env = {**os.environ, **(env or {})}
    warnings = env.pop("PYTHONWARNINGS", "ignore")
    configfiles = [TEST_CONFIG]
    return run_snakemake(
        workdir, *args, configfiles=configfiles, env=env, warnings=warnings, check=True, timeout=None, script=script
    )


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    """The test configuration with figures as SVG (text kept as text) and the NWB export, every job
    started in a shell that activates another environment first, as conda's activation does."""
    wd = tmp_path_factory.mktemp("tools")
    env_bin = wd / "other-env" / "bin"
    env_bin.mkdir(parents=True)
    record = wd / "python-calls.txt"
    (env_bin / "python").write_text(f'#!/bin/sh\necho "$*" >> {record}\nexec {sys.executable} "$@"\n')
    (env_bin / "python").chmod(0o755)
    activate = wd / "activate.sh"
    activate.write_text(f'export PATH={env_bin}:"$PATH"\n')
    (wd / "mplrc").mkdir()
    (wd / "mplrc" / "matplotlibrc").write_text("svg.fonttype: none\n")
    # PYTHONWARNINGS=default: the helper's "ignore" would also silence astronet's warnings.
    proc = snakemake(
        wd,
        "all",
        f"{RUN}/run.nwb",
        "--config",
        "figures={format: svg}",
        env={"BASH_ENV": str(activate), "MATPLOTLIBRC": str(wd / "mplrc"), "PYTHONWARNINGS": "default"},
    )
    return wd, proc, record


def test_jobs_run_the_python_of_their_environment(workflow):
    wd, _, record = workflow
    calls = record.read_text()
    steps = (
        "simulate",
        "aggregate",
        "metrics",
        "figures",
        "provenance",
        "experiment-summary",
        "export-nwb",
    )
    for step in steps:
        assert f"-m astronet {step} --" in calls, step
    # A rule's parameters no longer name the interpreter: starting Snakemake another way reruns nothing.
    out = snakemake(
        wd,
        "all",
        "--dry-run",
        "--config",
        "figures={format: svg}",
        script=True,
    )
    assert "Nothing to be done" in out.stdout + out.stderr


def test_console_shows_progress_of_each_run(workflow):
    _, proc, _ = workflow
    lines = re.findall(
        r"^\[simulate reference/rng_seed-143202461\] +(\d+) %  ([\d.]+) / 200\.0 ms  real-time factor [\d.]+  (.*)$",
        proc.stderr,
        flags=re.M,
    )
    assert lines, proc.stderr[-2000:]
    assert lines[-1][0] == "100" and lines[-1][2].startswith("done in")
    assert all(tail.startswith("ETA") for _, _, tail in lines[:-1])


def test_console_progress_is_throttled():
    class Lines(list):
        def write(self, text):
            self.append(text)

        def flush(self):
            pass

    out = Lines()
    progress = ConsoleProgress("exp/run", 1000.0, True, stream=out, interval_s=10.0)
    for step in range(1, 21):  # 20 reports, 1 s of wall-clock time apart
        progress(50.0 * step, 1.0 * step)
    assert [line.split("]")[1].split("%")[0].strip() for line in out] == ["5", "55", "100"]
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in out)


@pytest.mark.parametrize("console_in_log", [True, False])
def test_each_progress_report_reaches_the_log_once(console_in_log):
    """Where the console's stream is copied into the log (MPI ranks, a simulation run by hand), a
    report shown on the console is not written to the log again; elsewhere the log has every one."""

    class Lines(list):
        def write(self, text):
            self.append(text)

        def flush(self):
            pass

    log, screen = Lines(), Lines()
    reports = Reports(
        LogProgress("exp/run", 1000.0, True, stream=log),
        ConsoleProgress("exp/run", 1000.0, True, stream=log if console_in_log else screen, interval_s=10.0),
        console_in_log=console_in_log,
    )
    for step in range(1, 21):  # 20 reports, 1 s of wall-clock time apart
        reports(50.0 * step, 1.0 * step)
    percents = [int(line.split("]")[1].split("%")[0]) for line in log]
    assert percents == list(range(5, 101, 5))
    assert len(screen) == (0 if console_in_log else 3)


def test_warnings_on_the_console(workflow):
    """Only the warning about what this run asked for (a coupling that cannot act in 200 ms); a
    single run has no sweep figures, so nothing about seeds per point or a single-point sweep."""
    wd, proc, _ = workflow
    err = " ".join(proc.stderr.split())
    assert err.count("astronet warning:") == 1, err
    assert "astronet warning: experiment reference: Ca_astro never exceeds the SIC threshold (0.19669 µM" in err
    assert "in the analysis window [0, 200) ms" in err
    assert not (wd / "results" / "reference" / "figures").exists()


def test_figure_legend_rates_equal_the_metrics_table(workflow):
    wd, _, _ = workflow
    runs = pd.read_csv(wd / "results" / "reference" / "runs.csv")
    svg = (wd / RUN / "figures" / "rate_distribution.svg").read_text()
    shown = dict(re.findall(r"([EI]): n = \d+, mean ([\d.]+) spikes/s", svg))
    assert set(shown) == {"E", "I"}
    for pop in ("E", "I"):
        assert shown[pop] == f"{runs[f'rate_{pop}'].iloc[0]:.2f}", pop


def test_one_window_convention_across_tables(workflow):
    """summary.csv, metrics.json and runs.csv count spikes in the same half-open window
    [t_presim, t_presim + sim_time): the same rates, and a spike at exactly the end in none of them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from astronet.analysis.metrics import population_rate
    from astronet.data.aggregate import summary_table

    wd, _, _ = workflow
    run = load_run(wd / RUN)
    runs = pd.read_csv(wd / "results" / "reference" / "runs.csv").iloc[0]
    summary = run.summary.set_index("population")
    t0, t1 = run.metrics["window_ms"]
    assert (t0, t1) == (0.0, 200.0)
    for pop in ("E", "I"):
        assert summary.loc[pop, "mean_rate_hz"] == pytest.approx(run.metrics["metrics"][f"rate_{pop}"], rel=1e-12)
        assert runs[f"rate_{pop}"] == pytest.approx(run.metrics["metrics"][f"rate_{pop}"], rel=1e-12)
    spikes = pq.read_table(wd / RUN / "spikes.parquet")
    first = spikes.slice(0, 1)
    at_end = first.set_column(first.schema.get_field_index("time"), "time", pa.array([t1]))
    tables = [pq.read_table(wd / RUN / f"{name}.parquet") for name in ("astrocytes", "neurons")]
    rows = {r["population"]: r for r in summary_table(pa.concat_tables([spikes, at_end]), *tables, run.metadata)}
    pop = first.column("population").to_pylist()[0]
    assert rows[pop]["n_spikes"] == summary.loc[pop, "n_spikes"]
    ids = run.recorded_neurons[pop]
    with_end = pd.concat([run.spikes, at_end.to_pandas()], ignore_index=True)
    assert population_rate(with_end, ids, t0, t1) == pytest.approx(run.metrics["metrics"][f"rate_{pop}"], rel=1e-12)


def test_load_run(workflow):
    wd, _, _ = workflow
    run = load_run(wd / RUN)
    assert run.parameters == json.loads((wd / RUN / "parameters.json").read_text())
    assert list(run.spikes.columns) == ["sender", "time", "population"] and len(run.spikes) > 0
    assert run.astrocytes["sender"].nunique() == 20 and run.neurons["sender"].nunique() == 20
    assert run.units == {"sender": "", "time": "ms", "population": "", "IP3": "uM", "Ca_astro": "uM", "I_SIC": "pA"}
    assert run.astrocytes.attrs["units"]["Ca_astro"] == "uM"
    assert run.metrics["metrics"]["rate_E"] > 0 and run.point == {"rng_seed": 143202461}
    in_window = run.spikes["time"] < 200.0  # [t_presim, t_presim + sim_time)
    assert (
        run.summary.set_index("population").loc["E", "n_spikes"]
        == ((run.spikes["population"] == "E") & in_window).sum()
    )
    prov = run.metadata["provenance"]
    assert prov["astronet_version"] == importlib.metadata.version("astronet")
    assert prov["packages"]["nest-simulator"] == "3.10.0"
    assert re.fullmatch(r"[0-9a-f]{40}", prov["git"]["commit"]) and isinstance(prov["git"]["dirty"], bool)
    assert prov["host"] and prov["start_time"] <= prov["end_time"]
    assert run.metadata["ranks"][0]["host"] == prov["host"]


def test_load_experiment(workflow, tmp_path):
    wd, _, _ = workflow
    exp = load_experiment(wd / "results" / "reference")
    assert list(exp.runs) == ["rng_seed-143202461"] and len(exp) == 1
    table = pd.read_csv(wd / "results" / "reference" / "runs.csv")
    assert exp.table["rate_E"].tolist() == pytest.approx(table["rate_E"].tolist())
    assert table["commit"].tolist() == [exp["rng_seed-143202461"].metadata["provenance"]["git"]["commit"]]
    # without runs.parquet the table is built from the runs' records, provenance included
    shutil.copytree(wd / "results" / "reference", tmp_path / "reference", ignore=shutil.ignore_patterns("runs.parquet"))
    built = load_experiment(tmp_path / "reference").table
    assert (
        built[["run", "commit", "host", "n_vp"]].values.tolist()
        == table[["run", "commit", "host", "n_vp"]].values.tolist()
    )
    spikes = exp.concat("spikes")
    assert list(spikes.columns[:2]) == ["run", "rng_seed"] and len(spikes) == len(exp["rng_seed-143202461"].spikes)
    assert exp.summary["n_seeds"].tolist() == [1]


def test_partial_parameters_are_validated():
    params = validate_params({"w_a2n": 2.0, "sim_time": 200.0})
    assert params["w_a2n"] == 2.0 and params["dt"] == 0.1 and params["N_ex"] == 8000
    with pytest.raises(ConfigError, match="params.d_e.*multiple of dt"):
        validate_params({"d_e": 0.25, "dt": 0.1})
    with pytest.raises(ConfigError, match="Did you mean 'w_a2n'"):
        validate_params({"w_a2": 1.0})


def test_to_neo_with_elephant(workflow):
    import quantities as pq
    from elephant.statistics import cv, isi, mean_firing_rate

    wd, _, _ = workflow
    run = load_run(wd / RUN)
    block = run.to_neo()
    segment = block.segments[0]
    groups = {g.name: g.spiketrains for g in block.groups}
    assert len(groups["E"]) == 800 and len(groups["I"]) == 200
    assert sum(len(st) for st in segment.spiketrains) == len(run.spikes)
    rates = pd.read_csv(wd / "results" / "reference" / "runs.csv").iloc[0]
    t0, t1 = (w * pq.ms for w in run.metrics["window_ms"])
    for pop in ("E", "I"):
        # the metrics' window is [t0, t1); Elephant counts [t0, t1]
        # (and refuses empty trains: a silent neuron's rate is 0)
        elephant_rates = [
            mean_firing_rate(st[st < t1], t_start=t0, t_stop=t1).rescale("Hz").magnitude if len(st[st < t1]) else 0.0
            for st in groups[pop]
        ]
        assert np.mean(elephant_rates) == pytest.approx(rates[f"rate_{pop}"], rel=1e-12)
        cvs = [cv(isi(st)) for st in groups[pop] if len(st[st < t1]) >= run.metrics["settings"]["cv_min_spikes"]]
        assert np.mean(cvs) == pytest.approx(rates[f"cv_isi_{pop}"], rel=1e-9)
    signals = {s.name: s for s in segment.analogsignals}
    assert signals["Ca_astro"].units == pq.uM and signals["I_SIC"].units == pq.pA
    ca = run.astrocytes.pivot(index="time", columns="sender", values="Ca_astro")
    assert signals["IP3"].shape == ca.shape == (len(ca), 20) and signals["IP3"].sampling_period == 1.0 * pq.ms
    assert signals["IP3"].t_start == ca.index[0] * pq.ms
    assert np.array_equal(signals["Ca_astro"].magnitude, ca.to_numpy())
    assert signals["Ca_astro"].array_annotations["node_id"].tolist() == ca.columns.tolist()


def test_nwb_round_trip(workflow):
    from pynwb import NWBHDF5IO

    from astronet.data.nwb_export import key_value_table

    wd, _, _ = workflow
    run = load_run(wd / RUN)
    with NWBHDF5IO(str(wd / RUN / "run.nwb"), "r") as io:
        nwb = io.read()
        units = nwb.units.to_dataframe()
        assert len(units) == 1000 and set(units["population"]) == {"E", "I"}
        assert units.index.tolist() == np.concatenate(list(run.recorded_neurons.values())).tolist()  # NEST ids
        assert nwb.units.resolution == run.parameters["dt"] / 1000.0
        spikes = run.spikes
        for node in units.index[:50]:
            expected = spikes.loc[spikes["sender"] == node, "time"].to_numpy() / 1000.0
            assert np.array_equal(units.loc[node, "spike_times"], expected)
        ca = nwb.acquisition["Ca_astro"]
        assert ca.unit == "M" and ca.conversion == 1e-6
        pivot = run.astrocytes.pivot(index="time", columns="sender", values="Ca_astro")
        assert np.array_equal(ca.data[:], pivot.to_numpy())
        # a regular series: starting time and rate, no timestamps
        assert ca.timestamps is None and ca.rate == 1000.0 / run.parameters["rec_interval"]
        assert ca.starting_time == pivot.index[0] / 1000.0
        assert np.allclose(ca.starting_time + np.arange(len(pivot)) / ca.rate, pivot.index.to_numpy() / 1000.0)
        nodes = nwb.processing["network"]["sampled_astrocytes"].to_dataframe()
        assert nodes["node_id"].tolist() == pivot.columns.tolist()
        sic = nwb.acquisition["I_SIC"]
        sic_pivot = run.neurons.pivot(index="time", columns="sender", values="I_SIC")
        assert sic.unit == "amperes" and sic.conversion == 1e-12 and np.array_equal(sic.data[:], sic_pivot.to_numpy())
        neurons = nwb.processing["network"]["sampled_neurons"].to_dataframe()
        assert neurons["node_id"].tolist() == sic_pivot.columns.tolist()
        e_lo, e_hi = run.metadata["populations"]["E"]
        assert (neurons["population"] == np.where(neurons["node_id"].between(e_lo, e_hi), "E", "I")).all()
        simulation = nwb.processing["simulation"]
        params = key_value_table(simulation["parameters"])
        assert validate_params(params) == run.parameters
        table = simulation["parameters"].to_dataframe().set_index("key")
        assert table.loc["sim_time", "unit"] == "ms" and table.loc["N_ex", "unit"] == "count"
        assert key_value_table(simulation["provenance"]) == run.metadata["provenance"]
        assert ["NEST", "3.10.0"] in nwb.was_generated_by[:].tolist()


# nwbinspector's findings that stay, and why (any other finding fails the test).
NWB_EXPLAINED = {
    "check_subject_exists": "a simulated network has no animal subject",
    "check_experimenter_exists": "who runs the workflow is not part of its configuration",
    "check_institution": "likewise the institution",
    "check_processing_module_name": (
        "the sampled nodes and the simulation's parameters fit none of NWB's module names (ophys, ecephys, ...)"
    ),
}


def test_nwb_file_passes_nwbinspector(workflow):
    import nwbinspector

    wd, _, _ = workflow
    findings = list(nwbinspector.inspect_nwbfile(nwbfile_path=str(wd / RUN / "run.nwb")))
    unexplained = [f"{m.importance.name} {m.check_function_name}: {m.message}" for m in findings]
    unexplained = [
        line for line, m in zip(unexplained, findings, strict=True) if m.check_function_name not in NWB_EXPLAINED
    ]
    assert not unexplained, "\n".join(unexplained)
