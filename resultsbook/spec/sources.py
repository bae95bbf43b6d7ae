"""`[[sources]]`: the log folders to collect, with an adapter, a path pattern and params of their own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resultsbook.errors import SpecError
from resultsbook.sources.collect import CollectRequest
from resultsbook.sources.derive import parse_derivation
from resultsbook.spec.keys import check_keys, mapping_at, strings
from resultsbook.store.location import url_scheme

SOURCE_KEYS = {
    "path": "the folder (or file) to collect, relative to the spec",
    "adapter": "read every file with this adapter [default: each adapter claims its own files]",
    "pattern": 'params from paths, e.g. `"{model}_{seed}/log.csv"` '
    "(also `*`, `**`, `{name:regex}`, `{_skip}`)",
    "columns": 'the column names of headerless CSV files, e.g. `["epoch", "step", "loss"]`',
    "options": 'adapter options, e.g. `{ step = "epoch" }` (`resultsbook adapters` lists them)',
    "params": 'params added to every run of this source, e.g. `{ dataset = "cifar10" }`',
    "derive": '`[sources.derive.NAME]`: a param computed from another, e.g. `{ from = "config.data.path", '
    "regex = '([^/]+)$' }` (see One file per run)",
}


def read_source(entry: Any, index: int, resolve: Any, where: str) -> CollectRequest:
    """Read one `[[sources]]` entry into a collect request."""
    context = f"[[sources]] #{index + 1}"
    if not isinstance(entry, Mapping) or "path" not in entry:
        raise SpecError(f'{where}: {context} needs a path, e.g. path = "runs"')
    check_keys(entry, SOURCE_KEYS, where, context)
    options = dict(mapping_at(entry, "options", where, context))
    if "columns" in entry:
        options["columns"] = list(strings(entry["columns"], where, f"{context} columns"))
    path = str(entry["path"])
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
    )
