"""From numbers to a grid of display strings shared by every text renderer: labels, header levels,
formatted cells, bold best / underlined second, and footnote marks."""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from resultsbook.errors import RenderError, ResultsbookError, closest
from resultsbook.params import format_value
from resultsbook.query.goal import Goal, metric_goal
from resultsbook.query.marks import ENDS_TEXT, PLURAL_BY_S, named_list
from resultsbook.query.model import AGGREGATE_KEY, METRIC_KEY, Cell, CellRuns, Mark, MetricSpec, ResultTable
from resultsbook.query.reduce import resolved_reduction, step_text
from resultsbook.query.significance import TESTS, Comparison, compare, resolve_test, test_name
from resultsbook.query.stats import BOOTSTRAPS, CENTERS, SMALL_BOOTSTRAP_N, SPREADS, check_pairing
from resultsbook.render.numformat import NumberFormat, cell_format, column_format

STYLES = ("pm", "sub", "siunitx", "siunitx-S")
HIGHLIGHTS = ("column", "row", "none")
INTERVAL_SPREADS = ("bootstrap", "bca", "minmax", "iqr")  # shown as [low, high], not ± a width
S_COLUMN_INTERVAL = (
    "the siunitx-S style puts each cell in an S column, which holds a number and an uncertainty but "
    "not an interval, so {spread} would be left out while the note names it; choose the siunitx or "
    "pm style, or the std or sem spread"
)
# how plain text (a pipe, a file, NO_COLOR, print(table)) shows a best cell, and says so in its note
PLAIN_BOLD = "**…**"
MARK_SYMBOLS = {
    "incomplete": "*",
    "few": "#",
    "mixed": "†",
    "provenance": "‖",
    "status": "‡",
    "duplicate": "§",
    "same": "≡",
    "novalue": "¶",
    "substituted": "≈",
    "infinite": "∞",
    "tasks": "⋆",
    "nonsig": "°",
}
MARK_SUMMARIES = {
    "incomplete": "fewer replicates than expected",
    "few": "too few replicates: the spread says little",
    "mixed": "averages runs whose configurations differ",
    "ends": ENDS_TEXT,
    "mixed_or_ends": "averages runs whose configurations or training lengths differ",
    "provenance": "runs from different code or data (git commits, a dirty tree, data versions)",
    "status": "includes failed, interrupted or still-running runs",
    "duplicate": "several runs share one replicate (seed)",
    "copies": "some runs repeat another of their file field for field (a row written twice)",
    "same": "runs of different seeds logged the same curve: the seed changed nothing",
    "novalue": "some runs have no value and are left out",
    "substituted": "a value stands in for the one asked (e.g. a run's only, final value)",
    "infinite": "some runs are infinite",
    "rounding": "a spread prints as zero at the table's decimals, as if the seeds agreed exactly",
    "tasks": "some tasks have no run, or no value: the aggregate is over fewer tasks",
    "nonsig": "best, but not significantly better than the runner-up",
    "untested": "best, but no test could compare it with the runner-up",
    "opposite": "best by its value, but the test finds the runner-up significantly better",
    "nonsig_or_opposite": (
        "best, but not significantly better than the runner-up, or the test finds the runner-up "
        "significantly better (the cell's warning says which)"
    ),
    "single": "one replicate: no spread to say how much the value varies",
    "surplus": "replicates the table does not ask for (more than asked, or seeds not listed), all averaged",
    "outlier": "one seed far from the others moves the mean",
}


def marks_in_words(marks: Sequence[Mark]) -> list[str]:
    """Return a cell's marks in the printed order, each as its symbol then its sentence:
    `° not significantly better than ...` (what a CSV or the report's detail says of a cell)."""
    ordered = sorted(marks, key=lambda mark: list(MARK_SYMBOLS).index(mark.kind))
    return [f"{MARK_SYMBOLS[mark.kind]} {mark.text}" for mark in ordered]


SPREAD_NAMES = {
    "std": "std",
    "sem": "s.e.m.",
    "ci95": "95% t-interval",
    "bootstrap": "95% percentile bootstrap interval",
    "bca": "95% BCa bootstrap interval",
    "iqr": "interquartile range [q25, q75]",
    "minmax": "min-max range",
}
MAX_DIGITS_SHOWN = 15  # a double holds about 16 significant digits
CENTER_NAMES = {"mean": "Mean", "median": "Median", "iqm": "IQM"}
CENTER_WORDS = {"mean": "mean", "median": "median", "iqm": "IQM"}  # mid-sentence: an acronym stays one


def _meant(value: str, known: Sequence[str]) -> str:
    """Return `; did you mean 'sub'?` for a misspelt choice (`subb`, `Median`), else nothing."""
    guess = closest(value, known)
    return f"; did you mean {guess!r}?" if guess is not None else ""


@dataclass(frozen=True)
class TableFormat:
    """How numbers look: centre and spread statistic, decimals, style, highlighting."""

    center: str = "mean"
    spread: str | None = "std"
    digits: int | None = None  # None: chosen per column from the typical spread
    style: str = "pm"
    highlight: str = "column"  # column, row, none, or a key: compare cells differing only in it
    second: bool = True
    show_n: bool = False
    stat_note: bool = True
    test: str = "auto"  # is the best significantly better than the runner-up? see query/significance.py
    alpha: float = 0.05
    ties: bool = False  # bold every cell not significantly worse than the best
    escape_formulas: bool = False  # CSV: text cells starting with = + - @ get a leading '

    def __post_init__(self) -> None:
        if self.center not in CENTERS:
            meant = _meant(self.center, CENTERS)
            raise RenderError(f"center statistic {self.center!r} is not one of {', '.join(CENTERS)}{meant}")
        if self.spread is not None and self.spread not in SPREADS:
            raise RenderError(f"spread {self.spread!r} is not one of {', '.join(SPREADS)} or none")
        if self.style not in STYLES:
            raise RenderError(
                f"style {self.style!r} is not one of {', '.join(STYLES)}{_meant(self.style, STYLES)}"
            )
        if self.style == "siunitx-S" and self.spread in INTERVAL_SPREADS:
            raise RenderError(S_COLUMN_INTERVAL.format(spread=f"the {self.spread} interval"))
        if not self.highlight:
            raise RenderError("highlight must be column, row, none or a row/column key")
        if self.test not in TESTS:
            raise RenderError(
                f"test {self.test!r} is not one of {', '.join(TESTS)}{_meant(self.test, TESTS)}"
            )
        if self.digits is not None and not 0 <= self.digits <= MAX_DIGITS_SHOWN:
            raise RenderError(f"digits = {self.digits} must be between 0 and {MAX_DIGITS_SHOWN}")
        try:
            check_pairing(self.center, self.spread)
            resolve_test(self.test, self.center)
        except ResultsbookError as error:
            raise RenderError(str(error)) from error
        if not 0 < self.alpha < 1:
            raise RenderError(f"alpha {self.alpha} must be between 0 and 1, e.g. 0.05")


