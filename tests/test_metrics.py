"""Tests for astronet.analysis.metrics: known answers on synthetic data, edge cases,
and agreement with Elephant where the definitions coincide."""

from __future__ import annotations

import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from astronet.analysis import metrics as M  # noqa: E402

# noise from Elephant/quantities internals, not from the code under test
pytestmark = [
    pytest.mark.filterwarnings("ignore:The 'copy' argument in Quantity is deprecated"),
    pytest.mark.filterwarnings("ignore:Binning discarded"),
]

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def make_spikes(trains: dict[int, np.ndarray], pop_of=None) -> pd.DataFrame:
    """Tidy spike table (sender, time, population) sorted by time, sender."""
    senders, times = [], []
    for sender, t in trains.items():
        t = np.asarray(t, dtype=float)
        senders.append(np.full(t.size, sender, dtype=np.int64))
        times.append(t)
    if senders:
        s, t = np.concatenate(senders), np.concatenate(times)
    else:
        s, t = np.empty(0, np.int64), np.empty(0, float)
    pop_of = pop_of or (lambda ids: np.full(ids.size, "E"))
    df = pd.DataFrame({"sender": s, "time": t, "population": pd.Categorical(pop_of(s), categories=["E", "I"])})
    return df.sort_values(["time", "sender"], kind="stable").reset_index(drop=True)


def poisson_train(rng, rate_hz, t_start, t_stop):
    n = rng.poisson(rate_hz * (t_stop - t_start) / 1000.0)
    return np.sort(rng.uniform(t_start, t_stop, n))


def gamma_train(rng, rate_hz, order, t_start, t_stop):
    mean_isi = 1000.0 / rate_hz
    n = int(2 * (t_stop - t_start) / mean_isi) + 50
    t = t_start + np.cumsum(rng.gamma(order, mean_isi / order, n))
    return t[t < t_stop]


EMPTY_SPIKES = pd.DataFrame(
    {"sender": pd.Series([], dtype=np.int64), "time": pd.Series([], dtype=float), "population": pd.Categorical([])}
)


# --------------------------------------------------------------------------
# rates
# --------------------------------------------------------------------------


def test_rates_exact_including_silent_neurons_and_window_edges():
    trains = {
        1: [10.0, 100.0, 499.9, -5.0, 500.0],  # 3 in [0, 500); -5 and t_stop excluded
        2: [0.0],  # spike exactly at t_start counts
        5: [20.0, 30.0],
        99: [1.0, 2.0, 3.0],  # not a member of any population: ignored
    }
    spikes = make_spikes(trains)
    E = np.array([4, 2, 3, 1])  # unsorted on purpose; 3 and 4 silent
    I = np.array([5, 6])  # noqa: E741 (the inhibitory population; 6 silent)
    rates_E = M.per_neuron_rates(spikes, E, 0.0, 500.0)
    np.testing.assert_array_equal(rates_E, [0.0, 2.0, 0.0, 6.0])
    np.testing.assert_array_equal(M.spike_counts(spikes, E, 0.0, 500.0), [0, 1, 0, 3])
    assert M.population_rate(spikes, E, 0.0, 500.0) == pytest.approx(2.0, abs=1e-12)
    out = M.run_metrics(spikes, None, None, {"E": E, "I": I}, 0.0, 500.0)
    assert out["rate_E"] == pytest.approx(2.0, abs=1e-12)
    assert out["rate_I"] == pytest.approx(2.0, abs=1e-12)  # 2 spikes / 2 neurons / 0.5 s
    assert out["rate_all"] == pytest.approx(6 / 6 / 0.5, abs=1e-12)


def test_rate_window_offset():
    spikes = make_spikes({7: np.arange(1000.0, 2000.0, 50.0)})  # 20 spikes in 1 s
    assert M.population_rate(spikes, [7, 8], 1000.0, 2000.0) == pytest.approx(10.0, abs=1e-12)
    # only half the spikes fall into [1500, 2000)
    np.testing.assert_allclose(M.per_neuron_rates(spikes, [7], 1500.0, 2000.0), [20.0])


# --------------------------------------------------------------------------
# CV and Fano
# --------------------------------------------------------------------------


