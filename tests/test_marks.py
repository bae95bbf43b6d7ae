"""Marks a reader can trust: ties at the printed precision share bold and are never split into
runner-ups, an underline never marks most of a column, and a flood of per-cell warnings is one line."""

from __future__ import annotations

import json
import textwrap

import pytest
from conftest import write_native_run

from resultsbook.outputs.build import finding_lines
from resultsbook.query import MetricSpec, TableQuery, aggregate
from resultsbook.render import TableFormat, render_table
from resultsbook.render.layout import Labels, layout_table, mark_summary
from resultsbook.sources.collect import CollectRequest, collect


def write_methods(root, centres: dict[str, float], seeds=(0, 1, 2), noise=3.0):
    """One run per method and seed around the given centres (seed 1 at the centre)."""
    for method, centre in centres.items():
        for seed in seeds:
            value = centre + noise * (seed - 1)
            write_native_run(root / "runs" / f"{method}_{seed}", {"method": method, "seed": seed},
                             [{"step": 1, "acc": value}])  # fmt: skip


def table_of(store, root, centres, **query):
    write_methods(root, centres)
    collect(store, [CollectRequest(str(root / "runs"))])
    return aggregate(store, TableQuery(metrics=(MetricSpec("acc"),), rows=("method",), **query))


def emphasis(layout):
    return [cells[0].emphasis for _, cells in layout.body]


def test_twenty_five_rows_tied_at_the_printed_precision_share_bold_and_none_is_underlined(store, tmp_path):
    # 8 methods print 91, 16 print 90, one prints 85 (at 0 decimals): the 16 are not "runner-ups"
    centres = {f"m{i:02d}": 91.2 - i * 0.01 for i in range(8)}
    centres |= {f"m{i:02d}": 90.3 - i * 0.01 for i in range(8, 24)}
    centres["m24"] = 85.0
    table = table_of(store, tmp_path, centres)
    layout = layout_table(table, TableFormat(digits=0, highlight="column"), Labels())
    shown = emphasis(layout)
    assert shown.count("best") == 8 and shown.count("second") == 0
    bold = {layout.body[i][0][0] for i, e in enumerate(shown) if e == "best"}
    assert bold == {
        f"m{i:02d}" for i in range(8)
    }  # every cell printing 91, not the one that is highest unrounded
    latex = render_table(table, "latex", TableFormat(digits=0), Labels())
    assert latex.count(r"\underline") == 0 and latex.count(r"\textbf") == 8


def test_a_runner_up_that_stands_out_is_underlined_and_a_tie_for_it_is_underlined_together(store, tmp_path):
    centres = {"a": 95.0, "b": 92.04, "c": 91.96, "d": 80.0, "e": 79.0}
    table = table_of(store, tmp_path, centres)
    shown = emphasis(layout_table(table, TableFormat(digits=0), Labels()))
    # b and c both print 92: two runner-ups, and two cells rank below them
    assert shown == ["best", "second", "second", None, None]


def test_the_runner_up_of_the_bottom_of_a_column_is_not_underlined(store, tmp_path):
    # two of three tie for second, nothing below them: underlining would mark the worst
    table = table_of(store, tmp_path, {"a": 95.0, "b": 90.0, "c": 90.2})
    assert emphasis(layout_table(table, TableFormat(digits=0), Labels())) == ["best", None, None]


def test_each_bold_tie_is_tested_against_the_strongest_runner_up(store, tmp_path):
    # a and b tie at 90 (printed); c at 80 is clearly worse: neither bold cell is marked non-significant
    table = table_of(store, tmp_path, {"a": 90.2, "b": 89.9, "c": 60.0, "d": 50.0})
    layout = layout_table(table, TableFormat(digits=0), Labels())
    assert emphasis(layout)[:2] == ["best", "best"] and not layout.marks


def test_a_flood_of_warnings_is_one_line_per_table_and_kind_with_every_cell_in_verbose_and_json(
    tmp_path, cli
):
    centres = {f"m{i:02d}": 90.0 + (0.5 if i % 5 == 0 else 0.0) for i in range(25)}
    write_methods(tmp_path, centres)
    (tmp_path / "resultsbook.toml").write_text(textwrap.dedent("""
        [[sources]]
        path = "runs"
        [tables.big]
        metric = "acc"
        rows = ["method"]
        columns = ["seed"]
        highlight = "row"
        digits = 1
        outputs = ["results/big.tex"]
    """))  # fmt: skip
    # per seed: one run a cell, 75 cells too few, said once (and no test is said to have been tried)
    result = cli("build")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Warning: big:")]
    few = [line for line in lines if "only 1 replicate" in line]
    assert few == ["Warning: big: m00 / 0 and 74 more cell(s): only 1 replicate (fewer than 3)"], lines
    assert not [line for line in lines if "best, but" in line]
    verbose = cli("build", "--verbose")
    listed = [line for line in verbose.output.splitlines() if "only 1 replicate" in line]
    assert len(listed) == 75
    checked = json.loads(cli("check", "--json").output)
    [grouped] = [f for f in checked["findings"] if f["kind"] == "few"]
    assert "74 more cell(s)" in json.dumps(grouped), grouped


def test_finding_lines_keep_a_few_cells_listed_one_by_one():
    from resultsbook.outputs.build import Finding

    few = [Finding("t", f"cell {i}", "nonsig", "not significantly better than x") for i in range(3)]
    assert finding_lines(few) == [f"t: cell {i}: not significantly better than x" for i in range(3)]
    many = [
        *few,
        Finding("t", "cell 3", "nonsig", "not significantly better than x"),
        Finding("t", "", "note", "n"),
    ]
    assert finding_lines(many) == [
        "t: 4 cells: best, but not significantly better than the runner-up; e.g. cell 0: not significantly "
        "better than x (BuildReport.findings lists every cell)",
        "t: n",
    ]
    assert len(finding_lines(many, verbose=True)) == 5


def test_verbose_lists_each_cell_of_a_mark_that_several_cells_share_word_for_word():
    """A five-fold table of R² and RMSE with a fold gone: `build --verbose`, which "lists every cell",
    still printed `resnet50v2 / Val. R2 and 1 more cell(s): n = 4 of 5 replicates asked for`."""
    from resultsbook.outputs.build import Finding

    shared = Finding("cv", "r / R2 and 1 more cell(s)", "incomplete", "n = 4 of 5", ("r / R2", "r / RMSE"))
    assert finding_lines([shared]) == ["cv: r / R2 and 1 more cell(s): n = 4 of 5"]
    assert finding_lines([shared], verbose=True) == ["cv: r / R2: n = 4 of 5", "cv: r / RMSE: n = 4 of 5"]


