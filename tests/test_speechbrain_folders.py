"""SpeechBrain's experiment folder, as a recipe's `output_folder` (`results/<experiment>/<seed>/`) holds
it: `train_log.txt` (a line per epoch from `speechbrain.utils.train_logger.FileTrainLogger`, `epoch: 1,
lr: 1.00e+00 - train loss: 3.21 - valid loss: 2.90, valid CER: 12.34, valid WER: 30.12`, and once
trained `Epoch loaded: 20 - test loss: 1.20, test CER: 5.60, test WER: 15.30`), `hyperparams.yaml` (the
recipe as `create_experiment_directory` copied it, HyperPyYAML's `!new:`/`!name:`/`!apply:` tags kept),
`env.log`, `log.txt`, `wer_test.txt`, `save/`. SpeechBrain is not installed here or in CI: the line
shape is FileTrainLogger's (speechbrain/speechbrain, speechbrain/utils/train_logger.py: numbers between
1 and 100 as %.2f, others as %.2e), the folders those of duartemoura/speech_project @ eebdcb69 and
731875679/speakers_recognition @ 93ed2150 (results/speaker_id/<folder>/, the speaker-id template)."""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path

import pytest

from resultsbook.sources.collect import CollectRequest, collect

HPARAMS = """\
# Generated 2025-05-11 from:
# /home/me/recipes/LibriSpeech/ASR/CTC/hparams/train.yaml
# yamllint disable
seed: {seed}
__set_seed: !apply:speechbrain.utils.seed_everything [{seed}]
output_folder: results/{experiment}/{seed}
save_folder: results/{experiment}/{seed}/save
train_log: results/{experiment}/{seed}/train_log.txt
test_wer_file: results/{experiment}/{seed}/wer_test.txt
lr: {lr}
number_of_epochs: 3
train_logger: !new:speechbrain.utils.train_logger.FileTrainLogger
  save_file: results/{experiment}/{seed}/train_log.txt
model: !new:speechbrain.lobes.models.CRDNN.CRDNN
  dnn_blocks: 2
  dnn_neurons: 512
compute_cost: !name:speechbrain.nnet.losses.ctc_loss
  blank_index: 0
"""


def value(number: float) -> str:
    """Write a number as FileTrainLogger does."""
    return f"{number:.2f}" if 1.0 < number < 100.0 else f"{number:.2e}"


def epoch_line(epoch: int, lr: float, loss: float, wer: float, key: str = "epoch") -> str:
    return (
        f"{key}: {epoch}, lr: {value(lr)} - train loss: {value(loss)} - valid loss: {value(loss - 0.3)}, "
        f"valid CER: {value(wer / 2)}, valid WER: {value(wer)}"
    )


def final_line(epoch: int, wer: float) -> str:
    return f"Epoch loaded: {epoch} - test loss: {value(1.2)}, test CER: {value(wer / 2)}, test WER: {value(wer)}"


def experiment_folder(root: Path, experiment: str, seed: int, wers: list[float], test_wer: float | None,
                      lr: float = 1.0, extra: list[str] = ()) -> Path:  # fmt: skip
    """Write results/<experiment>/<seed>/ as a SpeechBrain recipe leaves it."""
    folder = root / "results" / experiment / str(seed)
    (folder / "save").mkdir(parents=True)
    (folder / "hyperparams.yaml").write_text(HPARAMS.format(seed=seed, experiment=experiment, lr=lr))
    lines = [epoch_line(epoch, lr * 0.8 ** (epoch - 1), 3.0 - epoch / 2, wer) for epoch, wer in enumerate(wers, 1)]
    lines += extra
    if test_wer is not None:
        lines.append(final_line(len(wers) - 1, test_wer))
    (folder / "train_log.txt").write_text("\n".join(lines) + "\n")
    (folder / "env.log").write_text("SpeechBrain system description\n==============================\n")
    (folder / "log.txt").write_text("2025-05-11 12:00:02,167 - speechbrain.core - INFO - Beginning experiment!\n")
    (folder / "wer_test.txt").write_text(f"%WER {test_wer} [ 150 / 1000, 10 ins, 20 del, 120 sub ]\n")
    return folder


