"""Numbers for the text: every table cell by key, and the spec's named values (a cell, a difference
or ratio of cells, a statistic over a selection of runs, a count), formatted like the tables.

    >>> book = compute_numbers(spec, store, store.runs(), tables)      # doctest: +SKIP
    >>> book.values["gainCircles"].text                                 # doctest: +SKIP
    '4.1'
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from resultsbook.errors import ResultsbookError, SpecError, closest
from resultsbook.models import StoredRun
from resultsbook.outputs.spec_reader import spec_reader
from resultsbook.params import format_value
from resultsbook.query import ResultTable
from resultsbook.query.access import MetricReader
from resultsbook.query.marks import differing_among, mixed_text
from resultsbook.query.model import DEFAULT_RUN_SPECIFIC, Cell, Mark, scaled_value
from resultsbook.query.provenance import provenance_mixes
from resultsbook.query.runs import Runs
from resultsbook.query.select import (
    check_filter_keys,
    check_params_exist,
    key_hint,
    known_keys,
    run_value,
    select_runs,
    why_nothing_selected,
)
from resultsbook.query.stats import SPREADS, describe
from resultsbook.query.tasks import COUNTS
from resultsbook.render.latex import tex_number
from resultsbook.render.layout import DisplayCell, Layout, center_key, layout_table
from resultsbook.render.macros import key_tag
from resultsbook.render.numformat import (
    SHARED_SPAN,
    NumberFormat,
    column_format,
    fmt_number,
    printed_difference,
    spread_digits,
)
from resultsbook.spec import Spec, TableSpec, ValueSpec
from resultsbook.store import Store


@dataclass(frozen=True)
class CellNumbers:
    """One table cell's numbers as text: `value` (the centre as printed), `pm`, and each statistic."""

    key: str
    latex: Mapping[str, str]  # stat name -> LaTeX text
    plain: str  # "90.0 ± 4.5", for Markdown
    cell: Cell
    digits: int
    center: str  # the statistic the cell shows (mean, median, iqm; `value` for an aggregate)
    exponent: int = 0  # the column's shared power of ten
    value: str = ""  # the centre as the table prints it, as plain text ("1.70e-9")
    marks: tuple[Mark, ...] = ()  # the marks the table prints after it, which a number in the text drops
    as_printed: frozenset[str] = frozenset()  # the statistics quoted with the table's decimals, whatever
    each: bool = False  # every number in a power of ten of its own, as the table prints the cell's


@dataclass(frozen=True)
class NamedValue:
    """A named number of the spec: its LaTeX command, its number and its text (plain: "1.70e-9";
    `tex_number` writes it for LaTeX)."""

    name: str
    macro: str
    number: float
    text: str
    # a statistic over runs: the params they differ in, and the sentences of a table cell's marks
    differing: Mapping[str, list[Any]] = field(default_factory=dict)
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class NumberBook:
    """Every number the text may quote, and the notes saying what tables and figures show."""

    cells: Mapping[str, CellNumbers]
    values: Mapping[str, NamedValue]
    notes: Mapping[str, str] = field(default_factory=dict)
    joined: tuple[str, ...] = ()  # `joined_key_lines` of every table


def cell_key(table: str, row: tuple, column: tuple) -> str:
    """Return a cell's key: the table name, then its row and column values, joined by '/'."""
    return "/".join([table, *(format_value(v) for v in (*row, *column))])


Place = tuple[tuple, tuple]  # a cell's row and column values


def cell_keys(table: str, places: Iterable[Place]) -> dict[Place, str]:
    """Return each cell's key, no two alike: cells whose values join to one key (a '/' inside a
    value: `x/y` and `z`, `x` and `y/z`) each get a tag from their values, `t/x/y/z(3f2a1c)`, so that
    a quote of the plain key names no cell rather than one of them."""
    plain = {place: cell_key(table, *place) for place in places}
    counts = Counter(plain.values())
    return {
        place: key if counts[key] == 1 else f"{key}({key_tag(json.dumps(_spelled(table, place)))})"
        for place, key in plain.items()
    }


