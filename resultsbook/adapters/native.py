"""The native run folder: config.json|yaml + metrics.jsonl (+ run.json). What users' scripts write."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import yaml

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.params import flatten_params
from resultsbook.sources import fs
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.status_words import normalize_status
from resultsbook.sources.textio import iter_json_lines, load_json_file, read_text, to_float, to_timestamp

METRICS_FILE = "metrics.jsonl"
RUN_FILE = "run.json"
CONFIG_FILES = ("config.json", "config.yaml", "config.yml")
_RUN_FILES = (*CONFIG_FILES, METRICS_FILE, RUN_FILE)
_STEP, _TIME = "step", "time"
_RUN_FIELDS = {"status", "start_time", "end_time", "name", "experiment", "summary"}


class NativeAdapter(Adapter):
    """Read resultsbook's own run folders."""

    name = "native"
    summary = "run folder with config.json|yaml, metrics.jsonl and optional run.json"
    priority = 40

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a folder that holds a metrics.jsonl."""
        if METRICS_FILE not in folder.files:
            return None
        prefix = folder.path + os.sep
        files = [prefix + name for name in _RUN_FILES if name in folder.files]
        return Claim((Source(self.name, folder.path, tuple(files)),))

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read the run folder of any of its files matched by a path pattern."""
        folder = os.path.dirname(path)
        if os.path.basename(path) not in (*CONFIG_FILES, METRICS_FILE, RUN_FILE):
            return None
        if not fs.exists(os.path.join(folder, METRICS_FILE)):
            return None
        names = [n for n in (*CONFIG_FILES, METRICS_FILE, RUN_FILE) if fs.exists(os.path.join(folder, n))]
        return self.source(folder, [os.path.join(folder, n) for n in names])

    def read(self, source: Source) -> ReadResult:
        """Read one run folder."""
        problems: list[Problem] = []
        files = {os.path.basename(path): path for path in source.files}
        params = read_config(files, problems)
        info = read_run_info(files.get(RUN_FILE), problems)
        metrics_path = files.get(METRICS_FILE, os.path.join(source.path, METRICS_FILE))
        series = read_metrics_jsonl(metrics_path, problems)
        summary = _summary_values(info.get("summary"), files.get(RUN_FILE, ""), problems)
        run = RunRecord(
            name=str(info.get("name") or os.path.basename(source.path)),
            params=params,
            metrics=series,
            summary=summary,
            status=normalize_status(info.get("status")),
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
        config = load_json_file(path, problems) if name.endswith(".json") else _load_yaml(path, problems)
        if config is None:
            return {}
        if not isinstance(config, Mapping):
            problems.append(Problem(path, "does not hold a mapping of config keys", "no params"))
            return {}
        return flatten_params(config)
    return {}


def _load_yaml(path: str, problems: list[Problem]) -> Any:
    """Parse a YAML file safely (no Python object tags), reporting errors."""
    try:
        return yaml.safe_load(read_text(path, problems))
    except yaml.YAMLError as error:
        problems.append(Problem(path, f"is not valid YAML ({error})".replace("\n", " "), "no params"))
        return None


def read_run_info(path: str | None, problems: list[Problem]) -> dict[str, Any]:
    """Read run.json (status, times, provenance); a missing file means nothing is known."""
    if path is None:
        return {}
    info = load_json_file(path, problems)
    if info is None:
        return {}
    if not isinstance(info, dict):
        problems.append(Problem(path, "does not hold a JSON object", "no run information"))
        return {}
    return info


def read_metrics_jsonl(path: str, problems: list[Problem]) -> dict[str, Any]:
    """Read a metrics.jsonl (wide rows or long `metric`/`value` rows) into series by key."""
    try:
        text = read_text(path, problems)
    except OSError as error:
        problems.append(Problem(path, f"cannot be read ({error.strerror})", "no metrics"))
        return {}
    records = list(iter_json_lines(path, text, problems))
    builder = read_columns(records) if records else None
    if builder is None:
        builder = read_records(path, records, problems)
    series, series_problems = builder.build(path)
    problems.extend(series_problems)
    return series


def read_columns(records: list[dict[str, Any]]) -> SeriesBuilder | None:
    """Read flat wide records a column at a time (the common case, ~10x faster); None if not flat."""
    keys = sorted(set().union(*records))
    if "metric" in keys:
        return None
    builder = SeriesBuilder()
    try:
        steps = np.array([record[_STEP] for record in records], dtype=np.float64)
        times = None
        if _TIME in keys:
            times = np.array([to_timestamp(record.get(_TIME)) for record in records], dtype=np.float64)
        for key in keys:
            if key in (_STEP, _TIME):
                continue
            column = [record.get(key) for record in records]
            # None -> NaN here, and masked out below: a missing value is not a NaN point
            values = np.array(column, dtype=np.float64)
            if None in column:
                present = np.array([value is not None for value in column])
                builder.add_column(
                    key, steps[present], values[present], None if times is None else times[present]
                )
            else:
                builder.add_column(key, steps, values, times)
    except (KeyError, TypeError, ValueError):  # nested objects, text, missing steps: the slow path
        return None
    return builder


def read_records(path: str, records: list[dict[str, Any]], problems: list[Problem]) -> SeriesBuilder:
    """Read records one point at a time: long layout, nested objects, missing steps, text values."""
    builder = SeriesBuilder()
    skipped: dict[str, int] = {}
    for record in records:
        step = record.pop(_STEP, None)
        time = to_timestamp(record.pop(_TIME, None))
        if "metric" in record and "value" in record and len(record) == 2:
            record = {str(record["metric"]): record["value"]}
        for key, raw in _flat_items(record):
            value = to_float(raw)
            if value is None:
                if raw is not None:
                    skipped[key] = skipped.get(key, 0) + 1
                continue
            point_step = builder.next_step(key) if step is None else step
            builder.add(key, point_step, value, time)
    for key, count in skipped.items():
        problems.append(Problem(path, f"{count} value(s) of {key!r} are not numbers", "the numeric ones"))
    return builder


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
