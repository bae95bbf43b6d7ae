"""A PostgreSQL store answers every question as the SQLite store does, from the same runs."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, curve, write_native_run

from resultsbook.errors import NotFoundError, SpecError, StoreError
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.store import Store
from resultsbook.store.location import choose_store_location, display_location
from resultsbook.voice import to_command_line

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def varied_tree(root: Path) -> Path:
    """Write runs with every kind of value a store must give back exactly: the trackers' fixtures,
    and native runs with NaN, ±inf, typed and nested params, Unicode, a torn last line."""
    shutil.copytree(FIXTURES, root / "trackers")
    write_native_run(
        root / "native" / "odd",
        {
            "lr": 0.1,
            "big": 2**62,
            "flag": True,
            "off": False,
            "none": None,
            "list": [1, "a"],
            "name": "café ☕",
            "tiny": 5e-324,
            "nan": float("nan"),
            "inf": float("-inf"),
        },
        [{"step": 1, "loss": float("nan"), "acc": 0.5}, {"step": 2, "loss": float("inf"), "acc": 0.75}],
        {"status": "finished", "start_time": 1700000000, "end_time": 1700000100.25},
    )
    for seed in range(3):
        write_native_run(root / "native" / f"seed{seed}", {"seed": seed, "model": "mlp"}, curve([seed, 1.5]))
    torn = write_native_run(root / "native" / "torn", {"seed": 9}, curve([1.0, 2.0]))
    with open(torn / "metrics.jsonl", "a") as handle:
        handle.write('{"step": 3, "acc": 0.')
    return root


def everything(store: Store) -> dict[str, object]:
    """Return what every read of the store answers, with paths made comparable between stores."""
    runs = store.runs(include_missing=True)
    by_id = {run.id: run for run in runs}

    def where(source: str) -> str:
        path = store.absolute(source)
        return path if "://" in path else Path(path).resolve().as_posix()

    def name(run_id: int) -> str:
        return where(by_id[run_id].source) + "#" + by_id[run_id].name

    keys = store.metric_keys()
    return {
        "runs": [
            (
                where(r.source),
                r.name,
                r.adapter,
                r.experiment,
                r.status,
                r.start_time,
                r.end_time,
                r.git_commit,
                r.git_dirty,
                json.dumps(r.provenance, sort_keys=True),
                r.present,
                r.digest,
                repr(list(r.params.items())),
                [type(v).__name__ for v in r.params.values()],
            )
            for r in runs
        ],
        # PostgreSQL draws ids in blocks per transaction, and a collect slowed down commits in more of
        # them: the order of the ids is the same in both stores, not their values
        "ids": sorted(range(len(runs)), key=lambda index: runs[index].id),
        "some_by_id": [
            (r.name, repr(list(r.params.items()))) for r in store.runs(ids=[runs[-1].id, runs[1].id])
        ],
        "keys": keys,
        "summaries": {
            k: sorted((name(run), repr(v)) for run, v in store.metric_summaries(k).items()) for k in keys
        },
        "series": {
            k: sorted(
                (name(run), [None if a is None else (a.dtype.str, a.tobytes()) for a in arrays])
                for run, arrays in store.series(k).items()
            )
            for k in keys
        },
        "run_metrics": [repr(store.run_metrics(r.id)) for r in runs],
        "with_metrics": sorted(name(run) for run in store.runs_with_metrics()),
        "last_logged": [store.last_logged_time(r.id) for r in runs],
        "problems": [(Path(p.path).name, p.message, p.kept) for p in store.problems()],
        "problem_sources": [
            (where(source), Path(p.path).name) for source, p in store.problems_with_sources()
        ],
        "counts": dict(store.counts()),
    }


def test_postgres_store_answers_every_read_exactly_as_sqlite(tmp_path, pg_url):
    tree = varied_tree(tmp_path / "runs")
    answers = []
    for location in (str(tmp_path / "resultsbook.db"), pg_url):
        with Store.open(location) as store:
            report = collect(store, [CollectRequest(str(tree))])
            assert report.new > 30 and report.problems
            answers.append(everything(store))
    sqlite, postgres = answers
    for part in sqlite:
        assert postgres[part] == sqlite[part], part
    with Store.open(pg_url) as store:
        odd = next(run for run in store.runs() if run.name == "odd")
    assert odd.params["big"] == 2**62 and odd.params["flag"] is True and odd.params["none"] is None
    assert math.isnan(odd.params["nan"]) and odd.params["inf"] == -math.inf and odd.params["tiny"] == 5e-324


def test_series_of_some_runs_are_those_runs_only(tmp_path, pg_url):
    for seed in range(4):
        write_native_run(tmp_path / "runs" / f"s{seed}", {"seed": seed}, curve([seed, seed + 1]))
    with Store.open(pg_url) as store:
        collect(store, [CollectRequest(str(tmp_path / "runs"))])
        ids = [run.id for run in store.runs()]
        picked = store.series("acc", ids[1:3])
        assert sorted(picked) == ids[1:3]
        assert np.array_equal(picked[ids[1]][1], [1.0, 2.0])
        assert store.runs(sources=[store.runs()[2].source])[0].name == "s2"
        assert [run.name for run in store.runs(ids=[ids[3], ids[0]])] == ["s0", "s3"]


def test_postgres_sources_are_named_by_absolute_path(tmp_path, pg_url):
    write_native_run(tmp_path / "runs" / "a", {"seed": 1}, curve([1.0]))
    with Store.open(pg_url) as store:
        collect(store, [CollectRequest(str(tmp_path / "runs"))])
        assert store.runs()[0].source == (tmp_path / "runs" / "a").as_posix()
        assert store.absolute(store.runs()[0].source) == str(tmp_path / "runs" / "a")


def test_recollecting_reads_only_what_changed_and_marks_what_is_gone(tmp_path, pg_url):
    for index in range(4):
        write_native_run(tmp_path / "runs" / f"r{index}", {"seed": index}, curve([index, 1.0]))
    with Store.open(pg_url) as store:
        request = [CollectRequest(str(tmp_path / "runs"))]
        assert collect(store, request).new == 4
        again = collect(store, request)
        assert (again.unchanged, again.sources_read) == (4, 0)
        with open(tmp_path / "runs" / "r2" / "metrics.jsonl", "a") as handle:
            handle.write('{"step": 3, "acc": 9}\n')
        shutil.move(tmp_path / "runs" / "r3", tmp_path / "elsewhere")
        changed = collect(store, request)
        assert (changed.updated, changed.unchanged, changed.missing, changed.sources_read) == (1, 2, 1, 1)
        assert [run.name for run in store.runs()] == ["r0", "r1", "r2"]
        assert store.run_metrics(store.runs()[2].id)[0]["n"] == 3
        shutil.move(tmp_path / "elsewhere", tmp_path / "runs" / "r3")
        back = collect(store, request)
        assert back.new + back.updated == 1 and len(store.runs()) == 4


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_problems_of_a_removed_run_folder_go_with_it_and_come_back_with_it(tmp_path, request, backend):
    """A run folder deleted after a collect was `1 missing`, yet every collect still said `1 problem
    met when the unchanged sources were last read still stands` and `problems` listed its log."""
    url = str(tmp_path / "resultsbook.db") if backend == "sqlite" else request.getfixturevalue("pg_url")
    write_native_run(tmp_path / "runs" / "r0", {"seed": 0}, curve([1.0]))
    write_native_run(tmp_path / "runs" / "r1", {"seed": 1}, [{"step": 1, "acc": math.inf}])
    with Store.open(url) as store:
        request_ = [CollectRequest(str(tmp_path / "runs"))]
        assert collect(store, request_).new == 2 and store.problem_count() == 1
        shutil.move(tmp_path / "runs" / "r1", tmp_path / "elsewhere")
        assert collect(store, request_).missing == 1
        assert (store.problem_count(), store.problems()) == (0, [])
        shutil.move(tmp_path / "elsewhere", tmp_path / "runs" / "r1")
        collect(store, request_)
        assert [problem.path for problem in store.problems()] == [
            store.relative(str(tmp_path / "runs" / "r1" / "metrics.jsonl"))
        ]


def test_an_interrupted_collect_keeps_whole_sources_only(tmp_path, pg_url, monkeypatch):
    from resultsbook.sources import collect as collecting
    from resultsbook.store import pg_writer

    monkeypatch.setattr(collecting, "BATCH_SOURCES", 3)
    for index in range(10):
        write_native_run(tmp_path / "runs" / f"r{index}", {"seed": index}, curve([index, 1.0]))
    original = pg_writer.PostgresWriter.write_source
    calls = {"n": 0}

    def interrupt(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 8:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pg_writer.PostgresWriter, "write_source", interrupt)
    with Store.open(pg_url) as store:
        with pytest.raises(KeyboardInterrupt):
            collect(store, [CollectRequest(str(tmp_path / "runs"))])
        kept = store.runs()
        assert [run.name for run in kept] == ["r0", "r1", "r2", "r3", "r4", "r5"]  # two whole batches
        assert all(store.run_metrics(run.id) for run in kept)
        monkeypatch.setattr(pg_writer.PostgresWriter, "write_source", original)
        finished = collect(store, [CollectRequest(str(tmp_path / "runs"))])
        assert (finished.new, finished.unchanged) == (4, 6)


def test_many_processes_opening_an_empty_database_create_the_schema_once(pg_url):
    script = f"from resultsbook.store import Store; Store.open({pg_url!r}).close()"
    processes = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE) for _ in range(6)]
    errors = [process.communicate()[1] for process in processes]
    assert [process.returncode for process in processes] == [0] * 6, errors
    import psycopg

    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT name FROM _resultsbook_migrations").fetchall() == [("m001_initial",)]


def test_a_store_from_a_newer_resultsbook_is_refused(pg_url):
    Store.open(pg_url).close()
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO _resultsbook_migrations (migration_set, name) VALUES ('resultsbook', 'm999_x')"
        )
    with pytest.raises(StoreError, match=r"newer resultsbook.*m999_x.*pip install -U resultsbook"):
        Store.open(pg_url)


def test_reading_an_empty_database_says_to_collect_first(pg_url):
    """A fresh database (CI's service container) is a store not collected yet, as a missing SQLite file:
    rb.NotFoundError and exit 1, not a broken store (exit 74)."""
    with pytest.raises(
        NotFoundError, match=r"no resultsbook store in .* yet; run `rb\.collect\('runs/', db='postgresql://"
    ):
        Store.open(pg_url, create=False)
    with (
        to_command_line(),
        pytest.raises(NotFoundError, match=r"yet; run `resultsbook collect PATH --db postgresql://"),
    ):
        Store.open(pg_url, create=False)


def test_a_command_suggested_for_a_url_with_a_password_holds_no_asterisks_to_paste(pg_url, cli, tmp_path):
    """`run resultsbook collect PATH --db postgresql://lab:***@…/results first` failed when pasted."""
    import resultsbook as rb

    url = pg_url.replace("://resultsbook@", "://resultsbook:s3cret@", 1)
    bare = display_location(url).replace(":***@", "@")
    where = "(with the password as in the URL you gave, or in PGPASSWORD or a line of ~/.pgpass)"
    result = cli("runs", "--db", url)
    assert result.output == (
        f"Error: no resultsbook store in {display_location(url)} yet; run `resultsbook collect PATH --db "
        f"{bare}` first {where}\n"
    )
    with pytest.raises(NotFoundError) as caught:
        rb.open(url)
    assert str(caught.value) == (
        f"no resultsbook store in {display_location(url)} yet; run `rb.collect('runs/', db={bare!r})` first "
        f"{where}"
    )


def test_a_shared_store_no_collect_has_written_into_says_so_and_one_written_into_does_not(pg_url, tmp_path):
    import resultsbook as rb

    Store.open(pg_url).close()  # the schema, as a collect makes it before it has listed its folders
    with (
        rb.open(pg_url) as book,
        pytest.raises(rb.NotFoundError, match=r"^the store holds no runs yet: the collect"),
    ):
        book.table(rows="model", metric="acc")
    write_native_run(tmp_path / "runs" / "a", {"model": "mlp"}, curve([0.5]))
    rb.collect(tmp_path / "runs", db=pg_url)
    with Store.open(pg_url) as store:
        assert store.ever_written()
        store.write(lambda writer: writer.mark_sources_missing([str(tmp_path / "runs" / "a")]))
    with (
        rb.open(pg_url) as book,
        pytest.raises(rb.NotFoundError, match=r"^the store holds no runs; collect them"),
    ):
        book.table(rows="model", metric="acc")


def test_a_server_that_is_not_there_is_one_line_without_the_password(postgres_cluster):
    from servers import free_port

    url = f"postgresql://alice:s3cret@127.0.0.1:{free_port()}/results"
    with pytest.raises(StoreError) as caught:
        Store.open(url)
    message = str(caught.value)
    assert "s3cret" not in message and "alice:***@127.0.0.1" in message and "\n" not in message
    assert message.endswith(
        "; check that the server is up, and the host and port in the URL (PostgreSQL's default: 5432)"
    )


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Stud pw#1", 'unexpected spaces found in "***", use percent-encoded spaces (%20) instead'),
        ("50%zzoff", 'invalid percent-encoded token: "***"'),
        ("Pa%CEss", "the password in the URL is percent-encoded bytes that are not UTF-8 text"),
    ],
)
def test_a_password_libpq_cannot_parse_is_never_shown_and_is_told_to_be_percent_encoded(password, reason):
    """`postgresql://rb:Stud pw#1@…` printed `(unexpected spaces found in "Stud pw#1", …)`, and
    `rb:Pa%CEss@` (escapes that are not UTF-8) was an internal UnicodeDecodeError."""
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError) as caught:
        Store.open(f"postgresql://rb:{password}@127.0.0.1:1/results")
    assert str(caught.value) == (
        f"cannot connect to postgresql://rb:***@127.0.0.1:1/results ({reason}); write the password "
        "percent-encoded as UTF-8 in the URL (a space as %20, '%' as %25, 'é' as %C3%A9), or keep it out "
        "of the URL: in PGPASSWORD or a line of ~/.pgpass (chmod 600)"
    )


@pytest.mark.parametrize("password", ["My%Secret", "Secret Pass", "Pa%CEss"])
def test_a_password_libpq_cannot_parse_is_in_no_line_of_the_traceback_python_prints(password, tmp_path):
    """`rb.open('postgresql://lab:My%Secret@…')` printed, above the masked error, the driver's error it was
    raised from: `ProgrammingError: invalid percent-encoded token: "My%Secret"`."""
    import traceback

    import resultsbook as rb

    pytest.importorskip("psycopg")
    url = f"postgresql://lab:{password}@127.0.0.1:1/results"
    write_native_run(tmp_path / "runs" / "a", {"seed": 1}, curve([0.5]))
    for attempt in (lambda: rb.open(url), lambda: rb.collect(tmp_path / "runs", db=url)):
        with pytest.raises(StoreError) as caught:
            attempt()
        printed = "".join(traceback.format_exception(caught.value))
        assert "cannot connect to postgresql://lab:***@127.0.0.1:1/results (" in printed
        assert password not in printed and "Secret" not in printed and "Pa%" not in printed, printed


def test_a_short_password_is_masked_where_the_driver_quotes_it_not_inside_its_words():
    from resultsbook.store.location import without_password

    reason = 'connection to server at "db", port 1 failed: Connection refused; invalid token: "on"'
    assert without_password(reason, "postgresql://rb:on@db:1/r") == (
        'connection to server at "db", port 1 failed: Connection refused; invalid token: "***"'
    )


def test_a_book_and_forget_never_show_the_password_of_the_stores_url(tmp_path, pg_url):
    """`repr(rb.open('postgresql://rb:s3cret@…'))` and `forget 'mlflow+postgresql://rb:s3cret@…'`
    printed the password."""
    import resultsbook as rb

    url = pg_url.replace("://resultsbook@", "://resultsbook:s3cret@", 1)
    write_native_run(tmp_path / "runs" / "a", {"seed": 1}, curve([0.5]))
    rb.collect(tmp_path / "runs", db=url)
    book = rb.open(url)
    assert repr(book) == f"<resultsbook.Book {display_location(url)}: 1 runs>" and "s3cret" not in str(book)
    with pytest.raises(rb.NotFoundError) as caught:
        rb.forget("mlflow+postgresql://rb:s3cret@db/mlflow#sweep", db=url)
    assert str(caught.value).startswith(
        "the store holds no run collected from mlflow+postgresql://rb:***@db/mlflow#sweep ("
    )
    book.close()
    assert repr(book) == f"<resultsbook.Book {display_location(url)}: closed>"
    with pytest.raises(StoreError) as closed:
        book.runs()
    assert "s3cret" not in str(closed.value)


def test_text_with_nul_characters_is_stored_alike_in_both_stores_and_reported(tmp_path, pg_url):
    """A config holding "\\u0000" failed a collect into PostgreSQL for its whole batch (`PostgreSQL text
    fields cannot contain NUL (0x00) bytes`), the other runs never stored; SQLite kept it."""
    write_native_run(tmp_path / "runs" / "a", {"seed": 0, "note": "ok"}, curve([0.5]))
    write_native_run(
        tmp_path / "runs" / "b",
        {"seed": 1, "note": "a\x00b", "k\x00": 2},
        [{"step": 1, "acc": 0.5, "lo\x00ss": 1.0}],
        {"status": "finished", "tags": {"t\x00": "v\x00"}},
    )
    answers = {}
    for name, location in (("sqlite", str(tmp_path / "s.db")), ("postgres", pg_url)):
        with Store.open(location) as store:
            report = collect(store, [CollectRequest(str(tmp_path / "runs"))])
            assert report.new == 2, report
            assert [(p.message, p.kept) for p in report.problems] == [
                (
                    "holds text with NUL characters (param values, param names, metric names, provenance), "
                    "which a PostgreSQL store cannot hold",
                    "the text, each NUL written as \\x00",
                )
            ]
            run = next(run for run in store.runs() if run.name == "b")
            assert run.params == {"seed": 1, "note": "a\\x00b", "k\\x00": 2}
            assert run.provenance["tags"] == {"t\\x00": "v\\x00"}
            answers[name] = [(run.name, run.params, run.provenance) for run in store.runs()]
    assert answers["sqlite"] == answers["postgres"]


def test_without_the_driver_the_message_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(StoreError, match=r"pip install 'resultsbook\[postgres\]'"):
        Store.open("postgresql://nobody@127.0.0.1/none")


def test_a_reader_is_never_blocked_by_a_writer(tmp_path, pg_url):
    write_native_run(tmp_path / "runs" / "a", {"seed": 1}, curve([1.0]))
    with Store.open(pg_url) as store:
        collect(store, [CollectRequest(str(tmp_path / "runs"))])
    write_native_run(tmp_path / "runs" / "a", {"seed": 1}, curve([1.0, 2.0]))
    from resultsbook.sources.collect import find_sources, read_source

    source, adapter = next(iter(find_sources(CollectRequest(str(tmp_path / "runs")))))
    seen: list[int] = []

    def read() -> None:
        with Store.open(pg_url) as other:
            run = other.runs()[0]
            seen.append(other.run_metrics(run.id)[0]["n"])

    def write_and_wait(writer) -> None:
        writer.write_source(source, "sig", read_source(adapter, source).runs, [])
        writer.flush()  # written, locked, not committed
        reader = threading.Thread(target=read)
        reader.start()
        reader.join(10)
        assert seen == [1]  # answered at once, from the last commit

    with Store.open(pg_url) as store:
        store.write(write_and_wait)
        assert store.run_metrics(store.runs()[0].id)[0]["n"] == 2


# ----------------------------------------------------------------------------------- choosing the store
def test_the_store_is_the_flag_else_the_environment_else_the_spec(monkeypatch):
    monkeypatch.delenv("RESULTSBOOK_DB", raising=False)
    assert choose_store_location(None, "/p/results.db", "/cwd/resultsbook.db") == "/p/results.db"
    assert choose_store_location(None, None, "/cwd/resultsbook.db") == "/cwd/resultsbook.db"
    monkeypatch.setenv("RESULTSBOOK_DB", "postgresql://lab@db/results")
    assert choose_store_location(None, "/p/results.db", "x") == "postgresql://lab@db/results"
    assert choose_store_location("mine.db", "/p/results.db", "x") == "mine.db"
    monkeypatch.setenv("RESULTSBOOK_DB", "mysql://lab@db/results")
    with pytest.raises(
        SpecError, match="RESULTSBOOK_DB: the store 'mysql://lab@db/results' is a mysql:// URL"
    ):
        choose_store_location(None, None, "x")


@pytest.mark.parametrize("command", [("collect", "runs"), ("build",), ("runs",), ("forget", "runs/a")])
def test_an_empty_store_option_or_variable_is_refused_not_the_default_store(
    command, tmp_path, cli, monkeypatch
):
    """`--db "$LAB_DB"` in a job script, the variable unset, quietly collected into ./resultsbook.db."""
    import resultsbook as rb

    monkeypatch.delenv("RESULTSBOOK_DB", raising=False)
    write_native_run(tmp_path / "runs" / "a", {"seed": 1}, curve([0.5]))
    (tmp_path / "resultsbook.toml").write_text('[[sources]]\npath = "runs"\n')
    result = cli(*command, "--db", "")
    assert (result.exit_code, result.output) == (
        2,
        "Error: --db is empty; give a file path (SQLite) or a postgresql://user@host/db URL\n",
    )
    monkeypatch.setenv("RESULTSBOOK_DB", "")
    result = cli(*command)
    assert result.output == (
        "Error: RESULTSBOOK_DB is empty; set it to a file path (SQLite) or a postgresql://user@host/db URL, "
        "or unset it\n"
    )
    with pytest.raises(SpecError, match=r"^RESULTSBOOK_DB is empty; set it to a file path"):
        rb.open()
    monkeypatch.delenv("RESULTSBOOK_DB")
    for attempt in (
        lambda: rb.collect("runs", db=""),
        lambda: rb.build(db=""),
        lambda: rb.forget("runs", db=""),
    ):
        with pytest.raises(SpecError, match=r"^db='' names no path; give one: db='resultsbook.db'$"):
            attempt()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["resultsbook.toml", "runs"]


def test_the_spec_names_the_store_with_store_or_db(tmp_path):
    from resultsbook.spec import load_spec

    spec = tmp_path / "resultsbook.toml"
    spec.write_text('store = "postgresql://lab@db.example.org/results"\n')
    assert load_spec(str(spec)).db == "postgresql://lab@db.example.org/results"
    spec.write_text('db = "data/results.db"\n')
    assert load_spec(str(spec)).db == str(tmp_path / "data" / "results.db")
    spec.write_text('store = "a.db"\ndb = "b.db"\n')
    with pytest.raises(SpecError, match="`store` and `db` both name the store; keep `store`"):
        load_spec(str(spec))
    spec.write_text('store = "s3://bucket/results"\n')
    with pytest.raises(
        SpecError, match=r"resultsbook\.toml: store: the store 's3://bucket/results' is a s3:// URL"
    ):
        load_spec(str(spec))


def test_passwords_are_never_shown():
    assert display_location("postgresql://lab:pw@db:5433/r") == "postgresql://lab:***@db:5433/r"
    assert display_location("postgresql://lab@db/r") == "postgresql://lab@db/r"
    assert display_location("runs/results.db") == "runs/results.db"


# ----------------------------------------------------------------------------------- whole projects
def build_copy(example: Path, target: Path, env: dict[str, str], *extra: str) -> Path:
    """Copy an example project and build it with the CLI in a fresh process; return the copy."""
    shutil.copytree(example, target, ignore=shutil.ignore_patterns("*.db", "*.db-*"))
    result = subprocess.run(
        [sys.executable, "-m", "resultsbook", "build", *extra],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return target


def output_files(folder: Path) -> dict[str, bytes]:
    """Return every file a build wrote (the lock apart), by path relative to the project."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "resultsbook.lock" and ".db" not in path.name
    }