def joined_key_lines(table: str, places: Iterable[Place]) -> list[str]:
    """Return one line per group of a table's cells whose values join to one key, saying which tagged
    key is which cell (a build prints them)."""
    keys = cell_keys(table, places)
    groups: dict[str, list[Place]] = {}
    for place in keys:
        groups.setdefault(cell_key(table, *place), []).append(place)
    named = {
        place: f"\\rbvalue{{{key}}} is {' × '.join(map(repr, _spelled(table, place)[1:]))}"
        for place, key in keys.items()
    }
    return [
        f"cells of {table} join to one key {plain} (a '/' inside a value): "
        + ", ".join(named[place] for place in alike)
        for plain, alike in groups.items()
        if len(alike) > 1
    ]


def _spelled(table: str, place: Place) -> list[str]:
    """Return a cell's table and values as text, one item each (unlike its key, never ambiguous)."""
    return [table, *(format_value(v) for v in (*place[0], *place[1]))]


def table_numbers(
    name: str, table_spec: TableSpec, table: ResultTable, layout: Layout, spec: Spec
) -> dict[str, CellNumbers]:
    """Return {cell key: CellNumbers} for every cell, with the digits the table prints (`layout`)."""
    keys = cell_keys(name, table.cells)
    out = {}
    for r, row in enumerate(table.rows):
        for c, column in enumerate(table.columns):
            cell = table.cell(row, column)
            shown = layout.body[r][1][c]
            if cell is None or shown is None or not shown.center:
                continue
            key = keys[(row, column)]
            latex = {"value": tex_number(shown.center), "pm": _pm(shown, latex=True)}
            as_printed = _as_printed(cell, table_spec)
            for stat, number in sorted(cell.stats.items()):
                digits = _spread_shown(number, stat, shown.digits, shown.exponent, stat in as_printed)
                beside = 0.0 if stat in as_printed else _largest(cell)
                text = _count_or_number(number, stat, digits, shown.exponent, shown.each, beside)
                if text is not None:
                    latex[stat] = tex_number(text)
            plain = _pm(shown, latex=False)
            center = center_key(cell, table_spec.format)
            marks = tuple(layout.marks.get((r, c), ()))
            out[key] = CellNumbers(
                key,
                latex,
                plain,
                cell,
                shown.digits,
                center,
                shown.exponent,
                shown.center,
                marks,
                as_printed,
                shown.each,
            )
    return out


def _as_printed(cell: Cell, table_spec: TableSpec) -> frozenset[str]:
    """Return the statistics a sentence quotes as the table prints them: the spread beside the number
    (`\rbvalue[std]` reads as `± 0.0` reads), and every one when the table's `digits` are given."""
    from resultsbook.render.layout import spread_of

    if table_spec.format.digits is not None:
        return frozenset(cell.stats)
    shown = spread_of(cell, table_spec.format)
    return frozenset((shown,)) if shown else frozenset()


def _pm(shown: DisplayCell, latex: bool) -> str:
    """Return the centre and its spread or interval as the table prints them, in LaTeX or plain text."""
    number = tex_number if latex else str
    if shown.spread is not None:
        sign = r"$\pm$" if latex else "±"
        return f"{number(shown.center)} {sign} {number(shown.spread)}"
    if shown.interval is not None:
        return f"{number(shown.center)} [{number(shown.interval[0])}, {number(shown.interval[1])}]"
    return number(shown.center)


