"""Pause Python's cycle collector around work that makes many objects holding no cycle."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause the cycle collector for the block: tens of thousands of new tuples, strings or arrays
    would set it off again and again, each time going through them and every module for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
