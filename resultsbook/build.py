"""Build every output the spec names: aggregate, render, write atomically (only what changed), and
record in the lock what each output was made from. `check` reuses `compute_entry`.

    >>> report = build(load_spec("resultsbook.toml"), store)     # doctest: +SKIP
    >>> report.written                                             # doctest: +SKIP
    ('paper/results/table1.tex',)
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from resultsbook import __version__
from resultsbook.atomic import write_if_changed
from resultsbook.config import Spec, TableSpec
from resultsbook.errors import SpecError
from resultsbook.lock import LockEntry, bytes_digest, file_digest, read_lock, render_lock
from resultsbook.models import StoredRun
from resultsbook.query import ResultTable, aggregate
from resultsbook.query.select import select_runs
from resultsbook.render import SUFFIX_FORMATS, MarkdownOptions, render_table
from resultsbook.render.layout import Layout, cell_label, layout_table, plain_cell
from resultsbook.render.templates import template_source_path
from resultsbook.store import Store


@dataclass(frozen=True)
class Finding:
    """A statistical or honesty warning about one cell (or a whole table when `cell` is empty)."""

    entry: str
    cell: str
    kind: str
    text: str

    def line(self) -> str:
        """Return the one-line form printed to users."""
        return f"{self.entry}: {self.cell}: {self.text}" if self.cell else f"{self.entry}: {self.text}"


@dataclass(frozen=True)
class EntryResult:
    """One spec entry computed in memory: its input digest, output texts, shown values and findings."""

    name: str
    inputs: str
    outputs: Mapping[str, str]
    values: Mapping[str, Mapping[str, Any]]
    findings: tuple[Finding, ...]
    table: ResultTable | None = None


@dataclass(frozen=True)
class BuildReport:
    """What a build did: files written and left as they were, and the findings to show the user."""

    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    findings: tuple[Finding, ...]
    skipped: tuple[str, ...] = ()  # entries whose inputs had not changed

    @property
    def warnings(self) -> tuple[str, ...]:
        """Return the findings as printable lines."""
        return tuple(finding.line() for finding in self.findings)


def build(
    spec: Spec, store: Store, only: Sequence[str] = (), memo: dict[str, str] | None = None
) -> BuildReport:
    """Render and write the outputs of every table (or of the named ones), then update the lock.

    `memo` (kept by `watch` between rounds) remembers each table's selection digest: a table whose
    selected runs did not change since the last round, and whose files are as the lock recorded,
    is not recomputed."""
    check_names(spec, only)
    lock = read_lock(spec.lock)
    entries = dict(lock)
    runs = store.runs()
    written: list[str] = []
    unchanged: list[str] = []
    findings: list[Finding] = []
    skipped: list[str] = []
    for name, table_spec in spec.tables.items():
        if only and name not in only:
            continue
        if memo is not None:
            selection = selection_digest(spec, table_spec, runs)
            if memo.get(name) == selection and _files_as_locked(spec, lock.get(name)):
                skipped.append(name)
                continue
            memo[name] = selection
        result = compute_entry(spec, table_spec, store, runs)
        findings += result.findings
        for path, text in result.outputs.items():
            (written if write_if_changed(path, text.encode()) else unchanged).append(path)
        entries[name] = lock_entry(spec, result)
    for name in [name for name in entries if name not in spec.tables]:
        del entries[name]  # tables removed from the spec
    write_if_changed(spec.lock, render_lock(entries).encode())
    return BuildReport(tuple(written), tuple(unchanged), tuple(findings), tuple(skipped))


def check_names(spec: Spec, only: Sequence[str]) -> None:
    """Refuse table names the spec does not have."""
    unknown = [name for name in only if name not in spec.tables]
    if unknown:
        raise SpecError(f"no table named {unknown[0]!r} in {spec.path}; tables: {', '.join(spec.tables)}")


def compute_entry(spec: Spec, table_spec: TableSpec, store: Store, runs: Sequence[StoredRun]) -> EntryResult:
    """Aggregate and render one table in memory: what build would write, and what it would lock."""
    table = aggregate(store, table_spec.query, runs)
    layout = layout_table(table, table_spec.format, spec.labels)
    return EntryResult(
        name=table_spec.name,
        inputs=results_digest(spec, table_spec, table),
        outputs=render_outputs(spec, table_spec, table),
        values=shown_values(table, layout, spec),
        findings=tuple(table_findings(table_spec.name, table, layout, spec)),
        table=table,
    )


def results_digest(spec: Spec, table_spec: TableSpec, table: ResultTable) -> str:
    """Digest what an entry's outputs are made of: each cell's runs with their values, status and
    code version, plus the spec entry, labels, derived metrics, templates and resultsbook version.
    Re-running the same experiment with the same numbers leaves it unchanged."""
    cells = [
        [list(map(str, row)), list(map(str, column)), cell.step,
         [(run.run_id, run.value, run.status) for run in cell.runs], [mark.text for mark in cell.marks]]
        for (row, column), cell in sorted(table.cells.items(), key=lambda item: repr(item[0]))
    ]  # fmt: skip
    return _digest(spec, table_spec, {"cells": cells})


def selection_digest(spec: Spec, table_spec: TableSpec, runs: Sequence[StoredRun]) -> str:
    """Digest the spec entry and the full stored content of the runs its filters select (cheap:
    no aggregation) — unchanged means the table cannot have changed."""
    selected = select_runs(runs, table_spec.query.filters)
    return _digest(spec, table_spec, {"runs": sorted((run.run_id, run.digest) for run in selected)})


def _digest(spec: Spec, table_spec: TableSpec, data: Mapping[str, Any]) -> str:
    templates = {}
    for name in (table_spec.latex.template, "table.md.j2"):
        with open(template_source_path(name, spec.template_dirs), "rb") as handle:
            templates[name] = hashlib.sha256(handle.read()).hexdigest()
    document = {
        "version": __version__,
        "entry": table_spec.entry,
        "labels": [spec.labels.keys, spec.labels.values],
        "derived": spec.derived,
        "templates": templates,
        **data,
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def render_outputs(spec: Spec, table_spec: TableSpec, table: ResultTable) -> dict[str, str]:
    """Return {output path: text} for one table: the bytes build writes and check compares."""
    generated = (
        f"Generated by resultsbook from [tables.{table_spec.name}] in {os.path.basename(spec.path)}. "
        "Do not edit: run `resultsbook build`."
    )
    markdown = MarkdownOptions(caption=table_spec.caption, template_dirs=spec.template_dirs)
    return {
        path: render_table(
            table,
            SUFFIX_FORMATS[os.path.splitext(path)[1]],
            table_spec.format,
            spec.labels,
            table_spec.latex,
            markdown,
            generated=generated,
        )
        for path in table_spec.outputs
    }


def shown_values(table: ResultTable, layout: Layout, spec: Spec) -> dict[str, dict[str, Any]]:
    """Return {cell label: {value as shown, n, run ids}}: what the lock remembers of each cell."""
    values = {}
    for r, row in enumerate(table.rows):
        for c, column in enumerate(table.columns):
            cell = table.cell(row, column)
            if cell is None:
                continue
            shown = layout.body[r][1][c]
            text = plain_cell(shown, marks=False) if shown is not None and shown.center else "–"
            values[cell_label(table, row, column, spec.labels)] = {
                "value": text,
                "n": int(cell.stats["n"]),
                "runs": sorted(run.run_id for run in cell.runs),
            }
    return values


def table_findings(name: str, table: ResultTable, layout: Layout, spec: Spec) -> list[Finding]:
    """Return the table's notes and every cell mark (including the significance of the best)."""
    findings = [Finding(name, "", "note", note) for note in table.notes]
    for (r, c), marks in sorted(layout.marks.items()):
        label = cell_label(table, table.rows[r], table.columns[c], spec.labels)
        findings += [Finding(name, label, mark.kind, mark.text) for mark in marks]
    return findings


def lock_entry(spec: Spec, result: EntryResult) -> LockEntry:
    """Return what the lock records of an entry: paths relative to the lock file."""
    folder = os.path.dirname(spec.lock)
    outputs = {
        os.path.relpath(path, folder).replace(os.sep, "/"): bytes_digest(text.encode())
        for path, text in result.outputs.items()
    }
    return LockEntry(result.inputs, result.values, outputs)


def _files_as_locked(spec: Spec, entry: LockEntry | None) -> bool:
    """Tell whether an entry's files are exactly what the lock says build wrote."""
    if entry is None:
        return False
    folder = os.path.dirname(spec.lock)
    return all(file_digest(os.path.join(folder, path)) == digest for path, digest in entry.outputs.items())
