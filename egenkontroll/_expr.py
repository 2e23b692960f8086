"""The small, whitelisted condition language of checklists.

A condition such as ``arendetyp == "barn_och_unga" and barn_i_hushallet`` is parsed with
:func:`ast.parse` (mode ``"eval"``) and only a whitelist of node types is accepted; nothing is
ever passed to ``eval``. Names are bound to typed :class:`Symbol` objects at compile time, so a
misspelt field, a comparison between a date and a number or a value that a field can never take
is found when the checklist is loaded.

Evaluation uses three-valued (Kleene) logic: an unknown value (absent, None, NaN, NaT, pd.NA,
empty text) makes a comparison unknown; ``False and unknown`` is False, ``True or unknown`` is
True, anything else involving unknown stays unknown (``None``). The same expression evaluates
one case (:meth:`Expression.evaluate`) or a whole register (:meth:`Expression.evaluate_frame`).
"""

from __future__ import annotations

import abc
import ast
import datetime as dt
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import pandas as pd

from egenkontroll.answertypes import false_answers
from egenkontroll.errors import ChecklistError, Problem

_MAX_LENGTH = 1000
_BOOL_TEXTS = {
    "ja": True, "sant": True, "true": True, "1": True, "x": True,
    "nej": False, "falskt": False, "false": False, "0": False,
}
_Operator = Callable[[Any, Any], Any]
_ORDERING: dict[type[ast.cmpop], _Operator] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_EQUALITY: dict[type[ast.cmpop], _Operator] = {ast.Eq: operator.eq, ast.NotEq: operator.ne}
_FORBIDDEN = {
    ast.Attribute: "punktnotation (attribut) är inte tillåten",
    ast.Call: "funktionsanrop är inte tillåtna",
    ast.Subscript: "indexering med [] är inte tillåten",
    ast.Lambda: "lambda är inte tillåtet",
    ast.ListComp: "listomfattningar är inte tillåtna",
    ast.SetComp: "mängdomfattningar är inte tillåtna",
    ast.DictComp: "ordboksomfattningar är inte tillåtna",
    ast.GeneratorExp: "generatoruttryck är inte tillåtna",
    ast.BinOp: "räkneoperationer är inte tillåtna",
    ast.IfExp: "if-uttryck är inte tillåtna",
    ast.NamedExpr: "tilldelning (:=) är inte tillåten",
}


@dataclass(frozen=True)
class Symbol:
    """A name a condition may use.

    Parameters
    ----------
    kind
        "text", "number", "date" or "bool".
    values
        The only text values the name can take (case types, choices, ja/nej), or None.
    """

    kind: str
    values: tuple[str, ...] | None = None


# --------------------------------------------------------------------------- value conversion


def is_missing(value: object) -> bool:
    """Return True for None, NaN, NaT and pd.NA."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return isinstance(value, np.datetime64) and np.isnat(value)


def to_text(value: object) -> str | None:
    """Return ``value`` as text, or None when unknown or empty."""
    if is_missing(value):
        return None
    text = str(value)
    return text or None


def to_number(value: object) -> float | None:
    """Return ``value`` as a float (``"2,5"`` is 2.5), or None when unknown or not a number."""
    if is_missing(value) or isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return None if math.isnan(value) else float(value)
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return None if math.isnan(number) else number


def to_date(value: object) -> dt.date | None:
    """Return ``value`` (date, datetime, Timestamp, datetime64 or ISO text) as a date, or None."""
    if is_missing(value):
        return None
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip()).date()
        except ValueError:
            return None
    return None


def to_bool(value: object) -> bool | None:
    """Return ``value`` as a bool (ja/nej, sant/falskt, true/false, 1/0, x), or None."""
    if is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        return _BOOL_TEXTS.get(value.strip().lower())
    return None


def _truth(kind: str, value: object) -> bool | None:
    if value is None:
        return None
    if kind == "text":
        return value not in false_answers()
    if kind == "number":
        return value != 0
    if kind == "date":
        return True
    return bool(value)


_SCALAR_CONVERTERS: dict[str, Callable[[object], object]] = {
    "text": to_text,
    "number": to_number,
    "date": to_date,
    "bool": to_bool,
}


def to_kind(kind: str, value: object) -> object:
    """Return ``value`` read as ``kind`` ("text", "number", "date" or "bool"), or None when it is not one."""
    return _SCALAR_CONVERTERS[kind](value)


def date_column(column: pd.Series) -> pd.Series:
    """Return a register column as day-precision datetime64 (NaT where unknown or invalid)."""
    if not pd.api.types.is_datetime64_any_dtype(column):
        column = column.map(to_date, na_action="ignore")
        column = pd.to_datetime(column, errors="coerce")
    return column.dt.normalize()


def bool_column(column: pd.Series) -> pd.Series:
    """Return a register column as nullable booleans (pd.NA where unknown)."""
    if pd.api.types.is_bool_dtype(column):
        return column.astype("boolean")
    return column.map(to_bool, na_action="ignore").astype("boolean")


def _text_column(column: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(column):
        text = column.astype("string")
        return text.mask(text == "", pd.NA)
    return column.map(to_text, na_action="ignore").astype("string")


def _number_column(column: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.astype("Float64")
    return column.map(to_number, na_action="ignore").astype("Float64")


_COLUMN_CONVERTERS: dict[str, Callable[[pd.Series], pd.Series]] = {
    "text": _text_column,
    "number": _number_column,
    "date": date_column,
    "bool": bool_column,
}


def _unknown_where(result: pd.Series, missing: pd.Series) -> pd.Series:
    return result.astype("boolean").mask(missing, pd.NA)


# --------------------------------------------------------------------------- the tree


class _Node(abc.ABC):
    """A compiled node: evaluates on one case (``scalar``) or on a frame (``column``)."""

    @abc.abstractmethod
    def scalar(self, values: Mapping[str, object]) -> object:
        """The node's value for one case (None: unknown)."""

    @abc.abstractmethod
    def column(self, frame: pd.DataFrame) -> pd.Series:
        """The node's value for every row of *frame* (NA: unknown)."""


