"""How `collect PATH` read each root, kept in the store, so that `table --save` can start a spec whose
`[[sources]]` collect the same roots the same way (the last collect of a root is the one kept)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence

from resultsbook.sources.find import CollectRequest
from resultsbook.store import Store
from resultsbook.store.location import display_location, url_scheme

UNSAYABLE = ""  # the reading of a root read with options no spec can hold (Python objects)


def reading_text(request: CollectRequest) -> str:
    """Return a request's `[[sources]]` entry but for its path, as JSON (UNSAYABLE when it cannot be)."""
    if len({rule.name for rule in request.derive}) < len(request.derive):
        return UNSAYABLE  # two rules for one param: a spec's `derive` table holds one
    try:
        return json.dumps(request.entry(), ensure_ascii=False)
    except (TypeError, ValueError):  # an option only Python can pass
        return UNSAYABLE


def remember_readings(store: Store, requests: Sequence[CollectRequest]) -> None:
    """Keep how each request's root was read, replacing an earlier reading of the same root; a store
    that cannot keep them (a role that may not create a table) collects the same, without them."""
    known = dict(store.collect_readings())
    readings = {_root(store, request.path): reading_text(request) for request in requests}
    changed = [(root, text) for root, text in readings.items() if known.get(root) != text]
    if not changed:  # the usual re-collect: nothing to write
        return
    with contextlib.suppress(*store.failures):  # a memory for `table --save`: the runs are collected anyway
        store.remember_collect_readings(changed)


def _root(store: Store, path: str) -> str:
    """Return a root as the store keeps its reading: a URL's password as *** (anyone who may read the
    store reads it; `table --save` says the spec's URL is written without it)."""
    return display_location(path) if url_scheme(path) else store.relative(path)
