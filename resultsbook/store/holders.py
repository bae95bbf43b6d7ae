"""Which other processes of this machine have a file open: read from Linux's /proc, unknown elsewhere."""

from __future__ import annotations

import os

_SHOWN_CHARS = 60  # of a command line: enough to tell `resultsbook watch` from a training script


def processes_holding(path: str, limit: int = 3) -> list[tuple[int, str, bool]]:
    """Return (process id, command line, stopped) of up to `limit` processes that have `path` open,
    other than this one and the workers it started; none where that cannot be told."""
    target = os.path.realpath(path)
    me = os.getpid()
    try:
        pids = sorted(int(name) for name in os.listdir("/proc") if name.isdigit())
    except OSError:  # no /proc: not Linux
        return []
    found = []
    for pid in pids:
        if pid == me or _parent(pid) == me:
            continue
        if _has_open(pid, target):
            found.append((pid, _command_line(pid), _stopped(pid)))
            if len(found) == limit:
                break
    return found


def _has_open(pid: int, target: str) -> bool:
    folder = f"/proc/{pid}/fd"
    try:
        descriptors = os.listdir(folder)
    except OSError:  # gone, or another user's
        return False
    for descriptor in descriptors:
        try:
            if os.readlink(f"{folder}/{descriptor}") == target:
                return True
        except OSError:
            continue
    return False


def _parent(pid: int) -> int | None:
    fields = _stat_fields(pid)
    try:
        return int(fields[1])
    except (IndexError, ValueError):
        return None


def _stopped(pid: int) -> bool:
    """Tell whether a process is stopped (Ctrl-Z, SIGSTOP, a debugger): it holds its locks until resumed."""
    fields = _stat_fields(pid)
    return bool(fields) and fields[0] in (b"T", b"t")


def _stat_fields(pid: int) -> list[bytes]:
    """Return the fields of /proc/PID/stat after the name (state first), or none when unreadable."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rpartition(b")")[2].split()  # the name in parentheses may hold spaces
    except OSError:
        return []


def _command_line(pid: int) -> str:
    """Return a process's command line, its program (and a script Python runs) by file name alone."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            words = os.fsdecode(handle.read()).split("\0")
    except OSError:
        return "?"
    words = [word for word in words if word]
    if not words:
        return "?"
    words[0] = os.path.basename(words[0])
    if words[0].startswith("python") and len(words) > 1 and os.path.isabs(words[1]):
        words[1] = os.path.basename(words[1])  # a console script: .../.venv/bin/resultsbook
    text = "".join(char if char.isprintable() else "?" for char in " ".join(words))
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"
