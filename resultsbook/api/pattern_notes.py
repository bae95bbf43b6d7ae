"""A pattern field that took a folder's separator with its number (`seed{seed}` over `seed_0`): its
values are text (`_0`, `_1`), so the seeds are neither numbers nor what `--where seed=0` selects."""

from __future__ import annotations

import re
from collections.abc import Sequence

from resultsbook.models import CollectReport
from resultsbook.sources.find import CollectRequest
from resultsbook.store import Store
from resultsbook.voice import option

_GLUED = re.compile(r"_\d+")  # `_0`: the folder's `_`, then its number (`-3` and `.5` read as numbers)


def glued_field_notes(store: Store, requests: Sequence[CollectRequest], report: CollectReport) -> list[str]:
    """Name each pattern field whose values, in the sources this collect read, are all `_` and a number,
    with the pattern that leaves the `_` out of the value."""
    from resultsbook.sources.pathpattern import compile_pattern  # an unchanged collect never gets here

    notes = []
    for request in requests:
        if request.pattern is None or "://" in request.path:
            continue
        pattern = compile_pattern(request.pattern)
        head, slash, _ = request.pattern.strip().strip("/").rpartition("/")
        folder = compile_pattern(head) if slash else None  # a run folder, read for the file matched in it
        root = store.relative(request.path).rstrip("/")
        prefix = f"{root}/" if root and root != "." else ""
        taken: dict[str, set[str]] = {name: set() for name in pattern.fields}
        for source in report.changed_sources:
            relative = source[len(prefix) :] if source.startswith(prefix) else None
            fields = None if relative is None else pattern.match(relative)
            if fields is None and folder is not None and relative is not None:
                fields = folder.match(relative)
            for name, value in (fields or {}).items():
                if name in taken and isinstance(value, str) and _GLUED.fullmatch(value):
                    taken[name].add(value)
                else:
                    taken.pop(name, None)  # one value of another kind: the field means what it took
        for name, values in taken.items():
            if values:
                meant = request.pattern.replace(f"{{{name}}}", f"_{{{name}}}", 1)
                shown = ", ".join(repr(value) for value in sorted(values)[:3])
                shown += ", …" if len(values) > 3 else ""
                notes.append(
                    f"{option('pattern', request.pattern)} took {name} = {shown}: "
                    f"text, the folders' '_' kept before the number; did you mean {option('pattern', meant)}?"
                )
    return notes
