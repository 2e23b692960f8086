"""Results: figures checked against formulas, exact enumeration and hand-counted cases.

The registers here are synthetic (personnummer with födelsenummer 980-999 and a correct Luhn
check digit). Every expected interval is recomputed in the test from its textbook formula or
by enumerating the hypergeometric distribution, never taken from earlier output. Every test using a
workspace runs on SQLite and on PostgreSQL (``both_backends``, tests/pgserver.py).
"""

from __future__ import annotations

import csv
import json
import math
import statistics
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from egenkontroll import UserError, _estimation, results
from egenkontroll.errors import SessionError

Z95 = stats.norm.ppf(0.975)
R_SURVEY = Path(__file__).parents[1] / "sampling" / "data" / "domain_reference.csv"
DEMO = Path(__file__).parent / "data"
COLUMNS = ["arende_id", "personnummer", "enhet", "handlaggare", "arendetyp", "inkom_datum",
           "forhandsbedomning_datum", "pagaende_utredning", "utredning_inledd", "utredning_avslutad",
           "forlangning_beslutad", "beslut_datum", "verkstallt_datum", "barn_i_hushallet"]
AS_OF = date(2026, 12, 31)

pytestmark = pytest.mark.both_backends


# --------------------------------------------------------------------------- helpers


def luhn(nine: str) -> int:
    """The Luhn check digit, written out independently of egenkontroll.personnummer."""
    total = 0
    for position, char in enumerate(nine):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def personnummer(index: int) -> str:
    born = date(1970, 1, 1) + timedelta(days=index * 37 % 12_000)
    nine = f"{born:%y%m%d}{980 + index % 20}"
    return f"{nine[:6]}-{nine[6:]}{luhn(nine)}"


def adult_case(index: int, enhet: str, inkom: date, **fields: object) -> dict[str, object]:
    """A vuxen_missbruk case with a förhandsbedömning (so valdsfraga applies to it)."""
    return {"arende_id": f"T-{index:04d}", "personnummer": personnummer(index), "enhet": enhet,
            "handlaggare": f"H{index % 3}", "arendetyp": "vuxen_missbruk", "inkom_datum": inkom,
            "forhandsbedomning_datum": inkom + timedelta(days=3), **fields}


def import_cases(ws, tmp_path: Path, cases: list[dict[str, object]]) -> None:
    path = tmp_path / "register.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, delimiter=";")
        writer.writeheader()
        for case in cases:
            writer.writerow({key: _text(case.get(key)) for key in COLUMNS})
    ws.import_register(path)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    return value.isoformat() if isinstance(value, date) else str(value)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    centre = (k + z * z / 2) / (n + z * z)
    half = z * math.sqrt(k * (n - k) / n + z * z / 4) / (n + z * z)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def hypergeometric_by_enumeration(k: int, n: int, population: int, alpha: float = 0.05
                                  ) -> tuple[float, float]:
    """Exact bounds: every population count K not rejected by either one-sided test at alpha/2."""
    kept = [K for K in range(population + 1)
            if stats.hypergeom.cdf(k, population, K, n) > alpha / 2
            and stats.hypergeom.sf(k - 1, population, K, n) > alpha / 2]
    return min(kept) / population, max(kept) / population


def korn_graubard(N: list[int], n: list[int], k: list[int], alpha: float = 0.05
                  ) -> tuple[float, float, float]:
    """Stratified estimate and Korn-Graubard interval, recomputed from the formulas."""
    weights = np.array(N) / sum(N)
    p_h = np.array(k) / np.array(n)
    estimate = float(weights @ p_h)
    variance = float(sum(w * w * (1 - nh / Nh) * p * (1 - p) / (nh - 1)
                         for w, Nh, nh, p in zip(weights, N, n, p_h, strict=True)))
    total, df = sum(n), sum(n) - len(n)
    t_ratio = stats.t.ppf(alpha / 2, total - 1) / stats.t.ppf(alpha / 2, df)
    n_eff = estimate * (1 - estimate) / variance * t_ratio**2
    x = n_eff * estimate
    lower = stats.beta.ppf(alpha / 2, x, n_eff - x + 1)
    upper = stats.beta.ppf(1 - alpha / 2, x + 1, n_eff - x)
    return estimate, float(lower), float(upper)


def fisher_two_sided(a: int, b: int, c: int, d: int) -> float:
    """Fisher's exact p by enumerating every table with the same margins (math.comb)."""
    row1, col1, total = a + b, a + c, a + b + c + d

    def probability(x: int) -> float:
        return math.comb(col1, x) * math.comb(total - col1, row1 - x) / math.comb(total, row1)

    observed = probability(a)
    tables = range(max(0, row1 + col1 - total), min(row1, col1) + 1)
    return sum(p for p in map(probability, tables) if p <= observed * (1 + 1e-7))


