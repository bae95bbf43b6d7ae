"""Many collectors, one store: concurrent collect, watch, build and check processes on one SQLite store
all finish, and the store ends as one serial collect leaves it."""

from __future__ import annotations

import json
import os
import select
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import curve, write_native_run

from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.store import Store

GROUPS = 4
RUNS_PER_GROUP = 60


def make_tree(root: Path) -> None:
    """Four groups of native runs and one folder of one-file runs."""
    for group in range(GROUPS):
        for index in range(RUNS_PER_GROUP):
            config = {"group": group, "seed": index, "lr": 0.1}
            write_native_run(root / f"g{group}" / f"run{index:03d}", config, curve([0.1 * index, 0.2, 0.3]))
    for seed in range(20):
        folder = root / "reports" / "mlp" / f"{seed}"
        folder.mkdir(parents=True)
        document = {"config": {"seed": seed}, "metrics": {"test": {"score": seed / 20}}}
        (folder / "report.json").write_text(json.dumps(document))


def content(path: Path) -> list[tuple]:
    """Return what a store says about its runs, independent of internal ids and write order."""
    connection = sqlite3.connect(path)
    runs = connection.execute(
        "SELECT runs.run_id, sources.path, runs.name, runs.present, runs.digest FROM runs "
        "JOIN sources ON sources.id = runs.source_id"
    ).fetchall()
    params = connection.execute(
        "SELECT runs.run_id, key, value, type FROM params JOIN runs ON runs.id = params.run"
    ).fetchall()
    metrics = connection.execute(
        "SELECT runs.run_id, key, n, last, summary FROM metrics JOIN runs ON runs.id = metrics.run"
    ).fetchall()
    series = connection.execute(
        'SELECT runs.run_id, key, steps, "values" FROM series JOIN runs ON runs.id = series.run'
    ).fetchall()
    sources = connection.execute("SELECT path, adapter, signature, present FROM sources").fetchall()
    connection.close()
    return [sorted(runs), sorted(params), sorted(metrics), sorted(series), sorted(sources)]


