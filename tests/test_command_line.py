"""Params from a command line, read as argparse reads it without the script's parser."""

from __future__ import annotations

from resultsbook.sources.command_line import params_from_args


def test_options_flags_lists_and_overrides_become_typed_params():
    args = ["--lr", "0.1", "--seed=3", "--fp16", "--layers", "64", "128", "-b", "32", "--learning-rate", "1e-3"]
    assert params_from_args(args) == {
        "lr": 0.1, "seed": 3, "fp16": True, "layers": [64, 128], "b": 32, "learning_rate": 0.001,
    }  # fmt: skip


def test_a_negative_number_is_a_value_not_an_option():
    assert params_from_args(["--offset", "-1", "--scale", "-2.5e-3"]) == {"offset": -1, "scale": -0.0025}


def test_hydra_overrides_count_and_are_no_value_of_the_flag_before_them():
    assert params_from_args(["--multirun", "model=resnet", "+trainer.devices=2", "++a.b=x", "~c"]) == {
        "multirun": True, "model": "resnet", "trainer.devices": 2, "a.b": "x",
    }  # fmt: skip


def test_positional_words_and_a_bare_program_give_no_params():
    assert params_from_args(["input.csv"]) == {}
    assert params_from_args([]) == {}
    assert params_from_args(["-", "--", "---"]) == {}
