"""The Python API as a stranger uses it: wrong paths, typos, odd arguments, real published data.

Each mistake gets one ResultsbookError naming the key or file and the fix, and a notebook's frames
hold the numbers the CLI prints. Real data comes from ../shared/realdata (skipped when absent).
"""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_tasks import atari_like_project

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


@pytest.mark.parametrize(
    ("fixture", "said"),
    [
        (
            "mlflow/sqlite/mlflow.db",
            "it is an MLflow tracking store, whose runs rb.collect('{}', db='NEW.db')",
        ),
        (
            "optuna/sqlite/optuna.db",
            "it is an Optuna storage, whose runs rb.collect('{}', adapter='optuna', db='NEW.db')",
        ),
    ],
)
def test_a_trackers_database_given_as_the_store_says_how_to_collect_it(tmp_path, cli, fixture, said):
    """`--db mlflow.db` (the tracker's own database, written by MLflow in tests/fixtures) was refused
    as any program's SQLite file, without a word of the collect that reads its runs."""
    database = tmp_path / fixture.rsplit("/", 1)[1]
    database.write_bytes((Path(__file__).parent / "fixtures" / fixture).read_bytes())
    with pytest.raises(rb.StoreError) as refused:
        rb.open(database)
    assert said.format(database) + " reads into a store" in str(refused.value)
    shown = cli("runs", "--db", database.name).output
    assert f"resultsbook collect {database.name}" in shown and "--db NEW.db reads into a store" in shown


def test_a_misspelt_where_key_is_one_error_in_runs_and_series_as_in_the_cli(book, cli):
    for call in (lambda: book.runs(where={"modle": "mlp"}), lambda: book.series("acc", where="modle=mlp")):
        with pytest.raises(
            rb.QueryError, match=r"filter modle=mlp: no run has a param 'modle'; did you mean 'model'\?"
        ):
            call()
    with pytest.warns(rb.NotFoundWarning, match="filter model=nope matches no run; model has: logreg, mlp"):
        assert book.runs(where={"model": "nope"}).empty  # a value no run has: an empty selection, warned of


@pytest.mark.parametrize("where", [5, [{"model": "mlp"}], {"model": {"name": "mlp"}}, ["model=mlp", 3]])
def test_a_where_of_the_wrong_type_is_one_error_saying_what_it_takes(book, where):
    with pytest.raises(rb.SpecError, match=r"where=.* is not understood; give a mapping .*or filter texts"):
        book.runs(where=where)


def test_empty_frames_merge_on_run_id_like_full_ones(book):
    runs, curves = book.runs(), book.series("acc")
    with pytest.warns(rb.NotFoundWarning):
        empty_runs, empty_curves = (
            book.runs(where={"model": "nope"}),
            book.series("acc", where={"model": "nope"}),
        )
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


def test_a_misspelt_replicate_is_one_error_as_in_the_cli(book, cli):
    with pytest.raises(
        rb.QueryError, match=r"replicate 'sed' is not a param of any run; did you mean 'seed'\?"
    ):
        book.table(rows="model", metric="acc", replicate="sed")
    assert "'sed' is not a param of any run" in cli("table", "--db", str(book.path), "--rows", "model",
                                                      "--metric", "acc", "--replicate", "sed").output  # fmt: skip


def test_a_misspelt_key_names_the_key_spelt_almost_so_beside_those_ending_in_it():
    """A five-fold DVCLive tree has the runs' `fold` and the config's `split.folds` (5 in every run):
    `replicate="folds"` was answered `did you mean 'split.folds'?` alone, a key that is no replicate."""
    from resultsbook.errors import did_you_mean

    assert (
        did_you_mean("folds", ["fold", "split.folds", "train.epochs"])
        == "did you mean 'split.folds' or 'fold'?"
    )
    assert did_you_mean("f1", ["val.f1", "test/f1", "loss"]) == "did you mean 'test/f1' or 'val.f1'?"


def test_a_key_with_two_letters_swapped_names_that_key_before_one_a_letter_shorter():
    """Ultralytics' args.yaml holds `mode` and `model`: `--rows modle` was answered 'did you mean
    'mode'?' (one letter dropped scores higher with difflib than two swapped)."""
    from resultsbook.errors import closest

    assert closest("modle", ["mode", "model", "seed"]) == "model"
    assert closest("sede", ["seed", "mode"]) == "seed"
    assert closest("mode", ["mode", "model"]) == "mode"  # the name itself is no swap
    assert closest("mdoe", ["mode", "model"]) == "mode"


def test_a_key_typed_in_the_wrong_case_names_the_key_though_a_longer_one_contains_it(make_run, cli):
    """Detectron2's config keys are capitals: `--where solver.base_lr=1e-07` listed 265 params instead of
    naming SOLVER.BASE_LR, since SOLVER.BASE_LR_END contains it too."""
    make_run("a", {"SOLVER": {"BASE_LR": 1e-07, "BASE_LR_END": 0.0}, "seed": 0}, [{"step": 1, "acc": 0.5}])
    cli("collect", "runs")
    result = cli("table", "--rows", "seed", "--metric", "acc", "--where", "solver.base_lr=1e-07")
    assert result.output == (
        "Error: filter solver.base_lr=1e-07: no run has a param 'solver.base_lr'; did you mean 'SOLVER.BASE_LR'?\n"
    )


def test_a_misspelt_run_specific_is_refused_as_the_spec_refuses_it(book, cli):
    with pytest.raises(
        rb.QueryError, match=r"run_specific 'sed' is not a param of any run; did you mean 'seed'\?"
    ):
        book.table(rows="model", metric="acc", run_specific="sed")
    flags = ["--rows", "model", "--metric", "acc", "--run-specific", "sed"]
    result = cli("table", "--db", str(book.path), *flags)
    assert result.exit_code == 2
    assert result.output.endswith("--run-specific 'sed' is not a param of any run; did you mean 'seed'?\n")


