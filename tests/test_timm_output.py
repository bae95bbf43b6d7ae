"""timm (pytorch-image-models) training output folders, as its train.py writes them and people commit
them: `output/train/<%Y%m%d-%H%M%S>-<model>-<image size>/` holding `summary.csv` (a row an epoch:
`epoch,train_loss,eval_loss,eval_top1,eval_top5[,lr]`, written after each epoch) and `args.yaml` (every
argument of train.py, written when the run starts). timm is installed neither here nor in CI; the shape
is that of NEUdeep/pytorch-image-models @ 457d841d4f5c85a4c261a4c7460de7b633c2ae5b,
`output/train/20210608-165417-tf_efficientnet_b7_ns-224/` and its neighbours (copied, data only, to
../shared/realdata/timm-neudeep; the test on it skips when it is absent)."""

from __future__ import annotations

import csv
import json
import re
import statistics

import pytest

from resultsbook.sources.hints import pattern_for

HEADER = "epoch,train_loss,eval_loss,eval_top1,eval_top5,lr\n"
TIMM_PATTERN = "{date}-{time}-{model}-{resolution}/summary.csv"


def timm_run(train, folder, top1=None, args=None, first_epoch=0):
    """Write one timm output folder: args.yaml (`args`, a dict, unless None) and, when `top1` lists the
    top-1 of each epoch from `first_epoch`, summary.csv."""
    run = train / folder
    run.mkdir(parents=True)
    if args is not None:  # timm's yaml.safe_dump of the argparse namespace, keys sorted
        (run / "args.yaml").write_text("".join(f"{key}: {value}\n" for key, value in sorted(args.items())))
    if top1 is not None:
        rows = (
            f"{epoch},{2.0 - 0.1 * index},{1.5 - 0.05 * index},{value},{value + 20},0.05\n"
            for index, (epoch, value) in enumerate(enumerate(top1, start=first_epoch))
        )
        (run / "summary.csv").write_text(HEADER + "".join(rows))
    return run


def timm_args(model, seed, **more):
    # img_size and input_size stay null unless given on the command line; the folder says the size used
    return {"model": model, "seed": seed, "epochs": 300, "lr": 0.05, "batch_size": 16, "img_size": "null",
            "input_size": "null", "resume": "''", **more}  # fmt: skip


def hint_pattern(output):
    """Return the `--pattern` that makes the folders params, as the hint names it."""
    return re.search(r"or --pattern '([^']+)' to make the folders params", output).group(1)


def test_a_collect_that_finds_no_run_names_summary_csv_with_args_yaml_not_the_args_of_runs_that_died(
    tmp_path, cli
):
    train = tmp_path / "output" / "train"
    for seed, stamp in enumerate(["20240101-120000", "20240101-130000", "20240101-140000"]):
        timm_run(train, f"{stamp}-resnet18-224", [50.0, 60.0], timm_args("resnet18", seed))
    # killed before its first epoch ended: args.yaml written, no summary.csv yet; more of them than logs
    for stamp in ["20240102-090000", "20240102-091500", "20240102-093000", "20240102-094500"]:
        timm_run(train, f"{stamp}-resnet50-224", args=timm_args("resnet50", 0))
    hint = cli("collect", "output/train")
    assert hint.exit_code == 1
    assert "it holds 3 file(s) named summary.csv" in hint.output
    assert f"--pattern '{TIMM_PATTERN}' to make the folders params" in hint.output
    assert "-o config=args.yaml adds the settings beside them" in hint.output
    assert "'**/args.yaml'" not in hint.output


