"""Escape untrusted text (run names, param values, labels) for LaTeX, Markdown and HTML; carry the
raw LaTeX a user gives explicitly."""

from __future__ import annotations

import re
from collections.abc import Callable

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
    "[": "{[}",  # a row starting with [ would be read as the optional argument of the \\ before it
    "]": "{]}",
    "`": r"\textasciigrave{}",  # the font's ` is an opening quote ‘, the one ‘ is written as
    "\n": " ",
    "\r": " ",
    "\t": " ",
}
# characters the fonts join: -- and --- are dashes (– and — are written so), '' is ” and `` is “,
# !` and ?` are ¡ and ¿, ,, is „ (T1): a value is printed as written, apart from what it would become
_LIGATURES = ("--", "''", "``", "!`", "?`", ",,")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]|~$])")


class RawLatex(str):
    """A label the user wrote in LaTeX (`{ latex = 'MLP$^\\dagger$' }`): LaTeX outputs typeset it as
    written; as a `str` it is its plain text (`MLP†`) for Markdown, HTML and terminals."""

    latex: str

    def __new__(cls, latex: str, text: str | None = None) -> RawLatex:
        from resultsbook.render.latexchars import latex_to_text

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
    # the character tables load when first needed: every command's terminal output goes through this module
    from resultsbook.render.latexchars import latex_accented, latex_char, latex_units

    if isinstance(text, RawLatex):
        return text.latex
    out: list[str] = []
    for unit in latex_units(str(text)):  # `e` and a combining accent are one `é`, not `e`
        # marks LaTeX has no accent for are left out of the letter (unicode_requirements says so)
        char, accented = unit[0], latex_accented(unit)
        if accented is not None:
            piece = accented
        elif char in _LATEX_SPECIAL:
            piece = _LATEX_SPECIAL[char]
        elif _INVISIBLE_CHAR.match(char):
            piece = escape_latex(_shown(char))  # `\u200b`, as every output shows it
        elif ord(char) < 128:
            piece = char if char.isprintable() else " "
        else:
            piece = latex_char(char)[0]
        if out and out[-1][-1:] + piece[:1] in _LIGATURES:
            out.append("{}")  # --lr stays two hyphens, not the en dash – is written as
        out.append(piece)
    return "".join(out)


def escape_markdown(text: str) -> str:
    """Make text literal inside a GitHub Markdown table cell (no emphasis, links, HTML or pipes)."""
    import html

    flat = page_inert(" ".join(str(text).split()))  # a NUL, an ESC or a bidi override is shown
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def escape_html(text: str) -> str:
    """Escape text for HTML element content and attribute values; control characters and the marks
    that reorder text (a bidi override turning `rtl‮evil` around) are shown, not obeyed."""
    import html

    return html.escape(page_inert(str(text)), quote=True)


def isolate_rtl(text: str, escape: Callable[[str], str] = escape_html) -> str:
    """Escape text for HTML element content, each right-to-left stretch of it (a Hebrew or Arabic
    value) in a `<bdi>`: the numbers beside it keep their order (`model = עברית: 1.1 ± 0.1`), not the
    bidi algorithm's (`model = 0.1 ± 1.1 :עברית`)."""
    shown = page_inert(str(text))
    pieces, done = [], 0
    for start, end in [] if shown.isascii() else _rtl_stretches(shown):
        pieces += [escape(shown[done:start]), f"<bdi>{escape(shown[start:end])}</bdi>"]
        done = end
    return "".join([*pieces, escape(shown[done:])])


def _rtl_stretches(text: str) -> list[list[int]]:
    """Return where each right-to-left stretch starts and ends: from a Hebrew or Arabic letter to the
    last one before a left-to-right letter (digits and signs between them belong to it)."""
    import unicodedata

    stretches: list[list[int]] = []
    closed = True
    for at, char in enumerate(text):
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL") and closed:
            stretches.append([at, at + 1])
            closed = False
        elif kind in ("R", "AL") or (kind == "NSM" and stretches and stretches[-1][1] == at):
            stretches[-1][1] = at + 1  # a vowel sign (NSM) belongs with the letter before it
        elif kind == "L":
            closed = True
    return stretches


# what every output (terminal, Markdown, HTML, LaTeX, figures) shows as `\u200f` instead of obeying or
# hiding it: the bidi controls that reorder text (embeddings, overrides, isolates, and the marks LRM,
# RLM, ALM) and the characters that draw nothing between two that do (zero-width space, word joiner,
# byte order mark), which make two names read alike; not the joiners ZWNJ and ZWJ, which Persian,
# Hindi and emoji are written with (only the terminal and figures drawn outside LaTeX show those)
_INVISIBLE = "\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"
_INVISIBLE_CHAR = re.compile(f"[{_INVISIBLE}]")
# C0 and C1 controls, DEL, the characters above, and the zero-width joiners used to disguise names
_TERMINAL_UNSAFE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\u200c\u200d{_INVISIBLE}]")
_TERMINAL_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}


# what a page (Markdown, HTML) shows instead of obeying: controls (not its line breaks and tabs), and
# the bidi controls and invisible characters every output shows
_PAGE_UNSAFE = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_INVISIBLE}]")


def page_inert(text: str) -> str:
    """Show the controls and bidi overrides of a text for a page (`\\u202e`), keeping lines and tabs."""
    return _PAGE_UNSAFE.sub(lambda found: _shown(found.group(0)), text)


def _shown(char: str) -> str:
    """Return how an unsafe character is written out: `\\e`, `\\x07`, `\\u202e`."""
    if char in _TERMINAL_NAMED:
        return _TERMINAL_NAMED[char]
    return f"\\u{ord(char):04x}" if ord(char) > 0xFF else f"\\x{ord(char):02x}"


def escape_terminal(text: str, keep_lines: bool = False) -> str:
    """Make text inert on a terminal: escape sequences and control characters are shown, not obeyed.

    With `keep_lines`, newlines and tabs (the layout of resultsbook's own output) are kept.

    >>> escape_terminal("run\\x1b[31mred\\nnext")
    'run\\\\e[31mred\\\\nnext'
    """

    def shown(found: re.Match[str]) -> str:
        char = found.group(0)
        return char if keep_lines and char in "\n\t" else _shown(char)

    return _TERMINAL_UNSAFE.sub(shown, str(text))


def as_written(text: str) -> str:
    """Quote text as a file holds it, for a message: `'50\\%-drop'`, not repr's doubled backslashes;
    controls shown, not obeyed."""
    return f"'{escape_terminal(text)}'"


def quote_shell(text: str) -> str:
    """Quote one word for a POSIX shell: `sh` reads it back as exactly this text, nothing runs."""
    import shlex

    return shlex.quote(str(text))


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "|")


def neutralize_formula(value: object) -> object:
    """Keep a spreadsheet from running a CSV cell as a formula: text starting with = + - @ (and tab,
    carriage return, pipe) gets a leading apostrophe; numbers are left as they are (OWASP's advice)."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_STARTS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value
