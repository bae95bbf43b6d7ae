"""A param whose value is NaN (a weight decay of nan in a config) is one value: its runs share a row."""

from __future__ import annotations

from conftest import write_native_run

import resultsbook as rb


def test_runs_whose_param_is_nan_share_one_row(make_run, tmp_path, cli):
    """Each run with wd = NaN was a row of its own: three rows `nan`, one seed each, and the best of
    them bold, though they are one setting."""
    for seed in range(3):
        for wd in (float("nan"), 0.1):
            write_native_run(
                tmp_path / "runs" / f"{wd}-{seed}", {"seed": seed, "wd": wd}, [{"step": 1, "acc": 0.1 * seed}]
            )
    assert cli("collect", "runs").exit_code == 0
    table = cli("table", "--rows", "wd", "--metric", "acc", "--goal", "max", "--format", "csv")
    assert [line.split(",")[0::3] for line in table.output.splitlines()[1:]] == [["nan", "3"], ["0.1", "3"]]
    frame = (
        rb.open(str(tmp_path / "resultsbook.db"))
        .table(rows="wd", metric="acc", goals={"acc": "max"})
        .to_frame()
    )
    assert list(frame["n"]) == [3, 3]
    assert len(rb.open(str(tmp_path / "resultsbook.db")).runs(where="wd=nan")) == 3
    kept = cli("runs", "--where", "wd!=nan", "--format", "csv").output.splitlines()
    assert [line.split(",")[1] for line in kept[1:]] == ["0.1-0", "0.1-1", "0.1-2"]


def test_an_unquoted_inf_selects_the_text_inf_as_before_and_the_float(tmp_path, cli):
    """`clip=inf` selected the runs holding the text 'inf' (a path part, a YAML string); reading it as the
    float alone made a spec's `where` match no run."""
    for seed in range(2):
        for name, clip in (("text", "inf"), ("float", float("inf")), ("one", 1)):
            write_native_run(
                tmp_path / "runs" / f"{name}{seed}", {"seed": seed, "clip": clip}, [{"step": 1, "acc": 0.5}]
            )
    assert cli("collect", "runs").exit_code == 0
    names = cli("runs", "--where", "clip=inf", "--format", "csv").output.splitlines()[1:]
    assert sorted(line.split(",")[1] for line in names) == ["float0", "float1", "text0", "text1"]
    quoted = cli("runs", "--where", "clip='inf'", "--format", "csv").output.splitlines()[1:]
    assert sorted(line.split(",")[1] for line in quoted) == ["text0", "text1"]
