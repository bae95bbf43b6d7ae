"""Hugging Face Trainer output folders, written by transformers itself (tests/fixtures/hf_trainer)."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest
from trackers import FIXTURES, copy_fixture, expected, last_values, read_tree, same_number

from resultsbook.voice import to_command_line


@pytest.fixture
def root(tmp_path):
    return copy_fixture("hf_trainer", tmp_path)


def age(folder, seconds):
    """Make every file under folder look `seconds` old."""
    moment = time.time() - seconds
    for current, _, files in os.walk(folder):
        for name in files:
            os.utime(os.path.join(current, name), (moment, moment))


def test_every_output_folder_agrees_with_transformers_trainer_state(root):
    age(root, 7200)
    found = read_tree(root)
    want = {item["source"]: item for item in expected("hf_trainer")["runs"]}
    assert sorted(found) == sorted(want)  # checkpoint-N folders are not runs of their own
    for source, item in want.items():
        run, problems, adapter = found[source]
        assert adapter == "hf_trainer"
        assert {k: len(s) for k, s in run.metrics.items()} == item["points"]
        finals = last_values(run)
        # the evaluation after train() (save_state() comes first, as in run_glue.py) is the last point
        evaluated = {k: v for k, v in item["results"].items() if k.startswith("eval_") and k in item["final"]}
        assert all(same_number(finals[k], v) for k, v in {**item["final"], **evaluated}.items())
        assert all(same_number(run.summary[k], v) for k, v in item["results"].items())
        assert run.provenance["global_step"] == item["global_step"]
        assert run.provenance["max_steps"] == item["max_steps"]
        assert run.status == ("finished" if item["finished"] else "failed")
        assert run.params.get("seed") == item["seed"]
        if item["finished"]:
            assert problems == []


def test_crashed_run_reads_its_newest_checkpoint_and_fails_once_stale(root):
    crashed = root / "out" / "crashed"
    age(crashed, 7200)
    run, problems, _ = read_tree(root)["out/crashed"]
    assert run.provenance["state_from"] == "checkpoint-4/trainer_state.json"
    assert run.status == "failed" and run.provenance["incomplete"] is True
    assert [p.message for p in problems] == [
        "training stopped at step 4 of 8 and nothing was written for over 60 min"
    ]
    age(crashed, 10)
    assert read_tree(root)["out/crashed"][0].status == "running"


def test_training_args_bin_is_never_unpickled(root, monkeypatch):
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("a pickle was loaded")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    # no training_args.json there: what trainer_state.json records of the setup, nothing unpickled
    assert read_tree(root)["out/seed2"][0].params == {"train_batch_size": 4, "num_train_epochs": 2}


def test_epoch_logged_on_the_train_and_eval_entry_of_a_step_is_one_point(root):
    run, problems, _ = read_tree(root)["out/seed1"]
    assert problems == []
    assert list(run.metrics["epoch"].steps) == [2, 4, 6, 8]
    assert list(run.metrics["eval_accuracy"].steps) == [4, 8]


def test_trial_params_of_a_search_become_params(root):
    path = root / "out" / "seed2" / "trainer_state.json"
    state = json.loads(path.read_text())
    state["trial_params"] = {"learning_rate": 3e-4, "seed": 7}
    path.write_text(json.dumps(state))
    assert read_tree(root)["out/seed2"][0].params == {
        "learning_rate": 3e-4,
        "seed": 7,
        "train_batch_size": 4,
        "num_train_epochs": 2,
    }


def test_training_args_json_wins_over_what_trainer_state_records(root):
    path = root / "out" / "seed1" / "training_args.json"
    args = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps({**args, "num_train_epochs": 3}))
    run = read_tree(root)["out/seed1"][0]
    assert run.params["num_train_epochs"] == 3 and run.params["train_batch_size"] == 4


def test_output_paths_of_training_args_are_provenance_not_config(root):
    run = read_tree(root)["out/seed1"][0]
    assert "output_dir" not in run.params and run.provenance["output_dir"].endswith("out/seed1")
    assert run.params["learning_rate"] == 0.001 and run.params["seed"] == 1


def test_a_wandb_folder_inside_an_output_folder_is_named_with_the_command_that_reads_it(root):
    # output_dir="./" (seen in github.com/MS0117/ATP @ 8f5eee27): all_results.json at the project
    # root made `collect .` one Hugging Face run, and the 131 W&B runs under wandb/ vanished unsaid
    wandb = root / "out" / "seed1" / "wandb"
    shutil.copytree(FIXTURES / "wandb_step_metric" / "wandb", wandb)
    problems = read_tree(root)["out/seed1"][1]
    assert [(p.path, p.message) for p in problems] == [
        (str(wandb), "holds W&B runs, not read as part of the Hugging Face output folder around it")
    ]
    assert f"`resultsbook collect {wandb}` reads them" in problems[0].kept


def test_a_state_file_cut_off_mid_write_is_reported_and_the_results_kept(root):
    path = root / "out" / "seed2" / "trainer_state.json"
    path.write_text(path.read_text()[:200])
    run, problems, _ = read_tree(root)["out/seed2"]
    assert [p.message[:17] for p in problems] == ["is not valid JSON"]
    [item] = [item for item in expected("hf_trainer")["runs"] if item["source"] == "out/seed2"]
    assert run.metrics == {} and run.summary["eval_accuracy"] == item["results"]["eval_accuracy"]
    assert run.status == "finished"  # train_results.json says train() returned


def test_log_history_entries_that_are_not_objects_are_counted_and_the_others_kept(root):
    path = root / "out" / "seed1" / "trainer_state.json"
    state = json.loads(path.read_text())
    # a callback that appended to state.log_history by hand, as a list and a bare number
    state["log_history"][1:1] = [["loss", 0.7], 0.7]
    path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    run, problems, _ = read_tree(root)["out/seed1"]
    assert [p.describe() for p in problems] == [
        f"{path}: 2 log_history entries are not objects — kept: the others"
    ]
    assert list(run.metrics["loss"].steps) == [2, 4, 6, 8]


def test_a_metric_logged_as_a_list_is_counted_by_name_and_its_other_values_kept(root):
    path = root / "out" / "seed1" / "trainer_state.json"
    state = json.loads(path.read_text())
    # compute_metrics returning per-class scores: Trainer logs the list as it is
    for entry in state["log_history"]:
        if "eval_loss" in entry:
            entry["eval_f1_per_class"] = [0.5, 0.75]
    path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    run, problems, _ = read_tree(root)["out/seed1"]
    assert [p.describe() for p in problems] == [
        f"{path}: 2 value(s) of 'eval_f1_per_class' in log_history are not numbers — kept: the rest"
    ]
    assert "eval_f1_per_class" not in run.metrics and list(run.metrics["eval_accuracy"].steps) == [4, 8]


def test_results_that_are_not_numbers_are_counted_and_the_numbers_kept(root):
    path = root / "out" / "seed1" / "all_results.json"
    results = json.loads(path.read_text())
    # trainer.save_metrics("all", metrics) writes whatever compute_metrics returned
    results["eval_f1_per_class"] = [0.5, 0.75]
    results["eval_confusion"] = {"tp": 3, "fp": 1}
    path.write_text(json.dumps(results, indent=4, sort_keys=True))
    run, problems, _ = read_tree(root)["out/seed1"]
    assert [p.describe() for p in problems] == [f"{path}: 2 value(s) are not numbers — kept: the numbers"]
    assert run.summary["eval_accuracy"] == results["eval_accuracy"] and "eval_confusion" not in run.summary


def evaluate_after_training(root, run, *evaluations):
    """Append what run_glue.py's `trainer.evaluate()` calls after train() log, and save eval/all_results."""
    path = root / "out" / run / "trainer_state.json"
    state = json.loads(path.read_text())
    step, epoch = state["global_step"], state["log_history"][-1]["epoch"]
    for values in evaluations:
        state["log_history"].append({"epoch": epoch, **values, "step": step})
    path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    results = root / "out" / run / "all_results.json"
    first = dict(evaluations[0])
    mismatched = {f"{k}_mm": v for k, v in evaluations[1].items()} if len(evaluations) > 1 else {}
    results.write_text(json.dumps({**json.loads(results.read_text()), **first, **mismatched}, indent=4))
    return step


