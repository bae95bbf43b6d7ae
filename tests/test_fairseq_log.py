"""fairseq-train's text log, as `fairseq-train … > train.log` (or `--log-file`) writes it: the
configuration line (`| INFO | fairseq_cli.train | Namespace(…)` of fairseq ≤ 0.10, the Hydra config
`{'_name': None, 'common': {…}, …}` of fairseq ≥ 0.10.2), `train_inner` lines every log interval, a
`train` line at each epoch's end, a line per validation tagged with its subset, in the `simple` format
or the `json` one (numbers as strings, keys of train and valid lines prefixed with the tag), `loaded
checkpoint … (epoch E @ U updates)` when a training resumes, `done training in …` when one ends.

fairseq is not installed here or in CI. The simple-format shapes are those of
targetsm/learning-dynamics-clm @ c0684b1f (models/tl/*/*/train_staged_tm.log, fairseq 0.10: three
`fairseq-train` runs appended into one log, each resuming from checkpoints/checkpoint_last.pt); the json
shapes those of facebookresearch/fairseq's examples/fully_sharded_data_parallel/README.md (its example
output); the Hydra config line that of fairseq_cli/train.py (`logger.info(cfg)`, fairseq 0.12)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from resultsbook.adapters.fairseq import FairseqAdapter
from resultsbook.models import Source

REAL = "fairseq-learning-dynamics/models"  # targetsm/learning-dynamics-clm's 14 logs
T = "2024-05-30 16:59:{:02d}"


def namespace(seed: int = 1, arch: str = "transformer_iwslt_de_en", max_update: int = 1000, **more) -> str:
    """fairseq 0.10's configuration line, argparse's Namespace as Python prints it (abridged)."""
    fields = {
        "activation_fn": "'relu'", "adam_betas": "'(0.9, 0.98)'", "arch": repr(arch),
        "best_checkpoint_metric": "'loss'", "data": "'data-bin/iwslt14.sep.tokenized.de-en'",
        "distributed_init_method": "None", "dropout": "0.3", "lr": "[0.0005]", "max_update": str(max_update),
        "maximize_best_checkpoint_metric": "False", "restore_file": "'checkpoint_last.pt'",
        "seed": str(seed), "update_freq": "[1]",
    }  # fmt: skip
    fields.update({key: str(value) for key, value in more.items()})
    inner = ", ".join(f"{key}={value}" for key, value in sorted(fields.items()))
    return f"{T.format(0)} | INFO | fairseq_cli.train | Namespace({inner})"


def inner(update: int, loss: float, epoch: int = 1) -> str:
    return (
        f"{T.format(1)} | INFO | train_inner | epoch {epoch:03d}:    {update} / 1132 loss={loss}, "
        f"nll_loss={loss - 0.2:.3f}, ppl=4863.09, wps=18748.7, ups=5.27, wpb=3559.9, bsz=121.1, "
        f"num_updates={update}, lr=1.25e-05, gnorm=3.912, train_wall=19, wall=20"
    )


def valid(update: int, loss: float, best: float, epoch: int = 1) -> str:
    return (
        f"{T.format(2)} | INFO | valid | epoch {epoch:03d} | valid on 'valid' subset | loss {loss} | "
        f"nll_loss {loss - 0.3:.3f} | ppl 1675.97 | wps 55605 | wpb 2685.2 | bsz 107.1 | "
        f"num_updates {update} | best_loss {best}"
    )


def train(update: int, loss: float, epoch: int = 1) -> str:
    return (
        f"{T.format(3)} | INFO | train | epoch {epoch:03d} | loss {loss} | nll_loss 8.715 | ppl 420.16 | "
        f"wps 12519 | ups 3.52 | wpb 3553.7 | bsz 142.5 | num_updates {update} | lr 0.000125 | "
        f"gnorm 2.007 | train_wall 194 | wall 284"
    )


def loaded(epoch: int, update: int) -> str:
    return (
        f"{T.format(4)} | INFO | fairseq.trainer | loaded checkpoint checkpoints/checkpoint_last.pt "
        f"(epoch {epoch} @ {update} updates)"
    )


FRESH = (
    f"{T.format(4)} | INFO | fairseq.trainer | no existing checkpoint found checkpoints/checkpoint_last.pt"
)
DONE = f"{T.format(5)} | INFO | fairseq_cli.train | done training in 284.1 seconds"
MODEL = [  # the model's printout and other loggers' lines, which carry no metric
    f"{T.format(0)} | INFO | fairseq.tasks.translation | [de] dictionary: 9952 types",
    f"{T.format(0)} | INFO | fairseq_cli.train | TransformerModel(",
    "  (encoder): TransformerEncoder(",
    "    (dropout_module): FairseqDropout()",
    f"{T.format(0)} | INFO | fairseq_cli.train | task: TranslationTask",
]


def write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def read(path: Path):
    return FairseqAdapter().read(Source("fairseq", str(path), (str(path),)))


def points(run, key):
    series = run.metrics[key]
    return series.steps.tolist(), series.values.tolist()


def one_training(
    loss_at: dict[int, float], arch: str = "transformer_iwslt_de_en", seed: int = 1
) -> list[str]:
    """A training of 300 updates, validated every 100, whose valid loss at each update is `loss_at`'s."""
    lines = [namespace(seed=seed, arch=arch, max_update=300), *MODEL, FRESH]
    best = None
    for update in (100, 200, 300):
        lines.append(inner(update, 10.0 - update / 100))
        loss = loss_at[update]
        lines.append(valid(update, loss, best if best is not None else loss))
        best = loss if best is None else min(best, loss)
    return [*lines, train(300, 8.5), DONE]


