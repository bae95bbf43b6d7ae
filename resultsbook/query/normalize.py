"""Score normalisation with per-task reference scores: `[normalized.NAME]` defines the metric NAME as
(metric - low) / (high - low), low and high looked up by the run's task (its values of the task keys).

Human-normalised Atari scores (low = random, high = human) and D4RL's normalised returns (low =
REF_MIN_SCORE, high = REF_MAX_SCORE, then scale = 100) are both this. A run whose task has no
reference gets no value, and the cell says so. A run that does not log the raw metric but logs NAME
itself (results published already normalised) keeps its logged value; the table note counts them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from resultsbook.models import StoredRun
from resultsbook.params import format_value
from resultsbook.query.select import run_value

if TYPE_CHECKING:
    from resultsbook.query.runs import Runs

TaskKey = tuple[str, ...]


@dataclass(frozen=True)
class Normalization:
    """A normalised metric: its name, the raw metric, the task keys and the reference scores per task."""

    name: str
    metric: str
    task: tuple[str, ...]
    references: Mapping[TaskKey, tuple[float, float]]  # task values as text -> (low, high)
    origin: str = ""  # where the references come from, e.g. "low from RANDOM.json, high from HUMAN.json"

    def task_of(self, run: StoredRun) -> TaskKey | None:
        """Return the run's task as text values, or None when it lacks a task key."""
        values = [run_value(run, key) for key in self.task]
        if any(value is None for value in values):
            return None
        return tuple(format_value(value) for value in values)

    def reference(self, run: StoredRun) -> tuple[float, float] | None:
        """Return (low, high) for the run's task, or None when there is none."""
        task = self.task_of(run)
        return None if task is None else self.references.get(task)

    def references_of(self, runs: Runs) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
        """Return each run's (low, high) as two arrays, NaN where its task has no reference, and
        {run id: why} for those runs; every run of one task looked up once."""
        low, high = np.full(len(runs), np.nan), np.full(len(runs), np.nan)
        missing: dict[int, str] = {}
        if not len(runs):
            return low, high, missing
        coded = [runs.coded(key) for key in self.task]
        if not all(c.uniform for c in coded):  # 1 and True group together but look up apart
            for i, run in enumerate(runs):
                reference = self.reference(run)
                if reference is None:
                    missing[run.id] = self.missing_text(run)
                else:
                    low[i], high[i] = reference
            return low, high, missing
        codes = np.stack([c.codes[runs.positions] for c in coded], axis=1)
        tasks, inverse = np.unique(codes, axis=0, return_inverse=True)
        ids = runs.ids
        for index, row in enumerate(tasks.tolist()):
            values = [c.values[code] for c, code in zip(coded, row)]
            members = np.flatnonzero(inverse.reshape(-1) == index)
            reference = (
                None
                if any(value is None for value in values)
                else self.references.get(tuple(format_value(value) for value in values))
            )
            if reference is None:
                text = self._missing(None if any(v is None for v in values) else values)
                missing.update(dict.fromkeys(ids[members].tolist(), text))
            else:
                low[members], high[members] = reference
        return low, high, missing

    def apply(self, value: Any, reference: tuple[Any, Any]) -> Any:
        """Normalise a value (or an array of values) with one task's reference scores."""
        low, high = reference
        return (value - low) / (high - low)

    def describe(self) -> str:
        """Say what the normalised metric is, for the table note."""
        task = " × ".join(self.task)
        where = f" ({self.origin})" if self.origin else ""
        return f"{self.name} = ({self.metric} − low) / (high − low), reference scores per {task}{where}"

    def missing_text(self, run: StoredRun) -> str:
        """Say why a run has no normalised value."""
        return self._missing([run_value(run, key) for key in self.task])

    def _missing(self, values: list[Any] | None) -> str:
        """Say why a run with these task values (None: lacking a task key) has no normalised value."""
        if values is None or any(value is None for value in values):
            return f"no {', '.join(self.task)} param to look up a reference score"
        return f"no reference score for {' / '.join(format_value(value) for value in values)}"
