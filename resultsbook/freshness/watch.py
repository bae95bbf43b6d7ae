"""Rebuild during a deadline: watch sources, spec and templates; on a change, re-collect only the
changed sources and rewrite only the outputs whose inputs changed. A bad file is reported, never fatal.
When only the paper's `.tex` files changed, their quotes are checked again, with no rebuild.

    >>> watch_project("resultsbook.toml", on_update=print)     # doctest: +SKIP
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from resultsbook.commandenv import user_environment
from resultsbook.errors import ResultsbookError
from resultsbook.freshness.interrupt import FinishThenStop
from resultsbook.freshness.paper import PaperCheck, PaperEdits
from resultsbook.freshness.silence import silent_running_runs
from resultsbook.models import CollectReport
from resultsbook.outputs.build import BuildMemo, BuildReport, build, written_files
from resultsbook.sources.collect import collect
from resultsbook.sources.lab_readings import refuse_older_readings, remember_readings_read
from resultsbook.spec import Spec, load_spec
from resultsbook.store import Store
from resultsbook.store.location import url_scheme

DEFAULT_DEBOUNCE_MS = 200
REMOTE_POLL_SECONDS = 30.0  # how often to list remote sources (s3://, mlflow+…): they send no file events


@dataclass(frozen=True)
class WatchUpdate:
    """What one round of the loop did, for the display."""

    started: float
    # start, runs, spec, templates, store (another process collected), remote (s3://, mlflow+…), paper
    reason: str
    collected: CollectReport | None = None
    built: BuildReport | None = None
    error: str = ""
    then_status: int | None = None
    seconds: float = 0.0
    paths: tuple[str, ...] = field(default_factory=tuple)
    paper: PaperCheck | None = None  # the quotes checked alone: only the paper changed


def watch_paths(spec: Spec) -> list[str]:
    """Return what to watch: the spec file, the template folders and every source root."""
    paths = [spec.path, *(d for d in spec.template_dirs if os.path.isdir(d))]
    paths += [source.path for source in spec.sources if os.path.exists(source.path)]
    return list(dict.fromkeys(paths))


def watched_identities(spec: Spec) -> tuple[tuple[int, int] | None, ...]:
    """Return the identity (device, inode) of each template folder, then of each local source; None
    when absent."""
    paths = [*spec.template_dirs, *(s.path for s in spec.sources if url_scheme(s.path) is None)]
    identities: list[tuple[int, int] | None] = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            identities.append(None)
            continue
        identities.append((info.st_dev, info.st_ino))
    return tuple(identities)


def ignored_paths(spec: Spec) -> set[str]:
    """Return files whose changes are ours (every output build writes, the lock, the store): reacting
    to them would loop."""
    ours = {*written_files(spec), *(spec.db + suffix for suffix in ("", "-wal", "-shm", "-journal"))}
    return {os.path.abspath(path) for path in ours}


def watch_project(
    spec_path: str,
    db_path: str | None = None,
    then: str | None = None,
    debounce_ms: int = DEFAULT_DEBOUNCE_MS,
    on_update: Callable[[WatchUpdate], None] = lambda update: None,
    stop_event: Any = None,
    remote_poll_seconds: float = REMOTE_POLL_SECONDS,
    on_stopping: Callable[[int], None] = lambda signum: None,
) -> None:
    """Build once, then rebuild on every change until Ctrl-C (or `stop_event`); sources that are
    URLs (object storage, tracking servers) send no file events: they are listed again every
    `remote_poll_seconds`. Ctrl-C during a rebuild lets it finish (`on_stopping` is told the signal), then
    stops; so do SIGTERM and SIGHUP when the program handles them (the command line does)."""
    spec = load_spec(spec_path)
    store = Store.open(db_path or spec.db)
    try:
        _watch(spec, store, then, debounce_ms, on_update, stop_event, remote_poll_seconds, on_stopping)
    except _Stopped:
        pass
    finally:
        store.close()


class _Stopped(Exception):
    """Ctrl-C came during a round, which has now finished: the watch ends."""


def _watch(
    spec: Spec,
    store: Store,
    then: str | None,
    debounce_ms: int,
    on_update: Callable[[WatchUpdate], None],
    stop_event: Any,
    remote_poll_seconds: float,
    on_stopping: Callable[[int], None],
) -> None:
    """`watch_project`'s loop over an open store."""
    import logging

    import watchfiles

    # watchfiles logs a Ctrl-C between rounds as a warning ("KeyboardInterrupt caught, stopping watch"),
    # which Python prints to stderr unasked; the command says "Stopped." itself
    watchfiles_log = logging.getLogger("watchfiles.main")
    if not any(isinstance(handler, logging.NullHandler) for handler in watchfiles_log.handlers):
        watchfiles_log.addHandler(logging.NullHandler())

    interrupt = FinishThenStop(on_stopping)
    memo = BuildMemo()
    pending: str | None = "start"  # a full rebuild to do as soon as the watcher is armed
    others = OtherWriters(store, spec.lock, debounce_ms)
    paper = PaperEdits(spec, debounce_ms)
    failed = False  # the last round failed (the store's server away): the next one collects everything

    def round_of(reason: str, paths: list[str] | None, sources: list[Any] | None = None) -> None:
        nonlocal failed
        with interrupt.round():
            version = store.data_version()  # before: what others commit meanwhile is seen next time
            # runs another collect stored since the last build are not in the memo, and this round's
            # collect finds them unchanged: load every run again, and build even if it brought none
            others_wrote = others.wrote_since_built(version)
            if others_wrote:
                memo.runs = None
                memo.selections.clear()
            quoted = paper.stats()  # likewise for the paper: an edit during the build is checked next
            paths_read = None if failed else paths
            update = rebuild(spec, store, reason, paths_read, then, memo, sources, others_wrote)
            if update is not None:
                failed = bool(update.error)
                on_update(update)
                others.built(version)
            if update is not None and update.built is not None:
                paper.checked_in_build(quoted, any(f.kind == "quote" for f in update.built.findings))
        if interrupt.requested:
            raise _Stopped

    def quotes_round(changed: list[str]) -> None:
        with interrupt.round():
            started = time.time()
            checked = paper.check(spec, changed)
            on_update(WatchUpdate(started, "paper", seconds=time.time() - started, paper=checked))
        if interrupt.requested:
            raise _Stopped

    listed = time.monotonic()
    invalid, invalid_stat = False, _stat(spec.path)  # the spec on disk failed to load; its stat

    try:
        while True:
            rearm = False
            watched = watched_identities(spec)
            for changes in watchfiles.watch(
                *watch_paths(spec),
                watch_filter=ChangeFilter(ignored_paths(spec)),
                debounce=debounce_ms,
                step=20,
                stop_event=stop_event,
                raise_interrupt=False,
                yield_on_timeout=True,
                rust_timeout=100,
            ):
                if pending is not None:
                    # armed now: whatever changes during this full rebuild comes in the next batch
                    round_of(pending, None)
                    pending = None
                    continue
                now = watched_identities(spec)
                if now != watched:
                    # a source or template folder made (or made anew) since the watcher was armed: its
                    # events go to no watcher, so arm one, then collect everything (and build)
                    templates = now[: len(spec.template_dirs)] != watched[: len(spec.template_dirs)]
                    pending, rearm = "templates" if templates else "runs", True
                    break
                paths = sorted({path for _, path in changes})
                spec_edited = os.path.abspath(spec.path) in {os.path.abspath(p) for p in paths}
                if invalid:
                    # an editor that saved the invalid spec by renaming a new file over it (or a
                    # deleted spec) left the watcher on a file that is gone: its fix sends no event
                    spec_edited = spec_edited or _stat(spec.path) != invalid_stat
                if spec_edited and _empty(spec.path):
                    # an editor's save that empties the file first: its text comes next (an empty spec,
                    # read now, would be a spec of no sources, and its text could come while re-arming)
                    on_update(_empty_spec(spec))
                    invalid, invalid_stat, spec_edited = True, _stat(spec.path), False
                    paths = [p for p in paths if os.path.abspath(p) != os.path.abspath(spec.path)]
                    if not paths:
                        continue
                if spec_edited:
                    fresh, error = reload_spec(spec)
                    if error is None:
                        spec, pending, invalid, rearm = fresh, "spec", False, True
                        others.lock = spec.lock
                        paper = PaperEdits(spec, debounce_ms)
                        break  # the set of watched paths may have changed: re-arm, then rebuild
                    on_update(error)
                    invalid, invalid_stat = True, _stat(spec.path)
                    paths = [p for p in paths if os.path.abspath(p) != os.path.abspath(spec.path)]
                    if not paths:
                        continue
                if not changes:
                    remote = remote_sources(spec)
                    if remote and time.monotonic() - listed >= remote_poll_seconds:
                        round_of("remote", None, remote)
                        listed = time.monotonic()
                    if others.settled():  # another process collected or built: make the outputs current
                        round_of("store", [])  # which reloads the memo's runs
                    edited = paper.settled()
                    if edited:  # only the paper changed: its quotes alone, against the numbers file
                        quotes_round(edited)
                    continue
                templates = any(_under_any(p, spec.template_dirs) for p in paths)
                round_of("templates" if templates else "runs", paths)
            if not rearm:
                return
    except KeyboardInterrupt:  # Ctrl-C between rounds (a round holds it back): a stop like any other
        if interrupt.requested:  # the second Ctrl-C of a round: stopped mid-round, said as such
            raise