def compute_numbers(
    spec: Spec,
    store: Store,
    runs: Sequence[StoredRun],
    tables: Mapping[str, ResultTable],
    figure_notes: Mapping[str, str] | None = None,
) -> NumberBook:
    """Compute every cell's numbers and every named value of the spec's [macros]; a table missing from
    `tables` (it could not be computed) gives no cells, and the values that quote it are left out."""
    cells: dict[str, CellNumbers] = {}
    notes: dict[str, str] = {}
    joined: list[str] = []
    for name, table_spec in spec.tables.items():
        table = tables.get(name)
        if table is None:
            continue
        layout = layout_table(table, table_spec.format, table_spec.labels)
        cells.update(table_numbers(name, table_spec, table, layout, spec))
        joined += joined_key_lines(name, table.cells)
        if table.cells:
            from resultsbook.render.layout import stat_note

            note = stat_note(table, table_spec.format, labels=table_spec.labels)
            notes[name] = note + layout.second_note("Underlined", note)  # as the LaTeX table says it
    notes.update(figure_notes or {})
    values = {}
    if spec.macros is not None:
        reader = spec_reader(store, spec)
        for name, value in spec.macros.values.items():
            if any(table in spec.tables and table not in tables for table in value_tables(value)):
                continue
            if value.kind != "stat":
                number, text = _named(value, cells, store, reader, runs)
                values[name] = NamedValue(name, value.macro, number, text)
                continue
            if value.run_specific:  # a typo there would silence nothing, and say nothing
                check_params_exist(
                    f"[macros.values.{name}] run_specific", value.run_specific, known_keys(runs)
                )
            chosen = _stat_runs(value, reader, runs)
            number, text = _stat_value(value, reader, chosen)
            differing, marks = stat_mixes(value, chosen)
            values[name] = NamedValue(name, value.macro, number, text, differing, marks)
    return NumberBook(cells, values, notes, tuple(joined))


def _stat_runs(value: ValueSpec, reader: MetricReader, runs: Sequence[StoredRun]) -> list[StoredRun]:
    """Return the runs a statistic is over: those its where selects that have its metric."""
    assert value.metric is not None
    reader.check(value.metric.name)
    having = reader.runs_with(value.metric.name)
    selected = selected_runs(value, runs)
    chosen = [run for run in selected if run.id in having]
    if selected and not chosen:  # it printed `--` in the text, unsaid
        guess = closest(value.metric.name, reader.keys_logged_by({run.id for run in selected}))
        hint = f"did you mean {guess!r}?" if guess else "quote a metric they log, or select runs that log it"
        raise SpecError(
            f"[macros.values.{value.name}]: none of the {len(selected)} run(s) its where selects logs "
            f"{value.metric.name!r}; {hint}"
        )
    return chosen


def selected_runs(value: ValueSpec, runs: Sequence[StoredRun]) -> list[StoredRun]:
    """Return the runs a statistic's or a count's where selects; refuse, as a table does, a filter on a
    key no run has, a statistic over no run (it printed `--`) and a count by a value no run holds (it
    printed 0): a typo, not a number for the text."""
    try:
        check_filter_keys(runs, value.filters)
        selected: list[StoredRun] = select_runs(runs, value.filters)
        if not selected and runs:
            # a count of 0 over values runs hold (no NFQ run on pong) is a number; of one none holds, a typo
            unheld = [item for item in value.filters if item.op == "=" and not select_runs(runs, [item])]
            if value.kind == "stat" or unheld:
                raise why_nothing_selected(runs, unheld[:1] if value.kind == "count" else value.filters)
    except ResultsbookError as error:
        raise type(error)(f"[macros.values.{value.name}]: {error}") from error
    return selected


def stat_mixes(value: ValueSpec, runs: Sequence[StoredRun]) -> tuple[dict[str, list[Any]], tuple[Mark, ...]]:
    """Return the params a statistic's runs differ in and the marks a table cell of them would have
    for it (configurations, code or data mixed), its replicate keys and run-specific params apart."""
    members = Runs.of(runs)
    apart = {*value.replicate, *DEFAULT_RUN_SPECIFIC, *value.run_specific}
    differing = differing_among(members, value.replicate, apart)
    marks = [Mark("mixed", mixed_text(differing, len(runs)))] if differing else []
    marks += [Mark("provenance", sentence) for sentence in provenance_mixes(runs)]
    return differing, tuple(marks)


