"""Text logs, what training scripts print: the `text` adapter, its line grammar, the csv adapter's and
the empty collect's pointers to it, and Hydra jobs whose only metrics are in their job log.

The shapes are those the programs print (none of them is installed here or in CI):
- Keras 2.x `model.fit(verbose=1)` (keras-team/keras @ v2.15.0, keras/utils/generic_utils.py
  `Progbar`: `Epoch 3/10` on its own line, then `1875/1875 [====] - 5s 2ms/step - loss: … - accuracy:
  …`, the progress bar's states joined by carriage returns; `model.summary()`'s `Total params:`);
- nanoGPT (karpathy/nanoGPT @ 93a43d9a, train.py: `iter {iter_num}: loss {lossf:.4f}, time
  {dt*1000:.2f}ms, mfu {running_mfu*100:.2f}%` and `step {iter_num}: train loss …, val loss …`);
- torchtune's DiskLogger (pytorch/torchtune @ v0.6.1, torchtune/training/metric_logging.py:
  `Step {step} | ` then `{name}:{data} ` per value, in `log_<unix time>.txt`);
- Hydra's job logging (facebookresearch/hydra @ v1.3.2, hydra/conf/hydra/job_logging/default.yaml:
  `[%(asctime)s][%(name)s][%(levelname)s] - %(message)s`) and argparse's `print(args)`;
- SLURM's `slurmstepd: error: *** JOB 123 ON node12 CANCELLED AT … DUE TO TIME LIMIT ***`, Lightning's
  `Seed set to 42` (lightning/fabric/utilities/seed.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from resultsbook.adapters.textlog import TextLogAdapter
from resultsbook.models import Source
from resultsbook.sources.keyvalues import read_line

FIXTURES = Path(__file__).parent / "fixtures"
KERAS_SUMMARY = 'Model: "sequential"\nTotal params: 770\nTrainable params: 770\nNon-trainable params: 0\n'


def keras_log(epochs: int = 3, of: int = 3) -> str:
    """What `python train.py > train.log` leaves for a Keras model.fit: summary, then epochs."""
    text = KERAS_SUMMARY
    for epoch in range(1, epochs + 1):
        text += f"Epoch {epoch}/{of}\n"
        text += "   1/1875 [..............................] - ETA: 5:00 - loss: 2.3026 - accuracy: 0.0938\r"
        text += (
            f"1875/1875 [==============================] - 5s 2ms/step - loss: 0.{9 - epoch}0 - accuracy: "
            f"0.{6 + epoch}0 - val_loss: 0.{8 - epoch}0 - val_accuracy: 0.{5 + epoch}0\n"
        )
    return text


def read(path) -> tuple:  # type: ignore[no-untyped-def]
    result = TextLogAdapter().read(Source("text", str(path), (str(path),)))
    return result.runs, [f"{problem.message} — {problem.kept}" for problem in result.problems]


def curve(run, key: str) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    series = run.metrics[key]
    return [(float(step), float(value)) for step, value in zip(series.steps, series.values)]


def test_a_keras_log_is_stepped_by_the_epoch_line_before_its_numbers(tmp_path):
    log = tmp_path / "train.log"
    log.write_text(keras_log())
    (run,), problems = read(log)
    assert sorted(run.metrics) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    # the numbers are the epoch's final ones (after the progress bar's last carriage return)
    assert curve(run, "loss") == [(1, 0.8), (2, 0.7), (3, 0.6)]
    assert curve(run, "val_accuracy") == [(1, 0.6), (2, 0.7), (3, 0.8)]
    assert run.status == "finished"  # Epoch 3/3 printed its numbers
    # the summary's numbers are the program's start, named once and left out
    assert len(problems) == 1
    assert problems[0].startswith(
        "prints 'Total params', 'Trainable params', 'params' only before its first counter (line 5): "
        "numbers of the program's start (a model's size, a dataset's, a printed config), not of its "
        "training;"
    )
    assert problems[0].endswith("— the numbers printed with a counter")


def test_a_training_cut_short_is_not_finished(tmp_path):
    log = tmp_path / "train.log"
    log.write_text(keras_log(epochs=2, of=10))
    (run,), _ = read(log)
    assert run.status == "unknown"
    assert curve(run, "loss")[-1] == (2, 0.7)


def test_nanogpt_steps_each_metric_by_the_counter_its_lines_print(tmp_path):
    lines = ["number of parameters: 10.65M", "found vocab_size = 65 (inside data/meta.pkl)"]
    for it in range(0, 21, 10):
        if it % 20 == 0:
            lines.append(f"step {it}: train loss {4 - it / 10:.4f}, val loss {4.5 - it / 10:.4f}")
        lines.append(f"iter {it}: loss {4 - it / 20:.4f}, time 35.12ms, mfu -100.00%")
    log = tmp_path / "out.log"
    log.write_text("\n".join(lines) + "\n")
    (run,), problems = read(log)
    assert curve(run, "loss") == [(0, 4.0), (10, 3.5), (20, 3.0)]  # by iter
    assert curve(run, "val loss") == [(0, 4.5), (20, 2.5)]  # by the step its own line prints
    assert curve(run, "mfu") == [(0, -100.0), (10, -100.0), (20, -100.0)]
    assert "time" not in run.metrics  # 35.12ms is no number: a unit follows it
    assert "vocab_size" not in run.metrics
    assert any("'vocab_size' only before its first counter" in p for p in problems)


def test_a_hydra_logging_file_gives_params_from_print_args_times_and_percentages(tmp_path):
    log = tmp_path / "train.log"
    log.write_text(
        "[2024-01-01 10:00:00,123][__main__][INFO] - Namespace(lr=0.001, model='mlp', seed=3, layers=[64, 64])\n"
        "[2024-01-01 10:01:00,500][__main__][INFO] - Epoch 0: train loss=0.500, val acc=93.5%\n"
        "[2024-01-01 10:02:00,000][__main__][INFO] - Epoch 1: train loss=0.250, val acc=95.0%\n"
    )
    (run,), problems = read(log)
    assert problems == []
    assert run.params == {"layers": "[64, 64]", "lr": 0.001, "model": "mlp", "seed": 3}
    assert curve(run, "val acc") == [(0, 93.5), (1, 95.0)]  # a percentage as printed
    assert list(run.metrics["train loss"].times) == [1704103260.5, 1704103320.0]  # the stamps, as UTC
    assert run.start_time == 1704103200.123


def test_what_ends_a_slurm_job_is_its_status(tmp_path):
    records = "Seed set to 7\n" + "".join(f"step={s} loss={3 - s / 1000:.2f}\n" for s in (0, 1000))
    failed = tmp_path / "slurm-1.out"
    failed.write_text(
        records + 'Traceback (most recent call last):\n  File "train.py", line 10, in <module>\n'
        "torch.OutOfMemoryError: CUDA out of memory.\n"
    )
    killed = tmp_path / "slurm-2.out"
    killed.write_text(
        records
        + "slurmstepd: error: *** JOB 2 ON node12 CANCELLED AT 2024-05-01T10:00:00 DUE TO TIME LIMIT ***\n"
    )
    went_on = tmp_path / "slurm-3.out"
    went_on.write_text(
        records
        + 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError\nstep=2000 loss=0.5\n'
    )
    (run,), _ = read(failed)
    assert run.status == "failed"
    assert run.params == {"seed": 7}
    assert sorted(run.metrics) == ["loss"]  # the traceback's `line 10` is no number of the run
    assert read(killed)[0][0].status == "interrupted"
    assert read(went_on)[0][0].status == "unknown"  # records after the traceback: it lived through it


def test_torchtune_and_json_lines_and_the_step_option(tmp_path):
    tune = tmp_path / "log_1717000000.txt"
    tune.write_text(
        "".join(
            f"Step {s} | loss:{2 - s / 10:.1f} lr:2e-05 tokens_per_second_per_gpu:1234.5 \n" for s in (1, 2)
        )
    )
    (run,), _ = read(tune)
    assert curve(run, "loss") == [(1, 1.9), (2, 1.8)]
    lines = tmp_path / "metrics.log"
    lines.write_text('{"epoch": 1, "step": 10, "loss": 0.5}\n{"epoch": 1, "step": 20, "loss": 0.4}\n')
    (run,), _ = read(lines)
    assert curve(run, "loss") == [(10, 0.5), (20, 0.4)]
    by_epoch = TextLogAdapter(step="epoch").read(Source("text", str(lines), (str(lines),)))
    assert [float(s) for s in by_epoch.runs[0].metrics["loss"].steps] == [1.0]  # the last value of epoch 1
    typo = TextLogAdapter(step="epohc").read(Source("text", str(lines), (str(lines),)))
    assert "prints no counter 'epohc'; did you mean 'epoch'? — the counters it prints" in [
        f"{p.message} — {p.kept}" for p in typo.problems
    ]


def test_a_log_without_counters_is_stepped_by_order_and_says_so(tmp_path):
    log = tmp_path / "run.log"
    log.write_text("loss=0.5 acc=0.8\nloss=0.4 acc=0.9\n")
    (run,), problems = read(log)
    assert curve(run, "acc") == [(0, 0.8), (1, 0.9)]
    assert any("each of those metrics is stepped by the order of its values" in p for p in problems)
    final = tmp_path / "final.log"
    final.write_text("test accuracy: 0.93.\n")
    (run,), problems = read(final)
    assert curve(run, "test accuracy") == [(0, 0.93)]
    assert problems == []


def test_a_file_without_numbers_and_a_fairseq_log_give_no_run_and_say_why(tmp_path):
    prose = tmp_path / "notes.log"
    prose.write_text("Loading data\nThe loss is low.\n")
    runs, problems = read(prose)
    assert runs == ()
    assert problems[0].startswith("prints no number under a key on any line")
    fairseq = tmp_path / "train.log"
    fairseq.write_text(
        "2024-05-30 16:59:12 | INFO | train | epoch 001 | loss 9.34 | ppl 648.2 | num_updates 1000\n"
        "2024-05-30 16:59:13 | INFO | valid | epoch 001 | valid on 'valid' subset | loss 8.0 | num_updates 1000\n"
    )
    runs, problems = read(fairseq)
    assert runs == ()
    assert problems[0].startswith("is fairseq-train's log (line 1): read it with ")
    assert "fairseq" in problems[0].split("read it with ")[1]


@pytest.mark.parametrize(
    ("line", "values"),
    [
        ("ETA: 5:00 - loss: 2.3", {"loss": 2.3}),  # 5:00 is a time, not a number of ETA
        ("Total params: 1,234,567 (4.71 MB)", {}),  # a count with thousands separators
        ("time: 12.3s lr=3e-4", {"lr": 3e-4}),  # 12.3s has a unit
        (
            "epoch: 1, lr: 1.00e+00 - train loss: 3.21 - valid loss: 2.90, valid CER: 12.34",
            {"lr": 1.0, "train loss": 3.21, "valid loss": 2.9, "valid CER": 12.34},
        ),
        ("{'loss': 0.5, 'learning_rate': 4e-05, 'epoch': 0.5}", {"loss": 0.5, "learning_rate": 4e-05}),
        ("2024-05-01 10:01:00.123 | INFO     | __main__:main:12 - step 100 loss: 0.5", {"loss": 0.5}),
        ("The loss is 0.5.", {}),
        # glog's prefix names a source file's line (BVLC/caffe @ bebbe451, train.log; BiaoLiu2017/BERT-NER
        # @ a5f93caa, train.log)
        ("I0728 23:55:39.066838  4259 sgd_solver.cpp:105] Iteration 0, lr = 0.01", {"lr": 0.01}),
        ("2021-09-06 14:21:44.720566: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1115] Created", {}),
        # a count of steps is a setting, not the counter (BiaoLiu2017/BERT-NER @ a5f93caa, train.log)
        ("INFO:absl:  Num steps = 8242", {}),
        ("INFO:absl:  Num examples = 131884", {"Num examples": 131884}),
        # a plain key takes the words a separator leads it with (B777B2056-2/machine_translation_en2zh @
        # 1f6367ef, train.log; 1025378573/T5-Finetune @ 2da528c1, train.log)
        (
            "Epoch 0 |             Train Loss: 11.2338 | Token Acc: 0.0490 | Seq Acc: 0.0000 |",
            {"Train Loss": 11.2338, "Token Acc": 0.049, "Seq Acc": 0.0},
        ),
        ("2025-03-02 05:16:20,962 - INFO - Epoch 1 - Batch loss: 12.1336", {"Batch loss": 12.1336}),
        ("found vocab_size = 65 (inside data/meta.pkl)", {"vocab_size": 65}),  # a compound key is whole
        # a split's name and its batch (Auzdora/Deep-learning-template @ 402c636b, train.log)
        ("2022-02-18 20:18:44,654 - train_file_loggers - INFO: Train 100: loss:0.2852", {"loss": 0.2852}),
        # a duration with its unit after a space (2014Vee/ssd-pytorch @ 1982d59d, train.log)
        ("timer: 13.8028 sec.", {}),
        # lightning-hydra-template's `<val/acc_best=0.51>` (AnudeepReddy-Katta/cifar10 @ bd1a8f7e, train.log)
        ("[src.utils.utils][INFO] - Retrieved metric value! <val/acc_best=0.5144>", {"val/acc_best": 0.5144}),
    ],
)
def test_the_line_grammar(line, values):
    assert read_line(line).values == values


def test_a_key_printed_twice_keeps_the_first_and_says_so(tmp_path):
    log = tmp_path / "eval.log"
    log.write_text("epoch 1 top1 acc: 0.9 top5 acc: 0.98\n")
    (run,), problems = read(log)
    assert curve(run, "acc") == [(1, 0.9)]
    assert problems == ["line 1 prints 'acc' twice with two values — the first value"]


def test_collect_reads_logs_a_pattern_names_and_points_to_the_adapter_when_none_is(tmp_path, cli):
    logs = tmp_path / "logs"
    logs.mkdir()
    for model, shift in (("resnet", 0), ("vit", 1)):
        for seed in range(3):
            (logs / f"train_{model}_seed{seed}.log").write_text(
                keras_log().replace("0.80\n", f"0.8{shift + seed}\n")
            )
    unasked = cli("collect", "logs", "--db", "rb.db")
    assert unasked.exit_code == 1
    assert (  # the line it recognized, as printed (a first line of Keras' summary, here)
        "is a text log printing numbers under keys ('Total params: 770'): read them with --adapter text"
        in unasked.output
    )
    assert not os.path.exists(tmp_path / "rb.db")  # no store made of a collect that found nothing
    assert cli("collect", "logs", "--db", "rb.db", "--pattern", "train_{model}_seed{seed}.log").exit_code == 0
    table = cli(
        "table", "--db", "rb.db", "--rows", "model", "--metric", "val_accuracy", "--digits", "3"
    ).output
    assert "resnet" in table and "0.810 ± 0.010" in table  # 0.80, 0.81, 0.82 at the last epoch
    assert "vit" in table and "0.820 ± 0.010" in table
    assert "n = 3 seeds" in table


def test_the_csv_adapter_sends_a_text_log_to_the_text_adapter(tmp_path, cli):
    folder = tmp_path / "tune"
    folder.mkdir()
    (folder / "log_1717000000.txt").write_text("Step 1 | loss:2.4 lr:2e-05 \nStep 2 | loss:2.3 lr:2e-05 \n")
    unasked = cli("collect", "tune", "--db", "rb.db", "--pattern", "*.txt")
    assert unasked.exit_code == 1
    assert (
        "is a text log printing numbers under keys ('Step 1 | loss:2.4 lr:2e-05'), not a table: read it "
        "with --adapter text" in unasked.output
    )
    assert cli("collect", "tune", "--db", "rb.db", "--pattern", "*.txt", "--adapter", "text").exit_code == 0


@pytest.mark.parametrize(
    ("folder", "name", "args", "said"),
    [
        ("tune", "log_1.txt", ["--pattern", "*.txt"], "), not a table: read it with --adapter text"),
        ("cifar", "training.log", [], "), not a Keras CSVLogger file: read it with --adapter text"),
        ("logs", "train_a_seed0.log", [], "): read them with --adapter text"),
    ],
)
def test_a_long_line_of_a_text_log_is_quoted_cut_alike_by_every_adapter(
    tmp_path, cli, folder, name, args, said
):
    """The csv and keras_csv adapters and the hint of a collect that found nothing each cut the line
    they quote in their own words; they all cut it as every other message quotes a long value."""
    from resultsbook.params import clipped

    line = "Step 1 | loss:2.4 lr:2e-05 grad_norm:1.25 tokens_per_second:12345 mfu:0.41 done:1"
    (tmp_path / folder).mkdir()
    (tmp_path / folder / name).write_text(f"{line}\n{line.replace('Step 1', 'Step 2')}\n")
    unasked = cli("collect", folder, "--db", "rb.db", *args)
    assert unasked.exit_code == 1
    shown = "Step 1 | loss:2.4 lr:2e-05 grad_norm:1.25 tokens_per_second…"
    assert shown == clipped(line, 60)
    assert f"is a text log printing numbers under keys ({shown!r}{said}" in unasked.output


def test_a_hydra_job_that_only_logged_to_its_job_log_has_its_curves(tmp_path, cli):
    job = tmp_path / "multirun" / "0"
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "config.yaml").write_text("model: mlp\nseed: 0\n")
    (job / ".hydra" / "hydra.yaml").write_text("hydra:\n  job:\n    name: train\n")
    (job / ".hydra" / "overrides.yaml").write_text("- seed=0\n")
    (job / "train.log").write_text(
        "".join(
            f"[2024-01-01 10:0{e}:00,000][__main__][INFO] - Epoch {e}: val acc={0.7 + e / 10:.1f}\n"
            for e in range(3)
        )
    )
    collected = cli("collect", "multirun", "--db", "rb.db")
    assert collected.exit_code == 0 and "0 problems" in collected.output
    assert "0.90" in cli("table", "--db", "rb.db", "--rows", "model", "--metric", "val acc").output


def test_a_line_too_long_to_print_numbers_is_passed_by(tmp_path):
    log = tmp_path / "dump.log"
    log.write_text("weights=[" + "0.1, " * 20000 + "]\nepoch 1 loss=0.5\n")
    (run,), problems = read(log)
    assert curve(run, "loss") == [(1, 0.5)]
    assert problems == ["line 1 is longer than 65,536 characters, not read for numbers — the other lines"]


def test_a_log_of_another_format_a_pattern_names_is_said_to_be_one(tmp_path):
    """`.log` files a pattern names reach the text adapter unasked: a Keras CSVLogger file or an Optuna
    journal (tests/fixtures/optuna, written by Optuna) under another name is named, not misread."""
    keras = tmp_path / "training_logs191017(2).log"
    keras.write_text("epoch,acc,loss\n0,0.5,1.0\n")
    assert read(keras) == ((), [
        "is a Keras CSVLogger log (a header starting with 'epoch'), not a text log of numbers: "
        "adapter='keras_csv' reads it under any name, one run per file — nothing from this file"
    ])  # fmt: skip
    journal = tmp_path / "sweep.log"
    journal.write_bytes((FIXTURES / "optuna" / "journal" / "optuna_journal_storage.log").read_bytes())
    runs, problems = read(journal)
    assert runs == ()
    assert problems[-1].startswith("is an Optuna journal (its first line an operation): adapter='optuna'")


# Real committed logs the adapter misread (each test writes a few lines of the shape, never the file).

CAFFE = """\
I0728 23:55:38.788589  4259 caffe.cpp:211] Use CPU.
I0728 23:55:38.790637  4259 solver.cpp:44] Initializing solver from parameters:
base_lr: 0.01
display: 100
max_iter: 10000
I0728 23:55:38.866868  4259 net.cpp:129] Top shape: (1)
I0728 23:55:39.066728  4259 solver.cpp:218] Iteration 0 (-1.02432e-37 iter/s, 0.199s/100 iters), loss = 2.40473
I0728 23:55:39.066808  4259 solver.cpp:237]     Train net output #0: loss = 2.40473 (* 1 = 2.40473 loss)
I0728 23:55:39.066838  4259 sgd_solver.cpp:105] Iteration 0, lr = 0.01
I0728 23:56:00.280272  4259 solver.cpp:218] Iteration 100 (4.71409 iter/s, 21.213s/100 iters), loss = 0.224371
I0728 23:56:00.280354  4259 solver.cpp:237]     Train net output #0: loss = 0.224371 (* 1 = 0.224371 loss)
I0728 23:56:00.280395  4259 sgd_solver.cpp:105] Iteration 100, lr = 0.00992565
"""


def test_a_source_files_line_in_glogs_prefix_is_no_metric_and_a_printed_config_can_be_params(tmp_path):
    """caffe's glog lines (BVLC/caffe @ bebbe4511a7d5447f102fe594304947ffe1e97c2, train.log) start with
    `I0728 23:55:38.788589  4259 solver.cpp:218] `: `solver.cpp` at 218 was a metric, and the solver's
    printed parameters (`base_lr: 0.01`) were left out with no way to keep them as params."""
    log = tmp_path / "train.log"
    log.write_text(CAFFE)
    (run,), problems = read(log)
    assert sorted(run.metrics) == ["loss", "lr"]
    assert curve(run, "loss") == [(0, 2.40473), (100, 0.224371)]
    assert curve(run, "lr") == [(0, 0.01), (100, 0.00992565)]
    assert problems == [
        "prints 'base_lr', 'display', 'max_iter' only before its first counter (line 7): numbers of the "
        "program's start (a model's size, a dataset's, a printed config), not of its training; "
        "options={'params': 'base_lr'} makes one a param, options={'metrics': 'base_lr'} a metric — the "
        "numbers printed with a counter"
    ]
    as_params = TextLogAdapter(params="base_lr,max_iter").read(Source("text", str(log), (str(log),)))
    assert as_params.runs[0].params == {"base_lr": 0.01, "max_iter": 10000}


def test_a_test_line_that_prints_only_the_epoch_does_not_step_the_train_curve(tmp_path):
    """DSFD.pytorch (Challenging6/DSFD.pytorch @ 96faecf85a1ac34b3bf687ba37f9fe30ea37df7b, train.log)
    prints `epoch:0 || iter:10 || Loss:19.45`, its parts' losses on the next lines (`->> pal1 conf
    loss:11.14 || pal1 loc loss:4.95`) and after an epoch `test epoch:0 || Loss:4.36`: `Loss` was
    stepped by the epoch (a value an epoch, the test's), the parts' losses were one `loss` and `test
    epoch` a metric."""
    lines = []
    for epoch, iters in ((0, (0, 10)), (1, (20, 30))):
        for it in iters:
            lines += [
                "Timer: 0.6669",
                f"epoch:{epoch} || iter:{it} || Loss:{20 - it / 10:.4f}",
                f"->> pal1 conf loss:{11 - it / 10:.4f} || pal1 loc loss:{5 - it / 10:.4f}",
                f"->> pal2 conf loss:{4 - it / 10:.4f} || pal2 loc loss:{3 - it / 10:.4f}",
                "->>lr:0.0005",
            ]
        lines += [f"test epoch:{epoch} || Loss:{4.3 - epoch:.4f}", f"Saving best state,epoch {epoch}"]
    log = tmp_path / "train.log"
    log.write_text("\n".join(lines) + "\n")
    (run,), problems = read(log)
    assert sorted(run.metrics) == [
        "Loss", "Timer", "lr", "pal1 conf loss", "pal1 loc loss", "pal2 conf loss", "pal2 loc loss"
    ]  # fmt: skip
    assert curve(run, "Loss") == [(0, 20.0), (10, 19.0), (20, 18.0), (30, 17.0)]
    assert curve(run, "pal2 loc loss") == [(0, 3.0), (10, 2.0), (20, 1.0), (30, 0.0)]
    assert (
        "2 lines print 'Loss' without the 'iter' counter that steps 'Loss' (the first: line 11) — the "
        "other lines" in problems
    )
    by_epoch = TextLogAdapter(step="epoch").read(Source("text", str(log), (str(log),)))
    assert [float(v) for v in by_epoch.runs[0].metrics["Loss"].values] == [4.3, 3.3]  # the tests'


def test_counters_named_iters_and_ep_and_a_duration_with_its_unit_are_no_metrics(tmp_path):
    """pytorch-CycleGAN-and-pix2pix (CHETAN1KUKREJA/pytorch-CycleGAN-and-pix2pix @
    ee3e0fbfcfacaa0e44c23ee5f1ef3304c52d4988, train.log) prints `(epoch: 1, iters: 100, time: 1.294,
    data: 0.907) , D_A: 1.016` and `End of epoch 1 / 200 	 Time Taken: 210 sec`; LLM-pretrain
    (Barber0/LLM-pretrain @ 04a92e1189c2a59f74691992fe72be503e7a9e94, train.log) `ep: 0, batch: 20,
    time: 9.17, ntokens: 485.20/513, loss: 10.984375`: `iters`, `ep` and `Taken` were metrics."""
    gan = tmp_path / "gan.log"
    gan.write_text(
        "[Rank 0] (epoch: 1, iters: 100, time: 1.294, data: 0.907) , D_A: 1.016, G_A: 1.631\n"
        "End of epoch 1 / 200 \t Time Taken: 210 sec\n"
        "[Rank 0] (epoch: 2, iters: 20, time: 1.283, data: 0.043) , D_A: 0.136, G_A: 0.546\n"
        "[Rank 0] (epoch: 2, iters: 120, time: 1.274, data: 0.044) , D_A: 0.187, G_A: 0.364\n"
        "End of epoch 2 / 200 \t Time Taken: 182 sec\n"
    )
    (run,), problems = read(gan)
    assert sorted(run.metrics) == ["D_A", "G_A", "data", "time"]
    assert curve(run, "D_A") == [(1, 1.016), (2, 0.187)]  # iters restarts each epoch: the epoch steps
    assert problems == [
        "prints 'iters' going back (line 3: 20 after 100), a count that restarts each epoch: 'time', "
        "'data', 'D_A', 'G_A' are stepped by 'epoch' — the last value of each epoch"
    ]
    pretrain = tmp_path / "pretrain.log"
    pretrain.write_text(
        "ep: 0, batch: 20, time: 9.17, ntokens: 485.20/513, loss: 10.984375\n"
        "ep: 0, batch: 40, time: 8.38, ntokens: 431.70/513, loss: 10.976562\n"
    )
    (run,), _ = read(pretrain)
    assert sorted(run.metrics) == ["loss", "time"]
    assert curve(run, "loss") == [(20, 10.984375), (40, 10.976562)]


def test_a_traceback_frame_outside_a_traceback_is_no_metric(tmp_path):
    """TorchScript's error quotes a frame after its message (AnudeepReddy-Katta/cifar10 @
    bd1a8f7eb47a5946bc978b28e2c7fc2cfd70e4b7, train.log: `  File "…cifar10_module.py", line 58`), and
    torch's glog-prefixed warnings hold a whole traceback (AkramjitS/gpt-lab-diffusion @
    0dff6e1bc406ca0f8d347dfcfe7e89e3928a724a, train.log): `line` was a metric."""
    log = tmp_path / "train.log"
    log.write_text(
        "W0530 14:48:26.433000 2622492 site-packages/torch/_dynamo/convert_frame.py:1233] Traceback (most "
        "recent call last):\n"
        'W0530 14:48:26.433000 2622492 site-packages/torch/_dynamo/convert_frame.py:1233]   File "/home/x/'
        'convert_frame.py", line 1164, in __call__\n'
        "step:1/20000 train_loss:1.082584e+01 train_time:4453ms step_avg:4453.37ms\n"
        "RuntimeError: \n"
        "Module 'CIFAR10LitModule' has no attribute 'predict_transform' :\n"
        '  File "C:\\Users\\katta\\cifar10\\src\\models\\cifar10_module.py", line 58\n'
        "step:2/20000 train_loss:8.461132e+00 train_time:8906ms step_avg:4453.00ms\n"
    )
    (run,), problems = read(log)
    assert sorted(run.metrics) == ["train_loss"]
    assert curve(run, "train_loss") == [(1, 10.82584), (2, 8.461132)]
    assert problems == []


def test_a_count_of_steps_printed_before_training_does_not_step_what_follows(tmp_path):
    """The BERT NER script (BiaoLiu2017/BERT-NER @ a5f93caa9642b6bb6601ef7fde19b16ec2ad521b, train.log)
    prints tf.estimator's `  Num steps = 8242` before training: every number after it was stepped at
    8242, its final `accuracy:  69.18%` too."""
    assert read_line("INFO:absl:  Num steps = 8242").counters == {}
    # the Hugging Face Trainer's (huggingface/transformers @ 000945a9b726d87a93e61e873b88ff8f3cd411b5,
    # src/transformers/trainer.py: `  Num Epochs = {num_train_epochs:,}`, `  Gradient Accumulation
    # steps = …`, `  Total optimization steps = {max_steps:,}`)
    assert read_line("  Num Epochs = 3").counters == {}
    assert read_line("  Gradient Accumulation steps = 1").counters == {}
    assert read_line("  Total optimization steps = 1000").counters == {}
    log = tmp_path / "train.log"
    log.write_text(
        "INFO:absl:***** Running training *****\nINFO:absl:  Num steps = 8242\n"
        "processed 2330 tokens with 0 phrases; found: 0 phrases; correct: 0.\n"
        "accuracy:  69.18%; precision:   0.00%; recall:   0.00%; FB1:   0.00\n"
    )
    (run,), _ = read(log)
    assert curve(run, "accuracy") == [(0, 69.18)]


