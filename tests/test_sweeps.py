"""Experiment level: run names of a grid, per-run metric records, tables with 95 % CIs, sweep figures."""

from __future__ import annotations

import copy
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from astronet.analysis.run_records import run_metrics_record
from astronet.analysis.sweep_tables import METRIC_NAMES, ci95_halfwidth, runs_table, summary_table, write_tables
from astronet.config.analysis_settings import analysis_settings, analysis_window, check_analysis, experiment_analysis
from astronet.config.claim_pairs import claim_specs
from astronet.config.comparisons import comparison_runs
from astronet.config.run_quantities import population_sizes
from astronet.config.rundir import params_id
from astronet.config.schema import ConfigError
from astronet.config.validate import validate_config
from astronet.figures.html_pages import provenance_html, summary_html
from astronet.figures.sweep_figures import sweep_figure
from astronet.figures.sweep_panels import FIGURES

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------
# confidence intervals and tables
# --------------------------------------------------------------------------------------------


def test_ci95_known_numbers():
    # 1..5: mean 3, s = sqrt(2.5), t_{0.975, 4} = 2.7764451052; half-width = t s / sqrt(5)
    mean, half, n = ci95_halfwidth([1.0, 2.0, 3.0, 4.0, 5.0])
    assert (mean, n) == (3.0, 5)
    assert half == pytest.approx(2.7764451052 * math.sqrt(2.5) / math.sqrt(5), rel=1e-9)
    assert half == pytest.approx(1.963243, abs=1e-6)
    # two values 0 and 2: s = sqrt(2), t_{0.975, 1} = 12.7062047362
    assert ci95_halfwidth([0.0, 2.0])[1] == pytest.approx(12.7062047362, rel=1e-9)
    # NaN (undefined metric) is left out and not counted; one value has no CI; none has no mean
    mean, half, n = ci95_halfwidth([np.nan, 4.0, 6.0, 5.0])
    assert (mean, n) == (5.0, 3) and half == pytest.approx(4.3026527297 * 1.0 / math.sqrt(3), rel=1e-9)
    mean, half, n = ci95_halfwidth([7.0, np.nan])
    assert mean == 7.0 and math.isnan(half) and n == 1
    mean, half, n = ci95_halfwidth([np.nan])
    assert math.isnan(mean) and math.isnan(half) and n == 0
    # identical values: zero width
    assert ci95_halfwidth([2.0, 2.0, 2.0])[1] == 0.0


def _record(point: dict, metrics: dict, experiment="exp") -> dict:
    name = "__".join(f"{k}-{v}" for k, v in point.items())
    full = {m: None for m in METRIC_NAMES}
    full.update(metrics)
    return {
        "experiment": experiment,
        "run": name,
        "point": point,
        "metrics": full,
        "cost": {"simulate_s": 1.0, "total_s": 2.0, "real_time_factor": 10.0, "peak_memory_mib": 100.0},
    }


def test_runs_and_summary_tables(tmp_path):
    records = []
    rates = {"block": [1.0, 2.0, 3.0], "random": [10.0, 10.0, 13.0]}
    for pool_type in ("random", "block"):  # grid order, not alphabetical
        for seed, rate in zip((7, 8, 9), rates[pool_type], strict=True):
            sic = None if pool_type == "block" and seed == 9 else 5.0
            records.append(_record({"rng_seed": seed, "pool_type": pool_type}, {"rate_E": rate, "sic_mean": sic}))
    out = {f"{t}_{f}": tmp_path / f"{t}.{f}" for t in ("runs", "summary") for f in ("parquet", "csv")}
    runs, summary = write_tables(records, ["pool_type"], out)
    assert list(runs.columns[:4]) == ["experiment", "run", "pool_type", "rng_seed"]
    metric_cols = [c for c in runs.columns if c in METRIC_NAMES]
    assert metric_cols == list(METRIC_NAMES)  # run_metrics' order
    assert len(runs) == 6 and runs["rate_E"].tolist() == [10.0, 10.0, 13.0, 1.0, 2.0, 3.0]
    assert summary["pool_type"].tolist() == ["random", "block"]
    assert summary["n_seeds"].tolist() == [3, 3]
    row = summary.set_index("pool_type").loc["block"]
    assert row["rate_E_mean"] == 2.0
    assert row["rate_E_ci95"] == pytest.approx(4.3026527297 / math.sqrt(3), rel=1e-9)  # s = 1
    assert row["rate_E_n"] == 3
    assert row["sic_mean_n"] == 2 and row["sic_mean_ci95"] == 0.0
    assert math.isnan(row["cv_isi_E_mean"]) and row["cv_isi_E_n"] == 0
    assert summary.set_index("pool_type").loc["random", "rate_E_mean"] == 11.0
    assert row["simulate_s_mean"] == 1.0
    # both formats hold the same table
    for name, df in (("runs", runs), ("summary", summary)):
        pd.testing.assert_frame_equal(pd.read_parquet(out[f"{name}_parquet"]), df)
        assert len(pd.read_csv(out[f"{name}_csv"])) == len(df)
    html = summary_html(summary, ["pool_type"], "title")
    assert "2 ± 2.5" in html and "(2)" in html  # sic_mean of block defined in 2 of 3 seeds