def test_train_inner_train_and_valid_lines_are_three_curves_stepped_by_num_updates(tmp_path):
    log = write(
        tmp_path / "checkpoints" / "transformer" / "train.log", one_training({100: 5.5, 200: 4.25, 300: 4.5})
    )
    result = read(log)
    assert result.problems == ()
    (run,) = result.runs
    assert run.name == "transformer/train" and run.status == "finished"
    assert points(run, "train_inner_loss") == ([100, 200, 300], [9.0, 8.0, 7.0])
    assert points(run, "valid_loss") == ([100, 200, 300], [5.5, 4.25, 4.5])
    assert points(run, "valid_best_loss") == ([100, 200, 300], [5.5, 5.5, 4.25])
    assert points(run, "train_loss") == ([300], [8.5])
    assert points(run, "train_inner_lr")[1] == [1.25e-05] * 3
    # the counters are the step, not metrics; every other number of the lines is one
    assert not {"train_num_updates", "valid_num_updates", "train_inner_num_updates", "train_epoch"} & set(
        run.metrics
    )
    assert {"train_wall", "train_train_wall", "valid_wps", "train_inner_gnorm"} <= set(run.metrics)


def test_seed_arch_and_lr_of_the_printed_namespace_are_params(tmp_path):
    log = write(tmp_path / "train.log", one_training({100: 5.5, 200: 4.25, 300: 4.5}, seed=7))
    (run,) = read(log).runs
    assert run.params["seed"] == 7 and run.params["arch"] == "transformer_iwslt_de_en"
    # fairseq keeps lr and update_freq as per-epoch lists: one value is that value
    assert run.params["lr"] == 0.0005 and run.params["update_freq"] == 1
    assert run.params["adam_betas"] == "(0.9, 0.98)" and run.params["distributed_init_method"] is None
    assert run.params["maximize_best_checkpoint_metric"] is False


