"""The Python API: `rb.open` a store, its runs and series as DataFrames, tables that agree with the CLI."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import curve

import resultsbook as rb


def quickstart_runs(make_run):
    """Write 12 runs: 2 models x 2 datasets x 3 seeds, with test and validation accuracy."""
    for model, base in (("logreg", 0.8), ("mlp", 0.9)):
        for dataset, shift in (("moons", 0.0), ("circles", -0.1)):
            for seed in range(3):
                make_run(
                    f"{model}_{dataset}_{seed}",
                    {"model": model, "dataset": dataset, "seed": seed, "lr": 0.1},
                    [
                        {"step": 1, "test/acc": 0.5, "val/acc": 0.6, "time": 100.0},
                        {"step": 2, "test/acc": base + shift + seed / 100, "val/acc": 0.5, "time": 101.0},
                    ],
                    {"status": "finished", "start_time": 1_700_000_000.0},
                )


@pytest.fixture
def book(make_run, tmp_path):
    quickstart_runs(make_run)
    rb.collect(tmp_path / "runs", db=tmp_path / "resultsbook.db")
    with rb.open(tmp_path / "resultsbook.db") as opened:
        yield opened


def test_runs_is_one_row_per_run_with_params_and_final_values(book):
    runs = book.runs()
    assert len(runs) == 12
    assert list(runs.columns[:3]) == ["run_id", "name", "status"]
    mlp = runs[runs["name"] == "mlp_moons_2"].iloc[0]
    assert mlp["params.model"] == "mlp" and mlp["params.seed"] == 2 and mlp["params.lr"] == 0.1
    assert mlp["metrics.test/acc"] == pytest.approx(0.92)
    assert mlp["status"] == "finished"
    assert mlp["start_time"] == pd.Timestamp(1_700_000_000, unit="s", tz="UTC")


def test_runs_where_takes_a_mapping_or_filter_texts(book):
    assert set(book.runs(where={"model": "mlp"})["params.model"]) == {"mlp"}
    assert len(book.runs(where={"seed": [0, 1]})) == 8
    assert len(book.runs(where=["model=mlp", "seed>=1"])) == 4
    assert len(book.runs(where="name~circles")) == 6


def test_runs_reduce_gives_each_metric_as_a_table_reduces_it(book):
    runs = book.runs(metrics=["val/acc"], reduce="max")
    assert list(runs.filter(like="metrics.").columns) == ["metrics.val/acc"]
    assert set(runs["metrics.val/acc"]) == {0.6}


def test_series_is_long_with_every_logged_point(book):
    series = book.series(["test/acc", "val/acc"], where={"model": "logreg", "dataset": "moons"})
    assert list(series.columns) == ["run_id", "metric", "step", "value", "time"]
    assert len(series) == 3 * 2 * 2
    one = series[(series["metric"] == "test/acc") & (series["step"] == 2)].sort_values("value")
    assert list(one["value"]) == pytest.approx([0.8, 0.81, 0.82])
    assert set(series["time"]) == {100.0, 101.0}
    assert set(series["run_id"]) <= set(book.runs()["run_id"])


def test_series_says_why_runs_that_report_only_a_final_value_have_no_points(make_run, tmp_path):
    """A results.json per run (the final accuracy, no steps): series() was an empty frame, unexplained."""
    make_run("curve", {"model": "mlp", "seed": 0}, curve([0.7, 0.8]))
    for seed in (1, 2):
        folder = tmp_path / "runs" / f"final{seed}"
        folder.mkdir(parents=True)
        (folder / "results.json").write_text(json.dumps({"model": "mlp", "seed": seed, "acc": 0.9}))
    rb.collect(tmp_path / "runs", db=tmp_path / "f.db")
    with rb.open(tmp_path / "f.db") as book:
        runs = book.runs()
        assert sorted(runs["metrics.acc"]) == pytest.approx([0.8, 0.9, 0.9])
        with pytest.warns(rb.NotFoundWarning) as said:
            series = book.series("acc")
        assert len(series) == 2 and series["run_id"].nunique() == 1  # the one run that logged steps
        (warning,) = said
        assert str(warning.message).startswith("book.series(): 2 runs (run '")
        assert str(warning.message).endswith(
            "report 'acc' only as a final value, with no logged steps, so none of its points are here; "
            "book.runs() has the value, in the column 'metrics.acc'"
        )
        assert warning.filename == __file__  # the caller's line
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert len(book.series("acc", where={"seed": 0})) == 2  # nothing left out: nothing said


def test_series_and_tables_take_the_specs_derived_metrics(make_run, tmp_path):
    quickstart_runs(make_run)
    (tmp_path / "resultsbook.toml").write_text('[derived]\nerror = "1 - `test/acc`"\n')
    rb.collect(tmp_path / "runs", config=tmp_path / "resultsbook.toml")  # into the spec's store
    with rb.open(tmp_path / "resultsbook.toml") as book:
        assert book.metrics() == ["test/acc", "val/acc", "error"]
        series = book.series("error", where={"model": "mlp", "dataset": "moons", "seed": 0})
        assert list(series["value"]) == pytest.approx([0.5, 0.1])
        assert series["time"].isna().all()
        frame = book.table(rows="model", columns="dataset", metric="error").to_frame()
    assert frame.loc["mlp", ("moons", "mean")] == pytest.approx(0.09)


def test_an_unknown_metric_is_one_error_with_a_suggestion(book):
    with pytest.raises(rb.QueryError, match=r"no run logs a metric 'test/ac'; did you mean 'test/acc'\?"):
        book.series("test/ac")
    with pytest.raises(
        rb.QueryError, match=r"reduces each run's 'test/acc' with metric='test/acc', reduce='max'"
    ):
        book.table(rows="model", metric="test/acc:max")


def test_table_frame_has_row_and_column_keys_stats_n_and_marks(book):
    table = book.table(rows="model", columns="dataset", metric="test/acc")
    frame = table.to_frame()
    assert frame.index.name == "model" and list(frame.index) == ["logreg", "mlp"]
    assert frame.columns.names == ["dataset", "stat"]
    assert list(frame.columns) == [
        ("circles", "mean"), ("circles", "std"), ("circles", "n"), ("circles", "marks"), ("circles", "emphasis"),
        ("moons", "mean"), ("moons", "std"), ("moons", "n"), ("moons", "marks"), ("moons", "emphasis"),
    ]  # fmt: skip
    assert frame.loc["mlp", ("moons", "mean")] == pytest.approx(0.91)
    assert frame.loc["mlp", ("moons", "std")] == pytest.approx(0.01)
    assert frame.loc["mlp", ("moons", "n")] == 3
    assert frame.loc["logreg", ("circles", "marks")] == ""


def test_table_marks_are_in_the_frame_and_the_rendered_text(make_run, book, tmp_path):
    make_run(
        "mlp_moons_9",
        {"model": "mlp", "dataset": "moons", "seed": 9, "lr": 0.5},
        curve([0.5, 0.5], "test/acc"),
    )  # as long as the others: a curve ending at half of theirs would be marked too
    rb.collect(tmp_path / "runs", db=book.path)
    table = book.table(rows="model", columns="dataset", metric="test/acc", highlight="none", expected=3)
    assert table.to_frame().loc["mlp", ("moons", "marks")] == "mixed"
    marks = table.marks()
    assert list(marks[["model", "dataset", "kind", "symbol"]].itertuples(index=False, name=None)) == [
        ("mlp", "moons", "mixed", "†")
    ]
    assert "averages runs that differ in lr (0.1, 0.5)" in marks["text"][0]
    mlp_row = next(line for line in repr(table).splitlines() if line.startswith("mlp"))
    assert mlp_row.endswith("0.81 ± 0.21†")
    assert "<sup>†</sup>" in table._repr_html_()


def test_table_several_metrics_and_no_columns(book):
    frame = book.table(rows=["dataset", "model"], metric=["test/acc", "val/acc"], stats="mean").to_frame()
    assert frame.index.names == ["dataset", "model"]
    assert frame.columns.names == ["metric", "stat"]
    assert frame.loc[("moons", "mlp"), ("val/acc", "mean")] == pytest.approx(0.5)
    only_rows = book.table(rows="model", metric="test/acc", stats=["median", "iqr"]).to_frame()
    assert list(only_rows.columns) == ["median", "iqr", "iqr_lo", "iqr_hi", "n", "marks", "emphasis"]


def test_table_runs_lists_each_cells_replicates(book):
    runs = book.table(rows="model", columns="dataset", metric="test/acc").runs()
    assert len(runs) == 12
    assert list(runs.columns) == ["model", "dataset", "metric", "run_id", "name", "status", "seed", "value"]


def test_table_agrees_with_the_cli_in_every_format(make_run, book, tmp_path, cli):
    make_run(
        "mlp_moons_lr", {"model": "mlp", "dataset": "moons", "seed": 1, "lr": 0.5},
        [{"step": 1, "test/acc": 0.7, "val/acc": 0.9}],
    )  # fmt: skip
    rb.collect(tmp_path / "runs", db=book.path)  # a cell mixing two learning rates and sharing seed 1
    flags = ["--rows", "model", "--columns", "dataset", "--metric", "test/acc", "--reduce", "best(val/acc)"]
    flags += ["--stat", "mean,ci95", "--where", "seed!=2", "--db", book.path]
    table = book.table(
        rows="model", columns="dataset", metric="test/acc", reduce="best(val/acc)", stats=["mean", "ci95"],
        where="seed!=2",
    )  # fmt: skip
    assert cli("table", *flags, "--format", "latex").stdout == table.to_latex()
    assert cli("table", *flags, "--format", "markdown").stdout == table.to_markdown()
    assert cli("table", *flags).stdout == table.to_text() == repr(table) + "\n"
    cells = json.loads(cli("table", *flags, "--format", "json").output)["cells"]
    frame = table.to_frame()
    for cell in cells:
        row, column = cell["row"]["model"], cell["column"]["dataset"]
        for stat in ("mean", "ci95", "n"):
            assert frame.loc[row, (column, stat)] == cell["stats"][stat]
        kinds = {mark["kind"] for mark in cell["marks"]}
        assert kinds == set(filter(None, frame.loc[row, (column, "marks")].split(",")))
        assert frame.loc[row, (column, "emphasis")] == cell.get("emphasis", "")
    assert {frame.loc[model, ("moons", "emphasis")] for model in frame.index} >= {"best"}
    # and ‡ (status): the lr run, of unknown status (no run.json), ends before the finished runs' end
    assert frame.loc["mlp", ("moons", "marks")].split(",")[:3] == ["mixed", "status", "duplicate"]


def test_a_median_table_shows_the_interval_of_the_median_as_the_cli_does(book, cli):
    flags = ["--rows", "model", "--columns", "dataset", "--metric", "test/acc", "--db", book.path]
    table = book.table(rows="model", columns="dataset", metric="test/acc", stats=["median", "bootstrap"])
    assert (
        table.to_markdown()
        == cli("table", *flags, "--stat", "median,bootstrap", "--format", "markdown").stdout
    )
    with pytest.raises(rb.SpecError, match="ci95 is the Student-t interval of the mean, not of the median"):
        book.table(rows="model", columns="dataset", metric="test/acc", stats=["median", "ci95"])


def test_a_collect_report_shows_its_counts_not_every_path_it_read(make_run, tmp_path):
    """A notebook cell ending in rb.collect(...) printed every one of its 1,440 paths."""
    quickstart_runs(make_run)
    report = rb.collect(tmp_path / "runs", db=tmp_path / "resultsbook.db")
    assert len(report.changed_sources) == 12
    assert repr(report) == (
        "CollectReport(12 new, 0 updated, 0 unchanged, 0 problems; 12 source(s) read, 0 skipped; "
        "see .problems, .notes and .changed_sources)"
    )


def test_spec_table_is_what_build_writes(make_run, tmp_path, monkeypatch):
    quickstart_runs(make_run)
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[labels.keys]\nmodel = "Model"\n'
        '[tables.main]\nmetric = "test/acc"\nrows = ["model"]\ncolumns = ["dataset"]\nscale = 100\n'
        'outputs = ["paper/main.tex", "paper/main.md"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert rb.collect().new == 12
    report = rb.build()
    assert sorted(report.written) == [str(tmp_path / "paper/main.md"), str(tmp_path / "paper/main.tex")]
    # a notebook cell ending in rb.build() printed every table's every cell: 7,456 characters for one table
    findings = len(report.findings)
    assert repr(report) == (
        f"BuildReport(2 written, 0 unchanged, {findings} finding(s); see .written, .warnings, .failed and .tables)"
    )
    with rb.open() as book:
        table = book.spec_table("main")
    built = (tmp_path / "paper/main.tex").read_text().splitlines(keepends=True)
    assert built[0].startswith("% Generated by resultsbook")
    assert "".join(built[1:]) == table.to_latex()
    assert table.name == "main" and "Model" in table.to_markdown()
    assert table.to_frame().loc["mlp", ("moons", "mean")] == pytest.approx(91.0)


def test_spec_table_needs_a_spec_and_a_known_name(book, tmp_path):
    with pytest.raises(rb.SpecError, match=r"opened from the store .* which has no spec"):
        book.spec_table("main")
    (tmp_path / "resultsbook.toml").write_text(
        '[tables.main]\nmetric = "test/acc"\nrows = ["model"]\n'
        '[figures.curve]\nkind = "curve"\nmetric = "test/acc"\nhue = "model"\noutputs = ["curve.pdf"]\n'
    )
    with rb.open(tmp_path) as with_spec:
        with pytest.raises(
            rb.SpecError, match=r"no table named 'mian' in .* \(its tables: main\); did you mean 'main'\?$"
        ):
            with_spec.spec_table("mian")
        with pytest.raises(
            rb.SpecError, match=r"'curve' is a figure of .*, not a table; .* its tables: main$"
        ):
            with_spec.spec_table("curve")


def test_open_finds_the_nearest_spec_and_refuses_a_missing_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # as docs/python-api.md says, and as rb.open("resultsbook.db") raises: no store is a store not found
    nowhere = r"no resultsbook.toml here or in any parent folder.*rb.open\("
    with pytest.raises(rb.NotFoundError, match=nowhere):
        rb.open()
    with pytest.raises(rb.NotFoundError, match=r"no store at .*nothing.db"):
        rb.open(tmp_path / "nothing.db")
    (tmp_path / "resultsbook.toml").write_text('db = "store/results.db"\n')
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    with pytest.raises(rb.NotFoundError, match=r"store/results.db"):
        rb.open()
    assert not (tmp_path / "store").exists()  # opening to read creates nothing


def test_open_of_a_folder_of_logs_says_to_collect_it_or_names_the_spec_above(tmp_path, monkeypatch):
    """`rb.open("logs")` in a notebook said `logs holds neither resultsbook.toml nor resultsbook.db; pass
    the file to open`: which file, when the folder holds the run logs themselves?"""
    (tmp_path / "logs" / "seed_0").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(rb.StoreError) as alone:
        rb.open("logs")
    assert str(alone.value).endswith(
        "logs holds neither resultsbook.toml nor resultsbook.db; pass the store or the spec "
        "(rb.open('path/to/resultsbook.db')), or, if it holds run logs, collect them first: "
        "rb.collect('logs', db='resultsbook.db')"
    )
    (tmp_path / "resultsbook.toml").write_text('db = "results.db"\n')
    with pytest.raises(rb.StoreError) as spec:
        rb.open("logs/seed_0")
    assert str(spec.value).endswith(
        "the nearest spec above it is resultsbook.toml: rb.open('resultsbook.toml')"
    )
    (tmp_path / "logs" / "m.db").write_bytes(b"")  # collected with --db m.db
    with pytest.raises(rb.StoreError) as named:
        rb.open("logs")
    assert str(named.value).endswith(
        "holds neither resultsbook.toml nor resultsbook.db; it holds m.db: rb.open('logs/m.db')"
    )


def test_collect_returns_the_report_the_cli_prints(make_run, tmp_path):
    quickstart_runs(make_run)
    (tmp_path / "runs" / "broken").mkdir()
    (tmp_path / "runs" / "broken" / "metrics.jsonl").write_text(
        '{"step": 1, "test/acc": 0.5}\n{"step": 2, "te'
    )
    first = rb.collect([tmp_path / "runs"], db=tmp_path / "s.db")
    assert first.summary_line() == "13 new, 0 updated, 0 unchanged, 1 problem"
    assert "broken" in first.problems[0].path
    again = rb.collect(str(tmp_path / "runs"), db=str(tmp_path / "s.db"))
    assert again.summary_line() == "0 new, 0 updated, 13 unchanged, 0 problems"


def test_collect_without_paths_needs_a_spec(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(rb.SpecError, match=r"no resultsbook.toml here .*the folders to collect"):
        rb.collect()
    with pytest.raises(rb.SpecError, match="nowhere does not exist; check the path given to collect"):
        rb.collect(tmp_path / "nowhere", db=tmp_path / "s.db")
    (tmp_path / "logs").mkdir()
    with pytest.raises(rb.SpecError, match=r"lgos does not exist; did you mean '.*logs'\?"):
        rb.collect(tmp_path / "lgos", db=tmp_path / "s.db")  # as the command line guesses it


def test_a_book_sees_runs_collected_after_it_was_opened(make_run, book, tmp_path):
    assert len(book.runs()) == 12
    make_run(
        "mlp_moons_3", {"model": "mlp", "dataset": "moons", "seed": 3, "lr": 0.1}, curve([0.9], "test/acc")
    )
    rb.collect(tmp_path / "runs", db=book.path)
    assert len(book.runs()) == 13
    assert "13 runs" in repr(book)


def test_values_from_logs_stay_inert_in_the_notebook_html(make_run, tmp_path):
    make_run("a", {"model": "<script>alert(1)</script>", "seed": 0}, curve([0.5], "acc"))
    rb.collect(tmp_path / "runs", db=tmp_path / "s.db")
    with rb.open(tmp_path / "s.db") as book:
        html = book.table(rows="model", metric="acc")._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_nan_values_are_missing_in_frames(make_run, tmp_path):
    make_run("a", {"model": "m", "seed": 0}, [{"step": 1, "acc": float("nan")}])
    make_run("b", {"model": "m", "seed": 1}, [{"step": 1, "acc": 0.5}])
    rb.collect(tmp_path / "runs", db=tmp_path / "s.db")
    with rb.open(tmp_path / "s.db") as book:
        assert np.isnan(book.runs().sort_values("name")["metrics.acc"].iloc[0])
        frame = book.table(rows="model", metric="acc").to_frame()
    assert frame.loc["m", "n"] == 1 and frame.loc["m", "mean"] == 0.5
    assert math.isnan(frame.loc["m", "std"])
    assert frame.loc["m", "marks"] == "incomplete,few,novalue"


def test_an_empty_selection_is_an_empty_frame_or_one_error(book):
    with pytest.warns(
        rb.NotFoundWarning, match=r"^book.runs\(\): the frame is empty: filter model=nope matches"
    ):
        assert book.runs(where={"model": "nope"}).empty
    with pytest.warns(rb.NotFoundWarning, match=r"^book.series\(\): the frame is empty: filter model=nope"):
        empty = book.series("test/acc", where={"model": "nope"})
    assert list(empty.columns) == [
        "run_id",
        "metric",
        "step",
        "value",
        "time",
    ]
    with pytest.raises(rb.NotFoundError, match=r"filter model=nope matches no run; model has: logreg, mlp"):
        book.table(rows="model", metric="test/acc", where={"model": "nope"})
    with pytest.raises(
        rb.QueryError,
        match="row key 'optimizer' is not a param of any selected run; params: dataset, lr, model, seed",
    ):
        book.table(rows="optimizer", metric="test/acc")


def test_collect_that_finds_nothing_leaves_no_store_and_says_what_was_tried(tmp_path):
    """The reason was only in report.notes: a notebook cell or a script that did not print them said
    nothing. It is warned, as the command line's error says it, and the report is returned."""
    (tmp_path / "empty").mkdir()
    with pytest.warns(rb.NotFoundWarning) as warned:
        report = rb.collect(tmp_path / "empty", db=tmp_path / "s.db")
    assert report.new + report.updated + report.unchanged == 0
    assert not (tmp_path / "s.db").exists()
    [warning] = warned
    assert str(warning.message) == report.notes[0] + "; the store was left as it was"
    assert warning.filename == __file__  # the notebook's (or script's) line that collected
    assert issubclass(rb.NotFoundWarning, RuntimeWarning)


