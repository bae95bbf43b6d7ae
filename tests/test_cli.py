"""The command line: the contract forms, exact outputs, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, curve, write_native_run

import resultsbook as rb


def quickstart_runs(make_run):
    for model, base in (("logreg", 0.8), ("mlp", 0.9)):
        for dataset, shift in (("moons", 0.0), ("circles", -0.1)):
            for seed in range(3):
                make_run(
                    f"{model}_{dataset}_{seed}",
                    {"model": model, "dataset": dataset, "seed": seed},
                    curve([0.5, base + shift + seed / 100], key="test/acc"),
                )


def test_table_from_flags_alone(make_run, cli):
    quickstart_runs(make_run)
    assert cli("collect", "runs").output == "Collected runs: 12 new, 0 updated, 0 unchanged, 0 problems\n"
    result = cli("table", "--rows", "model", "--columns", "dataset", "--metric", "test/acc", "--digits", "3")
    assert result.exit_code == 0
    assert result.stderr == (  # the goal was guessed from the name: said, with the flag that states it
        "Note: the goal of 'test/acc' comes from its name (higher is better); state it with --goal test/acc=max\n"
    )
    assert result.stdout == (
        "model              circles              moons\n"
        "-------  -----------------  -----------------\n"
        "logreg       0.710 ± 0.010      0.810 ± 0.010\n"
        "mlp      **0.810 ± 0.010**  **0.910 ± 0.010**\n"
        "Mean ± std (ddof = 1) over n = 3 seeds; per run: last. "
        "**…**: best (higher is better; Welch's t-test against the runner-up, two-sided, α = 0.05 in each of 2 "
        "columns, uncorrected).\n"
    )


def test_a_list_flag_given_twice_adds_to_it_rather_than_replacing_it(make_run, cli):
    # `--stat median --stat iqr` printed the mean with the IQR (0.58 [0.51, 0.56]: a centre outside
    # its own spread), the median dropped unsaid
    quickstart_runs(make_run)
    cli("collect", "runs")
    flags = ("table", "--metric", "test/acc", "--digits", "3", "--goal", "max")
    twice = cli(*flags, "--rows", "model", "--rows", "dataset", "--stat", "median", "--stat", "iqr")
    once = cli(*flags, "--rows", "model,dataset", "--stat", "median,iqr")
    assert twice.exit_code == 0 and twice.stdout == once.stdout
    assert "Median with interquartile range" in twice.stdout and "circles" in twice.stdout
    columns = cli(*flags, "--rows", "model", "--columns", "dataset", "--columns", "seed")
    assert columns.stdout == cli(*flags, "--rows", "model", "--columns", "dataset,seed").stdout
    assert columns.stdout.split()[:3] == ["model", "circles", "/"]  # circles / 0: both keys


def test_runs_metric_of_a_lightning_split_metric_names_both_halves(make_run, cli):
    make_run("r0", {"model": "a"}, [{"step": 1, "val_acc_step": 0.8}, {"step": 2, "val_acc_epoch": 0.9}])
    cli("collect", "runs")
    result = cli("runs", "--metric", "val_acc:max")
    assert result.exit_code == 2 and "did you mean 'val_acc_epoch' or 'val_acc_step'?" in result.stderr


def test_table_csv_with_only_rows_is_a_header_then_one_line_per_row(make_run, cli):
    quickstart_runs(make_run)
    cli("collect", "runs")
    result = cli(
        "table",
        "--rows",
        "model",
        "--metric",
        "test/acc",
        "--stat",
        "mean,std,n",
        "--format",
        "csv",
        "--where",
        "dataset=moons",
        "--ddof",
        "0",
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "model,mean,std,n,marks"
    assert lines[1].startswith("logreg,0.81") and lines[1].endswith(",3,")
    assert len(lines) == 3
    rounded = cli(
        "table",
        "--rows",
        "model",
        "--metric",
        "test/acc",
        "--format",
        "csv",
        "--digits",
        "2",
        "--where",
        "dataset=moons",
    )
    assert rounded.output.splitlines() == [
        "model,mean,std,n,marks",
        "logreg,0.81,0.01,3,",
        "mlp,0.91,0.01,3,",
    ]  # no bold, no note; n unasked, as a spec's table gives it


def test_table_json_is_a_versioned_document(make_run, cli):
    quickstart_runs(make_run)
    cli("collect", "runs")
    document = json.loads(cli("table", "--rows", "model", "--metric", "test/acc", "--format", "json").output)
    assert (document["format"], document["version"], document["ddof"]) == ("resultsbook.table", 3, 1)
    assert len(document["cells"]) == 2 and len(document["cells"][0]["runs"]) == 6
    printed = cli("table", "--rows", "model", "--metric", "test/acc").output
    assert document["note"].replace("Bold:", "**…**:") in printed  # the sentence under the printed table
    # the printed table's highlighting: which cell is bold, and why a best cell may not be significant
    emphasis = {cell["row"]["model"]: cell.get("emphasis") for cell in document["cells"]}
    assert emphasis == {"mlp": "best", "logreg": None}
    kinds = {cell["row"]["model"]: [mark["kind"] for mark in cell["marks"]] for cell in document["cells"]}
    assert ("°" in printed) == ("nonsig" in kinds["mlp"])


ACCURACIES = {  # cnn and vit about equal, mlp clearly worse: 3 models x 5 seeds
    "cnn": [0.890, 0.895, 0.897, 0.900, 0.904],
    "vit": [0.884, 0.892, 0.898, 0.903, 0.910],
    "mlp": [0.825, 0.830, 0.836, 0.840, 0.845],
}


def test_two_cells_printing_the_best_value_are_both_bold_and_the_note_and_json_say_why(make_run, cli):
    """cnn and vit both print 0.897: both bold, each tested against mlp, where the note read as if
    one best had been tested, and the JSON gave `"emphasis": "best"` alone (no test, no p-value)."""
    for model, values in ACCURACIES.items():
        for seed, value in enumerate(values):
            make_run(f"{model}_{seed}", {"model": model, "seed": seed}, curve([value - 0.1, value]))
    cli("collect", "runs")
    flags = ("table", "--rows", "model", "--metric", "acc", "--goal", "max")
    assert cli(*flags).stdout.splitlines()[-1] == (
        "Mean ± std (ddof = 1) over n = 5 seeds; per run: last. **…**: best, and every cell that prints "
        "the same value (higher is better; Welch's t-test of each against the runner-up, two-sided, α = 0.05)."
    )
    cells = {cell["row"]["model"]: cell for cell in json.loads(cli(*flags, "--json").stdout)["cells"]}
    assert "emphasis_basis" not in cells["mlp"]
    cnn = cells["cnn"]["emphasis_basis"]
    assert (cnn["rule"], cnn["same_value"], cnn["test"]) == (
        "best",
        [{"row": {"model": "vit"}, "column": {}}],
        "Welch's t-test",
    )
    assert (cnn["against"], cnn["alpha"], cnn["significant"]) == (
        {"row": {"model": "mlp"}, "column": {}},
        0.05,
        True,
    )
    assert cnn["p"] == pytest.approx(1.8019234502187e-06, rel=1e-9)  # scipy's ttest_ind(equal_var=False)
    assert (
        cnn["text"] == "best, printed by vit too; significantly better than mlp (Welch's t-test, p = 1.8e-06)"
    )
    # one bold cell: the note stays as short as it was, and the JSON p-value is the one the ° mark prints
    printed = cli(*flags, "--digits", "4")
    assert printed.stdout.splitlines()[-1].endswith(
        "**…**: best (higher is better; Welch's t-test against the runner-up, two-sided, α = 0.05)."
    )
    assert "vit: not significantly better than cnn (Welch's t-test, p = 0.97)" in printed.stderr
    cells = {
        cell["row"]["model"]: cell
        for cell in json.loads(cli(*flags, "--digits", "4", "--json").stdout)["cells"]
    }
    vit = cells["vit"]["emphasis_basis"]
    assert (vit["against"]["row"], f"{vit['p']:.2g}", vit["significant"]) == ({"model": "cnn"}, "0.97", False)
    assert [mark["text"] for mark in cells["vit"]["marks"]] == [vit["text"].removeprefix("best; ")]
    assert cells["cnn"]["emphasis_basis"] == {
        "rule": "runner_up",
        "text": "runner-up: the second best value printed; not tested",
    }
    none = json.loads(cli(*flags, "--test", "none", "--json").stdout)["cells"][0]["emphasis_basis"]
    assert none["untested"] == 'test = "none": bold is the best value printed' and "p" not in none


def test_collect_twice_reports_nothing_new(make_run, cli):
    quickstart_runs(make_run)
    cli("collect", "runs")
    assert cli("collect", "runs").output == "Collected runs: 0 new, 0 updated, 12 unchanged, 0 problems\n"


def test_problems_are_listed_after_collect(make_run, cli, tmp_path):
    folder = make_run("r", {"model": "a"}, curve([1.0]))
    with open(folder / "metrics.jsonl", "a") as handle:
        handle.write('{"step": 2, "ac')
    result = cli("collect", "runs")
    assert result.output.splitlines() == [
        "Collected runs: 1 new, 0 updated, 0 unchanged, 1 problem",
        "Problems (everything readable was kept):",
        "  runs/r/metrics.jsonl: last line (2) is cut off (a run still writing?); if the file is complete, end its last line with a newline — kept: the 1 complete line(s) before it",
    ]
    assert cli("problems").output.endswith("kept: the 1 complete line(s) before it\n")


def test_a_second_collect_says_the_problems_of_its_unchanged_sources_still_stand(make_run, cli, tmp_path):
    """A stranger collected an SB3 tree twice (github.com/eliamounier/Deep_RL): the second said `0
    problems` while the 9 of the first still stood, as `resultsbook problems` showed."""
    folder = make_run("r", {"model": "a"}, curve([1.0]))
    make_run("s", {"model": "b"}, curve([1.0]))
    with open(folder / "metrics.jsonl", "a") as handle:
        handle.write('{"step": 2, "ac')
    cli("collect", "runs")
    assert cli("collect", "runs").output.splitlines() == [
        "Collected runs: 0 new, 0 updated, 2 unchanged, 0 problems",
        "Note: 1 problem met when the unchanged sources were last read still stands; `resultsbook problems` lists them",
    ]
    (tmp_path / "resultsbook.toml").write_text('[[sources]]\npath = "runs"\n')
    assert "Note: 1 problem met when" in cli("collect").output


def test_runs_are_listed_with_the_numbers_in_their_names_in_order(make_run, cli):
    for index in (10, 2, 1, 21):
        make_run(f"version_{index}", {"seed": index}, curve([1.0]))
    cli("collect", "runs")
    names = [line.split()[0] for line in cli("runs", "--columns", "name").output.splitlines()[2:-1]]
    assert names == ["version_1", "version_2", "version_10", "version_21"]


def test_runs_named_by_decimal_numbers_are_listed_by_their_value(make_run, cli):
    """ML-PWS's `pws_gain=0.025` … `pws_gain=20.0`: `runs` listed 0.025, 0.2063979, 0.2934266, 0.03554137
    (the digits after the point compared as whole numbers), a gain sweep out of order."""
    for gain in ("0.2934266", "0.03554137", "20.0", "0.025", "1.19860564", "0.2063979"):
        make_run(f"pws_gain={gain}", {"gain": float(gain)}, curve([1.0]))
    for version in ("v1.10.0", "v1.9.2"):  # a dotted version is no decimal number
        make_run(version, {"gain": 0}, curve([1.0]))
    cli("collect", "runs")
    names = [line.split()[0] for line in cli("runs", "--columns", "name").output.splitlines()[2:-1]]
    assert names == [
        "pws_gain=0.025",
        "pws_gain=0.03554137",
        "pws_gain=0.2063979",
        "pws_gain=0.2934266",
        "pws_gain=1.19860564",
        "pws_gain=20.0",
        "v1.9.2",
        "v1.10.0",
    ]


def test_a_run_collected_from_inside_its_folder_is_named_after_it(make_run, cli, tmp_path, monkeypatch):
    folder = make_run("lr0.1-seed3", {"lr": 0.1, "seed": 3}, curve([0.5, 0.7]))
    monkeypatch.chdir(folder)
    store = str(tmp_path / "s.db")
    for given in ("metrics.jsonl", "./config.json", "."):  # a file of it (a crash before), or the folder
        result = cli("collect", given, "--db", store)
        assert result.exit_code == 0, result.output
        names = cli("runs", "--db", store, "--columns", "name").output.splitlines()[2:-1]
        assert names == ["lr0.1-seed3"]  # one run, whatever was given, not "."
    mlflow = tmp_path / "project"
    mlflow.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "mlflow" / "sqlite" / "mlflow.db", mlflow)
    monkeypatch.chdir(mlflow)
    by_file = cli("collect", "mlflow.db", "--db", "by-file.db")  # MLflow 3.7+'s default store, by its name
    by_folder = cli("collect", ".", "--db", "by-folder.db")
    assert by_file.exit_code == 0, by_file.output
    assert by_file.output.split(":")[1] == by_folder.output.split(":")[1]


def test_an_mlflow_run_folder_holding_only_artifacts_says_where_its_runs_are(cli, tmp_path):
    run = tmp_path / "mlruns" / "1" / "6f834b64eab844c29ac8b7632a2d2f17"
    (run / "artifacts" / "model").mkdir(parents=True)
    (run / "artifacts" / "model" / "MLmodel").write_text("flavors: {}\n")
    for adapter in ((), ("--adapter", "mlflow")):
        result = cli("collect", str(run), *adapter)
        assert result.exit_code == 1
        assert result.output == (
            f"Error: no runs found under {run}; it holds an MLflow run's artifacts but no meta.yaml: the "
            "run's params and metrics are in the tracking server or database that logged it; collect that "
            "instead (mlflow+http://HOST:PORT, or its mlflow.db); the store was left as it was\n"
        )


def test_an_mlflow_file_store_of_experiments_without_runs_says_where_its_runs_are(cli, tmp_path):
    # what MLflow writes on first use, committed without runs (seen in github.com/2025-1-productos-de-
    # datos/PRE-08-mlflow-tracking-local-Camilaux @ 938b3918): collect advised --pattern '**/meta.yaml'
    shutil.copytree(ROOT / "tests" / "fixtures" / "mlflow" / "empty", tmp_path / "project")
    first = os.path.join("project", "mlruns", "0", "meta.yaml")
    fix = "no run was logged there, or the run folders were not copied with it; collect"
    for given, what in (
        ("project", f"MLflow experiments ({first} and 1 more)"),
        ("project/mlruns", f"MLflow experiments ({first} and 1 more)"),
        ("project/mlruns/0", f"an MLflow experiment ({first})"),
    ):
        result = cli("collect", given)
        assert result.exit_code == 1
        assert result.output == (
            f"Error: no runs found under {given}; it holds {what} but no run folder (<experiment>/<run id>/"
            f"meta.yaml): {fix} the store they were logged to (its mlflow.db, or mlflow+http://HOST:PORT); "
            "the store was left as it was\n"
        )
    shutil.copy(ROOT / "tests" / "fixtures" / "mlflow" / "sqlite" / "mlflow.db", tmp_path / "project")
    beside = cli("collect", "project/mlruns")
    assert beside.output.endswith(
        f"{fix} {os.path.join('project', 'mlflow.db')}; the store was left as it was\n"
    )


def test_an_mlflow_sqlite_projects_artifact_tree_or_uri_says_to_collect_its_mlflow_db(cli, tmp_path):
    shutil.copy(ROOT / "tests" / "fixtures" / "mlflow" / "sqlite" / "mlflow.db", tmp_path)
    for run in ("6f834b64eab844c29ac8b7632a2d2f17", "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"):
        (tmp_path / "mlruns" / "1" / run / "artifacts").mkdir(parents=True)  # MLflow 3.7+'s default layout
    for given in ("mlruns", "mlruns/1"):
        result = cli("collect", given)
        assert result.exit_code == 1
        assert result.output == (
            f"Error: no runs found under {given}; it holds MLflow runs' artifacts but no meta.yaml: their "
            "params and metrics are in the tracking server or database that logged them; collect mlflow.db; "
            "the store was left as it was\n"
        )
    uri = cli("collect", "sqlite:///mlflow.db")  # MLFLOW_TRACKING_URI as it is
    assert uri.exit_code == 2
    assert uri.output == (
        "Error: sqlite:///mlflow.db is MLflow's name for the file mlflow.db: collect it "
        "(`resultsbook collect mlflow.db`)\n"
    )
    assert cli("collect", "mlflow.db").exit_code == 0


def test_keras_csvlogger_files_named_csv_of_their_own_are_answered_with_the_keras_adapter(cli, tmp_path):
    """Keras 3.15's CSVLogger written to `lr0.01_seed0.csv`: the hint named the pattern alone, the csv
    adapter then read its NA cells (val_* columns of epochs without validation) as text, and advised
    --adapter records."""
    logs = tmp_path / "k"
    logs.mkdir()
    for seed in (0, 1):
        (logs / f"lr0.01_seed{seed}.csv").write_text("epoch,acc,loss,val_acc,val_loss\n0,0.5,1.0,NA,NA\n")
    found = cli("collect", "k")
    assert found.exit_code == 1
    assert "read them with --pattern '**/lr*.*_seed*.csv' --adapter keras_csv (see" in found.output, (
        found.output
    )
    read = cli("collect", "k", "--pattern", "**/lr*.*_seed*.csv", "--adapter", "keras_csv")
    assert read.exit_code == 0 and "2 new" in read.output and "text" not in read.output, read.output


def test_keras_csvlogger_files_of_names_of_their_own_are_answered_with_the_keras_adapter(cli, tmp_path):
    """irfanet-10 keeps its CSVLogger logs as training_logs191017(2).log, ...: `collect` said only to
    name the format with --adapter, and `--pattern` that no installed adapter reads them."""
    logs = tmp_path / "logs"
    logs.mkdir()
    for name in ("training_logs191017(2).log", "training_logs191017(3).log"):
        (logs / name).write_text("epoch,acc,loss,val_acc,val_loss\n0,0.5,1.0,0.6,0.9\n")
    keras = (
        "they are Keras CSVLogger logs (a header starting with 'epoch'): --adapter keras_csv reads them under "
        "any name, one run per file; the store was left as it was\n"
    )
    found = cli("collect", "logs")
    assert found.exit_code == 1
    assert found.output == (
        "Error: no runs found under logs (every installed adapter, no --pattern); it holds 2 .log file(s) "
        "(e.g. training_logs191017(2).log) that no adapter claims by name; " + keras
    )
    matched = cli("collect", "logs", "--pattern", "training_logs{date}({rep}).log")
    assert matched.exit_code == 1  # the text adapter reads the .log files a pattern names, and says whose
    assert (
        "logs/training_logs191017(*).log (2 paths, e.g. logs/training_logs191017(2).log): is a Keras CSVLogger "
        "log (a header starting with 'epoch'), not a text log of numbers: --adapter keras_csv reads it under "
        "any name, one run per file — kept: nothing from this file"
    ) in matched.output
    (logs / "training_logs191017(2).log").write_text("2017-10-19 12:00 started\n")  # a text log: no hint
    assert "keras_csv" not in cli("collect", "logs").output


def test_a_tree_no_adapter_claims_says_which_log_files_it_holds_and_the_pattern_to_read_them(cli, tmp_path):
    for algo, seed in [("bcq", 0), ("bcq", 1), ("cql", 0)]:
        run = tmp_path / "runs" / algo / f"{algo}_{seed}"
        run.mkdir(parents=True)
        (run / "environment.csv").write_text("1,1000,5.5\n2,2000,6.5\n")  # d3rlpy's, without a header
    (tmp_path / "runs" / "notes.yaml").write_text("who: me\n")
    result = cli("collect", "runs")
    assert result.exit_code == 1
    assert result.output == (
        "Error: no runs found under runs (every installed adapter, no --pattern); it holds 3 file(s) named "
        "environment.csv (e.g. bcq/bcq_0/environment.csv) that no adapter claims by name: read them with "
        "--pattern '**/environment.csv', or --pattern '{group}/{run}/environment.csv' to make the folders "
        "params (see `resultsbook adapters` for the formats read without a pattern); the store was left as it "
        "was\n"
    )
    suggested = cli(
        "collect", "runs", "--pattern", "{group}/{run}/environment.csv", "--columns", "epoch,step,return"
    )
    assert suggested.output.startswith("Collected runs: 3 new, 0 updated, 0 unchanged, 0 problems")


def test_a_metric_asked_of_runs_that_log_none_points_to_the_problems_of_the_collect(cli, tmp_path):
    """Hydra jobs whose only log is a plain CSV (nathimel/rdsg@82682cf) are runs of params alone: the
    table said 'logged metrics: none', with no word of where the metrics went."""
    for param in (0, 1):
        job = tmp_path / "multirun" / f"sim_param={param}"
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "config.yaml").write_text(f"sim_param: {param}\n")
        (job / "mean_points.csv").write_text("rate,distortion,round\n0.0067,16.44,0\n")
    assert "holds no metrics an adapter reads" in cli("collect", "multirun").output
    expected = (
        "Error: no run logs a metric 'distortion': no run in the store logs any metric; resultsbook problems "
        "lists what the collect could not read\n"
    )
    table = cli("table", "--rows", "sim_param", "--metric", "distortion")
    assert (table.exit_code, table.output) == (2, expected)
    runs = cli("runs", "--metric", "distortion")
    assert (runs.exit_code, runs.output) == (2, expected)
    read = cli("collect", "multirun", "--pattern", "**/mean_points.csv", "-o", "config=.hydra/config.yaml")
    # the jobs' runs of params alone give way to the runs of their CSVs: no `forget` needed first
    assert read.output.startswith("Collected multirun: 2 new, 0 updated, 0 unchanged, 2 missing, 0 problems")
    table = cli("table", "--rows", "sim_param", "--metric", "distortion")
    assert "16.4" in table.output and "left out" not in table.output, table.output


def test_the_hint_for_folders_named_seed_n_takes_the_seed_from_them(cli, tmp_path):
    """An SB3 logger's `logs/seed_<k>/progress.csv` (fault-recovery-quadruped-rl): the hint said
    `{run}/progress.csv`, which made each seed a configuration of its own, n = 1 in every cell."""
    for seed in range(3):
        run = tmp_path / "logs" / f"seed_{seed}"
        run.mkdir(parents=True)
        (run / "progress.csv").write_text(f"time/total_timesteps,rollout/ep_rew_mean\n8192,{seed}.5\n")
    result = cli("collect", "logs")
    assert result.exit_code == 1
    assert "or --pattern 'seed_{seed}/progress.csv' to make the folders params" in result.output
    assert cli("collect", "logs", "--pattern", "seed_{seed}/progress.csv").exit_code == 0
    table = cli("table", "--rows", "metric", "--metric", "rollout/ep_rew_mean")
    assert "over n = 3 seeds" in table.output  # the three seeds are one cell's replicates


def test_check_in_a_clean_clone_without_a_store_is_told_to_collect_with_check_itself(cli, tmp_path):
    """In CI's fresh clone the store is not committed: `build` (as other commands advise) would rewrite
    the outputs that check is there to judge; `check --collect` collects, then judges them."""
    (tmp_path / "resultsbook.toml").write_text('[[sources]]\npath = "runs"\n')
    told = cli("check").output
    assert told == (
        f"Error: no store at {tmp_path / 'resultsbook.db'} yet: run `resultsbook check --collect`, which "
        "collects the spec's [[sources]] into it first\n"
    )
    assert not (tmp_path / "resultsbook.db").exists()


def test_a_project_not_collected_yet_is_told_to_collect_its_sources_not_a_path(cli, tmp_path, monkeypatch):
    """In a project whose spec names its [[sources]], `runs` before any collect said `run `resultsbook
    collect PATH` first`: a PATH the spec already gives."""
    (tmp_path / "resultsbook.toml").write_text('[[sources]]\npath = "runs"\n')
    told = (
        f"Error: no store at {tmp_path / 'resultsbook.db'} yet: run `resultsbook collect` first (it collects "
        "the spec's [[sources]] into it), or `resultsbook build`, which collects them before it builds\n"
    )
    assert cli("runs").output == told
    assert cli("status").output == told
    assert "collect PATH" in cli("runs", "--db", "other.db").output  # a store named by hand: as before
    monkeypatch.setenv("RESULTSBOOK_DB", str(tmp_path / "lab.db"))
    assert "collect PATH" in cli("runs").output


def test_resultsbook_db_used_over_a_store_the_spec_names_is_said(cli, tmp_path, monkeypatch):
    """RESULTSBOOK_DB in ~/.bashrc (the lab's store, as the docs advise) took a personal project's
    runs, its spec saying store = "mine.db", without a word."""
    monkeypatch.chdir(tmp_path)
    write_native_run(tmp_path / "runs" / "r0", {"seed": 0}, [{"step": 1, "acc": 0.5}])
    monkeypatch.setenv("RESULTSBOOK_DB", str(tmp_path / "lab.db"))
    (tmp_path / "resultsbook.toml").write_text('store = "mine.db"\n\n[[sources]]\npath = "runs"\n')
    collected = cli("collect")
    assert collected.exit_code == 0
    assert (
        f"Note: the store is RESULTSBOOK_DB's, {tmp_path / 'lab.db'}, not the one resultsbook.toml names "
        "(mine.db); unset RESULTSBOOK_DB (or give --db) to use the spec's\n"
    ) in collected.output
    monkeypatch.setenv("RESULTSBOOK_DB", "mine.db")  # the same file, named from here
    assert "Note: the store" not in cli("collect").output
    (tmp_path / "resultsbook.toml").write_text('[[sources]]\npath = "runs"\n')  # no store of its own
    assert "Note: the store" not in cli("collect").output


def test_ctrl_c_says_what_the_interrupted_command_leaves(cli, tmp_path, monkeypatch):
    """Ctrl-C in `runs` said `each output is its old file or its new one` of a command that writes
    nothing; in `collect`, that of outputs it never writes."""
    write_native_run(tmp_path / "runs" / "r0", {"seed": 0}, [{"step": 1, "acc": 0.5}])
    cli("collect", "runs")
    from resultsbook.store import Store

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Store, "runs", interrupted)
    listing = cli("runs")
    assert listing.exit_code == 130 and listing.output.strip() == "Interrupted; nothing was written."
    monkeypatch.setattr(Store, "write", interrupted)
    write_native_run(tmp_path / "runs" / "r1", {"seed": 1}, [{"step": 1, "acc": 0.6}])
    collecting = cli("collect", "runs")
    assert collecting.exit_code == 130
    assert collecting.output.endswith(
        "Interrupted; what was stored is whole (no run is half-written): collect again to read the rest.\n"
    )
    (tmp_path / "resultsbook.toml").write_text('[[sources]]\npath = "runs"\n')
    building = cli("build")  # a build stopped in its collect or its writing is finished by building again
    assert building.exit_code == 130
    assert building.output.endswith(
        "Interrupted; what was stored is whole (no run is half-written), and each output is its old file or "
        "its new one: build again to finish (it collects the rest, then writes what is behind).\n"
    )
    checking = cli("check", "--collect")  # stopped in its collect: it writes no output to speak of
    assert checking.exit_code == 130
    assert checking.output.endswith(
        "Interrupted; what was stored is whole (no run is half-written); check writes no output.\n"
    )


def write_gain_sweep(root, estimators, settings, result):
    """Write ML-PWS's gain sweep: `<estimator>_gain=<gain>/` holding parameters.json (the gain and
    `settings`, JSON members) beside result.csv (`result`), at gains 0.025 and 1.5."""
    for estimator in estimators:
        for gain in ("0.025", "1.5"):
            run = root / f"{estimator}_gain={gain}"
            run.mkdir(parents=True)
            (run / "parameters.json").write_text(f'{{"gain": {gain}, {settings}}}')
            (run / "result.csv").write_text(result)


def test_the_hint_names_the_results_beside_a_parameters_json_and_the_settings_in_the_folders_names(
    cli, tmp_path
):
    """ML-PWS's gain sweep, `<estimator>_gain=<value>/parameters.json` beside `result.csv`: the hint named
    parameters.json, the run's settings, and its --pattern read no run (240 problems); the folders' own
    `gain=` went unsaid."""
    write_gain_sweep(
        tmp_path / "sweep", ("pws", "mlpws"), '"ar_coeffs": [0.5, -0.3], "seed": 0',
        "step,mean,count\n1,0.4,1000\n2,0.8,1000\n",
    )  # fmt: skip
    result = cli("collect", "sweep")
    assert result.exit_code == 1
    assert (
        "it holds 4 file(s) named result.csv (e.g. mlpws_gain=0.025/result.csv) that no adapter claims by "
        "name: read them with --pattern '**/result.csv', or --pattern '{run}_gain={gain}/result.csv' to make "
        "the folders params"
    ) in result.output
    suggested = cli("collect", "sweep", "--pattern", "{run}_gain={gain}/result.csv")
    assert suggested.output.startswith("Collected sweep: 4 new, 0 updated, 0 unchanged, 0 problems")
    assert "0.8" in cli("table", "--rows", "gain", "--columns", "run", "--metric", "mean").output


def test_the_hint_names_the_settings_file_beside_the_logs_it_names(cli, tmp_path):
    """ML-PWS's `parameters.json` beside each `result.csv`: the hint named the CSV and its folders, not
    the file that says the run's estimator, seed and sample size, which `-o config` reads."""
    write_gain_sweep(tmp_path / "sweep", ("pws",), '"seed": 0, "num_pairs": 1000', "step,mean\n1,0.4\n")
    result = cli("collect", "sweep")
    assert result.exit_code == 1
    assert (
        "or --pattern 'pws_gain={gain}/result.csv' to make the folders params; -o config=parameters.json "
        "adds the settings beside them (see `resultsbook adapters`"
    ) in result.output
    read = cli("collect", "sweep", "--pattern", "pws_gain={gain}/result.csv", "-o", "config=parameters.json")
    assert read.exit_code == 0, read.output
    assert "num_pairs" in cli("runs", "--columns", "name,num_pairs,seed").output


