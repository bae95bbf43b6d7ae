"""`table.save(NAME)`: a table explored in a notebook becomes `[tables.NAME]` of the spec, which
`resultsbook build` then builds as the very table shown; as `resultsbook table --save` does."""

from __future__ import annotations

import os

import numpy as np
import pytest
from test_api import quickstart_runs

import resultsbook as rb


@pytest.fixture
def project(make_run, tmp_path, cli):
    """A collected store and no spec, the current folder being the project's (as `cli` leaves it)."""
    quickstart_runs(make_run)
    assert cli("collect", "runs").exit_code == 0
    return tmp_path


def test_a_notebook_table_saved_starts_a_spec_that_builds_it(project, cli):
    with rb.open(project / "resultsbook.db") as book:
        table = book.table(
            rows="model",
            columns=["dataset"],
            metric="test/acc",
            stats=["median", "iqr"],
            where={"seed": np.array([0, 1, 2])},
            labels={"model": {"mlp": "MLP"}},
        )
        saved = table.save("main")
    assert saved.created and saved.spec_path == str(project / "resultsbook.toml")
    assert saved.output == str(project / "results" / "main.tex")
    assert saved.sources == "with [[sources]] from the last collect of runs/"  # the store's collect of runs
    assert (project / "resultsbook.toml").read_text() == (
        "[[sources]]\n"
        'path = "runs"\n'
        "\n"
        "[tables.main]\n"
        'rows = ["model"]\n'
        'columns = ["dataset"]\n'
        'metric = "test/acc"\n'
        "where = { seed = [0, 1, 2] }\n"
        'center = "median"\n'
        'spread = "iqr"\n'
        'labels = { values = { model = { mlp = "MLP" } } }\n'
        'outputs = ["results/main.tex"]\n'
    )
    assert cli("build").exit_code == 0 and cli("check").exit_code == 0
    with rb.open() as book:
        assert book.spec_table("main").to_text() == table.to_text()


def test_a_table_saved_into_the_books_spec_is_added_to_it(project, cli):
    (project / "resultsbook.toml").write_text('[defaults]\nreduce = "max"\nspread = "sem"\n')
    with rb.open(project / "resultsbook.toml") as book:
        with pytest.warns(rb.DefaultsWarning, match=r"pass reduce='max', stats=\('mean', 'sem'\) to match"):
            table = book.table(rows="model", metric="test/acc", goals={"test/acc": "max"}, ddof=0)
        table.save("main")  # the table shown, its settings stated over the [defaults]
    assert (
        (project / "resultsbook.toml")
        .read_text()
        .endswith(
            "[tables.main]\n"
            'rows = ["model"]\n'
            'metric = "test/acc"\n'
            'goal = "max"\n'
            'reduce = "last"\n'
            "ddof = 0\n"
            'center = "mean"\n'
            'spread = "std"\n'
            'outputs = ["results/main.tex"]\n'
        )
    )
    assert cli("build").exit_code == 0 and cli("check").exit_code == 0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda book: book.table(rows="model", metric="err", derived={"err": "1 - `test/acc`"}),
            "table.save: derived={'err': '1 - `test/acc`'} is a formula of the spec's [derived], not of "
            'one table; add err = "1 - `test/acc`" under [derived] in resultsbook.toml, then save',
        ),
        (
            lambda book: book.table(rows="model", metric="test/acc", where={"lr": [0.1, None]}),
            "table.save: where={'lr': None}: resultsbook.toml cannot hold NoneType None; filter with a "
            "text instead (where='lr=…')",
        ),
    ],
    ids=["derived", "null-value"],
)
def test_what_the_spec_cannot_say_is_refused_in_python_words_and_nothing_is_written(project, make, message):
    with rb.open(project / "resultsbook.db") as book, pytest.raises(rb.SpecError) as raised:
        make(book).save("main")
    assert str(raised.value) == message
    assert not (project / "resultsbook.toml").exists()