def test_collect_derives_params_as_the_cli_does(make_run, tmp_path, cli):
    quickstart_runs(make_run)
    rule = "family=model:^(.)"
    rb.collect(tmp_path / "runs", db=tmp_path / "api.db", derive=[rule])
    assert cli("collect", "runs", "--db", "cli.db", "--derive", rule).exit_code == 0
    with rb.open(tmp_path / "api.db") as by_api, rb.open(tmp_path / "cli.db") as by_cli:
        derived = by_api.runs().set_index("name")["params.family"].sort_index()
        assert derived.to_dict() == by_cli.runs().set_index("name")["params.family"].sort_index().to_dict()
    assert set(derived) == {"l", "m"}
    with pytest.raises(rb.SpecError, match="family"):
        rb.collect(tmp_path / "runs", db=tmp_path / "api.db", derive=["family"])


def test_collect_keeps_numpy_params_as_numbers(make_run, tmp_path):
    """`rb.collect(params={"batch": np.int64(5)})` stored the text '5': `where={"batch": 5}` found nothing."""
    quickstart_runs(make_run)
    given = {"batch": np.int64(5), "frac": np.float32(0.1), "f64": np.float64(0.25), "on": np.bool_(True)}
    rb.collect(tmp_path / "runs", db=tmp_path / "api.db", params=given)
    with rb.open(tmp_path / "api.db") as book:
        runs = book.runs(where={"batch": 5, "frac": 0.1, "f64": 0.25, "on": True})
        assert len(runs) == len(book.runs()) > 0
        assert runs["params.batch"].dtype == "Int64" and runs["params.frac"].dtype == "float64"