def test_a_pattern_field_that_took_the_folders_underscore_is_named_with_the_pattern_meant(cli, tmp_path):
    """`seed{seed}` over folders `seed_0`, `seed_1`: every seed was the text '_0', '_1' (so `--where
    seed=0` selected nothing) and the collect said `10 new, 0 problems` and nothing else."""
    for algo in ("ppo", "sac"):
        for seed in range(4):
            run = tmp_path / "logs" / algo / f"seed_{seed}"
            run.mkdir(parents=True)
            (run / "progress.csv").write_text(f"step,ret\n1,{seed}\n")
    glued = cli("collect", "logs", "--pattern", "{algo}/seed{seed}/progress.csv")
    assert glued.exit_code == 0
    assert (
        "Note: --pattern '{algo}/seed{seed}/progress.csv' took seed = '_0', '_1', '_2', …: text, the "
        "folders' '_' kept before the number; did you mean --pattern '{algo}/seed_{seed}/progress.csv'?"
    ) in glued.output
    meant = cli("collect", "logs", "--pattern", "{algo}/seed_{seed}/progress.csv")
    assert "Note" not in meant.output and "8 updated" in meant.output


def test_a_glued_field_of_a_pattern_naming_a_file_in_a_run_folder_is_named_too(cli, tmp_path):
    """A stranger's SB3 tree (github.com/eliamounier/Deep_RL, logs/seed_14_Acrobot-v1/DQN/evaluations.npz)
    read with `seed{seed}_{env}/{algo}/evaluations.npz`: every seed was '_14', '_42', and no note said
    so, the sb3 run being the folder, which the pattern (ending in the file) did not match."""
    source = ROOT / "tests" / "fixtures" / "sb3_zoo" / "logs" / "ppo" / "CartPole-v1_1" / "evaluations.npz"
    for seed in (14, 42):
        run = tmp_path / "logs" / f"seed_{seed}_Pendulum" / "PPO"
        run.mkdir(parents=True)
        (run / "evaluations.npz").write_bytes(source.read_bytes())
    glued = cli("collect", "logs", "--pattern", "seed{seed}_{env}/{algo}/evaluations.npz")
    assert glued.exit_code == 0 and "2 new" in glued.output
    assert (
        "Note: --pattern 'seed{seed}_{env}/{algo}/evaluations.npz' took seed = '_14', '_42': text, the folders' "
        "'_' kept before the number; did you mean --pattern 'seed_{seed}_{env}/{algo}/evaluations.npz'?"
    ) in glued.output