def test_a_misspelt_pool_is_refused_as_a_misspelt_replicate_is(book, tmp_path, cli):
    """pool='dataest' gave a note and a table pooling nothing: every cell short of the replicates of
    a `none` dataset."""
    with pytest.raises(rb.QueryError) as caught:
        book.table(rows="model", metric="acc", pool="dataest")
    assert str(caught.value) == "pool 'dataest' is not a param of any run; did you mean 'dataset'?"
    result = cli("table", "--db", "s.db", "--rows", "model", "--metric", "acc", "--pool", "dataest")
    assert result.exit_code == 2
    assert result.output == "Error: --pool 'dataest' is not a param of any run; did you mean 'dataset'?\n"
    (tmp_path / "resultsbook.toml").write_text(
        'db = "s.db"\n[tables.t]\nmetric = "acc"\nrows = ["model"]\npool = ["dataest"]\noutputs = []\n'
    )
    result = cli("build")
    assert result.exit_code == 2 and (
        "resultsbook.toml: [tables.t] pool 'dataest' is not a param of any run; did you mean 'dataset'?"
        in result.output
    ), result.output
    assert book.table(rows="model", metric="acc", pool="dataset").to_frame()["n"].tolist() == [6, 6]
    # the spec's table printed alone, or opened in a notebook, was a warning and the table pooling nothing
    said = "resultsbook.toml: [tables.t] pool 'dataest' is not a param of any run; did you mean 'dataset'?"
    result = cli("table", "t")
    assert result.exit_code == 2 and result.output == f"Error: {said}\n", result.output
    with pytest.raises(rb.ResultsbookError) as caught:
        rb.open(tmp_path / "resultsbook.toml").spec_table("t")
    assert str(caught.value) == said


def test_a_derived_metric_named_like_a_logged_one_is_refused_not_read_in_its_place(book, tmp_path, cli):
    """derived={'acc': ...} replaced the logged acc in the table, under its heading, unsaid; so did
    `--derived acc=...` and a spec's [derived] acc."""
    refused = (
        "derived metric 'acc': the runs log a metric 'acc', which it would replace unsaid; "
        "give the derived metric another name"
    )
    with pytest.raises(rb.QueryError) as caught:
        book.table(rows="model", metric="acc", derived={"acc": "`acc` * 2"})
    assert str(caught.value) == refused
    flags = ("--db", "s.db", "--rows", "model", "--metric", "acc", "--derived", "acc=`acc`*2")
    result = cli("table", *flags)
    assert result.exit_code == 2 and result.output == f"Error: {refused}\n"
    (tmp_path / "resultsbook.toml").write_text(
        'db = "s.db"\n[derived]\nacc = "`acc` * 2"\n[tables.t]\nmetric = "acc"\nrows = ["model"]\noutputs = []\n'
    )
    result = cli("build")  # the spec, read before the store, refuses the name by its own use of it
    assert result.exit_code == 2 and (
        "[derived] acc refers to itself (acc → acc); define it from logged metrics, under a name of its own"
        in result.output
    ), result.output
    # a spec's [derived] acc from another metric: named with the file and the table where it is
    (tmp_path / "resultsbook.toml").write_text(
        'db = "s.db"\n[derived]\nacc = "`step` * 2"\n[tables.t]\nmetric = "acc"\nrows = ["model"]\n'
        "outputs = []\n"
    )
    in_spec = (
        "resultsbook.toml: [derived] acc: the runs log a metric 'acc', which it would replace unsaid; rename "
        "the derived metric (and the tables that use it)"
    )
    for command in (["build"], ["table", "t"], ["check"]):
        result = cli(*command, "--db", "s.db")
        assert result.exit_code == 2 and ("\n" + result.output).endswith(f"\nError: {in_spec}\n"), (
            command,
            result.output,
        )
    with rb.open(tmp_path / "resultsbook.toml") as from_spec:
        for call in (lambda: from_spec.spec_table("t"), lambda: from_spec.table(rows="model", metric="acc")):
            with pytest.raises(rb.SpecError) as caught:
                call()
            assert str(caught.value) == in_spec


def atari_like(tmp_path):
    """Write per-method {game: [scores]} files with a human-normalised metric `hns`, and collect them."""
    scores = {
        method: {
            g: [top * factor * (0.5 + i / 10) for i in range(5)]
            for g, top in (("A", 10), ("B", 100), ("C", 1000))
        }
        for method, factor in (("ours", 1.0), ("base", 0.5))
    }
    atari_like_project(tmp_path, scores)
    rb.collect(config=tmp_path / "resultsbook.toml")


def test_a_book_opened_from_its_spec_knows_the_specs_normalized_metrics(tmp_path, cli):
    atari_like(tmp_path)
    args = [
        "--rows",
        "method",
        "--columns",
        "game",
        "--metric",
        "hns",
        "--replicate",
        "run",
        "--format",
        "csv",
    ]
    with rb.open(tmp_path / "resultsbook.toml") as book:
        assert "hns" in book.metrics()
        table = book.table(rows="method", columns="game", metric="hns", replicate="run")
        assert table.to_csv() == cli("table", *args).output
        assert table.to_frame().loc["ours", ("C", "mean")] == pytest.approx(0.7)
        runs = book.runs(metrics=["hns", "score"], where={"method": "ours", "game": "B"})
        assert sorted(runs["metrics.hns"]) == pytest.approx([v / 100 for v in sorted(runs["metrics.score"])])


