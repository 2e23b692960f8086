"""read_register: formats, dates, profiles, and every kind of bad input the issue lists.

``BAD_INPUTS`` is also used by test_register_workspace.py, which feeds the same files through
``Workspace.import_register`` and the command line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from egenkontroll import register
from egenkontroll._fields import FIELDS
from egenkontroll.errors import RegisterError
from egenkontroll.personnummer import check_digit

KEY = b"t" * 32
#: the generic profile with the notes column on its allowlist (extra columns are kept only when named)
NOTES = dataclasses.replace(register.load_profile(), extra_columns=("Anteckning",))
DATA = Path(__file__).parent / "data" / "register"
HEADINGS = [
    "Ärende-ID",
    "Personnummer",
    "Enhet",
    "Handläggare",
    "Ärendetyp",
    "Inkom",
    "Förhandsbedömning",
    "Utredning inledd",
    "Utredning avslutad",
    "Beslut",
    "Verkställt",
    "Barn i hushållet",
    "Anteckning",
]


def synthetic_pnr(index: int) -> str:
    """A valid synthetic personnummer (födelsenummer 980-999) in the ten-digit form."""
    born = dt.date(1960, 1, 1) + dt.timedelta(days=index * 131 % 15_000)
    nine = f"{born:%y%m%d}{980 + index % 20}"
    return f"{nine[:6]}-{nine[6:]}{check_digit(nine)}"


def case(index: int, **changes: object) -> dict[str, object]:
    """One valid source row (headings as in HEADINGS) with some values changed."""
    row: dict[str, object] = {
        "Ärende-ID": f"A-{index:03d}",
        "Personnummer": synthetic_pnr(index),
        "Enhet": "Söder",
        "Handläggare": "HL01",
        "Ärendetyp": "Barn och unga",
        "Inkom": "2024-03-01",
        "Förhandsbedömning": "2024-03-10",
        "Utredning inledd": "2024-03-10",
        "Utredning avslutad": "2024-06-01",
        "Beslut": "2024-06-05",
        "Verkställt": "2024-06-20",
        "Barn i hushållet": "",
        "Anteckning": "fri text",
    }
    row.update(changes)
    return row


def write_csv(
    path: Path,
    rows: list[dict],
    *,
    delimiter: str = ";",
    encoding: str = "utf-8",
    headings: list[str] = HEADINGS,
) -> Path:
    """A csv export written by hand (no quoting needed for these values)."""
    lines = [delimiter.join(headings)]
    lines += [delimiter.join(str(r.get(h, "")) for h in headings) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_xlsx(
    path: Path,
    rows: list[dict],
    *,
    headings: list[str] = HEADINGS,
    prepare: Callable[[openpyxl.worksheet.worksheet.Worksheet], None] | None = None,
) -> Path:
    """An xlsx export written with openpyxl (values as given: str, numbers, dates, formulas)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headings)
    for row in rows:
        sheet.append([row.get(h) for h in headings])
    if prepare:
        prepare(sheet)
    workbook.save(path)
    return path


def problems_of(path: Path, **options) -> list[str]:
    """The problems read_register reports, as the user sees them."""
    with pytest.raises(RegisterError) as caught:
        register.read_register(path, key=KEY, **options)
    return [str(p) for p in caught.value.problems]


# ---------------------------------------------------------------------------------------------
# the bad-input catalogue: name -> (builder, expected text of one problem)


def _empty(tmp: Path) -> Path:
    (tmp / "tom.csv").write_bytes(b"")
    return tmp / "tom.csv"


def _merged_header(tmp: Path) -> Path:
    headings = HEADINGS[:7] + ["Utredning", ""] + HEADINGS[9:]

    def merge(sheet):
        sheet.merge_cells("H1:I1")

    return write_xlsx(tmp / "sammanfogad.xlsx", [case(1)], headings=headings, prepare=merge)


def _mojibake(tmp: Path) -> Path:
    path = write_csv(tmp / "blandad.csv", [case(1), case(2, Enhet="Söder")])
    path.write_bytes(path.read_bytes().replace("Söder".encode(), "Söder".encode("cp1252"), 1))
    return path