def stat_findings(values: Mapping[str, NamedValue]) -> list[tuple[str, str]]:
    """Say (by the kind of mark) which statistics over runs average runs a table cell would mark."""
    lines = []
    for value in values.values():
        for mark in value.marks:
            keys = " and ".join(value.differing)
            fix = (
                f": add {keys} to its where in [macros.values.{value.name}], or to its run_specific if "
                "it averages them on purpose"
                if mark.kind == "mixed"
                else ""
            )
            lines.append((mark.kind, f"\\{value.macro} ({value.name}) {mark.text}{fix}"))
    return lines


def value_tables(value: ValueSpec) -> set[str]:
    """Return the tables whose cells a named value quotes (none for a statistic or a count of runs)."""
    return {key.split("/", 1)[0] for key in value.cells}


def _named(
    value: ValueSpec,
    cells: Mapping[str, CellNumbers],
    store: Store,
    reader: MetricReader,
    runs: Sequence[StoredRun],
) -> tuple[float, str]:
    """Return a named value's number and text."""
    if value.kind == "cell":
        found = _cell(value, value.cells[0], cells)
        if value.stat == "value" and value.digits is None:
            return found.cell.stats[found.center], found.value
        number = _stat(value, found)
        if value.digits is None:
            digits = _spread_shown(
                number, value.stat, found.digits, found.exponent, value.stat in found.as_printed
            )
            beside = 0.0 if value.stat in found.as_printed else _largest(found.cell)
            return number, _fmt(number, value.stat, digits, found.exponent, found.each, beside)
        return number, _fmt(number, value.stat, value.digits)
    if value.kind in ("difference", "ratio"):
        first, second = (_cell(value, key, cells) for key in value.cells)
        a, b = _stat(value, first), _stat(value, second)
        if value.kind == "difference" and value.digits is None and first.exponent == second.exponent:
            # the difference of the numbers the table prints, which a reader can check against it
            printed = printed_difference(a, b, first.digits, second.digits, first.exponent)
            return a - b, _fmt(printed, "", max(first.digits, second.digits), first.exponent)
        number = a - b if value.kind == "difference" else (a / b if b != 0 else math.nan)
        if value.digits is not None:
            return number, _fmt(number, "", value.digits)
        ratio_format = column_format([number], [])
        return number, _fmt(number, "", ratio_format.digits, ratio_format.exponent)
    selected = selected_runs(value, runs)
    if value.kind == "count":
        if value.count == "runs":
            return float(len(selected)), str(len(selected))
        absent = [k for k in value.replicate if all(run_value(run, k) is None for run in selected)]
        if selected and absent:  # every run would be one value, `none`: a count of 1 that counts nothing
            raise SpecError(
                f'[macros.values.{value.name}]: count = "seeds" counts the distinct values of {absent[0]!r}, '
                f"a param no selected run has ({key_hint(absent[0], selected)}); name the key that numbers "
                'the replicates with replicate = ["KEY"]'
            )
        seeds = {_replicate_of(run, value.replicate) for run in selected} - {None}
        return float(len(seeds)), str(len(seeds))
    raise AssertionError(f"a statistic over runs is computed by _stat_value, not {value.kind}")


