"""The `resultsbook` command's entry point: it loads the command line, quietly stopped by Ctrl-C."""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130  # as resultsbook.cli.outcome's: that module is not loaded yet


def main() -> None:
    """Load the command line and run it; Ctrl-C while it loads ends it as one during a command does."""
    try:
        from resultsbook.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("\nInterrupted before the command started; nothing was done.\n")
        sys.exit(EXIT_INTERRUPTED)
    run()
