"""`book.problems()` and `Table.status()`: what `resultsbook problems` and `resultsbook status` say,
as DataFrames with the same rows in the same order."""

from __future__ import annotations

import itertools
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
        "model", "found", "expected", "missing", "valueless", "running", "queued", "unfinished", "unnamed", "mixed",
        "no_run",
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
        "model", "metric", "found", "expected", "missing", "valueless", "running", "queued", "unfinished", "unnamed", "mixed",
        "no_run",
    ]  # fmt: skip
    assert status.to_dict("records")[1] == {
        "model": "b", "metric": "acc", "found": 3, "expected": 4, "missing": [{"seed": 1, "fold": 0}],
        "valueless": [], "running": [], "queued": [], "unfinished": [], "unnamed": 0, "mixed": {}, "no_run": "",
    }  # fmt: skip


def design_book(make_run, tmp_path, rows, seeds=3):
    """Collect a run of each row of `rows` (values of the params first, second, ...) for each seed and
    open its store."""
    for row in rows:
        for seed in range(seeds):
            config = {**dict(zip(("first", "second", "third"), row)), "seed": seed}
            make_run("_".join(map(str, (*row, seed))), config, curve([0.5 + seed / 10]))
    rb.collect(tmp_path / "runs", db=tmp_path / "s.db")
    return rb.open(tmp_path / "s.db")


def test_status_has_a_row_for_a_cell_the_table_shows_as_a_dash(make_run, tmp_path):
    with design_book(make_run, tmp_path, [("a", "x"), ("a", "y"), ("b", "x")]) as book:
        status = book.table(rows="first", columns="second", metric="acc").status()
    never = status[status["no_run"] != ""]
    assert never.to_dict("records") == [
        {"first": "b", "second": "y", "found": 0, "expected": 3, "missing": [0, 1, 2], "valueless": [],
         "running": [], "queued": [], "unfinished": [], "unnamed": 0, "mixed": {}, "no_run": "–"},
    ]  # fmt: skip
    assert list(status["second"]) == ["x", "y", "x", "y"]  # in its place in the table's order


def test_status_names_the_combination_a_table_of_rows_alone_has_no_row_for(make_run, tmp_path):
    rows = [("a", "x"), ("a", "y"), ("b", "x"), ("c", "x"), ("c", "y")]
    with design_book(make_run, tmp_path, rows) as book:
        status = book.table(rows=["first", "second"], metric="acc").status()
    never = status[status["no_run"] != ""]
    assert never[["first", "second", "found", "expected", "missing", "no_run"]].to_dict("records") == [
        {"first": "b", "second": "y", "found": 0, "expected": 3, "missing": [0, 1, 2], "no_run": "no row"},
    ]  # fmt: skip
    assert list(status["first"]) == ["a", "a", "b", "b", "c", "c"]  # after the other rows of b


def test_status_names_no_combination_of_a_design_nested_on_purpose(make_run, tmp_path):
    """Each method with variants of its own: (a, b1) was never meant, and is no missing run."""
    nested = [("a", "a1"), ("a", "a2"), ("b", "b1"), ("b", "b2")]
    with design_book(make_run, tmp_path, nested) as book:
        status = book.table(rows=["first", "second"], metric="acc").status()
    assert list(status["no_run"]) == [""] * 4


def test_status_names_both_combinations_of_a_pair_never_run_with_any_third_value(make_run, tmp_path):
    """A model never run on one dataset, with either optimizer: two rows missing from a product."""
    rows = [row for row in itertools.product("ab", "xy", "pq") if row[:2] != ("b", "y")]
    with design_book(make_run, tmp_path, rows, seeds=1) as book:
        status = book.table(rows=["first", "second", "third"], metric="acc").status()
    never = status[status["no_run"] != ""]
    assert never[["first", "second", "third", "expected", "missing"]].to_dict("records") == [
        {"first": "b", "second": "y", "third": "p", "expected": 1, "missing": [0]},
        {"first": "b", "second": "y", "third": "q", "expected": 1, "missing": [0]},
    ]


def test_status_names_no_combination_of_a_fraction_of_a_product(make_run, tmp_path):
    """Half of a 2 × 2 × 2 product, each pair of values run once (a Latin square): a design of its own."""
    square = [("a", "x", "p"), ("a", "y", "q"), ("b", "x", "q"), ("b", "y", "p")]
    with design_book(make_run, tmp_path, square, seeds=1) as book:
        status = book.table(rows=["first", "second", "third"], metric="acc").status()
    assert list(status["no_run"]) == [""] * 4


