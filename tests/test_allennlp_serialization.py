"""AllenNLP's serialization directory, as `allennlp train -s DIR` writes it: `config.json` (the nested
experiment config, with `random_seed`, `numpy_seed`, `pytorch_seed` when set), `metrics_epoch_<N>.json`
after each epoch (that epoch's `training_*` and `validation_*`, the running `best_validation_*`,
`best_epoch`, `training_duration`, the counters `training_epochs`, `training_start_epoch`) and, once
training has ended, `metrics.json`; AllenNLP 0.x also writes TensorBoard events under `log/train` and
`log/validation`. AllenNLP is not installed here or in CI: the shapes are those of
RobinWeitzel/NLPProject @ 98047701 (output*/, written by AllenNLP 0.8: BiDAF on SQuAD)."""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path

import pytest

from resultsbook.sources.collect import CollectRequest, collect

REAL = "allennlp-bidaf-squad"  # RobinWeitzel/NLPProject's six serialization directories


def config(dropout: float, encoder: str = "lstm", seeds: tuple[int, ...] | None = None) -> dict:
    """A BiDAF config as config.json holds it, nested; the seeds as the config sets them."""
    document: dict = {
        "dataset_reader": {"type": "squad", "token_indexers": {"tokens": {"type": "single_id"}}},
        "model": {"type": "bidaf", "dropout": dropout, "phrase_layer": {"type": encoder, "hidden_size": 100}},
        "trainer": {"num_epochs": 3, "optimizer": {"type": "adam", "betas": [0.9, 0.9]}, "validation_metric": "+em"},
    }  # fmt: skip
    if seeds is not None:
        document.update(zip(("random_seed", "numpy_seed", "pytorch_seed"), seeds))
    return document


def epoch_file(epoch: int, em: float, best_em: float, loss: float) -> dict:
    """metrics_epoch_<epoch>.json as AllenNLP 0.8 writes it: the epoch's values and the run so far."""
    return {
        "best_epoch": epoch, "peak_cpu_memory_MB": 7604.22, "training_duration": f"0:{10 + epoch:02d}:39.131498",
        "training_start_epoch": 0, "training_epochs": epoch, "epoch": epoch,
        "training_em": em + 0.1, "training_loss": loss, "training_cpu_memory_MB": 7604.22,
        "validation_em": em, "validation_loss": loss + 1, "best_validation_em": best_em,
        "best_validation_loss": loss + 1,
    }  # fmt: skip


def serialization_dir(root: Path, name: str, ems: list[float], document: dict, ended: bool = True) -> Path:
    """Write <root>/<name>/ with config.json, one metrics_epoch_<N>.json per value of `ems`, log/ and,
    when the training `ended`, metrics.json (the last epoch's values, best_* at the best epoch)."""
    folder = root / name
    (folder / "log" / "validation").mkdir(parents=True)
    (folder / "log" / "validation" / "events.out.tfevents.1559205956.falcon1").write_bytes(b"")
    (folder / "vocabulary").mkdir()
    (folder / "vocabulary" / "non_padded_namespaces.txt").write_text("*tags\n*labels\n")
    (folder / "config.json").write_text(json.dumps(document, indent=4))
    best = 0
    for epoch, em in enumerate(ems):
        best = epoch if em > ems[best] else best
        values = epoch_file(epoch, em, ems[best], 3.0 - epoch)
        (folder / f"metrics_epoch_{epoch}.json").write_text(json.dumps(values, indent=2))
        os.utime(folder / f"metrics_epoch_{epoch}.json", (1559205956 + epoch * 600,) * 2)
    if ended:
        last = epoch_file(len(ems) - 1, ems[-1], ems[best], 3.0 - (len(ems) - 1))
        last.update(best_epoch=best, training_duration="1 day, 3:39:57.5")
        (folder / "metrics.json").write_text(json.dumps(last, indent=2))
    return folder


def the_run(store, name):
    (run,) = [run for run in store.runs() if run.name == name]
    return run, {m["key"]: m for m in store.run_metrics(run.id)}