def test_a_taken_name_is_refused_with_the_entry_to_add_by_hand(project):
    with rb.open(project / "resultsbook.db") as book:
        table = book.table(rows="model", metric="test/acc")
        table.save("main")
        spec = (project / "resultsbook.toml").read_text()
        with pytest.raises(rb.SpecError) as raised:
            table.save("main")
    assert str(raised.value).splitlines() == [
        "resultsbook.toml has a [tables.main] already; pick another name for table.save",
        "The entry, to add by hand:",
        "[tables.main]",
        'rows = ["model"]',
        'metric = "test/acc"',
    ]
    assert (project / "resultsbook.toml").read_text() == spec


def test_a_spec_table_is_not_saved_again(project, cli):
    with rb.open(project / "resultsbook.db") as book:
        book.table(rows="model", metric="test/acc").save("main")
    with rb.open() as book, pytest.raises(rb.SpecError, match=r"is \[tables.main\] of the spec already"):
        book.spec_table("main").save("other")


def test_a_table_saved_after_its_book_is_closed_says_to_open_it_again(project):
    with rb.open(project / "resultsbook.db") as book:
        table = book.table(rows="model", metric="test/acc")
    with pytest.raises(rb.StoreError, match="this book is closed"):
        table.save("main")
    assert not (project / "resultsbook.toml").exists()


@pytest.mark.parametrize(
    ("name", "spec", "message"),
    [
        (123, None, "table.save takes the table's name, e.g. table.save('main'); it was given 123"),
        (
            "main",
            "nowhere/resultsbook.toml",
            "table.save: the folder of nowhere/resultsbook.toml does not exist",
        ),
        (
            "main",
            "resultsbook.db",
            "spec='resultsbook.db' is not a resultsbook.toml; give the spec, or the folder",
        ),
        ("main", "pipe.toml", "spec='pipe.toml' is not a regular file (a pipe, a device?)"),
    ],
    ids=["name-not-text", "no-folder", "the-store", "fifo"],
)
def test_a_spec_argument_that_is_no_spec_is_refused_in_one_line(project, name, spec, message):
    os.mkfifo(project / "pipe.toml")
    with rb.open(project / "resultsbook.db") as book, pytest.raises(rb.SpecError) as raised:
        book.table(rows="model", metric="test/acc").save(name, spec)
    assert str(raised.value).startswith(message)
    assert not (project / "resultsbook.toml").exists()


def test_a_spec_folder_without_a_spec_gets_a_new_one_naming_the_store(project, cli):
    (project / "paper").mkdir()
    with rb.open(project / "resultsbook.db") as book:
        saved = book.table(rows="model", metric="test/acc").save("main", spec=project / "paper")
    assert saved.created and saved.spec_path == str(project / "paper" / "resultsbook.toml")
    assert (project / "paper" / "resultsbook.toml").read_text().startswith('store = "../resultsbook.db"\n')
    assert cli("build", "--config", "paper/resultsbook.toml").exit_code == 0
    assert (project / "paper" / "results" / "main.tex").exists()


def test_a_table_ordered_in_the_notebook_is_saved_with_its_order(project, cli):
    with rb.open(project / "resultsbook.db") as book:
        book.table(
            rows="model", columns="dataset", metric="test/acc", order={"model": ["mlp", "logreg"]}
        ).save("main")
    assert 'order = { model = ["mlp", "logreg"] }\n' in (project / "resultsbook.toml").read_text()
    assert cli("build").exit_code == 0
    lines = (project / "results" / "main.tex").read_text().splitlines()
    assert [line.split()[0] for line in lines if line.startswith(("mlp", "logreg"))] == ["mlp", "logreg"]


