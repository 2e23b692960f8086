"""Samstämmighet: how well a kontrollgranskning's second, blind reading agrees with the first granskning.

A kontrollgranskning (:func:`egenkontroll.store.create_control_session`) is a seeded sub-draw of a
granskning's cases that a second reviewer reads without seeing the first reviewer's answers. This module
pairs the two readings per case and item and reports, per item, the percentage agreement, Cohen's kappa
and Gwet's AC1 with intervals, a Swedish note where the figures need one, and the cases where the readings
differ, the items with the lowest agreement first (the agenda of a calibration meeting). The statistics
are :mod:`sampling`'s (:func:`sampling.cohen_kappa`, :func:`sampling.gwet_ac1`, :func:`sampling.evaluate`).

Decisions:

Pairs
    An item of a case is compared when both readings answered it and the item is visible to each reader
    given that reader's own answers (an answer to a question that the reader's other answers hide does
    not count, as in results). Only items with a fixed set of answers are compared: ja/nej items (the
    scale ja, nej, ej aktuellt) and choice items (their ``val``). Computed items are judged by the
    computer from the same register for both readings, and free text, dates and numbers have no
    categories; none of them is compared. An item no case has a pair for gets no row.
Figures
    Percentage agreement: the share of pairs with the same answer, with a Wilson interval. Kappa:
    :func:`sampling.cohen_kappa` (statsmodels' asymptotic variance, normal quantile). AC1:
    :func:`sampling.gwet_ac1` (Gwet's linearised variance, t quantile); both on the item's whole scale,
    categories nobody used included, which AC1's chance agreement depends on. Kappa has no value when
    chance agreement is 1 (both readers gave the same one answer everywhere): the note says so and why.
    Kappa and AC1 need at least two pairs.
No finite-population correction
    The intervals describe the two reviewers' agreement as a way of reading the checklist, not the k
    files of this granskning as a finite set: no ``population`` is passed (the variance is not
    multiplied by 1 - k/n). This gives the wider, conservative interval.
Notes
    When one answer makes up at least :data:`DOMINANT_SHARE` of all answers and kappa lies at least
    :data:`KAPPA_GAP` below the percentage agreement, the note explains the kappa paradox in Swedish
    (kappa is low although the reviewers agree, AC1 is not misled).
Order
    Lowest percentage agreement first, then lowest AC1, then the checklist's order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import sampling
from egenkontroll import formatting, store
from egenkontroll.checklists import Checklist, Item
from egenkontroll.errors import SessionError
from egenkontroll.store import Session, Source

__all__ = ["DOMINANT_SHARE", "KAPPA_GAP", "Difference", "ItemAgreement", "AgreementReport", "compare",
           "item_agreement", "for_granskning", "reports_of", "display_frame", "figures_frame", "figure_texts",
           "differences_text", "DISPLAY_COLUMNS", "FIGURE_COLUMNS"]

#: one answer at least this share of all answers of an item "dominates"
DOMINANT_SHARE = 0.8
#: kappa this much (or more) below the percentage agreement, beside a dominant answer, gets the note
KAPPA_GAP = 0.2
#: the columns of :func:`display_frame`
DISPLAY_COLUMNS = ["Checklista", "Fråga", "Ärenden", "Överens", "Andel överens", "Intervall (andel)",
                   "Kappa", "Intervall (kappa)", "AC1", "Intervall (AC1)", "Förklaring",
                   "Ärenden som skiljer"]

#: the columns of :func:`figures_frame`
FIGURE_COLUMNS = ["session", "control", "checklist", "item", "item_text", "n", "agreed", "percent",
                  "percent_lower", "percent_upper", "kappa", "kappa_lower", "kappa_upper", "ac1", "ac1_lower",
                  "ac1_upper", "note", "differing"]


@dataclass(frozen=True)
class Difference:
    """A case where the two readings of an item differ: the first and the second answer (stored text)."""

    arende_id: str
    first: str
    second: str


@dataclass(frozen=True)
class ItemAgreement:
    """The agreement of the two readings on one item.

    Attributes
    ----------
    checklist, item, item_text
        The checklist id, the item id and its question.
    n, agreed
        Cases both readings answered (pairs), and those with the same answer.
    percent
        The share agreed with its Wilson interval (``sampling.Interval``).
    kappa, ac1
        Cohen's kappa and Gwet's AC1 with their intervals (``sampling.Agreement``); None when there is
        no value (see :attr:`note`).
    note
        A Swedish explanation: why there is no kappa, or why kappa is low beside a high agreement; "".
    differences
        The cases where the readings differ, in sample order.
    """

    checklist: str
    item: str
    item_text: str
    n: int
    agreed: int
    percent: sampling.Interval
    kappa: sampling.Agreement | None
    ac1: sampling.Agreement | None
    note: str
    differences: tuple[Difference, ...] = ()


@dataclass(frozen=True)
class AgreementReport:
    """The samstämmighet of a granskning and its kontrollgranskning.

    Attributes
    ----------
    session, control
        The ids of the granskning and of its kontrollgranskning.
    sampled
        Cases in the kontrollgranskning (k), of ``parent_sampled`` in the granskning.
    seed
        The seed of the sub-draw.
    compared
        Cases with at least one pair.
    items
        One :class:`ItemAgreement` per item with a pair, lowest agreement first.
    first_reviewers, second_reviewers
        Who answered in each reading (of the compared cases).
    """

    session: str
    control: str
    sampled: int
    parent_sampled: int
    seed: Any
    compared: int
    items: tuple[ItemAgreement, ...]
    first_reviewers: tuple[str, ...] = ()
    second_reviewers: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON-serialisable data (Swedish keys, as ``status --json``)."""
        return {
            "granskning": self.session, "kontrollgranskning": self.control, "k": self.sampled,
            "n_granskning": self.parent_sampled, "seed": self.seed, "jamforda_arenden": self.compared,
            "forsta_granskare": list(self.first_reviewers), "andra_granskare": list(self.second_reviewers),
            "fragor": [_item_json(item) for item in self.items],
        }


