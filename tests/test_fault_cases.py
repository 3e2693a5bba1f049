"""Cases that used to fail late, silently or unclearly, each on a tiny network with real NEST and,
where the workflow is involved, the real `snakemake`:

* a checkout in a path with a space runs;
* multimeter samples reach the end of the recording window, whatever rec_interval (NEST hands a
  multimeter its samples one min_delay later: the simulation runs that much longer);
* a simulation that NEST finds numerically unstable stops with the parameters to blame and leaves
  no raw.partial/;
* recorded connections are fetched from NEST in bounded batches, and what they cost is in the
  memory model, the Slurm request and the start-up memory check.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

import bench
from astronet.config.parameters import validate_params
from astronet.config.resources import estimate_memory_mib, request_memory_mib
from astronet.config.run_quantities import n_spike_recorded, samples_per_node
from astronet.config.schema import param_defaults
from astronet.config.validate import validate_config
from workflow_support import REPO, simulate_step

RUN = "results/reference/rng_seed-143202461"
TINY = {"sim_time": 100.0, "n_vp": 1, "N_ex": 160, "N_in": 40, "N_astro": 200, "N_rec_mm": 10}


def snakemake(snakefile: Path, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """snakemake on the tiny configuration in ``workdir``, with the Snakefile ``snakefile`` (a copy of
    the checkout's, for the path tests)."""
    command = bench.snakemake_command(workdir, [workdir / "tiny.yaml"], "--cores", 2, *args)
    command[command.index("--snakefile") + 1] = str(snakefile)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(command, capture_output=True, text=True, env=env)


def tiny_workdir(path: Path, **params) -> Path:
    path.mkdir(parents=True)
    config = {"params": {**TINY, **params}, "experiments": {"reference": {"description": "tiny"}}}
    (path / "tiny.yaml").write_text(yaml.safe_dump({**config, "targets": ["reference"]}))
    return path


def simulate(tmp_path: Path, **changes) -> subprocess.CompletedProcess:
    return simulate_step(tmp_path, validate_params({**param_defaults(), **TINY, **changes}), check=False, timeout=None)


@pytest.mark.slow
def test_checkout_in_a_path_with_a_space(tmp_path):
    """Every call used to fail on the container line (Snakemake refuses whitespace in an image's
    path, also when no container is used)."""
    checkout = tmp_path / "my checkout"
    checkout.mkdir()
    for name in ("Snakefile", "workflow", "config", "envs", "containers"):
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy)(REPO / name, checkout / name)
    workdir = tiny_workdir(checkout / "work dir")
    proc = snakemake(checkout / "Snakefile", workdir)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert (workdir / RUN / "figures" / "raster.png").exists()


def test_container_image_only_where_a_container_is_used(tmp_path):
    from astronet.runtime.deployment import container_image

    spaced = str(tmp_path / "a b")
    assert container_image(spaced, set()) is None
    assert container_image(spaced, {"CONDA"}) is None
    assert container_image(spaced, {"APPTAINER"}, environ={}, cwd=spaced) == "containers/astronet.sif"
    assert container_image("/repo", {"APPTAINER"}, environ={}) == "/repo/containers/astronet.sif"
    with pytest.raises(SystemExit, match="ASTRONET_CONTAINER"):
        container_image(spaced, {"APPTAINER"}, environ={}, cwd=str(tmp_path / "c d"))


@pytest.mark.slow
@pytest.mark.parametrize("rec_interval,last", [(0.3, 99.9), (99.5, 99.5), (1.0, 99.0)])
def test_multimeter_samples_reach_the_end_of_the_window(tmp_path, rec_interval, last):
    """rec_interval 0.3 ms used to lose the samples of the last ms, 99.5 ms all of them."""
    proc = simulate(tmp_path, rec_interval=rec_interval)
    assert proc.returncode == 0, proc.stderr[-3000:]
    params = json.loads((tmp_path / "parameters.json").read_text())
    for kind in ("astrocytes", "neurons"):
        table = pq.read_table(tmp_path / "raw" / f"{kind}-rank0000.parquet").to_pandas()
        counts = table.groupby("sender").size()
        assert len(counts) == 10 and (counts == samples_per_node(params)).all(), kind
        assert table["time"].max() == pytest.approx(last) and table["time"].min() == pytest.approx(rec_interval)
    # the spikes stay within the window
    spikes = pq.read_table(tmp_path / "raw" / "spikes-rank0000.parquet").column("time").to_pylist()
    assert spikes and max(spikes) <= 100.0