def test_book_table_takes_tasks_goals_pool_and_test_as_the_cli_flags(tmp_path, cli):
    atari_like(tmp_path)
    with rb.open(tmp_path / "resultsbook.toml") as book:
        table = book.table(rows="method", metric="hns", replicate="run", tasks="game",
                           aggregates=["mean", "iqm", "probability_of_improvement"], versus="base",
                           threshold=0.5, goals={"hns": "max"})  # fmt: skip
        flags = ["--rows", "method", "--metric", "hns", "--replicate", "run", "--tasks", "game", "--aggregates",
                 "mean,iqm,probability_of_improvement", "--versus", "base", "--threshold", "0.5", "--goal", "hns=max"]  # fmt: skip
        assert table.to_csv() == cli("table", *flags, "--format", "csv").output
        assert table.to_frame().loc["ours", ("iqm", "tasks")] == 3
        pooled = book.table(
            rows="method", metric="score", replicate="run", pool="game", test="none", goals={"score": "min"}
        )
        flags = ["--rows", "method", "--metric", "score", "--replicate", "run", "--pool", "game", "--test", "none",
                 "--goal", "score=min"]  # fmt: skip
        assert pooled.to_text() == cli("table", *flags).output
        with pytest.raises(rb.ResultsbookError, match=r"test 'welsh' is not one of auto, welch"):
            book.table(rows="method", metric="score", replicate="run", pool="game", test="welsh")
        with pytest.raises(
            rb.ResultsbookError, match=r"test = welch compares means, but the table shows the median"
        ):
            book.table(
                rows="method", metric="score", replicate="run", pool="game", stats="median", test="welch"
            )
        with pytest.raises(
            rb.SpecError, match=r"goals \{'scor': 'min'\}: 'scor' is not a metric of this table \(score\)"
        ):
            book.table(rows="method", metric="score", replicate="run", pool="game", goals={"scor": "min"})
        with pytest.raises(rb.SpecError, match=r"goals \{'score': 'lower'\}: use 'max' or 'min'"):
            book.table(rows="method", metric="score", replicate="run", pool="game", goals={"score": "lower"})


# ------------------------------------------------------------------ real published results, from a notebook


TABM_PATTERN = "{model}/**/{phase}/{_:\\d+}/report.json"
TABM_DATASET = "dataset=config.data.path:^data/(?:(?:classif|regression)-[^-]+-[^-]+-[^-]+-)?(.+)$"


def test_tabms_published_table_from_a_notebook(realdata, tmp_path, cli):
    """TabM's paper/README table (mean and std of metrics.test.score over seeds, splits pooled)."""
    import csv

    folder = realdata / "tabm"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    report = rb.collect(folder / "exp", db=tmp_path / "tabm.db", pattern=TABM_PATTERN, derive=[TABM_DATASET])
    assert report.summary_line() == "3096 new, 0 updated, 0 unchanged, 0 problems"
    with rb.open(tmp_path / "tabm.db") as book:
        table = book.table(rows="dataset", metric="metrics.test.score", replicate="config.seed",
                           pool="config.data.path", where={"model": "tabm-sharetrainingbatches",
                           "phase": "0-evaluation"}, digits=6, highlight="none")  # fmt: skip
        frame = table.to_frame()
    with open(folder / "published/tabm_metrics.csv") as handle:
        published = {row["dataset"]: (row["mean"], row["std"]) for row in csv.DictReader(handle)}
    got = {name: (f"{row['mean']:.6f}", f"{row['std']:.6f}") for name, row in frame.iterrows()}
    assert len(got) == 46 and got == {name: published[name] for name in got}
    flags = ["--rows", "dataset", "--metric", "metrics.test.score", "--replicate", "config.seed", "--pool",
             "config.data.path", "--where", "model=tabm-sharetrainingbatches", "--where", "phase=0-evaluation",
             "--digits", "6", "--highlight", "none", "--db", str(tmp_path / "tabm.db")]  # fmt: skip
    assert table.to_markdown() == cli("table", *flags, "--format", "markdown").output


def test_the_iris_papers_atari100k_aggregates_from_a_notebook(realdata, tmp_path):
    """IRIS (ICLR 2023): mean 1.046, median 0.289, IQM 0.501, optimality gap 0.512 of human-normalised scores."""
    scores = realdata / "iris-atari100k"
    (tmp_path / "resultsbook.toml").write_text(
        textwrap.dedent(f"""
        [[sources]]
        path = "{scores}"
        adapter = "records"
        pattern = "{{method:(?!HUMAN|RANDOM)[^/]+}}.json"
        options = {{ task = "game", rename = "seed:run", params = "run" }}

        [normalized.HNS]
        metric = "score"
        task = "game"
        low = "{scores}/RANDOM.json"
        high = "{scores}/HUMAN.json"
        """)
    )
    rb.collect(config=tmp_path / "resultsbook.toml")
    with rb.open(tmp_path / "resultsbook.toml") as book:
        frame = book.table(
            rows="method", metric="HNS", tasks="game", replicate="run", goals={"HNS": "max"}
        ).to_frame()
    iris = frame.loc["IRIS"].xs("value", level="stat").round(3).to_dict()
    assert iris == {"mean": 1.046, "median": 0.289, "iqm": 0.501, "optimality_gap": 0.512}
    assert frame.loc["IRIS", ("mean", "tasks")] == 26


def test_a_series_too_big_for_memory_is_refused_before_it_is_read(book):
    with pytest.raises(
        rb.QueryError,
        match=r"book.series would hold 24 points of 12 runs \(about 2\.3 KiB\), more than "
        r"max_points=10; narrow it with where= or fewer metrics, or pass max_points=24 \(None: no limit\)",
    ):
        book.series("acc", max_points=10)
    assert len(book.series("acc", where={"model": "mlp"}, max_points=12)) == 12
    assert len(book.series("acc", max_points=None)) == 24


def test_the_series_cap_counts_a_derived_metric_by_its_inputs(make_run, tmp_path):
    quickstart(make_run, tmp_path)
    (tmp_path / "resultsbook.toml").write_text('db = "s.db"\n[derived]\nerr = "1 - acc"\n')
    with rb.open(tmp_path / "resultsbook.toml") as book:
        with pytest.raises(rb.QueryError, match=r"book.series would hold 48 points of 12 runs"):
            book.series(["acc", "err"], max_points=47)
        assert len(book.series(["acc", "err"], max_points=48)) == 48


