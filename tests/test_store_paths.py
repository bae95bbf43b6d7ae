"""How the store names the files it collected: relative to its folder, as os.path.relpath does."""

from __future__ import annotations

import os

import pytest

from resultsbook.store import Store

PLACES = [
    "/",
    "/a",
    "",
    "sub",
    "sub/",
    "sub/r1",
    "sub/r1/",
    "other/r",
    "sub/../z",
    "..x",
    "sub/.x",
    "sub/r1/../../q",
]


@pytest.mark.parametrize("place", PLACES)
def test_a_path_is_named_as_relpath_names_it_asked_once_or_again(tmp_path, monkeypatch, place):
    monkeypatch.chdir(tmp_path)
    store = Store.open(str(tmp_path / "sub" / "results.db"))
    path = place if place.startswith("/") else str(tmp_path / place) if place else str(tmp_path)
    expected = os.path.relpath(os.path.abspath(path), store.folder).replace(os.sep, "/")
    store.relative(str(tmp_path / "sub" / "warm" / "x"))  # other parents cached first
    assert store.relative(path) == expected
    assert store.relative(path) == expected
    assert store.relative("relative/run") == os.path.relpath(tmp_path / "relative/run", store.folder)
    store.close()
