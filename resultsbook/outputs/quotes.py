"""The numbers the paper quotes: every `\\rbvalue[stat]{key}` of the `.tex` files `[macros] paper`
names, checked against the numbers file before LaTeX stops on one it lacks."""

from __future__ import annotations

import glob
import itertools
import math
import os
import re
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass

from resultsbook.errors import closest
from resultsbook.render.macros import cell_texts, key_tag, latex_key

_COMMENT = re.compile(r"(?<!\\)%.*")
_AFTER_PM = re.compile(r"(?:\\pm|±)[\s{}$]*$")  # `$\pm$ `, `\pm{} `, `± ` just before a quote
_ESCAPED = re.compile(r"\\([%&_#$])")  # `\%` in a key: the character, as the paper means it
_NAMED_VALUE = re.compile(r"^\\newcommand\{\\([A-Za-z]+)\}", re.MULTILINE)  # a [macros.values] number
# a macro's parameter (`#1`, `##1`) within a definition, or another command: known when TeX runs; a lone
# `#` (`a#b`), an escaped one (`a\#1`) and `#1` outside a definition are key characters LaTeX stops on
_PARAMETER = re.compile(r"#+\d")
_DEFINITION = re.compile(
    r"\\(?:(?:re)?newcommand|providecommand|DeclareRobustCommand|[gex]?def|(?:re)?newenvironment"
    r"|(?:New|Renew|Provide|Declare)(?:Expandable)?DocumentCommand)(?![A-Za-z@])"
)
_PAPER_DEFINES = re.compile(  # `\\newcommand{\\gain}`, `\\def\\gain`: a command the paper defines
    r"\\(?:(?:re)?newcommand|providecommand|DeclareRobustCommand)\*?\s*\{?\s*\\([A-Za-z]+)|\\[gex]?def\s*\\([A-Za-z]+)"
)
_DEFINITION_LINES = 50  # a definition holding a quote spans a few lines: none is looked for further back
# `\rbvalue[stat]{key}` as LaTeX reads it: the statistic as written (the numbers file lowercases it, and
# keeps its spaces), spaces and one line end between the command and its arguments; braces within the
# key (`t/{plain}`) are part of it, one level deep
_PAPER_QUOTE = re.compile(r"\\rbvalue\s*(?:\[([^\]]*)\])?\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_DANGLING = re.compile(r"\\rbvalue\s*(?:\[[^\]]*\])?\s*(?:\{[^{}]*)?$")  # arguments on a following line
PAPER_INPUT = re.compile(r"\\(?:input|include)\s*\{([^}]*)\}")  # a file the paper reads in its place
_READ_ON = 3  # lines looked at for a quote's arguments (comment lines between skipped)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")  # TeX's \lowercase
_MAX_BYTES = 16 << 20  # a paper's source file is far smaller: a bigger one is not read
MAX_INPUT_DEPTH = 16  # \input nested deeper than a paper's files go: not followed further
_MAX_FILES = 2000  # a paper has tens of files: a pattern matching more names something else


@dataclass(frozen=True)
class Quote:
    """One `\\rbvalue` of the paper: where it stands, the cell key and the statistic it asks for."""

    path: str
    line: int
    key: str
    stat: str  # "value" when the paper gives none
    after_pm: bool = False  # written after ± (`\\pm`): the number is read as a half-width
    written: str = ""  # the key as the paper writes it, where TeX escapes in it (`mlp10\\%`) differ

    def place(self) -> str:
        """Return `file:line`, relative to the working folder."""
        return f"{os.path.relpath(self.path)}:{self.line}"


@dataclass(frozen=True)
class QuoteProblem:
    """A quote LaTeX would stop on (no such cell or statistic), one that misstates its cell (± a
    half-width of a lopsided interval), or a paper file that cannot be read."""

    place: str
    message: str
    kind: str = "quote"  # a number the paper quotes; "input": a file it inputs that no entry writes now
    stops: bool = False  # LaTeX stops on it (no such cell, statistic or numbers file): not a misstatement

    def line(self) -> str:
        """Return the one line printed to users."""
        return f"{self.place}: {self.message}"


def check_paper(
    patterns: Sequence[str], outputs: Mapping[str, bytes], numbers: str | None, retired: Iterable[str] = ()
) -> tuple[list[Quote], list[QuoteProblem]]:
    """Return the paper's quotes and what LaTeX would stop on: patterns matching nothing, unreadable
    files, and (when `outputs` holds the numbers file) quotes it lacks and named values' commands it
    no longer defines (`retired`: those the lock remembers, `\\gain`)."""
    quotes, problems = paper_quotes(patterns, outputs)
    if numbers is not None and numbers in outputs:
        text = outputs[numbers].decode("utf-8", errors="replace")
        problems += unknown_quotes(quotes, text, numbers, _renamed_tables(outputs))
        problems += dropped_commands(patterns, outputs, numbers, text, retired)
    return quotes, problems


def named_commands(text: str) -> set[str]:
    """Return the commands a numbers file defines for its named values (`gain`, without the backslash)."""
    return set(_NAMED_VALUE.findall(text))


def dropped_commands(
    patterns: Sequence[str], outputs: Iterable[str], numbers: str, text: str, retired: Iterable[str] = ()
) -> list[QuoteProblem]:
    """Return the paper's uses of a named value's command that the numbers file on disk defines, or an
    earlier one did (`retired`, as the lock remembers them), and the one about to replace it (`text`)
    does not: a value renamed or removed in [macros.values]."""
    before = {command.lstrip("\\") for command in retired}
    try:
        with open(numbers, encoding="utf-8", errors="replace") as handle:
            before |= named_commands(handle.read())
    except OSError:
        pass
    now = named_commands(text)
    dropped = before - now
    if not dropped:
        return []
    texts, _ = paper_texts(patterns, outputs)
    dropped -= {  # a command the paper defines itself is its own, whatever numbers file defined it once
        name
        for paper in texts.values()
        for found in _PAPER_DEFINES.finditer(paper)
        for name in found.groups()
        if name
    }
    if not dropped:
        return []
    used = re.compile(r"\\(" + "|".join(sorted(map(re.escape, dropped))) + r")(?![A-Za-z@])")
    problems = []
    shown = os.path.relpath(numbers)
    for path, paper in texts.items():
        for number, line in enumerate(paper.splitlines(), start=1):
            for found in used.finditer(strip_comment(line)):
                command = found.group(1)
                guess = closest(command, sorted(now))
                hint = f"did you mean \\{guess}?" if guess else "quote a value [macros.values] names"
                message = (
                    f"\\{command} is no longer defined by {shown} (renamed or removed in [macros.values]; "
                    f"LaTeX stops there); {hint}"
                )
                problems.append(QuoteProblem(f"{os.path.relpath(path)}:{number}", message, stops=True))
    return problems


def paper_quotes(patterns: Sequence[str], generated: Iterable[str]) -> tuple[list[Quote], list[QuoteProblem]]:
    """Return the quotes of every file the patterns match (outputs resultsbook writes left out), in
    file and line order, and the patterns that match no file or files that cannot be read."""
    texts, problems = paper_texts(patterns, generated)
    quotes: list[Quote] = []
    for path, text in texts.items():
        lines = text.splitlines()
        for number, line in enumerate(lines, start=1):
            cut = _comment_start(line)
            # a key holding `%` (a model named res_net&50% in the config) is cut by the comment it starts
            for quote in _PAPER_QUOTE.finditer(line):
                if quote.start() >= cut or (quote.end() > cut and "%" not in quote[2]):
                    continue
                defining = "#" in quote[0] and _in_definition(lines, number, quote.start())
                found = _quote(path, number, quote, line[: quote.start()], defining)
                if found is not None:
                    quotes.append(found)
            dangling = _DANGLING.search(line[:cut])
            if dangling is not None:  # TeX reads on: the arguments on a following line
                defining = _in_definition(lines, number, dangling.start())
                found = _read_on(path, number, lines, dangling, defining)
                if found is not None:
                    quotes.append(found)
    return quotes, problems


def _read_on(
    path: str, number: int, lines: Sequence[str], dangling: re.Match[str], defining: bool
) -> Quote | None:
    """Return the quote whose `\\rbvalue` ends line `number` (`dangling`), its arguments on a following
    line as TeX reads them: a line end is a space (within the key's braces too), a line that is all
    comment is skipped, a blank line ends the paragraph (and the quote: LaTeX stops there)."""
    # a line end is a space, unless a comment ate it (`{table1/%` then `mlp}` is the key table1/mlp)
    ended = lines[number - 1]
    space = "" if _comment_start(ended) < len(ended) else " "
    for following in lines[number : number + _READ_ON]:
        if following.strip().startswith("%"):
            continue
        text = following[: _comment_start(following)]
        if not text.strip():
            return None
        joined = _PAPER_QUOTE.match(dangling.group(0) + space + text.lstrip())
        before = lines[number - 1][: dangling.start()]
        return None if joined is None else _quote(path, number, joined, before, defining)
    return None


def _comment_start(line: str) -> int:
    """Return where a line's TeX comment starts (its length when it has none)."""
    comment = _COMMENT.search(line)
    return comment.start() if comment else len(line)


def _quote(path: str, number: int, quote: re.Match[str], before: str, defining: bool) -> Quote | None:
    """Return the quote a match of `_PAPER_QUOTE` is, its statistic as LaTeX reads it (lower case, spaces
    kept: `[PM]` is `pm`, `[ n]` no statistic); None for one only TeX can resolve (`{table1/#1}` in a
    \\newcommand, `{table1/\\method}`)."""
    written, raw = quote.group(2), quote.group(1)
    stat = "value" if raw is None else raw.translate(_ASCII_LOWER)
    key = _unescaped(written)
    unescaped = _ESCAPED.sub("", written + "\n" + stat)  # `\#1` is the key's `#1`, no parameter
    if "\\" in unescaped or (defining and _PARAMETER.search(unescaped)):
        return None
    after_pm = _AFTER_PM.search(before) is not None
    return Quote(path, number, key, stat, after_pm, "" if written == key else written)


def _in_definition(lines: Sequence[str], number: int, column: int) -> bool:
    """Tell whether line `number` at `column` lies within the braces of a definition
    (`\\newcommand{\\acc}[1]{...`), where `#1` is the macro's parameter."""
    before = [strip_comment(line) for line in lines[max(0, number - _DEFINITION_LINES) : number - 1]]
    text = "\n".join([*before, strip_comment(lines[number - 1][:column])])
    return any(_open_braces(text[start.end() :]) > 0 for start in _DEFINITION.finditer(text))


def _open_braces(text: str) -> int:
    """Return how many of a text's braces are still open at its end (escaped ones left out)."""
    depth = 0
    for brace in re.findall(r"(?<!\\)[{}]", text):
        depth = max(0, depth + (1 if brace == "{" else -1))
    return depth


def _unescaped(key: str) -> str:
    """Return a quoted key with TeX's escaped characters as themselves (`mlp10\\%` is `mlp10%`)."""
    return _ESCAPED.sub(r"\1", key)


def paper_texts(
    patterns: Sequence[str], generated: Iterable[str]
) -> tuple[dict[str, str], list[QuoteProblem]]:
    """Return the text of every file the patterns match (outputs resultsbook writes left out), in file
    order, and the patterns that match no file or files that cannot be read."""
    skipped = {os.path.abspath(path) for path in generated}
    problems: list[QuoteProblem] = []
    files: dict[str, None] = {}  # in order, each once
    for pattern in map(_file_pattern, patterns):
        matched = pattern_files(pattern)
        if matched is None:  # `/`, a home folder: not a paper
            message = (
                f"[macros] paper matches more than {_MAX_FILES:,} files; name the paper's own folder or files"
            )
            problems.append(QuoteProblem(os.path.relpath(pattern), message))
            continue
        if not matched:
            problems.append(QuoteProblem(os.path.relpath(pattern), _unmatched(pattern, skipped)))
        files.update((path, None) for path in matched if os.path.abspath(path) not in skipped)
    texts: dict[str, str] = {}
    read: set[str] = set()  # absolute paths: a file a pattern names and another inputs is read once
    for path in files:
        if os.path.abspath(path) not in read:
            _read_with_inputs(path, os.path.dirname(path), skipped, texts, problems, read)
    return texts, problems


def _read_with_inputs(
    path: str,
    base: str,
    skipped: Container[str],
    texts: dict[str, str],
    problems: list[QuoteProblem],
    read: set[str],
    depth: int = 0,
) -> None:
    """Read one paper file into `texts`, then the files it `\\input`s or `\\include`s that are on disk
    (neither `skipped`, the outputs, nor `read` before), as TeX reads them: a section's quotes count."""
    read.add(os.path.abspath(path))
    text = _paper_text(path, problems)
    if text is None:
        return
    texts[path] = text
    for line in text.splitlines():
        for target in PAPER_INPUT.findall(strip_comment(line)):
            for found in sorted(input_files(target.strip(), (os.path.dirname(path), base))):
                fresh = found not in read and found not in skipped and os.path.isfile(found)
                if fresh and len(read) < _MAX_FILES and depth < MAX_INPUT_DEPTH:
                    _read_with_inputs(found, base, skipped, texts, problems, read, depth + 1)


def _paper_text(path: str, problems: list[QuoteProblem]) -> str | None:
    """Return a paper file's text, or None with the reason it cannot be read added to `problems`."""
    try:
        if os.path.getsize(path) > _MAX_BYTES:
            raise OSError(f"larger than {_MAX_BYTES >> 20} MB: not a paper's source")
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError as error:
        reason = getattr(error, "strerror", None) or error
        problems.append(QuoteProblem(os.path.relpath(path), f"cannot be read ({reason})"))
        return None


def input_files(target: str, folders: Iterable[str]) -> set[str]:
    """Return the files an \\input target may name: from the inputting file's folder or the root's,
    with or without `.tex` (TeX adds it)."""
    names = (target, f"{target}.tex")
    return {os.path.abspath(os.path.join(folder, name)) for folder in folders for name in names}


def paper_uses(command: str, patterns: Sequence[str], generated: Iterable[str]) -> bool:
    """Tell whether the paper's files use a command (`\\onecolumn`) outside comments."""
    return bool(commands_used([command], patterns, generated))


def commands_used(commands: Sequence[str], patterns: Sequence[str], generated: Iterable[str]) -> list[str]:
    """Return those of the commands (`\\gain`) the paper's files use outside comments, reading them once."""
    if not commands:
        return []
    texts, _ = paper_texts(patterns, generated)
    code = [strip_comment(line) for text in texts.values() for line in text.splitlines()]
    found = [re.compile(re.escape(command) + r"(?![A-Za-z@])") for command in commands]
    return [command for command, used in zip(commands, found) if any(used.search(line) for line in code)]


def strip_comment(line: str) -> str:
    """Return a line of TeX without its comment (`%` to the end, unless escaped as `\\%`)."""
    return _COMMENT.sub("", line)


def pattern_files(pattern: str) -> list[str] | None:
    """Return the files one pattern of `[macros] paper` matches (a folder: its .tex files), sorted;
    None when it matches more than a paper has."""
    found = list(itertools.islice(glob.iglob(_file_pattern(pattern), recursive=True), _MAX_FILES + 1))
    if len(found) > _MAX_FILES:
        return None
    return sorted(path for path in found if os.path.isfile(path))


def _file_pattern(pattern: str) -> str:
    """Return the glob of a pattern: a folder stands for every .tex file below it."""
    return os.path.join(pattern, "**", "*.tex") if os.path.isdir(pattern) else pattern


def _stats_hint(quote: Quote, stats: Container[str]) -> str:
    """Say how to quote a statistic the table does not compute: the name meant, and where to ask for it."""
    from resultsbook.query.stats import STATISTIC_SYNONYMS, STATISTICS

    meant = STATISTIC_SYNONYMS.get(quote.stat, quote.stat)
    table = quote.key.split("/", 1)[0]
    if meant not in STATISTICS:
        return ""
    if meant != quote.stat:
        where = "" if meant in stats else f", once [tables.{table}] stats lists it"
        return f"; did you mean {meant!r}{where}?"
    return f" (add {meant!r} to [tables.{table}] stats to quote it)"


def _renamed_tables(outputs: Mapping[str, bytes]) -> dict[str, str]:
    """Return {an output's name without its folder and suffix: the table writing it}, as each output's
    first line says (`final.tex` written for [tables.last]): a table renamed often keeps its output."""
    tables: dict[str, str] = {}
    for path, data in outputs.items():
        found = _WRITTEN_FOR_TABLE.match(data[:512])
        if found is not None:
            tables.setdefault(os.path.splitext(os.path.basename(path))[0], found.group(1).decode())
    return tables


_WRITTEN_FOR_TABLE = re.compile(rb"% Generated by resultsbook from \[tables\.([^\]\s]+)\]")


def _on_disk_cells(numbers: str) -> dict[str, dict[str, str]]:
    """Return the cells of the numbers file as the last build wrote it (none when it is not there)."""
    try:
        with open(numbers, encoding="utf-8", errors="replace") as handle:
            return cell_texts(handle.read())
    except OSError:
        return {}


def _gone_table_hint(
    key: str, cells: Mapping[str, Mapping[str, str]], numbers: str, outputs_of: Mapping[str, str]
) -> str | None:
    """Say that a quoted key's table is no table of the spec now (renamed or removed), with the same row
    and column under the table it became; None when its table is one. Another table's cell of that
    name holds another number: it is suggested only when nothing tells the tables apart."""
    table, slash, rest = key.partition("/")
    tables = list(dict.fromkeys(cell.partition("/")[0] for cell in cells))
    if not slash or not rest or table in tables:
        return None
    same = [f"{name}/{rest}" for name in tables if f"{name}/{rest}" in cells]
    before = _on_disk_cells(numbers).get(key) if len(same) > 1 else None
    for told in (
        [cell for cell in same if outputs_of.get(table) == cell.partition("/")[0]],  # writes its old file
        [cell for cell in same if before is not None and cells[cell] == before],  # reads as it did
    ):
        if len(told) == 1:
            return f"{table} is no table of the spec now (renamed or removed); did you mean {told[0]}?"
    said = f"{table} is no table of the spec now (renamed or removed)"
    if same:  # nothing says which table it became: another table's cell of that name holds another number
        return (
            f"{said}; quote the row and column under the table it became, if it is one of these (check "
            f"that it holds the statistic meant): {' or '.join(same)}"
        )
    return f"{said}; its tables are {', '.join(tables)}" if tables else said


def unknown_quotes(
    quotes: Iterable[Quote], numbers_text: str, numbers: str, outputs_of: Mapping[str, str] | None = None
) -> list[QuoteProblem]:
    """Return the quotes the numbers file (`numbers_text`, written at `numbers`) does not define,
    each with what it has; `outputs_of` ({output name: table}) tells which table a renamed one became."""
    cells = cell_texts(numbers_text)
    path = numbers
    numbers = os.path.relpath(numbers)
    problems = []
    for quote in quotes:
        stats = cells.get(quote.key)
        text = (
            f"\\rbvalue{'' if quote.stat == 'value' else f'[{quote.stat}]'}{{{quote.written or quote.key}}}"
        )
        if stats is None:
            tagged = [key for key in cells if key.startswith(f"{quote.key}(") and key.endswith(")")]
            guess = written_key(quote.key, cells)
            table, _, rest = quote.key.partition("/")
            tables = sorted({cell.partition("/")[0] for cell in cells})
            near = closest(table, tables) if table not in tables else None  # `tabel1`: a typo, not a rename
            if not guess and near and f"{near}/{rest}" in cells:
                guess = f"{near}/{rest}"
            gone = None if guess or near else _gone_table_hint(quote.key, cells, path, outputs_of or {})
            guess = guess or (None if gone else closest(quote.key, cells))
            hint = gone or (f"did you mean {guess}?" if guess else "keys are TABLE/ROW.../COLUMN...")
            if len(tagged) > 1:  # cells whose values join to the key (a '/' inside a value)
                hint = f"{len(tagged)} cells' values join to that key, each tagged: {', '.join(tagged)}"
            if "%" in quote.key and not quote.written:  # the rest of the line is a comment: no key's end
                hint = f"its % starts a TeX comment, so the key never ends; {hint}"
            named = _named_value(quote.key, numbers_text)
            if named is not None:
                hint = f"{quote.key} is a value of [macros.values]: write \\{named}, not {text}"
            message = f"{text} is no cell of {numbers} (LaTeX stops there); {hint}"
        elif quote.stat not in stats:
            message = (
                f"{text}: the cell has no statistic {quote.stat!r} in {numbers}; it has {', '.join(stats)}"
                + _stats_hint(quote, stats)
            )
        elif quote.after_pm and (lopsided := _lopsided(quote.stat, stats)) is not None:
            problems.append(QuoteProblem(quote.place(), f"{text}: {lopsided}"))  # compiles, and misstates
            continue
        else:
            continue
        problems.append(QuoteProblem(quote.place(), message, stops=True))
    return problems


def _lopsided(stat: str, stats: Mapping[str, str]) -> str | None:
    """Say that a quoted spread is the half-width of an interval that is not symmetric about the value
    (a percentile bootstrap, the quartiles): `value ± it` in the text would misstate the interval;
    None when it is symmetric, as far as the printed digits tell."""
    from resultsbook.render.macros import plain_number_text

    if f"{stat}_lo" not in stats or f"{stat}_hi" not in stats or "value" not in stats:
        return None
    texts = [plain_number_text(stats[name]) for name in ("value", f"{stat}_lo", f"{stat}_hi", stat)]
    try:
        value, low, high, width = map(float, texts)
    except ValueError:  # a dash: nothing to weigh
        return None
    if not all(map(math.isfinite, (value, low, high, width))):
        return None
    fix = f"quote [pm] or [{stat}_lo] and [{stat}_hi]"
    if stat == "iqr":  # the interquartile range is q3 − q1, the whole width: ± it states twice that
        return (
            f"{texts[3]} is the interquartile range, the whole width of [{texts[1]}, {texts[2]}]: "
            f"`{texts[0]} ± {texts[3]}` in the text states an interval twice as wide; {fix}"
        )
    decimals = max(len(text.partition(".")[2]) for text in texts if "e" not in text)
    if abs((high - value) - (value - low)) <= 2 * 10.0**-decimals:
        return None
    return (
        f"{texts[3]} is the half-width of [{texts[1]}, {texts[2]}], which is not symmetric about {texts[0]}: "
        f"`{texts[0]} ± {texts[3]}` in the text misstates it; {fix}"
    )


def written_key(key: str, cells: Container[str]) -> str | None:
    """Return the key the numbers file writes a cell key as, when the paper quotes the key as the
    values read (`t1/a&b/x` is `t1/a-b/x`, or `t1/a-b/x(b9477b)` when `t1/a-b/x` is a cell too)."""
    plain = latex_key(key)
    tagged = (f"{plain}({key_tag(key, size)})" for size in range(64, 5, -1))  # the longest: a tag grows
    for form in (*tagged, plain):  # past a cell whose key it spells
        if form != key and form in cells:
            return form
    return None


def _named_value(key: str, numbers_text: str) -> str | None:
    """Return the command the numbers file defines for a [macros.values] name (`gain_circles` →
    `gainCircles`, or with the spec's prefix `rbGainCircles`), or None."""
    from resultsbook.errors import SpecError
    from resultsbook.spec.macros import macro_name

    if "/" in key:
        return None
    try:
        bare = macro_name(key)
    except SpecError:
        return None
    commands = _NAMED_VALUE.findall(numbers_text)
    found = [c for c in commands if c == bare or c.endswith(bare[0].upper() + bare[1:])]
    return found[0] if len(found) == 1 else None


def _unmatched(pattern: str, generated: Container[str]) -> str:
    """Say that a pattern of `[macros] paper` matches no file, with the .tex file it may have meant
    (never one of the `generated` outputs, which are no part of the paper's text)."""
    if os.path.exists(pattern):  # a FIFO, a device: never read
        return "[macros] paper names something that is not a regular file; name the paper's .tex files"
    folder = os.path.dirname(pattern.split("*")[0]) or "."
    below = glob.iglob(os.path.join(folder, "**", "*.tex"), recursive=True) if os.path.isdir(folder) else ()
    present = [
        path
        for path in itertools.islice(below, _MAX_FILES)
        if os.path.isfile(path) and os.path.abspath(path) not in generated
    ]
    guess = closest(pattern, present)
    hint = f"did you mean {os.path.relpath(guess)}?" if guess else "check the path in [macros] paper"
    return f"[macros] paper matches no file; {hint}"
