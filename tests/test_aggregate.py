"""Aggregation over seeds: cells, honesty marks, derived metrics, best-mean, filters."""

from __future__ import annotations

import math
import random

import pytest
from conftest import curve

from resultsbook.errors import NotFoundError, QueryError
from resultsbook.query import MetricSpec, TableQuery, aggregate
from resultsbook.query.access import MetricReader
from resultsbook.query.matrices import MetricSeries
from resultsbook.query.select import parse_filter
from resultsbook.render.layout import replicates_word
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.voice import to_command_line


def table(store, tmp_path, metric="acc", **kwargs):
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    spec = metric if isinstance(metric, MetricSpec) else MetricSpec(metric)
    query = TableQuery(metrics=(spec,), **{"rows": ("model",), "min_replicates": 1, **kwargs})
    return aggregate(store, query)


def test_cells_hold_the_right_runs_and_statistics(make_run, store, tmp_path):
    for model, values in {"a": [0.5, 0.7, 0.6], "b": [0.8, 0.9, 1.0]}.items():
        for seed, value in enumerate(values):
            make_run(f"{model}{seed}", {"model": model, "seed": seed}, curve([0.1, value]))
    result = table(store, tmp_path, ddof=0)
    assert result.rows == (("a",), ("b",))
    cell = result.cell(("b",), ())
    assert [r.value for r in cell.runs] == [0.8, 0.9, 1.0]
    assert cell.stats["mean"] == pytest.approx(0.9)
    assert cell.stats["std"] == pytest.approx(0.0816496580927726)
    assert cell.marks == ()


def test_missing_seeds_are_marked_and_named(make_run, store, tmp_path):
    for model, seeds in {"a": [0, 1, 2], "b": [0, 2]}.items():
        for seed in seeds:
            make_run(f"{model}{seed}", {"model": model, "seed": seed}, curve([1.0]))
    result = table(store, tmp_path)
    assert [m.text for m in result.cell(("b",), ()).marks] == [
        "n = 2 of 3 seeds, the most any cell has (missing seed 1)"
    ]
    expected = table(store, tmp_path, expected=4)
    assert [m.text for m in expected.cell(("a",), ()).marks] == ["n = 3 of 4 seeds asked for"]


def test_seeds_drawn_at_random_per_run_are_not_named_as_missing(make_run, store, tmp_path):
    """Sacred draws a new seed for every run: no cell shares one, so none is 'missing' elsewhere."""
    for model, seeds in {"a": [104770530, 132581753, 912], "b": [55]}.items():
        for seed in seeds:
            make_run(f"{model}{seed}", {"model": model, "seed": seed}, curve([1.0]))
    marks = table(store, tmp_path).cell(("b",), ()).marks
    assert [(m.text, m.details) for m in marks] == [("n = 1 of 3 seeds, the most any cell has", ())]


def test_runs_that_record_no_seed_are_counted_as_runs_not_seeds(make_run, store, tmp_path):
    """ML-PWS's neuron models, one Lightning run per neuron and no seed: the mark said `n = 224 of 230
    seeds` where the table's note said `over n = 224–230 runs`."""
    for model, count in {"a": 3, "b": 2}.items():
        for index in range(count):
            make_run(f"{model}{index}", {"model": model}, curve([1.0 + index]))
    marks = table(store, tmp_path).cell(("b",), ()).marks
    assert [m.text for m in marks] == ["n = 2 of 3 runs, the most any cell has"]
    asked = table(store, tmp_path, expected=4).cell(("a",), ()).marks
    assert [m.text for m in asked] == ["n = 3 of 4 runs asked for"]


@pytest.mark.parametrize("seeded", [False, True])
def test_a_cell_that_ran_the_most_but_has_runs_without_a_value_counts_n_against_its_own_runs(
    make_run, store, tmp_path, seeded
):
    """A Lightning tree's cell of 10 runs, 4 without val_acc: `n = 6 of 10 runs, the most any cell has`
    read as if another cell had 10 values, beside a warning that 4 of its own runs have none."""
    for model, count in {"a": 5, "b": 3}.items():
        for index in range(count):
            metrics = curve([float("nan") if index == 3 else 0.5 + index / 10])
            if model == "a" and index == 4:  # crashed before it logged acc
                metrics = curve([1.0], key="loss")
            make_run(f"{model}{index}", {"model": model, **({"seed": index} if seeded else {})}, metrics)
    result = table(store, tmp_path)
    own, other = (
        [m.text for m in result.cell((model,), ()).marks if m.kind == "incomplete"] for model in "ab"
    )
    if seeded:
        assert own == [
            "n = 3 of its 5 seeds, the most any cell has (seed 3 and seed 4 ran but have no value)"
        ]
        assert other == ["n = 3 of 5 seeds, the most any cell has (missing seed 3)"]
    else:
        assert own == ["n = 3 of its 5 runs, the most any cell has (2 of them have no value)"]
        assert other == ["n = 3 of 5 runs, the most any cell has"]  # a's 5 runs: a cell can have 5


def test_a_metric_that_is_a_param_of_a_config_says_so_without_the_records_advice(make_run, store, tmp_path):
    """`--metric gain` over ML-PWS's gain sweep (gain from the folders' names and parameters.json): the
    error said records files read whole numbers as params, to list it in the source's options, which
    the csv reading it has not."""
    make_run("a", {"model": "a", "seed": 0, "gain": 0.5}, curve([1.0]))
    with pytest.raises(QueryError) as raised:
        table(store, tmp_path, metric="gain")
    assert str(raised.value) == (
        "no run logs a metric 'gain', but 1 run(s) have a param 'gain' (read by native): a setting, not a "
        "measurement; make it a row or column key, or select runs by it"
    )


def test_a_cell_averaging_two_configs_is_marked(make_run, store, tmp_path):
    make_run("x0", {"model": "a", "seed": 0, "lr": 0.1, "timestamp": 1}, curve([1.0]))
    make_run("x1", {"model": "a", "seed": 1, "lr": 0.01, "timestamp": 2}, curve([1.0]))
    marks = table(store, tmp_path).cell(("a",), ()).marks
    assert [m.text for m in marks] == ["averages runs that differ in lr (0.01, 0.1)"]
    # declared run-specific: exempt
    exempt = table(store, tmp_path, run_specific=("lr", "timestamp"))
    assert exempt.cell(("a",), ()).marks == ()


def test_failed_running_and_duplicate_seed_runs_are_marked(make_run, store, tmp_path):
    make_run("r0", {"model": "a", "seed": 0}, curve([1.0]), {"status": "failed"})
    make_run("r1", {"model": "a", "seed": 1}, curve([1.0]), {"status": "running"})
    make_run("r2", {"model": "a", "seed": 1}, curve([1.0]), {"status": "finished"})
    kinds = {m.kind: m.text for m in table(store, tmp_path).cell(("a",), ()).marks}
    assert kinds == {
        "status": "includes 1 failed, 1 running run(s)",
        "duplicate": "several runs share seed 1",
    }


