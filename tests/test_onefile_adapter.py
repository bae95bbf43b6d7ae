"""One file = one run: report.json, results.json, metrics.json, YAML summaries. Nested keys flatten,
numbers under result keys are results (integers too), the rest params; params also come from the path
(patterns with `**`) and from other params (derived)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from resultsbook.errors import SpecError
from resultsbook.query.goal import goal_from_name
from resultsbook.sources import fs
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.sources.derive import parse_derivation, parse_derivation_text
from resultsbook.sources.fields import is_results_file, key_kind
from resultsbook.store import Store

REPORT = {
    "function": "bin.model.main",
    "gpus": ["NVIDIA A100-SXM4-80GB"],
    "config": {"seed": 3, "batch_size": 256, "data": {"path": "data/classif-num-medium-2-wine"}},
    "n_parameters": 478400,
    "best_step": 8568,
    "eval_batch_size": 32768,
    "metrics": {
        "test": {"score": 0.85, "support": 16281, "best_class": "cat", "calibrated": True},
        "train": {"loss": [0.9, 0.5, None, 0.3]},
    },
    "time": "0:00:49.577190",
}


def write(path: Path, document: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document) if path.suffix == ".json" else yaml.safe_dump(document)
    path.write_text(text)
    return path


def only_run(store: Store):
    [run] = store.runs()
    metrics = {m["key"]: m for m in store.run_metrics(run.id)}
    return run, metrics


def test_a_report_splits_into_params_results_and_curves(tmp_path, store):
    write(tmp_path / "exp" / "wine" / "0-evaluation" / "3" / "report.json", REPORT)
    report = collect(store, [CollectRequest(str(tmp_path / "exp"))])  # found without being named
    assert (report.new, report.problems) == (1, ())
    run, metrics = only_run(store)
    assert (run.adapter, run.name, run.status) == ("onefile", "0-evaluation/3", "unknown")
    assert run.params == {
        "config.batch_size": 256,
        "config.data.path": "data/classif-num-medium-2-wine",
        "config.seed": 3,
        "eval_batch_size": 32768,
        "function": "bin.model.main",
        "gpus": '["NVIDIA A100-SXM4-80GB"]',
        "n_parameters": 478400,
        "time": "0:00:49.577190",
    }
    # integers among results are results, not params that would differ between seeds
    assert {key: m["summary"] for key, m in metrics.items() if m["summary"] is not None} == {
        "best_step": 8568.0,
        "metrics.test.score": 0.85,
        "metrics.test.support": 16281.0,
    }
    loss = store.series("metrics.train.loss")[run.id]
    assert list(loss[0]) == [0.0, 1.0, 3.0]  # null: no point at that step
    assert metrics["metrics.train.loss"]["last"] == 0.3


def test_every_number_of_a_results_file_is_a_result_but_its_seed(tmp_path, store):
    write(tmp_path / "runs" / "a" / "results.json", {"seed": 1, "accuracy": 0.9, "epoch": 3, "n_correct": 90})
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    run, metrics = only_run(store)
    assert run.params == {"seed": 1}
    assert {key: m["summary"] for key, m in metrics.items()} == {
        "accuracy": 0.9,
        "epoch": 3.0,
        "n_correct": 90.0,
    }


def test_a_seed_file_of_a_flat_results_object_keeps_its_settings_and_its_measures_are_results(tmp_path, cli):
    """Mudassiruddin7/HAGD@a31d9fa commits `results/seed_0.json` … `seed_4.json`, one flat object each:
    `model`, `task` (text), `task_mod: 23`, then `full_accuracy`, `phi_generation`, `runtime_total_s`…;
    seeds 1 to 4 failed a gate (`"gate_failed": "accuracy 0.676 < 0.800"`, their measures NaN). Read with
    `--pattern 'seed_{seed}.json' --adapter onefile`, the measures not named like results
    (`phi_generation`) were params, so every cell "averaged runs that differ in phi_generation (0.27,
    nan)" and `--metric phi_generation` had no such metric; and `model` and `task` were dropped (text
    in a file of results), so `--rows task` answered "row key 'task' is not a param …; did you mean
    'status'?". The same held for any flat results.json."""
    seed0 = {"seed": 0, "model": "gpt2", "task": "modular_arithmetic", "gate_failed": None}
    write(tmp_path / "results" / "seed_0.json", {**seed0, "full_accuracy": 0.838, "phi_generation": 0.2727})
    for seed in (1, 2):
        failed = {**seed0, "seed": seed, "gate_failed": f"accuracy 0.{seed}76 < 0.800"}
        (tmp_path / "results" / f"seed_{seed}.json").write_text(
            json.dumps(failed)[:-1] + ', "full_accuracy": NaN, "phi_generation": NaN}'
        )
    collected = cli("collect", "results", "--pattern", "seed_{seed}.json", "--adapter", "onefile")
    assert collected.exit_code == 0, collected.output
    table = cli("table", "--rows", "task", "--metric", "phi_generation")
    assert table.exit_code == 0, table.output
    assert "modular_arithmetic" in table.output and "0.273" in table.output
    assert "phi_generation (" not in table.output  # no longer a param the seeds differ in
    runs = cli("runs", "--columns", "name,model,task,seed", "--format", "csv").output
    assert "results/seed_0,gpt2,modular_arithmetic,0" in runs, runs


