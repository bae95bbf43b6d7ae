"""Renderers: pure functions from an aggregated table to text. They never write files or print."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resultsbook.query.model import ResultTable
    from resultsbook.render.latex import LatexOptions
    from resultsbook.render.layout import Labels, TableFormat
    from resultsbook.render.markdown import MarkdownOptions

FORMATS = ("terminal", "latex", "markdown", "csv", "json")
SUFFIX_FORMATS = {".tex": "latex", ".md": "markdown", ".csv": "csv", ".json": "json"}

# the renderers load when first used: importing `resultsbook.render.escape` (every command's output
# goes through it) must not cost jinja2, tabulate and the query model
_LAZY = {
    "Labels": "resultsbook.render.layout",
    "TableFormat": "resultsbook.render.layout",
    "LatexOptions": "resultsbook.render.latex",
    "MarkdownOptions": "resultsbook.render.markdown",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def render_table(
    table: ResultTable,
    output_format: str,
    fmt: TableFormat | None = None,
    labels: Labels | None = None,
    latex: LatexOptions | None = None,
    markdown: MarkdownOptions | None = None,
    color: bool = False,
    generated: str = "",
) -> str:
    """Render an aggregated table in one of FORMATS; `generated` goes in a comment where it fits."""
    from resultsbook.render.layout import Labels, TableFormat, layout_table

    # each format loads only its own renderer (LaTeX and Markdown cost jinja2)
    fmt = fmt if fmt is not None else TableFormat()
    labels = labels if labels is not None else Labels()
    if output_format == "csv":
        from resultsbook.render.data import render_csv

        return render_csv(table, _rounding(table, fmt), fmt.escape_formulas, csv_layout(table, fmt, labels))
    from resultsbook.render.layout import PLAIN_BOLD

    plain = output_format == "terminal" and not color
    layout = layout_table(table, fmt, labels, bold=PLAIN_BOLD if plain else "Bold")
    if output_format == "json":
        from resultsbook.render.data import render_json

        return render_json(table, _rounding(table, fmt), generated, layout)
    if output_format == "latex":
        from resultsbook.render.latex import LatexOptions, render_latex

        return render_latex(layout, fmt.style, latex if latex is not None else LatexOptions(), generated)
    if output_format == "markdown":
        from resultsbook.render.markdown import MarkdownOptions, render_markdown

        return render_markdown(layout, markdown if markdown is not None else MarkdownOptions(), generated)
    from resultsbook.render.terminal import render_terminal

    return render_terminal(layout, color)


def _rounding(table: ResultTable, fmt: TableFormat) -> Any:
    """Return how CSV and JSON round each cell's numbers: as it prints them when the table sets
    `digits` (its power of ten kept: 127.50e-6 is 0.00012750, not 0.00), else None (unrounded)."""
    from resultsbook.render.layout import printed_formats

    return printed_formats(table, fmt) if fmt.digits is not None else None


def csv_layout(table: ResultTable, fmt: TableFormat, labels: Labels) -> Any:
    """Return the printed layout whose marks a CSV carries, or None when the table cannot be printed
    (a CSV of statistics without the centre or spread it would print): its cells' own marks then."""
    from resultsbook.errors import RenderError
    from resultsbook.render.layout import layout_table

    try:
        return layout_table(table, fmt, labels)
    except RenderError:
        return None


__all__ = [
    "FORMATS",
    "SUFFIX_FORMATS",
    "Labels",
    "LatexOptions",
    "MarkdownOptions",
    "TableFormat",
    "render_table",
]
