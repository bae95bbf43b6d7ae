"""Read a LaTeX log for boxes that stick out of the text (`Overfull \\hbox`) and say which generated
file each comes from.

TeX reports an overfull line where the paragraph ends: inside the generated file when the box is
built there (the notes of a table), or in the file that `\\input` it when the box is the table itself
(`\\begin{table}...\\input{results/table1.tex}...\\end{table}`). The log names the file being read
through parentheses around everything read from it; a paragraph finished in another file is
attributed to the file its line range `\\input`s or includes.

Run LaTeX with `max_print_line=100000` in the environment so that the log does not wrap file names.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

LOG_ENV = {"max_print_line": "100000", "error_line": "254", "half_error_line": "238"}
_TOKEN = re.compile(
    r"(?P<box>(?:Overfull|Underfull) \\[hv]box \((?:(?P<points>[0-9.]+)pt too wide|[^)]*)\) "
    r"(?:in paragraph at lines (?P<first>\d+)--(?P<last>\d+)|in alignment at lines (?P<afirst>\d+)--"
    r"(?P<alast>\d+)|detected at line (?P<line>\d+)|has occurred while \\output is active)[^\n]*)"
    r"|(?P<open>\((?P<file>(?:[A-Za-z]:)?[./\\]?[^()\s]*\.[A-Za-z0-9]+(?=[\s()]|$))?)"
    r"|(?P<close>\))"
)
_INCLUDED = re.compile(r"\\(?:input|include|includegraphics)(?:\[[^\]]*\])?\{([^}]*)\}")


@dataclass(frozen=True)
class Overfull:
    """One overfull box: by how much, and where (the file TeX was reading and its lines)."""

    points: float
    file: str
    first_line: int
    last_line: int


def overfull_boxes(log: str) -> list[Overfull]:
    """Return every `Overfull \\hbox` of a log with the file being read when TeX reported it."""
    stack: list[str | None] = []
    found = []
    position = 0
    while (match := _TOKEN.search(log, position)) is not None:
        position = match.end()
        if match.group("box"):
            if match.group("points"):
                first = match.group("first") or match.group("afirst") or match.group("line") or "0"
                last = match.group("last") or match.group("alast") or match.group("line") or first
                current = next((name for name in reversed(stack) if name), "")
                found.append(Overfull(float(match.group("points")), current, int(first), int(last)))
            # the box's contents follow up to an empty line; their parentheses are typeset text
            end = log.find("\n\n", position)
            position = len(log) if end < 0 else end
        elif match.group("open") is not None:
            stack.append(match.group("file"))
        elif stack:
            stack.pop()
    return found


def attribute(boxes: list[Overfull], folder: str, generated: Mapping[str, str]) -> list[tuple[str, Overfull]]:
    """Return (name, box) for the boxes that come from generated files: `generated` maps each file's
    absolute path to a name (e.g. its spec entry); relative names in the log are read from `folder`."""
    by_path = {os.path.normpath(path): name for path, name in generated.items()}
    out = []
    for box in boxes:
        path = os.path.normpath(os.path.join(folder, box.file))
        if path in by_path:
            out.append((by_path[path], box))
            continue
        for included in _included_in(path, box.first_line, box.last_line):
            candidate = os.path.normpath(os.path.join(os.path.dirname(path), included))
            for suffix in ("", ".tex"):
                if candidate + suffix in by_path:
                    out.append((by_path[candidate + suffix], box))
                    break
    return out


def _included_in(path: str, first: int, last: int) -> list[str]:
    """Return the files `\\input` or included by the paragraph that ends on line `last` of a source
    file: from that line back to where the paragraph or its environment begins (a blank line or a
    `\\begin`)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return []
    found: list[str] = []
    del first  # where the paragraph began may be a line of another file: scan back from its end
    for number in range(min(last, len(lines)), 0, -1):
        line = lines[number - 1]
        found += _INCLUDED.findall(line)
        if not line.strip() or "\\begin{" in line:
            break
    return found