def test_an_experiment_folder_is_one_run_its_epochs_curves_its_test_line_the_finals(tmp_path, store):
    # before: no run was found, and the hint pointed at log.txt (Python's logging) with --pattern
    # '**/log.txt'; naming train_log.txt split its lines at the commas into text columns ("kept: the
    # numeric columns, as one run"), with no curve, no test value and no param
    experiment_folder(tmp_path, "CRDNN", 1986, [40.0, 30.5, 25.25], 15.3)
    report = collect(store, [CollectRequest(str(tmp_path / "results"))])
    assert (report.new, report.problems) == (1, ())
    (run,) = store.runs()
    assert run.name == "CRDNN/1986" and run.status == "finished" and run.adapter == "onefile"
    assert run.params["seed"] == 1986 and run.params["experiment"] == "CRDNN"
    assert run.params["lr"] == 1.0 and run.params["model.dnn_neurons"] == 512
    assert run.params["compute_cost.blank_index"] == 0  # a `!name:` function's arguments
    # where the run wrote is not a setting: else each seed differs from its replicates by its folder
    assert not {"output_folder", "save_folder", "train_log", "test_wer_file", "train_logger.save_file",
                "__set_seed"} & set(run.params)  # fmt: skip
    steps, values = store.series("valid/WER")[run.id][:2]
    assert steps.tolist() == [1, 2, 3] and values.tolist() == [40.0, 30.5, 25.25]  # stepped by epoch
    steps, values = store.series("lr")[run.id][:2]
    assert values.tolist() == [1.0, 0.8, 0.64]
    metrics = {m["key"]: m for m in store.run_metrics(run.id)}
    assert metrics["test/WER"]["summary"] == 15.3 and metrics["test/CER"]["summary"] == 7.65
    assert metrics["test/loss"]["summary"] == 1.2 and metrics["epoch_loaded"]["summary"] == 2
    assert metrics["train/loss"]["n"] == 3 and metrics["test/WER"]["n"] == 0  # finals, not curves


def test_seed_folders_are_the_replicates_of_their_experiment(tmp_path, cli):
    finals: dict[str, list[float]] = {"CRDNN": [], "conformer": []}
    for experiment, base in (("CRDNN", 15.0), ("conformer", 9.0)):
        for seed in (1986, 2602, 3407):
            test_wer = base + (seed % 7) / 4
            experiment_folder(tmp_path, experiment, seed, [40.0, 30.0], test_wer, lr=0.5)
            finals[experiment].append(float(value(test_wer)))
    assert cli("collect", "results").output.startswith("Collected results: 6 new, 0 updated, 0 unchanged, 0 problems")
    table = json.loads(cli("table", "--rows", "experiment", "--metric", "test/WER", "--format", "json").output)
    assert len(table["cells"]) == 2
    for cell in table["cells"]:
        experiment = cell["row"]["experiment"] if isinstance(cell["row"], dict) else cell["row"][0]
        assert cell["stats"]["n"] == 3
        assert cell["stats"]["mean"] == pytest.approx(statistics.mean(finals[experiment]), rel=1e-12)
        assert cell["stats"]["std"] == pytest.approx(statistics.stdev(finals[experiment]), rel=1e-12)
        assert not [mark for mark in cell["marks"] if mark["kind"] not in ("nonsig", "best")]  # no †: not mixed


def test_lines_of_another_shape_are_one_problem_and_the_others_are_kept(tmp_path, store):
    extra = ["Epoch 4: loss=1.0 wer=20", "epoch: 5, lr: 1.00e-01 - dev loss: 2.00"]
    folder = experiment_folder(tmp_path, "CRDNN", 1986, [40.0, 30.0], 15.3, extra=extra)
    report = collect(store, [CollectRequest(str(tmp_path / "results"))])
    assert report.new == 1
    (problem,) = report.problems
    log = str(folder / "train_log.txt")
    assert problem.path == log and "2 lines are not SpeechBrain train_log lines" in problem.message
    assert "(the first: line 3)" in problem.message and "\n" not in problem.message
    (run,) = store.runs()
    assert store.series("valid/WER")[run.id][0].tolist() == [1, 2]


def test_a_run_still_training_has_no_finals_and_is_not_finished(tmp_path, store):
    experiment_folder(tmp_path, "CRDNN", 1986, [40.0, 30.0], None)
    report = collect(store, [CollectRequest(str(tmp_path / "results"))])
    assert (report.new, report.problems) == (1, ())
    (run,) = store.runs()
    assert run.status == "unknown"
    assert not [m for m in store.run_metrics(run.id) if m["key"].startswith("test/")]


def test_two_test_lines_say_so_and_keep_the_last(tmp_path, store):
    # LibriSpeech's recipes test on test-clean then test-other, each writing `Epoch loaded: ...`
    folder = experiment_folder(tmp_path, "CRDNN", 1986, [40.0, 30.0], 3.1, extra=[])
    with open(folder / "train_log.txt", "a") as handle:
        handle.write(final_line(1, 8.2) + "\n")
    report = collect(store, [CollectRequest(str(tmp_path / "results"))])
    (problem,) = report.problems
    assert "holds 2 test lines" in problem.message and problem.kept.startswith("the last test line")
    (run,) = store.runs()
    metrics = {m["key"]: m for m in store.run_metrics(run.id)}
    assert metrics["test/WER"]["summary"] == 8.2


