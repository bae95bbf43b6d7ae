"""Many collectors, one PostgreSQL store: no run lost or doubled, readers never blocked, and `watch`
and `check` see what the other collectors wrote."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, curve, env_without, train_seed, write_native_run
from test_postgres_store import everything
from test_watch import Watcher

from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.store import Store

COLLECTOR = textwrap.dedent(
    """
    import sys
    from resultsbook.sources import collect as collecting
    collecting.BATCH_SOURCES = int(sys.argv[2])
    from resultsbook.sources.collect import CollectRequest, collect
    from resultsbook.store import Store
    with Store.open(sys.argv[1]) as store:
        report = collect(store, [CollectRequest(path) for path in sys.argv[3:]])
    print(report.new, report.updated, report.unchanged)
    """
)


def make_groups(root: Path, groups: int, runs: int) -> list[Path]:
    folders = []
    for group in range(groups):
        for index in range(runs):
            seed = group * runs + index
            write_native_run(
                root / f"g{group}" / f"r{index:03d}", {"seed": seed}, curve([seed, seed / 2, 1.0])
            )
        folders.append(root / f"g{group}")
    return folders


def without_ids(answers: dict[str, object]) -> dict[str, object]:
    return {part: value for part, value in answers.items() if part != "ids"}


def test_eight_collectors_at_once_store_each_run_exactly_once(tmp_path, postgres_cluster):
    groups = make_groups(tmp_path / "runs", 8, 40)  # 320 runs, read in worker processes by some collectors
    root = tmp_path / "runs"
    shared, serial = postgres_cluster.create_database(), postgres_cluster.create_database()
    jobs = [
        *([str(group)] for group in groups[:4]),  # four nodes, each its own runs
        [str(root)],  # one node collects everything
        [str(group) for group in reversed(groups[:5])],  # overlapping, in the opposite order
        [str(group) for group in groups[3:]],
        [str(root)],
    ]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", COLLECTOR, shared, str(batch), *paths],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for paths, batch in zip(jobs, (7, 13, 500, 3, 11, 5, 17, 2))
    ]
    outputs = [process.communicate(timeout=600) for process in processes]
    assert [process.returncode for process in processes] == [0] * 8, [err for _, err in outputs]
    new = sum(int(out.split()[0]) for out, _ in outputs)
    assert new == 320  # each run was new to exactly one collector
    with Store.open(serial) as store:
        collect(store, [CollectRequest(str(root))])
        expected = everything(store)
    with Store.open(shared) as store:
        assert without_ids(everything(store)) == without_ids(expected)
        assert store.counts() == {"runs": 320, "sources": 320}


def test_a_batch_the_server_aborts_in_a_deadlock_is_replayed_whole(tmp_path, pg_url):
    """Collectors lock sources in path order, so they never deadlock each other; another program
    can: here it holds one source's row while the batch holds the other, then asks for the batch's.
    PostgreSQL aborts the batch, which is replayed and stores everything once."""
    import psycopg

    for name in ("a", "b"):
        write_native_run(tmp_path / "runs" / name, {"seed": name}, curve([1.0, 2.0]))
    request = [CollectRequest(str(tmp_path / "runs"))]
    with Store.open(pg_url) as store:
        collect(store, request)
    for name in ("a", "b"):
        write_native_run(tmp_path / "runs" / name, {"seed": name}, curve([1.0, 2.0, 3.0]))
    path_a, path_b = ((tmp_path / "runs" / name).as_posix() for name in ("a", "b"))
    reports, errors = [], []

    def collector() -> None:
        try:
            with Store.open(pg_url) as store:
                reports.append(collect(store, request))
        except BaseException as error:
            errors.append(error)

    with psycopg.connect(pg_url, autocommit=True) as other:
        other.execute("BEGIN")
        other.execute("UPDATE sources SET adapter = adapter WHERE path = %s", [path_b])
        thread = threading.Thread(target=collector)
        thread.start()
        for _ in range(600):  # until the batch holds a and waits for b
            other.execute("SELECT pg_stat_clear_snapshot()")  # statistics views stay put in a transaction
            waiting = other.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            ).fetchone()[0]
            if waiting:
                break
            time.sleep(0.05)
        assert waiting == 1
        other.execute("UPDATE sources SET adapter = adapter WHERE path = %s", [path_a])  # the cycle
        other.execute("COMMIT")
        thread.join(60)
        deadlocks = 0
        for _ in range(50):  # the server publishes its statistics within a second
            other.execute("SELECT pg_stat_clear_snapshot()")
            deadlocks = other.execute(
                "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
            ).fetchone()[0]
            if deadlocks:
                break
            time.sleep(0.1)
    assert errors == [] and deadlocks == 1
    assert (reports[0].updated, reports[0].new) == (
        2,
        0,
    )  # the replayed batch's counts, not the aborted one's
    with Store.open(pg_url) as store:
        assert [run.name for run in store.runs()] == ["a", "b"]
        assert [store.run_metrics(run.id)[0]["n"] for run in store.runs()] == [3, 3]


# ----------------------------------------------------------------------------------- a lab's project
@pytest.fixture
def lab_project(tmp_path, pg_url):
    """The quickstart on a shared store: its runs collected by a 'node', the project elsewhere."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "examples" / "quickstart", project, ignore=shutil.ignore_patterns("runs", "*.db*"))
    subprocess.run(
        [sys.executable, "train.py", "--seeds", "0", "1", "2"], cwd=project, check=True, capture_output=True
    )
    return project


