"""lm-evaluation-harness results files read with `-o per_task=true`: one run per task, a models × tasks
table of one metric. The shape is lm-eval's own (not installed here nor in CI): EleutherAI/
lm-evaluation-harness @ 4e7e0d47f33bc71070c1d38394bafbb52b117163, lm_eval/result_schema.py (the keys)
and lm_eval/loggers/evaluation_tracker.py (`<model_name_sanitized>/results_<date>.json`, and
`samples_<task>_<date>.jsonl` beside it); a committed tree of it: saucam/model_evals @
eee94aa47d839af1ce4ddb41cb74289e7b023c30, meta-llama/Meta-Llama-3-8B/openllm/arc.json."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

PATTERN = "{model_dir}/results_{_}.json"
PER_TASK = ("--adapter", "onefile", "-o", "per_task=true")


def _results(model: str, scores: dict[str, float], **extra: Any) -> dict[str, Any]:
    """Return an lm-eval results file: each task's `acc,none` and its stderr, `acc_norm,none` 0.1 above."""
    return {
        "results": {
            task: {
                "alias": task,
                "acc,none": acc,
                "acc_stderr,none": 0.01,
                "acc_norm,none": acc + 0.1,
                "acc_norm_stderr,none": "N/A",
            }
            for task, acc in scores.items()
        },
        "group_subtasks": {task: [] for task in scores},
        "configs": {task: {"task": task, "num_fewshot": 0, "metric_list": []} for task in scores},
        "versions": {task: 1.0 for task in scores},
        "n-shot": {task: 0 for task in scores},
        "higher_is_better": {task: {"acc": True, "acc_norm": True} for task in scores},
        "n-samples": {task: {"original": 100, "effective": 100} for task in scores},
        "config": {"model": "hf", "model_args": f"pretrained={model}", "batch_size": "auto"},
        "git_hash": "7852985b",
        "date": 1712918900.231513,
        "model_name": model,
        **extra,
    }


def _write(root: Path, stamp: str, document: dict[str, Any], mtime: float | None = None) -> Path:
    folder = root / "tree" / document["model_name"].replace("/", "__")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"results_{stamp}.json"
    path.write_text(json.dumps(document))
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def _cells(result: Any) -> dict[tuple[str, str], tuple[int, float]]:
    assert result.exit_code == 0, result.output
    table = json.loads(result.output)
    return {
        (cell["row"]["model_name"], cell["column"]["task"]): (cell["stats"]["n"], cell["stats"]["mean"])
        for cell in table["cells"]
    }


def test_a_results_file_is_one_run_per_task_in_a_models_by_tasks_table(tmp_path, cli):
    """A models × tasks table needed one --metric per task (`results.hellaswag.acc,none`, ...): with
    per_task, `task` is a param and `acc` one metric."""
    _write(tmp_path, "2024-04-12T10-48-20.123456", _results("org/a", {"hellaswag": 0.5, "arc_easy": 0.6}))
    _write(tmp_path, "2024-04-13T09-00-00.654321", _results("org/b", {"hellaswag": 0.7, "arc_easy": 0.8}))
    result = cli("collect", "tree", "--pattern", PATTERN, *PER_TASK)
    assert result.exit_code == 0, result.output
    assert "4 new" in result.output
    table = cli("table", "--rows", "model_name", "--columns", "task", "--metric", "acc", "--format", "json")
    assert _cells(table) == {
        ("org/a", "arc_easy"): (1, 0.6),
        ("org/a", "hellaswag"): (1, 0.5),
        ("org/b", "arc_easy"): (1, 0.8),
        ("org/b", "hellaswag"): (1, 0.7),
    }
    shown = cli("show", "org__a/results_2024-04-12T10-48-20.123456/hellaswag")
    assert shown.exit_code == 0, shown.output
    assert "  task = hellaswag\n" in shown.output
    assert "  num_fewshot = 0\n" in shown.output  # the task's own n-shot entry, not every task's
    assert "configs.task = hellaswag\n" in shown.output
    assert "arc_easy" not in shown.output
    assert "acc_stderr" in shown.output  # lm-eval's standard error over the test items, a metric of its own
    assert "acc_norm_stderr" not in shown.output  # N/A: not computed


