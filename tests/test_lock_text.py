"""The lock file's text is exactly what `json.dumps(indent=1, sort_keys=True)` writes, however it is built."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resultsbook.jsontext import indented_json, joined_json_texts
from resultsbook.outputs.lock import LockEntry, read_lock, render_lock

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(),  # NaN, ±inf, control characters, U+2028
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.dictionaries(st.text(), children, max_size=4),
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS)
def test_the_lock_is_written_as_json_writes_it(document):
    assert indented_json(document) == json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False)


def test_a_lock_with_a_value_json_cannot_sort_or_write_fails_as_json_fails():
    with pytest.raises(TypeError):
        indented_json({"runs": {1: "a"}})  # json itself refuses to sort int and str keys together
    with pytest.raises(TypeError):
        render_lock({"tables.t": LockEntry("digest", {"cell": {"runs": {"a", "b"}}})})


def test_a_large_lock_reads_back_as_written(tmp_path):
    runs = [f"run-{i:06d}" for i in range(50_000)]
    entries = {
        "tables.t": LockEntry("digest", {"model / dataset": {"value": "0.9 ± 0.1", "n": 3, "runs": runs}})
    }
    path = tmp_path / "resultsbook.lock"
    path.write_text(render_lock(entries), encoding="utf-8")
    assert read_lock(str(path)) == entries


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(), st.text(alphabet='az"\\/\x7f\x1f é'))))
def test_run_ids_are_joined_as_json_writes_them_or_left_to_it(texts):
    joined = joined_json_texts(texts, ", ")
    if joined is not None:
        assert "[" + joined + "]" == json.dumps(texts) == json.dumps(texts, ensure_ascii=False)


def test_run_ids_as_resultsbook_makes_them_are_joined_at_once():
    ids = ["0001d2048d68", "run-a_1.2/x", "~!@#$%^&*()"]
    assert joined_json_texts(ids, ", ") == json.dumps(ids)[1:-1]


@pytest.mark.parametrize(
    "texts",
    [
        ["a", 'b","c'],
        ["a\\", "b"],
        ["x\x7f/<>&'"],
        ["é"],
        ["\u2028"],
        ["\x01"],
        ["\ud800"],
        ["a", 1],
        ["a", None],
    ],
)
def test_run_ids_that_json_writes_its_own_way_are_left_to_it(texts):
    joined = joined_json_texts(texts, ", ")
    assert joined is None or "[" + joined + "]" == json.dumps(texts)
    assert indented_json(texts) == json.dumps(texts, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("run_ids", [["a1", "b2", "c3"], ["a1", "é2", 'q"3']])
def test_a_cells_runs_digest_is_what_earlier_versions_wrote_in_their_locks(run_ids):
    """Locks keep this digest: were it written otherwise, every table of every lock would be stale."""
    import hashlib

    import numpy as np

    from resultsbook.outputs.build import _runs_digest
    from resultsbook.query.model import CellRuns

    values = np.array([0.5, 0.25, 1.0])
    objects = np.array(run_ids, dtype=object)
    statuses = np.array(["finished"] * 3, dtype=object)
    runs = CellRuns(np.arange(3), objects, objects, values, statuses, (), np.full(3, None, dtype=object))
    earlier = hashlib.sha256(json.dumps([run_ids, ["finished"]]).encode())
    earlier.update(values.astype("<f8").tobytes())
    assert _runs_digest(runs) == earlier.hexdigest()
