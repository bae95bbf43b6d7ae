"""What a build, a check or a table says about an output beside writing it: its findings, one line
each, a flood of one kind of cell mark summarised. Light to import: `table` prints them too."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from resultsbook.params import format_value, sort_key, typed_words
from resultsbook.query import ResultTable
from resultsbook.query.aggregate import LISTED, as_listed, expected_replicates, listed_alike
from resultsbook.query.marks import replicate_text
from resultsbook.query.model import CellRuns
from resultsbook.query.outliers import finite_median, lone_outlier
from resultsbook.query.taskscale import number_text
from resultsbook.render.layout import (
    MARK_SUMMARIES,
    DisplayCell,
    Labels,
    Layout,
    TableFormat,
    cell_label,
    interval_keys,
    key_value_label,
    mark_summary,
    replicates_word,
    spread_of,
)
from resultsbook.render.numformat import MAX_DIGITS
from resultsbook.voice import option


@dataclass(frozen=True)
class Finding:
    """A statistical or honesty warning about one cell (or a whole output when `cell` is empty)."""

    entry: str
    cell: str
    kind: str
    text: str
    cells: tuple[str, ...] = ()  # the cells `cell` names, when it names several ("a and 2 more cell(s)")
    note: str = ""  # the mark's note: which sentence sums it up (render.layout.mark_summary)

    def covered(self) -> tuple[str, ...]:
        """Return the labels of the cells this finding is about."""
        return self.cells or ((self.cell,) if self.cell else ())

    def line(self) -> str:
        """Return the one-line form printed to users."""
        return f"{self.entry}: {self.cell}: {self.text}" if self.cell else f"{self.entry}: {self.text}"


SUMMARY_AFTER = 3  # more cells than this with one kind of mark in one table: one summary line


def finding_lines(findings: Sequence[Finding], verbose: bool = False, every: str | None = None) -> list[str]:
    """Return findings as printable lines: one per finding, except that a kind of cell mark with more
    than three lines in one table becomes one line with the count of its cells, saying that `every`
    (else the verbose option) lists them all (with `verbose`, every line, and a line shared by several
    cells once for each)."""
    return [line for _, line in keyed_finding_lines(findings, verbose, every)]


_NUMBER = re.compile(r"(?<![\w.])[-−+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def words_of(text: str) -> str:
    """Return a finding's text with its numbers aside: what stays while a run still writing moves them."""
    return _NUMBER.sub("#", text)


def keyed_finding_lines(
    findings: Sequence[Finding], verbose: bool = False, every: str | None = None
) -> list[tuple[tuple[str, ...], str]]:
    """Return finding_lines, each with what it stays while its numbers move: its entry (or entries),
    cell, kind and words (`watch` says a line again only when that changed)."""
    counts: dict[tuple[str, str], int] = {}
    cells_of: dict[tuple[str, str], set[str]] = {}
    for finding in findings:  # count cells, not lines: a cell may have two lines of a mark, a line many cells
        if finding.cell:
            counts[finding.entry, finding.kind] = counts.get((finding.entry, finding.kind), 0) + 1
            cells_of.setdefault((finding.entry, finding.kind), set()).update(finding.covered())
    # a note on whole outputs that several say word for word (a font every figure lacks): one line
    entries_of: dict[str, list[str]] = {}
    for finding in findings:
        if not finding.cell:
            entries_of.setdefault(finding.text, []).append(finding.entry)
    lines: list[tuple[tuple[str, ...], str]] = []
    summarised = set()
    said: set[str] = set()
    for finding in findings:
        group = (finding.entry, finding.kind)
        entries = list(dict.fromkeys(entries_of[finding.text])) if not finding.cell else []
        if not verbose and len(entries) > 1:
            if finding.text not in said:  # the first of them says it for all
                said.add(finding.text)
                line = f"{', '.join(entries[:-1])} and {entries[-1]}: {finding.text}"
                lines.append(((*entries, "", finding.kind, words_of(finding.text)), line))
            continue
        words = words_of(finding.text)
        if verbose and finding.cells:  # one mark shared word for word: each of its cells, as asked
            lines += [
                ((finding.entry, cell, finding.kind, words), f"{finding.entry}: {cell}: {finding.text}")
                for cell in finding.cells
            ]
        elif verbose or not finding.cell or counts[group] <= SUMMARY_AFTER:
            lines.append(((finding.entry, finding.cell, finding.kind, words), finding.line()))
        elif group not in summarised:
            summarised.add(group)
            notes = {other.note or other.kind for other in findings if (other.entry, other.kind) == group}
            what = mark_summary(finding.kind, notes) if finding.kind in MARK_SUMMARIES else finding.kind
            line = (
                f"{finding.entry}: {len(cells_of[group])} cells: {what}; e.g. {finding.cell}: {finding.text} "
                f"({every or option('verbose')} lists every cell)"
            )
            lines.append(((finding.entry, "", finding.kind, words_of(what)), line))
    return lines


