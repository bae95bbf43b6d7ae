"""Benchmark the W&B adapter against the floor (reading the files' bytes) and wandb's own log reader.

    python benchmarks/bench_wandb.py --runs 200 --writer /tmp/venv-wandb/bin/python \
        [--reader /tmp/venv-wandb-reader/bin/python]

The corpus is written once by the real wandb (`--writer`: the python of a separate venv with
`pip install wandb`), offline, one process logging N runs one after another: the params and
metric values of ../shared/bench/make_corpus.py (10 params, 5 metrics x 100 steps). `--reader`
(a venv with wandb==0.28.2, the last release shipping `wandb.sdk.internal.datastore`) times
what `wandb sync` did to read a log: scan the chunks and parse every record with wandb's own
protobuf classes, without building any table. Times are medians of --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "bench"

WRITE = """
import os, sys
sys.path.insert(0, {bench!r})
import wandb
from make_corpus import run_metrics, run_params
for i in range({runs}):
    params = run_params(i)
    metrics = run_metrics(i, params, 5, 100)
    run = wandb.init(project="bench", id=f"r{{i:07d}}", config=params, mode="offline", dir={out!r})
    for k in range(100):
        run.log({{name: points[k][1] for name, points in metrics.items()}}, step=k * 10)
    run.finish()
"""

PEER = """
import glob, json, sys, time
from wandb.proto import wandb_internal_pb2 as pb
from wandb.sdk.internal import datastore
logs = sorted(glob.glob({pattern!r}))
start = time.perf_counter()
records = 0
for path in logs:
    store = datastore.DataStore()
    store.open_for_scan(path)
    while (data := store.scan_data()) is not None:
        pb.Record().ParseFromString(data)
        records += 1
print(json.dumps({{"seconds": time.perf_counter() - start, "logs": len(logs), "records": records}}))
"""


def write_corpus(python: str, runs: int, out: Path) -> None:
    """Write the corpus with the real wandb once (reused across benchmark runs)."""
    if (out / "DONE").exists():
        return
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "WANDB_SILENT": "true", "WANDB_CONSOLE": "off", "WANDB_DISABLE_GIT": "true"}
    script = textwrap.dedent(WRITE).format(bench=str(BENCH), runs=runs, out=str(out))
    subprocess.run([python, "-c", script], check=True, env=env, cwd=out)
    (out / "DONE").write_text("")


def read_bytes(out: Path) -> float:
    """Time reading every byte of every file of the corpus (the floor)."""
    start = time.perf_counter()
    for folder, _, files in os.walk(out):
        for name in files:
            with open(os.path.join(folder, name), "rb") as handle:
                handle.read()
    return time.perf_counter() - start


def read_with_adapter(out: Path) -> tuple[float, int, int]:
    """Time finding and reading every run with the wandb adapter (no store); return (s, runs, points)."""
    from resultsbook.sources.collect import CollectRequest, find_sources, read_source

    start = time.perf_counter()
    runs = points = 0
    for source, adapter in find_sources(CollectRequest(str(out))):
        for run in read_source(adapter, source).runs:
            runs += 1
            points += sum(len(series) for series in run.metrics.values())
    return time.perf_counter() - start, runs, points


def collect_into_store(out: Path) -> float:
    """Time a cold `collect` of the corpus into a new store."""
    from resultsbook.sources.collect import CollectRequest, collect
    from resultsbook.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(os.path.join(tmp, "resultsbook.db"))
        start = time.perf_counter()
        collect(store, [CollectRequest(str(out))])
        elapsed = time.perf_counter() - start
        store.close()
    return elapsed


def main() -> None:
    """Write the corpus if needed, time each reader, print one JSON line and a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--writer", required=True, help="python of a venv with wandb installed")
    parser.add_argument("--reader", help="python of a venv with wandb==0.28.2 (optional peer)")
    parser.add_argument("--out", type=Path, default=None, help="corpus folder [/tmp/resultsbook-bench/…]")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    out = args.out or Path(tempfile.gettempdir()) / "resultsbook-bench" / f"wandb_{args.runs}"
    write_corpus(args.writer, args.runs, out)
    read_bytes(out)  # warm the page cache: every figure below reads from memory
    floor = statistics.median(read_bytes(out) for _ in range(args.repeat))
    adapter_runs = [read_with_adapter(out) for _ in range(args.repeat)]
    adapter = statistics.median(t for t, _, _ in adapter_runs)
    store = statistics.median(collect_into_store(out) for _ in range(args.repeat))
    size = sum(p.stat().st_size for p in out.rglob("*.wandb"))
    result = {
        "runs": adapter_runs[0][1],
        "points": adapter_runs[0][2],
        "log_bytes": size,
        "read_bytes_s": floor,
        "adapter_read_s": adapter,
        "collect_s": store,
    }
    if args.reader:
        script = textwrap.dedent(PEER).format(pattern=str(out / "wandb" / "*" / "*.wandb"))
        peer = [
            json.loads(
                subprocess.run([args.reader, "-c", script], check=True, capture_output=True, text=True).stdout
            )
            for _ in range(args.repeat)
        ]
        result["wandb_datastore_parse_s"] = statistics.median(p["seconds"] for p in peer)
    print(json.dumps(result))
    print()
    print(
        "| reading {runs} W&B offline runs ({points} points, {mb:.1f} MB of .wandb) | s |".format(
            runs=result["runs"], points=result["points"], mb=size / 1e6
        )
    )
    print("|---|---:|")
    print(f"| read every file's bytes (floor) | {floor:.3f} |")
    if "wandb_datastore_parse_s" in result:
        print(
            f"| wandb 0.28.2 datastore scan + protobuf parse, no tables | {result['wandb_datastore_parse_s']:.3f} |"
        )
    print(f"| resultsbook wandb adapter: find + read every run | {adapter:.3f} |")
    print(f"| resultsbook collect into a new store | {store:.3f} |")


if __name__ == "__main__":
    sys.exit(main())