def test_a_text_a_results_file_holds_outside_a_section_of_results_is_a_param(tmp_path, store):
    """A flat `results.json` (`{"model": "gpt2", "task": "arith", "seed": 0, "acc": 0.8}`) lost its
    model and task: text among results was left out, whether under a section of results or not."""
    write(tmp_path / "runs" / "a" / "results.json", {"model": "gpt2", "seed": 0, "acc": 0.8, "notes": 3})
    write(tmp_path / "runs" / "b" / "results.json", {"seed": 0, "metrics": {"best_class": "cat", "acc": 0.7}})
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    by_source = {run.source.split("/")[-2]: run for run in store.runs()}
    assert by_source["a"].params == {"model": "gpt2", "seed": 0}
    assert by_source["b"].params == {"seed": 0}  # text under a section of results is still left out


def test_a_history_of_one_object_per_epoch_is_one_curve_per_field(tmp_path, store):
    """BS-Data's results.json keeps `metrics_history.val_metrics` as a list of objects, one per epoch:
    the per-epoch validation F1 was dropped without a word (neither a number nor a list of numbers)."""
    history = {
        "val_metrics": [{"f1": 0.5, "class": {"tp": 3}}, None, {"f1": 0.75, "note": "x"}],
        "train": [None],
    }
    write(tmp_path / "runs" / "a" / "results.json", {"seed": 1, "metrics_history": history})
    report = collect(store, [CollectRequest(str(tmp_path / "runs"))])
    assert report.problems == ()
    run, metrics = only_run(store)
    assert run.params == {"seed": 1}
    assert sorted(metrics) == ["metrics_history.val_metrics.class.tp", "metrics_history.val_metrics.f1"]
    steps, values = store.series("metrics_history.val_metrics.f1")[run.id][:2]
    assert (list(steps), list(values)) == ([0.0, 2.0], [0.5, 0.75])  # the epoch without a record: no point
    ignored = {"ignore": "metrics_history.val_metrics.class.*"}
    collect(store, [CollectRequest(str(tmp_path / "runs"), adapter="onefile", options=ignored)])
    assert sorted(only_run(store)[1]) == ["metrics_history.val_metrics.f1"]


def test_a_section_named_as_results_holds_results(tmp_path, store):
    """ML-PWS's `neuron_<k>/pws_estimate.json` keeps its curves under `pws_result`: each became a param,
    400 numbers as JSON text, and the run had no metric (as a `*_results.json` file, it is results)."""
    estimate = {
        "neurons": [0],
        "N": 4096,
        "pws_result": {"t": [0.0, 0.01, 0.02], "mutual_information": [0.0, 0.5, 1.5]},
        "test_metrics": {"n_spikes": 12},
    }
    write(tmp_path / "runs" / "neuron_0" / "pws_estimate.json", estimate)
    collect(store, [CollectRequest(str(tmp_path / "runs"), adapter="onefile")])
    run, metrics = only_run(store)
    assert run.params == {"N": 4096, "neurons": "[0]"}
    assert sorted(metrics) == ["pws_result.mutual_information", "pws_result.t", "test_metrics.n_spikes"]
    assert metrics["pws_result.mutual_information"]["last"] == 1.5


def test_options_choose_params_results_and_fields_to_leave_out(tmp_path, store):
    write(tmp_path / "runs" / "a" / "report.json", REPORT)
    options = {"metrics": "n_parameters", "params": "metrics.test.support", "ignore": "gpus,time,function"}
    collect(store, [CollectRequest(str(tmp_path / "runs"), adapter="onefile", options=options)])
    run, metrics = only_run(store)
    assert "n_parameters" in metrics and "metrics.test.support" not in metrics
    assert run.params["metrics.test.support"] == 16281
    assert not {"gpus", "time", "function"} & set(run.params)