def test_dollar_signs_from_logs_stay_text_in_a_notebook_not_mathjax(make_run, tmp_path):
    make_run("a", {"model": "$\\alpha$ costs $5", "seed": 0}, [{"step": 1, "acc": 0.5}])
    rb.collect(tmp_path / "runs", db=tmp_path / "s.db")
    with rb.open(tmp_path / "s.db") as book:
        html = book.table(rows="model", metric="acc")._repr_html_()
    # Jupyter typesets $...$ in HTML outputs unless told not to (pandas does the same for its frames)
    assert html.startswith('<div class="tex2jax_ignore mathjax_ignore">') and html.endswith("</div>")
    assert "$\\alpha$ costs $5" in html


def test_counts_in_a_task_table_frame_are_whole_numbers(tmp_path):
    atari_like(tmp_path)
    with rb.open(tmp_path / "resultsbook.toml") as book:
        frame = book.table(rows="method", metric="hns", replicate="run", tasks="game").to_frame()
    assert str(frame[("iqm", "tasks")].dtype) == "Int64" and str(frame[("iqm", "n")].dtype) == "Int64"
    assert frame.loc["ours", ("iqm", "tasks")] == 3 and frame.loc["ours", ("iqm", "n")] == 15


def test_a_missing_store_says_how_to_make_it_from_python(tmp_path):
    with pytest.raises(rb.NotFoundError, match=r"no store at .*nope\.db; collect runs into it first: "
                       r"rb\.collect\('runs/', db='.*nope\.db'\)"):  # fmt: skip
        rb.open(tmp_path / "nope.db")


def test_a_misspelt_spec_is_not_found_with_the_one_meant(tmp_path):
    """`rb.open("resultsbok.toml")` was a SpecError with no suggestion, while `resultsbok.db` was a
    NotFoundError naming resultsbook.db: `except rb.NotFoundError` around rb.open missed the first."""
    (tmp_path / "resultsbook.toml").write_text("")
    with pytest.raises(
        rb.NotFoundError, match=r"resultsbok\.toml does not exist; did you mean '.*/resultsbook\.toml'\?$"
    ):
        rb.open(tmp_path / "resultsbok.toml")
    with pytest.raises(rb.NotFoundError, match=r"other\.toml does not exist; check the path of the spec$"):
        rb.collect(config=tmp_path / "other.toml")


def test_an_empty_file_is_never_written_by_opening_it(tmp_path, cli, monkeypatch):
    """`rb.open("notes.txt")` on an empty file made it a 4 KiB store, the first read wrote the schema into it,
    and a table then said a collect was still finding runs: opening only reads."""
    empty = tmp_path / "placeholder.db"
    empty.touch()
    with pytest.raises(rb.NotFoundError, match=r"placeholder\.db is an empty file, not a store \(a collect making "
                       r"it has written nothing yet\?\); rb\.collect\('runs/', db='.*placeholder\.db'\) makes it one$"):  # fmt: skip
        rb.open(empty)
    monkeypatch.chdir(tmp_path)
    result = cli("runs", "--db", "placeholder.db")
    assert result.exit_code != 0 and "placeholder.db is an empty file, not a store" in result.output, (
        result.output
    )
    assert empty.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["placeholder.db"]


def test_a_threshold_of_nan_or_inf_is_refused_as_the_cli_and_the_spec_refuse_it(tmp_path, cli):
    """threshold=float('nan') gave a column of dashes under `γ = nan`, and numpy warnings, where
    `--threshold nan` is refused; TOML reads `optimality_threshold = nan` too."""
    atari_like(tmp_path)
    with rb.open(tmp_path / "resultsbook.toml") as book:
        for value, shown in ((float("nan"), "nan"), (np.float64("inf"), "inf")):
            with pytest.raises(rb.SpecError) as caught:
                book.table(rows="method", metric="hns", replicate="run", tasks="game", threshold=value)
            assert str(caught.value) == f"threshold={shown} must be a finite number, e.g. threshold=1.0"
    spec = tmp_path / "resultsbook.toml"
    text = spec.read_text()
    spec.write_text(text + "optimality_threshold = nan\n")
    result = cli("build")
    assert result.exit_code == 2 and (
        "[tables.agg] optimality_threshold = nan must be a finite number, e.g. optimality_threshold = 1.0"
        in result.output
    ), result.output
    figure = '[figures.eff]\nkind = "efficiency"\nmetric = "hns"\ntasks = "game"\nhue = "method"\n'
    spec.write_text(text + figure + 'optimality_threshold = inf\noutputs = ["eff.pdf"]\n')
    result = cli("build")
    assert result.exit_code == 2 and (
        "[figures.eff] optimality_threshold = inf must be a finite number, e.g. optimality_threshold = 1.0"
        in result.output
    ), result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"ddof": "0"}, r"ddof='0' must be a whole number: give ddof=0, without quotes$"),
        ({"digits": "2"}, r"digits='2' must be a whole number: give digits=2, without quotes$"),
        ({"digits": "two"}, r"digits='two' must be a whole number, e.g. digits=1$"),
        ({"skip_first": 1.5}, r"skip_first=1.5 must be a whole number, e.g. skip_first=1$"),
        ({"expected": "3"}, r"expected='3' must be a whole number: give expected=3, without quotes$"),
        ({"scale": "100"}, r"scale='100' must be a number: give scale=100.0, without quotes$"),
        # an integer too large for a float was an OverflowError out of math.isfinite
        ({"scale": 10**400}, r"scale=1\.00e\+400 must be a finite number, e.g. scale=1\.0$"),
        (  # `replicate` names the keys that tell replicates apart: the count is `expected`
            {"replicate": 5},
            r"replicate=5 must be a name or a list of names, e.g. replicate='seed'; for the number of seeds "
            r"each cell should have, give expected=5$",
        ),
    ],
)
def test_a_number_given_as_text_is_one_error_naming_the_argument(book, arguments, message):
    with pytest.raises(rb.SpecError, match=message):
        book.table(rows="model", metric="acc", **arguments)


