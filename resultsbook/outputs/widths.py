"""On a venue's page, `build` sets every LaTeX table it built on the venue's column, as the preview
does (one draft pdflatex pass), and says which is wider than the column, by how much, and the fix;
and which `fit = "scale"` shrinks until its text is too small to read."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import replace

from resultsbook.outputs.build import BuildReport, Finding, written_files
from resultsbook.outputs.columns import table_placements
from resultsbook.render.venues import Venue
from resultsbook.spec import Spec, TableSpec

_MEASURED = "widths.tex"
_NATURAL = "natural.tex"
# \scriptsize of a 10pt paper: smaller text is hard to read in print (AAAI refuses \tiny, 5pt)
SMALLEST_LEGIBLE_PT = 7.0
TABLE_FONT_PT = {r"\footnotesize": 8.0, r"\small": 9.0}  # of a 10pt class (IEEEtran, llncs)


def too_wide_tables(spec: Spec, report: BuildReport) -> list[Finding]:
    """Return a finding for each LaTeX table of the build wider than the venue's column (or its text
    width, across both columns), or shrunk by `fit = "scale"` past reading; none without a venue or
    pdflatex. Tables that do not compile together are measured one by one, and one that does not
    compile alone is said to be unmeasured (the preview, and the paper, say why)."""
    venue = spec.venue
    tables = {
        name: table
        for name, table in spec.tables.items()
        if name in report.tables and any(path.endswith(".tex") for path in table.outputs)
    }
    if venue is None or not tables or shutil.which("pdflatex") is None:
        return []
    findings = _measured(spec, report, tables)
    if not isinstance(findings, str):
        return findings
    # one table that does not compile (a label needing a package) stopped the pass: each alone, then
    unmeasured: dict[str, str] = {}
    measured: list[Finding] = []
    for name, table in tables.items():
        alone = _measured(spec, report, {name: table})
        if isinstance(alone, str):
            unmeasured[name] = alone
        else:
            measured += alone
    if len(unmeasured) == len(tables) > 1 and len(set(unmeasured.values())) == 1:  # the preamble, say
        text = (
            f"no table was measured against the {venue.title} column: a draft of the venue's class with "
            f"the spec's preamble does not compile ({findings})"
        )
        return [Finding(next(iter(tables)), "", "venue", text)]
    for name, error in unmeasured.items():
        text = (
            f"{_latex_output(spec, name)} was not measured against the {venue.title} column: it does not "
            f"compile in a draft of the venue's class ({error})"
        )
        measured.append(Finding(name, "", "venue", text))
    return measured


def _measured(spec: Spec, report: BuildReport, tables: Mapping[str, TableSpec]) -> list[Finding] | str:
    """Return the findings of one draft pass over `tables`; the draft's first error when it does not
    compile."""
    from resultsbook.outputs.preview import draft_error, draft_log, preview_source, too_wide

    venue = spec.venue
    assert venue is not None
    shown = replace(spec, tables=dict(tables), figures={}, macros=None)
    with tempfile.TemporaryDirectory(prefix="resultsbook-widths-") as folder:
        with open(os.path.join(folder, _MEASURED), "w", encoding="utf-8") as handle:
            handle.write(preview_source(shown, report, folder, venue))
        log = draft_log(folder, _MEASURED)
        if log is None:
            return draft_error(folder, _MEASURED)
        across = placed_across(spec, tables)
        wide = too_wide(shown, log, folder, venue, across)
        shrunk = _shrunk_tables(shown, report, folder, venue, across)
    findings = []
    for name, text in wide:
        table = name.removeprefix("table ")
        findings.append(Finding(table, "", "venue", f"{_latex_output(spec, table)} {text}"))
        # a scaled table sticks out only where a cell does: its unscaled width counts that cell's overflow
        shrunk.pop(table, None)
    return findings + [
        Finding(table, "", "venue", f"{_latex_output(spec, table)} {text}") for table, text in shrunk.items()
    ]


def _latex_output(spec: Spec, table: str) -> str:
    output = next(path for path in spec.tables[table].outputs if path.endswith(".tex"))
    return os.path.relpath(output, spec.folder)


def placed_across(spec: Spec, tables: Mapping[str, TableSpec]) -> set[str]:
    """Return the tables that the paper's files (`[macros] paper`) input only inside a table* or
    figure*, across both columns, though they are not such floats themselves."""
    paper = spec.macros.paper if spec.macros is not None else ()
    if not paper:
        return set()
    generated = written_files(spec)
    across = set()
    for name, table in tables.items():
        latex = [path for path in table.outputs if path.endswith(".tex")]
        placements = table_placements(latex, paper, generated)
        if placements and all(placement.across for placement in placements):
            across.add(name)
    return across


def _shrunk_tables(
    spec: Spec, report: BuildReport, folder: str, venue: Venue, placed: Collection[str]
) -> dict[str, str]:
    """Return, for each `fit = "scale"` table that the scaling sets below legible text, what it is."""
    from resultsbook.outputs.preview import across_columns, draft_log, overflows, preview_source
    from resultsbook.render import render_table

    scaled = {
        name: table
        for name, table in spec.tables.items()
        if table.latex.fit == "scale" and not table.latex.longtable
    }
    if not scaled:
        return {}
    natural = {}
    for index, (name, table) in enumerate(scaled.items()):  # its natural width: measured unscaled
        path = os.path.join(folder, f"natural-{index}.tex")
        latex = replace(table.latex, fit="natural")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(render_table(report.tables[name], "latex", table.format, table.labels, latex))
        natural[name] = replace(table, latex=latex, outputs=(path,))
    measured = replace(spec, tables=natural)
    with open(os.path.join(folder, _NATURAL), "w", encoding="utf-8") as handle:
        handle.write(preview_source(measured, report, folder, venue))
    log = draft_log(folder, _NATURAL)
    if log is None:
        return {}
    base = TABLE_FONT_PT.get(venue.table_font, float(venue.font_size.removesuffix("pt")))
    said = {}
    for name, points in overflows(measured, log, folder).items():
        kind, _, entry = name.partition(" ")
        across = venue.columns > 1 and across_columns(measured, kind, entry, venue)
        if venue.columns > 1 and entry in placed:  # measured in the column, set across both
            across, points = True, points - (venue.text_width - venue.column_width)
        width = venue.text_width if across else venue.column_width
        where = f"text width ({width:g}pt), across both columns" if across else f"column ({width:g}pt)"
        factor = width / (width + points)
        if points <= 0 or base * factor >= SMALLEST_LEGIBLE_PT:
            continue
        fix = (
            "fewer columns (rows and columns swapped), shorter labels, or two tables"
            if across or venue.columns == 1
            else 'float = "table*" for both columns, fewer columns, or shorter labels'
        )
        said[entry] = (
            f'is {points:.1f}pt wider than the {venue.title} {where}: fit = "scale" sets it at '
            f"{round(100 * factor)}%, its {base:g}pt text at {_below(base * factor, SMALLEST_LEGIBLE_PT)}pt, "
            f"too small to read; {fix}"
        )
    return said


def _below(size: float, limit: float) -> str:
    """Write a size under `limit` with the decimals that show it under: 6.97, not 7.0 (4.7 as 4.7)."""
    for decimals in (1, 2, 3, 4):
        text = f"{size:.{decimals}f}"
        if float(text) < limit:
            return text
    return f"{size:.4f}"
