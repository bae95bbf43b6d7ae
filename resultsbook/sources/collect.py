"""Collect log folders into the store: find sources and skip unchanged ones (planning.py), read the
rest and write them in short transactions, so that any number of collectors can share one store.

>>> from resultsbook.sources.collect import CollectRequest, collect
>>> report = collect(store, [CollectRequest("runs/")])        # doctest: +SKIP
>>> report.summary_line()                                      # doctest: +SKIP
'20 new, 0 updated, 0 unchanged, 0 problems'

Each source is written whole or not at all, in batches of a few hundred sources (or half a second
of reading): an interrupted collect keeps the sources it wrote, and no run is ever half-written.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import groupby
from typing import TYPE_CHECKING, Any, Protocol

from resultsbook.adapters import Adapter, claim_pattern
from resultsbook.errors import ServerGoneError, StoppedAnswering
from resultsbook.models import CollectReport, Problem, ReadResult, RunRecord, Source
from resultsbook.params import format_value, values_equal
from resultsbook.sources import fs
from resultsbook.sources.find import (
    CollectRequest,
    find_sources,
    find_sources_near,
    make_adapters,
    path_under,
)
from resultsbook.sources.gcpause import cycle_collector_paused
from resultsbook.sources.limits import check_environment
from resultsbook.sources.planning import (
    Planned,
    plan_collect,
    reading_digest,
    served_sources,
    signature_of,
)
from resultsbook.sources.validate import checked_result, storable_text
from resultsbook.store import Store
from resultsbook.voice import of_spec_entry, option

if TYPE_CHECKING:
    from resultsbook.sources.derive import Derivation
    from resultsbook.store.writer import EncodedRun, StoreWriter

__all__ = [
    "CollectRequest",
    "collect",
    "find_sources",
    "find_sources_near",
    "make_adapters",
    "read_source",
    "reading_digest",
    "served_sources",
    "signature_of",
]

# a write transaction holds at most this much: other collectors wait for it, readers never do
BATCH_SOURCES = 200
BATCH_POINTS = 200_000
BATCH_SECONDS = 0.5
_KEPT = "the runs stored from it before, as they were (the next collect reads it again)"
_NOT_YET = "no run of it yet (the next collect reads it again)"
# a new source read in part is stored so (its signature marked), one read not at all with its problems
# alone: no collect finds either unchanged, so each is read again until it reads whole
UNREAD_MARK = "+unread"
UNREAD_SIGNATURE = "unread"
REMOTE_READERS = 16  # sources read at once from a remote root: the time goes in round trips


class Progress(Protocol):
    """What collect tells a progress display."""

    def start(self, total: int) -> None: ...

    def advance(self) -> None: ...


def collect(
    store: Store,
    requests: Sequence[CollectRequest],
    progress: Progress | None = None,
    changed: Sequence[str] | None = None,
) -> CollectReport:
    """Collect every request into `store`; unchanged sources cost a stat, the rest is read and written
    in short transactions.

    With `changed` (paths reported by a file watcher), only the sources those paths belong to are
    looked at: a change in one run costs one read, whatever the size of the tree."""
    check_environment()
    version = store.data_version()  # unchanged at the end: no other collector wrote meanwhile
    with cycle_collector_paused():
        stored = store.source_signatures()
    found = plan_collect(store, requests, stored, changed)
    plan, problems = found.sources, found.problems
    gone = found.gone(store, stored)
    moves = _moved_sources(store, plan, stored, found.seen)
    gone = [path for path in gone if path not in moves.values()]
    totals, written, vanished, read_notes = _read_and_write(store, plan, stored, moves, problems, progress)
    gone += [path for path in vanished if path in stored]
    if gone:
        totals["missing"] += store.write(lambda writer: writer.mark_sources_missing(gone))
    if found.listings is not None and found.listings.taken:
        store.remember_folder_listings(found.listings.taken)
    if (
        found.unchanged
        and len(found.unchanged) == len(stored)
        and not plan
        and store.data_version() == version
    ):
        unchanged_runs = store.present_source_run_count()  # the usual re-collect: count them at once
    else:
        runs_per_source = store.run_counts_by_source() if found.unchanged else {}
        unchanged_runs = sum(runs_per_source.get(path, 0) for path in found.unchanged)
    # the unchanged sources were not read again: their problems stand, and are not in this count
    standing = max(0, store.problem_count() - len(problems)) if found.unchanged else 0
    return CollectReport(
        new=totals["new"],
        updated=totals["updated"],
        unchanged=totals["unchanged"] + unchanged_runs,
        missing=totals["missing"],
        sources_read=written,
        sources_skipped=len(found.unchanged),
        changed_sources=tuple(sorted({item.stored_path for item in plan} | set(gone))),
        problems=tuple(problems),
        notes=(*found.notes, *read_notes),
        standing_problems=standing,
    )


@dataclass(frozen=True)
class Uncollected:
    """What the logs hold that the store does not say: sources never collected, stored ones gone."""

    new: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()
    # what a spec source that found no run while the store holds runs from its folder says (a pattern
    # mistyped since they were collected): those runs are no longer what its logs hold
    unmatched: tuple[str, ...] = ()


def uncollected(store: Store, requests: Sequence[CollectRequest]) -> Uncollected:
    """Return the sources of local requests that the store does not hold, and the stored ones gone
    from them, by a walk alone (nothing read or written). A source changed in place is not looked
    for: its file times differ in every clone of a repository, its content only a read would tell."""
    local = [r for r in requests if not fs.is_remote(r.path) and served_sources(r) is None]
    stored = store.source_signatures()
    absent = tuple(
        _mistyped_path_note(store, request.path, stored)
        for request in local
        if not os.path.exists(request.path)
    )
    absent = tuple(note for note in absent if note)
    local = [request for request in local if os.path.exists(request.path)]
    if not local:
        return Uncollected(unmatched=absent)
    found = plan_collect(store, local, stored, snapshots=False)
    new = tuple(item.stored_path for item in found.sources if item.stored_path not in stored)
    unmatched = tuple(
        f"{note}; the store's runs from there are those an earlier collect found"
        for root, note in zip(found.unsure, found.nothing_found)
        if any(path_under(path, root) for path in stored)
    )
    return Uncollected(new, tuple(found.gone(store, stored)), absent + unmatched)


def _mistyped_path_note(store: Store, path: str, stored: Mapping[str, object]) -> str:
    """Say that a spec's source path does not exist beside a folder of a name close to it whose runs the
    store holds (`runz` beside `runs`): the outputs then show those runs, as no source finds them now.
    Empty for a path with no such folder beside it: a clone that commits the store, not the logs (CI)."""
    from resultsbook.errors import closest

    parent, name = os.path.split(os.path.normpath(path))
    try:
        folders = [entry.name for entry in os.scandir(parent or ".") if entry.is_dir()]
    except OSError:
        return ""
    guess = closest(name, folders) if name else None
    if guess is None:
        return ""
    root = storable_text(store.relative(os.path.join(parent, guess)))
    if not any(path_under(source, root) for source in stored):
        return ""
    return (
        f"[[sources]] path {os.path.relpath(path)} does not exist, so the outputs show the runs an earlier "
        f"collect found under {os.path.relpath(os.path.join(parent, guess))}; did you mean that folder?"
    )


def _read_and_write(
    store: Store,
    plan: Sequence[Planned],
    stored: Mapping[str, tuple[str, str]],
    moves: Mapping[str, str],
    problems: list[Problem],
    progress: Progress | None,
) -> tuple[Counter[str], int, list[str], tuple[str, ...]]:
    """Read the planned sources (in worker processes when worth it) and write them in batches;
    return the run counts, how many sources were written, the sources that vanished meanwhile, and
    the notes on what was read (runs without params, tables holding a column per seed).

    A stored source with a file that could not be read at all (a permission, an I/O error, a FIFO in
    its place, object storage that did not answer) keeps the runs the store holds, and its signature:
    the next collect reads it again. A new one is stored as read, or with its problems alone when no
    file of it could be read, and read again too."""
    totals: Counter[str] = Counter()
    if not plan:
        return totals, 0, [], ()
    # here: an unchanged re-collect reads nothing, and its 0.17 s is mostly start-up
    from resultsbook.sources.bare import BareRuns
    from resultsbook.sources.clock_running import ClockRunning
    from resultsbook.sources.parallel import Stalled
    from resultsbook.sources.seed_columns import SeedColumns
    from resultsbook.sources.unsaid_levels import UnsaidLevels

    bare, seeds, levels, clock = BareRuns(), SeedColumns(), UnsaidLevels(), ClockRunning()
    vanished: list[str] = []
    batch: list[tuple[Planned, ReadResult, Sequence[EncodedRun] | None, bool, str]] = []
    written = 0
    points = 0
    opened = time.monotonic()

    def write_batch() -> None:
        def work(writer: StoreWriter) -> list[Mapping[str, int]]:
            writer.expect((item.stored_path, [run.key for run in result.runs]) for item, result, *_ in batch)
            return [
                writer.write_source(
                    _storable_source(item.source),
                    signature,
                    result.runs,
                    result.problems,
                    moves.get(item.stored_path),
                    encoded,
                    item.stored_path,  # as the collect named it: the writer does not work it out again
                    keep_stored=keep,
                )
                for item, result, encoded, keep, signature in batch
            ]

        for counts in store.write(work):  # a writer may fill a source's counts only when it commits
            totals.update(counts)
        for _, result, *_ in batch:
            problems.extend(result.problems)
        batch.clear()

    if progress is not None:
        progress.start(len(plan))
    try:
        for item, (result, encoded, there) in zip(plan, _read_and_encode(plan)):
            if progress is not None:
                progress.advance()
            if not there:  # deleted while we read: gone, not a run without data
                vanished.append(item.stored_path)
                continue
            if not batch:
                opened = time.monotonic()
            held = stored.get(item.stored_path, ("", ""))[1] != UNREAD_SIGNATURE  # it has runs to keep
            keep = (item.stored_path in stored or item.stored_path in moves) and held and _unread(result)
            signature = item.signature
            if keep:
                result = ReadResult((), tuple(replace(problem, kept=_KEPT) for problem in result.problems))
                encoded = None
            elif _unread(
                result
            ):  # new, and not read whole (a permission, storage down): read again next time
                signature = item.signature + UNREAD_MARK
                if result.runs and _read_nothing(item.source, result):  # every file failed: no empty run
                    result = ReadResult(
                        (), tuple(replace(problem, kept=_NOT_YET) for problem in result.problems)
                    )
                    encoded, signature = None, UNREAD_SIGNATURE
            batch.append((item, result, encoded, keep, signature))
            # a tracking server's run (no files) sits in no folder: its `experiment` sets it apart
            if result.runs and item.source.files:
                if not any(run.params for run in result.runs):
                    bare.add(
                        item.adapter.name, item.tail, item.source.files, claim_pattern(item.adapter.name)
                    )
                else:
                    levels.add(
                        item.adapter.name, item.tail, _pattern_file(item), [run.params for run in result.runs]
                    )
            if item.adapter.keeps_clock():
                clock.add(
                    item.adapter.name, item.source.files, sum(run.status == "running" for run in result.runs)
                )
            if len(result.runs) == 1 and seeds.reads(item.adapter.name):
                seeds.add(item.tail, _metric_names(result, encoded))
            written += 1
            points += _size(result, encoded)
            if (
                len(batch) >= BATCH_SOURCES
                or points >= BATCH_POINTS
                or time.monotonic() - opened > BATCH_SECONDS
            ):
                write_batch()
                points = 0
    except Stalled as stalled:  # what was read is stored whole; the rest waits for the next collect
        if batch:
            write_batch()
        raise StoppedAnswering(_stopped_answering(str(stalled), written, len(plan))) from None
    if batch:
        write_batch()
    return totals, written, vanished, (*bare.notes(), *seeds.notes(), *levels.notes(), *clock.notes())


def _stopped_answering(root: str, read: int, planned: int) -> str:
    """Say that the storage server of a remote root stopped answering, what was stored, and what now."""
    from resultsbook.sources.remote import STALL_SECONDS, unanswered_hint

    return (
        f"{root}: the storage server stopped answering (no answer for {STALL_SECONDS:.0f} s)"
        f"{unanswered_hint(root)}; the {read} of {planned} changed sources read before it did are stored, "
        "whole, and the next collect goes on with the rest"
    )


def _pattern_file(item: Planned) -> str | None:
    """Return the name of the file a pattern reading a source would end at: the source's own, or the
    one its adapter claims its folder by; None when it has none (a pattern ends at the folder)."""
    files = item.source.files
    if len(files) == 1 and files[0] == item.source.path:
        return os.path.basename(files[0])
    claims = claim_pattern(item.adapter.name)
    names = (os.path.basename(path) for path in files)
    return next((name for name in names if claims is not None and claims.fullmatch(name)), None)


def _read_nothing(source: Source, result: ReadResult) -> bool:
    """Tell whether none of a source's files could be read (object storage that stopped answering)."""
    unread = {problem.path for problem in result.problems if problem.unread}
    return bool(source.files) and unread.issuperset(source.files)


