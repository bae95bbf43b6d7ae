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
from resultsbook.render.layout import Labels

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


def render_csv(table: ResultTable, digits: int | None = None, escape_formulas: bool = False) -> str:
    """Return plain CSV: one header line, then one line per cell: row keys, column keys, statistics.

    What produced it is recorded in the lock, and in `render_csv_metadata`'s sidecar if wanted. With
    `escape_formulas`, text that a spreadsheet would run as a formula gets a leading `'`.
    """
    buffer = io.StringIO()
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


def render_csv_metadata(
    table: ResultTable, csv_name: str, title: str, description: str, source: str, labels: Labels
) -> str:
    """Return the CSVW sidecar of a CSV output (`table.csv-metadata.json`, W3C "CSV on the Web"):
    its title, what the numbers are, where it comes from, and each column's name, title and type."""
    keys = (*table.row_keys, *table.column_keys)
    columns: list[dict[str, Any]] = []
    for index, key in enumerate(keys):
        values = [(*row, *column)[index] for row, column in table.cells]
        columns.append({"name": key, "titles": str(labels.key(key)), "datatype": _csvw_type(values)})
    for name in stat_columns(table):
        columns.append({"name": name, "datatype": "integer" if name == "n" else "double"})
    document = {
        "@context": "http://www.w3.org/ns/csvw",
        "url": csv_name,
        "dc:title": title,
        "dc:description": description,
        "dc:source": source,
        "dc:creator": "resultsbook",
        "tableSchema": {"columns": columns},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _csvw_type(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "boolean"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "integer"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "double"
    return "string"