@dataclass(frozen=True)
class Labels:
    """Display names of keys (params, metrics) and of param values."""

    keys: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def key(self, name: str) -> str:
        """Return the display name of a key."""
        return self.keys.get(name, name)

    def value(self, key: str, value: Any) -> str:
        """Return the display name of a param value."""
        text = format_value(value)
        return self.values.get(key, {}).get(text, text)

    def merged(self, own: Labels) -> Labels:
        """Return these labels with one output's own labels taking precedence, name by name."""
        values = {key: dict(mapping) for key, mapping in self.values.items()}
        for key, mapping in own.values.items():
            values[key] = {**values.get(key, {}), **mapping}
        return Labels(keys={**self.keys, **own.keys}, values=values)

    def as_data(self) -> list[Any]:
        """Return the labels as plain data for digests (raw LaTeX included)."""
        return [
            {k: repr(v) for k, v in sorted(self.keys.items())},
            {key: {k: repr(v) for k, v in sorted(m.items())} for key, m in sorted(self.values.items())},
        ]


@dataclass(frozen=True)
class DisplayCell:
    """One formatted cell: centre and spread text, emphasis and footnote symbols."""

    center: str
    spread: str | None = None
    interval: tuple[str, str] | None = None
    digits: int = 1
    emphasis: str | None = None  # best or second
    marks: tuple[str, ...] = ()
    n: int = 0
    exponent: int = 0  # the column's shared power of ten (numformat): the numbers are mantissas
    each: bool = False  # every number in a power of ten of its own (numformat); `exponent` is the centre's


Position = tuple[int, int]  # a cell by (row, column) index
SHOWN_CELLS = 3  # a bold value printed by more cells names the first few and a count


@dataclass(frozen=True)
class Basis:
    """Why the printed table emphasises a cell, for scripts (JSON's `emphasis_basis`): the rule that
    made it bold or underlined, the cells printing its value too, and the test behind a bold cell —
    which test, against which cell, its p-value — or why none gave one (`untested`)."""

    rule: str  # best, not_worse (ties = true: not significantly worse than the best), runner_up
    text: str  # the same in words, p-value as the ° mark prints it
    shares: tuple[Position, ...] = ()  # the other cells of its group that print the same value
    test: str = ""  # the test's name, as the note says it; empty when no test ran
    against: Position | None = None
    p: float = math.nan
    alpha: float = math.nan
    untested: str = ""
    opposite: bool = False  # the test found the difference the other way: p < alpha, yet not significant


@dataclass(frozen=True)
class Layout:
    """A table ready to print: header rows, body rows and notes, all plain (unescaped) text."""

    row_labels: tuple[str, ...]
    header_levels: tuple[tuple[tuple[str, int], ...], ...]
    body: tuple[tuple[tuple[str | None, ...], tuple[DisplayCell | None, ...]], ...]
    group_starts: tuple[int, ...]
    footnotes: tuple[tuple[str, str], ...]
    stat_note: str
    spread_kind: str  # pm, interval or none
    marks: Mapping[tuple[int, int], tuple[Mark, ...]] = field(default_factory=dict)  # by (row, column) index
    bases: Mapping[Position, Basis] = field(default_factory=dict)  # why each emphasised cell is
    dash_note: str = ""  # what – means where no run reached a cell: `no run (1 cell)`

    def emphasis_at(self, row: int, column: int) -> str | None:
        """Return how the printed table emphasises a cell (by index): best, second, or None."""
        display = self.body[row][1][column]
        return display.emphasis if display is not None else None

    def second_note(self, look: str, note: str | None = None) -> str:
        """Return ` LOOK: runner-up.` when a cell is shown as the runner-up and the note (the layout's
        unless given) says what bold is, else nothing: the reader is told what the second emphasis
        means, as for bold."""
        if " Bold: " not in f" {self.stat_note if note is None else note}":
            return ""
        seconds = (cell for _, cells in self.body for cell in cells if cell is not None)
        return f" {look}: runner-up." if any(cell.emphasis == "second" for cell in seconds) else ""

    @property
    def width(self) -> int:
        """Return the number of columns: row-key columns plus value columns."""
        return len(self.row_labels) + sum(span for _, span in self.header_levels[-1])


def layout_table(table: ResultTable, fmt: TableFormat, labels: Labels, bold: str = "Bold") -> Layout:
    """Lay out an aggregated table for printing; `bold` names how the printed table shows the best
    cells (PLAIN_BOLD where it cannot print bold)."""
    for needed in (fmt.center, *([fmt.spread] if fmt.spread else [])):
        wanted = "min" if needed == "minmax" else needed
        cells = [cell for cell in table.cells.values() if cell.statistic is None]
        if cells and wanted not in cells[0].stats:
            raise RenderError(f"statistic {needed!r} was not computed; add it to the table's stats")
    grid = _display_grid(table, fmt)
    bases: dict[Position, Basis] = {}
    tested = _emphasize(table, grid, fmt, labels, bases)
    marks = {
        (r, c): (*cell.marks, *tested.get((r, c), ()))
        for r, row in enumerate(table.rows)
        for c, column in enumerate(table.columns)
        if (cell := table.cell(row, column)) is not None
    }
    marks |= {key: extra for key, extra in tested.items() if key not in marks}
    footnotes = _assign_marks(grid, marks, table.query.replicate)
    return Layout(
        row_labels=tuple(labels.key(key) for key in table.row_keys),
        header_levels=_header_levels(table, labels),
        body=tuple((_row_labels(table, index, labels), tuple(cells)) for index, cells in enumerate(grid)),
        group_starts=_group_starts(table),
        footnotes=footnotes,
        stat_note=stat_note(table, fmt, bold=bold, grid=grid, labels=labels) if fmt.stat_note else "",
        spread_kind="none"
        if fmt.spread is None
        else ("interval" if fmt.spread in INTERVAL_SPREADS else "pm"),
        marks={key: value for key, value in marks.items() if value},
        bases=bases,
        dash_note=_dash_note(table),
    )


def _dash_note(table: ResultTable) -> str:
    """Say what – means where a cell between a row and a column has no run, as a mark's note says
    what its symbol means: a reader cannot tell it from "does not apply" otherwise."""
    from resultsbook.query.tasks import compared_with_itself, versus_label

    empty = [(r, c) for r in table.rows for c in table.columns if table.cell(r, c) is None]
    reference = [place for place in empty if compared_with_itself(table.query, *place)]
    count = len(empty) - len(reference)
    notes = [f"no run ({count} cell{'s' if count > 1 else ''})"] if count else []
    if reference:  # P(X > SPR) of SPR itself: no comparison, not a cell no run reached
        label = versus_label(table.query)
        notes.append(f"P(X > {label}) of {label}: the row the others are compared with")
    return "; ".join(notes)


