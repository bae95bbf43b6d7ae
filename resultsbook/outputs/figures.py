"""Figure spec → figure bytes: the data step from the store (the same aggregation as the tables),
project-wide colours, then drawing each output format.

    >>> files = render_figure_files(spec, spec.figures["curve"], store, store.runs(), {})  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from resultsbook.errors import RenderError
from resultsbook.models import StoredRun
from resultsbook.params import format_value
from resultsbook.query import ResultTable
from resultsbook.query.curves import CurveSet, aggregate_curves
from resultsbook.query.model import METRIC_KEY
from resultsbook.query.select import run_value
from resultsbook.render.latex import typeset_problems
from resultsbook.render.latexchars import preamble_for
from resultsbook.render.layout import Labels, cell_label
from resultsbook.render.palette import Look, assign_looks, figure_looks, look_key
from resultsbook.render.plots import (
    PlotData,
    cell_plot_data,
    curve_plot_data,
    drawing_problems,
    drawn_texts,
    infinite_problems,
    log_scale_problems,
    render_figure,
    task_lines_plot_data,
)
from resultsbook.spec import FigureSpec, Spec
from resultsbook.store import Store


@dataclass(frozen=True)
class FigureResult:
    """A figure's plot data (what it shows) and the notes a reader must see (left-out runs...)."""

    data: PlotData
    notes: tuple[str, ...]
    curves: CurveSet | None = None  # a curve figure's lines, with their runs: what `explain` lists
    table: ResultTable | None = None  # the cells a bar or points figure draws


def figure_data(
    spec: Spec, figure: FigureSpec, store: Store, runs: Sequence[StoredRun], tables: Mapping[str, ResultTable]
) -> FigureResult:
    """Compute what a figure draws: aggregated curves, or the cells of its table."""
    if figure.kind == "curve":
        assert figure.curve is not None
        curves = aggregate_curves(store, figure.curve, runs)
        hue = figure.curve.hue
        project = project_looks(figure, hue, runs, ())
        shown = [look_key(line.hue, project) for line in curves.lines] if hue else []
        looks = figure_looks(
            project, display_order(shown, list(project), figure.order.get(hue or "", ())), figure.style
        )
        return FigureResult(curve_plot_data(curves, figure.labels, looks), curves.notes, curves=curves)
    if figure.kind in ("profile", "efficiency"):
        return _task_figure(spec, figure, store, runs, tables)
    assert figure.cells is not None
    table = tables.get(figure.table) if figure.table else None
    if table is None:
        from resultsbook.outputs.build import aggregate_entry  # build imports this module to draw

        table = aggregate_entry(f"figures.{figure.name}", store, figure.cells.query, runs)
    metrics = tuple(m.name for m in figure.cells.query.metrics)
    project = project_looks(figure, figure.hue, runs, metrics)
    shown = table_order(table, figure.hue, project) if figure.hue else []
    looks = figure_looks(
        project, display_order(shown, shown, figure.order.get(figure.hue or "", ())), figure.style
    )
    data = cell_plot_data(
        table,
        figure.cells.format,
        figure.labels,
        figure.kind,
        figure.x,
        figure.hue,
        figure.facet,
        looks,
        figure.order,
    )
    own = () if figure.table else (*table.remarks, *cell_mark_notes(table, figure.labels))
    scales = _tasks_on_one_axis(figure, table, figure.cells.format.center)
    return FigureResult(data, (*table.notes, *own, *scales), table=table)


_SCALES_APART = 10.0  # tasks whose typical scores differ this many times flatten each other's bars


