"""Shell completion of names: tables and figures of the spec, metrics, params and runs of the store.

Enable it once per shell (see docs/troubleshooting.md): `eval "$(_RESULTSBOOK_COMPLETE=bash_source
resultsbook)"`. A completion never fails loudly: whatever goes wrong, it offers nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import click
from click.shell_completion import CompletionItem


def _quietly(find: Callable[[click.Context], Iterable[str]]) -> Callable[..., list[CompletionItem]]:
    """Turn a name finder into a click completion callback that offers nothing when it fails."""

    def complete(context: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        head, comma, tail = incomplete.rpartition(",")
        prefix = head + comma if param.name in _LISTS else ""
        word = tail if prefix else incomplete
        try:
            names = sorted(set(find(context)))
        except Exception:  # completion must never print a traceback into the shell
            return []
        return [CompletionItem(prefix + name) for name in names if name.startswith(word)]

    return complete


_LISTS = {"rows", "columns", "replicate"}  # comma-separated flags: complete the last name


def _spec(context: click.Context) -> Any:
    from resultsbook.spec import find_spec, load_spec

    path = context.params.get("config") or find_spec()
    return load_spec(path) if path else None


def _store(context: click.Context) -> Any:
    from resultsbook.cli.common import resolve_db
    from resultsbook.store import Store

    return Store.open(resolve_db(context.params.get("db_path"), _spec(context)), create=False)


def _entries(context: click.Context) -> list[str]:
    spec = _spec(context)
    return [*spec.tables, *spec.figures] if spec else []


def _tables(context: click.Context) -> list[str]:
    spec = _spec(context)
    return list(spec.tables) if spec else []


def _explainable(context: click.Context) -> list[str]:
    import os

    spec = _spec(context)
    if spec is None:
        return []
    names = [*spec.tables, *spec.figures]
    names += [os.path.relpath(path) for table in spec.tables.values() for path in table.outputs]
    names += [os.path.relpath(path) for figure in spec.figures.values() for path in figure.outputs]
    if spec.macros is not None:
        names += list(spec.macros.values)
    return names


def _metrics(context: click.Context) -> list[str]:
    with _store(context) as store:
        return store.metric_keys()


def _params(context: click.Context) -> list[str]:
    from resultsbook.query.select import RUN_FIELDS

    with _store(context) as store:
        return [*store.param_keys(), *RUN_FIELDS]


def _runs(context: click.Context) -> list[str]:
    with _store(context) as store:
        return [text for run_id, name in store.run_names() for text in (name, run_id)]


complete_entries = _quietly(_entries)
complete_explainable = _quietly(_explainable)
complete_tables = _quietly(_tables)
complete_metrics = _quietly(_metrics)
complete_params = _quietly(_params)
complete_runs = _quietly(_runs)
