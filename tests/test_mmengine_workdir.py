"""MMEngine's work_dir, as MMDetection 3.x, MMSegmentation 1.x, MMPretrain and MMPose 1.x write it:
`<work_dir>/<timestamp>/vis_data/scalars.json` (JSON Lines: training records stepped by iteration,
validation records stepped by epoch, both holding `data_time` and `time`), `vis_data/config.py` (the
dumped config, Python) and `<timestamp>.log` beside `vis_data/`. MMEngine is not installed here or in
CI: the shapes are those of Xuer0313/Openmmlab_AICamp @ 768afc72 (task2/mmpretrain/exp*/) and
Dolijun/mmcamp2_assignment @ 967f4c02 (04_mmseg_assign/20230616_220241/, 02_mmpretrain_assign/out_0/),
written by MMEngine 0.7.3 and 0.7.4."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from resultsbook.sources.collect import CollectRequest, collect

CONFIG = """auto_scale_lr = dict(base_batch_size=256)
default_scope = 'mmpretrain'
model = dict(
    backbone=dict(depth=50, out_indices=(3, ), type='ResNet'),
    head=dict(num_classes=30, topk=(1, 5), type='LinearClsHead'),
    type='ImageClassifier')
optim_wrapper = dict(optimizer=dict(lr={lr}, momentum=0.9, type='SGD'))
randomness = dict(deterministic=False, seed=None)
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1)
val_cfg = dict()
work_dir = './work_dirs/{name}'
"""

LOG = """2023/06/08 01:41:29 - mmengine - INFO -
------------------------------------------------------------
System environment:
    sys.platform: linux
    MMEngine: 0.7.3

Runtime environment:
    cudnn_benchmark: False
    dist_cfg: {{'backend': 'nccl'}}
    seed: {seed}
    Distributed launcher: none
