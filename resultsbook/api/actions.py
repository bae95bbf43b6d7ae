"""`rb.collect`, `rb.build` and `rb.forget`: what `resultsbook collect`, `build` and `forget` do, returning
the reports those commands print instead of printing them.

    >>> report = rb.collect("runs/")                       # doctest: +SKIP
    >>> report.summary_line()                              # doctest: +SKIP
    '20 new, 0 updated, 0 unchanged, 0 problems'
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from resultsbook.api.arguments import (
    check_names,
    known_keywords,
    mapping_argument,
    name_argument,
    path_argument,
    paths_argument,
    progress_argument,
)
from resultsbook.api.inner_readings import inner_reading_notes
from resultsbook.api.pattern_notes import glued_field_notes, shared_name_notes
from resultsbook.errors import BuildError, NotFoundError, NotFoundWarning, SpecError, closest
from resultsbook.models import CollectReport, ForgetReport
from resultsbook.params import normalize_value
from resultsbook.sources.collect import CollectRequest, Progress
from resultsbook.sources.collect import collect as collect_sources
from resultsbook.sources.find import path_under
from resultsbook.sources.lab_readings import refuse_older_readings, remember_readings_read
from resultsbook.sources.readings import remember_readings
from resultsbook.sources.request import FILE_RUN_ADAPTERS
from resultsbook.store import DEFAULT_DB_NAME, Store
from resultsbook.store.location import (
    choose_store_location,
    display_location,
    missing_spec,
    new_store_typo,
    url_scheme,
)
from resultsbook.store.session import opened
from resultsbook.voice import command, given_store, option, said

if TYPE_CHECKING:  # the spec and the renderers load only when needed, not for a collect of folders
    from resultsbook.outputs.build import BuildReport
    from resultsbook.outputs.build import Progress as BuildProgress
    from resultsbook.sources.derive import Derivation
    from resultsbook.sources.pathpattern import PathPattern
    from resultsbook.spec import CollectSpec, Spec

PathLike = str | os.PathLike[str]


@known_keywords("rb.collect")
def collect(
    paths: PathLike | Sequence[PathLike] | None = None,
    db: PathLike | None = None,
    adapter: str | None = None,
    pattern: str | None = None,
    options: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    config: PathLike | Spec | CollectSpec | None = None,
    progress: Progress | None = None,
    derive: str | Derivation | Sequence[str | Derivation] = (),
) -> CollectReport:
    """Collect runs into a store (unchanged ones cost a stat) and return the report.

    With no `paths`, collect the sources of the spec (`config`, else the nearest resultsbook.toml)
    as `resultsbook build` does before it builds. The store is `db`, else $RESULTSBOOK_DB, else the
    spec's, else ./resultsbook.db; it is created when missing, and removed again when this collect
    found no run in it. `derive` holds params computed from others, 'NAME=PARAM[:REGEX]' (or parsed):
    one, or a list. A collect that found no run warns `rb.NotFoundWarning` saying what was tried
    (`resultsbook collect` fails with it), and returns its report."""
    store_path = path_argument("db", db, DEFAULT_DB_NAME) if db is not None else None
    adapter = name_argument("adapter", adapter, "csv")
    pattern = None if pattern is None else path_argument("pattern", pattern, "{model}/{seed}/metrics.csv")
    options = mapping_argument("options", options, {"columns": ["epoch", "step", "return"]})
    given = mapping_argument("params", params, {"dataset": "cifar10"})
    params = {key: normalize_value(value) for key, value in given.items()}  # np.int64(5) is 5, as in a config
    progress = progress_argument(progress, ("start", "advance"))
    needs_spec = paths is None or db is None  # for its sources, or for where its store is
    spec = _collect_spec(config, required=paths is None) if needs_spec else None
    if paths is None:
        assert spec is not None
        requests: Sequence[CollectRequest] = spec.sources
        if not requests:
            raise SpecError(f"{spec.path} names no [[sources]]; give the folders: rb.collect('runs/')")
    else:
        listed = paths_argument("paths", paths, "runs/")
        rules = _derivations(derive)
        requests = [CollectRequest(path, adapter, pattern, options, params, rules) for path in listed]
    location = _db(store_path, spec)
    typo = new_store_typo(location, lambda: _spec_store(spec, config)) if store_path is not None else None
    if typo is not None:  # a second store beside the paper's, its runs split between the two
        raise typo
    named_store = display_location(os.fspath(store_path)) if store_path else None  # never a password
    with given_store(named_store, outer_stands=True):  # the hints' commands name it
        try:
            with opened(location, create=True) as store:
                if paths is None:
                    from resultsbook.spec.sources import check_sources

                    assert spec is not None
                    check_sources(spec.path, requests, store.shared)
                inner = (
                    inner_reading_notes(store, requests, lambda: _spec_sources(spec, config, store_path))
                    if paths is not None
                    else []
                )  # a collect of the spec's own [[sources]] reads each as before
                recorded = refuse_older_readings(store, requests)
                report = collect_sources(store, requests, progress)
                remember_readings_read(store, recorded, report)
                if store.copies_found():
                    report = dataclasses.replace(report, notes=(*report.notes, _copies_note(store)))
                if not report.new + report.updated + report.unchanged:
                    raise _NothingFound(report)  # inside, so that a store made for it is removed again
                if paths is not None:  # a spec's sources say it themselves
                    remember_readings(store, requests)
                if inner and report.new + report.updated:
                    report = dataclasses.replace(report, notes=(*report.notes, *inner))
                read_as_files = pattern is not None or adapter in FILE_RUN_ADAPTERS
                if paths is not None and read_as_files and report.new + report.updated:
                    glued = glued_field_notes(store, requests, report)
                    alike = shared_name_notes(store, requests, report)
                    report = dataclasses.replace(report, notes=(*report.notes, *glued, *alike))
        except _NothingFound as nothing:
            tried = tuple(request.path for request in requests)
            message = nothing_found(nothing.report, tried, adapter, pattern, from_spec=paths is None)
            warnings.warn(message, NotFoundWarning, stacklevel=3)  # the caller's line, past `known_keywords`
            return nothing.report
        return report


def _copies_note(store: Store) -> str:
    """Say which sources held runs a shared store holds already from another machine's path."""
    copies = dict(store.copies_found())  # source path -> the stored path of its runs
    path, stored = next(iter(copies.items()))
    return (
        f"{len(copies)} source(s) hold the runs {display_location(store.path)} holds already from a path "
        f"not on this machine (e.g. {path}: those of {stored}); counted unchanged, not stored twice. "
        "Collect from one path on every machine (the lab's mount point) so that each run has one source"
    )


