"""Benchmark collecting one big log: time and peak memory, with logs streamed a chunk at a time.

    python benchmarks/bench_big_logs.py --rows 1000000 --repeat 3
    PYTHONPATH=/path/to/old/checkout python benchmarks/bench_big_logs.py ...   # another version

Writes a CSV log (step + 4 metrics, one row per step) and a native metrics.jsonl (step + 3
metrics) of --rows rows, then collects each in a fresh process (`--adapter csv` for the CSV) and
reports the median time and the peak resident memory of that process. Prints one JSON line and a
Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.store import Store
started = time.perf_counter()
store = Store.open(sys.argv[1])
report = collect(store, [CollectRequest(sys.argv[2], adapter=sys.argv[3] or None)])
store.close()
print(json.dumps({"seconds": time.perf_counter() - started, "new": report.new,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_logs(folder: Path, rows: int) -> dict[str, tuple[Path, str]]:
    """Write the CSV and the JSON Lines log; return {name: (path to collect, adapter)}."""
    generator = random.Random(0)
    (folder / "csv").mkdir()
    with open(folder / "csv" / "log.csv", "w") as handle:
        handle.write("step,loss,acc,lr,grad\n")
        for step in range(rows):
            numbers = ",".join(f"{generator.random():.6f}" for _ in range(4))
            handle.write(f"{step},{numbers}\n")
    (folder / "native" / "run").mkdir(parents=True)
    with open(folder / "native" / "run" / "metrics.jsonl", "w") as handle:
        for step in range(rows):
            values = {"loss": round(generator.random(), 6), "acc": round(generator.random(), 6), "lr": 0.1}
            handle.write(json.dumps({"step": step, **values}) + "\n")
    return {"csv": (folder / "csv", "csv"), "jsonl": (folder / "native", "")}


def collect_once(db: Path, path: Path, adapter: str) -> dict:
    if db.exists():
        db.unlink()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(path), adapter], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        folder = Path(workdir)
        logs = write_logs(folder, args.rows)
        results = {}
        for name, (path, adapter) in logs.items():
            size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
            runs = [collect_once(folder / "store.db", path, adapter) for _ in range(args.repeat)]
            results[name] = {
                "rows": args.rows,
                "mb": round(size / 2**20, 1),
                "seconds": round(statistics.median(r["seconds"] for r in runs), 2),
                "peak_mb": round(max(r["peak_mb"] for r in runs)),
            }
    print(json.dumps({"python": sys.version.split()[0], "pid": os.getpid(), **results}))
    print("| log | rows | size | collect | peak memory |")
    print("|---|---|---|---|---|")
    for name, row in results.items():
        print(f"| {name} | {row['rows']:,} | {row['mb']} MB | {row['seconds']} s | {row['peak_mb']} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
