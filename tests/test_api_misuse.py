"""The Python API as a stranger uses it: wrong paths, typos, odd arguments, real published data.

Each mistake gets one ResultsbookError naming the key or file and the fix, and a notebook's frames
hold the numbers the CLI prints. Real data comes from ../shared/realdata (skipped when absent).
"""

from __future__ import annotations

import sqlite3

import pytest

import resultsbook as rb


def quickstart(make_run, tmp_path):
    """Write and collect 12 runs: 2 models x 2 datasets x 3 seeds; return the store's path."""
    for model in ("logreg", "mlp"):
        for dataset in ("moons", "circles"):
            for seed in range(3):
                make_run(
                    f"{model}_{dataset}_{seed}",
                    {"model": model, "dataset": dataset, "seed": seed},
                    [{"step": 1, "acc": 0.5 + seed / 10}, {"step": 2, "acc": 0.6 + seed / 10}],
                )
    rb.collect(tmp_path / "runs", db=tmp_path / "s.db")
    return tmp_path / "s.db"


@pytest.fixture
def book(make_run, tmp_path):
    with rb.open(quickstart(make_run, tmp_path)) as opened:
        yield opened


def test_opening_another_programs_sqlite_database_refuses_and_leaves_it_untouched(tmp_path):
    other = tmp_path / "mlflow.db"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE experiments (id INTEGER, name TEXT)")
    connection.commit()
    connection.close()
    before = other.read_bytes()
    with pytest.raises(rb.StoreError, match=r"mlflow\.db is not a resultsbook store .*experiments"):
        rb.open(other)
    with pytest.raises(rb.StoreError, match=r"mlflow\.db is not a resultsbook store"):
        rb.collect(tmp_path, db=other)
    assert other.read_bytes() == before
    tables = sqlite3.connect(other).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("experiments",)]
