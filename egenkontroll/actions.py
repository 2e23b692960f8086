"""The åtgärdsplan: actions that answer deviations, with an owner, a deadline, a status and a history.

An action answers one deviation (``kind``):

- ``granskning``: an item of a granskning that fell short (the granskning's id and the item's id);
- ``register``: a register indicator in a tertial (``forhandsbedomning_14_dagar`` or
  ``utredning_4_manader``, e.g. ``"2026-T1"``);
- ``avvikelse``, ``klagomal``, ``lex_sarah``: free text saying what happened; such an action may name
  a checklist item that will show its effect (``checklist_id``, ``item_id``).

It holds the orsaksanalys (``cause``), the action itself, ``ansvarig``, the day it was decided
(``opened``) and its ``deadline``, and a status: planerad, pågår, genomförd, effekt uppnådd, effekt ej
uppnådd. The first three are set by hand (:func:`set_status`); the effect statuses only by a follow-up
against a later measurement of the same item (:mod:`egenkontroll.effect`). An action is ``försenad`` on
a day (:func:`actions_table`) when its deadline has passed and it is still planerad or pågår.

Every change is logged field by field (:func:`action_history`), and is compare-and-set on the action's
revision: two people changing one action, the second gets a :class:`~egenkontroll.errors.ConflictError`
in Swedish and nothing of the first is lost. Free texts holding a personnummer are refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from egenkontroll import _loopstore, checklists, store
from egenkontroll._loopwords import LoopWords, loop_words
from egenkontroll.errors import ChecklistError, LoopError, SessionError
from egenkontroll.perdatum import per_datum
from egenkontroll.periods import as_date, parse_period, period_label
from egenkontroll.store import Source

__all__ = ["ACTION_COLUMNS", "TABLE_COLUMNS", "KINDS", "INDICATORS", "STATUSES", "PLANNED", "UNDER_WAY",
           "DONE", "EFFECT_SHOWN", "EFFECT_NOT_SHOWN", "OVERDUE", "OPEN_STATUSES", "add_action",
           "update_action", "set_status", "actions_table", "action", "action_history", "source_text",
           "effect_text", "value_text", "FIELD_LABELS", "REGISTER_SOURCE"]

#: the columns of :func:`actions_table` before its computed ones
ACTION_COLUMNS = ["id", "kind", "session_id", "checklist_id", "item_id", "indicator", "indicator_period",
                  "deviation", "cause", "action", "ansvarig", "opened", "deadline", "status", "effect_source",
                  "effect_note", "created_by", "created_at", "revision"]
#: the columns of :func:`actions_table`: :data:`ACTION_COLUMNS`, overdue, shown_status, source_text,
#: effect_text
TABLE_COLUMNS = [*ACTION_COLUMNS, "overdue", "shown_status", "source_text", "deviation_name",
                 "effect_text"]
#: kind -> how the deviation is named in Swedish
KINDS = {"granskning": "Granskning", "register": "Registeruppgift", "avvikelse": "Avvikelse",
         "klagomal": "Klagomål", "lex_sarah": "Lex Sarah"}
#: the register indicators an action may answer -> their Swedish name
INDICATORS = {"forhandsbedomning_14_dagar": "Förhandsbedömning inom 14 dagar",
              "utredning_4_manader": "Utredning inom 4 månader"}
PLANNED, UNDER_WAY, DONE = "planerad", "pågår", "genomförd"
EFFECT_SHOWN, EFFECT_NOT_SHOWN = "effekt uppnådd", "effekt ej uppnådd"
#: every status an action can have, in the order of its course
STATUSES = (PLANNED, UNDER_WAY, DONE, EFFECT_SHOWN, EFFECT_NOT_SHOWN)
#: the statuses in which an action with a passed deadline is försenad
OPEN_STATUSES = (PLANNED, UNDER_WAY)
OVERDUE = "försenad"
#: every stored field of an action -> its Swedish name (for the history in Excel and the apps)
FIELD_LABELS = {"kind": "Typ", "session_id": "Granskning", "checklist_id": "Checklista", "item_id": "Fråga",
                "indicator": "Registeruppgift", "indicator_period": "Tertial", "deviation": "Avvikelse",
                "cause": "Orsaksanalys", "action": "Åtgärd", "ansvarig": "Ansvarig", "opened": "Beslutad",
                "deadline": "Klar senast", "status": "Status", "effect_source": "Effekt bedömd mot",
                "effect_note": "Uppföljning"}
#: how a register period is stored as what an effect was judged against: "register 2026-T2"
REGISTER_SOURCE = "register "
#: the free-text fields and their Swedish labels (for the personnummer check)
_TEXTS = {"deviation": "Avvikelsen", "cause": "Orsaksanalysen", "action": "Åtgärden", "ansvarig": "Ansvarig"}


def add_action(
    source: Source,
    *,
    action: str,
    ansvarig: str,
    deadline: dt.date | str,
    kind: str | None = None,
    session: str | None = None,
    item: str | None = None,
    checklist: str | None = None,
    indicator: str | None = None,
    indicator_period: str | None = None,
    deviation: str | None = None,
    cause: str | None = None,
    opened: dt.date | str | None = None,
    actor: str | None = None,
) -> int:
    """Add an action to the åtgärdsplan (status planerad); returns its id.

    Parameters
    ----------
    action, ansvarig, deadline
        What is to be done, by whom, by when.
    kind
        One of :data:`KINDS`; default ``granskning`` with *session*, ``register`` with *indicator*.
    session, item
        The granskning and the item that fell short (kind ``granskning``).
    indicator, indicator_period
        The register indicator (:data:`INDICATORS`) and the tertial it fell short in (kind ``register``).
    deviation
        What happened, in free text (required for avvikelse, klagomål and lex Sarah).
    checklist, item
        For a free-text deviation: the checklist item whose later figures will show the effect.
    cause
        The orsaksanalys.
    opened
        The day the action was decided (default ``$EGENKONTROLL_PER_DATUM`` or today).
    actor
        Who adds it, for the log (default :func:`egenkontroll.identity.current_user`): the review app
        passes the granskare it signs answers with.

    Raises
    ------
    LoopError
        With every problem found at once (or a personnummer in a free text); nothing is written.
    """
    problems: list[str] = []
    kind = kind or ("granskning" if session else "register" if indicator else None)
    values: dict[str, Any] = {"kind": kind, "session_id": None, "checklist_id": None, "item_id": None,
                              "indicator": None, "indicator_period": None}
    if kind not in KINDS:
        free = ", ".join(name for name in KINDS if name not in ("granskning", "register"))
        problems.append("ange vad åtgärden svarar mot: en granskning och fråga, en registeruppgift eller "
                        f"en avvikelse av slaget {free}")
    elif kind == "granskning":
        values.update(_granskning_source(source, session, item, problems))
    elif kind == "register":
        values.update(_register_source(indicator, indicator_period, problems))
    else:
        if not (deviation or "").strip():
            problems.append(f"beskriv avvikelsen ({KINDS[kind]}) i fritext")
        if checklist or item:
            values.update(_followed_item(checklist, item, problems))
    texts = {"deviation": deviation, "cause": cause, "action": action, "ansvarig": ansvarig}
    for field in ("action", "ansvarig"):
        if not (texts[field] or "").strip():
            problems.append(f"{_TEXTS[field].lower()} saknas")
    due = _date(deadline, "sista dag", problems)
    start = _date(per_datum(opened) if opened is None else opened, "beslutsdag", problems)
    if due is not None and start is not None and due < start:
        problems.append(f"sista dag ({due}) ligger före beslutsdagen ({start})")
    problems += filter(None, [_loopstore.personnummer_problem({_TEXTS[f]: t for f, t in texts.items()})])
    if problems:
        raise LoopError("Åtgärden sparades inte: " + "; ".join(problems) + ".")
    return _loopstore.insert(source, "atgard", {
        **values, **{field: (text or "").strip() or None for field, text in texts.items()},
        "opened": start.isoformat(), "deadline": due.isoformat(), "status": PLANNED,
        "effect_source": None, "effect_note": None}, actor)


def update_action(source: Source, action_id: int, *, expected_revision: int | None = None,
                  **changes: Any) -> int:
    """Change the action's texts, ansvarig or deadline (``cause``, ``action``, ``ansvarig``, ``deadline``,
    ``deviation``); returns the new revision. ConflictError when it changed since *expected_revision*."""
    unknown = sorted(set(changes) - {"cause", "action", "ansvarig", "deadline", "deviation"})
    if unknown:
        raise LoopError(f"Åtgärdens fält {', '.join(unknown)} ändras inte så; status ändras med set_status.")
    if "deadline" in changes:
        changes["deadline"] = as_date(changes["deadline"], "sista dag").isoformat()
    _loopstore.refuse_personnummer({_TEXTS[name]: text for name, text in changes.items() if name in _TEXTS})
    return _loopstore.update(source, "atgard", action_id, changes, expected_revision)


def set_status(source: Source, action_id: int, status: str, *, expected_revision: int | None = None) -> int:
    """Set the status planerad, pågår or genomförd; returns the new revision.

    Raises
    ------
    LoopError
        For an unknown status, and for the effect statuses, which only a follow-up against a later
        measurement sets (:func:`egenkontroll.effect.record_follow_up`).
    ConflictError
        When the action changed since *expected_revision*.
    """
    if status in (EFFECT_SHOWN, EFFECT_NOT_SHOWN):
        raise LoopError(f"Status \"{status}\" sätts bara av en uppföljning mot en senare granskning eller "
                        f"registerperiod som mäter samma sak: egenkontroll atgard uppfolj {action_id}.")
    if status not in STATUSES:
        raise LoopError(f"Status {status!r} finns inte; välj bland {', '.join((PLANNED, UNDER_WAY, DONE))}.")
    return _loopstore.update(source, "atgard", action_id, {"status": status}, expected_revision)


def action(source: Source, action_id: int) -> dict[str, Any]:
    """One action as stored (:data:`ACTION_COLUMNS`); LoopError when there is none."""
    return _loopstore.row(source, "atgard", action_id)


def actions_table(source: Source, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Every action (:data:`TABLE_COLUMNS`), by id, judged on *as_of*: ``overdue`` (the deadline passed
    while planerad or pågår), ``shown_status`` (the status, or "försenad"), ``source_text`` (the
    deviation in a few Swedish words), ``deviation_name`` (the same without free text,
    :func:`deviation_name`) and ``effect_text`` (the measurement the effect was judged against, in
    words)."""
    day = per_datum(as_of).isoformat()
    frame = _loopstore.rows(source, "atgard")[ACTION_COLUMNS]
    frame["overdue"] = frame["status"].isin(OPEN_STATUSES) & (frame["deadline"] < day)
    frame["shown_status"] = frame["status"].where(~frame["overdue"], OVERDUE)
    words = loop_words(source)
    records = frame.to_dict("records")
    frame["source_text"] = [source_text(row, words) for row in records]
    frame["deviation_name"] = [deviation_name(row, words) for row in records]
    frame["effect_text"] = [effect_text(value, words) for value in frame["effect_source"]]
    return frame[TABLE_COLUMNS]


