"""Which way is better: `goal` set in the spec or with --goal, defaults only for documented whole names,
stated in the note whenever bold is shown, and a lint finding when it came from a name or is missing."""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from conftest import curve

from resultsbook.errors import QueryError, SpecError
from resultsbook.query.goal import goal_from_name, metric_goal
from resultsbook.query.reduce import parse_reduction


@pytest.mark.parametrize(
    ("name", "goal"),
    [
        ("loss", "min"),
        ("train/loss", "min"),
        ("val_loss", "min"),
        ("loss/train", "min"),
        ("eval.error", "min"),
        ("test-wer", "min"),
        ("test/acc", "max"),
        ("val_accuracy", "max"),
        ("return", "max"),
        ("eval/mean_reward", "max"),  # Stable-Baselines3's own names
        ("rollout/ep_rew_mean", "max"),
        ("charts/episodic_return", "max"),  # CleanRL's
        ("eval/mean_ep_length", None),  # longer is better in CartPole, worse in MountainCar
        ("answer_acc", None),  # "wer" inside "answer" is no name, nor is "acc" after "answer_"
        ("fidelity", None),  # not "fid"
        ("val/fidelity", None),
        ("wall_time", None),
        ("loss/acc", None),  # both kinds: undecided
        ("terrain_score", None),
        ("metrics/mAP50-95(B)", "max"),  # Ultralytics' results.csv: the (B)ox tag dropped
        ("metrics/mAP50(M)", "max"),
        ("metrics/precision(B)", "max"),
        ("metrics/mAP_0.5:0.95", "max"),  # YOLOv5
        ("coco/bbox_mAP", "max"),  # MMDetection 3.x
        ("coco/segm_mAP_75", "max"),
        ("coco/bbox_mAP_s", "max"),
        ("bbox/AP50", "max"),  # Detectron2
        ("bbox/APs", "max"),
        ("mIoU", "max"),  # MMSegmentation
        ("aAcc", "max"),
        ("val/mDice", "max"),
        ("cap", None),  # not "ap"
        ("map_loss", None),
        ("metrics/mAP50-95(B)/loss", None),  # both kinds: undecided
        ("best_validation_accuracy", "max"),  # AllenNLP's metrics.json: the best epoch's values
        ("best_validation_loss", "min"),
        ("best_validation_f1", "max"),
        ("validation_em", "max"),  # exact match (SQuAD, DROP), as AllenNLP's BiDAF logs it
        ("test_exact_match", "max"),
        ("eprewmean", "max"),  # OpenAI Baselines' ppo2 and a2c (openai/baselines, baselines/ppo2/ppo2.py)
        ("eval_eprewmean", "max"),
        ("AverageReturn", "max"),  # rllab's progress.csv
        ("Evaluation/AverageReturn", "max"),  # garage's (dowel)
        ("Evaluation/SuccessRate", "max"),
        ("loss/policy_entropy", None),  # ppo2 files these under loss/: better neither way
        ("loss/approxkl", None),
        ("loss/clipfrac", None),
        ("loss/value_loss", "min"),
        ("best_epoch", None),  # an epoch, better neither way
        ("bestacc", None),
        ("top1_acc", "max"),  # image classification as its training scripts name it
        ("eval/top1_accuracy", "max"),
        ("val_acc1", "max"),  # DeiT's acc1, acc5
        ("Acc@1", "max"),  # torchvision's reference scripts
        ("top5_err", "min"),
        ("eval_macro_f1", "max"),
        ("eval_rougeLsum", "max"),  # Hugging Face's summarization scripts
        ("eval_matthews_correlation", "max"),  # GLUE's CoLA, STS-B
        ("eval_spearmanr", "max"),
        ("acc_norm", "max"),  # lm-evaluation-harness
        ("lpips", "min"),
        ("bits_per_dim", "min"),
        ("ndcg@10", "max"),  # a cutoff
        ("hits@10", "max"),
        ("val_loss_epoch", "min"),  # Lightning's on_epoch half
        ("train_acc_step", "max"),  # and its on_step half
        ("lr_epoch", None),  # not a name before the suffix either
        ("global_step", None),
    ],
)
def test_a_goal_comes_only_from_whole_documented_names(name, goal):
    assert goal_from_name(name) == goal


