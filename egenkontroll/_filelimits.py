"""Limits that keep a hostile or broken register file from taking the machine down.

An xlsx file is a zip archive of XML. Before anything reads its cells (python-calamine materialises
the whole used rectangle of a sheet, and aborts the process on a cell such as XFD1048576), the archive
is checked here with bounded memory: its size on disk, the sizes its members declare, each large
member's compression ratio (a zip bomb expands a thousandfold), and then every worksheet is streamed
to find its real extent (the ``<dimension>`` element may lie or be missing). Streaming also verifies
each member's checksum: a member that holds more than it declares fails there, never in calamine.

A csv file is bounded by its size and by its rows times the header's fields.

Every limit has a documented default (README, "Gränser för filer") and can be raised from the command
line. Problems are Swedish texts for :class:`~egenkontroll.errors.Problem`.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = ["Limits", "DEFAULT_LIMITS", "check_file", "check_xlsx", "check_csv_text", "check_grid"]

_MB: Final = 1 << 20
_CHUNK: Final = 1 << 22
#: a member smaller than this may have any ratio (tiny XML parts compress extremely well)
_RATIO_FLOOR: Final = _MB
_CELL_REF: Final = re.compile(rb' r="([A-Z]{1,4})([0-9]{1,9})"')  # only a cell's reference has letters
_WORKSHEET: Final = re.compile(r"xl/worksheets/[^/]+\.xml")


@dataclass(frozen=True)
class Limits:
    """How large a register file may be.

    Attributes
    ----------
    max_megabytes
        Size of the file on disk, and the total of its unpacked parts (xlsx), in MB.
    max_cells
        Rows times columns of the sheet's used area (or of a csv file).
    max_columns
        Columns of the sheet (or fields of the csv header).
    max_ratio
        How many times larger than packed an xlsx part of more than 1 MB may be when unpacked.
    max_problems
        How many problems are listed one by one; the rest are summarised.
    """

    max_megabytes: int = 200
    max_cells: int = 5_000_000
    max_columns: int = 500
    max_ratio: int = 100
    max_problems: int = 1_000


DEFAULT_LIMITS: Final = Limits()
_RAISE_HINT: Final = "(höj gränsen med {flag} om filen verkligen ska vara så stor)"


def check_file(path: Path, limits: Limits) -> str | None:
    """A problem when the file on disk is larger than the limit, else None."""
    size = path.stat().st_size
    if size > limits.max_megabytes * _MB:
        return (f"filen är för stor ({size / _MB:.0f} MB, högst {limits.max_megabytes} MB) "
                + _RAISE_HINT.format(flag="--max-mb"))
    return None


def check_xlsx(path: Path, limits: Limits) -> str | None:
    """A problem when the xlsx archive is damaged, a zip bomb or too large in any way, else None."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            problem = _declared_sizes(members, limits)
            for member in members if problem is None else ():
                problem = _streamed(archive, member, limits)
                if problem is not None:
                    break
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, OSError):
        return "filen är skadad: den går inte att packa upp som Excel-fil (.xlsx); spara den på nytt ur Excel"
    return problem


def check_csv_text(text: str, limits: Limits) -> str | None:
    """A problem when a csv text has more cells (lines times header fields) than the limit, else None."""
    header = text.split("\n", 1)[0]
    fields = max(header.count(d) for d in (";", ",", "\t")) + 1
    return check_grid(text.count("\n") + 1, fields, limits)


def check_grid(rows: int, columns: int, limits: Limits) -> str | None:
    """A problem when a sheet of *rows* x *columns* is larger than the limits, else None."""
    if columns > limits.max_columns:
        return (f"bladet har {columns} kolumner (högst {limits.max_columns}); ta bort tomma eller onödiga "
                "kolumner " + _RAISE_HINT.format(flag="--max-kolumner"))
    if rows * columns > limits.max_cells:
        return (f"bladet har {rows} rader och {columns} kolumner, {rows * columns} celler (högst "
                f"{limits.max_cells}); har någon skrivit något långt ner eller långt ut i bladet? "
                + _RAISE_HINT.format(flag="--max-celler"))
    return None


def _declared_sizes(members: list[zipfile.ZipInfo], limits: Limits) -> str | None:
    """A problem when the parts declare too much in total, or one compresses suspiciously well."""
    total = sum(member.file_size for member in members)
    if total > limits.max_megabytes * _MB:
        return (f"filen packas upp till {total / _MB:.0f} MB (högst {limits.max_megabytes} MB) "
                + _RAISE_HINT.format(flag="--max-mb"))
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_FLOOR and ratio > limits.max_ratio:
            return (f"filen ser ut som en så kallad zip-bomb: en del packas upp {ratio:.0f} gånger större "
                    f"(högst {limits.max_ratio}); den läses inte " + _RAISE_HINT.format(flag="--max-kvot"))
    return None


def _streamed(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits) -> str | None:
    """Unpack *member* chunk by chunk (checking its checksum); a worksheet's extent is checked on the way."""
    sheet = _WORKSHEET.fullmatch(member.filename) is not None
    rows = columns = cells = 0
    tail = b""
    with archive.open(member) as handle:
        while chunk := handle.read(_CHUNK):
            if not sheet:
                continue
            window = tail + chunk
            cut = window.rfind(b"<")
            complete, tail = (window[:cut], window[cut:]) if cut > 0 else (window, b"")
            cells += complete.count(b"<c ") + complete.count(b"<c>")
            for letters, row in _CELL_REF.findall(complete):
                columns = max(columns, _column_number(letters))
                rows = max(rows, int(row))
            problem = check_grid(rows, columns, limits) or _cell_count(cells, limits)
            if problem is not None:
                return problem
    return None


def _cell_count(cells: int, limits: Limits) -> str | None:
    """A problem when a sheet holds more cells than the limit (however they are spread), else None."""
    if cells > limits.max_cells:
        return (f"bladet har mer än {limits.max_cells} celler " + _RAISE_HINT.format(flag="--max-celler"))
    return None


def _column_number(letters: bytes) -> int:
    """1-based column number of Excel column letters (A -> 1, XFD -> 16384)."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number
