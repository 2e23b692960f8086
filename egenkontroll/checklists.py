"""Checklists as data: load, validate and apply the YAML checklists (format: checklists/README.md).

The built-in checklists are package data, ``egenkontroll.builtin_checklists``, built from the
top-level folder ``checklists/`` and read through :mod:`importlib.resources`.

>>> from egenkontroll import checklists
>>> cl = checklists.load("utredningstid")
>>> cl.evaluate({"arendetyp": "barn_och_unga", "inkom_datum": "2026-03-02",
...              "forhandsbedomning_datum": "2026-03-10"}, as_of="2026-04-01")[
...     "forhandsbedomning_14_dagar"].explanation
'Förhandsbedömningen gjordes 2026-03-10, inom fristen 2026-03-16'

What counts as a deviation (:meth:`Checklist.deviations`): a visible critical ja/nej item
answered "nej", and a visible computed item whose verdict is not compliant (False). A "nej" on an
item that is not critical lowers that item's compliance but is not a deviation; unanswered items
and undecided verdicts (None) are not deviations.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from egenkontroll._expr import Expression, Symbol, compile_expression, to_date, to_kind
from egenkontroll._fields import CASE_TYPES, FIELDS, KON_VALUES
from egenkontroll.answertypes import ANSWER_TYPES, NO, NOT_APPLICABLE, YES, AnswerType
from egenkontroll.errors import ChecklistError, Problem
from egenkontroll.rules import RULES, Reference, Verdict, evaluate_rule

__all__ = [
    "Checklist",
    "Item",
    "Deviation",
    "Verdict",
    "load",
    "loads",
    "title_of",
    "available",
    "ANSWER_TYPES",
    "YES",
    "NO",
    "NOT_APPLICABLE",
]

_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*\Z")
_TOP_KEYS = ("id", "version", "titel", "beskrivning", "galler_for", "extra_falt", "fragor")
_ITEM_KEYS = (
    "id", "fraga", "hjalptext", "typ", "val", "kritisk", "frivillig", "visas_om", "regel", "lagrum",
)
_LAGRUM_KEYS = ("datum", "fore_2025_07_01", "fran_2025_07_01")
_EXTRA_KINDS = {"text": "text", "tal": "number", "datum": "date", "sant_falskt": "bool"}
_FIELD_KINDS = {"text": "text", "int": "number", "date": "date", "bool": "bool",
                "kon": "text", "arendetyp": "text"}
_FIELD_VALUES = {"kon": KON_VALUES, "arendetyp": CASE_TYPES}
_NOT_SHOWN = "Frågan är inte aktuell för ärendet"
#: the package data holding the built-in checklists (built from the top-level folder checklists/)
_BUILTIN = "egenkontroll.builtin_checklists"


@dataclass(frozen=True)
class Item:
    """One question of a checklist.

    Attributes
    ----------
    id, text, help
        Identifier, the question and its help text (Swedish).
    type
        A key of :data:`~egenkontroll.answertypes.ANSWER_TYPES` (see :attr:`answer_type`).
    choices
        The values of a ``val`` item (empty otherwise).
    critical
        A "nej" here is a deviation whatever the rest says.
    computed, rule
        Computed from the register by the named rule in :data:`egenkontroll.rules.RULES`.
    show_if
        The show-condition as written, or None (always shown).
    optional
        Need not be answered for the review of a case to be complete (``frivillig``).
    line
        The item's line in the YAML file.
    """

    id: str
    text: str
    help: str
    type: str
    choices: tuple[str, ...] = ()
    critical: bool = False
    rule: str | None = None
    show_if: str | None = None
    optional: bool = False
    line: int | None = None
    _condition: Expression | None = field(default=None, repr=False, compare=False)
    _reference: Reference | str | None = field(default=None, repr=False)
    _reference_date: str | None = field(default=None, repr=False)

    @property
    def answer_type(self) -> AnswerType:
        """The record of the item's answer type."""
        return ANSWER_TYPES[self.type]

    @property
    def computed(self) -> bool:
        """True when the item is computed from register dates, not answered."""
        return self.answer_type.computed

    @property
    def allowed_values(self) -> tuple[str, ...]:
        """The only valid answers, when the answer type or the item's ``val`` fixes them (else empty)."""
        return tuple(self.answer_type.values) or self.choices

    def reference_for(self, case: Mapping[str, object]) -> str:
        """The legal reference in force on the case's date ('' when the item names none)."""
        if isinstance(self._reference, Reference):
            day = case.get(self._reference_date) if self._reference_date is not None else None
            return self._reference.on(to_date(day))
        if self._reference is not None:
            return self._reference
        if self.rule is not None:
            rule = RULES[self.rule]
            return rule.reference.on(to_date(case.get(rule.start)))
        return ""

    def check_answer(self, value: object) -> str | None:
        """Return why ``value`` is not a valid answer (Swedish), or None when it is."""
        kind = self.answer_type.kind
        if kind is None:  # computed
            return "Frågan beräknas från registret och besvaras inte"
        if not isinstance(value, str) or not value.strip():
            return "Svaret är tomt"
        allowed = self.allowed_values
        if to_kind(kind, value) is None or (allowed and value not in allowed):
            return self.answer_type.problem.format(choices=", ".join(allowed))
        return None

    def _shown(self, values: Mapping[str, object]) -> bool:
        return self._condition is None or self._condition.evaluate(values) is True


