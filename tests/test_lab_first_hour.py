"""A lab's first hour on a shared store and object storage, against real servers: two people whose
runs share names, a store URL pasted with quotes, a role that may only read, a server restarted under
a watch."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import curve, write_native_run
from test_remote_sources import upload

import resultsbook as rb
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.store import Store


def same_named_runs(root: Path, offset: int) -> Path:
    """Write runs named as everyone names them (seed0, seed1…), with values of their own."""
    for seed in range(3):
        write_native_run(root / f"seed{seed}", {"seed": seed}, curve([offset + seed, 1.0]))
    return root


def sources_of(store: Store) -> list[str]:
    return sorted({store.absolute(run.source).rsplit("/", 1)[0] for run in store.runs()})


def test_a_colleagues_runs_on_another_machine_are_not_taken_for_yours(tmp_path, pg_url):
    alice = same_named_runs(tmp_path / "alice" / "proj" / "runs", 0)
    bob = same_named_runs(tmp_path / "bob" / "proj" / "runs", 10)
    with Store.open(pg_url) as store:
        assert collect(store, [CollectRequest(str(alice))]).new == 3
    shutil.move(tmp_path / "alice", tmp_path / "alice-laptop")  # Bob's machine does not have her folder
    with Store.open(pg_url) as store:
        report = collect(store, [CollectRequest(str(bob))])
        assert (report.new, report.unchanged) == (3, 0)
        assert sources_of(store) == sorted([alice.as_posix(), bob.as_posix()])


def test_a_moved_tree_on_a_shared_store_keeps_its_run_ids(tmp_path, pg_url):
    runs = same_named_runs(tmp_path / "lab" / "runs", 0)
    with Store.open(pg_url) as store:
        collect(store, [CollectRequest(str(runs))])
        before = sorted(run.run_id for run in store.runs())
    shutil.move(runs, tmp_path / "lab" / "archive")  # the lab moves its runs; this machine sees it
    with Store.open(pg_url) as store:
        report = collect(store, [CollectRequest(str(tmp_path / "lab" / "archive"))])
        assert (report.new, report.unchanged) == (0, 3)
        assert sorted(run.run_id for run in store.runs()) == before


def test_two_sweeps_on_s3_with_the_same_run_names_are_both_kept(tmp_path, s3_bucket):
    upload(same_named_runs(tmp_path / "sweep-41", 0), f"{s3_bucket}/sweep-41")
    upload(same_named_runs(tmp_path / "sweep-42", 10), f"{s3_bucket}/sweep-42")
    with Store.open(str(tmp_path / "resultsbook.db")) as store:
        assert collect(store, [CollectRequest(f"{s3_bucket}/sweep-41")]).new == 3
        report = collect(store, [CollectRequest(f"{s3_bucket}/sweep-42")])
        assert (report.new, report.unchanged) == (3, 0)
        assert sources_of(store) == [f"{s3_bucket}/sweep-41", f"{s3_bucket}/sweep-42"]


@pytest.mark.parametrize(
    "pasted",
    [
        "'postgresql://lab:secret@127.0.0.1:5432/results'",
        '"postgresql://lab:secret@127.0.0.1:5432/results"',
        " postgresql://lab:secret@127.0.0.1:5432/results",
        "postgresql://lab:secret@127.0.0.1:5432/results ",
    ],
)
def test_a_store_url_pasted_with_quotes_or_spaces_is_refused_not_made_a_local_file(
    pasted, make_run, cli, tmp_path
):
    make_run("r1", {"seed": 1}, curve([1.0]))
    result = cli("collect", "runs", "--db", pasted)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "secret" not in result.output
    assert "give it without them: postgresql://lab:***@127.0.0.1:5432/results" in result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["runs"]


def test_a_spec_store_or_environment_pasted_with_quotes_is_refused(make_run, cli, tmp_path, monkeypatch):
    make_run("r1", {"seed": 1}, curve([1.0]))
    (tmp_path / "resultsbook.toml").write_text('store = "\'results.db\'"\n[[sources]]\npath = "runs"\n')
    result = cli("collect")
    assert result.exit_code == 2
    assert result.output == (
        "Error: resultsbook.toml: store: the store 'results.db' was given with quotes around it; "
        "give it without them: results.db\n"
    )
    monkeypatch.setenv("RESULTSBOOK_DB", "results.db ")
    result = cli("collect", "runs")
    assert result.output.startswith("Error: RESULTSBOOK_DB: the store 'results.db' was given with spaces")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["resultsbook.toml", "runs"]


def reader_url(pg_url: str, grants: str = "SELECT") -> str:
    """Return the URL of the same database for a new role that may only read it (or what `grants` says)."""
    import psycopg

    database = pg_url.rsplit("/", 1)[1]
    role = f"reader_{database}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT {grants} ON ALL TABLES IN SCHEMA public TO {role}")
    return pg_url.replace("//resultsbook@", f"//{role}@")


def test_a_role_that_may_only_read_is_told_so_in_one_line_and_can_still_read(tmp_path, pg_url, make_run, cli):
    make_run("r1", {"seed": 1}, curve([1.0]))
    assert cli("collect", "runs", "--db", pg_url).exit_code == 0
    reader = reader_url(pg_url)
    make_run("r2", {"seed": 2}, curve([2.0]))
    result = cli("collect", "runs", "--db", reader)
    assert result.exit_code != 0
    role = reader.split("//", 1)[1].split("@", 1)[0]
    assert result.output.splitlines() == [
        f"Error: the shared store {reader} may not be written by the role '{role}' (permission denied for "
        f"table sources); nothing of this command's last batch was kept; collect as a role that may "
        f"write, or ask the database's owner to `GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
        f"public TO {role}` and `GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}` (a role that "
        "may only read can still run build, check and watch over runs already collected)"
    ]
    runs = cli("runs", "--db", reader, "--format", "csv", "--columns", "name")
    assert runs.output.splitlines() == ["name", "r1"]
    # as a terminal shows it: the driver's own warning about the aborted pipeline is not a second line
    command = [sys.executable, "-m", "resultsbook", "collect", "runs", "--db", reader]
    shown = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert shown.stderr.splitlines() == result.output.splitlines()


def test_forget_as_a_role_that_may_only_read_is_told_in_forgets_words(tmp_path, pg_url, make_run, cli):
    """It said `nothing of this command's last batch was kept; collect as a role that may write`."""
    make_run("r1", {"seed": 1}, curve([1.0]))
    assert cli("collect", "runs", "--db", pg_url).exit_code == 0
    reader = reader_url(pg_url)
    role = reader.split("//", 1)[1].split("@", 1)[0]
    result = cli("forget", "runs/r1", "--db", reader)
    assert result.output.splitlines() == [
        f"Error: the shared store {reader} may not be written by the role '{role}' (permission denied for "
        f"table params); nothing was forgotten; forget as a role that may write, or ask the database's "
        f"owner to `GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}` and `GRANT USAGE "
        f"ON ALL SEQUENCES IN SCHEMA public TO {role}` (a role that may only read can still run build, check "
        "and watch over runs already collected)"
    ]
    assert cli("runs", "--db", reader, "--format", "csv", "--columns", "name").output.splitlines() == [
        "name",
        "r1",
    ]


def test_the_grants_the_message_names_let_the_role_collect(tmp_path, pg_url, make_run, cli):
    import psycopg

    make_run("r1", {"seed": 1}, curve([1.0]))
    assert cli("collect", "runs", "--db", pg_url).exit_code == 0
    writer = reader_url(pg_url, "SELECT, INSERT, UPDATE, DELETE")
    role = writer.split("//", 1)[1].split("@", 1)[0]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}")
    make_run("r2", {"seed": 2}, curve([2.0]))
    result = cli("collect", "runs", "--db", writer)
    assert result.output == "Collected runs: 1 new, 0 updated, 1 unchanged, 0 problems\n"


def test_a_read_only_server_is_told_apart_from_a_missing_grant(tmp_path, pg_url, make_run, cli):
    import psycopg

    make_run("r1", {"seed": 1}, curve([1.0]))
    assert cli("collect", "runs", "--db", pg_url).exit_code == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:  # as a standby server answers
        conn.execute(f'ALTER DATABASE "{pg_url.rsplit("/", 1)[1]}" SET default_transaction_read_only = on')
    make_run("r2", {"seed": 2}, curve([2.0]))
    result = cli("collect", "runs", "--db", pg_url)
    assert result.output.splitlines() == [
        f"Error: the shared store {pg_url} is read-only (cannot execute INSERT in a read-only transaction): a "
        "standby server, or one whose transactions are read-only by default; nothing of this command's "
        "last batch was kept; collect into the primary server's URL"
    ]


def test_watch_outlives_a_restart_of_the_shared_stores_server(tmp_path):
    from servers import PostgresCluster, ServerUnavailable
    from test_watch import Watcher

    try:
        cluster = PostgresCluster().start()
    except ServerUnavailable as error:
        pytest.skip(f"no PostgreSQL server here: {error}")
    try:
        url = cluster.create_database("restarted")
        project = tmp_path / "paper"
        for seed in range(2):
            write_native_run(
                project / "runs" / f"seed{seed}", {"model": "mlp", "seed": seed}, curve([0.5, 0.6])
            )
        (project / "resultsbook.toml").write_text(
            '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\ngoal = "max"\nrows = ["model"]\n'
            'outputs = ["t.md"]\n'
        )
        watcher = Watcher(project, "--db", url)
        try:
            watcher.wait_for("start:", timeout=60)
            cluster.shut_down()  # the administrator restarts the server under the member's watch…
            write_native_run(project / "runs" / "seed2", {"model": "mlp", "seed": 2}, curve([0.5, 0.9]))
            watcher.wait_for("Error: the shared store", timeout=60)  # …while a run arrives
            cluster.start_again()
            deadline = time.monotonic() + 60
            while "0.7" not in (project / "t.md").read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert "0.7" in (project / "t.md").read_text(), "\n".join(watcher.lines)
            assert not any("Internal error" in line for line in watcher.lines)
        finally:
            assert watcher.stop() in (0, 130)
    finally:
        cluster.stop()


@pytest.fixture
def fresh_s3fs() -> Iterator[None]:
    """Keep s3fs's instance cache from carrying one test's endpoint (an environment variable, which the
    cache does not key on) into another's, either way."""
    s3fs = pytest.importorskip("s3fs")
    s3fs.S3FileSystem.clear_instance_cache()
    yield
    s3fs.S3FileSystem.clear_instance_cache()


