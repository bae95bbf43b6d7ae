"""An unchanged re-collect reports exactly the runs of the sources it found unchanged: counted at
once when they are every source of the store, source by source otherwise (another root's runs, or
runs another collector wrote meanwhile, are not its own)."""

from __future__ import annotations

from conftest import curve, write_native_run

from resultsbook.sources import planning as planning_module
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.store import Store


def test_a_recollect_of_one_root_counts_that_roots_runs_only(make_run, store, tmp_path):
    make_run("a", {"lr": 0.1}, curve([0.5]))
    make_run("b", {"lr": 0.2}, curve([0.6]))
    write_native_run(tmp_path / "other" / "c", {"lr": 0.3}, curve([0.7]))
    roots = [CollectRequest(str(tmp_path / "runs")), CollectRequest(str(tmp_path / "other"))]
    assert collect(store, roots).new == 3
    again = collect(store, roots[:1])
    assert (again.unchanged, again.new, again.missing) == (2, 0, 0)
    assert collect(store, roots).unchanged == 3
    make_run("d", {"lr": 0.4}, curve([0.8]))  # a new run beside every stored one unchanged
    added = collect(store, roots)
    assert (added.unchanged, added.new) == (3, 1)


def test_runs_another_collector_writes_meanwhile_are_not_counted_unchanged(
    make_run, store, tmp_path, monkeypatch
):
    make_run("a", {"lr": 0.1}, curve([0.5]))
    make_run("b", {"lr": 0.2}, curve([0.6]))
    root = CollectRequest(str(tmp_path / "runs"))
    assert collect(store, [root]).new == 2
    write_native_run(tmp_path / "other" / "c", {"lr": 0.3}, curve([0.7]))
    real_find = planning_module.find_sources

    def find_while_another_collects(*args, **kwargs):
        monkeypatch.setattr(planning_module, "find_sources", real_find)  # the other collector's own
        other = Store.open(store.path)
        try:
            assert collect(other, [CollectRequest(str(tmp_path / "other"))]).new == 1
        finally:
            other.close()
        yield from real_find(*args, **kwargs)

    monkeypatch.setattr(planning_module, "find_sources", find_while_another_collects)
    report = collect(store, [root])
    assert (report.unchanged, report.new) == (2, 0)