def _unread(result: ReadResult) -> bool:
    """Tell whether a source's read met a file it could not read at all (not one it read and found
    wrong: what that holds is what the run now is)."""
    return any(problem.unread for problem in result.problems)


def _moved_sources(
    store: Store, plan: Sequence[Planned], stored: Mapping[str, tuple[str, str]], seen: set[str]
) -> dict[str, str]:
    """Return {new stored path: old stored path} for the new sources that are stored sources moved
    elsewhere (the tree, or the store, was moved): the same path under the collect root, the same
    adapter, one such stored source, and nothing left at its old place."""
    new = [item for item in plan if item.stored_path not in stored]
    if not new:
        return {}
    by_name: dict[str, list[str]] = {}
    for path in stored:
        if path not in seen:
            by_name.setdefault(path.rsplit("/", 1)[-1], []).append(path)
    moves: dict[str, str] = {}
    for item in new:
        tail = item.tail
        candidates = [
            path
            for path in by_name.get(tail.rsplit("/", 1)[-1], ())
            if (path == tail or path.endswith("/" + tail)) and stored[path][0] == item.adapter.name
        ]
        if len(candidates) != 1 or candidates[0] in moves.values():
            continue
        if _seen_gone(store, candidates[0], tail):
            moves[item.stored_path] = candidates[0]
    return moves