def test_regular_trains_cv_zero_and_fano_zero():
    trains = {i: np.arange(0.3 + i, 2000.0, 20.0) for i in range(1, 6)}  # 50 Hz, phase-shifted
    trains[10] = [100.0, 200.0]  # only 2 spikes: CV undefined under the >= 3 rule
    spikes = make_spikes(trains)
    ids = np.array([1, 2, 3, 4, 5, 10, 11])
    mean_cv, cv = M.cv_isi(spikes, ids, 0.0, 2000.0)
    assert mean_cv == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(cv[:5], 0.0, atol=1e-12)
    assert np.isnan(cv[5]) and np.isnan(cv[6])
    # with min_spikes=2 the two-spike neuron has CV 0 (one interval)
    _, cv2 = M.cv_isi(spikes, ids, 0.0, 2000.0, min_spikes=2)
    assert cv2[5] == 0.0
    # 5 spikes in every 100-ms window -> zero count variance
    mean_f, f = M.fano_factor(spikes, ids[:5], 0.0, 2000.0, bin_ms=100.0)
    assert mean_f == 0.0
    np.testing.assert_array_equal(f, 0.0)


def test_poisson_cv_and_fano_close_to_one():
    rng = np.random.default_rng(1)
    n, T = 200, 20_000.0
    spikes = make_spikes({i: poisson_train(rng, 20.0, 0.0, T) for i in range(n)})
    ids = np.arange(n)
    mean_cv, cv = M.cv_isi(spikes, ids, 0.0, T)
    assert mean_cv == pytest.approx(1.0, abs=0.03)
    assert np.all(np.isfinite(cv))
    mean_f, f = M.fano_factor(spikes, ids, 0.0, T, bin_ms=100.0)
    n_win = 200
    # ddof=0 estimator: E[F] = (n_win - 1)/n_win for Poisson counts
    assert mean_f == pytest.approx((n_win - 1) / n_win, abs=0.03)
    # per-neuron value equals var/mean of the explicit histogram
    counts = np.histogram(spikes.time[spikes.sender == 3], bins=np.linspace(0, T, n_win + 1))[0]
    assert f[3] == pytest.approx(counts.var() / counts.mean(), rel=1e-12)


def test_gamma_trains_are_more_regular():
    """A gamma process of order 4 has CV = 1/2 and Fano ≈ CV² = 1/4 (counting windows >> ISI)."""
    rng = np.random.default_rng(2)
    n, T = 100, 20_000.0
    spikes = make_spikes({i: gamma_train(rng, 20.0, 4, 0.0, T) for i in range(n)})
    mean_cv, _ = M.cv_isi(spikes, np.arange(n), 0.0, T)
    assert mean_cv == pytest.approx(0.5, abs=0.02)
    mean_f, _ = M.fano_factor(spikes, np.arange(n), 0.0, T, bin_ms=500.0)
    assert mean_f == pytest.approx(0.25, abs=0.05)


# --------------------------------------------------------------------------
# synchrony
# --------------------------------------------------------------------------


def reference_synchrony(hists):
    """Straight loop version of the definition in Jiang et al.'s analysis code."""
    coefs = []
    for i in range(len(hists)):
        for j in range(i + 1, len(hists)):
            if hists[i].sum() and hists[j].sum():
                coefs.append(np.corrcoef(hists[i], hists[j])[0, 1])
    gsync = np.var(np.mean(hists, axis=0)) / np.mean(np.var(hists, axis=1))
    return np.mean(coefs), gsync


def test_identical_trains_fully_synchronous():
    rng = np.random.default_rng(3)
    train = poisson_train(rng, 15.0, 0.0, 2000.0)
    spikes = make_spikes({i: train for i in range(1, 51)})
    res = M.synchrony(spikes, np.arange(1, 51), 0.0, 2000.0, bin_ms=10.0)
    assert res.n_neurons == 50
    assert res.local == pytest.approx(1.0, abs=1e-12)
    assert res.global_ == pytest.approx(1.0, abs=1e-12)


def test_independent_poisson_asynchronous():
    rng = np.random.default_rng(4)
    n, T = 100, 10_000.0
    spikes = make_spikes({i: poisson_train(rng, 20.0, 0.0, T) for i in range(n)})
    res = M.synchrony(spikes, np.arange(n), 0.0, T, bin_ms=10.0, sample_size=100)
    assert res.n_neurons == n
    assert abs(res.local) < 0.01
    assert res.global_ == pytest.approx(1.0 / n, rel=0.15)


