"""The worker processes a big collect reads in: results in order, failures raised, none left behind."""

from __future__ import annotations

import os
import pickle
import sys

import numpy as np
import pytest

from resultsbook.models import Series
from resultsbook.sources.parallel import CHUNK, MIN_ITEMS, READER_NICENESS, ReaderLost, map_in_order

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
    reason="reader processes are forked on Linux with 2 cores or more",
)
BAD = MIN_ITEMS + 3 * CHUNK + 5  # in the middle of a chunk, past the first ones


def children() -> set[int]:
    """Return the processes whose parent is this one (zombies, not yet waited for, included)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid():
                found.add(int(entry))
    return found


def fails_at_bad(value: int) -> int:
    if value == BAD:
        raise ValueError(f"item {value} is bad")
    return value * 2


def dies_at_bad(value: int) -> int:
    if value == BAD:
        os._exit(3)
    return value * 2


def test_results_come_back_in_the_order_of_the_items_whatever_process_read_them():
    items = list(range(MIN_ITEMS * 3 + 7))  # not a whole number of chunks
    results = list(map_in_order(lambda value: (value, os.getpid()), items))
    assert [value for value, _ in results] == items
    assert os.getpid() not in {pid for _, pid in results}


def test_reader_processes_yield_a_busy_core_to_the_collector_that_writes():
    here = os.getpriority(os.PRIO_PROCESS, 0)
    items = list(range(MIN_ITEMS * 2))
    priorities = {
        priority for _, priority in map_in_order(lambda v: (v, os.getpriority(os.PRIO_PROCESS, 0)), items)
    }
    assert priorities == {min(here + READER_NICENESS, 19)}
    assert os.getpriority(os.PRIO_PROCESS, 0) == here  # the collector itself keeps its priority


def test_an_error_in_a_reader_process_is_raised_in_the_collector_after_the_results_before_it():
    before = children()
    received = []
    with pytest.raises(ValueError, match=f"item {BAD} is bad"):
        for result in map_in_order(fails_at_bad, list(range(MIN_ITEMS * 2))):
            received.append(result)
    assert received == [value * 2 for value in range(BAD - BAD % CHUNK)]
    assert children() == before


def test_a_reader_process_that_dies_is_reported_in_one_line_not_waited_for():
    before = children()
    with pytest.raises(ReaderLost, match="a reader process ended"):
        list(map_in_order(dies_at_bad, list(range(MIN_ITEMS * 2))))
    assert children() == before


def test_stopping_early_leaves_no_reader_process_behind():
    before = children()
    results = map_in_order(abs, list(range(MIN_ITEMS * 4)))
    assert [next(results) for _ in range(5)] == [0, 1, 2, 3, 4]
    assert len(children() - before) >= 2  # the readers are running
    results.close()
    assert children() == before


def test_without_a_process_to_spare_the_items_are_read_here(monkeypatch):
    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    items = list(range(MIN_ITEMS * 2))
    assert list(map_in_order(lambda value: (value, os.getpid()), items)) == [(i, os.getpid()) for i in items]


@pytest.mark.parametrize(
    "steps, values, times",
    [
        (np.arange(0, 500, 5, dtype=np.int64), np.linspace(0, 1, 100), np.linspace(1.7e9, 1.7e9 + 99, 100)),
        (np.array([0.5, 1.5, 2.5]), np.array([np.nan, np.inf, -1.0]), None),
        (np.arange(7, dtype=np.int32), np.arange(7, dtype=np.float32), np.arange(7, dtype=np.float64)),
        (np.array([], dtype=np.int64), np.array([], dtype=np.float64), None),
        (np.arange(10, dtype=np.uint16), np.ones(10)[::2].repeat(2), None),  # a strided source array
    ],
)
def test_a_series_comes_back_from_a_reader_process_exactly_as_read(steps, values, times):
    series = Series(steps, values, times)
    back = pickle.loads(pickle.dumps(series, pickle.HIGHEST_PROTOCOL))
    arrays = (back.steps, back.values, back.times)
    for sent, received in zip((steps, values, times), arrays):
        if sent is None:
            assert received is None
            continue
        assert received.dtype == sent.dtype and received.tobytes() == sent.tobytes()
        assert received.flags.writeable and received.flags.aligned
    back.values[:] = 0  # the arrays are its own: the next series is untouched
    assert pickle.loads(pickle.dumps(series)).values.tobytes() == values.tobytes()


def test_a_malformed_series_still_reaches_the_check_that_reports_it():
    series = Series([0, 1], "not an array")  # type: ignore[arg-type]
    back = pickle.loads(pickle.dumps(series, pickle.HIGHEST_PROTOCOL))
    assert (back.steps, back.values, back.times) == ([0, 1], "not an array", None)
