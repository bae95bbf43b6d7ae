"""Plain-text tables for the terminal."""

from __future__ import annotations

from tabulate import tabulate

from resultsbook.render.layout import Layout, plain_cell, row_label_texts
from resultsbook.render.markdown import flat_headers

_BOLD, _RESET = "\033[1m", "\033[0m"


def render_terminal(layout: Layout, color: bool = False) -> str:
    """Render a laid-out table as aligned plain text; the best values bold when `color`."""
    headers = list(layout.row_labels) + [" / ".join(parts) for parts in flat_headers(layout)]
    rows = []
    for labels, cells in layout.body:
        texts = []
        for cell in cells:
            text = plain_cell(cell)
            if color and cell is not None and cell.emphasis == "best":
                text = f"{_BOLD}{text}{_RESET}"
            texts.append(text)
        rows.append(row_label_texts(labels) + texts)
    align = ["left"] * len(layout.row_labels) + ["right"] * (len(headers) - len(layout.row_labels))
    lines = [tabulate(rows, headers=headers, tablefmt="simple", colalign=align, disable_numparse=True)]
    lines += [f"{symbol} {text}" for symbol, text in layout.footnotes]
    if layout.stat_note:
        lines.append(layout.stat_note)
    return "\n".join(lines) + "\n"
