"""Compute a cheap function over many items in parts at once, in forked processes: the stat of each
folder and file an unchanged re-collect checks (tens of thousands of system calls) takes one core per
part. Kept light (no pickle, no selectors): it is on the path of a re-collect that reads nothing."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from collections.abc import Callable
from typing import NoReturn

MIN_ITEMS = 4096  # below this, a fork costs more than the part it takes over (a stat is ~2 µs)
_MAX_PARTS = 4
_READ_BYTES = 1 << 20


def flags_in_parts(function: Callable[[range], bytes], count: int) -> bytes:
    """Return function(range(count)), one byte per item, computed in parts: this process computes
    the first while forked workers compute the others (they inherit everything; only the bytes come
    back). A part whose worker fails or cannot start is computed here. In one process where fork is
    unavailable, with one core, other threads running, or fewer than MIN_ITEMS items."""
    parts = _parts(count)
    bounds = [count * part // parts for part in range(parts + 1)]
    workers: dict[int, tuple[int, int]] = {}  # part -> (its pipe, its process)
    try:
        for part in range(1, parts):
            read, write = os.pipe()
            try:
                pid = os.fork()
            except OSError:  # no process to spare: the parts left are computed here
                os.close(read)
                os.close(write)
                break
            if pid == 0:
                os.close(read)
                _compute_and_exit(function, range(bounds[part], bounds[part + 1]), write)
            os.close(write)
            workers[part] = (read, pid)
        flags = [function(range(bounds[0], bounds[1]))]
        for part in range(1, parts):
            span = range(bounds[part], bounds[part + 1])
            sent = _collected(workers, part, len(span)) if part in workers else None
            flags.append(function(span) if sent is None else sent)
        return b"".join(flags)
    finally:  # interrupted: the workers' parts are not wanted
        stop(dict(workers.values()))


def _parts(count: int) -> int:
    """Return how many parts to compute `count` items in at once."""
    threading = sys.modules.get("threading")  # fork copies one thread: another may hold a lock
    if count < MIN_ITEMS or not hasattr(os, "fork") or sys.platform in ("win32", "darwin"):
        return 1
    if threading is not None and threading.active_count() > 1:
        return 1
    return min(os.cpu_count() or 1, _MAX_PARTS)


def _compute_and_exit(function: Callable[[range], bytes], part: range, fd: int) -> NoReturn:
    """In a worker: send function(part) through `fd` and end the process without cleaning up."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
        gc.freeze()  # what it inherited is not garbage: collections skip it (and leave its pages shared)
        write_all(fd, function(part))
        status = 0
    finally:
        os._exit(status)


def _collected(workers: dict[int, tuple[int, int]], part: int, size: int) -> bytes | None:
    """Return the `size` bytes a part's worker sent once it ended well, or None; forget the worker."""
    pipe, pid = workers[part]
    sent = read_exactly(pipe, size)
    _, status = os.waitpid(pid, 0)
    del workers[part]
    os.close(pipe)
    return sent if os.waitstatus_to_exitcode(status) == 0 else None


def read_exactly(pipe: int, size: int) -> bytes | None:
    """Read `size` bytes from a pipe (waiting for them), or None when it ends first."""
    parts = []
    while size:
        part = os.read(pipe, min(size, _READ_BYTES))
        if not part:
            return None
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def write_all(fd: int, data: bytes) -> None:
    """Write all of `data` to a pipe."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def stop(children: dict[int, int]) -> None:
    """End worker processes (pipe -> process) whose results are not wanted, and wait for them."""
    for pipe, pid in children.items():
        with contextlib.suppress(ProcessLookupError):  # it had ended already
            os.kill(pid, signal.SIGKILL)
        os.close(pipe)
        with contextlib.suppress(ChildProcessError):  # waited for already
            os.waitpid(pid, 0)
    children.clear()
