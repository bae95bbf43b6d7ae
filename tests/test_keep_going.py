"""One entry that cannot be computed (its runs still queued, a metric no run logs yet) does not stop the
others, as `make -k`: they are written, it is named with the fix, and its files and lock entry stay as
they were; what quotes it is held back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import compile_latex, curve

import resultsbook as rb

SPEC = """
[[sources]]
path = "runs"

[tables.table1]
metric = "acc"
goal = "max"
rows = ["model"]
columns = ["dataset"]
outputs = ["results/table1.tex"]

[tables.table2]
metric = "loss"
goal = "min"
rows = ["model"]
columns = ["dataset"]
outputs = ["results/table2.md"]

[macros]
output = "results/numbers.tex"

[macros.values]
best_b = { cell = "table1/b/x" }
"""
QUEUED = """
[tables.table3]
metric = "acc"
goal = "max"
where = { model = "c" }
rows = ["model"]
outputs = ["results/table3.tex"]
"""
QUEUED_ERROR = "Error: resultsbook.toml: [tables.table3] filter model=c matches no run; model has: a, b"


def add_runs(make_run, model: str, shift: float = 0.0) -> None:
    for dataset in ("x", "y"):
        for seed in range(3):
            value = {"a": 0.7, "b": 0.8, "c": 0.9}[model] + {"x": 0.0, "y": 0.1}[dataset] + seed / 100 + shift
            records = [{**point, "loss": 1 - point["acc"]} for point in curve([0.1, value])]
            make_run(f"{model}{dataset}{seed}", {"model": model, "dataset": dataset, "seed": seed}, records)


@pytest.fixture
def project(tmp_path: Path, make_run) -> Path:
    add_runs(make_run, "a")
    add_runs(make_run, "b")
    (tmp_path / "resultsbook.toml").write_text(SPEC)
    return tmp_path


def lock_entry_text(project: Path, entry: str) -> str:
    """Return an entry's lines in the lock file, exactly as written."""
    text = (project / "results" / "resultsbook.lock").read_text()
    found = re.search(rf'\n  "{re.escape(entry)}": {{\n.*?\n  }}', text, re.DOTALL)
    assert found is not None, f"{entry} is not in the lock"
    return found.group(0)


def errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


def test_a_table_whose_runs_are_queued_leaves_the_others_built_and_exits_1(project, cli):
    (project / "resultsbook.toml").write_text(SPEC + QUEUED)
    result = cli("build")
    assert result.exit_code == 1  # as the one error did: its runs are not there yet
    assert result.stdout.splitlines()[1:] == [
        "wrote results/table1.tex",
        "wrote results/table2.md",
        "wrote results/numbers.tex",
    ]
    assert errors(result) == [QUEUED_ERROR]
    assert not (project / "results" / "table3.tex").exists()
    # a table never built is in no one's text: the numbers file quotes the others, and compiles
    numbers = (project / "results" / "numbers.tex").read_text()
    assert "table1/b/x" in numbers and "table3" not in numbers
    compile_latex(
        project / "results", r"\input{numbers.tex}\input{table1.tex} Best: \bestB, \rbvalue[pm]{table1/a/y}."
    )


def test_a_failed_tables_files_and_lock_entry_stay_as_they_were(project, cli, make_run):
    (project / "resultsbook.toml").write_text(SPEC + QUEUED.replace('"c"', '"a"'))
    assert cli("build").exit_code == 0
    table3 = (project / "results" / "table3.tex").read_bytes()
    locked = lock_entry_text(project, "tables.table3")
    table1 = (project / "results" / "table1.tex").read_bytes()
    (project / "resultsbook.toml").write_text(SPEC + QUEUED)  # now for runs still in the queue
    add_runs(make_run, "a", shift=0.05)  # and table1's runs changed meanwhile
    result = cli("build")
    assert result.exit_code == 1
    assert (project / "results" / "table1.tex").read_bytes() != table1
    assert (project / "results" / "table3.tex").read_bytes() == table3
    assert lock_entry_text(project, "tables.table3") == locked  # check judges it by what it was built from


def test_the_numbers_file_quoting_a_table_built_before_is_held_back(project, cli, make_run):
    (project / "resultsbook.toml").write_text(SPEC + QUEUED.replace('"c"', '"a"'))
    assert cli("build").exit_code == 0
    numbers = (project / "results" / "numbers.tex").read_bytes()
    locked = lock_entry_text(project, "macros")
    (project / "resultsbook.toml").write_text(SPEC + QUEUED)
    add_runs(make_run, "b", shift=0.05)  # best_b changes: the file would change if written
    result = cli("build")
    assert result.exit_code == 1
    assert "wrote results/table1.tex" in result.stdout and "numbers.tex" not in result.stdout
    assert errors(result) == [
        QUEUED_ERROR,
        "Error: resultsbook.toml: [macros] held back (results/numbers.tex is as it was): it quotes "
        "[tables.table3], which could not be built; fix that one first",
    ]  # its \rbvalue{table3/...} may be in the text: without them the paper would not compile
    assert (project / "results" / "numbers.tex").read_bytes() == numbers
    assert lock_entry_text(project, "macros") == locked


