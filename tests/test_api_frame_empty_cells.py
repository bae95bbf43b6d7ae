"""A cell no run falls in (d3rlpy's Decision Transformer never ran on Atari's asterix and pong) has no
mark: `to_frame()` gives it NaN statistics, an `n` of NA, and empty `marks` and `emphasis`, so that
the docs' recipe for the rows with a marked cell (`marks != ""`) does not list a row for its gaps."""

from __future__ import annotations

import pandas as pd

import resultsbook as rb


def test_an_empty_cell_is_not_a_marked_one(tmp_path):
    """Runs in the shape of d3rlpy-benchmarks' Atari results (takuseno/d3rlpy-benchmarks @ 1771c9b2,
    `<Algo>_<game>_<seed>/environment.csv` without a header): DiscreteDT has no pong run."""
    for algo, game in [("NFQ", "breakout"), ("NFQ", "pong"), ("DiscreteDT", "breakout")]:
        for seed in (1, 2, 3):
            run = tmp_path / "runs" / f"{algo}_{game}_{seed}"
            run.mkdir(parents=True)
            (run / "environment.csv").write_text(f"1,1000,{seed}.0\n2,2000,{seed + 10}.0\n")
    rb.collect(
        tmp_path / "runs", db=tmp_path / "s.db", pattern="{algo}_{game}_{seed}/environment.csv",
        options={"columns": ["epoch", "step", "return"]},
    )  # fmt: skip
    with rb.open(tmp_path / "s.db") as book:
        frame = book.table(rows="algo", columns="game", metric="return", test="none").to_frame()
    gap = frame.loc["DiscreteDT", "pong"]
    assert pd.isna(gap["mean"]) and pd.isna(gap["std"]) and pd.isna(gap["n"])
    assert (gap["marks"], gap["emphasis"]) == ("", "")
    marked = frame[frame.xs("marks", axis=1, level="stat").ne("").any(axis=1)]
    assert marked.index.tolist() == []