def test_the_build_command_writes_what_rb_build_writes(make_run, tmp_path, cli):
    quickstart_runs(make_run)
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.main]\nmetric = "test/acc"\nrows = ["model"]\n'
        'columns = ["dataset"]\noutputs = ["paper/main.tex", "paper/main.md"]\n'
        '[tables.other]\nmetric = "val/acc"\nrows = ["model"]\noutputs = ["paper/other.md"]\n'
    )
    result = cli("build", "--json")
    assert result.exit_code == 0, result.output
    by_cli = {p: (tmp_path / p).read_bytes() for p in json.loads(result.output)["written"]}
    assert sorted(by_cli) == ["paper/main.md", "paper/main.tex", "paper/other.md"]
    for path in by_cli:
        (tmp_path / path).unlink()
    report = rb.build(tmp_path / "resultsbook.toml", tables=["main"])
    assert sorted(report.written) == [str(tmp_path / "paper/main.md"), str(tmp_path / "paper/main.tex")]
    assert all((tmp_path / p).read_bytes() == by_cli[p] for p in ("paper/main.md", "paper/main.tex"))
    with pytest.raises(rb.SpecError, match="mian"):
        rb.build(tmp_path / "resultsbook.toml", tables=["mian"])


def test_building_a_spec_whose_sources_hold_no_run_says_what_was_tried(tmp_path, cli):
    (tmp_path / "runs").mkdir()
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.main]\nmetric = "acc"\nrows = ["model"]\n'
    )
    result = cli("build")
    assert result.exit_code == 1
    (said,) = result.stderr.strip().splitlines()  # the entry's note is the error, said once
    assert said.startswith("Error: resultsbook.toml: [[sources]] #1 path = 'runs' found no runs")
    assert "adapter = '…'" in said and "--adapter" not in said and not (tmp_path / "resultsbook.db").exists()


