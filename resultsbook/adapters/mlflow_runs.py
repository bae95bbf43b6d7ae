"""MLflow tracking data read without MLflow: the file store (`mlruns/`) and the SQLite store (`mlflow.db`).

A file-store run folder is one source, so a changed run costs one re-read; a database is one source.
Deleted runs (and runs of deleted experiments) are skipped, as MLflow's own search does, and each
skip is reported; `-o deleted=keep` collects them too, marked in their provenance.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Mapping
from operator import attrgetter
from typing import Any

import numpy as np

from resultsbook.adapters.base import Adapter, Claim, Folder, option_choice
from resultsbook.models import Problem, ReadResult, RunRecord, Series, Source
from resultsbook.params import parse_scalar
from resultsbook.sources import fs
from resultsbook.sources.fileio import files_below, loop_problem
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.status_words import normalize_status, started_if_logged
from resultsbook.voice import option

META_FILE = "meta.yaml"
DATABASE_FILES = frozenset({"mlflow.db"})
RUN_FOLDERS = ("metrics", "params", "tags")
_EXPERIMENT_FILES = {META_FILE, "tags"}  # an experiment folder without runs (experiment tags are files)
ARTIFACTS_ONLY = (
    "it holds an MLflow run's artifacts but no meta.yaml: the run's params and metrics are in the "
    "tracking server or database that logged it; collect that instead (mlflow+http://HOST:PORT, or its "
    "mlflow.db)"
)
_RUN_ID = re.compile(r"[0-9a-f]{32}")
_EXPERIMENT_ID = re.compile(r"\d+")
# mlflow/protos/service.proto, enum RunStatus; the file store writes the number
_STATUS_CODES = {1: "running", 2: "queued", 3: "finished", 4: "failed", 5: "interrupted"}
_DELETED_CHOICES = ("skip", "keep")
_LARGEST = 1.7976931348623157e308  # MLflow stores +inf/-inf as ± the largest double
_NAME = attrgetter("name")
# runs of one experiment repeat a few param values: each short text is typed once (values are immutable)
_typed_short = functools.lru_cache(maxsize=4096)(parse_scalar)
_SHORT = 64
# tags that become provenance fields rather than staying in provenance["tags"]
_GIT_TAGS = {
    "mlflow.source.git.commit": "commit",
    "mlflow.source.git.branch": "branch",
    "mlflow.source.git.repoURL": "repo",
    "mlflow.gitBranchName": "branch",
    "mlflow.gitRepoURL": "repo",
}
_RUN_NAME_TAG = "mlflow.runName"
_FIELD_TAGS = {
    "mlflow.user": "user",
    "mlflow.source.name": "source",
    "mlflow.source.type": "source_type",
    "mlflow.parentRunId": "parent_run_id",
}


class MlflowAdapter(Adapter):
    """Read MLflow's file store run folders and its SQLite database."""

    name = "mlflow"
    summary = "MLflow file store (mlruns/<experiment>/<run>/) and SQLite store (mlflow.db)"
    priority = 20
    # 2: a SCHEDULED run (not started) is queued, not running; 3: a metric logged without steps is a curve
    reading_version = 3
    options = {
        "deleted": "what to do with runs deleted in MLflow: skip (default, as MLflow's search does) or keep",
    }

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.keep_deleted = option_choice(self.config, "deleted", _DELETED_CHOICES) == "keep"
        # experiment meta.yaml by (path, size, mtime): read once per collect, not once per run
        self._experiments: dict[tuple[str, int, int], dict[str, Any]] = {}
        self._loops: dict[str, list[str]] = {}  # run folder -> links inside it back to a folder above
        self._plain: set[str] = set()  # run folders listed holding only files and folders: no stat per file

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a file-store run folder, an experiment folder, or a folder holding mlflow.db."""
        if META_FILE in folder.files:  # every folder of the walk comes here: set lookups first
            name = os.path.basename(folder.path.rstrip(os.sep))
            if _RUN_ID.fullmatch(name) and any(d in folder.dirs for d in RUN_FOLDERS):
                return Claim((self._run_folder_source(folder.path),))
            if _EXPERIMENT_ID.fullmatch(name) and any(_RUN_ID.fullmatch(d) for d in folder.dirs):
                return Claim((), descend=True)  # an experiment: its run folders are claimed one by one
        if forced:
            databases = [n for n in folder.files if n in DATABASE_FILES or _is_database_name(n)]
        else:
            databases = list(folder.files & DATABASE_FILES)
        if databases:
            sources = tuple(self._database_source(folder, n) for n in sorted(databases))
            return Claim(sources, descend=True)
        return None

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read an mlflow.db named by a path pattern, or the run folder of a run's meta.yaml."""
        name = os.path.basename(path)
        if name in DATABASE_FILES or (forced and _is_database_name(name)):
            folder = os.path.dirname(path)
            return self._database_source(Folder(folder, frozenset(_file_names(folder)), ()), name)
        folder = os.path.dirname(path)
        if name == META_FILE and _RUN_ID.fullmatch(os.path.basename(folder)):
            return self._run_folder_source(folder)
        run = run_folder_above(path)  # a metric, param or tag file: its run, as its meta.yaml gives
        return None if run is None else self._run_folder_source(run)

    def read(self, source: Source) -> ReadResult:
        """Read one run folder, or every run of one database."""
        from resultsbook.adapters import mlflow_files, mlflow_sqlite

        if fs.isdir(source.path):
            listed = source.path in self._plain
            result = mlflow_files.read_run_folder(source, self.keep_deleted, self._experiments, listed)
            loops = [loop_problem(link) for link in self._loops.get(source.path, ())]
            return ReadResult(result.runs, (*result.problems, *loops)) if loops else result
        return mlflow_sqlite.read_database(source, self.keep_deleted)

    def _run_folder_source(self, path: str) -> Source:
        """Return the source of a run folder: its meta.yaml, its experiment's, every value file."""
        files = [os.path.join(path, META_FILE), os.path.join(os.path.dirname(path), META_FILE)]
        plain = None if fs.is_remote(path) else _plain_files_below(path)
        if plain is not None:
            self._plain.add(path)
            return self.source(path, [*files, *plain])
        self._plain.discard(path)  # listed plain before (a watch), not now
        loops: list[str] = []
        for sub in RUN_FOLDERS:
            files.extend(files_below(os.path.join(path, sub), loops))
        if loops:
            self._loops[path] = loops
        return self.source(path, files)

    def _database_source(self, folder: Folder, name: str) -> Source:
        """Return the source of a database: the file and its write-ahead log when there is one."""
        files = [folder.file(name)]
        if f"{name}-wal" in folder.files:
            files.append(folder.file(f"{name}-wal"))
        return self.source(folder.file(name), files)