def test_a_yaml_run_file_has_its_interpolations_resolved(tmp_path, store):
    document = {
        "model": {"lr": 0.001, "name": "mlp"},
        "tag": "${model.name}-${model.lr}",
        "results": {"acc": 0.7},
    }
    write(tmp_path / "runs" / "seed3.yaml", document)
    report = collect(
        store, [CollectRequest(str(tmp_path / "runs"), adapter="onefile", pattern="seed{seed}.yaml")]
    )
    assert report.new == 1
    run, metrics = only_run(store)
    assert run.params == {"model.lr": 0.001, "model.name": "mlp", "seed": 3, "tag": "mlp-0.001"}
    assert metrics["results.acc"]["summary"] == 0.7


def test_a_stated_status_is_the_runs_status(tmp_path, store):
    write(tmp_path / "runs" / "a" / "results.json", {"status": "FAILED", "loss": 2.5})
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    run, _ = only_run(store)
    assert (run.status, run.params) == ("failed", {})


def test_a_file_holding_a_list_of_runs_points_to_records(tmp_path, store):
    write(tmp_path / "runs" / "a" / "results.json", [{"seed": 0, "acc": 0.5}])
    report = collect(store, [CollectRequest(str(tmp_path / "runs"))])
    assert report.new == 0
    assert report.problems[0].message == (
        "holds a list of 1 items, not one run's fields (a list of runs is read by adapter='records')"
    )


def test_two_result_files_in_one_folder_are_not_guessed(tmp_path, store, cli):
    write(tmp_path / "runs" / "a" / "results.json", {"acc": 0.5})
    write(tmp_path / "runs" / "a" / "metrics.json", {"acc": 0.5})
    result = cli("collect", "runs")
    assert result.exit_code == 1 and "no runs found under runs" in result.output
    named = cli("collect", "runs", "--adapter", "onefile")  # named: each file is a run
    assert "2 new" in named.output


def test_a_pattern_with_double_star_matches_one_or_two_folders(tmp_path, store):
    write(tmp_path / "exp" / "tabm" / "adult" / "0-evaluation" / "0" / "report.json", REPORT)
    write(tmp_path / "exp" / "tabm" / "why" / "wine-0" / "0-evaluation" / "1" / "report.json", REPORT)
    write(tmp_path / "exp" / "tabm" / "adult" / "0-tuning" / "report.json", REPORT)  # not {seed}/
    pattern = "{model}/**/{phase}/{seed:\\d+}/report.json"
    report = collect(store, [CollectRequest(str(tmp_path / "exp"), pattern=pattern)])
    assert report.new == 2
    found = sorted((r.params["model"], r.params["phase"], r.params["seed"]) for r in store.runs())
    assert found == [("tabm", "0-evaluation", 0), ("tabm", "0-evaluation", 1)]


def test_a_field_may_span_folders(tmp_path, store):
    write(tmp_path / "exp" / "tabm" / "why" / "wine-0" / "3" / "report.json", REPORT)
    report = collect(
        store, [CollectRequest(str(tmp_path / "exp"), pattern="{model}/{dataset:**}/{seed}/report.json")]
    )
    assert report.new == 1
    assert store.runs()[0].params["dataset"] == "why/wine-0"


DATASET = "^data/(?:(?:classif|regression)-[^-]+-[^-]+-[^-]+-)?(.+)$"


def test_a_derived_param_pools_a_datasets_splits(tmp_path, store):
    for split in range(3):
        document = {
            **REPORT,
            "config": {**REPORT["config"], "data": {"path": f"data/classif-num-medium-{split}-wine"}},
        }
        write(tmp_path / "exp" / f"wine-{split}" / "report.json", document)
    write(tmp_path / "exp" / "adult" / "report.json", {**REPORT, "config": {"data": {"path": "data/adult"}}})
    rules = (parse_derivation_text(f"dataset=config.data.path:{DATASET}"),)
    report = collect(store, [CollectRequest(str(tmp_path / "exp"), derive=rules)])
    assert report.new == 4
    assert sorted(run.params["dataset"] for run in store.runs()) == ["adult", "wine", "wine", "wine"]