def test_a_failed_or_cancelled_run_keeps_the_lines_that_say_why(tmp_path, cli):
    """lightning-hydra-template's job log (AnudeepReddy-Katta/cifar10 @
    bd1a8f7eb47a5946bc978b28e2c7fc2cfd70e4b7, train.log) ends in Hydra's logged traceback: `status`
    said `failed` and `no error recorded` while the log holds the exception."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "train.log").write_text(
        "[2022-10-15 22:56:57,010][__main__][INFO] - Epoch 0: val/acc=0.41\n"
        "[2022-10-15 22:57:10,527][src.utils.utils][ERROR] - \n"
        "Traceback (most recent call last):\n"
        '  File "C:\\envs\\lib\\site-packages\\hydra\\_internal\\instantiate\\_instantiate2.py", line 62, in '
        "_call_target\n"
        "    return _target_(*args, **kwargs)\n"
        "TypeError: __init__() got an unexpected keyword argument 'lin1_size'\n"
    )
    (logs / "slurm-2.out").write_text(
        "step=0 loss=3.00\nslurmstepd: error: *** JOB 2 ON node12 CANCELLED AT 2024-05-01T10:00:00 DUE TO TIME "
        "LIMIT ***\n"
    )
    (failed,), _ = read(logs / "train.log")
    assert failed.status == "failed"
    assert failed.provenance["error"].splitlines()[-1] == (
        "TypeError: __init__() got an unexpected keyword argument 'lin1_size'"
    )
    (cancelled,), _ = read(logs / "slurm-2.out")
    assert cancelled.status == "interrupted"
    assert "DUE TO TIME LIMIT" in cancelled.provenance["error"]
    assert cli("collect", "logs", "--db", "rb.db", "--adapter", "text").exit_code == 0
    status = cli("status", "--db", "rb.db").output
    assert "return _target_(*args, **kwargs) | TypeError: __init__() got an unexpected keyword" in status


def test_a_logging_prefix_before_the_level_name_is_no_number_of_the_run(tmp_path):
    """OLMo's console log (AntonioLopardo/OLMo @ f2d902491c7ff14443a4ebeca98b0e617b452701, training.log)
    starts each record with `<time>\\t<host>:<rank>\\t<logger>:<line>\\tINFO\\t` and prints a step's
    numbers on the indented lines after `[step=1/15000,epoch=0]`: the host (`quick-rain-shines-fin-03`
    at 0) and the logger's line (`olmo.train` at 979) were metrics."""
    prefix = "2025-12-12 11:05:{:02d}.009\tquick-rain-shines-fin-03:0\tolmo.train:979\tINFO\t"
    log = tmp_path / "training.log"
    log.write_text(
        prefix.format(0) + "[step=1/15000,epoch=0]\n    optim/total_grad_norm=0.2370\n"
        "    train/CrossEntropyLoss=2.998\n    throughput/total_tokens=2,097,152\n"
        + prefix.format(4)
        + "[step=2/15000,epoch=0]\n    optim/total_grad_norm=0.2051\n    train/CrossEntropyLoss=2.919\n"
    )
    (run,), problems = read(log)
    assert sorted(run.metrics) == ["optim/total_grad_norm", "train/CrossEntropyLoss"]
    assert curve(run, "train/CrossEntropyLoss") == [(1, 2.998), (2, 2.919)]
    assert problems == []
    assert run.start_time == 1765537500.009