def test_summary_of_two_keys_and_of_no_grid():
    records = [
        _record({"w_a2n": w, "pool_size": ps, "rng_seed": s}, {"rate_E": w * ps + s})
        for w in (0.5, 1.0)
        for ps in (1, 10)
        for s in (1, 2)
    ]
    summary = summary_table(runs_table(records, ["w_a2n", "pool_size"]), ["w_a2n", "pool_size"])
    assert summary[["w_a2n", "pool_size"]].values.tolist() == [[0.5, 1], [0.5, 10], [1.0, 1], [1.0, 10]]
    assert summary["rate_E_mean"].tolist() == [2.0, 6.5, 2.5, 11.5]
    single = summary_table(runs_table(records[:2]), [])
    assert len(single) == 1 and single["n_seeds"].iloc[0] == 2 and single["rate_E_mean"].iloc[0] == 2.0


# --------------------------------------------------------------------------------------------
# configuration: grids, run names, analysis settings, built-in experiments
# --------------------------------------------------------------------------------------------


def _config(**experiments) -> dict:
    cfg = yaml.safe_load((REPO / "config" / "test.yaml").read_text())
    cfg["experiments"].update(experiments)
    return cfg


def test_grid_expansion_names_and_points():
    cfg = _config(
        sweep={
            "description": "two keys",
            "grid": {"w_a2n": [0.1, 1.0], "astrocyte_params.SIC_th": [0.2]},
            "seeds": [3, 4],
        }
    )
    runs = validate_config(cfg)["sweep"]
    assert [r.name for r in runs] == [
        "w_a2n-0.1__SIC_th-0.2__rng_seed-3",
        "w_a2n-0.1__SIC_th-0.2__rng_seed-4",
        "w_a2n-1__SIC_th-0.2__rng_seed-3",
        "w_a2n-1__SIC_th-0.2__rng_seed-4",
    ]
    assert runs[2].point == {"w_a2n": 1.0, "astrocyte_params.SIC_th": 0.2, "rng_seed": 3}
    assert runs[2].params["astrocyte_params"]["SIC_th"] == 0.2 and runs[2].params["rng_seed"] == 3


def test_analysis_settings_defaults_overrides_and_window():
    cfg = _config(late={"description": "d", "analysis": {"t_start": 150.0, "bin_ms": 5.0}})
    cfg["analysis"] = {"sync_sample_size": 50}
    runs = validate_config(cfg)
    s = analysis_settings(cfg, "late")
    assert s["t_start"] == 150.0 and s["bin_ms"] == 5.0 and s["sync_sample_size"] == 50
    assert s["ca_threshold"] == 0.19669 and s["fano_bin_ms"] == 100.0 and s["cv_min_spikes"] == 3
    ref = analysis_settings(cfg, "reference")
    assert ref["t_start"] is None and ref["bin_ms"] == 10.0
    assert analysis_window(ref, runs["reference"][0].params) == (0.0, 200.0)  # from t_presim on
    # the metric defaults of the package are the schema's
    from astronet.analysis.metrics import DEFAULT_SETTINGS

    assert {k: v for k, v in ref.items() if k != "t_start"} == {**DEFAULT_SETTINGS, "sync_sample_size": 50}
    check_analysis(s, runs["late"][0].params, "experiments.late.analysis")  # 150 < 200 ms
    with pytest.raises(ConfigError, match=r"experiments\.late\.analysis\.t_start.*\[197, 200\)"):
        check_analysis({**s, "t_start": 197.0}, runs["late"][0].params, "experiments.late.analysis")


