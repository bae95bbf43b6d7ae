"""The numbers file: LaTeX commands for named values, `\\rbvalue[stat]{key}` for any table cell and
`\\rbnote{name}` for what a table or figure shows. An unknown key stops LaTeX with an error that
names it, never a silent blank."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping

from resultsbook.render.escape import escape_latex, escape_terminal

# the commands resultsbook's own files define (the numbers file; a table's box in table.tex.j2): a named
# value of one of these names stops the paper as a command LaTeX has does
OWN_COMMANDS = ("rbvalue", "rbnote", "rbtablebox")
_UNSAFE_KEY = re.compile(r"[^A-Za-z0-9._+\-=:,()/!?* ]")
QUOTED_CELL = re.compile(r"\\rbvalue\s*(?:\[\s*([^\]]*?)\s*\])?\s*\{([^{}]*)\}")  # [stat], key
_POWER = re.compile(r"\\ensuremath\{\\times 10\^\{(-?\d+)\}\}")
_PLAIN = (
    (r"\ensuremath{-\infty}", "-inf"),
    (r"\ensuremath{\infty}", "inf"),
    (r"\ensuremath{-}", "-"),
    (r"$\pm$", "±"),
)
# A title is case-changed (acmart's capitals) and turned into a PDF bookmark (hyperref), where
# \rbvalue cannot run: its key keeps its case, and a bookmark shows the number, not the key, as plain
# text: hyperref drops what it cannot write there ($ of `$\pm$`, ^ of 10^{-9}, \infty) with a warning each.
_TITLE_SAFE = (
    "% Section titles: the key keeps its case in capitals (acmart), a PDF bookmark shows the number.",
    "\\ifdefined\\AddToNoCaseChangeList\\AddToNoCaseChangeList{\\rbvalue\\rbnote}\\fi",
    "\\def\\rb@text#1#{\\rb@text@#1[value]\\@nil}",
    "\\def\\rb@text@[#1]#2\\@nil#3{\\rb@textof{rb@v@#1@#3}}",
    "\\def\\rb@textof#1{\\ifcsname#1\\endcsname\\expandafter\\@firstofone\\else\\expandafter\\@gobble\\fi%",
    "  {\\expandafter\\expandafter\\expandafter\\rb@nomath\\csname#1\\endcsname$\\rb@none\\@nil}}",
    "% A bookmark holds the number as plain text: 90.6 $\\pm$ 3.9 is 90.6 \u00b1 3.9, "
    "1.7\\ensuremath{\\times 10^{-9}} is 1.7\u00d710\u207b\u2079.",
    "\\def\\rb@none{\\rb@none}",
    "\\def\\rb@then#1{\\ifx\\rb@none#1\\expandafter\\@gobble\\else\\expandafter\\@firstofone\\fi}",
    "\\def\\rb@nomath#1$#2\\@nil{#1\\rb@then{#2}{\\rb@nomath#2\\@nil}}",
    "\\def\\rb@math#1{\\rb@power#1^\\rb@none\\@nil}",
    "\\def\\rb@power#1^#2#3\\@nil{#1\\rb@then{#2}{\\rb@unicode{\\rb@sup#2\\rb@none}{\\textasciicircum#2}\\rb@power#3\\@nil}}",
    "\\def\\rb@unicode{\\ifHy@unicode\\expandafter\\@firstoftwo\\else\\expandafter\\@secondoftwo\\fi}",
    "\\def\\rb@sup#1{\\rb@then{#1}{\\rb@supof{#1}\\rb@sup}}",
    "\\def\\rb@supof#1{\\ifcsname rb@sup@\\detokenize{#1}\\endcsname\\expandafter\\@firstoftwo\\else",
    "  \\expandafter\\@secondoftwo\\fi{\\csname rb@sup@\\detokenize{#1}\\endcsname}{#1}}",
    "\\@namedef{rb@sup@0}{\\textzerosuperior}\\@namedef{rb@sup@1}{\\textonesuperior}"
    "\\@namedef{rb@sup@2}{\\texttwosuperior}",
    "\\@namedef{rb@sup@3}{\\textthreesuperior}\\@namedef{rb@sup@4}{\\textfoursuperior}"
    "\\@namedef{rb@sup@5}{\\textfivesuperior}",
    "\\@namedef{rb@sup@6}{\\textsixsuperior}\\@namedef{rb@sup@7}{\\textsevensuperior}"
    "\\@namedef{rb@sup@8}{\\texteightsuperior}",
    "\\@namedef{rb@sup@9}{\\textninesuperior}\\@namedef{rb@sup@-}{\\textminussuperior}"
    "\\@namedef{rb@sup@+}{\\textplussuperior}",
    "\\def\\rb@bookmarks{\\ifdefined\\pdfstringdefDisableCommands\\pdfstringdefDisableCommands{%",
    "  \\def\\rbvalue{\\rb@text}\\def\\rbnote##1{\\rb@textof{rb@n@##1}}\\def\\pm{\\textpm}%",
    # the notes' α (a test's level): U+03B1 in hyperref's own octal form, read whatever the paper's inputenc
    "  \\def\\times{\\texttimes}\\def\\alpha{\\rb@unicode{\\83\\261}{alpha}}%",
    "  \\def\\infty{\\rb@unicode\\textinfty{inf}}\\let\\ensuremath\\rb@math}\\fi}",
    "\\ifx\\@nodocument\\relax\\rb@bookmarks\\else\\AtBeginDocument{\\rb@bookmarks}\\fi",
)
_CELL_LINE = re.compile(r"\\@namedef\{rb@v@([A-Za-z0-9_]+)@([^{}]*)\}\{(.*)\}")


def latex_key(key: str) -> str:
    """Return a key as it can be written inside \\csname: characters TeX would act on become '-';
    letters and digits beyond ASCII stay (LaTeX reads UTF-8 in a \\csname as its bytes), composed
    as editors write them (NFC).

    >>> latex_key("table1/lr_0.1/a&b")
    'table1/lr_0.1/a-b'
    >>> latex_key("table1/Méthode/α=0.1")
    'table1/Méthode/α=0.1'
    """
    text = unicodedata.normalize("NFC", " ".join(key.split()))
    return _UNSAFE_KEY.sub(_kept_or_dash, text)


def _kept_or_dash(found: re.Match[str]) -> str:
    character = found.group(0)
    return character if _kept(character) else "-"


def latex_keys(keys: Iterable[str]) -> dict[str, str]:
    """Return each cell key as the numbers file writes it, no two alike: `latex_key`, and where two
    keys read alike (`t1/a&b/x`, `t1/a-b/x`), the one already written so (`a-b`) keeps it and each
    other one gets a tag from its own text, `t1/a-b/x(b9477b)`, the same whatever other keys there are.

    >>> latex_keys(["t1/a&b/x", "t1/a-b/x", "t1/c%d/x"])
    {'t1/a&b/x': 't1/a-b/x(b9477b)', 't1/a-b/x': 't1/a-b/x', 't1/c%d/x': 't1/c-d/x'}
    """
    written: dict[str, list[str]] = {}
    for key in dict.fromkeys(keys):
        written.setdefault(latex_key(key), []).append(key)
    safe = {key: form for form, alike in written.items() for key in alike if len(alike) == 1 or key == form}
    taken = set(safe.values())
    for form, alike in written.items():
        for key in alike:
            if key not in safe:  # a tag can spell another cell's key: that key keeps it, the tag grows
                safe[key] = next(
                    tagged
                    for size in range(6, 65)
                    if (tagged := f"{form}({key_tag(key, size)})") not in taken or size == 64
                )
                taken.add(safe[key])
    return {key: safe[key] for alike in written.values() for key in alike}


def key_tag(key: str, size: int = 6) -> str:
    """Return the tag that tells a cell key from the others written alike: hex digits of its text."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:size]


