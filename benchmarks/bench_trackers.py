"""Benchmark reading MLflow and TensorBoard runs against the trackers' own readers, on the same runs.

    python benchmarks/bench_trackers.py --peer-python /tmp/venv-fixtures-mlflow/bin/python

The peers run in their own virtual environment (`pip install mlflow tensorboardX tensorboard
tbparse`), never in resultsbook's. The corpora (1,000 runs, 10 params, 5 metrics x 100 steps) are
written once under --workdir by ../shared/bench/make_corpus.py with the real writers: MLflow's file
store, MLflow's SQLite store, tensorboardX event files (+ add_hparams). For each corpus, alternated
--repeat times, each in a fresh process, page cache warm:

- resultsbook `read` (3 times a round, being short): find every source and read every run with its full histories into memory,
  the like-for-like counterpart of the peers (import time excluded, reported apart: resultsbook's
  modules and numpy, as the peer's `import mlflow` brings numpy and pandas), in one process;
- resultsbook `read` as a collect reads: the same, the sources read by collect's reader processes
  (`sources/parallel.py`: two on a 2-core machine) and every run, histories included, sent back to
  the main process;
- resultsbook `collect`: the same plus writing everything into a fresh store;
- the peer, timed by ../shared/bench/bench_mlflow.py (setup + `search_runs` + `get_metric_history`
  for every run and metric) or bench_tb.py (tbparse `SummaryReader(...).scalars`, tensorboard's
  `EventAccumulator` with every point kept).

For the file store, the floor is timed too: merely opening every file and parsing the metric
lines' numbers with `float()`. Medians are printed as JSON lines and a Markdown table. Then, untimed, the peer's own reader dumps
every run's params and final values, and the store of the last collect must hold the same.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED_BENCH = ROOT.parent / "shared" / "bench"
CORPORA = {
    "mlflow-file": ["--format", "mlflow"],
    "mlflow-sqlite": ["--format", "mlflow", "--mlflow-backend", "sqlite"],
    "tensorboard": ["--format", "tensorboard"],
}
PEERS = {
    "mlflow-file": [("mlflow client", ["bench_mlflow.py", "--mode", "all"])],
    "mlflow-sqlite": [("mlflow client", ["bench_mlflow.py", "--mode", "all"])],
    "tensorboard": [
        ("tbparse", ["bench_tb.py", "--tool", "tbparse"]),
        ("EventAccumulator", ["bench_tb.py", "--tool", "eventacc"]),
    ],
}
OURS_PER_ROUND = 3
TARGETS = {
    ("mlflow-file", "mlflow client"): 20,
    ("mlflow-sqlite", "mlflow client"): 50,
    ("tensorboard", "tbparse"): 10,
    ("tensorboard", "EventAccumulator"): 5,
}

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    start = time.perf_counter()
    from resultsbook.sources.collect import CollectRequest, collect, find_sources, read_source
    from resultsbook.sources.parallel import map_in_order
    from resultsbook.store import Store
    import numpy  # read series become arrays; the peer's timed part leaves out its numpy import too
    import_s = time.perf_counter() - start
    mode, path = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    if mode.startswith("read"):
        runs = points = problems = 0
        found = find_sources(CollectRequest(path))
        if mode == "read-parallel":  # as collect reads: in its worker processes
            results = map_in_order(lambda item: read_source(item[1], item[0]), list(found))
        else:
            results = (read_source(adapter, source) for source, adapter in found)
        for result in results:
            runs += len(result.runs)
            problems += len(result.problems)
            points += sum(len(series) for run in result.runs for series in run.metrics.values())
        detail = {"runs": runs, "points": points, "problems": problems}
    else:
        store = Store.open(sys.argv[3])
        report = collect(store, [CollectRequest(path)])
        store.close()
        detail = {"runs": report.new, "problems": len(report.problems)}
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "import_s": import_s, "peak_mb": peak, **detail}))
    """
)

# run with the peer's Python: what the tracker's own reader says each run holds
PEER_DUMP_MLFLOW = textwrap.dedent(
    """
    import json, os, sys
    uri, experiment = open(os.path.join(sys.argv[1], "experiment_id.txt")).read().split()
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    import mlflow
    mlflow.set_tracking_uri(uri)
    runs = {}
    for run in mlflow.MlflowClient().search_runs([experiment], max_results=50000):
        runs[run.info.run_name] = {"params": dict(run.data.params), "status": run.info.status,
                                   "last": {k: repr(v) for k, v in run.data.metrics.items()}}
    print(json.dumps(runs))
    """
)
PEER_DUMP_TENSORBOARD = textwrap.dedent(
    """
    import json, os, sys
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tbparse import SummaryReader
    root = sys.argv[1]
    runs = {}
    for name in sorted(os.listdir(root)):
        if not os.path.isdir(os.path.join(root, name)):
            continue
        last = {}
        for folder in (os.path.join(root, name), os.path.join(root, name, "hparams")):
            accumulator = ea.EventAccumulator(folder, size_guidance={ea.SCALARS: 0})
            accumulator.Reload()
            for tag in accumulator.Tags()["scalars"]:
                events = accumulator.Scalars(tag)
                last[tag] = repr(max(events, key=lambda e: e.step).value)
        hparams = SummaryReader(os.path.join(root, name, "hparams")).hparams
        runs[name] = {"params": {row.tag: row.value for row in hparams.itertuples()}, "last": last}
    print(json.dumps(runs, default=float))
    """
)


