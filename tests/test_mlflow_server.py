"""Runs in a real `mlflow server` backed by PostgreSQL, written by MLflow's own client, read through
the REST API and straight from the SQL backend, incrementally."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from test_postgres_store import everything

from resultsbook.errors import ServerGoneError, SpecError
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.store import Store

WRITER = Path(__file__).resolve().parent / "fixtures" / "mlflow_server" / "log_runs.py"


@pytest.fixture(scope="module")
def mlflow_server(postgres_cluster, tmp_path_factory):
    """A real MLflow tracking server on a fresh PostgreSQL database, with a sweep its client logged."""
    from servers import MlflowServer, ServerUnavailable

    backend = postgres_cluster.create_database("mlflow_backend")
    try:
        server = MlflowServer(backend, tmp_path_factory.mktemp("mlflow") / "artifacts").start()
    except ServerUnavailable as error:
        pytest.skip(f"no MLflow server here: {error}")
    server.logged = json.loads(server.run_client(str(WRITER)))
    server.backend = backend
    yield server
    server.stop()


def rest(server, experiment: str = "") -> str:
    return f"mlflow+{server.url}" + (f"/#{experiment}" if experiment else "")


def sql(server, experiment: str = "") -> str:
    return f"mlflow+{server.backend}" + (f"#{experiment}" if experiment else "")


def delete_run(server, run_id: str) -> None:
    """Delete a run with MLflow's own client, as a user does in MLflow."""
    server.run_client(
        "-c", f"from mlflow.tracking import MlflowClient; MlflowClient().delete_run({run_id!r})"
    )


def test_the_rest_api_gives_what_mlflows_client_logged(tmp_path, mlflow_server):
    with Store.open(str(tmp_path / "s.db")) as store:
        report = collect(store, [CollectRequest(rest(mlflow_server, "lab-sweep"))])
        assert (report.new, report.sources_read) == (
            6,
            6,
        )  # 4 finished, 1 failed, 1 running; deleted left out
        runs = {run.name: run for run in store.runs()}
        logged = {run["name"]: run for run in mlflow_server.logged["runs"]}
        assert sorted(runs) == sorted(logged)
        for name, expected in logged.items():
            assert runs[name].status == expected["status"]
            assert runs[name].experiment == "lab-sweep"
            assert runs[name].source.endswith(
                f"/#{mlflow_server.logged['experiment_id']}/{expected['run_id']}"
            )
        seed1 = runs["mlp-seed1"]
        assert seed1.params == {"lr": 0.02, "model": "mlp", "optimizer.name": "adam", "seed": 1}
        assert seed1.git_commit == "0123abcd" * 5 and seed1.provenance["tags"] == {"team": "vision"}
        steps, values, times = store.series("val/acc", [seed1.id])[seed1.id]
        assert steps.tolist() == [0, 1, 2, 3, 4]
        assert values.tolist() == [value for _, value in logged["mlp-seed1"]["val/acc"]]
        assert times.tolist() == [1_700_000_000.0 + step for step in range(5)]
        loss = store.series("loss", [seed1.id])[seed1.id][1]
        assert math.isnan(loss[0]) and loss[1] == np.inf and loss[2] == 0.25


def test_the_sql_backend_gives_the_same_runs_as_the_rest_api(tmp_path, mlflow_server):
    answers = {}
    for name, location in (("rest", rest(mlflow_server)), ("sql", sql(mlflow_server))):
        with Store.open(str(tmp_path / f"{name}.db")) as store:
            assert collect(store, [CollectRequest(location)]).new == 7  # both experiments
            prefix = store.runs()[0].source.split("/#")[0]
            answers[name] = json.loads(json.dumps(everything(store), default=repr).replace(prefix, "SERVER"))
    for part in answers["rest"]:
        assert answers["sql"][part] == answers["rest"][part], part