def source_text(row: dict[str, Any], words: LoopWords | None = None) -> str:
    """The deviation an action answers, in a few Swedish words: ``"Granskning Våldsfråga jan–apr 2026
    (2026-T1-valdsfraga-b535): Har frågan om våld ställts …?"``, ``"Förhandsbedömning inom 14 dagar,
    maj–aug 2026"`` or ``"Lex Sarah: …"``. Without *words* (:func:`~egenkontroll._loopwords.loop_words`)
    only the built-in checklists are known by name."""
    words = words or LoopWords()
    if row["kind"] == "granskning":
        return (f"{KINDS['granskning']} {words.granskning(row['session_id'])}: "
                f"{words.question(row['checklist_id'], row['item_id'])}")
    if row["kind"] == "register":
        return f"{INDICATORS[row['indicator']]}, {words.period(row['indicator_period'])}"
    return f"{KINDS[row['kind']]}: {row['deviation']}"


def deviation_name(row: dict[str, Any], words: LoopWords | None = None) -> str:
    """What an action answers without any free text, for pages others read (the dashboard, the
    kvalitetsberättelse): :func:`source_text` for a granskning or a register indicator, and for an
    avvikelse, klagomål or lex Sarah only its kind and the question that follows it (``"Lex Sarah
    (följs i Våldsfråga: Har frågan om våld ställts …?)"``). Their text may describe a person without a
    personnummer, so it stays in the åtgärdsplan itself (the CLI and Excel)."""
    words = words or LoopWords()
    if row["kind"] in ("granskning", "register"):
        return source_text(row, words)
    if not (row["checklist_id"] and row["item_id"]):
        return KINDS[row["kind"]]
    return f"{KINDS[row['kind']]} (följs i {words.item(row['checklist_id'], row['item_id'])})"


