"""Three typos of a user's first hour, each answered in one line naming where it is and the fix: a key
listed twice in a table, a word given to a number option, a [[sources]] entry that matches nothing."""

from __future__ import annotations

import pytest
from conftest import curve

import resultsbook as rb
from resultsbook.errors import ResultsbookError, SpecError
from resultsbook.spec import load_spec

SPEC = """
[tables.t1]
metric = "acc"
{keys}
outputs = ["results/t1.md"]
"""


@pytest.mark.parametrize(
    ("keys", "said"),
    [
        ('rows = ["model", "model"]', "row key 'model' is listed twice; list it once"),
        ('rows = ["model"]\ncolumns = ["model"]', "'model' is both a row and a column key; keep it in one"),
        ('rows = ["model"]\ncolumns = ["dataset", "dataset"]', "column key 'dataset' is listed twice; list it once"),
    ],
)
def test_a_key_twice_in_a_spec_table_names_the_file_the_table_and_the_key(tmp_path, keys, said):
    """`rows = ["model", "model"]` built a table whose every row read `mlp  mlp`, silently."""
    (tmp_path / "resultsbook.toml").write_text(SPEC.format(keys=keys))
    with pytest.raises(SpecError) as error:
        load_spec(str(tmp_path / "resultsbook.toml"))
    assert str(error.value) == f"resultsbook.toml: [tables.t1]: {said}"


def test_a_row_key_twice_is_refused_by_the_command_line_and_python_alike(tmp_path, cli, make_run):
    for model in ("logreg", "mlp"):
        make_run(f"{model}_0", {"model": model, "dataset": "moons", "seed": 0}, curve([0.5, 0.7]))
    cli("collect", "runs")
    for rows in (["--rows", "model", "--rows", "model"], ["--rows", "model,model"]):
        result = cli("table", *rows, "--metric", "acc")
        assert (result.exit_code, result.output) == (2, "Error: row key 'model' is listed twice; list it once\n")
    with rb.open(str(tmp_path / "resultsbook.db")) as book, pytest.raises(ResultsbookError) as error:
        book.table(rows=["model", "model"], metric="acc")
    assert str(error.value) == "row key 'model' is listed twice; list it once"


def every_option():
    """Yield (command path, option) of every command resultsbook has."""
    import click

    from resultsbook.cli import cli as group

    def walk(command, path):
        if isinstance(command, click.Group):
            for name in command.list_commands(click.Context(command)):
                yield from walk(command.get_command(click.Context(command), name), (*path, name))
        for param in command.params:
            if isinstance(param, click.Option):
                yield " ".join(path), param

    yield from walk(group, ())


def test_every_number_option_has_the_type_that_answers_in_one_line():
    """click's own number types answered `--replicates five` with `'five' is not a valid integer range`."""
    import click

    from resultsbook.cli.common import Number

    numbers = [(path, option.opts[0]) for path, option in every_option() if isinstance(option.type, Number)]
    assert ("table", "--replicates") in numbers and ("watch", "--debounce") in numbers
    plain = [
        (path, option.opts[0])
        for path, option in every_option()
        if isinstance(option.type, (click.types.IntParamType, click.types.FloatParamType))
        and not isinstance(option.type, Number)
    ]
    assert plain == []


