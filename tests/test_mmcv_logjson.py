"""MMCV 1.x's work_dir, as MMDetection 2.x, MMSegmentation 0.x and MMClassification 0.x write it:
`<work_dir>/<YYYYmmdd_HHMMSS>.log.json` (JSON Lines: a meta line `{"env_info": …, "config": "<the
dumped config>", "seed": …, "exp_name": …}`, or `{}` from a notebook's `train_detector`; then
`{"mode": "train", "epoch", "iter", "lr", …, "loss", "time"}` and `{"mode": "val", "epoch", "iter",
"lr", "accuracy_top-1", …}` records), the text log `<timestamp>.log` (`Epoch [1][10/72]`) and
`<config>.py` beside. MMCV is not installed here or in CI: the shapes are those of
lyc686/OpenMMlab_AI_2023.2 @ 4bc6ebf7 (code/Task_01/*/, code/Task_02/VOC2012/log/; MMCV 1.7.1,
mmcls 0.25.0, mmdet 2.x) and ruianlc/mmcls-mmseg-mmdet-example @ 78984bb8 (*/data/output/*.log.json,
notebook runs: `{}` meta lines, `None.log.json`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from resultsbook.sources.collect import CollectRequest, collect

CONFIG = """model = dict(
    type='ImageClassifier',
    backbone=dict(type='{backbone}', widen_factor=1.0),
    head=dict(type='LinearClsHead', num_classes=5, topk=(1, 5)))
optimizer = dict(type='SGD', lr={lr}, momentum=0.9, weight_decay=4e-05)
runner = dict(type='EpochBasedRunner', max_epochs=2)
evaluation = dict(interval=1, metric='accuracy')
workflow = [('train', 1)]
work_dir = './work_dirs/{name}'
gpu_ids = range(0, 1)
seed = {seed}
"""

TEXT_LOG = """2023-02-05 19:41:36,105 - mmcls - INFO - workflow: [('train', 1)], max: 2 epochs
2023-02-05 19:41:38,315 - mmcls - INFO - Epoch [1][10/72]\tlr: 5.000e-03, time: 0.334, loss: 1.2117
"""


def meta(name: str, lr: float, seed: int, backbone: str = "MobileNetV2") -> dict:
    config = CONFIG.format(backbone=backbone, lr=lr, name=name, seed=seed)
    return {"env_info": "sys.platform: linux\nMMCV: 1.7.1", "seed": seed, "mmcls_version": "0.25.0",
            "config": config, "CLASSES": ["daisy", "rose"]}  # fmt: skip


def train(epoch: int, iteration: int, loss: float) -> dict:
    return {"mode": "train", "epoch": epoch, "iter": iteration, "lr": 0.005, "memory": 2456,
            "data_time": 0.003, "loss": loss, "time": 0.085}  # fmt: skip


def val(epoch: int, top1: float) -> dict:
    # `iter` is the length of the validation set, 18 after every epoch
    return {
        "mode": "val",
        "epoch": epoch,
        "iter": 18,
        "lr": 0.0049,
        "accuracy_top-1": top1,
        "accuracy_top-5": 100.0,
    }


def work_dir(root: Path, name: str, stamp: str, lr: float, seed: int, last: float, **kwargs: str) -> Path:
    """Write <root>/<name>/<stamp>.log.json, <stamp>.log and <name>.py, as tools/train.py does."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    lines = [meta(name, lr, seed, **kwargs), train(1, 10, 1.2), train(1, 70, 0.4), val(1, 89.9),
             train(2, 10, 0.3), train(2, 70, 0.2), val(2, last)]  # fmt: skip
    (folder / f"{stamp}.log.json").write_text("".join(json.dumps(line) + "\n" for line in lines))
    (folder / f"{stamp}.log").write_text(TEXT_LOG)
    (folder / f"{name}.py").write_text(CONFIG.format(backbone="MobileNetV2", lr=lr, name=name, seed=seed))
    return folder


