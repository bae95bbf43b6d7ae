"""Ultralytics YOLO training folders, collected with no option: one run per folder, its params from
args.yaml (YOLOv8/11) or opt.yaml and hyp.yaml (YOLOv5), its metrics from results.csv stepped by epoch.

Ultralytics is installed neither here nor in CI. The shapes written below are those of run folders
people committed: YOLOv8 with a header padded with spaces, NeverlanD0829/yolov8 @ 5ce12c8a
(`runs/detect/yolov8n/results.csv`, `args.yaml`, and the `events.out.tfevents.*` the same training
wrote); YOLOv8.1 and later with a `time` column and no padding, Yhrjkcz1/Capstone-Yolov8s-lightweight
@ 2a617052 (`runs/detect/yolov8s/`); YOLOv5's `runs/train/exp*/` as ultralytics/yolov5's train.py
saves them (`results.csv` with 0-based epochs, `opt.yaml`, `hyp.yaml`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.store import Store

EVENTS = (
    Path(__file__).parent
    / "fixtures"
    / "tensorboard"
    / "logs"
    / "tbx_seed1"
    / "events.out.tfevents.1795807682.vm"
)
V8_COLUMNS = [
    "epoch", "train/box_loss", "train/cls_loss", "train/dfl_loss", "metrics/precision(B)", "metrics/recall(B)",
    "metrics/mAP50(B)", "metrics/mAP50-95(B)", "val/box_loss", "val/cls_loss", "val/dfl_loss", "lr/pg0",
]  # fmt: skip
V5_COLUMNS = [
    "epoch", "train/box_loss", "train/obj_loss", "train/cls_loss", "metrics/precision", "metrics/recall",
    "metrics/mAP_0.5", "metrics/mAP_0.5:0.95", "val/box_loss", "val/obj_loss", "val/cls_loss", "x/lr0",
]  # fmt: skip


def padded(cells: list) -> str:
    """A line as Ultralytics' YOLOv8 (to 8.0.x) and YOLOv5 write it: every cell right-aligned in 23."""
    return ",".join(f"{cell:>23}" for cell in cells) + "\n"


def write_v8(
    folder: Path, model: str, seed: int, maps: list[float], pad: bool = True, events: bool = True
) -> None:
    folder.mkdir(parents=True)
    (folder / "args.yaml").write_text(
        f"task: detect\nmode: train\nmodel: {model}\ndata: tomato.yaml\nepochs: {len(maps)}\n"
        f"patience: 100\nbatch: 16\nproject: null\nname: train2\nexist_ok: false\nseed: {seed}\n"
        f"deterministic: true\nsource: null\nsave_dir: runs/detect/train2\nlr0: 0.01\n"
    )
    rows = [
        [epoch, 1.5, 1.2, 1.1, 0.7, 0.6, 0.8, value, 1.6, 0.9, 1.4, 0.001]
        for epoch, value in enumerate(maps, 1)
    ]
    if pad:
        text = padded(V8_COLUMNS) + "".join(padded(row) for row in rows)
    else:  # YOLOv8.1 on: no padding, and `time`, the seconds since training began, after epoch
        columns = [V8_COLUMNS[0], "time", *V8_COLUMNS[1:]]
        text = (
            ",".join(columns)
            + "\n"
            + "".join(",".join(map(str, [r[0], 60.5 * r[0], *r[1:]])) + "\n" for r in rows)
        )
    (folder / "results.csv").write_text(text)
    (folder / "weights").mkdir()
    if events:  # the TensorBoard callback's events file beside it
        shutil.copy(EVENTS, folder / "events.out.tfevents.1740092200.host.34301.0")


def collected(store, root: Path, pattern: str | None = None):
    report = collect(store, [CollectRequest(str(root), pattern=pattern)])
    runs = {run.name: run for run in store.runs()}
    return report, runs


def last(store, run, key: str) -> tuple[float, float]:
    steps, values, _ = store.series(key)[run.id]
    return float(steps[-1]), float(values[-1])


def test_a_yolov8_folder_is_one_run_with_args_yaml_as_params_beside_its_tensorboard_events(tmp_path, store):
    write_v8(tmp_path / "runs" / "detect" / "yolov8n", "yolov8n.yaml", 0, [0.1, 0.30, 0.4938])
    report, runs = collected(store, tmp_path / "runs")
    assert report.new == 1 and not report.problems
    run = runs["yolov8n"]  # the folder's name, not args.yaml's `name: train2`
    assert run.adapter == "ultralytics"
    assert run.params["model"] == "yolov8n.yaml" and run.params["seed"] == 0 and run.params["epochs"] == 3
    assert run.params["data"] == "tomato.yaml" and run.params["lr0"] == 0.01
    assert not {"name", "source", "save_dir"} & set(run.params)  # they would stand for the run's own
    assert last(store, run, "metrics/mAP50-95(B)") == (3.0, 0.4938)  # the padded header, trimmed
    steps, _, _ = store.series("train/box_loss")[run.id]
    assert steps.tolist() == [1.0, 2.0, 3.0]  # step = epoch as written


