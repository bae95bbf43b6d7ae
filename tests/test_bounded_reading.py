"""The low-level readers never block, never read without bound and never keep a cut-off last line."""

from __future__ import annotations

import os
import socket

import numpy as np
import pytest
import yaml

from resultsbook.errors import SpecError
from resultsbook.sources import fileio, limits, lines
from resultsbook.sources.fileio import NotRegularFile, read_file_bytes
from resultsbook.sources.lines import iter_lines
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.tabular import read_delimited
from resultsbook.sources.textio import iter_json_records, load_json_file
from resultsbook.sources.yamlio import load_yaml_text, read_yaml_file


def all_lines(path, problems, **options):
    return [line for batch in iter_lines(str(path), problems, **options) for line in batch.lines]


def messages(problems):
    return [p.message for p in problems]


# ---------------------------------------------------------------- files that are not files
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "metrics.jsonl")
    with pytest.raises(NotRegularFile, match=r"is a FIFO \(named pipe\), not a regular file"):
        read_file_bytes(str(tmp_path / "metrics.jsonl"))  # opening it for reading would wait forever


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_link_to_a_device_is_refused_not_read_forever(tmp_path, device):
    (tmp_path / "log.csv").symlink_to(device)
    problems = []
    assert read_delimited(str(tmp_path / "log.csv"), problems) is None
    assert messages(problems) == ["is a character device, not a regular file; it was not read"]


def test_a_socket_is_refused(tmp_path):
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "s"))
    server.close()
    with pytest.raises(NotRegularFile, match="is a socket"):
        read_file_bytes(str(tmp_path / "s"))


def test_a_file_swapped_for_a_fifo_after_the_check_is_refused_on_the_open_descriptor(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / "f")
    regular = os.stat(__file__)
    monkeypatch.setattr(fileio.os, "stat", lambda path: regular)  # the check saw a regular file
    with pytest.raises(NotRegularFile):
        fileio.open_regular(str(tmp_path / "f"))  # O_NONBLOCK: the open itself does not wait


# ---------------------------------------------------------------- size caps
def test_a_config_over_its_cap_is_refused_before_it_is_read_and_the_fix_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("RESULTSBOOK_MAX_CONFIG_SIZE", "1KiB")
    path = tmp_path / "config.json"
    path.write_text('{"pad": "' + "x" * 2000 + '"}')
    problems = []
    assert load_json_file(str(path), problems) is None
    assert messages(problems) == [
        "is 2.0 KiB, over the 1 KiB limit for configuration and metadata files "
        "(to read it, raise the limit: RESULTSBOOK_MAX_CONFIG_SIZE=1MiB)"
    ]
    monkeypatch.setenv("RESULTSBOOK_MAX_CONFIG_SIZE", "1MiB")
    assert load_json_file(str(path), []) == {"pad": "x" * 2000}


def test_a_sparse_huge_config_costs_no_memory(tmp_path):
    with open(tmp_path / "hparams.yaml", "wb") as handle:
        handle.truncate(8 << 30)
    problems = []
    assert read_yaml_file(str(tmp_path / "hparams.yaml"), problems) is None
    assert "over the 16 MiB limit" in problems[0].message


def test_a_size_that_is_not_a_size_is_named(monkeypatch):
    monkeypatch.setenv("RESULTSBOOK_MAX_RECORD_SIZE", "lots")
    with pytest.raises(SpecError, match="RESULTSBOOK_MAX_RECORD_SIZE='lots' is not a size"):
        limits.check_environment()


@pytest.mark.parametrize(
    ("text", "size"), [("64MiB", 64 << 20), ("1.5G", 3 << 29), ("500k", 512_000), ("99", 99)]
)
def test_sizes_are_read_as_people_write_them(text, size):
    assert limits.parse_size(text) == size


