"""Stable-Baselines3 logs as rl-baselines3-zoo lays them out, written by SB3 itself (tests/fixtures/sb3):
the Monitor's `0.monitor.csv`, which opens with a `#{json}` line, and the logger's `progress.csv`."""

from __future__ import annotations

import itertools

import pytest
from trackers import copy_fixture, expected

import resultsbook as rb

MONITOR = "{algo}/{env}_{seed}/0.monitor.csv"
PROGRESS = "{algo}/{env}_{seed}/progress.csv"


@pytest.fixture
def logs(tmp_path):
    return copy_fixture("sb3", tmp_path) / "logs"


def _same(got: list[float], want: list[float | None]) -> bool:
    kept = [value for value in want if value is not None]
    return got == kept  # the same doubles: both sides read the same decimal text


@pytest.mark.parametrize("pattern", [MONITOR, PROGRESS])
def test_every_column_agrees_with_what_sb3_wrote(logs, tmp_path, pattern):
    report = rb.collect([str(logs)], db=str(tmp_path / "s.db"), pattern=pattern)
    # the logger's CSV read by the csv adapter is stepped by its rows, and the collect names the column
    # that steps it by timesteps, as the docs read it (-o step=time/total_timesteps)
    named = "column(s) 'time/total_timesteps' count steps: options={'step': 'time/total_timesteps'}"
    assert report.new == 2
    assert [named in problem.message for problem in report.problems] == [pattern == PROGRESS] * (
        2 if pattern == PROGRESS else 0
    )
    book = rb.open(str(tmp_path / "s.db"))
    runs = book.runs().set_index("run_id")
    assert sorted(runs["params.seed"]) == [1, 2]
    assert set(runs["params.env"]) == {"CartPole-v1"} and set(runs["params.algo"]) == {"ppo"}
    file = pattern.rsplit("/", 1)[1]
    for seed in runs["params.seed"]:
        want = expected("sb3")[f"logs/ppo/CartPole-v1_{seed}/{file}"]
        if file == "0.monitor.csv":  # read by sb3: `t` is each episode's wall time, the step the timesteps
            seconds = want.pop("t")
            series = book.series(list(want), where={"seed": int(seed)})
            lengths = series[series.metric == "l"].sort_values("step")
            assert lengths["step"].tolist() == list(itertools.accumulate(want["l"]))  # type: ignore[arg-type]
            assert lengths["time"].diff().dropna().round(6).tolist() == [
                round(b - a, 6)  # type: ignore[operator]
                for a, b in itertools.pairwise(seconds)
            ]
        series = book.series(list(want), where={"seed": int(seed)})
        for metric, values in want.items():
            got = series[series.metric == metric].sort_values("step")["value"].tolist()
            assert _same(got, values), (seed, metric)
    book.close()


def test_the_monitors_json_line_is_not_taken_for_its_header(logs, tmp_path, cli):
    """The `#{"t_start": …, "env_id": …}` line has a comma: read as the header, it made two columns of
    `r,l,t` rows and every episode was dropped as a ragged row."""
    cli("collect", str(logs), "--db", "s.db", "--pattern", MONITOR)
    result = cli(
        "table", "--db", "s.db", "--rows", "env", "--metric", "r", "--reduce", "mean", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    returns = [expected("sb3")[f"logs/ppo/CartPole-v1_{seed}/0.monitor.csv"]["r"] for seed in (1, 2)]
    means = [sum(values) / len(values) for values in returns]  # type: ignore[arg-type]
    assert f"{sum(means) / 2:.0f}" in result.output


def test_metrics_as_rows_are_not_headed_by_the_first_metric(logs, cli):
    """`--rows metric` with two metrics and no columns headed the one value column with the first
    metric's name, above a row holding the other metric."""
    cli("collect", str(logs), "--db", "s.db", "--pattern", PROGRESS)
    metrics = ["--metric", "rollout/ep_rew_mean", "--metric", "rollout/ep_len_mean"]
    result = cli("table", "--db", "s.db", "--rows", "metric", *metrics, "--format", "markdown")
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0]
    assert header.split("|")[2].strip() == "Value"