def lock_without_run_ids(folder: Path) -> list[object]:
    """Return the lock's entries without what names runs (ids digest the source paths, which differ)."""
    entries = []
    for path in sorted(folder.rglob("resultsbook.lock")):
        for name, entry in json.loads(path.read_text())["entries"].items():
            values = {
                cell: {k: v for k, v in value.items() if k != "runs"}
                for cell, value in entry["values"].items()
            }
            entries.append((name, values, entry["outputs"]))
    return entries


def test_the_quickstart_builds_the_same_bytes_from_postgres(tmp_path, pg_url):
    from conftest import env_without

    quickstart = ROOT / "examples" / "quickstart"
    runs = tmp_path / "runs-written"
    shutil.copytree(quickstart, runs)
    subprocess.run([sys.executable, "train.py"], cwd=runs, check=True, capture_output=True, timeout=600)
    env = env_without("RESULTSBOOK_DB")
    on_sqlite = build_copy(runs, tmp_path / "sqlite", env)
    on_postgres = build_copy(runs, tmp_path / "postgres", {**env, "RESULTSBOOK_DB": pg_url})
    assert not (on_postgres / "resultsbook.db").exists()
    sqlite_files, postgres_files = output_files(on_sqlite), output_files(on_postgres)
    assert len(sqlite_files) > 10
    assert postgres_files == sqlite_files
    assert lock_without_run_ids(on_postgres) == lock_without_run_ids(on_sqlite)


