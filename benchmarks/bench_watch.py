"""Benchmark `resultsbook watch`: time from a run's metrics file being written to the table being
rewritten, on a large store.

    python benchmarks/bench_watch.py --runs 10000 --changes 15

Uses the corpus of bench_collect.py (../shared/bench/make_corpus.py, native runs). The watcher runs
as a real `resultsbook watch` process; each change appends one line to one run's metrics.jsonl
(a value large enough to change the table's printed digits) and waits for the table file's
modification time to move. Prints the median and the distribution.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_collect import make_corpus

SPEC = """
[[sources]]
path = "{corpus}"

[tables.main]
metric = "val_acc"
rows = ["model"]
columns = ["dataset"]
run_specific = ["lr", "batch_size", "optimizer", "weight_decay", "dropout"]
digits = 6
outputs = ["main.tex"]

[tables.losses]
metric = "train_loss"
reduce = "min"
rows = ["model", "lr"]
run_specific = ["batch_size", "optimizer", "weight_decay", "dropout"]
outputs = ["losses.tex"]
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10000)
    parser.add_argument("--changes", type=int, default=15)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/resultsbook-bench"))
    args = parser.parse_args()
    corpus = args.workdir / f"corpus_{args.runs}"
    make_corpus(args.runs, corpus)
    project = args.workdir / f"watch_{args.runs}"
    project.mkdir(parents=True, exist_ok=True)
    (project / "resultsbook.toml").write_text(SPEC.format(corpus=corpus))
    subprocess.run([sys.executable, "-m", "resultsbook", "build", "-q"], cwd=project, check=True)
    table = project / "main.tex"
    watcher = subprocess.Popen([sys.executable, "-m", "resultsbook", "watch", "--debounce", "50"], cwd=project,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert watcher.stdout is not None
    started = threading.Event()

    def drain() -> None:  # a full pipe would block the watcher
        for line in watcher.stdout:
            if os.environ.get("BENCH_DEBUG"):
                print(line, end="", file=sys.stderr)
            if "] start:" in line:
                started.set()

    threading.Thread(target=drain, daemon=True).start()
    started.wait(120)
    latencies = []
    try:
        for index in range(args.changes):
            run = corpus / f"run_{(index * 7919) % args.runs:05d}" / "metrics.jsonl"
            before = table.stat().st_mtime_ns
            unique = time.time_ns() // 1000  # new step and value on every invocation: the table must change
            line = json.dumps({"step": unique, "val_acc": 10.0 + unique % 997, "train_loss": -1.0 - unique % 991})
            start = time.perf_counter()
            with open(run, "a") as handle:
                handle.write(line + "\n")
            while table.stat().st_mtime_ns == before:
                if time.perf_counter() - start > 30:
                    raise SystemExit("the table was not rewritten within 30 s")
                time.sleep(0.002)
            latencies.append(time.perf_counter() - start)
            time.sleep(0.3)
    finally:
        watcher.terminate()
        watcher.wait()
    result = {
        "runs": args.runs,
        "changes": len(latencies),
        "median_s": round(statistics.median(latencies), 3),
        "min_s": round(min(latencies), 3),
        "max_s": round(max(latencies), 3),
        "debounce_ms": 50,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
