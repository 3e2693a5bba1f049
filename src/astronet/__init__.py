"""Neuron–astrocyte networks on NEST: model, per-rank recording, aggregation, analysis, figures."""

__version__ = "0.1.0"