def effect_text(effect_source: str | None, words: LoopWords) -> str | None:
    """What an effect was judged against (the stored ``effect_source``), in words: the granskning as
    :meth:`LoopWords.granskning` names it, or ``"registret, sep–dec 2026"``; None before a follow-up."""
    if not effect_source:
        return None
    if effect_source.startswith(REGISTER_SOURCE):
        return f"registret, {words.period(effect_source.removeprefix(REGISTER_SOURCE))}"
    return words.granskning(effect_source)


def value_text(field: str, value: Any, checklist_id: str | None, words: LoopWords) -> Any:
    """A stored value of an action's *field* (as :func:`action_history` logs it) in words: the kind, the
    granskning, the checklist, the question (of *checklist_id*), the indicator, the tertial or what the
    effect was judged against as :func:`actions_table` shows them; other values as they are."""
    if value is None or pd.isna(value):
        return value
    named: dict[str, Any] = {
        "kind": lambda: KINDS.get(value, value),
        "session_id": lambda: words.granskning(value),
        "checklist_id": lambda: words.checklist(value),
        "item_id": lambda: words.question(checklist_id, value) if checklist_id else value,
        "indicator": lambda: INDICATORS.get(value, value),
        "indicator_period": lambda: words.period(value),
        "effect_source": lambda: effect_text(value, words),
    }
    return named[field]() if field in named else value


