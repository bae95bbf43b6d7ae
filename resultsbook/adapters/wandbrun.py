"""Weights & Biases run folders, online and offline: the `.wandb` transaction log, read directly,
and the `files/` config, summary and metadata that online runs also write.

The log is the primary source (offline runs of current versions hold nothing else); `files/`
fills in what the log lacks. Field numbers: `wandb/proto/wandb_internal.proto`.
"""

from __future__ import annotations

import copy
import fnmatch
import functools
import math
import os
import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.adapters.wandbconsole import KEPT_RECORDS, console_error
from resultsbook.adapters.wandblog import FILE_HEADER, LogReader
from resultsbook.adapters.wandbrecords import (
    CONFIG,
    ENVIRONMENT,
    EXIT,
    HEADER,
    HISTORY,
    METRIC,
    OUTPUT_RAW,
    PREEMPTING,
    RUN,
    SUMMARY,
    TENSORBOARD,
    ItemLog,
    key_path,
    read_git,
    read_metric_definition,
    read_timestamp,
    record_type,
    split_items,
)
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.params import clipped, flatten_params, flattening_clashes, format_value
from resultsbook.sources import fs
from resultsbook.sources.command_line import params_from_args
from resultsbook.sources.protowire import LENGTH_DELIMITED, VARINT, WireError, as_signed, as_text, iter_fields
from resultsbook.sources.pyrepr import MOST_CONFIG_CHARS, printed_config
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.textio import load_json_file, parse_json, to_float, to_timestamp
from resultsbook.sources.yamlio import read_yaml_file

# `run-<YYYYMMDD_HHMMSS>-<id>[-<suffix>]`, `offline-run-…`; the log inside is `run-<id>.wandb`
RUN_FOLDER = re.compile(r"(?:offline-)?run-(?P<time>\d{8}_\d{6})-(?P<id>[A-Za-z0-9_-]+)")
LOG_FILE = re.compile(r"run-.+\.wandb")
FILES_DIR = "files"
LOGS_DIR = "logs"  # W&B's debug logs of the run: no metrics
DEBUG_LOGS = ("debug.log", "debug-internal.log", "debug-core.log")
CONFIG_FILE, SUMMARY_FILE, METADATA_FILE = "config.yaml", "wandb-summary.json", "wandb-metadata.json"
_ARGS_AS_PARAMS = (
    "the run's config is empty (wandb.init got no config): its params come from the command line it was "
    "started with, read as argparse reads it (--lr 0.1, --seed=3, a flag as true)"
)
_RESUMED_CONFIG = (
    "the run's config is empty (resumed by id without config=): its params are the config of its "
    "earlier folder {folder}, as W&B keeps one config for the run"
)
_PARTIAL_CONFIG = (
    "the run's config lacks {keys} (resumed by id with part of its config): taken from its earlier folder "
    "{folder}, as W&B merges the config a resumed run is given into the run's"
)
RUN_FILES = (CONFIG_FILE, SUMMARY_FILE, METADATA_FILE)
_INTERNAL = "_wandb"

# RunRecord string fields kept as provenance (field number -> name)
_RUN_TEXT = {2: "entity", 6: "group", 7: "job_type", 9: "notes", 12: "sweep_id", 13: "host"}
# EnvironmentRecord string fields kept as provenance
_ENVIRONMENT_TEXT = {1: "os", 2: "python", 6: "program", 7: "code_path", 12: "host", 14: "executable"}
_METADATA_KEYS = {
    "os": "os",
    "python": "python",
    "program": "program",
    "codePath": "code_path",
    "host": "host",
    "executable": "executable",
}

DEFAULT_STALE_AFTER = 3600.0  # as `status --stale-after`: a folder unwritten this long was killed
_DEBUG_CONFIG = "config: "  # wandb.init's debug.log line of the config it was given, as Python's repr
_HEADER_ONLY = "header_only"  # what `_config_of` says of a folder whose log holds no record
_CTRL_C = 255  # the exit code W&B records when the script ended on a KeyboardInterrupt


