"""A damaged store, a file that is no store, a full disk and a read-only output each get one line that
names the damage and a way out that keeps the data — never advice to delete anything."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from bad_inputs import damage_copy
from conftest import write_native_run

from resultsbook.store import Store
from resultsbook.voice import to_command_line

SPEC = """
[[sources]]
path = "runs"

[tables.t]
metric = "acc"
rows = ["model"]
outputs = ["out/t.tex", "out/t.md"]
"""


def write_runs(root: Path, count: int = 6, points: int = 3) -> None:
    for index in range(count):
        metrics = [{"step": step, "acc": index + step / 100} for step in range(points)]
        write_native_run(root / "runs" / f"r{index}", {"model": f"m{index % 2}", "seed": index}, metrics)


@pytest.fixture
def project(tmp_path: Path, cli) -> Path:
    write_runs(tmp_path)
    (tmp_path / "resultsbook.toml").write_text(SPEC)
    assert cli("build").exit_code == 0
    return tmp_path


def test_a_damaged_store_is_named_with_a_recovery_and_recover_keeps_its_data(project: Path, cli) -> None:
    original = cli("table", "--rows", "model", "--metric", "acc").output
    with sqlite3.connect(project / "resultsbook.db") as db:  # damage a page of the series blobs
        page = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'series'").fetchone()[0]
    damage_copy(project / "resultsbook.db", project / "damaged.db", page)
    before = (project / "damaged.db").read_bytes()
    result = cli("table", "--rows", "model", "--metric", "acc", "--reduce", "last(2)", "--db", "damaged.db")
    assert result.exit_code == 74
    assert result.output == (
        "Error: the store damaged.db is damaged (database disk image is malformed); copy what it still "
        "holds into a new file with `resultsbook recover damaged.db` and pass --db damaged-recovered.db, "
        "or collect the logs again into a new file with --db NEW.db (the damaged file is left as it is)\n"
    )
    assert "delete" not in result.output
    recovered = cli("recover", "damaged.db")
    assert recovered.exit_code == 0, recovered.output
    assert recovered.output.startswith("Recovered 6 run(s) into damaged-recovered.db; lost 0 run(s)")
    assert (project / "damaged.db").read_bytes() == before  # the damaged file is left as it is
    assert cli("collect", "runs", "--db", "damaged-recovered.db").exit_code == 0
    again = cli("table", "--rows", "model", "--metric", "acc", "--db", "damaged-recovered.db")
    assert again.output == original
    series = ["table", "--rows", "model", "--metric", "acc", "--reduce", "last(2)"]
    assert cli(*series, "--db", "damaged-recovered.db").output == cli(*series).output


KILLED_MID_RECOVER = """
import os, signal, sys
print(os.getpid(), flush=True)
import resultsbook.store.recover as recover
copy = recover._copy
def killed(*args):
    copy(*args)  # every row written into the new store, then the process killed (out of memory, kill -9)
    os.kill(os.getpid(), signal.SIGKILL)