def test_the_count_of_a_summarised_mark_is_of_cells_not_of_lines():
    """A cell that mixes commits and a dirty tree has two lines of one mark, and one line can stand for
    several cells; the summary said '8 cells' of a mark the table's note counted in 6."""
    from resultsbook.outputs.build import Finding

    grouped = Finding(
        "t", "a and 2 more cell(s)", "provenance", "mixes 2 git commits (x, y)", cells=("a", "b", "c")
    )
    commits = Finding("t", "d", "provenance", "mixes 3 git commits (x, y, z)")
    dirty = Finding("t", "d", "provenance", "includes 1 run from a dirty working tree")
    other = Finding("t", "e", "provenance", "mixes 2 git commits (x, z)")
    assert finding_lines([grouped, commits, dirty, other]) == [
        "t: 5 cells: runs from different code or data (git commits, a dirty tree, data versions); "
        "e.g. a and 2 more cell(s): mixes 2 git commits (x, y) (BuildReport.findings lists every cell)"
    ]
    assert finding_lines([grouped]) == [grouped.line()]  # one line for three cells is no flood


@pytest.mark.parametrize("second", [True, False])
def test_second_false_never_underlines(store, tmp_path, second):
    table = table_of(store, tmp_path, {"a": 95.0, "b": 90.0, "c": 80.0, "d": 70.0})
    shown = emphasis(layout_table(table, TableFormat(digits=0, second=second), Labels()))
    assert shown[1] == ("second" if second else None)


def write_sweep(root, seeds=range(5)):
    """A sweep as a one-file-per-run tree names it (BS-Data's hyperparameter grid): each run's
    results.json holds its config, whose experiment name and output folder are the run's own."""
    for lr in (0.001, 0.01):
        for seed in seeds:
            name = f"grid_lr{lr}_s{seed}"
            folder = root / "results" / f"experiment_{name}_2025120{seed}"
            folder.mkdir(parents=True)
            config = {
                "optimizer": {"lr": lr},
                "experiment": {"seed": seed, "name": name, "output_dir": f"/w/{name}"},
            }
            results = {"config": config, "test_metrics": {"f1_macro": 0.9 + lr + seed / 1000}}
            (folder / "results.json").write_text(json.dumps(results))


def test_a_table_names_the_params_its_runs_differ_in_and_says_a_run_s_own_name_is_run_specific(tmp_path, cli):
    write_sweep(tmp_path)
    cli("collect", "results")
    result = cli(
        "table", "--rows", "config.optimizer.lr", "--metric", "test_metrics.f1_macro",
        "--replicate", "config.experiment.seed",
    )  # fmt: skip
    assert result.exit_code == 0
    assert "† averages runs whose configurations differ (2 cells)" in result.stdout
    assert result.stderr.splitlines()[0] == (
        "Warning: table: 0.001: averages runs that differ in config.experiment.name (5 values, one per run: "
        "grid_lr0.001_s0, grid_lr0.001_s1, grid_lr0.001_s2, …); config.experiment.output_dir (5 values, one "
        "per run: /w/grid_lr0.001_s0, /w/grid_lr0.001_s1, /w/grid_lr0.001_s2, …); config.experiment.name and "
        "config.experiment.output_dir have a value of their own in every run, as a run's name or folder has: if "
        "that is all they are, declare them run-specific"
    )
    declared = cli(
        "table", "--rows", "config.optimizer.lr", "--metric", "test_metrics.f1_macro",
        "--replicate", "config.experiment.seed",
        "--run-specific", "config.experiment.name,config.experiment.output_dir",
    )  # fmt: skip
    assert "†" not in declared.stdout and "Warning" not in declared.stderr


def test_a_whole_number_of_its_own_in_every_run_is_said_to_be_maybe_a_measurement_read_as_a_param(
    tmp_path, cli
):
    """A results.csv of one row per run with a `train_time_s` column of whole seconds: the records
    adapter takes whole numbers for params, so every cell averaged runs that "differ in
    train_time_s", and the advice was only to declare it run-specific, as for a run's name."""
    lines = ["method,seed,accuracy,train_time_s"]
    lines += [
        f"{method},{seed},{0.8 + seed / 100},{100 + 37 * seed + len(method)}"
        for method in ("a", "bb")
        for seed in range(5)
    ]
    (tmp_path / "results.csv").write_text("\n".join(lines) + "\n")
    cli("collect", "results.csv", "--adapter", "records")
    table = ("table", "--rows", "method", "--metric", "accuracy", "--goal", "max")
    warned = cli(*table).stderr
    assert (
        "train_time_s has a value of its own in every run, as a run's name or folder has: if that is all it "
        "is, declare it run-specific; if it is a measurement (a time, a count), read it as a metric "
        "(-o metrics=train_time_s, records and onefile)"
    ) in warned
    cli("collect", "results.csv", "--adapter", "records", "-o", "metrics=train_time_s")
    assert "Warning" not in cli(*table).stderr
    assert "175 ± 59" in cli("table", "--rows", "method", "--metric", "train_time_s").stdout


def test_two_values_that_differ_are_both_named_and_no_run_specific_advice_is_given(make_run, cli):
    for seed in range(3):
        make_run(
            f"a{seed}", {"model": "a", "seed": seed, "lr": 0.1 if seed else 0.5}, [{"step": 1, "acc": 1.0}]
        )
    cli("collect", "runs")
    result = cli("table", "--rows", "model", "--metric", "acc")
    assert "Warning: table: a: averages runs that differ in lr (0.1, 0.5)\n" in result.stderr
    assert "run-specific" not in result.stderr


def test_a_long_value_a_cell_s_runs_differ_in_is_cut_in_the_warning(make_run, cli):
    """catniplab/ML-music-analysis's Sacred configs hold a torch distribution jsonpickled into
    thousands of characters, different in every run: the warning printed each value whole."""
    for seed in range(4):
        pickled = json.dumps(
            {"py/object": "torch.distributions.Uniform", "py/b64": "gAKKCmz8" * 600 + f"{seed}"}
        )
        make_run(f"a{seed}", {"model": "a", "seed": seed, "t_distrib": pickled}, [{"step": 1, "acc": 1.0}])
    cli("collect", "runs")
    warned = cli("table", "--rows", "model", "--metric", "acc").stderr
    assert len(warned) < 1000
    assert (  # cut from where they differ: cut from the start, they read the same
        'averages runs that differ in t_distrib (4 values, one per run: …Cmz8gAKKCmz8gAKKCmz80"}, '
        '…Cmz8gAKKCmz8gAKKCmz81"}, …Cmz8gAKKCmz8gAKKCmz82"}, …); t_distrib has a value of its own in every run'
    ) in warned


def test_long_values_that_differ_only_at_their_ends_are_told_apart_in_the_warning(make_run, cli):
    """norlab-ulaval/droneSegmentation's Detectron2 configs start from checkpoints of one folder: the
    warning cut both paths to `lowAltitude_segmentation/Mask2Former/mo…`, the same twice."""
    folder = "lowAltitude_segmentation/Mask2Former/"
    for seed, weights in enumerate(["model_best.pth", "model_best_base.pth", "model_best.pth"]):
        config = {"model": "a", "seed": seed, "WEIGHTS": folder + weights}
        make_run(f"a{seed}", config, [{"step": 1, "acc": 1.0}])
    cli("collect", "runs")
    warned = cli("table", "--rows", "model", "--metric", "acc").stderr
    assert (
        "averages runs that differ in WEIGHTS (…sk2Former/model_best.pth, …sk2Former/model_best_base.pth)"
    ) in warned
    listed = [line.split()[3] for line in cli("runs").output.splitlines()[2:5]]  # run_id name status WEIGHTS
    assert listed == [
        "…sk2Former/model_best.pth",
        "…sk2Former/model_best_base.pth",
        "…sk2Former/model_best.pth",
    ]


