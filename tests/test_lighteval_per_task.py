"""Hugging Face lighteval results files (the Open LLM Leaderboard's among them) read with
`-o per_task=true`: one run per task, a models × tasks table of one metric. lighteval is installed
neither here nor in CI; the shapes are its own: huggingface/lighteval @
3fd15266bc8448b797e61462d293aa3fd40b3580, src/lighteval/logging/evaluation_tracker.py
(`<output_dir>/results/<model_name>/results_<date>.json`), src/lighteval/logging/info_loggers.py (the
`all` mean, the `<task>:_average|<shots>` groups) and docs/source/saving-and-reading-results.mdx (the
`gsm8k|0` file with `config_tasks`, `summary_tasks`); the leaderboard's `harness|<task>|<shots>` keys and
values as open-llm-leaderboard/details_HenryJJ__Instruct_Mistral-7B-v0.1_Dolly15K's
results_2024-01-04T13-27-32.660899.json publishes them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

PER_TASK = ("--adapter", "onefile", "-o", "per_task=true")
PATTERN = "{org}/{model}/results_{stamp}.json"


def _leaderboard(model: str, arc: float, gsm8k: float) -> dict[str, Any]:
    """Return an Open LLM Leaderboard results file (lighteval, `harness|<task>|<shots>` keys, `all`)."""
    results = {
        "harness|arc:challenge|25": {"acc": arc, "acc_stderr": 0.0145, "acc_norm": arc + 0.04},
        "harness|gsm8k|5": {"acc": gsm8k, "acc_stderr": 0.0131},
        "harness|truthfulqa:mc|0": {"mc1": 0.28, "mc1_stderr": 0.0157, "mc2": 0.44, "mc2_stderr": 0.0142},
    }
    return {
        "config_general": {
            "lighteval_sha": "494ee12240e716e804ae9ea834f84a2c864c07ca",
            "num_few_shot_default": 0,
            "num_fewshot_seeds": 1,
            "max_samples": None,
            "model_name": model,
            "model_sha": "84430552036c85cc6a16722b26496df4d93f3afe",
            "model_dtype": "torch.bfloat16",
        },
        "results": {"all": {"acc": (arc + gsm8k) / 2, "acc_stderr": 0.0138}, **results},
        "versions": {"all": 0, **{key: 0 for key in results}},
        "config_tasks": {key.rsplit("|", 1)[0]: {"name": key.split("|")[1]} for key in results},
        "summary_tasks": {key: {"effective_few_shots": float(key.rsplit("|", 1)[1])} for key in results},
        "summary_general": {"padded": 0, "non_padded": 2},
    }


def _write(root: Path, stamp: str, document: dict[str, Any], mtime: float | None = None) -> Path:
    folder = root / "tree" / document["config_general"]["model_name"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"results_{stamp}.json"
    path.write_text(json.dumps(document, indent=2))
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def _cells(result: Any, row: str, column: str) -> dict[tuple[Any, Any], tuple[int, float]]:
    assert result.exit_code == 0, result.output
    table = json.loads(result.output)
    return {
        (cell["row"][row], cell["column"][column]): (cell["stats"]["n"], cell["stats"]["mean"])
        for cell in table["cells"]
    }


def test_a_leaderboard_file_is_one_run_per_task_its_suite_and_shots_params(tmp_path, cli):
    """Read with per_task, each results key was a task named `harness|arc:challenge|25` (suite and shots
    in the name, no num_fewshot), and `all`, lighteval's mean over every task, a task column of its own."""
    _write(tmp_path, "2024-01-04T13-27-32.660899", _leaderboard("org/a", 0.56, 0.35), mtime=1_000_000)
    _write(tmp_path, "2024-05-20T10-00-00.000000", _leaderboard("org/b", 0.50, 0.40), mtime=2_000_000)
    result = cli("collect", "tree", "--pattern", PATTERN, *PER_TASK)
    assert result.exit_code == 0, result.output
    assert "6 new" in result.output  # three tasks each, `all` none
    table = cli("table", "--rows", "model", "--columns", "task", "--metric", "acc", "--format", "json")
    assert _cells(table, "model", "task") == {
        ("a", "arc:challenge"): (1, 0.56),
        ("a", "gsm8k"): (1, 0.35),
        ("b", "arc:challenge"): (1, 0.5),
        ("b", "gsm8k"): (1, 0.4),
    }
    shown = cli("show", "a/results_2024-01-04T13-27-32.660899/harness|arc:challenge|25")
    assert shown.exit_code == 0, shown.output
    for line in (
        "task = arc:challenge",
        "suite = harness",
        "num_fewshot = 25",
        "config_tasks.name = arc:challenge",
    ):
        assert f"  {line}\n" in shown.output
    assert "summary_tasks.effective_few_shots = 25" in shown.output
    assert "gsm8k" not in shown.output  # the other tasks' configs and summaries are not this run's params
    assert "acc_stderr" in shown.output  # lighteval's standard error over the test items: a metric
    stderr = cli(
        "table", "--rows", "model", "--columns", "task", "--metric", "acc_stderr", "--format", "json"
    )
    assert _cells(stderr, "model", "task")[("a", "gsm8k")] == (1, 0.0131)


