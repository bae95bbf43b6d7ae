"""Figures: from aggregated data to plot data (what is drawn, testable without pixels), then to
matplotlib figures and deterministic bytes. Pure: nothing here reads the store or writes files.

    curve       one line per hue: the statistic over seeds per step, a band (std, sem, ci95, min-max)
    bar         grouped bars at the table's centre, error bars from the table's own spread
    points      every seed as a dot beside the centre and its interval
    profile     one performance profile per method (query/profiles.py), drawn as curves
    efficiency  one sample-efficiency curve per method (query/profiles.py), drawn as curves

matplotlib is imported inside the functions that draw (it costs ~0.5 s) and only through its
object API with the Agg canvas: no pyplot, no global backend switch.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import re
import shutil
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from resultsbook.errors import RenderError, first_line
from resultsbook.params import format_value, value_texts_apart, values_equal
from resultsbook.query.curves import CurveSet
from resultsbook.query.model import METRIC_KEY, ResultTable
from resultsbook.query.profiles import TaskLines
from resultsbook.render.escape import RawLatex, as_written, escape_latex, escape_terminal
from resultsbook.render.figstyle import FigureStyle, font_families, font_file, installed_families, rc_params
from resultsbook.render.layout import (
    SPREAD_NAMES,
    Labels,
    TableFormat,
    metric_label,
    replicate_word,
    stat_note,
)
from resultsbook.render.palette import HATCHES, Look, look_key
from resultsbook.render.textfit import (
    fit_axis_label,
    fit_categories,
    fit_legend,
    fit_title,
    fit_turned_categories,
    legend_height,
    measuring_renderer,
    reading_order,
    turned_categories_cross,
)

FIGURE_KINDS = ("curve", "bar", "points", "profile", "efficiency")
FIGURE_SUFFIXES = (".pdf", ".pgf", ".svg", ".png")
RIGHT_LEGEND_SHARE = 0.5  # of the figure's width, at most, for a legend on the right
LEGEND_MARGIN = 1.04  # a figure grown to hold its legend is this much taller than the legend
TITLE_SHARE = 0.94  # of the room between a title's neighbours, at most, for the title: a gap between them
CLEAR_OF_LAYOUT = 0.8  # a title this far inside its room on the grid stays inside it after the layout
TOP_LEGEND_ROOM_IN = 0.3  # the height a legend on top adds to a figure: one row of labels
# spreads drawn from their bounds (a BCa interval or the quartiles need not be centred)
INTERVAL_BOUNDS = {name: (f"{name}_lo", f"{name}_hi") for name in ("ci95", "bootstrap", "bca", "iqr")} | {
    "minmax": ("min", "max")
}
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "pdf": {"metadata": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": "resultsbook"}},
    "svg": {"metadata": {"Date": None, "Creator": "resultsbook"}},
    "png": {"metadata": {"Software": "resultsbook"}},  # a build knows its own file by it
    "pgf": {},
}


# a field no figure draws: the figure's digest (what it is made of) leaves it out, so that a lock written
# before it was kept still finds its figure drawn from the same data
UNDRAWN = {"drawn": False}


@dataclass(frozen=True)
class LineData:
    """One curve as drawn: label, look, x, the centre and the band bounds."""

    key: str  # the hue value as text (format_value), for tests and the report
    label: str
    look: Look
    x: np.ndarray
    center: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: int  # seeds behind the line
    counts: np.ndarray | None = None  # seeds with data at each point (min_seeds keeps points fewer reach)
    runs: tuple[str, ...] = field(default=(), metadata=UNDRAWN)  # its runs' ids, sorted: for the lock


@dataclass(frozen=True)
class BarItem:
    """One bar (or point group): its category, hue, centre, interval and the per-seed values."""

    group: str  # label of the x category ("" when the figure has no x key)
    key: str  # the hue value as text
    label: str
    look: Look
    center: float
    low: float
    high: float
    values: tuple[float, ...]
    runs: tuple[str, ...] = field(default=(), metadata=UNDRAWN)  # its runs' ids, sorted: for the lock
    cell: tuple[Any, ...] = field(default=(), metadata=UNDRAWN)  # its table cell's (row, column): for explain


@dataclass(frozen=True)
class Panel:
    """One facet: its title and what it shows."""

    title: str
    lines: tuple[LineData, ...] = ()
    bars: tuple[BarItem, ...] = ()


@dataclass(frozen=True)
class PlotData:
    """Everything a figure draws, in plain numbers and strings (labels not yet escaped)."""

    kind: str
    panels: tuple[Panel, ...]
    legend: tuple[tuple[str, str, Look], ...]  # (key, label, look) in the project's order
    groups: tuple[str, ...] = ()  # x categories of bar and points figures
    xlabel: str = ""
    ylabel: str = ""
    note: str = ""
    x_unit_scale: float = 1.0


@dataclass(frozen=True)
class FigureOptions:
    """Per-figure settings: texts, axes, facet layout."""

    title: str | None = None
    xlabel: str | None = None
    ylabel: str | None = None
    xscale: str = "linear"
    yscale: str = "linear"
    xlim: tuple[float, float] | None = None
    ylim: tuple[float, float] | None = None
    facet_columns: int = 3
    sharey: bool = False
    markevery: int = 8  # markers per curve across the panel, so lines stay apart in greyscale


# ----------------------------------------------------------------------------------------- data
def curve_plot_data(
    curves: CurveSet, labels: Labels, looks: Mapping[str, Look], ylabel: str | None = None
) -> PlotData:
    """Turn aggregated curves into plot data: panels per facet, labels and looks per hue."""
    query = curves.query
    facets = _distinct([line.facet for line in curves.lines])
    x_scale, x_unit = _time_unit(curves) if query.x == "time" else (1.0, "")
    panels = []
    for facet in facets:
        lines = [line for line in curves.lines if values_equal(line.facet, facet)]
        lines.sort(key=lambda line: _rank(looks, line.hue))
        panels.append(
            Panel(
                title=labels.value(query.facet, facet) if query.facet else "",
                lines=tuple(
                    LineData(
                        key=format_value(line.hue),
                        label=_hue_label(labels, query.hue, line.hue),
                        look=_look(looks, line.hue),
                        x=line.x / x_scale,
                        center=line.center,
                        low=line.low,
                        high=line.high,
                        n=len(line.runs),
                        counts=line.n,
                        runs=tuple(sorted(run.run_id for run in line.runs)),
                    )
                    for line in lines
                ),
            )
        )
    if query.x == "time":
        xlabel = f"Wall time ({x_unit})"
    elif query.x in labels.keys:
        xlabel = labels.key(query.x)
    else:
        xlabel = "Step" if query.x == "step" else query.x
    return PlotData(
        kind="curve",
        panels=tuple(panels),
        legend=_legend(looks, [line.hue for line in curves.lines], labels, query.hue),
        xlabel=xlabel,
        ylabel=ylabel or labels.key(query.metric),
        note=curves.statement(),
        x_unit_scale=x_scale,
    )


def task_lines_plot_data(lines: TaskLines, labels: Labels, looks: Mapping[str, Look]) -> PlotData:
    """Turn performance profiles or sample-efficiency curves into plot data: one panel, a line per method."""
    ordered = sorted(lines.lines, key=lambda line: _rank(looks, line.hue))
    drawn = tuple(
        LineData(
            key=format_value(line.hue),
            label=_hue_label(labels, lines.hue, line.hue),
            look=_look(looks, line.hue),
            x=line.x,
            center=line.center,
            low=line.low,
            high=line.high,
            n=line.runs,
            runs=line.run_ids,
        )
        for line in ordered
    )
    return PlotData(
        kind="curve",
        panels=(Panel(title="", lines=drawn),),
        legend=_legend(looks, [line.hue for line in lines.lines], labels, lines.hue),
        xlabel=labels.key(lines.xlabel) + lines.x_suffix,
        ylabel=lines.ylabel,
        note=lines.statement,
    )


def cell_plot_data(
    table: ResultTable,
    fmt: TableFormat,
    labels: Labels,
    kind: str,
    x: str | None,
    hue: str | None,
    facet: str | None,
    looks: Mapping[str, Look],
    order: Mapping[str, Sequence[Any]] | None = None,
) -> PlotData:
    """Turn a table's cells into bar or points data: centre and interval exactly as the table shows them,
    categories in the table's order (or the figure's own `order`), hues in the order of `looks`."""
    keys = (*table.row_keys, *table.column_keys)
    used = [k for k in (x, hue, facet) if k]
    for key in used:
        if key not in keys:
            raise RenderError(f"{key!r} is not a row or column key of the table ({', '.join(keys)})")
    cells = []
    for (row, column), cell in sorted(table.cells.items(), key=lambda item: _cell_rank(table, item[0])):
        values = dict(zip(keys, (*row, *column)))
        cells.append((values, cell))
    for key in keys:
        if key not in used and len(_distinct([values[key] for values, _ in cells])) > 1:
            raise RenderError(
                f"the table varies in {key!r}, which the figure does not show; set x, hue or facet to it"
            )
    order = order or {}
    facets = (
        _ordered(_distinct([values[facet] for values, _ in cells]), order.get(facet)) if facet else [None]
    )
    groups = _ordered(_distinct([values[x] for values, _ in cells]), order.get(x)) if x else [None]
    group_labels = _labels_apart(table, labels, x, groups) if x else [""]
    panels = []
    for facet_value in facets:
        items = []
        for values, cell in cells:
            if facet and not values_equal(values[facet], facet_value):
                continue
            center = cell.stats.get(fmt.center, math.nan)
            if math.isnan(center):
                continue
            low, high = _interval(cell.stats, fmt, center)
            hue_value = values[hue] if hue else None
            items.append(
                BarItem(
                    group=group_labels[_position(groups, values[x])] if x else "",
                    key=format_value(hue_value),
                    label=_key_label(table, labels, hue, hue_value) if hue else "",
                    look=_look(looks, hue_value),
                    center=center,
                    low=low,
                    high=high,
                    values=tuple(v for v in cell.values if not math.isnan(v)),
                    runs=tuple(cell.runs.sorted_run_ids()),
                    cell=tuple(
                        tuple(values[k] for k in part) for part in (table.row_keys, table.column_keys)
                    ),
                )
            )
        items.sort(
            key=lambda item: (_index_of(groups, item.group, table, labels, x), _rank_text(looks, item.key))
        )
        panels.append(
            Panel(title=_key_label(table, labels, facet, facet_value) if facet else "", bars=tuple(items))
        )
    metrics = {cell.metric.name: cell.metric for _, cell in cells}
    ylabel = ""
    if len(metrics) == 1:
        metric = next(iter(metrics.values()))
        ylabel = metric.label or labels.key(metric.name)
    note = stat_note(table, fmt, emphasis=False)
    ones = [cell for _, cell in cells if int(cell.stats.get("n", 0)) == 1]
    if fmt.spread is not None and ones and len(ones) < len(cells):  # beside bars with one: not a zero spread
        what = "bar" if kind == "bar" else "marker"
        spread = SPREAD_NAMES[fmt.spread]
        note += f" {len(ones)} {what}(s) of one {replicate_word(table)} (n = 1): no {spread}, no error bar."
    if kind == "points":
        one = all(int(cell.stats["n"]) == 1 for cell in table.cells.values())  # one value: no bar
        marker = "marker" if one or fmt.spread is None else "marker with bar"
        note = f"Dots: one per {replicate_word(table)}; {marker}: " + note[0].lower() + note[1:]
    return PlotData(
        kind=kind,
        panels=tuple(panels),
        legend=_legend(looks, [values[hue] for values, _ in cells], labels, hue) if hue else (),
        groups=tuple(group_labels) if x else ("",),
        xlabel=labels.key(x) if x and x != METRIC_KEY else "",
        ylabel=ylabel,
        note=note,
    )


def _interval(stats: Mapping[str, float], fmt: TableFormat, center: float) -> tuple[float, float]:
    """Return the error bar the table's spread describes: centre ± spread, or an interval's bounds."""
    if fmt.spread is None:
        return center, center
    if fmt.spread in INTERVAL_BOUNDS:
        low_key, high_key = INTERVAL_BOUNDS[fmt.spread]
        low, high = stats.get(low_key, math.nan), stats.get(high_key, math.nan)
    else:
        half = stats.get(fmt.spread, math.nan)
        low, high = center - half, center + half
    return (center, center) if math.isnan(low) or math.isnan(high) else (low, high)


def _distinct(values: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if not any(values_equal(value, seen) for seen in out):
            out.append(value)
    return out


def _ordered(values: list[Any], explicit: Sequence[Any] | None) -> list[Any]:
    """Return values with the explicitly ordered ones first, in that order."""
    if not explicit:
        return values
    first = [v for e in explicit for v in values if values_equal(v, e)]
    return first + [v for v in values if not any(values_equal(v, f) for f in first)]


def _cell_rank(table: ResultTable, key: tuple[Any, Any]) -> tuple[int, int]:
    row, column = key
    return table.rows.index(row), table.columns.index(column)


def _index_of(groups: list[Any], label: str, table: ResultTable, labels: Labels, x: str | None) -> int:
    if not x:
        return 0
    return _labels_apart(table, labels, x, groups).index(label)


def _position(values: Sequence[Any], value: Any) -> int:
    return next(index for index, other in enumerate(values) if values_equal(other, value))


def _labels_apart(table: ResultTable, labels: Labels, key: str, values: Sequence[Any]) -> list[str]:
    """Return the labels of a key's values, a text in quotes where a number reads the same and no
    display name tells them apart (the number 1 and the text "1": `1` and `'1'`)."""
    texts = value_texts_apart(values)
    plain = [_key_label(table, labels, key, value) for value in values]
    return [t if label == format_value(v) else label for v, t, label in zip(values, texts, plain)]


def _key_label(table: ResultTable, labels: Labels, key: str | None, value: Any) -> str:
    if key == METRIC_KEY:
        return metric_label(table, value, labels)
    return labels.value(key or "", value)


def _hue_label(labels: Labels, key: str | None, value: Any) -> str:
    return labels.value(key, value) if key else ""


def _look(looks: Mapping[str, Look], value: Any) -> Look:
    text = look_key(value, looks)
    if text in looks:
        return looks[text]
    if looks:  # a value no run of the project has (cannot happen for data from the store)
        raise RenderError(f"no colour assigned to {text!r}")
    return Look(color="#0072B2", marker="o")


def _rank(looks: Mapping[str, Look], value: Any) -> int:
    return _rank_text(looks, look_key(value, looks))


def _rank_text(looks: Mapping[str, Look], text: str) -> int:
    keys = list(looks)
    return keys.index(text) if text in keys else len(keys)


def _legend(
    looks: Mapping[str, Look], shown: Sequence[Any], labels: Labels, key: str | None
) -> tuple[tuple[str, str, Look], ...]:
    """Return the legend entries of the values a figure shows, in the project's order."""
    if not key:
        return ()
    texts = {look_key(v, looks): v for v in shown}
    # bare numbers (folds, seeds, learning rates) say nothing in a legend: each says which key it is
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in texts.values())

    def entry(text: str) -> str:
        label = labels.value(key, texts[text])
        if label == format_value(texts[text]):
            label = text  # `'1'` beside the number 1, when no display name tells them apart
        if not numbers or label != text:  # a display name the spec gives is shown as written
            return label
        name = labels.key(key)
        if isinstance(name, RawLatex):
            return RawLatex(f"{name.latex} = {escape_latex(text)}", f"{name} = {text}")
        return f"{name} = {text}"

    return tuple((text, entry(text), look) for text, look in looks.items() if text in texts)