def test_a_cell_sharing_many_seeds_names_the_first_three_and_counts_the_rest(make_run, store, tmp_path):
    """Two sweeps in one cell listed all 15 seeds they share (a sentence a screen wide)."""
    for sweep in ("x", "y"):
        for seed in range(15):
            make_run(f"{sweep}{seed}", {"model": "a", "seed": seed}, curve([1.0]))
    kinds = {m.kind: m.text for m in table(store, tmp_path).cell(("a",), ()).marks}
    assert kinds["duplicate"] == "several runs share seed 0, seed 1, seed 2 and 12 more"


def test_runs_sharing_a_seed_count_as_one_replicate_in_the_seeds_expected(make_run, store, tmp_path):
    """A stranger's SB3 runs read by the tensorboard adapter (github.com/eliamounier/Deep_RL: PPO_1 …
    PPO_6 of one seed) made 11 runs of 3 seeds in a cell: every other cell was 'n = 3 of 11 seeds', and
    that cell, lacking 3 of the 6 seeds, was not called incomplete."""
    for sweep in ("x", "y"):
        for seed in range(3):
            make_run(f"a_{sweep}{seed}", {"model": "a", "seed": seed}, curve([1.0]))
    for seed in range(3):
        make_run(f"b{seed}", {"model": "b", "seed": seed}, curve([1.0]))
    make_run("c0", {"model": "c", "seed": 0}, curve([1.0]))
    make_run("c0_again", {"model": "c", "seed": 0}, curve([2.0]))
    result = table(store, tmp_path)
    assert result.expected == 3
    assert {m.kind for m in result.cell(("b",), ()).marks} == set()
    assert {m.kind for m in result.cell(("a",), ()).marks} == {"duplicate"}
    marks = {m.kind: m.text for m in result.cell(("c",), ()).marks}
    assert (
        marks["incomplete"] == "1 of 3 seeds, the most any cell has, in n = 2 runs (missing seed 1, seed 2)"
    )


def test_runs_without_a_value_are_left_out_and_said(make_run, store, tmp_path):
    make_run("r0", {"model": "a", "seed": 0}, curve([1.0]))
    make_run("r1", {"model": "a", "seed": 1}, [{"step": 1, "acc": float("nan")}])
    cell = table(store, tmp_path).cell(("a",), ())
    assert cell.stats["n"] == 1
    assert [m.kind for m in cell.marks] == ["incomplete", "novalue"]


def test_a_run_that_stopped_before_the_step_asked_says_where_it_stopped(make_run, store, tmp_path):
    """DrQ-v2 evaluates every 20,000 frames up to 980,000: `at(1000000)` left every run of a task out
    as '10× NaN or not logged', though each logged a value at every evaluation."""
    make_run("r0", {"model": "a", "seed": 0}, curve([1.0, 2.0, 3.0], every=10))
    make_run("r1", {"model": "a", "seed": 1}, curve([1.0, 2.0], every=10))
    make_run("r2", {"model": "a", "seed": 2}, curve([5.0], every=40))
    cell = table(store, tmp_path, MetricSpec("acc", reduce="at(30)")).cell(("a",), ())
    assert cell.stats["n"] == 1
    novalue = next(m for m in cell.marks if m.kind == "novalue")
    assert novalue.text == (
        "2 run(s) have no value and are left out "
        "(logged from step 40, after at(30); stopped at step 20, before at(30))"
    )


def test_at_a_step_past_a_nan_end_or_on_a_nan_point_says_so(make_run, store, tmp_path):
    """A run logging [1, 2, 3, NaN] 'stopped at step 3, before at(5)' though it logged step 4; a NaN at
    the step asked, between numbers, read as the generic 'NaN or not logged'."""
    nan = float("nan")
    make_run("r0", {"model": "a", "seed": 0}, curve([1.0, 2.0, 3.0, 4.0, 5.0]))
    make_run("r1", {"model": "a", "seed": 1}, curve([1.0, 2.0, 3.0, nan]))
    make_run("r2", {"model": "b", "seed": 0}, curve([1.0, 2.0, 3.0]))
    make_run("r3", {"model": "b", "seed": 1}, curve([1.0, 2.0, nan, 4.0]))
    result = table(store, tmp_path, MetricSpec("acc", reduce="at(5)"))
    novalue = next(m for m in result.cell(("a",), ()).marks if m.kind == "novalue")
    assert novalue.text == "1 run(s) have no value and are left out (stopped at step 4, before at(5))"
    result = table(store, tmp_path, MetricSpec("acc", reduce="at(3)"))
    novalue = next(m for m in result.cell(("b",), ()).marks if m.kind == "novalue")
    assert novalue.text == "1 run(s) have no value and are left out (its value at(3) is NaN)"


@pytest.mark.parametrize(
    ("reduce", "said"),
    [
        ("last", "its last value is NaN: its curve ends in NaN after step 3 (diverged?)"),
        ("at(2)", "logged NaN at every point"),
        ("max", "logged NaN at every point"),
        ("last(2)", "its last 2 points are NaN: its curve ends in NaN after step 2 (diverged?)"),
    ],
)
def test_a_run_that_logged_only_nan_or_ends_in_nan_is_not_said_to_be_unlogged(
    make_run, store, tmp_path, reduce, said
):
    """A run that logged NaN at every point (diverged at once) was left out as 'NaN or not logged', as if
    it might never have logged the metric; `last` of a curve ending in NaN said the same."""
    nan = float("nan")
    make_run("r0", {"model": "a", "seed": 0}, curve([1.0, 2.0, 3.0]))
    make_run("r1", {"model": "a", "seed": 1}, curve([nan, nan, nan]))
    make_run(
        "r2",
        {"model": "b", "seed": 0},
        curve([1.0, 2.0, nan, nan] if reduce == "last(2)" else [1.0, 2.0, 3.0, nan]),
    )
    result = table(store, tmp_path, MetricSpec("acc", reduce=reduce))
    novalue = next(m for m in result.cell(("a",), ()).marks if m.kind == "novalue")
    assert novalue.text == "1 run(s) have no value and are left out (logged NaN at every point)"
    if reduce in ("last", "last(2)"):
        novalue = next(m for m in result.cell(("b",), ()).marks if m.kind == "novalue")
        assert novalue.text == f"1 run(s) have no value and are left out ({said})"


