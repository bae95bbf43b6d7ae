"""Read delimited text (CSV/TSV) from logs, streamed: delimiter, header, stray headers, ragged rows.

Cells become numbers a chunk of lines at a time, so a table costs memory for its numbers, not for
its text; the columns asked for as text keep their cells. A row with more or fewer cells than the
header is dropped and reported: which of its cells belong to which column cannot be known (a line
cut off and continued by a restarted writer looks just like that). The exception is a second header
of another width, as several processes appending to one file write it (DeepMind Acme's CSVLogger:
each actor process writes the header of the counts it knew when it started, sorted, so one
`actor/logs.csv` holds rows of 9 and of 11 cells under their two headers): a row as wide as one of
the headers is read by that header, the columns of the others left empty in it.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from operator import methodcaller

import numpy as np

from resultsbook.models import Problem
from resultsbook.params import clipped
from resultsbook.sources.fileio import unreadable
from resultsbook.sources.lines import LineBatch, Tally, iter_lines
from resultsbook.sources.textio import to_float
from resultsbook.voice import option

_ROWS_KEPT = "the other rows"


RUN_COLUMNS = ("seed", "run", "run_id", "trial")  # a column that, varying, tells rows of several runs


@dataclass(frozen=True)
class Table:
    """The rows of a delimited file by column: numbers (NaN where a cell holds none), which cells hold
    a number, how many cells are neither empty nor a number, and the text of the columns asked for."""

    columns: tuple[str, ...]
    rows: int
    numbers: dict[str, np.ndarray]
    present: dict[str, np.ndarray]
    bad: dict[str, int]
    text: dict[str, list[str]]
    first_bad: dict[str, str] = field(default_factory=dict)  # each column's first cell that is not a number

    def not_numbers(self, name: str, what: str) -> str:
        """Say how many cells of a column are not numbers, and the first: `2 {what} not numbers (the
        first: 'abc')`."""
        return f"{self.bad[name]} {what} not numbers (the first: {clipped(self.first_bad[name])!r})"

    def column(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (numbers, mask of cells holding a number) of a column."""
        return self.numbers[name], self.present[name]

    def metric_column(self, name: str, path: str, problems: list[Problem]) -> tuple[np.ndarray, np.ndarray]:
        """Return a column as `column` does, adding to `problems` how many of its cells are not numbers."""
        if self.bad[name]:
            message = self.not_numbers(name, f"cell(s) of column {name!r} are")
            problems.append(Problem(path, message, "the numeric ones"))
        return self.column(name)


def read_delimited(
    path: str,
    problems: list[Problem],
    columns: list[str] | None = None,
    delimiter: str | None = None,
    text: Collection[str] | bool = (),
    missing: Collection[str] = (),
) -> Table | None:
    """Read a CSV/TSV file; `columns` names a headerless file's columns, `text` the columns whose cells
    are kept as text (True: all), `missing` the words that mean "not logged" (e.g. NA). None if the
    file cannot be read or holds nothing."""
    tally = Tally()
    reader = _TableReader(path, problems, tally, columns, delimiter, text, frozenset(missing))
    before = len(problems)
    try:
        for batch in iter_lines(path, problems, tally, keep_last=reader.whole_last_line):
            if reader.names is None and _binary(batch.lines):
                problems.append(Problem(path, _BINARY, "nothing from this file"))
                return None
            reader.add(batch)
    except OSError as error:
        problems.append(unreadable(path, error, "nothing from this file"))
        return None
    tally.report(path, problems)
    return reader.table(said_why_empty=len(problems) > before)


_BINARY = "is not text: its first line holds control bytes (a binary file, or one damaged from its start)"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # never in a text header: tab, CR, LF aside


def _binary(lines: list[str]) -> bool:
    """Tell whether the first non-blank line of a file holds control bytes: binary data, not a
    header or a row of delimited text (a latin-1 header decodes to U+FFFD, not to these)."""
    first = next((line for line in lines if line.strip()), None)
    return first is not None and _CONTROL.search(first) is not None


def holds_no_row(table: Table, path: str, problems: list[Problem]) -> bool:
    """Tell whether a table is its header line alone, reporting it: a run that has not logged a row
    yet (or died before it did) is no run, until a collect finds its first row."""
    if table.rows:
        return False
    names = ", ".join(table.columns[:6]) + (
        f", … {len(table.columns)} columns" if len(table.columns) > 6 else ""
    )
    problems.append(
        Problem(path, f"holds only its header line ({names}), no row", "no run until it holds one")
    )
    return True