def _time_unit(curves: CurveSet) -> tuple[float, str]:
    """Choose seconds, minutes or hours for a wall-time axis from its longest run."""
    longest = max((float(line.x[-1]) for line in curves.lines if len(line.x)), default=0.0)
    if longest >= 2 * 3600:
        return 3600.0, "h"
    if longest >= 120:
        return 60.0, "min"
    return 1.0, "s"


# ----------------------------------------------------------------------------------------- drawing
def render_figure(
    data: PlotData,
    style: FigureStyle,
    options: FigureOptions,
    suffix: str,
    generated: str = "",
    preamble: Sequence[str] = (),
    unfitted: list[str] | None = None,
    crowded: list[str] | None = None,
) -> bytes:
    """Draw plot data and return the bytes of one output format (.pdf, .pgf, .svg, .png); `preamble`
    holds the packages a PGF figure's labels need (matplotlib measures them with LaTeX); panel titles
    too wide for their panel are added to `unfitted`, panels whose category names run together to
    `crowded`."""
    if suffix not in FIGURE_SUFFIXES:
        raise RenderError(f"figure format {suffix!r} is not one of {', '.join(FIGURE_SUFFIXES)}")
    import matplotlib

    pgf = suffix == ".pgf"
    with matplotlib.rc_context(), warnings.catch_warnings():
        # a glyph the font lacks is said once, naming the label (`drawing_problems`), not per drawing
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        # labels too long for the width: matplotlib falls back to its plain layout, the figure is drawn
        warnings.filterwarnings("ignore", message="constrained_layout not applied")
        # a log axis of a panel with no value above 0: said by `log_scale_problems`, naming the panel
        warnings.filterwarnings("ignore", message="Data has no positive values")
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(rc_params(style, pgf, preamble))  # type: ignore[arg-type]
        with latex_errors(pgf):  # a PGF legend is fitted with texts measured by LaTeX
            figure = plot_figure(data, style, options, pgf, unfitted, crowded)
        return figure_bytes(figure, suffix, generated)


