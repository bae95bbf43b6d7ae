"""An unchanged re-collect stats its folders instead of listing them again (listings are remembered
by folder change times), and still sees every change: files changed in place, files added, folders
whose modification time a tool set back, links."""

from __future__ import annotations

import os

import pytest
from conftest import curve

from resultsbook.sources import listings, walk
from resultsbook.sources.collect import CollectRequest, collect


@pytest.fixture
def listed(monkeypatch):
    """Count the folders listed with scandir (not taken from remembered listings), by name."""
    names: list[str] = []
    real = walk._list

    def counting(path, notes):
        names.append(os.path.basename(path))
        return real(path, notes)

    monkeypatch.setattr(walk, "_list", counting)
    return names


@pytest.fixture
def settled_now(monkeypatch):
    """Remember listings of folders changed a moment ago (a test cannot wait for them to settle)."""
    monkeypatch.setattr(listings, "SETTLED_NS", -(10**12))


def collect_runs(store, tmp_path):
    return collect(store, [CollectRequest(str(tmp_path / "runs"))])


def test_an_unchanged_folder_is_not_listed_again(make_run, store, tmp_path, listed, settled_now):
    make_run("a", {"lr": 0.1}, curve([0.5, 0.6]))
    make_run("b", {"lr": 0.2}, curve([0.4, 0.7]))
    assert collect_runs(store, tmp_path).new == 2
    assert sorted(listed) == ["a", "b", "runs"]
    listed.clear()
    report = collect_runs(store, tmp_path)
    assert (report.unchanged, report.sources_read) == (2, 0)
    assert listed == []


def test_a_changed_file_in_an_unchanged_folder_is_still_seen(make_run, store, tmp_path, listed, settled_now):
    folder = make_run("a", {"lr": 0.1}, curve([0.5, 0.6]))
    collect_runs(store, tmp_path)
    before = os.stat(folder).st_mtime_ns
    with open(folder / "metrics.jsonl", "a") as log:
        log.write('{"step": 3, "acc": 0.9}\n')
    assert os.stat(folder).st_mtime_ns == before  # the folder itself did not change
    listed.clear()
    report = collect_runs(store, tmp_path)
    assert listed == []  # its listing was the remembered one
    assert report.updated == 1
    steps, values, _ = next(iter(store.series("acc").values()))
    assert len(steps) == 3 and values[-1] == 0.9


def test_a_run_added_to_a_remembered_folder_is_found(make_run, store, tmp_path, listed, settled_now):
    make_run("a", {"lr": 0.1}, curve([0.5]))
    collect_runs(store, tmp_path)
    make_run("b", {"lr": 0.2}, curve([0.7]))
    listed.clear()
    report = collect_runs(store, tmp_path)
    assert (report.new, report.unchanged) == (1, 1)
    assert sorted(listed) == ["b", "runs"]


def test_a_file_added_to_a_folder_whose_mtime_was_set_back_is_seen(make_run, store, tmp_path, settled_now):
    folder = make_run("a", {"lr": 0.1}, curve([0.5]))
    (folder / "config.json").unlink()
    collect_runs(store, tmp_path)
    times = os.stat(folder)
    (folder / "config.json").write_text('{"lr": 0.3}')
    os.utime(folder, ns=(times.st_atime_ns, times.st_mtime_ns))  # as rsync -t or tar would
    assert collect_runs(store, tmp_path).updated == 1
    assert store.runs()[0].params["lr"] == 0.3


def test_a_folder_holding_links_is_listed_every_time(make_run, store, tmp_path, listed, settled_now):
    make_run("a", {"lr": 0.1}, curve([0.5]))
    (tmp_path / "runs" / "a-again").symlink_to(tmp_path / "runs" / "a")
    collect_runs(store, tmp_path)
    listed.clear()
    collect_runs(store, tmp_path)
    assert listed == ["runs"]  # what a link leads to can change without its folder knowing


def test_folders_changed_just_before_a_collect_are_not_remembered(make_run, store, tmp_path, listed):
    make_run("a", {"lr": 0.1}, curve([0.5]))  # a change in the same clock tick would go unseen
    collect_runs(store, tmp_path)
    listed.clear()
    collect_runs(store, tmp_path)
    assert sorted(listed) == ["a", "runs"]


def test_a_collect_loads_the_listings_of_its_roots_only(store):
    listing = (frozenset({"metrics.jsonl"}), (), frozenset())
    paths = ["/data/runs", "/data/runs/a", "/data/runs/a/b", "/data/runs2", "/data/runs-old/a", "/data"]
    store.remember_folder_listings({path: ((1, index, 2, 3), listing) for index, path in enumerate(paths)})
    assert sorted(store.folder_listings(["/data/runs"])) == ["/data/runs", "/data/runs/a", "/data/runs/a/b"]
    assert sorted(store.folder_listings(["/data/runs/a/"])) == ["/data/runs/a", "/data/runs/a/b"]
    assert len(store.folder_listings(["/"])) == len(paths)
    assert store.folder_listings(["/data/runs/a"])["/data/runs/a"] == ((1, 1, 2, 3), listing)


def test_a_collect_from_a_relative_root_uses_the_remembered_listings(
    make_run, store, tmp_path, listed, settled_now, monkeypatch
):
    make_run("a", {"lr": 0.1}, curve([0.5, 0.6]))
    monkeypatch.chdir(tmp_path)  # `resultsbook collect runs`: the walk's paths are relative
    assert collect(store, [CollectRequest("runs")]).new == 1
    listed.clear()
    assert collect(store, [CollectRequest("runs")]).unchanged == 1
    assert listed == []
