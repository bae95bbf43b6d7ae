"""A pattern field that took a folder's separator with its number (`seed{seed}` over `seed_0`): its
values are text (`_0`, `_1`), so the seeds are neither numbers nor what `--where seed=0` selects."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence

from resultsbook.models import CollectReport
from resultsbook.sources.find import CollectRequest
from resultsbook.sources.request import FILE_RUN_ADAPTERS
from resultsbook.store import Store
from resultsbook.voice import option

_GLUED = re.compile(r"_\d+")  # `_0`: the folder's `_`, then its number (`-3` and `.5` read as numbers)


def glued_field_notes(store: Store, requests: Sequence[CollectRequest], report: CollectReport) -> list[str]:
    """Name each pattern field whose values, in the sources this collect read, are all `_` and a number,
    with the pattern that leaves the `_` out of the value."""
    from resultsbook.sources.pathpattern import (
        compile_pattern,
        split_folders,
    )  # an unchanged collect never gets here

    notes = []
    for request in requests:
        if request.pattern is None or "://" in request.path:
            continue
        pattern = compile_pattern(request.pattern)
        head = split_folders(request.pattern)[0]
        folder = compile_pattern(head) if head else None  # a run folder, read for the file matched in it
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


def shared_name_notes(store: Store, requests: Sequence[CollectRequest], report: CollectReport) -> list[str]:
    """Say once which runs of different files a pattern matched (or a plain collect read with an adapter
    of `FILE_RUN_ADAPTERS`) share a name and their params (each file a `**/log.txt` of one run at seed
    0; tianshou's `<env>/<algo>/test_rew_10seeds.csv`, ten seeds each): nothing but their files tells
    them apart in `runs`, `explain`, a warning or a table's cell; with the pattern whose fields make the
    folders that differ params."""
    from resultsbook.query.marks import named_list
    from resultsbook.sources.find import path_under  # a collect that read something only
    from resultsbook.sources.hints import pattern_for

    notes = []
    for request in requests:
        plain = request.pattern is None
        if "://" in request.path or (plain and request.adapter not in FILE_RUN_ADAPTERS):
            continue
        root = store.relative(request.path).rstrip("/")
        read = {source for source in report.changed_sources if path_under(source, root)}
        named: dict[str, list[tuple[int, str]]] = {}  # a name: the runs (id, source) read under it
        for run, name, source in store.run_rows(fields=("id", "name", "source")) if read else ():
            if source in read:
                named.setdefault(name, []).append((run, source))
        every = [run for runs in named.values() for run, _ in runs]
        named = {name: runs for name, runs in named.items() if len({source for _, source in runs}) > 1}
        ids = [run for runs in named.values() for run, _ in runs]
        params_of = store.params_of(ids) if ids else {}
        alike: dict[tuple[str, str], set[str]] = {}
        for name, runs in named.items():
            for run, source in runs:
                if run in params_of:  # runs of no param: the note on them names the pattern (sources/bare.py)
                    params = json.dumps(params_of[run], sort_keys=True, default=str)
                    alike.setdefault((name, params), set()).add(source)
        shared = [(name, sorted(sources)) for (name, _), sources in sorted(alike.items()) if len(sources) > 1]
        if not shared:
            continue
        name, sources = shared[0]
        prefix = f"{root}/" if root and root != "." else ""
        tails = sorted({source[len(prefix) :] for _, each in shared for source in each})
        file_part = _file_part(tails)
        # the pattern's fields must not name a param the runs have: the path would contradict it
        taken = {key for params in store.params_of(every).values() for key in params}
        fix = option("pattern", pattern_for(tails[0], file_part, tails, taken))
        differ = "folders and file names" if file_part.startswith("{file}") else "folders"
        how = option("adapter", request.adapter) if plain else option("pattern", request.pattern)
        notes.append(
            f"{len(tails)} files {'read' if plain else 'matched'} by {how} hold runs of one name and "
            f"the same params (e.g. {name!r} in {named_list(sources, 2)}), so `runs`, `explain` and the "
            f"warnings cannot tell them apart, and a table averages them as one configuration; fix: {fix} "
            f"takes params from the {differ} that differ"
        )
    return notes


def _file_part(tails: Sequence[str]) -> str:
    """Return the file part of the pattern for files of `tails`: their one name, or `{file}` and their
    one suffix when their names differ (TD-MPC2's `<method>/<task>.csv`), so the pattern reads them all
    and makes each file's name a param too."""
    names = {tail.rsplit("/", 1)[-1] for tail in tails}
    suffixes = {os.path.splitext(name)[1] for name in names}
    if len(names) > 1 and len(suffixes) == 1:
        return "{file}" + suffixes.pop()
    return tails[0].rsplit("/", 1)[-1]
