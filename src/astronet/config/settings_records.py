"""Settings records: what each derived output of the workflow is made with, kept by content.

A run's metrics, its figures, an experiment's tables, sweep figures, scaling and connectivity
results, and a comparison depend on settings beyond their input files: the analysis settings, the
figure settings, the runs an experiment holds, their names. Each such step takes as an extra input
a small JSON file that holds those settings and is named by their SHA-256,
``results/<scope>/.settings/<step>-<digest>.json`` (rule ``settings_record``). Changed settings
name a file that does not exist yet: it is written, is newer than the step's outputs, and the step
runs again; the record job also removes the step's records of other settings, so going back to
earlier settings reruns the step too. This holds without Snakemake's own records in ``.snakemake/``
(after ``rm -rf .snakemake``, or in a copy of ``results/``), and reading the workflow writes nothing.

Only the standard library: the workflow uses this while it builds its graph of jobs.
"""

from __future__ import annotations

import hashlib
import json

# The directory of a scope's settings records, under results/<scope>/.
RECORDS_DIR = ".settings"


def settings_text(settings: dict) -> str:
    """The canonical JSON of a step's settings (sorted keys), as its record file holds it.

    Parameters
    ----------
    settings : dict
        The step's settings, JSON values.

    Returns
    -------
    str
        Compact JSON with sorted keys.

    Raises
    ------
    ValueError
        If a value is NaN or infinite.
    """
    return json.dumps(settings, sort_keys=True, separators=(",", ":"), allow_nan=False)


def settings_digest(settings: dict) -> str:
    """First 12 hex digits of the SHA-256 of a step's settings in canonical JSON.

    Parameters
    ----------
    settings : dict
        The step's settings, JSON values.

    Returns
    -------
    str
        The digest of :func:`settings_text`.
    """
    return hashlib.sha256(settings_text(settings).encode()).hexdigest()[:12]


def record_path(scope: str, step: str, settings: dict) -> str:
    """The record file of a step made with given settings.

    Parameters
    ----------
    scope : str
        What the step makes outputs for: ``<experiment>/<run>``, ``<experiment>`` or
        ``comparisons/<name>``.
    step : str
        The step, e.g. ``metrics``, ``figures.png``.
    settings : dict
        The step's settings, JSON values.

    Returns
    -------
    str
        ``results/<scope>/.settings/<step>-<digest>.json`` (:func:`settings_digest`).
    """
    return f"results/{scope}/{RECORDS_DIR}/{step}-{settings_digest(settings)}.json"