def test_the_realdata_example_builds_the_same_bytes_from_postgres(tmp_path, pg_url, realdata):
    from conftest import env_without

    example = ROOT / "examples" / "realdata"
    (tmp_path / "shared").symlink_to(realdata.parent)  # the spec reaches ../../../shared/realdata
    env = env_without("RESULTSBOOK_DB")
    sqlite_store = str(tmp_path / "realdata.db")
    on_sqlite = build_copy(example, tmp_path / "repo" / "examples" / "sqlite", env, "--db", sqlite_store)
    on_postgres = build_copy(example, tmp_path / "repo" / "examples" / "postgres", env, "--db", pg_url)
    sqlite_files, postgres_files = output_files(on_sqlite), output_files(on_postgres)
    assert any(name.endswith(".png") for name in sqlite_files)
    assert postgres_files == sqlite_files
    assert lock_without_run_ids(on_postgres) == lock_without_run_ids(on_sqlite)


def test_status_does_not_call_a_run_dead_because_its_files_are_on_another_machine(pg_url):
    from resultsbook.freshness.status import run_issue
    from resultsbook.models import StoredRun

    running = StoredRun(
        1,
        "abc",
        "r",
        "native",
        "/node7/scratch/runs/r",
        None,
        "running",
        None,
        None,
        None,
        None,
        {},
        True,
        {},
    )
    with Store.open(pg_url) as store:
        issue = run_issue(store, running, stale_after=60)
    assert (issue.state, issue.detail) == (
        "running",
        "its files are not on this machine: when it last wrote is unknown here",
    )


