"""What a build, a check or a table says about an output beside writing it: its findings, one line
each, a flood of one kind of cell mark summarised. Light to import: `table` prints them too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from resultsbook.query import ResultTable
from resultsbook.render.layout import MARK_SUMMARIES, Labels, Layout, cell_label
from resultsbook.voice import option


@dataclass(frozen=True)
class Finding:
    """A statistical or honesty warning about one cell (or a whole output when `cell` is empty)."""

    entry: str
    cell: str
    kind: str
    text: str
    cells: tuple[str, ...] = ()  # the cells `cell` names, when it names several ("a and 2 more cell(s)")

    def covered(self) -> tuple[str, ...]:
        """Return the labels of the cells this finding is about."""
        return self.cells or ((self.cell,) if self.cell else ())

    def line(self) -> str:
        """Return the one-line form printed to users."""
        return f"{self.entry}: {self.cell}: {self.text}" if self.cell else f"{self.entry}: {self.text}"


SUMMARY_AFTER = 3  # more cells than this with one kind of mark in one table: one summary line


def finding_lines(findings: Sequence[Finding], verbose: bool = False) -> list[str]:
    """Return findings as printable lines: one per finding, except that a kind of cell mark with more
    than three lines in one table becomes one line with the count of its cells (every line with
    `verbose`)."""
    counts: dict[tuple[str, str], int] = {}
    cells_of: dict[tuple[str, str], set[str]] = {}
    for finding in findings:  # count cells, not lines: a cell may have two lines of a mark, a line many cells
        if finding.cell:
            counts[finding.entry, finding.kind] = counts.get((finding.entry, finding.kind), 0) + 1
            cells_of.setdefault((finding.entry, finding.kind), set()).update(finding.covered())
    lines = []
    summarised = set()
    for finding in findings:
        group = (finding.entry, finding.kind)
        if verbose or not finding.cell or counts[group] <= SUMMARY_AFTER:
            lines.append(finding.line())
        elif group not in summarised:
            summarised.add(group)
            what = MARK_SUMMARIES.get(finding.kind, finding.kind)
            lines.append(
                f"{finding.entry}: {len(cells_of[group])} cells: {what}; e.g. {finding.cell}: {finding.text} "
                f"({option('verbose')} lists every cell)"
            )
    return lines


def mark_findings(name: str, table: ResultTable, layout: Layout, labels: Labels) -> list[Finding]:
    """Return every cell mark of a table (including the significance of the best); a mark that
    several cells share word for word (the runs of one method behind several aggregates) is one
    finding naming the first cell and how many more."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for (r, c), marks in sorted(layout.marks.items()):
        label = cell_label(table, table.rows[r], table.columns[c], labels)
        for mark in marks:
            grouped.setdefault((mark.kind, mark.text), []).append(label)
    findings = []
    for (kind, text), cells in grouped.items():
        where = cells[0] if len(cells) == 1 else f"{cells[0]} and {len(cells) - 1} more cell(s)"
        findings.append(Finding(name, where, kind, text, tuple(cells) if len(cells) > 1 else ()))
    return findings
