"""Remember what a walk of a collect root found, so that a re-collect of a tree none of whose folders
changed re-signs last time's sources without walking, claiming or hashing again.

Why a snapshot gives what a walk would give:
- every folder the walk went through is kept with its stamp (device, inode, modification and change
  times), taken as `listings.py` takes them (settled, without links): the same stamp is the same
  listing, so the walk would go through the same folders and see the same names. A run added,
  removed or renamed moves its parent folder's times, a file added or removed its folder's;
- a snapshot is kept only when the adapters were loaded by their claim hints (none named, no
  options, no plug-in), every adapter the walk loaded claims from a folder's listing alone
  (`Adapter.claims_by_listing`: no state, no file read, no clock), and the walk met no problem: the
  claims then come out the same from the same listings;
- it is used only for the same request (root as written, and the working folder when it is relative;
  params and derived params), the same store file, the same resultsbook version, and the same code
  of the walk, the claims and the adapters that claimed (their files' sizes and times);
- files changed in place do not move their folder's times: each source's files are stat-ed and
  compared with the sizes and modification times its stored signature was made of (what the
  signature itself compares), and a source whose files changed, or whose stored signature is no
  longer the one remembered, is signed and read as a walk would have it.
Any folder whose stamp moved, and the walk is done again (and a new snapshot taken)."""

from __future__ import annotations

import json
import os
import struct
import sys
from array import array
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate
from typing import Any

from resultsbook import __version__
from resultsbook.adapters import Adapter, load_builtin, plugins_installed
from resultsbook.models import Source
from resultsbook.sources.find import CollectRequest
from resultsbook.sources.forked import flags_in_parts

FORMAT = 3
# code, folders, stamps, adapters, stored, paths, kinds, ids, signatures, counts, files, versions
_COLUMNS = 12
_TEXTS = (1, 4, 5, 8, 10)  # the columns of names joined by NUL; 0 and 3 are JSON, the rest arrays
_LENGTHS = struct.Struct(f"<I{_COLUMNS}Q")  # the format, then each column's length in bytes
# stored path, source path, adapter, (device, inode) of the source, its signature, its files, and
# the size and modification time (ns) of each file, flat
Signed = tuple[str, str, str, tuple[int, int], str, tuple[str, ...], tuple[int, ...]]
# a folder's path and stamp: device, inode, modification and change times (ns)
FolderStamp = tuple[str, int, int, int, int]