def test_an_explicit_goal_wins_over_the_name():
    assert metric_goal("val/loss", "max").direction == "max"
    assert metric_goal("val/loss").source == "name"
    assert metric_goal("fidelity").direction is None


def test_best_of_an_undocumented_name_is_refused_until_its_direction_is_written():
    with pytest.raises(QueryError, match=r"write best\(val/fidelity, max\) or best\(val/fidelity, min\)"):
        parse_reduction("best(val/fidelity)")
    assert parse_reduction("best(val/fidelity, max)").direction == "max"
    assert parse_reduction("best(val/answer_acc, min)").direction == "min"
    named = parse_reduction("best(val/loss)")
    assert (named.direction, named.direction_source, named.text) == ("min", "name", "best(val/loss, min)")


def _runs(make_run, metric: str) -> None:
    for model, values in {"a": [0.90, 0.91, 0.92], "b": [0.50, 0.51, 0.52]}.items():
        for seed, value in enumerate(values):
            make_run(f"{model}{seed}", {"model": model, "seed": seed}, curve([value], key=metric))


def test_fidelity_is_never_bold_without_a_goal_and_bolds_the_highest_with_one(make_run, cli):
    _runs(make_run, "fidelity")
    cli("collect", "runs")
    plain = cli("table", "--rows", "model", "--metric", "fidelity", "--format", "markdown").output
    assert "**" not in plain
    assert "Not bold: fidelity (goal not set)." in plain
    bold = cli("table", "--rows", "model", "--metric", "fidelity", "--format", "markdown", "--goal", "max")
    assert "| a       | **0.91 ± 0.01** |" in bold.output
    assert (
        "Bold: best (higher is better; Welch's t-test against the runner-up, two-sided, α = 0.05)."
        in bold.output
    )
    lower = cli(
        "table", "--rows", "model", "--metric", "fidelity", "--format", "markdown", "--goal", "fidelity=min"
    )
    assert "| b       | **0.51 ± 0.01** |" in lower.output and "lower is better" in lower.output


def test_answer_acc_is_not_taken_as_lower_is_better(make_run, cli):
    _runs(make_run, "answer_acc")
    cli("collect", "runs")
    output = cli("table", "--rows", "model", "--metric", "answer_acc", "--format", "markdown").output
    assert "**0.51" not in output  # the old substring rule read "wer" in "answer" and bolded the worst


def _spec(tmp_path, table: str) -> None:
    (tmp_path / "resultsbook.toml").write_text(
        textwrap.dedent("""
        [[sources]]
        path = "runs"
        """)
        + textwrap.dedent(table)
    )


def test_build_lints_a_goal_taken_from_a_name_or_missing(make_run, cli, tmp_path):
    _runs(make_run, "val_loss")
    for seed in range(3):
        make_run(f"c{seed}", {"model": "c", "seed": seed}, curve([0.1], key="fidelity"))
    _spec(
        tmp_path,
        """
        [tables.t]
        metrics = ["val_loss", "fidelity"]
        rows = ["model"]
        outputs = ["t.md"]
        """,
    )
    result = cli("build")
    assert result.exit_code == 0
    # the table's goal = would be both metrics': each one's is stated in its entry of metrics
    assert (
        "Warning: t: the goal of 'val_loss' comes from its name (lower is better); state it by writing its "
        'entry of metrics as { name = "val_loss", goal = "min" }' in result.output
    )
    assert (
        "Warning: t: 'fidelity' has no goal, so no cell of it is bold; write its entry of metrics as "
        '{ name = "fidelity", goal = "max" } (or "min")' in result.output
    )
    assert (
        "Bold: best (lower is better; Welch's t-test against the runner-up, two-sided, α = 0.05). "
        "Not bold: fidelity (goal not set)." in (tmp_path / "t.md").read_text()
    )
    assert cli("build", "--strict").exit_code == 1


