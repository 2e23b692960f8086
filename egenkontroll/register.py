"""Read a case-register export (xlsx, xls or csv) into the canonical register, validating every row.

:func:`read_register` is the whole import short of storage: it reads the file, maps source
columns and case-type wording through an import profile, parses and validates every value,
replaces the personnummer by a keyed pseudonym and returns a DataFrame. Every problem in the
file is collected and raised together as one :class:`~egenkontroll.errors.RegisterError`;
nothing else is raised for bad content.

Decisions where exports are ambiguous (documented for users in ``profiles/README.md``):

* **File type** is recognised from the content, not the name: xlsx (zip), old xls (OLE, read by
  calamine; formulas there cannot be seen), HTML or XML (refused: case systems write web pages named
  .xls), otherwise text (csv). The first visible worksheet is read.
* **Header row**: the first of the first ten non-empty rows in which at least two headings are
  recognised (so a title line above the table is skipped); otherwise the first non-empty row.
  Row numbers in messages are the rows as Excel shows them.
* **CSV**: encoding UTF-8 (with or without BOM) or Windows-1252; delimiter ``;``, ``,`` or tab,
  whichever the header row uses most. A row with another number of fields than the header is an
  error (typically mixed delimiters). UTF-8 text mis-saved as Windows-1252 ("Ã¤") is an error.
* **Dates**: ISO ``2020-04-01`` (a time such as ``00:00`` is ignored), ``20200401``, Swedish
  ``1/4/2020``, ``1.4.2020``, ``1/4 2020`` and ``1/4-2020`` (always day first: the Swedish order, so
  ``3/4/2020`` is 3 April), ``1 april 2020``, Excel date cells, and Excel serial numbers (numeric
  cells or numbers in csv) from 18264 (1950-01-01) to 73050 (2099-12-31). A profile's ``datumformat``
  pins a column's text to one ``strptime`` format instead (e.g. ``%m/%d/%Y``); ISO text, date cells
  and serials stay accepted there. The import report names the rule that read each date column.
  Two-digit years and years outside 1900-2099 are refused.
* **Problems** are listed cell by cell and, before the list, counted per column and kind with the
  first example and what to do (``RegisterError.overview``).
* **Formulas**: a formula in a column that becomes a canonical field is an error (the cached
  value may be missing or stale); in extra columns the value Excel shows is kept.
* **Merged cells** are an error naming the cells. Canonical text fields hold at most
  200 characters; extra columns up to Excel's cell limit of 32 767.
* **Extra columns** are kept only when the profile names them (``extra_kolumner``, an allowlist);
  every other column is left out and named in the import report. A names column or a notes column
  therefore never reaches the database by accident.
* **Personnummer in text**: every kept text (arende_id, enhet, handläggare and the kept extra
  columns) is scanned with :func:`egenkontroll.personnummer.find_in_text`. A hit is an error naming
  row and column, unless the profile says ``fritext: maskera``: then, in extra columns, the number is
  replaced by "[personnummer borttaget]" before anything is stored (in the canonical fields a hit is
  always an error: they are identifiers, not free text). Raw personnummer must never be stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Final
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import python_calamine
import yaml

from egenkontroll import _filelimits, personnummer
from egenkontroll._fields import BOOL_FIELDS, CASE_TYPES, DATE_FIELDS, FIELDS, REQUIRED
from egenkontroll._filelimits import DEFAULT_LIMITS, Limits
from egenkontroll.errors import Problem, RegisterError

__all__ = [
    "MAX_TEXT_LENGTH",
    "MAX_CELL_LENGTH",
    "FREE_TEXT_REFUSE",
    "FREE_TEXT_MASK",
    "DROPPED_COLUMNS",
    "WARNINGS",
    "COLUMN_MAP",
    "DATE_RULES",
    "Profile",
    "available_profiles",
    "load_profile",
    "read_register",
    "source_columns",
]

#: longest value accepted in a canonical text field (ids, enhet, handläggare)
MAX_TEXT_LENGTH: Final = 200
#: longest value accepted in an extra column (Excel's own cell limit)
MAX_CELL_LENGTH: Final = 32_767

_PERSONNUMMER: Final = "personnummer"
_DERIVED: Final = ("person_id",)
_MAPPABLE: Final = tuple(f for f in FIELDS if f not in _DERIVED) + (_PERSONNUMMER,)
_HEADER_SEARCH_ROWS: Final = 10
_SERIAL_RANGE: Final = (18_264, 73_050)
_YEAR_RANGE: Final = (1900, 2099)
_EXCEL_EPOCH_ORDINAL: Final = dt.date(1899, 12, 30).toordinal()
_UNIX_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()
_NAT: Final = np.iinfo(np.int64).min
_SHOWN_VALUE_LENGTH: Final = 40
_SCANNED_FIELDS: Final = tuple(f for f, kind in FIELDS.items() if kind == "text" and f not in _DERIVED)
_TYPE_OF: Final = np.frompyfunc(type, 1, 1)

_PROFILE_DIR: Final = "profiles"
_PROFILE_KEYS: Final = {"namn", "beskrivning", "bas", "kolumner", "arendetyper", "extra_kolumner", "fritext",
                        "datumformat"}
#: the ``datumformat`` key that pins every date column at once
ALL_DATE_COLUMNS: Final = "alla"
#: the profile's ``fritext`` choices: refuse a personnummer in kept text, or mask it
FREE_TEXT_REFUSE: Final = "vägra"
FREE_TEXT_MASK: Final = "maskera"
_PERSONNUMMER_IN_TEXT: Final = (
    "texten innehåller ett personnummer, som inte får sparas; ta bort det ur filen "
    "(eller låt profilen maskera det: fritext: maskera)"
)
#: where the import's notes travel on the returned frame (``DataFrame.attrs``)
DROPPED_COLUMNS: Final = "dropped_columns"
WARNINGS: Final = "warnings"
#: (source heading, canonical field) of every column that became a field, in the file's order
COLUMN_MAP: Final = "column_map"
#: "kolumn Inkom: ÅÅÅÅ-MM-DD" for every date column: which rule read it
DATE_RULES: Final = "date_rules"
#: kinds of problems listed in the summary per column (the rest are counted in one line)
_OVERVIEW_LINES: Final = 20
_PROFILE_ADVICE: Final = (
    "Heter kolumnerna något annat i filen? Skriv en importprofil: `egenkontroll profil {file}` skriver ett "
    "utkast (importprofil.yaml) utifrån filens rubriker; rätta det och läs in med "
    "`egenkontroll import {file} --profile importprofil` (se egenkontroll/profiles/README.md)."
)
#: a date this many days after the day of the import gets a warning (accepted, but probably a typo)
FUTURE_WARNING_DAYS: Final = 366

_MONTHS: Final = {
    name: number
    for number, names in enumerate(
        [
            ("januari", "jan"),
            ("februari", "feb"),
            ("mars", "mar"),
            ("april", "apr"),
            ("maj",),
            ("juni", "jun"),
            ("juli", "jul"),
            ("augusti", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "okt"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_TIME_SUFFIX: Final = re.compile(r"(?:[ t]+\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:[.,]\d+)?)?)$", re.IGNORECASE)
_ISO_DATE: Final = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_COMPACT_DATE: Final = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SLASH_DATE: Final = re.compile(r"(\d{1,2})/(\d{1,2})(?:/|\s+|\s*-\s*)(\d{4})")
_DOTTED_DATE: Final = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_WORD_DATE: Final = re.compile(r"(\d{1,2})\s+([a-zåäö]+)\.?\s+(\d{4})")
#: what a day-first or month-first date looks like, and one with a two-digit year (for messages)
_DAY_FIRST_LOOK: Final = re.compile(r"(\d{1,2})[/.](\d{1,2})(?:[/.]|\s+|\s*-\s*)(\d{4})")
_SHORT_YEAR: Final = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}")
#: how each way of writing a date is named in the import report
_FORM_ISO: Final = "ÅÅÅÅ-MM-DD"
_FORM_COMPACT: Final = "ÅÅÅÅMMDD"
_FORM_SLASH: Final = "D/M/ÅÅÅÅ (dagen först)"
_FORM_DOTTED: Final = "D.M.ÅÅÅÅ (dagen först)"
_FORM_WORDS: Final = "D månad ÅÅÅÅ"
_FORM_EXCEL: Final = "Excel-datum"
_FORM_SERIAL: Final = "Excels serienummer"
#: the text forms tried after ISO when no format is pinned: pattern, order of the parts, name
_TEXT_FORMS: Final = (
    (_COMPACT_DATE, "ymd", _FORM_COMPACT),
    (_SLASH_DATE, "dmy", _FORM_SLASH),
    (_DOTTED_DATE, "dmy", _FORM_DOTTED),
    (_WORD_DATE, "dmy", _FORM_WORDS),
)
_DAY_FIRST_FORMS: Final = (_FORM_SLASH, _FORM_DOTTED)
_NUMBER: Final = re.compile(r"\d+(?:[.,]\d+)?")
_QUOTED: Final = re.compile(r"'[^']*'")
_MOJIBAKE: Final = re.compile("[ÃÂ][\u0080-\u00bf\u0152-\u2122]")
_DAMAGED_XLSX: Final = "filen kan inte läsas som Excel-fil (.xlsx); är den skadad eller lösenordsskyddad?"
_DAMAGED_XLS: Final = "den gamla Excel-filen (.xls) kan inte läsas; öppna den i Excel och spara om som .xlsx"
#: the start of an OLE compound file: an old Excel workbook (.xls)
_OLE_SIGNATURE: Final = b"\xd0\xcf\x11\xe0"
_FORMULA_TAG: Final = re.compile(rb"<(?:\w+:)?f[\s>/]")
_FORMULA_CELL: Final = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?f[\s>/]')

_TRUE_WORDS: Final = {"ja", "j", "sant", "true", "1", "x"}
_FALSE_WORDS: Final = {"nej", "n", "falskt", "false", "0"}
_KON_WORDS: Final = {
    "k": "K",
    "kvinna": "K",
    "flicka": "K",
    "f": "K",
    "m": "M",
    "man": "M",
    "pojke": "M",
    "p": "M",
    "okänt": "okänt",
    "okand": "okänt",
    "okant": "okänt",
    "okänd": "okänt",
}
_DATE_ORDER: Final = (
    ("forhandsbedomning_datum", "inkom_datum", "förhandsbedömningen är daterad före inkomstdatum"),
    ("utredning_avslutad", "utredning_inledd", "utredningen avslutades före den inleddes"),
    ("verkstallt_datum", "beslut_datum", "verkställt före beslutsdatum"),
)


class _CellProblem(ValueError):
    """A single value could not be converted; the message is Swedish.

    *kind* names the sort of problem in the plural ("datum med tvåsiffrigt år") for the summary per
    column; None groups problems by their message.
    """

    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Profile:
    """An import profile: which source headings and case-type wordings mean what.

    Attributes
    ----------
    name
        The profile's name.
    description
        A Swedish one-line description.
    columns
        Canonical field (or ``personnummer``) -> the source headings that mean it.
    case_types
        Canonical case type -> the source wordings that mean it.
    extra_columns
        Source headings kept beside the canonical fields (every other column is left out).
    free_text
        :data:`FREE_TEXT_REFUSE` (a personnummer in kept text is an error) or
        :data:`FREE_TEXT_MASK` (it is replaced in extra columns).
    date_formats
        Date field (or :data:`ALL_DATE_COLUMNS`) -> the ``strptime`` format its text is written in,
        e.g. ``%m/%d/%Y``; unpinned date columns are read day first (D/M/ÅÅÅÅ).
    """

    name: str
    description: str
    columns: Mapping[str, tuple[str, ...]]
    case_types: Mapping[str, tuple[str, ...]]
    extra_columns: tuple[str, ...] = ()
    free_text: str = FREE_TEXT_REFUSE
    date_formats: Mapping[str, str] = field(default_factory=dict)
    _heading_index: dict[str, str] = field(init=False, repr=False, compare=False)
    _case_type_index: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        headings = {_normalise(f): f for f in _MAPPABLE}
        for target, sources in self.columns.items():
            headings.update({_normalise(s): target for s in sources})
        wordings = {_normalise(t): t for t in CASE_TYPES if t != "ovrigt"}
        for target, sources in self.case_types.items():
            wordings.update({_normalise(s): target for s in sources})
        object.__setattr__(self, "_heading_index", headings)
        object.__setattr__(self, "_case_type_index", wordings)

    def field_for(self, heading: str) -> str | None:
        """The canonical field a source heading means, or None (an extra column)."""
        return self._heading_index.get(_normalise(heading))

    def case_type_for(self, wording: str) -> str | None:
        """The canonical case type a source wording means, or None."""
        return self._case_type_index.get(_normalise(wording))

    def date_format(self, name: str) -> str | None:
        """The format the profile pins for the date field *name*, or None (the Swedish default)."""
        return self.date_formats.get(name) or self.date_formats.get(ALL_DATE_COLUMNS)

    def keeps(self, heading: str) -> bool:
        """Whether the extra column *heading* is on the profile's allowlist."""
        return _normalise(heading) in {_normalise(h) for h in self.extra_columns}


