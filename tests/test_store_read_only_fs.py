"""A store on a filesystem mounted read-only (a CI artifact, a container's mount) is read where it is;
commands that write it say why they cannot. Needs root to mount a tmpfs (skipped otherwise)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from test_api import quickstart_runs

import resultsbook as rb

TABLE = ("table", "--rows", "model", "--columns", "dataset", "--metric", "test/acc", "--goal", "max")


def _project_on(folder: Path, make_run, cli) -> Path:
    quickstart_runs(make_run)
    db = folder / "resultsbook.db"
    assert cli("collect", "runs", "--db", str(db)).exit_code == 0
    return db


def test_reading_commands_read_a_store_on_a_read_only_filesystem(tmpfs_mount, make_run, cli):
    folder, remount = tmpfs_mount
    db = _project_on(folder, make_run, cli)
    before = cli(*TABLE, "--db", str(db)).output
    remount("ro")
    result = cli(*TABLE, "--db", str(db))  # it said "cannot open the store ... check that it is writable"
    assert (result.exit_code, result.output) == (0, before)
    assert cli("runs", "--db", str(db)).output.endswith("12 run(s)\n")
    with rb.open(str(db)) as book:
        assert len(book.runs()) == 12
    assert sorted(os.listdir(folder)) == ["resultsbook.db"]  # nothing written beside it


def test_a_command_that_writes_the_store_says_the_filesystem_is_read_only(tmpfs_mount, make_run, cli):
    folder, remount = tmpfs_mount
    db = _project_on(folder, make_run, cli)
    remount("ro")
    result = cli("collect", "runs", "--db", str(db))
    assert result.exit_code == 74
    assert result.output == (
        f"Error: the store {db} is on a read-only filesystem and this command writes it; mount it writable, "
        "or copy it elsewhere and pass --db COPY (reading it works there)\n"
    )
    with pytest.raises(rb.ResultsbookError, match=r"pass db='COPY' \(reading it works there\)$"):
        rb.collect(["runs"], db=str(db))  # from Python, in Python's words


def test_a_journal_holding_writes_is_not_skipped_on_a_read_only_filesystem(tmpfs_mount, make_run, cli):
    """Read as unchanging, the file alone would silently lack the writes its WAL journal holds."""
    folder, remount = tmpfs_mount
    db = _project_on(folder, make_run, cli)
    Path(f"{db}-wal").write_bytes(b"\0" * 4096)  # what a machine that lost power mid-collect leaves
    remount("ro")
    result = cli(*TABLE, "--db", str(db))
    assert result.exit_code == 74
    assert "its journal" in result.output and "holds writes not yet in it" in result.output


def _as_a_user(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command as an ordinary user would be: root's power to write any folder dropped."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to drop the capabilities that write any folder")
    bounded = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner,-chown"]
    return subprocess.run([*bounded, sys.executable, *command], cwd=cwd, capture_output=True, text=True)


def test_reading_commands_read_a_store_in_a_folder_the_user_cannot_write(tmp_path, make_run, cli):
    """Someone else's results folder (chmod 555): every reading command failed, exit 74, advising to make
    the store writable, which it was; SQLite could not make its WAL index beside it."""
    folder = tmp_path / "theirs"
    folder.mkdir()
    db = _project_on(folder, make_run, cli)
    before = cli(*TABLE, "--db", str(db)).output
    folder.chmod(0o555)
    try:
        shown = _as_a_user("-m", "resultsbook", *TABLE, "--db", str(db), cwd=tmp_path)
        assert (shown.returncode, shown.stdout) == (0, before), shown.stderr
        listed = _as_a_user("-m", "resultsbook", "runs", "--db", str(db), cwd=tmp_path)
        assert listed.stdout.endswith("12 run(s)\n"), listed.stderr
        assert sorted(os.listdir(folder)) == ["resultsbook.db"]  # nothing written beside it
        owner = sqlite3.connect(db)  # its owner collecting: the journal and its index are there
        owner.execute("PRAGMA wal_autocheckpoint = 0")
        owner.execute("CREATE TABLE owners_write (x)")
        owner.commit()
        Path(f"{db}-shm").chmod(0o444)  # the owner's, not the reader's to write
        try:
            written = _as_a_user("-m", "resultsbook", "runs", "--db", str(db), cwd=tmp_path)
            assert written.stdout.endswith("12 run(s)\n"), written.stderr  # read through the index
        finally:
            owner.close()
    finally:
        folder.chmod(0o755)