def _stat_value(value: ValueSpec, reader: MetricReader, chosen: Sequence[StoredRun]) -> tuple[float, str]:
    """Return a statistic over runs (`chosen`, those it selects): its number and text."""
    assert value.metric is not None
    per_run = reader.values(value.metric, chosen)
    numbers = [scaled_value(per_run[run.id], value.metric.scale) for run in chosen]
    stats = describe(numbers, [value.stat, "std"], value.ddof)
    number = stats[value.stat]
    if value.digits is not None:
        return number, _fmt(number, value.stat, value.digits)
    spread = number if value.stat in SPREADS else stats.get("std", math.nan)  # a spread shows itself
    stat_format = column_format([stats["mean"]], [spread])
    shown = number / 10.0**stat_format.exponent
    # a spread reads to one significant digit (1.49 as 1); a centre beside a seed's 2.3e6 is not read
    # as 0 or 1 (a median of 0.0121 or 0.63): its own digits
    rounded = round(shown, stat_format.digits)
    off = rounded == 0 or (value.stat not in SPREADS and abs(rounded - shown) > abs(shown) / 10)
    if number and math.isfinite(number) and off:
        stat_format = column_format([number], [])
    return number, _fmt(number, value.stat, stat_format.digits, stat_format.exponent)


def ratio_findings(values: Mapping[str, ValueSpec], cells: Mapping[str, CellNumbers]) -> list[str]:
    """Say which ratios divide by a cell that prints as 0 or whose spread covers 0: the ratio's size
    and sign are then the noise of its denominator (−1.6 / 0.0063 printed as 255)."""
    lines = []
    for name, value in values.items():
        found = cells.get(value.cells[1]) if value.kind == "ratio" else None
        if found is None:
            continue
        number = _stat(value, found)
        printed = (
            found.value
            if value.stat == "value"
            else _fmt(number, value.stat, found.digits, found.exponent, found.each)
        )
        # the centre's sign is noise when its std reaches past 0 (a spread's own sign is always +)
        spread = found.cell.stats.get("std", math.nan) if value.stat == "value" else math.nan
        if _prints_zero(printed) or abs(number) <= spread:
            shown = found.plain if value.stat == "value" else printed
            lines.append(
                f"[macros.values.{name}] divides by {value.cells[1]}, which prints as {shown}: its sign is "
                f"not known, so \\{value.macro} is noise; quote a difference = [...] of the two cells instead"
            )
    return lines


def _prints_zero(text: str) -> bool:
    """Tell whether a number as printed reads 0 (`0.0`, `-0.00`, `0.0e-9`)."""
    try:
        return float(text.replace("\u2212", "-")) == 0
    except ValueError:  # a dash: no number
        return False


def _replicate_of(run: StoredRun, keys: Sequence[str]) -> tuple[str, ...] | None:
    """Return a run's replicate values as text, or None when it lacks one (its config not written
    yet): such a run is no seed of its own."""
    values = [run_value(run, key) for key in keys]
    return None if any(v is None for v in values) else tuple(format_value(v) for v in values)


def _each_part_close(key: str, cell: str) -> bool:
    """Tell whether every part of a cell's key is as written or a typo of it (`table1/ours/zz` shares
    a long prefix with `table1/ours/b`, but zz is no typo of b)."""
    parts, others = key.split("/"), cell.split("/")
    return len(parts) == len(others) and all(
        part == other or closest(part, [other]) is not None for part, other in zip(parts, others)
    )


def _cell(value: ValueSpec, key: str, cells: Mapping[str, CellNumbers]) -> CellNumbers:
    if key in cells:
        return cells[key]
    table = key.split("/", 1)[0]
    same = sorted(k for k in cells if k.split("/", 1)[0] == table)
    guess = closest(key, same or cells)
    if guess is not None and _each_part_close(key, guess):  # table1/mlp/circels, tabel1/mlp/circles
        hint = f"did you mean {guess!r}?"
    elif same:
        hint = f"cells of {table}: {', '.join(same[:6])}{' ...' if len(same) > 6 else ''}"
    else:
        hint = _tables_hint(table, cells)
    raise SpecError(f"[macros.values.{value.name}]: no cell {key!r}; {hint}")


def _tables_hint(table: str, cells: Mapping[str, CellNumbers]) -> str:
    """Return the end of a message about a cell of a table with no cells: the table meant, else those
    that have cells."""
    tables = sorted({key.split("/", 1)[0] for key in cells})
    guess = closest(table, tables)
    if guess is not None:
        return f"no table {table!r} has cells; did you mean {guess!r}?"
    return f"no table {table!r} has cells; tables with cells: {', '.join(tables) or 'none'}"