@dataclass
class _Table:
    """A file's cells before interpretation."""

    headings: list[str]
    header_row: int
    grid: np.ndarray
    row_numbers: np.ndarray
    problems: list[Problem]
    formula_cells: set[tuple[int, int]] = field(default_factory=set)


# ---------------------------------------------------------------------------------------------
# profiles


def available_profiles() -> list[str]:
    """Names of the built-in import profiles."""
    folder = resources.files("egenkontroll") / _PROFILE_DIR
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_profile(name_or_path: str | Path | None = None, *, folders: Sequence[Path] = ()) -> Profile:
    """Load a profile by name or a profile YAML file by path (None: the generic one).

    A name (``var-kommun``) means ``var-kommun.yaml`` (or ``.yml``) in the first of *folders* that has
    it (the command line passes the working folder and the workspace), else the built-in profile.

    Raises
    ------
    RegisterError
        When the profile does not exist or is malformed.
    """
    if name_or_path is None:
        name_or_path = "generisk"
    text, source = _profile_text(name_or_path, folders)
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", None)
        row = None if line is None else line + 1
        raise RegisterError([Problem("profilen är inte giltig YAML", row=row)], file=source) from None
    return _profile_from_document(document, source)


def _profile_text(name_or_path: str | Path, folders: Sequence[Path]) -> tuple[str, str]:
    """The YAML text of a profile and the name to use in messages."""
    text_form = str(name_or_path)
    if isinstance(name_or_path, Path) or text_form.endswith((".yaml", ".yml")) or "/" in text_form:
        path = Path(name_or_path)
        if not path.is_file():
            raise RegisterError([Problem(f"profilfilen finns inte: {path}")], file=path.name)
        return path.read_text(encoding="utf-8"), path.name
    found = next((folder / f"{text_form}{suffix}" for folder in folders for suffix in (".yaml", ".yml")
                  if (folder / f"{text_form}{suffix}").is_file()), None)
    if found is not None:
        return found.read_text(encoding="utf-8"), found.name
    if text_form not in available_profiles():
        known = ", ".join(available_profiles())
        searched = "".join(f" {folder.resolve()}," for folder in folders)
        message = (f"okänd profil '{text_form}': ingen fil {text_form}.yaml i{searched or ' någon mapp'} "
                   f"och ingen inbyggd profil med det namnet (inbyggda profiler: {known}); "
                   f"`egenkontroll profil FIL` skriver ett utkast till en profil")
        raise RegisterError([Problem(message)], file=text_form)
    resource = resources.files("egenkontroll") / _PROFILE_DIR / f"{text_form}.yaml"
    return resource.read_text(encoding="utf-8"), f"{text_form}.yaml"


