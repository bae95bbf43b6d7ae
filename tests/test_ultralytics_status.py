"""How an Ultralytics YOLO training ended, from what its folder holds: finished at `epochs`, finished by
an early stop (`patience` epochs after its best), cut short (running while the folder is written to,
failed once it is not), or as its weights say (stripped of the optimizer when training ends).

Ultralytics and PyTorch are installed neither here nor in CI. The shapes below are those of run folders
people committed: 27hrs/YOLOv8 @ 559bb2d3 (`runs/detect/train`: 474 rows of `epochs: 600`, `patience:
100`, mAP50-95 at its best, 0.995, from epoch 374 on, an early stop; `runs/detect/train5`: 30 rows of
600, cut short); Yhrjkcz1/Capstone-Yolov8s-lightweight @ 2a617052 (`runs/detect/sea_distill_v3_final`:
37 rows of 100; `runs/detect/yolov8s_mini_origin_ghost/weights/last.pt`: a zip whose `last/data.pkl`
holds `optimizer` None after the model); A1yssa8/Thesis @ c49e0b28 (YOLOv5's `runs/train/exp`: epochs
from 0, `opt.yaml`, stripped weights). How Ultralytics writes them: ultralytics/ultralytics @ 3c5ac618,
`ultralytics/engine/trainer.py` (`save_model` saves the optimizer's state every epoch, `final_eval`
strips it, `self.stopper(epoch + 1, self.fitness)` stops `patience` epochs after the first best fitness).
"""

from __future__ import annotations

import json
import os
import pickle
import time
import zipfile
from pathlib import Path

import pytest

from resultsbook.sources.collect import CollectRequest, collect

COLUMNS = [
    "epoch", "time", "train/box_loss", "train/cls_loss", "train/dfl_loss", "metrics/precision(B)",
    "metrics/recall(B)", "metrics/mAP50(B)", "metrics/mAP50-95(B)", "val/box_loss", "val/cls_loss",
    "val/dfl_loss", "lr/pg0",
]  # fmt: skip
V5_COLUMNS = [
    "epoch", "train/box_loss", "train/obj_loss", "train/cls_loss", "metrics/precision", "metrics/recall",
    "metrics/mAP_0.5", "metrics/mAP_0.5:0.95", "val/box_loss", "val/obj_loss", "val/cls_loss", "x/lr0",
]  # fmt: skip
LONG_AGO = time.time() - 30 * 86400
MAP = "metrics/mAP50-95(B)"


def write_training(
    folder: Path, epochs: int, patience: int, maps: list[float], model: str = "yolov8n.pt"
) -> Path:
    """A YOLOv8.1+ training folder (args.yaml, results.csv with `time`, weights/) whose mAP50-95 is `maps`,
    one value per epoch from 1."""
    folder.mkdir(parents=True)
    (folder / "args.yaml").write_text(
        f"task: detect\nmode: train\nmodel: {model}\ndata: data.yaml\nepochs: {epochs}\ntime: null\n"
        f"patience: {patience}\nbatch: 32\nname: train\nseed: 0\nsave_dir: runs/detect/train\n"
    )
    rows = [
        [epoch, 5.4 * epoch, 1.1, 3.5, 1.3, 0.01, 0.95, 0.995, value, 1.0, 3.0, 1.06, 1.2e-05]
        for epoch, value in enumerate(maps, 1)
    ]
    (folder / "results.csv").write_text(
        ",".join(COLUMNS) + "\n" + "".join(",".join(map(str, row)) + "\n" for row in rows)
    )
    (folder / "weights").mkdir()
    return folder


def checkpoint(path: Path, optimizer: dict | None, epochs_saved: int = 30) -> None:
    """A checkpoint as torch.save writes it: a zip whose `<name>/data.pkl` pickles a dict whose model is a
    torch class (which nothing here can load: torch is not installed) and whose `optimizer` is the
    optimizer's state during training, None once Ultralytics' strip_optimizer saved it at the end."""
    saved = {"epoch": -1 if optimizer is None else 29, "best_fitness": None, "model": "MODEL", "ema": None,
             "updates": None, "optimizer": optimizer, "train_args": {"optimizer": "auto", "epochs": 600},
             "train_results": {"epoch": list(range(1, epochs_saved + 1))}}  # fmt: skip
    data = pickle.dumps(saved, protocol=2)
    model = b"X\x05\x00\x00\x00MODEL"
    assert data.count(model) == 1
    data = data.replace(model, b"ctorch._utils\n_rebuild_tensor_v2\n)R")  # a tensor, as torch pickles one
    with pytest.raises(ModuleNotFoundError):
        pickle.loads(data)  # unpickling it would need torch
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{path.stem}/data.pkl", data)
        archive.writestr(f"{path.stem}/data/0", b"\0" * 64)
        archive.writestr(f"{path.stem}/version", b"3\n")


def age(folder: Path, when: float = LONG_AGO) -> None:
    """Date every file of a training folder `when` (a copy, or a training killed long ago)."""
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (when, when))


