"""Plain-text tables for the terminal."""

from __future__ import annotations

from resultsbook.render.escape import escape_terminal
from resultsbook.render.layout import Layout, flat_headers, plain_cell, row_label_texts
from resultsbook.render.texttable import BOLD, RESET, text_table


def render_terminal(layout: Layout, color: bool = False) -> str:
    """Render a laid-out table as aligned plain text; the best values bold when `color`, else
    between `**` (as the layout's note says: PLAIN_BOLD). Every value is escaped for the terminal:
    an escape sequence from a log is shown, never obeyed."""
    headers = [escape_terminal(label) for label in layout.row_labels]
    headers += [escape_terminal(" / ".join(parts)) for parts in flat_headers(layout)]
    rows = []
    for labels, cells in layout.body:
        texts = []
        for cell in cells:
            text = escape_terminal(plain_cell(cell))
            if cell is not None and cell.emphasis == "best":
                value = escape_terminal(plain_cell(cell, marks=False))
                text = f"{BOLD}{text}{RESET}" if color else f"**{value}**{text[len(value) :]}"
            texts.append(text)
        rows.append([escape_terminal(label) for label in row_label_texts(labels)] + texts)
    align = ["left"] * len(layout.row_labels) + ["right"] * (len(headers) - len(layout.row_labels))
    lines = [text_table(headers, rows, align)]
    lines += [escape_terminal(f"{symbol} {text}") for symbol, text in layout.footnotes]
    if layout.dash_note:
        lines.append(escape_terminal(f"– {layout.dash_note}"))
    if layout.stat_note:
        lines.append(escape_terminal(layout.stat_note))
    return "\n".join(lines) + "\n"
