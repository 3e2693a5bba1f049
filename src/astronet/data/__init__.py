"""A run's files: aggregation of the per-rank recordings, units, checksums, the results API, exports."""