def answer(session, case_id: str, values: dict[str, str]) -> None:
    for item_id, value in values.items():
        session.record(case_id, item_id, value, reviewer="Granskare A")


def row(frame: pd.DataFrame, item: str, group: str = "Alla") -> pd.Series:
    found = frame[(frame["item"] == item) & (frame["group"] == group)]
    assert len(found) == 1, found
    return found.iloc[0]


# --------------------------------------------------------------------------- simple random sessions


@pytest.fixture
def srs(workspace, tmp_path):
    """200 adult cases in 2026-T1; a session of 10 with 8 "ja" on vald_fragat."""
    import_cases(workspace, tmp_path, [adult_case(i, "Norr", date(2026, 1, 2) + timedelta(days=i % 100))
                                       for i in range(200)])
    session = workspace.create_session("valdsfraga", n=10, seed=7, period="2026-T1")
    for number, case_id in enumerate(session.case_ids):
        answer(session, case_id, {"vald_fragat": "ja" if number < 8 else "nej"})
    return session


def test_simple_random_session_uses_wilson_from_the_formula(workspace, srs):
    figures = results.item_results(workspace)
    vald = row(figures, "vald_fragat")
    lower, upper = wilson(8, 10)
    assert (vald["k"], vald["n"], vald["method"]) == (8, 10, "wilson")
    assert vald["estimate"] == pytest.approx(0.8)
    assert vald["lower"] == pytest.approx(lower, abs=1e-12)
    assert vald["upper"] == pytest.approx(upper, abs=1e-12)
    assert list(figures.columns) == results.RESULT_COLUMNS
    pd.testing.assert_frame_equal(workspace.results(), figures)
    by_kon = results.item_results(workspace, by="kon")
    by_kon = by_kon[by_kon["item"] == "vald_fragat"]
    assert set(by_kon["group"]) <= {"K", "M", "okänt"} and set(by_kon["dimension"]) == {"kon"}
    assert by_kon["n"].sum() == 10 and by_kon["k"].sum() == 8


def test_not_applicable_unanswered_and_hidden_answers_are_not_counted(workspace, srs):
    first, second, third = srs.case_ids[:3]
    answer(srs, first, {"framkom_vald": "ja", "skydd_och_stod": "ej_aktuellt", "riskbedomning": "ja"})
    answer(srs, second, {"framkom_vald": "ja", "skydd_och_stod": "nej", "riskbedomning": "nej"})
    # the third case said "nej" to vald_fragat: framkom_vald is hidden there, whatever is stored
    assert srs.answers().set_index(["arende_id", "item_id"]).loc[(third, "vald_fragat"), "value"] == "ja"
    answer(srs, third, {"framkom_vald": "ja"})
    answer(srs, third, {"vald_fragat": "nej"})
    figures = results.item_results(workspace)
    assert (row(figures, "framkom_vald")["k"], row(figures, "framkom_vald")["n"]) == (2, 2)
    assert (row(figures, "skydd_och_stod")["k"], row(figures, "skydd_och_stod")["n"]) == (0, 1)
    assert (row(figures, "riskbedomning")["k"], row(figures, "riskbedomning")["n"]) == (1, 2)
    assert (row(figures, "vald_fragat")["k"], row(figures, "vald_fragat")["n"]) == (7, 10)
    assert row(figures, "barnens_situation")["n"] == 0
    assert pd.isna(row(figures, "barnens_situation")["estimate"])


def test_large_share_of_a_small_population_uses_the_exact_hypergeometric_interval(workspace, tmp_path):
    import_cases(workspace, tmp_path, [adult_case(i, "Norr", date(2026, 2, 1) + timedelta(days=i))
                                       for i in range(20)])
    session = workspace.create_session("valdsfraga", n=10, seed=3, period="2026-T1")
    for number, case_id in enumerate(session.case_ids):
        answer(session, case_id, {"vald_fragat": "ja" if number < 9 else "nej"})
    vald = row(results.item_results(workspace), "vald_fragat")
    assert vald["method"] == "hypergeometric"
    lower, upper = hypergeometric_by_enumeration(9, 10, 20)
    assert (vald["lower"], vald["upper"]) == (pytest.approx(lower), pytest.approx(upper))


