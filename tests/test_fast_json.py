"""JSON and JSON Lines are parsed with orjson where it reads the same values as the stdlib `json`, and
with `json` where it does not: what a collect keeps is exactly what the stdlib parser gives."""

from __future__ import annotations

import json
import math
import types
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resultsbook.adapters.base import Folder
from resultsbook.adapters.native import NativeAdapter
from resultsbook.jsontext import fast_loads
from resultsbook.sources import textio
from resultsbook.sources.textio import iter_json_records, load_json_file

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _refuse(text):
    raise orjson.JSONDecodeError("refused", "", 0)


@pytest.fixture
def stdlib_only(monkeypatch):
    """Make every parse take the stdlib path (orjson refuses everything): the reference results."""

    def use() -> None:
        monkeypatch.setattr(
            textio, "orjson", types.SimpleNamespace(loads=_refuse, JSONDecodeError=orjson.JSONDecodeError)
        )

    return use


def outcome(parse, text):
    try:
        return "ok", repr(parse(text))
    except (ValueError, RecursionError) as error:
        return "error", type(error).__name__


def read_run(folder: Path):
    adapter = NativeAdapter()
    claim = adapter.claim(Folder(str(folder), frozenset(p.name for p in folder.iterdir()), ()))
    assert claim is not None
    result = adapter.read(claim.sources[0])
    runs = [
        (
            run.name,
            repr(run.params),
            repr(run.summary),
            {
                key: (s.steps.tolist(), repr(s.values.tolist()), s.steps.dtype.kind)
                for key, s in run.metrics.items()
            },
        )
        for run in result.runs
    ]
    return runs, result.problems


# texts where orjson and json part ways: orjson refuses them or reads them otherwise
ODD_TEXTS = [
    '{"a": NaN, "b": Infinity, "c": -Infinity}',
    '{"a": 1e400, "b": -1e400}',
    '{"a": 123456789012345678901234567890}',  # orjson: 1.2345678901234568e+29
    '{"a": -9223372036854775809}',  # below int64: orjson makes it a float
    '{"a": 18446744073709551615}',  # uint64: orjson keeps it exact
    '{"a": "\\ud800"}',  # a lone surrogate
    '{"a": 1, "a": 2, "b": 3}',  # duplicate keys: the last value, in the first key's place
    "[" * 1100 + "]" * 1100,  # deeper than orjson goes
    '{"a": ' + "1" * 5000 + ".0}",
    '{"a": 1} x',
    '{"a": 0.00031622776601683794, "b": 1234567890123456789}',
]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_texts_orjson_reads_otherwise_are_read_as_json_reads_them(text):
    assert outcome(fast_loads, text) == outcome(json.loads, text)
    assert outcome(fast_loads, text.encode()) == outcome(json.loads, text.encode())


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=20,
)


@SETTINGS
@given(json_values)
def test_any_json_value_is_parsed_as_the_stdlib_parses_it(value):
    text = json.dumps(value)
    assert outcome(fast_loads, text) == outcome(json.loads, text)


@SETTINGS
@given(st.text(alphabet='0123456789-+.eE[]{}:,"aNI ', max_size=40))
def test_any_text_is_parsed_or_refused_as_the_stdlib_does(text):
    assert outcome(fast_loads, text) == outcome(json.loads, text)


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_a_config_orjson_reads_otherwise_gives_the_stdlib_params(tmp_path, stdlib_only, text):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "config.json").write_text("\ufeff" + text)  # a byte order mark as well
    (folder / "metrics.jsonl").write_text('{"step": 0, "loss": 1.0}\n')
    fast = read_run(folder)
    stdlib_only()
    assert fast == read_run(folder)


METRICS_LINES = [
    '{"step": 0, "loss": 1.5, "acc": 0.25}',
    '{"step": 1, "loss": NaN, "acc": Infinity}',  # orjson refuses this line only
    '{"step": 2, "loss": 1e400, "acc": 0.5}',
    '{"step": 123456789012345678901234, "loss": 1.0}',  # a step beyond 64 bits: dropped, reported
    '{"step": 3, "loss": 2, "loss": 3}',
    '{"metric": 123456789012345678901234567, "value": 0.5, "step": 4}',  # a name beyond 64 bits
    '{"metric": "lr", "value": 18446744073709551616, "step": 4}',
    '{"step": 5, "nested": ' + "[" * 1100 + "]" * 1100 + "}",
    '{"step": 6, "text": "\\ud800", "loss": 0.1}',
    "not json",
    '{"step": 7, "loss": -9223372036854775809}',
]


@pytest.mark.parametrize("last", ['{"step": 9, "loss": 0.7', '{"step": 9, "loss": 0.7}', ""])
def test_metrics_lines_orjson_reads_otherwise_give_the_stdlib_series(tmp_path, stdlib_only, last):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "metrics.jsonl").write_text("\ufeff" + "\n".join(METRICS_LINES) + "\n" + last)
    fast = read_run(folder)
    assert fast[0][0][3]["123456789012345678901234567"][0] == [4]  # the name keeps its digits
    stdlib_only()
    assert fast == read_run(folder)


def test_a_wide_log_with_a_nan_line_keeps_every_point(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text("".join(f'{{"step": {i}, "loss": {"NaN" if i == 50 else i / 10}}}\n' for i in range(100)))
    records = [r for batch in iter_json_records(str(path), []) for r in batch]
    assert [r["step"] for r in records] == list(range(100))
    assert math.isnan(records[50]["loss"]) and records[51]["loss"] == 5.1


def test_a_param_beyond_64_bits_keeps_its_digits(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"seed": 123456789012345678901234567890, "lr": 0.1}')
    assert load_json_file(str(path), []) == {"seed": 123456789012345678901234567890, "lr": 0.1}


def test_a_metric_named_by_an_integer_beyond_64_bits_keeps_its_digits(tmp_path, stdlib_only):
    folder = tmp_path / "run"
    folder.mkdir()
    lines = [f'{{"metric": 123456789012345678901234567, "value": {i / 4}, "step": {i}}}' for i in range(3)]
    (folder / "metrics.jsonl").write_text("\n".join([*lines, '{"step": 0, "loss": 1.0}']) + "\n")
    fast = read_run(folder)
    assert fast[0][0][3]["123456789012345678901234567"][:2] == ([0, 1, 2], "[0.0, 0.25, 0.5]")
    stdlib_only()
    assert fast == read_run(folder)
