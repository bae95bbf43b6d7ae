"""Statistics over replicates (the seeds of one cell), each defined once and stated in outputs.

n          number of replicates with a value (NaN left out; ±inf kept, see below)
mean       arithmetic mean
std        standard deviation with the table's ddof (default 1, the sample std); NaN for one value
sem        std / sqrt(n), with the same ddof; the spread of the mean only
ci95       95 % Student-t interval of the mean (sample std, n - 1 dof); offered with the mean only
bootstrap  95 % percentile bootstrap interval of the CENTRE statistic (mean, median or IQM)
bca        95 % bias-corrected and accelerated (BCa) bootstrap interval of the centre; bootstrap and
           bca's own value is the half-width (hi - lo) / 2, of the bounds' decimal forms (as they print)
median, min, max
iqr        interquartile range q75 - q25 (linear interpolation, numpy's default; of their decimal
           forms, as the half-width's); shown as the
           interval [q25, q75] (`iqr_lo`, `iqr_hi`), which need not be centred on the median; NaN
           for one value, as std is (min and max stay: they are the value itself)
iqm        interquartile mean: mean of the middle 50 % (int(0.25 n) trimmed from each end, as
           scipy.stats.trim_mean and rliable)

Conventions (pinned against numpy/scipy by tests/test_stats_properties.py):
- bootstrap resamples are drawn as `rng.integers(0, n, (resamples, n))` from
  `numpy.random.default_rng(seed)`, exactly as scipy.stats.bootstrap draws them, and the bounds
  are linear-interpolated quantiles of the resampled statistic, so the same seed gives scipy's
  interval; BCa follows Efron & Tibshirani (14.3, 15.4) as scipy does, except that when the
  jackknife values do not vary (acceleration 0/0, where scipy gives NaN) the acceleration is 0.
- spreads below what rounding of the inputs can produce (seeds that all logged 0.1) are 0.
- huge finite values (a diverged run's 1e276) get std, intervals and tests computed in the unit of the
  largest value, where squares or cubes would overflow; means and resampled statistics too, where
  sums would (values near 1e308).
- infinite values stay in: order statistics (median, quantiles, min, max) use them; the mean is
  ±inf (NaN for +inf and -inf together); std, sem and intervals are NaN, and so is an iqr whose two
  quartiles are the same infinity (runs 0.6 and inf: not 0). Outputs mark such cells.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal

import numpy as np

from resultsbook.errors import QueryError, did_you_mean
from resultsbook.query.student_t import two_sided_quantile

STATISTICS = (
    "n", "mean", "std", "sem", "ci95", "bootstrap", "bca", "median", "iqr", "iqm", "min", "max",
)  # fmt: skip
CENTERS = ("mean", "median", "iqm")
SPREADS = ("std", "sem", "ci95", "bootstrap", "bca", "iqr", "minmax")
BOOTSTRAPS = ("bootstrap", "bca")
INTERVALS = ("ci95", *BOOTSTRAPS)  # interval estimates of the centre, with _lo and _hi bounds
BOOTSTRAP_RESAMPLES = 10_000
SMALL_BOOTSTRAP_N = 10  # fewer values: a bootstrap interval covers well below its nominal level
_NOISE = 8 * np.finfo(np.float64).eps
_SQUARES_OVERFLOW = 1e150  # beyond about 1.3e154, squares exceed the largest double
_CUBES_OVERFLOW = 1e100  # and beyond about 5.6e102, cubes do
_SUMS_OVERFLOW = 1e307  # n values beyond this over n may sum past the largest double


# what other tools and papers call a statistic: the name meant is not the nearest spelling
# (`stderr` is the standard error, `sem`, not `std`)
STATISTIC_SYNONYMS = {
    "stderr": "sem", "se": "sem", "ste": "sem", "standard_error": "sem", "sd": "std", "stdev": "std",
    "stddev": "std", "ci": "ci95", "ci_95": "ci95", "conf": "ci95", "confidence": "ci95", "avg": "mean",
    "average": "mean", "range": "minmax", "quartiles": "iqr", "boot": "bootstrap",
}  # fmt: skip


def meant_statistic(name: str) -> str | None:
    """Return the statistic another tool's name for it means (`stderr` → `sem`), else None."""
    return STATISTIC_SYNONYMS.get(name.strip().lower().replace("-", "_").replace(" ", "_"))


