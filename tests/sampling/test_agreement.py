"""Agreement between raters: published test vectors, reference values of statsmodels and irrCAC,
undefined coefficients, and properties (perfect agreement, rater order, AC1 where kappa fails).

Reference values are fixtures, not a runtime dependency. Where they come from:

- irrCAC: the output printed in the package's README / overview vignette (kgwet/irrCAC), and, for
  digits it does not print, irrCAC 1.0's own R functions (``R/agree.coeff2.r``,
  ``R/agree.coeff3.raw.r``, ``R/agree.coeff3.dist.r`` at commit 7fb7509) run in R 4 with
  rounding switched off.
- statsmodels: ``statsmodels/stats/tests/test_inter_rater.py`` (its Fleiss example and a SAS FREQ
  printout for Cohen's kappa); also checked ad hoc against statsmodels 0.14 ``cohens_kappa`` and
  ``fleiss_kappa`` (equal to 1e-12 on the vectors below and 200 random tables).
- Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability (Annenberg School for
  Communication, University of Pennsylvania), the 4-coder, 12-unit nominal example: alpha = 0.743.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sampling

NAN = math.nan

# Feinstein & Cicchetti's kappa paradox in its simplest form: 90 % agreement, kappa below 0
PARADOX = [[90, 5], [5, 0]]

# Gwet (2014), irrCAC dataset cont3x3abstractors: 100 pregnancies classified by two abstractors
# (Ectopic, AIU, NIU)
ABSTRACTORS = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]

# statsmodels test_inter_rater.py `table10`, with the SAS FREQ printout it is tested against
SAS_TABLE = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]

# statsmodels test_inter_rater.py `table1` (the Wikipedia example of Fleiss' kappa): 10 subjects,
# 14 raters, 5 categories; how many raters put each subject in each category
FLEISS_WIKIPEDIA = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]

# Fleiss (1971), 30 patients x 6 psychiatrists, 5 diagnoses (statsmodels test_inter_rater.py
# `diagnoses`, as R irr's dataset of the same name); Fleiss reports kappa = .430
DIAGNOSES = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip

# Krippendorff (2011), reliability data matrix: coders A-D (rows) x units 1-12, "." missing
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
).T  # units x raters

# irrCAC dataset distrib.6raters (Gwet 2014): 15 subjects x 5 categories, 6 raters each
DISTRIB_6RATERS = [
    [0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1],
]  # fmt: skip


def raw_from_table(table):
    """Two raters' ratings (units x 2) from a contingency table."""
    return np.array([(i, j) for i, row in enumerate(table) for j, c in enumerate(row) for _ in range(c)])


def raw_from_distribution(distribution):
    """Units x raters ratings from counts of raters per unit and category (rater order arbitrary)."""
    return np.array([[k for k, c in enumerate(row) for _ in range(c)] for row in distribution])


def check(result, estimate, se=None, lower=None, upper=None, pa=None, pe=None, abs=5e-7):
    assert result.estimate == pytest.approx(estimate, abs=abs)
    for name, value in (("se", se), ("lower", lower), ("upper", upper), ("pa", pa), ("pe", pe)):
        if value is not None:
            assert getattr(result, name) == pytest.approx(value, abs=abs), name


# ---------------------------------------------------------------------------------------------
# published vectors


def test_kappa_paradox_kappa_below_zero_while_ac1_is_high():
    kappa = sampling.cohen_kappa(PARADOX)
    check(kappa, -0.05263158, se=0.01662050, lower=-0.08520716, upper=-0.02005600, pa=0.9, pe=0.905)
    assert round(kappa.estimate, 4) == -0.0526
    assert (kappa.coefficient, kappa.method, kappa.df) == ("cohen_kappa", "asymptotic-normal", None)
    ac1 = sampling.gwet_ac1(PARADOX)  # irrCAC gwet.ac1.table: 0.8895028, se 0.03644577
    check(ac1, 0.8895028, se=0.03644577, lower=0.8171864, upper=0.9618191, pa=0.9, pe=0.095)
    assert round(ac1.estimate, 4) == 0.8895
    assert (ac1.coefficient, ac1.method, ac1.df) == ("gwet_ac1", "linearised-t", 99)


