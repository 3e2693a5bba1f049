"""Settings that a cluster profile takes from the environment, checked before anything is submitted.

``profiles/slurm`` names the Slurm partition and account as ``$ASTRONET_SLURM_PARTITION`` and
``$ASTRONET_SLURM_ACCOUNT``. Snakemake replaces a set variable by its value, but leaves an unset one
as it is written, and the job would be submitted with the partition ``$ASTRONET_SLURM_PARTITION``.
:func:`check_profile_environment` refuses that at start-up, naming the variable. Standard library only:
the workflow runs it at every start.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

# resource -> what its variable must hold, and how to set it
WHAT = {
    "slurm_partition": "the Slurm partition to submit to (`sinfo -s` lists them): export {var}=<partition>",
    "slurm_account": (
        "the Slurm account to charge (`sacctmgr show assoc user=$USER`): export {var}=<account>, or, on a "
        "cluster without accounts, export {var}= (empty: the Slurm plugin chooses)"
    ),
}

_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


class ProfileError(RuntimeError):
    """A resource of the profile names an environment variable that is not set."""


def unset_variables(resource_args: Iterable[str], environ: Mapping[str, str] = os.environ) -> list[tuple[str, str]]:
    """The environment variables that resources name but that are not set.

    Parameters
    ----------
    resource_args : iterable of str
        Resources as ``name=value`` (Snakemake's ``--default-resources``); each ``$VARIABLE`` or
        ``${VARIABLE}`` in a value is looked up.
    environ : mapping of str to str
        The environment; by default ``os.environ``.

    Returns
    -------
    list of tuple of str
        ``(resource, variable)`` for every variable that is not set in ``environ`` (set but empty
        counts as set), in the order written.
    """
    unset = []
    for arg in resource_args:
        name, _, value = arg.partition("=")
        for match in _VARIABLE.finditer(value):
            variable = match.group(1) or match.group(2)
            if variable not in environ:
                unset.append((name, variable))
    return unset


def check_profile_environment(resource_args: Iterable[str] | None, environ: Mapping[str, str] = os.environ) -> None:
    """Raise :class:`ProfileError` naming each unset variable of the resources and what it must hold.

    Parameters
    ----------
    resource_args : iterable of str or None
        Resources as ``name=value`` (Snakemake's ``--default-resources``); None: none.
    environ : mapping of str to str
        The environment; by default ``os.environ``.

    Raises
    ------
    ProfileError
        If a resource names a variable that is not set (:func:`unset_variables`).
    """
    unset = unset_variables(resource_args or (), environ)
    if not unset:
        return
    lines = [
        f"  {variable} (resource {name}): "
        + WHAT.get(name, "what the profile's comment says: export {var}=<value>").format(var=variable)
        for name, variable in unset
    ]
    raise ProfileError(
        "the profile's resources name environment variables that are not set, so its jobs would be submitted "
        "with the variable's name as their value. Nothing was submitted. Set:\n" + "\n".join(lines)
    )