def test_a_write_is_one_short_transaction_whose_counts_are_filled_when_it_commits(tmp_path, pg_url):
    """`store.write(work)`: the sources `work` hands over are compared and written together at the
    end, their counts filled then; an exception in `work` writes nothing."""
    from resultsbook.sources.collect import find_sources, read_source

    for name in ("a", "b"):
        write_native_run(tmp_path / "runs" / name, {"seed": name}, curve([1.0, 2.0]))
    found = list(find_sources(CollectRequest(str(tmp_path / "runs"))))
    with Store.open(pg_url) as store:

        def write_all(writer):
            counts = [writer.write_source(s, "sig", read_source(a, s).runs, []) for s, a in found]
            assert counts == [{}, {}]  # not written yet
            return counts

        assert store.write(write_all) == [{"new": 1, "updated": 0, "unchanged": 0, "missing": 0}] * 2
        assert store.write(write_all)[0]["unchanged"] == 1

        def fail_half_way(writer):
            writer.mark_sources_missing([store.relative(str(tmp_path / "runs" / "a"))])
            raise RuntimeError("interrupted")

        with pytest.raises(RuntimeError):
            store.write(fail_half_way)
        assert [run.name for run in store.runs()] == ["a", "b"]
        assert store.write(lambda writer: writer.mark_sources_missing([found[0][0].path])) == 1
        assert [run.name for run in store.runs()] == ["b"]