def test_unknown_analysis_key_in_experiment_is_refused():
    cfg = _config(bad={"description": "d", "analysis": {"bin_size": 5.0}})
    with pytest.raises(ConfigError, match="bin_size"):
        validate_config(cfg)


def test_builtin_experiments_are_valid_and_replicated():
    cfg = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    runs = validate_config(copy.deepcopy(cfg))
    assert {"reference", "coupling", "pool_size", "pool_type", "primary_rule"} <= set(runs)
    grids = {
        "coupling": ("w_a2n", None),
        "pool_size": ("pool_size", [1, 10, 100, 1000]),
        "pool_type": ("pool_type", ["random", "block"]),
        "primary_rule": (
            "primary_rule",
            ["pairwise_bernoulli", "fixed_indegree", "fixed_outdegree", "fixed_total_number"],
        ),
    }
    for name, (key, values) in grids.items():
        exp = cfg["experiments"][name]
        assert list(exp["grid"]) == [key]
        if values:
            assert exp["grid"][key] == values
        assert len(exp["seeds"]) >= 3
        assert len(runs[name]) == len(exp["grid"][key]) * len(exp["seeds"])
        settings = analysis_settings(cfg, name)
        for run in runs[name]:
            check_analysis(settings, run.params, name)
            sizes = population_sizes(run.params)
            assert sizes["E"] + sizes["I"] <= 2000  # laptop-sized, by scale: the full network's in-degrees
            assert run.params["p_primary"] / run.params["scale"] * sizes["E"] == pytest.approx(800)
    assert cfg["targets"] == ["reference"]


SCHEMES = {
    "pairwise_bernoulli": "",
    "fixed_indegree": "_fixed_indegree",
    "fixed_outdegree": "_fixed_outdegree",
    "fixed_total_number": "_fixed_total_number",
}