def test_derivations_take_a_named_group_a_template_a_map_and_a_default():
    params = {"config.data.path": "data/regression-cat-large-0-nyc-taxi-green-dec-2016", "k": 3}
    named = parse_derivation("task", {"from": "config.data.path", "regex": "data/(?P<value>[a-z]+)-"}, "spec")
    assert named.apply(params) == ("regression", None)
    template = parse_derivation(
        "short",
        {"from": "config.data.path", "regex": "-(\\w+)-(\\w+)-(\\d+)-", "template": "\\1/\\3"},
        "spec",
    )
    assert template.apply(params) == ("cat/0", None)
    mapped = parse_derivation("size", {"from": "k", "map": {"3": "small", "32": "large"}}, "spec")
    assert mapped.apply(params) == ("small", None)
    fallback = parse_derivation("size", {"from": "absent", "default": "unknown"}, "spec")
    assert fallback.apply(params) == ("unknown", None)
    copy = parse_derivation_text("k2=k")
    assert copy.apply(params) == (3, None)  # typed as the source was


def test_a_run_that_cannot_be_derived_keeps_going_with_a_problem(tmp_path, store):
    write(
        tmp_path / "exp" / "a" / "report.json",
        {"config": {"data": {"path": "elsewhere/x"}}, "metrics": {"s": 1}},
    )
    write(tmp_path / "exp" / "b" / "report.json", {"metrics": {"s": 1}})
    write(
        tmp_path / "exp" / "c" / "report.json", {"config": {"data": {"paths": "data/y"}}, "metrics": {"s": 1}}
    )
    rules = (parse_derivation_text("dataset=config.data.path:^data/(.+)$"),)
    report = collect(store, [CollectRequest(str(tmp_path / "exp"), derive=rules)])
    assert report.new == 3
    assert sorted(p.message for p in report.problems) == [
        "param 'dataset' could not be derived: config.data.path = 'elsewhere/x' does not match /^data/(.+)$/",
        "param 'dataset' could not be derived: its source param 'config.data.path' is absent",
        "param 'dataset' could not be derived: its source param 'config.data.path' is absent "
        "(did you mean 'config.data.paths'?)",
    ]


def test_changing_a_derivation_reads_the_runs_again(tmp_path, store):
    write(tmp_path / "exp" / "a" / "report.json", {"config": {"name": "abc"}, "metrics": {"s": 1}})
    collect(
        store, [CollectRequest(str(tmp_path / "exp"), derive=(parse_derivation_text("x=config.name:^(a)"),))]
    )
    report = collect(
        store, [CollectRequest(str(tmp_path / "exp"), derive=(parse_derivation_text("x=config.name:^(ab)"),))]
    )
    assert report.updated == 1 and store.runs()[0].params["x"] == "ab"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (3, 'derive.dataset must be "PARAM:REGEX" or a table with from = "PARAM"'),
        ({"regex": "x"}, 'derive.dataset needs from = "PARAM", the param it is computed from'),
        (
            {"from": "a", "regx": "x"},
            "derive.dataset has no key 'regx'; its keys are default, from, map, regex, template",
        ),
        (
            {"from": "a", "regex": "("},
            "derive.dataset.regex is not a valid regex (missing ), unterminated subpattern at position 0)",
        ),
    ],
)
def test_a_bad_derivation_names_the_key_and_the_fix(entry, message):
    with pytest.raises(SpecError) as error:
        parse_derivation("dataset", entry, "resultsbook.toml")
    assert str(error.value) == f"resultsbook.toml: {message}"


def test_derive_from_the_command_line_and_the_spec(tmp_path, cli):
    write(tmp_path / "exp" / "m" / "0" / "report.json", REPORT)
    result = cli(
        "collect",
        "exp",
        "--pattern",
        "{model}/{_}/report.json",
        "--derive",
        f"dataset={'config.data.path'}:{DATASET}",
    )
    assert result.exit_code == 0 and "1 new" in result.output
    shown = json.loads(cli("runs", "--format", "json").output)["runs"]
    assert shown[0]["params"]["dataset"] == "wine" and shown[0]["params"]["model"] == "m"
    (tmp_path / "resultsbook.toml").write_text(
        "[[sources]]\npath = 'exp'\npattern = '{model}/{_}/report.json'\n"
        "[sources.derive.dataset]\nfrom = 'config.data.path'\nregex = '^data/(.+)$'\n"
        "[tables.t]\nmetric = 'metrics.test.score'\nrows = ['dataset']\noutputs = ['t.md']\n"
    )
    built = cli("build")
    assert built.exit_code == 0, built.output
    assert "classif-num-medium-2-wine" in (tmp_path / "t.md").read_text()
    bad = cli("collect", "exp", "--derive", "dataset")
    assert bad.exit_code == 2
    assert "--derive 'dataset' must look like NAME=PARAM or NAME=PARAM:REGEX" in bad.output


