#!/usr/bin/env python
"""NEST's own example and the workflow, side by side on the same network, seed and virtual processes.

    .venv/bin/python benchmarks/compare_example.py                      # full scale, 1000 ms, n_vp 2
    .venv/bin/python benchmarks/compare_example.py --n-vp 4 --repeat 2
    .venv/bin/python benchmarks/compare_example.py --protocol jiang2025 \
        --synapse-model tsodyks_synapse tsodyks_synapse_hpc

``--protocol jiang2025`` is Jiang et al. 2025's: 1 000 ms presimulation (not recorded) + 10 000 ms,
the example adapted the same way (``python benchmarks/nest_example.py --t-presim``). With several
``--synapse-model`` values the workflow runs once per model after each example run, so the kernel
time of the example's ``tsodyks_synapse`` can be compared with the same model and with the HPC one.

Runs, each as a child process measured from the outside (wall time; peak RSS of the largest
process, exact; peak RSS summed over the process tree, sampled):

* ``python benchmarks/nest_example.py``: ``astrocyte_brunel_bernoulli.py`` from the NEST sdist, only
  sim_time, n_vp and the data export changed;
* ``snakemake --cores N`` on the reference configuration with the same sim_time, n_vp and seeds, in
  a fresh working directory, asked for the run's figures: simulate + aggregate + figures
  (``--all-targets``: Snakemake's default target, which adds the analysis stage).

and prints the wall-time and peak-memory ratios, whether the spikes (and the multimeter samples) of
the neurons the example records are identical, and the workflow's overhead: its wall time minus
NEST's own create + connect + recorder + simulate time, in percent of that kernel time.

With ``--repeat N`` the pairs alternate which side runs first. Before each run it waits for a quiet
machine (1-min load < 0.7, up to 10 min), and it repeats a run during which other processes used
more than ``--max-foreign`` cores on average.

``--record docs/performance/compare_example.csv`` (``compare_example_jiang2025.csv`` for
``--protocol jiang2025``) writes the measurements as the CSV the table of docs/performance.md is
generated from (:func:`record_rows`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

import bench

REPO = Path(__file__).resolve().parents[1]
NEST_EXAMPLE = Path(__file__).with_name("nest_example.py")
RUN = "results/reference/rng_seed-143202461"
FIGURES = ("raster", "dynamics", "rate_distribution")


PROTOCOLS = {"jiang2025": {"t_presim": 1000.0, "sim_time": 10000.0}}


def write_config(path: Path, sim_time: float, n_vp: int, t_presim: float, synapse_model: str) -> None:
    """The reference configuration, with the example's sim_time, n_vp and seeds stated explicitly."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["params"].update(
        {
            "sim_time": float(sim_time),
            "t_presim": float(t_presim),
            "n_vp": int(n_vp),
            "seed": 100,
            "rng_seed": 143202461,
            "scale": 1.0,
            "synapse_model": synapse_model,
        }
    )
    config["targets"] = ["reference"]
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def quiet_measure(label, cmd, args, **kw) -> bench.Measurement:
    """Measure after waiting for a quiet machine; repeat if neighbours were busy during the run."""
    for _attempt in range(args.max_attempts):
        if not args.no_wait:
            bench.wait_for_quiet(args.max_load, args.wait_s)
        if "prepare" in kw:
            kw["prepare"]()
        m = bench.measure(cmd, **{k: v for k, v in kw.items() if k != "prepare"})
        if m.returncode:
            sys.exit(f"[bench] {label} failed with exit code {m.returncode}: {' '.join(m.cmd)}")
        print(
            f"[bench] {label}: {m.wall_s:.2f} s, peak RSS {m.peak_rss_mib:.0f} MiB (tree {m.peak_tree_rss_mib:.0f} "
            "MiB), "
            f"other processes {m.foreign_cores:.2f} cores, load {m.load_before[0]:.2f} -> {m.load_after[0]:.2f}",
            flush=True,
        )
        if m.foreign_cores <= args.max_foreign or args.no_wait:
            return m
        print(
            f"[bench] {label}: the machine was busy (other processes {m.foreign_cores:.2f} cores > "
            f"{args.max_foreign}); repeating"
        )
    return m


