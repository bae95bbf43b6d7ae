"""Walk once: every file is read once however it is reached, links included; a folder that cannot be
listed is a problem, not a missing run; a run that vanishes is marked gone; a moved store keeps its
runs' identities."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from conftest import curve, write_native_run

from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.store import Store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")


def two_runs(root: Path) -> None:
    for seed in (1, 2):
        write_native_run(root / f"run{seed}", {"seed": seed}, curve([0.1, 0.2]))


def collect_at(root: Path, store: Store, **request: object):
    return collect(store, [CollectRequest(str(root), **request)])  # type: ignore[arg-type]


def test_a_link_to_the_parent_folder_does_not_multiply_runs(tmp_path: Path, store: Store) -> None:
    runs = tmp_path / "runs"
    two_runs(runs)
    (runs / "loop").symlink_to("..")
    report = collect_at(runs, store)
    assert (report.new, store.counts()["runs"]) == (2, 2)
    assert [p.message for p in report.problems] == [f"is a link to {tmp_path}, a folder that contains it"]
    assert report.problems[0].path == str(runs / "loop")


def test_links_to_the_root_or_above_are_skipped_at_once(tmp_path: Path, store: Store) -> None:
    runs = tmp_path / "runs"
    two_runs(runs)
    (runs / "group").mkdir()
    (runs / "group" / "back").symlink_to(runs)
    (runs / "slash").symlink_to("/")
    report = collect_at(runs, store)
    assert report.new == 2
    assert sorted(Path(p.path).name for p in report.problems) == ["back", "slash"]
    assert all("a folder that contains it" in p.message for p in report.problems)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_a_link_into_proc_is_not_walked(tmp_path: Path, store: Store) -> None:
    runs = tmp_path / "runs"
    two_runs(runs)
    (runs / "kernel").symlink_to("/proc")
    report = collect_at(runs, store)
    assert report.new == 2
    assert [(Path(p.path).name, p.kept) for p in report.problems] == [("kernel", "skipped: a system folder")]


def test_a_folder_linked_from_outside_is_followed_and_read_once(tmp_path: Path, store: Store) -> None:
    outside = tmp_path / "scratch" / "sweep"
    two_runs(outside)
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "a").symlink_to(outside)
    (runs / "b").symlink_to(outside)  # the same folder by another link
    report = collect_at(runs, store)
    assert (report.new, report.problems) == (2, ())
    assert sorted(run.source for run in store.runs()) == ["runs/a/run1", "runs/a/run2"]


def test_a_real_folder_wins_over_a_link_to_it(tmp_path: Path, store: Store) -> None:
    runs = tmp_path / "runs"
    two_runs(runs / "zzz_real")
    (runs / "aaa_latest").symlink_to("zzz_real")  # sorted first, but a link
    collect_at(runs, store)
    assert sorted(run.source for run in store.runs()) == ["runs/zzz_real/run1", "runs/zzz_real/run2"]


def test_a_file_reached_twice_through_a_pattern_is_one_run(tmp_path: Path, store: Store) -> None:
    runs = tmp_path / "exp"
    (runs / "mlp" / "0").mkdir(parents=True)
    (runs / "mlp" / "0" / "report.json").write_text(json.dumps({"metrics": {"test": {"score": 0.5}}}))
    (runs / "copy" / "0").mkdir(parents=True)
    (runs / "copy" / "0" / "report.json").symlink_to(runs / "mlp" / "0" / "report.json")
    report = collect_at(runs, store, pattern="{model}/{seed}/report.json")
    assert report.new == 1


def test_a_pattern_walk_with_a_loop_reads_each_file_once(tmp_path: Path, store: Store) -> None:
    runs = tmp_path / "exp"
    for seed in (0, 1):
        (runs / "mlp" / str(seed)).mkdir(parents=True)
        (runs / "mlp" / str(seed) / "report.json").write_text(json.dumps({"metrics": {"score": seed}}))
    (runs / "mlp" / "0" / "again").symlink_to(runs)
    report = collect_at(runs, store, pattern="**/report.json")
    assert report.new == 2 and len(report.problems) == 1


def test_an_unreadable_folder_is_a_problem_and_its_runs_stay(tmp_path: Path, store: Store, monkeypatch) -> None:
    runs = tmp_path / "runs"
    two_runs(runs / "locked")
    two_runs(runs / "open")
    assert collect_at(runs, store).new == 4
    real_scandir = os.scandir

    def scandir(path):  # root reads everything: refuse like a folder without read permission
        if os.fspath(path) == str(runs / "locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    (runs / "open" / "run1" / "metrics.jsonl").write_text('{"step": 1, "acc": 0.9}\n')
    report = collect_at(runs, store)
    assert (report.updated, report.missing) == (1, 0)
    assert [(p.path, p.message) for p in report.problems] == [
        (str(runs / "locked"), "cannot be listed (Permission denied); fix its permissions and collect again")
    ]
    assert store.counts()["runs"] == 4  # the locked folder's runs are not "missing"


def test_a_run_deleted_during_the_collect_is_marked_gone(tmp_path: Path, store: Store, monkeypatch) -> None:
    from resultsbook.adapters.native import NativeAdapter

    runs = tmp_path / "runs"
    two_runs(runs)
    write_native_run(runs / "run3", {"seed": 3}, curve([0.3]))
    assert collect_at(runs, store).new == 3
    for name in ("run1", "run2", "run3"):  # every run changed: all are read again
        (runs / name / "metrics.jsonl").write_text('{"step": 1, "acc": 0.5}\n{"step": 2, "acc": 0.6}\n')
    write_native_run(runs / "run4", {"seed": 4}, curve([0.4]))
    read = NativeAdapter.read

    def read_then_delete(self, source):
        result = read(self, source)
        if source.path.endswith(("run2", "run4")):  # deleted by the user while we read
            shutil.rmtree(source.path)
        return result

    monkeypatch.setattr(NativeAdapter, "read", read_then_delete)
    report = collect_at(runs, store)
    assert (report.new, report.updated, report.missing) == (0, 2, 1)
    assert sorted(run.name for run in store.runs()) == ["run1", "run3"]
    gone = [run for run in store.runs(include_missing=True) if not run.present]
    assert [run.name for run in gone] == ["run2"]  # kept, marked gone: it may come back


def test_a_source_that_vanishes_is_marked_gone_and_comes_back(tmp_path: Path, store: Store) -> None:
    runs = tmp_path / "runs"
    two_runs(runs)
    collect_at(runs, store)
    identity = {run.name: run.run_id for run in store.runs()}
    shutil.move(str(runs / "run2"), str(tmp_path / "aside"))
    assert collect_at(runs, store).missing == 1
    assert [run.name for run in store.runs()] == ["run1"]
    shutil.move(str(tmp_path / "aside"), str(runs / "run2"))
    collect_at(runs, store)
    assert {run.name: run.run_id for run in store.runs()} == identity


def test_a_project_copied_with_its_store_keeps_its_runs(tmp_path: Path) -> None:
    project = tmp_path / "project"
    two_runs(project / "runs")
    with Store.open(str(project / "resultsbook.db")) as store:
        collect_at(project / "runs", store)
        before = sorted(run.run_id for run in store.runs())
    shutil.copytree(project, tmp_path / "elsewhere" / "copy")  # new mtimes: every source is read again
    with Store.open(str(tmp_path / "elsewhere" / "copy" / "resultsbook.db")) as store:
        report = collect_at(tmp_path / "elsewhere" / "copy" / "runs", store)
        assert (report.new, report.unchanged, report.missing) == (0, 2, 0)
        assert sorted(run.run_id for run in store.runs()) == before


def test_a_store_moved_with_runs_kept_elsewhere_keeps_its_runs(tmp_path: Path) -> None:
    """The store in ~/paper, the runs on /scratch: both move, and the path between them changes."""
    two_runs(tmp_path / "old" / "scratch" / "sweep")
    (tmp_path / "old" / "home" / "paper").mkdir(parents=True)
    with Store.open(str(tmp_path / "old" / "home" / "paper" / "resultsbook.db")) as store:
        collect_at(tmp_path / "old" / "scratch" / "sweep", store)
        before = {run.name: run.run_id for run in store.runs()}
    shutil.move(str(tmp_path / "old" / "scratch"), str(tmp_path / "data"))
    shutil.move(str(tmp_path / "old" / "home"), str(tmp_path / "users"))
    with Store.open(str(tmp_path / "users" / "paper" / "resultsbook.db")) as store:
        report = collect_at(tmp_path / "data" / "sweep", store)
        assert (report.new, report.missing) == (0, 0)
        assert {run.name: run.run_id for run in store.runs(include_missing=True)} == before
        assert sorted(run.source for run in store.runs()) == ["../../data/sweep/run1", "../../data/sweep/run2"]


def test_a_store_moved_alone_keeps_its_runs(tmp_path: Path) -> None:
    two_runs(tmp_path / "runs")
    with Store.open(str(tmp_path / "resultsbook.db")) as store:
        collect_at(tmp_path / "runs", store)
        before = {run.name: run.run_id for run in store.runs()}
    (tmp_path / "stores").mkdir()
    for name in os.listdir(tmp_path):
        if name.startswith("resultsbook.db"):
            shutil.move(str(tmp_path / name), str(tmp_path / "stores" / name))
    with Store.open(str(tmp_path / "stores" / "resultsbook.db")) as store:
        report = collect_at(tmp_path / "runs", store)
        assert (report.new, report.missing) == (0, 0)
        assert {run.name: run.run_id for run in store.runs(include_missing=True)} == before


def test_a_new_run_where_a_moved_one_was_gets_a_new_identity(tmp_path: Path) -> None:
    two_runs(tmp_path / "a" / "sweep")
    with Store.open(str(tmp_path / "store" / "resultsbook.db")) as store:
        collect_at(tmp_path / "a" / "sweep", store)
        shutil.move(str(tmp_path / "a"), str(tmp_path / "b"))
        collect_at(tmp_path / "b" / "sweep", store)
        two_runs(tmp_path / "a" / "sweep")  # new runs at the old place
        report = collect_at(tmp_path / "a" / "sweep", store)
        assert report.new == 2
        assert len({run.run_id for run in store.runs()}) == 4


def test_a_mistyped_pattern_hides_no_run(tmp_path: Path, store: Store) -> None:
    runs = tmp_path / "exp"
    for seed in (0, 1):
        (runs / "mlp" / str(seed)).mkdir(parents=True)
        (runs / "mlp" / str(seed) / "report.json").write_text(json.dumps({"metrics": {"score": seed}}))
    assert collect_at(runs, store, pattern="{model}/{seed}/report.json").new == 2
    typo = collect_at(runs, store, pattern="{model}/{seed}/reprot.json")
    assert (typo.missing, store.counts()["runs"]) == (0, 2)
    assert typo.notes[0].startswith("no runs found under")
    shutil.rmtree(runs / "mlp" / "1")  # but what is really gone is gone, whatever the pattern
    assert collect_at(runs, store, pattern="{model}/{seed}/reprot.json").missing == 1