def test_a_filter_that_selects_nothing_names_the_values_there_are_cut_short(make_run, cli):
    """`--where t_distrib=...` over those Sacred runs listed a dozen pickled values whole: 33 kB."""
    for seed in range(4):
        pickled = json.dumps(
            {"py/object": "torch.distributions.Uniform", "py/b64": "gAKKCmz8" * 600 + f"{seed}"}
        )
        make_run(f"a{seed}", {"model": "a", "seed": seed, "t_distrib": pickled}, [{"step": 1, "acc": 1.0}])
    cli("collect", "runs")
    result = cli("runs", "--where", "t_distrib=Uniform")
    assert result.exit_code == 1
    cut = '{"py/object": "torch.distributions.Unif…'
    assert (
        result.output
        == f"Error: filter t_distrib=Uniform matches no run; t_distrib has: {', '.join([cut] * 4)}\n"
    )


def test_a_value_holding_thousands_of_digits_in_a_row_is_named_not_an_internal_error(make_run, cli):
    """Ordering the values a cell's runs differ in read a run of 5000 digits with int(), which Python
    refuses beyond 4300: the table stopped with an internal error."""
    for seed in range(2):
        make_run(
            f"a{seed}",
            {"model": "a", "seed": seed, "blob": "b64:" + f"{seed}" * 5000},
            [{"step": 1, "acc": 1.0}],
        )
    cli("collect", "runs")
    result = cli("table", "--rows", "model", "--metric", "acc")
    assert result.exit_code == 0
    differ = "averages runs that differ in blob (b64:" + "0" * 35 + "…, b64:" + "1" * 35 + "…)"
    assert f"Warning: table: a: {differ}\n" in result.stderr


def test_best_of_a_key_logged_per_epoch_read_on_a_metric_logged_per_batch_is_said(make_run, cli):
    """catniplab/ML-music-analysis logs trainAccuracy per batch (steps 0..1800) and validAccuracy per
    epoch (0..300) into Sacred's metrics.json: best(validAccuracy) read trainAccuracy at the batch
    numbered like the best epoch, early in training, without a word."""
    for seed in range(3):
        batches = [{"step": step, "train_acc": step / 60} for step in range(61)]
        epochs = [{"step": step, "val_acc": 0.5 + step / 20 - seed / 100} for step in range(11)]
        make_run(f"s{seed}", {"model": "rnn", "seed": seed}, batches + epochs)
    cli("collect", "runs")
    table = ("table", "--rows", "model", "--reduce", "best(val_acc, max)")
    warned = cli(*table, "--metric", "train_acc").stderr
    assert (
        "Warning: best(val_acc, max) reads train_acc at the step where val_acc is best, but in 3 of 3 runs "
        "train_acc runs to a step at least 2 times further (e.g. s0: to 60, val_acc to 10): if the two count "
        "steps differently (batches and epochs), that step is another point of training\n"
    ) in warned
    for seed in range(3):  # validation every 10 steps of the same count: no warning
        points = [{"step": step, "acc": step / 60, **({"val_acc": step / 100} if step % 10 == 0 else {})}
                  for step in range(61)]  # fmt: skip
        make_run(f"s{seed}", {"model": "rnn", "seed": seed}, points)
    cli("collect", "runs")
    assert "reads acc" not in cli(*table, "--metric", "acc").stderr


def test_statistics_a_text_table_cannot_show_are_said_to_be_in_the_csv(make_run, cli):
    for seed in range(3):
        make_run(f"a{seed}", {"model": "a", "seed": seed}, [{"step": 1, "acc": 0.5 + seed / 10}])
    cli("collect", "runs")
    shown = cli("table", "--rows", "model", "--metric", "acc", "--stat", "mean,std,n,max")
    assert shown.stdout.splitlines()[2] == "a        0.6 ± 0.1"
    assert (
        "Note: --stat n and max: a table shows the centre and one spread per cell; --format csv or "
        "--format json prints every statistic asked\n" in shown.stderr
    )
    csv = cli("table", "--rows", "model", "--metric", "acc", "--stat", "mean,std,n,max", "--format", "csv")
    assert csv.stdout.splitlines()[0] == "model,mean,std,n,max,marks" and "Note" not in csv.stderr


def test_a_cell_whose_runs_trained_for_different_budgets_is_marked_and_at_names_the_fix(store, tmp_path):
    """A stranger's tree (github.com/eliamounier/Deep_RL @ ffcdd1c): SAC on LunarLanderContinuous ran
    seeds 14, 42, 69 for 20,000 steps and 20, 35, 64 for 200,000; `last` averaged both budgets, unmarked."""
    for seed, steps in ((0, 200), (1, 200), (2, 2000), (3, 2000)):
        points = [{"step": step, "reward": step / 10 + seed} for step in range(100, steps + 1, 100)]
        write_native_run(tmp_path / "runs" / f"sac_{seed}", {"algo": "sac", "seed": seed}, points)
    for seed in (0, 1):
        points = [{"step": step, "reward": 1.0} for step in range(100, 1901 + 100 * seed, 100)]
        write_native_run(tmp_path / "runs" / f"ppo_{seed}", {"algo": "ppo", "seed": seed}, points)
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = TableQuery(metrics=(MetricSpec("reward", reduce="last(3)"),), rows=("algo",))
    table = aggregate(store, query)
    sac = next(cell for cell in table.cells.values() if cell.row == ("sac",))
    ppo = next(cell for cell in table.cells.values() if cell.row == ("ppo",))
    assert [mark.text for mark in sac.marks if mark.kind == "mixed"] == [
        "averages runs whose curves end at different steps (200 to 2000): last(3) reads each run to its own end; "
        "the reduction at(200) compares them at one step"
    ]
    assert sac.marks[-1].details[0] == "sac_0: ends at step 200"
    assert "mixed" not in {mark.kind for mark in ppo.marks}  # 1900 and 2000 steps: one budget
    at = aggregate(store, TableQuery(metrics=(MetricSpec("reward", reduce="at(200)"),), rows=("algo",)))
    assert not next(cell for cell in at.cells.values() if cell.row == ("sac",)).marks  # one step for all


def test_a_run_the_cell_does_not_average_is_not_among_the_ends_compared(store, tmp_path):
    """skip_first = 5 removed every point of the seed ending at step 30, which has no value; the cell
    was still marked for curves ending `(30 to 100)`, though the three it averages end at 100."""
    for seed in range(4):
        points = [{"step": 10 * k, "acc": 0.5 + 0.03 * k} for k in range(1, (4 if seed == 3 else 11))]
        write_native_run(tmp_path / "runs" / f"a_{seed}", {"algo": "a", "seed": seed}, points)
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    for skip, marked in ((5, False), (0, True)):
        query = TableQuery(metrics=(MetricSpec("acc", reduce="max", skip_first=skip),), rows=("algo",))
        (cell,) = aggregate(store, query).cells.values()
        assert ("mixed" in {mark.kind for mark in cell.marks}) is marked, skip