@pytest.mark.slow
def test_numerically_unstable_simulation_names_the_cause_and_leaves_nothing(tmp_path):
    proc = simulate(tmp_path, neuron_params={"I_e": 1.0e9})
    assert proc.returncode != 0
    assert "numerically unstable" in proc.stderr and "neuron_params = {'I_e': 1000000000.0}" in proc.stderr
    assert not (tmp_path / "raw").exists() and not (tmp_path / "raw.partial").exists()


@pytest.mark.slow
def test_connections_are_fetched_in_batches_and_cost_what_the_model_says(tmp_path):
    """The connections written batch by batch are every connection NEST has; recording them adds a
    bounded amount of memory (one batch), which the model includes."""
    sizes = {"N_ex": 800, "N_in": 200, "N_astro": 1000, "sim_time": 10.0}  # 181 k connections
    (tmp_path / "plain").mkdir()
    (tmp_path / "recorded").mkdir()
    assert simulate(tmp_path / "plain", **sizes).returncode == 0
    proc = simulate(tmp_path / "recorded", **sizes, record_connections=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    meta = {d: json.loads((tmp_path / d / "raw" / "metadata-rank0000.json").read_text()) for d in ("plain", "recorded")}
    table = pq.read_table(tmp_path / "recorded" / "raw" / "connections-rank0000.parquet")
    # every connection of the network, the recorders' included (spike-recorded neurons, sampled nodes)
    params = json.loads((tmp_path / "recorded" / "parameters.json").read_text())
    recorders = n_spike_recorded(params) + 2 * params["N_rec_mm"]
    assert table.num_rows == sum(meta["recorded"]["connections_local"].values()) + recorders
    added = meta["recorded"]["peak_memory_mib"] - meta["plain"]["peak_memory_mib"]
    modelled = estimate_memory_mib(params) - estimate_memory_mib({**params, "record_connections": False})
    # fetched at once, these 182 k connections took 636 MiB more; in batches the ~85 MiB of the model
    assert added < 150 and abs(added - modelled) < 30, (added, modelled)
    # Slurm's request for Fig. 8's runs (config.yaml's pool_size_full, which records its connections) includes it
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    for run in validate_config(config, required=set(), problems={})["pool_size_full"]:
        assert run.params["record_connections"]
        without = request_memory_mib({**run.params, "record_connections": False})
        assert request_memory_mib(run.params) - without >= modelled


BATCHES_EQUAL_ONE_FETCH = """
import json, sys
import pyarrow.parquet as pq
from pathlib import Path
from astronet.simulation.network import Network
from astronet.simulation.recording import RankWriter
params = json.loads(Path(sys.argv[1]).read_text())
net = Network(params)
net.setup_kernel(); net.create(); net.connect(); net.record()
out = Path(sys.argv[2])
writer = RankWriter(out, 0)
batches = net.connection_batches(500)
writer.write_connections(net.nest, batches)
written = pq.read_table(out / "connections-rank0000.parquet").to_pylist()
every = net.nest.GetConnections().get(["source", "target", "synapse_model"])
key = lambda row: (row["source"], row["target"], row["synapse_model"])
every = [dict(zip(every, values)) for values in zip(*every.values())]
equal = sorted(written, key=key) == sorted(every, key=key)
print(json.dumps({"batches": len(batches), "equal": equal, "rows": len(written)}))
"""


@pytest.mark.slow
def test_connections_in_batches_are_every_connection(tmp_path):
    """Fetched in batches of about 500 (sources, or a device's targets), the connections are those
    that one GetConnections of the whole network returns."""
    params = validate_params({**param_defaults(), **TINY})
    (tmp_path / "parameters.json").write_text(json.dumps(params))
    proc = subprocess.run(
        [sys.executable, "-c", BATCHES_EQUAL_ONE_FETCH, str(tmp_path / "parameters.json"), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["equal"] and result["batches"] > 10 and result["rows"] > 5000, result


@pytest.mark.slow
def test_recorded_connections_that_do_not_fit_are_refused_before_the_build(tmp_path):
    """A limit between the run's memory without and with its connections recorded: only the run that
    records them is refused, at start-up, naming record_connections."""
    workdir = tiny_workdir(tmp_path / "wd")
    params = validate_params({**param_defaults(), **TINY})
    limit = (estimate_memory_mib(params) + estimate_memory_mib({**params, "record_connections": True})) // 2
    resources = f"resources={{max_mem_mb: {limit}}}"
    assert snakemake(REPO / "Snakefile", workdir, "--dry-run", "--config", resources).returncode == 0
    proc = snakemake(
        REPO / "Snakefile", workdir, "--config", resources, "params={record_connections: true, sim_time: 100.0}"
    )
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "record_connections = true" in text and f"exceeds the {limit} MiB" in text
    assert not (workdir / "results").exists()
