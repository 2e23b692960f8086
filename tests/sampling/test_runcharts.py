"""Anhøj rules and p / p' limits: qicharts2's critical-value table, hand-worked series, hand-computed limits.

Sources: the critical values are Appendix 2 of the qicharts2 vignette (anhoej_critical_values.csv names
the file and commit); the Laney vector is the one stated in issue 18; everything else is worked by hand
below, in plain Python arithmetic, without the implementation.
"""

from __future__ import annotations

import csv
import doctest
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import sampling
from sampling import _runcharts

TABLE = Path(__file__).with_name("anhoej_critical_values.csv")


def _table() -> list[tuple[int, int, int]]:
    lines = [line for line in TABLE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return [(int(row["n_useful"]), int(row["longest_run_max"]), int(row["n_crossings_min"]))
            for row in csv.DictReader(lines)]


def _series(run_lengths: list[int], first: int = 1) -> list[float]:
    """Runs of +1/-1 (centre 0) with the given lengths, the first run on the side *first*."""
    values: list[float] = []
    for index, length in enumerate(run_lengths):
        values += [float(first * (-1) ** index)] * length
    return values


def _even_runs(n: int, runs: int) -> list[int]:
    """Lengths of *runs* runs as equal as possible, adding up to n."""
    return [n // runs + (1 if index < n % runs else 0) for index in range(runs)]


# --- the published table -------------------------------------------------------------------------------

def test_the_fixture_covers_10_to_100():
    assert [n for n, _, _ in _table()] == list(range(10, 101))


@pytest.mark.parametrize(("n", "longest_run_max", "n_crossings_min"), _table())
def test_limits_match_qicharts2s_table(n, longest_run_max, n_crossings_min):
    result = sampling.runs_analysis(_series(_even_runs(n, n)), centre=0)
    assert result.n_useful == n
    assert (result.longest_run_max, result.n_crossings_min) == (longest_run_max, n_crossings_min)


@pytest.mark.parametrize(("n", "longest_run_max", "n_crossings_min"), _table())
def test_both_rules_are_strict_at_the_table_values(n, longest_run_max, n_crossings_min):
    # a run as long as the limit is no signal, one longer is (the rest alternates: many crossings)
    at_limit = sampling.runs_analysis(_series([longest_run_max] + [1] * (n - longest_run_max)), centre=0)
    above = sampling.runs_analysis(_series([longest_run_max + 1] + [1] * (n - longest_run_max - 1)), centre=0)
    assert (at_limit.longest_run, at_limit.long_run) == (longest_run_max, False)
    assert (above.longest_run, above.long_run, above.signal) == (longest_run_max + 1, True, True)
    assert not at_limit.few_crossings and not above.few_crossings
    # exactly the minimum number of crossings is no signal, one fewer is
    at_minimum = sampling.runs_analysis(_series(_even_runs(n, n_crossings_min + 1)), centre=0)
    below = sampling.runs_analysis(_series(_even_runs(n, n_crossings_min)), centre=0)
    assert (at_minimum.n_crossings, at_minimum.few_crossings) == (n_crossings_min, False)
    assert (below.n_crossings, below.few_crossings, below.signal) == (n_crossings_min - 1, True, True)


@given(st.integers(min_value=1, max_value=12_000))
def test_crossings_minimum_is_the_binomial_5_percent_quantile(n):
    assert _runcharts.crossings_min(n) == int(stats.binom.ppf(0.05, n - 1, 0.5))


@given(st.integers(min_value=1, max_value=10**5))
def test_longest_run_limit_is_rounded_log2_plus_3(n):
    assert sampling.runs_analysis([1.0] * n, centre=0).longest_run_max == round(math.log2(n)) + 3


# --- hand-worked series --------------------------------------------------------------------------------

def test_a_shift_of_nine_periods_below_the_median():
    # 30 periods, values 1..30 (median 15.5): 21 periods of runs "above above below" and a last
    # "above above above", then the nine smallest values: 14 runs, 13 crossings
    above, below = iter(range(16, 31)), iter(range(1, 16))
    values = [next(below) if position % 3 == 2 else next(above) for position in range(18)]
    values += [next(above) for _ in range(3)] + [next(below) for _ in range(9)]
    result = sampling.runs_analysis(values)
    assert result.centre == 15.5 and result.n_useful == 30
    assert (result.longest_run, result.longest_run_max, result.longest_run_side) == (9, 8, "below")
    assert (result.longest_run_start, result.longest_run_end) == (21, 29)
    assert (result.n_crossings, result.n_crossings_min) == (13, 10)
    assert (result.long_run, result.few_crossings, result.signal) == (True, False, True)


def test_too_few_crossings_without_a_long_run():
    # four runs of five around the median 10.5: 3 crossings, fewer than qbinom(0.05, 19, 0.5) = 6
    values = [11, 12, 13, 14, 15, 1, 2, 3, 4, 5, 16, 17, 18, 19, 20, 6, 7, 8, 9, 10]
    result = sampling.runs_analysis(values)
    assert (result.centre, result.n_useful) == (10.5, 20)
    assert (result.longest_run, result.longest_run_max, result.long_run) == (5, 7, False)
    assert (result.n_crossings, result.n_crossings_min, result.few_crossings) == (3, 6, True)
    assert result.signal
    assert (result.longest_run_side, result.longest_run_start, result.longest_run_end) == ("below", 15, 19)


def test_points_on_the_median_and_missing_values_neither_break_nor_extend_a_run():
    # median 5 (the values sorted: 1 2 2 3 5 5 5 7 7 8 8 9); positions 2, 5 and 10 lie on it and
    # the NaN is missing. Useful: 7 8 9 7 8 (above) then 2 1 3 2 (below): 9 points, 1 crossing.
    values = [7, 8, 5, 9, 7, 5, 8, math.nan, 2, 1, 3, 5, 2]
    result = sampling.runs_analysis(values)
    assert (result.centre, result.n_obs, result.n_useful) == (5.0, 12, 9)
    assert (result.longest_run, result.longest_run_side) == (5, "above")
    assert (result.longest_run_start, result.longest_run_end) == (0, 6)
    assert result.longest_run_max == 6  # round(log2(9)) + 3 = round(3.17) + 3
    assert result.n_crossings_min == 2  # P(X <= 1 | 8, 1/2) = 9/256 < 0.05 <= P(X <= 2) = 37/256
    assert (result.n_crossings, result.long_run, result.few_crossings) == (1, False, True)
    assert result.signal


def test_all_points_on_one_side_fire_both_rules():
    result = sampling.runs_analysis([3.0] * 10, centre=5)
    assert (result.longest_run, result.longest_run_max, result.longest_run_side) == (10, 6, "below")
    assert (result.n_crossings, result.n_crossings_min) == (0, 2)
    assert result.long_run and result.few_crossings and result.signal


def test_no_useful_point_gives_no_counts_and_no_signal():
    for result in (sampling.runs_analysis([4, 4, 4]), sampling.runs_analysis([2, math.nan], centre=2)):
        assert result.n_useful == 0 and result.n_obs > 0
        assert result.longest_run is result.longest_run_max is result.n_crossings is None
        assert result.n_crossings_min is result.longest_run_side is result.longest_run_start is None
        assert not (result.long_run or result.few_crossings or result.signal)
    empty = sampling.runs_analysis([])
    assert math.isnan(empty.centre) and (empty.n_obs, empty.n_useful, empty.signal) == (0, 0, False)
    assert math.isnan(sampling.runs_analysis([None, math.nan]).centre)


def test_a_single_useful_point():
    result = sampling.runs_analysis([7], centre=3)
    assert (result.n_useful, result.longest_run, result.longest_run_max) == (1, 1, 3)
    assert (result.n_crossings, result.n_crossings_min, result.signal) == (0, 0, False)
    assert (result.longest_run_side, result.longest_run_start, result.longest_run_end) == ("above", 0, 0)
    assert sampling.runs_analysis([7]).n_useful == 0  # its own median


def test_of_equally_long_runs_the_most_recent_is_reported():
    result = sampling.runs_analysis([1, 1, 1, -1, 1, -1, -1, -1], centre=0)
    assert (result.longest_run, result.longest_run_side, result.longest_run_start) == (3, "below", 5)


def test_the_issue_sentence_can_be_said_from_the_result():
    above, below = iter(range(16, 31)), iter(range(1, 16))
    values = [next(below) if position % 3 == 2 else next(above) for position in range(18)]
    values += [next(above) for _ in range(3)] + [next(below) for _ in range(9)]
    result = sampling.runs_analysis(values)
    side = {"above": "över", "below": "under"}[result.longest_run_side]
    sentence = (f"Ovanligt lång serie: {result.longest_run} tertialer {side} medianen"
                f" (gräns {result.longest_run_max})")
    assert result.long_run and sentence == "Ovanligt lång serie: 9 tertialer under medianen (gräns 8)"


def test_pandas_series_with_missing_values():
    values = pd.Series([3, None, 1, 2, 5], dtype="Int64")
    result = sampling.runs_analysis(values)
    assert (result.centre, result.n_obs, result.n_useful) == (2.5, 4, 4)
    limits = sampling.p_limits(pd.Series([1, pd.NA, 2], dtype="Int64"), pd.Series([10, 10, 10]))
    assert np.isnan(limits.upper[1]) and limits.centre[0] == 0.15


def test_the_result_is_frozen():
    result = sampling.runs_analysis([1, 2, 3])
    with pytest.raises(AttributeError):
        result.signal = True  # type: ignore[misc]


@pytest.mark.parametrize(
    ("values", "centre"),
    [("abc", None), (["a", 1], None), ([[1, 2], [3, 4]], None), ([1, math.inf], None),
     ([1, 2], math.nan), ([1, 2], "1"), ([1, 2], True)],
)
def test_bad_input_is_refused_in_swedish(values, centre):
    with pytest.raises(sampling.SamplingError, match="måste|får inte"):
        sampling.runs_analysis(values, centre)


# --- properties against a plain loop -------------------------------------------------------------------

def _by_hand(values: list[float], centre: float) -> tuple[int, int, int]:
    """n_useful, longest run and crossings, one point at a time."""
    sides = [1 if value > centre else -1 for value in values if not math.isnan(value) and value != centre]
    longest = current = crossings = 0
    for index, side in enumerate(sides):
        current = current + 1 if index and side == sides[index - 1] else 1
        crossings += 1 if index and side != sides[index - 1] else 0
        longest = max(longest, current)
    return len(sides), longest, crossings


SERIES = st.lists(st.one_of(st.integers(-3, 3).map(float), st.just(math.nan)), max_size=60)


@given(SERIES, st.one_of(st.none(), st.integers(-2, 2).map(float)))
def test_counts_agree_with_a_plain_loop(values, centre):
    result = sampling.runs_analysis(values, centre)
    present = [value for value in values if not math.isnan(value)]
    expected_centre = float(np.median(present)) if centre is None and present else centre
    if expected_centre is None:
        assert math.isnan(result.centre)
        return
    n_useful, longest, crossings = _by_hand(values, expected_centre)
    assert (result.centre, result.n_obs, result.n_useful) == (expected_centre, len(present), n_useful)
    if n_useful:
        assert (result.longest_run, result.n_crossings) == (longest, crossings)
        assert result.signal == (longest > round(math.log2(n_useful)) + 3
                                 or crossings < stats.binom.ppf(0.05, n_useful - 1, 0.5))
        run = [value for value in values[result.longest_run_start:result.longest_run_end + 1]
               if not math.isnan(value) and value != expected_centre]
        assert len(run) == longest
        assert all((value > expected_centre) == (result.longest_run_side == "above") for value in run)


@given(SERIES.filter(lambda values: any(not math.isnan(value) for value in values)))
def test_mirroring_the_series_swaps_sides_and_keeps_the_counts(values):
    result = sampling.runs_analysis(values)
    mirrored = sampling.runs_analysis([-value for value in values])
    assert mirrored.centre == -result.centre
    assert (mirrored.n_useful, mirrored.longest_run, mirrored.n_crossings, mirrored.signal) == (
        result.n_useful, result.longest_run, result.n_crossings, result.signal)
    if result.n_useful:
        assert {result.longest_run_side, mirrored.longest_run_side} == {"above", "below"}


# --- p and Laney p' limits -------------------------------------------------------------------------------

Y = [12, 15, 9, 20, 14, 11, 18, 13]
N = [100, 120, 90, 150, 110, 95, 140, 105]


def _laney_by_hand(y: list[float], n: list[float]) -> tuple[float, float, list[float], list[float]]:
    """p-bar, sigma_z and the p' limits, step by step in plain arithmetic."""
    p_bar = sum(y) / sum(n)
    sigmas = [math.sqrt(p_bar * (1 - p_bar) / size) for size in n]
    z = [(count / size - p_bar) / sigma for count, size, sigma in zip(y, n, sigmas, strict=True)]
    moving_ranges = [abs(z[index] - z[index - 1]) for index in range(1, len(z))]
    sigma_z = sum(moving_ranges) / len(moving_ranges) / 1.128
    lower = [max(p_bar - 3 * sigma * sigma_z, 0.0) for sigma in sigmas]
    upper = [min(p_bar + 3 * sigma * sigma_z, 1.0) for sigma in sigmas]
    return p_bar, sigma_z, lower, upper


def test_laney_vector_of_the_issue():
    limits = sampling.p_limits(Y, N, laney=True)
    assert limits.laney and limits.centre.shape == (8,)
    assert np.all(limits.centre == 112 / 910)
    assert round(float(limits.centre[0]), 6) == 0.123077
    assert round(float(limits.upper[0]), 6) == 0.162080
    p_bar, sigma_z, lower, upper = _laney_by_hand(Y, N)
    assert limits.sigma_z == pytest.approx(sigma_z, rel=1e-12)
    np.testing.assert_allclose(limits.lower, lower, rtol=1e-12)
    np.testing.assert_allclose(limits.upper, upper, rtol=1e-12)
    np.testing.assert_allclose(limits.p, [count / size for count, size in zip(Y, N, strict=True)])


def test_p_chart_limits_by_hand():
    # p-bar = 36/310; sigma_1 = sqrt(p-bar (1 - p-bar) / 100)
    limits = sampling.p_limits([12, 15, 9], [100, 120, 90])
    p_bar = 36 / 310
    for index, size in enumerate([100, 120, 90]):
        sigma = math.sqrt(p_bar * (1 - p_bar) / size)
        assert limits.centre[index] == pytest.approx(p_bar, rel=1e-15)
        assert limits.lower[index] == pytest.approx(p_bar - 3 * sigma, rel=1e-12)
        assert limits.upper[index] == pytest.approx(p_bar + 3 * sigma, rel=1e-12)
    assert (limits.sigma_z, limits.laney) == (1.0, False)


def test_auto_takes_laneys_p_prime_only_when_the_data_are_overdispersed():
    under = sampling.p_limits(Y, N, laney="auto")  # sigma_z 0.40: less spread than binomial
    plain = sampling.p_limits(Y, N)
    assert not under.laney and under.sigma_z == pytest.approx(_laney_by_hand(Y, N)[1], rel=1e-12)
    np.testing.assert_array_equal(under.upper, plain.upper)
    y, n = [10, 11, 10, 11, 10, 60, 10, 11, 10, 11], [100] * 10  # sigma_z 2.92: overdispersed
    over, laney = sampling.p_limits(y, n, laney="auto"), sampling.p_limits(y, n, laney=True)
    assert over.laney and over.sigma_z == laney.sigma_z > 1
    np.testing.assert_array_equal(over.upper, laney.upper)
    single = sampling.p_limits([3], [10], laney="auto")  # sigma_z unknown: the plain p-chart
    assert not single.laney and math.isnan(single.sigma_z) and not math.isnan(single.upper[0])
    with pytest.raises(sampling.SamplingError, match="auto"):
        sampling.p_limits(Y, N, laney="ja")


def test_limits_are_clipped_to_0_and_1():
    low = sampling.p_limits([1, 2], [10, 10])  # p-bar 0.15, 3 sigma = 0.339
    assert np.all(low.lower == 0)
    assert np.all(low.upper == pytest.approx(0.15 + 3 * math.sqrt(0.15 * 0.85 / 10)))
    high = sampling.p_limits([9, 8], [10, 10])
    assert np.all(high.upper == 1) and np.all(high.lower > 0)


def test_missing_points_have_no_limits_and_break_the_moving_ranges():
    y = [12, 15, math.nan, 20, 14, 11, 18, None]
    n = [100, 120, 90, 150, 110, math.nan, 140, 105]
    limits = sampling.p_limits(y, n, laney=True)
    missing = [2, 5, 7]
    assert np.all(np.isnan(limits.lower[missing])) and np.all(np.isnan(limits.upper[missing]))
    assert np.all(np.isnan(limits.p[missing])) and np.all(limits.centre == 79 / 620)
    # complete points 0 1 | 3 4 | 6: the moving ranges are z1 - z0 and z4 - z3 only (as R's na.rm)
    p_bar = 79 / 620
    z = {i: (y[i] / n[i] - p_bar) / math.sqrt(p_bar * (1 - p_bar) / n[i]) for i in (0, 1, 3, 4, 6)}
    sigma_z = (abs(z[1] - z[0]) + abs(z[4] - z[3])) / 2 / 1.128
    assert limits.sigma_z == pytest.approx(sigma_z, rel=1e-12)
    assert limits.upper[6] == pytest.approx(p_bar + 3 * math.sqrt(p_bar * (1 - p_bar) / 140) * sigma_z)


def test_screening_the_moving_ranges_is_off_by_default_and_drops_large_ones_when_asked():
    y, n = [10, 11, 10, 11, 10, 60, 10, 11, 10, 11], [100] * 10
    p_bar = sum(y) / 1000
    sigma = math.sqrt(p_bar * (1 - p_bar) / 100)
    ranges = [abs(y[i] - y[i - 1]) / 100 / sigma for i in range(1, 10)]
    average = sum(ranges) / 9
    kept = [value for value in ranges if value < 3.267 * average]
    assert len(kept) == 7  # the two ranges next to the 60 go
    assert sampling.p_limits(y, n, laney=True).sigma_z == pytest.approx(average / 1.128, rel=1e-12)
    screened = sampling.p_limits(y, n, laney=True, screen_moving_ranges=True)
    assert screened.sigma_z == pytest.approx(sum(kept) / len(kept) / 1.128, rel=1e-12)


def test_degenerate_series():
    none_or_all = [sampling.p_limits([0, 0, 0], [5, 8, 3], laney=laney) for laney in (False, True)]
    none_or_all += [sampling.p_limits([5, 8], [5, 8], laney=laney) for laney in (False, True)]
    for limits in none_or_all:  # p-bar 0 or 1: no variation, the limits lie on the centre line
        assert np.array_equal(limits.lower, limits.centre) and np.array_equal(limits.upper, limits.centre)
    single = sampling.p_limits([3], [10], laney=True)  # no moving range: sigma_z unknown, as qicharts2
    assert math.isnan(single.sigma_z) and math.isnan(single.upper[0]) and single.centre[0] == 0.3


def test_the_arrays_are_read_only():
    limits = sampling.p_limits(Y, N)
    with pytest.raises(ValueError):
        limits.upper[0] = 0.5
    with pytest.raises(AttributeError):
        limits.laney = True  # type: ignore[misc]


@pytest.mark.parametrize(
    ("y", "n", "message"),
    [([1, 2], [10], "lika långa"), ([1, 2], [10, 0], "större än 0"), ([11], [10], "mellan 0"),
     ([-1], [10], "mellan 0"), ([math.nan], [10], "minst en period"), ([], [], "minst en period"),
     (["x"], [10], "följd av tal"), ([1], [math.inf], "oändliga")],
)
def test_bad_counts_are_refused_in_swedish(y, n, message):
    with pytest.raises(sampling.SamplingError, match=message):
        sampling.p_limits(y, n)


@given(st.lists(st.tuples(st.integers(1, 400), st.floats(0, 1)), min_size=2, max_size=40), st.booleans())
def test_limits_bracket_the_centre_and_match_the_hand_computation(points, laney):
    n = [size for size, _ in points]
    y = [round(size * share) for size, share in points]
    limits = sampling.p_limits(y, n, laney=laney)
    assert np.all(limits.lower <= limits.centre) and np.all(limits.centre <= limits.upper)
    assert np.all(limits.lower >= 0) and np.all(limits.upper <= 1)
    p_bar = sum(y) / sum(n)
    if laney and 0 < p_bar < 1:
        _, sigma_z, lower, upper = _laney_by_hand(y, n)
        np.testing.assert_allclose(limits.lower, lower, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(limits.upper, upper, rtol=1e-9, atol=1e-12)


def test_the_docstring_examples_hold():
    assert doctest.testmod(_runcharts).failed == 0