def _display_grid(table: ResultTable, fmt: TableFormat) -> list[list[DisplayCell | None]]:
    """Return every cell as it prints, row by row, before emphasis and marks."""
    formats = _formats_by_position(table, fmt)
    return [
        [_display(table.cell(row, column), fmt, formats[r, c]) for c, column in enumerate(table.columns)]
        for r, row in enumerate(table.rows)
    ]


def center_key(cell: Cell, fmt: TableFormat) -> str:
    """Return the statistic a cell shows: the table's centre, or an aggregate cell's own value."""
    return "value" if cell.statistic is not None else fmt.center


def spread_of(cell: Cell, fmt: TableFormat) -> str | None:
    """Return the spread a cell shows: aggregate cells carry a bootstrap interval or none, and a cell
    of one value none (its std with ddof = 0, quartiles and range are 0 and say nothing of the seeds)."""
    if cell.statistic is not None:
        return "bootstrap" if fmt.spread is not None and "bootstrap_lo" in cell.stats else None
    return fmt.spread if cell.stats.get("n", 0) >= 2 else None


def _formats_by_position(table: ResultTable, fmt: TableFormat) -> dict[Position, NumberFormat]:
    """Return each cell position's number format, shared by its column, or by its row when the rows
    name the metrics (a row's numbers are one metric's, a column's several metrics')."""
    rows, columns = range(len(table.rows)), range(len(table.columns))
    if METRIC_KEY in table.row_keys:
        lines = [[(r, c) for c in columns] for r in rows]
    else:
        lines = [[(r, c) for r in rows] for c in columns]
    formats: dict[Position, NumberFormat] = {}
    for line in lines:
        formats.update(dict.fromkeys(line, _shared_format(table, fmt, line)))
    return formats


def _shared_format(table: ResultTable, fmt: TableFormat, positions: Sequence[Position]) -> NumberFormat:
    """Return the format of cells that print alike: the fixed decimals, or chosen from their numbers."""
    found = (table.cell(table.rows[r], table.columns[c]) for r, c in positions)
    cells = [cell for cell in found if cell is not None]
    centers = [c.stats.get(center_key(c, fmt), math.nan) for c in cells]
    chosen = column_format(centers, [_spread_size(c, spread_of(c, fmt)) for c in cells])
    return chosen if fmt.digits is None else NumberFormat(fmt.digits, chosen.exponent)


def _spread_size(cell: Cell, spread: str | None) -> float:
    if spread is None:
        return math.nan
    if spread == "minmax":
        return (cell.stats["max"] - cell.stats["min"]) / 2
    return cell.stats.get(spread, math.nan)


def interval_keys(spread: str) -> tuple[str, str]:
    """Return the stats holding the ends of an interval spread: `min` and `max`, or `iqr_lo` and `iqr_hi`."""
    return ("min", "max") if spread == "minmax" else (f"{spread}_lo", f"{spread}_hi")


def printed_formats(table: ResultTable, fmt: TableFormat) -> dict[Position, NumberFormat]:
    """Return the number format each cell prints with, by (row, column) index: its column's (its
    row's when the rows are metrics), or its own for an outlier."""
    formats = _formats_by_position(table, fmt)
    return {
        (r, c): _cell_number(cell, fmt, formats[r, c])
        for r, row in enumerate(table.rows)
        for c, column in enumerate(table.columns)
        if (cell := table.cell(row, column)) is not None
    }


def _cell_number(cell: Cell, fmt: TableFormat, column: NumberFormat) -> NumberFormat:
    """Return the format a cell prints its numbers with, given its column's."""
    shown = spread_of(cell, fmt)
    shown_keys = interval_keys(shown or "") if shown in INTERVAL_SPREADS else (shown,) if shown else ()
    keys = (center_key(cell, fmt), *shown_keys)
    return cell_format(column, [cell.stats.get(key, math.nan) for key in keys])


def _display(cell: Cell | None, fmt: TableFormat, number: NumberFormat) -> DisplayCell | None:
    """Format one cell; None when no run falls there or no run has a value."""
    if cell is None:
        return None
    shown = spread_of(cell, fmt)
    low_key, high_key = interval_keys(shown or "")
    number = _cell_number(cell, fmt, number)
    center = number.text(cell.stats.get(center_key(cell, fmt), math.nan))
    if center is None:
        return None
    spread = interval = None
    if shown in INTERVAL_SPREADS:
        low, high = number.text(cell.stats[low_key]), number.text(cell.stats[high_key])
        interval = (low, high) if low is not None and high is not None else None
    elif shown is not None:
        spread = number.text(cell.stats[shown])
    return DisplayCell(
        center=center,
        spread=spread,
        interval=interval,
        digits=number.digits,
        n=int(cell.stats["n"]),
        exponent=number.exponent,
        each=number.each,
    )


def check_highlight(table: ResultTable, highlight: str) -> None:
    """Refuse a highlight that is not column, row, none or one of the table's keys, or that would
    compare nothing but the aggregates over tasks (a mean with a median and an optimality gap)."""
    keys = (*table.row_keys, *table.column_keys)
    if highlight not in HIGHLIGHTS and highlight not in keys:
        guess = closest(highlight, [*HIGHLIGHTS, *keys])
        hint = f"; did you mean {guess!r}?" if guess else ""
        raise RenderError(
            f"highlight {highlight!r} is not column, row, none or one of the keys {', '.join(keys)}{hint}"
        )
    names = list(dict.fromkeys(str(column[-1]) for column in table.columns)) if table.query.tasks else []
    if _varying_keys(table, highlight) == {AGGREGATE_KEY} and len(names) > 1:
        from resultsbook.query.tasks import AGGREGATE_NAMES

        names = [AGGREGATE_NAMES.get(name, name) for name in names]
        raise RenderError(
            f"highlight {highlight!r} would compare the aggregates of each {'/'.join(table.row_keys)} "
            f"({', '.join(names)}), different statistics, which never compete; highlight 'column' bolds "
            f"the best {'/'.join(table.row_keys)} of each aggregate"
        )


def _varying_keys(table: ResultTable, highlight: str) -> set[str]:
    """Return the keys in which the cells competing for bold differ (a key of none for `none`)."""
    if highlight == "column":
        return set(table.row_keys)
    if highlight == "row":
        return set(table.column_keys)
    return {highlight}


def comparable_groups(table: ResultTable, highlight: str) -> list[list[tuple[int, int]]]:
    """Return groups of (row, column) indexes whose cells compete for "best": same metric and
    aggregate over tasks, differing only along the highlight direction (down a column, along a row,
    or in one named key), by value rather than by label."""
    keys = (*table.row_keys, *table.column_keys)
    check_highlight(table, highlight)
    varying = _varying_keys(table, highlight)
    groups: dict[tuple[Any, ...], list[tuple[int, int]]] = {}
    for r, row in enumerate(table.rows):
        for c, column in enumerate(table.columns):
            if (cell := table.cell(row, column)) is None:
                continue
            values = dict(zip(keys, (*row, *column)))
            # the value itself, as the cell is keyed: 0.1 and "0.1" print alike but are two settings
            fixed = tuple(v for k, v in values.items() if k not in varying)
            metric = table.query.metric_key(table.metric_of(row, column))
            groups.setdefault((fixed, metric, cell.statistic), []).append((r, c))
    return list(groups.values())


