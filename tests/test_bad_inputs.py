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
        # build reports what it wrote beside an entry it could not build; check, the others' states
        assert result.stdout == "" or arguments[0] in ("build", "report", "check"), result.stdout
    after = sorted(os.listdir(setups[setup]))
    new = set(after) - set(before) - {"paper", "resultsbook.db", "resultsbook.db-wal", "resultsbook.db-shm"}
    if "wrote resultsbook-report.html" in result.stdout.splitlines():  # the page, a box for the entry
        new -= {"resultsbook-report.html"}
    assert not new, f"a failed command left {sorted(new)} behind"
    if setup == "bare":
        assert not [name for name in after if name.endswith(".db")]  # no store from a failed command


WRONG_VALUES = ('"x"', "-1", "[]", "{}", "true", "1e308", '{a = 1}', '"../.."')


def _spec_cases() -> list[tuple[str, str]]:
    """Every key of a table, a figure, a source, the numbers file, the report and the top level, set to
    each wrong value in turn: (key, spec text)."""
    from resultsbook.spec.figures import CURVE_KEYS, FIGURE_KEYS
    from resultsbook.spec.macros import VALUE_KEYS
    from resultsbook.spec.sources import SOURCE_KEYS
    from resultsbook.spec.tables import TABLE_KEYS

    source = '[[sources]]\npath = "runs"\n'
    table = '[tables.t]\nmetric = "test/acc"\nrows = ["model"]\noutputs = ["out/t.tex"]\n'
    figure = '[figures.f]\nkind = "curve"\nmetric = "test/acc"\noutputs = ["out/f.svg"]\n'
    cases = []
    for value in WRONG_VALUES:
        for key in sorted(TABLE_KEYS):
            kept = "".join(line + "\n" for line in table.splitlines() if not line.startswith(f"{key} ="))
            cases.append((f"table {key}", source + kept + f"{key} = {value}\n"))
        for key in sorted(FIGURE_KEYS | CURVE_KEYS):
            kept = "".join(line + "\n" for line in figure.splitlines() if not line.startswith(f"{key} ="))
            cases.append((f"figure {key}", source + table + kept + f"{key} = {value}\n"))
        for key in sorted(SOURCE_KEYS):
            kept = "" if key == "path" else 'path = "runs"\n'
            cases.append((f"source {key}", "[[sources]]\n" + kept + f"{key} = {value}\n" + table))
        for key in sorted(VALUE_KEYS):
            numbers = '[macros]\noutput = "out/n.tex"\n[macros.values.x]\n'
            cases.append((f"number {key}", source + table + numbers + f"{key} = {value}\n"))
        for key in ("db", "lock", "replicate", "run_specific", "templates", "derived", "labels", "sections"):
            cases.append((f"top {key}", f"{key} = {value}\n" + source + table))
        for key in ("output", "title"):
            cases.append((f"report {key}", source + table + f"[report]\n{key} = {value}\n"))
    return cases


def test_a_spec_value_of_any_wrong_type_gets_one_line_not_a_traceback(setups) -> None:
    """~1,000 builds: every spec key set to text, numbers out of range, lists, tables, paths that are
    folders. Each must be built or refused with one line; none may end in an internal error."""
    runner = CliRunner()
    crashed = []
    folder = setups["project"]
    for key, text in _spec_cases():
        (folder / "fuzz.toml").write_text(text)
        result = run_case(runner, folder, ["build", "--no-collect", "--config", "fuzz.toml", "-q"])
        internal = result.exception is not None and not isinstance(result.exception, SystemExit)
        if internal or result.exit_code == 70 or "Traceback" in result.output:
            crashed.append(f"{key}: {text.splitlines()[-1]} -> {result.output.strip()[-200:]}")
        elif result.exit_code != 0:  # one error line; the entries built beside it may warn
            lines = result.stderr.splitlines()
            assert len([line for line in lines if line.startswith("Error: ")]) == 1, (key, result.stderr)
            assert all(line.startswith(("Error: ", "Warning: ")) for line in lines), (key, result.stderr)
    assert not crashed, "\n".join(crashed)
