"""nnU-Net's validation summaries, read by onefile without options.

The shapes are nnU-Net's own, which is installed neither here nor in CI: v2's `summary.json` as
`compute_metrics_on_folder` writes it (MIC-DKFZ/nnUNet @ 9b10d6c0e88eacb4859c2b8ba94fccfce07e7a4b,
nnunetv2/evaluation/evaluate_predictions.py: `metric_per_case`, `mean` per label, `foreground_mean`
the mean of the labels' means without label 0), in `nnUNet_results/Dataset<ID>_<Name>/<trainer>__
<plans>__<configuration>/fold_<k>/validation/`; v1's as `aggregate_scores` writes it (`task`, `name`,
`results.all` a case each, `results.mean` per label; the foreground mean is what v1's own
`foreground_mean()` adds, MIC-DKFZ/nnUNet @ f603fd2441fcfce87c8724051ca137dcdaf8f04b,
nnunet/evaluation/add_mean_dice_to_json.py), as lixiang007666/CRF-EfficientUNet-OC-OD-Segmentation
@ 50c16e9be00295be0456c103864d6388b06606e4 committed it: `fold_<k>/` copied out of
`nnUNet/2d/Task008_Refuge/nnUNetTrainerV2__nnUNetPlansv2.1/`, its `debug.json` naming that folder."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

LABELS = ("1", "2")


def case(index: int, fold: int, shift: float) -> dict:
    dice = {label: 0.5 + 0.01 * index + 0.02 * fold + shift + 0.1 * int(label) for label in LABELS}
    return {
        "metrics": {label: {"Dice": dice[label], "IoU": dice[label] / 2, "TP": 100 + index} for label in LABELS},
        "prediction_file": f"/results/fold_{fold}/validation/hippocampus_{index:03d}.nii.gz",
        "reference_file": f"/gt_segmentations/hippocampus_{index:03d}.nii.gz",
    }


def write_v2_summary(folder: Path, fold: int, shift: float, cases: int = 12) -> float:
    """Write a v2 summary.json of `cases` cases; return its foreground_mean.Dice."""
    per_case = [case(index, fold, shift) for index in range(cases)]
    means = {
        label: {
            metric: statistics.mean(c["metrics"][label][metric] for c in per_case) for metric in ("Dice", "IoU", "TP")
        }
        for label in LABELS
    }
    foreground = {metric: statistics.mean(means[label][metric] for label in LABELS) for metric in ("Dice", "IoU", "TP")}
    folder.mkdir(parents=True)
    summary = {"foreground_mean": foreground, "mean": means, "metric_per_case": per_case}
    (folder / "summary.json").write_text(json.dumps(summary, indent=4, sort_keys=True))
    return foreground["Dice"]


def v2_tree(root: Path) -> dict[str, list[float]]:
    """Two configurations of one dataset, five folds each, as nnUNetv2_train leaves them."""
    dataset = root / "nnUNet_results" / "Dataset004_Hippocampus"
    dataset.mkdir(parents=True)
    (dataset / "nnUNetTrainer__nnUNetPlans__2d").mkdir()
    (dataset / "nnUNetTrainer__nnUNetPlans__3d_fullres").mkdir()
    written: dict[str, list[float]] = {}
    for configuration, shift in (("2d", 0.0), ("3d_fullres", 0.05)):
        trainer = dataset / f"nnUNetTrainer__nnUNetPlans__{configuration}"
        (trainer / "plans.json").write_text(json.dumps({"dataset_name": "Dataset004_Hippocampus"}))
        (trainer / "dataset.json").write_text(json.dumps({"labels": {"background": 0, "Anterior": 1, "Posterior": 2}}))
        for fold in range(5):
            dice = write_v2_summary(trainer / f"fold_{fold}" / "validation", fold, shift)
            written.setdefault(configuration, []).append(dice)
            (trainer / f"fold_{fold}" / "training_log_2024_1_1_00_00_00.txt").write_text("Epoch 0\n")
            (trainer / f"fold_{fold}" / "debug.json").write_text(json.dumps({"output_folder": str(trainer)}))
    return written


def test_v2_folds_are_runs_of_the_means_with_configuration_and_dataset_as_params(tmp_path, cli):
    written = v2_tree(tmp_path)
    collected = cli("collect", "nnUNet_results")
    assert collected.output.startswith("Collected nnUNet_results: 10 new, 0 updated, 0 unchanged, 0 problems")
    assert "Note:" not in collected.output  # no "have no param" hint: the folders are params
    runs = json.loads(cli("runs", "--format", "json").output)
    runs = runs["runs"] if isinstance(runs, dict) else runs
    assert len(runs) == 10
    shown = cli("show", "nnUNetTrainer__nnUNetPlans__3d_fullres/fold_2/validation").output
    for param in (
        "configuration = 3d_fullres",
        "dataset = Dataset004_Hippocampus",
        "fold = 2",
        "plans = nnUNetPlans",
        "trainer = nnUNetTrainer",
        "validation = validation",
    ):
        assert param in shown
    assert "foreground_mean.Dice" in shown and "mean.2.Dice" in shown
    assert "metric_per_case" not in shown and "prediction_file" not in shown and "hippocampus_0" not in shown
    table = cli(
        "table", "--rows", "configuration", "--metric", "foreground_mean.Dice", "--replicate", "fold", "--format", "json"
    )
    cells = {cell["row"]["configuration"]: cell for cell in json.loads(table.output)["cells"]}
    for configuration, dice in written.items():
        stats = cells[configuration]["stats"]
        assert stats["n"] == 5
        assert stats["mean"] == pytest.approx(statistics.mean(dice), rel=1e-12)
        assert stats["std"] == pytest.approx(statistics.stdev(dice), rel=1e-12)
    shown = cli("table", "--rows", "configuration", "--metric", "foreground_mean.Dice", "--replicate", "fold").output
    assert "over n = 5 folds" in shown and "averages" not in shown


def test_a_table_over_folds_without_replicate_fold_says_the_folds_are_the_replicates(tmp_path, cli):
    v2_tree(tmp_path)
    cli("collect", "nnUNet_results")
    shown = cli("table", "--rows", "configuration", "--metric", "foreground_mean.Dice").output
    assert (
        "averages runs that differ in fold (5 values, one per run: 0, 1, 2, …); fold has a value of its own in "
        "every run and no run has 'seed': a cross-validation's folds are its replicates, counted with "
        "--replicate fold"
    ) in shown
    assert "numbers the seeds" not in shown and "metrics=fold" not in shown  # folds are no seeds, no measurement


def test_v2_cross_validation_summary_has_no_fold_and_is_kept_apart(tmp_path, cli):
    v2_tree(tmp_path)
    trainer = tmp_path / "nnUNet_results" / "Dataset004_Hippocampus" / "nnUNetTrainer__nnUNetPlans__2d"
    write_v2_summary(trainer / "crossval_results_folds_0_1_2_3_4", 0, 0.0, cases=60)
    assert cli("collect", "nnUNet_results").output.startswith("Collected nnUNet_results: 11 new")
    shown = cli("show", "nnUNetTrainer__nnUNetPlans__2d/crossval_results_folds_0_1_2_3_4").output
    assert "validation = crossval_results_folds_0_1_2_3_4" in shown and "configuration = 2d" in shown
    assert "fold =" not in shown
    mixed = cli("table", "--rows", "configuration", "--metric", "foreground_mean.Dice", "--replicate", "fold")
    assert "differ in validation (crossval_results_folds_0_1_2_3_4, validation)" in mixed.output


def v1_summary(fold: int, labels: dict[str, float]) -> dict:
    """A v1 summary.json: the cases under results.all, the label means under results.mean."""
    mean = {label: {"Dice": dice, "Jaccard": dice / (2 - dice), "Total Positives Test": 1000} for label, dice in
            labels.items()}  # fmt: skip
    cases = [{label: {"Dice": dice - 0.01 * k} for label, dice in labels.items()} for k in range(80)]
    return {
        "author": "Fabian",
        "description": "",
        "id": f"c9c0083552{fold}f",
        "name": "nnUNetTrainerV2 val tiled True",
        "results": {"all": cases, "mean": mean},
        "task": "Task008_Refuge",
        "timestamp": "2021-05-16 22:17:47.470598",
    }


def test_v1_folds_copied_out_of_their_folders_get_configuration_from_debug_json(tmp_path, cli):
    trained = "/home/user/nnUNet_trained_models/nnUNet/2d/Task008_Refuge/nnUNetTrainerV2__nnUNetPlansv2.1"
    foreground = []
    for fold in range(5):
        labels = {"0": 0.1, "1": 0.90 + 0.01 * fold, "2": 0.96, "3": float("nan")}
        foreground.append((labels["1"] + labels["2"]) / 2)  # v1's foreground_mean(): 0 left out, NaN too
        folder = tmp_path / "repo" / f"fold_{fold}"
        (folder / "validation_raw").mkdir(parents=True)
        text = json.dumps(v1_summary(fold, labels), indent=4)
        (folder / "validation_raw" / "summary.json").write_text(text)
        (folder / "validation_raw" / "validation_args.json").write_text(json.dumps({"step_size": 0.5}))
        (folder / "debug.json").write_text(json.dumps({"fold": str(fold), "output_folder": f"{trained}/fold_{fold}"}))
    collected = cli("collect", "repo").output
    assert collected.startswith("Collected repo: 5 new, 0 updated, 0 unchanged, 5 problems")  # label 3's NaN
    assert "final value(s) are NaN/Infinity (the first: 'mean.3.Dice') — kept: as NaN/±inf" in collected
    shown = cli("show", "fold_3/validation_raw").output
    for param in ("configuration = 2d", "dataset = Task008_Refuge", "fold = 3", "trainer = nnUNetTrainerV2"):
        assert param in shown
    assert "results.all" not in shown and "mean.1.Dice" in shown
    table = cli("table", "--rows", "configuration", "--metric", "foreground_mean.Dice", "--replicate", "fold",
                "--format", "json")  # fmt: skip
    stats = json.loads(table.output)["cells"][0]["stats"]
    assert stats["n"] == 5
    assert stats["mean"] == pytest.approx(statistics.mean(foreground), rel=1e-12)


def test_a_v2_trainer_folder_committed_without_debug_json_takes_its_dataset_from_plans_json(tmp_path, cli):
    """zzl120/nnUNetV2-- @ 860edf46 commits a v2 trainer folder at the repository's root
    (`nnUNetTrainer_50epochs__nnUNetPlans__3d_fullres/`, no `Dataset004_Hippocampus/` above it) with
    its `plans.json` (`"dataset_name": "Dataset004_Hippocampus"`, as nnU-Net v2 writes it there) and
    `dataset.json`; here its folds' debug.json, the only other place naming the dataset, are left out."""
    # before: the folds had no `dataset` param, so a table by dataset found none
    trainer = tmp_path / "repo" / "nnUNetTrainer_50epochs__nnUNetPlans__3d_fullres"
    trainer.mkdir(parents=True)
    plans = {"dataset_name": "Dataset004_Hippocampus", "plans_name": "nnUNetPlans", "configurations": {}}
    (trainer / "plans.json").write_text(json.dumps(plans, indent=4))
    (trainer / "dataset.json").write_text(json.dumps({"labels": {"background": 0, "Anterior": 1, "Posterior": 2}}))
    dice = [write_v2_summary(trainer / f"fold_{fold}" / "validation", fold, 0.0) for fold in range(5)]
    assert cli("collect", "repo").output.startswith("Collected repo: 5 new, 0 updated, 0 unchanged, 0 problems")
    shown = cli("show", "nnUNetTrainer_50epochs__nnUNetPlans__3d_fullres/fold_2/validation").output
    for param in ("configuration = 3d_fullres", "dataset = Dataset004_Hippocampus", "fold = 2"):
        assert param in shown
    table = cli("table", "--rows", "dataset", "--metric", "foreground_mean.Dice", "--replicate", "fold",
                "--format", "json")  # fmt: skip
    (cell,) = json.loads(table.output)["cells"]
    assert cell["row"]["dataset"] == "Dataset004_Hippocampus" and cell["stats"]["n"] == 5
    assert cell["stats"]["mean"] == pytest.approx(statistics.mean(dice), rel=1e-12)


def test_a_summary_json_of_another_shape_is_read_as_before(tmp_path, cli):
    folder = tmp_path / "runs" / "a"
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps({"lr": 0.1, "results": {"acc": [0.5, 0.7]}}))
    assert cli("collect", "runs").output.startswith("Collected runs: 1 new")
    shown = cli("show", "runs/a").output
    assert "lr = 0.1" in shown and "results.acc" in shown