@dataclass(frozen=True)
class _Name(_Node):
    name: str
    kind: str

    def scalar(self, values: Mapping[str, object]) -> object:
        return to_kind(self.kind, values.get(self.name))

    def column(self, frame: pd.DataFrame) -> pd.Series:
        if self.name not in frame.columns:
            return _COLUMN_CONVERTERS[self.kind](pd.Series(None, index=frame.index, dtype=object))
        return _COLUMN_CONVERTERS[self.kind](frame[self.name])


@dataclass(frozen=True)
class _Literal(_Node):
    value: object
    kind: str

    def scalar(self, values: Mapping[str, object]) -> object:
        return self.value

    def column(self, frame: pd.DataFrame) -> pd.Series:
        return pd.Series([self.comparable] * len(frame), index=frame.index, dtype=object)

    @property
    def comparable(self) -> object:
        """The value as compared against a column (dates become Timestamps)."""
        return pd.Timestamp(self.value) if isinstance(self.value, dt.date) else self.value


@dataclass(frozen=True)
class _Truth(_Node):
    operand: _Name | _Literal

    def scalar(self, values: Mapping[str, object]) -> bool | None:
        return _truth(self.operand.kind, self.operand.scalar(values))

    def column(self, frame: pd.DataFrame) -> pd.Series:
        if isinstance(self.operand, _Literal):
            value = _truth(self.operand.kind, self.operand.value)
            return pd.Series(value, index=frame.index, dtype="boolean")
        values = self.operand.column(frame)
        kind = self.operand.kind
        if kind == "text":
            result = ~values.isin(list(false_answers()))
        elif kind == "number":
            result = values != 0
        elif kind == "date":
            result = pd.Series(True, index=frame.index)
        else:
            result = values
        return _unknown_where(result, values.isna())


@dataclass(frozen=True)
class _Compare(_Node):
    op: Callable[[object, object], object]
    left: _Name | _Literal
    right: _Name | _Literal

    def scalar(self, values: Mapping[str, object]) -> bool | None:
        left, right = self.left.scalar(values), self.right.scalar(values)
        if left is None or right is None:
            return None
        return bool(self.op(left, right))

    def column(self, frame: pd.DataFrame) -> pd.Series:
        left, right = _operand_column(self.left, frame), _operand_column(self.right, frame)
        result = pd.Series(self.op(left, right), index=frame.index)
        missing = pd.Series(False, index=frame.index)
        for side in (left, right):
            if isinstance(side, pd.Series):
                missing |= side.isna()
        return _unknown_where(result, missing)


def _operand_column(node: _Name | _Literal, frame: pd.DataFrame) -> object:
    return node.comparable if isinstance(node, _Literal) else node.column(frame)


@dataclass(frozen=True)
class _Membership(_Node):
    operand: _Name
    options: tuple[_Literal, ...]
    negated: bool

    def scalar(self, values: Mapping[str, object]) -> bool | None:
        value = self.operand.scalar(values)
        if value is None:
            return None
        return (value in [o.value for o in self.options]) != self.negated

    def column(self, frame: pd.DataFrame) -> pd.Series:
        values = self.operand.column(frame)
        found = values.isin([o.comparable for o in self.options])
        result = ~found if self.negated else found
        return _unknown_where(pd.Series(result, index=frame.index), values.isna())


