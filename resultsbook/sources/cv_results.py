"""scikit-learn's `cv_results_` written as a table (`pd.DataFrame(search.cv_results_).to_csv(...)`):
a row per candidate, its folds in `split<k>_test_<score>` columns. Each fold becomes a record of its
own (param `fold`), so a table over folds is a mean ± std over the per-fold scores; the row's
summaries (`mean_*`, `std_*`, sklearn's population std, `rank_*`) and its `params` dict text are
left out, as they are computed from the folds or are no metric."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

FOLD_PARAM = "fold"
_SPLIT = re.compile(r"^split(?P<fold>\d+)_(?P<metric>(?:test|train)_.+)$")
_PARAM_PREFIX = "param_"
_SUMMARY_PREFIXES = ("mean_", "std_", "rank_")


def is_cv_results(fields: Iterable[str]) -> bool:
    """Tell whether a table's columns are those of a scikit-learn `cv_results_`."""
    names = set(fields)
    return (
        "params" in names
        and any(_SPLIT.match(name) for name in names)
        and any(name.startswith("rank_test_") for name in names)
    )


def candidate_params(fields: Iterable[str]) -> set[str]:
    """Return the params of the fold records: each `param_<name>` as `<name>`, and the fold."""
    return {name[len(_PARAM_PREFIX) :] for name in fields if name.startswith(_PARAM_PREFIX)} | {FOLD_PARAM}


def fold_records(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return one record per fold of one candidate's row: its params, the fold and that fold's scores."""
    params = {
        name[len(_PARAM_PREFIX) :]: value for name, value in record.items() if name.startswith(_PARAM_PREFIX)
    }
    folds: dict[int, dict[str, Any]] = {}
    for name, value in record.items():
        found = _SPLIT.match(name)
        if found is not None:
            folds.setdefault(int(found.group("fold")), {})[found.group("metric")] = value
    return [{**params, FOLD_PARAM: fold, **scores} for fold, scores in sorted(folds.items())]


def left_out(fields: Iterable[str]) -> list[str]:
    """Return the columns a fold record leaves out: the row's summaries over folds and its `params`."""
    return sorted(name for name in fields if name == "params" or name.startswith(_SUMMARY_PREFIXES))
