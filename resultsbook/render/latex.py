"""LaTeX tables (booktabs) from a layout: small named pieces joined by the Jinja2 template."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from resultsbook.render.escape import escape_latex
from resultsbook.render.layout import DisplayCell, Layout
from resultsbook.render.templates import render_template

_MARK_LATEX = {
    "*": "*",
    "#": r"\#",
    "†": r"\dagger",
    "‖": r"\|",
    "‡": r"\ddagger",
    "§": r"\S",
    "¶": r"\P",
    "≈": r"\approx",
    "∞": r"\infty",
    "⋆": r"\star",
    "°": r"\circ",
}
_SIUNITX_BOLD = "reset-text-series=false, text-series-to-math=true"
DASH = "--"


@dataclass(frozen=True)
class LatexOptions:
    """How the LaTeX table is wrapped: bare tabular or float, caption, label, template."""

    float: bool = False
    caption: str | None = None
    label: str | None = None
    placement: str = "t"
    template: str = "table.tex.j2"
    template_dirs: tuple[str, ...] = ()


def render_latex(
    layout: Layout, style: str, options: LatexOptions = LatexOptions(), generated: str = ""
) -> str:
    """Render a laid-out table as LaTeX source; `generated` becomes its first-line comment."""
    return render_template(
        options.template,
        options.template_dirs,
        header_comment=f"% {generated}" if generated else "",
        float=options.float,
        placement=options.placement,
        caption=escape_latex(options.caption) if options.caption else "",
        label=options.label or "",
        column_spec=column_spec(layout, style),
        header_lines=header_lines(layout, style),
        body_lines=body_lines(layout, style),
        notes=note_lines(layout),
        width=layout.width,
    )


def column_spec(layout: Layout, style: str) -> str:
    """Return the tabular column spec: `l` per row key, then one value column each."""
    values = sum(span for _, span in layout.header_levels[-1])
    s_column = f"S[table-format={_table_format(layout)}, {_SIUNITX_BOLD}]"
    value_spec = s_column if style == "siunitx-S" else "c"
    return "l" * len(layout.row_labels) + value_spec * values


def _table_format(layout: Layout) -> str:
    """Return siunitx's table-format (integer.decimal(uncertainty) digits) covering every cell."""
    integer, decimal, uncertainty, sign, exponent = 1, 0, 0, False, ""
    for _, cells in layout.body:
        for cell in cells:
            if cell is None or not cell.center or _infinite(cell):
                continue
            mantissa, _, power = cell.center.partition("e")
            whole, _, fraction = mantissa.lstrip("-").partition(".")
            sign = sign or cell.center.startswith("-")
            integer, decimal = max(integer, len(whole)), max(decimal, len(fraction))
            if power:
                exponent = f"e{'-' if power.startswith('-') else ''}{len(power.lstrip('-'))}"
            if cell.spread is not None:
                uncertainty = max(uncertainty, len(_uncertainty_digits(cell)))
    text = f"{'-' if sign else ''}{integer}.{decimal}"
    return text + (f"({uncertainty})" if uncertainty else "") + exponent


def header_lines(layout: Layout, style: str) -> list[str]:
    """Return the header rows: grouped levels with \\cmidrule, then the last level with row-key names."""
    lines: list[str] = []
    lead = len(layout.row_labels)
    braced = style == "siunitx-S"
    for depth, level in enumerate(layout.header_levels):
        last = depth == len(layout.header_levels) - 1
        cells = [escape_latex(label) for label in layout.row_labels] if last else [""] * lead
        rules: list[str] = []
        position = lead + 1
        for label, span in level:
            text = escape_latex(label)
            if span > 1:
                cells.append(rf"\multicolumn{{{span}}}{{c}}{{{text}}}")
                rules.append(rf"\cmidrule(lr){{{position}-{position + span - 1}}}")
            else:
                cells.append(f"{{{text}}}" if braced else text)
            position += span
        lines.append(" & ".join(cells) + r" \\")
        if rules and not last:
            lines.append(" ".join(rules))
    return lines


