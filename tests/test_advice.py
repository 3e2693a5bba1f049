"""Warnings where a result is likely not what was meant (astronet.analysis.advice), and the sweep figures
drawing no confidence interval from fewer than three seeds."""

import numpy as np
import pytest

from astronet.analysis import advice
from astronet.analysis.sweep_tables import METRIC_NAMES, runs_table, summary_table
from astronet.figures.sweep_figures import sweep_figure


def _record(ca_peak, threshold=0.19669, window=(200.0, 1200.0)):
    return {"metrics": {"ca_peak": ca_peak}, "settings": {"ca_threshold": threshold}, "window_ms": list(window)}


def test_few_seeds():
    assert advice.few_seeds("exp", [3, 5]) is None
    assert "exp: 2 seed(s) per point" in advice.few_seeds("exp", [2, 3])
    assert "no statistics across seeds" in advice.few_seeds("exp", [1, 1])  # a sweep of one seed
    assert "exp: 2 seed(s) per point" in advice.few_seeds("exp", [2])  # no grid, two seeds


def test_few_seeds_is_silent_for_a_single_run():
    """One run (no grid, one seed) asks for no statistics across seeds and has no sweep figures."""
    assert advice.few_seeds("reference", [1]) is None


def test_no_sic_when_ca_stays_below_the_threshold_in_every_run():
    below = [_record(0.1), _record(0.15)]
    message = advice.no_sic("coupling", below, ["w_a2n"])
    assert "Ca_astro never exceeds the SIC threshold (0.19669 µM; highest peak 0.15 µM)" in message
    assert "[200, 1200) ms of any of its 2 run(s)" in message and "every w_a2n gives the same result" in message
    assert "w_a2n has no effect" in advice.no_sic("pool", below, ["pool_size"])
    assert advice.no_sic("coupling", [*below, _record(0.25)], ["w_a2n"]) is None  # one run crosses
    assert advice.no_sic("coupling", [_record(None)], ["w_a2n"]) is None  # no astrocyte samples


def test_report_issues_result_warnings():
    with pytest.warns(advice.ResultWarning, match="2 seed"):
        advice.report(None, advice.few_seeds("exp", [2, 2]))


@pytest.mark.parametrize("n_seeds, drawn", [(2, False), (3, True)])
def test_sweep_figures_draw_no_confidence_interval_below_three_seeds(tmp_path, n_seeds, drawn):
    import matplotlib

    rng = np.random.default_rng(1)
    records = [
        {
            "experiment": "exp",
            "run": f"w-{w}__s-{s}",
            "point": {"w_a2n": w, "rng_seed": s},
            "metrics": {m: float(rng.normal(1.0, 0.1)) for m in METRIC_NAMES},
            "cost": {},
        }
        for w in (0.5, 1.0)
        for s in range(1, n_seeds + 1)
    ]
    runs = runs_table(records, ["w_a2n"])
    summary = summary_table(runs, ["w_a2n"])
    assert summary["rate_E_ci95"].notna().all()  # the table keeps the interval
    path = tmp_path / "activity.svg"
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        sweep_figure("activity", summary, runs, {"w_a2n": [0.5, 1.0]}, "exp", {"dpi": 40}, path)
    svg = path.read_text()
    assert ("no CI where n &lt; 3" in svg) is not drawn


def test_implausible_rate():
    record = {"metrics": {"rate_all": 390.0}, "window_ms": [200.0, 1200.0]}
    message = advice.implausible_rate("coupling/w_a2n-4__rng_seed-1", record)
    assert "run coupling/w_a2n-4__rng_seed-1: the neurons fire at 390.0 spikes/s" in message
    assert "[200, 1200) ms, above 100 spikes/s" in message
    assert advice.implausible_rate("r", {**record, "metrics": {"rate_all": 12.0}}) is None
    assert advice.implausible_rate("r", {**record, "metrics": {"rate_all": None}}) is None