def _seen_gone(store: Store, stored_path: str, tail: str) -> bool:
    """Tell whether this machine sees that a stored source is gone from where it was. An object is
    never seen gone (a missing local path says nothing of a bucket), nor is a shared store's source
    whose tree's folder this machine does not have: it may be a colleague's run of the same name."""
    old = store.absolute(stored_path)
    if fs.is_remote(old) or os.path.lexists(old):
        return False
    if not store.shared:
        return True
    old_root = old[: len(old) - len(tail)].rstrip("/\\") if old.endswith(tail) else os.path.dirname(old)
    return os.path.isdir(os.path.dirname(old_root))


def _still_there(source: Source) -> bool:
    """Tell whether a source still exists after reading it (a run deleted mid-collect does not)."""
    if source.version or fs.is_remote(source.path):
        return True  # a server's run, an object: listed moments ago, and asking again costs a request
    if not os.path.lexists(source.path):
        return False
    return not source.files or any(os.path.lexists(path) for path in source.files)


def _storable_source(source: Source) -> Source:
    """Return a source whose path the store can hold (undecodable bytes escaped)."""
    path = storable_text(source.path)
    return source if path is source.path else replace(source, path=path)


def _metric_names(result: ReadResult, encoded: Sequence[EncodedRun] | None) -> Iterable[str]:
    """Return the metric names of a source's first run (its encoding holds them when there is one)."""
    if encoded is not None:
        return [cells[0] for cells in encoded[0].metrics]
    return result.runs[0].metrics


