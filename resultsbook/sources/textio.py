"""Read untrusted log files: bad bytes, torn last lines and odd JSON become problems, not crashes."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from resultsbook.models import Problem
from resultsbook.sources import fs

_CHUNK = 1 << 16


def read_text(path: str, problems: list[Problem]) -> str:
    """Return a file's text; bytes that are not UTF-8 are replaced and reported."""
    data = fs.read_bytes(path)
    if data is None:
        with open(path, "rb") as handle:
            data = handle.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.append(
            Problem(
                path,
                f"bytes that are not UTF-8 (first at byte {error.start})",
                "the text with undecodable bytes replaced by U+FFFD",
            )
        )
        return data.decode("utf-8", errors="replace")


def read_file_bytes(path: str) -> bytes:
    """Return a file's bytes with the fewest system calls: trackers keep one value per tiny file."""
    remote = fs.read_bytes(path)
    if remote is not None:
        return remote
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.read(fd, _CHUNK)
        if len(data) < _CHUNK:  # a short read of a regular file is its end
            return data
        chunks = [data]
        while chunk := os.read(fd, _CHUNK):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_nonempty_text(path: str, problems: list[Problem]) -> str | None:
    """Return a file's text, or None (reported) when it cannot be read or holds nothing."""
    try:
        text = read_text(path, problems)
    except OSError as error:
        problems.append(Problem(path, f"cannot be read ({error.strerror})", "nothing from this file"))
        return None
    if not text.strip():
        problems.append(Problem(path, "is empty", "nothing from this file"))
        return None
    return text


def load_json_file(path: str, problems: list[Problem]) -> Any:
    """Parse a whole JSON file, or return None and report why it could not be read."""
    text = read_nonempty_text(path, problems)
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        problems.append(
            Problem(
                path,
                f"is not valid JSON ({error.msg} at line {error.lineno})",
                "nothing from this file",
            )
        )
        return None


def iter_json_lines(path: str, text: str, problems: list[Problem]) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of a JSON Lines text, reporting bad and torn lines."""
    if not text.strip():
        problems.append(Problem(path, "is empty", "no records"))
        return
    complete = text.endswith("\n")
    lines = text.split("\n")
    if complete:
        lines.pop()
    records = _parse_all_at_once(lines)
    if records is not None:
        yield from records
        return
    last = len(lines) - 1
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            if number == last and not complete:
                problems.append(
                    Problem(
                        path,
                        f"last line ({number + 1}) is cut off (a run still writing?)",
                        f"the {number} complete line(s) before it",
                    )
                )
            else:
                problems.append(Problem(path, f"line {number + 1} is not valid JSON", "the other lines"))
            continue
        if isinstance(record, dict):
            yield record
        else:
            problems.append(Problem(path, f"line {number + 1} is not a JSON object", "the other lines"))


def _parse_all_at_once(lines: list[str]) -> list[dict[str, Any]] | None:
    """Parse every line in one json call (much faster); None when any line needs a closer look."""
    filled = [line for line in lines if line.strip()]
    try:
        records = json.loads(f"[{','.join(filled)}]")
    except json.JSONDecodeError:
        return None
    if len(records) != len(filled):
        return None  # a line held two values; parse line by line to report it
    if all(isinstance(record, dict) for record in records):
        return records
    return None


def to_float(value: Any) -> float | None:
    """Return a metric value as float, or None when it is not a number ("nan"/"inf" strings count)."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
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
        number = float(value)
        if not math.isfinite(number):
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
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.timestamp()
    return None
