"""Runs read as columns (what a table reads) give every field as the whole-run read does, the fields
a table reads only when asked included."""

from __future__ import annotations

from typing import Any

import pytest
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


def test_a_param_only_other_runs_have_is_no_param_of_a_selection(make_run, cli, tmp_path):
    make_run("a", {"model": "a", "seed": 0, "warmup": 5}, curve([0.5]))
    make_run("b", {"model": "b", "seed": 0}, curve([0.5]))
    assert cli("collect", "runs").exit_code == 0
    with Store.open(str(tmp_path / "resultsbook.db"), create=False) as store:
        runs = Runs.load(store)
        only_b = runs.take(runs.field("name") == "b")
        assert runs.has_any_param("warmup") and not only_b.has_any_param("warmup")
        assert not runs.has_any_param("warmpu") and only_b.param_keys() == ["model", "seed"]
        assert runs.param_keys() == ["model", "seed", "warmup"]


@pytest.fixture
def fields_read(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Record the fields each read of the store's runs (`Store.run_rows`) asks for."""
    read: list[tuple[str, ...]] = []
    run_rows = Store.run_rows

    def recorded(store: Store, *args: Any, **kwargs: Any) -> Any:
        read.append(args[1])
        return run_rows(store, *args, **kwargs)

    monkeypatch.setattr(Store, "run_rows", recorded)
    return read


def test_runs_that_record_no_goal_are_not_read_for_their_experiment(make_run, cli, tmp_path, fields_read):
    """Every table asks which goal the runs' trackers record; only an Optuna trial's experiment (its
    study) is said, so the 100,000 runs of other trackers are not read again for theirs."""
    make_run("a", {"model": "a", "seed": 0}, curve([0.5]))
    assert cli("collect", "runs").exit_code == 0
    fields_read.clear()
    with Store.open(str(tmp_path / "resultsbook.db"), create=False) as store:
        runs = Runs.load(store)
        assert runs.recorded_goals("acc") == {}
    assert fields_read == [TABLE_FIELDS]


def test_a_build_reads_the_runs_of_the_store_once(make_run, cli, tmp_path, fields_read):
    """Its tables read the same runs, and its lock digests each run's content: the digests are read
    with the runs, not again (at 100,000 runs a read costs 0.1 s)."""
    for seed in range(2):
        make_run(f"a{seed}", {"model": "a", "seed": seed}, curve([0.5 + seed / 10]))
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t1]\nmetric = "acc"\nrows = ["model"]\noutputs = []\n'
    )
    assert cli("collect").exit_code == 0
    fields_read.clear()
    assert cli("build", "--no-collect").exit_code == 0
    assert fields_read == [(*TABLE_FIELDS, "digest")]
