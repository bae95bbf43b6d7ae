"""Claim a `unique=False` run folder for a run's life, so that two processes never write one folder.

The claim is an advisory lock (flock) on `.resultsbook-lock` in the folder: the kernel drops it when
the process ends, however it ends, unless a process it forked (a data loader worker) lives on with the
file open. The holder writes its process id and host into the file once the folder is its, for the
message of a run refused beside it.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass

from resultsbook.atomic import process_alive

CLAIM_FILE = ".resultsbook-lock"
THIS_PROCESS = "this process"  # the holder of a claim another run of this process holds
_WAIT_S = 2.0  # how long a claim just taken may stay unsigned before its holder is "another process"


@dataclass
class Claim:
    """A folder's claim: the descriptor holding it, or the live process that holds it instead (or,
    `ended`, the process signed in it, which ended while a process it started holds it on)."""

    descriptor: int | None = None
    holder: str | None = None
    ended: int | None = None


def claim(folder: str) -> Claim:
    """Take the claim on `folder`; where locks cannot be taken (Windows, some network filesystems)
    the folder is written unclaimed, as before."""
    if os.name != "posix":
        return Claim()
    import fcntl

    try:
        descriptor = os.open(os.path.join(folder, CLAIM_FILE), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return Claim()
    deadline = time.monotonic() + _WAIT_S
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return Claim(descriptor)
        except BlockingIOError:
            pass
        except OSError:  # no locks on this filesystem
            os.close(descriptor)
            return Claim()
        holder = _live_holder(descriptor)
        if holder is not None or time.monotonic() > deadline:
            ended = None if holder is not None else _ended_signer(descriptor)
            os.close(descriptor)  # a flock is the holder's open file's: closing ours leaves it
            return Claim(None, holder or "another process", ended)
        time.sleep(0.01)  # the holder signs its claim once the folder is its, or leaves it


def sign(taken: Claim) -> None:
    """Write this process into the claim it holds (after the folder is set up: see _live_holder)."""
    if taken.descriptor is not None:
        os.ftruncate(taken.descriptor, 0)
        os.pwrite(taken.descriptor, f"{os.getpid()} {socket.gethostname()}\n".encode(), 0)


def release(taken: Claim) -> None:
    """Give the claim up, unsigned: the next holder's process is read only once it signed."""
    descriptor, taken.descriptor = taken.descriptor, None
    if descriptor is None:
        return
    import fcntl

    try:
        os.ftruncate(descriptor, 0)
        fcntl.flock(descriptor, fcntl.LOCK_UN)  # for forked children (data loader workers) sharing it too
    finally:
        os.close(descriptor)


def _ended_signer(descriptor: int) -> int | None:
    """Return the process of this machine a claim is signed by when it has ended (killed: a process
    it forked holds the claim on; /proc/locks names the ended one, not that)."""
    fields = _signature(descriptor)
    if fields is None or fields[1] != socket.gethostname() or process_alive(fields[0]):
        return None
    return fields[0]


def _signature(descriptor: int) -> tuple[int, str] | None:
    """Return the process id and host a claim is signed with, or None while it is unsigned."""
    try:
        fields = os.pread(descriptor, 300, 0).decode("utf-8", "replace").split()
    except OSError:
        return None
    if len(fields) != 2 or not fields[0].isdigit():
        return None
    return int(fields[0]), fields[1]


def _live_holder(descriptor: int) -> str | None:
    """Return the process a claim is signed by (`process 123 on node7`, or THIS_PROCESS), or None while
    it is unsigned or signed by a process of this machine that ended (killed before it could unsign it)."""
    fields = _signature(descriptor)
    if fields is None:
        return None
    pid, host = fields
    if host == socket.gethostname() and not process_alive(pid):
        return None
    if host == socket.gethostname() and pid == os.getpid():
        return THIS_PROCESS
    return f"process {pid} on {host}"
