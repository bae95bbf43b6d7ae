"""Watch the paper's `.tex` files (`[macros] paper`) during `watch`: notice an edit however an editor
saves it, and check the quotes alone against the numbers file on disk, without a rebuild.

The files are polled by their stats between file events rather than watched: an editor that renames
a new file over the old one, a file deleted and written again, a file a glob gains, or a paper far
from the watched folders all change the stats, and nothing outside the paper is watched."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass

from resultsbook.outputs.build import written_files
from resultsbook.outputs.quotes import QuoteProblem, paper_quotes, pattern_files, unknown_quotes
from resultsbook.spec import Spec

POLL_COST_SHARE = 0.05  # a paper so large that listing it is slow is polled less often: 5% of a core

Stats = dict[str, tuple[int, int, int]]  # path -> (inode, mtime_ns, size)


@dataclass(frozen=True)
class PaperCheck:
    """The quotes of the paper checked after it changed: the files that changed, how many quotes it
    has, their problems (how many LaTeX would stop on), and whether the last check (or build) found
    problems."""

    changed: tuple[str, ...]
    quotes: int
    problems: tuple[str, ...]
    again: bool = False  # no problem now, after a check that found some
    stopping: int = 0  # of `problems`, those LaTeX would stop on; the others misstate or go unchecked


def paper_stats(patterns: Iterable[str], generated: Iterable[str]) -> Stats:
    """Return the stats of every file the patterns match, outputs left out."""
    skipped = {os.path.abspath(path) for path in generated}
    stats: Stats = {}
    for pattern in patterns:
        for path in pattern_files(pattern) or ():
            if os.path.abspath(path) in skipped:
                continue
            try:
                info = os.stat(path)
            except OSError:  # deleted since it was listed: the next poll sees it gone
                continue
            stats[path] = (info.st_ino, info.st_mtime_ns, info.st_size)
    return stats


def check_quotes(spec: Spec, changed: Iterable[str] = (), again: bool = False) -> PaperCheck:
    """Check the paper's quotes against the numbers file as it is on disk."""
    if spec.macros is None or not spec.macros.paper:
        return PaperCheck(tuple(changed), 0, ())
    quotes, problems = paper_quotes(spec.macros.paper, written_files(spec))
    numbers = spec.macros.output
    if numbers is not None:
        try:
            with open(numbers, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            message = "is not written yet, so the paper's quotes are checked once build writes it"
            problems.append(QuoteProblem(os.path.relpath(numbers), message, stops=True))
        else:
            problems += unknown_quotes(quotes, text, numbers)
    lines = tuple(f"macros: {problem.line()}" for problem in problems)  # as build's warnings say them
    stopping = sum(problem.stops for problem in problems)
    return PaperCheck(tuple(changed), len(quotes), lines, again and not lines, stopping)


class PaperEdits:
    """Tell, once they have been quiet for the debounce time, which paper files changed since the
    paper was last checked; the quotes' last verdict says whether a clean check is news."""

    def __init__(self, spec: Spec, debounce_ms: int) -> None:
        self.patterns = spec.macros.paper if spec.macros is not None else ()
        self.generated = written_files(spec)
        self.debounce = debounce_ms / 1000
        self.checked = self.latest = self.stats()
        self.changed_at: float | None = None
        self.next_poll = 0.0
        self.troubled = False  # the last check or build found problems in the quotes

    def stats(self) -> Stats:
        """Return the paper files' stats now."""
        return paper_stats(self.patterns, self.generated)

    def checked_in_build(self, stats: Stats, quote_problems: bool) -> None:
        """Take the paper as of `stats` (read before the build) as checked, with the build's verdict."""
        self.checked, self.troubled = stats, quote_problems

    def settled(self) -> list[str]:
        """Return the files changed since the last check once quiet for the debounce; [] otherwise."""
        now = time.monotonic()
        if now < self.next_poll:
            return []
        stats = self.stats()
        self.next_poll = now + (time.monotonic() - now) / POLL_COST_SHARE
        if stats != self.latest:
            self.latest, self.changed_at = stats, now
        if stats == self.checked or (self.changed_at is not None and now - self.changed_at < self.debounce):
            return []
        before, self.checked = self.checked, stats
        return sorted(path for path in {*stats, *before} if stats.get(path) != before.get(path))

    def check(self, spec: Spec, changed: Iterable[str]) -> PaperCheck:
        """Check the quotes after `changed` files changed, and keep the verdict."""
        result = check_quotes(spec, changed, again=self.troubled)
        self.troubled = bool(result.problems)
        return result