def test_a_table_of_the_best_valid_loss_by_arch_is_the_lowest_the_logs_hold(tmp_path, cli):
    for arch, seed, losses in [
        ("transformer_iwslt_de_en", 1, {100: 5.5, 200: 4.25, 300: 4.5}),
        ("transformer_iwslt_de_en", 2, {100: 5.0, 200: 4.75, 300: 4.0}),
        ("transformer_wmt_en_de", 1, {100: 6.0, 200: 5.0, 300: 5.25}),
    ]:
        write(tmp_path / "checkpoints" / f"{arch}_s{seed}" / "train.log", one_training(losses, arch, seed))
    hint = cli("collect", "checkpoints")
    assert hint.exit_code == 1
    assert "is a fairseq-train log: read them with --adapter fairseq" in hint.output
    assert cli("collect", "checkpoints", "--adapter", "fairseq").output.startswith(
        "Collected checkpoints: 3 new, 0 updated, 0 unchanged, 0 problems"
    )
    table = cli("table", "--rows", "arch", "--metric", "valid_loss", "--reduce", "min", "--format", "json")
    cells = {cell["row"]["arch"]: cell["stats"] for cell in json.loads(table.output)["cells"]}
    assert cells["transformer_iwslt_de_en"]["n"] == 2
    assert cells["transformer_iwslt_de_en"]["mean"] == pytest.approx((4.25 + 4.0) / 2)
    assert cells["transformer_wmt_en_de"]["mean"] == pytest.approx(5.0)
    last = cli("table", "--rows", "arch", "--metric", "valid_loss", "--format", "json")
    finals = {cell["row"]["arch"]: cell["stats"]["mean"] for cell in json.loads(last.output)["cells"]}
    assert finals == {
        "transformer_iwslt_de_en": pytest.approx(4.25),
        "transformer_wmt_en_de": pytest.approx(5.25),
    }


def test_a_log_given_alone_is_named_a_fairseq_train_log(tmp_path, cli):
    write(tmp_path / "wmt_big" / "train.log", one_training({100: 5.5, 200: 4.25, 300: 4.5}))
    alone = cli("collect", "wmt_big/train.log")
    assert alone.exit_code == 2
    assert (
        "it is a fairseq-train log: read it with --adapter fairseq, a run per training in it" in alone.output
    )
    assert "1 new" in cli("collect", "wmt_big/train.log", "--adapter", "fairseq").output


def test_trainings_appended_into_one_log_that_resume_each_other_are_one_run(tmp_path):
    # the real logs' stages: max_update 1000, then 10000 from checkpoint_last.pt, at the update it saved
    first = [namespace(max_update=200), FRESH, inner(100, 9.0), valid(100, 6.0, 6.0), inner(200, 8.0)]
    first += [valid(200, 5.0, 6.0), train(200, 8.4), DONE]
    second = [namespace(max_update=400), loaded(1, 200), inner(300, 7.0), valid(300, 4.5, 6.0)]
    second += [
        train(350, 7.5),
        inner(400, 6.5, epoch=2),
        valid(400, 4.0, 6.0, epoch=2),
        train(400, 6.5, 2),
        DONE,
    ]
    result = read(write(tmp_path / "train_staged.log", first + second))
    (run,) = result.runs
    assert points(run, "valid_loss") == ([100, 200, 300, 400], [6.0, 5.0, 4.5, 4.0])
    assert points(run, "train_loss") == ([200, 350, 400], [8.4, 7.5, 6.5])
    assert run.params["max_update"] == 400 and run.status == "finished"
    (problem,) = result.problems
    assert (
        problem.message
        == "holds 2 trainings, each resuming the one before from its checkpoint (at 200 updates)"
    )
    assert (
        problem.kept
        == "one run stepped by num_updates, with the params of the last (they differ in max_update)"
    )