recover._copy = killed
recover.recover_store("damaged.db", "damaged-recovered.db")
"""


def killed_pid(killed: subprocess.CompletedProcess[bytes]) -> int:
    """Return the process id the killed script printed first."""
    return int(killed.stdout.split()[0])


def test_a_recover_killed_half_way_leaves_no_store_that_looks_recovered(project: Path, cli) -> None:
    """Killed mid-copy, recover left damaged-recovered.db holding part of the store (`runs` said its
    collect was still finding runs), and the next recover refused: "damaged-recovered.db exists"."""
    with sqlite3.connect(project / "resultsbook.db") as db:
        page = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'series'").fetchone()[0]
    damage_copy(project / "resultsbook.db", project / "damaged.db", page)
    temporary = project / "tmp"
    temporary.mkdir()
    environment = {**os.environ, "TMPDIR": str(temporary)}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_MID_RECOVER], cwd=project, capture_output=True, env=environment
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not (project / "damaged-recovered.db").exists()
    left = [path.name for path in temporary.iterdir()]
    owner = f"{killed_pid(killed)}@{socket.gethostname()}"
    assert left == [f"resultsbook-recover-{owner}-{left[0].rsplit('-', 1)[1]}"], left
    (temporary / "resultsbook-recover-ours").mkdir()  # no process id: another tool's, or older
    (temporary / f"resultsbook-recover-{killed_pid(killed)}@elsewhere-x").mkdir()  # another machine's
    recovered = subprocess.run(
        [sys.executable, "-m", "resultsbook", "recover", "damaged.db"],
        cwd=project,
        capture_output=True,
        text=True,
        env=environment,
    )
    assert recovered.stdout.startswith("Recovered 6 run(s) into damaged-recovered.db"), recovered
    assert sorted(path.name for path in project.glob("damaged-recovered.db*")) == ["damaged-recovered.db"]
    assert sorted(path.name for path in temporary.iterdir()) == [  # the copy is gone
        f"resultsbook-recover-{killed_pid(killed)}@elsewhere-x",
        "resultsbook-recover-ours",
    ]


def test_a_file_that_is_no_store_is_named_and_left_alone(project: Path, cli) -> None:
    (project / "results.csv").write_text("model,acc\nmlp,0.9\n")
    result = cli("runs", "--db", "results.csv")
    assert result.exit_code == 74
    assert result.output == (
        "Error: results.csv is not a resultsbook store (it is not an SQLite file); point --db at the store "
        "(the file was left as it is)\n"
    )
    assert (project / "results.csv").read_text() == "model,acc\nmlp,0.9\n"


def test_a_device_or_a_fifo_given_as_the_store_is_one_line(project: Path, cli) -> None:
    os.mkfifo(project / "pipe")
    for where in ("/dev/null", "pipe"):  # it said "the disk failed", and a FIFO could block
        result = cli("collect", "runs", "--db", where)
        assert result.exit_code == 2
        assert (
            result.output
            == f"Error: {where} is not a regular file; the store is a SQLite file, e.g. resultsbook.db\n"
        )


def test_a_store_that_cannot_grow_keeps_its_runs_and_says_the_disk_is_full(
    project: Path, cli, monkeypatch
) -> None:
    opened = Store.open

    def capped(location: str, create: bool = True) -> Store:
        store = opened(location, create)
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "database or disk is full"
        return store

    write_runs(project, count=40, points=400)
    with monkeypatch.context() as patched:
        patched.setattr(Store, "open", staticmethod(capped))
        result = cli("collect", "runs")
    assert result.exit_code == 74
    assert result.output.startswith("Error: the disk holding ")
    assert "is full (database or disk is full); the store is whole" in result.output
    assert cli("runs").output.splitlines()[-1] == "6 run(s)"  # as it was before


def test_a_new_store_on_a_full_disk_says_nothing_was_stored(tmp_path: Path, cli, monkeypatch) -> None:
    opened = Store.open

    def capped(location: str, create: bool = True) -> Store:
        store = opened(location, create)
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages}")  # not one run fits
        return store

    write_runs(tmp_path, count=10, points=400)
    monkeypatch.chdir(tmp_path)
    with monkeypatch.context() as patched:
        patched.setattr(Store, "open", staticmethod(capped))
        result = cli("collect", "runs", "--db", "new.db")
    assert result.exit_code == 74
    # before: "what this command stored before the disk filled is kept", of a store it had removed
    assert result.output == (
        "Error: the disk holding new.db is full (database or disk is full); nothing was stored: the "
        "store this command began is removed again; free some space and run it again\n"
    )
    assert not (tmp_path / "new.db").exists()


def test_a_disk_that_fills_after_some_batches_says_they_were_kept(project: Path, cli, monkeypatch) -> None:
    from resultsbook.sources import collect as collecting

    opened = Store.open

    def capped(location: str, create: bool = True) -> Store:
        store = opened(location, create)
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages + 40}")  # room for a few batches, not all
        return store

    write_runs(project, count=60, points=400)
    with monkeypatch.context() as patched:
        patched.setattr(Store, "open", staticmethod(capped))
        patched.setattr(collecting, "BATCH_SOURCES", 2)
        result = cli("collect", "runs")
    assert result.exit_code == 74
    kept = int(cli("runs").output.splitlines()[-1].split()[0])
    assert 6 < kept < 60  # the batches written before the disk filled are kept, each whole
    # before: "nothing of this command was stored and the store is as it was", with runs stored
    assert result.output == (
        f"Error: the disk holding {project / 'resultsbook.db'} is full (database or disk is full); the store is whole: "
        "what this command stored before the disk filled is kept, each source whole, and nothing "
        "after it; free some space and run it again (a collect reads only what is missing)\n"
    )
    again = cli("collect", "runs")
    assert again.exit_code == 0, again.output
    assert again.output.startswith(f"Collected runs: {60 - kept} new, ")


def test_a_full_file_system_is_one_line_and_the_store_is_as_it_was(project: Path) -> None:
    """A real full disk: the store on a 512 KiB tmpfs mounted in a private mount namespace."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a mount namespace here: {probe.stderr.decode().strip()}")
    write_runs(project, count=60, points=2000)
    disk = project / "disk"
    disk.mkdir()
    script = (
        f"mount -t tmpfs -o size=512k tmpfs {disk} && cp resultsbook.db {disk}/store.db && "
        f"{sys.executable} -c 'from resultsbook.cli import main; main()' collect runs --db {disk}/store.db; "
        f"echo exit=$?; {sys.executable} -c 'from resultsbook.cli import main; main()' runs --db {disk}/store.db"
    )
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script], cwd=project, capture_output=True, text=True, timeout=300
    )
    assert "exit=74" in result.stdout, result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert "is full" in line and "the store is whole" in line
    assert result.stdout.rstrip().endswith("6 run(s)")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the limit is set in the child before it runs")