def test_the_python_api_opens_the_shared_store_as_the_commands_do(tmp_path, pg_url, monkeypatch):
    import resultsbook as rb

    for seed in range(3):
        write_native_run(
            tmp_path / "runs" / f"s{seed}", {"seed": seed, "model": "mlp"}, curve([0.5, 0.6 + seed])
        )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RESULTSBOOK_DB", pg_url)
    assert rb.collect(str(tmp_path / "runs")).new == 3
    assert not (tmp_path / "resultsbook.db").exists()
    monkeypatch.delenv("RESULTSBOOK_DB")
    with rb.open(pg_url) as book:
        assert sorted(run.name for run in book.store.runs()) == ["s0", "s1", "s2"]


def test_collecting_mlflow_from_a_database_that_is_not_mlflows_names_it_not_an_internal_error(
    tmp_path, pg_url, cli, monkeypatch
):
    """`collect mlflow+postgresql://…/otherapp` (or the store's own database) was `Internal error:
    UndefinedTable: relation "experiments" does not exist`, its report holding the password in clear."""
    pytest.importorskip("psycopg")
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE runs (id integer)")  # another application's
    monkeypatch.chdir(tmp_path)
    result = cli("collect", f"mlflow+{pg_url}", "--db", "local.db")
    assert result.exit_code == 2, result.output
    assert (
        "is not an MLflow tracking database (it has no table experiments, latest_metrics, metrics, params, tags)"
        in (result.output)
    ), result.output
    assert "Internal error" not in result.output