def _size(result: ReadResult, encoded: Sequence[EncodedRun] | None = None) -> int:
    """Return how many rows a read result will write, roughly: its runs and their points."""
    if encoded is not None:
        return sum(1 + sum(cells[1] for cells in run.metrics) for run in encoded)
    return sum(1 + sum(len(series) for series in run.metrics.values()) for run in result.runs)


def _read_and_encode(
    plan: Sequence[Planned],
) -> Iterator[tuple[ReadResult, Sequence[EncodedRun] | None, bool]]:
    """Read the planned sources in order, and tell whether each is still there after its read.

    Local ones are read in worker processes (parsing is the cost) and encoded for the store there
    (encoding the series is a fair share of a collect's work, and the main process has the writing
    to do); remote ones in threads, each source's files fetched in one concurrent request (waiting is
    the cost); a tracking server's runs a batch at a time."""
    from resultsbook.sources.parallel import map_in_order, map_in_threads  # reading only: pickle etc.

    for kind, group in groupby(plan, key=_reading_kind):
        planned = list(group)
        if kind == "local":
            yield from map_in_order(_read_planned_encoded, planned)
            continue
        if isinstance(kind, Adapter):
            for item, result in zip(planned, read_batch(kind, planned)):
                yield result, None, _still_there(item.source)
            continue
        from resultsbook.sources.parallel import Stalled
        from resultsbook.sources.remote import answered, listed_root, stopped_answering

        answered()  # the reads' wait is counted from here, not from the listing
        try:
            for result, there in map_in_threads(
                _read_planned_remote, planned, REMOTE_READERS, stopped_answering
            ):
                yield result, None, there
        except Stalled:
            raise Stalled(listed_root(planned[0].source.path)) from None