def test_the_evaluation_after_training_is_the_last_point_without_a_problem(root):
    # run_glue.py with load_best_model_at_end: evaluate() after train() scores the best checkpoint at
    # the last step, where the last epoch's evaluation was logged too; every run gave 4 problems
    step = evaluate_after_training(root, "seed1", {"eval_accuracy": 0.875, "eval_loss": 0.5})
    run, problems, _ = read_tree(root)["out/seed1"]
    assert problems == []
    assert run.metrics["eval_accuracy"].steps[-1] == step and last_values(run)["eval_accuracy"] == 0.875
    assert list(run.metrics["eval_accuracy"].steps) == [4, 8]


def test_mnli_mismatched_evaluation_does_not_pass_for_the_matched_accuracy(root):
    # run_glue.py on MNLI evaluates the matched set, then the mismatched one, both logged as eval_*;
    # all_results.json says eval_accuracy (matched) and eval_accuracy_mm: the last point was the latter
    evaluate_after_training(root, "seed1", {"eval_accuracy": 0.84}, {"eval_accuracy": 0.85})
    run, problems, _ = read_tree(root)["out/seed1"]
    assert problems == []
    assert last_values(run)["eval_accuracy"] == 0.84 == run.summary["eval_accuracy"]
    assert run.summary["eval_accuracy_mm"] == 0.85


