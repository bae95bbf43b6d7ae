"""Keras Tuner's project folders: `keras_tuner.RandomSearch(..., directory="my_dir",
project_name="helloworld")` writes `my_dir/helloworld/oracle.json` (the search's state), `tuner0.json`
(`{}`) and a `trial_<id>/` folder per trial holding `trial.json`, `build_config.json` and
`checkpoint.weights.h5`. Keras Tuner is installed neither here nor in CI: the shapes are those
keras-tuner 1.4.8 wrote in a scratch venv (keras_tuner/src/engine/trial.py `Trial.get_state`,
oracle.py `Oracle.get_state` and `_save_trial`, metrics_tracking.py `MetricHistory.update`, which
appends a second execution's value at a step to that step's `value` list), and those committed by
geekasah/sentiment-analysis @ 9e40b99a (trial_00/trial.json, trial_03/trial.json: COMPLETED, one
observation at the best epoch) and viraatvv/sentanalysis8th @ ee9fed64 (deep supervised/my_dir/
my_project/: oracle.json, trial_0/ and trial_1/ FAILED with their traceback as `message`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from resultsbook.sources.collect import CollectRequest, collect

SPACE = [
    {"class_name": "Int", "config": {"name": "units", "default": None, "conditions": [], "min_value": 32,
                                     "max_value": 256, "step": 32, "sampling": "linear"}},
    {"class_name": "Float", "config": {"name": "learning_rate", "default": 0.0001, "conditions": [],
                                       "min_value": 0.0001, "max_value": 0.01, "step": None, "sampling": "log"}},
    {"class_name": "Choice", "config": {"name": "optimizer", "default": "adam", "conditions": [],
                                        "values": ["adam", "rmsprop"], "ordered": False}},
]  # fmt: skip


def metric(direction: str, *observations: tuple[int, list[float]]) -> dict[str, Any]:
    return {"direction": direction, "observations": [{"value": value, "step": step} for step, value in observations]}


def trial(
    project: Path, trial_id: str, values: dict[str, Any], metrics: dict[str, Any], score: float | None,
    best_step: int = 0, status: str = "COMPLETED", message: str | None = None,
) -> Path:  # fmt: skip
    """Write trial_<id>/ as Keras Tuner leaves it."""
    folder = project / f"trial_{trial_id}"
    folder.mkdir(parents=True)
    document = {
        "trial_id": trial_id,
        "hyperparameters": {"space": SPACE, "values": values},
        "metrics": {"metrics": metrics},
        "score": score,
        "best_step": best_step,
        "status": status,
        "message": message,
    }
    (folder / "trial.json").write_text(json.dumps(document))
    (folder / "build_config.json").write_text('{"input_shape": null}')
    (folder / "checkpoint.weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n")
    return folder


def project_folder(root: Path, name: str = "helloworld") -> Path:
    """Write a finished search of three trials, its objective val_loss (better low)."""
    project = root / "my_dir" / name
    project.mkdir(parents=True)
    oracle = {
        "ongoing_trials": {}, "hyperparameters": {"space": SPACE, "values": {"units": 32}},
        "start_order": ["0", "1", "2"], "end_order": ["0", "1", "2"], "run_times": {"0": 1, "1": 1, "2": 1},
        "retry_queue": [], "seed": 1734, "seed_state": 1744, "tried_so_far": ["a781", "bea4", "6898"],
        "id_to_hash": {"0": "bea4", "1": "a781", "2": "6898"},
        "display": {"search_start": "2023-12-16T17:06:21.487806", "trial_start": {}, "trial_number": {}},
    }  # fmt: skip
    (project / "oracle.json").write_text(json.dumps(oracle))
    (project / "tuner0.json").write_text("{}")
    for trial_id, units, loss in (("0", 64, 0.50), ("1", 128, 0.31), ("2", 64, 0.42)):
        values = {"units": units, "learning_rate": 0.001, "optimizer": "adam"}
        metrics = {
            "loss": metric("min", (4, [loss - 0.1])),
            "accuracy": metric("max", (4, [1 - loss / 2])),
            "val_loss": metric("min", (4, [loss])),
            "val_accuracy": metric("max", (4, [1 - loss])),
        }
        trial(project, trial_id, values, metrics, score=loss, best_step=4)
    return project


def test_a_project_folder_is_a_run_per_trial_its_values_the_params_its_observations_curves(tmp_path, store):
    # before: no run was found unasked; the hint's --adapter onefile made `hyperparameters.space` one
    # param of JSON text, each observation's `step` a curve (4 at step 0) and its value nothing
    project_folder(tmp_path)
    report = collect(store, [CollectRequest(str(tmp_path / "my_dir"))])
    assert (report.new, report.problems) == (3, ())  # oracle.json and tuner0.json are no runs
    runs = {run.name: run for run in store.runs()}
    assert sorted(runs) == ["helloworld/trial_0", "helloworld/trial_1", "helloworld/trial_2"]
    run = runs["helloworld/trial_1"]
    assert run.status == "finished" and run.adapter == "onefile"
    assert dict(run.params) == {"units": 128, "learning_rate": 0.001, "optimizer": "adam", "project": "helloworld"}
    steps, values = store.series("val_loss")[run.id][:2]
    assert steps.tolist() == [4] and values.tolist() == [0.31]  # at the step Keras Tuner logged
    metrics = {m["key"]: m for m in store.run_metrics(run.id)}
    assert metrics["objective_score"]["summary"] == 0.31 and metrics["best_step"]["summary"] == 4
    assert "score" not in metrics and not [key for key in metrics if "observations" in key]


def test_several_executions_at_a_step_are_their_mean_and_one_problem_says_so(tmp_path, store):
    # as a tuner that reports each epoch of executions_per_trial=2 leaves it (Keras Tuner 1.0's
    # callback did): the second execution's values appended to each step's list
    project = tmp_path / "my_dir" / "custom"
    val = metric("max", (0, [0.5, 0.75]), (1, [0.625, 0.875]), (2, [0.5, 0.5]))
    folder = trial(project, "0", {"x": -1.0}, {"val_score": val, "loss": metric("min", (0, [1.0]))}, score=0.75)
    report = collect(store, [CollectRequest(str(project))])
    assert report.new == 1
    (problem,) = report.problems
    assert problem.path == str(folder / "trial.json")
    assert "up to 2 values at one step of 'val_score'" in problem.message and "execution" in problem.message
    assert problem.kept == "each step's mean, as Keras Tuner scores a trial"
    (run,) = store.runs()
    steps, values = store.series("val_score")[run.id][:2]
    assert steps.tolist() == [0, 1, 2] and values.tolist() == [0.625, 0.75, 0.5]
    assert dict(run.params) == {"x": -1}  # no oracle.json above: no project


def test_a_failed_trial_is_failed_with_its_traceback_and_no_score(tmp_path, store, cli):
    # viraatvv/sentanalysis8th's trials: FAILED, `metrics` empty, score null, best_step 0
    project = tmp_path / "my_dir" / "my_project"
    (project).mkdir(parents=True)
    (project / "oracle.json").write_text(json.dumps({"ongoing_trials": {}, "tried_so_far": []}))
    error = (
        "Traceback (most recent call last):\n  File \"base_tuner.py\", line 273, in _try_run_and_update_trial\n"
        "ValueError: Input 0 of layer \"sequential\" is incompatible with the layer: expected shape=(None, 448)\n"
    )
    trial(project, "0", {"feats": 4, "seq_len": 448}, {}, score=None, status="FAILED", message=error)
    trial(project, "1", {"feats": 8, "seq_len": 128}, {}, score=None, status="INVALID", message=error)
    trial(project, "2", {"feats": 8, "seq_len": 64}, {"val_loss": metric("min", (0, [0.9]))}, None, status="RUNNING")
    report = collect(store, [CollectRequest(str(tmp_path / "my_dir"))])
    assert (report.new, report.problems) == (3, ())
    runs = {run.name: run for run in store.runs()}
    assert [runs[f"my_project/trial_{i}"].status for i in "012"] == ["failed", "failed", "running"]
    failed = runs["my_project/trial_0"]
    assert failed.provenance["error"] == error
    assert not store.run_metrics(failed.id)  # no best_step 0 of a trial that never scored
    status = cli("status").output
    assert "failed      my_project/trial_0" in status and "expected shape=(None, 448)" in status


def test_the_score_has_no_goal_from_its_name_and_the_table_says_how_to_give_it(tmp_path, cli):
    # the objective here is val_loss: a `score` would have read as higher-is-better and the worst
    # trial been bold
    project_folder(tmp_path)
    assert cli("collect", "my_dir").output.startswith("Collected my_dir: 3 new, 0 updated, 0 unchanged, 0 problems")
    shown = cli("table", "--rows", "units", "--metric", "objective_score")
    assert "**" not in shown.output
    assert "'objective_score' has no goal, so no cell of it is bold; give it with --goal objective_score=max" in (
        shown.output
    )
    shown = cli("table", "--rows", "units", "--metric", "objective_score", "--goal", "objective_score=min").output
    assert "**0.31**" in shown and "lower is better" in shown  # the trial of the lowest val_loss


def test_a_trial_json_out_of_its_folder_is_named_by_its_trial_id(tmp_path, cli):
    # rayonking123/deep-learning-challenge-Mod-21 @ 5bc83d55 commits a RUNNING Hyperband trial.json at
    # its root: no trial_<id>/ folder, so the empty collect's hint names it
    values = {"optimizer": "rmsprop", "first_units": 64, "tuner/epochs": 2, "tuner/round": 0}
    folder = trial(tmp_path / "repo", "0002", values, {}, score=None, status="RUNNING")
    (folder / "trial.json").rename(tmp_path / "repo" / "trial.json")
    shutil.rmtree(folder)
    hint = cli("collect", "repo").output
    assert "--pattern '**/trial.json' --adapter onefile" in hint
    cli("collect", "repo", "--pattern", "**/trial.json", "--adapter", "onefile")
    runs = json.loads(cli("runs", "--format", "json").output)["runs"]
    assert [(run["name"], run["status"], run["params"]["tuner/epochs"]) for run in runs] == [
        ("repo/trial_0002", "running", 2)
    ]


def test_oracle_and_tuner_files_are_no_runs_when_every_json_file_is_asked_for(tmp_path, store):
    # following the hint collect gave before (--adapter onefile), or naming every JSON file
    project_folder(tmp_path)
    for request in (
        CollectRequest(str(tmp_path / "my_dir"), adapter="onefile"),
        CollectRequest(str(tmp_path / "my_dir"), adapter="onefile", pattern="**/*.json"),
    ):
        report = collect(store, [request])
        names = sorted(run.name for run in store.runs())
        assert names == ["helloworld/trial_0", "helloworld/trial_1", "helloworld/trial_2"]
        assert [p.path for p in report.problems] in ([], [str(tmp_path / "my_dir/helloworld/oracle.json")])
    (problem,) = report.problems
    assert "is Keras Tuner's oracle.json" in problem.message and "trial_<id>/trial.json" in problem.message