class Snapshot:
    """The folders a walk went through and the sources it signed, kept in columns (names joined by
    NUL, which no path holds; numbers in arrays): 10,000s of them load in a few milliseconds."""

    def __init__(self, columns: tuple[Any, ...]) -> None:
        (self.code, folders, stamps, self.adapters, stored, paths, kinds, ids, signatures, counts, files,
         versions) = columns  # fmt: skip
        self.folders: list[str] = folders.split("\0")
        self.stamps = _numbers(stamps)
        self.stored: list[str] = stored.split("\0")
        self.paths: list[str] = paths.split("\0")
        self.kinds = _numbers(kinds)
        self.ids = _numbers(ids)
        self.signatures: list[str] = signatures.split("\0")
        self.counts = _numbers(counts)
        self.files: list[str] = files.split("\0") if files else []
        self.versions = _numbers(versions)
        self._starts: list[int] | None = None

    @staticmethod
    def decode(blob: bytes) -> Snapshot | None:
        """Return a stored snapshot, or None when it is of another format, damaged or inconsistent
        (the store is a file anyone may edit: nothing in it is trusted to be what this code wrote)."""
        if len(blob) < _LENGTHS.size:
            return None
        version, *lengths = _LENGTHS.unpack_from(blob)
        if version != FORMAT or _LENGTHS.size + sum(lengths) != len(blob):
            return None
        columns: list[Any] = []
        at = _LENGTHS.size
        try:
            for index, length in enumerate(lengths):
                columns.append(_column_of(index, blob[at : at + length]))
                at += length
            kept = Snapshot(tuple(columns))
        except (ValueError, TypeError, UnicodeDecodeError):
            return None
        return kept if kept.consistent() else None

    def consistent(self) -> bool:
        """Tell whether the columns fit together (as `take` writes them): every index they hold is in
        range."""
        sources = len(self.stored)
        return (
            len(self.stamps) == 4 * len(self.folders)
            and len(self.paths) == len(self.signatures) == len(self.kinds) == len(self.counts) == sources
            and len(self.ids) == 2 * sources
            and (not sources or (min(self.kinds) >= 0 and max(self.kinds) < len(self.adapters)))
            and (not sources or min(self.counts) >= 0)
            and sum(self.counts) == len(self.files)
            and len(self.versions) == 2 * len(self.files)
            and all(isinstance(name, str) for name in self.adapters)
            and all(_is_stamp(stamp) for stamp in self.code)
        )

    def unchanged_folders(self) -> bool:
        """Tell whether every folder still has its stamp (one stat a folder, in parts at once)."""
        return 1 not in flags_in_parts(self._folders_moved, len(self.folders))

    # a loop for folders and one for files, not one loop over attrgetter tuples: that one made a 100k
    # re-collect 7 % slower
    def _folders_moved(self, indices: range) -> bytes:
        """Return a byte per folder: 1 when it is gone or its stamp moved."""
        stat, folders, stamps = os.stat, self.folders, self.stamps
        moved = bytearray(len(indices))
        for slot, index in enumerate(indices):
            try:
                info = stat(folders[index])
            except OSError:
                moved[slot] = 1
                continue
            at = 4 * index
            if (
                info.st_mtime_ns != stamps[at + 2]
                or info.st_ctime_ns != stamps[at + 3]
                or info.st_ino != stamps[at + 1]
                or info.st_dev != stamps[at]
            ):
                moved[slot] = 1
        return bytes(moved)

    def _files_moved(self, indices: range) -> bytes:
        """Return a byte per file: 1 when it is gone or its size or modification time changed (an
        unchanged re-collect's hot loop)."""
        stat, files, versions = os.stat, self.files, self.versions
        moved = bytearray(len(indices))
        for slot, index in enumerate(indices):
            try:
                info = stat(files[index])
            except OSError:
                moved[slot] = 1
                continue
            if info.st_mtime_ns != versions[2 * index + 1] or info.st_size != versions[2 * index]:
                moved[slot] = 1
        return bytes(moved)

    def split(self, stored: Mapping[str, tuple[str, str]], files: bool = True) -> tuple[list[int], list[int]]:
        """Return the sources (by index) whose files still have the sizes and times their signature
        was made of and whose stored signature is still that one, and the others (to sign again);
        without `files`, the files are not stat-ed (a look for sources added or removed only)."""
        moved = flags_in_parts(self._files_moved, len(self.files)) if files else bytes(len(self.files))
        signed = list(zip(map(self.adapters.__getitem__, self.kinds), self.signatures))
        if 1 not in moved and list(map(stored.get, self.stored)) == signed:  # column against column, in C
            return list(range(len(self.stored))), []
        unchanged: list[int] = []
        changed: list[int] = []
        at = 0  # where the source's files start in `files`
        for index, (path, count) in enumerate(zip(self.stored, self.counts)):
            same = stored.get(path) == signed[index] and 1 not in moved[at : at + count]
            (unchanged if same else changed).append(index)
            at += count
        return unchanged, changed

    def identities(self, indices: list[int]) -> tuple[list[str], list[tuple[int, int]]]:
        """Return the stored paths and the (device, inode)s of these sources."""
        ids = self.ids
        if len(indices) == len(self.stored):  # every source (the usual case): column by column
            return self.stored, list(zip(ids[0::2], ids[1::2]))
        return [self.stored[i] for i in indices], [(ids[2 * i], ids[2 * i + 1]) for i in indices]

    def identity(self, index: int) -> tuple[int, int]:
        """Return the (device, inode) of a source."""
        return (self.ids[2 * index], self.ids[2 * index + 1])

    def signed(self, index: int) -> Signed:
        """Return a source as it was signed."""
        if self._starts is None:  # where each source's files start: needed for changed sources only
            self._starts = list(accumulate(self.counts, initial=0))
        start, end = self._starts[index], self._starts[index + 1]
        return (
            self.stored[index],
            self.paths[index],
            self.adapters[self.kinds[index]],
            self.identity(index),
            self.signatures[index],
            tuple(self.files[start:end]),
            tuple(self.versions[2 * start : 2 * end]),
        )

    def folder_stamps(self) -> list[FolderStamp]:
        """Return the folders with their stamps."""
        s = self.stamps
        return [
            (path, s[4 * i], s[4 * i + 1], s[4 * i + 2], s[4 * i + 3]) for i, path in enumerate(self.folders)
        ]


def _column_bytes(index: int, column: Any) -> bytes:
    """Return a column as bytes: names as UTF-8 (undecodable bytes of file names kept as surrogates)."""
    if index in (0, 3):
        return json.dumps(column).encode()
    if index in _TEXTS:
        return str(column).encode("utf-8", "surrogatepass")
    return bytes(column)


def _column_of(index: int, data: bytes) -> Any:
    """Return a column from its bytes, as `Snapshot` takes it."""
    if index == 0:
        return tuple(tuple(stamp) if isinstance(stamp, list) else stamp for stamp in json.loads(data))
    if index == 3:
        return tuple(json.loads(data))
    if index in _TEXTS:
        return data.decode("utf-8", "surrogatepass")
    return data


