"""The one seam between the readers and the file system: local paths go straight to `os` and `open`,
URLs (s3://, gs://, az://, ssh://… any fsspec protocol) to `remote.py`.

Each function has the signature and the errors of the `os` function it stands for, so an adapter
reads remote folders by writing `fs.scandir(path)` where it wrote `os.scandir(path)`; on a local path
the only added cost is one substring test.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection, Iterable, Iterator
from contextvars import ContextVar
from typing import IO, Any

_MARK = "://"
# the folder whose files a walk is matching against a path pattern, and their names
_WALKED: ContextVar[tuple[str, Collection[str]] | None] = ContextVar("walked", default=None)


def is_remote(path: str) -> bool:
    """Tell whether a path is a URL read through fsspec rather than a local path."""
    return _MARK in path and _remote().is_url(path)


def exists(path: str) -> bool:
    """`os.path.exists` for local paths and URLs."""
    if _MARK in path and is_remote(path):
        return _remote().exists(path)
    return os.path.exists(path)


def isdir(path: str) -> bool:
    """`os.path.isdir` for local paths and URLs."""
    if _MARK in path and is_remote(path):
        return _remote().isdir(path)
    return os.path.isdir(path)


def isfile(path: str) -> bool:
    """`os.path.isfile` for local paths and URLs."""
    if _MARK in path and is_remote(path):
        return _remote().isfile(path)
    return os.path.isfile(path)


def scandir(path: str) -> Any:
    """`os.scandir` for local paths and URLs (entries with .name, .path, .is_dir(), .is_file(), .stat())."""
    if _MARK in path and is_remote(path):
        return _remote().scandir(path)
    return os.scandir(path)


def listdir(path: str) -> list[str]:
    """`os.listdir` for local paths and URLs."""
    if _MARK in path and is_remote(path):
        with _remote().scandir(path) as entries:
            return [entry.name for entry in entries]
    return os.listdir(path)


def names_beside(path: str) -> tuple[str, list[str]]:
    """Return the folder holding `path` and the names in it (none when it cannot be listed): where an
    adapter looks for the side files of a log that a path pattern named alone."""
    folder = os.path.dirname(path)
    try:
        return folder, listdir(folder)
    except OSError:
        return folder, []


class WalkedFolder:
    """While a walk matches a folder's files, let `files_beside` answer for them without a listing
    (a class, not a generator: it is entered once a folder)."""

    __slots__ = ("seen", "token")

    def __init__(self, folder: str, files: Collection[str]) -> None:
        self.seen = (folder.rstrip(os.sep) or folder, files)

    def __enter__(self) -> None:
        self.token = _WALKED.set(self.seen)

    def __exit__(self, *exc: object) -> None:
        _WALKED.reset(self.token)


def files_beside(path: str) -> Collection[str]:
    """Return the names beside `path` in its folder: the files of the folder a walk is matching, else
    every name a listing gives (none when it cannot be listed)."""
    seen = _WALKED.get()
    if seen is not None and seen[0] == os.path.dirname(path):
        return seen[1]
    return names_beside(path)[1]


def stat(path: str) -> Any:
    """`os.stat` for local paths and URLs (st_size, st_mtime, st_mtime_ns)."""
    if _MARK in path and is_remote(path):
        return _remote().stat(path)
    return os.stat(path)


def newest_mtime(paths: Iterable[str]) -> float | None:
    """Return the newest modification time among files, or None when none exists."""
    times = []
    for path in paths:
        try:
            times.append(stat(path).st_mtime)
        except OSError:
            continue
    return max(times) if times else None


def version(path: str) -> str:
    """Return what changes when a file changes: size and mtime, and a remote object's ETag; raise
    OSError when the file is gone."""
    if _MARK in path and is_remote(path):
        return _remote().version(path)
    info = os.stat(path)
    return f"{info.st_size}:{info.st_mtime_ns}"


def open_binary(path: str) -> IO[bytes]:
    """`open(path, "rb")` for local paths and URLs."""
    if _MARK in path and is_remote(path):
        return _remote().open_binary(path)
    return open(path, "rb")


def read_bytes(path: str) -> bytes | None:
    """Return a remote file's bytes, or None for a local path (the caller reads it its own fast way)."""
    if _MARK in path and is_remote(path):
        return _remote().read_bytes(path)
    return None


@contextlib.contextmanager
def local_copy(path: str) -> Iterator[str]:
    """Yield a local path holding the file (itself when local): for libraries that need a real file
    (SQLite). A remote file's write-ahead log (`-wal`) comes with it."""
    if not (_MARK in path and is_remote(path)):
        yield path
        return
    with _remote().local_copy(path) as local:
        yield local


_REMOTE: Any = None


def _remote() -> Any:
    """Import the remote half on first use: local collects never load fsspec."""
    global _REMOTE
    if _REMOTE is None:
        from resultsbook.sources import remote

        _REMOTE = remote
    return _REMOTE