def test_the_footnote_of_a_cell_marked_for_its_curves_ends_says_so_not_that_configs_differ(store, tmp_path):
    """The paper's footnote said "† averages runs whose configurations differ" of a cell whose seeds
    share one config and trained for 200 and 2000 steps; a table with both kinds says both."""
    for seed, steps in ((0, 200), (1, 200), (2, 2000), (3, 2000)):
        points = [{"step": step, "reward": float(seed)} for step in range(100, steps + 1, 100)]
        write_native_run(tmp_path / "runs" / f"sac_{seed}", {"algo": "sac", "seed": seed}, points)
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = TableQuery(metrics=(MetricSpec("reward", reduce="last"),), rows=("algo",))
    footnotes = layout_table(aggregate(store, query), TableFormat(), Labels()).footnotes
    assert ("†", "averages runs whose curves end at different steps (1 cell)") in footnotes
    for seed, lr in ((0, 0.1), (1, 0.2)):
        points = [{"step": 100, "reward": 1.0}]
        write_native_run(tmp_path / "runs" / f"ppo_{seed}", {"algo": "ppo", "seed": seed, "lr": lr}, points)
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    footnotes = layout_table(aggregate(store, query), TableFormat(), Labels()).footnotes
    assert ("†", "averages runs whose configurations or training lengths differ (2 cells)") in footnotes


def test_a_flood_of_cells_whose_curves_end_apart_is_summed_up_as_such(store, tmp_path):
    """More than three † cells make one line of a build's findings: it gave the configs' sentence."""
    from resultsbook.outputs.findings import mark_findings

    for index, task in enumerate("abcd"):
        for seed, steps in ((0, 200), (1, 2000 + 100 * index)):  # each its own text
            points = [{"step": step, "reward": float(seed)} for step in range(100, steps + 1, 100)]
            write_native_run(tmp_path / "runs" / f"{task}_{seed}", {"task": task, "seed": seed}, points)
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    table = aggregate(store, TableQuery(metrics=(MetricSpec("reward", reduce="last"),), rows=("task",)))
    layout = layout_table(table, TableFormat(test="none"), Labels())
    lines = finding_lines(mark_findings("t", table, layout, Labels()))
    [line] = [line for line in lines if "curves end" in line]
    assert line.startswith("t: 4 cells: averages runs whose curves end at different steps; e.g. a: ")


def test_one_run_of_unknown_status_ending_before_the_others_end_together_is_marked(store, tmp_path):
    """nicklashansen/tdmpc's finger-turn-hard.csv: seed 5's last line had no newline and was dropped as
    cut off, so its `last` was its step-480000 value beside four runs at 500000, averaged unmarked."""
    for seed, steps in ((1, 26), (2, 26), (3, 26), (4, 26), (5, 25)):
        points = [{"step": 20000 * step, "ret": 100.0 * seed + step} for step in range(steps)]
        write_native_run(tmp_path / "runs" / f"s{seed}", {"method": "tdmpc", "seed": seed}, points)
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    table = aggregate(store, TableQuery(metrics=(MetricSpec("ret", direction="max"),), rows=("method",)))
    (cell,) = table.cells.values()
    assert [mark.kind for mark in cell.marks] == ["status"]
    assert cell.marks[0].text == (
        "includes 1 run(s) of unknown status ending before the others (at step 480000; they end at 500000): "
        "still running, or cut short"
    )
    assert cell.marks[0].details == ("s5: ends at step 480000",)


def test_runs_of_unknown_status_trained_for_shorter_budgets_are_not_said_to_be_cut_short(store, tmp_path):
    """AIRI-Institute/genrisk's lightning_logs: ten runs of 80 epochs beside runs of 8 to 50, each ending
    at its own last epoch, were marked ‡ `still running, or cut short`."""
    for run, epochs in enumerate((80, 80, 80, 80, 8, 25, 50)):
        points = [{"step": 4 * epoch + 3, "loss": 1.0 / (epoch + 1)} for epoch in range(epochs)]
        write_native_run(tmp_path / "runs" / f"v{run}", {"model": "gen"}, points)
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    table = aggregate(store, TableQuery(metrics=(MetricSpec("loss", direction="min"),), rows=("model",)))
    (cell,) = table.cells.values()
    assert "status" not in [mark.kind for mark in cell.marks]
    for seed, steps in enumerate((100, 100, 92, 100, 96)):  # early stopping (patience), each at its best
        points = [{"step": step, "loss": 1.0 / (step + 1)} for step in range(steps + 1)]
        write_native_run(tmp_path / "stopped" / f"s{seed}", {"model": "early", "seed": seed}, points)
    collect(store, [CollectRequest(str(tmp_path / "stopped"))])
    table = aggregate(store, TableQuery(metrics=(MetricSpec("loss", direction="min"),), rows=("model",)))
    assert "status" not in [mark.kind for mark in table.cell(("early",), ()).marks]


def test_the_legend_of_runs_ending_at_different_steps_does_not_speak_of_configurations(store, tmp_path):
    """A stranger's tree (github.com/7vik/nn-modularity @ 8cdb9e4, wandb/): runs of one name, cut at
    step 0 and step 11, were footnoted `† averages runs whose configurations differ`, while no param
    differed; the warning said their curves end at different steps."""
    for seed, steps in ((0, 1), (1, 12), (2, 12)):
        points = [{"step": step, "acc": 0.5 + step / 100} for step in range(steps)]
        write_native_run(tmp_path / "runs" / f"a_{seed}", {"method": "a", "seed": seed}, points)
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    table = aggregate(store, TableQuery(metrics=(MetricSpec("acc"),), rows=("method",)))
    footnotes = dict(layout_table(table, TableFormat(), Labels()).footnotes)
    assert footnotes["†"] == "averages runs whose curves end at different steps (1 cell)"
    (cell,) = table.cells.values()
    assert cell.marks[-1].details[0] == "a_0: ends at step 0"
    for seed in range(3):  # W&B's display name, one for every run of a method: the folders tell them apart
        (tmp_path / "runs" / f"a_{seed}" / "run.json").write_text('{"name": "probe"}')
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    table = aggregate(store, TableQuery(metrics=(MetricSpec("acc"),), rows=("method",)))
    (cell,) = table.cells.values()
    assert cell.marks[-1].details == (
        "runs/a_0: ends at step 0",
        "runs/a_1: ends at step 11",
        "runs/a_2: ends at step 11",
    )
    for seed in range(3):
        points = [{"step": step, "acc": 0.6} for step in range(12)]
        write_native_run(tmp_path / "runs" / f"b_{seed}", {"method": "b", "seed": seed, "lr": seed}, points)
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    table = aggregate(store, TableQuery(metrics=(MetricSpec("acc"),), rows=("method",)))
    footnotes = dict(layout_table(table, TableFormat(), Labels()).footnotes)
    assert footnotes["†"] == "averages runs whose configurations or training lengths differ (2 cells)"