def resultsbook(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "resultsbook", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    make_tree(tmp_path / "runs")
    (tmp_path / "resultsbook.toml").write_text(
        textwrap.dedent(
            """
            [[sources]]   # what the watch collects itself; the collectors bring the rest
            path = "runs/g0"

            [tables.acc]
            metric = "acc"
            rows = ["group"]
            outputs = ["results/acc.md"]
            """
        )
    )
    return tmp_path


def test_eight_collectors_and_a_watch_leave_the_store_one_serial_collect_leaves(project: Path) -> None:
    runs = project / "runs"
    watch = resultsbook("watch", "--debounce", "50", cwd=project)
    try:
        _wait_for_line(watch, "start:")  # built once, from its own source: group 0 only
        folders = [f"runs/g{g}" for g in range(GROUPS)]  # disjoint
        folders += ["runs", "runs/g0", "runs/g1", "runs/reports"]  # overlapping
        collectors = [resultsbook("collect", folder, "-q", cwd=project) for folder in folders]
        # a run the watch collects itself while the others write
        write_native_run(runs / "g0" / "run999", {"group": 0, "seed": 999, "lr": 0.1}, curve([0.5]))
        builders = [resultsbook("build", "-q", cwd=project), resultsbook("check", "--json", cwd=project)]
        outcomes = [(process.args, *process.communicate(timeout=300)) for process in collectors]
        for process in collectors:
            assert process.returncode == 0, outcomes
        for args, _, err in outcomes:
            assert "Traceback" not in err and "locked" not in err, (args, err)
        for process in builders:
            _, err = process.communicate(timeout=300)
            assert "Traceback" not in err and "locked" not in err, err
            assert process.returncode in (0, 1), err  # check may find the table stale: not a crash
        # the watch saw the others' runs: its last rebuild is current with the final store
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _current(project):
            time.sleep(0.5)
        assert _current(project), _check(project)
        assert "| 3 " in (project / "results/acc.md").read_text()  # every group's row is there
        assert watch.poll() is None, watch.communicate()
    finally:
        watch.terminate()
        _, err = watch.communicate(timeout=60)
    assert "Traceback" not in err and "locked" not in err, err
    serial = Store.open(str(project / "serial.db"))
    collect(serial, [CollectRequest(str(runs))])
    serial.close()
    assert content(project / "resultsbook.db") == content(project / "serial.db")
    assert len(content(project / "serial.db")[0]) == GROUPS * RUNS_PER_GROUP + 20 + 1


def _wait_for_line(process: subprocess.Popen, text: str, seconds: float = 120) -> None:
    """Read a process's output until a line holds `text`; fail (not hang) when it never comes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], max(deadline - time.monotonic(), 0))
        line = process.stdout.readline() if ready else ""
        if text in line:
            return
        if not line and process.poll() is not None:
            break
    process.kill()
    raise AssertionError(f"no line with {text!r}: {process.communicate()}")


def _check(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "resultsbook", "check"], cwd=project, capture_output=True, text=True
    )


def _current(project: Path) -> bool:
    return _check(project).returncode == 0


def test_a_store_locked_by_a_long_write_waits_instead_of_failing(tmp_path: Path) -> None:
    make_tree(tmp_path / "runs")
    Store.open(str(tmp_path / "resultsbook.db")).close()
    holder = sqlite3.connect(tmp_path / "resultsbook.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    collector = resultsbook("collect", "runs/g0", cwd=tmp_path)
    time.sleep(1.5)
    assert collector.poll() is None  # waiting, not crashed
    holder.execute("COMMIT")
    holder.close()
    out, err = collector.communicate(timeout=120)
    assert collector.returncode == 0, err
    assert f"{RUNS_PER_GROUP} new" in out


def test_a_collect_waiting_for_a_locked_store_says_who_holds_it_and_stops_at_ctrl_c(tmp_path: Path) -> None:
    make_tree(tmp_path / "runs")
    Store.open(str(tmp_path / "resultsbook.db")).close()
    holder = sqlite3.connect(tmp_path / "resultsbook.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock, for as long as it likes
    collector = resultsbook("collect", "runs/g0", cwd=tmp_path)
    try:
        ready, _, _ = select.select([collector.stderr], [], [], 60)
        line = collector.stderr.readline() if ready else ""  # before: nothing said, however long it waited
        assert line.startswith("Waiting for the store resultsbook.db: another process is writing it"), line
        assert f"{os.getpid()} (" in line  # the process that has the store open (this test) is named
        assert "Ctrl-C" in line
        collector.send_signal(signal.SIGINT)
        # before: SQLite's busy handler held Ctrl-C back for its 30 s; the holder never lets go here
        _, err = collector.communicate(timeout=20)
        assert collector.returncode == 130, err
    finally:
        collector.kill()
        collector.communicate()
        holder.execute("ROLLBACK")
        holder.close()


HOLDS_THE_WRITE_LOCK = """
import sqlite3, sys, time
holder = sqlite3.connect(sys.argv[1], isolation_level=None)
holder.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="which process holds a file is read from Linux's /proc")
def test_a_wait_for_a_stopped_process_says_it_is_stopped_and_how_to_resume_it(tmp_path: Path) -> None:
    """A collect suspended with Ctrl-Z inside its write holds the store until resumed: the waiting one
    said `another process is writing it`, and would wait its 10 minutes for a process that is not running."""
    store = str(tmp_path / "resultsbook.db")
    Store.open(store).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLDS_THE_WRITE_LOCK, store], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        holder.send_signal(signal.SIGSTOP)
        while Path(f"/proc/{holder.pid}/stat").read_text().rpartition(")")[2].split()[0] not in "Tt":
            time.sleep(0.01)  # the kernel stops it asynchronously; this waits for that, not for a race
        waiting = "from resultsbook.store import say_waiting; import sys; say_waiting(sys.argv[1], 600)"
        told = subprocess.run([sys.executable, "-c", waiting, store], capture_output=True, text=True).stderr
        assert f"{holder.pid} (python" in told
        assert f"stopped: `kill -CONT {holder.pid}`, or `fg` in its terminal, lets it go on)" in told
    finally:
        holder.kill()
        holder.communicate()


STOPPED_BEFORE_ITS_FIRST_WRITE = """
import sys, time
from resultsbook.store import Store
original = Store.write
def slow(self, work):
    print("writing", flush=True)
    time.sleep(60)
    return original(self, work)
Store.write = slow
from resultsbook.cli import main
sys.argv = ["resultsbook", "collect", "runs/g0", "--db", "new.db"]
main()
"""


