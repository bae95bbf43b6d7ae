"""A benchmark of many tasks × a few algorithms × seeds as Spinning Up writes it (LQNew's DeepMind Control
Suite runs: `SpinningUp/<ALGO>/<ALGO>-<domain>-<task>/<ALGO>-<domain>-<task>_s<seed>/progress.txt`), where
the on-policy algorithm logs its return as `AverageEpRet` and the off-policy ones as `AverageTestEpRet`:
a table over tasks must say which method it left out and why, as a table over seeds does."""

from __future__ import annotations

import json

import pytest

import resultsbook as rb
from resultsbook.errors import NotFoundError


def write_run(root, algo, env, seed, last):
    """Write one run folder as Spinning Up's logger lays it out: PPO logs no test episodes."""
    name = f"{algo}-{env}"
    folder = root / algo / name / f"{name}_s{seed}"
    folder.mkdir(parents=True)
    config = {"env_fn": "<function <lambda> at 0x7f7a4a016488>", "exp_name": name.lower(), "seed": seed}
    (folder / "config.json").write_text(json.dumps(config, indent=4))
    metric = "AverageEpRet" if algo == "PPO" else "AverageTestEpRet"
    rows = [f"Epoch\t{metric}\tTotalEnvInteracts", f"1\t{last / 2}\t3999", f"2\t{last}\t7999"]
    (folder / "progress.txt").write_text("\n".join(rows) + "\n")


@pytest.fixture
def book(cli, tmp_path):
    """Three algorithms on two tasks, two seeds each, collected with algo and env taken from exp_name."""
    for algo in ("SAC", "TD3", "PPO"):
        for env in ("cheetah-run", "ball_in_cup-catch"):
            for seed in (100, 101):
                write_run(tmp_path / "SpinningUp", algo, env, seed, 100.0 * seed - 9_900.0)
    derive = ("--derive", "env=exp_name:^[a-z0-9]+-(.+)$", "--derive", "algo=exp_name:^([a-z0-9]+)-")
    assert "0 problems" in cli("collect", "SpinningUp", *derive).output
    with rb.open("resultsbook.db") as opened:
        yield opened


def test_a_method_that_logs_another_metric_is_named_not_silently_dropped_from_the_aggregates(book, cli):
    table = book.table(rows="algo", metric="AverageTestEpRet", tasks="env", aggregates=["mean", "iqm"])
    assert sorted(table.to_frame().index.unique()) == ["sac", "td3"]
    left_out = [note for note in table.notes if "have no value of 'AverageTestEpRet'" in note]
    assert left_out == [
        "4 selected run(s) have no value of 'AverageTestEpRet' and are left out (ppo: 4); 4 of them log "
        "'AverageEpRet'; `book.problems()` names any value collect refused"
    ]
    shown = cli("table", "--rows", "algo", "--metric", "AverageTestEpRet", "--tasks", "env").output
    assert "Warning: 4 selected run(s) have no value of 'AverageTestEpRet'" in shown


def test_a_filter_value_no_run_has_is_named_with_the_values_there_are_not_an_empty_table(book, cli):
    with pytest.raises(NotFoundError, match=r"filter algo=SAC matches no run; algo has: ppo, sac, td3; "):
        book.table(rows="algo", metric="AverageTestEpRet", tasks="env", where=["algo=SAC"])
    shown = cli(
        "table", "--rows", "algo", "--metric", "AverageTestEpRet", "--tasks", "env", "--where", "algo=SAC"
    )
    assert shown.exit_code != 0 and "did you mean algo=sac?" in shown.output
    assert "over 0 envs" not in shown.output  # a note describing the aggregates of no run


def test_a_metric_the_selected_runs_do_not_log_is_an_error_naming_how_many_do(book):
    with pytest.raises(NotFoundError, match=r"none of the 4 selected runs logs 'AverageTestEpRet' \(8 other"):
        book.table(rows="algo", metric="AverageTestEpRet", tasks="env", where=["algo=ppo"])


def test_a_metric_the_selected_runs_do_not_log_names_what_they_log_instead(book, tmp_path):
    """`--where algo=ppo` with the off-policy return (or a metric derived from it): PPO logs AverageEpRet."""
    with pytest.raises(NotFoundError, match=r"\(8 other runs do\); 4 of them log 'AverageEpRet'; check the"):
        book.table(rows="env", columns="algo", metric="AverageTestEpRet", where=["algo=ppo"])
    (tmp_path / "resultsbook.toml").write_text('[derived]\ndmc = "`AverageTestEpRet` / 1000"\n')
    computed = r"'dmc' is computed from 'AverageTestEpRet'; 4 of them log 'AverageEpRet'; check the filters"
    with pytest.raises(NotFoundError, match=computed):
        rb.open(tmp_path).table(rows="algo", metric="dmc", tasks="env", where=["algo=ppo"])


