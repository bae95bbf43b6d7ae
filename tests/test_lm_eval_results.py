"""EleutherAI lm-evaluation-harness output (`<model>/results_<timestamp>.json`) read as one run a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

PATTERN = "{model_dir}/results_{_}.json"


def _results(model: str, hellaswag: float, source: str, **config: Any) -> dict[str, Any]:
    """Return an lm-eval results file of one task: its metrics keep the filter after a comma."""
    return {
        "results": {"hellaswag": {"alias": "hellaswag", "acc,none": hellaswag, "acc_stderr,none": 0.005}},
        "configs": {"hellaswag": {"task": "hellaswag", "process_docs": source}},
        "n-shot": {"hellaswag": 0},
        "config": {"model": "hf", "model_args": f"pretrained={model}", **config},
        "model_name": model,
        "git_hash": "0230356",
    }


def _write(root: Path, stamp: str, document: dict[str, Any]) -> None:
    folder = root / "tree" / document["model_name"].replace("/", "__")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"results_{stamp}.json").write_text(json.dumps(document))


def test_a_task_source_that_differs_between_runs_is_named_on_one_line(tmp_path, cli):
    """lm-eval keeps each task's Python source in its results: a warning naming it stays one line."""
    _write(tmp_path, "2025-01-24T19-02-29", _results("org/m", 0.55, "def f(doc):\n    return 1\n"))
    _write(tmp_path, "2025-01-26T22-29-00", _results("org/m", 0.56, "def f(doc):\n    return 2\n"))
    assert cli("collect", "tree", "--pattern", PATTERN, "--adapter", "onefile").exit_code == 0
    result = cli("table", "--rows", "model_name", "--metric", "results.hellaswag.acc,none")
    (warning,) = [line for line in result.output.splitlines() if "averages runs that differ" in line]
    assert (
        r"configs.hellaswag.process_docs (def f(doc):\n    return 1\n, def f(doc):\n    return 2\n)"
        in warning
    )
    assert "return 2" in warning  # the second value is on the warning's line, not a line of its own


def test_show_prints_a_param_whole(tmp_path, cli):
    """lm-eval's `date` is a Unix time: `show` printed 1.73775e+09 for 1737745150.1674156."""
    document = _results("org/m", 0.55, "def f(doc): ...", bootstrap_iters=100000)
    document["date"] = 1737745150.1674156
    _write(tmp_path, "2025-01-24T19-02-29", document)
    assert cli("collect", "tree", "--pattern", PATTERN, "--adapter", "onefile").exit_code == 0
    result = cli("show", "org__m/results_2025-01-24T19-02-29")
    assert result.exit_code == 0, result.output
    assert "  date = 1737745150.1674156\n" in result.output
    assert "  config.bootstrap_iters = 100000\n" in result.output


def test_the_no_runs_hint_does_not_split_a_timestamp_into_params(tmp_path, cli):
    """The hint offered --pattern '<one model's folder>/{level1}-…-{level5}.json': a date cut at its
    dashes, and the other models' folders left unread."""
    _write(tmp_path, "2025-01-24T19-02-29.392595", _results("org/a", 0.55, ""))
    _write(tmp_path, "2025-01-26T22-29-00.931915", _results("org/a", 0.56, ""))
    _write(tmp_path, "2025-01-25T04-48-43.622918", _results("org/b", 0.59, ""))
    result = cli("collect", "tree")
    assert result.exit_code == 1
    assert (
        "--pattern '{run}/results_{stamp}.json' --adapter onefile -o per_task=true, a run per task"
        in result.output
    )
    assert "{level1}" not in result.output


def test_the_no_runs_hint_keeps_the_step_of_checkpoint_files_and_counts_those_it_leaves_out(tmp_path, cli):
    """EleutherAI/pythia@a19eecb's evals/pythia-v1/<model>/zero-shot/70m_step143000.json: the hint's
    `{group}/{run}/*.json` averaged each model's 27 checkpoints in one cell, and left out the 45 files of
    `pythia-160m-0.5MtokBS/`, a folder nearer the root, without a word."""
    for model, shots, steps in (
        ("pythia-70m", "zero-shot", (0, 1000)),
        ("pythia-160m", "five-shot", (0, 1000)),
    ):
        for step, acc in zip(steps, (0.3, 0.4)):
            folder = tmp_path / "evals" / model / shots
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{model[7:]}_step{step}.json").write_text(json.dumps(_results(model, acc, "")))
    (tmp_path / "evals" / "pythia-160m-0.5MtokBS").mkdir()
    (tmp_path / "evals" / "pythia-160m-0.5MtokBS" / "160m_step0.json").write_text(
        json.dumps(_results("m", 0.2, ""))
    )
    hint = " ".join(cli("collect", "evals").output.split())
    pattern = "{group}/{run}/{_}_step{step}.json"
    assert (
        f"--pattern '{pattern}' --adapter onefile -o per_task=true, a run per task (the param task, the metrics "
        "acc, acc_norm, ...), the folders params, the checkpoint in each file's name the param step; 1 of the 5 "
        "files seen lies at another depth (e.g. pythia-160m-0.5MtokBS/160m_step0.json), which it does not reach: "
        "read them with a pattern of their own depth"
    ) in hint
    assert (
        "4 new"
        in cli("collect", "evals", "--pattern", pattern, "--adapter", "onefile", "-o", "per_task=true").output
    )
    shown = cli("runs", "--columns", "group,step", "--format", "csv").output
    assert "pythia-70m,1000" in shown and "pythia-160m,0" in shown


