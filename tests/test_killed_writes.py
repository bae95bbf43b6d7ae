"""A writer killed between writing its temporary file and renaming it (SIGKILL half-way through a
build) leaves the output as it was; the next write of that output removes what the killed one left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from resultsbook.atomic import write_atomic

KILLED_MID_WRITE = """
import os, sys, time
import resultsbook.atomic as atomic
def stuck(source, target):
    print("written", flush=True)
    time.sleep(60)
atomic.os.replace = stuck
atomic.write_atomic(sys.argv[1], b"new table")
"""


def kill_mid_write(path: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_MID_WRITE, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None and writer.stdout.readline() == "written\n"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=20)
    writer.stdout.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


def test_a_write_killed_before_its_rename_leaves_the_old_file_and_the_next_write_cleans_up(tmp_path):
    table = tmp_path / "table1.tex"
    table.write_bytes(b"old table")
    kill_mid_write(table)
    assert table.read_bytes() == b"old table"
    assert len(leftovers(tmp_path)) == 1  # what SIGKILL leaves: nothing can run after it
    write_atomic(str(table), b"newer table")
    assert table.read_bytes() == b"newer table"
    assert leftovers(tmp_path) == []


def test_a_temporary_file_of_a_write_still_under_way_is_left_alone(tmp_path):
    table = tmp_path / "table1.tex"
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_MID_WRITE, str(table)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "written\n"
        write_atomic(str(table), b"from another build")
        assert len(leftovers(tmp_path)) == 1  # the other build's file, still to be renamed
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=20)
        if writer.stdout is not None:
            writer.stdout.close()