def alike_keys(keys: Iterable[str]) -> list[str]:
    """Return one line per group of cell keys that read alike in LaTeX, saying which value became
    which key (a build prints them).

    >>> print(alike_keys(["t1/a&b/x", "t1/a-b/x"])[0].replace(": ", ":\\n"))
    cells t1/a&b/x and t1/a-b/x read alike as LaTeX keys (& written as -):
    \\rbvalue{t1/a-b/x(b9477b)} is t1/a&b/x, \\rbvalue{t1/a-b/x} is t1/a-b/x
    """
    safe = latex_keys(keys)
    groups: dict[str, list[str]] = {}
    for key in safe:
        groups.setdefault(latex_key(key), []).append(key)
    lines = []
    for alike in groups.values():
        if len(alike) < 2:
            continue
        changed = " ".join(
            dict.fromkeys(
                escape_terminal(ch)
                for key in alike
                for ch in key
                if _UNSAFE_KEY.match(ch) and not _kept(ch) and not ch.isspace()
            )
        )
        how = f"{changed} written as -" if changed else "spaces and accents written alike"
        shown = {key: escape_terminal(key) for key in alike}  # a line break in a value stays on the line
        named = ", ".join(f"\\rbvalue{{{safe[key]}}} is {shown[key]}" for key in alike)
        listed = ", ".join(shown[key] for key in alike[:-1]) + f" and {shown[alike[-1]]}"
        lines.append(f"cells {listed} read alike as LaTeX keys ({how}): {named}")
    return lines


def _kept(character: str) -> bool:
    """Tell whether a character a LaTeX key would not keep by its class is kept all the same: a
    letter or digit beyond ASCII."""
    return character > "\x7f" and character.isalnum()


