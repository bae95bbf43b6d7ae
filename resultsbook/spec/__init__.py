"""Read the spec (resultsbook.toml) into frozen specs, one module per part."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resultsbook.spec.document import SPEC_NAME, Spec, find_spec, load_spec
from resultsbook.spec.macros import MacroSpec, ValueSpec, macro_name
from resultsbook.spec.report import ReportSpec
from resultsbook.spec.tables import TableSpec, table_stats

if TYPE_CHECKING:
    from resultsbook.spec.figures import FigureSpec


def __getattr__(name: str) -> Any:
    # figures load when first named: their curves, profiles and plots cost a spec without figures
    if name == "FigureSpec":
        from resultsbook.spec.figures import FigureSpec

        return FigureSpec
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SPEC_NAME",
    "FigureSpec",
    "MacroSpec",
    "ReportSpec",
    "Spec",
    "TableSpec",
    "ValueSpec",
    "find_spec",
    "load_spec",
    "macro_name",
    "table_stats",
]
