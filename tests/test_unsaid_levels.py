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


def test_a_param_that_begins_with_its_folders_name_holds_it_and_one_that_only_resembles_it_does_not():
    """SB3's Monitor files under Breakout/ and Pong/ hold env_id = 'BreakoutNoFrameskip-v4': the note
    still said their folders set them apart by names no param holds."""
    for env_id, noted in (("{}NoFrameskip-v4", False), ("{}_v4", False), ("{}s", True), ("x{}", True)):
        levels = UnsaidLevels()
        for env in ("Breakout", "Pong"):
            for seed in range(2):
                levels.add(
                    "sb3", f"{env}/s{seed}/0.monitor.csv", "0.monitor.csv", [{"env_id": env_id.format(env)}]
                )
        assert bool(levels.notes()) == noted, env_id


def test_a_value_every_run_holds_sets_no_folder_apart():
    """`arch = resnet50` in every run begins with the folder resnet/, not with resnet_pretrained/: the
    note that the folders set the runs apart was hidden, and the pretrained runs averaged silently."""
    levels = UnsaidLevels()
    for folder, seeds in (("resnet", (0, 1, 2)), ("resnet_pretrained", (3, 4, 5))):
        for seed in seeds:
            params = {"arch": "resnet50", "lr": 0.1, "seed": seed}
            levels.add("native", f"{folder}/run{seed}/metrics.jsonl", "metrics.jsonl", [params])
    [note] = levels.notes()
    assert "at level 1 (resnet, resnet_pretrained)" in note


def test_a_suggested_pattern_says_which_runs_it_leaves_out():
    """`--pattern '{level1}/*/*'` fitted the runs of one depth alone: pasted, it silently left out
    Hydra's `multirun/<date>/<time>/<N>` jobs."""
    levels = UnsaidLevels()
    for env in ("Ant", "Hopper"):
        for seed in range(3):
            levels.add("spinup", f"{env}/run_s{seed}", None, [{"lr": 0.1, "seed": seed}])
    levels.add("spinup", "Walker/extra/run_s0", None, [{"lr": 0.1, "seed": 0}])
    [note] = levels.notes()
    assert note.endswith(
        "pattern='{level1}/*' makes it a param, but reads only the runs 2 folders deep: it leaves out 1 other "
        "run(s) (e.g. Walker/extra/run_s0): collect those on their own"
    )


def test_hydras_own_outputs_and_multirun_folders_are_no_setting(cli, tmp_path):
    """A stranger's Hydra project was told its `outputs` and `multirun` folders set its runs apart by
    a setting no param holds, and given a pattern that left out its sweeps' jobs."""

    def job(folder: str, lr: float, seed: int) -> None:
        hydra = tmp_path / folder / ".hydra"
        hydra.mkdir(parents=True)
        (hydra / "config.yaml").write_text(f"lr: {lr}\nseed: {seed}\n")
        (hydra / "overrides.yaml").write_text("[]\n")

    for seed in (1, 2, 3):
        job(f"outputs/2024-01-01/10-00-0{seed}", 0.1, seed)
    for seed in (1, 2):
        job(f"outputs/2024-01-03/12-00-0{seed}", 0.1, seed)
    for seed in (0, 1, 2, 3):
        job(f"multirun/2024-01-02/11-00-00/{seed}", 0.01, seed)
    for seed in (4, 5, 6):
        job(f"multirun/sweep_a/{seed}", 0.05, seed)
    result = cli("collect", ".")
    assert result.exit_code == 0 and "Collected .: 12 new" in result.output, result.output
    assert "Note:" not in result.stderr