def test_trainings_that_start_afresh_in_one_log_are_runs_of_their_own(tmp_path):
    # the real lm_trunc logs: each stage found no checkpoint and trained from update 1 again
    lines = [namespace(max_update=200), FRESH, inner(100, 9.0), inner(200, 8.0), train(200, 8.4), DONE]
    lines += [namespace(max_update=300), FRESH, inner(100, 9.5), inner(200, 8.5), inner(300, 7.5)]
    result = read(write(tmp_path / "lm" / "train.log", lines))
    first, second = result.runs
    assert (first.name, second.name) == ("lm/train#1", "lm/train#2")
    assert points(first, "train_inner_loss") == ([100, 200], [9.0, 8.0])
    assert points(second, "train_inner_loss") == ([100, 200, 300], [9.5, 8.5, 7.5])
    assert (first.status, second.status) == ("finished", "unknown")  # the second did not end
    (problem,) = result.problems
    assert "holds 2 trainings (a configuration line starts each) that do not resume" in problem.message


def test_a_training_resumed_from_another_logs_checkpoint_says_its_curves_begin_there(tmp_path):
    # the real tain_staged_tm_longer.log: --max-update 200000 from the staged run's checkpoint_last.pt
    lines = [namespace(max_update=400), loaded(2, 200), inner(300, 7.0), valid(300, 4.5, 4.5), DONE]
    result = read(write(tmp_path / "tm" / "longer.log", lines))
    (run,) = result.runs
    assert points(run, "valid_loss") == ([300], [4.5])
    (problem,) = result.problems
    assert problem.message.startswith(
        "starts from checkpoints/checkpoint_last.pt, saved at 200 updates by a training this log does "
        "not hold: the curves of tm/longer begin after it"
    )
    assert problem.kept == "tm/longer from update 200 on"


def test_a_running_best_kept_the_wrong_way_is_named(tmp_path):
    # the real logs ran --maximize-best-checkpoint-metric on the loss: best_loss stays at its first, worst value
    lines = [
        namespace(maximize_best_checkpoint_metric=True),
        FRESH,
        inner(100, 9.0),
        valid(100, 11.059, 11.059),
    ]
    lines += [inner(200, 8.0), valid(200, 8.0, 11.059), DONE]
    result = read(write(tmp_path / "train.log", lines))
    (problem,) = result.problems
    assert problem.message.startswith("its valid_best_loss is the highest valid_loss so far, not the lowest")
    assert problem.kept == "valid_best_loss as logged; min of valid_loss is its best"


def test_the_json_format_gives_the_same_curves(tmp_path):
    stamp = "2021-03-08 12:31:36 | INFO"
    lines = [
        namespace(log_format="'json'"),
        f'{stamp} | train_inner | {{"epoch": 1, "update": 0.0, "loss": "16.475", "ppl": "91120.8", '
        '"wps": "0", "num_updates": "1", "lr": "2e-05", "gnorm": "20.751", "train_wall": "99", "wall": "105"}',
        f'{stamp} | train_inner | {{"epoch": 1, "update": 0.002, "loss": "17.556", "ppl": "192686", '
        '"wps": "311.8", "num_updates": "10", "lr": "0", "gnorm": "5.796", "train_wall": "53", "wall": "673"}',
        f"{stamp} | fairseq_cli.train | Stopping training due to num_updates: 10 >= max_update: 10",
        f'{stamp} | valid | {{"epoch": 1, "valid_loss": "17.953", "valid_ppl": "253807", "valid_wps": "1868.4", '
        '"valid_bleu": "12.5", "valid_num_updates": "10"}',
        f"{stamp} | fairseq_cli.train | end of epoch 1 (average epoch stats below)",
        f'{stamp} | train | {{"epoch": 1, "train_loss": "19.351", "train_ppl": "668509", "train_num_updates": "10", '
        '"train_lr": "0", "train_train_wall": "667", "train_wall": "804"}',
        f"{stamp} | fairseq_cli.train | done training in 798.6 seconds",
    ]
    result = read(write(tmp_path / "fsdp.log", lines))
    assert result.problems == ()
    (run,) = result.runs
    assert points(run, "train_inner_loss") == ([1, 10], [16.475, 17.556])
    assert points(run, "valid_loss") == ([10], [17.953])
    assert points(run, "valid_bleu") == ([10], [12.5])
    assert points(run, "train_loss") == ([10], [19.351])
    assert points(run, "train_wall") == ([10], [804.0]) and points(run, "train_train_wall") == ([10], [667.0])
    assert "train_inner_update" not in run.metrics and run.params["log_format"] == "json"