def test_hyperparams_that_are_not_yaml_are_one_problem_and_the_curves_are_kept(tmp_path, store):
    folder = experiment_folder(tmp_path, "CRDNN", 1986, [40.0, 30.0], 15.3)
    (folder / "hyperparams.yaml").write_text("seed: [1986\nlr: 1.0\n")
    report = collect(store, [CollectRequest(str(tmp_path / "results"))])
    (problem,) = report.problems
    assert problem.path.endswith("hyperparams.yaml") and "is not valid YAML" in problem.message
    (run,) = store.runs()
    assert run.params == {"experiment": "CRDNN", "seed": 1986}  # from the folders
    assert store.series("valid/WER")[run.id][1].tolist() == [40.0, 30.0]


def test_a_pattern_naming_train_log_reads_the_same_run(tmp_path, cli):
    experiment_folder(tmp_path, "CRDNN", 1986, [40.0, 30.0], 15.3)
    out = cli("collect", "results", "--pattern", "**/train_log.txt").output
    assert out.startswith("Collected results: 1 new, 0 updated, 0 unchanged, 0 problems")
    runs = json.loads(cli("runs", "--format", "json").output)["runs"]
    assert [run["name"] for run in runs] == ["CRDNN/1986"] and runs[0]["params"]["seed"] == 1986


def test_speaker_id_logs_capitalised_epoch_and_error_rates(tmp_path, store):
    folder = tmp_path / "results" / "speaker_id" / "exp4_seed42"
    folder.mkdir(parents=True)
    (folder / "hyperparams.yaml").write_text("seed: 42\noutput_folder: ./results/speaker_id/exp4_seed42\n"
                                             "noise_annotation: ./results/speaker_id/exp4_seed42/save/noise.csv\n")  # fmt: skip
    (folder / "train_log.txt").write_text(
        "Epoch: 1, lr: 1.00e-03 - train loss: 1.75 - valid loss: 1.25, valid error: 4.37e-01\n"
        "Epoch: 2, lr: 9.74e-04 - train loss: 8.79e-01 - valid loss: 6.62e-01, valid error: 2.25e-01\n"
        "Epoch loaded: 2 - test loss: 1.74e-03, test error: 0.00e+00\n"
    )
    os.utime(folder / "train_log.txt", (1746964801, 1746964801))
    assert collect(store, [CollectRequest(str(tmp_path / "results"))]).problems == ()
    (run,) = store.runs()
    assert run.name == "speaker_id/exp4_seed42" and run.params == {"experiment": "exp4_seed42", "seed": 42}
    assert store.series("valid/error")[run.id][1].tolist() == [0.437, 0.225]
    metrics = {m["key"]: m for m in store.run_metrics(run.id)}
    assert metrics["test/error"]["summary"] == 0.0 and metrics["epoch_loaded"]["summary"] == 2


def test_a_train_log_committed_without_its_hyperparams_is_read_by_the_pattern_the_hint_names(tmp_path, cli):
    # before: the hint's --pattern '**/train_log.txt' read each log as a CSV split at its commas
    for seed in (1986, 2602):
        folder = experiment_folder(tmp_path, "CRDNN", seed, [40.0, 30.0], 15.0 + seed % 3)
        (folder / "hyperparams.yaml").unlink()
    hint = cli("collect", "results").output
    assert "--pattern '**/train_log.txt'" in hint
    out = cli("collect", "results", "--pattern", "**/train_log.txt").output
    assert out.startswith("Collected results: 2 new, 0 updated, 0 unchanged, 0 problems")
    table = json.loads(cli("table", "--rows", "experiment", "--metric", "test/WER", "--format", "json").output)
    (cell,) = table["cells"]
    assert cell["stats"]["n"] == 2 and cell["stats"]["mean"] == pytest.approx(statistics.mean([15.0, 16.0]))  # 15 + seed % 3


def test_another_programs_train_log_named_by_a_pattern_is_one_problem_naming_the_csv_adapter(tmp_path, cli):
    (tmp_path / "logs" / "a").mkdir(parents=True)
    (tmp_path / "logs" / "a" / "train_log.txt").write_text("step,loss\n1,0.5\n2,0.4\n")
    out = cli("collect", "logs", "--pattern", "**/train_log.txt").output
    assert "holds no SpeechBrain train_log line" in out and "--adapter csv" in out
    out = cli("collect", "logs", "--pattern", "**/train_log.txt", "--adapter", "csv").output
    assert out.startswith("Collected logs: 1 new")