def figure_text(label: str, pgf: bool) -> tuple[str, bool]:
    """Return how a label is drawn and whether matplotlib parses its math: escaped LaTeX for PGF (raw
    LaTeX as written), mathtext for a raw LaTeX label matplotlib can draw, else its plain text."""
    if pgf:
        return escape_latex(label), False
    if isinstance(label, RawLatex) and mathtext_drawable(label.latex):
        return label.latex, True
    return _plain(str(label)), False


_LINE_BREAKS = str.maketrans("\n\r\t", "   ")


def _plain(text: str) -> str:
    """Figure text outside LaTeX: a line end or tab is a space, as in the tables and the .pgf; other
    control characters (no glyph, or reordering text) shown as escapes."""
    return escape_terminal(text.translate(_LINE_BREAKS))


def mathtext_drawable(latex: str) -> bool:
    """Tell whether matplotlib's mathtext draws a piece of LaTeX as LaTeX would: math between `$`
    signs that mathtext knows, and plain text outside them."""
    parts = re.split(r"(?<!\\)\$", latex)
    if len(parts) % 2 == 0 or any(re.search(r"[\\{}~^_]", part) for part in parts[::2]):
        return False
    if len(parts) == 1:
        return True
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(latex)
    except ValueError:
        return False
    return True


