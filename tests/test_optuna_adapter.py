"""Optuna's SQLite storage, read without Optuna, agrees with what Optuna's own API reads.

The fixture in tests/fixtures/optuna/ was written by Optuna 5.1.0 itself (make_fixture.py there), and
expected.json holds what `optuna.load_study(...).get_trials()` returned for it. The trap a reader
without Optuna falls into: a categorical param is stored as the index of its choice, an int as a float.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from conftest import ROOT

from resultsbook.adapters.optuna_studies import decode_param
from resultsbook.sources.collect import CollectRequest, collect, find_sources, read_source

FIXTURE = ROOT / "tests" / "fixtures" / "optuna"
DATABASE = FIXTURE / "sqlite" / "optuna.db"
JOURNAL = FIXTURE / "journal" / "optuna_journal_storage.log"
EXPECTED = json.loads((FIXTURE / "expected.json").read_text())
# Optuna's TrialState names -> resultsbook's vocabulary (what the adapter promises, see its module)
STATUS = {
    "COMPLETE": "finished", "FAIL": "failed", "PRUNED": "interrupted", "RUNNING": "running", "WAITING": "queued",
}  # fmt: skip
INFINITE = "1 final value(s) are NaN/Infinity (the first: 'values_1')"  # multi's trial 1: kept, and said


def read_runs(path: Path, **request):
    """Read every Optuna source under `path` with no option: ({run key: run}, [problems])."""
    runs, problems = {}, []
    for source, adapter in find_sources(CollectRequest(str(path), **request)):
        assert adapter.name == "optuna"
        result = read_source(adapter, source)
        runs.update((run.key, run) for run in result.runs)
        problems.extend(result.problems)
    return runs, problems


def as_float(value) -> float:
    return float(value)  # expected.json keeps inf as the string 'inf'


@pytest.mark.parametrize("storage", ["sqlite", "journal"])
def test_trials_agree_with_what_optuna_reads(tmp_path, storage):
    """Every trial of the SQLite storage and of the journal: params decoded as Optuna decodes them
    (width 64, not the index 2), final values named by the study's metric names or `value`/`values_N`,
    state, curve and user attrs."""
    fixture = DATABASE if storage == "sqlite" else JOURNAL
    shutil.copy(fixture, tmp_path / fixture.name)
    runs, problems = read_runs(tmp_path)
    assert [p.message for p in problems] == [INFINITE]
    expected_keys = {f"{study}#{t['number']}" for study, s in EXPECTED[storage].items() for t in s["trials"]}
    assert set(runs) == expected_keys
    for study, expected in EXPECTED[storage].items():
        names = expected["metric_names"] or (
            ["value"] if len(expected["directions"]) == 1 else [f"values_{i}" for i in range(2)]
        )
        for trial in expected["trials"]:
            run = runs[f"{study}#{trial['number']}"]
            assert run.experiment == study
            assert run.status == STATUS[trial["state"]]
            for key, value in trial["params"].items():
                assert run.params[key] == value and type(run.params[key]) is type(value), key
            finals = dict(zip(names, map(as_float, trial["values"] or [])))
            user_results = {k: v for k, v in trial["user_attrs"].items() if k == "train_loss"}
            assert dict(run.summary) == {**finals, **user_results}
            for key in ("seed", "note"):
                if key in trial["user_attrs"]:
                    assert run.params[key] == trial["user_attrs"][key]
            curve = run.metrics.get("intermediate_value")
            reported = {float(k): v for k, v in trial["intermediate_values"].items()}
            assert ({} if curve is None else dict(zip(curve.steps.tolist(), curve.values.tolist()))) == reported
            assert run.provenance["optuna"]["state"] == trial["state"]
    assert runs["multi#1"].summary["values_1"] == math.inf
    assert runs["sweep#1"].params["width"] == 64  # stored as 2.0, the index of 64 in [16, 32, 64]
    assert runs["sweep#4"].provenance["error"]["type"] == "TrialPruned"
    assert runs["sweep#0"].provenance["optuna"]["directions"] == {"val_acc": "maximize"}
    # an enqueued trial not started yet holds the params it was enqueued with
    assert runs["sweep#7"].params["width"] == 64 and runs["sweep#7"].provenance["optuna"]["state"] == "WAITING"


@pytest.mark.parametrize(
    ("stored", "distribution", "expected"),
    [
        (2.0, {"name": "CategoricalDistribution", "attributes": {"choices": [3e-05, 0.0003, 0.003]}}, 0.003),
        (1.0, {"name": "CategoricalDistribution", "attributes": {"choices": ["sgd", None]}}, None),
        (3.0, {"name": "IntDistribution", "attributes": {"log": False, "step": 1, "low": 1, "high": 4}}, 3),
        (16.0, {"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 64, "step": 1}}, 16),
        (8.0, {"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 64, "step": 1}}, 8),
        (0.5, {"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 1.0}}, 0.5),
        (0.25, {"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}, 0.25),
    ],
)
def test_a_stored_param_is_decoded_through_its_distribution(stored, distribution, expected):
    """The distribution_json shapes of optuna/distributions.py (Optuna 5.1.0, `distribution_to_json`),
    the current ones and those written before Optuna 3.0 (IntUniform..., DiscreteUniform...); the first
    row is the real one of lelis-research/neurips-2025-paper-neural-decomposition @ ecd8303, optuna.db."""
    value = decode_param(stored, distribution)
    assert value == expected and type(value) is type(expected)


def test_a_folder_holding_optuna_db_is_collected_without_options(tmp_path, cli):
    """lelis-research/neurips-2025-paper-neural-decomposition @ ecd8303 committed its optuna.db (6
    studies, 19 trials) at its root: `collect .` said "no runs found under ." and named no format."""
    shutil.copy(DATABASE, tmp_path / "optuna.db")
    result = cli("collect", ".")
    assert result.exit_code == 0, result.output
    assert "11 new" in result.output
    table = cli("table", "--rows", "optimizer", "--metric", "val_acc", "--where", "status=finished",
                "--stat", "n,mean", "--format", "csv")  # fmt: skip
    assert table.exit_code == 0, table.output
    rows = {row["optimizer"]: row for row in csv.DictReader(io.StringIO(table.stdout))}
    adam = [
        t["values"][0] for t in EXPECTED["sqlite"]["sweep"]["trials"]
        if t["state"] == "COMPLETE" and t["params"]["optimizer"] == "adam"
    ]  # fmt: skip
    assert int(rows["adam"]["n"]) == len(adam) == 3
    assert float(rows["adam"]["mean"]) == pytest.approx(sum(adam) / len(adam))
    listed = cli("adapters")
    assert any(line.startswith("optuna: ") for line in listed.output.splitlines())


def test_a_store_kept_beside_the_study_is_not_read_as_a_database_of_it(tmp_path, cli):
    """`collect DIR --db DIR/store.db`: the Optuna adapter claims the SQLite files beside a storage,
    so every collect read the store itself and said "store.db: is not an Optuna study database"."""
    shutil.copy(DATABASE, tmp_path / "optuna.db")
    for _ in range(2):
        result = cli("collect", ".", "--db", "store.db")
        assert result.exit_code == 0, result.output
        assert "store.db" not in result.output, result.output
    assert "11 unchanged" in result.output


def test_a_study_db_that_is_not_optuna_is_said_in_one_line(tmp_path):
    """A study planner's study.db (many on GitHub, e.g. find_files path study.db) is not a study."""
    sqlite3.connect(tmp_path / "study.db").execute("CREATE TABLE sessions (id, subject)").connection.close()
    runs, problems = read_runs(tmp_path)
    assert runs == {}
    assert [(Path(p.path).name, p.message) for p in problems] == [
        ("study.db", "is not an Optuna study database (no table studies, trial_params, trials, version_info)")
    ]
    assert "\n" not in problems[0].kept


