"""The review app's model, without widgets: what the gruppledare sees and does, as plain data.

:class:`StartModel` lists sessions and creates new ones (with a sample size planned by
:func:`egenkontroll.planning.advise`); :class:`ReviewModel` walks through the
sampled cases of one session, saves every answer at once and reports what happened in one Swedish
status line. The widgets in :mod:`egenkontroll.review` only bind to these objects.

The quality loop (issue 20) reaches the app in two places: the start screen offers the granskningar of
this year's egenkontrollplan first (:meth:`StartModel.planned`, :meth:`StartModel.start_planned`: the
drawn ones not yet finished, then the rows not yet drawn), and from the summary a gruppledare creates an
åtgärd for an item that fell short (:meth:`ReviewModel.shortfalls`, :meth:`ReviewModel.create_action`).

Nothing here returns a personnummer or ``person_id``: the case card holds the arende_id, the
enhet, the case type, the handläggare and the register dates and flags; a blank register field reads
"uppgift saknas".

Free text (a comment, or the answer of a free-text item) is saved while it is typed: the widgets pass
every change to :meth:`ReviewModel.draft` and call :meth:`ReviewModel.save_drafts` after a pause in the
typing and before anything else the reviewer does, so that a comment is saved with the revision the
model last showed, never racing an answer to the same item.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from egenkontroll import _loopstore, actions, agreement, checklists, planning, store, yearplan
from egenkontroll._fields import BOOL_FIELDS, CASE_TYPE_LABELS, DATE_FIELDS, FIELD_LABELS
from egenkontroll.checklists import Deviation, Item
from egenkontroll.errors import ConflictError, LoopError, SessionError
from egenkontroll.identity import current_user
from egenkontroll.perdatum import per_datum
from egenkontroll.periods import TERTIAL_NAMES, parse_day, parse_period, period_label, spoken_period
from egenkontroll.store import Session
from egenkontroll.workspace import Workspace

#: register date field -> how the case card names it
DATE_LABELS = {name: FIELD_LABELS[name] for name in DATE_FIELDS}
#: (label, strata column) for a new session; "" is none (a widget's None means "nothing chosen")
STRATA_CHOICES = [("Ingen stratifiering", ""), ("Per enhet", "enhet"), ("Per handläggare", "handlaggare")]
#: the period value meaning every case
ALL_CASES = ""
#: how a blank register field reads on the case card
MISSING = "uppgift saknas"
#: the status line while typed text waits for the pause that saves it
DRAFT_STATUS = "Sparar det du skriver …"
#: what a kontrollgranskning's case card says instead of the reason of a correction made elsewhere
CORRECTED_ELSEWHERE = "rättat i en annan granskning"


# --- plain data the widgets show ---------------------------------------------------------------

@dataclass(frozen=True)
class Fact:
    """One line of the case card: a register field, its value and any correction of it."""

    field: str
    label: str
    value: date | bool | None
    original: date | None = None
    reason: str | None = None

    @property
    def text(self) -> str:
        """The value as shown: ISO date, ja/nej or "uppgift saknas"."""
        if self.value is None:
            return MISSING
        if isinstance(self.value, bool):
            return "ja" if self.value else "nej"
        return self.value.isoformat()


@dataclass(frozen=True)
class VerdictRow:
    """A computed item's verdict for the current case."""

    item_id: str
    question: str
    compliant: bool | None
    explanation: str
    reference: str
    critical: bool

    @property
    def label(self) -> str:
        """"Uppfyllt", "Avvikelse" or "Ingen bedömning"."""
        return {True: "Uppfyllt", False: "Avvikelse", None: "Ingen bedömning"}[self.compliant]


@dataclass(frozen=True)
class CaseCard:
    """What the case card shows (never a personnummer or person_id)."""

    arende_id: str
    enhet: str
    arendetyp: str
    handlaggare: str
    position: int
    total: int
    done: bool
    dates: list[Fact]
    flags: list[Fact]
    verdicts: list[VerdictRow]


