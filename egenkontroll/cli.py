"""The command line: ``egenkontroll [--workspace DIR] VERB``.

Exit codes: 0 success, 2 bad input or usage (a Swedish message, never a traceback), 1 unexpected error
(the traceback goes to ``fel.log`` in the workspace, not to the screen; see :mod:`egenkontroll._boundary`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from egenkontroll import _boundary, planning, server
from egenkontroll._filelimits import DEFAULT_LIMITS, Limits
from egenkontroll._location import workspace_folder
from egenkontroll.perdatum import per_datum
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


class _SwedishParser(argparse.ArgumentParser):
    """argparse with usage errors that exit 2 with a Swedish lead."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"egenkontroll: fel i kommandot: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every verb."""
    parser = _SwedishParser(prog="egenkontroll", description="Egenkontroll och journalgranskning.")
    parser.add_argument(
        "--workspace", type=Path, default=None,
        help=f"arbetsytans mapp (standard: $EGENKONTROLL_WORKSPACE eller ./{DEFAULT_WORKSPACE})",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="KOMMANDO", parser_class=_SwedishParser)

    imp = verbs.add_parser("import", help="läs in ett ärenderegister (xlsx eller csv)")
    imp.add_argument("file", type=Path, metavar="FIL")
    imp.add_argument("--profile", default=None, help="importprofil (namn eller sökväg till YAML)")
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

    status = verbs.add_parser("status", help="visa vad arbetsytan innehåller")
    status.add_argument("--json", action="store_true", help="skriv ut som JSON")
    status.set_defaults(run=_run_status)

    plan = verbs.add_parser("plan", help="räkna ut hur många akter som behöver granskas")
    plan.add_argument("--tolerable", type=_rate, help="högsta godtagbara avvikelsefrekvens, t.ex. 5%%")
    plan.add_argument("--margin", type=_rate, help="önskad felmarginal, t.ex. 5%%")
    plan.add_argument("--confidence", type=_rate, default=0.95, help="säkerhet (standard 95%%)")
    plan.add_argument("--expected", type=_rate, default=0.0, help="förväntad avvikelsefrekvens (standard 0)")
    plan.add_argument("--population", type=int, default=None, help="antal ärenden att dra ur")
    plan.add_argument("--json", action="store_true", help="skriv ut som JSON")
    plan.set_defaults(run=_run_plan)

    sample = verbs.add_parser("sample", help="dra ett slumpmässigt urval och starta en granskning")
    sample.add_argument("--checklist", required=True, help="checklista (id eller sökväg till YAML)")
    sample.add_argument("--n", type=int, required=True, help="antal akter")
    sample.add_argument("--seed", type=int, default=None, help="frö (slumpas och sparas om det utelämnas)")
    sample.add_argument("--strata", default=None, help="stratifiera på kolumn, t.ex. enhet")
    sample.add_argument("--minimum", type=int, default=None,
                        help="minst så många akter per stratum (standard 1 när urvalet stratifieras)")
    sample.add_argument("--period", default=None, help="t.ex. 2026, 2026-T1")
    sample.add_argument("--title", default=None)
    sample.add_argument("--json", action="store_true", help="skriv ut som JSON")
    sample.set_defaults(run=_run_sample)

    verify = verbs.add_parser("verify", help="kontrollera att ett urval går att återskapa")
    verify.add_argument("session", metavar="GRANSKNING", help="granskningens id")
    verify.set_defaults(run=_run_verify)

    results = verbs.add_parser("results", help="visa resultat med konfidensintervall")
    results.add_argument("--json", action="store_true", help="skriv ut som JSON")
    results.add_argument("--by", choices=["enhet", "arendetyp", "kon", "tertial", "ar"],
                         help="dela upp resultaten efter enhet, ärendetyp, kön, tertial eller år")
    results.set_defaults(run=_run_results)

    export = verbs.add_parser("export", help="exportera resultaten till Excel")
    export.add_argument("file", type=Path, metavar="FIL.xlsx")
    export.add_argument("--period", default=None)
    export.add_argument("--underlag", action="store_true",
                        help="skriv i stället underlaget för kvalitetsutvecklaren: ett svar per ärende och "
                             "fråga, också för små grupper (inte för ledningsgruppen)")
    export.set_defaults(run=_run_export)

    for computing in (results, export):
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
        serving.add_argument("--port", type=int, default=DEFAULT_PORTS[verb])
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
    return parser


def _rate(text: str) -> float:
    """A rate from "5%", "5 %", "0,05" or "0.05"."""
    cleaned = text.strip().replace(",", ".")
    try:
        if cleaned.endswith("%"):
            return float(cleaned[:-1].strip()) / 100
        return float(cleaned)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' är inte en andel (skriv t.ex. 5% eller 0.05)") from None


def _day(text: str) -> dt.date:
    """A date given as YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        message = f"'{text}' är inget datum (skriv ÅÅÅÅ-MM-DD, t.ex. 2026-10-31)"
        raise argparse.ArgumentTypeError(message) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
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
    return Workspace.open(args.workspace)


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _run_import(args: argparse.Namespace) -> int:
    with _workspace(args) as workspace:
        limits = Limits(max_megabytes=args.max_megabytes, max_cells=args.max_cells,
                        max_columns=args.max_columns, max_ratio=args.max_ratio)
        print(workspace.import_register(args.file, profile=args.profile, limits=limits))
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
    lines = [f"Arbetsyta: {status['arbetsyta']}", f"Ärenden: {status['arenden']}"]
    for title, key in (("Per enhet", "per_enhet"), ("Per ärendetyp", "per_arendetyp"), ("Per år", "per_ar")):
        lines.append(f"{title}:")
        lines.extend(f"  {name}: {count}" for name, count in status[key].items())
    lines.append(f"Granskningar: {len(status['granskningar'])}")
    lines.extend(f"  {session['id']}: {session['titel']}" for session in status["granskningar"])
    lines.extend(f"Varning: {warning}" for warning in status["varningar"])
    return "\n".join(lines)


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
        session = workspace.create_session(args.checklist, n=args.n, seed=args.seed, strata=args.strata,
                                           period=args.period, title=args.title, minimum=args.minimum)
        summary = {"id": session.id, "n": len(session.case_ids), "seed": session.manifest["seed"],
                   "fingeravtryck": session.manifest["fingerprint"], "arenden": session.case_ids}
    if args.json:
        _print_json(summary)
    else:
        print(f"Granskning {summary['id']} startad med {summary['n']} slumpvis utvalda akter "
              f"(frö {summary['seed']}, fingeravtryck {summary['fingeravtryck'][:12]}).")
        print("\n".join(summary["arenden"]))
    return EXIT_OK


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


