"""The HTML results page: one self-contained file (figures embedded, no network) with every table and
figure of the spec, the runs behind each cell and how their configs differ, and every run's status.

    >>> html = render_report(spec, store, store.runs())     # doctest: +SKIP

An entry that cannot be computed (no run matches it yet) does not stop the page, as it does not stop
`build`: its section is a box naming the entry and why, a figure of its cells and a named number
quoting it say they are held back, and `report_page` returns these entries in `failed`.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from resultsbook.errors import ResultsbookError
from resultsbook.models import StoredRun
from resultsbook.outputs.build import (
    NoProgress,
    Progress,
    aggregate_entry,
    quoted_table,
    refuse_read_only,
    write_files,
)
from resultsbook.outputs.failures import EntryFailure, entry_failure, held_back, is_entry_error
from resultsbook.outputs.findings import cell_notes
from resultsbook.outputs.ownership import GENERATED_MARK, refuse_others_files
from resultsbook.params import VALUE_CHARS, clipped, format_value
from resultsbook.query import ResultTable
from resultsbook.query.aggregate import differing_params
from resultsbook.query.marks import clipped_apart
from resultsbook.query.model import Cell, Mark
from resultsbook.render.html import render_report_page
from resultsbook.render.layout import layout_table, marks_in_words
from resultsbook.spec import FigureSpec, Spec, TableSpec
from resultsbook.store import Store
from resultsbook.voice import option

_STATUS_ORDER = ("failed", "interrupted", "running", "queued", "unknown", "finished")
Section = dict[str, Any]


@dataclass(frozen=True)
class ReportPage:
    """The page's HTML and the entries it could not show (each is a box on the page instead)."""

    html: str
    failed: tuple[EntryFailure, ...] = ()


def render_report(
    spec: Spec,
    store: Store,
    runs: Sequence[StoredRun],
    tables: Mapping[str, ResultTable] | None = None,
    progress: Progress | None = None,
) -> str:
    """Return the results page as one HTML document."""
    return report_page(spec, store, runs, tables, progress).html


def report_page(
    spec: Spec,
    store: Store,
    runs: Sequence[StoredRun],
    tables: Mapping[str, ResultTable] | None = None,
    progress: Progress | None = None,
) -> ReportPage:
    """Return the results page, and the entries that could not be computed (boxes on the page)."""
    progress = progress or NoProgress()
    progress.start(len(spec.tables) + len(spec.figures) + 1)
    tables = dict(tables or {})
    by_id = {run.id: run for run in runs}
    sections: list[Section] = []
    failed: dict[str, EntryFailure] = {}

    def attempt(entry: str, anchor: str, heading: str, make: Callable[[], Section]) -> Section:
        try:
            section = make()
        except ResultsbookError as error:
            if not is_entry_error(error):  # the store's or the disk's: the page cannot be made
                raise
            failed[entry] = entry_failure(spec, entry, error)
            return _failed_section(failed[entry], anchor, heading)
        return {"anchor": anchor, "heading": heading, **section}

    for name, table_spec in spec.tables.items():
        progress.step(f"table {name}")
        make_table = partial(_table_section, spec, table_spec, store, runs, tables, by_id)
        sections.append(attempt(f"tables.{name}", f"table-{name}", f"Table {name}", make_table))
        progress.advance()
    figure_notes: dict[str, str] = {}
    for name, figure in spec.figures.items():
        progress.step(f"figure {name}")
        entry, quoted = f"figures.{name}", quoted_table(figure)
        if quoted is not None and f"tables.{quoted}" in failed:
            failed[entry] = held_back(spec, entry, (), failed[f"tables.{quoted}"])
            sections.append(_failed_section(failed[entry], f"figure-{name}", f"Figure {name}"))
        else:
            make_figure = partial(_figure_section, spec, figure, store, runs, tables, figure_notes)
            sections.append(attempt(entry, f"figure-{name}", f"Figure {name}", make_figure))
        progress.advance()
    progress.step("numbers and runs")
    if spec.macros is not None and spec.macros.values:
        make_numbers = partial(_numbers_section, spec, store, runs, tables, figure_notes)
        sections.append(attempt("macros", "numbers", "Numbers in the text", make_numbers))
    sections.append(_runs_section(runs))
    progress.advance()
    title = (
        spec.report.title if spec.report and spec.report.title else None
    ) or f"Results: {os.path.basename(spec.folder)}"
    page = {
        "title": title,
        "spec_name": os.path.basename(spec.path),
        "db_name": os.path.basename(spec.db),
        "sections": sections,
    }
    return ReportPage(render_report_page(page, spec.template_dirs), tuple(failed.values()))


