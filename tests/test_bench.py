"""The bookkeeping of the benchmarks (no timing is asserted) and the linear-time sort of aggregation."""

import resource
import sys

import numpy as np
import pytest

import bench
from astronet.data.aggregate import is_sorted, sort_order

ALLOCATE = "import numpy as np; a = np.ones({mib} * 2**20 // 8); a += 1"


def test_measure_reports_peak_memory_of_a_descendant():
    # The allocating process is a grandchild: wait4's ru_maxrss covers waited-for descendants. Linux
    # carries ru_maxrss across fork and exec, so every descendant starts from this process's peak
    # (pytest's, which grows over the suite): the grandchild allocates 300 MiB more than that.
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    inner = [sys.executable, "-c", ALLOCATE.format(mib=int(floor) + 300)]
    outer = [sys.executable, "-c", f"import subprocess; subprocess.run({inner!r}, check=True)"]
    m = bench.measure(outer, poll_s=0.05)
    assert m.returncode == 0
    assert m.wall_s > 0 and m.cpu_s > 0
    assert m.launcher_peak_mib == pytest.approx(floor, abs=5)
    assert floor + 300 <= m.peak_rss_mib < floor + 400
    assert m.peak_tree_rss_mib >= m.peak_rss_mib
    assert m.foreign_cpu_s >= 0 and len(m.load_before) == 3


def test_measure_records_its_own_peak_as_the_floor():
    ballast = np.ones(400 * 2**20 // 8)  # this process's peak is now > 400 MiB
    m = bench.measure([sys.executable, "-c", "pass"])
    assert m.launcher_peak_mib >= 400 and m.peak_rss_mib >= 400  # a Python doing nothing, measured
    del ballast


def test_measure_reports_failure():
    assert bench.measure([sys.executable, "-c", "raise SystemExit(3)"]).returncode == 3


def test_identical_events_ignores_order_but_not_values():
    rng = np.random.default_rng(1)
    senders = rng.integers(1, 100, 500)
    times = np.round(rng.uniform(0, 100, 500), 1)
    values = rng.normal(size=500)
    perm = rng.permutation(500)
    assert bench.identical_events((senders, times, values), (senders[perm], times[perm], values[perm]))
    changed = values.copy()
    changed[7] = np.nextafter(changed[7], np.inf)
    assert not bench.identical_events((senders, times, values), (senders, times, changed))
    assert not bench.identical_events((senders, times), (senders[:-1], times[:-1]))


def test_overhead_and_kernel_time():
    meta = {
        "timers_s": {
            "create": 1.0,
            "connect": 20.0,
            "connect_recorders": 0.5,
            "simulate": 78.5,
            "flush_recordings": 3.0,
        }
    }
    assert bench.workflow_kernel_s(meta) == pytest.approx(100.0)
    assert bench.overhead(103.0, 100.0) == pytest.approx((3.0, 3.0))
    ex = {"time_construction_create": 1.0, "time_construction_connect": 2.0, "time_simulate": 3.0}
    assert bench.example_kernel_s(ex) == pytest.approx(6.0)


def _runs(n_runs, n_senders=50, n_times=40, dt=0.1, seed=0):
    """Rows as NEST hands them over: several runs, each in (time, sender) order, senders interleaved."""
    rng = np.random.default_rng(seed)
    times, senders = [], []
    for r in range(n_runs):
        ids = np.arange(r % 3 + 1, n_senders * 3, 3)
        steps = np.sort(rng.choice(2000, n_times, replace=False))
        t = steps * dt
        times.append(np.repeat(t, len(ids)))
        senders.append(np.tile(ids, len(t)))
    return np.concatenate(times), np.concatenate(senders)


@pytest.mark.parametrize("n_runs", [1, 2, 7])
def test_sort_order_matches_lexsort(n_runs):
    time, sender = _runs(n_runs)
    order = sort_order(time, sender, 0.1)
    expected = np.lexsort((sender, time))
    if order is None:
        assert np.array_equal(expected, np.arange(len(time)))
    else:
        assert np.array_equal(time[order], time[expected]) and np.array_equal(sender[order], sender[expected])
    ordered = expected if order is None else order
    assert is_sorted(time[ordered], sender[ordered])
    assert sort_order(time[ordered], sender[ordered], 0.1) is None


def test_sort_order_off_grid_falls_back():
    rng = np.random.default_rng(3)
    time = rng.uniform(0, 10, 1000)  # not on any grid: rounding to dt would merge distinct times
    sender = rng.integers(1, 20, 1000)
    order = sort_order(time, sender, 0.5)
    assert np.array_equal(order, np.lexsort((sender, time)))


def test_is_sorted_needs_sender_order_within_equal_times():
    assert is_sorted(np.array([1.0, 1.0, 2.0]), np.array([1, 2, 1]))
    assert not is_sorted(np.array([1.0, 1.0, 2.0]), np.array([2, 1, 1]))
    assert not is_sorted(np.array([2.0, 1.0]), np.array([1, 2]))
    assert is_sorted(np.array([]), np.array([]))


def test_first_difference_of_two_runs_spikes(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tuned_build import first_difference_ms

    def run(name, times, senders):
        (tmp_path / name).mkdir()
        pq.write_table(pa.table({"sender": senders, "time": times}), tmp_path / name / "spikes.parquet")
        return tmp_path / name

    a = run("a", [1.0, 2.5, 3.0, 7.0], [4, 2, 9, 1])
    assert first_difference_ms(a, run("same", [1.0, 2.5, 3.0, 7.0], [4, 2, 9, 1])) is None
    assert first_difference_ms(a, run("other_sender", [1.0, 2.5, 3.0, 7.0], [4, 3, 9, 1])) == 2.5
    assert first_difference_ms(a, run("earlier", [1.0, 2.5, 2.9, 7.0], [4, 2, 9, 1])) == 2.9
    assert first_difference_ms(a, run("one_more", [1.0, 2.5, 3.0, 7.0, 8.0], [4, 2, 9, 1, 5])) == 8.0