def test_a_tables_goal_against_what_a_metrics_name_says_is_warned(make_run, cli, tmp_path):
    """metrics = ["test/err", "acc"] with goal = "min" (meant for the error) bolded the lowest accuracy,
    silently; a metric whose name agrees with the goal is not warned."""
    for seed in range(3):
        for model, err, acc in (("a", 0.1, 0.9), ("b", 0.2, 0.8)):
            record = {"step": 1, "test/err": err, "acc": acc, "forget/acc": acc / 2}
            make_run(f"{model}{seed}", {"model": model, "seed": seed}, [record])
    _spec(
        tmp_path,
        """
        [tables.t]
        metrics = ["test/err", "acc"]
        goal = "min"
        rows = ["model"]
        outputs = ["t.md"]
        """,
    )
    result = cli("build")
    assert result.exit_code == 0
    assert (
        "Warning: t: goal = \"min\" bolds the lowest 'acc', whose name says higher is better; where that is "
        'not meant, write its entry of metrics as { name = "acc", goal = "max" }\n' in result.output
    )
    assert "'test/err', whose name" not in result.output
    assert cli("build", "--strict").exit_code == 1
    # each metric's own goal, set against its name on purpose (unlearning: forget/acc lower is better)
    _spec(
        tmp_path,
        """
        [tables.t]
        metrics = [{ name = "test/err", goal = "min" }, { name = "acc", goal = "max" }, { name = "forget/acc", goal = "min" }]
        rows = ["model"]
        outputs = ["t.md"]
        """,
    )
    each = cli("build")
    assert each.exit_code == 0 and "forget/acc" in (tmp_path / "t.md").read_text(), each.output
    assert "whose name says" not in each.output


def test_the_old_direction_key_is_goals_alias_and_a_conflict_is_refused(make_run, cli, tmp_path):
    _runs(make_run, "fidelity")
    _spec(
        tmp_path,
        '[tables.t]\nmetric = "fidelity"\ndirection = "min"\nrows = ["model"]\noutputs = ["t.json"]\n',
    )
    assert cli("build").exit_code == 0
    document = json.loads((tmp_path / "t.json").read_text())
    assert (document["metrics"][0]["goal"], document["metrics"][0]["goal_from"]) == ("min", "set")
    _spec(tmp_path, '[tables.t]\nmetric = "fidelity"\ndirection = "min"\ngoal = "max"\nrows = ["model"]\n')
    with pytest.raises(
        SpecError, match=re.escape("has goal = 'max' and direction = 'min' (its old name); keep goal")
    ):
        from resultsbook.spec import load_spec

        load_spec(str(tmp_path / "resultsbook.toml"))
    _spec(tmp_path, '[tables.t]\nmetric = "fidelity"\ngoal = "up"\nrows = ["model"]\n')
    failed = cli("build")
    assert failed.exit_code == 2
    assert "goal = 'up'; did you mean goal = \"max\" (higher is better)?" in failed.output
    _spec(tmp_path, '[tables.t]\nmetric = "fidelity"\ngoal = "best"\nrows = ["model"]\n')
    assert 'goal = \'best\'; use goal = "max" (higher is better) or "min"' in cli("build").output


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("fidelity=maximize", "fidelity=max"),
        ("fidelity=higher", "fidelity=max"),
        ("Min", "min"),
        ("mxa", "max"),
    ],
)
def test_a_goal_in_other_words_or_misspelt_gets_the_one_meant(make_run, cli, typed, meant):
    """A stranger's `--goal test/acc=maximize` (Optuna's word) was told only to use max or min."""
    _runs(make_run, "fidelity")
    cli("collect", "runs")
    result = cli("table", "--rows", "model", "--metric", "fidelity", "--goal", typed)
    assert result.exit_code == 2
    assert result.output == f"Error: --goal {typed!r}: did you mean --goal {meant}?\n"


def test_a_direction_in_other_words_gets_the_one_meant_in_python(make_run, tmp_path):
    import resultsbook as rb

    _runs(make_run, "fidelity")
    rb.collect(tmp_path / "runs", db=tmp_path / "s.db")
    with rb.open(tmp_path / "s.db") as book, pytest.raises(SpecError) as caught:
        book.table(rows="model", metric="fidelity", direction="maximize")
    assert str(caught.value) == "direction 'maximize' is not understood; did you mean direction='max'?"


