"""One run in NEST: the network, its recorders, the simulation, its provenance and progress."""
