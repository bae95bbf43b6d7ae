"""Check what an adapter read before it reaches the store: text the store can hold, numbers it can
hold, series of one length. What does not fit is repaired (and reported) or dropped (and reported),
so that one odd value never fails a collect, whichever adapter (built-in or plug-in) read it.

Text that is not valid UTF-8 (a folder name in Latin-1, a lone surrogate escaped in JSON) keeps
its undecodable bytes written as `\\xNN` (`\\uDXXX` for a lone surrogate): visible and stable. A NUL
character (`"\\u0000"` in a JSON config), which PostgreSQL's text cannot hold, is written as `\\x00`
in every store, so that both give the same answers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from resultsbook.models import Problem, ReadResult, RunRecord, Series, Source
from resultsbook.params import normalize_value

_INT64 = (-(2**63), 2**63 - 1)


def storable_text(text: str) -> str:
    """Return text every store can hold as UTF-8: undecodable bytes (surrogate escapes) as `\\xNN`, and
    NUL, which PostgreSQL's text cannot hold, as `\\x00`."""
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    if text.isascii():  # the usual case, checked without encoding
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(_escape(char) for char in text)
    return text


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as os and surrogateescape keep it
        return f"\\x{code - 0xDC00:02x}"
    if 0xD800 <= code <= 0xDFFF:  # a lone surrogate (e.g. "\ud800" in JSON)
        return f"\\u{code:04x}"
    return char


def checked_result(source: Source, result: ReadResult) -> ReadResult:
    """Return a read result the store can hold, with a problem for each thing repaired or dropped."""
    check = _Check(storable_text(source.path), source.adapter)
    if check.path != source.path:
        check.note("its path")
    runs = tuple(check.run(run) for run in result.runs)
    problems = [check.problem(p) for p in result.problems]
    problems += check.problems
    repaired = (
        (
            check.nul,
            "holds text with NUL characters ({}), which a PostgreSQL store cannot hold",
            "NUL",
            "\\x00",
        ),
        (check.undecodable, "holds text that is not valid UTF-8 ({})", "undecodable byte", "\\xNN"),
    )
    for places, said, what, written in repaired:
        if places:
            where = ", ".join(dict.fromkeys(places))
            problems.append(
                Problem(check.path, said.format(where), f"the text, each {what} written as {written}")
            )
    return ReadResult(runs, tuple(problems))


