"""The `resultsbook` command's entry point: it loads the command line, quietly stopped by Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys

EXIT_INTERRUPTED = 130  # as resultsbook.cli.outcome's: that module is not loaded yet
_SAID = "\nInterrupted before the command started; nothing was done.\n"


def main() -> None:
    """Load the command line and run it; Ctrl-C while it loads ends it as one during a command does."""
    # an interrupt raised inside the import machinery can land in a callback whose exceptions Python
    # only prints ("Exception ignored in ..."), and the command then went on: end it here instead
    previous = signal.signal(signal.SIGINT, interrupted_while_loading)
    try:
        from resultsbook.cli import main as run
    except KeyboardInterrupt:
        interrupted_while_loading(signal.SIGINT, None)
    finally:
        signal.signal(signal.SIGINT, previous)
    run()


def interrupted_while_loading(signum: int, frame: object) -> None:
    """Say that the command was interrupted before it did anything, and end at once (nothing to undo)."""
    sys.stderr.write(_SAID)
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)
