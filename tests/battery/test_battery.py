"""The damaged-file battery (docs/damaged-logs.md): for every adapter, damaged copies of a valid tree
are collected by a real `resultsbook collect` in a subprocess with a timeout and a memory limit.

A representative sample runs by default; RESULTSBOOK_BATTERY=full runs every case (.ci/run does).
"""

from __future__ import annotations

import os

import pytest
from harness import Battery
from trees import TREES

FULL = os.environ.get("RESULTSBOOK_BATTERY") == "full"


@pytest.fixture(scope="module")
def battery():
    opened = Battery()
    yield opened
    opened.close()


@pytest.mark.parametrize("tree", sorted(TREES))
def test_damaged_files_cost_only_themselves_and_are_reported(battery, tree):
    cases = battery.cases(tree, FULL)
    assert cases, f"no damaged case for {tree}"
    outcomes = list(battery.run_all(cases))
    failures = [f"{o.verdict}: {o.case.id}: {o.detail}" for o in outcomes if o.verdict != "ok"]
    assert not failures, "\n".join(failures)
