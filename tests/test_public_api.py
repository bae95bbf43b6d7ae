"""The public surface of `import resultsbook`: exactly these names, each importable."""

from __future__ import annotations

import resultsbook

PUBLIC = [
    "AdapterError",
    "NotFoundError",
    "OutputError",
    "QueryError",
    "RenderError",
    "ResultsbookError",
    "Run",
    "SpecError",
    "StoreError",
    "__version__",
    "seed_everything",
]


def test_all_lists_exactly_the_public_names():
    assert sorted(resultsbook.__all__) == PUBLIC


def test_every_public_name_resolves():
    for name in resultsbook.__all__:
        assert getattr(resultsbook, name) is not None


def test_an_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'Runs'"):
        _ = resultsbook.Runs
