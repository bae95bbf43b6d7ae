"""read_file_bytes: the whole file, whatever its size, with as few system calls as possible."""

from __future__ import annotations

import os

import pytest

from resultsbook.sources.fileio import FileTooLarge, NotRegularFile, read_listed_file
from resultsbook.sources.limits import CONFIG
from resultsbook.sources.textio import read_file_bytes


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 200_000])
def test_returns_every_byte_of_a_file(tmp_path, size):
    data = bytes(index % 251 for index in range(size))
    (tmp_path / "f").write_bytes(data)
    assert read_file_bytes(str(tmp_path / "f")) == data


def test_a_missing_file_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        read_file_bytes(str(tmp_path / "missing"))


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 200_000])
def test_a_listed_file_is_read_whole_in_one_open(tmp_path, size):
    data = bytes(index % 251 for index in range(size))
    (tmp_path / "f").write_bytes(data)
    assert read_listed_file(str(tmp_path / "f"), None, None) == data
    assert read_listed_file(str(tmp_path / "f"), size, CONFIG) == data


def test_a_listed_file_over_its_cap_is_refused_with_the_setting_that_raises_it(tmp_path, monkeypatch):
    monkeypatch.setenv("RESULTSBOOK_MAX_CONFIG_SIZE", "1KiB")
    (tmp_path / "f").write_bytes(b"x" * 2048)
    with pytest.raises(
        FileTooLarge, match=r"is 2 KiB, over the 1 KiB limit .*RESULTSBOOK_MAX_CONFIG_SIZE=1MiB"
    ):
        read_listed_file(str(tmp_path / "f"), CONFIG.bytes(), CONFIG)


def test_a_listed_file_that_became_a_fifo_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "f")  # listed as a file, swapped since: the open descriptor tells
    with pytest.raises(NotRegularFile, match=r"is a FIFO \(named pipe\)"):
        read_listed_file(str(tmp_path / "f"), None, None)
