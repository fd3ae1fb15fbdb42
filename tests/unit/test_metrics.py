"""Streaming metrics: latency histogram accuracy and time-bin integrals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from costsim.engine.metrics import GAMMA, LatencyHistogram, TimeBins, latency_bucket


def test_histogram_quantiles_are_within_one_percent() -> None:
    """Quantiles from the log buckets are within 1 % of the exact order statistics."""
    gen = np.random.default_rng(7)
    lat = np.exp(gen.normal(math.log(0.05), 1.2, 20_000))
    h = LatencyHistogram()
    h.add_many(lat)
    exact = np.sort(lat)
    for q in (0.5, 0.9, 0.95, 0.99, 0.999):
        want = exact[max(1, math.ceil(q * len(lat))) - 1]
        assert abs(h.quantile_s(q) / want - 1) <= 0.01, q
    assert h.mean_s() == pytest.approx(lat.mean(), rel=1e-12)
    assert math.sqrt(GAMMA) - 1 < 0.01


def test_add_and_add_many_agree() -> None:
    """Adding one at a time fills the same buckets as adding an array."""
    gen = np.random.default_rng(3)
    lat = np.concatenate([[0.0, 1e-7, 1e-6, 1.0, 2e6], gen.exponential(0.3, 1000)])
    one, many = LatencyHistogram(), LatencyHistogram()
    for x in lat:
        one.add(float(x))
    many.add_many(lat)
    assert np.array_equal(one.counts, many.counts)
    assert one.total_s == pytest.approx(many.total_s)
    assert latency_bucket(0.0) == 0


def test_empty_histogram_reports_zero() -> None:
    """No latencies: count, mean and quantiles are 0, not NaN."""
    h = LatencyHistogram()
    assert (h.count, h.mean_s(), h.quantile_s(0.99)) == (0, 0.0, 0.0)


def test_time_bins_split_intervals_exactly() -> None:
    """An interval's weighted overlap is split across bins and cut at the horizon."""
    bins = TimeBins(100.0, 10)
    bins.add_interval(bins.busy_s, 5.0, 35.0, 0.5)
    assert bins.busy_s[:4].tolist() == [2.5, 5.0, 5.0, 2.5]
    bins.add_interval(bins.alive_s, 90.0, 150.0, 1.0)
    assert bins.alive_s.sum() == 10.0
    assert bins.index(100.0) == 9
    assert bins.index(1e9) == 9


def test_latency_bucket_is_a_search_of_the_edges_in_python_and_compiled() -> None:
    """The bit-table lookup gives the bucket a binary search of EDGES_S gives, at and next to
    every edge, in Python and in compiled code, and the log formula's bucket elsewhere."""
    import math

    from costsim.engine.fast_common import latency_bucket as compiled
    from costsim.engine.metrics import EDGES_S, MIN_LATENCY_S, N_BUCKETS

    rng = np.random.default_rng(4)
    x = np.concatenate(
        [
            np.exp(rng.uniform(math.log(1e-8), math.log(1e7), 20_000)),
            EDGES_S,
            np.nextafter(EDGES_S, 0.0),
            np.nextafter(EDGES_S, np.inf),
            [-1.0, 0.0, MIN_LATENCY_S, np.inf],
        ]
    )
    expected = np.where(
        x <= MIN_LATENCY_S, 0, np.minimum(np.searchsorted(EDGES_S, x, side="right"), N_BUCKETS - 1)
    )
    assert [latency_bucket(v) for v in x] == expected.tolist()
    assert [compiled(v) for v in x] == expected.tolist()
    by_log = [
        min(int(math.log(v / MIN_LATENCY_S) / math.log(GAMMA)) + 1, N_BUCKETS - 1)
        for v in x[:20_000]
        if v > MIN_LATENCY_S
    ]
    assert by_log == [latency_bucket(v) for v in x[:20_000] if v > MIN_LATENCY_S]
