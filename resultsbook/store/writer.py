"""Write collected runs into the store in batches, inside the caller's (short) transaction."""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from resultsbook.models import Problem, RunRecord, Source
from resultsbook.store.codec import encode_floats, encode_steps
from resultsbook.voice import without_given_store

_FLUSH_ROWS = 5000
_JSON = json.JSONEncoder(sort_keys=True, default=str)  # json.dumps(sort_keys=True, default=str), made once
_LOOKUP_CHUNK = 500  # values bound in one `IN (...)` lookup (SQLite allows at least 999)

Blobs = Mapping[str, tuple[bytes, bytes, "bytes | None"]]


@dataclass(frozen=True)
class EncodedRun:
    """What a store keeps of a run beyond its fields, computed where the run is read (a worker
    process in a big collect), so the writer only writes."""

    blobs: Blobs  # each non-empty series: steps, values, times
    digest: str  # of everything stored about the run
    metrics: tuple[tuple[Any, ...], ...]  # per key: key, n, first/last step, last, min, max, mean, final
    provenance: str  # as JSON
    params: tuple[tuple[str, Any, str], ...]  # per param: key, stored value, type name
    git: tuple[str | None, int | None]  # commit, dirty


def encode_run(record: RunRecord, adapter: str) -> EncodedRun:
    """Return a run's blobs, digest, metric summaries, provenance and param cells as the store writes
    them."""
    blobs = encode_series(record)
    summaries = _summaries(record.metrics)
    empty = _summarize(None)
    metrics = tuple(
        (key, *summaries.get(key, empty), _finite_or_none(record.summary.get(key)))
        for key in sorted(set(record.metrics) | set(record.summary))
    )
    provenance = _JSON.encode(dict(record.provenance))
    params = tuple((key, *_param_cell(value)) for key, value in record.params.items())
    return EncodedRun(
        blobs, run_digest(record, adapter, blobs), metrics, provenance, params, git_facts(record.provenance)
    )