def test_abstractor_table_reproduces_irrcac():
    """irrCAC README: kappa2.table 0.7964094 (se 0.05891072, CI 0.68-0.913), gwet.ac1.table
    0.8493305 (se 0.04321747, CI 0.764-0.935), krippen2.table 0.7972585."""
    kappa = sampling.cohen_kappa(ABSTRACTORS)
    check(kappa, 0.7964094, se=0.05891072, pa=0.89, pe=0.4597)
    assert (round(kappa.lower, 2), round(kappa.upper, 3)) == (0.68, 0.912)  # normal, not t: 0.913
    ac1 = sampling.gwet_ac1(ABSTRACTORS)
    check(ac1, 0.8493305, se=0.04321747, pa=0.89, pe=0.269925)
    assert (round(ac1.lower, 3), round(ac1.upper, 3)) == (0.764, 0.935)
    alpha = sampling.krippendorff_alpha(raw_from_table(ABSTRACTORS))
    # the estimate is krippen2.table's; the se krippen.alpha.raw's on the same 200 ratings
    check(alpha, 0.7972585, se=0.05935224, lower=0.6794908, upper=0.9150262, pa=0.89055, pe=0.46015)
    assert round(alpha.estimate, 4) == 0.7973


def test_sas_printout_of_cohens_kappa_via_statsmodels():
    result = sampling.cohen_kappa(SAS_TABLE)
    check(result, 0.4842, se=0.1380, lower=0.2137, upper=0.7547, abs=5e-5)


def test_fleiss_wikipedia_example_of_ten_subjects_and_fourteen_raters():
    ratings = raw_from_distribution(FLEISS_WIKIPEDIA)
    assert ratings.shape == (10, 14)
    kappa = sampling.fleiss_kappa(ratings)
    # statsmodels fleiss_kappa(table1) = 0.2099307; se as irrCAC fleiss.kappa.dist
    check(kappa, 0.2099307, se=0.09237111, lower=0.0009727, upper=0.4188887, pa=0.3780220, pe=0.2127551)
    assert round(kappa.estimate, 4) == 0.2099
    assert kappa.df == 9
    check(sampling.gwet_ac1_raw(ratings), 0.2256142, se=0.09332407, pe=0.1968112)
    # se as krippen.alpha.raw (krippen.alpha.dist, another linearisation, prints 0.09246038)
    check(sampling.krippendorff_alpha(ratings), 0.2155741, se=0.09237111, lower=0.0066161, pa=0.3824647)


def test_fleiss_1971_diagnoses():
    kappa = sampling.fleiss_kappa(DIAGNOSES)
    check(kappa, 0.4302445, se=0.05419894, lower=0.3193953, upper=0.5410938, pa=0.5555556, pe=0.2199383)
    assert round(kappa.estimate, 3) == 0.430
    with_fpc = sampling.fleiss_kappa(DIAGNOSES, population=100)
    check(with_fpc, 0.4302445, se=0.04534608, lower=0.3375014, upper=0.5229877)
    assert with_fpc.se == pytest.approx(kappa.se * math.sqrt(1 - 30 / 100))


def test_krippendorff_2011_nominal_example_with_missing_values():
    alpha = sampling.krippendorff_alpha(KRIPPENDORFF_2011, level="nominal")
    # irrCAC krippen.alpha.raw(cac.raw4raters): 0.74342, se 0.14548, CI (0.423, 1), pa .805, pe .24
    check(alpha, 0.7434211, se=0.1454787, lower=0.4232246, upper=1.0, pa=0.805, pe=0.24)
    assert round(alpha.estimate, 4) == 0.7434
    assert (alpha.n, alpha.df) == (12, 11)
    fpc = sampling.krippendorff_alpha(KRIPPENDORFF_2011, population=40)
    check(fpc, 0.7434211, se=0.1217162, lower=0.4755254)