def test_one_task_at_two_shot_counts_is_two_settings(tmp_path, cli):
    """lighteval 0.10 keys results `<task>|<shots>`: `gsm8k|0` and `gsm8k|5` in one file were two tasks
    by name; as one task they are told apart by num_fewshot, and a table of the task alone says so."""
    document = _leaderboard("org/a", 0.5, 0.3)
    document["results"] = {
        "gsm8k|0": {"em": 0.1, "em_stderr": 0.01},
        "gsm8k|5": {"em": 0.3, "em_stderr": 0.02},
    }
    document["config_tasks"] = {"lighteval|gsm8k": {"name": "gsm8k"}}
    _write(tmp_path, "2024-03-11T10-52-47.431280", document)
    assert cli("collect", "tree", "--pattern", PATTERN, *PER_TASK).exit_code == 0
    together = cli("table", "--rows", "task", "--metric", "em")
    assert "averages runs that differ in" in together.output and "num_fewshot (0, 5)" in together.output
    apart = cli("table", "--rows", "task", "--columns", "num_fewshot", "--metric", "em", "--format", "json")
    assert _cells(apart, "task", "num_fewshot") == {("gsm8k", 0): (1, 0.1), ("gsm8k", 5): (1, 0.3)}
    shown = cli("show", "a/results_2024-03-11T10-52-47.431280/gsm8k|5")
    assert "  config_tasks.name = gsm8k\n" in shown.output  # `lighteval|gsm8k`, the task's one config


def test_a_re_run_of_a_model_is_said_to_differ_in_its_stamp(tmp_path, cli):
    """Two results files of one model (an evaluation run again) are two runs of its cell: the table
    names the stamps it averaged, never a spread over seeds said unmarked."""
    _write(tmp_path, "2024-01-04T13-27-32.1", _leaderboard("org/a", 0.56, 0.35), mtime=1_000_000)
    _write(tmp_path, "2024-02-04T13-27-32.1", _leaderboard("org/a", 0.58, 0.35), mtime=2_000_000)
    assert cli("collect", "tree", "--pattern", PATTERN, *PER_TASK).exit_code == 0
    result = cli("table", "--rows", "model", "--columns", "task", "--metric", "acc")
    assert result.exit_code == 0, result.output
    assert (
        "averages runs that differ in stamp (2024-01-04T13-27-32.1, 2024-02-04T13-27-32.1)" in result.output
    )
    table = cli("table", "--rows", "model", "--columns", "task", "--metric", "acc", "--format", "json")
    n, mean = _cells(table, "model", "task")[("a", "arc:challenge")]
    assert n == 2 and abs(mean - 0.57) < 1e-12  # averaged as two runs, and said so above


def test_lightevals_higher_is_better_is_checked_against_the_tables_goal(tmp_path, cli):
    """`config_tasks.<suite>|<task>.metric` records each metric's higher_is_better (lighteval's docs'
    gsm8k file): a --goal against it marked the worst cell bold unsaid."""
    document = _leaderboard("org/a", 0.5, 0.3)
    document["results"] = {"lighteval|gsm8k|0": {"em": 0.2, "em_stderr": 0.01, "maj@8": 0.3}}
    document["config_tasks"] = {
        "lighteval|gsm8k": {
            "name": "gsm8k",
            "metric": [
                {"metric_name": "em", "higher_is_better": True, "category": "3"},
                {"metric_name": "maj@8", "higher_is_better": True, "category": "5"},
            ],
        }
    }
    _write(tmp_path, "2024-03-11T10-52-47.431280", document)
    assert cli("collect", "tree", "--pattern", PATTERN, *PER_TASK).exit_code == 0
    wrong = cli("table", "--rows", "task", "--metric", "em", "--goal", "em=min")
    assert wrong.exit_code == 0, wrong.output
    assert (
        "but lighteval's higher_is_better says higher is better: the bold marks the worst cell"
        in wrong.output
    )
    unset = cli("table", "--rows", "task", "--metric", "maj@8")
    assert "'maj@8' has no goal, and lighteval's higher_is_better says higher is better" in unset.output


