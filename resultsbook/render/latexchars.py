"""Unicode characters as pdflatex typesets them: the standard LaTeX command for each character that
has one, the package that command needs (if any), and what to add for characters it cannot typeset.

Every mapping here is compiled by `tests/test_latex_labels.py` with exactly the packages it names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Requirement:
    """What a paper needs for a character: any of `packages` (with `option`); `line` is the preamble
    line to add (empty when a package alone does not do), `advice` what to say."""

    packages: tuple[str, ...]
    option: str | None
    line: str
    advice: str = ""

    def met_by(self, preamble: Iterable[str]) -> bool:
        """Tell whether preamble lines (`\\usepackage[opts]{names}`) load what this needs."""
        for options, names in loaded_packages(preamble):
            if any(name in self.packages for name in names) and (
                self.option is None or self.option in options
            ):
                return True
        return False

    def describe(self) -> str:
        """Return what to add, for a warning."""
        return self.advice or self.line


T1 = Requirement(("fontenc",), "T1", r"\usepackage[T1]{fontenc}")
AMSSYMB = Requirement(("amssymb",), None, r"\usepackage{amssymb}")
PIFONT = Requirement(("pifont",), None, r"\usepackage{pifont}")
CYRILLIC = Requirement(
    ("fontenc",), "T2A", r"\usepackage[T2A]{fontenc}", r"\usepackage[T2A]{fontenc} (Cyrillic fonts)"
)
CJK = Requirement(
    ("CJKutf8", "xeCJK", "ctex", "luatexja"),
    None,
    "",
    r"\usepackage{CJKutf8} with the text in \begin{CJK}{UTF8}{gbsn}...\end{CJK}, or xeCJK under XeLaTeX",
)
UNICODE_ENGINE = Requirement(
    ("fontspec", "unicode-math"), None, "", "XeLaTeX or LuaLaTeX with fontspec and a font that has it"
)

# text-mode commands of the LaTeX kernel (available in the default OT1 encoding)
_TEXT = {
    "†": r"\textdagger{}", "‡": r"\textdaggerdbl{}", "§": r"\S{}", "¶": r"\P{}", "©": r"\copyright{}",
    "®": r"\textregistered{}", "™": r"\texttrademark{}", "•": r"\textbullet{}", "·": r"\textperiodcentered{}",
    "…": r"\ldots{}", "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "\u00a0": "~",
    "ß": r"\ss{}", "æ": r"\ae{}", "Æ": r"\AE{}", "œ": r"\oe{}", "Œ": r"\OE{}", "ø": r"\o{}", "Ø": r"\O{}",
    "ł": r"\l{}", "Ł": r"\L{}", "ı": r"\i{}", "ȷ": r"\j{}", "¡": r"\textexclamdown{}",
    "¿": r"\textquestiondown{}", "£": r"\pounds{}", "ª": r"\textordfeminine{}", "º": r"\textordmasculine{}",
}  # fmt: skip
# text companion (TS1) symbols: in the LaTeX kernel since 2020 (textcomp), nothing to load
_TEXT_COMPANION = {
    "²": r"\texttwosuperior{}", "³": r"\textthreesuperior{}", "¹": r"\textonesuperior{}",
    "½": r"\textonehalf{}", "¼": r"\textonequarter{}", "¾": r"\textthreequarters{}",
    "‰": r"\textperthousand{}", "€": r"\texteuro{}", "¢": r"\textcent{}", "¥": r"\textyen{}",
    "№": r"\textnumero{}", "℃": r"\textcelsius{}", "¦": r"\textbrokenbar{}", "⁄": r"\textfractionsolidus{}",
    "‐": "-", "‑": "-", "‒": "--", "―": "---",
}  # fmt: skip
# text-mode commands that exist only in the T1 font encoding
_TEXT_T1 = {
    "ð": r"\dh{}", "Ð": r"\DH{}", "þ": r"\th{}", "Þ": r"\TH{}", "đ": r"\dj{}", "Đ": r"\DJ{}", "ŋ": r"\ng{}",
    "Ŋ": r"\NG{}", "«": r"\guillemotleft{}", "»": r"\guillemotright{}", "‹": r"\guilsinglleft{}",
    "›": r"\guilsinglright{}", "„": r"\quotedblbase{}", "‚": r"\quotesinglbase{}",
}  # fmt: skip
# math symbols of the LaTeX kernel, typeset with \ensuremath in any mode
_MATH = {
    "±": "pm", "∓": "mp", "×": "times", "÷": "div", "≤": "leq", "≥": "geq", "≠": "neq", "≈": "approx",
    "≃": "simeq", "≅": "cong", "≡": "equiv", "∼": "sim", "≪": "ll", "≫": "gg", "∝": "propto", "∞": "infty",
    "→": "rightarrow", "←": "leftarrow", "↑": "uparrow", "↓": "downarrow", "↔": "leftrightarrow",
    "⇒": "Rightarrow", "⇐": "Leftarrow", "⇔": "Leftrightarrow", "↦": "mapsto", "∈": "in", "∉": "notin",
    "∋": "ni", "⊂": "subset", "⊆": "subseteq", "⊃": "supset", "⊇": "supseteq", "∪": "cup", "∩": "cap",
    "∧": "wedge", "∨": "vee", "¬": "neg", "∀": "forall", "∃": "exists", "∅": "emptyset", "∑": "sum",
    "∏": "prod", "∫": "int", "√": "surd", "∂": "partial", "∇": "nabla", "⊥": "perp", "∥": "parallel",
    "⊕": "oplus", "⊗": "otimes", "∘": "circ", "⋅": "cdot", "∗": "ast", "⋆": "star", "′": "prime",
    "ℓ": "ell", "ℏ": "hbar", "⟨": "langle", "⟩": "rangle", "♠": "spadesuit", "♣": "clubsuit",
    "♡": "heartsuit", "♢": "diamondsuit", "µ": "mu", "−": "-", "°": "^{\\circ}",
}  # fmt: skip
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "varepsilon", "ϵ": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ϑ": "vartheta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu",
    "ν": "nu", "ξ": "xi", "π": "pi", "ϖ": "varpi", "ρ": "rho", "ϱ": "varrho", "σ": "sigma", "ς": "varsigma",
    "τ": "tau", "υ": "upsilon", "φ": "varphi", "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
    "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma",
    "Υ": "Upsilon", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
}  # fmt: skip
# Greek letters that look like Latin ones: LaTeX has no command for them, the letter is the same
_GREEK_AS_LATIN = {
    "ο": "o", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Χ": "X",
}  # fmt: skip
_MATH_AMSSYMB = {"✓": "checkmark", "★": "bigstar", "∴": "therefore", "∵": "because", "≲": "lesssim",
                 "≳": "gtrsim", "⊤": "top"}  # fmt: skip
# Zapf Dingbats positions (pifont's \ding)
_DINGBATS = {"♥": 170, "♦": 169, "✗": 55, "✘": 56, "✔": 52}
# combining marks → LaTeX accent commands (all in OT1 except the ogonek)
_ACCENTS = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0308": '"', "\u0304": "=", "\u0306": "u",
    "\u0307": ".", "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0327": "c", "\u0323": "d", "\u0331": "b",
    "\u0328": "k",
}  # fmt: skip
_BELOW = {"c", "d", "b", "k"}  # accents under the letter: i and j keep their dots


def latex_units(text: str) -> list[str]:
    """Split text, composed as editors write it (NFC), into what pdflatex typesets as one: a character
    with the combining marks that follow it (`q\u0301`, which has no composed form).

    >>> latex_units("Re\u0301sume\u0301")
    ['R', 'é', 's', 'u', 'm', 'é']
    """
    units: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if units and unicodedata.category(char).startswith("M"):
            units[-1] += char
        else:
            units.append(char)
    return units


def latex_accented(unit: str) -> str | None:
    """Return a letter and the combining accents after it (one of `latex_units`) as accent commands,
    `e\u0301` as `\\'{e}`; None for a single character or marks LaTeX has no accent for."""
    accented = _accented(unit) if len(unit) > 1 else None
    return None if accented is None else accented[0]


def latex_unit(unit: str) -> tuple[str, Requirement | None]:
    """Return how pdflatex typesets one of `latex_units` and what it needs beyond the kernel: a letter
    with marks LaTeX has no accent for is its letter, the marks needing a Unicode engine (said, not
    dropped unseen)."""
    if len(unit) == 1:
        return latex_char(unit)
    accented = _accented(unit)
    if accented is not None:
        return accented
    text, requirement = latex_char(unit[0])
    return text, requirement or UNICODE_ENGINE


def latex_char(char: str) -> tuple[str, Requirement | None]:
    """Return how pdflatex typesets a non-ASCII character and what it needs beyond the kernel.

    A character without a LaTeX command is returned as it is (UTF-8), with what makes it typeset."""
    if char in _TEXT:
        return _TEXT[char], None
    if char in _TEXT_COMPANION:
        return _TEXT_COMPANION[char], None
    if char in _TEXT_T1:
        return _TEXT_T1[char], T1
    if char in _MATH:
        name = _MATH[char]
        return (rf"\ensuremath{{{name}}}" if not name[0].isalpha() else rf"\ensuremath{{\{name}}}"), None
    if char in _GREEK:
        return rf"\ensuremath{{\{_GREEK[char]}}}", None
    if char in _GREEK_AS_LATIN:
        return _GREEK_AS_LATIN[char], None
    if char in _MATH_AMSSYMB:
        return rf"\ensuremath{{\{_MATH_AMSSYMB[char]}}}", AMSSYMB
    if char in _DINGBATS:
        return rf"\ding{{{_DINGBATS[char]}}}", PIFONT
    accented = _accented(char)
    if accented is not None:
        return accented
    category = unicodedata.category(char)
    if category.startswith("M"):  # a mark on nothing: pdflatex stops on it, a Unicode engine prints it
        return "", UNICODE_ENGINE
    if category in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
        return "", None  # control, format and unassigned characters: nothing to print
    if category == "Zs":
        return " ", None
    return char, _script_requirement(char)


def _accented(char: str) -> tuple[str, Requirement | None] | None:
    """Return a Latin letter with accents as accent commands (`é` → `\\'{e}`), or None."""
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    if not marks or not ("a" <= base.lower() <= "z") or any(m not in _ACCENTS for m in marks):
        return None
    text = base
    for mark in marks:
        command = _ACCENTS[mark]
        if text in ("i", "j") and command not in _BELOW:
            text = rf"\{text}"  # the dotless letter under an accent above
        text = f"\\{command}{{{text}}}"
    return text, T1 if "\u0328" in marks else None


def _script_requirement(char: str) -> Requirement:
    code = ord(char)
    if 0x0400 <= code <= 0x04FF:
        return CYRILLIC
    if (
        0x2E80 <= code <= 0x9FFF  # CJK radicals, kana, ideographs
        or 0xAC00 <= code <= 0xD7AF  # Hangul syllables
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x2FA1F
    ):
        return CJK
    return UNICODE_ENGINE


def loaded_packages(preamble: Iterable[str]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Return (options, package names) of every `\\usepackage` / `\\RequirePackage` in preamble lines."""
    found = []
    for line in preamble:
        for options, names in _USEPACKAGE.findall(line):
            found.append(
                (
                    tuple(o.strip() for o in options.split(",") if o.strip()),
                    tuple(n.strip() for n in names.split(",") if n.strip()),
                )
            )
    return found


