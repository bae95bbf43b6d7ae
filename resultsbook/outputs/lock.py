"""The lock file: for every spec entry, the digest of its inputs, the values it showed and the digest
of each output's bytes — one sorted, diffable JSON file that `check` compares against."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from resultsbook.errors import NotFoundError, SpecError
from resultsbook.jsontext import fast_loads, indented_json
from resultsbook.voice import command

LOCK_FORMAT = "resultsbook.lock"
LOCK_VERSION = 1


@dataclass(frozen=True)
class LockEntry:
    """What build recorded for one spec entry (a table, a figure, a macros file)."""

    inputs: str
    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # cell -> value, n, runs
    outputs: Mapping[str, str] = field(default_factory=dict)  # path relative to the lock -> sha256
    # what the inputs are made of, part by part (outputs/parts.py); empty in a lock written before
    # the parts were recorded (read as it is; check then says less about why a file is stale)
    parts: Mapping[str, str] = field(default_factory=dict)


RETIRED = "retired"  # the lock's record of outputs no entry writes now (not an entry name: those hold a dot)


def retired_outputs(
    before: Mapping[str, Mapping[str, str]], after: Mapping[str, LockEntry], folder: str
) -> dict[str, str]:
    """Return the outputs (path relative to the lock's `folder` -> digest) that the lock recorded `before`
    a build (each entry's outputs, the retired ones among them) and the one `after` it does not, while
    each file is still there: an entry renamed or removed, or its output renamed, leaves its last file
    behind, which a paper may still `\\input` (kept while the file holds what build wrote)."""
    written = {path for name, entry in after.items() if name != RETIRED for path in entry.outputs}
    retired: dict[str, str] = {}
    for outputs in before.values():
        retired.update(outputs)
    return {  # a file rewritten since (by hand: the paper's own now) is no longer resultsbook's
        path: digest
        for path, digest in sorted(retired.items())
        if path not in written
        and os.path.isfile(os.path.join(folder, path))  # a FIFO in its place is never opened
        and file_digest(os.path.join(folder, path)) == digest
    }


def retired_commands(lock: Mapping[str, LockEntry]) -> list[str]:
    """Return the named values' commands (`\\gain`) earlier numbers files defined and the last one does
    not: a paper still using one stops LaTeX, and check says so after the build that dropped it too."""
    return sorted(lock[RETIRED].values) if RETIRED in lock else []


def commands_retired_now(before: Mapping[str, LockEntry], after: Mapping[str, LockEntry]) -> list[str]:
    """Return the commands retired once `after`'s numbers file replaces `before`'s: those it defined or
    had retired and the new one does not define (kept as they were when no numbers file is written)."""
    if "macros" not in after:
        return retired_commands(before)
    known = set(retired_commands(before))
    if "macros" in before:
        known |= {name for name in before["macros"].values if name.startswith("\\")}
    return sorted(known - set(after["macros"].values))


def bytes_digest(data: bytes) -> str:
    """Return the digest recorded for an output's bytes."""
    return hashlib.sha256(data).hexdigest()


def file_digest(path: str) -> str | None:
    """Return the digest of a file's bytes, or None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return bytes_digest(handle.read())
    except FileNotFoundError:
        return None


def file_state(path: str) -> tuple[int, ...] | None:
    """Return what tells a file from the same path rewritten (its inode, size and change time), or None
    when it does not exist: outputs and locks are replaced whole, so a write changes the inode."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns


def is_special_file(path: str) -> bool:
    """Tell whether a path is a FIFO or a device, in /proc, or a link into /dev or /proc (/dev/stdout
    redirected to a file reads as one, and an atomic write would replace the link itself)."""
    if os.path.exists(path) and not os.path.isfile(path) and not os.path.isdir(path):
        return True
    named = [os.path.abspath(path)] + ([os.readlink(path)] if os.path.islink(path) else [])
    folder = os.path.realpath(os.path.dirname(named[0]))  # /dev/fd/1: its folder is /proc/<pid>/fd
    return (
        named[0].startswith("/proc/")
        or folder.startswith("/proc/")
        or any(name.startswith(("/dev/", "/proc/")) for name in named[1:])
    )


def refuse_special_files(paths: Sequence[str]) -> None:
    """Refuse an output or lock path that is a FIFO or a device (reading one blocks or never ends), or
    one under a file where its folder should be (paper/t.tex where paper is a file)."""
    for path in paths:
        if is_special_file(path):
            raise SpecError(
                f"{path} is not a regular file (a FIFO or a device), so build cannot write it nor check "
                "read it; point the spec's outputs (or lock =) to a file path"
            )
        blocking = file_in_place_of_folder(path)
        if blocking is not None:
            what = "a broken symlink" if os.path.islink(blocking) else "a file"
            raise SpecError(
                f"{os.path.relpath(path)} cannot be written: {os.path.relpath(blocking)} is {what}, not a "
                "folder; point the spec's outputs (or lock =) to another folder, or move that file away"
            )


def file_in_place_of_folder(path: str) -> str | None:
    """Return the nearest existing folder on a path's way that is not a folder (a file), if any."""
    folder = os.path.dirname(os.path.abspath(path))
    while not os.path.lexists(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
    return None if os.path.isdir(folder) else folder


class LockConflictError(NotFoundError):
    """The lock holds the conflict markers of a git merge: build writes it again, so check exits as for a
    stale output."""


_CONFLICT_MARKERS = re.compile(rb"^(<{7}|>{7})(?: |\r?$)", re.MULTILINE)


def read_lock(path: str) -> dict[str, LockEntry]:
    """Read a lock file; a missing file is an empty lock."""
    refuse_special_files([path])
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        document = fast_loads(data)
    except FileNotFoundError:
        return {}
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        if len(set(match.group(1) for match in _CONFLICT_MARKERS.finditer(data))) == 2:
            raise LockConflictError(
                f"{path} has merge conflicts (git's <<<<<<< and >>>>>>> lines); `{command('build')}` "
                "resolves them: it writes the lock again from the outputs it builds"
            ) from error
        raise SpecError(
            f"{path} is not a valid lock file ({error}); delete it and run `{command('build')}`"
        ) from error
    if not isinstance(document, dict) or document.get("format") != LOCK_FORMAT:
        raise SpecError(
            f"{path} is not a resultsbook lock; delete it and run `{command('build')}` (or, if it is "
            "another file, set lock = in the spec to a new path)"
        )
    if document.get("version") != LOCK_VERSION:  # build would stop on it too: never "run build" alone
        raise SpecError(
            f"{path} is a lock of version {document.get('version')!r}, and this resultsbook reads version "
            f"{LOCK_VERSION}; upgrade resultsbook, or delete it and run `{command('build')}`"
        )
    problem = _misshapen(document.get("entries", {}))
    if problem is not None:  # edited by hand, or a merge gone wrong: what it says cannot be trusted
        raise SpecError(
            f"{path} is not a valid lock file ({problem}); delete it and run `{command('build')}`"
        )
    return {
        name: LockEntry(
            entry["inputs"], entry.get("values", {}), entry.get("outputs", {}), entry.get("parts", {})
        )
        for name, entry in document.get("entries", {}).items()
    }


def _misshapen(entries: Any) -> str | None:
    """Say where a lock's entries are not as build writes them (None when they are): what `check` and
    `explain` read of them."""
    if not isinstance(entries, dict):
        return "entries is not an object"
    for name, entry in entries.items():
        where = f"entries[{name!r}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("inputs"), str):
            return f"{where} has no text 'inputs'"
        for part in ("values", "outputs", "parts"):
            if not isinstance(entry.get(part, {}), dict):
                return f"{where}['{part}'] is not an object"
        for digests in (entry.get("outputs", {}), entry.get("parts", {})):
            wrong = next((key for key, digest in digests.items() if not isinstance(digest, str)), None)
            if wrong is not None:
                return f"{where}: {wrong!r} has no text digest"
        for cell, stats in entry.get("values", {}).items():
            if not isinstance(stats, dict) or "value" not in stats:
                return f"{where}['values'][{cell!r}] has no 'value'"
            runs = stats.get("runs", [])
            if not isinstance(runs, list) or not set(map(type, runs)) <= {str}:  # parsed JSON: no subclass
                return f"{where}['values'][{cell!r}]['runs'] is not a list of run ids"
            if not isinstance(stats.get("code", runs), list) or len(stats.get("code", runs)) != len(runs):
                return f"{where}['values'][{cell!r}]['code'] is not a list beside its runs"
            wrong = next((k for k in ("marks", "emphasis") if not isinstance(stats.get(k, ""), str)), None)
            if wrong is not None:
                return f"{where}['values'][{cell!r}][{wrong!r}] is not a text"
    return None


def render_lock(entries: Mapping[str, LockEntry]) -> str:
    """Return the lock file's text: sorted keys, one value per line, so that diffs read well."""
    document = {
        "format": LOCK_FORMAT,
        "version": LOCK_VERSION,
        "entries": {
            name: {
                "inputs": entry.inputs,
                "values": entry.values,
                "outputs": entry.outputs,
                **({"parts": entry.parts} if entry.parts else {}),
            }
            for name, entry in sorted(entries.items())
        },
    }
    try:
        return indented_json(document) + "\n"
    except TypeError:  # a value plain JSON does not have: the encoder says which
        return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