def test_following_the_hint_gives_a_cell_per_model_over_its_seeds_that_the_folder_stamp_does_not_mark(
    tmp_path, cli
):
    train = tmp_path / "output" / "train"
    curves = {0: [40.0, 55.5, 61.25], 1: [42.0, 57.0, 56.5], 2: [41.0, 63.0, 62.75]}
    for seed, curve in curves.items():
        timm_run(train, f"2024010{seed + 1}-12000{seed}-resnet18-224", curve, timm_args("resnet18", seed))
    # resumed from a checkpoint: its summary.csv starts at epoch 8
    timm_run(train, "20240105-080000-vit_tiny_patch16_224-224", [70.0, 72.5, 71.0],
             timm_args("vit_tiny_patch16_224", 0), first_epoch=8)  # fmt: skip
    timm_run(train, "20240106-080000-resnet50-160", [66.0, 68.0])  # its args.yaml not committed
    pattern = hint_pattern(cli("collect", "output/train").output)
    assert pattern == TIMM_PATTERN
    collected = cli("collect", "output/train", "--pattern", pattern, "-o", "config=args.yaml")
    assert collected.output.startswith("Collected output/train: 5 new")
    # img_size is null in args.yaml (not given), which the folder's 224 does not contradict
    assert "img_size" not in collected.output and "resolution" not in collected.output
    assert "20240106-080000-resnet50-160/summary.csv: has no 'args.yaml' beside it" in collected.output

    table = json.loads(cli("table", "--rows", "model", "--metric", "eval_top1", "--format", "json").output)
    assert table["replicate"] == ["seed"]
    cells = {cell["row"]["model"]: cell for cell in table["cells"]}
    assert sorted(cells) == ["resnet18", "resnet50", "vit_tiny_patch16_224"]  # resnet50's from its folder
    resnet18 = cells["resnet18"]
    assert resnet18["stats"]["n"] == 3
    assert resnet18["stats"]["mean"] == pytest.approx(statistics.mean(c[-1] for c in curves.values()))
    assert resnet18["stats"]["std"] == pytest.approx(statistics.stdev(c[-1] for c in curves.values()))
    # the date and time of each folder are run-specific: the three seeds are one configuration
    assert "mixed" not in [mark["kind"] for mark in resnet18["marks"]]

    best = cli("table", "--rows", "model", "--metric", "eval_top1", "--reduce", "max", "--format", "csv")
    rows = {row["model"]: row for row in csv.DictReader(best.output.splitlines()) if row.get("mean")}
    assert float(rows["resnet18"]["mean"]) == pytest.approx(statistics.mean(max(c) for c in curves.values()))

    listed = cli("runs", "--columns", "name,model,resolution,seed", "--metric", "eval_top1:last_step",
                 "--format", "csv").output  # fmt: skip
    runs = {row["name"]: row for row in csv.DictReader(listed.splitlines())}
    vit = runs["20240105-080000-vit_tiny_patch16_224-224/summary.csv"]
    assert float(vit["eval_top1:last_step"]) == 10  # the epoch is the step
    assert float(runs["20240106-080000-resnet50-160/summary.csv"]["resolution"]) == 160
    at = cli("table", "--rows", "model", "--metric", "eval_top1", "--reduce", "at(8)", "--format", "json")
    vit_cell = next(cell for cell in json.loads(at.output)["cells"] if cell["row"]["model"].startswith("vit"))
    assert vit_cell["stats"]["mean"] == 70.0


def test_summary_csv_read_without_params_are_named_in_a_note_with_the_pattern_and_args_yaml(tmp_path, cli):
    train = tmp_path / "output" / "train"
    for seed, stamp in enumerate(["20240101-120000", "20240101-130000"]):
        timm_run(train, f"{stamp}-resnet18-224", [50.0, 60.0], timm_args("resnet18", seed))
    # the hint's first option: every summary.csv, no field, no -o config: runs a table cannot tell apart
    collected = cli("collect", "output/train", "--pattern", "**/summary.csv")
    assert collected.output.startswith("Collected output/train: 2 new")
    assert (
        "Note: 2 runs read by csv have no param (their logs hold none), so a table cannot tell them apart; if "
        "their folders say what they are (the first: '20240101-120000-resnet18-224'), --pattern "
        f"'{TIMM_PATTERN}' makes them params; -o config=args.yaml adds the settings beside them\n"
    ) in collected.output
    again = cli("collect", "output/train", "--pattern", TIMM_PATTERN, "-o", "config=args.yaml")
    assert "2 updated" in again.output and "Note:" not in again.output


def test_lr_a_param_of_args_yaml_and_a_column_of_summary_csv_is_listed_in_two_columns_named_apart(
    tmp_path, cli
):
    train = tmp_path / "output" / "train"
    for seed, lr in [(0, 0.1), (1, 0.05)]:
        timm_run(
            train, f"2024010{seed + 1}-120000-resnet18-224", [50.0, 60.0], timm_args("resnet18", seed, lr=lr)
        )
    cli("collect", "output/train", "--pattern", TIMM_PATTERN, "-o", "config=args.yaml")
    listed = cli("runs", "--columns", "name,lr", "--metric", "lr", "--format", "csv").output.splitlines()
    # the param (the lr asked for) and the metric (the scheduler's lr of the last epoch, 0.05 in every row)
    assert listed[:3] == [
        "name,lr,lr:last",
        "20240101-120000-resnet18-224/summary.csv,0.1,0.05",
        "20240102-120000-resnet18-224/summary.csv,0.05,0.05",
    ]
    assert "lr:last" in cli("runs", "--metric", "lr").output.splitlines()[0]  # lr varies: a column of its own
    assert (
        cli("runs", "--metric", "eval_top1", "--format", "csv").output.splitlines()[0].endswith(",eval_top1")
    )


def test_folders_that_begin_with_a_date_and_time_give_date_and_time_fields_not_one_param_per_run():
    paths = ["20240101-120000-baseline/log.csv", "20240102-093000-baseline/log.csv"]
    assert pattern_for(paths[0], "log.csv", paths) == "{date}-{time}-{run}/log.csv"
    timm = [
        "20210608-165417-tf_efficientnet_b7_ns-224/summary.csv",
        "20210712-104853-resnet50-224/summary.csv",
    ]
    assert pattern_for(timm[0], "summary.csv", timm) == TIMM_PATTERN
    # runs/ folders with another stamp, or none, keep their field
    other = ["2024-01-01_12-00-00/log.csv", "2024-01-02_09-30-00/log.csv"]
    assert pattern_for(other[0], "log.csv", other) == "{run}/log.csv"


