"""The least a cold collect of the benchmark corpus can cost in resultsbook's design, measured.

    python benchmarks/pipeline_bound.py CORPUS NEW.db [--fewer-rows]

A stripped-down collect of the bench corpus's native runs: two forked readers (list each run folder,
stat its files for a signature, read and orjson-parse config.json and metrics.jsonl, build each
metric's array, its summaries and its blobs) feed one writer that inserts the same rows a cold
collect writes (sources, runs, params, metrics, series) into an empty store of resultsbook's schema,
in short transactions. No validation, no problems, one known layout, no planning beyond a listing:
what is left is the design itself (the parse, the rows, SQLite's one writer, two cores). bench_collect
times it as a whole process beside `resultsbook collect`, so the cold collect's ratio to the parse
floor can be read against this bound's.

`--fewer-rows` measures the bound of another design: each run's params as one JSON text in its run row
and each metric's summaries in its series row (70,000 rows for 10k runs, not 220,000), in a schema of
its own with the same indexes on what remains. Whether that design would move the bound under 2x the
parse floor is what it answers; resultsbook's stores do not have this schema.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import struct
import sys
from itertools import chain
from operator import itemgetter

import numpy as np
import orjson

FEWER_ROWS = """
    CREATE TABLE sources (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, adapter TEXT NOT NULL,
                          signature TEXT NOT NULL, present INTEGER NOT NULL DEFAULT 1);
    CREATE TABLE runs (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL UNIQUE, source_id INTEGER NOT NULL,
                       run_key TEXT NOT NULL, adapter TEXT NOT NULL, name TEXT NOT NULL, experiment TEXT,
                       status TEXT NOT NULL, start_time REAL, end_time REAL, git_commit TEXT, git_dirty INTEGER,
                       provenance TEXT NOT NULL, digest TEXT NOT NULL, present INTEGER NOT NULL, params TEXT);
    CREATE INDEX runs_source ON runs(source_id);
    CREATE TABLE series (run INTEGER NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, first_step REAL,
                         last_step REAL, last REAL, min REAL, max REAL, mean REAL, summary REAL,
                         steps BLOB NOT NULL, "values" BLOB NOT NULL, times BLOB);
    CREATE UNIQUE INDEX series_run_key ON series(run, key);
    CREATE INDEX series_key ON series(key);
