"""Is every output of the spec what the results say? Recompute in memory, compare with the files
and the lock, and say what changed cell by cell.

    current   the file holds exactly what build would write now
    stale     the file is what build last wrote, but the results (or the spec) changed since: the
              detail says which (results, which settings, a template; see reasons.py)
    edited    the file differs from what build wrote: someone edited it by hand
    missing   the file does not exist

An entry that cannot be computed (no run matches it yet, a metric no run logs) is listed in `failed`
by name, with what quotes it, and check fails: nothing about it can be said to be current.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from resultsbook.atomic import reading_whole
from resultsbook.freshness.reasons import stale_reason
from resultsbook.outputs.build import (
    Computed,
    Finding,
    compute_outputs,
    entry_outputs,
    quoted_table,
    written_files,
)
from resultsbook.outputs.columns import missing_inputs, orphaned_inputs
from resultsbook.outputs.failures import EntryFailure
from resultsbook.outputs.lock import (
    RETIRED,
    LockEntry,
    bytes_digest,
    file_digest,
    file_state,
    read_lock,
    refuse_special_files,
    retired_commands,
)
from resultsbook.outputs.quotes import Quote, QuoteProblem, check_paper
from resultsbook.params import cut_where_they_differ
from resultsbook.render.data import csv_column
from resultsbook.render.escape import as_written
from resultsbook.render.macros import cell_texts, plain_number_text
from resultsbook.sources.collect import Uncollected, uncollected
from resultsbook.spec import FigureSpec, Spec
from resultsbook.store import Store

CHECK_FORMAT = "resultsbook.check"
CHECK_VERSION = 1
UNSHOWN = {  # why a curve or bar whose text reads as it did is listed: its numbers' digest moved
    "curve": "an earlier point moved, or a digit not shown",
    "bar": "a digit not shown moved",
}


@dataclass(frozen=True)
class CellChange:
    """How one cell's shown value changed since the last build."""

    cell: str
    old: str | None  # None: the cell is new
    new: str | None  # None: the cell is gone
    runs_added: int = 0
    runs_removed: int = 0
    quoted_at: tuple[str, ...] = ()  # where the paper quotes it (`file:line`), for the numbers file
    kind: str = "cell"  # what it is to a reader: a table's cell, a figure's curve or bar
    added: tuple[str, ...] = ()  # the runs added, by name (by run id until `named_runs` names them)
    removed: tuple[str, ...] = ()  # the runs removed, likewise
    # runs in the cell before and after that ran other code now: (run, commit before, commit now),
    # the run by id until `named_runs` names it; a commit is 10 digits, `*` when from a dirty tree
    recoded: tuple[tuple[str, str, str], ...] = ()
    looks_only: bool = False  # only its marks or bold changed: nothing a figure of the table shows

    def describe(self) -> str:
        """Say it as a reader would: `MLP / Moons: 90.0 ± 4.5 → 90.6 ± 3.9, 1 run added`."""
        cell = f"{self.cell} ({', '.join(self.quoted_at)})" if self.quoted_at else self.cell
        if self.old is None:
            text = f"{cell}: new {self.kind} {self.new}"
        elif self.new is None:
            text = f"{cell}: {self.kind} removed (was {self.old})"
        else:
            text = f"{cell}: {self.old} → {self.new}"
        counts = [
            runs_text(count, verb, names)
            for count, verb, names in (
                (self.runs_added, "added", self.added),
                (self.runs_removed, "removed", self.removed),
            )
            if count
        ]
        if self.recoded:
            counts.append(recoded_text(self.recoded))
        return ", ".join([text, *counts])


def recoded_text(recoded: Sequence[tuple[str, str, str]]) -> str:
    """Say which runs were re-run from other code, naming a few: `1 run re-run from other code
    (mlp_s1: 7e6b70c881 → dc7b59c243*)`."""
    shown = [f"{run}: {old or 'no commit'} → {new or 'no commit'}" for run, old, new in recoded]
    more = f" and {len(shown) - RUNS_NAMED} more" if len(shown) > RUNS_NAMED else ""
    runs = f"{len(shown)} run{'s' if len(shown) > 1 else ''}"
    return f"{runs} re-run from other code ({', '.join(shown[:RUNS_NAMED])}{more})"