def test_passwords_in_a_urls_query_and_in_an_internal_errors_report_are_masked():
    from resultsbook.cli.outcome import _without_passwords
    from resultsbook.store.location import location_without_password

    url = "postgresql://lab@db/results?password=WrongSecret&sslmode=require"
    assert display_location(url) == "postgresql://lab@db/results?password=***&sslmode=require"
    assert location_without_password(url) == "postgresql://lab@db/results?sslmode=require"
    assert display_location("postgresql://lab@db/r?sslpassword=k") == "postgresql://lab@db/r?sslpassword=***"
    report = _without_passwords("command: resultsbook collect mlflow+postgresql://lab:pw%231@db/app\n")
    assert report == "command: resultsbook collect mlflow+postgresql://lab:***@db/app\n"


@pytest.mark.parametrize(
    "typed",
    [
        "postgresql:/lab:s3cret@db/results",
        "postgresql//lab:s3cret@db/results",
        "postgresq://lab:s3cret@db/results",
        "postgresql;//lab:s3cret@db/results",
    ],
)
def test_a_mistyped_postgresql_url_is_refused_not_made_a_folder_holding_the_password(
    typed, tmp_path, cli, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "a").mkdir(parents=True)
    write_native_run(tmp_path / "runs" / "a", {"lr": 0.1}, curve([0.5]))
    result = cli("collect", "runs", "--db", typed)
    assert result.exit_code == 2
    assert "did you mean postgresql://lab:***@db/results?" in result.output, result.output
    assert "s3cret" not in result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["runs"]