def test_a_pattern_a_level_short_of_its_files_names_where_they_lie_and_the_pattern_that_reaches_them(
    cli, tmp_path
):
    """Spinning Up's data/sac/sac-Hopper/sac-Hopper_s0/progress.txt read with `{algo}/{run}/progress.txt`:
    `no path there matches (8 tried, e.g. 'sac')`, the folder named, not the files one level down."""
    for algo in ("sac", "td3"):
        for seed in range(2):
            run = tmp_path / "data" / algo / f"{algo}-Hopper" / f"{algo}-Hopper_s{seed}"
            run.mkdir(parents=True)
            (run / "progress.txt").write_text(f"Epoch\tAverageTestEpRet\n1\t{seed}\n")
    short = cli("collect", "data", "--pattern", "{algo}/{run}/progress.txt")
    assert short.exit_code == 1
    assert (
        "(progress.txt lies 1 level deeper than the pattern reaches: sac/sac-Hopper/sac-Hopper_s0/progress.txt; "
        "e.g. --pattern '{algo}/*/{run}/progress.txt')"
    ) in short.output, short.output
    meant = cli("collect", "data", "--pattern", "{algo}/*/{run}/progress.txt")
    assert meant.exit_code == 0 and "4 new" in meant.output, meant.output
    for seed, algo in enumerate(("ppo", "dqn")):  # a folder of one name over every run (d3rlpy's runs/)
        run = tmp_path / "more" / "runs" / algo / f"s{seed}"
        run.mkdir(parents=True)
        (run / "progress.txt").write_text("Epoch\tAverageTestEpRet\n1\t0\n")
    named = cli("collect", "more", "--pattern", "{algo}/{run}/progress.txt")
    assert "e.g. --pattern 'runs/{algo}/{run}/progress.txt')" in named.output, named.output


def test_a_table_without_rows_says_what_rows_are_and_how_to_show_one_configuration(cli, tmp_path):
    """Ten seeds of one PPO configuration: `table --metric rollout/ep_rew_mean` said only `missing option
    '--rows'`, and the store had no param to give it but the seed."""
    for seed in range(2):
        write_native_run(tmp_path / "runs" / f"s{seed}", {"seed": seed}, [{"step": 1, "ret": 1.0 + seed}])
    cli("collect", "runs")
    result = cli("table", "--metric", "ret")
    assert result.exit_code == 2
    assert result.output == (
        "Error: missing option '--rows': the params that vary between runs make the rows (`resultsbook runs` "
        "shows them); for a table of one configuration over its seeds, --rows metric puts its metrics in rows "
        "(see `cli table --help`)\n"  # `resultsbook table --help` from the installed command
    )
    assert "over n = 2 seeds" in cli("table", "--metric", "ret", "--rows", "metric").output


def test_metrics_in_rows_name_each_metric_once_under_a_value_column(cli, tmp_path):
    """`--rows metric`, as the missing-rows error advises for one configuration: with one metric the
    value column was headed by that metric's name again, the row already naming it."""
    for seed in range(2):
        write_native_run(
            tmp_path / "runs" / f"s{seed}", {"seed": seed}, [{"step": 1, "ret": 1.0, "len": 2.0}]
        )
    cli("collect", "runs")
    for metrics in (["--metric", "ret"], ["--metric", "ret", "--metric", "len"]):
        header, _rule, *rows = cli("table", "--rows", "metric", *metrics).output.splitlines()
        assert header.split() == ["metric", "Value"]
        assert rows[0].split()[0] == "ret"


def test_table_name_prints_the_spec_table_as_build_computes_it(cli, tmp_path):
    """`resultsbook table table1`, the name of a spec's table, said `missing option '--rows'`: as if a
    table of the spec could not be looked at without building its outputs."""
    for model, base in (("mlp", 0.8), ("cnn", 0.9)):
        for seed in range(3):
            config = {"model": model, "seed": seed}
            write_native_run(
                tmp_path / "runs" / f"{model}{seed}", config, [{"step": 1, "acc": base + seed / 100}]
            )
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[labels.values.model]\ncnn = "CNN"\n\n'
        '[tables.main]\nmetric = "acc"\ngoal = "max"\nrows = ["model"]\nscale = 100\nspread = "sem"\n'
        'replicates = 2\noutputs = ["main.md"]\n'
    )
    assert "resultsbook collect" in cli("table", "main").output  # nothing collected yet: where to start
    cli("collect")
    shown = cli("table", "main")
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[:4] == [
        "model               acc",
        "-------  --------------",
        "CNN      **91.0 ± 0.6**",
        "mlp          81.0 ± 0.6",
    ]
    assert "Mean ± s.e.m. (ddof = 1) over n = 3 seeds; per run: last. Values × 100." in shown.output
    assert "Warning: main: CNN and 1 more cell(s): n = 3, more than the 2 seeds asked for" in shown.output
    assert cli("table", "main", "--format", "markdown").output.startswith("| model   |")
    assert not (tmp_path / "main.md").exists()  # printed, not built
    assert cli("table", "mian").output == (
        f"Error: no table 'mian' in {tmp_path / 'resultsbook.toml'}; did you mean 'main'? (its tables: main)\n"
    )
    refused = cli("table", "main", "--rows", "seed")
    assert refused.exit_code == 2
    assert refused.output.startswith(
        "Error: table main prints [tables.main] of the spec as build computes it, so --rows"
    )
    (tmp_path / "resultsbook.toml").unlink()
    assert "no resultsbook.toml was found here or above" in cli("table", "main").output


def test_more_runs_than_asked_for_are_counted_as_runs_where_no_run_records_a_seed(cli, tmp_path):
    for index in range(3):
        write_native_run(
            tmp_path / "runs" / f"r{index}", {"model": "a"}, [{"step": 1, "acc": 0.5 + index / 10}]
        )
    cli("collect", "runs")
    shown = cli("table", "--rows", "model", "--metric", "acc", "--replicates", "2")
    assert "Warning: table: a: n = 3, more than the 2 runs asked for: all 3 are averaged" in shown.output


def test_one_csv_per_metric_is_named_by_its_suffix_and_the_hint_reads_them_all(cli, tmp_path):
    """A W&B chart export (AstroCLIP's wandb_logs/): one CSV per metric, each named its own way; the
    hint named one of them, `1 file(s) named train_loss.csv`, as if the folder held nothing else."""
    (tmp_path / "wandb_logs").mkdir()
    for metric in ("train_loss", "val_loss", "val_score"):
        (tmp_path / "wandb_logs" / f"{metric}.csv").write_text(
            "Step,8-dim,16-dim\n6,5.05,5.17\n14,4.99,4.79\n"
        )
    result = cli("collect", "wandb_logs")
    assert result.exit_code == 1
    assert (
        "it holds 3 .csv file(s), each named its own way (e.g. val_score.csv) that no adapter "
        in result.output
    )
    assert "read them with --pattern '**/*.csv' (see" in result.output
    assert cli("collect", "wandb_logs", "--pattern", "**/*.csv").output.startswith(
        "Collected wandb_logs: 3 new"
    )


def test_logs_named_each_their_own_way_in_one_folder_get_their_names_as_the_param(cli, tmp_path):
    """FoRL's results/ (progress_threshold.csv, with_ppo.csv, ...: one variant each): the hint's
    `{run}/*.csv` made run = results of every file, and the table averaged 7 variants as 7 runs."""
    (tmp_path / "forl" / "results").mkdir(parents=True)
    for index, variant in enumerate(("with_ppo", "newest", "progress_uni_threshold2")):
        (tmp_path / "forl" / "results" / f"{variant}.csv").write_text(
            f"eprew,nupdates\n0.{index},1\n0.{index + 5},2\n"
        )
    result = cli("collect", "forl")
    assert result.exit_code == 1
    assert "or --pattern 'results/{file}.csv' to make their names params (see" in result.output
    assert cli("collect", "forl", "--pattern", "results/{file}.csv").output.startswith(
        "Collected forl: 3 new"
    )
    shown = cli("table", "--rows", "file", "--metric", "eprew")
    assert "newest" in shown.output and "with_ppo" in shown.output and "n = 1 run" in shown.output


def test_a_csv_of_many_runs_gets_the_records_adapter_as_the_hint_and_a_one_run_log_does_not(cli, tmp_path):
    """DrQ's published curves (step, episode_reward, env, seed, agent in one file): the hint said
    --pattern '**/bench.csv', which reads the file as one run of 30 rows."""
    (tmp_path / "data").mkdir()
    rows = [f"{step},{step / 10 + seed},{env},{seed},drq" for env in ("cheetah", "walker") for seed in range(3)
            for step in range(0, 5000, 1000)]  # fmt: skip
    (tmp_path / "data" / "bench.csv").write_text(
        "step,episode_reward,env,seed,agent\n" + "\n".join(rows) + "\n"
    )
    result = cli("collect", "data")
    assert result.exit_code == 1
    assert (
        "it holds 1 file(s) named bench.csv (e.g. bench.csv) whose rows look like the rows of many runs "
        "(column(s) env, seed, agent): read them with --adapter records," in result.output
    )
    assert cli("collect", "data", "--adapter", "records").output.startswith("Collected data: 6 new")
    (tmp_path / "one" / "r1").mkdir(parents=True)
    (tmp_path / "one" / "r1" / "curve.csv").write_text(
        "time,step,split,loss\n2024-01-01 10:00,1,train,0.5\n2024-01-01 10:01,2,train,0.4\n"
        "2024-01-01 10:02,3,train,0.3\n"
    )  # a timestamp never repeats, a constant text column alone is no second run
    assert "--pattern '**/curve.csv'" in cli("collect", "one").output


def test_the_name_parts_hint_reads_every_folder_of_such_files(cli, tmp_path):
    """Files named `<model>-<dataset>.json` in two folders: the hint named the first folder, whose
    pattern left the other folder's runs unread."""
    for path in ("a/cnn-histone", "a/rnn-histone", "b/cnn-splice", "b/rnn-splice"):
        (tmp_path / "res" / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "res" / f"{path}.json").write_text('{"acc": 0.5}')
    result = cli("collect", "res")
    assert result.exit_code == 1
    assert "--pattern '{run}/{level1}-{level2}.json' --adapter onefile to make the parts" in result.output
    collected = cli("collect", "res", "--pattern", "{run}/{level1}-{level2}.json", "--adapter", "onefile")
    assert collected.output.startswith("Collected res: 4 new")