------------------------------------------------------------
"""


def train(iteration: int, epoch: int, loss: float) -> dict:
    return {
        "lr": 0.001, "data_time": 0.065, "loss": loss, "time": 0.24,
        "epoch": epoch, "iter": iteration, "memory": 2965, "step": iteration,
    }  # fmt: skip


def val(epoch: int, top1: float) -> dict:
    return {"accuracy/top1": top1, "data_time": 0.17, "time": 0.22, "step": epoch}


def records(last_top1: float) -> list[dict]:
    first = train(20, 1, 3.29)
    # MMEngine writes the first training record twice
    return [
        first,
        first,
        train(40, 1, 2.9),
        val(1, 79.3),
        train(60, 2, 0.9),
        train(80, 2, 0.5),
        val(2, last_top1),
    ]


def run_folder(root: Path, name: str, stamp: str, lr: float, last_top1: float, seed: object = 7) -> Path:
    """Write <root>/<name>/<stamp>/vis_data/{scalars.json,config.py,<stamp>.json} and <stamp>.log."""
    vis = root / name / stamp / "vis_data"
    vis.mkdir(parents=True)
    text = "".join(json.dumps(record) + "\n" for record in records(last_top1))
    (vis / "scalars.json").write_text(text)
    (vis / f"{stamp}.json").write_text(text)
    (vis / "config.py").write_text(CONFIG.format(lr=lr, name=name))
    (root / name / stamp / f"{stamp}.log").write_text(LOG.format(seed=seed))
    return vis


def the_run(store, name):
    (run,) = [run for run in store.runs() if run.name == name]
    return run, {m["key"]: m for m in store.run_metrics(run.id)}


def test_a_work_dir_is_one_run_per_training_with_its_config_as_params(tmp_path, store):
    # before: "no runs found ... 2 file(s) named scalars.json ... that no adapter claims by name", and the
    # pattern it named (--adapter onefile) made each training record a run: 112 runs of two trainings,
    # `epoch`, `iter` and `memory` their params
    run_folder(tmp_path / "work_dirs", "resnet50_lr1e-3", "20230608_014129", 0.001, 93.0180)
    run_folder(tmp_path / "work_dirs", "resnet50_lr1e-1", "20230607_232741", 0.1, 63.1757, seed=2081338617)
    report = collect(store, [CollectRequest(str(tmp_path / "work_dirs"))])
    assert report.new == 2 and not report.problems
    run, metrics = the_run(store, "resnet50_lr1e-3/20230608_014129")
    assert run.adapter == "onefile" and run.status == "finished"
    assert run.params["optim_wrapper.optimizer.lr"] == 0.001
    assert run.params["work_dir"] == "./work_dirs/resnet50_lr1e-3"
    assert run.params["seed"] == 7  # the seed the log names, as randomness.seed = None drew it
    assert run.params["model.backbone.depth"] == 50 and run.params["model.head.topk"] == "[1, 5]"
    assert not {"epoch", "iter", "memory", "step"} & set(run.params)
    assert metrics["accuracy/top1"]["last"] == 93.0180 and metrics["accuracy/top1"]["last_step"] == 2
    other, _ = the_run(store, "resnet50_lr1e-1/20230607_232741")
    assert other.params["seed"] == 2081338617 and other.params["optim_wrapper.optimizer.lr"] == 0.1


def test_training_and_validation_timings_are_two_curves_each_at_its_own_steps(tmp_path, store):
    # before: `time` and `data_time` of both kinds of record made one curve: steps 20, 40, 1, 60, 80, 2
    run_folder(tmp_path / "work_dirs", "cfg", "20230608_014129", 0.001, 93.0)
    collect(store, [CollectRequest(str(tmp_path / "work_dirs"))])
    run, metrics = the_run(store, "cfg/20230608_014129")

    def steps(key):
        return store.series(key)[run.id][0].tolist()

    assert steps("time") == [20, 40, 60, 80] and steps("data_time") == [20, 40, 60, 80]
    assert steps("val/time") == [1, 2] and store.series("val/data_time")[run.id][1].tolist() == [0.17, 0.17]
    assert steps("accuracy/top1") == [1, 2]
    assert metrics["epoch"]["last"] == 2 and metrics["iter"]["last"] == 80


def test_seeds_set_in_the_config_are_the_replicates_of_one_cell(tmp_path, cli):
    # before: the cell was marked † "averages runs that differ in randomness.seed (1, 2, 3)"
    for seed, top1 in ((1, 90.0), (2, 91.0), (3, 92.5)):
        vis = run_folder(tmp_path / "work_dirs", "rtm", f"2024010{seed}_000000", 0.001, top1, seed=seed)
        config = (vis / "config.py").read_text().replace("seed=None", f"seed={seed}")
        (vis / "config.py").write_text(config)
    (tmp_path / "work_dirs" / "rtm" / "20240103_000000" / "20240103_000000.log").unlink()  # the config's seed
    assert cli("collect", "work_dirs").output.startswith("Collected work_dirs: 3 new")
    table = json.loads(
        cli("table", "--rows", "work_dir", "--metric", "accuracy/top1", "--format", "json").output
    )
    (cell,) = table["cells"]
    assert cell["stats"]["n"] == 3 and cell["stats"]["mean"] == pytest.approx((90.0 + 91.0 + 92.5) / 3)
    assert not [mark for mark in cell["marks"] if mark["kind"] != "few"]
    runs = json.loads(cli("runs", "--format", "json").output)["runs"]
    assert sorted(run["params"]["seed"] for run in runs) == [1, 2, 3]
    assert not [run for run in runs if "randomness.seed" in run["params"]]


def test_a_run_stopped_before_its_last_epoch_is_not_finished(tmp_path, store):
    vis = run_folder(tmp_path, "cfg", "20230608_014129", 0.001, 93.0)
    lines = (vis / "scalars.json").read_text().splitlines(keepends=True)
    (vis / "scalars.json").write_text("".join(lines[:4]))  # killed during epoch 2
    collect(store, [CollectRequest(str(tmp_path))])
    (run,) = store.runs()
    assert run.status == "unknown"


def test_config_expressions_that_are_not_plain_data_are_left_out(tmp_path, store):
    vis = run_folder(tmp_path, "cfg", "20230608_014129", 0.001, 93.0)
    config = (vis / "config.py").read_text()
    (vis / "config.py").write_text(
        config + "import os\nlauncher = os.environ.get('LAUNCHER')\nbatch = 4 * 8\n"
    )
    report = collect(store, [CollectRequest(str(tmp_path))])
    (run,) = store.runs()
    assert run.params["optim_wrapper.optimizer.lr"] == 0.001
    assert "launcher" not in run.params and not report.problems


def test_a_pattern_naming_scalars_json_reads_the_config_beside_it(tmp_path, store):
    run_folder(tmp_path, "cfg", "20230608_014129", 0.001, 93.0)
    request = CollectRequest(str(tmp_path), pattern="{config}/{stamp}/vis_data/scalars.json")
    assert collect(store, [request]).new == 1
    (run,) = store.runs()
    assert run.params["config"] == "cfg" and run.params["optim_wrapper.optimizer.lr"] == 0.001
    assert run.params["seed"] == 7


def test_tensorboard_events_beside_scalars_json_leave_the_run_to_scalars_json(tmp_path, store):
    # TensorboardVisBackend writes the same scalars into vis_data/ as events, without the config
    vis = run_folder(tmp_path, "cfg", "20230608_014129", 0.001, 93.0)
    events = ROOT / "tests" / "fixtures" / "tensorboard" / "logs" / "tbx_seed0"
    for event_file in events.glob("events.out.tfevents.*"):
        shutil.copy(event_file, vis)
    assert collect(store, [CollectRequest(str(tmp_path))]).new == 1
    (run,) = store.runs()
    assert run.adapter == "onefile" and run.params["optim_wrapper.optimizer.lr"] == 0.001


def write_scalars(vis: Path, lines: list[dict], mtime: float) -> None:
    """Write a run folder's scalars.json (and its <stamp>.json copy), last written at `mtime`."""
    text = "".join(json.dumps(record) + "\n" for record in lines)
    for path in (vis / "scalars.json", vis / f"{vis.parent.name}.json"):
        path.write_text(text)
        os.utime(path, (mtime, mtime))