def test_yolov8_1_s_time_column_is_a_metric_not_a_wall_time(tmp_path, store):
    write_v8(
        tmp_path / "runs" / "detect" / "yolov8s", "yolov8s.pt", 0, [0.12, 0.2192], pad=False, events=False
    )
    report, runs = collected(store, tmp_path / "runs")
    assert report.new == 1 and not report.problems
    assert last(store, runs["yolov8s"], "time") == (2.0, 121.0)
    assert last(store, runs["yolov8s"], "metrics/mAP50-95(B)") == (2.0, 0.2192)


def test_a_yolov5_exp_folder_takes_opt_yaml_and_the_hyp_yaml_it_names(tmp_path, store):
    exp = tmp_path / "runs" / "train" / "exp3"
    exp.mkdir(parents=True)
    (exp / "opt.yaml").write_text(
        "weights: yolov5s.pt\ncfg: ''\ndata: data/coco128.yaml\nhyp: data/hyps/hyp.scratch-low.yaml\n"
        "epochs: 2\nbatch_size: 16\nimgsz: 640\nproject: runs/train\nname: exp\nseed: 7\n"
        "save_dir: runs/train/exp3\n"
    )
    (exp / "hyp.yaml").write_text("lr0: 0.01\nlrf: 0.01\nmomentum: 0.937\n")
    rows = [[0, 0.1, 0.07, 0.03, 0.5, 0.4, 0.45, 0.21, 0.09, 0.06, 0.02, 0.07],
            [1, 0.09, 0.06, 0.02, 0.6, 0.5, 0.55, 0.3125, 0.08, 0.05, 0.01, 0.04]]  # fmt: skip
    (exp / "results.csv").write_text(padded(V5_COLUMNS) + "".join(padded(row) for row in rows))
    report, runs = collected(store, tmp_path / "runs")
    assert report.new == 1 and not report.problems
    run = runs["exp3"]
    assert run.params["seed"] == 7 and run.params["weights"] == "yolov5s.pt"
    assert run.params["hyp.lr0"] == 0.01 and run.params["hyp.momentum"] == 0.937 and "hyp" not in run.params
    assert last(store, run, "metrics/mAP_0.5:0.95") == (1.0, 0.3125)  # YOLOv5 counts epochs from 0


def test_a_table_by_model_over_seeds_is_the_mean_of_each_run_s_last_epoch(tmp_path, store, cli):
    for model, seed, final in [("yolov8n.pt", 0, 0.40), ("yolov8n.pt", 1, 0.42), ("yolov8s.pt", 0, 0.50),
                               ("yolov8s.pt", 1, 0.53)]:  # fmt: skip
        folder = "train" if (model, seed) == ("yolov8n.pt", 0) else f"train{model[6]}{seed}"
        write_v8(tmp_path / "runs" / "detect" / folder, model, seed, [0.9, final])  # best earlier: last kept
    assert cli("collect", str(tmp_path / "runs")).output.startswith(f"Collected {tmp_path / 'runs'}: 4 new")
    table = cli("table", "--rows", "model", "--metric", "metrics/mAP50-95(B)", "--format", "json")
    cells = {cell["row"]["model"]: cell["stats"] for cell in json.loads(table.output)["cells"]}
    assert cells["yolov8n.pt"]["n"] == 2 and cells["yolov8n.pt"]["mean"] == pytest.approx(0.41, rel=1e-12)
    assert cells["yolov8s.pt"]["n"] == 2 and cells["yolov8s.pt"]["mean"] == pytest.approx(0.515, rel=1e-12)


def test_a_pattern_naming_results_csv_reads_the_same_run(tmp_path, store):
    write_v8(tmp_path / "runs" / "detect" / "yolov8m", "yolov8m.yaml", 3, [0.2, 0.4990])
    report, runs = collected(store, tmp_path / "runs", pattern="detect/{folder}/results.csv")
    assert report.new == 1
    run = runs["yolov8m"]
    assert run.adapter == "ultralytics" and run.params["folder"] == "yolov8m" and run.params["seed"] == 3
    assert "name" not in run.params


def test_a_results_csv_without_training_settings_beside_it_is_not_claimed(tmp_path, store):
    folder = tmp_path / "runs" / "eval"
    folder.mkdir(parents=True)
    (folder / "results.csv").write_text("epoch,acc\n1,0.5\n")
    report, runs = collected(store, tmp_path / "runs")
    assert report.new == 0 and not runs


