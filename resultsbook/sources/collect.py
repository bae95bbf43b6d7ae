"""Collect log folders into the store: find sources, skip unchanged ones, read the rest and write
them in short transactions, so that any number of collectors can share one store.

>>> from resultsbook.sources.collect import CollectRequest, collect
>>> report = collect(store, [CollectRequest("runs/")])        # doctest: +SKIP
>>> report.summary_line()                                      # doctest: +SKIP
'20 new, 0 updated, 0 unchanged, 0 problems'

Each source is written whole or not at all, in batches of a few hundred sources (or half a second
of reading): an interrupted collect keeps the sources it wrote, and no run is ever half-written.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import groupby
from typing import TYPE_CHECKING, Any, Protocol

from resultsbook.adapters import Adapter
from resultsbook.errors import SpecError
from resultsbook.models import CollectReport, Problem, ReadResult, RunRecord, Source
from resultsbook.params import format_value, values_equal
from resultsbook.sources import fs, snapshot
from resultsbook.sources.derive import Derivation
from resultsbook.sources.find import (
    CollectRequest,
    SearchLog,
    explain_nothing_found,
    find_sources,
    find_sources_near,
    make_adapters,
    path_under,
)
from resultsbook.sources.gcpause import cycle_collector_paused
from resultsbook.sources.limits import check_environment
from resultsbook.sources.listings import FolderListings
from resultsbook.sources.validate import checked_result, storable_text
from resultsbook.store import Store

if TYPE_CHECKING:
    from resultsbook.store.writer import EncodedRun, StoreWriter

__all__ = [
    "CollectRequest",
    "collect",
    "find_sources",
    "find_sources_near",
    "make_adapters",
    "read_source",
    "reading_digest",
    "signature_of",
]

# a write transaction holds at most this much: other collectors wait for it, readers never do
BATCH_SOURCES = 200
BATCH_POINTS = 200_000
BATCH_SECONDS = 0.5
REMOTE_READERS = 16  # sources read at once from a remote root: the time goes in round trips


class Progress(Protocol):
    """What collect tells a progress display."""

    def start(self, total: int) -> None: ...

    def advance(self) -> None: ...


@dataclass(frozen=True)
class _Planned:
    """A source to read: how, its signature, and where it sits (for the store and for moves)."""

    source: Source
    adapter: Adapter
    signature: str
    derive: tuple[Derivation, ...]
    stored_path: str
    tail: str  # its path under the collect root: what stays the same when a tree is moved


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
    listings = None  # loaded when a walk needs them (a watch looks at a few folders: it lists them)
    plan: list[_Planned] = []
    unchanged_sources: list[str] = []
    seen: set[str] = set()
    identities: set[tuple[int, int]] = set()
    scopes: list[tuple[str, bool]] = []  # stored path, and whether sources that contain it count
    unlisted: list[str] = []  # folders the walk could not list: what was stored from them stays
    unsure: list[str] = []  # roots where nothing was found: only what is no longer there is gone
    problems: list[Problem] = []
    notes: list[str] = []
    for request in requests:
        served = served_sources(request)
        if served is not None:
            if changed is not None:
                continue  # a tracking server's runs do not change with local files
        elif fs.is_remote(request.path):
            request = replace(request, path=list_remote_root(request.path))
        elif not os.path.exists(request.path):
            if not store.shared:
                raise SpecError(f"{request.path} does not exist; check the path given to collect")
            problems.append(_not_here(request.path))  # another machine's folder: its runs stay
            continue
        stored_name = stored_path_function(store, request.path)
        log = SearchLog()
        context = snapshot.context_of(request, store.path) if served is None and changed is None else None
        with cycle_collector_paused():
            replayed = _replayed(store, request, context, stored)
        taking: list[snapshot.Signed] | None = None if context is None else []  # this walk's snapshot
        if served is not None:
            found: Iterable[tuple[Source, Adapter]] = served[1]
        elif replayed is not None:
            found = replayed.changed
        elif changed is None:
            if listings is None:
                local = [os.path.abspath(r.path) for r in requests if "://" not in r.path]
                listings = FolderListings(store.folder_listings(local))
            found = find_sources(request, log=log, listings=listings)
        else:
            root = os.path.abspath(request.path)
            near = [os.path.abspath(p) for p in changed if path_under(os.path.abspath(p), root)]
            found = find_sources_near(request, near, log)
            scopes += [(storable_text(store.relative(p)), True) for p in near if not os.path.exists(p)]
        how: dict[str, tuple[str, bool]] = {}  # adapter: its reading digest, whether it keeps a clock
        walked = log.walk.ids
        count = 0
        nothing = ("", "")
        if replayed is not None:  # no walk: these sources' files were stat-ed, nothing else
            paths, known = replayed.paths, replayed.identities
            count += len(paths)
            if seen.isdisjoint(paths) and identities.isdisjoint(known):  # none reached twice: at once
                seen.update(paths)
                identities.update(known)
                unchanged_sources += paths
            else:
                taking = None  # a snapshot holds each of its sources once
                for stored_path, same in zip(paths, known):
                    if stored_path not in seen and same not in identities:
                        seen.add(stored_path)
                        identities.add(same)
                        unchanged_sources.append(stored_path)
        for source, adapter in found:  # the hot loop of a re-collect that walks: a few µs a source
            count += 1
            stored_path = stored_name(source.path)
            identity = walked.get(source.path) or _identity(source.path)
            if stored_path in seen or (identity is not None and identity in identities):
                taking = None  # a snapshot holds each of its sources once
                continue  # the same source reached again (overlapping roots, a link): read once
            seen.add(stored_path)
            if identity is not None:
                identities.add(identity)
            reading = how.get(adapter.name)
            if reading is None:
                reading = how[adapter.name] = (reading_digest(adapter, request), adapter.keeps_clock())
            digest = reading[0] + adapter.clock_state(source) if reading[1] else reading[0]
            if taking is None:
                signature = _signature(source, digest)
            elif identity is None or source.version or source.params != request.params:
                signature, taking = _signature(source, digest), None
            else:
                versions: list[int] = []
                signature = _signature(source, digest, versions)
                taking.append(
                    (
                        stored_path,
                        source.path,
                        adapter.name,
                        identity,
                        signature,
                        source.files,
                        tuple(versions),
                    )
                )
            if stored.get(stored_path, nothing)[1] == signature:
                unchanged_sources.append(stored_path)
            else:
                tail = _tail(source.path, request.path)
                plan.append(_Planned(source, adapter, signature, request.derive, stored_path, tail))
        if context is not None and (replayed is None or replayed.changed):
            _keep_snapshot(store, request, context, replayed, taking, log, listings)
        problems.extend(log.walk.problems)
        unlisted += [storable_text(store.relative(path)) for path in log.walk.unlisted]
        if changed is None:
            scopes.append(
                (served[0] if served is not None else storable_text(store.relative(request.path)), False)
            )
            if not count:  # a mistyped pattern or adapter: say so; runs still there stay
                notes.append(explain_nothing_found(request, log))
                unsure.append(storable_text(store.relative(request.path)))
    gone = [
        path
        for path in stored
        if path not in seen
        and any(path_under(path, scope) or (inside and path_under(scope, path)) for scope, inside in scopes)
        and not any(path_under(path, folder) for folder in unlisted)
        and not (any(path_under(path, root) for root in unsure) and os.path.lexists(store.absolute(path)))
    ]
    moves = _moved_sources(store, plan, stored, seen)
    gone = [path for path in gone if path not in moves.values()]
    totals, written, vanished = _read_and_write(store, plan, moves, problems, progress)
    gone += [path for path in vanished if path in stored]
    if gone:
        totals["missing"] += store.write(lambda writer: writer.mark_sources_missing(gone))
    if listings is not None and listings.taken:
        store.remember_folder_listings(listings.taken)
    if (
        unchanged_sources
        and len(unchanged_sources) == len(stored)
        and not plan
        and store.data_version() == version
    ):
        unchanged_runs = store.present_source_run_count()  # the usual re-collect: count them at once
    else:
        runs_per_source = store.run_counts_by_source() if unchanged_sources else {}
        unchanged_runs = sum(runs_per_source.get(path, 0) for path in unchanged_sources)
    return CollectReport(
        new=totals["new"],
        updated=totals["updated"],
        unchanged=totals["unchanged"] + unchanged_runs,
        missing=totals["missing"],
        sources_read=written,
        sources_skipped=len(unchanged_sources),
        changed_sources=tuple(sorted({item.stored_path for item in plan} | set(gone))),
        problems=tuple(problems),
        notes=tuple(notes),
    )


def _read_and_write(
    store: Store,
    plan: Sequence[_Planned],
    moves: Mapping[str, str],
    problems: list[Problem],
    progress: Progress | None,
) -> tuple[Counter[str], int, list[str]]:
    """Read the planned sources (in worker processes when worth it) and write them in batches;
    return the run counts, how many sources were written, and the sources that vanished meanwhile."""
    totals: Counter[str] = Counter()
    vanished: list[str] = []
    batch: list[tuple[_Planned, ReadResult, Sequence[EncodedRun] | None]] = []
    written = 0
    points = 0
    opened = time.monotonic()

    def write_batch() -> None:
        def work(writer: StoreWriter) -> list[Mapping[str, int]]:
            writer.expect((item.stored_path, [run.key for run in result.runs]) for item, result, _ in batch)
            return [
                writer.write_source(
                    _storable_source(item.source),
                    item.signature,
                    result.runs,
                    result.problems,
                    moves.get(item.stored_path),
                    encoded,
                    item.stored_path,  # as the collect named it: the writer does not work it out again
                )
                for item, result, encoded in batch
            ]

        for counts in store.write(work):  # a writer may fill a source's counts only when it commits
            totals.update(counts)
        for _, result, _ in batch:
            problems.extend(result.problems)
        batch.clear()

    if progress is not None:
        progress.start(len(plan))
    for item, (result, encoded, there) in zip(plan, _read_and_encode(plan)):
        if progress is not None:
            progress.advance()
        if not there:  # deleted while we read: gone, not a run without data
            vanished.append(item.stored_path)
            continue
        if not batch:
            opened = time.monotonic()
        batch.append((item, result, encoded))
        written += 1
        points += _size(result, encoded)
        if len(batch) >= BATCH_SOURCES or points >= BATCH_POINTS or time.monotonic() - opened > BATCH_SECONDS:
            write_batch()
            points = 0
    if batch:
        write_batch()
    return totals, written, vanished


def _moved_sources(
    store: Store, plan: Sequence[_Planned], stored: Mapping[str, tuple[str, str]], seen: set[str]
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
        if not os.path.lexists(store.absolute(candidates[0])):
            moves[item.stored_path] = candidates[0]
    return moves


def _identity(path: str) -> tuple[int, int] | None:
    """Return the (device, inode) of a source's path: the same file however it is reached."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def _tail(path: str, root: str) -> str:
    """Return a source's path under its collect root ('/'-separated); the root's name for the root."""
    prefix = root.rstrip(os.sep) + os.sep
    if path.startswith(prefix):  # the usual case, without relpath's cost (~50 µs)
        return path[len(prefix) :].replace(os.sep, "/")
    relative = os.path.relpath(path, root).replace(os.sep, "/")
    return os.path.basename(os.path.abspath(path)) if relative == "." else relative


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


