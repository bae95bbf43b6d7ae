"""The HTML results page: one self-contained file (figures embedded, no network) with every table and
figure of the spec, the runs behind each cell and how their configs differ, and every run's status.

    >>> html = render_report(spec, store, store.runs())     # doctest: +SKIP
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping, Sequence
from typing import Any

from resultsbook.models import StoredRun
from resultsbook.outputs.build import NoProgress, Progress, aggregate_entry, refuse_read_only, write_files
from resultsbook.params import format_value
from resultsbook.query import ResultTable
from resultsbook.query.aggregate import differing_params
from resultsbook.query.model import Cell
from resultsbook.render.html import render_report_page
from resultsbook.render.layout import layout_table
from resultsbook.spec import Spec, TableSpec
from resultsbook.store import Store

_STATUS_ORDER = ("failed", "interrupted", "running", "unknown", "finished")


def render_report(
    spec: Spec,
    store: Store,
    runs: Sequence[StoredRun],
    tables: Mapping[str, ResultTable] | None = None,
    progress: Progress | None = None,
) -> str:
    """Return the results page as one HTML document."""
    from resultsbook.outputs.figures import figure_data
    from resultsbook.outputs.numbers import compute_numbers
    from resultsbook.render.plots import render_figure

    progress = progress or NoProgress()
    progress.start(len(spec.tables) + len(spec.figures) + 1)
    tables = dict(tables or {})
    by_id = {run.id: run for run in runs}
    sections: list[dict[str, Any]] = []
    for name, table_spec in spec.tables.items():
        progress.step(f"table {name}")
        if name not in tables:
            tables[name] = aggregate_entry(f"tables.{name}", store, table_spec.query, runs)
        sections.append(_table_section(spec, table_spec, tables[name], by_id))
        progress.advance()
    figure_notes = {}
    for name, figure in spec.figures.items():
        progress.step(f"figure {name}")
        result = figure_data(spec, figure, store, runs, tables)
        figure_notes[name] = result.data.note
        svg = render_figure(result.data, figure.style, figure.options, ".svg")
        sections.append(
            {
                "anchor": f"figure-{name}",
                "heading": f"Figure {name}",
                "kind": "figure",
                "src": "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"),
                "alt": figure.caption or name,
                "width_px": round(figure.style.width * 144),
                "caption": figure.caption or "",
                "note": result.data.note,
                "outputs": ", ".join(os.path.relpath(p, spec.folder) for p in figure.outputs),
                "warnings": list(result.notes),
            }
        )
        progress.advance()
    progress.step("numbers and runs")
    book = compute_numbers(spec, store, runs, tables, figure_notes)
    if book.values:
        rows = [[name, f"\\{value.macro}", value.text] for name, value in book.values.items()]
        sections.append(
            {"anchor": "numbers", "heading": "Numbers in the text", "kind": "numbers", "rows": rows}
        )
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
    return render_report_page(page, spec.template_dirs)


def report_path(spec: Spec, output: str | None = None) -> str:
    """Return where the page goes: -o, else [report] output, else resultsbook-report.html beside the spec."""
    target = output or (spec.report.output if spec.report and spec.report.output else None)
    return target or os.path.join(spec.folder, "resultsbook-report.html")


def write_report(
    spec: Spec, store: Store, output: str | None = None, progress: Progress | None = None
) -> tuple[str, bool]:
    """Render the page and write it atomically unless unchanged; return (path, whether it was written)."""
    target = report_path(spec, output)
    refuse_read_only([target])
    html = render_report(spec, store, store.runs(), progress=progress)
    written, _ = write_files({target: html.encode()})
    return target, bool(written)


def _table_section(
    spec: Spec, table_spec: TableSpec, table: ResultTable, by_id: Mapping[int, StoredRun]
) -> dict[str, Any]:
    """Return a table, its notes and, per cell, the runs behind it and how their configs differ."""
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
            cells.append(_cell_details(where, value, cell, table, by_id))
    return {
        "anchor": f"table-{table_spec.name}",
        "heading": f"Table {table_spec.name}",
        "kind": "table",
        "caption": table_spec.caption or "",
        "layout": layout,
        "notes": list(table.notes),
        "cells": cells,
    }


def _cell_details(
    where: str, value: str, cell: Cell, table: ResultTable, by_id: Mapping[int, StoredRun]
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
        ]
        for run in cell.runs
    ]
    differing = []
    for key, values in differing_params(members, exempt=()).items():
        kind = (
            "replicate key" if key in replicate else "run-specific" if key in table.query.run_specific else ""
        )
        differing.append({"key": key, "kind": kind, "text": ", ".join(format_value(v) for v in values)})
    return {
        "where": where,
        "value": value,
        "n": int(cell.stats["n"]),
        "marks": [mark.text for mark in cell.marks],
        "headers": ["run", "run id", " × ".join(replicate) or "replicate", "value", "status"],
        "rows": rows,
        "differing": differing,
    }


def _runs_section(runs: Sequence[StoredRun]) -> dict[str, Any]:
    counts = {status: sum(1 for run in runs if run.status == status) for status in _STATUS_ORDER}
    summary = ", ".join(f"{count} {status}" for status, count in counts.items() if count)
    rows = []
    classes = []
    for run in runs:
        params = ", ".join(f"{k}={format_value(v)}" for k, v in sorted(run.params.items()))
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
