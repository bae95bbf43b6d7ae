"""The lock file's text is exactly what `json.dumps(indent=1, sort_keys=True)` writes, however it is built."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resultsbook.outputs.lock import LockEntry, indented_json, read_lock, render_lock

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