def test_a_samples_file_beside_the_results_is_no_run(tmp_path, cli):
    """`--log_samples` writes samples_<task>_<date>.jsonl beside results_<date>.json: a pattern taking
    the folder's files read each as a run's YAML."""
    path = _write(tmp_path, "2024-04-12T10-48-20.123456", _results("org/a", {"hellaswag": 0.5}))
    (path.parent / "samples_hellaswag_2024-04-12T10-48-20.123456.jsonl").write_text(
        json.dumps({"doc_id": 0, "target": 1, "acc": 1.0}) + "\n"
    )
    result = cli("collect", "tree", "--pattern", "{model_dir}/{file}", *PER_TASK)
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output
    assert "samples_" not in result.output
    import resultsbook as rb

    book = rb.open(str(tmp_path / "resultsbook.db"))
    assert book.runs()["name"].tolist() == ["org__a/results_2024-04-12T10-48-20.123456/hellaswag"]


def test_a_group_only_in_groups_is_a_task_of_its_own(tmp_path, cli):
    """lm-eval 0.4 keeps a group's aggregate (mmlu) in `groups`, its subtasks in `results`."""
    document = _results("org/a", {"mmlu_anatomy": 0.4})
    document["groups"] = {"mmlu": {"alias": "mmlu", "acc,none": 0.45, "acc_stderr,none": 0.004}}
    _write(tmp_path, "2024-04-12T10-48-20.123456", document)
    assert cli("collect", "tree", "--pattern", PATTERN, *PER_TASK).exit_code == 0
    table = cli("table", "--rows", "model_name", "--columns", "task", "--metric", "acc", "--format", "json")
    assert _cells(table) == {("org/a", "mmlu"): (1, 0.45), ("org/a", "mmlu_anatomy"): (1, 0.4)}


def test_two_evaluations_of_a_model_are_averaged_and_said_to_differ_in_their_stamp(tmp_path, cli):
    """Each results file is read: a re-run of a model is a second run of its cell, averaged as a
    replicate, and the table names the stamps it averaged (no file is dropped unsaid)."""
    _write(tmp_path, "2024-04-12T10-48-20.1", _results("org/a", {"hellaswag": 0.5}), mtime=1_000_000)
    _write(tmp_path, "2024-04-14T10-48-20.1", _results("org/a", {"hellaswag": 0.54}), mtime=2_000_000)
    pattern = "{model_dir}/results_{stamp}.json"
    assert cli("collect", "tree", "--pattern", pattern, *PER_TASK).exit_code == 0
    result = cli("table", "--rows", "model_name", "--columns", "task", "--metric", "acc")
    assert result.exit_code == 0, result.output
    assert (
        "averages runs that differ in stamp (2024-04-12T10-48-20.1, 2024-04-14T10-48-20.1)" in result.output
    )
    kept = cli("table", "--rows", "model_name", "--metric", "acc", "--where", "stamp=2024-04-14T10-48-20.1")
    assert "0.54" in kept.output and "±" not in kept.output


def _gsm8k(model: str, score: float) -> dict[str, Any]:
    """Return a results file of gsm8k, whose metric keeps its filter (`exact_match,strict-match`)."""
    document = _results(model, {})
    document["results"] = {"gsm8k": {"alias": "gsm8k", "exact_match,strict-match": score}}
    document["higher_is_better"] = {"gsm8k": {"exact_match": True}}
    return document