def the_run(store, name):
    (run,) = [run for run in store.runs() if run.name == name]
    return run, {m["key"]: m for m in store.run_metrics(run.id)}


def test_a_work_dir_is_found_unasked_and_is_one_run_with_its_config_as_params(tmp_path, store):
    # before: "no runs found ... 2 .json file(s) ... that no adapter claims by name: read them with
    # --pattern '{run}/*.json' --adapter onefile", which read nothing ("none naming a step")
    work_dir(tmp_path / "work_dirs", "mobilenet-v2_flower5", "20230205_194128", 0.005, 822248908, 95.24648)
    work_dir(tmp_path / "work_dirs", "resnet18_flower5", "20230205_191441", 0.001, 1464604417, 94.71831)
    report = collect(store, [CollectRequest(str(tmp_path / "work_dirs"))])
    assert report.new == 2 and not report.problems
    run, metrics = the_run(store, "mobilenet-v2_flower5/20230205_194128")
    assert run.adapter == "onefile" and run.status == "finished"
    assert run.params["optimizer.lr"] == 0.005 and run.params["model.backbone.type"] == "MobileNetV2"
    assert run.params["runner.max_epochs"] == 2 and run.params["seed"] == 822248908
    assert not {"mode", "epoch", "iter", "memory", "env_info", "config", "CLASSES", "gpu_ids"} & set(
        run.params
    )
    assert metrics["accuracy_top-1"]["last"] == 95.24648 and metrics["accuracy_top-1"]["last_step"] == 2


def test_validation_is_stepped_by_epoch_and_training_by_iteration_from_the_start(tmp_path, store):
    # before (--adapter records -o step=iter): a run per (mode, epoch), validation at "iter" 18 — the
    # length of the validation set — and every epoch's training starting again at iteration 10
    work_dir(tmp_path / "work_dirs", "cfg", "20230205_194128", 0.005, 1, 95.0)
    collect(store, [CollectRequest(str(tmp_path / "work_dirs"))])
    run, metrics = the_run(store, "cfg/20230205_194128")

    def steps(key):
        return store.series(key)[run.id][0].tolist()

    assert steps("accuracy_top-1") == [1, 2]
    assert steps("loss") == [10, 70, 82, 142]  # epoch 2 starts after the 72 iterations of epoch 1
    assert steps("lr") == [10, 70, 82, 142]  # the training's; validation records repeat it
    assert "val/lr" not in metrics and "epoch" not in metrics and "iter" not in metrics


def test_without_its_text_log_the_validation_curves_are_kept_and_the_fix_named(tmp_path, store):
    folder = work_dir(tmp_path / "work_dirs", "cfg", "20230205_194128", 0.005, 1, 95.0)
    (folder / "20230205_194128.log").unlink()
    report = collect(store, [CollectRequest(str(tmp_path / "work_dirs"))])
    (problem,) = report.problems
    assert (
        problem.path.endswith("20230205_194128.log.json")
        and "20230205_194128.log, not beside it" in problem.message
    )
    _run, metrics = the_run(store, "cfg/20230205_194128")
    assert metrics["accuracy_top-1"]["last"] == 95.0 and "loss" not in metrics


def test_two_log_files_of_one_work_dir_are_two_runs_a_restart_that_died_logs_no_metric(tmp_path, store, cli):
    # lyc686's homework work_dir holds four: three attempts of 8 lines, then the training of 10 epochs
    root = tmp_path / "work_dirs"
    work_dir(root, "cfg", "20230205_194128", 0.005, 822248908, 95.24648)
    died = root / "cfg" / "20230205_193526.log.json"
    died.write_text(json.dumps(meta("cfg", 0.005, 1441747327)) + "\n" + json.dumps(train(1, 10, 1.3)) + "\n")
    os.utime(died, (1675625726, 1675625726))
    assert cli("collect", "work_dirs").output.startswith("Collected work_dirs: 2 new")
    runs = {run["name"]: run for run in json.loads(cli("runs", "--format", "json").output)["runs"]}
    assert runs["cfg/20230205_193526"]["status"] == "unknown"
    assert runs["cfg/20230205_194128"]["status"] == "finished"
    table = json.loads(
        cli("table", "--rows", "work_dir", "--metric", "accuracy_top-1", "--format", "json").output
    )
    (cell,) = table["cells"]
    assert cell["stats"]["n"] == 1 and cell["stats"]["mean"] == 95.24648