def run_cli(project: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "resultsbook", *args],
        cwd=project,
        env={**env_without("RESULTSBOOK_DB"), "RESULTSBOOK_DB": url},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_sees_runs_another_collector_wrote(lab_project, pg_url, tmp_path):
    assert run_cli(lab_project, pg_url, "build").returncode == 0
    assert run_cli(lab_project, pg_url, "check").returncode == 0
    train_seed(
        lab_project, 7, tmp_path / "node2"
    )  # another node's run, in a folder this project does not name
    assert run_cli(tmp_path, pg_url, "collect", str(tmp_path / "node2")).returncode == 0
    result = run_cli(lab_project, pg_url, "check")
    assert result.returncode == 1
    assert "MLP (16 hidden) / Moons:" in result.stdout and "1 run added" in result.stdout


def test_watch_rebuilds_when_another_collector_writes_into_the_store(lab_project, pg_url, tmp_path):
    table = lab_project / "paper" / "results" / "table1.tex"
    watcher = Watcher(lab_project, "--db", pg_url)
    try:
        watcher.wait_for("start:", timeout=60)
        before = table.read_text()
        train_seed(lab_project, 8, tmp_path / "node2")
        started = time.monotonic()
        collected = run_cli(tmp_path, pg_url, "collect", str(tmp_path / "node2"))
        assert collected.returncode == 0, collected.stderr
        watcher.wait_for("store: runs or outputs written by another process", timeout=30)
        assert table.read_text() != before
        assert time.monotonic() - started < 30
    finally:
        assert watcher.stop() in (0, 130)


def test_a_source_not_on_this_machine_is_built_from_the_shared_store(lab_project, pg_url):
    assert run_cli(lab_project, pg_url, "build").returncode == 0
    elsewhere = lab_project.parent / "member-laptop"
    shutil.copytree(lab_project, elsewhere, ignore=shutil.ignore_patterns("runs"))
    built = run_cli(elsewhere, pg_url, "build")
    assert built.returncode == 0, built.stderr
    assert (
        "runs: is not on this machine: it was not collected here — kept: the runs other collectors"
        in built.stderr
    )
    assert "9 output(s) unchanged" in built.stdout
    assert run_cli(elsewhere, pg_url, "check").returncode == 0


@pytest.mark.parametrize("command", [("runs",), ("status",)])
def test_a_read_cut_off_by_the_server_does_not_claim_a_lost_batch(
    pg_url, make_run, cli, monkeypatch, command
):
    """A read-only command whose connection the server ended said "nothing of this command's last batch
    was kept", as if it had been writing."""
    import psycopg

    from resultsbook.store.postgres import PostgresStore

    make_run("seed0", {"seed": 0}, curve([0.5]))
    (make_run("seed0").parent.parent / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\nrows = ["seed"]\noutputs = ["t.md"]\n'
    )
    assert cli("collect", "runs", "--db", pg_url).exit_code == 0
    snapshot = PostgresStore.snapshot

    def cut_off(store):  # the administrator restarts the server as the command starts reading
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [store.conn.info.backend_pid])
        return snapshot(store)

    monkeypatch.setattr(PostgresStore, "snapshot", cut_off)
    result = cli(*command, "--db", pg_url)
    assert result.exit_code == 74
    assert result.output.startswith(f"Error: the shared store {pg_url} failed (")
    assert result.output.endswith("); check that the server is up and run the command again\n")
    assert "batch" not in result.output and result.output.count("\n") == 1