def test_a_newest_checkpoint_within_save_steps_of_the_end_does_not_call_the_run_failed(root):
    # github.com/BaarTeek123/llms_finetuning @ 3fc63eae: results/checkpoint-500 … checkpoint-25000 of
    # max_steps 25257, save_steps 500 (transformers 4.41.2 saved nothing at the last step): it was
    # "failed", "training stopped at step 25000 of 25257", though no checkpoint was due after 25000
    crashed = root / "out" / "crashed"
    path = crashed / "checkpoint-4" / "trainer_state.json"
    state = json.loads(path.read_text())
    path.write_text(json.dumps({**state, "max_steps": 6}))  # save_steps 4: the next save was past the end
    age(crashed, 7200)
    run, problems, _ = read_tree(root)["out/crashed"]
    assert run.status == "unknown" and "incomplete" not in run.provenance
    assert [p.describe() for p in problems] == [
        f"{crashed}: its newest checkpoint is at step 4 of 6, the last save due before the end "
        "(save_steps = 4): whether training ran to the end is not recorded (trainer.save_state() after "
        "train() would say) — kept: the run, as unknown, with the log history of its newest checkpoint"
    ]


def test_a_checkpoint_of_epoch_saving_short_of_the_end_calls_a_stale_run_failed(root):
    """save_strategy = "epoch" (checkpoint-156 of 234, 78 steps an epoch; save_steps keeps its default
    500): the run was `unknown`, "the last save due before the end (save_steps = 500)", and averaged
    into the table; an epoch's saving is due at the end too, so a stale run stopped."""
    crashed = root / "out" / "crashed"
    path = crashed / "checkpoint-4" / "trainer_state.json"
    state = json.loads(path.read_text())
    path.write_text(json.dumps({**state, "max_steps": 6, "save_steps": 500}))
    age(crashed, 7200)
    run, problems, _ = read_tree(root)["out/crashed"]
    assert run.status == "failed" and run.provenance["incomplete"] is True
    assert [p.message for p in problems] == [
        "training stopped at step 4 of 6 and nothing was written for over 60 min"
    ]


