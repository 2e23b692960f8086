"""The kvalitetsberättelse as a Word document (``egenkontroll rapport``), opened again with python-docx."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from docx import Document

from egenkontroll import Workspace, agreement, demo, formatting, personnummer, report, simulate
from egenkontroll.cli import main

YEAR = 2026
PER_DATUM = "2026-10-31"
DASH = report.HIDDEN


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A register of 1500 cases and simulated granskningar of 2026-T1 and 2026-T2 (all in the report's year,
    so that ``results --json`` covers exactly what the report does)."""
    path = tmp_path_factory.mktemp("rapport") / "arbetsyta"
    with Workspace.open(path) as workspace:
        export = path / "register.xlsx"
        demo.write_export_xlsx(demo.generate_register(seed=7, n_cases=1500), export)
        workspace.import_register(export)
        first = simulate.simulate_reviews(workspace, per_session=12, periods=["2026-T1", "2026-T2"])[0]
        control = workspace.create_control_session(first.id, k=8, seed=3)
        given = first.answers().set_index(["arende_id", "item_id"])["value"]
        for number, case_id in enumerate(control.case_ids):  # the second reader differs on one case
            value = given.get((case_id, "vald_fragat"), "ja")
            other = "nej" if value == "ja" else "ja"
            control.record(case_id, "vald_fragat", other if number == 0 else value, reviewer="Granskare B")
    return path


@pytest.fixture(scope="module")
def written(folder) -> Path:
    assert main(["--workspace", str(folder), "rapport", "kvalitet.docx", "--ar", str(YEAR),
                 "--per-datum", PER_DATUM]) == 0
    return folder / "export" / "kvalitet.docx"


def results_json(capsys, folder: Path) -> dict:
    capsys.readouterr()
    assert main(["--workspace", str(folder), "results", "--json", "--per-datum", PER_DATUM]) == 0
    return json.loads(capsys.readouterr().out)


def headings(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]


def question_tables(document):
    return [table for table in document.tables if table.rows[0].cells[1].text == "Kritisk"]


def test_the_chapters_come_in_order_with_one_section_per_audited_checklist(written):
    document = Document(str(written))
    titles = headings(document)
    assert titles[:3] == [f"Kvalitetsberättelse {YEAR} – egenkontroll och journalgranskning", "Innehåll",
                          "Sammanfattning"]
    assert titles[3:] == ["Egenkontrollplan", "Egenkontroll genom journalgranskning", "Våldsfråga",
                          "Barnperspektiv", "Utredningstid", "Samstämmighet mellan granskare",
                          "Registeruppgifter för alla ärenden", "Ej verkställda beslut", "Åtgärdsplan",
                          "Riskanalys", "Bilaga: metod"]
    assert f"per {PER_DATUM}" in "\n".join(p.text for p in document.paragraphs)


def test_every_figure_in_the_tables_is_that_of_results_json_for_the_same_per_datum(written, folder,
                                                                                   capsys):
    items = [i for i in results_json(capsys, folder)["items"] if i["dimension"] == "alla"]
    document = Document(str(written))
    tables = question_tables(document)
    rows = [[cell.text for cell in row.cells] for table in tables for row in table.rows[1:]]
    assert len(rows) == len(items)
    suppressed = 0
    for row, item in zip(rows, items, strict=True):
        question, critical, answered, share, interval, goal, status, _change = row
        assert question == item["item_text"] and critical == ("Ja" if item["critical"] else "Nej")
        if item["suppressed"]:
            suppressed += 1
            assert (answered, share, interval, status) == (DASH, DASH, DASH, "")
            continue
        assert int(answered) == item["n"] >= 5
        assert share == formatting.for_print(formatting.share(item["estimate"]))
        expected = formatting.interval(item["lower"], item["upper"], goal=item["goal"])
        assert interval == formatting.for_print(expected)
        assert "\u00a0%" in share
        assert status == (item["status"] or "").capitalize()
    assert suppressed, "the test workspace must hold an item answered fewer than 5 times"


def test_no_group_under_five_cases_and_no_person_or_case_is_named(written, folder):
    document = Document(str(written))
    for table in document.tables:
        for row in table.rows[1:]:
            for text in (cell.text for cell in row.cells):
                assert not re.fullmatch(r"[1-4]", text), f"a count under 5: {row.cells[0].text}"
    with zipfile.ZipFile(written) as archive:
        xml = " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                       if name.endswith(".xml"))
    assert personnummer.find_in_text(xml) == []
    with Workspace.open(folder) as workspace:
        case_ids = set(workspace.cases()["arende_id"])
    assert not {case_id for case_id in case_ids if case_id in xml}


def test_each_chart_is_an_image_with_its_text_alternative(written):
    document = Document(str(written))
    shapes = document.inline_shapes
    assert len(shapes) == 3
    for shape in shapes:
        description = shape._inline.docPr.get("descr")
        assert description.startswith("Diagrammet visar andelen ja per tertial för varje fråga.")
        assert "2026-T1" in description
    with zipfile.ZipFile(written) as archive:
        assert sum(name.startswith("word/media/") for name in archive.namelist()) == 3