def test_a_per_seed_results_table_beside_result_files_is_named_with_how_to_read_it(cli, tmp_path):
    """chestx6-ssl-benchmark's results/: linear-probe JSONs in low_label_*pct/ folders, summary CSVs, and
    per_seed_results.csv (a row per model, label budget and seed: the paper's main table). The hint named
    the JSONs alone; the CSV of the paper's runs went unmentioned."""
    folder = tmp_path / "results"
    for budget in ("1pct", "10pct"):
        (folder / f"low_label_{budget}").mkdir(parents=True)
        (folder / f"low_label_{budget}" / "lp_simclr_final.json").write_text('{"train_losses": [1.0, 0.5]}')
    (folder / "calibration_results.csv").write_text("Model,ECE\nResNet50,0.02\nMAE,0.03\n")
    rows = [f"{key},{name},10pct,{seed},0.{70 + seed % 7}" for key, name in (("r50", "ResNet50 (Scratch)"),
            ("mae", "MAE + ViT-S/16")) for seed in (42, 123, 456)]  # fmt: skip
    (folder / "per_seed_results.csv").write_text(
        "model_key,model,budget,seed,test_macro_f1\n" + "\n".join(rows) + "\n"
    )
    result = cli("collect", "results")
    assert result.exit_code == 1
    assert (
        "; per_seed_results.csv has a row per run (column(s) model_key, model, budget, seed): read it alone "
        "with --pattern 'per_seed_results.csv' --adapter records, a run per row; the store was left as it was"
    ) in " ".join(result.output.split()), result.output
    read = cli("collect", "results", "--pattern", "per_seed_results.csv", "--adapter", "records")
    assert read.output.startswith("Collected results: 6 new"), read.output


def test_a_pattern_of_fields_a_level_short_of_its_files_names_the_pattern_that_reaches_them(cli, tmp_path):
    """`collect . --pattern '{task}.csv'` over a results/ folder of them said `no path there matches
    ... (e.g. 'other.db')`, the store the command had just made, and nothing of results/."""
    (tmp_path / "results").mkdir()
    for task in ("cheetah-run", "hopper-hop"):
        (tmp_path / "results" / f"{task}.csv").write_text("step,return\n0,1.0\n")
    result = cli("collect", ".", "--pattern", "{task}.csv", "--db", "other.db")
    assert result.exit_code == 1
    assert (
        "(cheetah-run.csv lies 1 level deeper than the pattern reaches: results/cheetah-run.csv; e.g. "
        "--pattern 'results/{task}.csv')"
    ) in result.output, result.output
    assert "2 new" in cli("collect", ".", "--pattern", "results/{task}.csv", "--db", "other.db").output


def test_results_files_each_named_its_own_way_and_each_of_many_seeds_are_read_alike_by_records(cli, tmp_path):
    """nicklashansen/tdmpc's results/<domain>-<task>.csv, each `seed,step,return` of 5 seeds: the hint
    said to read acrobot-swingup.csv alone with --adapter records, and `--pattern '{level1}-{level2}.csv'`
    for "the others", which read each file as one run: seed 5's rows alone."""
    folder = tmp_path / "results"
    folder.mkdir()
    for task in ("cheetah-run", "hopper-hop", "walker-walk"):
        rows = [f"{seed},{step},{100 * seed + step}" for seed in (1, 2, 3) for step in (0, 20000, 40000)]
        (folder / f"{task}.csv").write_text("seed,step,return\n" + "\n".join(rows) + "\n")
    result = cli("collect", "results")
    assert result.exit_code == 1
    assert (
        "it holds 3 .csv file(s), each named its own way and each with rows that look like the rows of many "
        "runs (column(s) seed, e.g. cheetah-run.csv): read them with --pattern '{level1}-{level2}.csv' "
        "--adapter records, which makes one run of each distinct set of those values, as params, the parts "
        "of their names too;"
    ) in " ".join(result.output.split()), result.output
    read = cli("collect", "results", "--pattern", "{level1}-{level2}.csv", "--adapter", "records")
    assert read.output.startswith("Collected results: 9 new"), read.output


def test_a_seeded_table_of_curves_beside_other_files_is_not_said_to_hold_a_row_per_run(cli, tmp_path):
    """nicklashansen/tdmpc's root: cfgs/*.yaml beside results/<task>.csv (`seed,step,return`, a row per step):
    the hint said the CSV "has a row per run ... a run per row", read so it would be one run a row."""
    for folder in ("cfgs", "tasks"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "default.yaml").write_text("lr: 0.001\n")
    (tmp_path / "results").mkdir()
    rows = [f"{seed},{step},{seed + step}" for seed in (1, 2) for step in (0, 1, 2)]
    (tmp_path / "results" / "hopper-hop.csv").write_text("seed,step,return\n" + "\n".join(rows) + "\n")
    result = cli("collect", ".")
    assert result.exit_code == 1
    assert (
        "; results/hopper-hop.csv holds several rows of each run (column(s) seed): read it alone with "
        "--pattern 'results/hopper-hop.csv' --adapter records, a run of each distinct set of those values"
    ) in " ".join(result.output.split()), result.output


def test_a_results_table_among_files_each_named_its_own_way_is_read_alone_by_records(cli, tmp_path):
    """dna-nn-theory's cnn/results: `<model>-<dataset>-<metric>.csv` beside the combined accuracy.csv.
    The hint said to read "them" with --adapter records, which made 632,587 runs of every curve's rows."""
    folder = tmp_path / "results"
    folder.mkdir()
    combined = ["dataset,model,accuracy,test_accuracy"]
    for model in ("cnn", "rnn"):
        for dataset in ("histone", "splice"):
            combined.append(f"{dataset},{model},0.9,0.8")
            (folder / f"{model}-{dataset}-accuracy.csv").write_text("accuracy,test_accuracy\n0.9,0.8\n")
            roc = "\n".join(f"0,{i / 10},{i / 10},{1 - i / 10}" for i in range(10))
            (folder / f"{model}-{dataset}-roc.csv").write_text(f"ovr,fpr,tpr,thresholds\n{roc}\n")
    (folder / "accuracy.csv").write_text("\n".join(combined) + "\n")
    result = cli("collect", "results")
    assert result.exit_code == 1
    assert (
        "it holds 9 .csv file(s), each named its own way; one of them, accuracy.csv, has rows that look like "
        "the rows of many runs (column(s) dataset, model): read it alone with --pattern 'accuracy.csv' "
        "--adapter records," in result.output
    )
    assert (
        "; --pattern '{level1}-{level2}-{level3}.csv' reads the others, the parts of their names as params;"
        in result.output
    )
    assert cli("collect", "results", "--pattern", "accuracy.csv", "--adapter", "records").output.startswith(
        "Collected results: 4 new"
    )
    (folder / "accuracy.csv").unlink()
    per_run = cli("collect", "results")
    assert (
        "read them with --pattern '**/*.csv', or --pattern '{level1}-{level2}-{level3}.csv' to make the parts of "
        "their names params (see" in per_run.output
    )
    named = cli("collect", "results", "--pattern", "{level1}-{level2}-{level3}.csv")
    assert named.output.startswith("Collected results: 8 new")
    table = cli(
        "table",
        "--rows",
        "level1",
        "--columns",
        "level2",
        "--metric",
        "test_accuracy",
        "--where",
        "level3=accuracy",
    )
    assert table.exit_code == 0 and "histone" in table.stdout


def test_a_tree_of_pickles_is_named_as_a_format_no_adapter_reads(cli, tmp_path):
    """Results pickled per run (`<env>/<algo>_<seed>.pkl`): the error named no file at all."""
    for env in ("Ant", "Hopper"):
        (tmp_path / "results" / env).mkdir(parents=True)
        for seed in (0, 1):
            (tmp_path / "results" / env / f"td3_{seed}.pkl").write_bytes(b"\x80\x04N.")
    result = cli("collect", "results")
    assert result.exit_code == 1
    assert (
        "it holds 4 .pkl file(s) (e.g. Ant/td3_0.pkl), a format no installed adapter reads: write them "
        "out as CSV (one row per step) or JSON and collect those" in result.output
    )
    matched = cli("collect", "results", "--pattern", "{env}/td3_{seed}.pkl")  # said: name it with --adapter
    assert matched.exit_code == 1
    assert (
        "4 path(s) match --pattern '{env}/td3_{seed}.pkl' but no installed adapter reads their format (e.g. "
        "'Ant/td3_0.pkl'); write them out as CSV (one row per step) or JSON and collect those"
        in matched.output
    )


def test_a_spinning_up_tree_is_read_without_a_pattern_and_with_one(cli, tmp_path):
    """Spinning Up's logger writes progress.txt (tab-separated, `Epoch` first) beside config.json: the
    spinup adapter reads it unasked, stepped by TotalEnvInteracts, and through a pattern at progress.txt
    (the folders then params too); `-o step=Epoch` steps it by epoch."""
    for seed in (0, 1):
        run = tmp_path / "data" / f"ppo_s{seed}"
        run.mkdir(parents=True)
        (run / "config.json").write_text(f'{{"exp_name": "ppo", "seed": {seed}}}\n')
        (run / "progress.txt").write_text(
            "Epoch\tAverageEpRet\tTotalEnvInteracts\n0\t-170.5\t4000\n1\t-150.25\t8000\n"
        )
    assert cli("collect", "data").output.startswith(
        "Collected data: 2 new, 0 updated, 0 unchanged, 0 problems"
    )
    steps = rb.open("resultsbook.db").series(["AverageEpRet"])
    assert steps["step"].tolist() == [4000, 8000] * 2 and steps["value"].tolist() == [-170.5, -150.25] * 2
    by_epoch = cli(
        "collect", "data", "--db", "other.db", "--pattern", "{run}/progress.txt", "-o", "step=Epoch"
    )
    assert by_epoch.output.startswith("Collected data: 2 new, 0 updated, 0 unchanged, 0 problems")
    with rb.open("other.db") as book:
        assert book.series(["AverageEpRet"])["step"].tolist() == [0, 1] * 2
        assert sorted(book.runs()["params.run"]) == ["ppo_s0", "ppo_s1"]


def test_adapter_csv_reads_any_file_a_pattern_names(cli, tmp_path):
    (tmp_path / "runs" / "a").mkdir(parents=True)
    (tmp_path / "runs" / "a" / "train.log").write_text("step,loss\n1,0.5\n2,0.25\n")
    assert cli("collect", "runs", "--pattern", "{run}/train.log").exit_code == 1  # .log: no adapter guesses
    forced = cli("collect", "runs", "--pattern", "{run}/train.log", "--adapter", "csv")
    assert forced.output.startswith("Collected runs: 1 new, 0 updated, 0 unchanged, 0 problems")


def test_collect_alone_collects_the_specs_sources(make_run, cli, tmp_path):
    """`resultsbook collect` in a project said "missing argument 'PATHS...'", though build collects the
    spec's [[sources]] and rb.collect() did too."""
    quickstart_runs(make_run)
    no_spec = cli("collect")
    assert no_spec.exit_code == 2
    assert (
        "give the folders (or files) of the runs, e.g. `resultsbook collect runs/` (no resultsbook.toml"
        in (no_spec.output)
    )
    (tmp_path / "resultsbook.toml").write_text('db = "store/results.db"\n\n[[sources]]\npath = "runs"\n')
    assert cli("collect").output == "Collected: 12 new, 0 updated, 0 unchanged, 0 problems\n"
    assert (tmp_path / "store" / "results.db").exists()  # the spec's store
    assert cli("collect").output == "Collected: 0 new, 0 updated, 12 unchanged, 0 problems\n"
    flags = cli("collect", "--pattern", "{run}/metrics.jsonl")
    assert flags.exit_code == 2
    assert (
        "--pattern applies to the PATHs given; give them (`resultsbook collect runs/ --pattern ...`)"
        in flags.output
    )


def test_a_fifo_or_a_device_given_to_collect_is_one_line(cli, tmp_path):
    os.mkfifo(tmp_path / "metrics.jsonl")
    os.symlink("/dev/zero", tmp_path / "zero.jsonl")
    for given in ("metrics.jsonl", "zero.jsonl"):  # it said "cannot be listed ... fix its permissions"
        result = cli("collect", given)
        assert result.exit_code == 2
        assert result.output == (
            f"Error: {given} is neither a folder nor a regular file (a FIFO, a device?); give collect "
            "the folder of the runs, or a log file\n"
        )


def test_the_look_for_unclaimed_log_files_is_bounded_and_says_so(cli, tmp_path, monkeypatch):
    from resultsbook.sources import hints

    for index in range(6):
        (tmp_path / "runs" / f"r{index}").mkdir(parents=True)
        (tmp_path / "runs" / f"r{index}" / "environment.csv").write_text("1,2\n")
    monkeypatch.setattr(hints, "_MOST_ENTRIES", 5)  # a huge tree, in small
    result = cli("collect", "runs")
    assert "it holds at least 2 file(s) named environment.csv (e.g. r0/environment.csv)" in result.output


def test_two_metrics_given_as_one_comma_list_are_told_to_repeat_metric(make_run, cli, tmp_path):
    """dna-nn-theory's test and validation accuracy side by side: `--metric test_accuracy,val_accuracy`
    (as --rows takes `a,b`) said "did you mean 'test_accuracy'?", dropping the second."""
    for model in ("cnn", "rnn"):
        make_run(model, {"model": model}, [{"step": 0, "test_accuracy": 0.8, "val_accuracy": 0.7}])
    cli("collect", "runs")
    listed = cli("table", "--rows", "model", "--metric", "test_accuracy,val_accuracy")
    assert listed.exit_code == 2 and listed.output == (
        "Error: no run logs a metric 'test_accuracy,val_accuracy'; 'test_accuracy,val_accuracy' names 2 "
        "logged metrics, a column each: give each its own --metric (--metric test_accuracy --metric "
        'val_accuracy; metrics = ["test_accuracy", "val_accuracy"] in a spec)\n'
    )
    repeated = cli("table", "--rows", "model", "--metric", "test_accuracy", "--metric", "val_accuracy")
    assert repeated.exit_code == 0 and "val_accuracy" in repeated.stdout
    mistyped = cli("table", "--rows", "model", "--metric", "test_accuracy,val_acc")
    assert (
        mistyped.output
        == "Error: no run logs a metric 'test_accuracy,val_acc'; did you mean 'test_accuracy'?\n"
    )