def for_granskning(source: Source, session_id: str, *, confidence: float = 0.95) -> AgreementReport:
    """The samstämmighet of the granskning *session_id* (or of the one whose kontrollgranskning it is).

    Raises
    ------
    SessionError
        When the granskning does not exist or has no kontrollgranskning.
    """
    session = store.open_session(source, session_id)
    if session.parent_id is not None:
        return compare(store.open_session(source, session.parent_id), session, confidence=confidence)
    control = store.control_session(source, session.id)
    if control is None:
        raise SessionError(f"Granskningen {session.id} har ingen kontrollgranskning. Skapa en med "
                           f"`egenkontroll kontrollgranskning {session.id} --antal K`.")
    return compare(session, control, confidence=confidence)


def reports_of(sessions: Sequence[Session], *, confidence: float = 0.95) -> list[AgreementReport]:
    """The samstämmighet of every granskning in *sessions* that has a kontrollgranskning, in their order."""
    reports = []
    for session in sessions:
        control = None if session.parent_id is not None else store.control_session(session.engine, session.id)
        if control is not None:
            reports.append(compare(session, control, confidence=confidence))
    return reports


def compare(first: Session, second: Session, *, confidence: float = 0.95) -> AgreementReport:
    """Pair the answers of *first* (the granskning) and *second* (its kontrollgranskning) and compare them.

    Only the cases of *second* are read in both sessions; the checklist is *first*'s (a kontrollgranskning
    carries the same snapshot).
    """
    checklist = first.checklist
    cases = second.cases()
    first_answers, second_answers = (_answers_on(session, second.case_ids) for session in (first, second))
    readings = [_visible_answers(checklist, cases, answers) for answers in (first_answers, second_answers)]
    pairs = _pairs(checklist, second.case_ids, *readings)
    items = [item_agreement(item, pairs[item.id], checklist=checklist.id, confidence=confidence)
             for item in _compared_items(checklist) if pairs[item.id]]
    compared = {case_id for item_pairs in pairs.values() for case_id, _, _ in item_pairs}
    return AgreementReport(
        session=first.id, control=second.id, sampled=len(second.case_ids), parent_sampled=len(first.case_ids),
        seed=second.manifest.get("seed"), compared=len(compared), items=tuple(_lowest_first(items)),
        first_reviewers=_reviewers(first_answers, compared),
        second_reviewers=_reviewers(second_answers, compared))


def item_agreement(item: Item, pairs: Sequence[tuple[str, str, str]], *, checklist: str = "",
                   confidence: float = 0.95) -> ItemAgreement:
    """The agreement on *item* from *pairs* of (arende_id, first answer, second answer).

    Raises
    ------
    ValueError
        When *pairs* is empty (a programming error: an item without pairs gets no row).
    """
    if not pairs:
        raise ValueError(f"item {item.id} has no pairs")
    categories = list(item.allowed_values)
    table = _table(pairs, categories)
    n, agreed = len(pairs), int(np.trace(table))
    percent = sampling.evaluate(agreed, n, confidence=confidence)
    kappa, ac1, note = _coefficients(item, table, categories, confidence)
    if not note and kappa is not None and ac1 is not None:
        note = _dominance_note(item, table, categories, percent.estimate, kappa, ac1)
    differences = tuple(Difference(case_id, one, two) for case_id, one, two in pairs if one != two)
    return ItemAgreement(checklist, item.id, item.text, n, agreed, percent, kappa, ac1, note, differences)


