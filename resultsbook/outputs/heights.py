"""`build` says which LaTeX tables have more rows than a page holds: a float or a tabular does not
break across pages, so LaTeX sets it off the page (and at about 1,400 rows stops with `Dimension too
large`); `longtable = true` breaks it, with its header repeated."""

from __future__ import annotations

import os

from resultsbook.outputs.build import BuildReport, Finding
from resultsbook.outputs.widths import TABLE_FONT_PT
from resultsbook.spec import Spec

# article's 10pt page: 43 lines of 12pt; a tabular row is one line (\arraystretch 1)
_ARTICLE_TEXT_HEIGHT_PT = 43 * 12.0
_HEADER_LINES = 4  # the rules, the header row and a caption line


def too_tall_tables(spec: Spec, report: BuildReport) -> list[Finding]:
    """Return a finding for each LaTeX table of the build with more rows than a page of the venue (or
    of article's 10pt page, without one) holds, that is not a longtable."""
    findings = []
    for name, table in spec.tables.items():
        built = report.tables.get(name)
        latex = [path for path in table.outputs if path.endswith(".tex")]
        if built is None or not latex or table.latex.longtable:
            continue
        fit = rows_on_a_page(spec)
        if len(built.rows) <= fit:
            continue
        output = os.path.relpath(latex[0], spec.folder)
        page = spec.venue.title if spec.venue is not None else "10pt text"
        fix = (  # longtable stops LaTeX on a two-column page
            "split it with where, or \\input it in a one-column appendix with longtable = true"
            if spec.venue is not None and spec.venue.columns > 1
            else "set longtable = true (one-column pages) to break it, or split it with where"
        )
        text = (
            f"{output} has {len(built.rows)} rows, more than a page holds ({page}: about {fit}, fewer "
            f"with a caption or long notes): LaTeX does not break a table across pages and sets it off the "
            f"page; {fix}"
        )
        findings.append(Finding(name, "", "height", text))
    return findings


def rows_on_a_page(spec: Spec) -> int:
    """Return about how many rows of a table a page holds: its text height over a line of its font."""
    if spec.venue is None:
        return int(_ARTICLE_TEXT_HEIGHT_PT / 12.0) - _HEADER_LINES
    line = 1.2 * TABLE_FONT_PT.get(spec.venue.table_font, float(spec.venue.font_size.removesuffix("pt")))
    return int(spec.venue.text_height / line) - _HEADER_LINES
