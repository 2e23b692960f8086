"""The built-in Word template of the kvalitetsberättelse (:func:`egenkontroll.report.default_template`),
built with python-docx: a title page, a table of contents (Word fills it in when the document is opened),
numbered pages, and the placeholders of :data:`egenkontroll.report.PLACEHOLDERS` in Jinja form."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

__all__ = ["build"]

_BLUE = RGBColor(0x1F, 0x4E, 0x79)


def build() -> bytes:
    """The template as .docx bytes."""
    document = Document()
    _page(document)
    _styles(document)
    _title_page(document)
    _contents(document)
    document.add_heading("Sammanfattning", level=1)
    _loop_paragraph(document, "stycke", "sammanfattning", "{{ stycke }}")
    _plan_chapter(document)
    _checklist_chapter(document)
    _agreement_chapter(document)
    _register_chapter(document)
    _action_chapter(document)
    _risk_chapter(document)
    _method_appendix(document)
    _page_numbers(document)
    _update_fields_on_open(document)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def _page(document: DocumentObject) -> None:
    """A4 with 2 cm margins: 17 cm for the text and the tables."""
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(2)


def _styles(document: DocumentObject) -> None:
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    for level, size in ((1, 16), (2, 13)):
        heading = document.styles[f"Heading {level}"]
        heading.font.size = Pt(size)
        heading.font.color.rgb = _BLUE


def _title_page(document: DocumentObject) -> None:
    for _ in range(6):
        document.add_paragraph()
    title = document.add_paragraph("{{ titel }}", style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle = document.add_paragraph("Socialtjänsten, individ- och familjeomsorgen")
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    draft = document.add_paragraph("Utkast framtaget med egenkontroll. Tidsfristerna är bedömda per "
                                   "{{ per_datum }}.")
    draft.alignment = WD_ALIGN_PARAGRAPH.CENTER
    draft.add_run().add_break(WD_BREAK.PAGE)


def _contents(document: DocumentObject) -> None:
    document.add_paragraph("Innehåll", style="Heading 1")
    _field(document.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u', "Högerklicka och välj Uppdatera fält.")
    document.add_section(WD_SECTION.NEW_PAGE)


def _plan_chapter(document: DocumentObject) -> None:
    document.add_heading("Egenkontrollplan", level=1)
    document.add_paragraph("Egenkontrollplanen säger vilka granskningar som ska göras under året, när och av "
                           "vem. En planerad granskning är genomförd när alla dess akter är granskade, och "
                           "försenad när sista dagen har passerat utan att den är det.")
    _loop_paragraph(document, "stycke", "plan_sammanfattning", "{{ stycke }}")
    _loop_table(document, "p", "egenkontrollplan",
                ("Checklista", "Period", "Akter", "Enhet", "Ansvarig", "Klar senast", "Status"),
                ("checklista", "period", "akter", "enhet", "ansvarig", "klar_senast", "status"),
                widths=(2.8, 3.0, 1.3, 2.8, 3.0, 2.2, 1.9))


def _action_chapter(document: DocumentObject) -> None:
    document.add_heading("Åtgärdsplan", level=1)
    document.add_paragraph("Avvikelser blir åtgärder med orsaksanalys, ansvarig och sista dag. En åtgärds "
                           "effekt räknas som uppnådd bara när en senare granskning eller registerperiod som "
                           "mäter samma sak visar en säkerställd förbättring (Fishers exakta test, p under "
                           "0,05) eller ett värde som helt når målet.")
    _loop_paragraph(document, "stycke", "atgard_sammanfattning", "{{ stycke }}")
    _loop_table(document, "a", "atgarder",
                ("Avvikelse", "Åtgärd och orsak", "Ansvarig", "Klar senast", "Status", "Uppföljning"),
                ("avvikelse", "{{ a.atgard }}{% if a.orsak %} Orsak: {{ a.orsak }}{% endif %}", "ansvarig",
                 "klar_senast", "status", "uppfoljning"),
                widths=(3.4, 4.2, 2.2, 2.0, 1.8, 3.4))


def _risk_chapter(document: DocumentObject) -> None:
    document.add_heading("Riskanalys", level=1)
    document.add_paragraph("Riskvärdet är sannolikhet gånger konsekvens, var och en från 1 till 4: 1–3 låg, "
                           "4–6 medel, 8–9 hög och 12–16 mycket hög.")
    _loop_table(document, "r", "risker",
                ("Risk", "Sannolikhet", "Konsekvens", "Riskvärde", "Nivå", "Bevakas av", "Åtgärder"),
                ("risk", "sannolikhet", "konsekvens", "varde", "niva", "bevakas_av", "atgarder"),
                widths=(4.2, 1.9, 1.9, 1.7, 1.9, 3.4, 2.0))


def _checklist_chapter(document: DocumentObject) -> None:
    document.add_heading("Egenkontroll genom journalgranskning", level=1)
    document.add_paragraph("Varje checklista granskades på ett slumpmässigt urval av akter. Tabellerna visar "
                           "andelen akter där svaret är ja, med 95 % konfidensintervall, målet och "
                           "förändringen mot föregående år.")
    document.add_paragraph("{%p for c in checklistor %}")
    document.add_heading("{{ c.titel }}", level=2)
    document.add_paragraph("{{ c.omfattning }}")
    _loop_table(document, "f", "c.fragor",
                ("Fråga", "Kritisk", "Besvarade", "Andel ja", "95 % KI", "Mål", "Status", "Förändring mot "
                 "föregående år"),
                ("fraga", "kritisk", "besvarade", "andel", "intervall", "mal", "status", "forandring"),
                widths=(4.3, 1.6, 2.0, 1.6, 2.0, 1.4, 1.6, 2.5))
    document.add_paragraph("{{ c.diagram }}")
    caption = document.add_paragraph("{{ c.diagram_text }}", style="Caption")
    caption.runs[0].italic = True
    document.add_paragraph("{%p endfor %}")


def _agreement_chapter(document: DocumentObject) -> None:
    """Only when a granskning of the year had a kontrollgranskning."""
    document.add_paragraph("{%p if samstammighet %}")
    document.add_heading("Samstämmighet mellan granskare", level=1)
    document.add_paragraph("En del av akterna granskades en gång till av en annan granskare, som inte såg de "
                           "första svaren. Andelen överens, kappa och AC1 visar hur lika de läste akterna; "
                           "kappa blir lågt när nästan alla svar är desamma, även när granskarna är överens, "
                           "och AC1 påverkas inte av det.")
    document.add_paragraph("{%p for s in samstammighet %}")
    document.add_paragraph("{{ s.granskning }}: {{ s.arenden }} akter granskades två gånger "
                           "(kontrollgranskningen {{ s.kontroll }}).")
    _loop_table(document, "f", "s.fragor",
                ("Fråga", "Överens", "Andel överens", "Kappa", "AC1", "Förklaring"),
                ("fraga", "antal", "andel", "kappa", "ac1", "forklaring"),
                widths=(4.0, 1.6, 2.4, 2.4, 2.4, 4.2))
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p endif %}")


def _register_chapter(document: DocumentObject) -> None:
    document.add_heading("Registeruppgifter för alla ärenden", level=1)
    document.add_paragraph("Tidsfristerna räknas för alla ärenden i registret, utan urval och därför utan "
                           "konfidensintervall.")
    _loop_table(document, "r", "indikatorer", ("Mått", "Period", "Värde", "Antal"),
                ("matt", "period", "varde", "antal"), widths=(7.0, 4.5, 2.0, 3.5))
    document.add_heading("Ej verkställda beslut", level=2)
    document.add_paragraph("Beslut som inte verkställts inom tre månader, per kvartal, som rapporten enligt "
                           "16 kap. 6 f § SoL (2001:453) och 34 kap. 1 § SoL (2025:400) räknar dem.")
    _loop_table(document, "k", "ej_verkstallda", ("Kvartal", "Ej verkställda vid kvartalets slut",
                                                   "Verkställda för sent under kvartalet"),
                ("kvartal", "antal", "sent_verkstallda"), widths=(3.0, 7.0, 7.0))


def _method_appendix(document: DocumentObject) -> None:
    document.add_heading("Bilaga: metod", level=1)
    _loop_paragraph(document, "stycke", "metod", "{{ stycke }}")
    document.add_paragraph("Varje urval kan dras igen med samma frö och kontrolleras mot fingeravtrycket av "
                           "urvalsramen (egenkontroll verify).")
    _loop_table(document, "s", "metodbilaga", ("Granskning", "Period", "Frö", "Urvalsram", "Urval",
                                                "Granskade", "Fingeravtryck"),
                ("granskning", "period", "fro", "ram", "urval", "granskade", "fingeravtryck"),
                widths=(3.6, 3.2, 1.6, 1.8, 1.3, 1.8, 3.7))


def _loop_paragraph(document: DocumentObject, name: str, items: str, text: str) -> None:
    document.add_paragraph(f"{{%p for {name} in {items} %}}")
    document.add_paragraph(text)
    document.add_paragraph("{%p endfor %}")


def _loop_table(document: DocumentObject, name: str, items: str, headings: Sequence[str],
                fields: Sequence[str], widths: Sequence[float]) -> Table:
    """A table with a heading row and one row per item of *items* (docxtpl's ``{%tr %}`` rows): a cell
    shows the *fields* of each item named *name*, or is the Jinja text given when a field holds one;
    *widths* in cm, 17 in all."""
    table = document.add_table(rows=4, cols=len(headings))
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):  # the grid, which LibreOffice follows
        column.width = Cm(width)
    for row in table.rows:  # the cells, which Word follows
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    for cell, heading in zip(table.rows[0].cells, headings, strict=True):
        cell.text = heading
        cell.paragraphs[0].runs[0].bold = True
        _shade(cell, "DCE6F0")
    table.rows[1].cells[0].text = f"{{%tr for {name} in {items} %}}"
    for cell, field in zip(table.rows[2].cells, fields, strict=True):
        cell.text = field if "{" in field else f"{{{{ {name}.{field} }}}}"
    table.rows[3].cells[0].text = "{%tr endfor %}"
    for row in table.rows:
        for cell in row.cells:
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(9)
    _repeat_heading_row(table)
    document.add_paragraph()
    return table


def _shade(cell: Any, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_heading_row(table: Table) -> None:
    properties = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A Word field (page number, table of contents) with *placeholder* shown until Word updates it."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = placeholder
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _page_numbers(document: DocumentObject) -> None:
    """"Sida N" at the foot of every page (the later sections' footers are linked to the first's)."""
    footer = document.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Sida ")
    _field(footer, "PAGE", "1")


def _update_fields_on_open(document: DocumentObject) -> None:
    """Ask Word to fill in the table of contents when the document is opened."""
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    document.settings.element.append(update)
