"""CSV/TSV step logs, wide per-seed CSVs and files holding many runs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from resultsbook.adapters.csvlog import CsvAdapter
from resultsbook.adapters.records import RecordsAdapter
from resultsbook.adapters.wide import WideAdapter
from resultsbook.voice import to_command_line


def read_csv(path: Path, **options):
    adapter = CsvAdapter(**options)
    result = adapter.read(adapter.source_for_file(str(path)))
    return result.runs[0], [p.message for p in result.problems]


def test_headerless_csv_with_column_names(tmp_path):
    path = tmp_path / "env.csv"
    path.write_text("1,1000,-413.5\n2,2000,-923.7\n3,3000,12.25\n")
    run, problems = read_csv(path, columns=["epoch", "step", "return"])
    assert problems == []
    assert list(run.metrics["return"].steps) == [1000, 2000, 3000]
    assert list(run.metrics["return"].values) == [-413.5, -923.7, 12.25]
    assert list(run.metrics["epoch"].values) == [1, 2, 3]


def test_columns_in_the_spec_as_one_comma_separated_text_are_the_columns_as_on_the_command_line(tmp_path):
    """`columns = "epoch,step,return"` (as --columns takes them) was one column named 'epoch,step,return':
    460 problems, every line said to have another number of cells than the 1 column."""
    from resultsbook.spec import load_spec

    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\npattern = "{run}/environment.csv"\ncolumns = "epoch, step,return"\n'
    )
    (tmp_path / "runs").mkdir()
    (source,) = load_spec(str(tmp_path / "resultsbook.toml")).sources
    assert source.options["columns"] == ["epoch", "step", "return"]


def test_too_few_column_names_for_a_headerless_csv_say_so_not_a_header_line_alone(tmp_path, cli):
    """d3rlpy's headerless environment.csv (takuseno/d3rlpy-benchmarks @ 1771c9b2,
    d4rl_logs/<algo>/<ALGO>_<env>_<seed>_<time>/environment.csv: epoch,step,return) read with two names
    said it "holds only its header line (epoch, step), no row", and left a new store of no run behind."""
    folder = tmp_path / "runs" / "CQL_hopper-medium-v0_1_20220831181759"
    folder.mkdir(parents=True)
    (folder / "environment.csv").write_text("1,1000,38.963438\n2,2000,38.503820\n")
    adapter = CsvAdapter(columns=["epoch", "step"])
    result = adapter.read(adapter.source_for_file(str(folder / "environment.csv")))
    assert result.runs == ()
    assert [p.message for p in result.problems][-1] == (
        "no line has the 2 cells of the columns given (epoch, step) (fix: one column name per cell)"
    )
    outcome = cli("collect", "runs", "--pattern", "{run}/environment.csv", "--columns", "epoch,step")
    assert outcome.exit_code == 1 and "no run was added or changed" in outcome.output
    assert not (tmp_path / "resultsbook.db").exists()  # a collect that found nothing makes no store


@pytest.mark.parametrize(
    "text",
    ["1,5\n2,6\n", "# written by train.py, 3 columns\n1,5\n2,6\n"],  # a comment naming no columns, too
    ids=["plain", "after-a-comment"],
)
def test_headerless_csv_without_names_is_read_and_explained(tmp_path, text):
    path = tmp_path / "env.csv"
    path.write_text(text)
    run, problems = read_csv(path)
    assert sorted(run.metrics) == ["col0", "col1"]
    assert problems == [
        "has no header line and no column names were given (fix: options={'columns': ['a', 'b', 'c']})"
    ]


def test_comment_lines_before_the_header_are_not_the_header(tmp_path):
    """Stable-Baselines3's monitor.csv opens with `#{json}`: its comma made it a two-column header."""
    path = tmp_path / "0.monitor.csv"
    path.write_text(
        '#{"t_start": 1.5, "env_id": "CartPole-v1"}\n# another note\nr,l,t\n22.0,22,0.01\n35.0,35,0.03\n'
    )
    run, problems = read_csv(path)
    assert problems == []
    assert sorted(run.metrics) == ["l", "r", "t"] and list(run.metrics["r"].values) == [22.0, 35.0]


def test_a_commented_header_names_the_columns_of_numpy_savetxt(tmp_path):
    path = tmp_path / "log.csv"
    np.savetxt(path, np.array([[10, 0.5], [20, 0.25]]), delimiter=",", header="step,loss")  # `# step,loss`
    run, problems = read_csv(path)
    assert problems == [] and sorted(run.metrics) == ["loss"]
    assert list(run.metrics["loss"].steps) == [10, 20] and list(run.metrics["loss"].values) == [0.5, 0.25]