def cell_goal(cell: Cell) -> Goal:
    """Return the direction in which a cell is better: its metric's goal; lower for an optimality gap."""
    goal = metric_goal(cell.metric.name, cell.metric.direction)
    if cell.statistic == "optimality_gap" and goal.direction is not None:
        return Goal("min" if goal.direction == "max" else "max", goal.source)
    if cell.statistic == "probability_of_improvement":
        return Goal("max", "set")
    return goal


def table_test(table: ResultTable, fmt: TableFormat) -> str:
    """Return the test behind bold: the one matching the centre, a bootstrap test for aggregates."""
    if fmt.test == "none" or _single_runs(table):
        return "none"
    if table.query.tasks:
        return "stratified"
    return resolve_test(fmt.test, fmt.center)


def _single_runs(table: ResultTable) -> bool:
    """Tell whether every cell of a table of runs (not of tasks) holds one value: a zero-shot
    evaluation, where no test can compare two cells and none is said to have been tried."""
    counts = [cell.stats.get("n", 0) for cell in table.cells.values()]
    return not table.query.tasks and bool(counts) and max(counts) <= 1


def table_test_name(table: ResultTable, fmt: TableFormat) -> str:
    """Say which test decided the bold."""
    test = table_test(table, fmt)
    if test == "stratified":
        return "stratified bootstrap test of the difference"
    return test_name(test, fmt.center)


def _emphasize(
    table: ResultTable,
    grid: list[list[DisplayCell | None]],
    fmt: TableFormat,
    labels: Labels,
    bases: dict[Position, Basis],
) -> dict[tuple[int, int], tuple[Mark, ...]]:
    """Bold the best and underline the runner-up among comparable cells, by the value each prints (in
    place); return the marks of bold cells that are not significantly better than the runner-up, and
    put in `bases` why each emphasised cell is (the test, against which cell, its p-value).

    Cells that print the same number tie: all of them are bold, or all underlined. The runner-up is
    underlined only when at least as many cells rank below it as share it, so an underline never
    marks the bottom of a column nor a value most cells print. Cells whose metric has no known goal,
    and cells whose centre is infinite, are never bold."""
    if fmt.highlight == "none":
        return {}
    marks: dict[tuple[int, int], tuple[Mark, ...]] = {}
    test = table_test(table, fmt)
    for positions in comparable_groups(table, fmt.highlight):
        # an infinite centre (a run that diverged, marked ∞) ranks nowhere: it would always be best or worst
        positions = [(r, c) for r, c in positions if _ranked(grid[r][c])]
        if len(positions) < 2:
            continue
        first = table.cell(table.rows[positions[0][0]], table.columns[positions[0][1]])
        assert first is not None
        direction = cell_goal(first).direction
        if direction is None:
            continue
        sign = 1 if direction == "max" else -1
        shown = sorted({_number(grid[r][c]) * sign for r, c in positions}, reverse=True)
        best = [(r, c) for r, c in positions if _number(grid[r][c]) * sign == shown[0]]
        printed = list(best)  # the cells printing the best value; with ties, tested ones join them
        runner_up = [
            (r, c) for r, c in positions if len(shown) > 1 and _number(grid[r][c]) * sign == shown[1]
        ]
        p_values: dict[tuple[int, int], Comparison] = {}
        if test != "none" and fmt.ties:
            # a tie is a test that ran and found no difference: a cell it cannot test is no tie
            p_values = {p: _compare_cells(table, fmt, best[0], p) for p in positions if p not in best}
            best += [p for p, result in p_values.items() if _no_worse(fmt, result, sign)]
            runner_up = [p for p in runner_up if p not in best]
        tested: dict[Position, tuple[Position, Comparison]] = {}  # each bold cell's rival and its test
        if (
            test != "none"
            and runner_up
            and (not fmt.ties or any(math.isnan(p_values[p].p) for p in runner_up))
        ):
            rival = max(runner_up, key=lambda p: _centre(table, fmt, p) * sign)
            for position in best:
                tested[position] = (rival, _compare_cells(table, fmt, position, rival))
                if (mark := _nonsig_mark(table, fmt, labels, position, *tested[position], sign)) is not None:
                    marks[position] = (mark,)
        below = len(positions) - len(best) - len(runner_up)
        second = runner_up if fmt.second and 0 < len(runner_up) <= below else []
        for position, emphasis in [*((p, "best") for p in best), *((p, "second") for p in second)]:
            r, c = position
            grid[r][c] = replace(grid[r][c], emphasis=emphasis)  # type: ignore[type-var]
        rest = [p for p in positions if p not in best]
        strongest = max(rest, key=lambda p: _centre(table, fmt, p) * sign) if rest else None
        for position in best:
            bases[position] = _bold_basis(
                table, fmt, labels, position, printed, p_values, tested, strongest, sign
            )
        for position in second:
            shares = tuple(p for p in second if p != position)
            bases[position] = Basis(
                "runner_up", "runner-up: the second best value printed; not tested", shares
            )
    return marks


def _nonsig_mark(
    table: ResultTable,
    fmt: TableFormat,
    labels: Labels,
    position: Position,
    rival: Position,
    result: Comparison,
    sign: int,
) -> Mark | None:
    """Return the ° mark of a bold cell whose test against `rival` gave `result` (`sign`: 1 where
    higher is better, -1 where lower): not significantly better, or not shown to be better (no
    p-value); None when it is significantly better."""
    name = cell_label(table, table.rows[rival[0]], table.columns[rival[1]], labels)
    if math.isnan(result.p):
        return Mark(
            "nonsig",
            f"not shown to be better than {name}: {_untested(table, fmt, position, rival)}",
            note="untested",
        )
    if _significant(fmt, result, sign):
        return None
    favours = name if _opposite(result, sign) else ""
    # a p below alpha the other way: the legend says the runner-up is the better, not only "not significantly"
    return Mark(
        "nonsig",
        f"not significantly better than {name} ({_tested_by(table, fmt, result.p, favours)})",
        note="opposite" if favours and result.p < fmt.alpha else "",
    )


def _significant(fmt: TableFormat, result: Comparison, sign: int) -> bool:
    """Tell whether a test found the first cell significantly better: p < alpha, and its own statistic
    points the way the goal calls better (a two-sided p alone says the cells differ, not which way)."""
    return result.p < fmt.alpha and not _opposite(result, sign)