class StoreWriter:
    """Upsert sources and their runs; reports which runs were new, updated or unchanged."""

    def __init__(self, conn: sqlite3.Connection, relative: Callable[[str], str]) -> None:
        self.conn = conn
        self.relative = relative
        self._params: list[tuple[Any, ...]] = []
        self._metrics: list[tuple[Any, ...]] = []
        self._series: list[tuple[Any, ...]] = []
        self._runs: list[list[Any]] = []  # new runs, inserted with the rest at a flush
        self._run_ids: set[str] = set()  # their public ids
        self._sources: list[tuple[Any, ...]] = []  # new sources, inserted first at a flush
        self._new_paths: set[str] = set()  # expected paths no source holds: inserted without a query
        self._free_ids: set[str] = set()  # expected run ids no run holds
        self._next_run = (conn.execute("SELECT coalesce(max(id), 0) FROM runs").fetchone()[0]) + 1
        # the caller's write transaction holds the lock: sources from this id on are inserted by it
        self._first_new_source = conn.execute("SELECT coalesce(max(id), 0) FROM sources").fetchone()[0] + 1
        self._next_source = self._first_new_source

    def expect(self, sources: Iterable[tuple[str, Sequence[str]]]) -> None:
        """Look up at once which of the sources about to be written (stored path, run keys) the store
        holds and which of their run ids are free: one query per batch, not two per source."""
        paths: list[str] = []
        identities: list[str] = []
        for path, keys in sources:
            paths.append(path)
            identities += [run_identity(path, key) for key in keys]
        stored = set(self._lookup("SELECT path FROM sources WHERE path IN", paths))
        taken = set(self._lookup("SELECT run_id FROM runs WHERE run_id IN", identities))
        self._new_paths.update(path for path in paths if path not in stored)
        self._free_ids.update(identity for identity in identities if identity not in taken)

    def write_source(
        self,
        source: Source,
        signature: str,
        runs: Iterable[RunRecord],
        problems: Iterable[Problem],
        moved_from: str | None = None,
        prepared: Sequence[EncodedRun] | None = None,
        stored_path: str | None = None,
        keep_stored: bool = False,
    ) -> dict[str, int]:
        """Store one source's runs and problems; return counts of new/updated/unchanged/missing runs.

        `moved_from` names the stored path of the same source before it (or the store) was moved:
        its runs keep their ids. `prepared` holds `encode_run` of each run when done already;
        `stored_path` how the store names the source, when the caller knows it already. With
        `keep_stored`, a stored source keeps its runs and signature, and only its problems are new."""
        path = stored_path if stored_path is not None else self.relative(source.path)
        if moved_from is not None:
            self._new_paths.discard(path)
            self._move_source(moved_from, path)
        source_id = self._upsert_source(path, source.adapter, signature, keep_stored)
        existing = {}
        if source_id < self._first_new_source:  # a source inserted now has no runs nor problems yet
            existing = {
                key: (run, digest, present, run_id)
                for run, key, digest, present, run_id in self.conn.execute(
                    "SELECT id, run_key, digest, present, run_id FROM runs WHERE source_id = ?", [source_id]
                )
            }
            self.conn.execute("DELETE FROM problems WHERE source_id = ?", [source_id])
        counts = {"new": 0, "updated": 0, "unchanged": 0, "missing": 0}
        if keep_stored and existing:
            counts["unchanged"] = sum(1 for _, _, present, _ in existing.values() if present)
            runs, prepared = (), ()
            existing = {}
        seen: set[str] = set()
        runs = list(runs)
        if prepared is None:
            prepared = [encode_run(record, source.adapter) for record in runs]
        for record, encoded in zip(runs, prepared):
            seen.add(record.key)
            before = existing.get(record.key)
            if before is not None and before[1] == encoded.digest and before[2]:
                counts["unchanged"] += 1
                continue
            if before is not None:
                self._delete_run_rows(before[0])
                counts["updated"] += 1
                old, run_id = before[0], before[3]
                self._write_run(old, run_id, source_id, source.adapter, record, encoded, replace=True)
            else:
                counts["new"] += 1
                run_id = self._free_identity(path, record.key)
                self._write_run(self._new_run_id(), run_id, source_id, source.adapter, record, encoded)
        gone = [run for key, (run, _, present, _) in existing.items() if key not in seen and present]
        counts["missing"] += self._mark_runs_missing(gone)
        rows = [
            (source_id, self.relative(p.path), without_given_store(p.message), without_given_store(p.kept))
            for p in problems
        ]
        if rows:
            self.conn.executemany(
                "INSERT INTO problems (source_id, path, message, kept) VALUES (?, ?, ?, ?)", rows
            )
        self._flush_if_full()
        return counts

    def mark_sources_missing(self, paths: Iterable[str]) -> int:
        """Mark stored sources (and their runs) whose files are gone; return how many runs that hid."""
        self.flush()
        hidden = 0
        for path in paths:
            row = self.conn.execute(
                "SELECT id FROM sources WHERE path = ? AND present = 1", [path]
            ).fetchone()
            if row is None:
                continue
            self.conn.execute("UPDATE sources SET present = 0 WHERE id = ?", [row[0]])
            self.conn.execute("DELETE FROM problems WHERE source_id = ?", [row[0]])  # of files gone
            runs = [
                r
                for (r,) in self.conn.execute(
                    "SELECT id FROM runs WHERE source_id = ? AND present = 1", [row[0]]
                )
            ]
            hidden += self._mark_runs_missing(runs)
        return hidden

    def forget_sources(self, paths: Iterable[str]) -> int:
        """Delete stored sources with their runs and problems, as if never collected; return how many
        runs that deleted."""
        self.flush()
        forgotten = 0
        for path in paths:
            row = self.conn.execute("SELECT id FROM sources WHERE path = ?", [path]).fetchone()
            if row is None:
                continue
            runs = [(run,) for (run,) in self.conn.execute("SELECT id FROM runs WHERE source_id = ?", row)]
            for table in ("params", "metrics", "series"):
                self.conn.executemany(f"DELETE FROM {table} WHERE run = ?", runs)
            self.conn.execute("DELETE FROM runs WHERE source_id = ?", row)
            self.conn.execute("DELETE FROM problems WHERE source_id = ?", row)
            self.conn.execute("DELETE FROM sources WHERE id = ?", row)
            forgotten += len(runs)
        return forgotten

    def flush(self) -> None:
        """Write the batched rows."""
        self._flush_sources()
        if self._runs:
            self.conn.executemany(f"INSERT INTO runs {_RUN_COLUMNS}", self._runs)
        if self._params:
            self.conn.executemany(
                "INSERT INTO params (run, key, value, type) VALUES (?, ?, ?, ?)", self._params
            )
        if self._metrics:
            self.conn.executemany(
                "INSERT INTO metrics (run, key, n, first_step, last_step, last, min, max, mean, summary) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self._metrics,
            )
        if self._series:
            self.conn.executemany(
                'INSERT INTO series (run, key, steps, "values", times) VALUES (?, ?, ?, ?, ?)', self._series
            )
        self._runs, self._params, self._metrics, self._series = [], [], [], []
        self._run_ids.clear()

    # ----------------------------------------------------------------- internals
    def _lookup(self, query: str, values: Sequence[str]) -> list[Any]:
        """Return the first column of `query (?, ?, ...)` over `values`, a chunk at a time."""
        found: list[Any] = []
        for start in range(0, len(values), _LOOKUP_CHUNK):
            chunk = values[start : start + _LOOKUP_CHUNK]
            marks = ", ".join("?" * len(chunk))
            found += [row[0] for row in self.conn.execute(f"{query} ({marks})", chunk)]
        return found

    def _flush_sources(self) -> None:
        if self._sources:
            self.conn.executemany(
                "INSERT INTO sources (id, path, adapter, signature) VALUES (?, ?, ?, ?)", self._sources
            )
            self._sources = []

    def _move_source(self, old: str, new: str) -> None:
        """Give a stored source its new path, unless a source is stored there already."""
        taken = self.conn.execute("SELECT 1 FROM sources WHERE path = ?", [new]).fetchone()
        if taken is None:
            self.conn.execute("UPDATE sources SET path = ? WHERE path = ?", [new, old])

    def _free_identity(self, path: str, key: str) -> str:
        """Return the public id of a new run; a moved run may already hold the usual one."""
        identity = run_identity(path, key)
        if identity in self._free_ids and identity not in self._run_ids:
            self._free_ids.discard(identity)
            self._run_ids.add(identity)
            return identity
        attempt = 0
        while (
            identity in self._run_ids
            or self.conn.execute("SELECT 1 FROM runs WHERE run_id = ?", [identity]).fetchone()
        ):
            attempt += 1
            identity = run_identity(path, f"{key}\0{attempt}")
        self._run_ids.add(identity)
        return identity

    def _upsert_source(self, path: str, adapter: str, signature: str, keep_signature: bool = False) -> int:
        if path in self._new_paths:  # looked up by `expect`: its id is the next one
            self._new_paths.discard(path)
            source_id = self._next_source
            self._next_source += 1
            self._sources.append((source_id, path, adapter, signature))
            return source_id
        self._flush_sources()  # SQLite gives an inserted source the id after the largest stored
        row = self.conn.execute(
            "INSERT INTO sources (path, adapter, signature) VALUES (?, ?, ?) ON CONFLICT (path) DO UPDATE "
            "SET adapter = excluded.adapter, present = 1, "
            "signature = CASE WHEN ? THEN signature ELSE excluded.signature END RETURNING id",
            [path, adapter, signature, keep_signature],
        ).fetchone()
        self._next_source = max(self._next_source, int(row[0]) + 1)
        return int(row[0])

    def _new_run_id(self) -> int:
        run = self._next_run
        self._next_run += 1
        return run

    def _mark_runs_missing(self, runs: list[int]) -> int:
        if not runs:
            return 0
        self.conn.executemany("UPDATE runs SET present = 0 WHERE id = ?", [(run,) for run in runs])
        return len(runs)

    def _delete_run_rows(self, run: int) -> None:
        self.flush()
        for table in ("params", "metrics", "series"):
            self.conn.execute(f"DELETE FROM {table} WHERE run = ?", [run])

    def _write_run(
        self,
        run: int,
        run_id: str,
        source_id: int,
        adapter: str,
        record: RunRecord,
        encoded: EncodedRun,
        replace: bool = False,
    ) -> None:
        commit, dirty = encoded.git
        values = [
            run,
            run_id,
            source_id,
            record.key,
            adapter,
            record.name,
            record.experiment,
            record.status,
            record.start_time,
            record.end_time,
            commit,
            dirty,
            encoded.provenance,
            encoded.digest,
        ]
        if replace:
            self.conn.execute(f"REPLACE INTO runs {_RUN_COLUMNS}", values)
        else:
            self._runs.append(values)
        self._params += [(run, *cell) for cell in encoded.params]
        blobs = encoded.blobs
        for key, *cells in encoded.metrics:
            self._metrics.append((run, key, *cells))
            if key in blobs:
                self._series.append((run, key, *blobs[key]))

    def _flush_if_full(self) -> None:
        if len(self._runs) + len(self._params) + len(self._metrics) + len(self._series) >= _FLUSH_ROWS:
            self.flush()


