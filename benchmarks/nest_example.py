"""NEST's own example ``astrocyte_brunel_bernoulli.py``, the reference this workflow reproduces.

The script is taken from the ``nest-simulator`` sdist on PyPI (cached outside the repository) and
changed only in ``sim_time``, ``n_vp`` and in exporting its data instead of plotting it, so tests and
benchmarks can run it side by side with the workflow; with ``--t-presim`` it also presimulates, as
Jiang et al. 2025 do, with its recorders starting after the presimulation.

    python benchmarks/nest_example.py --sim-time 100 --n-vp 2 OUT.npz
    python benchmarks/nest_example.py --t-presim 1000 --sim-time 10000 --n-vp 2 OUT.npz
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

NEST_VERSION = "3.10.0"
MEMBER = f"nest_simulator-{NEST_VERSION}/pynest/examples/astrocytes/astrocyte_brunel_bernoulli.py"

EXPORT = """
    # --- changed: export the data instead of plotting it --------------------------------
    import json
    import resource

    sr_events, nmm_events, amm_events = sr_neuron.events, neuron_data, astro_data
    np.savez(
        EXPORT_PATH,
        spike_senders=sr_events["senders"], spike_times=sr_events["times"],
        sic_senders=nmm_events["senders"], sic_times=nmm_events["times"], I_SIC=nmm_events["I_SIC"],
        astro_senders=amm_events["senders"], astro_times=amm_events["times"],
        IP3=amm_events["IP3"], Ca_astro=amm_events["Ca_astro"],
        spike_recorded=np.array(neuron_list_for_sr), sic_recorded=np.array(neuron_list_for_mm),
        astro_recorded=np.array(astro_list_for_mm),
    )
    ks = nest.GetKernelStatus()
    timers = {k: ks[k] for k in ("time_construction_create", "time_construction_connect", "time_simulate")}
    timers["time_simulate"] += TIME_PRESIMULATE  # NEST's timer holds only the last Simulate call
    timers["peak_memory_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    with open(EXPORT_PATH + ".json", "w") as fh:
        json.dump(timers, fh)
"""


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "astronet" / f"nest-{NEST_VERSION}-example"


def example_path() -> Path:
    """The unmodified example from the sdist, downloaded with pip on first use."""
    path = cache_dir() / Path(MEMBER).name
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"nest-simulator=={NEST_VERSION}",
                "-d",
                tmp,
            ],
            check=True,
        )
        with tarfile.open(Path(tmp) / f"nest_simulator-{NEST_VERSION}.tar.gz") as tar:
            data = tar.extractfile(MEMBER).read()
    tmp_path = path.with_suffix(".tmp")
    tmp_path.write_bytes(data)
    tmp_path.replace(path)
    return path


def _replace_once(pattern: str, repl: str, text: str) -> str:
    new, n = re.subn(pattern, repl, text, count=1, flags=re.S)
    if n != 1:
        raise RuntimeError(f"NEST's example changed: cannot find {pattern!r}")
    return new


PRESIMULATION = """
    # --- changed: presimulation, not recorded (NEST's devices record (start, stop]) -----
    for device in (sr_neuron, mm_neuron, mm_astro):
        device.start = T_PRESIM
    nest.Simulate(T_PRESIM)
    time_presimulate = nest.GetKernelStatus("time_simulate")
    nest.Simulate(sim_time)
"""


def patched_source(sim_time: float, n_vp: int, export_path: str, t_presim: float = 0.0) -> str:
    """The example with only sim_time, n_vp, the data export and, if ``t_presim`` (ms) > 0, a
    presimulation changed."""
    src = example_path().read_text()
    src = _replace_once(r'"sim_time": [0-9.]+,', f'"sim_time": {float(sim_time)!r},', src)
    src = _replace_once(r'"n_vp": [0-9]+,', f'"n_vp": {int(n_vp)},', src)
    if t_presim:
        src = _replace_once(
            r"\n    nest\.Simulate\(sim_time\)\n", PRESIMULATION.replace("T_PRESIM", repr(float(t_presim))), src
        )
    export = EXPORT.replace("EXPORT_PATH", repr(str(export_path))).replace(
        "TIME_PRESIMULATE", "time_presimulate" if t_presim else "0.0"
    )
    src = _replace_once(r"\n    # make raster plot.*?plt\.show\(\)\n", export, src)
    return src


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Run NEST's astrocyte_brunel_bernoulli.py and export its data")
    parser.add_argument("--sim-time", type=float, default=1000.0, help="model time (ms)")
    parser.add_argument("--n-vp", type=int, default=4, help="virtual processes")
    parser.add_argument("--t-presim", type=float, default=0.0, help="presimulation before sim_time, not recorded (ms)")
    parser.add_argument("output", help="output .npz file (timers and memory go to OUTPUT.json)")
    args = parser.parse_args(argv)
    code = compile(patched_source(args.sim_time, args.n_vp, args.output, args.t_presim), str(example_path()), "exec")
    exec(code, {"__name__": "__main__"})


if __name__ == "__main__":
    main()