def report_path(spec: Spec, output: str | None = None) -> str:
    """Return where the page goes: -o, else [report] output, else resultsbook-report.html beside the spec."""
    target = output or (spec.report.output if spec.report and spec.report.output else None)
    return target or os.path.join(spec.folder, "resultsbook-report.html")


def write_report(
    spec: Spec, store: Store, output: str | None = None, progress: Progress | None = None
) -> tuple[str, bool, tuple[EntryFailure, ...]]:
    """Render the page and write it atomically unless unchanged; return (path, whether it was written,
    the entries that could not be computed: the page shows a box for each)."""
    target = report_path(spec, output)
    refuse_read_only([target], "report", f"write the page elsewhere with {option('output', 'FILE')}")
    page = report_page(spec, store, store.runs(), progress=progress)
    html = page.html.encode()
    if GENERATED_MARK not in html:  # a user's template: the next report knows its page all the same
        html += b"<!-- " + GENERATED_MARK + b" -->\n"
    elsewhere = f"write the page elsewhere with {option('output', 'FILE')}"
    designated = os.path.abspath(report_path(spec))  # the spec's, or the default name: the report's own
    refuse_others_files({target: html}, {designated}, {target: "the page would replace"}, "report", elsewhere)
    written, _ = write_files({target: html})
    return target, bool(written), page.failed


def _failed_section(failure: EntryFailure, anchor: str, heading: str) -> Section:
    """Return the box shown in place of an entry that could not be computed: its name and why."""
    return {
        "anchor": anchor,
        "heading": heading,
        "kind": "failed",
        "entry": f"[{failure.entry}]",
        "what": "held back" if failure.held_back_by else "could not be computed",
        "message": failure.line(),
    }


def _figure_section(
    spec: Spec,
    figure: FigureSpec,
    store: Store,
    runs: Sequence[StoredRun],
    tables: Mapping[str, ResultTable],
    notes: dict[str, str],
) -> Section:
    """Return a figure drawn as an embedded SVG, with its caption, note and warnings; keep its note."""
    from resultsbook.outputs.figures import figure_data
    from resultsbook.render.plots import render_figure

    result = figure_data(spec, figure, store, runs, tables)
    svg = render_figure(result.data, figure.style, figure.options, ".svg")
    notes[figure.name] = result.data.note
    return {
        "kind": "figure",
        "src": "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"),
        "alt": figure.caption or figure.name,
        "width_px": round(figure.style.width * 144),
        "caption": figure.caption or "",
        "note": result.data.note,
        "outputs": ", ".join(os.path.relpath(p, spec.folder) for p in figure.outputs),
        "warnings": list(result.notes),
    }


def _numbers_section(
    spec: Spec,
    store: Store,
    runs: Sequence[StoredRun],
    tables: Mapping[str, ResultTable],
    figure_notes: Mapping[str, str],
) -> Section:
    """Return the named numbers of the text; one quoting a table that could not be computed says so."""
    from resultsbook.outputs.numbers import compute_numbers, value_tables

    assert spec.macros is not None
    book = compute_numbers(spec, store, runs, tables, figure_notes)
    rows = []
    for name, value in spec.macros.values.items():
        if name in book.values:
            shown = book.values[name].text
        else:  # compute_numbers leaves out a value quoting a table it was not given
            quoted = ", ".join(f"[tables.{t}]" for t in sorted(value_tables(value)) if t not in tables)
            shown = f"held back: it quotes {quoted}, which could not be computed"
        rows.append([name, f"\\{value.macro}", shown])
    return {"kind": "numbers", "rows": rows}