def _is_database_name(name: str) -> bool:
    """Tell whether a file name looks like an SQLite database (only asked when forced)."""
    return name.endswith((".db", ".sqlite", ".sqlite3")) and name != "resultsbook.db"


def _plain_files_below(run_path: str) -> list[str] | None:
    """Return the files under a local run folder's metrics, params and tags, as `files_below` orders
    them, from one listing per folder (no stat); None when a link, a FIFO or anything but a regular
    file or a folder is met (`files_below` lists those), or a folder cannot be listed."""
    found: list[str] = []
    for sub in RUN_FOLDERS:
        try:
            if not _add_plain_files(os.path.join(run_path, sub), found):
                return None
        except FileNotFoundError:
            continue  # a run without tags, say
        except OSError:
            return None
    return found


def _add_plain_files(folder: str, found: list[str]) -> bool:
    """Add a folder's files to `found`, depth first in name order; False at anything but a regular
    file or a folder. Raises OSError when a folder cannot be listed."""
    with fs.scandir(folder) as listing:
        entries = sorted(listing, key=_NAME)
    for entry in entries:
        if entry.is_file(follow_symlinks=False):
            found.append(entry.path)
        elif not entry.is_dir(follow_symlinks=False) or not _add_plain_files(entry.path, found):
            return False
    return True