def test_a_task_key_every_run_shares_warns_that_the_aggregates_are_over_one_task(book):
    """`--tasks env` before env is derived from exp_name suggests env_fn, the lambda every config.json names."""
    table = book.table(rows="exp_name", metric="AverageTestEpRet", tasks="env_fn")
    assert (
        table.notes.count(
            "every run of the table has one env_fn, '<function <lambda>>': its aggregates are over one task, not "
            "a benchmark's; give tasks= the param whose values are the tasks"
        )
        == 1
    )
    over_envs = book.table(rows="algo", metric="AverageTestEpRet", tasks="env")
    assert not any("over one task" in note for note in over_envs.notes)


def test_one_score_range_for_every_task_is_refused_with_the_derived_metric_that_writes_it(
    book, cli, tmp_path
):
    """DeepMind Control's returns lie in [0, 1000] on every task: a number as low or high names no task."""
    spec = '[normalized.dmc]\nmetric = "AverageTestEpRet"\ntask = "env"\nlow = 0\nhigh = 1000\n'
    (tmp_path / "resultsbook.toml").write_text(spec)
    shown = cli("table", "--rows", "algo", "--metric", "dmc", "--tasks", "env")
    assert shown.exit_code != 0
    fix = '[derived] dmc = "(`AverageTestEpRet` - 0) / (1000 - 0)"'
    assert shown.output.strip().endswith(fix)
    (tmp_path / "resultsbook.toml").write_text(fix.replace("] ", "]\n") + "\n")
    frame = rb.open(tmp_path).table(rows="algo", metric="dmc", tasks="env", aggregates=["mean"]).to_frame()
    assert frame.loc["sac", ("mean", "value")] == pytest.approx(0.15)  # seeds 100, 101: 100 and 200 of 1000


def test_a_centre_asked_of_stat_over_tasks_points_at_the_aggregates_instead_of_dropping_the_intervals(
    book, cli
):
    """--stat median (or --iqm's --stat iqm,bootstrap) printed the aggregates without their intervals."""
    shown = cli(
        "table", "--rows", "algo", "--metric", "AverageTestEpRet", "--tasks", "env", "--stat", "median"
    )
    assert shown.exit_code != 0
    assert shown.output == (
        "Error: --stat median: over tasks the columns are the aggregates, so ask for the median with "
        "--aggregates median; --stat only says whether they get bootstrap intervals (--stat mean,bootstrap) "
        "or not (--stat mean)\n"
    )
    with pytest.raises(rb.SpecError, match=r"^stats='iqm,bootstrap': .* with aggregates='iqm'; "):
        book.table(rows="algo", metric="AverageTestEpRet", tasks="env", stats="iqm,bootstrap")
    plain = book.table(rows="algo", metric="AverageTestEpRet", tasks="env", aggregates="median", stats="mean")
    assert "bootstrap_lo" not in plain.to_frame().columns.get_level_values(1)


def test_a_spread_over_tasks_other_than_the_stratified_bootstrap_is_refused_not_replaced(book, cli):
    """--stat mean,bca (or std, sem, ci95, iqr, minmax) printed the stratified percentile bootstrap instead."""
    args = (
        "table",
        "--rows",
        "algo",
        "--metric",
        "AverageTestEpRet",
        "--tasks",
        "env",
        "--aggregates",
        "mean",
    )
    shown = cli(*args, "--stat", "mean,bca")
    assert shown.exit_code != 0
    assert shown.output == (
        "Error: --stat mean,bca: aggregates over tasks take the stratified bootstrap (--stat mean,bootstrap) "
        "or no spread (--stat mean), not bca\n"
    )
    with pytest.raises(rb.SpecError, match=r"^stats='mean,std': .* \(stats='mean,bootstrap'\) .*, not std$"):
        book.table(rows="algo", metric="AverageTestEpRet", tasks="env", aggregates="mean", stats="mean,std")
    unasked = book.table(rows="algo", metric="AverageTestEpRet", tasks="env", aggregates="mean").to_frame()
    assert "bootstrap_lo" in unasked.columns.get_level_values(1)  # the default: the stratified bootstrap
    assert "bootstrap" in cli(*args).output


