"""`resultsbook table` from flags applies no [defaults] of the spec (docs/tables.md): where the spec's
defaults would make the table otherwise, one note on stderr says which, and the flags that apply them;
`book.table` warns the same, in its arguments' words. The user comparing the terminal with the paper
is told why the numbers differ."""

from __future__ import annotations

import json
import shlex
import warnings

import pytest
from conftest import write_native_run

import resultsbook as rb

SPEC = '[defaults]\nreduce = "max"\nddof = 0\n\n[tables.t1]\nmetric = "acc"\nrows = ["model"]\n'
FLAGS = ("table", "--rows", "model", "--metric", "acc")
NOTE = (
    "Note: resultsbook.toml's [defaults] reduce = \"max\", ddof = 0 are not applied to a table from "
    "flags; add --reduce max --ddof 0 to match its tables, or print one with resultsbook table t1"
)


@pytest.fixture
def project(tmp_path):
    """Two models, three seeds, whose last and best accuracies differ; a spec with [defaults]."""
    for model, base in (("cnn", 0.89), ("mlp", 0.85)):
        for seed in range(3):
            points = [{"step": step, "acc": base + 0.002 * seed + 0.004 * (step == 2)} for step in range(4)]
            write_native_run(tmp_path / "runs" / f"{model}_{seed}", {"model": model, "seed": seed}, points)
    (tmp_path / "resultsbook.toml").write_text(SPEC)
    return tmp_path


def test_a_table_from_flags_names_the_defaults_it_does_not_apply_and_the_flags_that_do(project, cli):
    assert cli("collect", "runs").exit_code == 0
    shown = cli(*FLAGS)
    assert shown.exit_code == 0, shown.output
    assert NOTE in shown.stderr.splitlines()
    assert "not applied" not in shown.stdout
    assert "(ddof = 1)" in shown.stdout and "per run: last" in shown.stdout  # the flags alone, as documented
    matched = cli(*FLAGS, "--reduce", "max", "--ddof", "0")
    assert "not applied" not in matched.stderr
    assert matched.stdout == cli("table", "t1").stdout  # the flags named make the spec's table


def test_only_the_defaults_not_given_as_flags_are_named(project, cli):
    assert cli("collect", "runs").exit_code == 0
    result = cli(*FLAGS, "--reduce", "max")
    assert (
        "Note: resultsbook.toml's [defaults] ddof = 0 is not applied to a table from flags; add --ddof 0 "
        "to match its tables, or print one with resultsbook table t1"
    ) in result.stderr.splitlines()


def test_a_spec_table_and_defaults_that_change_nothing_say_nothing(project, cli):
    assert cli("collect", "runs").exit_code == 0
    assert "not applied" not in cli("table", "t1").stderr  # the spec's table applies them
    (project / "resultsbook.toml").write_text('[defaults]\nreduce = "last"\nddof = 1\ncaption = "Acc."\n')
    assert "not applied" not in cli(*FLAGS).stderr
    (project / "resultsbook.toml").write_text("[defaults]\nddof = 0\n")  # of a std the table has not
    assert "not applied" not in cli(*FLAGS, "--stat", "median,iqr").stderr


def test_the_json_envelope_holds_the_note_and_stdout_stays_json(project, cli):
    assert cli("collect", "runs").exit_code == 0
    result = cli(*FLAGS, "--json")
    document = json.loads(result.stdout)
    assert NOTE.removeprefix("Note: ") in document["notes"]
    assert "not applied" not in result.stderr


def test_top_level_settings_are_named_and_those_without_a_flag_are_said_to_have_none(project, cli):
    assert cli("collect", "runs").exit_code == 0
    (project / "resultsbook.toml").write_text(
        'replicate = ["seed", "model"]\n\n[defaults]\nmin_replicates = 4\n\n'
        '[tables.t1]\nmetric = "acc"\nrows = ["model"]\n'
    )
    result = cli(*FLAGS)
    assert (
        "Note: resultsbook.toml's [defaults] min_replicates = 4 and top-level replicate = [\"seed\", "
        '"model"] are not applied to a table from flags; add --replicate seed,model to match its tables '
        "(min_replicates has no flag: set it in a spec table), or print one with resultsbook table t1"
    ) in result.stderr.splitlines()


@pytest.mark.parametrize(
    "inherited",
    [
        'reduce = "best(acc, max)"',
        'spread = "sem"',
        'center = "median"\nspread = "iqr"',
        'where = ["model=mlp"]',
        'where = { model = ["mlp", "cnn"], seed = [0, 1] }',
        "skip_first = 2",
        "digits = 4",
        "scale = 100",
        'replicate = ["seed", "model"]',
        "replicates = 4",
        'order = { model = ["mlp", "cnn"] }',
        'labels = { keys = { model = "Model" }, values = { model = { cnn = "CNN" } } }',
        'style = "sub"',
        'highlight = "none"',
        'test = "permutation"',
    ],
)
def test_the_flags_the_note_names_print_the_spec_table(project, cli, inherited):
    assert cli("collect", "runs").exit_code == 0
    (project / "resultsbook.toml").write_text(
        f'[defaults]\n{inherited}\n\n[tables.t1]\nmetric = "acc"\nrows = ["model"]\n'
    )
    result = cli(*FLAGS)
    note = next(line for line in result.stderr.splitlines() if "not applied" in line)
    flags = shlex.split(note.partition("; add ")[2].partition(" to match its tables")[0])
    assert flags, note
    matched = cli(*FLAGS, *flags)
    assert matched.exit_code == 0, matched.output
    assert "not applied" not in matched.stderr
    assert matched.stdout == cli("table", "t1").stdout


