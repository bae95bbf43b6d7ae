"""A pattern whose field's own regex holds a '/' (`{method:(?!HUMAN|RANDOM)[^/]+}.json`, the pattern
examples/realdata/resultsbook.toml reads IRIS's Atari 100k scores with) collects, and the collect
returns its report: the note looking for `seed{seed}`-glued folders split the pattern at that '/' and
raised `path pattern '{method:(?!HUMAN|RANDOM)[^' has a stray brace` after the runs were written."""

from __future__ import annotations

import json

import pytest
from conftest import REALDATA

import resultsbook as rb
from resultsbook.sources.pathpattern import compile_pattern, split_folders

PATTERN = "{method:(?!HUMAN|RANDOM)[^/]+}.json"
OPTIONS = {"task": "game", "rename": "seed:run", "params": "run"}


def iris_scores(folder):
    """Scores in the shape eloialonso/iris @ 24326aaa publishes them (as ../shared/realdata/iris-atari100k
    holds them): one JSON per method, `{game: [final score per run]}`, beside HUMAN.json and
    RANDOM.json, `{game: score}`, the reference scores that are no runs."""
    (folder / "IRIS.json").write_text(json.dumps({"Alien": [420.0, 380.5], "Pong": [14.0, 16.5]}))
    (folder / "SPR.json").write_text(json.dumps({"Alien": [800.0, 900.0], "Pong": [-5.0, -3.0]}))
    (folder / "HUMAN.json").write_text(json.dumps({"Alien": 7127.7, "Pong": 14.6}))
    (folder / "RANDOM.json").write_text(json.dumps({"Alien": 227.8, "Pong": -20.7}))


def test_a_field_regex_holding_a_slash_collects_and_returns_the_report(tmp_path):
    iris_scores(tmp_path)
    report = rb.collect(tmp_path, db=tmp_path / "s.db", adapter="records", pattern=PATTERN, options=OPTIONS)
    assert report.summary_line() == "8 new, 0 updated, 0 unchanged, 0 problems"
    with rb.open(tmp_path / "s.db") as book:
        assert sorted(book.runs()["params.method"].unique()) == ["IRIS", "SPR"]


def test_the_command_line_collects_it_too(tmp_path, cli):
    iris_scores(tmp_path)
    options = [item for key, value in OPTIONS.items() for item in ("-o", f"{key}={value}")]
    result = cli("collect", ".", "--adapter", "records", "--pattern", PATTERN, *options)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Collected .: 8 new")


def test_iris_published_scores_collect_from_python(tmp_path):
    if not REALDATA.is_dir():
        pytest.skip(f"{REALDATA} is absent: the real published results are not available here")
    path = REALDATA / "iris-atari100k"
    report = rb.collect(path, db=tmp_path / "s.db", adapter="records", pattern=PATTERN, options=OPTIONS)
    assert report.new == 8112 and not report.problems


@pytest.mark.parametrize(
    ("pattern", "folders", "file_name"),
    [
        (PATTERN, None, None),
        ("runs/{algo}/logs.csv", "runs/{algo}", "logs.csv"),
        ("{group:[^/]+/[^/]+}/{seed}/m.json", "{group:[^/]+/[^/]+}/{seed}", "m.json"),
    ],
)
def test_a_patterns_folders_and_file_are_split_at_a_slash_outside_its_fields(pattern, folders, file_name):
    assert split_folders(pattern)[0] == folders
    assert compile_pattern(pattern).file_name == file_name
