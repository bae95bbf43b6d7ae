"""LaTeX tables (booktabs) from a layout: small named pieces joined by the Jinja2 template.

The notes under a table (marks explained, what the numbers are) wrap inside the table's own width:
the tabular is measured in a box and the notes are set in a minipage that wide (the layout of
threeparttable, without needing the package). A table therefore never gets wider because of its
notes, works bare or inside any float, and needs nothing beyond booktabs (and siunitx for its styles).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from resultsbook.errors import RenderError, closest
from resultsbook.render.escape import RawLatex, escape_latex
from resultsbook.render.latexchars import PREAMBLE_FIX, requirement_text, unicode_requirements
from resultsbook.render.layout import S_COLUMN_INTERVAL, DisplayCell, Layout
from resultsbook.render.templates import render_template

_MARK_LATEX = {
    "*": "*",
    "#": r"\#",
    "†": r"\dagger",
    "‖": r"\|",
    "‡": r"\ddagger",
    "§": r"\S",
    "≡": r"\equiv",
    "¶": r"\P",
    "≈": r"\approx",
    "∞": r"\infty",
    "⋆": r"\star",
    "°": r"\circ",
}
_SIUNITX_BOLD = "reset-text-series=false, text-series-to-math=true"
# "61.8 ± 5.5" in the text font, as the other styles print it (siunitx's default is 61.8(55) in math),
# and "1.00 ± 0.00" when the spread rounds to zero (siunitx's default drops it: "1.00" under "Mean ± std")
SIUNITX_SETUP = "uncertainty-mode = separate, mode = match, retain-zero-uncertainty = true"
FITS = ("natural", "scale", "tabular*", "tabularx")
FLOATS = ("table", "table*")
# what each option needs in the paper's preamble, beyond booktabs
FIT_PACKAGES = {"scale": "graphicx", "tabularx": "tabularx"}
# a command each package defines: a table tells a preamble without the package by one error naming it,
# not by `Undefined control sequence` at \toprule
PACKAGE_COMMANDS = {
    "booktabs": r"\toprule",
    "siunitx": r"\num",
    "graphicx": r"\resizebox",
    "tabularx": r"\tabularx",
    "longtable": r"\longtable",
    "multirow": r"\multirow",
}
DASH = "--"


@dataclass(frozen=True)
class LatexOptions:
    """How the LaTeX table is wrapped: bare or floating, its width, long tables, row groups, template."""

    float: bool = False
    caption: str | None = None
    label: str | None = None
    placement: str = "t"
    template: str = "table.tex.j2"
    template_dirs: tuple[str, ...] = ()
    float_env: str = "table"  # or table*: across both columns of a two-column paper
    fit: str = "natural"  # natural | scale (shrink to \linewidth when wider) | tabular* | tabularx
    longtable: bool = False  # break across pages, header repeated (one-column pages only)
    multirow: bool = False  # a row group's label centred on its rows (\multirow)
    siunitx: str = SIUNITX_SETUP  # \sisetup for the siunitx styles, local to the table; "" for none

    def __post_init__(self) -> None:
        if self.fit not in FITS:
            guess = closest(self.fit.lower(), FITS)
            meant = f"; did you mean {guess!r}?" if guess else ""
            raise RenderError(f"fit {self.fit!r} is not one of {', '.join(FITS)}{meant}")
        if self.float_env not in FLOATS:
            raise RenderError(f"float {self.float_env!r} is not one of {', '.join(FLOATS)}")
        if self.longtable and self.float:
            raise RenderError(
                "a longtable breaks across pages and cannot float; remove float (its caption and label "
                "go inside the longtable)"
            )
        if self.longtable and self.fit not in ("natural", "tabular*"):
            raise RenderError(f"fit = {self.fit!r} cannot be combined with longtable; use natural")

    def packages(self, style: str) -> list[str]:
        """Return the packages a table with these options needs, in preamble order."""
        needed = ["booktabs"]
        if style.startswith("siunitx"):
            needed.append("siunitx")
        if self.fit in FIT_PACKAGES:
            needed.append(FIT_PACKAGES[self.fit])
        if self.longtable:
            needed.append("longtable")
        if self.multirow:
            needed.append("multirow")
        return needed


def render_latex(
    layout: Layout, style: str, options: LatexOptions = LatexOptions(), generated: str = ""
) -> str:
    """Render a laid-out table as LaTeX source; `generated` becomes its first-line comment."""
    notes = note_lines(layout)
    environment, width = _environment(options)
    return render_template(
        options.template,
        options.template_dirs,
        header_comment=f"% {generated}" if generated else "",
        requires=[(PACKAGE_COMMANDS[package], package) for package in options.packages(style)],
        float=options.float,
        float_env=options.float_env,
        placement=options.placement,
        caption=escape_latex(options.caption) if options.caption else "",
        label=options.label or "",
        column_spec=column_spec(layout, style, options.fit),
        header_lines=header_lines(layout, style),
        body_lines=body_lines(layout, style, options.multirow),
        notes=notes,
        width=layout.width,
        environment=environment,
        environment_width=width,
        setup=rf"\sisetup{{{options.siunitx}}}" if style.startswith("siunitx") and options.siunitx else "",
        boxed=not options.longtable and (bool(notes) or options.fit == "scale"),
        scale=options.fit == "scale",
        longtable=options.longtable,
    )


def _environment(options: LatexOptions) -> tuple[str, str]:
    """Return the table environment and its width argument."""
    if options.longtable:
        return "longtable", ""
    if options.fit == "tabular*":
        return "tabular*", r"{\linewidth}"
    if options.fit == "tabularx":
        return "tabularx", r"{\linewidth}"
    return "tabular", ""


def column_spec(layout: Layout, style: str, fit: str = "natural") -> str:
    """Return the column spec: `l` per row key (tabularx: the last one wraps), then the value columns."""
    values = sum(span for _, span in layout.header_levels[-1])
    if style == "siunitx-S":
        value_spec = "".join(
            f"S[table-format={_table_format(layout, index)}, {_SIUNITX_BOLD}]" for index in range(values)
        )
    else:
        value_spec = "c" * values
    lead = "l" * len(layout.row_labels)
    if fit == "tabularx" and lead:
        lead = lead[:-1] + r">{\raggedright\arraybackslash}X"
    spec = lead + value_spec
    return r"@{\extracolsep{\fill}}" + spec if fit == "tabular*" else spec


def _table_format(layout: Layout, column: int) -> str:
    """Return siunitx's table-format for one value column: integer.decimal(uncertainty) digits and the
    exponent covering its cells, then room for its widest footnote marks (typeset after the number,
    inside the column)."""
    integer, decimal, uncertainty, sign, exponent = 1, 0, 0, False, ""
    above = 0  # the widest uncertainty's digits left of its number's point: 91720(3330) is ± 3330
    widest: tuple[str, ...] = ()
    for _, cells in layout.body:
        cell = cells[column]
        if cell is not None and len(cell.marks) > len(widest):
            widest = cell.marks
        if cell is None or not cell.center or _infinite(cell) or _own_powers(cell):
            continue
        mantissa, _, power = cell.center.partition("e")
        whole, _, fraction = mantissa.lstrip("-").partition(".")
        sign = sign or cell.center.startswith("-")
        integer, decimal = max(integer, len(whole)), max(decimal, len(fraction))
        if power:
            exponent = f"e{'-' if power.startswith('-') else ''}{len(power.lstrip('-'))}"
        if cell.spread is not None:
            digits = len(_uncertainty_digits(cell))
            uncertainty, above = max(uncertainty, digits), max(above, digits - len(fraction))
    # siunitx places the format's uncertainty digits at its last decimal: room for ± 3330 beside
    # 0.00129(7) is (9) at five decimals, ± 8888.88888
    uncertainty = max(uncertainty, above + decimal)
    text = f"{'-' if sign else ''}{integer}.{decimal}"
    text += (f"({uncertainty})" if uncertainty else "") + exponent
    return text + (f"{{{_marks(widest, bool(exponent))}}}" if widest else "")


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


def body_lines(layout: Layout, style: str, multirow: bool = False) -> list[str]:
    """Return the body rows, with \\addlinespace between first-level row groups; with `multirow`,
    a group's first-level label is centred on the group's rows."""
    lines = []
    spans = _group_spans(layout) if multirow else {}
    for index, (labels, cells) in enumerate(layout.body):
        if index in layout.group_starts:
            lines.append(r"\addlinespace")
        parts = [escape_latex(label) if label is not None else "" for label in labels]
        if index in spans and spans[index] > 1:
            parts[0] = rf"\multirow{{{spans[index]}}}{{*}}{{{parts[0]}}}"
        parts += [latex_cell(cell, style, layout.spread_kind) for cell in cells]
        lines.append(" & ".join(parts) + r" \\")
    return lines


def _group_spans(layout: Layout) -> dict[int, int]:
    """Return {first row of a first-level group: its number of rows} (tables with row groups only)."""
    if not layout.group_starts:
        return {}
    starts = [0, *layout.group_starts, len(layout.body)]
    return {start: end - start for start, end in itertools.pairwise(starts)}


# an interval 0.9 times its number's size, whatever size the table is set in (\small, absolute, is larger
# than the number in an IEEEtran table, \footnotesize), in TeX's own arithmetic: any LaTeX sets it
_SMALLER = (
    r"\fontsize{\the\dimexpr0.9\dimexpr\csname f@size\endcsname pt\relax\relax}"
    r"{\csname f@baselineskip\endcsname}\selectfont"
)


def latex_cell(cell: DisplayCell | None, style: str, spread_kind: str) -> str:
    """Return one value cell: number and spread in the chosen style, emphasis, footnote marks."""
    s_column = style == "siunitx-S"
    if cell is None or not cell.center:
        marks = _marks(cell.marks) if cell is not None else ""
        return f"{{{DASH}{marks}}}" if s_column else DASH + marks
    # siunitx cannot parse inf, nor give a centre and its uncertainty two powers of ten: plain text
    if (_infinite(cell) or _own_powers(cell)) and style.startswith("siunitx"):
        text = latex_cell(cell, "pm", spread_kind)
        return f"{{{text}}}" if s_column else text
    if s_column:
        if cell.interval is not None:  # an aggregate over tasks carries its bootstrap interval
            raise RenderError(S_COLUMN_INTERVAL.format(spread="the aggregate's bootstrap interval"))
        body = _siunitx_body(cell)
        if cell.emphasis == "best":
            text = rf"\bfseries {body}"
        elif cell.emphasis == "second":  # drawn back over the number: a braced cell would be centred
            text = rf"{body}\llap{{\underline{{\phantom{{\num{{{body}}}}}}}}}"
        else:
            text = body
        return text + _marks(cell.marks, _ends_in_power(cell))
    text = _number_text(cell, style)
    interval = ""
    if cell.interval is not None:
        low, high = (tex_number(bound) for bound in cell.interval)
        interval = rf" {{{_SMALLER}[{low}, {high}]}}"
    if cell.emphasis == "best":
        text = _bold(text + interval, style)
    elif cell.emphasis == "second":  # under the brackets, whose depth would take the rule into the next row
        text = rf"\underline{{{text}}}{interval}"
    else:
        text += interval
    return text + _marks(cell.marks, _ends_in_power(cell))


def _ends_in_power(cell: DisplayCell) -> bool:
    """Tell whether a cell's text ends with a power of ten (its numbers share the centre's, or the last
    has its own)."""
    last = cell.interval[1] if cell.interval is not None else cell.spread or cell.center
    return any("e" in text.removesuffix("inf") for text in (cell.center, last))


def _own_powers(cell: DisplayCell) -> bool:
    """Tell whether a cell's numbers are written in powers of ten of their own (numformat's `each`)."""
    texts = (cell.center, cell.spread or cell.center, *(cell.interval or ()))
    return len({text.partition("e")[2] for text in texts if text not in ("inf", "-inf")}) > 1


def _infinite(cell: DisplayCell) -> bool:
    return any(text in ("inf", "-inf") for text in (cell.center, cell.spread, *(cell.interval or ())))


def _number_text(cell: DisplayCell, style: str) -> str:
    if style == "siunitx":
        options = f"[{_SIUNITX_BOLD}]" if cell.emphasis == "best" else ""
        return rf"\num{options}{{{_siunitx_body(cell)}}}"
    center = tex_number(cell.center)
    if cell.spread is None:
        return center
    if style == "sub":
        return rf"{center}$_{{\pm {tex_number(cell.spread, math=True)}}}$"
    return rf"{center} $\pm$ {tex_number(cell.spread)}"


def _siunitx_body(cell: DisplayCell) -> str:
    """Return siunitx's number with its compact uncertainty: 12.3(4)e-9."""
    mantissa, _, power = cell.center.partition("e")
    uncertainty = f"({_uncertainty_digits(cell)})" if cell.spread is not None else ""
    return mantissa + uncertainty + (f"e{power}" if power else "")