@pytest.mark.parametrize("kind", ["rest", "sql"])
def test_a_second_collect_reads_only_the_runs_that_changed(tmp_path, mlflow_server, kind):
    location = (rest if kind == "rest" else sql)(mlflow_server, "lab-sweep")
    with Store.open(str(tmp_path / "s.db")) as store:
        collect(store, [CollectRequest(location)])
        again = collect(store, [CollectRequest(location)])
        assert (again.sources_read, again.unchanged) == (0, 6)
        logged = json.loads(
            mlflow_server.run_client(str(WRITER), "--offset", str(10 + (kind == "sql")), "--runs", "1")
        )
        running = next(r["run_id"] for r in mlflow_server.logged["runs"] if r["name"] == "still-running")
        mlflow_server.run_client(
            "-c",
            f"""
from mlflow.tracking import MlflowClient
client = MlflowClient()
client.log_metric({running!r}, "val/acc", 0.35 + {len(kind)} / 100, step=1)
print("ok")
""",
        )
        changed = collect(store, [CollectRequest(location)])
        assert (changed.new, changed.updated, changed.sources_read) == (1, 1, 2)
        new_run = next(run for run in store.runs() if run.source.endswith(logged["runs"][0]["run_id"]))
        assert new_run.params["seed"] == 10 + (kind == "sql")
        delete_run(mlflow_server, logged["runs"][0]["run_id"])
        gone = collect(store, [CollectRequest(location)])
        assert (gone.missing, gone.sources_read) == (1, 0)


def test_an_unknown_experiment_is_one_line(tmp_path, mlflow_server):
    with Store.open(str(tmp_path / "s.db")) as store:
        with pytest.raises(SpecError) as caught:
            collect(store, [CollectRequest(rest(mlflow_server, "no-such-sweep"))])
        assert str(caught.value).startswith(
            f"mlflow+{mlflow_server.url}: the server has no experiment 'no-such-sweep'"
        )
        with pytest.raises(SpecError, match="has no experiment 'no-such-sweep'; check the name after #"):
            collect(store, [CollectRequest(sql(mlflow_server, "no-such-sweep"))])


def test_a_server_that_is_not_there_is_one_line(tmp_path):
    from servers import free_port

    port = free_port()
    for experiment in ("", "#sweep", "#12"):  # not "has no experiment": nothing answered at all
        with Store.open(str(tmp_path / "s.db")) as store, pytest.raises(SpecError) as caught:
            collect(store, [CollectRequest(f"mlflow+http://127.0.0.1:{port}{experiment}")])
        assert str(caught.value) == (
            f"mlflow+http://127.0.0.1:{port}: the server cannot be reached (connection refused); "
            "check the URL and that it runs"
        )


@pytest.mark.parametrize(
    ("password", "fault"),
    [
        (
            "Stud pw#1",
            "holds a character a URL gives another meaning; write it percent-encoded (' ' as %20, '#' as %23)",
        ),
        ("ab#cd", "holds a character a URL gives another meaning; write it percent-encoded ('#' as %23)"),
        ("50%zzoff", "holds a '%' that starts no percent-encoded character; write '%' as %25"),
        (
            "Pa%CEss",
            "is percent-encoded bytes that are not UTF-8 text; percent-encode it as UTF-8 ('é' as %C3%A9)",
        ),
    ],
)
def test_a_password_written_as_typed_in_a_backends_url_is_refused_without_showing_it(
    password, fault, tmp_path, cli
):
    """`collect mlflow+postgresql://rb:Stud pw#1@…` was `Internal error: ValueError: Port could not be
    cast to integer value as 'Stud pw'`, its report holding the password's start."""
    result = cli("collect", f"mlflow+postgresql://rb:{password}@127.0.0.1:1/mlflow", "--db", "local.db")
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"Error: the password in the URL 'mlflow+postgresql://rb:***@127.0.0.1:1/mlflow' {fault}, or keep it "
        "out of the URL: in PGPASSWORD or a line of ~/.pgpass (chmod 600)\n"
    )