class WandbAdapter(Adapter):
    """Read Weights & Biases run folders without the wandb package."""

    name = "wandb"
    # 2: a run stopped by Ctrl-C is interrupted; 3: a failed run's traceback; 4: a folder without its
    # log is named by the run id in the folder's name, and keeps that id; 5: a log torn in a row after
    # the summary of that row says its series stop early; 6: the TensorBoard log dir a run synced;
    # 7: a run given no config takes its params from its command line; 8: a run resumed without its
    # config takes its earlier folder's; 9: and one resumed with part of it, the keys it lacks; 10: a log
    # holding no record takes its config from logs/debug.log, and is said killed once stale; 11: config
    # keys that flatten to one param are said
    reading_version = 11
    summary = "Weights & Biases run folders (wandb/run-*, wandb/offline-run-*): .wandb log and files/"
    priority = 30
    options = {
        "stale_after": "seconds unwritten after which a log holding no record was killed (default 3600)",
    }

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a folder holding a `run-<id>.wandb` log, or a W&B-named run folder with `files/`."""
        logs = sorted(n for n in folder.files if n.endswith(".wandb") and LOG_FILE.fullmatch(n))
        has_files = FILES_DIR in folder.dirs
        if not logs and not has_files and not folder.path.endswith("latest-run"):
            return None  # every folder of the walk comes here: the cheap tests first
        name = os.path.basename(folder.path.rstrip(os.sep))
        in_wandb = os.path.basename(os.path.dirname(folder.path)) in ("wandb", ".wandb")
        if name == "latest-run" and in_wandb and not _lone_copy(folder.path, logs):
            return Claim((), descend=False)  # a symlink to a run folder the walk visits anyway
        if not logs and not (has_files and RUN_FOLDER.fullmatch(name)):
            return None
        return Claim((self._source(folder.path, logs, has_files),))

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read the run folder of a `.wandb` log, or of a file in its files/ or logs/
        (`files/wandb-summary.json`: the run's, not a file of scores of its own), named by a path or a
        pattern."""
        name = os.path.basename(path)
        if os.path.basename(os.path.dirname(path)) in (FILES_DIR, LOGS_DIR):
            folder = os.path.dirname(os.path.dirname(path))
            run = os.path.basename(folder)
            if not (RUN_FOLDER.fullmatch(run) or run == "latest-run"):
                return None
            logs = sorted(n for n in fs.listdir(folder) if LOG_FILE.fullmatch(n))
            return self._source(folder, logs, True)
        if not LOG_FILE.fullmatch(name):
            return None
        folder = os.path.dirname(path)
        return self._source(folder, [name], fs.isdir(os.path.join(folder, FILES_DIR)))

    def _source(self, folder: str, logs: list[str], has_files: bool) -> Source:
        """Return the source of one run folder: its log (the first, if several) and files/ JSON/YAML."""
        paths = [os.path.join(folder, logs[0])] if logs else []
        if has_files:
            paths += [os.path.join(folder, FILES_DIR, n) for n in RUN_FILES]
        return self.source(folder, paths)

    def clock_state(self, source: Source) -> str:
        """Say "fresh" while a log holding no record (the file header alone) was written recently: it
        is a run starting, and one killed once stale."""
        log = next((p for p in source.files if p.endswith(".wandb")), None)
        try:
            header_only = log is not None and fs.stat(log).st_size <= len(FILE_HEADER) + 1
        except OSError:
            return ""
        if not header_only:
            return ""
        return self.fresh_while_written(_written(source.path, log), DEFAULT_STALE_AFTER)

    def read(self, source: Source) -> ReadResult:
        """Read one run folder into a run."""
        problems: list[Problem] = []
        run = WandbRun()
        log = next((p for p in source.files if p.endswith(".wandb")), None)
        if log is not None:
            reader = LogReader(log, problems)
            run.read_records(reader.records(), log, problems)
            run.complete = reader.complete
            run.format_version = reader.version
            if reader.version is not None and not reader.count:
                problems += self._header_only(source.path, log, run)
        for path in source.files:
            if os.path.basename(path) in RUN_FILES and fs.exists(path):
                run.fill_from_file(path, problems)
        run_id = run.info.get("run_id") or (_run_id_of(log) if log is not None else "")
        if (earlier := _earlier_config(source.path, run_id, _identity(run.info))) is not None:
            problems += _resumed_config(run, earlier[0], earlier[1], log or source.path)
        if log is not None and (cut := run.cut_short_of_summary()) is not None:
            live = run.exit_code is None and bool(self.fresh_while_written([log], DEFAULT_STALE_AFTER))
            problems.append(cut.problem(log, live))
        fallback = _run_id_of(log) if log is not None else _folder_run_id(source.path)
        if log is None and fallback != os.path.basename(source.path):
            run.info.setdefault("run_id", fallback)  # one resumed run's folders are told by it
        record = run.to_record(fallback, log or source.path, log is not None, problems)
        return ReadResult((record,), tuple(problems))

    def _header_only(self, folder: str, log: str, run: WandbRun) -> list[Problem]:
        """Take the config of a log holding no record (W&B buffers offline: a run killed in its first
        seconds wrote its file header alone) from logs/debug.log, and say it was killed once the folder
        has not been written for `stale_after`."""
        run_id = run.info.setdefault("run_id", _run_id_of(log))  # ties it to the later folders of its run
        run.info.update(_later_identity(folder, run_id))
        debug = os.path.join(folder, LOGS_DIR, DEBUG_LOGS[0])
        config = _debug_log_config(debug)
        if config:
            run.config.update(config)
            run.info["config_from"] = f"{LOGS_DIR}/{DEBUG_LOGS[0]}"
        if self.fresh_while_written(_written(folder, log), DEFAULT_STALE_AFTER):
            return []
        size = fs.stat(log).st_size
        taken = f"its params from {LOGS_DIR}/{DEBUG_LOGS[0]}" if config else "no metrics, no params"
        silent = self.stale_after(DEFAULT_STALE_AFTER) / 60
        return [
            Problem(
                log,
                f"its log holds no record: W&B was killed before writing any ({os.path.basename(log)} is "
                f"{size} bytes, nothing written for over {silent:.0f} min); run it again, or `forget` it",
                taken,
            )
        ]