def _derivations(derive: str | Derivation | Sequence[str | Derivation]) -> tuple[Derivation, ...]:
    """Return the rules `rb.collect(derive=...)` was given: one, or several, as text or as rules."""
    if not derive:
        return ()
    # here: most collects derive nothing
    from resultsbook.sources.derive import Derivation, parse_derivation_text

    given = [derive] if isinstance(derive, (str, Derivation)) else derive
    return tuple(
        rule if isinstance(rule, Derivation) else parse_derivation_text(rule, "derive") for rule in given
    )


def nothing_found(
    report: CollectReport,
    paths: Sequence[str],
    adapter: str | None,
    pattern: str | None,
    from_spec: bool = False,
) -> str:
    """Say what was tried when a collect found no run, and what to try instead (the command line
    fails with it, `rb.collect` warns it); the [[sources]] entries of a spec (`from_spec`) each say
    it of themselves, naming the entry."""
    tried = f"adapter {adapter}" if adapter else "every installed adapter"
    tried += f", pattern {pattern!r}" if pattern else f", no {option('pattern')}"
    where = ", ".join(map(display_location, paths))
    if report.sources_read:
        problems = said("see the problems above", "see report.problems")
        return (
            f"{report.sources_read} source(s) under {where} were read ({tried}) but hold no run; "
            f"{problems}; no run was added or changed"
        )
    # the search says what it tried, and what a path holds instead of runs; several paths searched
    # alike share one sentence
    if report.notes and (from_spec or adapter or pattern or len(paths) == 1):
        return "; ".join(report.notes) + f"; {_store_left(report)}"
    hint = (
        f"name the format with {option('adapter')} (see `resultsbook adapters`), or point "
        f"{option('pattern')} at the log files"
    )
    return f"no runs found under {where} ({tried}); {hint}; {_store_left(report)}"


