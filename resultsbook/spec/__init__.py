"""Read the spec (resultsbook.toml) into frozen specs, one module per part.

The names load with their modules when first used: `collecting.py` reads what a collect needs (the
store and the [[sources]]) without the tables' and figures' modules, which load numpy."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resultsbook.spec.collecting import (
        SPEC_NAME,
        CollectSpec,
        find_spec,
        load_collect_spec,
        spec_not_a_file,
    )
    from resultsbook.spec.document import Spec, load_spec
    from resultsbook.spec.figures import FigureSpec
    from resultsbook.spec.macros import MacroSpec, ValueSpec, macro_name
    from resultsbook.spec.report import ReportSpec
    from resultsbook.spec.tables import TableSpec, table_stats

_HOMES = {
    "SPEC_NAME": "collecting",
    "CollectSpec": "collecting",
    "find_spec": "collecting",
    "load_collect_spec": "collecting",
    "spec_not_a_file": "collecting",
    "Spec": "document",
    "load_spec": "document",
    "FigureSpec": "figures",
    "MacroSpec": "macros",
    "ValueSpec": "macros",
    "macro_name": "macros",
    "ReportSpec": "report",
    "TableSpec": "tables",
    "table_stats": "tables",
}


def __getattr__(name: str) -> Any:
    """Import a name's module when the name is first used."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)


__all__ = [
    "SPEC_NAME",
    "CollectSpec",
    "FigureSpec",
    "MacroSpec",
    "ReportSpec",
    "Spec",
    "TableSpec",
    "ValueSpec",
    "find_spec",
    "load_collect_spec",
    "load_spec",
    "macro_name",
    "spec_not_a_file",
    "table_stats",
]