def test_a_run_holding_a_row_key_as_an_object_is_said_to_hold_its_keys(tmp_path, cli):
    """gen_kwargs is null in one lm-eval run and {temperature: 0.6, ...} in another: a table by it left
    the second out saying it was 'a run still starting, its config not written yet'."""
    _write(tmp_path, "2025-01-24T19-02-29", _results("org/m", 0.55, "", gen_kwargs=None))
    sampled = _results("org/m", 0.56, "", gen_kwargs={"temperature": 0.6, "top_p": 0.95})
    _write(tmp_path, "2025-01-26T22-29-00", sampled)
    assert cli("collect", "tree", "--pattern", PATTERN, "--adapter", "onefile").exit_code == 0
    result = cli("table", "--rows", "config.gen_kwargs", "--metric", "results.hellaswag.acc,none")
    assert result.exit_code == 0, result.output
    assert (
        "have no param 'config.gen_kwargs' and were left out (the first: tree/org__m/results_2025-01-26T22-29-00.json; "
        "in them config.gen_kwargs is an object, read as the params config.gen_kwargs.temperature, "
        "config.gen_kwargs.top_p: name one of those instead)"
    ) in result.output
    assert "still starting" not in result.output


def test_a_null_filter_leaves_out_a_run_holding_the_key_as_an_object(tmp_path, cli):
    """`--where config.gen_kwargs=none` kept the sampled run too (its gen_kwargs, an object, is read as
    the params config.gen_kwargs.*): the greedy and the sampled evaluation were averaged."""
    _write(tmp_path, "2025-01-24T19-02-29", _results("org/m", 0.55, "", gen_kwargs=None))
    _write(tmp_path, "2025-01-26T22-29-00", _results("org/m", 0.75, "", gen_kwargs={"temperature": 0.6}))
    assert cli("collect", "tree", "--pattern", PATTERN, "--adapter", "onefile").exit_code == 0
    metric = ("--metric", "results.hellaswag.acc,none", "--format", "json")
    for where, value in (("config.gen_kwargs=none", 0.55), ("config.gen_kwargs!=none", 0.75)):
        result = cli("table", "--rows", "model_name", *metric, "--where", where)
        assert result.exit_code == 0, result.output
        (cell,) = json.loads(result.output)["cells"]
        assert (cell["stats"]["n"], cell["stats"]["mean"]) == (1, value), where


def test_a_null_filter_in_the_python_api_leaves_out_a_run_holding_the_key_as_an_object(tmp_path, cli):
    import resultsbook as rb

    _write(tmp_path, "2025-01-24T19-02-29", _results("org/m", 0.55, "", gen_kwargs=None))
    _write(tmp_path, "2025-01-26T22-29-00", _results("org/m", 0.75, "", gen_kwargs={"temperature": 0.6}))
    assert cli("collect", "tree", "--pattern", PATTERN, "--adapter", "onefile").exit_code == 0
    book = rb.open(str(tmp_path / "resultsbook.db"))
    assert book.runs(where="config.gen_kwargs=none")["name"].tolist() == [
        "org__m/results_2025-01-24T19-02-29"
    ]


def test_the_python_api_reads_a_metric_named_with_a_comma_as_one_metric(tmp_path, cli):
    """book.table(metric="results.hellaswag.acc,none") split it at the comma into 'results.hellaswag.acc'
    and 'none', then said: no run logs 'results.hellaswag.acc'; did you mean 'results.hellaswag.acc,none'?"""
    import resultsbook as rb

    _write(tmp_path, "2025-01-24T19-02-29", _results("org/m", 0.55, ""))
    assert cli("collect", "tree", "--pattern", PATTERN, "--adapter", "onefile").exit_code == 0
    book = rb.open(str(tmp_path / "resultsbook.db"))
    frame = book.table(rows="model_name", metric="results.hellaswag.acc,none").to_frame()
    assert frame.loc["org/m", "mean"] == 0.55
    runs = book.runs(metrics="results.hellaswag.acc,none")
    assert runs["metrics.results.hellaswag.acc,none"].tolist() == [0.55]
    with pytest.warns(rb.NotFoundWarning, match="only as a final value"):  # no logged point, said
        assert book.series("results.hellaswag.acc,none").empty
