"""Ctrl-C during a watch round finishes the round, then stops: every output ends whole and current
(a round cut short left some outputs stale and exited 130). A second Ctrl-C stops at once. SIGTERM
and SIGHUP (the terminal closed) do the same, where the command handles them (the CLI does)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

# the signals that ask a watch to stop (those without a Python handler, such as SIGTERM in a program
# that embeds watch_project, keep theirs); Windows has no SIGHUP
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class FinishThenStop:
    """Holds back Ctrl-C (and SIGTERM, SIGHUP) while a round runs; `requested` tells whether one came
    meanwhile. `on_request` is told which signal asked, the first time one does."""

    def __init__(self, on_request: Callable[[int], None] = lambda signum: None) -> None:
        self.on_request = on_request
        self.requested = False

    @contextmanager
    def round(self) -> Iterator[None]:
        """Run a round with the stop signals held back (only the main thread receives signals)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        held = {number: signal.getsignal(number) for number in STOP_SIGNALS}
        held = {number: handler for number, handler in held.items() if callable(handler)}

        def hold(signum: int, frame: FrameType | None) -> None:
            if self.requested:  # the second signal: stop now, as that signal stops the command
                previous = held[signum]
                assert callable(previous)
                previous(signum, frame)
                raise KeyboardInterrupt
            self.requested = True
            self.on_request(signum)

        for number in held:
            signal.signal(number, hold)
        try:
            yield
        finally:
            for number, handler in held.items():
                signal.signal(number, handler)