def test_help_states_the_range_of_every_number_option(cli):
    """`--help` lost the ranges click's number types printed (`[x>=1]`) when they became one type."""
    import click

    from resultsbook.cli import cli as group
    from resultsbook.cli.common import Number

    ranges = {}
    for path, option in every_option():
        if isinstance(option.type, Number):
            help_text = option.get_help_record(click.Context(group))[1]
            assert "None" not in help_text, (path, option.opts[0], help_text)
            extras = help_text.rpartition("  [")[2].rstrip("]").split("; ") if "  [" in help_text else []
            ranges[(path, option.opts[0])] = [item for item in extras if "x>" in item or "x<" in item]
    assert ranges == {
        ("table", "--skip-first"): ["x>=0"],
        ("table", "--budget"): [],  # any number: no range
        ("table", "--ddof"): ["x>=0"],
        ("table", "--replicates"): ["x>=1"],
        ("table", "--scale"): [],
        ("table", "--digits"): ["0<=x<=15"],
        ("table", "--threshold"): [],
        ("watch", "--debounce"): ["0<=x<=60000"],
    }
    shown = cli("table", "--help").output
    assert "[x>=1]" in shown and "[0<=x<=15]" in shown


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--replicates", "five"], "--replicates 'five' must be a whole number, e.g. --replicates 5"),
        (["--replicates", "0"], "--replicates 0 must be at least 1, e.g. --replicates 5"),
        (["--ddof", "1.5"], "--ddof 1.5 must be a whole number, e.g. --ddof 0"),
        (["--digits", "20"], "--digits 20 must be between 0 and 15, e.g. --digits 2"),
        (["--scale", "percent"], "--scale 'percent' must be a number, e.g. --scale 100"),
        (["--scale", "nan"], "--scale nan must be a finite number, e.g. --scale 100"),
    ],
)
def test_a_word_or_a_bad_number_for_a_number_option_says_what_it_takes(cli, make_run, args, said):
    make_run("mlp_0", {"model": "mlp", "seed": 0}, curve([0.5, 0.7]))
    result = cli("table", "--rows", "model", "--metric", "acc", *args)
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {said} (see `") and result.output.count("\n") == 1


def test_a_number_option_still_takes_its_numbers(cli, make_run):
    for seed in range(2):
        make_run(f"mlp_{seed}", {"model": "mlp", "seed": seed}, curve([0.5, 0.7]))
    cli("collect", "runs")
    result = cli("table", "--rows", "model", "--metric", "acc", "--replicates", "2", "--digits", "2",
                 "--scale", "100", "--format", "csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "70.0" in result.output


def test_a_sources_entry_that_matches_nothing_is_named_as_the_spec_writes_it(tmp_path, cli, make_run):
    """The note of a [[sources]] entry whose pattern matched nothing spoke of `--pattern`, a flag the user
    never typed, and of the absolute path, not of the entry in resultsbook.toml to fix."""
    make_run("mlp_0", {"model": "mlp", "seed": 0}, curve([0.5]))
    (tmp_path / "empty").mkdir()
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[[sources]]\npath = "runs"\npattern = "{model}-{seed}/metrics.jsonl"\n\n'
        '[[sources]]\npath = "empty"\n'
    )
    result = cli("collect")
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("Note:")] == [
        "Note: resultsbook.toml: [[sources]] #2 path = 'runs' found no runs; no path there matches "
        "pattern = '{model}-{seed}/metrics.jsonl' (3 tried, e.g. 'mlp_0/metrics.jsonl'); a pattern is matched "
        "against paths relative to the entry's path",
        "Note: resultsbook.toml: [[sources]] #3 path = 'empty' found no runs (every installed adapter, no "
        "pattern); name the format with adapter = '…' (see `resultsbook adapters`), or point pattern = '…' "
        "at the log files",
    ]


def test_a_spec_whose_every_entry_matches_nothing_fails_naming_each_entry_once(tmp_path, cli, make_run):
    """Its error spoke of `--pattern` and `--adapter` for every entry at once, under their absolute paths,
    after the same notes had been printed above it."""
    make_run("mlp_0", {"model": "mlp", "seed": 0}, curve([0.5]))
    (tmp_path / "empty").mkdir()
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\npattern = "{model}_{seed}/metric.jsonl"\n\n[[sources]]\npath = "empty"\n'
    )
    result = cli("collect")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: resultsbook.toml: [[sources]] #1 path = 'runs' found no runs; no path there matches "
        "pattern = '{model}_{seed}/metric.jsonl' (3 tried, e.g. 'mlp_0'); a pattern is matched against "
        "paths relative to the entry's path (did you mean pattern = '{model}_{seed}/metrics.jsonl'?); "
        "resultsbook.toml: [[sources]] #2 path = 'empty' found no runs (every installed adapter, no pattern); "
        "name the format with adapter = '…' (see `resultsbook adapters`), or point pattern = '…' at the log "
        "files; the store was left as it was"
    ]
    assert not (tmp_path / "resultsbook.db").exists()


def test_a_collect_given_its_paths_still_speaks_of_its_flags(tmp_path, cli, make_run):
    make_run("mlp_0", {"model": "mlp", "seed": 0}, curve([0.5]))
    result = cli("collect", "runs", "--pattern", "{model}-{seed}/metrics.jsonl")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: no runs found under runs; no path there matches --pattern '{model}-{seed}/metrics.jsonl'"
    )


def test_a_guess_weighs_the_spelling_not_the_case():
    """`resultsbook explain main "sac / Hoper-v3"` offered 'TD3 / Hopper-v3': the case of `sac` made
    the method that is spelt differently look closer than the one meant."""
    from resultsbook.errors import closest

    labels = ["TD3 / Hopper-v3", "SAC / Hopper-v3", "SAC / Ant-v3"]
    assert closest("sac / Hoper-v3", labels) == "SAC / Hopper-v3"
    assert closest("td3 / hopper-v3", labels) == "TD3 / Hopper-v3"


@pytest.mark.parametrize(
    ("typed", "meant"), [("**/*.cvs", "**/*.csv"), ("s{seed}/*.CSV", "s{seed}/*.csv"), ("**/*.jsno", None)]
)
def test_a_mistyped_suffix_of_a_glob_pattern_gets_the_suffix_the_files_have(tmp_path, cli, typed, meant):
    """`--pattern '**/*.cvs'` said no path matched, with no word of the .csv files beside it (a pattern
    naming its file, `metrics.cvs`, was told `metrics.csv`)."""
    for seed in range(2):
        (tmp_path / "runs" / f"s{seed}").mkdir(parents=True)
        (tmp_path / "runs" / f"s{seed}" / "metrics.csv").write_text("step,acc\n0,0.5\n")
    result = cli("collect", "runs", "--pattern", typed)
    assert result.exit_code == 1
    hint = f" (did you mean --pattern '{meant}'?)" if meant else ""
    assert result.output.splitlines()[-1] == (
        f"Error: no runs found under runs; no path there matches --pattern '{typed}' (4 tried, e.g. 's0'); "
        f"a pattern is matched against paths relative to runs{hint}; the store was left as it was"
    )
    if meant:
        assert cli("collect", "runs", "--pattern", meant).exit_code == 0