def _file_names(folder: str) -> list[str]:
    """Return the names of the files in a folder."""
    with fs.scandir(folder) as entries:
        return [entry.name for entry in entries if entry.is_file()]


def mlflow_status(raw: Any) -> str:
    """Map MLflow's run status (an int in the file store, a word in SQL) to resultsbook's vocabulary."""
    if isinstance(raw, bool):
        return "unknown"
    if isinstance(raw, int):
        return _STATUS_CODES.get(raw, "unknown")
    if isinstance(raw, str) and raw.strip().isdigit():
        return _STATUS_CODES.get(int(raw), "unknown")
    return normalize_status(raw)


def make_run_record(
    info: Mapping[str, Any],
    params: Mapping[str, str],
    tags: Mapping[str, str],
    metrics: Mapping[str, Series],
    experiment: str | None,
) -> RunRecord:
    """Assemble one run from MLflow's run info, params, tags and metric series."""
    run_id = str(info.get("run_id") or info.get("run_uuid") or "")
    git: dict[str, str] = {}
    fields: dict[str, Any] = {}
    other_tags: dict[str, str] = {}
    for key, value in tags.items():
        if key in _GIT_TAGS:
            git.setdefault(_GIT_TAGS[key], value)
        elif key in _FIELD_TAGS:
            fields[_FIELD_TAGS[key]] = value
        elif key != _RUN_NAME_TAG:
            other_tags[key] = value
    provenance: dict[str, Any] = {
        "mlflow": {"run_id": run_id, "experiment_id": str(info.get("experiment_id"))}
    }
    if git:
        provenance["git"] = git
    if info.get("user_id") not in (None, "", "unknown") and "user" not in fields:
        fields["user"] = str(info["user_id"])
    provenance.update(fields)
    if other_tags:
        provenance["tags"] = other_tags
    if info.get("lifecycle_stage") == "deleted":
        provenance["mlflow"]["lifecycle_stage"] = "deleted"
    name = info.get("run_name") or tags.get(_RUN_NAME_TAG) or run_id
    return RunRecord(
        key=run_id,
        name=str(name),
        params={key: _typed_param(value) for key, value in params.items()},
        metrics=metrics,
        status=started_if_logged(mlflow_status(info.get("status")), bool(metrics)),  # SCHEDULED: queued
        start_time=_seconds(info.get("start_time")),
        end_time=_seconds(info.get("end_time")),
        experiment=experiment,
        provenance=provenance,
    )


def _typed_param(text: str) -> Any:
    """Type a param's text as `parse_scalar` does, short texts from a cache (a long one is typed anew)."""
    return _typed_short(text) if len(text) <= _SHORT else parse_scalar(text)


def _seconds(milliseconds: Any) -> float | None:
    """Return epoch seconds from MLflow's epoch milliseconds."""
    if isinstance(milliseconds, bool) or not isinstance(milliseconds, (int, float)):
        return None
    return milliseconds / 1000.0


def series_builder() -> SeriesBuilder:
    """Return a series builder that names the point MLflow (and `add_points`) keeps at a repeated step."""
    return SeriesBuilder("the value with the latest timestamp at each step, as MLflow keeps")


