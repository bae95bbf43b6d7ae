"""Reading a native run folder: config.json|yaml, run.json and metrics.jsonl (the adapter, which only
claims folders, is native.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np

from resultsbook.adapters.native import CONFIG_FILES, METRICS_FILE, RUN_FILE
from resultsbook.models import Problem, ReadResult, RunRecord, Series, Source
from resultsbook.params import flatten_params
from resultsbook.sources.fileio import unreadable
from resultsbook.sources.limits import MAX_DEPTH
from resultsbook.sources.lines import Tally
from resultsbook.sources.series import SeriesBuilder, usual_steps
from resultsbook.sources.status_words import normalize_status, started_if_logged
from resultsbook.sources.textio import (
    iter_json_records,
    load_json_file,
    parse_whole_json_lines,
    to_float,
    to_timestamp,
    too_deep,
)
from resultsbook.sources.yamlio import read_yaml_file

_STEP, _TIME = "step", "time"
_DEEP = ""  # counts records nested too deep (no metric key is empty)
_RUN_FIELDS = {"status", "start_time", "end_time", "name", "experiment", "summary"}


def read_run_folder(source: Source) -> ReadResult:
    """Read one native run folder: its config, run info and metrics."""
    problems: list[Problem] = []
    files = {os.path.basename(path): path for path in source.files}
    params = read_config(files, problems)
    info = read_run_info(files.get(RUN_FILE), problems)
    metrics_path = files.get(METRICS_FILE, os.path.join(source.path, METRICS_FILE))
    series = read_metrics_jsonl(metrics_path, problems)
    summary = _summary_values(info.get("summary"), files.get(RUN_FILE, ""), problems)
    # `"status": "queued"` (a launch script's, before the job starts), unless its job logged since
    status = started_if_logged(normalize_status(info.get("status")), bool(series or summary))
    # not started, or a run that reported only final values (`run.summary`): its log is empty as it should be
    if status == "queued" or summary:
        problems = [p for p in problems if (p.path, p.message) != (metrics_path, "is empty")]
    run = RunRecord(
        name=str(info.get("name") or os.path.basename(source.path)),
        params=params,
        metrics=series,
        summary=summary,
        status=status,
        start_time=to_timestamp(info.get("start_time")),
        end_time=to_timestamp(info.get("end_time")),
        experiment=str(info["experiment"]) if info.get("experiment") is not None else None,
        provenance={k: v for k, v in info.items() if k not in _RUN_FIELDS},
    )
    return ReadResult((run,), tuple(problems))


def read_config(files: Mapping[str, str], problems: list[Problem]) -> dict[str, Any]:
    """Read the run's config file (JSON or YAML), flattened to dotted keys."""
    for name in CONFIG_FILES:
        path = files.get(name)
        if path is None:
            continue
        if name.endswith(".json"):
            config = load_json_file(path, problems, "no params")
        else:
            config = read_yaml_file(path, problems, "no params", lenient=False)
        if config is None:
            return {}
        if not isinstance(config, Mapping):
            problems.append(Problem(path, "does not hold a mapping of config keys", "no params"))
            return {}
        return flatten_params(config)
    return {}


def read_run_info(path: str | None, problems: list[Problem]) -> dict[str, Any]:
    """Read run.json (status, times, provenance); a missing file means nothing is known."""
    if path is None:
        return {}
    info = load_json_file(path, problems, "no run information")
    if info is None:
        return {}
    if not isinstance(info, dict):
        problems.append(Problem(path, "does not hold a JSON object", "no run information"))
        return {}
    return info


class _NameNotExact(Exception):
    """A long-layout record names its metric by an integer beyond 64 bits, which came as a float."""


def read_metrics_jsonl(path: str, problems: list[Problem]) -> dict[str, Any]:
    """Read a metrics.jsonl (wide rows or long `metric`/`value` rows) into series by key, streamed."""
    found: list[Problem] = []
    try:  # every number becomes a float, so integers beyond 64 bits may be read as floats: faster
        series = _read_metrics_jsonl(path, found, exact_integers=False)
    except _NameNotExact:  # but not a metric's name: its digits are its name
        found = []
        series = _read_metrics_jsonl(path, found, exact_integers=True)
    problems.extend(found)
    return series