@dataclass(frozen=True)
class Deviation:
    """A deviation found in one reviewed case.

    Attributes
    ----------
    item_id, question
        The item and its question text.
    explanation
        Why, in Swedish.
    reference
        The legal reference in force on the case's date.
    """

    item_id: str
    question: str
    explanation: str
    reference: str


@dataclass(frozen=True, eq=False)
class Checklist:
    """A loaded, validated checklist. Build with :func:`load` or :func:`loads`."""

    id: str
    version: str | int | float
    title: str
    description: str
    items: list[Item]
    source_text: str
    source: str
    applies_if: str | None = None
    _applicability: Expression | None = field(default=None, repr=False)

    def item(self, item_id: str) -> Item:
        """The item with id ``item_id``; KeyError when there is none."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"Checklistan {self.id} har ingen fråga '{item_id}'")

    def applies_to(self, case: Mapping[str, object]) -> bool:
        """True when the checklist applies to ``case``; an unknown condition means it does not."""
        return self._applicability is None or self._applicability.evaluate(_values(case)) is True

    def applies_mask(self, frame: pd.DataFrame) -> pd.Series:
        """:meth:`applies_to` for every row of a register, vectorised (bool Series)."""
        if self._applicability is None:
            return pd.Series(True, index=frame.index)
        return self._applicability.evaluate_frame(frame).fillna(False).astype(bool)

    def visible_items(
        self, case: Mapping[str, object], answers: Mapping[str, str] | None = None
    ) -> list[Item]:
        """The items shown for ``case`` given ``answers`` (answers to hidden items are ignored)."""
        values = _values(case)
        shown = []
        for item in self.items:
            if item._shown(values):
                shown.append(item)
                if answers and item.id in answers:
                    values[item.id] = answers[item.id]
        return shown

    def is_complete(self, case: Mapping[str, object], answers: Mapping[str, str]) -> bool:
        """True when every visible, non-computed, non-optional item has a valid answer."""
        return all(
            item.check_answer(answers.get(item.id)) is None
            for item in self.visible_items(case, answers)
            if not item.computed and not item.optional
        )

    def evaluate(self, case: Mapping[str, object], as_of: object = None) -> dict[str, Verdict]:
        """A :class:`Verdict` for every computed item (as_of default ``$EGENKONTROLL_PER_DATUM`` or today).

        Applicability is not checked here (see :meth:`applies_to`); a computed item whose
        show-condition is not met gets ``Verdict(None, ..., "Frågan är inte aktuell för ärendet")``.
        """
        return self._verdicts(case, {}, as_of)

    def deviations(
        self, case: Mapping[str, object], answers: Mapping[str, str], as_of: object = None
    ) -> list[Deviation]:
        """Deviations in one case: critical items answered "nej" and non-compliant verdicts."""
        verdicts = self._verdicts(case, answers, as_of)
        found = []
        for item in self.visible_items(case, answers):
            if item.computed and verdicts[item.id].compliant is False:
                verdict = verdicts[item.id]
                found.append(Deviation(item.id, item.text, verdict.explanation, verdict.reference))
            elif item.critical and item.answer_type.outcome(answers.get(item.id)) is False:
                explanation = f"Kritisk fråga besvarad med nej: {item.text}"
                found.append(Deviation(item.id, item.text, explanation, item.reference_for(case)))
        return found

    def _verdicts(
        self, case: Mapping[str, object], answers: Mapping[str, str], as_of: object
    ) -> dict[str, Verdict]:
        shown = {item.id for item in self.visible_items(case, answers)}
        verdicts = {}
        for item in self.items:
            if not item.computed:
                continue
            reference = item.reference_for(case)
            if item.id in shown:
                assert item.rule is not None, f"computed item {item.id} has no rule"  # the parser ensures one
                verdict = evaluate_rule(item.rule, case, as_of)
                verdicts[item.id] = dataclasses.replace(verdict, reference=reference)
            else:
                verdicts[item.id] = Verdict(None, reference, _NOT_SHOWN)
        return verdicts


def _values(case: Mapping[str, object]) -> dict[str, object]:
    return dict(case.items())


# --------------------------------------------------------------------------- loading


def available() -> list[str]:
    """The ids of the built-in checklists."""
    files = resources.files(_BUILTIN).iterdir()
    return sorted(entry.name.removesuffix(".yaml") for entry in files if entry.name.endswith(".yaml"))


def load(id_or_path: str | os.PathLike[str]) -> Checklist:
    """Load a built-in checklist by id, or a YAML file by path.

    Raises
    ------
    ChecklistError
        When the file is missing or invalid; lists every problem with its line.
    """
    builtin = str(id_or_path) in available()
    path = resources.files(_BUILTIN) / f"{id_or_path}.yaml" if builtin else Path(id_or_path)
    source = path.name if builtin else str(path)
    if not path.is_file():
        known = ", ".join(available())
        message = f"Checklistan finns inte: {id_or_path} (inbyggda: {known})"
        raise ChecklistError([Problem(message)], file=source)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ChecklistError([Problem("Filen är inte sparad som UTF-8")], file=source) from None
    return loads(text, source=source)


def title_of(checklist_id: str) -> str:
    """The title of the checklist *checklist_id* (as :func:`load` takes it), for lists and tables; the id
    itself when it cannot be loaded (a checklist file no longer at hand)."""
    try:
        return load(checklist_id).title
    except (ChecklistError, OSError):
        return str(checklist_id)


def loads(text: str, source: str = "<text>") -> Checklist:
    """Build a checklist from YAML text (e.g. the snapshot a granskning stored).

    Raises
    ------
    ChecklistError
        Listing every problem found, each with its YAML line (``row``) and key or item id
        (``column``).
    """
    data, problems = _parse_yaml(text, source)
    if not isinstance(data, _Mapping):
        problems.append(Problem("Filen ska innehålla en checklista (nycklar som id, titel, fragor)"))
        raise ChecklistError(problems, file=source)
    builder = _Builder(data, problems)
    checklist = builder.build(text, source)
    if builder.problems:
        in_file_order = sorted(builder.problems, key=lambda problem: problem.row or 0)
        raise ChecklistError(in_file_order, file=source)
    return checklist


class _Mapping(dict):
    """A YAML mapping that remembers its own line and each key's line (1-based)."""

    # set by _construct_mapping

    line: int = 1
    key_lines: dict[object, int]

    def line_of(self, key: object) -> int:
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    """A safe loader whose mappings are :class:`_Mapping` s and that notes duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[Problem] = []


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Mapping:
    mapping = _Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in mapping:
            message = f"Nyckeln '{key}' står två gånger (första gången på rad {mapping.line_of(key)})"
            loader.duplicates.append(Problem(message, row=line, column=str(key)))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _parse_yaml(text: str, source: str) -> tuple[object, list[Problem]]:
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = "Ogiltig YAML: kontrollera indrag, kolon och citattecken"
        if mark is not None:
            message += f" (tecken {mark.column + 1})"
        row = mark.line + 1 if mark is not None else None
        raise ChecklistError([Problem(message, row=row)], file=source) from None
    except yaml.YAMLError:
        raise ChecklistError([Problem("Ogiltig YAML")], file=source) from None
    finally:
        loader.dispose()
    return data, loader.duplicates


class _Builder:
    """Turns a parsed YAML mapping into a :class:`Checklist`, collecting every problem."""

    def __init__(self, data: _Mapping, problems: list[Problem]) -> None:
        self.data = data
        self.problems = problems
        self.case_symbols: dict[str, Symbol] = {
            name: Symbol(_FIELD_KINDS[kind], _FIELD_VALUES.get(kind)) for name, kind in FIELDS.items()
        }
        self.item_symbols: dict[str, Symbol] = {}
        self.computed_ids: set[str] = set()
        self.all_item_ids: set[str] = set()

    def problem(self, message: str, row: int | None, column: str | None) -> None:
        self.problems.append(Problem(message, row=row, column=column))

    def build(self, text: str, source: str) -> Checklist:
        data = self.data
        for key in data:
            if key not in _TOP_KEYS:
                self.unknown_key(key, data, _TOP_KEYS, column=str(key))
        self.extra_fields(data.get("extra_falt"))
        applies_if = self.optional_text(data, "galler_for", column="galler_for")
        return Checklist(
            id=self.identifier(data, "id", column="id"),
            version=self.version(),
            title=self.required_text(data, "titel", column="titel"),
            description=self.optional_text(data, "beskrivning", column="beskrivning") or "",
            items=self.items(),
            source_text=text,
            source=source,
            applies_if=applies_if,
            _applicability=self.case_condition(applies_if),
        )

    # ---- scalars

    def unknown_key(self, key: object, where: _Mapping, known: tuple[str, ...], column: str) -> None:
        message = f"Okänd nyckel '{key}' (tillåtna: {', '.join(known)})"
        self.problem(message, where.line_of(key), column)

    def required_text(self, where: _Mapping, key: str, column: str) -> str:
        value = where.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.problem(f"'{key}' saknas", where.line_of(key), column)
            return ""
        if not isinstance(value, str):
            self.problem(f"'{key}' ska vara text", where.line_of(key), column)
            return ""
        return value.strip()

    def optional_text(self, where: _Mapping, key: str, column: str) -> str | None:
        return self.required_text(where, key, column) or None if key in where else None

    def identifier(self, where: _Mapping, key: str, column: str) -> str:
        value = self.required_text(where, key, column)
        if value and not _IDENTIFIER.match(value):
            message = f"'{value}' duger inte som {key}: använd a-z, 0-9 och _ och börja med en bokstav"
            self.problem(message, where.line_of(key), column)
        return value

    def version(self) -> str | int | float:
        value = self.data.get("version")
        if value is None or isinstance(value, bool) or value == "":
            self.problem("'version' saknas", self.data.line_of("version"), "version")
            return ""
        if not isinstance(value, str | int | float):
            self.problem("'version' ska vara ett tal eller text", self.data.line_of("version"), "version")
            return ""
        return value

    def flag(self, where: _Mapping, key: str, column: str) -> bool:
        value = where.get(key, False)
        if isinstance(value, bool):
            return value
        if value in (YES, NO):
            return value == YES
        self.problem(f"'{key}' ska vara ja eller nej", where.line_of(key), column)
        return False

    # ---- extra fields and conditions

    def extra_fields(self, value: object) -> None:
        if value is None:
            return
        if not isinstance(value, _Mapping):
            message = "'extra_falt' ska vara en lista med fältnamn: typ (text, tal, datum, sant_falskt)"
            self.problem(message, self.data.line_of("extra_falt"), "extra_falt")
            return
        for name, kind in value.items():
            line = value.line_of(name)
            if not isinstance(name, str) or not _IDENTIFIER.match(name) or name in FIELDS:
                self.problem(f"'{name}' duger inte som namn på ett extra fält", line, str(name))
            elif kind not in _EXTRA_KINDS:
                kinds = ", ".join(_EXTRA_KINDS)
                self.problem(f"Okänd typ '{kind}' för fältet {name} (tillåtna: {kinds})", line, name)
            else:
                self.case_symbols[name] = Symbol(_EXTRA_KINDS[kind])

    def case_condition(self, text: str | None) -> Expression | None:
        if text is None:
            return None
        return self.condition(text, self.case_symbols, self.data.line_of("galler_for"), "galler_for",
                              key="galler_for")

    def condition(
        self, text: object, symbols: Mapping[str, Symbol], line: int, column: str, key: str
    ) -> Expression | None:
        if not isinstance(text, str):
            self.problem(f"{key}: villkoret ska vara text", line, column)
            return None
        try:
            return compile_expression(text, symbols, self.unknown_name)
        except ChecklistError as error:
            for problem in error.problems:
                self.problem(f"{key}: {problem.message}", line, column)
            return None

    def unknown_name(self, name: str) -> str:
        if name in self.computed_ids:
            return f"'{name}' är en beräknad fråga och kan inte användas i ett villkor"
        if name in self.item_symbols or name in self.all_item_ids:
            return f"'{name}' är en fråga som inte kommer före den här; använd bara tidigare frågor"
        return f"okänt fält eller fråga '{name}'"

    # ---- items

    def items(self) -> list[Item]:
        value = self.data.get("fragor")
        line = self.data.line_of("fragor")
        if not isinstance(value, list) or not value:
            self.problem("'fragor' saknas eller är tom: ange minst en fråga", line, "fragor")
            return []
        self.all_item_ids = {
            entry["id"] for entry in value if isinstance(entry, _Mapping) and isinstance(entry.get("id"), str)
        }
        seen: dict[str, int] = {}
        items = []
        for number, entry in enumerate(value, start=1):
            if isinstance(entry, _Mapping):
                items.append(self.item(entry, number, seen))
            else:
                message = f"Fråga {number} ska vara en lista med nycklar (id, fraga, typ …)"
                self.problem(message, line, f"fråga {number}")
        return items

    def item(self, entry: _Mapping, number: int, seen: dict[str, int]) -> Item:
        item_id = entry.get("id")
        column = item_id if isinstance(item_id, str) and item_id else f"fråga {number}"
        for key in entry:
            if key not in _ITEM_KEYS:
                self.unknown_key(key, entry, _ITEM_KEYS, column)
        item_id = self.item_id(entry, column, seen)
        answer_type = self.item_type(entry, column)
        show_if = self.optional_text(entry, "visas_om", column)
        condition = None
        if show_if is not None:
            symbols = {**self.case_symbols, **self.item_symbols}
            condition = self.condition(show_if, symbols, entry.line_of("visas_om"), column, "visas_om")
        # read in this order, so that the problems are listed in the order of the keys
        text = self.required_text(entry, "fraga", column)
        help_text = self.optional_text(entry, "hjalptext", column) or ""
        choices = self.choices(entry, answer_type, column)
        critical = self.critical(entry, answer_type, column)
        rule = self.rule(entry, answer_type, column)
        optional = self.flag(entry, "frivillig", column)
        reference, reference_date = self.reference(entry, column)
        item = Item(
            id=item_id,
            text=text,
            help=help_text,
            type=answer_type.name if answer_type else "",
            choices=choices,
            critical=critical,
            rule=rule,
            show_if=show_if,
            optional=optional,
            line=entry.line,
            _condition=condition,
            _reference=reference,
            _reference_date=reference_date,
        )
        self.declare(item)
        return item

    def declare(self, item: Item) -> None:
        if not item.id or not item.type:
            return
        kind = item.answer_type.kind
        if kind is None:  # computed
            self.computed_ids.add(item.id)
        else:
            self.item_symbols[item.id] = Symbol(kind, item.allowed_values or None)

    def item_id(self, entry: _Mapping, column: str, seen: dict[str, int]) -> str:
        item_id = self.identifier(entry, "id", column)
        line = entry.line_of("id")
        if item_id in seen:
            self.problem(f"Frågan '{item_id}' finns redan (rad {seen[item_id]})", line, column)
            return ""
        if item_id in self.case_symbols:
            self.problem(f"'{item_id}' är namnet på ett ärendefält; välj ett annat id", line, column)
        if item_id:
            seen[item_id] = line
        return item_id

    def item_type(self, entry: _Mapping, column: str) -> AnswerType | None:
        kind = entry.get("typ")
        answer_type = ANSWER_TYPES.get(kind) if isinstance(kind, str) else None
        if answer_type is None:
            known = ", ".join(ANSWER_TYPES)
            message = "'typ' saknas" if kind is None else f"Okänd svarstyp '{kind}'"
            self.problem(f"{message} (tillåtna: {known})", entry.line_of("typ"), column)
        return answer_type

    def choices(self, entry: _Mapping, answer_type: AnswerType | None, column: str) -> tuple[str, ...]:
        value = entry.get("val")
        line = entry.line_of("val")
        if answer_type is None or not answer_type.choices:
            if value is not None:
                message = f"'val' kan bara anges för frågor av typen {_type_names(lambda t: t.choices)}"
                self.problem(message, line, column)
            return ()
        if not isinstance(value, list) or len(value) < 2:
            message = f"En fråga av typen {answer_type.name} behöver en lista 'val' med minst två val"
            self.problem(message, line, column)
            return ()
        choices = tuple(str(choice) for choice in value if isinstance(choice, str | int | float))
        if len(choices) != len(value) or any(isinstance(choice, bool) for choice in value):
            self.problem("Varje val ska vara text; sätt citattecken runt ja, nej och liknande", line, column)
        if len(set(choices)) != len(choices):
            self.problem("Samma val står flera gånger i 'val'", line, column)
        return choices

    def critical(self, entry: _Mapping, answer_type: AnswerType | None, column: str) -> bool:
        critical = self.flag(entry, "kritisk", column)
        if critical and (answer_type is None or not answer_type.countable):
            message = f"'kritisk' kan bara anges för frågor av typen {_type_names(lambda t: t.countable)}"
            self.problem(message, entry.line_of("kritisk"), column)
        return critical

    def rule(self, entry: _Mapping, answer_type: AnswerType | None, column: str) -> str | None:
        rule = entry.get("regel")
        line = entry.line_of("regel")
        if answer_type is None or not answer_type.computed:
            if rule is not None:
                message = f"'regel' kan bara anges för frågor av typen {_type_names(lambda t: t.computed)}"
                self.problem(message, line, column)
            return None
        if rule not in RULES:
            known = ", ".join(RULES)
            message = "'regel' saknas" if rule is None else f"Okänd regel '{rule}'"
            self.problem(f"{message} (tillåtna: {known})", line, column)
            return None
        return rule

    def reference(self, entry: _Mapping, column: str) -> tuple[Reference | str | None, str | None]:
        """The item's legal reference and, for one that changed on 2025-07-01, the date field it goes by."""
        value = entry.get("lagrum")
        line = entry.line_of("lagrum")
        if value is None or (isinstance(value, str) and value.strip()):
            return (value.strip() if value else None), None
        if not isinstance(value, _Mapping):
            message = "'lagrum' ska vara text eller datum, fore_2025_07_01 och fran_2025_07_01"
            self.problem(message, line, column)
            return None, None
        for key in value:
            if key not in _LAGRUM_KEYS:
                self.unknown_key(key, value, _LAGRUM_KEYS, column)
        before = self.required_text(value, "fore_2025_07_01", column)
        after = self.required_text(value, "fran_2025_07_01", column)
        day = value.get("datum")
        if not isinstance(day, str) or self.case_symbols.get(day) != Symbol("date"):
            self.problem(f"lagrum: 'datum' ska vara ett datumfält i registret, inte '{day}'",
                         value.line_of("datum"), column)
        return Reference(before, after), (day if isinstance(day, str) else None)


def _type_names(test: Callable[[AnswerType], bool]) -> str:
    """The names of the answer types that pass *test*, for a Swedish message ("ja_nej eller beraknad")."""
    return " eller ".join(name for name, answer_type in ANSWER_TYPES.items() if test(answer_type))