def test_a_file_size_limit_is_named_with_its_fix_not_as_a_failed_disk(project: Path) -> None:
    import resource

    def limited() -> None:  # `ulimit -f 16`: the store's shared-memory index (32 KiB) cannot be made
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))

    result = subprocess.run(
        [sys.executable, "-m", "resultsbook", "runs"],
        cwd=project,
        capture_output=True,
        text=True,
        preexec_fn=limited,
        timeout=120,
    )
    assert result.returncode == 74, result.stderr
    # before: "the disk failed while using the store ... (disk I/O error); check it and run again"
    assert result.stderr == (
        f"Error: the store {project / 'resultsbook.db'} cannot be written: this shell limits the size of "
        "the files its commands write to 16 KiB (ulimit -f), and the store needs more (disk I/O error); "
        "raise the limit (ulimit -f unlimited) and run again\n"
    )


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the limit is set in the child before it runs")
def test_an_output_past_the_file_size_limit_names_the_limit_and_keeps_the_old_file(tmp_path: Path) -> None:
    import resource

    (tmp_path / "t.tex").write_text("old")
    script = (
        "from resultsbook.errors import OutputError\n"
        "from resultsbook.outputs.build import write_files\n"
        "try:\n"
        "    write_files({'t.tex': b'x' * 8192})\n"
        "except OutputError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096)),
        timeout=120,
    )
    # before: "cannot write t.tex (File too large); ... Free some space or fix the folder's permissions"
    assert result.stdout == (
        "cannot write t.tex (File too large): this shell limits the size of the files its commands write "
        "to 4 KiB (ulimit -f); it is as it was before. Raise the limit (ulimit -f unlimited) and run the "
        "command again\n"
    ), result.stderr
    assert (tmp_path / "t.tex").read_text() == "old"
    assert [name for name in os.listdir(tmp_path) if name.endswith(".tmp")] == []


def test_a_read_only_output_is_refused_and_nothing_is_written(project: Path, cli) -> None:
    write_runs(project, count=8)
    table = project / "out" / "t.tex"
    table.chmod(0o444)
    markdown = (project / "out" / "t.md").read_bytes()
    kept = table.read_bytes()
    result = cli("build")
    assert result.exit_code == 74
    assert result.output.splitlines()[-1] == (
        "Error: out/t.tex is read-only, so build leaves it as it is; make it writable (chmod u+w) to let "
        "build replace it, or take it out of the spec's outputs"
    )
    assert table.read_bytes() == kept and (project / "out" / "t.md").read_bytes() == markdown
    table.chmod(0o644)
    assert cli("build").exit_code == 0