def test_a_backend_that_wants_a_password_says_where_it_goes(tmp_path, monkeypatch):
    """A spec's `mlflow+postgresql://rb@host/mlflow` whose password ~/.pgpass lacks was `cannot connect to
    MLflow's postgresql backend (… fe_sendauth: no password supplied); check the URL`."""
    psycopg = pytest.importorskip("psycopg")

    def refuse(*args, **kwargs):
        raise psycopg.OperationalError(
            'connection failed: connection to server at "127.0.0.1", port 5433 failed: fe_sendauth: no '
            "password supplied"
        )

    monkeypatch.setattr(psycopg, "connect", refuse)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "pgpass"))
    with Store.open(str(tmp_path / "s.db")) as store, pytest.raises(SpecError) as caught:
        collect(store, [CollectRequest("mlflow+postgresql://rb@127.0.0.1:5433/mlflow#sweep")])
    assert str(caught.value) == (
        "mlflow+postgresql://127.0.0.1:5433/mlflow: cannot connect to MLflow's postgresql backend (connection "
        'failed: connection to server at "127.0.0.1", port 5433 failed: fe_sendauth: no password supplied); '
        f"check rb's password: in PGPASSWORD, or in a line 127.0.0.1:5433:mlflow:rb:PASSWORD of {tmp_path}/pgpass "
        "(chmod 600), or percent-encoded in the URL"
    )


def test_an_internal_errors_report_masks_the_pieces_of_a_password_a_url_parser_cut():
    from resultsbook.cli.outcome import _without_passwords

    arguments = [
        "resultsbook",
        "collect",
        "mlflow+postgresql://rb:Stud pw#1@db/mlflow",
        "--db=postgresql://x:ab#cd@h/r",
    ]
    report = _without_passwords(
        f"command: {' '.join(arguments)}\nValueError: Port could not be cast to integer value as 'Stud pw' "
        "(also 'ab', in tables.py)\n",
        arguments,
    )
    assert report == (
        "command: resultsbook collect mlflow+postgresql://rb:***@db/mlflow --db=postgresql://x:***@h/r\n"
        "ValueError: Port could not be cast to integer value as '***' (also '***', in tables.py)\n"
    )


@pytest.mark.parametrize("kind", ["sql", "rest"])
def test_a_run_garbage_collected_between_listing_and_reading_is_one_line(mlflow_server, tmp_path, kind):
    from resultsbook.sources.collect import read_source, served_sources

    experiment = f"gc-sweep-{kind}"
    location = (sql if kind == "sql" else rest)(mlflow_server, experiment)
    run_id = mlflow_server.run_client(
        "-c",
        f"""
import mlflow
mlflow.set_experiment({experiment!r})
with mlflow.start_run(run_name="short-lived") as run:
    mlflow.log_metric("loss", 0.5, step=0)
print(run.info.run_id)
""",
    )
    _, [(source, adapter)], _ = served_sources(CollectRequest(location))
    assert source.path.endswith(f"/{run_id}")
    store = Store.open(str(tmp_path / "s.db"))
    assert collect(store, [CollectRequest(location)]).new == 1
    delete_run(mlflow_server, run_id)
    mlflow_server.run_client(
        "-m", "mlflow", "gc", "--backend-store-uri", mlflow_server.backend_url, "--run-ids", run_id
    )
    result = read_source(adapter, source)
    assert result.runs == ()
    assert [p.describe() for p in result.problems] == [
        f"{source.path}: was deleted from the server's database since it was listed (`mlflow gc`?) "
        "— kept: nothing; the next collect marks it missing"
    ]
    with store:
        assert collect(store, [CollectRequest(location)]).missing == 1


@pytest.fixture(scope="module")
def mlflow_on_mariadb(tmp_path_factory):
    """A real MLflow tracking server on a MariaDB database (MySQL's protocol), with a sweep logged."""
    from servers import MariadbServer, MlflowServer, ServerUnavailable

    try:
        mariadb = MariadbServer().start()
    except ServerUnavailable as error:
        pytest.skip(f"no MySQL server here: {error}")
    try:
        backend = mariadb.create_database("mlflow")
        server = MlflowServer(backend, tmp_path_factory.mktemp("mlflow-mysql") / "artifacts").start()
    except ServerUnavailable as error:
        mariadb.stop()
        pytest.skip(f"no MLflow server on MariaDB here: {error}")
    server.logged = json.loads(server.run_client(str(WRITER)))
    server.backend = backend
    yield server
    server.stop()
    mariadb.stop()


