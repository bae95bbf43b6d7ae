"""`book.problems()` and `Table.status()`: what `resultsbook problems` and `resultsbook status` say,
as DataFrames with the same rows in the same order."""

from __future__ import annotations

import json

import pytest
from conftest import curve

import resultsbook as rb

SPEC = '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\ngoal = "max"\nrows = ["model"]\n'


def sweep(make_run, tmp_path):
    """Write a spec and runs of models a and b over seeds 0-2, collected: b lacks seed 2, one run of a
    has another lr, and b's seed 1 has a torn last line and a config that is not JSON."""
    for model, seeds in (("a", (0, 1, 2)), ("b", (0, 1))):
        for seed in seeds:
            lr = 0.5 if (model, seed) == ("a", 2) else 0.1
            make_run(
                f"{model}{seed}", {"model": model, "seed": seed, "lr": lr}, curve([0.5, 0.6 + seed / 10])
            )
    make_run("broken", None, curve([0.7]))
    (tmp_path / "runs" / "broken" / "config.json").write_text("{model: b")
    with open(tmp_path / "runs" / "b1" / "metrics.jsonl", "a") as handle:
        handle.write('{"step": 3, "acc": 0.')
    (tmp_path / "resultsbook.toml").write_text(SPEC)
    rb.collect(config=tmp_path / "resultsbook.toml")


@pytest.fixture
def book(make_run, tmp_path):
    sweep(make_run, tmp_path)
    with rb.open(tmp_path / "resultsbook.toml") as opened:
        yield opened


def test_problems_are_the_rows_resultsbook_problems_lists_in_its_order(book, cli):
    problems = book.problems()
    listed = json.loads(cli("problems", "--json").output)["problems"]
    assert list(problems.columns) == ["source", "file", "message", "kept"]
    assert problems[["file", "message", "kept"]].to_dict("records") == [
        {"file": p["path"], "message": p["message"], "kept": p["kept"]} for p in listed
    ]
    assert list(problems["source"]) == ["runs/b1", "runs/broken"]
    assert list(problems["file"]) == ["runs/b1/metrics.jsonl", "runs/broken/config.json"]
    assert set(problems["source"]) <= set(book.runs()["source"])  # merges with the runs on `source`


def test_a_store_without_problems_gives_an_empty_frame_of_text_columns(make_run, tmp_path):
    make_run("a0", {"model": "a", "seed": 0}, curve([0.5]))
    rb.collect(tmp_path / "runs", db=tmp_path / "s.db")
    with rb.open(tmp_path / "s.db") as book:
        problems = book.problems()
        runs = book.runs()
    assert problems.empty and list(problems.columns) == ["source", "file", "message", "kept"]
    assert problems.merge(runs, on="source").empty


def test_status_counts_each_cells_replicates_as_resultsbook_status_does(book, cli):
    status = book.spec_table("t").status()
    assert list(status.columns) == [
        "model", "found", "expected", "missing", "valueless", "running", "queued", "unfinished", "unnamed", "mixed"
    ]  # fmt: skip
    cells = json.loads(cli("status", "--json").output)["cells"]
    assert [(c["found"], c["expected"], c["missing"], c["unnamed"]) for c in cells] == [
        (row.found, row.expected, [f"seed {seed}" for seed in row.missing], row.unnamed)
        for row in status.itertuples()
    ]
    b = status.set_index("model").loc["b"]
    assert (b["found"], b["expected"], b["missing"]) == (2, 3, [2])


def test_status_names_the_params_whose_values_a_cell_mixes(book):
    table = book.spec_table("t")
    status = table.status().set_index("model")
    assert status.loc["a", "mixed"] == {"lr": [0.1, 0.5]} and status.loc["b", "mixed"] == {}
    marks = table.marks()
    assert list(marks.loc[marks["kind"] == "mixed", "model"]) == ["a"]


def test_status_of_an_ad_hoc_table_keys_each_cell_and_names_missing_replicates_by_key(make_run, tmp_path):
    for model in ("a", "b"):
        for seed in (0, 1):
            for fold in (0, 1):
                if (model, seed, fold) != ("b", 1, 0):
                    make_run(
                        f"{model}{seed}{fold}", {"model": model, "seed": seed, "fold": fold}, curve([0.5])
                    )
    rb.collect(tmp_path / "runs", db=tmp_path / "s.db")
    with rb.open(tmp_path / "s.db") as book:
        table = book.table(rows="model", columns="metric", metric=["acc"], replicate=["seed", "fold"])
    status = table.status()  # a table holds what it needs: its book may be closed
    assert list(status.columns) == [
        "model", "metric", "found", "expected", "missing", "valueless", "running", "queued", "unfinished", "unnamed", "mixed"
    ]  # fmt: skip
    assert status.to_dict("records")[1] == {
        "model": "b", "metric": "acc", "found": 3, "expected": 4, "missing": [{"seed": 1, "fold": 0}],
        "valueless": [], "running": [], "queued": [], "unfinished": [], "unnamed": 0, "mixed": {},
    }  # fmt: skip