def test_folders_that_end_with_a_date_and_time_give_the_method_its_field_and_the_stamp_date_and_time(cli, tmp_path):
    """insper-classroom/08-dqn-vs-a2c-p-j@a04f2ff's `results/<env>/<ALGO>_run_<date>_<time>/progress.csv`:
    the hint's `{level3}` held the whole folder name, a value of its own in every run, so no table could
    compare A2C with DQN."""
    paths = ["a/A2C_run_20250403_103503/progress.csv", "a/DQN_tuned_run_20250403_145030/progress.csv"]
    assert pattern_for(paths[0], "progress.csv", paths) == "{group}/{run}_run_{date}_{time}/progress.csv"
    stamped = ["A2C-20250403-103503/log.csv", "DQN-20250404-113434/log.csv"]
    assert pattern_for(stamped[0], "log.csv", stamped) == "{run}-{date}-{time}/log.csv"
    for env, algo, stamp in (("cartpole", "A2C", "20250403_143832"), ("cartpole", "DQN_tuned", "20250403_145030"),
                             ("lunar", "A2C", "20250404_101010")):  # fmt: skip
        run = tmp_path / "results" / env / f"{algo}_run_{stamp}"
        run.mkdir(parents=True)
        (run / "progress.csv").write_text("rollout/ep_rew_mean,time/total_timesteps\n10,100\n20,200\n")
    hinted = cli("collect", "results")
    assert "--pattern '{group}/{run}_run_{date}_{time}/progress.csv' to make the folders params" in hinted.output
    cli("collect", "results", "--pattern", "{group}/{run}_run_{date}_{time}/progress.csv")
    table = cli("table", "--rows", "run", "--columns", "group", "--metric", "rollout/ep_rew_mean").output
    assert table.splitlines()[2].split()[0] == "A2C" and table.splitlines()[3].split()[0] == "DQN_tuned", table


def test_neudeep_timm_output_read_as_the_hint_says_gives_the_top1_of_each_summary_csv(realdata, cli):
    train = realdata / "timm-neudeep" / "output" / "train"
    if not train.is_dir():
        pytest.skip(f"{train} is absent")
    hint = cli("collect", str(train))
    assert hint.exit_code == 1 and "it holds 7 file(s) named summary.csv" in hint.output
    pattern = hint_pattern(hint.output)
    assert pattern == TIMM_PATTERN
    collected = cli("collect", str(train), "--pattern", pattern, "-o", "config=args.yaml")
    assert collected.output.startswith(f"Collected {train}: 7 new")
    # resnet50's and vit_deit_tiny's folders hold no args.yaml: their model comes from the folder's name
    assert "(2 paths, e.g. " in collected.output and "has no 'args.yaml' beside it" in collected.output
    expected = {}
    for log in sorted(train.glob("*/summary.csv")):
        with open(log) as handle:
            top1 = [float(row["eval_top1"]) for row in csv.DictReader(handle)]
        expected[log.parent.name] = (top1[-1], max(top1))
    listed = cli("runs", "--columns", "name,model,seed", "--metric", "eval_top1", "--metric", "eval_top1:max",
                 "--metric", "eval_top1:last_step", "--format", "csv").output  # fmt: skip
    runs = {row["name"].split("/")[0]: row for row in csv.DictReader(listed.splitlines())}
    assert sorted(runs) == sorted(expected)
    for folder, (last, best) in expected.items():
        assert float(runs[folder]["eval_top1"]) == last
        assert float(runs[folder]["eval_top1:max"]) == best
    assert runs["20210608-165417-tf_efficientnet_b7_ns-224"]["eval_top1:last_step"] == "210"
    assert runs["20210712-104853-resnet50-224"]["model"] == "resnet50"
    assert runs["20210608-165417-tf_efficientnet_b7_ns-224"]["seed"] == "42"
    table = json.loads(
        cli("table", "--rows", "model", "--metric", "eval_top1", "--reduce", "max", "--format", "json").output
    )
    cells = {cell["row"]["model"]: cell for cell in table["cells"]}
    assert cells["resnet50"]["stats"] == {"n": 1, "mean": 74.82599997802734, "std": None}
    efficientnet = cells["tf_efficientnet_b7_ns"]
    assert efficientnet["stats"]["n"] == 5  # five runs of seed 42 (resumed ones among them), marked §
    assert efficientnet["stats"]["mean"] == pytest.approx(
        statistics.mean(best for folder, (_, best) in expected.items() if "efficientnet" in folder)
    )
    warnings = cli("table", "--rows", "model", "--metric", "eval_top1").output
    assert "averages runs that differ in batch_size (8, 16)" in warnings
    assert "date" not in warnings.split("averages runs that differ in", 1)[1].split("\n", 1)[0]
