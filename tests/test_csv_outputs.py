"""CSV outputs are plain CSV (no comment line); what made them is in the lock and, when asked, in a
W3C CSVW sidecar; `check` compares both."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from conftest import write_native_run
from figure_project import make_project

from resultsbook.freshness.check import check
from resultsbook.outputs.build import build
from resultsbook.outputs.lock import read_lock
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.spec import load_spec
from resultsbook.store import Store

SIDECAR = """
[tables.final]
metric = "acc"
rows = ["method"]
columns = ["dataset"]
caption = "Final accuracy"
csv_metadata = true
outputs = ["results/final.csv"]
"""


def test_a_csv_output_is_plain_csv_and_its_sidecar_describes_it(tmp_path: Path) -> None:
    spec, store = make_project(tmp_path, SIDECAR)
    report = build(spec, store)
    text = (tmp_path / "results/final.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))
    assert text.splitlines()[0] == "method,dataset,mean,std,n,marks" and len(rows) == 6
    assert not text.startswith("#")
    sidecar = json.loads((tmp_path / "results/final.csv-metadata.json").read_text())
    assert sidecar["@context"] == "http://www.w3.org/ns/csvw" and sidecar["url"] == "final.csv"
    assert (
        sidecar["dc:title"] == "Final accuracy"
        and sidecar["dc:source"] == "[tables.final] in resultsbook.toml"
    )
    assert sidecar["dc:description"].startswith("Mean ± std (ddof = 1) over n = 3 seeds")
    columns = sidecar["tableSchema"]["columns"]
    assert [c["name"] for c in columns] == ["method", "dataset", "mean", "std", "n", "marks"]
    assert columns[0]["titles"] == "Method" and columns[-2]["datatype"] == "integer"
    assert columns[-1]["datatype"] == "string"
    lock = read_lock(spec.lock)["tables.final"]
    assert set(lock.outputs) == {"final.csv", "final.csv-metadata.json"}
    assert str(tmp_path / "results/final.csv-metadata.json") in report.written
    # check compares the CSV and its sidecar like any output
    assert all(o.state == "current" for o in check(spec, store).outputs)
    (tmp_path / "results/final.csv").write_text(text.replace("method,", "Method,"))
    states = {Path(o.path).name: o.state for o in check(spec, store).outputs}
    assert states["final.csv"] == "edited" and states["final.csv-metadata.json"] == "current"
    store.close()


MARKED = """
[tables.marked]
metric = "acc"
rows = ["method"]
columns = ["dataset"]
replicates = 3
digits = 1
outputs = ["results/marked.csv", "results/marked.md"]
"""


def test_a_csv_carries_in_words_every_mark_the_printed_table_shows(tmp_path: Path) -> None:
    """The Markdown and LaTeX marked a cell (3 of 5 seeds, a bold best that is not significant) where
    the CSV gave the bare number: it now says each mark in a `marks` column, numbers unchanged."""
    spec, store = make_project(tmp_path, MARKED, methods=("ours", "big"))
    shutil.rmtree(tmp_path / "runs" / "big_a_2")
    shutil.rmtree(tmp_path / "runs" / "big_a_1")
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    build(spec, store)
    rows = list(csv.DictReader((tmp_path / "results/marked.csv").read_text().splitlines()))
    assert list(rows[0]) == ["method", "dataset", "mean", "std", "n", "marks"]
    marks = {(row["method"], row["dataset"]): row["marks"] for row in rows}
    assert marks == {
        ("ours", "a"): "",
        ("ours", "b"): "",
        (
            "big",
            "a",
        ): "* n = 1 of 3 seeds asked for (missing seed 1, seed 2) ; # only 1 replicate (fewer than 3)"
        " ; ° not shown to be better than Ours / a: Welch's t-test needs at least two replicates on each side",
        ("big", "b"): "",
    }
    big_a = next(row for row in rows if (row["method"], row["dataset"]) == ("big", "a"))
    assert (float(big_a["mean"]), big_a["std"], big_a["n"]) == (74.0, "", "1")  # the numbers as they were
    markdown = (tmp_path / "results/marked.md").read_text()
    assert "| **74.0**\\*#° |" in markdown  # the symbols the CSV's words start with
    store.close()


def test_a_value_holding_a_bare_carriage_return_is_quoted_and_stays_in_its_field(tmp_path: Path) -> None:
    """A method named `\\r=2` was written unquoted: a spreadsheet split the line at the `\\r` and ran
    `=2` as a formula past `escape_formulas`. Every field holding a line break is now quoted."""
    for index, method in enumerate(["\r=2", "a\rb", "c\nd"]):
        for seed in (0, 1):
            config = {"method": method, "seed": seed}
            write_native_run(tmp_path / "runs" / f"r{index}_{seed}", config, [{"step": 1, "acc": 0.5}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "acc"\nrows = ["method"]\n'
        'escape_formulas = true\noutputs = ["t.csv"]\n'
    )
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    with Store.open(spec.db) as store:
        collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
        build(spec, store)
    text = (tmp_path / "t.csv").read_bytes().decode()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert sorted(row[0] for row in rows[1:]) == ["'\r=2", "a\rb", "c\nd"]
    assert all(len(row) == len(rows[0]) for row in rows)
    assert text.split("\n")[1].startswith('"\'\r=2",')


def test_digits_round_csv_and_json_numbers_as_the_table_prints_them_never_to_zero(tmp_path: Path) -> None:
    """With `digits = 2`, losses around 1e-4 printed `127.50e-6 ± 17.08e-6` while the CSV said
    `0.00,0.00` and each run's JSON value was 0.0: data files now round at the printed power of ten."""
    losses = {"a": [1.2e-4, 1.5e-4, 1.1e-4, 1.3e-4], "b": [2.2e-4, 2.0e-4, 2.6e-4, 2.1e-4]}
    for model, values in losses.items():
        for seed, value in enumerate(values):
            config = {"model": model, "seed": seed}
            write_native_run(tmp_path / "runs" / f"{model}{seed}", config, [{"loss": value}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "loss"\ngoal = "min"\nrows = ["model"]\n'
        'digits = 2\noutputs = ["t.md", "t.csv", "t.json"]\n'
    )
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    with Store.open(spec.db) as store:
        collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
        build(spec, store)
    assert "127.50e-6 ± 17.08e-6" in (tmp_path / "t.md").read_text()
    rows = {row["model"]: row for row in csv.DictReader((tmp_path / "t.csv").read_text().splitlines())}
    assert (rows["a"]["mean"], rows["a"]["std"]) == ("0.00012750", "0.00001708")
    cell = json.loads((tmp_path / "t.json").read_text())["cells"][0]
    assert cell["stats"]["mean"] == 0.0001275 and cell["stats"]["std"] == 1.708e-05
    assert [run["value"] for run in cell["runs"]] == [0.00012, 0.00015, 0.00011, 0.00013]


def test_a_key_named_like_a_statistic_keeps_its_name_and_the_statistic_column_takes_an_underscore(
    tmp_path: Path,
) -> None:
    """Row keys `mean` and `marks` and a column key `n` gave the header `mean,marks,n,mean,std,n,median,
    _marks` and a CSVW sidecar naming `mean` and `n` twice: only `marks` was renamed. Every statistic
    column a key shares a name with is now renamed the same way."""
    for index, (mean, n) in enumerate([("a", 1), ("a", 2), ("b", 1)]):
        for seed in (0, 1, 2):
            config = {"mean": mean, "marks": "mk", "n": n, "seed": seed}
            write_native_run(tmp_path / "runs" / f"r{index}_{seed}", config, [{"step": 1, "acc": 0.1 * seed}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "acc"\nrows = ["mean", "marks"]\ncolumns = ["n"]\n'
        'stats = ["mean", "std", "median"]\ncsv_metadata = true\noutputs = ["t.csv"]\n'
    )
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    with Store.open(spec.db) as store:
        collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
        build(spec, store)
    header = (tmp_path / "t.csv").read_text().splitlines()[0]
    assert header == "mean,marks,n,_mean,std,_n,median,_marks"
    sidecar = json.loads((tmp_path / "t.csv-metadata.json").read_text())["tableSchema"]["columns"]
    assert [column["name"] for column in sidecar] == header.split(",")
    assert [column.get("titles") for column in sidecar[3:]] == ["mean", None, "n", None, "marks"]