def test_a_named_value_figure_or_section_quoting_a_failed_table_is_held_back(project, cli):
    (project / "RESULTS.md").write_text("# Results\n<!-- resultsbook:table3 -->\n<!-- /resultsbook -->\n")
    (project / "TABLE1.md").write_text("<!-- resultsbook:table1 -->\n<!-- /resultsbook -->\n")
    figure = '\n[figures.bars]\nkind = "bar"\ntable = "table3"\noutputs = ["results/bars.png"]\n'
    spec = SPEC.replace("[[sources]]", 'sections = ["RESULTS.md", "TABLE1.md"]\n\n[[sources]]')
    spec = spec.replace('best_b = { cell = "table1/b/x" }', 'best_c = { cell = "table3/c" }')
    (project / "resultsbook.toml").write_text(spec + QUEUED + figure)
    result = cli("build")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:] == ["wrote results/table1.tex", "wrote results/table2.md"]
    assert [line.split(": it quotes")[0] for line in errors(result)[1:]] == [
        "Error: resultsbook.toml: [figures.bars] held back (results/bars.png is as it was)",
        "Error: resultsbook.toml: [macros] held back (results/numbers.tex is as it was)",
        "Error: resultsbook.toml: sections held back (RESULTS.md, TABLE1.md are as they were)",
    ]
    assert (
        not (project / "results" / "bars.png").exists() and not (project / "results" / "numbers.tex").exists()
    )
    assert (project / "TABLE1.md").read_text() == "<!-- resultsbook:table1 -->\n<!-- /resultsbook -->\n"


def test_check_names_an_entry_that_cannot_be_computed_and_fails(project, cli):
    (project / "resultsbook.toml").write_text(SPEC + QUEUED)
    assert cli("build").exit_code == 1
    check = cli("check")
    assert check.exit_code == 1
    assert errors(check) == [QUEUED_ERROR]
    assert check.stdout.splitlines()[-1] == "FAILED: 3 current, 1 entry cannot be computed"
    document = json.loads(cli("check", "--json").stdout)
    assert document["ok"] is False and {o["state"] for o in document["outputs"]} == {"current"}
    assert document["error"] == {
        "kind": "not_found",
        "exit_code": 1,
        "message": QUEUED_ERROR.removeprefix("Error: "),
    }
    assert document["failed"] == [
        {
            "entry": "tables.table3",
            "kind": "not_found",
            "message": QUEUED_ERROR.removeprefix("Error: "),
            "held_back_by": "",
        }
    ]


def test_a_typo_beside_queued_runs_exits_2_and_names_both(project, cli):
    typo = '\n[tables.table4]\nmetric = "f1"\nrows = ["model"]\noutputs = ["results/table4.tex"]\n'
    (project / "resultsbook.toml").write_text(SPEC + QUEUED + typo)
    result = cli("build", "--json")
    assert result.exit_code == 2  # a spec to fix comes before runs to wait for
    assert errors(result) == [
        QUEUED_ERROR,
        "Error: resultsbook.toml: [tables.table4] no run logs a metric 'f1'; logged metrics: acc, loss",
    ]
    document = json.loads(result.stdout)
    assert document["ok"] is False and document["error"]["exit_code"] == 2
    assert [f["entry"] for f in document["failed"]] == ["tables.table3", "tables.table4"]
    assert sorted(document["written"]) == ["results/numbers.tex", "results/table1.tex", "results/table2.md"]


def test_a_spec_error_still_stops_everything_before_anything_is_written(project, cli):
    (project / "resultsbook.toml").write_text(SPEC + QUEUED + '\n[tables.table5]\nmetrc = "acc"\n')
    result = cli("build")
    assert result.exit_code == 2 and "unknown key 'metrc'" in result.stderr
    assert not (project / "results").exists()


def test_rb_build_writes_the_others_then_raises_build_error_with_the_report(project):
    (project / "resultsbook.toml").write_text(SPEC + QUEUED)
    rb.collect(config=project / "resultsbook.toml")
    with pytest.raises(rb.BuildError) as raised:
        rb.build(project / "resultsbook.toml")
    error = raised.value
    assert isinstance(error, rb.ResultsbookError) and error.kind == "not_found"
    assert str(error) == QUEUED_ERROR.removeprefix("Error: ")
    assert [failure.entry for failure in error.report.failed] == ["tables.table3"]
    assert sorted(Path(path).name for path in error.report.written) == [
        "numbers.tex",
        "table1.tex",
        "table2.md",
    ]
    assert (project / "results" / "table1.tex").exists()
    with pytest.raises(rb.BuildError, match=r"filter model=c matches no run"):  # also when it alone is asked
        rb.build(project / "resultsbook.toml", tables=["table3"])