def test_building_one_table_keeps_the_others_in_the_lock(make_run, tmp_path):
    quickstart_runs(make_run)
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.main]\nmetric = "test/acc"\nrows = ["model"]\noutputs = []\n'
        '[tables.other]\nmetric = "val/acc"\nrows = ["model"]\noutputs = []\n'
    )
    rb.collect(config=tmp_path / "resultsbook.toml")
    rb.build(tmp_path / "resultsbook.toml")
    before = json.loads((tmp_path / "resultsbook.lock").read_text())
    rb.build(tmp_path / "resultsbook.toml", tables=["main"])
    after = json.loads((tmp_path / "resultsbook.lock").read_text())
    assert after == before and {"tables.main", "tables.other"} <= set(after["entries"])


def test_a_table_reads_one_state_of_the_store_from_the_api_and_the_cli(book, cli, monkeypatch):
    from resultsbook.store import Store

    in_snapshot: list[bool] = []
    read = Store.param_column

    def watched(store, key):  # a table reads params key by key, as it needs them
        in_snapshot.append(store.db.conn.in_transaction)
        return read(store, key)

    monkeypatch.setattr(Store, "param_column", watched)
    book.table(rows="model", columns="dataset", metric="test/acc")
    assert (
        cli(
            "table", "--rows", "model", "--columns", "dataset", "--metric", "test/acc", "--db", book.path
        ).exit_code
        == 0
    )
    assert in_snapshot and all(in_snapshot)  # a collect writing meanwhile is not half seen


