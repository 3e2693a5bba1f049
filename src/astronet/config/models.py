"""The NEST models of the network, by role, in one place (NEST 3.10 names). The neuron-to-neuron and
neuron-to-astrocyte synapse is a parameter (``params.synapse_model``, ``tsodyks_synapse`` or its
``_hpc`` variant); the others are fixed by the model."""

from __future__ import annotations

#: Neurons, excitatory and inhibitory: adaptive exponential integrate-and-fire, conductance-based,
#: with the slow inward current (SIC) input from astrocytes.
NEURON_MODEL = "aeif_cond_alpha_astro"
#: Astrocytes: Li & Rinzel (1994) IP3 and Ca dynamics.
ASTROCYTE_MODEL = "astrocyte_lr_1994"
#: Astrocyte-to-neuron connection that carries the SIC.
A2N_MODEL = "sic_connection"
#: The external drive.
POISSON_MODEL = "poisson_generator"
#: The synapse of the Poisson drive (NEST's default synapse).
DRIVE_SYNAPSE = "static_synapse"