def test_goals_default_by_kind_and_can_be_set(workspace, srs):
    answer(srs, srs.case_ids[0], {"framkom_vald": "ja", "skydd_och_stod": "ja"})
    figures = results.item_results(workspace)
    assert row(figures, "vald_fragat")["goal"] == 1.0  # critical
    assert row(figures, "skydd_och_stod")["goal"] == 0.9  # tied to a legal reference
    assert math.isnan(row(figures, "framkom_vald")["goal"])  # a fact, no compliance measure
    assert pd.isna(row(figures, "framkom_vald")["status"])
    assert row(figures, "vald_fragat")["status"] == "röd"  # 2 of 10 "nej": upper bound below 100 %
    lowered = results.item_results(workspace, goals={"vald_fragat": 0.5, "valdsfraga.skydd_och_stod": 0.02})
    assert row(lowered, "vald_fragat")["goal"] == 0.5
    assert row(lowered, "vald_fragat")["status"] == "gul"  # Wilson 8/10: 0.49-0.94
    assert row(lowered, "skydd_och_stod")["status"] == "grön"  # a domain of 1 "ja": Clopper-Pearson 0.025-1


def test_goals_must_be_shares(workspace):
    with pytest.raises(UserError, match="mellan 0 och 1"):
        results.item_results(workspace, goals={"vald_fragat": 90})


def test_unknown_breakdown_is_refused_in_swedish(workspace):
    with pytest.raises(UserError, match="kan inte delas upp efter 'handlaggare'"):
        results.item_results(workspace, by="handlaggare")


# --------------------------------------------------------------------------- traffic light


@pytest.mark.parametrize(("lower", "upper", "goal", "status"), [
    (0.9, 0.99, 0.9, "grön"),            # lower bound exactly at the goal
    (0.8, 0.9, 0.9, "gul"),              # upper bound exactly at the goal
    (0.8, math.nextafter(0.9, 0), 0.9, "röd"),  # upper bound just below the goal
    (0.5, 1.0, 1.0, "gul"),
    (1.0, 1.0, 1.0, "grön"),
])
def test_traffic_light_edges(lower, upper, goal, status):
    assert results.traffic_light(lower, upper, goal) == status


def test_traffic_light_rule_is_stated_in_swedish():
    assert "nedre gräns" in results.TRAFFIC_LIGHT_RULE and "övre gräns" in results.TRAFFIC_LIGHT_RULE


# --------------------------------------------------------------------------- stratified sessions and domains


def norr_and_syd(workspace, tmp_path) -> tuple:
    """Norr 60 and Syd 140 cases; a session of 20 stratified by enhet (6 + 14), and its cases per stratum."""
    cases = [adult_case(i, "Norr" if i < 60 else "Syd", date(2026, 5, 2) + timedelta(days=i % 90))
             for i in range(200)]
    import_cases(workspace, tmp_path, cases)
    session = workspace.create_session("valdsfraga", n=20, seed=11, period="2026-T2", strata="enhet")
    return session, session.design.groupby("stratum")["arende_id"].apply(list).to_dict()


@pytest.fixture
def stratified(workspace, tmp_path):
    """The session of :func:`norr_and_syd`, answered as ``plan`` says."""
    session, by_stratum = norr_and_syd(workspace, tmp_path)
    plan = {"Norr": (3, 3, 2), "Syd": (13, 7, 7)}  # vald_fragat ja, framkom_vald ja, riskbedomning ja
    for stratum, (asked, violence, assessed) in plan.items():
        for number, case_id in enumerate(by_stratum[stratum]):
            values = {"vald_fragat": "ja" if number < asked else "nej"}
            if number < asked:
                values["framkom_vald"] = "ja" if number < violence else "nej"
            if number < violence:
                values["riskbedomning"] = "ja" if number < assessed else "nej"
            answer(session, case_id, values)
    return session


def test_stratified_session_is_estimated_with_stratum_weights(workspace, stratified):
    assert stratified.design["stratum"].value_counts().to_dict() == {"Syd": 14, "Norr": 6}
    vald = row(results.item_results(workspace), "vald_fragat")
    estimate, lower, upper = korn_graubard([60, 140], [6, 14], [3, 13])
    assert (vald["k"], vald["n"], vald["method"]) == (16, 20, "korn-graubard")
    assert vald["estimate"] == pytest.approx(estimate)  # 0.3 * 3/6 + 0.7 * 13/14
    assert (vald["lower"], vald["upper"]) == (pytest.approx(lower), pytest.approx(upper))


def test_domain_across_strata_equals_r_survey(workspace, stratified):
    # riskbedomning applies where violence came up: Norr 3 of 6 cases (2 ja), Syd 7 of 14 (7 ja).
    # Before issue 13 the domain sizes (30, 70) were taken as known: SE 0.0949, 54.6-99.8 %.
    risk = row(results.item_results(workspace), "riskbedomning")
    expected = pd.read_csv(R_SURVEY).set_index("scenario").loc["norr_syd_riskbedomning"]
    assert (risk["k"], risk["n"], risk["method"]) == (9, 10, "domain-korn-graubard")
    for field in ("estimate", "se", "lower", "upper"):
        assert risk[field] == pytest.approx(expected[field], abs=1e-6)


