"""Ctrl-C during a watch round finishes the round, then stops: every output ends whole and current
(a round cut short left some outputs stale and exited 130). A second Ctrl-C stops at once."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class FinishThenStop:
    """Holds back Ctrl-C while a round runs; `requested` tells whether one came meanwhile."""

    def __init__(self, on_request: Callable[[], None] = lambda: None) -> None:
        self.on_request = on_request
        self.requested = False

    @contextmanager
    def round(self) -> Iterator[None]:
        """Run a round with Ctrl-C held back (only the main thread receives signals)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.getsignal(signal.SIGINT)

        def hold(signum: int, frame: object) -> None:
            if self.requested:
                raise KeyboardInterrupt  # the second Ctrl-C: stop now
            self.requested = True
            self.on_request()

        signal.signal(signal.SIGINT, hold)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
