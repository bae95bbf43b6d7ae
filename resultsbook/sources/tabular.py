"""Read delimited text (CSV/TSV) from logs: delimiter, header, torn last rows and stray headers."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from resultsbook.models import Problem
from resultsbook.sources.textio import read_nonempty_text, to_float


@dataclass(frozen=True)
class Table:
    """The rows of a delimited file under their column names (cells still text)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    first_line: int  # line number of rows[0], for messages


def read_delimited(
    path: str, problems: list[Problem], columns: list[str] | None = None, delimiter: str | None = None
) -> Table | None:
    """Read a CSV/TSV file; `columns` names a headerless file's columns. None if nothing is readable."""
    text = read_nonempty_text(path, problems)
    if text is None:
        return None
    complete = text.endswith("\n")
    sep = delimiter or guess_delimiter(path, text)
    if '"' in text:
        rows = [row for row in csv.reader(io.StringIO(text), delimiter=sep) if row]
    else:  # no quoting: a plain split is several times faster than the csv module
        rows = [line.rstrip("\r").split(sep) for line in text.split("\n") if line.strip()]
    first = rows[0]
    header_row = any(cell.strip() and to_float(cell) is None for cell in first)
    if columns:
        names = tuple(columns)
        body = rows[1:] if header_row else rows
        if header_row and [c.strip() for c in first] != list(names):
            problems.append(
                Problem(path, "has a header line although columns were given", "the given column names")
            )
    elif header_row:
        names = tuple(cell.strip() for cell in first)
        body = rows[1:]
    else:
        names = tuple(f"col{index}" for index in range(len(first)))
        body = rows
        problems.append(
            Problem(
                path,
                "has no header line and no column names were given (fix: --columns a,b,c)",
                f"the columns as {', '.join(names)}",
            )
        )
    offset = 2 if header_row else 1
    body = _drop_torn_last_row(path, body, names, complete, problems)
    body = _drop_repeated_headers(path, body, names, offset, problems)
    return Table(names, tuple(tuple(row) for row in body), offset)


def guess_delimiter(path: str, text: str) -> str:
    """Return the delimiter of a file: tab for .tsv or a tab-separated first line, else comma."""
    if os.path.splitext(path)[1].lower() == ".tsv":
        return "\t"
    first_line = text.split("\n", 1)[0]
    if first_line.count("\t") > first_line.count(","):
        return "\t"
    if first_line.count(";") > first_line.count(",") and "," not in first_line:
        return ";"
    return ","


def _drop_torn_last_row(
    path: str, body: list[list[str]], names: tuple[str, ...], complete: bool, problems: list[Problem]
) -> list[list[str]]:
    """Drop a last row cut off by a writer that is still running."""
    if body and not complete and len(body[-1]) < len(names):
        problems.append(
            Problem(
                path, "last line is cut off (a run still writing?)", f"the {len(body) - 1} rows before it"
            )
        )
        return body[:-1]
    return body


def _drop_repeated_headers(
    path: str, body: list[list[str]], names: tuple[str, ...], offset: int, problems: list[Problem]
) -> list[list[str]]:
    """Drop rows that repeat the header (files concatenated, runs resumed)."""
    header = list(names)
    first_name = names[0] if names else None

    def is_header(row: list[str]) -> bool:
        return bool(row) and row[0].strip() == first_name and [cell.strip() for cell in row] == header

    kept = [row for row in body if not is_header(row)]
    dropped = len(body) - len(kept)
    if dropped:
        first = next(i for i, row in enumerate(body) if is_header(row))
        problems.append(
            Problem(
                path,
                f"repeats its header {dropped} time(s) (first at line {first + offset})",
                "the data rows around it",
            )
        )
    return kept


def numeric_column(cells: Sequence[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """Parse a column of text cells: (values, mask of cells that hold a number, count of non-numbers).

    Empty cells are missing, not errors (sparse logs leave them empty); "nan"/"inf" are numbers.
    """
    try:
        values = np.array(cells, dtype=np.float64)
        return values, np.ones(len(values), dtype=bool), 0
    except ValueError:
        pass
    values = np.full(len(cells), np.nan)
    present = np.zeros(len(cells), dtype=bool)
    bad = 0
    for index, cell in enumerate(cells):
        if not cell.strip():
            continue
        number = to_float(cell)
        if number is None:
            bad += 1
        else:
            values[index] = number
            present[index] = True
    return values, present, bad