def started(resume_from, seed):
    """The meta line of a training of 4 epochs, started afresh (None) or from a checkpoint."""
    record = meta("cfg", 0.01, seed)
    record["config"] = (
        record["config"].replace("max_epochs=2", "max_epochs=4") + f"resume_from = {resume_from!r}\n"
    )
    return record


# a training that crashed in epoch 3, and its resume from epoch_2.pth (seeded anew by tools/train.py)
CRASHED = [started(None, 5), train(1, 70, 1.0), val(1, 80.0), train(2, 70, 0.8), val(2, 85.0),
           train(3, 10, 0.7)]  # fmt: skip
RESUMED = [started("./work_dirs/cfg/epoch_2.pth", 6), train(3, 10, 0.5), train(3, 70, 0.5), val(3, 88.0),
           train(4, 70, 0.4), val(4, 90.0)]  # fmt: skip


def write_log(folder: Path, stamp: str, lines: list, mtime: float) -> None:
    """Write <stamp>.log.json and <stamp>.log as tools/train.py does, last written at `mtime`."""
    for path, text in (
        (folder / f"{stamp}.log.json", "".join(json.dumps(line) + "\n" for line in lines)),
        (folder / f"{stamp}.log", TEXT_LOG),
    ):
        path.write_text(text)
        os.utime(path, (mtime, mtime))


def test_a_training_resumed_from_its_work_dir_is_one_run_to_its_end(tmp_path, store, cli):
    # before: two runs of one training, 2 "seeds" averaged into 88 ± 4 instead of its final 90
    folder = tmp_path / "work_dirs" / "cfg"
    folder.mkdir(parents=True)
    write_log(folder, "20230101_000000", CRASHED, 1672531200)
    write_log(folder, "20230101_100000", RESUMED, 1672567200)
    report = collect(store, [CollectRequest(str(tmp_path / "work_dirs"))])
    assert report.new == 1
    (problem,) = report.problems
    assert Path(problem.path).name == "20230101_100000.log.json"
    assert problem.message.startswith("resumes the training that 20230101_000000.log.json logged")
    assert problem.kept == "its records, in the run cfg/20230101_000000"
    run, metrics = the_run(store, "cfg/20230101_000000")
    assert run.status == "finished" and run.params["seed"] == 5 and run.params["resume_from"] is None
    assert store.series("accuracy_top-1")[run.id][0].tolist() == [1, 2, 3, 4]
    assert store.series("accuracy_top-1")[run.id][1].tolist() == [80.0, 85.0, 88.0, 90.0]
    assert store.series("loss")[run.id][1].tolist() == [1.0, 0.8, 0.5, 0.5, 0.4]  # epoch 3 once, resumed
    assert metrics["accuracy_top-1"]["last"] == 90.0