def test_numpy_numbers_from_a_frame_make_the_table_python_numbers_make(book, tmp_path):
    """digits=np.int64(2) was taken, then to_markdown, to_frame, to_latex and the notebook's HTML
    raised `TypeError: conversion from numpy.int64 to Decimal`; table.save could not write it."""
    table = book.table(
        rows="model", metric="acc", digits=np.int64(2), expected=np.int64(6), scale=np.float32(100)
    )
    same = book.table(rows="model", metric="acc", digits=2, expected=6, scale=100.0)
    assert table.to_markdown() == same.to_markdown()
    assert table.to_latex() == same.to_latex() and table._repr_html_() == same._repr_html_()
    assert table.to_frame().equals(same.to_frame())
    table.save("t", spec=tmp_path / "resultsbook.toml")
    assert "scale = 100.0\ndigits = 2\n" in (tmp_path / "resultsbook.toml").read_text()


def test_progress_true_is_refused_saying_what_progress_takes(make_run, tmp_path):
    """rb.collect(..., progress=True) raised AttributeError: 'bool' object has no attribute 'start'."""
    make_run("a", {"model": "a", "seed": 0}, [{"step": 1, "acc": 0.5}])
    with pytest.raises(rb.SpecError) as caught:
        rb.collect(tmp_path / "runs", db=tmp_path / "s.db", progress=True)
    assert str(caught.value) == (
        "progress=True must be a progress display, an object with the methods start(total) and advance() "
        "(as the commands' progress bar); leave it out for none"
    )
    assert not (tmp_path / "s.db").exists()
    assert rb.collect(tmp_path / "runs", db=tmp_path / "s.db", progress=False).new == 1
    (tmp_path / "resultsbook.toml").write_text('db = "s.db"\n[tables.t]\nmetric = "acc"\nrows = ["model"]\n')
    with pytest.raises(
        rb.SpecError, match=r"^progress=True must be .* start\(total\), step\(what\) and advance\(\)"
    ):
        rb.build(tmp_path / "resultsbook.toml", progress=True)


def test_no_replicates_expected_is_refused_naming_the_argument(book):
    with pytest.raises(rb.SpecError) as raised:
        book.table(rows="model", metric="acc", expected=0)
    assert str(raised.value) == "expected=0 must be 1 or more (the replicates each cell should have)"


def test_a_negative_scale_is_refused_where_it_would_bold_the_worst_cell(book, tmp_path, cli, monkeypatch):
    """`scale=-1` on a loss (goal min) made the highest loss bold, the note still saying `lower is better`."""
    refused = (
        r"scale = -1 must be positive: a negative scale turns the values over, and which of them is best"
    )
    with pytest.raises(rb.QueryError, match=refused):
        book.table(rows="model", metric="acc", scale=-1)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "resultsbook.toml").write_text('[tables.t]\nmetric = "acc"\nrows = ["model"]\nscale = -100\n')
    result = cli("build")
    assert result.exit_code == 2 and "[tables.t] scale = -100 must be positive" in result.output, (
        result.output
    )


def test_a_budget_is_refused_without_best_mean_and_said_in_the_note_with_it(book, tmp_path, cli):
    """budget=1 beside reduce="last" was read by nothing, the table as if none were given; beside
    best-mean it changed the numbers, and the note under the table never said so."""
    refused = "is the last step best-mean considers, and this table reduces each run with"
    with pytest.raises(rb.SpecError) as caught:
        book.table(rows="model", metric="acc", budget=1)
    assert str(caught.value) == (
        f"budget=1 {refused} reduce='last': ask for best-mean (reduce='best-mean'), or leave it out"
    )
    flags = ("--db", "s.db", "--rows", "model", "--metric", "acc", "--budget", "1")
    result = cli("table", *flags, "--reduce", "max")
    assert result.exit_code == 2 and result.output == (
        f"Error: --budget 1 {refused} --reduce max: ask for best-mean (--reduce best-mean), or leave it out\n"
    )
    (tmp_path / "resultsbook.toml").write_text(
        'db = "s.db"\n[tables.t]\nmetric = "acc"\nrows = ["model"]\nbudget = 1\noutputs = []\n'
    )
    result = cli("build")
    spec_refused = (
        "[tables.t] budget = 1 is the last step best-mean considers, and the table reduces each run with "
        """reduce = 'last': set reduce = "best-mean", or remove budget"""
    )
    assert result.exit_code == 2 and spec_refused in result.output, result.output
    said = "per run: best-mean (first point skipped, up to step 2)."
    table = book.table(rows="model", metric="acc", reduce="best-mean", skip_first=1, budget=2)
    assert said in table.to_text()
    assert said in cli("table", *flags[:-1], "2", "--reduce", "best-mean", "--skip-first", "1").output


def test_a_metric_listed_twice_gives_its_points_once_and_a_non_name_is_refused(book):
    """`series(["acc", "acc"])` gave every point twice (a run's std and count changed with it);
    `metric=[{"name": "acc", "reduce": "max"}]` (a spec's `metrics` shape) was looked up as its str()."""
    once = book.series(["acc"])
    assert book.series(["acc", "acc"]).equals(once) and not once.empty
    with pytest.raises(rb.SpecError, match=r"^metric=\[\{'name': 'acc', 'reduce': 'max'\}\]: \{'name': 'acc', "
                       r"'reduce': 'max'\} is not a name; list names as text, e.g. metric='val/acc'$"):  # fmt: skip
        book.table(rows="model", metric=[{"name": "acc", "reduce": "max"}])
    with pytest.raises(rb.SpecError, match=r"^metrics=\['acc', None\]: None is not a name"):
        book.runs(metrics=["acc", None])


