"""The `[[sources]]` a new spec started by `table --save` gets: the roots the store's collects read
(sources/readings.py), each as its last collect read it, so that `build`, `watch` and `check --collect`
collect them again the same way; each entry is the one `read_source` reads back into that reading."""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from resultsbook.errors import SpecError
from resultsbook.params import format_value
from resultsbook.sources.find import find_sources, path_under
from resultsbook.sources.readings import UNSAYABLE
from resultsbook.sources.request import CollectRequest
from resultsbook.spec.sources import read_source
from resultsbook.spec.toml_text import entry_text
from resultsbook.store import Store
from resultsbook.store.location import display_location, location_without_password, url_scheme
from resultsbook.voice import of_spec_entry, option


@dataclass(frozen=True)
class SpecSources:
    """The `[[sources]]` text for a new spec, the requests it must read back as, how to say them, and
    notes on the roots left out."""

    text: str = ""
    requests: tuple[CollectRequest, ...] = ()
    said: tuple[str, ...] = ()  # each root as the command line (or Python) gave it: `runs/ (--pattern …)`
    notes: tuple[str, ...] = ()
    remembered: bool = False  # whether the store remembers any collect at all (an older one does not)


def collected_sources(readings: Sequence[tuple[str, str]], folder: str) -> SpecSources:
    """Return the `[[sources]]` of a new spec in `folder` for the collects a store remembers, given as
    (absolute root or URL, reading): roots gone from this machine, or read in a way a spec cannot say,
    are left out with a note."""
    readings = _latest(readings)
    present = [(where, reading) for where, reading in readings if url_scheme(where) or os.path.lexists(where)]
    blocks: list[str] = []
    requests: list[CollectRequest] = []
    said: list[str] = []
    notes: list[str] = []
    for where, reading in readings:
        remote = url_scheme(where) is not None
        shown = display_location(where) if remote else _shown(where)
        if (where, reading) not in present:
            notes.append(f"{shown} was collected but is gone: no [[sources]] entry reads it")
            continue
        if any(text == reading and other != where and path_under(where, other) for other, text in present):
            continue  # under a root read the same way: its entry would add nothing
        path = location_without_password(where) if remote else _relative(where, folder)
        written = _entry_of(path, where, reading)
        if written is None:
            notes.append(f"{shown} was collected with options a spec cannot hold: add its entry by hand")
            continue
        if path != where and remote:
            notes.append(f"the [[sources]] URL {path} is written without its password")
        entry, request = written
        blocks.append(entry_text("[sources]", entry))
        requests.append(request)
        said.append(reading_said(shown, entry))
    return SpecSources("\n".join(blocks), tuple(requests), tuple(said), tuple(notes), bool(readings))


def _latest(readings: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return the last reading of each root, a URL kept with its password by an older collect and one
    kept with *** taken for the same root."""
    latest: dict[str, tuple[str, str]] = {}
    for where, reading in readings:
        key = location_without_password(where) if url_scheme(where) else where
        latest.pop(key, None)
        latest[key] = (where, reading)
    return list(latest.values())


def _entry_of(path: str, where: str, reading: str) -> tuple[dict[str, Any], CollectRequest] | None:
    """Return a root's `[[sources]]` entry (its path as the spec writes it) and the request the spec must
    read it back as; None when a spec cannot say it (a param `none`, an option only Python passes, a
    reading a newer resultsbook kept)."""
    if reading == UNSAYABLE:
        return None
    try:
        entry = {"path": path, **json.loads(reading)}
        entry_text("[sources]", entry)  # TOML has no form for some values (None)
        local = {**entry, "path": where} if url_scheme(where) is None else entry
        return entry, read_source(local, 0, str, "the store's collects")
    except (SpecError, TypeError, ValueError):
        return None


def in_collected_folder(path: str, store: Store) -> bool:
    """Tell whether a path is, or lies in, a local folder the store's collects read."""
    roots = (store.absolute(root) for root, _ in store.collect_readings())
    return any(path_under(path, root) for root in roots if url_scheme(root) is None)


def sources_not_reading(paths: Collection[str], requests: Sequence[CollectRequest]) -> list[str]:
    """Say which of the run sources at `paths` (absolute) lie under a root that the requests read with
    patterns that do not read them (collected earlier with another pattern, which the store keeps): a
    build on a new store, a clone of the paper, would leave their runs out. A source any entry reads
    (two entries of one root, one pattern each) is read."""
    local = [request for request in requests if not url_scheme(request.path)]
    whole = [request.path for request in local if not request.pattern]  # each reads all under its root
    patterned = [r for r in local if r.pattern and any(path_under(path, r.path) for path in paths)]
    read: set[str] = set()
    for request in patterned:
        try:
            read |= {os.path.abspath(source.path) for source, _ in find_sources(request)}
        except (SpecError, OSError):  # a root gone or unreadable is said elsewhere
            whole.append(request.path)
    notes = []
    for root in dict.fromkeys(request.path for request in patterned):
        under = {path for path in paths if path_under(path, root)} - read
        missed = sorted(
            os.path.relpath(path, root).replace(os.sep, "/")
            for path in under
            if not any(path_under(path, other) for other in whole)
        )
        if missed:
            shown = _shown(root)
            with of_spec_entry():  # the entries' patterns, as the spec writes them
                patterns = [option("pattern", r.pattern) for r in patterned if r.path == root and r.pattern]
            entries = "entry" if len(patterns) == 1 else "entries"
            does = "does" if len(patterns) == 1 else "do"
            notes.append(
                f"{len(missed)} of this table's runs (the first: {missed[0]!r}) lie under {shown}, whose "
                f"[[sources]] {entries} ({', '.join(patterns)}) {does} not read them: a build on a "
                f"new store would leave them out; add a [[sources]] entry for {shown} with the pattern that "
                "read them"
            )
    return notes


def sources_phrase(sources: SpecSources) -> str:
    """Return how a save says the sources it wrote (or that it wrote none, and how to add them)."""
    if sources.said:
        return f"with [[sources]] from the last collect of {_joined(sources.said)}"
    if sources.remembered:
        return "with no [[sources]]"
    return (
        "with no [[sources]] (the store does not say which folders were collected: add `[[sources]]` and "
        '`path = "runs"` for build and watch to collect new runs)'
    )


def same_sources(read: Sequence[CollectRequest], sources: SpecSources) -> bool:
    """Tell whether a spec's sources, as read back, are the requests the remembered collects make."""
    return tuple(read) == sources.requests


def reading_said(shown: str, entry: Mapping[str, Any]) -> str:
    """Return a root with the options it was collected with, as its reader gives them."""
    given = [option(key, entry[key]) for key in ("adapter", "pattern") if key in entry]
    if "columns" in entry:
        given.append(option("columns", ",".join(entry["columns"])))
    given += [option("option", f"{k}={format_value(v)}") for k, v in entry.get("options", {}).items()]
    given += [option("param", f"{k}={format_value(v)}") for k, v in entry.get("params", {}).items()]
    for name, rule in entry.get("derive", {}).items():
        given.append(option("derive", f"{name}={rule if isinstance(rule, str) else rule['from']}"))
    return f"{shown} ({', '.join(given)})" if given else shown


def _joined(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and of {items[-1]}"


def _relative(path: str, folder: str) -> str:
    """Return a local path relative to `folder`, '/'-separated."""
    return os.path.relpath(path, folder).replace(os.sep, "/")


def _shown(path: str) -> str:
    """Return a local root as a user types it here: relative to the working folder, a folder with '/'."""
    relative = _relative(path, os.getcwd())
    return relative + "/" if os.path.isdir(path) and not relative.endswith("/") else relative