def render_macros(
    named: Mapping[str, str],
    cells: Mapping[str, Mapping[str, str]],
    notes: Mapping[str, str],
    file_name: str,
    generated: str = "",
    origins: Mapping[str, str] | None = None,
    cell_marks: Mapping[str, str] | None = None,
) -> str:
    """Return the numbers file: named commands, then every cell's statistics, then the notes.

    `named` maps command names (letters only) to LaTeX text, `cells` maps cell keys to
    {stat: LaTeX text}, `notes` maps table and figure names to plain sentences; `origins` says in a
    comment what each command is computed from, `cell_marks` the marks of a cell (the text drops them).
    """
    where = escape_latex(file_name)
    lines = [f"% {generated}"] if generated else []
    lines += [
        "% \\input this file in the preamble. Named values: \\name{} (below). Any table cell:",
        "% \\rbvalue{TABLE/ROW.../COLUMN...} is its centre as the table prints it; \\rbvalue[std]{...},",
        "% \\rbvalue[n]{...}, \\rbvalue[pm]{...} (centre and spread) give the others. \\rbnote{NAME} says",
        "% what a table or figure shows. An unknown key stops LaTeX with an error.",
        "\\makeatletter",
        "\\DeclareRobustCommand{\\rbvalue}[2][value]{%",
        "  \\lowercase{\\def\\rb@stat{#1}}%",
        "  \\@ifundefined{rb@v@\\rb@stat @#2}%",
        f"    {{\\PackageError{{resultsbook}}{{No value `#2' (#1) in {where}}}%",
        "      {The key is the table name, then its row and column values, joined by /, as in",
        "       resultsbook.toml. Check the spelling, or run `resultsbook build` to regenerate the file.}}%",
        "    {\\@nameuse{rb@v@\\rb@stat @#2}}}",
        "\\DeclareRobustCommand{\\rbnote}[1]{%",
        "  \\@ifundefined{rb@n@#1}%",
        f"    {{\\PackageError{{resultsbook}}{{No note for `#1' in {where}}}%",
        "      {Use the name of a table or figure of resultsbook.toml.}}%",
        "    {\\@nameuse{rb@n@#1}}}",
        *_TITLE_SAFE,
        "\\makeatother",
    ]
    if origins:
        lines.append("% Where each named value comes from (`resultsbook explain NAME` lists its runs):")
        lines += [f"%   \\{name}: {comment_text(origins[name])}" for name in named if name in origins]
    for command, text in named.items():
        lines.append(f"\\newcommand{{\\{command}}}{{{text}}}")
    lines.append("\\makeatletter")
    safe_keys = latex_keys(cells)
    for key, stats in cells.items():
        safe = safe_keys[key]
        if safe != key:  # what a co-author searching the file for the value finds
            lines.append(f"% {comment_text(key)} is \\rbvalue{{{safe}}}")
        if cell_marks and cell_marks.get(key):
            marked = comment_text(cell_marks[key])
            lines.append(f"% {comment_text(key)}, marked in its table (the text shows no mark): {marked}")
        for stat, text in stats.items():
            lines.append(f"\\@namedef{{rb@v@{stat}@{safe}}}{{{text}}}")
    for name, note in notes.items():
        lines.append(f"\\@namedef{{rb@n@{latex_key(name)}}}{{{escape_latex(note)}}}")
    lines.append("\\makeatother")
    return "\n".join(lines) + "\n"


def comment_text(text: str) -> str:
    """Return text from the spec or the logs as one line of a TeX comment: no line break can end it."""
    return "".join(" " if ch.isspace() or not ch.isprintable() else ch for ch in text)


def cell_texts(numbers_file: str) -> dict[str, dict[str, str]]:
    """Return {cell key: {stat: LaTeX text}} as a numbers file defines them (what `render_macros`
    wrote from `cells`, keys made safe)."""
    cells: dict[str, dict[str, str]] = {}
    for line in numbers_file.splitlines():
        found = _CELL_LINE.fullmatch(line)
        if found is not None:
            stat, key, text = found.groups()
            cells.setdefault(key, {})[stat] = text
    return cells


def quoted_cell_key(text: str) -> str:
    """Return the cell key of `\\rbvalue{KEY}` or `\\rbvalue[stat]{KEY}` as the paper quotes it; any
    other text as it is.

    >>> quoted_cell_key(r"\\rbvalue[std]{table1/mlp/moons}")
    'table1/mlp/moons'
    """
    found = QUOTED_CELL.fullmatch(text.strip())
    return text if found is None else found.group(2)


def plain_number_text(text: str) -> str:
    """Return a number of the numbers file as plain text, as a table's cell reads in a terminal
    (`tex_number` undone): `\\ensuremath{-}1.7\\ensuremath{\\times 10^{-9}}` is `-1.7e-9`."""
    text = _POWER.sub(r"e\1", text)
    for tex, plain in _PLAIN:
        text = text.replace(tex, plain)
    return text
