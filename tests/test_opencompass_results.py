"""OpenCompass work folders: `outputs/default/<time>/summary/summary_<time>.csv` (a dataset per row, a
model per column, rounded to 2 decimals) beside `results/<model abbr>/<dataset abbr>.json` (one per model
and dataset). OpenCompass is installed neither here nor in CI; the shapes are its own:
open-compass/opencompass @ a5acc4bba3b658f151617a3b393602110fb7a740, opencompass/summarizers/default.py
(`_format_table`: the header dataset,version,metric,mode,<model abbrs>, '{:.02f}' cells, '-' versions of
group rows) and opencompass/tasks/openicl_eval.py (`_save_results`, `format_details`: `details` of one
entry per test item beside its `type`); the rows and scores of internlm-chat-7b on C-Eval as an
OpenCompass run printed them (its summary's csv and raw sections)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

MODEL = "opencompass.models.huggingface.HuggingFace_model_repos_internlm-chat-7b"
SCORES = {"ceval-computer_network": 31.57894736842105, "ceval-law": 25.0, "ceval-logic": 31.818181818181817}


def _run_folder(root: Path, time: str, scores: dict[str, float], results: bool = True) -> Path:
    """Write one OpenCompass run folder of MODEL: its summary CSV and, unless not, its results/."""
    folder = root / "tree" / "outputs" / "default" / time
    (folder / "summary").mkdir(parents=True)
    lines = [f"dataset,version,metric,mode,{MODEL}"]
    lines += [f"{name},db9ce2,accuracy,gen,{score:.02f}" for name, score in scores.items()]
    lines.append(f"ceval,-,naive_average,gen,{sum(scores.values()) / len(scores):.02f}")
    (folder / "summary" / f"summary_{time}.csv").write_text("\n".join(lines) + "\n")
    if results:
        (folder / "results" / MODEL).mkdir(parents=True)
        for name, score in scores.items():
            (folder / "results" / MODEL / f"{name}.json").write_text(
                json.dumps({"accuracy": score}, indent=4)
            )
    return folder


def _cells(result: Any) -> dict[tuple[str, str], tuple[int, float]]:
    assert result.exit_code == 0, result.output
    return {
        (cell["row"]["model"], cell["column"]["dataset"]): (cell["stats"]["n"], cell["stats"]["mean"])
        for cell in json.loads(result.output)["cells"]
    }


def test_an_opencompass_folder_names_its_results_files_and_they_make_a_models_by_datasets_table(
    tmp_path, cli
):
    """An empty collect said the summary's rows were many runs told apart by version, metric and mode
    (`--adapter records`), which read each results/<model>/<dataset>.json as a run `run=0,task=accuracy`
    with a metric `score`, no model and no dataset."""
    _run_folder(tmp_path, "20230811_171253", SCORES)
    result = cli("collect", "tree")
    assert result.exit_code == 1
    pattern = "outputs/default/{stamp}/results/{model}/{dataset}.json"
    assert (
        "that are OpenCompass summaries, a dataset per row and a model per column, rounded to 2 decimals: "
        f"read the results/<model>/<dataset>.json of their run folder with --pattern '{pattern}' "
        "--adapter onefile"
    ) in result.output
    assert "--adapter records" not in result.output
    assert cli("collect", "tree", "--pattern", pattern, "--adapter", "onefile").exit_code == 0
    table = cli(
        "table", "--rows", "model", "--columns", "dataset", "--metric", "accuracy", "--format", "json"
    )
    assert _cells(table) == {(MODEL, name): (1, score) for name, score in SCORES.items()}  # not rounded
    # a re-run of the model is a second run of its cells, and the table names the time folders averaged
    again = _run_folder(tmp_path, "20230812_090000", {"ceval-law": 27.0})
    for path in again.rglob("*.json"):
        os.utime(path, (2_000_000, 2_000_000))
    assert cli("collect", "tree", "--pattern", pattern, "--adapter", "onefile").exit_code == 0
    law = ("--rows", "model", "--columns", "dataset", "--metric", "accuracy", "--where", "dataset=ceval-law")
    result = cli("table", *law)
    assert "averages runs that differ in stamp (20230811_171253, 20230812_090000)" in result.output


def test_a_summary_without_its_results_says_to_copy_them(tmp_path, cli):
    """A tree of summaries alone (results/ not copied) is named as such, not read as runs per row."""
    _run_folder(tmp_path, "20230811_171253", SCORES, results=False)
    result = cli("collect", "tree/outputs/default")
    assert result.exit_code == 1
    assert (
        "read the results/<model>/<dataset>.json of their run folder (not in this tree: copy results/ too) "
        "with --pattern '{stamp}/results/{model}/{dataset}.json' --adapter onefile"
    ) in result.output


def test_the_details_of_each_test_item_are_no_params(tmp_path, cli):
    """With dump_details, a results file holds every test item's prompt, prediction and reference:
    each was a param of the run (details.0.prompt, details.0.predictions, ... for thousands of items)."""
    folder = _run_folder(tmp_path, "20230811_171253", {"ceval-law": 25.0})
    items = {
        str(i): {
            "prompt": f"Q{i}",
            "origin_prediction": "A",
            "predictions": "A",
            "references": "B",
            "correct": False,
        }
        for i in range(3)
    }
    document = {"accuracy": 25.0, "details": {"type": "GEN", **items}}
    (folder / "results" / MODEL / "ceval-law.json").write_text(json.dumps(document, indent=4))
    pattern = "outputs/default/{stamp}/results/{model}/{dataset}.json"
    assert cli("collect", "tree", "--pattern", pattern, "--adapter", "onefile").exit_code == 0
    shown = cli("show", f"{MODEL}/ceval-law")
    assert shown.exit_code == 0, shown.output
    assert "details" not in shown.output and "Q0" not in shown.output
    assert "  dataset = ceval-law\n" in shown.output and "accuracy" in shown.output