def _mixed_delimiters(tmp: Path) -> Path:
    semicolons = write_csv(tmp / "a.csv", [case(1), case(3)]).read_text(encoding="utf-8").splitlines()
    commas = write_csv(tmp / "b.csv", [case(2)], delimiter=",").read_text(encoding="utf-8").splitlines()
    path = tmp / "avgransare.csv"
    path.write_text(
        "\n".join([semicolons[0], semicolons[1], commas[1], semicolons[2]]) + "\n", encoding="utf-8"
    )
    return path


BAD_INPUTS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "tom fil": (_empty, "filen är tom"),
    "bara rubriker": (lambda t: write_csv(t / "rubriker.csv", []), "filen innehåller inga ärenden"),
    "kolumn saknas": (
        lambda t: write_csv(t / "saknas.csv", [case(1)], headings=[h for h in HEADINGS if h != "Enhet"]),
        "rad 1: obligatorisk kolumn saknas: enhet",
    ),
    "utf-16": (lambda t: write_csv(t / "utf16.csv", [case(1)], encoding="utf-16"), "UTF-16"),
    "blandad kodning": (_mojibake, "rad 1: filen blandar teckenkodningar"),
    "blandade avgränsare": (_mixed_delimiters, "rad 3: raden har 1 fält men rubrikraden har 13"),
    "text i datumkolumn": (
        lambda t: write_csv(t / "text.csv", [case(1), case(2, Inkom="igår")]),
        "rad 3, kolumn Inkom: kan inte tolka 'igår' som datum",
    ),
    "30 februari": (
        lambda t: write_csv(t / "feb.csv", [case(1, Beslut="2026-02-30", Verkställt="")]),
        "rad 2, kolumn Beslut: ogiltigt datum '2026-02-30'",
    ),
    "orimligt excel-datum": (
        lambda t: write_xlsx(t / "serie.xlsx", [case(1, Inkom=1234.0)]),
        "rad 2, kolumn Inkom: talet 1234 är inget rimligt Excel-datum",
    ),
    "dubblett": (
        lambda t: write_csv(t / "dubblett.csv", [case(1), case(2), case(3, **{"Ärende-ID": "A-001"})]),
        "rad 4, kolumn Ärende-ID: ärende-id 'A-001' finns redan på rad 2",
    ),
    "kontrollsiffra": (
        lambda t: write_csv(t / "luhn.csv", [case(1), case(2, Personnummer="811218-9877")]),
        "rad 3, kolumn Personnummer: ogiltig kontrollsiffra i personnumret",
    ),
    "okänd ärendetyp": (
        lambda t: write_csv(t / "typ.csv", [case(1, Ärendetyp="Socialpsykiatri")]),
        "rad 2, kolumn Ärendetyp: okänd ärendetyp 'Socialpsykiatri'",
    ),
    "formel": (
        lambda t: write_xlsx(t / "formel.xlsx", [case(1), case(2, Inkom="=DATE(2024,3,1)")]),
        "rad 3, kolumn Inkom: cellen innehåller en formel",
    ),
    "sammanfogade rubriker": (_merged_header, "rad 1, kolumn Utredning: sammanfogade rubrikceller H1:I1"),
    "för långt ärende-id": (
        lambda t: write_csv(t / "lang.csv", [case(1, **{"Ärende-ID": "x" * 10_000})]),
        "rad 2, kolumn Ärende-ID: texten är för lång (10000 tecken, högst 200)",
    ),
    "datumordning": (
        lambda t: write_csv(t / "ordning.csv", [case(1, **{"Utredning avslutad": "2024-03-09"})]),
        "rad 2, kolumn Utredning avslutad: utredningen avslutades före den inleddes",
    ),
    "personnummer i textfält": (
        lambda t: write_csv(t / "text.csv", [case(i, Handläggare=f"HL {synthetic_pnr(i)}") for i in (0, 1)]),
        "rad 2, kolumn Handläggare: texten innehåller ett personnummer",
    ),
    "gammal xls": (
        lambda t: _write_bytes(t / "gammal.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100),
        "öppna den i Excel och spara om som .xlsx",
    ),
}


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_is_reported_with_row_and_column(tmp_path, name):
    build, expected = BAD_INPUTS[name]
    path = build(tmp_path)
    found = problems_of(path)
    assert any(expected in p for p in found), found