def tex_number(text: str, math: bool = False) -> str:
    """Write a formatted number as LaTeX: 12.3e-9 as 12.3\\times 10^{-9}, inf as \\infty, and a
    minus sign as a minus (outside math, -9.9 would be typeset with a hyphen)."""
    if text in ("inf", "-inf"):
        return r"\ensuremath{\infty}" if text == "inf" else r"\ensuremath{-\infty}"
    mantissa, _, power = text.partition("e")
    if not math and mantissa[:1] == "-" and mantissa[1:2].isdigit():
        mantissa = r"\ensuremath{-}" + mantissa[1:]
    if not power:
        return mantissa
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


def _marks(symbols: Sequence[str], after_power: bool = False) -> str:
    """Return footnote marks as a superscript; after a power of ten a thin space keeps them apart
    (10^{12}$^{*}$ reads as the exponent 12*)."""
    if not symbols:
        return ""
    return (r"\," if after_power else "") + "$^{" + ",".join(_MARK_LATEX[s] for s in symbols) + "}$"


def note_lines(layout: Layout) -> list[str]:
    """Return the footnote lines under the table: marks explained, then what the numbers are."""
    lines = [f"{_marks([symbol])} {_breakable(escape_latex(text))}" for symbol, text in layout.footnotes]
    if layout.dash_note:
        lines.append(f"{DASH} {_breakable(escape_latex(layout.dash_note))}")
    if layout.stat_note:
        lines.append(_breakable(escape_latex(layout.stat_note + layout.second_note("Underlined"))))
    return lines


