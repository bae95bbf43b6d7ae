"""A metric of every run decoded at once gives each run exactly the series it logged."""

from __future__ import annotations

import numpy as np
import pytest

from resultsbook.query.matrices import MetricSeries
from resultsbook.store.codec import encode_floats, encode_steps


@pytest.mark.parametrize("count", [0, 3, 1000, 5000])  # the number of runs as the store says, or a wrong one
def test_runs_with_different_steps_and_encodings_each_get_their_own_series(count):
    rng = np.random.default_rng(0)
    logged = {}
    rows = []
    for run in range(1000):
        length = (5, 5, 3, 0, 1)[run % 5]
        steps = np.arange(length, dtype=np.int64) * 10 + (run % 2)  # four step layouts and an empty one
        values = rng.choice([0.5, np.nan, np.inf, -0.0, 1e-300], size=length)
        blob = encode_floats(values)
        if run % 7 == 0:  # an older store's integer values
            values = np.arange(length, dtype=np.float64)
            blob = b"q" + np.arange(length, dtype="<i8").tobytes()
        logged[run] = (steps, values)
        rows.append((run, encode_steps(steps), blob))
    series = MetricSeries.from_blobs(rows, count)
    for run, (steps, values) in logged.items():
        found = series.curve(run)
        assert found is not None
        np.testing.assert_array_equal(found[0], steps)
        assert found[1].dtype == np.float64
        assert found[1].tobytes() == values.astype(np.float64).tobytes()
    assert series.curve(5000) is None
    rows_of, points = series.index().find(np.array([3, 4, 9999]))
    assert points.tolist() == [0, 1, 0] and rows_of[2] == -1


def test_runs_read_many_at_a_time_keep_their_order_their_odd_encodings_and_their_own_steps():
    rng = np.random.default_rng(1)
    steps = np.arange(100, dtype=np.int64) * 10
    logged, rows = {}, []
    for run in range(10_000):  # chunks of runs sharing one layout, an older store's blob among them
        values = rng.normal(size=100)
        blob = encode_floats(values)
        if run in (4100, 9999):
            values = np.arange(100, dtype=np.float64)
            blob = b"q" + np.arange(100, dtype="<i8").tobytes()
        run_steps = steps if run != 8500 else steps + 1  # one run of a chunk logged other steps
        logged[run] = (run_steps, values)
        rows.append((run, encode_steps(run_steps), blob))
    series = MetricSeries.from_blobs(rows, 16)
    for run in (0, 4095, 4096, 4100, 8191, 8500, 9999):
        found = series.curve(run)
        assert found is not None
        np.testing.assert_array_equal(found[0], logged[run][0])
        assert found[1].tobytes() == logged[run][1].tobytes()
    assert sorted(len(block.runs) for block in series.blocks) == [1, 9999]