def test_series_without_a_metric_is_one_error(book):
    for empty in (None, [], ""):
        with pytest.raises(
            rb.SpecError,
            match=r"series needs a metric: book.series\('val/acc'\); book.metrics\(\) lists them",
        ):
            book.series(empty)


def test_d3rlpys_published_d4rl_table_from_a_notebook_frame(realdata, tmp_path):
    """d3rlpy's benchmark page: mean and population std over 10 seeds of each run's final and best return."""
    import csv

    rb.collect(realdata / "d3rlpy-d4rl/runs", db=tmp_path / "d4rl.db", options={"columns": ["epoch", "step", "return"]},
               pattern="{algo_dir}/{algo}_{env}-{dataset}_{seed}_{timestamp}/environment.csv")  # fmt: skip
    display = {"TD3PlusBC": "TD3+BC", "PLASWithPerturbation": "PLAS+P"}
    long_runs = ["PLAS", "PLASWithPerturbation"]  # 1000 evaluations: the published best counts the last 500
    with rb.open(tmp_path / "d4rl.db") as book:
        keys = {"rows": ["algo", "env", "dataset"], "metric": "return", "ddof": 0}
        final = book.table(**keys).to_frame()
        best = pd.concat([
            book.table(**keys, reduce="max", skip_first=1, where=f"algo!={','.join(long_runs)}").to_frame(),
            book.table(**keys, reduce="max", skip_first=500, where={"algo": long_runs}).to_frame(),
        ])  # fmt: skip
    with open(realdata / "d3rlpy-d4rl/published/d4rl_table.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(final) == len(best) == 149
    for frame, mean, std in ((final, "final return", "final std"), (best, "best return", "best std")):
        got = {
            (display.get(a, a), e, d): (f"{row['mean']:.1f}", f"{row['std']:.1f}")
            for (a, e, d), row in frame.iterrows()
        }
        assert got == {(r["algo"], r["env"], r["dataset"]): (r[mean], r[std]) for r in rows}
        assert set(frame["n"]) == {10}


# ------------------------------------------------------------------ the wrong kind of argument, a closed book


def test_a_closed_book_is_one_error_saying_to_open_it_again(book):
    path = book.path
    book.close()
    calls = [
        book.runs, book.metrics, book.problems, lambda: book.series("acc"),
        lambda: book.table(rows="model", metric="acc"),
    ]  # fmt: skip
    for call in calls:
        with pytest.raises(
            rb.StoreError, match=rf"^this book is closed; open the store again: rb\.open\('{path}'\)$"
        ):
            call()
    assert repr(book) == f"<resultsbook.Book {path}: closed>"
    book.close()  # closing twice is no error


def test_book_table_given_a_spec_tables_name_points_to_spec_table(tmp_path):
    """A stranger wrote book.table("main") as `resultsbook table main` takes it (an SB3 tree,
    github.com/eliamounier/Deep_RL) and was told only that a table needs a metric."""
    atari_like(tmp_path)
    (tmp_path / "resultsbook.toml").write_text(
        (tmp_path / "resultsbook.toml").read_text() + '\n[tables.main]\nmetric = "hns"\nrows = ["method"]\n'
    )
    with rb.open(tmp_path / "resultsbook.toml") as book:
        for typed in ("main", "mian"):
            with pytest.raises(rb.SpecError) as caught:
                book.table(typed)
            assert str(caught.value) == (
                "book.table takes rows and a metric; the table 'main' of resultsbook.toml is book.spec_table('main')"
            )
        with pytest.raises(rb.SpecError, match=r"^a table needs a metric"):
            book.table("method")


def test_a_closed_spec_book_says_so_for_its_spec_tables(tmp_path):
    atari_like(tmp_path)
    (tmp_path / "resultsbook.toml").write_text(
        (tmp_path / "resultsbook.toml").read_text() + '\n[tables.t]\nmetric = "hns"\nrows = ["method"]\n'
    )
    with rb.open(tmp_path / "resultsbook.toml") as book:
        assert book.spec_table("t").to_frame().shape[0] == 2
    # the store alone, as it said, was a book without the spec: book.spec_table("t") then refused
    spec = str(tmp_path / "resultsbook.toml")
    for call in (lambda: book.spec_table("t"), book.runs):
        with pytest.raises(rb.StoreError) as caught:
            call()
        assert str(caught.value) == f"this book is closed; open it again with its spec: rb.open({spec!r})"
    with rb.open(spec) as again:
        assert again.spec_table("t").to_frame().shape[0] == 2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda b, p: rb.open([str(b.path)]),
            r"^path=\[.*\] is not a path; give one, as a str or a pathlib\.Path",
        ),
        (lambda b, p: rb.collect(p / "runs", db=[str(b.path)]), r"^db=\[.*\] is not a path; give one"),
        (lambda b, p: rb.collect([p / "runs", 3]), r"^paths=.* holds 3, which is not a path"),
        (
            lambda b, p: rb.collect(p / "runs", adapter=["native"]),
            r"^adapter=\['native'\] must be one name, e\.g\. adapter='csv'$",
        ),
        (
            lambda b, p: rb.collect(p / "runs", options="columns=a,b"),
            r"^options='columns=a,b' must be a mapping, e\.g\. options=\{'columns': \['epoch', 'step', 'return'\]\}$",
        ),
        (
            lambda b, p: rb.collect(p / "runs", params=["lr=1"]),
            r"^params=\['lr=1'\] must be a mapping, e\.g\. params=\{'dataset': 'cifar10'\}$",
        ),
        (lambda b, p: rb.build(p / "resultsbook.toml", db=3), r"^db=3 is not a path"),
        (
            lambda b, p: b.runs(metrics=p / "acc"),
            r"^metrics=PosixPath\(.*\) must be a name or a list of names, e\.g\. metrics=\['val/acc', 'test/acc'\]$",
        ),
        (lambda b, p: b.series(7), r"^metrics=7 must be a name or a list of names"),
        (
            lambda b, p: b.table(rows="model", metric=p / "acc"),
            r"^metric=PosixPath\(.*\) must be a name or a list of names",
        ),
        (lambda b, p: b.table(rows=3, metric="acc"), r"^rows=3 must be a name or a list of names"),
        (
            lambda b, p: b.spec_table(["t"]),
            r"^spec_table takes one table's name, e\.g\. book\.spec_table\('table1'\); it was given \['t'\]$",
        ),
        (
            lambda b, p: b.table(rows="model", metric="acc", reduce=["max"]),
            r"^reduce=\['max'\] must be one name, e\.g\. reduce='last'$",
        ),
        (lambda b, p: b.runs(reduce=["max"]), r"^reduce=\['max'\] must be one name"),
        (
            lambda b, p: b.table(rows="model", metric="acc", labels=["Model"]),
            r"^labels=\['Model'\] must be a mapping, e\.g\. labels=\{'model': 'Model'",
        ),
        (
            lambda b, p: b.table(rows="model", metric="err", derived=["err=1-acc"]),
            r"^derived=\['err=1-acc'\] must be a mapping",
        ),
        (
            lambda b, p: b.table(rows="model", metric="acc", goals="max"),
            r"^goals='max' must be a mapping, e\.g\. goals=\{'val/loss': 'min'\}$",
        ),
        (lambda b, p: b.series("acc", max_points="100"), r"^max_points='100' must be a whole number"),
        (lambda b, p: rb.collect([], db=p / "s.db"), r"^paths=\[\] names no path; give one or several"),
        (lambda b, p: rb.open(""), r"^path='' names no path; give one: path='resultsbook\.db'$"),
        (
            lambda b, p: rb.build(p / "runs"),
            r"runs holds no resultsbook\.toml; pass the spec: config='path/to/resultsbook\.toml'$",
        ),
    ],
)
def test_an_argument_of_the_wrong_kind_is_one_error_naming_it(book, tmp_path, call, message):
    (tmp_path / "resultsbook.toml").write_text(
        '[tables.t]\nmetric = "acc"\nrows = ["model"]\noutputs = ["t.md"]\n'
    )
    with pytest.raises(rb.SpecError, match=message):
        call(book, tmp_path)


