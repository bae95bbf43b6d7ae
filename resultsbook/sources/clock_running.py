"""Runs taken as running by the clock in a tree that was just checked out: an adapter that reads no
status (Ultralytics' results.csv, a Trainer's checkpoints) calls an unfinished run running while its
files are recent, failed once they are not. `git clone` (or a copy, an unpacked archive) makes every
file new, so a stranger's months-old runs that stopped at epoch 157 of 800 were all running. The
note this module writes says so when the runs' files were all written within seconds of each other,
as a checkout writes them and no set of trainings does."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from resultsbook.sources import fs
from resultsbook.voice import option

_FEWEST = 2  # one run alone is no sign of a checkout
_AT_ONCE = 10.0  # seconds within which a checkout writes every file (trainings end further apart)


@dataclass
class ClockRunning:
    """The newest file time of each source whose runs an adapter judges by the clock took as running."""

    newest: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, adapter: str, files: Sequence[str], running: int) -> None:
        """Note a source of `running` runs taken as running by the clock (local files only)."""
        if not running or any(map(fs.is_remote, files)):
            return
        newest = fs.newest_mtime(files)
        if newest is not None:
            self.newest[adapter] += [newest] * running

    def notes(self) -> list[str]:
        """Say, per adapter, that its running runs' files were all written at once, and the option that
        takes them as stopped."""
        notes = []
        for adapter, times in sorted(self.newest.items()):
            if len(times) < _FEWEST or max(times) - min(times) > _AT_ONCE:
                continue
            notes.append(
                f"{len(times)} runs read by {adapter} are taken as running: they did not finish, and their "
                f"files are recent; but they were all written within {_span(max(times) - min(times))} of "
                "each other, as a clone, a copy or an unpacked archive writes them: if these runs have "
                f"stopped, {option('option', 'stale_after=0')} takes them as failed"
            )
        return notes


def _span(seconds: float) -> str:
    """Say a short span of time: `a second`, `4 s`."""
    return "a second" if seconds < 1 else f"{seconds:.0f} s"
