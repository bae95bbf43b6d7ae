"""The two-sided tail of Student's t distribution and its inverse, without scipy (which costs a table
~0.2 s to import).

P(|T| >= t) with ν degrees of freedom is the regularized incomplete beta function I_x(a, 1/2) at
a = ν/2, x = ν / (ν + t²); x and 1 - x are both computed from t² / ν, never one from the other.

- Many degrees of freedom, t not far out (a >= 50, -log x <= 1): near the peak of a large-a beta
  the continued fraction loses ~a ulps to cancellation, so the integral is expanded instead. With
  s = e^-w it is ∫ e^(-T w) w^(-1/2) g(w) dw / B(a, 1/2) over w >= -log x, T = a - 1/4, where
  g(w) = (sinh(w/2) / (w/2))^(-1/2) is even: its Taylor series term by term gives
  Σ_j g_2j Γ(1/2 + 2j, -T log x) / T^(1/2 + 2j), each incomplete gamma from the one before
  (Γ(1/2, v) = √π erfc(√v)); the terms fall like (1 / 2πT)^2j and (-log x / 2π)^2j.
- Otherwise: the continued fraction of I_x(a, b) (DLMF 8.17.22, modified Lentz) where it converges
  fast, x < (a + 1) / (a + b + 2), else 1 - I_(1-x)(1/2, a); its prefactor x^a (1-x)^b / (a B(a, b))
  in logarithms.

log B(a, 1/2) comes from Stirling's series for large a (two lgammas lose digits there). Agreement
with scipy.special.stdtr (and mpmath) is pinned by tests/test_student_t.py.
"""

from __future__ import annotations

import functools
import math

_TINY = 1e-300  # keeps the continued fraction's denominators away from zero (modified Lentz)
_EPS = 1e-16
_MAX_TERMS = 100_000
_LARGE = 10.0  # from here log Γ(a) - log Γ(a + 1/2) comes from its series, not two lgammas
_EXPANDED = 50.0  # from this a (and -log x <= 1) the integral is expanded, not the fraction evaluated
# the even Taylor coefficients of (sinh(w/2) / (w/2))^(-1/2), exact rationals (sympy's series)
_G = (
    1, -1 / 48, 1 / 2560, -61 / 7741440, 1261 / 7431782400, -79 / 20761804800,
    66643 / 761775532277760, -16820653 / 8227175748599808000, 3745813 / 77499283242221568000,
)  # fmt: skip
# Bernoulli numbers B_2k / (2k (2k - 1)): Stirling's series of log Γ
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156)


def two_sided_p(t: float, dof: float) -> float:
    """Return P(|T| >= |t|) for Student's t with `dof` degrees of freedom (as 2 * stdtr(dof, -|t|))."""
    if math.isnan(t) or math.isnan(dof) or dof <= 0:
        return math.nan
    t = abs(t)
    if math.isinf(dof):
        return math.erfc(t / math.sqrt(2))
    if math.isinf(t):
        return 0.0
    a, b = dof / 2, 0.5
    # x = ν / (ν + t²) and y = 1 - x = t² / (ν + t²), with their logarithms, without overflow
    ratio = (t / math.sqrt(dof)) ** 2 if t < 1e150 else math.inf  # t² / ν
    if ratio == 0:  # P = 1 - (a tail below half an ulp)
        return 1.0
    if ratio < 1:
        x, y = 1 / (1 + ratio), ratio / (1 + ratio)
        log_x, log_y = -math.log1p(ratio), math.log(ratio) - math.log1p(ratio)
    else:
        inverse = (math.sqrt(dof) / t) ** 2  # ν / t²
        x, y = inverse / (1 + inverse), 1 / (1 + inverse)
        log_x = math.log(dof) - 2 * math.log(t) - math.log1p(inverse)  # ν / t² may underflow
        log_y = -math.log1p(inverse)
    if a >= _EXPANDED and -log_x <= 1:
        return _expanded(a, -log_x)
    if x < (a + 1) / (a + b + 2):
        return _front(a, b, x, log_x, log_y)
    return 1 - _front(b, a, y, log_y, log_x)