def drawn_texts(data: PlotData, options: FigureOptions) -> list[str]:
    """Return every label a figure draws: titles, axis labels, legend entries, categories."""
    texts = [panel.title for panel in data.panels] + [label for _, label, _ in data.legend]
    texts += list(data.groups)
    texts += [options.xlabel if options.xlabel is not None else data.xlabel]
    texts += [options.ylabel if options.ylabel is not None else data.ylabel]
    texts += [options.title or ""]
    return [text for text in dict.fromkeys(texts) if text]


def drawing_problems(texts: Sequence[str], style: FigureStyle, output: str) -> list[str]:
    """Say which labels a matplotlib output (PDF, SVG, PNG) cannot draw as written: raw LaTeX that
    mathtext does not know (drawn as plain text), characters the figure's font lacks."""
    problems = []
    wanted, drawn = font_families(style.font)[0], installed_families(style.font)[0]
    if wanted != drawn:
        problems.append(
            f"the font {wanted!r} is not installed for matplotlib: what it draws (.pdf, .png, .svg) is in "
            f"{drawn}; install it (then delete matplotlib's font cache), or choose .pgf, which LaTeX sets in "
            "the paper's own font"
        )
    for text in texts:
        if isinstance(text, RawLatex) and not mathtext_drawable(text.latex):
            problems.append(
                f"label {as_written(text.latex)} is drawn as its plain text {as_written(str(text))} in "
                f"{output}: matplotlib's mathtext cannot draw that LaTeX; a .pgf output typesets it in LaTeX"
            )
            continue
        if isinstance(text, RawLatex):
            continue
        missing = [
            char for char in dict.fromkeys(str(text)) if not char.isspace() and not font_has(style, char)
        ]
        if missing:
            problems.append(
                f"label {str(text)!r}: the font {style.font!r} has no {' '.join(missing)}, drawn as empty "
                f'boxes in {output}; choose a font that has them (font = "Noto Sans CJK SC"...) or .pgf'
            )
    return problems


def log_scale_problems(data: PlotData, options: FigureOptions) -> list[str]:
    """Say which values a log axis cannot draw (at or below 0: tianshou's Reacher-v2 returns, a step
    0), which matplotlib leaves out without a word, and which bands or error bars it cuts off there."""
    from resultsbook.query.marks import bounded

    problems = []
    for name, scale in (("xscale", options.xscale), ("yscale", options.yscale)):
        if scale != "log" or (name == "xscale" and data.kind != "curve"):
            continue
        missing, cut = [], []
        for panel in data.panels:
            for line in panel.lines:
                where = ", ".join(str(text) for text in (panel.title, line.label) if text) or "the line"
                values = line.x if name == "xscale" else line.center
                below = int(np.sum(values <= 0))
                if below:
                    missing.append(f"{where}: {below} of {len(values)} point(s)")
                elif name == "yscale" and np.any(line.low <= 0):
                    cut.append(where)
            for item in panel.bars:
                where = (
                    ", ".join(str(text) for text in (panel.title, item.group, item.label) if text)
                    or "the bar"
                )
                if item.center <= 0:
                    missing.append(where)
                elif item.low <= 0:
                    cut.append(where)
        if not missing and not cut:
            continue
        parts = [f'{name} = "log" cannot draw values at or below 0']
        if missing:
            parts.append(f"left out of the figure: {bounded(missing)}")
        if cut:
            band = "error bars" if data.kind != "curve" else "bands"
            parts.append(f"{band} cut off at the axis's bottom: {bounded(cut)}")
        problems.append("; ".join(parts) + f'; {name} = "symlog" draws them, or shift the values above 0')
    return problems


def infinite_problems(data: PlotData) -> list[str]:
    """Say which values are infinite (a run that diverged), which matplotlib leaves out without a word:
    a curve's points (it stops there), a bar, a seed's dot."""
    from resultsbook.query.marks import bounded

    missing = []
    for panel in data.panels:
        for line in panel.lines:
            where = ", ".join(str(text) for text in (panel.title, line.label) if text) or "the line"
            infinite = np.isinf(line.center)
            if infinite.any():
                first = float(line.x[infinite][0])
                missing.append(
                    f"{where}: {int(infinite.sum())} of {len(infinite)} point(s), from x = {first:g}"
                )
        for item in panel.bars:
            where = (
                ", ".join(str(text) for text in (panel.title, item.group, item.label) if text) or "the bar"
            )
            seeds = sum(1 for value in item.values if math.isinf(value))
            if math.isinf(item.center):
                missing.append(f"{where}: its {'bar' if data.kind == 'bar' else 'centre'}")
            if seeds and data.kind == "points":
                missing.append(f"{where}: {seeds} of {len(item.values)} seed(s)")
    if not missing:
        return []
    return [f"infinite values cannot be drawn and are left out of the figure: {bounded(missing)}"]


