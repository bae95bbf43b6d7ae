"""What the lock remembers of a figure, so that `check` can say which curve or bar moved: each
curve's last point and each bar as text (centre and band, written as a table writes a cell, in digits
of its own numbers), its n, where a curve ends, a digest of its points and its runs' ids, as a table's
cell lists them. A few numbers a series, never the curve itself."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from resultsbook.render.layout import DisplayCell, plain_cell
from resultsbook.render.numformat import column_format
from resultsbook.render.plots import BarItem, LineData, PlotData, short_number


def plotted_values(data: PlotData, interval: bool) -> dict[str, dict[str, Any]]:
    """Return {series name: {value, n (, x), points (, runs)}}: each curve's last point with the x it
    ends at, each bar; the band as `± half` or, with `interval`, as `[low, high]`; the ids of its runs
    where the series knows them."""
    values: dict[str, dict[str, Any]] = {}
    for name, series in named_series(data):
        if isinstance(series, LineData):
            line = series
            ends = len(line.center) > 0
            point = (float(line.center[-1]), float(line.low[-1]), float(line.high[-1])) if ends else None
            values[name] = {
                "value": point_text(*point, interval) if point else "–",
                # the seeds at that last point: with min_seeds, one may be all that reach it
                "n": int(line.counts[-1]) if ends and line.counts is not None else line.n,
                "x": short_number(float(line.x[-1])) if ends else "–",  # as the axis's ticks write it
                "points": points_digest(line.x, line.center, line.low, line.high),
                **({"runs": list(line.runs)} if line.runs else {}),
            }
        else:
            bar = series
            value = point_text(bar.center, bar.low, bar.high, interval)
            values[name] = {
                "value": value,
                "n": len(bar.values),  # the seeds it has a value for
                "points": points_digest(np.array([bar.center, bar.low, bar.high]), np.array(bar.values)),
                **({"runs": list(bar.runs)} if bar.runs else {}),
            }
    return values


def named_series(data: PlotData) -> list[tuple[str, LineData | BarItem]]:
    """Return each curve and bar of a figure with its name as the figure shows it, the name the lock,
    `check` and `explain` give it: panel title / category / legend label."""
    named: list[tuple[str, LineData | BarItem]] = []
    taken: dict[str, Any] = {}
    for panel in data.panels:
        for line in panel.lines:
            name = _name(taken, (panel.title, line.label), line.key, data.ylabel)
            named.append((name, line))
            taken[name] = line
        for bar in panel.bars:
            name = _name(taken, (panel.title, bar.group, bar.label), bar.key, data.ylabel)
            named.append((name, bar))
            taken[name] = bar
    return named


def points_digest(*arrays: np.ndarray) -> str:
    """Return a short digest of every number of a curve (or bar): it tells one that moved before its
    last point, or below the digits shown, from one that did not, in 16 characters of the lock."""
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
    return digest.hexdigest()[:16]


def point_text(center: float, low: float, high: float, interval: bool) -> str:
    """Return a point and its band as a table cell reads: `0.286 ± 0.080`, `0.29 [0.20, 0.37]`, `0.286`;
    digits from its own band (or value), so that one series moving leaves the others' text alone."""
    banded = not (math.isnan(low) or math.isnan(high)) and (low != center or high != center)
    number = column_format([center], [(high - low) / 2 if banded else math.nan])
    shown = DisplayCell(center=number.text(center) or "–")
    if banded and interval:
        shown = DisplayCell(shown.center, interval=(number.text(low) or "–", number.text(high) or "–"))
    elif banded:
        shown = DisplayCell(shown.center, spread=number.text((high - low) / 2))
    return plain_cell(shown, marks=False)


def _name(taken: dict[str, Any], parts: Sequence[str], key: str, fallback: str) -> str:
    """Name a series as the figure shows it: panel title / category / legend label."""
    name = " / ".join(str(part) for part in parts if part) or str(fallback) or "the curve"
    return f"{name} ({key})" if name in taken else name  # two values shown under one label