def _clash_problem(path: str, name: str, keys: list[tuple[str, Any]]) -> Problem:
    """Say that config keys flatten to one param, and which value was kept."""
    written = " and ".join(f"config{clipped(key)} = {clipped(format_value(value))}" for key, value in keys)
    kept = f"{name} = {clipped(format_value(keys[-1][1]))}, of config{clipped(keys[-1][0])} (the later)"
    return Problem(path, f"{written} both flatten to the param {name}: rename one of them", kept)


def _written(folder: str, log: str | None) -> list[str]:
    """Return the files whose times tell when a run folder was last written: its log and debug logs."""
    return [*([log] if log else []), *(os.path.join(folder, LOGS_DIR, name) for name in DEBUG_LOGS[:2])]


def _debug_log_config(path: str) -> dict[str, Any]:
    """Return the config wandb.init was given as its debug.log prints it (`config: {'lr': 0.1, …}`), or
    {} when the file or the line is missing or does not parse."""
    try:
        with fs.open_binary(path) as file:
            data = file.read(4 * MOST_CONFIG_CHARS)  # a few kB written before the run started
    except OSError:
        return {}
    for line in data.decode("utf-8", "replace").splitlines():
        if line.startswith(_DEBUG_CONFIG):
            try:
                config = printed_config(line[len(_DEBUG_CONFIG) :])
            except ValueError:
                return {}
            config.pop(_INTERNAL, None)
            return config
    return {}