def test_partially_correlated_trains_known_correlation():
    """Thinned shared 'mother' train + private Poisson input.

    Counts per bin: cov = p² ν_m b, var = (p ν_m + ν_i) b
    => r = p² ν_m / (p ν_m + ν_i);  χ² = 1/N + (N-1)/N · r.
    """
    rng = np.random.default_rng(5)
    n, T, p, nu_m, nu_i = 60, 20_000.0, 0.5, 40.0, 10.0
    mother = poisson_train(rng, nu_m, 0.0, T)
    trains = {
        i: np.sort(np.concatenate([mother[rng.random(mother.size) < p], poisson_train(rng, nu_i, 0.0, T)]))
        for i in range(n)
    }
    spikes = make_spikes(trains)
    r = p**2 * nu_m / (p * nu_m + nu_i)
    res = M.synchrony(spikes, np.arange(n), 0.0, T, bin_ms=10.0)
    assert res.local == pytest.approx(r, abs=0.03)
    assert res.global_ == pytest.approx(1 / n + (n - 1) / n * r, abs=0.04)


def inhomogeneous_poisson_train(rng, rate_of_t, rate_max_hz, t_start, t_stop):
    """A Poisson train of rate ``rate_of_t(t)`` [spikes/s] (t in ms), by thinning."""
    t = poisson_train(rng, rate_max_hz, t_start, t_stop)
    return t[rng.random(t.size) * rate_max_hz < rate_of_t(t)]


def test_fast_synchrony_ignores_a_shared_slow_rate():
    """Independent neurons whose rate follows one slow sine (period 4 s, 1-19 spikes/s): their 10 ms
    counts correlate (r ≈ var(ν b) / (mean(ν b) + var(ν b)) ≈ 0.039), the residuals of 500 ms
    blocks do not."""
    rng = np.random.default_rng(12)
    n, T = 80, 20_000.0

    def rate(t):
        return 10.0 + 9.0 * np.sin(2 * np.pi * t / 4000.0)

    spikes = make_spikes({i: inhomogeneous_poisson_train(rng, rate, 19.0, 0.0, T) for i in range(n)})
    res = M.synchrony(spikes, np.arange(n), 0.0, T, bin_ms=10.0, sample_size=n, jitter_ms=500.0)
    assert res.local == pytest.approx(0.039, abs=0.01)
    assert abs(res.local_fast) < 0.004
    assert res.global_ > 3 / n and res.global_fast == pytest.approx(1 / n, rel=0.3)


def test_fast_synchrony_keeps_coincident_spikes():
    """Stationary trains sharing spikes of a mother train (test above): no slow co-variation, so
    the fast measures equal the plain ones up to the blocks' estimation noise."""
    rng = np.random.default_rng(13)
    n, T, p, nu_m, nu_i = 60, 20_000.0, 0.5, 40.0, 10.0
    mother = poisson_train(rng, nu_m, 0.0, T)
    trains = {
        i: np.sort(np.concatenate([mother[rng.random(mother.size) < p], poisson_train(rng, nu_i, 0.0, T)]))
        for i in range(n)
    }
    res = M.synchrony(make_spikes(trains), np.arange(n), 0.0, T, bin_ms=10.0, jitter_ms=500.0)
    assert res.local == pytest.approx(p**2 * nu_m / (p * nu_m + nu_i), abs=0.03)
    assert res.local_fast == pytest.approx(res.local, abs=0.02)
    assert res.global_fast == pytest.approx(res.global_, abs=0.02)


