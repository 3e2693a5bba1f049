"""Tables of one experiment: one row per run (runs.*) and mean / 95 % CI / n per grid point (summary.*)."""

from pathlib import Path

from astronet import advice
from astronet.html_pages import summary_html
from astronet.run_records import load_records
from astronet.sweep_tables import write_tables
from astronet.joblog import log_to

log_to(snakemake.log[0], "experiment_summary")  # noqa: F821
out, params = snakemake.output, snakemake.params  # noqa: F821
grid_keys = list(params.grid_keys)
records = load_records(snakemake.input)  # noqa: F821
runs, summary = write_tables(records, grid_keys, out)
experiment = snakemake.wildcards.experiment  # noqa: F821
Path(out.summary_html).write_text(summary_html(summary, grid_keys, f"Experiment {experiment}: mean ± 95 % CI across seeds"))
print(f"{len(runs)} runs, {len(summary)} grid points")
advice.report(advice.few_seeds(experiment, summary["n_seeds"]), advice.no_sic(experiment, records, grid_keys))
