"""What the run logger costs a training script: per logged point, per run start, per data fingerprint.

    python benchmarks/bench_logger.py            # 100,000 points, best of 5 repeats

Compares `run.log(step, loss=..., acc=...)` with the floor (the same loop doing nothing) and with
a naive logger (json.dumps + write per line, no buffering), and times a run's start (git,
packages, host: what provenance costs once) and fingerprinting a 64 MB file, first and cached.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

import resultsbook
from resultsbook.runlog.fingerprint import fingerprint_path


def time_loop(points: int) -> float:
    """The floor: the loop and the values, no logging."""
    started = time.perf_counter()
    for step in range(points):
        loss, acc = 1.0 / (step + 1), step / points  # noqa: F841
    return time.perf_counter() - started


def time_logger(points: int, folder: str) -> float:
    """run.log of two metrics per point, the flushes and the close included."""
    run = resultsbook.Run(folder, config={"seed": 0}, code_dir=folder)
    started = time.perf_counter()
    for step in range(points):
        run.log(step, loss=1.0 / (step + 1), acc=step / points)
    run.close()
    return time.perf_counter() - started


def time_naive(points: int, folder: str) -> float:
    """A line-buffered json.dumps + write per point, as many scripts do by hand."""
    started = time.perf_counter()
    with open(os.path.join(folder, "naive.jsonl"), "w", buffering=1) as handle:
        for step in range(points):
            record = {"step": step, "time": time.time(), "loss": 1.0 / (step + 1), "acc": step / points}
            handle.write(json.dumps(record) + "\n")
    return time.perf_counter() - started


def time_start(folder: str) -> float:
    """Starting and closing an empty run in this repository (git, packages, host, GPUs)."""
    started = time.perf_counter()
    resultsbook.Run(folder, config={"seed": 0}).close()
    return time.perf_counter() - started


def time_fingerprint(folder: str, megabytes: int) -> tuple[float, float]:
    """Fingerprint a file the first time, then again (served from the size/mtime cache)."""
    path = os.path.join(folder, "data.bin")
    with open(path, "wb") as handle:
        for _ in range(megabytes):
            handle.write(os.urandom(1 << 20))
    old = time.time_ns() - 10 * 10**9
    os.utime(path, ns=(old, old))  # not "racy": cacheable
    started = time.perf_counter()
    fingerprint_path(path)
    first = time.perf_counter() - started
    started = time.perf_counter()
    fingerprint_path(path)
    return first, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--megabytes", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["RESULTSBOOK_CACHE_DIR"] = os.path.join(folder, "cache")
        # the best of the repeats: on a shared machine the slower ones measure the neighbours
        floor = min(time_loop(args.points) for _ in range(args.repeats))
        logged = min(time_logger(args.points, folder) for _ in range(args.repeats))
        naive = min(time_naive(args.points, folder) for _ in range(args.repeats))
        start = statistics.median(time_start(os.path.join(folder, "runs")) for _ in range(args.repeats))
        first, cached = time_fingerprint(folder, args.megabytes)
    per_point = (logged - floor) / args.points * 1e6
    print(f"{args.points:,} points, 2 metrics each, best of {args.repeats}:")
    print(f"  run.log overhead     {logged - floor:6.3f} s  ({per_point:.1f} µs per point)")
    naive_per_point = (naive - floor) / args.points * 1e6
    print(f"  naive json + write   {naive - floor:6.3f} s  ({naive_per_point:.1f} µs per point)")
    print(f"  loop alone (floor)   {floor:6.3f} s")
    print(f"run start + close      {start * 1000:6.1f} ms  (median; git, command, packages, host, GPUs)")
    print(f"fingerprint {args.megabytes} MB     {first:6.3f} s first, {cached * 1000:.1f} ms cached")


if __name__ == "__main__":
    main()
