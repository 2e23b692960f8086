"""Answer types of checklist items (``typ`` in the YAML): one record per type, in one registry.

Everything that treats an answer differently by its type asks the record in :data:`ANSWER_TYPES`:
the checklist loader (which types exist, what a valid answer is, what a condition may compare it
with), the store (the stored text), results (which items are counted, and as compliant or not),
the review app (its widget map, ``review._INPUTS``, refuses a type it has no widget for) and the
demo simulation. Adding a type is one record here and one widget in the review app.

This module is the bottom of the house: it imports nothing from egenkontroll, so that the
condition language (:mod:`egenkontroll._expr`) can ask it which answers are false.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

__all__ = ["AnswerType", "ANSWER_TYPES", "YES", "NO", "NOT_APPLICABLE", "false_answers", "stored_text"]

YES, NO, NOT_APPLICABLE = "ja", "nej", "ej_aktuellt"


def stored_text(value: object) -> str:
    """A value as the text an answer is stored as: dates as ISO text, anything else trimmed."""
    return value.isoformat() if isinstance(value, date) else str(value).strip()


@dataclass(frozen=True)
class AnswerType:
    """How the answers of one type are checked, stored, counted and shown.

    Attributes
    ----------
    name
        The type as written under ``typ`` in the YAML.
    description
        What an answer is, in Swedish.
    kind
        What an answer is in a condition and in the demo: ``"text"``, ``"number"`` or ``"date"``
        (it must read as one); None for a computed type, which is never answered.
    problem
        Why a text is not an answer, in Swedish; ``{choices}`` stands for the allowed values.
    values
        The allowed answers, each with its Swedish label, when the type fixes them (else empty).
    choices
        The allowed answers are the item's own list under ``val``.
    yes, no
        The answers counted in results as compliant and as not compliant; None when the answers
        are not counted. An allowed answer that is neither (``ej_aktuellt``) is left out.
    remark
        The answer is itself a remark: no comment box beside it, listed with the case's notes.
    to_text
        Renders a given value (a date, a number, text) as the text the answer is stored as.

    A text is a valid answer when it reads as ``kind`` and, if the type or the item fixes the
    answers, is one of them (:meth:`egenkontroll.checklists.Item.check_answer`).
    """

    name: str
    description: str
    kind: str | None
    problem: str = ""
    values: Mapping[str, str] = field(default_factory=dict)
    choices: bool = False
    yes: str | None = None
    no: str | None = None
    remark: bool = False
    to_text: Callable[[object], str] = stored_text

    def __post_init__(self) -> None:
        if (self.yes is None) != (self.no is None) or not {self.yes, self.no} <= {*self.values, None}:
            raise ValueError(f"Answer type {self.name}: yes and no must both be allowed values, or both None")

    @property
    def computed(self) -> bool:
        """True for a type computed from the register, never answered."""
        return self.kind is None

    @property
    def countable(self) -> bool:
        """True when its items get a row in results (computed, or answered yes or no)."""
        return self.computed or self.yes is not None

    @property
    def uncounted(self) -> tuple[str, ...]:
        """The allowed answers counted neither as yes nor as no (e.g. ``ej_aktuellt``)."""
        return tuple(value for value in self.values if value not in (self.yes, self.no))

    def outcome(self, answer: object) -> bool | None:
        """True for the yes answer, False for the no answer, None for an answer not counted."""
        if self.yes is None or answer not in (self.yes, self.no):
            return None
        return answer == self.yes


#: answer type name (``typ`` in YAML) -> its record, in the order the documentation lists them
ANSWER_TYPES: dict[str, AnswerType] = {answer_type.name: answer_type for answer_type in (
    AnswerType("ja_nej", "ja, nej eller ej aktuellt", "text", "Svaret ska vara ja, nej eller ej_aktuellt",
               values={YES: "Ja", NO: "Nej", NOT_APPLICABLE: "Ej aktuellt"}, yes=YES, no=NO),
    AnswerType("datum", "datum (ÅÅÅÅ-MM-DD)", "date", "Svaret ska vara ett datum (ÅÅÅÅ-MM-DD)"),
    AnswerType("tal", "tal", "number", "Svaret ska vara ett tal"),
    AnswerType("val", "ett av flera angivna val", "text", "Svaret ska vara ett av: {choices}", choices=True),
    AnswerType("fritext", "fritext", "text", remark=True),
    AnswerType("beraknad", "beräknas från registrets datum (anges med regel)", None),
)}


def false_answers() -> frozenset[str]:
    """The fixed answers that are false in a condition: every one but a type's yes."""
    return frozenset(value for answer_type in ANSWER_TYPES.values() for value in answer_type.values
                     if value != answer_type.yes)