def _no_worse(fmt: TableFormat, result: Comparison, sign: int) -> bool:
    """Tell whether the test of the best against a cell ran and found the best not significantly better."""
    return not math.isnan(result.p) and not _significant(fmt, result, sign)


def _opposite(result: Comparison, sign: int) -> bool:
    """Tell whether a test finds the second cell the better one, though the first prints the better value."""
    return result.larger * sign < 0


def _tested_by(table: ResultTable, fmt: TableFormat, p: float, favours: str = "") -> str:
    """Name the test behind bold and the p-value it gave, as a mark says them: `Welch's t-test, p = 0.54`,
    and the cell it finds the better where that is not the one its p-value was asked about."""
    in_favour = f", in favour of {favours}" if favours else ""
    return f"{table_test_name(table, fmt)}, p = {p_text(p, fmt.alpha)}{in_favour}"


def _bold_basis(
    table: ResultTable,
    fmt: TableFormat,
    labels: Labels,
    position: Position,
    printed: Sequence[Position],
    p_values: Mapping[Position, Comparison],
    tested: Mapping[Position, tuple[Position, Comparison]],
    strongest: Position | None,
    sign: int,
) -> Basis:
    """Say why a cell is bold: it prints the best value (`printed`, with the others that print it) or,
    with ties, a test found it not significantly worse than the best; and which test it took, against
    which cell (the runner-up; with ties, the best, or for the best the strongest cell left plain, whose
    test against it kept that cell plain), with its p-value, or why there is none."""

    def name(cell: Position) -> str:
        return cell_label(table, table.rows[cell[0]], table.columns[cell[1]], labels)

    shares = tuple(p for p in printed if p != position) if position in printed else ()
    lead = f"best, printed by {named_list([name(p) for p in shares], SHOWN_CELLS)} too" if shares else "best"
    words = table_test_name(table, fmt)
    if position not in printed:  # with ties: the test against the best found it no worse
        against, result = printed[0], p_values[position]
        opposite = _opposite(result, sign)  # a p below alpha that finds this cell the better
        favours = name(position) if opposite else ""
        said = f"not significantly worse than {name(against)} ({_tested_by(table, fmt, result.p, favours)})"
        return Basis("not_worse", said, (), words, against, result.p, fmt.alpha, opposite=opposite)
    if position in tested:
        against, result = tested[position]
    elif fmt.ties and position == printed[0] and strongest is not None and p_values:
        against, result = strongest, p_values[strongest]
    else:
        if table_test(table, fmt) == "none" and fmt.test != "none":
            why = "one run a cell: bold is the best value printed, as no test compares single values"
        elif table_test(table, fmt) == "none":
            why = 'test = "none": bold is the best value printed'
        elif fmt.ties and position != printed[0]:
            why = f"it prints the value of {name(printed[0])}, which the other cells were tested against"
        elif fmt.ties:
            why = "every cell it competes with is bold: none is significantly worse"
        else:
            why = "every cell it competes with prints this value: there is no runner-up"
        return Basis("best", f"{lead}; not tested: {why}", shares, untested=why)
    mark = _nonsig_mark(table, fmt, labels, position, against, result, sign)
    said = (
        mark.text
        if mark
        else f"significantly better than {name(against)} ({_tested_by(table, fmt, result.p)})"
    )
    untested = _untested(table, fmt, position, against) if math.isnan(result.p) else ""
    opposite = _opposite(result, sign)
    return Basis("best", f"{lead}; {said}", shares, words, against, result.p, fmt.alpha, untested, opposite)


def p_text(p: float, alpha: float) -> str:
    """Return a p-value to two significant digits, more when two would print it as alpha itself
    (`p = 0.05` beside `α = 0.05` would not say on which side of it p fell)."""
    text = f"{p:.2g}"
    for digits in (3, 4, 6):
        if float(text) != alpha or p == alpha:
            break
        text = f"{p:.{digits}g}"
    return text


def _centre(table: ResultTable, fmt: TableFormat, position: tuple[int, int]) -> float:
    """Return the unrounded number a cell shows: its centre, or an aggregate cell's value."""
    cell = table.cell(table.rows[position[0]], table.columns[position[1]])
    return cell.stats.get(center_key(cell, fmt), math.nan) if cell is not None else math.nan


def _compare_cells(
    table: ResultTable, fmt: TableFormat, first: tuple[int, int], second: tuple[int, int]
) -> Comparison:
    cells = [table.cell(table.rows[r], table.columns[c]) for r, c in (first, second)]
    assert cells[0] is not None and cells[1] is not None
    test = table_test(table, fmt)
    if test == "stratified":
        from resultsbook.query.tasks import difference_p

        return difference_p(table.query, cells[0], cells[1])
    return compare(test, cells[0].values, cells[1].values, fmt.center, table.query.bootstrap_seed)


def _untested(table: ResultTable, fmt: TableFormat, first: tuple[int, int], second: tuple[int, int]) -> str:
    """Say why the test behind bold gave no p-value for two cells."""
    cells = [table.cell(table.rows[r], table.columns[c]) for r, c in (first, second)]
    if any(cell is not None and cell.statistic == "probability_of_improvement" for cell in cells):
        return "no test compares probabilities of improvement (each is against the same row)"
    name = table_test_name(table, fmt)
    name = name if "'s " in name else f"the {name}"  # Welch's t-test, the permutation test
    if any(cell is not None and any(map(math.isinf, cell.runs.values.tolist())) for cell in cells):
        return f"{name} cannot be computed with infinite values"
    if table.query.tasks:
        return f"{name} needs more than one run on some task on each side"
    return f"{name} needs at least two replicates on each side"


def _ranked(cell: DisplayCell | None) -> bool:
    """Tell whether a cell takes part in the bold: it shows a finite number."""
    return cell is not None and math.isfinite(_number(cell))


def _number(cell: DisplayCell | None) -> float:
    """Return the number a cell shows (what readers compare)."""
    assert cell is not None
    return float(cell.center)


def _assign_marks(
    grid: list[list[DisplayCell | None]],
    marks: Mapping[tuple[int, int], tuple[Mark, ...]],
    replicate: Sequence[str],
) -> tuple[tuple[str, str], ...]:
    """Attach footnote symbols to marked cells (in place) and return the footnote lines in use (the
    duplicate mark names the table's replicate keys)."""
    counts: dict[str, int] = {}
    notes_of: dict[str, set[str]] = {}  # the footnote sentences each kind's marks need
    for (r, c), cell_marks in marks.items():
        kinds = sorted({m.kind for m in cell_marks}, key=list(MARK_SYMBOLS).index)
        if not kinds:
            continue
        for kind in kinds:
            counts[kind] = counts.get(kind, 0) + 1
        for mark in cell_marks:
            notes_of.setdefault(mark.kind, set()).add(mark.note or mark.kind)
        shown = grid[r][c]
        symbols = tuple(MARK_SYMBOLS[k] for k in kinds)
        grid[r][c] = replace(shown, marks=symbols) if shown is not None else DisplayCell("", marks=symbols)
    notes = []
    for kind, symbol in MARK_SYMBOLS.items():
        if kind in counts:
            count = counts[kind]
            summary = mark_summary(kind, notes_of[kind])
            if kind == "duplicate" and replicate:
                summary = summary.replace("(seed)", f"({' × '.join(replicate)})")
            notes.append((symbol, f"{summary} ({count} cell{'s' if count > 1 else ''})"))
    return tuple(notes)