def test_a_collect_ended_by_sigterm_stops_as_at_ctrl_c_and_leaves_no_empty_store(tmp_path: Path) -> None:
    make_tree(tmp_path / "runs")
    collector = subprocess.Popen(
        [sys.executable, "-c", STOPPED_BEFORE_ITS_FIRST_WRITE],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert collector.stdout is not None and collector.stdout.readline() == "writing\n"
        collector.terminate()  # `kill`, `timeout`, a scheduler ending the job
        _, err = collector.communicate(timeout=60)
    finally:
        collector.kill()
        collector.communicate()
    # before: killed where it stood (exit -15, nothing said), leaving the store it had made, empty
    assert collector.returncode == 143, err
    assert err.strip() == (  # as Ctrl-C's
        "Terminated; what was stored is whole (no run is half-written): collect again to read the rest."
    )
    assert not (tmp_path / "new.db").exists()


def test_readers_are_not_blocked_by_a_writer(tmp_path: Path) -> None:
    make_tree(tmp_path / "runs")
    store = Store.open(str(tmp_path / "resultsbook.db"))
    collect(store, [CollectRequest(str(tmp_path / "runs" / "g0"))])
    holder = sqlite3.connect(tmp_path / "resultsbook.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE runs SET name = 'x'")
    started = time.monotonic()
    assert len(store.runs()) == RUNS_PER_GROUP  # the last committed state, at once
    assert time.monotonic() - started < 5
    holder.execute("ROLLBACK")
    holder.close()
    store.close()


def test_a_store_created_by_another_process_between_two_reads_is_not_taken_for_a_foreign_one(
    tmp_path: Path,
) -> None:
    """Two collects creating one new store at once: the second read that the store had no migration
    record before the first committed it, then its tables after, and refused the store as another
    program's database."""
    from resultsbook.store.schema import refuse_foreign

    path = str(tmp_path / "new.db")
    sqlite3.connect(path, isolation_level=None).execute("PRAGMA journal_mode=WAL").close()

    class AnotherProcessCreatesItAfterTheFirstRead:
        """A connection during whose first read another process creates the store."""

        def __init__(self) -> None:
            self.conn = sqlite3.connect(path, isolation_level=None)
            self.raced = False

        @property
        def in_transaction(self) -> bool:
            return self.conn.in_transaction

        def execute(self, sql: str, parameters: tuple[object, ...] = ()) -> sqlite3.Cursor:
            try:
                return self.conn.execute(sql, parameters)
            finally:
                if sql.lstrip().upper().startswith("SELECT") and not self.raced:
                    self.raced = True
                    Store.open(path).close()  # commits the tables and their record together

    racing = AnotherProcessCreatesItAfterTheFirstRead()
    refuse_foreign(racing, path)  # type: ignore[arg-type]  # before: "is not a resultsbook store"
    racing.conn.close()
    assert racing.raced


def test_two_processes_creating_one_new_store_at_once_both_succeed(tmp_path: Path) -> None:
    make_tree(tmp_path / "runs")
    script = textwrap.dedent(
        f"""
        from resultsbook.sources.collect import CollectRequest, collect
        from resultsbook.store import Store
        import sys
        store = Store.open({str(tmp_path / "new.db")!r})
        collect(store, [CollectRequest({str(tmp_path / "runs")!r} + "/" + sys.argv[1])])
        store.close()
        """
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", script, f"g{g}"], stderr=subprocess.PIPE, text=True)
        for g in range(GROUPS)
    ]
    errors = [process.communicate(timeout=120)[1] for process in processes]  # each waited for, failed or not
    assert [process.returncode for process in processes] == [0] * GROUPS, errors
    with Store.open(str(tmp_path / "new.db")) as store:
        assert store.counts()["runs"] == GROUPS * RUNS_PER_GROUP


def test_an_interrupted_collect_keeps_whole_sources_only(tmp_path: Path, monkeypatch) -> None:
    from resultsbook.sources import collect as collecting
    from resultsbook.store import writer

    make_tree(tmp_path / "runs")
    monkeypatch.setattr(collecting, "BATCH_SOURCES", 7)
    calls = {"n": 0}
    original = writer.StoreWriter.write_source

    def interrupt(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 30:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(writer.StoreWriter, "write_source", interrupt)
    store = Store.open(str(tmp_path / "resultsbook.db"))
    with pytest.raises(KeyboardInterrupt):
        collect(store, [CollectRequest(str(tmp_path / "runs"))])
    kept = store.runs()
    assert len(kept) == 28  # four whole batches of 7; the fifth was rolled back
    for run in kept:  # every stored run is whole: its params and its series
        assert run.params["lr"] == 0.1 and len(store.series("acc", [run.id])[run.id][0]) == 3
    monkeypatch.setattr(writer.StoreWriter, "write_source", original)
    report = collect(store, [CollectRequest(str(tmp_path / "runs"))])
    assert (report.new, report.unchanged) == (GROUPS * RUNS_PER_GROUP + 20 - 28, 28)
    store.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the killed writer is a forked process")
def test_a_collect_killed_half_way_leaves_whole_runs_and_a_clean_finish(tmp_path: Path) -> None:
    make_tree(tmp_path / "runs")
    script = textwrap.dedent(
        f"""
        import time
        from resultsbook.sources import collect as collecting
        from resultsbook.store import writer
        collecting.BATCH_SOURCES = 10
        original = writer.StoreWriter.write_source
        count = 0
        def slow(self, *args, **kwargs):
            global count
            count += 1
            if count == 55:
                print("half", flush=True)
                time.sleep(60)
            return original(self, *args, **kwargs)
        writer.StoreWriter.write_source = slow
        from resultsbook.sources.collect import CollectRequest, collect
        from resultsbook.store import Store
        collect(Store.open({str(tmp_path / "killed.db")!r}), [CollectRequest({str(tmp_path / "runs")!r})])
        """
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout.readline().strip() == "half"
        process.kill()
        process.wait()
    killed = Store.open(str(tmp_path / "killed.db"))
    assert killed.counts()["runs"] == 50  # five whole batches
    collect(killed, [CollectRequest(str(tmp_path / "runs"))])
    killed.close()
    clean = Store.open(str(tmp_path / "clean.db"))
    collect(clean, [CollectRequest(str(tmp_path / "runs"))])
    clean.close()
    assert content(tmp_path / "killed.db") == content(tmp_path / "clean.db")
