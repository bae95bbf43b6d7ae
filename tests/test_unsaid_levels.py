"""The note on runs whose folders set them apart by names no param holds, read as a collect meets them."""

from __future__ import annotations

from resultsbook.sources.unsaid_levels import UnsaidLevels


def test_runs_of_files_named_their_own_way_are_counted_whole_and_matched_by_a_glob():
    """A stranger's 2,000 TensorBoard runs under g0 … g199, each event file named by its own time:
    the note counted 1,200 (those sharing one file name) and named that name in its pattern, which then
    read 1,200 runs."""
    levels = UnsaidLevels()
    for group in range(4):
        for run in range(3):
            name = f"events.out.tfevents.17966136{40 + run % 2}.vm"
            levels.add("tensorboard", f"g{group}/r{run}/{name}", name, [{"lr": 0.1 * (run + 1)}])
    [note] = levels.notes()
    assert note.startswith("12 runs read by tensorboard sit in folders")
    assert note.endswith("pattern='{level1}/*/events.out.tfevents.*' makes it a param")  # Python's words


def test_runs_whose_params_hold_their_folders_names_get_no_note():
    levels = UnsaidLevels()
    for algo in ("DDPG", "TD3"):
        for env in ("Ant-v2", "data/Hopper-v2"):
            for seed in range(2):
                params = {"exp_name": algo.lower(), "env": env, "seed": seed}
                levels.add("spinup", f"{algo}/{env.rpartition('/')[2]}/s{seed}", None, [params])
    assert levels.notes() == []