def test_a_param_named_metric_is_not_hidden_by_the_metric_key(cli, tmp_path):
    """dna-nn-theory's `<model>-<dataset>-<metric>.csv` read with --pattern '{model}-{dataset}-{metric}.csv':
    `--columns metric` laid out the one --metric and averaged the accuracy and dynamics files' runs."""
    (tmp_path / "results").mkdir()
    for model in ("cnn", "rnn"):
        (tmp_path / "results" / f"{model}-splice-accuracy.csv").write_text("val_accuracy\n0.9\n")
        (tmp_path / "results" / f"{model}-splice-dynamics.csv").write_text(
            "epoch,val_accuracy\n0,0.5\n1,0.7\n"
        )
    assert cli("collect", "results", "--pattern", "{model}-{dataset}-{metric}.csv").exit_code == 0
    hidden = cli("table", "--rows", "model", "--columns", "metric", "--metric", "val_accuracy")
    assert hidden.exit_code == 2 and hidden.output == (
        "Error: 'metric' as a row or column key lays out the table's metrics (one per --metric), but 4 selected "
        "run(s) have a param 'metric' too, which a table cannot group by; give that param another name where it "
        "is made (a pattern's {metric} field: {kind})\n"
    )
    assert (
        cli("table", "--rows", "model", "--metric", "val_accuracy", "--where", "metric=accuracy").exit_code
        == 0
    )
    cli("collect", "results", "--pattern", "{model}-{dataset}-{kind}.csv")
    by_kind = cli("table", "--rows", "model", "--columns", "kind", "--metric", "val_accuracy")
    assert by_kind.exit_code == 0 and "dynamics" in by_kind.stdout


def test_a_row_key_over_runs_without_params_points_at_the_problems(cli, tmp_path):
    """dna-nn-theory's combined accuracy.csv (dataset, model, test_accuracy per row) collected without
    --adapter records is one run of 39 points: `--rows model` ended in "params: none", no next step."""
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "accuracy.csv").write_text(
        "dataset,model,test_accuracy\nsplice,cnn,0.9\nsplice,rnn,0.8\nhistone,cnn,0.7\n"
    )
    assert cli("collect", "results/accuracy.csv").exit_code == 0
    result = cli("table", "--rows", "model", "--metric", "test_accuracy")
    assert result.exit_code == 2 and result.output == (
        "Error: row key 'model' is not a param of any selected run; the runs have no param at all; "
        "resultsbook problems lists what the collect could not read\n"
    )
    assert "read the file with --adapter records" in cli("problems").output


def test_a_misspelt_run_field_over_runs_without_params_is_named(cli, tmp_path):
    """7vik/nn-modularity's W&B runs log no config: `--rows nmae` was told the runs have no param at
    all and to read `resultsbook problems`, not that it meant the run field `name`."""
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "accuracy.csv").write_text("step,acc\n0,0.9\n1,0.8\n")
    assert cli("collect", "results/accuracy.csv").exit_code == 0
    result = cli("table", "--rows", "nmae", "--metric", "acc")
    assert result.exit_code == 2 and result.output == (
        "Error: row key 'nmae' is not a param of any selected run; did you mean 'name'? (the runs have no "
        "param at all, only their fields)\n"
    )
    assert cli("table", "--rows", "name", "--metric", "acc").exit_code == 0


def test_exit_codes_and_one_line_errors(make_run, cli, tmp_path):
    (tmp_path / "empty").mkdir()
    nothing = cli("collect", "empty")
    assert nothing.exit_code == 1
    assert nothing.output == (
        "Error: no runs found under empty (every installed adapter, no --pattern); name the format with "
        "--adapter (see `resultsbook adapters`), or point --pattern at the log files; the store was left as it was\n"
    )
    assert not (tmp_path / "resultsbook.db").exists()  # a collect that found nothing creates no store
    quickstart_runs(make_run)
    cli("collect", "runs")
    bad_filter = cli("table", "--rows", "model", "--metric", "test/acc", "--where", "model")
    assert bad_filter.exit_code == 2
    assert bad_filter.output.startswith("Error: filter 'model' is not understood; write KEY=VALUE")
    no_bound = cli("table", "--rows", "model", "--metric", "test/acc", "--where", "seed>=")
    assert no_bound.exit_code == 2
    assert no_bound.output == "Error: filter 'seed>=' has no value after '>='; write e.g. seed>=100\n"
    doubled_op = cli("table", "--rows", "model", "--metric", "test/acc", "--where", "seed>>1")
    assert doubled_op.output == (
        "Error: filter 'seed>>1' has '>' where its value should be after '>'; write e.g. seed>100\n"
    )
    reversed_op = cli("table", "--rows", "model", "--metric", "test/acc", "--where", "seed=>1")
    assert reversed_op.output == "Error: filter 'seed=>1' is not understood; did you mean seed>=1?\n"
    negated = cli("table", "--rows", "model", "--metric", "test/acc", "--where", "seed=!1")
    assert negated.output == "Error: filter 'seed=!1' is not understood; did you mean seed!=1?\n"
    doubled = cli("table", "--rows", "model", "--metric", "test/acc", "--where", "seed==0", "--format", "csv")
    single = cli("table", "--rows", "model", "--metric", "test/acc", "--where", "seed=0", "--format", "csv")
    assert doubled.exit_code == 0 and doubled.output == single.output  # == as Python writes it
    metric_as_row = cli("table", "--rows", "test/acc", "--metric", "test/acc")
    assert metric_as_row.exit_code == 2
    assert metric_as_row.output == (
        "Error: row key 'test/acc' is a metric the runs log, not a param: rows and columns group runs by "
        "params, and a metric is shown as the table's metric (--metric)\n"
    )
    unknown = cli("table", "--rows", "model", "--metric", "acc")
    assert (
        unknown.exit_code == 2
        and unknown.output == "Error: no run logs a metric 'acc'; did you mean 'test/acc'?\n"
    )
    as_runs_takes_it = cli("table", "--rows", "model", "--metric", "test/acc:max")  # runs --metric KEY:STAT
    assert as_runs_takes_it.exit_code == 2 and as_runs_takes_it.output == (
        "Error: no run logs a metric 'test/acc:max'; a table reduces each run's 'test/acc' with "
        "--metric test/acc --reduce max\n"
    )
    mistyped = cli("table", "--rows", "model", "--metric", "test/acc:maxx")  # was: did you mean 'test/acc'?
    assert mistyped.exit_code == 2 and mistyped.output.startswith(
        "Error: no run logs a metric 'test/acc:maxx'; 'test/acc' is logged, and a table reduces it with "
        "--reduce R: reduction 'maxx' is not understood; did you mean 'max'?"
    )
    assert cli("table", "--metric", "x").exit_code == 2  # click usage error: --rows missing
    assert cli("collect", "runs", "--adapter", "nope").exit_code == 2
    near = cli("collect", "runs", "--adapter", "lightning")
    assert near.exit_code == 2 and near.output.startswith(
        "Error: no adapter named 'lightning'; did you mean 'lightning_csv'? installed adapters: "
    )
    for named, meant in (("tb", "tensorboard"), ("stable-baselines3", "sb3")):  # other tools' names for them
        other = cli("collect", "runs", "--adapter", named)
        assert other.output.startswith(f"Error: no adapter named {named!r}; did you mean {meant!r}? "), (
            other.output
        )
    mistyped = cli("collect", "rnus")
    assert mistyped.exit_code == 2 and "'rnus' does not exist; did you mean 'runs'?" in mistyped.output
    assert "did you mean" not in cli("collect", "zzzz").output


@pytest.mark.parametrize(
    ("args", "meant"),
    [
        (["table", "--rows", "model", "--metric", "acc", "--spread", "sem"], "--stat"),
        (["build", "--only", "table1"], "--table"),
        (["runs", "--filter", "model=mlp"], "--where"),
        (["table", "--rows", "model", "--metric", "acc", "--seeds", "5"], "--replicates"),
        (["table", "--rows", "model", "--metric", "acc", "--ci", "bootstrap"], "--stat mean,ci95"),
        (["table", "--rows", "model", "--metric", "acc", "--sort", "model=b,a"], "--order"),
        (["table", "--rows", "model", "--metric", "acc", "-o", "t.tex"], "--save"),
        (["table", "--rows", "model", "--metric", "acc", "--latex", "x"], "--format latex"),
        (["runs", "--csv", "x"], "--format csv"),
        (
            ["table", "--rows", "model", "--metric", "acc", "--reduction", "last"],
            "--reduce",
        ),  # not --direction
        (["table", "--rows", "model", "--metric", "acc", "--seed", "seed"], "--replicate"),
        # the docs call it the store: `--store` was answered with '--order', '--style', '--test'
        (["table", "--rows", "model", "--metric", "acc", "--store", "s.db"], "--db"),
        (["collect", "runs", "--store", "s.db"], "--db"),
        (["runs", "--database", "s.db"], "--db"),
        (["build", "--spec", "paper.toml"], "--config"),
    ],
)
def test_a_flag_other_tools_have_is_answered_with_resultsbooks_own(cli, args, meant):
    result = cli(*args)
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: no such option '{args[-2]}'; did you mean '{meant}'? (see ")


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        (
            "plot",
            ": figures are drawn by `resultsbook build` from a [figures.NAME] entry in resultsbook.toml",
        ),
        ("figure", ": figures are drawn by `resultsbook build`"),
        ("ls", "; did you mean 'runs'?"),
        ("latex", "; did you mean 'table --format latex'?"),
    ],
)
def test_a_command_other_tools_have_is_answered_with_what_resultsbook_does_instead(cli, command, answer):
    """A stranger asked for `resultsbook plot` (a curve of the SB3 runs of github.com/eliamounier/Deep_RL)
    and was offered `report`; `figure`, `ls` and `latex` were answered with nothing."""
    result = cli(command)
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: no such command '{command}'{answer}"), result.output


def test_an_option_of_the_command_given_before_it_says_where_it_goes(cli):
    """A stranger on Keras CSVLogger logs (github.com/AhmedImtiazPrio/irfanet-10) typed
    `resultsbook --db p.db collect tree/` and was asked whether they meant '--debug'."""
    result = cli("--db", "p.db", "collect", "tree/")
    assert result.exit_code == 2
    assert result.output == (
        "Error: --db is an option of `resultsbook collect`, not of resultsbook: give it after the command, "
        "`resultsbook collect --db …` (see `resultsbook collect --help`)\n"
    )
    assert "did you mean '--debug'" in cli("--dbx", "p.db", "runs").output


def test_a_flag_misspelt_near_several_is_answered_with_the_one_it_starts_as(cli):
    """A stranger's `table --digit 1` (on an SB3 tree, github.com/eliamounier/Deep_RL) was answered
    `no such option '--digit'. (Did you mean one of: '--budget', '--digits', '--highlight'?)`."""
    digit = cli("table", "--rows", "model", "--metric", "acc", "--digit", "1")
    assert digit.output.startswith("Error: no such option '--digit'; did you mean '--digits'? (see ")
    foo = cli("table", "--rows", "model", "--metric", "acc", "--foo", "1")
    assert foo.output.startswith(
        "Error: no such option '--foo'; did you mean one of '--format', '--pool'? (see "
    )


@pytest.mark.parametrize("command", ["report", "preview", "adapters", "watch"])
def test_json_given_to_a_command_without_it_names_the_commands_that_have_it(cli, command):
    """`report --json` was sent to `table --json` and its --save, as if --json shaped a table."""
    result = cli(command, "--json")
    assert result.exit_code == 2
    said = (
        f"no such option '--json': {command} prints no JSON; the commands that do are build, check, collect, "
        f"diff, explain, forget, problems, recover, runs, show, status and table (see `cli {command} --help`)"
    )
    assert json.loads(result.stdout)["error"]["message"] == said
    assert result.output.endswith(f"Error: {said}\n"), result.output


@pytest.mark.parametrize("command", ["status", "build", "check", "report"])
def test_a_flag_of_table_given_to_a_command_of_the_specs_tables_names_the_table_command(cli, command):
    """A stranger's `resultsbook status --rows model --columns budget --metric test_macro_f1` (a paper's
    per-seed results CSV, to see its missing seeds) was answered `did you mean '--verbose'?`."""
    result = cli(command, "--rows", "model", "--metric", "test_macro_f1")
    assert result.exit_code == 2
    assert result.output.startswith(
        f"Error: no such option '--rows': {command} works on the tables of resultsbook.toml; `resultsbook "
        "table --rows …` shows a table of your choosing (its warnings name each cell's missing seeds), and "
        "its --save NAME adds it to resultsbook.toml (see "
    ), result.output


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("check", "check checks every output of the spec"),  # build: did you mean --table main?
        (
            "status",
            "status reports every table of the spec; `resultsbook explain NAME` shows one table's runs",
        ),
    ],
)
def test_a_table_name_given_to_a_command_that_takes_none_says_what_it_does(cli, command, answer):
    """A stranger typed `resultsbook status main` and `build main` (a spec over an SB3 tree,
    github.com/eliamounier/Deep_RL) and was told only `got unexpected extra argument (main)`."""
    result = cli(command, "main")
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: got unexpected extra argument (main): {answer} (see "), (
        result.output
    )


def test_build_without_a_spec_says_how_to_write_one(cli, make_run):
    """A stranger ran `resultsbook build` after collecting an SB3 tree (github.com/eliamounier/Deep_RL)
    and was told to `create one`, with no word of `table --save`, which writes it."""
    make_run("r", {"model": "a"}, curve([1.0]))
    cli("collect", "runs")
    for command in ("build", "check"):
        result = cli(command)
        assert result.exit_code == 1
        assert result.output.startswith(
            "Error: no resultsbook.toml here or in any parent folder; `resultsbook table --rows KEY --metric KEY "
            "--save NAME` writes one holding that table"
        ), result.output


def test_a_flag_in_other_tools_words_is_not_answered_with_a_value_the_command_lacks(cli):
    result = cli("runs", "--latex")  # runs prints a table, JSON or CSV: no LaTeX to point at
    assert result.exit_code == 2 and result.output.startswith("Error: no such option '--latex' (see ")