def _store_left(report: CollectReport) -> str:
    """Say what a collect that found no run did to the store: nothing, or marked the stored runs whose
    logs are gone since missing (deleted logs: their runs leave the tables, as any collect does)."""
    if not report.missing:
        return "the store was left as it was"
    listed = said("`resultsbook runs --all` lists them", "book.runs(include_missing=True) lists them")
    gone = f"{report.missing} run(s) whose logs are gone, marked missing"
    return f"the store was left as it was, but for {gone} ({listed})"


@known_keywords("rb.build")
def build(
    config: PathLike | Spec | None = None,
    db: PathLike | None = None,
    tables: str | Sequence[str] = (),
    progress: BuildProgress | None = None,
) -> BuildReport:
    """Write every output of the spec (`config`, else the nearest resultsbook.toml), or only the named
    tables and figures (one name, or a list), from one state of the store; return what was written and
    the findings.

    An entry that cannot be computed (no run matches it yet, a metric no run logs) does not stop the
    others: they are written, then `rb.BuildError` is raised; its `report` is the BuildReport, whose
    `failed` lists the entries not built (their files and lock entries are as they were).

    `resultsbook build` is `rb.collect()` then `rb.build()`."""
    from resultsbook.freshness.silence import silent_running_runs
    from resultsbook.outputs.build import build as build_outputs

    check_names(tables=tables)
    progress = progress_argument(progress, ("start", "step", "advance"))
    only = [tables] if isinstance(tables, str) else list(tables)
    spec = _spec(config, required=True)
    assert spec is not None
    location = _db(path_argument("db", db, DEFAULT_DB_NAME) if db is not None else None, spec)
    with opened(location, create=False) as store, store.snapshot():
        report = build_outputs(spec, store, only, progress=progress)
        report = dataclasses.replace(report, silent=silent_running_runs(store, report.tables))
    if report.failed:
        raise BuildError(report)
    return report


@known_keywords("rb.forget")
def forget(
    paths: PathLike | Sequence[PathLike],
    db: PathLike | None = None,
    config: PathLike | None = None,
    dry_run: bool = False,
) -> ForgetReport:
    """Remove from the store the runs read from `paths` (a log file, a run's folder, or a folder:
    every source under it), with their problems, as if they were never collected; the logs are not
    touched, and a collect that reads them brings them back. With `dry_run`, only say what would go.
    A path under which the store holds no source raises rb.NotFoundError, naming the one meant."""
    listed = paths_argument("paths", paths, "runs/old")
    store_path = path_argument("db", db, DEFAULT_DB_NAME) if db is not None else None
    spec = _collect_spec(config, required=False) if db is None or config is not None else None
    with opened(_db(store_path, spec), create=False, doing="forget") as store:
        every = store.every_source()
        roots = [_stored_root(_as_stored(store, path), every) for path in listed]
        for path, root in zip(listed, roots):
            if not any(path_under(source, root) for source in every):
                raise NotFoundError(_nothing_under(path, root, every))
        chosen = tuple(sorted(source for source in every if any(path_under(source, r) for r in roots)))
        runs = sum(every[source] for source in chosen)
        notes = _read_again_notes(store, chosen, spec.sources if spec is not None else ())
        if not dry_run:
            runs = store.write(lambda writer: writer.forget_sources(chosen))
    return ForgetReport(chosen, runs, dry_run, tuple(notes))


def _read_again_notes(store: Store, chosen: Sequence[str], sources: Sequence[CollectRequest]) -> list[str]:
    """Say which of the sources forgotten the spec's [[sources]] read: `build` collects them again
    (not one the last collect found no more: missing, or read now as part of another source)."""
    from resultsbook.sources.pathpattern import compile_pattern  # forget only: a collect need not load it

    notes = []
    present = store.source_signatures() if sources else {}
    for request in sources:
        root = _as_stored(store, request.path)
        pattern = compile_pattern(request.pattern) if request.pattern else None
        again = [
            source
            for source in chosen
            if source in present
            and path_under(source, root)
            and (
                pattern is None
                or _matches(
                    pattern, store.absolute(source), source[len(root) + 1 :] if root != "." else source
                )
            )
        ]
        if again:
            how = f" with pattern {request.pattern!r}" if request.pattern else ""
            which = (
                "the source forgotten lies"
                if len(chosen) == 1
                else f"{len(again)} of the sources forgotten lie"
            )
            where = (
                display_location(request.path) if url_scheme(request.path) else os.path.relpath(request.path)
            )
            notes.append(
                f"{which} under {where}, which [[sources]] reads{how}: the next `resultsbook build` or "
                "`collect` brings them back (narrow its pattern, or remove the entry)"
            )
    return notes