def test_a_study_writing_in_wal_mode_is_read_without_waiting_for_it(tmp_path):
    """A study whose writer holds its write transaction open: the read neither waits nor fails."""
    path = tmp_path / "optuna.db"
    shutil.copy(DATABASE, path)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE trials SET state = 'COMPLETE' WHERE state = 'RUNNING'")
    try:
        started = time.monotonic()
        runs, problems = read_runs(tmp_path)
        assert time.monotonic() - started < 2
        assert [p.message for p in problems] == [INFINITE] and len(runs) == 11
        assert runs["sweep#6"].status == "running"  # the uncommitted write is not seen
    finally:
        writer.execute("COMMIT")
        writer.close()


def test_a_study_mid_write_is_never_locked_and_said_when_it_never_pauses(tmp_path):
    """Optuna's default rollback journal: while a write is under way (its -journal beside the file)
    the file is not read; the writer is never blocked by the read, and the read says to collect again."""
    path = tmp_path / "optuna.db"
    shutil.copy(DATABASE, path)
    writer = sqlite3.connect(path, isolation_level=None, timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE trials SET state = 'COMPLETE' WHERE state = 'RUNNING'")
    try:
        runs, problems = read_runs(tmp_path)
        assert runs == {}
        assert [p.message for p in problems] == ["changed during every read (a study is writing it)"]
        writer.execute("COMMIT")  # timeout 0: would raise if the read had left a lock behind
    finally:
        writer.close()
    runs, problems = read_runs(tmp_path)
    assert [p.message for p in problems] == [INFINITE] and runs["sweep#6"].status == "finished"


def test_a_waiting_trial_is_said_waiting_by_status(tmp_path, store):
    """The fixture's trial 7 is enqueued (`study.enqueue_trial`, Optuna 5.1.0) and never started; a
    pruned trial says it was pruned, where a failed one has no error Optuna records."""
    from resultsbook.freshness.status import runs_status

    shutil.copy(DATABASE, tmp_path / "optuna.db")
    collect(store, [CollectRequest(str(tmp_path))])
    report = runs_status(store)
    details = {run.name: run.detail for run in report.runs}
    states = {run.name: run.state for run in report.runs}
    assert (states["sweep trial 7"], details["sweep trial 7"]) == (
        "queued",
        "Optuna's WAITING: enqueued, not started yet",
    )  # it was `running`, counted as a seed still running
    assert details["sweep trial 4"] == "TrialPruned: pruned by the study's pruner at step 0"


def test_an_optuna_storage_of_another_name_is_named_with_the_option_that_reads_it(tmp_path, cli):
    """Optuna's examples name the storage freely (`sqlite:///example.db`, `hpo.db`): an empty collect
    says it is one, and how to read it, whether the file or its folder is collected."""
    (tmp_path / "hpo").mkdir()
    shutil.copy(DATABASE, tmp_path / "hpo" / "tuning.db")
    sqlite3.connect(tmp_path / "hpo" / "cache.db").execute("CREATE TABLE c (x)").connection.close()
    folder = cli("collect", "hpo")
    assert folder.exit_code == 1
    assert "tuning.db is an Optuna study storage" in folder.output
    assert "read it with --adapter optuna, a run per trial" in folder.output
    one = cli("collect", "hpo/tuning.db")
    assert one.exit_code != 0
    assert one.output.strip().splitlines()[-1] == (
        "Error: no adapter reads hpo/tuning.db; it is an Optuna study storage: read it with "
        "--adapter optuna, a run per trial"
    )
    assert cli("collect", "hpo", "--adapter", "optuna").exit_code == 0


def test_a_journal_being_written_keeps_its_whole_lines_and_says_the_last_waits(tmp_path):
    """JournalFileBackend appends whole lines under a lock of its own, which the read never takes: a
    line caught half written (optuna/storages/journal/_file.py skips it too) waits for the next collect."""
    lines = JOURNAL.read_bytes().splitlines(keepends=True)
    complete = lines.index(next(line for line in lines if b'"op_code":6' in line and b'"state":1' in line))
    (tmp_path / "journal.log").write_bytes(b"".join(lines[: complete + 1]) + lines[complete + 1][:25])
    runs, problems = read_runs(tmp_path)
    assert [p.message for p in problems] == [
        "its last line has no newline (a study is writing it, or its writer stopped mid-line); "
        "Optuna skips such a line too"
    ]
    assert runs["sweep#0"].status == "finished" and runs["sweep#0"].summary["val_acc"] > 0.5


def test_a_journal_of_another_name_or_a_log_that_is_no_journal_is_said(tmp_path, cli):
    """Optuna's examples name the journal freely (`f"{study_name}.log"`); a `journal.log` may be anything."""
    shutil.copy(JOURNAL, tmp_path / "study_rmse.log")
    folder = cli("collect", ".")
    assert folder.exit_code == 1
    assert "study_rmse.log is an Optuna study storage" in folder.output
    assert "read it with --adapter optuna, a run per trial" in folder.output
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "journal.log").write_text("2024-01-01 started the lab journal\n")
    runs, problems = read_runs(tmp_path / "notes")
    assert runs == {}
    assert [p.message for p in problems] == [
        "is not an Optuna journal (its first line is no operation with an op_code)"
    ]


