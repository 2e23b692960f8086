"""Sample-size advice: the numbers come from sampling, the sentence must say them right."""

from __future__ import annotations

import math

import pytest

import sampling
from egenkontroll import planning


def test_zero_expected_deviations_matches_the_closed_form():
    advice = planning.advise(tolerable=0.05, confidence=0.95)
    assert advice.n == math.ceil(math.log(0.05) / math.log(0.95)) == 59
    assert advice.explanation == ("Med 59 akter kan du med 95 % säkerhet säga att avvikelsefrekvensen "
                                  "är under 5 % om ingen avvikelse hittas.")


def test_one_expected_deviation_is_singular():
    advice = planning.advise(tolerable=0.05, expected=0.01)
    assert advice.n == 93
    assert "om högst 1 avvikelse hittas." in advice.explanation


def test_several_expected_deviations_are_plural():
    advice = planning.advise(tolerable=0.05, expected=0.02)
    assert f"om högst {math.ceil(0.02 * advice.n)} avvikelser hittas." in advice.explanation


def test_population_uses_the_exact_hypergeometric_plan():
    advice = planning.advise(tolerable=0.05, population=300)
    assert advice.n == sampling.plan(0.05, likelihood="hypergeometric", population=300).n
    assert advice.n < 59 and "(av 300 ärenden)" in advice.explanation


def test_margin_with_finite_population():
    advice = planning.advise(margin=0.05, population=500)
    assert advice.n == 218
    assert "±5 %" in advice.explanation


@pytest.mark.parametrize("rate, text", [(0.05, "5 %"), (0.025, "2,5 %"), (0.9, "90 %"), (0.999, "99,9 %")])
def test_percent_is_written_the_swedish_way(rate, text):
    assert planning.percent(rate) == text


def test_exactly_one_of_tolerable_or_margin():
    with pytest.raises(sampling.SamplingError, match="antingen"):
        planning.advise()
    with pytest.raises(sampling.SamplingError, match="antingen"):
        planning.advise(tolerable=0.05, margin=0.05)


def test_strata_table_shows_each_stratum_with_swedish_headings():
    import pandas as pd

    frame = pd.DataFrame({"arende_id": [f"A{i}" for i in range(30)], "enhet": ["Norr"] * 20 + ["Söder"] * 10})
    drawn = sampling.select(frame, 6, seed=1, id_column="arende_id", strata="enhet")
    table = planning.strata_table(drawn.manifest)
    assert list(table.columns) == ["Ärenden (N)", "Urval (n)", "Urvalssannolikhet"]
    assert table.loc["Norr", "Ärenden (N)"] == 20 and table.loc["Söder", "Urval (n)"] == 2
    assert table["Urval (n)"].sum() == 6
