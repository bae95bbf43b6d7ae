"""Runs read as columns (what a table reads) give every field as the whole-run read does, the fields
a table reads only when asked included."""

from __future__ import annotations

from conftest import curve

from resultsbook.query.runs import ROW_FIELDS, TABLE_FIELDS, Runs
from resultsbook.store import Store


def test_runs_as_columns_give_every_field_of_every_run_as_the_whole_run_read(make_run, cli, tmp_path):
    for index, status in enumerate(["finished", "failed", "running"]):
        make_run(f"run{index}", {"model": "a", "seed": index}, curve([0.5]), {"status": status})
    (tmp_path / "runs" / "run1" / "metrics.jsonl").write_text("")
    assert cli("collect", "runs").exit_code == 0
    with Store.open(str(tmp_path / "resultsbook.db"), create=False) as store:
        whole = store.runs()
        runs = Runs.load(store)
        deferred = [name for name in ROW_FIELDS if name not in TABLE_FIELDS]
        assert deferred  # the test reads fields a table leaves unread
        for name in deferred:  # each read on its own, when first asked
            assert runs.take(runs.ids > 0).field(name).tolist() == [getattr(run, name) for run in whole], name
        assert list(Runs.load(store)) == whole  # every field at once, the deferred ones included