def _profile_from_document(document: object, source: str) -> Profile:
    """Validate a parsed profile document, merge its base profile, build the Profile."""
    if not isinstance(document, dict):
        raise RegisterError([Problem("profilen ska vara en YAML-mappning")], file=source)
    problems = [Problem(f"okänd nyckel '{k}' i profilen") for k in document if k not in _PROFILE_KEYS]
    columns = _profile_section(document, "kolumner", _MAPPABLE, "okänt fält", problems)
    case_types = _profile_section(document, "arendetyper", CASE_TYPES, "okänd ärendetyp", problems)
    extra_columns = _profile_headings(document, problems)
    date_formats = _profile_date_formats(document, problems)
    free_text = document.get("fritext")
    if free_text not in (None, FREE_TEXT_REFUSE, FREE_TEXT_MASK):
        problems.append(Problem(f"'fritext' ska vara {FREE_TEXT_REFUSE} eller {FREE_TEXT_MASK}"))
    if problems:
        raise RegisterError(problems, file=source)
    base_name = document.get("bas")
    if base_name is not None:
        base = load_profile(str(base_name))
        columns = _merge(base.columns, columns)
        case_types = _merge(base.case_types, case_types)
        extra_columns = base.extra_columns + extra_columns
        free_text = free_text or base.free_text
        date_formats = {**base.date_formats, **date_formats}
    name = str(document.get("namn") or Path(source).stem)
    return Profile(name, str(document.get("beskrivning") or ""), columns, case_types, extra_columns,
                   free_text or FREE_TEXT_REFUSE, date_formats)


def _profile_date_formats(document: dict, problems: list[Problem]) -> dict[str, str]:
    """The profile's ``datumformat``: date field (or ``alla``) -> a ``strptime`` format with day, month
    and a four-digit year."""
    section = document.get("datumformat") or {}
    if not isinstance(section, dict):
        problems.append(Problem("avsnittet 'datumformat' ska vara en mappning (datumfält: format)"))
        return {}
    formats: dict[str, str] = {}
    for target, written in section.items():
        if target not in (*DATE_FIELDS, ALL_DATE_COLUMNS):
            fields = ", ".join(DATE_FIELDS)
            problems.append(Problem(f"okänt datumfält '{target}' i datumformat (datumfälten: {fields}, "
                                    f"eller {ALL_DATE_COLUMNS})"))
        elif not _usable_date_format(written):
            problems.append(Problem(f"datumformatet '{written}' för {target} ska innehålla %d, %m och %Y, "
                                    "t.ex. \"%m/%d/%Y\""))
        else:
            formats[str(target)] = written
    return formats


def _usable_date_format(written: object) -> bool:
    """Whether *written* is a strptime format that reads back a day, a month and a four-digit year."""
    if not isinstance(written, str) or not all(code in written for code in ("%d", "%m", "%Y")):
        return False
    sample = dt.datetime(2026, 3, 14)
    try:
        return dt.datetime.strptime(sample.strftime(written), written) == sample
    except (ValueError, re.error):  # re.error: a code given twice (strptime builds a regex)
        return False


def _profile_headings(document: dict, problems: list[Problem]) -> tuple[str, ...]:
    """The profile's ``extra_kolumner``: the extra source headings to keep."""
    listed = document.get("extra_kolumner") or []
    if not isinstance(listed, list) or not all(isinstance(h, str | int) for h in listed):
        problems.append(Problem("'extra_kolumner' ska vara en lista med rubriker"))
        return ()
    return tuple(str(h) for h in listed)


def _profile_section(
    document: dict, name: str, allowed: Iterable[str], unknown: str, problems: list[Problem]
) -> dict[str, tuple[str, ...]]:
    """Read one ``target: [source, ...]`` section of a profile, noting problems."""
    section = document.get(name)
    if section is None:
        return {}
    if not isinstance(section, dict):
        problems.append(Problem(f"avsnittet '{name}' ska vara en mappning"))
        return {}
    allowed = set(allowed)
    result: dict[str, tuple[str, ...]] = {}
    for target, sources in section.items():
        if target not in allowed:
            problems.append(Problem(f"{unknown} '{target}' i profilen"))
            continue
        listed = [sources] if isinstance(sources, str) else sources
        if not isinstance(listed, list) or not all(isinstance(s, str | int) for s in listed):
            problems.append(Problem(f"'{target}' ska ha en lista med texter"))
            continue
        result[str(target)] = tuple(str(s) for s in listed)
    return result