class SilentServer:
    """A TCP server that accepts connections and never answers (a proxy or a storage node that hangs),
    counting how many connections it was asked for."""

    def __init__(self) -> None:
        import socket
        import threading

        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.accepted: list[object] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                self.accepted.append(self.listener.accept()[0])

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()  # type: ignore[attr-defined]


def test_an_s3_server_that_never_answers_fails_in_one_line_after_a_few_waits(cli, monkeypatch, fresh_s3fs):
    import fsspec.config

    server = SilentServer()
    try:
        for name, value in {"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_DEFAULT_REGION": "us-east-1",
                            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{server.port}"}.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        # a lab's own fsspec configuration of the waits is kept (here: short, for the test)
        monkeypatch.setitem(
            fsspec.config.conf, "s3", {"config_kwargs": {"read_timeout": 0.5, "connect_timeout": 1}}
        )
        result = cli("collect", "s3://lab-runs/sweep-42", "--db", "resultsbook.db")
        assert result.exit_code == 2
        assert result.output.startswith("Error: s3://lab-runs/sweep-42 cannot be listed (ReadTimeoutError: ")
        assert result.output.count("\n") == 1
        assert len(server.accepted) <= 6  # a probe and a listing, 3 attempts each (botocore's retries were
        # 4 more inside each of s3fs's 5 attempts: 50 waits of 15 s by default, over 12 minutes)
    finally:
        server.close()


def test_an_s3_server_that_stops_answering_after_the_listing_ends_the_collect_keeping_what_it_stored(
    tmp_path, cli, monkeypatch, fresh_s3fs
):
    import os
    import signal

    import s3fs
    from servers import MotoServer, ServerUnavailable

    from resultsbook.sources import remote

    try:
        server = MotoServer().start()  # its own: the session's server is not to be stopped
    except ServerUnavailable as error:
        pytest.skip(f"no S3 API server here: {error}")
    assert server.process is not None
    try:
        for name, value in server.environment().items():
            monkeypatch.setenv(name, value)
        s3fs.S3FileSystem().mkdir("lab-runs")
        for seed in range(10):
            write_native_run(tmp_path / "first" / f"seed{seed}", {"seed": seed}, curve([0.5, 0.6]))
            write_native_run(tmp_path / "later" / f"seed{seed + 10}", {"seed": seed + 10}, curve([0.5]))
        upload(tmp_path / "first", "s3://lab-runs/many")
        assert "10 new" in cli("collect", "s3://lab-runs/many", "--db", "resultsbook.db").output
        upload(tmp_path / "later", "s3://lab-runs/many")
        monkeypatch.setattr(remote, "STALL_SECONDS", 3.0)  # a minute in use; each request waits 10 s
        list_tree = remote.list_tree

        def list_then_hang(url: str) -> remote.RemoteTree:
            tree = list_tree(url)
            os.kill(
                server.process.pid, signal.SIGSTOP
            )  # a hung MinIO node: connections taken, never answered
            return tree

        monkeypatch.setattr(remote, "list_tree", list_then_hang)
        started = time.monotonic()
        result = cli("collect", "s3://lab-runs/many", "--db", "resultsbook.db")
        assert time.monotonic() - started < 8
        assert result.exit_code == 74  # EXIT_IO
        assert result.output == (
            "Error: s3://lab-runs/many: the storage server stopped answering (no answer for 3 s): check that it "
            "is up and the endpoint (AWS_ENDPOINT_URL for an S3-compatible server); the 0 of 10 changed "
            "sources read before it did are stored, whole, and the next collect goes on with the rest\n"
        )
        os.kill(server.process.pid, signal.SIGCONT)
        monkeypatch.setattr(remote, "list_tree", list_tree)
        again = cli("collect", "s3://lab-runs/many", "--db", "resultsbook.db")
        assert again.output == "Collected s3://lab-runs/many: 10 new, 0 updated, 10 unchanged, 0 problems\n"
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
        server.stop()


def test_a_shared_store_from_a_newer_resultsbook_is_named_in_the_refusal(pg_url, cli):
    import psycopg

    Store.open(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO _resultsbook_migrations (migration_set, name) VALUES ('resultsbook', 'm999_x')"
        )
    result = cli("runs", "--db", pg_url)
    assert result.output == (
        f"Error: the shared store {pg_url} was written by a newer resultsbook (migration m999_x); "
        "upgrade with `pip install -U resultsbook`\n"
    )


@pytest.mark.parametrize("password", ["se@cret", "se/cret", "se#cret", "se?cret"])
def test_a_password_with_a_url_character_is_never_printed(password, postgres_cluster, cli):
    url = f"postgresql://lab:{password}@127.0.0.1:{postgres_cluster.port}/results"
    result = cli("runs", "--db", url)
    assert result.exit_code != 0 and result.output.count("\n") == 1
    assert "cret" not in result.output, result.output
    assert f"postgresql://lab:***@127.0.0.1:{postgres_cluster.port}/results" in result.output


def test_a_password_that_needs_percent_encoding_is_refused_before_connecting(cli):
    result = cli("runs", "--db", "postgresql://lab:p@ss/w0rd@db.lab.example.org/results")
    assert result.exit_code == 2
    assert result.output == (
        "Error: --db: the password in the store URL 'postgresql://lab:***@db.lab.example.org/results' "
        "holds a character a URL gives another meaning ('@', '/' or '?'); write it percent-encoded "
        "(@ as %40, / as %2F, ? as %3F), or keep it out of the URL: in ~/.pgpass or PGPASSWORD\n"
    )


def test_moving_a_project_from_its_sqlite_file_to_the_shared_store_as_documented(
    tmp_path, pg_url, monkeypatch
):
    from test_shared_store import run_cli

    project = tmp_path / "paper"
    for seed in range(3):
        write_native_run(
            project / "runs" / f"seed{seed}", {"model": "mlp", "seed": seed}, curve([0.5, 0.6 + seed])
        )
    write_native_run(tmp_path / "by-hand" / "seed9", {"model": "cnn", "seed": 9}, curve([0.7]))
    (project / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\ngoal = "max"\nrows = ["model"]\noutputs = ["t.tex"]\n'
    )
    local = str(project / "resultsbook.db")
    assert run_cli(project, local, "collect", str(tmp_path / "by-hand")).returncode == 0
    assert run_cli(project, local, "build").returncode == 0
    written = (project / "t.tex").read_bytes()
    # the page's steps: the sources collected by hand, then the spec's; check; build; the lock changes
    listed = run_cli(project, local, "runs", "--format", "csv", "--columns", "source")
    by_hand = sorted({line for line in listed.stdout.splitlines()[1:] if not line.startswith("runs/")})
    assert by_hand == ["../by-hand/seed9"]
    assert run_cli(project, pg_url, "collect", *by_hand).returncode == 0
    assert run_cli(project, pg_url, "collect").returncode == 0
    assert run_cli(project, pg_url, "check").returncode == 0
    rebuilt = run_cli(project, pg_url, "build")
    assert "1 output(s) unchanged" in rebuilt.stdout, rebuilt.stdout + rebuilt.stderr
    assert (project / "t.tex").read_bytes() == written


def test_a_run_deleted_from_the_bucket_between_listing_and_reading_is_gone_not_an_empty_run(
    tmp_path, s3_bucket, monkeypatch
):
    import s3fs

    from resultsbook.sources import remote

    upload(same_named_runs(tmp_path / "sweep", 0), f"{s3_bucket}/sweep")
    listed = remote.list_tree

    def list_then_delete(url: str) -> object:
        tree = listed(url)
        s3 = s3fs.S3FileSystem()
        s3.rm(f"{s3_bucket.removeprefix('s3://')}/sweep/seed1", recursive=True)  # a colleague cleans up
        s3.invalidate_cache()
        return tree

    monkeypatch.setattr(remote, "list_tree", list_then_delete)
    with Store.open(str(tmp_path / "resultsbook.db")) as store:
        report = collect(store, [CollectRequest(f"{s3_bucket}/sweep")])
        assert (report.new, report.problems) == (2, ())
        assert [run.name for run in store.runs()] == ["seed0", "seed2"]


def test_an_object_larger_than_the_prefetch_cap_is_streamed_not_held_whole(tmp_path, s3_bucket, monkeypatch):
    from resultsbook.sources import remote

    points = [{"step": step, "acc": step / 1000} for step in range(1, 401)]
    write_native_run(tmp_path / "sweep" / "big", {"seed": 1}, points)
    upload(tmp_path / "sweep", f"{s3_bucket}/sweep")
    monkeypatch.setattr(remote, "PREFETCH_MAX_BYTES", 1024)  # as a 10 GB metrics.jsonl is to the 64 MB cap
    fetched_whole: list[str] = []
    read_bytes = remote.read_bytes
    monkeypatch.setattr(remote, "read_bytes", lambda path: fetched_whole.append(path) or read_bytes(path))
    with Store.open(str(tmp_path / "resultsbook.db")) as store:
        assert collect(store, [CollectRequest(f"{s3_bucket}/sweep")]).new == 1
        assert store.run_metrics(store.runs()[0].id)[0]["n"] == 400
    assert not [path for path in fetched_whole if path.endswith("metrics.jsonl")]


def test_a_url_of_another_kind_is_refused_without_its_password(cli):
    result = cli("runs", "--db", "mysql://lab:secret@db.lab.example.org/results")
    assert result.exit_code == 2 and "secret" not in result.output
    assert result.output.startswith(
        "Error: --db: the store 'mysql://lab:***@db.lab.example.org/results' is a mysql://"
    )


def test_sqlalchemys_form_of_a_postgresql_url_says_the_plain_one(cli):
    result = cli("runs", "--db", "postgresql+psycopg2://lab:secret@db.lab.example.org/results")
    assert result.exit_code == 2
    assert result.output == (
        "Error: --db: the store 'postgresql+psycopg2://lab:***@db.lab.example.org/results' is SQLAlchemy's "
        "form of a PostgreSQL URL (the driver after '+'); give it as postgresql://lab:***@db.lab.example.org/results\n"
    )


def test_an_s3_endpoint_nobody_listens_on_is_told_apart_from_missing_credentials(
    cli, monkeypatch, fresh_s3fs
):
    from servers import free_port

    endpoint = f"http://127.0.0.1:{free_port()}"
    for name, value in {"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_ENDPOINT_URL": endpoint}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    result = cli("collect", "s3://lab-runs/sweep-42", "--db", "resultsbook.db")
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert result.output.startswith(
        "Error: s3://lab-runs/sweep-42 cannot be listed (EndpointConnectionError: "
    )
    assert result.output.endswith(
        "; the storage server did not answer: check that it is up and the endpoint (AWS_ENDPOINT_URL for an "
        "S3-compatible server)\n"
    )


@pytest.mark.parametrize(
    ("where", "fix"),
    [
        ("resultsbook@127.0.0.1:{port}/reslts", "check the database's name at the end of the URL, or ask the "
         "server's administrator to create it (createdb --owner resultsbook reslts)"),
        ("resultsbook@127.0.0.1:{port}", "the URL names no database, so the server looked for one named after "
         "the user (resultsbook): add the database's name at the end of the URL (…/results)"),
        ("bob:pw@127.0.0.1:{port}/postgres", "check the user name before '@' in the URL, or ask the server's "
         "administrator to create the role (createuser --pwprompt bob)"),
        ("resultsbook@db.invalid/results", "check the host name in the URL"),
        ("resultsbook@127.0.0.1:{free}/results", "check that the server is up, and the host and port in the URL "
         "(PostgreSQL's default: 5432)"),
    ],
)  # fmt: skip
def test_a_store_url_the_server_refuses_names_the_url_and_the_fix_for_its_cause(
    where, fix, postgres_cluster, cli
):
    """Every refusal ended in one fix for all causes ("check the URL, that the server is up, and the
    password"), whatever the server had said."""
    from servers import free_port

    url = "postgresql://" + where.format(port=postgres_cluster.port, free=free_port())
    result = cli("runs", "--db", url)
    assert result.exit_code == 74 and result.output.count("\n") == 1, result.output
    shown = url.replace(":pw@", ":***@")
    assert result.output.startswith(f"Error: cannot connect to {shown} (") and "pw@" not in result.output
    assert result.output.endswith(f"); {fix}\n"), result.output


def test_a_wrong_or_missing_password_says_where_the_password_comes_from():
    from resultsbook.store.pg_connect import _connect_fix

    url = "postgresql://alice@db.lab.example.org/results"
    assert _connect_fix(url, "fe_sendauth: no password supplied") == (
        "check alice's password: in PGPASSWORD, or in a line of ~/.pgpass (chmod 600), or percent-encoded in the URL"
    )


def test_a_url_without_a_user_names_the_role_libpq_takes_and_a_trailing_slash_is_named(monkeypatch):
    """`postgresql://db/results` said `check ROLE's password`, a placeholder; `…/results/` was told to
    `createdb --owner lab results/`."""
    from resultsbook.store.pg_connect import _connect_fix

    monkeypatch.setenv("PGUSER", "carol")
    assert _connect_fix(
        "postgresql://db.lab.example.org/results", "fe_sendauth: no password supplied"
    ).startswith("check carol's password: ")
    reason = 'connection to server failed: FATAL:  database "results/" does not exist'
    assert _connect_fix("postgresql://lab@db.lab.example.org/results/", reason) == (
        "drop the '/' at the end of the URL: the database is 'results', not 'results/'"
    )


def test_a_refused_password_names_the_user_too_whom_the_server_may_not_know():
    """PostgreSQL 15 with scram-sha-256 (its default) answers a misspelt user name (`lba` for `lab`) as
    a wrong password, to tell nobody which roles exist: the fix named only the password, which was right."""
    from resultsbook.store.pg_connect import _connect_fix

    url = "postgresql://lba:secret@db.lab.example.org/results"
    reason = 'connection to server at "10.1.2.3", port 5432 failed: FATAL:  password authentication failed for user "lba"'
    assert _connect_fix(url, reason) == (
        "check the user name (lba, before ':' in the URL: the server says the same of a user it does not have) "
        "and its password: in PGPASSWORD, or in a line of ~/.pgpass (chmod 600), or percent-encoded in the URL"
    )


def test_a_port_that_is_not_a_number_is_named(cli):
    """A port typed with a letter (`:54e2`) ended in the fix for every cause ("check the URL, that the
    server is up, and the password"); libpq refuses it before connecting, so no server is needed."""
    result = cli("status", "--db", "postgresql://lab:secret@127.0.0.1:54e2/results")
    assert result.exit_code == 74 and result.output.count("\n") == 1 and "secret" not in result.output
    assert result.output.endswith(
        'invalid integer value "54e2" for connection option "port"); check the port after the host in the '
        "URL: a number (PostgreSQL's default: 5432)\n"
    ), result.output


def ppo_logs(root: Path) -> Path:
    """Write logs of the shape of BoogaQ/PPO-exploration @ e2459c21413830891da9771b34301a8dc467fd29,
    logs/PPO/Hopper-v2/run-2020-08-26-23-04-59-478900.csv: {algo}/{env}/run-<time>.csv, a CSV whose
    'Progress' column is text ("0.82%") and whose steps are 'total timesteps'."""
    header = "Progress,mean_int_reward,total timesteps,total_time,ep_rew_mean,num_episodes\n"
    for offset, (algo, stamp) in enumerate(
        [("PPO", "2020-08-26-23-04-59-478900"), ("PPO", "2020-08-27-03-59-06-472018"),
         ("RND", "2020-08-27-03-25-16-464595"), ("RND", "2020-08-27-05-14-12-837965")]
    ):  # fmt: skip
        rows = [f"{100 * k / 3:.2f}%,0.1{k},{8192 * (k + 1)},{3.04 + k},{-5.0 + offset + k},{8 * (k + 1)}\n"
                for k in range(4)]  # fmt: skip
        (root / algo / "Hopper-v2").mkdir(parents=True, exist_ok=True)
        (root / algo / "Hopper-v2" / f"run-{stamp}.csv").write_text(header + "".join(rows))
    return root


def test_the_same_runs_collected_from_another_machines_path_are_stored_once(tmp_path, pg_url, cli):
    """Bob's machine mounts the lab's runs elsewhere (/mnt/lab, not /lab): his collect stored every run
    a second time, so every table of the lab counted each run twice (n = 20 of 24 where 10 of 12 ran)."""
    alice = ppo_logs(tmp_path / "alice" / "proj" / "runs")
    assert "4 new" in cli("collect", str(alice), "--pattern", "{algo}/{env}/*.csv", "--db", pg_url).output
    with Store.open(pg_url) as store:
        problems = store.problem_count()
    shutil.move(tmp_path / "alice", tmp_path / "alice-laptop")  # Bob's machine does not have her path
    bob = tmp_path / "bob" / "mnt" / "runs"
    shutil.copytree(tmp_path / "alice-laptop" / "proj" / "runs", bob, copy_function=shutil.copy)  # new mtimes
    result = cli("collect", str(bob), "--pattern", "{algo}/{env}/*.csv", "--db", pg_url)
    assert result.exit_code == 0, result.output
    assert "0 new, 0 updated, 4 unchanged" in result.output
    first = "PPO/Hopper-v2/run-2020-08-26-23-04-59-478900.csv"
    assert (
        f"Note: 4 source(s) hold the runs {pg_url} holds already from a path not on this machine (e.g. "
        f"{bob.as_posix()}/{first}: those of {alice.as_posix()}/{first}); counted unchanged, not stored twice"
    ) in result.output
    with Store.open(pg_url) as store:
        paths = [path.relative_to(bob).as_posix() for path in bob.glob("*/*/*.csv")]
        stored = sorted(store.absolute(run.source) for run in store.runs())
        assert stored == sorted(f"{alice.as_posix()}/{path}" for path in paths)
        assert store.problem_count() == problems  # the copies' problems are the stored runs' own
    again = cli("collect", str(bob), "--pattern", "{algo}/{env}/*.csv", "--db", pg_url)
    assert again.exit_code == 0 and "0 new, 0 updated, 4 unchanged" in again.output  # read again, said again
    assert "Note: 4 source(s) hold the runs" in again.output
    with Store.open(pg_url) as store:
        assert sorted(store.source_signatures()) == sorted(f"{alice.as_posix()}/{path}" for path in paths)


def test_a_copy_of_runs_on_this_machine_stays_runs_of_its_own(tmp_path, pg_url):
    """Only a path this machine does not have is taken for the same files: a copy beside the runs (a
    backup, a tree copied to try an option) is what it was, runs of its own."""
    runs = ppo_logs(tmp_path / "lab" / "runs")
    shutil.copytree(runs, tmp_path / "lab" / "copy")
    with Store.open(pg_url) as store:
        assert collect(store, [CollectRequest(str(runs), pattern="{algo}/{env}/*.csv")]).new == 4
        report = collect(
            store, [CollectRequest(str(tmp_path / "lab" / "copy"), pattern="{algo}/{env}/*.csv")]
        )
        assert (report.new, len(store.runs()), store.copies_found()) == (4, 8, [])


def test_check_on_ci_against_the_lab_store_collects_the_checkout_without_doubling_runs(tmp_path, pg_url, cli):
    """CI checks out the paper's repository, runs included, at a path of its own: `check` said the 4
    runs were not in the store, and its `check --collect` stored them again, every cell's n doubled
    and the check FAILED (stale) on the lab's store, for every member."""
    project = tmp_path / "alice" / "paper"
    ppo_logs(project / "runs")
    (project / "resultsbook.toml").write_text(
        f'store = "{pg_url}"\n\n[[sources]]\npath = "runs"\npattern = "{{algo}}/{{env}}/*.csv"\n'
        'options = { step = "total timesteps" }\n\n[tables.main]\nmetric = "ep_rew_mean"\ngoal = "max"\n'
        'reduce = "last(2)"\nrows = ["algo"]\noutputs = ["results/main.md"]\n'
    )
    built = subprocess.run(
        [sys.executable, "-m", "resultsbook", "build", "-q"], cwd=project, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    shutil.move(tmp_path / "alice", tmp_path / "alice-laptop")
    checkout = tmp_path / "builds" / "paper"
    shutil.copytree(tmp_path / "alice-laptop" / "paper", checkout, copy_function=shutil.copy)
    checked = subprocess.run(
        [sys.executable, "-m", "resultsbook", "check", "--collect"],
        cwd=checkout,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 new, 0 updated, 4 unchanged" in checked.stdout and "OK: 1 current" in checked.stdout
    with Store.open(pg_url) as store:
        assert len(store.runs()) == 4


def test_an_older_resultsbook_is_refused_a_collect_into_a_store_a_newer_one_read(
    tmp_path, pg_url, monkeypatch
):
    """A member a release behind collected the lab's tree after a newer one had: each read every
    CSV again its own way, and the lab's tables were those of whoever collected last (the reverse, a
    newer resultsbook on a store an older one read, re-reads it once, as a reading that changed does)."""
    from resultsbook.adapters.csvlog import CsvAdapter

    runs = ppo_logs(tmp_path / "lab" / "runs")
    current = CsvAdapter.reading_version
    with Store.open(pg_url) as store:  # an older resultsbook's collect: nothing refused, its reading recorded
        monkeypatch.setattr(CsvAdapter, "reading_version", current - 1)
        assert rb.collect(str(runs), db=pg_url, pattern="{algo}/{env}/*.csv").new == 4
        assert store.reader_versions() == {"csv": current - 1}
        monkeypatch.setattr(
            CsvAdapter, "reading_version", current
        )  # then the lab upgrades, a member does not
        assert rb.collect(str(runs), db=pg_url, pattern="{algo}/{env}/*.csv").sources_read == 4
        assert store.reader_versions() == {"csv": current}
    monkeypatch.setattr(CsvAdapter, "reading_version", current - 1)
    (runs / "PPO" / "Hopper-v2" / "run-2020-08-26-23-04-59-478900.csv").unlink()
    result = subprocess.run(
        [sys.executable, "-c", f"import resultsbook.adapters.csvlog as m, runpy, sys; "
         f"m.CsvAdapter.reading_version = {current - 1}; sys.argv = ['resultsbook', 'collect', {str(runs)!r}, "
         f"'--pattern', '{{algo}}/{{env}}/*.csv', '--db', {pg_url!r}]; runpy.run_module('resultsbook', run_name='__main__')"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 74 and result.stdout == "", result.stdout + result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: the shared store {pg_url} holds runs a newer resultsbook read (its csv reader's reading "
        f"{current}, this one's reading {current - 1}); a collect by this one would read them again its older "
        "way, for every member: upgrade with pip install -U resultsbook (every member and node together)"
    )
    with Store.open(pg_url) as store:
        assert len(store.runs()) == 4  # the store as it was: nothing read, nothing marked gone
