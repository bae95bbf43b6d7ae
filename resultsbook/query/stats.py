"""Statistics over replicates (the seeds of one cell), each defined once and stated in outputs.

n         number of replicates with a finite value
mean      arithmetic mean
std       standard deviation with the table's ddof (default 1, the sample std)
sem       std / sqrt(n), with the same ddof
ci95      half-width of the 95 % Student-t interval of the mean (sample std, n - 1 dof)
bootstrap 95 % percentile bootstrap interval of the mean (seeded: same data, same interval)
median, min, max
iqr       interquartile range q75 - q25 (linear interpolation)
iqm       interquartile mean: mean of the middle 50 % (25 % trimmed from each end, as rliable)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from resultsbook.errors import QueryError, did_you_mean

STATISTICS = ("n", "mean", "std", "sem", "ci95", "bootstrap", "median", "iqr", "iqm", "min", "max")
CENTERS = ("mean", "median", "iqm")
SPREADS = ("std", "sem", "ci95", "bootstrap", "iqr", "minmax")
BOOTSTRAP_RESAMPLES = 10_000


def check_statistics(names: Sequence[str]) -> tuple[str, ...]:
    """Validate statistic names, raising with the list of known ones."""
    for name in names:
        if name not in STATISTICS and name != "minmax":
            hint = did_you_mean(name, [*STATISTICS, "minmax"], "choose from", shown=20)
            raise QueryError(f"unknown statistic {name!r}; {hint}")
    return tuple(names)


def describe(
    values: Sequence[float], wanted: Sequence[str] = STATISTICS, ddof: int = 1, seed: int = 0
) -> dict[str, float]:
    """Return the wanted statistics of the finite values (n and mean always; NaN where n is too small).

    Interval statistics add `<name>_lo` and `<name>_hi` beside their half-width; `minmax` gives
    `min` and `max`.
    """
    x = np.asarray([v for v in values if not math.isnan(v)], dtype=np.float64)
    n = len(x)
    nan = float("nan")
    out: dict[str, float] = {"n": float(n), "mean": float(np.mean(x)) if n else nan}
    asked = set(wanted)
    if n == 0:
        return {**{name: nan for name in _expand(asked)}, **out, "n": 0.0}
    if asked & {"std", "sem"}:
        out["std"] = float(np.std(x, ddof=ddof)) if n > ddof else nan
        out["sem"] = out["std"] / math.sqrt(n)
    if "ci95" in asked:
        half = t_half_width(x)
        out.update(ci95=half, ci95_lo=out["mean"] - half, ci95_hi=out["mean"] + half)
    if "bootstrap" in asked:
        low, high = bootstrap_interval(x, seed)
        out.update(bootstrap=(high - low) / 2, bootstrap_lo=low, bootstrap_hi=high)
    if asked & {"median", "iqr"}:
        q25, median, q75 = (float(q) for q in np.percentile(x, [25, 50, 75]))
        out.update(median=median, iqr=q75 - q25)
    if "iqm" in asked:
        out["iqm"] = interquartile_mean(x)
    if asked & {"min", "max", "minmax"}:
        out.update(min=float(np.min(x)), max=float(np.max(x)))
    return out


def _expand(wanted: set[str]) -> list[str]:
    """Return the output keys the wanted statistics produce."""
    keys: list[str] = []
    for name in wanted:
        if name in {"ci95", "bootstrap"}:
            keys += [name, f"{name}_lo", f"{name}_hi"]
        elif name == "minmax":
            keys += ["min", "max"]
        elif name in {"std", "sem"}:
            keys += ["std", "sem"]
        elif name in {"median", "iqr"}:
            keys += ["median", "iqr"]
        else:
            keys.append(name)
    return keys


def t_half_width(x: np.ndarray, level: float = 0.95) -> float:
    """Return the half-width of the Student-t confidence interval of the mean."""
    n = len(x)
    if n < 2:
        return float("nan")
    from scipy.special import stdtrit  # imported here: scipy costs ~0.5 s to import

    quantile = float(stdtrit(n - 1, 0.5 + level / 2))
    return quantile * float(np.std(x, ddof=1)) / math.sqrt(n)


def bootstrap_interval(x: np.ndarray, seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Return the percentile bootstrap interval of the mean, with a fixed seed."""
    if len(x) < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = rng.choice(x, size=(BOOTSTRAP_RESAMPLES, len(x)), replace=True).mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def interquartile_mean(x: np.ndarray) -> float:
    """Return the mean of the middle 50 %: trim int(0.25 n) values from each end (as scipy.trim_mean)."""
    cut = int(0.25 * len(x))
    ordered = np.sort(x)
    kept = ordered[cut : len(x) - cut]
    return float(np.mean(kept)) if len(kept) else float("nan")