def test_a_yolov5_training_that_logged_no_epoch_is_named_not_taken_for_a_run_without_params(tmp_path, store):
    """train.py writes opt.yaml and hyp.yaml (and its events file) as it starts, results.csv after the
    first epoch: a training stopped before then was a TensorBoard run with no param and no metric."""
    exp = tmp_path / "runs" / "train" / "exp5"
    exp.mkdir(parents=True)
    (exp / "opt.yaml").write_text(
        "weights: yolov5n.pt\nepochs: 300\nbatch_size: 128\nseed: 0\nhyp:\n  lr0: 0.01\n"
    )
    (exp / "hyp.yaml").write_text("lr0: 0.01\n")
    shutil.copy(EVENTS, exp / "events.out.tfevents.1684174219.host.29672.0")
    report, runs = collected(store, tmp_path / "runs")
    assert report.new == 0 and not runs
    assert [p.describe() for p in report.problems] == [
        f"{exp}: holds opt.yaml, hyp.yaml but no results.csv: the training logged no epoch (it stopped "
        "before its first ended, or is still in it) — kept: no run until it writes one"
    ]


def test_a_yolov8_training_that_logged_no_epoch_is_named_whichever_folder_the_walk_meets_first(
    tmp_path, store
):
    """DJT777/xlstm-yolo@08c93b8: 24 of 38 folders hold args.yaml and an 88-byte events file (the
    header alone): trainings that died before their first epoch. They were 24 TensorBoard runs of no
    param and no metric, which pushed the params that vary out of `runs`; and whether the folder met
    first was such a run depended on the walk's order."""
    detect = tmp_path / "runs" / "detect"
    write_v8(detect / "train2", "yolov8n.pt", 0, [0.3, 0.4], events=False)
    for name in ("train", "train3"):
        folder = detect / name
        folder.mkdir(parents=True)
        (folder / "args.yaml").write_text("task: detect\nmode: train\nmodel: yolov8n.pt\nepochs: 800\n")
        header = EVENTS.read_bytes()[:40]  # its first record alone: the file_version event
        (folder / "events.out.tfevents.1747195517.host.1.0").write_bytes(header)
    report, runs = collected(store, tmp_path / "runs")
    assert sorted(runs) == ["train2"]
    assert sorted(p.describe() for p in report.problems) == sorted(
        f"{detect / name}: holds args.yaml but no results.csv: the training logged no epoch (it stopped "
        "before its first ended, or is still in it) — kept: no run until it writes one"
        for name in ("train", "train3")
    )
    shutil.copy(EVENTS, detect / "train" / "events.out.tfevents.1747195517.host.1.0")  # it logged scalars
    with Store.open(str(tmp_path / "other.db")) as other:
        report, runs = collected(other, tmp_path / "runs")
    assert runs["train"].adapter == "tensorboard"  # another program's args.yaml: its events are the run


def test_a_store_that_held_these_folders_as_tensorboard_runs_updates_them_in_place(
    tmp_path, store, monkeypatch
):
    """Before this adapter the folder's events file made the run: a re-collect replaces each such run
    (same run, now with params and the CSV's epochs), it does not add a second one beside it."""
    from resultsbook import adapters

    write_v8(tmp_path / "runs" / "detect" / "yolov8n", "yolov8n.yaml", 0, [0.1, 0.4938])
    with monkeypatch.context() as before:
        before.delitem(adapters._BUILTIN, "ultralytics")
        before.delitem(adapters._CLAIM_HINTS, "ultralytics")
        adapters._builtin_hints.cache_clear()
        adapters.available_adapters.cache_clear()
        report, runs = collected(store, tmp_path / "runs")
        assert report.new == 1 and runs["yolov8n"].adapter == "tensorboard" and not runs["yolov8n"].params
    adapters._builtin_hints.cache_clear()
    adapters.available_adapters.cache_clear()
    report, runs = collected(store, tmp_path / "runs")
    assert (report.new, report.updated) == (0, 1) and len(runs) == 1
    assert runs["yolov8n"].adapter == "ultralytics" and runs["yolov8n"].params["seed"] == 0


def test_a_fifo_in_place_of_args_yaml_or_the_events_file_never_hangs_the_claim(tmp_path):
    """The claim of a folder without results.csv reads args.yaml and the events file beside it: a FIFO
    in their place, opened, would wait for a writer forever."""
    import os
    import threading

    from resultsbook.adapters.base import Folder
    from resultsbook.adapters.ultralytics import started_training

    header = EVENTS.read_bytes()[:40]
    for fifo in ("args.yaml", "events.out.tfevents.1.host"):
        folder = tmp_path / fifo
        folder.mkdir()
        if fifo == "args.yaml":
            (folder / "events.out.tfevents.1.host").write_bytes(header)
        else:
            (folder / "args.yaml").write_text("task: detect\nmode: train\n")
        os.mkfifo(folder / fifo)
        said: list[bool] = []
        listed = Folder(str(folder), frozenset(os.listdir(folder)), ())
        worker = threading.Thread(
            target=lambda out=said, at=listed: out.append(started_training(at)), daemon=True
        )
        worker.start()
        worker.join(10)
        assert said == [False], fifo