class OtherWriters:
    """Notice what other processes do to the store and the outputs: a collect beside the watch (a
    cluster's collectors) commits runs, a `build` rewrites outputs from its own snapshot. Once they
    have been quiet for the debounce time, the watch rebuilds, so its outputs end current."""

    def __init__(self, store: Store, lock: str, debounce_ms: int) -> None:
        self.store = store
        self.lock = lock
        self.debounce = debounce_ms / 1000
        self.built_state = self._now()  # the store's version and the lock's stat the last build saw
        self.seen = self.built_state  # as last looked at: the debounce runs from its last change
        self.changed_at: float | None = None

    def built(self, version: int) -> None:
        """Take the store as of `version` (read before the rebuild) and the lock as now as built."""
        self.built_state = self.seen = (version, _stat(self.lock))
        self.changed_at = None

    def wrote_since_built(self, version: int) -> bool:
        """Tell whether the store at `version` holds what others committed since the last build."""
        return version != self.built_state[0]

    def settled(self) -> bool:
        """Tell whether others wrote since the last build and have been quiet for the debounce."""
        state = self._now()
        if state != self.seen:
            self.seen, self.changed_at = state, time.monotonic()
            return False
        if state == self.built_state or self.changed_at is None:
            return False
        if time.monotonic() - self.changed_at < self.debounce:
            return False
        self.changed_at = None
        return True

    def _now(self) -> tuple[int, tuple[int, int] | None]:
        return self.store.data_version(), _stat(self.lock)


