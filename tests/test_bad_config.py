"""Every bad configuration tried, and what it must produce.

``CASES`` is the list: each case is a change to config/test.yaml, written as the YAML a user would
put in a config file, and the fragments the refusal must contain (the key, the value and the
rule). Every case is checked the way the workflow checks it (astronet.config.validate.validate_config and
the memory check of workflow/rules/common.smk). One case per category (``file=True``) also goes
through the real `snakemake` command as a config file, and a representative subset (``cli``) as a
`--config` override: non-zero exit, the message, no `results/` directory, no NEST banner.

Nested keys on the command line: Snakemake 9 only accepts top-level names in `--config` (a dotted
name such as `params.sim_time=5` is refused by Snakemake itself), so a nested value is given as a
YAML mapping that Snakemake merges into the configuration key by key:

    snakemake --config 'params={sim_time: 500.0, scale: 0.5}' 'experiments={reference: {seeds: [1, 2]}}'

Snakemake hands the leaves over as strings; the workflow re-reads them as YAML, so they are
validated exactly like config-file values (see astronet.config.schema.retype_cli_overrides).
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from snakemake.utils import update_config

from astronet.config.analysis_settings import check_figure_window, experiment_analysis
from astronet.config.claim_pairs import claim_specs
from astronet.config.comparisons import comparison_runs
from astronet.config.nest_limits import check_cross_field
from astronet.config.resources import available_memory_mib, check_memory, estimate_memory_mib
from astronet.config.rundir import params_id
from astronet.config.schema import ConfigError, check_config_file, param_defaults, retype_cli_overrides
from astronet.config.targets import RULE_NAMES
from astronet.config.validate import validate_config
from workflow_support import REPO, TEST_CONFIG, run_snakemake

NEST_BANNER = "N E S T"


@dataclass
class Case:
    id: str
    yaml: str  # merged over config/test.yaml (alone=True: the whole configuration)
    expect: tuple[str, ...]  # fragments of the message: key, value, rule
    file: bool = False  # also through `snakemake --configfile`
    cli: tuple = ()  # also through `snakemake --config ARG`: ARG, or (ARG, fragments) if they differ
    alone: bool = False


CASES = [
    # --- types --------------------------------------------------------------------------------
    Case(
        "string-for-number",
        "params: {sim_time: '100'}",
        ("'params.sim_time'", "'100'", "is not of type 'number'", "read by YAML as a string"),
        file=True,
        cli=(("params={sim_time: abc}", ("'params.sim_time'", "'abc'", "is not of type 'number'")),),
    ),
    Case(
        "yaml11-exponent", "params: {sim_time: 1e3}", ("'params.sim_time'", "'1e3'", "not of type 'number'", "1.0e+3")
    ),
    Case("float-for-integer", "params: {n_vp: 2.5}", ("'params.n_vp'", "2.5", "is not of type 'integer'")),
    Case("bool-for-integer", "params: {n_vp: true}", ("'params.n_vp'", "True", "is not of type 'integer'")),
    Case("string-for-integer", "params: {pool_size: ten}", ("'params.pool_size'", "'ten'", "not of type 'integer'")),
    Case("count-or-all", "params: {N_rec_mm: some}", ("'params.N_rec_mm'", "'some'", "must be integer >= 0 or all")),
    Case("section-not-mapping", "params: 5", ("'params'", "5", "is not of type 'object'"), cli=("params=5",)),
    Case("nested-not-mapping", "params: {neuron_params: 3}", ("'params.neuron_params'", "3", "not of type 'object'")),
    Case(
        "nested-string",
        "params: {neuron_params: {C_m: big}}",
        ("'params.neuron_params.C_m'", "'big'", "not of type 'number'"),
    ),
    Case("targets-not-list", "targets: reference", ("'targets'", "'reference'", "is not of type 'array'")),
    Case("figures-type", "figures: {dpi: high}", ("'figures.dpi'", "'high'", "not of type 'integer'")),
    Case(
        "resources-type",
        "resources: {max_mem_mb: lots}",
        ("'resources.max_mem_mb'", "'lots'", "must be integer >= 1 or null"),
    ),
    # --- ranges: positive sizes, rates and times; probabilities in [0, 1]; finite numbers ------
    Case("zero-dt", "params: {dt: 0}", ("'params.dt'", "0", "less than or equal to the minimum of 0")),
    Case(
        "negative-sim-time",
        "params: {sim_time: -1.0}",
        ("'params.sim_time'", "-1.0", "less than or equal to the minimum of 0"),
        cli=("params={sim_time: -1.0}",),
    ),
    Case("zero-scale", "params: {scale: 0}", ("'params.scale'", "0", "minimum of 0")),
    Case("zero-population", "params: {N_ex: 0}", ("'params.N_ex'", "0", "less than the minimum of 1")),
    Case("negative-astrocytes", "params: {N_astro: -5}", ("'params.N_astro'", "-5", "less than the minimum of 1")),
    Case("zero-rate", "params: {poisson_rate: 0.0}", ("'params.poisson_rate'", "0.0", "minimum of 0")),
    Case("zero-time-constant", "params: {tau_syn_ex: 0.0}", ("'params.tau_syn_ex'", "0.0", "minimum of 0")),
    Case("zero-chunk", "params: {chunk_ms: 0.0}", ("'params.chunk_ms'", "0.0", "number > 0 or auto")),
    Case("negative-rec-interval", "params: {rec_interval: -1.0}", ("'params.rec_interval'", "-1.0", "minimum of 0")),
    Case("zero-ranks", "params: {mpi_ranks: 0}", ("'params.mpi_ranks'", "0", "less than the minimum of 1")),
    Case("zero-vp", "params: {n_vp: 0}", ("'params.n_vp'", "0", "less than the minimum of 1")),
    Case("rng-seed-zero", "params: {rng_seed: 0}", ("'params.rng_seed'", "0", "less than the minimum of 1")),
    Case(
        "rng-seed-too-large",
        "params: {rng_seed: 4294967296}",
        ("'params.rng_seed'", "4294967296", "greater than the maximum of 4294967295"),
    ),
    Case("negative-seed", "params: {seed: -1}", ("'params.seed'", "-1", "less than the minimum of 0")),
    Case("negative-excitatory-weight", "params: {w_e: -1.0}", ("'params.w_e'", "-1.0", "less than the minimum of 0")),
    # NEST's aeif_cond_alpha_astro cannot integrate such inputs (NumericalInstability after the build)
    Case(
        "huge-excitatory-weight",
        "params: {w_e: 1.0e+6}",
        ("'params.w_e'", "1000000.0", "greater than the maximum of 10000.0"),
        file=True,
    ),
    Case(
        "huge-inhibitory-weight",
        "params: {w_i: -1.0e+300}",
        ("'params.w_i'", "-1e+300", "less than the minimum of -10000.0"),
        cli=("params={w_i: -1.0e+300}",),
    ),
    Case(
        "huge-n2a-weight", "params: {w_n2a: 2.0e+4}", ("'params.w_n2a'", "20000.0", "number >= 0, <= 10000.0 or null")
    ),
    Case("positive-inhibitory-weight", "params: {w_i: 1.0}", ("'params.w_i'", "1.0", "greater than the maximum of 0")),
    Case(
        "probability-above-1",
        "params: {p_primary: 1.5}",
        ("'params.p_primary'", "1.5", "greater than the maximum of 1"),
        file=True,
    ),
    Case(
        "probability-below-0",
        "params: {p_third_if_primary: -0.1}",
        ("'params.p_third_if_primary'", "-0.1", "less than the minimum of 0"),
    ),
    Case("nan", "params: {sim_time: .nan}", ("'params.sim_time'", "nan", "must be a finite number"), file=True),
    Case("infinity", "params: {p_primary: .inf}", ("'params.p_primary'", "inf", "must be a finite number")),
    Case("nan-nested", "params: {neuron_params: {C_m: .nan}}", ("'params.neuron_params.C_m'", "nan", "finite")),
    Case("figures-range", "figures: {dpi: 10}", ("'figures.dpi'", "10", "less than the minimum of 30")),
    Case(
        "jitter-not-whole-bins",
        "analysis: {jitter_ms: 15.0}",
        ("'analysis.jitter_ms'", "15.0", "a whole number, at least 2, of synchrony bins: bin_ms = 10 ms"),
        cli=("analysis={jitter_ms: 15.0}",),
    ),
    Case(
        "jitter-one-bin",
        "experiments: {reference: {analysis: {bin_ms: 20.0, jitter_ms: 20.0}}}",
        ("'experiments.reference.analysis.jitter_ms'", "20.0", "bin_ms = 20 ms"),
    ),
    Case("analysis-range", "analysis: {bin_ms: 0.0}", ("'analysis.bin_ms'", "0.0", "minimum of 0")),
    Case(
        "bin-below-dt",
        "analysis: {bin_ms: 0.05}",
        ("'analysis.bin_ms'", "0.05", "at least NEST's time step dt = 0.1 ms"),
        cli=("analysis={bin_ms: 0.05}",),
    ),
    Case(
        "fano-window-below-dt",
        "experiments: {reference: {analysis: {fano_bin_ms: 0.01}}}",
        ("'experiments.reference.analysis.fano_bin_ms'", "0.01", "at least NEST's time step dt = 0.1 ms"),
    ),
    Case("zero-memory-limit", "resources: {max_mem_mb: 0}", ("'resources.max_mem_mb'", "0", "integer >= 1 or null")),
    # --- NEST's own parameter ranges (cross-checked against NEST below) ------------------------
    Case(
        "neuron-capacitance",
        "params: {neuron_params: {C_m: 0.0}}",
        ("'params.neuron_params.C_m'", "0.0", "minimum of 0"),
        file=True,
        cli=("params={neuron_params: {C_m: 0.0}}",),
    ),
    Case(
        "neuron-refractory",
        "params: {neuron_params: {t_ref: -0.5}}",
        ("'params.neuron_params.t_ref'", "-0.5", "minimum of 0"),
    ),
    Case(
        "neuron-tau-w", "params: {neuron_params: {tau_w: 0.0}}", ("'params.neuron_params.tau_w'", "0.0", "minimum of 0")
    ),
    Case(
        "astro-fraction",
        "params: {astrocyte_params: {h_IP3R: 1.5}}",
        ("'params.astrocyte_params.h_IP3R'", "1.5", "maximum of 1"),
    ),
    Case(
        "astro-time-constant",
        "params: {astrocyte_params: {tau_IP3: 0.0}}",
        ("'params.astrocyte_params.tau_IP3'", "0.0", "minimum of 0"),
    ),
    Case(
        "V_reset-above-V_peak",
        "params: {neuron_params: {V_reset: 5.0}}",
        ("'params.neuron_params.V_reset'", "5.0", "V_reset < V_peak"),
    ),
    Case(
        "V_peak-below-V_th",
        "params: {neuron_params: {V_peak: -55.0}}",
        ("'params.neuron_params.V_peak'", "-55.0", "V_peak >= V_th"),
    ),
    Case(
        "exp-overflow",
        "params: {neuron_params: {V_peak: 2000.0, Delta_T: 2.0}}",
        ("'params.neuron_params.V_peak'", "2000.0", "overflows"),
    ),
    # --- delays >= dt and multiples of dt; times multiples of dt; NEST's tic ---------------------
    Case(
        "delay-below-dt", "params: {d_e: 0.05}", ("'params.d_e'", "0.05", "a delay must be >= dt = 0.1 ms"), file=True
    ),
    Case("delay-off-grid", "params: {d_i: 1.05}", ("'params.d_i'", "1.05", "must be a multiple of dt = 0.1 ms")),
    Case(
        "sim-time-off-grid",
        "params: {sim_time: 100.05}",
        ("'params.sim_time'", "100.05", "must be a multiple of dt = 0.1 ms"),
        cli=("params={sim_time: 100.05}",),
    ),
    Case(
        "rec-interval-off-grid",
        "params: {rec_interval: 0.25}",
        ("'params.rec_interval'", "0.25", "must be a multiple of dt"),
    ),
    Case(
        "rec-interval-below-dt",
        "params: {rec_interval: 1.0e-12}",
        ("'params.rec_interval'", "1e-12", "must be a multiple of dt"),
    ),
    Case("chunk-off-grid", "params: {chunk_ms: 0.15}", ("'params.chunk_ms'", "0.15", "must be a multiple of dt")),
    Case(
        "dt-below-tic",
        "params: {dt: 0.0005, d_e: 2.0, d_i: 1.0}",
        ("'params.dt'", "0.0005", "multiple of its tic, 0.001 ms"),
    ),
    Case("dt-off-tic", "params: {dt: 0.0015}", ("'params.dt'", "0.0015", "multiple of its tic")),
    # --- allowed values --------------------------------------------------------------------------
    Case(
        "pool-type",
        "params: {pool_type: blocky}",
        ("'params.pool_type'", "'blocky'", "is not one of ['random', 'block']"),
        file=True,
    ),
    Case(
        "connection-rule",
        "params: {primary_rule: all_to_all}",
        ("'params.primary_rule'", "'all_to_all'", "is not one of"),
    ),
    Case(
        "synapse-model",
        "params: {synapse_model: static_synapse}",
        ("'params.synapse_model'", "'static_synapse'", "is not one of"),
    ),
    Case(
        "figure-format",
        "figures: {format: tiff}",
        ("'figures.format'", "'tiff'", "is not one of ['png', 'pdf', 'svg']"),
    ),
    # --- unknown keys, with did-you-mean -----------------------------------------------------------
    Case("unknown-top-level", "figurs: {dpi: 100}", ("unknown key 'figurs'", "Did you mean 'figures'?"), file=True),
    Case(
        "unknown-param",
        "params: {sim_tim: 100.0}",
        ("unknown key 'params.sim_tim'", "100.0", "Did you mean 'sim_time'?"),
    ),
    Case(
        "unknown-neuron-param",
        "params: {neuron_params: {C_M: 200.0}}",
        ("unknown key 'params.neuron_params.C_M'", "Did you mean 'C_m'?"),
    ),
    Case(
        "unknown-astrocyte-param",
        "params: {astrocyte_params: {SIC_thr: 0.2}}",
        ("unknown key 'params.astrocyte_params.SIC_thr'", "Did you mean 'SIC_th'?"),
    ),
    Case(
        "unknown-experiment-key",
        "experiments: {reference: {descripton: x}}",
        ("unknown key 'experiments.reference.descripton'", "Did you mean 'description'?"),
        cli=("experiments={reference: {descripton: x}}",),
    ),
    Case(
        "unknown-experiment-param",
        "experiments: {reference: {params: {pool_sise: 5}}}",
        ("unknown key 'experiments.reference.params.pool_sise'", "Did you mean 'pool_size'?"),
    ),
    Case(
        "unknown-grid-key",
        "experiments: {reference: {grid: {scal: [0.5]}}}",
        ("unknown key 'experiments.reference.grid.scal'", "Did you mean 'scale'?"),
    ),
    Case(
        "unknown-grid-nested-key",
        "experiments: {reference: {grid: {neuron_params.C_x: [200.0]}}}",
        ("unknown key 'experiments.reference.grid.neuron_params.C_x'", "Did you mean 'neuron_params.C_m'?"),
    ),
    Case(
        "grid-dotted-non-nested",
        "experiments: {reference: {grid: {scale.x: [1.0]}}}",
        ("unknown key 'experiments.reference.grid.scale.x'", "may be dotted"),
    ),
    Case(
        "unknown-figures-key",
        "figures: {raster_neuron: 10}",
        ("unknown key 'figures.raster_neuron'", "Did you mean 'raster_neurons'?"),
    ),
    Case(
        "unknown-analysis-key", "analysis: {bin_mss: 5.0}", ("unknown key 'analysis.bin_mss'", "Did you mean 'bin_ms'?")
    ),
    Case(
        "unknown-resources-key",
        "resources: {max_mem: 100}",
        ("unknown key 'resources.max_mem'", "Did you mean 'max_mem_mb'?"),
    ),
    # --- cross-field rules -------------------------------------------------------------------------
    Case(
        "pool-larger-than-astrocytes",
        "params: {pool_size: 2000}",
        ("'params.pool_size'", "2000", "must be <= the number of astrocytes, N_astro x scale = 1000"),
        file=True,
    ),
    Case(
        "block-pool-sizes",
        "params: {pool_type: block, pool_size: 10}",
        ("'params.pool_size'", "10", "block pools need (N_ex + N_in) x pool_size == N_astro"),
    ),
    Case(
        "block-pool-mpi",
        "params: {pool_type: block, pool_size: 1, mpi_ranks: 2}",
        ("'params.pool_type'", "'block'", "block pools differ between MPI splits"),
    ),
    Case(
        "vp-not-multiple-of-ranks",
        "params: {n_vp: 3, mpi_ranks: 2}",
        ("'params.n_vp'", "3", "virtual processes = mpi_ranks x threads", "multiple of mpi_ranks = 2"),
        cli=("params={n_vp: 3, mpi_ranks: 2}",),
    ),
    Case(
        "spike-sample-too-large",
        "params: {N_rec_spk: 1001}",
        ("'params.N_rec_spk'", "1001", "cannot sample more than the 1000 neurons"),
    ),
    Case(
        "mm-sample-too-large",
        "params: {N_rec_mm: 1001}",
        ("'params.N_rec_mm'", "1001", "cannot sample more than the 1000 neurons or astrocytes"),
    ),
    Case(
        "scale-makes-p-above-1",
        "params: {scale: 0.05}",
        ("'params.p_primary'", "0.1", "p_primary / scale = 2 exceeds 1"),
    ),
    Case(
        "scale-leaves-no-nodes",
        "params: {scale: 0.002}",
        ("'params.N_in'", "200", "N_in x scale = 0.4 leaves no I node"),
    ),
    Case(
        "hpc-node-limit",
        "params: {scale: 100.0}",
        (
            "'params.synapse_model'",
            "'tsodyks_synapse_hpc'",
            "at most 65535 nodes per virtual process",
            "here 100001",
            "use n_vp >= 4",
        ),
    ),
    Case(
        "experiment-params-cross-field",
        "experiments: {reference: {params: {pool_size: 5000}}}",
        ("'experiments.reference.params.pool_size'", "5000", "number of astrocytes"),
    ),
    Case(
        "grid-point-cross-field",
        "experiments: {reference: {grid: {pool_size: [5, 5000]}}}",
        ("pool_size-5000", "pool_size'", "5000", "number of astrocytes"),
    ),
    # --- experiments: grids, seeds, targets, names --------------------------------------------------
    Case(
        "empty-grid-values",
        "experiments: {reference: {grid: {scale: []}}}",
        ("'experiments.reference.grid.scale'", "[]", "should be non-empty"),
        file=True,
    ),
    Case(
        "grid-not-list",
        "experiments: {reference: {grid: {scale: 0.5}}}",
        ("'experiments.reference.grid.scale'", "0.5", "not of type 'array'"),
    ),
    Case(
        "grid-value-type",
        "experiments: {reference: {grid: {scale: [a]}}}",
        ("'experiments.reference.grid.scale'", "'a'", "not of type 'number'"),
    ),
    Case(
        "grid-value-range",
        "experiments: {reference: {grid: {p_primary: [0.1, 2.0]}}}",
        ("'experiments.reference.grid.p_primary'", "2.0", "maximum of 1"),
    ),
    Case(
        "grid-value-nested",
        "experiments: {reference: {grid: {neuron_params: [{C_m: 1.0}]}}}",
        ("'experiments.reference.grid.neuron_params'", "grid values must be numbers"),
    ),
    Case(
        "grid-duplicate-values",
        "experiments: {reference: {grid: {scale: [0.5, 0.5]}}}",
        ("'experiments.reference.grid.scale'", "[0.5, 0.5]", "grid values must be distinct"),
    ),
    Case(
        "grid-same-run-name",
        "experiments: {reference: {grid: {scale: [0.5, 0.5000001]}}}",
        ("'experiments.reference.grid'", "share the name 'scale-0.5__rng_seed-143202461'"),
    ),
    Case(
        "grid-rng-seed",
        "experiments: {reference: {grid: {rng_seed: [1, 2]}}}",
        ("'experiments.reference.grid.rng_seed'", "replicate seeds go in 'experiments.reference.seeds'"),
    ),
    Case(
        "duplicate-seeds",
        "experiments: {reference: {seeds: [7, 7]}}",
        ("'experiments.reference.seeds'", "[7, 7]", "seeds must be distinct"),
        cli=("experiments={reference: {seeds: [7, 7]}}",),
    ),
    Case(
        "empty-seeds",
        "experiments: {reference: {seeds: []}}",
        ("'experiments.reference.seeds'", "[]", "should be non-empty"),
    ),
    Case(
        "seed-zero",
        "experiments: {reference: {seeds: [0]}}",
        ("'experiments.reference.seeds.0'", "0", "less than the minimum of 1"),
    ),
    Case(
        "unknown-target",
        "targets: [referense]",
        ("'targets'", "'referense'", "not an experiment", "Did you mean 'reference'?"),
        file=True,
        cli=("targets=[referense]",),
    ),
    Case(
        "experiment-not-mapping",
        "experiments: {reference: 5}",
        ("'experiments.reference'", "5", "not of type 'object'"),
    ),
    Case(
        "experiment-name",
        "experiments: {a/b: {description: x}}",
        ("invalid experiment name 'experiments.a/b'", "names a directory"),
    ),
    Case(
        "no-experiments", "params: {sim_time: 100.0}", ("'experiments' is a required property",), alone=True, file=True
    ),
    Case("empty-experiments", "experiments: {}", ("'experiments'", "{}", "should be non-empty"), alone=True),
    # --- accepted by earlier versions, then failing late (issue 11) ----------------------------------
    Case(
        "experiment-name-number",
        "experiments: {2024: {description: x}}\ntargets: ['2024']",
        ("invalid experiment name 'experiments.2024'", "YAML reads it as the int 2024", "quote it"),
        file=True,
    ),
    Case(
        "experiment-name-boolean",
        "experiments: {true: {description: x}}",
        ("invalid experiment name 'experiments.True'", "YAML reads it as the bool True"),
    ),
    Case(
        "experiment-name-is-a-rule",
        "experiments: {scaling: {description: x}}\ntargets: [scaling]",
        ("invalid experiment name 'experiments.scaling'", "name of one of the workflow's rules"),
        file=True,
    ),
    Case(
        "no-spikes-recorded",
        "params: {N_rec_spk: 0}",
        ("'params.N_rec_spk'", "0", "must be integer >= 1 or all"),
        file=True,
    ),
    Case(
        "figure-window-after-the-recording",
        "figures: {t_start: 500.0}",
        ("'figures.t_start'", "500.0", "[0, 200) ms"),
        file=True,
        cli=("figures={t_start: 500.0}",),
    ),
    Case(
        "rec-interval-longer-than-sim-time",
        "params: {rec_interval: 300.0}",
        ("'params.rec_interval'", "300.0", "there is none"),
        file=True,
    ),
    Case(
        "rec-interval-equal-to-sim-time",
        "params: {rec_interval: 200.0}",
        ("'params.rec_interval'", "200.0", "no IP3, Ca_astro or I_SIC would be recorded"),
    ),
    # --- a time in seconds where ms are meant: the message says sim_time is in ms ---------------
    Case(
        "sim-time-in-seconds",
        "params: {sim_time: 0.5}",
        ("'params.sim_time'", "0.5", "sim_time is in ms", "for 0.5 s write sim_time: 500"),
        file=True,
        cli=("params={sim_time: 0.5}",),
    ),
    Case(
        "sim-time-in-seconds-off-the-grid",
        "params: {sim_time: 0.05}",
        ("'params.sim_time'", "0.05", "multiple of dt", "sim_time is in ms", "write sim_time: 50"),
    ),
    Case(
        "sim-time-in-seconds-shorter-than-a-bin",
        "params: {sim_time: 1.2, rec_interval: 0.1}",
        ("'analysis.t_start'", "[0, 1.2) ms", "sim_time is in ms", "for 1.2 s write sim_time: 1200"),
    ),
    Case(
        "integer-as-quoted-string",
        "params: {pool_size: '10'}",
        ("'params.pool_size'", "'10'", "as a whole number, e.g. 10"),
    ),
    # --- resources ---------------------------------------------------------------------------------
    Case(
        "memory-limit",
        "resources: {max_mem_mb: 100}",
        (
            "estimated peak memory",
            "exceeds the 100 MiB resources.max_mem_mb allows",
            "Lower params.scale",
            "resources.max_mem_mb",
        ),
        file=True,
        cli=("resources={max_mem_mb: 100}",),
    ),
]
# Claims: a network and its control, paired by seed, differing only in the compared parameter.
CLAIM_PAIR = (
    "experiments: {{net: {{params: {{sim_time: 100.0}}, seeds: [1, 2]}}, ctl: {{params: {{{ctl}}}, seeds: {seeds}}}}}\n"
    "claims: {{c: {{pairs: [{{regime: R, scheme: S, network: {network}, control: ctl}}]{extra}}}}}"
)


def claim_case(id, expect, ctl="sim_time: 100.0, tripartite: false", seeds="[1, 2]", network="net", extra=""):
    return Case(id, CLAIM_PAIR.format(ctl=ctl, seeds=seeds, network=network, extra=extra), expect)


CASES += [
    claim_case(
        "claim-control-differs",
        ("'claims.c.pairs[0]'", "'net' and 'ctl' differ in w_e (1.0 vs 2.0) besides tripartite"),
        ctl="sim_time: 100.0, tripartite: false, w_e: 2.0",
    ),
    claim_case(
        "claim-unpaired-seeds", ("'claims.c.pairs[0]'", "'net' has rng_seed [1, 2] and 'ctl' has [1]"), seeds="[1]"
    ),
    claim_case(
        "claim-control-tripartite",
        ("'claims.c.pairs[0]'", "its control ('ctl') tripartite: false"),
        ctl="sim_time: 100.0",
    ),
    claim_case(
        "claim-surrogate-not-set",
        ("'claims.c.pairs[0]'", "its control ('ctl') a surrogate_sic (the claim compares surrogate_sic)"),
        ctl="sim_time: 100.0",
        extra=", compared: surrogate_sic",
    ),
    claim_case(
        "claim-surrogate-control-differs",
        ("'claims.c.pairs[0]'", "differ in w_a2n (0.05 vs 2.0) besides surrogate_sic", "a Surrogate control"),
        ctl="sim_time: 100.0, surrogate_sic: 3.5, w_a2n: 2.0",
        extra=", compared: surrogate_sic",
    ),
    claim_case("claim-unknown-compared", ("'claims.c.compared'", "'w_a2n'"), extra=", compared: w_a2n"),
    claim_case("claim-unknown-experiment", ("'claims.c.pairs[0].network'", "'nett'", "Did you mean"), network="nett"),
    claim_case("claim-unknown-metric", ("'claims.c.metrics", "'rate'"), extra=", metrics: [rate]"),
    claim_case("claim-seeds-none", ("'claims.c.pairs[0]'", "no run with the claim's seeds [7]"), extra=", seeds: [7]"),
    claim_case(
        "claim-name-taken",
        ("'claims.net'", "already the name of an experiment"),
        extra="}, net: {pairs: [{regime: R, scheme: S, network: net, control: ctl}]",
    ),
    Case(
        "comparison-window-before-recording",
        "experiments: {pre: {params: {t_presim: 100.0, sim_time: 100.0}}}\n"
        "comparisons: {fig: {runs: {A: pre}, t_start: 50.0}}",
        ("'comparisons.fig.t_start'", "50.0", "outside the recording", "record_presim: true records the presimulation"),
    ),
]
# A scale whose estimated memory no machine has (checked below): refused against MemAvailable.
HUGE = Case(
    "memory-machine",
    "params: {scale: 100000.0, synapse_model: tsodyks_synapse}",
    (
        "estimated peak memory",
        "MiB this machine has available (MemAvailable)",
        "scale = 100000.0",
        "Lower params.scale",
    ),
    file=True,
    cli=("params={scale: 100000.0, synapse_model: tsodyks_synapse}",),
)
CASES.append(HUGE)
# Refused by Snakemake itself before the workflow is read (command line only).
SNAKEMAKE_REFUSALS = [
    ("dotted-config-key", ("--config", "params.sim_time=5"), ("Config entry must start with a valid identifier",)),
    ("bad-yaml-file", ("--configfile", "{tmp}/broken.yaml"), ("Config file is not valid JSON or YAML",)),
]


def load(case: Case) -> dict:
    """The configuration `snakemake --configfile config/test.yaml bad.yaml` builds."""
    change = yaml.safe_load(case.yaml)
    if case.alone:
        return change
    config = yaml.safe_load(TEST_CONFIG.read_text())
    update_config(config, change)
    return config


def validate_like_workflow(config: dict) -> None:
    """What the workflow does at load time for the experiments, comparisons and claims it builds."""
    runs = validate_config(config)
    for name, exp_runs in runs.items():
        check_figure_window(config, name, exp_runs, experiment_analysis(config, name, exp_runs))
        for run in exp_runs:
            check_memory(run, config["resources"]["max_mem_mb"])
    comparisons = comparison_runs(config, runs, reserved=RULE_NAMES)
    claim_specs(config, runs, reserved=RULE_NAMES | set(comparisons))


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_value_is_refused_with_key_value_and_rule(case):
    with pytest.raises(ConfigError) as err:
        validate_like_workflow(load(case))
    message = str(err.value)
    for fragment in case.expect:
        assert fragment in message, f"{fragment!r} not in: {message}"


def test_test_config_itself_is_valid():
    validate_like_workflow(yaml.safe_load(TEST_CONFIG.read_text()))


def test_huge_scale_exceeds_this_machine():
    """The memory-machine case refuses for the right reason: its estimate exceeds MemAvailable."""
    config = load(HUGE)
    runs = validate_config(config)
    need = estimate_memory_mib(runs["reference"][0].params)
    assert need > available_memory_mib()
    with pytest.raises(ConfigError, match=rf"estimated peak memory {need} MiB exceeds the \d+ MiB this machine"):
        check_memory(runs["reference"][0], None)
    # A Slurm node that has the memory: the same run passes with resources.max_mem_mb.
    check_memory(runs["reference"][0], need)


def test_cli_overrides_get_yaml_types():
    """Nested --config leaves arrive as strings and are re-read as YAML before validation."""
    config = yaml.safe_load(TEST_CONFIG.read_text())
    overrides = {
        "params": {"sim_time": "500.0", "N_rec_spk": "all", "neuron_params": {"C_m": "200"}},
        "experiments": {"reference": {"seeds": ["1", "2"]}},
    }
    update_config(config, copy.deepcopy(overrides))
    retype_cli_overrides(config, overrides)
    runs = validate_config(config)
    assert [r.params["sim_time"] for r in runs["reference"]] == [500.0, 500.0]
    assert runs["reference"][0].params["neuron_params"] == {"C_m": 200}
    assert [r.params["rng_seed"] for r in runs["reference"]] == [1, 2]


def test_validation_imports_neither_nest_nor_data_libraries():
    """What the Snakefile imports and runs at load time never starts NEST, nor pays for NumPy,
    pandas, PyArrow or matplotlib: every snakemake start (and every cluster job) runs it."""
    modules = sorted(
        {
            line.split()[1]
            for smk in (REPO / "workflow" / "rules").glob("*.smk")
            for line in smk.read_text().splitlines()
            if line.startswith("from astronet")
        }
    )
    assert "astronet.config.validate" in modules
    code = (
        "import sys, yaml\n"
        f"import {', '.join(modules)}\n"
        "import astronet.config.validate, astronet.config.resources\n"
        f"cfg = yaml.safe_load(open({str(TEST_CONFIG)!r}))\n"
        "runs = astronet.config.validate.validate_config(cfg)\n"
        "astronet.config.resources.check_memory(runs['reference'][0], 10**9)\n"
        "assert 'nest' not in sys.modules, 'nest was imported'\n"
        "heavy = sorted({'numpy', 'pandas', 'pyarrow', 'matplotlib'} & set(sys.modules))\n"
        "assert not heavy, f'imported at start-up: {heavy}'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- through the real `snakemake` command ---------------------------------------------------------


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return run_snakemake(workdir, *args, cores=1, timeout=300)


def assert_refused_before_anything(workdir: Path, proc: subprocess.CompletedProcess, expect) -> None:
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    for fragment in expect:
        assert fragment in output, f"{fragment!r} not in:\n{output[-3000:]}"
    assert not (workdir / "results").exists(), "something was written under results/"
    assert NEST_BANNER not in output, "NEST was started"
    assert "localrule" not in output and "rule simulate" not in output, "a job was started"


CLI_FILE_CASES = [c for c in CASES if c.file]
CLI_OVERRIDES = [(c, *((arg, c.expect) if isinstance(arg, str) else arg)) for c in CASES for arg in c.cli]


@pytest.mark.slow
@pytest.mark.parametrize("case", CLI_FILE_CASES, ids=lambda c: c.id)
def test_snakemake_refuses_bad_config_file(case, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(case.yaml + "\n")
    files = [str(bad)] if case.alone else [str(TEST_CONFIG), str(bad)]
    proc = snakemake(tmp_path, "--configfile", *files)
    assert_refused_before_anything(tmp_path, proc, ("Invalid configuration:", *case.expect))


@pytest.mark.slow
@pytest.mark.parametrize(
    "case_id,target", [("claim-control-differs", "c"), ("comparison-window-before-recording", "fig")]
)
def test_snakemake_refuses_a_bad_claim_or_comparison_it_is_asked_for(case_id, target, tmp_path):
    """Not built, they are only warned about (as experiments are); asked for, they stop the workflow."""
    case = next(c for c in CASES if c.id == case_id)
    bad = tmp_path / "bad.yaml"
    bad.write_text(case.yaml + "\n")
    proc = snakemake(tmp_path, "-n", "--configfile", str(TEST_CONFIG), str(bad))
    assert proc.returncode == 0, proc.stderr
    assert "(refused if a target needs it): invalid value for " + case.expect[0] in proc.stderr
    proc = snakemake(tmp_path, target, "--configfile", str(TEST_CONFIG), str(bad))
    assert_refused_before_anything(tmp_path, proc, ("Invalid configuration:", *case.expect))


@pytest.mark.slow
@pytest.mark.parametrize("case,arg,expect", CLI_OVERRIDES, ids=[f"{c.id}[{a}]" for c, a, _ in CLI_OVERRIDES])
def test_snakemake_refuses_bad_config_override(case, arg, expect, tmp_path):
    proc = snakemake(tmp_path, "--configfile", str(TEST_CONFIG), "--config", arg)
    assert_refused_before_anything(tmp_path, proc, ("Invalid configuration:", *expect))


@pytest.mark.slow
@pytest.mark.parametrize("name,args,expect", SNAKEMAKE_REFUSALS, ids=[r[0] for r in SNAKEMAKE_REFUSALS])
def test_snakemake_itself_refuses(name, args, expect, tmp_path):
    (tmp_path / "broken.yaml").write_text("params: {sim_time: 100.0\n")
    proc = snakemake(tmp_path, "--configfile", str(TEST_CONFIG), *(a.format(tmp=tmp_path) for a in args))
    assert_refused_before_anything(tmp_path, proc, expect)


@pytest.mark.slow
def test_good_nested_override_is_accepted(tmp_path):
    """The documented nested syntax works: a dry run with nested overrides plans the run."""
    proc = snakemake(
        tmp_path,
        "--configfile",
        str(TEST_CONFIG),
        "--dry-run",
        "--config",
        "params={sim_time: 100.0, neuron_params: {C_m: 250.0}}",
        "experiments={reference: {seeds: [3, 4]}}",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "rng_seed-3" in proc.stdout and "rng_seed-4" in proc.stdout
    assert not (tmp_path / "results").exists()


# --- the rules that mirror NEST agree with NEST itself ---------------------------------------------


@pytest.fixture(scope="module")
def nest():
    from astronet.simulation.network import _nest

    nest = _nest()
    nest.verbosity = nest.VerbosityLevel.FATAL
    return nest


def _nest_accepts(nest, fn) -> bool:
    nest.ResetKernel()
    try:
        fn()
    except Exception as err:  # NESTErrors.* are created at run time
        if type(err).__module__ == "builtins" and not isinstance(err, (ValueError, RuntimeError)):
            raise
        return False
    return True


def _ours_accept(**changes) -> bool:
    params = param_defaults()
    params.update({"N_ex": 80, "N_in": 20, "N_astro": 100, "N_rec_mm": 5})
    params.update(changes)
    try:
        validate_config({"params": params, "experiments": {"x": {"description": ""}}, "targets": ["x"]})
    except ConfigError:
        return False
    return True


def _bound_values(spec: dict) -> list[float]:
    values = []
    for key in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        if key in spec:
            b = spec[key]
            values += [b - 0.5, b, b + 0.5]
    return values


def test_model_parameter_ranges_match_nest(nest):
    from astronet.config.schema import load_schema

    params = load_schema()["properties"]["params"]["properties"]
    for group, model in (("neuron_params", "aeif_cond_alpha_astro"), ("astrocyte_params", "astrocyte_lr_1994")):
        specs = params[group]["properties"]
        assert specs, group
        for name in params[group]["propertyNames"]["enum"]:
            for value in _bound_values(specs.get(name, {})) or [-1.0, 0.0, 1.0]:
                theirs = _nest_accepts(
                    nest, lambda model=model, name=name, value=value: nest.Create(model, 1, params={name: value})
                )
                ours = _ours_accept(**{group: {name: value}})
                assert ours == theirs, f"{group}.{name} = {value}: NEST accepts {theirs}, we accept {ours}"


@pytest.mark.parametrize(
    "changes",
    [
        {"V_reset": -40.0},
        {"V_reset": 0.0},
        {"V_peak": -50.4},
        {"V_peak": -50.5},
        {"V_peak": 1000.0},
        {"V_peak": 1300.0},
        {"V_peak": 1400.0, "Delta_T": 0.0},
        {"Delta_T": 0.01, "V_peak": -44.0},
    ],
)
def test_neuron_cross_rules_match_nest(nest, changes):
    theirs = _nest_accepts(nest, lambda: nest.Create("aeif_cond_alpha_astro", 1, params=changes))
    assert _ours_accept(neuron_params=changes) == theirs


@pytest.mark.parametrize(
    "n_targets,n_astro,pool_size",
    [(4, 8, 2), (4, 4, 1), (8, 4, 1), (8, 4, 2), (4, 6, 1), (4, 12, 3), (4, 12, 2), (6, 4, 1), (3, 6, 2)],
)
def test_block_pool_rule_matches_nest(nest, n_targets, n_astro, pool_size):
    def connect():
        src = nest.Create("aeif_cond_alpha_astro", 2)
        tgt = nest.Create("aeif_cond_alpha_astro", n_targets)
        astro = nest.Create("astrocyte_lr_1994", n_astro)
        nest.TripartiteConnect(
            src,
            tgt,
            astro,
            conn_spec={"rule": "pairwise_bernoulli", "p": 1.0},
            third_factor_conn_spec={
                "rule": "third_factor_bernoulli_with_pool",
                "p": 1.0,
                "pool_size": pool_size,
                "pool_type": "block",
            },
            syn_specs={"third_out": {"synapse_model": "sic_connection"}},
        )

    params = {
        **param_defaults(),
        "N_ex": n_targets - 1,
        "N_in": 1,
        "N_astro": n_astro,
        "pool_size": pool_size,
        "pool_type": "block",
        "N_rec_mm": 1,
    }
    try:
        check_cross_field(params)
        ours = True
    except ConfigError as err:
        ours = "block pools need" not in str(err)
    assert ours == _nest_accepts(nest, connect)


@pytest.mark.parametrize("n_cells", [65534, 65535])
def test_hpc_node_limit_matches_nest(nest, n_cells):
    """One virtual process: the cells plus the Poisson generator must fit the 16-bit thread-local ids."""

    def connect():
        nest.Create("poisson_generator")
        cells = nest.Create("iaf_psc_alpha", n_cells)
        nest.Connect(cells[:2], cells[-1:], "all_to_all", {"synapse_model": "tsodyks_synapse_hpc"})

    params = {
        **param_defaults(),
        "n_vp": 1,
        "N_ex": n_cells - 2,
        "N_in": 1,
        "N_astro": 1,
        "pool_size": 1,
        "N_rec_mm": 1,
    }
    try:
        check_cross_field(params)
        ours = True
    except ConfigError:
        ours = False
    assert ours == _nest_accepts(nest, connect)


@pytest.mark.parametrize("dt", [0.001, 0.0015, 0.0005, 0.1, 0.3])
def test_tic_rule_matches_nest(nest, dt):
    def set_resolution():
        nest.resolution = dt

    params = {
        **param_defaults(),
        "dt": dt,
        "sim_time": 300.0,
        "d_e": 3.0,
        "d_i": 3.0,
        "rec_interval": 3.0,
        "chunk_ms": 3.0,
    }
    try:
        check_cross_field(params)
        ours = True
    except ConfigError as err:
        ours = "tic" not in str(err)
    assert ours == _nest_accepts(nest, set_resolution)


# --- valid settings that must run (issue 11) ------------------------------------------------------


@pytest.mark.parametrize(
    "yaml_text,expected",
    [
        (
            "params: {n_vp: 2.0, N_rec_mm: 20.0, pool_size: 10.0, rng_seed: 5.0}",
            {"n_vp": 2, "N_rec_mm": 20, "pool_size": 10, "rng_seed": 5},
        ),
        (
            "params: {pool_size: 1.0e+1, N_rec_spk: 100.0, mpi_ranks: 1.0}",
            {"pool_size": 10, "N_rec_spk": 100, "mpi_ranks": 1},
        ),
        ("experiments: {reference: {seeds: [7.0, 8]}}", {"rng_seed": 7}),
        ("experiments: {reference: {grid: {pool_size: [1.0, 10.0]}}}", {"pool_size": 1}),
    ],
    ids=["params", "exponent", "seeds", "grid"],
)
def test_whole_number_floats_are_integers(yaml_text, expected):
    """2.0 where a count is asked for means 2: every value reaches NEST as an int, and names the run as an int."""
    config = load(Case("", yaml_text, ()))
    validate_like_workflow(config)
    run = validate_config(config)["reference"][0]
    for key, value in expected.items():
        assert run.params[key] == value and type(run.params[key]) is int, (key, run.params[key])
    assert ".0" not in run.name, run.name


@pytest.mark.parametrize(
    "written",
    [
        "params: {sim_time: 100, w_a2n: 1, astrocyte_params: {SIC_th: 0}}",
        "experiments: {reference: {grid: {sim_time: [100], w_a2n: [1]}, params: {astrocyte_params: {SIC_th: 0}}}}",
    ],
    ids=["params", "grid"],
)
def test_a_quantity_without_a_decimal_point_is_the_same_run(written):
    """sim_time: 100 and sim_time: 100.0 are one run (one identity, one name), the value a float."""
    with_point = written.replace("100", "100.0").replace(": 1,", ": 1.0,").replace("[1]", "[1.0]")
    with_point = with_point.replace("SIC_th: 0", "SIC_th: 0.0")
    runs = [validate_config(load(Case("", text, ())))["reference"][0] for text in (written, with_point)]
    assert params_id(runs[0].params) == params_id(runs[1].params) and runs[0].name == runs[1].name
    params = runs[0].params
    assert [type(v) for v in (params["sim_time"], params["w_a2n"], params["astrocyte_params"]["SIC_th"])] == [float] * 3


def test_zip_without_a_grid_is_one_run():
    config = load(Case("", "experiments: {reference: {zip: true}}", ()))
    validate_like_workflow(config)
    assert [r.name for r in validate_config(config)["reference"]] == ["rng_seed-143202461"]


def test_cli_string_stays_a_string():
    """A --config leaf is not parsed into a mapping: Snakemake already parsed the structure."""
    config = yaml.safe_load(TEST_CONFIG.read_text())
    overrides = {
        "experiments": {"reference": {"description": "test: small network", "seeds": ["7"]}},
        "params": {"N_rec_mm": "all"},
    }
    update_config(config, copy.deepcopy(overrides))
    retype_cli_overrides(config, overrides)
    runs = validate_config(config)
    assert config["experiments"]["reference"]["description"] == "test: small network"
    assert runs["reference"][0].params["rng_seed"] == 7 and runs["reference"][0].params["N_rec_mm"] == "all"


@pytest.mark.slow
def test_duplicate_key_in_config_file(tmp_path):
    dup = tmp_path / "dup.yaml"
    dup.write_text("params:\n  sim_time: 100.0\n  n_vp: 1\n  sim_time: 200.0\n")
    with pytest.raises(ConfigError, match=r"duplicate key 'sim_time' on line 4 \(first given on line 2\)"):
        check_config_file(dup)
    check_config_file(REPO / "config" / "config.yaml")  # its `<<: *laptop` merges are no duplicates
    proc = snakemake(tmp_path, "--configfile", str(TEST_CONFIG), str(dup))
    assert_refused_before_anything(tmp_path, proc, ("Invalid configuration:", "dup.yaml", "duplicate key 'sim_time'"))


@pytest.mark.slow
def test_rule_names_are_the_workflows(tmp_path):
    from astronet.config.targets import RULE_NAMES

    proc = snakemake(tmp_path, "--configfile", str(TEST_CONFIG), "--list-rules")
    assert proc.returncode == 0, proc.stderr
    listed = set(proc.stdout.split()) - {"reference"}  # the experiment's own rule
    assert listed == RULE_NAMES


@pytest.mark.slow
def test_readme_quick_run_is_accepted(tmp_path):
    """The first example of docs/configuration.md on config/config.yaml: experiments that are not
    built neither refuse it nor are warned about (pool_size_full keeps the top-level scale: at 0.5,
    5 000 astrocytes cannot fill a pool of 10 000); building one of them is refused, with the reason."""
    config = str(REPO / "config" / "config.yaml")
    proc = snakemake(tmp_path, "--configfile", config, "--dry-run", "--config", "params={scale: 0.5, sim_time: 200}")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "Warning" not in out and "warning" not in out and "pool_size_full" not in out, out[-3000:]
    assert "rule simulate" in out
    proc = snakemake(
        tmp_path,
        "pool_size_full",
        "--configfile",
        config,
        "--dry-run",
        "--config",
        "params={scale: 0.5, sim_time: 200}",
    )
    assert_refused_before_anything(
        tmp_path,
        proc,
        ("Invalid configuration:", "experiments.pool_size_full run pool_size-10000", "N_astro x scale = 5000"),
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ("--config", "params={pool_type: block, pool_size: 1}"),
        ("--config", 'experiments={reference: {description: "test: small network"}}'),
        ("--config", "experiments={other: {descripton: typo}}"),
    ],
    ids=["block-pools-top-level", "quoted-string", "typo-in-an-experiment-not-built"],
)
def test_valid_settings_run(tmp_path, args):
    config = str(REPO / "config" / "config.yaml")
    proc = snakemake(tmp_path, "--configfile", config, "--dry-run", *args)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    if "typo" in args[1]:
        assert "Warning: experiment 'other'" in proc.stderr and "Did you mean 'description'?" in proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "target,expect",
    [
        (
            "results/nope/rng_seed-1/metadata.json",
            ("invalid target", "no experiment 'nope' is configured", "reference"),
        ),
        (
            "results/reference/rng_seed-1/metadata.json",
            ("invalid target", "has no run 'rng_seed-1'", "rng_seed-143202461"),
        ),
    ],
    ids=["experiment", "run"],
)
def test_unknown_target_is_refused(tmp_path, target, expect):
    proc = snakemake(tmp_path, target, "--configfile", str(TEST_CONFIG))
    assert_refused_before_anything(tmp_path, proc, ("Invalid configuration:", *expect))
    assert "KeyError" not in proc.stderr


@pytest.mark.slow
def test_whole_number_floats_simulate(tmp_path):
    """Counts written as floats reach NEST as integers: a real run through snakemake."""
    cfg = tmp_path / "floats.yaml"
    cfg.write_text(
        "params: "
        "{sim_time: 50.0, n_vp: 1.0, N_ex: 80.0, N_in: 20, N_astro: 100, N_rec_mm: 5.0, N_rec_spk: 50.0, "
        "pool_size: 1.0e+1}\n"
        "experiments: {reference: {description: floats, seeds: [7.0]}}\n"
    )
    proc = snakemake(tmp_path, "results/reference/rng_seed-7/metadata.json", "--configfile", str(cfg))
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    import json

    meta = json.loads((tmp_path / "results/reference/rng_seed-7/metadata.json").read_text())
    assert meta["parameters"]["pool_size"] == 10 and meta["n_vp"] == 1 and meta["recorded_nodes"]["neurons"] == 5


def test_short_valid_sim_time_is_accepted():
    """A short sim_time that records samples is valid (2 ms: samples at 1 ms), only hinted at in errors."""
    from astronet.config.parameters import validate_params

    assert validate_params({"sim_time": 2.0})["sim_time"] == 2.0
    assert validate_params({"sim_time": 0.5, "rec_interval": 0.1})["sim_time"] == 0.5


@pytest.mark.slow
def test_paper_n_vp_from_the_command_line(tmp_path):
    """`--config paper_n_vp=4` gives every run of a paper experiment 4 virtual processes."""
    config = str(REPO / "config" / "config.yaml")
    proc = snakemake(tmp_path, "sparse", "--configfile", config, "--dry-run", "-p", "--config", "paper_n_vp=4")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    written = re.findall(r'"n_vp": (\d+)', out)
    assert written == ["4", "4", "4"], out[-3000:]  # the parameters.json of rng_seed 1, 2, 3