def test_a_list_of_seeds_over_runs_that_hold_no_seed_names_no_seed_missing(store, tmp_path):
    """7vik/nn-modularity's W&B runs log no config; with `seeds = [0, 1, 2]` a cell of 2 runs was
    marked `n = 2 of the 3 runs listed (missing seed 0, seed 1, seed 2)` and warned `averages seed none,
    which the table's list of seeds does not name`."""
    from resultsbook.outputs.findings import surplus_findings

    for run in range(2):
        write_native_run(
            tmp_path / "runs" / f"a_{run}", {"method": "a"}, [{"step": 1, "acc": 0.5 + run / 10}]
        )
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = TableQuery(metrics=(MetricSpec("acc"),), rows=("method",), replicate_values=(0, 1, 2))
    table = aggregate(store, query)
    (cell,) = table.cells.values()
    assert [mark.text for mark in cell.marks if mark.kind == "incomplete"] == ["n = 2 of the 3 seeds listed"]
    (finding,) = surplus_findings("t", table, Labels())
    assert finding.text == (
        "averages runs that hold no seed (n = 2), which the table's list of seeds cannot name: set replicate "
        "to the param that numbers them, or remove seeds"
    )


def test_a_listed_seed_logged_as_text_is_that_seed_not_a_missing_and_an_unlisted_one(store, tmp_path):
    """A config holding `"seed": "3"` under `seeds = [0, 1, 2, 3, 4]`: the cell of 5 seeds was marked
    `n = 5 of 5 seeds asked for (missing seed 3)` and warned that it `averages seed 3, which the
    table's list of seeds does not name`, one seed both missing and there."""
    from resultsbook.freshness.status import cell_replicates
    from resultsbook.outputs.findings import surplus_findings

    for seed in range(4):
        config = {"method": "a", "seed": str(seed) if seed == 3 else seed}
        write_native_run(tmp_path / "runs" / f"a_{seed}", config, [{"step": 1, "acc": 0.5 + seed / 100}])
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = TableQuery(metrics=(MetricSpec("acc"),), rows=("method",), replicate_values=(0, 1, 2, 3, 4))
    table = aggregate(store, query)
    (cell,) = table.cells.values()
    assert [mark.text for mark in cell.marks] == ["n = 4 of the 5 seeds listed (missing seed 4)"]
    assert [(r.found, r.missing) for r in cell_replicates(table)] == [(4, ((4,),))]
    assert [finding.text for finding in surplus_findings("t", table, Labels())] == [
        "averages seed '3' (text), which the table's list of seeds names as the number 3: counted as that "
        "seed; log it as the list names it, or name it so in seeds"
    ]


def test_a_run_that_trained_half_the_budget_of_the_others_is_marked(store, tmp_path):
    """A stranger's tree (mopben/bipedal-walker @ 1f6d5b9, runs/ablations/sde): seeds 0-2 trained 2M
    steps and seed 42 1M, exactly half; its best reward was averaged with theirs, unmarked."""
    for seed, steps in ((0, 2_000_000), (1, 2_000_000), (2, 2_000_000), (42, 1_000_000)):
        points = [{"step": step, "reward": step / 1e4 + seed} for step in range(100_000, steps + 1, 100_000)]
        write_native_run(tmp_path / "runs" / f"sde_{seed}", {"variant": "sde", "seed": seed}, points)
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    table = aggregate(store, TableQuery(metrics=(MetricSpec("reward", reduce="max"),), rows=("variant",)))
    (cell,) = table.cells.values()
    assert [mark.text for mark in cell.marks if mark.kind == "mixed"] == [
        "averages runs whose curves end at different steps (1000000 to 2000000): max reads each run to its own "
        "end; the reduction at(1000000) compares them at one step"
    ]


def test_runs_stopped_early_each_at_its_own_step_are_not_marked_as_two_budgets(store, tmp_path):
    """Early stopping ends each seed where its validation stopped improving (30, 55, 80, 100 epochs):
    the value at that end is the one meant, and a † would tell the paper's reader otherwise."""
    for seed, epochs in enumerate((30, 55, 80, 100)):
        points = [{"step": epoch, "val_acc": 0.5 + epoch / 1000} for epoch in range(1, epochs + 1)]
        write_native_run(tmp_path / "runs" / f"mlp_{seed}", {"model": "mlp", "seed": seed}, points)
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    table = aggregate(store, TableQuery(metrics=(MetricSpec("val_acc", reduce="last"),), rows=("model",)))
    (cell,) = table.cells.values()
    assert not cell.marks


def test_a_number_of_its_own_in_every_run_of_a_tracker_is_not_said_to_be_read_with_records_options(
    tmp_path, cli
):
    """Optuna trials' lr and rho in Lightning's hparams.yaml (Elluito/spase-resnet-50-experiments@a9285c1):
    the warning said to read them as a metric with -o metrics=lr,rho, an option the tensorboard adapter
    that read them does not have (collect then said it changed nothing)."""
    for trial in range(8):
        write_native_run(
            tmp_path / "runs" / f"t{trial}",
            {"model": "wrn", "lr": 0.001 * 1.7**trial},
            [{"step": 1, "acc": 0.5}],
        )
    cli("collect", "runs")
    warned = cli("table", "--rows", "model", "--metric", "acc", "--goal", "max").stderr
    assert (
        "lr has a value of its own in every run, as a run's name or folder has: if that is all it is, "
        in warned
    )
    assert "declare it run-specific\n" in warned and "-o metrics" not in warned


def test_a_whole_number_numbering_the_runs_of_a_table_without_seeds_is_said_to_be_the_replicate(
    tmp_path, cli
):
    """Dopamine's baselines (google/dopamine@5873f54, baselines/atari/data) name no seed: the records
    adapter numbers an agent's runs `run`, and every cell was said to average runs differing in run,
    with the advice to declare it run-specific or read it as a metric, never to count seeds by it."""
    records = [
        {"Iteration": it, "Value": seed + it + 0.5, "Agent": "DQN"} for seed in range(5) for it in range(3)
    ]
    (tmp_path / "pong.json").write_text(json.dumps(records))
    cli("collect", "pong.json", "--adapter", "records", "-o", "step=Iteration")
    warned = cli("table", "--rows", "Agent", "--metric", "Value", "--goal", "Value=max").stderr
    assert (
        "run has a value of its own in every run and no run has 'seed': if run numbers the seeds, count the "
        "replicates by it (--replicate run); if it is only a run's name, as a folder is, declare it run-specific"
    ) in warned
    counted = cli(
        "table",
        "--rows",
        "Agent",
        "--metric",
        "Value",
        "--goal",
        "Value=max",
        "--replicate",
        "run",
        "--digits",
        "1",
    )
    assert "Warning" not in counted.stderr and "4.5 ± 1.6" in counted.stdout