class _Check:
    """The repairs of one source's result, and what to report about them."""

    def __init__(self, path: str, adapter: str) -> None:
        self.path = path
        self.adapter = adapter
        self.undecodable: list[str] = []
        self.nul: list[str] = []  # where text held NUL characters
        self.problems: list[Problem] = []

    def note(self, place: str) -> None:
        self.undecodable.append(place)

    def text(self, text: str, place: str) -> str:
        safe = storable_text(text)
        if safe is not text and safe != text:
            if "\x00" in text:
                self.nul.append(place)
            if any(0xD800 <= ord(char) <= 0xDFFF for char in text):  # what storable_text escapes
                self.note(place)
        return safe

    def problem(self, problem: Problem) -> Problem:
        texts = (storable_text(problem.path), storable_text(problem.message), storable_text(problem.kept))
        if texts == (problem.path, problem.message, problem.kept):
            return problem
        return replace(problem, path=texts[0], message=texts[1], kept=texts[2])

    def run(self, run: RunRecord) -> RunRecord:
        if _as_stored(run):  # the usual run: nothing to repair, so nothing to copy
            return run
        text = self.text
        return replace(
            run,
            key=text(str(run.key), "a run key"),
            name=text(str(run.name), "a run name"),
            experiment=None if run.experiment is None else text(str(run.experiment), "an experiment name"),
            status=text(str(run.status), "a status"),
            params={text(str(k), "param names"): self.param(k, v) for k, v in run.params.items()},
            metrics=self.metrics(run.metrics),
            summary=self.summary(run.summary),
            start_time=_time(run.start_time),
            end_time=_time(run.end_time),
            provenance=self.plain(run.provenance),
        )

    def param(self, key: str, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and not _INT64[0] <= value <= _INT64[1]:
            self.problems.append(
                Problem(
                    self.path,
                    f"param {storable_text(str(key))!r} is an integer beyond 64 bits",
                    "its digits as text",
                )
            )
            return str(value)
        if isinstance(value, str):
            return self.text(value, "param values")
        if value is None or isinstance(value, (bool, int, float)):
            return value
        return self.text(str(normalize_value(value)), "param values")

    def metrics(self, metrics: Mapping[str, Series]) -> dict[str, Series]:
        kept: dict[str, Series] = {}
        for key, series in metrics.items():
            name = self.text(str(key), "metric names")
            if _well_formed(series):
                kept[name] = series
            else:
                self.problems.append(
                    Problem(
                        self.path,
                        f"metric {name!r} was read as a malformed series "
                        f"(a bug in the {self.adapter} adapter)",
                        "the other metrics",
                    )
                )
        return kept

    def summary(self, summary: Mapping[str, Any]) -> dict[str, float]:
        kept: dict[str, float] = {}
        for key, value in summary.items():
            name = self.text(str(key), "metric names")
            try:
                kept[name] = float(value)
            except (TypeError, ValueError, OverflowError):
                self.problems.append(
                    Problem(self.path, f"final value of {name!r} is not a number", "the other final values")
                )
        odd = [name for name, value in kept.items() if not math.isfinite(value)]
        if odd:
            self.problems.append(
                Problem(
                    self.path,
                    f"{len(odd)} final value(s) are NaN/Infinity (the first: {odd[0]!r})",
                    "as NaN/±inf",
                )
            )
        return kept

    def plain(self, value: Any, depth: int = 0) -> Any:
        """Return provenance with its text storable (it is kept as JSON, lists and objects included)."""
        if isinstance(value, str):
            return self.text(value, "provenance")
        if depth > 100:
            return storable_text(str(value))
        if isinstance(value, Mapping):
            return {self.text(str(k), "provenance"): self.plain(v, depth + 1) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.plain(item, depth + 1) for item in value]
        return value


def _as_stored(run: RunRecord) -> bool:
    """Tell whether `_Check.run` would give back this run as it is: every text ASCII, every param a
    plain value, every final value and time a finite float, every series well formed."""
    texts = [run.key, run.name, run.status, *run.params, *run.metrics, *run.summary]
    if run.experiment is not None:
        texts.append(run.experiment)
    for value in run.params.values():
        kind = type(value)
        if kind is str:
            texts.append(value)
        elif kind is int:
            if not _INT64[0] <= value <= _INT64[1]:
                return False
        elif kind is not float and kind is not bool and value is not None:
            return False
    for number in run.summary.values():
        if type(number) is not float or not abs(number) < 1e300:  # NaN too
            return False
    for time in (run.start_time, run.end_time):
        if time is not None and (type(time) is not float or not abs(time) < 1e300):
            return False
    if set(map(type, texts)) != {str}:
        return False
    joined = "".join(texts)
    if not joined.isascii() or "\x00" in joined:
        return False
    return all(map(_well_formed, run.metrics.values())) and _plain_ascii(run.provenance, 0)


def _plain_ascii(value: Any, depth: int) -> bool:
    """Tell whether provenance is kept as it is: dicts and lists of ASCII text (keys too) and other
    values `plain` leaves alone, nested no deeper than it goes."""
    kind = type(value)
    if kind is str:
        return value.isascii() and "\x00" not in value
    if depth > 100:
        return False
    if kind is dict:
        return all(
            type(k) is str and _plain_ascii(k, depth) and _plain_ascii(v, depth + 1) for k, v in value.items()
        )
    if kind is list:
        return all(_plain_ascii(item, depth + 1) for item in value)
    return not isinstance(value, (str, Mapping, list, tuple))


def _well_formed(series: Any) -> bool:
    """Tell whether a series is what the store expects: flat numeric arrays of one length."""
    import numpy as np  # here: a collect with nothing to read never loads numpy

    try:
        steps, values, times = series.steps, series.values, series.times
    except AttributeError:
        return False
    for array in (steps, values) if times is None else (steps, values, times):
        if not isinstance(array, np.ndarray) or array.ndim != 1 or array.dtype.kind not in "iuf":
            return False
    return len(values) == len(steps) and (times is None or len(times) == len(steps))


def _time(value: Any) -> float | None:
    """Return a time the store can hold (a finite number), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value) if abs(value) < 1e300 else math.inf
    return number if math.isfinite(number) else None