def test_a_derived_metric_at_a_step_a_run_never_reached_says_where_it_stopped(make_run, store, tmp_path):
    """The same for a derived metric (error = 1 - acc), which said 'NaN or not logged'."""
    make_run("r0", {"model": "a", "seed": 0}, curve([0.1, 0.2, 0.3], every=10))
    make_run("r1", {"model": "a", "seed": 1}, curve([0.1, 0.2], every=10))
    cell = table(store, tmp_path, MetricSpec("err", reduce="at(30)"), derived={"err": "1 - acc"}).cell(
        ("a",), ()
    )
    assert cell.stats["n"] == 1 and cell.stats["mean"] == pytest.approx(0.7)
    novalue = next(m for m in cell.marks if m.kind == "novalue")
    assert novalue.text == "1 run(s) have no value and are left out (stopped at step 20, before at(30))"


def test_runs_lacking_a_row_key_are_left_out_with_a_note(make_run, store, tmp_path):
    make_run("r0", {"model": "a", "seed": 0}, curve([1.0]))
    make_run("r1", {"seed": 1}, curve([2.0]))
    result = table(store, tmp_path)
    assert result.rows == (("a",),)
    assert result.notes == (
        "1 run(s) with 'acc' have no param 'model' and were left out (the first: runs/r1; a run still starting, "
        "its config not written yet, has it once collected again; if a collect with another pattern left "
        "them, `rb.forget('runs/old')` removes the runs under a folder)",
    )


def test_runs_lacking_a_row_key_name_the_param_of_a_close_name_only_they_hold(make_run, store, tmp_path):
    """chris-santiago/vime@c77d735: the runs under `outputs/vime-learner/train_semi/2023-05-26/` set
    `data.pct_labeled` in their `.hydra/config.yaml`, the later `multirun/` jobs `data.n_labeled`; a table
    by `data.n_labeled` left the older ones out guessing "a run still starting, its config not written
    yet", which they were not. A param both kinds of run hold (`data.batch_size`) is no such name."""
    make_run("multirun0", {"data": {"n_labeled": 0.2, "batch_size": 1024}, "seed": 0}, curve([0.94]))
    make_run("old0", {"data": {"pct_labeled": 0.1, "batch_size": 1024}, "seed": 0}, curve([0.93]))
    result = table(store, tmp_path, rows=("data.n_labeled",))
    assert result.notes == (
        "1 run(s) with 'acc' have no param 'data.n_labeled' and were left out (the first: runs/old0; they "
        "have the param 'data.pct_labeled', of a name close to it: where the key was renamed between runs, "
        "grouping by 'data.pct_labeled' shows them)",
    )


def test_runs_lacking_a_row_key_name_the_param_that_names_it_otherwise(make_run, store, tmp_path):
    """A project that renamed `lr` to `learning_rate` half-way: a table by `lr` left the later runs out,
    guessed they were still starting, and pointed at `forget`, which would have deleted them."""
    make_run("old0", {"model": "a", "lr": 0.1, "seed": 0}, curve([0.9]))
    make_run("new0", {"model": "a", "learning_rate": 0.1, "seed": 1}, curve([0.8]))
    result = table(store, tmp_path, rows=("lr",))
    assert result.notes == (
        "1 run(s) with 'acc' have no param 'lr' and were left out (the first: runs/new0; they have the "
        "param 'learning_rate', another name for it: where the key was renamed between runs, grouping by "
        "'learning_rate' shows them)",
    )
    together = table(store, tmp_path, rows=("model",))
    assert together.notes == ()
    [text] = [mark.text for cell in together.cells.values() for mark in cell.marks if mark.kind == "mixed"]
    assert text == (
        "averages runs that differ in learning_rate (0.1, not recorded); lr (0.1, not recorded) "
        "(learning_rate and lr may be one setting under two names)"
    )


def test_two_names_of_one_setting_every_run_holds_are_two_settings(make_run, store, tmp_path):
    """base_lr and lr in every run (a schedule's start and its peak): not one setting under two names;
    and runs left out of which only some hold the other name are counted."""
    make_run("a0", {"model": "a", "base_lr": 0.1, "lr": 1.0, "seed": 0}, curve([0.9]))
    make_run("a1", {"model": "a", "base_lr": 0.2, "lr": 2.0, "seed": 1}, curve([0.8]))
    together = table(store, tmp_path, rows=("model",))
    [text] = [mark.text for cell in together.cells.values() for mark in cell.marks if mark.kind == "mixed"]
    assert "two names" not in text, text
    make_run("b0", {"model": "b", "learning_rate": 0.1, "seed": 0}, curve([0.7]))
    make_run("b1", {"model": "b", "seed": 1}, curve([0.7]))
    make_run("c0", {"model": "c", "wd": 0.1, "seed": 0}, curve([0.7]))
    [note] = [n for n in table(store, tmp_path, rows=("model", "base_lr")).notes if "no param 'base_lr'" in n]
    assert "1 of them have the param 'learning_rate', another name for it" in note, note


def test_runs_left_out_for_lack_of_the_metric_name_the_like_metric_they_log(make_run, store, tmp_path):
    """Spinning Up's PPO logs its return as AverageEpRet, its SAC as AverageTestEpRet, and a few runs
    of a forked logger as AverageTestEpRet1: the note sent the user to `problems`, which had none."""
    make_run("sac0", {"model": "sac", "seed": 0}, curve([1.0], key="AverageTestEpRet"))
    make_run("ppo0", {"model": "ppo", "seed": 0}, curve([2.0], key="AverageEpRet"))
    make_run("ppo1", {"model": "ppo", "seed": 1}, curve([2.0], key="AverageEpRet"))
    make_run("td30", {"model": "td3", "seed": 0}, curve([3.0], key="AverageTestEpRet1"))
    result = table(store, tmp_path, metric="AverageTestEpRet")
    assert result.notes == (
        "3 selected run(s) have no value of 'AverageTestEpRet' and are left out (ppo: 2; td3: 1); "
        "2 of them log 'AverageEpRet'; 1 of them log 'AverageTestEpRet1'; "
        "`book.problems()` names any value collect refused",
    )


def test_runs_of_the_table_without_any_value_of_the_metric_are_counted_in_a_note(make_run, store, tmp_path):
    make_run("a0", {"model": "a", "seed": 0}, curve([1.0]))
    make_run("a1", {"model": "a", "seed": 1}, curve([3.0], key="loss"))  # never logged acc
    make_run("b0", {"model": "b", "seed": 0}, curve([2.0], key="loss"), {"status": "failed"})
    make_run("b1", {"model": "b", "seed": 1}, curve([2.0], key="loss"))
    make_run("c0", {"seed": 0}, curve([2.0], key="loss"))  # no row key: in no cell, not counted
    result = table(store, tmp_path)
    assert result.rows == (("a",),) and result.cell(("a",), ()).stats["n"] == 1
    assert result.notes == (
        "3 selected run(s) (1 of them failed, interrupted or running) have no value of 'acc' and are left out (b: 2; a: 1); "
        "`book.problems()` names any value collect refused",
    )
    scoped = table(store, tmp_path, filters=(parse_filter("model=a"), parse_filter("seed=0")))
    assert scoped.notes == ()


