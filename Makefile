# The two commands of the README:
#   make run    set everything up, then simulate the reference network and draw its figures
#   make test   set everything up (NEST with MPI, a local Slurm cluster), then run the test suite
CORES ?= all
SNAKEMAKE_ARGS ?=

.PHONY: run test setup test-setup

setup:
	tools/setup.sh

run: setup
	.venv/bin/snakemake --cores $(CORES) $(SNAKEMAKE_ARGS)

test-setup: setup
	tools/build_nest_mpi.sh
	tools/start_slurm.sh

test: test-setup
	.venv/bin/python -m pytest $(PYTEST_ARGS)
