#!/usr/bin/env python
"""What keeping pandas and matplotlib out of a simulation saves (astronet.runtime.optional_imports).

    .venv/bin/python benchmarks/optional_imports.py                 # full scale, 100 ms, n_vp 2, 2 pairs
    .venv/bin/python benchmarks/optional_imports.py --sim-time 1000 --repeat 1

Runs the same simulation (``python -m astronet simulate``) twice per pair, alternating the order:
as the workflow runs it, and with pandas and matplotlib imported before it starts, which turns
``skip_imports`` into a no-op (it skips only what is not imported yet). Prints wall time, the
simulation's own peak memory (VmHWM, from its metadata) and the peak RSS measured from outside.
Peak memory is set by the network build, so 100 ms of model time measure it as well as 11 s do.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import bench
from astronet.config.parameters import validate_params

WITH_IMPORTS = (
    "import pandas, matplotlib, runpy, sys; sys.argv[0] = 'astronet'; runpy.run_module('astronet', run_name='__main__')"
)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sim-time", type=float, default=100.0, help="model time (ms), default 100")
    parser.add_argument("--n-vp", type=int, default=2)
    parser.add_argument("--scale", type=float, default=1.0, help="network scale, default 1 (full)")
    parser.add_argument("--repeat", type=int, default=2, help="pairs of runs, default 2")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for a quiet machine")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="astronet-imports-"))
    params = validate_params({"sim_time": args.sim_time, "n_vp": args.n_vp, "scale": args.scale})
    (tmp / "parameters.json").write_text(json.dumps(params))
    results: dict[str, list] = {"skipped (workflow)": [], "imported": []}
    for i in range(args.repeat):
        order = list(results) if i % 2 == 0 else list(results)[::-1]
        for label in order:
            out = tmp / f"run-{i}-{label.split()[0]}"
            head = (
                [sys.executable, "-m", "astronet"]
                if label.startswith("skipped")
                else [sys.executable, "-c", WITH_IMPORTS]
            )
            if not args.no_wait:
                bench.wait_for_quiet()
            with open(f"{out}.log", "w") as log, open(f"{out}.err", "w") as err:
                m = bench.measure(
                    [*head, "simulate", "--parameters", str(tmp / "parameters.json"), "--output", str(out)],
                    stdout=log,
                    stderr=err,
                )
            if m.returncode:
                sys.exit(f"[bench] {label} failed: see {out}.err")
            meta = json.loads(next(out.glob("metadata-rank*.json")).read_text())
            results[label].append((m.wall_s, meta["peak_memory_mib"], m.peak_rss_mib, m.foreign_cores))
            print(
                f"[bench] {label}: {m.wall_s:.1f} s, peak {meta['peak_memory_mib']:.0f} MiB (outside: "
                f"{m.peak_rss_mib:.0f} MiB), other processes {m.foreign_cores:.2f} cores",
                flush=True,
            )
    print(f"\nscale {args.scale:g}, n_vp {args.n_vp}, {args.sim_time:g} ms, {args.repeat} pair(s); median per variant")
    print(f"{'':22s}{'wall (s)':>10s}{'peak (MiB)':>12s}")
    med = {label: [statistics.median(x[k] for x in rows) for k in range(3)] for label, rows in results.items()}
    for label, (wall, peak, _) in med.items():
        print(f"{label:22s}{wall:10.1f}{peak:12.0f}")
    (skip_wall, skip_peak, _), (imp_wall, imp_peak, _) = med.values()
    print(
        f"saved by skipping: {imp_peak - skip_peak:.0f} MiB = {100 * (imp_peak - skip_peak) / imp_peak:.1f} % of the "
        "peak; "
        f"{imp_wall - skip_wall:.1f} s = {100 * (imp_wall - skip_wall) / imp_wall:.1f} % of the wall time"
    )


if __name__ == "__main__":
    main()
