"""The synthetic demo register: determinism, rough distributions, and a clean import."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from egenkontroll import demo, personnummer, register
from egenkontroll.workspace import Workspace

KEY = b"d" * 32


@pytest.fixture(scope="module")
def export():
    return demo.generate_register()


@pytest.fixture(scope="module")
def canonical(export, tmp_path_factory):
    path = demo.write_export_xlsx(export, tmp_path_factory.mktemp("demo") / "demo.xlsx")
    return register.read_register(path, key=KEY)


def test_same_seed_same_register_other_seed_other_register():
    pd.testing.assert_frame_equal(demo.generate_register(7, 500), demo.generate_register(7, 500))
    assert not demo.generate_register(7, 500).equals(demo.generate_register(8, 500))


def test_shape_of_a_mid_size_municipality(export, canonical):
    assert len(canonical) == 15_000
    assert list(export.columns) == list(demo.HEADINGS.values())
    assert canonical["enhet"].nunique() == 6
    assert 35 <= canonical["handlaggare"].nunique() <= 45
    assert (canonical.groupby("handlaggare")["enhet"].nunique() == 1).all()
    assert set(canonical["arendetyp"]) == {
        "barn_och_unga",
        "vuxen_missbruk",
        "ekonomiskt_bistand",
        "vald_i_nara_relation",
    }
    dates = canonical[["inkom_datum", "utredning_avslutad", "verkstallt_datum"]].stack()
    assert dates.min() >= pd.Timestamp(demo.PERIOD_START) and dates.max() <= pd.Timestamp(demo.EXPORT_DATE)
    assert canonical["inkom_datum"].dt.year.value_counts().sort_index().index.tolist() == [2024, 2025, 2026]


def test_time_limits_look_like_the_issue_says(canonical):
    children = canonical[canonical["arendetyp"] == "barn_och_unga"]
    days_to_decision = (children["forhandsbedomning_datum"] - children["inkom_datum"]).dt.days.dropna()
    assert 0.80 <= (days_to_decision <= 14).mean() <= 0.90
    investigation = (children["utredning_avslutad"] - children["utredning_inledd"]).dt.days.dropna()
    assert 85 <= investigation.median() <= 115
    assert investigation.quantile(0.95) > 1.6 * investigation.median()  # a long tail
    open_investigations = children["utredning_inledd"].notna() & children["utredning_avslutad"].isna()
    assert open_investigations.sum() > 50
    assert children["forlangning_beslutad"].sum() > 50
    waiting = (canonical["verkstallt_datum"] - canonical["beslut_datum"]).dt.days
    assert (waiting > 92).sum() > 100


def test_timeliness_improves_over_the_years(canonical):
    children = canonical[canonical["arendetyp"] == "barn_och_unga"]
    within = (children["forhandsbedomning_datum"] - children["inkom_datum"]).dt.days <= 14
    by_year = (
        within[children["forhandsbedomning_datum"].notna()].groupby(children["inkom_datum"].dt.year).mean()
    )
    assert by_year[2024] < by_year[2025] < by_year[2026]


def test_adults_have_children_in_about_a_third(canonical):
    adults = canonical[canonical["arendetyp"] != "barn_och_unga"]["barn_i_hushallet"]
    assert 0.28 <= adults.mean() <= 0.40
    assert canonical.loc[canonical["arendetyp"] == "barn_och_unga", "barn_i_hushallet"].isna().all()


def test_synthetic_personnummer(export, canonical):
    numbers = export["Personnummer"]
    assert numbers.str.fullmatch(r"\d{8}-98\d\d|\d{8}-99\d\d").all()  # födelsenummer 980-999
    parsed = personnummer.parse_many(numbers, np.full(len(numbers), 2026))
    assert pd.isna(pd.Series(parsed.problem, dtype=object)).all()
    assert (numbers.str[6:8].astype(int) > 60).mean() > 0.005  # some samordningsnummer
    children = canonical[canonical["arendetyp"] == "barn_och_unga"]
    age = children["inkom_datum"].dt.year - children["fodelsear"]
    assert age.between(0, 17).all()
    assert canonical["person_id"].nunique() < len(canonical)  # some persons recur


def test_demo_imports_through_the_workspace(tmp_path):
    path = demo.write_export_xlsx(demo.generate_register(n_cases=1_000), tmp_path / "demo.xlsx")
    with Workspace.open(tmp_path / "arbetsyta") as workspace:
        report = workspace.import_register(path)
        assert (report.new, report.changed) == (1_000, 0)
        assert "Ärendestatus" in workspace.cases().columns
