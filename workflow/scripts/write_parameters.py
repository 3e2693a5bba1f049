"""Write one run's complete parameter set; the simulate rule reads nothing else."""

from astronet.recording import write_json_atomic

write_json_atomic(snakemake.output[0], snakemake.params.values)  # noqa: F821