def test_lm_evals_higher_is_better_is_checked_against_the_tables_goal(tmp_path, cli):
    """`exact_match,strict-match` has no goal by its name: the table said only 'give it with --goal
    ...=max (or =min)', while lm-eval's results file says higher is better."""
    _write(tmp_path, "2024-04-12T10-48-20.1", _gsm8k("org/a", 0.5))
    _write(tmp_path, "2024-04-12T11-48-20.1", _gsm8k("org/b", 0.6))
    assert cli("collect", "tree", "--pattern", PATTERN, *PER_TASK).exit_code == 0
    metric = ("--rows", "model_name", "--metric", "exact_match,strict-match")
    unset = cli("table", *metric)
    assert unset.exit_code == 0, unset.output
    assert (
        "Warning: 'exact_match,strict-match' has no goal, and lm-eval's higher_is_better says higher is "
        'better: set goal = "max" (--goal exact_match,strict-match=max)'
    ) in unset.output
    wrong = cli("table", *metric, "--goal", "exact_match,strict-match=min")
    assert (
        "but lm-eval's higher_is_better says higher is better: the bold marks the worst cell" in wrong.output
    )
    right = cli("table", *metric, "--goal", "exact_match,strict-match=max")
    assert "higher_is_better" not in right.output


def test_the_no_runs_hint_names_the_per_task_reading(tmp_path, cli):
    """An lm-eval tree of one file per task (llm-autoeval's <org>/<model>/openllm/<task>.json, as in
    saucam/model_evals @ eee94aa47d839af1ce4ddb41cb74289e7b023c30): the hint offered
    --pattern '**/truthfulqa.json', one task's files of the many."""
    for model in ("org/a", "org/b"):
        for task, score in (("arc_challenge", 0.5), ("hellaswag", 0.6)):
            folder = tmp_path / "tree" / model / "openllm"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{task.split('_')[0]}.json").write_text(json.dumps(_results(model, {task: score})))
    result = cli("collect", "tree")
    assert result.exit_code == 1
    assert (
        "are lm-evaluation-harness results: read every results file beside them with "
        "--pattern '{level1}/{level2}/{level3}/*.json' --adapter onefile -o per_task=true"
    ) in result.output
    pattern = "{level1}/{model}/{suite}/*.json"
    assert cli("collect", "tree", "--pattern", pattern, *PER_TASK).exit_code == 0
    table = cli("table", "--rows", "model_name", "--columns", "task", "--metric", "acc", "--format", "json")
    assert _cells(table) == {
        ("org/a", "arc_challenge"): (1, 0.5),
        ("org/a", "hellaswag"): (1, 0.6),
        ("org/b", "arc_challenge"): (1, 0.5),
        ("org/b", "hellaswag"): (1, 0.6),
    }


def test_shots_are_one_param_whichever_lm_eval_wrote_the_file(tmp_path, cli):
    """saucam/model_evals @ eee94aa47d839af1ce4ddb41cb74289e7b023c30 holds arc_challenge 0-shot from
    lm-eval 0.3 (nous/gpt4all.json: `config.num_fewshot`, no `n-shot`) and 25-shot from 0.4
    (openllm/arc.json: `n-shot`): a table of both averaged them naming neither shot count."""
    new = _results("org/a", {"arc_challenge": 0.58})
    new["n-shot"] = {"arc_challenge": 25}
    _write(tmp_path, "2024-04-12T10-48-20.1", new)
    old = {
        "results": {"arc_challenge": {"acc": 0.46, "acc_stderr": 0.0146, "acc_norm": 0.49}},
        "versions": {"arc_challenge": 0},
        "config": {"model": "hf-causal", "model_args": "pretrained=org/a", "num_fewshot": 0},
        "model_name": "org/a",
    }
    _write(tmp_path, "2024-04-13T10-48-20.1", old)
    assert cli("collect", "tree", "--pattern", PATTERN, *PER_TASK).exit_code == 0
    together = cli("table", "--rows", "task", "--metric", "acc")
    assert "num_fewshot (0, 25)" in together.output
    apart = cli("table", "--rows", "task", "--columns", "num_fewshot", "--metric", "acc", "--format", "json")
    table = json.loads(apart.output)
    found = {cell["column"]["num_fewshot"]: cell["stats"]["mean"] for cell in table["cells"]}
    assert found == {0: 0.46, 25: 0.58}
