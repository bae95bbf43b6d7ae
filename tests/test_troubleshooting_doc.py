"""docs/troubleshooting.md shows real messages: each console session runs in the quickstart project and
must print exactly what the page says; the messages that need a full disk or a bug are built by the
code that prints them and compared too."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PAGE = ROOT / "docs" / "troubleshooting.md"
_BLOCK = re.compile(r"(?:<!-- checked: (?P<key>[\w-]+) -->\n)?```(?P<kind>\w+)\n(?P<body>.*?)```", re.S)


def blocks(kind: str) -> list[tuple[str | None, str]]:
    """Return (checked key, body) of every fenced block of one kind on the page."""
    return [(m["key"], m["body"]) for m in _BLOCK.finditer(PAGE.read_text()) if m["kind"] == kind]


def sessions() -> list[list[tuple[str, list[str]]]]:
    """Return each console block as [(command, expected output lines)]."""
    found = []
    for _, body in blocks("console"):
        steps: list[tuple[str, list[str]]] = []
        for line in body.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
        found.append(steps)
    return found


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The quickstart project, trained and built, as the page assumes."""
    folder = tmp_path_factory.mktemp("troubleshooting") / "quickstart"
    shutil.copytree(ROOT / "examples" / "quickstart", folder)
    env = _env()
    for command in ([sys.executable, "train.py"], ["resultsbook", "build", "-q"]):
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    return folder


def _env() -> dict[str, str]:
    bin_folder = os.path.dirname(sys.executable)
    return {**os.environ, "PATH": bin_folder + os.pathsep + os.environ.get("PATH", ""), "NO_COLOR": "1"}


@pytest.mark.parametrize("session", sessions(), ids=lambda steps: steps[0][0][:50])
def test_every_console_session_prints_what_the_page_shows(quickstart: Path, session) -> None:
    last = 0
    for command, expected in session:
        if command == "echo $?":
            actual = [str(last)]
        else:
            done = subprocess.run(
                ["sh", "-c", command], cwd=quickstart, env=_env(), stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, timeout=300, check=False,
            )  # fmt: skip
            last, actual = done.returncode, done.stdout.splitlines()
        assert actual == expected, f"$ {command}"


def test_the_full_disk_message_is_the_one_sqlite_full_gives() -> None:
    from resultsbook.store.location import store_problem

    [(_, body)] = [block for block in blocks("text") if block[0] == "full-disk"]
    error = store_problem("resultsbook.db", sqlite3.OperationalError("database or disk is full"))
    assert body.strip() == f"Error: {error}"


def test_the_read_only_filesystem_message_is_the_one_build_gives(tmpfs_mount, monkeypatch) -> None:
    from resultsbook.errors import OutputError
    from resultsbook.outputs.build import refuse_read_only

    [(_, body)] = [block for block in blocks("text") if block[0] == "read-only-filesystem"]
    folder, remount = tmpfs_mount
    (folder / "paper" / "results").mkdir(parents=True)
    (folder / "paper" / "results" / "table1.tex").write_text("built\n")
    remount("ro")
    monkeypatch.chdir(folder)
    with pytest.raises(OutputError) as raised:
        refuse_read_only([str(folder / "paper" / "results" / "table1.tex")])
    assert body.strip() == f"Error: {raised.value}"


def test_the_internal_error_message_is_the_one_a_bug_gives() -> None:
    from resultsbook.cli.outcome import failure_of

    [(_, body)] = [block for block in blocks("text") if block[0] == "internal"]
    failure = failure_of(ZeroDivisionError("boom"))
    assert failure.traceback_file is not None
    Path(failure.traceback_file).unlink()
    saved = re.compile(r"/\S+\.txt")
    assert saved.sub("FILE", body.strip()) == saved.sub("FILE", failure.line())


def test_the_completion_lines_print_a_completion_script_for_each_shell(quickstart: Path) -> None:
    [(_, body)] = blocks("bash")
    shells = re.findall(r"_RESULTSBOOK_COMPLETE=(\w+)_source", body)
    assert shells == ["bash", "zsh", "fish"]
    for shell in shells:
        script = subprocess.run(
            ["resultsbook"], cwd=quickstart, env={**_env(), "_RESULTSBOOK_COMPLETE": f"{shell}_source"},
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert script.returncode == 0 and "_RESULTSBOOK_COMPLETE" in script.stdout, script.stderr
