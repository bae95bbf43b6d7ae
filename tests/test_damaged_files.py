"""Damaged files met by a real collect: each costs only itself, is reported, and never stops the rest."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import struct
from pathlib import Path

import pytest
from conftest import ROOT, curve, write_native_run

from resultsbook.adapters.tfrecord import masked_crc32c
from resultsbook.sources.collect import CollectRequest, collect

FIXTURES = ROOT / "tests" / "fixtures"
MLFLOW_RUN = "mlruns/284362134715411322/272c165950764522a997a7140e0124f4"


def collect_tree(store, root: Path, adapter: str | None = None):
    report = collect(store, [CollectRequest(str(root), adapter=adapter)])
    return report, [p.describe() for p in report.problems]


def last_values(store, key: str) -> dict[str, float]:
    """Return {run name: last value of `key`} of every stored run that logged it."""
    runs = {run.id: run.name for run in store.runs()}
    return {runs[run]: float(values[-1]) for run, (_, values, _) in store.series(key).items()}


def test_a_list_where_a_number_belongs_costs_only_that_value(tmp_path, store):
    folder = write_native_run(tmp_path / "runs" / "a", {"seed": 0}, curve([0.5, 0.6, 0.7]))
    with open(folder / "metrics.jsonl", "a") as handle:
        handle.write(json.dumps({"step": 4, "acc": [0.1, 0.2], "loss": 0.3}) + "\n")
    write_native_run(tmp_path / "runs" / "b", {"seed": 1}, curve([0.4]))
    report, problems = collect_tree(store, tmp_path / "runs")
    assert report.new == 2
    assert last_values(store, "acc") == {"a": 0.7, "b": 0.4}
    assert last_values(store, "loss") == {"a": 0.3}
    assert problems == [f"{folder}/metrics.jsonl: 1 value(s) of 'acc' are not numbers — kept: the numbers"]


CUT_LOGS = {
    "csv": ("logs/run.csv", "step,loss\n1,0.5\n2,0.789\n"),
    "keras_csv": ("runs/a/training.log", "epoch,loss\n0,0.5\n1,0.789\n"),
    "lightning_csv": ("logs/mlp/version_0/metrics.csv", "epoch,step,loss\n0,1,0.5\n0,2,0.789\n"),
    "poutyne": ("exp/log.tsv", "epoch\ttime\tloss\n1\t0.1\t0.5\n2\t0.1\t0.789\n"),
    "dvclive": ("proj/dvclive/plots/metrics/loss.tsv", "step\tloss\n1\t0.5\n2\t0.789\n"),
}


@pytest.mark.parametrize("adapter", sorted(CUT_LOGS))
def test_a_last_number_cut_short_is_dropped_and_reported_not_stored_wrong(tmp_path, store, adapter):
    relative, text = CUT_LOGS[adapter]
    path = tmp_path / "tree" / relative
    path.parent.mkdir(parents=True)
    path.write_text(text[:-3])  # "0.789\n" cut to "0.7"
    if adapter == "poutyne":
        (path.parent / "last.epoch").write_text("2\n")
    report, problems = collect_tree(store, tmp_path / "tree", adapter if adapter == "csv" else None)
    assert report.new == 1
    assert list(last_values(store, "loss").values()) == [0.5]
    assert problems == [
        f"{path}: last line (3) is cut off (a run still writing?); if the file is complete, end its last line with a newline — kept: the 2 complete line(s) before it"
    ]


def test_steps_beyond_2_to_the_63_are_dropped_not_stored_as_negative(tmp_path, store):
    write_native_run(tmp_path / "runs" / "a", None, [{"step": 1, "loss": 0.5}, {"step": 2**63, "loss": 0.4}])
    log = tmp_path / "runs" / "b.csv"
    log.write_text(f"step,loss\n1,0.5\n{2**64},0.4\n")
    report, _ = collect_tree(store, tmp_path / "runs")
    report_csv = collect(store, [CollectRequest(str(log), adapter="csv")])
    steps = {run: steps.tolist() for run, (steps, _, _) in store.series("loss").items()}
    assert list(steps.values()) == [[1], [1]]
    assert [p.message for p in (*report.problems, *report_csv.problems)] == [
        "metric 'loss' has 1 point(s) at steps that are not numbers between -2^53 and 2^53 (the first: 9223372036854775808)",
        "metric 'loss' has 1 point(s) at steps that are not numbers between -2^53 and 2^53 (the first: 18446744073709551616)",
    ]


def test_a_huge_step_in_an_event_file_is_dropped_and_reported(tmp_path, store):
    def field(number: int, wire: int, payload: bytes) -> bytes:
        return bytes([number << 3 | wire]) + (bytes([len(payload)]) + payload if wire == 2 else payload)

    def event(step_varint: bytes) -> bytes:
        value = field(1, 2, b"loss") + field(2, 5, struct.pack("<f", 0.5))
        data = (
            field(1, 1, struct.pack("<d", 1.7e9))
            + bytes([0x10])
            + step_varint
            + field(5, 2, field(1, 2, value))
        )
        length = struct.pack("<Q", len(data))
        return (
            length + struct.pack("<I", masked_crc32c(length)) + data + struct.pack("<I", masked_crc32c(data))
        )

    folder = tmp_path / "run"
    folder.mkdir()
    huge = bytes([0x80] * 9 + [0x01])  # the varint of 2**63, read as int64: -2**63
    (folder / "events.out.tfevents.1.host").write_bytes(event(b"\x07") + event(huge))
    _, problems = collect_tree(store, tmp_path)
    ((steps, _, _),) = store.series("loss").values()
    assert steps.tolist() == [7]
    assert (
        "steps that are not numbers between -2^53 and 2^53 (the first: -9223372036854775808)" in problems[0]
    )


@pytest.mark.parametrize("name", ["metrics.jsonl", "config.json", "run.json"])
def test_a_fifo_in_place_of_a_run_file_is_skipped_with_a_problem(tmp_path, store, name):
    folder = write_native_run(tmp_path / "runs" / "a", {"seed": 0}, curve([0.5]), {"status": "finished"})
    os.unlink(folder / name)
    os.mkfifo(folder / name)
    write_native_run(tmp_path / "runs" / "b", {"seed": 1}, curve([0.4]))
    report, problems = collect_tree(store, tmp_path / "runs")  # reading the FIFO would wait forever
    assert report.new == 2
    assert f"{folder / name}: is a FIFO (named pipe), not a regular file; it was not read" in problems[0]


def test_a_fifo_named_like_an_mlflow_database_is_not_opened(tmp_path, store):
    os.mkfifo(tmp_path / "mlflow.db")
    _, problems = collect_tree(store, tmp_path)
    assert problems == [
        f"{tmp_path}/mlflow.db: is a FIFO (named pipe), not a regular file; it was not read — kept: nothing"
    ]


def test_a_link_to_dev_zero_as_a_log_is_not_read_forever(tmp_path, store):
    folder = write_native_run(tmp_path / "runs" / "a", {"seed": 0}, curve([0.5]))
    os.unlink(folder / "metrics.jsonl")
    (folder / "metrics.jsonl").symlink_to("/dev/zero")
    report, problems = collect_tree(store, tmp_path / "runs")
    assert report.new == 1 and "is a character device, not a regular file" in problems[0]


def test_billion_laughs_in_a_hydra_config_is_refused_quickly(tmp_path, store):
    job = tmp_path / "outputs" / "job"
    shutil.copytree(FIXTURES / "hydra" / "logs" / "multirun" / "sweep" / "0", job)
    laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    laughs += [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    (job / ".hydra" / "config.yaml").write_text("\n".join([*laughs, "top: [*i, *i, *i]", ""]))
    report, problems = collect_tree(store, tmp_path / "outputs")  # building it: 1.8 billion values
    assert report.new == 1
    assert problems[0] == (
        f"{job}/.hydra/config.yaml: is refused: its aliases expand it to 1,797,873,216 values from 30 "
        'written (a "billion laughs"; at most 1,000,000 more are allowed) — kept: no params'
    )


def test_a_link_loop_inside_an_mlflow_run_folder_is_reported_and_not_followed(tmp_path, store):
    shutil.copytree(FIXTURES / "mlflow" / "filestore" / "mlruns", tmp_path / "mlruns")
    (tmp_path / MLFLOW_RUN / "metrics" / "loop").symlink_to(".")
    report, problems = collect_tree(store, tmp_path)
    assert report.new > 1
    assert [p for p in problems if "(a loop)" in p] == [
        f"{tmp_path / MLFLOW_RUN}/metrics/loop: is a link to a folder that contains it (a loop) "
        "— kept: the files outside the loop"
    ]
    assert not [key for key in store.metric_keys() if key.startswith("loop/")]


def test_a_run_folder_name_that_is_not_utf8_is_kept_and_reported(tmp_path, store):
    write_native_run(tmp_path / "runs" / "a", {"seed": 0}, curve([0.5]))
    os.rename(tmp_path / "runs" / "a", os.fsencode(tmp_path / "runs") + b"/caf\xe9")
    report, problems = collect_tree(store, tmp_path / "runs")
    assert report.new == 1
    (run,) = store.runs()
    assert run.name == "caf\\xe9" and run.source.endswith("runs/caf\\xe9")
    assert problems == [
        f"{tmp_path}/runs/caf\\xe9: holds text that is not valid UTF-8 (its path, a run name) "
        "— kept: the text, each undecodable byte written as \\xNN"
    ]
    assert collect(store, [CollectRequest(str(tmp_path / "runs"))]).unchanged == 1


def test_a_param_beyond_64_bits_is_kept_as_text_and_reported(tmp_path, store):
    write_native_run(tmp_path / "runs" / "a", {"seed": 2**70, "lr": 0.1}, curve([0.5]))
    _, problems = collect_tree(store, tmp_path / "runs")
    (run,) = store.runs()
    assert run.params == {"seed": str(2**70), "lr": 0.1}
    assert problems == [
        f"{tmp_path}/runs/a: param 'seed' is an integer beyond 64 bits — kept: its digits as text"
    ]


def test_a_lone_surrogate_in_a_metric_name_is_escaped_and_reported(tmp_path, store):
    folder = write_native_run(tmp_path / "runs" / "a", None, [])
    (folder / "metrics.jsonl").write_text('{"step": 1, "lo\\ud800ss": 0.5}\n')
    _, problems = collect_tree(store, tmp_path / "runs")
    assert store.metric_keys() == ["lo\\ud800ss"]
    assert "holds text that is not valid UTF-8 (metric names)" in problems[0]


def test_text_in_an_mlflow_database_metric_costs_only_that_point(tmp_path, store):
    shutil.copy(FIXTURES / "mlflow" / "sqlite" / "mlflow.db", tmp_path / "mlflow.db")
    before = collect(store, [CollectRequest(str(tmp_path))]).new
    with sqlite3.connect(tmp_path / "mlflow.db") as conn:
        conn.execute("UPDATE metrics SET value = 'abc' WHERE rowid = (SELECT min(rowid) FROM metrics)")
    conn.close()
    report = collect(store, [CollectRequest(str(tmp_path))])
    assert report.updated + report.unchanged == before
    assert [p.message for p in report.problems if "not a number" in p.message] == [
        "1 metric point(s) hold a step or value that is not a number"
    ]


def _interpolation_bomb(levels: int = 30) -> str:
    """Config lines whose `${...}` references double at each level: 2^30 characters once resolved."""
    lines = ["k0: ab"] + [f"k{i}: ${{k{i - 1}}}${{k{i - 1}}}" for i in range(1, levels)]
    return "\n".join(["seed: 1", *lines]) + "\n"


def test_interpolations_that_expand_without_bound_are_left_as_written(tmp_path, store):
    job = tmp_path / "outputs" / "job"
    shutil.copytree(FIXTURES / "hydra" / "logs" / "multirun" / "sweep" / "0", job)
    (job / ".hydra" / "config.yaml").write_text(_interpolation_bomb())
    report, problems = collect_tree(store, tmp_path / "outputs")
    assert report.new == 1
    assert (
        f"{job}/.hydra/config.yaml: its ${{...}} references expand it past 1,048,576 values or characters"
        in [line.split(" — ")[0] for line in problems]
    )
    (run,) = store.runs()
    assert run.params["seed"] == 1 and run.params["k29"] == "${k28}${k28}"


def test_a_result_file_whose_interpolations_expand_without_bound_keeps_its_numbers(tmp_path, store):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "report.yaml").write_text(
        _interpolation_bomb() + "metrics:\n  test:\n    score: 0.75\n"
    )
    request = CollectRequest(str(tmp_path), adapter="onefile", pattern="{name}/report.yaml")
    report = collect(store, [request])
    assert report.new == 1
    assert any("references expand it past" in p.message for p in report.problems)
    (run,) = store.runs()
    assert store.metric_summaries("metrics.test.score")[run.id]["summary"] == 0.75


def test_binary_bytes_as_a_csv_log_are_one_problem_and_a_carriage_return_costs_only_its_line(tmp_path, store):
    broken = tmp_path / "runs" / "lightning_logs" / "version_0"
    broken.mkdir(parents=True)
    (broken / "hparams.yaml").write_text("lr: 0.1\n")
    (broken / "metrics.csv").write_bytes(b'\x00\x93"\x1b\x07\xff\rPK\x03\x04,"\x01\n\x02\xfe,\x05\n' * 50)
    returns = tmp_path / "runs" / "lightning_logs" / "version_1"
    returns.mkdir(parents=True)
    (returns / "hparams.yaml").write_text("lr: 0.2\n")
    (returns / "metrics.csv").write_bytes(b'step,loss\n1,"0.5"\n2,0.4\r3\n3,"0.3"\n4,0.2\n')
    report, problems = collect_tree(store, tmp_path / "runs")
    assert report.new == 2
    assert [p.removeprefix(f"{tmp_path}/") for p in problems] == [
        "runs/lightning_logs/version_0/metrics.csv: is not text: its first line holds control bytes (a binary "
        "file, or one damaged from its start) — kept: nothing from this file",
        "runs/lightning_logs/version_1/metrics.csv: line 3 is not a row of delimited text (a carriage return "
        "inside it, or binary bytes) — kept: the other rows",
    ]
    steps, values, _ = next(iter(store.series("loss").values()))
    assert list(steps) == [1, 3, 4] and list(values) == [0.5, 0.3, 0.2]


def test_a_newline_or_tab_in_a_folder_name_is_shown_escaped_in_problem_lines(tmp_path, cli):
    """A newline split the problem line in two, in collect's list and in `problems`; a tab passed as is."""
    write_native_run(tmp_path / "nl" / "ok", {"seed": 0}, curve([0.5]))
    for name in ("x\ny", "t\tb"):
        (tmp_path / "nl" / name).mkdir(parents=True)
        os.mkfifo(tmp_path / "nl" / name / "metrics.jsonl")
        collected = cli("collect", "nl/ok", f"nl/{name}", "--db", "nl.db")
        said = f"{name!r}"[1:-1]  # as Python writes it: \n, \t
        assert collected.output.startswith(f"Collected nl/ok, nl/{said}: ")
        assert (
            f"\n  nl/{said}/metrics.jsonl: is a FIFO (named pipe), not a regular file; it was not read"
            in (collected.output)
        )
    listed = cli("problems", "--db", "nl.db").output.splitlines()
    assert [line.partition(":")[0] for line in listed] == ["nl/x\\ny/metrics.jsonl", "nl/t\\tb/metrics.jsonl"]