def mark_summary(kind: str, notes: Collection[str]) -> str:
    """Return the sentence that sums up the marks of one kind whose `note`s (or kind, for the usual
    sentence) are `notes`: a note of their own when all of them need it, the kind's otherwise."""
    if kind == "mixed" and set(notes) == {"mixed", "ends"}:
        return MARK_SUMMARIES["mixed_or_ends"]
    if kind == "nonsig" and "opposite" in notes and len(notes) > 1:  # the generic sentence would hide it
        return MARK_SUMMARIES["nonsig_or_opposite"]
    return MARK_SUMMARIES[next(iter(notes)) if len(notes) == 1 else kind]


def _header_levels(table: ResultTable, labels: Labels) -> tuple[tuple[tuple[str, int], ...], ...]:
    """Return one header row per column key: (label, span) runs of equal prefixes."""
    if not table.column_keys:
        if METRIC_KEY in table.row_keys:  # the rows name the metrics: the column would name one again
            return (((labels.key("value").capitalize(), 1),),)
        metric = table.query.metrics[0]
        return (((metric.label or labels.key(metric.name), 1),),)
    levels = []
    for depth in range(len(table.column_keys)):
        runs: list[tuple[str, int]] = []
        previous: tuple[Any, ...] | None = None
        for column in table.columns:
            prefix = column[: depth + 1]
            if prefix == previous:
                runs[-1] = (runs[-1][0], runs[-1][1] + 1)
            else:
                runs.append((_column_value_label(table, depth, column[depth], labels), 1))
                previous = prefix
        levels.append(tuple(runs))
    return tuple(levels)


def _column_value_label(table: ResultTable, depth: int, value: Any, labels: Labels) -> str:
    """Return a column's header label: a number alone over a column names nothing (the row keys
    head the first column, the column key nowhere), so it says its key, `in_channels = 3`, unless
    the spec labels that value."""
    label = _value_label(table, depth, value, labels)
    key = table.column_keys[depth]
    if not _is_number(value) or key in (METRIC_KEY, AGGREGATE_KEY) or label != format_value(value):
        return label
    return f"{labels.key(key)} = {label}"


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _value_label(table: ResultTable, depth: int, value: Any, labels: Labels, rows: bool = False) -> str:
    key = (table.row_keys if rows else table.column_keys)[depth]
    return key_value_label(table, key, value, labels)


def key_value_label(table: ResultTable, key: str, value: Any, labels: Labels) -> str:
    """Return the display name of a row or column key's value (a metric's label for the metric key)."""
    if key == METRIC_KEY:
        return metric_label(table, value, labels)
    if key == AGGREGATE_KEY and format_value(value) not in labels.values.get(key, {}):
        from resultsbook.query.tasks import AGGREGATE_NAMES, versus_label

        if value == "probability_of_improvement":
            return f"P(X > {labels.value(table.query.rows[0], versus_label(table.query))})"
        return AGGREGATE_NAMES.get(str(value), str(value))
    return labels.value(key, value)


def metric_label(table: ResultTable, key: Any, labels: Labels) -> str:
    """Return the display name of the metric under a value of the `metric` key: its label, else its
    name's label, with how it is reduced when the table reduces it two ways (`Val. acc. (max)`)."""
    metric = table.query.metric_of_key(key)
    return metric.label or labels.key(metric.name) + str(key)[len(metric.name) :]


def _row_labels(table: ResultTable, index: int, labels: Labels) -> tuple[str | None, ...]:
    """Return a body row's key labels, None where it repeats the row above within a group."""
    row = table.rows[index]
    above = table.rows[index - 1] if index else None
    out: list[str | None] = []
    for depth, value in enumerate(row):
        same_group = above is not None and above[: depth + 1] == row[: depth + 1]
        last = depth == len(row) - 1
        out.append(None if same_group and not last else _value_label(table, depth, value, labels, rows=True))
    return tuple(out)


def _group_starts(table: ResultTable) -> tuple[int, ...]:
    """Return the body row indexes where a new first-level row group starts (multi-level rows only)."""
    if len(table.row_keys) < 2:
        return ()
    return tuple(i for i in range(1, len(table.rows)) if table.rows[i][0] != table.rows[i - 1][0])


def stat_note(
    table: ResultTable,
    fmt: TableFormat,
    emphasis: bool = True,
    bold: str = "Bold",
    grid: Sequence[Sequence[DisplayCell | None]] | None = None,
    labels: Labels | None = None,
) -> str:
    """Say what the numbers are: statistic, interval (of which statistic, how computed), spread with
    ddof, replicate count, reduction, scale, normalisation and (with `emphasis`, for tables) what
    the bold means, in which direction and by which test (`grid`: the cells as they print, when laid
    out already; `labels`: the names the header gives the metrics)."""
    if table.query.tasks:
        from resultsbook.query.tasks import tasks_note

        note = tasks_note(table, fmt.spread is not None)
    else:
        note = _replicates_note(table, fmt)
    note += _scale_note(table)
    if emphasis and fmt.highlight != "none":
        grid = grid or _display_grid(table, fmt)
        if _competes(table, fmt.highlight, grid):
            note += _bold_note(table, fmt, bold, _competing(table, fmt, grid), labels, grid)
    for text in table.metric_notes:
        note += f" {text}."
    return note


def _competes(table: ResultTable, highlight: str, grid: Sequence[Sequence[DisplayCell | None]]) -> bool:
    """Tell whether any two cells that print a finite value compete for bold: a table of one row (one
    cell per column) has none, nor one whose rivals have no value (`–`, at(STEP) past their end) or an
    infinite one (`inf`, which ranks nowhere)."""
    printed = [
        [r for r, c in group if (shown := grid[r][c]) is not None and shown.center and _ranked(shown)]
        for group in comparable_groups(table, highlight)
    ]
    return any(len(cells) > 1 for cells in printed)


