"""Read sources in worker processes while the main process writes: parsing is most of a cold
collect, and a second core halves it. Small collects stay in one process (forking costs more)."""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO, TypeVar

from resultsbook.errors import ResultsbookError

Item = TypeVar("Item")
Result = TypeVar("Result")

MIN_ITEMS = 256  # below this, starting workers costs more than it saves
CHUNK = 32  # items a worker reads before sending their results (one message)
_PIPE_BYTES = 1 << 20  # room in each pipe, so that a worker reads on while the main process writes
_HEADER = struct.Struct("<Q")


def map_in_order(function: Callable[[Item], Result], items: Sequence[Item]) -> Iterator[Result]:
    """Yield function(item) for every item, in order, computed by worker processes when worth it.

    Workers are forked, so `function` and `items` are inherited, never pickled: worker k computes
    chunks k, k + workers, ... and sends each chunk's results through its own pipe as one message,
    which the main process reads in turn (no task queue, no result thread: those cost the main
    process, which has the writing to do, more than the reading it hands over). Where fork is
    unavailable (Windows, macOS spawn), or with one core, everything runs here."""
    cores = os.cpu_count() or 1
    # the main process writes while they read, with about half their work: on 2 cores two readers
    # keep both cores busy; with more, it keeps one of its own
    workers = cores if cores <= 2 else min(cores - 1, 4)
    if len(items) < MIN_ITEMS or cores < 2 or sys.platform == "win32" or not hasattr(os, "fork"):
        yield from (function(item) for item in items)
        return
    children: list[tuple[int, BinaryIO]] = []
    finished = False
    try:
        for worker in range(workers):
            read, write = os.pipe()
            _widen(write)
            try:
                pid = os.fork()
            except OSError:  # no process to spare (a limit on processes, or memory): read here
                os.close(read)
                os.close(write)
                break
            if pid == 0:  # the worker: compute its chunks, send them, exit without cleaning up
                os.close(read)
                for _, other in children:
                    other.close()
                _serve(function, items, worker, workers, write)
            os.close(write)
            children.append((pid, os.fdopen(read, "rb")))
        if len(children) < workers:
            _stop(children)
            children = []
            yield from (function(item) for item in items)
            return
        for index in range(0, (len(items) + CHUNK - 1) // CHUNK):
            yield from _receive(children[index % workers][1])
        finished = True
    finally:
        if not finished:  # interrupted, or the caller stopped early: the readers are not needed
            _stop(children)
        else:
            for pid, pipe in children:
                pipe.close()
                os.waitpid(pid, 0)


def _serve(
    function: Callable[[Item], Result], items: Sequence[Item], worker: int, workers: int, fd: int
) -> None:
    """Compute every `workers`-th chunk of items from the `worker`-th, send each chunk's results (or
    the exception that stopped it) through `fd`, and end the process."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's: it rolls back
        with os.fdopen(fd, "wb") as pipe:
            for start in range(worker * CHUNK, len(items), workers * CHUNK):
                failed = None
                try:
                    message = pickle.dumps(
                        (True, [function(item) for item in items[start : start + CHUNK]]),
                        pickle.HIGHEST_PROTOCOL,
                    )
                except Exception as error:
                    failed = error
                    message = _failure(error)
                pipe.write(_HEADER.pack(len(message)))
                pipe.write(message)
                pipe.flush()
                if failed is not None:  # the main process raises it: nothing after it is read
                    break
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _failure(error: Exception) -> bytes:
    """Return the message of a chunk that raised: the exception itself when it pickles."""
    try:
        return pickle.dumps((False, error), pickle.HIGHEST_PROTOCOL)
    except Exception:
        return pickle.dumps((False, RuntimeError(f"{type(error).__name__}: {error}")))


class ReaderLost(ResultsbookError):
    """A reader process ended without sending its results: killed, or out of memory."""

    kind = "io"


def _receive(pipe: BinaryIO) -> list[Any]:
    """Return the results of the next chunk a worker sent; raise what it raised, or say it died."""
    header = pipe.read(_HEADER.size)
    size = _HEADER.unpack(header)[0] if len(header) == _HEADER.size else -1
    body = pipe.read(size) if size >= 0 else b""
    if size < 0 or len(body) < size:
        raise ReaderLost(
            "a reader process ended before sending its results (killed, or out of memory?); "
            "what was stored before is whole: run the command again to read the rest"
        )
    ok, payload = pickle.loads(body)
    if not ok:
        raise payload
    return payload


def _widen(fd: int) -> None:
    """Give a pipe more room than Linux's 64 KiB, where the system allows it."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass


def _stop(children: Sequence[tuple[int, BinaryIO]]) -> None:
    """End reader processes whose results are not wanted, and wait for them."""
    for pid, pipe in children:
        with contextlib.suppress(ProcessLookupError):  # it had ended already
            os.kill(pid, signal.SIGKILL)
        pipe.close()
        os.waitpid(pid, 0)


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