def _empty_spec(spec: Spec) -> WatchUpdate:
    """Say that the spec was emptied, and that the watch goes on with the one read before."""
    shown = os.path.relpath(spec.path)
    message = f"{shown} is empty (saved half-way?); the spec read before stands until {shown} holds one"
    return WatchUpdate(time.time(), "spec", error=message)


def _empty(path: str) -> bool:
    """Tell whether a file is there and empty."""
    try:
        return os.stat(path).st_size == 0
    except OSError:
        return False


def _stat(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size)


class ChangeFilter:
    """watchfiles' default filter, plus our own outputs and the temporary files of atomic writes."""

    def __init__(self, ignored: set[str]) -> None:
        import watchfiles

        self.ignored = ignored
        self.default = watchfiles.DefaultFilter()

    def __call__(self, change: Any, path: str) -> bool:
        name = os.path.basename(path)
        if os.path.abspath(path) in self.ignored or (name.startswith(".") and name.endswith(".tmp")):
            return False
        return bool(self.default(change, path))


def reload_spec(spec: Spec) -> tuple[Spec, WatchUpdate | None]:
    """Read the edited spec; when it is invalid, keep the old one and return the error to show."""
    started = time.time()
    try:
        return load_spec(spec.path), None
    except ResultsbookError as error:
        return spec, WatchUpdate(started, "spec", error=str(error), seconds=time.time() - started)


def rebuild(
    spec: Spec,
    store: Store,
    reason: str,
    paths: Iterable[str] | None,
    then: str | None,
    memo: BuildMemo,
    sources: Sequence[Any] | None = None,
    others_wrote: bool = False,
) -> WatchUpdate | None:
    """Collect (only `paths` when given) and build the outputs whose inputs changed; never raise.

    With `sources` (the remote ones, listed again on a timer), only those are collected, and a round
    that brought no run is no update at all: None. With `others_wrote` (another process wrote the
    store since the last build), the outputs are built even when this collect brought no run."""
    started = time.time()
    changed = list(paths) if paths is not None else None
    polled = sources is not None
    try:
        wanted = sources if sources is not None else spec.sources
        recorded = refuse_older_readings(store, wanted) if wanted else {}
        collected = collect(store, wanted, changed=changed) if wanted else None
        remember_readings_read(store, recorded, collected)
        nothing_new = collected is not None and not (collected.new or collected.updated or collected.missing)
        if polled and nothing_new and not others_wrote:
            return None
        if reason == "runs" and nothing_new and not others_wrote:
            return WatchUpdate(
                started, reason, collected, seconds=time.time() - started, paths=tuple(changed or ())
            )
        with store.snapshot():  # one state of the store, even if another collect writes meanwhile
            if changed is None and not polled:
                memo.runs = None  # a full collect: load every run again
            elif collected is not None:
                memo.refresh_runs(store, collected.changed_sources)
            built = build(spec, store, memo=memo)
            built = replace(built, silent=silent_running_runs(store, built.tables))
    except ResultsbookError as error:
        return WatchUpdate(started, reason, error=str(error), seconds=time.time() - started)
    except store.failures as error:  # the store's server away: said as any command says it
        return WatchUpdate(started, reason, error=str(store.problem(error)), seconds=time.time() - started)
    except Exception as error:  # the loop survives anything a half-written file or a server away causes
        return WatchUpdate(
            started, reason, error=f"{type(error).__name__}: {error}", seconds=time.time() - started
        )
    seconds = time.time() - started
    status = None
    if then and built.written:
        status = subprocess.run(then, shell=True, cwd=spec.folder, env=user_environment()).returncode
    return WatchUpdate(started, reason, collected, built, "", status, seconds, tuple(changed or ()))


def remote_sources(spec: Spec) -> list[Any]:
    """Return the spec's sources that are URLs (object storage, tracking servers)."""
    return [source for source in spec.sources if url_scheme(source.path) is not None]


def _under_any(path: str, folders: Iterable[str]) -> bool:
    absolute = os.path.abspath(path)
    return any(absolute.startswith(os.path.abspath(folder) + os.sep) for folder in folders)