def test_a_mistyped_postgresql_url_is_refused_by_recover_rb_open_and_as_a_path_to_collect(
    tmp_path, cli, monkeypatch
):
    import resultsbook as rb

    monkeypatch.chdir(tmp_path)
    typed = "postgresql:/lab:s3cret@db/results"
    for args in (("recover", "old.db", typed), ("collect", typed)):
        result = cli(*args)
        assert result.exit_code == 2 and "did you mean postgresql://lab:***@db/results?" in result.output, (
            result.output
        )
        assert "s3cret" not in result.output
    with pytest.raises(SpecError, match=r"did you mean postgresql://lab:\*\*\*@db/results\?"):
        rb.open(typed)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name", ["postgres_20240101T10:00.db", "PostgresRuns:v2.db", "postgres/runs/results.db"]
)
def test_a_local_store_whose_name_starts_like_postgres_is_a_local_store(name):
    assert choose_store_location(name, None, "x.db") == name


def test_a_password_that_is_a_word_of_the_error_leaves_its_advice_as_it_is(monkeypatch):
    """With the password `failed`, the masked reason (`password authentication *** for user`) was what
    the advice was read from: it said to check the URL, not the user name and its password."""
    import psycopg

    from resultsbook.store import pg_connect

    def refused(*args, **kwargs):
        raise psycopg.OperationalError(
            'connection failed: FATAL:  password authentication failed for user "rb"'
        )

    monkeypatch.setattr(psycopg, "connect", refused)
    with pytest.raises(StoreError) as caught:
        pg_connect.connect("postgresql://rb:failed@db:1/r")
    assert str(caught.value) == (  # the server's word `failed`, not the password: it is in no other word
        "cannot connect to postgresql://rb:***@db:1/r (connection failed: FATAL:  password authentication failed "
        "for user \"rb\"); check the user name (rb, before ':' in the URL: the server says the same of a user it "
        "does not have) and its password: in PGPASSWORD, or in a line of ~/.pgpass (chmod 600), or "
        "percent-encoded in the URL"
    )