def _merge(
    base: Mapping[str, tuple[str, ...]], extra: Mapping[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    """Base mapping with the extra sources added (a profile's own entries win on conflicts)."""
    merged = {k: tuple(v) for k, v in base.items()}
    for target, sources in extra.items():
        merged[target] = merged.get(target, ()) + sources
    return merged


def _normalise(text: str) -> str:
    """Case-, accent-, whitespace- and punctuation-insensitive form of a heading or wording."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


# ---------------------------------------------------------------------------------------------
# the public entry point


def read_register(
    path: str | os.PathLike[str], *, profile: str | Path | Profile | None = None, key: bytes,
    limits: Limits = DEFAULT_LIMITS, profile_folders: Sequence[Path] = (),
) -> pd.DataFrame:
    """Read, validate and pseudonymise a case-register export.

    Parameters
    ----------
    path
        An xlsx or csv export.
    profile
        None (the generic profile), a profile name (looked up in *profile_folders*, then among the
        built-in ones), a path to a YAML profile, or a :class:`Profile`.
    key
        The workspace's pseudonymisation key (HMAC-SHA256).
    limits
        How large the file may be (checked before its cells are read) and how many problems are
        listed one by one.
    profile_folders
        Where a profile given by name is looked for before the built-in ones (see :func:`load_profile`).

    Returns
    -------
    pandas.DataFrame
        The canonical fields of ``_fields.FIELDS`` in order (text as str/None, dates as
        datetime64[ns], booleans as "boolean", fodelsear as Int64), then the extra source
        columns the profile keeps, as str. The personnummer itself is not included.
        ``attrs[DROPPED_COLUMNS]`` lists the headings left out, ``attrs[COLUMN_MAP]`` which heading
        became which field and ``attrs[DATE_RULES]`` which rule read each date column.

    Raises
    ------
    RegisterError
        With every problem found (the first ``limits.max_problems`` one by one, the rest summarised);
        row numbers are Excel's (header = row 1).
    """
    path = Path(path)
    chosen = profile if isinstance(profile, Profile) else load_profile(profile, folders=profile_folders)
    table = _read_table(path, chosen, limits)
    problems = _Problems(table.problems, limits.max_problems)
    readable = bool(table.headings) and not problems.fatal
    frame = _interpret(table, chosen, key, problems) if readable else None
    if problems or frame is None:
        raise RegisterError(problems.sorted(table.headings), file=path.name, total=problems.total,
                            overview=problems.overview(table.headings, path.name))
    return frame


def source_columns(path: str | os.PathLike[str], *,
                   limits: Limits = DEFAULT_LIMITS) -> dict[str, list[object]]:
    """The columns of an export as they stand (heading -> its cells below the header row), read as
    :func:`read_register` reads them with the generic profile; for drafting a profile.

    Raises
    ------
    RegisterError
        When the file cannot be read (missing, damaged, too large, no rows).
    """
    path = Path(path)
    table = _read_table(path, load_profile(), limits)
    if table.problems:
        raise RegisterError(table.problems, file=path.name)
    return {heading or f"Kolumn {_column_letter(index)}": table.grid[:, index].tolist()
            for index, heading in enumerate(table.headings)}


class _Problems(list):
    """Problems collected so far, up to *limit* one by one (the rest counted per column and message);
    row-less (file-level) problems make further reading pointless. Every problem in a cell is also
    counted per column and kind, for the summary before the list (:meth:`overview`)."""

    def __init__(self, problems: Iterable[Problem], limit: int) -> None:
        super().__init__(problems)
        self.limit = limit
        self.left_out: Counter[tuple[str | None, str]] = Counter()
        #: (column, kind or message pattern) -> [count, what they are called, first row, first message]
        self.kinds: dict[tuple[str, str], list] = {}
        self.missing_columns = False

    @property
    def fatal(self) -> bool:
        return any(p.row is None for p in self)

    @property
    def total(self) -> int:
        return len(self) + self.left_out.total()

    def add(self, message: str, row: int | None, column: str | None, kind: str | None = None) -> None:
        if row is not None and column is not None:
            key = (column, kind or _QUOTED.sub("'…'", message))
            self.kinds.setdefault(key, [0, kind or "fel", row, message])[0] += 1
        if len(self) < self.limit:
            self.append(Problem(message, row=row, column=column))
        else:
            self.left_out[column, message] += 1

    def overview(self, headings: list[str], file: str) -> list[str]:
        """The summary shown before the list: per column and kind of problem, how many and the first;
        how to write a profile when required columns are missing. Empty for a single problem."""
        if self.total < 2 and not self.missing_columns:
            return []
        order = {heading: i for i, heading in reversed(list(enumerate(headings)))}
        groups = sorted(self.kinds.items(), key=lambda item: (order.get(item[0][0], -1), -item[1][0]))
        lines = [f"kolumn {column}: {count} {called}, t.ex. rad {row}: {message}"
                 for (column, _), (count, called, row, message) in groups[:_OVERVIEW_LINES]]
        if len(groups) > _OVERVIEW_LINES:
            lines.append(f"och {len(groups) - _OVERVIEW_LINES} slags fel till (se listan)")
        if self.missing_columns:
            lines.append(_PROFILE_ADVICE.format(file=file))
        return lines

    def sorted(self, headings: list[str]) -> list[Problem]:
        """File-level problems first, then by row and by column as they stand in the file; then the
        summary of those left out."""
        order = {heading: i for i, heading in reversed(list(enumerate(headings)))}
        listed = sorted(self, key=lambda p: (p.row is not None, p.row or 0, order.get(p.column, -1)))
        return listed + self._summary()

    def _summary(self) -> list[Problem]:
        """"och N fel till, de flesta i kolumn F: ..." (nothing when none were left out)."""
        if not self.left_out:
            return []
        by_column: Counter[str | None] = Counter()
        for (column, _), count in self.left_out.items():
            by_column[column] += count
        column = by_column.most_common(1)[0][0]
        message = max((m for c, m in self.left_out if c == column), key=lambda m: self.left_out[column, m])
        count = f"{self.left_out.total():,}".replace(",", " ")
        where = f"kolumn {column}" if column else "hela filen"
        return [Problem(f"och {count} fel till, de flesta i {where}: {message}")]


# ---------------------------------------------------------------------------------------------
# reading files into a grid


def _read_table(path: Path, profile: Profile, limits: Limits) -> _Table:
    """Read the file's cells (xlsx or csv, recognised by content), within *limits*."""
    if not path.is_file():
        return _failed(f"filen finns inte: {path.name}")
    try:
        return _read_checked(path, profile, limits)
    except OSError as error:
        return _failed(f"filen kan inte läsas ({error.strerror}); kontrollera att du får läsa den och att "
                       "den inte är öppen i ett annat program")


def _read_checked(path: Path, profile: Profile, limits: Limits) -> _Table:
    """:func:`_read_table` once the file exists: size first, then the content's kind."""
    too_large = _filelimits.check_file(path, limits)
    if too_large:
        return _failed(too_large)
    with path.open("rb") as handle:
        start = handle.read(64)
    if not start:
        return _failed("filen är tom")
    if start.startswith(b"PK\x03\x04"):
        unsafe = _filelimits.check_xlsx(path, limits)
        return _failed(unsafe) if unsafe else _read_workbook(path, profile, limits, xlsx=True)
    if start.startswith(_OLE_SIGNATURE):
        return _read_workbook(path, profile, limits, xlsx=False)
    if start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _failed("filen är en webbsida (HTML) eller XML, inte ett kalkylblad, fast den kanske heter "
                       ".xls; öppna den i Excel och spara om som .xlsx (Arkiv → Spara som → Excel-arbetsbok)")
    return _read_csv(path.read_bytes(), profile, limits)


def _failed(message: str, row: int | None = None) -> _Table:
    """A table standing for an unreadable file."""
    empty = np.empty((0, 0), dtype=object)
    return _Table([], 1, empty, np.empty(0, dtype=np.int64), [Problem(message, row=row)])


def _read_workbook(path: Path, profile: Profile, limits: Limits, *, xlsx: bool) -> _Table:
    """Read the first visible worksheet of an xlsx file (once the archive has passed
    :func:`egenkontroll._filelimits.check_xlsx`) or an old xls file with python-calamine, taking the
    cached values of formulas. Formula cells are found in xlsx only (an xls file's are not visible)."""
    unreadable = _DAMAGED_XLSX if xlsx else _DAMAGED_XLS
    try:
        workbook = python_calamine.load_workbook(str(path))
        visible = [
            i
            for i, sheet in enumerate(workbook.sheets_metadata)
            if sheet.visible == python_calamine.SheetVisibleEnum.Visible
            and sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
        if not visible:
            return _failed("filen har inget synligt kalkylblad")
        sheet = workbook.get_sheet_by_index(visible[0])
        too_large = None if xlsx else _filelimits.check_grid(sheet.height, sheet.width, limits)
        if too_large:
            return _failed(too_large)
        rows = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges or []
    except Exception:  # calamine raises several unrelated types for damaged files
        return _failed(unreadable)
    table = _table_from_rows(rows, profile)
    if table.problems:
        return table
    table.problems.extend(_merged_cell_problems(merged, table))
    table.formula_cells = _formula_cells(path, visible[0]) if xlsx else set()
    return table


def _merged_cell_problems(merged: list, table: _Table) -> list[Problem]:
    """One problem per merged range (a merged heading hides which column is which)."""
    problems = []
    for (first_row, first_col), (last_row, last_col) in merged:
        span = f"{_column_letter(first_col)}{first_row + 1}:{_column_letter(last_col)}{last_row + 1}"
        if first_row + 1 <= table.header_row <= last_row + 1:
            names = [h for h in table.headings[first_col : last_col + 1] if h]
            message = (
                f"sammanfogade rubrikceller {span} ({', '.join(names)}); "
                "dela upp dem så att varje kolumn har en egen rubrik"
            )
            problems.append(Problem(message, row=table.header_row, column=", ".join(names) or span))
        else:
            column = table.headings[first_col] if first_col < len(table.headings) else None
            problems.append(Problem(f"sammanfogade celler {span}; dela upp dem", first_row + 1, column))
    return problems


def _formula_cells(path: Path, sheet_index: int) -> set[tuple[int, int]]:
    """(Excel row, 0-based column) of every formula cell in the sheet (a streamed XML scan)."""
    try:
        with zipfile.ZipFile(path) as archive:
            member = _sheet_member(archive, sheet_index)
            if member is None or not _contains_formula(archive, member):
                return set()
            xml = archive.read(member)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return set()
    return {(int(row), _column_index(letters.decode())) for letters, row in _FORMULA_CELL.findall(xml)}


def _sheet_member(archive: zipfile.ZipFile, sheet_index: int) -> str | None:
    """The zip member holding the n-th sheet of the workbook."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    sheets = [e for e in workbook.iter() if e.tag.endswith("}sheet")]
    if sheet_index >= len(sheets):
        return None
    rel_id = next((v for k, v in sheets[sheet_index].attrib.items() if k.endswith("}id")), None)
    target = next((r.get("Target") for r in rels if r.get("Id") == rel_id), None)
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _contains_formula(archive: zipfile.ZipFile, member: str) -> bool:
    """Whether the sheet XML has any formula element, read in chunks."""
    tail = b""
    with archive.open(member) as handle:
        while chunk := handle.read(1 << 22):
            window = tail + chunk
            maybe = b"<f" in window or b":f" in window  # cheap byte search before the regex
            if maybe and _FORMULA_TAG.search(window):
                return True
            tail = chunk[-16:]
    return False


def _read_csv(data: bytes, profile: Profile, limits: Limits) -> _Table:
    """Decode, check the size, sniff the delimiter and split a csv export."""
    text, problem = _decode(data)
    problem = problem or _filelimits.check_csv_text(text, limits)
    if problem:
        return _failed(problem)
    mojibake = _MOJIBAKE.search(text)
    if mojibake:
        row = text.count("\n", 0, mojibake.start()) + 1
        message = "filen blandar teckenkodningar (UTF-8 och Windows-1252); spara den igen som CSV UTF-8"
        return _failed(message, row)
    delimiter = _sniff_delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        return _failed("filen kan inte delas upp i kolumner (trasiga citattecken eller en mycket lång cell)")
    return _table_from_rows(rows, profile, ragged=True)


def _decode(data: bytes) -> tuple[str, str | None]:
    """Text of a csv file in UTF-8 (BOM or not) or Windows-1252, or a problem."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        return "", "filen är inte en textfil i UTF-8 eller Windows-1252 (kanske UTF-16); spara som CSV UTF-8"
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), None
        except UnicodeDecodeError:
            continue
    return "", "filens teckenkodning känns inte igen (varken UTF-8 eller Windows-1252)"


def _sniff_delimiter(text: str) -> str:
    """The delimiter the first line uses most (outside quotes): ';', ',' or tab."""
    first_line = re.sub(r'"[^"]*"', "", text.split("\n", 1)[0])
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d])


