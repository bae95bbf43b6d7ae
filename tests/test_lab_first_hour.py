"""A lab's first hour on a shared store and object storage, against real servers: two people whose
runs share names, a store URL pasted with quotes, a role that may only read, a server restarted under
a watch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import curve, write_native_run
from test_remote_sources import upload

from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.store import Store


def same_named_runs(root: Path, offset: int) -> Path:
    """Write runs named as everyone names them (seed0, seed1…), with values of their own."""
    for seed in range(3):
        write_native_run(root / f"seed{seed}", {"seed": seed}, curve([offset + seed, 1.0]))
    return root


def sources_of(store: Store) -> list[str]:
    return sorted({store.absolute(run.source).rsplit("/", 1)[0] for run in store.runs()})


def test_a_colleagues_runs_on_another_machine_are_not_taken_for_yours(tmp_path, pg_url):
    alice = same_named_runs(tmp_path / "alice" / "proj" / "runs", 0)
    bob = same_named_runs(tmp_path / "bob" / "proj" / "runs", 10)
    with Store.open(pg_url) as store:
        assert collect(store, [CollectRequest(str(alice))]).new == 3
    shutil.move(tmp_path / "alice", tmp_path / "alice-laptop")  # Bob's machine does not have her folder
    with Store.open(pg_url) as store:
        report = collect(store, [CollectRequest(str(bob))])
        assert (report.new, report.unchanged) == (3, 0)
        assert sources_of(store) == sorted([alice.as_posix(), bob.as_posix()])


def test_a_moved_tree_on_a_shared_store_keeps_its_run_ids(tmp_path, pg_url):
    runs = same_named_runs(tmp_path / "lab" / "runs", 0)
    with Store.open(pg_url) as store:
        collect(store, [CollectRequest(str(runs))])
        before = sorted(run.run_id for run in store.runs())
    shutil.move(runs, tmp_path / "lab" / "archive")  # the lab moves its runs; this machine sees it
    with Store.open(pg_url) as store:
        report = collect(store, [CollectRequest(str(tmp_path / "lab" / "archive"))])
        assert (report.new, report.unchanged) == (0, 3)
        assert sorted(run.run_id for run in store.runs()) == before


def test_two_sweeps_on_s3_with_the_same_run_names_are_both_kept(tmp_path, s3_bucket):
    upload(same_named_runs(tmp_path / "sweep-41", 0), f"{s3_bucket}/sweep-41")
    upload(same_named_runs(tmp_path / "sweep-42", 10), f"{s3_bucket}/sweep-42")
    with Store.open(str(tmp_path / "resultsbook.db")) as store:
        assert collect(store, [CollectRequest(f"{s3_bucket}/sweep-41")]).new == 3
        report = collect(store, [CollectRequest(f"{s3_bucket}/sweep-42")])
        assert (report.new, report.unchanged) == (3, 0)
        assert sources_of(store) == [f"{s3_bucket}/sweep-41", f"{s3_bucket}/sweep-42"]


@pytest.mark.parametrize(
    "pasted",
    [
        "'postgresql://lab:secret@127.0.0.1:5432/results'",
        '"postgresql://lab:secret@127.0.0.1:5432/results"',
        " postgresql://lab:secret@127.0.0.1:5432/results",
        "postgresql://lab:secret@127.0.0.1:5432/results ",
    ],
)
def test_a_store_url_pasted_with_quotes_or_spaces_is_refused_not_made_a_local_file(
    pasted, make_run, cli, tmp_path
):
    make_run("r1", {"seed": 1}, curve([1.0]))
    result = cli("collect", "runs", "--db", pasted)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "secret" not in result.output
    assert "give it without them: postgresql://lab:***@127.0.0.1:5432/results" in result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["runs"]


def test_a_spec_store_or_environment_pasted_with_quotes_is_refused(make_run, cli, tmp_path, monkeypatch):
    make_run("r1", {"seed": 1}, curve([1.0]))
    (tmp_path / "resultsbook.toml").write_text('store = "\'results.db\'"\n[[sources]]\npath = "runs"\n')
    result = cli("collect")
    assert result.exit_code == 2
    assert result.output == (
        "Error: resultsbook.toml: store: the store 'results.db' was given with quotes around it; "
        "give it without them: results.db\n"
    )
    monkeypatch.setenv("RESULTSBOOK_DB", "results.db ")
    result = cli("collect", "runs")
    assert result.output.startswith("Error: RESULTSBOOK_DB: the store 'results.db' was given with spaces")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["resultsbook.toml", "runs"]