def _size(result: ReadResult, encoded: Sequence[EncodedRun] | None = None) -> int:
    """Return how many rows a read result will write, roughly: its runs and their points."""
    if encoded is not None:
        return sum(1 + sum(cells[1] for cells in run.metrics) for run in encoded)
    return sum(1 + sum(len(series) for series in run.metrics.values()) for run in result.runs)


def stored_path_function(store: Store, root: str) -> Callable[[str], str]:
    """Return a fast `path -> stored path` for paths under `root` (relpath costs ~50 µs a call)."""
    prefix = store.relative(root)
    cut = len(root)

    def stored(path: str) -> str:
        if not path.startswith(root):
            return storable_text(store.relative(path))
        tail = path[cut:].replace(os.sep, "/")
        if not tail:
            return storable_text(prefix)
        if tail.startswith("/"):  # relpath never starts with "./": a root beside the store is "."
            return storable_text(tail[1:] if prefix == "." else prefix + tail)
        return storable_text(store.relative(path))

    return stored


def reading_digest(adapter: Adapter, request: CollectRequest) -> str:
    """Return a digest of how a request's sources are read: adapter, options, pattern, fixed and
    derived params."""
    derived = [rule.describe() for rule in request.derive]
    how = [adapter.name, adapter.config, dict(request.params), request.pattern, *derived]
    return _sha1()(json.dumps(how, sort_keys=True, default=str).encode()).hexdigest()