def test_a_resume_collected_while_the_training_runs_updates_its_run_and_leaves_none_missing(tmp_path, cli):
    """The run folder of Xuer0313/Openmmlab_AICamp @ 768afc72 (task2/mmpretrain/exp/20230607_232741/,
    CheckpointHook interval 1, `last_checkpoint` beside), its training cut in an epoch and resumed by
    `tools/train.py --resume`, which starts a new <timestamp>/ run folder whose vis_data/config.py
    says `resume = True` (`load_from = None`: the work_dir's last checkpoint) and whose scalars.json
    goes on at the resumed iteration."""
    # before: "1 new, 0 updated, 1 unchanged", two runs of one training that a table averaged as two
    # (the Xuer0313 run cut at epoch 41 and resumed to epoch 60: "59 ± 3 … over n = 2 runs" where its
    # last validation is 60.59, marked † for "runs that differ in resume (false, true)")
    first = run_folder(tmp_path / "work_dirs", "cfg", "20230608_014129", 0.001, 93.0)
    lines = records(93.0)
    write_scalars(first, lines[:4], 1686188500)  # collected after epoch 1's validation
    assert cli("collect", "work_dirs").output.startswith("Collected work_dirs: 1 new, 0 updated, 0 unchanged")
    (before,) = json.loads(cli("runs", "--format", "json").output)["runs"]
    assert before["name"] == "cfg/20230608_014129" and before["status"] == "unknown"

    write_scalars(first, lines[:5], 1686189000)  # it died in epoch 2, after iteration 60
    second = run_folder(tmp_path / "work_dirs", "cfg", "20230608_020000", 0.001, 93.0, seed=8)
    (second / "config.py").write_text(
        (second / "config.py").read_text() + "load_from = None\nresume = True\n"
    )
    resumed = [train(60, 2, 0.7), train(60, 2, 0.7)]  # from epoch_1.pth; the first record twice
    write_scalars(second, resumed, 1686190000)
    output = cli("collect", "work_dirs").output
    assert output.startswith("Collected work_dirs: 0 new, 1 updated, 0 unchanged, 1 problem")
    assert "missing" not in output
    assert (
        "20230608_020000/vis_data/scalars.json: resumes the training that run folder 20230608_014129 "
        "logged (its config.py has resume = True, from a checkpoint of this work_dir), one run with it; "
        "named alone, this folder adds no run: collect its work_dir — kept: its records, in the run "
        "cfg/20230608_014129"
    ) in output
    (during,) = json.loads(cli("runs", "--all", "--format", "json").output)["runs"]
    assert (during["run_id"], during["name"], during["status"]) == (
        before["run_id"],
        before["name"],
        "unknown",
    )

    write_scalars(second, [*resumed, train(80, 2, 0.5), val(2, 93.0)], 1686191000)  # it ends
    assert cli("collect", "work_dirs").output.startswith("Collected work_dirs: 0 new, 1 updated")
    (after,) = json.loads(cli("runs", "--all", "--format", "json").output)["runs"]
    assert (after["run_id"], after["status"], after["params"]["seed"]) == (before["run_id"], "finished", 7)
    table = json.loads(
        cli("table", "--rows", "work_dir", "--metric", "accuracy/top1", "--format", "json").output
    )
    (cell,) = table["cells"]
    assert cell["stats"]["n"] == 1 and cell["stats"]["mean"] == 93.0
    (run,) = json.loads(cli("runs", "--metric", "loss", "--format", "json").output)["runs"]
    loss = run["metrics"]["loss"]  # iteration 60 once, from the resumed training: 3.29, 2.9, 0.7, 0.5
    assert (loss["n"], loss["last_step"], loss["mean"]) == (
        4,
        80.0,
        pytest.approx((3.29 + 2.9 + 0.7 + 0.5) / 4),
    )


