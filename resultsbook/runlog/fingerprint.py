"""Fingerprint data files and folders (streamed SHA-256), cached so a large dataset is hashed once.

A file's digest is the SHA-256 of its bytes (what `sha256sum FILE` prints). A folder's digest is
the SHA-256 over its files in sorted order, one line `relative/path\\0<file digest>\\n` each, so
renaming, adding, removing or changing any file changes it. The cache
(`$RESULTSBOOK_CACHE_DIR`, else `$XDG_CACHE_HOME/resultsbook`, else `~/.cache/resultsbook`) keeps
digests by path, size and modification time: an unchanged dataset costs a stat walk, not a read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from dataclasses import dataclass
from typing import Any

CACHE_FILE = "fingerprints.json"
CACHE_VERSION = 1
# files smaller than this are rehashed (cheap) rather than cached, so the cache stays small
CACHE_MIN_BYTES = 1 << 20
MAX_CACHE_ENTRIES = 20_000
# a file modified this recently could change again within its mtime's resolution: never cache it
RACY_SECONDS = 2.0
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Fingerprint:
    """The digest of a file or folder, with how many files and bytes it covers."""

    digest: str
    files: int
    bytes: int

    def as_dict(self, path: str) -> dict[str, Any]:
        """Return the form recorded in run.json."""
        return {"digest": self.digest, "path": path, "files": self.files, "bytes": self.bytes}


def cache_folder() -> str:
    """Return the folder of resultsbook's cache."""
    explicit = os.environ.get("RESULTSBOOK_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "resultsbook")


def fingerprint_path(path: str, cache: FingerprintCache | None = None) -> Fingerprint:
    """Return the fingerprint of a file or a folder; raise FileNotFoundError when it is absent."""
    own_cache = cache is None
    cache = FingerprintCache.load() if cache is None else cache
    try:
        full = os.path.realpath(path)
        if os.path.isdir(full):
            return _fingerprint_folder(full, cache)
        info = os.stat(full)
        return Fingerprint("sha256:" + _file_digest(full, info, cache), 1, info.st_size)
    finally:
        if own_cache:
            cache.save()


def _fingerprint_folder(folder: str, cache: FingerprintCache) -> Fingerprint:
    """Digest a folder's files in sorted order; an unchanged listing reuses the cached digest."""
    listing = _list_files(folder)
    signature = hashlib.sha256()
    for relative, info in listing:
        signature.update(f"{relative}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    total = sum(info.st_size for _, info in listing)
    racy = any(_is_racy(info) for _, info in listing)
    key = "dir:" + folder
    cached = cache.get(key)
    if cached is not None and cached[0] == signature.hexdigest():
        return Fingerprint(cached[1], len(listing), total)
    digest = hashlib.sha256()
    for relative, info in listing:
        digest.update(f"{relative}\0{_file_digest(os.path.join(folder, relative), info, cache)}\n".encode())
    result = "sha256:" + digest.hexdigest()
    if not racy:
        cache.put(key, [signature.hexdigest(), result])
    return Fingerprint(result, len(listing), total)


def _list_files(folder: str) -> list[tuple[str, os.stat_result]]:
    """Return (relative path with /, stat) of every file under `folder`, sorted; symlinks followed once."""
    found: list[tuple[str, os.stat_result]] = []
    seen: set[tuple[int, int]] = set()
    for current, dirs, files in os.walk(folder, followlinks=True):
        info = os.stat(current)
        if (info.st_dev, info.st_ino) in seen:
            dirs[:] = []  # a symlink loop, or the same folder linked twice
            continue
        seen.add((info.st_dev, info.st_ino))
        dirs.sort()
        for name in files:
            path = os.path.join(current, name)
            try:
                file_info = os.stat(path)
            except OSError:
                continue  # a dangling symlink holds no data
            relative = os.path.relpath(path, folder).replace(os.sep, "/")
            found.append((relative, file_info))
    found.sort(key=lambda item: item[0])
    return found


def _file_digest(path: str, info: os.stat_result, cache: FingerprintCache) -> str:
    """Return a file's SHA-256 hex digest, from the cache when its size and mtime are unchanged."""
    large = info.st_size >= CACHE_MIN_BYTES
    key = "file:" + path
    if large:
        cached = cache.get(key)
        if cached is not None and cached[:2] == [info.st_size, info.st_mtime_ns]:
            return str(cached[2])
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    hexdigest = digest.hexdigest()
    if large and not _is_racy(info):
        cache.put(key, [info.st_size, info.st_mtime_ns, hexdigest])
    return hexdigest


def _is_racy(info: os.stat_result) -> bool:
    return time.time() - info.st_mtime_ns / 1e9 < RACY_SECONDS


class FingerprintCache:
    """Digests by path in a small JSON file; unreadable or unwritable caches are simply not used."""

    def __init__(self, path: str | None, entries: dict[str, list[Any]]) -> None:
        self.path = path
        self.entries = entries
        self.changed = False

    @classmethod
    def load(cls, folder: str | None = None) -> FingerprintCache:
        """Read the cache file (a missing or damaged one gives an empty cache)."""
        path = os.path.join(folder or cache_folder(), CACHE_FILE)
        entries: dict[str, list[Any]] = {}
        with contextlib.suppress(OSError, ValueError):
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
            if isinstance(document, dict) and document.get("version") == CACHE_VERSION:
                raw = document.get("entries")
                if isinstance(raw, dict):
                    entries = {k: v for k, v in raw.items() if isinstance(v, list)}
        return cls(path, entries)

    def get(self, key: str) -> list[Any] | None:
        """Return a cached entry."""
        return self.entries.get(key)

    def put(self, key: str, value: list[Any]) -> None:
        """Store an entry, keeping the most recent MAX_CACHE_ENTRIES."""
        self.entries.pop(key, None)
        self.entries[key] = value
        while len(self.entries) > MAX_CACHE_ENTRIES:
            del self.entries[next(iter(self.entries))]
        self.changed = True

    def save(self) -> None:
        """Write the cache atomically if it changed; failure to write is not an error."""
        if not self.changed or self.path is None:
            return
        from resultsbook.atomic import write_atomic

        document = {"version": CACHE_VERSION, "entries": self.entries}
        with contextlib.suppress(OSError):
            write_atomic(self.path, json.dumps(document).encode())
        self.changed = False
