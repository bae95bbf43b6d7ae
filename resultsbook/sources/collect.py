"""Collect log folders into the store: find sources, skip unchanged ones, read the rest in one transaction.

>>> from resultsbook.sources.collect import CollectRequest, collect
>>> report = collect(store, [CollectRequest("runs/")])        # doctest: +SKIP
>>> report.summary_line()                                      # doctest: +SKIP
'20 new, 0 updated, 0 unchanged, 0 problems'
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from typing import Any, Protocol

from resultsbook.adapters import Adapter, available_adapters, get_adapter
from resultsbook.adapters.base import Folder
from resultsbook.errors import AdapterError, SpecError
from resultsbook.models import CollectReport, Problem, ReadResult, RunRecord, Source
from resultsbook.params import format_value, values_equal
from resultsbook.sources import fs
from resultsbook.sources.parallel import map_in_order, map_in_threads
from resultsbook.sources.pathpattern import PathPattern, compile_pattern
from resultsbook.sources.walk import walk_folders
from resultsbook.store import Store

REMOTE_READERS = 16  # sources read at once from a remote root: the time goes in round trips


@dataclass(frozen=True)
class CollectRequest:
    """One root to collect, with how to read it (adapter, path pattern, adapter options, fixed params)."""

    path: str
    adapter: str | None = None
    pattern: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)


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
    """Collect every request into `store`; unchanged sources cost a stat, the rest is one transaction.

    With `changed` (paths reported by a file watcher), only the sources those paths belong to are
    looked at: a change in one run costs one read, whatever the size of the tree."""
    stored = store.source_signatures()
    plan: list[tuple[Source, Adapter, str]] = []
    unchanged_sources: list[str] = []
    seen: set[str] = set()
    scopes: list[tuple[str, bool]] = []  # stored path, and whether sources that contain it count
    problems: list[Problem] = []
    for request in requests:
        located = locate_sources(store, request, changed, scopes, problems)
        if located is None:
            continue
        request, found = located
        stored_name = stored_path_function(store, request.path)
        how: dict[str, str] = {}
        for source, adapter in found:
            stored_path = stored_name(source.path)
            if stored_path in seen:
                continue
            seen.add(stored_path)
            if adapter.name not in how:
                how[adapter.name] = reading_digest(adapter, request)
            signature = signature_of(source, how[adapter.name] + adapter.clock_state(source))
            if stored.get(stored_path, ("", ""))[1] == signature:
                unchanged_sources.append(stored_path)
            else:
                plan.append((source, adapter, signature))
    gone = [
        path
        for path in stored
        if path not in seen
        and any(_under(path, scope) or (inside and _under(scope, path)) for scope, inside in scopes)
    ]
    totals = {"new": 0, "updated": 0, "unchanged": 0, "missing": 0}
    if progress is not None:
        progress.start(len(plan))
    written: list[Mapping[str, int]] = []  # a batching writer fills each source's counts when it writes
    with store.writer() as writer:
        results = read_planned(plan)
        for (source, _, signature), result in zip(plan, results):
            problems.extend(result.problems)
            written.append(writer.write_source(source, signature, result.runs, result.problems))
            if progress is not None:
                progress.advance()
        totals["missing"] += writer.mark_sources_missing(gone)
    for counts in written:
        for name, count in counts.items():
            totals[name] += count
    runs_per_source = store.run_counts_by_source() if unchanged_sources else {}
    unchanged_runs = sum(runs_per_source.get(path, 0) for path in unchanged_sources)
    return CollectReport(
        new=totals["new"],
        updated=totals["updated"],
        unchanged=totals["unchanged"] + unchanged_runs,
        missing=totals["missing"],
        sources_read=len(plan),
        sources_skipped=len(unchanged_sources),
        changed_sources=tuple(sorted({store.relative(s.path) for s, _, _ in plan} | set(gone))),
        problems=tuple(problems),
    )


def locate_sources(
    store: Store,
    request: CollectRequest,
    changed: Sequence[str] | None,
    scopes: list[tuple[str, bool]],
    problems: list[Problem],
) -> tuple[CollectRequest, Iterable[tuple[Source, Adapter]]] | None:
    """Return a request (a remote root listed, as stores name it) and its sources, and note the
    scope in which stored sources not found again are gone; None when there is nothing to read here."""
    served = served_sources(request)
    if served is not None:
        if changed is not None:
            return None  # a tracking server's runs do not change with local files
        scopes.append((served[0], False))
        return request, served[1]
    if fs.is_remote(request.path):
        request = replace(request, path=list_remote_root(request.path))
    elif not os.path.exists(request.path):
        if not store.shared:
            raise SpecError(f"{request.path} does not exist; check the path given to collect")
        problems.append(_not_here(request.path))
        return None
    if changed is None:
        scopes.append((store.relative(request.path), False))
        return request, find_sources(request)
    root = os.path.abspath(request.path)
    near = [os.path.abspath(p) for p in changed if _under(os.path.abspath(p), root)]
    scopes += [(store.relative(p), True) for p in near if not os.path.exists(p)]
    return request, find_sources_near(request, near)


def served_sources(request: CollectRequest) -> tuple[str, list[tuple[Source, Adapter]]] | None:
    """Return the root and the sources of a location a tracking server serves (mlflow+http://…),
    or None when no adapter serves it (a folder, a file, an object-storage URL)."""
    if "://" not in request.path:
        return None
    for adapter in make_adapters(request):
        served = adapter.sources_at(request.path)
        if served is not None:
            return served.root, [(_with_params(source, request.params), adapter) for source in served.sources]
    return None


def find_sources(request: CollectRequest, start: str | None = None) -> Iterable[tuple[Source, Adapter]]:
    """Yield the sources under a request's root (or under `start` within it) and their adapters."""
    adapters = make_adapters(request)
    forced = request.adapter is not None
    root = request.path
    if fs.isfile(root):
        for adapter in adapters:
            source = adapter.source_for_file(root, forced)
            if source is not None:
                yield _with_params(source, request.params), adapter
                return
        raise SpecError(f"no adapter reads {root}; name one with --adapter (see `resultsbook adapters`)")
    if request.pattern:
        pattern = compile_pattern(request.pattern)
        for folder in walk_folders(start or root, lambda folder: True):
            prefix = _relative(folder.path, root)
            for name in sorted(folder.files):
                yield from _match_file(
                    folder.file(name), f"{prefix}{name}", pattern, adapters, request, forced
                )
            for name in folder.dirs:
                yield from _match_folder(
                    os.path.join(folder.path, name), f"{prefix}{name}", pattern, adapters, request, forced
                )
        return
    yield from _walk_claims(start or root, adapters, request, forced)


def _walk_claims(
    start: str, adapters: list[Adapter], request: CollectRequest, forced: bool
) -> Iterable[tuple[Source, Adapter]]:
    """Yield the sources the adapters claim walking down from `start`; each claim says whether to go on."""
    claimed: list[tuple[Source, Adapter]] = []

    def descend(folder: Folder) -> bool:
        found = _claim(folder, adapters, request, forced)
        if found is None:
            return True
        sources, deeper = found
        claimed.extend(sources)
        return deeper

    for _ in walk_folders(start, descend):
        yield from claimed
        claimed.clear()


# what one folder's claim found: its sources and whether the walk goes deeper (None: unclaimed)
_Claimed = tuple[list[tuple[Source, Adapter]], bool] | None


def find_sources_near(request: CollectRequest, paths: Sequence[str]) -> Iterable[tuple[Source, Adapter]]:
    """Yield the sources that changed files belong to (what `watch` needs): a changed file's run is
    found by claiming the folders from the root down to it, a new folder is walked."""
    adapters = make_adapters(request)
    forced = request.adapter is not None
    pattern = compile_pattern(request.pattern) if request.pattern else None
    root = os.path.abspath(request.path)
    claims: dict[str, _Claimed] = {}  # changed paths share parent folders: claim each folder once
    for path in (os.path.abspath(p) for p in paths):
        if pattern is None:
            yield from _sources_around(path, root, adapters, request, forced, claims)
            continue
        if os.path.isdir(path):
            yield from find_sources(request, start=path)
        for candidate in _self_and_parents(path, root):
            relative = _relative(candidate, root).rstrip("/")
            if os.path.isfile(candidate):
                found = list(_match_file(candidate, relative, pattern, adapters, request, forced))
            else:
                found = list(_match_folder(candidate, relative, pattern, adapters, request, forced))
            if found:
                yield from found
                break


def _sources_around(
    path: str,
    root: str,
    adapters: list[Adapter],
    request: CollectRequest,
    forced: bool,
    claims: dict[str, _Claimed],
) -> Iterable[tuple[Source, Adapter]]:
    """Yield the sources a changed path belongs to, claiming its folders from the root down as the
    full walk does: an outer claim wins (a Hydra job over the Lightning or native run inside it, a
    TensorBoard run over its hparams sub-folder); a folder not inside a run is walked for runs."""
    folders = [c for c in reversed(_self_and_parents(path, root)) if os.path.isdir(c)]
    for folder in folders:
        if folder not in claims:
            claims[folder] = _claim(_folder(folder), adapters, request, forced)
        found = claims[folder]
        if found is None:
            continue
        sources, deeper = found
        if not deeper:  # the walk stops here: the path is part of what this claim reads
            yield from sources
            return
        yield from ((s, a) for s, a in sources if _under(path, s.path) or path in s.files)
    if os.path.isdir(path):
        yield from _walk_claims(path, adapters, request, forced)


def _claim(
    folder: Folder, adapters: list[Adapter], request: CollectRequest, forced: bool
) -> tuple[list[tuple[Source, Adapter]], bool] | None:
    """Return the sources the first claiming adapter finds in a folder, and whether to go deeper."""
    for adapter in adapters:
        if not (forced or adapter.claims_by_itself):
            continue
        claim = adapter.claim(folder, forced)
        if claim is not None:
            return [(_with_params(s, request.params), adapter) for s in claim.sources], claim.descend
    return None


def _match_file(
    path: str,
    relative: str,
    pattern: PathPattern,
    adapters: list[Adapter],
    request: CollectRequest,
    forced: bool,
) -> Iterable[tuple[Source, Adapter]]:
    """Yield the source of a file whose relative path matches the pattern, its fields as params."""
    fields = pattern.match(relative)
    if fields is None:
        return
    for adapter in adapters:
        source = adapter.source_for_file(path, forced)
        if source is not None:
            yield _with_params(source, {**request.params, **fields}), adapter
            return


def _match_folder(
    path: str,
    relative: str,
    pattern: PathPattern,
    adapters: list[Adapter],
    request: CollectRequest,
    forced: bool,
) -> Iterable[tuple[Source, Adapter]]:
    """Yield the sources of a folder whose relative path matches the pattern, its fields as params."""
    fields = pattern.match(relative)
    if fields is None:
        return
    found = _claim(_folder(path), adapters, request, forced)
    if found is not None:
        for source, adapter in found[0]:
            yield _with_params(source, {**request.params, **fields}), adapter


def _folder(path: str) -> Folder:
    """List one folder the way the walk does."""
    files: list[str] = []
    dirs: list[str] = []
    with fs.scandir(path) as entries:
        for entry in entries:
            (dirs if entry.is_dir() else files).append(entry.name)
    return Folder(path, frozenset(files), tuple(sorted(dirs)))


def _self_and_parents(path: str, root: str) -> list[str]:
    """Return `path` (when it exists) and its parent folders up to and including `root`."""
    chain = []
    current = path
    while True:
        if os.path.exists(current):
            chain.append(current)
        if current == root or len(current) <= len(root):
            return chain
        current = os.path.dirname(current)


def _relative(path: str, root: str) -> str:
    """Return a folder's path relative to the root as a '/'-terminated prefix ('' for the root)."""
    if fs.is_remote(root):
        relative = path[len(root) :].strip("/") or "."
    else:
        relative = os.path.relpath(path, root).replace(os.sep, "/")
    return "" if relative == "." else f"{relative}/"


def make_adapters(request: CollectRequest) -> list[Adapter]:
    """Instantiate the adapters for a request; each gets the options it declares."""
    options = dict(request.options)
    if request.adapter is not None:
        return [get_adapter(request.adapter)(**options)]
    classes = list(available_adapters().values())
    declared = {name for cls in classes for name in cls.options}
    unknown = sorted(set(options) - declared)
    if unknown:
        raise AdapterError(
            f"no adapter has an option {unknown[0]!r}; name the adapter with --adapter "
            "and see `resultsbook adapters` for each one's options"
        )
    return [cls(**{k: v for k, v in options.items() if k in cls.options}) for cls in classes]


def stored_path_function(store: Store, root: str) -> Callable[[str], str]:
    """Return a fast `path -> stored path` for paths under `root` (relpath costs ~50 µs a call)."""
    prefix = store.relative(root)
    cut = len(root)

    def stored(path: str) -> str:
        if not path.startswith(root):
            return store.relative(path)
        tail = path[cut:].replace(os.sep, "/")
        if not tail:
            return prefix
        if tail.startswith("/"):  # relpath never starts with "./": a root beside the store is "."
            return tail[1:] if prefix == "." else prefix + tail
        return store.relative(path)

    return stored


def reading_digest(adapter: Adapter, request: CollectRequest) -> str:
    """Return a digest of how a request's sources are read: adapter, options, pattern, fixed params."""
    how = [adapter.name, adapter.config, dict(request.params), request.pattern]
    return hashlib.sha1(json.dumps(how, sort_keys=True, default=str).encode()).hexdigest()


def signature_of(source: Source, how: str) -> str:
    """Return a digest of the source files' sizes and mtimes (and remote objects' ETags), or of the
    version a tracking server gives a run, its params and how it is read."""
    parts = [how, repr(sorted(source.params.items())) if source.params else ""]
    if source.version:
        parts.append(source.version)
    for path in source.files:
        try:
            parts.append(fs.version(path))
        except OSError:
            parts.append(f"{path}:gone")
    return hashlib.sha1(";".join(parts).encode()).hexdigest()


def list_remote_root(url: str) -> str:
    """List a remote root for this collect (in parallel) and return it as stores name it."""
    from resultsbook.sources.remote import list_tree, normalize

    list_tree(url)
    return normalize(url)


def read_planned(plan: Sequence[tuple[Source, Adapter, str]]) -> Iterator[ReadResult]:
    """Read the planned sources, one result each, in order: local ones in worker processes (parsing
    is the cost), remote ones in threads with each source's files fetched in one concurrent request
    (waiting is), and a tracking server's runs a batch at a time."""
    for kind, group in groupby(plan, key=_reading_kind):
        planned = list(group)
        if isinstance(kind, Adapter):
            yield from read_batch(kind, [source for source, _, _ in planned])
        elif kind == "remote":
            yield from map_in_threads(_read_planned_remote, planned, REMOTE_READERS)
        else:
            yield from map_in_order(_read_planned, planned)


def _reading_kind(planned: tuple[Source, Adapter, str]) -> Adapter | str:
    source, adapter, _ = planned
    if adapter.reads_in_batches:
        return adapter
    return "remote" if fs.is_remote(source.path) else "local"


def read_batch(adapter: Adapter, sources: Sequence[Source]) -> Iterator[ReadResult]:
    """Read sources with an adapter's `read_many`: exactly one result per source, whatever it does."""
    results = iter(adapter.read_many(sources))
    for source in sources:
        try:
            result = next(results)
        except StopIteration:
            result = ReadResult(
                (), (Problem(source.path, f"was not read by the {adapter.name} adapter", "nothing"),)
            )
        except Exception as error:  # one broken run never stops a collect
            results = iter(())
            result = _unreadable(adapter, source, error)
        yield _with_source_params(source, result)


def _read_planned(planned: tuple[Source, Adapter, str]) -> ReadResult:
    return read_source(planned[1], planned[0])


def _read_planned_remote(planned: tuple[Source, Adapter, str]) -> ReadResult:
    from resultsbook.sources.remote import prefetched

    with prefetched(planned[0].files):
        return read_source(planned[1], planned[0])


def _not_here(path: str) -> Problem:
    """The problem of a spec's source that this machine does not have, on a shared store."""
    return Problem(
        path,
        "is not on this machine: it was not collected here",
        "the runs other collectors stored from it in the shared store",
    )


def read_source(adapter: Adapter, source: Source) -> ReadResult:
    """Read a source; an adapter bug becomes a problem of that source, never a failed collect."""
    try:
        result = adapter.read(source)
    except Exception as error:  # one broken run never stops a collect
        return _unreadable(adapter, source, error)
    return _with_source_params(source, result)


def _unreadable(adapter: Adapter, source: Source, error: Exception) -> ReadResult:
    """The result of a source whose adapter raised: a problem saying so, no runs."""
    problem = Problem(
        source.path,
        f"could not be read by the {adapter.name} adapter ({type(error).__name__}: {error})",
        "nothing from this source",
    )
    return ReadResult((), (problem,))


def _with_source_params(source: Source, result: ReadResult) -> ReadResult:
    """Add the params a source carries (from its path or the spec) to each of its runs."""
    if not source.params:
        return result
    problems = list(result.problems)
    runs = tuple(_merge_params(run, source, problems) for run in result.runs)
    return ReadResult(runs, tuple(problems))


def _merge_params(run: RunRecord, source: Source, problems: list[Problem]) -> RunRecord:
    """Add params taken from the path (or the spec) to a run; its own config wins a conflict."""
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


def _with_params(source: Source, params: Mapping[str, Any]) -> Source:
    """Return the source carrying extra params."""
    return replace(source, params=dict(params)) if params else source


def _under(path: str, root: str) -> bool:
    """Tell whether a path lies under (or is) a root path; both stored ('/') or both absolute."""
    if root in (".", ""):
        return True
    return path == root or path.startswith(root.rstrip("/" + os.sep) + "/") or path.startswith(root + os.sep)
