"""`[[sources]]`: the log folders to collect, with an adapter, a path pattern and params of their own."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from resultsbook.errors import ResultsbookError, SpecError, broken_link, closest
from resultsbook.sources.derive import parse_derivation
from resultsbook.sources.request import CollectRequest
from resultsbook.spec.keys import check_keys, mapping_at, strings
from resultsbook.store.location import url_scheme

SOURCE_KEYS = {
    "path": "the folder (or file) to collect, relative to the spec",
    "adapter": "read every file with this adapter [default: each adapter claims its own files]",
    "pattern": 'params from paths, e.g. `"{model}_{seed}/log.csv"` '
    "(also `*`, `**`, `{name:regex}`, `{_skip}`)",
    "columns": 'the column names of headerless CSV files, e.g. `["epoch", "step", "loss"]` '
    '(or `"epoch,step,loss"`)',
    "options": 'adapter options, e.g. `{ step = "epoch" }` (`resultsbook adapters` lists them)',
    "params": 'params added to every run of this source, e.g. `{ dataset = "cifar10" }`',
    "derive": '`[sources.derive.NAME]`: a param computed from another, e.g. `{ from = "config.data.path", '
    "regex = '([^/]+)$' }` (see One file per run)",
}


def read_source(entry: Any, index: int, resolve: Any, where: str) -> CollectRequest:
    """Read one `[[sources]]` entry into a collect request."""
    context = f"[[sources]] #{index + 1}"
    if isinstance(entry, Mapping):  # a misspelt key first: `paht = "runs"` is no missing path
        check_keys(entry, SOURCE_KEYS, where, context)
    if not isinstance(entry, Mapping) or "path" not in entry:
        raise SpecError(f'{where}: {context} needs a path, e.g. path = "runs"')
    if not isinstance(entry["path"], str):
        raise SpecError(
            f'{where}: {context} path = {entry["path"]!r} must be one folder or file, e.g. path = "runs" '
            "(a [[sources]] entry each for several)"
        )
    options = dict(mapping_at(entry, "options", where, context))
    if "columns" in entry:
        columns = entry["columns"]
        if isinstance(columns, str):  # "epoch,step,return", as --columns takes them: not one column
            columns = [name.strip() for name in columns.split(",") if name.strip()]
        options["columns"] = list(strings(columns, where, f"{context} columns"))
    path = entry["path"]
    derive = mapping_at(entry, "derive", where, context)
    return CollectRequest(
        path=path if url_scheme(path) else resolve(path),  # a URL (s3://, mlflow+http://) as it is
        adapter=entry.get("adapter"),
        pattern=entry.get("pattern"),
        options=options,
        params=dict(mapping_at(entry, "params", where, context)),
        derive=tuple(
            parse_derivation(str(name), rule, f"{where}: {context}") for name, rule in derive.items()
        ),
        spec_entry=f"{where}: {context} path = {path!r}",
    )


def check_sources(spec_path: str, requests: Sequence[CollectRequest], shared: bool) -> None:
    """Refuse a `[[sources]]` entry that collect cannot read, naming the spec file and the entry: a
    misspelt adapter or option, a local path that does not exist (on a shared store, another
    machine's folder may be missing here)."""
    from resultsbook.sources.find import make_adapters  # here: reading a spec loads no adapter
    from resultsbook.sources.pathpattern import compile_pattern

    where = os.path.basename(spec_path)
    for index, request in enumerate(requests):
        context = f"[[sources]] #{index + 1}"
        try:
            if request.adapter is not None or request.options:  # else nothing to check: none is loaded
                make_adapters(request)
            if isinstance(request.pattern, str):  # a stray brace, named with the file and the entry
                compile_pattern(request.pattern)
        except ResultsbookError as error:
            raise SpecError(f"{where}: {context}: {error}") from error
        if shared or url_scheme(request.path) is not None or os.path.exists(request.path):
            continue
        written = os.path.relpath(request.path, os.path.dirname(os.path.abspath(spec_path)))
        broken = broken_link(request.path, repr(written))
        if broken is not None:
            raise SpecError(f"{where}: {context} path = {broken}; relink it, or give the folder of the runs")
        parent, name = os.path.split(request.path)
        guess = closest(name, os.listdir(parent)) if os.path.isdir(parent) else None
        meant = os.path.join(os.path.dirname(written), guess) if guess else None
        hint = f"did you mean {meant!r}?" if meant else "check the path"
        raise SpecError(f"{where}: {context} path = {written!r} does not exist; {hint}")
