"""Helpers for the tracker adapters' tests: read a fixture tree as collect would, compare to expected.json."""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

from resultsbook.adapters import get_adapter
from resultsbook.adapters.base import Adapter
from resultsbook.models import Problem, RunRecord
from resultsbook.sources.collect import CollectRequest, find_sources, read_source

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def copy_fixture(name: str, tmp_path: Path) -> Path:
    """Copy tests/fixtures/<name> into tmp_path (tests may age or damage files) and return the copy."""
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


def expected(name: str) -> dict[str, Any]:
    """Return tests/fixtures/<name>/expected.json (NaN tokens allowed)."""
    return json.loads((FIXTURES / name / "expected.json").read_text())


def read_tree(
    root: Path, adapter: str | None = None, **options: Any
) -> dict[str, tuple[RunRecord, list[Problem], str]]:
    """Find and read the sources under root as collect does; return {relative source path: (run, problems, adapter)}.

    A source with several runs gives keys `path#key`.
    """
    request = CollectRequest(str(root), adapter=adapter, options=options)
    found: dict[str, tuple[RunRecord, list[Problem], str]] = {}
    for source, reader in find_sources(request):
        result = read_source(reader, source)
        relative = os.path.relpath(source.path, root).replace(os.sep, "/")
        for run in result.runs:
            key = relative if len(result.runs) == 1 else f"{relative}#{run.key}"
            found[key] = (run, list(result.problems), reader.name)
    return found


def adapter(name: str, **options: Any) -> Adapter:
    """Return an instance of an installed adapter."""
    return get_adapter(name)(**options)


def same_number(a: float, b: float) -> bool:
    """Compare two metric values, NaN equal to NaN."""
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def last_values(run: RunRecord) -> dict[str, float]:
    """Return each metric's last value."""
    return {key: float(series.values[-1]) for key, series in run.metrics.items() if len(series)}
