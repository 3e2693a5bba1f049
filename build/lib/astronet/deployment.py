"""Where the workflow's jobs find their Python.

Every job runs ``python`` from its ``PATH``, never the interpreter of the Snakemake process: with
``--software-deployment-method conda`` Snakemake activates the rule's environment in the job's
shell, which puts that environment's ``bin`` first on ``PATH`` (inside a container, the image's
``python`` is the one on ``PATH``). Without a deployment method the jobs run in the environment
Snakemake was started from; :func:`prepare_job_environment` makes ``.venv/bin/snakemake`` work
without activating ``.venv`` first, as the README promises.
"""

from __future__ import annotations

import os
import sys

#: Read by envs/astronet.post-deploy.sh, which installs this checkout into a new conda environment.
SOURCE_VARIABLE = "ASTRONET_SOURCE"


def _same_dir(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def prepare_job_environment(source_dir: str, environ=None, executable: str | None = None) -> None:
    """Set up the environment the jobs inherit from the Snakemake process.

    * If the ``bin`` directory of the Python running Snakemake is not on ``PATH`` (Snakemake was
      started as ``.venv/bin/snakemake`` without activating ``.venv``), put it first, as activating
      that environment would. An environment that is on ``PATH`` already, or that Snakemake
      activates in the job (conda), is left to decide which ``python`` the jobs run.
    * ``ASTRONET_SOURCE``: this checkout, for the post-deploy script of envs/astronet.yaml.
    """
    environ = os.environ if environ is None else environ
    executable = executable or sys.executable
    bin_dir = os.path.dirname(executable)
    path = [p for p in environ.get("PATH", "").split(os.pathsep) if p]
    if bin_dir and not any(_same_dir(p, bin_dir) for p in path if os.path.isdir(p)):
        environ["PATH"] = os.pathsep.join([bin_dir, *path])
    environ.setdefault(SOURCE_VARIABLE, os.path.abspath(source_dir))