def test_runs_of_one_file_without_params_get_a_pattern_that_names_the_file_once(tmp_path, cli):
    """Sacred runs copied without their run.json (ml-pws's runs/92, runs/94), read by onefile from
    their metrics.json: the note said --pattern '{level1}/metrics.json/metrics.json', which reads nothing."""
    for exp in ("base", "rnd"):
        for seed in range(2):
            folder = tmp_path / "runs" / exp / f"seed_{seed}"
            folder.mkdir(parents=True)
            (folder / "metrics.json").write_text(
                json.dumps({"loss": {"steps": [1, 2], "values": [0.5, 0.25]}})
            )
    result = cli("collect", "runs")
    assert "4 new" in result.output
    assert (
        "if their folders say what they are (the first: 'base/seed_0'), --pattern '{level1}/seed_{seed}/metrics.json' "
        "makes them params"
    ) in result.stderr
    for run in ("92", "94"):
        (tmp_path / "sacred" / run).mkdir(parents=True)
        (tmp_path / "sacred" / run / "metrics.json").write_text(json.dumps({"loss": [0.5, 0.25]}))
    assert "Note:" not in cli("collect", "sacred").stderr  # a run's number says nothing of its settings


def _plantseg_summary(model: str, seed: int) -> dict:
    """One `summary_<model>_s<seed>.json` as the training script of plantseg-shared-failures writes it:
    settings and test measures side by side at the top, a `history` of one object per epoch."""
    history = [
        {
            "epoch": epoch,
            "train_loss": 0.9 - 0.1 * epoch,
            "val_dice": 0.6 + 0.01 * epoch + 0.001 * seed,
            "lr": 1e-4,
        }
        for epoch in (1, 2, 3)
    ]
    return {
        "model": model, "seed": seed, "epochs": 3, "batch": 4, "train_minutes": 75.9 + seed,
        "best_val_dice": history[-1]["val_dice"], "test_loss": 0.59, "test_dice_batch": 0.726 + 0.001 * seed,
        "f1": 0.772 + 0.001 * seed, "tnr": 0.94, "history": history, "gpu": "NVIDIA GeForce RTX 4080", "smp": "0.5.0",
    }  # fmt: skip


def test_a_summary_file_per_model_and_seed_is_a_results_file_and_its_seeds_are_replicates(tmp_path, cli):
    """narushynska/plantseg-shared-failures@51205e2 commits `results/seed0/summary_unet_s0.json` (and
    `summary_fpn_s0.json`, …, `seed1/summary_unet_s1.json`): no name the rule knew, so every number
    not named like a result was a param (`test_dice_batch`, `tnr`, `train_minutes`) and the per-epoch
    `history` a param too, JSON text that differs between seeds: `--rows model --metric f1` marked every
    cell † ("averages runs that differ in history (…); test_dice_batch (0.726, 0.727, 0.728);
    train_minutes (…)") and `--metric test_dice_batch` answered "no run logs a metric"."""
    for seed in (0, 1, 2):
        for model in ("unet", "fpn"):
            write(
                tmp_path / "results" / f"seed{seed}" / f"summary_{model}_s{seed}.json",
                _plantseg_summary(model, seed),
            )
    pattern = "seed{seed}/summary_{model}_s{_}.json"
    collected = cli("collect", "results", "--pattern", pattern, "--adapter", "onefile")
    assert collected.exit_code == 0, collected.output
    table = cli("table", "--rows", "model", "--metric", "test_dice_batch")
    assert table.exit_code == 0, table.output
    assert "0.727 ± 0.001" in table.output and "over n = 3 seeds" in table.output
    assert "†" not in table.output and "differ" not in table.output
    runs = cli("runs", "--where", "seed=0", "--where", "model=unet", "--format", "json").output
    assert '"history' not in runs.split('"metrics"')[0]  # no param


def test_a_history_whose_records_name_their_epoch_is_stepped_by_it(tmp_path, store):
    """The same file's `history` holds `{"epoch": 1, "val_dice": …}` from epoch 1: its curves were at
    the records' positions (epoch 1 at step 0), and `epoch` a curve of its own."""
    write(tmp_path / "results" / "seed0" / "summary_unet_s0.json", _plantseg_summary("unet", 0))
    pattern = "seed{seed}/summary_unet_s0.json"
    collect(store, [CollectRequest(str(tmp_path / "results"), pattern=pattern, adapter="onefile")])
    _, metrics = only_run(store)
    [(steps, values, _)] = store.series("history.val_dice").values()
    assert (list(steps), list(values)) == ([1, 2, 3], [0.61, 0.62, 0.63])
    assert "history.epoch" not in metrics and metrics["history.train_loss"]["last_step"] == 3


