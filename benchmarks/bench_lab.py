"""Benchmark a lab's setup: many collectors into PostgreSQL against one into SQLite, a 10-table build
against each store, and collecting runs from an S3 API server against the same runs on disk.

    python benchmarks/bench_lab.py --runs 100000 --s3-runs 10000          # the issue's workload

The corpus is ../shared/bench/make_corpus.py's (N native runs, 10 params, 5 metrics x 100 steps),
split into --collectors node folders (run i goes to node i mod K), as K cluster nodes would write
them. PostgreSQL is a throwaway cluster with production durability (fsync on), started from
tests/servers.py; the S3 API server is moto's, in its own process, read through s3fs. Every
measurement is a fresh `resultsbook` process (or K of them at once); CPU seconds count every
process involved, PostgreSQL's server included, so that figures on a machine with few cores can be
read per core. Prints one JSON document and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "benchmarks")]

from bench_collect import MAKE_CORPUS, SPEC, TABLES, make_corpus  # noqa: E402
from servers import MotoServer, PostgresCluster  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds_of_user(user: str) -> float:
    """Return the CPU seconds used so far by one user's processes (PostgreSQL's server): the live
    ones, and the ended ones their parents reaped (a connection's backend ends with the connection)."""
    import pwd

    uid = pwd.getpwnam(user).pw_uid if not user.isdigit() else int(user)
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid != uid:
                continue
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += sum(int(fields[index]) for index in (11, 12, 13, 14))  # utime, stime, cutime, cstime
        except (OSError, IndexError, ValueError):
            continue
    return total / CLOCK_TICKS


def children_cpu() -> float:
    usage = os.times()
    return usage.children_user + usage.children_system


def resultsbook(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "resultsbook", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def timed(processes_of: list[list[str]], server_user: str | None, env: dict[str, str] | None = None) -> dict:
    """Start every command at once; return the wall time until the last ends and the CPU it took."""
    server_before = cpu_seconds_of_user(server_user) if server_user else 0.0
    cpu_before = children_cpu()
    start = time.perf_counter()
    processes = [resultsbook(*args, env=env) for args in processes_of]
    outputs = [process.communicate() for process in processes]
    wall = time.perf_counter() - start
    for process, (_, err) in zip(processes, outputs):
        if process.returncode != 0:
            raise SystemExit(f"resultsbook {' '.join(processes_of[0])} failed: {err[-2000:]}")
    server = (cpu_seconds_of_user(server_user) - server_before) if server_user else 0.0
    return {
        "wall_s": round(wall, 2),
        "cpu_s_clients": round(children_cpu() - cpu_before, 1),
        "cpu_s_server": round(server, 1),
        "summaries": [out.strip().splitlines()[-1] if out.strip() else "" for out, _ in outputs],
    }


def stored_counts(location: str) -> dict[str, int]:
    """Return how many runs and sources a store holds (every run once: no run lost or doubled)."""
    from resultsbook.store import Store

    with Store.open(location) as store:
        return dict(store.counts())


def split_into_nodes(corpus: Path, nodes: int) -> list[Path]:
    """Move run i into node<i mod K>/ once (as K nodes would have written them)."""
    folders = [corpus / f"node{k}" for k in range(nodes)]
    marker = corpus / f"NODES_{nodes}"
    if marker.exists():
        return folders
    for folder in folders:
        folder.mkdir(exist_ok=True)
    for entry in sorted(os.scandir(corpus), key=lambda e: e.name):
        if entry.is_dir() and entry.name.startswith("run_"):
            index = int(entry.name.split("_")[1])
            os.rename(entry.path, folders[index % nodes] / entry.name)
    marker.write_text("")
    return folders


def build_spec(folder: Path, source: Path, db: str) -> Path:
    """Write the 10-table spec of bench_collect.py over `source`, with its store."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = "\n".join(f"[tables.{name}]\n{body}\n" for name, body in TABLES)
    spec = folder / "resultsbook.toml"
    spec.write_text(f'store = "{db}"\n' + SPEC.format(corpus=source) + tables)
    return spec


def timed_builds(spec: Path, repeat: int, server_user: str | None) -> dict:
    runs = [
        timed([["build", "--config", str(spec), "--no-collect", "-q"]], server_user) for _ in range(repeat)
    ]
    return {
        "wall_s": statistics.median(r["wall_s"] for r in runs),
        "all_wall_s": [r["wall_s"] for r in runs],
        "cpu_s_server": statistics.median(r["cpu_s_server"] for r in runs),
    }


def upload(folders: list[Path], url: str, environment: dict[str, str]) -> None:
    """Put run folders into the S3 API server (setup, not timed), many objects per request batch."""
    os.environ.update(environment)
    import s3fs

    s3 = s3fs.S3FileSystem()
    bucket = url.removeprefix("s3://").split("/")[0]
    s3.mkdir(bucket)
    prefix = url.removeprefix("s3://")
    batch: dict[str, bytes] = {}
    for folder in folders:
        for path in folder.iterdir():
            batch[f"{prefix}/{folder.name}/{path.name}"] = path.read_bytes()
        if len(batch) >= 2000:
            s3.pipe(batch)
            batch = {}
    if batch:
        s3.pipe(batch)


FLOORS = """
import json, sys, time
import s3fs
s3 = s3fs.S3FileSystem()
start = time.perf_counter()
keys = s3.find(sys.argv[1])
listed = time.perf_counter() - start
start = time.perf_counter()
data = s3.cat(keys)
fetched = time.perf_counter() - start
print(json.dumps({"objects": len(keys), "list_s": round(listed, 2), "fetch_all_s": round(fetched, 2),
                  "bytes": sum(map(len, data.values()))}))
"""


def s3_floors(url: str, environment: dict[str, str]) -> dict:
    """Time the floors on the same server: one plain listing of every object, and fetching every
    object's bytes with s3fs's concurrent `cat` (what any reader of these runs must do at least)."""
    result = subprocess.run(
        [sys.executable, "-c", FLOORS, url.removeprefix("s3://")],
        capture_output=True, text=True, check=True, env={**os.environ, **environment},
    )  # fmt: skip
    return dict(json.loads(result.stdout))


def bench(args: argparse.Namespace) -> dict:
    work = args.workdir
    corpus = work / f"corpus_{args.runs}"
    make_corpus(args.runs, corpus)
    nodes = split_into_nodes(corpus, args.collectors)
    cores = len(os.sched_getaffinity(0))
    result: dict = {"runs": args.runs, "collectors": args.collectors, "cores": cores,
                    "load_average_at_start": os.getloadavg()}  # fmt: skip

    cluster = PostgresCluster(durable=True).start()
    server_user = cluster.user.pw_name if cluster.user else str(os.getuid())
    try:
        # one collector into SQLite, and (to tell the store's cost from concurrency's) into PostgreSQL
        sqlite_db = work / "lab.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_db}{suffix}").unlink(missing_ok=True)
        result["sqlite_one_collector"] = timed([["collect", str(corpus), "--db", str(sqlite_db), "-q"]], None)
        one_pg = cluster.create_database("one")
        result["postgres_one_collector"] = timed(
            [["collect", str(corpus), "--db", one_pg, "-q"]], server_user
        )
        shared = cluster.create_database("shared")
        result["postgres_k_collectors"] = timed(
            [["collect", str(node), "--db", shared, "-q"] for node in nodes], server_user
        )
        result["postgres_k_unchanged"] = timed(
            [["collect", str(node), "--db", shared, "-q"] for node in nodes], server_user
        )
        for name, location in (("sqlite", str(sqlite_db)), ("postgres_one", one_pg), ("postgres_k", shared)):
            result[f"stored_{name}"] = stored_counts(location)
        for name in ("sqlite_one_collector", "postgres_one_collector", "postgres_k_collectors"):
            entry = result[name]
            entry["runs_per_s"] = round(args.runs / entry["wall_s"], 1)
            cpu = entry["cpu_s_clients"] + entry["cpu_s_server"]
            entry["runs_per_cpu_s"] = round(args.runs / cpu, 1) if cpu else None
        result["speedup_k_postgres_vs_one_sqlite"] = round(
            result["sqlite_one_collector"]["wall_s"] / result["postgres_k_collectors"]["wall_s"], 2
        )
        # a 10-table build over every run, against each store
        sqlite_spec = build_spec(work / "spec-sqlite", corpus, str(sqlite_db))
        postgres_spec = build_spec(work / "spec-postgres", corpus, shared)
        result["build_sqlite"] = timed_builds(sqlite_spec, args.repeat, None)
        result["build_postgres"] = timed_builds(postgres_spec, args.repeat, server_user)
        result["build_postgres_vs_sqlite"] = round(
            result["build_postgres"]["wall_s"] / result["build_sqlite"]["wall_s"], 2
        )
    finally:
        cluster.stop()

    # collecting from an S3 API server against the same runs on disk
    s3_runs = sorted((p for node in nodes for p in node.iterdir()), key=lambda p: p.name)[: args.s3_runs]
    on_disk = work / f"s3_same_{args.s3_runs}"
    if not (on_disk / "DONE").exists():
        shutil.rmtree(on_disk, ignore_errors=True)
        on_disk.mkdir(parents=True)
        for run in s3_runs:
            shutil.copytree(run, on_disk / run.name)
        (on_disk / "DONE").write_text("")
    moto = MotoServer().start()
    try:
        environment = moto.environment()
        url = f"s3://bench/runs_{args.s3_runs}"
        started = time.perf_counter()
        upload([on_disk / run.name for run in s3_runs], url, environment)
        result["s3_upload_setup_s"] = round(time.perf_counter() - started, 1)
        result["s3_floors"] = s3_floors(url, environment)
        for name, source in (("disk", str(on_disk)), ("s3", url)):
            db = work / f"s3bench-{name}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            result[f"collect_{name}_{args.s3_runs}"] = timed(
                [["collect", source, "--db", str(db), "-q"]], None, environment
            )
            result[f"recollect_{name}_{args.s3_runs}"] = timed(
                [["collect", source, "--db", str(db), "-q"]], None, environment
            )
        result["s3_vs_disk_cold"] = round(
            result[f"collect_s3_{args.s3_runs}"]["wall_s"] / result[f"collect_disk_{args.s3_runs}"]["wall_s"],
            2,
        )
        result["s3_vs_disk_unchanged"] = round(
            result[f"recollect_s3_{args.s3_runs}"]["wall_s"]
            / result[f"recollect_disk_{args.s3_runs}"]["wall_s"],
            2,
        )
    finally:
        moto.stop()
    result["load_average_at_end"] = os.getloadavg()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--collectors", type=int, default=8)
    parser.add_argument("--s3-runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="builds per store (median)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/resultsbook-bench"))
    args = parser.parse_args()
    if not MAKE_CORPUS.exists():
        sys.exit(f"{MAKE_CORPUS} is missing: the benchmark uses the shared corpus generator")
    args.workdir.mkdir(parents=True, exist_ok=True)
    r = bench(args)
    print(json.dumps(r, indent=1))
    k = r["collectors"]
    print(
        f"\n{r['runs']:,} runs, {r['cores']} cores (load average {r['load_average_at_start'][0]:.1f} at start)\n"
    )
    print("| measurement | wall | runs/s | runs per CPU-second (all processes) |")
    print("|---|---:|---:|---:|")
    for name, label in (
        ("sqlite_one_collector", "1 collector → SQLite"),
        ("postgres_one_collector", "1 collector → PostgreSQL"),
        ("postgres_k_collectors", f"{k} collectors at once → PostgreSQL"),
    ):
        e = r[name]
        print(f"| {label} | {e['wall_s']} s | {e['runs_per_s']} | {e['runs_per_cpu_s']} |")
    print(f"| {k} collectors, nothing changed | {r['postgres_k_unchanged']['wall_s']} s | | |")
    stored = ", ".join(
        f"{name}: {r[f'stored_{name}']['runs']:,}" for name in ("sqlite", "postgres_one", "postgres_k")
    )
    print(f"| runs stored | {stored} | | |")
    print(f"| build 10 tables, SQLite | {r['build_sqlite']['wall_s']} s | | |")
    print(
        f"| build 10 tables, PostgreSQL | {r['build_postgres']['wall_s']} s ({r['build_postgres_vs_sqlite']}×) | | |"
    )
    n = args.s3_runs
    print(f"| collect {n:,} runs from disk | {r[f'collect_disk_{n}']['wall_s']} s | | |")
    print(
        f"| collect {n:,} runs from S3 (moto) | {r[f'collect_s3_{n}']['wall_s']} s ({r['s3_vs_disk_cold']}×) | | |"
    )
    print(f"| re-collect, unchanged, disk | {r[f'recollect_disk_{n}']['wall_s']} s | | |")
    print(
        f"| re-collect, unchanged, S3 | {r[f'recollect_s3_{n}']['wall_s']} s ({r['s3_vs_disk_unchanged']}×) | | |"
    )
    floors = r["s3_floors"]
    print(f"| floor: list the {floors['objects']:,} objects (s3fs find) | {floors['list_s']} s | | |")
    print(f"| floor: fetch every object's bytes (s3fs cat, concurrent) | {floors['fetch_all_s']} s | | |")


if __name__ == "__main__":
    main()