def test_a_table_named_as_an_argument_of_build_is_answered_with_its_flag(cli):
    """`resultsbook build main` said only 'got unexpected extra argument (main)'."""
    result = cli("build", "main")
    assert result.exit_code == 2
    assert result.output == (
        "Error: got unexpected extra argument (main); did you mean --table main? (see `cli build --help`)\n"
    )
    assert "--table" not in cli("runs", "main").output  # runs takes no --table


@pytest.mark.parametrize(("value", "meant"), [("md", "markdown"), ("tex", "latex"), ("markdwon", "markdown")])
def test_a_choice_in_other_tools_words_or_misspelt_is_answered_with_the_one_meant(cli, value, meant):
    result = cli("table", "--rows", "model", "--metric", "acc", "--format", value)
    assert result.exit_code == 2
    assert (
        f"'{value}' is not one of 'terminal', 'latex', 'markdown', 'csv', 'json'; did you mean '{meant}'?"
        in (result.output)
    )


def test_a_choice_far_from_every_value_gets_no_guess(cli):
    assert "did you mean" not in cli("table", "--rows", "m", "--metric", "a", "--format", "zzz").output


def test_a_misspelt_config_file_is_answered_with_the_one_beside_it(cli, tmp_path):
    (tmp_path / "resultsbook.toml").write_text('[tables.t]\nmetric = "acc"\nrows = ["model"]\n')
    result = cli("check", "--config", "resultsbook.tml")
    assert result.exit_code == 2
    assert result.output == (
        "Error: invalid value for '--config': File 'resultsbook.tml' does not exist; "
        "did you mean 'resultsbook.toml'? (see `cli check --help`)\n"
    )


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("modle=Model", "--label modle: no run has a param or metric 'modle'; did you mean 'model'?"),
        ("model:mpl=MLP", "--label mpl: no run has model = 'mpl'; did you mean 'mlp'?"),
    ],
)
def test_a_misspelt_label_flag_is_refused_with_the_name_meant(make_run, cli, label, message):
    quickstart_runs(make_run)
    cli("collect", "runs")
    result = cli("table", "--rows", "model", "--metric", "test/acc", "--label", label)
    assert result.exit_code == 2 and result.output == f"Error: {message}\n"
    assert cli("table", "--rows", "model", "--metric", "test/acc", "--label", "model:mlp=MLP").exit_code == 0


def test_runs_names_a_misspelt_summary_of_a_metric_not_the_metric(make_run, cli):
    quickstart_runs(make_run)
    cli("collect", "runs")
    result = cli("runs", "--metric", "test/acc:mxa")
    assert result.exit_code == 2 and result.output == (
        "Error: --metric test/acc:mxa: 'mxa' is no summary of a metric; did you mean 'max'?\n"
    )


def test_runs_show_and_diff(make_run, cli):
    make_run(
        "a",
        {"model": "a", "seed": 0, "lr": 0.1},
        curve([1.0, 2.0]),
        {"status": "finished", "host": "h1", "git": {"commit": "abc", "dirty": False}},
    )
    make_run("b", {"model": "a", "seed": 1, "lr": 0.2}, curve([1.0]), {"status": "failed", "host": "h2"})
    cli("collect", "runs")
    listing = cli("runs").output.splitlines()
    assert listing[0].split() == ["run_id", "name", "status", "lr", "seed"]
    assert listing[2].split()[1:] == ["a", "finished", "0.1", "0"]
    shown = cli("show", "a").output
    assert "  status: finished" in shown and "  git: abc" in shown and "  lr = 0.1" in shown
    assert "acc" in shown.split("metrics:")[1]
    diff = cli("diff", "a", "b").output.splitlines()
    assert [line.split() for line in diff[2:]] == [
        ["lr", "0.1", "0.2"],
        ["seed", "0", "1"],
        ["status", "finished", "failed"],
        ["git", "commit", "abc", "null"],
        ["git", "dirty", "false", "null"],
        ["host", "h1", "h2"],
        ["last", "step", "(acc)", "2", "1"],  # b failed at half of a's training
    ]
    assert cli("show", "zzz").exit_code == 2


def test_show_of_a_file_read_again_with_other_flags_shows_the_run_there_not_those_read_before(tmp_path, cli):
    """A stranger collected a JSON Lines `log.txt` plainly (a run per record), then with `--adapter records
    -o step=epoch`: `show run1/log.txt` answered `matches 3 runs`, offering the two runs of the first
    reading, which the store keeps marked missing (`runs` hides them)."""
    (tmp_path / "run1").mkdir()
    (tmp_path / "run1" / "log.txt").write_text('{"epoch": 0, "loss": 1.0}\n{"epoch": 1, "loss": 0.5}\n')
    assert cli("collect", "run1", "--pattern", "**/log.txt", "--adapter", "records").exit_code == 0
    before = {line.split()[1]: line.split()[0] for line in cli("runs").output.splitlines()[2:4]}
    assert cli("collect", "run1/log.txt", "--adapter", "records", "-o", "step=epoch").exit_code == 0
    shown = cli("show", "run1/log.txt")
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[:2] == [
        f"run {shown.output.split()[1]}  run1/log.txt",
        "  status: unknown",
    ]
    now = shown.output.split()[1]
    left = cli("show", "epoch=0").output.splitlines()[1]  # named by itself, it is shown as gone
    assert (
        left
        == f"  status: unknown (missing: run1/log.txt is read now as run1/log.txt ({now}), not as this run)"
    )
    (tmp_path / "run1" / "log.txt").unlink()
    cli("forget", "run1/log.txt")
    (tmp_path / "run1" / "log.txt").write_text('{"epoch": 0, "loss": 1.0}\n{"epoch": 1, "loss": 0.5}\n')
    cli("collect", "run1", "--pattern", "**/log.txt", "--adapter", "records")
    (tmp_path / "run1" / "log.txt").unlink()
    cli("collect", "run1", "--pattern", "**/log.txt", "--adapter", "records")
    gone = cli("show", "run1/log.txt")  # only runs gone since match: named as such
    assert gone.exit_code == 2
    assert gone.output == (
        f"Error: 'run1/log.txt' was read before as epoch=0 ({before['epoch=0']}), epoch=1 "
        f"({before['epoch=1']}), gone since; resultsbook forget run1/log.txt drops them\n"
    )


def test_a_run_named_by_its_folder_of_runs_lists_the_runs_under_it(tmp_path, cli):
    """A stranger's `show seed_42_Pendulum` (SB3 runs seed_42_Pendulum/PPO, /SAC, /TD3 of
    github.com/eliamounier/Deep_RL) was answered `did you mean 'seed_42_Pendulum/TD3'?`, one of three."""
    source = ROOT / "tests" / "fixtures" / "sb3_zoo" / "logs" / "ppo" / "CartPole-v1_1" / "evaluations.npz"
    for run in (
        "seed_42_Pendulum/PPO",
        "seed_42_Pendulum/SAC",
        "seed_42_Pendulum/TD3",
        "seed_14_Pendulum/PPO",
    ):
        (tmp_path / "logs" / run).mkdir(parents=True)
        (tmp_path / "logs" / run / "evaluations.npz").write_bytes(source.read_bytes())
    cli("collect", "logs")
    shown = cli("show", "seed_42_Pendulum")
    assert shown.exit_code == 2
    assert shown.output.startswith(
        "Error: no run has the id or name 'seed_42_Pendulum'; runs under it: seed_42_Pendulum/PPO, "
        "seed_42_Pendulum/SAC, seed_42_Pendulum/TD3"
    ), shown.output


def test_diff_of_runs_of_two_experiments_says_so(tmp_path, cli):
    """ML-PWS trains each neuron twice, `neurons/neuron_0` and `training_logs/neuron_0` (Lightning folders
    of two experiments, one hparams.yaml): `diff` said `the two runs have the same params and provenance`."""
    for experiment in ("neurons", "training_logs"):
        folder = tmp_path / "logs" / experiment / "neuron_0"
        folder.mkdir(parents=True)
        (folder / "hparams.yaml").write_text("hidden_size: 40\n")
        (folder / "metrics.csv").write_text(f"epoch,step,corr\n0,9,{len(experiment) / 20}\n")
    assert cli("collect", "logs").exit_code == 0
    diff = cli("diff", "neurons/neuron_0", "training_logs/neuron_0").output.splitlines()
    assert [line.split() for line in diff[2:]] == [["experiment", "neurons", "training_logs"]]


def test_diff_of_runs_trained_for_different_budgets_names_their_last_steps(make_run, cli):
    """Two SAC seeds of a stranger's SB3 tree (github.com/eliamounier/Deep_RL), one trained 20000 steps,
    the other 200000: diff named the seed alone, and the runs looked like one configuration."""
    make_run("short", {"seed": 14}, [{"step": step, "ret": 1.0} for step in range(100, 2001, 100)])
    make_run("long", {"seed": 20}, [{"step": step, "ret": 1.0} for step in range(100, 20001, 100)])
    make_run("near", {"seed": 42}, [{"step": step, "ret": 1.0} for step in range(100, 1901, 100)])
    cli("collect", "runs")
    diff = cli("diff", "short", "long").output.splitlines()
    assert [line.split() for line in diff[2:]] == [
        ["seed", "14", "20"],
        ["last", "step", "(ret)", "2000", "20000"],
    ]
    document = json.loads(cli("diff", "short", "long", "--json").output)
    assert document["differences"][-1] == {
        "key": "last step (ret)",
        "kind": "length",
        "first": 2000,
        "second": 20000,
    }
    assert [line.split() for line in cli("diff", "short", "near").output.splitlines()[2:]] == [
        ["seed", "14", "42"]
    ]


def test_show_of_a_run_whose_only_detail_is_its_error_prints_no_empty_provenance(make_run, cli):
    make_run("a", {"seed": 0}, curve([1.0]), {"status": "failed", "error": "ValueError: boom"})
    cli("collect", "runs")
    shown = cli("show", "a").output
    assert "ValueError: boom" in shown and "provenance:" not in shown


def test_show_lists_each_fact_of_a_run_with_many_and_summarizes_a_long_mapping_among_them(make_run, cli):
    """A lightning-hydra-template job (ashleve/lightning-hydra-template@bddbc24, logger=many_loggers)
    holding a W&B run beside its CSV and TensorBoard copies has 19 provenance facts: `show` printed
    `  = 19 entries (resultsbook diff compares them one by one)` in place of all of them, which copy
    of the metrics was kept among them; a long mapping inside (packages) is still summarized."""
    facts = {f"fact{index:02d}": f"value{index}" for index in range(15)}
    packages = {f"package{index:02d}": "1.0" for index in range(20)}
    make_run("a", {"seed": 0}, curve([1.0]), {"status": "finished", **facts, "packages": packages})
    cli("collect", "runs")
    shown = cli("show", "a").output
    assert "entries (resultsbook diff" in shown and "  packages = 20 entries" in shown, shown
    assert all(f"  {key} = {value}" in shown for key, value in facts.items()), shown


def test_runs_and_show_write_a_last_step_whole_as_at_takes_it(make_run, cli):
    """SB3's PPO on BipedalWalker (github.com/mopben/bipedal-walker@1f6d5b9, tb/PPO_1) ends at step
    2031616: `runs --metric KEY:last_step` and `show` printed 2.03162e+06, a step no run logged."""
    make_run("ppo", {"seed": 0}, [{"step": step, "ret": 1.0} for step in (16384, 1015808, 2031616)])
    cli("collect", "runs")
    listed = cli("runs", "--metric", "ret:last_step", "--metric", "ret:n").output.splitlines()
    assert listed[2].split()[-2:] == ["2031616", "3"]
    shown = cli("show", "ppo").output.splitlines()
    assert shown[-1].split() == ["ret", "3", "2031616", "1", "1", "1", "none"]


def test_runs_lists_a_dozen_varying_params_and_cuts_long_values_for_the_terminal(make_run, cli):
    # pytorch-forecasting's hparams.yaml vary in 164 params, some of them pickled tensors (seen in
    # github.com/DiegoCotacio/Deep-Demand-Forecasting-Guide @ 5ca86dfc, lightning_logs/): the listing
    # printed lines 52,199 characters wide
    pickled = (
        "b'\\x80\\x02\\x8a\\nl\\xfc\\x9cF\\xf9 j\\xa8P\\x19.\\x80\\x02M\\xe9\\x03.\\x80\\x02}q\\x00(X\\x10'"
    )
    for seed in range(2):
        config = {f"p{i:02}": seed * 100 + i for i in range(20)}
        make_run(
            f"child_multi_run_ResNet_neg_root_mean_squared_error_{seed}",
            {**config, "loss.state": pickled * (seed + 1)},
            curve([0.5]),
        )
    cli("collect", "runs")
    listing = cli("runs")
    header = listing.stdout.splitlines()[0].split()
    assert header == ["run_id", "name", "status", "loss.state", *(f"p{i:02}" for i in range(11))]
    assert max(len(line) for line in listing.stdout.splitlines()) < 200
    # the two values share their first 81 characters: cut from where they differ, not both to the same head
    assert "…" + pickled[-20:] + " " in listing.stdout and "…" + (pickled * 2)[61:99] + "…" in listing.stdout
    assert "child_multi_run_ResNet_neg_root_mean_squared_error_1 " in listing.stdout  # names stay whole
    assert listing.stderr == (
        "Note: 9 more params vary (p11, p12, p13, ...); name the ones to show: --columns "
        "run_id,name,status,p11,...\n"
        "Note: values longer than 40 characters are cut (…); --format csv or json prints them whole\n"
    )
    csv = cli("runs", "--format", "csv").stdout
    assert "p19" in csv.splitlines()[0] and pickled * 2 in csv
    chosen = cli("runs", "--columns", "name,p19")
    assert chosen.stdout.splitlines()[0].split() == ["name", "p19"] and chosen.stderr == ""