def test_the_no_runs_hint_names_lighteval_and_the_per_task_reading(tmp_path, cli):
    """A collect of a lighteval output folder without options said only `--pattern '**/*.json'
    --adapter onefile`, which reads each file as one run of every task's metrics; the pattern it names
    keeps each file's date, so that a model evaluated twice is said to be."""
    _write(tmp_path, "2024-01-04T13-27-32.660899", _leaderboard("org/a", 0.56, 0.35), mtime=1_000_000)
    _write(tmp_path, "2024-02-04T13-27-32.660899", _leaderboard("org/a", 0.58, 0.35), mtime=2_000_000)
    _write(tmp_path, "2024-05-20T10-00-00.000000", _leaderboard("org/b", 0.50, 0.40), mtime=3_000_000)
    result = cli("collect", "tree")
    assert result.exit_code == 1
    pattern = "{group}/{run}/results_{stamp}.json"
    assert (
        "that are lighteval (Open LLM Leaderboard) results: read every results file beside them with "
        f"--pattern '{pattern}' --adapter onefile -o per_task=true"
    ) in result.output
    assert cli("collect", "tree", "--pattern", pattern, *PER_TASK).exit_code == 0
    table = cli("table", "--rows", "run", "--columns", "task", "--metric", "acc")
    assert table.exit_code == 0, table.output
    assert "differ in stamp (2024-01-04T13-27-32.660899, 2024-02-04T13-27-32.660899)" in table.output


def test_lightevals_timings_are_no_params_and_the_file_name_dates_the_run(tmp_path, cli):
    """config_general's start_time and end_time are time.perf_counter() readings and
    total_evaluation_time_secondes their difference as text (huggingface/lighteval
    src/lighteval/logging/info_loggers.py, GeneralConfigLogger.__init__ and log_end_time); the values are
    those the model card of aerdincdal/CBDDO-LLM-8B-Instruct-v1 quotes from its Open LLM Leaderboard
    results file, and Intel's neural-chat template's. Read as params, two evaluations of one model and
    task were marked as averaging runs that differ in config_general.end_time, start_time and
    total_evaluation_time_secondes; now they are two runs of one config, each dated by its file's name
    (lighteval's datetime.now() when it wrote the results) less the evaluation's time."""
    for stamp, start, end, arc in (
        ("2024-05-20T10-11-12.123456", 1781075.607155059, 1784655.466140587, 0.4991),
        ("2024-05-21T08-00-00.000001", 145237.069553293, 155718.702369908, 0.5010),
    ):
        document = _leaderboard("org/a", arc, 0.35)
        document["config_general"].update(
            {"start_time": start, "end_time": end, "total_evaluation_time_secondes": str(end - start)}
        )
        _write(tmp_path, stamp, document)
    assert cli("collect", "tree", *PER_TASK).exit_code == 0
    result = cli("table", "--rows", "config_general.model_name", "--columns", "task", "--metric", "acc")
    assert result.exit_code == 0, result.output
    assert "differ" not in result.output and "config_general.start_time" not in result.output
    table = cli(
        "table", "--rows", "config_general.model_name", "--columns", "task", "--metric", "acc",
        "--format", "json",
    )  # fmt: skip
    n, mean = _cells(table, "config_general.model_name", "task")[("org/a", "arc:challenge")]
    assert n == 2 and abs(mean - 0.50005) < 1e-12
    shown = cli("show", "a/results_2024-05-20T10-11-12.123456/harness|arc:challenge|25")
    assert "  started: 2024-05-20 09:11:32 UTC\n" in shown.output
    assert "  ended: 2024-05-20 10:11:12 UTC\n" in shown.output
    assert "_time" not in shown.output and "secondes" not in shown.output