def mark_findings(name: str, table: ResultTable, layout: Layout, labels: Labels) -> list[Finding]:
    """Return every cell mark of a table (including the significance of the best); a mark that
    several cells share word for word (the runs of one method behind several aggregates) is one
    finding naming the first cell and how many more."""
    grouped: dict[tuple[str, str], list[str]] = {}
    notes: dict[tuple[str, str], str] = {}
    for (r, c), marks in sorted(layout.marks.items()):
        label = cell_label(table, table.rows[r], table.columns[c], labels)
        for mark in marks:
            grouped.setdefault((mark.kind, mark.text), []).append(label)
            notes[mark.kind, mark.text] = mark.note
    return _grouped_findings(name, grouped, notes)


def _grouped_findings(
    name: str, grouped: dict[tuple[str, str], list[str]], notes: Mapping[tuple[str, str], str] | None = None
) -> list[Finding]:
    """Return one finding per (kind, text), naming the first of its cells and how many more."""
    findings = []
    for (kind, text), cells in grouped.items():
        where = cells[0] if len(cells) == 1 else f"{cells[0]} and {len(cells) - 1} more cell(s)"
        note = (notes or {}).get((kind, text), "")
        findings.append(Finding(name, where, kind, text, tuple(cells) if len(cells) > 1 else (), note))
    return findings


def surplus_findings(name: str, table: ResultTable, labels: Labels) -> list[Finding]:
    """Return the cells that average replicates the table does not ask for: more than `replicates`,
    or seeds its `seeds` list leaves out. The note prints their n, but the plan (and the paper's
    text) may say five seeds where a cell has seven: a rerun or a second sweep counted in."""
    query = table.query
    if query.pool or not (query.expected or query.replicate_values):
        return []
    if query.tasks and not query.replicate_values:  # over tasks, only a listed seed logged as text
        return []
    listed = expected_replicates({}, query, 0) if query.replicate_values else set()
    noun = "seed" if query.replicate == ("seed",) else "replicate"
    grouped: dict[tuple[str, str], list[str]] = {}
    for row in table.rows:
        for column in table.columns:
            cell = table.cells.get((row, column))
            if cell is None:
                continue
            n = int(cell.stats["n"])
            if listed:
                valued = ~np.isnan(cell.runs.values)
                have = set(zip(*(values[valued].tolist() for values in cell.runs.replicate)))
                # over tasks, seed '3' on one task is the listed 3 though another task has the number
                alike = as_listed_by_key(listed, have) if query.tasks else listed_alike(listed, have)
                extra = sorted(
                    have - listed - set(alike.values()), key=lambda key: tuple(sort_key(v) for v in key)
                )
                for key, logged in sorted(
                    alike.items(), key=lambda item: tuple(sort_key(v) for v in item[0])
                ):
                    grouped.setdefault(
                        ("surplus", _alike_text(query.replicate, key, logged, noun)), []
                    ).append(cell_label(table, row, column, labels))
                if not extra:
                    continue
                text = (
                    f"averages {_replicates_words(query.replicate, extra, noun)}, which the table's list of "
                    f"{noun}s does not name (n = {n}): list them, or filter them out with where"
                )
                if any(None in key for key in extra):  # runs that record no seed: no list can name them
                    text = (
                        f"averages runs that hold no {noun} (n = {n}), which the table's list of {noun}s "
                        f"cannot name: set replicate to the param that numbers them, or remove {noun}s"
                    )
            elif query.expected and n > query.expected:
                text = (
                    f"n = {n}, more than the {query.expected} {replicates_word(table)} asked for: all {n} "
                    f"are averaged (ask for {n}, or filter the others out with where)"
                )
            else:
                continue
            grouped.setdefault(("surplus", text), []).append(cell_label(table, row, column, labels))
    return _grouped_findings(name, grouped)


def as_listed_by_key(listed: set[Any], have: set[Any]) -> dict[Any, Any]:
    """Return, by listed replicate, the one logged as another type (as `listed_alike` gives them)."""
    return {key: logged for logged, key in as_listed(listed, have).items()}


def _alike_text(keys: Sequence[str], listed: tuple[Any, ...], logged: tuple[Any, ...], noun: str) -> str:
    """Say that a cell averages a listed replicate logged as another type: seed '3' for the number 3."""
    if len(keys) == 1:
        runs, spec = f"{noun} {_spelled(logged[0])}", typed_words(listed[0])
    else:
        runs = ", ".join(f"{key}={_spelled(value)}" for key, value in zip(keys, logged))
        spec = "; ".join(
            f"{key} {typed_words(want)}" for key, have, want in zip(keys, logged, listed) if have != want
        )
    return (
        f"averages {runs}, which the table's list of {noun}s names as {spec}: counted as that {noun}; "
        f"log it as the list names it, or name it so in {noun}s"
    )


