#!/usr/bin/env bash
# Run by Snakemake in the new conda environment of envs/astronet.yaml: install this checkout of
# astronet into it (editable, so that the environment always runs the checkout's code).
# ASTRONET_SOURCE is set by the Snakefile (astronet.runtime.deployment.prepare_job_environment).
set -euo pipefail
: "${ASTRONET_SOURCE:?not set: create the environment through the Snakefile of the workflow}"
python -m pip install --no-deps --no-build-isolation -e "$ASTRONET_SOURCE"
