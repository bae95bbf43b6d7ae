"""Write files atomically: a reader (LaTeX, an editor) sees the old bytes or the new ones, never half."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import time
from collections.abc import Iterator


def write_if_changed(path: str, content: bytes) -> bool:
    """Write `content` to `path` atomically unless the file already holds it; return whether it wrote."""
    try:
        if stat.S_ISREG(os.stat(path).st_mode):  # reading a FIFO or a device would block or never end
            with open(path, "rb") as handle:
                if handle.read() == content:
                    return False
    except OSError:
        pass
    write_atomic(path, content)
    return True


def write_atomic(path: str, content: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`; through a
    symlink (an output linked into an Overleaf or Dropbox folder), beside and over the file it names,
    so the link stays and the linked file gets the new bytes. An existing file keeps its mode."""
    target = write_target(path)
    folder = os.path.dirname(target)
    if target != os.path.abspath(path) and not os.path.isdir(folder):  # a dangling link's: not ours
        raise FileNotFoundError(errno.ENOENT, f"{path} links into a folder that does not exist", target)
    os.makedirs(folder, exist_ok=True)
    remove_abandoned_temporaries(target)
    prefix = f"{_temporary_prefix(target)}{os.getpid()}."
    import tempfile  # here: the store imports this module, and an unchanged collect imports no random

    descriptor, temporary = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _kept_mode(target))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_target(path: str) -> str:
    """Return the absolute path a write of `path` replaces: the file a symlink names, else `path`."""
    return os.path.realpath(path) if os.path.islink(path) else os.path.abspath(path)


def _kept_mode(path: str) -> int:
    """Return the permission bits of the file at `path` (a group-writable output in a shared folder
    stays group-writable), or 0644 for a new file."""
    try:
        found = os.stat(path)
    except OSError:
        return 0o644
    return stat.S_IMODE(found.st_mode) if stat.S_ISREG(found.st_mode) else 0o644


WAIT_NOTICE_S = 2.0  # after how long a wait for another writer's folder lock the user is told


@contextlib.contextmanager
def writing_alone(folder: str) -> Iterator[None]:
    """Hold an exclusive advisory lock on `folder` for the block: two processes writing the same files
    (two builds, a build beside a watch) write them one after the other, each all of its files. The
    lock is on the folder itself, so nothing is added beside the outputs; where a folder cannot be
    locked (Windows, some network filesystems) the block runs unlocked, as before."""
    if os.name != "posix":  # no flock
        yield
        return
    try:
        os.makedirs(folder, exist_ok=True)
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # a folder that cannot be made is said by the write itself
        yield
        return
    try:
        _lock(descriptor, folder)
        yield
    finally:
        os.close(descriptor)  # releases the lock


READ_WAIT_S = 10.0  # how long a reader waits for a writer's turn before it reads the files as they are


@contextlib.contextmanager
def reading_whole(folder: str) -> Iterator[None]:
    """Hold a shared advisory lock on `folder` for the block: a reader of what a build writes there (its
    files and its lock) sees all of it from before one build's turn or all from after, never some of
    each. Readers do not wait for one another; one waits for a writer's turn at most READ_WAIT_S (a
    build stopped with Ctrl-Z keeps it), then reads unlocked. Nothing is made: a missing folder is read
    unlocked."""
    if os.name != "posix":  # no flock
        yield
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        _lock(descriptor, folder, shared=True)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _lock(descriptor: int, folder: str, shared: bool = False) -> None:
    """Take the lock (`shared`: a reader's), telling the user once when another process keeps it for
    long (one stopped with Ctrl-Z, or in a debugger); Ctrl-C stops the wait, and a reader gives up
    after READ_WAIT_S."""
    import fcntl

    started = time.monotonic()
    pause = 0.01
    told = False
    while True:
        try:
            fcntl.flock(descriptor, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        except OSError:  # locks not supported here: write (or read) unlocked
            return
        if shared and time.monotonic() - started >= READ_WAIT_S:
            sys.stderr.write(
                f"Another process (a build or a watch) kept writing into {os.path.relpath(folder)} for "
                f"{READ_WAIT_S:.0f} s; reading its files as they are now (check again once it is done)\n"
            )
            sys.stderr.flush()
            return
        if not told and time.monotonic() - started >= WAIT_NOTICE_S:
            told = True
            sys.stderr.write(
                f"Waiting for another process writing into {os.path.relpath(folder)} (a build or a watch) "
                "to finish writing; Ctrl-C stops this command\n"
            )
            sys.stderr.flush()
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def remove_abandoned_temporaries(path: str) -> None:
    """Remove the temporary files that writers of `path` on this machine left when they were killed
    before their rename (SIGKILL half-way through a build): those whose process is gone."""
    if os.name != "posix":  # no harmless way there to ask whether a process is alive
        return
    folder = os.path.dirname(os.path.abspath(path))
    start = _temporary_prefix(path)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        pid = name[len(start) :].partition(".")[0]
        if name.startswith(start) and name.endswith(".tmp") and pid.isdigit() and not process_alive(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))


def _temporary_prefix(path: str) -> str:
    # the host too: on a shared folder, another machine's process ids say nothing here
    import socket  # here: the store imports this module, and a collect that writes no file needs no socket

    return f".{os.path.basename(path)}.{socket.gethostname()}."


def process_alive(pid: int) -> bool:
    """Tell whether a process of this machine runs (as any user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, as another user's process
        return True
    return True


def on_read_only_filesystem(path: str) -> bool:
    """Tell whether `path` (or, when it does not exist yet, the nearest folder above it that does)
    lies on a filesystem mounted read-only: a CI artifact, a container's volume, a snapshot. There no
    chmod makes a file writable."""
    folder = os.path.dirname(os.path.abspath(path))
    while not os.path.isdir(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs (Windows): as if writable, the write says otherwise
        return False


def is_read_only(path: str) -> bool:
    """Tell whether an existing file is marked read-only (no write permission bit, or not writable by
    us): such a file is someone's decision to keep it, and a rename would silently replace it."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (mode & 0o222) or not os.access(path, os.W_OK)


def file_size_limit() -> str | None:
    """Return the size this process may write a file to (`ulimit -f`), as a reader says it; None when
    unlimited (or unknown)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft == resource.RLIM_INFINITY:
        return None
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if soft >= size:
            return f"{soft / size:.3g} {unit}"
    return f"{soft} bytes"
