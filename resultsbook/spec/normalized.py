"""`[normalized.NAME]`: a metric normalised per task with reference scores, from the spec, a JSON file
or a CSV file.

    [normalized.hns]                       # human-normalised score
    metric = "score"
    task = "game"
    low = "RANDOM.json"                    # {"Pong": -20.7, ...} or {"Pong": [-20.7], ...}
    high = { Pong = 14.6, Breakout = 30.5 }

    [normalized.d4rl]                      # D4RL's normalised return (table scale = 100)
    metric = "return"
    task = ["env", "dataset"]
    references = "d4rl_reference_scores.csv"   # columns env, dataset, random, expert ('#' lines skipped)
    low = "random"
    high = "expert"
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Mapping
from typing import Any

from resultsbook.errors import SpecError
from resultsbook.params import format_value
from resultsbook.query.normalize import Normalization, TaskKey
from resultsbook.spec.keys import check_keys, mapping_at, strings

NORMALIZED_KEYS = {
    "metric": 'the raw metric the runs log, e.g. `"score"`',
    "task": 'the param (or params) naming the task, e.g. `"game"` or `["env", "dataset"]`',
    "low": "the score that becomes 0: `{ Pong = -20.7, ... }`, a JSON file of them, or a column of "
    "`references`",
    "high": "the score that becomes 1: as `low`",
    "references": "a CSV file with a column per task key and the score columns `low` and `high` name",
}


def read_normalized(document: Mapping[str, Any], resolve: Any, where: str) -> dict[str, Normalization]:
    """Read every `[normalized.NAME]` entry."""
    out = {}
    for name, entry in mapping_at(document, "normalized", where, "the top level").items():
        context = f"[normalized.{name}]"
        if not isinstance(entry, Mapping):
            raise SpecError(f"{where}: {context} must be a table of settings")
        check_keys(entry, NORMALIZED_KEYS, where, context)
        for key in ("metric", "task", "low", "high"):
            if key not in entry:
                raise SpecError(f"{where}: {context} needs {key} = ...; {_HELP}")
        metric = entry["metric"]
        if not isinstance(metric, str) or metric == name:
            raise SpecError(
                f'{where}: {context} metric must name the raw metric (not {name!r}), e.g. "score"'
            )
        task = strings(entry["task"], where, f"{context} task")
        if "references" in entry:
            path = resolve(str(entry["references"]))
            lows, highs = _from_csv(path, task, entry["low"], entry["high"], where, context)
            origin = f"{os.path.basename(path)}: low = {entry['low']}, high = {entry['high']}"
        else:
            if len(task) != 1:
                raise SpecError(
                    f"{where}: {context} a task of several keys takes its scores from a CSV file: "
                    'references = "file.csv" with a column per task key'
                )
            _refuse_one_score_for_all(name, metric, entry["low"], entry["high"], where, context)
            lows, low_origin = _scores(entry["low"], resolve, where, f"{context} low")
            highs, high_origin = _scores(entry["high"], resolve, where, f"{context} high")
            origin = f"low from {low_origin}, high from {high_origin}"
        out[name] = Normalization(name, metric, task, _pair(lows, highs, where, context), origin)
    return out


_HELP = 'e.g. metric = "score", task = "game", low = "RANDOM.json", high = "HUMAN.json"'


def _refuse_one_score_for_all(name: str, metric: str, low: Any, high: Any, where: str, context: str) -> None:
    """Refuse a number as low or high (DeepMind Control's 0 and 1000 for every task): it names no
    task, and the same range for all of them is a formula, which `[derived]` writes."""
    numbers = [
        value for value in (low, high) if isinstance(value, (int, float)) and not isinstance(value, bool)
    ]
    if not numbers:
        return
    lowest, highest = (format_value(v) if isinstance(v, (int, float)) else "LOW" for v in (low, high))
    raise SpecError(
        f"{where}: {context} low and high are scores per task ({{ Pong = -20.7, ... }} or a JSON file); "
        f"one range for every task is a derived metric: [derived] {name} = "
        f'"(`{metric}` - {lowest}) / ({highest} - {lowest})"'
    )


def _scores(value: Any, resolve: Any, where: str, context: str) -> tuple[dict[TaskKey, float], str]:
    """Read one side's reference scores: an inline table, or a JSON file of {task: score or [score]}."""
    if isinstance(value, Mapping):
        inline: dict[TaskKey, float] = {
            (str(k),): _number(v, where, f"{context} {k}") for k, v in value.items()
        }
        return inline, "the spec"
    if not isinstance(value, str):
        raise SpecError(f"{where}: {context} must be a JSON file or a table {{task = score}}; {_HELP}")
    path = resolve(value)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as error:
        raise SpecError(
            f"{where}: {context}: cannot read {path} ({error.strerror}); check the path"
        ) from error
    except ValueError as error:
        raise SpecError(f"{where}: {context}: {path} is not JSON ({error})") from error
    if not isinstance(data, Mapping):
        raise SpecError(f'{where}: {context}: {path} must hold an object {{"task": score}}')
    scores: dict[TaskKey, float] = {}
    for task, score in data.items():
        if isinstance(score, list):
            if len(score) != 1:
                raise SpecError(
                    f"{where}: {context}: {path} gives {task!r} {len(score)} scores; a reference is one"
                )
            score = score[0]
        scores[(str(task),)] = _number(score, where, f"{context}: {path} {task!r}")
    return scores, os.path.basename(path)


def _from_csv(
    path: str, task: tuple[str, ...], low: Any, high: Any, where: str, context: str
) -> tuple[dict[TaskKey, float], dict[TaskKey, float]]:
    """Read low and high columns of a CSV with one column per task key ('#' lines are comments)."""
    if not isinstance(low, str) or not isinstance(high, str):
        raise SpecError(f"{where}: {context} with references = CSV, low and high name its columns")
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(line for line in handle if not line.lstrip().startswith("#")))
    except OSError as error:
        raise SpecError(
            f"{where}: {context}: cannot read {path} ({error.strerror}); check the path"
        ) from error
    columns = set(rows[0]) if rows else set()
    for column in (*task, low, high):
        if column not in columns:
            raise SpecError(
                f"{where}: {context}: {path} has no column {column!r}; columns: {', '.join(sorted(columns))}"
            )
    lows: dict[TaskKey, float] = {}
    highs: dict[TaskKey, float] = {}
    for number, row in enumerate(rows, start=2):
        key = tuple(format_value(_scalar(row[k])) for k in task)
        for side, column in ((lows, low), (highs, high)):
            if (row.get(column) or "").strip():
                side[key] = _number(row[column], where, f"{context}: {path} line {number} {column}")
    return lows, highs


def _pair(
    lows: Mapping[TaskKey, float], highs: Mapping[TaskKey, float], where: str, context: str
) -> dict[TaskKey, tuple[float, float]]:
    """Pair each task's low and high; refuse a task whose high does not exceed its low."""
    out = {}
    for task in sorted(set(lows) & set(highs)):
        low, high = lows[task], highs[task]
        if not high > low:
            raise SpecError(
                f"{where}: {context}: for {' / '.join(task)} high ({high:g}) must exceed low ({low:g})"
            )
        out[task] = (low, high)
    return out


def _number(value: Any, where: str, context: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise SpecError(f"{where}: {context} = {value!r} must be a finite number")
    return number


def _scalar(text: str) -> Any:
    from resultsbook.params import parse_scalar

    return parse_scalar(text)
