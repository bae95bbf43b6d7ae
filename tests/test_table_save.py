"""`table --save NAME`: the table explored with flags becomes a table of the spec, which builds the same
table; a name, a file or a store that would make it otherwise is refused, and the spec is left as it was."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest
from conftest import ROOT, write_native_run

from resultsbook.spec.toml_text import entry_text, value_text

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

QUICKSTART = ROOT / "examples" / "quickstart"
SWEEP = ("--rows", "model", "--columns", "dataset", "--metric", "acc")


@pytest.fixture
def runs(tmp_path):
    """Two models on two datasets, three seeds each, and no spec: a stranger's collected tree."""
    for model, base in (("mlp", 0.8), ("cnn", 0.9)):
        for dataset in ("a", "b"):
            for seed in range(3):
                config = {"model": model, "dataset": dataset, "seed": seed, "lr": 0.1}
                points = [
                    {"step": step, "acc": base - 0.1 * (dataset == "b") + 0.01 * seed * step}
                    for step in (1, 2)
                ]
                write_native_run(tmp_path / "runs" / f"{model}_{dataset}_{seed}", config, points)
    return tmp_path


def test_a_table_saved_without_a_spec_starts_one_that_builds_it(runs, cli):
    assert cli("collect", "runs").exit_code == 0
    shown = cli("table", *SWEEP, "--stat", "median,iqr", "--label", "model:cnn=CNN")
    saved = cli("table", *SWEEP, "--stat", "median,iqr", "--label", "model:cnn=CNN", "--save", "main")
    assert saved.exit_code == 0, saved.output
    assert saved.stdout == shown.stdout  # the table is printed as without --save
    assert (
        "Saved as [tables.main] in a new resultsbook.toml with [[sources]] from the last collect of runs/: "
        "`resultsbook build` writes results/main.tex" in (saved.stderr)
    )
    assert (runs / "resultsbook.toml").read_text() == (
        "[[sources]]\n"
        'path = "runs"\n'
        "\n"
        "[tables.main]\n"
        'rows = ["model"]\n'
        'columns = ["dataset"]\n'
        'metric = "acc"\n'
        'center = "median"\n'
        'spread = "iqr"\n'
        'labels = { values = { model = { cnn = "CNN" } } }\n'
        'outputs = ["results/main.tex"]\n'
    )
    assert cli("build").exit_code == 0
    assert cli("check").exit_code == 0
    latex = (runs / "results" / "main.tex").read_text()
    assert "CNN" in latex and "[q25, q75]" not in latex  # the spec's own LaTeX of the same table
    assert cli("explain", "main", "model=cnn,dataset=a").exit_code == 0


def test_a_table_saved_beside_runs_collected_from_results_is_written_outside_them(tmp_path, cli):
    """dna-nn-theory keeps its runs in results/ (`<model>-<dataset>-accuracy.csv`): the saved table and
    build's lock went into results/, among the logs the spec's [[sources]] collects."""
    (tmp_path / "results").mkdir()
    for model in ("cnn", "rnn"):
        for dataset in ("histone", "splice"):
            (tmp_path / "results" / f"{model}-{dataset}-accuracy.csv").write_text("test_accuracy\n0.8\n")
    assert cli("collect", "results", "--pattern", "{model}-{dataset}-accuracy.csv").exit_code == 0
    saved = cli("table", "--rows", "model", "--columns", "dataset", "--metric", "test_accuracy", "--save", "t1")
    assert saved.exit_code == 0, saved.output
    assert "`resultsbook build` writes paper/results/t1.tex" in saved.stderr
    assert 'outputs = ["paper/results/t1.tex"]' in (tmp_path / "resultsbook.toml").read_text()
    assert cli("build").exit_code == 0
    assert sorted(path.name for path in (tmp_path / "results").iterdir() if not path.name.endswith(".csv")) == []


def test_a_table_saved_into_the_quickstart_spec_goes_beside_its_tables_and_keeps_the_spec_as_it_was(
    tmp_path, monkeypatch
):
    project = tmp_path / "project"
    shutil.copytree(QUICKSTART, project, ignore=shutil.ignore_patterns("runs", "*.db*", "results"))
    subprocess.run([sys.executable, "train.py"], cwd=project, check=True, capture_output=True)
    monkeypatch.chdir(project)
    before = (project / "resultsbook.toml").read_text()
    from click.testing import CliRunner

    from resultsbook.cli import cli

    runner = CliRunner()
    assert runner.invoke(cli, ["collect", "runs"]).exit_code == 0
    flags = ["table", "--rows", "model", "--columns", "dataset", "--metric", "val/acc", "--reduce", "max"]
    saved = runner.invoke(cli, [*flags, "--where", "seed<3", "--save", "peak"])
    assert saved.exit_code == 0, saved.output
    assert "MLP (16 hidden)" in saved.stdout  # the spec's labels, as `table` uses them
    after = (project / "resultsbook.toml").read_text()
    assert after.startswith(before) and after[len(before) :] == (
        "\n[tables.peak]\n"
        'rows = ["model"]\n'
        'columns = ["dataset"]\n'
        'metric = "val/acc"\n'
        'where = ["seed<3"]\n'
        'reduce = "max"\n'
        'outputs = ["paper/results/peak.tex"]\n'
    )
    assert runner.invoke(cli, ["build"]).exit_code == 0
    assert (project / "paper" / "results" / "peak.tex").is_file()


