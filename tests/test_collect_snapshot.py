"""A re-collect of a tree none of whose folders changed takes last collect's sources from the store
instead of walking it again, and still sees every change: a file changed in place, a file added,
a run added, removed or renamed, another way of reading, other adapter code, another collector's
signature; trees that adapters claim by more than a listing are walked every time."""

from __future__ import annotations

import os
import shutil

import pytest
from conftest import curve

from resultsbook.sources import forked, listings, snapshot
from resultsbook.sources import planning as planning_module
from resultsbook.sources.collect import CollectRequest, collect


@pytest.fixture(autouse=True, params=["in one process", "in parts"])
def stats_in_parts(request, monkeypatch):
    """Every test twice: the folders and files stat-ed here, and in parts by forked workers."""
    if request.param == "in parts":
        monkeypatch.setattr(forked, "MIN_ITEMS", 1)


@pytest.fixture
def settled_now(monkeypatch):
    """Trust folders changed a moment ago (a test cannot wait for them to settle)."""
    monkeypatch.setattr(listings, "SETTLED_NS", -(10**12))


@pytest.fixture
def walks(monkeypatch):
    """Count the walks a collect does (find_sources calls)."""
    done: list[str] = []
    real = planning_module.find_sources

    def counting(request, *args, **kwargs):
        done.append(request.path)
        return real(request, *args, **kwargs)

    monkeypatch.setattr(planning_module, "find_sources", counting)
    return done


@pytest.fixture
def runs(make_run, tmp_path):
    """Three native runs under tmp_path/runs."""
    for index, name in enumerate(["a", "b", "c"]):
        make_run(name, {"lr": 0.1 * (index + 1)}, curve([0.5, 0.6 + index / 10]))
    return tmp_path / "runs"


def collect_runs(store, root, **request):
    return collect(store, [CollectRequest(str(root), **request)])


def test_an_unchanged_tree_is_not_walked_again(store, runs, settled_now, walks):
    assert collect_runs(store, runs).new == 3
    assert walks == [str(runs)]
    again = collect_runs(store, runs)
    assert (again.unchanged, again.sources_read, again.new, again.missing) == (3, 0, 0, 0)
    assert walks == [str(runs)]  # the second collect did not walk


def test_a_file_changed_in_place_is_read_again_without_a_walk(store, runs, settled_now, walks):
    collect_runs(store, runs)
    before = os.stat(runs / "b").st_mtime_ns
    with open(runs / "b" / "metrics.jsonl", "a") as log:
        log.write('{"step": 3, "acc": 0.95}\n')
    assert os.stat(runs / "b").st_mtime_ns == before  # the folder did not change
    report = collect_runs(store, runs)
    assert (report.sources_read, report.unchanged, report.changed_sources) == (1, 2, ("runs/b",))
    assert len(walks) == 1
    run_b = next(run.id for run in store.runs() if run.name == "b")
    assert store.metric_summaries("acc")[run_b]["last"] == 0.95
    assert collect_runs(store, runs).sources_read == 0  # the snapshot now holds its new signature
    assert len(walks) == 1


def test_a_file_added_to_a_run_is_seen(store, runs, settled_now):
    collect_runs(store, runs)
    (runs / "a" / "config.yaml").write_text("seed: 3\n")
    report = collect_runs(store, runs)
    assert report.changed_sources == ("runs/a",)


def test_a_run_added_removed_or_renamed_is_seen(store, runs, make_run, settled_now, walks):
    collect_runs(store, runs)
    make_run("d", {"lr": 0.4}, curve([0.9]))
    assert collect_runs(store, runs).new == 1
    shutil.rmtree(runs / "a")
    assert collect_runs(store, runs).missing == 1
    os.rename(runs / "b", runs / "b2")
    renamed = collect_runs(store, runs)
    assert (renamed.new, renamed.missing) == (1, 1)
    assert len(walks) == 4  # each change walked the tree again
    assert sorted(run.name for run in store.runs()) == ["b2", "c", "d"]