def test_raw_coefficients_on_the_krippendorff_data_reproduce_irrcac():
    """irrCAC README on the same ratings: gwet.ac1.raw 0.77544 (se 0.14295), fleiss.kappa.raw
    0.76117 (se 0.15302); both with pa = 0.8181818."""
    ac1 = sampling.gwet_ac1_raw(KRIPPENDORFF_2011)
    check(ac1, 0.7754441, se=0.1429500, lower=0.4608133, upper=1.0, pa=0.8181818, pe=0.1903212)
    kappa = sampling.fleiss_kappa(KRIPPENDORFF_2011)
    check(kappa, 0.7611693, se=0.1530192, lower=0.4243763, upper=1.0, pa=0.8181818, pe=0.2387153)
    check(sampling.gwet_ac1_raw(KRIPPENDORFF_2011, population=40), 0.7754441, se=0.1196, abs=5e-5)
    check(sampling.fleiss_kappa(KRIPPENDORFF_2011, population=40), 0.7611693, se=0.12803, abs=5e-5)


def test_six_raters_distribution_reproduces_irrcac_readme():
    ratings = raw_from_distribution(DISTRIB_6RATERS)
    check(sampling.gwet_ac1_raw(ratings), 0.4448007, se=0.08418757, pa=0.5511111, pe=0.1914815)
    check(sampling.fleiss_kappa(ratings), 0.4139265, se=0.08119291, pa=0.5511111, pe=0.2340741)
    # estimate as krippen.alpha.dist; se as krippen.alpha.raw on these ratings (.dist: 0.08243228)
    check(sampling.krippendorff_alpha(ratings), 0.4204384, se=0.08119291, pa=0.5560988, pe=0.2340741)


def test_finite_population_correction_on_tables():
    """irrCAC with N = 500: gwet.ac1.table se 0.03865488, kappa2.table se 0.05269135."""
    check(sampling.gwet_ac1(ABSTRACTORS, population=500), 0.8493305, se=0.03865488)
    check(sampling.cohen_kappa(ABSTRACTORS, population=500), 0.7964094, se=0.05269135)
    check(sampling.gwet_ac1(PARADOX, population=500), 0.8895028, se=0.03259809)
    everyone = sampling.gwet_ac1(ABSTRACTORS, population=100)
    assert everyone.se == 0 and everyone.lower == everyone.upper == everyone.estimate


def test_two_raters_raw_agree_with_the_table_functions():
    raw = raw_from_table(ABSTRACTORS)
    assert sampling.gwet_ac1_raw(raw).estimate == pytest.approx(sampling.gwet_ac1(ABSTRACTORS).estimate)
    # Fleiss' kappa for two raters is Scott's pi (irrCAC scott2.table 0.7962397)
    assert sampling.fleiss_kappa(raw).estimate == pytest.approx(0.7962397, abs=5e-7)


# ---------------------------------------------------------------------------------------------
# no value, bad input


def test_kappa_says_why_it_has_no_value_and_ac1_stays_defined():
    table = [[40, 0], [0, 0]]  # both raters: every unit in the first category
    with pytest.raises(sampling.SamplingError, match="saknar värde.*samma kategori"):
        sampling.cohen_kappa(table)
    ac1 = sampling.gwet_ac1(table)
    assert (ac1.estimate, ac1.pa, ac1.pe, ac1.se) == (1.0, 1.0, 0.0, 0.0)
    ratings = [["ja", "ja", "ja"]] * 12
    with pytest.raises(sampling.SamplingError, match="Fleiss kappa saknar värde"):
        sampling.fleiss_kappa(ratings)
    with pytest.raises(sampling.SamplingError, match="Krippendorffs alfa saknar värde"):
        sampling.krippendorff_alpha(ratings)
    assert sampling.gwet_ac1_raw(ratings, categories=["ja", "nej"]).estimate == 1.0
    assert sampling.gwet_ac1_raw(ratings).estimate == 1.0