@pytest.mark.parametrize(
    ("setup", "flags", "message"),
    [
        (
            "taken",
            ("--save", "main"),
            "Error: resultsbook.toml has a [tables.main] already; pick another name for --save",
        ),
        (
            "file",
            ("--save", "other"),
            "Error: --save: results/other.tex exists already and build would write over it; pick another "
            "name for --save",
        ),
        (
            "store",
            ("--db", "elsewhere.db", "--save", "other"),
            "Error: --save: this table was read from elsewhere.db, but resultsbook.toml builds from "
            "resultsbook.db; run it again without --db (or with --db resultsbook.db)",
        ),
        (
            "derived",
            ("--derived", "err=1-acc", "--save", "other"),
            "Error: --save: --derived 'err=1-acc' is a formula of the spec's [derived], not of one table; "
            'add err = "1-acc" under [derived] in resultsbook.toml, then save',
        ),
    ],
)
def test_a_save_that_would_build_something_else_is_refused_in_one_line_and_writes_nothing(
    runs, cli, setup, flags, message
):
    assert cli("collect", "runs").exit_code == 0
    assert cli("table", *SWEEP, "--save", "main").exit_code == 0
    if setup == "file":
        (runs / "results").mkdir()
        (runs / "results" / "other.tex").write_text("% written by hand\n")
    if setup == "store":
        shutil.copy(runs / "resultsbook.db", runs / "elsewhere.db")
    spec = (runs / "resultsbook.toml").read_text()
    metric = ("--metric", "err") if setup == "derived" else ()
    result = cli("table", *(SWEEP[:4] if metric else SWEEP), *metric, *flags)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == message
    assert (runs / "resultsbook.toml").read_text() == spec
    assert [p.name for p in runs.glob(".resultsbook-save-*")] == []


def test_a_spec_in_pyproject_gets_the_entry_to_add_by_hand(runs, cli):
    (runs / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.resultsbook]\nstore = "resultsbook.db"\n'
    )
    assert cli("collect", "runs").exit_code == 0
    result = cli("table", *SWEEP, "--save", "main")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[-1] == (
        "Error: --save writes to a resultsbook.toml; this project's spec is pyproject.toml: add the entry "
        "above under [tool.resultsbook.tables.main] by hand"
    )
    entry = "\n".join(lines[lines.index("[tool.resultsbook.tables.main]") : -1])
    assert tomllib.loads(entry)["tool"]["resultsbook"]["tables"]["main"]["metric"] == "acc"


@pytest.mark.parametrize(
    "value",
    [
        'say "hi"\\ now',
        "tab\tnewline\nnull\x00del\x7fend",
        "emoji 🙂 and é",
        ["a", 1, 2.5, True, {"x y": "z", "w": [1]}],
        {"model": {'cnn"x': "C\\N"}},
        float("inf"),
    ],
)
def test_every_value_reads_back_from_the_toml_written(value):
    text = entry_text('tables."t 1"', {"key": value, "odd key/é": value})
    document = tomllib.loads(text)
    assert document["tables"]["t 1"] == {"key": value, "odd key/é": value}
    assert value_text(value).count("\n") == 0


def test_an_entry_that_would_build_another_table_is_not_written(runs, cli, monkeypatch):
    """The last guard: the spec with the entry is built in memory and must print the table shown."""
    import resultsbook.outputs.table_entry as entries

    saying_less = entries.table_entry

    def without_reduce(*args, **kwargs):
        entry = saying_less(*args, **kwargs)
        del entry["reduce"]  # as if a flag had no spec key
        return entry

    monkeypatch.setattr(entries, "table_entry", without_reduce)
    assert cli("collect", "runs").exit_code == 0
    result = cli("table", *SWEEP, "--reduce", "max", "--save", "main")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: --save: the spec entry would not build the same table (a flag it cannot say yet); nothing "
        "written: the entry is above, to adapt by hand"
    )
    assert "[tables.main]" in result.stderr.splitlines()
    assert not (runs / "resultsbook.toml").exists()