def test_versus_is_asked_for_in_the_readers_words_and_a_miscased_row_is_named(book, cli):
    args = ("table", "--rows", "algo", "--metric", "AverageTestEpRet", "--tasks", "env", "--aggregates")
    missing = cli(*args, "probability_of_improvement").output
    assert missing == (
        "Error: probability_of_improvement needs the row it is measured against: --versus VALUE "
        '(versus = "VALUE" in the spec)\n'
    )
    miscased = cli(*args, "probability_of_improvement", "--versus", "SAC").output
    assert miscased == "Error: versus = algo=SAC matches no row; rows: sac, td3; did you mean 'sac'?\n"
    with pytest.raises(rb.QueryError, match=r"against: versus='VALUE' \(versus"):
        book.table(
            rows="algo", metric="AverageTestEpRet", tasks="env", aggregates="probability_of_improvement"
        )
    # a versus no aggregate reads (a typo in it included) was left out without a word
    unread = cli(*args, "mean", "--versus", "SCA").output
    assert unread == (
        "Error: --versus SCA names the row probability_of_improvement compares against, and this table "
        "computes no probability_of_improvement: ask for it over tasks (--aggregates "
        "probability_of_improvement), or leave it out\n"
    )
    with pytest.raises(rb.SpecError, match=r"^versus='sca' names the row probability_of_improvement"):
        book.table(rows="algo", metric="AverageTestEpRet", versus="sca")


def test_a_sample_efficiency_figure_names_the_hue_whose_runs_log_another_metric(book):
    from resultsbook.query.profiles import EfficiencyQuery, efficiency_curves

    query = EfficiencyQuery("AverageTestEpRet", ("env",), "algo", aggregate="iqm", band=False)
    curves = efficiency_curves(book.store, query)
    assert sorted(line.hue for line in curves.lines) == ["sac", "td3"]
    assert curves.notes[0] == (
        "4 selected run(s) have no value of 'AverageTestEpRet' and are left out (ppo: 4); 4 of them log "
        "'AverageEpRet'; `book.problems()` names any value collect refused"
    )


def test_explain_of_an_aggregate_cell_says_what_it_prints_and_that_the_listed_values_are_scaled(
    book, cli, tmp_path
):
    """The runs listed under `explain agg "td3 / IQM"` are × 100, as the cell is: unlabelled, they read
    as the logged values."""
    (tmp_path / "resultsbook.toml").write_text(
        '[derived]\ndmc = "`AverageTestEpRet` / 1000"\n\n[tables.agg]\nmetric = "dmc"\ngoal = "max"\n'
        'rows = ["algo"]\ntasks = "env"\naggregates = ["iqm"]\nscale = 100\nbootstrap_resamples = 1000\n'
    )
    shown = cli("explain", "agg", "td3 / IQM").output
    computed = [line for line in shown.splitlines() if line.startswith("  = ")]
    assert len(computed) == 1
    assert computed[0].startswith("  = IQM 15, 95% stratified bootstrap [")
    assert computed[0].endswith("] over the 4 values above (2 envs) (logged values × 100)")


def test_runs_without_a_derived_metric_are_told_which_input_they_lack_and_what_they_log_instead(
    cli, book, tmp_path
):
    (tmp_path / "resultsbook.toml").write_text('[derived]\ndmc = "`AverageTestEpRet` / 1000"\n')
    table = rb.open(tmp_path).table(rows="algo", metric="dmc", tasks="env")
    assert [note for note in table.notes if "have no value" in note] == [
        "4 selected run(s) have no value of 'dmc' and are left out (ppo: 4); 'dmc' is computed from "
        "'AverageTestEpRet'; 4 of them log 'AverageEpRet'; `book.problems()` names any value collect refused"
    ]


def test_series_of_a_derived_metric_has_no_made_up_point_for_runs_without_its_input(book, tmp_path):
    """PPO's runs lack AverageTestEpRet: each got one point, step 0 and NaN, that nobody logged."""
    (tmp_path / "resultsbook.toml").write_text('[derived]\ndmc = "`AverageTestEpRet` / 1000"\n')
    opened = rb.open(tmp_path)
    assert len(opened.series("dmc", where={"algo": "ppo"})) == 0
    td3 = opened.series("dmc", where={"algo": "td3"})
    assert sorted(td3["step"].unique()) == [3999, 7999] and td3["value"].notna().all()
