"""Open log files without trusting them: only regular files are read (a FIFO, device or socket is
never opened, so nothing blocks or reads forever), and a file read whole is read only up to a cap.

A path is checked with stat before it is opened, so a FIFO is never opened (opening one would wake
a writer waiting on it); it is opened non-blocking and checked again on the open descriptor, so a
file swapped for a FIFO or a device between the two is refused too, without waiting.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from typing import Any

from resultsbook.models import Problem
from resultsbook.sources import fs
from resultsbook.sources.limits import Limit, format_size

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_SMALL = 1 << 16  # a short read of a regular file below this is its end
CHUNK = 4 << 20  # streamed logs are read this much at a time


class UnreadableFile(OSError):
    """A file collect refuses to read; `reason` says why in a user's words."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.filename = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.filename}: {self.reason}"


class NotRegularFile(UnreadableFile):
    """The path is a FIFO, a device, a socket or a folder, not a file that can be read to its end."""


class FileTooLarge(UnreadableFile):
    """A file read whole is larger than its cap."""

    def __init__(self, path: str, size: int, limit: Limit) -> None:
        hint = limit.raise_hint(size)
        super().__init__(
            path,
            f"is {format_size(size)}, over the {format_size(limit.bytes())} limit for {limit.what} "
            f"(to read it, raise the limit: {hint})",
        )
        self.size = size


def describe_kind(mode: int) -> str:
    """Name what a non-regular file is, in a user's words."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def _refuse_unless_regular(path: str, mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise NotRegularFile(path, f"is {describe_kind(mode)}, not a regular file; it was not read")


def open_regular(path: str) -> int:
    """Return a read-only descriptor of a regular file; raise NotRegularFile for anything else."""
    _refuse_unless_regular(path, os.stat(path).st_mode)
    fd = os.open(path, _FLAGS)
    try:
        _refuse_unless_regular(path, os.fstat(fd).st_mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_file_bytes(path: str, limit: Limit | None = None) -> bytes:
    """Return a regular file's bytes, refusing one larger than `limit` before reading it.

    Trackers keep one value per tiny file: a small file costs one read call.
    """
    if fs.is_remote(path):
        return _read_remote_bytes(path, limit)
    _refuse_unless_regular(path, os.stat(path).st_mode)
    return read_listed_file(path, None if limit is None else limit.bytes(), limit)


def read_listed_file(path: str, cap: int | None, limit: Limit | None) -> bytes:
    """Return the bytes of a local file that its folder's listing names a regular file (os.scandir's
    `entry.is_file(follow_symlinks=False)`, so no stat is needed to keep a FIFO unopened), refusing
    one over `cap` bytes (`limit`'s, looked up once by the caller): one open, one fstat, one read.

    The open descriptor is checked again, so a file swapped for a FIFO or a device is refused too.
    """
    fd = os.open(path, _FLAGS)
    try:
        info = os.fstat(fd)
        _refuse_unless_regular(path, info.st_mode)
        if cap is not None and info.st_size > cap:
            raise FileTooLarge(path, info.st_size, limit)  # type: ignore[arg-type]
        # a byte more than its size: a read that falls short of it has reached the end
        wanted = min(info.st_size + 1, _SMALL)
        data = os.read(fd, wanted)
        if len(data) < wanted:
            return data
        chunks = [data]
        total = len(data)
        while chunk := os.read(fd, CHUNK):
            chunks.append(chunk)
            total += len(chunk)
            if cap is not None and total > cap:  # it grew while being read
                raise FileTooLarge(path, total, limit)  # type: ignore[arg-type]
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_small_file(path: str, cap: int) -> bytes | None:
    """Return a local regular file's bytes when it holds at most `cap` of them, else None (a larger
    file is not read: its caller streams it). Raises OSError as `open_regular` does."""
    fd = open_regular(path)
    try:
        size = os.fstat(fd).st_size
        if size > cap:
            return None
        data = os.read(fd, size + 1)  # a byte more than its size: a read short of it reached the end
        if len(data) <= size:
            return data
        while len(data) <= cap and (chunk := os.read(fd, cap + 1 - len(data))):  # it grew meanwhile
            data += chunk
        return data if len(data) <= cap else None
    finally:
        os.close(fd)


def read_file_end(path: str, size: int) -> bytes:
    """Return the last `size` bytes of a regular file (or object), all of a smaller one; raise
    OSError as `open_regular` does (a FIFO is never opened)."""
    if fs.is_remote(path):
        with fs.open_binary(path) as handle:
            handle.seek(max(0, fs.stat(path).st_size - size))
            return bytes(handle.read(size))
    fd = open_regular(path)
    try:
        os.lseek(fd, max(0, os.fstat(fd).st_size - size), os.SEEK_SET)
        return os.read(fd, size)
    finally:
        os.close(fd)


def _read_remote_bytes(path: str, limit: Limit | None) -> bytes:
    """Return an object's bytes (objects are always regular), refusing one larger than `limit`."""
    if limit is not None and (size := fs.stat(path).st_size) > limit.bytes():
        raise FileTooLarge(path, size, limit)
    data = fs.read_bytes(path)
    assert data is not None  # a remote path always has bytes or raises
    return data


