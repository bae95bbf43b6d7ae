"""One folder mixing every tracker fixture collects into one store, each run read by its own adapter."""

from __future__ import annotations

import shutil

from trackers import FIXTURES, expected

from resultsbook.sources.collect import CollectRequest, collect

FORMATS = ("sacred", "hydra", "lightning_csv", "hf_trainer", "keras_csv", "poutyne", "dvclive")


def test_a_mixed_tree_gives_every_run_once_to_its_own_adapter(tmp_path, store):
    for name in FORMATS:
        shutil.copytree(FIXTURES / name, tmp_path / "all" / name)
    report = collect(store, [CollectRequest(str(tmp_path / "all"))])
    want = {name: len(expected(name)["runs"]) for name in FORMATS}
    got: dict[str, int] = {}
    for run in store.runs():
        got[run.adapter] = got.get(run.adapter, 0) + 1
    assert got == want
    assert report.new == sum(want.values())
    again = collect(store, [CollectRequest(str(tmp_path / "all"))])
    assert (again.new, again.updated, again.sources_read) == (0, 0, 0)  # a stat walk, nothing read
