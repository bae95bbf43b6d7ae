"""read_file_bytes: the whole file, whatever its size, with as few system calls as possible."""

from __future__ import annotations

import pytest

from resultsbook.sources.textio import read_file_bytes


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 200_000])
def test_returns_every_byte_of_a_file(tmp_path, size):
    data = bytes(index % 251 for index in range(size))
    (tmp_path / "f").write_bytes(data)
    assert read_file_bytes(str(tmp_path / "f")) == data


def test_a_missing_file_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        read_file_bytes(str(tmp_path / "missing"))