def test_a_collector_suspended_inside_its_batch_does_not_hang_the_others(tmp_path, pg_url, monkeypatch):
    """A collect stopped with Ctrl-Z (or whose node froze) while it held its batch's sources made every
    other collect of them wait, silently, for as long as it stayed stopped; now the server ends its batch
    and the others, told for whom they wait, go on."""

    from resultsbook.store import pg_writer, postgres

    for seed in range(20):
        write_native_run(tmp_path / "runs" / f"seed{seed}", {"seed": seed}, curve([0.1, 0.2]))
    resumed = threading.Event()
    copy_rows = pg_writer.PostgresWriter._copy_rows

    def suspended(writer):  # the sources are locked: Ctrl-Z here
        resumed.wait(60)
        copy_rows(writer)

    monkeypatch.setattr(pg_writer.PostgresWriter, "_copy_rows", suspended)
    monkeypatch.setattr(postgres, "IDLE_IN_WRITE_MS", 4000, raising=False)
    failures: list[BaseException] = []

    def holder() -> None:
        try:
            with Store.open(pg_url) as store:
                collect(store, [CollectRequest(str(tmp_path / "runs"))])
        except Exception as error:  # its session was ended while it was stopped
            failures.append(error)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        wait_for_a_session(pg_url, "state = 'idle in transaction'")
        other = subprocess.run(
            [sys.executable, "-m", "resultsbook", "collect", "runs", "--db", pg_url],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        resumed.set()
        thread.join(60)
    assert other.stdout.strip() == "Collected runs: 20 new, 0 updated, 0 unchanged, 0 problems", other.stderr
    # and while it waited, it said for whom, once (it waited in silence)
    waiting = [line for line in other.stderr.splitlines() if line.startswith("Waiting for the shared store")]
    assert len(waiting) == 1, other.stderr
    assert waiting[0].startswith(
        f"Waiting for the shared store {pg_url}: another collector is writing the same "
    )
    assert ", idle in transaction for " in waiting[0]
    assert waiting[0].endswith(
        "this command goes on when it is done (one stopped inside its batch is ended after 60 s); "
        "Ctrl-C stops it, keeping what it stored"
    )
    assert len(failures) == 1 and "idle-in-transaction timeout" in str(failures[0])
    with Store.open(pg_url) as store:
        assert store.counts() == {"runs": 20, "sources": 20}


def wait_for_a_session(url: str, condition: str, seconds: float = 30) -> None:
    """Wait until a session of the server is in some state (a condition on pg_stat_activity)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as admin:
        deadline = time.monotonic() + seconds
        query = f"SELECT count(*) FROM pg_stat_activity WHERE {condition}"
        while admin.execute(query).fetchone()[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)


# a collector that stops itself inside its pipelined batch: the sources of its first rows are locked and
# its server session is `active`, waiting for the rest of the batch (no idle-in-transaction timeout runs)
_STOPS_INSIDE_ITS_PIPELINE = """
import os, signal, sys
from resultsbook.console import main
from resultsbook.store import pg_writer

class Stopping:
    def __init__(self, conn):
        self.conn = conn
    def __getattr__(self, name):
        return getattr(self.conn, name)
    def execute(self, query, *args):
        cursor = self.conn.execute(query, *args)
        if query.startswith("SELECT runs.id") and not os.environ.get("STOPPED"):  # inside the pipeline
            os.environ["STOPPED"] = "1"  # once: its first source is locked
            self.conn.pgconn.flush()
            os.kill(os.getpid(), signal.SIGSTOP)
        return cursor

init = pg_writer.PostgresWriter.__init__
pg_writer.PostgresWriter.__init__ = lambda writer, conn, relative: init(writer, Stopping(conn), relative)
sys.argv = ["resultsbook", "collect", "runs", "--db", sys.argv[1]]
main()
"""
_WAITS_AT_MOST_3_S = """
import sys
from resultsbook.console import main
from resultsbook.store import postgres

postgres.IDLE_IN_WRITE_MS = 3000
sys.argv = ["resultsbook", "collect", "runs", "--db", sys.argv[1]]
main()
"""


def test_a_collector_stopped_inside_its_pipelined_batch_is_ended_and_the_others_go_on(tmp_path, pg_url):
    """A collect stopped (Ctrl-Z, a frozen node) while its batch was still being sent left its session
    `active`, which no server timeout ends on PostgreSQL 15: every other collect of those sources waited
    for as long as it stayed stopped. Now the collector waiting for it ends that session once it made no
    progress for the idle limit, says so, and goes on."""
    import os
    import signal

    for seed in range(20):
        write_native_run(tmp_path / "runs" / f"seed{seed}", {"seed": seed}, curve([0.1, 0.2]))
    stopped = subprocess.Popen(
        [sys.executable, "-c", _STOPS_INSIDE_ITS_PIPELINE, pg_url],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, status = os.waitpid(stopped.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), stopped.communicate()
        wait_for_a_session(
            pg_url, "state = 'active' AND wait_event = 'ClientRead' AND backend_xid IS NOT NULL"
        )
        started = time.monotonic()
        other = subprocess.run(
            [sys.executable, "-c", _WAITS_AT_MOST_3_S, pg_url],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        waited = time.monotonic() - started
    finally:
        stopped.send_signal(signal.SIGCONT)
        out, err = stopped.communicate(timeout=60)
    assert other.returncode == 0, other.stderr
    assert waited < 30
    assert other.stdout == "Collected runs: 20 new, 0 updated, 0 unchanged, 0 problems\n"
    told = other.stderr.splitlines()
    assert len(told) == 2 and told[0].startswith("Waiting for the shared store"), told
    assert told[1].startswith(f"Ended the session of another collector of the shared store {pg_url} (pid ")
    assert told[1].endswith(
        "): it was stopped inside its batch for 3 s, waiting for its client (suspended, or its network "
        "gone); its batch is dropped whole, and this command goes on"
    ), told
    assert stopped.returncode == 74, (out, err)
    assert err.startswith(f"Error: the shared store {pg_url} failed (")
    assert "nothing of this command's last batch was kept" in err
    with Store.open(pg_url) as store:
        assert store.counts() == {"runs": 20, "sources": 20}