def _tasks_on_one_axis(figure: FigureSpec, table: ResultTable, center: str) -> tuple[str, ...]:
    """Say that a bar or points figure draws tasks of very different scales on one y axis (TabM's
    house, around −30,000, beside datasets scored near 0.8: their bars were flat lines at 0), and the
    facet that gives each task its own axis; nothing when the tasks are faceted or alike in scale."""
    import math

    from resultsbook.query.task_keys import is_task_key
    from resultsbook.query.taskscale import number_text

    task = next((key for key in (figure.x, figure.hue) if key and is_task_key(key)), None)
    if task is None or figure.facet == task:
        return ()
    keys = (*table.row_keys, *table.column_keys)
    index = keys.index(task)
    sizes: dict[Any, list[float]] = {}
    for (row, column), cell in table.cells.items():
        value = cell.stats.get(center, math.nan)
        if math.isfinite(value) and value != 0:
            sizes.setdefault((*row, *column)[index], []).append(abs(value))
    typical = {name: sorted(values)[len(values) // 2] for name, values in sizes.items()}
    if len(typical) < 2 or max(typical.values()) < _SCALES_APART * min(typical.values()):
        return ()
    largest, smallest = max(typical, key=typical.__getitem__), min(typical, key=typical.__getitem__)
    setting = "x" if figure.x == task else "hue"
    other = figure.hue if setting == "x" else figure.x
    apart = (
        f"{format_value(largest)} around {number_text(typical[largest])}, "
        f"{format_value(smallest)} around {number_text(typical[smallest])}"
    )
    fix = f'facet = "{task}"' + (f' with x = hue = "{other}"' if other else "")
    return (
        f'{setting} = "{task}" puts tasks whose scores are in their own units on one y axis ({apart}): the '
        f"smaller ones' bars are flat; {fix} gives each task its own axis",
    )


def cell_mark_notes(table: ResultTable, labels: Labels) -> tuple[str, ...]:
    """Say the marks of a figure's own cells, which a figure cannot print (a `points` figure whose
    slots average runs of differing configs was drawn without a word); one said of several cells is
    one note naming the first and how many more, as a curve's lines are."""
    cells: dict[str, list[str]] = {}
    for row in table.rows:
        for column in table.columns:
            cell = table.cells.get((row, column))
            for mark in cell.marks if cell is not None else ():
                cells.setdefault(mark.text, []).append(cell_label(table, row, column, labels))
    return tuple(
        f"{named[0] if len(named) == 1 else f'{named[0]} and {len(named) - 1} more cell(s)'}: {text}"
        for text, named in cells.items()
    )


def table_order(table: ResultTable, key: str, looks: Mapping[str, Look]) -> list[str]:
    """Return the values of a row or column key in the order the table shows them (as their keys in
    `looks`)."""
    keys = (*table.row_keys, *table.column_keys)
    index = keys.index(key)
    ordered = [look_key((*row, *column)[index], looks) for row in table.rows for column in table.columns]
    return list(dict.fromkeys(ordered))


def display_order(shown: Sequence[str], base: Sequence[str], explicit: Sequence[Any]) -> list[str]:
    """Return the values a figure shows: the figure's own `order` first, then in the base order."""
    wanted = [format_value(value) for value in explicit]
    distinct = list(dict.fromkeys(shown))
    rank = {text: index for index, text in enumerate(base)}
    first = [text for text in wanted if text in distinct]
    rest = sorted((t for t in distinct if t not in first), key=lambda t: rank.get(t, len(rank)))
    return first + rest


def _task_figure(
    spec: Spec, figure: FigureSpec, store: Store, runs: Sequence[StoredRun], tables: Mapping[str, ResultTable]
) -> FigureResult:
    """Compute a performance-profile or sample-efficiency figure."""
    import numpy as np

    from resultsbook.query.profiles import efficiency_curves, performance_profiles

    if figure.profile is not None:
        profile = figure.profile
        from resultsbook.outputs.build import aggregate_entry  # build imports this module to draw

        table = tables.get(profile.table) or aggregate_entry(
            f"figures.{figure.name}", store, spec.tables[profile.table].query, runs
        )
        taus = None if profile.tau is None else np.linspace(profile.tau[0], profile.tau[1], profile.points)
        lines = performance_profiles(table, taus, profile.points, profile.band)
    else:
        assert figure.efficiency is not None
        lines = efficiency_curves(store, figure.efficiency, runs)
    project = project_looks(figure, lines.hue, runs, ())
    shown = [look_key(line.hue, project) for line in lines.lines]
    looks = figure_looks(
        project, display_order(shown, list(project), figure.order.get(lines.hue, ())), figure.style
    )
    return FigureResult(task_lines_plot_data(lines, figure.labels, looks), lines.notes)


def project_looks(
    figure: FigureSpec, hue: str | None, runs: Sequence[StoredRun], metrics: Sequence[str]
) -> dict[str, Look]:
    """Return the colour and marker of every value the hue key takes anywhere in the project."""
    if hue is None:
        return {}
    if hue == METRIC_KEY:
        return assign_looks(hue, metrics, figure.style)
    values = [run_value(run, hue) for run in runs if hue in run.params or run_value(run, hue) is not None]
    return assign_looks(hue, values, figure.style)


def render_figure_files(
    spec: Spec, figure: FigureSpec, store: Store, runs: Sequence[StoredRun], tables: Mapping[str, ResultTable]
) -> tuple[dict[str, bytes], FigureResult]:
    """Return {output path: bytes} for one figure, and its data and notes (labels an output cannot
    draw or typeset included)."""
    result = figure_data(spec, figure, store, runs, tables)
    generated = (
        f"Generated by resultsbook from [figures.{figure.name}] in {os.path.basename(spec.path)}. "
        "Do not edit: run `resultsbook build`."
    )
    texts = drawn_texts(result.data, figure.options)
    preamble = list(dict.fromkeys([*spec.paper_preamble, *preamble_for(texts)]))
    notes = [*result.notes, *log_scale_problems(result.data, figure.options), *infinite_problems(result.data)]
    files = {}
    for path in figure.outputs:
        suffix = os.path.splitext(path)[1]
        unfitted: list[str] = []
        crowded: list[str] = []
        try:
            drawn = render_figure(
                result.data, figure.style, figure.options, suffix, generated, preamble, unfitted, crowded
            )
        except RenderError as error:  # say which label pdflatex could not measure, and why
            unset = typeset_problems(texts, preamble, fix="") if suffix == ".pgf" else []
            if not unset:
                raise
            raise RenderError(
                f"{unset[0]}, and {os.path.basename(path)} is measured with pdflatex: give the value a "
                "display name in [labels], or choose .pdf"
            ) from error
        files[path] = drawn
        notes += [title_too_wide(title, os.path.basename(path)) for title in unfitted]
        notes += [categories_crowded(os.path.basename(path))] if crowded else []
        if suffix == ".pgf":
            notes += typeset_problems(texts, spec.paper_preamble)
        else:
            notes += drawing_problems(texts, figure.style, os.path.basename(path))
    return files, replace(result, notes=tuple(dict.fromkeys(notes)))


def categories_crowded(output: str) -> str:
    """Say that the category names under a figure's panels run into each other, and how to part them."""
    return (
        f"the category names under the panels of {output} run into each other, even upright and set "
        "smaller: make the figure wider (width), put fewer panels a row (facet_columns), or give them "
        "shorter display names in [labels]"
    )


def title_too_wide(title: str, output: str) -> str:
    """Say that a panel's title runs into its neighbours' in an output, and how to shorten it."""
    return (
        f"panel title {str(title)!r} is wider than its panel in {output}, even set smaller, and runs into "
        "the next: give it a shorter display name in [labels], or fewer panels a row (facet_columns)"
    )
