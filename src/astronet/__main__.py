"""The workflow's steps as one command: ``python -m astronet <step> --option VALUE ...``.

Every rule of the workflow runs one step this way (``python -m astronet <step> --help`` lists its
options). This module only parses the command line and hands the options to the step's function
in :mod:`astronet.cli`. Options that take a settings dictionary take it as JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from astronet import __version__, cli
from astronet.runtime.joblog import report_errors


def _json(kind: type, what: str):
    def parse(text: str):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as err:
            raise argparse.ArgumentTypeError(f"not JSON: {err}") from None
        if not isinstance(value, kind):
            raise argparse.ArgumentTypeError(f"not a JSON {what}")
        return value

    return parse


_json_object = _json(dict, "object")
# Labels are the user's strings: as JSON, one that starts with "-" is not taken for an option.
_json_labels = _json(list, "list")


def _step(steps, name: str, function, help: str) -> argparse.ArgumentParser:
    parser = steps.add_parser(name, help=help, description=help.replace("%%", "%"))
    parser.set_defaults(function=function, parser=parser)
    return parser


def _files(parser, name: str, help: str, many: bool = False, metavar: str = "PATH") -> None:
    """A required option naming a file or directory (``many``: one or more)."""
    parser.add_argument(f"--{name}", required=True, type=Path, nargs="+" if many else None, metavar=metavar, help=help)


def _run_tables(parser) -> None:
    """The aggregated tables and metadata of one run, as inputs."""
    _files(parser, "spikes", "spikes.parquet of the run")
    _files(parser, "astrocytes", "astrocytes.parquet of the run")
    _files(parser, "neurons", "neurons.parquet of the run")
    _files(parser, "metadata", "metadata.json of the run")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m astronet",
        description="The steps of the astronet workflow; each rule runs one. "
        "`python -m astronet STEP --help` lists a step's options.",
    )
    top.add_argument("--version", action="version", version=f"astronet {__version__}")
    steps = top.add_subparsers(dest="step", required=True, metavar="STEP")

    p = _step(steps, "simulate", cli.simulate, "simulate one run from its parameters file")
    _files(p, "parameters", "JSON file with the run's complete parameters")
    p.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="directory that will hold the per-rank recordings (not with --check-mpi)",
    )
    p.add_argument(
        "--check-mpi",
        action="store_true",
        help="only check, in this single process, that NEST has MPI if the run asks for ranks "
        "(before an MPI launcher starts them: NEST without MPI exits at import under a launcher)",
    )
    p.add_argument(
        "--params-id",
        metavar="ID",
        help="the run's identity as the workflow configured it (astronet.config.rundir.params_id): the run stops "
        "if the parameters file holds another parameter set",
    )

    p = _step(
        steps,
        "aggregate",
        cli.aggregate,
        "merge the per-rank recordings of one run into tables, a summary and metadata",
    )
    _files(p, "raw", "the run's raw/ directory (per-rank recordings)", metavar="DIR")
    _files(
        p,
        "out-dir",
        "directory of the run's tables: spikes, astrocytes and neurons .parquet, summary.csv, metadata.json",
        metavar="DIR",
    )

    p = _step(
        steps, "aggregate-connections", cli.aggregate_connections, "merge the per-rank connection tables of one run"
    )
    _files(p, "raw", "the run's raw/ directory (recorded with record_connections: true)", metavar="DIR")
    _files(p, "output", "connections.parquet to write")

    p = _step(steps, "metrics", cli.metrics, "compute the metrics of one run into metrics.json")
    _run_tables(p)
    p.add_argument(
        "--settings",
        required=True,
        type=_json_object,
        metavar="JSON",
        help="the experiment's analysis settings (config `analysis`)",
    )
    p.add_argument("--experiment", required=True, metavar="NAME", help="name of the run's experiment")
    p.add_argument("--run", required=True, metavar="NAME", help="name of the run")
    p.add_argument(
        "--point", type=_json_object, default={}, metavar="JSON", help="the run's swept values, {key: value}"
    )
    _files(p, "output", "metrics.json to write")

    p = _step(steps, "provenance", cli.provenance, "write the provenance page of one run")
    _files(p, "metadata", "metadata.json of the run")
    _files(p, "metrics", "metrics.json of the run")
    _files(p, "output", "HTML page to write")

    p = _step(steps, "figures", cli.figures, "draw the figures of one run from its aggregated tables")
    _run_tables(p)
    p.add_argument(
        "--settings",
        required=True,
        type=_json_object,
        metavar="JSON",
        help="figure settings (config `figures`) with the plotted window t_start, t_stop (ms)",
    )
    _files(p, "raster", "raster figure to write")
    _files(p, "dynamics", "astrocyte and neuron dynamics figure to write")
    _files(p, "rate-distribution", "firing-rate distribution figure to write")

    p = _step(
        steps,
        "experiment-summary",
        cli.experiment_summary,
        "tables of one experiment: one row per run and one per grid point",
    )
    _files(p, "metrics", "metrics.json of each run", many=True)
    _files(p, "metadata", "metadata.json of each run, in the same order", many=True)
    p.add_argument(
        "--grid-keys", nargs="*", default=[], metavar="KEY", help="the experiment's swept parameters (none: no grid)"
    )
    p.add_argument("--experiment", required=True, metavar="NAME", help="name of the experiment")
    p.add_argument(
        "--scaling",
        choices=("strong", "weak"),
        help="a scaling experiment: no warnings about its network's activity or its seeds, which it does not ask about",
    )
    for name in ("runs-parquet", "runs-csv", "summary-parquet", "summary-csv", "summary-html"):
        _files(p, name, f"{name.replace('-', '.')} to write")

    p = _step(
        steps, "sweep-figures", cli.sweep_figures, "sweep figures of one experiment (mean ± 95 %% CI across seeds)"
    )
    _files(p, "summary", "summary.parquet of the experiment")
    _files(p, "runs", "runs.parquet of the experiment")
    p.add_argument(
        "--grid", type=_json_object, default={}, metavar="JSON", help="the experiment's grid, {key: [values]}"
    )
    p.add_argument(
        "--zip-grid", action="store_true", help="the grid's lists are read in step (the experiment's zip: true)"
    )
    p.add_argument("--experiment", required=True, metavar="NAME", help="name of the experiment")
    p.add_argument(
        "--settings", required=True, type=_json_object, metavar="JSON", help="figure settings (config `figures`)"
    )
    _files(
        p,
        "figures",
        "figures to write, each named after its group: activity, synchrony or astrocytes (e.g. figures/activity.png)",
        many=True,
    )

    p = _step(
        steps,
        "comparison",
        cli.comparison,
        "runs side by side as in Jiang et al. 2025's Fig. 3, and their metrics table",
    )
    p.add_argument(
        "--labels", required=True, type=_json_labels, metavar="JSON", help="column label of each run, a JSON list"
    )
    for name in ("spikes", "astrocytes", "neurons"):
        _files(p, name, f"{name}.parquet of each run", many=True)
    _files(p, "metadata", "metadata.json of each run", many=True)
    _files(p, "metrics", "metrics.json of each run", many=True)
    p.add_argument(
        "--settings",
        required=True,
        type=_json_object,
        metavar="JSON",
        help="dpi, raster_neurons, rate_bin_ms (ms), t_start and t_stop (ms or null)",
    )
    _files(p, "figure", "figure to write")
    _files(p, "table", "metrics table (CSV) to write")

    p = _step(
        steps,
        "connectivity",
        cli.connectivity,
        "degree table and figure of an experiment whose runs record their connections",
    )
    p.add_argument("--labels", required=True, type=_json_labels, metavar="JSON", help="label of each run, a JSON list")
    _files(p, "connections", "connections.parquet of each run", many=True)
    _files(p, "metadata", "metadata.json of each run", many=True)
    p.add_argument("--experiment", required=True, metavar="NAME", help="name of the experiment")
    p.add_argument("--dpi", type=int, default=150, help="resolution of the figure (default 150)")
    _files(p, "table", "degree table (CSV) to write")
    _files(p, "figure", "figure to write")

    p = _step(
        steps,
        "claims",
        cli.claims,
        "a claim's paired comparison of networks and their controls (No-Tripartite or Surrogate): tables and figure",
    )
    p.add_argument(
        "--claim",
        required=True,
        type=_json_object,
        metavar="JSON",
        help="the claim's settings (config `claims.<name>`), each pair with its `seeds`",
    )
    _files(p, "metrics", "metrics.json of each run of the pairs", many=True)
    _files(p, "metadata", "metadata.json of the same runs, in the same order", many=True)
    p.add_argument("--dpi", type=int, default=150, help="resolution of the figure (default 150)")
    _files(p, "table", "claims table (CSV) to write")
    _files(p, "runs-table", "runs table with provenance (CSV) to write")
    _files(p, "figure", "figure to write")

    p = _step(steps, "publish", cli.publish, "copy results into the repository (config `publish`)")
    _files(p, "sources", "files under results/ to copy", many=True)
    _files(p, "copies", "where each copy goes, in the same order", many=True)

    p = _step(steps, "scaling", cli.scaling, "scaling table and figure of a scaling experiment")
    p.add_argument("--kind", required=True, choices=("strong", "weak"), help="strong or weak scaling")
    p.add_argument("--runs", required=True, nargs="+", metavar="RUN", help="name of each run")
    _files(p, "metadata", "metadata.json of each run", many=True)
    p.add_argument("--experiment", required=True, metavar="NAME", help="name of the experiment")
    p.add_argument("--dpi", type=int, default=150, help="resolution of the figure (default 150)")
    _files(p, "table", "scaling.csv to write")
    _files(p, "figure", "figure to write")

    p = _step(steps, "export-nwb", cli.export_nwb, "write one run as an NWB file")
    _files(p, "run-dir", "the run's directory (results/<experiment>/<run>)", metavar="DIR")
    _files(p, "output", "NWB file to write")
    return top


def main(argv=None) -> None:
    """Parse the command line and run its step.

    Uncaught errors are also reported on the descriptor in ``ASTRONET_ERRORS_FD``
    (astronet.runtime.joblog.report_errors).

    Parameters
    ----------
    argv : list of str, optional
        The arguments after ``python -m astronet``; None: ``sys.argv[1:]``.
    """
    top = parser()
    args = vars(top.parse_args(argv))
    step, function, step_parser = args.pop("step"), args.pop("function"), args.pop("parser")
    if step == "simulate" and args["output"] is None and not args["check_mpi"]:
        step_parser.error("--output DIR is required (unless --check-mpi)")
    report_errors(step)
    function(**args)


if __name__ == "__main__":
    main()
