"""Bold that compares tasks: in an env x algo table with the tasks down the side, the default
highlight (the best row of each column) bolded the env each algorithm scored highest on, whose returns
are in each env's own units. The table, the API and build now say so, with the setting that bolds the
best algorithm of each env."""

from __future__ import annotations

import json

import pytest
from conftest import curve, write_native_run

import resultsbook as rb
from resultsbook.query.task_keys import better_highlight, is_task_key, tasks_compared

RETURNS = {("hopper", "td3"): (3200, 3300, 3250), ("hopper", "sac"): (3000, 2900, 3100),
           ("cheetah", "td3"): (9000, 9500, 9300), ("cheetah", "sac"): (11000, 10800, 11200)}  # fmt: skip
WARNING = (
    "--highlight column bolds the best env of each algo: its cells compete across the tasks (env), whose "
    "scores are in each task's own units, comparing tasks, not methods; --highlight row (the best algo "
    "of each env)"
)


@pytest.fixture
def runs(tmp_path, cli):
    for (env, algo), values in RETURNS.items():
        for seed, value in enumerate(values):
            config = {"env": env, "algo": algo, "seed": seed}
            write_native_run(tmp_path / "runs" / f"{env}_{algo}_{seed}", config, curve([value], "return"))
    assert "12 new" in cli("collect", "runs").output
    return tmp_path


def test_a_table_of_tasks_down_the_side_says_its_bold_compares_tasks_and_how_to_compare_methods(runs, cli):
    table = cli("table", "--rows", "env", "--columns", "algo", "--metric", "return")
    assert table.exit_code == 0, table.output
    assert f"Warning: {WARNING}\n" in table.output
    assert "**9267 ± 252**" in table.output  # cheetah bold for td3: its returns are larger than hopper's
    by_row = cli("table", "--rows", "env", "--columns", "algo", "--metric", "return", "--highlight", "row")
    assert "comparing tasks" not in by_row.output
    assert "**11000 ± 200**     9267 ± 252" in by_row.output and "3000 ± 100  **3250 ± 50**" in by_row.output
    methods_down = cli("table", "--rows", "algo", "--columns", "env", "--metric", "return")
    assert methods_down.exit_code == 0 and "comparing tasks" not in methods_down.output


def test_a_metric_without_a_goal_bolds_nothing_and_is_not_said_to_compare_tasks(tmp_path, cli):
    """sfujim/TD3's curves read as `value`: the warning that bold compares envs sat over the note that
    'value' has no goal, so no cell is bold."""
    for env, value in (("hopper", 3200), ("cheetah", 9000)):
        write_native_run(tmp_path / "runs" / env, {"env": env, "algo": "td3"}, curve([value], "value"))
    cli("collect", "runs")
    table = cli("table", "--rows", "env", "--columns", "algo", "--metric", "value")
    assert "'value' has no goal, so no cell of it is bold" in table.output
    assert "comparing tasks" not in table.output
    goal = cli("table", "--rows", "env", "--columns", "algo", "--metric", "value", "--goal", "value=max")
    assert "comparing tasks" in goal.output


def test_tasks_and_methods_both_down_the_side_are_told_to_put_the_method_across(runs, cli):
    table = cli("table", "--rows", "env,algo", "--metric", "return")
    assert (
        "--highlight column bolds the best env/algo of the whole table: its cells compete across the tasks "
        "(env), whose scores are in each task's own units, comparing tasks, not methods; put algo in "
        "--columns, then --highlight row (the best algo of each env)"
    ) in table.output


def test_a_notebook_table_says_it_among_its_guesses(runs):
    with rb.open(str(runs / "resultsbook.db")) as book:
        table = book.table(rows=["env"], columns=["algo"], metric="return", goals={"return": "max"})
        [said] = table.guesses
        assert said.startswith("highlight='column' bolds the best env of each algo")
        assert said.endswith("highlight='row' (the best algo of each env)")
        assert book.table(rows=["env"], columns=["algo"], metric="return", highlight="row").guesses == (
            "the goal of 'return' comes from its name (higher is better); state it with goals={'return': 'max'}",
        )


def test_build_says_it_in_the_words_of_the_spec(runs, cli):
    (runs / "resultsbook.toml").write_text(
        '[tables.main]\nmetric = "return"\ngoal = "max"\nrows = ["env"]\ncolumns = ["algo"]\n'
        'outputs = ["main.md"]\n'
    )
    built = cli("build")
    assert built.exit_code == 0, built.output
    assert (
        'Warning: main: highlight = "column" bolds the best env of each algo: its cells compete across the '
        "tasks (env), whose scores are in each task's own units, comparing tasks, not methods; set "
        'highlight = "row" (the best algo of each env)\n'
    ) in built.output
    with open(runs / "resultsbook.toml", "a") as handle:
        handle.write('highlight = "row"\n')
    assert "comparing tasks" not in cli("build").output


@pytest.mark.parametrize(
    ("key", "task"),
    [("env", True), ("Args.env_name", True), ("dataset", True), ("Game", True), ("algo", False),
     ("model", False), ("environment_seed", False), ("task_id", False)],
)  # fmt: skip
def test_task_keys_are_named_by_their_last_dotted_part(key, task):
    assert is_task_key(key) is task


