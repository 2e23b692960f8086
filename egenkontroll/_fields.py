"""The canonical case register: field names, their types and the case types (see domain.md)."""

from __future__ import annotations

from typing import Final

#: canonical field -> kind ("text", "int", "date", "bool", "kon", "arendetyp")
FIELDS: Final[dict[str, str]] = {
    "arende_id": "text",
    "person_id": "text",
    "kon": "kon",
    "fodelsear": "int",
    "enhet": "text",
    "handlaggare": "text",
    "arendetyp": "arendetyp",
    "inkom_datum": "date",
    "forhandsbedomning_datum": "date",
    "pagaende_utredning": "bool",
    "utredning_inledd": "date",
    "utredning_avslutad": "date",
    "forlangning_beslutad": "bool",
    "beslut_datum": "date",
    "verkstallt_datum": "date",
    "barn_i_hushallet": "bool",
}

#: fields an import must provide (personnummer becomes person_id, kon and fodelsear)
REQUIRED: Final[tuple[str, ...]] = ("arende_id", "personnummer", "enhet", "arendetyp", "inkom_datum")

CASE_TYPES: Final[tuple[str, ...]] = (
    "barn_och_unga",
    "vuxen_missbruk",
    "ekonomiskt_bistand",
    "vald_i_nara_relation",
    "ovrigt",
)

KON_VALUES: Final[tuple[str, ...]] = ("K", "M", "okänt")

#: arendetyp -> its Swedish label for people
CASE_TYPE_LABELS: Final[dict[str, str]] = {
    "barn_och_unga": "Barn och unga",
    "vuxen_missbruk": "Vuxen, missbruk",
    "ekonomiskt_bistand": "Ekonomiskt bistånd",
    "vald_i_nara_relation": "Våld i nära relation",
    "ovrigt": "Övrigt",
}
#: kon -> its Swedish label for people (a group, as in "per kön")
KON_LABELS: Final[dict[str, str]] = {"K": "Kvinnor", "M": "Män", "okänt": "Okänt kön"}

DATE_FIELDS: Final[tuple[str, ...]] = tuple(f for f, kind in FIELDS.items() if kind == "date")
BOOL_FIELDS: Final[tuple[str, ...]] = tuple(f for f, kind in FIELDS.items() if kind == "bool")