def test_best_of_validation_skip_first_and_scale(make_run, store, tmp_path):
    make_run(
        "r0",
        {"model": "a", "seed": 0},
        [{"step": s, "val": v, "test": t} for s, v, t in [(1, 0.9, 0.1), (2, 0.5, 0.2), (3, 0.8, 0.3)]],
    )
    best = table(store, tmp_path, MetricSpec("test", reduce="best(val, max)", scale=100))
    assert best.cell(("a",), ()).stats["mean"] == pytest.approx(10.0)
    skipped = table(store, tmp_path, MetricSpec("test", reduce="best(val, max)", skip_first=1))
    assert skipped.cell(("a",), ()).stats["mean"] == pytest.approx(0.3)


def test_best_mean_picks_one_step_for_all_seeds(make_run, store, tmp_path):
    make_run("r0", {"model": "a", "seed": 0}, curve([1.0, 5.0, 2.0]))
    make_run("r1", {"model": "a", "seed": 1}, curve([3.0, 1.0, 4.0]))  # mean: 2, 3, 3 -> first best step 2
    cell = table(store, tmp_path, MetricSpec("acc", reduce="best-mean")).cell(("a",), ())
    assert cell.step == 2 and [r.value for r in cell.runs] == [5.0, 1.0]
    budget = table(store, tmp_path, MetricSpec("acc", reduce="best-mean", budget=1)).cell(("a",), ())
    assert budget.step == 1 and [r.value for r in budget.runs] == [1.0, 3.0]


def test_best_mean_marks_the_steps_a_seed_that_stopped_early_cut(make_run, store, tmp_path):
    """Seeds are averaged only at steps all of them logged: one stopping at step 2 of 5 cuts the
    cell's best step there, while another cell's is chosen at step 5; the cell says so."""
    for model, lengths in {"a": [5, 5], "b": [5, 2]}.items():
        for seed, length in enumerate(lengths):
            make_run(
                f"{model}{seed}",
                {"model": model, "seed": seed},
                curve([0.1 * k + seed for k in range(length)]),
            )
    result = table(store, tmp_path, MetricSpec("acc", reduce="best-mean", direction="max"))
    assert result.cell(("a",), ()).marks == ()
    cell = result.cell(("b",), ())
    assert cell.step == 2
    assert [(m.kind, m.note, m.text, m.details) for m in cell.marks] == [
        (
            "mixed",
            "ends",
            "averages runs whose curves end at different steps (2 to 5): best-mean's step is chosen "
            "among the steps every run logged, cut at 2 by b1, which stops there; a budget of 2 "
            "chooses every cell's step up to it",
            ("b1: ends at step 2", "b0: ends at step 5"),
        )
    ]
    budget = MetricSpec("acc", reduce="best-mean", budget=2, direction="max")
    assert table(store, tmp_path, budget).cell(("b",), ()).marks == ()


def test_derived_metrics_use_metrics_and_params(make_run, store, tmp_path):
    make_run(
        "r0",
        {"model": "a", "seed": 0, "random": 10},
        [{"step": 1, "ret": 20.0, "val/x": 2.0}, {"step": 2, "ret": 30.0, "val/x": 4.0}],
    )
    result = table(
        store, tmp_path, MetricSpec("norm", reduce="max"), derived={"norm": "(ret - random) / `val/x`"}
    )
    assert result.cell(("a",), ()).stats["mean"] == pytest.approx(5.0)


def test_filters_and_several_metrics(make_run, store, tmp_path):
    for model, lr in [("a", 0.1), ("a", 0.01), ("b", 0.1)]:
        make_run(
            f"{model}{lr}", {"model": model, "seed": 0, "lr": lr}, [{"step": 1, "acc": lr, "loss": 1 - lr}]
        )
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = TableQuery(
        metrics=(MetricSpec("acc"), MetricSpec("loss")), rows=("model",), filters=(parse_filter("lr=0.1"),)
    )
    result = aggregate(store, query)
    assert result.column_keys == ("metric",)
    assert result.columns == (("acc",), ("loss",))
    assert result.cell(("a",), ("loss",)).stats["mean"] == pytest.approx(0.9)


def test_unknown_metric_suggests_close_names(make_run, store, tmp_path):
    make_run("r0", {"model": "a"}, [{"step": 1, "val/acc": 1.0}])
    with pytest.raises(QueryError, match="no run logs a metric 'acc'; did you mean 'val/acc'"):
        table(store, tmp_path, "acc")


def test_a_metric_lightning_logged_per_step_and_per_epoch_names_both_halves(make_run, store, tmp_path):
    # self.log("val_acc", on_step=True, on_epoch=True): the guess by spelling named val_acc_step alone
    make_run("r0", {"model": "a"}, [{"step": 1, "val_acc_step": 0.8}, {"step": 2, "val_acc_epoch": 0.9}])
    with pytest.raises(QueryError) as raised:
        table(store, tmp_path, "val_acc")
    assert str(raised.value) == (
        "no run logs a metric 'val_acc'; did you mean 'val_acc_epoch' or 'val_acc_step'? (Lightning logs a "
        "metric logged with on_step and on_epoch as both: its mean over each epoch, and its value at each step)"
    )


def test_too_few_replicates_and_mixed_code_versions_are_marked(make_run, store, tmp_path):
    make_run("r0", {"model": "a", "seed": 0}, curve([1.0]), {"git": {"commit": "aaaa1111", "dirty": False}})
    make_run("r1", {"model": "a", "seed": 1}, curve([2.0]), {"git": {"commit": "bbbb2222", "dirty": True}})
    marks = table(store, tmp_path, min_replicates=3).cell(("a",), ()).marks
    assert [(m.kind, m.text) for m in marks] == [
        ("few", "only 2 replicates (fewer than 3)"),
        ("provenance", "mixes 2 git commits (aaaa111, bbbb222)"),
        ("provenance", "includes 1 run from a dirty working tree"),
    ]


def test_a_plan_of_one_replicate_marks_no_cell_as_too_few(make_run, store, tmp_path):
    """replicates = 1 (one run per config, by plan) marked every cell '# only 1 replicate (fewer than
    3)' and warned so; a cell short of a plan of two still is."""
    make_run("r0", {"model": "a", "seed": 0}, curve([1.0]))
    make_run("r1", {"model": "b", "seed": 0}, curve([2.0]))
    single = table(store, tmp_path, expected=1, min_replicates=3)
    assert [m.kind for m in single.cell(("a",), ()).marks] == []
    planned_two = table(store, tmp_path, expected=2, min_replicates=3)
    assert "few" in [m.kind for m in planned_two.cell(("a",), ()).marks]