POOLED = '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\ngoal = "max"\nrows = ["model"]\npool = ["game"]\n'


def test_a_pooled_cell_without_a_game_its_rivals_pool_is_marked_and_counted_short(make_run, tmp_path, cli):
    """b ran two of the three games a pooled, and its mean over them was bold without a mark, while
    status counted it complete: 4 of 4, as if the games it never ran were not the table's."""
    for model, games in (("a", ("breakout", "pong", "qbert")), ("b", ("pong", "qbert"))):
        for game, seed in itertools.product(games, (0, 1)):
            make_run(
                f"{model}{game}{seed}", {"model": model, "game": game, "seed": seed}, curve([0.5 + seed / 10])
            )
    (tmp_path / "resultsbook.toml").write_text(POOLED)
    rb.collect(config=tmp_path / "resultsbook.toml")
    with rb.open(tmp_path / "resultsbook.toml") as book:
        table = book.spec_table("t")
        assert list(table.marks()["text"]) == [
            "n = 4 of 6 (2 per pooled game; no run on breakout, which other cells pool)"
        ]
        status = table.status()
        assert list(status["found"]) == [6, 4] and list(status["expected"]) == [6, 6]
    assert "  b: 4 of 6, no run on game breakout" in cli("status").output.splitlines()


def test_pooled_values_that_nest_in_the_rows_are_not_expected_of_other_rows(make_run, tmp_path):
    """Each dataset pools its own splits: wine's are not missing from iris."""
    for dataset, splits in (("wine", ("wine-0", "wine-1")), ("iris", ("iris-0",))):
        for model, split, seed in itertools.product(("a", "b"), splits, (0, 1, 2)):
            config = {"dataset": dataset, "model": model, "split": split, "seed": seed}
            make_run(f"{model}{split}{seed}", config, curve([0.5 + seed / 10]))
    spec = POOLED.replace(
        'rows = ["model"]\npool = ["game"]', 'rows = ["dataset"]\ncolumns = ["model"]\npool = ["split"]'
    )
    (tmp_path / "resultsbook.toml").write_text(spec)
    rb.collect(config=tmp_path / "resultsbook.toml")
    with rb.open(tmp_path / "resultsbook.toml") as book:
        table = book.spec_table("t")
        assert table.marks().empty
        assert list(table.status()["expected"]) == [3, 3, 6, 6]


@pytest.mark.parametrize(
    ("splits", "marked"),
    [
        ({"cifar": ("train", "test"), "imnet": ("val", "test")}, False),  # a split name two datasets share
        ({"cifar": ("train", "test"), "imnet": ("test",)}, True),  # imnet runs a part of cifar's splits
        # most datasets share three split names; one has two of its own: nothing of theirs is its to lack
        ({"a": ("m", "r", "e"), "b": ("m", "r", "e"), "c": ("m", "r", "e"), "imnet": ("u", "l")}, False),
    ],
)
def test_a_pooled_value_two_rows_share_makes_no_other_expected_unless_a_row_holds_a_part(
    make_run, tmp_path, splits, marked
):
    """Splits train/test of cifar and val/test of imnet, every split with its seeds: the one shared name
    `test` made every cell of the complete table `n = 6 of 9 … no run on val, which other cells pool`
    (on d3rlpy's D4RL runs, 1 of 37 cells complete)."""
    for dataset, names in splits.items():
        for model, split, seed in itertools.product(("a", "b"), names, (0, 1, 2)):
            config = {"dataset": dataset, "model": model, "split": split, "seed": seed}
            make_run(f"{dataset}{model}{split}{seed}", config, curve([0.5 + seed / 10]))
    spec = POOLED.replace(
        'rows = ["model"]\npool = ["game"]', 'rows = ["dataset"]\ncolumns = ["model"]\npool = ["split"]'
    )
    (tmp_path / "resultsbook.toml").write_text(spec)
    rb.collect(config=tmp_path / "resultsbook.toml")
    with rb.open(tmp_path / "resultsbook.toml") as book:
        table = book.spec_table("t")
        status = table.status()
    short = sorted(status[status["found"] < status["expected"]]["dataset"])
    assert short == (["imnet", "imnet"] if marked else [])
    assert table.marks().empty is not marked
