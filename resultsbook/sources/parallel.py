"""Read sources in worker processes while the main process writes: parsing is most of a cold
collect, and a second core halves it. Small collects stay in one process (forking costs more)."""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import selectors
import signal
import struct
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from resultsbook.errors import ResultsbookError
from resultsbook.sources.forked import read_exactly, stop, write_all
from resultsbook.sources.gcpause import cycle_collector_paused

Item = TypeVar("Item")
Result = TypeVar("Result")

MIN_ITEMS = 256  # below this, starting workers costs more than it saves
CHUNK = 32  # items a worker reads before sending their results (one message), at least
_MAX_CHUNKS = 2048  # chunk numbers written up front: 8 KiB, which any pipe holds
READER_NICENESS = 5  # how much less of a contended core a reader gets than the main process
_PIPE_BYTES = 1 << 20  # room in each result pipe, so that a worker reads on while the main process writes
_TASK = struct.Struct("<I")
_HEADER = struct.Struct("<IQ")  # chunk number, message size


_LOST = (
    "a reader process ended before sending its results (killed, or out of memory?); "
    "what was stored before is whole: run the command again to read the rest"
)


class ReaderLost(ResultsbookError):
    """A reader process ended without sending its results: killed, or out of memory."""

    kind = "io"


def map_in_order(function: Callable[[Item], Result], items: Sequence[Item]) -> Iterator[Result]:
    """Yield function(item) for every item, in order, computed by worker processes when worth it.

    Workers are forked, so `function` and `items` are inherited, never pickled. The chunk numbers
    wait in one pipe; each worker takes the next, computes the chunk and sends its results through
    its own pipe as one message, which the main process reads when it needs them (no task queue, no
    result thread: they cost the main process, which has the writing to do, more than the reading it
    hands over). Where fork is unavailable (Windows, macOS spawn), or with one core, everything runs
    here."""
    cores = os.cpu_count() or 1
    # the main process writes while they read, with about half their work: on 2 cores two readers
    # keep both cores busy; with more, it keeps one of its own
    workers = cores if cores <= 2 else min(cores - 1, 4)
    if len(items) < MIN_ITEMS or cores < 2 or sys.platform == "win32" or not hasattr(os, "fork"):
        yield from (function(item) for item in items)
        return
    size = max(CHUNK, -(-len(items) // _MAX_CHUNKS))
    count = -(-len(items) // size)
    tasks, task_writer = os.pipe()
    os.write(task_writer, b"".join(_TASK.pack(number) for number in range(count)))
    os.close(task_writer)  # a worker that finds the pipe empty is done
    children: dict[int, int] = {}  # result pipe -> worker process
    finished = False
    try:
        for _ in range(workers):
            read, write = os.pipe()
            _widen(write)
            try:
                pid = os.fork()
            except OSError:  # no process to spare (a limit on processes, or memory): read here
                os.close(read)
                os.close(write)
                break
            if pid == 0:  # the worker: compute chunks, send them, exit without cleaning up
                os.close(read)
                for other in children:
                    os.close(other)
                _serve(function, items, size, tasks, write)
            os.close(write)
            children[read] = pid
        if len(children) < workers:
            stop(children)
            children = {}
            yield from (function(item) for item in items)
            return
        yield from _in_order(children, count)
        finished = True
    finally:
        os.close(tasks)
        if not finished:  # interrupted, or the caller stopped early: the readers are not needed
            stop(children)
        for pipe, pid in children.items():
            os.close(pipe)
            os.waitpid(pid, 0)


def _in_order(children: dict[int, int], count: int) -> Iterator[Any]:
    """Yield the results of chunks 0 … count-1 in order, from whichever worker computed each; raise
    what a worker raised where its chunk comes."""
    arrived: dict[int, tuple[bool, Any]] = {}
    with selectors.DefaultSelector() as selector:
        for pipe in children:
            selector.register(pipe, selectors.EVENT_READ)
        for wanted in range(count):
            while wanted not in arrived:
                if not selector.get_map():  # every worker has ended, and chunk `wanted` never came
                    raise ReaderLost(_LOST)
                for key, _ in selector.select():
                    message = _receive(key.fd)
                    if message is not None:
                        arrived[message[0]] = message[1:]
                        continue
                    selector.unregister(key.fd)  # it has ended: all chunks taken, or it was killed
                    os.close(key.fd)
                    _, status = os.waitpid(children.pop(key.fd), 0)
                    if os.waitstatus_to_exitcode(status) != 0:
                        raise ReaderLost(_LOST)
            ok, results = arrived.pop(wanted)
            if not ok:
                raise results
            yield from results


def _serve(function: Callable[[Item], Result], items: Sequence[Item], size: int, tasks: int, fd: int) -> None:
    """Take chunk numbers from `tasks` until it is empty, send each chunk's results (or the exception
    that stopped it) through `fd`, and end the process."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's: it rolls back
        # with every core busy, the main process (the one SQLite writer, the order of results) is
        # what a collect waits on: it gets the core first, and the readers take what it leaves
        with contextlib.suppress(OSError):  # a policy may forbid it: then at the same priority
            os.nice(READER_NICENESS)
        gc.freeze()  # what it inherited is not garbage: collections skip it (and leave its pages shared)
        while True:
            task = os.read(tasks, _TASK.size)  # a read this small takes a whole number, or nothing
            if len(task) < _TASK.size:
                break
            (number,) = _TASK.unpack(task)
            failed = False
            try:
                results = [function(item) for item in items[number * size : (number + 1) * size]]
                message = pickle.dumps((True, results), pickle.HIGHEST_PROTOCOL)
            except Exception as error:
                failed = True
                message = _failure(error)
            write_all(fd, _HEADER.pack(number, len(message)) + message)
            if failed:  # the main process raises it: nothing after it is read
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


def _receive(pipe: int) -> tuple[int, bool, Any] | None:
    """Return (chunk number, True, results) or (chunk number, False, the exception that stopped it)
    of the next message in a worker's pipe, None once the pipe has ended."""
    header = read_exactly(pipe, _HEADER.size)
    if header is None:
        return None
    number, size = _HEADER.unpack(header)
    body = read_exactly(pipe, size)
    if body is None:
        return None  # it died while sending: its chunk never comes
    with cycle_collector_paused():  # unpickling makes thousands of objects, none in a cycle
        ok, payload = pickle.loads(body)
    return number, ok, payload


def _widen(fd: int) -> None:
    """Give a pipe more room than Linux's 64 KiB, where the system allows it."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass


class Stalled(Exception):
    """No call of `map_in_threads` returned before its `stalled` test said to stop waiting."""


def map_in_threads(
    function: Callable[[Item], Result],
    items: Sequence[Item],
    threads: int,
    stalled: Callable[[], bool] | None = None,
) -> Iterator[Result]:
    """Yield function(item) for every item, in order, `threads` at a time: for work that waits on
    the network. At most twice as many results as threads are held ahead of the consumer.

    With `stalled`, raise Stalled when it says so while a result is awaited: the calls still waiting
    are left to end on their own, in daemon threads, which never hold the process at its exit."""
    import queue
    import threading
    from collections import deque
    from concurrent.futures import Future

    tasks: queue.SimpleQueue[tuple[Future[Result], Item] | None] = queue.SimpleQueue()

    def work() -> None:
        while (task := tasks.get()) is not None:
            future, item = task
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(function(item))
                except BaseException as error:
                    future.set_exception(error)

    workers = [threading.Thread(target=work, daemon=True) for _ in range(max(1, threads))]
    for worker in workers:
        worker.start()
    window: deque[Future[Result]] = deque()
    upcoming = iter(items)

    def submit(item: Item) -> None:
        future: Future[Result] = Future()
        window.append(future)
        tasks.put((future, item))

    try:
        for item in upcoming:
            submit(item)
            if len(window) >= 2 * threads:
                break
        while window:
            head = window.popleft()
            while stalled is not None and not _done_within(head, 1.0):
                if stalled():
                    raise Stalled()
            result = head.result()
            following = next(upcoming, _DONE)
            if following is not _DONE:
                submit(following)  # type: ignore[arg-type]
            yield result
    finally:
        for future in window:
            future.cancel()
        for _ in workers:
            tasks.put(None)


def _done_within(future: Any, seconds: float) -> bool:
    """Wait up to `seconds` for a future; tell whether it is done."""
    from concurrent.futures import wait

    return bool(wait([future], timeout=seconds).done)


_DONE = object()