def test_two_saves_at_once_each_keep_their_table(runs, cli):
    assert cli("collect", "runs").exit_code == 0
    command = [sys.executable, "-m", "resultsbook", "table", *SWEEP, "--save"]
    saves = [subprocess.Popen([*command, name], cwd=runs, stderr=subprocess.PIPE, text=True) for name in "ab"]
    errors = [save.communicate(timeout=120)[1] for save in saves]
    assert [save.returncode for save in saves] == [0, 0], errors
    assert sorted(tomllib.loads((runs / "resultsbook.toml").read_text())["tables"]) == ["a", "b"]
    assert not list(runs.glob(".resultsbook.toml.save-lock"))


def test_a_lock_left_by_a_killed_save_is_taken_over_and_a_live_one_waited_for(runs, cli, monkeypatch):
    import socket

    import resultsbook.outputs.saved_table as saving

    assert cli("collect", "runs").exit_code == 0
    lock = runs / ".resultsbook.toml.save-lock"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    lock.write_text(f"{socket.gethostname()} {dead.stdout.strip()}")
    (runs / ".resultsbook-save-k1ll3d.toml").write_text("[tables.half]\n")  # the spec it was checking
    assert cli("table", *SWEEP, "--save", "a").exit_code == 0
    assert not lock.exists()
    assert [p.name for p in runs.glob(".resultsbook-save-*")] == []  # cleared by the save after it
    lock.write_text(f"{socket.gethostname()} {os.getpid()}")  # a save still running
    monkeypatch.setattr(saving, "_LOCK_WAIT", 0.2)
    busy = cli("table", *SWEEP, "--save", "b")
    assert busy.exit_code == 2
    assert busy.stderr.splitlines()[-1] == (
        "Error: another save is writing resultsbook.toml (its lock: .resultsbook.toml.save-lock); "
        "run it again when it is done"
    )
    assert "[tables.b]" not in (runs / "resultsbook.toml").read_text()


def test_an_empty_lock_of_a_save_killed_as_it_made_it_is_taken_over(runs, cli, monkeypatch):
    import resultsbook.outputs.saved_table as saving

    assert cli("collect", "runs").exit_code == 0
    lock = runs / ".resultsbook.toml.save-lock"
    lock.write_text("")  # killed between creating its lock and writing its process id into it
    os.utime(lock, (time.time() - 60, time.time() - 60))
    monkeypatch.setattr(saving, "_LOCK_WAIT", 0.2)
    result = cli("table", *SWEEP, "--save", "a")  # before: "another save is writing", every time
    assert result.exit_code == 0, result.stderr
    assert "[tables.a]" in (runs / "resultsbook.toml").read_text()
    assert not lock.exists()


@pytest.mark.parametrize("name", ["", "a b", "t/1", "x]y", "tab\tle"])
def test_a_name_that_makes_a_bad_file_name_is_refused(runs, cli, name):
    assert cli("collect", "runs").exit_code == 0
    result = cli("table", *SWEEP, "--save", name)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: --save: the table name {name!r} becomes its file's name (NAME.tex), which LaTeX "
        "inputs; use letters, digits, - and _"
    )
    assert not (runs / "resultsbook.toml").exists()


def test_the_help_of_save_names_no_folder_the_table_may_not_go_to(cli):
    """`--save` said "written to results/NAME.tex" where build writes beside the spec's LaTeX tables
    (paper/NAME.tex)."""
    result = cli("table", "--help")
    assert "written as NAME.tex by `resultsbook build`, beside the spec's other LaTeX tables" in " ".join(
        result.output.split()
    )


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_a_spec_path_that_is_no_file_is_refused_not_read(runs, cli, kind):
    assert cli("collect", "runs").exit_code == 0
    spec = runs / "resultsbook.toml"
    if kind == "fifo":
        os.mkfifo(spec)  # reading it would block for ever
    elif kind == "device":
        spec.symlink_to("/dev/zero")  # reading it would never end
    else:
        spec.mkdir()
    result = cli("table", *SWEEP, "--save", "main")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: resultsbook.toml is not a regular file (a folder, a pipe, a device?); move it away, then save "
        "again"
    )


def test_a_table_read_from_another_store_starts_a_spec_that_names_that_store(runs, cli):
    assert cli("collect", "runs", "--db", "lab.db").exit_code == 0
    saved = cli("table", *SWEEP, "--db", "lab.db", "--save", "main")
    assert saved.exit_code == 0, saved.output
    assert (
        (runs / "resultsbook.toml")
        .read_text()
        .startswith('store = "lab.db"\n\n[[sources]]\npath = "runs"\n\n[tables.main]\n')
    )
    assert cli("build").exit_code == 0 and (runs / "results" / "main.tex").is_file()
    assert not (runs / "resultsbook.db").exists()  # build read lab.db, it made no store of its own