def _table_from_rows(rows: list[list[object]], profile: Profile, ragged: bool = False) -> _Table:
    """Find the header row and turn the rows below it (Excel row numbers from 1) into a grid."""
    grid, lengths = _padded_grid(rows)
    filled = _filled_mask(grid)
    nonempty = np.flatnonzero(filled.any(axis=1))
    if not len(nonempty):
        return _failed("filen är tom")
    header = _header_candidate(grid, nonempty, profile)
    width = int(lengths[header]) if ragged else grid.shape[1]
    headings = [_heading_text(v) for v in grid[header, :width]]
    body = nonempty[nonempty > header]
    problems: list[Problem] = []
    if ragged:
        body = _even_rows(body, lengths, filled, width, problems)
    if not len(body) and not problems:
        problems.append(Problem("filen innehåller inga ärenden"))
    return _Table(headings, int(header) + 1, grid[body, :width], body + 1, problems)


def _padded_grid(rows: list[list[object]]) -> tuple[np.ndarray, np.ndarray]:
    """The rows as a rectangular object grid (short rows padded with ""), and each row's length."""
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    width = int(lengths.max()) if len(rows) else 0
    grid = np.full((len(rows), width), "", dtype=object)
    if len(rows) and (lengths == width).all():
        grid[...] = rows
    else:
        for index, row in enumerate(rows):
            grid[index, : len(row)] = row
    return grid, lengths


def _filled_mask(grid: np.ndarray) -> np.ndarray:
    """Which cells hold a value (neither None nor the empty string)."""
    return (grid != "") & ~pd.isna(grid)


def _heading_text(value: object) -> str:
    return "" if value is None else " ".join(str(value).split())


def _header_candidate(grid: np.ndarray, nonempty: np.ndarray, profile: Profile) -> int:
    """The first early row with two or more recognised headings, else the first non-empty row."""
    for index in nonempty[:_HEADER_SEARCH_ROWS]:
        known = sum(1 for v in grid[index] if v not in ("", None) and profile.field_for(str(v)) is not None)
        if known >= 2:
            return int(index)
    return int(nonempty[0])


def _even_rows(
    body: np.ndarray, lengths: np.ndarray, filled: np.ndarray, width: int, problems: list[Problem]
) -> np.ndarray:
    """The rows with the header's number of fields (trailing empty ones aside); others are problems."""
    last_filled = np.where(filled, np.arange(filled.shape[1]) + 1, 0).max(axis=1)
    fits = (lengths[body] == width) | ((lengths[body] > width) & (last_filled[body] <= width))
    for index in body[~fits]:
        message = (
            f"raden har {lengths[index]} fält men rubrikraden har {width}; "
            "blandade avgränsare (; och ,) eller ett citattecken som saknas?"
        )
        problems.append(Problem(message, row=int(index) + 1))
    return body[fits]