def file_store_floor(corpus: Path) -> float:
    """Time merely opening every file of a file store and parsing its metric lines' numbers."""
    start = time.perf_counter()
    for experiment in os.scandir(corpus):
        if not experiment.is_dir():
            continue
        for run in os.scandir(experiment.path):
            if not run.is_dir():
                continue
            with open(os.path.join(run.path, "meta.yaml"), "rb") as handle:
                handle.read()
            for sub in ("params", "tags", "metrics"):
                for entry in os.scandir(os.path.join(run.path, sub)):
                    with open(entry.path, "rb") as handle:
                        data = handle.read()
                    if sub == "metrics":
                        list(map(float, data.split()))
    return time.perf_counter() - start


def make_corpus(name: str, folder: Path, peer_python: str, runs: int) -> None:
    """Write a corpus with the real writers, once (reused across benchmark runs)."""
    if (folder / "DONE").exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    command = [peer_python, str(SHARED_BENCH / "make_corpus.py"), "--runs", str(runs), "--out", str(folder)]
    subprocess.run([*command, *CORPORA[name]], check=True, stdout=subprocess.DEVNULL)
    (folder / "DONE").write_text("")


def ours(mode: str, corpus: Path) -> dict[str, Any]:
    """Time resultsbook reading (or collecting) a corpus in a fresh process."""
    with tempfile.TemporaryDirectory() as scratch:
        store = os.path.join(scratch, "resultsbook.db")
        result = subprocess.run(
            [sys.executable, "-c", CHILD, mode, str(corpus), store],
            capture_output=True,
            text=True,
            check=True,
        )
        if mode == "collect":
            shutil.copy(store, corpus.parent / f"{corpus.name}.resultsbook.db")
    return json.loads(result.stdout)


def peer(peer_python: str, script: list[str], corpus: Path) -> dict[str, Any]:
    """Time a tracker's own reader with the shared peer timer; `seconds` is what compares with ours."""
    command = [peer_python, str(SHARED_BENCH / script[0]), "--dir", str(corpus), *script[1:]]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    if "history_s" in measured:  # MLflow: connect, list the runs, fetch every history
        measured["seconds"] = measured["setup_s"] + measured["search_s"] + measured["history_s"]
    else:
        measured["seconds"] = measured["load_s"]
    return measured


def check_against_peer(name: str, corpus: Path, peer_python: str) -> dict[str, Any]:
    """Compare the last collect's store with what the tracker's own reader says (untimed)."""
    from resultsbook.params import parse_scalar, values_equal
    from resultsbook.store import Store

    script = PEER_DUMP_TENSORBOARD if name == "tensorboard" else PEER_DUMP_MLFLOW
    dump = subprocess.run([peer_python, "-c", script, str(corpus)], capture_output=True, text=True)
    if dump.returncode != 0:
        return {"agree": False, "final_values_compared": 0, "error": dump.stderr.strip().splitlines()[-1:]}
    expected = json.loads(dump.stdout)
    store = Store.open(str(corpus.parent / f"{corpus.name}.resultsbook.db"))
    stored = {run.name: run for run in store.runs()}
    lasts: dict[str, dict[int, Any]] = {}
    mismatches = []
    for run_name, peer_run in expected.items():
        run = stored.get(run_name)
        if run is None:
            mismatches.append(f"{run_name}: missing")
            continue
        for key, value in peer_run["params"].items():
            theirs = parse_scalar(value) if isinstance(value, str) else value
            if isinstance(theirs, float) and theirs.is_integer():
                theirs = int(theirs)  # tbparse gives hparams numbers as floats
            if not values_equal(run.params.get(key), theirs):
                mismatches.append(f"{run_name}: param {key} {run.params.get(key)!r} != {theirs!r}")
        for key, value in peer_run["last"].items():
            if key not in lasts:
                lasts[key] = {k: v["last"] for k, v in store.metric_summaries(key).items()}
            mine = lasts[key].get(run.id)
            theirs = float(value)
            if not (mine == theirs or (mine is None and math.isnan(theirs))):
                mismatches.append(f"{run_name}: last {key} {mine!r} != {theirs!r}")
    store.close()
    return {
        "peer_runs": len(expected),
        "stored_runs": len(stored),
        "final_values_compared": sum(len(run["last"]) for run in expected.values()),
        "mismatches": mismatches[:10],
        "agree": not mismatches and len(expected) == len(stored),
    }