def test_jiang2025_experiments_are_the_papers():
    """Sparse and Synchronous with the paper's protocol at full scale, three seeds, and the controls."""
    cfg = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    runs = validate_config(copy.deepcopy(cfg))
    sparse = runs["sparse"][0].params
    assert [r.params["rng_seed"] for r in runs["sparse"]] == [1, 2, 3]
    assert (sparse["t_presim"], sparse["sim_time"], sparse["scale"], sparse["N_rec_mm"]) == (1000.0, 10000.0, 1.0, 100)
    reference = runs["reference"][0].params
    same_model = {"t_presim", "sim_time", "n_vp", "N_rec_mm", "rng_seed", "record_presim"}
    assert {k for k in sparse if sparse[k] != reference.get(k)} <= same_model  # NEST's example otherwise
    # Fig. 3's networks record the presimulation too; the controls do not.
    recorded = ["sparse", "synchronous", "small_sparse", "small_synchronous"]
    assert [e for e, r in runs.items() if r[0].params.get("record_presim")] == recorded
    for control, changed in (
        ("synchronous", {"d_i": 2.0, "tau_syn_in": 2.0}),
        ("sparse_no_tripartite", {"tripartite": False}),
        ("sparse_a2n_delay", {"d_a2n": 0.1}),
        ("synchronous_no_tripartite", {"d_i": 2.0, "tau_syn_in": 2.0, "tripartite": False}),
        ("synchronous_a2n_delay", {"d_i": 2.0, "tau_syn_in": 2.0, "d_a2n": 0.1}),
        ("sparse_earlier_set", {"w_a2n": 0.01, "astrocyte_params": {"delta_IP3": 0.5, "tau_IP3": 2.0}}),
        (
            "synchronous_earlier_set",
            {"w_a2n": 0.01, "astrocyte_params": {"delta_IP3": 0.5, "tau_IP3": 2.0}, "d_i": 2.0, "tau_syn_in": 2.0},
        ),
    ):
        params = runs[control][0].params
        model = {k: v for k, v in sparse.items() if k != "record_presim"}
        assert {k: v for k, v in params.items() if k != "record_presim" and v != model[k]} == changed, control
        assert len(runs[control]) == 3
    for regime, base in (("sparse", sparse), ("synchronous", runs["synchronous"][0].params)):
        model = {k: v for k, v in base.items() if k != "record_presim"}
        assert runs[f"{regime}_surrogate"][0].params == {**model, "surrogate_sic": 3.5}
        for rule in ("fixed_indegree", "fixed_outdegree", "fixed_total_number"):
            for suffix, arm in (("", {}), ("_no_tripartite", {"tripartite": False})):
                assert runs[f"{regime}_{rule}{suffix}"][0].params == {**model, "primary_rule": rule, **arm}
    # The efficiency scan: p_third_if_primary x w_n2a and x w_a2n stay those of the Sparse network
    # (w_n2a null there: w_e), nothing else changes.
    final = sparse["p_third_if_primary"]
    model = {k: v for k, v in sparse.items() if k != "record_presim"}
    for run in runs["sparse_efficiency"]:
        p = run.params["p_third_if_primary"]
        assert p * run.params["w_n2a"] == pytest.approx(final * sparse["w_e"])
        assert p * run.params["w_a2n"] == pytest.approx(final * sparse["w_a2n"])
        scanned = {"p_third_if_primary": p, "w_n2a": run.params["w_n2a"], "w_a2n": run.params["w_a2n"]}
        assert run.params == {**model, **scanned}
    assert 0.5 in [run.params["p_third_if_primary"] for run in runs["sparse_efficiency"]]
    # The claims' pairs are networks and their controls, and so are those of every regime and
    # scheme (the pairs still to run), seeds paired.
    claims = claim_specs(cfg, runs)
    assert {p["scheme"] for p in claims["jiang2025_claims"]["pairs"]} <= set(SCHEMES)
    every = [
        {"regime": r, "scheme": s, "network": f"{r.lower()}{sfx}", "control": f"{r.lower()}{sfx}_no_tripartite"}
        for r in ("Sparse", "Synchronous")
        for s, sfx in SCHEMES.items()
    ]
    full = claim_specs({**cfg, "claims": {"every_scheme": {"pairs": every}}}, runs)["every_scheme"]
    assert [len(pair["runs"]) for pair in full["pairs"]] == [len(runs[p["network"]]) for p in every]
    # A pair's own seeds (those run so far) take precedence over the claim's.
    mixed = {"seeds": [1, 2, 3], "pairs": [{**every[0], "seeds": [2, 3]}, every[4]]}
    mixed = claim_specs({**cfg, "claims": {"mixed": mixed}}, runs)["mixed"]
    assert [[seed for seed, *_ in pair["runs"]] for pair in mixed["pairs"]] == [[2, 3], [1, 2, 3]]
    pools = runs["pool_size_full"]
    assert [r.params["pool_size"] for r in pools] == [10, 100, 1000, 10000]
    assert all(r.params["record_connections"] and r.params["scale"] == 1.0 for r in pools)
    fig3 = comparison_runs(cfg, runs)["jiang2025_fig3"]["runs"]
    assert {label: run.path for label, run in fig3.items()} == {
        "Sparse": "sparse/rng_seed-1",
        "Synchronous": "synchronous/rng_seed-1",
    }


def _with_paper_n_vp_written_out(cfg: dict, n_vp: int) -> dict:
    """The configuration with every experiment's `n_vp: paper_n_vp` replaced by ``n_vp``, as the paper
    experiments were written before the top-level knob."""
    cfg = copy.deepcopy(cfg)
    for experiment in cfg["experiments"].values():
        if experiment.get("params", {}).get("n_vp") == "paper_n_vp":
            experiment["params"] = {**experiment["params"], "n_vp": n_vp}
    return cfg