def test_every_domain_figure_of_the_demo_equals_r_survey():
    """The counts behind all 234 domain figures of the demo (data/demo_domains.py) through results'
    estimator, against R survey (tests/sampling/data/domain_reference.R)."""
    counts = pd.read_csv(DEMO / "demo_domain_counts.csv")
    reference = pd.read_csv(DEMO / "demo_domain_reference.csv").set_index("scenario")
    for scenario, parts in counts.groupby("scenario"):
        counts_per_stratum = parts[["N", "n", "n_domain", "k_domain"]].to_numpy(float).T
        figure = _estimation.estimate_figure(*counts_per_stratum, 0.95)
        expected = reference.loc[scenario]
        assert figure.estimate == pytest.approx(expected["estimate"], abs=1e-6)
        assert figure.se == pytest.approx(expected["se"], abs=1e-6)
        if expected["k"] in (0, expected["n"]):  # all "ja" or all "nej": R gives NaN or, from a
            # variance of 1e-17 instead of 0, 100-100 %; here the exact binomial interval
            assert figure.method == "domain-clopper-pearson"
            assert (figure.lower, figure.upper) == (pytest.approx(expected["exact_lower"], abs=1e-6),
                                                    pytest.approx(expected["exact_upper"], abs=1e-6))
        elif pd.isna(expected["lower"]):  # no degrees of freedom (one domain case per stratum)
            assert figure.method == "domain-clopper-pearson"
        else:
            assert figure.method == "domain-korn-graubard"
            assert (figure.lower, figure.upper) == (pytest.approx(expected["lower"], abs=1e-6),
                                                    pytest.approx(expected["upper"], abs=1e-6))


_COMPARED = ["item", "k", "n", "estimate", "se", "lower", "upper", "method", "status"]


@pytest.mark.parametrize("dimension", ["enhet", "kon"])  # a whole stratum, and a group across strata
def test_a_breakdown_within_one_group_equals_each_periods_table_of_it(workspace, stratified, dimension):
    gathered = results.ItemResults(workspace)
    group = results.item_results(workspace, by=dimension)["group"].value_counts().index[0]
    per_month = gathered.table(by="manad", within=(dimension, group))
    assert per_month["group"].nunique() >= 2 and per_month["group"].str.match(r"2026-0[5-8]$").all()
    for month, rows in per_month.groupby("group"):
        first = date.fromisoformat(f"{month}-01")
        last = (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)
        alone = gathered.table(period=(first, last), by=dimension)
        alone = alone[alone["group"] == group]
        pd.testing.assert_frame_equal(rows[_COMPARED].reset_index(drop=True),
                                      alone[_COMPARED].reset_index(drop=True))


def test_a_breakdown_within_an_unknown_one_is_refused_in_swedish(workspace, stratified):
    with pytest.raises(UserError, match="kan inte delas upp efter 'handlaggare'"):
        results.ItemResults(workspace).table(by="manad", within=("handlaggare", "H1"))


def test_breakdown_by_the_stratifying_column_is_each_stratum_on_its_own(workspace, stratified):
    figures = results.item_results(workspace, by="enhet")
    syd = row(figures, "vald_fragat", "Syd")
    assert (syd["dimension"], syd["k"], syd["n"], syd["method"]) == ("enhet", 13, 14, "wilson")
    assert (syd["lower"], syd["upper"]) == pytest.approx(wilson(13, 14))


def test_several_sessions_are_strata_never_pooled(workspace, tmp_path):
    cases = [adult_case(i, "Norr", date(2026, 1, 5) + timedelta(days=i % 100)) for i in range(100)]
    cases += [adult_case(100 + i, "Norr", date(2026, 5, 5) + timedelta(days=i % 100)) for i in range(300)]
    import_cases(workspace, tmp_path, cases)
    first = workspace.create_session("valdsfraga", n=8, seed=1, period="2026-T1")
    second = workspace.create_session("valdsfraga", n=10, seed=2, period="2026-T2")
    for session, yes in ((first, 4), (second, 9)):
        for number, case_id in enumerate(session.case_ids):
            answer(session, case_id, {"vald_fragat": "ja" if number < yes else "nej"})
    overall = row(results.item_results(workspace), "vald_fragat")
    estimate, lower, upper = korn_graubard([100, 300], [8, 10], [4, 9])
    assert overall["method"] == "korn-graubard"
    assert overall["estimate"] == pytest.approx(estimate)  # 0.25 * 0.5 + 0.75 * 0.9, not 13/18
    assert (overall["lower"], overall["upper"]) == (pytest.approx(lower), pytest.approx(upper))
    per_tertial = results.item_results(workspace, by="tertial")
    assert row(per_tertial, "vald_fragat", "2026-T1")["upper"] == pytest.approx(wilson(4, 8)[1])
    only_t2 = row(results.item_results(workspace, period="2026-T2"), "vald_fragat")
    assert (only_t2["k"], only_t2["n"], only_t2["method"]) == (9, 10, "wilson")
    per_year = results.item_results(workspace, by="ar")
    assert row(per_year, "vald_fragat", "2026")["estimate"] == pytest.approx(estimate)


