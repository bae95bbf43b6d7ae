"""Plan a collect: find each request's sources (by walking its tree, or by replaying the snapshot of
the last walk when no folder changed), sign them, and sort them into unchanged ones and ones to read.

>>> plan = plan_collect(store, [CollectRequest("runs/")], store.source_signatures())  # doctest: +SKIP
>>> len(plan.sources), len(plan.unchanged)                                            # doctest: +SKIP
(3, 17)
"""

from __future__ import annotations

import functools
import json
import os
import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from resultsbook.adapters import Adapter
from resultsbook.errors import ResultsbookError, SpecError, broken_source, nearby
from resultsbook.models import Problem, Source
from resultsbook.sources import fs, snapshot
from resultsbook.sources.find import (
    CollectRequest,
    SearchLog,
    explain_nothing_found,
    find_sources,
    find_sources_near,
    make_adapters,
    path_under,
    pattern_elsewhere,
    pattern_misses,
    pattern_split,
    pattern_words_among_numbers,
    unclaimed_logs_note,
)
from resultsbook.sources.gcpause import cycle_collector_paused
from resultsbook.sources.listings import FolderListings
from resultsbook.sources.validate import storable_text
from resultsbook.store import Store
from resultsbook.voice import of_spec_entry, option

if TYPE_CHECKING:
    from resultsbook.sources.derive import Derivation
    from resultsbook.sources.pathpattern import PathPattern

Stored = Mapping[str, tuple[str, str]]  # stored source path -> (adapter, signature)


@dataclass(frozen=True)
class Planned:
    """A source to read: how, its signature, and where it sits (for the store and for moves)."""

    source: Source
    adapter: Adapter
    signature: str
    derive: tuple[Derivation, ...]
    stored_path: str
    tail: str  # its path under the collect root: what stays the same when a tree is moved
    given: Mapping[str, Any] = field(default_factory=dict)  # the params --param (or the entry) gave
    given_by_spec: bool = False  # whether a spec's [[sources]] entry gave them


@dataclass
class Plan:
    """What a collect found: the sources to read, those unchanged, and what says which stored
    sources are gone (the scopes looked at, the folders that could not be listed)."""

    sources: list[Planned] = field(default_factory=list)  # to read, in the order found
    unchanged: list[str] = field(default_factory=list)  # stored paths of sources whose signature held
    seen: set[str] = field(default_factory=set)  # stored paths of every source found
    scopes: list[tuple[str, bool]] = field(default_factory=list)  # stored path; count sources holding it?
    patterns: dict[str, list[PathPattern]] = field(
        default_factory=dict
    )  # a scope's patterns, when all its requests have one
    adapters: dict[str, set[str]] = field(default_factory=dict)  # a scope's, when all its requests name one
    unlisted: list[str] = field(default_factory=list)  # folders the walk could not list: their runs stay
    unsure: list[str] = field(default_factory=list)  # roots where nothing was found: only what is gone goes
    nothing_found: list[str] = field(default_factory=list)  # each such root's note, in `unsure`'s order
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    listings: FolderListings | None = None  # loaded when a walk needs them

    def gone(self, store: Store, stored: Stored) -> list[str]:
        """Return the stored sources this collect looked for and did not find. A pattern looks for what
        it matches: a source another pattern collected under the same root, still there, is not gone."""
        held = _folders_above(self.seen) if self.patterns else set()
        return [
            path
            for path in stored
            if path not in self.seen
            and any(
                (path_under(path, scope) and self._looked_for(path, scope, store, stored, held))
                or (inside and path_under(scope, path))
                for scope, inside in self.scopes
            )
            and not any(path_under(path, folder) for folder in self.unlisted)
            and not (any(path_under(path, root) for root in self.unsure) and _still_there(store, path))
        ]

    def _looked_for(self, path: str, scope: str, store: Store, stored: Stored, held: set[str]) -> bool:
        """Tell whether a scope's requests looked for a stored source under it: any request without a
        pattern or an adapter did, a pattern only for what it matches and an adapter only for what it
        reads (or, either, for what is no longer there). A pattern also looks for a Hydra job folder
        it now matches a file in (`held`): the job's run of params alone, read while it held none (a
        crashed job, or a collect without the pattern), gives way to the run of that file."""
        adapters = self.adapters.get(scope)
        if adapters is not None and stored[path][0] not in adapters:
            return not _still_there(store, path)
        patterns = self.patterns.get(scope)
        if patterns is None:
            return (
                adapters is not None
                or _autodetected(store, path, stored[path][0])
                or not _still_there(store, path)
            )
        relative = path if scope in (".", "") else path[len(scope.rstrip("/")) + 1 :]
        matched = any(pattern.match(relative) is not None for pattern in patterns)
        if not matched and stored[path][0] == "hydra" and path in held:
            return True
        return matched or not _still_there(store, path)