def test_a_best_no_test_could_compare_is_not_said_to_be_not_significantly_better(store, tmp_path):
    """dna-nn-theory: one run per model and data set; the legend under the bold best said `° best, but
    not significantly better than the runner-up`, a finding of a test that never ran."""
    write_methods(tmp_path, {"cnn": 80.0, "rnn": 85.0, "mlp": 70.0}, seeds=(1,))
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    table = aggregate(store, TableQuery(metrics=(MetricSpec("acc"),), rows=("method",)))
    text = render_table(table, "terminal", TableFormat())
    # one run a cell (a zero-shot evaluation): the bold is the best value, and no test is said to run
    assert "°" not in text and "not significantly better" not in text and "t-test" not in text, text
    assert "**…**: best (higher is better)." in text
    bases = layout_table(table, TableFormat(), Labels()).bases
    assert [basis.untested for basis in bases.values() if basis.rule == "best"] == [
        "one run a cell: bold is the best value printed, as no test compares single values"
    ]
    tested = table_of(store, tmp_path / "tested", {"cnn": 80.0, "rnn": 81.0, "mlp": 70.0})
    assert "° best, but not significantly better than the runner-up (1 cell)" in render_table(
        tested, "terminal", TableFormat()
    )


def test_cells_of_one_replicate_are_footnoted_as_showing_no_spread(store, tmp_path):
    """A table of a DVCLive tree's five folds, one row per fold: every cell `#`, footnoted `too few
    replicates: the spread says little` under `Mean over n = 1 run`, a table that shows no spread."""
    write_methods(tmp_path, {"a": 90.0, "b": 80.0}, seeds=(1,))
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    table = aggregate(store, TableQuery(metrics=(MetricSpec("acc"),), rows=("method",)))
    layout = layout_table(table, TableFormat(), Labels())
    assert (
        dict(layout.footnotes)["#"] == "one replicate: no spread to say how much the value varies (2 cells)"
    )
    table = table_of(store, tmp_path / "two", {"c": 90.0, "d": 80.0}, min_replicates=4)  # n = 1 and n = 3
    footnotes = dict(layout_table(table, TableFormat(), Labels()).footnotes)
    assert footnotes["#"] == "too few replicates: the spread says little (4 cells)"


def test_rows_of_different_values_that_print_one_label_are_named_by_table_and_build(tmp_path, cli):
    """A script whose argparse option has no `type` logs its default as the number 0.1 (`vars(args)`
    into config.json) and the same option given on the command line as the text "0.1": two rows,
    both printed `0.1` with different numbers, and one `\\rbvalue{t/0.1}` in the numbers file for the
    two; `table` and `build` said nothing. They still are two cells, and both commands say so."""
    for index, lr in enumerate([0.1, "0.1", 0.2]):
        for seed in range(3):
            write_native_run(tmp_path / "runs" / f"r{index}_{seed}", {"lr": lr, "seed": seed},
                             [{"step": 1, "acc": 0.5 + index / 10}])  # fmt: skip
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\ngoal = "max"\nrows = ["lr"]\noutputs = ["t.tex"]\n'
    )
    said = (
        "t: 2 rows read '0.1', lr the number 0.1 and the text '0.1': each is a cell of its own under one "
        "name (and one \\rbvalue key); log lr one way in every run (a number or text, its spaces)"
    )
    built = cli("build")
    assert built.exit_code == 0 and f"Warning: {said}" in built.output.splitlines(), built.output
    shown = cli("table", "t")
    assert f"Warning: {said}" in shown.output.splitlines(), shown.output
    assert "averages" not in built.output  # 0.2 alone: no other line


def test_text_that_reads_as_the_number_of_another_row_is_said_to_be_that_number(tmp_path, cli):
    """A learning rate given on the command line as "1e-3" (argparse without `type`) beside runs that
    logged 0.001: two rows, `0.001` and `1e-3`, the one-seed one bold best, and no word that they are
    one number (the warning on 0.1 and '0.1' compared printed labels only)."""
    for index, (lr, seeds) in enumerate([(0.001, range(3)), ("1e-3", range(1)), (0.01, range(3))]):
        for seed in seeds:
            write_native_run(tmp_path / "runs" / f"r{index}_{seed}", {"lr": lr, "seed": seed},
                             [{"step": 1, "acc": 0.5 + index / 10}])  # fmt: skip
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\ngoal = "max"\nrows = ["lr"]\noutputs = []\n'
    )
    assert cli("collect").exit_code == 0
    shown = cli("table", "t")
    said = (
        "Warning: t: 2 rows read '0.001' and '1e-3', lr the number 0.001 and the text '1e-3': one number, "
        "each a cell of its own; log lr one way in every run (a number or text, its spaces)"
    )
    assert said in shown.output.splitlines(), shown.output
    assert "read '0.01'" not in shown.output


def test_values_that_differ_in_a_trailing_space_are_said_to_print_alike(tmp_path, cli):
    """A method name typed with a trailing space in some runs' configs (`--method "baseline "`):
    every output strips or collapses the space, so two rows printed `baseline` with two numbers."""
    for index, method in enumerate(["baseline", "baseline ", "ours"]):
        for seed in range(3):
            write_native_run(tmp_path / "runs" / f"r{index}_{seed}", {"method": method, "seed": seed},
                             [{"step": 1, "acc": 0.5 + index / 10}])  # fmt: skip
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\ngoal = "max"\nrows = ["method"]\noutputs = []\n'
    )
    assert cli("build").exit_code == 0
    shown = cli("table", "t")
    said = (
        "Warning: t: 2 rows read 'baseline', method the text 'baseline' and the text 'baseline ': each is "
        "a cell of its own under one name (and one \\rbvalue key); log method one way in every run (a number "
        "or text, its spaces)"
    )
    assert said in shown.output.splitlines(), shown.output


def test_values_one_label_names_alike_keep_their_own_rbvalue_keys_and_are_not_said_to_share_one(
    tmp_path, cli
):
    """`[labels.values.model]` a = "Ours", b = "Ours": the warning said both rows share one \\rbvalue key,
    where numbers.tex defines t/a and t/b, each key spelled from the values, not the labels."""
    for model in ("a", "b"):
        for seed in range(3):
            write_native_run(tmp_path / "runs" / f"{model}_{seed}", {"model": model, "seed": seed},
                             [{"step": 1, "acc": 0.5 + seed / 10}])  # fmt: skip
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[labels.values.model]\na = "Ours"\nb = "Ours"\n[tables.t]\nmetric = "acc"\n'
        'goal = "max"\nrows = ["model"]\noutputs = ["t.md"]\n[macros]\noutput = "numbers.tex"\n'
    )
    built = cli("build")
    assert (
        "Warning: t: 2 rows read 'Ours', model the text 'a' and the text 'b': each is a cell of its own under one "
        "name; name them apart in [labels.values.model]"
    ) in built.output.splitlines(), built.output
    numbers = (tmp_path / "numbers.tex").read_text()
    assert "{rb@v@value@t/a}" in numbers and "{rb@v@value@t/b}" in numbers


def test_each_bold_cell_says_why_it_is_bold_with_ties_too(store, tmp_path):
    # a and b do not differ (p = 0.85), c is far below: with ties, b is bold as not significantly worse
    # than a, and a names the strongest cell left plain and the test that kept it plain
    table = table_of(store, tmp_path, {"a": 90.0, "b": 89.5, "c": 60.0})
    layout = layout_table(table, TableFormat(digits=1, ties=True), Labels())
    assert emphasis(layout) == ["best", "best", None]
    a, b = layout.bases[(0, 0)], layout.bases[(1, 0)]
    assert (b.rule, b.against, b.test, f"{b.p:.2g}") == ("not_worse", (0, 0), "Welch's t-test", "0.85")
    assert b.text == "not significantly worse than a (Welch's t-test, p = 0.85)"
    assert (a.rule, a.against, a.p < 0.05) == ("best", (2, 0), True)
    cells = json.loads(render_table(table, "json", TableFormat(digits=1, ties=True)))["cells"]
    assert cells[1]["emphasis_basis"]["against"] == {"row": {"method": "a"}, "column": {}}
    assert cells[1]["emphasis_basis"]["significant"] is False