def _is_stamp(stamp: Any) -> bool:
    """Tell whether a code stamp is (path, size, modification time)."""
    return (
        isinstance(stamp, tuple)
        and len(stamp) == 3
        and isinstance(stamp[0], str)
        and all(isinstance(n, int) for n in stamp[1:])
    )


def _numbers(blob: bytes) -> array[int]:
    """Return the 64-bit integers packed in `blob`."""
    numbers = array("q")
    numbers.frombytes(blob)
    return numbers


def context_of(request: CollectRequest, store_location: str) -> str | None:
    """Return what a snapshot of this request depends on beside its folders and code, or None when
    its walk cannot be replayed (an adapter named or given options, a path pattern, a URL, a file,
    plug-in adapters installed)."""
    if request.adapter or request.pattern or request.options or "://" in request.path:
        return None
    if not os.path.isdir(request.path) or plugins_installed():
        return None
    where = "" if os.path.isabs(request.path) else os.getcwd()
    derived = [rule.describe() for rule in request.derive]
    how = [
        FORMAT,
        __version__,
        request.path,
        where,
        os.path.abspath(store_location),
        dict(request.params),
        derived,
    ]
    return json.dumps(how, sort_keys=True, default=str)


def code_stamps(adapters: Iterable[str]) -> tuple[tuple[str, int, int], ...]:
    """Return the size and modification time of the modules that decide what a walk finds: the
    walk, the claims, the claim hints and the named adapters' own modules."""
    modules = [
        "resultsbook.sources.walk",
        "resultsbook.sources.find",
        "resultsbook.sources.listings",
        "resultsbook.sources.snapshot",
        "resultsbook.adapters",
        "resultsbook.adapters.base",
    ]
    try:
        modules += sorted({load_builtin(name).__module__ for name in adapters})
    except KeyError:  # not a built-in adapter
        return ()
    stamps = []
    for module in modules:
        path = getattr(sys.modules.get(module), "__file__", None) or ""
        try:
            info = os.stat(path)
        except OSError:
            return ()  # cannot tell the code apart: never replayed
        stamps.append((path, info.st_size, info.st_mtime_ns))
    return tuple(stamps)


def adapters_of(snapshot: Snapshot) -> dict[str, Adapter] | None:
    """Return the adapters of the snapshot's sources (loaded), or None when its code changed."""
    if not snapshot.code or code_stamps(snapshot.adapters) != snapshot.code:
        return None
    return {name: load_builtin(name)() for name in snapshot.adapters}


def source_of(signed: Signed, request: CollectRequest) -> Source:
    """Return the source a snapshot entry stands for (with the request's params, as a walk gives it)."""
    return Source(signed[2], signed[1], signed[5], dict(request.params))


def take(
    folders: Sequence[FolderStamp], sources: Sequence[Signed], adapters: Iterable[Adapter]
) -> bytes | None:
    """Return the snapshot of a walk as bytes for the store, or None when a walk of it could not be
    replayed (see the module's docstring: adapters that claim by more than a listing, or keep a clock)."""
    loaded = list(adapters)
    if not sources or not all(a.claims_by_listing and not a.keeps_clock() for a in loaded):
        return None
    code = code_stamps({signed[2] for signed in sources})
    return _encoded(_columns(folders, sources, code)) if code else None


def _columns(
    folders: Sequence[FolderStamp], sources: Sequence[Signed], code: tuple[tuple[str, int, int], ...]
) -> tuple[Any, ...]:
    """Return the columns of the snapshot of these folders and signed sources, as `Snapshot` reads them."""
    adapters = tuple(sorted({signed[2] for signed in sources}))
    kind = {name: index for index, name in enumerate(adapters)}
    return (
        code,
        "\0".join(folder[0] for folder in folders),
        array("q", [n for folder in folders for n in folder[1:]]).tobytes(),
        adapters,
        "\0".join(signed[0] for signed in sources),
        "\0".join(signed[1] for signed in sources),
        array("q", [kind[signed[2]] for signed in sources]).tobytes(),
        array("q", [n for signed in sources for n in signed[3]]).tobytes(),
        "\0".join(signed[4] for signed in sources),
        array("q", [len(signed[5]) for signed in sources]).tobytes(),
        "\0".join(path for signed in sources for path in signed[5]),
        array("q", [n for signed in sources for n in signed[6]]).tobytes(),
    )


def _encoded(columns: tuple[Any, ...]) -> bytes:
    """Return a snapshot's columns as bytes for the store (written straight from the walk's sources:
    a `Snapshot` of 100,000 of them, split into lists and joined again, cost a collect 200 MB)."""
    parts = [_column_bytes(index, column) for index, column in enumerate(columns)]
    return _LENGTHS.pack(FORMAT, *map(len, parts)) + b"".join(parts)