def test_every_sqlite_file_beside_an_optuna_db_is_read_or_said(tmp_path):
    """izzak98/dist-pred @ bf0a655 keeps two sweeps in two files at its root, optuna.db and
    wasserstein_distance.db (2 studies, 204 trials): a collect that read optuna.db alone left the other
    unsaid. Beside an Optuna storage, the folder's other SQLite files are read, or said not Optuna's."""
    shutil.copy(DATABASE, tmp_path / "optuna.db")
    other = sqlite3.connect(tmp_path / "wasserstein_distance.db")
    other.execute("ATTACH DATABASE ? AS fixture", (str(DATABASE),))
    for (sql,) in other.execute("SELECT sql FROM fixture.sqlite_master WHERE type = 'table'").fetchall():
        other.execute(sql)
    for (table,) in other.execute("SELECT name FROM fixture.sqlite_master WHERE type = 'table'").fetchall():
        other.execute(f"INSERT INTO main.{table} SELECT * FROM fixture.{table}")
    other.execute("UPDATE studies SET study_name = study_name || '_qlstm'")
    other.commit()
    other.execute("DETACH DATABASE fixture")
    other.close()
    sqlite3.connect(tmp_path / "cache.db").execute("CREATE TABLE c (x)").connection.close()
    runs, problems = read_runs(tmp_path)
    assert len(runs) == 22 and {run.experiment for run in runs.values()} == {
        "sweep", "multi", "sweep_qlstm", "multi_qlstm"
    }  # fmt: skip
    assert [(Path(p.path).name, p.message) for p in problems if p.message != INFINITE] == [
        ("cache.db", "is not an Optuna study database (no table studies, trial_params, trials, version_info)")
    ]