# ---------------------------------------------------------------------------------------------
# interpreting the grid


def _interpret(table: _Table, profile: Profile, key: bytes, problems: _Problems) -> pd.DataFrame | None:
    """Map columns, convert and validate every value; None when columns are unusable."""
    mapped, extras = _map_columns(table, profile, problems)
    if problems.fatal or any(p.row == table.header_row for p in problems):
        return None
    converters = {name: _converter_for(name, profile) for name in mapped}
    converted = {name: _convert_field(name, index, table, converters[name], problems)
                 for name, index in mapped.items()}
    for name in _SCANNED_FIELDS:
        if name in mapped:
            _scan_personnummer(converted[name], table.headings[mapped[name]], table, problems, mask=False)
    canonical = _canonical_frame(converted, mapped, table, key, problems)
    _check_formulas(mapped, table, problems)
    _check_duplicates(canonical["arende_id"], table, mapped["arende_id"], problems)
    _check_date_order(canonical, mapped, table, problems)
    extra_frame = _extra_frame(extras, table, problems, mask=profile.free_text == FREE_TEXT_MASK)
    frame = pd.concat([canonical, extra_frame], axis=1)
    frame.attrs[DROPPED_COLUMNS] = _dropped_columns(table, set(mapped.values()) | set(extras.values()))
    frame.attrs[WARNINGS] = _future_dates(canonical, mapped, table)
    frame.attrs[COLUMN_MAP] = [(table.headings[index], name) for name, index in
                               sorted(mapped.items(), key=lambda item: item[1])]
    frame.attrs[DATE_RULES] = [f"kolumn {table.headings[mapped[name]]}: {reader.rule()}"
                               for name, reader in converters.items() if isinstance(reader, _DateReader)]
    return frame


def _future_dates(frame: pd.DataFrame, mapped: dict[str, int], table: _Table) -> list[str]:
    """A Swedish warning per date column holding dates far after today (e.g. 2099: a typo?)."""
    limit = pd.Timestamp(dt.date.today() + dt.timedelta(days=FUTURE_WARNING_DAYS))
    warnings = []
    for name in DATE_FIELDS:
        late = (frame[name] > limit).fillna(False).to_numpy() if name in mapped else np.zeros(0, bool)
        if late.any():
            first = int(table.row_numbers[np.flatnonzero(late)[0]])
            latest = frame[name][late].max()
            heading = table.headings[mapped[name]]
            warnings.append(f"kolumn {heading}: {int(late.sum())} datum ligger långt fram i tiden "
                            f"(senast {latest:%Y-%m-%d}, första på rad {first}); kontrollera dem.")
    return warnings


def _dropped_columns(table: _Table, used: set[int]) -> list[str]:
    """Headings of the columns left out (an unnamed one only when it holds data)."""
    return [heading or f"Kolumn {_column_letter(index)}" for index, heading in enumerate(table.headings)
            if index not in used and (heading or _filled_mask(table.grid[:, index]).any())]


def _map_columns(
    table: _Table, profile: Profile, problems: _Problems
) -> tuple[dict[str, int], dict[str, int]]:
    """Canonical field -> column index, and extra heading -> column index."""
    mapped: dict[str, int] = {}
    extras: dict[str, int] = {}
    row = table.header_row
    for index, heading in enumerate(table.headings):
        target = profile.field_for(heading) if heading else None
        if target is None:
            _add_extra(heading, index, table, profile, extras, problems)
        elif target in mapped:
            other = table.headings[mapped[target]]
            problems.add(
                f"både '{other}' och '{heading}' betyder fältet {target}; ta bort en av dem", row, heading
            )
        else:
            mapped[target] = index
    for required in REQUIRED:
        if required not in mapped:
            examples = ", ".join(f"'{h}'" for h in profile.columns.get(required, (required,))[:3])
            problems.add(f"obligatorisk kolumn saknas: {required} (t.ex. rubriken {examples})", row, None)
            problems.missing_columns = True
    return mapped, extras


def _add_extra(heading: str, index: int, table: _Table, profile: Profile, extras: dict[str, int],
               problems: _Problems) -> None:
    """Keep an unrecognised column the profile names (under its heading; "Kolumn F" when it has none)."""
    heading = heading or f"Kolumn {_column_letter(index)}"
    if not profile.keeps(heading):
        return
    if heading in extras or heading in FIELDS:
        problems.add(
            f"rubriken '{heading}' förekommer flera gånger eller är reserverad", table.header_row, heading
        )
        return
    extras[heading] = index


def _convert_field(name: str, index: int, table: _Table, converter: Callable[[object], object],
                   problems: _Problems) -> object:
    """Convert one mapped column to its canonical kind, noting bad values."""
    values, bad = _convert_cells(table.grid[:, index], converter)
    heading = table.headings[index]
    for position, message, kind in bad:
        problems.add(message, int(table.row_numbers[position]), heading, kind)
    if name in REQUIRED:
        unreadable = {entry[0] for entry in bad}
        for position in np.flatnonzero(pd.isna(pd.Series(values, dtype=object)).to_numpy()):
            if position not in unreadable:
                problems.add("värde saknas", int(table.row_numbers[position]), heading)
    return values


def _converter_for(name: str, profile: Profile) -> Callable[[object], object]:
    """The scalar converter of a canonical field (a :class:`_DateReader` for a date field)."""
    if name in DATE_FIELDS:
        return _DateReader(profile.date_format(name))
    if name in BOOL_FIELDS:
        return _to_bool
    if name == "kon":
        return _to_kon
    if name == "fodelsear":
        return _to_year
    if name == "arendetyp":
        return lambda value: _to_case_type(value, profile)
    return lambda value: _to_text(value, MAX_TEXT_LENGTH)


def _convert_cells(
    cells: np.ndarray, converter: Callable[[object], object]
) -> tuple[np.ndarray, list[tuple[int, str, str | None]]]:
    """Apply a scalar converter once per distinct value of each Python type, then spread back.

    Values are grouped by type first because ``True == 1 == 1.0`` would otherwise merge cells
    that read differently.
    """
    values = np.full(len(cells), None, dtype=object)
    bad: list[tuple[int, str, str | None]] = []
    kinds = _TYPE_OF(cells) if len(cells) else np.empty(0, dtype=object)
    for kind in pd.unique(kinds):
        positions = np.flatnonzero(kinds == kind)
        codes, distinct = pd.factorize(cells[positions], use_na_sentinel=False)
        results = np.full(len(distinct), None, dtype=object)
        for code, value in enumerate(distinct):
            try:
                results[code] = converter(value)
            except _CellProblem as problem:
                bad.extend((int(p), str(problem), problem.kind) for p in positions[codes == code])
        values[positions] = results[codes]
    bad.sort(key=lambda entry: entry[0])
    return values, bad


