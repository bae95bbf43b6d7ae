"""Many cheap checks (a re-collect's stats) computed in parts at once by forked workers: the same
bytes in the same order as in one process, a failed worker's part computed here, none left behind."""

from __future__ import annotations

import os
import sys
import threading

import pytest
from test_reader_processes import children

from resultsbook.sources import forked
from resultsbook.sources.forked import flags_in_parts

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
    reason="parts are forked on Linux with 2 cores or more",
)
PARENT = os.getpid()


@pytest.fixture(autouse=True)
def few_items_enough(monkeypatch):
    monkeypatch.setattr(forked, "MIN_ITEMS", 8)


def numbered(span: range) -> bytes:
    return bytes(index % 251 for index in span)


def where(span: range) -> bytes:
    """A byte per item: 1 when a worker computed it, 0 when this process did."""
    return bytes([os.getpid() != PARENT]) * len(span)


def test_parts_come_back_whole_and_in_order():
    before = children()  # a server other tests started may be one
    assert flags_in_parts(numbered, 1000) == numbered(range(1000))
    assert flags_in_parts(numbered, 9) == numbered(range(9))
    assert children() == before


def test_workers_compute_every_part_but_the_first():
    computed = flags_in_parts(where, 1000)
    parts = min(os.cpu_count() or 1, 4)
    assert computed == bytes(1000 // parts) + b"\1" * (1000 - 1000 // parts)


@pytest.mark.parametrize("how", ["exits", "raises"])
def test_a_failed_workers_part_is_computed_here(how):
    def fails_in_a_worker(span: range) -> bytes:
        if os.getpid() != PARENT:
            if how == "exits":
                os._exit(9)
            raise MemoryError
        return numbered(span)

    before = children()
    assert flags_in_parts(fails_in_a_worker, 1000) == numbered(range(1000))
    assert children() == before


def test_few_items_or_another_thread_stay_in_one_process():
    assert flags_in_parts(where, 7) == bytes(7)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert flags_in_parts(where, 1000) == bytes(1000)  # a fork would copy a lock it may hold
    finally:
        stop.set()
        other.join()
