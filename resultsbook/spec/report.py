"""`[report]`: the self-contained HTML results page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from resultsbook.errors import SpecError
from resultsbook.spec.keys import check_keys, optional_str

REPORT_KEYS = {
    "output": "the HTML file [default: `resultsbook-report.html` beside the spec]",
    "title": "the page title",
}


@dataclass(frozen=True)
class ReportSpec:
    """The HTML results page."""

    output: str | None = None
    title: str | None = None


def read_report(entry: Any, resolve: Any, where: str) -> ReportSpec:
    """Read `[report]`, the HTML results page."""
    if not isinstance(entry, Mapping):
        raise SpecError(f'{where}: [report] must be a table, e.g. [report] output = "results/report.html"')
    check_keys(entry, REPORT_KEYS, where, "[report]")
    output = optional_str(entry, "output", where, "[report]", "results/report.html")
    title = optional_str(entry, "title", where, "[report]", "Results")
    return ReportSpec(output=resolve(output) if output else None, title=title)