def test_a_password_that_is_the_user_name_or_the_port_is_not_told_by_masking_them(monkeypatch):
    """With the password `lab` for the user lab, the server's `for user "lab"` printed as `for user "***"`;
    with the password 55771, `port 55771` printed as `port ***`: each told the password, and hid the user
    or the port."""
    import psycopg
    from servers import free_port

    from resultsbook.store import pg_connect

    port = free_port()
    with pytest.raises(StoreError) as caught:
        pg_connect.connect(f"postgresql://lab:{port}@127.0.0.1:{port}/results")
    assert str(caught.value).startswith(
        f"cannot connect to postgresql://lab:***@127.0.0.1:{port}/results (connection failed: connection to "
        f'server at "127.0.0.1", port {port} failed: Connection refused'
    )

    def refused(*args, **kwargs):
        raise psycopg.OperationalError(
            'connection failed: FATAL:  password authentication failed for user "lab"'
        )

    monkeypatch.setattr(psycopg, "connect", refused)
    with pytest.raises(StoreError) as caught:
        pg_connect.connect("postgresql://lab:lab@db:1/results")
    assert str(caught.value).startswith(
        "cannot connect to postgresql://lab:***@db:1/results (connection failed: FATAL:  password "
        'authentication failed for user "lab"); check the user name (lab, before'
    )


def test_a_damaged_series_row_in_the_shared_store_is_named_with_its_run_and_fix(tmp_path, pg_url, cli):
    """A series row whose bytes were changed in the shared store ended `table` in "Internal error:
    ValueError: unknown series encoding b'\\x01'"; now it is store damage, in one line naming the run,
    the metric and the forget that lets a collect store them again (as in an SQLite store)."""
    import psycopg

    for seed in range(3):
        write_native_run(
            tmp_path / "runs" / f"r{seed}", {"model": "m", "seed": seed}, curve([0.1, 0.2 + seed])
        )
    assert cli("collect", "runs", "--db", pg_url).exit_code == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        run, run_id, source = conn.execute(
            "SELECT runs.id, run_id, sources.path FROM runs JOIN sources ON sources.id = runs.source_id "
            "WHERE runs.name = 'r1'"
        ).fetchone()
        conn.execute("UPDATE series SET \"values\" = '\\x0102'::bytea WHERE run = %s", [run])
    result = cli("table", "--rows", "model", "--metric", "acc", "--reduce", "last(2)", "--db", pg_url)
    assert result.exit_code == 74
    said = (
        f"the shared store {pg_url} holds a damaged series: 'acc' of run {run_id} ({source}) cannot be read "
        f"(unknown series encoding b'\\x01'); forget that run's source with `resultsbook forget {source} "
        f"--db {pg_url}` and collect it again"
    )
    assert result.output == f"Error: {said}\n"
    # a curve's series, read whole, says the same
    with Store.open(pg_url) as store, to_command_line(), pytest.raises(StoreError) as raised:
        store.series("acc", [run])
    assert str(raised.value) == said.replace(f" --db {pg_url}", "")
