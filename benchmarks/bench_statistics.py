"""Measure what the statistics cost and how often their intervals cover: coverage of the 95 % intervals
resultsbook offers at small n (the lint's numbers), and the time of an aggregate table over tasks.

    python benchmarks/bench_statistics.py --trials 1000          # coverage only
    python benchmarks/bench_statistics.py --atari ../shared/realdata/iris-atari100k

Prints one JSON line, then a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from resultsbook.query.stats import bootstrap_interval, t_half_width


def coverage(n: int, trials: int, resamples: int, seed: int) -> dict[str, float]:
    """Return how often each 95 % interval of the mean of n normal values contains the true mean 0."""
    rng = np.random.default_rng(seed)
    hits = {"t": 0, "bootstrap": 0, "bca": 0}
    for _ in range(trials):
        x = rng.normal(size=n)
        hits["t"] += abs(float(np.mean(x))) <= t_half_width(x)
        for method in ("bootstrap", "bca"):
            low, high = bootstrap_interval(x, "mean", int(rng.integers(2**31)), resamples=resamples, method=method)
            hits[method] += low <= 0 <= high
    return {name: count / trials for name, count in hits.items()}


def atari_time(folder: str, resamples: int) -> float:
    """Return the seconds to aggregate the IRIS Atari 100k table's 7 methods × 4 aggregates with intervals."""
    from resultsbook.query.tasks import stratified_intervals

    def load(name: str) -> dict[str, list[float]]:
        with open(f"{folder}/{name}.json") as handle:
            return json.load(handle)

    human, random = load("HUMAN"), load("RANDOM")
    start = time.perf_counter()
    for method in ("IRIS", "SPR", "DrQ(eps)", "SimPLe"):
        scores = load(method)
        per_task = [
            (np.asarray(values) - random[game][0]) / (human[game][0] - random[game][0])
            for game, values in scores.items()
        ]
        stratified_intervals(("mean", "median", "iqm", "optimality_gap"), per_task, resamples=resamples)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--atari", help="the iris-atari100k folder, to time a stratified bootstrap table")
    args = parser.parse_args()
    results = {n: coverage(n, args.trials, args.resamples, seed=n) for n in (3, 5, 10, 20)}
    report = {"coverage": results, "trials": args.trials, "resamples": args.resamples}
    if args.atari:
        report["atari_seconds"] = atari_time(args.atari, 10_000)
    print(json.dumps(report))
    print("\n| n | t-interval | percentile bootstrap | BCa |\n|---|---|---|---|")
    for n, row in results.items():
        print(f"| {n} | {row['t']:.1%} | {row['bootstrap']:.1%} | {row['bca']:.1%} |")
    if args.atari:
        print(f"\nIRIS, SPR, DrQ(ε), SimPLe × 4 aggregates, 10,000 stratified resamples: {report['atari_seconds']:.1f} s")


if __name__ == "__main__":
    main()
