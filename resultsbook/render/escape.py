"""Escape untrusted text (run names, param values, labels) for LaTeX, Markdown and HTML; carry the
raw LaTeX a user gives explicitly."""

from __future__ import annotations

import html
import re

from resultsbook.render.latexchars import latex_char, latex_to_text

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "\n": " ",
    "\r": " ",
    "\t": " ",
}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]|~$])")


class RawLatex(str):
    """A label the user wrote in LaTeX (`{ latex = 'MLP$^\\dagger$' }`): LaTeX outputs typeset it as
    written; as a `str` it is its plain text (`MLP†`) for Markdown, HTML and terminals."""

    latex: str

    def __new__(cls, latex: str, text: str | None = None) -> RawLatex:
        self = super().__new__(cls, latex_to_text(latex) if text is None else text)
        self.latex = latex
        return self

    def __repr__(self) -> str:
        return f"RawLatex({self.latex!r}, {str(self)!r})"

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return RawLatex, (self.latex, str(self))


def escape_latex(text: str) -> str:
    """Make any text safe to typeset with pdflatex: specials escaped, Unicode as LaTeX commands;
    a `RawLatex` label is returned as the user wrote it.

    >>> print(escape_latex("lr_0.1 & 50% #1 {a} ± α"))
    lr\\_0.1 \\& 50\\% \\#1 \\{a\\} \\ensuremath{\\pm} \\ensuremath{\\alpha}
    """
    if isinstance(text, RawLatex):
        return text.latex
    out: list[str] = []
    for char in str(text):
        if char in _LATEX_SPECIAL:
            out.append(_LATEX_SPECIAL[char])
        elif ord(char) < 128:
            out.append(char if char.isprintable() else " ")
        else:
            out.append(latex_char(char)[0])
    return "".join(out)


def escape_markdown(text: str) -> str:
    """Make text literal inside a GitHub Markdown table cell (no emphasis, links, HTML or pipes)."""
    flat = " ".join(str(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def escape_html(text: str) -> str:
    """Escape text for HTML element content and attribute values."""
    return html.escape(str(text), quote=True)
