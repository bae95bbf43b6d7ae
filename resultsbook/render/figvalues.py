"""What the lock remembers of a curve figure, so that `check` can say which curve moved: each curve's
last point as text (centre and band, written as a table writes a cell), its n and where it ends.
A few numbers a curve, never the curve itself."""

from __future__ import annotations

import math
from typing import Any

from resultsbook.render.layout import DisplayCell, plain_cell
from resultsbook.render.numformat import column_format
from resultsbook.render.plots import LineData, PlotData, short_number


def curve_end_values(data: PlotData, interval: bool) -> dict[str, dict[str, Any]]:
    """Return {curve name: {value, n, x}}: each curve's last point, its band as `± half` (or, with
    `interval`, as `[low, high]`), the runs behind it and the x it ends at, as the axis writes it."""
    values: dict[str, dict[str, Any]] = {}
    for panel in data.panels:
        for line in panel.lines:
            name = " / ".join(str(part) for part in (panel.title, line.label) if part) or str(data.ylabel)
            if name in values:  # two hue values shown under one label
                name = f"{name} ({line.key})"
            values[name] = {"value": last_point_text(line, interval), "n": line.n, "x": _end(line)}
    return values


def last_point_text(line: LineData, interval: bool) -> str:
    """Return a curve's last point as a table cell reads: `0.286 ± 0.080`, `0.29 [0.20, 0.37]`, `0.286`."""
    if not len(line.center):
        return "–"
    center, low, high = (float(array[-1]) for array in (line.center, line.low, line.high))
    banded = not (math.isnan(low) or math.isnan(high)) and (low != center or high != center)
    number = column_format([center], [(high - low) / 2 if banded else math.nan])
    shown = DisplayCell(center=number.text(center) or "–")
    if banded and interval:
        shown = DisplayCell(shown.center, interval=(number.text(low) or "–", number.text(high) or "–"))
    elif banded:
        shown = DisplayCell(shown.center, spread=number.text((high - low) / 2))
    return plain_cell(shown, marks=False)


def _end(line: LineData) -> str:
    """Return where a curve ends on the x axis, written as the axis's ticks are (250k, 1.5M)."""
    return short_number(float(line.x[-1])) if len(line.x) else "–"