def test_a_run_added_deeper_down_is_seen(store, make_run, tmp_path, settled_now):
    make_run("group/a", {"lr": 0.1}, curve([0.5]))
    root = tmp_path / "runs"
    collect_runs(store, root)
    make_run("group/b", {"lr": 0.2}, curve([0.6]))  # moves group/'s times, not runs/'
    assert collect_runs(store, root).new == 1


def test_another_way_of_reading_walks_again(store, runs, settled_now, walks):
    collect_runs(store, runs)
    collect_runs(store, runs, adapter="native")
    collect_runs(store, runs, params={"team": "x"})
    collect_runs(store, runs, params={"team": "x"})  # the same request again: its own snapshot
    assert len(walks) == 3


def test_other_adapter_code_walks_again(store, runs, settled_now, walks, monkeypatch):
    collect_runs(store, runs)
    real = snapshot.code_stamps
    monkeypatch.setattr(snapshot, "code_stamps", lambda names: (("native.py", 1, 2), *real(names)))
    assert collect_runs(store, runs).unchanged == 3
    assert len(walks) == 2


def test_a_signature_another_collector_changed_is_signed_again(store, runs, settled_now, walks):
    collect_runs(store, runs)
    store.db.execute("UPDATE sources SET signature = 'older' WHERE path = 'runs/c'")
    report = collect_runs(store, runs)
    assert (report.sources_read, report.changed_sources) == (1, ("runs/c",))
    assert len(walks) == 1


def test_a_tree_where_an_adapter_claims_by_more_than_names_is_walked_every_time(
    store, runs, settled_now, walks
):
    (runs / "notes" / "plots").mkdir(parents=True)  # DVCLive's name: its claim lists plots/ itself
    collect_runs(store, runs)
    assert store.collect_snapshot(str(runs)) is None
    assert collect_runs(store, runs).unchanged == 3
    assert len(walks) == 2


def test_a_tree_read_by_an_adapter_with_a_clock_is_walked_every_time(
    store, runs, settled_now, walks, monkeypatch
):
    from resultsbook.adapters.native import NativeAdapter

    # a run whose reading changes with the clock (a stale heartbeat) is signed at every collect
    monkeypatch.setattr(NativeAdapter, "clock_state", lambda self, source: "", raising=False)
    collect_runs(store, runs)
    assert store.collect_snapshot(str(runs)) is None
    assert collect_runs(store, runs).unchanged == 3
    assert len(walks) == 2


def test_folders_changed_a_moment_ago_are_walked_again(store, runs, walks):
    collect_runs(store, runs)  # its folders were just written: their listings cannot be trusted yet
    assert store.collect_snapshot(str(runs)) is None
    collect_runs(store, runs)
    assert len(walks) == 2


def test_a_relative_root_written_another_way_walks_again(store, runs, settled_now, walks, monkeypatch):
    monkeypatch.chdir(runs.parent)
    collect(store, [CollectRequest("runs")])
    assert collect(store, [CollectRequest("runs")]).unchanged == 3
    assert len(walks) == 1
    os.makedirs(runs.parent / "elsewhere")
    monkeypatch.chdir(runs.parent / "elsewhere")  # the same folder, reached from elsewhere
    again = collect(store, [CollectRequest("../runs")])
    assert (again.unchanged, again.missing) == (3, 0)
    assert len(walks) == 2


def test_a_damaged_snapshot_walks_again(store, runs, settled_now, walks):
    collect_runs(store, runs)
    context = store.collect_snapshot(str(runs))[0]
    store.remember_collect_snapshot(str(runs), context, b"not a snapshot")
    assert collect_runs(store, runs).unchanged == 3
    assert len(walks) == 2
    assert snapshot.Snapshot.decode(store.collect_snapshot(str(runs))[1]) is not None


