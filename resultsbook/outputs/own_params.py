"""A table's own param keys (`replicate`, `run_specific`, `tasks`, `pool`, `highlight`) and the ones it
inherits, checked against the runs: a key no run has is a typo, refused with the key meant."""

from __future__ import annotations

import os
from collections.abc import Sequence

from resultsbook.errors import ResultsbookError
from resultsbook.models import StoredRun
from resultsbook.query.model import DEFAULT_RUN_SPECIFIC, ResultTable
from resultsbook.query.runs import RUN_FIELDS, Runs
from resultsbook.query.select import check_params_exist, has_key, known_keys
from resultsbook.render.layout import check_highlight
from resultsbook.spec import Spec, TableSpec
from resultsbook.spec.keys import strings


def asks_params(table_spec: TableSpec) -> bool:
    """Tell whether a table names param keys of its own beyond the defaults (seed, the usual run-specific)."""
    query = table_spec.query
    extra = [k for k in query.replicate if k != "seed"], query.run_specific[len(DEFAULT_RUN_SPECIFIC) :]
    return any(extra) or bool(query.tasks) or bool(query.pool)


def check_own_params(spec: Spec, table_spec: TableSpec, runs: Sequence[StoredRun] | Runs) -> None:
    """Refuse a table's `replicate`, `run_specific`, `tasks` or `pool` key that no run has (a typo),
    naming the table; the defaults (seed, and the usual run-specific params) may be absent."""
    if not asks_params(table_spec):  # the defaults only: nothing to look up
        return
    query = table_spec.query
    asked = ([k for k in query.replicate if k != "seed"], query.run_specific[len(DEFAULT_RUN_SPECIFIC) :])
    keys = (*asked[0], *asked[1], *query.tasks, *query.pool)
    if all(key in RUN_FIELDS or has_key(runs, key) for key in keys):
        return  # each asked key looked up alone: every param of 100k runs is not read for the usual case
    known = known_keys(runs)
    checked = (
        ("replicate", asked[0]),
        ("run_specific", asked[1]),
        ("tasks", query.tasks),
        ("pool", query.pool),
    )
    for key, names in checked:
        try:
            check_params_exist(key, names, known)
        except ResultsbookError as error:
            setter = _setter(spec, key) if _inherits(spec, table_spec, key) else f"[tables.{table_spec.name}]"
            raise type(error)(f"{os.path.basename(spec.path)}: {setter} {error}") from error


def check_inherited_params(spec: Spec, runs: Runs) -> None:
    """Refuse, once, a `replicate` or `run_specific` key of [defaults] (or the top level) that no run
    has: every table inheriting it would say so as its own."""
    settings = spec.table_defaults
    asked = {
        key: [name for name in strings(settings[key], "", key) if name != "seed"]
        for key in ("replicate", "run_specific")
        if key in settings
    }
    names = [name for keys in asked.values() for name in keys]
    if not len(runs) or all(name in RUN_FIELDS or has_key(runs, name) for name in names):
        return
    known = known_keys(runs)
    for key, keys in asked.items():
        try:
            check_params_exist(key, keys, known)
        except ResultsbookError as error:
            raise type(error)(f"{os.path.basename(spec.path)}: {_setter(spec, key)} {error}") from error


def _inherits(spec: Spec, table_spec: TableSpec, key: str) -> bool:
    """Tell whether a table has a setting as [defaults] (or the top level) gives it."""
    return key in spec.table_defaults and table_spec.entry.get(key) == spec.table_defaults[key]


def _setter(spec: Spec, key: str) -> str:
    """Name where an inherited setting is written: `[defaults]` or the top level."""
    return "top-level" if key in spec.top_level_settings else "[defaults]"


def setting_context(spec: Spec, table_spec: TableSpec, message: str) -> str:
    """Name the table a message about one of its settings is of, and where it takes the setting from
    when it inherits it (`[tables.t], which takes highlight from [defaults]:`): other tables may use it."""
    key = message.split(" ", 1)[0]
    if not _inherits(spec, table_spec, key):
        return f"[tables.{table_spec.name}]"
    return f"[tables.{table_spec.name}], which takes {key} from {_setter(spec, key)}:"


def check_spec_highlight(spec: Spec, table_spec: TableSpec, table: ResultTable) -> None:
    """Refuse a table's highlight that is none of its keys, named where it is written."""
    try:
        check_highlight(table, table_spec.format.highlight)
    except ResultsbookError as error:
        where = f"{os.path.basename(spec.path)}: {setting_context(spec, table_spec, str(error))}"
        raise type(error)(f"{where} {error}") from error
