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
    * ``ASTRONET_SOURCE``: this checkout, for the post-deploy script of envs/astronet.yaml (set
      only if not set already).

    Parameters
    ----------
    source_dir : str
        The checkout (the directory of the Snakefile); ``ASTRONET_SOURCE`` gets its absolute path.
    environ : dict of str to str, optional
        The environment to change; None: ``os.environ``.
    executable : str, optional
        The Python running Snakemake; None: ``sys.executable``.
    """
    environ = os.environ if environ is None else environ
    executable = executable or sys.executable
    bin_dir = os.path.dirname(executable)
    path = [p for p in environ.get("PATH", "").split(os.pathsep) if p]
    if bin_dir and not any(_same_dir(p, bin_dir) for p in path if os.path.isdir(p)):
        environ["PATH"] = os.pathsep.join([bin_dir, *path])
    environ.setdefault(SOURCE_VARIABLE, os.path.abspath(source_dir))


#: Overrides the container image (an Apptainer/Singularity image file or URL).
CONTAINER_VARIABLE = "ASTRONET_CONTAINER"


def container_image(source_dir: str, methods, environ=None, cwd: str | None = None) -> str | None:
    """The image the jobs run in with ``--software-deployment-method apptainer``, else None.

    Without apptainer Snakemake never looks at an image, so a checkout in a path with whitespace
    works. The image is ``$ASTRONET_CONTAINER`` or the checkout's ``containers/astronet.sif``;
    Snakemake refuses whitespace in an image's path, so a local image in such a path is given
    relative to the working directory ``cwd``, and if that still has whitespace the workflow stops
    saying what to do.

    Parameters
    ----------
    source_dir : str
        The checkout, which holds ``containers/astronet.sif``.
    methods : iterable
        Snakemake's software deployment methods (enum members, or their names as strings).
    environ : dict of str to str, optional
        The environment to read ``ASTRONET_CONTAINER`` from; None: ``os.environ``.
    cwd : str, optional
        The working directory a relative path is made against; None: the current one.

    Returns
    -------
    str or None
        The image's path (or URL), relative to ``cwd`` if its absolute path has whitespace; None
        without apptainer.

    Raises
    ------
    SystemExit
        If the image's path has whitespace even relative to ``cwd``.
    """
    if "APPTAINER" not in {getattr(m, "name", str(m)).upper() for m in methods}:
        return None
    environ = os.environ if environ is None else environ
    image = environ.get(CONTAINER_VARIABLE) or os.path.join(source_dir, "containers", "astronet.sif")
    if not any(c.isspace() for c in image):
        return image
    relative = os.path.relpath(image, cwd or os.getcwd()) if os.path.isabs(image) else image
    if not any(c.isspace() for c in relative):
        return relative
    sys.exit(
        f"The container image {image!r} has whitespace in its path, which Snakemake does not accept: set "
        f"{CONTAINER_VARIABLE} to a path (or URL) without whitespace, e.g. a link to the image"
    )