def test_the_agreement_of_the_kontrollgranskning_is_in_the_report_without_naming_a_case(written, folder):
    with Workspace.open(folder) as workspace:
        (found,) = agreement.reports_of(workspace.sessions())
    table = next(t for t in Document(str(written)).tables if t.rows[0].cells[1].text == "Överens")
    rows = {row.cells[0].text: [cell.text for cell in row.cells[1:]] for row in table.rows[1:]}
    asked = next(item for item in found.items if item.item == "vald_fragat")
    assert asked.n == 8 and asked.agreed == 7
    assert rows[asked.item_text][:2] == ["7 av 8", formatting.for_print(
        f"{formatting.share(asked.percent.estimate)} "
        f"({formatting.interval(asked.percent.lower, asked.percent.upper)})")]


def test_counts_of_decisions_under_five_are_not_given_exactly(written):
    waiting = next(t for t in Document(str(written)).tables if t.rows[0].cells[0].text == "Kvartal")
    counts = [cell.text for row in waiting.rows[1:] for cell in row.cells[1:]]
    assert counts and all(text == "färre än 5" or int(text) == 0 or int(text) >= 5 for text in counts)


def test_numbers_are_written_the_swedish_way():
    printed = formatting.for_print("86 % av 90, +12 procentenheter")
    assert printed == "86\u00a0% av 90, +12\u00a0procentenheter"
    change = SimpleNamespace(suppressed=False, estimate=0.70, estimate_previous=0.825, difference=-0.125,
                             p_value=0.03, previous="2025")
    assert report.change_text(change) == "\u221212,5\u00a0procentenheter (säkerställd)"
    rise = SimpleNamespace(**{**vars(change), "p_value": 0.2, "difference": 0.02, "estimate": 0.845})
    assert report.change_text(rise) == "+2\u00a0procentenheter (inte säkerställd)"
    assert report.change_text(SimpleNamespace(**{**vars(change), "estimate_previous": float("nan")})) == \
        "ingen jämförelse"


def own_template(path: Path, *texts: str) -> Path:
    document = Document()
    for text in texts:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def test_the_municipalitys_own_template_gets_its_placeholders_filled(folder, tmp_path):
    template = own_template(tmp_path / "mall.docx", "Kommunens logga här", "{{ titel }} ({{ ar }})",
                            "{%p for c in checklistor %}", "{{ c.titel }}: {{ c.omfattning }}",
                            "{%p endfor %}", "Per datum {{ per_datum }}")
    target = tmp_path / "egen.docx"
    assert main(["--workspace", str(folder), "rapport", str(target), "--ar", str(YEAR), "--mall",
                 str(template), "--per-datum", PER_DATUM]) == 0
    text = "\n".join(p.text for p in Document(str(target)).paragraphs)
    assert f"Kvalitetsberättelse {YEAR} – egenkontroll och journalgranskning ({YEAR})" in text
    assert "Våldsfråga: " in text and f"Per datum {PER_DATUM}" in text
    assert "{{" not in text and "{%" not in text


@pytest.mark.parametrize(("texts", "expected"), [
    (("{{ titel }}", "{{ kommunnamn }} {{ logga }}"),
     "mallen använder platshållare som egenkontroll inte fyller i: {{ kommunnamn }}, {{ logga }}"),
    (("{{ titel }",), "fel i mallens platshållare"),
])
def test_a_template_with_unknown_or_broken_placeholders_is_refused_and_nothing_written(
        folder, tmp_path, capsys, texts, expected):
    template = own_template(tmp_path / "mall.docx", *texts)
    target = tmp_path / "ut.docx"
    assert main(["--workspace", str(folder), "rapport", str(target), "--ar", str(YEAR), "--mall",
                 str(template)]) == 2
    assert expected in capsys.readouterr().err
    assert not target.exists() and not list(tmp_path.glob("*.tmp"))


def test_a_template_that_is_no_word_file_is_refused(folder, tmp_path, capsys):
    template = tmp_path / "mall.docx"
    template.write_text("inte en Word-fil", encoding="utf-8")
    assert main(["--workspace", str(folder), "rapport", str(tmp_path / "ut.docx"), "--ar", str(YEAR),
                 "--mall", str(template)]) == 2
    assert "mallen är ingen Word-fil (.docx)" in capsys.readouterr().err


def test_only_a_docx_is_written_and_an_existing_file_only_when_asked(folder, written, capsys):
    assert main(["--workspace", str(folder), "rapport", "kvalitet.pdf", "--ar", str(YEAR)]) == 2
    refused = capsys.readouterr().err
    assert "rapporten är ett Word-dokument och måste heta något som slutar på .docx" in refused
    assert main(["--workspace", str(folder), "rapport", "kvalitet.docx", "--ar", str(YEAR)]) == 2
    assert "finns redan" in capsys.readouterr().err


def test_the_report_turns_into_a_pdf_whose_first_pages_are_pictures_of_it(written, tmp_path):
    office = shutil.which("soffice")
    assert office, "LibreOffice saknas: make test installerar Debians libreoffice-writer-nogui"
    subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(written)],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "kvalitet.pdf"
    subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "4", "-png", str(pdf), str(tmp_path / "sida")],
                   check=True, timeout=60)
    pages = sorted(tmp_path.glob("sida-*.png"))
    assert len(pages) == 4 and pages[3].stat().st_size > 20_000  # the fourth holds tables and a chart
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shutil.copy(pages[3], artifacts / "rapport-sida-4.png")


def test_the_readme_lists_every_placeholder():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert all(f"| `{name}` |" in readme for name in report.PLACEHOLDERS)