def test_unreviewed_cases_count_as_missing_within_their_stratum(workspace, tmp_path):
    session, by_stratum = norr_and_syd(workspace, tmp_path)
    for case_id in by_stratum["Norr"][:3]:  # only half of Norr is reviewed so far
        answer(session, case_id, {"vald_fragat": "nej"})
    for case_id in by_stratum["Syd"]:
        answer(session, case_id, {"vald_fragat": "ja"})
    vald = row(results.item_results(workspace), "vald_fragat")
    assert vald["estimate"] == pytest.approx(0.7)  # Norr keeps its weight 60/200, not 30/170


# --------------------------------------------------------------------------- suppression and display


@pytest.fixture
def four_and_five(workspace, tmp_path):
    """Two enheter, 4 and 5 cases, all in one simple random session of 9 (the whole frame)."""
    cases = [adult_case(i, "Liten" if i < 4 else "Större", date(2026, 3, 1) + timedelta(days=i))
             for i in range(9)]
    import_cases(workspace, tmp_path, cases)
    session = workspace.create_session("valdsfraga", n=9, seed=5, period="2026-T1")
    for case_id in session.case_ids:
        answer(session, case_id, {"vald_fragat": "ja"})
    return session


def test_groups_below_five_cases_are_suppressed(workspace, four_and_five):
    figures = results.item_results(workspace, by="enhet")
    assert bool(row(figures, "vald_fragat", "Liten")["suppressed"]) is True
    assert bool(row(figures, "vald_fragat", "Större")["suppressed"]) is False
    shown = results.for_display(figures[figures["item"] == "vald_fragat"]).set_index("Grupp")
    figure_columns = ["Ja", "Besvarade", "Andel", "95 % KI", "Status"]
    assert (shown.loc["Liten", figure_columns] == "–").all()
    assert shown.loc["Större", "Ja"] == "5" and shown.loc["Större", "Andel"] == "100 %"
    assert shown.loc["Större", "Status"] in {"Grön", "Gul"}


def test_display_uses_swedish_columns_and_percent_text(workspace, srs):
    shown = results.for_display(results.item_results(workspace))
    vald = shown[shown["Fråga"].str.startswith("Har frågan om våld")].iloc[0]
    lower, upper = wilson(8, 10)
    assert vald["Andel"] == "80 %"
    # issue 13, item 4: bounds rounded outward (was round(): 49–94 %)
    assert vald["95 % KI"] == f"{math.floor(100 * lower)}–{math.ceil(100 * upper)} %"  # 49–95 %
    assert vald["Kritisk"] == "Ja" and vald["Status"] == "Röd" and vald["Mål"] == "100 %"
    assert vald["Metod"].startswith("Wilson")


# issue 13, item 4: one style everywhere; 0.999 was "99 %" here and "99,9 %" in planning
@pytest.mark.parametrize(("share", "text"), [(0.874, "87 %"), (0.875, "88 %"), (0.999, "99,9 %"),
                                             (1.0, "100 %"),
                                             (0.001, "0,1 %"), (0.0, "0 %")])
def test_percentages_are_whole_and_never_round_to_all_or_none(share, text):
    frame = pd.DataFrame({"estimate": [share], "suppressed": [False]})
    assert results.for_display(frame).iloc[0]["Andel"] == text


# --------------------------------------------------------------------------- computed items


def test_computed_items_count_verdicts_on_the_sampled_cases(workspace, tmp_path):
    start = date(2026, 1, 10)
    cases = []
    for i in range(12):
        inkom = start + timedelta(days=i)
        late = i % 4 == 0  # 3 late of 12
        pagaende = i == 1  # exempt: no verdict
        cases.append({"arende_id": f"B-{i:03d}", "personnummer": personnummer(500 + i), "enhet": "Barn",
                      "handlaggare": "H1", "arendetyp": "barn_och_unga", "inkom_datum": inkom,
                      "forhandsbedomning_datum": inkom + timedelta(days=15 if late else 14),
                      "pagaende_utredning": pagaende})
    import_cases(workspace, tmp_path, cases)
    workspace.create_session("utredningstid", n=12, seed=1, period="2026-T1")
    figures = results.item_results(workspace, as_of=AS_OF)
    fortnight = row(figures, "forhandsbedomning_14_dagar")
    assert (fortnight["k"], fortnight["n"]) == (8, 11)  # 14 days is in time, 15 is late; one exempt
    assert fortnight["method"] == "domain-census"  # the whole frame was sampled; one case has no verdict
    assert fortnight["goal"] == 1.0 and fortnight["status"] == "röd"
    assert (fortnight["lower"], fortnight["upper"]) == (pytest.approx(8 / 11), pytest.approx(8 / 11))
    assert row(figures, "utredning_4_manader")["n"] == 0  # no investigation registered