def test_seeds_of_each_cell_own_are_not_named_as_missing_in_another(make_run, store, tmp_path):
    """Cells that each ran seeds of their own (a benchmark's 100-103 for one algorithm, 10-50 for
    another) sharing a few: a cell one run short was said to miss every seed the others ran,
    'n = 2 of 3 (missing seed 3, seed 4, seed 5, seed 6)'."""
    for model, seeds in {"a": [0, 1, 2], "b": [0, 3, 4], "c": [5, 6]}.items():
        for seed in seeds:
            make_run(f"{model}{seed}", {"model": model, "seed": seed}, curve([1.0]))
    assert [m.text for m in table(store, tmp_path).cell(("c",), ()).marks] == [
        "n = 2 of 3 seeds, the most any cell has"
    ]


def test_expected_seeds_by_name(make_run, store, tmp_path):
    for seed in (0, 2):
        make_run(f"r{seed}", {"model": "a", "seed": seed}, curve([1.0]))
    marks = table(store, tmp_path, replicate_values=(0, 1, 2, 3)).cell(("a",), ()).marks
    assert [m.text for m in marks] == ["n = 2 of the 4 seeds listed (missing seed 1, seed 3)"]


def test_a_setting_one_config_holds_and_another_of_its_format_lacks_is_a_mix(make_run, store, tmp_path):
    """yandex-research/tabm's report.json: MLP-periodic's config holds a `num_embeddings` block that the
    plain MLP's lacks, both `arch_type = plain`; the cell averaging both did not name the block."""
    make_run("r0", {"model": "a", "seed": 0, "lr": 0.1, "embeddings": {"type": "periodic"}}, curve([1.0]))
    make_run("r1", {"model": "a", "seed": 1, "lr": 0.1}, curve([2.0]))
    [mark] = table(store, tmp_path).cell(("a",), ()).marks
    assert mark.text.startswith("averages runs that differ in embeddings.type (periodic, not recorded)")


def test_a_param_holding_the_seed_under_another_name_is_not_a_mix(make_run, store, tmp_path):
    """yandex-research/tabm's `{seed}/report.json` folders beside the report's own `config.seed`, equal
    in every run: every cell was marked as averaging runs that differ in config.seed."""
    for seed in range(3):
        make_run(f"s{seed}", {"model": "a", "seed": seed, "config": {"seed": seed}}, curve([1.0 + seed]))
        make_run(
            f"t{seed}", {"model": "b", "seed": seed, "config": {"seed": seed + 100}}, curve([1.0 + seed])
        )
    result = table(store, tmp_path)
    assert result.cell(("a",), ()).marks == ()
    [mark] = result.cell(("b",), ()).marks  # another number than the seed's: said
    assert mark.text.startswith("averages runs that differ in config.seed (100, 101, 102)")


def test_a_param_another_reader_records_or_a_run_of_no_params_lacks_is_not_a_mix(make_run, store, tmp_path):
    """Another tracker's extras (the Hugging Face Trainer's arguments) say nothing of the config, nor
    does a run that records no param at all (an Ultralytics folder of empty event files)."""
    make_run("r0", {"model": "a", "seed": 0, "lr": 0.1}, curve([1.0]))
    (tmp_path / "r1.csv").write_text("step,acc\n0,2.0\n")
    collect(store, [CollectRequest(str(tmp_path / "r1.csv"), params={"model": "a", "seed": 1})])
    make_run("r2", {}, curve([1.5]))
    result = table(store, tmp_path, rows=("status",), replicate=("seed",), run_specific=("model",))
    [cell] = result.cells.values()
    assert len(cell.runs) == 3
    assert [mark.text for mark in cell.marks if "differ in" in mark.text] == []


def pooled_runs(make_run, splits=(0, 1, 2), seeds=(0, 1, 2)):
    """A dataset published in several splits, each tuned apart (its own lr), each run with seeds."""
    for split in splits:
        for seed in seeds:
            config = {"model": "a", "split": split, "lr": 0.1 * (split + 1), "seed": seed}
            make_run(f"s{split}_{seed}", config, curve([split + seed / 10]))


def test_a_pooled_cell_counts_seeds_per_pooled_value_and_allows_their_configs_to_differ(
    make_run, store, tmp_path
):
    pooled_runs(make_run)
    cell = table(store, tmp_path, pool=("split",)).cell(("a",), ())
    assert cell.stats["n"] == 9 and cell.marks == ()
    assert cell.stats["mean"] == pytest.approx(sum(s + d / 10 for s in range(3) for d in range(3)) / 9)
    unpooled = {m.kind for m in table(store, tmp_path).cell(("a",), ()).marks}
    assert unpooled == {"mixed", "duplicate"}  # without `pool`, the same numbers are flagged


def test_a_pooled_cell_still_marks_mixed_configs_within_one_pooled_value(make_run, store, tmp_path):
    pooled_runs(make_run)
    make_run("odd", {"model": "a", "split": 1, "lr": 0.5, "seed": 3}, curve([1.0]))
    marks = table(store, tmp_path, pool=("split",)).cell(("a",), ()).marks
    assert [m.text for m in marks if m.kind == "mixed"] == ["averages runs that differ in lr (0.2, 0.5)"]


def test_a_pooled_value_missing_seeds_is_named(make_run, store, tmp_path):
    pooled_runs(make_run)
    (tmp_path / "runs" / "s2_1" / "metrics.jsonl").unlink()
    (tmp_path / "runs" / "s2_1" / "config.json").unlink()
    marks = table(store, tmp_path, pool=("split",)).cell(("a",), ()).marks
    assert [m.text for m in marks] == ["n = 8 of 9 (3 per pooled split; fewer in split 2)"]


def test_the_note_says_what_a_cell_pools(make_run, store, tmp_path):
    from resultsbook.render import TableFormat, render_table

    pooled_runs(make_run)
    result = table(store, tmp_path, pool=("split",))
    text = render_table(result, "markdown", TableFormat(highlight="none"))
    assert "over n = 9 runs, one per split × seed (split pooled: 3 per cell)" in text  # not 9 seeds: 3