@pytest.mark.parametrize("where", ["a-file/x.db", "a-file/deeper/x.db"])
def test_a_store_path_under_a_file_is_one_line_naming_the_file(project: Path, cli, where: str) -> None:
    (project / "a-file").write_text("not a folder")
    result = cli("collect", "runs", "--db", where)
    assert result.exit_code == 74
    assert result.output.strip().splitlines() == [
        f"Error: cannot create the store {where}: {project / 'a-file'} is not a folder; "
        "pass --db with a path in a folder"
    ]
    assert (project / "a-file").read_text() == "not a folder"


def test_a_store_folder_that_cannot_be_made_is_one_line_naming_it(tmp_path: Path, monkeypatch) -> None:
    from resultsbook.errors import StoreError

    def refused(path: str, exist_ok: bool = False) -> None:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr("os.makedirs", refused)
    with pytest.raises(StoreError) as caught:
        Store.open(str(tmp_path / "locked" / "x.db"))
    assert str(caught.value) == (
        f"cannot create the store {tmp_path / 'locked' / 'x.db'} (Permission denied: {tmp_path / 'locked'}); "
        "pass db= with a writable folder"
    )
    with to_command_line(), pytest.raises(StoreError, match=r"; pass --db with a writable folder$"):
        Store.open(str(tmp_path / "locked" / "x.db"))


def test_recover_of_a_postgresql_url_says_what_recovers_one_with_the_password_masked(cli) -> None:
    """It said `no store at postgresql://lab:labpass%231@…; give the path of the damaged store`."""
    result = cli("recover", "postgresql://lab:labpass%231@127.0.0.1:55433/results")
    assert result.exit_code == 2
    assert result.output == (
        "Error: postgresql://lab:***@127.0.0.1:55433/results is a PostgreSQL store: recover copies a damaged "
        "SQLite file; the server's own tools back up and restore a database (pg_dump, pg_restore)\n"
    )


def test_recover_of_a_pipe_says_it_is_not_a_store_file(tmp_path: Path, cli) -> None:
    """It said `no store at fifo.db` of a file that is there, as a pipe."""
    os.mkfifo(tmp_path / "fifo.db")
    result = cli("recover", "fifo.db")
    assert result.exit_code == 2
    assert result.output == (
        "Error: fifo.db is not a regular file (a folder, a pipe, a device?); give the path of the damaged "
        "store, a SQLite file\n"
    )
    assert os.listdir(tmp_path) == ["fifo.db"]  # nothing made beside it


def test_a_read_only_store_is_made_writable_by_whoever_can(tmp_path: Path, monkeypatch, tmpfs_mount) -> None:
    """A store someone else owns was answered `chmod u+w`, which only its owner can run; one on a
    filesystem mounted read-only, where no chmod helps, too."""
    import pwd

    from resultsbook.store.location import store_problem

    store = tmp_path / "lab.db"
    store.write_bytes(b"")
    readonly = sqlite3.OperationalError("attempt to write a readonly database")
    owner = pwd.getpwuid(store.stat().st_uid).pw_name
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert str(store_problem(str(store), readonly)) == (
        f"the store {store} is read-only (attempt to write a readonly database); make it and its folder "
        f"writable (chmod u+w {store}) or copy it and pass db='COPY'"
    )
    monkeypatch.setattr(os, "geteuid", lambda: store.stat().st_uid + 4242)  # a lab mate opens it
    with to_command_line():
        assert str(store_problem(str(store), readonly)) == (
            f"the store {store} is read-only (attempt to write a readonly database); {store} belongs to "
            f"{owner}: ask them to let you write it (chmod g+w) or copy it and pass --db COPY"
        )
    monkeypatch.undo()
    mount, remount = tmpfs_mount
    (mount / "lab.db").write_bytes(b"")
    remount("ro")
    assert str(store_problem(str(mount / "lab.db"), readonly)) == (
        f"the store {mount / 'lab.db'} is read-only (attempt to write a readonly database); it is on a "
        "filesystem mounted read-only: mount it writable or copy it and pass db='COPY'"
    )