def _replicates_note(table: ResultTable, fmt: TableFormat) -> str:
    query = table.query
    counts = sorted({int(c.stats["n"]) for c in table.cells.values()})
    n_text = n_range(counts)
    what = CENTER_NAMES[fmt.center]
    spread = fmt.spread if counts[-1:] >= [2] else None  # a cell of one value (or none): its centre alone
    if spread in ("std", "sem"):
        what += f" ± {SPREAD_NAMES[spread]} (ddof = {query.ddof})"
    elif spread in BOOTSTRAPS:
        what += (
            f" with {SPREAD_NAMES[spread]} of the {CENTER_WORDS[fmt.center]}"
            f" ({query.bootstrap_resamples:,} resamples, seed {query.bootstrap_seed})"
        )
    elif spread is not None:
        what += f" with {SPREAD_NAMES[spread]}"
    replicate = _replicate_noun(table, counts)
    if query.pool:  # n counts a cell's values: one per pooled value and seed, not seeds
        if not replicate.startswith("run"):
            each = " × ".join((*query.pool, *query.replicate))
            replicate = f"{'run' if counts == [1] else 'runs'}, one per {each}"
        replicate += f" ({', '.join(query.pool)} pooled: {_pooled_range(table)} per cell)"
    reductions = sorted({_reduction_text(m) for m in query.metrics})
    if len(reductions) > 1:  # which metric is reduced which way (Best: max; Last: last)
        reductions = [f"{m.label or m.name}: {_reduction_text(m)}" for m in query.metrics]
    note = f"{what} over {n_text} {replicate}; per run: {'; '.join(reductions)}."
    small = [n for n in counts if 1 < n < SMALL_BOOTSTRAP_N]  # one value has no interval at all
    if fmt.spread in BOOTSTRAPS and small:
        note += (
            f" Bootstrap intervals from fewer than {SMALL_BOOTSTRAP_N} values (here n = {small[0]}) "
            "cover less than 95%."
        )
    return note


_PLURAL = PLURAL_BY_S


def replicate_word(table: ResultTable) -> str:
    """Name one of what n counts: `seed` (the replicate keys), else `run` (no run records a seed)."""
    return _replicate_noun(table, [1])


def replicates_word(table: ResultTable) -> str:
    """Name what n counts, as the note under the table does: `seeds`, else `runs`."""
    return _replicate_noun(table, [2, 2])


def _replicate_noun(table: ResultTable, counts: Sequence[int]) -> str:
    """Name what n counts: the replicate keys ("seeds") when every value in every cell comes from a
    run with its own replicate values, else "runs" (no run records a seed, or some share one)."""
    keys = table.query.replicate
    one = list(counts) == [1]
    runs = "run" if one else "runs"
    cells = table.cells.values()
    # a table where no run has a value (at(STEP) past every run's end) says nothing of seeds either way
    valued = any(not all(map(math.isnan, cell.runs.values.tolist())) for cell in cells)
    if keys and valued and all(_one_run_per_replicate(cell.runs) for cell in cells):
        if one or all(_PLURAL.fullmatch(key) for key in keys):
            return " × ".join(keys) + ("" if one else "s")
        return f"{runs} (one per {' × '.join(keys)})"  # `n = 3 ns`, `3 run_indexs`: no plural of a name
    return runs


def _one_run_per_replicate(runs: CellRuns) -> bool:
    """Tell whether each run with a value names every replicate key, no two alike (in one pool)."""
    replicate = [column.tolist() for column in runs.replicate]
    pooled = [column.tolist() for column in runs.pooled]
    seen = set()
    for index, value in enumerate(runs.values.tolist()):
        if math.isnan(value):
            continue
        named = tuple(column[index] for column in replicate)
        key = (tuple(column[index] for column in pooled), named)
        if None in named or key in seen:
            return False
        seen.add(key)
    return True


def n_range(counts: Sequence[int]) -> str:
    """Return `n = 5` or `n = 3–5`."""
    if not counts:
        return "n = 0"
    return f"n = {counts[0]}" if len(counts) == 1 else f"n = {counts[0]}–{counts[-1]}"


def _scale_note(table: ResultTable) -> str:
    scaled = [m for m in table.query.metrics if m.scale != 1]
    if not scaled:
        return ""
    if len(scaled) == len(table.query.metrics) and len({m.scale for m in scaled}) == 1:
        return f" Values × {scaled[0].scale:g}."
    return " " + "; ".join(f"{m.label or m.name} × {m.scale:g}" for m in scaled) + "."


def _competing(
    table: ResultTable, fmt: TableFormat, grid: Sequence[Sequence[DisplayCell | None]]
) -> list[tuple[int, int, int]]:
    """Return, for each group of cells that compete for bold (two or more, a goal known), how many
    cells it has, how many print a value (a cell of marks alone prints none) and how many print its
    best value (all of those are bold; when every value printed is the best, none is tested), infinite
    values left out as the bold leaves them; not the probabilities of improvement, which no test
    compares (each is against the same row)."""
    from resultsbook.query.tasks import PAIRWISE

    out = []
    for group in comparable_groups(table, fmt.highlight):
        first = table.cell(table.rows[group[0][0]], table.columns[group[0][1]])
        direction = cell_goal(first).direction if first is not None else None
        if len(group) < 2 or direction is None or (first is not None and first.statistic in PAIRWISE):
            continue
        sign = 1 if direction == "max" else -1
        # an infinite centre ranks nowhere (see _emphasize): no test is made against it
        numbers = [
            _number(shown) * sign
            for r, c in group
            if (shown := grid[r][c]) is not None and shown.center and _ranked(shown)
        ]
        out.append((len(group), len(numbers), numbers.count(max(numbers)) if numbers else 0))
    return out


def _bold_note(
    table: ResultTable,
    fmt: TableFormat,
    bold: str = "Bold",
    competing: Sequence[tuple[int, int, int]] = (),
    labels: Labels | None = None,
    grid: Sequence[Sequence[DisplayCell | None]] = (),
) -> str:
    """Say what bold (or what stands for it) means: best in which direction, by which test, and, where
    several cells print the best value (`competing`, as `_competing` counts them), that each is bold
    and how it was tested; name metrics left without it, as the header names them (`labels`)."""
    shared = any(printing > 1 for *_, printing in competing)
    goals: dict[str, Goal] = {}
    for cell in table.cells.values():
        name = cell.metric.label or (labels.key(cell.metric.name) if labels else cell.metric.name)
        if cell.statistic not in ("optimality_gap", "probability_of_improvement"):
            goals.setdefault(name, cell_goal(cell))
    known = {name: goal for name, goal in goals.items() if goal.direction is not None}
    unknown = sorted(name for name, goal in goals.items() if goal.direction is None)
    statistics = {cell.statistic for cell in table.cells.values()}
    parts = []
    if known or statistics & {"optimality_gap", "probability_of_improvement"}:
        words = {goal.words for goal in known.values()}
        if len(words) == 1:
            direction = words.pop()
        else:
            direction = "; ".join(f"{name}: {goal.words}" for name, goal in sorted(known.items()))
        if not known and "probability_of_improvement" in statistics:  # its cells alone are bold
            direction = "probability of improvement: higher is better"
        if "optimality_gap" in statistics:
            direction = "; ".join(filter(None, [direction, "optimality gap: lower is better"]))
        rule = "best, and every cell that prints the same value" if shared else "best"
        if fmt.ties:
            rule = f"{rule.replace(', and', ',')} and any cell not significantly worse"
        test = table_test(table, fmt)
        name = table_test_name(table, fmt)
        each = " of each" if any(1 < printing < values for _, values, printing in competing) else ""
        untested = all(printing == values for _, values, printing in competing)  # no runner-up anywhere
        if statistics == {"probability_of_improvement"}:
            how = "; not tested: no test compares probabilities of improvement, each against the same row"
        elif test == "none" or untested:
            how = ""
        else:
            made = _tests_made(table, fmt, competing, grid)
            how = f"; {_unpaired(test)}{name}{'' if fmt.ties else each}{made}"
        parts.append(f" {bold}: {rule} ({direction}{how}).")
    if unknown:
        unmarked = "Not bold" if bold == "Bold" else "Not marked"
        parts.append(f" {unmarked}: {', '.join(unknown)} (goal not set).")
    return "".join(parts)