def _still_there(store: Store, path: str) -> bool:
    """Tell whether a stored source's file or folder is still there: on disk, or in the listing this
    collect made of its remote root."""
    absolute = store.absolute(path)
    if not fs.is_remote(absolute):
        return os.path.lexists(absolute)
    try:
        return fs.exists(absolute)
    except ResultsbookError:  # a tracking server's run (mlflow+http://…): its adapter says when it is gone
        return False


def _autodetected(store: Store, path: str, adapter: str) -> bool:
    """Tell whether a collect without --pattern or --adapter reads a stored source: not one a generic
    adapter read (a CSV collected with --pattern '**/progress.csv'), nor a file whose name its adapter
    does not claim a folder by (a results file collected with --adapter onefile)."""
    from resultsbook.adapters import available_adapters, claim_pattern

    found = available_adapters().get(adapter)
    if found is None:
        return True  # an adapter no longer installed: its runs go
    if not found.claims_by_itself:
        return False
    names = claim_pattern(adapter)
    if names is None:
        return True
    absolute = store.absolute(path)
    try:
        return not fs.isfile(absolute) or names.fullmatch(posixpath.basename(path)) is not None
    except ResultsbookError:  # a tracking server's run (mlflow+http://…), served whole by its adapter
        return True


def _folders_above(paths: Iterable[str]) -> set[str]:
    """Return the stored folders that hold one of `paths` (stored paths, `/`-separated)."""
    held: set[str] = set()
    for path in paths:
        folder = posixpath.dirname(path)
        while folder and folder not in held:
            held.add(folder)
            folder = posixpath.dirname(folder)
    return held


def plan_collect(
    store: Store,
    requests: Sequence[CollectRequest],
    stored: Stored,
    changed: Sequence[str] | None = None,
    snapshots: bool = True,
) -> Plan:
    """Find and sign every request's sources; with `changed` (paths a file watcher reported), only
    the sources those paths belong to. Without `snapshots`, a plan to look for sources added or removed,
    not to collect: nothing is written to the store, and a tree whose folders are as the last collect's
    snapshot holds them is not walked, nor its files stat-ed (a file changed in place is not looked for)."""
    planner = _Planner(store, requests, stored, changed, snapshots)
    for request in requests:
        with of_spec_entry(request.spec_entry is not None):  # its notes name the entry's keys, not flags
            planner.request(request)
    return planner.plan


