"""On a venue's page, `build` sets every LaTeX table it built on the venue's column, as the preview
does (one draft pdflatex pass), and says which is wider than the column, by how much, and the fix."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import replace

from resultsbook.outputs.build import BuildReport, Finding
from resultsbook.spec import Spec

_MEASURED = "widths.tex"


def too_wide_tables(spec: Spec, report: BuildReport) -> list[Finding]:
    """Return a finding for each LaTeX table of the build wider than the venue's column (or its text
    width, across both columns); none without a venue or pdflatex, or when the tables do not compile
    (the preview, and the paper, say why)."""
    from resultsbook.outputs.preview import draft_log, preview_source, too_wide

    venue = spec.venue
    tables = {
        name: table
        for name, table in spec.tables.items()
        if name in report.tables and any(path.endswith(".tex") for path in table.outputs)
    }
    if venue is None or not tables or shutil.which("pdflatex") is None:
        return []
    shown = replace(spec, tables=tables, figures={}, macros=None)
    with tempfile.TemporaryDirectory(prefix="resultsbook-widths-") as folder:
        with open(os.path.join(folder, _MEASURED), "w", encoding="utf-8") as handle:
            handle.write(preview_source(shown, report, folder, venue))
        log = draft_log(folder, _MEASURED)
        if log is None:
            return []
        wide = too_wide(shown, log, folder, venue)
    findings = []
    for name, text in wide:
        table = name.removeprefix("table ")
        output = next(path for path in tables[table].outputs if path.endswith(".tex"))
        findings.append(Finding(table, "", "venue", f"{os.path.relpath(output, spec.folder)} {text}"))
    return findings