def test_a_serialization_directory_is_one_run_with_its_epochs_as_curves_and_its_config_as_params(
    tmp_path, store
):
    # before: metrics.json alone was the run (no param, no curve: `validation_em` had 0 points), and
    # log/validation's events were a second run, with no param either
    serialization_dir(tmp_path / "models", "bidaf", [0.55, 0.67, 0.66], config(0.2))
    report = collect(store, [CollectRequest(str(tmp_path / "models"))])
    assert (report.new, len(report.problems)) == (1, 0)
    run, metrics = the_run(store, "models/bidaf")
    assert run.adapter == "onefile" and run.status == "finished"
    assert run.params["model.dropout"] == 0.2 and run.params["model.phrase_layer.type"] == "lstm"
    assert run.params["trainer.optimizer.betas"] == "[0.9, 0.9]" and "seed" not in run.params
    steps, values = store.series("validation_em")[run.id][:2]
    assert steps.tolist() == [0, 1, 2] and values.tolist() == [0.55, 0.67, 0.66]  # epoch N at step N
    assert metrics["training_loss"]["last"] == 1.0 and metrics["training_loss"]["last_step"] == 2
    assert metrics["validation_em"]["summary"] == 0.66  # metrics.json's: the last epoch's
    assert metrics["best_validation_em"]["summary"] == 0.67 and metrics["best_epoch"]["summary"] == 1
    assert metrics["best_validation_em"]["n"] == 0  # the running best is not a curve of its own
    assert metrics["training_duration"]["summary"] == 86400 + 3 * 3600 + 39 * 60 + 57.5  # seconds
    assert "training_epochs" not in {key for key, m in metrics.items() if m["n"]}


def test_seeds_the_config_sets_are_the_replicates_of_a_cell(tmp_path, cli):
    # before: no param at all, so three seeds of two dropouts were six cells of one run each (or, with
    # the seeds as params, each cell † "averages runs that differ in numpy_seed, pytorch_seed, random_seed")
    finals = {0.2: [], 0.3: []}
    for dropout in finals:
        for seed in (1, 2, 3):
            ems = [0.5, 0.6 + seed / 100 + dropout / 10, 0.6]
            serialization_dir(tmp_path / "models", f"bidaf_d{dropout}_s{seed}", ems, config(dropout, seeds=(seed,) * 3))
            finals[dropout].append(max(ems))
    assert cli("collect", "models").output.startswith("Collected models: 6 new")
    table = json.loads(
        cli("table", "--rows", "model.dropout", "--metric", "best_validation_em", "--format", "json").output
    )
    assert len(table["cells"]) == 2
    for cell in table["cells"]:
        dropout = cell["row"]["model.dropout"] if isinstance(cell["row"], dict) else float(cell["row"][0])
        assert cell["stats"]["n"] == 3
        assert cell["stats"]["mean"] == pytest.approx(statistics.mean(finals[dropout]), rel=1e-12)
        assert cell["stats"]["std"] == pytest.approx(statistics.stdev(finals[dropout]), rel=1e-12)
        assert not [mark for mark in cell["marks"] if mark["kind"] != "nonsig"]  # no † (mixed), no "few"
    runs = json.loads(cli("runs", "--format", "json").output)["runs"]
    assert sorted(run["params"]["seed"] for run in runs) == [1, 1, 2, 2, 3, 3]
    assert not [run for run in runs if {"random_seed", "numpy_seed", "pytorch_seed"} & set(run["params"])]


def test_seeds_that_differ_between_python_numpy_and_pytorch_are_one_seed_as_written(tmp_path, store):
    serialization_dir(tmp_path, "run", [0.5, 0.6], config(0.2, seeds=(13370, 1337, 133)))
    collect(store, [CollectRequest(str(tmp_path))])
    (run,) = store.runs()
    assert run.params["seed"] == "[13370, 1337, 133]"  # a list, as the store keeps one