def run_once(args, tmp: Path, index: int) -> list[dict]:
    """One example run and one workflow run per synapse model; one result per model."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    npz = tmp / f"example-{index}.npz"

    def workflow_run(model: str):
        wd = tmp / f"workflow-{index}-{model}"

        def fresh_workdir():
            shutil.rmtree(wd, ignore_errors=True)
            wd.mkdir()
            write_config(wd / "bench.yaml", args.sim_time, args.n_vp, args.t_presim, model)

        cmd = [
            str(Path(sys.executable).with_name("snakemake")),
            "--snakefile",
            str(REPO / "Snakefile"),
            "--directory",
            str(wd),
            "--configfile",
            str(wd / "bench.yaml"),
            "--cores",
            str(args.cores),
            *args.snakemake_args,
        ]
        if not args.all_targets:  # the "whole workflow": simulate + aggregate + figures
            cmd += [f"{RUN}/figures/{name}.png" for name in FIGURES]
        log = tmp / f"workflow-{index}-{model}"
        with open(f"{log}.log", "w") as out, open(f"{log}.err", "w") as err:
            m = quiet_measure(f"workflow ({model})", cmd, args, env=env, prepare=fresh_workdir, stdout=out, stderr=err)
        return m, wd

    def example_run():
        cmd = [
            sys.executable,
            str(NEST_EXAMPLE),
            "--sim-time",
            str(args.sim_time),
            "--t-presim",
            str(args.t_presim),
            "--n-vp",
            str(args.n_vp),
            str(npz),
        ]
        with open(tmp / f"example-{index}.log", "w") as out, open(tmp / f"example-{index}.err", "w") as err:
            return quiet_measure("example", cmd, args, env=env, stdout=out, stderr=err)

    # Pairs alternate which side runs first (example, workflow; workflow, example; ...): the speed of
    # a shared machine drifts, and a fixed order would hand the drift to one side.
    example_first = index % 2 == 0
    if example_first:
        example = example_run()
    workflows = {model: workflow_run(model) for model in args.synapse_model}
    if not example_first:
        example = example_run()
    ex_timers = json.loads(Path(f"{npz}.json").read_text())
    ex_kernel = bench.example_kernel_s(ex_timers)
    results = []
    for model, (workflow, wd) in workflows.items():
        run = wd / RUN
        meta = json.loads((run / "metadata.json").read_text())
        kernel = bench.workflow_kernel_s(meta)
        ovh_s, ovh_pct = bench.overhead(workflow.wall_s, kernel)
        results.append(
            {
                "pair": index + 1,
                "synapse_model": model,
                "example": {**example.to_dict(), "timers_s": ex_timers, "kernel_s": ex_kernel},
                "workflow": {
                    **workflow.to_dict(),
                    "timers_s": meta["timers_s"],
                    "kernel_s": kernel,
                    "peak_memory_mib_simulate": meta["peak_memory_mib"],
                },
                "jobs": {rule: [start, end] for rule, (start, end) in bench.snakemake_job_times(wd).items()},
                "order": ["example", "workflow"] if example_first else ["workflow", "example"],
                "identity": bench.compare_with_example(npz, run),
                "wall_ratio": bench.ratio(workflow.wall_s, example.wall_s),
                "kernel_ratio": bench.ratio(kernel, ex_kernel),
                "peak_rss_ratio": bench.ratio(workflow.peak_rss_mib, example.peak_rss_mib),
                "peak_tree_rss_ratio": bench.ratio(workflow.peak_tree_rss_mib, example.peak_tree_rss_mib),
                "overhead_s": ovh_s,
                "overhead_pct": ovh_pct,
            }
        )
    return results


def median(values: list[float]) -> float:
    """The median as this script reports it: of an even number of values, the upper middle one."""
    return sorted(values)[len(values) // 2]


def record_row(r: dict) -> dict:
    """One pair's measurements (a result of :func:`run_once`) as a row of the record: wall times,
    NEST's create + connect (recorders included), simulate and kernel times (s), peak memory (MiB),
    the workflow/example ratios, the workflow's overhead (s, % of its kernel time), the cores other
    processes used, and whether the recordings are identical."""
    ex, wf = r["example"], r["workflow"]
    et, wt = ex["timers_s"], wf["timers_s"]
    return {
        "pair": r["pair"],
        "first": r["order"][0],
        "synapse_model": r["synapse_model"],
        "example_wall_s": ex["wall_s"],
        "workflow_wall_s": wf["wall_s"],
        "wall_ratio": r["wall_ratio"],
        "example_create_connect_s": et["time_construction_create"] + et["time_construction_connect"],
        "workflow_create_connect_s": wt["create"] + wt["connect"] + wt["connect_recorders"],
        "example_simulate_s": et["time_simulate"],
        "workflow_simulate_s": wt["simulate"],
        "example_kernel_s": ex["kernel_s"],
        "workflow_kernel_s": wf["kernel_s"],
        "kernel_ratio": r["kernel_ratio"],
        "example_peak_rss_mib": ex["peak_rss_mib"],
        "workflow_peak_rss_mib": wf["peak_rss_mib"],
        "peak_rss_ratio": r["peak_rss_ratio"],
        "example_peak_tree_rss_mib": ex["peak_tree_rss_mib"],
        "workflow_peak_tree_rss_mib": wf["peak_tree_rss_mib"],
        "peak_tree_rss_ratio": r["peak_tree_rss_ratio"],
        "overhead_s": r["overhead_s"],
        "overhead_pct": r["overhead_pct"],
        "example_other_cores": ex["foreign_cores"],
        "workflow_other_cores": wf["foreign_cores"],
        **{key: r["identity"][key] for key in ("spikes_identical", "sic_identical", "astrocytes_identical")},
    }


def record_rows(results: list[dict], context: dict, t_presim_ms: float, sim_time_ms: float, n_vp: int) -> list[dict]:
    """The record of a comparison: a row per pair and synapse model (:func:`record_row`), and for a
    model measured in several pairs its ``median`` (:func:`median`), ``min`` and ``max`` over them
    (column ``statistic``; empty in the rows of the pairs). Every row starts with ``context``
    (:func:`bench.record_context`) and the protocol: model times (ms) and virtual processes."""
    setting = {"t_presim_ms": t_presim_ms, "sim_time_ms": sim_time_ms, "n_vp": n_vp}
    runs = [record_row(r) for r in results]
    rows = [{**context, "statistic": "", **setting, **run} for run in runs]
    numbers = [k for k in runs[0] if k.endswith(("_s", "_ratio", "_mib", "_pct", "_cores"))] if runs else []
    for model in dict.fromkeys(run["synapse_model"] for run in runs):
        of_model = [run for run in runs if run["synapse_model"] == model]
        if len(of_model) > 1:
            for statistic, of in (("median", median), ("min", min), ("max", max)):
                values = {k: of([run[k] for run in of_model]) for k in numbers}
                rows.append({**context, "statistic": statistic, **setting, "synapse_model": model, **values})
    return rows


def report(r: dict, args) -> str:
    ex, wf, t = r["example"], r["workflow"], r["workflow"]["timers_s"]
    et = ex["timers_s"]
    jobs = r["jobs"]
    lines = [
        f"NEST example (tsodyks_synapse) vs workflow ({r['synapse_model']}; "
        f"{'default target' if args.all_targets else 'simulate + aggregate + figures'}): full scale, "
        f"t_presim {args.t_presim:g} ms + sim_time {args.sim_time:g} ms, n_vp {args.n_vp}, snakemake --cores "
        f"{args.cores}; "
        f"{r['order'][0]} ran first",
        f"load (1/5/15 min) before example {ex['load_before']}, before workflow {wf['load_before']}; "
        f"other processes used {ex['foreign_cores']:.2f} / {wf['foreign_cores']:.2f} cores on average",
        "",
        f"{'':34s}{'example':>12s}{'workflow':>12s}{'ratio':>9s}",
        f"{'wall time (s)':34s}{ex['wall_s']:12.2f}{wf['wall_s']:12.2f}{r['wall_ratio']:9.3f}",
        f"{'peak RSS, largest process (MiB)':34s}{ex['peak_rss_mib']:12.0f}{wf['peak_rss_mib']:12.0f}"
        f"{r['peak_rss_ratio']:9.3f}",
        f"{'peak RSS, all processes (MiB)':34s}{ex['peak_tree_rss_mib']:12.0f}{wf['peak_tree_rss_mib']:12.0f}"
        f"{r['peak_tree_rss_ratio']:9.3f}",
        f"{'NEST create (s)':34s}{et['time_construction_create']:12.2f}{t['create']:12.2f}",
        f"{'NEST connect incl. recorders (s)':34s}{et['time_construction_connect']:12.2f}"
        f"{t['connect'] + t['connect_recorders']:12.2f}",
        f"{'NEST simulate (s)':34s}{et['time_simulate']:12.2f}{t['simulate']:12.2f}",
        f"{'NEST kernel total (s)':34s}{ex['kernel_s']:12.2f}{wf['kernel_s']:12.2f}{r['kernel_ratio']:9.3f}",
        f"{'everything else (s)':34s}{ex['wall_s'] - ex['kernel_s']:12.2f}{r['overhead_s']:12.2f}",
        "",
        f"spikes of the example's {r['identity']['example_spikes']} recorded spikes identical: "
        f"{r['identity']['spikes_identical']}; "
        f"I_SIC samples identical: {r['identity']['sic_identical']}; IP3/Ca_astro samples identical: "
        f"{r['identity']['astrocytes_identical']}",
        f"workflow overhead = wall - NEST kernel = {r['overhead_s']:.2f} s = {r['overhead_pct']:.2f} % of the kernel "
        "time "
        f"(of which recorder flushes {t['flush_recordings']:.2f} s)",
    ]
    if jobs:
        t0 = min(s for s, _ in jobs.values())
        parts = ", ".join(f"{rule} {e - s:.2f} s" for rule, (s, e) in sorted(jobs.items(), key=lambda kv: kv[1][0]))
        lines.append(
            f"workflow jobs (Snakemake's records): {parts}; first job started {t0 - wf['start_epoch']:.2f} s after "
            "launch"
        )
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sim-time", type=float, default=1000.0, help="recorded model time (ms), default 1000")
    parser.add_argument(
        "--t-presim", type=float, default=0.0, help="presimulation before it, not recorded (ms), default 0"
    )
    parser.add_argument(
        "--protocol", choices=sorted(PROTOCOLS), help="t_presim and sim_time of a published protocol (overrides both)"
    )
    parser.add_argument(
        "--synapse-model",
        nargs="+",
        default=["tsodyks_synapse_hpc"],
        choices=("tsodyks_synapse", "tsodyks_synapse_hpc"),
        help="the workflow's synapse_model; several: one workflow run per model after each example run",
    )
    parser.add_argument("--n-vp", type=int, default=2, choices=(1, 2, 4), help="virtual processes, default 2")
    parser.add_argument("--cores", type=int, default=os.cpu_count(), help="snakemake --cores (default: all)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure this many pairs (alternating which side runs first), report each and the median ratios",
    )
    parser.add_argument("--max-load", type=float, default=0.7, help="wait until the 1-min load is below this")
    parser.add_argument("--wait-s", type=float, default=600.0, help="wait at most this long for a quiet machine")
    parser.add_argument(
        "--max-foreign", type=float, default=0.1, help="repeat a run if other processes used more cores"
    )
    parser.add_argument("--max-attempts", type=int, default=3)
    parser.add_argument("--no-wait", action="store_true", help="measure at once, whatever the load (development)")
    parser.add_argument(
        "--all-targets",
        action="store_true",
        help="run Snakemake's default target (with the analysis stage), not just the run's figures",
    )
    parser.add_argument("--keep", type=Path, help="keep the working directories here")
    parser.add_argument("--json", type=Path, help="also write all measurements to this file")
    parser.add_argument(
        "--record", type=Path, help="also write the measurements as a CSV for the docs (docs/performance/*.csv)"
    )
    parser.add_argument("snakemake_args", nargs="*", help="extra arguments for snakemake (after --)")
    args = parser.parse_args(argv)
    if args.protocol:
        vars(args).update(PROTOCOLS[args.protocol])

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="astronet-bench-", dir=args.keep))
    results = []
    try:
        for i in range(args.repeat):
            for r in run_once(args, tmp, i):
                results.append(r)
                print()
                print(report(r, args))
                print(flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    for model in args.synapse_model:
        of_model = [x for x in results if x["synapse_model"] == model]

        def med(key, of_model=of_model):
            return median([x[key] for x in of_model])

        print(
            f"{model}, median of {len(of_model)}: wall-time ratio {med('wall_ratio'):.3f}, NEST kernel ratio "
            f"{med('kernel_ratio'):.3f}, "
            f"peak RSS ratio {med('peak_rss_ratio'):.3f} (all processes {med('peak_tree_rss_ratio'):.3f}), overhead "
            f"{med('overhead_pct'):.2f} %"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "runs": results}, indent=1)
        )
    if args.record:
        context = bench.record_context("compare_example.py", sys.argv[1:] if argv is None else argv)
        bench.write_record(args.record, record_rows(results, context, args.t_presim, args.sim_time, args.n_vp))


if __name__ == "__main__":
    main()