# --------------------------------------------------------------------------- change and trend


def test_change_from_previous_tertial_uses_fishers_exact_test(workspace, tmp_path):
    cases = [adult_case(i, "Norr", date(2026, 1, 5) + timedelta(days=i % 100)) for i in range(200)]
    cases += [adult_case(200 + i, "Norr", date(2026, 5, 5) + timedelta(days=i % 100)) for i in range(200)]
    import_cases(workspace, tmp_path, cases)
    for period, yes in (("2026-T1", 6), ("2026-T2", 11)):
        session = workspace.create_session("valdsfraga", n=12, seed=4, period=period)
        for number, case_id in enumerate(session.case_ids):
            answer(session, case_id, {"vald_fragat": "ja" if number < yes else "nej"})
    change = results.change_from_previous(workspace, checklist="valdsfraga", period="2026-T2")
    vald = change.set_index("item").loc["vald_fragat"]
    assert (vald["period"], vald["previous"]) == ("2026-T2", "2026-T1")
    assert (vald["k"], vald["n"], vald["k_previous"], vald["n_previous"]) == (11, 12, 6, 12)
    assert vald["difference"] == pytest.approx(11 / 12 - 6 / 12)
    assert vald["p_value"] == pytest.approx(fisher_two_sided(11, 1, 6, 6), rel=1e-9)
    assert math.isnan(change.set_index("item").loc["riskbedomning", "p_value"])
    trend = results.trend(workspace, checklist="valdsfraga", item="vald_fragat")
    assert trend["period"].tolist() == ["2026-T1", "2026-T2"]
    assert trend["k"].tolist() == [6, 11]


def test_previous_period_defaults(workspace):
    with pytest.raises(UserError, match="previous"):
        results.change_from_previous(workspace, checklist="valdsfraga", period=("2026-01-05", "2026-02-01"))
    empty = results.change_from_previous(workspace, checklist="valdsfraga", period="2026-T1")
    assert empty.empty


# --------------------------------------------------------------------------- summary and JSON


def test_summary_text_is_swedish_with_counts_and_interval(workspace, srs):
    text = results.summary_text(workspace, period="2026-T1")
    lower, upper = wilson(8, 10)
    assert text.startswith(
        "Under T1 2026 granskades 10 slumpvis utvalda akter enligt checklistan Våldsfråga.")
    shown = f"{math.floor(100 * lower)}–{math.ceil(100 * upper)} %"  # outward (issue 13, item 4)
    assert f"Ja i 8 av 10 akter (80 %, 95 % KI {shown})" in text
    assert "målet 100 % är inte uppnått" in text
    assert results.summary_text(workspace, period="2025") == "Under 2025 gjordes ingen granskning."
    assert "99,5 % KI" in results.summary_text(workspace, period="2026-T1", confidence=0.995)
    dated = results.summary_text(workspace, period="2026-T1", as_of="2026-05-02")
    assert dated.endswith("\n\nTidsfristerna är bedömda per 2026-05-02.")


def test_results_json_is_serialisable_and_names_design_and_method(workspace, stratified):
    data = json.loads(json.dumps(results.results_json(workspace)))
    (session,) = data["sessions"]
    assert session["design"] == "stratified" and session["strata_by"] == ["enhet"]
    assert {s["stratum"]: (s["N"], s["n"]) for s in session["strata"]} == {"Norr": (60, 6), "Syd": (140, 14)}
    vald = next(item for item in data["items"] if item["item"] == "vald_fragat")
    assert vald["method"] == "korn-graubard" and vald["k"] == 16
    assert data["per_session"][session["id"]][0]["item"] == "vald_fragat"
    assert data["traffic_light_rule"] == results.TRAFFIC_LIGHT_RULE
    assert results.results_json(workspace, as_of="2026-05-02")["per_datum"] == "2026-05-02"


# --------------------------------------------------------------------------- register indicators