def test_a_path_works_where_a_pattern_is_taken_and_a_str_where_a_list_is(make_run, tmp_path):
    from pathlib import Path

    for seed in range(2):
        make_run(
            f"mlp_{seed}",
            {"model": "mlp", "seed": seed, "data": f"/d/moons-{seed}"},
            [{"step": 1, "acc": 0.5}],
        )
    report = rb.collect(tmp_path / "runs", db=tmp_path / "s.db", pattern=Path("{name}/metrics.jsonl"),
                        derive="dataset=data:/d/([a-z]+)")  # fmt: skip
    assert report.new == 2 and not report.problems
    with rb.open(tmp_path / "s.db") as book:
        assert set(book.runs()["params.dataset"]) == {"moons"}
    (tmp_path / "resultsbook.toml").write_text(
        'db = "s.db"\n[tables.a]\nmetric = "acc"\nrows = ["model"]\noutputs = ["a.md"]\n'
        '[tables.b]\nmetric = "acc"\nrows = ["model"]\noutputs = ["b.md"]\n'
    )
    report = rb.build(tmp_path / "resultsbook.toml", tables="a")  # one name, not the letters of one
    assert [Path(path).name for path in report.written] == ["a.md"]
    report = rb.build(tmp_path, tables=["b"])  # the spec's folder, as rb.open takes it
    assert [Path(path).name for path in report.written] == ["b.md"]


def test_a_misspelt_task_key_is_one_error_naming_tasks(tmp_path, cli):
    atari_like(tmp_path)
    with (
        rb.open(tmp_path / "resultsbook.toml") as book,
        pytest.raises(
            rb.QueryError, match=r"^tasks 'gmae' is not a param of any run; did you mean 'game'\?$"
        ),
    ):
        book.table(rows="method", metric="hns", replicate="run", tasks="gmae")


def test_a_misspelt_store_path_suggests_the_store_beside_it_not_a_new_one(book, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(rb.NotFoundError, match=r"^no store at s\.bd; did you mean 's\.db'\?"):
        rb.open("s.bd")
    (tmp_path / "resultsbook.toml").write_text("")
    with pytest.raises(
        rb.NotFoundError, match=r"^no store at resultsbook\.tom; did you mean 'resultsbook\.toml'\?"
    ):
        rb.open("resultsbook.tom")
    with pytest.raises(
        rb.NotFoundError, match=r"^no store at nowhere/s\.db: there is no folder nowhere; check the path$"
    ):
        rb.open("nowhere/s.db")
    with pytest.raises(
        rb.NotFoundError, match=r"^no store at nowhere/: there is no folder nowhere/; check the path$"
    ):
        rb.open("nowhere/")
    with pytest.raises(
        rb.NotFoundError,
        match=r"^no store at new\.db; collect runs into it first: rb\.collect\('runs/', db='new\.db'\)$",
    ):
        rb.open("new.db")


def test_a_spec_whose_store_is_not_collected_yet_says_to_collect_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fresh").mkdir()
    (tmp_path / "fresh" / "resultsbook.toml").write_text('[[sources]]\npath = "runs"\n')
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "resultsbook.toml").write_text("")
    store = tmp_path / "fresh" / "resultsbook.db"
    for given in ("fresh/resultsbook.toml", "fresh"):
        with pytest.raises(rb.NotFoundError) as raised:
            rb.open(given)
        assert str(raised.value) == (
            f"no store at {store} yet: collect the spec's [[sources]] into it first: "
            "rb.collect(config='fresh/resultsbook.toml')"
        )
    monkeypatch.chdir(tmp_path / "fresh")
    with pytest.raises(rb.NotFoundError) as raised:
        rb.open()
    assert str(raised.value).endswith(": rb.collect()")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(rb.NotFoundError) as raised:
        rb.open("bare/resultsbook.toml")
    assert str(raised.value) == (
        f"no store at {tmp_path / 'bare' / 'resultsbook.db'} yet, and bare/resultsbook.toml has no "
        "[[sources]]: collect the runs into it first: rb.collect('runs/', config='bare/resultsbook.toml')"
    )


