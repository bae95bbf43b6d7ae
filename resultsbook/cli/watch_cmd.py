"""`watch`: rebuild on every change during a deadline, with a one-line live status."""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

import click

from resultsbook.cli.common import (
    Number,
    config_option,
    echo,
    load_required_spec,
    relative,
    resolve_db,
    show_problems,
    spec_db_option,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from resultsbook.freshness.paper import PaperCheck
    from resultsbook.models import Problem


@click.command("watch")
@config_option
@spec_db_option
@click.option("--then", "then", help='Command to run after each rebuild, e.g. "latexmk -pdf paper.tex".')
@click.option(
    "--debounce",
    type=Number(0, 60_000, whole=True, example=500),
    default=200,
    show_default=True,
    help="Milliseconds (0 to 60000) to wait for a burst of writes to end.",
)
def watch_command(config: str | None, db_path: str | None, then: str | None, debounce: int) -> None:
    """Rebuild outputs whenever runs, the spec or templates change, and check the paper's quotes
    whenever its .tex files change (Ctrl-C stops)."""
    from resultsbook.freshness.watch import watch_paths, watch_project

    spec = load_required_spec(config)
    display = LiveStatus(sys.stdout.isatty())
    paper = spec.macros.paper if spec.macros is not None else ()
    watched = ", ".join(os.path.relpath(p) for p in [*watch_paths(spec), *paper])
    echo(f"Watching {watched} (Ctrl-C to stop)")
    if not spec.sources:
        echo(
            f"No logs are watched: {relative(spec.path)} names no [[sources]]; runs arrive only when "
            "`resultsbook collect` writes the store, and each such write rebuilds (add [[sources]] with "
            'path = "runs" to watch a folder of runs)'
        )
    db = resolve_db(db_path, spec)
    watch_project(spec.path, db, then, debounce, display.show, on_stopping=display.stopping)
    display.close()
    echo("Stopped.")


class LiveStatus:
    """Prints a line per rebuild and, on a terminal, keeps a status line under them."""

    def __init__(self, live: bool) -> None:
        self.live = live
        self.rebuilds = 0
        self.last = ""
        self.noted: set[str] = set()  # each collect note once a watch: an empty source says it every round
        # the warnings of the last rebuild: a run still writing makes a round every few seconds, each
        # with the same warnings but for their numbers, which would bury the one that is new
        self.warned: set[tuple[str, ...]] = set()
        self.problems: set[tuple[str, str, str]] = set()  # the same, for the problems read: a
        # run still writing ends its file in a cut-off line, the same but for its number every round

    def show(self, update: object) -> None:
        from resultsbook.freshness.watch import WatchUpdate
        from resultsbook.outputs.findings import keyed_finding_lines

        assert isinstance(update, WatchUpdate)
        self._clear()
        stamp = time.strftime("%H:%M:%S", time.localtime(update.started))
        if update.error:
            echo(f"[{stamp}] Error: {update.error} (still watching)", err=True)
        elif update.paper is not None:
            show_paper_check(stamp, update.paper, update.seconds)
        elif update.built is not None:
            self.rebuilds += 1
            runs = update.collected.summary_line() if update.collected else "no sources"
            if update.reason == "store":
                runs = "runs or outputs written by another process"
            wrote = ", ".join(os.path.relpath(p) for p in update.built.written) or "no output changed"
            echo(f"[{stamp}] {update.reason}: {runs} -> {wrote} ({update.seconds:.2f} s)")
            warnings = keyed_finding_lines(update.built.findings)
            for key, warning in warnings:
                if key not in self.warned:
                    echo(f"  Warning: {warning}", err=True)
            same = sum(1 for key, _ in warnings if key in self.warned)
            if same:
                echo(f"  {same} warning(s) as in the rebuild before, not repeated", err=True)
            self.warned = {key for key, _ in warnings}
            for line in update.built.silent:  # once a run: its silence grows by the round
                if (run := line.partition(" is counted as ")[0]) not in self.noted:
                    echo(f"  Note: {line}", err=True)
                    self.noted.add(run)
            for failure in update.built.failed:  # the others were written; the next round tries it again
                echo(f"[{stamp}] Error: {failure.line()} (still watching)", err=True)
            if update.then_status is not None:
                echo(f"  then: exit {update.then_status}")
        if update.collected is not None:
            for note in update.collected.notes:
                if note not in self.noted:
                    echo(f"  Note: {note}", err=True)
            self.noted.update(update.collected.notes)
            self._show_problems(update.collected.problems)
        self.last = stamp
        self._status()

    def _show_problems(self, problems: Sequence[Problem]) -> None:
        """Print the problems not met in the round before (but for their numbers); count the others."""
        from resultsbook.render.problems import numbers_aside

        keys = [numbers_aside(problem) for problem in problems]
        show_problems(
            [problem for problem, key in zip(problems, keys, strict=True) if key not in self.problems]
        )
        same = sum(1 for key in keys if key in self.problems)
        if same:
            echo(f"  {same} problem(s) as in the rebuild before, not repeated", err=True)
        self.problems = {numbers_aside(problem) for problem in problems}

    def stopping(self, signum: int) -> None:
        """Say that Ctrl-C (or SIGTERM) came during a rebuild, which finishes first; after SIGHUP the
        terminal is gone: what is left to print goes nowhere."""
        import signal

        from resultsbook.cli.outcome import leave_the_terminal

        if signum == getattr(signal, "SIGHUP", None):
            self.live = False
            leave_the_terminal()
            return
        self._clear()
        again = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        echo(f"Finishing this rebuild, then stopping ({again} again stops at once)", err=True)
        self._status()

    def _status(self) -> None:
        if self.live:
            sys.stdout.write(f"watching · {self.rebuilds} rebuild(s) · last change {self.last}")
            sys.stdout.flush()

    def _clear(self) -> None:
        if self.live:
            sys.stdout.write("\r\033[K")

    def close(self) -> None:
        """End the status line."""
        if self.live:
            sys.stdout.write("\n")


def show_paper_check(stamp: str, checked: PaperCheck, seconds: float) -> None:
    """Print the quotes checked after the paper alone changed: their problems, how many of them LaTeX
    would stop on, or that every quote is known (again, after a check that found problems)."""
    files = ", ".join(os.path.relpath(path) for path in checked.changed)
    problems = len(checked.problems)
    if problems:
        verdict = f"{problems} quote problem{'s' * (problems != 1)}"
        if checked.stopping == problems:
            verdict += " LaTeX would stop on"
        else:  # a quote that misstates its cell compiles: no stop to warn of
            stopping = f"{checked.stopping} of them" if checked.stopping else "none that"
            verdict += f", {stopping} LaTeX would stop on"
        verdict += f" ({seconds:.2f} s)"
    else:
        count = f"{checked.quotes} quote{'s' * (checked.quotes != 1)}"
        verdict = f"every quote is known{' again' * checked.again} ({count}, {seconds:.2f} s)"
    echo(f"[{stamp}] paper: {files} -> {verdict}")
    for problem in checked.problems:
        echo(f"  Warning: {problem}", err=True)
