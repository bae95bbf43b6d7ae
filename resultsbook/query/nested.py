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

from resultsbook.models import StoredRun
from resultsbook.params import format_value
from resultsbook.query.marks import bounded
from resultsbook.query.runs import Runs, mlflow_parent_id, mlflow_run_id

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


def stored_without_parents(members: Sequence[StoredRun]) -> tuple[list[StoredRun], str]:
    """Return the runs of a figure's line that are no parent of another of its runs, and the names of
    those left out ('' when none is)."""
    own = np.array([mlflow_run_id(run.provenance) for run in members], dtype=object)
    parents = np.array([mlflow_parent_id(run.provenance) for run in members], dtype=object)
    keep = without_parents(own, parents)
    if keep is None:
        return list(members), ""
    kept = set(keep.tolist())
    left = [str(run.name) for i, run in enumerate(members) if i not in kept]
    return [members[i] for i in keep.tolist()], ", ".join(left)


def cell_words(cell: Key, names: str) -> str:
    """Say one cell's parent runs left out: `mlp / cifar10: mlp-search`."""
    return f"{' / '.join(format_value(v) for v in cell)}: {names}"


def parents_note(where: Sequence[str], noun: str = "cell") -> str:
    """Say which cells (or a figure's lines) left out an MLflow parent run, and why."""
    return (
        f"{len(where)} {noun}(s) hold MLflow child runs and their parent run (tag mlflow.parentRunId), "
        f"which is not counted ({bounded(where)}): a parent's metrics sum up its children's, so it "
        "would count as one more seed; filter with where to show a parent's value on its own"
    )