@dataclass(frozen=True)
class StoredAnswer:
    """The latest stored answer to one item of the current case (cleared answers are left out)."""

    value: str
    comment: str | None
    reviewer: str | None
    recorded_at: datetime | None
    revision: int


@dataclass(frozen=True)
class SaveResult:
    """The outcome of a save, as the status line says it."""

    saved: bool
    message: str


@dataclass(frozen=True)
class Remark:
    """A text about one item of a case: a deviation found, a comment or a free-text answer."""

    item_id: str
    text: str


@dataclass(frozen=True)
class CaseSummary:
    """One case in the summary: unanswered items, deviations found and the reviewer's notes.

    Items are named by id, so that a summary table can name each question once (see
    :meth:`ReviewModel.question_numbers`); a deviation's text does not repeat its question.
    """

    arende_id: str
    done: bool
    unanswered: list[str]
    deviations: list[Remark]
    notes: list[Remark]


@dataclass(frozen=True)
class PlannedReview:
    """A granskning of this year's egenkontrollplan that the start screen offers: drawn and not finished
    (``session_id`` set), or not yet drawn."""

    row_id: int
    revision: int
    session_id: str | None
    checklist_id: str
    period: tuple[date, date]
    planned_n: int
    label: str


@dataclass(frozen=True)
class Shortfall:
    """An item that fell short in this granskning: its number in the checklist, its text, and in how many
    cases it fell short."""

    item_id: str
    number: int
    text: str
    cases: int

    @property
    def label(self) -> str:
        """E.g. "F1: Har frågan om våld ställts? (avvikelse i 3 ärenden)"."""
        return f"F{self.number}: {self.text} (avvikelse i {self.cases} ärende{'n' if self.cases > 1 else ''})"


# --- the start screen -------------------------------------------------------------------------

def new_seed() -> int:
    """A fresh random seed for a draw, short enough to write down (0-999 999)."""
    return secrets.randbelow(1_000_000)


