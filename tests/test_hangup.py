"""SIGTERM and SIGHUP (the terminal closed) stop a watch as Ctrl-C does, after its round, and a collect
waiting on the shared store with one line, leaving the store whole."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from conftest import curve, write_native_run
from test_shared_store import wait_for_a_session
from test_watch import SLOW_THEN, Watcher, project  # noqa: F401  (project: the fixture)

from resultsbook.store import Store


def wait_for_file(path: Path, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while not path.exists() and time.time() < deadline:
        time.sleep(0.02)
    assert path.exists(), f"{path} never appeared"


def test_sigterm_during_a_rebuild_lets_it_finish_then_stops(project):  # noqa: F811
    """SIGTERM cut the round short (its --then killed, outputs stale) and still said "Stopped.", exit 0."""
    watcher = Watcher(project, "--then", SLOW_THEN)
    try:
        wait_for_file(project / "then-started")
        watcher.process.send_signal(signal.SIGTERM)  # a scheduler, `kill`, systemd stopping the unit
        code = watcher.process.wait(timeout=30)
    finally:
        watcher.process.kill()
        watcher.reader.join(timeout=5)
        watcher.process.stdout.close()
    assert code == 0, watcher.lines
    assert (project / "then-done").exists(), watcher.lines
    assert "Finishing this rebuild, then stopping (SIGTERM again stops at once)" in watcher.lines
    assert watcher.lines[-1] == "Stopped."
    check = subprocess.run([sys.executable, "-m", "resultsbook", "check"], cwd=project, capture_output=True)
    assert check.returncode == 0, check.stdout


def on_a_terminal(command: list[str], cwd: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Start a command whose controlling terminal is a new pty; return it and the pty's master side."""
    master, slave = os.openpty()

    def take_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        command, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, preexec_fn=take_terminal
    )
    os.close(slave)
    return process, master


def test_closing_the_terminal_during_a_rebuild_lets_it_finish_then_stops_quietly(project, tmp_path):  # noqa: F811
    """The closed terminal's SIGHUP killed watch mid-round: outputs stale until someone built again."""
    watch = [sys.executable, "-m", "resultsbook", "watch", "--debounce", "100", "--then", SLOW_THEN]
    before = set(Path(os.environ.get("TMPDIR", "/tmp")).glob("resultsbook-error-*"))
    process, master = on_a_terminal(watch, project)
    try:
        wait_for_file(project / "then-started")
        os.close(master)  # the terminal window (or the ssh session) closes: SIGHUP to its session
        code = process.wait(timeout=30)
    finally:
        process.kill()
        process.wait()
    assert code == 0
    assert (project / "then-done").exists()
    assert set(Path(os.environ.get("TMPDIR", "/tmp")).glob("resultsbook-error-*")) == before  # no crash
    check = subprocess.run([sys.executable, "-m", "resultsbook", "check"], cwd=project, capture_output=True)
    assert check.returncode == 0, check.stdout


def test_a_collect_waiting_on_the_shared_store_ends_in_one_line_when_its_terminal_closes(tmp_path, pg_url):
    """It was killed where it stood, saying nothing; now it says the store is whole, and a later collect
    stores every run once."""
    psycopg = pytest.importorskip("psycopg")
    for seed in range(20):
        write_native_run(tmp_path / "runs" / f"seed{seed}", {"seed": seed}, curve([0.1, 0.2]))
    command = [sys.executable, "-m", "resultsbook", "collect", "runs", "--db", pg_url]
    assert subprocess.run(command, cwd=tmp_path, capture_output=True).returncode == 0
    for seed in range(20):
        with open(tmp_path / "runs" / f"seed{seed}" / "metrics.jsonl", "a") as handle:
            handle.write('{"step": 3, "acc": 0.9}\n')
    with psycopg.connect(pg_url) as other:  # another collector's batch holds the sources
        other.execute("SELECT id FROM sources FOR UPDATE")
        collector = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            wait_for_a_session(pg_url, "application_name = 'resultsbook' AND wait_event_type = 'Lock'")
            collector.send_signal(signal.SIGHUP)
            _, err = collector.communicate(timeout=30)
        finally:
            collector.kill()
            collector.communicate()
    assert collector.returncode == 129, err
    assert err.decode().strip().splitlines()[-1] == (  # after "Waiting for the shared store …" if it was slow
        "Hung up (the terminal closed); what was stored is whole (no run is half-written): collect again to "
        "read the rest."
    )
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert again.stdout.strip() == "Collected runs: 0 new, 20 updated, 0 unchanged, 0 problems"
    with Store.open(pg_url) as store:
        assert store.counts() == {"runs": 20, "sources": 20}
        assert {store.run_metrics(run.id)[0]["n"] for run in store.runs()} == {3}