def test_a_tab_separates_a_keys_words_from_a_counter(tmp_path):
    """IQN (0xsamgreen/IQN-and-Extensions @ 606a4335bd83f00b2c55d761554accb02bd3aeb4, training.log)
    prints `\\rEpisode 100\\tFrame 2457\\tAverage100 Score: 24.57`: the key was `Score`."""
    log = tmp_path / "training.log"
    log.write_text(
        "Episode 1\tFrame 20 \tAverage100 Score: 20.00\rEpisode 100\tFrame 2457 \tAverage100 Score: 24.57"
        "\rEpisode 100\tFrame 2457\tAverage100 Score: 24.57\n"
        "Episode 200\tFrame 4637 \tAverage100 Score: 21.80\rEpisode 200\tFrame 4637\tAverage100 Score: 21.80\n"
    )
    (run,), _ = read(log)
    assert curve(run, "Average100 Score") == [(2457, 24.57), (4637, 21.8)]  # by the finest counter


def test_a_text_log_under_keras_csvloggers_name_is_pointed_to_the_text_adapter(tmp_path, cli):
    """`training.log`, Keras' CSVLogger example name, often holds a script's logging
    (5697526/CIFAR-10-Network @ 8721cc8972a351ece226d7512686e11272a4464d, training.log: `… - INFO -
    Epoch 1/35, Train Loss: 1.6279, Test Acc: 59.86%`): the keras_csv adapter claimed it and said
    `4 lines have another number of cells than the 1 columns` and `read it with --adapter csv`."""
    run = tmp_path / "cifar"
    run.mkdir()
    (run / "training.log").write_text(
        "2025-06-04 17:36:55,374 - INFO - Using device: cpu\n"
        "2025-06-04 17:36:55,380 - INFO -   batch_size: 128\n"
        "2025-06-04 17:39:02,341 - INFO - Epoch 1/2, Train Loss: 1.6279, Test Acc: 59.86%\n"
        "2025-06-04 17:41:24,241 - INFO - Epoch 2/2, Train Loss: 1.2434, Test Acc: 69.33%\n"
        "2025-06-04 17:41:24,241 - INFO - Best test accuracy: 69.33%\n"
    )
    unasked = cli("collect", "cifar", "--db", "rb.db")
    assert unasked.exit_code == 1
    assert (
        "training.log: is a text log printing numbers under keys ('2025-06-04 17:36:55,380 - INFO -   "
        "batch_size: 128'), not a Keras CSVLogger file: read it with --adapter text, a run per file — "
        "kept: nothing from this file" in unasked.output
    )
    assert "number of cells" not in unasked.output and "--adapter csv" not in unasked.output
    assert cli("collect", "cifar", "--db", "rb.db", "--adapter", "text").exit_code == 0
    assert (
        "69.33"
        in cli("table", "--db", "rb.db", "--rows", "metric", "--metric", "Test Acc", "--digits", "2").output
    )