def display_frame(report: AgreementReport) -> pd.DataFrame:
    """The report as a table with Swedish headings (:data:`DISPLAY_COLUMNS`), figures as text, for the
    review app, the command line and Excel."""
    rows = [[item.checklist, item.item_text, item.n, item.agreed, *figure_texts(item).values(), item.note,
             differences_text(item)] for item in report.items]
    return pd.DataFrame(rows, columns=DISPLAY_COLUMNS)


def figures_frame(reports: Sequence[AgreementReport]) -> pd.DataFrame:
    """One row per granskning and item (:data:`FIGURE_COLUMNS`), figures as numbers (NaN without a
    value), ``differing`` the number of cases where the readings differ (no case ids)."""
    rows = [[report.session, report.control, item.checklist, item.item, item.item_text, item.n, item.agreed,
             item.percent.estimate, item.percent.lower, item.percent.upper, *_numbers(item.kappa),
             *_numbers(item.ac1), item.note, len(item.differences)]
            for report in reports for item in report.items]
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


def figure_texts(item: ItemAgreement) -> dict[str, str]:
    """The item's figures as Swedish text, keyed by their :data:`DISPLAY_COLUMNS` heading: the share
    agreed and the coefficients with their intervals ("–" and "" for a coefficient without a value)."""
    kappa, ac1 = _coefficient_cells(item.kappa), _coefficient_cells(item.ac1)
    return {"Andel överens": formatting.share(item.percent.estimate),
            "Intervall (andel)": formatting.interval(item.percent.lower, item.percent.upper),
            "Kappa": kappa[0], "Intervall (kappa)": kappa[1], "AC1": ac1[0], "Intervall (AC1)": ac1[1]}


def differences_text(item: ItemAgreement) -> str:
    """The cases where the readings differ, as "arende_id (first/second), ..."."""
    return ", ".join(f"{d.arende_id} ({d.first}/{d.second})" for d in item.differences)


# --- pairing ------------------------------------------------------------------------------------

def _answers_on(session: Session, case_ids: Sequence[str]) -> pd.DataFrame:
    """The answers of *session* to the cases *case_ids* (its own answers, nothing else)."""
    answers = session.answers()
    return answers[answers["arende_id"].isin(case_ids)]