def test_a_snapshot_whose_columns_do_not_fit_together_walks_again(store, runs, settled_now, walks):
    collect_runs(store, runs)
    context, blob = store.collect_snapshot(str(runs))
    _, *lengths = snapshot._LENGTHS.unpack_from(blob)
    kinds_at = snapshot._LENGTHS.size + sum(lengths[:6])  # the seventh column: each source's adapter
    crafted = blob[:kinds_at] + (99).to_bytes(8, "little") + blob[kinds_at + 8 :]  # no adapter 99
    assert len(crafted) == len(blob) and snapshot.Snapshot.decode(blob) is not None
    assert snapshot.Snapshot.decode(crafted) is None
    below = blob[:kinds_at] + (-1).to_bytes(8, "little", signed=True) + blob[kinds_at + 8 :]  # nor adapter -1
    assert snapshot.Snapshot.decode(below) is None
    counts_at = snapshot._LENGTHS.size + sum(lengths[:9])  # the tenth: how many files each source has
    fewer = blob[:counts_at] + (-1).to_bytes(8, "little", signed=True) + blob[counts_at + 8 :]
    assert snapshot.Snapshot.decode(fewer) is None
    assert snapshot.Snapshot.decode(blob[:-8]) is None  # cut short
    store.remember_collect_snapshot(str(runs), context, crafted)
    assert collect_runs(store, runs).unchanged == 3
    assert len(walks) == 2


def test_sources_reached_twice_are_counted_once(store, runs, settled_now, walks):
    twice = [CollectRequest(str(runs)), CollectRequest(str(runs)), CollectRequest(str(runs / "a"))]
    assert collect(store, twice).new == 3
    again = collect(store, twice)
    assert (again.unchanged, again.new, again.missing, again.sources_read) == (3, 0, 0, 0)


def test_many_files_changed_in_place_are_all_read_again(store, runs, settled_now, walks):
    collect_runs(store, runs)
    for name in ["a", "c"]:
        with open(runs / name / "metrics.jsonl", "a") as log:
            log.write('{"step": 3, "acc": 0.99}\n')
    report = collect_runs(store, runs)
    assert (report.sources_read, report.changed_sources) == (2, ("runs/a", "runs/c"))
    assert len(walks) == 1


def test_an_adapter_installed_since_walks_again(store, runs, settled_now, walks, monkeypatch):
    collect_runs(store, runs)
    monkeypatch.setattr(snapshot, "plugins_installed", lambda: True)  # it may claim these folders
    assert collect_runs(store, runs).unchanged == 3
    assert len(walks) == 2


def test_a_run_whose_name_is_not_utf8_is_replayed_as_walked(store, make_run, tmp_path, settled_now, walks):
    make_run(os.fsdecode(b"caf\xe9"), {"lr": 0.1}, curve([0.5]))  # Latin-1 bytes in a name
    make_run("b", {"lr": 0.2}, curve([0.6]))
    root = tmp_path / "runs"
    assert collect_runs(store, root).new == 2
    again = collect_runs(store, root)
    assert (again.unchanged, again.sources_read, len(walks)) == (2, 0, 1)
    with open(root / os.fsdecode(b"caf\xe9") / "metrics.jsonl", "a") as log:
        log.write('{"step": 3, "acc": 0.9}\n')
    assert collect_runs(store, root).sources_read == 1
    assert len(walks) == 1


def test_a_look_for_runs_not_collected_replays_the_snapshot_and_writes_nothing(
    store, runs, make_run, settled_now, walks
):
    """`check` looks for runs the store lacks: with a tree as its last collect left it, it took 2.3 s of a
    5 s check at 100k runs walking and signing every run; it now walks only when a folder changed, and
    keeps no snapshot of its own (it writes nothing)."""
    from resultsbook.sources.collect import uncollected

    collect_runs(store, runs)
    remembered = store.collect_snapshot(str(runs))
    assert uncollected(store, [CollectRequest(str(runs))]) == uncollected(store, [CollectRequest(str(runs))])
    assert uncollected(store, [CollectRequest(str(runs))]).new == ()
    assert walks == [str(runs)]  # the collect's walk only
    make_run("d", {"lr": 0.4}, curve([0.9]))
    shutil.rmtree(runs / "a")
    found = uncollected(store, [CollectRequest(str(runs))])
    assert (found.new, found.gone) == (("runs/d",), ("runs/a",))
    assert len(walks) == 2
    assert store.collect_snapshot(str(runs)) == remembered