@dataclass
class WandbRun:
    """What the records of one run say, applied in file order."""

    info: dict[str, Any] = field(default_factory=dict)
    config_log: ItemLog = field(default_factory=ItemLog)
    summary_log: ItemLog = field(default_factory=ItemLog)
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    git: dict[str, str] = field(default_factory=dict)
    builder: SeriesBuilder = field(default_factory=SeriesBuilder)
    rows: int = 0
    last_row_step: float | None = None  # the `_step` of the last row the log holds
    file_summary_step: float | None = None  # the `_step` files/wandb-summary.json was written at
    last_time: float | None = None
    exit_code: int | None = None
    runtime: int | None = None
    not_complete: bool = False
    preempting: bool = False
    complete: bool = True
    format_version: int | None = None
    skipped: dict[str, int] = field(default_factory=dict)
    bad_json: int = 0
    console: deque[bytes] = field(default_factory=lambda: deque(maxlen=KEPT_RECORDS))
    step_metrics: dict[str, str] = field(default_factory=dict)  # define_metric(name, step_metric=...)
    step_globs: list[tuple[str, str]] = field(default_factory=list)  # define_metric("*", step_metric=...)
    step_values: dict[str, float | None] = field(default_factory=dict)  # each step metric's latest value

    # ------------------------------------------------------------ the log
    def read_records(self, records: Iterable[bytes], path: str, problems: list[Problem]) -> None:
        """Apply every record of the log; a record that does not decode is reported and skipped."""
        keys: dict[bytes, str] = {}
        broken = 0
        for raw in records:
            try:
                kind, body = record_type(raw)
                if kind == HISTORY:
                    self._history(body, keys)
                elif kind == SUMMARY:
                    self.summary_log.apply(body)
                elif kind == CONFIG:
                    self.config_log.apply(body)
                elif kind == RUN:
                    self._run(body)
                elif kind == EXIT:
                    self._exit(body)
                elif kind == ENVIRONMENT:
                    self._environment(body)
                elif kind == HEADER:
                    self._header(body)
                elif kind == PREEMPTING:
                    self.preempting = True
                elif kind == OUTPUT_RAW:
                    self.console.append(body)  # decoded only if the run failed
                elif kind == METRIC:
                    self._define_metric(body)
                elif kind == TENSORBOARD:
                    self._tensorboard(body)
            except (WireError, IndexError, ValueError, RecursionError, OverflowError):
                broken += 1
        if broken:
            problems.append(Problem(path, f"{broken} record(s) are not valid protobuf", "the other records"))
        self.config, bad_config = self.config_log.resolve()
        self.summary, bad_summary = self.summary_log.resolve()
        self.bad_json += bad_config + bad_summary
        for key, count in self.skipped.items():
            problems.append(Problem(path, f"{count} value(s) of {key!r} are not numbers", "the numeric ones"))
        if self.bad_json:
            problems.append(Problem(path, f"{self.bad_json} value(s) are not valid JSON", "them as text"))

    def _history(self, body: bytes, keys: dict[bytes, str]) -> None:
        """Add one logged row: every numeric key at the row's `_step` and `_timestamp`."""
        updates, _, step_num = split_items(body, history=True)
        row: dict[str, bytes] = {}
        for key_part, raw in updates:
            key = keys.get(key_part)
            if key is None:
                key = keys[key_part] = ".".join(key_path(key_part))
            row[key] = raw
        values = self._row_values(row)
        step = values.pop("_step", None)
        time = values.pop("_timestamp", None)
        if not isinstance(step, (int, float)) or isinstance(step, bool):
            step = step_num if step_num is not None else self.rows
        if isinstance(time, (int, float)) and not isinstance(time, bool) and math.isfinite(time):
            self.last_time = float(time)
        else:
            time = None
        self.rows += 1
        self.last_row_step = step
        add = self.builder.add
        for name in self.step_values.keys() & values.keys():
            if (number := _number(values[name])) is not None and math.isfinite(number):
                self.step_values[name] = number
        for key, value in values.items():
            if key[0] == "_" or "._" in key:
                continue  # W&B's own keys (_runtime, _wandb.*) and media fields (image._type)
            point = _number(value)
            if point is None:
                if value is not None:
                    self.skipped[key] = self.skipped.get(key, 0) + 1
                continue
            add(key, self._step_of(key, step), point, time)

    def _define_metric(self, body: bytes) -> None:
        """Note which metric a `define_metric` call plots a metric (or a glob of them) against."""
        name, glob, step_metric = read_metric_definition(body)
        if name:
            self.step_metrics[name] = step_metric
        elif glob and step_metric:
            self.step_globs.append((glob, step_metric))
        if step_metric:
            self.step_values.setdefault(step_metric, None)

    def _step_of(self, key: str, row_step: float) -> float:
        """Return the step of a point: its step metric's latest value (as W&B plots it), else `_step`."""
        if not self.step_values:
            return row_step
        step_metric = self.step_metrics.get(key)
        if step_metric is None and key not in self.step_values:
            step_metric = next((m for glob, m in self.step_globs if fnmatch.fnmatchcase(key, glob)), None)
        value = self.step_values.get(step_metric) if step_metric else None
        return row_step if value is None else value

    def _row_values(self, row: dict[str, bytes]) -> dict[str, Any]:
        """Decode a row's JSON values; objects logged under one key are flattened, media dropped."""
        values: dict[str, Any] = {}
        media = [key[: -len("._type")] + "." for key in row if key.endswith("._type")]
        for key, raw in row.items():
            if media and any(key.startswith(prefix) for prefix in media):
                continue
            value = self._decode(raw)
            if isinstance(value, dict):
                if "_type" not in value:
                    values.update(_flatten_row(value, f"{key}."))
                continue
            values[key] = value
        return values

    def _decode(self, raw: bytes) -> Any:
        """Decode one JSON value; plain numbers (the usual case) take the fast path."""
        try:
            return float(raw)
        except ValueError:
            pass
        ok, value = parse_json(raw)
        if not ok:
            self.bad_json += 1
            return None
        return value

    def _run(self, body: bytes) -> None:
        """Apply a run record: identity, start time, git, initial config."""
        for number, wire, value in iter_fields(body):
            if wire == LENGTH_DELIMITED and isinstance(value, bytes):
                if number == 1:
                    self.info["run_id"] = as_text(value)
                elif number == 3:
                    self.info["project"] = as_text(value)
                elif number == 8:
                    self.info["name"] = as_text(value)
                elif number in _RUN_TEXT:
                    self.info[_RUN_TEXT[number]] = as_text(value)
                elif number == 10:
                    self.info.setdefault("tags", []).append(as_text(value))
                elif number == 4:
                    self.config_log.apply(value)
                elif number == 5:
                    self.summary_log.apply(value)
                elif number == 17:
                    self.info["start_time"] = read_timestamp(value)
                elif number == 21:
                    self.git.update(read_git(value))
            elif wire == VARINT and number in (14, 18, 22) and value:
                self.info[{14: "starting_step", 18: "resumed", 22: "forked"}[number]] = (
                    value if number == 14 else True
                )

    def _exit(self, body: bytes) -> None:
        """Apply the exit record (proto3 leaves out a zero exit code)."""
        self.exit_code, self.runtime = 0, None
        for number, wire, value in iter_fields(body):
            if wire == VARINT and isinstance(value, int):
                if number == 1:
                    self.exit_code = as_signed(value, 32)
                elif number == 2:
                    self.runtime = as_signed(value, 32)
                elif number == 3:
                    self.not_complete = bool(value)

    def _environment(self, body: bytes) -> None:
        """Keep what each writer's environment record says about where the run ran."""
        args = []
        for number, wire, value in iter_fields(body):
            if wire != LENGTH_DELIMITED or not isinstance(value, bytes):
                continue
            if number in _ENVIRONMENT_TEXT:
                self.environment.setdefault(_ENVIRONMENT_TEXT[number], as_text(value))
            elif number == 5:
                args.append(as_text(value))
            elif number == 3:
                self.environment.setdefault("started_at", read_timestamp(value))
            elif number == 9:
                for key, text in read_git(value).items():
                    self.environment.setdefault("git", {}).setdefault(key, text)
        if args:
            self.environment.setdefault("args", args)

    def _tensorboard(self, body: bytes) -> None:
        """Keep the log dir of a TensorBoard writer the run copies (`sync_tensorboard=True`, CleanRL's
        `--track`): that folder's event files hold the same training, a run of the store when collected."""
        for number, wire, value in iter_fields(body):
            if number == 1 and wire == LENGTH_DELIMITED and isinstance(value, bytes) and value:
                logdirs = self.info.setdefault("tensorboard", [])
                if as_text(value) not in logdirs:
                    logdirs.append(as_text(value))

    def _header(self, body: bytes) -> None:
        """Keep the version of wandb that wrote the log."""
        for number, _, value in iter_fields(body):
            if number == 1 and isinstance(value, bytes):
                for inner, _, text in iter_fields(value):
                    if inner == 1 and isinstance(text, bytes):
                        self.info["version"] = as_text(text)

    # ------------------------------------------------------------ files/
    def fill_from_file(self, path: str, problems: list[Problem]) -> None:
        """Fill in, from one of files/config.yaml, wandb-summary.json, wandb-metadata.json, what the
        log lacks (the log wins where both have a value)."""
        name = os.path.basename(path)
        if name == CONFIG_FILE:
            for key, value in _read_config_yaml(path, problems).items():
                self.config.setdefault(key, value)
        elif name == SUMMARY_FILE:
            summary = load_json_file(path, problems)
            if isinstance(summary, dict):
                self.file_summary_step = _step_number(summary)
                if _is_later(self.file_summary_step, _step_number(self.summary)):
                    self.summary = {**self.summary, **summary}  # the log was cut before its last summary
                else:
                    for key, value in summary.items():
                        self.summary.setdefault(key, value)
        elif name == METADATA_FILE:
            metadata = load_json_file(path, problems)
            if isinstance(metadata, dict):
                self._fill_metadata(metadata)

    def _fill_metadata(self, metadata: Mapping[str, Any]) -> None:
        """Take host, program, args, Python, git and start time from wandb-metadata.json."""
        for key, name in _METADATA_KEYS.items():
            if isinstance(metadata.get(key), str) and metadata[key]:
                self.environment.setdefault(name, metadata[key])
        if isinstance(metadata.get("args"), list) and metadata["args"]:
            self.environment.setdefault("args", [str(arg) for arg in metadata["args"]])
        if metadata.get("startedAt"):
            self.environment.setdefault("started_at", to_timestamp(metadata["startedAt"]))
        git = metadata.get("git")
        if isinstance(git, Mapping):
            for key in ("commit", "remote"):
                if isinstance(git.get(key), str) and git[key]:
                    self.environment.setdefault("git", {}).setdefault(key, git[key])

    def cut_short_of_summary(self) -> CutLog | None:
        """Return where a cut log stops when its summary (files/wandb-summary.json, or the log's own,
        written before a row the cut tore) shows the run went on past it."""
        if self.complete or not self.rows or self.last_row_step is None:
            return None
        step = _step_number(self.summary)  # the later of the two: fill_from_file keeps it
        if step is None or not _is_later(step, self.last_row_step):
            return None
        whose = f"files/{SUMMARY_FILE}" if step == self.file_summary_step else "the log's own last summary"
        return CutLog(self.last_row_step, step, whose)

    # ------------------------------------------------------------ the run
    def to_record(self, fallback_name: str, path: str, has_log: bool, problems: list[Problem]) -> RunRecord:
        """Return the run as resultsbook stores it; `fallback_name` names a run whose log lacks its id."""
        config = dict(self.config)
        config.pop(_INTERNAL, None)
        params = flatten_params(config)
        problems += [_clash_problem(path, name, keys) for name, keys in flattening_clashes(config).items()]
        if not params and self.environment.get("args"):
            params = params_from_args(self.environment["args"])
            if params:
                problems.append(Problem(path, _ARGS_AS_PARAMS, "the command line's options as params"))
        series, series_problems = self.builder.build(path)
        problems.extend(series_problems)
        start = self.info.get("start_time") or self.environment.get("started_at")
        status = self._status(has_log)
        end = None
        if status in ("finished", "failed"):
            ends = [
                t for t in (self.last_time, start + self.runtime if start and self.runtime else None) if t
            ]
            end = max(ends) if ends else None
        return RunRecord(
            name=self.info.get("name") or self.info.get("run_id") or fallback_name,
            params=params,
            metrics=series,
            summary=_summary_values(self.summary),
            status=status,
            start_time=start,
            end_time=end,
            experiment=self.info.get("project") or None,
            provenance=self._provenance(),
        )

    def _status(self, has_log: bool) -> str:
        """finished / failed from the exit record (255 is interrupted: W&B's exit hook records it
        for a KeyboardInterrupt); without one the run is running (or was killed: the log alone
        cannot tell), interrupted when it was being preempted."""
        if not has_log:
            return "unknown"
        if self.exit_code is not None and not self.not_complete:
            return {0: "finished", _CTRL_C: "interrupted"}.get(self.exit_code, "failed")
        return "interrupted" if self.preempting else "running"

    def _provenance(self) -> dict[str, Any]:
        """Return git, host, program, args, Python and the W&B identity of the run."""
        provenance: dict[str, Any] = {
            k: v for k, v in self.environment.items() if k not in ("git", "started_at") and v
        }
        git = {**self.environment.get("git", {}), **{k: v for k, v in self.git.items() if v}}
        if git:
            provenance["git"] = git
        if self.info.get("host"):
            provenance["host"] = self.info["host"]
        identity = {
            k: v for k, v in self.info.items() if k not in ("name", "start_time", "host", "project") and v
        }
        if self.exit_code is not None:
            identity["exit_code"] = self.exit_code
            if self.exit_code != 0:
                provenance["error"] = console_error(self.console, self.exit_code)
        if self.runtime:
            identity["runtime"] = self.runtime
        if not self.complete:
            identity["log_complete"] = False
        if self.format_version is not None:
            identity["log_format"] = self.format_version
        if identity:
            provenance["wandb"] = identity
        return provenance


