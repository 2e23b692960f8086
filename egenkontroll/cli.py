"""The command line: ``egenkontroll [--workspace DIR] VERB``.

Exit codes: 0 success, 2 bad input or usage (a Swedish message, never a traceback), 1 unexpected error
(the traceback goes to ``fel.log`` in the workspace, not to the screen; see :mod:`egenkontroll._boundary`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from egenkontroll import _boundary, planning, server
from egenkontroll._fields import CASE_TYPE_LABELS
from egenkontroll._filelimits import DEFAULT_LIMITS, Limits
from egenkontroll._location import DATABASE_FILE, workspace_folder
from egenkontroll.errors import SessionError, UserError, WorkspaceError
from egenkontroll.perdatum import per_datum
from egenkontroll.periods import parse_day, parse_period
from egenkontroll.store import MISSING_STRATUM
from egenkontroll.workspace import DEFAULT_WORKSPACE, Workspace

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE = 0, 1, 2
#: files created by a command or by the servers it starts (they inherit it) are for their owner only
PRIVATE_UMASK = 0o077
DEMO_EXPORT = "demo-arenderegister.xlsx"
#: the folder in the workspace where ``egenkontroll lab`` keeps the user's copies of the notebooks
LAB_FOLDER = "anteckningsbocker"
TOKEN_NOTICE = ("egenkontroll: öppna appen på adressen nedan. Den innehåller en hemlig nyckel (token) som "
                "gäller tills servern stängs; dela den inte.")
#: each serving verb its own port, so that the review app and the dashboard can run side by side
DEFAULT_PORTS = {"review": 8866, "dashboard": 8867, "demo": 8867, "lab": 8888, "hub": 8000}
NO_TOKEN_WARNING = ("egenkontroll: utan token (--no-token) kan alla som når porten öppna appen, läsa "
                    "ärendena och spara svar. Använd det bara bakom JupyterHub eller en annan inloggning.")


#: verbs that may create their workspace; the others refuse a missing one unless given --ny
CREATING_VERBS = frozenset({"import", "demo", "hub"})
#: the width the plain-text tables are made to fit (a terminal's usual 100 columns)
TABLE_WIDTH = 100
#: argparse's English messages (Python 3.11-3.13) -> Swedish; applied in order to every usage error
_ARGPARSE_SWEDISH: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(english), swedish) for english,
                                                                    swedish in (
    (r"^argument (\S+): ", r"\1: "),
    (r"invalid choice: '([^']*)' \(choose from (.*)\)", r"'\1' finns inte; välj bland \2"),
    (r"invalid int value: '([^']*)'", r"'\1' är inget heltal"),
    (r"invalid float value: '([^']*)'", r"'\1' är inget tal"),
    (r"invalid \w+ value: '([^']*)'", r"'\1' går inte att tolka"),
    (r"expected one argument", "ett värde saknas efter flaggan"),
    (r"expected at least one argument", "minst ett värde behövs"),
    (r"expected at most one argument", "högst ett värde får anges"),
    (r"expected (\d+) arguments?", r"\1 värden behövs"),
    (r"the following arguments are required: (.*)", r"det här måste anges: \1"),
    (r"unrecognized arguments: (.*)", r"okända argument: \1"),
    (r"ambiguous option: (\S+) could match (.*)", r"\1 är tvetydig; den kan betyda \2"),
    (r"not allowed with argument (.*)", r"kan inte anges tillsammans med \1"),
    (r"one of the arguments (.*) is required", r"ett av argumenten \1 måste anges"),
    (r"ignored explicit argument '([^']*)'", r"värdet '\1' godtas inte här"),
))


def _in_swedish(message: str) -> str:
    """An argparse usage error in Swedish (the Swedish messages of our own types pass unchanged)."""
    for english, swedish in _ARGPARSE_SWEDISH:
        message = english.sub(swedish, message)
    return message


class _SwedishFormatter(argparse.HelpFormatter):
    """Help and usage with the Swedish heading "användning:"."""

    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "användning: " if prefix is None else prefix)


class _SwedishParser(argparse.ArgumentParser):
    """argparse in Swedish: usage and help headings, -h/--help, and usage errors that exit 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _SwedishFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "argument"
        self._optionals.title = "flaggor"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="visa den här hjälpen och avsluta")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"egenkontroll: fel i kommandot: {_in_swedish(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every verb."""
    parser = _SwedishParser(prog="egenkontroll", description="Egenkontroll och journalgranskning.")
    _add_workspace_options(parser, default=None)
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="KOMMANDO", parser_class=_SwedishParser)

    imp = verbs.add_parser("import", help="läs in ett ärenderegister (xlsx eller csv)")
    imp.add_argument("file", type=Path, metavar="FIL")
    imp.add_argument("--profile", default=None, metavar="NAMN",
                     help="importprofil: ett namn (NAMN.yaml i arbetsmappen eller arbetsytan, annars en "
                          "inbyggd) eller en sökväg till YAML")
    for flag, name, helptext in (
        ("--max-mb", "max_megabytes", "största fil, också uppackad (MB)"),
        ("--max-celler", "max_cells", "största antal celler (rader gånger kolumner)"),
        ("--max-kolumner", "max_columns", "största antal kolumner"),
        ("--max-kvot", "max_ratio", "hur många gånger större en del av en xlsx-fil får bli uppackad"),
    ):
        default = getattr(DEFAULT_LIMITS, name)
        imp.add_argument(flag, dest=name, type=int, default=default, metavar="N",
                         help=f"{helptext} (standard {default})")
    imp.set_defaults(run=_run_import)

    draft = verbs.add_parser("profil", help="skriv ett utkast till importprofil utifrån en fils rubriker")
    draft.add_argument("file", type=Path, metavar="FIL")
    draft.add_argument("--namn", default="importprofil",
                       help="profilens namn; filen NAMN.yaml skrivs i arbetsmappen (standard importprofil)")
    draft.add_argument("--skriv-over", action="store_true", help="skriv över en befintlig profilfil")
    draft.set_defaults(run=_run_profile_draft)

    status = verbs.add_parser("status", help="visa vad arbetsytan innehåller")
    status.add_argument("--json", action="store_true", help="skriv ut som JSON")
    status.set_defaults(run=_run_status)

    plan = verbs.add_parser("plan", help="räkna ut hur många akter som behöver granskas")
    plan.add_argument("--tolerable", type=_rate, metavar="ANDEL",
                      help="högsta godtagbara avvikelsefrekvens, t.ex. 5%%")
    plan.add_argument("--margin", type=_rate, metavar="ANDEL", help="önskad felmarginal, t.ex. 5%%")
    plan.add_argument("--confidence", type=_rate, default=0.95, metavar="ANDEL",
                      help="säkerhet (standard 95%%)")
    plan.add_argument("--expected", type=_rate, default=0.0, metavar="ANDEL",
                      help="förväntad avvikelsefrekvens (standard 0)")
    plan.add_argument("--population", type=int, default=None, metavar="N", help="antal ärenden att dra ur")
    plan.add_argument("--json", action="store_true", help="skriv ut som JSON")
    plan.set_defaults(run=_run_plan)

    sample = verbs.add_parser("sample", help="dra ett slumpmässigt urval och starta en granskning")
    sample.add_argument("--checklist", required=True, metavar="ID",
                        help="checklista (id eller sökväg till YAML)")
    sample.add_argument("--n", type=int, required=True, help="antal akter")
    sample.add_argument("--seed", type=int, default=None, metavar="FRÖ",
                        help="frö (slumpas och sparas om det utelämnas)")
    sample.add_argument("--strata", default=None, metavar="KOLUMN", help="stratifiera på kolumn, t.ex. enhet")
    sample.add_argument("--minimum", type=int, default=None, metavar="M",
                        help="minst så många akter per stratum (standard 1 när urvalet stratifieras)")
    sample.add_argument("--period", type=_period, default=None, metavar="PERIOD", help="t.ex. 2026, 2026-T1")
    sample.add_argument("--title", default=None, metavar="TITEL", help="granskningens titel")
    sample.add_argument("--plan-rad", type=int, default=None, metavar="ID",
                        help="raden i egenkontrollplanen som granskningen dras för (standard: den enda "
                             "raden med samma checklista och period, om det finns exakt en); utan --period "
                             "gäller radens")
    sample.add_argument("--json", action="store_true", help="skriv ut som JSON")
    sample.set_defaults(run=_run_sample)

    verify = verbs.add_parser("verify", help="kontrollera att ett urval går att återskapa")
    verify.add_argument("session", metavar="GRANSKNING", help="granskningens id")
    verify.set_defaults(run=_run_verify)

    control = verbs.add_parser("kontrollgranskning",
                               help="dra ett kontrollurval ur en granskning för en andra, blind granskning")
    control.add_argument("session", metavar="GRANSKNING", help="den första granskningens id")
    control.add_argument("--antal", type=int, required=True, metavar="K",
                         help="antal akter att granska en andra gång (minst 2)")
    control.add_argument("--seed", type=int, default=None, metavar="FRÖ",
                         help="frö (slumpas och sparas om det utelämnas)")
    control.add_argument("--title", default=None, metavar="TITEL", help="kontrollgranskningens titel")
    control.add_argument("--json", action="store_true", help="skriv ut som JSON")
    control.set_defaults(run=_run_control)

    agreement = verbs.add_parser(
        "samstammighet", help="jämför kontrollgranskningen med den första granskningen, fråga för fråga")
    agreement.add_argument("session", metavar="GRANSKNING",
                           help="granskningens (eller kontrollgranskningens) id")
    agreement.add_argument("--json", action="store_true", help="skriv ut som JSON")
    agreement.set_defaults(run=_run_agreement)

    results = verbs.add_parser("results", help="visa resultat med konfidensintervall")
    results.add_argument("--json", action="store_true", help="skriv ut som JSON")
    results.add_argument("--by", choices=["enhet", "arendetyp", "kon", "tertial", "manad", "ar"],
                         help="dela upp resultaten efter enhet, ärendetyp, kön, tertial, månad eller år")
    results.set_defaults(run=_run_results)

    export = verbs.add_parser("export", help="exportera resultaten till Excel")
    export.add_argument("file", metavar="FIL.xlsx",
                        help="ett filnamn utan mapp skrivs i arbetsytans mapp export/")
    export.add_argument("--period", type=_period, default=None, metavar="PERIOD", help="t.ex. 2026, 2026-T1")
    export.add_argument("--skriv-over", action="store_true", help="skriv över filen om den redan finns")
    export.add_argument("--underlag", action="store_true",
                        help="skriv i stället underlaget för kvalitetsutvecklaren: ett svar per ärende och "
                             "fråga, också för små grupper (inte för ledningsgruppen)")
    export.set_defaults(run=_run_export)

    report = verbs.add_parser("rapport", help="skriv kvalitetsberättelsens utkast som Word-dokument")
    report.add_argument("file", metavar="FIL.docx",
                        help="ett filnamn utan mapp skrivs i arbetsytans mapp export/")
    report.add_argument("--ar", type=_year, required=True, metavar="ÅR",
                        help="året rapporten gäller, t.ex. 2026")
    report.add_argument("--mall", type=Path, default=None, metavar="MALL.docx",
                        help="kommunens egen Word-mall med platshållare (se README); standard: den inbyggda")
    report.add_argument("--skriv-over", action="store_true", help="skriv över filen om den redan finns")
    report.set_defaults(run=_run_report)

    _add_loop_verbs(verbs)

    for computing in (results, export, report):
        computing.add_argument("--per-datum", type=_day, default=None, metavar="ÅÅÅÅ-MM-DD",
                               help="dagen tidsfristerna bedöms per (standard: i dag)")

    for verb, helptext, run in (
        ("review", "starta granskningsappen (Voilà)", _run_review),
        ("dashboard", "starta instrumentpanelen för ledningsgruppen (Voilà)", _run_dashboard),
        ("lab", "öppna notebookarna i JupyterLab", _run_lab),
        ("demo", "bygg en demo-arbetsyta och visa instrumentpanelen", _run_demo),
        ("hub", "starta teamservern (JupyterHub) med inloggning och roller", _run_hub),
    ):
        serving = verbs.add_parser(verb, help=helptext)
        serving.add_argument("--port", type=int, default=DEFAULT_PORTS[verb], metavar="PORT",
                             help=f"porten servern lyssnar på (standard {DEFAULT_PORTS[verb]})")
        serving.add_argument("--no-browser", action="store_true", help="öppna ingen webbläsare")
        serving.set_defaults(run=run)
        if verb not in ("lab", "hub"):
            serving.add_argument("--no-token", action="store_true",
                                 help="ingen hemlig nyckel i adressen (bara bakom JupyterHub eller en annan "
                                      "inloggning)")
            today = "demoregistrets uttagsdag" if verb == "demo" else "i dag"
            serving.add_argument("--per-datum", type=_day, default=None, metavar="ÅÅÅÅ-MM-DD",
                                 help=f"dagen tidsfristerna bedöms per (standard: {today})")
    verbs.choices["demo"].add_argument("--no-serve", action="store_true",
                                       help="bygg bara demo-arbetsytan, starta ingen server")
    hub_verb = verbs.choices["hub"]
    hub_verb.add_argument("--demo", action="store_true",
                          help="bygg demo-arbetsytan och starta med demokonton (granskare1, granskare2, "
                               "ledning1, kvalitet1) på 127.0.0.1")
    hub_verb.add_argument("--config", type=Path, default=Path("jupyterhub_config.py"), metavar="FIL",
                          help="JupyterHubs inställningsfil (utan --demo; standard: ./jupyterhub_config.py, "
                               "se deploy/ i egenkontrolls källkod)")
    for verb_parser in verbs.choices.values():  # the workspace may be named before or after the verb
        _add_workspace_options(verb_parser, default=argparse.SUPPRESS)
        for sub_verb in _sub_verbs(verb_parser):
            _add_workspace_options(sub_verb, default=argparse.SUPPRESS)
    return parser