def _read_planned_encoded(planned: Planned) -> tuple[ReadResult, tuple[EncodedRun, ...], bool]:
    """Read and encode a source; its runs come back without their series (the encoding holds them:
    half as much to send from a worker process)."""
    from resultsbook.store.writer import encode_run

    result = _read_planned(planned)
    encoded = tuple(encode_run(run, planned.source.adapter) for run in result.runs)
    runs = tuple(replace(run, metrics={}) for run in result.runs)
    return ReadResult(runs, result.problems), encoded, _still_there(planned.source)


def _reading_kind(planned: Planned) -> Adapter | str:
    if planned.adapter.reads_in_batches:
        return planned.adapter
    return "remote" if fs.is_remote(planned.source.path) else "local"


def read_batch(adapter: Adapter, planned: Sequence[Planned]) -> Iterator[ReadResult]:
    """Read sources with an adapter's `read_many`: exactly one result per source, whatever it does."""
    results = iter(adapter.read_many([item.source for item in planned]))
    for item in planned:
        try:
            result = next(results)
        except StopIteration:
            missed = Problem(  # unread: stored so, it is read again by the next collect
                item.source.path, f"was not read by the {adapter.name} adapter", _NOT_YET, unread=True
            )
            result = ReadResult((), (missed,))
        except ServerGoneError:
            raise  # every run left would fail alike: the collect stops, the runs written before kept
        except Exception as error:  # one broken run never stops a collect
            results = iter(())
            result = _unreadable(adapter, item.source, error)
        yield _finish(result, item.source, item.derive, item.given, item.given_by_spec)


def _read_planned(planned: Planned) -> ReadResult:
    return read_source(planned.adapter, planned.source, planned.derive, planned.given, planned.given_by_spec)


def _read_planned_remote(planned: Planned) -> tuple[ReadResult, bool]:
    """Read a remote source; tell whether it is still there: not when every one of its objects was
    deleted between the listing and the read (a run removed from the bucket meanwhile, as a run folder
    deleted during a local collect, is gone, not a run with nothing in it)."""
    from resultsbook.sources.remote import answered, noting_gone, prefetched

    with prefetched(planned.source.files), noting_gone() as gone:
        result = read_source(
            planned.adapter, planned.source, planned.derive, planned.given, planned.given_by_spec
        )
    files = planned.source.files
    if not _read_nothing(planned.source, result):
        answered()  # a large object streamed for minutes answered all along
    return result, not (files and gone.issuperset(files))


