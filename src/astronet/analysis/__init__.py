"""Numbers from a run's tables: metrics, run records, sweep and scaling tables, connectivity, claims."""