def _spelled(value: Any) -> str:
    """Show a replicate value with its kind where text: `'3' (text)`, `3`."""
    return f"{str(value)!r} (text)" if isinstance(value, str) else format_value(value)


def alike_findings(name: str, table: ResultTable, labels: Labels) -> list[Finding]:
    """Return the rows (and columns) of different values that print one label: a param logged as the
    number 0.1 by some runs and the text "0.1" (or "0.1 ") by others, or two values [labels] names
    alike. Each is a cell of its own, and every output would show them under one name (values that
    read alike under one `\\rbvalue` key too)."""
    findings = []
    sides = (("rows", table.row_keys, table.rows), ("columns", table.column_keys, table.columns))
    for what, keys, entries in sides:
        shown: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        labels_of: dict[tuple[str, ...], list[str]] = {}
        parts_of = [
            [key_value_label(table, key, value, labels) for key, value in zip(keys, entry)]
            for entry in entries
        ]
        # the label of each number an entry holds, by key: text reading as that number ('1e-3' beside
        # 0.001) is alike, as the text '0.1' beside 0.1 prints alike
        printed: list[dict[float, str]] = [{} for _ in keys]
        for entry, parts in zip(entries, parts_of):
            for index, (value, part) in enumerate(zip(entry, parts)):
                if (number := _number(value)) is not None:
                    printed[index].setdefault(number, " ".join(part.split()))
        for entry, parts in zip(entries, parts_of):
            label = " ".join(" / ".join(parts).split())  # "a" and "a ": alike in every output
            alike_key = tuple(
                _alike_part(printed[index], value, part)
                for index, (value, part) in enumerate(zip(entry, parts))
            )
            shown.setdefault(alike_key, []).append(entry)
            if label not in (found := labels_of.setdefault(alike_key, [])):
                found.append(label)
        for alike_key, alike in shown.items():
            if len(alike) < 2:
                continue
            said = [[typed_words(value) for value in entry] for entry in alike]
            differ = [index for index in range(len(keys)) if len({words[index] for words in said}) > 1]
            kinds = {index: " and ".join(dict.fromkeys(words[index] for words in said)) for index in differ}
            values = "; ".join(f"{keys[index]} {text}" for index, text in kinds.items())
            named = [keys[index] for index in differ]
            texts = {tuple(" ".join(format_value(value).split()) for value in entry) for entry in alike}
            # a cell's \rbvalue key spells its values (not its label): only values that read alike share one
            if len(texts) == len(alike) and len(labels_of[alike_key]) == 1:
                fix, key = f"name them apart in [labels.values.{named[0]}]", ""
            else:
                fix = f"log {' and '.join(named)} one way in every run (a number or text, its spaces)"
                key = " (and one \\rbvalue key)"
            read = " and ".join(repr(label) for label in labels_of[alike_key])
            apart = (
                f"each is a cell of its own under one name{key}"
                if len(labels_of[alike_key]) == 1
                else "one number, each a cell of its own"
            )
            findings.append(
                Finding(name, "", "alike", f"{len(alike)} {what} read {read}, {values}: {apart}; {fix}")
            )
    return findings


def _alike_part(printed: Mapping[float, str], value: Any, part: str) -> str:
    """Return what one key of a row prints as, for telling rows alike: its label, or where it is text
    reading as a number another row holds, that number's label."""
    number = _read_number(value)
    return printed.get(number, " ".join(part.split())) if number is not None else " ".join(part.split())


