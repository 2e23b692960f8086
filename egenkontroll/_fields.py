"""The canonical case register: field names, their kinds and labels, and the case types (see domain.md)."""

from __future__ import annotations

from typing import Final, NamedTuple


class Field(NamedTuple):
    """A canonical register field: what kind of value it holds and how people see it named."""

    #: "text", "int", "date", "bool", "kon" or "arendetyp"
    kind: str
    #: its Swedish label on case cards and in lists
    label: str


#: canonical field -> its definition, in register order. A new field also needs a step in
#: ``_db.MIGRATIONS`` that adds its column to existing workspaces.
_DEFINITIONS: Final[dict[str, Field]] = {
    "arende_id": Field("text", "Ärende"),
    "person_id": Field("text", "Person (pseudonym)"),
    "kon": Field("kon", "Kön"),
    "fodelsear": Field("int", "Födelseår"),
    "enhet": Field("text", "Enhet"),
    "handlaggare": Field("text", "Handläggare"),
    "arendetyp": Field("arendetyp", "Ärendetyp"),
    "inkom_datum": Field("date", "Inkom"),
    "forhandsbedomning_datum": Field("date", "Förhandsbedömning"),
    "pagaende_utredning": Field("bool", "Utredning pågick redan"),
    "utredning_inledd": Field("date", "Utredning inledd"),
    "utredning_avslutad": Field("date", "Utredning avslutad"),
    "forlangning_beslutad": Field("bool", "Förlängning beslutad"),
    "beslut_datum": Field("date", "Beslut"),
    "verkstallt_datum": Field("date", "Verkställt"),
    "barn_i_hushallet": Field("bool", "Barn i hushållet"),
}
#: canonical field -> kind
FIELDS: Final[dict[str, str]] = {name: field.kind for name, field in _DEFINITIONS.items()}
#: canonical field -> its Swedish label for people
FIELD_LABELS: Final[dict[str, str]] = {name: field.label for name, field in _DEFINITIONS.items()}

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