def body_lines(layout: Layout, style: str) -> list[str]:
    """Return the body rows, with \\addlinespace between first-level row groups."""
    lines = []
    for index, (labels, cells) in enumerate(layout.body):
        if index in layout.group_starts:
            lines.append(r"\addlinespace")
        parts = [escape_latex(label) if label is not None else "" for label in labels]
        parts += [latex_cell(cell, style, layout.spread_kind) for cell in cells]
        lines.append(" & ".join(parts) + r" \\")
    return lines


def latex_cell(cell: DisplayCell | None, style: str, spread_kind: str) -> str:
    """Return one value cell: number and spread in the chosen style, emphasis, footnote marks."""
    s_column = style == "siunitx-S"
    if cell is None or not cell.center:
        marks = _marks(cell.marks) if cell is not None else ""
        return f"{{{DASH}{marks}}}" if s_column else DASH + marks
    if _infinite(cell) and style.startswith("siunitx"):  # siunitx cannot parse inf: plain text
        text = latex_cell(cell, "pm", spread_kind)
        return f"{{{text}}}" if s_column else text
    if s_column:
        body = _siunitx_body(cell)
        if cell.emphasis == "best":
            text = rf"\bfseries {body}"
        elif cell.emphasis == "second":
            text = rf"{{\underline{{\num{{{body}}}}}}}"
        else:
            text = body
        return text + (rf"\rlap{{{_marks(cell.marks)}}}" if cell.marks else "")
    text = _number_text(cell, style)
    if cell.interval is not None:
        low, high = (_tex_number(bound) for bound in cell.interval)
        text += rf" {{\small[{low}, {high}]}}"
    if cell.emphasis == "best":
        text = _bold(text, style)
    elif cell.emphasis == "second":
        text = rf"\underline{{{text}}}"
    return text + _marks(cell.marks)


def _infinite(cell: DisplayCell) -> bool:
    return any(text in ("inf", "-inf") for text in (cell.center, cell.spread, *(cell.interval or ())))


def _number_text(cell: DisplayCell, style: str) -> str:
    if style == "siunitx":
        options = f"[{_SIUNITX_BOLD}]" if cell.emphasis == "best" else ""
        return rf"\num{options}{{{_siunitx_body(cell)}}}"
    center = _tex_number(cell.center)
    if cell.spread is None:
        return center
    if style == "sub":
        return rf"{center}$_{{\pm {_tex_number(cell.spread, math=True)}}}$"
    return rf"{center} $\pm$ {_tex_number(cell.spread)}"


def _siunitx_body(cell: DisplayCell) -> str:
    """Return siunitx's number with its compact uncertainty: 12.3(4)e-9."""
    mantissa, _, power = cell.center.partition("e")
    uncertainty = f"({_uncertainty_digits(cell)})" if cell.spread is not None else ""
    return mantissa + uncertainty + (f"e{power}" if power else "")


def _tex_number(text: str, math: bool = False) -> str:
    """Write a number's shared power of ten as LaTeX: 12.3e-9 is 12.3\times10^{-9}."""
    if text in ("inf", "-inf"):
        return r"\ensuremath{\infty}" if text == "inf" else r"\ensuremath{-\infty}"
    mantissa, _, power = text.partition("e")
    if not power:
        return text
    times = rf"\times 10^{{{power}}}"
    return mantissa + (times if math else rf"\ensuremath{{{times}}}")


def _bold(text: str, style: str) -> str:
    if style == "sub" and "$_" in text:
        number, _, rest = text.partition("$_")
        return rf"\textbf{{{number}}}$_{rest}"
    return rf"\textbf{{{text}}}"


def _uncertainty_digits(cell: DisplayCell) -> str:
    """Return the spread as siunitx's compact uncertainty: 0.2 at one decimal is (2), 1.2 is (12)."""
    assert cell.spread is not None
    digits = cell.spread.partition("e")[0].replace(".", "").lstrip("0")
    return digits or "0"


def _marks(symbols: Sequence[str]) -> str:
    if not symbols:
        return ""
    return "$^{" + ",".join(_MARK_LATEX[s] for s in symbols) + "}$"


def note_lines(layout: Layout) -> list[str]:
    """Return the footnote lines under the table: marks explained, then what the numbers are."""
    lines = [f"{_marks([symbol])} {escape_latex(text)}" for symbol, text in layout.footnotes]
    if layout.stat_note:
        lines.append(escape_latex(layout.stat_note))
    return lines