_USEPACKAGE = re.compile(r"\\(?:usepackage|RequirePackage)\s*(?:\[([^\]]*)\])?\s*\{([^}]*)\}")

# ------------------------------------------------------------------------------------ LaTeX → text
_SYMBOL_TEXT = {
    **{latex[1:-2]: char for char, latex in _TEXT_COMPANION.items() if latex.startswith("\\")},
    **{name: char for char, name in _MATH.items() if name.isalpha()},
    **{name: char for char, name in _GREEK.items()},
    **{name: char for char, name in _MATH_AMSSYMB.items()},
    "dagger": "†", "ddagger": "‡", "dag": "†", "ddag": "‡", "textdagger": "†", "textdaggerdbl": "‡",
    "S": "§", "P": "¶", "copyright": "©", "textregistered": "®", "texttrademark": "™", "textbullet": "•",
    "ldots": "…", "dots": "…", "cdots": "⋯", "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
    "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "aa": "å", "AA": "Å", "pounds": "£",
    "le": "≤", "ge": "≥", "ne": "≠", "to": "→", "gets": "←", "bullet": "•", "triangle": "△",
    "diamond": "⋄", "heartsuit": "♡", "clubsuit": "♣", "spadesuit": "♠", "diamondsuit": "♢",
    "textasciitilde": "~", "textasciicircum": "^", "textbackslash": "\\", "textless": "<",
    "textgreater": ">", "textbar": "|", "textunderscore": "_", "textasciigrave": "`",
}  # fmt: skip
_ACCENT_MARKS = {command: mark for mark, command in _ACCENTS.items()}
_TOKEN = re.compile(
    r"\\([`'^\"~=.])\s*(\{\\?[A-Za-z]\}|\\?[A-Za-z])"  # \'e, \'{e}, \'{\i}
    r"|\\([uvHckrdb])\s*(\{\\?[A-Za-z]\}|\s\\?[A-Za-z])"  # \v{c}, \c c
    r"|\\([A-Za-z]+)\*?"  # a command
    r"|\\(.)"  # an escaped character: \% \& \_ \{ \, ...
    r"|(---|--|``|''|[{}$^_~])",
)