class _Planner:
    """Plans a collect's requests one after the other (a source reached twice is read once)."""

    def __init__(
        self,
        store: Store,
        requests: Sequence[CollectRequest],
        stored: Stored,
        changed: Sequence[str] | None,
        snapshots: bool = True,
    ) -> None:
        self.store = store
        self.requests = requests
        self.stored = stored
        self.changed = changed
        self.plan = Plan()
        self.identities: set[tuple[int, int]] = set()  # (device, inode) of every source found
        self.snapshots = snapshots
        self.readers: tuple[str, ...] = ()  # the adapters of the sources the last request found

    def request(self, request: CollectRequest) -> None:
        """Find, sign and sort one request's sources."""
        store, plan, changed = self.store, self.plan, self.changed
        served = served_sources(request)
        if served is None and os.path.islink(request.path):
            request = replace(request, path=_sibling_of_alias(request.path))
        if served is not None:
            if changed is not None:
                return  # a tracking server's runs do not change with local files
        elif fs.is_remote(request.path):
            request = replace(request, path=list_remote_root(request.path))
        elif not os.path.exists(request.path):
            if not store.shared:
                hint = nearby(request.path) or "; check the path given to collect"
                raise SpecError(broken_source(request.path) or f"{request.path} does not exist{hint}")
            plan.problems.append(_not_here(request.path))  # another machine's folder: its runs stay
            return
        elif not os.path.isdir(request.path) and not os.path.isfile(request.path):
            raise SpecError(
                f"{request.path} is neither a folder nor a regular file (a FIFO, a device?); give collect "
                "the folder of the runs, or a log file"
            )
        log = SearchLog()
        walks = served is None and changed is None
        context = snapshot.context_of(request, store.path) if walks else None
        with cycle_collector_paused():
            replayed = _replayed(store, request, context, self.stored, files=self.snapshots)
        keeps = context is not None and self.snapshots
        taking: list[snapshot.Signed] | None = [] if keeps else None  # this walk's snapshot
        if served is not None:
            found: Iterable[tuple[Source, Adapter]] = served[1]
        elif replayed is not None:
            found = replayed.changed
        elif changed is None:
            if plan.listings is None:
                local = [os.path.abspath(r.path) for r in self.requests if "://" not in r.path]
                plan.listings = FolderListings(store.folder_listings(local))
            found = find_sources(request, log=log, listings=plan.listings)
        else:
            root = os.path.abspath(request.path)
            near = [os.path.abspath(p) for p in changed if path_under(os.path.abspath(p), root)]
            found = find_sources_near(request, near, log)
            plan.scopes += [(storable_text(store.relative(p)), True) for p in near if not os.path.exists(p)]
        count = 0
        if replayed is not None:  # no walk: these sources' files were stat-ed, nothing else
            count += len(replayed.paths)
            if not self._take_replayed(replayed):
                taking = None  # a snapshot holds each of its sources once
        found_count, taking = self._sign(request, found, log, taking)
        count += found_count
        if request.options and request.adapter is None and changed is None:
            readers = (
                set(self.readers) | {self.stored[path][0] for path in replayed.paths if path in self.stored}
                if replayed
                else set(self.readers)
            )
            plan.notes += unused_options(request, readers)
        if keeps and (replayed is None or replayed.changed):
            assert context is not None
            _keep_snapshot(store, request, context, replayed, taking, log, plan.listings)
        plan.problems.extend(log.walk.problems)
        missed = pattern_misses(request, log) if request.pattern else None
        if missed is not None:
            plan.problems.append(missed)
        elsewhere = pattern_elsewhere(request, log) if request.pattern else None
        if elsewhere is not None:
            plan.problems.append(elsewhere)
        split = pattern_split(request, log) if request.pattern else None
        if split is not None:
            plan.problems.append(split)
        worded = pattern_words_among_numbers(request, log) if request.pattern else None
        if worded is not None:
            plan.problems.append(worded)
        plan.unlisted += [storable_text(store.relative(path)) for path in log.walk.unlisted]
        if changed is None:
            scope = served[0] if served is not None else storable_text(store.relative(request.path))
            plan.scopes.append((scope, False))
            if request.pattern and (scope not in dict(plan.scopes[:-1]) or scope in plan.patterns):
                from resultsbook.sources.pathpattern import compile_pattern  # path patterns only

                plan.patterns.setdefault(scope, []).append(compile_pattern(request.pattern))
            else:  # a request without a pattern looks for everything under its root
                plan.patterns.pop(scope, None)
            if request.adapter and (scope not in dict(plan.scopes[:-1]) or scope in plan.adapters):
                plan.adapters.setdefault(scope, set()).add(request.adapter)
            else:  # and one without an adapter for every adapter's runs
                plan.adapters.pop(scope, None)
            if not count:  # a mistyped pattern or adapter: say so; runs still there stay
                why = served[2] if served is not None else ""
                plan.notes.append(why or explain_nothing_found(request, log))
                plan.unsure.append(storable_text(store.relative(request.path)))
                plan.nothing_found.append(plan.notes[-1])
            elif (log.unclaimed or log.unclaimed_results) and not request.pattern:  # runs found, logs unread
                unread = unclaimed_logs_note(request, log)
                if unread is not None:
                    plan.notes.append(unread)

    def _take_replayed(self, replayed: _Replayed) -> bool:
        """Count a replayed snapshot's unchanged sources; False when some were reached already."""
        plan, paths, known = self.plan, replayed.paths, replayed.identities
        if plan.seen.isdisjoint(paths) and self.identities.isdisjoint(known):  # none reached twice: at once
            plan.seen.update(paths)
            self.identities.update(known)
            plan.unchanged += paths
            return True
        for stored_path, same in zip(paths, known):
            if stored_path not in plan.seen and same not in self.identities:
                plan.seen.add(stored_path)
                self.identities.add(same)
                plan.unchanged.append(stored_path)
        return False

    def _sign(
        self,
        request: CollectRequest,
        found: Iterable[tuple[Source, Adapter]],
        log: SearchLog,
        taking: list[snapshot.Signed] | None,
    ) -> tuple[int, list[snapshot.Signed] | None]:
        """Sign the sources found and sort them into unchanged ones and ones to read; return how many
        were found and this walk's snapshot (None once it cannot be one)."""
        plan, identities, stored = self.plan, self.identities, self.stored
        seen = plan.seen
        stored_name = stored_path_function(self.store, request.path)
        how: dict[str, tuple[str, bool]] = {}  # adapter: its reading digest, whether it keeps a clock
        walked = log.walk.ids
        nothing = ("", "")
        count = 0
        own = _identity(self.store.path)  # the store, when it sits among the runs (--db runs/store.db)
        for source, adapter in found:  # the hot loop of a re-collect that walks: a few µs a source
            stored_path = stored_name(source.path)
            identity = walked.get(source.path) or _identity(source.path)
            if identity == own and identity is not None:
                continue  # an SQLite file an adapter claims (Optuna's, beside its study) is no run's
            count += 1
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
                plan.unchanged.append(stored_path)
            else:
                tail = _tail(source.path, request.path)
                plan.sources.append(
                    Planned(
                        source, adapter, signature, request.derive, stored_path, tail,
                        request.params, request.spec_entry is not None,
                    )
                )  # fmt: skip
        self.readers = tuple(how)
        return count, taking


