"""A stored run whose file cannot be read at all (permissions, an I/O error, a FIFO in its place)
keeps what the store holds of it, in SQLite and in PostgreSQL: a read that failed is no new content.
A file read and found wrong (a cut-off line) is what the run now is, and is stored as read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import curve, write_native_run

from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.store import Store

KEPT = "the runs stored from it before, as they were (the next collect reads it again)"


@pytest.fixture(params=["sqlite", "postgres"])
def location(request, tmp_path) -> str:
    if request.param == "postgres":
        return request.getfixturevalue("pg_url")
    return str(tmp_path / "resultsbook.db")


def replace_with_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def test_a_stored_run_whose_metrics_cannot_be_read_keeps_its_metrics_and_params(tmp_path, location):
    folder = write_native_run(tmp_path / "runs" / "a", {"lr": 0.1, "seed": 0}, curve([0.5, 0.6]))
    request = [CollectRequest(str(tmp_path / "runs"))]
    with Store.open(location) as store:
        assert collect(store, request).new == 1
        replace_with_fifo(folder / "metrics.jsonl")
        report = collect(store, request)
        assert (report.new, report.updated, report.unchanged, report.missing) == (0, 0, 1, 0)
        [problem] = report.problems
        assert "FIFO" in problem.message and problem.kept == KEPT
        [run] = store.runs()
        assert run.params == {"lr": 0.1, "seed": 0}
        assert store.run_metrics(run.id)[0]["n"] == 2
        assert [p.kept for p in store.problems()] == [KEPT]

        again = collect(store, request)  # still unreadable: read again, and said again
        assert (again.unchanged, again.sources_read, len(again.problems)) == (1, 1, 1)

        folder.joinpath("metrics.jsonl").unlink()
        write_native_run(folder, {"lr": 0.1, "seed": 0}, curve([0.5, 0.6, 0.7]))
        mended = collect(store, request)
        assert (mended.updated, mended.problems) == (1, ())
        assert store.run_metrics(store.runs()[0].id)[0]["n"] == 3
        assert store.problems() == []


def test_a_stored_log_file_that_cannot_be_read_is_not_counted_missing(tmp_path, cli):
    log = tmp_path / "runs" / "lr0.1_s0" / "log.csv"
    log.parent.mkdir(parents=True)
    log.write_text("step,acc\n0,0.5\n1,0.6\n")
    assert cli("collect", "runs", "--adapter", "csv").exit_code == 0
    replace_with_fifo(log)
    result = cli("collect", "runs", "--adapter", "csv")
    assert result.exit_code == 0  # it said "hold no run … no run was added or changed", and hid the run
    assert "0 new, 0 updated, 1 unchanged, 1 problem" in result.output
    assert f"kept: {KEPT}" in result.output
    assert "1 run(s)" in cli("runs").output


def test_a_new_run_whose_file_cannot_be_read_is_stored_as_read_and_read_again_until_it_can_be(
    tmp_path, location
):
    """A metrics file that could not be read at a first collect: the run was stored without it, and
    every later collect found it unchanged, for good."""
    folder = write_native_run(tmp_path / "runs" / "a", {"lr": 0.1, "seed": 0}, curve([0.5]))
    replace_with_fifo(folder / "metrics.jsonl")
    request = [CollectRequest(str(tmp_path / "runs"))]
    with Store.open(location) as store:
        report = collect(store, request)
        assert (report.new, report.problems[0].kept) == (1, "no metrics")  # stored as read
        assert store.runs()[0].params == {"lr": 0.1, "seed": 0}
        again = collect(store, request)  # still unreadable: read again, said again
        assert (again.unchanged, again.sources_read, len(again.problems)) == (1, 1, 1)
        folder.joinpath("metrics.jsonl").unlink()
        write_native_run(folder, {"lr": 0.1, "seed": 0}, curve([0.5]))  # the same bytes as at first
        mended = collect(store, request)
        assert (mended.updated, mended.problems) == (1, ())
        assert store.run_metrics(store.runs()[0].id)[0]["n"] == 1


def test_a_new_run_none_of_whose_files_can_be_read_stores_no_empty_run_and_is_read_again(tmp_path, location):
    """Object storage that stopped answering during a first collect: 1,344 of 1,500 runs were stored
    empty (no params, no metrics), and every later collect, build and check found them unchanged."""
    folder = write_native_run(tmp_path / "runs" / "a", {"lr": 0.1, "seed": 0}, curve([0.5]))
    write_native_run(tmp_path / "runs" / "b", {"lr": 0.1, "seed": 1}, curve([0.6]))
    replace_with_fifo(folder / "metrics.jsonl")
    replace_with_fifo(folder / "config.json")
    request = [CollectRequest(str(tmp_path / "runs"))]
    with Store.open(location) as store:
        report = collect(store, request)
        assert report.new == 1
        assert {p.kept for p in report.problems} == {"no run of it yet (the next collect reads it again)"}
        assert [run.name for run in store.runs()] == ["b"]
        again = collect(store, request)
        assert (again.new, again.unchanged, again.sources_read) == (0, 1, 1)
        for name in ("metrics.jsonl", "config.json"):
            folder.joinpath(name).unlink()
        write_native_run(folder, {"lr": 0.1, "seed": 0}, curve([0.5]))
        mended = collect(store, request)
        assert (mended.new, mended.unchanged, mended.problems) == (1, 1, ())
        assert sorted(run.name for run in store.runs()) == ["a", "b"]


def test_a_stored_run_whose_log_was_cut_is_stored_as_it_now_reads(tmp_path):
    folder = write_native_run(tmp_path / "runs" / "a", {"lr": 0.1}, curve([0.5, 0.6]))
    request = [CollectRequest(str(tmp_path / "runs"))]
    with Store.open(str(tmp_path / "resultsbook.db")) as store:
        collect(store, request)
        folder.joinpath("metrics.jsonl").write_text('{"step": 0, "acc": 0.5}\n{"step": 1, "ac')
        report = collect(store, request)
        assert report.updated == 1 and report.problems[0].kept != KEPT
        assert store.run_metrics(store.runs()[0].id)[0]["n"] == 1


def test_a_stored_run_in_a_folder_named_in_bytes_that_are_not_utf8_keeps_its_runs_too(tmp_path):
    runs = tmp_path / "runs"
    folder = Path(os.fsdecode(bytes(runs) + b"/caf\xe9"))  # a Latin-1 name: its path is repaired for the store
    write_native_run(folder, {"lr": 0.1}, curve([0.5, 0.6]))
    with Store.open(str(tmp_path / "resultsbook.db")) as store:
        assert collect(store, [CollectRequest(str(runs))]).new == 1
        replace_with_fifo(folder / "metrics.jsonl")
        report = collect(store, [CollectRequest(str(runs))])
        assert (report.unchanged, report.updated) == (1, 0)
        assert store.run_metrics(store.runs()[0].id)[0]["n"] == 2


def test_a_stored_run_whose_adapter_fails_on_it_keeps_what_the_store_holds(tmp_path, monkeypatch):
    """An adapter that raises on a source (a bug, an error it did not expect) reads nothing of it:
    the runs stored from it before stay, rather than being marked missing."""
    from resultsbook.adapters.native import NativeAdapter

    write_native_run(tmp_path / "runs" / "a", {"lr": 0.1}, curve([0.5, 0.6]))
    request = [CollectRequest(str(tmp_path / "runs"))]
    with Store.open(str(tmp_path / "resultsbook.db")) as store:
        assert collect(store, request).new == 1
        write_native_run(tmp_path / "runs" / "a", {"lr": 0.1}, curve([0.5, 0.6, 0.7]))

        def broken(self, source):
            raise RuntimeError("unexpected layout")

        monkeypatch.setattr(NativeAdapter, "read", broken)
        report = collect(store, request)
        assert (report.unchanged, report.missing, report.problems[0].kept) == (1, 0, KEPT)
        assert [run.name for run in store.runs()] == ["a"]
        assert store.run_metrics(store.runs()[0].id)[0]["n"] == 2