def test_a_direction_taken_from_a_name_is_said_under_the_notebook_table(make_run, book, tmp_path, cli):
    """The bold best of test/acc rests on its name (documented, but a guess): the CLI says so on
    stderr; the notebook's table said nothing."""
    quickstart_runs(make_run)
    rb.collect(tmp_path / "runs", db=book.path)
    table = book.table(rows="model", metric="test/acc", reduce="best(val/acc)")
    assert table.guesses == (
        "the goal of 'test/acc' comes from its name (higher is better); state it with goals={'test/acc': 'max'}",
        "reduce='best(val/acc)' takes 'val/acc' as higher-is-better from its name; "
        "write reduce='best(val/acc, max)'",
    )
    html = table._repr_html_()
    assert "state it with goals={&#x27;test/acc&#x27;: &#x27;max&#x27;}" in html
    stated = book.table(
        rows="model", metric="test/acc", reduce="best(val/acc, max)", goals={"test/acc": "max"}
    )
    assert stated.guesses == ()
    printed = cli(
        "table", "--rows", "model", "--metric", "test/acc", "--reduce", "best(val/acc)", "--db", book.path
    )
    notes = "".join(
        line for line in printed.stderr.splitlines(keepends=True) if not line.startswith("Warning:")
    )
    assert notes == "".join(  # the warnings name the cells of this toy table's marks
        f"Note: {line}\n"
        for line in (
            "the goal of 'test/acc' comes from its name (higher is better); state it with --goal test/acc=max",
            "--reduce 'best(val/acc)' takes 'val/acc' as higher-is-better from its name; "
            "write --reduce 'best(val/acc, max)'",
        )
    )