def test_register_indicators_count_every_case(workspace, tmp_path):
    child = {"arendetyp": "barn_och_unga"}
    cases = [
        # T1: 14-day rule 2 of 3 in time; investigations of 100 and 130 days (4 months = 2026-05-10)
        {"inkom_datum": date(2026, 1, 2), "forhandsbedomning_datum": date(2026, 1, 16),
         "utredning_inledd": date(2026, 1, 10), "utredning_avslutad": date(2026, 4, 20)},
        {"inkom_datum": date(2026, 2, 1), "forhandsbedomning_datum": date(2026, 2, 16),
         "utredning_inledd": date(2026, 2, 1), "utredning_avslutad": date(2026, 6, 11)},
        {"inkom_datum": date(2026, 3, 1), "forhandsbedomning_datum": date(2026, 3, 5)},
        # T2: one in time, one exempt (pågående utredning)
        {"inkom_datum": date(2026, 5, 4), "forhandsbedomning_datum": date(2026, 5, 6),
         "utredning_inledd": date(2026, 5, 6), "utredning_avslutad": date(2026, 6, 15)},
        {"inkom_datum": date(2026, 6, 4), "forhandsbedomning_datum": date(2026, 7, 6),
         "pagaende_utredning": True},
    ]
    decisions = [
        # not carried out: deadline 2026-04-15, waiting at the end of Q2 and Q3
        {"beslut_datum": date(2026, 1, 15)},
        # deadline 2026-02-28 (month end clamped); carried out 2026-03-10, late, in Q1
        {"beslut_datum": date(2025, 11, 30), "verkstallt_datum": date(2026, 3, 10)},
        # carried out on the deadline day: in time
        {"beslut_datum": date(2026, 2, 10), "verkstallt_datum": date(2026, 5, 10)},
    ]
    rows = [adult_case(i, "Barn", c["inkom_datum"], **child, **c) for i, c in enumerate(cases)]
    rows += [adult_case(10 + i, "Vuxen", date(2025, 11, 1), **d) for i, d in enumerate(decisions)]
    import_cases(workspace, tmp_path, rows)
    indicators = results.register_indicators(workspace, as_of=date(2026, 9, 30))

    fortnight = indicators["forhandsbedomning_14_dagar"].set_index("period")
    assert fortnight.loc["2026-T1", ["k", "n"]].tolist() == [2, 3]
    assert fortnight.loc["2026-T2", ["k", "n"]].tolist() == [1, 1]
    assert bool(fortnight.loc["2026-T1", "suppressed"]) is True

    months = indicators["utredning_4_manader"].set_index("period")
    assert months.loc["2026-T1", ["k", "n"]].tolist() == [1, 2]  # 2026-06-11 is past 2026-06-01

    times = indicators["utredningstid"].set_index("period")
    t2 = [(date(2026, 6, 11) - date(2026, 2, 1)).days, (date(2026, 6, 15) - date(2026, 5, 6)).days]
    q1, median, q3 = statistics.quantiles(t2, n=4, method="inclusive")
    assert times.loc["2026-T2", ["n", "median", "q1", "q3"]].tolist() == [2, median, q1, q3]
    assert times.loc["2026-T1", "median"] == 100

    quarters = indicators["ej_verkstallda"].set_index("quarter")
    assert quarters.loc["2026-K1", ["count", "carried_out_late"]].tolist() == [0, 1]
    assert quarters.loc["2026-K2", ["count", "carried_out_late"]].tolist() == [1, 0]
    assert quarters.index[-1] == "2026-K3"  # the quarter ending on as_of is complete
    waiting = indicators["ej_verkstallda_lista"]
    assert waiting["arende_id"].tolist() == ["T-0010"]
    assert waiting["days_waiting"].tolist() == [(date(2026, 9, 30) - date(2026, 1, 15)).days]
    assert set(waiting.columns) == {"arende_id", "person_id", "enhet", "arendetyp", "beslut_datum",
                                    "deadline", "days_waiting"}
    assert not waiting["person_id"].str.contains("-").any()  # a pseudonym, never the personnummer


# --------------------------------------------------------------------------- overlapping sessions, coverage


def test_a_session_overlapping_one_of_the_same_checklist_is_refused(workspace, tmp_path):
    import_cases(workspace, tmp_path, [adult_case(i, "Norr", date(2026, 1, 5) + timedelta(days=i))
                                       for i in range(300)])
    first = workspace.create_session("valdsfraga", n=10, seed=1, period="2026-T1")
    workspace.create_session("valdsfraga", n=10, seed=1, period="2026-T2")  # no overlap: fine
    with pytest.raises(SessionError, match=f"Granskningen {first.id} .* omfattar redan ärenden") as refused:
        workspace.create_session("valdsfraga", n=5, seed=2, period="2026")
    assert "Fortsätt granskningen" in str(refused.value) and "två gånger" in str(refused.value)
    assert len(workspace.sessions()) == 2


