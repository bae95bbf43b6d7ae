"""An error speaks its reader's language: through `import resultsbook as rb` it names the keyword
arguments a notebook passes (`pattern=`, `db=`, `rows=`...), through the command line the flags
(`--pattern`, `--db`, `--rows`...) as it always has."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

import resultsbook as rb

FLAG = re.compile(r"(?<![\w-])--[a-z]")  # a command-line flag, as `--db` or `--pattern`


def headerless_runs(root):
    """Write three d3rlpy-like runs: runs/<algo>/<algo>_<seed>/environment.csv, CSV without a header."""
    for algo, seed in [("bcq", 0), ("bcq", 1), ("cql", 0)]:
        run = root / "runs" / algo / f"{algo}_{seed}"
        run.mkdir(parents=True)
        (run / "environment.csv").write_text("1,1000,5.5\n2,2000,6.5\n")


def test_a_tree_no_adapter_claims_suggests_pattern_keywords_from_python_and_flags_from_the_cli(tmp_path, cli):
    headerless_runs(tmp_path)
    with pytest.warns(rb.NotFoundWarning, match=r"^no runs found under .* read them with pattern="):
        report = rb.collect(tmp_path / "runs", db=tmp_path / "s.db")
    assert report.notes == (
        f"no runs found under {tmp_path / 'runs'} (every installed adapter, no pattern=); it holds 3 file(s) "
        "named environment.csv (e.g. bcq/bcq_0/environment.csv) that no adapter claims by name: read them "
        "with pattern='**/environment.csv', or pattern='{group}/{run}/environment.csv' to make the folders "
        "params (see `resultsbook adapters` for the formats read without a pattern)",
    )
    assert (
        "--pattern '**/environment.csv', or --pattern '{group}/{run}/environment.csv'"
        in cli("collect", "runs").output
    )


def test_a_misspelt_pattern_names_the_pattern_argument(tmp_path, cli):
    headerless_runs(tmp_path)
    with pytest.warns(rb.NotFoundWarning, match=r"no path there matches pattern="):
        report = rb.collect(tmp_path / "runs", db=tmp_path / "s.db", pattern="{algo}/{run}/enviroment.csv")
    assert report.new == 0 and len(report.notes) == 1
    assert "no path there matches pattern='{algo}/{run}/enviroment.csv' (" in report.notes[0]
    assert not FLAG.search(report.notes[0])
    result = cli("collect", "runs", "--pattern", "{algo}/{run}/enviroment.csv")
    assert "no path there matches --pattern '{algo}/{run}/enviroment.csv' (" in result.output


def test_a_folder_no_adapter_reads_names_the_adapter_and_pattern_arguments(tmp_path, cli):
    (tmp_path / "empty").mkdir()
    with pytest.warns(rb.NotFoundWarning, match=r"or point pattern= at the log files; the store was left"):
        report = rb.collect(tmp_path / "empty", db=tmp_path / "s.db")
    assert report.notes == (
        f"no runs found under {tmp_path / 'empty'} (every installed adapter, no pattern=); name the format "
        "with adapter= (see `resultsbook adapters`), or point pattern= at the log files",
    )


def test_a_headerless_csv_says_how_to_name_its_columns_from_python(tmp_path, cli):
    headerless_runs(tmp_path)
    report = rb.collect(tmp_path / "runs", db=tmp_path / "s.db", pattern="{algo}/{run}/environment.csv")
    assert {problem.message for problem in report.problems} == {
        "has no header line and no column names were given (fix: options={'columns': ['a', 'b', 'c']})"
    }
    cli_problems = cli(
        "collect", "runs", "--db", "cli.db", "--pattern", "{algo}/{run}/environment.csv"
    ).output
    assert "(fix: --columns a,b,c)" in cli_problems


def test_an_option_no_adapter_has_names_the_adapter_argument(tmp_path):
    headerless_runs(tmp_path)
    with pytest.raises(
        rb.AdapterError,
        match=r"^no adapter has an option 'colums' \(did you mean 'columns'\?\); name the adapter with adapter= "
        r"and see `resultsbook "
        r"adapters` for each one's options$",
    ):
        rb.collect(tmp_path / "runs", db=tmp_path / "s.db", options={"colums": ["epoch", "step", "return"]})


def test_a_table_without_rows_names_the_rows_argument(tmp_path):
    headerless_runs(tmp_path)
    rb.collect(tmp_path / "runs", db=tmp_path / "s.db", pattern="{algo}/{algo}_{seed}/environment.csv",
               options={"columns": ["epoch", "step", "return"]})  # fmt: skip
    with rb.open(tmp_path / "s.db") as book:
        for rows in ("", []):
            with pytest.raises(rb.QueryError, match=r"^a table needs at least one row key \(rows=\)$"):
                book.table(rows=rows, metric="return")
        with pytest.raises(rb.QueryError, match=r"a metric is shown as the table's metric \(metric=\)$"):
            book.table(rows="return", metric="return")


def test_a_store_that_is_not_an_sqlite_file_names_the_db_argument(tmp_path, cli):
    (tmp_path / "results.csv").write_text("a,b\n1,2\n")
    (tmp_path / "runs").mkdir()
    message = (
        r"^.*results\.csv is not a resultsbook store \(it is not an SQLite file\); point db= at the store"
    )
    with pytest.raises(rb.StoreError, match=message):
        rb.collect(tmp_path / "runs", db=tmp_path / "results.csv")
    assert "point --db at the store" in cli("runs", "--db", "results.csv").output


def test_a_file_opened_that_is_no_store_says_to_pass_rb_open_the_store(tmp_path):
    (tmp_path / "train.py").write_text("print('training')\n")
    sqlite3.connect(tmp_path / "other.db").execute("CREATE TABLE trials (id INTEGER)").connection.commit()
    with pytest.raises(rb.StoreError) as raised:
        rb.open(tmp_path / "train.py")
    assert str(raised.value) == (
        f"{tmp_path / 'train.py'} is not a resultsbook store (it is not an SQLite file); pass rb.open the "
        "store or its spec: rb.open('path/to/resultsbook.db') (the file was left as it is)"
    )
    with pytest.raises(rb.StoreError) as raised:
        rb.open(tmp_path / "other.db")
    assert str(raised.value).endswith(
        "(an SQLite database of other tables: trials); pass rb.open the store or its spec: "
        "rb.open('path/to/resultsbook.db') (the file was left as it is)"
    )


def test_building_into_a_missing_store_says_how_to_collect_into_it_from_python(tmp_path):
    (tmp_path / "resultsbook.toml").write_text(
        '[tables.t]\nmetric = "acc"\nrows = ["model"]\noutputs = ["t.md"]\n'
    )
    missing = tmp_path / "none.db"
    with pytest.raises(rb.NotFoundError) as raised:
        rb.build(tmp_path / "resultsbook.toml", db=missing)
    assert (
        str(raised.value)
        == f"no store at {missing}; collect runs into it first: rb.collect('runs/', db='{missing}')"
    )


def test_a_store_left_empty_while_a_collect_is_planning_says_a_collect_is_under_way(tmp_path, cli):
    """The collect's progress starts once it has planned, before it writes a run: the store is there,
    empty, as a cold collect of a large tree leaves it for seconds."""
    headerless_runs(tmp_path)
    seen = {}

    class ReadWhilePlanned:
        def start(self, total):
            with rb.open(tmp_path / "s.db") as book:
                seen["runs"] = len(book.runs())
                with pytest.raises(rb.NotFoundError) as raised:
                    book.table(rows="algo", metric="return")
                seen["api"] = str(raised.value)
            seen["cli"] = cli("table", "--db", "s.db", "--rows", "algo", "--metric", "return").output

        def advance(self):
            pass

    rb.collect(tmp_path / "runs", db=tmp_path / "s.db", pattern="{algo}/{algo}_{seed}/environment.csv",
               options={"columns": ["epoch", "step", "return"]}, progress=ReadWhilePlanned())  # fmt: skip
    assert seen["runs"] == 0
    under_way = (
        "the store holds no runs yet: the collect that made it is still finding them, or was stopped "
        "before it wrote any; try again once it has written some, or collect them: "
    )
    assert seen["api"] == under_way + f"rb.collect('runs/', db='{tmp_path / 's.db'}')"  # the store collected
    assert seen["cli"] == "Error: " + under_way + "resultsbook collect PATH --db s.db\n"  # the store given


def test_a_json_table_holds_its_notes_in_the_command_lines_words_whoever_builds_it(make_run, tmp_path, cli):
    for seed in range(2):
        make_run(f"a{seed}", {"model": "a", "seed": seed}, [{"step": 1, "acc": 0.5}])
    # a split only runs of model b have: the table of model a pools a param none of its runs has
    make_run("b", {"model": "b", "seed": 0, "split": 1}, [{"step": 1, "acc": 0.5}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "acc"\ngoal = "max"\nrows = ["model"]\n'
        'pool = ["split"]\nwhere = { model = "a" }\noutputs = ["t.json"]\n'
    )
    rb.collect(config=tmp_path / "resultsbook.toml")
    rb.build(tmp_path / "resultsbook.toml")
    check = cli("check")
    assert check.exit_code == 0, check.output  # the file rb.build wrote is what `resultsbook build` writes
    with rb.open(tmp_path / "resultsbook.toml") as book:
        table = book.table(rows="model", metric="acc", pool="split", where={"model": "a"})
    assert table.notes == ("no run has the pooled param 'split'; check its name (`book.runs()`)",)
    flags = ["--rows", "model", "--metric", "acc", "--pool", "split", "--where", "model=a"]
    assert (
        json.loads(table.to_json())["notes"]
        == json.loads(cli("table", *flags, "--format", "json").stdout)["notes"]
    )


def test_runs_left_out_without_a_value_point_at_book_problems_from_python_and_the_command_from_the_cli(
    make_run, tmp_path, cli
):
    make_run("a0", {"model": "a", "seed": 0}, [{"step": 1, "acc": 0.5}])
    make_run("a1", {"model": "a", "seed": 1}, [{"step": 1, "loss": 0.5}], {"status": "failed"})
    rb.collect(tmp_path / "runs", db=tmp_path / "s.db")
    with rb.open(tmp_path / "s.db") as book:
        table = book.table(rows="model", metric="acc")
    refused = "names any value collect refused"
    assert table.notes[-1].endswith(f"; `book.problems()` {refused}")
    assert json.loads(table.to_json())["notes"][-1].endswith(
        f"; `resultsbook problems` {refused}"
    )  # as files hold it
    assert (
        f"; `resultsbook problems --db s.db` {refused}"  # the store it was given, not the default one
        in cli("table", "--db", "s.db", "--rows", "model", "--metric", "acc").output
    )


def messages_naming_flags(package):
    """Yield (file:line, text) of every error, problem and note below the command line whose literal
    text names a flag: the Python API reaches them too."""
    import ast

    def literal(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(literal(value) for value in node.values)
        if isinstance(node, ast.BinOp):
            return literal(node.left) + literal(node.right)
        return ""

    for path in sorted(package.rglob("*.py")):
        if "cli" in path.relative_to(package).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name.endswith("Error") or name in ("Problem", "append"):
                for argument in node.args:
                    text = literal(argument)
                    if FLAG.search(text):
                        yield f"{path.relative_to(package.parent)}:{node.lineno}", text


def test_no_message_below_the_command_line_names_a_flag_by_hand():
    from conftest import ROOT

    assert list(messages_naming_flags(ROOT / "resultsbook")) == []


def test_a_collect_of_several_empty_folders_warns_in_python_words(tmp_path, cli):
    """The sentence `resultsbook collect` fails with, when no note says it for every path, was the
    command line's alone; `rb.collect` warns it with the arguments' names."""
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    with pytest.warns(rb.NotFoundWarning) as warned:
        rb.collect([tmp_path / "a", tmp_path / "b"], db=tmp_path / "s.db")
    assert str(warned[0].message) == (
        f"no runs found under {tmp_path / 'a'}, {tmp_path / 'b'} (every installed adapter, no pattern=); name "
        "the format with adapter= (see `resultsbook adapters`), or point pattern= at the log files; the store "
        "was left as it was"
    )
    assert not FLAG.search(str(warned[0].message))
    failed = cli("collect", "a", "b")
    assert failed.exit_code == 1 and "Warning" not in failed.output
    assert "(every installed adapter, no --pattern); name the format with --adapter (see" in failed.output


def test_the_settings_hint_for_a_metrics_csv_names_the_csv_adapter_it_takes(tmp_path, cli):
    """A folder per run holding metrics.csv and params.json (no hparams.yaml: a script's own CSV
    writer, not Lightning's CSVLogger; a made-up tree of that shape). The hint said
    `options={'config': 'params.json'} adds the settings beside them`, but with a pattern Lightning's
    adapter reads every metrics.csv and has no config option: following the hint gave runs without
    their settings, and a note saying to name the adapter."""
    for index, model in enumerate(("mlp", "cnn", "mlp")):
        run = tmp_path / "runs" / f"r{index}"
        run.mkdir(parents=True)
        (run / "params.json").write_text(json.dumps({"model": model, "seed": index}))
        (run / "metrics.csv").write_text("step,val/acc\n0,0.5\n1,0.6\n")
    with pytest.warns(rb.NotFoundWarning) as warned:
        rb.collect(tmp_path / "runs", db=tmp_path / "s.db")
    hint = "pattern='r{r}/metrics.csv' to make the folders params; adapter='csv', options={'config': 'params.json'} "
    assert hint + "adds the settings beside them" in str(warned[0].message)
    assert "--adapter csv -o config=params.json adds the settings" in cli("collect", "runs").output
    report = rb.collect(
        tmp_path / "runs", db=tmp_path / "s.db", pattern="r{r}/metrics.csv", adapter="csv",
        options={"config": "params.json"},
    )  # fmt: skip
    assert report.new == 3 and not report.notes
    with rb.open(tmp_path / "s.db") as book:
        assert sorted(book.runs()["params.model"]) == ["cnn", "mlp", "mlp"]