def check_statistics(names: Sequence[str], center: str = "mean") -> tuple[str, ...]:
    """Validate statistic names and their pairing with the centre, raising one line naming what is allowed."""
    for name in names:
        if name not in STATISTICS and name != "minmax":
            meant = meant_statistic(name)
            hint = (
                f"did you mean {meant!r}?"
                if meant
                else did_you_mean(name, [*STATISTICS, "minmax"], "choose from", shown=20)
            )
            raise QueryError(f"unknown statistic {name!r}; {hint}")
    spreads = [name for name in names if name in SPREADS and name not in MEAN_ONLY]
    if "ci95" in names and center in CENTERS and center != "mean" and spreads:
        raise QueryError(  # an extra column of the mean's interval, with no mean beside it, misleads
            f"ci95 is {MEAN_ONLY['ci95']}, not of the {center}, so a table centred on the {center} has "
            f"no ci95 column: drop ci95 ({spreads[0]} is then the spread), use bootstrap or bca for an "
            f"interval of the {center}, or center = mean"
        )
    check_pairing(center, "ci95" if "ci95" in names else None)
    return tuple(names)


MEAN_ONLY = {"ci95": "the Student-t interval of the mean", "sem": "the standard error of the mean"}


def check_pairing(center: str, spread: str | None) -> None:
    """Refuse a spread that speaks of the mean beside another centre (the t-interval and the
    standard error are the mean's: printed beside a median they would read as its own), and the
    quartiles beside the mean, which they need not contain."""
    if center not in CENTERS:
        raise QueryError(f"center {center!r} is not one of {', '.join(CENTERS)}")
    if spread in MEAN_ONLY and center != "mean":
        raise QueryError(
            f"{spread} is {MEAN_ONLY[spread]}, not of the {center}; with center = {center} "
            "use spread = bootstrap or bca (intervals of the centre), std or iqr (how the runs spread), "
            "or center = mean"
        )
    if spread == "iqr" and center == "mean":  # the quartiles belong with the median (or the IQM)
        raise QueryError(
            "iqr is printed as the quartiles [q25, q75], which need not hold the mean: one far seed puts "
            "it outside them (8295 [9202, 9218], tianshou's DDPG on InvertedDoublePendulum-v2); with center "
            "= mean use spread = std, ci95, bootstrap, bca or minmax, or center = median or iqm"
        )


def describe(
    values: Sequence[float],
    wanted: Sequence[str] = STATISTICS,
    ddof: int = 1,
    seed: int = 0,
    center: str = "mean",
    resamples: int = BOOTSTRAP_RESAMPLES,
) -> dict[str, float]:
    """Return the wanted statistics of the values (n and mean always; NaN where n is too small).

    Interval statistics add `<name>_lo` and `<name>_hi` beside their half-width; `minmax` gives
    `min` and `max`; `bootstrap` and `bca` are intervals of `center`.
    """
    if isinstance(values, np.ndarray):
        x = values[~np.isnan(values)].astype(np.float64)
    else:
        x = np.asarray([v for v in values if not math.isnan(v)], dtype=np.float64)
    n = len(x)
    nan = float("nan")
    asked = set(wanted)
    if "ci95" in asked:
        check_pairing(center, "ci95")
    if n == 0:
        return {**{name: nan for name in _expand(asked)}, "n": 0.0, "mean": nan}
    finite = bool(np.isfinite(x).all())
    out: dict[str, float] = {"n": float(n), "mean": mean_of(x)}
    if asked & {"std", "sem"}:
        # one value has no spread, whatever the ddof (numpy's population std of one value is 0)
        std = std_of(x, ddof) if n > max(ddof, 1) and finite else nan
        out["std"] = denoise(std, x)
        out["sem"] = out["std"] / math.sqrt(n)
    if "ci95" in asked:
        half = denoise(t_half_width(x), x) if finite else nan
        out.update(ci95=half, ci95_lo=out["mean"] - half, ci95_hi=out["mean"] + half)
    for method in BOOTSTRAPS:
        if method in asked:
            low, high = (
                bootstrap_interval(x, center, seed, resamples=resamples, method=method)
                if finite
                else (nan, nan)
            )
            out.update({method: denoise(half_width(low, high), x), f"{method}_lo": low, f"{method}_hi": high})
    if asked & {"median", "iqr"}:
        q25, median, q75 = quantiles(x, (0.25, 0.5, 0.75))
        out.update(median=median, iqr=denoise(_difference(q75, q25), x), iqr_lo=q25, iqr_hi=q75)
        if n == 1:  # one value has no quartiles to spread between, as it has no std
            out.update(iqr=nan, iqr_lo=nan, iqr_hi=nan)
    if "iqm" in asked:
        out["iqm"] = interquartile_mean(x)
    if asked & {"min", "max", "minmax"}:
        out.update(min=float(np.min(x)), max=float(np.max(x)))
    return out


