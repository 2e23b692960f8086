"""A first import profile written from an export's headings, for the user to check and correct.

``egenkontroll profil FIL`` reads the file as an import would, places each heading on a register field
(a heading the generic profile knows; else one of the Swedish variants below, or a close spelling of a
known heading: a guess, marked as such), lists the case-type wordings the generic profile does not know,
and pins ``%m/%d/%Y`` for a date column whose slashed dates can only be read with the month first.
Nothing is placed twice, and every field it could not place is named, in the file and in the summary.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from egenkontroll import register
from egenkontroll._fields import DATE_FIELDS, FIELD_LABELS, REQUIRED

__all__ = ["Draft", "draft_profile", "HEADING_VARIANTS"]

#: headings seen in Swedish case-system exports that the generic profile does not take as given
#: (they are common but not unambiguous, so a draft marks them as guesses)
HEADING_VARIANTS: Final[dict[str, tuple[str, ...]]] = {
    "arende_id": ("Akt", "Aktnummer", "Akt-ID", "Aktid", "Ärende-nr", "Löpnummer", "ID"),
    "personnummer": ("Pers nr", "Personnummer klient", "Klientens personnummer", "Klient pnr", "Person-ID"),
    "enhet": ("Handläggande enhet", "Organisation", "Organisationsenhet", "Team", "Grupp", "Enhet namn"),
    "handlaggare": ("Ansvarig", "Ansvarig handl", "Handläggarsignatur", "Signatur", "Handläggar-id"),
    "arendetyp": ("Kategori", "Ärendekategori", "Område", "Verksamhetsgren", "Typ", "Ärendetyp namn"),
    "inkom_datum": ("Registrerad", "Registreringsdatum", "Reg datum", "Reg.datum", "Anmälningsdatum",
                    "Ansökningsdatum", "Anmälan datum", "Ansökan datum", "Startdatum", "Ärende startat"),
    "forhandsbedomning_datum": ("Förhandsbedömning beslut", "Beslut förhandsbedömning", "FB klar",
                                "Förhandsbedömning avslutad"),
    "utredning_inledd": ("Utredning start", "Utredningen inleddes", "Inledd utredning", "Utr inledd"),
    "utredning_avslutad": ("Utredning slut", "Utredningen avslutades", "Avslutad utredning", "Utr avslutad"),
    "beslut_datum": ("Beslutat", "Beslut insats", "Beslut fattat"),
    "verkstallt_datum": ("Verkställighet", "Insats startad", "Insatsstart", "Verkst datum"),
    "barn_i_hushallet": ("Barn", "Barn finns", "Minderåriga barn"),
    "kon": ("Klientens kön",),
    "fodelsear": ("Född", "Födelse år"),
}
_CLOSE_ENOUGH: Final = 0.85
_MONTH_FIRST: Final = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*")
_FIELDS_IN_ORDER: Final = ("arende_id", "personnummer",
                           *(f for f in register._MAPPABLE if f not in ("arende_id", "personnummer")))


@dataclass
class Draft:
    """A drafted profile: its YAML text and what was placed, guessed and left over."""

    text: str
    placed: dict[str, str] = field(default_factory=dict)  # field -> heading
    guessed: set[str] = field(default_factory=set)  # fields placed by a variant or a close spelling
    unplaced: list[str] = field(default_factory=list)  # fields no heading was found for
    extra_headings: list[str] = field(default_factory=list)  # headings that became no field
    unknown_case_types: list[str] = field(default_factory=list)
    month_first: list[str] = field(default_factory=list)  # date fields pinned to %m/%d/%Y

    def summary(self) -> list[str]:
        """What the draft did, in Swedish, for the command line."""
        lines = [f"  {heading} → {name}{' (gissning, kontrollera)' if name in self.guessed else ''}"
                 for name, heading in self.placed.items()]
        lines.insert(0, "Rubriker som placerades på registerfält:")
        required = [name for name in self.unplaced if name in REQUIRED]
        if self.unplaced:
            lines.append(f"Fält som inte kunde placeras: {', '.join(self.unplaced)}"
                         + (f" (obligatoriska: {', '.join(required)})" if required else ""))
        if self.extra_headings:
            lines.append(f"Kolumner som inte blev fält (lämnas utanför om du inte lägger dem i "
                         f"extra_kolumner): {', '.join(self.extra_headings)}")
        if self.unknown_case_types:
            lines.append(f"Ärendetyper att placera under arendetyper: {', '.join(self.unknown_case_types)}")
        lines += [f"Datumen i {name} har månaden först; utkastet anger datumformat \"%m/%d/%Y\"."
                  for name in self.month_first]
        return lines


def draft_profile(path: str | os.PathLike[str], *, name: str = "importprofil") -> Draft:
    """Draft an import profile named *name* from the headings and values of the export *path*.

    Raises
    ------
    RegisterError
        When the file cannot be read.
    """
    columns = register.source_columns(path)
    generic = register.load_profile()
    draft = Draft(text="")
    for heading in columns:
        target, guessed = _place(heading, generic, set(draft.placed))
        if target is None:
            draft.extra_headings.append(heading)
            continue
        draft.placed[target] = heading
        if guessed:
            draft.guessed.add(target)
    draft.placed = {f: draft.placed[f] for f in _FIELDS_IN_ORDER if f in draft.placed}
    draft.unplaced = [f for f in _FIELDS_IN_ORDER if f not in draft.placed]
    if "arendetyp" in draft.placed:
        wordings = dict.fromkeys(str(v).strip() for v in columns[draft.placed["arendetyp"]] if str(v).strip())
        draft.unknown_case_types = [w for w in wordings if generic.case_type_for(w) is None]
    draft.month_first = [f for f in DATE_FIELDS
                         if f in draft.placed and _month_first(columns[draft.placed[f]])]
    draft.text = _yaml_text(draft, name, Path(path).name)
    return draft


def _place(heading: str, generic: register.Profile, taken: set[str]) -> tuple[str | None, bool]:
    """The field *heading* means and whether that is a guess; None for a heading that is no field."""
    known = generic.field_for(heading)
    if known is not None:
        return (None, False) if known in taken else (known, False)
    wanted = _normalised(heading)
    for target, variants in HEADING_VARIANTS.items():
        if target not in taken and wanted in {_normalised(v) for v in variants}:
            return target, True
    candidates = {_normalised(h): f for f, hs in {**generic.columns, **HEADING_VARIANTS}.items() for h in hs
                  if f not in taken}
    close = difflib.get_close_matches(wanted, list(candidates), n=1, cutoff=_CLOSE_ENOUGH)
    return (candidates[close[0]], True) if close else (None, False)


def _normalised(text: str) -> str:
    return register._normalise(text)


def _month_first(cells: list[object]) -> bool:
    """Whether some slashed date can only be read with the month first (13/... is no month)."""
    for cell in cells:
        match = _MONTH_FIRST.fullmatch(str(cell)) if isinstance(cell, str) else None
        if match and int(match[1]) <= 12 < int(match[2]) <= 31:
            return True
    return False


def _yaml_text(draft: Draft, name: str, source: str) -> str:
    """The draft as a commented YAML profile (lists written as JSON, which YAML reads as they are)."""
    def listed(values: list[str]) -> str:
        return json.dumps(values, ensure_ascii=False)

    lines = [
        f"# Utkast till importprofil, skrivet av `egenkontroll profil` utifrån rubrikerna i {source}.",
        "# Kontrollera varje rad innan du läser in; rader märkta \"gissning\" bygger på liknande rubriker.",
        f"namn: {json.dumps(name, ensure_ascii=False)}",
        f"beskrivning: {json.dumps(f'Export som {source}', ensure_ascii=False)}",
        "bas: generisk",
        "kolumner:",
    ]
    for target, heading in draft.placed.items():
        note = "gissning, kontrollera" if target in draft.guessed else "känd rubrik"
        label = FIELD_LABELS.get(target, "personnummer, sparas bara som pseudonym")
        lines.append(f"  {target}: {listed([heading])}   # {label}; {note}")
    for target in draft.unplaced:
        required = " (obligatoriskt)" if target in REQUIRED else ""
        lines.append(f"  # {target}: [\"...\"]   # hittades inte{required}: skriv rubriken i din fil")
    lines.append("extra_kolumner: []   # rubriker att spara utöver fälten, t.ex. [Ärendestatus]")
    if draft.extra_headings:
        lines.append(f"# kolumner i filen som inte blev fält: {', '.join(draft.extra_headings)}")
    lines.append("arendetyper: {}" if not draft.unknown_case_types else "arendetyper:")
    if draft.unknown_case_types:
        lines.append("  # benämningar i filen som den generiska profilen inte känner: flytta var och en till")
        lines.append("  # rätt ärendetyp (barn_och_unga, vuxen_missbruk, ekonomiskt_bistand, "
                     "vald_i_nara_relation, ovrigt)")
        lines.append(f"  # ovrigt: {listed(draft.unknown_case_types)}")
    if draft.month_first:
        lines.append("datumformat:   # datumen har månaden först (M/D/ÅÅÅÅ)")
        lines += [f"  {target}: \"%m/%d/%Y\"" for target in draft.month_first]
    return "\n".join(lines) + "\n"