def test_a_group_whose_cells_all_print_one_value_is_bold_untested_and_the_note_says_no_test(store, tmp_path):
    # every method prints 90: all bold, no runner-up to test against; the note named a test none made
    table = table_of(store, tmp_path, {"a": 90.2, "b": 89.9, "c": 90.1})
    layout = layout_table(table, TableFormat(digits=0), Labels())
    assert emphasis(layout) == ["best", "best", "best"]
    assert layout.bases[(0, 0)].untested == (
        "every cell it competes with prints this value: there is no runner-up"
    )
    assert layout.bases[(0, 0)].shares == ((1, 0), (2, 0))
    assert layout.stat_note.endswith(
        "Bold: best, and every cell that prints the same value (higher is better)."
    )


def test_one_training_logged_by_two_trackers_is_said_so_with_the_where_that_keeps_one(
    make_run, tmp_path, cli
):
    """Lightning with `logger=[CSVLogger(...), TensorBoardLogger(...)]` writes each training twice
    (version_0 and version_1): the table averaged every seed twice, its std over n = 4 runs, and said
    only `several runs share seed 0, seed 1`."""
    for seed, acc in ((0, 0.52), (1, 0.53)):
        make_run(f"native_s{seed}", {"lr": 0.01, "seed": seed}, [{"step": 1, "acc": acc}])
        folder = tmp_path / "runs" / "lightning_logs" / f"version_{seed}"
        folder.mkdir(parents=True)
        (folder / "hparams.yaml").write_text(f"lr: 0.01\nseed: {seed}\n")
        (folder / "metrics.csv").write_text(f"epoch,step,acc\n0,1,{acc}\n")
    assert cli("collect", "runs").exit_code == 0
    table = cli("table", "--rows", "lr", "--metric", "acc", "--goal", "max")
    assert (
        "Warning: table: 0.01: several runs share seed 0, seed 1, each with the same value from lightning_csv, "
        "native: one training logged by several trackers, counted once per tracker; where adapter!=native "
        "drops one copy (and every run of native the table has)"
    ) in table.output, table.output
    kept = cli("table", "--rows", "lr", "--metric", "acc", "--goal", "max", "--where", "adapter!=native")
    assert "0.525 ± 0.007" in kept.output and "several runs" not in kept.output, kept.output
    (tmp_path / "runs" / "native_s1" / "metrics.jsonl").write_text('{"step": 1, "acc": 0.6}\n')
    assert cli("collect", "runs").exit_code == 0
    differs = cli("table", "--rows", "lr", "--metric", "acc", "--goal", "max")
    assert "several runs share seed 0, seed 1\n" in differs.output, differs.output  # two trainings


def test_records_written_twice_without_a_seed_are_marked_and_are_no_replicates_of_their_own(tmp_path, cli):
    """Six copies of one record (ETH-DISCO/self-ensembling's hyperparams-old.jsonl: 74 lines, 5 records)
    were seven runs of `a`, unmarked, and `b`'s two records were marked short of them (n = 2 of 7)."""
    a = '{"config": {"model": "a"}, "accuracy": 0.80}\n'
    records = a * 6 + '{"config": {"model": "a"}, "accuracy": 0.90}\n'
    records += '{"config": {"model": "b"}, "accuracy": 0.84}\n{"config": {"model": "b"}, "accuracy": 0.86}\n'
    (tmp_path / "res").mkdir()
    (tmp_path / "res" / "results.jsonl").write_text(records)
    assert cli("collect", "res", "--pattern", "results.jsonl").exit_code == 0
    table = cli("table", "--rows", "config.model", "--metric", "accuracy", "--goal", "max")
    assert "0.81 ± 0.04§" in table.output and "0.85 ± 0.01**#°" in table.output, table.output
    assert "§ some runs repeat another of their file field for field (a row written twice) (1 cell)" in (
        table.output
    )
    assert (
        "Warning: table: a: 5 of its 7 runs repeat another of results.jsonl field for field (a row written "
        "twice), each averaged as a run of its own; delete the repeated rows\n"
    ) in table.output
    assert "fewer replicates than expected" not in table.output


def test_seed_1_written_as_text_is_the_same_seed_as_seed_1(make_run, cli):
    """Seed 1 in one config and "1" in another counted as two seeds: n = 3 over two seeds, unmarked."""
    for name, seed, acc in (("a", 1, 0.5), ("b", "1", 0.6), ("c", 2, 0.7)):
        make_run(name, {"model": "q", "seed": seed}, [{"step": 1, "acc": acc}])
    assert cli("collect", "runs").exit_code == 0
    table = cli("table", "--rows", "model", "--metric", "acc", "--goal", "max")
    assert "Warning: table: q: several runs share seed 1\n" in table.output, table.output
    assert "§" in table.output


def test_runs_of_one_seed_logging_its_steps_one_after_the_other_are_said_to_be_one_training_resumed(
    make_run, cli
):
    """Seed 2 crashed at step 50 and a new run of seed 2 logged steps 51-100: the cell averaged both as
    replicates, and said only `several runs share seed 2`."""
    for seed in (0, 1):
        make_run(f"s{seed}", {"model": "a", "seed": seed}, [{"step": s, "acc": 0.5} for s in range(1, 101)])
    make_run(
        "s2", {"model": "a", "seed": 2}, [{"step": s, "acc": 0.4} for s in range(1, 51)], {"status": "failed"}
    )
    make_run("s2_resume", {"model": "a", "seed": 2}, [{"step": s, "acc": 0.6} for s in range(51, 101)])
    make_run("s3", {"model": "a", "seed": 3}, [{"step": 1, "acc": 0.5}])
    make_run("s3_again", {"model": "a", "seed": 3}, [{"step": 1, "acc": 0.5}])  # a rerun, not a resumption
    assert cli("collect", "runs").exit_code == 0
    table = cli("table", "--rows", "model", "--metric", "acc", "--goal", "max")
    assert (
        "Warning: table: a: several runs share seed 2, seed 3 (steps one after the other: s2 1–50, "
        "s2_resume 51–100: one training resumed in a new run? counted as 2)\n"
    ) in table.output, table.output


def test_a_param_written_as_a_number_and_as_text_shows_the_text_in_quotes(make_run, cli):
    """lr 0.1 in one config and "0.1" in another: `averages runs that differ in lr (0.1, 0.1)`."""
    for name, lr, seed in (("a", 0.1, 0), ("b", "0.1", 1)):
        make_run(name, {"model": "m", "lr": lr, "seed": seed}, [{"step": 1, "acc": 0.5}])
    assert cli("collect", "runs").exit_code == 0
    table = cli("table", "--rows", "model", "--metric", "acc", "--goal", "max")
    assert "averages runs that differ in lr (0.1, '0.1')" in table.output, table.output