def _expand(wanted: set[str]) -> list[str]:
    """Return the output keys the wanted statistics produce."""
    keys: list[str] = []
    for name in wanted:
        if name in INTERVALS:
            keys += [name, f"{name}_lo", f"{name}_hi"]
        elif name == "minmax":
            keys += ["min", "max"]
        elif name in {"std", "sem"}:
            keys += ["std", "sem"]
        elif name in {"median", "iqr"}:
            keys += ["median", "iqr", "iqr_lo", "iqr_hi"]
        else:
            keys.append(name)
    return keys


def mean_of(x: np.ndarray) -> float:
    """Return the mean; ±inf when infinities of one sign are present, NaN for both signs."""
    largest = sum_overflowing(x)
    if largest:
        return float(np.mean(x / largest)) * largest  # a sum of values near 1e308 would be inf
    with np.errstate(invalid="ignore", over="ignore"):  # beside an infinite value: the mean is inf
        return float(np.mean(x))


def sum_overflowing(x: np.ndarray) -> float:
    """Return the largest absolute value of finite values whose sum may overflow, else 0."""
    if not len(x) or not np.isfinite(x).all():
        return 0.0
    largest = float(np.max(np.abs(x)))
    return largest if largest > _SUMS_OVERFLOW / len(x) else 0.0


def std_of(x: np.ndarray, ddof: int) -> float:
    """Return the standard deviation of finite values, also of values whose squares overflow."""
    largest = float(np.max(np.abs(x))) if len(x) else 0.0
    if largest < _SQUARES_OVERFLOW:
        return float(np.std(x, ddof=ddof))
    return float(np.std(x / largest, ddof=ddof)) * largest  # a diverged run logs 1e276


def denoise(spread: float, x: np.ndarray) -> float:
    """Return 0 for a spread no larger than rounding of the inputs can produce, else the spread."""
    if math.isnan(spread) or math.isinf(spread) or len(x) == 0 or not np.isfinite(x).all():
        return spread
    with np.errstate(over="ignore"):  # 1.7e308 beside -1.7e308: a range past the largest double, not 0
        if np.ptp(x) == 0:
            return 0.0
    largest = float(np.max(np.abs(x)))
    return 0.0 if abs(spread) <= _NOISE * len(x) * largest else spread


def _difference(high: float, low: float) -> float:
    """Return high - low: 0 for equal quartiles, NaN for two equal infinite ones (runs 0.6 and inf have
    both quartiles at inf, and a spread no one can compute, not none)."""
    with np.errstate(invalid="ignore"):
        return decimal_difference(high, low) if high != low or math.isinf(high) else 0.0


def decimal_difference(high: float, low: float) -> float:
    """Return high - low as the bounds' shortest decimal forms give it (0.9 - 0.81 is 0.09, where the
    floats give 0.08999999999999997), so its half, 0.045, rounds half-up to 0.05 as a reader checking
    the printed bounds expects; plain float arithmetic for infinite or NaN bounds."""
    if not (math.isfinite(high) and math.isfinite(low)):
        return high - low
    return float(Decimal(repr(float(high))) - Decimal(repr(float(low))))


def half_width(low: float, high: float) -> float:
    """Return an interval's half-width (high - low) / 2, of its bounds as they print."""
    return decimal_difference(high, low) / 2


def quantiles(x: np.ndarray, levels: Sequence[float]) -> list[float]:
    """Return linear-interpolation quantiles (numpy's default), exact with infinite values too."""
    if np.isfinite(x).all():
        return [float(q) for q in np.quantile(x, levels)]
    ordered = np.sort(x)
    out = []
    for level in levels:
        position = (len(ordered) - 1) * level
        below = math.floor(position)
        fraction = position - below
        low = float(ordered[below])
        high = float(ordered[min(below + 1, len(ordered) - 1)])
        if fraction == 0 or low == high:
            out.append(low)
        elif math.isinf(low) and math.isinf(high):
            out.append(float("nan"))  # between -inf and +inf
        else:
            out.append(
                high if math.isinf(high) else low if math.isinf(low) else low + fraction * (high - low)
            )
    return out


