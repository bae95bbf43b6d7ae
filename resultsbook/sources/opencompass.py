"""OpenCompass result files: `<work_dir>/<time>/results/<model abbr>/<dataset abbr>.json`, one per model
and dataset, as `opencompass/tasks/openicl_eval.py` dumps them:

    {"accuracy": 31.57894736842105,
     "details": {"type": "GEN",
                 "0": {"prompt": "...", "origin_prediction": "...", "predictions": "A", "references": "B",
                       "correct": false},
                 ...}}

Read by the onefile adapter with `--pattern '{stamp}/results/{model}/{dataset}.json'`, each is a run of
its metrics (`accuracy`, ...). With `dump_details` set, `details` holds one entry per test item (its
prompt, prediction, reference): no setting of the run, left out, or every item's prompt would be a param.
The summary/summary_<time>.csv beside is a table of every dataset by model, rounded to 2 decimals
(sources/hints.py tells it apart and names this reading)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DETAILS = "details"
# the fields of one test item's entry in `details`: format_details' (GEN and PPL datasets), and an
# evaluator's own (pred, answer, correct) when they are not formatted
_ITEM_FIELDS = frozenset(
    {"prompt", "origin_prompt", "origin_prediction", "predictions", "references", "correct", "pred", "answer"}
)


def is_item_details(value: Any) -> bool:
    """Tell whether a `details` value is OpenCompass's per-item record: {"type": "GEN", "0": {prompt,
    predictions, references, correct, ...}, ...} (or a list of such entries)."""
    entries = list(value.values()) if isinstance(value, Mapping) else value if isinstance(value, list) else []
    first = next((entry for entry in entries if isinstance(entry, Mapping)), None)
    return first is not None and len(_ITEM_FIELDS.intersection(first)) >= 2


def without_item_details(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return a result document without OpenCompass's per-item `details`; any other as it is."""
    if DETAILS not in document or not is_item_details(document[DETAILS]):
        return document
    return {key: value for key, value in document.items() if key != DETAILS}
