"""Build every output the spec names — tables, figures, the numbers file, Markdown sections — write
them atomically (only what changed), and record in the lock what each was made from. `check`
computes the same outputs in memory with `compute_outputs`.

    >>> report = build(load_spec("resultsbook.toml"), store)     # doctest: +SKIP
    >>> report.written                                             # doctest: +SKIP
    ('paper/results/table1.tex',)

An entry that cannot be computed (no run matches yet, a metric no run logs) does not stop the others,
as `make -k`: it is in `report.failed`, its files and lock entry stay as they were, and whatever quotes
it (a figure of its cells, the numbers file, Markdown sections) is held back and listed too.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shlex
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar

from resultsbook import __version__
from resultsbook.atomic import (
    file_size_limit,
    is_read_only,
    on_read_only_filesystem,
    write_if_changed,
    write_target,
    writing_alone,
)
from resultsbook.errors import (
    FILE_FOR_FOLDER,
    FOLDER_FOR_FILE,
    OutputError,
    ResultsbookError,
    SpecError,
    did_you_mean,
)
from resultsbook.jsontext import joined_json_texts
from resultsbook.models import StoredRun
from resultsbook.outputs.columns import missing_inputs, orphaned_inputs, table_placements
from resultsbook.outputs.failures import EntryFailure, Unavailable, entry_failure, held_back, is_entry_error
from resultsbook.outputs.findings import (
    Finding,
    alike_findings,
    finding_lines,
    mark_findings,
    outlier_findings,
    rounded_spread_findings,
    surplus_findings,
)
from resultsbook.outputs.label_names import misspelt_labels
from resultsbook.outputs.lock import (
    RETIRED,
    LockConflictError,
    LockEntry,
    bytes_digest,
    commands_retired_now,
    file_digest,
    file_state,
    is_special_file,
    read_lock,
    refuse_special_files,
    render_lock,
    retired_commands,
    retired_outputs,
)
from resultsbook.outputs.own_params import check_inherited_params, check_own_params, setting_context
from resultsbook.outputs.ownership import refuse_others_files
from resultsbook.outputs.parts import MARKDOWN_TEMPLATE, figure_parts, numbers_parts, table_parts
from resultsbook.outputs.quotes import check_paper, commands_used, paper_uses
from resultsbook.outputs.spec_reader import spec_reader
from resultsbook.params import format_value
from resultsbook.query import ResultTable, aggregate
from resultsbook.query.access import DerivedNameTaken, MetricReader
from resultsbook.query.model import AGGREGATE_KEY, METRIC_KEY, CellRuns
from resultsbook.query.provenance import diff_digest
from resultsbook.query.runs import Runs
from resultsbook.query.select import select_runs
from resultsbook.render import SUFFIX_FORMATS, MarkdownOptions, render_table
from resultsbook.render.data import render_csv_metadata
from resultsbook.render.latex import layout_texts, printed_commands, tex_number, typeset_problems
from resultsbook.render.layout import (
    INTERVAL_SPREADS,
    Labels,
    Layout,
    TableFormat,
    cell_label,
    layout_table,
    plain_cell,
    stat_note,
)
from resultsbook.render.templates import template_source_path
from resultsbook.spec import Spec, TableSpec
from resultsbook.store import Store
from resultsbook.voice import of_spec_table

_P = ParamSpec("_P")
_LAST_CODE: list[Any] = [None, {}]  # the runs `run_code` was last given (held, so no other takes their id)
_T = TypeVar("_T")

if TYPE_CHECKING:
    from resultsbook.outputs.numbers import NumberBook
    from resultsbook.query.goal import Goal
    from resultsbook.query.model import MetricSpec
    from resultsbook.render.plots import PlotData
    from resultsbook.spec import FigureSpec


class Progress(Protocol):
    """What a build tells a progress display: how many entries, which one is next, one done."""

    def start(self, total: int) -> None: ...

    def step(self, what: str) -> None: ...

    def advance(self) -> None: ...


class NoProgress:
    """A progress display that shows nothing (the library default)."""

    def start(self, total: int) -> None:
        pass

    def step(self, what: str) -> None:
        pass

    def advance(self) -> None:
        pass


@dataclass(frozen=True)
class EntryResult:
    """One spec entry computed in memory: its lock key, input digest, output bytes, the values it
    shows (table cells, macros) and its findings."""

    name: str  # tables.NAME, figures.NAME, macros or sections
    inputs: str
    outputs: Mapping[str, bytes]
    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    table: ResultTable | None = None
    parts: Mapping[str, str] = field(default_factory=dict)  # what it is made of, part by part (parts.py)


@dataclass
class BuildMemo:
    """What `watch` keeps between rebuilds so that one changed run costs little in a large store:
    each table's selection digest, the runs as last loaded, and cells whose runs did not change."""

    selections: dict[str, str] = field(default_factory=dict)
    runs: list[StoredRun] | None = None
    cells: dict[Any, Any] = field(default_factory=dict)

    def refresh_runs(self, store: Store, changed_sources: Sequence[str]) -> None:
        """Reload only the runs of the sources a collect read (or found gone)."""
        if self.runs is None or not changed_sources:
            return
        changed = set(changed_sources)
        kept = [run for run in self.runs if run.source not in changed]
        self.runs = sorted([*kept, *store.runs(sources=sorted(changed))], key=lambda run: run.id)


@dataclass(frozen=True)
class BuildReport:
    """What a build did: files written and left as they were, the findings to show the user, and the
    entries it could not build (their files and lock entries are as they were)."""

    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    findings: tuple[Finding, ...]
    skipped: tuple[str, ...] = ()  # entries whose selected runs had not changed (watch)
    tables: Mapping[str, ResultTable] = field(default_factory=dict)
    failed: tuple[EntryFailure, ...] = ()
    silent: tuple[str, ...] = ()  # runs the tables count as running whose logs went silent (`rb.build`)
    notes: tuple[
        str, ...
    ] = ()  # what build did beside the tables: a lock a merge left conflicted, written again

    @property
    def warnings(self) -> tuple[str, ...]:
        """Return the findings as printable lines, a flood of one kind of cell mark summarised."""
        return tuple(finding_lines(self.findings))

    @property
    def remarks(self) -> tuple[str, ...]:
        """Return what the tables did that needs no fix (a resumed W&B run counted once), and the runs
        they count as running that look dead: notes."""
        own = (f"{name}: {remark}" for name, table in self.tables.items() for remark in table.remarks)
        return (*own, *self.silent, *self.notes)

    def __repr__(self) -> str:
        """Return the counts, not every table's cells (a notebook shows the report a cell ends with)."""
        failed = f", {len(self.failed)} failed" if self.failed else ""
        return (
            f"BuildReport({len(self.written)} written, {len(self.unchanged)} unchanged{failed}, "
            f"{len(self.findings)} finding(s); see .written, .warnings, .failed and .tables)"
        )


