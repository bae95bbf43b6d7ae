"""Two builds writing the same outputs at once (a `watch` and a `build`, two terminals) leave files and
a lock that belong together: one build writes its outputs and its lock before the other starts to."""

from __future__ import annotations

import contextlib
import json
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


def built_with_six_runs(tmp_path: Path, spec_text: str) -> Path:
    """Write six runs of two models and the spec, build once; return the spec's path."""
    for index in range(6):
        metrics = [{"step": 0, "acc": index / 7}]
        write_native_run(tmp_path / "runs" / f"r{index}", {"model": f"m{index % 2}", "seed": index}, metrics)
    spec = tmp_path / "resultsbook.toml"
    spec.write_text(spec_text)
    assert resultsbook("build", "-q", cwd=tmp_path).returncode == 0
    return spec


def paused_build(script: str, cwd: Path) -> subprocess.Popen:
    """Start a build that waits, where its script says, for a line on its stdin."""
    slow = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert slow.stdout is not None and slow.stdin is not None
    return slow


def test_a_build_that_runs_while_another_writes_leaves_no_output_that_reads_as_edited(tmp_path: Path) -> None:
    spec = built_with_six_runs(tmp_path, SPEC.format(digits=3))
    slow = paused_build(PAUSED_BEFORE_THE_LOCK, tmp_path)  # builds with digits = 3, and stops before its lock
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


TWO_TABLES = """
[[sources]]
path = "runs"

[tables.t1]
metric = "acc"
rows = ["model"]
outputs = ["out/t1.md"]

[tables.t2]
metric = "acc"
rows = ["model"]
digits = {digits}
outputs = ["out/t2.md"]
"""

# a build of t1 that stops after reading the lock (while computing), until told to go on
PAUSED_AFTER_READING_THE_LOCK = """
import sys
import resultsbook.outputs.build as building
original = building.compute_outputs
def paused(*args, **kwargs):
    print("lock read", flush=True)
    sys.stdin.readline()
    return original(*args, **kwargs)
building.compute_outputs = paused
from resultsbook.cli import main
sys.argv = ["resultsbook", "build", "--table", "t1", "--no-collect", "-q"]
main()
"""


def test_a_build_keeps_the_entry_another_build_locked_after_it_read_the_lock(tmp_path: Path) -> None:
    """Build t1 reads the lock, build t2 writes t2's entry meanwhile: t1's lock keeps t2's new entry
    (the lock as first read is reused only when no one wrote it since)."""
    spec = built_with_six_runs(tmp_path, TWO_TABLES.format(digits=3))
    lock = tmp_path / "out" / "resultsbook.lock"
    slow = paused_build(PAUSED_AFTER_READING_THE_LOCK, tmp_path)
    try:
        assert slow.stdout.readline() == "lock read\n"
        spec.write_text(TWO_TABLES.format(digits=1))
        assert resultsbook("build", "--table", "t2", "--no-collect", "-q", cwd=tmp_path).returncode == 0
        locked_t2 = json.loads(lock.read_text())["entries"]["tables.t2"]
        slow.stdin.write("\n")
        slow.stdin.flush()
        assert slow.wait(timeout=120) == 0, slow.communicate()
    finally:
        slow.kill()
        slow.communicate()
    assert json.loads(lock.read_text())["entries"]["tables.t2"] == locked_t2  # not the one t1's build read
    check = resultsbook("check", cwd=tmp_path)
    assert check.returncode == 0 and "OK: 2 current" in check.stdout, check.stdout + check.stderr