def _stat(value: ValueSpec, found: CellNumbers) -> float:
    stat = found.center if value.stat == "value" else value.stat
    if stat not in found.cell.stats:
        have = ", ".join(sorted(found.cell.stats))
        raise SpecError(
            f"[macros.values.{value.name}]: the cell has no statistic {stat!r}; it has {have} "
            "(add it to the table's stats)"
        )
    return found.cell.stats[stat]


def _spread_shown(number: float, stat: str, digits: int, exponent: int, as_printed: bool = False) -> int:
    """Return the decimals to quote a cell's statistic with: the cell's, but for a spread the table does
    not print (`as_printed`) that they would print as 0 (an s.e.m. of 0.34 beside a std read to whole
    numbers), one significant digit of it, as a column of such spreads gets."""
    if as_printed or stat not in SPREADS or not (math.isfinite(number) and number > 0):
        return digits
    if float(fmt_number(number, digits, exponent) or "nan") != 0:
        return digits
    return spread_digits(number, exponent)


def _fmt(
    number: float, stat: str, digits: int, exponent: int = 0, each: bool = False, beside: float = 0.0
) -> str:
    text = _count_or_number(number, stat, digits, exponent, each, beside)
    return "--" if text is None else text


def _count_or_number(
    number: float, stat: str, digits: int, exponent: int = 0, each: bool = False, beside: float = 0.0
) -> str | None:
    """Return a statistic as the paper prints it: a count (n, tasks) whole, a number with the cell's
    digits (`each`: in a power of ten of its own, as the cell's), or in its own when those print it as
    0 beside a number (`beside`) a million or more times it; None for a number that is not one."""
    if stat in COUNTS:
        return str(int(number))
    text = NumberFormat(digits, exponent, each).text(number)
    if text is not None and number != 0 and beside >= SHARED_SPAN * abs(number) and _prints_zero(text):
        # the min 0.0101 of a cell of 2.3e6s: not 0.00e6
        return NumberFormat(digits, exponent, each=True).text(number)
    return text


def _largest(cell: Cell) -> float:
    """Return the largest finite magnitude among a cell's statistics (counts aside)."""
    numbers = (abs(v) for k, v in cell.stats.items() if k not in COUNTS and math.isfinite(v))
    return max(numbers, default=0.0)


def value_origin(value: ValueSpec) -> str:
    """Say in words what a named value is computed from: `table1/mlp/circles minus
    table1/logreg/circles`, `the number of distinct seed values over the runs where model=mlp`."""
    cells = value.cells
    if value.kind == "difference":
        return f"{cells[0]} minus {cells[1]}"
    if value.kind == "ratio":
        return f"{cells[0]} divided by {cells[1]}"
    if value.kind == "cell":
        return f"the {value.stat} of {cells[0]}" if value.stat != "value" else f"the cell {cells[0]}"
    where = " where " + ", ".join(str(f) for f in value.filters) if value.filters else ""
    if value.kind == "count":
        what = "runs" if value.count == "runs" else f"distinct {' × '.join(value.replicate)} values"
        return f"the number of {what} over the runs{where}"
    assert value.metric is not None
    stat = f"{value.stat} (ddof = {value.ddof})" if value.stat in ("std", "sem") else value.stat
    return f"the {stat} of {value.metric.name} ({value.metric.reduce}) over the runs{where}"


def marks_text(marks: Sequence[Mark]) -> str:
    """Return a cell's marks as the table prints them, each with its sentence: `† averages runs that
    differ in lr (0.4, 0.5); ‡ includes 1 failed run(s)`."""
    from resultsbook.render.layout import MARK_SYMBOLS

    return "; ".join(f"{MARK_SYMBOLS.get(mark.kind, '?')} {mark.text}" for mark in marks)