def test_a_checkpoint_folder_collected_by_itself_names_its_run_and_the_commands(root):
    # `resultsbook collect out/seed1/checkpoint-8` (the wrong folder): a second run of seed 1, unsaid
    checkpoint = root / "out" / "seed1" / "checkpoint-8"
    with to_command_line():
        [(run, problems, _)] = read_tree(checkpoint).values()
    assert run.name == "checkpoint-8"
    assert [p.describe() for p in problems] == [
        f"{checkpoint}: is checkpoint 8 of the Hugging Face output folder {root / 'out' / 'seed1'}/, read "
        "as a run of its own: it repeats the first steps of that folder's run — kept: the checkpoint as a "
        f"run; resultsbook forget {checkpoint} removes it, resultsbook collect {root / 'out' / 'seed1'}/ "
        "reads the run"
    ]
    # a crashed run's folder holds only checkpoints: the checkpoint is all there is, nothing to say
    age(root / "out" / "crashed", 0)  # still being written: a checkout's old files would be called failed
    [(_, alone, _)] = read_tree(root / "out" / "crashed" / "checkpoint-4").values()
    assert alone == []


def test_a_checkpoint_of_another_training_in_a_reused_output_folder_is_named(cli, tmp_path):
    """An output folder reused by a second training (max_steps 20000, batch size 2) read only its
    newest checkpoint: the first training's checkpoint-225, finished with eval_accuracy 0.81, was
    dropped without a word. (trainer_state.json as transformers' TrainerState writes it.)"""
    first = {
        "global_step": 225,
        "max_steps": 225,
        "num_train_epochs": 1,
        "train_batch_size": 8,
        "save_steps": 500,
        "log_history": [
            {"step": 100, "loss": 2.0},
            {"step": 225, "eval_accuracy": 0.81},
            {"step": 225, "train_runtime": 100.0, "train_loss": 1.7},
        ],
    }
    second = {**first, "global_step": 1000, "max_steps": 20000, "train_batch_size": 2}
    second["log_history"] = [{"step": 500, "loss": 3.3}, {"step": 1000, "loss": 3.1}]
    for state in (first, second):
        folder = tmp_path / "out" / f"checkpoint-{state['global_step']}"
        folder.mkdir(parents=True)
        (folder / "trainer_state.json").write_text(json.dumps(state))
    collected = cli("collect", "out")
    assert collected.exit_code == 0 and "1 new, 0 updated, 0 unchanged, 1 problem" in collected.output
    assert (
        "out/checkpoint-225: is the newest checkpoint of another training left in this output folder "
        "(max_steps 225, train_batch_size 8; the run read, from checkpoint-1000/trainer_state.json, has "
        "max_steps 20000, train_batch_size 2) — kept: nothing from it; resultsbook collect "
        "out/checkpoint-225 reads it as a run of its own"
    ) in collected.output
    assert cli("collect", "out/checkpoint-225").exit_code == 0
    assert "0.81" in cli("runs", "--metric", "eval_accuracy").output


def test_an_older_checkpoint_of_a_training_resumed_with_more_epochs_is_no_other_training(cli, tmp_path):
    """A training of 3 epochs (checkpoint-300) resumed with 5 left checkpoint-300 named as "another
    training", with a collect that added a duplicate run; its log_history is the start of the run's.
    (trainer_state.json as transformers' TrainerState writes it: transformers is not installed.)"""

    def state(max_steps, epochs):
        history = [{"step": s, "epoch": s / 100, "loss": 1 / s} for s in range(100, max_steps + 1, 100)]
        return {
            "max_steps": max_steps,
            "num_train_epochs": epochs,
            "train_batch_size": 8,
            "global_step": max_steps,
            "epoch": max_steps / 100,
            "log_history": history,
        }

    out = tmp_path / "out"
    for folder, max_steps, epochs in (("checkpoint-300", 300, 3), ("checkpoint-500", 500, 5), ("", 500, 5)):
        (out / folder).mkdir(parents=True, exist_ok=True)
        (out / folder / "trainer_state.json").write_text(json.dumps(state(max_steps, epochs)))
    collected = cli("collect", "out")
    assert collected.exit_code == 0 and "1 new, 0 updated, 0 unchanged, 0 problems" in collected.output
    # its history another (a second training of 300 steps), it is named (read afresh: the run is unchanged)
    other = state(300, 3)
    other["log_history"][0]["loss"] = 0.5
    (out / "checkpoint-300" / "trainer_state.json").write_text(json.dumps(other))
    named = cli("collect", "out", "--db", "other.db").output
    assert "out/checkpoint-300: is the newest checkpoint of another training" in named