def font_has(style: FigureStyle, char: str) -> bool:
    """Tell whether one of the figure's font families has a glyph for a character."""
    return any(ord(char) in _charmap(family) for family in installed_families(style.font))


@functools.cache
def _charmap(family: str) -> frozenset[int]:
    from matplotlib import ft2font

    path = font_file(family)
    return frozenset(ft2font.FT2Font(path).get_charmap()) if path is not None else frozenset()


def plot_figure(
    data: PlotData,
    style: FigureStyle,
    options: FigureOptions,
    pgf: bool = False,
    unfitted: list[str] | None = None,
    crowded: list[str] | None = None,
) -> Any:
    """Return a matplotlib Figure drawing the plot data (texts as `figure_text` draws them); panel
    titles too wide for their panel even when set smaller are added to `unfitted`, and the titles of
    panels whose category names run into each other even upright and set smaller to `crowded`."""
    from matplotlib.figure import Figure

    count = max(len(data.panels), 1)
    columns = max(1, min(count, options.facet_columns))
    rows = math.ceil(count / columns)
    panel_width = style.width / columns
    height = style.height or rows * max(panel_width * style.aspect, 1.2) + (
        TOP_LEGEND_ROOM_IN if style.legend == "top" else 0.0
    )
    figure = Figure(figsize=(style.width, height), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False, sharey=options.sharey)
    flat = [axis for row in axes for axis in row]
    for axis in flat[count:]:
        axis.set_visible(False)
    draw = {"curve": plot_curve, "bar": plot_bar, "points": plot_points}[data.kind]
    turned = []
    for axis, panel in zip(flat, data.panels):
        draw(axis, panel, data, style, options)
        if panel.title:
            text, parsed = figure_text(panel.title, pgf)
            axis.set_title(text, parse_math=parsed)
        _style_axis(axis, data, options)
        if data.kind != "curve" and _category_ticks(axis, data, pgf):
            turned.append(axis)
    ylabel = figure_text(options.ylabel if options.ylabel is not None else data.ylabel, pgf)
    xlabel = figure_text(options.xlabel if options.xlabel is not None else data.xlabel, pgf)
    if count > 1:  # one label for the grid: each panel's own is as long as the panel, and overlapped the next
        size = flat[0].xaxis.label.get_size()
        if xlabel[0]:
            figure.supxlabel(xlabel[0], parse_math=xlabel[1], fontsize=size)
        if ylabel[0]:
            figure.supylabel(ylabel[0], parse_math=ylabel[1], fontsize=size)
    else:
        flat[0].set_ylabel(ylabel[0], parse_math=ylabel[1])
        flat[0].set_xlabel(xlabel[0], parse_math=xlabel[1])
    if options.title:
        text, parsed = figure_text(options.title, pgf)
        figure.suptitle(text, parse_math=parsed)
    _legend_artist(figure, flat[0], data, style, pgf)
    if ylabel[0]:
        _fit_ylabel(figure, flat[:count], options.ylabel if options.ylabel is not None else data.ylabel, pgf)
    unfit = _fit_titles(figure, flat[:count], [panel.title for panel in data.panels], columns, pgf)
    if unfitted is not None:
        unfitted += unfit
    for axis in _fit_turned_categories(figure, turned, data.groups, pgf):
        if crowded is not None:
            crowded.append(data.panels[flat.index(axis)].title)
    return figure


def _fit_ylabel(figure: Any, axes: Sequence[Any], label: str, pgf: bool) -> None:
    """Wrap a y label longer than the panels it names (`Normalized average return over evaluation
    episodes` beside a column-wide curve), which ran past them into a legend on top."""
    artist = figure._supylabel if len(axes) > 1 else axes[0].yaxis.label
    if artist is None:
        return
    renderer = measuring_renderer(figure, pgf)
    length = artist.get_window_extent(renderer).height
    if length <= figure.bbox.height * 0.5:  # well inside any panel the layout leaves it: as drawn
        return
    figure.get_layout_engine().execute(figure)
    boxes = [axis.get_position() for axis in axes]
    room = (max(box.y1 for box in boxes) - min(box.y0 for box in boxes)) * figure.bbox.height
    if length > room:
        fit_axis_label(artist, label, room, lambda text: figure_text(text, pgf), pgf)


def _fit_titles(
    figure: Any, axes: Sequence[Any], titles: Sequence[str], columns: int, pgf: bool
) -> list[str]:
    """Fit each panel's title between its neighbours' and within the figure, where the layout put
    its panel (a title is centred on its axes, which the tick labels push off the middle of its
    share); return the titles that are still too wide. Titles well inside their room as the grid
    places the panels are left as drawn: the layout is run early only for a figure that needs it."""
    if not any(titles):
        return []
    renderer = measuring_renderer(figure, pgf)
    widths = [axis.title.get_window_extent(renderer).width for axis in axes]
    rooms = _title_rooms(figure, axes, columns)
    if all(width <= room * CLEAR_OF_LAYOUT for width, room in zip(widths, rooms)):
        return []
    figure.get_layout_engine().execute(figure)
    unfit = []
    for axis, title, room in zip(axes, titles, _title_rooms(figure, axes, columns)):
        if title and not fit_title(axis, title, room, lambda label: figure_text(label, pgf), pgf):
            unfit.append(title)
    return unfit


