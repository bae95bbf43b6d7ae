"""A W&B run resumed in several folders counts once per cell: which folder's value is kept."""

from __future__ import annotations

import numpy as np

from resultsbook.query.resumed import one_per_tracker_run

IDS = np.array(["rtk1", "rtk1", "rtk1", None], dtype=object)  # three folders of one run, one other run
STARTS = np.array([1.0, 2.0, 3.0, 0.0], dtype=object)


def test_the_latest_folder_with_a_value_is_kept_and_other_runs_stay():
    values = np.array([5.0, 5.0, np.nan, 6.0])  # the last folder evaluated something else
    assert one_per_tracker_run(IDS, STARTS, values).tolist() == [1, 3]


def test_a_folder_that_logged_the_value_is_kept_before_a_later_one_whose_value_stands_in():
    # `reduce = "max"`: the training folder logged the curve, the resumed ones hold its summary only
    values = np.array([5.2, 5.0, 5.0, 6.0])
    stand_ins = np.array([False, True, True, False])
    assert one_per_tracker_run(IDS, STARTS, values, stand_ins).tolist() == [0, 3]


def test_runs_of_distinct_ids_are_left_as_they_are():
    ids = np.array(["a", "b", None], dtype=object)
    assert one_per_tracker_run(ids, np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])) is None


def test_a_tensorboard_folder_is_kept_before_the_w_and_b_run_that_synced_it():
    # CleanRL's `--track`: wandb.init(sync_tensorboard=True) starts before the SummaryWriter, but a
    # W&B run that synced a folder (`mirrors`) steps by its own `_step`, the folder by global_step
    ids = np.array(["swwj", "swwj", None], dtype=object)
    starts = np.array([2.0, 1.0, 0.0], dtype=object)  # the W&B run started last here
    values = np.array([0.2, 0.2, 6.0])
    mirrors = np.array([True, False, False])
    assert one_per_tracker_run(ids, starts, values, None, mirrors).tolist() == [1, 2]


def test_the_folder_a_w_and_b_run_synced_is_told_by_its_log_dir_wherever_it_was_collected_from():
    # the log dir as the script gave it (HyLora/CACLAvsCleanRL@10576e8: `runs/<run_name>`), or absolute
    # on the machine that ran it: then its last two parts, the project having moved since
    from resultsbook.query.runs import tracker_run_ids

    def synced(run_id: str, logdir: str) -> dict:
        return {"wandb": {"run_id": run_id, "tensorboard": [logdir]}}

    provenances = [
        synced("a1", "runs/Env__ppo__1__17"),
        synced("b2", "/home/me/proj/runs/Env__ppo__2__17"),
        synced("c3", "logs"),  # two W&B runs synced one folder: it is neither's
        synced("d4", "logs"),
        {},
        {},
        {},
        {},
    ]
    sources = [
        "proj/wandb/run-1-a1",
        "proj/wandb/run-2-b2",
        "wandb/run-3-c3",
        "wandb/run-4-d4",
        "proj/runs/Env__ppo__1__17",
        "copy/runs/Env__ppo__2__17",
        "logs",
        "proj/runs/Env__ppo__3__17",
    ]
    ids, owners = tracker_run_ids(provenances, lambda: sources)
    assert ids == ["a1", "b2", "c3", "d4", "a1", "b2", None, None]
    assert owners == {4: 0, 5: 1}


def test_folders_are_joined_by_step_only_where_each_starts_after_the_one_before():
    """W&B offline counts a resumption's `wandb.log()` steps from 0 again: joined by step, its points took
    the first job's places (`last(3)` 0.883 for 0.97). A metric only in the summary has no points to join."""
    from resultsbook.query.resumed import _joined

    first = (np.arange(10.0), np.linspace(0.1, 0.95, 10))
    again = (np.arange(3.0), np.array([0.96, 0.97, 0.98]))
    assert _joined({1: first, 2: again}, [1, 2]) is None
    assert _joined({1: first}, [1, 2]) is None  # the resumed folder logged no point
    rewound = (np.arange(8.0, 12.0), np.array([0.5, 0.6, 0.7, 0.8]))  # resumed from step 8's checkpoint
    steps, values = _joined({1: first, 2: rewound}, [1, 2])
    assert steps.tolist() == list(range(12)) and values[8:].tolist() == [0.5, 0.6, 0.7, 0.8]
    assert values[:8].tolist() == first[1][:8].tolist()
