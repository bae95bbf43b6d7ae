"""Every command, given bad input, answers with one line that names the problem and an exit code that
says whose move it is — never a traceback (tests/bad_inputs.py holds the matrix)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from bad_inputs import CASES, damage_copy, make_setup, run_case
from click.testing import CliRunner


@pytest.fixture(scope="module")
def setups(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build each setup once: the project is collected and built, and beside it lie a damaged copy of
    its store, a CSV posing as a store, and a read-only output."""
    root = tmp_path_factory.mktemp("bad-inputs")
    folders = {kind: make_setup(root, kind) for kind in ("project", "bare")}
    runner = CliRunner()
    built = run_case(runner, folders["project"], ["build"])
    assert built.exit_code == 0, built.output
    damage_copy(folders["project"] / "resultsbook.db", folders["project"] / "damaged.db")
    return folders


@pytest.mark.parametrize(("setup", "arguments", "code"), CASES, ids=[" ".join(c[1])[:60] for c in CASES])
def test_bad_input_gets_one_line_and_its_exit_code(setups, setup: str, arguments: list[str], code: int) -> None:
    before = sorted(os.listdir(setups[setup]))
    result = run_case(CliRunner(), setups[setup], arguments)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.exit_code == code, result.output
    if code == 0:
        return
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert len(lines[0]) > len("Error: ") + 10
    if "--json" in arguments:
        document = json.loads(result.stdout)
        assert document["ok"] is False and document["error"]["exit_code"] == code
        assert document["error"]["message"] == lines[0].removeprefix("Error: ")
    else:
        assert result.stdout == "" or arguments[0] in ("build", "report"), result.stdout
    after = sorted(os.listdir(setups[setup]))
    new = set(after) - set(before) - {"paper", "resultsbook.db", "resultsbook.db-wal", "resultsbook.db-shm"}
    assert not new, f"a failed command left {sorted(new)} behind"
    if setup == "bare":
        assert not [name for name in after if name.endswith(".db")]  # no store from a failed command