def test_a_damaged_series_row_is_named_with_its_run_and_the_forget_that_stores_it_again(
    project: Path, cli
) -> None:
    """A series blob whose bytes changed (a row edited by hand, a bit flipped on disk) ended `table` in
    "Internal error: ValueError: unknown series encoding b'\\x01'"; now it is store damage, in one line
    naming the run and the metric, and the forget that lets a collect store them again."""
    original = cli("table", "--rows", "model", "--metric", "acc", "--reduce", "last(2)").output
    with sqlite3.connect(project / "resultsbook.db") as db:
        run_id, source = db.execute(
            "SELECT run_id, sources.path FROM runs JOIN sources ON sources.id = runs.source_id "
            "WHERE runs.name = 'r3'"
        ).fetchone()
        db.execute(
            "UPDATE series SET \"values\" = x'0102' WHERE run = (SELECT id FROM runs WHERE name = 'r3')"
        )
    result = cli(
        "table", "--rows", "model", "--metric", "acc", "--reduce", "last(2)", "--db", "resultsbook.db"
    )
    assert result.exit_code == 74
    assert result.output == (
        f"Error: the store resultsbook.db holds a damaged series: 'acc' of run {run_id} ({source}) cannot "
        f"be read (unknown series encoding b'\\x01'); forget that run's source with `resultsbook forget "
        f"{source} --db resultsbook.db` and collect it again\n"
    )
    assert cli("forget", source).exit_code == 0
    assert cli("collect", "runs").exit_code == 0
    assert cli("table", "--rows", "model", "--metric", "acc", "--reduce", "last(2)").output == original


def test_an_output_that_is_a_symlink_is_written_through_and_stays_a_link(project: Path, cli) -> None:
    """An output linked into an Overleaf or Dropbox folder: build replaced the link with a file, and
    the linked file kept the old number while check said OK."""
    linked = project / "overleaf"
    linked.mkdir()
    os.replace(project / "out" / "t.tex", linked / "t.tex")
    (linked / "t.tex").chmod(0o664)  # group-writable in a shared folder
    (project / "out" / "t.tex").symlink_to("../overleaf/t.tex")
    write_native_run(project / "runs" / "r9", {"model": "m0", "seed": 9}, [{"step": 0, "acc": 70.0}])
    assert cli("build").exit_code == 0
    assert os.readlink(project / "out" / "t.tex") == "../overleaf/t.tex"
    assert "19 $\\pm$ 34" in (linked / "t.tex").read_text()  # m0: mean of 0.02, 2.02, 4.02, 70.0
    assert oct((linked / "t.tex").stat().st_mode & 0o777) == "0o664"
    assert sorted(os.listdir(linked)) == ["t.tex"]
    (linked / "t.tex").write_text((linked / "t.tex").read_text().replace("19 $\\pm$", "2 $\\pm$"))
    assert cli("check").exit_code == 1  # read through the link


def test_a_dangling_output_link_writes_its_target_or_names_the_missing_folder(project: Path, cli) -> None:
    table = project / "out" / "t.tex"
    table.unlink()
    table.symlink_to("../overleaf/t.tex")
    markdown = (project / "out" / "t.md").read_bytes()
    write_native_run(project / "runs" / "r9", {"model": "m0", "seed": 9}, [{"step": 0, "acc": 70.0}])
    result = cli("build")
    assert result.exit_code == 74
    assert result.output.splitlines()[-1] == (
        f"Error: out/t.tex is a symlink to {project / 'overleaf' / 't.tex'}, whose folder does not exist, so "
        f"build cannot write it; make that folder (mkdir -p {project / 'overleaf'}) or remove the link "
        "(rm out/t.tex)"
    )
    assert (project / "out" / "t.md").read_bytes() == markdown and not (project / "overleaf").exists()
    (project / "overleaf").mkdir()
    assert cli("build").exit_code == 0
    assert table.is_symlink() and "19 $\\pm$ 34" in (project / "overleaf" / "t.tex").read_text()