"""  # the same tables and indexes, less the params and metrics tables
READERS = 2
CHUNK = 256  # runs per message, as resultsbook's readers send about as many
_SIZE = struct.Struct("<Q")


def read_run(path: str, number: int, folder: str) -> tuple:
    """Return the rows of one native run folder: source, run, params, metric summaries, series."""
    signature = hashlib.sha1()
    for entry in sorted(os.scandir(path), key=lambda entry: entry.name):
        stat = entry.stat()
        signature.update(f"{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    with open(os.path.join(path, "config.json"), "rb") as handle:
        config = orjson.loads(handle.read())
    with open(os.path.join(path, "metrics.jsonl"), "rb") as handle:
        data = handle.read()
    records = orjson.loads(b"[" + data[:-1].replace(b"\n", b",") + b"]")
    keys = list(records[0])
    values = np.fromiter(chain.from_iterable(map(itemgetter(*keys), records)), np.float64)
    matrix = values.reshape(len(records), len(keys)).T.copy()
    steps = matrix[keys.index("step")]
    lowest, highest = matrix.min(axis=1).tolist(), matrix.max(axis=1).tolist()
    means = (matrix.sum(axis=1) / matrix.shape[1]).tolist()
    step_blob = b"R" + struct.pack("<qqq", int(steps[0]), int(steps[1] - steps[0]), len(steps))
    digest = hashlib.sha1(orjson.dumps(config, option=orjson.OPT_SORT_KEYS))
    metrics, series = [], []
    for index, key in enumerate(keys):
        if key == "step":
            continue
        blob = b"d" + matrix[index].tobytes()
        digest.update(blob)
        last = float(matrix[index][-1])
        metrics.append(
            (number, key, len(steps), float(steps[0]), float(steps[-1]), last, lowest[index], highest[index],
             means[index], None)
        )  # fmt: skip
        series.append((number, key, step_blob, blob, None))
    params = [(number, key, value, type(value).__name__) for key, value in config.items()]
    stored = os.path.relpath(path, folder)
    run_id = hashlib.sha1(f"{stored}\0".encode()).hexdigest()[:12]
    run = (number, run_id, number, "", "native", os.path.basename(path), None, "unknown", None, None, None,
           None, "{}", digest.hexdigest(), 1)  # fmt: skip
    return (number, stored, "native", signature.hexdigest(), 1), run, params, metrics, series


def serve(paths: list[str], reader: int, folder: str, pipe: int) -> None:
    """Read this reader's chunks of runs and send each chunk's rows as one message; then exit."""
    with os.fdopen(pipe, "wb") as out:
        for start in range(reader * CHUNK, len(paths), READERS * CHUNK):
            rows = [read_run(paths[i], i + 1, folder) for i in range(start, min(len(paths), start + CHUNK))]
            message = pickle.dumps(rows, pickle.HIGHEST_PROTOCOL)
            out.write(_SIZE.pack(len(message)) + message)
    os._exit(0)


def write(db: sqlite3.Connection, rows: list[tuple]) -> None:
    """Insert one message's rows in one short transaction."""
    db.execute("BEGIN")
    if fewer_rows:
        db.executemany("INSERT INTO sources VALUES (?, ?, ?, ?, ?)", [row[0] for row in rows])
        db.executemany(
            f"INSERT INTO runs VALUES ({', '.join('?' * 16)})",
            [(*row[1], orjson.dumps({key: value for _, key, value, _ in row[2]}).decode()) for row in rows],
        )
        db.executemany(
            f"INSERT INTO series VALUES ({', '.join('?' * 13)})",
            [(*m, *s[2:]) for row in rows for m, s in zip(row[3], row[4])],
        )
        db.execute("COMMIT")
        return
    db.executemany("INSERT INTO sources VALUES (?, ?, ?, ?, ?)", [row[0] for row in rows])
    db.executemany(f"INSERT INTO runs VALUES ({', '.join('?' * 15)})", [row[1] for row in rows])
    db.executemany("INSERT INTO params VALUES (?, ?, ?, ?)", [cell for row in rows for cell in row[2]])
    db.executemany(f"INSERT INTO metrics VALUES ({', '.join('?' * 10)})", [m for row in rows for m in row[3]])
    db.executemany("INSERT INTO series VALUES (?, ?, ?, ?, ?)", [s for row in rows for s in row[4]])
    db.execute("COMMIT")


fewer_rows = "--fewer-rows" in sys.argv


def main() -> None:
    corpus, db_path = sys.argv[1], os.path.abspath(sys.argv[2])
    if fewer_rows:
        with sqlite3.connect(db_path) as made:
            made.executescript(FEWER_ROWS)
    else:
        from resultsbook.store import Store  # resultsbook's schema, as a collect creates it

        Store.open(db_path).close()
    paths = sorted(entry.path for entry in os.scandir(corpus) if entry.is_dir())
    pipes = []
    for reader in range(READERS):
        read_end, write_end = os.pipe()
        if os.fork() == 0:
            os.close(read_end)
            serve(paths, reader, os.path.dirname(db_path), write_end)
        os.close(write_end)
        pipes.append(os.fdopen(read_end, "rb"))
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    open_pipes = list(pipes)
    while open_pipes:
        for pipe in list(open_pipes):
            head = pipe.read(_SIZE.size)
            if not head:
                open_pipes.remove(pipe)
                continue
            write(db, pickle.loads(pipe.read(_SIZE.unpack(head)[0])))
    for _ in range(READERS):
        os.wait()
    db.close()


if __name__ == "__main__":
    main()