class StartModel:
    """Pick an existing session or create a new one in *workspace*."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._cases: pd.DataFrame | None = None

    def session_choices(self) -> list[tuple[str, str]]:
        """(label, session id) per session, kontrollgranskningar too, newest first: title, checklist, period
        and progress."""
        return [(_session_label(session), session.id)
                for session in reversed(self.workspace.sessions(controls=True))]

    def checklist_choices(self) -> list[tuple[str, str]]:
        """(title, id) of the built-in checklists."""
        return [(checklists.load(name).title, name) for name in checklists.available()]

    def period_choices(self) -> list[tuple[str, str]]:
        """(label, period) for every year and tertial of the register, newest first, then all cases."""
        received = self.cases()["inkom_datum"].dropna()
        if received.empty:
            return [("Alla ärenden", ALL_CASES)]
        first, last = received.min(), received.max()
        choices: list[tuple[str, str]] = []
        for year in range(last.year, first.year - 1, -1):
            choices.append((f"{year} (hela året)", str(year)))
            choices.extend((f"{year}-T{t} ({TERTIAL_NAMES[t]} {year})", f"{year}-T{t}")
                           for t in (3, 2, 1) if _tertial_overlaps(year, t, first, last))
        return [*choices, ("Alla ärenden", ALL_CASES)]

    def population(self, checklist_id: str, period: str | None) -> int:
        """How many cases of the register *checklist_id* applies to in *period* (the sampling frame)."""
        checklist = checklists.load(checklist_id)
        return len(store.sampling_frame(self.workspace, checklist, period or None))

    def advise(self, checklist_id: str, period: str | None, *, tolerable: float | None = None,
               margin: float | None = None, confidence: float = 0.95) -> planning.SizeAdvice:
        """How many cases to draw for *checklist_id* in *period*, explained in one Swedish sentence.

        Give *tolerable* (the highest acceptable deviation rate) or *margin* (the wanted precision);
        the population is the sampling frame, so small frames are planned exactly (hypergeometric).

        Raises
        ------
        SessionError
            When the frame is empty.
        sampling.SamplingError
            When the rates are out of range.
        """
        population = self.population(checklist_id, period)
        if population == 0:
            raise SessionError("Det finns inga ärenden att granska för den här checklistan under perioden.")
        return planning.advise(tolerable=tolerable, margin=margin, confidence=confidence,
                               population=population)

    def create(self, checklist_id: str, *, period: str | None, n: int, seed: int, strata: str | None = None,
               title: str | None = None, created_by: str | None = None,
               minimum: int | None = None) -> Session:
        """Draw the sample and start the session (*minimum* cases per stratum; default 1 when stratified)."""
        return self.workspace.create_session(checklist_id, n=n, seed=seed, strata=strata or None,
                                             period=period or None, title=(title or "").strip() or None,
                                             created_by=created_by, minimum=minimum)

    def planned(self, as_of: date | None = None) -> list[PlannedReview]:
        """The granskningar of the egenkontrollplan of *as_of*'s year (default ``$EGENKONTROLL_PER_DATUM``
        or today) still to be done: first those drawn and not finished, then those not yet drawn; each in
        the plan's order (by period)."""
        day = per_datum(as_of)
        rows = yearplan.plan_status(self.workspace, day.year, day)
        drawn = rows[rows["session_id"].notna() & (rows["status"] != yearplan.DONE)]
        undrawn = rows[rows["session_id"].isna()]
        return [_planned_review(row) for frame in (drawn, undrawn) for row in frame.to_dict("records")]

    def start_planned(self, planned: PlannedReview, *, seed: int, created_by: str | None = None) -> Session:
        """The planned granskning: opened when drawn, else drawn now (its checklist, period and number of
        files, *seed*) and linked to its row of the plan.

        Raises
        ------
        LoopError
            When the row has changed (drawn by someone else, removed) since the start screen showed it.
        """
        if planned.session_id is not None:
            return self.workspace.session(planned.session_id)
        yearplan.checked_row_for_draw(self.workspace, planned.row_id, planned.checklist_id)  # before drawing
        session = self.workspace.create_session(planned.checklist_id, n=planned.planned_n, seed=seed,
                                                period=planned.period, created_by=created_by)
        yearplan.link_session(self.workspace, planned.row_id, session.id, planned.revision, created_by)
        return session

    def cases(self) -> pd.DataFrame:
        """The register, read once."""
        if self._cases is None:
            self._cases = self.workspace.cases()
        return self._cases


def _session_label(session: Session) -> str:
    done, total = session.progress()
    control = " · kontrollgranskning" if session.parent_id is not None else ""
    return (f"{session.title} · {session.checklist.title} · {period_label(session.period)} · "
            f"{done} av {total} klara{control}")


def _planned_review(row: dict[str, Any]) -> PlannedReview:
    """A row of :func:`egenkontroll.yearplan.plan_status` as the start screen offers it."""
    title = checklists.title_of(row["checklist_id"])
    enhet = row["enhet"] or "alla enheter"
    state = (f"{row['reviewed']} av {row['drawn']} klara" if row["session_id"]
             else f"{row['planned_n']} akter att dra")
    late = f" · {yearplan.OVERDUE}" if row["status"] == yearplan.OVERDUE else ""
    label = (f"{title} · {spoken_period(row['period'])} · {enhet} · ansvarig {row['ansvarig']} · {state} · "
             f"senast {row['deadline']}{late}")
    return PlannedReview(int(row["id"]), int(row["revision"]), row["session_id"], row["checklist_id"],
                         (date.fromisoformat(row["period_start"]), date.fromisoformat(row["period_end"])),
                         int(row["planned_n"]), label)


def _tertial_overlaps(year: int, tertial: int, first: pd.Timestamp, last: pd.Timestamp) -> bool:
    start, end = parse_period(f"{year}-T{tertial}")
    return pd.Timestamp(start) <= last and pd.Timestamp(end) >= first


# --- reviewing one session --------------------------------------------------------------------