def test_a_running_trial_of_a_copied_study_says_when_it_started(tmp_path, store):
    """lelis-research/neurips-2025-paper-neural-decomposition @ ecd8303 committed optuna.db with a trial
    RUNNING since June 2025; after a clone `status` said only "last write 3 min ago" (the clone's time),
    as if it were alive: a trial's reports have no time, and when it started is what its clock says."""
    from resultsbook.freshness.status import runs_status

    path = tmp_path / "optuna.db"
    shutil.copy(DATABASE, path)
    collect(store, [CollectRequest(str(tmp_path))])
    started = next(r for r in store.runs() if r.name == "sweep trial 6").start_time
    cloned = started + 400 * 86400
    os.utime(path, (cloned, cloned))
    details = {run.name: run.detail for run in runs_status(store, now=cloned + 60).runs}
    assert details["sweep trial 6"] == (
        "last write 60 s ago, but it started 400.0 days ago and nothing it logged has a time "
        "(a copy or a clone dates files when it is made)"
    )


def test_a_goal_the_study_contradicts_or_lacks_is_said_with_the_study_direction(tmp_path, cli):
    """The optuna-dashboard sample study (optuna/optuna-dashboard, tslib/react/public/sample_db.sqlite3,
    as forked at turbotimon/optuna-dashboard @ bc50b6b) maximizes `value`, an accuracy: a spec with
    goal = "min" made its worst optimizer bold, and no word said the study had a direction."""
    shutil.copy(DATABASE, tmp_path / "optuna.db")
    assert cli("collect", ".").exit_code == 0
    args = ("table", "--rows", "optimizer", "--where", "experiment=sweep", "--metric", "val_acc")
    wrong = cli(*args, "--goal", "val_acc=min")
    assert wrong.exit_code == 0, wrong.output
    assert (
        "Warning: the goal of 'val_acc' is 'min' (lower is better), but the Optuna study sweep would "
        "maximize it: the bold marks the worst cell; set goal = \"max\" (--goal val_acc=max)"
    ) in wrong.output.splitlines()
    right = cli(*args, "--goal", "val_acc=max")
    assert "Optuna study" not in right.output
    unset = cli("table", "--rows", "x", "--where", "experiment=multi", "--metric", "values_1")
    assert (
        "Warning: 'values_1' has no goal, and the Optuna study multi would maximize it: set "
        "goal = \"max\" (--goal values_1=max)"
    ) in unset.output.splitlines()