def test_jitter_residuals_subtract_each_blocks_mean():
    h = np.array([[1.0, 3.0, 0.0, 4.0, 5.0], [2.0, 2.0, 2.0, 2.0, 9.0]])
    r = M.jitter_residuals(h, 2)  # blocks [0, 2), [2, 4) and the trailing [4, 5)
    np.testing.assert_array_equal(r, [[-1.0, 1.0, -2.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="block_bins"):
        M.jitter_residuals(h, 0)


def test_fast_synchrony_needs_whole_bins_per_block():
    spikes = make_spikes({1: [1.0, 20.0], 2: [2.0, 30.0]})
    for jitter in (15.0, 10.0):
        with pytest.raises(ValueError, match="whole number, at least 2, of synchrony bins"):
            M.synchrony(spikes, [1, 2], 0.0, 100.0, bin_ms=10.0, jitter_ms=jitter)


def test_synchrony_matches_reference_loop_and_excludes_silent():
    rng = np.random.default_rng(6)
    T = 1000.0
    trains = {i: poisson_train(rng, rng.uniform(2, 30), 0.0, T) for i in range(40)}
    for i in range(40, 50):
        trains[i] = []  # silent neurons: never sampled
    spikes = make_spikes(trains)
    ids = np.arange(50)
    res = M.synchrony(spikes, ids, 0.0, T, bin_ms=10.0, sample_size=100)
    active = [i for i in range(40) if len(trains[i])]
    assert list(res.node_ids) == active
    hists = M.binned_spike_counts(spikes, res.node_ids, 0.0, T, 10.0)
    ref_local, ref_global = reference_synchrony(hists)
    assert res.local == pytest.approx(ref_local, abs=1e-12)
    assert res.global_ == pytest.approx(ref_global, abs=1e-12)


def test_synchrony_sampling_is_seeded():
    rng = np.random.default_rng(7)
    spikes = make_spikes({i: poisson_train(rng, 10.0, 0.0, 1000.0) for i in range(300)})
    ids = np.arange(300)
    a = M.synchrony(spikes, ids, 0.0, 1000.0, sample_size=50, seed=11)
    b = M.synchrony(spikes, ids, 0.0, 1000.0, sample_size=50, seed=11)
    c = M.synchrony(spikes, ids, 0.0, 1000.0, sample_size=50, seed=12)
    assert a.n_neurons == 50
    np.testing.assert_array_equal(a.node_ids, b.node_ids)
    assert a.local == b.local and a.global_ == b.global_
    assert not np.array_equal(a.node_ids, c.node_ids)
    assert set(a.node_ids) <= set(ids)


def test_constant_histogram_pairs_are_excluded():
    # neuron 1 fires exactly once per 10-ms bin: zero variance, r undefined
    spikes = make_spikes({1: np.arange(5.0, 1000.0, 10.0), 2: [1.0, 2.0, 503.0], 3: [1.5, 2.5, 503.5]})
    res = M.synchrony(spikes, [1, 2, 3], 0.0, 1000.0, bin_ms=10.0)
    assert res.n_neurons == 3
    assert res.local == pytest.approx(1.0, abs=1e-12)  # only the (2, 3) pair counts


# --------------------------------------------------------------------------
# astrocytes and SIC
# --------------------------------------------------------------------------


def make_astro_table():
    t = np.arange(1.0, 1001.0)  # 1-ms multimeter samples
    thr = 0.2
    traces = {
        101: 0.1 + 0.0004 * t,  # linear ramp: > 0.2 first at t = 251 ms (0.2004)
        102: np.full(t.size, 0.3),  # above threshold from the first sample
        103: np.where(t == 500.0, thr, 0.05),  # touches the threshold, never exceeds
    }
    rows = []
    for sender, ca in traces.items():
        rows.append(pd.DataFrame({"sender": sender, "time": t, "IP3": 0.4 + 0.001 * (sender - 100), "Ca_astro": ca}))
    df = pd.concat(rows)
    # a sample outside the window that must not affect anything
    df = pd.concat([df, pd.DataFrame({"sender": [101], "time": [1500.0], "IP3": [9.0], "Ca_astro": [9.0]})])
    return df.sort_values(["time", "sender"]).reset_index(drop=True), traces, thr


def test_astrocyte_threshold_crossing_and_summary():
    astro, traces, thr = make_astro_table()
    first = M.ca_first_crossing(astro, thr, 0.0, 1001.0)
    assert list(first.index) == [101, 102, 103]
    assert first.loc[101] == 251.0
    assert first.loc[102] == 1.0
    assert np.isnan(first.loc[103])
    out = M.astrocyte_metrics(astro, 0.0, 1001.0, ca_threshold=thr)
    all_ca = np.concatenate(list(traces.values()))
    assert out["ca_mean"] == pytest.approx(all_ca.mean(), rel=1e-12)
    assert out["ca_peak"] == pytest.approx(0.5, rel=1e-12)  # ramp end 0.1 + 0.4
    assert out["ip3_mean"] == pytest.approx(0.402, rel=1e-12)
    assert out["ip3_peak"] == pytest.approx(0.403, rel=1e-12)
    assert out["ca_first_crossing_ms"] == 1.0
    assert out["ca_first_crossing_median_ms"] == pytest.approx((1.0 + 251.0) / 2)
    assert out["ca_fraction_above"] == pytest.approx(2 / 3)
    # window starting later: crossing times are in simulation time, clipped to the window
    late = M.astrocyte_metrics(astro, 300.0, 1001.0, ca_threshold=thr)
    assert late["ca_first_crossing_ms"] == 300.0
    # nobody crosses a high threshold
    high = M.astrocyte_metrics(astro, 0.0, 1001.0, ca_threshold=1.0)
    assert high["ca_fraction_above"] == 0.0
    assert math.isnan(high["ca_first_crossing_ms"]) and math.isnan(high["ca_first_crossing_median_ms"])


def test_sic_metrics():
    neurons = pd.DataFrame(
        {"sender": [1, 2, 1, 2, 1], "time": [1.0, 1.0, 2.0, 2.0, 3000.0], "I_SIC": [0.0, 2.0, 4.0, 6.0, 100.0]}
    )
    out = M.sic_metrics(neurons, 0.0, 1000.0)
    # s.d. across neurons of their means: neuron 1 has mean 2, neuron 2 mean 4
    assert out == {"sic_mean": pytest.approx(3.0), "sic_sd": pytest.approx(1.0), "sic_peak": pytest.approx(6.0)}


# --------------------------------------------------------------------------
# run_metrics and edge cases
# --------------------------------------------------------------------------

EXPECTED_KEYS = {
    f"{m}_{p}"
    for m in (
        "rate",
        "cv_isi",
        "fano",
        "sync_local",
        "sync_local_sd",
        "sync_global",
        "sync_local_fast",
        "sync_global_fast",
        "sync_n",
    )
    for p in ("E", "I", "all")
} | {
    "ca_mean",
    "ca_sd",
    "ca_peak",
    "ip3_mean",
    "ip3_sd",
    "ip3_peak",
    "ca_first_crossing_ms",
    "ca_first_crossing_median_ms",
    "ca_fraction_above",
    "sic_mean",
    "sic_sd",
    "sic_peak",
}


def test_run_metrics_keys_and_values_consistent():
    rng = np.random.default_rng(8)
    E, I = np.arange(1, 81), np.arange(81, 101)  # noqa: E741 (the inhibitory population)
    spikes = make_spikes(
        {i: poisson_train(rng, 8.0 if i <= 80 else 20.0, 0.0, 2000.0) for i in range(1, 101)},
        pop_of=lambda s: np.where(s <= 80, "E", "I"),
    )
    astro, _, _ = make_astro_table()
    neurons = pd.DataFrame({"sender": [1, 2], "time": [5.0, 5.0], "I_SIC": [1.0, 3.0]})
    settings = {"bin_ms": 20.0, "sync_sample_size": 30, "sync_seed": 3, "ca_threshold": 0.2}
    out = M.run_metrics(spikes, astro, neurons, {"E": E, "I": I}, 0.0, 2000.0, settings)
    assert set(out) == EXPECTED_KEYS
    assert all(isinstance(v, float) for v in out.values())
    assert out["rate_E"] == pytest.approx(M.population_rate(spikes, E, 0.0, 2000.0))
    assert out["rate_all"] == pytest.approx((80 * out["rate_E"] + 20 * out["rate_I"]) / 100)
    sync_I = M.synchrony(spikes, I, 0.0, 2000.0, bin_ms=20.0, sample_size=30, seed=3)
    assert out["sync_local_I"] == sync_I.local and out["sync_global_I"] == sync_I.global_
    assert out["sync_local_sd_I"] == sync_I.local_sd and out["sync_n_I"] == sync_I.n_neurons == 20
    assert out["sync_local_fast_I"] == sync_I.local_fast and out["sync_global_fast_I"] == sync_I.global_fast
    assert out["fano_E"] == M.fano_factor(spikes, E, 0.0, 2000.0, 100.0)[0]
    assert out["sic_mean"] == 2.0 and out["ca_fraction_above"] == pytest.approx(2 / 3)


def test_run_metrics_rejects_unknown_settings():
    with pytest.raises(KeyError):
        M.run_metrics(EMPTY_SPIKES, None, None, {"E": [1]}, 0.0, 100.0, {"bin_size": 5})
    with pytest.raises(ValueError):
        M.run_metrics(EMPTY_SPIKES, None, None, {"E": [1]}, 100.0, 100.0)


@pytest.mark.parametrize("spikes", [EMPTY_SPIKES, None], ids=["empty", "none"])
def test_no_spikes_at_all_gives_nan_not_errors(spikes):
    empty_astro = pd.DataFrame(columns=["sender", "time", "IP3", "Ca_astro"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarnings either
        out = M.run_metrics(spikes, empty_astro, None, {"E": np.arange(10), "I": np.arange(10, 13)}, 0.0, 1000.0)
    assert set(out) == EXPECTED_KEYS
    for p in ("E", "I", "all"):
        assert out[f"rate_{p}"] == 0.0
        assert out[f"sync_n_{p}"] == 0.0  # nobody spiked: an empty synchrony sample
        for m in ("cv_isi", "fano", "sync_local", "sync_local_sd", "sync_global"):
            assert math.isnan(out[f"{m}_{p}"]), (m, p)
    for k in EXPECTED_KEYS - {f"{m}_{p}" for m in ("rate", "sync_n") for p in ("E", "I", "all")}:
        assert math.isnan(out[k]), k


def test_single_neuron_population_and_short_window():
    spikes = make_spikes({1: [10.0, 30.0, 70.0, 150.0], 2: [5.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = M.run_metrics(spikes, None, None, {"E": [1], "I": [2]}, 0.0, 200.0)
        assert out["rate_E"] == pytest.approx(20.0)
        assert out["cv_isi_E"] == pytest.approx(np.std([20, 40, 80]) / np.mean([20, 40, 80]))
        assert math.isnan(out["cv_isi_I"])  # one spike
        assert math.isnan(out["sync_local_E"]) and math.isnan(out["sync_global_E"])
        assert out["fano_E"] == pytest.approx(np.var([3, 1]) / 2)  # two 100-ms windows
        assert not math.isnan(out["sync_local_all"])
        # window shorter than two Fano windows -> NaN
        assert math.isnan(M.fano_factor(spikes, [1], 0.0, 150.0, 100.0)[0])
        # empty population
        assert math.isnan(M.population_rate(spikes, [], 0.0, 200.0))
        assert math.isnan(M.synchrony(spikes, [], 0.0, 200.0).local)


# --------------------------------------------------------------------------
# agreement with Elephant
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def realistic():
    """Seeded E/I data set: 320 neurons, 1 s, lognormal rates, some silent."""
    rng = np.random.default_rng(2025)
    n_e, n_i, t0, t1 = 256, 64, 500.0, 1500.0
    rates = rng.lognormal(np.log(5.0), 0.8, n_e + n_i)
    rates[rng.choice(n_e + n_i, 20, replace=False)] = 0.0
    ids = np.arange(1, n_e + n_i + 1)
    trains = {int(i): poisson_train(rng, r, t0 - 100, t1 + 100) for i, r in zip(ids, rates, strict=True)}
    spikes = make_spikes(trains, pop_of=lambda s: np.where(s <= n_e, "E", "I"))
    return spikes, trains, {"E": ids[:n_e], "I": ids[n_e:]}, t0, t1


def _neo_trains(trains, ids, t0, t1):
    neo = pytest.importorskip("neo")
    pq = pytest.importorskip("quantities")
    out = []
    for i in ids:
        t = np.asarray(trains[int(i)])
        out.append(neo.SpikeTrain(t[(t >= t0) & (t < t1)] * pq.ms, t_start=t0 * pq.ms, t_stop=t1 * pq.ms))
    return out


def test_elephant_rates_and_cv(realistic):
    stats = pytest.importorskip("elephant.statistics")
    pq = pytest.importorskip("quantities")
    spikes, trains, pops, t0, t1 = realistic
    ids = np.concatenate(list(pops.values()))
    sts = _neo_trains(trains, ids, t0, t1)
    ours_rate = M.per_neuron_rates(spikes, ids, t0, t1)
    ref_rate = np.array([stats.mean_firing_rate(st).rescale(pq.Hz).magnitude for st in sts])
    np.testing.assert_allclose(ours_rate, ref_rate, rtol=0, atol=1e-10)
    _, ours_cv = M.cv_isi(spikes, ids, t0, t1, min_spikes=3)
    ref_cv = np.array([stats.cv(stats.isi(st).magnitude) if len(st) >= 3 else np.nan for st in sts])
    assert np.isfinite(ref_cv).sum() > 200
    np.testing.assert_allclose(ours_cv, ref_cv, rtol=0, atol=1e-10, equal_nan=True)


def test_elephant_fano(realistic):
    stats = pytest.importorskip("elephant.statistics")
    pq = pytest.importorskip("quantities")
    spikes, trains, pops, t0, t1 = realistic
    ids = pops["E"]
    width = 100.0
    _, ours = M.fano_factor(spikes, ids, t0, t1, bin_ms=width)
    ref = []
    for st in _neo_trains(trains, ids, t0, t1):
        # the counting windows as "trials"; times are continuous, so no spike sits on a window edge
        windows = [st.time_slice(w * pq.ms, (w + width) * pq.ms) for w in np.arange(t0, t1, width)]
        ref.append(stats.fanofactor(windows))
    np.testing.assert_allclose(ours, np.array(ref, dtype=float), rtol=0, atol=1e-10, equal_nan=True)
    assert np.isfinite(ours).sum() > 150


def test_elephant_correlation_coefficient_and_binning(realistic):
    conv = pytest.importorskip("elephant.conversion")
    corr = pytest.importorskip("elephant.spike_train_correlation")
    pq = pytest.importorskip("quantities")
    spikes, trains, pops, t0, t1 = realistic
    ids = np.concatenate(list(pops.values()))
    res = M.synchrony(spikes, ids, t0, t1, bin_ms=10.0, sample_size=100, seed=0)
    assert res.n_neurons == 100
    binned = conv.BinnedSpikeTrain(
        _neo_trains(trains, res.node_ids, t0, t1), bin_size=10 * pq.ms, t_start=t0 * pq.ms, t_stop=t1 * pq.ms
    )
    np.testing.assert_array_equal(M.binned_spike_counts(spikes, res.node_ids, t0, t1, 10.0), binned.to_array())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cc = corr.correlation_coefficient(binned)
    ref_local = np.nanmean(cc[np.triu_indices(100, k=1)])
    assert res.local == pytest.approx(ref_local, abs=1e-10)
    h = binned.to_array().astype(float)
    assert res.global_ == pytest.approx(h.mean(axis=0).var() / h.var(axis=1).mean(), abs=1e-10)


def test_elephant_binning_on_nest_grid_times():
    """Times on a 0.1-ms grid incl. spikes exactly on bin edges and at t_stop."""
    conv = pytest.importorskip("elephant.conversion")
    neo = pytest.importorskip("neo")
    pq = pytest.importorskip("quantities")
    rng = np.random.default_rng(9)
    t0, t1 = 100.0, 300.0
    trains = {}
    for i in range(1, 21):
        steps = np.unique(rng.integers(int(t0 * 10), int(t1 * 10) + 1, 60))
        t = steps * 0.1  # NEST-like float times, not exactly representable
        trains[i] = np.concatenate([t, [t0, 110.0, 200.0, t1]])
    trains[21] = np.arange(int(t0 * 10), int(t1 * 10) + 1) * 0.1  # every grid point
    spikes = make_spikes(trains)
    ids = np.arange(1, 22)
    sts = [neo.SpikeTrain(np.sort(trains[i]) * pq.ms, t_start=t0 * pq.ms, t_stop=t1 * pq.ms) for i in ids]
    # 0.1, 0.3 and 3.0000000000000004 ms put grid times within rounding error of bin edges
    for width in (10.0, 0.1, 0.3, np.nextafter(3.0, 4.0)):
        binned = conv.BinnedSpikeTrain(sts, bin_size=width * pq.ms, t_start=t0 * pq.ms, t_stop=t1 * pq.ms)
        np.testing.assert_array_equal(M.binned_spike_counts(spikes, ids, t0, t1, width), binned.to_array())


def test_population_rate_histogram_counts_silent_neurons_and_stays_in_the_window():
    from astronet.analysis.metrics import population_rate_histogram

    # 4 neurons (2 of them silent), 20 ms bins from 1000 ms: whole bins only, so over [1000, 1050)
    # the bins are [1000, 1020) and [1020, 1040]; the partial bin [1040, 1050) would understate its rate
    times = np.array([1000.5, 1001.0, 1019.9, 1020.0, 1045.0])
    rate, edges = population_rate_histogram(times, 4, 1000.0, 1050.0, 20.0)
    np.testing.assert_array_equal(edges, [1000.0, 1020.0, 1040.0])
    np.testing.assert_allclose(rate, np.array([3, 1]) / 4 / 0.020)
    rate, edges = population_rate_histogram(times, 4, 1000.0, 1060.0, 20.0)
    np.testing.assert_allclose(rate, np.array([3, 1, 1]) / 4 / 0.020)