def test_missing_file_is_a_register_error(tmp_path):
    assert problems_of(tmp_path / "finns-inte.xlsx") == ["filen finns inte: finns-inte.xlsx"]


def test_every_problem_is_collected_not_just_the_first(tmp_path):
    rows = [
        case(1, Inkom="2026-02-30"),
        case(2, Personnummer="811218-9877"),
        case(3, Ärendetyp="X"),
        case(4, **{"Ärende-ID": "A-001"}),
        case(5, Enhet=""),
    ]
    found = problems_of(write_csv(tmp_path / "många.csv", rows))
    assert found == [
        "rad 2, kolumn Inkom: ogiltigt datum '2026-02-30'",
        "rad 3, kolumn Personnummer: ogiltig kontrollsiffra i personnumret",
        "rad 4, kolumn Ärendetyp: okänd ärendetyp 'X' (lägg till den i importprofilen)",
        "rad 5, kolumn Ärende-ID: ärende-id 'A-001' finns redan på rad 2",
        "rad 6, kolumn Enhet: värde saknas",
    ]


def test_raw_personnummer_never_appears_in_result_or_messages(tmp_path):
    rows = [case(1), case(2, Personnummer="811218-9877", Inkom="nej")]
    path = write_csv(tmp_path / "pnr.csv", rows)
    with pytest.raises(RegisterError) as caught:
        register.read_register(path, key=KEY)
    assert "9877" not in str(caught.value) and "811218" not in str(caught.value)
    frame = register.read_register(write_csv(tmp_path / "ok.csv", [case(1)]), key=KEY)
    flattened = " ".join(map(str, frame.to_numpy().ravel()))
    assert synthetic_pnr(1) not in flattened and synthetic_pnr(1).replace("-", "") not in flattened
    assert "Personnummer" not in frame.columns


# ---------------------------------------------------------------------------------------------
# what is accepted


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_encodings_and_delimiters_give_the_same_register(tmp_path, encoding, delimiter):
    rows = [case(1), case(2, Enhet="Västra Ålandsgatan", Ärendetyp="Våld i nära relation")]
    frame = register.read_register(
        write_csv(tmp_path / "x.csv", rows, delimiter=delimiter, encoding=encoding), key=KEY
    )
    assert frame["enhet"].tolist() == ["Söder", "Västra Ålandsgatan"]
    assert frame["arendetyp"].tolist() == ["barn_och_unga", "vald_i_nara_relation"]


def test_canonical_columns_types_and_extras(tmp_path):
    rows = [case(1, **{"Barn i hushållet": "ja"}), case(2, Beslut="", Verkställt="")]
    frame = register.read_register(write_xlsx(tmp_path / "x.xlsx", rows), key=KEY, profile=NOTES)
    assert list(frame.columns) == [*FIELDS, "Anteckning"]
    assert frame["person_id"].str.fullmatch(r"[0-9a-f]{32}").all()
    assert frame["inkom_datum"].dtype.kind == "M"
    assert frame["barn_i_hushallet"].dtype == "boolean"
    assert frame["fodelsear"].dtype == "Int64"
    assert frame["barn_i_hushallet"].tolist()[0] is True and pd.isna(frame["barn_i_hushallet"].iloc[1])
    assert pd.isna(frame["beslut_datum"].iloc[1])
    assert frame["Anteckning"].tolist() == ["fri text", "fri text"]
    assert frame["handlaggare"].tolist() == ["HL01", "HL01"]


def test_kon_and_birth_year_from_personnummer_unless_given(tmp_path):
    headings = HEADINGS + ["Kön", "Födelseår"]
    rows = [
        case(1, Personnummer="811218-9876"),
        case(2, Personnummer="811218-9868", Kön="okänt", Födelseår="1982"),
    ]
    frame = register.read_register(write_csv(tmp_path / "k.csv", rows, headings=headings), key=KEY)
    assert frame["kon"].tolist() == ["M", "okänt"]
    assert frame["fodelsear"].tolist() == [1981, 1982]