def _visible_answers(checklist: Checklist, cases: Mapping[str, Mapping[str, Any]],
                     answers: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Per case: the answers to the items this reading's own answers leave visible."""
    given: dict[str, dict[str, str]] = {}
    for arende_id, item_id, value in zip(answers["arende_id"], answers["item_id"], answers["value"],
                                         strict=True):
        given.setdefault(arende_id, {})[item_id] = value
    return {case_id: {item.id: values[item.id] for item in checklist.visible_items(cases[case_id], values)
                      if item.id in values}
            for case_id, values in given.items()}


def _compared_items(checklist: Checklist) -> list[Item]:
    """The items whose answers are categories: answered (not computed) with a fixed set of answers."""
    return [item for item in checklist.items if not item.computed and item.allowed_values]


def _pairs(checklist: Checklist, case_ids: Sequence[str], first: Mapping[str, Mapping[str, str]],
           second: Mapping[str, Mapping[str, str]]) -> dict[str, list[tuple[str, str, str]]]:
    """item id -> (arende_id, first answer, second answer) for every case both readings answered it."""
    pairs: dict[str, list[tuple[str, str, str]]] = {item.id: [] for item in _compared_items(checklist)}
    for case_id in case_ids:
        one, two = first.get(case_id, {}), second.get(case_id, {})
        for item_id, found in pairs.items():
            if item_id in one and item_id in two:
                found.append((case_id, one[item_id], two[item_id]))
    return pairs


def _table(pairs: Sequence[tuple[str, str, str]], categories: list[str]) -> np.ndarray:
    """The contingency table: rows the first reading, columns the second, in *categories*' order."""
    index = {category: number for number, category in enumerate(categories)}
    table = np.zeros((len(categories), len(categories)), dtype=int)
    for _, one, two in pairs:
        table[index[one], index[two]] += 1
    return table


def _reviewers(answers: pd.DataFrame, compared: set[str]) -> tuple[str, ...]:
    return tuple(sorted(set(answers.loc[answers["arende_id"].isin(compared), "reviewer"].astype(str))))


# --- figures and notes -----------------------------------------------------------------------------

def _coefficients(item: Item, table: np.ndarray, categories: list[str], confidence: float,
                  ) -> tuple[sampling.Agreement | None, sampling.Agreement | None, str]:
    """Kappa, AC1 and, when kappa (or both) has no value, the Swedish reason."""
    n = int(table.sum())
    if n < 2:
        return None, None, ("Bara ett ärende har besvarats av båda granskarna; kappa och AC1 behöver minst "
                            "två.")
    ac1 = sampling.gwet_ac1(table, confidence=confidence)
    try:
        kappa = sampling.cohen_kappa(table, confidence=confidence)
    except sampling.SamplingError:
        only = _label(item, categories[int(np.argmax(table.sum(axis=0) + table.sum(axis=1)))])
        return None, ac1, (f"Kappa saknas: båda granskarna har svarat {only} i alla {n} ärenden. Då ger "
                           "slumpen ensam full överensstämmelse, och kappa blir 0/0. AC1 "
                           f"({_number(ac1.estimate)}) och andelen överens visar att granskarna är överens.")
    return kappa, ac1, ""


def _dominance_note(item: Item, table: np.ndarray, categories: list[str], agreement: float,
                    kappa: sampling.Agreement, ac1: sampling.Agreement) -> str:
    """The kappa paradox explained, when one answer dominates and kappa lies well below the agreement."""
    shares = (table.sum(axis=0) + table.sum(axis=1)) / (2 * table.sum())
    dominant = int(np.argmax(shares))
    if shares[dominant] < DOMINANT_SHARE or kappa.estimate > agreement - KAPPA_GAP:
        return ""
    label = _label(item, categories[dominant])
    return (f"Nästan alla svar är {label} ({formatting.share(shares[dominant])}); kappa blir då lågt även "
            f"när granskarna är överens ({formatting.share(agreement)} av ärendena), eftersom slumpen ensam "
            f"skulle ge hög överensstämmelse. AC1 ({_number(ac1.estimate)}) påverkas inte av att ett svar "
            f"dominerar på samma sätt och visar hur väl granskarna faktiskt stämmer överens; kappa är "
            f"{_number(kappa.estimate)}.")


def _label(item: Item, value: str) -> str:
    """An answer as a sentence names it: ja, ej aktuellt, or a choice as written (in quotes)."""
    labels = item.answer_type.values
    return labels[value].lower() if value in labels else f"”{value}”"


def _lowest_first(items: list[ItemAgreement]) -> list[ItemAgreement]:
    def key(pair: tuple[int, ItemAgreement]) -> tuple[float, float, int]:
        position, item = pair
        ac1 = item.ac1.estimate if item.ac1 is not None else math.inf
        return item.percent.estimate, ac1, position

    return [item for _, item in sorted(enumerate(items), key=key)]


def _number(value: float) -> str:
    """A coefficient with two decimals and a decimal comma (a minus sign when below zero)."""
    return f"{value:.2f}".replace(".", ",").replace("-", "−")


def _coefficient_cells(result: sampling.Agreement | None) -> tuple[str, str]:
    """(estimate, interval) as text, bounds rounded outward to two decimals; ("–", "") without a value."""
    if result is None:
        return "–", ""
    lower, upper = math.floor(result.lower * 100) / 100, math.ceil(result.upper * 100) / 100
    return _number(result.estimate), f"{_number(lower)} – {_number(upper)}"


def _numbers(result: sampling.Agreement | None) -> tuple[float, float, float]:
    return (math.nan,) * 3 if result is None else (result.estimate, result.lower, result.upper)


def _figure_json(result: sampling.Agreement | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {"estimate": result.estimate, "se": result.se, "lower": result.lower, "upper": result.upper,
            "pa": result.pa, "pe": result.pe, "method": result.method, "confidence": result.confidence}


def _item_json(item: ItemAgreement) -> dict[str, Any]:
    return {
        "checklista": item.checklist, "fraga": item.item, "fragetext": item.item_text, "n": item.n,
        "overens": item.agreed,
        "andel_overens": {"estimate": item.percent.estimate, "lower": item.percent.lower,
                          "upper": item.percent.upper, "method": item.percent.method},
        "kappa": _figure_json(item.kappa), "ac1": _figure_json(item.ac1), "forklaring": item.note,
        "skiljer": [{"arende_id": d.arende_id, "forsta": d.first, "andra": d.second}
                    for d in item.differences],
    }