def test_a_run_with_only_checkpoints_takes_its_model_name_from_the_newest_one(root):
    # github.com/BaarTeek123/llms_finetuning @ 3fc63eae: results/checkpoint-N/config.json name
    # prajjwal1/bert-tiny, and the run had no model at all: `--rows model.name_or_path` left it out
    crashed = root / "out" / "crashed"
    config = {"_name_or_path": "prajjwal1/bert-tiny", "model_type": "bert", "hidden_size": 128}
    (crashed / "checkpoint-4" / "config.json").write_text(json.dumps(config))
    run = read_tree(root)["out/crashed"][0]
    assert run.params == {
        "train_batch_size": 4,
        "num_train_epochs": 2,
        "model.name_or_path": "prajjwal1/bert-tiny",
        "model.model_type": "bert",
    }


def test_the_task_run_glue_py_wrote_into_the_model_config_is_a_param(root):
    # run_glue.py --task_name rte / mrpc into glue/rte, glue/mrpc: the task was only in the folder
    # names (and training_args.bin), so a table by model averaged both tasks in one cell, unmarked
    for task in ("rte", "mrpc"):
        shutil.copytree(root / "out" / "seed2", root / "glue" / task)
        config = {"_name_or_path": "bert-base-cased", "model_type": "bert", "finetuning_task": task}
        (root / "glue" / task / "config.json").write_text(json.dumps(config))
    found = read_tree(root / "glue")
    assert {source: run.params.get("model.finetuning_task") for source, (run, _, _) in found.items()} == {
        "rte": "rte",
        "mrpc": "mrpc",
    }


def test_a_results_file_named_by_itself_reads_its_output_folder_not_a_second_run(root):
    # `resultsbook collect glue/rte/seed1/all_results.json`: the onefile adapter made it a run of
    # its own (no params, status unknown) beside the output folder's run of the same training
    for name in ("all_results.json", "eval_results.json", "trainer_state.json"):
        [(source, (run, _, adapter))] = read_tree(root / "out" / "seed1" / name).items()
        assert (adapter, run.name, run.status) == ("hf_trainer", "seed1", "finished")
        assert source == ".."  # the folder, relative to the file named
    alone = root / "elsewhere"
    alone.mkdir()
    shutil.copy(root / "out" / "seed1" / "all_results.json", alone)  # no Trainer folder around it
    [(_, (_, _, adapter))] = read_tree(alone / "all_results.json").items()
    assert adapter != "hf_trainer"


def test_run_glues_evaluation_after_training_is_the_last_point_though_log_history_lacks_it():
    """run_glue.py calls save_state() before evaluate(): eval_results.json holds 0.70 (the best
    checkpoint, reloaded), log_history ends at the last epoch's 0.68, and the table showed 0.68."""
    from resultsbook.adapters.hf_trainer import read_log_history

    history = [
        {"epoch": 1.0, "eval_accuracy": 0.63, "step": 78},
        {"epoch": 2.0, "eval_accuracy": 0.70, "step": 156},
        {"epoch": 3.0, "eval_accuracy": 0.68, "step": 234},
        {"epoch": 3.0, "step": 234, "train_runtime": 1234.5, "train_loss": 0.3},
    ]
    series = read_log_history(
        "trainer_state.json", history, [], {"eval_accuracy": 0.70, "eval_samples": 1000}
    )
    accuracy = series["eval_accuracy"]
    assert list(accuracy.steps) == [78, 156, 234] and list(accuracy.values) == [0.63, 0.70, 0.70]
    assert "eval_samples" not in series  # reported, never a curve