def build(
    spec: Spec,
    store: Store,
    only: Sequence[str] = (),
    memo: BuildMemo | None = None,
    progress: Progress | None = None,
    measure: bool = True,
) -> BuildReport:
    """Render and write every output (or those of the named tables and figures), then the lock; on
    a venue's page (`measure`), say which LaTeX tables are wider than its column.

    An entry that cannot be computed, and what quotes it, is left as it was and listed in `failed`;
    the others are written. `memo` (kept by `watch` between rounds) remembers each table's selection
    digest: a table whose selected runs did not change since the last round, and whose files are as
    the lock recorded, is not recomputed."""
    check_names(spec, only)
    refuse_special_files(written_files(spec))
    seen = file_state(spec.lock)  # before the read: a lock written after it differs from this
    lock, conflicted = _read_merged_lock(spec.lock)
    built = set(lock)
    written_before = {name: entry.outputs for name, entry in lock.items()}  # what may be left behind
    if memo is None:  # the entries this build recomputes are not read: let their run lists go now
        lock = {name: entry for name, entry in lock.items() if not _recomputed(name, only)}
    remembered = dict(memo.selections) if memo is not None else {}
    try:
        report = _build_and_write(spec, store, only, memo, lock, built, progress, seen, written_before)
    except BaseException:
        if memo is not None:  # nothing of a failed round was written: the next one must recompute it
            memo.selections = remembered
        raise
    if conflicted:
        shown = os.path.relpath(spec.lock)
        report = replace(
            report, notes=(f"{shown} had merge conflicts; it was written again from the outputs now",)
        )
    if not measure:
        return report
    from resultsbook.outputs.heights import too_tall_tables
    from resultsbook.outputs.takennames import taken_commands  # a LaTeX run: only for named values

    report = replace(report, findings=(*report.findings, *too_tall_tables(spec, report)))

    report = replace(report, findings=(*report.findings, *taken_commands(spec, report.written)))
    if spec.venue is None:
        return report
    from resultsbook.outputs.widths import too_wide_tables  # a LaTeX run: only for a venue's page

    return replace(report, findings=(*report.findings, *too_wide_tables(spec, report)))


def _read_merged_lock(path: str) -> tuple[dict[str, LockEntry], bool]:
    """Read the lock, and tell whether a git merge left conflicts in it: such a lock reads as empty,
    since build writes every entry of it again (which resolves the conflict, as a merge of outputs is)."""
    try:
        return read_lock(path), False
    except LockConflictError:
        return {}, True


def _build_and_write(
    spec: Spec,
    store: Store,
    only: Sequence[str],
    memo: BuildMemo | None,
    lock: dict[str, LockEntry],
    built: Collection[str],
    progress: Progress | None,
    seen: tuple[int, ...] | None = None,
    written_before: Mapping[str, Mapping[str, str]] | None = None,
) -> BuildReport:
    computed = compute_outputs(spec, store, only, memo, lock, progress, built)
    findings: list[Finding] = []
    files: dict[str, bytes] = {}
    ours: dict[str, LockEntry] = {}
    for result in computed.results:
        findings += result.findings
        files.update(result.outputs)
        ours[result.name] = lock_entry(spec, result)
    spec_name = os.path.basename(spec.path)
    if spec.macros is not None and spec.macros.paper:  # what LaTeX would stop on, said before it does
        _, problems = check_paper(spec.macros.paper, files, spec.macros.output, retired_commands(lock))
        findings += [Finding("macros", "", "quote", problem.line()) for problem in problems]
        findings += _unmeasured_columns(spec, spec_name, files)
    findings += [Finding(spec_name, "", "label", line) for line in misspelt_labels(spec, store)]
    # another build (a watch, a second terminal) may write these files too: each writes its files and
    # its lock whole before the other starts, and keeps the entries the other wrote meanwhile (the
    # ones this build did not compute, the failed ones among them), so the lock says what the files are
    with writing_alone(os.path.dirname(os.path.abspath(spec.lock))):
        # the lock as this build read it, when no one wrote it since and every recomputed entry is in
        # `ours` (a failed one keeps its entry: read again); at 100,000 runs a read costs 0.15 s
        as_read = seen is not None and file_state(spec.lock) == seen and not computed.failed
        before = lock if as_read else _read_merged_lock(spec.lock)[0]
        entries = {**before, **ours}
        for name in [name for name in entries if name not in entry_names(spec)]:
            del entries[name]  # removed from the spec (or the retired outputs, recorded again below)
        if not as_read or written_before is None:
            written_before = {name: entry.outputs for name, entry in before.items()}
        retired = retired_outputs(written_before, entries, os.path.dirname(os.path.abspath(spec.lock)))
        paper = spec.macros.paper if spec.macros is not None else ()
        # remembered while the paper uses it: once it quotes it no more, a command is forgotten
        commands = commands_used(commands_retired_now(before, ours), paper, files) if paper else []
        if retired or commands:  # what `check` says the paper must not \input (nor quote) any more
            entries[RETIRED] = LockEntry(
                "", {command: {"value": "retired"} for command in commands}, outputs=retired
            )
        refuse_read_only([*files, spec.lock])
        _refuse_others_files(spec, computed, files, written_before)
        written, unchanged = write_files(files)
        write_files({spec.lock: render_lock(entries).encode()})
    if spec.macros is not None and spec.macros.paper:  # a table the paper still inputs by its old name
        folder = os.path.dirname(os.path.abspath(spec.lock))
        left = {os.path.join(folder, path): digest for path, digest in retired.items()}
        orphans = orphaned_inputs(spec.macros.paper, written_files(spec), entry_outputs(spec), left)
        orphans += missing_inputs(
            spec.macros.paper, [path for path in written_files(spec) if path != spec.lock]
        )
        findings += [Finding("macros", "", "quote", problem.line()) for problem in orphans]
    return BuildReport(
        tuple(written),
        tuple(unchanged),
        tuple(findings),
        tuple(computed.skipped),
        computed.tables,
        tuple(computed.failed),
    )


def _unmeasured_columns(spec: Spec, spec_name: str, files: Mapping[str, bytes]) -> list[Finding]:
    """Say that the paper sets two columns and the spec names no venue: nothing is measured against a
    column (a figure's default 3.25in is wider than article's 229.5pt one), so what overflows is seen
    only in the PDF."""
    if spec.venue is not None or not any(path.endswith((".tex", ".pgf", ".pdf", ".png")) for path in files):
        return []
    from resultsbook.outputs.columns import two_column_paper
    from resultsbook.render.venues import VENUES

    paper = spec.macros.paper if spec.macros is not None else ()
    two = two_column_paper(paper, written_files(spec))
    if two is None:
        return []
    names = ", ".join(sorted(VENUES))
    text = (
        f"the paper sets two columns at {two}, and the spec names no venue: no table or figure is measured "
        f"against its column; set venue = one of {names} (then build warns of what is too wide), or "
        "`resultsbook preview` shows them as the page will"
    )
    return [Finding(spec_name, "", "venue", text)]


def _recomputed(entry: str, only: Sequence[str]) -> bool:
    """Tell whether a build of `only` (everything when empty) recomputes a table or figure entry."""
    kind, _, name = entry.partition(".")
    return kind in ("tables", "figures") and (not only or name in only)


def _refuse_others_files(
    spec: Spec,
    computed: Computed,
    files: Mapping[str, bytes],
    written_before: Mapping[str, Mapping[str, str]],
) -> None:
    """Refuse to replace a file resultsbook did not write; the sections are the user's files, edited in
    their marked regions only."""
    folder = os.path.dirname(os.path.abspath(spec.lock))
    ours = {
        os.path.normpath(os.path.join(folder, path))
        for outputs in written_before.values()
        for path in outputs
    }
    writer = {path: f"[{result.name}] writes" for result in computed.results for path in result.outputs}
    sections = {os.path.abspath(path) for path in spec.sections}
    outputs = {path: data for path, data in files.items() if os.path.abspath(path) not in sections}
    refuse_others_files(outputs, ours, writer, "build", "name another file in its outputs")