def action_history(source: Source, action_id: int | None = None) -> pd.DataFrame:
    """The log of the åtgärdsplan's changes (of one action, if given), oldest first."""
    return _loopstore.history(source, "atgard", action_id)


def _granskning_source(source: Source, session: str | None, item: str | None,
                       problems: list[str]) -> dict[str, Any]:
    if not session or not item:
        problems.append("ange både granskningen och frågan som avvek")
        return {}
    try:
        opened = store.open_session(source, session)
    except SessionError as error:
        problems.append(str(error).rstrip("."))
        return {}
    if opened.parent_id is not None:
        problems.append(f"{session} är en kontrollgranskning; ange granskningen {opened.parent_id}")
    measured = _measured_items(opened.checklist)
    if item not in measured:
        problems.append(f"checklistan {opened.checklist.id} har ingen fråga {item!r} som mäts med ja/nej "
                        f"(frågor: {', '.join(measured)})")
    return {"session_id": session, "checklist_id": opened.checklist.id, "item_id": item}


def _register_source(indicator: str | None, period: str | None, problems: list[str]) -> dict[str, Any]:
    if indicator not in INDICATORS:
        problems.append(f"registeruppgiften {indicator!r} finns inte; välj bland {', '.join(INDICATORS)}")
    label = None
    try:
        label = period_label(parse_period(period)) if period else None
    except SessionError as error:
        problems.append(str(error).rstrip("."))
    if label is None or "-T" not in label:
        problems.append("ange tertialet då registeruppgiften avvek (t.ex. 2026-T1)")
    return {"indicator": indicator, "indicator_period": label}


def _followed_item(checklist: str | None, item: str | None, problems: list[str]) -> dict[str, Any]:
    if not checklist or not item:
        problems.append("ange både checklistan och frågan som ska visa åtgärdens effekt")
        return {}
    try:
        loaded = checklists.load(checklist)
    except ChecklistError:
        problems.append(f"checklistan {checklist!r} finns inte")
        return {}
    measured = _measured_items(loaded)
    if item not in measured:
        problems.append(f"checklistan {loaded.id} har ingen fråga {item!r} som mäts med ja/nej "
                        f"(frågor: {', '.join(measured)})")
    return {"checklist_id": loaded.id, "item_id": item}


def _measured_items(checklist: Any) -> list[str]:
    """The items of *checklist* that give a compliance figure (ja/nej answers or computed verdicts)."""
    return [item.id for item in checklist.items if item.computed or item.answer_type.countable]


def _date(value: dt.date | str, what: str, problems: list[str]) -> dt.date | None:
    try:
        return as_date(value, what)
    except SessionError as error:
        problems.append(str(error).rstrip("."))
        return None
