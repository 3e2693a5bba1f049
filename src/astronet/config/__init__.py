"""What is read when the workflow starts: the schema, parameters, NEST's limits, run quantities,
experiments, targets, run identity, resources and labels. Neither NumPy nor NEST is imported here."""