@pytest.mark.parametrize(
    "written",
    [
        "2020-04-01",
        "2020-04-01 00:00",
        "2020-04-01T13:45:00",
        "1/4 2020",
        "1/4-2020",
        "20200401",
        "1 april 2020",
        "01 apr. 2020",
        "43922",
        "43922,5",
    ],
)
def test_date_forms_in_csv(tmp_path, written):
    rows = [
        case(1, Inkom=written, Förhandsbedömning="", **{"Utredning inledd": "", "Utredning avslutad": ""})
    ]
    frame = register.read_register(write_csv(tmp_path / "d.csv", rows), key=KEY)
    assert frame["inkom_datum"].iloc[0] == pd.Timestamp("2020-04-01")


@pytest.mark.parametrize(
    "cell", [43922, 43922.75, dt.date(2020, 4, 1), dt.datetime(2020, 4, 1, 8, 30), "1/4 2020"]
)
def test_date_cells_in_xlsx(tmp_path, cell):
    rows = [
        case(
            1,
            Inkom=cell,
            Förhandsbedömning="2020-04-02",
            **{"Utredning inledd": None, "Utredning avslutad": None},
        )
    ]
    frame = register.read_register(write_xlsx(tmp_path / "d.xlsx", rows), key=KEY)
    assert frame["inkom_datum"].iloc[0] == pd.Timestamp("2020-04-01")


def test_excel_serial_epoch_matches_openpyxl(tmp_path):
    serials = [18264, 25569, 43922, 73050]
    expected = [openpyxl.utils.datetime.from_excel(s) for s in serials]
    rows = [
        case(
            i, Inkom=float(s), Förhandsbedömning="", **{"Utredning inledd": None, "Utredning avslutad": None}
        )
        for i, s in enumerate(serials)
    ]
    frame = register.read_register(write_xlsx(tmp_path / "s.xlsx", rows), key=KEY)
    assert frame["inkom_datum"].tolist() == [pd.Timestamp(e) for e in expected]


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("ja", True),
        ("Nej", False),
        ("SANT", True),
        ("falskt", False),
        ("true", True),
        ("1", True),
        ("0", False),
        ("x", True),
        ("", None),
    ],
)
def test_booleans(tmp_path, written, value):
    frame = register.read_register(
        write_csv(tmp_path / "b.csv", [case(1, **{"Barn i hushållet": written})]), key=KEY
    )
    got = frame["barn_i_hushallet"].iloc[0]
    assert pd.isna(got) if value is None else bool(got) is value


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("ärende id", "arende_id"),
        ("ÄRENDENUMMER", "arende_id"),
        ("Dnr", "arende_id"),
        ("Personnr", "personnummer"),
        ("Anmälan inkom", "inkom_datum"),
        ("Ansökan inkom:", "inkom_datum"),
        ("Verksamhet", "arendetyp"),
        ("Beslut om att inleda utredning", "forhandsbedomning_datum"),
        ("arende_id", "arende_id"),
        ("Okänd rubrik", None),
    ],
)
def test_generic_profile_headings(heading, field):
    assert register.load_profile().field_for(heading) == field


@pytest.mark.parametrize(
    ("wording", "case_type"),
    [
        ("Barn och unga", "barn_och_unga"),
        ("barn och ungdom", "barn_och_unga"),
        ("BoU", "barn_och_unga"),
        ("Missbruk vuxna", "vuxen_missbruk"),
        ("Försörjningsstöd", "ekonomiskt_bistand"),
        ("Ekonomiskt bistånd", "ekonomiskt_bistand"),
        ("Våld i nära relation", "vald_i_nara_relation"),
        ("ovrigt", None),
        ("Socialpsykiatri", None),
    ],
)
def test_generic_profile_case_types(wording, case_type):
    assert register.load_profile().case_type_for(wording) == case_type