def _as_stored(store: Store, path: str) -> str:
    """Return a path as the store names its sources (relative to its folder, or a URL as it is)."""
    if url_scheme(path) is not None:
        return path.rstrip("/")
    return store.relative(os.path.abspath(path)).rstrip("/") or "."


def _stored_root(root: str, every: Iterable[str]) -> str:
    """Return a URL as the store names the sources under it: as given, else without the user and
    password collect was given it with (a tracking server's runs are stored without them)."""
    found = _URL_CREDENTIALS.match(root)
    if found is None or any(path_under(source, root) for source in every):
        return root
    bare = found.group(1) + root[found.end() :]
    return bare if any(path_under(source, bare) for source in every) else root


def _served_roots(root: str, every: Iterable[str]) -> list[str]:
    """Return the first stored roots of the server a URL with a #fragment names (an MLflow experiment
    by name, `…/mlflow#sweep`, where the store names its runs `…/mlflow/#3/<run id>`)."""
    server = _stored_root(root.split("#", 1)[0].rstrip("/"), every)
    under = sorted(
        {source[len(server) :].split("/", 2)[1] for source in every if source.startswith(server + "/#")}
    )
    return [f"{server}/{name}" for name in under[:3]]


_URL_CREDENTIALS = re.compile(r"^([A-Za-z][\w+.-]*://)[^/@]*@")


def _matches(pattern: PathPattern, path: str, relative: str) -> bool:
    """Tell whether a pattern reads a stored source: its path, or (a run's folder) a file in it."""
    if pattern.match(relative) is not None:
        return True
    try:
        names = os.listdir(path) if os.path.isdir(path) else []
    except OSError:
        return False
    return any(pattern.match(f"{relative}/{name}") is not None for name in names)


def _nothing_under(path: str, root: str, every: Iterable[str]) -> str:
    """Say that the store holds no source at or under a path, and the stored folder beside it that
    was meant (a misspelt last part)."""
    if url_scheme(path) is not None and "#" in root:
        served = _served_roots(root, every)
        if served:
            return (
                f"the store holds no run collected from {display_location(path)}; it names the runs of "
                f"that server by the id after '#': did you mean {' or '.join(served)}?"
            )
    holders = [source for source in every if source != root and path_under(root, source)]
    if holders and os.path.isfile(path):  # a file of a run read from its folder (SB3's 0.monitor.csv)
        holder = max(holders, key=len)
        inside = root[len(holder) + 1 :] if holder != "." else root
        folder = path.rstrip("/" + os.sep)[: -len(inside)].rstrip("/" + os.sep) or "."
        return (
            f"the store holds no run collected from {path} alone: it lies in the folder of the run "
            f"collected from {folder}; forget that run with {command('forget', folder)}"
        )
    parent, _, name = root.rpartition("/")
    depth = root.count("/") + 1
    beside = {
        parts[depth - 1]
        for parts in (source.split("/") for source in every)
        if len(parts) >= depth and "/".join(parts[: depth - 1]) == parent
    }
    meant = closest(name, beside) if not os.path.lexists(path) else None  # there: forgotten, or never read
    folder = os.path.dirname(path.rstrip("/" + os.sep))
    hint = f" (not collected, or forgotten already); `{command('runs')}` lists what it holds"
    if meant:
        alike = _as_close(name, meant, beside)  # version_1: version_11 … version_17 alike; forget deletes
        shown = [os.path.join(folder, other) for other in alike[:3]]
        more = f" (and {len(alike) - 3} more)" if len(alike) > 3 else ""
        hint = (
            f"; did you mean {shown[0]}?"
            if len(alike) == 1
            else f"; did you mean one of {', '.join(shown)}{more}?"
        )
    return f"the store holds no run collected from {display_location(path)}{hint}"