def test_pooled_values_of_scales_far_apart_are_said_to_make_the_mean_one_of_them(make_run, store, tmp_path):
    """`--pool game` over raw returns (Qbert's thousands beside Pong's units) printed a mean that was
    Qbert's and a std that was the gap between games, without a word."""
    for game, scale in (("pong", 1.0), ("qbert", 5000.0)):
        for seed in range(3):
            make_run(
                f"{game}{seed}", {"model": "a", "game": game, "seed": seed}, curve([scale * (1 + seed / 10)])
            )
    notes = table(store, tmp_path, pool=("game",)).notes
    assert [note for note in notes if "differ in scale" in note] == [
        "the game values a cell pools differ in scale: the largest absolute value of a run is 6,000 on 'qbert' "
        "but 1.2 on 'pong', 5,000 times less (more than 1,000 times): a cell's mean is mostly that of 'qbert', "
        "and its spread the gap between them; normalise per game with [normalized.NAME], or make game a row or "
        "column"
    ]


def test_a_pooled_param_no_run_has_is_named(make_run, store, tmp_path):
    pooled_runs(make_run)
    result = table(store, tmp_path, pool=("splt",))
    assert result.notes == ("no run has the pooled param 'splt'; did you mean 'split'?",)


def test_a_build_decoding_each_metric_once_gets_the_tables_computed_alone(
    make_run, store, tmp_path, monkeypatch
):
    """A build plans its reductions: each metric's series is decoded once for every table and let go,
    the best steps one metric's `best(...)` needs of another computed first, and where the runs that
    have no point at an `at(step)` stopped (a second decoding of 100k runs cost a build 0.3 s)."""
    rng = random.Random(5)
    for model in ("a", "b"):
        for seed in range(3):
            points = [{"step": s * 10, "acc": rng.random(), "loss": rng.random()} for s in range(1, 8)]
            make_run(f"{model}{seed}", {"model": model, "seed": seed}, points[: 3 if seed == 2 else 7])
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    metrics = [
        MetricSpec("acc", "best(loss, min)"),
        MetricSpec("loss", "best(acc, max)"),  # each looks at the other's steps
        MetricSpec("acc", "best(acc, max)", skip_first=1),
        MetricSpec("acc", "last(2)", skip_first=1),
        MetricSpec("loss", "at(30)"),
        MetricSpec("loss", "at(50)"),  # the short runs stopped at step 30
        MetricSpec("acc", "at(5)", skip_first=1),  # every run's points start at step 20
        MetricSpec("loss", "min", skip_first=5),  # nothing left of the short runs
    ]
    planned = MetricReader(store)
    planned.plan(metrics)
    decoded = []
    read = MetricSeries.read.__func__
    monkeypatch.setattr(
        MetricSeries,
        "read",
        classmethod(lambda cls, store, key: decoded.append(key) or read(cls, store, key)),
    )

    def numbers(result):
        return {
            key: (
                cell.runs.run_ids.tolist(),
                cell.runs.notes.tolist(),
                cell.runs.values.tobytes(),
                repr(cell.stats),
                cell.marks,
            )
            for key, cell in result.cells.items()
        }

    queries = [TableQuery(metrics=(metric,), rows=("model",), min_replicates=1) for metric in metrics]
    computed = [numbers(aggregate(store, query, reader=planned)) for query in queries]
    assert sorted(decoded) == ["acc", "loss"]
    for query, cells in zip(queries, computed):
        assert cells == numbers(aggregate(store, query))
    notes = {mark.text for cells in computed for cell in cells.values() for mark in cell[4]}
    assert "1 run(s) have no value and are left out (stopped at step 30, before at(50))" in notes
    assert "3 run(s) have no value and are left out (3× logged from step 20, after at(5))" in notes


def test_a_mistyped_key_is_matched_against_the_run_fields_too_and_a_value_suggested_is_quoted(
    make_run, store, tmp_path
):
    make_run("r0", {"model": "word 2 vec", "seed": 0}, curve([1.0]), {"experiment": "lyrics"})
    with pytest.raises(
        QueryError, match=r"row key 'experimnt' is not a param .*; did you mean 'experiment'\?$"
    ):
        table(store, tmp_path, rows=("experimnt",))
    with pytest.raises(
        QueryError,
        match=r"filter experimnt=lyrics: no run has a param 'experimnt'; did you mean 'experiment'\?$",
    ):
        table(store, tmp_path, filters=(parse_filter("experimnt=lyrics"),))
    with to_command_line(), pytest.raises(Exception, match=r"did you mean 'model=word 2 vec'\?$"):
        table(store, tmp_path, filters=(parse_filter("model=word 2 vek"),))  # as pasted into a shell
    with pytest.raises(Exception, match=r"did you mean \{'model': 'word 2 vec'\}\?$"):
        table(store, tmp_path, filters=(parse_filter("model=word 2 vek"),))  # as written in a where dict


def test_a_misspelt_value_in_a_list_or_after_not_equal_is_refused_with_the_one_meant(
    make_run, store, tmp_path
):
    for model in ("logreg", "mlp"):
        for seed in (0, 1):
            make_run(f"{model}{seed}", {"model": model, "seed": seed}, curve([0.5]))
    with pytest.raises(NotFoundError, match=r"no run has model=logrg; .*did you mean model=mlp,logreg\?$"):
        table(store, tmp_path, filters=(parse_filter("model=mlp,logrg"),))  # would silently drop logreg
    with pytest.raises(NotFoundError, match=r"no run has model=mpl; .*did you mean 'model!=mlp'\?$"):
        table(store, tmp_path, filters=(parse_filter("model!=mpl"),))  # would silently keep mlp
    # a value with nothing close to it may be of runs still to come: the table is built
    assert table(store, tmp_path, filters=(parse_filter("seed=0,1,7"),)).rows == (("logreg",), ("mlp",))
    assert table(store, tmp_path, filters=(parse_filter("seed=0,11"),)).rows == (("logreg",), ("mlp",))


def test_a_value_holding_a_comma_is_meant_with_its_comma_escaped(make_run, store, tmp_path):
    """`env=a,b` on runs of env `a,b` and `c` was answered "did you mean env=a,b,b?", which splits again."""
    for env in ("a,b", "c"):
        make_run(env, {"env": env, "seed": 0}, curve([0.5]))
    with pytest.raises(NotFoundError) as caught:
        table(store, tmp_path, rows=("env",), filters=(parse_filter("env=a,b"),))
    assert str(caught.value) == "filter env=a,b: no run has env=a; env has: a,b, c; did you mean 'env=a\\,b'?"
    assert table(store, tmp_path, rows=("env",), filters=(parse_filter(r"env=a\,b"),)).rows == (("a,b",),)