def test_runs_keeps_the_run_fields_beside_params_of_the_same_name(make_run, cli):
    """A config holding `name` and `source` (Ultralytics' args.yaml, many Hydra configs): `runs` printed
    two columns headed `name`, both the param's value, and `--columns source` gave the param, not the
    folder the run was read from."""
    for run in ("r0", "r1"):
        make_run(run, {"name": f"exp-{run}", "source": "imagenet", "seed": 0}, curve([0.5]))
    cli("collect", "runs")
    listing = cli("runs").stdout.splitlines()
    assert listing[0].split() == ["run_id", "name", "status", "params.name"]
    assert listing[2].split()[1:] == ["r0", "unknown", "exp-r0"]
    chosen = cli("runs", "--columns", "name,params.name,source,params.source", "--format", "csv").stdout
    assert chosen.splitlines() == [
        "name,params.name,source,params.source",
        "r0,exp-r0,runs/r0,imagenet",
        "r1,exp-r1,runs/r1,imagenet",
    ]


def test_runs_asked_for_a_column_it_lacks_names_the_run_fields_before_a_long_config(make_run, cli):
    # a W&B tree of Hugging Face runs holds ~300 params: the listing of 12 of them named no run field,
    # and `ended` was taken for the param `seed`
    make_run("r0", {f"arg_{i:03}": i for i in range(300)} | {"seed": 0}, curve([0.5]))
    cli("collect", "runs")
    assert "did you mean 'end_time'?" in cli("runs", "--columns", "name,ended").output
    unknown = cli("runs", "--columns", "name,finished_at").output
    assert (
        "run fields: run_id, name, status, adapter, source, experiment, git_commit, git_dirty, start_time, "
        "end_time;" in unknown
    )
    assert "params: arg_000, arg_001" in unknown


def test_runs_of_several_experiments_are_listed_with_their_experiment(make_run, cli):
    # an mlruns/ of four MLflow experiments with params of their own (seen in
    # github.com/01-AlstonAlvares/A3 @ 5be413db, app/mlruns): the listing mixed them without saying which
    make_run("a", {"lr": 0.1}, curve([0.5]), {"experiment": "Default"})
    make_run("b", {"lambda": 0.5}, curve([0.6]), {"experiment": "st126488-a3"})
    cli("collect", "runs")
    listing = cli("runs").stdout.splitlines()
    assert listing[0].split() == ["run_id", "name", "status", "experiment", "lambda", "lr"]
    assert listing[2].split()[1:] == ["a", "unknown", "Default", "0.1"]  # no lambda: blank, not "none"
    make_run("b", {"lambda": 0.5}, curve([0.6]), {"experiment": "Default"})
    cli("collect", "runs")
    assert cli("runs").stdout.splitlines()[0].split() == ["run_id", "name", "status", "lambda", "lr"]


def test_runs_as_csv_keeps_every_digit_of_params_and_metrics(make_run, cli):
    # a metric logged by MLflow as -0.24563483847301393 (github.com/izalitzilant/mlopsiu_team4 @
    # 011345bb, mlruns/) came out of `runs --format csv` as -0.245635
    make_run("a", {"lr": 1.23456789e-5}, curve([-0.24563483847301393], key="rmse"))
    make_run("b", {"lr": 0.1}, curve([0.5], key="rmse"))
    cli("collect", "runs")
    csv = cli("runs", "--metric", "rmse", "--format", "csv").stdout.splitlines()
    assert csv[:2] == [
        "run_id,name,status,lr,rmse",
        csv[1].split(",")[0] + ",a,unknown,1.23456789e-05,-0.24563483847301393",
    ]
    table = cli("runs", "--metric", "rmse").stdout
    assert "1.23457e-05" in table and "-0.245635" in table  # the terminal keeps six digits


def test_diff_shows_params_whole_where_six_digits_would_read_alike(make_run, cli):
    """A diff is for what differs: lr 0.0010000001 against 0.001 printed 0.001 on both sides."""
    make_run("a", {"lr": 0.0010000001, "gamma": 0.001953125}, curve([0.5]))
    make_run("b", {"lr": 0.001, "gamma": 0.5}, curve([0.6]))
    cli("collect", "runs")
    rows = {line.split()[0]: line.split()[1:] for line in cli("diff", "a", "b").output.splitlines()[2:]}
    assert rows["lr"] == ["0.0010000001", "0.001"]
    assert rows["gamma"] == ["0.00195312", "0.5"]  # told apart at six digits: shown as runs shows them


def test_runs_leaves_a_param_a_run_does_not_have_blank_and_shows_a_null_one_as_none(make_run, cli):
    make_run("a", {"lr": 0.1, "warmup": None}, curve([0.5]))
    make_run("b", {"lr": 0.2}, curve([0.6]))
    cli("collect", "runs")
    csv = cli("runs", "--columns", "name,lr,warmup", "--format", "csv").stdout.splitlines()
    assert csv == ["name,lr,warmup", "a,0.1,none", "b,0.2,"]


def test_help_is_fast_and_imports_nothing_heavy():
    code = "import sys; from resultsbook.cli import cli; print(sorted(m for m in ('pandas','numpy','scipy','sqlite_utils','jinja2','rich') if m in sys.modules))"
    modules = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert modules.stdout.strip() == "[]"
    for command in ("collect", "table", "build", "runs", "show", "diff", "problems", "adapters"):
        result = subprocess.run(
            [sys.executable, "-m", "resultsbook", command, "--help"], capture_output=True, text=True, cwd=ROOT
        )
        assert result.returncode == 0 and "Usage:" in result.stdout
        # every command and option has help text (a docs test, as in sqlite-utils)
        assert len(result.stdout.split("Options:")[0].strip().splitlines()) >= 3


def test_quickstart_table_without_spec(tmp_path, cli):
    """`resultsbook table --rows model --columns dataset --metric test/acc` on the quickstart's runs."""
    script = shutil.copy(ROOT / "examples/quickstart/train.py", tmp_path)  # outside this git repository
    subprocess.run(
        [
            sys.executable,
            script,
            "--out",
            str(tmp_path / "qs"),
            "--seeds",
            "0",
            "1",
        ],
        check=True,
        capture_output=True,
    )
    cli("collect", "qs")
    result = cli("table", "--rows", "model", "--columns", "dataset", "--metric", "test/acc")
    assert result.exit_code == 0
    assert result.output.splitlines()[0].split() == ["model", "circles", "moons"]
    assert "over n = 2 seeds" in result.output


def test_getting_started_shows_the_table_the_quickstart_writes():
    """The quickstart excerpt of the docs is the committed output, byte for byte (the docs cannot rot)."""
    page = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    excerpt = page.split("`paper/results/table1.tex` then reads:\n\n", 1)[1].split("```latex\n", 1)[1]
    excerpt = excerpt.split("```", 1)[0]
    assert excerpt == (ROOT / "examples/quickstart/paper/results/table1.tex").read_text()


def test_runs_metric_of_runs_that_logged_only_a_summary_shows_it_as_a_table_reduces_it(make_run, cli):
    for seed in range(2):
        make_run(f"r{seed}", {"seed": seed}, curve([0.5]), {"summary": {"test_acc": 0.9 + seed / 100}})
    cli("collect", "runs")
    assert cli("runs", "--metric", "test_acc", "--columns", "name").stdout.splitlines()[2:4] == [
        "r0      0.9",
        "r1      0.91",
    ]
    assert cli("runs", "--metric", "test_acc", "--columns", "name").stdout.split()[:2] == [
        "name",
        "test_acc:summary",
    ]
    make_run("r2", {"seed": 2}, [{"step": 1, "test_acc": 0.5}])
    cli("collect", "runs")
    mixed = cli("runs", "--metric", "test_acc", "--columns", "name", "--format", "csv")
    assert mixed.stdout == "name,test_acc\nr0,0.9\nr1,0.91\nr2,0.5\n"
    assert mixed.stderr == (
        "Note: test_acc: 2 run(s) logged no series of it; their cells show the summary value they reported, "
        "as a table reduces it (--metric test_acc:last shows logged points only)\n"
    )
    points = cli("runs", "--metric", "test_acc:last", "--columns", "name", "--format", "csv")
    # as written: not the test_acc column above, whose r0 and r1 show their summary values
    assert points.stdout == "name,test_acc:last\nr0,\nr1,\nr2,0.5\n" and points.stderr == ""
    both = cli("runs", "--metric", "acc", "--metric", "acc:max", "--columns", "name", "--format", "csv")
    assert both.stdout == "name,acc,acc:max\nr0,0.5,0.5\nr1,0.5,0.5\nr2,,\n"  # each column its own summary
    make_run("r3", {"seed": 3}, curve([0.9, 0.4]))
    cli("collect", "runs")
    rising = cli("runs", "--metric", "acc", "--metric", "acc:max", "--columns", "name", "--format", "csv")
    assert rising.stdout.splitlines()[-1] == "r3,0.4,0.9"  # the max column showed the last point, 0.4


def test_a_runs_metric_column_blank_in_every_row_says_the_runs_have_it_in_the_other_form(make_run, cli):
    """`runs --metric testAccuracy:summary` over Sacred runs (catniplab/ML-music-analysis), which log
    points and report no final value, printed an empty column and nothing else."""
    make_run("logged", {"seed": 0}, curve([0.5, 0.7]))
    make_run("reported", {"seed": 1}, [], {"summary": {"test_acc": 0.9}})
    cli("collect", "runs")
    blank = cli("runs", "--metric", "acc:summary", "--columns", "name", "--format", "csv")
    assert blank.stdout == "name,acc:summary\nlogged,\nreported,\n"
    assert blank.stderr == (
        "Note: acc:summary is blank: these runs logged points of acc but reported no final value of it (as a "
        "W&B summary holds); --metric acc (or acc:max, :mean, …) summarises the points\n"
    )
    points = cli(
        "runs", "--where", "seed=1", "--metric", "test_acc:max", "--columns", "name", "--format", "csv"
    )
    assert points.stdout == "name,test_acc:max\nreported,\n"
    assert points.stderr == (
        "Note: test_acc:max is blank: these runs logged no points of test_acc, only a final value; "
        "--metric test_acc shows it\n"
    )
    assert cli("runs", "--metric", "acc:max", "--columns", "name").stderr == ""  # one run has a value


def test_a_metric_whose_name_ends_in_a_summary_is_that_metric(make_run, cli):
    """MLflow allows a colon in a metric's name: `runs --metric acc:max` on a metric logged as `acc:max`
    said `no run logs a metric 'acc'; did you mean 'acc:max'?` and exited 2."""
    make_run("r", {"seed": 0}, [{"step": 1, "acc:max": 0.8}, {"step": 2, "acc:max": 0.7}])
    cli("collect", "runs")
    shown = cli("runs", "--metric", "acc:max", "--columns", "name", "--format", "csv")
    assert (shown.exit_code, shown.stdout) == (0, "name,acc:max\nr,0.7\n"), shown.output
    best = cli("runs", "--metric", "acc:max:max", "--columns", "name", "--format", "csv")
    assert best.stdout == "name,acc:max:max\nr,0.8\n", best.output


def test_a_metric_named_as_another_ones_summary_leaves_that_summary_its_meaning(make_run, cli):
    """Once one run logged a metric named `acc:max` (MLflow), `runs --metric acc:max` showed that metric
    in every run: the runs that log `acc` only turned blank instead of showing their maximum."""
    make_run("plain", {"seed": 0}, [{"step": 1, "acc": 0.8}, {"step": 2, "acc": 0.7}])
    make_run("mlflow", {"seed": 1}, [{"step": 1, "acc": 0.6, "acc:max": 0.9}])
    cli("collect", "runs")
    best = cli("runs", "--metric", "acc:max", "--columns", "name", "--format", "csv")
    assert best.stdout == "name,acc:max\nmlflow,0.6\nplain,0.8\n", best.output
    assert best.stderr == (
        "Note: acc:max is each run's max of acc; a metric named acc:max is logged too: "
        "--metric acc:max:last shows it\n"
    )
    named = cli("runs", "--metric", "acc:max:last", "--columns", "name", "--format", "csv")
    assert (named.stdout, named.stderr) == ("name,acc:max:last\nmlflow,0.9\nplain,\n", ""), named.output


def test_a_metric_logged_as_nan_reads_nan_not_blank(make_run, cli):
    """A test accuracy logged as NaN (a diverged run) read as one never logged: an empty cell in `runs
    --metric test_acc --format csv`, and `none` in `show`."""
    make_run("diverged", {"seed": 0}, [{"step": 1, "test_acc": float("nan")}])
    make_run("fine", {"seed": 1}, [{"step": 1, "test_acc": 0.9}])
    make_run("other", {"seed": 2}, [{"step": 1, "acc": 0.5}])
    cli("collect", "runs")
    shown = cli("runs", "--metric", "test_acc", "--columns", "name", "--format", "csv")
    assert shown.stdout == "name,test_acc\ndiverged,nan\nfine,0.9\nother,\n", shown.output
    assert "diverged  nan" in cli("runs", "--metric", "test_acc:max", "--columns", "name").stdout
    listed = cli("show", "diverged").stdout
    assert re.search(r"test_acc +1 +1 +nan +nan +nan +none", listed), listed
    document = json.loads(cli("runs", "--metric", "test_acc", "--format", "json").stdout)
    diverged = next(run for run in document["runs"] if run["name"] == "diverged")
    assert diverged["metrics"]["test_acc"]["n"] == 1 and diverged["metrics"]["test_acc"]["last"] is None


def test_runs_lists_whether_each_run_came_from_a_dirty_tree(make_run, cli):
    # `runs --columns name,git_commit,git_dirty` was refused ("did you mean 'git_commit'?"): the dirty
    # flag of the runs behind a ‖ mark could be read only run by run with `show`
    make_run("clean", {"seed": 0}, curve([0.5]), {"git": {"commit": "a" * 40, "dirty": False}})
    make_run("dirty", {"seed": 1}, curve([0.5]), {"git": {"commit": "a" * 40, "dirty": True}})
    make_run("untracked", {"seed": 2}, curve([0.5]))
    cli("collect", "runs")
    listed = cli("runs", "--columns", "name,git_dirty", "--format", "csv").output.splitlines()
    assert listed == ["name,git_dirty", "clean,false", "dirty,true", "untracked,"]