def test_a_direction_taken_from_a_name_is_stated_in_the_note_under_the_table(make_run, book, tmp_path, cli):
    """The note said `per run: best(val/acc)` where statistics-reference.md promises the resolved
    direction (`best(val/loss, min)`), and a table over tasks said it as written too."""
    quickstart_runs(make_run)
    rb.collect(tmp_path / "runs", db=book.path)
    args = ("table", "--rows", "model", "--metric", "test/acc", "--goal", "max", "--db", book.path)
    printed = cli(*args, "--reduce", "best(val/acc)", "--columns", "dataset")
    assert "Mean ± std (ddof = 1) over n = 3 seeds; per run: best(val/acc, max). " in printed.stdout, printed
    over_tasks = cli(*args, "--reduce", "best(val/acc)", "--tasks", "dataset", "--stat", "mean")
    assert "(per run: best(val/acc, max))" in over_tasks.stdout, over_tasks.output


def test_table_order_places_values_first_as_the_specs_order_does(book):
    """book.table had no `order=`, where a spec table has one: the notebook could not show the rows
    in the paper's order."""
    table = book.table(rows="model", columns="dataset", metric="test/acc", order={"model": ["mlp"]})
    assert list(table.to_frame().index) == ["mlp", "logreg"]  # listed first, the rest sorted
    assert table.to_text().splitlines()[2].startswith("mlp")
    both = book.table(
        rows="model", columns="dataset", metric="test/acc", order={"dataset": ("moons", "circles")}
    )
    assert [column[0] for column in both.result.columns] == ["moons", "circles"]
    assert book.table(rows="model", metric="test/acc").result.rows == (("logreg",), ("mlp",))
    listed = book.table(rows="model", metric="test/acc", order={"model": np.array(["mlp", "logreg"])})
    assert listed.result.rows == (("mlp",), ("logreg",))  # an array, as where= takes one