def _tests_made(
    table: ResultTable,
    fmt: TableFormat,
    competing: Sequence[tuple[int, int, int]],
    grid: Sequence[Sequence[DisplayCell | None]],
) -> str:
    """Say what the test behind bold compares, two-sided, and, when the table makes several tests
    at level alpha, that none is corrected for the others: `against the runner-up, two-sided, α =
    0.05 in each of 5 columns, uncorrected` (a bold without ° is one comparison's evidence, not the
    table's). `competing`: each group's cells, valued cells and cells printing its best value, as
    `_competing` counts them; a group whose values all print the best makes no test."""
    alpha = f"α = {fmt.alpha:g}"
    if fmt.ties:  # the best against each cell of its group that prints another value
        several = sum(values - printing for _, values, printing in competing) > 1
        shared = any(printing > 1 for *_, printing in competing)
        other = "cell printing another value" if shared else "other cell"
        each = f" for each {other}, uncorrected" if several else ""
        return f" against the best, two-sided, {alpha}{each}"
    tested = sum(1 for _, values, printing in competing if printing < values)
    if tested >= 2 and grid:  # a group whose best no test could compare (°) makes no test at alpha
        tested = _groups_tested(table, fmt, grid)
    if tested < 2:
        return f" against the runner-up, two-sided, {alpha}"
    where = {"column": "columns", "row": "rows"}.get(fmt.highlight, f"groups compared across {fmt.highlight}")
    return f" against the runner-up, two-sided, {alpha} in each of {tested} {where}, uncorrected"


def _groups_tested(table: ResultTable, fmt: TableFormat, grid: Sequence[Sequence[DisplayCell | None]]) -> int:
    """Count the groups whose best a test compared with the runner-up (a p-value, where `°` says no test
    could), as `_emphasize` tests them without ties."""
    from resultsbook.query.tasks import PAIRWISE

    count = 0
    for group in comparable_groups(table, fmt.highlight):
        positions = [(r, c) for r, c in group if _ranked(grid[r][c])]
        first = table.cell(table.rows[positions[0][0]], table.columns[positions[0][1]]) if positions else None
        direction = cell_goal(first).direction if first is not None else None
        if first is None or direction is None or first.statistic in PAIRWISE:
            continue
        sign = 1 if direction == "max" else -1
        shown = sorted({_number(grid[r][c]) * sign for r, c in positions}, reverse=True)
        if len(shown) < 2:
            continue
        best = [p for p in positions if _number(grid[p[0]][p[1]]) * sign == shown[0]]
        runner_up = [p for p in positions if _number(grid[p[0]][p[1]]) * sign == shown[1]]
        rival = max(runner_up, key=lambda p: _centre(table, fmt, p) * sign)
        count += any(not math.isnan(_compare_cells(table, fmt, p, rival).p) for p in best)
    return count


def _unpaired(test: str) -> str:
    """Return `unpaired ` for a test whose name does not say its two samples are independent."""
    # Welch's t-test and the Mann–Whitney U test are two-sample tests by name; these could be paired
    return "unpaired " if test in ("permutation", "stratified") else ""


def _pooled_range(table: ResultTable) -> str:
    """Say how many pooled values the cells hold: `1–5`."""
    counts = sorted({len({run.pooled for run in cell.runs}) for cell in table.cells.values()})
    return f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"


def _reduction_text(metric: MetricSpec) -> str:
    """Say how each run is reduced: `last`, `best-mean (first 2 points skipped, up to step 5000)`."""
    said = []
    if metric.skip_first:
        said.append(
            "first point skipped" if metric.skip_first == 1 else f"first {metric.skip_first} points skipped"
        )
    if metric.budget is not None:  # best-mean's budget: the steps its best step is chosen among
        said.append(f"up to step {step_text(metric.budget)}")
    reduce = resolved_reduction(metric.reduce)
    return f"{reduce} ({', '.join(said)})" if said else reduce


def cell_label(table: ResultTable, row: tuple[Any, ...], column: tuple[Any, ...], labels: Labels) -> str:
    """Name a cell as readers see it: its row and column labels, `MLP / CIFAR-10`."""
    keys = (*table.row_keys, *table.column_keys)
    return " / ".join(key_value_label(table, key, value, labels) for key, value in zip(keys, (*row, *column)))


def headed_cell_label(
    table: ResultTable, row: tuple[Any, ...], column: tuple[Any, ...], labels: Labels
) -> str:
    """Name a cell as its row and its column's headers read: `MLP / in_channels = 3` where a number
    heads the column (`cell_label` writes `MLP / 3`)."""
    rows = [key_value_label(table, key, value, labels) for key, value in zip(table.row_keys, row)]
    heads = [_column_value_label(table, depth, value, labels) for depth, value in enumerate(column)]
    return " / ".join([*rows, *heads])


def plain_cell(cell: DisplayCell | None, dash: str = "–", marks: bool = True) -> str:
    """Return a cell as plain text: `93.4 ± 0.2`, `93.4 [93.1, 93.7]`, marks appended."""
    if cell is None:
        return dash
    text = cell.center or dash
    if cell.spread is not None:
        text += f" ± {cell.spread}"
    elif cell.interval is not None:
        text += f" [{cell.interval[0]}, {cell.interval[1]}]"
    return text + ("".join(cell.marks) if marks else "")


def row_label_texts(labels: Sequence[str | None]) -> list[str]:
    """Return row labels with repeats blanked, for renderers that need strings."""
    return ["" if label is None else label for label in labels]


def flat_headers(layout: Layout) -> list[list[str]]:
    """Return each value column's header labels from the top level down."""
    columns: list[list[str]] = [[] for _ in range(sum(span for _, span in layout.header_levels[-1]))]
    for level in layout.header_levels:
        position = 0
        for label, span in level:
            for index in range(position, position + span):
                columns[index].append(label)
            position += span
    return columns