@dataclass(frozen=True)
class CutLog:
    """A log cut before the end of a run that its summary (files/wandb-summary.json, or the log's
    own) shows went on."""

    last_step: float
    summary_step: float
    whose: str = f"files/{SUMMARY_FILE}"  # the summary that went on: that file, or the log's own

    def problem(self, log: str, live: bool = False) -> Problem:
        """Return the problem that says each series stops early and what was kept; `live`: of a run
        still writing its log, where no copy need be guessed."""
        last, end = f"{self.last_step:g}", f"{self.summary_step:g}"
        guess = "" if live else " (copied or committed while W&B was writing it?)"
        return Problem(
            log,
            f"holds the run up to _step {last}, but {self.whose} has it at _step {end}: the log "
            f"was cut short of the run{guess}, so each series "
            "stops early and its last point is not the run's last value",
            f"the points up to _step {last}; the summary's values as each metric's final value",
        )


def debug_log_note(path: str) -> str | None:
    """Say what to collect when `path` is W&B's debug log beside the run folders (`wandb/debug.log`,
    a copy of the last run's): it holds no metrics; None for any other file."""
    if os.path.basename(path) not in DEBUG_LOGS or os.path.basename(os.path.dirname(path)) != "wandb":
        return None
    folder = os.path.dirname(path)
    return f"it is W&B's debug log, which holds no metrics: collect the folder of its runs, {folder}"