def test_a_misspelt_db_flag_suggests_the_store_beside_it_too(book, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("runs", "--db", "s.bd")
    assert result.exit_code == 1 and result.output == "Error: no store at s.bd; did you mean 's.db'?\n"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda book: book.table(rows="model", metirc="acc"),
            r"book\.table\(\) has no argument metirc=; did you mean metric=\?$",
        ),
        (
            lambda book: book.runs(wher={"model": "mlp"}),
            r"book\.runs\(\) has no argument wher=; did you mean where=\?$",
        ),
        (
            lambda book: book.series(metric="acc"),
            r"book\.series\(\) has no argument metric=; did you mean metrics=\?$",
        ),
        (
            lambda book: book.table(rows="model", metric="acc").save(nmae="main"),
            r"table\.save\(\) has no argument nmae=; did you mean name=\?$",
        ),
        (
            lambda book: rb.collect(paht="runs/"),
            r"rb\.collect\(\) has no argument paht=; did you mean paths=\?$",
        ),
        (
            lambda book: rb.build(tabels="main"),
            r"rb\.build\(\) has no argument tabels=; did you mean tables=\?$",
        ),
        (
            lambda book: book.table(rows="model", zzz=1),
            r"no argument zzz=; it takes rows=, columns=, metric=, .*versus=, order=$",
        ),
        (
            lambda book: book.table(metric="acc"),
            r"book\.table\(\): missing a required argument: 'rows'; give rows=$",
        ),
    ],
)
def test_a_misspelt_keyword_argument_is_one_error_naming_the_one_meant(book, call, message):
    with pytest.raises(rb.SpecError, match=message):
        call(book)


def test_a_boolean_mask_as_where_is_one_line_saying_how_to_select_its_runs(book):
    runs = book.runs()
    mask = runs["params.seed"] > 0
    with pytest.raises(rb.SpecError) as raised:
        book.table(rows="model", metric="acc", where=mask)
    message = str(raised.value)
    assert message.startswith("where=<pandas Series of shape (12,)> is not understood; give a mapping")
    assert "\n" not in message
    assert message.endswith("pass their ids: where={'run_id': runs.loc[mask, 'run_id']}")
    assert len(book.runs(where={"run_id": runs.loc[mask, "run_id"]})) == 8  # the fix it gives works


def test_a_highlight_no_key_has_is_refused_by_book_table_not_when_the_notebook_shows_it(book):
    with pytest.raises(
        rb.RenderError,
        match=r"highlight 'rows' is not column, row, none or one of the keys model, dataset; did you mean 'row'\?",
    ):
        book.table(rows="model", columns="dataset", metric="acc", highlight="rows")
    assert (
        "<table" in book.table(rows="model", columns="dataset", metric="acc", highlight="model")._repr_html_()
    )


@pytest.mark.parametrize(
    "labels", [{"model": {"values": {"mlp": "MLP"}}}, {"values": {"model": {"mlp": "MLP"}}}]
)
def test_a_label_that_is_not_text_is_refused_rather_than_printed_as_a_dict(book, labels):
    with pytest.raises(
        rb.SpecError,
        match=r"must be text; labels=\{'model': 'Model'\} names a key, labels=\{'model': \{'mlp': 'MLP'\}\} its values",
    ):
        book.table(rows="model", metric="acc", labels=labels)


def test_filters_joined_by_commas_are_refused_with_each_given_apart(book, cli):
    """A stranger's `runs --where env=LunarLanderContinuous-v3,algo=PPO,seed=20` (an SB3 tree,
    github.com/eliamounier/Deep_RL) listed every run of that env: 'algo=PPO' and 'seed=20' were read
    as two more values of env."""
    result = cli("runs", "--db", "s.db", "--where", "dataset=moons,model=mlp,seed=1")
    assert result.exit_code != 0
    assert result.output.strip() == (
        "Error: filter dataset=moons,model=mlp,seed=1: 'model=mlp', 'seed=1' read as values of dataset, not "
        "filters of their own (a comma lists one key's values: model=mlp,cnn); give each its own: "
        "--where dataset=moons --where model=mlp --where seed=1"
    )
    with pytest.raises(rb.QueryError, match=r"give each its own: where=\['dataset=moons', 'model=mlp'\]$"):
        book.runs(where="dataset=moons,model=mlp")
    assert len(book.runs(where="model=mlp,logreg")) == 12  # a list of one key's values, as before


def test_a_threshold_without_tasks_is_refused_where_it_is_given(book, cli):
    """threshold=0.8 without tasks drew a table that ignored it; its save then failed naming a temporary
    spec file (`.resultsbook-save-….toml: [tables.thr] optimality_threshold needs tasks`)."""
    with pytest.raises(rb.SpecError) as caught:
        book.table(rows="model", metric="acc", threshold=0.8)
    assert str(caught.value) == (
        "threshold=0.8 needs tasks='KEY' (the param naming the tasks): the optimality gap is over tasks"
    )
    result = cli("table", "--db", "s.db", "--rows", "model", "--metric", "acc", "--threshold", "0.8")
    assert result.exit_code == 2 and result.output == (
        "Error: --threshold 0.8 needs --tasks KEY (the param naming the tasks): the optimality gap is over tasks\n"
    )
