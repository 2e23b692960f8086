"""Hostile and broken register files, built on demand (never committed): zip bombs, huge sparse sheets,
far cells, wide sheets, damaged archives. Each builder writes a small file and returns its path.

The xlsx files are written as raw OOXML parts with :mod:`zipfile`, so that they can be exactly as
hostile as needed (a lying ``<dimension>``, one cell at XFD1048576, a member that unpacks a thousandfold).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
    '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
    'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
               'spreadsheetml/2006/main"><dimension ref="A1"/><sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"
HEADINGS = ("Ärende-ID", "Personnummer", "Enhet", "Ärendetyp", "Inkom")


def column_letters(number: int) -> str:
    """Excel's letters for a 1-based column number."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _cell(column: int, row: int, text: str) -> str:
    return f'<c r="{column_letters(column)}{row}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_row() -> str:
    return '<row r="1">' + "".join(_cell(i + 1, 1, h) for i, h in enumerate(HEADINGS)) + "</row>"


def write_sheet(path: Path, rows: Iterable[str], level: int = 9) -> Path:
    """An xlsx whose one sheet holds the header row and then *rows* (raw ``<row>`` XML), streamed."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write((_SHEET_HEAD + _header_row()).encode())
            for row in rows:
                sheet.write(row.encode())
            sheet.write(_SHEET_TAIL.encode())
    return path


def zip_bomb(tmp: Path, megabytes: int = 150) -> Path:
    """A sheet padded with *megabytes* of whitespace (by default under the size limit, so that its
    compression ratio refuses it): a thousandth of that packed."""
    padding = " " * (1 << 20)
    return write_sheet(tmp / f"zipbomb-{megabytes}.xlsx", (padding for _ in range(megabytes)))


def many_cells(tmp: Path, rows: int = 800_000, columns: int = 20) -> Path:
    """16 million small numeric cells (800 000 rows x 20 columns, positions implied, as Excel allows),
    written 10 000 rows at a time."""
    block = ("<row>" + "<c><v>1</v></c>" * columns + "</row>") * 10_000
    return write_sheet(tmp / "celler.xlsx", (block for _ in range(rows // 10_000)), level=1)


def cells_past(tmp: Path, limits_cells: int) -> Path:
    """A sheet of plain rows holding a few more cells than *limits_cells*."""
    rows = limits_cells // len(HEADINGS) + 2
    row = "<row>" + "<c><v>1</v></c>" * len(HEADINGS) + "</row>"
    return write_sheet(tmp / "fler.xlsx", (row for _ in range(rows)))


def far_cell(tmp: Path) -> Path:
    """One data cell at XFD1048576, the last cell Excel has (the dimension says A1)."""
    return write_sheet(tmp / "langtbort.xlsx", ['<row r="1048576">' + _cell(16384, 1048576, "x") + "</row>"])


def wide(tmp: Path, columns: int = 20_000) -> Path:
    """A header of 20 000 columns."""
    row = '<row r="2">' + "".join(_cell(c, 2, "x") for c in range(1, columns + 1)) + "</row>"
    return write_sheet(tmp / "bred.xlsx", [row])


def personnummer_in_text(tmp: Path) -> Path:
    """A csv whose Handläggare column hides a synthetic personnummer in text, in the twelve-digit form."""
    from tests.egenkontroll.test_register import case, synthetic_pnr, write_csv

    return write_csv(tmp / "fritext.csv", [case(1), case(2, Handläggare=f"HL2 (19{synthetic_pnr(7)})")])


def utf16(tmp: Path) -> Path:
    """A csv saved as UTF-16."""
    from tests.egenkontroll.test_register import case, write_csv

    return write_csv(tmp / "utf16.csv", [case(1)], encoding="utf-16")


def corrupt(tmp: Path) -> Path:
    """A zip header followed by garbage."""
    path = tmp / "trasig.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 40)
    return path


def truncated(tmp: Path) -> Path:
    """A real xlsx cut in half."""
    whole = write_sheet(tmp / "hel.xlsx", ['<row r="2">' + _cell(1, 2, "A-1") + "</row>"]).read_bytes()
    path = tmp / "avklippt.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    return path


#: name -> (builder, a text the Swedish message must contain)
HOSTILE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "zip-bomb": (zip_bomb, "filen ser ut som en så kallad zip-bomb"),
    "16 miljoner celler": (many_cells, "filen packas upp till"),
    "cell i XFD1048576": (far_cell, "bladet har 16384 kolumner (högst 500)"),
    "20 000 kolumner": (wide, "bladet har 20000 kolumner (högst 500)"),
    "trasig zip": (corrupt, "filen är skadad"),
    "avklippt xlsx": (truncated, "filen är skadad"),
    "personnummer i fritext": (personnummer_in_text,
                               "rad 3, kolumn Handläggare: texten innehåller ett personnummer"),
    "utf-16": (utf16, "kanske UTF-16"),
}