def latex_to_text(source: str) -> str:
    """Return the plain text a short piece of LaTeX reads as: `MLP$^\\dagger$` → `MLP†`,
    `\\textsc{Ours}` → `Ours`, `Caf\\'{e}` → `Café` (for Markdown, HTML and terminals)."""

    def replace(found: re.Match[str]) -> str:
        accent, letter, named_accent, named_letter, command, escaped, special = found.groups()
        if accent or named_accent:
            base = (letter or named_letter).strip().strip("{}").lstrip("\\")
            return unicodedata.normalize("NFC", base + _ACCENT_MARKS[accent or named_accent])
        if command:
            return _SYMBOL_TEXT.get(command, "")
        if escaped:
            return "" if escaped in ",;:!/" else (" " if escaped.isspace() else escaped)
        return {"---": "—", "--": "–", "``": "“", "''": "”", "~": " "}.get(special, "")

    return " ".join(_TOKEN.sub(replace, source).split())


def unicode_requirements(text: str) -> dict[str, Requirement]:
    """Return {character: what it needs} for every character of `text` beyond the LaTeX kernel."""
    needs = {}
    for unit in dict.fromkeys(latex_units(text)):
        if max(map(ord, unit)) >= 128:
            _, requirement = latex_unit(unit)
            if requirement is not None:
                needs[unit] = requirement
    return needs


PREAMBLE_FIX = "(once the paper has it, list the line in preamble = [...] of the spec)"


def requirement_text(
    label: str, needs: dict[str, Requirement], preamble: Sequence[str], fix: str = PREAMBLE_FIX
) -> list[str]:
    """Say, per missing requirement, which characters of a label need what the preamble lacks."""
    from resultsbook.render.escape import as_written  # here: escape imports this module's tables

    by_need: dict[str, list[str]] = {}
    for char, requirement in needs.items():
        if not requirement.met_by(preamble):
            by_need.setdefault(requirement.describe(), []).append(char)
    return [
        f"label {as_written(label)}: {' '.join(chars)} cannot be typeset without {need}"
        + (f" {fix}" if fix else "")
        for need, chars in by_need.items()
    ]


def preamble_for(texts: Iterable[str]) -> list[str]:
    """Return the preamble lines that typeset the characters of some texts (those a line can give)."""
    lines = [need.line for text in texts for need in unicode_requirements(text).values() if need.line]
    return list(dict.fromkeys(lines))