def _canonical_frame(
    converted: dict[str, object], mapped: dict[str, int], table: _Table, key: bytes, problems: _Problems
) -> pd.DataFrame:
    """Assemble the canonical columns, deriving person_id, kön and födelseår."""
    n = len(table.row_numbers)
    days = {f: _day_numbers(converted.get(f), n) for f in DATE_FIELDS}
    reference_years = _reference_years(days["inkom_datum"])
    parsed = personnummer.parse_many(converted[_PERSONNUMMER], reference_years)
    heading = table.headings[mapped[_PERSONNUMMER]]
    for position in np.flatnonzero(pd.notna(pd.Series(parsed.problem, dtype=object)).to_numpy()):
        problems.add(parsed.problem[position], int(table.row_numbers[position]), heading)
    columns: dict[str, object] = {}
    for name, kind in FIELDS.items():
        if name == "person_id":
            columns[name] = pd.Series(personnummer.pseudonymise(parsed.twelve, key), dtype=object)
        elif kind == "date":
            columns[name] = pd.Series(days[name].astype("datetime64[D]").astype("datetime64[ns]"))
        elif kind == "bool":
            columns[name] = pd.Series(converted.get(name, [None] * n), dtype="boolean")
        elif name == "kon":
            given = pd.Series(converted.get(name, [None] * n), dtype=object)
            columns[name] = given.where(given.notna(), pd.Series(parsed.kon, dtype=object))
        elif name == "fodelsear":
            given = pd.Series(converted.get(name, [None] * n), dtype="Int64")
            columns[name] = given.where(given.notna(), parsed.fodelsear).astype("Int64")
        else:
            columns[name] = pd.Series(converted.get(name, [None] * n), dtype=object)
    return pd.DataFrame(columns)


def _day_numbers(values: np.ndarray | None, n: int) -> np.ndarray:
    """Converted date cells as int64 day numbers with the NaT sentinel for missing."""
    days = np.full(n, _NAT, dtype=np.int64)
    if values is not None:
        known = ~pd.isna(values)
        days[known] = values[known].astype(np.int64)
    return days


def _reference_years(inkom_days: np.ndarray) -> np.ndarray:
    """The year each case came in (this year where unknown), for personnummer centuries."""
    known = inkom_days != _NAT
    years = np.full(len(inkom_days), dt.date.today().year, dtype=np.int64)
    years[known] = inkom_days[known].astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    return years


def _check_formulas(mapped: dict[str, int], table: _Table, problems: _Problems) -> None:
    """A formula in a canonical column is an error (its stored value may be stale or missing)."""
    canonical_columns = {index: name for name, index in mapped.items()}
    for row, column in sorted(table.formula_cells):
        if column in canonical_columns and row > table.header_row:
            message = "cellen innehåller en formel; klistra in värden i stället (Klistra in special → Värden)"
            problems.add(message, row, table.headings[column])


def _check_duplicates(ids: pd.Series, table: _Table, index: int, problems: _Problems) -> None:
    """Every repeated ärende-id, naming the row where it first appeared."""
    repeated = ids.notna() & ids.duplicated(keep=False)
    heading = table.headings[index]
    first_row: dict[str, int] = {}
    for position in np.flatnonzero(repeated.to_numpy()):
        row = int(table.row_numbers[position])
        value = ids.iloc[position]
        if value in first_row:
            problems.add(f"ärende-id '{_shown(value)}' finns redan på rad {first_row[value]}", row, heading)
        else:
            first_row[value] = row


def _check_date_order(
    frame: pd.DataFrame, mapped: dict[str, int], table: _Table, problems: _Problems
) -> None:
    """Dates that cannot be in this order (e.g. an investigation ending before it began)."""
    for later, earlier, message in _DATE_ORDER:
        if later not in mapped or earlier not in mapped:
            continue
        wrong = (frame[later] < frame[earlier]).fillna(False).to_numpy()
        heading = table.headings[mapped[later]]
        for position in np.flatnonzero(wrong):
            problems.add(
                f"{message} ({table.headings[mapped[earlier]]})", int(table.row_numbers[position]), heading
            )


def _extra_frame(extras: dict[str, int], table: _Table, problems: _Problems, *, mask: bool) -> pd.DataFrame:
    """The kept extra columns as text, each scanned for personnummer (masked or refused)."""
    columns = {}
    for heading, index in extras.items():
        values, bad = _convert_cells(table.grid[:, index], lambda v: _to_text(v, MAX_CELL_LENGTH))
        for position, message, kind in bad:
            problems.add(message, int(table.row_numbers[position]), heading, kind)
        columns[heading] = pd.Series(_scan_personnummer(values, heading, table, problems, mask=mask),
                                     dtype=object)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(table.row_numbers)))


def _scan_personnummer(values: np.ndarray, heading: str, table: _Table, problems: _Problems, *,
                       mask: bool) -> np.ndarray:
    """*values* with personnummer masked (*mask*), else unchanged with a problem for every hit."""
    texts = np.array([v if isinstance(v, str) else None for v in values], dtype=object)
    codes, distinct = pd.factorize(texts)
    found = np.array([bool(personnummer.find_in_text(text)) for text in distinct], dtype=bool)
    hits = np.flatnonzero((codes >= 0) & found[np.maximum(codes, 0)]) if len(found) else []
    if mask:
        masked = values.copy()
        masked[hits] = [personnummer.mask_in_text(text) for text in texts[hits]]
        return masked
    for position in hits:
        problems.add(_PERSONNUMMER_IN_TEXT, int(table.row_numbers[position]), heading)
    return values


# ---------------------------------------------------------------------------------------------
# scalar converters (each returns the value or raises _CellProblem with a Swedish message)


def _to_text(value: object, limit: int) -> str | None:
    """Cell text, trimmed; None for empty."""
    text = _cell_text(value)
    if text is not None and len(text) > limit:
        raise _CellProblem(f"texten är för lång ({len(text)} tecken, högst {limit})")
    return text


