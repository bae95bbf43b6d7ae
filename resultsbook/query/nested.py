"""Leave out an MLflow parent run from a cell that holds its child runs.

A hyperparameter search or a sweep over seeds in MLflow is a parent run whose children
(`mlflow.parentRunId`) are the trials; the parent often logs the same metric as its children — their
mean, or the best of them — and holds the settings they share, so it falls into their cell and would
count as one more seed, with a value that is not a seed's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from resultsbook.params import format_value
from resultsbook.query.marks import bounded
from resultsbook.query.runs import Runs

Key = tuple[Any, ...]


def without_parents(own: np.ndarray, parents: np.ndarray) -> np.ndarray | None:
    """Return the positions of a cell's runs that are no parent of another run of the cell (`own`:
    their MLflow run ids, `parents`: their parents'); None when no run of the cell is one."""
    named = {parent for parent in parents.tolist() if parent is not None}
    if not named:  # as usual: no child run in the cell
        return None
    is_parent = np.array([run is not None and run in named for run in own.tolist()], dtype=bool)
    return np.flatnonzero(~is_parent) if is_parent.any() else None


def parents_text(keep: np.ndarray, members: Runs) -> str:
    """Name the parent runs of a cell left out (those of `members` not at `keep`)."""
    left = np.setdiff1d(np.arange(len(members)), keep)
    names = members.field("name")[left].tolist()
    return ", ".join(str(name) for name in names)


def parents_note(left_out: Sequence[tuple[Key, str]]) -> str:
    """Say which cells left out an MLflow parent run, and why."""
    where = [f"{' / '.join(format_value(v) for v in cell)}: {names}" for cell, names in left_out]
    return (
        f"{len(left_out)} cell(s) hold MLflow child runs and their parent run (tag mlflow.parentRunId), "
        f"which is not counted ({bounded(where)}): a parent's metrics sum up its children's, so it "
        "would count as one more seed; filter with where to show a parent's value on its own"
    )
