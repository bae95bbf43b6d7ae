"""Ultralytics YOLOv8 training folders other people committed (../shared/realdata, skipped when
absent), collected with no option: `runs/detect/<run>/` with results.csv and args.yaml.

- ultralytics-yolov8-tomato: NeverlanD0829/yolov8 @ 5ce12c8a, 7 models on one dataset, a header padded
  with spaces and the TensorBoard events of each training in the same folder;
- ultralytics-yolov8-visdrone: Yhrjkcz1/Capstone-Yolov8s-lightweight @ 2a617052, 29 runs of YOLOv8s
  variants, a later Ultralytics (no padding, a `time` column);
- ultralytics-yolov5-tips: A1yssa8/Thesis @ c49e0b28, YOLOv5 `runs/train/exp*/` (results.csv with
  0-based epochs, opt.yaml holding the hyperparameters, hyp.yaml, events), two of them stopped before
  their first epoch ended (no results.csv).
"""

from __future__ import annotations

import csv
import json

import pytest

TOMATO = "ultralytics-yolov8-tomato/runs"
VISDRONE = "ultralytics-yolov8-visdrone/runs"
YOLOV5 = "ultralytics-yolov5-tips/runs"
MAP = "metrics/mAP50-95(B)"


def tree(realdata, name):
    if not (realdata / name).is_dir():
        pytest.skip(f"{realdata / name} is absent")
    return realdata / name


def last_rows(runs_folder):
    """{run folder: the last row of its results.csv, header names trimmed} and its args.yaml's seed and model."""
    found = {}
    for results in sorted(runs_folder.glob("detect/*/results.csv")):
        with open(results) as handle:
            rows = [{k.strip(): v.strip() for k, v in row.items()} for row in csv.DictReader(handle)]
        args = dict(line.split(": ", 1) for line in (results.parent / "args.yaml").read_text().splitlines() if ": " in line)
        found[results.parent.name] = (rows[-1], args)
    return found


def test_tomato_runs_are_one_per_folder_with_their_args_and_the_csv_s_last_epoch(realdata, cli):
    runs = tree(realdata, TOMATO)
    said = cli("collect", str(runs)).output
    assert said.startswith(f"Collected {runs}: 7 new, 0 updated, 0 unchanged, 0 problems")  # no step twice
    listed = json.loads(cli("runs", "--metric", MAP, "--format", "json").output)["runs"]
    expected = last_rows(runs)
    assert sorted(run["name"] for run in listed) == sorted(expected)
    for run in listed:
        row, args = expected[run["name"]]
        assert run["adapter"] == "ultralytics"
        assert run["params"]["model"] == args["model"] and run["params"]["seed"] == int(args["seed"]) == 0
        assert "name" not in run["params"]  # args.yaml's `name: train2` is not the run's name
        assert run["metrics"][MAP]["last_step"] == float(row["epoch"]) == 100
        assert run["metrics"][MAP]["last"] == float(row[MAP])  # not best.pt's validation, logged after it
    table = json.loads(cli("table", "--rows", "model", "--metric", MAP, "--format", "json").output)
    cells = {cell["row"]["model"]: cell["stats"] for cell in table["cells"]}
    assert cells["yolov8n.yaml"] == {"n": 1, "mean": 0.4938, "std": None}


def test_visdrone_runs_keep_time_as_a_metric_and_each_last_value_of_the_csv(realdata, cli):
    runs = tree(realdata, VISDRONE)
    assert cli("collect", str(runs)).output.startswith(f"Collected {runs}: 29 new, 0 updated, 0 unchanged, ")
    listed = json.loads(cli("runs", "--metric", MAP, "--metric", "time", "--format", "json").output)["runs"]
    expected = last_rows(runs)
    assert len(listed) == len(expected) == 29
    for run in listed:
        row, args = expected[run["name"]]
        assert run["params"]["seed"] == int(args["seed"])
        assert run["metrics"][MAP]["last"] == float(row[MAP])
        assert run["metrics"]["time"]["last"] == float(row["time"])  # seconds since training began
        # two trainings were cut short (37 and 90 of their 100 epochs, patience 100): running while the
        # copy's files are new, failed an hour on; every other one reached its 100 epochs
        short = run["name"] in ("sea_distill_v3_final", "yolov8s_ca_visdrone (full dataset)")
        assert run["status"] in (("running", "failed") if short else ("finished",))


def test_yolov5_runs_take_opt_yaml_and_their_last_epoch_and_name_the_two_that_logged_none(realdata, cli):
    runs = tree(realdata, YOLOV5)
    said = cli("collect", str(runs)).output
    assert said.startswith(f"Collected {runs}: 5 new, 0 updated, 0 unchanged, 2 problems")
    assert f"{runs}/train/exp* (2 paths, e.g. {runs}/train/exp5): holds opt.yaml, hyp.yaml but no results.csv" in said
    key = "metrics/mAP_0.5:0.95"
    listed = {run["name"]: run for run in json.loads(cli("runs", "--metric", key, "--format", "json").output)["runs"]}
    assert sorted(listed) == ["exp", "exp2", "exp3", "exp4", "exp7"]
    for name, run in listed.items():
        with open(runs / "train" / name / "results.csv") as handle:
            row = {k.strip(): v.strip() for k, v in list(csv.DictReader(handle))[-1].items()}
        assert run["metrics"][key]["last"] == float(row[key])
        assert run["metrics"][key]["last_step"] == float(row["epoch"]) == run["params"]["epochs"] - 1
        assert run["params"]["seed"] == 0 and run["params"]["hyp.lr0"] == 0.01
    table = json.loads(cli("table", "--rows", "epochs", "--columns", "batch_size", "--metric", key, "--format", "json").output)
    cells = {(c["row"]["epochs"], c["column"]["batch_size"]): c["stats"]["mean"] for c in table["cells"]}
    assert cells == {(100, 16): 0.74663, (100, 128): 0.45682, (300, 16): 0.84411, (300, 128): 0.83094, (300, -1): 0.81523}