def inside_run_note(path: str) -> str | None:
    """Say which W&B run folder to collect when `path` is inside one (its `files/`, `logs/` or
    `files/media/`), where no run of its own is; None for any other folder."""
    if "://" in path:  # object storage: not looked into to explain
        return None
    folder = os.path.abspath(path)
    for levels in range(1, 4):  # files/media/<kind>: W&B nests no deeper
        run = os.path.dirname(folder)
        if run == folder:
            return None
        name = os.path.basename(run)
        if (RUN_FOLDER.fullmatch(name) or name == "latest-run") and fs.isdir(os.path.join(run, FILES_DIR)):
            shown = os.path.normpath(os.path.join(path, *[os.pardir] * levels))  # in the words it was given
            return (
                f"it is inside the W&B run folder {shown}, which holds its log and files/: "
                "collect that folder"
            )
        folder = run
    return None


def _step_number(summary: Mapping[str, Any]) -> float | None:
    """Return a summary's `_step`, if it holds a number there."""
    step = summary.get("_step")
    return float(step) if isinstance(step, (int, float)) and not isinstance(step, bool) else None


def _is_later(step: float | None, than: float | None) -> bool:
    """Tell whether `step` is known and past `than` (an unknown `than` is passed by any step)."""
    return step is not None and math.isfinite(step) and (than is None or step > than)


