"""SpeechBrain experiment folders other people committed (../shared/realdata, skipped when absent):
`results/speaker_id/<folder>/` of the speaker-id template, with train_log.txt, hyperparams.yaml, env.log
and log.txt, from duartemoura/speech_project @ eebdcb69 (seven folders: the 1986 seed and six variants)
and 731875679/speakers_recognition @ 93ed2150 (one, seed 1986)."""

from __future__ import annotations

import json

import pytest

TREE = "speechbrain-speakerid"


def tree(realdata):
    if not (realdata / TREE).is_dir():
        pytest.skip(f"{realdata / TREE} is absent")
    return realdata / TREE


def test_each_folder_is_one_finished_run_with_the_test_line_its_finals(realdata, cli):
    root = tree(realdata)
    out = cli("collect", str(root)).output
    assert out.startswith(f"Collected {root}: 8 new, 0 updated, 0 unchanged, 0 problems")
    runs = json.loads(cli("runs", "--format", "json").output)["runs"]
    assert {run["status"] for run in runs} == {"finished"}
    assert sorted(run["params"]["seed"] for run in runs) == [42, *[1986] * 7]
    table = json.loads(cli("table", "--rows", "experiment", "--metric", "test/error", "--format", "json").output)
    means = {}
    for cell in table["cells"]:
        experiment = cell["row"]["experiment"] if isinstance(cell["row"], dict) else cell["row"][0]
        means[experiment] = (cell["stats"]["n"], cell["stats"]["mean"])
    # the last line of each train_log.txt: `Epoch loaded: 25 - test loss: 1.70e-02, test error: 6.54e-03`
    assert means["exp1_features"] == (1, pytest.approx(6.54e-03, rel=1e-12))
    assert means["exp4_seed42"] == (1, 0.0)
    # speaker_id/1986 of both repositories: 6.47e-03 (731875679, epoch 33) and 0.00e+00 (duartemoura)
    assert means["speaker_id"] == (2, pytest.approx(6.47e-03 / 2, rel=1e-12))