def test_mlflows_mysql_backend_gives_the_same_runs_as_its_rest_api(tmp_path, mlflow_on_mariadb):
    answers = {}
    for name, location in (("rest", rest(mlflow_on_mariadb)), ("mysql", sql(mlflow_on_mariadb))):
        with Store.open(str(tmp_path / f"{name}.db")) as store:
            assert collect(store, [CollectRequest(location)]).new == 7
            again = collect(store, [CollectRequest(location)])
            assert (again.sources_read, again.unchanged) == (0, 7)
            prefix = store.runs()[0].source.split("/#")[0]
            answers[name] = json.loads(json.dumps(everything(store), default=repr).replace(prefix, "SERVER"))
    for part in answers["rest"]:
        assert answers["mysql"][part] == answers["rest"][part], part


def test_a_url_copied_from_mlflows_pages_collects_its_experiment_or_its_run(tmp_path, mlflow_server):
    experiment = mlflow_server.logged["experiment_id"]
    crashed = next(run["run_id"] for run in mlflow_server.logged["runs"] if run["name"] == "crashed")
    page = f"mlflow+{mlflow_server.url}/#/experiments/{experiment}"
    with Store.open(str(tmp_path / "s.db")) as store:
        assert collect(store, [CollectRequest(page)]).new == 6  # as '#lab-sweep' gives
        one = collect(store, [CollectRequest(f"{page}/runs/{crashed}")])
        assert (one.unchanged, one.missing) == (1, 0)  # the experiment's other runs are not gone
        with pytest.raises(SpecError) as caught:
            collect(store, [CollectRequest(f"{page}/runs/0123456789abcdef")])
        assert str(caught.value) == (
            f"mlflow+{mlflow_server.url}: experiment {experiment} has no run '0123456789abcdef' (deleted, "
            f"or a typo?); collect mlflow+{mlflow_server.url}/#{experiment} for all of its runs"
        )


@pytest.mark.parametrize("kind", ["rest", "sql"])
def test_a_run_deleted_in_any_experiment_is_gone_from_a_whole_server_collect(tmp_path, mlflow_server, kind):
    location = (rest if kind == "rest" else sql)(mlflow_server)
    added = json.loads(
        mlflow_server.run_client(str(WRITER), "--offset", str(20 + (kind == "sql")), "--runs", "1")
    )
    with Store.open(str(tmp_path / "s.db")) as store:
        assert collect(store, [CollectRequest(location)]).new == 8  # both experiments
        delete_run(mlflow_server, added["runs"][0]["run_id"])
        # lab-sweep is not the last experiment listed: its runs were once out of the collect's scope
        again = collect(store, [CollectRequest(location)])
        assert (again.missing, again.unchanged) == (1, 7)


def test_a_tracking_servers_plain_web_address_says_how_to_collect_it(tmp_path, mlflow_server):
    from servers import free_port

    with Store.open(str(tmp_path / "s.db")) as store:
        with pytest.raises(SpecError) as caught:
            collect(store, [CollectRequest(mlflow_server.url)])  # MLFLOW_TRACKING_URI as it is
        assert f"an MLflow tracking server is collected as 'mlflow+{mlflow_server.url}'" in str(caught.value)
        nothing = f"http://127.0.0.1:{free_port()}"
        with pytest.raises(SpecError) as caught:
            collect(store, [CollectRequest(nothing)])
        assert str(caught.value).endswith(f"; an MLflow tracking server is collected as 'mlflow+{nothing}'")