def _title_rooms(figure: Any, axes: Sequence[Any], columns: int) -> list[float]:
    """Return the width each panel's title may take where its panel is now: twice the least of the
    distances to the figure's edges and halfway to its neighbours' centres, less a gap."""
    width = figure.bbox.width
    centres = [(axis.get_position().x0 + axis.get_position().width / 2) * width for axis in axes]
    rooms = []
    for index, centre in enumerate(centres):
        column = index % columns
        half = [centre, width - centre]
        if column > 0:
            half.append((centre - centres[index - 1]) / 2)
        if column < columns - 1 and index + 1 < len(centres):
            half.append((centres[index + 1] - centre) / 2)
        rooms.append(2 * min(half) * TITLE_SHARE)
    return rooms


def plot_curve(axis: Any, panel: Panel, data: PlotData, style: FigureStyle, options: FigureOptions) -> None:
    """Draw one facet of a curve figure: each line with its band, a few markers per line."""
    starts = [float(line.x[0]) for line in panel.lines if len(line.x)]
    ends = [float(line.x[-1]) for line in panel.lines if len(line.x)]
    low, high = options.xlim or (min(starts, default=0.0), max(ends, default=1.0))
    for index, line in enumerate(panel.lines):
        banded = not np.array_equal(line.low, line.center) or not np.array_equal(line.high, line.center)
        if len(line.x) == 1:  # a band and a line of one point have no width: a marker and an error bar
            _plot_one_point(axis, line, style, banded)
            continue
        if banded:
            axis.fill_between(
                line.x, line.low, line.high, color=line.look.color, alpha=style.band_alpha, linewidth=0
            )
        every = marker_indices(line.x, low, high, options.markevery, index, len(panel.lines))
        axis.plot(
            line.x, line.center, color=line.look.color, marker=line.look.marker if every else "",
            markevery=every or None, markersize=3.0, linewidth=style.line_width, linestyle=line.look.dash,
        )  # fmt: skip
        alone = isolated_points(line.center)
        if alone.any():  # a point between two breaks (NaN on both sides) draws no segment: its marker
            _plot_one_point(axis, _points_of(line, alone), style, banded)


def isolated_points(center: np.ndarray) -> np.ndarray:
    """Tell which points of a line are numbers with no number beside them (a line draws nothing there)."""
    drawn = np.isfinite(center)
    before = np.concatenate(([False], drawn[:-1]))
    after = np.concatenate((drawn[1:], [False]))
    return drawn & ~before & ~after


def _points_of(line: LineData, which: np.ndarray) -> LineData:
    """Return the line cut to some of its points."""
    return replace(
        line, x=line.x[which], center=line.center[which], low=line.low[which], high=line.high[which]
    )


def _plot_one_point(axis: Any, line: LineData, style: FigureStyle, banded: bool) -> None:
    """Draw a curve of one grid point (every seed logged once, or min_seeds left one) as its marker."""
    below, above = line.center - line.low, line.high - line.center
    axis.errorbar(
        line.x, line.center, yerr=[below, above] if banded else None, fmt=line.look.marker,
        color=line.look.color, markersize=3.0, elinewidth=style.line_width, capsize=2.0,
    )  # fmt: skip


def marker_indices(x: np.ndarray, low: float, high: float, count: int, line: int, lines: int) -> list[int]:
    """Return the points that get a marker: `count` evenly spaced along the panel's x range, each
    line shifted within the slot so markers of different lines do not sit on top of each other."""
    if count <= 0 or len(x) == 0 or high <= low:
        return []
    slot = (high - low) / count
    targets = low + (np.arange(count) + (line + 0.5) / max(lines, 1)) * slot
    targets = targets[(targets >= x[0]) & (targets <= x[-1])]
    found = np.clip(np.searchsorted(x, targets), 0, len(x) - 1)
    previous = np.clip(found - 1, 0, len(x) - 1)
    nearest = np.where(np.abs(x[previous] - targets) < np.abs(x[found] - targets), previous, found)
    return sorted({int(i) for i in nearest})


def plot_bar(axis: Any, panel: Panel, data: PlotData, style: FigureStyle, options: FigureOptions) -> None:
    """Draw one facet of a bar figure: bars grouped by x, error bars from the table's spread."""
    for item, position, width in _positions(panel, data):
        if not math.isfinite(item.center):  # no bar to draw (infinite_problems says so)
            continue
        hatch = HATCHES[item.look.dash]  # beyond the palette's size: hatched bars, white lines
        axis.bar(
            position, item.center, width=width * 0.92, color=item.look.color, linewidth=0,
            **({"hatch": hatch, "edgecolor": "white"} if hatch else {}),
        )  # fmt: skip
        if item.low != item.center or item.high != item.center:
            axis.errorbar(
                position, item.center, yerr=[[item.center - item.low], [item.high - item.center]],
                fmt="none", ecolor="black", elinewidth=0.7, capthick=0.7,
            )  # fmt: skip


def plot_points(axis: Any, panel: Panel, data: PlotData, style: FigureStyle, options: FigureOptions) -> None:
    """Draw one facet of a points figure: each seed as a hollow dot, the centre and interval beside."""
    for item, position, width in _positions(panel, data):
        values = np.sort(np.asarray(item.values))
        values = values[~np.isinf(values)]  # not drawn (infinite_problems says so)
        # a fixed zig-zag over three columns keeps equal values apart without random jitter
        offsets = (np.arange(len(values)) % 3 - 1) * width * 0.12
        axis.plot(
            position - width * 0.15 + offsets, values, linestyle="none", marker=item.look.marker,
            markerfacecolor="none", markeredgecolor=item.look.color, markersize=3.0, markeredgewidth=0.6,
        )  # fmt: skip
        if not math.isfinite(item.center):
            continue
        axis.errorbar(
            position + width * 0.3, item.center, yerr=[[item.center - item.low], [item.high - item.center]],
            fmt=item.look.marker, color=item.look.color, markersize=4.0, elinewidth=0.9, capthick=0.9,
        )  # fmt: skip


