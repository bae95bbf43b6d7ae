"""`resultsbook forget` (and `rb.forget`): runs read from a path leave the store, as if never collected,
in SQLite and PostgreSQL stores alike; the logs stay, and a collect brings them back."""

from __future__ import annotations

import json

import pytest
from conftest import curve

import resultsbook as rb
from resultsbook.store import Store


def two_patterns(make_run) -> None:
    """Runs a first collect read with a pattern that took `group` from the folders, then one without."""
    for group in ("old", "new"):
        for seed in range(2):
            make_run(f"{group}/s{seed}", {"model": "mlp", "seed": seed}, curve([0.5 + seed]))
    make_run("old/broken", {"model": "mlp"}, [{"step": "x", "acc": 1}])  # a problem to forget with it


def test_forget_removes_the_runs_and_problems_under_a_folder_and_a_collect_brings_them_back(make_run, cli):
    two_patterns(make_run)
    assert cli("collect", "runs").exit_code == 0
    before = cli("problems").output
    assert "old/broken" in before

    dry = cli("forget", "runs/old", "--dry-run")
    assert dry.exit_code == 0
    assert dry.output.splitlines() == [
        "Would forget 3 runs of 3 sources (the logs are untouched)",
        "  runs/old/broken",
        "  runs/old/s0",
        "  runs/old/s1",
    ]
    assert cli("problems").output == before  # a dry run changes nothing

    done = cli("forget", "runs/old")
    assert done.exit_code == 0 and done.output == "Forgot 3 runs of 3 sources (the logs are untouched)\n"
    listed = cli("runs", "--all", "--columns", "name,source", "--format", "csv").output.splitlines()
    assert listed == ["name,source", "s0,runs/new/s0", "s1,runs/new/s1"]  # gone, not marked missing
    assert "old/broken" not in cli("problems").output

    again = cli("collect", "runs")
    assert again.output.startswith("Collected runs: 3 new, 0 updated, 2 unchanged")


def test_forget_of_a_path_as_close_to_several_runs_names_them_all(make_run, cli):
    """`forget logs/version_1` among version_11 … version_17 said `did you mean logs/version_17?`: one
    run of seven alike, offered to a command that deletes."""
    for version in range(11, 18):
        make_run(f"version_{version}", {"model": "a"}, [{"step": 1, "acc": 0.5}])
    cli("collect", "runs")
    typo = cli("forget", "runs/version_1")
    assert typo.exit_code == 1
    assert typo.output == (
        "Error: the store holds no run collected from runs/version_1; did you mean one of runs/version_11, "
        "runs/version_12, runs/version_13 (and 4 more)?\n"
    )


def test_forget_of_a_path_the_store_does_not_hold_names_the_one_meant_and_changes_nothing(make_run, cli):
    two_patterns(make_run)
    cli("collect", "runs")
    typo = cli("forget", "runs/new", "runs/odl")
    assert typo.exit_code == 1
    assert typo.output == "Error: the store holds no run collected from runs/odl; did you mean runs/old?\n"
    assert cli("collect", "runs").output.startswith("Collected runs: 0 new, 0 updated, 5 unchanged")
    assert cli("forget", "runs/new").exit_code == 0
    gone = cli("forget", "runs/new")  # there on disk: forgotten already
    assert gone.exit_code == 1 and "(not collected, or forgotten already)" in gone.output


def test_forget_says_when_the_specs_sources_would_collect_the_runs_again(make_run, cli, tmp_path):
    two_patterns(make_run)
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\npattern = "{group}/{run}/metrics.jsonl"\n'
    )
    assert cli("collect").exit_code == 0
    result = cli("forget", "runs/new/s0", "--json")
    document = json.loads(result.stdout)
    assert document["ok"] and document["runs"] == 1 and document["sources"] == ["runs/new/s0"]
    assert document["notes"] == [
        "the source forgotten lies under runs, which [[sources]] reads with pattern "
        "'{group}/{run}/metrics.jsonl': the next `resultsbook build` or `collect` brings them back (narrow "
        "its pattern, or remove the entry)"
    ]
    assert "1 new" in cli("collect").output


def test_rb_forget_returns_what_it_removed(make_run, tmp_path, monkeypatch):
    two_patterns(make_run)
    monkeypatch.chdir(tmp_path)
    rb.collect("runs")
    report = rb.forget(tmp_path / "runs" / "old", dry_run=True)
    assert repr(report) == "ForgetReport(3 runs of 3 sources, dry run)"
    assert len(rb.open().runs()) == 5
    report = rb.forget(["runs/old/s0", "runs/old/s1"])
    assert (report.runs, report.sources) == (2, ("runs/old/s0", "runs/old/s1"))
    assert sorted(rb.open().runs()["name"]) == ["broken", "s0", "s1"]
    with pytest.raises(rb.NotFoundError, match="did you mean runs/old"):
        rb.forget("runs/olf")
    with pytest.raises(rb.NotFoundError, match=r"forgotten already\); `book.runs\(\)` lists what it holds"):
        rb.forget("runs/old/s0")  # in Python's words, not the command line's


