"""Two builds writing the same outputs at once (a `watch` and a `build`, two terminals) leave files and
a lock that belong together: one build writes its outputs and its lock before the other starts to."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

from conftest import write_native_run

SPEC = """
[[sources]]
path = "runs"

[tables.t]
metric = "acc"
rows = ["model"]
digits = {digits}
outputs = ["out/t.tex", "out/t.md"]
"""

# a build that stops between writing its outputs and writing the lock, until told to go on
PAUSED_BEFORE_THE_LOCK = """
import sys
import resultsbook.outputs.build as building
original = building.write_files
calls = []
def paused(files):
    written = original(files)
    calls.append(files)
    if len(calls) == 1:
        print("outputs written", flush=True)
        sys.stdin.readline()
    return written
building.write_files = paused
from resultsbook.cli import main
sys.argv = ["resultsbook", "build", "--no-collect", "-q"]
main()
"""


def resultsbook(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "resultsbook", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_a_build_that_runs_while_another_writes_leaves_no_output_that_reads_as_edited(tmp_path: Path) -> None:
    for index in range(6):
        metrics = [{"step": 0, "acc": index / 7}]
        write_native_run(tmp_path / "runs" / f"r{index}", {"model": f"m{index % 2}", "seed": index}, metrics)
    spec = tmp_path / "resultsbook.toml"
    spec.write_text(SPEC.format(digits=3))
    assert resultsbook("build", "-q", cwd=tmp_path).returncode == 0
    slow = subprocess.Popen(  # builds with digits = 3, and stops before its lock
        [sys.executable, "-c", PAUSED_BEFORE_THE_LOCK],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert slow.stdout is not None and slow.stdin is not None
    try:
        assert slow.stdout.readline() == "outputs written\n"
        spec.write_text(SPEC.format(digits=1))
        other = subprocess.Popen(
            [sys.executable, "-m", "resultsbook", "build", "--no-collect", "-q"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # before: it wrote its outputs and lock while the first held its own; now it waits for the first
        with contextlib.suppress(subprocess.TimeoutExpired):
            other.wait(timeout=10)
        slow.stdin.write("\n")
        slow.stdin.flush()
        assert slow.wait(timeout=120) == 0, slow.communicate()
        _, err = other.communicate(timeout=120)
        assert other.returncode == 0, err
    finally:
        slow.kill()
        slow.communicate()
    spec.write_text(SPEC.format(digits=3))
    check = resultsbook("check", cwd=tmp_path)
    # the files of one build and the lock of the other read as edited by hand; the files and lock of the
    # last build are honestly stale (written with digits = 1)
    assert "edited" not in check.stdout, check.stdout
    assert "out/t.tex, out/t.md: stale (its settings changed: digits)" in check.stdout, check.stdout
