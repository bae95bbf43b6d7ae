"""ML-Logger run folders, written by ML-Logger itself (tests/fixtures/ml_logger), read without
unpickling: the pickles' opcodes are parsed, and only plain values and numpy's scalars are built."""

from __future__ import annotations

import os
import pickle
import sys
import types

import numpy as np
import pytest
from trackers import copy_fixture, expected, read_tree, same_number

from resultsbook.sources.pickled import NotPlain, Truncated, iter_pickled

RUN = "data/walker-walk/curl/100"


@pytest.fixture
def root(tmp_path):
    return copy_fixture("ml_logger", tmp_path)


def test_every_run_agrees_with_what_ml_logger_logged(root):
    found = read_tree(root)
    want = expected("ml_logger")
    assert sorted(found) == sorted(want)
    for source, item in want.items():
        run, _, adapter = found[source]
        assert adapter == "ml_logger"
        assert run.params == {f"Args.{key}": value for key, value in item["params"][0]["Args"].items()}
        for row in item["rows"]:
            for key, value in row.items():
                if key in ("step", "__timestamp"):
                    continue
                series = run.metrics[key]
                at = list(series.steps).index(row["step"])
                assert same_number(float(series.values[at]), float(value)), (source, key)
                if "__timestamp" in row:  # ML-Logger's wall time of the row, a numpy datetime64
                    assert series.times is not None and series.times[at] == row["__timestamp"]


def test_numpy_scalars_are_read_as_their_values_and_steps_as_logged(root):
    run = read_tree(root)[RUN][0]
    assert list(run.metrics["train/episode_reward/mean"].steps) == [0, 250, 500, 750]
    assert list(run.metrics["eval/episode_reward"].values) == [500.0]  # an np.float32
    assert list(run.metrics["eval/episodes"].values) == [10.0]  # an np.int64
    assert list(run.metrics["eval/success"].values) == [1.0]  # an np.bool_
    assert run.start_time == pytest.approx(1796603400.25)


def test_a_run_killed_while_appending_keeps_its_whole_rows_and_says_so(root):
    run, problems, _ = read_tree(root)["data/walker-walk/crashed/300"]
    assert list(run.metrics["train/episode_reward/mean"].steps) == [0, 250]
    assert "eval/episode_reward" not in run.metrics
    assert [p.describe() for p in problems] == [
        f"{root}/data/walker-walk/crashed/300/metrics.pkl: ends in a pickle cut off while it was written"
        " — kept: the ones before it"
    ]


def test_a_collect_finds_the_runs_unasked_and_names_the_pattern_of_their_folders(root, cli):
    output = cli("collect", str(root / "data")).output
    assert "5 new" in output and "1 problem" in output
    follow = cli(
        "collect", str(root / "data"), "--pattern", "{domain}/{method}/{seed}/metrics.pkl", "--db", "p.db"
    )
    assert "5 new" in follow.output
    table = cli(
        "table",
        "--db",
        "p.db",
        "--rows",
        "method",
        "--metric",
        "eval/episode_reward",
        "--where",
        "method!=crashed",
    )
    assert table.exit_code == 0, table.output
    assert "550 ± 71" in table.output  # curl and sac: 500 and 600 over seeds 100, 200


class Payload:
    """What a hostile log pickles: a call of os.system, run by anyone who unpickles it."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_pickle_that_would_run_code_is_refused_never_run_and_the_other_rows_kept(root, tmp_path):
    marker = tmp_path / "ran"
    path = root / RUN / "metrics.pkl"
    with open(path, "ab") as handle:
        handle.write(pickle.dumps({"step": 2000, "x": Payload(str(marker))}))
        handle.write(pickle.dumps({"step": 2250, "eval/episode_reward": 7.0}))
    run, problems, _ = read_tree(root)[RUN]
    assert not marker.exists()
    assert list(run.metrics["eval/episode_reward"].steps) == [1000, 2250]
    [problem] = [p.describe() for p in problems]
    assert "1 pickle(s) hold no dict of plain values (it calls posix.system) — kept: the others" in problem


def test_another_program_s_metrics_pkl_is_no_run_and_said_in_one_line(tmp_path, cli):
    """A pickled DataFrame or a set named metrics.pkl, with no parameters.pkl: nothing of ML-Logger's."""
    (tmp_path / "results" / "eval").mkdir(parents=True)
    (tmp_path / "results" / "eval" / "metrics.pkl").write_bytes(pickle.dumps({"acc", "f1"}))
    output = cli("collect", "results").output
    assert "hold no run; see the problems above; no run was added or changed" in output, output
    assert (
        "results/eval/metrics.pkl: 1 pickle(s) hold no dict of plain values (it builds objects (pickle opcode "
        "EMPTY_SET)) — kept: no run"
    ) in output


