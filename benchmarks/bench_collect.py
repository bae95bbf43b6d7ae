"""Benchmark collect and build against the floors: reading the same files, and a bare stat walk.

    python benchmarks/bench_collect.py --runs 10000            # the issue's default workload
    python benchmarks/bench_collect.py --runs 1000 --runs 10000 --runs 100000

The corpus is written by ../shared/bench/make_corpus.py (the same generator the peer figures use):
N native runs, 10 params, 5 metrics x 100 steps. Each resultsbook measurement runs in a fresh
process (so its peak memory is its own); times are medians of --repeat runs. Prints one JSON line
per corpus size and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKE_CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"

SPEC = """
[[sources]]
path = "{corpus}"

[defaults]
rows = ["model"]
columns = ["dataset"]
replicate = ["seed"]
run_specific = ["lr", "batch_size", "optimizer", "weight_decay", "dropout"]
outputs = []
"""
TABLES = [
    ("final_acc", 'metric = "val_acc"\nreduce = "last"'),
    ("best_acc", 'metric = "val_acc"\nreduce = "max"'),
    ("mean_loss", 'metric = "train_loss"\nreduce = "mean"'),
    ("last10", 'metric = "val_acc"\nreduce = "last(10)"'),
    ("early_stop", 'metric = "val_acc"\nreduce = "best(val_loss, min)"'),
    ("at_step", 'metric = "val_acc"\nreduce = "at(500)"'),
    (
        "by_lr",
        'metric = "val_acc"\nrows = ["model", "lr"]\nrun_specific = ["batch_size", "optimizer", "weight_decay", "dropout"]',
    ),
    ("skip", 'metric = "val_loss"\nreduce = "min"\nskip_first = 10'),
    ("two_metrics", 'metrics = ["val_acc", "val_loss"]\nspread = "sem"'),
    ("ci", 'metric = "grad_norm"\nspread = "ci95"\nstats = ["median", "iqm"]'),
]


def make_corpus(runs: int, folder: Path) -> None:
    """Write the corpus once (reused across benchmark runs)."""
    if (folder / "DONE").exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run(
        [sys.executable, str(MAKE_CORPUS), "--runs", str(runs), "--format", "jsonl", "--out", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (folder / "DONE").write_text("")


def stat_walk(folder: Path) -> float:
    """Time a bare recursive scandir + stat of every file (the floor of an unchanged re-collect)."""
    start = time.perf_counter()
    stack = [str(folder)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir():
                    stack.append(entry.path)
                else:
                    entry.stat()
    return time.perf_counter() - start


def read_and_parse(folder: Path) -> tuple[float, int]:
    """Time reading every file's bytes and parsing its JSON line by line; return (seconds, bytes)."""
    start = time.perf_counter()
    total = 0
    for run in os.scandir(folder):
        if not run.is_dir():
            continue
        for name in ("config.json", "metrics.jsonl"):
            with open(os.path.join(run.path, name), "rb") as handle:
                data = handle.read()
            total += len(data)
            if name == "config.json":
                json.loads(data)
            else:
                for line in data.splitlines():
                    json.loads(line)
    return time.perf_counter() - start, total


CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from resultsbook.sources.collect import collect
    from resultsbook.outputs.build import build
    from resultsbook.spec import load_spec
    from resultsbook.store import Store
    spec = load_spec(sys.argv[2])
    store = Store.open(spec.db)
    start = time.perf_counter()
    if sys.argv[1] == "collect":
        report = collect(store, spec.sources)
        detail = report.summary_line()
    else:
        result = build(spec, store)
        detail = f"{len(result.written) + len(result.unchanged)} outputs"
    seconds = time.perf_counter() - start
    store.close()
    print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "detail": detail}))
    """
)


def child(command: str, spec: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, command, str(spec)], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def bench(runs: int, workdir: Path, repeat: int) -> dict:
    corpus = workdir / f"corpus_{runs}"
    make_corpus(runs, corpus)
    spec = workdir / f"spec_{runs}" / "resultsbook.toml"
    spec.parent.mkdir(parents=True, exist_ok=True)
    tables = "\n".join(f"[tables.{name}]\n{body}\n" for name, body in TABLES)
    spec.write_text(SPEC.format(corpus=corpus) + tables)
    db = spec.parent / "resultsbook.db"
    cold, unchanged, builds, floors, walks = [], [], [], [], []
    for _ in range(repeat):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        cold.append(child("collect", spec))
        unchanged.append(child("collect", spec))
        builds.append(child("build", spec))
        seconds, raw_bytes = read_and_parse(corpus)
        floors.append(seconds)
        walks.append(stat_walk(corpus))
    median = lambda items, key="seconds": statistics.median(i[key] for i in items)  # noqa: E731
    store_bytes = sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db}{s}").exists())
    result = {
        "runs": runs,
        "cold_collect_s": round(median(cold), 3),
        "read_parse_floor_s": round(statistics.median(floors), 3),
        "cold_vs_floor": round(median(cold) / statistics.median(floors), 2),
        "unchanged_collect_s": round(median(unchanged), 3),
        "stat_walk_s": round(statistics.median(walks), 3),
        "unchanged_vs_walk": round(median(unchanged) / statistics.median(walks), 2),
        "build_10_tables_s": round(median(builds), 3),
        "peak_mb_collect": round(max(c["peak_mb"] for c in cold), 1),
        "peak_mb_build": round(max(b["peak_mb"] for b in builds), 1),
        "raw_mb": round(raw_bytes / 2**20, 1),
        "store_mb": round(store_bytes / 2**20, 1),
        "store_vs_raw": round(store_bytes / raw_bytes, 2),
        "cold_ms_per_run": round(median(cold) / runs * 1000, 3),
        "check": cold[0]["detail"],
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, action="append", help="corpus size (repeatable) [10000]")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/resultsbook-bench"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not MAKE_CORPUS.exists():
        sys.exit(f"{MAKE_CORPUS} is missing: the benchmark uses the shared corpus generator")
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = [bench(runs, args.workdir, args.repeat) for runs in args.runs or [10000]]
    print(
        "\n| runs | cold collect | read+parse floor | ratio | unchanged re-collect | stat walk | ratio | "
        "build 10 tables | peak MB (collect/build) | store / raw logs |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['runs']:,} | {r['cold_collect_s']} s | {r['read_parse_floor_s']} s | {r['cold_vs_floor']}x | "
            f"{r['unchanged_collect_s']} s | {r['stat_walk_s']} s | {r['unchanged_vs_walk']}x | "
            f"{r['build_10_tables_s']} s | {r['peak_mb_collect']} / {r['peak_mb_build']} | "
            f"{r['store_mb']} / {r['raw_mb']} MB ({r['store_vs_raw']}x) |"
        )


if __name__ == "__main__":
    main()