def test_a_pattern_naming_results_files_reads_each_as_one_run_not_its_history_as_runs(tmp_path, cli):
    """The same tree named by a pattern without `--adapter` (as the docs' examples write one): the
    records adapter took `summary_unet_s0.json` and made a run of each entry of its `history` ("5 runs
    differ only in 'epoch', a step"), the file's test measures lost."""
    for seed in (0, 1):
        write(
            tmp_path / "results" / f"seed{seed}" / f"summary_unet_s{seed}.json",
            _plantseg_summary("unet", seed),
        )
    collected = cli("collect", "results", "--pattern", "seed{seed}/summary_{model}_s{_}.json")
    assert collected.exit_code == 0 and "2 new" in collected.output, collected.output
    runs = cli("runs", "--columns", "name,adapter,model,seed", "--format", "csv").output
    assert "seed1/summary_unet_s1,onefile,unet,1" in runs, runs


def test_a_measure_read_as_a_param_names_the_collect_option_that_makes_it_a_metric(tmp_path, cli):
    """plantseg-shared-failures@51205e2's `tnr` beside `f1` (narushynska/plantseg-shared-failures,
    results/seed0/summary_unet_s0.json), in a file not named as results: `--metric tnr` said "records
    files read fields of whole numbers as params; list it in the source's options", of a number that
    is no whole number, read by onefile, with no option a command line takes."""
    for seed in (0, 1):
        write(
            tmp_path / "r" / f"s{seed}" / "report.json",
            {"model": "unet", "seed": seed, "tnr": 0.94 + seed / 100},
        )
    assert cli("collect", "r").exit_code == 0
    asked = cli("table", "--rows", "model", "--metric", "tnr")
    assert asked.exit_code == 2
    assert (
        "Error: no run logs a metric 'tnr', but 2 run(s) have a param 'tnr' (read by onefile, which makes a "
        "number not named like a result, in a file not named as results, a param); collect again with "
        '-o metrics=tnr (metrics = "tnr" in the options of its [[sources]] entry)\n'
    ) in asked.output, asked.output
    assert cli("collect", "r", "-o", "metrics=tnr").exit_code == 0
    assert "0.945 ± 0.007" in cli("table", "--rows", "model", "--metric", "tnr").output


def test_results_files_named_after_their_run_that_a_plain_collect_left_unread_are_noted(tmp_path, cli):
    """narushynska/plantseg-shared-failures@51205e2 also commits `results/results.json`, an analysis of
    every model: a plain `collect results` read it as the one run, said "1 new … 0 problems" and nothing
    of the six `seed*/summary_*_s*.json` beside it, each a run."""
    for seed in (0, 1, 2):
        for model in ("unet", "fpn"):
            write(
                tmp_path / "results" / f"seed{seed}" / f"summary_{model}_s{seed}.json",
                _plantseg_summary(model, seed),
            )
    write(tmp_path / "results" / "results.json", {"mean_f1": {"unet": 0.79, "fpn": 0.78}})
    plain = cli("collect", "results")
    assert plain.exit_code == 0, plain.output
    assert (
        "6 results file(s) under results were not read (named summary_*_s*.json; e.g. "
        "seed0/summary_unet_s0.json): no adapter claims them by name; collect them too with "
        "--pattern '**/summary_*_s*.json' --adapter onefile"
    ) in plain.output
    patterned = cli("collect", "results", "--pattern", "**/summary_*_s*.json", "--adapter", "onefile")
    assert "6 new" in patterned.output, patterned.output


def test_a_lone_results_file_beside_claimed_runs_is_not_noted(tmp_path, cli):
    write(tmp_path / "results" / "results.json", {"mean_f1": 0.79})
    write(tmp_path / "results" / "extra" / "summary_unet_s0.json", _plantseg_summary("unet", 0))
    plain = cli("collect", "results")
    assert plain.exit_code == 0 and "were not read" not in plain.output, plain.output


def _academia_stats(task: int, repeat: int) -> dict[str, object]:
    """A krezelj/academia `<task>.stats.json`, shortened: a list per episode measure, the greedy
    evaluations made every `evaluation_interval` episodes."""
    return {
        "episode_rewards": [0.1 * task + 0.01 * repeat + 0.001 * episode for episode in range(5)],
        "step_counts": [100 + episode for episode in range(5)],
        "agent_evaluations": [0.5, 0.6 + 0.1 * task],
        "evaluation_interval": 100,
    }