def test_a_folder_in_an_outputs_place_is_named_and_no_output_of_the_entry_is_replaced(
    project: Path, cli
) -> None:
    """Said as `check` says it, not as a full disk; the build had replaced t.tex already, so the
    entry's outputs were old and new at once."""
    (project / "out" / "t.md").unlink()
    (project / "out" / "t.md").mkdir()
    kept = (project / "out" / "t.tex").read_bytes()
    write_native_run(project / "runs" / "r9", {"model": "m0", "seed": 9}, [{"step": 0, "acc": 70.0}])
    result = cli("build")
    assert result.exit_code == 74
    assert result.output.splitlines()[-1] == (
        "Error: cannot write out/t.md: a folder is where a file should be; check the path in the spec or the flag"
    )
    assert (project / "out" / "t.tex").read_bytes() == kept


def test_a_folder_made_in_an_outputs_place_while_writing_is_named_as_check_names_it(tmp_path: Path) -> None:
    from resultsbook.errors import OutputError
    from resultsbook.outputs.build import write_files

    (tmp_path / "t.md").mkdir()
    with pytest.raises(OutputError) as raised:
        write_files({str(tmp_path / "t.md"): b"x"})
    assert str(raised.value) == (
        f"cannot write {os.path.relpath(tmp_path / 't.md')}: a folder is where a file should be; check the "
        "path in the spec or the flag; it is as it was before"
    )


def _without_override(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run resultsbook as an ordinary user would be: root's power to write any file dropped."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to drop the capabilities that write any file")
    dropped = ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--"]
    return subprocess.run(
        [*dropped, sys.executable, "-m", "resultsbook", *command], cwd=cwd, capture_output=True, text=True
    )


def test_reading_a_write_protected_store_leaves_nothing_that_keeps_it_read_only(tmp_path: Path) -> None:
    """SQLite made s.db-shm as read-only as the store; after `chmod u+w s.db` every collect still said
    the store was read-only and to run `chmod u+w s.db`."""
    write_native_run(tmp_path / "runs" / "a", {"seed": 0}, [{"step": 1, "loss": 0.5}])
    assert _without_override("collect", "runs", "--db", "s.db", cwd=tmp_path).returncode == 0
    (tmp_path / "s.db").chmod(0o444)
    listed = _without_override("runs", "--db", "s.db", cwd=tmp_path)
    assert listed.stdout.endswith("1 run(s)\n"), listed.stderr
    assert sorted(os.listdir(tmp_path)) == ["runs", "s.db"]
    write_native_run(tmp_path / "runs" / "b", {"seed": 1}, [{"step": 1, "loss": 0.4}])
    refused = _without_override("collect", "runs", "--db", "s.db", cwd=tmp_path)
    said = (
        "Error: the store s.db is read-only (attempt to write a readonly database); make it and its folder "
        "writable (chmod u+w s.db s.db-wal s.db-shm) or copy it and pass --db COPY\n"
    )
    assert (refused.returncode, refused.stderr) == (74, said)  # SQLite made its files read-only: named
    (tmp_path / "s.db").chmod(0o644)
    again = _without_override("collect", "runs", "--db", "s.db", cwd=tmp_path)
    assert again.stderr == said.replace("s.db s.db-wal s.db-shm", "s.db s.db-shm")
    (tmp_path / "s.db-shm").chmod(0o644)
    assert _without_override("collect", "runs", "--db", "s.db", cwd=tmp_path).returncode == 0


def test_a_store_written_by_a_newer_resultsbook_is_named(project: Path, cli) -> None:
    shutil.copy(project / "resultsbook.db", project / "nm.db")
    with sqlite3.connect(project / "nm.db") as db:
        db.execute("INSERT INTO _sqlite_migrations VALUES (99, 'resultsbook', 'm099_future', '2027-01-01')")
    db.close()
    result = cli("runs", "--db", "nm.db")
    assert result.exit_code == 74
    assert result.output == (
        "Error: the store nm.db was written by a newer resultsbook (migration m099_future); upgrade with "
        "`pip install -U resultsbook`\n"
    )