def test_overlapping_sessions_already_in_a_workspace_are_not_added_up(workspace, tmp_path):
    # the case: a year of 300 cases, "2026" and "2026-T1" sessions; T1 at 50 %, T2-T3 at 90 %
    cases = [adult_case(i, "Norr", date(2026, 1, 2) + timedelta(days=i * 364 // 300)) for i in range(300)]
    import_cases(workspace, tmp_path, cases)
    year = workspace.create_session("valdsfraga", n=30, seed=3, period="2026")
    first = workspace.create_session("valdsfraga", n=10, seed=4, period="2026-T1", allow_overlap=True)
    t1_end = pd.Timestamp("2026-04-30")
    inkom = workspace.cases().set_index("arende_id")["inkom_datum"]
    for session in (year, first):
        for number, case_id in enumerate(session.case_ids):
            rate = 2 if inkom[case_id] <= t1_end else 10  # every 2nd "nej" in T1, every 10th later
            answer(session, case_id, {"vald_fragat": "nej" if number % rate == 0 else "ja"})
    figures = results.item_results(workspace)
    (left_out,) = figures.attrs["left_out"]
    assert (left_out["session"], left_out["overlaps"]) == (first.id, year.id)
    assert f"Granskningen {first.id} (2026-T1) ingår inte" in left_out["reason"]
    vald = row(figures, "vald_fragat")
    assert (vald["n"], vald["frame_cases"]) == (30, 300)  # the year session alone: no case counted twice
    alone = row(results.item_results(workspace, sessions=[year]), "vald_fragat")
    assert vald["estimate"] == alone["estimate"]


def test_every_row_carries_its_coverage(workspace, tmp_path):
    cases = [adult_case(i, "Norr", date(2026, 1, 5) + timedelta(days=i % 100)) for i in range(100)]
    cases += [adult_case(100 + i, "Norr", date(2026, 9, 5) + timedelta(days=i % 100)) for i in range(100)]
    import_cases(workspace, tmp_path, cases)
    for period, seed in (("2026-T1", 1), ("2026-T3", 2)):
        session = workspace.create_session("valdsfraga", n=8, seed=seed, period=period)
        for case_id in session.case_ids[:-1]:  # one case of each session not yet reviewed
            answer(session, case_id, {"vald_fragat": "ja"})
    vald = row(results.item_results(workspace, period="2026"), "vald_fragat")
    assert (vald["frame_cases"], vald["uncovered_cases"], vald["missing_periods"]) == (200, 0, ("2026-T2",))
    assert vald["population"] == pytest.approx(200)
    assert results.coverage_text(vald) == "Ingen granskning för T2 2026."
    assert "Ingen granskning för T2 2026." in results.summary_text(workspace, period="2026")
    data = json.loads(json.dumps(results.results_json(workspace, by="tertial")))
    first = data["items"][0]
    assert data["by"] == "tertial" and first["se"] is not None
    assert first["coverage"] == {"population": pytest.approx(100), "frame_cases": 200, "uncovered_cases": 0,
                                 "missing_periods": ["2026-T2"]}


def test_a_small_stratum_gets_a_case_by_default_and_keeps_its_row(workspace, tmp_path):
    # the case: 5 of 205 cases; proportional allocation of 20 gives the small enhet 0.49 cases
    cases = [adult_case(i, "Liten" if i < 5 else "Stor", date(2026, 1, 5) + timedelta(days=i % 100))
             for i in range(205)]
    import_cases(workspace, tmp_path, cases)
    session = workspace.create_session("valdsfraga", n=20, seed=7, period="2026-T1", strata="enhet")
    assert session.design["stratum"].value_counts().to_dict() == {"Stor": 19, "Liten": 1}
    for case_id in session.case_ids:
        answer(session, case_id, {"vald_fragat": "ja"})
    by_enhet = results.item_results(workspace, by="enhet")
    assert set(by_enhet["group"]) == {"Liten", "Stor"}
    assert row(by_enhet, "vald_fragat", "Liten")["population"] == 5


def test_a_zero_minimum_leaves_the_stratum_out_and_the_row_says_so(workspace, tmp_path):
    cases = [adult_case(i, "Liten" if i < 5 else "Stor", date(2026, 1, 5) + timedelta(days=i % 100))
             for i in range(205)]
    import_cases(workspace, tmp_path, cases)
    session = workspace.create_session("valdsfraga", n=20, seed=7, period="2026-T1", strata="enhet",
                                       minimum=0)
    for case_id in session.case_ids:
        answer(session, case_id, {"vald_fragat": "ja"})
    vald = row(results.item_results(workspace), "vald_fragat")
    assert (vald["frame_cases"], vald["uncovered_cases"]) == (205, 5)
