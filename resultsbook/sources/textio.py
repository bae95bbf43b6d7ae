"""Read untrusted log files: bad bytes, torn last lines and odd JSON become problems, not crashes."""

from __future__ import annotations

import codecs
import json
import math
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import orjson

from resultsbook.jsontext import fast_loads, may_hold_big_integer
from resultsbook.models import Problem
from resultsbook.sources import fs
from resultsbook.sources.fileio import iter_file_chunks, read_file_bytes, read_small_file, unreadable
from resultsbook.sources.limits import CONFIG, MAX_DEPTH, RECORD, Limit
from resultsbook.sources.lines import LineBatch, Tally, cut_off, iter_lines

WHOLE_FILE = 4 << 20  # a JSON Lines file up to this size is read and parsed in one call
FIRST_LINE = 4 << 20  # a file whose first line is longer is not taken for JSON Lines under a .json name

__all__ = [
    "holds_json_lines",
    "iter_json_lines",
    "iter_json_records",
    "load_json_file",
    "parse_json",
    "parse_whole_json_lines",
    "read_file_bytes",
    "read_nonempty_text",
    "read_text",
    "to_float",
    "to_timestamp",
    "too_deep",
]


def read_text(path: str, problems: list[Problem], limit: Limit = CONFIG) -> str:
    """Return a file's text; bytes that are not UTF-8 are replaced and reported.

    Raises OSError when the file cannot be read, is not a regular file or is larger than `limit`.
    """
    data = read_file_bytes(path, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.append(
            Problem(
                path,
                f"has bytes that are not UTF-8 (the first at byte {error.start})",
                "the text with undecodable bytes replaced by U+FFFD",
            )
        )
        return data.decode("utf-8", errors="replace")


def read_nonempty_text(
    path: str, problems: list[Problem], kept: str = "nothing from this file", limit: Limit = CONFIG
) -> str | None:
    """Return a file's text, or None (reported) when it cannot be read or holds nothing."""
    try:
        text = read_text(path, problems, limit)
    except OSError as error:
        problems.append(unreadable(path, error, kept))
        return None
    if not text.strip():
        problems.append(Problem(path, "is empty", kept))
        return None
    return text


def load_json_file(
    path: str, problems: list[Problem], kept: str = "nothing from this file", limit: Limit = CONFIG
) -> Any:
    """Parse a whole JSON file (at most `limit` bytes), or return None and report why it could not be."""
    text = read_nonempty_text(path, problems, kept, limit)
    if text is None:
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    ok, value = parse_json(text)
    if not ok:
        what = f"is refused: {value}" if value.startswith("it nests") else f"is not valid JSON ({value})"
        problems.append(Problem(path, what, kept))
        return None
    return value


def parse_json(text: str | bytes) -> tuple[bool, Any]:
    """Parse JSON text: (True, value), or (False, what is wrong) for invalid or too deeply nested JSON.

    NaN and Infinity are accepted, as the writers of run logs emit them.
    """
    try:
        value = fast_loads(text)
    except json.JSONDecodeError as error:
        return False, f"{error.msg} at line {error.lineno} column {error.colno}"
    except RecursionError:
        return False, f"it nests deeper than {MAX_DEPTH} levels"
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        return False, str(error).split(";")[0]
    if too_deep(value):
        return False, f"it nests deeper than {MAX_DEPTH} levels"
    return True, value


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Tell whether lists and objects nest more than `limit` levels (readers recurse into them)."""
    if not isinstance(value, (dict, list)):
        return False
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        inner = [child for child in children if isinstance(child, (dict, list))]
        if inner:
            if depth >= limit:
                return True
            stack.extend((child, depth + 1) for child in inner)
    return False


def iter_json_records(
    path: str, problems: list[Problem], tally: Tally | None = None, exact_integers: bool = True
) -> Iterator[list[dict[str, Any]]]:
    """Yield the JSON objects of a JSON Lines file in batches, streamed; bad and torn lines are reported.

    With `exact_integers` False, an integer beyond 64 bits may come as the nearest float (for callers
    that turn every number into a float anyway: it saves a scan of the text). Opening the file may
    raise OSError when iteration starts.
    """
    own = tally is None
    found = Tally() if tally is None else tally
    for batch in iter_lines(path, problems, found, keep_last=_whole_object):
        records = _parse_all_at_once(batch.lines, exact_integers)  # a blank line fails it
        if records is None:
            records = _parse_all_at_once([line for line in batch.lines if line.strip()], exact_integers)
        if records is None:
            records = list(_parse_one_by_one(batch, found))
        if records:
            yield records
    if own:
        found.report(path, problems)


def holds_json_lines(path: str) -> bool:
    """Tell whether a file is JSON Lines, as Detectron2's metrics.json and MMDetection's *.log.json
    are: its first line is a whole JSON object and, in a `.json` file (which may hold one object),
    more text follows it; under another name (a `log.txt`) one line is enough."""
    if fs.is_remote(path):
        return False
    head = b""
    try:
        for chunk in iter_file_chunks(path):
            head += chunk
            first, newline, rest = head.partition(b"\n")
            if (newline and rest.strip()) or len(head) > FIRST_LINE:
                break
    except OSError:
        return False
    first, newline, rest = head.partition(b"\n")
    followed = not path.lower().endswith(".json") or bool(newline and rest.strip())
    if not followed or not first.strip().startswith((b"{", codecs.BOM_UTF8 + b"{")):
        return False
    ok, value = parse_json(first.removeprefix(codecs.BOM_UTF8))
    return ok and isinstance(value, dict)


def opens_json_object(path: str) -> bool:
    """Tell whether a .json file opens an object, from its first character (one object, or JSON Lines)."""
    if not path.lower().endswith(".json"):
        return False
    try:  # a FIFO in its place is refused, never opened
        return next(iter_file_chunks(path, 4096), b"").lstrip().removeprefix(codecs.BOM_UTF8).startswith(b"{")
    except OSError:
        return False


def holds_json_object(path: str) -> bool:
    """Tell whether a .json file holds one object (one run's fields): not a list, nor JSON Lines."""
    return not fs.is_remote(path) and opens_json_object(path) and not holds_json_lines(path)


def parse_whole_json_lines(path: str) -> list[dict[str, Any]] | None:
    """Return the records of a small local JSON Lines file that is whole and clean, parsed in one
    call; None for any other file (remote, large, empty, a cut-off or blank line, bad bytes or JSON):
    `iter_json_records` reads it, and reports what it finds. Numbers as `exact_integers=False`."""
    if fs.is_remote(path):
        return None
    try:
        data = read_small_file(path, min(WHOLE_FILE, RECORD.bytes()))
    except OSError:
        return None
    if not data or not data.endswith(b"\n") or b"\r" in data or data.startswith(codecs.BOM_UTF8):
        return None
    try:  # a line's newline becomes a comma: valid JSON only when every line holds one whole value
        records = orjson.loads(b"[" + data[:-1].replace(b"\n", b",") + b"]")
    except orjson.JSONDecodeError:
        return None
    if len(records) != data.count(b"\n") or set(map(type, records)) != {dict}:
        return None
    return records


def iter_json_lines(path: str, text: str, problems: list[Problem]) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of JSON Lines text already read, with the rules of `iter_json_records`
    (prefer that one: it streams the file)."""
    if not text.strip():
        problems.append(Problem(path, "is empty", "no records"))
        return
    lines = text.split("\n")
    last = lines.pop()
    tally = Tally()
    batch = LineBatch(1, lines)
    yield from _parse_all_at_once([line for line in lines if line.strip()]) or _parse_one_by_one(batch, tally)
    if last.strip():
        if _whole_object(last):
            yield from _parse_one_by_one(LineBatch(len(lines) + 1, [last]), tally)
        else:
            problems.append(cut_off(path, len(lines) + 1))
    tally.report(path, problems)


def _whole_object(line: str) -> bool:
    """Tell whether a last line without its newline is a whole JSON object (it cannot be cut short)."""
    ok, value = parse_json(line) if line.rstrip().endswith("}") else (False, None)
    return ok and isinstance(value, dict)


def _parse_one_by_one(batch: Any, tally: Tally) -> Iterator[dict[str, Any]]:
    """Parse lines one at a time, counting those that are not JSON objects."""
    for offset, line in enumerate(batch.lines):
        if not line.strip():
            continue
        ok, record = parse_json(line)
        if not ok:
            tally.add("is not valid JSON", "are not valid JSON", batch.first + offset, "the other lines")
        elif not isinstance(record, dict):
            tally.add("is not a JSON object", "are not JSON objects", batch.first + offset, "the other lines")
        else:
            yield record


def _parse_all_at_once(lines: list[str], exact_integers: bool = True) -> list[dict[str, Any]] | None:
    """Parse every line in one call (much faster); None when any line needs a closer look."""
    if not lines:
        return []
    joined = f"[{','.join(lines)}]"
    try:
        if exact_integers and may_hold_big_integer(joined):
            records = json.loads(joined)
        else:
            records = orjson.loads(joined)
    except orjson.JSONDecodeError:  # a NaN somewhere, say: orjson for the lines that it reads alike
        try:
            records = [fast_loads(line, exact_integers) for line in lines]
        except (ValueError, RecursionError):
            return None
    except (ValueError, RecursionError):
        return None
    if len(records) != len(lines):
        return None  # a line held two values; parse line by line to report it
    if set(map(type, records)) == {dict}:
        return records
    return None


def to_float(value: Any) -> float | None:
    """Return a metric value as float, or None when it is not a number ("nan"/"inf" strings count)."""
    if isinstance(value, float):
        return float(value)
    if isinstance(value, int):  # bools too
        try:
            return float(value)
        except OverflowError:  # an integer no float can hold: not a number a metric can have
            return None
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}:
            return float(lowered.replace("infinity", "inf"))
        try:
            return float(lowered)
        except ValueError:
            return None
    return None


def to_timestamp(value: Any) -> float | None:
    """Return seconds since the epoch from epoch seconds/milliseconds or an ISO-8601 string."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = to_float(value)
        if number is None or not math.isfinite(number):
            return None
        return number / 1000.0 if number > 1e11 else number
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return to_timestamp(float(text))
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            return moment.timestamp()
        except (ValueError, OverflowError):
            return None
    return None