@dataclass(frozen=True)
class _Not(_Node):
    operand: _Node

    def scalar(self, values: Mapping[str, object]) -> bool | None:
        value = self.operand.scalar(values)
        return None if value is None else not value

    def column(self, frame: pd.DataFrame) -> pd.Series:
        return ~self.operand.column(frame).astype("boolean")


@dataclass(frozen=True)
class _Junction(_Node):
    """``and`` (``all_of=True``) or ``or`` over operands, in Kleene logic."""

    operands: tuple[_Node, ...]
    all_of: bool

    def scalar(self, values: Mapping[str, object]) -> bool | None:
        results = [operand.scalar(values) for operand in self.operands]
        decisive = not self.all_of
        if decisive in results:
            return decisive
        return None if None in results else not decisive

    def column(self, frame: pd.DataFrame) -> pd.Series:
        combine = operator.and_ if self.all_of else operator.or_
        result = self.operands[0].column(frame).astype("boolean")
        for operand in self.operands[1:]:
            result = combine(result, operand.column(frame).astype("boolean"))
        return result


# --------------------------------------------------------------------------- compiling


@dataclass(frozen=True)
class Expression:
    """A compiled condition.

    Attributes
    ----------
    text
        The condition as written.
    names
        Every name the condition uses.
    """

    text: str
    names: frozenset[str]
    _root: _Node

    def evaluate(self, values: Mapping[str, object]) -> bool | None:
        """Evaluate on one case; ``values`` maps names to raw values. None means unknown."""
        result = self._root.scalar(values)
        return None if result is None else bool(result)

    def evaluate_frame(self, frame: pd.DataFrame) -> pd.Series:
        """Evaluate on every row of ``frame``: a nullable boolean Series (pd.NA = unknown)."""
        return self._root.column(frame).astype("boolean")