REAL = "mmengine-workdirs"


def test_real_work_dirs_give_the_last_validation_of_each_config(realdata, cli):
    """Two MMPretrain trainings of one config at two learning rates (Xuer0313/Openmmlab_AICamp @
    768afc72), and an MMSegmentation training whose log names seed 0 (Dolijun/mmcamp2_assignment @
    967f4c02); the values are the last validation records of their scalars.json."""
    root = realdata / REAL
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    pretrain = root / "xuer0313-mmpretrain"
    collected = cli("collect", str(pretrain)).output
    assert collected.startswith(f"Collected {pretrain}: 2 new, 0 updated, 0 unchanged, 0 problems")
    table = cli(
        "table", "--rows", "optim_wrapper.optimizer.lr", "--metric", "accuracy/top1", "--format", "json"
    )
    cells = {
        cell["row"]["optim_wrapper.optimizer.lr"]: cell["stats"] for cell in json.loads(table.output)["cells"]
    }
    # the last lines of exp_lr1e-3/.../scalars.json and exp/.../scalars.json
    assert cells == {0.001: {"n": 1, "mean": 93.01802062988281, "std": None},
                     0.1: {"n": 1, "mean": 63.17567443847656, "std": None}}  # fmt: skip
    seg = root / "dolijun-mmcamp2" / "04_mmseg_assign"
    assert cli("collect", str(seg)).output.startswith(f"Collected {seg}: 1 new")
    runs = cli("runs", "--where", "seed=0", "--metric", "mIoU", "--format", "csv").output.splitlines()
    assert len(runs) == 2 and runs[1].split(",")[-1] == "83.8"


def test_the_timestamp_json_copy_named_alone_is_the_same_run_as_its_folder(tmp_path, cli):
    # before: vis_data/<timestamp>.json (what MMDetection's analyze_logs.py is given) was read by records
    # as 4 runs, each training record's epoch and memory their params
    run_folder(tmp_path / "work_dirs", "rtm", "20240101_000000", 0.001, 93.0)
    copy = "work_dirs/rtm/20240101_000000/vis_data/20240101_000000.json"
    assert cli("collect", copy).output.startswith(f"Collected {copy}: 1 new")
    assert cli("collect", "work_dirs").output.startswith("Collected work_dirs: 0 new, 0 updated, 1 unchanged")
    (run,) = json.loads(cli("runs", "--format", "json").output)["runs"]
    assert run["source"].endswith("vis_data/scalars.json") and run["params"]["seed"] == 7