def test_a_config_json_that_holds_no_mapping_is_named_and_the_run_keeps_its_curves(tmp_path, store):
    """config.json holding a list was dropped without a word: the run had no params and nothing said why."""
    folder = serialization_dir(tmp_path, "run", [0.5, 0.6], config(0.2))
    (folder / "config.json").write_text("[1, 2]")
    report = collect(store, [CollectRequest(str(tmp_path))])
    (run,) = store.runs()
    assert run.params == {} and len(store.series("validation_em")[run.id][0]) == 2
    (problem,) = report.problems
    assert (problem.path, problem.message, problem.kept) == (
        str(folder / "config.json"), "does not hold a mapping of config keys", "the run without params"
    )


def test_a_run_still_training_is_not_finished_and_the_next_collect_updates_it(tmp_path, store):
    folder = serialization_dir(tmp_path / "models", "bidaf", [0.55, 0.67], config(0.2), ended=False)
    assert collect(store, [CollectRequest(str(tmp_path / "models"))]).new == 1
    run, metrics = the_run(store, "models/bidaf")
    assert run.status == "unknown" and metrics["validation_em"]["last"] == 0.67
    assert "best_validation_em" not in metrics  # no finals before metrics.json
    serialization_dir(tmp_path / "later", "bidaf", [0.55, 0.67, 0.7], config(0.2))
    for name in ("metrics_epoch_2.json", "metrics.json"):
        (folder / name).write_bytes((tmp_path / "later" / "bidaf" / name).read_bytes())
    report = collect(store, [CollectRequest(str(tmp_path / "models"))])
    assert (report.new, report.updated) == (0, 1)
    again, metrics = the_run(store, "models/bidaf")
    assert again.id == run.id and again.status == "finished"
    assert metrics["validation_em"]["n"] == 3 and metrics["best_validation_em"]["summary"] == 0.7


def test_a_pattern_naming_metrics_json_reads_the_whole_folder_its_fields_as_params(tmp_path, store):
    serialization_dir(tmp_path / "models", "gru", [0.5, 0.6], config(0.2, "gru"))
    serialization_dir(tmp_path / "models", "lstm", [0.5, 0.7], config(0.2, "lstm"))
    request = CollectRequest(str(tmp_path / "models"), pattern="{encoder}/metrics.json")
    assert collect(store, [request]).new == 2
    run, metrics = the_run(store, "models/gru")
    assert run.params["encoder"] == "gru" and run.params["model.phrase_layer.type"] == "gru"
    assert metrics["validation_em"]["n"] == 2


