"""One sweep logged by eight trackers collects into one store, and its table aggregates across all of them.

The fixture (tests/fixtures/sweep, written by the trackers' own libraries with make_fixture.py):
model in {a, b} x dataset in {x, y}, and in every cell one run per tracker, each with its own seed:
MLflow file store, MLflow SQLite store, TensorBoard, W&B offline, Sacred, a Hydra multirun
logging with resultsbook.Run, Lightning CSVLogger and the Hugging Face Trainer.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from collections import Counter

import pytest
from trackers import FIXTURES

from resultsbook.sources.collect import CollectRequest, collect

SWEEP = FIXTURES / "sweep"
EXPECTED = json.loads((SWEEP / "expected.json").read_text())
TABLE = ("table", "--rows", "model", "--columns", "dataset", "--metric", "val/acc")
# the trackers that record the git commit of the script that logged the run
RECORD_GIT = {"mlflow", "wandb", "sacred", "hydra"}


@pytest.fixture
def collected(tmp_path, cli):
    """Copy the sweep into tmp_path (the store must not land in the repository) and collect it."""
    shutil.copytree(SWEEP, tmp_path / "sweep")
    result = cli("collect", "sweep")
    assert result.exit_code == 0, result.output
    return result


def stored_runs(cli) -> dict[str, dict]:
    """Return `resultsbook runs --format json` by run id."""
    result = cli("runs", "--format", "json")
    assert result.exit_code == 0, result.output
    return {run["run_id"]: run for run in json.loads(result.stdout)["runs"]}


def test_every_run_of_the_sweep_is_collected_once_by_its_own_trackers_adapter(collected, cli):
    total = len(EXPECTED["runs"])
    assert collected.stdout == f"Collected sweep: {total} new, 0 updated, 0 unchanged, 0 problems\n"
    runs = stored_runs(cli).values()
    assert Counter(run["adapter"] for run in runs) == EXPECTED["runs_by_adapter"]
    found = Counter(
        (run["adapter"], run["params"]["model"], run["params"]["dataset"], run["params"]["seed"])
        for run in runs
    )
    want = Counter((r["adapter"], r["model"], r["dataset"], r["seed"]) for r in EXPECTED["runs"])
    assert found == want
    again = cli("collect", "sweep")
    assert again.stdout == f"Collected sweep: 0 new, 0 updated, {total} unchanged, 0 problems\n"


def test_table_aggregates_val_acc_over_the_runs_of_every_tracker(collected, cli):
    result = cli(*TABLE, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    adapters = {run_id: run["adapter"] for run_id, run in stored_runs(cli).items()}
    table = EXPECTED["table"]
    cells = {(c["row"]["model"], c["column"]["dataset"]): c for c in document["cells"]}
    assert sorted(cells) == sorted((model, dataset) for model in table for dataset in table[model])
    for (model, dataset), cell in cells.items():
        want = table[model][dataset]
        assert cell["stats"]["n"] == want["n"]
        assert math.isclose(cell["stats"]["mean"], want["mean"], rel_tol=1e-12)
        assert math.isclose(cell["stats"]["std"], want["std"], rel_tol=1e-12)
        lasts = [r["last"] for r in EXPECTED["runs"] if (r["model"], r["dataset"]) == (model, dataset)]
        assert sorted(run["value"] for run in cell["runs"]) == sorted(lasts)
        trackers = [r["adapter"] for r in EXPECTED["runs"] if (r["model"], r["dataset"]) == (model, dataset)]
        assert Counter(adapters[run["run_id"]] for run in cell["runs"]) == Counter(trackers)


def test_cells_mix_no_seeds_commits_or_statuses_and_agree_on_every_param_their_runs_share(collected, cli):
    runs = stored_runs(cli)
    for run in runs.values():
        want = EXPECTED["git_commit"] if run["adapter"] in RECORD_GIT else None
        assert run["git_commit"] == want, run["name"]
    document = json.loads(cli(*TABLE, "--format", "json").stdout)
    for cell in document["cells"]:
        # only the HF runs record the Trainer's 117 other arguments: params some runs lack are not a mix
        assert cell["marks"] == []
        members = [runs[run["run_id"]]["params"] for run in cell["runs"]]
        for key in set().union(*members) - {"seed"}:
            recorded = [params[key] for params in members if key in params]
            assert all(value == recorded[0] for value in recorded), key


def test_the_acceptance_command_prints_the_table_in_the_terminal(collected, cli):
    result = cli(*TABLE)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["model", "x", "y"]
    table = EXPECTED["table"]
    for model in ("a", "b"):
        (row,) = [line for line in lines if line.split()[:1] == [model]]
        printed = re.findall(r"(\d+\.(\d+)) ± (\d+\.\d+)", row)
        assert len(printed) == 2, row
        for dataset, (mean, decimals, std) in zip(("x", "y"), printed):
            half = 0.5 * 10 ** -len(decimals) + 1e-12
            assert abs(float(mean) - table[model][dataset]["mean"]) <= half
            assert abs(float(std) - table[model][dataset]["std"]) <= half
    assert f"over n = {table['a']['x']['n']} seeds" in result.stdout


def test_a_changed_file_of_any_tracker_rereads_only_its_own_run(tmp_path, store):
    shutil.copytree(SWEEP, tmp_path / "sweep")
    request = [CollectRequest(str(tmp_path / "sweep"))]
    collect(store, request)
    one_of_each = [
        "mlruns/*/*/metrics/val/acc",
        "mlflow.db",
        "tb_logs/*/*/events.out.tfevents.*",  # the hparams session folder of a TensorBoard run
        "wandb/*/run-*.wandb",
        "sacred_runs/1/metrics.json",
        "multirun/sweep/0/run/metrics.jsonl",  # the native run inside a Hydra job
        "lightning_logs/sweep/version_0/metrics.csv",
        "hf_out/*/trainer_state.json",
    ]
    for index, pattern in enumerate(one_of_each):
        path = sorted((tmp_path / "sweep").glob(pattern))[0]
        os.utime(path, (1e9 + index, 1e9 + index))
        report = collect(store, request, changed=[str(path)])
        assert (report.new, report.updated, report.missing, report.sources_read) == (0, 0, 0, 1), pattern
    assert len(store.runs()) == len(EXPECTED["runs"])