def add_points(
    builder: SeriesBuilder, key: str, steps: np.ndarray, times: np.ndarray, values: np.ndarray
) -> None:
    """Add one metric's points, ordered so the last point of a step is MLflow's "latest" one.

    MLflow's latest value is the maximum by (step, timestamp, value); sorting that way makes the
    series builder, which keeps the last point logged at a step, agree with it. Points all at one
    step (`log_metric` without `step=`, which MLflow 3 logs at step 0) are a curve in time, as
    MLflow's history and charts show them: ordered by timestamp and numbered 0, 1, 2, ...
    """
    if len(steps) > 1 and (steps == steps[0]).all():
        order = np.argsort(times, kind="stable")
        builder.note(
            f"metric {key!r} logs its {len(steps)} points all at step {int(steps[0])} "
            "(log_metric without step=)",
            f"them in the order logged (by timestamp), at steps 0 to {len(steps) - 1}: "
            "the x-axis is that order, not training steps",
        )
        steps, times, values = np.arange(len(steps), dtype=np.float64), times[order], values[order]
    elif len(steps) > 1 and not (steps[1:] > steps[:-1]).all():
        order = np.lexsort((values, times, steps))
        steps, times, values = steps[order], times[order], values[order]
    builder.add_column(key, steps, values, times / 1000.0)


def deleted_problem(path: str, what: str) -> Problem:
    """Return the report of runs skipped because they (or their experiment) are deleted in MLflow,
    worded for one run or many alike (a group of them reads as one line)."""
    return Problem(
        path,
        f"{what} deleted in MLflow (lifecycle_stage: deleted)",
        f"nothing; {option('option', 'deleted=keep')} collects deleted runs",
    )


def restore_infinities(values: np.ndarray) -> None:
    """Turn the ± largest doubles that MLflow stores for ±inf back into infinities, in place."""
    values[values == _LARGEST] = np.inf
    values[values == -_LARGEST] = -np.inf


def run_folder_above(path: str) -> str | None:
    """Return the file-store run folder a path lies in, below its metrics, params or tags folder
    (`<run id>/metrics/val/acc` gives `<run id>`); None for any other path."""
    if "://" in path:
        return None
    parts = os.path.normpath(path).split(os.sep)
    for index in range(len(parts) - 1, 0, -1):
        if parts[index] in RUN_FOLDERS and _RUN_ID.fullmatch(parts[index - 1]):
            run = os.sep.join(parts[:index])
            return run if fs.isfile(os.path.join(run, META_FILE)) else None
    return None


def inside_store_note(path: str) -> str | None:
    """Say what to collect when a path lies inside an MLflow file store but holds no run of its own:
    an experiment's meta.yaml (read as a run of four params), a run's metrics, params or tags folder."""
    if "://" in path:
        return None
    folder = os.path.dirname(os.path.normpath(path))
    experiment = os.path.basename(path) == META_FILE and _EXPERIMENT_ID.fullmatch(os.path.basename(folder))
    if experiment and any(_RUN_ID.fullmatch(name) for name in _file_names_or_folders(folder)):
        return (
            f"it is the meta.yaml of MLflow experiment {os.path.basename(folder)}, not of a run: "
            f"collect its folder {folder} (its runs), or the mlruns/ above it"
        )
    run = run_folder_above(os.path.join(path, META_FILE)) if fs.isdir(path) else None
    if run is not None:
        return f"it lies inside the MLflow run folder {run}: collect that folder, or the mlruns/ above it"
    return None


def _file_names_or_folders(folder: str) -> list[str]:
    """Return the names in a folder (none when it cannot be listed)."""
    with contextlib.suppress(OSError):
        return fs.listdir(folder)
    return []


