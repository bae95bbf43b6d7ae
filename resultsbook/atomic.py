"""Write files atomically: a reader (LaTeX, an editor) sees the old bytes or the new ones, never half."""

from __future__ import annotations

import contextlib
import os
import tempfile


def write_if_changed(path: str, content: bytes) -> bool:
    """Write `content` to `path` atomically unless the file already holds it; return whether it wrote."""
    try:
        with open(path, "rb") as handle:
            if handle.read() == content:
                return False
    except OSError:
        pass
    write_atomic(path, content)
    return True


def write_atomic(path: str, content: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def is_read_only(path: str) -> bool:
    """Tell whether an existing file is marked read-only (no write permission bit, or not writable by
    us): such a file is someone's decision to keep it, and a rename would silently replace it."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (mode & 0o222) or not os.access(path, os.W_OK)