def test_a_pattern_naming_csvlogger_logs_is_not_taken_by_the_text_adapter(tmp_path, cli):
    """irfanet-10's CSVLogger logs (AhmedImtiazPrio/irfanet-10 @ dc07fd5bb47d501aaaf5faf453d99873b7643fa5,
    `training_logs191017(2).log`: `epoch,acc,loss,val_acc,val_loss`) named by a pattern were read by the
    text adapter, which said `prints no number under a key`, where collect named --adapter keras_csv."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "training_logs191017(2).log").write_text("epoch,acc,loss,val_acc,val_loss\n0,0.5,1.0,0.6,0.9\n")
    matched = cli("collect", "logs", "--pattern", "training_logs{date}({rep}).log")
    assert matched.exit_code == 1
    assert (
        "is a Keras CSVLogger log (a header starting with 'epoch'), not a text log of numbers: --adapter "
        "keras_csv reads it under any name" in matched.output
    )
    assert "prints no number under a key" not in matched.output


@pytest.mark.parametrize(
    ("line", "values", "counters"),
    [
        # a level name in the message is no logging prefix: what comes before it is kept
        (
            "step 100 loss: 0.5 acc: 0.9 WARNING: grad overflow, scale halved",
            {"loss": 0.5, "acc": 0.9},
            {"step"},
        ),
        ("epoch 3 loss=0.25 (ERROR rate 2%)", {"loss": 0.25}, {"epoch"}),
        ("iter 10 | loss 0.5 | lr 1e-4 | skipped: DEBUG batch", {"loss": 0.5, "lr": 1e-4}, {"iter"}),
        # a decimal comma gives no number, rather than the whole part alone
        ("acc: 0,95", {}, set()),
        ("val acc: 93,5% loss=0.5,acc=0.9", {"loss": 0.5, "acc": 0.9}, set()),
        # the PyTorch transfer-learning tutorial: the split the line's first key names is the others' too
        ("train Loss: 0.50 Acc: 0.80", {"train Loss": 0.5, "train Acc": 0.8}, set()),
        ("val Loss: 0.40 Acc: 0.85", {"val Loss": 0.4, "val Acc": 0.85}, set()),
        # a long run of spaces between numbers is read (in linear time: no regex backtracks over it)
        ("epoch 1" + " " * 60000 + "loss: 0.5", {"loss": 0.5}, {"epoch"}),
    ],
)
def test_what_a_review_found_the_grammar_misread(line, values, counters):
    """Found by reading the adapter's first version: a level name anywhere in a line's first 200
    characters dropped every number before it, `acc: 0,95` read 0, and `train Loss: … Acc: …` and
    `val Loss: … Acc: …` (pytorch/tutorials' beginner_source/transfer_learning_tutorial.py prints
    `{phase} Loss: {epoch_loss:.4f} Acc: {epoch_acc:.4f}`, copied into many repositories) put the train
    and the validation accuracy into one `Acc`."""
    read = read_line(line)
    assert read.values == values
    assert set(read.counters) == counters


def test_a_last_epoch_begun_is_not_a_finished_training(tmp_path):
    """Keras prints `Epoch 2/2` before the epoch runs: a log that ends inside it (killed, or still
    running) was `finished` from the header alone."""
    log = tmp_path / "train.log"
    log.write_text(
        "Epoch 1/2\n100/100 [==============================] - 1s - loss: 0.5 - acc: 0.8\nEpoch 2/2\n"
        " 10/100 [==>...........................] - ETA: 5s - loss: 0.4 - acc: 0.85\n"
    )
    assert read(log)[0][0].status == "unknown"
    log.write_text(keras_log(epochs=2, of=2))  # its last bar full: the epoch ended
    assert read(log)[0][0].status == "finished"


def test_a_metric_some_of_whose_lines_lack_its_counter_keeps_the_others(tmp_path):
    """CycleGAN-like lines where the last one lost its epoch: the whole file was lost to `KeyError:
    'epoch'`."""
    log = tmp_path / "train.log"
    log.write_text(
        "epoch: 1 iters: 100 loss: 0.5\nepoch: 1 iters: 200 loss: 0.4\nepoch: 2 iters: 100 loss: 0.3\n"
        "iters: 200 loss: 0.2\n"
    )
    (run,), problems = read(log)
    assert curve(run, "loss") == [(1, 0.4), (2, 0.3)]
    assert "line 4 prints 'loss' without the 'epoch' counter that steps 'loss' — the other lines" in problems


def test_numbers_before_the_first_counter_a_metrics_glob_names_are_kept(tmp_path):
    log = tmp_path / "train.log"
    log.write_text("model_size: 1200\nepoch 1 loss: 0.5\nepoch 2 loss: 0.4\n")
    result = TextLogAdapter(metrics="*size*,loss").read(Source("text", str(log), (str(log),)))
    assert sorted(result.runs[0].metrics) == ["loss", "model_size"]


def test_a_detectron2_log_keeps_its_training_curves_and_nothing_of_its_evaluations_prints(tmp_path):
    """detectron2's `log.txt` (HaowenGuan/NYU-Semi-Supervise-Object-Detection @ 6d1e2e0e,
    output/log_supervised_lr_0.020.txt): the repr of its augmentations (`max_size=1333`), an
    evaluation's timings in `s/iter`, its AP as a comma list after `copypaste:` and the closing
    `training speed: 16007 iterations in 3:02:16` were metrics of their own."""
    log = tmp_path / "log.txt"
    log.write_text(
        "[11/18 14:20:14] d2.data.dataset_mapper INFO: [DatasetMapper] Augmentations used in training: "
        "[ResizeShortestEdge(short_edge_length=(640, 672, 704, 736, 768, 800), max_size=1333, "
        "sample_style='choice'), RandomFlip()]\n"
        "[11/18 14:20:37] d2.utils.events INFO:  eta: 21:48:59  iter: 19  total_loss: 0.1409  loss_cls: "
        "0.0522  time: 0.6964  data_time: 0.3743  lr: 0.01019  max_mem: 11811M\n"
        "[11/18 14:31:56] d2.evaluation.evaluator INFO: Inference done 11/3334. Dataloading: 0.0011 s/iter. "
        "Inference: 0.0389 s/iter. Eval: 0.0002 s/iter. Total: 0.0402 s/iter. ETA=0:02:13\n"
        "[11/18 14:32:00] d2.utils.events INFO:  eta: 21:06:07  iter: 39  total_loss: 0.1456  loss_cls: "
        "0.05442  time: 0.6873  data_time: 0.0613  lr: 0.01039  max_mem: 11811M\n"
        "[11/18 14:34:46] d2.evaluation.testing INFO: copypaste: Task: bbox\n"
        "[11/18 14:34:46] d2.evaluation.testing INFO: copypaste: AP,AP50,AP75,APs,APm,APl\n"
        "[11/18 14:34:46] d2.evaluation.testing INFO: copypaste: 10.9699,22.7651,9.5113,1.1802,4.2219,13.4036\n"
        "[11/18 18:10:05] d2.engine.hooks INFO: Overall training speed: 16007 iterations in 3:02:16 "
        "(0.6833 s / it)\n"
    )
    (run,), problems = read(log)
    assert sorted(run.metrics) == ["data_time", "loss_cls", "lr", "time", "total_loss"]
    assert curve(run, "total_loss") == [(19, 0.1409), (39, 0.1456)]
    assert problems == []


@pytest.mark.parametrize(
    ("line", "values"),
    [
        # Megatron-LM's training_log (NVIDIA/Megatron-LM @ core_r0.9.0, megatron/training/training.py:
        # `number of skipped iterations: {:3d} |`, `number of nan iterations: {:3d} |`): two counts, not
        # one key `iterations` printed twice
        (
            " iteration        3/    1000 | consumed samples:          192 | elapsed time per iteration (ms):"
            " 38390.3 | learning rate: 2.500E-07 | global batch size:    64 | lm loss: 1.303225E+00 | loss "
            "scale: 1.0 | grad norm: 9.847 | number of skipped iterations:   0 | number of nan iterations:   0 |",
            {
                "consumed samples": 192,
                "learning rate": 2.5e-07,
                "global batch size": 64,
                "lm loss": 1.303225,
                "loss scale": 1.0,
                "grad norm": 9.847,
                "number of skipped iterations": 0,
                "number of nan iterations": 0,
            },
        ),
        # timm's train.py (huggingface/pytorch-image-models @ v0.9.16, train.py: `Train: {} [{:>4d}/{}
        # ({:>3.0f}%)]  Loss: {loss.val:#.3g} ({loss.avg:#.3g})`): `Train: 0` is the epoch, no metric
        (
            "Train: 0 [ 100/1251 (  8%)]  Loss: 6.912 (6.93)  Time: 0.523s, 1957.93/s  (0.601s, 1704.10/s)  "
            "LR: 1.000e-04  Data: 0.011 (0.020)",
            {"Loss": 6.912, "LR": 1e-4, "Data": 0.011},
        ),
        # Lightning's progress bar and seed line (PLBFischer/walk-jump-fork @ b1fc8d75, e: `[rank: 0]
        # Global seed set to 15855310`; lightning/pytorch/loggers/logger.py: the bar's `v_num`)
        (
            "Epoch 3: 100%|██████████| 469/469 [00:05<00:00, 80.1it/s, loss=0.3, v_num=0, val_acc=0.9]",
            {
                "loss": 0.3,
                "val_acc": 0.9,
            },
        ),
        ("[rank: 0] Global seed set to 15855310", {}),
    ],
)
def test_the_line_grammar_of_the_big_frameworks(line, values):
    """What Megatron-LM, timm and Lightning print around their numbers is no metric of the run."""
    assert read_line(line).values == values


def test_lines_of_one_shape_read_their_own_keys_and_numbers_and_few_shapes_are_kept():
    """A line's matches are kept by its shape (its digits as 0): two lines of one shape still give
    their own keys and numbers, and a log of ever new shapes keeps a bounded number of them."""
    from resultsbook.sources import keyvalues

    assert read_line("epoch 1 loss_1: 5 acc@1: 0.91").values == {"loss_1": 5, "acc@1": 0.91}
    assert read_line("epoch 2 loss_2: 7 acc@5: 0.42").values == {"loss_2": 7, "acc@5": 0.42}
    assert read_line("epoch 2 loss_2: 7 acc@5: 0.42").counters == {"epoch": (2, None)}
    for width in range(keyvalues._MOST_LAYOUTS + 10):
        read_line("x" * width + " loss: 1")
    assert len(keyvalues._LAYOUTS) <= keyvalues._MOST_LAYOUTS


def test_a_long_log_is_read_without_an_object_per_line(tmp_path):
    """nanoGPT's lines (karpathy/nanoGPT @ 93a43d9a, train.py): memory follows the points kept, a few
    arrays per key, not the lines (30,000 lines needed over 30 MB as an object per line)."""
    import tracemalloc

    log = tmp_path / "train.log"
    log.write_text(
        "".join(
            f"iter {n}: loss {4 - n / 1e5:.4f}, time 31.20ms, mfu {5 + n % 3:.2f}%\n" for n in range(30000)
        )
    )
    tracemalloc.start()
    try:
        (run,), problems = read(log)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000
    assert curve(run, "loss")[-1] == (29999, 3.7000)
    assert len(run.metrics["mfu"].values) == 30000 and problems == []


@pytest.mark.parametrize(
    "last_epoch",
    [
        # Keras 3 colours its bar and draws it with ━ (keras-team/keras @ v3.6.0, keras/src/utils/progbar.py)
        "\x1b[1m100/100\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m1s\x1b[0m 5ms/step - acc: 0.9000 - loss: 0.3000\n",
        "100/100 - 1s - loss: 0.3000 - acc: 0.9000\n",  # verbose=2: no bar
        "100/100 [==============================] - 1s - loss: 0.3 - acc: 0.9\nTest accuracy: 0.9812\n",
    ],
)
def test_a_keras_training_that_ended_is_finished_however_its_last_epoch_is_printed(tmp_path, last_epoch):
    """A review of the first rule (a full `[====]` bar on the record's own line): Keras 3's bar, verbose=2
    and a test accuracy printed after the last epoch all read `unknown`."""
    log = tmp_path / "train.log"
    log.write_text(
        "Epoch 1/2\n100/100 [==============================] - 1s - loss: 0.5 - acc: 0.8\nEpoch 2/2\n"
        + last_epoch
    )
    assert read(log)[0][0].status == "finished"


@pytest.mark.parametrize(
    ("line", "values"),
    [
        (
            "epoch 1 train loss: 0.52 val_loss: 0.61 val_acc: 0.8",
            {"train loss": 0.52, "val_loss": 0.61, "val_acc": 0.8},
        ),
        ("test acc: 0.5, test_loss: 0.3", {"test acc": 0.5, "test_loss": 0.3}),
        ("best acc: 91.2 acc: 90.1", {"best acc": 91.2, "acc": 90.1}),  # a summary is no split to carry
    ],
)
def test_a_split_is_carried_only_to_keys_that_name_none(line, values):
    assert read_line(line).values == values


def test_many_pairs_after_a_long_stretch_are_read(tmp_path):
    """`' ' * 30000 + 'a=1 ' * 7500` rescanned the stretch before every pair (4 s a line)."""
    line = read_line(" " * 30000 + "".join(f"k{i}={i} " for i in range(7500)))
    assert len(line.values) == 7500 and line.values["k7499"] == 7499


_SCRIPT = (
    "import os\nimport sys\nwith open(sys.argv[0]) as f:\n    code = f.read()\n"
    + "x = torch.ones(4, 4)\n" * 250
)


def _write_speedrun_records(
    root: Path, finals: dict[str, list[float]], steps: int = 250, prefix: str = ""
) -> None:
    """Write modded-nanogpt's records: `records/<record>/<uuid4>.txt`, each the training script printed
    whole, then its log (`step:125/250 val_loss:4.2711 train_time:…ms step_avg:…ms`)."""
    import uuid

    for record, losses in finals.items():
        (root / record).mkdir(parents=True, exist_ok=True)
        for final in losses:
            log = "".join(
                f"step:{step}/{steps} val_loss:{final + (steps - step) / 100:.4f} train_time:{step * 100}ms "
                "step_avg:100.0ms\n"
                for step in (0, steps // 2, steps)
            )
            (root / record / f"{prefix}{uuid.uuid4()}.txt").write_text(_SCRIPT + "=" * 100 + "\n" + log)


def test_a_text_log_that_prints_its_script_first_is_sent_to_the_text_adapter_not_read_as_a_table(
    tmp_path, cli
):
    """KellerJordan/modded-nanogpt@f411b3d records/<record>/<uuid>.txt print the training script before
    the log: `--pattern '{run}/*.txt'` gave each file to the csv adapter, which made a table of one column
    'import os' (the script's first line) and a run of no metric."""
    _write_speedrun_records(tmp_path / "records", {"2025-01-16_Sub3Min": [3.2785, 3.2791]})
    unasked = cli("collect", "records", "--pattern", "{run}/*.txt")
    assert unasked.exit_code == 1, unasked.output
    assert "is a text log printing numbers under keys ('step:0/250 val_loss:" in unasked.output
    assert "not a table: read it with --adapter text" in unasked.output
    assert cli("collect", "records", "--pattern", "{run}/*.txt", "--adapter", "text").exit_code == 0
    table = cli("table", "--rows", "run", "--metric", "val_loss", "--digits", "4").output
    assert "3.2788 ± 0.0004" in table  # the last val_loss of each run, 3.2785 and 3.2791


def test_an_empty_collect_of_text_logs_named_by_uuid_names_the_text_adapter_and_no_uuid_parts(tmp_path, cli):
    """KellerJordan/modded-nanogpt@f411b3d: the empty collect of records/ named `--pattern '{run}/*.txt'`
    without the adapter that reads its logs, and `{run}/{level1}-…-{level5}.txt`, which made the five
    parts of each run's uuid params (every run a configuration of its own)."""
    _write_speedrun_records(
        tmp_path / "records", {"2024-12-04_ValueEmbed": [3.27, 3.28], "2025-07-12_BosAlign": [3.279]}
    )
    unasked = cli("collect", "records")
    assert unasked.exit_code == 1
    assert "--pattern '{run}/*.txt' --adapter text to make the folders params" in unasked.output
    assert "{level1}" not in unasked.output


def test_runs_of_two_close_training_lengths_in_one_cell_are_marked_as_ending_at_different_steps(
    tmp_path, cli
):
    """KellerJordan/modded-nanogpt@f411b3d records/2025-09-05_SkipMLPBlocks holds 10 runs of the record
    (1705 steps) beside 10 `comparison_<uuid>.txt` runs of the baseline (1670 steps): a cell read by
    `--pattern '{run}/*.txt'` averaged them unmarked, their ends too close (within half) to count as
    two budgets. One run ending before the others stays unmarked (a run stopped where it would)."""
    records = tmp_path / "records"
    _write_speedrun_records(records, {"SkipMLPBlocks": [3.2779, 3.2775]}, steps=1705)
    _write_speedrun_records(records, {"SkipMLPBlocks": [3.2772, 3.2766]}, steps=1670, prefix="comparison_")
    _write_speedrun_records(records, {"BosAlign": [3.279, 3.2791]}, steps=1750)
    _write_speedrun_records(records, {"BosAlign": [3.2793]}, steps=1700)
    assert cli("collect", "records", "--pattern", "{run}/*.txt", "--adapter", "text").exit_code == 0
    shown = cli("table", "--rows", "run", "--metric", "val_loss", "--digits", "4").output
    assert next(line for line in shown.splitlines() if line.startswith("SkipMLPBlocks")).endswith("†")
    assert "SkipMLPBlocks: averages runs whose curves end at different steps (1670 to 1705)" in shown
    assert not next(line for line in shown.splitlines() if line.startswith("BosAlign")).endswith("†")


def test_a_log_cut_off_before_its_total_beside_finished_runs_is_marked_in_the_cell(tmp_path, cli):
    """A modded-nanogpt record (KellerJordan/modded-nanogpt@f411b3d records/2025-07-12_BosAlign) with
    one log cut off at step 875 of 1750 (killed, or still writing): its run is of unknown status, read
    to its own end, and the cell averaged its val_loss there with the finished runs' at 1750, unmarked
    (875 is not half of 1750 or less, the mark of two budgets)."""
    records = tmp_path / "records"
    _write_speedrun_records(records, {"BosAlign": [3.279, 3.2791]}, steps=1750)
    _write_speedrun_records(records, {"BosAlign": [3.2793]}, steps=1750, prefix="cut_")
    (cut,) = (records / "BosAlign").glob("cut_*.txt")
    cut.write_text(cut.read_text().rsplit("step:1750/1750", 1)[0])  # the log up to step 875
    assert cli("collect", "records", "--pattern", "{run}/*.txt", "--adapter", "text").exit_code == 0
    shown = cli("table", "--rows", "run", "--metric", "val_loss", "--digits", "4").output
    assert next(line for line in shown.splitlines() if line.startswith("BosAlign")).endswith("‡")
    assert (
        "BosAlign: includes 1 run(s) of unknown status ending before the finished ones (at step 875; they "
        "end at 1750): still running, or cut short" in shown
    )