def collected(store, root: Path):
    report = collect(store, [CollectRequest(str(root))])
    return report, {run.name: run for run in store.runs()}


def test_a_training_cut_short_long_ago_is_failed_and_status_and_a_table_say_how_far_it_went(tmp_path, cli):
    """27hrs/YOLOv8's train5: 30 rows of `epochs: 600`, its best at epoch 29: no early stop (that comes 100
    epochs after the best). Its status was unknown, so `status` said nothing and a table averaged it
    with the finished training beside it without a mark."""
    runs = tmp_path / "runs" / "detect"
    age(write_training(runs / "train", 600, 100, [0.5] * 373 + [0.995] * 101))  # an early stop at 474
    age(write_training(runs / "train5", 600, 100, [0.1 + 0.01 * epoch for epoch in range(29)] + [0.3]))
    out = cli("collect", str(tmp_path / "runs")).output
    assert (
        "runs/detect/train5: training stopped unfinished: results.csv holds 30 of 600 epochs (args.yaml: epochs), its last "
        "epoch not 100 after its best (patience), and nothing was written for over 60 min — kept: the run, as "
        "failed (a table marks its cells ‡; --where status=finished leaves it out)"
    ) in out
    shown = json.loads(cli("runs", "--format", "json").output)["runs"]
    assert {run["name"]: run["status"] for run in shown} == {"train": "finished", "train5": "failed"}
    status = cli("status").output
    assert "failed      train5" in status
    assert (
        "no error recorded: it stopped at 30 of 600 epochs (epochs): killed, out of memory or node lost"
        in status
    )
    assert "train " not in status.replace("train5", "")  # the early stop needs no attention
    table = cli("table", "--rows", "model", "--metric", MAP).output
    assert "‡ includes failed, interrupted or still-running runs (1 cell)" in table
    assert "Warning: table: yolov8n.pt: includes 1 failed run(s)" in table
    kept = cli("table", "--rows", "model", "--metric", MAP, "--where", "status=finished", "--format", "json")
    assert [cell["stats"]["n"] for cell in json.loads(kept.output)["cells"]] == [1]


def test_a_training_cut_short_that_wrote_just_now_is_running_until_its_folder_goes_stale(tmp_path, store):
    """Capstone's sea_distill_v3_final: 37 rows of 100 (patience 100). Written a minute ago it may still be
    training; an hour later, with no file changed, the next collect reads it again and calls it failed."""
    folder = write_training(
        tmp_path / "runs" / "detect" / "sea_distill_v3_final", 100, 100, [0.2] * 32 + [0.1] * 5
    )
    report, runs = collected(store, tmp_path / "runs")
    run = runs["sea_distill_v3_final"]
    assert run.status == "running" and not report.problems
    assert run.provenance["progress"] == "37 of 100 epochs (epochs)"
    age(folder, time.time() - 2 * 3600)
    report, runs = collected(store, tmp_path / "runs")
    assert report.updated == 1 and runs["sea_distill_v3_final"].status == "failed"


def test_unfinished_trainings_whose_files_were_all_written_at_once_are_said_to_be_running_by_the_clock(
    tmp_path, cli
):
    """DJT777/xlstm-yolo@08c93b8, just cloned: 12 trainings that stopped at 1 to 157 of 800 epochs in
    May 2025 were running, for `git clone` had written every file a minute before, and nothing said why."""
    for name in ("train10", "train11"):
        write_training(tmp_path / "runs" / "detect" / name, 800, 0, [0.1] * 5)
    out = " ".join(cli("collect", "runs").output.split())
    assert (
        "Note: 2 runs read by ultralytics are taken as running: they did not finish, and their files are recent; "
        "but they were all written within a second of each other, as a clone, a copy or an unpacked archive "
        "writes them: if these runs have stopped, -o stale_after=0 takes them as failed"
    ) in out
    followed = cli("collect", "runs", "-o", "stale_after=0").output
    assert "2 updated" in followed and "taken as running" not in followed
    assert {run["status"] for run in json.loads(cli("runs", "--format", "json").output)["runs"]} == {"failed"}


def test_trainings_running_now_wrote_their_files_apart_and_get_no_note(tmp_path, cli):
    for name, ago in (("train1", 0), ("train2", 120)):
        age(write_training(tmp_path / "runs" / "detect" / name, 800, 0, [0.1] * 5), time.time() - ago)
    out = cli("collect", "runs").output
    assert "2 new" in out and "taken as running" not in out
    assert {run["status"] for run in json.loads(cli("runs", "--format", "json").output)["runs"]} == {
        "running"
    }