def test_a_resume_collected_while_the_training_runs_updates_its_run_and_leaves_none_missing(tmp_path, cli):
    """The work_dir of lyc686/OpenMMlab_AI_2023.2 @ 4bc6ebf7 (code/Task_01/mobilenet-v2_flower5/:
    20230205_194128.log.json and .log, checkpoint_config interval 5), its training cut in an epoch and
    resumed by `tools/train.py --resume-from work_dirs/<cfg>/epoch_N.pth`, which starts a new
    <timestamp>.log.json whose meta line holds the config with that resume_from."""
    # before: the second collect said "1 new, 0 updated, 0 unchanged, 1 missing, 2 problems", the joined
    # run taking the resumed log's name and a new run_id, the first one left missing
    folder = tmp_path / "work_dirs" / "cfg"
    folder.mkdir(parents=True)
    write_log(folder, "20230101_000000", CRASHED[:5], 1672538400)  # collected after epoch 2
    assert cli("collect", "work_dirs").output.startswith("Collected work_dirs: 1 new, 0 updated, 0 unchanged")
    (before,) = json.loads(cli("runs", "--format", "json").output)["runs"]
    assert before["name"] == "cfg/20230101_000000" and before["status"] == "unknown"

    write_log(folder, "20230101_000000", CRASHED, 1672542000)  # it crashed in epoch 3
    write_log(folder, "20230101_100000", RESUMED[:4], 1672567200)  # resumed: epoch 3 validated
    output = cli("collect", "work_dirs").output
    assert output.startswith("Collected work_dirs: 0 new, 1 updated, 0 unchanged, 1 problem")
    assert "missing" not in output
    (during,) = json.loads(cli("runs", "--all", "--format", "json").output)["runs"]
    assert (during["run_id"], during["name"]) == (before["run_id"], before["name"])
    assert during["status"] == "unknown"  # 3 of its 4 epochs

    write_log(folder, "20230101_100000", RESUMED, 1672574400)  # the resumed training ends
    output = cli("collect", "work_dirs").output
    assert output.startswith("Collected work_dirs: 0 new, 1 updated, 0 unchanged, 1 problem")
    (after,) = json.loads(cli("runs", "--all", "--format", "json").output)["runs"]
    assert (after["run_id"], after["status"]) == (before["run_id"], "finished")
    table = json.loads(
        cli("table", "--rows", "work_dir", "--metric", "accuracy_top-1", "--format", "json").output
    )
    (cell,) = table["cells"]
    assert cell["stats"]["n"] == 1 and cell["stats"]["mean"] == 90.0
    assert "missing" not in cli("status").output


def test_a_resume_that_died_before_logging_leaves_the_next_resume_in_the_run(tmp_path, store):
    """Shapes as above (lyc686/OpenMMlab_AI_2023.2 @ 4bc6ebf7, whose homework work_dir also holds
    starts that died after their meta line, 20230205_193526.log.json)."""
    # before: 2 new, the empty resume and the next one each a run of the training joined to the first
    folder = tmp_path / "work_dirs" / "cfg"
    folder.mkdir(parents=True)
    write_log(folder, "20230101_000000", CRASHED, 1672542000)
    write_log(folder, "20230101_050000", RESUMED[:1], 1672549200)  # died before its first record
    write_log(folder, "20230101_100000", RESUMED, 1672574400)
    report = collect(store, [CollectRequest(str(tmp_path / "work_dirs"))])
    assert report.new == 1 and len(report.problems) == 2
    run, _metrics = the_run(store, "cfg/20230101_000000")
    assert store.series("accuracy_top-1")[run.id][1].tolist() == [80.0, 85.0, 88.0, 90.0]
    assert store.series("loss")[run.id][1].tolist() == [1.0, 0.8, 0.5, 0.5, 0.4]
    assert run.status == "finished"


def test_the_resumed_log_named_alone_says_to_collect_its_work_dir(tmp_path, cli):
    """Shapes as in the test above (lyc686/OpenMMlab_AI_2023.2 @ 4bc6ebf7, a resume simulated)."""
    folder = tmp_path / "work_dirs" / "cfg"
    folder.mkdir(parents=True)
    write_log(folder, "20230101_000000", CRASHED, 1672542000)
    write_log(folder, "20230101_100000", RESUMED, 1672574400)
    result = cli("collect", "work_dirs/cfg/20230101_100000.log.json")
    assert result.exit_code == 1
    assert (
        "20230101_100000.log.json: resumes the training that 20230101_000000.log.json logged (its "
        "resume_from is a checkpoint of this work_dir), one run with it; named alone, this log adds no "
        "run: collect its work_dir — kept: its records, in the run cfg/20230101_000000"
    ) in result.output