# ---------------------------------------------------------------- lines
def test_a_last_line_without_its_newline_is_dropped_even_when_it_parses(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("step,loss\n1,0.5\n2,0.789\n3,0.7")  # 0.7 may be the start of 0.789
    problems = []
    assert all_lines(path, problems) == ["step,loss", "1,0.5", "2,0.789"]
    assert [(p.message, p.kept) for p in problems] == [
        (
            "last line (4) is cut off (a run still writing?); if the file is complete, end its last line with a newline",
            "the 3 complete line(s) before it",
        )
    ]


def test_a_whole_json_object_without_its_newline_is_kept(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 1, "loss": 0.5}\n{"step": 2, "loss": 0.25}')
    problems = []
    assert [r for batch in iter_json_records(str(path), problems) for r in batch] == [
        {"step": 1, "loss": 0.5},
        {"step": 2, "loss": 0.25},
    ]
    assert problems == []


def test_a_json_line_cut_inside_a_number_is_dropped(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 1, "loss": 0.5}\n{"step": 2, "loss": 0.2')
    problems = []
    assert [r for batch in iter_json_records(str(path), problems) for r in batch] == [
        {"step": 1, "loss": 0.5}
    ]
    assert messages(problems) == [
        "last line (2) is cut off (a run still writing?); if the file is complete, end its last line with a newline"
    ]


def test_a_line_longer_than_the_record_limit_is_skipped_without_holding_it(tmp_path, monkeypatch):
    monkeypatch.setenv("RESULTSBOOK_MAX_RECORD_SIZE", "1KiB")
    monkeypatch.setattr(fileio, "CHUNK", 100)  # the long line spans many chunks
    path = tmp_path / "log.csv"
    path.write_text("step,loss\n1,0.5\n" + "9" * 5000 + "\n2,0.25\n")
    problems = []
    assert [line for line in all_lines(path, problems) if line] == ["step,loss", "1,0.5", "2,0.25"]
    assert messages(problems) == ["line 3 is longer than 1 KiB (RESULTSBOOK_MAX_RECORD_SIZE): skipped"]


def test_the_unwritten_zeros_of_a_sparse_log_are_skipped_not_read(tmp_path, monkeypatch):
    monkeypatch.setenv("RESULTSBOOK_MAX_RECORD_SIZE", "1MiB")
    path = tmp_path / "metrics.jsonl"
    with open(path, "wb") as handle:  # 8 GiB of zeros never written, then one line
        handle.seek(8 << 30)
        handle.write(b'\n{"step": 1, "loss": 0.5}\n')
    read = []
    real_read = os.read
    monkeypatch.setattr(fileio.os, "read", lambda fd, size: read.append(size) or real_read(fd, size))
    problems = []
    assert [r for batch in iter_json_records(str(path), problems) for r in batch] == [
        {"step": 1, "loss": 0.5}
    ]
    assert messages(problems) == ["line 1 is longer than 1 MiB (RESULTSBOOK_MAX_RECORD_SIZE): skipped"]
    assert len(read) < 5  # the first chunk, past the limit, then the data after the zeros


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
def test_lines_read_in_any_chunk_size_are_the_same(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(fileio, "CHUNK", chunk)
    path = tmp_path / "log.tsv"
    path.write_bytes("\ufeffstep\tloss\r\n1\t0.5\r\n\r\n2\t0.25\r\n3\tcaf\xe9\r\n".encode())
    problems = []
    assert all_lines(path, problems) == ["step\tloss", "1\t0.5", "", "2\t0.25", "3\tcafé"]
    assert problems == []


def test_bytes_that_are_not_utf8_are_replaced_and_the_line_named(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(b"step,loss\n1,0.5\n2,0.\xff25\n3,0.1\n")
    problems = []
    assert all_lines(path, problems)[2] == "2,0.\ufffd25"
    assert messages(problems) == ["line 3 has bytes that are not UTF-8 (at column 5)"]


def test_damage_of_one_kind_is_reported_once_with_its_count_and_first_line(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 1}\nnot json\n{"step": 2}\n[1]\nnope\n')
    problems = []
    assert len([r for batch in iter_json_records(str(path), problems) for r in batch]) == 2
    assert messages(problems) == [
        "2 lines are not valid JSON (the first: line 2)",
        "line 4 is not a JSON object",
    ]


# ---------------------------------------------------------------- YAML and JSON documents
BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    + ["top: [*i, *i, *i, *i, *i, *i, *i, *i, *i]", ""]
)


def test_billion_laughs_is_refused_before_anything_is_built():
    with pytest.raises(yaml.YAMLError, match="aliases expand it to 4,412,961,516 values from 30 written"):
        load_yaml_text(BILLION_LAUGHS)  # building it would take 4 billion list items


def test_an_alias_that_contains_itself_is_refused():
    with pytest.raises(yaml.YAMLError, match="an alias refers to a node that contains it"):
        load_yaml_text("loop: &loop [*loop]\n")


def test_aliases_and_merge_keys_of_real_configs_still_work():
    text = "base: &base {lr: 0.1, depth: 2}\nrun:\n  <<: *base\n  depth: 3\nagain: *base\n"
    assert load_yaml_text(text) == {
        "base": {"lr": 0.1, "depth": 2},
        "run": {"lr": 0.1, "depth": 3},
        "again": {"lr": 0.1, "depth": 2},
    }


def test_deep_nesting_is_refused_in_yaml_and_json(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "a:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(150)) + "  " * 151 + "x: 1\n"
    )
    (tmp_path / "c.json").write_text("[" * 5000 + "]" * 5000)
    problems = []
    assert read_yaml_file(str(tmp_path / "c.yaml"), problems) is None
    assert load_json_file(str(tmp_path / "c.json"), problems) is None
    assert messages(problems) == ["is refused: it nests deeper than 100 levels"] * 2


def test_an_integer_of_thousands_of_digits_is_a_problem_not_a_crash(tmp_path):
    (tmp_path / "c.json").write_text('{"seed": 1' + "0" * 5000 + "}")
    (tmp_path / "c.yaml").write_text("seed: 1" + "0" * 5000 + "\n")
    problems = []
    assert load_json_file(str(tmp_path / "c.json"), problems) is None
    assert read_yaml_file(str(tmp_path / "c.yaml"), problems) is None
    assert all("integer string conversion" in m for m in messages(problems))


def test_a_yaml_file_cut_inside_its_last_value_loses_that_line_only(tmp_path):
    path = tmp_path / "hparams.yaml"
    path.write_text("lr: 0.15\nseed: 0\nmomentum: 0.9")  # 0.9 may be the start of 0.95
    problems = []
    assert read_yaml_file(str(path), problems) == {"lr": 0.15, "seed": 0}
    assert [(p.message, p.kept) for p in problems] == [
        (
            "last line (3) is cut off (no newline at its end: written while being read?)",
            "the 2 line(s) before it",
        )
    ]


# ---------------------------------------------------------------- steps
def test_steps_float64_cannot_hold_exactly_are_dropped_and_negative_ones_reported():
    builder = SeriesBuilder()
    builder.add_column("loss", [1, 2**63, float("nan"), -1, 3], np.array([0.5, 0.4, 0.3, 0.2, 0.1]))
    series, problems = builder.build("log.csv")
    assert series["loss"].steps.tolist() == [-1, 1, 3]
    assert series["loss"].steps.dtype == np.int64
    assert [(p.message, p.kept) for p in problems] == [
        (
            "metric 'loss' has 2 point(s) at steps that are not numbers between -2^53 and 2^53 "
            "(the first: 9223372036854775808)",
            "the other points",
        ),
        ("metric 'loss' has 1 point(s) at negative steps (the first: -1)", "them, at those steps"),
    ]


def test_a_value_that_is_not_flat_is_refused_by_the_builder():
    with pytest.raises(ValueError, match="flat arrays of one length"):
        SeriesBuilder().add_column("loss", [1, 2], np.array([[0.1, 0.2], [0.3, 0.4]]))


def test_lines_module_names_the_record_limit_in_its_message():
    assert lines.RECORD.variable == "RESULTSBOOK_MAX_RECORD_SIZE"


# ---------------------------------------------------------------- binary logs, streamed
def test_an_event_file_read_in_small_chunks_gives_the_records_read_whole(monkeypatch):
    from conftest import ROOT

    from resultsbook.adapters import tfrecord

    (path,) = (ROOT / "tests/fixtures/tensorboard/logs/truncated").glob("events.out.tfevents.*")
    data = path.read_bytes()
    whole: list = []
    expected = list(tfrecord.iter_records(str(path), data, whole))
    monkeypatch.setattr(tfrecord, "CHUNK", 7)
    streamed: list = []
    records = [bytes(block[s:e]) for block, starts, ends in tfrecord.read_record_blocks(str(path), streamed)
               for s, e in zip(starts.tolist(), ends.tolist())]  # fmt: skip
    assert records == expected and len(records) > 3
    assert (
        messages(streamed)
        == messages(whole)
        == [f"last record is cut off at byte 270 of {len(data)} (a run still writing, or killed?)"]
    )


def test_an_event_record_over_the_record_limit_is_skipped_and_the_rest_read(tmp_path, monkeypatch):
    import struct

    from resultsbook.adapters import tfrecord

    def frame(payload: bytes) -> bytes:
        length = struct.pack("<Q", len(payload))
        crc = tfrecord.masked_crc32c
        return length + struct.pack("<I", crc(length)) + payload + struct.pack("<I", crc(payload))

    monkeypatch.setenv("RESULTSBOOK_MAX_RECORD_SIZE", "1KiB")
    monkeypatch.setattr(tfrecord, "CHUNK", 256)
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(frame(b"a" * 10) + frame(b"b" * 5000) + frame(b"c" * 10))
    problems: list = []
    records = [bytes(block[s:e]) for block, starts, ends in tfrecord.read_record_blocks(str(path), problems)
               for s, e in zip(starts.tolist(), ends.tolist())]  # fmt: skip
    assert records == [b"a" * 10, b"c" * 10]
    assert messages(problems) == [
        "record 2 (byte 26) holds 4.9 KiB, over the 1 KiB limit for one record "
        "(to read it: RESULTSBOOK_MAX_RECORD_SIZE=1MiB)"
    ]


def test_a_wandb_log_read_seven_bytes_at_a_time_gives_the_records_read_whole(monkeypatch):
    from conftest import ROOT

    from resultsbook.adapters import wandblog

    (path,) = (ROOT / "tests/fixtures/wandb/wandb/offline-run-20261127_192049-finish01-torn").glob("*.wandb")
    data = path.read_bytes()
    whole: list = []
    scan = wandblog.scan_log(data, str(path), whole)
    monkeypatch.setattr(
        wandblog, "iter_file_chunks", lambda p, size: (data[i : i + 7] for i in range(0, len(data), 7))
    )
    streamed: list = []
    reader = wandblog.LogReader(str(path), streamed)
    assert list(reader.records()) == scan.records and scan.records
    assert (reader.complete, messages(streamed)) == (scan.complete, messages(whole))


def test_json_lines_already_read_follow_the_same_rules_as_a_streamed_file():
    from resultsbook.sources.textio import iter_json_lines

    problems: list = []
    text = '{"step": 1}\nnope\n{"step": 2}\n{"step": 3, "loss": 0.'
    assert list(iter_json_lines("m.jsonl", text, problems)) == [{"step": 1}, {"step": 2}]
    assert messages(problems) == [
        "last line (4) is cut off (a run still writing?); if the file is complete, end its last line with a newline",
        "line 2 is not valid JSON",
    ]
    assert list(iter_json_lines("m.jsonl", '{"step": 1}\n{"step": 2}', [])) == [{"step": 1}, {"step": 2}]


def test_a_records_json_lines_file_is_streamed_not_held_whole(tmp_path, monkeypatch):
    import tracemalloc

    from resultsbook.adapters.records import RecordsAdapter

    monkeypatch.setattr(fileio, "CHUNK", 64 << 10)
    path = tmp_path / "results.jsonl"
    lines = (f'{{"step": {i}, "loss": {1 / (i + 1):.6f}, "optimizer": "adam"}}\n' for i in range(40_000))
    path.write_text("".join(lines))
    adapter = RecordsAdapter()
    tracemalloc.start()
    try:
        result = adapter.read(adapter.source(str(path), [str(path)]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (run,) = result.runs
    assert (run.params, len(run.metrics["loss"].steps)) == ({"optimizer": "adam"}, 40_000)
    # the points kept and a chunk's records, not every record of the file (as dicts, 10x its size)
    assert peak < 3 * path.stat().st_size