def test_best_mean_needs_a_goal_given_as_python_or_the_spec_gives_it(make_run, cli, tmp_path):
    import resultsbook as rb

    _runs(make_run, "fidelity")
    cli("collect", "runs")
    with rb.open(tmp_path / "resultsbook.db") as book, pytest.raises(rb.QueryError) as caught:
        book.table(rows="model", metric="fidelity", reduce="best-mean")
    assert str(caught.value).endswith("; give it with goals={'fidelity': 'max'} (or 'min')")
    (tmp_path / "resultsbook.toml").write_text(
        '[tables.t]\nrows = ["model"]\nmetric = "fidelity"\nreduce = "best-mean"\n'
    )
    with rb.open() as book, pytest.raises(rb.QueryError) as caught:
        book.spec_table("t")
    assert str(caught.value).endswith('; set goal = "max" or "min"')


def test_best_mean_needs_a_goal(make_run, cli):
    _runs(make_run, "fidelity")
    cli("collect", "runs")
    result = cli("table", "--rows", "model", "--metric", "fidelity", "--reduce", "best-mean")
    assert result.exit_code == 2  # a usage error: the flags leave the goal open
    assert result.stderr.splitlines()[-1] == (
        "Error: reduce = best-mean: cannot tell whether 'fidelity' is better high or low (its name is not one "
        "of the documented ones); give it with --goal fidelity=max (or =min)"
    )
    assert (
        cli(
            "table", "--rows", "model", "--metric", "fidelity", "--reduce", "best-mean", "--goal", "max"
        ).exit_code
        == 0
    )


def test_best_of_a_misspelt_metric_names_the_metric_meant_not_its_direction(make_run, cli, tmp_path):
    """best(val/ac) said "cannot tell whether 'val/ac' is better high or low": writing a direction then
    only brought the real error, a metric no run logs."""
    for model, values in {"a": [0.90, 0.91], "b": [0.50, 0.51]}.items():
        for seed, value in enumerate(values):
            make_run(f"{model}{seed}", {"model": model, "seed": seed}, curve([value], key="val/acc"))
            make_run(f"{model}{seed}f", {"model": model, "seed": seed}, curve([value], key="val/fidelity"))
    cli("collect", "runs")
    misspelt = cli("table", "--rows", "model", "--metric", "val/acc", "--reduce", "best(val/ac)")
    assert (misspelt.exit_code, misspelt.output) == (
        2,
        "Error: reduction 'best(val/ac)': no run logs a metric 'val/ac'; did you mean 'val/acc'?\n",
    )
    undirected = cli("table", "--rows", "model", "--metric", "val/acc", "--reduce", "best(val/fidelity)")
    assert (
        undirected.exit_code == 2
        and "cannot tell whether 'val/fidelity' is better high or low" in undirected.output
    )
    _spec(
        tmp_path,
        '[tables.t]\nmetric = "val/acc"\nreduce = "best(val/ac)"\nrows = ["model"]\noutputs = ["t.md"]\n',
    )
    built = cli("build", "--no-collect")
    assert (
        built.exit_code == 2
        and "[tables.t] reduction 'best(val/ac)': no run logs a metric 'val/ac'; did you mean 'val/acc'?"
        in built.output
    )


def test_build_says_that_a_specs_stats_naming_a_centre_and_a_spread_print_neither(make_run, cli, tmp_path):
    _runs(make_run, "acc")
    table = """
        [tables.t]
        metric = "acc"
        goal = "max"
        rows = ["model"]
        stats = ["iqm", "bootstrap"]
        outputs = ["t.md"]
        """
    _spec(tmp_path, table)
    result = cli("build")
    assert result.exit_code == 0
    assert "| a       | **0.91 ± 0.01** |" in (tmp_path / "t.md").read_text()  # as --stat would not
    assert (
        'Warning: t: stats = ["iqm", "bootstrap"] only adds columns to CSV and JSON outputs (this table '
        'writes none): its cells show mean ± std; to show them instead, write center = "iqm" and '
        'spread = "bootstrap" (as --stat iqm,bootstrap does in `resultsbook table`), or center = "mean" '
        "to silence this\n"
    ) in result.output
    _spec(
        tmp_path, table.replace('stats = ["iqm", "bootstrap"]', 'stats = ["median"]\n        center = "mean"')
    )
    assert "stats =" not in cli("build").output  # the centre stated: the median is an extra column, as asked
    _spec(tmp_path, table.replace('stats = ["iqm", "bootstrap"]', 'stats = ["min", "max", "n"]'))
    assert "stats =" not in cli("build").output  # no centre nor spread among them: nothing to mistake