def test_book_table_warns_the_same_in_its_arguments_words(project, cli, monkeypatch):
    assert cli("collect", "runs").exit_code == 0
    monkeypatch.chdir(project)
    with rb.open() as book:
        with pytest.warns(rb.DefaultsWarning) as warned:
            table = book.table(rows="model", metric="acc")
        assert str(warned[0].message) == (
            "resultsbook.toml's [defaults] reduce = \"max\", ddof = 0 are not applied to a table from "
            "book.table's arguments; pass reduce='max', ddof=0 to match its tables, or take one with "
            "book.spec_table('t1')"
        )
        assert warned[0].filename == __file__  # the caller's line
        with warnings.catch_warnings():
            warnings.simplefilter("error", rb.DefaultsWarning)
            matched = book.table(rows="model", metric="acc", reduce="max", ddof=0)
            assert "not applied" not in "".join(table.notes)
            assert matched.to_text() == book.spec_table("t1").to_text()


def test_the_spec_table_named_is_one_that_takes_the_defaults_not_one_that_states_its_own(project, cli):
    """A table saved from flags states `reduce = "last"` over the [defaults]: the paper's table of these
    rows and metric is the flags' own, so no default is advised that would make the two differ."""
    assert cli("collect", "runs").exit_code == 0
    own = '[tables.own]\nmetric = "acc"\nrows = ["model"]\nreduce = "last"\nddof = 1\n'
    (project / "resultsbook.toml").write_text(f'[defaults]\nreduce = "max"\nddof = 0\n\n{own}')
    assert "not applied" not in cli(*FLAGS).stderr
    (project / "resultsbook.toml").write_text(SPEC + "\n" + own)
    note = next(line for line in cli(*FLAGS).stderr.splitlines() if "not applied" in line)
    assert note.endswith("or print one with resultsbook table t1")


def test_the_note_names_the_table_of_the_same_rows_and_metric_and_no_default_it_overrides(project, cli):
    """examples/realdata: the Atari table (rows method, metric HNS) states its own digits, highlight and
    where; the note named a D4RL table and advised the D4RL filter, which emptied the table."""
    assert cli("collect", "runs").exit_code == 0
    (project / "resultsbook.toml").write_text(
        '[defaults]\nreduce = "max"\ndigits = 1\nhighlight = "none"\nwhere = ["algo_dir~."]\n\n'
        '[tables.d4rl]\nmetric = "acc"\nrows = ["seed"]\n\n'
        '[tables.t1]\nmetric = "acc"\nrows = ["model"]\ndigits = 3\nhighlight = "column"\nwhere = []\n'
    )
    assert (
        "Note: resultsbook.toml's [defaults] reduce = \"max\" is not applied to a table from flags; "
        "add --reduce max to match its tables, or print one with resultsbook table t1"
    ) in cli(*FLAGS).stderr.splitlines()
    (project / "resultsbook.toml").write_text(
        '[defaults]\ndigits = 1\nhighlight = "none"\nwhere = ["algo_dir~."]\n\n'
        '[tables.d4rl]\nmetric = "acc"\nrows = ["seed"]\n\n'
        '[tables.t1]\nmetric = "acc"\nrows = ["model"]\ndigits = 3\nhighlight = "column"\nwhere = []\n'
    )
    assert "not applied" not in cli(*FLAGS).stderr


def test_a_defaults_filter_that_keeps_none_of_the_tables_runs_is_not_advised(project, cli, monkeypatch):
    """examples/realdata: [defaults] where = ["algo_dir~."] keeps the D4RL runs only; advised for a table
    of the Atari runs, it emptied the table (`row key ... is not a param of any selected run`)."""
    assert cli("collect", "runs").exit_code == 0
    (project / "resultsbook.toml").write_text(
        '[defaults]\nreduce = "max"\nwhere = ["algo_dir~."]\n\n[tables.t1]\nmetric = "acc"\nrows = ["seed"]\n'
    )
    assert (
        "Note: resultsbook.toml's [defaults] reduce = \"max\" is not applied to a table from flags; "
        "add --reduce max to match its tables, or print one with resultsbook table t1"
    ) in cli(*FLAGS).stderr.splitlines()
    monkeypatch.chdir(project)
    with rb.open() as book, pytest.warns(rb.DefaultsWarning) as warned:
        book.table(rows="model", metric="acc")
    assert str(warned[0].message).endswith("pass reduce='max' to match its tables, or take one with book.spec_table('t1')")