class _Compiler:
    """Walks a parsed condition, collecting every problem before giving up."""

    def __init__(self, symbols: Mapping[str, Symbol], unknown: Callable[[str], str]) -> None:
        self.symbols = symbols
        self.unknown = unknown
        self.problems: list[str] = []
        self.names: set[str] = set()

    def fail(self, message: str) -> _Literal:
        self.problems.append(message)
        return _Literal(None, _INVALID)

    def condition(self, node: ast.AST) -> _Node:
        if isinstance(node, ast.BoolOp):
            operands = tuple(self.condition(value) for value in node.values)
            return _Junction(operands, all_of=isinstance(node.op, ast.And))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return _Not(self.condition(node.operand))
        if isinstance(node, ast.Compare):
            return self.comparison(node)
        return _Truth(self.operand(node))

    def comparison(self, node: ast.Compare) -> _Node:
        parts: list[_Node] = []
        left_node = node.left
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            parts.append(self.pair(op, left_node, right_node))
            left_node = right_node
        return parts[0] if len(parts) == 1 else _Junction(tuple(parts), all_of=True)

    def pair(self, op: ast.cmpop, left_node: ast.AST, right_node: ast.AST) -> _Node:
        if isinstance(op, ast.In | ast.NotIn):
            return self.membership(left_node, right_node, negated=isinstance(op, ast.NotIn))
        if type(op) not in _ORDERING and type(op) not in _EQUALITY:
            return self.fail("jämförelsen 'is' är inte tillåten; använd == eller !=")
        left, right = self.operand(left_node), self.operand(right_node)
        left, right = self.align(left, right), self.align(right, left)
        self.check_kinds(op, left, right)
        return _Compare({**_ORDERING, **_EQUALITY}[type(op)], left, right)

    def membership(self, left_node: ast.AST, right_node: ast.AST, negated: bool) -> _Node:
        left = self.operand(left_node)
        if not isinstance(left, _Name):
            return self.fail("till vänster om 'in' ska det stå ett fält eller en fråga")
        if not isinstance(right_node, ast.List | ast.Tuple | ast.Set):
            return self.fail("till höger om 'in' ska det stå en lista, t.ex. [\"a\", \"b\"]")
        options = []
        for element in right_node.elts:
            option = self.operand(element)
            if not isinstance(option, _Literal):
                self.fail("en lista efter 'in' får bara innehålla värden")
                continue
            option = self.align(option, left)
            self.check_kinds(ast.Eq(), left, option)
            options.append(option)
        return _Membership(left, tuple(options), negated)

    def operand(self, node: ast.AST) -> _Name | _Literal:
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.Constant):
            return self.constant(node.value)
        if (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant)
        ):
            literal = self.constant(node.operand.value)
            if literal.kind == "number" and isinstance(literal.value, float):
                return _Literal(-literal.value, "number")
        if isinstance(node, ast.BoolOp | ast.Compare | ast.UnaryOp):
            return self.fail("en jämförelse kan bara göras mellan fält, frågor och värden")
        return self.fail(_FORBIDDEN.get(type(node), _generic_refusal()))

    def name(self, name: str) -> _Name | _Literal:
        if name.startswith("_"):
            return self.fail(f"namnet '{name}' är inte tillåtet (namn får inte börja med _)")
        symbol = self.symbols.get(name)
        if symbol is None:
            return self.fail(self.unknown(name))
        self.names.add(name)
        return _Name(name, symbol.kind)

    def constant(self, value: object) -> _Literal:
        if isinstance(value, bool):
            return _Literal(value, "bool")
        if isinstance(value, int | float):
            return _Literal(float(value), "number")
        if isinstance(value, str):
            return _Literal(value, "text")
        return self.fail(f"värdet {value!r} är inte tillåtet; använd text, tal, True eller False")

    @overload
    def align(self, node: _Literal, other: _Name | _Literal) -> _Literal: ...
    @overload
    def align(self, node: _Name | _Literal, other: _Name | _Literal) -> _Name | _Literal: ...

    def align(self, node: _Name | _Literal, other: _Name | _Literal) -> _Name | _Literal:
        """Read a text literal compared with a date as an ISO date."""
        if not (node.kind == "text" and other.kind == "date" and isinstance(node, _Literal)):
            return node
        day = to_date(node.value)
        if day is None:
            return self.fail(f"'{node.value}' är inget datum; skriv datum som ÅÅÅÅ-MM-DD")
        return _Literal(day, "date")

    def check_kinds(self, op: ast.cmpop, left: _Name | _Literal, right: _Name | _Literal) -> None:
        if _INVALID in (left.kind, right.kind):
            return
        if left.kind != right.kind:
            self.fail(
                f"kan inte jämföra {_KIND_WORDS[left.kind]} med {_KIND_WORDS[right.kind]}"
            )
            return
        if type(op) in _ORDERING and left.kind not in ("number", "date"):
            self.fail(f"{_KIND_WORDS[left.kind]} kan inte jämföras med <, <=, > eller >=")
            return
        for name, literal in ((left, right), (right, left)):
            self.check_value(name, literal)

    def check_value(self, name: _Name | _Literal, literal: _Name | _Literal) -> None:
        if not (isinstance(name, _Name) and isinstance(literal, _Literal)):
            return
        allowed = self.symbols[name.name].values
        if allowed is not None and literal.value not in allowed:
            choices = ", ".join(f'"{value}"' for value in allowed)
            self.fail(f"'{literal.value}' är inget möjligt värde för {name.name} (möjliga: {choices})")


_INVALID = "invalid"  # kind of the placeholder that stands in for a faulty part
_KIND_WORDS = {"text": "text", "number": "tal", "date": "datum", "bool": "sant/falskt"}


def _generic_refusal() -> str:
    return "villkoret får bara innehålla jämförelser, and, or, not, namn, värden och listor"


def compile_expression(
    text: str,
    symbols: Mapping[str, Symbol],
    unknown: Callable[[str], str] = lambda name: f"okänt namn '{name}'",
) -> Expression:
    """Parse and type-check a condition.

    Parameters
    ----------
    text
        The condition.
    symbols
        The names it may use, with their kinds.
    unknown
        Gives the Swedish message for a name that is not among ``symbols``.

    Raises
    ------
    ChecklistError
        With one problem (without row) per fault found.
    """
    tree = _parse(text)
    compiler = _Compiler(symbols, unknown)
    root = compiler.condition(tree.body)
    if compiler.problems:
        raise ChecklistError(Problem(message) for message in _unique(compiler.problems))
    return Expression(text, frozenset(compiler.names), root)


def _parse(text: str) -> ast.Expression:
    if not isinstance(text, str) or not text.strip():
        raise ChecklistError([Problem("villkoret är tomt")])
    if len(text) > _MAX_LENGTH:
        raise ChecklistError([Problem(f"villkoret är längre än {_MAX_LENGTH} tecken")])
    try:
        return ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        where = f" (tecken {error.offset})" if error.offset else ""
        raise ChecklistError([Problem(f"villkoret kan inte tolkas{where}: {text.strip()}")]) from None


def _unique(messages: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(messages))