def _run_results(args: argparse.Namespace) -> int:
    from egenkontroll import results

    day = per_datum(args.per_datum)
    with _workspace(args) as workspace:
        if args.json:
            _print_json(results.results_json(workspace, by=args.by, as_of=day))
        else:
            figures = results.item_results(workspace, by=args.by, as_of=day)
            print(results.for_display(figures).to_string(index=False))
            for entry in figures.attrs["left_out"]:
                print(entry["reason"])
            print(f"Tidsfristerna är bedömda per {day:%Y-%m-%d}.")
    return EXIT_OK


def _run_export(args: argparse.Namespace) -> int:
    from egenkontroll import export

    with _workspace(args) as workspace:
        if args.underlag:
            written = export.export_underlag_xlsx(workspace, args.file, period=args.period)
            print(f"Skrev underlaget för kvalitetsutvecklaren till {written}; det innehåller svar per ärende "
                  "och är inte till för ledningsgruppen.")
            return EXIT_OK
        written = export.export_xlsx(workspace, args.file, period=args.period, as_of=args.per_datum)
    print(f"Skrev {written}.")
    return EXIT_OK


def _serve_notebook(args: argparse.Namespace, notebook: str,
                    keep_ready: Callable[[], object] | None = None) -> int:
    workspace = workspace_folder(args.workspace)
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
    workspace = workspace_folder(args.workspace)
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
        else:
            print(f"Demo-arbetsytan {workspace.path} finns redan; den används som den är.")


def _run_demo(args: argparse.Namespace) -> int:
    from egenkontroll import demo

    _build_demo(workspace_folder(args.workspace))
    if args.no_serve:
        return EXIT_OK
    args.per_datum = args.per_datum or demo.EXPORT_DATE  # the demo's story stays the same on any day
    return _run_dashboard(args)


def _run_hub(args: argparse.Namespace) -> int:
    from egenkontroll import _hubstart, demo

    folder = workspace_folder(args.workspace)
    if not args.demo:
        return _hubstart.run_configured(args.config, folder)
    server.check_port(args.port)
    with _hubstart.demo_database() as database_url:
        _build_demo(folder, database_url)
        return _hubstart.run_demo(folder, database_url, port=args.port, open_browser=not args.no_browser,
                                  per_datum=demo.EXPORT_DATE)


if __name__ == "__main__":
    sys.exit(main())