def _breakable(text: str) -> str:
    """Let a note wrap after a slash too (metric names such as val/acc are long unbreakable words)."""
    return text.replace("/", r"/\allowbreak{}")


def layout_texts(layout: Layout) -> list[str]:
    """Return every label a table shows: row-key names, column headers and row labels."""
    texts = list(layout.row_labels)
    texts += [label for level in layout.header_levels for label, _ in level]
    texts += [label for labels, _ in layout.body for label in labels if label is not None]
    return list(dict.fromkeys(texts))


_COMMAND = re.compile(r"\\(?:[A-Za-z]+|[%$&#_{}])")
# inline math as a LaTeX user writes it ($R^2$), not two prices ($5 and $10)
_MATH = re.compile(r"(?<!\\)\$(?=\S)[^$]*?(?<=[^\s\\])\$")


def printed_commands(texts: Sequence[str], logged: Mapping[str, str] | None = None) -> list[str]:
    """Say which plain labels (a caption, a display name) hold LaTeX commands or inline math, which the
    table prints as written, backslash and all: `(\\%)` shows as `(\\%)`, not `(%)`; `$R^2$` as `$R^2$`.
    A text `logged` maps to its key is a param's value as the logs hold it, shown for want of a name."""
    problems = []
    for text in texts:
        commands = [] if isinstance(text, RawLatex) else list(dict.fromkeys(_COMMAND.findall(text)))
        math = [] if isinstance(text, RawLatex) or commands else list(dict.fromkeys(_MATH.findall(text)))
        key = (logged or {}).get(text)
        if (commands or math) and key is not None:  # no label the user wrote: a display name is the fix
            what = (
                f"{' '.join(commands)} is printed as written, backslash"
                if commands
                else f"{' '.join(math)} is printed as written, dollar signs"
            )
            problems.append(
                f"param value {key} = '{text}': {what} included, as the logs hold it; to show it otherwise, "
                f"give it a display name in [labels.values.{_toml_key(key)}]"
            )
        elif commands:
            problems.append(
                f"label '{text}': {' '.join(commands)} is printed as written, backslash included, since a "
                "plain label is text; to have LaTeX typeset it, write the label as { latex = '...' }, "
                "or drop the backslash (a plain % or & is escaped for you)"
            )
        elif math:  # one line a label: a command's line already names the latex form
            problems.append(
                f"label '{text}': {' '.join(math)} is printed as written, dollar signs "
                "included, since a plain label is text; to have LaTeX typeset the math, write the label "
                "as { latex = '...' }"
            )
    return problems


def typeset_problems(texts: Sequence[str], preamble: Sequence[str], fix: str = PREAMBLE_FIX) -> list[str]:
    """Say which labels hold characters that need a package the preamble lacks (raw LaTeX labels are
    the user's own and are not checked), each ending with `fix`."""
    problems = []
    for text in texts:
        if isinstance(text, RawLatex):
            continue
        problems += requirement_text(text, unicode_requirements(text), preamble, fix)
    return problems


def _toml_key(key: str) -> str:
    """Return a key as a TOML header writes it: bare, or quoted (`"val/acc"`); render sits below spec."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)