def unused_options(request: CollectRequest, readers: set[str]) -> list[str]:
    """Say which adapter options of a request no adapter that read its sources has (`-o step=` given
    for CSV files, and the runs found were all native): they changed nothing."""
    from resultsbook.adapters import available_adapters

    classes = available_adapters()
    declared = {name for reader in readers if reader in classes for name in classes[reader].options}
    notes = []
    for key, value in request.options.items():
        if key in declared or not readers:
            continue
        owners = sorted(name for name, cls in classes.items() if key in cls.options)
        notes.append(
            f"{option('option', f'{key}={value}')} changed nothing under {request.path}: its runs were read "
            f"by {', '.join(sorted(readers))}, and {key!r} is an option of {', '.join(owners)}"
            f" (name the adapter with {option('adapter')} to read them with it)"
        )
    return notes


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
    if adapter.reading_version > 1:  # the first version adds nothing: stores signed before it stay valid
        how.append(f"reading {adapter.reading_version}")
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
    store: Store, request: CollectRequest, context: str | None, stored: Stored, files: bool = True
) -> _Replayed | None:
    """Return last collect's sources of a request when none of the folders its walk went through
    changed since (sources/snapshot.py says why that is what a walk would find), or None: walk.
    Without `files`, its sources' files are not stat-ed: those changed in place are taken as unchanged."""
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
    unchanged, changed = kept.split(stored, files)
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
        store.remember_collect_snapshot(root, context, kept)
    elif store.collect_snapshot(root) is not None:
        store.remember_collect_snapshot(root, context, None)


def served_sources(request: CollectRequest) -> tuple[str, list[tuple[Source, Adapter]], str] | None:
    """Return the root and the sources of a location a tracking server serves (mlflow+http://…), and
    why it serves none when it does not; None when no adapter serves it (a folder, a file, an
    object-storage URL)."""
    if "://" not in request.path:
        return None
    for adapter in make_adapters(request):
        served = adapter.sources_at(request.path)
        if served is not None:
            sources = [
                replace(s, params=dict(request.params)) if request.params else s for s in served.sources
            ]
            return served.root, [(source, adapter) for source in sources], served.empty
    return None


def _sibling_of_alias(path: str) -> str:
    """Return the folder a link to a sibling stands for (W&B's `wandb/latest-run` → `wandb/run-…`), so
    that its runs are the sibling's, as a collect of the parent finds them; any other path as it is."""
    try:
        target = os.readlink(path)
    except OSError:
        return path
    if os.sep in target or target in (os.curdir, os.pardir) or not os.path.isdir(path):
        return path
    return os.path.join(os.path.dirname(path), target)


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