def test_a_number_filter_over_values_held_as_text_alone_is_refused_with_the_ones_meant(
    make_run, store, tmp_path
):
    """Seeds held as tags (`s1`, `s2`, `s3`), where a tired `--where seed!=1` kept every run in silence
    (a number no run has was taken for a seed to come) and `seed=1,2` was answered with `seed=s1`."""
    for model in ("logreg", "mlp"):
        for seed in ("s1", "s2", "s3"):
            make_run(f"{model}_{seed}", {"model": model, "seed": seed}, curve([0.5]))
    with pytest.raises(NotFoundError) as caught:
        table(store, tmp_path, filters=(parse_filter("seed!=1"),))
    assert (
        str(caught.value)
        == "filter seed!=1: no run has seed=1; seed has: s1, s2, s3; did you mean 'seed!=s1'?"
    )
    with pytest.raises(NotFoundError) as caught:
        table(store, tmp_path, filters=(parse_filter("seed=1,2"),))
    assert str(caught.value) == (
        "filter seed=1,2: no run has seed=1,2; seed has: s1, s2, s3; did you mean seed=s1,s2?"
    )
    with pytest.raises(NotFoundError, match=r"no run has seed=1; .*did you mean seed=s1,s2\?$"):
        table(store, tmp_path, filters=(parse_filter("seed=1,s2"),))  # would silently keep s2 alone


def test_a_value_copied_from_runs_six_digits_suggests_the_full_value_it_rounds(make_run, store, tmp_path):
    # lr values of Optuna trials, Elluito/spase-resnet-50-experiments@a9285c1 lightning_logs/version_*/hparams.yaml
    for i, lr in enumerate((0.022917513231918395, 0.04362291696800758, 0.004483179516403553)):
        make_run(f"version_{i}", {"lr": lr}, curve([0.5]))
    with to_command_line(), pytest.raises(NotFoundError, match=r"did you mean lr=0\.022917513231918395\?$"):
        table(store, tmp_path, rows=("lr",), filters=(parse_filter("lr=0.0229175"),))  # as `runs` shows it
    with pytest.raises(NotFoundError, match=r"did you mean \{'lr': 0\.022917513231918395\}\?$"):
        table(store, tmp_path, rows=("lr",), filters=(parse_filter("lr=0.0229175"),))  # a number, in Python


def test_a_bound_beyond_every_value_names_the_range_the_values_span(make_run, store, tmp_path):
    # 601 Optuna trials' lr (Elluito/spase-resnet-50-experiments@a9285c1): `lr>=1` listed the 12 lowest
    for i, lr in enumerate((0.022917513231918395, 1.0043616863802428e-05, 0.09999239929770698, 0.0035)):
        make_run(f"version_{i}", {"lr": lr}, curve([0.5]))
    with pytest.raises(NotFoundError) as error:
        table(store, tmp_path, rows=("lr",), filters=(parse_filter("lr>=1"),))
    assert str(error.value) == (
        "filter lr>=1 matches no run; lr ranges from 1.0043616863802428e-05 to 0.09999239929770698 (4 values)"
    )


def test_an_ordered_value_no_run_has_is_named_with_the_one_meant(make_run, store, tmp_path):
    for model in ("logreg", "mlp"):
        make_run(model, {"model": model, "seed": 0}, curve([0.5]))
    result = table(store, tmp_path, order={"model": ("mpl", "logreg")})
    assert result.rows == (("logreg",), ("mlp",))  # the misspelt value orders nothing
    assert result.notes == ("order lists model 'mpl', which no run has; did you mean 'mlp'?",)


def test_an_ordered_number_given_as_text_says_the_runs_hold_a_number(make_run, store, tmp_path):
    """`order = {lr = ["0.1", "0.01"]}` said "which no run has; did you mean '0.1'?": the same text."""
    for lr in (0.1, 0.01):
        make_run(f"lr{lr}", {"lr": lr, "seed": 0}, curve([0.5]))
    result = table(store, tmp_path, rows=("lr",), order={"lr": ("0.01", 0.1)})
    assert result.rows == ((0.1,), (0.01,))  # 0.1 as listed, then the rest: the text orders nothing
    assert result.notes == (
        "order lists lr '0.01', which no run has; its runs hold 0.01, a number: list it as 0.01",
    )


def test_an_order_of_a_misspelt_key_names_the_key_meant(make_run, store, tmp_path):
    for model in ("logreg", "mlp"):
        make_run(model, {"model": model, "seed": 0}, curve([0.5]))
    result = table(store, tmp_path, order={"modle": ("mlp", "logreg")})
    assert result.notes == ("order names 'modle', which no run has; did you mean 'model'?",)


def test_an_order_of_a_key_the_table_does_not_show_says_nothing(make_run, store, tmp_path):
    make_run("a", {"model": "a", "seed": 0}, curve([0.5]))
    assert table(store, tmp_path, order={"dataset": ("zzz",)}).notes == ()  # set in [defaults] for others


def test_a_metric_given_without_its_section_names_every_section_that_has_it(make_run, store, tmp_path):
    make_run(
        "r0", {"model": "a"}, [{"step": 1, "val.f1_macro": 0.9, "test.f1_macro": 0.8, "val.f1_micro": 0.7}]
    )
    with pytest.raises(QueryError, match=r"did you mean 'test\.f1_macro' or 'val\.f1_macro'\?$"):
        table(store, tmp_path, "f1_macro")


def test_a_metric_given_without_its_section_names_the_one_section_that_has_it(make_run, store, tmp_path):
    """SB3's train/loss beside train/actor_loss, time/fps and 18 more (github.com/eliamounier/Deep_RL):
    --metric loss listed the first twelve metrics, since one key alone ends in /loss."""
    logged = {f"train/other_{i}": 0.1 for i in range(14)}
    make_run("r0", {"model": "a"}, [{"step": 1, "train/loss": 0.9, "train/actor_loss": 0.8, **logged}])
    with pytest.raises(QueryError, match=r"did you mean 'train/loss'\?$"):
        table(store, tmp_path, "loss")


def test_several_metrics_come_in_the_order_they_are_listed(make_run, store, tmp_path):
    """`metrics = ["loss", "acc"]` came out acc, loss: sorted by name, against the order the paper asked."""
    for seed in range(2):
        make_run(f"r{seed}", {"model": "a", "seed": seed}, [{"step": 1, "loss": 0.5, "acc": 0.9}])
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    metrics = (MetricSpec("loss"), MetricSpec("acc"))
    result = aggregate(store, TableQuery(metrics=metrics, rows=("model",), min_replicates=1))
    assert result.columns == (("loss",), ("acc",))
    ordered = TableQuery(metrics=metrics, rows=("model",), min_replicates=1, order={"metric": ("acc",)})
    assert aggregate(store, ordered).columns == (("acc",), ("loss",))