def _positions(panel: Panel, data: PlotData) -> list[tuple[BarItem, float, float]]:
    """Place items: category i at x = i, the figure's hues side by side inside it (same slot everywhere);
    hues that each stay in a category of their own (hue = x) fill it."""
    hues = [key for key, _, _ in data.legend] or [""]
    if _one_hue_per_group(data):
        hues = [""]
    width = 0.8 / len(hues)
    out = []
    for item in panel.bars:
        group = data.groups.index(item.group) if item.group in data.groups else 0
        slot = hues.index(item.key) if item.key in hues else 0
        out.append((item, group - 0.4 + width * (slot + 0.5), width))
    return out


def _one_hue_per_group(data: PlotData) -> bool:
    """Tell whether, in every panel, each category holds one hue and each hue sits in one category."""
    group_of: dict[str, str] = {}
    hue_of: dict[str, str] = {}
    for item in (item for panel in data.panels for item in panel.bars):
        if (
            group_of.setdefault(item.key, item.group) != item.group
            or hue_of.setdefault(item.group, item.key) != item.key
        ):
            return False
    return len(data.groups) > 1


def _category_ticks(axis: Any, data: PlotData, pgf: bool) -> bool:
    """Set the category names under a panel; tell whether they were turned to fit."""
    axis.set_xticks(range(len(data.groups)))
    slot = _category_slot(axis, len(data.groups))
    turned = fit_categories(axis, data.groups, slot, lambda label: figure_text(label, pgf), pgf)
    axis.grid(False, axis="x")
    axis.set_xlim(-0.6, len(data.groups) - 0.4)
    return turned


def _category_slot(axis: Any, count: int) -> float:
    """Return the width (display units) of one category where its panel is now."""
    # each category spans one of the n + 0.2 units of the axis (before the layout widens it a little)
    return float(axis.get_position().width * axis.figure.bbox.width / (count + 0.2))


def _fit_turned_categories(figure: Any, axes: Sequence[Any], groups: Sequence[str], pgf: bool) -> list[Any]:
    """Set on one line and turn steeper, then set smaller, the turned category names that still run into
    each other (tianshou's six algorithms under each of three panels a row); return the axes where
    they still do.
    Names well apart as the grid places the panels are left as drawn: the layout is run early only
    for a figure that needs it."""
    count = len(groups)
    if not any(
        turned_categories_cross(axis, _category_slot(axis, count) * CLEAR_OF_LAYOUT, pgf) for axis in axes
    ):
        return []
    placed = [(axis, axis.get_position(original=True), axis.get_position()) for axis in figure.axes]
    figure.get_layout_engine().execute(figure)
    crowded = [
        axis
        for axis in axes
        if turned_categories_cross(axis, _category_slot(axis, count), pgf)
        and not fit_turned_categories(
            axis, groups, _category_slot(axis, count), lambda label: figure_text(label, pgf), pgf
        )
    ]
    for axis, original, active in placed:  # the layout at drawing starts as it did: names apart, same bytes
        axis._set_position(original, which="original")
        axis._set_position(active, which="active")
    return crowded


def _style_axis(axis: Any, data: PlotData, options: FigureOptions) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    for name in ("x", "y"):  # matplotlib's own labels of a log axis are mathtext: 10^4, not its source
        scale = options.xscale if name == "x" and data.kind == "curve" else "linear"
        scale = options.yscale if name == "y" else scale
        for label in getattr(axis, f"get_{name}ticklabels")():
            label.set_parse_math(scale != "linear")
    if data.kind == "curve":
        axis.set_xscale(options.xscale)
        if options.xscale == "linear":
            if _whole_steps(data):  # 3 rounds are ticked 1, 2, 3, not 1.25, 1.5, ...: no step lies between
                whole = MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True)
                axis.xaxis.set_major_locator(whole)
            axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: short_number(value)))
    axis.set_yscale(options.yscale)
    for name, scale in (("x", options.xscale if data.kind == "curve" else "linear"), ("y", options.yscale)):
        if scale == "symlog":
            _symlog_ticks(getattr(axis, f"{name}axis"))
    if options.xlim:
        axis.set_xlim(*options.xlim)
    if options.ylim:
        axis.set_ylim(*options.ylim)
    axis.set_axisbelow(True)


def _symlog_ticks(axis: Any) -> None:
    """Tick a symlog axis at 0 and at the powers outside its linear range: its ±1 ticks sat inside that
    range beside 0, and their labels (10⁰, 0, −10⁰) were drawn over one another; every second (third,
    ...) decade when all of them do not fit (1e12 and -5000 labelled 23 decades over one another).
    Its limits are padded in symlog space, not by 5 % of the linear range (-6e10: seven empty decades)."""
    from matplotlib.ticker import Locator

    inner = axis.get_major_locator()
    linthresh = axis.get_transform().linthresh

    class Outside(Locator):
        def __call__(self) -> Any:
            return self.tick_values(*axis.get_view_interval())

        def tick_values(self, vmin: float, vmax: float) -> Any:
            ticks = np.asarray(inner.tick_values(vmin, vmax))
            return _thinned_decades(ticks[(ticks == 0) | (np.abs(ticks) >= linthresh)], axis.get_tick_space())

    axis.set_major_locator(Outside())
    name = axis.axis_name
    axis.axes.autoscale_view(scalex=name == "x", scaley=name == "y")  # the limits were padded linearly


def _thinned_decades(ticks: np.ndarray, room: int) -> np.ndarray:
    """Return 0 and every k-th decade of a symlog axis's ticks, k the least that leaves `room` or fewer."""
    powers = np.round(np.log10(np.abs(np.where(ticks == 0, 1.0, ticks))))
    for every in range(1, len(ticks) + 1):
        kept = ticks[(ticks == 0) | (powers % every == 0)]
        if len(kept) <= max(room, 3):
            return kept
    return ticks


