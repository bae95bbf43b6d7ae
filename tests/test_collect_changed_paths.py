"""Collecting only changed paths (what `watch` does) finds the run a path belongs to as a full collect does."""

from __future__ import annotations

import os
import shutil

from trackers import FIXTURES

from resultsbook.sources.collect import CollectRequest, collect


def test_a_changed_file_of_a_run_inside_a_hydra_job_updates_the_job_and_adds_no_run(tmp_path, store):
    job = tmp_path / "runs" / "single"
    shutil.copytree(FIXTURES / "hydra" / "logs" / "outputs" / "single", job)
    request = [CollectRequest(str(tmp_path / "runs"))]
    collect(store, request)
    metrics = job / "csv" / "version_0" / "metrics.csv"  # Lightning's CSVLogger, inside the job
    with open(metrics, "a") as handle:
        handle.write("2,9,,0.75\n")
    report = collect(store, request, changed=[str(metrics)])
    assert (report.new, report.updated, report.sources_read) == (0, 1, 1)
    assert [run.adapter for run in store.runs()] == ["hydra"]
    full = collect(store, request)
    assert (full.new, full.updated, full.missing) == (0, 0, 0)


def test_a_new_hparams_session_of_a_tensorboard_run_updates_the_run_and_adds_no_run(tmp_path, store):
    run = tmp_path / "logs" / "tbx_seed0"
    shutil.copytree(FIXTURES / "tensorboard" / "logs" / "tbx_seed0", run)
    (session,) = [path for path in run.iterdir() if path.is_dir()]  # add_hparams' time-named folder
    shutil.move(session, tmp_path / "session")
    request = [CollectRequest(str(tmp_path / "logs"))]
    collect(store, request)
    shutil.move(tmp_path / "session", session)  # add_hparams is called when training ends
    (events,) = session.iterdir()
    for index, changed in enumerate((session, events)):
        os.utime(events, (1e9 + index, 1e9 + index))
        report = collect(store, request, changed=[str(changed)])
        assert (report.new, report.sources_read) == (0, 1)
        assert [stored.name for stored in store.runs()] == ["tbx_seed0"]
    assert "model" in store.runs()[0].params  # the session's hparams reached the run
