"""A param read key by key (what a table reads) gives every value back with the type it was logged with."""

from __future__ import annotations

import json
import math

from conftest import curve

from resultsbook.params import value_identity
from resultsbook.store import Store

# values whose stored form is ambiguous without their type: bools are stored as 0 and 1, and floats
# that are not finite as their text; beside them the ints and strings they look like, and an int and
# a float SQL holds as equal (an integral float is kept as a float from 2**53 up)
LOOKALIKES = [
    True, False, 1, 0, 0.5, math.nan, math.inf, -math.inf, "nan", "inf", "-inf", "1", 2**53, 2.0**53, None, [1],
]  # fmt: skip


def test_a_param_column_keeps_bools_apart_from_ints_and_nan_floats_apart_from_strings(
    make_run, cli, tmp_path
):
    for index, value in enumerate(LOOKALIKES):
        make_run(f"r{index:02d}", {"flag": value, "seed": index}, curve([0.5]))
    assert cli("collect", "runs").exit_code == 0
    with Store.open(str(tmp_path / "resultsbook.db"), create=False) as store:
        runs, values = store.param_column("flag")
        typed = store.params_of(runs)
        names = dict(store.db.execute("SELECT id, name FROM runs").fetchall())
    got = {names[run]: value for run, value in zip(runs, values)}
    assert len(got) == len(LOOKALIKES)
    for index, logged in enumerate(LOOKALIKES[:-1]):
        value = got[f"r{index:02d}"]
        assert type(value) is type(logged), (logged, value)
        assert json.dumps(value) == json.dumps(logged)
    assert got[f"r{len(LOOKALIKES) - 1:02d}"] == "[1]"  # a list is kept as its JSON text
    for run, value in zip(runs, values):  # as the whole-run read types them
        assert type(value) is type(typed[run]["flag"]) and repr(value) == repr(typed[run]["flag"])


def test_a_cell_mixing_true_and_1_is_marked_as_mixed_configs(make_run, cli):
    for seed, flag in enumerate([True, 1, True]):
        make_run(f"run{seed}", {"model": "a", "flag": flag, "seed": seed}, curve([0.5 + seed / 10]))
    cli("collect", "runs")
    result = cli("table", "--rows", "model", "--metric", "acc", "--format", "json")
    (cell,) = json.loads(result.output)["cells"]
    assert cell["marks"] == [{"kind": "mixed", "text": "averages runs that differ in flag (true, 1)"}]


def test_a_param_is_skipped_as_constant_only_when_every_run_has_one_same_value(make_run, cli, tmp_path):
    pairs = {f"p{i:02d}_{j:02d}": (a, b) for i, a in enumerate(LOOKALIKES) for j, b in enumerate(LOOKALIKES)}
    pairs["int_and_float"] = (3, 3.0)
    pairs["zero_int_and_float"] = (0, 0.0)
    for seed in (0, 1):
        params = {key: pair[seed] for key, pair in pairs.items()}
        make_run(f"run{seed}", {"model": "a", "seed": seed, **params}, curve([0.5]))
    assert cli("collect", "runs").exit_code == 0
    with Store.open(str(tmp_path / "resultsbook.db"), create=False) as store:
        typed = list(store.params_of([run for run, _ in store.db.execute("SELECT id, 0 FROM runs")]).values())
        constant = {key for key in pairs if store.constant_param(key)}
    differing = {key for key in pairs if value_identity(typed[0][key]) != value_identity(typed[1][key])}
    assert not constant & differing  # never skips a param two runs differ in
    assert {"int_and_float", "zero_int_and_float", "p02_02", "p04_04", "p09_09"} <= constant  # 1, 0.5, "nan"
    result = cli("table", "--rows", "model", "--metric", "acc", "--format", "json")
    (cell,) = json.loads(result.output)["cells"]
    (mark,) = [mark for mark in cell["marks"] if mark["kind"] == "mixed"]
    named = {
        part.split(" (")[0] for part in mark["text"].removeprefix("averages runs that differ in ").split("; ")
    }
    assert named == differing