def row_index_column(table: Table) -> str | None:
    """Return the name of a first column without a name: the row index pandas' `to_csv` writes
    unless told `index=False` (a row number, neither a setting nor a result)."""
    return table.columns[0] if table.columns and not table.columns[0].strip() else None


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


class _TableReader:
    """Turn batches of lines into columns of numbers (and text)."""

    def __init__(
        self,
        path: str,
        problems: list[Problem],
        tally: Tally,
        columns: list[str] | None,
        delimiter: str | None,
        text: Collection[str] | bool,
        missing: frozenset[str],
    ) -> None:
        self.path, self.problems, self.tally = path, problems, tally
        self.given, self.delimiter, self.want_text, self.missing = columns, delimiter, text, missing
        self.names: tuple[str, ...] | None = None
        self.header: list[str] | None = None
        self.comment: str | None = None  # the last `#` line before the first row: maybe the header
        self.rows = 0
        self.repeats = 0
        self.first_repeat = 0
        self.first_names: tuple[str, ...] = ()  # the columns of the first header (or given)
        self.layouts: dict[int, tuple[str, ...]] = {}  # header width -> its names (a header of each width)
        self.other_headers: list[tuple[int, int]] = []  # (line, width) of each header of another width
        self.numbers: dict[str, list[np.ndarray]] = {}
        self.present: dict[str, list[np.ndarray]] = {}
        self.bad: dict[str, int] = {}
        self.first_bad: dict[str, str] = {}
        self.text: dict[str, list[str]] = {}

    def add(self, batch: LineBatch) -> None:
        if self.names is None:  # the names from the first row, then the rest as any later batch
            head, batch = self._head(batch)
            rows = self._split(head)
            if not rows:
                return
            self._add_split(self._start(rows))
        if batch.lines and not self._add_plain(batch.lines):
            self._add_split(self._split(batch))

    def _head(self, batch: LineBatch) -> tuple[LineBatch, LineBatch]:
        """Split a batch after its first line that is neither blank nor a `#` comment: the line the
        column names come from (or the first row)."""
        at = next(
            (i for i, line in enumerate(batch.lines) if line.strip() and not line.lstrip().startswith("#")),
            len(batch.lines) - 1,
        )
        return LineBatch(batch.first, batch.lines[: at + 1]), LineBatch(
            batch.first + at + 1, batch.lines[at + 1 :]
        )

    def _add_split(self, rows: list[tuple[int, list[str]]]) -> None:
        """Add rows split into cells (line number, cells), one by one: repeated and other headers,
        ragged rows."""
        width = self.width
        kept: list[list[str]] = []
        layout = width  # the width of the header the rows in `kept` are read by
        for number, row in rows:
            if self.header is not None and row[0].strip() == self.header[0] and self._repeats_header(row):
                self.repeats += 1
                self.first_repeat = self.first_repeat or number
            elif self.header is not None and row[0].strip() == self.header[0] and self._other_header(row):
                self.layouts[len(row)] = tuple(cell.strip() for cell in row)
                self.other_headers.append((number, len(row)))
            elif len(row) in self.layouts:
                if len(row) != layout:  # rows of another writer: those before keep their place
                    self._add_rows(kept, self.layouts[layout])
                    kept, layout = [], len(row)
                kept.append(row)
            elif len(row) != width:
                self.tally.add(
                    f"has {len(row)} cells for the {width} columns",
                    f"have another number of cells than the {width} columns",
                    number,
                    _ROWS_KEPT,
                )
            else:
                kept.append(row)
        self._add_rows(kept, self.layouts.get(layout))

    @property
    def width(self) -> int:
        """The number of cells of a row of the first header (or of the columns given)."""
        return len(self.header) if self.header is not None else len(self.names)  # type: ignore[arg-type]

    def whole_last_line(self, line: str) -> bool:
        """Tell whether a last line without its newline is a whole row nonetheless: its last cell is
        closed by a quote and it has a cell for every column (a W&B export ends so: a cut-off line
        ends inside a cell, or short of the last column)."""
        if self.names is None or not line.endswith('"'):
            return False
        try:  # strict: a line cut just after the quote that opens its last cell is no row
            rows = list(csv.reader([line], delimiter=self.delimiter or ",", strict=True))
        except csv.Error:
            return False
        return len(rows) == 1 and len(rows[0]) == len(self.names)

    def _add_plain(self, lines: list[str]) -> bool:
        """Add a batch of plain rows (no quotes, no blank or ragged line, no repeated header) with one
        split for the whole batch, several times faster than row by row; False if it is not plain."""
        sep = self.delimiter or ","
        width = self.width
        joined = sep.join(lines)
        if '"' in joined or set(map(methodcaller("count", sep), lines)) != {width - 1}:
            return False
        if width == 1 and not all(map(str.strip, lines)):  # a blank line (wider rows have separators)
            return False
        cells = joined.split(sep)
        if self.header is not None and self.header[0] in set(map(str.strip, cells[0::width])):
            return False
        self._add_columns(len(lines), [cells[index::width] for index in range(width)])
        return True

    def _split(self, batch: LineBatch) -> list[tuple[int, list[str]]]:
        """Return (line number, cells) of the batch's non-blank lines (comment lines before the first
        row left out)."""
        if self.names is None:
            batch = self._past_comments(batch)
        lines = batch.lines
        if self.delimiter is None:
            first = next((line for line in lines if line.strip()), None)
            if first is None:
                return []
            self.delimiter = guess_delimiter(self.path, first)
        sep = self.delimiter
        if any('"' in line for line in lines):
            return self._split_quoted(batch, sep)
        return [(batch.first + i, line.split(sep)) for i, line in enumerate(lines) if line.strip()]

    def _split_quoted(self, batch: LineBatch, sep: str) -> list[tuple[int, list[str]]]:
        """`_split` of lines with quotes, by the csv module; a line it cannot split (a carriage return
        inside it, binary bytes) is counted as damaged, and the rows after it are read."""
        reader = csv.reader(batch.lines, delimiter=sep)
        found: list[tuple[int, list[str]]] = []
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return found
            except csv.Error:
                line = batch.first + reader.line_num - 1
                self.tally.add(
                    "is not a row of delimited text (a carriage return inside it, or binary bytes)",
                    "are not rows of delimited text (a carriage return inside them, or binary bytes)",
                    line,
                    _ROWS_KEPT,
                )
                continue
            if row and any(cell.strip() for cell in row):
                found.append((batch.first + reader.line_num - 1, row))

    def _past_comments(self, batch: LineBatch) -> LineBatch:
        """Return the batch without the `#` lines that open the file (Stable-Baselines3's monitor.csv
        opens with one holding JSON; numpy.savetxt writes its header as one), keeping the last."""
        skipped = 0
        for line in batch.lines:
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                break
            if stripped:
                self.comment = stripped
            skipped += 1
        if not skipped:
            return batch
        return LineBatch(batch.first + skipped, batch.lines[skipped:])

    def _start(self, rows: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
        """Take the column names from the first row (a header), from the names given, or from a `#`
        line before the first row that names as many columns."""
        first = rows[0][1]
        header_row = any(cell.strip() and to_float(cell) is None for cell in first)
        commented = None if header_row or self.given else self._commented_header(len(first))
        if commented is not None:
            self.names = commented
        elif self.given:
            self.names = tuple(self.given)
            if header_row and [c.strip() for c in first] != list(self.names):
                self.problems.append(
                    Problem(
                        self.path, "has a header line although columns were given", "the given column names"
                    )
                )
        elif header_row:
            self.names = tuple(cell.strip() for cell in first)
        else:
            self.names = tuple(f"col{index}" for index in range(len(first)))
            self.problems.append(
                Problem(
                    self.path,
                    f"has no header line and no column names were given (fix: {option('columns', 'a,b,c')})",
                    f"the columns as {', '.join(self.names)}",
                )
            )
        if header_row:
            self.header = [cell.strip() for cell in first]
            rows = rows[1:]
        self.names = self._unique(self.names)
        self.first_names = self.names
        if header_row and not commented and not self.given:
            self.layouts = {len(self.names): self.names}
        wanted = self.names if self.want_text is True else self.want_text or ()
        self.text = {name: [] for name in self.names if name in wanted}
        return rows

    def _commented_header(self, width: int) -> tuple[str, ...] | None:
        """Return the column names a `#` line before headerless rows gives (`# step,loss`), if it
        names `width` columns, each a word that is not a number."""
        if self.comment is None:
            return None
        for line in (self.comment.lstrip("#"), self.comment):  # `#,loss`: a first column named "#"
            cells = [cell.strip() for cell in line.split(self.delimiter or ",")]
            words = all(cell and len(cell.split()) == 1 and to_float(cell) is None for cell in cells)
            if len(cells) == width and words:  # prose ("# run 3, resumed") has spaces: not a header
                return tuple(cells)
        return None

    def _unique(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """Return the column names with repeated ones numbered (reported): `x`, `x.2`."""
        seen: dict[str, int] = {}
        unique = []
        for name in names:
            seen[name] = seen.get(name, 0) + 1
            unique.append(name if seen[name] == 1 else f"{name}.{seen[name]}")
        repeated = [name for name, count in seen.items() if count > 1]
        if repeated:
            self.problems.append(
                Problem(
                    self.path,
                    f"names {len(repeated)} column(s) more than once (the first: {repeated[0]!r})",
                    f"each, the repeats numbered ({repeated[0]}.2, ...)",
                )
            )
        return tuple(unique)

    def _repeats_header(self, row: list[str]) -> bool:
        return [cell.strip() for cell in row] == self.header or (
            len(row) in self.layouts and tuple(cell.strip() for cell in row) == self.layouts[len(row)]
        )

    def _other_header(self, row: list[str]) -> bool:
        """Tell whether a row starting like the header is a header of another width, its names each
        once and none a number (another writer's header: Acme's actor processes, one file)."""
        if not self.layouts or len(row) in self.layouts:
            return False
        names = [cell.strip() for cell in row]
        return len(set(names)) == len(names) and all(name and to_float(name) is None for name in names)

    def _add_rows(self, rows: list[list[str]], names: tuple[str, ...] | None = None) -> None:
        if rows:
            self._add_columns(len(rows), list(zip(*rows)), names)

    def _add_columns(
        self, count: int, columns: Sequence[Sequence[str]], names: tuple[str, ...] | None = None
    ) -> None:
        """Add rows given by column; `names` the header they are read by (default: the first), the
        columns of the other headers left empty in them."""
        names = names or self.first_names
        assert self.names is not None
        for name in names:
            if name not in self.names:  # a column the rows before never had: empty in them
                self.names = (*self.names, name)
                if self.want_text is True or (self.want_text and name in self.want_text):
                    self.text[name] = []
                if self.rows:
                    self._add_empty(name, self.rows)
        if len(names) != len(self.names):
            for name in self.names:
                if name not in names:
                    self._add_empty(name, count)
        self.rows += count
        for name, cells in zip(names, columns):
            if name in self.text:
                self.text[name].extend(cells)
            if self.missing:
                cells = tuple("" if cell.strip() in self.missing else cell for cell in cells)
            values, present, bad = numeric_column(cells)
            self.numbers.setdefault(name, []).append(values)
            self.present.setdefault(name, []).append(present)
            self.bad[name] = self.bad.get(name, 0) + bad
            if bad and name not in self.first_bad:
                self.first_bad[name] = next(c for c, ok in zip(cells, present) if c.strip() and not ok)

    def _add_empty(self, name: str, count: int) -> None:
        """Add `count` empty cells to a column the rows being added do not have."""
        self.numbers.setdefault(name, []).append(np.full(count, np.nan))
        self.present.setdefault(name, []).append(np.zeros(count, dtype=bool))
        if name in self.text:
            self.text[name].extend([""] * count)

    def table(self, said_why_empty: bool = False) -> Table | None:
        """Return the table read, or None when the file held no line of it (said to be empty unless
        its damage, a cut-off only line, already says why)."""
        if self.names is None:
            if not said_why_empty:
                self.problems.append(Problem(self.path, "is empty", "nothing from this file"))
            return None
        if self.repeats:
            self.problems.append(
                Problem(
                    self.path,
                    f"repeats its header {self.repeats} time(s) (first at line {self.first_repeat})",
                    "the data rows around it",
                )
            )
        if self.other_headers:
            line, width = self.other_headers[0]
            more = f" and {len(self.other_headers) - 1} more" if len(self.other_headers) > 1 else ""
            said = (
                f"holds a second header of {width} columns at line {line}{more} (several writers "
                "appending to one file, each with its header, as Acme's actor processes)"
            )
            self.problems.append(Problem(self.path, said, "every row, read by the header of its width"))
        numbers = {name: _join(self.numbers.get(name), np.float64) for name in self.names}
        present = {name: _join(self.present.get(name), bool) for name in self.names}
        bad = {name: self.bad.get(name, 0) for name in self.names}
        return Table(self.names, self.rows, numbers, present, bad, self.text, self.first_bad)


def _join(chunks: list[np.ndarray] | None, dtype: type) -> np.ndarray:
    if not chunks:
        return np.zeros(0, dtype=dtype)
    return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)


def numeric_column(cells: Sequence[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """Parse a column of text cells: (values, mask of cells that hold a number, count of non-numbers).

    Empty cells are missing, not errors (sparse logs leave them empty); "nan"/"inf" are numbers.
    """
    try:  # float() per cell into one array: several times faster than numpy's own text parsing
        values = np.fromiter(map(float, cells), dtype=np.float64, count=len(cells))
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