def test_paper_n_vp_sets_every_paper_experiment_and_keeps_todays_identities():
    """One top-level key sets the virtual processes of all of Jiang et al. 2025's experiments; at
    its default (2, what they were written with) every run keeps its parameters and params_id."""
    cfg = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    paper = {name for name, e in cfg["experiments"].items() if e.get("params", {}).get("n_vp") == "paper_n_vp"}
    assert {"sparse", "synchronous", "sparse_no_tripartite", "sparse_earlier_set", "pool_size_full"} <= paper
    runs = validate_config(copy.deepcopy(cfg))
    before = validate_config(_with_paper_n_vp_written_out(cfg, 2))
    assert cfg["paper_n_vp"] == 2
    for name in runs:
        assert [params_id(r.params) for r in runs[name]] == [params_id(r.params) for r in before[name]], name
        assert [r.params for r in runs[name]] == [r.params for r in before[name]], name
    assert runs["sparse"][0].name == "rng_seed-1" and runs["sparse"][0].params["n_vp"] == 2
    # the knob: all paper experiments, nothing else; each gets the identities of n_vp written out
    cfg32 = {**copy.deepcopy(cfg), "paper_n_vp": 32}
    runs32 = validate_config(copy.deepcopy(cfg32))
    written32 = validate_config(_with_paper_n_vp_written_out(cfg, 32))
    for name in runs:
        expected = {32} if name in paper else {r.params["n_vp"] for r in runs[name]}
        assert {r.params["n_vp"] for r in runs32[name]} == expected, name
        assert [params_id(r.params) for r in runs32[name]] == [params_id(r.params) for r in written32[name]]


@pytest.mark.parametrize(
    "config, expect",
    [
        ({"paper_n_vp": 0}, ("'paper_n_vp'", "0", "minimum of 1")),
        ({"experiments": {"sparse": {"params": {"n_vp": "paper_nvp"}}}}, ("params.n_vp'", "'paper_nvp'", "paper_n_vp")),
    ],
    ids=["zero", "typo"],
)
def test_bad_paper_n_vp_is_refused(config, expect):
    cfg = yaml.safe_load((REPO / "config" / "test.yaml").read_text())
    cfg.update({k: v for k, v in config.items() if k != "experiments"})
    cfg["experiments"].update(config.get("experiments", {}))
    with pytest.raises(ConfigError) as err:
        validate_config(cfg)
    for fragment in expect:
        assert fragment in str(err.value), str(err.value)


# --------------------------------------------------------------------------------------------
# per-run record and provenance
# --------------------------------------------------------------------------------------------


def _meta(n_rec_spk=6):
    return {
        "populations": {"E": [1, 4], "I": [5, 6], "astrocytes": [7, 9]},
        "recorded_nodes": {"spikes": n_rec_spk, "neurons": 2, "astrocytes": 2},
        "parameters": {"sim_time": 1000.0, "t_presim": 0.0, "w_a2n": 0.05},
        "timers_s": {"simulate": 3.0, "total": 4.0},
        "real_time_factor": 3.0,
        "peak_memory_mib": {"max_per_rank": 200.0},
        "n_vp": 2,
        "n_ranks": 1,
        "nest_version": "3.10.0",
        "build_info": {"have_mpi": False, "built": "today"},
        "connections": {"E_to_neurons": 12},
        "model_parameters": {"astrocyte_lr_1994": {"SIC_th": 0.19669}},
    }


def _tables():
    spikes = pd.DataFrame({"sender": [1, 1, 2, 5, 6, 6], "time": [100.0, 600.0, 150.0, 200.0, 50.0, 900.0]})
    astro = pd.DataFrame(
        {"sender": [7, 7, 8, 8], "time": [1.0, 2.0, 1.0, 2.0], "IP3": [0.4] * 4, "Ca_astro": [0.1, 0.3, 0.1, 0.1]}
    )
    neurons = pd.DataFrame({"sender": [1, 1], "time": [1.0, 2.0], "I_SIC": [0.0, 2.0]})
    return spikes, astro, neurons


def test_run_record_counts_silent_and_only_recorded_neurons():
    settings = {**analysis_settings({"experiments": {"e": {}}}, "e"), "t_start": 0.0}
    spikes, astro, neurons = _tables()
    rec = run_metrics_record(spikes, astro, neurons, _meta(), settings, "e", "r", {"rng_seed": 1})
    m = rec["metrics"]
    assert m["rate_E"] == pytest.approx(3 / 4)  # 3 spikes, 4 neurons (3 and 4 silent), 1 s
    assert m["rate_I"] == pytest.approx(3 / 2)
    assert m["ca_fraction_above"] == 0.5 and m["ca_first_crossing_ms"] == 2.0 and m["sic_peak"] == 2.0
    assert m["cv_isi_E"] is None  # no neuron with 3 spikes: undefined -> null in JSON
    assert rec["n_recorded"] == {"spikes_E": 4, "spikes_I": 2, "astrocytes": 2, "neurons_I_SIC": 1}
    assert rec["window_ms"] == [0.0, 1000.0] and rec["cost"]["real_time_factor"] == 3.0
    json.dumps(rec, allow_nan=False)  # valid JSON
    # spikes recorded from the first 3 neurons only: the I population has none recorded
    rec3 = run_metrics_record(spikes, astro, neurons, _meta(n_rec_spk=3), settings, "e", "r", {})
    assert rec3["n_recorded"]["spikes_E"] == 3 and rec3["n_recorded"]["spikes_I"] == 0
    assert rec3["metrics"]["rate_E"] == pytest.approx(3 / 3) and rec3["metrics"]["rate_I"] is None
    page = provenance_html(_meta(), rec)
    for text in ("3.10.0", "SIC_th", "E_to_neurons", "real_time_factor", "rate_E", "w_a2n"):
        assert text in page