def test_a_notebook_that_trained_again_into_one_file_gives_one_run_per_training(tmp_path, store):
    # ruianlc's hugging-mmseg/data/output/None.log.json: `{}` starts each training, an IterBasedRunner
    # (mmseg) whose validation records say "iter": 2000, the size of ADE20K's validation set
    folder = tmp_path / "output"
    folder.mkdir()

    def seg_train(iteration):
        return {
            "mode": "train",
            "epoch": 1,
            "iter": iteration,
            "lr": 0.0006,
            "decode.loss_ce": 3.0,
            "loss": 3.5,
            "time": 1.0,
        }

    def seg_val(miou):
        return {"mode": "val", "epoch": 1, "iter": 2000, "lr": 0.0005, "aAcc": 0.3, "mIoU": miou}

    lines = [{}, {}, seg_train(50), {}, seg_train(10), seg_train(20), seg_train(50), seg_val(0.0035),
             seg_train(60), seg_train(100), seg_val(0.0059)]  # fmt: skip
    (folder / "None.log.json").write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = collect(store, [CollectRequest(str(folder))])
    assert report.new == 2
    assert any("holds 2 trainings appended one after another" in p.message for p in report.problems)
    run, metrics = the_run(store, "output/None#2")
    assert store.series("mIoU")[run.id][0].tolist() == [50, 100]  # the iteration it validated after
    assert metrics["mIoU"]["last"] == 0.0059
    assert store.series("loss")[run.id][0].tolist() == [10, 20, 50, 60, 100]


LYC686 = "mmcv-logjson/lyc686-openmmlab/code/Task_01"  # three MMClassification work_dirs, 10 epochs
VOC = "mmcv-logjson/lyc686-openmmlab/code/Task_02/VOC2012/log"  # 17 attempts of one MMDetection config


def tree(realdata, name):
    if not (realdata / name).is_dir():
        pytest.skip(f"{realdata / name} is absent")
    return realdata / name


def last_val(path: Path, key: str) -> float:
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [record for record in records if record.get("mode") == "val"][-1][key]


def test_real_work_dirs_give_the_last_validation_of_each_config(realdata, cli, tmp_path):
    logs = tree(realdata, LYC686)
    assert cli("collect", str(logs)).output.startswith(
        f"Collected {logs}: 3 new, 0 updated, 0 unchanged, 0 problems"
    )
    table = json.loads(
        cli("table", "--rows", "work_dir", "--metric", "accuracy_top-1", "--format", "json").output
    )
    found = {cell["row"]["work_dir"]: cell["stats"]["mean"] for cell in table["cells"]}
    for name in ("mobilenet-v2_cifar10", "mobilenet-v2_flower5", "resnet18_8xb32_in1k"):
        (log,) = (logs / name).glob("*.log.json")
        assert found[f"./work_dirs/{name}"] == last_val(log, "accuracy_top-1")
    assert found["./work_dirs/mobilenet-v2_flower5"] == 95.24648
    runs = json.loads(cli("runs", "--format", "json").output)["runs"]
    assert {run["status"] for run in runs} == {"finished"}


def test_real_detection_attempts_are_runs_and_only_the_one_that_trained_has_an_map(realdata, cli):
    logs = tree(realdata, VOC)
    assert cli("collect", str(logs)).output.startswith(f"Collected {logs}: 17 new")
    table = json.loads(cli("table", "--rows", "exp_name", "--metric", "mAP", "--format", "json").output)
    (cell,) = table["cells"]
    assert cell["stats"]["n"] == 1 and cell["stats"]["mean"] == last_val(
        logs / "20230209_225526.log.json", "mAP"
    )
