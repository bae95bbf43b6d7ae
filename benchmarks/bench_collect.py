"""Benchmark resultsbook's commands end to end against honest floors, each in a fresh process.

    pip install orjson                                        # the parse floor (a benchmark requirement)
    python benchmarks/bench_collect.py --runs 10000 --repeat 5
    python benchmarks/bench_collect.py --runs 100000 --repeat 2

The corpus is written once by ../shared/bench/make_corpus.py (the generator the peer figures use):
N native runs, 10 params, 5 metrics x 100 steps, under --workdir (never in the repository).
Every round measures, in this order and each as a fresh process run from the command line:

- floors, on the same files with a warm page cache: reading every file's bytes, and reading and
  parsing them with orjson (config.json whole, metrics.jsonl line by line) — the fastest parser,
  so what "collect at the speed of the disk" is measured against;
- `resultsbook collect CORPUS` into a new store (cold), then again (unchanged), then `resultsbook
  collect` in the project folder (unchanged, the spec's [[sources]] naming the corpus: as a user
  types it), beside a bare scandir + stat walk of the corpus run as a fresh Python process (the
  floor of a re-collect);
- the store's own floor (`store_insert`): the rows the cold collect wrote, inserted as they are into
  an empty store of the same schema by plain sqlite3 (only the inserts timed). `parse_and_store` adds
  it to the parse floor: the work any collect that stores these rows does, one core's worth;
- the design's own bound (`pipeline_bound`, benchmarks/pipeline_bound.py, a fresh process): a
  stripped-down collect of this corpus alone (no validation, no problems, one known layout) with
  resultsbook's shape — two forked readers, one SQLite writer, the same rows — so that the cold
  collect's ratio can be read against the least its design costs;
- `resultsbook build --no-collect` of a 10-table spec over every run (peak memory too);
- `resultsbook check` of that spec, as after a user's collect and build (the store holds the corpus;
  check computes every table again and looks for runs not collected);
- `resultsbook table --rows model --columns dataset --metric val_acc` (mean ± std), beside a fresh
  Python process that runs the same SQL read of every run's last value and params and groups them;
- `resultsbook --help`, beside `python -c pass` (interpreter start).

Run it with the Python of the resultsbook under test (`/path/to/venv/bin/python benchmarks/...`):
the commands are that venv's `resultsbook`. `--baseline-python` names another venv's Python (an
older resultsbook, e.g. a worktree of the commit before a change): its build, check, `table` and
unchanged re-collect (on its own copy of the store) are measured in the same rounds, the two alternating which goes first, and the speed-up is the median
of the per-round ratios. `--figures build,table` leaves out the collects (and reuses the store a
previous run left under --workdir), for comparing the query side alone. Figures are min and median over --repeat rounds; a ratio
is taken within each round (both sides measured seconds apart), then its median is reported.
Before the first round, each measured resultsbook's bytecode is compiled (`compileall`), as
installing a package does: otherwise, with PYTHONDONTWRITEBYTECODE set or after an edit, every command
would compile its modules again (about 50 ms) and the figures would measure the compiler.
Prints one JSON line per figure and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MAKE_CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"
PIPELINE_BOUND = Path(__file__).resolve().parent / "pipeline_bound.py"
RESULTSBOOK = [sys.executable, "-m", "resultsbook"]

SPEC = """
[[sources]]
path = "{corpus}"

[defaults]
rows = ["model"]
columns = ["dataset"]
replicate = ["seed"]
run_specific = ["lr", "batch_size", "optimizer", "weight_decay", "dropout"]

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

