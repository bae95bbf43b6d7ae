"""Read line logs (JSON Lines, CSV/TSV, MLflow metric files) a chunk at a time, the one way every
adapter reads them: memory is bounded by the chunk, not by the file.

The rule for a log's last line: a line counts once its newline is written. A last line without one
was cut off by a run still writing, or killed; it is dropped and reported even when it parses,
because `0.7` may be the first bytes of `0.789`. The only last lines kept are those that cannot be
the start of a longer line: a whole JSON object, whose closing brace ends it, and a CSV row whose
closing quote ends its last column (sources.tabular says which).

A line longer than the record limit (`RESULTSBOOK_MAX_RECORD_SIZE`) is skipped without being held in
memory; bytes that are not UTF-8 are replaced by U+FFFD. Each kind of damage is reported once per
file: how many lines, and the first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from resultsbook.models import Problem
from resultsbook.sources.fileio import FileChunks
from resultsbook.sources.limits import RECORD, format_size


@dataclass(frozen=True)
class LineBatch:
    """Complete lines of a log (without their newlines) and the number of the first one (from 1)."""

    first: int
    lines: list[str]


class Tally:
    """Damage of one file counted by kind, reported once per kind: how many lines, and the first."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, str], tuple[str, list[int]]] = {}

    def add(self, one: str, many: str, line: int, kept: str, count: int = 1) -> None:
        """Count `count` lines that are damaged the same way, the first of them at `line`: `many` is
        the phrase for several lines (it names the kind), `one` the phrase for the first one alone."""
        entry = self._found.setdefault((many, kept), (one, [0, line]))
        entry[1][0] += count

    def report(self, path: str, problems: list[Problem]) -> None:
        """Add one problem per kind of damage counted."""
        for (many, kept), (one, (count, first)) in self._found.items():
            message = (
                f"line {first} {one}" if count == 1 else f"{count} lines {many} (the first: line {first})"
            )
            problems.append(Problem(path, message, kept))
        self._found.clear()


def iter_lines(
    path: str,
    problems: list[Problem],
    tally: Tally | None = None,
    keep_last: Callable[[str], bool] | None = None,
) -> Iterator[LineBatch]:
    """Yield a log's complete lines in batches, dropping (and reporting) a cut-off last line.

    `keep_last(text)` says whether a last line without its newline is whole nonetheless. Damage is
    counted in `tally` (reported at the end here when none is given). Opening the file may raise
    OSError (or fileio.UnreadableFile) when iteration starts.
    """
    own = tally is None
    found = Tally() if tally is None else tally
    limit = RECORD.bytes()
    number = 1  # the number of the next line
    pending: list[bytes] = []  # the start of a line that continues in the next chunk
    pending_size = 0
    skipping = False  # inside a line longer than the limit: its bytes are dropped as they come
    chunks = FileChunks(path)
    for chunk in chunks:
        end = chunk.rfind(b"\n")
        if skipping:
            start = chunk.find(b"\n")
            if start < 0:
                chunks.skip_hole()  # an over-long line of a sparse file: its unwritten zeros are not read
                continue
            skipping = False
            number += 1
            if start == end:
                pending, pending_size = [chunk[end + 1 :]], len(chunk) - end - 1
                continue
            chunk = chunk[start + 1 :]
            end -= start + 1
        if end < 0:
            pending.append(chunk)
            pending_size += len(chunk)
            if pending_size > limit:
                found.add(*_too_long(limit), number, "the other lines")
                pending, pending_size, skipping = [], 0, True
                chunks.skip_hole()
            continue
        block = b"".join([*pending, chunk[:end]]) if pending else chunk[:end]
        rest = chunk[end + 1 :]
        pending, pending_size = ([rest], len(rest)) if rest else ([], 0)
        lines = _decode_lines(block, number, limit, found)
        yield LineBatch(number, lines)
        number += len(lines)
    if skipping or not pending:
        if own:
            found.report(path, problems)
        return
    last = _decode_lines(b"".join(pending), number, limit, found)[0]
    if keep_last is not None and keep_last(last):
        yield LineBatch(number, [last])
    elif last.strip():
        problems.append(cut_off(path, number))
    if own:
        found.report(path, problems)


def cut_off(path: str, number: int) -> Problem:
    """Return the report of a last line (number `number`) that has no newline at its end."""
    return Problem(
        path,
        f"last line ({number}) is cut off (a run still writing?); if the file is complete, end its last line "
        "with a newline",
        f"the {number - 1} complete line(s) before it" if number > 1 else "nothing: it is the only line",
    )


def _too_long(limit: int) -> tuple[str, str]:
    what = f"longer than {format_size(limit)} (RESULTSBOOK_MAX_RECORD_SIZE)"
    return f"is {what}: skipped", f"are {what}: skipped"


def _decode_lines(block: bytes, first: int, limit: int, tally: Tally) -> list[str]:
    """Split a block of complete lines and decode them; damaged bytes are replaced and counted."""
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        lines = []
        for offset, raw in enumerate(block.split(b"\n")):
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError as error:
                tally.add(
                    f"has bytes that are not UTF-8 (at column {error.start + 1})",
                    "have bytes that are not UTF-8",
                    first + offset,
                    "those lines with the bytes replaced by U+FFFD",
                )
                lines.append(raw.decode("utf-8", errors="replace"))
        if b"\r" in block:  # Windows line ends
            lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    else:
        if "\r" in text:  # Windows line ends: each line's last CR dropped, in one pass
            text = text.replace("\r\n", "\n")
            text = text[:-1] if text.endswith("\r") else text
        lines = text.split("\n")
    if len(block) > limit:
        for offset, line in enumerate(lines):
            if len(line) > limit:
                tally.add(*_too_long(limit), first + offset, "the other lines")
                lines[offset] = ""
    if first == 1 and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]  # a byte order mark (Excel's CSV) is not part of the first line
    return lines


def log_run_name(path: str) -> str:
    """Name the run of a text log by its folder and its name without the suffix: `exp1/train` for
    exp1/train.log (fairseq's checkpoints/transformer/train.log is `transformer/train`)."""
    parts = os.path.abspath(path).replace(os.sep, "/").split("/")
    return "/".join([*parts[-2:-1], os.path.splitext(parts[-1])[0]])
