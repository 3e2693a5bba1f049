"""Neuron–astrocyte networks on NEST: model, per-rank recording, aggregation, analysis, figures.

``load_run``, ``load_experiment`` (:mod:`astronet.data.results`) and ``validate_params``
(:mod:`astronet.config.parameters`) are imported on first use: the workflow imports this package at every
start and in every job, and needs none of them there.
"""

from importlib import metadata as _metadata

try:  # one source: pyproject.toml's version, as installed (an editable install included)
    __version__ = _metadata.version("astronet")
except _metadata.PackageNotFoundError:  # sources on sys.path without an install
    __version__ = "unknown"

_LAZY = {"load_run": "data.results", "load_experiment": "data.results", "validate_params": "config.parameters"}
__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