_RUN_COLUMNS = (
    "(id, run_id, source_id, run_key, adapter, name, experiment, status, start_time, end_time, "
    "git_commit, git_dirty, provenance, digest, present) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"
)


def run_identity(source_path: str, key: str) -> str:
    """Return the stable public id of a run: a digest of its source path and key."""
    return hashlib.sha1(f"{source_path}\0{key}".encode()).hexdigest()[:12]


def encode_series(record: RunRecord) -> dict[str, tuple[bytes, bytes, bytes | None]]:
    """Return each non-empty series as stored blobs (steps, values, times), each encoded once."""
    blobs: dict[str, tuple[bytes, bytes, bytes | None]] = {}
    steps_of: dict[int, bytes] = {}  # metrics logged together share one steps array: encode it once
    for key, series in record.metrics.items():
        if not len(series):
            continue
        steps = steps_of.get(id(series.steps))
        if steps is None:
            steps = steps_of[id(series.steps)] = encode_steps(series.steps)
        times = None if series.times is None else encode_floats(series.times)
        blobs[key] = (steps, encode_floats(series.values), times)
    return blobs


def run_digest(
    record: RunRecord, adapter: str, blobs: Mapping[str, tuple[bytes, bytes, bytes | None]]
) -> str:
    """Return a digest of everything stored about a run, to tell updated runs from unchanged ones."""
    digest = hashlib.sha1()
    head = [
        adapter,
        record.name,
        record.experiment,
        record.status,
        record.start_time,
        record.end_time,
        sorted(record.params.items()),
        sorted(record.summary.items()),
        record.provenance,
    ]
    digest.update(_JSON.encode(head).encode())
    for key in sorted(blobs):
        digest.update(key.encode())
        for blob in blobs[key]:
            if blob is not None:
                digest.update(blob)
    return digest.hexdigest()


