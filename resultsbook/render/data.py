"""The aggregated table as data for scripts: CSV (one line per cell) and JSON, numbers unrounded (with
`digits`, rounded as each cell prints them, at its power of ten: 127.50e-6 is 0.00012750).

A CSV line ends with the cell's marks in words, in a `marks` column (empty when it has none): each
mark as the printed table's symbol and its sentence, `° not significantly better than ...`, joined
by ` ; `, so that no number a LaTeX or Markdown table marks reaches a spreadsheet bare.

Non-finite numbers: CSV writes `inf`, `-inf` and an empty field for NaN; JSON writes the strings
"inf" and "-inf" and null for NaN (JSON has no infinity). `-0` is written as 0. JSON cells carry
their marks with the full lists behind them (`details`), each run's note when its value was
substituted or refused, and the printed table's highlighting (`emphasis`, `nonsig` marks, and why in
`emphasis_basis`: the rule, the test, the cell compared with and the p-value, or why no test ran)."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from resultsbook.params import normalize_value
from resultsbook.query.goal import metric_goal
from resultsbook.query.model import Mark, ResultTable
from resultsbook.render.escape import neutralize_formula
from resultsbook.render.layout import Basis, Labels, Layout, Position, marks_in_words
from resultsbook.render.numformat import NumberFormat
from resultsbook.voice import file_words

Rounding = Mapping[Position, NumberFormat]  # each cell's printed format, by (row, column) index
JSON_FORMAT_VERSION = 3  # 2: infinities as "inf"/"-inf", marks with details, runs with notes;
# 3: the highlighted cells (emphasis best/second) and their nonsig marks, as the printed table has them;
# emphasis_basis (why a cell is highlighted: its test, p-value, rival) was added beside them without a
# bump, as keys are added to check's envelope: nothing a reader of version 3 reads changed


def stat_columns(table: ResultTable) -> list[str]:
    """Return the statistic columns in the order asked for; intervals give their bounds too."""
    if table.query.tasks:
        bounds = ["bootstrap_lo", "bootstrap_hi"] if "bootstrap" in table.query.stats else []
        return ["value", *bounds, "n", "tasks"]
    columns: list[str] = []
    for name in table.query.stats:
        if name in ("bootstrap", "bca"):
            columns += [f"{name}_lo", f"{name}_hi"]
        elif name == "iqr":
            columns += ["iqr", "iqr_lo", "iqr_hi"]
        elif name == "minmax":
            columns += ["min", "max"]
        else:
            columns.append(name)
    return columns


def render_csv(
    table: ResultTable,
    rounding: Rounding | None = None,
    escape_formulas: bool = False,
    layout: Layout | None = None,
) -> str:
    """Return plain CSV: one header line, then one line per cell: row keys, column keys, statistics
    (unrounded, or rounded as `rounding` gives each cell's printed format), and its marks in words
    (those of the printed `layout` when given: its highlighting's too).

    What produced it is recorded in the lock, and in `render_csv_metadata`'s sidecar if wanted. With
    `escape_formulas`, text that a spreadsheet would run as a formula gets a leading `'`.
    """
    stats = stat_columns(table)
    names = (*table.row_keys, *table.column_keys)
    lines: list[list[Any]] = [[*names, *(csv_column(name, names) for name in stats), marks_column(table)]]
    for r, row in enumerate(table.rows):
        for c, column in enumerate(table.columns):
            cell = table.cell(row, column)
            if cell is None:
                continue
            number = _number_at(rounding, r, c)
            values = [_csv_number(cell.stats.get(name, math.nan), name, number) for name in stats]
            marks = layout.marks.get((r, c), ()) if layout is not None else cell.marks
            keys = [*(_csv_key(v) for v in row), *(_csv_key(v) for v in column)]
            lines.append([*keys, *values, marks_text(marks)])
    return csv_text(lines, escape_formulas)


def csv_text(rows: Iterable[Sequence[Any]], escape_formulas: bool = False) -> str:
    """Return rows as CSV lines ended by `\\n`, quoting every field that holds a line break (`\\r` too),
    a quote or a comma; with `escape_formulas`, text a spreadsheet would run gets a leading `'`."""
    buffer = io.StringIO()
    # the writer quotes the characters of its line terminator: with "\n" alone a bare "\r" went
    # unquoted, split the record, and what followed it started a line of its own (a live formula)
    writer = csv.writer(buffer, lineterminator="\r\n")
    lines = []
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralize_formula(v) for v in row] if escape_formulas else row)
        lines.append(buffer.getvalue().removesuffix("\r\n") + "\n")
    return "".join(lines)


MARKS_SEPARATOR = " ; "


def marks_column(table: ResultTable) -> str:
    """Return the name of the CSV column of marks: `marks`, unless a row or column key has that name."""
    return csv_column("marks", (*table.row_keys, *table.column_keys))


def csv_column(name: str, keys: Collection[str]) -> str:
    """Return the CSV column name of a statistic or of the marks: its own, with a `_` before it while a
    row or column key has it (the keys keep theirs: a key named `mean` beside the `_mean` statistic)."""
    while name in keys:
        name = "_" + name
    return name


def marks_text(marks: Sequence[Mark]) -> str:
    """Return a cell's marks in words, in the printed table's order, each after its symbol."""
    return MARKS_SEPARATOR.join(file_words(text) for text in marks_in_words(marks))


def render_json(
    table: ResultTable, rounding: Rounding | None = None, generated: str = "", layout: Layout | None = None
) -> str:
    """Return the table as JSON: the query's settings and every cell with its runs and marks, and,
    given the printed `layout`, which cells it highlights and why a best one is not significant."""
    stats = stat_columns(table)
    document = {
        "format": "resultsbook.table",
        "version": JSON_FORMAT_VERSION,
        **({"generated": generated} if generated else {}),
        "rows": list(table.row_keys),
        "columns": list(table.column_keys),
        "metrics": [
            {
                "name": m.name,
                "reduce": m.reduce,
                "skip_first": m.skip_first,
                "scale": m.scale,
                "goal": metric_goal(m.name, m.direction).direction,
                "goal_from": metric_goal(m.name, m.direction).source,
                **(
                    {"normalized": table.query.normalized[m.name].describe()}
                    if m.name in table.query.normalized
                    else {}
                ),
            }
            for m in table.query.metrics
        ],
        "stats": stats,
        "center": table.query.center,
        "bootstrap": {"resamples": table.query.bootstrap_resamples, "seed": table.query.bootstrap_seed},
        **(
            {
                "tasks": list(table.query.tasks),
                "aggregates": list(table.query.aggregates),
                "optimality_threshold": table.query.optimality_threshold,
            }
            if table.query.tasks
            else {}
        ),
        "ddof": table.query.ddof,
        "replicate": list(table.query.replicate),
        # over tasks a row expects its runs on each task (its `incomplete` mark says how many): no one count
        "expected_replicates": None if table.query.tasks else table.expected,
        "cells": [
            {
                "row": dict(zip(table.row_keys, map(normalize_value, row))),
                "column": dict(zip(table.column_keys, map(normalize_value, column))),
                "metric": cell.metric.name,
                **({"aggregate": cell.statistic} if cell.statistic else {}),
                "stats": {
                    name: _json_number(cell.stats.get(name, math.nan), name, _number_at(rounding, r, c))
                    for name in dict.fromkeys(["n", *stats])
                },
                "runs": [_json_run(run, _number_at(rounding, r, c)) for run in cell.runs],
                "marks": [
                    {
                        "kind": mark.kind,
                        "text": mark.text,
                        **({"details": list(mark.details)} if mark.details else {}),
                    }
                    for mark in (*cell.marks, *_highlight_marks(layout, r, c))
                ],
                **({"emphasis": emphasis} if layout and (emphasis := layout.emphasis_at(r, c)) else {}),
                **(
                    {"emphasis_basis": _json_basis(table, basis)}
                    if layout and (basis := layout.bases.get((r, c)))
                    else {}
                ),
                **({"step": cell.step} if cell.step is not None else {}),
            }
            for r, row in enumerate(table.rows)
            for c, column in enumerate(table.columns)
            if (cell := table.cell(row, column)) is not None
        ],
        "notes": [file_words(note) for note in table.notes],
        # the note the LaTeX table prints (Markdown says Italics for Underlined)
        **({"note": layout.stat_note + layout.second_note("Underlined")} if layout is not None else {}),
    }
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _json_basis(table: ResultTable, basis: Basis) -> dict[str, Any]:
    """Return why a cell is emphasised: its rule and words, the cells printing its value too, and the
    test behind it — name, the cell it was compared against, p-value and level — or why none ran."""
    out: dict[str, Any] = {"rule": basis.rule, "text": basis.text}
    if basis.shares:
        out["same_value"] = [_json_position(table, position) for position in basis.shares]
    if basis.test:
        out["test"] = basis.test
        out["against"] = _json_position(table, basis.against) if basis.against is not None else None
        out["p"] = None if math.isnan(basis.p) else basis.p
        out["alpha"] = basis.alpha
        out["significant"] = (
            None if math.isnan(basis.p) else bool(basis.p < basis.alpha and not basis.opposite)
        )
        if basis.opposite:
            out["opposite"] = True
    if basis.untested:
        out["untested"] = basis.untested
    return out


def _json_position(table: ResultTable, position: tuple[int, int]) -> dict[str, Any]:
    """Name a cell by its row and column values, as the cell's own `row` and `column` do."""
    row, column = table.rows[position[0]], table.columns[position[1]]
    return {
        "row": dict(zip(table.row_keys, map(normalize_value, row))),
        "column": dict(zip(table.column_keys, map(normalize_value, column))),
    }


def _highlight_marks(layout: Layout | None, row: int, column: int) -> tuple[Mark, ...]:
    """Return the marks the printed table's highlighting gives a cell (nonsig: a best that is not
    significantly better than the runner-up)."""
    if layout is None:
        return ()
    return tuple(mark for mark in layout.marks.get((row, column), ()) if mark.kind == "nonsig")


def _json_run(run: Any, number: NumberFormat | None) -> dict[str, Any]:
    out = {"run_id": run.run_id, "name": run.name, "value": _json_number(run.value, "", number)}
    if run.task is not None:
        out["task"] = [normalize_value(v) for v in run.task]
    if run.note is not None:
        out["note"] = {"kind": run.note[0], "text": run.note[1]}
    return out


def _number_at(rounding: Rounding | None, row: int, column: int) -> NumberFormat | None:
    """Return the format a cell's numbers are rounded with in a data file, or None: unrounded."""
    return rounding.get((row, column)) if rounding is not None else None


def _csv_key(value: Any) -> Any:
    return "" if value is None else value


def _csv_number(value: float, name: str, number: NumberFormat | None) -> str:
    if math.isnan(value):
        return ""
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if name in ("n", "tasks"):
        return str(int(value))
    return repr(value + 0.0) if number is None else (number.plain(value) or "")


def _json_number(value: float, name: str, number: NumberFormat | None) -> float | int | str | None:
    if math.isnan(value):
        return None
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if name in ("n", "tasks"):
        return int(value)
    return value + 0.0 if number is None else float(number.plain(value) or "nan")


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
        titled = {"titles": name} if (column := csv_column(name, keys)) != name else {}
        columns.append({"name": column, **titled, "datatype": "integer" if name == "n" else "double"})
    columns.append({"name": marks_column(table), "titles": "marks", "datatype": "string"})
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