def test_an_open_book_reads_its_spec_again_once_the_file_changed(project):
    spec = project / "resultsbook.toml"
    spec.write_text('[tables.table1]\nrows = ["model"]\nmetric = "test/acc"\ndigits = 1\n')
    with rb.open(spec) as book:
        book.table(rows="model", metric="val/acc").save("main")
        assert book.spec_table("main").to_text().splitlines()[0].startswith("model")  # not 'no table named'
        with pytest.raises(rb.SpecError, match=r"has a \[tables.main\] already"):
            book.table(rows="model", metric="val/acc").save("main")
        assert book.spec_table("table1").to_text().splitlines()[3] == "mlp      **0.9 ± 0.1**†§"
        spec.write_text(spec.read_text().replace("digits = 1", "digits = 3  # edited"))
        assert book.spec_table("table1").to_text().splitlines()[3] == "mlp      **0.860 ± 0.055**†§"


def test_a_spec_saved_half_edited_fails_only_what_uses_it_and_a_spec_moved_away_is_not_made_anew(project):
    """A spec saved mid-edit made repr(book), book.runs() and book.table() raise its TOML error (a
    notebook could not show the book); a save after the spec was moved wrote a new spec of that table alone."""
    spec = project / "resultsbook.toml"
    spec.write_text('[tables.table1]\nrows = ["model"]\nmetric = "test/acc"\n')
    with rb.open(spec) as book:
        good = spec.read_text()
        spec.write_text(good + "\n[tables.wip]\nmetric = \n")
        assert "spec" in repr(book) and len(book.runs()) == 12
        assert book.table(rows="model", metric="val/acc").to_frame()["n"].tolist() == [6, 6]
        with pytest.raises(rb.SpecError, match="is not valid TOML"):
            book.spec_table("table1")
        spec.write_text(good)
        assert book.spec_table("table1").to_text().splitlines()[0].startswith("model")
        spec.rename(project / "moved.toml")
        with pytest.raises(rb.SpecError) as raised:
            book.table(rows="model", metric="val/acc").save("main")
        assert str(raised.value) == (
            f"table.save: the book's spec {spec} is gone (moved or deleted); give the file to save into: "
            "table.save(NAME, spec='path/to/resultsbook.toml')"
        )
        assert not spec.exists()
    book.close()
    with pytest.raises(rb.StoreError, match="this book is closed"):
        book.runs()


def test_a_table_of_the_store_saves_into_a_spec_that_labels_its_keys(project, cli):
    spec = project / "resultsbook.toml"
    spec.write_text('[labels.keys]\nmodel = "Model"\n\n[labels.values.model]\nmlp = "MLP"\n')
    with rb.open(project / "resultsbook.db") as book:  # no spec: its table is unlabelled
        table = book.table(rows="model", metric="test/acc")
        assert table.to_text().splitlines()[3].startswith("mlp ")
        saved = table.save("main")
    assert not saved.created and spec.read_text().endswith(
        '[tables.main]\nrows = ["model"]\nmetric = "test/acc"\noutputs = ["results/main.tex"]\n'
    )
    assert cli("build").exit_code == 0
    with rb.open() as book:
        assert book.spec_table("main").to_text().splitlines()[3].startswith("MLP ")


def test_an_entry_that_would_build_another_table_says_it_follows_the_message(project):
    spec = project / "resultsbook.toml"
    spec.write_text("[defaults]\nmin_replicates = 6\n")
    with rb.open(project / "resultsbook.db") as book, pytest.raises(rb.SpecError) as raised:
        book.table(rows="model", columns="dataset", metric="test/acc").save("main")
    assert str(raised.value).splitlines() == [
        "table.save: the spec entry would not build the same table (its tables inherit min_replicates from "
        "the spec's [defaults] or top level, which book.table does not apply); nothing written: the entry "
        "is below, to adapt by hand",
        "The entry, to add by hand:",
        "[tables.main]",
        'rows = ["model"]',
        'columns = ["dataset"]',
        'metric = "test/acc"',
    ]
    assert spec.read_text() == "[defaults]\nmin_replicates = 6\n"