STAT_WALK = textwrap.dedent(
    """
    import os, sys
    stack = [sys.argv[1]]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir():
                    stack.append(entry.path)
                else:
                    entry.stat()
    """
)
# the least a `table` must do: read every run's last value and params, group, mean and std
TABLE_FLOOR = textwrap.dedent(
    """
    import math, sqlite3, sys
    from collections import defaultdict
    db = sqlite3.connect(sys.argv[1])
    params = defaultdict(dict)
    for run, key, value in db.execute("SELECT run, key, value FROM params WHERE key IN ('model', 'dataset')"):
        params[run][key] = value
    cells = defaultdict(list)
    for run, last in db.execute("SELECT run, last FROM metrics WHERE key = 'val_acc'"):
        cells[(params[run]['model'], params[run]['dataset'])].append(last)
    for key, values in sorted(cells.items()):
        mean = sum(values) / len(values)
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
        print(key, f"{mean:.3f} ± {std:.3f}")
    """
)
# the least a store of these runs costs: the rows a cold collect wrote, inserted as they are into an
# empty store of the same schema (same journal and sync settings, batches of 5,000 rows); prints the
# seconds of the inserts alone (reading the rows out is not timed)
STORE_FLOOR = textwrap.dedent(
    """
    import os, sqlite3, sys, tempfile, time
    source = sqlite3.connect(sys.argv[1])
    tables = ("sources", "runs", "params", "metrics", "series")
    schema = [sql for (sql,) in source.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND tbl_name IN (?, ?, ?, ?, ?) "
        "ORDER BY type = 'index'", tables)]
    rows = {table: source.execute(f"SELECT * FROM {table}").fetchall() for table in tables}
    folder = tempfile.mkdtemp()
    target = sqlite3.connect(os.path.join(folder, "floor.db"), isolation_level=None)
    target.execute("PRAGMA journal_mode=WAL")
    target.execute("PRAGMA synchronous=NORMAL")
    for sql in schema:
        target.execute(sql)
    start = time.perf_counter()
    for table, kept in rows.items():
        if not kept:
            continue
        insert = f"INSERT INTO {table} VALUES ({', '.join('?' * len(kept[0]))})"
        for at in range(0, len(kept), 5000):
            target.execute("BEGIN")
            target.executemany(insert, kept[at : at + 5000])
            target.execute("COMMIT")
    target.close()  # the last checkpoint, as a collect's process ends with
    print(time.perf_counter() - start)
    """
)


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


def run_files(folder: Path) -> list[tuple[str, str]]:
    """Return (config.json, metrics.jsonl) of every run folder."""
    return [
        (os.path.join(run.path, "config.json"), os.path.join(run.path, "metrics.jsonl"))
        for run in os.scandir(folder)
        if run.is_dir()
    ]


def read_floor(files: list[tuple[str, str]]) -> tuple[float, int]:
    """Time reading every file's bytes; return (seconds, bytes)."""
    start = time.perf_counter()
    total = 0
    for pair in files:
        for path in pair:
            with open(path, "rb") as handle:
                total += len(handle.read())
    return time.perf_counter() - start, total


def orjson_floor(files: list[tuple[str, str]]) -> float:
    """Time reading every file and parsing it with orjson (the metrics line by line)."""
    import orjson

    start = time.perf_counter()
    for config, metrics in files:
        with open(config, "rb") as handle:
            orjson.loads(handle.read())
        with open(metrics, "rb") as handle:
            for line in handle.read().splitlines():
                orjson.loads(line)
    return time.perf_counter() - start