RUNS_NAMED = 3  # runs named per change; the rest are counted


def runs_text(count: int, verb: str, names: Sequence[str] = ()) -> str:
    """Say how many runs were added or removed, naming a few: `2 runs added (mlp_s3, mlp_s4)`."""
    text = f"{count} run{'s' if count > 1 else ''} {verb}"
    if not names:
        return text
    more = f" and {len(names) - RUNS_NAMED} more" if len(names) > RUNS_NAMED else ""
    return f"{text} ({', '.join(names[:RUNS_NAMED])}{more})"


def run_names(store: Store, run_ids: Iterable[str]) -> dict[str, str]:
    """Return {run id: name} of some runs, those the store no longer finds among them (one read of
    every run's id and name, when there are any); a name other runs share (W&B's display name of a
    whole sweep) gives way to the run's source, which tells it apart."""
    from resultsbook.query.marks import told_apart

    wanted = set(run_ids)
    if not wanted:
        return {}
    rows = store.run_rows(include_missing=True, fields=("run_id", "name", "source"))
    if not rows:  # every run forgotten since: they keep their ids
        return {}
    ids, names, sources = zip(*rows)
    return {run_id: label for run_id, label in zip(ids, told_apart(names, sources)) if run_id in wanted}


def named_runs(changes: Sequence[CellChange], names: Mapping[str, str]) -> tuple[CellChange, ...]:
    """Return changes with their added and removed runs named (a run the store lost keeps its id), sorted."""

    def named(ids: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(names.get(run_id, run_id) for run_id in ids))

    def renamed(recoded: tuple[tuple[str, str, str], ...]) -> tuple[tuple[str, str, str], ...]:
        return tuple(sorted((names.get(run_id, run_id), before, now) for run_id, before, now in recoded))

    return tuple(
        replace(c, added=named(c.added), removed=named(c.removed), recoded=renamed(c.recoded))
        for c in changes
    )


