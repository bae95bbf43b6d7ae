"""HTML pieces of the results page: tables from a layout, small data tables, the page itself.
Every value is escaped here; callers pass plain text (or HTML they built with these functions)."""

from __future__ import annotations

from collections.abc import Sequence

from resultsbook.render.escape import escape_html
from resultsbook.render.layout import DisplayCell, Layout

PAGE_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a1a1a; margin: 0 auto;
       max-width: 1100px; padding: 1.5em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.8em 0; }
th, td { padding: 0.25em 0.7em; text-align: right; white-space: nowrap; }
th:first-child, th.key, td.key { text-align: left; }
table.results { border-top: 2px solid #000; border-bottom: 2px solid #000; }
table.results thead tr:last-child th { border-bottom: 1px solid #000; }
table.data { font-size: 0.9em; }
table.data td, table.data th { text-align: left; border-bottom: 1px solid #e5e5e5; white-space: normal; }
.note { color: #444; font-size: 0.9em; } .warn { color: #a04000; }
.status-failed, .status-interrupted { color: #b00020; } .status-running { color: #8a6d00; }
figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
details { margin: 0.4em 0 0.8em; } summary { cursor: pointer; font-weight: 600; }
code { font-size: 0.92em; background: #f4f4f4; padding: 0 0.2em; }
nav a { margin-right: 1em; }
"""


def html_results_table(layout: Layout) -> str:
    """Return a laid-out table as an HTML table: grouped headers, bold best, underlined second, marks."""
    lead = len(layout.row_labels)
    head = []
    for depth, level in enumerate(layout.header_levels):
        last = depth == len(layout.header_levels) - 1
        cells = (
            [f'<th class="key">{escape_html(label)}</th>' for label in layout.row_labels]
            if last
            else ["<th></th>"] * lead
        )
        for label, span in level:
            colspan = f' colspan="{span}"' if span > 1 else ""
            cells.append(f'<th{colspan} style="text-align:center">{escape_html(label)}</th>')
        head.append("<tr>" + "".join(cells) + "</tr>")
    body = []
    for labels, shown in layout.body:
        parts = [f'<td class="key">{escape_html(label or "")}</td>' for label in labels]
        parts += [f"<td>{html_cell(cell)}</td>" for cell in shown]
        body.append("<tr>" + "".join(parts) + "</tr>")
    notes = [f"<sup>{escape_html(symbol)}</sup> {escape_html(text)}" for symbol, text in layout.footnotes]
    if layout.stat_note:
        notes.append(escape_html(layout.stat_note))
    foot = "".join(f'<p class="note">{note}</p>' for note in notes)
    return (
        '<table class="results"><thead>'
        + "".join(head)
        + "</thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
        + foot
    )


def html_cell(cell: DisplayCell | None) -> str:
    """Return one value cell as HTML."""
    if cell is None or not cell.center:
        marks = "".join(cell.marks) if cell is not None else ""
        return "–" + (f"<sup>{escape_html(marks)}</sup>" if marks else "")
    text = escape_html(cell.center)
    if cell.spread is not None:
        text += f" ± {escape_html(cell.spread)}"
    elif cell.interval is not None:
        text += f" [{escape_html(cell.interval[0])}, {escape_html(cell.interval[1])}]"
    if cell.emphasis == "best":
        text = f"<strong>{text}</strong>"
    elif cell.emphasis == "second":
        text = f"<u>{text}</u>"
    if cell.marks:
        text += f"<sup>{escape_html(''.join(cell.marks))}</sup>"
    return text


def html_data_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], classes: Sequence[str] = ()
) -> str:
    """Return a plain data table; every header and value is escaped; `classes` tag rows (e.g. by status)."""
    head = "".join(f"<th>{escape_html(h)}</th>" for h in headers)
    lines = []
    for index, row in enumerate(rows):
        css = f' class="{escape_html(classes[index])}"' if index < len(classes) and classes[index] else ""
        lines.append(f"<tr{css}>" + "".join(f"<td>{escape_html(v)}</td>" for v in row) + "</tr>")
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(lines)}</tbody></table>'


def html_page(title: str, sections: Sequence[tuple[str, str, str]], intro: str = "") -> str:
    """Return a whole page: a title, a link bar, then (anchor, heading, HTML body) sections."""
    nav = " ".join(
        f'<a href="#{escape_html(anchor)}">{escape_html(heading)}</a>' for anchor, heading, _ in sections
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape_html(title)}</title>",
        f"<style>{PAGE_STYLE}</style></head><body>",
        f"<h1>{escape_html(title)}</h1>",
        intro,
        f"<nav>{nav}</nav>",
    ]
    for anchor, heading, body in sections:
        parts.append(f'<section id="{escape_html(anchor)}"><h2>{escape_html(heading)}</h2>{body}</section>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