def timed(command: list[str], cwd: Path | None = None) -> dict[str, float]:
    """Run a command to its end; return its wall time and peak memory (its own, via wait4)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0,):
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): {errors.decode()[-2000:]}")
    return {"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024}


def reported(command: list[str]) -> dict[str, float]:
    """Run a command that prints the seconds of its own timed part; return them."""
    printed = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return {"seconds": float(printed.split()[-1])}


def package_folder(python: str) -> str:
    """Return the folder of the resultsbook package that `python` imports."""
    return subprocess.run(
        [python, "-c", "import resultsbook, os; print(os.path.dirname(resultsbook.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def compile_bytecode(python: str) -> None:
    """Compile the bytecode of the resultsbook that `python` imports, as installing a package does:
    with PYTHONDONTWRITEBYTECODE set, or after a change, a command would otherwise compile its modules
    anew on every run (about 50 ms) and the figures would measure the compiler."""
    subprocess.run([python, "-m", "compileall", "-q", package_folder(python)], check=True)


def machine_state() -> dict[str, Any]:
    """Describe what the figures depend on: cores, load, Python, resultsbook's commit."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    version = subprocess.run(
        [*RESULTSBOOK, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    tested = subprocess.run(
        ["git", "-C", package_folder(sys.executable), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cores": os.cpu_count(),
        "load_avg_start": os.getloadavg(),
        "python": platform.python_version(),
        "resultsbook": version,
        "resultsbook_commit": tested,
        "benchmark_commit": commit,
    }


def bench(
    runs: int, workdir: Path, repeat: int, figures: set[str], baseline: list[str] | None = None
) -> dict[str, Any]:
    """Measure the chosen figures of one corpus size, `repeat` rounds (a baseline's beside them)."""
    corpus = workdir / f"corpus_{runs}"
    make_corpus(runs, corpus)
    files = run_files(corpus)
    project = workdir / f"project_{runs}"
    project.mkdir(parents=True, exist_ok=True)
    spec = project / "resultsbook.toml"
    tables = "\n".join(f"[tables.{name}]\n{body}\noutputs = []\n" for name, body in TABLES)
    spec.write_text(SPEC.format(corpus=corpus) + tables)
    db = project / "resultsbook.db"
    if "collect" not in figures and not db.exists():  # the query side alone: collect once, untimed
        subprocess.run([*RESULTSBOOK, "collect", str(corpus), "--db", str(db), "-q"], check=True)
    build = ["build", "--no-collect", "--config", str(spec), "-q"]
    check = ["check", "--config", str(spec)]
    if "check" in figures:  # as after a user's collect: the store holds the corpus, its snapshot taken
        subprocess.run([*RESULTSBOOK, "collect", "-q"], cwd=project, check=True)
        subprocess.run([*RESULTSBOOK, *build], cwd=project, check=True)
    table = ["table", "--db", str(db), "--rows", "model", "--columns", "dataset", "--metric", "val_acc"]
    rounds: list[dict[str, Any]] = []
    for index in range(repeat):
        load = os.getloadavg()[0]
        seconds, raw_bytes = read_floor(files)
        measured: dict[str, Any] = {"read_bytes": {"seconds": seconds}}
        measured["orjson_parse"] = {"seconds": orjson_floor(files)}
        if "collect" in figures:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            measured["cold_collect"] = timed([*RESULTSBOOK, "collect", str(corpus), "--db", str(db), "-q"])
            measured["store_insert"] = reported([sys.executable, "-c", STORE_FLOOR, str(db)])
            parse_and_store = measured["orjson_parse"]["seconds"] + measured["store_insert"]["seconds"]
            measured["parse_and_store"] = {"seconds": parse_and_store}
            bound = workdir / f"bound_{runs}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{bound}{suffix}").unlink(missing_ok=True)
            measured["pipeline_bound"] = timed([sys.executable, str(PIPELINE_BOUND), str(corpus), str(bound)])
            unchanged = [("", RESULTSBOOK, db)]
            if baseline:  # its own copy of the store: a snapshot is kept for the code that took it
                base_db = workdir / f"baseline_{runs}.db"
                base_db.unlink(missing_ok=True)
                with sqlite3.connect(db) as source, sqlite3.connect(base_db) as copy:
                    source.backup(copy)
                subprocess.run([*baseline, "collect", str(corpus), "--db", str(base_db), "-q"], check=True)
                unchanged.append(("baseline_", baseline, base_db))
            for prefix, command, store in unchanged[:: -1 if index % 2 else 1]:
                measured[f"{prefix}unchanged_collect"] = timed(
                    [*command, "collect", str(corpus), "--db", str(store), "-q"]
                )
            # as a user types it in the project: the spec names the corpus and the store
            measured["unchanged_collect_spec"] = timed([*RESULTSBOOK, "collect", "-q"], cwd=project)
            measured["stat_walk_process"] = timed([sys.executable, "-c", STAT_WALK, str(corpus)])
        sides = [("", RESULTSBOOK), *([("baseline_", baseline)] if baseline else [])]
        if index % 2:  # alternate which side goes first
            sides.reverse()
        if "build" in figures:
            for prefix, command in sides:
                measured[f"{prefix}build_10_tables"] = timed([*command, *build], cwd=project)
        if "check" in figures:  # every output compared with what build would write, runs not collected
            for prefix, command in sides:
                # as after this side's own collect: a walk's snapshot is kept for the code that took
                # it, and the other side's would send check walking the tree
                subprocess.run([*command, "collect", "-q"], cwd=project, check=True)
                measured[f"{prefix}check"] = timed([*command, *check], cwd=project)
        if "table" in figures:
            for prefix, command in sides:
                measured[f"{prefix}table"] = timed([*command, *table])
            measured["table_sql_floor"] = timed([sys.executable, "-c", TABLE_FLOOR, str(db)])
        if "help" in figures:
            measured["help"] = timed([*RESULTSBOOK, "--help"])
            measured["python_start"] = timed([sys.executable, "-c", "pass"])
        measured["load_avg"] = {"before": load, "after": os.getloadavg()[0]}
        rounds.append(measured)
        print(json.dumps({"runs": runs, "round": index, **measured}), file=sys.stderr, flush=True)
    store_bytes = sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db}{s}").exists())
    return summarize(runs, rounds, raw_bytes, store_bytes)