def test_a_header_naming_its_first_column_hash_is_still_the_header(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("#,loss\n0,0.5\n1,0.25\n")
    run, problems = read_csv(path)
    assert problems == [] and sorted(run.metrics) == ["#", "loss"]


def test_a_comment_line_after_the_header_is_a_damaged_row(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("step,loss\n0,0.5\n# resumed\n1,0.25\n")
    run, problems = read_csv(path)
    assert list(run.metrics["loss"].values) == [0.5, 0.25]
    assert problems == ["line 3 has 1 cells for the 2 columns"]


def test_stray_header_rows_and_torn_last_row(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("step,loss,acc\n1,0.9,0.1\nstep,loss,acc\n2,0.8,0.2\n3,0.7")
    run, problems = read_csv(path)
    assert list(run.metrics["loss"].steps) == [1, 2]
    assert problems == [
        "last line (5) is cut off (a run still writing?); if the file is complete, end its last line with a newline",
        "repeats its header 1 time(s) (first at line 3)",
    ]


def test_a_quoted_last_row_without_its_newline_is_kept_whole(tmp_path):
    """W&B's exports end without a newline: a last row closed by a quote, a cell for every column, is
    whole (its final evaluation is the number a paper quotes); one cut inside a cell is not."""
    path = tmp_path / "wandb_export.csv"
    path.write_text('"Step","run_seed_0 - acc"\n"1","0.5"\n"2","0.75"')
    run, problems = read_csv(path)
    assert list(run.metrics["run_seed_0 - acc"].values) == [0.5, 0.75]
    assert problems == []
    path.write_text('"Step","run_seed_0 - acc"\n"1","0.5"\n"2","0.7')
    run, problems = read_csv(path)
    assert list(run.metrics["run_seed_0 - acc"].values) == [0.5]
    assert problems == [
        "last line (3) is cut off (a run still writing?); if the file is complete, end its last line with a newline"
    ]
    path.write_text('"Step","a","b"\n"1","0.5","1"\n"2","0.75"')
    run, problems = read_csv(path)
    assert list(run.metrics["a"].values) == [0.5]
    path.write_text('"Step","a","b"\n"1","0.5","1"\n"2","0.75","')  # cut after its last cell's opening quote
    run, problems = read_csv(path)
    assert list(run.metrics["a"].values) == [0.5] and problems == [
        "last line (3) is cut off (a run still writing?); if the file is complete, end its last line with a newline"
    ]


def test_sparse_rows_and_tsv(tmp_path):
    path = tmp_path / "metrics.tsv"
    path.write_text("epoch\ttrain_loss\tval_acc\n0\t1.0\t\n1\t0.5\t0.7\n2\tnan\t\n")
    run, problems = read_csv(path)
    assert list(run.metrics["val_acc"].steps) == [1]
    assert np.isnan(run.metrics["train_loss"].values[2])
    assert problems == ["metric 'train_loss' has 1 NaN/Infinity value(s)"]


def test_wide_csv_gives_one_run_per_seed(tmp_path):
    path = tmp_path / "test_rew.csv"
    path.write_text(
        "env_step,rew,rew:shaded,rew:seed_0_a/x.csv,rew:seed_1_b/x.csv\n0,1.5,0.5,1,2\n10,3,1,2.5,3.5\n"
    )
    adapter = WideAdapter()
    result = adapter.read(adapter.source_for_file(str(path), forced=True))
    assert [r.params for r in result.runs] == [{"seed": 0}, {"seed": 1}]
    assert list(result.runs[1].metrics["rew"].values) == [2, 3.5]
    assert list(result.runs[1].metrics["rew"].steps) == [0, 10]


def test_a_csv_with_a_column_per_seed_read_as_one_run_names_the_wide_adapter(tmp_path):
    """tianshou's test_rew_10seeds.csv, read with a pattern alone: one run per file, its seeds metrics
    of that run, so every cell of a table over seeds had n = 1 with nothing saying why."""
    import resultsbook as rb

    for algo in ("ppo", "sac"):
        (tmp_path / "runs" / algo).mkdir(parents=True)
        (tmp_path / "runs" / algo / "test_rew.csv").write_text(
            "env_step,rew,rew:shaded,rew:seed_0_a/x.csv,rew:seed_1_b/x.csv\n0,1.5,0.5,1,2\n10,3,1,2.5,3.5\n"
        )
    db, runs = str(tmp_path / "store.db"), str(tmp_path / "runs")
    report = rb.collect(runs, db=db, pattern="{algo}/test_rew.csv")
    assert report.new == 2
    assert report.notes == (
        "2 file(s) hold one column per seed (the first: 'ppo/test_rew.csv', column 'rew:seed_0_a/x.csv'), "
        "so each was read as one run with a metric per seed and a table over seeds sees one run; "
        "adapter='wide' reads each seed's column as a run (add it to the same call)",
    )
    followed = rb.collect(runs, db=str(tmp_path / "wide.db"), pattern="{algo}/test_rew.csv", adapter="wide")
    assert (followed.new, followed.notes) == (4, ())


def test_wide_files_in_folders_named_by_env_and_algorithm_read_without_a_pattern_are_noted(tmp_path):
    """thu-ml/tianshou @ 39acf209 publishes `<env>/<algo>/test_rew_10seeds.csv` (../shared/realdata/
    tianshou-mujoco): `collect --adapter wide` of the tree read 540 runs named `test_rew_10seeds[seed=k]`
    with no param but the seed, and said nothing: a table over seeds averaged every env and algorithm
    as one configuration, unmarked."""
    import resultsbook as rb

    for env in ("Ant-v3", "Hopper-v3"):
        for algo in ("ppo", "sac"):
            (tmp_path / "runs" / env / algo).mkdir(parents=True)
            (tmp_path / "runs" / env / algo / "test_rew_10seeds.csv").write_text(
                "env_step,rew,rew:shaded,rew:seed_0_a/x.csv,rew:seed_1_b/x.csv\n0,1.5,0.5,1,2\n10,3,1,2.5,3.5\n"
            )
    db, runs = str(tmp_path / "store.db"), str(tmp_path / "runs")
    report = rb.collect(runs, db=db, adapter="wide")
    assert report.new == 8
    assert len(report.notes) == 1 and report.notes[0].startswith(
        "4 files read by adapter='wide' hold runs of one name and the same params (e.g. "
        "'test_rew_10seeds[seed=0]' in "
    )
    fix = "pattern='{group}/{run}/test_rew_10seeds.csv' takes params from the folders that differ"
    assert "a table averages them as one configuration; fix: " + fix in report.notes[0]
    followed = rb.collect(runs, db=str(tmp_path / "apart.db"), adapter="wide", pattern=fix.split("'")[1])
    assert (followed.new, followed.notes) == (8, ())


def test_a_wandb_chart_export_read_as_one_run_names_the_wide_adapter(tmp_path):
    """A W&B chart export collected by a pattern alone is one run whose metrics are its runs' columns
    and their __MIN/__MAX bands: the collect says so, and names the adapter that reads it."""
    import resultsbook as rb

    (tmp_path / "runs").mkdir()
    header = '"Step","lively-sun-12 - acc","lively-sun-12 - acc__MIN","lively-sun-12 - acc__MAX"'
    (tmp_path / "runs" / "wandb_export.csv").write_text(header + '\n"1","0.5","0.4","0.6"')
    db, runs = str(tmp_path / "store.db"), str(tmp_path / "runs")
    report = rb.collect(runs, db=db, pattern="*.csv")
    assert report.notes == (
        "1 file(s) are W&B chart exports (the first: 'wandb_export.csv', column 'lively-sun-12 - acc'), so "
        "each was read as one run whose metrics are its runs' columns and their __MIN/__MAX bands; "
        "adapter='wide' reads each run's column as a run and leaves the bands out (add it to the same call)",
    )
    followed = rb.collect(runs, db=str(tmp_path / "wide.db"), pattern="*.csv", adapter="wide")
    assert (followed.new, followed.notes) == (1, ())


def test_a_folder_of_wandb_chart_exports_collected_without_a_pattern_names_the_wide_adapter(tmp_path, cli):
    (tmp_path / "charts").mkdir()
    header = '"Step","lively-sun-12 - acc","lively-sun-12 - acc__MIN","lively-sun-12 - acc__MAX"'
    (tmp_path / "charts" / "wandb_export.csv").write_text(header + '\n"1","0.5","0.4","0.6"')
    result = cli("collect", "charts")
    assert result.exit_code != 0
    assert (
        "it holds 1 file(s) named wandb_export.csv (e.g. wandb_export.csv) that are W&B chart exports (column "
        "'lively-sun-12 - acc' and its __MIN/__MAX band): read them with --adapter wide, a run per W&B run"
    ) in result.output, result.output
    assert cli("collect", "charts", "--adapter", "wide").output.startswith("Collected charts: 1 new")


def test_a_csv_naming_one_seed_or_none_in_its_columns_gets_no_seed_note(tmp_path):
    import resultsbook as rb

    (tmp_path / "runs" / "a").mkdir(parents=True)
    (tmp_path / "runs" / "a" / "log.csv").write_text("step,loss_seed3,seed\n0,1,3\n10,0.5,3\n")
    (tmp_path / "runs" / "b").mkdir()
    (tmp_path / "runs" / "b" / "log.csv").write_text("step,loss,acc\n0,1,0.1\n10,0.5,0.2\n")
    report = rb.collect(str(tmp_path / "runs"), db=str(tmp_path / "store.db"), pattern="{run}/log.csv")
    assert report.new == 2 and not any("per seed" in note for note in report.notes)


def test_a_misspelt_step_column_of_a_wide_csv_is_answered_with_the_column_meant(tmp_path):
    path = tmp_path / "test_rew.csv"
    path.write_text("env_step,rew,rew:seed_0_a/x.csv\n0,1.5,1\n")
    adapter = WideAdapter(step="env_stp")
    result = adapter.read(adapter.source_for_file(str(path), forced=True))
    assert result.runs == ()
    assert [p.message for p in result.problems] == ["has no step column 'env_stp'; did you mean 'env_step'?"]


def test_a_wide_csv_whose_columns_are_the_runs_alone_takes_the_metric_from_its_file_name(tmp_path):
    """A W&B chart export, one CSV per metric (AstroCLIP's wandb_logs/val_loss.csv: Step,8-dim,16-dim):
    every run's metric was called `value`, in each file alike."""
    path = tmp_path / "val_loss.csv"
    path.write_text("Step,8-dim,16-dim\n6,5.05,5.17\n14,4.99,4.79\n")
    adapter = WideAdapter(seed_regex=r"^(\d+)-dim$", seed_param="dim")
    result = adapter.read(adapter.source_for_file(str(path), forced=True))
    assert [r.params for r in result.runs] == [{"dim": 8}, {"dim": 16}]
    assert list(result.runs[1].metrics) == ["val_loss"]
    assert list(result.runs[1].metrics["val_loss"].values) == [5.17, 4.79]


def test_a_wandb_chart_export_gives_a_run_per_seed_of_its_metric_without_its_bands(tmp_path):
    """A W&B web-UI chart export (`Step, <run> - <metric>, <run> - <metric>__MIN, __MAX`, every cell
    quoted, no newline at its end): the metric is the text after ` - `, and the __MIN/__MAX columns,
    W&B's band around the line, are no values of it (taken as such, a step's value was its __MAX)."""
    path = tmp_path / "wandb_export_2022-08-25T22_43_23.724+02_00.csv"
    header = ["Step"] + [f"pix2pix_seed_{s} - test SSIM{b}" for s in (0, 65) for b in ("", "__MIN", "__MAX")]
    rows = [
        ["1", "0.45", "0.32", "0.58", "0.63", "0.63", "0.63"],
        ["15", "0.44", "0.31", "0.57", "0.61", "0.6", "0.62"],
    ]
    path.write_text("\n".join(",".join(f'"{cell}"' for cell in row) for row in [header, *rows]))
    adapter = WideAdapter()
    result = adapter.read(adapter.source_for_file(str(path), forced=True))
    assert [p.message for p in result.problems] == []
    assert [r.params for r in result.runs] == [{"seed": 0}, {"seed": 65}]
    assert [list(r.metrics) for r in result.runs] == [["test SSIM"], ["test SSIM"]]
    assert list(result.runs[0].metrics["test SSIM"].values) == [0.45, 0.44]
    assert list(result.runs[1].metrics["test SSIM"].values) == [0.63, 0.61]


def test_a_wandb_chart_export_of_runs_named_without_a_seed_gives_a_run_per_name(tmp_path):
    """W&B names runs `lively-sun-12`: a chart export of such runs is a run per name (param `run`),
    not 'no column matching the seed pattern'."""
    path = tmp_path / "wandb_export_2024-03-01T12_00_00.000+01_00.csv"
    header = ["Step"] + [
        f"{r} - val/acc{b}" for r in ("lively-sun-12", "brisk-dew-7") for b in ("", "__MIN", "__MAX")
    ]
    rows = [["1", "0.5", "0.4", "0.6", "0.6", "0.6", "0.6"], ["2", "0.7", "0.7", "0.7", "0.8", "0.8", "0.8"]]
    path.write_text("\n".join(",".join(f'"{cell}"' for cell in row) for row in [header, *rows]))
    adapter = WideAdapter()
    result = adapter.read(adapter.source_for_file(str(path), forced=True))
    assert [p.message for p in result.problems] == []
    assert [r.params for r in result.runs] == [{"run": "brisk-dew-7"}, {"run": "lively-sun-12"}]
    assert [list(r.metrics) for r in result.runs] == [["val/acc"], ["val/acc"]]
    assert list(result.runs[1].metrics["val/acc"].values) == [0.5, 0.7]


def test_wandb_runs_of_one_seed_in_one_chart_export_are_not_merged_into_one_run(tmp_path):
    """Two W&B runs of seed 0 in one chart (cycle_seed_0, pix_seed_0) were one run whose steps held
    both values, the last kept: now the first is read, and the line names the other."""
    path = tmp_path / "wandb_export.csv"
    path.write_text('"Step","cycle_seed_0 - ssim","pix_seed_0 - ssim"\n"1","0.5","0.8"\n"2","0.6","0.9"')
    adapter = WideAdapter()
    result = adapter.read(adapter.source_for_file(str(path), forced=True))
    assert [list(r.metrics["ssim"].values) for r in result.runs] == [[0.5, 0.6]]
    assert [p.message for p in result.problems] == [
        "W&B runs 'cycle_seed_0' and 'pix_seed_0' both hold seed 0 (1 column(s) of runs sharing a seed): "
        "a run per seed cannot tell them apart; export one chart per configuration"
    ]


def test_records_file_with_curves_and_finals(tmp_path):
    path = tmp_path / "runs.json"
    path.write_text(
        json.dumps(
            [
                {"algorithm": "A", "dataset": "d", "run_index": 0, "curve": [1, 2, 3], "regret": 0.5},
                {"algorithm": "A", "dataset": "d", "run_index": 1, "curve": [2, 3, 4], "regret": 0.25},
            ]
        )
    )
    adapter = RecordsAdapter(rename="run_index:seed")
    result = adapter.read(adapter.source_for_file(str(path)))
    assert [r.params for r in result.runs] == [
        {"algorithm": "A", "dataset": "d", "seed": 0},
        {"algorithm": "A", "dataset": "d", "seed": 1},
    ]
    assert list(result.runs[1].metrics["curve"].values) == [2, 3, 4]
    assert result.runs[1].summary == {"regret": 0.25}


def _wandb_runs_table(path, *rows):
    """Read rows of a runs table the W&B web UI exports (its columns, then model, seed, test/acc, _step)."""
    header = (
        '"Name","State","Notes","User","Tags","Created","Runtime","Sweep","model","seed","test/acc","_step"'
    )
    path.write_text("\n".join([header, *rows]))
    adapter = RecordsAdapter()
    return adapter.read(adapter.source(str(path), [str(path)]))


def test_a_wandb_runs_table_export_is_a_run_per_row_named_and_stated_by_wandb(tmp_path):
    """The runs table the W&B web UI exports: each row a run with its Name and State (a crashed run is
    failed), its bookkeeping (Created, Runtime, Notes, User, Tags, Sweep, _step) no param, so that a
    cell of runs of one config is no longer 'averaging runs whose configurations differ'."""
    result = _wandb_runs_table(
        tmp_path / "wandb_export_2024-03-01T12_00_00.000+01_00.csv",
        '"lively-sun-12","finished","-","alice","base","2024-02-28T10:00:00.000Z","3600","","mlp","0","0.91","99"',
        '"calm-sky-3","crashed","-","alice","","2024-02-28T12:00:00.000Z","200","","mlp","1","0.5","10"',
    )
    assert [p.message for p in result.problems] == []
    assert [(r.name, r.status, r.params) for r in result.runs] == [
        ("lively-sun-12", "finished", {"model": "mlp", "seed": 0}),
        ("calm-sky-3", "failed", {"model": "mlp", "seed": 1}),
    ]
    assert result.runs[0].summary == {"test/acc": 0.91}


def test_a_pending_run_of_a_wandb_runs_table_is_queued_not_running(tmp_path):
    """W&B's run state `pending` is a run scheduled but not started (a sweep's or a Launch job's, as
    docs.wandb.ai/models/runs/run-states says), written here by hand in the runs table's shape above, its
    summary columns empty: it was read as unknown; it is `queued`."""
    result = _wandb_runs_table(
        tmp_path / "wandb_export.csv",
        '"lively-sun-12","running","-","alice","","2024-02-28T10:00:00.000Z","3600","s1","mlp","0","0.91","99"',
        '"calm-sky-3","pending","-","alice","","2024-02-28T12:00:00.000Z","0","s1","mlp","1","",""',
    )
    assert [(r.name, r.status) for r in result.runs] == [
        ("lively-sun-12", "running"),
        ("calm-sky-3", "queued"),
    ]


def test_a_filter_on_wandbs_state_column_names_the_status_field(tmp_path, cli):
    """W&B's runs table calls a run's status its State: `--where State=finished` is answered with the
    field that holds it, not with the list of params."""
    header = '"Name","State","Notes","User","Tags","Created","Runtime","Sweep","model","seed","acc"'
    row = '"a","{}","-","u","","2024-02-28T10:00:00.000Z","1","","mlp","{}","0.5"'
    rows = [row.format("finished", 0), row.format("crashed", 1)]
    (tmp_path / "wandb_export.csv").write_text("\n".join([header, *rows]))
    assert cli("collect", "wandb_export.csv", "--adapter", "records").exit_code == 0
    result = cli("table", "--rows", "model", "--metric", "acc", "--where", "State=finished")
    assert "no run has a param 'State'; did you mean 'status'?" in result.output, result.output


def test_records_one_per_run_and_step(tmp_path):
    path = tmp_path / "log.jsonl"
    rows = [
        {"model": m, "seed": s, "step": t, "acc": 0.1 * t + s} for m in "ab" for s in (0, 1) for t in (1, 2)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    adapter = RecordsAdapter()
    result = adapter.read(adapter.source_for_file(str(path)))
    assert len(result.runs) == 4
    assert list(result.runs[0].metrics["acc"].steps) == [1, 2]


def test_records_of_a_run_and_step_keep_a_counter_beside_the_step_as_a_metric(tmp_path):
    """DrQ publishes its curves as one CSV row per run and evaluation (step, episode, episode_reward,
    env, seed, agent): the whole-number `episode` was a param, so every row was a run of its own."""
    path = tmp_path / "bench.csv"
    rows = ["step,episode,episode_reward,env,seed"]
    for env, per_episode in (("walker_walk", 2000), ("cheetah_run", 4000)):
        for seed in (1, 2):
            rows += [f"{per_episode * e},{e},{100 * e + seed + 0.25},{env},{seed}" for e in (0, 2, 4)]
    path.write_text("\n".join(rows) + "\n")
    adapter = RecordsAdapter()
    result = adapter.read(adapter.source(str(path), [str(path)]))
    assert result.problems == ()
    assert [run.params for run in result.runs] == [
        {"env": env, "seed": seed} for env in ("walker_walk", "cheetah_run") for seed in (1, 2)
    ]
    cheetah = result.runs[2]
    assert list(cheetah.metrics["episode"].steps) == [0, 8000, 16000]
    assert list(cheetah.metrics["episode"].values) == [0, 2, 4]
    assert list(cheetah.metrics["episode_reward"].values) == [1.25, 201.25, 401.25]


def test_the_row_index_pandas_writes_is_neither_a_param_nor_a_metric(tmp_path):
    """`DataFrame.to_csv()` writes its index as a first column without a name (DrQ-v2's curves):
    the records adapter made it a param named '' (every row a run), the csv adapter a metric ''."""
    path = tmp_path / "curves.csv"
    rows = [",agent,task,seed,frame,episode_reward"]
    rows += [f"{i},DrQ-v2,walker_walk,{1 + i // 2},{10000 * (i % 2)},{i + 0.5}" for i in range(4)]
    path.write_text("\n".join(rows) + "\n")
    adapter = RecordsAdapter(step="frame")
    result = adapter.read(adapter.source(str(path), [str(path)]))
    assert [run.params for run in result.runs] == [
        {"agent": "DrQ-v2", "seed": seed, "task": "walker_walk"} for seed in (1, 2)
    ]
    assert set(result.runs[1].metrics) == {"episode_reward"}
    assert list(result.runs[1].metrics["episode_reward"].steps) == [0, 10000]
    one_seed = tmp_path / "seed1.csv"
    one_seed.write_text("\n".join(rows[:3]) + "\n")
    run, _ = read_csv(one_seed, step="frame")
    assert set(run.metrics) == {"seed", "episode_reward"}


def test_a_csv_of_several_seeds_rows_is_no_one_run_but_named_for_records(tmp_path):
    """nicklashansen/tdmpc's results/hopper-hop.csv (`seed,step,return`, 5 seeds) collected as a file: one
    run whose every step kept seed 5's row, 104 of 130 rows dropped, and a table showed seed 5 alone."""
    path = tmp_path / "hopper-hop.csv"
    rows = [
        "seed,step,return",
        *(f"{seed},{step},{seed * 100 + step}" for seed in (1, 2) for step in (0, 10)),
    ]
    path.write_text("\n".join(rows) + "\n")
    adapter = CsvAdapter()
    result = adapter.read(adapter.source_for_file(str(path)))
    assert result.runs == ()
    assert [(p.message, p.kept) for p in result.problems] == [
        (
            "holds the rows of several runs (its steps repeat, column(s) seed vary): read it with "
            "adapter='records', which makes one run of each distinct set of those values, as params",
            "nothing from this file (read as one run, each step would keep its last row)",
        )
    ]


def test_records_whose_step_starts_again_are_runs_numbered_by_their_place(tmp_path):
    """Dopamine's baselines (`baselines/atari/data/pong.json`) list every agent's seeds one after the
    other, Iteration 0..198 each, with no seed field: the seeds were merged into one run, the last
    seed's value kept at every step, and a table over seeds saw one run per agent."""
    path = tmp_path / "pong.json"
    records = [
        {"Iteration": it, "Value": 10.0 * seed + it + 0.5, "Agent": agent}
        for agent in ("DQN", "Quantile (JAX)")
        for seed in range(3)
        for it in range(4)
    ]
    path.write_text(json.dumps(records))
    result = read_records(path, step="Iteration")
    assert result.problems == ()
    assert [run.params for run in result.runs] == [
        {"Agent": agent, "run": seed} for agent in ("DQN", "Quantile (JAX)") for seed in range(3)
    ]
    assert list(result.runs[2].metrics["Value"].steps) == [0, 1, 2, 3]
    assert list(result.runs[2].metrics["Value"].values) == [20.5, 21.5, 22.5, 23.5]


def test_a_log_whose_step_starts_again_to_another_end_says_so_at_the_record_where_it_went_back(tmp_path):
    """Detectron2's metrics.json of a training launched again in its output folder: the iteration goes
    back from 99 to 19, and the file was read as runs run=0 and run=1 without a word, which a table
    then offered to average as seeds."""
    path = tmp_path / "metrics.json"
    records = [{"iteration": i, "total_loss": 1 / (i + 1)} for i in range(19, 100, 20)]
    records += [{"iteration": i, "total_loss": 0.5 / (i + 1)} for i in range(19, 60, 20)]
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    with to_command_line():
        result = read_records(path, step="iteration")
    assert [run.params for run in result.runs] == [{"run": 0}, {"run": 1}]
    [problem] = result.problems
    assert problem.message == (
        "the step goes back from 99 to 19 at record 6: read as runs run=0 (to step 99), run=1 (to step 59), "
        "which end at different steps: seeds one after another, the last still running, or a training "
        "started again in the same place, whose runs are not seeds (keep the one meant, e.g. --where run=1)"
    )
    # a second agent restarted unevenly after a first whose seeds all end alike: named, with its agent
    even = [{"agent": "a", "iteration": i, "loss": 1.0} for _ in range(2) for i in range(3)]
    uneven = [{"agent": "b", "iteration": i, "loss": 1.0} for i in (0, 1, 2, 0, 1)]
    path.write_text("".join(json.dumps(record) + "\n" for record in even + uneven))
    with to_command_line():
        [problem] = read_records(path, step="iteration").problems
    assert problem.message.startswith(
        "the step goes back from 2 to 0 at record 10 (agent=b): read as runs run=0 (to step 2), run=1 (to step 1)"
    ), problem.message


def test_records_of_runs_side_by_side_each_step_once_per_run_are_runs_numbered_by_their_place(tmp_path):
    """Dopamine's `breakout_CNN.json` lists an agent's five seeds side by side: Iteration 0 five
    times, then 1 five times...; they were one run holding the last seed's value at every step."""
    path = tmp_path / "breakout_CNN.json"
    records = [
        {"Iteration": it, "Value": 10.0 * seed + it + 0.5, "Agent": "DQN"}
        for it in range(3)
        for seed in range(2)
    ]
    path.write_text(json.dumps(records))
    result = read_records(path, step="Iteration")
    assert result.problems == ()
    assert [run.params for run in result.runs] == [{"Agent": "DQN", "run": 0}, {"Agent": "DQN", "run": 1}]
    assert list(result.runs[1].metrics["Value"].values) == [10.5, 11.5, 12.5]


def test_a_step_logged_again_mid_run_is_no_run_of_its_own(tmp_path):
    path = tmp_path / "log.jsonl"
    rows = [{"step": t, "acc": value} for t, value in ((0, 0.5), (1, 1.5), (2, 2.5), (2, 2.25), (3, 3.5))]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = read_records(path)
    assert [run.params for run in result.runs] == [{}]
    assert list(result.runs[0].metrics["acc"].steps) == [0, 1, 2, 3]
    assert "more than once" in result.problems[0].message


def test_runs_numbered_beside_records_without_a_step_repeating_their_params_are_read(tmp_path):
    path = tmp_path / "mixed.json"
    records = [
        {"a": "x", "step": 0, "v": 0.5},
        {"a": "x", "step": 1, "v": 1.5},
        {"a": "x", "step": 0, "v": 2.5},
    ]
    path.write_text(json.dumps([*records, {"a": "y", "v": 0.5}, {"a": "y", "v": 0.75}]))
    result = read_records(path)
    assert [(run.params, run.summary) for run in result.runs][2:] == [
        ({"a": "y", "run": 0}, {"v": 0.5}),
        ({"a": "y", "run": 0}, {"v": 0.75}),
    ]
    assert "same params" in result.problems[0].message


def test_records_logging_metrics_in_rows_of_one_step_stay_one_run(tmp_path):
    path = tmp_path / "log.jsonl"
    rows = [{"step": t, name: t + 0.5} for t in (0, 1) for name in ("loss", "acc")]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = read_records(path)
    assert [run.params for run in result.runs] == [{}]
    assert list(result.runs[0].metrics["acc"].steps) == [0, 1]


def test_a_step_field_in_no_record_is_one_problem_naming_the_field_meant_not_a_run_per_record(tmp_path):
    """`-o step=iteration` on Dopamine's baselines (whose field is `Iteration`) read every one of
    358,200 records as a run of its own, and said to name the seed with the 'params' option."""
    path = tmp_path / "pong.json"
    records = [{"Iteration": it, "Value": it + 0.5, "Agent": "DQN"} for _ in range(2) for it in range(3)]
    path.write_text(json.dumps(records))
    result = read_records(path, step="iteration")
    assert result.runs == ()
    assert [(p.message, p.kept) for p in result.problems] == [
        (
            "the step field 'iteration' (the 'step' option) is in no record; did you mean 'Iteration'?",
            "nothing",
        )
    ]
    unstepped = read_records(path)  # two seeds: each (Agent, Iteration) twice
    assert "its step field with the 'step' option (step=Iteration))" in unstepped.problems[0].message


def test_records_with_identical_params_are_kept_apart_and_reported(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps([{"m": "a", "acc": 0.5}, {"m": "a", "acc": 0.6}]))
    adapter = RecordsAdapter()
    result = adapter.read(adapter.source_for_file(str(path)))
    assert [r.summary["acc"] for r in result.runs] == [0.5, 0.6]
    assert "same params" in result.problems[0].message


def read_records(path: Path, **options):
    adapter = RecordsAdapter(**options)
    return adapter.read(adapter.source(str(path), [str(path)]))


def test_scores_per_task_are_one_run_per_task_and_position(tmp_path):
    """{game: [final score per run]}, as benchmark results are published (the IRIS repository)."""
    path = tmp_path / "IRIS.json"
    path.write_text(json.dumps({"Alien": [368.7, 452.5, 510], "Pong": [19.3, 18.5, 16]}))
    result = read_records(path, task="game")
    assert [(r.params, r.summary) for r in result.runs] == [
        ({"game": "Alien", "run": 0}, {"score": 368.7}),
        ({"game": "Alien", "run": 1}, {"score": 452.5}),
        ({"game": "Alien", "run": 2}, {"score": 510.0}),  # a whole number stays a score
        ({"game": "Pong", "run": 0}, {"score": 19.3}),
        ({"game": "Pong", "run": 1}, {"score": 18.5}),
        ({"game": "Pong", "run": 2}, {"score": 16.0}),
    ]
    renamed = read_records(path, task="env", index="seed", value="return")
    assert renamed.runs[0].params == {"env": "Alien", "seed": 0} and renamed.runs[0].summary == {
        "return": 368.7
    }
    assert result.problems == ()
    path.write_text(json.dumps({"Alien": [], "Pong": [19.3]}))
    partial = read_records(path, task="game")
    assert [r.params for r in partial.runs] == [{"game": "Pong", "run": 0}]
    assert [p.message for p in partial.problems] == ["1 task(s) have no score: Alien"]


def test_a_keras_history_dump_is_one_run_of_curves_not_scores_per_task(tmp_path):
    """`json.dump(model.fit(...).history)` per model and seed, read by --pattern: records took each
    metric for a task and each epoch for a run (4 metrics x 33 epochs: 132 runs of a metric 'score')."""
    path = tmp_path / "history.json"
    history = {"loss": [1.0, 0.6, 0.5], "accuracy": [0.5, 0.7, 0.8], "val_loss": [1.1, 0.7, 0.9]}
    path.write_text(json.dumps(history))
    result = read_records(path)
    assert len(result.runs) == 1 and result.problems == ()
    curves = result.runs[0].metrics
    assert sorted(curves) == ["accuracy", "loss", "val_loss"]
    assert list(curves["val_loss"].steps) == [0, 1, 2]  # the 0-based epoch, as CSVLogger writes it
    assert curves["val_loss"].values.tolist() == [1.1, 0.7, 0.9]
    path.write_text(json.dumps({"loss": [0.5, 0.4], "Pong": [19.3]}))  # lists of other lengths: scores
    assert len(read_records(path).runs) == 3


def test_an_object_of_one_run_is_no_records_file_and_says_to_read_it_with_onefile(tmp_path):
    """ML-PWS's `neuron_<k>/pws_estimate.json` (and `parameters.json`), picked by --pattern: records took
    their first list, of numbers (`"neurons": [0]`, `"ar_coeffs"`), for the records, and said only `record
    1 is not an object` of each of 150 files, then `hold no run`."""
    path = tmp_path / "pws_estimate.json"
    path.write_text(json.dumps({"neurons": [0], "N": 4096, "pws_result": {"mutual_information": [0.0, 0.4]}}))
    result = read_records(path)
    assert result.runs == ()
    assert [p.message for p in result.problems] == [
        "holds no list of records (its lists hold no objects: 'neurons'); read a file that is one run with "
        "--adapter onefile, or name the list of records with -o records=FIELD"
    ]
    path.write_text(json.dumps({"ar_coeffs": [0.5, -0.3], "runs": [{"seed": 0, "acc": 0.5}]}))
    assert [r.summary for r in read_records(path).runs] == [
        {"acc": 0.5}
    ]  # the list of objects, not the first


def test_a_field_with_any_decimal_is_a_metric_in_every_record(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("game,seed,score\nAlien,0,368.7\nAlien,1,510\nPong,0,21\n")
    result = read_records(path)
    assert [r.summary for r in result.runs] == [{"score": 368.7}, {"score": 510.0}, {"score": 21.0}]
    assert [r.params for r in result.runs][1] == {"game": "Alien", "seed": 1}
    whole = tmp_path / "whole.json"
    whole.write_text(
        json.dumps([{"game": "Pong", "seed": 0, "hits": 21}, {"game": "Pong", "seed": 1, "hits": 20}])
    )
    assert read_records(whole).runs[0].params == {
        "game": "Pong",
        "hits": 21,
        "seed": 0,
    }  # whole numbers: params, unless named as a result (below)
    assert read_records(whole, metrics="hits").runs[0].summary == {"hits": 21.0}


def per_seed_results(rows: list[str]) -> str:
    """A paper's hand-aggregated per_seed_results.csv (chestx6-ssl-benchmark): a row per model, label
    budget and seed, with the final metrics and the epoch each run was best at."""
    return "model_key,model,budget,seed,test_macro_f1,best_epoch\n" + "".join(f"{row}\n" for row in rows)


SEEDED_ROWS = [
    f"{key},{name},10pct,{seed},{value},{epoch}"
    for key, name, values in (
        ("resnet50_scratch", "ResNet50 (Scratch)", (0.7678, 0.7740, 0.7595)),
        ("mae_vits16", "MAE + ViT-S/16", (0.6245, 0.5467, 0.6491)),
    )
    for seed, value, epoch in zip((42, 123, 456), values, (50, 43, 11))
]


def test_a_whole_number_field_named_as_a_result_is_a_metric_not_a_setting_of_each_run(tmp_path, cli):
    """best_epoch (the epoch each seed was best at) is a whole number, which a records file reads as a
    param: every cell of the paper's table was marked as averaging runs whose configurations differ."""
    (tmp_path / "per_seed_results.csv").write_text(per_seed_results(SEEDED_ROWS))
    result = read_records(tmp_path / "per_seed_results.csv")
    assert result.problems == ()
    assert result.runs[0].params == {
        "budget": "10pct",
        "model": "ResNet50 (Scratch)",
        "model_key": "resnet50_scratch",
        "seed": 42,
    }
    assert result.runs[0].summary == {"test_macro_f1": 0.7678, "best_epoch": 50.0}
    assert cli("collect", "per_seed_results.csv", "--adapter", "records").exit_code == 0
    table = cli("table", "--rows", "model", "--columns", "budget", "--metric", "test_macro_f1", "--ddof", "0")
    assert "differ" not in table.output and "†" not in table.output, table.output
    assert "ResNet50 (Scratch)  **0.767 ± 0.006**\n" in table.output, table.output  # the paper: 0.767 ± 0.006


@pytest.mark.parametrize(
    ("cell", "summary"),
    [
        ("nan", math.nan),
        ("NaN", math.nan),
        ("inf", math.inf),
        ("-inf", -math.inf),
        ("N/A", None),
        ("OOM", None),
    ],
)
def test_a_text_or_nan_in_a_column_of_numbers_is_that_runs_missing_value_not_a_param(tmp_path, cell, summary):
    """One seed's cell of a results CSV written as nan, inf or N/A: the field became a param of that
    run alone (test_macro_f1=N/A in its name) and its value vanished without a word, inf included."""
    rows = [*SEEDED_ROWS]
    rows[1] = rows[1].replace(",0.774,", f",{cell},")
    (tmp_path / "r.csv").write_text(per_seed_results(rows))
    result = read_records(tmp_path / "r.csv")
    run = result.runs[1]
    assert run.params == {
        "budget": "10pct",
        "model": "ResNet50 (Scratch)",
        "model_key": "resnet50_scratch",
        "seed": 123,
    }
    assert [r.params.get("test_macro_f1") for r in result.runs] == [None] * 6
    if summary is None:
        assert "test_macro_f1" not in run.summary
        assert [p.message for p in result.problems] == [
            f"field 'test_macro_f1' holds numbers, but text in 1 record(s) (record 2: {cell!r}): read as no "
            "value there; if test_macro_f1 is a setting rather than a result, name it with the 'params' option"
        ]
    else:
        assert run.summary["test_macro_f1"] == summary or math.isnan(run.summary["test_macro_f1"])
        assert math.isnan(summary) == math.isnan(run.summary["test_macro_f1"])


def test_a_seed_whose_final_value_is_nan_ran_and_is_not_said_to_be_missing(tmp_path, cli):
    """A seed that diverged, its test_macro_f1 written `nan` in the results CSV: the store keeps a NaN
    final value as no number, and the table said `missing seed 123`, a run to launch again, where the
    run is there and gave no value."""
    import resultsbook as rb

    rows = [*SEEDED_ROWS]
    rows[1] = rows[1].replace(",0.774,", ",nan,")
    (tmp_path / "r.csv").write_text(per_seed_results(rows))
    assert cli("collect", "r.csv", "--adapter", "records").exit_code == 0
    table = cli("table", "--rows", "model", "--metric", "test_macro_f1")
    assert "n = 2 of its 3 seeds, the most any cell has (seed 123 ran but has no value)" in table.output, (
        table.output
    )
    assert "missing seed 123" not in table.output
    with rb.open(tmp_path / "resultsbook.db") as book:
        status = book.table(rows="model", metric="test_macro_f1").status().set_index("model")
    assert status.loc["ResNet50 (Scratch)", "valueless"] == [123]
    assert status.loc["ResNet50 (Scratch)", "missing"] == [123]


def test_a_summary_table_of_mean_and_std_texts_is_named_as_already_aggregated(tmp_path, cli):
    """chestx6-ssl-benchmark's supervised_results_summary.csv holds `0.8481 ± 0.0092` per model and
    budget: asked for `--metric Macro_F1`, the table said records read whole numbers as params and to
    name it a metric, which read no value at all; `--metric Model`, a text, got the same advice."""
    (tmp_path / "summary.csv").write_text(
        "Model,Subset,Macro_F1\nresnet50_pretrained,10pct,0.8481 ± 0.0092\nresnet50_scratch,10pct,0.7671 ± 0.0060\n"
    )
    assert cli("collect", "summary.csv", "--adapter", "records").exit_code == 0
    asked = cli("table", "--rows", "Model", "--metric", "Macro_F1")
    assert asked.exit_code == 2
    assert (
        "no run logs a metric 'Macro_F1', but 2 run(s) have a param 'Macro_F1' whose values are already "
        "aggregated ('0.7671 ± 0.0060'), text and not numbers: a table aggregates one number per run over "
        "the seeds; collect the per-seed results instead"
    ) in " ".join(asked.output.split()), asked.output
    text = cli("table", "--rows", "Subset", "--metric", "Model")
    assert "a param 'Model' (read by records): a setting, not a measurement" in text.output, text.output
    forced = read_records(tmp_path / "summary.csv", metrics="Macro_F1")
    assert [p.message for p in forced.problems] == [
        "field 'Macro_F1' holds no number: text in 2 record(s) (record 1: '0.8481 ± 0.0092' and 1 more): "
        "read as no value there; if Macro_F1 is a setting rather than a result, name it with the 'params' option"
    ]


def test_a_row_written_twice_is_named_as_a_repeat_with_the_fix(tmp_path):
    """The same row appended twice (an aggregate script run twice): the problem said to name the seed as
    a param, which the rows already have; it says the row repeats an earlier one, and to delete it."""
    (tmp_path / "r.csv").write_text(per_seed_results([*SEEDED_ROWS, SEEDED_ROWS[1]]))
    result = read_records(tmp_path / "r.csv")
    assert len(result.runs) == 7
    assert [(p.message, p.kept) for p in result.problems] == [
        (
            "1 record(s) repeat an earlier one field for field (record 7 repeats 2): a row written twice counts "
            "its run twice; fix: delete the repeated rows from the file",
            "each, as a separate run",
        )
    ]


def test_a_metric_read_as_a_param_is_named_with_the_fix(tmp_path, store):
    from resultsbook.errors import QueryError
    from resultsbook.query import MetricSpec, TableQuery, aggregate
    from resultsbook.sources.collect import CollectRequest, collect

    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "whole.json").write_text(
        json.dumps([{"game": "Pong", "seed": 0, "hits": 21, "t": 0.5}])
    )
    collect(store, [CollectRequest(str(tmp_path / "r"), adapter="records")])
    with pytest.raises(QueryError, match=r"1 run\(s\) have a param 'hits'.*metrics = \"hits\""):
        aggregate(store, TableQuery(metrics=(MetricSpec("hits"),), rows=("game",)))


def test_a_metric_written_in_quotes_in_some_records_is_named_as_text_read_as_a_param(tmp_path, cli):
    """`"score": "0.6"` in two records: those runs left the table, the collect said 0 problems, and the
    warning sent the user to `problems`, which had none."""
    records = [
        {"method": "strs", "seed": 0, "score": "0.6"},
        {"method": "strs", "seed": 1, "score": "0.61"},
        {"method": "num", "seed": 0, "score": 0.5},
        {"method": "num", "seed": 1, "score": 0.55},
    ]
    (tmp_path / "s.json").write_text(json.dumps(records))
    assert cli("collect", "s.json", "--adapter", "records").exit_code == 0
    result = cli("table", "--rows", "method", "--metric", "score", "--goal", "max")
    assert (
        "Warning: 2 selected run(s) have no value of 'score' and are left out (strs: 2); 2 of them hold it "
        "as text ('0.6': a number written in quotes), read as a param; collect again with -o metrics=score "
        '(metrics = "score" in the options of its [[sources]] entry) to read it as a number'
    ) in " ".join(result.output.split())
    assert cli("collect", "s.json", "--adapter", "records", "-o", "metrics=score").exit_code == 0
    again = cli("table", "--rows", "method", "--metric", "score", "--goal", "max")
    assert "0.605" in again.output and "left out" not in again.output, again.output


def test_a_metric_some_files_hold_as_a_param_is_named_where_its_runs_are_left_out(tmp_path, cli):
    """Simplify-This's results: one model's `Identical ratio` column is 0.0 in every row, so the records
    reader took it for a param in that file alone; its row left the table, and the warning pointed to
    `problems`, which had none. It names the param and the option, and the option brings the row back."""
    (tmp_path / "results").mkdir()
    for model, ratios in (("bart", ("0.25", "0.5")), ("prophetnet", ("0.0", "0.0"))):
        rows = "".join(
            f"Prompt-based,{prompt},{ratio},{30 + prompt}.5\n" for prompt, ratio in enumerate(ratios)
        )
        (tmp_path / "results" / f"{model}.csv").write_text("Mode,Prompt#,Identical ratio,SARI\n" + rows)
    collect = ("collect", "results", "--adapter", "records", "--pattern", "{model}.csv")
    assert cli(*collect).exit_code == 0
    table = ("table", "--rows", "model", "--metric", "Identical ratio", "--replicate", "Prompt#")
    result = cli(*table)
    assert result.exit_code == 0
    assert "prophetnet" not in result.stdout
    assert (
        "Warning: 2 selected run(s) have no value of 'Identical ratio' and are left out (prophetnet: 2); 2 of "
        "them have a param 'Identical ratio' (read by records, which makes fields of whole numbers params); "
        "collect again with -o 'metrics=Identical ratio'"
    ) in " ".join(result.output.split())
    alone = cli(*table, "--where", "model=prophetnet")
    assert alone.exit_code != 0
    assert "2 of them have a param 'Identical ratio'" in " ".join(alone.output.split())
    assert cli(*collect, "-o", "metrics=Identical ratio").exit_code == 0
    followed = cli(*table)
    assert "left out" not in followed.output
    assert "prophetnet         0.0 ± 0.0#" in followed.stdout


def test_a_settings_file_beside_each_log_gives_its_params(tmp_path, store):
    """ML-PWS's gain sweep: `<estimator>_gain=<g>/result.csv` beside the run's `parameters.json` (seed,
    num_pairs, the estimator's own name); the CSV adapter had no way to read it, only the folder's name."""
    from resultsbook.sources.collect import CollectRequest, collect

    for folder, pairs in (("gaussian1_gain=1", 1000), ("gaussian2_gain=1", 100000)):
        (tmp_path / "sweep" / folder).mkdir(parents=True)
        (tmp_path / "sweep" / folder / "result.csv").write_text("step,mean\n50,21.1\n")
        settings = {
            "run_info": {"hostname": "c3"},
            "gain": 1.0,
            "num_pairs": pairs,
            "seed": 0,
            "ar": [0.5, 0.2],
        }
        (tmp_path / "sweep" / folder / "parameters.json").write_text(json.dumps(settings))
    (tmp_path / "sweep" / "gaussian2_gain=1" / "parameters.json").unlink()
    (tmp_path / "sweep" / "gaussian2_gain=1" / "parameters.yaml").write_text("num_pairs: 100000\nseed: 0\n")
    request = CollectRequest(
        str(tmp_path / "sweep"), pattern="{method}_gain={gain}/result.csv", options={"config": "parameters.*"}
    )
    report = collect(store, [request])
    assert (report.new, report.problems) == (2, ())
    params = {run.name: dict(run.params) for run in store.runs()}
    assert params["gaussian1_gain=1/result.csv"] == {
        "method": "gaussian1",
        "gain": 1.0,
        "num_pairs": 1000,
        "seed": 0,
        "ar": "[0.5, 0.2]",
        "run_info.hostname": "c3",
    }
    assert params["gaussian2_gain=1/result.csv"] == {
        "method": "gaussian2",
        "gain": 1,
        "num_pairs": 100000,
        "seed": 0,
    }
    (tmp_path / "sweep" / "gaussian2_gain=1" / "parameters.yaml").write_text("num_pairs: 10\nseed: 1\n")
    assert (
        collect(store, [request]).updated == 1
    )  # the settings file is part of the run: a change re-reads it


def test_a_settings_file_in_a_folder_beside_each_log_gives_its_params(tmp_path, store):
    """A Hydra multirun whose jobs write a plain CSV beside `.hydra/config.yaml` (the layout of
    nathimel/rdsg@82682cf: `dynamics=.../sim_param=N/mean_points.csv`): `-o config=.hydra/config.yaml`
    read nothing and said the file was missing, since only names in the log's own folder were tried."""
    from resultsbook.sources.collect import CollectRequest, collect

    for dynamics, param in (("replicator_dynamic", 0), ("noisy_replicator_dynamic", 1)):
        job = tmp_path / "multirun" / f"dynamics={dynamics}" / f"sim_param={param}"
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "config.yaml").write_text(
            f"game:\n  similarity:\n    param: {param}\nsimulation:\n  dynamics:\n    name: {dynamics}\nseed: 42\n"
        )
        (job / "mean_points.csv").write_text("rate,distortion,round\n0.0067,16.44,0\n2.53,1.95,1\n")
    request = CollectRequest(
        str(tmp_path / "multirun"),
        pattern="**/mean_points.csv",
        options={"config": ".hydra/config.yaml", "step": "round"},
    )
    report = collect(store, [request])
    assert (report.new, report.problems) == (2, ())
    params = sorted(
        (run.params["simulation.dynamics.name"], run.params["game.similarity.param"]) for run in store.runs()
    )
    assert params == [("noisy_replicator_dynamic", 1), ("replicator_dynamic", 0)]


def test_ragged_rows_are_dropped_and_reported_not_fatal(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("step,loss,acc\n1,0.9\n2,0.8,0.2,extra\n3,0.7,0.3\n4,0.6\n")
    run, problems = read_csv(path)
    assert list(run.metrics["loss"].values) == [0.7]
    assert list(run.metrics["acc"].steps) == [3]
    assert problems == ["3 lines have another number of cells than the 3 columns (the first: line 2)"]


def test_cells_that_are_not_numbers_are_counted_per_column_and_the_rest_kept(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("step,acc,loss\n1,0.5,2.0\n2,oops,1.5\n3,0.7,n/a\n4,0.8,huh\n")
    run, problems = read_csv(path)
    assert problems == [
        "1 cell(s) of column 'acc' are not numbers (the first: 'oops')",
        "2 cell(s) of column 'loss' are not numbers (the first: 'n/a')",
    ]
    assert list(run.metrics["acc"].steps) == [1, 3, 4] and list(run.metrics["loss"].values) == [2.0, 1.5]


def test_columns_of_text_in_every_row_point_at_the_records_adapter(tmp_path):
    """A long file of runs (step,reward,env,seed) collected as one CSV log said only that its env
    cells were not numbers, never which adapter reads one row per run and step."""
    path = tmp_path / "bench.csv"
    path.write_text("step,reward,env,seed\n0,1.5,walker,1\n10,2.5,walker,1\n0,3.5,cheetah,2\n")
    adapter = CsvAdapter()
    result = adapter.read(adapter.source_for_file(str(path)))
    assert result.runs == ()  # two runs' rows (step 0 twice, seeds 1 and 2): no one run of them
    assert [p.message for p in result.problems] == [
        "holds the rows of several runs (its steps repeat, column(s) seed vary): read it with "
        "adapter='records', which makes one run of each distinct set of those values, as params"
    ]
    path.write_text("step,reward,env,seed\n0,1.5,walker,1\n10,2.5,walker,1\n20,3.5,walker,1\n")
    run, problems = read_csv(path)  # one run, its env in every row
    assert problems[0] == (
        "column(s) 'env' hold text in every one of its 3 row(s): if each row is one run (or one run at "
        "one step), read the file with --adapter records, whose text columns become params"
    )
    assert "env" not in run.metrics and list(run.metrics["reward"].steps) == [0, 10, 20]


def test_text_that_varies_in_a_log_of_steps_points_at_no_records_adapter(tmp_path):
    """An SB3-style log's `Progress` column (`0.82%`) was said to hold text as if each row were a run,
    pointing at --adapter records, which read a 123-row training as 123 runs."""
    path = tmp_path / "log.csv"
    path.write_text("ep_rew_mean,Progress,total timesteps\n11.6,0.0%,8192\n14.3,0.82%,16384\n")
    run, problems = read_csv(path)
    assert problems[1] == (
        "column(s) 'Progress' hold text, not numbers, in every one of its 2 row(s) (the first: '0.0%'), so "
        "they are no metric"
    )
    assert list(run.metrics["ep_rew_mean"].values) == [11.6, 14.3]
    # a column named like a step makes it a log of steps too; a rising id numbers runs
    path.write_text("iteration,reward,phase\n1,1.5,warmup\n2,2.5,train\n3,3.5,train\n")
    assert "so they are no metric" in read_csv(path)[1][0]
    path.write_text("id,acc,model\n1,0.5,mlp\n2,0.6,cnn\n3,0.7,vit\n")
    assert "read the file with --adapter records" in read_csv(path)[1][0]


def test_a_results_table_sorted_by_a_whole_number_column_points_at_the_records_adapter(tmp_path):
    """A table of runs sorted by model size (`params_m` 10, 50, 300, 1000 rising row by row) was taken
    for the steps of one run: its text columns were said to be no metric, the records adapter unnamed."""
    path = tmp_path / "results.csv"
    path.write_text(
        "model,params_m,dataset,acc\nsmall,10,cifar10,0.80\nbase,50,cifar100,0.85\nlarge,300,svhn,0.90\n"
        "huge,1000,cifar10,0.91\n"
    )
    assert read_csv(path)[1] == [
        "column(s) 'model', 'dataset' hold text in every one of its 4 row(s): if each row is one run (or "
        "one run at one step), read the file with --adapter records, whose text columns become params"
    ]


def test_a_long_cell_that_is_not_a_number_is_shown_cut_short(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("step,acc\n1,0.5\n2," + "x" * 10_000 + "\n")
    _, problems = read_csv(path)
    assert problems == [f"1 cell(s) of column 'acc' are not numbers (the first: '{'x' * 39}…')"]


def test_a_time_column_keeps_the_times_it_can_read_and_counts_the_others(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("step,time,acc\n1,2024-01-01T00:00:00Z,0.5\n2,yesterday,0.6\n3,1704067260,0.7\n")
    run, problems = read_csv(path)
    assert problems == ["1 cell(s) of column 'time' are not times"]
    times = run.metrics["acc"].times
    assert times[0] == 1704067200.0 and np.isnan(times[1]) and times[2] == 1704067260.0


def test_a_record_nesting_deeper_than_100_levels_costs_only_that_record(tmp_path):
    path = tmp_path / "results.jsonl"
    deep: list = []
    for _ in range(150):  # a recursive structure, as json.dumps writes it
        deep = [deep]
    records = [
        {"model": "a", "acc": 0.5},
        {"model": "b", "acc": 0.625, "trace": deep},
        {"model": "c", "acc": 0.75},
    ]
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    result = read_records(path)
    assert [p.describe() for p in result.problems] == [
        f"{path}: 1 record(s) nest deeper than 100 levels — kept: the others"
    ]
    assert [(run.params, run.summary) for run in result.runs] == [
        ({"model": "a"}, {"acc": 0.5}),
        ({"model": "c"}, {"acc": 0.75}),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "is empty — kept: nothing from this file"),
        ("\n\n", "is empty — kept: nothing from this file"),
        ("step,loss\n", "holds only its header line (step, loss), no row — kept: no run until it holds one"),
        (
            "step,loss",
            "last line (1) is cut off (a run still writing?); if the file is complete, end its last line with a newline — kept: nothing: it is the only line",
        ),
    ],
    ids=["empty", "blank-lines", "header-only", "cut-off-header"],
)
@pytest.mark.parametrize("adapter", [CsvAdapter(), WideAdapter()], ids=["csv", "wide"])
def test_a_csv_that_holds_no_row_gives_no_run_and_says_why_in_one_line(tmp_path, text, problem, adapter):
    path = tmp_path / "log.csv"
    path.write_text(text)
    result = adapter.read(adapter.source_for_file(str(path), forced=True))
    assert result.runs == ()
    assert [p.describe() for p in result.problems] == [f"{path}: {problem}"]


def test_a_header_naming_many_columns_is_named_by_its_first_ones(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(",".join(f"m{index}" for index in range(40)) + "\n")
    adapter = CsvAdapter()
    (problem,) = adapter.read(adapter.source_for_file(str(path))).problems
    assert problem.message == "holds only its header line (m0, m1, m2, m3, m4, m5, … 40 columns), no row"


def test_pattern_files_that_hold_no_row_store_no_run(tmp_path, cli):
    for name, text in [("a_0", "step,loss\n0,1.0\n"), ("a_1", "step,loss\n"), ("a_2", "")]:
        (tmp_path / "runs" / name).mkdir(parents=True)
        (tmp_path / "runs" / name / "log.csv").write_text(text)
    result = cli("collect", "runs", "--pattern", "{algo}_{seed}/log.csv")
    assert result.output.splitlines() == [
        "Collected runs: 1 new, 0 updated, 0 unchanged, 2 problems",
        "Problems (everything readable was kept):",
        "  runs/a_1/log.csv: holds only its header line (step, loss), no row — kept: no run until it holds one",
        "  runs/a_2/log.csv: is empty — kept: nothing from this file",
    ]
    assert [run["params"]["seed"] for run in json.loads(cli("runs", "--json").output)["runs"]] == [0]
    (tmp_path / "runs/a_1/log.csv").write_text("step,loss\n0,0.5\n")  # its first row: now it is a run
    assert cli("collect", "runs", "--pattern", "{algo}_{seed}/log.csv").output.startswith(
        "Collected runs: 1 new"
    )


def test_a_misspelt_step_column_or_settings_file_gets_a_did_you_mean(tmp_path):
    """`-o step=rnd` and `-o config=.hydra/confg.yaml` over nathimel/rdsg@82682cf's `mean_points.csv`
    (columns rate, distortion, round) were reported missing with no word of the name meant."""
    job = tmp_path / "sim_param=0"
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "config.yaml").write_text("seed: 42\n")
    (job / "mean_points.csv").write_text("rate,distortion,round\n0.0067,16.44,0\n")
    _, problems = read_csv(job / "mean_points.csv", step="rnd", config=".hydra/confg.yaml")
    assert problems == [
        "has no column 'rnd'; did you mean 'round'?",
        "has no '.hydra/confg.yaml' beside it; did you mean '.hydra/config.yaml'?",
    ]


def test_a_flower_round_column_is_the_step_so_at_a_round_reads_that_round(tmp_path, cli):
    """stavrosb00/FedLearningFoodClassification@e17c9aa writes Flower's History per job as
    `round,test_loss,test_accuracy` from round 1: `round` was a metric and the step the row number, so
    `--reduce 'at(3)'` said each run 'stopped at step 2, before at(3)' of a log that reached round 3."""
    finals = {4: 38.26171875, 5: 30.625, 6: 15.83984375}
    for seed, final in finals.items():
        job = tmp_path / "multirun" / "strategy_fedavg" / str(seed)
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "config.yaml").write_text(f"seed: {seed}\nstrategy:\n  name: fedavg\n")
        rows = f"1,0.024,30.1953125\n2,0.023,25.0\n3,0.021,{final}\n"
        (job / f"fedavg_Seed={seed}_R=3.csv").write_text("round,test_loss,test_accuracy\n" + rows)
    read = cli(
        "collect", "multirun", "--pattern", "**/fedavg_Seed=*_R=*.csv", "-o", "config=.hydra/config.yaml"
    )
    assert read.output.startswith("Collected multirun: 3 new"), read.output
    table = cli("table", "--rows", "strategy.name", "--metric", "test_accuracy", "--reduce", "at(3)")
    assert table.exit_code == 0, table.output
    mean = sum(finals.values()) / 3
    assert f"{mean:.0f} ± 11" in table.output and "n = 3 seeds; per run: at(3)" in table.output, table.output
    asked = cli("table", "--rows", "strategy.name", "--metric", "round")
    assert "a CSV log's 'round' column is read as its points' steps, not a metric" in asked.output, (
        asked.output
    )


def test_a_tensorboard_ui_export_is_its_tag_over_steps_with_wall_time_as_time(tmp_path):
    path = tmp_path / "run-ppo_97956418-tag-rollout_ep_rew_mean.csv"
    path.write_text("Wall time,Step,Value\n1650595439.904449,2048,23.5\n1650595445.1417203,4096,25.75\n")
    run, problems = read_csv(path)
    assert problems == []
    assert sorted(run.metrics) == ["rollout_ep_rew_mean"]
    series = run.metrics["rollout_ep_rew_mean"]
    assert list(series.steps) == [2048, 4096]
    assert list(series.values) == [23.5, 25.75]
    assert list(series.times) == [1650595439.904449, 1650595445.1417203]


def test_a_csv_of_wall_time_step_and_value_under_another_name_keeps_its_value_column(tmp_path):
    path = tmp_path / "rewards.csv"
    path.write_text("Wall time,Step,Value\n1650595439.9,1,2.5\n")
    run, problems = read_csv(path)
    assert problems == []
    assert sorted(run.metrics) == ["Value"]
    assert list(run.metrics["Value"].times) == [1650595439.9]


VIME_BASELINES = (  # the shape of chris-santiago/vime's baselines: a JSON object a line, no last newline
    '{"model": "logistic-regression", "n_labeled": 100, "score": 0.7398}\n'
    '{"model": "xgboost", "n_labeled": 100, "score": 0.628}\n'
    '{"model": "logistic-regression", "n_labeled": 0.1, "score": 0.9027}\n'
    '{"model": "xgboost", "n_labeled": 0.1, "score": 0.9463}'
)


def test_json_lines_under_a_txt_name_are_read_by_the_records_adapter_not_split_at_commas(tmp_path, cli):
    """chris-santiago/vime@c77d735 commits `outputs/mnist-baselines.txt`, a JSON object a line
    (`{"model": "xgboost", "n_labeled": 100, "score": 0.628}`). `collect outputs/mnist-baselines.txt`
    read it as a CSV split at its commas, a run of no metric with columns `'{"model": "logistic-regression"'`,
    and said to use --adapter records, which then answered "no adapter reads outputs/mnist-baselines.txt;
    name one with --adapter"."""
    (tmp_path / "outputs").mkdir()
    (tmp_path / "outputs" / "mnist-baselines.txt").write_text(VIME_BASELINES)
    unasked = cli("collect", "outputs/mnist-baselines.txt")
    assert unasked.exit_code == 1
    assert (
        "outputs/mnist-baselines.txt: holds JSON Lines (a JSON object a line), not a table: read it with "
        "--adapter records, a run per line — kept: nothing from this file"
    ) in unasked.output
    assert "hold text in every one" not in unasked.output
    folder = cli("collect", "outputs")
    assert folder.exit_code == 1
    assert "read them with --pattern '**/mnist-baselines.txt' --adapter records" in folder.output
    asked = cli("collect", "outputs/mnist-baselines.txt", "--adapter", "records", "-o", "params=n_labeled")
    assert asked.exit_code == 0, asked.output
    assert "4 new" in asked.output and "0 problems" in asked.output
    table = cli("table", "--rows", "model", "--columns", "n_labeled", "--metric", "score", "--stat", "mean")
    assert table.exit_code == 0, table.output
    assert "0.946" in table.output and "0.628" in table.output


def test_a_log_of_one_json_line_under_a_txt_name_is_read_by_records_as_one_of_several_lines_is(tmp_path, cli):
    """A run that logged one evaluation (`{"epoch": 0, "loss": 1.0}`, one line) beside runs that logged
    more: `collect exp --pattern '**/log.txt' --adapter records` said the records adapter reads none of
    the files (a JSON Lines file was one of two lines or more), and a plain collect split it at its commas."""
    for run, lines in (("a", 1), ("b", 2)):
        (tmp_path / "exp" / run).mkdir(parents=True)
        records = [json.dumps({"epoch": epoch, "loss": 1.0 / (epoch + 1)}) for epoch in range(lines)]
        (tmp_path / "exp" / run / "log.txt").write_text("\n".join(records) + "\n")
    unasked = cli("collect", "exp/a/log.txt")
    assert "exp/a/log.txt: holds JSON Lines (a JSON object a line), not a table" in unasked.output
    read = cli("collect", "exp", "--pattern", "{run}/log.txt", "--adapter", "records", "-o", "step=epoch")
    assert read.exit_code == 0 and "2 new" in read.output, read.output
    listed = cli("runs").output
    assert " run=a " in listed and " run=b " in listed, listed


def test_a_seed_written_as_a_decimal_of_a_whole_number_is_the_seed_param(tmp_path):
    """CURL's Atari 100k evals (iris-atari100k CURL_10_evals.json) write `"seed": 1.0`: the seed was read
    as a metric, each model one run averaging its seeds, and the problem named no field."""
    path = tmp_path / "results.jsonl"
    path.write_text("".join(f'{{"model": "a", "seed": {s}.0, "acc": 0.8{s}}}\n' for s in range(3)))
    adapter = RecordsAdapter()
    result = adapter.read(adapter.source_for_file(str(path), forced=True))
    assert result.problems == ()
    assert sorted((r.params["seed"], r.summary["acc"]) for r in result.runs) == [
        (0, 0.8),
        (1, 0.81),
        (2, 0.82),
    ]
    asked = RecordsAdapter(metrics=["seed"])  # named a metric, it stays one
    assert [run.params for run in asked.read(asked.source_for_file(str(path), forced=True)).runs] == [
        {"model": "a"}
    ] * 3
    # another field of whole numbers written as decimals, the same params otherwise: it is named
    path.write_text(
        "".join(f'{{"model": "a", "run": {s}.0, "return": {100 * (s + 1)}.0}}\n' for s in range(3))
    )
    result = adapter.read(adapter.source_for_file(str(path), forced=True))
    assert [p.message for p in result.problems] == [
        "2 record(s) have the same params as an earlier one (records 2, 3; they differ in 'run', read as "
        "a metric for its whole numbers written as decimals (1.0); fix: options={'params': 'run'} reads it "
        "as a setting)"
    ]


def test_records_alike_but_for_a_setting_of_counts_and_fractions_name_it_and_the_option(tmp_path):
    """chris-santiago/vime@c77d735 `outputs/mnist-baselines.txt`: `n_labeled` is 100 or 1000 labelled
    rows, or 0.1 or 0.2 of them; its decimals make it a metric in every record, so the records of one
    model had the same params, and the problem said only to name "the distinguishing fields, e.g. the
    seed", not which field it was."""
    path = tmp_path / "mnist-baselines.txt"
    path.write_text(VIME_BASELINES)
    adapter = RecordsAdapter()
    result = adapter.read(adapter.source_for_file(str(path), forced=True))
    assert len(result.runs) == 4
    assert [p.message for p in result.problems] == [
        "2 record(s) have the same params as an earlier one (records 3, 4; they differ in 'n_labeled', "
        "read as a metric for the decimals it holds beside whole numbers; fix: options={'params': "
        "'n_labeled'} reads it as a setting)"  # in Python's words: the command line's are -o params=n_labeled
    ]
    named = RecordsAdapter(params=["n_labeled"])
    result = named.read(named.source_for_file(str(path), forced=True))
    assert result.problems == ()
    assert sorted((r.params["model"], r.params["n_labeled"]) for r in result.runs) == [
        ("logistic-regression", 0.1),
        ("logistic-regression", 100),
        ("xgboost", 0.1),
        ("xgboost", 100),
    ]


def _write_tdmpc2_results(root: Path, curves: dict[tuple[str, str], dict[int, list[str]]]) -> None:
    """Write TD-MPC2's published results, `results/<method>/<task>.csv` of `step,success,seed` rows."""
    for (method, task), seeds in curves.items():
        rows = ["step,success,seed"]
        rows += [
            f"{100000 * i},{value},{seed}" for seed, values in seeds.items() for i, value in enumerate(values)
        ]
        (root / method).mkdir(parents=True, exist_ok=True)
        (root / method / f"{task}.csv").write_text("\n".join(rows) + "\n")


def test_a_success_written_as_zero_point_zero_at_every_step_is_a_success_of_zero_not_a_missing_cell(
    tmp_path, cli
):
    """nicklashansen/tdmpc2@e9f5932 results/dreamerv3/mw-disassemble.csv: a task DreamerV3 never
    solved logs `0.0` at every step; the CSV's `0.0` was read as the whole number 0, so `success` was a
    param of those runs and their cell showed `–` as if no run had been made."""
    _write_tdmpc2_results(
        tmp_path / "results",
        {
            ("dreamerv3", "mw-disassemble"): {1: ["0.0", "0.0", "0.0"], 2: ["0.0", "0.0", "0.0"]},
            ("tdmpc2", "mw-disassemble"): {1: ["0.0", "0.5", "0.75"], 2: ["0.0", "0.25", "0.25"]},
        },
    )
    assert (
        cli("collect", "results", "--adapter", "records", "--pattern", "{method}/{task}.csv").exit_code == 0
    )
    shown = cli("table", "--rows", "task", "--columns", "method", "--metric", "success")
    assert shown.exit_code == 0, shown.output
    row = next(line for line in shown.output.splitlines() if line.startswith("mw-disassemble"))
    assert row.split()[1:3] == ["0.0", "±"]  # the mean of seeds that never succeeded, not `–`
    assert "have no value of 'success'" not in shown.output


def test_a_success_logged_as_zero_or_one_is_a_curve_not_a_param_splitting_each_seed(tmp_path):
    """nicklashansen/tdmpc2@e9f5932 results/sac/myo-hand-pose.csv logs each evaluation's success as 0
    or 1: a field of whole numbers was a param, so each seed became two runs (`success=0`, `success=1`)
    with no metric at all."""
    _write_tdmpc2_results(tmp_path, {("sac", "myo-hand-pose"): {1: ["0", "1", "0"], 2: ["1", "0", "1"]}})
    path = tmp_path / "sac" / "myo-hand-pose.csv"
    adapter = RecordsAdapter()
    result = adapter.read(adapter.source(str(path), [str(path)]))
    assert [run.params for run in result.runs] == [{"seed": 1}, {"seed": 2}]
    assert list(result.runs[0].metrics["success"].values) == [0, 1, 0]
    assert list(result.runs[0].metrics["success"].steps) == [0, 100000, 200000]


def test_files_of_other_names_in_folders_that_differ_are_noted_with_a_pattern_reading_them_all(tmp_path):
    """nicklashansen/tdmpc2@e9f5932 publishes `results/<method>/<task>.csv` (`step,reward,seed`, and
    tdmpc's `cheetah-run-backwards.csv` holds a second, shorter run of seeds 1 and 2 after the first,
    numbered by the param `run`): the note's fix was `--pattern '{run}/acrobot-swingup.csv'`, which
    reads one task alone, and whose `{run}` the records' own `run` contradicted (tdmpc's runs lost
    their method)."""
    import resultsbook as rb

    tasks = [
        (method, task) for method in ("dreamerv3", "tdmpc") for task in ("acrobot-swingup", "cheetah-run")
    ]
    for method, task in tasks:
        rows = ["step,reward,seed"] + [
            f"{step},{seed + step / 1e6},{seed}" for seed in (1, 2) for step in (0, 100000)
        ]
        if (method, task) == ("tdmpc", "cheetah-run"):  # seeds 2 and 1 again, from step 0
            rows += [f"{step},{seed + step / 1e5},{seed}" for seed in (2, 1) for step in (0, 100000)]
        (tmp_path / "results" / method).mkdir(parents=True, exist_ok=True)
        (tmp_path / "results" / method / f"{task}.csv").write_text("\n".join(rows) + "\n")
    db, results = str(tmp_path / "store.db"), str(tmp_path / "results")
    report = rb.collect(results, db=db, adapter="records")
    assert len(report.notes) == 1, report.notes
    fix = "pattern='{level1}/{file}.csv' takes params from the folders and file names that differ"
    assert "a table averages them as one configuration; fix: " + fix in report.notes[0]
    followed = rb.collect(
        results, db=str(tmp_path / "apart.db"), adapter="records", pattern=fix.split("'")[1]
    )
    assert (followed.new, followed.notes, followed.problems) == (report.new, (), ())
    runs = rb.open(str(tmp_path / "apart.db")).runs()
    assert set(zip(runs["params.level1"], runs["params.file"])) == set(tasks)  # tdmpc's method kept


def test_a_windows_csv_reads_as_its_unix_copy_repeated_header_and_all(tmp_path):
    """A CSV of one read (under 4 MB) goes by the fast path after its header line: Windows line ends,
    a comment before the header and a header repeated by a resumed run read as before, row by row."""
    from resultsbook.sources.tabular import read_delimited

    unix = "# written by a logger\nstep,loss,tag\n0,0.5,a\n1,0.25,b\nstep,loss,tag\n2,0.125,c\n"
    (tmp_path / "unix.csv").write_text(unix)
    (tmp_path / "windows.csv").write_bytes(unix.replace("\n", "\r\n").encode())
    tables = []
    for name in ("unix.csv", "windows.csv"):
        problems: list = []
        table = read_delimited(str(tmp_path / name), problems, text=True)
        tables.append((table, [problem.message for problem in problems]))
    (unix_table, unix_problems), (windows_table, windows_problems) = tables
    assert windows_table.text["tag"] == unix_table.text["tag"] == ["a", "b", "c"]
    assert windows_table.numbers["loss"].tolist() == unix_table.numbers["loss"].tolist() == [0.5, 0.25, 0.125]
    assert windows_problems == unix_problems
    assert unix_problems == ["repeats its header 1 time(s) (first at line 5)"]


def test_seeds_one_after_the_other_past_the_first_rows_are_told_apart_over_the_whole_file(tmp_path):
    """`seed,step,return`, 5 seeds of 10,000 rows: the first 64 KB held seed 0 alone, so the file was read
    as one run, each step keeping seed 4's row."""
    path = tmp_path / "ppo.csv"
    rows = (f"{seed},{step},{seed * 10 + step / 1000}" for seed in range(5) for step in range(10_000))
    path.write_text("seed,step,return\n" + "\n".join(rows) + "\n")
    adapter = CsvAdapter()
    result = adapter.read(adapter.source_for_file(str(path)))
    assert result.runs == () and "holds the rows of several runs" in result.problems[0].message


def test_a_train_row_and_a_val_row_at_each_step_are_one_run(tmp_path):
    """`step,phase,train_loss,val_acc`, each metric in its own rows: its steps repeat, but no metric holds
    two values at one step, and it is one run (it was refused as the rows of several)."""
    path = tmp_path / "log.csv"
    rows = [f"{step},train,{1 / (step + 1)},\n{step},val,,{0.5 + step / 10}" for step in range(5)]
    path.write_text("step,phase,train_loss,val_acc\n" + "\n".join(rows) + "\n")
    run, _ = read_csv(path)
    assert list(run.metrics["val_acc"].values) == [0.5, 0.6, 0.7, 0.8, 0.9]
    assert list(run.metrics["train_loss"].steps) == [0, 1, 2, 3, 4]
