"""How far a cold collect can go in this design: the same `resultsbook collect` with parts taken out.

    python benchmarks/collect_floor.py CORPUS NEW.db full         # readers as they are, nothing written
    python benchmarks/collect_floor.py CORPUS NEW.db parse-only   # readers only read and orjson-parse
    python benchmarks/collect_floor.py CORPUS NEW.db minimal      # readers do the least a reader must

`full` skips the store writes of the collected runs (Store.write of `_read_and_write`'s batches);
`parse-only` also makes each reader process only read a run's files and parse them with orjson,
sending nothing back. `minimal` makes each reader do the least any reader of this corpus must (a
hand-written path for exactly its shape, no checks: parse, one float array per run, each metric's
summary, blobs and a digest), sending nothing back: what a rewritten Python reader could reach. Compare with a real `resultsbook collect CORPUS --db NEW.db -q` and with the
orjson floor of bench_collect.py. Prints the wall time and the CPU of this process and its readers.
The command ends with "no run was added" (nothing was written): that is expected.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time

START = time.perf_counter()

import orjson  # noqa: E402

import resultsbook.sources.collect as collect_module  # noqa: E402
from resultsbook.models import ReadResult  # noqa: E402
from resultsbook.store import Store  # noqa: E402

_write = Store.write


def _write_all_but_runs(self: Store, work):  # type: ignore[no-untyped-def]
    """Write what a collect writes, except the batches of runs read."""
    if getattr(work, "__qualname__", "").startswith("_read_and_write"):
        return []
    return _write(self, work)


def _parse_only(planned):  # type: ignore[no-untyped-def]
    """Read a run's files and parse them as the floor does (a JSON Lines file in one call)."""
    for path in planned.source.files:
        with open(path, "rb") as handle:
            data = handle.read()
        if path.endswith(".jsonl"):
            orjson.loads(b"[" + data.rstrip(b"\n").replace(b"\n", b",") + b"]")
        else:
            orjson.loads(data)
    return ReadResult((), ()), (), True


def _minimal(planned):  # type: ignore[no-untyped-def]
    """Read a run as the least a reader must: config, metrics as one float array, summaries, blobs."""
    import hashlib

    import numpy as np

    for path in planned.source.files:
        with open(path, "rb") as handle:
            data = handle.read()
        if not path.endswith(".jsonl"):
            orjson.loads(data)
            continue
        records = orjson.loads(b"[" + data.rstrip(b"\n").replace(b"\n", b",") + b"]")
        values = np.array([list(record.values()) for record in records], dtype=np.float64).T.copy()
        summaries = (values.min(axis=1).tolist(), values.max(axis=1).tolist(), values.sum(axis=1).tolist())
        digest = hashlib.sha1(repr(summaries).encode())
        for row in values:
            digest.update(row.tobytes())
    return ReadResult((), ()), (), True


def main() -> None:
    corpus, db, mode = sys.argv[1:4]
    Store.write = _write_all_but_runs  # type: ignore[method-assign]
    if mode == "parse-only":
        collect_module._read_planned_encoded = _parse_only  # type: ignore[assignment]
    if mode == "minimal":
        collect_module._read_planned_encoded = _minimal  # type: ignore[assignment]
    from resultsbook.cli import main as cli

    sys.argv = ["resultsbook", "collect", corpus, "--db", db, "-q"]
    with contextlib.suppress(SystemExit):  # "no run was added": nothing was written, as intended
        cli()
    used = os.times()
    print(
        f"{mode}: wall {time.perf_counter() - START:.3f} s, CPU here {used.user + used.system:.3f} s, "
        f"readers {used.children_user + used.children_system:.3f} s"
    )


if __name__ == "__main__":
    main()