def test_the_hydra_config_of_fairseq_0_12_gives_dotted_params_and_the_seed(tmp_path):
    config = (
        "{'_name': None, 'common': {'_name': None, 'no_progress_bar': False, 'log_interval': 100, "
        "'log_format': None, 'seed': 3, 'cpu': False, 'fp16': True}, 'optimization': {'_name': None, "
        "'max_epoch': 0, 'max_update': 300, 'lr': [0.25], 'update_freq': [1]}, 'checkpoint': {'_name': None, "
        "'save_dir': 'checkpoints', 'best_checkpoint_metric': 'bleu', 'maximize_best_checkpoint_metric': True}, "
        "'model': Namespace(_name='transformer_iwslt_de_en', arch='transformer_iwslt_de_en', dropout=0.3, "
        "device=device(type='cuda')), 'task': {'_name': 'translation', 'data': 'data-bin/iwslt14'}}"
    )
    lines = [
        f"{T.format(0)} | INFO | fairseq_cli.train | {config}",
        inner(100, 9.0),
        valid(100, 6.0, 6.0),
        DONE,
    ]
    result = read(write(tmp_path / "train.log", lines))
    assert result.problems == ()
    (run,) = result.runs
    assert run.params["seed"] == 3 and "common.seed" not in run.params
    assert run.params["model.arch"] == "transformer_iwslt_de_en" and run.params["optimization.lr"] == 0.25
    assert run.params["model.device"] == "device(type='cuda')"  # no literal: kept as written


def test_another_programs_log_is_one_problem_and_no_run(tmp_path, cli):
    preprocess = write(
        tmp_path / "data-bin" / "preprocess.log",
        [
            f"{T.format(0)} | INFO | fairseq_cli.preprocess | Namespace(destdir='data-bin', seed=1)",
            "Epoch 1: 0.3",
        ],
    )
    result = read(preprocess)
    assert result.runs == ()
    (problem,) = result.problems
    assert problem.message.startswith("holds no progress line of fairseq-train")
    assert problem.kept == "nothing from this file"
    other = write(tmp_path / "keras" / "training.log", ["epoch,acc,loss", "0,0.5,1.2", "1,0.6,1.1"])
    assert read(other).runs == () and len(read(other).problems) == 1


def test_a_log_of_fairseq_before_0_10_is_named_so_not_read_as_another_programs(tmp_path):
    # fairseq 0.9 printed its progress bare (the shape its own log parsers of that time split on " | ")
    lines = [
        "Namespace(arch='transformer', lr=[0.0005], seed=1)",
        "| epoch 002:    100 / 1400 loss=8.413, nll_loss=8.413, ppl=340.8, num_updates=1500",
        "| epoch 002 | loss 8.413 | nll_loss 8.413 | ppl 340.8 | num_updates 2798 | lr 0.17 | wall 2020",
        "| epoch 002 | valid on 'valid' subset | loss 7.599 | nll_loss 7.599 | ppl 193.89 | num_updates 2798",
    ]
    result = read(write(tmp_path / "train.log", lines))
    assert result.runs == ()
    (problem,) = result.problems
    assert problem.message.startswith(
        "holds 3 progress line(s) of fairseq before 0.10 ('| epoch 001 | loss 9.3"
    )


def test_a_configuration_line_that_does_not_parse_or_is_huge_costs_the_params_alone(tmp_path):
    lines = [
        f"{T.format(0)} | INFO | fairseq_cli.train | Namespace(arch='transformer', lr=[0.0005]",
        inner(100, 9.0),
    ]
    lines += [
        f"{T.format(0)} | INFO | fairseq_cli.train | Namespace(seed={'(' * 2_000_000})",
        inner(200, 8.0),
    ]
    result = read(write(tmp_path / "train.log", lines))
    first, second = result.runs
    assert first.params == {} == second.params and points(first, "train_inner_loss") == ([100], [9.0])
    messages = [problem.message for problem in result.problems]
    assert (
        messages[0]
        == "line 1 is a configuration line of fairseq_cli.train that does not parse as Python's repr of it"
    )
    assert messages[1].startswith("line 3 is a configuration line of fairseq_cli.train longer than 1,048,576")


