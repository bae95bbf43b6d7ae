"""Detectron2's output folder: metrics.json (one JSON object per line, stepped by `iteration`, training
lines and evaluation lines with other keys), config.yaml (the run's full config) and last_checkpoint,
often beside the event files of the same scalars. Shaped as norlab-ulaval/droneSegmentation commits it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import ROOT

from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.store import Store

CONFIG = "MODEL:\n  WEIGHTS: model_final.pth\nSEED: -1\nSOLVER:\n  BASE_LR: 1.0e-07\n  MAX_ITER: 20000\n"
LINES = [
    {"data_time": 0.012, "iteration": 19, "loss_ce": 4.35, "lr": 9.99e-09, "total_loss": 7.9},
    {"iteration": 499, "sem_seg/mIoU": 31.75, "sem_seg/ACC-Dead Trees": float("nan"), "sem_seg/pACC": 60.1},
    {"data_time": 0.011, "iteration": 519, "loss_ce": 2.12, "lr": 9.98e-09, "total_loss": 5.6},
    {
        "iteration": 999,
        "sem_seg/mIoU": 34.01842,
        "sem_seg/ACC-Dead Trees": float("nan"),
        "sem_seg/pACC": 64.8,
    },
]


STARTED = "[08/30 15:28:26] d2.engine.train_loop INFO: Starting training from iteration 0\n"
ITERATION = "[08/30 15:28:31] d2.utils.events INFO:  eta: 1:02:03  iter: 999  total_loss: 5.6  lr: 9.98e-09\n"
ENDED = (
    "[08/30 16:39:07] d2.engine.hooks INFO: Overall training speed: 998 iterations in 0:03:24 (0.2032 s / it)\n"
    "[08/30 16:39:07] d2.engine.hooks INFO: Total training time: 0:03:39 (0:00:15 on hooks)\n"
)
RAISED = (
    "[09/03 07:24:52] d2.engine.train_loop ERROR: Exception during training:\n"
    "Traceback (most recent call last):\n"
    '  File "/opt/conda/lib/python3.10/site-packages/torch/serialization.py", line 629, in save\n'
    "RuntimeError: [enforce fail at inline_container.cc:764] . PytorchStreamWriter failed writing file\n"
)


def output_folder(
    root: Path, name: str, config: str = CONFIG, log: str = STARTED + ITERATION + ENDED
) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text("".join(json.dumps(line) + "\n" for line in LINES))
    (folder / "config.yaml").write_text(config)
    (folder / "last_checkpoint").write_text("model_best.pth")
    (folder / "log.txt").write_text(log)
    return folder


def metrics_of(store: Store, name: str) -> dict:
    (run,) = [run for run in store.runs() if run.name == name]
    return run, {m["key"]: m for m in store.run_metrics(run.id)}


def test_a_metrics_json_is_one_run_stepped_by_iteration_with_its_config_as_params(tmp_path, store):
    # before: onefile took metrics.json for one JSON document: "is not valid JSON (Extra data at line 2)"
    output_folder(tmp_path / "tree", "output_finetuning1e7")
    output_folder(tmp_path / "tree", "output_finetuning_last", CONFIG.replace("1.0e-07", "1.0e-08"))
    report = collect(store, [CollectRequest(str(tmp_path / "tree"))])
    assert report.new == 2 and not [p for p in report.problems if "JSON" in p.message]
    run, metrics = metrics_of(store, "tree/output_finetuning1e7")
    assert run.adapter == "onefile"
    assert run.params["SOLVER.BASE_LR"] == 1e-07 and run.params["SOLVER.MAX_ITER"] == 20000
    assert metrics["sem_seg/mIoU"]["last"] == 34.01842 and metrics["sem_seg/mIoU"]["last_step"] == 999
    assert metrics["total_loss"]["last"] == 5.6
    other, _ = metrics_of(store, "tree/output_finetuning_last")
    assert other.params["SOLVER.BASE_LR"] == 1e-08


def test_records_reads_a_json_lines_file_named_json(tmp_path, store):
    # before: --adapter records parsed the .json as one document and read nothing from it
    folder = output_folder(tmp_path, "output")
    request = CollectRequest(str(folder / "metrics.json"), adapter="records", options={"step": "iteration"})
    report = collect(store, [request])
    assert report.new == 1
    (run,) = store.runs()
    metrics = {m["key"]: m for m in store.run_metrics(run.id)}
    assert metrics["sem_seg/mIoU"]["last"] == 34.01842


def test_event_files_of_a_detectron2_output_folder_take_its_config_as_params(tmp_path, store):
    # Detectron2 writes its scalars to event files too, and no hparams: the run had no params at all
    folder = tmp_path / "output_new_finetuning"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tensorboard" / "logs" / "tbx_seed0", folder)
    (folder / "config.yaml").write_text(CONFIG)
    (folder / "last_checkpoint").write_text("model_0039999.pth")
    (folder / "log.txt").write_text(STARTED + ITERATION + ENDED)
    report = collect(store, [CollectRequest(str(tmp_path))])
    assert report.new == 1
    (run,) = store.runs()
    assert run.adapter == "tensorboard"
    assert run.params["SOLVER.BASE_LR"] == 1e-07 and run.params["MODEL.WEIGHTS"] == "model_final.pth"
    # its event files end far before SOLVER.MAX_ITER, and its log says training ended
    assert run.status == "interrupted"
    assert run.name == f"{tmp_path.name}/output_new_finetuning"  # as onefile names one with its metrics.json


def test_metrics_json_beside_the_event_files_is_read_for_its_exact_values(tmp_path, store):
    # the event files hold the same scalars as float32: 34.01842 was 34.018421173095703
    folder = output_folder(tmp_path / "tree", "output")
    events = ROOT / "tests" / "fixtures" / "tensorboard" / "logs" / "tbx_seed0"
    for event_file in events.glob("events.out.tfevents.*"):
        shutil.copy(event_file, folder)
    collect(store, [CollectRequest(str(tmp_path / "tree"))])
    (run,) = store.runs()
    metrics = {m["key"]: m for m in store.run_metrics(run.id)}
    assert (run.adapter, run.name) == ("onefile", "tree/output")
    assert metrics["sem_seg/mIoU"]["last"] == 34.01842
    assert "val/acc" not in metrics  # the event files' scalars (another run's, here) are not read


def test_records_without_a_step_says_its_runs_differ_only_in_the_iteration(tmp_path, store):
    # before: 127 runs, one per line of Publaynet's metrics.json, and 0 problems
    folder = output_folder(tmp_path, "output")
    report = collect(store, [CollectRequest(str(folder / "metrics.json"), adapter="records")])
    assert report.new == len(LINES)
    (problem,) = [problem for problem in report.problems if "'iteration'" in problem.message]
    assert problem.message == (
        "4 runs differ only in 'iteration', a step: where each record is a point of a curve, name its step "
        "field with the 'step' option (step=iteration)"
    )


def test_the_status_comes_from_the_log_the_checkpoint_and_how_far_the_metrics_went(tmp_path, store, cli):
    # before: every Detectron2 run was `unknown`, so a cell averaging runs stopped at 2% of their
    # SOLVER.MAX_ITER (Ctrl-C) or crashed (a full disk while saving a checkpoint) had no mark
    tree = tmp_path / "tree"
    output_folder(tree, "done", CONFIG.replace("20000", "1000"))  # its metrics reach iteration 999
    output_folder(tree, "stopped")  # the session ended at 999 of 20000, no exception logged
    output_folder(tree, "crashed", log=STARTED + ITERATION + RAISED + ENDED)  # the hooks' end comes after
    output_folder(tree, "writing", log=STARTED + ITERATION)  # still running, or killed with -9
    final = output_folder(tree, "final", log=STARTED + ITERATION)
    (final / "last_checkpoint").write_text("model_final.pth")
    collect(store, [CollectRequest(str(tree))])
    statuses = {run.name: run.status for run in store.runs()}
    assert statuses == {
        "tree/done": "finished",
        "tree/stopped": "interrupted",
        "tree/crashed": "failed",
        "tree/writing": "unknown",
        "tree/final": "finished",
    }
    lines = cli("status").output.splitlines()
    shown = " | ".join(line.strip() for line in RAISED.splitlines()[1:])  # the traceback's last 3 lines
    assert f"              {shown}" in lines
    shown = cli("show", "tree/crashed").output.splitlines()  # before: no error at all, the error being text
    at = shown.index("  error: Exception during training:")
    assert shown[at + 1 : at + 5] == [
        "  traceback (last lines):",
        *(f"    {line}" for line in RAISED.splitlines()[1:]),
    ]
    assert (
        "              training ended at step 999 of SOLVER.MAX_ITER = 20000 without an exception (Ctrl-C or a signal)"
        in lines
    )


def test_diff_of_a_stopped_run_and_a_finished_one_shows_the_error_and_no_blank_fact(tmp_path, store, cli):
    # the finished run has no provenance at all: diff showed a row without a name, `{}` beside `(absent)`
    output_folder(tmp_path / "tree", "done", CONFIG.replace("20000", "1000"))
    output_folder(tmp_path / "tree", "stopped")
    collect(store, [CollectRequest(str(tmp_path / "tree"))])
    lines = cli("diff", "tree/done", "tree/stopped").output.splitlines()
    assert [line.split()[0] for line in lines[2:]] == ["SOLVER.MAX_ITER", "status", "error"]
