"""Stratified estimation: estimator, variance, Korn-Graubard / logit intervals, coverage."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sampling

N = [400, 300, 200, 100]
n = [20, 15, 10, 8]
k = [19, 14, 10, 7]


def test_estimate_and_variance_follow_the_stratified_formulas():
    result = sampling.evaluate_stratified(N, n, k)
    weights = np.array(N) / sum(N)
    p = np.array(k) / np.array(n)
    variance = np.sum(weights**2 * (1 - np.array(n) / np.array(N)) * p * (1 - p) / (np.array(n) - 1))
    assert result.estimate == pytest.approx(np.sum(weights * p))
    assert result.se == pytest.approx(np.sqrt(variance))
    assert result.df == sum(n) - len(n)
    assert list(result.strata.columns) == ["stratum", "N", "n", "k", "weight", "estimate", "variance"]
    assert result.strata["variance"].sum() == pytest.approx(variance)


def test_korn_graubard_is_clopper_pearson_on_the_effective_sample():
    """Worked example of survey::svyciprop(method="beta") for a stratified design."""
    result = sampling.evaluate_stratified(N, n, k)
    p, var, total, df = result.estimate, result.se**2, sum(n), sum(n) - len(n)
    n_eff = p * (1 - p) / var * (stats.t.ppf(0.025, total - 1) / stats.t.ppf(0.025, df)) ** 2
    assert result.n_effective == pytest.approx(n_eff)
    assert result.lower == pytest.approx(stats.beta.ppf(0.025, n_eff * p, n_eff * (1 - p) + 1))
    assert result.upper == pytest.approx(stats.beta.ppf(0.975, n_eff * p + 1, n_eff * (1 - p)))
    assert result.method == "korn-graubard"


def test_one_stratum_without_fpc_is_clopper_pearson_on_n_minus_one():
    """H = 1, huge N: n_eff = n - 1 exactly, so integer k gives the textbook exact interval."""
    size, deviations = 41, 4  # p = 4/41; n_eff = 40, x = 40 * 4/41
    result = sampling.evaluate_stratified([10**12], [size], [deviations])
    assert result.n_effective == pytest.approx(size - 1)
    x = (size - 1) * deviations / size
    assert result.lower == pytest.approx(stats.beta.ppf(0.025, x, size - 1 - x + 1), rel=1e-6)


def test_all_compliant_gives_upper_one_and_exact_lower_bound():
    result = sampling.evaluate_stratified([100, 50], [10, 5], [10, 5])
    assert (result.estimate, result.se, result.upper) == (1.0, 0.0, 1.0)
    ratio = stats.t.ppf(0.025, 14) / stats.t.ppf(0.025, 13)
    assert result.n_effective == pytest.approx(15 * ratio**2)
    assert result.lower == pytest.approx(stats.beta.ppf(0.025, result.n_effective, 1))
    none = sampling.evaluate_stratified([100, 50], [10, 5], [0, 0])
    assert (none.lower, none.estimate) == (0.0, 0.0) and 0 < none.upper < 0.3


def test_stratum_with_a_single_case_gets_the_largest_variance():
    result = sampling.evaluate_stratified({"a": 100, "b": 50}, {"a": 10, "b": 1}, {"a": 9, "b": 1})
    row = result.strata.set_index("stratum").loc["b"]
    assert row["variance"] == pytest.approx((50 / 150) ** 2 * (1 - 1 / 50) * 0.25)


def test_census_stratum_adds_no_variance():
    result = sampling.evaluate_stratified([10, 100], [10, 20], [3, 18])
    assert result.strata["variance"].iloc[0] == 0


def test_mappings_are_aligned_on_stratum_labels():
    by_label = sampling.evaluate_stratified(
        pd.Series({"x": 400, "y": 300}), {"y": 15, "x": 20}, {"x": 19, "y": 14}
    )
    by_order = sampling.evaluate_stratified([400, 300], [20, 15], [19, 14])
    assert by_label.estimate == pytest.approx(by_order.estimate)
    assert by_label.strata["stratum"].tolist() == ["x", "y"]


def test_logit_interval():
    result = sampling.evaluate_stratified(N, n, k, method="logit")
    p, se = result.estimate, result.se
    half = stats.t.isf(0.025, result.df) * se / (p * (1 - p))
    logit = np.log(p / (1 - p))
    assert result.lower == pytest.approx(1 / (1 + np.exp(-(logit - half))))
    assert result.upper == pytest.approx(1 / (1 + np.exp(-(logit + half))))
    assert result.method == "logit"
    boundary = sampling.evaluate_stratified([100], [10], [10], method="logit")
    assert boundary.method == "korn-graubard" and boundary.upper == 1


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (([10, 10], [0, 5], [0, 5]), "n \\(0\\) måste vara minst 1"),
        (([10, 10], [11, 5], [0, 5]), "högst N"),
        (([10, 10], [5, 5], [6, 5]), "k \\(6\\)"),
        (([10, 10], [5], [1, 1]), "lika många"),
    ],
)
def test_invalid_strata_raise(args, fragment):
    with pytest.raises(sampling.SamplingError, match=fragment):
        sampling.evaluate_stratified(*args)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["korn-graubard", "logit"])
def test_coverage_stays_near_nominal(method):
    """Simulated stratified samples from a fixed finite population with rates near 1."""
    rng = np.random.Generator(np.random.PCG64(20260301))
    sizes = np.array([400, 300, 200, 100])
    having = np.array([388, 270, 198, 85])  # 97 %, 90 %, 99 %, 85 %
    samples = np.array([20, 15, 10, 8])
    truth = having.sum() / sizes.sum()
    repetitions = 1500
    draws = rng.hypergeometric(having, sizes - having, samples, size=(repetitions, 4))
    covered = 0
    for row in draws:
        result = sampling.evaluate_stratified(sizes, samples, row, method=method)
        covered += result.lower <= truth <= result.upper
    coverage = covered / repetitions
    floor = 0.93 if method == "korn-graubard" else 0.90
    assert floor <= coverage <= 0.995
