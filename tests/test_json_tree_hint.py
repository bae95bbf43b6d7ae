"""A folder of run folders each holding several JSON files, none of a name an adapter claims: the hint
names the metrics file (not label_mapping.json) and the adapter that reads it, so the command it
gives works as given.

The fixture mimics upalbhattacharya/eswc_2026_submission_13@c01b7ee766a3d492c478e9bf9eca168a684b219f:
results/<k>_shot/<model>/<ontology>/<uuid>/runs/run_<i>/ with label_mapping.json, params.json,
pred_metrics.json and predictions.json.
"""

from __future__ import annotations

import json
import re


def write_tree(root):
    for model in ("gpt-4o", "llama3-8B"):
        for run in (1, 2):
            folder = root / model / "wines-ontology" / "2e2ddb82" / "runs" / f"run_{run}"
            folder.mkdir(parents=True)
            (folder / "label_mapping.json").write_text(json.dumps({"wine": 0}))
            (folder / "params.json").write_text(json.dumps({"llm_name": model, "max_tokens": 500}))
            (folder / "predictions.json").write_text(json.dumps({"wine-1": ["wine"]}))
            (folder / "pred_metrics.json").write_text(
                json.dumps({"macro_r_prec": 0.5 + run / 10, "map_1": 0.4})
            )


def test_the_hint_names_the_metrics_file_and_the_adapter_and_its_command_works(cli, tmp_path):
    write_tree(tmp_path / "results")
    failed = cli("collect", "results")
    assert failed.exit_code == 1
    assert "it holds 4 file(s) named pred_metrics.json" in failed.output
    suggested = re.findall(r"--pattern '([^']+)' --adapter onefile", failed.output)
    assert suggested == [
        "**/pred_metrics.json",
        "{level1}/{level2}/{level3}/{level4}/run_{run}/pred_metrics.json",
    ]
    collected = cli("collect", "results", "--pattern", suggested[1], "--adapter", "onefile")
    assert collected.exit_code == 0, collected.output
    assert "4 new, 0 updated, 0 unchanged, 0 problems" in collected.output


def seed_results(tmp_path):
    """HAGD's results/ in small: seed_0.json … seed_2.json, one flat object each, beside the summary of
    the seeds (seed_sweep_summary.json)."""
    results = tmp_path / "results"
    results.mkdir()
    for seed in range(3):
        (results / f"seed_{seed}.json").write_text(json.dumps({"seed": seed, "task": "arith", "acc": 0.8}))
    (results / "seed_sweep_summary.json").write_text(json.dumps({"records": [{"seed": 0, "acc": 0.8}]}))
    return results


def test_files_each_named_once_beside_a_numbered_family_name_the_family_and_its_pattern_works(cli, tmp_path):
    """Mudassiruddin7/HAGD@a31d9fa commits `results/seed_0.json` … `seed_4.json` (one seed each) beside
    ten files each named once (`seed_sweep_summary.json`, `freeze.json`, `parity.json`, …). The hint
    named "15 .json file(s), each named its own way (e.g. replay_result.json)" and `--pattern
    '**/*.json'`, which read the summaries and audits as runs beside the seeds; `seed_*.json` would
    still read `seed_sweep_summary.json` as a run of seed 'sweep_summary'."""
    results = seed_results(tmp_path)
    (results / "freeze.json").write_text(json.dumps({"config_hash": "c3c5", "gpu": 15.6}))
    (results / "parity.json").write_text(json.dumps({"task": "parity", "acc": 0.5}))
    failed = cli("collect", "results")
    assert failed.exit_code == 1
    assert (
        "it holds 3 file(s) named seed_*.json (e.g. seed_0.json) that no adapter claims by name: read them "
        "with --pattern '**/seed_{_:[0-9]+}.json' --adapter onefile"
    ) in failed.output
    collected = cli("collect", "results", "--pattern", "**/seed_{_:[0-9]+}.json", "--adapter", "onefile")
    assert collected.exit_code == 0 and "3 new" in collected.output, collected.output


def test_a_pattern_field_that_is_a_number_in_most_paths_and_a_text_in_one_says_so(cli, tmp_path):
    """Mudassiruddin7/HAGD@a31d9fa: `collect results --pattern 'seed_{seed}.json' --adapter onefile`
    read `results/seed_sweep_summary.json` (a list of the five seeds' records) as the run of seed
    'sweep_summary', beside seeds 0 to 4, and said nothing of it."""
    seed_results(tmp_path)
    read = cli("collect", "results", "--pattern", "seed_{seed}.json", "--adapter", "onefile")
    assert read.exit_code == 0
    assert (
        "results/seed_sweep_summary.json: the field {seed} of --pattern 'seed_{seed}.json' is a number in 3 "
        "path(s) but a text in 1 (seed_sweep_summary.json: 'sweep_summary'), which are likely no runs of the "
        "others' kind; --pattern 'seed_{seed:[0-9]+}.json' matches numbers alone, and `resultsbook forget "
        "results/seed_sweep_summary.json` drops a run read so — kept: its run, with seed = that text"
    ) in read.output
    again = cli("collect", "results", "--pattern", "seed_{seed:[0-9]+}.json", "--adapter", "onefile")
    assert again.exit_code == 0 and "a text in" not in again.output, again.output
    assert cli("forget", "results/seed_sweep_summary.json").exit_code == 0
    assert "3 run(s)" in cli("runs").output


def test_one_numbered_family_per_model_are_named_together_and_their_pattern_reads_every_model(cli, tmp_path):
    """narushynska/plantseg-shared-failures@51205e2 commits `results/seed0/summary_unet_s0.json`,
    `summary_fpn_s0.json`, `summary_deeplabv3p_s0.json`, … and `seed1/summary_unet_s1.json`: the hint
    named "3 file(s) named summary_unet_s*.json" and `--pattern '**/summary_unet_s*.json'`, which read
    the U-Net's runs and left every other model out without a word."""
    for seed in range(3):
        for model in ("unet", "fpn"):
            folder = tmp_path / "results" / f"seed{seed}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"summary_{model}_s{seed}.json").write_text(
                json.dumps({"model": model, "seed": seed, "f1": 0.7})
            )
    failed = cli("collect", "results")
    assert failed.exit_code == 1
    assert (
        "it holds 6 file(s) named summary_*_s*.json (e.g. seed0/summary_unet_s0.json) that no adapter claims "
        "by name: read them with --pattern '**/summary_*_s*.json' --adapter onefile"
    ) in failed.output, failed.output
    collected = cli("collect", "results", "--pattern", "**/summary_*_s*.json", "--adapter", "onefile")
    assert collected.exit_code == 0 and "6 new" in collected.output, collected.output
