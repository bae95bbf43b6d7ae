"""Renderers: pure functions from an aggregated table to text. They never write files or print."""

from __future__ import annotations

from resultsbook.query.model import ResultTable
from resultsbook.render.data import render_csv, render_json
from resultsbook.render.latex import LatexOptions, render_latex
from resultsbook.render.layout import Labels, TableFormat, layout_table
from resultsbook.render.markdown import MarkdownOptions, render_markdown
from resultsbook.render.terminal import render_terminal

FORMATS = ("terminal", "latex", "markdown", "csv", "json")
SUFFIX_FORMATS = {".tex": "latex", ".md": "markdown", ".csv": "csv", ".json": "json"}


def render_table(
    table: ResultTable,
    output_format: str,
    fmt: TableFormat = TableFormat(),
    labels: Labels = Labels(),
    latex: LatexOptions = LatexOptions(),
    markdown: MarkdownOptions = MarkdownOptions(),
    color: bool = False,
    generated: str = "",
) -> str:
    """Render an aggregated table in one of FORMATS; `generated` goes in a comment where it fits."""
    if output_format == "csv":
        return render_csv(table, fmt.digits, fmt.escape_formulas)
    if output_format == "json":
        return render_json(table, fmt.digits, generated)
    layout = layout_table(table, fmt, labels)
    if output_format == "latex":
        return render_latex(layout, fmt.style, latex, generated)
    if output_format == "markdown":
        return render_markdown(layout, markdown, generated)
    return render_terminal(layout, color)


__all__ = [
    "FORMATS",
    "SUFFIX_FORMATS",
    "Labels",
    "LatexOptions",
    "MarkdownOptions",
    "TableFormat",
    "render_table",
]
