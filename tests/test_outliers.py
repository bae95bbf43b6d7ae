"""One seed far from the others is named where a table shows the mean: four seeds near 0.1 and one
at 9.5 printed `2.0 ± 4.2` and won the bold, with nothing saying the typical run scored 0.1."""

from __future__ import annotations

import csv
import warnings

import numpy as np
import pytest
from conftest import curve

from resultsbook.query.outliers import ALPHA, lone_outlier


def test_the_one_value_far_from_the_others_is_found():
    assert lone_outlier(np.array([0.0, 0.0, 0.1, 0.2, 9.5])) == 4
    assert lone_outlier(np.array([9202.0, 27.6, 9210, 9237, 9207, 9220])) == 1  # a failed seed, low
    assert lone_outlier(np.array([1.0, 1, 1, 1, 0.8])) == 4  # the others agree exactly


def test_seeds_alike_or_a_value_that_barely_moves_the_mean_are_not_named():
    assert lone_outlier(np.array([1.0, 1.1, 0.9, 1.2, 1.0])) is None
    assert lone_outlier(np.array([1.0, 1, 1, 1, 0.98])) is None  # the mean moves 0.4 %: no story
    assert lone_outlier(np.array([0.0, 0.1, 0.2, 9.5])) is None  # four values: too few to judge
    assert lone_outlier(np.array([0.0, 0.0, 0.1, 0.2, 9.5, np.nan])) is None  # the caller drops NaN
    assert lone_outlier(np.array([0.0, 0.0, 0.1, 0.2, np.inf])) is None  # infinite: its own mark
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a sum past 1e308 says nothing, not a RuntimeWarning on stderr
        assert lone_outlier(np.array([1e308, 1e308, 1e308, 1e308, -1e308])) is None


@pytest.mark.parametrize("n", [5, 10, 30])
def test_normal_seeds_are_named_about_as_rarely_as_alpha_says(n):
    cells = np.random.default_rng(7).normal(size=(20_000, n))
    named = sum(lone_outlier(cell) is not None for cell in cells)
    assert named <= 4 * ALPHA * len(cells)  # 20 expected at most (Bonferroni is conservative)


def test_skewed_seeds_are_named_more_often_than_normal_ones():
    cells = np.random.default_rng(7).lognormal(sigma=1.5, size=(2_000, 10))
    assert sum(lone_outlier(cell) is not None for cell in cells) > 100


def _two_methods(make_run):
    for model, values in {"a": [0.0, 0.0, 0.1, 0.2, 9.5], "b": [1.0, 1.1, 0.9, 1.2, 1.0]}.items():
        for seed, value in enumerate(values):
            make_run(f"{model}{seed}", {"model": model, "seed": seed}, curve([value], key="success"))


def test_table_names_the_seed_that_carries_the_mean(make_run, cli):
    _two_methods(make_run)
    cli("collect", "runs")
    result = cli("table", "--rows", "model", "--metric", "success", "--goal", "max")
    assert result.exit_code == 0, result.output
    assert (
        "Warning: table: a: seed 4 gave 9.5, far from the other 4 (0 to 0.2): the mean, 1.96, rests on it "
        "(the median is 0.1); check that run, or show the median or the IQM, which it moves little"
    ) in result.output
    assert "b: seed" not in result.output
    median = cli("table", "--rows", "model", "--metric", "success", "--stat", "median,iqr")
    assert "far from" not in median.output  # the median moves little: nothing to say


def test_build_names_it_too(make_run, cli, tmp_path):
    _two_methods(make_run)
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.main]\nrows = ["model"]\nmetric = "success"\n'
        'goal = "max"\noutputs = ["main.md"]\n'
    )
    result = cli("build")
    assert result.exit_code == 0, result.output
    assert "Warning: main: a: seed 4 gave 9.5, far from the other 4" in result.output


def test_tianshou_names_ddpg_seed_that_failed_on_inverted_double_pendulum(realdata, cli):
    cli("collect", str(realdata / "tianshou-mujoco"), "--adapter", "wide", "--pattern", "{env}/{algo}/*.csv")
    result = cli(
        "table", "--rows", "algo", "--metric", "rew", "--where", "env=InvertedDoublePendulum-v2", "--verbose"
    )
    with open(realdata / "tianshou-mujoco/InvertedDoublePendulum-v2/ddpg/test_rew_10seeds.csv") as handle:
        last = list(csv.DictReader(handle))[-1]
    seeds = {
        int(name.split("seed_")[1].split("_")[0]): float(value)
        for name, value in last.items()
        if "seed_" in name
    }
    assert round(seeds[2], 1) == 27.6 and min(v for s, v in seeds.items() if s != 2) > 9000  # read by hand
    assert "ddpg: seed 2 gave 27.6, far from the other 9 (9,202 to 9,237): the mean, 8,295" in result.output


def test_a_notebook_table_says_it_in_its_notes(make_run, cli, tmp_path):
    import resultsbook as rb

    _two_methods(make_run)
    rb.collect(str(tmp_path / "runs"), db=str(tmp_path / "store.db"))
    table = rb.open(str(tmp_path / "store.db")).table(rows=["model"], metric="success")
    assert [note for note in table.notes if "far from" in note] == [
        "a: seed 4 gave 9.5, far from the other 4 (0 to 0.2): the mean, 1.96, rests on it (the median is 0.1); "
        "check that run, or show the median or the IQM, which it moves little"
    ]


def test_a_run_of_no_seed_far_from_the_others_is_named_by_its_name_not_seed_none(make_run, cli):
    """Dopamine's SAC on Ant (google/dopamine@5873f54, baselines/mujoco/data/ant.json) names no seed:
    its fifth run, at -927 against 6,093 to 6,452, was said as `seed none gave -927`."""
    for index, value in enumerate((0.1, 0.12, 0.08, 0.11, 9.5)):
        make_run(f"r{index}", {"model": "a"}, [{"step": 1, "success": value}])
    cli("collect", "runs")
    result = cli("table", "--rows", "model", "--metric", "success", "--goal", "max")
    assert "Warning: table: a: the run r4 gave 9.5, far from the other 4 (0.08 to 0.12)" in result.output
    assert "seed none" not in result.output


def test_a_run_whose_seed_other_runs_share_is_named_by_its_name(make_run, cli):
    """DJT777/xlstm-yolo's Ultralytics runs all train with seed 0: `seed 0 gave 0.00036, far from the
    other 5` named no run a user could find."""
    for index, value in enumerate((0.1, 0.12, 0.08, 0.11, 9.5)):
        make_run(f"train{index}", {"model": "a", "seed": 0}, [{"step": 1, "success": value}])
    cli("collect", "runs")
    result = cli("table", "--rows", "model", "--metric", "success", "--goal", "max")
    assert "Warning: table: a: the run train4 gave 9.5, far from the other 4 (0.08 to 0.12)" in result.output
    assert "seed 0 gave" not in result.output