class ReviewModel:
    """One reviewer working through the sampled cases of *session*.

    Parameters
    ----------
    session
        The session; this object is this reviewer's view of it.
    reviewer
        Who answers; default :func:`~egenkontroll.identity.current_user`.
    as_of
        The date computed verdicts are evaluated on (default ``$EGENKONTROLL_PER_DATUM`` or today).

    The current case starts at the first case not yet done. Every answer is saved at once with the
    revision this model last showed, so a change someone else made in between is reported, never
    overwritten.

    In a kontrollgranskning (:attr:`blind`) the model shows nothing of the first granskning's answers: it
    reads only its own session's answers (as always), a register date corrected elsewhere shows the date
    and the original but not the first reviewer's reason, and the summary has no samstämmighet.
    """

    def __init__(self, session: Session, *, reviewer: str | None = None, as_of: date | None = None) -> None:
        self.session = session
        self.blind = session.parent_id is not None
        self.reviewer = reviewer or current_user()
        self.as_of = as_of
        first_open = session.next_unreviewed()
        self._position = session.case_ids.index(first_open) if first_open else 0
        self._answers: dict[str, StoredAnswer] = {}
        self._corrections: dict[str, int] = {}
        self._correction_rows: dict[str, Any] = {}
        self._case: dict[str, Any] = {}
        self._drafts: dict[str, str] = {}
        self.reload()

    # --- where we are ---

    @property
    def current(self) -> str:
        """The arende_id of the current case."""
        return self.session.case_ids[self._position]

    @property
    def position(self) -> int:
        """The current case's place in the sample, from 1."""
        return self._position + 1

    @property
    def total(self) -> int:
        """Cases in the sample."""
        return len(self.session.case_ids)

    def go_to(self, case_id: str) -> None:
        """Make *case_id* the current case."""
        if case_id not in self.session.case_ids:
            raise SessionError(f"Ärende {case_id!r} ingår inte i granskningen {self.session.id}.")
        self._position = self.session.case_ids.index(case_id)
        self.reload()

    def next(self) -> bool:
        """Go to the next case; False (staying put) at the last one."""
        if self._position + 1 >= self.total:
            return False
        self.go_to(self.session.case_ids[self._position + 1])
        return True

    def previous(self) -> bool:
        """Go to the previous case; False (staying put) at the first one."""
        if self._position == 0:
            return False
        self.go_to(self.session.case_ids[self._position - 1])
        return True

    def next_unreviewed(self) -> bool:
        """Go to the next case not done (wrapping round); False when every case is done."""
        case_id = self.session.next_unreviewed(after=self.current)
        if case_id is None:
            return False
        self.go_to(case_id)
        return True

    def reload(self) -> None:
        """Read the current case, its answers and corrections again from the store."""
        case_id = self.current
        self._case = self.session.case(case_id)
        answers = self.session.answers()
        mine = answers[answers["arende_id"] == case_id]
        self._answers = {str(row.item_id): _stored(row) for row in mine.itertuples()}
        fixes = self.session.corrections()
        fixed = fixes[fixes["arende_id"] == case_id]
        self._corrections = dict(zip(fixed["field"], fixed["revision"].astype(int), strict=True))
        self._correction_rows = {str(row.field): row for row in fixed.itertuples()}

    # --- the current case ---

    def answers(self) -> dict[str, StoredAnswer]:
        """The stored answers of the current case by item id."""
        return dict(self._answers)

    def answer_values(self) -> dict[str, str]:
        """item id -> stored answer text of the current case."""
        return {item_id: stored.value for item_id, stored in self._answers.items()}

    def visible_items(self) -> list[Item]:
        """The answerable items shown for the current case given its answers (show-conditions applied)."""
        shown = self.session.checklist.visible_items(self._case, self.answer_values())
        return [item for item in shown if not item.computed]

    def reference(self, item: Item) -> str:
        """The legal reference of *item* in force on the current case's date."""
        return item.reference_for(self._case)

    def card(self) -> CaseCard:
        """The case card of the current case."""
        case = self._case
        case_type = case.get("arendetyp") or MISSING
        return CaseCard(
            arende_id=self.current,
            enhet=case.get("enhet") or MISSING,
            arendetyp=CASE_TYPE_LABELS.get(case_type, case_type),
            handlaggare=case.get("handlaggare") or MISSING,
            position=self.position,
            total=self.total,
            done=self.is_done(),
            dates=[self._date_fact(name) for name in DATE_FIELDS],
            flags=[Fact(name, FIELD_LABELS[name], case.get(name)) for name in BOOL_FIELDS],
            verdicts=self._verdict_rows(),
        )

    def is_done(self, case_id: str | None = None) -> bool:
        """Whether every applicable item of the case (default the current one) is answered."""
        return self.session.is_done(case_id or self.current)

    def progress(self) -> tuple[int, int]:
        """(cases done, cases in the sample)."""
        return self.session.progress()

    def progress_text(self) -> str:
        """E.g. "12 av 30 klara"."""
        done, total = self.progress()
        return f"{done} av {total} klara"

    # --- saving ---

    def record(self, item_id: str, value: Any) -> SaveResult:
        """Save *value* as the answer to *item_id* of the current case, keeping its comment.

        Raises
        ------
        SessionError
            When the value does not fit the item (nothing is saved).
        """
        comment = self._answers[item_id].comment if item_id in self._answers else None
        return self._save(item_id, value, comment)

    def comment(self, item_id: str, text: str | None) -> SaveResult:
        """Save *text* (empty: none) as the comment on the answer to *item_id*, keeping the answer.

        Raises
        ------
        SessionError
            When the item has no answer yet: a comment belongs to an answer.
        """
        stored = self._answers.get(item_id)
        if stored is None:
            raise SessionError("Svara på frågan först; kommentaren sparas tillsammans med svaret.")
        return self._save(item_id, stored.value, _trimmed(text), saved="Kommentaren sparad")

    # --- free text being typed ---

    def draft(self, item_id: str, text: str) -> None:
        """Remember *text*, typed into the free text of *item_id* of the current case, until
        :meth:`save_drafts`: the comment, or the answer itself when the item is a free-text item.

        Nothing is saved here; a text that only restores what is stored (spaces aside) is forgotten.
        """
        if _trimmed(text) == self._stored_text(item_id):
            self._drafts.pop(item_id, None)
        else:
            self._drafts[item_id] = text

    @property
    def unsaved(self) -> bool:
        """Whether text typed into the current case waits for :meth:`save_drafts`."""
        return bool(self._drafts)

    def save_drafts(self) -> list[SaveResult]:
        """Save the text typed since the last save, one write per item, and forget it.

        Call it after a pause in the typing and before anything else changes the case (an answer,
        moving to another case): a draft belongs to the current case.

        Raises
        ------
        SessionError
            When a comment is typed to an item without an answer, or a free-text answer does not fit
            (that draft is forgotten; the others are kept for the next call).
        """
        results = []
        while self._drafts:
            item_id, text = next(iter(self._drafts.items()))
            del self._drafts[item_id]
            if self.session.checklist.item(item_id).answer_type.remark:
                results.append(self.record(item_id, _trimmed(text)))
            else:
                results.append(self.comment(item_id, text))
        return results

    def correct_date(self, field: str, value: date | str | None, reason: str) -> SaveResult:
        """Correct the register date *field* of the current case, with a *reason*.

        Raises
        ------
        SessionError
            When the field, the date or the reason is missing or wrong (nothing is saved).
        """
        if value is None:
            raise SessionError("Välj det rätta datumet innan du sparar rättelsen.")
        try:
            self.session.correct(self.current, field, value, reason, reviewer=self.reviewer,
                                 expected_revision=self._corrections.get(field, 0))
        except ConflictError:
            self.reload()
            fix = self._correction_rows[field]
            return SaveResult(False, f"{DATE_LABELS.get(field, field)} rättades av {fix.reviewer} kl "
                                     f"{_local(fix.corrected_at):%H:%M} till {fix.corrected}. Sidan visar nu "
                                     "den senaste rättelsen; rätta igen om du vill.")
        self.reload()
        return SaveResult(True, f"Rättelsen sparad {datetime.now():%H:%M:%S}")

    def summary(self) -> list[CaseSummary]:
        """Every sampled case with its unanswered items and the deviations found, in sample order."""
        answers = self.session.answers()
        by_case = {case_id: rows for case_id, rows in answers.groupby("arende_id")}
        return [self._case_summary(case_id, by_case.get(case_id, answers.iloc[:0]))
                for case_id in self.session.case_ids]

    def agreement_report(self) -> agreement.AgreementReport | None:
        """The samstämmighet of this granskning and its kontrollgranskning, for the summary; None when it
        has none, and in a kontrollgranskning itself (its reviewer reads blind)."""
        if self.blind:
            return None
        control = store.control_session(self.session.engine, self.session.id)
        return None if control is None else agreement.compare(self.session, control)

    def shortfalls(self, cases: list[CaseSummary] | None = None) -> list[Shortfall]:
        """The items that fell short in at least one case, in checklist order: a ja/nej item answered no,
        or a computed item judged not compliant. *cases* is :meth:`summary` when already at hand.

        None in a kontrollgranskning: an action answers the first granskning.
        """
        if self.blind:
            return []
        checklist = self.session.checklist
        short: dict[str, set[str]] = {}
        for row in self.session.answers().itertuples():
            if checklist.item(str(row.item_id)).answer_type.outcome(row.value) is False:
                short.setdefault(str(row.item_id), set()).add(str(row.arende_id))
        for case in self.summary() if cases is None else cases:
            for found in case.deviations:
                short.setdefault(found.item_id, set()).add(case.arende_id)
        numbers = self.question_numbers()
        return [Shortfall(item.id, numbers[item.id], item.text, len(short[item.id]))
                for item in checklist.items if item.id in short]

    def create_action(self, item_id: str, *, action: str, ansvarig: str, deadline: str,
                      cause: str | None = None) -> SaveResult:
        """Add an åtgärd to the åtgärdsplan for the item *item_id* of this granskning (status planerad).

        *deadline* is written D/M/ÅÅÅÅ (31/3/2027) or ÅÅÅÅ-MM-DD.

        Raises
        ------
        LoopError
            With every problem of the form at once (no action or ansvarig, a deadline that is no date, a
            personnummer in a text), or what :func:`egenkontroll.actions.add_action` refuses; nothing is
            saved.
        """
        problems = [f"skriv {what}" for what, text in (("vad som ska göras (Åtgärd)", action),
                                                       ("vem som är ansvarig (Ansvarig)", ansvarig))
                    if not (text or "").strip()]
        due = parse_day(deadline)
        if due is None:
            problems.append(f"sista dag ”{(deadline or '').strip()}” är inget datum: skriv D/M/ÅÅÅÅ, "
                            "t.ex. 31/3/2027")
        holding = _loopstore.personnummer_problem({"Orsak": cause, "Åtgärd": action, "Ansvarig": ansvarig})
        if holding:
            problems.append(holding)
        if problems:
            raise LoopError("Åtgärden skapades inte: " + "; ".join(problems) + ".")
        number = actions.add_action(self.session.engine, session=self.session.id, item=item_id,
                                    action=action.strip(), ansvarig=ansvarig.strip(), deadline=due,
                                    cause=_trimmed(cause), actor=self.reviewer)
        question = f"F{self.question_numbers()[item_id]}"
        return SaveResult(True, f"Åtgärd {number} skapad för {question}: ansvarig {ansvarig.strip()}, sista "
                                f"dag {due.day}/{due.month}/{due.year}. Den finns nu i åtgärdsplanen "
                                "(egenkontroll atgard lista) och på instrumentpanelen.")

    def question_numbers(self) -> dict[str, int]:
        """item id -> the question's number in the checklist (from 1), as the summary names it."""
        return {item.id: number for number, item in enumerate(self.session.checklist.items, start=1)}

    # --- private helpers ---

    def _stored_text(self, item_id: str) -> str | None:
        stored = self._answers.get(item_id)
        if stored is None:
            return None
        return stored.value if self.session.checklist.item(item_id).answer_type.remark else stored.comment

    def _save(self, item_id: str, value: Any, comment: str | None, saved: str = "Sparat") -> SaveResult:
        stored = self._answers.get(item_id)
        expected = stored.revision if stored else self.session.revision(self.current, item_id)
        try:
            self.session.record(self.current, item_id, value, reviewer=self.reviewer, comment=comment,
                                expected_revision=expected)
        except ConflictError:
            self.reload()
            return SaveResult(False, self._conflict_message(item_id))
        self.reload()
        return SaveResult(True, f"{saved} {datetime.now():%H:%M:%S}")

    def _conflict_message(self, item_id: str) -> str:
        question = self.session.checklist.item(item_id).text
        latest = self._answers.get(item_id)
        if latest is None:
            return (f"Svaret på ”{question}” togs bort av någon annan. Sidan visar nu det senaste; "
                    "svara igen om du vill.")
        return (f"Svaret på ”{question}” ändrades av {latest.reviewer} kl {latest.recorded_at:%H:%M}. "
                "Sidan visar nu det senaste svaret; ändra igen om du vill.")

    def _date_fact(self, name: str) -> Fact:
        fix = self._correction_rows.get(name)
        if fix is None:
            return Fact(name, DATE_LABELS[name], self._case.get(name))
        original = date.fromisoformat(fix.original) if fix.original else None
        reason = CORRECTED_ELSEWHERE if self.blind else fix.reason
        return Fact(name, DATE_LABELS[name], self._case.get(name), original=original, reason=reason)

    def _verdict_rows(self) -> list[VerdictRow]:
        checklist = self.session.checklist
        verdicts = checklist.evaluate(self._case, as_of=self.as_of)
        return [VerdictRow(item_id, checklist.item(item_id).text, verdict.compliant, verdict.explanation,
                           verdict.reference, checklist.item(item_id).critical)
                for item_id, verdict in verdicts.items()]

    def _case_summary(self, case_id: str, rows: pd.DataFrame) -> CaseSummary:
        checklist = self.session.checklist
        case = self.session.case(case_id)
        answers = dict(zip(rows["item_id"], rows["value"], strict=True))
        unanswered = [item.id for item in checklist.visible_items(case, answers)
                      if not item.computed and not item.optional and item.check_answer(answers.get(item.id))]
        deviations = [Remark(found.item_id, _deviation_text(checklist.item(found.item_id), found))
                      for found in checklist.deviations(case, answers, as_of=self.as_of)]
        return CaseSummary(case_id, not unanswered, unanswered, deviations, self._notes(rows))

    def _notes(self, rows: pd.DataFrame) -> list[Remark]:
        notes: list[Remark] = []
        for row in rows.itertuples():
            item = self.session.checklist.item(str(row.item_id))
            texts = [str(row.value)] if item.answer_type.remark else []
            texts += [row.comment] if isinstance(row.comment, str) else []
            notes.extend(Remark(item.id, text) for text in texts)
        return notes


def _deviation_text(item: Item, deviation: Deviation) -> str:
    """What was found, without the question (the summary names it): a computed verdict's explanation,
    or that a critical question was answered no; the legal reference in brackets."""
    found = deviation.explanation if item.computed else "Kritisk fråga besvarad med nej"
    return f"{found} ({deviation.reference})" if deviation.reference else found


def _trimmed(text: str | None) -> str | None:
    """Typed text as it is stored: trimmed, None when blank."""
    return (text or "").strip() or None


def _stored(row: Any) -> StoredAnswer:
    comment = row.comment if isinstance(row.comment, str) else None  # missing comments read as NaN
    return StoredAnswer(row.value, comment, row.reviewer, _local(row.recorded_at), int(row.revision))


def _local(timestamp: str | None) -> datetime | None:
    """A stored UTC ISO timestamp in the local time zone."""
    return datetime.fromisoformat(timestamp).astimezone() if timestamp else None