def test_the_collected_line_masks_the_password_of_the_url_it_names(tmp_path, mlflow_server, cli, monkeypatch):
    """`Collected mlflow+postgresql://lab:PASSWORD@…` printed the password the command was given."""
    user = _user(mlflow_server.backend)
    url = sql(mlflow_server, "lab-sweep").replace(f"//{user}@", f"//{user}:s3cret@", 1)
    monkeypatch.chdir(tmp_path)
    result = cli("collect", url, "--db", "local.db")
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    assert result.output.startswith(f"Collected {url.replace(':s3cret@', ':***@')}: 6 new"), result.output


def test_a_saved_table_and_the_store_never_hold_the_password_of_a_collected_url(
    tmp_path, mlflow_server, cli, monkeypatch
):
    """`table --save` printed `from the last collect of mlflow+postgresql://lab:s3cret@…`, and the
    store's collect_readings kept the URL with its password for anyone who may read the store."""
    import sqlite3

    user = _user(mlflow_server.backend)
    url = sql(mlflow_server, "lab-sweep").replace(f"//{user}@", f"//{user}:s3cret@", 1)
    monkeypatch.chdir(tmp_path)
    assert cli("collect", url, "--db", "local.db").exit_code == 0
    saved = cli("table", "--rows", "model", "--metric", "val/acc", "--db", "local.db", "--save", "t1")
    assert saved.exit_code == 0, saved.output
    assert "s3cret" not in saved.output
    assert f"from the last collect of {url.replace(':s3cret@', ':***@')}" in saved.output, saved.output
    assert f"the [[sources]] URL {url.replace(':s3cret@', '@')} is written without its password" in (
        saved.output
    )
    with sqlite3.connect(tmp_path / "local.db") as db:
        assert "s3cret" not in repr(db.execute("SELECT * FROM collect_readings").fetchall())
    again = cli("collect", url, "--db", "local.db")  # the same root: its reading is found, not added
    assert again.exit_code == 0, again.output
    with sqlite3.connect(tmp_path / "local.db") as db:
        assert db.execute("SELECT count(*) FROM collect_readings").fetchone() == (1,)


@pytest.mark.parametrize("kind", ["rest", "sql"])
def test_a_whole_server_collect_gives_no_note_about_folder_levels(tmp_path, mlflow_server, cli, kind):
    """Two experiments gave `Note: … runs read by mlflow_server sit in folders that set them apart by
    names no param of theirs holds, at level 1 (#1, #2) … --pattern '{level1}/*' makes it a param`:
    a server has no folders, and each run carries its experiment."""
    logged = json.loads(mlflow_server.run_client(str(WRITER), "--experiment", f"again-{kind}"))
    try:  # a second sweep of the same configs, in an experiment of its own
        result = cli("collect", (rest if kind == "rest" else sql)(mlflow_server), "--db", "local.db")
    finally:  # the other tests' server as it was: the experiment's runs deleted with it
        mlflow_server.run_client(
            "-c",
            "from mlflow.tracking import MlflowClient; "
            f"MlflowClient().delete_experiment({logged['experiment_id']!r})",
        )
    assert result.exit_code == 0, result.output
    assert "Note:" not in result.output, result.output


def test_forget_takes_the_url_collect_was_given_and_names_the_experiment_ids_it_stores(
    tmp_path, mlflow_server, cli
):
    """`forget 'mlflow+postgresql://rb:s3cret@…#sweep'` printed the password, and no URL with a user
    or a password matched the runs, which the store names without them."""
    user = _user(mlflow_server.backend)
    url = sql(mlflow_server).replace(f"//{user}@", f"//{user}:s3cret@", 1)
    assert cli("collect", f"{url}#lab-sweep", "--db", "local.db").exit_code == 0
    server = f"mlflow+{mlflow_server.backend.replace(f'{user}@', '')}"
    experiment = mlflow_server.logged["experiment_id"]
    named = cli("forget", f"{url}#lab-sweep", "--db", "local.db")
    assert named.exit_code == 1 and "s3cret" not in named.output
    assert named.output == (
        f"Error: the store holds no run collected from {url.replace(':s3cret@', ':***@')}#lab-sweep; it "
        f"names the runs of that server by the id after '#': did you mean {server}/#{experiment}?\n"
    )
    forgotten = cli("forget", url, "--db", "local.db")
    assert forgotten.exit_code == 0, forgotten.output
    assert forgotten.output.startswith("Forgot 6 runs of 6 sources"), forgotten.output