class FileChunks:
    """A regular file's bytes, `size` at a time (CHUNK by default); the file is opened when iteration
    starts and closed when it ends."""

    def __init__(self, path: str, size: int | None = None) -> None:
        self.path = path
        self.size = size
        self._fd: int | None = None

    def __iter__(self) -> Iterator[bytes]:
        if fs.is_remote(self.path):
            yield from self._remote_chunks()
            return
        fd = self._fd = open_regular(self.path)
        size = self.size or CHUNK
        try:
            while chunk := os.read(fd, size):
                yield chunk
        finally:
            self._fd = None
            os.close(fd)

    def _remote_chunks(self) -> Iterator[bytes]:
        with fs.open_binary(self.path) as handle:
            while chunk := handle.read(self.size or CHUNK):
                yield chunk

    def skip_hole(self) -> None:
        """Move past a hole at the current position (a sparse file's unwritten zeros, never read
        from disk): the next chunk starts where data does, or the file ends."""
        if self._fd is None or not hasattr(os, "SEEK_DATA"):
            return
        try:
            os.lseek(self._fd, os.lseek(self._fd, 0, os.SEEK_CUR), os.SEEK_DATA)
        except OSError:  # no data after this point (or no support for holes): nothing to skip to
            with contextlib.suppress(OSError):
                if os.lseek(self._fd, 0, os.SEEK_CUR) < os.fstat(self._fd).st_size:
                    os.lseek(self._fd, 0, os.SEEK_END)


def iter_file_chunks(path: str, size: int | None = None) -> Iterator[bytes]:
    """Yield a regular file's bytes `size` (CHUNK) at a time; the file is opened when iteration starts."""
    return iter(FileChunks(path, size))


def files_below(folder: str, loops: list[str], above: frozenset[tuple[Any, Any]] = frozenset()) -> list[str]:
    """Return every file under a folder of one source, links followed, depth first in name order; a
    link back to a folder that contains it is added to `loops`, not followed."""
    found: list[str] = []
    try:
        info = fs.stat(folder)
        with fs.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return found
    above = above | {folder_identity(folder, info)}
    for entry in entries:
        try:
            inner = entry.stat() if entry.is_dir() else None
        except OSError:  # a dangling or looping link: a file its reader reports
            inner = None
        if inner is None:
            found.append(entry.path)
        elif folder_identity(entry.path, inner) in above:
            loops.append(entry.path)
        else:
            found.extend(files_below(entry.path, loops, above))
    return found


def folder_identity(path: str, info: Any) -> tuple[Any, Any]:
    """Return what names a folder whatever link reached it; object storage has no links: its path."""
    return (info.st_dev, info.st_ino) if hasattr(info, "st_ino") else ("", path)


def loop_problem(link: str) -> Problem:
    """Return the report of a link inside a source's folder back to a folder that contains it."""
    return Problem(link, "is a link to a folder that contains it (a loop)", "the files outside the loop")


def unreadable(path: str, error: OSError, kept: str) -> Problem:
    """Return the problem of a file that could not be read: refused (why), or the system's error."""
    if isinstance(error, UnreadableFile):
        return Problem(path, error.reason, kept, unread=True)
    return Problem(path, f"cannot be read ({error.strerror or error})", kept, unread=True)
