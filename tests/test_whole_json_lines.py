"""A small, clean JSON Lines log is read and parsed in one call; any other log is streamed line by line.
Both ways must keep the same series and report the same problems, whatever the file holds."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resultsbook.adapters import native_files
from resultsbook.adapters.native_files import read_metrics_jsonl
from resultsbook.sources import textio
from resultsbook.sources.fileio import NotRegularFile, read_small_file
from resultsbook.sources.textio import parse_whole_json_lines

CLEAN = b'{"step": 0, "loss": 1.5, "acc": 0.25}\n{"step": 10, "loss": 1.25, "acc": 0.5}\n'

LINES = [
    b'{"step": 0, "loss": 1.5, "acc": 0.25}',
    b'{"step": 1, "loss": 1.25, "acc": 0.5}',
    b'{"step": 2, "loss": NaN, "acc": 0.5}',
    b'{"step": 3, "acc": 0.75}',
    b'{"step": 4, "loss": "n/a", "acc": 0.75}',
    b'{"step": 5, "time": 1700000000.5, "loss": 0.5}',
    b'{"metric": "lr", "value": 0.1, "step": 6}',
    b'{"step": 123456789012345678901234, "loss": 1.0}',
    b'{"step": 7, "loss": 1.0}{"step": 8, "loss": 2.0}',
    b'{"step": 9, "nested": {"a": [1, 2]}, "loss": 0.25}',
    b'{"step": 10, "lo\xffss": 0.5}',
    b"[1, 2]",
    b"not json",
    b"",
    b"   ",
]


def _series(path: str):
    problems = []
    series = read_metrics_jsonl(path, problems)
    kept = {key: (s.steps.tolist(), repr(s.values.tolist()), s.steps.dtype.kind) for key, s in series.items()}
    return kept, [(p.message, p.kept) for p in problems]


@pytest.mark.parametrize(
    "data",
    [
        CLEAN[:-1],  # the last line cut off
        CLEAN.replace(b"\n", b"\r\n"),
        b"\xef\xbb\xbf" + CLEAN,
        CLEAN + b"\n",
        CLEAN.replace(b"1.25", b"NaN"),
        CLEAN + b"[1]\n",
        CLEAN.replace(b"loss", b"lo\xffs"),
        b"",
        b"\n",
    ],
    ids=["cut-off", "crlf", "bom", "blank-line", "nan", "not-object", "bad-bytes", "empty", "newline"],
)
def test_a_log_the_streamed_reader_must_see_is_not_parsed_whole(tmp_path, data):
    path = tmp_path / "metrics.jsonl"
    path.write_bytes(data)
    assert parse_whole_json_lines(str(path)) is None


def test_a_clean_log_is_parsed_whole(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_bytes(CLEAN)
    assert parse_whole_json_lines(str(path)) == [
        {"step": 0, "loss": 1.5, "acc": 0.25},
        {"step": 10, "loss": 1.25, "acc": 0.5},
    ]


def test_a_log_over_the_whole_file_size_is_streamed(tmp_path, monkeypatch):
    path = tmp_path / "metrics.jsonl"
    path.write_bytes(CLEAN)
    monkeypatch.setattr(textio, "WHOLE_FILE", len(CLEAN) - 1)
    assert parse_whole_json_lines(str(path)) is None
    assert _series(str(path))[0]["loss"][0] == [0, 10]


def test_a_small_file_is_read_up_to_its_cap_and_a_fifo_is_not_opened(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"12345")
    assert read_small_file(str(path), 5) == b"12345"
    assert read_small_file(str(path), 4) is None
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile):
        read_small_file(str(fifo), 100)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(st.sampled_from(LINES), max_size=8),
    newline=st.sampled_from([b"\n", b"\r\n"]),
    start=st.sampled_from([b"", b"\xef\xbb\xbf"]),
    last=st.sampled_from([b"", b'{"step": 99, "loss": 0.7', b'{"step": 99, "loss": 0.7}']),
)
def test_a_log_read_whole_gives_what_the_streamed_reader_gives(lines, newline, start, last):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "metrics.jsonl"
        path.write_bytes(start + b"".join(line + newline for line in lines) + last)
        whole = _series(str(path))
        saved = native_files.parse_whole_json_lines
        native_files.parse_whole_json_lines = lambda path: None  # type: ignore[assignment]
        try:
            streamed = _series(str(path))
        finally:
            native_files.parse_whole_json_lines = saved  # type: ignore[assignment]
    assert whole == streamed