def _user(url: str) -> str:
    """Return the user a URL names (`postgresql://user@host/db` -> `user`), for a password to go after."""
    return url.split("://", 1)[1].split("@", 1)[0]


def test_a_server_gone_mid_collect_stops_it_and_the_next_collect_reads_every_run(
    tmp_path, mlflow_server, monkeypatch
):
    from servers import free_port

    from resultsbook.adapters.mlflow_rest import MlflowRest

    dead = free_port()
    history = MlflowRest.history

    def down(self, run_id, key):  # the server goes down once the runs are listed
        self.port = dead
        if getattr(self._local, "conn", None) is not None:
            self._drop(self._local.conn)
        return history(self, run_id, key)

    with Store.open(str(tmp_path / "s.db")) as store:
        monkeypatch.setattr(MlflowRest, "history", down)
        with pytest.raises(ServerGoneError) as caught:  # exit 74, as a storage server gone
            collect(store, [CollectRequest(rest(mlflow_server, "lab-sweep"))])
        assert str(caught.value) == (
            f"mlflow+{mlflow_server.url}: the server went away during the collect: it cannot be reached "
            "(connection refused); check that it runs, then collect again: the runs not stored yet are "
            "read then"
        )
        monkeypatch.setattr(MlflowRest, "history", history)
        report = collect(store, [CollectRequest(rest(mlflow_server, "lab-sweep"))])
        assert (report.new, report.unchanged) == (6, 0)


def test_a_server_that_accepts_but_never_answers_is_given_up_on_in_one_line(tmp_path, monkeypatch):
    import socket
    import time

    from resultsbook.adapters import mlflow_rest

    monkeypatch.setattr(mlflow_rest, "_TIMEOUT", 1.0)  # 20 s in use: three silences, about a minute
    with socket.socket() as hung:  # a hung server: the kernel accepts, nothing ever answers
        hung.bind(("127.0.0.1", 0))
        hung.listen(64)
        url = f"mlflow+http://127.0.0.1:{hung.getsockname()[1]}"
        started = time.monotonic()
        with Store.open(str(tmp_path / "s.db")) as store, pytest.raises(SpecError) as caught:
            collect(store, [CollectRequest(f"{url}/#sweep")])
        assert str(caught.value) == (
            f"{url}: the server accepts connections but answered nothing for 3 s (hung, or stopped); "
            "check the URL and that it runs"
        )
        assert time.monotonic() - started < 6


def test_a_deleted_an_empty_or_a_misspelt_experiment_says_which(tmp_path, mlflow_server):
    deleted, empty = json.loads(
        mlflow_server.run_client(
            "-c",
            "import json; from mlflow.tracking import MlflowClient; c = MlflowClient(); "
            "gone = c.create_experiment('to-delete'); c.delete_experiment(gone); "
            "print(json.dumps([gone, c.create_experiment('no-runs-yet')]))",
        )
    )
    url = rest(mlflow_server)
    expected = {
        "to-delete": f"{url}: experiment 'to-delete' (id {deleted}) is deleted in MLflow; "
        "options={'deleted': 'keep'} collects its runs",
        f"/experiments/{deleted}": f"{url}: experiment 'to-delete' (id {deleted}) is deleted in MLflow; "
        "options={'deleted': 'keep'} collects its runs",
        "no-runs-yet": f"{url}: experiment 'no-runs-yet' (id {empty}) has no runs; check the name after # "
        "(or log a run to it first)",
    }
    with Store.open(str(tmp_path / "s.db")) as store:
        for experiment, message in expected.items():
            report = collect(store, [CollectRequest(rest(mlflow_server, experiment))])
            assert report.notes == (message,)
        with pytest.raises(SpecError) as caught:
            collect(store, [CollectRequest(rest(mlflow_server, "lab-swepe"))])
        assert (
            str(caught.value) == f"{url}: the server has no experiment 'lab-swepe'; did you mean 'lab-sweep'?"
        )


