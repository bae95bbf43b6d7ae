"""A collect of a folder inside one collected before with another reading: its runs lose what that
reading gave them (the params of a pattern, `--param`), and the collect says so."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence

from resultsbook.sources.find import CollectRequest
from resultsbook.sources.readings import UNSAYABLE, reading_text
from resultsbook.store import Store
from resultsbook.voice import option, said


def inner_reading_notes(
    store: Store,
    requests: Sequence[CollectRequest],
    sources: Callable[[], Sequence[CollectRequest]] = tuple,
) -> list[str]:
    """Say which requested paths lie inside a root collected last with another reading (by `collect
    PATH`, or by `sources()`, the [[sources]] of the store's spec, read only when needed), and the
    collect that reads them as before; none for a path already read this way, or a remote one."""
    known = dict(store.collect_readings())
    notes = []
    spec_sources: Sequence[CollectRequest] | None = None  # read once, for the first path that needs them
    for request in requests:
        root, text = store.relative(request.path), reading_text(request)
        if "://" in root or known.get(root) == text:
            continue
        outer = [key for key in known if root.startswith(key.rstrip("/") + "/") and known[key] != text]
        if not outer:
            spec_sources = sources() if spec_sources is None else spec_sources
            notes += _spec_reading_notes(store, request, root, text, spec_sources)
            continue
        # a reading of no flags (a plain walk, `collect outputs`) gave no params a path under it could
        # lose: collecting a file there with flags (`--adapter records`) takes nothing away
        if known[max(outer, key=len)] in (UNSAYABLE, "{}", ""):
            continue
        from resultsbook.spec.collected_sources import reading_said  # only to say it: it loads numpy

        enclosing = max(outer, key=len)  # the nearest: the reading that gave these runs their params
        earlier = reading_said(_shown(store, enclosing), json.loads(known[enclosing]))
        notes.append(
            f"{request.path} lies under {earlier}, collected last that way; read here {_how(text)}, its "
            f"runs lost the params that reading gave them ({option('pattern')}, {option('param')}): collect "
            f"{_shown(store, enclosing)} again as before to give them back"
        )
    return notes


def _spec_reading_notes(
    store: Store, request: CollectRequest, root: str, text: str, sources: Sequence[CollectRequest]
) -> list[str]:
    """Say that a requested path lies inside roots of the spec's [[sources]] read otherwise, when the
    store holds runs from under it (a build or a `collect` of the spec read them so)."""
    from resultsbook.sources.find import path_under
    from resultsbook.spec.collected_sources import reading_said  # only to say it: it loads numpy

    enclosing = [
        source
        for source in sources
        if root.startswith(store.relative(source.path).rstrip("/") + "/") and reading_text(source) != text
    ]
    if not enclosing or not any(path_under(path, root) for path in store.every_source()):
        return []
    earlier = " and ".join(
        reading_said(_shown(store, store.relative(source.path)), json.loads(reading_text(source) or "{}"))
        for source in enclosing
    )
    again = said("`resultsbook collect` (no PATH)", "`rb.collect()` (no paths)")
    return [
        f"{request.path} lies under {earlier}, as the spec's [[sources]] read it; read here {_how(text)}, "
        f"its runs lost the params that reading gave them ({option('pattern')}, {option('param')}): {again} "
        "collects the [[sources]] again as before to give them back"
    ]


def _how(text: str) -> str:
    """Say how a request read its path: with its own flags, or without any."""
    entry = json.loads(text) if text else {}
    return "with other flags" if entry else "without those flags"


def _shown(store: Store, root: str) -> str:
    """Return a stored root as a path from the working folder."""
    return os.path.relpath(os.path.join(store.folder, root)).replace(os.sep, "/")