def test_forget_in_a_postgresql_store_removes_every_row_of_the_runs(make_run, tmp_path, pg_url, monkeypatch):
    two_patterns(make_run)
    monkeypatch.chdir(tmp_path)
    rb.collect("runs", db=pg_url)
    again = rb.collect("runs", db=pg_url)  # old/broken's problem stands, not read again
    assert (again.unchanged, len(again.problems), again.standing_problems) == (5, 0, 1)
    report = rb.forget("runs/old", db=pg_url)
    assert report.runs == 3
    store = Store.open(pg_url)
    try:
        assert sorted(run.name for run in store.runs(include_missing=True)) == ["s0", "s1"]
        counts = store.conn.execute(
            "SELECT (SELECT count(*) FROM sources), (SELECT count(*) FROM params), "
            "(SELECT count(*) FROM metrics), (SELECT count(*) FROM series), (SELECT count(*) FROM problems)"
        ).fetchone()
        assert counts == (2, 4, 2, 2, 0)  # two runs left, each with model and seed, one metric, one series
    finally:
        store.close()
    assert rb.collect("runs", db=pg_url).new == 3


def test_a_forget_interrupted_half_way_removes_nothing(make_run, cli, monkeypatch):
    two_patterns(make_run)
    cli("collect", "runs")
    from resultsbook.store.writer import StoreWriter

    real = StoreWriter.forget_sources

    def stopped_after_one(self, paths):
        real(self, list(paths)[:1])  # the first source's rows are deleted, in the transaction
        raise KeyboardInterrupt

    monkeypatch.setattr(StoreWriter, "forget_sources", stopped_after_one)
    result = cli("forget", "runs/old")
    assert result.exit_code == 130
    assert result.output.strip() == (
        "Interrupted; the store is as it was before, or without every run asked for: never half of them."
    )
    assert len(cli("runs", "--format", "csv").output.splitlines()) == 1 + 5  # every run still there


def _monitor_runs(root) -> None:
    """SB3 runs read from their folders: `logs/` (its monitor.csv) and `logs/ppo/` (two environments)."""
    header = '#{"t_start": 1650220239.5, "env_id": "CartPole-v1"}\nr,l,t\n'
    (root / "logs" / "ppo").mkdir(parents=True)
    (root / "logs" / "monitor.csv").write_text(header + "10.0,10,0.5\n")
    for worker in (0, 1):
        (root / "logs" / "ppo" / f"{worker}.monitor.csv").write_text(header + "12.0,12,0.6\n")


def test_forget_of_a_file_of_a_run_read_from_its_folder_names_the_folder(tmp_path, cli):
    """`forget logs/ppo/0.monitor.csv`, one environment's file of the run of logs/ppo, and `forget
    logs/ppx`, a misspelt folder beside one inside another stored folder, failed with an IndexError."""
    _monitor_runs(tmp_path)
    assert cli("collect", "logs").exit_code == 0
    part = cli("forget", "logs/ppo/0.monitor.csv")
    assert part.exit_code == 1
    assert part.output == (
        "Error: the store holds no run collected from logs/ppo/0.monitor.csv alone: it lies in the folder "
        "of the run collected from logs/ppo; forget that run with resultsbook forget logs/ppo\n"
    )
    typo = cli("forget", "logs/ppx")
    assert typo.exit_code == 1 and typo.output == (
        "Error: the store holds no run collected from logs/ppx; did you mean logs/ppo?\n"
    )
    assert "Forgot 1 run of 1 source" in cli("forget", "logs/ppo").output


def test_a_store_whose_runs_were_all_forgotten_is_not_said_to_be_still_collecting(make_run, cli):
    """After `forget runs`, `runs` answered that "the collect that made it is still finding them, or was
    stopped before it wrote any", of runs forgotten on purpose."""
    two_patterns(make_run)
    assert cli("collect", "runs").exit_code == 0
    assert cli("forget", "runs").exit_code == 0
    listed = cli("runs")
    assert listed.exit_code == 1
    assert listed.output == "Error: the store holds no runs; collect them first: resultsbook collect PATH\n"


def test_the_commands_a_read_command_suggests_name_the_store_given_with_db(make_run, cli):
    """`runs --db lab.db` on an empty store, or on none, suggested `resultsbook collect PATH`, which
    collects into another store (resultsbook.db), and `or pass --db FILE` to one who had."""
    two_patterns(make_run)
    assert cli("collect", "runs", "--db", "lab store.db").exit_code == 0
    assert cli("forget", "runs", "--db", "lab store.db").exit_code == 0
    for command in ("runs", "table --rows model --metric acc"):
        listed = cli(*command.split(), "--db", "lab store.db")
        assert listed.exit_code == 1
        assert listed.output == (
            "Error: the store holds no runs; collect them first: resultsbook collect PATH --db 'lab store.db'\n"
        )
    missing = cli("runs", "--db", "lab.db")
    assert missing.output == "Error: no store at lab.db; run `resultsbook collect PATH --db lab.db` first\n"
    assert cli("runs").output.endswith("; run `resultsbook collect PATH` first or pass --db FILE\n")
