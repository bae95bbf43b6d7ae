"""The public surface of `import resultsbook`: exactly these names, each importable."""

from __future__ import annotations

import resultsbook

PUBLIC = [
    "AdapterError",
    "Book",
    "BuildError",
    "DefaultsWarning",
    "NotFoundError",
    "NotFoundWarning",
    "OutputError",
    "QueryError",
    "RenderError",
    "ResultsbookError",
    "Run",
    "SpecError",
    "StoreError",
    "Table",
    "__version__",
    "build",
    "collect",
    "forget",
    "open",
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


def test_importing_resultsbook_loads_neither_the_api_nor_pandas():
    import subprocess
    import sys

    code = "import sys, resultsbook; print(sorted(m for m in ('pandas', 'numpy', 'resultsbook.api', 'resultsbook.runlog') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