def signature_of(source: Source, how: str) -> str:
    """Return a digest of the source files' sizes and mtimes (and remote objects' ETags), or of the
    version a tracking server gives a run, its params and how it is read."""
    return _signature(source, how)


def _signature(source: Source, how: str, versions: list[int] | None = None) -> str:
    """`signature_of`, adding each local file's size and mtime to `versions` (-1s: gone or remote)."""
    parts = [how, repr(sorted(source.params.items())) if source.params else ""]
    if source.version:
        parts.append(source.version)
    stat = os.stat
    for path in source.files:
        try:
            if "://" in path:
                parts.append(fs.version(path))
                if versions is not None:
                    versions += (-1, -1)
            else:  # fs.version's local half, inline: called for every file at every collect
                info = stat(path)
                parts.append(f"{info.st_size}:{info.st_mtime_ns}")
                if versions is not None:
                    versions += (info.st_size, info.st_mtime_ns)
        except OSError:
            parts.append(f"{path}:gone")
            if versions is not None:
                versions += (-1, -1)
    return _sha1()(";".join(parts).encode()).hexdigest()


@functools.cache
def _sha1() -> Callable[[bytes], Any]:
    """Return hashlib's sha1, imported on first use: a re-collect from a snapshot hashes nothing."""
    import hashlib

    return hashlib.sha1