def artifacts_only_note(path: str) -> str | None:
    """Say where the runs are when a folder is, or holds (an experiment, an `mlruns`), file-store run
    folders with only artifacts: the runs were logged to a tracking server, or an SQLite store
    (MLflow's default since 3.7) keeps its artifacts there; None for any other folder."""
    if "://" in path:  # a server, or object storage: not looked into to explain
        return None
    runs = _run_folders_near(path)
    if not runs or not all(_holds_only_artifacts(run) for run in runs):
        return None
    if runs == [path]:
        return ARTIFACTS_ONLY
    beside = [
        os.path.normpath(os.path.join(path, up, name))
        for up in ("..", os.path.join("..", ".."))  # beside mlruns/, given mlruns/ or mlruns/<experiment>
        for name in sorted(DATABASE_FILES)
        if fs.isfile(os.path.join(path, up, name))
    ]
    fix = "collect that instead (mlflow+http://HOST:PORT, or its mlflow.db)"
    where = f"collect {beside[0]}" if beside else fix
    return (
        "it holds MLflow runs' artifacts but no meta.yaml: their params and metrics are in the tracking "
        f"server or database that logged them; {where}"
    )


def empty_experiments_note(path: str) -> str | None:
    """Say where the runs are when a folder is, or holds (in it or in its `mlruns/`), only MLflow
    experiment folders without a run: MLflow writes their meta.yaml when a client or `mlflow ui`
    first opens a file store, whether runs are then logged there or not; None for any other folder."""
    if "://" in path:
        return None
    experiments = _empty_experiment_files(path)
    if not experiments:
        return None
    store = os.path.dirname(os.path.dirname(experiments[0]))
    beside = [os.path.join(store, "..", name) for name in sorted(DATABASE_FILES)]
    found = [os.path.normpath(database) for database in beside if fs.isfile(database)]
    where = found[0] if found else "the store they were logged to (its mlflow.db, or mlflow+http://HOST:PORT)"
    what = f"MLflow experiments ({experiments[0]} and {len(experiments) - 1} more)"
    return (
        f"it holds {what if len(experiments) > 1 else f'an MLflow experiment ({experiments[0]})'} but no "
        "run folder (<experiment>/<run id>/meta.yaml): no run was logged there, or the run folders were "
        f"not copied with it; collect {where}"
    )


def _empty_experiment_files(path: str, most: int = 20) -> list[str]:
    """Return the meta.yaml of the experiment folders a folder is or holds (in it, or in its
    `mlruns/`); none when one of them holds a run, or anything but its meta.yaml and tags."""
    folders = [path] if _EXPERIMENT_ID.fullmatch(os.path.basename(os.path.normpath(path))) else []
    for parent in () if folders else (path, os.path.join(path, "mlruns")):
        with contextlib.suppress(OSError):
            folders += [
                os.path.join(parent, n) for n in sorted(fs.listdir(parent)) if _EXPERIMENT_ID.fullmatch(n)
            ]
    found = []
    for folder in folders[:most]:
        try:
            names = set(fs.listdir(folder))
        except OSError:
            continue
        if META_FILE not in names or not names <= _EXPERIMENT_FILES:
            return []
        found.append(os.path.join(folder, META_FILE))
    return found


def _run_folders_near(path: str, most: int = 20) -> list[str]:
    """Return the run folders a folder is or holds, at most two levels down (a few of them)."""
    if _RUN_ID.fullmatch(os.path.basename(os.path.normpath(path))):
        return [path]
    found: list[str] = []
    try:
        names = sorted(fs.listdir(path))[:most]
    except OSError:
        return found
    for name in names:
        inner = os.path.join(path, name)
        if _RUN_ID.fullmatch(name) and fs.isdir(inner):
            found.append(inner)
        elif _EXPERIMENT_ID.fullmatch(name) and fs.isdir(inner):
            with contextlib.suppress(OSError):
                found += [
                    os.path.join(inner, run)
                    for run in sorted(fs.listdir(inner))[:most]
                    if _RUN_ID.fullmatch(run)
                ]
    return found[:most]


def _holds_only_artifacts(path: str) -> bool:
    """Tell whether a run folder holds only artifacts (no meta.yaml, metrics, params or tags)."""
    return (
        fs.isdir(os.path.join(path, "artifacts"))
        and not fs.exists(os.path.join(path, META_FILE))
        and not any(fs.isdir(os.path.join(path, folder)) for folder in RUN_FOLDERS)
    )