# --------------------------------------------------------------------------------------------
# sweep figures
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "grid",
    [
        {"w_a2n": [0.05, 1.0, 8.0]},
        {"pool_size": [1, 10, 100, 1000]},
        {"primary_rule": ["pairwise_bernoulli", "fixed_indegree"]},
        {"w_a2n": [0.5, 1.0], "pool_type": ["random", "block"]},
        {},
    ],
    ids=["numeric", "log", "categorical", "two-keys", "no-grid"],
)
def test_sweep_figures_are_drawn(tmp_path, grid):
    rng = np.random.default_rng(0)
    keys = list(grid)
    points = [
        dict(zip(keys, vals, strict=True))
        for vals in (
            np.array(np.meshgrid(*grid.values(), indexing="ij"), dtype=object).reshape(len(keys), -1).T
            if keys
            else [()]
        )
    ]
    records = [
        _record(
            {**p, "rng_seed": s}, {m: float(rng.normal(1.0, 0.1)) for m in METRIC_NAMES if not m.startswith("ca_first")}
        )
        for p in points
        for s in (1, 2, 3)
    ]
    runs = runs_table(records, keys)
    summary = summary_table(runs, keys)
    for group in FIGURES:
        path = tmp_path / f"{group}.png"
        sweep_figure(group, summary, runs, grid, "exp", {"dpi": 40}, path)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("zipped", [True, False])
def test_zipped_grid_is_one_line_against_its_first_key(tmp_path, zipped):
    """A grid read in step (zip: true) is one line per metric against its first key, whose label
    names the keys that change with it; a crossed grid draws a line per value of the other keys."""
    import matplotlib

    grid = {"p_third_if_primary": [0.1, 0.5, 1.0], "w_a2n": [0.25, 0.05, 0.025]}
    rng = np.random.default_rng(0)
    points = zip(*grid.values(), strict=True) if zipped else itertools.product(*grid.values())
    records = [
        _record({"p_third_if_primary": p, "w_a2n": w, "rng_seed": 1}, {m: float(rng.random()) for m in METRIC_NAMES})
        for p, w in points
    ]
    runs = runs_table(records, list(grid))
    summary = summary_table(runs, list(grid))
    path = tmp_path / "synchrony.svg"
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        sweep_figure("synchrony", summary, runs, grid, "exp", {"dpi": 40}, path, zipped=zipped)
    svg = path.read_text()
    assert ("(with w_a2n in step)" in svg) is zipped
    assert ("E+I, w_a2n=0.05" in svg) is not zipped


def test_every_metric_has_a_panel():
    shown = {col for panels in FIGURES.values() for p in panels for col, _ in p.series}
    assert shown == set(METRIC_NAMES) - {"rate_all", "cv_isi_all", "fano_all"}


def test_experiment_analysis_names_the_key_that_breaks_the_window():
    cfg = _config(late={"description": "d", "analysis": {"t_start": 195.0}})
    cfg["analysis"] = {"t_start": 199.0}
    runs = validate_config(cfg)
    with pytest.raises(ConfigError, match=r"'analysis\.t_start': 199"):
        experiment_analysis(cfg, "reference", runs["reference"])
    with pytest.raises(ConfigError, match=r"'experiments\.late\.analysis\.t_start': 195"):
        experiment_analysis(cfg, "late", runs["late"])
    cfg["analysis"] = {"t_start": 50.0}
    assert experiment_analysis(cfg, "reference", runs["reference"])["t_start"] == 50.0