def bench(name: str, corpus: Path, peer_python: str, repeat: int) -> list[dict[str, Any]]:
    """Measure one corpus: ours and each peer, alternated; return one result per peer."""
    reads, parallel_reads, collects = [], [], []
    peers: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in PEERS[name]}
    for _ in range(repeat):
        for _ in range(OURS_PER_ROUND):  # ours is short, so more exposed to other processes' bursts
            reads.append(ours("read", corpus))
            parallel_reads.append(ours("read-parallel", corpus))
            collects.append(ours("collect", corpus))
        for label, script in PEERS[name]:
            peers[label].append(peer(peer_python, script, corpus))
    check = check_against_peer(name, corpus, peer_python)
    floors = [file_store_floor(corpus) for _ in range(repeat)] if name == "mlflow-file" else []
    floor = statistics.median(floors) if floors else None
    read_s = statistics.median(r["seconds"] for r in reads)
    parallel_read_s = statistics.median(r["seconds"] for r in parallel_reads)
    collect_s = statistics.median(c["seconds"] for c in collects)
    results = []
    for label, measured in peers.items():
        peer_s = statistics.median(m["seconds"] for m in measured)
        result = {
            "corpus": name,
            "peer": label,
            "runs": reads[0]["runs"],
            "points": reads[0]["points"],
            "peer_runs": measured[0]["runs"],
            "peer_points": measured[0].get("points"),
            "peer_s": round(peer_s, 3),
            "peer_min_s": round(min(m["seconds"] for m in measured), 3),
            "read_min_s": round(min(r["seconds"] for r in reads), 3),
            "parallel_read_min_s": round(min(r["seconds"] for r in parallel_reads), 3),
            "collect_min_s": round(min(c["seconds"] for c in collects), 3),
            "open_and_parse_floor_min_s": round(min(floors), 3) if floors else None,
            "load_avg": os.getloadavg(),
            "read_s": round(read_s, 3),
            "collect_s": round(collect_s, 3),
            "read_speedup": round(peer_s / read_s, 1),
            "parallel_read_s": round(parallel_read_s, 3),
            "parallel_read_speedup": round(peer_s / parallel_read_s, 1),
            "collect_speedup": round(peer_s / collect_s, 1),
            "target": TARGETS[(name, label)],
            "peer_import_s": round(statistics.median(m["import_s"] for m in measured), 3),
            "import_s": round(statistics.median(r["import_s"] for r in reads), 3),
            "peak_mb_read": round(max(r["peak_mb"] for r in reads), 1),
            "open_and_parse_floor_s": None if floor is None else round(floor, 3),
            "peer_detail": {k: v for k, v in measured[0].items() if k.endswith("_s")},
            "check": check,
        }
        print(json.dumps(result), flush=True)
        results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--peer-python", required=True, help="Python of a venv with mlflow, tensorboard, tbparse"
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/resultsbook-trackers"))
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", action="append", choices=list(CORPORA), help="repeatable [all]")
    args = parser.parse_args()
    if not SHARED_BENCH.is_dir():
        sys.exit(f"{SHARED_BENCH} is missing: the benchmark uses the shared corpus generator and peer timers")
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for name in args.corpus or list(CORPORA):
        corpus = args.workdir / f"{name}_{args.runs}"
        make_corpus(name, corpus, args.peer_python, args.runs)
        results.extend(bench(name, corpus, args.peer_python, args.repeat))
    print(
        "\n| corpus | peer | peer min / median | resultsbook read, one process, min / median | speed-up "
        "| read as collect reads (worker processes) | speed-up (target) "
        "| resultsbook collect min / median | speed-up | open+parse floor min / median "
        "| same runs and final values |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['corpus']} | {r['peer']} | {r['peer_min_s']} / {r['peer_s']} s "
            f"| {r['read_min_s']} / {r['read_s']} s | {r['read_speedup']}x "
            f"| {r['parallel_read_min_s']} / {r['parallel_read_s']} s "
            f"| {r['parallel_read_speedup']}x (≥ {r['target']}x) "
            f"| {r['collect_min_s']} / {r['collect_s']} s | {r['collect_speedup']}x "
            f"| {r['open_and_parse_floor_min_s']} / {r['open_and_parse_floor_s']} s | "
            f"{'yes' if r['check']['agree'] else 'NO'} ({r['check']['final_values_compared']:,} values) |"
        )


if __name__ == "__main__":
    main()