def test_real_serialization_directories_give_each_model_its_epochs_and_finals(realdata, cli):
    tree = realdata / REAL
    if not tree.is_dir():
        pytest.skip(f"{tree} is absent")
    collected = cli("collect", str(tree))
    assert collected.output.strip() == f"Collected {tree}: 6 new, 0 updated, 0 unchanged, 0 problems"
    runs = {run["name"]: run for run in json.loads(cli("runs", "--format", "json").output)["runs"]}
    assert sorted(runs) == [f"{REAL}/{folder.name}" for folder in sorted(tree.iterdir())]
    table = cli("table", "--rows", "name", "--metric", "validation_em", "--reduce", "max", "--format", "json")
    cells = {cell["row"]["name"] if isinstance(cell["row"], dict) else cell["row"][0]: cell
             for cell in json.loads(table.output)["cells"]}  # fmt: skip
    at_best = cli(
        "table", "--rows", "name", "--metric", "validation_f1", "--reduce", "best(validation_em, max)",
        "--format", "json",
    )  # fmt: skip
    f1s = {cell["row"]["name"] if isinstance(cell["row"], dict) else cell["row"][0]: cell["stats"]["mean"]
           for cell in json.loads(at_best.output)["cells"]}  # fmt: skip
    for folder in sorted(tree.iterdir()):
        finals = json.loads((folder / "metrics.json").read_text())
        assert f1s[f"{REAL}/{folder.name}"] == finals["best_validation_f1"]  # the epoch AllenNLP kept
        epochs = sorted(folder.glob("metrics_epoch_*.json"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
        ems = [json.loads(path.read_text())["validation_em"] for path in epochs]
        assert len(ems) == finals["epoch"] + 1  # epochs 0..18 of the baseline: 19 points
        assert ems[-1] == finals["validation_em"]  # metrics.json's validation_* are the last epoch's
        assert max(ems) == finals["best_validation_em"] == ems[finals["best_epoch"]]  # +em chose the best
        cell = cells[f"{REAL}/{folder.name}"]
        assert cell["stats"]["n"] == 1 and cell["stats"]["mean"] == finals["best_validation_em"]
        run = runs[f"{REAL}/{folder.name}"]
        assert run["status"] == "finished" and run["params"]["model.type"] == "bidaf"


def test_status_says_the_runs_an_older_reading_made_of_the_folder_are_now_part_of_its_run(
    tmp_path, cli, monkeypatch
):
    # a store collected before this reading held metrics.json and log/validation as runs; the next
    # collect marks them missing, and status said "its logs are gone since it was collected ... put them
    # back and collect", though they were there: the folder's run reads them now
    from resultsbook.sources import allennlp

    serialization_dir(tmp_path / "models", "bidaf", [0.55, 0.67], config(0.2))
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "models"\n\n[tables.t]\nmetric = "best_validation_em"\nrows = ["model.dropout"]\n'
        'outputs = ["t.md"]\n'
    )
    with monkeypatch.context() as before:
        before.setattr(allennlp, "is_run_folder", lambda names: False)
        assert "2 new" in cli("collect").output  # and log/validation's events
    assert "2 missing" in cli("collect").output
    lines = cli("status").output.splitlines()
    shown = lines.index("  gone        models/bidaf  (models/bidaf/metrics.json)")
    assert lines[shown + 1] == (
        "              its files are now read as part of models/bidaf, so no table counts this run: "
        "resultsbook forget models/bidaf/metrics.json drops it"
    )
    # and forget said "the next `resultsbook build` or `collect` brings them back", which it does not
    assert cli("forget", "models/bidaf/metrics.json").output == (
        "Forgot 1 run of 1 source (the logs are untouched)\n"
    )
    assert "models/bidaf/metrics.json" not in cli("status").output


def test_epoch_files_another_program_wrote_are_named_instead_of_a_run_without_curves_said_nothing(
    tmp_path, store
):
    folder = tmp_path / "out"
    folder.mkdir()
    for epoch in range(2):
        (folder / f"metrics_epoch_{epoch}.json").write_text(json.dumps({"acc": 0.5 + epoch / 10, "epoch": epoch}))
    report = collect(store, [CollectRequest(str(tmp_path))])
    assert [(p.path, p.message) for p in report.problems] == [
        (
            str(folder / "metrics_epoch_0.json"),
            "holds no number named training_* or validation_*, as AllenNLP's metrics of an epoch do",
        )
    ]


def test_a_pattern_field_in_the_name_of_the_epoch_files_is_named_as_one_value_per_run(tmp_path, cli):
    # before: `--pattern '{variant}/metrics_epoch_{epoch}.json'` collected each folder as one run with the
    # param epoch = 0 (its first file's), and said nothing of the other epochs' values
    serialization_dir(tmp_path / "models", "bidaf", [0.55, 0.67, 0.66], config(0.2))
    result = cli("collect", "models", "--pattern", "{variant}/metrics_epoch_{epoch}.json")
    assert result.output.splitlines() == [
        "Collected models: 1 new, 0 updated, 0 unchanged, 1 problem",
        "Problems (everything readable was kept):",
        "  models/bidaf: the field {epoch} of --pattern '{variant}/metrics_epoch_{epoch}.json' is 0 in one of "
        "this run's files and 1 in another, and a run has one value of a param: put '*' in its place — kept: "
        "epoch = the first file's value",
    ]
    again = cli("collect", "models", "--pattern", "{variant}/metrics_epoch_*.json")
    assert again.output.startswith("Collected models: 0 new, 1 updated") and "problem" not in again.output[60:]