def test_per_episode_lists_in_stats_files_are_curves_read_by_the_pattern_the_hint_gives(tmp_path, cli, store):
    """krezelj/academia@d0e9051 commits `experiments/experiment_1/outputs/eps=0.03/curriculum_iter=1/
    1.stats.json`, one per task and repetition. The hint's pattern was `{group}/{run}/*.stats.json`: the
    three tasks of a folder one config (the run name alone told them apart), `eps=0.03` a value of
    `group`; and a `.stats.json` is no name of results, so `episode_rewards` and every other list of
    2,000 numbers were params (JSON text), and `--metric episode_rewards` found no run logging it."""
    for eps in ("0.03", "0.1"):
        for repeat in (1, 2):
            for task in (1, 2, 3):
                folder = tmp_path / "outputs" / f"eps={eps}" / f"curriculum_iter={repeat}"
                write(folder / f"{task}.stats.json", _academia_stats(task, repeat))
    plain = cli("collect", "outputs")
    pattern = "eps={eps}/curriculum_iter={iter}/{file}.stats.json"
    assert plain.exit_code == 1
    assert (
        f"--pattern '{pattern}' --adapter onefile to make the folders and the parts of the names params"
        in (plain.output)
    ), plain.output
    assert "12 new" in cli("collect", "outputs", "--pattern", pattern).output  # its name says: results
    runs = cli("runs", "--columns", "eps,iter,file,evaluation_interval", "--format", "csv").output
    assert "0.03,2,3,100" in runs and "step_counts" not in runs, runs
    curves = store.series("episode_rewards").values()
    assert len(curves) == 12 and all(list(steps) == [0, 1, 2, 3, 4] for steps, _, _ in curves)
    table = cli(
        "table", "--rows", "eps", "--columns", "file", "--metric", "agent_evaluations", "--replicate", "iter"
    )
    assert table.exit_code == 0, table.output
    assert "over n = 2 iters" in table.output and "higher is better" not in table.output  # no goal named
    assert "†" not in table.output  # the tasks are columns, not runs averaged together


@pytest.mark.parametrize(
    ("name", "results"),
    [
        ("1.stats.json", True),
        ("stats.json", True),
        ("train_stats.json", True),
        ("statistics.yaml", True),
        ("dataset.json", False),
        ("stats_config.json", False),
    ],
)
def test_a_file_named_as_stats_holds_results(name, results):
    assert is_results_file(name) is results


@pytest.mark.parametrize(
    ("key", "outside", "in_results_file"),
    [
        ("episode_rewards", "result", "result"),
        ("train_losses", "result", "result"),
        ("episode_returns", "result", "result"),
        ("step_counts", "param", "result"),
        ("evaluation_interval", "param", "param"),
        ("save_freq", "param", "param"),
        ("confidence_interval", "param", "result"),  # named like no setting: the file decides
        ("metrics.eval_interval", "result", "result"),  # a section of results decides first
    ],
)
def test_plural_measures_are_results_and_intervals_settings(key, outside, in_results_file):
    assert key_kind(key.split("."), results_file=False) == outside
    assert key_kind(key.split("."), results_file=True) == in_results_file


def test_per_episode_lists_are_better_the_way_their_one_episode_is():
    assert goal_from_name("episode_rewards") == goal_from_name("eval/returns") == "max"
    assert goal_from_name("train_losses") == "min"


def test_the_settings_file_beside_a_results_file_gives_the_run_its_params(tmp_path, cli):
    """A run folder of metrics.json beside config.json ({"seed": 1, "lr": 0.1}), the most usual layout
    of a hand-written training script: the config was left unread, every run had no params, and a
    table of its seeds and learning rates averaged them all as one configuration."""
    for seed, lr, acc in ((1, 0.1, 0.9), (2, 0.1, 0.8), (1, 0.01, 0.5), (2, 0.01, 0.7)):
        write(tmp_path / "results" / f"lr{lr}_s{seed}" / "metrics.json", {"acc": acc})
        write(tmp_path / "results" / f"lr{lr}_s{seed}" / "config.json", {"seed": seed, "lr": lr})
    assert "4 new" in cli("collect", "results").output
    table = cli("table", "--rows", "lr", "--metric", "acc")
    assert table.exit_code == 0, table.output
    assert "0.85 ± 0.07" in table.output and "0.60 ± 0.14" in table.output and "n = 2 seeds" in table.output
    write(tmp_path / "results" / "lr0.1_s2" / "config.json", {"seed": 3, "lr": 0.1})
    assert "1 updated" in cli("collect", "results").output  # the settings are part of the run
    runs = cli("runs", "--columns", "name,seed,lr", "--format", "csv").output
    assert "results/lr0.1_s2,3,0.1" in runs, runs