def _sub_verbs(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers of *parser*'s own sub-verbs (``arsplan ny`` ...), if it has any."""
    return [choice for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for choice in action.choices.values()]


def _add_loop_verbs(verbs: Any) -> None:
    """``arsplan``, ``atgard`` and ``risk``: the egenkontrollplan, the åtgärdsplan and the riskanalys."""
    plan = verbs.add_parser("arsplan", help="egenkontrollplanen: vilka granskningar som ska göras under året")
    plan_verbs = _loop_parts(plan)
    new_row = plan_verbs.add_parser("ny", help="planera en granskning")
    new_row.add_argument("--ar", type=_year, required=True, metavar="ÅR", help="planens år, t.ex. 2026")
    new_row.add_argument("--checklist", required=True, metavar="ID",
                         help="checklista (id eller sökväg till YAML)")
    new_row.add_argument("--period", required=True, metavar="PERIOD",
                         help="ett tertial (2026-T1) eller en månad (2026-03)")
    new_row.add_argument("--n", type=int, required=True,
                         help="antal akter att granska (se egenkontroll plan)")
    new_row.add_argument("--ansvarig", required=True, metavar="NAMN",
                         help="vem som ansvarar för granskningen")
    new_row.add_argument("--enhet", default=None, metavar="ENHET", help="enheten granskningen gäller")
    new_row.add_argument("--klar-senast", type=_any_day, default=None, metavar="DATUM",
                         help="sista dag (ÅÅÅÅ-MM-DD eller D/M/ÅÅÅÅ; standard sista dagen i månaden efter "
                              "perioden)")
    new_row.set_defaults(run=_run_plan_new)
    listing = plan_verbs.add_parser("lista", help="visa planen med status (genomförd, försenad ...)")
    listing.add_argument("--ar", type=_year, default=None, metavar="ÅR", help="bara det här året")
    listing.set_defaults(run=_run_plan_list)
    remove = plan_verbs.add_parser("ta-bort", help="ta bort en planerad granskning som inte har dragits")
    remove.add_argument("id", type=int, metavar="ID", help="planradens id")
    _revision_option(remove, "raden")
    remove.set_defaults(run=_run_plan_remove)

    action = verbs.add_parser("atgard", help="åtgärdsplanen: åtgärder mot avvikelser och deras effekt")
    action_verbs = _loop_parts(action)
    new_action = action_verbs.add_parser("ny", help="lägg till en åtgärd mot en avvikelse")
    source = new_action.add_mutually_exclusive_group(required=True)
    source.add_argument("--granskning", metavar="ID",
                        help="granskningen där avvikelsen hittades (med --fraga)")
    source.add_argument("--register", choices=["forhandsbedomning_14_dagar", "utredning_4_manader"],
                        metavar="UPPGIFT", help="registeruppgiften som avvek: forhandsbedomning_14_dagar "
                                                "eller utredning_4_manader (med --tertial)")
    source.add_argument("--typ", choices=["avvikelse", "klagomal", "lex_sarah"], metavar="TYP",
                        help="avvikelse, klagomal eller lex_sarah (med --beskrivning)")
    new_action.add_argument("--fraga", default=None, metavar="FRÅGA",
                            help="frågan som avvek, eller (med --typ och --checklist) frågan som ska visa "
                                 "effekten")
    new_action.add_argument("--checklist", default=None, metavar="ID",
                            help="med --typ: checklistan vars fråga (--fraga) ska visa åtgärdens effekt")
    new_action.add_argument("--tertial", default=None, metavar="TERTIAL",
                            help="med --register: t.ex. 2026-T1")
    new_action.add_argument("--beskrivning", default=None, metavar="TEXT", help="med --typ: vad som hände")
    new_action.add_argument("--orsak", default=None, metavar="TEXT", help="orsaksanalysen")
    new_action.add_argument("--atgard", required=True, metavar="TEXT", help="vad som ska göras")
    new_action.add_argument("--ansvarig", required=True, metavar="NAMN", help="vem som ansvarar")
    new_action.add_argument("--klar-senast", type=_any_day, required=True, metavar="DATUM",
                            help="sista dag (ÅÅÅÅ-MM-DD eller D/M/ÅÅÅÅ)")
    new_action.add_argument("--beslutad", type=_any_day, default=None, metavar="DATUM",
                            help="dagen åtgärden beslutades (standard: --per-datum eller i dag)")
    new_action.set_defaults(run=_run_action_new)
    action_list = action_verbs.add_parser("lista", help="visa åtgärdsplanen med status (försenad ...)")
    action_list.set_defaults(run=_run_action_list)
    status = action_verbs.add_parser("status", help="sätt status planerad, pågår eller genomförd")
    status.add_argument("id", type=int, metavar="ID", help="åtgärdens id")
    status.add_argument("status", choices=["planerad", "pågår", "genomförd"], metavar="STATUS",
                        help="planerad, pågår eller genomförd (effekten sätts med uppfolj)")
    _revision_option(status, "åtgärden")
    status.set_defaults(run=_run_action_status)
    follow = action_verbs.add_parser("uppfolj", help="följ upp effekten mot en senare granskning eller "
                                                      "registerperiod")
    follow.add_argument("id", type=int, metavar="ID", help="åtgärdens id")
    later = follow.add_mutually_exclusive_group()
    later.add_argument("--granskning", default=None, metavar="ID",
                       help="den senare granskningen (standard: den senaste som mäter samma fråga)")
    later.add_argument("--tertial", default=None, metavar="TERTIAL",
                       help="för en registeruppgift: det senare tertialet (standard: det senaste avslutade)")
    follow.add_argument("--ej-uppnadd", action="store_true",
                        help="markera effekt ej uppnådd (vägras om siffrorna visar effekten)")
    follow.add_argument("--bara-visa", action="store_true", help="visa jämförelsen utan att spara något")
    _revision_option(follow, "åtgärden")
    follow.set_defaults(run=_run_action_follow_up)

    risk = verbs.add_parser("risk", help="riskanalysen: risker med sannolikhet, konsekvens och åtgärder")
    risk_verbs = _loop_parts(risk)
    new_risk = risk_verbs.add_parser("ny", help="lägg till en risk")
    new_risk.add_argument("--rubrik", required=True, metavar="TEXT", help="risken i några ord")
    new_risk.add_argument("--sannolikhet", type=_scale_step, required=True, metavar="1-4")
    new_risk.add_argument("--konsekvens", type=_scale_step, required=True, metavar="1-4")
    new_risk.add_argument("--beskrivning", default=None, metavar="TEXT")
    new_risk.add_argument("--ansvarig", default=None, metavar="NAMN")
    new_risk.add_argument("--checklist", default=None, metavar="ID", help="checklistan som bevakar risken")
    new_risk.add_argument("--fraga", default=None, metavar="FRÅGA", help="frågan som bevakar risken")
    new_risk.add_argument("--register", choices=["forhandsbedomning_14_dagar", "utredning_4_manader"],
                          default=None, metavar="UPPGIFT", help="registeruppgiften som bevakar risken")
    new_risk.add_argument("--atgard", type=int, action="append", default=[], metavar="ID",
                          help="en åtgärd som hanterar risken (kan anges flera gånger)")
    new_risk.set_defaults(run=_run_risk_new)
    risk_list = risk_verbs.add_parser("lista", help="visa riskerna, den högsta först, och riskmatrisen")
    risk_list.set_defaults(run=_run_risk_list)

    for listing_verb in (listing, action_list, risk_list):
        listing_verb.add_argument("--json", action="store_true", help="skriv ut som JSON")
    for dated in (new_action, listing, action_list, follow):
        dated.add_argument("--per-datum", type=_any_day, default=None, metavar="DATUM",
                           help="dagen status och tidsfrister bedöms per (standard: i dag)")


def _loop_parts(verb: argparse.ArgumentParser) -> Any:
    """The sub-verbs of a loop verb (``arsplan ny``, ``atgard status`` ...)."""
    return verb.add_subparsers(dest="loop_verb", required=True, metavar="DEL", parser_class=_SwedishParser)


def _revision_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--revision N``: the version of *what* ("raden", "åtgärden") a change starts from."""
    parser.add_argument("--revision", type=int, default=None, metavar="N",
                        help=f"versionen du utgår från (ändringen vägras om {what} har ändrats sedan)")


def _add_workspace_options(parser: argparse.ArgumentParser, default: Any) -> None:
    """--workspace and --ny; on a verb they default to SUPPRESS, so that they do not undo the same flag
    given before the verb."""
    parser.add_argument(
        "--workspace", type=Path, default=default, metavar="MAPP",
        help=f"arbetsytans mapp (standard: $EGENKONTROLL_WORKSPACE eller ./{DEFAULT_WORKSPACE})",
    )
    parser.add_argument("--ny", action="store_true", default=False if default is None else default,
                        help="skapa arbetsytan om den inte finns (import och demo gör det alltid)")


def _rate(text: str) -> float:
    """A rate from "5%", "5 %", "0,05" or "0.05"; a bare number above 1 (``10``) asks for ``10%``."""
    cleaned = text.strip().replace(",", ".")
    try:
        rate = float(cleaned[:-1].strip()) / 100 if cleaned.endswith("%") else float(cleaned)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' är inte en andel (skriv t.ex. 5% eller 0.05)") from None
    if not cleaned.endswith("%") and rate > 1:
        raise argparse.ArgumentTypeError(f"'{text}' är ingen andel mellan 0 och 1; menar du {text} %? "
                                         f"Skriv {text}% (eller {rate / 100:g})")
    return rate


def _period(text: str) -> str:
    """A period that can be typed: a year or a tertial."""
    try:
        parse_period(text)
    except SessionError:
        raise argparse.ArgumentTypeError(f"'{text}' är ingen period; skriv ett år (t.ex. 2026) eller ett "
                                         "tertial (2026-T1, 2026-T2 eller 2026-T3)") from None
    return text.strip()


def _year(text: str) -> int:
    """A year given as four digits."""
    if not re.fullmatch(r"\s*(19|20)\d\d\s*", text):
        raise argparse.ArgumentTypeError(f"'{text}' är inget år (skriv fyra siffror, t.ex. 2026)")
    return int(text)


def _day(text: str) -> dt.date:
    """A date given as YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        message = f"'{text}' är inget datum (skriv ÅÅÅÅ-MM-DD, t.ex. 2026-10-31)"
        raise argparse.ArgumentTypeError(message) from None


def _any_day(text: str) -> dt.date:
    """A date given as ÅÅÅÅ-MM-DD or D/M/ÅÅÅÅ (the day first, as in Sweden)."""
    day = parse_day(text)
    if day is None:
        message = (f"'{text}' är inget datum (skriv ÅÅÅÅ-MM-DD eller D/M/ÅÅÅÅ, t.ex. 2026-10-31 eller "
                   "31/10/2026)")
        raise argparse.ArgumentTypeError(message)
    return day


def _scale_step(text: str) -> int:
    """A step 1-4 of the risk scales."""
    if text.strip() not in ("1", "2", "3", "4"):
        raise argparse.ArgumentTypeError(f"'{text}' är inget steg på skalan; skriv 1, 2, 3 eller 4")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help, or a usage error already printed in Swedish
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    run: Callable[[argparse.Namespace], int] = args.run
    previous_umask = os.umask(PRIVATE_UMASK)
    try:
        return run(args)
    except (KeyboardInterrupt, BrokenPipeError):  # Ctrl-C, or the output piped into e.g. `head`
        sys.stderr.close()
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the last line of defence: no traceback in front of a user
        message = _boundary.CLI.message(error, workspace_folder(args.workspace))
        print(f"egenkontroll: {message}", file=sys.stderr)
        return EXIT_USAGE if _boundary.is_expected(error) else EXIT_UNEXPECTED
    finally:
        os.umask(previous_umask)


def _workspace(args: argparse.Namespace) -> Workspace:
    return Workspace.open(_workspace_in_use(args))


def _workspace_in_use(args: argparse.Namespace) -> Path:
    """The workspace folder the command works in, said on stderr when not named with --workspace.

    Raises
    ------
    WorkspaceError
        When there is no workspace there, unless the verb creates one (import, demo) or --ny is given:
        a command run from another folder must not silently start a second, empty workspace.
    """
    folder = workspace_folder(args.workspace)
    if args.workspace is None:
        source = "EGENKONTROLL_WORKSPACE" if os.environ.get("EGENKONTROLL_WORKSPACE") else "standard"
        print(f"egenkontroll: arbetsytan är {folder.resolve()} ({source}; välj en annan med --workspace)",
              file=sys.stderr)
    creating = args.verb in CREATING_VERBS or args.ny or folder.is_file()  # a file: Workspace.open says so
    if not creating and not _holds_workspace(folder):
        raise WorkspaceError(
            f"Det finns ingen arbetsyta i {folder.resolve()}. Ange den du menar med --workspace MAPP (eller "
            "miljövariabeln EGENKONTROLL_WORKSPACE), skapa den genom att läsa in ett register med "
            "`egenkontroll import FIL`, eller skapa en tom arbetsyta där med --ny.")
    return folder


def _holds_workspace(folder: Path) -> bool:
    """Whether *folder* is a workspace already (its database file, or its key beside a database server)."""
    if os.environ.get("EGENKONTROLL_DATABASE_URL"):
        return folder.is_dir() and any(folder.iterdir())
    return (folder / DATABASE_FILE).is_file()


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _run_import(args: argparse.Namespace) -> int:
    with _workspace(args) as workspace:
        limits = Limits(max_megabytes=args.max_megabytes, max_cells=args.max_cells,
                        max_columns=args.max_columns, max_ratio=args.max_ratio)
        print(workspace.import_register(args.file, profile=args.profile, limits=limits))
    return EXIT_OK


def _run_profile_draft(args: argparse.Namespace) -> int:
    from egenkontroll import profile_draft

    target = Path(f"{args.namn}.yaml")
    if target.exists() and not args.skriv_over:
        raise UserError(f"{target.resolve()} finns redan och skrivs inte över; välj ett annat --namn eller "
                        "lägg till --skriv-over.")
    draft = profile_draft.draft_profile(args.file, name=args.namn)
    target.write_text(draft.text, encoding="utf-8")
    print(f"Skrev ett utkast till importprofil: {target.resolve()}")
    print("\n".join(draft.summary()))
    print(f"Rätta utkastet och läs sedan in med: egenkontroll import {args.file} --profile {args.namn}")
    return EXIT_OK


def _run_status(args: argparse.Namespace) -> int:
    with _workspace(args) as workspace:
        status = workspace.status()
    if args.json:
        _print_json(status)
    else:
        print(_format_status(status))
    return EXIT_OK


def _format_status(status: dict[str, Any]) -> str:
    """``status`` for people: Swedish labels (case types as words, "uppgift saknas" for empty values)."""
    lines = [f"Arbetsyta: {Path(status['arbetsyta']).resolve()}", f"Ärenden: {status['arenden']}"]
    last = status.get("senaste_inlasning")
    if last:
        lines.append(f"Senaste inläsning: {last['file']} {last['imported_at'][:10]} av {last['imported_by']} "
                     f"(profil {last['profile']}): {last['rows']} ärenden, {last['new']} nya, "
                     f"{last['changed']} ändrade, {last['unchanged']} oförändrade")
    for title, key in (("Ärenden per enhet", "per_enhet"), ("Ärenden per ärendetyp", "per_arendetyp"),
                       ("Ärenden per år då de kom in", "per_ar")):
        lines.append(f"{title}:")
        lines.extend(f"  {_status_label(name)}: {count}" for name, count in status[key].items())
    lines.append(f"Granskningar: {len(status['granskningar'])}")
    lines.extend(f"  {session['id']}: {session['titel']} ({session['klara']} av {session['n']} akter klara"
                 + (f"; kontrollgranskning av {session['kontroll_av']})" if "kontroll_av" in session else ")")
                 for session in status["granskningar"])
    lines.extend(f"Varning: {warning}" for warning in status["varningar"])
    return "\n".join(lines)


def _status_label(name: str) -> str:
    return "uppgift saknas" if name in ("None", "nan", "") else CASE_TYPE_LABELS.get(name, name)


def _run_plan(args: argparse.Namespace) -> int:
    advice = planning.advise(tolerable=args.tolerable, margin=args.margin, confidence=args.confidence,
                             expected=args.expected, population=args.population)
    if args.json:
        _print_json({"n": advice.n, "metod": advice.method, "forklaring": advice.explanation})
    else:
        print(advice.explanation)
    return EXIT_OK


def _run_sample(args: argparse.Namespace) -> int:
    with _workspace(args) as workspace:
        _check_strata_column(workspace, args.strata)
        period = _planned_period(workspace, args)
        session = workspace.create_session(args.checklist, n=args.n, seed=args.seed, strata=args.strata,
                                           period=period, title=args.title, minimum=args.minimum)
        plan_row = _link_to_plan(workspace, session, args.plan_rad)
        summary = {"id": session.id, "n": len(session.case_ids), "seed": session.manifest["seed"],
                   "fingeravtryck": session.manifest["fingerprint"], "ram": session.manifest["N"],
                   "strata": {str(s["stratum"]): {"N": s["N"], "n": s["n"]}
                              for s in session.manifest["strata"]},
                   "planrad": plan_row, "arenden": session.case_ids}
    if args.json:
        _print_json(summary)
    else:
        print(f"Granskning {summary['id']} startad med {summary['n']} slumpvis utvalda akter av "
              f"{summary['ram']} ärenden i urvalsramen (frö {summary['seed']}, fingeravtryck "
              f"{summary['fingeravtryck'][:12]}).")
        if args.strata:
            print(f"Per stratum ({args.strata}), akter i urvalet av ärenden i ramen:")
            print("\n".join(f"  {_status_label(label)}: {part['n']} av {part['N']}"
                            for label, part in summary["strata"].items()))
        if plan_row is not None:
            print(f"Granskningen hör till rad {plan_row} i egenkontrollplanen.")
        print("\n".join(summary["arenden"]))
    return EXIT_OK


def _planned_period(workspace: Workspace, args: argparse.Namespace) -> Any:
    """The period to draw: --period, or the plan row's (--plan-rad), checked before anything is drawn."""
    from egenkontroll import checklists, yearplan
    from egenkontroll.errors import LoopError

    if args.plan_rad is None:
        return args.period
    checklist_id = checklists.load(args.checklist).id
    bounds = yearplan.checked_row_for_draw(workspace.engine, args.plan_rad, checklist_id)
    if args.period is not None and parse_period(args.period) != bounds:
        raise LoopError(f"Planraden {args.plan_rad} gäller perioden {bounds[0]} – {bounds[1]}, inte "
                        f"{args.period}. Utelämna --period så används radens.")
    return bounds


def _link_to_plan(workspace: Workspace, session: Any, plan_row: int | None) -> int | None:
    """Link *session* to the plan row given, or else to the one unlinked row of its checklist and period;
    returns the row linked (None: no row, or several, which is said)."""
    from egenkontroll import yearplan

    if plan_row is None:
        matching = yearplan.matching_rows(workspace.engine, session.checklist.id, session.period)
        if len(matching) > 1:
            print(f"egenkontroll: planraderna {', '.join(map(str, matching))} passar alla granskningen; "
                  "ingen kopplades. Koppla med --plan-rad nästa gång.", file=sys.stderr)
        plan_row = matching[0] if len(matching) == 1 else None
    if plan_row is not None:
        yearplan.link_session(workspace.engine, plan_row, session.id)
    return plan_row


def _check_strata_column(workspace: Workspace, column: str | None) -> None:
    """An unknown --strata column is an error listing the columns that exist; empty values are told."""
    if column is None:
        return
    cases = workspace.cases()
    if column not in cases.columns:
        existing = ", ".join(c for c in cases.columns if c not in ("arende_id", "person_id"))
        raise SessionError(f"Registret har ingen kolumn '{column}'. Kolumner att stratifiera på: {existing}.")
    empty = int(cases[column].isna().sum() + (cases[column].astype(str).str.strip() == "").sum())
    if empty:
        print(f"egenkontroll: {empty} av {len(cases)} ärenden saknar {column}; de bildar ett eget stratum, "
              f"'{MISSING_STRATUM}' (fyll i {column} i registret och läs in det igen för att dela upp dem).",
              file=sys.stderr)


def _run_verify(args: argparse.Namespace) -> int:
    with _workspace(args) as workspace:
        verification = workspace.session(args.session).verify()
    print(f"Urvalet i {args.session} går att återskapa: samma ärenden kommer ut igen.")
    if verification.frame_changed:
        print("Registret har dock ändrats sedan urvalet (ramen är inte densamma):")
        print("\n".join(f"- {line}" for line in verification.changes))
    else:
        print("Ramen är oförändrad sedan urvalet.")
    return EXIT_OK


def _run_control(args: argparse.Namespace) -> int:
    with _workspace(args) as workspace:
        control = workspace.create_control_session(args.session, k=args.antal, seed=args.seed,
                                                   title=args.title)
        summary = {"id": control.id, "granskning": control.parent_id, "k": len(control.case_ids),
                   "seed": control.manifest["seed"], "fingeravtryck": control.manifest["fingerprint"],
                   "ram": control.manifest["N"], "arenden": control.case_ids}
    if args.json:
        _print_json(summary)
    else:
        print(f"Kontrollgranskning {summary['id']} startad med {summary['k']} slumpvis utvalda akter av "
              f"de {summary['ram']} i granskningen {summary['granskning']} (frö {summary['seed']}, "
              f"fingeravtryck {summary['fingeravtryck'][:12]}).")
        print("Låt en andra granskare öppna den i granskningsappen (egenkontroll review); appen visar inte "
              "den första granskarens svar. Jämför sedan med: egenkontroll samstammighet "
              f"{summary['granskning']}")
        print("\n".join(summary["arenden"]))
    return EXIT_OK


def _run_agreement(args: argparse.Namespace) -> int:
    from egenkontroll import agreement

    with _workspace(args) as workspace:
        report = agreement.for_granskning(workspace.engine, args.session)
    if args.json:
        _print_json(report.to_json())
    else:
        print(_agreement_text(report))
    return EXIT_OK


def _agreement_text(report: Any) -> str:
    """``samstammighet`` for people: one block per item, the lowest agreement first, within
    :data:`TABLE_WIDTH` columns."""
    from egenkontroll import agreement

    reviewers = " mot ".join(", ".join(names) or "ingen ännu"
                             for names in (report.first_reviewers, report.second_reviewers))
    lines = textwrap.wrap(f"Samstämmighet mellan granskningen {report.session} och kontrollgranskningen "
                          f"{report.control} ({report.sampled} av {report.parent_sampled} akter, frö "
                          f"{report.seed}; granskare {reviewers}).", TABLE_WIDTH, break_on_hyphens=False)
    lines.append(f"Ärenden som båda har granskat: {report.compared}. Frågorna med lägst samstämmighet först.")
    if not report.items:
        lines.append("Ingen fråga har ännu besvarats i båda granskningarna.")
    for number, item in enumerate(report.items, 1):
        shown = agreement.figure_texts(item)
        figures = [f"{item.agreed} av {item.n} överens: {shown['Andel överens']} "
                   f"({shown['Intervall (andel)']})"]
        for name, column in (("kappa", "Kappa"), ("AC1", "AC1")):
            interval = shown[f"Intervall ({name})"]
            figures.append(f"{name} {shown[column]}" + (f" ({interval})" if interval else ""))
        lines += ["", *textwrap.wrap(f"{number}. {item.item_text} ({item.checklist})", TABLE_WIDTH),
                  *_indented("; ".join(figures)), *_indented(item.note)]
        if item.differences:
            differing = agreement.differences_text(item)
            lines += _indented(f"Skiljer sig (första/andra): {differing}")
    return "\n".join(lines)


def _indented(text: str) -> list[str]:
    """*text* wrapped at :data:`TABLE_WIDTH` columns, every line indented by three spaces."""
    return textwrap.wrap(text, TABLE_WIDTH, initial_indent="   ", subsequent_indent="   ")


def _run_results(args: argparse.Namespace) -> int:
    from egenkontroll import results

    day = per_datum(args.per_datum)
    with _workspace(args) as workspace:
        if args.json:
            _print_json(results.results_json(workspace, by=args.by, as_of=day))
        else:
            figures = results.item_results(workspace, by=args.by, as_of=day)
            print(_results_table(results.for_display(figures)))
            for entry in figures.attrs["left_out"]:
                print(entry["reason"])
            print(f"Tidsfristerna är bedömda per {day:%Y-%m-%d}.")
    return EXIT_OK


def _results_table(shown: Any) -> str:
    """The results as a text table that fits :data:`TABLE_WIDTH` columns: one block per checklist and
    group, the question wrapped, and the methods and coverage notes below it instead of in columns."""
    apart = ("Checklista", "Grupp", "Indelning", "Fråga", "Metod", "Täckning")
    figures = [c for c in shown.columns if c not in apart]
    keys = [c for c in ("Checklista", "Grupp") if c in shown.columns]
    blocks = []
    for key, part in shown.groupby(keys, sort=False):
        rows = [[str(v) for v in values] for values in part[figures].itertuples(index=False)]
        widths = [max(len(str(c)), *(len(r[i]) for r in rows)) for i, c in enumerate(figures)]
        question_width = max(20, TABLE_WIDTH - sum(widths) - 2 * len(widths))
        title = " – ".join(str(k) for k in key if k != "Alla")
        header = [f"{'Fråga':<{question_width}}", *(f"{c:>{w}}" for c, w in zip(figures, widths,
                                                                                 strict=True))]
        lines = [f"Checklista {title}", "  ".join(header)]
        for question, row in zip(part["Fråga"], rows, strict=True):
            wrapped = textwrap.wrap(str(question), question_width) or [""]
            cells = "  ".join(f"{v:>{w}}" for v, w in zip(row, widths, strict=True))
            lines.append(f"{wrapped[0]:<{question_width}}  {cells}")
            lines += wrapped[1:]
        notes = [f"Metod: {m}" for m in dict.fromkeys(part.get("Metod", [])) if m]
        notes += [t for t in dict.fromkeys(part.get("Täckning", [])) if t]
        lines += [line for note in notes for line in textwrap.wrap(note, TABLE_WIDTH)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _export_target(args: argparse.Namespace, workspace: Workspace, suffix: str = ".xlsx",
                   kind: str = "exporten är en Excelfil") -> Path:
    """Where ``export`` and ``rapport`` write: a bare file name in the workspace's export/, a path as given;
    a name ending in *suffix* only, and an existing file only with --skriv-over."""
    given = Path(args.file)
    if given.suffix.casefold() != suffix:
        raise UserError(f"{args.file}: {kind} och måste heta något som slutar på {suffix} "
                        f"(t.ex. {given.stem or 'rapport'}{suffix}); en fil av annat slag skrivs inte.")
    target = workspace.export_dir / given if os.sep not in args.file else given
    if target.exists() and not args.skriv_over:
        raise UserError(f"{target} finns redan och skrivs inte över; välj ett annat namn eller lägg till "
                        "--skriv-over.")
    return target


def _run_export(args: argparse.Namespace) -> int:
    from egenkontroll import export

    with _workspace(args) as workspace:
        args.file = _export_target(args, workspace)
        if args.underlag:
            written = export.export_underlag_xlsx(workspace, args.file, period=args.period)
            print(f"Skrev underlaget för kvalitetsutvecklaren till {written}; det innehåller svar per ärende "
                  "och är inte till för ledningsgruppen.")
            return EXIT_OK
        written = export.export_xlsx(workspace, args.file, period=args.period, as_of=args.per_datum)
    print(f"Skrev {written}.")
    return EXIT_OK


def _run_report(args: argparse.Namespace) -> int:
    from egenkontroll import report

    with _workspace(args) as workspace:
        target = _export_target(args, workspace, ".docx", "rapporten är ett Word-dokument")
        written = report.write_report(workspace, target, year=args.ar, template=args.mall,
                                      as_of=args.per_datum)
    print(f"Skrev {written}. Det är ett utkast: läs igenom det, och uppdatera innehållsförteckningen i Word.")
    return EXIT_OK


def _run_plan_new(args: argparse.Namespace) -> int:
    from egenkontroll import yearplan

    with _workspace(args) as workspace:
        row_id = yearplan.add_plan_row(workspace.engine, year=args.ar, checklist=args.checklist,
                                       period=args.period, planned_n=args.n, ansvarig=args.ansvarig,
                                       enhet=args.enhet, deadline=args.klar_senast)
        row = yearplan.plan_status(workspace.engine, args.ar).set_index("id").loc[row_id]
    print(f"Rad {row_id} i egenkontrollplanen {args.ar}: {row['checklist_title']}, {row['period_text']}, "
          f"{args.n} akter, ansvarig {row['ansvarig']}, klar senast {row['deadline']}.")
    return EXIT_OK


def _run_plan_list(args: argparse.Namespace) -> int:
    from egenkontroll import yearplan

    day = per_datum(args.per_datum)
    with _workspace(args) as workspace:
        table = yearplan.plan_status(workspace.engine, args.ar, day)
        years = [args.ar] if args.ar else sorted(set(table["year"]))
        summaries = [yearplan.plan_summary(workspace.engine, year, day).text for year in years]
    if args.json:
        _print_json({"per_datum": day.isoformat(), "sammanfattning": summaries,
                     "rader": table.to_dict("records")})
        return EXIT_OK
    print("\n".join(summaries) or "Egenkontrollplanen är tom.")
    for row in table.to_dict("records"):
        drawn = (f"{row['reviewed']} av {row['drawn']} akter granskade i granskningen {row['session_id']}"
                 if row["session_id"] else "ingen granskning dragen")
        where = f", {row['enhet']}" if row["enhet"] else ""
        print(f"  {row['id']}. {row['checklist_title']} {row['period_text']}{where}: {row['planned_n']} "
              f"akter, ansvarig {row['ansvarig']}, klar senast {row['deadline']}: {row['status']} ({drawn})")
    print(f"Status per {day:%Y-%m-%d}.")
    return EXIT_OK


def _run_plan_remove(args: argparse.Namespace) -> int:
    from egenkontroll import yearplan

    with _workspace(args) as workspace:
        yearplan.remove_plan_row(workspace.engine, args.id, args.revision)
    print(f"Rad {args.id} är borttagen ur egenkontrollplanen (ändringen är loggad).")
    return EXIT_OK


def _run_action_new(args: argparse.Namespace) -> int:
    from egenkontroll import actions

    _require_together(args, "granskning", "fraga", "--granskning kräver --fraga")
    _require_together(args, "register", "tertial", "--register kräver --tertial")
    _require_together(args, "typ", "beskrivning", "--typ kräver --beskrivning")
    with _workspace(args) as workspace:
        action_id = actions.add_action(
            workspace.engine, kind=args.typ, session=args.granskning, item=args.fraga,
            checklist=args.checklist, indicator=args.register, indicator_period=args.tertial,
            deviation=args.beskrivning, cause=args.orsak, action=args.atgard, ansvarig=args.ansvarig,
            deadline=args.klar_senast, opened=args.beslutad or per_datum(args.per_datum))
    print(f"Åtgärd {action_id} är tillagd i åtgärdsplanen (status planerad, klar senast {args.klar_senast}).")
    return EXIT_OK


def _require_together(args: argparse.Namespace, given: str, needed: str, message: str) -> None:
    """UserError (exit 2) when the flag *given* is used without the flag *needed*."""
    if getattr(args, given) is not None and getattr(args, needed) is None:
        raise UserError(f"{message}; inget sparades.")


def _run_action_list(args: argparse.Namespace) -> int:
    from egenkontroll import actions

    day = per_datum(args.per_datum)
    with _workspace(args) as workspace:
        table = actions.actions_table(workspace.engine, day)
    if args.json:
        _print_json({"per_datum": day.isoformat(), "atgarder": table.to_dict("records")})
        return EXIT_OK
    overdue = int(table["overdue"].sum())
    late = f", {overdue} försenad{'e' if overdue > 1 else ''}" if overdue else ""
    print(f"Åtgärdsplan per {day:%Y-%m-%d}: {len(table)} åtgärd{'er' if len(table) != 1 else ''}{late}")
    for row in table.to_dict("records"):
        print(f"  {row['id']}. [{row['shown_status']}] {row['source_text']}")
        details = [f"Åtgärd: {row['action']}", f"ansvarig {row['ansvarig']}",
                   f"klar senast {row['deadline']}"]
        lines = ["; ".join(details)] + ([f"Orsak: {row['cause']}"] if row["cause"] else [])
        lines += [f"Effekt bedömd mot {row['effect_text']}"] if row["effect_source"] else []
        print("\n".join(line for text in lines for line in _indented(text)))
    return EXIT_OK


def _run_action_status(args: argparse.Namespace) -> int:
    from egenkontroll import actions

    with _workspace(args) as workspace:
        revision = actions.set_status(workspace.engine, args.id, args.status, expected_revision=args.revision)
    print(f"Åtgärd {args.id} har status {args.status} (version {revision}).")
    return EXIT_OK


def _run_action_follow_up(args: argparse.Namespace) -> int:
    from egenkontroll import effect

    later = args.granskning or args.tertial
    with _workspace(args) as workspace:
        if args.bara_visa:
            print(effect.follow_up(workspace.engine, args.id, later=later, as_of=args.per_datum).text())
            return EXIT_OK
        result = effect.record_follow_up(workspace.engine, args.id, later=later, achieved=not args.ej_uppnadd,
                                         as_of=args.per_datum, expected_revision=args.revision)
    print(result.text())
    status = "effekt ej uppnådd" if args.ej_uppnadd else "effekt uppnådd"
    print(f"Åtgärd {args.id} har status {status}.")
    return EXIT_OK


def _run_risk_new(args: argparse.Namespace) -> int:
    from egenkontroll import risks

    with _workspace(args) as workspace:
        risk_id = risks.add_risk(workspace.engine, title=args.rubrik, sannolikhet=args.sannolikhet,
                                 konsekvens=args.konsekvens, description=args.beskrivning,
                                 ansvarig=args.ansvarig, checklist=args.checklist, item=args.fraga,
                                 indicator=args.register, actions=args.atgard)
    value = args.sannolikhet * args.konsekvens
    print(f"Risk {risk_id} är tillagd: riskvärde {value} ({risks.band(value)}).")
    return EXIT_OK


def _run_risk_list(args: argparse.Namespace) -> int:
    from egenkontroll import risks

    with _workspace(args) as workspace:
        table, matrix = risks.risks_table(workspace.engine), risks.risk_matrix(workspace.engine)
    if args.json:
        _print_json({"risker": [{**row, "actions": list(row["actions"])} for row in table.to_dict("records")],
                     "matris": {str(k): {str(s): int(n) for s, n in row.items()}
                                for k, row in matrix.iterrows()}})
        return EXIT_OK
    print(f"Riskanalys: {len(table)} risk{'er' if len(table) != 1 else ''}, den högsta först (riskvärde = "
          "sannolikhet × konsekvens).")
    for row in table.to_dict("records"):
        print(f"  {row['id']}. {row['band']} ({row['value']} = {row['sannolikhet']} × {row['konsekvens']}): "
              f"{row['title']}")
        notes = ([f"Bevakas av {row['watched_by']}"] if row["watched_by"] else [])
        notes += [f"Åtgärder: {', '.join(map(str, row['actions']))}"] if row["actions"] else []
        for line in (line for note in notes for line in _indented(note)):
            print(line)
    print("Riskmatris (antal risker; rader konsekvens 4–1, kolumner sannolikhet 1–4):")
    for konsekvens, row in matrix.iterrows():
        print(f"  {konsekvens} | " + " ".join(f"{count:>2}" for count in row))
    return EXIT_OK


def _serve_notebook(args: argparse.Namespace, notebook: str,
                    keep_ready: Callable[[], object] | None = None) -> int:
    workspace = _workspace_in_use(args)
    Workspace.open(workspace).close()
    server.check_port(args.port)
    token = "" if args.no_token else server.new_token()
    command = server.voila_command(notebook, port=args.port, open_browser=not args.no_browser)
    print(NO_TOKEN_WARNING if args.no_token else TOKEN_NOTICE)
    print(server.address(args.port, token), flush=True)
    return server.serve(command, workspace, keep_ready=keep_ready, per_datum=args.per_datum, token=token)


def _run_review(args: argparse.Namespace) -> int:
    return _serve_notebook(args, "02_granskning.ipynb")


def _run_dashboard(args: argparse.Namespace) -> int:
    print("Förbereder instrumentpanelens startvy ...", flush=True)
    from egenkontroll import dashboard

    return _serve_notebook(args, "dashboard.ipynb", dashboard.KeepReady(args.workspace, args.per_datum))


def _run_lab(args: argparse.Namespace) -> int:
    workspace = _workspace_in_use(args)
    Workspace.open(workspace).close()
    notebooks = server.notebook_copies(workspace / LAB_FOLDER)
    print(f"egenkontroll: anteckningsböckerna öppnas från {notebooks} (din egen kopia).", flush=True)
    server.check_port(args.port)
    command = server.lab_command(port=args.port, open_browser=not args.no_browser, notebook_dir=notebooks)
    if server.ALLOW_ROOT in command:
        print("egenkontroll: körs som root (vanligt på servrar och i containrar); JupyterLab startas ändå.",
              flush=True)
    return server.serve(command, workspace)


def _build_demo(folder: Path, database_url: str | None = None) -> None:
    """Fill the workspace in *folder* with the demo register and simulated reviews unless it has cases."""
    from egenkontroll import demo, simulate

    with Workspace.open(folder, database_url=database_url) as workspace:
        if workspace.status()["arenden"] == 0:
            export = workspace.export_dir / DEMO_EXPORT
            demo.write_export_xlsx(demo.generate_register(), export)
            print(workspace.import_register(export))
            sessions = simulate.simulate_reviews(workspace)
            print(f"Skapade {len(sessions)} simulerade granskningar.")
            demo.build_loop(workspace)
            print("Skapade egenkontrollplan, åtgärdsplan och riskanalys.")
        else:
            print(f"Demo-arbetsytan {workspace.path} finns redan; den används som den är.")


def _run_demo(args: argparse.Namespace) -> int:
    from egenkontroll import demo

    _build_demo(_workspace_in_use(args))
    if args.no_serve:
        return EXIT_OK
    args.per_datum = args.per_datum or demo.EXPORT_DATE  # the demo's story stays the same on any day
    return _run_dashboard(args)


def _run_hub(args: argparse.Namespace) -> int:
    from egenkontroll import _hubstart, demo

    if not args.demo:  # the configuration names the workspace
        return _hubstart.run_configured(args.config, workspace_folder(args.workspace))
    folder = _workspace_in_use(args)
    server.check_port(args.port)
    with _hubstart.demo_database() as database_url:
        _build_demo(folder, database_url)
        return _hubstart.run_demo(folder, database_url, port=args.port, open_browser=not args.no_browser,
                                  per_datum=demo.EXPORT_DATE)


if __name__ == "__main__":
    sys.exit(main())