def t_half_width(x: np.ndarray, level: float = 0.95) -> float:
    """Return the half-width of the Student-t confidence interval of the mean."""
    n = len(x)
    if n < 2:
        return float("nan")
    quantile = two_sided_quantile(1 - level, n - 1)  # stdtrit(n - 1, 0.5 + level / 2), without scipy
    return quantile * std_of(x, 1) / math.sqrt(n)


def interquartile_mean(x: np.ndarray) -> float:
    """Return the mean of the middle 50 %: trim int(0.25 n) values from each end (as scipy.trim_mean)."""
    cut = int(0.25 * len(x))
    ordered = np.sort(x)
    kept = ordered[cut : len(x) - cut]
    return mean_of(kept) if len(kept) else float("nan")


def iqm_along(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Return the interquartile mean along an axis (vectorised over resamples)."""
    n = x.shape[axis]
    cut = int(0.25 * n)
    # a partial sort suffices: the values ranked cut .. n - cut - 1 end up between the two pivots
    ordered = np.partition(x, (cut, n - cut - 1), axis=axis)
    return np.mean(np.take(ordered, np.arange(cut, n - cut), axis=axis), axis=axis)


STATISTIC_FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    "mean": np.mean,
    "median": np.median,
    "iqm": iqm_along,
}


def resampled_statistic(
    x: np.ndarray, statistic: str, seed: int, resamples: int = BOOTSTRAP_RESAMPLES
) -> np.ndarray:
    """Return the statistic of each bootstrap resample of x (drawn as scipy.stats.bootstrap draws)."""
    function = STATISTIC_FUNCTIONS[statistic]
    rng = np.random.default_rng(seed)
    n = len(x)
    out = np.empty(resamples)
    batch = max(1, min(resamples, 4_000_000 // max(n, 1)))  # bounded memory: ~32 MB of indexes
    for start in range(0, resamples, batch):
        count = min(batch, resamples - start)
        out[start : start + count] = function(x[rng.integers(0, n, (count, n))], axis=-1)
    return out


def bootstrap_interval(
    x: np.ndarray,
    statistic: str = "mean",
    seed: int = 0,
    level: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    method: str = "bootstrap",
) -> tuple[float, float]:
    """Return the percentile (`bootstrap`) or BCa (`bca`) bootstrap interval of a statistic, seeded."""
    if len(x) < 2:
        return float("nan"), float("nan")
    largest = sum_overflowing(x)
    if largest:  # the same resamples and jackknife in the unit of the largest value (near 1e308)
        low, high = bootstrap_interval(x / largest, statistic, seed, level, resamples, method)
        return low * largest, high * largest
    resampled = resampled_statistic(x, statistic, seed, resamples)
    tail = (1 - level) / 2
    if method == "bca":
        low_level, high_level = bca_levels(x, statistic, resampled, tail)
        if math.isnan(low_level) or math.isnan(high_level):
            return float("nan"), float("nan")
    else:
        low_level, high_level = tail, 1 - tail
    low, high = np.quantile(resampled, [low_level, high_level])
    return float(low), float(high)


def bca_levels(x: np.ndarray, statistic: str, resampled: np.ndarray, tail: float) -> tuple[float, float]:
    """Return the BCa quantile levels: bias z0 from the resamples, acceleration from the jackknife."""
    from scipy.special import ndtr, ndtri

    function = STATISTIC_FUNCTIONS[statistic]
    estimate = float(function(x))
    below = (np.count_nonzero(resampled < estimate) + np.count_nonzero(resampled <= estimate)) / (
        2 * len(resampled)
    )
    z0 = float(ndtri(below))
    n = len(x)
    leave_one_out = np.array([float(function(np.delete(x, i))) for i in range(n)])
    deviations = (n - 1) * (leave_one_out.mean() - leave_one_out)
    largest = float(np.max(np.abs(deviations)))
    if largest > _CUBES_OVERFLOW:  # the acceleration does not depend on the unit
        deviations = deviations / largest
    squares = float(np.sum(deviations**2)) / n**2
    acceleration = float(np.sum(deviations**3)) / n**3 / (6 * squares**1.5) if squares > 0 else 0.0
    levels = []
    for z in (float(ndtri(tail)), -float(ndtri(tail))):
        shifted = z0 + z
        levels.append(float(ndtr(z0 + shifted / (1 - acceleration * shifted))))
    return levels[0], levels[1]
