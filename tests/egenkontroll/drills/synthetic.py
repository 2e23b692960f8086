"""A small synthetic case register (csv) for the store tests and drills; no real person is in it.

Personnummer use födelsenummer 980-999 with a correct check digit. Case ``i`` (0-based) is a
barn_och_unga case except every fifth, which is an adult vuxen_missbruk case; inkom_datum walks
through 2026 three days per case; every seventh förhandsbedömning is late (20 days).
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from egenkontroll.personnummer import check_digit

COLUMNS = ["arende_id", "personnummer", "enhet", "handlaggare", "arendetyp", "inkom_datum",
           "forhandsbedomning_datum", "barn_i_hushallet"]
FIRST_DAY = date(2026, 1, 1)


def case_id(index: int) -> str:
    """The arende_id of case *index*."""
    return f"Ä-{index:04d}"


def synthetic_personnummer(index: int) -> str:
    """A valid, synthetic personnummer (födelsenummer 980-999) for case *index*."""
    born = date(1980, 1, 1) + timedelta(days=index * 97 % 10_000)
    first_nine = f"{born:%y%m%d}{980 + index % 20}"
    return f"{first_nine[:6]}-{first_nine[6:]}{check_digit(first_nine)}"


def row(index: int) -> dict[str, str]:
    """The csv row of case *index*."""
    adult = index % 5 == 4
    inkom = FIRST_DAY + timedelta(days=index * 3 % 365)
    days = 20 if index % 7 == 0 else 5
    return {
        "arende_id": case_id(index),
        "personnummer": synthetic_personnummer(index),
        "enhet": "Vuxen" if adult else ("Barn Nord", "Barn Syd")[index % 2],
        "handlaggare": f"H{index % 6}",
        "arendetyp": "vuxen_missbruk" if adult else "barn_och_unga",
        "inkom_datum": inkom.isoformat(),
        "forhandsbedomning_datum": (inkom + timedelta(days=days)).isoformat(),
        "barn_i_hushallet": ("ja" if index % 2 else "nej") if adult else "",
    }


def write_register(path: Path, count: int) -> Path:
    """Write *count* synthetic cases as a semicolon-separated UTF-8 csv at *path*."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, delimiter=";")
        writer.writeheader()
        writer.writerows(row(index) for index in range(count))
    return path