def git_facts(provenance: Mapping[str, Any]) -> tuple[str | None, int | None]:
    """Return (commit, dirty) from provenance written as {"git": {...}} or flat git_* keys."""
    git = provenance.get("git")
    if isinstance(git, Mapping):
        commit, dirty = git.get("commit"), git.get("dirty")
    else:
        commit, dirty = provenance.get("git_commit"), provenance.get("git_dirty")
    return (str(commit) if commit else None, None if dirty is None else int(bool(dirty)))


def _param_cell(value: Any) -> tuple[Any, str]:
    """Return (stored value, type name) of a param value."""
    if value is None:
        return None, "null"
    if isinstance(value, bool):
        return int(value), "bool"
    if isinstance(value, int):
        return value, "int"
    if isinstance(value, float):
        return (value if math.isfinite(value) else repr(value)), "float"
    if isinstance(value, str):
        return value, "str"
    return _JSON.encode(value), "json"


def _summaries(metrics: Mapping[str, Any]) -> dict[str, tuple[Any, ...]]:
    """Return `_summarize` of each series; series of one length, float64 values and no NaN are
    reduced together (numpy sums each row as it sums one series alone: the same bits)."""
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf, or a sum past 1e308: said, not warned
        return _reduced(metrics)


def _reduced(metrics: Mapping[str, Any]) -> dict[str, tuple[Any, ...]]:
    """`_summaries`, numpy's warnings aside."""
    by_length: dict[int, list[str]] = {}
    for key, series in metrics.items():
        values = series.values
        if values.dtype == np.float64 and values.flags.c_contiguous and len(values):
            by_length.setdefault(len(values), []).append(key)
    summaries: dict[str, tuple[Any, ...]] = {}
    for length, keys in by_length.items():
        if len(keys) < 2:
            continue
        stacked = np.array([metrics[key].values for key in keys])
        lowest = stacked.min(axis=1).tolist()
        highest = stacked.max(axis=1).tolist()
        means = (stacked.sum(axis=1) / length).tolist()
        lasts = stacked[:, -1].tolist()
        for key, low, high, mean, last in zip(keys, lowest, highest, means, lasts):
            if low != low:  # a NaN among them (min propagates it): `_summarize` leaves it out
                continue
            steps = metrics[key].steps
            summaries[key] = (
                length,
                float(steps[0]),
                float(steps[-1]),
                _finite_or_none(last),
                low,
                high,
                mean,
            )
    for key, series in metrics.items():
        if key not in summaries:
            summaries[key] = _summarize(series)
    return summaries


def _summarize(series: Any) -> tuple[Any, ...]:
    """Return (n, first_step, last_step, last, min, max, mean) of a series, NaN points ignored."""
    if series is None or not len(series):
        return (0, None, None, None, None, None, None)
    values = series.values
    steps = series.steps
    lowest = values.min()
    if lowest != lowest:  # a NaN among them (min propagates it): summarize the others
        finite = values[~np.isnan(values)]
        stats: tuple[Any, ...] = (None, None, None)
        if len(finite):
            stats = (float(finite.min()), float(finite.max()), float(finite.mean()))
    else:
        stats = (float(lowest), float(values.max()), float(values.sum() / len(values)))
    last = float(values[-1])
    return (len(values), float(steps[0]), float(steps[-1]), _finite_or_none(last), *stats)


def _finite_or_none(value: float | None) -> float | None:
    """SQLite turns NaN into NULL anyway; say so explicitly."""
    if value is None or math.isnan(value):
        return None
    return value
