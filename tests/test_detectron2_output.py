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


def output_folder(root: Path, name: str, config: str = CONFIG) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text("".join(json.dumps(line) + "\n" for line in LINES))
    (folder / "config.yaml").write_text(config)
    (folder / "last_checkpoint").write_text("model_best.pth")
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
    report = collect(store, [CollectRequest(str(tmp_path))])
    assert report.new == 1
    (run,) = store.runs()
    assert run.adapter == "tensorboard"
    assert run.params["SOLVER.BASE_LR"] == 1e-07 and run.params["MODEL.WEIGHTS"] == "model_final.pth"


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