def _as_close(name: str, meant: str, names: Iterable[str]) -> list[str]:
    """Return the names as close to `name` as the one meant (itself among them), sorted."""
    import difflib  # here: only a path a forget does not find needs it

    def score(other: str) -> float:
        return difflib.SequenceMatcher(None, name.lower(), other.lower()).ratio()

    best = score(meant)
    return sorted({other for other in names if other == meant or abs(score(other) - best) < 1e-12})


class _NothingFound(Exception):
    """A collect that found no run (raised inside the store's context, so a new store is discarded)."""

    def __init__(self, report: CollectReport) -> None:
        super().__init__("nothing found")
        self.report = report


def _spec(config: PathLike | Spec | None, required: bool) -> Spec | None:
    """Return the spec given or named, else the nearest one; refuse when one is required and none is found."""
    from resultsbook.spec import Spec, load_spec

    if isinstance(config, Spec):
        return config
    path = _spec_path(config, required)
    return None if path is None else load_spec(path)


def _collect_spec(config: PathLike | Spec | CollectSpec | None, required: bool) -> Spec | CollectSpec | None:
    """Return what a collect needs of the spec given or named, else of the nearest one (its store and
    [[sources]]: the rest, and the modules that read it, are not loaded)."""
    from resultsbook.spec.collecting import CollectSpec, load_collect_spec

    document = sys.modules.get("resultsbook.spec.document")  # not loaded: `config` is no Spec
    if isinstance(config, CollectSpec) or (document is not None and isinstance(config, document.Spec)):
        return config
    path = _spec_path(cast("PathLike | None", config), required)  # anything else is refused there
    return None if path is None else load_collect_spec(path)


def _spec_store(spec: Spec | CollectSpec | None, config: PathLike | Spec | CollectSpec | None) -> str | None:
    """Return the store of the spec given or nearest (for a typo's check), None when no spec loads."""
    if spec is None:
        try:
            spec = _collect_spec(config, required=False)
        except SpecError:  # a broken spec is `build`'s to report, not a collect of folders'
            return None
    return None if spec is None else spec.db


def _spec_sources(
    spec: Spec | CollectSpec | None, config: PathLike | Spec | CollectSpec | None, db: str | None
) -> Sequence[CollectRequest]:
    """Return the [[sources]] of the spec whose store `db` is (given, else the nearest spec's), for a
    note on what a `collect PATH` inside them changed; none when no such spec loads."""
    if spec is None:
        try:
            spec = _collect_spec(config, required=False)
        except SpecError:  # a broken spec is `build`'s to report, not a collect of folders'
            return ()
    return spec.sources if spec is not None and _db(db, spec) == spec.db else ()


def _spec_path(config: PathLike | None, required: bool) -> str | None:
    """Return the path of the spec named (a file, or the folder that holds it), else of the nearest
    one; refuse one that does not exist, or none found when one is required."""
    from resultsbook.spec import SPEC_NAME, find_spec

    path = path_argument("config", config, SPEC_NAME) if config is not None else find_spec()
    if path is not None and os.path.isdir(path):  # the spec's folder, as rb.open takes it
        if not os.path.isfile(os.path.join(path, SPEC_NAME)):
            raise SpecError(f"{path} holds no {SPEC_NAME}; pass the spec: config='path/to/{SPEC_NAME}'")
        path = os.path.join(path, SPEC_NAME)
    if path is None:
        if required:
            raise SpecError(
                f"no {SPEC_NAME} here or in any parent folder; pass config='path/to/{SPEC_NAME}' "
                "or the folders to collect"
            )
        return None
    if not os.path.exists(path):
        raise missing_spec(path)
    return path


def _db(db: str | None, spec: Spec | CollectSpec | None) -> str:
    """Return the store: `db`, else $RESULTSBOOK_DB, else the spec's, else ./resultsbook.db."""
    return choose_store_location(db, spec.db if spec is not None else None, os.path.abspath(DEFAULT_DB_NAME))
