"""The lock's `runs` part of an entry digests the runs its filters select, once per build for the
tables that select alike: never the digest of other runs."""

from __future__ import annotations

from conftest import curve

from resultsbook.outputs.parts import runs_part
from resultsbook.query.select import parse_filter
from resultsbook.sources.collect import CollectRequest, collect


def test_the_runs_part_follows_the_runs_and_the_filters_it_is_given(make_run, store, tmp_path):
    for seed in range(3):
        make_run(f"a{seed}", {"model": "a", "seed": seed}, curve([0.1, 0.2 + seed]))
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    first = store.runs()
    everything = runs_part(first, ())
    assert runs_part(first, ()) == everything
    assert runs_part(first, (parse_filter("seed=0"),)) != everything
    make_run("a3", {"model": "a", "seed": 3}, curve([0.5, 0.6]))
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    assert runs_part(store.runs(), ()) != everything
    assert runs_part(first, ()) == everything
