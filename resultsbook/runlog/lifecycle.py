"""Close open runs however the process ends: normal exit, uncaught exception, Ctrl-C or SIGTERM.

A run used as a context manager is closed by its `__exit__`. These hooks cover the rest: a script
that never closes its run (closed at exit, as finished unless an uncaught exception was seen), an
uncaught exception (failed, or interrupted for KeyboardInterrupt), and SIGTERM from a scheduler
(interrupted; then the previous handler runs, so the process still ends as it would have).
"""

from __future__ import annotations

import atexit
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType, TracebackType
from typing import Any, Protocol


class Closable(Protocol):
    """What the hooks need of a run."""

    def close_with(self, error: BaseException | None, signal_name: str | None = None) -> None: ...


_open: list[Closable] = []
_lock = threading.RLock()  # re-entered when SIGTERM arrives while registering
_installed_atexit = False
_previous_excepthook: Any = None
_previous_sigterm: Any = None
_held = 0  # blocks inside sigterm_held: a SIGTERM meanwhile waits for the last to end
_pending: int | None = None


def register(run: Closable) -> None:
    """Remember an open run; the first one installs the exit, exception and SIGTERM hooks."""
    global _installed_atexit, _previous_excepthook
    with _lock:
        _open.append(run)
        if not _installed_atexit:
            atexit.register(_close_all_at_exit)
            _installed_atexit = True
        if _previous_excepthook is None:
            _previous_excepthook = sys.excepthook
            sys.excepthook = _excepthook
        _install_sigterm()


def unregister(run: Closable) -> None:
    """Forget a closed run; the last one restores the previous exception and SIGTERM handlers."""
    global _previous_excepthook
    with _lock:
        if run in _open:
            _open.remove(run)
        if _open:
            return
        if _previous_excepthook is not None and sys.excepthook is _excepthook:
            sys.excepthook = _previous_excepthook
        _previous_excepthook = None
        _restore_sigterm()


def open_runs() -> list[Closable]:
    """Return the runs of this process still open, oldest first."""
    return list(_open)


@contextlib.contextmanager
def sigterm_held() -> Iterator[None]:
    """Let a SIGTERM that arrives in the block end the runs once the block is done (a folder made but
    not yet known to its run would be left empty, or a previous run's files half removed)."""
    global _held, _pending
    with _lock:
        _held += 1
    try:
        yield
    finally:
        with _lock:
            _held -= 1
            number = None if _held else _pending
            if number is not None:
                _pending = None
        if number is not None:
            signal.raise_signal(number)


def _close_all_at_exit() -> None:
    for run in reversed(open_runs()):
        run.close_with(None)


def _excepthook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    for run in reversed(open_runs()):
        run.close_with(error)
    previous = _previous_excepthook or sys.__excepthook__
    previous(kind, error, trace)


def _install_sigterm() -> None:
    """Handle SIGTERM while runs are open; only the main thread may, and an ignored SIGTERM stays so."""
    global _previous_sigterm
    if _previous_sigterm is not None or threading.current_thread() is not threading.main_thread():
        return
    try:
        current = signal.getsignal(signal.SIGTERM)
        if current == signal.SIG_IGN:
            return
        signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError, AttributeError):
        return
    _previous_sigterm = signal.SIG_DFL if current is None else current


def _restore_sigterm() -> None:
    global _previous_sigterm
    if _previous_sigterm is None:
        return
    try:
        if signal.getsignal(signal.SIGTERM) is _on_sigterm:
            signal.signal(signal.SIGTERM, _previous_sigterm)
    except ValueError:
        return  # not the main thread: leave it; the handler only closes runs still open
    _previous_sigterm = None


def _on_sigterm(number: int, frame: FrameType | None) -> None:
    global _pending
    if _held:
        _pending = number
        return
    previous = _previous_sigterm
    for run in reversed(open_runs()):
        run.close_with(None, signal_name="SIGTERM")
    _restore_sigterm()
    if callable(previous):
        previous(number, frame)
    elif previous == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.raise_signal(signal.SIGTERM)