def test_a_run_beside_optuna_db_that_is_not_read_is_said(tmp_path):
    """A script that logs its own run (config.json, metrics.jsonl) in the folder where its study's
    optuna.db is: one adapter reads a folder, so the run was lost unsaid; now it is named, with the fix."""
    shutil.copy(DATABASE, tmp_path / "optuna.db")
    (tmp_path / "config.json").write_text('{"lr": 0.1, "seed": 0}')
    (tmp_path / "metrics.jsonl").write_text('{"step": 1, "acc": 0.5}\n')
    runs, problems = read_runs(tmp_path)
    assert len(runs) == 11
    beside = [p for p in problems if p.message != INFINITE]
    assert [(Path(p.path).name, p.message, p.kept) for p in beside] == [
        (
            "metrics.jsonl",
            "is not read: its folder is read by the optuna adapter for optuna.db, and one adapter reads a folder",
            "nothing of it; move optuna.db into a folder of its own",
        )
    ]


def test_user_attrs_named_as_results_are_results_and_the_rest_params(tmp_path):
    """`trial.set_user_attr` holds settings and results alike (the rule of sources/fields.py decides):
    a list of per-fold accuracies would have made every trial a configuration of its own, as a param."""
    path = tmp_path / "optuna.db"
    shutil.copy(DATABASE, path)
    conn = sqlite3.connect(path)
    attrs = {"val_loss": 0.25, "cv_accuracy": [0.8, 0.9], "batch_size": 64, "device": "cuda:0"}
    conn.executemany(
        'INSERT INTO trial_user_attributes (trial_id, "key", value_json) VALUES (1, ?, ?)',
        [(key, json.dumps(value)) for key, value in attrs.items()],
    )
    conn.commit()
    conn.close()
    runs, _ = read_runs(tmp_path)
    run = runs["sweep#0"]
    assert run.summary["val_loss"] == 0.25 and "val_loss" not in run.params
    assert run.params["batch_size"] == 64 and run.params["device"] == "cuda:0"
    assert "cv_accuracy" not in run.params and "cv_accuracy" not in run.summary
    assert run.provenance["optuna"]["user_attrs"] == {"cv_accuracy": [0.8, 0.9]}