def test_diff_shows_where_two_long_values_differ_and_tells_runs_of_one_name_apart(tmp_path, cli):
    """Two jobs of nathimel/rdsg@82682cf's multirun, both named `num_trials=6/sim_param=0` (the last two
    of nine `key=value` folders): their override_dirname differs past its 80th character, and diff
    showed the same cut text on both sides, under the same name twice."""
    overrides = "game.prior='random',game/similarity=nosofsky_normed,simulation.num_variants=1000,simulation/dynamics="
    for dynamics in ("noisy_replicator_dynamic", "replicator_dynamic"):
        job = tmp_path / "multirun" / f"dynamics={dynamics}" / "num_trials=6" / "sim_param=0"
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "config.yaml").write_text("seed: 42\n")
        (job / ".hydra" / "hydra.yaml").write_text(
            f"hydra:\n  job:\n    name: run\n    override_dirname: {overrides}{dynamics}\n"
        )
        (job / "metrics.jsonl").write_text('{"step": 0, "distortion": 1.0}\n')
        (job / "config.json").write_text("{}")
    cli("collect", "multirun")
    ids = [line.split()[0] for line in cli("runs").output.splitlines()[2:-1]]
    lines = cli("diff", *ids).output.splitlines()
    assert lines[0].split() == [
        "num_trials=6/sim_param=0",
        f"({ids[0]})",
        "num_trials=6/sim_param=0",
        f"({ids[1]})",
    ]
    assert lines[2].split() == [
        "override_dirname",
        "...simulation/dynamics=noisy_replicator_dynamic",
        "...simulation/dynamics=replicator_dynamic",
    ]


def test_a_run_named_by_its_last_folder_is_answered_with_its_whole_name(tmp_path, cli):
    """`show version_1` over Optuna trials in lightning_logs/version_N (Elluito/spase-resnet-50-experiments
    @a9285c1) said only to list the runs: version_10 … version_19 hold the text too, so no guess was made."""
    written = ROOT / "tests" / "fixtures" / "tensorboard" / "logs" / "lightning_logs" / "version_0"
    for number in (1, 2, 10, 11, 100):
        shutil.copytree(written, tmp_path / "lightning_logs" / f"version_{number}")
    cli("collect", "lightning_logs")
    shown = cli("show", "version_1")  # the run's own folder names it (stranger18: W&B's run-<date>-<id>)
    assert shown.exit_code == 0 and shown.output.startswith("run "), shown.output
    assert "lightning_logs/version_1 (" in shown.output


def test_an_option_of_one_value_given_twice_is_refused_not_silently_the_last(make_run, cli):
    """`--reduce max --reduce last` read the runs by `last` alone (catniplab/ML-music-analysis: `--rows`
    and `--stat` given twice did the same, and now add up): click keeps an option's last value in silence."""
    for seed in range(3):
        make_run(f"r{seed}", {"model": "a", "data": "x", "seed": seed}, curve([0.5 + seed / 10]))
    cli("collect", "runs")
    reduce = cli("table", "--rows", "model", "--metric", "acc", "--reduce", "max", "--reduce", "last")
    assert reduce.exit_code == 2
    assert reduce.stderr.startswith(
        "Error: --reduce is given 2 times (max, then last) and takes one value: only the last would count; "
        "give it once (see `"
    )
    assert reduce.stderr.endswith(" table --help`)\n")
    exempt = cli(
        "table", "--rows", "model", "--metric", "acc", "--run-specific", "data", "--run-specific=seed"
    )
    assert exempt.exit_code == 2 and "several go in one value: --run-specific data,seed" in exempt.stderr
    # options taken several times, and a value that looks like an option, stay as they were
    several = cli("table", "--rows", "model", "--metric", "acc", "--where", "seed>=0", "--where", "data=x")
    assert several.exit_code == 0, several.output
    assert cli("runs", "--where", "model=a", "--columns", "--where").exit_code == 2  # no column --where


def test_a_collect_into_a_misspelt_store_makes_no_second_store_beside_it(cli, make_run, tmp_path):
    """A stranger's `--db resultbook.db` beside resultsbook.db made a second store, the paper's runs
    split between the two; a numbered store (`results2.db`) is a new one meant, and a file made first
    says a new store is wanted."""
    make_run("r1", {"model": "mlp", "seed": 0}, curve([0.5, 0.7]))
    assert cli("collect", "runs").exit_code == 0
    for typed in ("resultbook.db", "resultsbook.bd", "resultsbok.db"):
        result = cli("collect", "runs", "--db", typed)
        assert result.exit_code == 1
        assert result.output == (
            f"Error: no store at {typed}, and resultsbook.db is beside it; did you mean --db resultsbook.db? "
            "(no new store is made under a name one letter from another's: to start one there, create the "
            f"file first, `touch {typed}`)\n"
        )
        assert not (tmp_path / typed).exists()
    assert cli("collect", "runs", "--db", "resultsbook2.db").exit_code == 0
    (tmp_path / "resultbook.db").touch()
    assert cli("collect", "runs", "--db", "resultbook.db").exit_code == 0
    assert "1 new" in cli("collect", "runs", "--db", "other.db").output


def test_a_collect_into_a_new_store_named_like_a_short_or_lettered_one_makes_it(cli, make_run, tmp_path):
    """`--db c1.db` beside p1.db was refused as a typo of it (and p1b.db, and runs_a.db beside
    runs_b.db): a short or lettered name is a store of its own. A long name one letter off, or a
    name one letter from the spec's store, is still answered with the store meant."""
    make_run("r1", {"model": "mlp", "seed": 0}, curve([0.5, 0.7]))
    for existing, typed in (("p1.db", "c1.db"), ("p1.db", "p1b.db"), ("runs_b.db", "runs_a.db")):
        assert cli("collect", "runs", "--db", existing).exit_code == 0
        made = cli("collect", "runs", "--db", typed)
        assert made.exit_code == 0 and "1 new" in made.output, made.output
    assert cli("collect", "runs", "--db", "final_runs_b.db").exit_code == 0
    assert cli("collect", "runs", "--db", "final_runs_a.db").exit_code == 0
    # the suffix misspelt is a typo whatever the name's length (sfujim/TD3 collected into td3.bd)
    assert cli("collect", "runs", "--db", "p1.bd").output.startswith(
        "Error: no store at p1.bd, and p1.db is beside it; did you mean --db p1.db?"
    )
    assert not (tmp_path / "p1.bd").exists()
    assert cli("collect", "runs", "--db", "experiment.db").exit_code == 0
    refused = cli("collect", "runs", "--db", "experimnet.db")
    assert refused.exit_code == 1
    assert refused.output.startswith(
        "Error: no store at experimnet.db, and experiment.db is beside it; did you mean --db experiment.db?"
    )
    (tmp_path / "resultsbook.toml").write_text('store = "mine.db"\n[[sources]]\npath = "runs"\n')
    assert cli("collect").exit_code == 0
    refused = cli("collect", "runs", "--db", "mien.db")
    assert refused.exit_code == 1
    assert refused.output.startswith(
        "Error: no store at mien.db, and mine.db is beside it; did you mean --db mine.db?"
    )
    assert not (tmp_path / "experimnet.db").exists() and not (tmp_path / "mien.db").exists()


def test_a_subfolder_without_a_store_names_the_store_above(cli, make_run, tmp_path, monkeypatch):
    """`cd runs && resultsbook runs` said only `no store at …/runs/resultsbook.db; run `resultsbook
    collect PATH` first`, and following it made a second store."""
    import resultsbook as rb

    make_run("r1", {"model": "mlp", "seed": 0}, curve([0.5, 0.7]))
    assert cli("collect", "runs").exit_code == 0
    monkeypatch.chdir(tmp_path / "runs")
    result = cli("runs")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: no store at {tmp_path / 'runs' / 'resultsbook.db'}; there is one in a folder above: "
        "pass --db ../resultsbook.db (a collect here starts a second store)\n"
    )
    with pytest.raises(
        rb.NotFoundError, match=r"there is one in a folder above: rb\.open\('\.\./resultsbook\.db'\)$"
    ):
        rb.open()
    with pytest.raises(rb.StoreError, match=r"the nearest store above it is \.\./resultsbook\.db: rb\.open"):
        rb.open("r1")
    assert cli("runs", "--db", "../resultsbook.db").exit_code == 0


def test_a_chain_of_links_and_a_loop_are_named_for_what_they_are(tmp_path):
    """A link to a broken link was called `a loop of links?`, and the missing path was never named."""
    from resultsbook.errors import broken_link

    os.symlink("nowhere/runs", tmp_path / "brokenruns")
    os.symlink("brokenruns", tmp_path / "chain")
    os.symlink("loop2", tmp_path / "loop1")
    os.symlink("loop1", tmp_path / "loop2")
    assert broken_link(str(tmp_path / "chain"), "chain") == (
        f"chain is a broken symbolic link (to brokenruns, a link leading to {tmp_path}/nowhere/runs, which does "
        "not exist)"
    )
    assert broken_link(str(tmp_path / "loop1"), "loop1") == (
        "loop1 is a broken symbolic link (to loop2: a loop of links that leads to no file)"
    )


def test_a_broken_link_given_as_a_path_is_named_broken(cli, tmp_path):
    """`resultsbook collect wandb/latest-run`, the link left by a deleted W&B run, said `'wandb/latest-run'
    does not exist; did you mean 'wandb/latest-run'?`; the spec's path, --config and --db did the same."""
    import resultsbook as rb

    (tmp_path / "wandb").mkdir()
    os.symlink("run-20210211_170928-3j8obc9b", tmp_path / "wandb" / "latest-run")
    broken = (
        "wandb/latest-run is a broken symbolic link (to run-20210211_170928-3j8obc9b, which does not exist); "
        "relink it, or collect the folder it is in (wandb)"
    )
    result = cli("collect", "wandb/latest-run")
    assert result.exit_code == 2
    assert result.output == f"Error: invalid value for 'PATHS...': {broken} (see `cli collect --help`)\n"
    with pytest.raises(rb.SpecError, match=f"^{re.escape(broken)}$"):
        rb.collect("wandb/latest-run")
    (tmp_path / "resultsbook.toml").write_text('[[sources]]\npath = "wandb/latest-run"\n')
    assert cli("collect").output == (
        "Error: resultsbook.toml: [[sources]] #1 path = 'wandb/latest-run' is a broken symbolic link (to "
        "run-20210211_170928-3j8obc9b, which does not exist); relink it, or give the folder of the runs\n"
    )
    os.symlink("gone.toml", tmp_path / "spec.toml")
    assert (
        "'spec.toml' is a broken symbolic link (to gone.toml, which does not exist); relink it, or pass "
        in (cli("build", "--config", "spec.toml").output)
    )
    os.symlink("gone.db", tmp_path / "s.db")
    for args in (["runs", "--db", "s.db"], ["collect", "wandb", "--db", "s.db"]):
        assert cli(*args).output == (
            "Error: s.db is a broken symbolic link (to gone.db, which does not exist); relink it to the store, "
            "or pass the store's own path\n"
        )
    assert sorted(os.listdir(tmp_path)) == [
        "resultsbook.toml",
        "s.db",
        "spec.toml",
        "wandb",
    ]  # no gone.db made


def test_rb_collect_into_a_misspelt_store_names_the_store_in_python(make_run, tmp_path, monkeypatch):
    import resultsbook as rb
    from resultsbook.errors import NotFoundError

    monkeypatch.chdir(tmp_path)
    make_run("r1", {"model": "mlp", "seed": 0}, curve([0.5, 0.7]))
    rb.collect("runs")
    with pytest.raises(NotFoundError) as caught:
        rb.collect("runs", db="resultbook.db")
    assert str(caught.value) == (
        "no store at resultbook.db, and resultsbook.db is beside it; did you mean db='resultsbook.db'? (no new "
        "store is made under a name one letter from another's: to start one there, create the file first, "
        "open('resultbook.db', 'w').close())"
    )
    assert not (tmp_path / "resultbook.db").exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["status", "--table", "table1"],
            "status reports every table of the spec; `resultsbook explain NAME` shows one table's runs",
        ),
        (["check", "--table", "table1"], "check checks every output of the spec"),
    ],
)
def test_one_table_asked_of_a_command_of_every_table_says_what_it_does(cli, args, said):
    """A stranger's `status --table tabel1` was answered `did you mean one of '--all', '--stale-after'?`."""
    result = cli(*args)
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: no such option '--table': {said} (see `")


def test_a_key_in_both_rows_and_columns_is_refused(cli, make_run):
    """A stranger's `columns = ["dataset", "model"]` beside `rows = ["model"]` on the quickstart printed
    cells named `MLP / Moons / MLP`, each averaging runs the row had already split."""
    for model in ("logreg", "mlp"):
        make_run(f"{model}_0", {"model": model, "dataset": "moons", "seed": 0}, curve([0.5, 0.7]))
    cli("collect", "runs")
    result = cli("table", "--rows", "model", "--columns", "dataset,model", "--metric", "acc")
    assert (result.exit_code, result.output) == (
        2,
        "Error: 'model' is both a row and a column key; keep it in one\n",
    )
    result = cli("table", "--rows", "model", "--columns", "dataset,dataset", "--metric", "acc")
    assert (result.exit_code, result.output) == (
        2,
        "Error: column key 'dataset' is listed twice; list it once\n",
    )


@pytest.mark.parametrize(
    "interrupt",
    [
        "raise KeyboardInterrupt",
        # in a weakref callback, as in the import lock's: Python prints an exception raised there, goes on
        "weakref.finalize(Interrupting(), lambda: os.kill(os.getpid(), signal.SIGINT) or sum(range(9)))",
    ],
)
def test_ctrl_c_while_the_command_loads_ends_it_without_a_traceback(tmp_path, interrupt):
    """Ctrl-C in the first tenth of a second, while the command line was being imported, printed
    Python's traceback of the import machinery instead of saying the command was interrupted; or,
    landing in one of its callbacks, `Exception ignored in ...`, and the command went on."""
    interrupting = (
        "import os, signal, sys, weakref\n"
        "class Interrupting:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'resultsbook.cli':\n"
        f"            {interrupt}\n"
        "sys.meta_path.insert(0, Interrupting())\n"
        "import runpy\n"
        "runpy.run_module('resultsbook', run_name='__main__')\n"
    )
    ended = subprocess.run([sys.executable, "-c", interrupting], capture_output=True, text=True, cwd=tmp_path)
    assert ended.returncode == 130
    assert ended.stderr == "\nInterrupted before the command started; nothing was done.\n"
    assert ended.stdout == ""  # the command did not go on
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["resultsbook"] == "resultsbook.console:main"  # the installed command loads through it