def _whole_steps(data: PlotData) -> bool:
    """Tell whether every point of a curve figure lies at a whole x (steps, epochs, rounds)."""
    return all(np.array_equal(line.x, np.round(line.x)) for panel in data.panels for line in panel.lines)


def short_number(value: float) -> str:
    """Format a tick: 250000 as 250k, 1500000 as 1.5M; small numbers as they are."""
    magnitude = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if magnitude >= limit:
            scaled = value / (1e3 if suffix == "k" else limit)
            return f"{scaled:g}{suffix}"
    return f"{value:g}"


def _legend_artist(figure: Any, first_axis: Any, data: PlotData, style: FigureStyle, pgf: bool) -> None:
    """Draw one legend for the whole figure (every facet shares the hue looks)."""
    if style.legend == "none" or len(data.legend) < 1 or (len(data.legend) == 1 and not data.legend[0][1]):
        return
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    for _, _, look in data.legend:
        if data.kind == "bar":
            hatch = HATCHES[look.dash]
            extra: dict[str, Any] = {"hatch": hatch, "edgecolor": "white"} if hatch else {}
            handles.append(Patch(facecolor=look.color, linewidth=0, **extra))
        elif data.kind == "points":
            handles.append(
                Line2D([], [], linestyle="none", marker=look.marker, color=look.color, markersize=4.0)
            )
        else:
            handles.append(
                Line2D(
                    [], [], color=look.color, marker=look.marker, markersize=3.0, linewidth=style.line_width,
                    linestyle=look.dash,  # type: ignore[arg-type]
                )
            )  # fmt: skip
    labels = [label for _, label, _ in data.legend]
    if style.legend == "inside":
        texts = [figure_text(label, pgf) for label in labels]
        legend = first_axis.legend(handles, [text for text, _ in texts], loc="best")
        for artist, (_, parsed) in zip(legend.get_texts(), texts):
            artist.set_parse_math(parsed)
        return

    def drawn(label: str) -> tuple[str, bool]:
        return figure_text(label, pgf)

    def on_top(names: list[str], columns: int) -> Any:
        order = reading_order(len(names), columns)
        shown = [handles[i] for i in order], [names[i] for i in order]
        return figure.legend(*shown, loc="outside upper center", ncols=columns)

    def on_the_right(names: list[str], columns: int) -> Any:
        order = reading_order(len(names), columns)
        shown = [handles[i] for i in order], [names[i] for i in order]
        return figure.legend(*shown, loc="outside right upper", ncols=columns)

    if style.legend != "right":
        legend = fit_legend(figure, on_top, labels, min(len(handles), 4), figure.bbox.width, drawn, pgf)
        # rows beyond the one the height leaves room for: the figure grows, not the panels shrink
        beyond = legend_height(figure, legend, pgf) * LEGEND_MARGIN / figure.dpi - TOP_LEGEND_ROOM_IN
        if style.height is None and beyond > 0:
            figure.set_figheight(figure.get_figheight() + beyond)
        return
    room = figure.bbox.width * RIGHT_LEGEND_SHARE  # the panels keep at least half the width
    legend = fit_legend(figure, on_the_right, labels, 1, room, drawn, pgf)
    if legend_height(figure, legend, pgf) <= figure.bbox.height:
        return
    legend.remove()  # more entries than the figure's height holds: two columns, if they fit
    legend = fit_legend(figure, on_the_right, labels, 2, room, drawn, pgf)
    height = legend_height(figure, legend, pgf)
    if height > figure.bbox.height:  # still taller: the figure grows rather than cut names off
        figure.set_figheight(height * LEGEND_MARGIN / figure.dpi)


@contextlib.contextmanager
def latex_errors(pgf: bool) -> Iterator[None]:
    """Turn a failure of the LaTeX that measures a PGF figure's texts into a RenderError with the fix."""
    try:
        yield
    except Exception as error:
        if not pgf or not isinstance(error, (RuntimeError, OSError, ValueError, _latex_error())):
            raise
        missing = re.search(r"File `([^']+)' not found", str(getattr(error, "latex_output", "")))
        if missing is not None:  # \usepackage{amsmth}: a misspelt or uninstalled package of the preamble
            raise RenderError(
                f"pdflatex has no file {missing.group(1)}, which the preamble loads to measure this PGF "
                "figure's texts; check that package's name in the spec's preamble, or install it"
            ) from error
        first = first_line(error)
        if shutil.which("pdflatex") is None:
            raise RenderError(
                f"PGF output needs a working pdflatex to measure text ({first}); install TeX Live "
                "(apt-get install texlive-latex-extra) or choose .pdf"
            ) from error
        raise RenderError(
            f"pdflatex could not typeset a text of this figure ({first[:200]}); check the figure's "
            "labels and title, or choose .pdf"
        ) from error


def _latex_error() -> type[Exception]:
    """Return the error matplotlib raises when the LaTeX measuring a PGF figure's texts fails."""
    from matplotlib.backends.backend_pgf import LatexError

    return LatexError


def figure_bytes(figure: Any, suffix: str, generated: str = "") -> bytes:
    """Save a figure without dates or version strings, so unchanged data gives unchanged bytes."""
    kind = suffix.lstrip(".")
    buffer = io.BytesIO()
    with latex_errors(kind == "pgf"):
        figure.savefig(buffer, format=kind, **_SAVE_OPTIONS[kind])
    content = buffer.getvalue()
    if kind == "pgf" and b"$\\mathdefault{" in content:  # a log axis's ticks: the paper need not define it
        content = b"\\providecommand{\\mathdefault}[1]{#1}%\n" + content
    if generated and kind == "pgf":
        content = f"%% {generated}\n".encode() + content
    elif generated and kind == "svg":
        head, newline, rest = content.partition(b"\n")
        comment = f"<!-- {generated.replace('--', '- -')} -->".encode()
        content = head + newline + comment + b"\n" + rest
    return content
