# The two commands of the README:
#   make run    set everything up, then simulate the reference network and draw its figures
#   make test   set everything up (NEST with MPI, local Slurm clusters), then run the test suite
# and, for the edit-test loop:
#   make test-fast   the tests that need neither a workflow run nor NEST at scale, root, MPI or Slurm
# and the checks that CI runs first (.ci/run):
#   make lint   ruff, snakefmt, shellcheck, `snakemake --lint` and the docs' build; stops at the first that fails
#   make docs   the pages under docs/ as a site, docs/_build/html/index.html
CORES ?= all
SNAKEMAKE_ARGS ?=
# The NEST that `make run` simulates with: wheel (the PyPI wheel in .venv), or a build of
# tools/build_nest.sh, made once and cached in ~/.cache/astronet: native (-O3 -march=native),
# mpi, mpi-native. E.g. `make run NEST=native`.
NEST ?= wheel
nest_options = $(if $(filter-out wheel,$(NEST)),$(patsubst %,--%,$(subst -, ,$(NEST))))
# Every shell script of the repository.
SHELL_SCRIPTS = tools/*.sh envs/*.sh .ci/run
# Sphinx with MyST and autodoc (docs/conf.py); -W: every warning is an error.
SPHINX_BUILD = .venv/bin/sphinx-build -W --keep-going -b html docs docs/_build/html

.PHONY: run test test-fast setup test-setup lint docs clean

setup:
	tools/setup.sh

run: setup
	$(if $(nest_options),tools/build_nest.sh $(nest_options) >/dev/null && eval "$$(tools/nest_env.sh $(nest_options))" && )\
	.venv/bin/snakemake --cores $(CORES) $(SNAKEMAKE_ARGS)

# NEST with MPI, the one-node Slurm cluster and the emulated cluster of three nodes.
test-setup: setup
	tools/build_nest.sh --mpi
	tools/start_slurm.sh
	tools/start_slurm_nodes.sh

test: test-setup
	.venv/bin/python -m pytest $(PYTEST_ARGS)

# Every test not marked slow, mpi, slurm or root (markers: pyproject.toml); under two minutes on
# 2 cores. `make test` stays the whole suite, and the one CI runs.
test-fast: setup
	.venv/bin/python -m pytest -m "not slow and not mpi and not slurm and not root" $(PYTEST_ARGS)

# Configuration: [tool.ruff] and [tool.snakefmt] in pyproject.toml, .shellcheckrc, docs/conf.py. The
# same tools run as git hooks with .pre-commit-config.yaml. Only checks: nothing is rewritten (the
# docs' build writes docs/_build/, which git ignores).
lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/snakefmt --check Snakefile workflow/rules
	.venv/bin/shellcheck $(SHELL_SCRIPTS)
	.venv/bin/snakemake --lint
	$(SPHINX_BUILD)

docs: setup
	$(SPHINX_BUILD)

# Caches and build files of the tools; results/, .venv and the NEST builds are kept. Not while a
# snakemake runs here (its lock is under .snakemake/).
clean:
	@if [ -n "$$(ls -A .snakemake/locks 2>/dev/null)" ]; then \
		echo "make clean: a snakemake holds .snakemake/locks here; nothing removed" >&2; exit 1; fi
	rm -rf .snakemake .pytest_cache .ruff_cache build dist src/astronet.egg-info docs/_build
	find . -name __pycache__ -type d -not -path './.venv/*' -prune -exec rm -rf {} +
