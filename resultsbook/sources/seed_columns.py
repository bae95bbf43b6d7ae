"""Tables read as one run whose columns are one per seed (tianshou's `rew:seed_0_…`, `rew:seed_1_…`
beside their mean `rew`): read by the generic CSV adapter, each file is one run and each seed one of
its metrics, so a table over seeds sees n = 1; so is a W&B chart export (`<run> - <metric>` beside
its `__MIN`/`__MAX` band). The notes this module writes name the wide adapter, which reads each seed
(or run) column as a run of its own."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from resultsbook.voice import option, said

SEED_REGEX = r"seed[_\-=]?(?P<seed>\d+)"  # a seed in a column's name: the wide adapter's default
_SEED = re.compile(SEED_REGEX, re.IGNORECASE)
_READERS = frozenset({"csv"})  # adapters that make every column of a table a metric of one run
_BANDS = ("__MIN", "__MAX")  # a W&B chart export's band around each `<run> - <metric>` column
_FEWEST = 2  # seeds in one file's columns: one alone may be a column that names its seed


def wandb_chart_column(columns: Iterable[str]) -> str | None:
    """Return the first `<run> - <metric>` column of a W&B chart export (one beside its `__MIN` or
    `__MAX` band), or None when the columns are no such export's."""
    named = set(columns)
    bands = sorted(key[: -len(_BANDS[0])] for key in named if key.endswith(_BANDS))
    return next((key for key in bands if key in named and " - " in key), None)


@dataclass
class SeedColumns:
    """The files of a collect whose columns hold a seed each: {path under the root: first column}."""

    found: dict[str, str] = field(default_factory=dict)
    exports: dict[str, str] = field(default_factory=dict)  # W&B chart exports: {path: a run's column}

    @staticmethod
    def reads(adapter: str) -> bool:
        """Tell whether an adapter makes every column of a table a metric of one run."""
        return adapter in _READERS

    def add(self, tail: str, metrics: Iterable[str]) -> None:
        """Note a source read as one run when its metrics' names hold two seeds or more, or are a W&B
        chart export's `<run> - <metric>` columns with their `__MIN`/`__MAX` bands."""
        metrics = list(metrics)
        export = wandb_chart_column(metrics)
        if export is not None:
            self.exports[tail.replace("\\", "/")] = export
            return
        seeds: dict[str, str] = {}
        for key in metrics:
            found = _SEED.search(key)
            if found is not None:
                seeds.setdefault(found.group("seed"), key)
        if len(seeds) >= _FEWEST:
            self.found[tail.replace("\\", "/")] = min(seeds.values())

    def notes(self) -> list[str]:
        """Say how many files hold one column per seed, and that the wide adapter reads a run per seed."""
        notes = []
        if self.exports:
            first = min(self.exports)
            notes.append(
                f"{len(self.exports)} file(s) are W&B chart exports (the first: '{first}', column "
                f"{self.exports[first]!r}), so each was read as one run whose metrics are its runs' columns "
                f"and their __MIN/__MAX bands; {option('adapter', 'wide')} reads each run's column as a run "
                f"and leaves the bands out (add it to the same {said('command', 'call')})"
            )
        if not self.found:
            return notes
        first = min(self.found)
        return [
            *notes,
            f"{len(self.found)} file(s) hold one column per seed (the first: '{first}', column "
            f"{self.found[first]!r}), so each was read as one run with a metric per seed and a table "
            f"over seeds sees one run; {option('adapter', 'wide')} reads each seed's column as a run "
            f"(add it to the same {said('command', 'call')})",
        ]