def _read_metrics_jsonl(path: str, problems: list[Problem], exact_integers: bool) -> dict[str, Any]:
    builder = SeriesBuilder()
    skipped: dict[str, int] = {}
    tally = Tally()
    lines = 0
    first: list[dict[str, Any]] | None = None  # the first batch, held: it may be the whole file
    batches = 0
    whole = None if exact_integers else parse_whole_json_lines(path)  # the usual log: one call
    try:
        for records in (
            [whole] if whole is not None else iter_json_records(path, problems, tally, exact_integers)
        ):
            lines += len(records)
            batches += 1
            if batches == 1:
                first = records
                continue
            if first is not None:
                _add_records(first, builder, skipped, exact_integers)
                first = None
            _add_records(records, builder, skipped, exact_integers)
    except OSError as error:
        problems.append(unreadable(path, error, "no metrics"))
        return {}
    tally.report(path, problems)
    if first is not None:
        clean = clean_series(first)
        if clean is not None:
            return clean
        _add_records(first, builder, skipped, exact_integers)
    if not lines and not any(p.path == path for p in problems):
        problems.append(Problem(path, "is empty", "no metrics"))
    return _built(path, builder, skipped, problems)


def series_of_records(path: str, records: list[dict[str, Any]], problems: list[Problem]) -> dict[str, Any]:
    """Return the series of a log's records held whole (ML-Logger's pickles), built as a
    metrics.jsonl's are: `step` steps them, `time` is each point's wall time."""
    clean = clean_series(records) if records else None
    if clean is not None:
        return clean
    builder = SeriesBuilder()
    skipped: dict[str, int] = {}
    _add_records(records, builder, skipped, exact_integers=True)
    return _built(path, builder, skipped, problems)


def _built(
    path: str, builder: SeriesBuilder, skipped: dict[str, int], problems: list[Problem]
) -> dict[str, Any]:
    """Return the builder's series, reporting the values it skipped and what it found wrong."""
    for key, count in skipped.items():
        if key == _DEEP:
            problems.append(
                Problem(path, f"{count} record(s) nest deeper than {MAX_DEPTH} levels", "the others")
            )
            continue
        what = "timestamps" if key == _TIME else "numbers"
        problems.append(Problem(path, f"{count} value(s) of {key!r} are not {what}", f"the {what}"))
    series, series_problems = builder.build(path)
    problems.extend(series_problems)
    return series


def _add_records(
    records: list[dict[str, Any]], builder: SeriesBuilder, skipped: dict[str, int], exact_integers: bool
) -> None:
    if not read_columns(records, builder):
        read_records(records, builder, skipped, exact_integers)


def clean_series(records: list[dict[str, Any]]) -> dict[str, Series] | None:
    """Return the series of a whole log in the usual shape, built at once: every record holds the
    same keys, finite numbers only, a step that increases from 0 or more and no time. None for any
    other log (the builder reads it, and reports what it finds)."""
    keys = list(records[0])
    if set(map(len, records)) != {len(keys)}:
        return None
    if _STEP not in keys or _TIME in keys or "metric" in keys:
        return None
    # each record's values in the first record's key order; a key it lacks raises KeyError
    row = itemgetter(*keys) if len(keys) > 1 else lambda record: (record[keys[0]],)
    try:
        values = chain.from_iterable(map(row, records))
        matrix = np.fromiter(values, np.float64, count=len(records) * len(keys))
    except (KeyError, TypeError, ValueError, OverflowError):  # another key, text, lists, objects, nulls
        return None
    if not np.isfinite(matrix).all():
        return None
    columns = matrix.reshape(len(records), len(keys)).T.copy()  # each metric's values contiguous
    steps = columns[keys.index(_STEP)]
    if not usual_steps(steps):
        return None
    if np.all(steps == np.round(steps)):
        steps = steps.astype(np.int64)
    return {key: Series(steps, columns[index]) for index, key in enumerate(keys) if key != _STEP}


def read_columns(records: list[dict[str, Any]], builder: SeriesBuilder) -> bool:
    """Add flat wide records a column at a time (the common case, ~10x faster); False if they are not
    all flat numbers with a numeric step (then nothing was added)."""
    if len(set(map(tuple, records))) == 1:
        keys = list(records[0])  # every record has the same keys in the same order: one matrix
        try:
            matrix = np.array(list(map(tuple, map(dict.values, records))), dtype=np.float64)
        except (TypeError, ValueError):  # text or nested objects: read key by key (or the slow path)
            matrix = None
        if matrix is not None and matrix.ndim == 2:
            return _add_columns(records, keys, dict(zip(keys, matrix.T)), builder)
    return _add_columns(records, sorted(set().union(*records)), {}, builder)