@dataclass
class _Replayed:
    """A walk not done again: the sources found unchanged, those to sign again, and the snapshot."""

    unchanged: list[int]  # indices in `kept`
    paths: list[str]  # their stored paths
    identities: list[tuple[int, int]]  # and (device, inode)s
    changed: list[tuple[Source, Adapter]]
    kept: snapshot.Snapshot


def _replayed(
    store: Store, request: CollectRequest, context: str | None, stored: Mapping[str, tuple[str, str]]
) -> _Replayed | None:
    """Return last collect's sources of a request when none of the folders its walk went through
    changed since (sources/snapshot.py says why that is what a walk would find), or None: walk."""
    if context is None:
        return None
    remembered = store.collect_snapshot(os.path.abspath(request.path))
    if remembered is None or remembered[0] != context:
        return None
    kept = snapshot.Snapshot.decode(remembered[1])
    if kept is None or not kept.unchanged_folders():
        return None
    adapters = snapshot.adapters_of(kept)
    if adapters is None:
        return None
    unchanged, changed = kept.split(stored)
    again = []
    for index in changed:
        signed = kept.signed(index)
        again.append((snapshot.source_of(signed, request), adapters[signed[2]]))
    return _Replayed(unchanged, *kept.identities(unchanged), again, kept)


def _keep_snapshot(
    store: Store,
    request: CollectRequest,
    context: str,
    replayed: _Replayed | None,
    taken: list[snapshot.Signed] | None,
    log: SearchLog,
    listings: FolderListings | None,
) -> None:
    """Keep the snapshot of this request's walk (or of the replayed one, its changed sources signed
    again) for the next collect; forget the old one when this walk cannot be replayed."""
    kept = None
    root = os.path.abspath(request.path)
    if taken is not None and replayed is not None:
        adapters = {adapter.name: adapter for _, adapter in replayed.changed}
        signed = [replayed.kept.signed(index) for index in replayed.unchanged] + taken
        kept = snapshot.take(replayed.kept.folder_stamps(), signed, adapters.values())
    elif taken is not None and listings is not None and log.hinted is not None:
        vouched = listings.vouched
        folders = [(path, *vouched[path]) for path in log.walk.ids if path in vouched]
        if len(folders) == len(log.walk.ids) and not log.walk.problems and not log.walk.unlisted:
            kept = snapshot.take(folders, taken, log.hinted)
    if kept is not None:
        store.remember_collect_snapshot(root, context, kept.encode())
    elif store.collect_snapshot(root) is not None:
        store.remember_collect_snapshot(root, context, None)


def served_sources(request: CollectRequest) -> tuple[str, list[tuple[Source, Adapter]]] | None:
    """Return the root and the sources of a location a tracking server serves (mlflow+http://…),
    or None when no adapter serves it (a folder, a file, an object-storage URL)."""
    if "://" not in request.path:
        return None
    for adapter in make_adapters(request):
        served = adapter.sources_at(request.path)
        if served is not None:
            sources = [
                replace(s, params=dict(request.params)) if request.params else s for s in served.sources
            ]
            return served.root, [(source, adapter) for source in sources]
    return None


