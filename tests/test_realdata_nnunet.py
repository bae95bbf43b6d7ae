"""nnU-Net folds other people committed (../shared/realdata, skipped when absent).

v1: lixiang007666/CRF-EfficientUNet-OC-OD-Segmentation @ 50c16e9be00295be0456c103864d6388b06606e4 keeps
`fold_0` … `fold_4` of `nnUNet/2d/Task008_Refuge/nnUNetTrainerV2__nnUNetPlansv2.1/` at its root, each
with `validation_raw/summary.json` and `validation_raw_postprocessed/summary.json` (80 cases each) and
the `debug.json` that names the folder the fold was trained in.

v2: zzl120/nnUNetV2-- @ 860edf46acf620ad0ca33bdb1b0a864c042fd2b7 keeps
`nnUNetTrainer_50epochs__nnUNetPlans__3d_fullres/fold_0` … `fold_4` at its root (without the
`Dataset004_Hippocampus/` above it, which each `debug.json` names), `validation/summary.json` of
52 cases each."""

from __future__ import annotations

import json
import statistics

import pytest

REFUGE = "nnunet-v1-refuge"
HIPPOCAMPUS = "nnunet-v2-hippocampus"


def test_five_folds_are_five_replicates_of_the_2d_configuration_with_nnunets_own_means(realdata, cli):
    tree = realdata / REFUGE
    if not tree.is_dir():
        pytest.skip(f"{tree} is absent")
    collected = cli("collect", str(tree)).output
    assert collected.startswith(f"Collected {tree}: 10 new, 0 updated, 0 unchanged, 0 problems")
    assert "have no param" not in collected
    shown = cli("show", "fold_3/validation_raw").output
    for param in ("configuration = 2d", "dataset = Task008_Refuge", "fold = 3", "validation = validation_raw"):
        assert param in shown
    assert "results.all" not in shown  # the 80 cases are no curve
    table = cli("table", "--rows", "configuration", "--columns", "validation", "--metric", "foreground_mean.Dice",
                "--replicate", "fold", "--format", "json")  # fmt: skip
    cells = {cell["column"]["validation"]: cell["stats"] for cell in json.loads(table.output)["cells"]}
    for validation in ("validation_raw", "validation_raw_postprocessed"):
        means = []
        for fold in range(5):
            summary = json.loads((tree / f"fold_{fold}" / validation / "summary.json").read_text())
            labels = summary["results"]["mean"]
            means.append((labels["1"]["Dice"] + labels["2"]["Dice"]) / 2)  # v1's foreground_mean(): 0 left out
        assert cells[validation]["n"] == 5
        assert cells[validation]["mean"] == pytest.approx(statistics.mean(means), rel=1e-12)
        assert cells[validation]["std"] == pytest.approx(statistics.stdev(means), rel=1e-12)
    # the repository's ensembles/Task008_Refuge/summary.csv says `2d,0.9228,0.9624,0.9426` (its own
    # evaluation of the five folds' predictions together); the mean of the folds' means rounds the same
    assert round(cells["validation_raw"]["mean"], 4) == 0.9426
    printed = cli("table", "--rows", "configuration", "--columns", "validation", "--metric", "foreground_mean.Dice",
                  "--replicate", "fold").output  # fmt: skip
    assert "0.943 ± 0.001" in printed and "over n = 5 folds" in printed


def test_v2_folds_of_a_trainer_folder_take_the_dataset_from_debug_json_and_keep_nnunets_foreground_mean(
    realdata, cli
):
    tree = realdata / HIPPOCAMPUS
    if not tree.is_dir():
        pytest.skip(f"{tree} is absent")
    collected = cli("collect", str(tree)).output
    assert collected.startswith(f"Collected {tree}: 5 new, 0 updated, 0 unchanged, 0 problems")
    assert "have no param" not in collected
    shown = cli("show", "nnUNetTrainer_50epochs__nnUNetPlans__3d_fullres/fold_4/validation").output
    for param in ("configuration = 3d_fullres", "dataset = Dataset004_Hippocampus", "fold = 4",
                  "trainer = nnUNetTrainer_50epochs"):  # fmt: skip
        assert param in shown
    assert "metric_per_case" not in shown  # the 52 cases are no curve
    trainer = tree / "nnUNetTrainer_50epochs__nnUNetPlans__3d_fullres"
    own = [json.loads((trainer / f"fold_{k}" / "validation" / "summary.json").read_text()) for k in range(5)]
    dice = [summary["foreground_mean"]["Dice"] for summary in own]
    assert dice[0] == 0.8920046426174826  # nnU-Net's own number, as it wrote it
    table = cli("table", "--rows", "configuration", "--columns", "dataset", "--metric", "foreground_mean.Dice",
                "--replicate", "fold", "--format", "json")  # fmt: skip
    stats = json.loads(table.output)["cells"][0]["stats"]
    assert stats["n"] == 5
    assert stats["mean"] == pytest.approx(statistics.mean(dice), rel=1e-12)
    assert stats["std"] == pytest.approx(statistics.stdev(dice), rel=1e-12)
    runs = json.loads(cli("runs", "--metric", "foreground_mean.Dice", "--format", "json").output)["runs"]
    assert sorted(run["metrics"]["foreground_mean.Dice"]["summary"] for run in runs) == sorted(dice)
