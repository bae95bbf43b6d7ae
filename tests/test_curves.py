"""Curves over seeds, the data step of curve figures: smoothing, alignment, per-step statistics."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import write_native_run
from figure_project import DATASETS, SEEDS, STEPS, accuracy, write_runs

from resultsbook.errors import QueryError, ResultsbookError
from resultsbook.query.curves import (
    CurveQuery,
    Smoothing,
    aggregate_curves,
    align_curves,
    parse_smoothing,
    smooth_values,
)
from resultsbook.query.model import DEFAULT_RUN_SPECIFIC
from resultsbook.query.select import parse_filter
from resultsbook.query.stats import describe
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.store import Store


@pytest.fixture
def project_store(tmp_path: Path, store: Store) -> Store:
    write_runs(tmp_path / "runs")
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    return store


def test_curve_line_is_the_mean_over_seeds_at_each_step_with_a_std_band(project_store: Store) -> None:
    query = CurveQuery(metric="acc", hue="method", facet="dataset", band="std")
    curves = aggregate_curves(project_store, query)
    assert len(curves.lines) == 3 * len(DATASETS)
    line = next(line for line in curves.lines if line.hue == "ours" and line.facet == "b")
    per_seed = np.array([[accuracy("ours", "b", seed, step) for step in STEPS] for seed in SEEDS])
    assert line.alignment == "shared"
    np.testing.assert_allclose(line.x, STEPS)
    np.testing.assert_allclose(line.center, per_seed.mean(axis=0))
    np.testing.assert_allclose(line.high - line.center, per_seed.std(axis=0, ddof=1))
    np.testing.assert_allclose(line.center - line.low, per_seed.std(axis=0, ddof=1))
    assert set(line.n.tolist()) == {len(SEEDS)}
    assert curves.statement() == "Lines: mean over n = 3 seeds; band: ± std (ddof = 1)."


@pytest.mark.parametrize(
    ("seeds", "counted"), [([0, 1], "n = 2 seeds"), ([None, None], "n = 2 runs"), ([4, 4], "n = 2 runs")]
)
def test_the_curve_note_says_seeds_only_when_each_line_has_one_run_per_seed(
    tmp_path: Path, store: Store, seeds: list, counted: str
) -> None:
    for index, seed in enumerate(seeds):
        config = {"method": "ours"} | ({} if seed is None else {"seed": seed})
        write_native_run(
            tmp_path / f"runs/r{index}", config, [{"step": s, "acc": s / 10 + index} for s in range(3)]
        )
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    statement = aggregate_curves(store, CurveQuery(metric="acc", hue="method")).statement()
    assert statement.startswith(f"Lines: mean over {counted};")


def test_ci95_and_minmax_bands_use_the_table_statistics(project_store: Store) -> None:
    for band, low_key, high_key in (("ci95", "ci95_lo", "ci95_hi"), ("minmax", "min", "max")):
        query = CurveQuery(metric="acc", hue="method", band=band, filters=(parse_filter("dataset=a"),))
        line = next(line for line in aggregate_curves(project_store, query).lines if line.hue == "base")
        expected = describe([accuracy("base", "a", seed, STEPS[0]) for seed in SEEDS], [band])
        assert line.low[0] == pytest.approx(expected[low_key])
        assert line.high[0] == pytest.approx(expected[high_key])


def test_filters_select_the_runs_of_a_curve(project_store: Store) -> None:
    query = CurveQuery(
        metric="acc", hue="method", filters=(parse_filter("method=ours"), parse_filter("dataset=a"))
    )
    curves = aggregate_curves(project_store, query)
    assert [(line.hue, len(line.runs)) for line in curves.lines] == [("ours", len(SEEDS))]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            CurveQuery(metric="acc", hue="mehtod"),
            r"hue 'mehtod' is not a param of any run; did you mean 'method'\?",
        ),
        (CurveQuery(metric="acc", facet="datset"), r"facet 'datset' .*; did you mean 'dataset'\?"),
        (  # Optuna trials' rho (Elluito/spase-resnet-50-experiments@a9285c1): the figure still warned of it
            CurveQuery(metric="acc", hue="method", run_specific=(*DEFAULT_RUN_SPECIFIC, "datset")),
            r"^run_specific 'datset' is not a param of any run; did you mean 'dataset'\?$",
        ),
        (
            CurveQuery(metric="acc", hue="method", replicate=("sed",)),
            r"^replicate 'sed' is not a param of any run; did you mean 'seed'\?$",
        ),
        (
            CurveQuery(metric="acc", filters=(parse_filter("method=ousr"),)),
            r"matches no run; .*\{'method': 'ours'\}\?",  # in the where dict's words: Python's query
        ),
        (CurveQuery(metric="acc", filters=(parse_filter("mehtod=ours"),)), r"no run has a param 'mehtod'"),
        (
            CurveQuery(metric="acc", x="stepp"),
            r"x = 'stepp' is no logged metric, nor step or time; did you mean 'step'\?",
        ),
        (  # ML-PWS's MI over its gain sweep: the error said to read `gain` as a metric of records files
            CurveQuery(metric="acc", x="dataset"),
            r"^x = 'dataset' is a param, not a metric the runs log: a curve's x is step, time or a logged "
            r"metric; kind = \"points\" with x = \"dataset\" shows a slot per value$",
        ),
    ],
)
def test_a_misspelt_hue_facet_or_filter_of_a_curve_is_refused_not_drawn_empty(
    project_store: Store, query: CurveQuery, message: str
) -> None:
    with pytest.raises(ResultsbookError, match=message):
        aggregate_curves(project_store, query)


def test_the_points_a_line_drops_name_the_seeds_that_stopped_early_and_where(
    tmp_path: Path, store: Store
) -> None:
    """Dopamine's pong.json with one Rainbow seed cut at iteration 60 of 198: the figure said 138 of
    199 points were dropped as fewer than 5 seeds had data there, not which seed stopped, nor where."""
    for seed, end in ((0, 198), (1, 198), (2, 60), (3, 30)):
        points = [{"step": s, "acc": s + seed + 0.5} for s in range(0, end + 1, 2)]
        write_native_run(tmp_path / f"runs/s{seed}", {"seed": seed}, points)
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    curves = aggregate_curves(store, CurveQuery(metric="acc", band=None, points=50))
    assert curves.notes[-1].endswith(
        "(fewer than 4 seeds had data there: seed 3 ends at step 30 and seed 2 ends at step 60, "
        "the others at 198; min_seeds = N draws the points N seeds reach)"
    )


def test_seeds_that_stop_together_are_named_in_seed_order_whatever_the_runs_order(
    tmp_path: Path, store: Store
) -> None:
    """`watch` re-printed an unchanged panel's note as new, its seeds `5, 6, 7` now `7, 5, 6`: runs
    ending at one step were named in the order the store gave them, which a re-collect changes."""
    for seed, end in ((10, 40), (2, 40), (7, 40), (0, 100), (1, 100)):
        points = [{"step": s, "acc": s + seed + 0.5} for s in range(0, end + 1, 10)]
        write_native_run(tmp_path / f"runs/{'abcde'[seed % 5]}{seed}", {"seed": seed}, points)
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    curves = aggregate_curves(store, CurveQuery(metric="acc", band=None, points=11))
    (dropped,) = [note for note in curves.notes if "grid points dropped" in note]
    assert "seed 2 ends at step 40, seed 7 ends at step 40 and seed 10 ends at step 40, the others" in dropped


def test_runs_of_one_seed_whose_curves_end_early_are_named_by_their_names(
    tmp_path: Path, store: Store
) -> None:
    """DJT777/xlstm-yolo's Ultralytics runs all train with seed 0: build said `seed 0 ends at step 9,
    seed 0 ends at step 32 and seed 0 ends at step 35`."""
    for run, end in (("train1", 9), ("train2", 32), ("train3", 60)):
        points = [{"step": s, "acc": 0.5} for s in range(end + 1)]
        write_native_run(tmp_path / "runs" / run, {"seed": 0}, points, run={"name": run})
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    curves = aggregate_curves(store, CurveQuery(metric="acc", band=None, points=50))
    assert "train1 ends at step 9 and train2 ends at step 32, the others at 60" in curves.notes[-1]


def test_seeds_logged_at_different_steps_are_interpolated_not_dropped(tmp_path: Path, store: Store) -> None:
    write_native_run(
        tmp_path / "runs/s0", {"seed": 0}, [{"step": s, "acc": float(s)} for s in (0, 10, 20, 30)]
    )
    write_native_run(tmp_path / "runs/s1", {"seed": 1}, [{"step": s, "acc": 2.0 * s} for s in (5, 15, 25)])
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    curves = aggregate_curves(store, CurveQuery(metric="acc", band=None))
    (line,) = curves.lines
    assert line.alignment == "interpolate"
    # kept only where both seeds have data: 5 .. 25, on the union of their steps
    np.testing.assert_allclose(line.x, [5, 10, 15, 20, 25])
    np.testing.assert_allclose(line.center, [(x + 2 * x) / 2 for x in (5, 10, 15, 20, 25)])
    assert any("2 of 7 grid points dropped" in note for note in curves.notes)
    # a stranger's SB3 tree (eliamounier/Deep_RL): 181 of 200 points of a line dropped, no word of how to keep them
    assert curves.notes[-1].endswith(
        "(fewer than 2 seeds had data there: seed 1 ends at step 25, the others at 30; "
        "min_seeds = N draws the points N seeds reach)"
    )
    assert "linearly interpolated onto a common grid" in curves.statement()
    assert "every seed" in curves.statement()


def test_min_seeds_keeps_points_where_fewer_seeds_reached(tmp_path: Path, store: Store) -> None:
    write_native_run(tmp_path / "runs/s0", {"seed": 0}, [{"step": s, "acc": 1.0} for s in (0, 10, 20, 30)])
    write_native_run(tmp_path / "runs/s1", {"seed": 1}, [{"step": s, "acc": 3.0} for s in (0, 10)])
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    (line,) = aggregate_curves(store, CurveQuery(metric="acc", band=None, min_seeds=1)).lines
    np.testing.assert_allclose(line.x, [0, 10, 20, 30])
    np.testing.assert_allclose(line.center, [2.0, 2.0, 1.0, 1.0])
    assert line.n.tolist() == [2, 2, 1, 1]


def test_binning_averages_each_seed_within_equal_width_bins() -> None:
    first = (np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.0, 2.0, 4.0, 6.0]))
    second = (np.array([0.5, 2.5]), np.array([10.0, 20.0]))
    grid, values, how = align_curves([first, second], "bin", 2)
    assert how == "bin"
    np.testing.assert_allclose(grid, [0.75, 2.25])
    np.testing.assert_allclose(values, [[1.0, 5.0], [10.0, 20.0]])


def test_ema_and_window_smoothing_follow_their_definitions() -> None:
    values = np.array([1.0, 3.0, 2.0, 6.0])
    expected = [1.0]
    for value in values[1:]:
        expected.append(0.5 * expected[-1] + 0.5 * value)
    np.testing.assert_allclose(smooth_values(values, Smoothing("ema", 0.5)), expected)
    np.testing.assert_allclose(smooth_values(values, Smoothing("window", 2)), [1.0, 2.0, 2.5, 4.0])
    assert parse_smoothing("ema(0.6)") == Smoothing("ema", 0.6)
    assert parse_smoothing("none") is None
    with pytest.raises(QueryError, match="weight"):
        parse_smoothing("ema(1.5)")


def test_smoothing_is_stated_in_the_note(project_store: Store) -> None:
    query = CurveQuery(metric="acc", smooth=Smoothing("ema", 0.6), filters=(parse_filter("method=big"),))
    statement = aggregate_curves(project_store, query).statement()
    assert "exponential moving average (weight 0.6)" in statement


def test_a_nan_one_seed_logged_amid_its_numbers_is_left_out_there_and_said_not_interpolated(
    tmp_path: Path, store: Store
) -> None:
    """Seed 0 logged NaN at step 20: the line's mean there was 21.0, an invented 20 for seed 0 beside
    21 and 22, under a note of n = 3 and no warning."""
    for seed in range(3):
        records = [
            {"step": s, "score": math.nan if (seed, s) == (0, 20) else s + seed} for s in range(0, 60, 10)
        ]
        write_native_run(tmp_path / f"runs/a_{seed}", {"model": "a", "seed": seed}, records)
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    curves = aggregate_curves(store, CurveQuery(metric="score", hue="model"))
    (line,) = curves.lines
    np.testing.assert_allclose(line.center, [1, 11, 21.5, 31, 41, 51])
    assert line.n.tolist() == [3, 3, 2, 3, 3, 3]
    assert curves.notes == (
        "model=a: seed 0 at step 20 logged NaN (diverged?): left out of the line there, not interpolated",
    )
    assert curves.statement() == (
        "Lines: mean over n = 3 seeds, 2–3 of them at a grid point; band: ± std (ddof = 1)."
    )
    # seeds logged at different steps: no value drawn across the NaN, the seed's own points kept
    grid, values, _ = align_curves(
        [
            (np.array([0.0, 10, 20, 30]), np.array([0.0, 10, math.nan, 30])),
            (np.array([0.0, 5, 30]), np.zeros(3)),
        ],
        "interpolate",
        200,
    )
    assert grid.tolist() == [0, 5, 10, 20, 30]
    np.testing.assert_array_equal(values[0], [0, 5, 10, math.nan, 30])


@pytest.mark.parametrize(("seeds", "min_seeds"), [(1, None), (2, 2)])
def test_a_step_where_too_few_seeds_logged_a_number_breaks_the_line_instead_of_bridging_it(
    tmp_path: Path, store: Store, seeds: int, min_seeds: int | None
) -> None:
    """One seed logging NaN at step 20 (or one of two, with min_seeds = 2): the point was dropped and
    matplotlib drew a straight segment from step 10 to 30 through it, under a warning saying `not
    interpolated` (and a note saying points were kept where 2 seeds had data)."""
    for seed in range(seeds):
        records = [
            {"step": s, "score": math.nan if (seed, s) == (0, 20) else s + seed} for s in range(0, 50, 10)
        ]
        write_native_run(tmp_path / f"runs/a_{seed}", {"model": "a", "seed": seed}, records)
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    curves = aggregate_curves(store, CurveQuery(metric="score", hue="model", min_seeds=min_seeds))
    (line,) = curves.lines
    assert line.x.tolist() == [0, 10, 20, 30, 40]
    assert np.isnan(line.center[2]) and not np.isnan(np.delete(line.center, 2)).any()
    assert "of them at a grid point" not in curves.statement()  # every point it draws has its seeds


def test_a_point_between_two_breaks_is_drawn_as_its_marker() -> None:
    """Every seed logging NaN at every other step: the line broke at each NaN and its points between the
    breaks drew nothing, so with markevery = 0 the figure held the legend alone; such points are the
    ones plot_curve draws as markers."""
    from resultsbook.render.plots import isolated_points

    nan = math.nan
    assert isolated_points(np.array([1.0, nan, 3.0, 4.0, nan, 6.0])).tolist() == [
        True, False, False, False, False, True
    ]  # fmt: skip
    assert not isolated_points(np.array([nan, nan])).any() and isolated_points(np.array([2.0])).all()


def test_x_can_be_another_metric_or_wall_time(tmp_path: Path, store: Store) -> None:
    records = [{"step": s, "time": 1000.0 + 2 * s, "epoch": s // 10, "acc": float(s)} for s in (10, 20, 30)]
    write_native_run(tmp_path / "runs/r", {"seed": 0}, records)
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    (by_epoch,) = aggregate_curves(store, CurveQuery(metric="acc", x="epoch", band=None)).lines
    np.testing.assert_allclose(by_epoch.x, [1, 2, 3])
    (by_time,) = aggregate_curves(store, CurveQuery(metric="acc", x="time", band=None)).lines
    np.testing.assert_allclose(by_time.x, [0, 20, 40])


def test_runs_without_the_hue_key_name_the_param_of_a_close_name_only_they_hold(
    tmp_path: Path, store: Store
) -> None:
    """chris-santiago/vime@c77d735: older runs set `data.pct_labeled` where later ones set
    `data.n_labeled` (their `.hydra/config.yaml`); a figure by the later name names the older one."""
    write_native_run(
        tmp_path / "runs/new", {"seed": 0, "data": {"n_labeled": 0.2}}, [{"step": 1, "acc": 1.0}]
    )
    write_native_run(
        tmp_path / "runs/old", {"seed": 1, "data": {"pct_labeled": 0.1}}, [{"step": 1, "acc": 2.0}]
    )
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    curves = aggregate_curves(store, CurveQuery(metric="acc", hue="data.n_labeled"))
    assert curves.notes == (
        "1 run(s) with 'acc' have no param 'data.n_labeled' and were left out (the first: runs/old; they have "
        "the param 'data.pct_labeled', of a name close to it: where the key was renamed between runs, grouping "
        "by 'data.pct_labeled' shows them)",
    )


def test_runs_without_the_experiment_they_are_grouped_by_are_not_said_to_lack_a_param(cli, make_run) -> None:
    """Jhko725/Contact-Point-Detection@e5931c1's TensorBoard runs beside its Lightning versions: grouped
    by `experiment`, a field of the run, the left-out runs were said to have no param 'experiment', as
    if their config were still to come."""
    make_run("a", {"seed": 0}, [{"step": 1, "acc": 1.0}], {"experiment": "lightning_logs"})
    make_run("b", {"seed": 1}, [{"step": 1, "acc": 2.0}])
    cli("collect", "runs")
    table = cli("table", "--rows", "experiment", "--metric", "acc")
    assert (
        "Warning: 1 run(s) with 'acc' have no experiment (a field of the run their logs do not record, not "
        "a param) and were left out (the first: runs/b)\n"
    ) in table.output, table.output


def test_runs_without_the_hue_key_are_reported(tmp_path: Path, store: Store) -> None:
    write_native_run(tmp_path / "runs/a", {"seed": 0, "method": "x"}, [{"step": 1, "acc": 1.0}])
    write_native_run(tmp_path / "runs/b", {"seed": 1}, [{"step": 1, "acc": 2.0}])
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    curves = aggregate_curves(store, CurveQuery(metric="acc", hue="method"))
    assert [line.hue for line in curves.lines] == ["x"]
    assert curves.notes == (
        "1 run(s) with 'acc' have no param 'method' and were left out (the first: runs/b; a run still starting, "
        "its config not written yet, has it once collected again; if a collect with another pattern left "
        "them, `rb.forget('runs/old')` removes the runs under a folder)",
    )


def test_a_single_seed_has_no_band(tmp_path: Path, store: Store) -> None:
    write_native_run(tmp_path / "runs/a", {"seed": 0}, [{"step": 1, "acc": 1.0}, {"step": 2, "acc": 2.0}])
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    (line,) = aggregate_curves(store, CurveQuery(metric="acc", band="std")).lines
    np.testing.assert_allclose(line.low, line.center)
    assert not any(math.isnan(v) for v in line.high)


def test_a_line_averaging_two_configs_code_versions_or_a_crashed_run_says_so(
    tmp_path: Path, store: Store
) -> None:
    """A table cell of these seeds is marked † ‖ ‡; the curve figure drawing the same seeds as one
    line said nothing, so the figure could average two learning rates from two commits unseen."""
    for seed, (lr, commit, dirty, status) in enumerate(
        [
            (0.1, "a" * 40, False, "finished"),
            (0.2, "b" * 40, True, "failed"),
            (0.1, "a" * 40, False, "finished"),
        ]
    ):
        config = {"model": "mlp", "seed": seed, "lr": lr, "output_dir": f"out/{seed}", "tag": f"t{seed}"}
        run = {"status": status, "git": {"commit": commit, "dirty": dirty}}
        write_native_run(
            tmp_path / "runs" / f"r{seed}", config, [{"step": 1, "acc": 0.5}, {"step": 2, "acc": 0.6}], run
        )
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    notes = aggregate_curves(
        store, CurveQuery(metric="acc", hue="model", run_specific=(*DEFAULT_RUN_SPECIFIC, "tag"))
    ).notes
    assert notes == (
        "model=mlp: averages runs that differ in lr (0.1, 0.2)",
        "model=mlp: mixes 2 git commits (aaaaaaa, bbbbbbb)",
        "model=mlp: includes 1 run from a dirty working tree",
        "model=mlp: includes 1 failed run(s)",
    )
    split = aggregate_curves(
        store, CurveQuery(metric="acc", hue="lr", run_specific=("tag", "output_dir"))
    ).notes
    assert split == ("lr=0.2: includes 1 run from a dirty working tree", "lr=0.2: includes 1 failed run(s)")


def test_a_warning_said_of_many_lines_is_one_note_naming_the_first_and_how_many_more(
    tmp_path: Path, store: Store
) -> None:
    """Dopamine's baselines drawn without `replicate = "run"`: 24 lines (4 games x 6 agents) each
    printed the same long warning on a line of its own, where a table says it once for its cells."""
    for agent in ("c51", "dqn", "iqn"):
        for run in range(2):
            config = {"agent": agent, "run": run}
            write_native_run(tmp_path / "runs" / f"{agent}{run}", config, [{"step": 1, "acc": 0.5 + run}])
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    notes = aggregate_curves(store, CurveQuery(metric="acc", hue="agent")).notes
    assert notes == (
        "agent=c51 and 2 more line(s): averages runs that differ in run (0, 1); no run has 'seed': if run "
        "numbers the seeds, count the replicates by it (replicate='run')",
    )


def test_a_curve_of_runs_no_seed_tells_apart_says_to_count_the_replicates_by_their_number(
    tmp_path: Path, store: Store
) -> None:
    for run in range(4):
        write_native_run(
            tmp_path / "runs" / f"dqn{run}", {"agent": "dqn", "run": run}, [{"step": 1, "acc": 0.5}]
        )
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    (note,) = aggregate_curves(store, CurveQuery(metric="acc", hue="agent")).notes
    assert "no run has 'seed': if run numbers the seeds, count the replicates by it (replicate='run')" in note
    assert aggregate_curves(store, CurveQuery(metric="acc", hue="agent", replicate=("run",))).notes == ()


def test_runs_that_never_logged_the_metric_are_named_with_what_they_log(tmp_path: Path, store: Store) -> None:
    """Spinning Up's PPO logs AverageEpRet, its SAC AverageTestEpRet (as in
    siddinkar/RainbowPolicyGradientPaper@9a626a2): `where algo = [PPO, SAC]` drew SAC's line alone and
    said nothing of PPO's, as a table does."""
    for index in range(2):
        rows = [{"step": s, "AverageTestEpRet": s + index} for s in range(3)]
        write_native_run(tmp_path / f"runs/sac{index}", {"algo": "SAC", "seed": index}, rows)
        rows = [{"step": s, "AverageEpRet": s - index} for s in range(3)]
        write_native_run(tmp_path / f"runs/ppo{index}", {"algo": "PPO", "seed": index}, rows)
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    query = CurveQuery(metric="AverageTestEpRet", hue="algo", filters=(parse_filter("algo=PPO,SAC"),))
    curves = aggregate_curves(store, query)
    assert [line.hue for line in curves.lines] == ["SAC"]
    assert curves.notes == (
        "2 selected run(s) have no value of 'AverageTestEpRet' and are left out (algo=PPO: 2); "
        "2 of them log 'AverageEpRet'",
    )


def test_runs_of_one_name_whose_curves_end_early_are_told_apart_by_their_folders(tmp_path, store):
    """7vik/nn-modularity's W&B runs share one display name per method: a figure with hue = "name" said
    `modular_neuron masking-… ends at step 0 and modular_neuron masking-… ends at step 0, the others at 11`."""
    for run, steps in (("a", 1), ("b", 1), ("c", 12)):
        points = [{"step": step, "acc": 0.5} for step in range(steps)]
        write_native_run(tmp_path / "runs" / run, {"method": "m"}, points, run={"name": "probe"})
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    curves = aggregate_curves(store, CurveQuery(metric="acc", hue="name", band=None))
    # no run records a seed: they are runs, as the caption counts them (a Lightning sweep's version_N
    # folders, AnAccountWithoutAName/Deep-Lineary-Gated-Networks@f5ad0fc, were "fewer than 5 seeds")
    assert curves.notes[-1].endswith(
        "(fewer than 3 runs had data there: runs/a ends at step 0 and runs/b ends at step 0, the others at 11; "
        "min_seeds = N draws the points N runs reach)"
    )


def test_the_seeds_a_curve_over_wall_time_drops_end_at_seconds_to_a_tenth(
    tmp_path: Path, store: Store
) -> None:
    """RayYoh/RL_by_sb3's TensorBoard downloads over x = "time": 'ends at time 112.7898645401001'."""
    start = 1650595213.030206
    for seed, seconds in ((1, 112.7898645401001), (2, 126.74809765815735), (3, 126.74809765815735)):
        times = np.linspace(0.0, seconds, 20)
        rows = "".join(
            f"{float(start + t)!r},{2048 * (i + 1)},{i * 10.0 + seed}\n" for i, t in enumerate(times)
        )
        (tmp_path / f"run-ppo_seed{seed}-tag-reward.csv").write_text("Wall time,Step,Value\n" + rows)
    collect(store, [CollectRequest(path=str(tmp_path))])
    curves = aggregate_curves(store, CurveQuery(metric="reward", x="time", band=None))
    assert any("seed 1 ends at time 112.8 s, the others at 126.7 s;" in note for note in curves.notes)