def test_numpy_float32_values_given_back_to_order_and_where_are_the_numbers_a_config_stored(
    make_run, tmp_path
):
    """A sweep over np.float32 learning rates stores lr 0.1 (its shortest decimal); the same np.float32
    values given to order= were ignored and where= found no run (0.10000000149011612)."""
    rates = [np.float32(0.1), np.float32(0.01)]
    for lr in rates:
        for seed in range(2):
            with rb.Run(tmp_path / "runs", config={"lr": lr, "seed": seed}, code_dir=tmp_path) as run:
                run.log(0, acc=0.5 + float(lr) + seed / 100)
    rb.collect(tmp_path / "runs", db=tmp_path / "f.db")
    with rb.open(tmp_path / "f.db") as book:
        ordered = book.table(rows="lr", metric="acc", order={"lr": rates})
        assert ordered.result.rows == ((0.1,), (0.01,)) and ordered.notes == ()
        assert len(book.runs(where={"lr": rates[0]})) == 2


def test_a_misspelt_label_is_refused_as_the_command_lines_label_is(book):
    """`labels={"model": {"mpl": "MLP"}}` printed the raw `mlp`, silently; `--label model:mpl=MLP` refuses it."""
    with pytest.raises(rb.SpecError, match=r"^labels mpl: no run has model = 'mpl'; did you mean 'mlp'\?$"):
        book.table(rows="model", metric="test/acc", labels={"model": {"mpl": "MLP"}})
    with pytest.raises(
        rb.SpecError, match=r"^labels modle: no run has a param or metric 'modle'; did you mean 'model'"
    ):
        book.table(rows="model", metric="test/acc", labels={"modle": "Model"})
    shown = book.table(rows="model", metric="test/acc", labels={"model": {"mlp": "MLP"}, "test/acc": "Acc."})
    assert "MLP" in shown.to_text() and "Acc." in shown.to_text()


def test_a_mistyped_order_is_said_with_a_did_you_mean_as_in_the_spec(book):
    misspelt_key = book.table(rows="model", metric="test/acc", order={"modle": ["mlp"]})
    assert misspelt_key.notes == ("order names 'modle', which no run has; did you mean 'model'?",)
    misspelt_value = book.table(rows="model", metric="test/acc", order={"model": ["mpl"]})
    assert misspelt_value.notes == ("order lists model 'mpl', which no run has; did you mean 'mlp'?",)
    with pytest.raises(rb.SpecError, match=r"^order=\['mlp'\] must be a mapping, e.g. order=\{'model'"):
        book.table(rows="model", metric="test/acc", order=["mlp"])
    with pytest.raises(
        rb.SpecError, match=r"order=\{'model': 'mlp'\}: list the values of 'model' in the order"
    ):
        book.table(rows="model", metric="test/acc", order={"model": "mlp"})  # would order m, l, p


def test_keys_only_runs_gone_since_log_are_no_metrics_of_the_book(tmp_path, cli):
    """A per-seed results CSV collected first without --adapter (one run whose metrics are its columns,
    `seed` among them), then, as the collect's hint says, with --adapter records: the first run is gone,
    yet `book.metrics()` listed `seed`, `book.runs()` had an empty `metrics.seed` column, and a table of
    `--metric seed` answered that 1 other run logs it: check the filters."""
    (tmp_path / "per_seed_results.csv").write_text(
        "model,budget,seed,test_macro_f1\n"
        + "".join(f"ResNet50 (Scratch),10pct,{seed},0.{70 + seed}\n" for seed in (1, 2, 3))
        + "ResNet50 (Scratch),20pct,1,\n"  # not run yet
    )
    assert cli("collect", "per_seed_results.csv").exit_code == 0
    assert cli("collect", "per_seed_results.csv", "--adapter", "records").output.startswith(
        "Collected per_seed_results.csv: 4 new, 0 updated, 0 unchanged, 1 missing"
    )
    with rb.open(tmp_path / "resultsbook.db") as book:
        assert book.metrics() == ["test_macro_f1"]
        assert list(book.runs().filter(like="metrics.").columns) == ["metrics.test_macro_f1"]
        assert "metrics.seed" in book.runs(include_missing=True).columns  # the gone run's own
        with pytest.raises(rb.QueryError, match="no run logs a metric 'seed', but 4 run"):
            book.table(rows="model", metric="seed")
    table = cli("table", "--rows", "model", "--metric", "seed")
    assert "other runs do" not in table.output and "no run logs a metric 'seed'" in table.output, table.output
    table = cli("table", "--rows", "model", "--metric", "test_macro_f1", "--where", "budget=20pct")
    assert "none of the 1 selected runs logs 'test_macro_f1' (3 other runs do)" in table.output, table.output


