"""Say where a run's last logged value of a metric is not the final value it reports apart from its
curve: Hugging Face's run_glue.py saves trainer_state.json before its evaluation after training (of
the best checkpoint, with load_best_model_at_end), so eval_results.json holds a number the curve
never logged, the number a paper quotes."""

from __future__ import annotations

import numpy as np

from resultsbook.params import format_value
from resultsbook.query.access import MetricReader
from resultsbook.query.model import MetricSpec
from resultsbook.query.reduce import parse_reduction
from resultsbook.query.runs import Runs
from resultsbook.voice import said

SAME = 1e-9  # relative: a final value this close to the last logged one is that value, rounded


def final_value_notes(reader: MetricReader, metric: MetricSpec, runs: Runs) -> list[str]:
    """Return the note for a table of `last` whose runs report another final value than they logged
    last, naming the first; none otherwise."""
    if parse_reduction(metric.reduce).kind != "last" or metric.skip_first:
        return []
    if metric.name in reader.derived or metric.name in reader.normalized:  # no final value of its own
        return []
    summaries = reader.summary_arrays(metric.name)
    if not len(summaries.runs):
        return []
    found, at = summaries.find(runs.ids)
    last = np.where(found, summaries.columns["last"][at], np.nan)
    final = np.where(found & summaries.has_summary[at], summaries.columns["summary"][at], np.nan)
    with np.errstate(invalid="ignore"):
        differ = np.flatnonzero(np.abs(final - last) > SAME * np.maximum(np.abs(final), np.abs(last)))
    if not len(differ):
        return []
    first = int(differ[0])
    name = str(runs.field("name")[first])
    return [
        f"{len(differ)} run(s) report a final {metric.name!r} other than the last one they logged (the "
        f"first: {name}, {format_value(float(last[first]))} logged last, {format_value(float(final[first]))} "
        "reported: an evaluation after training, of the best checkpoint?); the table shows the one logged"
        + said(f" (`resultsbook show {name}` lists both)", "")
    ]