def refuse_read_only(paths: Sequence[str], command: str = "build", elsewhere: str | None = None) -> None:
    """Refuse to write an output over a FIFO or a device, on a read-only filesystem, or over one someone
    marked read-only, before any file is written; `elsewhere` says how to write `command`'s file
    elsewhere instead (build's files: through the spec)."""
    for path in paths:
        if is_special_file(path):
            instead = elsewhere or "point the spec's outputs (and its lock) to a file path"
            shown = os.path.relpath(path)
            raise SpecError(  # a path given by mistake, as build's outputs are (exit 2); as typed
                f"{path if shown.startswith('..') else shown} is not a regular file (a FIFO or a device), "
                f"so {command} cannot write it; {instead}"
            )
        target = write_target(path)
        if target != os.path.abspath(path) and not os.path.isdir(os.path.dirname(target)):
            make = f"mkdir -p {shlex.quote(os.path.dirname(target))}"
            raise OutputError(
                f"{os.path.relpath(path)} is a symlink to {target}, whose folder does not exist, so "
                f"{command} cannot write it; make that folder ({make}) or remove the link "
                f"(rm {shlex.quote(os.path.relpath(path))})"
            )
        if os.path.isdir(path):  # known before any file is replaced: the entry's outputs stay alike
            raise OutputError(f"cannot write {os.path.relpath(path)}: {FOLDER_FOR_FILE}")
        if on_read_only_filesystem(path):  # no chmod helps there
            instead = elsewhere or "point the spec's outputs (and its lock) to a writable folder"
            raise OutputError(
                f"{os.path.relpath(path)} is on a read-only filesystem, so {command} cannot write it; "
                f"mount it writable, or {instead}"
            )
        if is_read_only(path):
            instead = elsewhere or "take it out of the spec's outputs"
            raise OutputError(
                f"{os.path.relpath(path)} is read-only, so {command} leaves it as it is; make it writable "
                f"(chmod u+w) to let {command} replace it, or {instead}"
            )


def write_files(files: Mapping[str, bytes]) -> tuple[list[str], list[str]]:
    """Write each file atomically unless it already holds its bytes: (written, unchanged).

    A failed write (full disk, no permission) leaves that file as it was and says so."""
    written: list[str] = []
    unchanged: list[str] = []
    for path, data in files.items():
        try:
            changed = write_if_changed(path, data)
        except OSError as error:
            if error.errno == errno.EROFS:  # remounted read-only since refuse_read_only looked
                raise OutputError(
                    f"cannot write {os.path.relpath(path)}: its filesystem is read-only; it is as it was "
                    "before. Mount it writable, or write the outputs to a writable folder"
                ) from error
            if error.errno in (errno.EISDIR, errno.ENOTDIR):  # made since refuse_read_only looked
                what = FOLDER_FOR_FILE if error.errno == errno.EISDIR else FILE_FOR_FOLDER
                raise OutputError(
                    f"cannot write {os.path.relpath(path)}: {what}; it is as it was before"
                ) from error
            reason = error.strerror or str(error)
            limit = file_size_limit() if error.errno == errno.EFBIG else None
            if limit is not None:
                raise OutputError(
                    f"cannot write {os.path.relpath(path)} ({reason}): this shell limits the size of the "
                    f"files its commands write to {limit} (ulimit -f); it is as it was before. Raise the "
                    "limit (ulimit -f unlimited) and run the command again"
                ) from error
            raise OutputError(
                f"cannot write {os.path.relpath(path)} ({reason}); it is as it was before. "
                "Free some space or fix the folder's permissions, then run the command again"
            ) from error
        (written if changed else unchanged).append(path)
    return written, unchanged


def check_names(spec: Spec, only: Sequence[str]) -> None:
    """Refuse names that are neither tables nor figures of the spec."""
    unknown = [name for name in only if name not in spec.tables and name not in spec.figures]
    if unknown:
        known = [*spec.tables, *spec.figures]
        hint = did_you_mean(unknown[0], known, "tables and figures")
        raise SpecError(f"no table or figure named {unknown[0]!r} in {os.path.basename(spec.path)}; {hint}")


def written_files(spec: Spec) -> list[str]:
    """Return every file build writes (the lock too): outputs, never the paper."""
    paths = [path for table in spec.tables.values() for path in table.outputs]
    paths += [path for figure in spec.figures.values() for path in figure.outputs]
    if spec.macros is not None and spec.macros.output:
        paths.append(spec.macros.output)
    return [*paths, *spec.sections, spec.lock]


def entry_names(spec: Spec) -> list[str]:
    """Return the lock keys of everything the spec writes."""
    return list(entry_outputs(spec))


def entry_outputs(spec: Spec) -> dict[str, list[str]]:
    """Return {lock key: the files it writes} of everything the spec writes."""
    outputs = {f"tables.{name}": list(table.outputs) for name, table in spec.tables.items()}
    outputs.update((f"figures.{name}", list(figure.outputs)) for name, figure in spec.figures.items())
    if spec.macros is not None and spec.macros.output:
        outputs["macros"] = [spec.macros.output]
    if spec.sections:
        outputs["sections"] = list(spec.sections)
    return outputs


@dataclass(frozen=True)
class Computed:
    """Every entry computed in memory, the entries skipped as unchanged (watch), the aggregated tables,
    and the entries that could not be computed or were held back because they quote one that could not."""

    results: list[EntryResult]
    skipped: list[str]
    tables: dict[str, ResultTable]
    failed: list[EntryFailure]

    def outputs(self) -> dict[str, bytes]:
        """Return every file computed, by path, with the bytes build writes."""
        return {path: data for result in self.results for path, data in result.outputs.items()}