@dataclass(frozen=True)
class OutputState:
    """The state of one output file."""

    path: str
    entry: str
    state: str
    changes: tuple[CellChange, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class CheckReport:
    """Every output's state, the entries that could not be computed and the statistical findings;
    `ok` is what CI wants to know."""

    outputs: tuple[OutputState, ...]
    findings: tuple[Finding, ...]
    strict: bool = False
    failed: tuple[EntryFailure, ...] = ()
    quotes: tuple[QuoteProblem, ...] = ()  # what the paper quotes that the numbers file lacks
    uncollected: Uncollected = field(default_factory=Uncollected)  # run sources the store does not hold

    @property
    def ok(self) -> bool:
        """Tell whether everything is current (and, when strict, free of findings): the outputs, and
        the store as the spec's sources are."""
        current = all(output.state == "current" for output in self.outputs) and not self.failed
        logs = self.uncollected
        current = current and not self.quotes and not logs.new and not logs.gone and not logs.unmatched
        return current and not (self.strict and self.findings)

    def document(self) -> dict[str, Any]:
        """Return the versioned JSON envelope of `check --json`."""
        return {
            "format": CHECK_FORMAT,
            "version": CHECK_VERSION,
            "ok": self.ok,
            "strict": self.strict,
            "outputs": [
                {
                    "path": output.path,
                    "entry": output.entry,
                    "state": output.state,
                    "detail": output.detail,
                    "changes": [
                        {
                            "cell": change.cell,
                            "old": change.old,
                            "new": change.new,
                            "runs_added": change.runs_added,
                            "runs_removed": change.runs_removed,
                            "added": list(change.added),
                            "removed": list(change.removed),
                            "recoded": [
                                {"run": run, "old": before or None, "new": now or None}
                                for run, before, now in change.recoded
                            ],
                            "quoted_at": list(change.quoted_at),
                        }
                        for change in output.changes
                    ],
                }
                for output in self.outputs
            ],
            "failed": [failure.document() for failure in self.failed],
            "quotes": [
                {"place": quote.place, "message": quote.message, "kind": quote.kind} for quote in self.quotes
            ],
            "findings": [
                {"entry": f.entry, "cell": f.cell, "kind": f.kind, "text": f.text} for f in self.findings
            ],
            "uncollected": {
                "new": list(self.uncollected.new),
                "gone": list(self.uncollected.gone),
                "unmatched": list(self.uncollected.unmatched),
            },
        }


def check(spec: Spec, store: Store, strict: bool = False, collected: bool = False) -> CheckReport:
    """Compare every output with what build would write now and with what the lock recorded; unless
    the spec's sources were just `collected`, also look for run sources the store does not hold yet."""
    refuse_special_files(written_files(spec))
    seen = file_state(spec.lock)  # before the read: a lock written after it differs from this
    lock = read_lock(spec.lock)
    # looked for first: what it holds of the logs' tree is let go before the tables are computed
    missing = Uncollected() if collected else uncollected(store, spec.sources)
    computed = compute_outputs(spec, store, built=set(lock))
    # a build beside this check (a watch) writes its files, then its lock, in its turn: they are read
    # outside any turn, and against the lock it wrote while this check computed, so its files are no edit
    with reading_whole(os.path.dirname(os.path.abspath(spec.lock))):
        if file_state(spec.lock) != seen:
            lock = read_lock(spec.lock)
        quotes, quote_problems = _paper_quotes(spec, computed, lock)
        states, findings = _output_states(spec, computed, lock, quotes)
    changed_runs = (
        run
        for state in states
        for c in state.changes
        for run in (*c.added, *c.removed, *(recoded[0] for recoded in c.recoded))
    )
    names = run_names(store, changed_runs)
    states = [replace(state, changes=named_runs(state.changes, names)) for state in states]
    return CheckReport(
        tuple(states), tuple(findings), strict, tuple(computed.failed), tuple(quote_problems), missing
    )


def _paper_quotes(
    spec: Spec, computed: Computed, lock: Mapping[str, LockEntry]
) -> tuple[list[Quote] | None, list[QuoteProblem]]:
    """Return what the paper quotes (None when the spec names no paper) and what it quotes wrong."""
    paper = spec.macros.paper if spec.macros is not None else ()
    if spec.macros is None or not paper:
        return None, []
    folder = os.path.dirname(spec.lock)
    quotes, quote_problems = check_paper(
        paper, computed.outputs(), spec.macros.output, retired_commands(lock)
    )
    retired = (
        {os.path.join(folder, path): digest for path, digest in lock[RETIRED].outputs.items()}
        if RETIRED in lock
        else {}
    )
    quote_problems += orphaned_inputs(paper, written_files(spec), entry_outputs(spec), retired)
    quote_problems += missing_inputs(paper, [path for path in written_files(spec) if path != spec.lock])
    return quotes, quote_problems


def _output_states(
    spec: Spec, computed: Computed, lock: Mapping[str, LockEntry], quotes: list[Quote] | None
) -> tuple[list[OutputState], list[Finding]]:
    """Judge every computed output's file against what build would write and what the lock recorded;
    `quotes`: what the paper quotes (None: no paper)."""
    folder = os.path.dirname(spec.lock)
    states: list[OutputState] = []
    findings: list[Finding] = []
    table_changes: dict[str, tuple[CellChange, ...]] = {}
    for result in computed.results:
        findings += result.findings
        locked = lock.get(result.name)
        if result.name.startswith("figures."):
            figure = spec.figures[result.name.partition(".")[2]]
            changes = figure_changes(figure, locked, result.values, table_changes)
        else:
            changes = table_changes[result.name] = diff_values(locked.values if locked else {}, result.values)
        for path, data in result.outputs.items():
            relative = os.path.relpath(path, folder).replace(os.sep, "/")
            locked_digest = locked.outputs.get(relative) if locked else None
            reason = stale_reason(locked.parts, result.parts) if locked else None
            state = output_state(path, result.name, data, locked_digest, changes, reason)
            redrawn = (
                result.name.startswith("figures.") and locked is not None and locked.inputs == result.inputs
            )
            if state.state == "stale" and redrawn:  # same data, drawn by another matplotlib version
                state = OutputState(path, result.name, "current")
            if state.state == "stale" and not state.changes and path.endswith(".csv"):
                table_spec = spec.tables.get(result.name.partition(".")[2])
                if table_spec is not None:  # below the printed digits: the unrounded numbers moved
                    query = table_spec.query  # the key columns come before the first statistic's
                    stat = "value" if query.tasks else query.stats[0]
                    first = csv_column(stat, (*query.rows, *query.columns))
                    state = replace(state, changes=csv_changes(path, data, table_spec.name, first))
            if state.state == "stale" and result.name == "macros":
                changes = quoted_cell_changes(path, data, quotes)
                state = replace(state, changes=state.changes + changes)
                if quotes is not None and not state.changes:  # what moved is quoted nowhere: reads as it did
                    state = replace(state, detail=f"{state.detail}; no value the paper quotes changed")
            states.append(state)
    return states, findings


def output_state(
    path: str,
    entry: str,
    expected: bytes,
    locked_digest: str | None,
    changes: tuple[CellChange, ...],
    reason: str | None = None,
) -> OutputState:
    """Decide whether one file is current, stale, edited or missing; `reason` says why a stale one
    is (see reasons.py), when the lock recorded enough to tell."""
    actual = file_digest(path)
    if actual is None:
        return OutputState(path, entry, "missing", changes, "run `resultsbook build`")
    if actual == bytes_digest(expected):
        return OutputState(path, entry, "current")
    if locked_digest is None:
        return OutputState(path, entry, "stale", changes, "not in the lock: run `resultsbook build`")
    if actual == locked_digest:
        if reason is None and entry.startswith("tables.") and not changes:
            reason = "the spec, a template or resultsbook changed"
        return OutputState(path, entry, "stale", changes, reason or "its data or settings changed")
    return OutputState(path, entry, "edited", changes, _first_difference(path, expected))


def quoted_cell_changes(
    path: str, expected: bytes, quotes: Sequence[Quote] | None = None
) -> tuple[CellChange, ...]:
    """Return the table cells whose `\\rbvalue` changed between the numbers file last built (at
    `path`) and the one build would write now; with the paper's `quotes`, only those it quotes, each
    named with where."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        old = cell_texts(handle.read())
    new = cell_texts(expected.decode("utf-8", errors="replace"))
    places: dict[str, list[str]] = {}
    for quote in quotes or ():
        places.setdefault(quote.key, []).append(quote.place())
    changes = []
    for key in [*new, *(key for key in old if key not in new)]:
        before, after = old.get(key), new.get(key)
        if quotes is not None and key not in places:
            continue
        if before != after:
            counted = (before or {}).get("n") != (after or {}).get("n")  # say n where it moved
            old_text, new_text = (_shown_cell(stats, counted) if stats else None for stats in (before, after))
            quoted = tuple(dict.fromkeys(places.get(key, ())))  # `[pm]` and `[n]` of it on one line: once
            changes.append(CellChange(f"\\rbvalue{{{key}}}", old_text, new_text, quoted_at=quoted))
    return tuple(changes)


def _shown_cell(stats: Mapping[str, str], counted: bool) -> str:
    """Return a cell as a reader of the numbers file sees it: centre ± spread (and its n, if
    `counted`)."""
    text = plain_number_text(stats.get("pm", stats.get("value", "")))
    return f"{text} (n = {stats['n']})" if counted and "n" in stats else text


def figure_changes(
    figure: FigureSpec,
    locked: LockEntry | None,
    values: Mapping[str, Mapping[str, Any]],
    table_changes: Mapping[str, tuple[CellChange, ...]],
) -> tuple[CellChange, ...]:
    """Return what moved in a figure: the cells of the spec table it draws (listed by that table's
    entry), or its own curves' last points and bars; nothing when the lock recorded none (a lock
    written before figures recorded what they plot)."""
    table = quoted_table(figure)
    if table is not None:  # a figure shows no marks nor bold: a cell whose look alone changed is none
        return tuple(change for change in table_changes.get(f"tables.{table}", ()) if not change.looks_only)
    if locked is None or not locked.values:
        return ()
    if figure.cells is not None:
        return diff_values(locked.values, values, "bar")
    return diff_values(locked.values, values, "curve", figure.curve.x if figure.curve is not None else "")


def diff_values(
    old: Mapping[str, Mapping[str, Any]],
    new: Mapping[str, Mapping[str, Any]],
    kind: str = "cell",
    x: str = "",
) -> tuple[CellChange, ...]:
    """Return the cells (or a figure's curves or bars: `kind`) whose shown value or runs changed, in
    table order; for a figure's, or where no run ids were recorded, the n (and where a curve ends,
    along `x`) is said where it moved."""
    changes = []
    for cell in [*new, *(c for c in old if c not in new)]:
        before, after = old.get(cell), new.get(cell)
        recoded = recoded_runs(before, after)
        for key in ("code", "runs", "marks"):  # a lock written before a figure's runs, any code or
            if before and after and (key in before) != (key in after):  # the cells' marks were kept
                unkept = ("marks", "emphasis") if key == "marks" else (key,)
                before, after = ({k: v for k, v in s.items() if k not in unkept} for s in (before, after))
        if before == after:
            continue
        old_runs = set(before.get("runs", ())) if before else set()
        new_runs = set(after.get("runs", ())) if after else set()
        texts = [stats["value"] if stats else None for stats in (before, after)]
        if before and after and _looks(before) != _looks(after):
            texts = [marked_text(stats, before, after) for stats in (before, after)]
        if before and after and ("runs" not in before or kind != "cell"):
            texts = [_with_moved(stats, before, after, kind, x) for stats in (before, after)]
        added = tuple(sorted(new_runs - old_runs)) if before else ()
        removed = tuple(sorted(old_runs - new_runs)) if after else ()
        counts = (len(added), len(removed))
        looks_only = (
            before is not None and after is not None and _without_looks(before) == _without_looks(after)
        )
        change = CellChange(cell, texts[0], texts[1], *counts, kind=kind, added=added, removed=removed)
        changes.append(replace(change, recoded=recoded, looks_only=looks_only))
    return tuple(changes)


_EMPHASIS_WORDS = {"best": "in bold", "second": "as runner-up"}


def _without_looks(stats: Mapping[str, Any]) -> dict[str, Any]:
    """Return what the lock keeps of a cell but its marks and emphasis."""
    return {key: value for key, value in stats.items() if key not in ("marks", "emphasis")}


def _looks(stats: Mapping[str, Any]) -> tuple[str, str]:
    """Return a cell's marks and emphasis as the lock kept them (none for a lock that kept neither)."""
    return stats.get("marks", ""), stats.get("emphasis", "")