PAIRS = [  # figure, its floor or peer
    ("build_10_tables", "orjson_parse"),
    ("baseline_build_10_tables", "orjson_parse"),
    ("build_10_tables", "baseline_build_10_tables"),
    ("check", "orjson_parse"),
    ("baseline_check", "orjson_parse"),
    ("check", "baseline_check"),
    ("cold_collect", "orjson_parse"),
    ("cold_collect", "parse_and_store"),
    ("pipeline_bound", "orjson_parse"),
    ("cold_collect", "pipeline_bound"),
    ("unchanged_collect", "stat_walk_process"),
    ("baseline_unchanged_collect", "stat_walk_process"),
    ("unchanged_collect", "baseline_unchanged_collect"),
    ("unchanged_collect_spec", "stat_walk_process"),
    ("table", "table_sql_floor"),
    ("baseline_table", "table_sql_floor"),
    ("table", "baseline_table"),
    ("help", "python_start"),
]


def summarize(runs: int, rounds: list[dict[str, Any]], raw_bytes: int, store_bytes: int) -> dict[str, Any]:
    """Return min and median of every figure, and each pair's ratio (median of per-round ratios)."""
    names = [name for name in rounds[0] if name != "load_avg"]
    result: dict[str, Any] = {"runs": runs, "rounds": len(rounds)}
    for name in names:
        values = [r[name]["seconds"] for r in rounds]
        result[name] = {"min_s": round(min(values), 3), "median_s": round(statistics.median(values), 3)}
        if "peak_mb" in rounds[0][name]:
            result[name]["peak_mb"] = round(max(r[name]["peak_mb"] for r in rounds), 1)
    for figure, floor in PAIRS:
        if figure not in rounds[0] or floor not in rounds[0]:
            continue
        ratios = [r[figure]["seconds"] / r[floor]["seconds"] for r in rounds]
        result[f"{figure}_vs_{floor}"] = round(statistics.median(ratios), 2)
    loads = [value for r in rounds for value in r["load_avg"].values()]
    result["load_avg_range"] = [round(min(loads), 2), round(max(loads), 2)]
    result["raw_mb"] = round(raw_bytes / 2**20, 1)
    result["store_mb"] = round(store_bytes / 2**20, 1)
    return result


def markdown(results: list[dict[str, Any]]) -> str:
    """Return the figures as one Markdown table: figure, floor or peer, ratio, per corpus size."""
    lines = [
        "| runs | figure | min / median | floor or peer | min / median | ratio (median of rounds) |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        for figure, floor in PAIRS:
            if f"{figure}_vs_{floor}" not in r:
                continue
            peak = f", {r[figure]['peak_mb']:.0f} MB peak" if "peak_mb" in r[figure] else ""
            lines.append(
                f"| {r['runs']:,} | {figure} | {r[figure]['min_s']} / {r[figure]['median_s']} s{peak} | "
                f"{floor} | {r[floor]['min_s']} / {r[floor]['median_s']} s | {r[f'{figure}_vs_{floor}']}x |"
            )
        lines.append(
            f"| {r['runs']:,} | read the bytes | {r['read_bytes']['min_s']} / {r['read_bytes']['median_s']} s "
            f"| | | load avg {r['load_avg_range'][0]}–{r['load_avg_range'][1]}; store "
            f"{r['store_mb']} MB / raw {r['raw_mb']} MB |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, action="append", help="corpus size (repeatable) [10000]")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/resultsbook-bench"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--figures",
        default="collect,build,check,table,help",
        help="which figures: collect,build,check,table,help [all]",
    )
    parser.add_argument(
        "--baseline-python", help="another venv's Python: its build and table measured alongside"
    )
    args = parser.parse_args()
    figures = set(args.figures.split(","))
    if figures - {"collect", "build", "check", "table", "help"}:
        sys.exit(f"--figures {args.figures}: choose among collect, build, check, table, help")
    baseline = [args.baseline_python, "-m", "resultsbook"] if args.baseline_python else None
    if not MAKE_CORPUS.exists():
        sys.exit(f"{MAKE_CORPUS} is missing: the benchmark uses the shared corpus generator")
    try:
        import orjson  # noqa: F401
    except ImportError:
        sys.exit("the parse floor needs orjson: pip install orjson")
    args.workdir.mkdir(parents=True, exist_ok=True)
    for python in [sys.executable, *([args.baseline_python] if args.baseline_python else [])]:
        compile_bytecode(python)
    state = machine_state()
    print(json.dumps(state), flush=True)
    results = []
    for runs in args.runs or [10000]:
        results.append(bench(runs, args.workdir, args.repeat, figures, baseline))
        print(json.dumps(results[-1]), flush=True)
    print(json.dumps({"load_avg_end": os.getloadavg()}), flush=True)
    print(markdown(results))


if __name__ == "__main__":
    main()
