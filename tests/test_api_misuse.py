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


def test_a_misspelt_where_key_is_one_error_in_runs_and_series_as_in_the_cli(book, cli):
    for call in (lambda: book.runs(where={"modle": "mlp"}), lambda: book.series("acc", where="modle=mlp")):
        with pytest.raises(rb.QueryError, match=r"filter modle=mlp: no run has a param 'modle'; did you mean 'model'\?"):
            call()
    assert book.runs(where={"model": "nope"}).empty  # a value no run has is an empty selection, not a typo


@pytest.mark.parametrize("where", [5, [{"model": "mlp"}], {"model": {"name": "mlp"}}, ["model=mlp", 3]])
def test_a_where_of_the_wrong_type_is_one_error_saying_what_it_takes(book, where):
    with pytest.raises(rb.SpecError, match=r"where=.* is not understood; give a mapping .*or filter texts"):
        book.runs(where=where)


def test_empty_frames_merge_on_run_id_like_full_ones(book):
    runs, curves = book.runs(), book.series("acc")
    empty_runs, empty_curves = book.runs(where={"model": "nope"}), book.series("acc", where={"model": "nope"})
    fixed = [name for name in runs.columns if not name.startswith("params.")]  # params: the selection's
    assert list(empty_runs.columns) == fixed
    text = ["run_id", "name", "status", "adapter", "source", "provenance", "metrics.acc", "start_time"]
    assert empty_runs.dtypes[text].equals(runs.dtypes[text]) and empty_curves.dtypes.equals(curves.dtypes)
    assert empty_curves.merge(empty_runs[["run_id", "status"]], on="run_id").empty
    assert curves.merge(empty_runs[["run_id"]], on="run_id").empty
    assert len(curves.merge(runs[["run_id", "params.model"]], on="run_id")) == 24


def test_where_takes_sets_arrays_and_numpy_scalars_from_a_frame(book):
    runs = book.runs()
    assert len(book.runs(where={"seed": {0, 1}})) == 8
    assert len(book.runs(where={"seed": runs["params.seed"].unique()[:2]})) == 8
    assert len(book.runs(where={"seed": runs["params.seed"].to_numpy(dtype="int64")[0]})) == 4
    assert len(book.series("acc", where={"model": runs["params.model"].iloc[0]})) == 12
