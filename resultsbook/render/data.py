"""The aggregated table as data for scripts: CSV (one line per cell) and JSON, numbers unrounded."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from resultsbook.params import normalize_value
from resultsbook.query.model import ResultTable
from resultsbook.render.escape import neutralize_formula

JSON_FORMAT_VERSION = 1


def stat_columns(table: ResultTable) -> list[str]:
    """Return the statistic columns in the order asked for; intervals give their bounds too."""
    columns: list[str] = []
    for name in table.query.stats:
        if name == "bootstrap":
            columns += ["bootstrap_lo", "bootstrap_hi"]
        elif name == "minmax":
            columns += ["min", "max"]
        else:
            columns.append(name)
    return columns


def render_csv(
    table: ResultTable, digits: int | None = None, generated: str = "", escape_formulas: bool = False
) -> str:
    """Return one header line, then one line per cell: row keys, column keys, statistics.

    `generated` becomes a first `#` comment line (read with pandas.read_csv(..., comment="#")).
    With `escape_formulas`, text that a spreadsheet would run as a formula gets a leading `'`.
    """
    buffer = io.StringIO()
    if generated:
        buffer.write(f"# {generated}\n")
    writer = csv.writer(buffer, lineterminator="\n")
    stats = stat_columns(table)
    clean = (lambda row: [neutralize_formula(v) for v in row]) if escape_formulas else list
    writer.writerow(clean([*table.row_keys, *table.column_keys, *stats]))
    for row in table.rows:
        for column in table.columns:
            cell = table.cell(row, column)
            if cell is None:
                continue
            values = [_csv_number(cell.stats.get(name, math.nan), name, digits) for name in stats]
            writer.writerow(clean([*(_csv_key(v) for v in row), *(_csv_key(v) for v in column), *values]))
    return buffer.getvalue()


def render_json(table: ResultTable, digits: int | None = None, generated: str = "") -> str:
    """Return the table as JSON: the query's settings and every cell with its runs and marks."""
    stats = stat_columns(table)
    document = {
        "format": "resultsbook.table",
        "version": JSON_FORMAT_VERSION,
        **({"generated": generated} if generated else {}),
        "rows": list(table.row_keys),
        "columns": list(table.column_keys),
        "metrics": [
            {"name": m.name, "reduce": m.reduce, "skip_first": m.skip_first, "scale": m.scale}
            for m in table.query.metrics
        ],
        "stats": stats,
        "ddof": table.query.ddof,
        "replicate": list(table.query.replicate),
        "expected_replicates": table.expected,
        "cells": [
            {
                "row": dict(zip(table.row_keys, map(normalize_value, row))),
                "column": dict(zip(table.column_keys, map(normalize_value, column))),
                "metric": cell.metric.name,
                "stats": {
                    name: _json_number(cell.stats.get(name, math.nan), name, digits)
                    for name in dict.fromkeys(["n", *stats])
                },
                "runs": [
                    {"run_id": run.run_id, "name": run.name, "value": _json_number(run.value, "", digits)}
                    for run in cell.runs
                ],
                "marks": [{"kind": mark.kind, "text": mark.text} for mark in cell.marks],
                **({"step": cell.step} if cell.step is not None else {}),
            }
            for row in table.rows
            for column in table.columns
            if (cell := table.cell(row, column)) is not None
        ],
        "notes": list(table.notes),
    }
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _csv_key(value: Any) -> Any:
    return "" if value is None else value


def _csv_number(value: float, name: str, digits: int | None) -> str:
    if math.isnan(value):
        return ""
    if name == "n":
        return str(int(value))
    return repr(value) if digits is None else f"{value:.{digits}f}"


def _json_number(value: float, name: str, digits: int | None) -> float | int | None:
    if math.isnan(value) or math.isinf(value):
        return None
    if name == "n":
        return int(value)
    return value if digits is None else round(value, digits)