def _own_config(config: Mapping[str, Any]) -> bool:
    """Tell whether a run's config holds a key of the script's (not W&B's own `_wandb` alone)."""
    return any(key != _INTERNAL for key in config)


def _identity(info: Mapping[str, Any]) -> tuple[str, str]:
    """Return the project and entity a run record names: a run id is a run's only within them."""
    return str(info.get("project") or ""), str(info.get("entity") or "")


def _resumed_config(run: WandbRun, folder: str, config: dict[str, Any], path: str) -> list[Problem]:
    """Give a folder of a resumed run the config its earlier folders hold (`folder`: the latest that
    has one) where it has none of its own, or the keys it lacks where it has part of it (its own win)."""
    if not _own_config(run.config):
        run.config = config
        return [Problem(path, _RESUMED_CONFIG.format(folder=folder), "that config")]
    missing = {key: value for key, value in config.items() if key != _INTERNAL and key not in run.config}
    if not missing:
        return []
    run.config = {**run.config, **missing}
    keys = ", ".join(sorted(missing))
    return [Problem(path, _PARTIAL_CONFIG.format(keys=keys, folder=folder), "those keys")]


def _earlier_config(folder: str, run_id: str, identity: tuple[str, str]) -> tuple[str, dict[str, Any]] | None:
    """Return the latest folder beside `folder` that the same W&B run (`run_id` in the project and
    entity of `identity`) wrote before it and whose config holds keys, with the config of all such
    folders, a later one's keys winning: `wandb.init(id=..., resume=...)` logs only the config it is
    given, and W&B merges it into the run's (None when there is no such folder)."""
    parent, name = os.path.split(folder.rstrip(os.sep))
    own = RUN_FOLDER.fullmatch(name)
    if own is None or not run_id:
        return None
    earlier = [(time, n) for time, n in _run_folders(parent).get(run_id, ()) if time < own["time"]]
    latest = None
    merged: dict[str, Any] = {}
    for _, n in sorted(earlier, reverse=True):
        info, config = _config_of_cached(os.path.join(parent, n), run_id)
        if info.get(_HEADER_ONLY):  # killed before its log held its run record: its project is its run's
            info = _later_identity(os.path.join(parent, n), run_id)
        if _identity(info) == identity and _own_config(config):
            latest = latest or n
            merged = {**config, **merged}
    return (latest, merged) if latest is not None else None


def _later_identity(folder: str, run_id: str) -> dict[str, str]:
    """Return the project and entity that the later folders of a run (`run_id` beside `folder`) name,
    where they all name the same ones: a folder whose log holds no record names none; {} else."""
    parent, name = os.path.split(folder.rstrip(os.sep))
    own = RUN_FOLDER.fullmatch(name)
    if own is None:
        return {}
    found = set()
    for time, n in _run_folders(parent).get(run_id, ()):
        if time > own["time"]:
            info, _ = _config_of_cached(os.path.join(parent, n), run_id)
            if not info.get(_HEADER_ONLY):
                found.add(_identity(info))
    if len(found) != 1:
        return {}
    project, entity = found.pop()
    return {key: value for key, value in (("project", project), ("entity", entity)) if value}


def _run_folders(parent: str) -> dict[str, list[tuple[str, str]]]:
    """Return the run folders in `parent` by run id, as (time, name); listed once per version of
    `parent` where it can tell one: each folder of a `wandb/` of many runs looks there."""
    try:
        version = "" if fs.is_remote(parent) else fs.version(parent)
    except OSError:
        return {}
    return _run_folders_at(parent, version) if version else _list_run_folders(parent)


@functools.lru_cache(maxsize=64)
def _run_folders_at(parent: str, version: str) -> dict[str, list[tuple[str, str]]]:
    """Return `_list_run_folders` at one version of `parent` (`version` keys the cache alone)."""
    return _list_run_folders(parent)


def _list_run_folders(parent: str) -> dict[str, list[tuple[str, str]]]:
    """List the run folders in `parent` by run id, as (time, name)."""
    try:
        names = fs.listdir(parent)
    except OSError:
        return {}
    found: dict[str, list[tuple[str, str]]] = {}
    for n in names:
        if match := RUN_FOLDER.fullmatch(n):
            found.setdefault(match["id"], []).append((match["time"], n))
    return found


