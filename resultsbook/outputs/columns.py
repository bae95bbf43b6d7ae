"""Whether the paper sets a table on a one-column page where it `\\input`s it (a longtable refuses
two-column mode, so a two-column paper may take one only after `\\onecolumn`, an appendix), and
whether inside its own table* or figure* (measured against the text width, not the column)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from resultsbook.outputs.lock import file_digest
from resultsbook.outputs.quotes import (
    MAX_INPUT_DEPTH,
    PAPER_INPUT,
    QuoteProblem,
    input_files,
    paper_texts,
    strip_comment,
)

_EVENT = re.compile(
    r"\\(onecolumn|twocolumn|documentclass)(?![A-Za-z@])(?:\s*\[([^\]]*)\])?|"
    + PAPER_INPUT.pattern
    + r"|\\(begin|end)\s*\{(?:table|figure)\*\}"
)
_MAX_READS = 10_000  # files read in all: a paper inputting its files in many places stops here


@dataclass(frozen=True)
class Placement:
    """One place the paper inputs a table, and whether the page is in one column there (None: the
    paper's files say nothing of it before that place)."""

    path: str
    line: int
    one_column: bool | None
    across: bool = False  # inside a table* or figure*: across both columns of a two-column page

    def place(self) -> str:
        """Return `file:line`, relative to the working folder."""
        return f"{os.path.relpath(self.path)}:{self.line}"


def table_placements(
    tables: Iterable[str], patterns: Sequence[str], generated: Iterable[str]
) -> list[Placement]:
    """Return each place the paper's files `\\input` one of the files `tables` (a table's outputs),
    read from each root file (the ones with `\\documentclass`) through the files it inputs, in the
    order TeX reads them."""
    texts, _ = paper_texts(patterns, generated)
    events = {os.path.abspath(path): list(_events(text)) for path, text in texts.items()}
    roots = [path for path, found in events.items() if any(kind == "documentclass" for kind, *_ in found)]
    reader = _Reader(events, {os.path.abspath(table) for table in tables})
    for root in roots:
        reader.read(root, os.path.dirname(root), None, 0)
    for path in events:  # a file no root inputs (a paper named by its sections): read on its own
        if path not in reader.visited:
            reader.read(path, os.path.dirname(path), None, 0)
    return list(dict.fromkeys(reader.placements))


def _events(text: str) -> Iterator[tuple[str, int, str]]:
    """Yield (kind, line, argument) of each column switch, \\documentclass (its options), \\input, and
    begin and end of table* and figure*."""
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _EVENT.finditer(strip_comment(line)):
            if match.group(1):
                yield match.group(1), number, match.group(2) or ""
            elif match.group(4):
                yield f"{match.group(4)} starred", number, ""
            else:
                yield "input", number, match.group(3).strip()


class _Reader:
    """Follows the paper's files as TeX reads them, noting the column mode at each input of the table."""

    def __init__(self, events: Mapping[str, list[tuple[str, int, str]]], tables: set[str]) -> None:
        self.events = events
        self.tables = tables
        self.visited: set[str] = set()
        self.reading: set[str] = set()  # the files being read, outermost first: an input loop stops here
        self.placements: list[Placement] = []
        self.reads = _MAX_READS
        self.starred = 0  # table* and figure* environments open where TeX reads

    def read(self, path: str, base: str, one_column: bool | None, depth: int) -> bool | None:
        """Follow one file from the column mode it starts in; return the mode it ends in."""
        self.visited.add(path)
        self.reading.add(path)
        self.reads -= 1
        for kind, line, argument in self.events[path]:
            if kind == "documentclass":  # the venue's two columns, unless the class is told otherwise
                one_column = "onecolumn" in re.split(r"[\s,]+", argument)
            elif kind in ("onecolumn", "twocolumn"):
                one_column = kind == "onecolumn"
            elif kind in ("begin starred", "end starred"):
                self.starred = max(0, self.starred + (1 if kind == "begin starred" else -1))
            else:
                paths = input_files(argument, (os.path.dirname(path), base))
                if self.tables & paths:
                    self.placements.append(Placement(path, line, one_column, self.starred > 0))
                inner = next((p for p in self.events if p in paths), None)
                if inner is not None and inner not in self.reading and depth < MAX_INPUT_DEPTH and self.reads:
                    one_column = self.read(inner, base, one_column, depth + 1)
        self.reading.discard(path)
        return one_column


_CLASS = re.compile(r"\\documentclass\s*(?:\[([^\]]*)\])?\s*\{([^}]*)\}")
_TWOCOLUMN = re.compile(r"\\twocolumn(?![A-Za-z@])")


def two_column_paper(patterns: Sequence[str], generated: Iterable[str]) -> str | None:
    """Return where a paper file sets its pages in two columns, as `file:line` and how: its
    `\\documentclass` (the `twocolumn` option, its options over several lines too; IEEEtran unless
    `onecolumn`; acmart's sigconf and sigplan) or a `\\twocolumn` of its own; None when none does."""
    texts, _ = paper_texts(patterns, generated)
    for path, text in texts.items():
        body = "\n".join(strip_comment(line) for line in text.splitlines())
        found = _CLASS.search(body)
        if found is not None:
            listed = [option for option in re.split(r"[\s,]+", found.group(1) or "") if option]
            options = set(listed)
            name = found.group(2).strip()
            two = "twocolumn" in options or (name == "IEEEtran" and "onecolumn" not in options)
            if two or (name == "acmart" and bool(options & {"sigconf", "sigplan"})):
                shown = f"[{','.join(listed)}]" if listed else ""
                line = body.count("\n", 0, found.start()) + 1
                return f"{os.path.relpath(path)}:{line} (\\documentclass{shown}{{{name}}})"
        switch = _TWOCOLUMN.search(body)
        if switch is not None:
            return f"{os.path.relpath(path)}:{body.count(chr(10), 0, switch.start()) + 1} (\\twocolumn)"
    return None


def orphaned_inputs(
    patterns: Sequence[str],
    outputs: Iterable[str],
    entries: Mapping[str, Sequence[str]],
    retired: Mapping[str, str] | None = None,
) -> list[QuoteProblem]:
    """Return each place the paper `\\input`s a file resultsbook wrote for this spec that no entry
    writes now: one of its `entries` (lock keys: `tables.table1` -> its outputs now) whose output was
    renamed (the message names what it writes now), or a file
    the lock records as `retired` (its entry renamed or removed). The paper shows what an earlier build
    wrote, and nothing updates it. A file another spec writes names an entry of its own, or one this
    spec has not, and is in no retired list of this spec's lock (path -> the digest build wrote: a
    file rewritten since is the paper's own): it is left alone."""
    current = {os.path.abspath(path) for path in outputs}
    left = {os.path.abspath(path): digest for path, digest in (retired or {}).items()}
    ours = {"[macros]" if name == "macros" else f"[{name}]" for name in entries}
    texts, _ = paper_texts(patterns, current)
    roots = {os.path.dirname(os.path.abspath(path)) for path in texts}
    problems = []
    for path, text in texts.items():
        for kind, line, argument in _events(text):
            if kind != "input":
                continue
            for target in sorted(input_files(argument, (os.path.dirname(os.path.abspath(path)), *roots))):
                if target in current or not os.path.isfile(target):
                    continue
                as_written = target in left and file_digest(target) == left[target]
                writer = _written_for(target)
                if not as_written and writer not in ours:
                    continue
                place = f"{os.path.relpath(path)}:{line}"
                name = "macros" if writer == "[macros]" else (writer or "")[1:-1]
                message = (
                    f"\\input{{{argument}}} reads {os.path.relpath(target)}, which resultsbook wrote but no "
                    "entry of the spec writes now: the paper shows what an earlier build wrote; "
                    + _input_instead(writer, entries.get(name, ()), target, argument)
                )
                problems.append(QuoteProblem(place, message, kind="input"))
                break
    return problems


def missing_inputs(patterns: Sequence[str], outputs: Iterable[str]) -> list[QuoteProblem]:
    """Return each place the paper `\\input`s a file that is not there, in a folder where resultsbook
    writes `outputs` (the lock left out), that no entry writes: LaTeX stops on it (`File not found`).
    A file missing elsewhere is the paper's own, not judged here."""
    from resultsbook.errors import closest

    written = [os.path.abspath(path) for path in outputs]
    folders = {os.path.dirname(path) for path in written}
    texts, _ = paper_texts(patterns, written)
    roots = {os.path.dirname(os.path.abspath(path)) for path in texts}
    problems = []
    for path, text in texts.items():
        for line, argument in _plain_inputs(text):
            if not argument or "\\" in argument or "#" in argument or argument.startswith("|"):
                continue  # a macro's name or parameter, a pipe: what TeX reads there is known when it runs
            targets = input_files(argument, (os.path.dirname(os.path.abspath(path)), *roots))
            if any(target in written or os.path.exists(target) for target in targets):
                continue
            ours = sorted(t for t in targets if os.path.dirname(t) in folders and t.endswith(".tex"))
            if not ours:
                continue
            tex = [output for output in reversed(written) if output.endswith(".tex")]  # what \\input reads
            # by name without .tex: every path shares its folders and suffix (`wide.tex` is not `main.tex`)
            by_name = {_stem(output): os.path.relpath(output) for output in tex}
            named = closest(_stem(ours[0]), by_name)
            guess = by_name[named] if named else None
            instead = _as_argument(argument, ours[0], guess) if guess else None
            hint = (
                f"did you mean \\input{{{instead}}} ({guess})?"
                if instead
                else (f"did you mean {guess}?" if guess else "input a file an entry of the spec writes")
            )
            message = (
                f"\\input{{{argument}}} reads {os.path.relpath(ours[0])}, which is not there and no entry of "
                f"the spec writes (LaTeX stops there: File not found); {hint}"
            )
            problems.append(QuoteProblem(f"{os.path.relpath(path)}:{line}", message, kind="input"))
    return problems


_PLAIN_INPUT = re.compile(r"\\input\s*\{([^}]*)\}")  # \include of a missing file is no error: left out


def _plain_inputs(text: str) -> Iterator[tuple[int, str]]:
    """Yield (line, argument) of each `\\input{...}` LaTeX stops on when its file is missing: not one
    guarded by `\\IfFileExists` on its line, nor an `\\include` (which only logs `No file`)."""
    for number, line in enumerate(text.splitlines(), start=1):
        code = strip_comment(line)
        if "\\IfFileExists" in code or "\\InputIfFileExists" in code:
            continue
        for match in _PLAIN_INPUT.finditer(code):
            yield number, match.group(1).strip()


def _stem(path: str) -> str:
    """Return a file's name without its folder and suffix."""
    return os.path.splitext(os.path.basename(path))[0]


def _as_argument(argument: str, target: str, output: str) -> str | None:
    """Return the \\input argument naming `output` where `argument` names `target` (the same folder:
    the name replaced, `.tex` left off as it was), or None for an output in another folder."""
    if os.path.dirname(os.path.abspath(output)) != os.path.dirname(os.path.abspath(target)):
        return None
    name = os.path.basename(output)
    if not argument.endswith(os.path.splitext(name)[1]):  # `\\input{final}`: TeX adds .tex
        name = os.path.splitext(name)[0]
    return os.path.join(os.path.dirname(argument), name)


def _input_instead(writer: str | None, outputs: Sequence[str], target: str, argument: str) -> str:
    """Say what to input instead of a file the entry `writer` (`[tables.final]`) wrote before its output
    was renamed: its output of that kind now (`[tables.final] now writes paper/final_v2.tex: input it as
    \\input{final_v2.tex}`); with no entry of that name now (renamed or removed), the entry's output."""
    suffix = os.path.splitext(target)[1]
    now = [path for path in outputs if os.path.splitext(path)[1] == suffix] or list(outputs)
    if writer is None or not now:
        return "input the entry's output now, or delete the file"
    said = f"{writer} now writes {', '.join(os.path.relpath(path) for path in now)}"
    instead = _as_argument(argument, target, now[0]) if len(now) == 1 else None
    if instead is None:
        return f"{said}: input that, or delete the file"
    return f"{said}: input it as \\input{{{instead}}}, or delete the file"


_WRITTEN_FOR = re.compile(rb"Generated by resultsbook from (\[[^\]]+\])")


def _written_for(path: str) -> str | None:
    """Return the entry a file's first line says resultsbook wrote it for (`[tables.table1]`), or None."""
    try:
        with open(path, "rb") as handle:
            found = _WRITTEN_FOR.search(handle.readline(512))
    except OSError:
        return None
    return found.group(1).decode("utf-8", errors="replace") if found else None
