"""MPI runs: a clear error without an MPI build of NEST, and the same results for any split of the
virtual processes into MPI ranks × threads, for every connectivity option of the workflow.

Which splits and options give identical results, and why the others are refused, is in
docs/cluster.md ("The same results for any split"). The MPI build of NEST is found as users find it
(tools/nest_mpi_env.sh); without it these tests are skipped, or fail under CI=true. Networks are tiny
(1 000 cells, 100 ms).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from astronet.config.parameters import validate_params
from astronet.config.schema import ConfigError
from astronet.config.validate import validate_config
from mpi_support import (
    SMALL,
    assert_identical,
    connections,
    missing,
    mpi_env,
    mpi_launcher,
    nontrivial,
    run_params,
    simulate,
    snakemake,
    wheel_env,
)

# Busier (about 35 spikes/s per neuron, in-degree 80 E): several spikes reach a neuron in the same step.
HOT = dict(sim_time=100.0, N_ex=800, N_in=200, N_astro=1000, w_i=-1.0, poisson_rate=3000.0)
RANDOM_POOL_RULES = ["pairwise_bernoulli", "fixed_indegree", "fixed_outdegree", "fixed_total_number"]


@pytest.fixture(scope="module")
def menv():
    if shutil.which("mpiexec") is None:
        missing("mpiexec is not installed (tools/build_nest_mpi.sh installs Open MPI)")
    return mpi_env()


# --- configuration: what is refused, without NEST ---------------------------------------------------


def test_hybrid_splits_are_refused_unless_allowed():
    with pytest.raises(ConfigError, match=r"params.mpi_ranks.*2 ranks x 2 threads.*another order.*allow_hybrid_split"):
        validate_params(run_params(n_vp=4, mpi_ranks=2))
    validate_params(run_params(n_vp=4, mpi_ranks=2, allow_hybrid_split=True))
    for ranks in (1, 4):  # pure threads and pure MPI
        validate_params(run_params(n_vp=4, mpi_ranks=ranks))


def test_block_pools_are_refused_with_ranks():
    block = dict(SMALL, pool_type="block", pool_size=1)
    with pytest.raises(ConfigError, match=r"params.pool_type.*rank.*use mpi_ranks: 1.*or pool_type: random"):
        validate_params(run_params(**block, n_vp=2, mpi_ranks=2))
    validate_params(run_params(**block, n_vp=4, mpi_ranks=1))


def test_zipped_grid_pairs_values():
    config = {
        "targets": ["s"],
        "experiments": {"s": {"zip": True, "grid": {"n_vp": [1, 2, 2], "mpi_ranks": [1, 1, 2]}}},
    }
    runs = validate_config(config)["s"]
    assert [(r.params["n_vp"], r.params["mpi_ranks"]) for r in runs] == [(1, 1), (2, 1), (2, 2)]
    config["experiments"]["s"]["grid"]["mpi_ranks"] = [1, 2]
    with pytest.raises(ConfigError, match="same length"):
        validate_config(config)


# --- NEST without MPI -------------------------------------------------------------------------------


@pytest.mark.mpi
def test_ranks_without_mpi_nest_fail_clearly(tmp_path):
    """Through snakemake, with the PyPI wheel (no MPI): the simulate_mpi job fails and says why."""
    if shutil.which("mpiexec") is None:
        missing("mpiexec is not installed (tools/build_nest_mpi.sh installs Open MPI)")
    env = wheel_env()
    have_mpi = subprocess.run(
        [sys.executable, "-c", "import nest; print(nest.build_info['have_mpi'])"],
        env={**env, "PYNEST_QUIET": "1"},
        capture_output=True,
        text=True,
    ).stdout.split()
    assert have_mpi[-1:] == ["False"], "the default environment should hold the PyPI wheel of NEST, without MPI"
    cfg = tmp_path / "mpi.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "params": {**SMALL, "n_vp": 2, "mpi_ranks": 2, "record_connections": False},
                "experiments": {"ranks": {}},
                "targets": ["ranks"],
            }
        )
    )
    run = tmp_path / "results/ranks/rng_seed-143202461"
    proc = snakemake(tmp_path, str((run / "raw").relative_to(tmp_path)), env=env, configfiles=[cfg])
    assert proc.returncode != 0
    assert "simulate_mpi" in proc.stdout + proc.stderr
    log = (run / "logs/simulate.log").read_text()
    assert "params.mpi_ranks = 2 needs NEST built with MPI" in log and "have_mpi = False" in log
    assert "tools/build_nest_mpi.sh" in log
    assert not (run / "raw").exists()


# --- the same results for any split -----------------------------------------------------------------


@pytest.mark.mpi
@pytest.mark.parametrize("primary_rule", RANDOM_POOL_RULES)
def test_split_invariance_random_pools(tmp_path, menv, primary_rule):
    """4 virtual processes as 1 rank x 4 threads and as 4 ranks x 1 thread: the same connections
    (astrocyte pairings included) and the same spikes, IP3, Ca_astro and I_SIC, bit for bit."""
    p = dict(SMALL, primary_rule=primary_rule, pool_type="random", n_vp=4)
    threads = simulate(tmp_path / "1x4", run_params(**p, mpi_ranks=1), menv)
    ranks = simulate(tmp_path / "4x1", run_params(**p, mpi_ranks=4), menv)
    assert json.loads((ranks / "metadata.json").read_text())["n_ranks"] == 4
    assert sorted(f.name for f in (ranks / "raw").glob("spikes-rank*")) == [
        f"spikes-rank{r:04d}.parquet" for r in range(4)
    ]
    nontrivial(threads)
    assert_identical(threads, ranks)


def block_partner(conns: pd.DataFrame, first_neuron: int, first_astro: int) -> pd.Series:
    """Astrocyte (0-based) of each target neuron (0-based) in the astrocyte->neuron connections."""
    a2n = conns[conns["synapse_model"] == "sic_connection"]
    pairs = a2n.groupby("target")["source"].unique()
    assert pairs.map(len).eq(1).all(), "block pools of size 1: one astrocyte per target"
    return pd.Series(pairs.map(lambda s: s[0] - first_astro).to_numpy(), index=pairs.index.to_numpy() - first_neuron)


@pytest.mark.mpi
def test_block_pools_with_threads_pair_neuron_i_with_astrocyte_i(tmp_path, menv):
    """Block pools with one rank and 4 threads: target i gets astrocyte i, the pairing of one thread."""
    run = simulate(tmp_path / "1x4", run_params(**SMALL, pool_type="block", pool_size=1, n_vp=4, mpi_ranks=1), menv)
    nontrivial(run)
    pops = json.loads((run / "metadata.json").read_text())["populations"]
    partner = block_partner(connections(run), pops["E"][0], pops["astrocytes"][0])
    assert len(partner) > 400 and (partner.index == partner.to_numpy()).all()


@pytest.mark.mpi
def test_nest_numbers_block_pools_per_rank(tmp_path, menv):
    """Why block pools are refused with ranks: past the check, NEST 3.10 with 4 ranks gives target i
    the astrocyte of i's index among the targets on its own rank (ThirdBernoulliWithPoolBuilder counts
    only rank-local targets). If this test fails, NEST has fixed it and the refusal can go."""
    p = run_params(**SMALL, pool_type="block", pool_size=1, n_vp=4, mpi_ranks=4)
    with pytest.raises(ConfigError):
        validate_params(dict(p))
    run = simulate(tmp_path / "4x1", p, menv, validate=False)
    pops = json.loads((run / "metadata.json").read_text())["populations"]
    first = pops["E"][0]
    partner = block_partner(connections(run), first, pops["astrocytes"][0])
    neurons = np.arange(first, pops["I"][1] + 1)
    rank = neurons % 4  # node id -> virtual process -> rank, with 1 thread per rank
    rank_local_index = pd.Series(neurons).groupby(rank).cumcount().to_numpy()
    assert (partner.to_numpy() == rank_local_index[partner.index]).all()
    assert (partner.to_numpy() != partner.index).mean() > 0.9


@pytest.mark.mpi
def test_hybrid_split_sums_synaptic_input_in_another_order(tmp_path, menv):
    """Why hybrid splits are refused: NEST delivers a time step's spikes by sending rank, then
    thread. 1x4 and 4x1 both give virtual-process order and the same conductances bit for bit;
    2x2 (VPs 0, 2 on rank 0; 1, 3 on rank 1) another order, and g_ex differs in the last bits."""
    script = tmp_path / "g_ex.py"
    script.write_text(
        "import json, sys, numpy as np\n"
        "from astronet.simulation.network import Network\n"
        "p = json.load(open(sys.argv[1])); net = Network(p); nest = net.nest\n"
        "net.setup_kernel(); net.create(); net.connect()\n"
        "mm = nest.Create('multimeter', params={'record_from': ['g_ex'], 'interval': p['dt']})\n"
        "nest.Connect(mm, net.neurons); nest.Simulate(p['sim_time']); e = mm.events\n"
        "np.save(f'{sys.argv[2]}-{nest.Rank()}.npy', np.stack([e['senders'], e['times'], e['g_ex']]))\n"
    )
    g_ex = {}
    for ranks, threads in ((1, 4), (4, 1), (2, 2)):
        name = f"{ranks}x{threads}"
        params = tmp_path / f"{name}.json"
        params.write_text(json.dumps(run_params(**HOT, n_vp=4, mpi_ranks=ranks, allow_hybrid_split=True)))
        cmd = [sys.executable, str(script), str(params), str(tmp_path / name)]
        subprocess.run([*mpi_launcher(ranks), *cmd], env=menv, check=True, timeout=600)
        rows = np.concatenate([np.load(tmp_path / f"{name}-{r}.npy") for r in range(ranks)], axis=1)
        g_ex[name] = rows[:, np.lexsort((rows[0], rows[1]))]
    assert np.array_equal(g_ex["1x4"], g_ex["4x1"])
    assert np.array_equal(g_ex["1x4"][:2], g_ex["2x2"][:2])  # same samples
    differ = g_ex["1x4"][2] != g_ex["2x2"][2]
    assert differ.any(), "2x2 summed in the same order as 1x4: the hybrid-split refusal may be unnecessary"
    assert np.allclose(g_ex["1x4"][2], g_ex["2x2"][2], rtol=1e-9, atol=1e-12)  # the last bits only


@pytest.mark.mpi
@pytest.mark.slow
def test_mpi_run_through_snakemake(tmp_path, menv):
    """One rank x 2 threads and 2 ranks x 1 thread through snakemake (simulate and simulate_mpi,
    mpiexec): per-rank files, and identical connections, spikes, IP3, Ca_astro and I_SIC."""
    cfg = tmp_path / "split.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "params": {**SMALL, "n_vp": 2},
                "experiments": {"split": {"zip": True, "grid": {"mpi_ranks": [1, 2]}}},
                "targets": ["split"],
            }
        )
    )
    runs = [tmp_path / f"results/split/mpi_ranks-{r}__rng_seed-143202461" for r in (1, 2)]
    kinds = ("connections", "spikes", "astrocytes", "neurons")
    targets = [str((run / f"{kind}.parquet").relative_to(tmp_path)) for run in runs for kind in kinds]
    proc = snakemake(tmp_path, *targets, env=menv, configfiles=[cfg])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "rule simulate_mpi:" in proc.stdout + proc.stderr
    one, two = runs
    assert "2 rank(s) x 1 thread(s)" in (two / "logs/simulate.log").read_text()
    assert "1 rank(s) x 2 thread(s)" in (one / "logs/simulate.log").read_text()
    assert {f.name for f in (two / "raw").glob("metadata-rank*.json")} == {
        "metadata-rank0000.json",
        "metadata-rank0001.json",
    }
    meta = json.loads((two / "metadata.json").read_text())
    assert meta["n_ranks"] == 2 and meta["build_info"]["have_mpi"] and len(meta["ranks"]) == 2
    nontrivial(one)
    assert_identical(one, two)


def test_mpi_env_script_points_at_the_build_or_says_why(tmp_path):
    """tools/nest_mpi_env.sh: exports for a complete build, a clear refusal without one."""
    proc = subprocess.run(
        ["tools/nest_mpi_env.sh"],
        cwd=os.path.dirname(os.path.dirname(__file__)),
        env={**os.environ, "NEST_MPI_PREFIX": str(tmp_path / "none")},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and "run tools/build_nest.sh --mpi" in proc.stderr and proc.stdout == ""