def test_an_early_stop_ends_patience_epochs_after_the_first_best_and_is_finished(tmp_path, store):
    """27hrs/YOLOv8's train: mAP50-95 reached 0.995 at epoch 374 and never beat it; Ultralytics keeps the
    first best (a tie is no improvement) and stopped at 474 = 374 + patience. A training whose rows end
    3 epochs short of that is cut short, not stopped early."""
    runs = tmp_path / "runs" / "detect"
    age(write_training(runs / "train", 600, 100, [0.5] * 373 + [0.995] * 101))
    age(write_training(runs / "killed", 600, 100, [0.5] * 373 + [0.995] * 98))
    age(write_training(runs / "full", 3, 100, [0.5, 0.6, 0.55]))
    report, found = collected(store, tmp_path / "runs")
    assert found["train"].status == "finished" and found["full"].status == "finished"
    assert found["train"].provenance == {
        "progress": "474 of 600 epochs (epochs)",
        "stopped": "early stop: no better fitness in the 100 epochs after epoch 374 (patience)",
    }
    assert found["killed"].status == "failed"
    assert [problem.path for problem in report.problems] == [str(runs / "killed")]


def test_stripped_weights_say_a_training_ended_and_kept_ones_that_it_did_not(tmp_path, store):
    """Capstone's yolov8s_mini_origin_ghost/weights/last.pt holds `optimizer` None (strip_optimizer, at the
    end of training); during training last.pt holds the optimizer's state. Read opcode by opcode: the
    checkpoint's torch classes are never loaded."""
    runs = tmp_path / "runs" / "detect"
    maps = [0.1 + 0.01 * epoch for epoch in range(30)]
    ended = write_training(runs / "timed", 600, 100, maps)  # stopped by another rule (a time limit)
    checkpoint(ended / "weights" / "last.pt", None)
    age(ended)
    killed = write_training(runs / "killed", 600, 100, maps)
    checkpoint(killed / "weights" / "last.pt", {"state": {}, "param_groups": [{"lr": 0.01}]})
    age(killed)
    report, found = collected(store, tmp_path / "runs")
    assert found["timed"].status == "finished"
    assert (
        found["timed"].provenance["stopped"]
        == "before epochs: weights/last.pt was stripped as training ended"
    )
    assert found["killed"].status == "failed"
    assert [problem.message for problem in report.problems] == [
        "training stopped unfinished: results.csv holds 30 of 600 epochs (args.yaml: epochs), its last epoch "
        "not 100 after its best (patience); weights/last.pt still holds the optimizer, which Ultralytics "
        "strips when training ends, and nothing was written for over 60 min"
    ]


def test_a_yolov5_training_counts_its_epochs_from_0_against_opt_yaml(tmp_path, store):
    """A1yssa8/Thesis's runs/train/exp: epochs 0 to 99 of `epochs: 100` in opt.yaml is all of them."""
    for name, rows in (("exp", 100), ("exp2", 40)):
        exp = tmp_path / "runs" / "train" / name
        exp.mkdir(parents=True)
        (exp / "opt.yaml").write_text(
            "weights: yolov5s.pt\nepochs: 100\npatience: 100\nbatch_size: 16\nseed: 0\n"
        )
        (exp / "hyp.yaml").write_text("lr0: 0.01\n")
        lines = [
            [epoch, 0.1, 0.07, 0.03, 0.5, 0.4, 0.45, 0.2 + epoch / 1000, 0.09, 0.06, 0.02, 0.07]
            for epoch in range(rows)
        ]
        (exp / "results.csv").write_text(
            ",".join(f"{c:>23}" for c in V5_COLUMNS)
            + "\n"
            + "".join(",".join(f"{c:>23}" for c in r) + "\n" for r in lines)
        )
        age(exp)
    report, found = collected(store, tmp_path / "runs")
    assert found["exp"].status == "finished" and found["exp2"].status == "failed"
    assert found["exp2"].provenance["progress"] == "40 of 100 epochs (epochs)"
    assert "results.csv holds 40 of 100 epochs (opt.yaml: epochs)" in report.problems[0].message


def test_weights_that_cannot_be_read_as_a_zip_checkpoint_or_over_the_limit_leave_the_rows_to_say(
    tmp_path, store, monkeypatch
):
    """A last.pt saved before PyTorch 1.6 (a bare pickle stream, not a zip), or one being written, says
    nothing; nor does one whose data.pkl is over RESULTSBOOK_MAX_CONFIG_SIZE (never read whole)."""
    runs = tmp_path / "runs" / "detect"
    maps = [0.1 + 0.01 * epoch for epoch in range(30)]
    legacy = write_training(runs / "legacy", 600, 100, maps)
    (legacy / "weights" / "last.pt").write_bytes(pickle.dumps({"optimizer": None}, protocol=2))
    age(legacy)
    large = write_training(runs / "large", 600, 100, maps)
    checkpoint(large / "weights" / "last.pt", None, epochs_saved=3000)  # results.csv kept in it: 9 kB
    age(large)
    monkeypatch.setenv("RESULTSBOOK_MAX_CONFIG_SIZE", "4k")  # args.yaml is read, data.pkl is not
    report, found = collected(store, tmp_path / "runs")
    assert found["legacy"].status == "failed" and found["large"].status == "failed"
    assert sorted(problem.path for problem in report.problems) == [str(runs / "large"), str(runs / "legacy")]