def test_watch_reports_the_failed_entry_each_round_and_builds_it_when_its_runs_arrive(
    project, make_run, capsys, monkeypatch
):
    from resultsbook.cli.watch_cmd import LiveStatus
    from resultsbook.freshness.watch import rebuild
    from resultsbook.outputs.build import BuildMemo
    from resultsbook.spec import load_spec
    from resultsbook.store import Store

    monkeypatch.chdir(project)
    (project / "resultsbook.toml").write_text(SPEC + QUEUED)
    spec = load_spec(str(project / "resultsbook.toml"))
    memo = BuildMemo()
    display = LiveStatus(live=False)
    with Store.open(spec.db) as store:
        first = rebuild(spec, store, "start", None, None, memo)
        assert first is not None and first.built is not None
        assert [failure.entry for failure in first.built.failed] == ["tables.table3"]
        display.show(first)
        shown = capsys.readouterr()
        assert "-> results/table1.tex, results/table2.md, results/numbers.tex" in shown.out
        assert re.findall(r"^\[\d\d:\d\d:\d\d\] (.*)$", shown.err, re.MULTILINE) == [
            QUEUED_ERROR + " (still watching)"
        ]
        add_runs(make_run, "a", shift=0.05)  # a round for other runs: table3 is tried, and reported, again
        again = rebuild(spec, store, "runs", [str(project / "runs" / "ax0")], None, memo)
        assert again is not None and again.built is not None
        assert [failure.entry for failure in again.built.failed] == ["tables.table3"]
        add_runs(make_run, "c")  # the queued runs finish
        arrived = rebuild(
            spec, store, "runs", [str(path) for path in (project / "runs").glob("c*")], None, memo
        )
        assert arrived is not None and arrived.built is not None and arrived.built.failed == ()
        assert str(project / "results" / "table3.tex") in arrived.built.written


def test_preview_builds_the_others_and_compiles_no_pdf_around_a_missing_table(project, cli):
    from conftest import require_pdflatex

    require_pdflatex()
    (project / "resultsbook.toml").write_text(SPEC + QUEUED)
    result = cli("preview")
    assert result.exit_code == 1
    assert "wrote results/table1.tex" in result.stdout and errors(result) == [QUEUED_ERROR]
    assert not list(project.glob("*.pdf"))


def test_watch_names_a_source_that_holds_no_run_once(project, capsys, monkeypatch):
    """A [[sources]] whose pattern matched nothing was silent under watch, as under build before."""
    from resultsbook.cli.watch_cmd import LiveStatus
    from resultsbook.freshness.watch import rebuild
    from resultsbook.outputs.build import BuildMemo
    from resultsbook.spec import load_spec
    from resultsbook.store import Store

    monkeypatch.chdir(project)
    (project / "more").mkdir()
    (project / "more" / "log.csv").write_text("step,acc\n1,0.5\n")
    extra = '[[sources]]\npath = "more"\npattern = "{run}/logs.csv"\n\n'
    (project / "resultsbook.toml").write_text(extra + SPEC)
    spec = load_spec(str(project / "resultsbook.toml"))
    display = LiveStatus(live=False)
    memo = BuildMemo()
    with Store.open(spec.db) as store:
        for _ in range(2):  # a full collect each round (as after a failed one): the same note
            update = rebuild(spec, store, "start", None, None, memo)
            assert update is not None and update.collected is not None and update.collected.notes
            display.show(update)
    notes = [line for line in capsys.readouterr().err.splitlines() if "Note:" in line]
    assert notes == [f"  Note: {update.collected.notes[0]}"]
    assert "[[sources]] #1 path = 'more' found no runs" in notes[0]


def test_a_figure_over_a_store_whose_first_collect_was_killed_waits_for_runs_not_a_spec_fix(tmp_path):
    """A collect killed while it listed folders leaves its new store empty: the tables said so (exit 1),
    but a figure said `no run logs a metric 'acc'` (fix the spec, exit 2) of a metric every run logs."""
    from resultsbook.store import Store

    (tmp_path / "resultsbook.toml").write_text(
        SPEC + '\n[figures.curve]\nkind = "curve"\nmetric = "acc"\noutputs = ["results/curve.png"]\n'
    )
    Store.open(str(tmp_path / "resultsbook.db")).close()  # made by the killed collect, nothing written
    with pytest.raises(rb.BuildError) as raised:
        rb.build(tmp_path / "resultsbook.toml")
    failed = {failure.entry: failure for failure in raised.value.report.failed}
    assert raised.value.kind == "not_found"
    assert failed["figures.curve"].kind == "not_found"
    assert "[figures.curve] the store holds no runs yet: the collect that made it" in failed["figures.curve"].message