def test_no_highlight_or_no_task_competing_compares_no_tasks():
    assert tasks_compared(["env"], ["algo"], "none") is None
    assert tasks_compared(["algo"], ["env"], "column") is None
    assert tasks_compared(["env"], ["algo"], "row") is None
    compared = tasks_compared(["env", "algo"], [], "column")
    assert compared is not None and compared.methods == ("algo",) and compared.fixed == ()


def test_the_better_highlight_is_the_other_axis_the_method_s_key_or_none():
    across = tasks_compared(["env"], ["algo"], "column")
    assert across is not None and better_highlight(across, "column") == ("row", "the best algo of each env")
    both_down = tasks_compared(["env", "algo"], [], "column")
    assert both_down is not None and better_highlight(both_down, "column") == (
        "algo",
        "the best algo of each env",
    )
    alone = tasks_compared(["env"], [], "column")  # one column of envs: no method to compare
    assert alone is not None and better_highlight(alone, "column") == ("none", "")


def test_metrics_down_the_side_with_the_default_highlight_say_why_nothing_is_bold(tmp_path, cli):
    """`rows = ["metric"]`, `columns = ["method"]`: each column held one acc and one loss, no cell
    competed with another, and no cell was bold, without a word."""
    for method, (acc, loss) in {"base": (0.71, 0.29), "ours": (0.81, 0.19)}.items():
        for seed in range(2):
            points = [{"step": 1, "acc": acc + seed / 100, "loss": loss + seed / 100}]
            write_native_run(tmp_path / "runs" / f"{method}{seed}", {"method": method, "seed": seed}, points)
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetrics = [{ name = "acc", goal = "max" }, '
        '{ name = "loss", goal = "min" }]\nrows = ["metric"]\ncolumns = ["method"]\noutputs = ["t.md"]\n'
    )
    built = cli("build")
    assert built.exit_code == 0, built.output
    assert (
        'Warning: t: highlight = "column" compares the cells of each column, and each holds one cell of each '
        "metric (the metrics are rows): no cell has another to compete with, so none is bold; set "
        'highlight = "row" (the best method of each metric)'
    ) in built.output.splitlines(), built.output
    spec = tmp_path / "resultsbook.toml"
    spec.write_text(spec.read_text() + 'highlight = "row"\n')
    again = cli("build")
    assert "none is bold" not in again.output and "**0.815 ± 0.007**" in (tmp_path / "t.md").read_text()


def test_a_highlight_along_the_aggregates_over_tasks_is_refused_naming_the_highlight_that_compares_methods(
    runs, cli
):
    """`--highlight row` on a table over tasks made each method's Mean, Median and Optimality gap
    compete for one bold: different statistics, the gap lower-is-better, so td3's mean was `best` of
    its row beside its own gap."""
    said = (
        "highlight 'row' would compare the aggregates of each algo (Mean, Median, Optimality gap), different "
        "statistics, which never compete; highlight 'column' bolds the best algo of each aggregate"
    )
    aggregates = "mean,median,optimality_gap"
    args = ("--rows", "algo", "--tasks", "env", "--metric", "return", "--aggregates", aggregates)
    refused = cli("table", *args, "--highlight", "row")
    assert refused.exit_code == 2 and refused.output == f"Error: {said}\n", refused.output
    assert cli("table", *args).exit_code == 0
    (runs / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "return"\nrows = ["algo"]\ntasks = "env"\n'
        'aggregates = ["mean", "median", "optimality_gap"]\nhighlight = "row"\noutputs = ["t.md"]\n'
    )
    built = cli("build")
    assert built.exit_code == 2 and f"[tables.t] {said}\n" in built.output, built.output


def test_suites_across_a_table_over_tasks_compete_within_each_aggregate_never_with_another(tmp_path, cli):
    """With the suites across beside the aggregates, `--highlight row` compares each suite's Mean with
    the other suite's Mean and its Optimality gap with the other's; it made all four cells of a row one
    contest, where the Mean of 0.9 beat every gap."""
    for method, score in (("a", 0.7), ("b", 0.5)):
        for suite, shift in (("s1", 0.0), ("s2", 0.2)):
            for game in ("g0", "g1"):
                for seed in range(3):
                    config = {"method": method, "suite": suite, "game": f"{suite}{game}", "seed": seed}
                    folder = tmp_path / "runs" / f"{method}{suite}{game}{seed}"
                    write_native_run(folder, config, curve([score + shift + seed / 100]))
    cli("collect", "runs")
    keys = ("--rows", "method", "--columns", "suite", "--tasks", "game")
    asked = ("--metric", "acc", "--goal", "acc=max", "--aggregates", "mean,optimality_gap")
    shown = cli("table", *keys, *asked, "--highlight", "row", "--format", "json")
    cells = json.loads(shown.output)["cells"]
    bold = sorted((c["row"]["method"], c["aggregate"]) for c in cells if c.get("emphasis") == "best")
    assert bold == [("a", "mean"), ("a", "optimality_gap"), ("b", "mean"), ("b", "optimality_gap")]
    assert {c["column"]["suite"] for c in cells if c.get("emphasis")} == {"s2"}