@functools.lru_cache(maxsize=1024)
def two_sided_quantile(p: float, dof: float) -> float:
    """Return the t >= 0 with P(|T| >= t) = p (as stdtrit(dof, 1 - p/2)), by bisection of the tail."""
    if not 0 < p <= 1 or math.isnan(dof) or dof <= 0:
        return math.nan
    if p == 1:
        return 0.0
    low, high = 0.0, 1.0
    while two_sided_p(high, dof) > p:  # the tail falls as t grows: bracket the root
        low, high = high, high * 2
        if math.isinf(high):
            return math.inf
    while high - low > 2 * math.ulp(high):  # halve the bracket down to the doubles
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if two_sided_p(middle, dof) > p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _front(a: float, b: float, x: float, log_x: float, log_y: float) -> float:
    """Return I_x(a, b) by its continued fraction (fast for x < (a + 1) / (a + b + 2)); one of a, b is 1/2."""
    log_prefactor = a * log_x + b * log_y - math.log(a) - _log_beta_half(a if b == 0.5 else b)
    if log_prefactor < -745.2:  # below the smallest subnormal double
        return 0.0
    return math.exp(log_prefactor) * _fraction(a, b, x)


def _expanded(a: float, u: float) -> float:
    """Return I_x(a, 1/2) at -log x = u for large a by the series of the module docstring."""
    T = a - 0.25
    v = T * u
    scale = math.exp(-_log_beta_half(a) - 0.5 * math.log(T))  # 1 / (B(a, 1/2) √T)
    gamma = math.sqrt(math.pi) * math.erfc(math.sqrt(v))  # Γ(1/2, v)
    log_v = math.log(v) if v > 0 else -math.inf
    total, s, shrink = 0.0, 0.5, 1.0
    for coefficient in _G:
        term = coefficient * gamma * shrink
        total += term
        if abs(term) < _EPS * abs(total) * 1e-2:
            break
        for _ in range(2):  # Γ(s + 1, v) = s Γ(s, v) + v^s e^-v
            gamma = s * gamma + (math.exp(s * log_v - v) if v > 0 else 0.0)
            s += 1
        shrink /= T * T
    return scale * total


def _fraction(a: float, b: float, x: float) -> float:
    """Evaluate 1 / (1 + d1 / (1 + d2 / (1 + ...))) by the modified Lentz method."""
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > _TINY else _TINY)
    value = d
    for m in range(1, _MAX_TERMS):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),  # d_2m
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),  # d_2m+1
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > _TINY else _TINY)
            c = 1 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            value *= c * d
        if abs(c * d - 1) < _EPS:
            return value
    return value


def _log_beta_half(a: float) -> float:
    """Return log B(a, 1/2) = log Γ(1/2) + log Γ(a) - log Γ(a + 1/2)."""
    if a < _LARGE:
        return math.lgamma(0.5) + math.lgamma(a) - math.lgamma(a + 0.5)
    # Stirling: log Γ(a) - log Γ(a + 1/2) = -log(a)/2 + (1/2 - a log(1 + 1/(2a))) + S(a) - S(a + 1/2)
    h = 0.5 / a
    exact = 0.5 - a * math.log1p(h)
    return 0.5 * math.log(math.pi) - 0.5 * math.log(a) + exact + _stirling(a) - _stirling(a + 0.5)


def _stirling(z: float) -> float:
    """Return the correction series of Stirling's formula, Σ B_2k / (2k (2k - 1) z^(2k-1))."""
    inverse_square = 1 / (z * z)
    total, power = 0.0, 1 / z
    for coefficient in _STIRLING:
        total += coefficient * power
        power *= inverse_square
    return total