def test_build_says_that_a_specs_stats_naming_a_centre_alone_still_print_a_spread(make_run, cli, tmp_path):
    """dna-nn-theory's table written as `stats = ["mean"]`, `--stat mean` in the spec: the cells and
    the note said mean ± std, and nothing said that spread = "none" is the spec's --stat mean."""
    _runs(make_run, "acc")
    table = """
        [tables.t]
        metric = "acc"
        goal = "max"
        rows = ["model"]
        stats = ["mean"]
        outputs = ["t.md"]
        """
    _spec(tmp_path, table)
    result = cli("build")
    assert result.exit_code == 0
    assert "| a       | **0.91 ± 0.01** |" in (tmp_path / "t.md").read_text()
    assert (
        'Warning: t: stats = ["mean"] only adds columns to CSV and JSON outputs (this table writes none): '
        'its cells show mean ± std; to show mean alone instead, write spread = "none" (as --stat mean does '
        'in `resultsbook table`), or center = "mean" to silence this\n'
    ) in result.output
    _spec(tmp_path, table.replace('stats = ["mean"]', 'stats = ["mean"]\n        spread = "none"'))
    built = cli("build")
    assert "stats =" not in built.output and "| a       | **0.910** |" in (tmp_path / "t.md").read_text()
    _spec(tmp_path, table.replace('stats = ["mean"]', 'stats = ["mean", "std"]'))
    assert "stats =" not in cli("build").output  # what the cells show: nothing to mistake


def test_table_says_which_flag_gives_a_metric_with_no_goal_its_bold(make_run, cli):
    """Spinning Up's AverageTestEpRet (siddinkar/RainbowPolicyGradientPaper@9a626a2) is no documented
    name: `table` printed only `Not bold: AverageTestEpRet (goal not set)`, never the flag."""
    _runs(make_run, "AverageTestEpRet")
    cli("collect", "runs")
    result = cli("table", "--rows", "model", "--metric", "AverageTestEpRet")
    assert (
        "Note: 'AverageTestEpRet' has no goal, so no cell of it is bold; give it with "
        "--goal AverageTestEpRet=max (or =min)"
    ) in result.output
    bold = cli("table", "--rows", "model", "--metric", "AverageTestEpRet", "--goal", "AverageTestEpRet=max")
    assert "has no goal" not in bold.output
    csv = cli("table", "--rows", "model", "--metric", "AverageTestEpRet", "--format", "csv")
    assert csv.exit_code == 0 and "has no goal" not in csv.output


def test_the_goal_flag_of_a_metric_named_with_spaces_is_quoted_for_the_shell(make_run, cli):
    """7vik/nn-modularity's W&B metric `GPT-2 Token Sub-Space Intervention Accuracy 5`: the note said
    `--goal GPT-2 Token Sub-Space Intervention Accuracy 5=max`, five words to a shell."""
    metric = "GPT-2 Token Sub-Space Intervention Accuracy 5"
    _runs(make_run, metric)
    cli("collect", "runs")
    result = cli("table", "--rows", "model", "--metric", metric)
    assert f"give it with --goal '{metric}=max' (or =min)" in result.output
    one_row = cli("table", "--rows", "model", "--metric", "AverageTestEpRet", "--where", "model=a")
    assert "has no goal" not in one_row.output  # nothing competes for bold


def test_a_goal_per_metric_written_as_a_mapping_is_refused_with_the_entries_that_give_them(tmp_path):
    """A table of R² (max) and RMSE (min): `goal = { "eval/r2" = "max", ... }` is answered with the
    metrics entries that set each one, not only with "use max or min" (one goal would be both's)."""
    from resultsbook.spec import load_spec

    _spec(
        tmp_path,
        '[tables.t]\nmetrics = ["eval/r2", "eval/rmse"]\ngoal = { "eval/r2" = "max", "eval/rmse" = "min" }\n'
        'rows = ["model"]\n',
    )
    with pytest.raises(SpecError) as raised:
        load_spec(str(tmp_path / "resultsbook.toml"))
    assert str(raised.value).endswith(
        'goal = { "eval/r2" = "max", "eval/rmse" = "min" } gives each metric a goal: a table\'s goal is one '
        'for all its metrics, each metric\'s is in its entry: metrics = [{ name = "eval/r2", goal = "max" }, '
        '{ name = "eval/rmse", goal = "min" }]'
    )