def test_a_table_by_learning_rate_prints_each_rate_in_its_frame(make_run, tmp_path):
    """norlab-ulaval/droneSegmentation's Detectron2 runs by SOLVER.BASE_LR: to_frame() printed the rows
    1e-08 and 1e-07 both as `0.0` (an object index formats its floats to six decimals)."""
    for lr, miou in ((1e-08, 31.8), (1e-07, 34.0), (0.0001, 35.3)):
        make_run(f"lr{lr}", {"lr": lr, "seed": 0}, [{"step": 1, "miou": miou}])
    rb.collect(tmp_path / "runs", db=tmp_path / "resultsbook.db")
    with rb.open(tmp_path / "resultsbook.db") as book:
        frame = book.table(rows="lr", metric="miou").to_frame()
    assert [line.split()[0] for line in frame.to_string().splitlines()[2:]] == [
        "1.000000e-08",
        "1.000000e-07",
        "1.000000e-04",
    ]
    assert frame.loc[1e-07, "mean"] == 34.0


def test_none_for_an_argument_that_takes_none_is_its_default(book):
    """`reduce=None` raised a TypeError from inside the reducer; a notebook means the default. A
    flag given as text is one error naming it."""
    plain = book.table(rows="model", columns="dataset", metric="test/acc").to_frame()
    given_none = book.table(
        rows="model",
        columns="dataset",
        metric="test/acc",
        reduce=None,
        ddof=None,
        skip_first=None,
        scale=None,
    ).to_frame()
    pd.testing.assert_frame_equal(plain, given_none)
    assert book.runs(metrics="test/acc", reduce=None).equals(book.runs(metrics="test/acc"))
    with pytest.raises(rb.SpecError, match=r"book.runs\(\): include_missing='yes' must be True or False"):
        book.runs(include_missing="yes")
    assert len(book.runs(include_missing=np.bool_(True))) == 12


def test_a_table_whose_runs_have_no_value_warns_as_runs_does(book):
    """A table of dashes (`at(STEP)` past every run's end) came back silently: its reason stood only in
    its marks."""
    with pytest.warns(
        rb.NotFoundWarning, match=r"book.table\(\): no cell has a value: reduce='at\(500\)'"
    ) as said:
        table = book.table(rows="model", metric="test/acc", reduce="at(500)")
    assert "12× " in str(said[0].message) and "'test/acc'" in str(said[0].message)
    assert table.to_frame()["n"].tolist() == [0, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        book.table(rows="model", metric="test/acc", reduce="at(2)")


def test_table_index_has_the_dtypes_runs_gives_so_a_groupby_lines_up(book):
    """The index held seeds as objects, so assert_frame_equal against a groupby of book.runs() failed."""
    runs = book.runs(metrics="test/acc")
    by_seed = book.table(rows="seed", metric="test/acc", replicate="model", where={"dataset": "moons"})
    frame = by_seed.to_frame()
    assert frame.index.dtype == "Int64"
    moons = runs[runs["params.dataset"] == "moons"]
    by_hand = moons.groupby("params.seed")["metrics.test/acc"].agg(["mean", "std"])
    pd.testing.assert_frame_equal(
        frame[["mean", "std"]].rename_axis("params.seed").rename_axis(None, axis=1), by_hand
    )
    both = book.table(rows=["model", "dataset"], metric="test/acc").to_frame()
    assert [level.dtype for level in both.index.levels] == [runs["params.model"].dtype] * 2
    assert both.index.get_level_values("model").tolist() == ["logreg", "logreg", "mlp", "mlp"]


def test_run_times_are_the_logged_instants_to_the_microsecond(make_run, tmp_path):
    """`05:48:03.237` came back as `05:48:03.236999989` (a float's nanoseconds), never equal to itself."""
    make_run("a", {"seed": 0}, [{"step": 1, "acc": 0.5}], {"status": "finished",
             "start_time": "2026-12-07T05:48:03.237+00:00", "end_time": "2026-12-07T06:00:00.001+00:00"})  # fmt: skip
    rb.collect(tmp_path / "runs", db=tmp_path / "t.db")
    with rb.open(tmp_path / "t.db") as opened:
        runs = opened.runs()
    assert str(runs["start_time"].dtype) == "datetime64[us, UTC]"
    assert runs["start_time"].iloc[0] == pd.Timestamp("2026-12-07T05:48:03.237Z")
    assert runs["end_time"].iloc[0] == pd.Timestamp("2026-12-07T06:00:00.001Z")
