"""SeriesBuilder: each metric keeps its own steps, however many metrics are built together."""

from __future__ import annotations

from resultsbook.sources.series import SeriesBuilder


def test_metrics_logged_at_different_steps_keep_their_own_steps():
    # many keys with point-by-point arrays: freed temporaries must not lend their steps to another key
    builder = SeriesBuilder()
    for entry in range(12):
        builder.add("loss", entry * 2, 1.0)
        if entry % 4 == 3:
            builder.add("eval_loss", entry * 2, 0.5)
    for key in ("train_runtime", "total_flos", "train_loss"):
        builder.add(key, 22, 3.0)
    series, _ = builder.build("x")
    assert {key: len(s.steps) for key, s in series.items()} == {
        key: len(s.values) for key, s in series.items()
    }
    assert list(series["train_runtime"].steps) == [22]
    assert list(series["eval_loss"].steps) == [6, 14, 22]
