"""GitHub Markdown tables (via tabulate) with the same content as the LaTeX ones, bold best."""

from __future__ import annotations

from dataclasses import dataclass

from resultsbook.render.escape import escape_markdown
from resultsbook.render.layout import DisplayCell, Layout, flat_headers, row_label_texts
from resultsbook.render.templates import render_template

DASH = "–"


@dataclass(frozen=True)
class MarkdownOptions:
    """Caption and template of a Markdown table."""

    caption: str | None = None
    template: str = "table.md.j2"
    template_dirs: tuple[str, ...] = ()


def render_markdown(layout: Layout, options: MarkdownOptions = MarkdownOptions(), generated: str = "") -> str:
    """Render a laid-out table as a GitHub Markdown table with notes under it."""
    return render_template(
        options.template,
        options.template_dirs,
        header_comment=f"<!-- {escape_html_comment(generated)} -->" if generated else "",
        caption=escape_markdown(options.caption) if options.caption else "",
        table=markdown_grid(layout),
        notes=markdown_notes(layout),
    )


def escape_html_comment(text: str) -> str:
    """Keep text from closing an HTML comment early."""
    return text.replace("--", "- -")


def markdown_grid(layout: Layout) -> str:
    """Return just the table: column headers joined across levels ("CIFAR-10 / acc")."""
    headers = [escape_markdown(label) for label in layout.row_labels] + [
        escape_markdown(" / ".join(parts)) for parts in flat_headers(layout)
    ]
    rows = [
        [escape_markdown(label) for label in row_label_texts(labels)]
        + [markdown_cell(cell) for cell in cells]
        for labels, cells in layout.body
    ]
    align = ["left"] * len(layout.row_labels) + ["right"] * (len(headers) - len(layout.row_labels))
    from tabulate import tabulate  # ≈ 30 ms: a build imports this module for MarkdownOptions alone

    return tabulate(rows, headers=headers, tablefmt="github", colalign=align, disable_numparse=True)


def markdown_cell(cell: DisplayCell | None) -> str:
    """Return one value cell: `**93.4 ± 0.2**` for the best, `*…*` for the second, marks after."""
    if cell is None or not cell.center:
        return DASH + ("".join(cell.marks) if cell is not None else "")
    text = cell.center
    if cell.spread is not None:
        text += f" ± {cell.spread}"
    elif cell.interval is not None:
        text += f" [{cell.interval[0]}, {cell.interval[1]}]"
    if cell.emphasis == "best":
        text = f"**{text}**"
    elif cell.emphasis == "second":
        text = f"*{text}*"
    return text + escape_markdown("".join(cell.marks))


def markdown_notes(layout: Layout) -> list[str]:
    """Return the lines under the table: marks explained, then what the numbers are."""
    lines = [f"{_note_symbol(symbol)} {escape_markdown(text)}  " for symbol, text in layout.footnotes]
    if layout.dash_note:
        lines.append(f"{DASH} {escape_markdown(layout.dash_note)}  ")
    if layout.stat_note:
        lines.append(escape_markdown(layout.stat_note + layout.second_note("Italics")))
    return lines


def _note_symbol(symbol: str) -> str:
    """Return a mark's symbol as it opens a note line: `#` there would make the note a heading."""
    return escape_markdown(symbol).replace("#", "\\#")
