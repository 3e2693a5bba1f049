"""The workflow builds the same network as NEST's own example astrocyte_brunel_bernoulli.py.

With the example's parameters, NEST's default rng_seed and the same virtual processes, the spike
times of the neurons the example records and the I_SIC / IP3 / Ca_astro samples of the nodes it
samples must be identical, bit for bit. Both run at full scale (20 000 cells) for a shortened
sim_time, each in its own process: as the example is, and with a presimulation (the example
presimulating as Jiang et al. 2025 do, its recorders starting after it; the workflow with t_presim).
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from astronet.config.parameters import validate_params
from astronet.config.schema import param_defaults
from astronet.data.aggregate import aggregate
from workflow_support import simulate_step

pytestmark = pytest.mark.slow

NEST_EXAMPLE = Path(__file__).parents[1] / "benchmarks" / "nest_example.py"
SIM_TIME = 100.0  # ms
N_VP = 2


def _sorted_pairs(senders, times, *values):
    order = np.lexsort((np.asarray(senders), np.asarray(times)))
    return [np.asarray(a)[order] for a in (senders, times, *values)]


@pytest.fixture(scope="module", params=[0.0, 50.0], ids=["as_is", "presimulated"])
def both_runs(request, tmp_path_factory):
    t_presim = request.param
    tmp = tmp_path_factory.mktemp("reference")
    example_npz = tmp / "example.npz"
    subprocess.run(
        [sys.executable, str(NEST_EXAMPLE), "--sim-time", str(SIM_TIME), "--t-presim", str(t_presim)]
        + ["--n-vp", str(N_VP), str(example_npz)],
        check=True,
        capture_output=True,
    )
    params = validate_params({**param_defaults(), "sim_time": SIM_TIME, "t_presim": t_presim, "n_vp": N_VP})
    assert params["synapse_model"] == "tsodyks_synapse_hpc"  # the default differs from the example's model
    simulate_step(tmp, params, timeout=None)
    aggregate(tmp / "raw", tmp)
    tables = {k: pd.read_parquet(tmp / f"{k}.parquet") for k in ("spikes", "neurons", "astrocytes")}
    example = dict(np.load(example_npz))
    assert example["spike_times"].min() > t_presim and example["astro_times"].min() > t_presim
    return example, tables


def test_spikes_of_recorded_neurons_identical(both_runs):
    example, tables = both_runs
    ours = tables["spikes"]
    ours = ours[ours["sender"].isin(example["spike_recorded"])]
    assert len(example["spike_times"]) > 30, "the example recorded too few spikes for a meaningful comparison"
    exp = _sorted_pairs(example["spike_senders"], example["spike_times"])
    got = _sorted_pairs(ours["sender"], ours["time"])
    np.testing.assert_array_equal(got[0], exp[0])
    np.testing.assert_array_equal(got[1], exp[1])


def test_sic_samples_identical(both_runs):
    example, tables = both_runs
    ours = tables["neurons"]
    np.testing.assert_array_equal(np.unique(ours["sender"]), example["sic_recorded"])
    exp = _sorted_pairs(example["sic_senders"], example["sic_times"], example["I_SIC"])
    got = _sorted_pairs(ours["sender"], ours["time"], ours["I_SIC"])
    for g, e in zip(got, exp, strict=True):
        np.testing.assert_array_equal(g, e)


def test_astrocyte_samples_identical(both_runs):
    example, tables = both_runs
    ours = tables["astrocytes"]
    np.testing.assert_array_equal(np.unique(ours["sender"]), example["astro_recorded"])
    exp = _sorted_pairs(example["astro_senders"], example["astro_times"], example["IP3"], example["Ca_astro"])
    got = _sorted_pairs(ours["sender"], ours["time"], ours["IP3"], ours["Ca_astro"])
    for g, e in zip(got, exp, strict=True):
        np.testing.assert_array_equal(g, e)
    # The astrocytes must actually have been driven, or the comparison says little.
    assert np.ptp(ours["IP3"]) > 0