def test_own_profile_extends_the_generic_one(tmp_path):
    profile = DATA / "egen_profil.yaml"
    headings = ["Akt", *HEADINGS[1:]]
    rows = [case(1, Akt="K-1", Ärendetyp="Socialpsykiatri"), case(2, Akt="K-2")]
    frame = register.read_register(
        write_csv(tmp_path / "p.csv", rows, headings=headings), key=KEY, profile=profile
    )
    assert frame["arende_id"].tolist() == ["K-1", "K-2"]
    assert frame["arendetyp"].tolist() == ["ovrigt", "barn_och_unga"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kolumner: [1, 2]", "avsnittet 'kolumner' ska vara en mappning"),
        ("kolumner:\n  diarie: [Dnr]", "okänt fält 'diarie' i profilen"),
        ("arendetyper:\n  annat: [X]", "okänd ärendetyp 'annat' i profilen"),
        ("namn: x\nfärg: blå", "okänd nyckel 'färg' i profilen"),
        ("kolumner: [", "profilen är inte giltig YAML"),
    ],
)
def test_bad_profiles_are_register_errors(tmp_path, text, expected):
    path = tmp_path / "profil.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegisterError) as caught:
        register.load_profile(path)
    assert any(expected in str(p) for p in caught.value.problems), caught.value.problems


def test_unknown_builtin_profile_names_the_known_ones():
    with pytest.raises(RegisterError, match="okänd profil 'treserva'.*generisk"):
        register.load_profile("treserva")
    assert "generisk" in register.available_profiles()


def test_long_cell_in_extra_column_is_kept(tmp_path):
    frame = register.read_register(
        write_xlsx(tmp_path / "l.xlsx", [case(1, Anteckning="ä" * 10_000)]), key=KEY, profile=NOTES
    )
    assert frame["Anteckning"].iloc[0] == "ä" * 10_000


def test_formula_in_extra_column_keeps_the_shown_value(tmp_path):
    frame = register.read_register(write_xlsx(tmp_path / "f.xlsx", [case(1, Anteckning="=1+1")]), key=KEY,
                                   profile=NOTES)
    assert list(frame.columns)[-1] == "Anteckning"


def test_title_rows_above_the_header_are_skipped_and_rows_keep_excel_numbers(tmp_path):
    def title(sheet):
        sheet.insert_rows(1, amount=2)
        sheet["A1"] = "Export från verksamhetssystemet 2026-10-31"

    path = write_xlsx(tmp_path / "titel.xlsx", [case(1), case(2, Inkom="igår")], prepare=title)
    assert problems_of(path) == [
        "rad 5, kolumn Inkom: kan inte tolka 'igår' som datum (skriv ÅÅÅÅ-MM-DD eller D/M/ÅÅÅÅ, "
        "t.ex. 2026-03-01)"
    ]


def test_quoted_fields_with_delimiters_and_newlines(tmp_path):
    path = tmp_path / "citat.csv"
    text = write_csv(tmp_path / "x.csv", [case(1)]).read_text(encoding="utf-8")
    path.write_text(text.replace("fri text", '"rad ett; rad\ntvå"'), encoding="utf-8")
    frame = register.read_register(path, key=KEY, profile=NOTES)
    assert frame["Anteckning"].iloc[0] == "rad ett; rad\ntvå"


def test_empty_rows_are_skipped_but_counted(tmp_path):
    path = write_csv(tmp_path / "tomrad.csv", [case(1), {}, case(2, Inkom="x")])
    path.write_text(path.read_text(encoding="utf-8").replace(";" * 12 + "\r\n", "\r\n"), encoding="utf-8")
    assert problems_of(path) == [
        "rad 4, kolumn Inkom: kan inte tolka 'x' som datum (skriv ÅÅÅÅ-MM-DD eller D/M/ÅÅÅÅ, "
        "t.ex. 2026-03-01)"
    ]


def test_reading_is_deterministic_and_keyed(tmp_path):
    path = write_csv(tmp_path / "k.csv", [case(1), case(2)])
    first = register.read_register(path, key=KEY)
    pd.testing.assert_frame_equal(first, register.read_register(path, key=KEY))
    other = register.read_register(path, key=b"o" * 32)
    assert not np.array_equal(first["person_id"], other["person_id"])
