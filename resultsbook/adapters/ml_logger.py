"""ML-Logger run folders (geyang's `ml_logger`): metrics.pkl, a pickle of each logged row appended
one after another, and parameters.pkl, a pickle of each `log_params` call. Both are read without
unpickling (`sources/pickled.py`): only plain values and numpy's scalars are taken."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.adapters.native_files import series_of_records
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.params import flatten_params
from resultsbook.sources import fs
from resultsbook.sources.fileio import read_file_bytes, unreadable
from resultsbook.sources.limits import CONFIG, DOCUMENT, Limit
from resultsbook.sources.pickled import NotPlain, Truncated, iter_pickled

METRICS_FILE = "metrics.pkl"
PARAMETERS_FILE = "parameters.pkl"
_TIMESTAMP = "__timestamp"  # the wall time ML-Logger adds to each row, a numpy datetime64


class MlLoggerAdapter(Adapter):
    """Read ML-Logger run folders."""

    name = "ml_logger"
    summary = "ML-Logger run folders (metrics.pkl, parameters.pkl), read without unpickling"
    priority = 35
    claims_by_listing = True

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a folder holding metrics.pkl, with parameters.pkl when it is there."""
        if METRICS_FILE not in folder.files:
            return None
        names = [name for name in (METRICS_FILE, PARAMETERS_FILE) if name in folder.files]
        return Claim((self.source(folder.path, [folder.file(name) for name in names]),))

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read the run folder of a metrics.pkl that a path pattern matched."""
        if os.path.basename(path) != METRICS_FILE:
            return None
        names = fs.files_beside(path)  # the pattern walk's listing of the folder, when it is walking it
        return self.claim(Folder(os.path.dirname(path), frozenset(names), ()), forced=True).sources[0]  # type: ignore[union-attr]

    def read(self, source: Source) -> ReadResult:
        """Read one run folder: each row's `step` steps its values, `__timestamp` is its time."""
        problems: list[Problem] = []
        files = {os.path.basename(path): path for path in source.files}
        metrics_path = files.get(METRICS_FILE, os.path.join(source.path, METRICS_FILE))
        rows = _pickled_dicts(metrics_path, DOCUMENT, problems, "no metrics")
        records = []
        for row in rows:
            if row:  # ML-Logger appends an empty row when a flush finds nothing logged
                record = {str(key): value for key, value in row.items()}
                if _TIMESTAMP in record:
                    record["time"] = record.pop(_TIMESTAMP)
                records.append(record)
        if not records and not problems:
            problems.append(Problem(metrics_path, "holds no logged row", "no metrics"))
        params: dict[str, Any] = {}
        if PARAMETERS_FILE in files:
            for logged in _pickled_dicts(files[PARAMETERS_FILE], CONFIG, problems, "no params"):
                params.update(flatten_params(logged))
        if not records and not params:  # another program's metrics.pkl (a pickled DataFrame): no run
            unread = [replace(p, kept="no run") if p.path == metrics_path else p for p in problems]
            return ReadResult((), tuple(unread))
        times = [record["time"] for record in records if isinstance(record.get("time"), float)]
        run = RunRecord(
            name=os.path.basename(os.path.abspath(source.path)),
            params=params,
            metrics=series_of_records(metrics_path, records, problems) if records else {},
            start_time=min(times) if times else None,
        )
        return ReadResult((run,), tuple(problems))


def _pickled_dicts(path: str, limit: Limit, problems: list[Problem], kept: str) -> list[dict[Any, Any]]:
    """Return the dicts pickled one after another in a file; none (reported) when it cannot be read.
    A pickle that is not a dict of plain values is left out and reported once, with the others kept."""
    try:
        data = read_file_bytes(path, limit)
    except OSError as error:
        problems.append(unreadable(path, error, kept))
        return []
    found: list[dict[Any, Any]] = []
    refused: list[str] = []
    try:
        for value in iter_pickled(data):
            if isinstance(value, dict):
                found.append(value)
            else:
                refused.append(str(value) if isinstance(value, NotPlain) else f"a {type(value).__name__}")
    except Truncated:  # a run killed while ML-Logger appended a row
        problems.append(Problem(path, "ends in a pickle cut off while it was written", "the ones before it"))
    except ValueError as why:  # bytes that are no pickle: what came before is kept
        what = "goes on with bytes that are no pickle" if found or refused else "is not a file of pickles"
        problems.append(Problem(path, f"{what} ({why})", "the ones before it" if found else kept))
    if refused:
        what = f"{len(refused)} pickle(s) hold no dict of plain values ({refused[0]})"
        problems.append(Problem(path, what, "the others" if found else kept))
    return found