def test_a_progress_line_of_no_fairseq_shape_is_counted_once(tmp_path):
    bad = f"{T.format(2)} | INFO | valid | epoch 001 | valid on 'valid' subset | loss 4.1 | num_updates many"
    lines = [namespace(), inner(100, 9.0), bad, bad.replace("4.1", "4.0"), valid(200, 5.0, 5.0), DONE]
    result = read(write(tmp_path / "train.log", lines))
    (problem,) = result.problems
    assert problem.message.startswith("2 lines are valid lines of no shape fairseq writes")
    assert "(the first: line 3)" in problem.message
    assert points(result.runs[0], "valid_loss") == ([200], [5.0])


def test_a_log_cut_off_while_training_keeps_its_complete_lines(tmp_path):
    log = tmp_path / "train.log"
    log.write_text(
        "\n".join([namespace(), inner(100, 9.0), valid(100, 6.0, 6.0)]) + "\n" + inner(200, 8.0)[:60]
    )
    result = read(log)
    (run,) = result.runs
    assert run.status == "unknown" and points(run, "train_inner_loss") == ([100], [9.0])
    assert [p.message.split(";")[0] for p in result.problems] == [
        "last line (4) is cut off (a run still writing?)"
    ]


def tree(realdata, name):
    if not (realdata / name).is_dir():
        pytest.skip(f"{realdata / name} is absent")
    return realdata / name


def test_the_real_logs_give_a_run_per_training_with_the_valid_loss_the_logs_hold(realdata, cli):
    logs = tree(realdata, REAL)
    hint = cli("collect", str(logs))
    assert hint.exit_code == 1 and "--adapter fairseq" in hint.output
    done = cli("collect", str(logs), "--adapter", "fairseq")
    # 11 staged translation logs and 2 language-model ones are one run each; the iwslt14 lm_trunc log's
    # three stages found no checkpoint and started afresh: three runs
    assert done.output.startswith(f"Collected {logs}: 16 new")
    runs = json.loads(cli("runs", "--format", "json").output)["runs"]
    assert {run["params"]["seed"] for run in runs} == {1}
    assert {run["params"]["arch"] for run in runs} == {
        "transformer_iwslt_de_en", "transformer_wmt_en_de", "transformer_wmt_en_de_big",
    }  # fmt: skip
    # against the log itself: every validation's loss, the lowest and the last
    path = logs / "tl/iwslt14deen/iwslt/tm/train_staged_tm.log"
    losses = []
    for line in path.read_text().splitlines():
        if "| INFO | valid | epoch" in line:
            fields = dict(part.split(" ", 1) for part in line.split(" | ")[4:])
            losses.append((int(fields["num_updates"]), float(fields["loss"])))
    assert len(losses) == 206 and losses[-1] == (100000, 4.006)
    # its cell holds it alone: the lm_trunc runs beside it on that data have no validation
    table = cli(
        "table", "--rows", "arch", "--columns", "data", "--metric", "valid_loss", "--reduce", "min",
        "--where", "data=data-bin/iwslt14.sep.tokenized.de-en", "--where", "arch=transformer_iwslt_de_en",
        "--format", "json",
    )  # fmt: skip
    (cell,) = json.loads(table.output)["cells"]
    assert cell["stats"]["n"] == 1
    assert cell["stats"]["mean"] == pytest.approx(min(loss for _, loss in losses)) == pytest.approx(3.893)
    problems = cli("problems").output
    assert "its valid_best_loss is the highest valid_loss so far, not the lowest" in problems
    assert np.isfinite(cell["stats"]["mean"])
