"""Student's t tail without scipy (query/student_t.py) against scipy.special.stdtr, to ~1e-12 relative.

The range: degrees of freedom from 1/2 (Welch's are at least 1) to 10^10, fractional; |t| from 1e-6
(p near 1) to where p leaves the doubles (about 1e-300). Where scipy's own stdtr is the less exact
one, the closed form of 1 degree of freedom (Cauchy) or mpmath pins the tail instead: with exactly
1 degree of freedom and |t| < 1e-4 stdtr loses digits (2 stdtr(1, -1e-6) is off by 2.8e-11, and
stdtr(1, -1e-10) is 0.5), and it gives 0 for |t| > 1e154.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import stdtr, stdtrit

from resultsbook.query.significance import welch_p
from resultsbook.query.student_t import two_sided_p, two_sided_quantile

TOLERANCE = 1e-12
DOF = st.floats(min_value=math.log(0.5), max_value=math.log(1e10)).map(math.exp)
T = st.floats(min_value=-6, max_value=4).map(lambda e: 10**e)


def scipy_p(t: float, dof: float) -> float:
    if dof == 1 and abs(t) < 1e-4:  # where stdtr is inexact: Cauchy's closed form
        return 2 * math.atan(1 / abs(t)) / math.pi
    return float(2 * stdtr(dof, -abs(t)))


def assert_close(got: float, want: float) -> None:
    assert math.isclose(got, want, rel_tol=TOLERANCE), (got, want)


@settings(max_examples=3000, deadline=None)
@given(T, DOF)
def test_two_sided_p_matches_scipy_over_t_and_fractional_dof(t, dof):
    want = scipy_p(t, dof)
    if want < 1e-300:  # subnormal: fewer digits than the tolerance asks for
        assert two_sided_p(t, dof) < 1e-299
        return
    assert_close(two_sided_p(t, dof), want)
    assert_close(two_sided_p(-t, dof), want)


@pytest.mark.parametrize("dof", [0.5, 1, 1.5, 2, 3, 7.25, 29.9, 99.5, 100.5, 1e3, 3331.7, 1e5, 1e7, 1e9])
def test_two_sided_p_matches_scipy_at_and_between_the_methods(dof):
    # around the switch from the continued fraction to the large-dof expansion (a = 50, -log x = 1)
    # and where the fraction swaps to 1 - I_(1-x), near t = sqrt(3)
    edge = math.sqrt(dof * (math.e - 1))
    for t in sorted({1e-6, 0.01, 0.5, 1, math.sqrt(3), 2, 5, 20, 37, edge * 0.999, edge, edge * 1.001}):
        want = scipy_p(t, dof)
        if want >= 1e-300:
            assert_close(two_sided_p(t, dof), want)


def test_far_tails_and_edges():
    assert two_sided_p(0.0, 5) == 1.0
    assert two_sided_p(math.inf, 5) == 0.0
    assert two_sided_p(1e300, 5) == 0.0  # below the smallest double
    assert math.isnan(two_sided_p(math.nan, 5)) and math.isnan(two_sided_p(1.0, math.nan))
    assert math.isnan(two_sided_p(1.0, 0.0)) and math.isnan(two_sided_p(1.0, -1.0))
    assert two_sided_p(1.96, math.inf) == pytest.approx(math.erfc(1.96 / math.sqrt(2)), rel=1e-15)
    assert two_sided_p(2.0, math.inf) == pytest.approx(scipy_p(2.0, math.inf), rel=TOLERANCE)
    # Cauchy (1 dof) has a closed form: p = 1 - 2 atan(t) / pi, exact far out too
    for t in (1e-10, 1e-3, 1.0, 1e3, 1e8, 1e200):
        assert_close(two_sided_p(t, 1.0), 2 * math.atan(1 / t) / math.pi)


@pytest.mark.parametrize(("t", "dof"), [(1e-10, 1.0), (3e-9, 4.0), (1e-12, 2.5), (1e170, 3.0), (1e200, 0.5)])
def test_where_scipy_is_inexact_the_tail_matches_mpmath(t, dof):
    with mpmath.workdps(60):
        nu, half = mpmath.mpf(dof), mpmath.mpf(1) / 2
        square = mpmath.mpf(t) ** 2
        y, x = square / (nu + square), nu / (nu + square)
        if y < half:
            want = 1 - mpmath.betainc(half, nu / 2, 0, y, regularized=True)
        else:
            want = mpmath.betainc(nu / 2, half, 0, x, regularized=True)
    assert_close(two_sided_p(t, dof), float(want))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(min_value=-1e3, max_value=1e3), min_size=2, max_size=30),
    st.lists(st.floats(min_value=-1e3, max_value=1e3), min_size=2, max_size=30),
)
def test_welch_p_is_scipys_ttest_to_1e_12(first, second):
    from scipy.stats import ttest_ind

    a, b = np.asarray(first), np.asarray(second)
    if np.var(a) + np.var(b) < 1e-9:  # constant samples: the test's own branch, pinned elsewhere
        return
    with warnings.catch_warnings():  # scipy warns of nearly identical values; its p is still exact
        warnings.simplefilter("ignore", RuntimeWarning)
        want = float(ttest_ind(a, b, equal_var=False).pvalue)
    assert math.isclose(welch_p(a, b), want, rel_tol=TOLERANCE, abs_tol=1e-300)


@pytest.mark.parametrize("level", [0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999])
def test_the_t_intervals_quantile_is_scipys(level):
    for dof in [*range(1, 200), 500, 1000, 10**4, 10**6, 10**9]:
        want = float(stdtrit(dof, 0.5 + level / 2))
        assert math.isclose(two_sided_quantile(1 - level, dof), want, rel_tol=1e-12), (dof, level)


def test_the_quantile_inverts_the_tail_and_refuses_what_has_none():
    for dof, p in [(1, 0.05), (3.5, 1e-10), (40, 0.3), (1e7, 1e-200)]:
        assert math.isclose(two_sided_p(two_sided_quantile(p, dof), dof), p, rel_tol=1e-11)
    assert two_sided_quantile(1.0, 4) == 0.0
    assert math.isnan(two_sided_quantile(0.0, 4)) and math.isnan(two_sided_quantile(0.05, 0))