def test_a_store_url_is_kept_in_a_file_without_its_password():
    from resultsbook.store.location import location_without_password

    assert location_without_password("postgresql://ana:p@ss/w#rd@db.lab:5432/runs") == (
        "postgresql://ana@db.lab:5432/runs"
    )
    assert location_without_password("postgresql://ana@db.lab/runs") == "postgresql://ana@db.lab/runs"
    assert location_without_password("results/store.db") == "results/store.db"


@pytest.mark.parametrize(
    "flags",
    [
        ("--metric", "loss", "--goal", "acc=max"),  # a goal for one metric of two: per-metric entries
        ("--metric", "loss", "--goal", "min"),  # one goal for both
        ("--tasks", "dataset", "--aggregates", "mean,iqm"),  # over tasks: no columns
        ("--scale", "100", "--digits", "1", "--style", "sub", "--highlight", "row", "--test", "none"),
        ("--replicates", "4", "--ddof", "0", "--stat", "mean,sem,n", "--skip-first", "1", "--pool", "lr"),
    ],
    ids=["goal-of-one", "goal-of-all", "tasks", "format", "statistics"],
)
def test_every_flag_the_entry_says_builds_the_table_shown(runs, cli, flags):
    for folder in (runs / "runs").iterdir():  # a second metric
        lines = (folder / "metrics.jsonl").read_text().splitlines()
        (folder / "metrics.jsonl").write_text("".join(line[:-1] + ', "loss": 0.5}\n' for line in lines))
    assert cli("collect", "runs").exit_code == 0
    columns = () if "--tasks" in flags else ("--columns", "dataset")
    saved = cli("table", "--rows", "model", *columns, "--metric", "acc", *flags, "--save", "main")
    assert saved.exit_code == 0, saved.output  # refused unless the spec builds the very table shown
    assert cli("build").exit_code == 0 and cli("check").exit_code == 0


@pytest.mark.parametrize(
    ("inherited", "flags"),
    [
        ('reduce = "max"', SWEEP),
        ('replicate = ["lr"]', SWEEP),
        ('spread = "sem"', SWEEP),
        ('columns = ["lr"]', ("--rows", "model", "--metric", "acc")),
        ('where = ["model=mlp"]', SWEEP),
        ('goal = "min"', SWEEP),
        ("ddof = 0", SWEEP),
    ],
)
def test_a_setting_every_table_of_the_spec_inherits_is_written_as_the_table_shown_used_it(
    runs, cli, inherited, flags
):
    assert cli("collect", "runs").exit_code == 0
    (runs / "resultsbook.toml").write_text(f"[defaults]\n{inherited}\n")
    saved = cli("table", *flags, "--save", "main")
    assert saved.exit_code == 0, saved.output  # `table` applies no [defaults]: the entry overrides them
    assert cli("build").exit_code == 0 and cli("check").exit_code == 0
    assert cli("table", *flags).stdout == saved.stdout


def test_an_inherited_setting_no_flag_can_undo_is_named_when_the_save_is_refused(runs, cli):
    assert cli("collect", "runs").exit_code == 0
    (runs / "resultsbook.toml").write_text("[defaults]\nmin_replicates = 6\n")
    result = cli("table", *SWEEP, "--save", "main")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: --save: the spec entry would not build the same table (its tables inherit min_replicates "
        "from the spec's [defaults] or top level, which `resultsbook table` does not apply); nothing "
        "written: the entry is above, to adapt by hand"
    )
    assert (runs / "resultsbook.toml").read_text() == "[defaults]\nmin_replicates = 6\n"


def test_order_puts_values_first_says_typos_and_is_saved_with_the_table(runs, cli):
    """The spec and book.table had `order`; the command line had no way to say it."""
    assert cli("collect", "runs").exit_code == 0
    default = cli("table", *SWEEP)
    assert default.stdout.index("cnn") < default.stdout.index("mlp")
    ordered = cli("table", *SWEEP, "--order", "model=mlp,cnn", "--order", "dataset=b,a")
    assert ordered.exit_code == 0, ordered.output
    assert ordered.stdout.index("mlp") < ordered.stdout.index("cnn")
    header = ordered.stdout.splitlines()[0].split()
    assert header[1:] == ["b", "a"]
    typo = cli("table", *SWEEP, "--order", "model=mpl,cnn")
    assert "order lists model 'mpl', which no run has; did you mean 'mlp'?" in typo.stderr
    bad = cli("table", *SWEEP, "--order", "model")
    assert bad.exit_code == 2 and "--order 'model' must look like KEY=VALUE[,VALUE...]" in bad.output
    saved = cli("table", *SWEEP, "--order", "model=mlp,cnn", "--save", "main")
    assert saved.exit_code == 0, saved.output
    assert 'order = { model = ["mlp", "cnn"] }\n' in (runs / "resultsbook.toml").read_text()
    assert cli("build").exit_code == 0
    latex = (runs / "results" / "main.tex").read_text()
    assert latex.index("mlp") < latex.index("cnn")