def test_bytes_that_are_no_pickle_are_reported_in_one_line(root):
    (root / RUN / "parameters.pkl").write_bytes(b"lr: 0.1\n")
    run, problems, _ = read_tree(root)[RUN]
    assert run.params == {} and "eval/episode_reward" in run.metrics
    assert [p.message for p in problems] == [
        "is not a file of pickles (bytes that are no pickle (its opcodes build no value: IndexError))"
    ]
    (root / RUN / "parameters.pkl").write_text('{"lr": 0.1}')  # JSON: `{` is no opcode
    assert [p.message for p in read_tree(root)[RUN][1]] == [
        "is not a file of pickles (bytes that are no pickle (at position 0, opcode b'{' unknown))"
    ]


def test_numpy_scalars_of_dill_s_older_form_are_read(monkeypatch):
    """ML-Logger's examples (2021, dill and numpy 1.x) name numpy's scalar through dill's
    `_get_attr(_import_module('numpy.core._multiarray_umath'), 'scalar')`: built here by pickling
    stand-ins of those functions, so the bytes have that form without any old library."""
    dill = types.ModuleType("dill._dill")

    def _import_module(name):
        return types.SimpleNamespace(name=name)

    def _get_attr(module, name):
        return Scalar()

    dill._import_module, dill._get_attr = _import_module, _get_attr
    _import_module.__module__ = _get_attr.__module__ = "dill._dill"
    _import_module.__qualname__, _get_attr.__qualname__ = "_import_module", "_get_attr"
    monkeypatch.setitem(sys.modules, "dill", sys.modules.get("dill") or types.ModuleType("dill"))
    monkeypatch.setitem(sys.modules, "dill._dill", dill)

    class Module:
        def __reduce__(self):
            return (_import_module, ("numpy.core._multiarray_umath",))

    class Scalar:
        def __reduce__(self):
            return (_get_attr, (Module(), "scalar"))

        def __call__(self, *arguments):
            return None

    class Value:
        def __init__(self, dtype: str, data: bytes) -> None:
            self.dtype, self.data = np.dtype(dtype), data

        def __reduce__(self):
            return (Scalar(), (self.dtype, self.data))

    stamp = np.datetime64("2021-03-13T06:35:56.585205")
    row = {
        "episode_reward/mean": Value("f8", np.float64(20.5).tobytes()),
        "step": 0,
        "__timestamp": Value("M8[us]", stamp.tobytes()),
    }
    [read] = list(iter_pickled(pickle.dumps(row, protocol=3)))
    assert read == {"episode_reward/mean": 20.5, "step": 0, "__timestamp": pytest.approx(1615617356.585205)}


@pytest.mark.parametrize(
    "value",
    [
        {"a": [1, 2.5, None, True, "x", b"y", (3,)], "b": {"c": -(2**70)}},
        [{"k": i} for i in range(300)],  # memo indices past 255: LONG_BINPUT
        np.float16(1.5),
        np.uint8(200),
        np.complex128(1 + 2j),
    ],
)
@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_plain_values_of_every_protocol_come_back_equal(value, protocol):
    expected_value = value.item() if isinstance(value, np.generic) else value
    assert list(iter_pickled(pickle.dumps(value, protocol=protocol))) == [expected_value]


def test_a_value_that_holds_itself_unfolds_past_its_bytes_or_nests_too_deep_is_refused():
    itself: list = []
    itself.append(itself)
    assert isinstance(next(iter_pickled(pickle.dumps(itself))), NotPlain)
    assert isinstance(next(iter_pickled(pickle.dumps({1, 2}))), NotPlain)  # a set is no row
    shared: list = [1.0]  # 40 levels of a list fetched twice from the memo: 281 bytes, 2**40 values
    for _ in range(40):
        shared = [shared, shared]
    [refused] = iter_pickled(pickle.dumps({"step": 0, "a": shared}))
    assert str(refused) == "it unfolds into more values than its 281 bytes can hold"
    repeated = [[0.5] * 3] * 10  # one list fetched ten times: as many values as its bytes say, kept
    assert list(iter_pickled(pickle.dumps({"a": repeated}))) == [{"a": repeated}]
    deep: list = []
    for _ in range(150):
        deep = [deep]
    assert "nests deeper than" in str(next(iter_pickled(pickle.dumps(deep))))
    with pytest.raises(Truncated):
        list(iter_pickled(pickle.dumps({"step": 1})[:-3]))


def test_a_pattern_finds_parameters_pkl_in_the_walk_s_listing_of_the_folder(root, store, monkeypatch):
    from resultsbook.sources import fs
    from resultsbook.sources.collect import CollectRequest, collect

    listed: list[str] = []
    monkeypatch.setattr(fs, "names_beside", lambda path: listed.append(path) or (os.path.dirname(path), []))
    collect(store, [CollectRequest(str(root / "data"), pattern="{domain}/{method}/{seed}/metrics.pkl")])
    assert listed == []  # no second listing of a folder the walk has just listed
    seeds = sorted(run.params["Args.seed"] for run in store.runs() if run.params["method"] == "curl")
    assert seeds == [100, 200]  # parameters.pkl found beside each metrics.pkl