def _number(value: Any) -> float | None:
    """Return a param value that is a number (not a boolean) as a float, else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _read_number(value: Any) -> float | None:
    """Return a text param value that reads as a number (`'1e-3'`, `' 0.1'`) as that number, else None."""
    if not isinstance(value, str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def outlier_findings(name: str, table: ResultTable, labels: Labels) -> list[Finding]:
    """Return the cells whose mean one seed far from the others pulls away from their typical run
    (`lone_outlier`): tables that show the mean only, as the median and the IQM move little."""
    query = table.query
    if query.center != "mean" or query.pool or query.tasks:
        return []
    findings = []
    for (row, column), cell in table.cells.items():
        valued = np.flatnonzero(~np.isnan(cell.runs.values))  # runs without a value have their own mark
        values = cell.runs.values[valued]
        far = None if cell.statistic is not None else lone_outlier(values)
        if far is None:
            continue
        others = np.delete(values, far)
        replicate = cell.runs.replicate_of(int(valued[far]))
        # a run of no seed (the replicate key absent), or of a seed other runs of the cell share (every
        # run `seed 0`), is named by its name, or by its id where other runs of the cell share that
        # name (MLflow's sweeps name every run alike)
        shared = sum(cell.runs.replicate_of(i) == replicate for i in range(len(cell.runs.values))) > 1
        who = (
            replicate_text(query.replicate, replicate)
            if None not in replicate and not shared
            else _run_words(cell.runs, int(valued[far]))
        )
        mean, median = number_text(values.mean()), number_text(finite_median(values))
        text = (
            f"{who} gave {number_text(values[far])}, far from the other {len(others)} "
            f"({number_text(others.min())} to {number_text(others.max())}): the mean, {mean}, rests on it "
            f"(the median is {median}); check that run, or show the median or the IQM, which it moves little"
        )
        findings.append(Finding(name, cell_label(table, row, column, labels), "outlier", text))
    return findings


def _run_words(runs: CellRuns, index: int) -> str:
    """Name one run of a cell: `the run NAME`, or `the run ID (NAME)` when another run shares its name."""
    name = runs.names[index]
    if name and int(np.count_nonzero(runs.names == name)) == 1:
        return f"the run {name}"
    return f"the run {runs.run_ids[index]} ({name})" if name else f"the run {runs.run_ids[index]}"


def cell_notes(table: ResultTable, labels: Labels) -> list[str]:
    """Return `surplus_findings` and `outlier_findings` as notes of the table itself: `CELL: what`."""
    found = [*surplus_findings("", table, labels), *outlier_findings("", table, labels)]
    return [f"{finding.cell}: {finding.text}" for finding in found]


def _replicates_words(keys: Sequence[str], replicates: Sequence[tuple[object, ...]], noun: str) -> str:
    """Say which replicates: `seeds 5, 6`, `seed 5`, or `seed=1, fold=2; …` for several keys."""
    shown = replicates[:LISTED]
    more = f" and {len(replicates) - LISTED} more" if len(replicates) > LISTED else ""
    if len(keys) == 1:
        values = ", ".join(format_value(key[0]) for key in shown)
        return f"{noun}{'s' if len(replicates) > 1 else ''} {values}{more}"
    return "; ".join(replicate_text(keys, key) for key in shown) + more


def rounded_spread_findings(
    name: str,
    table: ResultTable,
    layout: Layout,
    fmt: TableFormat,
    labels: Labels,
    setting: Callable[[int], str] = "digits = {}".format,
) -> list[Finding]:
    """Return the cells whose spread is not zero but prints as zero (`0.82 ± 0.00` at two decimals,
    `0e-6 ± 0e-6`), or whose interval's ends differ but print alike (`[0.82, 0.82]`), which reads as
    replicates that agree exactly, with the decimals that would print it (`setting`: how the reader
    asks for them)."""
    findings = []
    for r, (_, displays) in enumerate(layout.body):
        for c, display in enumerate(displays):
            cell = table.cell(table.rows[r], table.columns[c])
            shown = spread_of(cell, fmt) if cell is not None and display is not None else None
            if cell is None or display is None or shown is None:
                continue
            said = _spread_printed_as_none(cell.stats, shown, display)
            if said is None:
                continue
            printed, size = said
            needed = -math.floor(math.log10(size / 10**display.exponent))
            shows = f"{setting(needed)} prints it" if needed <= MAX_DIGITS else f"it is below 1e-{MAX_DIGITS}"
            text = (
                f"its {shown}, {printed} at {display.digits} decimal(s), which reads as replicates that "
                f"agree exactly; {shows}"
            )
            where = cell_label(table, table.rows[r], table.columns[c], labels)
            findings.append(Finding(name, where, "rounding", text))
    return findings


def _spread_printed_as_none(
    stats: Mapping[str, float], shown: str, display: DisplayCell
) -> tuple[str, float] | None:
    """Return how a spread that is not zero prints as none (`0.0002, prints as 0.00`; an interval's
    two ends printed alike) and the size its decimals must show (the interval's width); else None."""
    if display.spread is not None:
        size = stats.get(shown, math.nan)
        if not (math.isfinite(size) and size > 0) or float(display.spread) != 0:
            return None
        return f"{size:.2g}, prints as {display.spread}", size
    if display.interval is None:
        return None
    low, high = (stats.get(key, math.nan) for key in interval_keys(shown))
    size = high - low
    if not (math.isfinite(size) and size > 0) or display.interval[0] != display.interval[1]:
        return None
    digits = next(d for d in range(2, 18) if f"{low:.{d}g}" != f"{high:.{d}g}")  # ends told apart
    ends = f"[{low:.{digits}g}, {high:.{digits}g}]"
    return f"{ends}, prints as [{display.interval[0]}, {display.interval[1]}]", size
