"""Runs of files a pattern matched are named so that `runs`, `explain` and the warnings tell them apart:
`**/log.txt` over exp/a/log.txt and exp/b/log.txt named both runs `log.txt` (the records adapter named a
run of no param after its file's name alone), and both `seed=0` when each file held seed 0."""

from __future__ import annotations

import json
import os
from pathlib import Path

from resultsbook.adapters import records
from resultsbook.adapters.records import RecordsAdapter
from resultsbook.models import Source
from resultsbook.sources.collect import CollectRequest, collect


def _log(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(record) + "\n" for record in records))


def _curve(**fields: object) -> list[dict]:
    return [{"epoch": epoch, "loss": 1.0 / (epoch + 1), **fields} for epoch in range(2)]


def _runs(cli) -> list[list[str]]:
    return [line.split() for line in cli("runs").output.splitlines()[2:-1]]


def test_runs_of_files_of_one_name_are_named_by_their_folders(cli, tmp_path):
    """exp/a/log.txt and exp/b/log.txt, a curve each and no param: both runs were `log.txt`."""
    for folder in ("a", "b"):
        _log(tmp_path / "exp" / folder / "log.txt", _curve())
    read = cli("collect", "exp", "--pattern", "**/log.txt", "--adapter", "records", "-o", "step=epoch")
    assert read.exit_code == 0 and "2 new" in read.output and "Note" not in read.output
    assert sorted(row[1] for row in _runs(cli)) == ["a/log.txt", "b/log.txt"]


def test_a_pattern_field_names_the_runs_of_records_that_hold_one_same_param(cli, tmp_path):
    """Each file seed 0: both runs were `seed=0`; `{run}/log.txt` gave a param `run` but the same names."""
    for folder in ("a", "b"):
        _log(tmp_path / "exp" / folder / "log.txt", _curve(seed=0))
    cli("collect", "exp", "--pattern", "{run}/log.txt", "--adapter", "records", "-o", "step=epoch")
    assert sorted(row[1] for row in _runs(cli)) == ["run=a,seed=0", "run=b,seed=0"]


def test_runs_of_several_files_that_share_a_name_and_params_are_named_once_with_the_pattern(cli, tmp_path):
    """Nothing but their files tells them apart: a note says so once, with the pattern that does."""
    for folder in ("a", "b", "c"):
        _log(tmp_path / "exp" / folder / "log.txt", [*_curve(seed=0), *_curve(seed=1)])
    read = cli("collect", "exp", "--pattern", "**/log.txt", "--adapter", "records", "-o", "step=epoch")
    assert read.exit_code == 0 and "6 new" in read.output
    assert read.output.count("Note:") == 1
    assert (
        "Note: 3 files matched by --pattern '**/log.txt' hold runs of one name and the same params (e.g. "
        "'seed=0' in exp/a/log.txt, exp/b/log.txt and 1 more), so `runs`, `explain` and the warnings cannot "
        "tell them apart, and a table averages them as one configuration; fix: --pattern '{run}/log.txt' "
        "takes params from the folders that differ"
    ) in read.output
    fixed = cli("collect", "exp", "--pattern", "{run}/log.txt", "--adapter", "records", "-o", "step=epoch")
    assert "Note" not in fixed.output and "6 updated" in fixed.output
    assert sorted(row[1] for row in _runs(cli))[:2] == ["run=a,seed=0", "run=a,seed=1"]


def test_runs_of_one_file_told_apart_by_a_field_keep_their_names(tmp_path):
    """One file holding seeds 0 and 1: its runs were `seed=0` and `seed=1`, distinct, and stay so."""
    path = tmp_path / "one" / "log.txt"
    _log(path, [*_curve(seed=0), *_curve(seed=1)])
    adapter = RecordsAdapter(step="epoch")
    result = adapter.read(Source("records", str(path), (str(path),)))
    assert [run.name for run in result.runs] == ["seed=0", "seed=1"]


def test_renamed_runs_keep_their_ids(store, tmp_path, monkeypatch):
    """A store collected by the earlier reading is read again (its reading_version rose): the runs get
    their new names under the ids they had."""
    for folder in ("a", "b"):
        _log(tmp_path / "exp" / folder / "log.txt", _curve())
    request = CollectRequest(str(tmp_path / "exp"), "records", "**/log.txt", {"step": "epoch"})
    monkeypatch.setattr(RecordsAdapter, "reading_version", RecordsAdapter.reading_version - 1)
    monkeypatch.setattr(records, "file_run_name", os.path.basename)  # the earlier reading's names
    collect(store, [request])
    assert [run.name for run in store.runs()] == ["log.txt", "log.txt"]
    before = {run.run_id for run in store.runs()}
    monkeypatch.undo()
    report = collect(store, [request])
    assert report.updated == 2
    assert {run.run_id for run in store.runs()} == before
    assert sorted(run.name for run in store.runs()) == ["a/log.txt", "b/log.txt"]


def test_runs_of_no_param_in_folders_of_one_name_are_named_with_the_pattern_that_reads_them(cli, tmp_path):
    """x/a/log.txt and y/a/log.txt: named `a/log.txt` both, and the note on runs of no param (said for
    the csv adapter's) was not said for the records adapter's."""
    for group in ("x", "y"):
        _log(tmp_path / "exp" / group / "a" / "log.txt", _curve())
    read = cli("collect", "exp", "--pattern", "**/log.txt", "--adapter", "records", "-o", "step=epoch")
    assert read.output.count("Note:") == 1
    assert (
        "Note: 2 runs read by records have no param (their logs hold none), so a table cannot tell them apart; "
        "if their folders say what they are (the first: 'x/a'), --pattern '{level1}/a/log.txt' makes them params"
    ) in read.output
