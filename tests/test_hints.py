"""The pattern an empty collect's hint names, built from the folders' own names."""

from __future__ import annotations

from resultsbook.sources.hints import pattern_for


def test_folders_named_by_their_settings_give_a_field_per_setting():
    paths = ["lr=0.1,seed=0/log.csv", "lr=0.01,seed=1/log.csv"]  # Hydra's override_dirname
    assert pattern_for(paths[0], "log.csv", paths) == "lr={lr},seed={seed}/log.csv"
    paths = ["a/pws_gain=0.025/result.csv", "a/gaussian1_gain=20.0/result.csv"]
    assert pattern_for(paths[0], "result.csv", paths) == "{group}/{run}_gain={gain}/result.csv"
    paths = ["sweep_lr=1e-4_wd=0/x.csv", "sweep_lr=0.1_wd=1/x.csv"]
    assert pattern_for(paths[0], "x.csv", paths) == "sweep_lr={lr}_wd={wd}/x.csv"


def test_folders_whose_settings_differ_keep_one_field():
    paths = ["lr=0.1/log.csv", "seed=1/log.csv", "pws_gain=1/log.csv"]
    assert pattern_for(paths[0], "log.csv", paths) == "{run}/log.csv"
    paths = ["gain=1/log.csv", "pws_gain=1/log.csv"]  # one with a text before its setting, one without
    assert pattern_for(paths[0], "log.csv", paths) == "{run}/log.csv"


def test_an_aim_repository_is_named_as_a_format_no_adapter_reads(tmp_path, cli):
    """Aim 3.29's repository (`aimrepo/.aim/run_metadata.sqlite` beside RocksDB folders `seqs/`, `meta/`)
    got the generic "name the format with --adapter", though no adapter reads it. The layout is
    made here by its names alone: what the hint looks at."""
    repository = tmp_path / "out" / "aimrepo" / ".aim"
    for folder in ("seqs", "meta", "progress"):
        (repository / folder).mkdir(parents=True)
    (repository / "run_metadata.sqlite").write_bytes(b"")
    for root in ("out", "out/aimrepo", "out/aimrepo/.aim"):
        result = cli("collect", root)
        assert result.exit_code == 1
        assert "an Aim repository (" in result.output and "which resultsbook does not read" in result.output
        assert "export its runs with Aim's Python SDK" in result.output, result.output


def test_folders_named_by_settings_glued_to_their_values_give_a_field_each(tmp_path, cli):
    """Keras CSVLogger logs in `keras/lr0.01_seed0/training.log` (a script's f"lr{lr}_seed{seed}"): the
    collect said nothing of their missing params, and the empty collect's hint gave `{run}`."""
    paths = [f"lr{lr}_seed{seed}/training.log" for lr in ("0.01", "0.1") for seed in (0, 1, 2)]
    assert pattern_for(paths[0], "training.log", paths) == "lr{lr}_seed{seed}/training.log"
    for path in paths:
        log = tmp_path / "keras" / path
        log.parent.mkdir(parents=True)
        log.write_text("epoch,acc,loss\n0,0.5,0.9\n1,0.6,0.8\n")
    result = cli("collect", "keras")
    assert (
        "Note: 6 runs read by keras_csv have no param (their logs hold none), so a table cannot tell them apart; "
        "if their folders say what they are (the first: 'lr0.01_seed0'), --pattern 'lr{lr}_seed{seed}/training.log' "
        "makes them params"
    ) in result.output, result.output
