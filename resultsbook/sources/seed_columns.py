"""Tables read as one run whose columns are one per seed (tianshou's `rew:seed_0_…`, `rew:seed_1_…`
beside their mean `rew`): read by the generic CSV adapter, each file is one run and each seed one of
its metrics, so a table over seeds sees n = 1. The note this module writes names the wide adapter,
which reads each seed column as a run of its own."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from resultsbook.voice import option, said

SEED_REGEX = r"seed[_\-=]?(?P<seed>\d+)"  # a seed in a column's name: the wide adapter's default
_SEED = re.compile(SEED_REGEX, re.IGNORECASE)
_READERS = frozenset({"csv"})  # adapters that make every column of a table a metric of one run
_FEWEST = 2  # seeds in one file's columns: one alone may be a column that names its seed


@dataclass
class SeedColumns:
    """The files of a collect whose columns hold a seed each: {path under the root: first column}."""

    found: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def reads(adapter: str) -> bool:
        """Tell whether an adapter makes every column of a table a metric of one run."""
        return adapter in _READERS

    def add(self, tail: str, metrics: Iterable[str]) -> None:
        """Note a source read as one run when its metrics' names hold two seeds or more."""
        seeds: dict[str, str] = {}
        for key in metrics:
            found = _SEED.search(key)
            if found is not None:
                seeds.setdefault(found.group("seed"), key)
        if len(seeds) >= _FEWEST:
            self.found[tail.replace("\\", "/")] = min(seeds.values())

    def notes(self) -> list[str]:
        """Say how many files hold one column per seed, and that the wide adapter reads a run per seed."""
        if not self.found:
            return []
        first = min(self.found)
        return [
            f"{len(self.found)} file(s) hold one column per seed (the first: '{first}', column "
            f"{self.found[first]!r}), so each was read as one run with a metric per seed and a table "
            f"over seeds sees one run; {option('adapter', 'wide')} reads each seed's column as a run "
            f"(add it to the same {said('command', 'call')})"
        ]
