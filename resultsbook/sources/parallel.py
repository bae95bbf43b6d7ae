"""Read sources in worker processes while the main process writes: parsing is most of a cold
collect, and a second core halves it. Small collects stay in one process (forking costs more)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

MIN_ITEMS = 256  # below this, starting workers costs more than it saves
_WORK: tuple[Callable[[Any], Any], Sequence[Any]] | None = None  # inherited by forked workers


def map_in_order(function: Callable[[Item], Result], items: Sequence[Item]) -> Iterator[Result]:
    """Yield function(item) for every item, in order, computed by worker processes when worth it.

    Workers are forked, so `function` and `items` are inherited, never pickled; only indexes go to
    them and results come back. Where fork is unavailable (Windows, macOS spawn), or with one core,
    everything runs here."""
    cores = os.cpu_count() or 1
    # the main process writes while they read, with about half their work: on 2 cores two readers
    # keep both cores busy; with more, it keeps one of its own
    workers = cores if cores <= 2 else min(cores - 1, 4)
    if len(items) < MIN_ITEMS or cores < 2 or sys.platform == "win32" or not hasattr(os, "fork"):
        yield from (function(item) for item in items)
        return
    import multiprocessing

    global _WORK
    _WORK = (function, items)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=_ignore_interrupts) as pool:
            yield from pool.imap(_run, range(len(items)), chunksize=16)
    finally:
        _WORK = None


def _run(index: int) -> Any:
    assert _WORK is not None
    function, items = _WORK
    return function(items[index])


def _ignore_interrupts() -> None:
    """Leave Ctrl-C to the main process: it rolls the transaction back and reports once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def map_in_threads(
    function: Callable[[Item], Result], items: Sequence[Item], threads: int
) -> Iterator[Result]:
    """Yield function(item) for every item, in order, `threads` at a time: for work that waits on
    the network. At most twice as many results as threads are held ahead of the consumer."""
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    pool = ThreadPoolExecutor(max(1, threads))
    window: deque[Future[Result]] = deque()
    upcoming = iter(items)
    try:
        for item in upcoming:
            window.append(pool.submit(function, item))
            if len(window) >= 2 * threads:
                break
        while window:
            result = window.popleft().result()
            following = next(upcoming, _DONE)
            if following is not _DONE:
                window.append(pool.submit(function, following))  # type: ignore[arg-type]
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_DONE = object()
