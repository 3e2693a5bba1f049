"""A run's figures: the rate histogram's bins follow the resolution of a rate over one window."""

from __future__ import annotations

import numpy as np
import pytest

from astronet.figures.plotting import count_bin_edges, rate_distribution


@pytest.mark.parametrize(
    "low, high, resolution, max_bins",
    [(0, 50, 2.5, 40), (0, 250, 2.5, 40), (0, 7, 1, 40), (3, 997, 1, 80), (0, 0, 0.1, 40), (12, 13, 1, 80)],
)
def test_count_bins_hold_equally_many_possible_values(low, high, resolution, max_bins):
    edges = count_bin_edges(low, high, resolution, max_bins)
    possible = np.arange(round(low / resolution), round(high / resolution) + 1) * resolution
    widths = np.diff(edges)
    assert len(widths) <= max_bins and np.allclose(widths, widths[0])
    per_bin = widths[0] / resolution
    assert per_bin == pytest.approx(round(per_bin)) and round(per_bin) >= 1
    assert edges[0] < possible[0] and edges[-1] > possible[-1]
    # every possible value lies half a step or more from the nearest edge: none on an edge
    distance = np.abs(possible[:, None] - edges[None, :]).min(axis=1)
    assert np.all(distance >= resolution / 2 - 1e-9)
    # and each bin holds as many possible values as every other (the last one may hold fewer)
    counts, _ = np.histogram(possible, bins=edges)
    assert np.all(counts[:-1] == round(per_bin)) and 1 <= counts[-1] <= round(per_bin)


def test_rate_histogram_has_no_empty_bins_between_possible_rates(tmp_path):
    """Neurons fire 0 to 39 spikes in a 400 ms window: rates 0, 2.5, ..., 97.5 spikes/s, each taken
    by some neuron, so no bin of the drawn histogram may be empty (a picket fence of isolated bars
    when the bins are narrower than 2.5 spikes/s)."""
    t0, t1 = 600.0, 1000.0
    n_spikes = np.arange(40).repeat(2)  # E: neurons 1..80
    senders = np.repeat(np.arange(1, len(n_spikes) + 1), n_spikes)
    times = np.concatenate([np.linspace(t0, t1 - 1.0, k) for k in n_spikes if k])
    meta = {"populations": {"E": [1, 80], "I": [81, 100]}, "recorded_nodes": {"spikes": 100}}
    settings = {"t_start": t0, "t_stop": t1, "dpi": 40}
    fig = rate_distribution({"sender": senders, "time": times}, meta, settings, tmp_path / "rates.png")
    (ax,) = fig.axes
    outline = ax.patches[0].get_xy()  # the E histogram's step outline
    edges = np.unique(outline[:, 0])
    assert np.allclose(np.diff(edges), 2.5) and edges[0] == pytest.approx(-1.25)
    heights = np.histogram(n_spikes * 2.5, bins=edges)[0]
    assert np.all(heights > 0)
    assert (tmp_path / "rates.png").stat().st_size > 0