def _config_of_cached(folder: str, run_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return `_config_of` a folder, read once per version of its log and config file: each later
    folder of a run resumed many times looks back at the same earlier ones."""
    versions = []
    for path in (os.path.join(folder, f"run-{run_id}.wandb"), os.path.join(folder, FILES_DIR, CONFIG_FILE)):
        try:
            versions.append(fs.version(path))
        except OSError:
            versions.append("")
    info, config = _config_of_version(folder, run_id, " ".join(versions))
    return dict(info), copy.deepcopy(config)


@functools.lru_cache(maxsize=256)
def _config_of_version(folder: str, run_id: str, version: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return `_config_of` a folder at one version of its files (`version` keys the cache alone)."""
    return _config_of(folder, run_id)


def _config_of(folder: str, run_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return what a run folder's run record says of the run (its project, entity) and the config the
    folder records: its log's, filled in from files/config.yaml (what that folder's own read reports of
    them is not said again). The whole log is read: `run.config.update` may come at any step."""
    problems: list[Problem] = []
    run = WandbRun()
    log = os.path.join(folder, f"run-{run_id}.wandb")
    if fs.exists(log):
        reader = LogReader(log, problems)
        for raw in reader.records():
            try:
                kind, body = record_type(raw)
                if kind == CONFIG:
                    run.config_log.apply(body)
                elif kind == RUN:
                    run._run(body)
            except (WireError, IndexError, ValueError, RecursionError, OverflowError):
                continue
        run.config = run.config_log.resolve()[0]
        if reader.version is not None and not reader.count:  # W&B killed before it wrote a record
            run.config, run.info[_HEADER_ONLY] = (
                _debug_log_config(os.path.join(folder, LOGS_DIR, DEBUG_LOGS[0])),
                True,
            )
    config_file = os.path.join(folder, FILES_DIR, CONFIG_FILE)
    if fs.exists(config_file):
        run.fill_from_file(config_file, problems)
    return run.info, run.config


def _run_id_of(log: str) -> str:
    """Return the run id in a log's name, `run-<id>.wandb`."""
    return os.path.basename(log)[len("run-") : -len(".wandb")]


def _lone_copy(latest: str, logs: list[str]) -> bool:
    """Tell whether `wandb/latest-run` is a folder of its own (a copy of the link, as a zip or a copy
    without links makes it) whose run no sibling `run-<date>-<id>` folder holds: then it is read."""
    if not logs or os.path.islink(latest.rstrip(os.sep)):
        return False
    suffix = f"-{_run_id_of(logs[0])}"
    parent = os.path.dirname(latest.rstrip(os.sep))
    try:
        siblings = fs.listdir(parent)
    except OSError:
        return False
    return not any(n.endswith(suffix) and fs.exists(os.path.join(parent, n, logs[0])) for n in siblings)


def _folder_run_id(folder: str) -> str:
    """Return the run id in a run folder's name, `run-<date>_<time>-<id>`, else the folder's name."""
    name = os.path.basename(folder.rstrip("/"))
    found = RUN_FOLDER.fullmatch(name)
    return found["id"] if found else name


# ---------------------------------------------------------------- values
def _number(value: Any) -> float | None:
    """Return a logged value as a float; bools count, text and containers do not."""
    if isinstance(value, float):
        return value
    if isinstance(value, (int, bool)):
        return float(value)
    return None


def _flatten_row(value: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Flatten an object logged under one key (older writers), leaving media objects out."""
    flat: dict[str, Any] = {}
    for key, inner in value.items():
        if isinstance(inner, dict):
            if "_type" not in inner:
                flat.update(_flatten_row(inner, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = inner
    return flat


def _summary_values(summary: Mapping[str, Any]) -> dict[str, float]:
    """Return the summary's numeric values by dotted key, without W&B's own keys and media."""
    values: dict[str, float] = {}
    for key, value in _flatten_row(summary, "").items():
        if key.startswith("_") or "._" in key or isinstance(value, bool):
            continue
        number = to_float(value) if isinstance(value, (int, float)) else None
        if number is not None:
            values[key] = number
    return values


def _read_config_yaml(path: str, problems: list[Problem]) -> dict[str, Any]:
    """Read files/config.yaml: each key holds {value: ...} (legacy files add `desc` and `wandb_version`)."""
    tree = read_yaml_file(path, problems, "no params from it", lenient=False)  # no Python tags
    if not isinstance(tree, dict):
        if tree is not None:
            problems.append(Problem(path, "does not hold a mapping of config keys", "no params from it"))
        return {}
    config = {}
    for key, node in tree.items():
        if key in ("wandb_version", _INTERNAL):
            continue
        config[str(key)] = node["value"] if isinstance(node, dict) and "value" in node else node
    return config