def list_remote_root(url: str) -> str:
    """List a remote root for this collect (in parallel) and return it as stores name it."""
    from resultsbook.sources.remote import list_tree, normalize

    list_tree(url)
    return normalize(url)


def _not_here(path: str) -> Problem:
    """The problem of a spec's source that this machine does not have, on a shared store."""
    return Problem(
        path,
        "is not on this machine: it was not collected here",
        "the runs other collectors stored from it in the shared store",
    )


def _read_and_encode(
    plan: Sequence[_Planned],
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
            results = read_batch(kind, planned)
        else:
            results = map_in_threads(_read_planned_remote, planned, REMOTE_READERS)
        for item, result in zip(planned, results):
            yield result, None, _still_there(item.source)


def _read_planned_encoded(planned: _Planned) -> tuple[ReadResult, tuple[EncodedRun, ...], bool]:
    """Read and encode a source; its runs come back without their series (the encoding holds them:
    half as much to send from a worker process)."""
    from resultsbook.store.writer import encode_run

    result = _read_planned(planned)
    encoded = tuple(encode_run(run, planned.source.adapter) for run in result.runs)
    runs = tuple(replace(run, metrics={}) for run in result.runs)
    return ReadResult(runs, result.problems), encoded, _still_there(planned.source)


def _reading_kind(planned: _Planned) -> Adapter | str:
    if planned.adapter.reads_in_batches:
        return planned.adapter
    return "remote" if fs.is_remote(planned.source.path) else "local"


def read_batch(adapter: Adapter, planned: Sequence[_Planned]) -> Iterator[ReadResult]:
    """Read sources with an adapter's `read_many`: exactly one result per source, whatever it does."""
    results = iter(adapter.read_many([item.source for item in planned]))
    for item in planned:
        try:
            result = next(results)
        except StopIteration:
            missed = Problem(item.source.path, f"was not read by the {adapter.name} adapter", "nothing")
            result = ReadResult((), (missed,))
        except Exception as error:  # one broken run never stops a collect
            results = iter(())
            result = _unreadable(adapter, item.source, error)
        yield _finish(result, item.source, item.derive)


def _read_planned(planned: _Planned) -> ReadResult:
    return read_source(planned.adapter, planned.source, planned.derive)


def _read_planned_remote(planned: _Planned) -> ReadResult:
    from resultsbook.sources.remote import prefetched

    with prefetched(planned.source.files):
        return read_source(planned.adapter, planned.source, planned.derive)


def read_source(adapter: Adapter, source: Source, derive: Sequence[Derivation] = ()) -> ReadResult:
    """Read a source; an adapter bug becomes a problem of that source, never a failed collect.
    Params from the path join each run, then the derived params are computed; what the store cannot
    hold as read is repaired or dropped, and reported (`validate`)."""
    try:
        result = adapter.read(source)
    except Exception as error:  # one broken run never stops a collect
        result = _unreadable(adapter, source, error)
    return _finish(result, source, derive)


def _unreadable(adapter: Adapter, source: Source, error: Exception) -> ReadResult:
    """The result of a source whose adapter raised: a problem saying so, no runs."""
    problem = Problem(
        source.path,
        f"could not be read by the {adapter.name} adapter ({type(error).__name__}: {error})",
        "nothing from this source",
    )
    return ReadResult((), (problem,))


def _finish(result: ReadResult, source: Source, derive: Sequence[Derivation]) -> ReadResult:
    """Add the params a source carries (from its path or the spec) to its runs, then derive params;
    what the store cannot hold as read is repaired or dropped, and reported (`validate`)."""
    if source.params or derive:
        problems = list(result.problems)
        merged = (_merge_params(run, source, problems) for run in result.runs)
        runs = tuple(_derive(run, derive, source.path, problems) for run in merged)
        result = ReadResult(runs, tuple(problems))
    return checked_result(source, result)


def _merge_params(run: RunRecord, source: Source, problems: list[Problem]) -> RunRecord:
    """Add params taken from the path (or the spec) to a run; its own config wins a conflict."""
    if not source.params:
        return run
    merged = dict(run.params)
    for key, value in source.params.items():
        if key in merged and not values_equal(merged[key], value):
            problems.append(
                Problem(
                    source.path,
                    f"param {key!r} is {format_value(merged[key])} in the run's config "
                    f"but {format_value(value)} in its path",
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