def marked_text(stats: Mapping[str, Any], before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """Return a cell's shown value with its marks and its emphasis, each where it changed:
    `90.0 ± 4.5‡ (in bold)`, `90.0 ± 4.5 (not in bold)`."""
    (marks, emphasis), (old_marks, was), (new_marks, now) = map(_looks, (stats, before, after))
    text = stats["value"] + (marks if old_marks != new_marks else "")
    if was == now:
        return text
    said = _EMPHASIS_WORDS.get(emphasis or was or now, "emphasised")
    return f"{text} ({said if emphasis else 'not ' + said})"


def recoded_runs(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[tuple[str, str, str], ...]:
    """Return the runs of a cell before and after whose code (the commit the lock keeps of each)
    differs: a run re-run in place from other code keeps its id, and only its commit tells."""
    if not before or not after or "code" not in before or "code" not in after:
        return ()
    old = dict(zip(before.get("runs", ()), before["code"]))
    new = dict(zip(after.get("runs", ()), after["code"]))
    return tuple(
        (run, old[run], new[run])
        for run in sorted(old.keys() & new.keys())
        if not _same_code(old[run], new[run])
    )


def _same_code(old: str, new: str) -> bool:
    """Tell whether two codes of a run in the lock are one: a lock written before the diff's digest
    was kept (`5df37f6953*`) says nothing of the diff, so a dirty run on its commit is the same code."""
    if old == new or "*" not in old or "*" not in new:
        return old == new
    return (old.endswith("*") or new.endswith("*")) and old.partition("*")[0] == new.partition("*")[0]


def _with_moved(
    stats: Mapping[str, Any], before: Mapping[str, Any], after: Mapping[str, Any], kind: str, x: str
) -> str:
    """Return a shown value with its n and where its curve ends, each only where it moved:
    `0.286 ± 0.080 (n = 4, ends at step 300)`; a curve or bar that reads as it did though its
    numbers moved says so where it is shown now."""
    said = [
        text.format(stats[key])
        for key, text in (("n", "n = {}"), ("x", f"ends at {x} {{}}" if x else "ends at {}"))
        if key in stats and before.get(key) != after.get(key)
    ]
    shown = [{k: v for k, v in s.items() if k not in ("points", "runs", "code")} for s in (before, after)]
    if stats is after and shown[0] == shown[1] and kind in UNSHOWN:  # only its numbers' digest differs
        said.append(UNSHOWN[kind])
    return f"{stats['value']} ({', '.join(said)})" if said else str(stats["value"])


def csv_changes(path: str, data: bytes, table: str, first: str) -> tuple[CellChange, ...]:
    """Return the cells of a table's CSV whose numbers differ from what build writes now, each named by
    its table and key columns (those before the `first` statistic's: the rows', the columns', a metric's)
    and showing the columns that moved: a change below the printed digits moves only the CSV's
    unrounded numbers, and no cell the lock recorded."""
    import csv
    import io

    try:
        with open(path, encoding="utf-8", newline="") as handle:
            have = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return ()
    want = list(csv.reader(io.StringIO(data.decode("utf-8", errors="replace"), newline="")))
    if not have or not want or have[0] != want[0] or first not in want[0]:
        return ()
    header = want[0]
    keys = header.index(first)
    before = {tuple(row[:keys]): row for row in have[1:]}
    changes = []
    for row in want[1:]:
        old = before.get(tuple(row[:keys]))
        if old is None or old == row:
            continue
        moved = [i for i in range(keys, min(len(row), len(old), len(header))) if row[i] != old[i]]
        cell = "/".join([table, *row[:keys]])
        texts = [", ".join(f"{header[i]} {values[i]}" for i in moved) for values in (old, row)]
        changes.append(CellChange(cell, texts[0], texts[1]))
    return tuple(changes)


def _first_difference(path: str, data: bytes) -> str:
    """Return the first line where the file differs from what build would write."""
    with open(path, "rb") as handle:
        actual = handle.read().decode("utf-8", errors="replace")
    expected = data.decode("utf-8", errors="replace")
    if "\0" in expected or "\0" in actual:
        return "its bytes differ from what build writes"
    have_lines, want_lines = actual.splitlines(), expected.splitlines()
    for number, (have, want) in enumerate(zip(have_lines, want_lines), start=1):
        if have != want:
            have, want = cut_where_they_differ(have.strip(), want.strip(), 60)
            return f"line {number} is {as_written(have)}, build writes {as_written(want)}"
    shared = min(len(have_lines), len(want_lines))
    if len(have_lines) > shared:
        extra = as_written(have_lines[shared].strip()[:60])
        return f"line {shared + 1} is {extra}, build writes no line there"
    if len(want_lines) > shared:
        more = len(want_lines) - shared
        next_line = as_written(want_lines[shared].strip()[:60])
        return f"it ends at line {shared}, build writes {more} more from {next_line}"
    if "\r\n" in actual and "\r\n" not in expected:  # git's core.autocrlf, an editor on Windows
        return "its lines end in CRLF (\\r\\n); build writes LF (\\n)"
    if expected.endswith("\n") and not actual.endswith("\n"):
        return "its last line has no newline; build writes one"
    return "its line endings differ from what build writes"