def _cell_text(value: object) -> str | None:
    """How a cell reads as text (whole numbers without decimals, dates as ISO)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "SANT" if value else "FALSKT"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip() or None


class _DateReader:
    """Reads the cells of one date column, noting how they were written (for the import report).

    Without a pinned format, text is read in the forms of the module docstring, D/M/ÅÅÅÅ and D.M.ÅÅÅÅ
    with the day first (the Swedish order). A profile's ``datumformat`` pins the column's text to one
    ``strptime`` format (e.g. ``%m/%d/%Y``); ISO dates, Excel date cells and serial numbers stay
    accepted, since they cannot be read two ways.
    """

    def __init__(self, pinned: str | None = None) -> None:
        self.pinned = pinned
        self.forms: dict[str, None] = {}  # an ordered set of the forms seen
        self.ambiguous: tuple[str, dt.date] | None = None  # a text that reads both day and month first

    def __call__(self, value: object) -> int | None:
        if isinstance(value, dt.datetime):
            return self._saw(_FORM_EXCEL, _day_number(value.date()))
        if isinstance(value, dt.date):
            return self._saw(_FORM_EXCEL, _day_number(value))
        if isinstance(value, bool):
            raise _CellProblem("kan inte tolka ett sant/falskt-värde som datum")
        if isinstance(value, int | float):
            return self._saw(_FORM_SERIAL, _serial_day_number(float(value)))
        text = _cell_text(value)
        return None if text is None else self._text(text)

    def rule(self) -> str:
        """Which rule read the column, in Swedish, for the import report."""
        if self.pinned:
            return f"profilens datumformat {self.pinned}"
        if not self.forms:
            return "inga datum"
        described = ", ".join(self.forms)
        if self.ambiguous is None:
            return described
        text, day = self.ambiguous
        return (f"{described}; t.ex. '{_shown(text)}' lästes som {day.isoformat()} (dagen först är svensk "
                "standard; står månaden först i filen, ange datumformat i importprofilen)")

    def _saw(self, form: str, day_number: int) -> int:
        self.forms[form] = None
        return day_number

    def _text(self, text: str) -> int:
        bare = _TIME_SUFFIX.sub("", text.strip()).strip()
        cleaned = bare.casefold()
        if _NUMBER.fullmatch(cleaned) and not _COMPACT_DATE.fullmatch(cleaned):
            return self._saw(_FORM_SERIAL, _serial_day_number(float(cleaned.replace(",", "."))))
        if match := _ISO_DATE.fullmatch(cleaned):
            return self._saw(_FORM_ISO, _day_number(_date_from_parts(match.groups(), "ymd", text)))
        if self.pinned:
            return self._saw(self.pinned, _day_number(_pinned_date(bare, self.pinned, text)))
        for pattern, order, form in _TEXT_FORMS:
            if match := pattern.fullmatch(cleaned):
                day = _date_from_parts(match.groups(), order, text)
                if form in _DAY_FIRST_FORMS:
                    self._note_ambiguity(match.groups(), day, text)
                return self._saw(form, _day_number(day))
        raise _unreadable_date(cleaned, text)

    def _note_ambiguity(self, parts: tuple[str, ...], day: dt.date, text: str) -> None:
        if self.ambiguous is None and parts[0] != parts[1] and int(parts[0]) <= 12:
            self.ambiguous = (text, day)


def _pinned_date(bare: str, pinned: str, text: str) -> dt.date:
    """*bare* read with the profile's format, or a problem naming the format."""
    try:
        return dt.datetime.strptime(bare, pinned).date()
    except ValueError:
        raise _CellProblem(
            f"kan inte tolka '{_shown(text)}' som datum i profilens datumformat {pinned}",
            kind=f"datum som inte följer profilens datumformat {pinned}",
        ) from None


def _unreadable_date(cleaned: str, text: str) -> _CellProblem:
    """The problem of a date text no form reads, saying what it looks like and what to do."""
    if match := _DAY_FIRST_LOOK.fullmatch(cleaned):
        first, second, _year = (int(part) for part in match.groups())
        if first <= 12 < second <= 31:
            return _CellProblem(
                f"kan inte tolka '{_shown(text)}' som datum: med dagen först (D/M/ÅÅÅÅ, svensk standard) "
                f"blir månaden {second}; står månaden först i filen, ange datumformat \"%m/%d/%Y\" för "
                "kolumnen i importprofilen",
                kind="datum med månaden först (M/D/ÅÅÅÅ)",
            )
        return _CellProblem(f"ogiltigt datum '{_shown(text)}'", kind="ogiltiga datum")
    if _SHORT_YEAR.fullmatch(cleaned):
        return _CellProblem(
            f"kan inte tolka '{_shown(text)}' som datum: året har bara två siffror; skriv det med fyra "
            "(D/M/ÅÅÅÅ eller ÅÅÅÅ-MM-DD)",
            kind="datum med tvåsiffrigt år",
        )
    return _CellProblem(
        f"kan inte tolka '{_shown(text)}' som datum (skriv ÅÅÅÅ-MM-DD eller D/M/ÅÅÅÅ, t.ex. 2026-03-01)",
        kind="värden som inte kan tolkas som datum",
    )


def _day_number(day: dt.date) -> int:
    if not _YEAR_RANGE[0] <= day.year <= _YEAR_RANGE[1]:
        raise _CellProblem(
            f"orimligt datum {day.isoformat()} (årtal utanför {_YEAR_RANGE[0]}–{_YEAR_RANGE[1]})",
            kind="datum med orimligt årtal",
        )
    return day.toordinal() - _UNIX_EPOCH_ORDINAL


def _serial_day_number(serial: float) -> int:
    """An Excel serial date (days since 1899-12-30); the time of day is ignored."""
    low, high = _SERIAL_RANGE
    if not low <= serial < high + 1:
        raise _CellProblem(
            f"talet {serial:g} är inget rimligt Excel-datum (tillåtet {low}–{high}, år 1950–2099)",
            kind="tal som inte är rimliga Excel-datum",
        )
    return dt.date.fromordinal(_EXCEL_EPOCH_ORDINAL + int(serial)).toordinal() - _UNIX_EPOCH_ORDINAL


def _date_from_parts(parts: tuple[str, ...], order: str, text: str) -> dt.date:
    """Build a date from matched parts, refusing impossible ones such as 2026-02-30."""
    named = dict(zip(order, parts, strict=True))
    month = _MONTHS.get(named["m"]) if not named["m"].isdigit() else int(named["m"])
    if month is None:
        raise _CellProblem(f"kan inte tolka '{_shown(text)}' som datum (okänt månadsnamn)",
                           kind="datum med okänt månadsnamn")
    try:
        return dt.date(int(named["y"]), month, int(named["d"]))
    except ValueError:
        if order == "dmy" and named["m"].isdigit():
            raise _unreadable_date(_TIME_SUFFIX.sub("", text.strip()).strip().casefold(), text) from None
        raise _CellProblem(f"ogiltigt datum '{_shown(text)}'", kind="ogiltiga datum") from None


def _to_bool(value: object) -> bool | None:
    """ja/nej, sant/falskt, true/false, 1/0, x; empty is unknown (None)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _cell_text(value)
    if text is None:
        return None
    word = text.casefold()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise _CellProblem(f"kan inte tolka '{_shown(text)}' som ja eller nej")


def _to_kon(value: object) -> str | None:
    """K, M or okänt; empty means: derive from the personnummer."""
    text = _cell_text(value)
    if text is None:
        return None
    kon = _KON_WORDS.get(text.casefold())
    if kon is None:
        raise _CellProblem(f"okänt kön '{_shown(text)}' (använd K, M eller okänt)")
    return kon


def _to_year(value: object) -> int | None:
    """A four-digit year within the accepted range; empty means: derive from the personnummer."""
    text = _cell_text(value)
    if text is None:
        return None
    if not text.isdigit() or not _YEAR_RANGE[0] <= int(text) <= _YEAR_RANGE[1]:
        raise _CellProblem(f"orimligt födelseår '{_shown(text)}'")
    return int(text)


def _to_case_type(value: object, profile: Profile) -> str | None:
    """The canonical case type the profile maps this wording to."""
    text = _cell_text(value)
    if text is None:
        return None
    case_type = profile.case_type_for(text)
    if case_type is None:
        raise _CellProblem(f"okänd ärendetyp '{_shown(text)}' (lägg till den i importprofilen)")
    return case_type


def _shown(text: str) -> str:
    """A value shortened for a message."""
    return text if len(text) <= _SHOWN_VALUE_LENGTH else text[: _SHOWN_VALUE_LENGTH - 1] + "…"


def _column_letter(index: int) -> str:
    """Excel's column letters for a 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _column_index(letters: str) -> int:
    """0-based column index of Excel column letters."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1
