"""The store's migrations, applied with sqlite3 alone: recorded as sqlite-utils records them (it
applied them until 2026-12), so a store written by either version opens with the other."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from resultsbook.errors import StoreError
from resultsbook.store import Store
from resultsbook.store.schema import M001_INITIAL, MIGRATION_SET, statements


def old_migrations() -> Migrations:
    """The migrations as resultsbook applied them with sqlite-utils before 2026-12."""
    steps = Migrations(MIGRATION_SET)

    @steps()
    def m001_initial(db: Database) -> None:
        db.executescript(M001_INITIAL)

    return steps


def schema(path) -> list[tuple[str, str, str]]:
    """Every table and index of a SQLite file with its SQL (whitespace aside)."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    return [(kind, name, " ".join((sql or "").split())) for kind, name, sql in rows]


def test_a_new_store_is_what_sqlite_utils_made_and_sqlite_utils_sees_nothing_pending(tmp_path):
    Store.open(str(tmp_path / "new.db")).close()
    old = Database(str(tmp_path / "old.db"))
    old_migrations().apply(old)
    old.close()
    made = {name: sql for kind, name, sql in schema(tmp_path / "new.db") if kind in ("table", "index")}
    assert made == {
        name: sql for kind, name, sql in schema(tmp_path / "old.db") if kind in ("table", "index")
    }
    new = Database(str(tmp_path / "new.db"))
    assert old_migrations().pending(new) == []
    assert [m.name for m in old_migrations().applied(new)] == ["m001_initial"]


def test_a_store_sqlite_utils_migrated_opens_as_it_is_and_collects(tmp_path, make_run, cli):
    from conftest import curve

    old = Database(str(tmp_path / "resultsbook.db"))
    old_migrations().apply(old)
    old.close()
    before = schema(tmp_path / "resultsbook.db")
    make_run("a", {"model": "mlp", "seed": 0}, curve([0.5], "acc"))
    assert cli("collect", "runs").exit_code == 0
    # the collect adds only the roots it read (for `table --save`), outside the migrations
    after = [row for row in schema(tmp_path / "resultsbook.db") if "collect_readings" not in row[1]]
    assert after == before
    with Store.open(str(tmp_path / "resultsbook.db")) as store:
        assert [run.name for run in store.runs()] == ["a"]


def test_a_store_written_by_a_newer_resultsbook_is_refused_in_one_line(tmp_path):
    Store.open(str(tmp_path / "s.db")).close()
    with sqlite3.connect(tmp_path / "s.db") as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, 'm999_x', '')",
            [MIGRATION_SET],
        )
    with pytest.raises(
        StoreError, match=r"newer resultsbook \(migration m999_x\).*pip install -U resultsbook"
    ):
        Store.open(str(tmp_path / "s.db"))


def test_creating_a_store_imports_neither_sqlite_utils_nor_pandas(tmp_path):
    code = (
        "import sys\nfrom resultsbook.store import Store\n"
        f"Store.open({str(tmp_path / 'x.db')!r}).close()\n"
        "print(sorted(m for m in ('sqlite_utils', 'pandas') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "script, expected",
    [
        ("CREATE TABLE a (x); CREATE TABLE b (y);", ["CREATE TABLE a (x);", " CREATE TABLE b (y);"]),
        (
            "CREATE TABLE a (x -- a comment; still a comment\n);",
            ["CREATE TABLE a (x -- a comment; still a comment\n);"],
        ),
        ("CREATE TABLE a (x DEFAULT 'a;b');\n", ["CREATE TABLE a (x DEFAULT 'a;b');"]),
        ("  \n", []),
    ],
)
def test_a_migration_script_is_split_into_its_statements(script, expected):
    assert list(statements(script)) == expected
