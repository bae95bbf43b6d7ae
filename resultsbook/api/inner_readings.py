"""A collect of a folder inside one collected before with another reading: its runs lose what that
reading gave them (the params of a pattern, `--param`), and the collect says so."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from resultsbook.sources.find import CollectRequest
from resultsbook.sources.readings import UNSAYABLE, reading_text
from resultsbook.store import Store
from resultsbook.voice import option


def inner_reading_notes(store: Store, requests: Sequence[CollectRequest]) -> list[str]:
    """Say which requested paths lie inside a root collected last with another reading, and the
    collect that reads them as before; none for a path already read this way, or a remote one."""
    known = dict(store.collect_readings())
    notes = []
    for request in requests:
        root, text = store.relative(request.path), reading_text(request)
        if "://" in root or known.get(root) == text:
            continue
        outer = [key for key in known if root.startswith(key.rstrip("/") + "/") and known[key] != text]
        if not outer or known[max(outer, key=len)] == UNSAYABLE:
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


def _how(text: str) -> str:
    """Say how a request read its path: with its own flags, or without any."""
    entry = json.loads(text) if text else {}
    return "with other flags" if entry else "without those flags"


def _shown(store: Store, root: str) -> str:
    """Return a stored root as a path from the working folder."""
    return os.path.relpath(os.path.join(store.folder, root)).replace(os.sep, "/")