def test_seed_identity_is_exact_for_large_seeds_and_bounded_for_long_texts():
    from resultsbook.query.marks import seed_identity

    assert seed_identity(2**60) != seed_identity(2**60 + 1)
    assert seed_identity("1152921504606846977") == seed_identity(2**60 + 1)
    assert seed_identity(1) == seed_identity(1.0) == seed_identity("1") != seed_identity(True)
    assert seed_identity("9" * 5000) == seed_identity("9" * 5000)  # past int()'s digits: no crash
    assert seed_identity(0.5) != seed_identity(1)


def test_runs_ending_at_different_steps_but_one_epoch_trained_alike_and_are_not_marked(store, tmp_path):
    """Jan21/FAST-GNN-SAT's Lightning runs: 50 epochs each, 3 or 25 steps an epoch (149 and 1249 steps).
    The cell was marked for runs ending at different steps, and its fix, at(149), compared epoch 5 of two
    runs with epoch 49 of the third."""
    for run, per_epoch in enumerate((3, 25, 25)):
        points = [
            {"step": per_epoch * e + per_epoch - 1, "epoch": e, "acc": 0.5 + e / 100} for e in range(50)
        ]
        write_native_run(tmp_path / "runs" / f"v{run}", {"model": "gcn"}, points)
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = TableQuery(metrics=(MetricSpec("acc", reduce="max", direction="max"),), rows=("model",))
    cell = aggregate(store, query).cell(("gcn",), ())
    assert [mark.kind for mark in cell.marks if mark.kind == "mixed"] == []
    for run, epochs in enumerate((50, 50, 10, 10)):  # two budgets in epochs: still marked
        points = [{"step": 25 * e + 24, "epoch": e, "acc": 0.5 + e / 100} for e in range(epochs)]
        write_native_run(tmp_path / "runs" / f"m{run}", {"model": "mlp"}, points)
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    cell = aggregate(store, query).cell(("mlp",), ())
    assert any(mark.kind == "mixed" and "end at different steps" in mark.text for mark in cell.marks)


def test_a_size_setting_that_differs_in_every_run_is_not_offered_as_the_seed(store, tmp_path):
    """Jan21/FAST-GNN-SAT: two runs of one model at n_hidden 32 and 128, no seed param; the warning said
    `if n_hidden numbers the seeds, count the replicates by it (--replicate n_hidden)`."""
    point = [{"step": 1, "acc": 0.5}]
    for run, hidden in enumerate((32, 128)):
        write_native_run(tmp_path / "runs" / f"v{run}", {"model": "gcn", "n_hidden": hidden}, point)
    for run, index in enumerate((3, 7)):
        write_native_run(tmp_path / "runs" / f"r{run}", {"model": "mlp", "run_index": index}, point)
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    table = aggregate(store, TableQuery(metrics=(MetricSpec("acc", direction="max"),), rows=("model",)))
    (sized,) = [mark for mark in table.cell(("gcn",), ()).marks if mark.kind == "mixed"]
    assert "n_hidden" in sized.text and "numbers the seeds" not in sized.text
    (counted,) = [mark for mark in table.cell(("mlp",), ()).marks if mark.kind == "mixed"]
    assert "if run_index numbers the seeds" in counted.text


def test_the_legend_says_the_test_finds_the_runner_up_significantly_better(store, tmp_path):
    """A mean raised by one far seed (0 … 0.3 and 100) beside seeds at 10.0 … 10.6: the paper's only
    footnote was `best, but not significantly better than the runner-up`, though the Mann–Whitney U
    test finds b significantly better (p = 0.026), which only the warning on stderr said."""
    values = {"a": [0, 0.1, 0.2, 0.3, 100, 0.15, 0.05], "b": [10 + 0.1 * i for i in range(7)]}
    for method, scores in values.items():
        for seed, value in enumerate(scores):
            write_native_run(tmp_path / "runs" / f"{method}_{seed}", {"method": method, "seed": seed},
                             [{"step": 1, "score": value}])  # fmt: skip
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    table = aggregate(store, TableQuery(metrics=(MetricSpec("score", direction="max"),), rows=("method",)))
    latex = render_table(table, "latex", TableFormat(test="mannwhitney"))
    assert (
        r"$^{\circ}$ best by its value, but the test finds the runner-up significantly better (1 cell)\par"
        in latex
    )
    assert "not significantly better than the runner-up" not in latex
    assert mark_summary("nonsig", {"nonsig", "opposite"}) == (
        "best, but not significantly better than the runner-up, or the test finds the runner-up "
        "significantly better (the cell's warning says which)"
    )


def test_mann_whitney_of_few_tied_runs_is_exact_not_the_normal_approximation(store, tmp_path):
    """3 runs at 0.9 beside 4 at 0.85 were bold `significantly better than b (Mann–Whitney U test,
    p = 0.025)`: scipy's automatic method takes the normal approximation where values tie, but no split
    of 7 runs into 3 and 4 gives a p below 2/35 = 0.057."""
    for method, scores in {"a": [0.9] * 3, "b": [0.85] * 4}.items():
        for seed, value in enumerate(scores):
            write_native_run(tmp_path / "runs" / f"{method}_{seed}", {"method": method, "seed": seed},
                             [{"step": 1, "acc": value}])  # fmt: skip
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    table = aggregate(store, TableQuery(metrics=(MetricSpec("acc", direction="max"),), rows=("method",)))
    basis = layout_table(table, TableFormat(test="mannwhitney"), Labels()).bases[(0, 0)]
    assert basis.text == "best; not significantly better than b (Mann–Whitney U test, p = 0.057)"


def test_a_best_the_test_finds_the_worse_of_the_two_is_not_called_significantly_better(store, tmp_path):
    """A mean raised by one far seed (0 … 0.8 and 110, mean 11.36) beside seeds at 10.0 … 10.9 (mean
    10.45) was bold `significantly better than b (Mann–Whitney U test, p = 0.0028)`: the two-sided p
    was read as evidence for the bold, though the test finds a's runs the smaller."""
    values = {"a": [0.1 * i for i in range(9)] + [110.0], "b": [10.0 + 0.1 * i for i in range(10)]}
    for method, scores in values.items():
        for seed, value in enumerate(scores):
            write_native_run(tmp_path / "runs" / f"{method}_{seed}", {"method": method, "seed": seed},
                             [{"step": 1, "acc": value}])  # fmt: skip
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    table = aggregate(store, TableQuery(metrics=(MetricSpec("acc"),), rows=("method",)))
    layout = layout_table(table, TableFormat(test="mannwhitney"), Labels())
    assert emphasis(layout) == ["best", None]
    basis = layout.bases[(0, 0)]
    said = "not significantly better than b (Mann–Whitney U test, p = 0.0015, in favour of b)"
    assert basis.text == f"best; {said}"
    assert [mark.kind for mark in layout.marks[(0, 0)]] == ["nonsig"]
    cell = json.loads(render_table(table, "json", TableFormat(test="mannwhitney")))["cells"][0]
    assert (cell["emphasis_basis"]["significant"], cell["emphasis_basis"]["opposite"]) == (False, True)
