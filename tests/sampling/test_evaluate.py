"""Simple intervals: scipy, AICPA Tables A-3/A-4, exact hypergeometric enumeration."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import sampling

SIZES = [20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 90, 100, 125, 150, 200, 300, 400, 500]
# Published upper deviation limits in percent (AICPA Audit Sampling Guide, Appendix A),
# one row per sample size, columns 0..10 deviations.
TABLE_A3 = [  # 5 % risk of overreliance
    [14.0, 21.7, 28.3, 34.4, 40.2, 45.6, 50.8, 55.9, 60.7, 65.4, 69.9],
    [11.3, 17.7, 23.2, 28.2, 33.0, 37.6, 42.0, 46.3, 50.4, 54.4, 58.4],
    [9.6, 14.9, 19.6, 23.9, 28.0, 31.9, 35.8, 39.4, 43.0, 46.6, 50.0],
    [8.3, 12.9, 17.0, 20.7, 24.3, 27.8, 31.1, 34.4, 37.5, 40.6, 43.7],
    [7.3, 11.4, 15.0, 18.3, 21.5, 24.6, 27.5, 30.4, 33.3, 36.0, 38.8],
    [6.5, 10.2, 13.4, 16.4, 19.2, 22.0, 24.7, 27.3, 29.8, 32.4, 34.8],
    [5.9, 9.2, 12.1, 14.8, 17.4, 19.9, 22.4, 24.7, 27.1, 29.4, 31.6],
    [5.4, 8.4, 11.1, 13.5, 15.9, 18.2, 20.5, 22.6, 24.8, 26.9, 28.9],
    [4.9, 7.7, 10.2, 12.5, 14.7, 16.8, 18.8, 20.8, 22.8, 24.8, 26.7],
    [4.6, 7.1, 9.4, 11.5, 13.6, 15.5, 17.5, 19.3, 21.2, 23.0, 24.7],
    [4.2, 6.6, 8.8, 10.8, 12.7, 14.5, 16.3, 18.0, 19.7, 21.4, 23.1],
    [4.0, 6.2, 8.2, 10.1, 11.8, 13.6, 15.2, 16.9, 18.5, 20.1, 21.6],
    [3.7, 5.8, 7.7, 9.5, 11.1, 12.7, 14.3, 15.9, 17.4, 18.9, 20.3],
    [3.3, 5.2, 6.9, 8.4, 9.9, 11.4, 12.8, 14.2, 15.5, 16.9, 18.2],
    [3.0, 4.7, 6.2, 7.6, 9.0, 10.3, 11.5, 12.8, 14.0, 15.2, 16.4],
    [2.4, 3.8, 5.0, 6.1, 7.2, 8.3, 9.3, 10.3, 11.3, 12.3, 13.2],
    [2.0, 3.2, 4.2, 5.1, 6.0, 6.9, 7.8, 8.6, 9.5, 10.3, 11.1],
    [1.5, 2.4, 3.2, 3.9, 4.6, 5.2, 5.9, 6.5, 7.2, 7.8, 8.4],
    [1.0, 1.6, 2.1, 2.6, 3.1, 3.5, 4.0, 4.4, 4.8, 5.2, 5.6],
    [0.8, 1.2, 1.6, 2.0, 2.3, 2.7, 3.0, 3.3, 3.6, 3.9, 4.3],
    [0.6, 1.0, 1.3, 1.6, 1.9, 2.1, 2.4, 2.7, 2.9, 3.2, 3.4],
]
TABLE_A4 = [  # 10 % risk of overreliance
    [10.9, 18.1, 24.5, 30.5, 36.1, 41.5, 46.8, 51.9, 56.8, 61.6, 66.2],
    [8.8, 14.7, 20.0, 24.9, 29.5, 34.0, 38.4, 42.6, 46.8, 50.8, 54.8],
    [7.4, 12.4, 16.8, 21.0, 24.9, 28.8, 32.5, 36.2, 39.7, 43.2, 46.7],
    [6.4, 10.7, 14.5, 18.2, 21.6, 24.9, 28.2, 31.4, 34.5, 37.6, 40.6],
    [5.6, 9.4, 12.8, 16.0, 19.0, 22.0, 24.9, 27.7, 30.5, 33.2, 35.9],
    [5.0, 8.4, 11.4, 14.3, 17.0, 19.7, 22.3, 24.8, 27.3, 29.8, 32.2],
    [4.6, 7.6, 10.3, 12.9, 15.4, 17.8, 20.2, 22.5, 24.7, 27.0, 29.2],
    [4.2, 6.9, 9.4, 11.8, 14.1, 16.3, 18.4, 20.5, 22.6, 24.6, 26.7],
    [3.8, 6.4, 8.7, 10.8, 12.9, 15.0, 16.9, 18.9, 20.8, 22.7, 24.6],
    [3.5, 5.9, 8.0, 10.0, 12.0, 13.9, 15.7, 17.5, 19.3, 21.0, 22.8],
    [3.3, 5.5, 7.5, 9.3, 11.1, 12.9, 14.6, 16.3, 18.0, 19.6, 21.2],
    [3.1, 5.1, 7.0, 8.7, 10.4, 12.1, 13.7, 15.2, 16.8, 18.3, 19.8],
    [2.9, 4.8, 6.6, 8.2, 9.8, 11.3, 12.8, 14.3, 15.8, 17.2, 18.7],
    [2.6, 4.3, 5.9, 7.3, 8.7, 10.1, 11.5, 12.8, 14.1, 15.4, 16.7],
    [2.3, 3.9, 5.3, 6.6, 7.9, 9.1, 10.3, 11.5, 12.7, 13.9, 15.0],
    [1.9, 3.1, 4.3, 5.3, 6.3, 7.3, 8.3, 9.3, 10.2, 11.2, 12.1],
    [1.6, 2.6, 3.6, 4.4, 5.3, 6.1, 7.0, 7.8, 8.6, 9.4, 10.1],
    [1.2, 2.0, 2.7, 3.4, 4.0, 4.6, 5.3, 5.9, 6.5, 7.1, 7.6],
    [0.8, 1.3, 1.8, 2.3, 2.7, 3.1, 3.5, 3.9, 4.3, 4.7, 5.1],
    [0.6, 1.0, 1.4, 1.7, 2.0, 2.4, 2.7, 3.0, 3.3, 3.6, 3.9],
    [0.5, 0.8, 1.1, 1.4, 1.6, 1.9, 2.1, 2.4, 2.6, 2.9, 3.1],
]


def _published_upper_limits(confidence, table):
    for n, row in zip(SIZES, table, strict=True):
        for k, percent in enumerate(row):
            yield confidence, n, k, percent


@pytest.mark.parametrize(
    ("confidence", "n", "k", "percent"),
    [*_published_upper_limits(0.95, TABLE_A3), *_published_upper_limits(0.90, TABLE_A4)],
)
def test_tables_a3_a4_upper_limits(confidence, n, k, percent):
    bound = sampling.evaluate(k, n, confidence=confidence, method="clopper-pearson", alternative="less").upper
    assert math.ceil(bound * 1000) / 10 == percent  # the guide rounds the limits up to 0.1 %


def test_published_clopper_pearson_bound_n60_k0():
    result = sampling.evaluate(0, 60, method="clopper-pearson", alternative="less")
    assert result.upper == pytest.approx(0.04870291, abs=5e-9)
    assert result.lower == 0


@given(
    st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
    st.sampled_from(["two-sided", "less", "greater"]),
)
def test_matches_scipy_binomtest(kn, confidence, alternative):
    k, n = kn
    test = stats.binomtest(k, n, alternative=alternative)
    for ours, theirs in (("clopper-pearson", "exact"), ("wilson", "wilson")):
        expected = test.proportion_ci(confidence_level=confidence, method=theirs)
        got = sampling.evaluate(k, n, confidence=confidence, method=ours, alternative=alternative)
        assert got.lower == pytest.approx(expected.low, abs=1e-9)
        assert got.upper == pytest.approx(expected.high, abs=1e-9)


def test_jeffreys_is_the_equal_tailed_beta_interval():
    result = sampling.evaluate(3, 40, method="jeffreys")
    assert result.lower == pytest.approx(stats.beta.ppf(0.025, 3.5, 37.5))
    assert result.upper == pytest.approx(stats.beta.ppf(0.975, 3.5, 37.5))
    assert sampling.evaluate(0, 40, method="jeffreys").lower == 0
    assert sampling.evaluate(40, 40, method="jeffreys").upper == 1


def _tail_at_most(k, population, deviations, n):
    total = math.comb(population, n)
    return (
        sum(math.comb(deviations, x) * math.comb(population - deviations, n - x) for x in range(k + 1))
        / total
    )


def _enumerated_bounds(k, n, population, tail):
    at_most = [_tail_at_most(k, population, d, n) for d in range(population + 1)]
    at_least = [1 - _tail_at_most(k - 1, population, d, n) if k else 1.0 for d in range(population + 1)]
    possible = range(k, population - (n - k) + 1)
    upper = max(d for d in possible if at_most[d] > tail)
    lower = min(d for d in possible if at_least[d] > tail)
    return lower / population, upper / population


@pytest.mark.parametrize("population", [10, 17, 30])
@pytest.mark.parametrize("n_share", [0.3, 0.6])
def test_hypergeometric_bounds_match_exact_enumeration(population, n_share):
    n = max(1, round(population * n_share))
    for k in range(n + 1):
        for alternative, tail in (("two-sided", 0.025), ("less", 0.05)):
            lower, upper = _enumerated_bounds(k, n, population, tail)
            got = sampling.evaluate(k, n, population=population, alternative=alternative)
            assert got.method == "hypergeometric"
            assert got.upper == pytest.approx(upper)
            if alternative == "two-sided":
                assert got.lower == pytest.approx(lower)


def test_hypergeometric_interval_covers_every_population_count():
    """Exact coverage: for each true K, P(interval contains K/N) >= confidence."""
    population, n = 25, 10
    intervals = [sampling.evaluate(k, n, population=population) for k in range(n + 1)]
    for deviations in range(population + 1):
        probabilities = stats.hypergeom.pmf(range(n + 1), population, deviations, n)
        covered = sum(
            p
            for p, i in zip(probabilities, intervals, strict=True)
            if i.lower - 1e-12 <= deviations / population <= i.upper + 1e-12
        )
        assert covered >= 0.95 - 1e-12


def test_hypergeometric_upper_is_below_binomial_for_small_population():
    finite = sampling.evaluate(0, 60, population=200, alternative="less").upper
    infinite = sampling.evaluate(0, 60, method="clopper-pearson", alternative="less").upper
    assert finite < infinite


@given(
    st.integers(1, 200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.sampled_from(["wilson", "clopper-pearson", "jeffreys"]),
    st.sampled_from(["two-sided", "less", "greater"]),
)
def test_intervals_contain_the_estimate(kn, method, alternative):
    k, n = kn
    result = sampling.evaluate(k, n, method=method, alternative=alternative)
    assert 0 <= result.lower <= result.estimate <= result.upper <= 1
    assert result.estimate == k / n


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((5, 4), {}),
        ((-1, 4), {}),
        ((1, 0), {}),
        ((1, 10), {"confidence": 1.2}),
        ((1, 10), {"method": "wald"}),
        ((1, 10), {"alternative": "both"}),
        ((1, 10), {"method": "hypergeometric"}),
        ((1, 10), {"population": 5}),
    ],
)
def test_invalid_input_raises(args, kwargs):
    with pytest.raises(sampling.SamplingError):
        sampling.evaluate(*args, **kwargs)


def test_wilson_is_the_default_and_two_sided():
    result = sampling.evaluate(45, 50)
    expected = stats.binomtest(45, 50).proportion_ci(method="wilson")
    assert (result.method, result.alternative) == ("wilson", "two-sided")
    assert np.allclose([result.lower, result.upper], [expected.low, expected.high])