def test_text_labels_and_missing_ratings():
    ratings = [["ja", "ja"], ["nej", "nej"], ["ja", None], ["ja", "nej"], [None, None], ["nej", "nej"]]
    result = sampling.gwet_ac1_raw(ratings, categories=["ja", "nej", "ej aktuellt"])
    assert result.n == 5  # the unit nobody rated is left out
    as_numbers = [[1, 1], [0, 0], [1, NAN], [1, 0], [NAN, NAN], [0, 0]]
    expected = sampling.fleiss_kappa(as_numbers).estimate
    assert sampling.fleiss_kappa(ratings).estimate == pytest.approx(expected)
    assert result.pe != sampling.gwet_ac1_raw(ratings).pe  # q = 3 versus the 2 that occur
    with pytest.raises(sampling.SamplingError, match="utanför kategorierna: kanske"):
        sampling.gwet_ac1_raw([["ja", "kanske"], ["nej", "nej"]], categories=["ja", "nej"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sampling.cohen_kappa([[1, 2, 3], [4, 5, 6]]), "kvadratisk"),
        (lambda: sampling.gwet_ac1([[5]]), "minst två kategorier"),
        (lambda: sampling.cohen_kappa([[3, -1], [0, 2]]), "icke-negativa"),
        (lambda: sampling.gwet_ac1([[1, 0], [0, 0]]), "minst två enheter"),
        (lambda: sampling.gwet_ac1(ABSTRACTORS, population=50), "population"),
        (lambda: sampling.cohen_kappa(ABSTRACTORS, confidence=95), "Konfidensnivån"),
        (lambda: sampling.krippendorff_alpha(KRIPPENDORFF_2011, level="interval"), "mätnivå"),
        (lambda: sampling.fleiss_kappa([[1, NAN], [2, NAN], [1, NAN]]), "minst två bedömare"),
        (lambda: sampling.fleiss_kappa([1, 2, 3]), "minst två bedömare"),
        (lambda: sampling.krippendorff_alpha([[1, 1], [2, NAN]]), "minst två enheter"),
    ],
)
def test_bad_input_raises_a_swedish_sampling_error(call, message):
    with pytest.raises(sampling.SamplingError, match=message):
        call()


# ---------------------------------------------------------------------------------------------
# properties

square_tables = (
    st.integers(2, 4)
    .flatmap(lambda q: st.lists(st.lists(st.integers(0, 30), min_size=q, max_size=q), min_size=q, max_size=q))
    .filter(lambda t: sum(map(sum, t)) >= 2)
)

raw_ratings = st.integers(2, 5).flatmap(
    lambda raters: st.lists(
        st.lists(st.one_of(st.integers(0, 2), st.just(NAN)), min_size=raters, max_size=raters),
        min_size=3,
        max_size=25,
    )
)

RAW = (sampling.fleiss_kappa, sampling.gwet_ac1_raw, sampling.krippendorff_alpha)


def _or_error(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except sampling.SamplingError as error:
        return str(error)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 30), min_size=2, max_size=4))
def test_perfect_agreement_gives_one(diagonal):
    table = np.diag(diagonal)
    ratings = raw_from_table(table)
    results = [sampling.cohen_kappa(table), sampling.gwet_ac1(table)] + [f(ratings) for f in RAW]
    for result in results:
        assert result.estimate == pytest.approx(1.0) and result.upper == pytest.approx(1.0)
        assert result.pa == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(square_tables)
