"""Optuna studies in an RDB storage file (`storage="sqlite:///optuna.db"`), read without Optuna; the
journal storage is replayed into the same trials by optuna_journal.py.

One trial is one run. What Optuna stores is not what the objective saw, and is decoded here:

- a param is a float in `trial_params.param_value`, read through its `distribution_json`: a
  categorical param holds the *index* of its choice (2.0 for `[16, 32, 64]` means 64), an int param
  a float (3.0 means 3);
- the objective's value(s) in `trial_values` are the run's final values, named by the study's
  metric names (`study.set_metric_names`) or, as `trials_dataframe()` names them, `value` (one
  objective) and `values_0`, `values_1`, ... (several); ±inf are stored as a type, not a number;
- `trial.report(value, step)` points (`trial_intermediate_values`) are the curve `intermediate_value`;
- the state is the status: COMPLETE finished, FAIL failed, PRUNED interrupted (said as such: "pruned
  by the study's pruner at step N"), RUNNING running, WAITING (enqueued, not started) queued;
- a trial's user attrs are params, or results when named as results (`val_loss`, `test_acc`), as in
  one-file results (sources/fields.py; one so named that is no number goes to provenance); system
  attrs are provenance;
- the study's name is the run's experiment: several studies in one file are told apart by it.

The file is never opened where a study writes it: its bytes are copied while it does not change (no
lock is taken: a running study is never made to wait), and the copy is read. A file in WAL mode is
read in place, read-only (WAL readers take no lock a writer needs).
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import tempfile
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.models import Problem, ReadResult, RunRecord, Series, Source
from resultsbook.params import normalize_value
from resultsbook.sources import fs
from resultsbook.sources.fields import key_kind
from resultsbook.sources.fileio import iter_file_chunks, open_regular, read_file_bytes, unreadable
from resultsbook.sources.limits import DOCUMENT
from resultsbook.sources.series import SeriesBuilder
from resultsbook.voice import option

# the names Optuna's examples and users give the files: an RDB storage (SQLite) or a journal (JSON
# Lines); any other SQLite file or .log is read with --adapter optuna
_NAMES = re.compile(r"(?i:.*optuna.*\.(db|sqlite3?|log)|.*journal.*\.log)|study\.db|studies\.db")
_SQLITE_NAME = re.compile(r"(?i:.+\.(db|sqlite3?))")
_FORCED_NAME = re.compile(r"(?i:.+\.(db|sqlite3?|log|jsonl))")
_NOT_OURS = frozenset({"resultsbook.db", "mlflow.db"})
# what makes a database Optuna's (optuna/storages/_rdb/models.py)
_NEEDED_TABLES = {"studies", "trials", "trial_params", "version_info"}
_STATES = {
    "COMPLETE": "finished", "FAIL": "failed", "PRUNED": "interrupted", "RUNNING": "running",
    "WAITING": "queued",  # enqueued, not started: no value yet, no process
}  # fmt: skip
_INFINITE = {"INF_POS": math.inf, "INF_NEG": -math.inf, "NAN": math.nan}
METRIC_NAMES = "study:metric_names"  # optuna/study/study.py, _SYSTEM_ATTR_METRIC_NAMES
_ENQUEUED = "fixed_params"  # an enqueued trial's params, before it suggests them
_CURVE = "intermediate_value"
_SNAPSHOT_TRIES = 5


class OptunaAdapter(Adapter):
    """Read every trial of every study in an Optuna storage file: SQLite (RDB) or a journal."""

    name = "optuna"
    summary = (
        "Optuna studies, one run per trial: an SQLite storage (optuna.db, *optuna*.db, study.db) or a "
        "journal file (*optuna*.log, *journal*.log); any .db or .log with --adapter optuna"
    )
    priority = 20
    claims_by_listing = True
    reading_version = 2  # 2: a WAITING trial (enqueued, not started) is queued, not running

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim the Optuna storages of a folder by name (with --adapter optuna any SQLite file or .log);
        beside one, the folder's other SQLite files too: a sweep keeps a study a file (optuna.db beside
        wasserstein_distance.db), and one left out would go unsaid."""
        pattern = _FORCED_NAME if forced else _NAMES
        names = [n for n in folder.files if pattern.fullmatch(n) and n not in _NOT_OURS]
        if not names:
            return None
        names += [n for n in folder.files if _SQLITE_NAME.fullmatch(n) and n not in _NOT_OURS]
        return Claim(tuple(self._database_source(folder, name) for name in sorted(set(names))), descend=True)

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read an Optuna database named by a path pattern."""
        name = os.path.basename(path)
        if name in _NOT_OURS or not (_FORCED_NAME if forced else _NAMES).fullmatch(name):
            return None
        return self.source(path, [path])

    def read(self, source: Source) -> ReadResult:
        """Read every trial of one database or journal."""
        if not _SQLITE_NAME.fullmatch(os.path.basename(source.path)):
            from resultsbook.adapters.optuna_journal import read_journal

            result = read_journal(source.path)
        else:
            with fs.local_copy(source.path) as local:  # SQLite reads a real file: a remote one is copied
                result = read_database(source.path, local, copied=local != source.path)
        beside = _run_file_beside(source.path)
        return result if beside is None else ReadResult(result.runs, (*result.problems, beside))

    def _database_source(self, folder: Folder, name: str) -> Source:
        """Return the source of a database: the file and its write-ahead log when there is one."""
        files = [folder.file(name)]
        if f"{name}-wal" in folder.files:
            files.append(folder.file(f"{name}-wal"))
        return self.source(folder.file(name), files)


def _run_file_beside(path: str) -> Problem | None:
    """Say which file of another format's run the storage's folder holds: one adapter reads a folder,
    so a run whose files sit beside optuna.db (a script's metrics.jsonl) is not read; None if none."""
    if fs.is_remote(path):
        return None
    from resultsbook.adapters import run_file_of_later

    folder = os.path.dirname(path)
    try:
        with fs.scandir(folder or ".") as entries:
            files = frozenset(entry.name for entry in entries if entry.is_file())
    except OSError:
        return None
    found = run_file_of_later("optuna", Folder(folder, files, ()))
    if found is None:
        return None
    name = os.path.basename(path)
    return Problem(
        os.path.join(folder, found),
        f"is not read: its folder is read by the optuna adapter for {name}, and one adapter reads a folder",
        f"nothing of it; move {name} into a folder of its own",
    )


def read_database(path: str, local: str, copied: bool = False) -> ReadResult:
    """Read the database at `local` (named `path` in what it reports)."""
    problems: list[Problem] = []
    with tempfile.TemporaryDirectory(prefix="resultsbook-optuna-") as scratch:
        try:
            if not copied:
                os.close(open_regular(local))  # SQLite's own open would wait forever on a FIFO
            conn = _snapshot(local, scratch, copied)
        except OSError as error:
            return ReadResult((), (unreadable(path, error, "nothing"),))
        except sqlite3.Error as error:
            return ReadResult((), (Problem(path, f"cannot be opened as SQLite ({error})", "nothing"),))
        if conn is None:
            kept = "nothing; collect again when the study pauses"
            return ReadResult((), (Problem(path, "changed during every read (a study is writing it)", kept),))
        try:
            missing = _NEEDED_TABLES - {row[0] for row in conn.execute(_TABLES)}
            if missing:
                what = f"is not an Optuna study database (no table {', '.join(sorted(missing))})"
                fix = f"nothing; if another tool wrote it, name that format with {option('adapter')}"
                return ReadResult((), (Problem(path, what, fix),))
            runs = _read_studies(conn, path, problems)
        except sqlite3.Error as error:
            return ReadResult(
                (), (Problem(path, f"cannot be read as an Optuna database ({error})", "nothing"),)
            )
        finally:
            conn.close()
    return ReadResult(tuple(runs), tuple(problems))


_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"


def is_optuna_storage(path: str) -> bool:
    """Tell whether a local file is an Optuna storage: an SQLite database holding Optuna's tables, or a
    journal whose first line is an operation (only to explain an empty collect: read without a lock;
    a file being written may answer False)."""
    from resultsbook.adapters.optuna_journal import starts_as_journal

    try:  # a FIFO in its place is refused, never opened
        head = next(iter_file_chunks(path, 4096), b"")
    except OSError:
        return False
    if not head.startswith(b"SQLite format 3\0"):
        return starts_as_journal(head)
    try:
        conn = _connect(path, immutable=True)
    except sqlite3.Error:
        return False
    try:
        return {row[0] for row in conn.execute(_TABLES)} >= _NEEDED_TABLES
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def optuna_note(path: str) -> str | None:
    """Say how an Optuna storage under a name the adapter does not claim is read; None when it is not one."""
    if fs.is_remote(path) or not is_optuna_storage(path):
        return None
    return f"it is an Optuna study storage: read it with {option('adapter', 'optuna')}, a run per trial"


def _snapshot(path: str, scratch: str, copied: bool) -> sqlite3.Connection | None:
    """Open a moment of the database without taking a lock a running study needs: a file in WAL mode
    read-only in place (its readers never block a writer), else a copy of its bytes made while it did
    not change (no journal beside it, same size and time before and after); None when it always changed."""
    if copied:
        return _connect(path, immutable=True)
    if fs.exists(path + "-wal"):
        return _connect(path, immutable=False)
    journal = path + "-journal"  # beside the file while a write is under way (or after a crash in one)
    for attempt in range(_SNAPSHOT_TRIES):
        before = fs.stat(path)
        data = None if fs.exists(journal) else read_file_bytes(path, DOCUMENT)
        after = fs.stat(path)
        same = (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)
        if data is not None and same and len(data) == after.st_size and not fs.exists(journal):
            copy = Path(scratch) / "snapshot.db"  # a scratch file of ours, not a log
            copy.write_bytes(data)
            return _connect(str(copy), immutable=True)
        time.sleep(0.1 * (attempt + 1))
    return None


def _connect(path: str, immutable: bool) -> sqlite3.Connection:
    """Open a database read-only (immutable: a copy nobody writes, read without locks)."""
    uri = (
        "file:"
        + quote(os.fsencode(os.path.abspath(path)))
        + "?mode=ro"
        + ("&immutable=1" if immutable else "")
    )
    conn = sqlite3.connect(uri, uri=True, timeout=5.0)
    conn.text_factory = lambda data: data.decode("utf-8", errors="replace")
    return conn


def _read_studies(conn: sqlite3.Connection, path: str, problems: list[Problem]) -> list[RunRecord]:
    """Read every trial of every study, in one read transaction; then make each a run."""
    tables = {row[0] for row in conn.execute(_TABLES)}
    conn.execute("BEGIN")
    try:
        studies = dict(conn.execute("SELECT study_id, study_name FROM studies"))
        directions: dict[Any, list[str]] = defaultdict(list)
        if "study_directions" in tables:
            for study, direction in conn.execute(
                "SELECT study_id, direction FROM study_directions ORDER BY study_id, objective"
            ):
                directions[study].append(str(direction).lower())
        names = _study_metric_names(conn, tables)
        trials = conn.execute(
            "SELECT trial_id, number, study_id, state, datetime_start, datetime_complete FROM trials "
            "ORDER BY study_id, number, trial_id"
        ).fetchall()
        params = _params(conn, path, problems)
        values = _values(conn, tables)
        curves = _curves(conn, tables)
        user = _attrs(conn, tables, "trial_user_attributes")
        system = _attrs(conn, tables, "trial_system_attributes")
    finally:
        conn.execute("COMMIT")
    return [
        Trial(
            study=str(studies.get(study_id, study_id)),
            number=number,
            trial_id=trial_id,
            state=str(state),
            started=_seconds(started),
            completed=_seconds(completed),
            params=params.get(trial_id, {}),
            values=values.get(trial_id, {}),
            curve=curves.get(trial_id, []),
            user_attrs=user.get(trial_id, {}),
            system_attrs=system.get(trial_id, {}),
            directions=directions[study_id],
            metric_names=names.get(study_id),
        ).run(path, problems)
        for trial_id, number, study_id, state, started, completed in trials
    ]


@dataclass
class Trial:
    """One trial as Optuna's storage holds it (the RDB tables or the journal, replayed), params decoded."""

    study: str
    number: int
    trial_id: int
    state: str  # TrialState's name: COMPLETE, FAIL, PRUNED, RUNNING, WAITING
    started: float | None
    completed: float | None
    params: dict[str, Any]
    values: dict[int, float]  # objective -> value
    curve: list[tuple[float, float]]  # (step, value) of trial.report
    user_attrs: dict[str, Any]
    system_attrs: dict[str, Any]
    directions: list[str]  # minimize / maximize, one per objective
    metric_names: list[str] | None

    def run(self, path: str, problems: list[Problem]) -> RunRecord:
        """Return the run of this trial; problems of its curve are added to `problems`."""
        metric_names = _value_names(self.metric_names, len(self.directions) or 1)
        params = dict(self.params)
        enqueued = self.system_attrs.get(_ENQUEUED)
        if isinstance(enqueued, Mapping):  # an enqueued trial that has not suggested them yet
            params = {**{str(k): normalize_value(v) for k, v in enqueued.items()}, **params}
        summary = {
            metric_names[objective] if objective < len(metric_names) else f"values_{objective}": value
            for objective, value in self.values.items()
        }
        kept: dict[str, Any] = {}  # named as results but no number (per-fold accuracies): provenance
        for key, value in self.user_attrs.items():
            if key_kind(key.split("."), False) == "param":
                params.setdefault(key, normalize_value(value))
            elif isinstance(value, (int, float)) and not isinstance(value, bool) and key not in summary:
                summary[key] = float(value)
            else:
                kept[key] = value
        metrics: dict[str, Series] = {}
        if self.curve:
            builder = SeriesBuilder()
            for step, value in self.curve:
                builder.add(_CURVE, step, value)
            series, series_problems = builder.build(f"{path}#study={self.study}&trial={self.number}")
            metrics = dict(series)
            problems.extend(series_problems)
        optuna: dict[str, Any] = {
            "study": self.study,
            "trial": self.number,
            "trial_id": self.trial_id,
            "state": self.state,
            "directions": dict(zip(metric_names, self.directions)),
        }
        attrs = {k: v for k, v in self.system_attrs.items() if k != "fail_reason"}
        if attrs:
            optuna["system_attrs"] = attrs
        if kept:
            optuna["user_attrs"] = kept
        provenance: dict[str, Any] = {"optuna": optuna}
        if self.state == "PRUNED":
            at = f" at step {int(self.curve[-1][0])}" if self.curve else ""
            provenance["error"] = {"type": "TrialPruned", "message": f"pruned by the study's pruner{at}"}
        elif self.state == "FAIL" and self.system_attrs.get("fail_reason"):
            provenance["error"] = {"type": "Failed", "message": str(self.system_attrs["fail_reason"])}
        return RunRecord(
            key=f"{self.study}#{self.number}",
            name=f"{self.study} trial {self.number}",
            params=params,
            metrics=metrics,
            summary=summary,
            status=_STATES.get(self.state, "unknown"),
            start_time=self.started,
            end_time=self.completed,
            experiment=self.study,
            provenance=provenance,
        )


def _study_metric_names(conn: sqlite3.Connection, tables: set[str]) -> dict[Any, list[str]]:
    """Return {study: metric names} of the studies that set them."""
    if "study_system_attributes" not in tables:
        return {}
    found = {}
    for study, text in conn.execute(
        'SELECT study_id, value_json FROM study_system_attributes WHERE "key" = ?', (METRIC_NAMES,)
    ):
        names = _json(text)
        if isinstance(names, list) and all(isinstance(name, str) for name in names):
            found[study] = names
    return found


def _value_names(named: list[str] | None, objectives: int) -> list[str]:
    """Return the names of a study's objective values: its metric names, else Optuna's `value` or
    `values_0`, `values_1`, ... (`trials_dataframe()`'s columns)."""
    if named and len(named) == objectives:
        return list(named)
    return ["value"] if objectives == 1 else [f"values_{index}" for index in range(objectives)]


def _params(conn: sqlite3.Connection, path: str, problems: list[Problem]) -> dict[Any, dict[str, Any]]:
    """Return {trial: {param: value}}, each value decoded through its distribution."""
    found: dict[Any, dict[str, Any]] = defaultdict(dict)
    bad: list[str] = []
    for trial, name, stored, distribution in conn.execute(
        "SELECT trial_id, param_name, param_value, distribution_json FROM trial_params ORDER BY param_id"
    ):
        value = decode_param(stored, _json(distribution))
        if value is _UNDECODED:
            bad.append(str(name))
            value = stored
        found[trial][str(name)] = normalize_value(value)
    if bad:
        names = ", ".join(sorted(set(bad))[:5])
        problems.append(
            Problem(
                path, f"param(s) {names} have a distribution_json that cannot be read", "the stored floats"
            )
        )
    return found


_UNDECODED = object()


def decode_json_param(stored: Any, distribution: Any) -> Any:
    """Return a param's value from its stored float and its distribution, as its JSON text or mapping
    (the journal's form); a value that cannot be decoded stays the stored one."""
    value = decode_param(stored, _json(distribution))
    return normalize_value(stored if value is _UNDECODED else value)


def decode_param(stored: Any, distribution: Any) -> Any:
    """Return a param's value from its stored float and its distribution (Optuna's
    `distribution.to_external_repr`): a categorical's choice at that index, an int's integer."""
    if not isinstance(distribution, Mapping) or not isinstance(stored, (int, float)):
        return _UNDECODED
    if not math.isfinite(stored):  # no choice, no integer (Optuna never stores one)
        return _UNDECODED
    kind = distribution.get("name")
    attributes = distribution.get("attributes") or {}
    if kind == "CategoricalDistribution":
        choices = attributes.get("choices")
        index = int(stored)
        if not isinstance(choices, list) or index != stored or not 0 <= index < len(choices):
            return _UNDECODED
        return choices[index]
    if kind in ("IntDistribution", "IntUniformDistribution", "IntLogUniformDistribution"):
        return round(stored)
    if kind in ("FloatDistribution", "UniformDistribution", "LogUniformDistribution"):
        return float(stored)
    if kind == "DiscreteUniformDistribution":
        return float(stored)
    return _UNDECODED


def _values(conn: sqlite3.Connection, tables: set[str]) -> dict[Any, dict[int, float]]:
    """Return {trial: {objective: value}}, ±inf restored from the value's type."""
    found: dict[Any, dict[int, float]] = defaultdict(dict)
    if "trial_values" not in tables:
        return found
    typed = "value_type" in _columns(conn, "trial_values")
    sql = f"SELECT trial_id, objective, value, {'value_type' if typed else 'NULL'} FROM trial_values"
    for trial, objective, value, kind in conn.execute(sql):
        number = _INFINITE.get(str(kind), value)
        if isinstance(number, (int, float)):
            found[trial][int(objective)] = float(number)
    return found


def _curves(conn: sqlite3.Connection, tables: set[str]) -> dict[Any, list[tuple[float, float]]]:
    """Return {trial: [(step, value)]} of the values reported with `trial.report`, NaN and ±inf restored."""
    found: dict[Any, list[tuple[float, float]]] = defaultdict(list)
    if "trial_intermediate_values" not in tables:
        return found
    typed = "intermediate_value_type" in _columns(conn, "trial_intermediate_values")
    sql = (
        "SELECT trial_id, step, intermediate_value, "
        f"{'intermediate_value_type' if typed else 'NULL'} "
        "FROM trial_intermediate_values ORDER BY trial_id, step"
    )
    for trial, step, value, kind in conn.execute(sql):
        number = _INFINITE.get(str(kind), value)
        found[trial].append((float(step), math.nan if number is None else float(number)))
    return found


def _attrs(conn: sqlite3.Connection, tables: set[str], table: str) -> dict[Any, dict[str, Any]]:
    """Return {trial: {key: value}} of a table of JSON attributes."""
    found: dict[Any, dict[str, Any]] = defaultdict(dict)
    if table in tables:
        for trial, key, text in conn.execute(f'SELECT trial_id, "key", value_json FROM {table}'):
            found[trial][str(key)] = _json(text)
    return found


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {str(row[1]) for row in conn.execute(f"PRAGMA table_info({table})")}


def _json(text: Any) -> Any:
    """Return the value of a JSON text (NaN and Infinity as Python's json writes them), else the text."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _seconds(text: Any) -> float | None:
    """Return epoch seconds of Optuna's datetime text (`datetime.now()`: the local time of the study)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None
