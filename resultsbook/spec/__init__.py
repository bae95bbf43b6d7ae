"""Read the spec (resultsbook.toml) into frozen specs, one module per part."""

from resultsbook.spec.document import SPEC_NAME, Spec, find_spec, load_spec
from resultsbook.spec.figures import FigureSpec
from resultsbook.spec.macros import MacroSpec, ValueSpec, macro_name
from resultsbook.spec.report import ReportSpec
from resultsbook.spec.tables import TableSpec, table_stats

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