def _table_section(
    spec: Spec,
    table_spec: TableSpec,
    store: Store,
    runs: Sequence[StoredRun],
    tables: dict[str, ResultTable],
    by_id: Mapping[int, StoredRun],
) -> Section:
    """Return a table, its notes and, per cell, the runs behind it and how their configs differ; keep
    the table in `tables` (for the figures and numbers quoting it) once it is shown."""
    name = table_spec.name
    table = (
        tables.pop(name)
        if name in tables
        else aggregate_entry(f"tables.{name}", store, table_spec.query, runs)
    )
    layout = layout_table(table, table_spec.format, table_spec.labels)
    keys = (*table.row_keys, *table.column_keys)
    cells = []
    for r, row in enumerate(table.rows):
        for c, column in enumerate(table.columns):
            cell = table.cell(row, column)
            if cell is None:
                continue
            where = " / ".join(
                f"{table_spec.labels.key(k)} = {table_spec.labels.value(k, v)}"
                for k, v in zip(keys, (*row, *column))
            )
            shown = layout.body[r][1][c]
            value = (
                "–"
                if shown is None or not shown.center
                else shown.center + (f" ± {shown.spread}" if shown.spread else "")
            )
            marks = layout.marks.get((r, c), ())  # the cell's own, and its highlighting's (°)
            cells.append(_cell_details(where, value, cell, marks, table, by_id))
    tables[name] = table
    return {
        "kind": "table",
        "caption": table_spec.caption or "",
        "layout": layout,
        "notes": [*table.notes, *cell_notes(table, table_spec.labels)],
        "cells": cells,
    }


def _cell_details(
    where: str,
    value: str,
    cell: Cell,
    marks: Sequence[Mark],
    table: ResultTable,
    by_id: Mapping[int, StoredRun],
) -> dict[str, Any]:
    members = [by_id[run.id] for run in cell.runs if run.id in by_id]
    replicate = table.query.replicate
    rows = [
        [
            run.name,
            run.run_id[:12],
            ", ".join(format_value(v) for v in run.replicate),
            format_value(run.value),
            run.status,
            *_code_and_source(by_id.get(run.id)),
        ]
        for run in cell.runs
    ]
    differing = []
    for key, values in differing_params(members, exempt=()).items():
        kind = (
            "replicate key" if key in replicate else "run-specific" if key in table.query.run_specific else ""
        )
        # a pickled object runs to pages; values sharing a long prefix are cut from where they differ
        text = ", ".join(clipped_apart([format_value(v) for v in values]))
        differing.append({"key": key, "kind": kind, "text": text})
    return {
        "where": where,
        "value": value,
        "n": int(cell.stats["n"]),
        "marks": marks_in_words(marks),
        "headers": ["run", "run id", " × ".join(replicate) or "replicate", "value", "status", *_CODE_HEADERS],
        "rows": rows,
        "differing": differing,
    }


_CODE_HEADERS = ("commit", "source")


def _code_and_source(run: StoredRun | None) -> list[str]:
    """Return a run's commit (with "(dirty)" when its working tree had uncommitted changes) and source."""
    if run is None:
        return ["", ""]
    commit = (run.git_commit or "")[:10] + (" (dirty)" if run.git_dirty and run.git_commit else "")
    return [commit, run.source]


def _runs_section(runs: Sequence[StoredRun]) -> dict[str, Any]:
    counts = {status: sum(1 for run in runs if run.status == status) for status in _STATUS_ORDER}
    summary = ", ".join(f"{count} {status}" for status, count in counts.items() if count)
    rows = []
    classes = []
    for run in runs:
        shown = {k: clipped(format_value(v), VALUE_CHARS) for k, v in run.params.items()}  # a pickled object
        params = ", ".join(f"{k}={text}" for k, text in sorted(shown.items()))
        rows.append(
            [str(run.id), run.name, run.status, run.experiment or "", run.adapter, run.source, params]
        )
        classes.append(f"status-{run.status}")
    return {
        "anchor": "runs",
        "heading": f"Runs ({len(runs)})",
        "kind": "runs",
        "summary": summary or "no runs",
        "headers": ["id", "name", "status", "experiment", "adapter", "source", "params"],
        "rows": rows,
        "classes": classes,
    }
