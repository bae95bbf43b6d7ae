"""Warnings for aggregates over tasks on scores that do not suit them (rliable, Agarwal et al., NeurIPS
2021, normalises the scores of each task first):

scale        a metric that is not a `[normalized]` one whose scale differs widely between tasks: the
             largest |value| of any run on a task (every row of the table, after `scale`) is more than
             SCALE_FACTOR times larger on one task than on another. The largest, not a typical value:
             on a task every method fails, normalised scores sit near 0 too, while one run that scored
             shows the task's unit. Tasks whose scores are all 0 have no scale and are not compared.
threshold    an optimality gap whose γ lies outside the table's scores: every score at least γ makes
             every gap 0, every score at most γ makes it γ − the mean over tasks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from resultsbook.params import format_value
from resultsbook.query.model import TableQuery
from resultsbook.voice import option, worded

# the largest |score| per game of IRIS's published raw Atari 100k scores differs 1,755 to 8,498 times
# between games for each method; normalised scores differ a few hundred times too where every method
# fails a game (CURL's published human-normalised scores: 435 times), so only more warns
SCALE_FACTOR = 1000
DOCS = '"Normalised scores" in docs/statistics-reference.md'
Key = tuple[Any, ...]


def task_scales(per_task: Mapping[Key, np.ndarray]) -> dict[Key, float]:
    """Return each task's largest finite |score|, leaving out tasks without one above 0."""
    scales = {}
    for task, values in per_task.items():
        finite = np.abs(values[np.isfinite(values)])
        if finite.size and finite.max() > 0:
            scales[task] = float(finite.max())
    return scales


def scales_apart(scales: Mapping[Key, float]) -> tuple[Key, Key, float] | None:
    """Return the tasks of the largest and the smallest scale and how many times apart they are, when
    that is more than SCALE_FACTOR; None otherwise (or with fewer than two scales)."""
    if len(scales) < 2:
        return None
    largest, smallest = max(scales, key=scales.__getitem__), min(scales, key=scales.__getitem__)
    factor = scales[largest] / scales[smallest]
    return (largest, smallest, factor) if factor > SCALE_FACTOR else None


def scale_note(query: TableQuery, per_task: Mapping[Key, np.ndarray], plural: str) -> str | None:
    """Say that a metric not normalised per task has scales more than SCALE_FACTOR apart between tasks."""
    name = query.metrics[0].name
    if name in query.normalized:
        return None
    scales = task_scales(per_task)
    apart = scales_apart(scales)
    if apart is None:
        return None
    largest, smallest, factor = apart
    return (
        f"{name!r} is not a [normalized] metric and its scale differs between {plural}: the largest "
        f"absolute value of a run is {number_text(scales[largest])} on {task_text(largest)!r} but "
        f"{number_text(scales[smallest])} on {task_text(smallest)!r}, {number_text(factor)} times less "
        "(more than "
        f"{SCALE_FACTOR:,} times); aggregates over {plural} assume one scale: normalise {name!r} per "
        f"{' × '.join(query.tasks)} with [normalized.NAME] in the spec (see {DOCS})"
    )


def threshold_note(query: TableQuery, per_task: Mapping[Key, np.ndarray], plural: str) -> str | None:
    """Say that the optimality gap's γ lies outside every score of the table, so the gap says nothing new."""
    if "optimality_gap" not in query.aggregates or not per_task:
        return None
    gamma = query.optimality_threshold
    lowest = min(per_task, key=lambda task: per_task[task].min())
    highest = max(per_task, key=lambda task: per_task[task].max())
    low, high = float(per_task[lowest].min()), float(per_task[highest].max())
    if low >= gamma:
        said = f"at least γ = {gamma:g} (the lowest is {number_text(low)} on {task_text(lowest)!r})"
        gap = "0 for every row"
    elif high <= gamma:
        said = f"at most γ = {gamma:g} (the highest is {number_text(high)} on {task_text(highest)!r})"
        gap = f"{gamma:g} − the mean over {plural} for every row"
    else:
        return None
    name = query.metrics[0].name
    return worded(
        lambda: (
            f"every value of {name!r} in the table is {said}, so the optimality gap is {gap}; set γ "
            f"inside the scores' range (the spec's optimality_threshold, {option('threshold')})"
        )
    )


def scale_warnings(query: TableQuery, per_task: Mapping[Key, np.ndarray], plural: str) -> list[str]:
    """Return the warnings about the scores a table aggregates over tasks (all rows pooled per task)."""
    scaled = [name for name in query.aggregates or ("mean",) if name != "probability_of_improvement"]
    notes = [scale_note(query, per_task, plural) if scaled else None, threshold_note(query, per_task, plural)]
    return [note for note in notes if note is not None]


def task_text(task: Sequence[Any]) -> str:
    """Return a task as the table names it: `Pong`, `hopper / medium-v0`."""
    return " / ".join(format_value(value) for value in task)


def number_text(value: float) -> str:
    """Return a magnitude as a reader compares them: `87,594`, `12.9`, `0.00123`."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