def test_the_runs_of_a_batch_left_unread_after_a_failing_run_are_read_again(
    tmp_path, mlflow_server, monkeypatch
):
    from resultsbook.adapters.mlflow_tracking import MlflowTrackingAdapter

    read_many = MlflowTrackingAdapter.read_many

    def broken(self, sources):  # an adapter bug at the second run of a batch
        for number, result in enumerate(read_many(self, sources)):
            if number == 1:
                raise RuntimeError("a bug")
            yield result

    location = rest(mlflow_server, "lab-sweep")
    with Store.open(str(tmp_path / "s.db")) as store:
        monkeypatch.setattr(MlflowTrackingAdapter, "read_many", broken)
        first = collect(store, [CollectRequest(location)])
        missed = [p.describe() for p in first.problems if "was not read by" in p.message]
        assert (first.new, len(missed)) == (1, 4)
        monkeypatch.setattr(MlflowTrackingAdapter, "read_many", read_many)
        again = collect(store, [CollectRequest(location)])
        assert (again.new, again.sources_read, again.unchanged) == (5, 5, 1)


def test_one_damaged_run_of_a_server_is_said_once_and_the_rest_of_its_batch_stored(tmp_path):
    """A server's run whose history held a point with `"step": null` stopped the adapter: the runs after
    it in the batch were never stored, each collect read them again and said it kept what it had
    stored of them (nothing). The damaged run is said once; the others are stored."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlparse

    experiment = {"experiment_id": "1", "name": "exp", "lifecycle_stage": "active"}
    runs = [
        {
            "info": {
                "run_id": f"r{i}", "run_uuid": f"r{i}", "experiment_id": "1", "run_name": f"run{i}",
                "status": "FINISHED", "start_time": 1700000000000 + i, "end_time": 1700000000500 + i,
                "lifecycle_stage": "active",
            },
            "data": {
                "params": [{"key": "seed", "value": str(i)}], "tags": [],
                "metrics": [{"key": "acc", "value": 0.2, "timestamp": 1700000000002, "step": 2}],
            },
        }
        for i in range(4)
    ]  # fmt: skip

    class Answers(BaseHTTPRequestHandler):  # MLflow's REST answers, as its server gives them
        def log_message(self, *args: object) -> None:
            pass

        def send(self, answer: object, code: int = 200) -> None:
            body = json.dumps(answer).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            path = url.path.split("/mlflow", 1)[-1]
            if path in ("/experiments/get-by-name", "/experiments/get"):
                return self.send({"experiment": experiment})
            if path == "/runs/get":
                return self.send({"run": next(r for r in runs if r["info"]["run_id"] == query["run_id"])})
            points = [
                {"key": "acc", "value": s / 10, "timestamp": 1700000000000 + s, "step": s} for s in range(3)
            ]
            if query.get("run_id") == "r1":
                points[1]["step"] = None  # the damage
            return self.send({"metrics": points})

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            path = urlparse(self.path).path.split("/mlflow", 1)[-1]
            self.send({"experiments": [experiment]} if path == "/experiments/search" else {"runs": runs})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"mlflow+http://127.0.0.1:{server.server_address[1]}/#exp"
    try:
        with Store.open(str(tmp_path / "s.db")) as store:
            first = collect(store, [CollectRequest(url)])
            assert sorted(run.name for run in store.runs()) == ["run0", "run2", "run3"]
            (damaged,) = first.problems
            assert damaged.path.endswith("/r1") and damaged.message.startswith(
                "could not be read (TypeError:"
            )
            again = collect(store, [CollectRequest(url)])
            assert (again.new, again.unchanged, len(again.problems)) == (0, 3, 0), again  # none read again
    finally:
        server.shutdown()
        server.server_close()