def compute_outputs(
    spec: Spec,
    store: Store,
    only: Sequence[str] = (),
    memo: BuildMemo | None = None,
    lock: Mapping[str, LockEntry] | None = None,
    progress: Progress | None = None,
    built: Collection[str] = (),
) -> Computed:
    """Compute every entry in memory; one that cannot be computed is listed in `failed`, not raised.

    The numbers file and Markdown sections quote every table, so they come with full builds only.
    `built` names the entries the lock has: the numbers file quotes their cells and notes."""
    progress = progress or NoProgress()
    wanted_figures = [f for name, f in spec.figures.items() if not only or name in only]
    numbers = not only and (spec.macros is not None or bool(spec.sections))
    wanted_tables = [name for name in spec.tables if not only or name in only]
    progress.start(len(wanted_tables) + len(wanted_figures) + int(numbers))
    if memo is not None and memo.runs is None:
        memo.runs = store.runs()
    # every table reads the same runs as columns; params are read key by key as tables need them. The
    # lock's runs part digests every run's content: its digest is read with the other fields, not again
    runs = (
        Runs.of(memo.runs)
        if memo is not None and memo.runs is not None
        else Runs.load(store, also=["digest"])
    )
    check_inherited_params(spec, runs)
    cells = memo.cells if memo is not None else None
    reader = spec_reader(store, spec)  # shared: tables reading the same metric load it once
    reader.plan(metric for name in wanted_tables for metric in spec.tables[name].query.metrics)
    results: list[EntryResult] = []
    skipped: list[str] = []
    tables: dict[str, ResultTable] = {}
    failed: dict[str, EntryFailure] = {}
    for name, table_spec in spec.tables.items():
        if only and name not in only:
            continue
        progress.step(f"table {name}")
        if memo is not None:
            selection = selection_digest(spec, table_spec, runs)
            locked = (lock or {}).get(f"tables.{name}")
            if memo.selections.get(name) == selection and _files_as_locked(spec, locked):
                skipped.append(f"tables.{name}")
                progress.advance()
                continue
            memo.selections[name] = selection
        result = _attempt(
            spec, f"tables.{name}", failed, compute_entry, spec, table_spec, store, runs, reader, cells
        )
        if result is not None:
            assert result.table is not None
            tables[name] = result.table
            results.append(replace(result, parts=table_parts(spec, table_spec, runs)))
        elif memo is not None:  # computed (and reported) again next round, whatever changed
            del memo.selections[name]
        progress.advance()
    quoted = spec.tables if numbers else [t for f in wanted_figures if (t := quoted_table(f)) is not None]
    for name in dict.fromkeys(quoted):  # figures and numbers quote tables: those skipped are needed too
        entry = f"tables.{name}"
        if name not in tables and entry not in failed:
            table = _attempt(
                spec, entry, failed, aggregate_entry, entry, store, spec.tables[name].query, runs, reader
            )
            if table is not None:
                tables[name] = table
    figure_notes: dict[str, str] = {}
    for figure in wanted_figures:
        progress.step(f"figure {figure.name}")
        entry, quoted_name = f"figures.{figure.name}", quoted_table(figure)
        if quoted_name is not None and f"tables.{quoted_name}" in failed:
            failed[entry] = held_back(spec, entry, figure.outputs, failed[f"tables.{quoted_name}"])
        else:
            drawn = _attempt(spec, entry, failed, compute_figure, spec, figure, store, runs, tables)
            if drawn is not None:
                result, figure_notes[figure.name] = drawn
                known = {result.name: result.parts for result in results}
                results.append(replace(result, parts=figure_parts(spec, figure, runs, known)))
        progress.advance()
    if numbers:
        progress.step("numbers and sections")
        numbered, not_numbered = compute_numbers_and_sections(
            spec, store, runs, tables, figure_notes, list(failed.values()), built,
            {result.name: result.parts for result in results},
        )  # fmt: skip
        results += numbered
        failed |= {failure.entry: failure for failure in not_numbered}
        progress.advance()
    return Computed(results, skipped, tables, list(failed.values()))


def _attempt(
    spec: Spec,
    entry: str,
    failed: dict[str, EntryFailure],
    compute: Callable[_P, _T],
    *args: _P.args,
    **kwargs: _P.kwargs,
) -> _T | None:
    """Return compute(*args); when it raises the entry's own error, record the entry in `failed` and
    return None (the store's or the disk's errors stop everything)."""
    try:
        return compute(*args, **kwargs)
    except ResultsbookError as error:
        if not is_entry_error(error):
            raise
        failed[entry] = entry_failure(spec, entry, error)
        return None


def quoted_table(figure: FigureSpec) -> str | None:
    """Return the spec table a figure draws from (its cells, or the profile over its tasks), if any."""
    return figure.profile.table if figure.profile is not None else figure.table


def compute_entry(
    spec: Spec,
    table_spec: TableSpec,
    store: Store,
    runs: Sequence[StoredRun],
    reader: MetricReader | None = None,
    cells: dict[Any, Any] | None = None,
) -> EntryResult:
    """Aggregate and render one table in memory: what build would write, and what it would lock."""
    check_own_params(spec, table_spec, runs)
    table = aggregate_entry(f"tables.{table_spec.name}", store, table_spec.query, runs, reader, cells)
    try:
        return _rendered_entry(spec, table_spec, table, run_code(runs))
    except ResultsbookError as error:  # a setting only the computed table can refuse (highlight, template)
        raise type(error)(f"{setting_context(spec, table_spec, str(error))} {error}") from error


def run_code(runs: Sequence[StoredRun] | Runs) -> dict[str, str]:
    """Return {run id: the commit it ran, 10 digits, `*` when from a dirty tree and then the first 8
    digits of its diff's digest where recorded} of the runs that record one: what the lock keeps of
    each cell's code, for `check` to name a run re-run at other code or with another diff.
    The runs of a build are the same columns for every table: their code is made once (it is only read)."""
    if isinstance(runs, Runs):
        if _LAST_CODE[0] is runs:
            return _LAST_CODE[1]
        ids, commits, dirty = (runs.field(name).tolist() for name in ("run_id", "git_commit", "git_dirty"))
        diffs = runs.diff_digests() if any(dirty) else [None] * len(ids)
    else:
        ids = [run.run_id for run in runs]
        commits, dirty = [run.git_commit for run in runs], [run.git_dirty for run in runs]
        diffs = [diff_digest(run.provenance) for run in runs]
    code = {
        i: str(c)[:10] + ("*" + (f or "").rpartition(":")[2][:8] if d else "")
        for i, c, d, f in zip(ids, commits, dirty, diffs)
        if c
    }
    if isinstance(runs, Runs):
        _LAST_CODE[:] = [runs, code]
    return code


def _rendered_entry(
    spec: Spec, table_spec: TableSpec, table: ResultTable, code: Mapping[str, str] | None = None
) -> EntryResult:
    layout = layout_table(table, table_spec.format, table_spec.labels)
    return EntryResult(
        name=f"tables.{table_spec.name}",
        inputs=results_digest(spec, table_spec, table),
        outputs={path: text.encode() for path, text in render_outputs(spec, table_spec, table).items()},
        values=shown_values(table, layout, table_spec.labels, code),
        findings=tuple(
            table_findings(
                table_spec.name,
                table,
                layout,
                table_spec.labels,
                spec.paper_preamble,
                any(path.endswith(".tex") for path in table_spec.outputs),
                table_spec.caption if table_spec.latex.float or table_spec.latex.longtable else None,
            )
            + rounded_spread_findings(table_spec.name, table, layout, table_spec.format, table_spec.labels)
            + lint_findings(table_spec.name, table, table_spec.format)
            + extra_stats_findings(table_spec)
            + unfloated_label_findings(table_spec)
            + unwritten_table_findings(spec, table_spec)
            + venue_findings(spec, table_spec)
        ),
        table=table,
    )


def aggregate_entry(entry: str, store: Store, query: Any, *args: Any) -> ResultTable:
    """Aggregate a spec entry's table; an error names the entry: `[tables.t] filter ... matches no run`."""
    try:
        with of_spec_table():  # a note names the table's where, not --where
            return aggregate(store, query, *args)
    except DerivedNameTaken:  # the spec's [derived], not the entry's: named with the file where it is caught
        raise
    except ResultsbookError as error:
        raise type(error)(f"[{entry}] {error}") from error


