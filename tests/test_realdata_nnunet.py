"""nnU-Net v1 folds other people committed (../shared/realdata, skipped when absent):
lixiang007666/CRF-EfficientUNet-OC-OD-Segmentation @ 50c16e9be00295be0456c103864d6388b06606e4 keeps
`fold_0` … `fold_4` of `nnUNet/2d/Task008_Refuge/nnUNetTrainerV2__nnUNetPlansv2.1/` at its root, each
with `validation_raw/summary.json` and `validation_raw_postprocessed/summary.json` (80 cases each) and
the `debug.json` that names the folder the fold was trained in."""

from __future__ import annotations

import json
import statistics

import pytest

REFUGE = "nnunet-v1-refuge"


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