def read_source(
    adapter: Adapter,
    source: Source,
    derive: Sequence[Derivation] = (),
    given: Mapping[str, Any] | None = None,
    given_by_spec: bool = False,
) -> ReadResult:
    """Read a source; an adapter bug becomes a problem of that source, never a failed collect.
    Params from the path (and those `given` by --param or a spec's entry) join each run, then the
    derived params are computed; what the store cannot hold as read is repaired or dropped, and
    reported (`validate`)."""
    try:
        result = adapter.read(source)
    except Exception as error:  # one broken run never stops a collect
        result = _unreadable(adapter, source, error)
    return _finish(result, source, derive, given, given_by_spec)


def _unreadable(adapter: Adapter, source: Source, error: Exception) -> ReadResult:
    """The result of a source whose adapter raised: a problem saying so, no runs."""
    problem = Problem(
        source.path,
        f"could not be read by the {adapter.name} adapter ({type(error).__name__}: {error})",
        "nothing from this source",
        unread=True,
    )
    return ReadResult((), (problem,))


def _finish(
    result: ReadResult,
    source: Source,
    derive: Sequence[Derivation],
    given: Mapping[str, Any] | None = None,
    given_by_spec: bool = False,
) -> ReadResult:
    """Add the params a source carries (from its path or the spec) to its runs, then derive params;
    what the store cannot hold as read is repaired or dropped, and reported (`validate`)."""
    if source.path.endswith(".") and any(run.name in (".", "..") for run in result.runs):
        result = _named_after_the_folder(result, source)
    if source.params or derive:
        problems = list(result.problems)
        with of_spec_entry(given_by_spec):  # a conflict names the entry's params, not --param
            merged = [_merge_params(run, source, given or {}, given_by_spec, problems) for run in result.runs]
        runs = tuple(_derive(run, derive, source.path, problems) for run in merged)
        result = ReadResult(runs, tuple(problems))
    return checked_result(source, result)


def _named_after_the_folder(result: ReadResult, source: Source) -> ReadResult:
    """Give a run named after a folder collected as `.` (or `..`) that folder's own name."""
    name = os.path.basename(os.path.abspath(source.path))
    runs = tuple(
        replace(run, name=name) if run.name == os.path.basename(source.path) else run for run in result.runs
    )
    return ReadResult(runs, result.problems)


def _merge_params(
    run: RunRecord, source: Source, given: Mapping[str, Any], given_by_spec: bool, problems: list[Problem]
) -> RunRecord:
    """Add params taken from the path (or given by --param or the spec) to a run; its own config wins
    a conflict."""
    if not source.params:
        return run
    merged = dict(run.params)
    for key, value in source.params.items():
        if key in merged and not values_equal(merged[key], value):
            origin = "in its path"
            if key in given and values_equal(given[key], value):
                entry = "the [[sources]] entry's " if given_by_spec else ""
                origin = f"from {entry}{option('param', f'{key}={format_value(value)}')}"
            problems.append(
                Problem(
                    source.path,
                    f"param {key!r} is {format_value(merged[key])} in the run's config "
                    f"but {format_value(value)} {origin}",
                    "the config's value",
                )
            )
            continue
        merged[key] = value
    return replace(run, params=merged)


def _derive(run: RunRecord, rules: Iterable[Derivation], path: str, problems: list[Problem]) -> RunRecord:
    """Compute the derived params of a run, in order (a rule may use an earlier one's result)."""
    params = dict(run.params)
    for rule in rules:
        value, why = rule.apply(params)
        if why is not None:
            problems.append(Problem(path, why, "the run without it"))
            continue
        params[rule.name] = value
    return replace(run, params=params)