def test_swapping_the_two_raters_changes_nothing(table):
    swapped = np.array(table).T
    for function in (sampling.cohen_kappa, sampling.gwet_ac1):
        one, other = _or_error(function, table), _or_error(function, swapped)
        if isinstance(one, str):
            assert one == other
        else:
            assert isinstance(other, sampling.Agreement)
            for name in ("estimate", "se", "lower", "upper", "pa", "pe"):
                assert getattr(one, name) == pytest.approx(getattr(other, name), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(raw_ratings, st.randoms(use_true_random=False))
def test_rater_order_changes_nothing(ratings, random):
    order = list(range(len(ratings[0])))
    random.shuffle(order)
    shuffled = [[row[i] for i in order] for row in ratings]
    for function in RAW:
        one, other = _or_error(function, ratings), _or_error(function, shuffled)
        if isinstance(one, str):
            assert one == other
        else:
            assert isinstance(other, sampling.Agreement)
            assert one.estimate == pytest.approx(other.estimate, abs=1e-12)
            assert one.se == pytest.approx(other.se, abs=1e-12)
            assert one.lower <= one.estimate + 1e-12 and one.upper <= 1


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 4), st.integers(0, 3), st.integers(2, 60))
def test_ac1_is_defined_where_kappa_is_not(q, used, count):
    """Both raters put every unit in one category: kappa is 0/0, AC1 is the observed agreement."""
    table = np.zeros((q, q), dtype=int)
    table[used % q, used % q] = count
    with pytest.raises(sampling.SamplingError, match="saknar värde"):
        sampling.cohen_kappa(table)
    ac1 = sampling.gwet_ac1(table)
    assert (ac1.estimate, ac1.lower, ac1.upper) == (1.0, 1.0, 1.0)
    assert math.isfinite(ac1.se)


@settings(max_examples=60, deadline=None)
@given(square_tables)
def test_results_are_finite_and_ordered_whenever_defined(table):
    for function in (sampling.cohen_kappa, sampling.gwet_ac1):
        result = _or_error(function, table)
        if isinstance(result, str):
            assert function is sampling.cohen_kappa and "saknar värde" in result
            continue
        values = (result.estimate, result.se, result.lower, result.upper, result.pa, result.pe)
        assert all(math.isfinite(v) for v in values)
        assert result.lower <= result.estimate <= result.upper <= 1


# ---------------------------------------------------------------------------------------------
# Conger's kappa


@settings(max_examples=60, deadline=None)
@given(square_tables)
def test_for_two_raters_without_missing_ratings_congers_kappa_is_cohens(table):
    cohen = _or_error(sampling.cohen_kappa, table)
    conger = _or_error(sampling.conger_kappa, raw_from_table(table), categories=range(len(table)))
    if isinstance(cohen, str):
        assert isinstance(conger, str) and "saknar värde" in conger
        return
    for name in ("estimate", "pa", "pe"):
        assert getattr(conger, name) == pytest.approx(getattr(cohen, name), abs=1e-12)


def test_congers_kappa_of_several_raters_uses_each_raters_own_shares():
    ratings = [[0, 0, 0], [0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 0, 0], [1, 1, 1]]
    result = sampling.conger_kappa(ratings, confidence=0.9)
    # pa = mean agreeing pairs (1, 1/3, 1, 1/3, 1, 1) = 7/9; shares of "1" per rater 1/2, 1/3, 2/3:
    # pe = 2 * (1/2)**2 - 2 * var(1/2, 1/3, 2/3) / 3 = 1/2 - 1/54
    assert result.pa == pytest.approx(7 / 9)
    assert result.pe == pytest.approx(0.5 - 1 / 54)
    assert result.estimate == pytest.approx((7 / 9 - result.pe) / (1 - result.pe))
    assert result.method == "jackknife-t" and result.df == 5 and result.lower < result.estimate < result.upper


def test_congers_kappa_needs_every_rating():
    with pytest.raises(sampling.SamplingError, match="varje bedömare har bedömt varje enhet"):
        sampling.conger_kappa([[0, 1], [1, NAN], [0, 0]])