def test_a_table_whose_runs_record_no_seed_says_runs_even_when_no_run_has_a_value(make_run, store, tmp_path):
    """Tarun-AK/scaling@f72a9e5, `--reduce 'at(999999)'` past every run's end: the note said `over n = 0
    seeds` under cells marked `n = 0 of 13 runs`; its runs record no seed."""
    for index in range(2):
        make_run(f"a{index}", {"model": "a"}, curve([1.0, 2.0]))
    result = table(store, tmp_path, metric=MetricSpec("acc", reduce="at(99)"))
    assert replicates_word(result) == "runs"


def test_a_metric_typed_with_a_letter_for_a_digit_is_guessed_as_that_digit(make_run, store, tmp_path):
    """Tarun-AK/scaling@f72a9e5 logs val/ngram_1 … val/ngram_127: `val/ngram_l` (an l for the 1) was
    answered `did you mean 'val/ngram_9'?`, one of the many names one letter off."""
    make_run("a", {"model": "a"}, [{"step": 1, **{f"val/ngram_{n}": 1.0 for n in range(1, 12)}}])
    with pytest.raises(QueryError, match="did you mean 'val/ngram_1'"):
        table(store, tmp_path, metric="val/ngram_l")


def test_runs_that_differ_only_in_where_they_were_logged_are_one_config(make_run, store, tmp_path):
    """CleanRL's seeds, one run with --track (W&B) and --capture-video, marked † 'averages runs that
    differ in track'; a real config difference still is."""
    make_run(
        "r0",
        {"model": "a", "seed": 0, "track": True, "wandb_project_name": "x", "capture_video": True},
        curve([1.0]),
    )
    make_run(
        "r1",
        {"model": "a", "seed": 1, "track": False, "wandb_project_name": "y", "capture_video": False},
        curve([2.0]),
    )
    make_run("r2", {"model": "b", "seed": 0, "lr": 0.1}, curve([1.0]))
    make_run("r3", {"model": "b", "seed": 1, "lr": 0.2}, curve([2.0]))
    result = table(store, tmp_path)
    assert [m.kind for m in result.cell(("a",), ()).marks] == []
    assert "mixed" in [m.kind for m in result.cell(("b",), ()).marks]


def test_a_param_only_runs_without_a_value_differ_in_marks_no_cell_as_averaging_two_configs(
    make_run, store, tmp_path
):
    """HAGD's results/seed_*.json (Mudassiruddin7/HAGD@a31d9fa): of a task's five seeds four have no
    accuracy and a `gate_failed` text of their own; the cell, n = 1, was marked † 'averages runs that
    differ in gate_failed', though it averaged one run. Only the runs averaged are compared."""
    make_run("r0", {"model": "a", "seed": 0, "gate": "passed"}, curve([0.9]))
    make_run("r1", {"model": "a", "seed": 1, "gate": "failed"}, [{"step": 1, "acc": float("nan")}])
    make_run("r2", {"model": "a", "seed": 2, "gate": "passed"}, curve([0.8]))
    make_run("b0", {"model": "b", "seed": 0, "gate": "passed"}, curve([0.7]))
    make_run("b1", {"model": "b", "seed": 1, "gate": "failed"}, curve([0.6]))
    result = table(store, tmp_path)
    alone = result.cell(("a",), ())
    assert alone.stats["n"] == 2
    assert "mixed" not in {m.kind for m in alone.marks} and not alone.differing
    mixed = {m.kind: m.text for m in result.cell(("b",), ()).marks}
    assert mixed["mixed"].startswith("averages runs that differ in gate (failed, passed)")


def test_a_place_whose_runs_all_lack_a_value_is_a_cell_of_them_not_no_run(make_run, store, tmp_path):
    """A stranger's sweep at seed 2: cnn at lr 0.3 crashed before it logged test/acc, and the table
    printed `–` with `– no run`, as though it was never launched; `status` called the table complete."""
    for model, lr in (("cnn", 0.1), ("cnn", 0.3), ("rnn", 0.1), ("rnn", 0.3)):
        crashed = (model, lr) == ("cnn", 0.3)
        metrics = curve([0.5], "loss") if crashed else curve([0.8 + lr], "acc")
        run = {"status": "failed"} if crashed else None
        make_run(f"{model}{lr}", {"model": model, "lr": lr, "seed": 2}, metrics, run=run)
    result = table(store, tmp_path, columns=("lr",))
    cell = result.cell(("cnn",), (0.3,))
    assert cell is not None and cell.stats["n"] == 0
    assert {mark.kind for mark in cell.marks} >= {"status", "novalue"}
    [novalue] = [mark for mark in cell.marks if mark.kind == "novalue"]
    assert novalue.details == ("cnn0.3: failed, no value of 'acc' logged",)
    assert result.cell(("rnn",), (0.3,)).stats["n"] == 1
    from resultsbook.freshness.status import cell_replicates
    from resultsbook.render.layout import Labels, TableFormat, layout_table

    assert layout_table(result, TableFormat(), Labels()).dash_note == ""  # no `– no run`
    [crashed] = [cell for cell in cell_replicates(result) if cell.row == ("cnn",) and cell.column == (0.3,)]
    assert (crashed.found, crashed.missing, crashed.valueless) == (0, ((2,),), ((2,),))


def test_a_ddof_that_leaves_a_cell_no_spread_says_so(make_run, store, tmp_path):
    """`ddof = 2` over cells of 2 seeds printed each bare mean beside `0.721 ± 0.270`, under a footer
    promising `Mean ± std (ddof = 2)`, without a word."""
    for model, seeds in (("a", 2), ("b", 3)):
        for seed in range(seeds):
            make_run(f"{model}{seed}", {"model": model, "seed": seed}, curve([0.5 + seed / 10]))
    result = table(store, tmp_path, ddof=2)
    assert math.isnan(result.cell(("a",), ()).stats["std"]) and result.cell(("b",), ()).stats["std"] > 0
    assert (
        "ddof = 2 needs more than 2 runs for a spread: 1 cell(s) of n = 2 print none; ddof = 1 is the sample std"
        in (result.notes)
    )
    assert not [note for note in table(store, tmp_path).notes if "ddof" in note]


def test_a_ddof_that_leaves_a_cell_no_std_is_not_said_to_leave_its_t_interval_out(make_run, store, tmp_path):
    """`--stat mean,ci95 --ddof 2` over cells of 2 seeds said `2 cell(s) of n = 2 print none`, yet both
    printed their t-interval, whose s is the sample std (ddof 1) whatever the table's ddof."""
    for model in ("a", "c"):
        for seed in range(2):
            make_run(f"{model}{seed}", {"model": model, "seed": seed}, curve([0.5 + seed / 10]))
    result = table(store, tmp_path, ddof=2, stats=("mean", "ci95"))
    assert result.cell(("a",), ()).stats["ci95"] > 0 and result.cell(("c",), ()).stats["ci95"] > 0
    assert not [note for note in result.notes if "ddof" in note]
