"""The lock's `runs` part of an entry digests the runs its filters select, once per build for the
tables that select alike: never the digest of other runs."""

from __future__ import annotations

from conftest import curve
from hypothesis import given, settings
from hypothesis import strategies as st

from resultsbook.outputs.parts import _pairs_digest, part_digest, runs_part
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


def test_the_runs_part_is_the_digest_of_each_run_id_beside_its_content(make_run, store, tmp_path):
    for seed in range(3):
        make_run(f"a{seed}", {"model": "a", "seed": seed}, curve([0.1, 0.2 + seed]))
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    runs = store.runs()
    assert runs_part(runs, ()) == part_digest(sorted((run.run_id, run.digest) for run in runs))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet='a0-_"\\\x7f\x1f é'), st.text(alphabet="0af"))))
def test_pairs_are_digested_as_json_writes_them(pairs):
    assert _pairs_digest(sorted(pairs)) == part_digest(sorted(pairs))