def _add_columns(
    records: list[dict[str, Any]], keys: list[str], known: dict[str, np.ndarray], builder: SeriesBuilder
) -> bool:
    """Add the columns of `keys` (`known` holds those already turned into arrays, None read as NaN)."""
    if "metric" in keys or _STEP not in keys:
        return False
    columns: list[tuple[str, np.ndarray, np.ndarray | None]] = []
    try:
        steps = _column(records, _STEP, known)[0]
        times = None
        if _TIME in keys:
            raw_times = [record.get(_TIME) for record in records]
            times = np.array([to_timestamp(value) for value in raw_times], dtype=np.float64)
            if np.isnan(times).any() and any(
                value is not None and to_timestamp(value) is None for value in raw_times
            ):
                return False  # a time that is not a time: the slow path counts it
        for key in keys:
            if key in (_STEP, _TIME):
                continue
            values, present = _column(records, key, known)
            columns.append((key, values, present))
    except (KeyError, TypeError, ValueError):  # nested objects, text, missing steps: the slow path
        return False
    for key, values, present in columns:
        if present is None:
            builder.add_column(key, steps, values, times)
        else:
            builder.add_column(
                key, steps[present], values[present], None if times is None else times[present]
            )
    return True


def _column(
    records: list[dict[str, Any]], key: str, known: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray | None]:
    """Return a key's values as floats and which records hold one (None: all do); a missing value
    is not a NaN point. Raises KeyError for a missing step, TypeError/ValueError for text."""
    values = known.get(key)
    if values is not None and not np.isnan(values).any():
        return values, None
    column = [record[key] for record in records] if key == _STEP else [record.get(key) for record in records]
    values = _float_column(column)  # None -> NaN here, masked out by `present`
    present = np.array([value is not None for value in column]) if None in column else None
    return values, present


def _float_column(column: list[Any]) -> np.ndarray:
    """Return JSON values as a float array; raise ValueError unless each is a number, bool or null."""
    values = np.array(column, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError("not a column of numbers")  # a list of numbers in place of each number
    return values


def read_records(
    records: list[dict[str, Any]],
    builder: SeriesBuilder,
    skipped: dict[str, int],
    exact_integers: bool = True,
) -> None:
    """Add records one point at a time (long layout, nested objects, missing steps, text values),
    counting in `skipped` the values by key that are not numbers. Raises _NameNotExact when a metric's
    name is a float that may have been an integer beyond 64 bits and integers were not read exactly."""
    for record in records:
        raw_step = record.pop(_STEP, None)
        raw_time = record.pop(_TIME, None)
        step = to_float(raw_step)
        if raw_step is not None and step is None:
            skipped[_STEP] = skipped.get(_STEP, 0) + 1
            continue
        time = to_timestamp(raw_time)
        if raw_time is not None and time is None:
            skipped[_TIME] = skipped.get(_TIME, 0) + 1
        if "metric" in record and "value" in record and len(record) == 2:
            name = record["metric"]
            if not exact_integers and isinstance(name, float) and abs(name) >= 2**63:
                raise _NameNotExact
            record = {str(name): record["value"]}
        if too_deep(record):
            skipped[_DEEP] = skipped.get(_DEEP, 0) + 1
            continue
        for key, raw in _flat_items(record):
            value = to_float(raw)
            if value is None:
                if raw is not None:
                    skipped[key] = skipped.get(key, 0) + 1
                continue
            builder.add(key, builder.next_step(key) if step is None else step, value, time)


def _flat_items(record: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Return (dotted key, value) pairs of a metrics record, nested objects flattened."""
    items: list[tuple[str, Any]] = []
    for key, value in record.items():
        if isinstance(value, Mapping):
            items.extend(_flat_items(value, f"{prefix}{key}."))
        else:
            items.append((f"{prefix}{key}", value))
    return items


def _summary_values(raw: Any, path: str, problems: list[Problem]) -> dict[str, float]:
    """Return the numeric final values recorded in run.json's `summary`."""
    if not isinstance(raw, Mapping):
        return {}
    summary: dict[str, float] = {}
    for key, value in _flat_items(raw):
        number = to_float(value)
        if number is None:
            problems.append(Problem(path, f"summary value {key!r} is not a number", "the others"))
        else:
            summary[key] = number
    return summary
