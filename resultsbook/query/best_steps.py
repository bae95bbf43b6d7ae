"""What a table says when best(KEY) reads a metric at KEY's best step, and the two count their steps
differently: one logged per batch, the other per epoch; or one round off the other."""

from __future__ import annotations

import numpy as np

from resultsbook.query.access import MetricReader, Summaries
from resultsbook.query.model import MetricSpec
from resultsbook.query.reduce import parse_reduction, step_text
from resultsbook.query.runs import Runs


def best_step_notes(
    reader: MetricReader, metric: MetricSpec, runs: Runs, ends: np.ndarray | None
) -> list[str]:
    """Return the notes on where best(KEY) reads the metric (`ends`: each run's last step of it)."""
    return _step_scale_note(reader, metric, runs, ends) + _step_offset_note(reader, metric, runs)


STEP_SCALE = 2.0  # a curve running this many times further than best(KEY)'s KEY counts its steps otherwise


def _step_scale_note(
    reader: MetricReader, metric: MetricSpec, runs: Runs, ends: np.ndarray | None
) -> list[str]:
    """Say when best(KEY) reads a metric whose curves run several times further than KEY's in most
    runs (Sacred's `trainAccuracy` logged per batch to step 1800, `validAccuracy` per epoch to 300):
    the step where KEY is best is then another point of the metric's training."""
    reduction = parse_reduction(metric.reduce)
    other = reduction.other
    if reduction.kind != "best" or ends is None or other in reader.derived or other in reader.normalized:
        return []
    summaries = reader.summary_arrays(other)
    found, at = summaries.find(runs.ids)
    if not len(summaries.runs):
        return []
    other_ends = np.where(found, summaries.columns["last_step"][at], np.nan)
    with np.errstate(invalid="ignore"):  # NaN: a run that logged no curve of one of them
        both = (ends > 0) & (other_ends > 0)
        further = both & (ends >= STEP_SCALE * other_ends)
    if not both.any() or further.sum() * 2 <= both.sum():
        return []
    first = int(np.flatnonzero(further)[0])
    count, of = int(further.sum()), int(both.sum())
    return [
        f"{reduction.text} reads {metric.name} at the step where {other} is best, but in {count} "
        f"of {of} runs {metric.name} runs to a step at least {STEP_SCALE:g} times further (e.g. "
        f"{runs.field('name')[first]}: to {step_text(float(ends[first]))}, {other} to "
        f"{step_text(float(other_ends[first]))}): if the two count steps differently (batches and epochs), "
        "that step is another point of training"
    ]


def _step_offset_note(reader: MetricReader, metric: MetricSpec, runs: Runs) -> list[str]:
    """Say when best(KEY) reads a metric logged on KEY's grid of steps shifted by one interval in most
    runs (torch's `SummaryWriter` with a training loss at epoch * batches and the test IoU at
    (epoch + 1) * batches): the metric's point at KEY's best step was then logged a round later or earlier."""
    reduction = parse_reduction(metric.reduce)
    other = reduction.other
    if reduction.kind != "best" or metric.name in reader.derived or metric.name in reader.normalized:
        return []
    if other in reader.derived or other in reader.normalized:
        return []
    grids = [_step_grid(reader.summary_arrays(key), runs) for key in (metric.name, other)]
    (first, last, spacing), (other_first, other_last, other_spacing) = grids
    with np.errstate(invalid="ignore"):  # NaN: a run with fewer than two points of one of them
        both = (spacing > 0) & (other_spacing > 0)
        shifted = (
            both
            & np.isclose(spacing, other_spacing, rtol=1e-9, atol=0)
            & np.isclose(np.abs(other_first - first), other_spacing, rtol=1e-9, atol=0)
        )
    if not both.any() or shifted.sum() * 2 <= both.sum():
        return []
    at = int(np.flatnonzero(shifted)[0])
    side = "before" if first[at] < other_first[at] else "after"
    count, of = int(shifted.sum()), int(both.sum())
    steps = f"{step_text(float(first[at]))}…{step_text(float(last[at]))}"
    other_steps = f"{step_text(float(other_first[at]))}…{step_text(float(other_last[at]))}"
    return [
        f"{reduction.text} reads {metric.name} at the step where {other} is best, but in {count} of {of} "
        f"runs {metric.name} is logged one interval ({step_text(float(spacing[at]))} steps) {side} {other}'s "
        f"steps (e.g. {runs.field('name')[at]}: at {steps}, {other} at {other_steps}): if both are "
        f"logged once a round (an epoch's training and its test), the value read is another round's"
    ]


def _step_grid(summaries: Summaries, runs: Runs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each run's first and last step of a metric and their mean spacing (NaN below two points)."""
    found, at = summaries.find(runs.ids)
    if not len(summaries.runs):
        empty = np.full(len(runs.ids), np.nan)
        return empty, empty, empty
    first = np.where(found, summaries.columns["first_step"][at], np.nan)
    last = np.where(found, summaries.columns["last_step"][at], np.nan)
    points = np.where(found, summaries.n[at], 0).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        spacing = np.where(points >= 2, (last - first) / (points - 1), np.nan)
    return first, last, spacing