def test_a_results_file_a_pattern_names_reads_the_settings_beside_it_and_a_settings_file_none(
    tmp_path, store, monkeypatch
):
    write(tmp_path / "r" / "x" / "eval_results.json", {"eval_loss": 0.5})
    write(tmp_path / "r" / "x" / "hparams.yaml", {"model": "gpt2", "seed": 0})
    listed: list[str] = []
    monkeypatch.setattr(fs, "names_beside", lambda path: listed.append(path) or (os.path.dirname(path), []))
    collect(store, [CollectRequest(str(tmp_path / "r"), pattern="{run}/eval_results.json")])
    [run] = store.runs()
    assert run.params == {"model": "gpt2", "run": "x", "seed": 0}
    assert listed == []  # the walk's listing of the folder, not a second one
    write(tmp_path / "s" / "y" / "params.yaml", {"lr": 0.1, "config": {"depth": 2}})
    write(tmp_path / "s" / "y" / "config.json", {"seed": 5})
    collect(store, [CollectRequest(str(tmp_path / "s"), pattern="{run}/params.yaml")])
    params = next(run.params for run in store.runs() if run.name.startswith("y"))
    assert "seed" not in params and params["lr"] == 0.1  # a settings file is a run of its own settings


def test_run_files_named_by_the_files_option_take_no_settings_beside(tmp_path, store):
    write(tmp_path / "r" / "a" / "metrics.json", {"acc": 0.9})
    write(tmp_path / "r" / "a" / "config.json", {"seed": 1})
    named = {"adapter": "onefile", "options": {"files": "metrics.json"}}
    collect(store, [CollectRequest(str(tmp_path / "r"), pattern="{run}/metrics.json", **named)])
    [run] = store.runs()
    assert "seed" not in run.params  # the files named are the runs, nothing beside them


def test_runs_without_params_beside_another_file_are_told_the_pattern_that_reads_it(tmp_path, cli):
    """A prompt-selection project's result folders (PRL-addENV's `sum_test_eval_<date>-<time>/`): the
    scores in metrics.json, claimed unasked, and the run's settings under `meta` in run_summary.json
    beside it. Each run had no param and the collect said nothing, so a table averaged a 10-sample
    smoke test with three seeds of the full test set as one configuration."""
    runs = (
        ("100844", 42, 10, 33.1),
        ("112118", 42, None, 32.7),
        ("113822", 43, None, 31.9),
        ("115548", 44, None, 30.8),
    )
    for stamp, seed, limit, score in runs:
        folder = tmp_path / "results" / f"sum_test_eval_20260224-{stamp}"
        write(folder / "metrics.json", {"rouge_avg": score, "num_samples": limit or 819})
        summary = {
            "meta": {"seed": seed, "limit": limit, "task": "sum"},
            "test_metrics": {"rouge_avg": score},
        }
        write(folder / "run_summary.json", summary)
    first = cli("collect", "results")
    assert "4 new" in first.output
    fix = "--pattern '*/run_summary.json' --adapter onefile"
    assert "4 runs read by onefile have no param (their files hold none)" in first.output
    assert "beside each run's metrics.json lies run_summary.json" in first.output and fix in first.output
    assert "(the first: 'sum_test_eval_20260224-100844')" in first.output
    followed = cli(
        "collect", "results", "--pattern", "*/run_summary.json", "--adapter", "onefile", "--db", "new.db"
    )
    assert "4 new" in followed.output and "no param" not in followed.output
    table = cli("table", "--db", "new.db", "--rows", "meta.limit", "--metric", "test_metrics.rouge_avg")
    assert table.exit_code == 0, table.output
    assert "31.8 ± 1.0" in table.output and "33.1" in table.output  # the smoke test on a row of its own


def test_runs_without_params_are_not_told_of_a_file_beside_only_some_of_them(tmp_path, cli):
    for name in ("a", "b", "c"):
        write(tmp_path / "results" / name / "metrics.json", {"acc": 0.5})
    write(tmp_path / "results" / "a" / "run_summary.json", {"meta": {"seed": 1}})
    output = cli("collect", "results").output
    assert "3 new" in output and "no param" not in output