def compute_figure(
    spec: Spec, figure: FigureSpec, store: Store, runs: Sequence[StoredRun], tables: Mapping[str, ResultTable]
) -> tuple[EntryResult, str]:
    """Draw one figure in memory; return its entry and the note saying what it shows."""
    from resultsbook.outputs.figures import render_figure_files  # matplotlib is imported only to draw

    files, drawn = render_figure_files(spec, figure, store, runs, tables)
    # the data and the settings, not the bytes: another matplotlib may draw the same figure differently;
    # the outputs where the spec names them, so that a clone elsewhere (CI) reads the same digest
    outputs = tuple(os.path.relpath(path, spec.folder).replace(os.sep, "/") for path in figure.outputs)
    digest = hashlib.sha256(repr((figure.style, figure.options, outputs)).encode())
    update_digest(digest, drawn.data)
    findings = tuple(Finding(figure.name, "", "note", text) for text in drawn.notes)
    values = figure_values(figure, drawn.data, run_code(runs))
    entry = EntryResult(f"figures.{figure.name}", digest.hexdigest(), files, values, findings)
    return entry, drawn.data.note


def figure_values(
    figure: FigureSpec, data: PlotData, code: Mapping[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """Return what the lock remembers of a figure: each curve's last point, or each bar of its own
    aggregation, with its runs and their `code` as a table's cell has them; nothing for a figure of a
    spec table's cells, which that table's entry lists."""
    from resultsbook.render.figvalues import plotted_values

    if quoted_table(figure) is not None:
        return {}
    if figure.cells is not None:
        band = figure.cells.format.spread
    else:  # a curve's band; a sample-efficiency figure's is a percentile bootstrap
        band = figure.curve.band if figure.curve is not None else "bootstrap"
    plotted = plotted_values(data, interval=band in INTERVAL_SPREADS)
    return {name: with_code(kept, code) for name, kept in plotted.items()}


def update_digest(digest: Any, value: Any) -> None:
    """Feed a value into a digest exactly: dataclasses field by field (but a field no figure draws, see
    UNDRAWN in render/plots.py), arrays by their bytes."""
    import dataclasses

    import numpy as np

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        digest.update(type(value).__name__.encode())
        for item in dataclasses.fields(value):
            if item.metadata.get("drawn", True):
                update_digest(digest, getattr(value, item.name))
    elif isinstance(value, np.ndarray):
        digest.update(f"{value.dtype}{value.shape}".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (list, tuple)):
        digest.update(f"[{len(value)}".encode())
        for item in value:
            update_digest(digest, item)
    elif isinstance(value, Mapping):
        digest.update(f"{{{len(value)}".encode())
        for key in sorted(value, key=repr):
            update_digest(digest, key)
            update_digest(digest, value[key])
    else:
        digest.update(repr(value).encode())


def compute_numbers_and_sections(
    spec: Spec,
    store: Store,
    runs: Sequence[StoredRun],
    tables: Mapping[str, ResultTable],
    figure_notes: Mapping[str, str],
    failed: Sequence[EntryFailure] = (),
    built: Collection[str] = (),
    known_parts: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[list[EntryResult], list[EntryFailure]]:
    """Compute the numbers file (its named values locked one by one) and the Markdown sections; hold
    back each that quotes an entry in `failed` (see `numbers_blocker`), and list those that fail.
    `known_parts` holds the parts of the tables computed already (the others are computed here)."""
    from resultsbook.outputs.numbers import compute_numbers
    from resultsbook.outputs.sections import section_outputs

    entries = [name for name in entry_names(spec) if name in ("macros", "sections")]
    try:
        book = compute_numbers(spec, store, runs, tables, figure_notes)
    except ResultsbookError as error:
        if not is_entry_error(error) or not entries:
            raise
        first = entry_failure(spec, entries[0], error)
        return [], [first, *(held_back(spec, entry, spec.sections, first) for entry in entries[1:])]
    results: list[EntryResult] = []
    not_built: list[EntryFailure] = []
    if spec.macros is not None and spec.macros.output:
        blocker = numbers_blocker(spec, failed, built)
        if blocker is None:
            parts = numbers_parts(spec, runs, tables, figure_notes, known_parts or {})
            results.append(replace(numbers_entry(spec, spec.macros.output, book), parts=parts))
        else:
            not_built.append(held_back(spec, "macros", [spec.macros.output], blocker))
    if spec.sections:
        try:
            sections = {path: text.encode() for path, text in section_outputs(spec, tables, book).items()}
        except Unavailable as quoted:
            blocker = {failure.entry: failure for failure in failed}[quoted.entry]
            not_built.append(held_back(spec, "sections", spec.sections, blocker))
        except ResultsbookError as error:
            if not is_entry_error(error):
                raise
            not_built.append(entry_failure(spec, "sections", error))
        else:
            digest = hashlib.sha256(b"".join(sections[path] for path in sorted(sections))).hexdigest()
            parts = numbers_parts(spec, runs, tables, figure_notes, known_parts or {}, [MARKDOWN_TEMPLATE])
            results.append(EntryResult("sections", digest, sections, parts=parts))
    return results, not_built


def numbers_entry(spec: Spec, output: str, book: NumberBook) -> EntryResult:
    """Render the numbers file: named values, then every cell's statistics, then the notes."""
    from resultsbook.outputs.numbers import marks_text, ratio_findings, stat_findings, value_origin
    from resultsbook.render.layout import MARK_SYMBOLS
    from resultsbook.render.macros import alike_keys, render_macros

    generated = (
        f"Generated by resultsbook from [macros] in {os.path.basename(spec.path)}. "
        "Do not edit: run `resultsbook build`."
    )
    origins = {}
    for name, value in book.values.items():
        spec_value = spec.macros.values[name] if spec.macros is not None else None
        if spec_value is None:
            continue
        origin = value_origin(spec_value)
        marked = [key for key in spec_value.cells if key in book.cells and book.cells[key].marks]
        if marked:
            # each symbol once, as the table prints them: two marks may share one (†)
            shown = {k: dict.fromkeys(MARK_SYMBOLS[m.kind] for m in book.cells[k].marks) for k in marked}
            symbols = {key: " ".join(kinds) for key, kinds in shown.items()}
            origin += "; marked in its table: " + ", ".join(f"{key} {symbols[key]}" for key in marked)
        origins[value.macro] = origin
    text = render_macros(
        {value.macro: tex_number(value.text) for value in book.values.values()},
        {key: numbers.latex for key, numbers in book.cells.items()},
        book.notes,
        os.path.basename(output),
        generated,
        origins,
        {key: marks_text(numbers.marks) for key, numbers in book.cells.items() if numbers.marks},
    )
    values = {f"\\{value.macro}": {"value": value.text} for value in book.values.values()}
    digest = hashlib.sha256(text.encode()).hexdigest()
    alike = tuple(Finding("macros", "", "key", line) for line in (*book.joined, *alike_keys(book.cells)))
    named = spec.macros.values if spec.macros is not None else {}
    ratios = tuple(Finding("macros", "", "ratio", line) for line in ratio_findings(named, book.cells))
    mixed = tuple(Finding("macros", "", kind, line) for kind, line in stat_findings(book.values))
    return EntryResult("macros", digest, {output: text.encode()}, values, findings=alike + ratios + mixed)


def numbers_blocker(
    spec: Spec, failed: Sequence[EntryFailure], built: Collection[str]
) -> EntryFailure | None:
    """Return the failed entry the numbers file quotes, if any: a table a named value takes a cell of,
    or a table or figure built before, whose cells and note the file holds (and the text may quote:
    writing the file without them would break the paper); a table never built is in no one's text."""
    from resultsbook.outputs.numbers import value_tables

    assert spec.macros is not None
    named = {table for value in spec.macros.values.values() for table in value_tables(value)}
    for failure in failed:
        kind, _, name = failure.entry.partition(".")
        if (kind == "tables" and name in named) or (kind in ("tables", "figures") and failure.entry in built):
            return failure
    return None


def results_digest(spec: Spec, table_spec: TableSpec, table: ResultTable) -> str:
    """Digest what a table's outputs are made of: each cell's runs with their values, status and
    marks, plus the spec entry, labels, derived metrics, templates and resultsbook version.
    Re-running the same experiment with the same numbers leaves it unchanged."""
    cells = [
        [list(map(str, row)), list(map(str, column)), cell.step, _runs_digest(cell.runs),
         [mark.text for mark in cell.marks]]
        for (row, column), cell in sorted(table.cells.items(), key=lambda item: repr(item[0]))
    ]  # fmt: skip
    return _digest(spec, table_spec, {"cells": cells})


def _runs_digest(runs: CellRuns) -> str:
    """Digest a cell's runs: their ids and statuses in order (one status when all share it), and
    their values exactly (as float64 bytes: writing 100,000 floats as JSON text costs a second)."""
    import numpy as np

    several = len(runs.distinct_statuses()) > 1  # as usual, one status for every run: given once
    statuses = (runs.statuses if several else runs.statuses[:1]).tolist()
    ids = runs.run_ids.tolist()
    listed = joined_json_texts(ids, ", ")  # json.dumps(ids), written at once: 100,000 ids a table
    ids_json = json.dumps(ids) if listed is None else "[" + listed + "]"
    digest = hashlib.sha256(f"[{ids_json}, {json.dumps(statuses)}]".encode())
    digest.update(np.ascontiguousarray(runs.values, dtype="<f8").tobytes())
    return digest.hexdigest()


def selection_digest(spec: Spec, table_spec: TableSpec, runs: Runs) -> str:
    """Digest the spec entry and the full stored content of the runs its filters select (cheap:
    no aggregation) — unchanged means the table cannot have changed."""
    selected = select_runs(runs, table_spec.query.filters)
    contents = zip(selected.field("run_id").tolist(), selected.field("digest").tolist())
    return _digest(spec, table_spec, {"runs": sorted(contents)})


def _digest(spec: Spec, table_spec: TableSpec, data: Mapping[str, Any]) -> str:
    templates = {}
    for name in (table_spec.latex.template, "table.md.j2"):
        with open(template_source_path(name, spec.template_dirs), "rb") as handle:
            templates[name] = hashlib.sha256(handle.read()).hexdigest()
    document = {
        "version": __version__,
        "entry": table_spec.entry,
        "labels": table_spec.labels.as_data(),
        "derived": spec.derived,
        "normalized": {
            name: [n.metric, list(n.task), sorted((list(k), list(v)) for k, v in n.references.items())]
            for name, n in spec.normalized.items()
        },
        "templates": templates,
        **data,
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def render_outputs(spec: Spec, table_spec: TableSpec, table: ResultTable) -> dict[str, str]:
    """Return {output path: text} for one table (and the CSVW sidecar of each CSV when asked)."""
    source = f"[tables.{table_spec.name}] in {os.path.basename(spec.path)}"
    generated = f"Generated by resultsbook from {source}. Do not edit: run `resultsbook build`."
    markdown = MarkdownOptions(caption=table_spec.caption, template_dirs=spec.template_dirs)
    texts = {}
    for path in table_spec.outputs:
        texts[path] = render_table(
            table,
            SUFFIX_FORMATS[os.path.splitext(path)[1]],
            table_spec.format,
            table_spec.labels,
            table_spec.latex,
            markdown,
            generated=generated,
        )
        if path.endswith(".csv") and table_spec.csv_metadata:
            note = stat_note(table, table_spec.format, labels=table_spec.labels) if table.cells else ""
            texts[path + "-metadata.json"] = render_csv_metadata(
                table, os.path.basename(path), str(table_spec.caption or table_spec.name), note, source,
                table_spec.labels,
            )  # fmt: skip
    return texts


def shown_values(
    table: ResultTable, layout: Layout, labels: Labels, code: Mapping[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """Return {cell label: {value as shown, its marks and emphasis, n, run ids}}: what the lock
    remembers of each cell, and the code of each run (`code`, as `run_code` gives it) where one of
    them recorded a commit."""
    values = {}
    for r, row in enumerate(table.rows):
        for c, column in enumerate(table.columns):
            cell = table.cell(row, column)
            if cell is None:
                continue
            shown = layout.body[r][1][c]
            text = plain_cell(shown, marks=False) if shown is not None and shown.center else "–"
            marks = "".join(shown.marks) if shown is not None else ""
            kept = {"value": text, "marks": marks, "n": int(cell.stats["n"])}
            kept["runs"] = cell.runs.sorted_run_ids()
            if shown is not None and shown.emphasis:
                kept["emphasis"] = shown.emphasis
            values[cell_label(table, row, column, labels)] = with_code(kept, code)
    return values


def with_code(kept: dict[str, Any], code: Mapping[str, str] | None) -> dict[str, Any]:
    """Return what the lock keeps of a table's cell (or a figure's curve or bar) with `code`: the code
    each of its `runs` ran (as `run_code` gives it), in their order, where one of them recorded a commit."""
    codes = [code.get(run_id, "") for run_id in kept.get("runs", ())] if code else []
    return {**kept, "code": codes} if any(codes) else kept


def table_findings(
    name: str,
    table: ResultTable,
    layout: Layout,
    labels: Labels,
    preamble: Sequence[str] = (),
    latex: bool = True,
    caption: str | None = None,
) -> list[Finding]:
    """Return the table's notes, every cell mark (including the significance of the best) and, for
    LaTeX outputs, the labels with characters the paper's preamble cannot typeset; a mark that
    several cells share word for word (the runs of one method behind several aggregates) is one line
    naming the first cell and how many more."""
    findings = [Finding(name, "", "note", note) for note in table.notes]
    findings += mark_findings(name, table, layout, labels)
    findings += surplus_findings(name, table, labels)
    findings += outlier_findings(name, table, labels)
    findings += alike_findings(name, table, labels)
    if latex:
        texts = [*layout_texts(layout), *([caption] if caption else [])]
        problems = [
            *typeset_problems(texts, preamble),
            *printed_commands(texts, logged_values(table, labels)),
        ]
        findings += [Finding(name, "", "typeset", text) for text in problems]
    return findings


def logged_values(table: ResultTable, labels: Labels) -> dict[str, str]:
    """Return {text: key} for each param value a table shows as the logs hold it (no display name)."""
    shown: dict[str, str] = {}
    for keys, entries in ((table.row_keys, table.rows), (table.column_keys, table.columns)):
        for entry in entries:
            for key, value in zip(keys, entry):
                if key not in (METRIC_KEY, AGGREGATE_KEY) and labels.value(key, value) == format_value(value):
                    shown.setdefault(format_value(value), key)
    return shown


def venue_findings(spec: Spec, table_spec: TableSpec) -> list[Finding]:
    """Return what the venue's page cannot take of a LaTeX table: a longtable on a two-column page.
    Where the paper (`[macros] paper`) inputs the table, the column mode there decides; a paper that
    inputs it nowhere we can follow passes when it switches to one column somewhere (an appendix)."""
    venue = spec.venue
    latex = [path for path in table_spec.outputs if path.endswith(".tex")]
    paper = spec.macros.paper if spec.macros is not None else ()
    if venue is None and latex and table_spec.latex.longtable and paper:
        return _paper_longtable_findings(spec, table_spec, paper)
    if venue is None or venue.columns < 2 or not (latex and table_spec.latex.longtable):
        return []
    generated = written_files(spec)
    placements = table_placements(latex, paper, generated) if paper else []
    two_column = [p for p in placements if p.one_column is False]
    if not two_column and placements and all(p.one_column for p in placements):
        return []
    if not two_column and paper and paper_uses(r"\onecolumn", paper, generated):
        return []
    stop = "there" if not two_column else f"at {two_column[0].place()}, which inputs it on a two-column page"
    text = (
        f"longtable = true on the two-column page of venue = {json.dumps(venue.name)}: LaTeX stops {stop}"
        + _LONGTABLE_FIX
    )
    return [Finding(table_spec.name, "", "venue", text)]


_LONGTABLE_FIX = (
    ' ("longtable not in 1-column mode"); set longtable = false and float = "table*" '
    r"(across both columns, a page at most), or \input the table after \onecolumn (an appendix)"
)


def _paper_longtable_findings(spec: Spec, table_spec: TableSpec, paper: Sequence[str]) -> list[Finding]:
    """Say that a longtable goes into a paper whose class sets two columns, no venue given: LaTeX
    stops on it there, as on a two-column venue's page (nothing to say when the paper switches to one
    column somewhere, an appendix)."""
    from resultsbook.outputs.columns import two_column_paper

    generated = written_files(spec)
    two = two_column_paper(paper, generated)
    if two is None or paper_uses(r"\onecolumn", paper, generated):
        return []
    text = (
        f"longtable = true, and the paper is two-column at {two}: LaTeX stops on the table" + _LONGTABLE_FIX
    )
    return [Finding(table_spec.name, "", "venue", text)]


def extra_stats_findings(table_spec: TableSpec) -> list[Finding]:
    """Say that a spec's `stats` naming a centre or spread changes no printed cell: `--stat iqm,bootstrap`
    and the API's `stats=` choose what the cells show, the spec's `stats` adds CSV and JSON columns."""
    from resultsbook.query.stats import CENTERS, SPREADS

    entry = table_spec.entry
    if "center" in entry or "spread" in entry or "tasks" in entry:
        return []
    extra = [str(stat) for stat in entry.get("stats", ())]
    fmt = table_spec.format
    center = next((stat for stat in extra if stat in CENTERS and stat != fmt.center), None)
    spread = next((stat for stat in extra if stat in SPREADS and stat != fmt.spread), None)
    # a centre named with no spread is what --stat mean means: the centre alone
    named_spread = any(stat in SPREADS for stat in extra)
    alone = bool(fmt.spread) and not named_spread and any(stat in CENTERS for stat in extra)
    if center is None and spread is None and not alone:
        return []
    shown = f"{fmt.center} ± {fmt.spread}" if fmt.spread else fmt.center
    settings = [
        *([f'center = "{center}"'] if center else []),
        *([f'spread = "{spread}"'] if spread else ['spread = "none"'] if alone else []),
    ]
    writes = any(path.endswith((".csv", ".json")) for path in table_spec.outputs)
    chosen = ",".join(s for s in (center or fmt.center, spread or (None if alone else fmt.spread)) if s)
    text = (
        f"stats = {json.dumps(extra)} only adds columns to CSV and JSON outputs"
        f"{'' if writes else ' (this table writes none)'}: its cells show {shown}; to show "
        f"{'them' if center and spread else f'{center or fmt.center} alone' if alone else 'it'} instead, "
        f"write {' and '.join(settings)} "
        f'(as --stat {chosen} does in `resultsbook table`), or center = "{fmt.center}" to silence this'
    )
    return [Finding(table_spec.name, "", "lint", text)]


def unwritten_table_findings(spec: Spec, table_spec: TableSpec) -> list[Finding]:
    """Say that a table has no outputs and nothing else of the spec shows it (a figure, the numbers
    file, the report, Markdown sections): build computes it and writes nothing of it."""
    if table_spec.outputs or "outputs" in table_spec.entry or spec.report is not None or spec.sections:
        return []  # `outputs = []`: a table kept for `resultsbook table NAME`, said so
    if (spec.macros is not None and spec.macros.output) or any(
        quoted_table(figure) == table_spec.name for figure in spec.figures.values()
    ):
        return []
    folder = os.path.dirname(os.path.abspath(spec.path))
    latex = [path for table in spec.tables.values() for path in table.outputs if path.endswith(".tex")]
    beside = os.path.relpath(os.path.dirname(latex[0]), folder) if latex else "results"
    output = os.path.join(beside, f"{table_spec.name}.tex").replace(os.sep, "/")
    text = (
        f"has no outputs, so build writes no file of it; add outputs = {json.dumps([output])} "
        f"to [tables.{table_spec.name}]"
    )
    return [Finding(table_spec.name, "", "lint", text)]


def unfloated_label_findings(table_spec: TableSpec) -> list[Finding]:
    """Say that a table's `label` (and `caption`) are in none of its LaTeX outputs: without `float`,
    the .tex is a bare tabular for the paper's own float, and `\ref{tab:main}` would find nothing."""
    latex = [path for path in table_spec.outputs if path.endswith(".tex")]
    options = table_spec.latex
    if not latex or options.label is None or options.float or options.longtable:
        return []
    also = " and its caption are" if table_spec.caption else " is"
    text = (
        f"label = {json.dumps(options.label)}{also} in no .tex it writes: without float, "
        f"{os.path.basename(latex[0])} is a bare tabular for a float of the paper's own; set float = true "
        '(or "table*") to write the float with them, or put \\caption and \\label around its \\input'
    )
    return [Finding(table_spec.name, "", "lint", text)]


def _named_otherwise(metric: str, goal: Goal, goals: Mapping[Any, MetricSpec]) -> bool:
    """Tell whether a table's one goal, set for a metric whose name agrees with it (`test/err` under
    goal = "min"), is another metric's whose name documents the opposite (`acc`): the table's `goal`
    meant for one. Goals that differ between metrics were set each for its own, and are not told."""
    from resultsbook.query.goal import goal_from_name

    metrics = list(goals.values())
    if len({other.direction for other in metrics}) != 1:
        return False
    named = goal_from_name(metric)
    agreeing = any(goal_from_name(other.name) == goal.direction for other in metrics)
    return named is not None and named != goal.direction and agreeing


def _goal_setting(metric: str, goal: str, several: bool) -> str:
    """Return how the spec states one metric's goal: a table's `goal` is every metric's, so a table of
    several metrics states it in the metric's entry."""
    from resultsbook.spec.toml_text import value_text

    setting = f"goal = {value_text(goal)}"
    return f"its entry of metrics as {{ name = {value_text(metric)}, {setting} }}" if several else setting


def _task_highlight_findings(name: str, table: ResultTable, fmt: TableFormat) -> list[Finding]:
    """A bold that compares the tasks of a [normalized] score (the best env of each algo in a tasks x
    algorithms table, highlight = "column" by default) rather than the methods on one task."""
    if fmt.highlight == "none" or table.query.tasks:
        return []
    keys = (*table.row_keys, *table.column_keys)
    varying = {"column": table.row_keys, "row": table.column_keys}.get(fmt.highlight, (fmt.highlight,))
    for metric in table.query.metrics:
        normalization = table.query.normalized.get(metric.name)
        tasks = normalization.task if normalization else ()
        crossed = [key for key in varying if key in tasks]
        if not crossed:
            continue
        others = [key for key in keys if key not in tasks]
        fixed = [key for key in keys if key not in varying]
        contest = f"of each {'/'.join(fixed)}" if fixed else "of the whole table"
        fixes = [f'highlight = "{key}" (the best {key} of each task)' for key in others[:1]]
        if others and set(others) <= set(table.column_keys):
            fixes.insert(0, 'highlight = "row"')
        fix = " or ".join(fixes) if fixes else 'highlight = "none"'
        return [
            Finding(
                name,
                "",
                "lint",
                f'highlight = "{fmt.highlight}" bolds the best {"/".join(varying)} {contest}: its cells '
                "compete across the tasks of "
                f"[normalized.{metric.name}] ({', '.join(tasks)}), comparing tasks, not "
                f"methods; set {fix}",
            )
        ]
    return []


def _tasks_named_highlight_findings(name: str, table: ResultTable, fmt: TableFormat) -> list[Finding]:
    """A bold whose cells compete across keys named as tasks (`env`, `dataset`, `game`): the best env
    of each algo in an env x algo table, as highlight = "column" does by default."""
    from resultsbook.query.task_keys import better_highlight, compared_text, tasks_compared_in

    compared = tasks_compared_in(table, fmt.highlight)
    if compared is None:
        return []
    better, bolds = better_highlight(compared, fmt.highlight)
    fix = f'set highlight = "{better}"' + (f" ({bolds})" if bolds else "")
    return [Finding(name, "", "lint", f'highlight = "{fmt.highlight}" ' + compared_text(compared) + fix)]


def _metric_highlight_findings(name: str, table: ResultTable, fmt: TableFormat) -> list[Finding]:
    """A bold that never shows because the highlight runs across the metrics laid out as rows (or
    columns): each metric is its own contest, so every cell competes alone, silently."""
    from resultsbook.query.model import METRIC_KEY
    from resultsbook.render.layout import comparable_groups

    varying = {"column": table.row_keys, "row": table.column_keys}.get(fmt.highlight, ())
    if METRIC_KEY not in varying or len(table.query.metrics) < 2:
        return []
    groups = comparable_groups(table, fmt.highlight)
    if not groups or any(len(group) > 1 for group in groups):
        return []
    other = "row" if fmt.highlight == "column" else "column"
    keys = table.column_keys if other == "row" else table.row_keys
    best = f" (the best {'/'.join(keys)} of each metric)" if keys else ""
    return [
        Finding(
            name,
            "",
            "lint",
            f'highlight = "{fmt.highlight}" compares the cells of each {fmt.highlight}, and each holds one '
            f"cell of each metric (the metrics are {'rows' if other == 'row' else 'columns'}): no cell has "
            f'another to compete with, so none is bold; set highlight = "{other}"{best}',
        )
    ]


def lint_findings(name: str, table: ResultTable, fmt: TableFormat) -> list[Finding]:
    """Return the statistical lint of a table: goals guessed or missing, best(KEY) directions taken
    from names, bootstrap intervals resting on too few values."""
    from resultsbook.query.goal import metric_goal
    from resultsbook.query.reduce import parse_reduction
    from resultsbook.query.stats import BOOTSTRAPS, SMALL_BOOTSTRAP_N

    findings = (
        _task_highlight_findings(name, table, fmt)
        or _tasks_named_highlight_findings(name, table, fmt)
        or _metric_highlight_findings(name, table, fmt)
    )
    several = len(table.query.metrics) > 1
    goals = {(metric.name, metric.direction): metric for metric in table.query.metrics}  # best and last: once
    for metric in goals.values():
        goal = metric_goal(metric.name, metric.direction)
        if fmt.highlight != "none" and goal.source == "name":
            stated = _goal_setting(metric.name, str(goal.direction), several)
            findings.append(
                Finding(
                    name,
                    "",
                    "lint",
                    f"the goal of {metric.name!r} comes from its name ({goal.words}); "
                    f"state it {'by writing' if several else 'with'} {stated}",
                )
            )
        elif fmt.highlight != "none" and goal.source == "set" and _named_otherwise(metric.name, goal, goals):
            named = "higher" if goal.direction == "min" else "lower"
            end = "lowest" if goal.direction == "min" else "highest"
            findings.append(
                Finding(
                    name,
                    "",
                    "lint",
                    f'goal = "{goal.direction}" bolds the {end} {metric.name!r}, whose name says {named} is '
                    f"better; where that is not meant, write "
                    + _goal_setting(metric.name, "max" if goal.direction == "min" else "min", several),
                )
            )
        elif fmt.highlight != "none" and goal.source == "unknown":
            findings.append(
                Finding(
                    name,
                    "",
                    "lint",
                    f"{metric.name!r} has no goal, so no cell of it is bold; "
                    + (
                        f'write {_goal_setting(metric.name, "max", several)} (or "min")'
                        if several
                        else 'set goal = "max" or "min"'
                    ),
                )
            )
        reduction = parse_reduction(metric.reduce)
        if reduction.kind == "best" and reduction.direction_source == "name":
            findings.append(
                Finding(
                    name,
                    "",
                    "lint",
                    f"reduce = {metric.reduce!r} takes {reduction.other!r} as "
                    f"{'higher' if reduction.direction == 'max' else 'lower'}-is-better from its name; "
                    f"write {reduction.text}",
                )
            )
    bootstrapped = fmt.spread in BOOTSTRAPS or (table.query.tasks and fmt.spread is not None)
    small = sorted({int(c.stats["n"]) for c in table.cells.values() if 1 < c.stats["n"] < SMALL_BOOTSTRAP_N})
    if bootstrapped and small:
        findings.append(
            Finding(
                name,
                "",
                "lint",
                f"bootstrap intervals rest on fewer than {SMALL_BOOTSTRAP_N} values "
                f"(n = {', '.join(map(str, small))}); "
                "for normal data a 95% percentile interval covers about 75% at n = 3, 84% at n = 5, 91% at "
                "n = 10 (benchmarks/bench_statistics.py): add seeds, or show each seed's value",
            )
        )
    return findings


def lock_entry(spec: Spec, result: EntryResult) -> LockEntry:
    """Return what the lock records of an entry: paths relative to the lock file."""
    folder = os.path.dirname(spec.lock)
    outputs = {
        os.path.relpath(path, folder).replace(os.sep, "/"): bytes_digest(data)
        for path, data in result.outputs.items()
    }
    return LockEntry(result.inputs, result.values, outputs, result.parts)


def _files_as_locked(spec: Spec, entry: LockEntry | None) -> bool:
    """Tell whether an entry's files are exactly what the lock says build wrote."""
    if entry is None:
        return False
    folder = os.path.dirname(spec.lock)
    return all(file_digest(os.path.join(folder, path)) == digest for path, digest in entry.outputs.items())
