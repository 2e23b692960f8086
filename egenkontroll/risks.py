"""The riskanalys: risks scored on a 4x4 scale, the actions that treat them and the egenkontroll that
watches them.

Sannolikhet (likelihood) and konsekvens (consequence) are each 1-4; the risk value is their product,
one of 1, 2, 3, 4, 6, 8, 9, 12, 16. The bands (:data:`BANDS`, :func:`band`) are set on those values:

====================  ==============
risk value            band
====================  ==============
1, 2, 3               låg
4, 6                  medel
8, 9                  hög
12, 16                mycket hög
====================  ==============

So a risk that is both likely (3) and serious (3) is hög, one at the top of either scale with at least
3 on the other (12) is mycket hög, and one at 2 and 2 (4) is medel. A risk may name the egenkontroll
that watches it: a checklist item (``checklist_id``, ``item_id``) or a register indicator
(``indicator``), and the actions that treat it (:func:`link_action`). Every change is logged.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from egenkontroll import _loopstore, checklists
from egenkontroll._loopwords import LoopWords, loop_words
from egenkontroll.actions import INDICATORS
from egenkontroll.errors import ChecklistError, LoopError
from egenkontroll.store import Source

__all__ = ["RISK_COLUMNS", "TABLE_COLUMNS", "SCALE", "BANDS", "band", "add_risk", "update_risk",
           "link_action", "risks_table", "risk_matrix", "risk_history"]

#: the columns of a stored risk
RISK_COLUMNS = ["id", "title", "description", "sannolikhet", "konsekvens", "ansvarig", "checklist_id",
                "item_id", "indicator", "created_by", "created_at", "revision"]
#: the columns of :func:`risks_table`: :data:`RISK_COLUMNS`, value, band, actions, watched_by
TABLE_COLUMNS = [*RISK_COLUMNS, "value", "band", "actions", "watched_by"]
#: the steps of each scale
SCALE = (1, 2, 3, 4)
#: band name -> the risk values (sannolikhet x konsekvens) in it, lowest band first
BANDS: dict[str, tuple[int, ...]] = {"låg": (1, 2, 3), "medel": (4, 6), "hög": (8, 9), "mycket hög": (12, 16)}
_TEXTS = {"title": "Risken", "description": "Beskrivningen", "ansvarig": "Ansvarig"}


def band(value: int) -> str:
    """The band of a risk value (a product of two steps of :data:`SCALE`); ValueError for any other."""
    for name, values in BANDS.items():
        if value in values:
            return name
    raise ValueError(f"{value} is not a product of two steps 1-4")


def add_risk(
    source: Source,
    *,
    title: str,
    sannolikhet: int,
    konsekvens: int,
    description: str | None = None,
    ansvarig: str | None = None,
    checklist: str | None = None,
    item: str | None = None,
    indicator: str | None = None,
    actions: tuple[int, ...] | list[int] = (),
) -> int:
    """Add a risk; returns its id. *checklist* and *item*, or *indicator*, name what watches it; *actions*
    the åtgärder that treat it.

    Raises
    ------
    LoopError
        With every problem at once (a scale step outside 1-4, an unknown checklist, item, indicator or
        action, a personnummer in a free text); nothing is written.
    """
    problems = _checked_scores(sannolikhet, konsekvens)
    if not (title or "").strip():
        problems.append("beskriv risken (rubrik)")
    watch = _watch(checklist, item, indicator, problems)
    existing = set(_loopstore.rows(source, "atgard")["id"])
    missing = [str(number) for number in actions if number not in existing]
    if missing:
        problems.append(f"åtgärd {', '.join(missing)} finns inte")
    texts = {"title": title, "description": description, "ansvarig": ansvarig}
    problems += filter(None, [_loopstore.personnummer_problem({_TEXTS[f]: t for f, t in texts.items()})])
    if problems:
        raise LoopError("Risken sparades inte: " + "; ".join(problems) + ".")
    risk_id = _loopstore.insert(source, "risk", {
        **{field: (text or "").strip() or None for field, text in texts.items()},
        "sannolikhet": int(sannolikhet), "konsekvens": int(konsekvens), **watch})
    for action_id in actions:
        _loopstore.link(source, risk_id, int(action_id))
    return risk_id


def update_risk(source: Source, risk_id: int, *, expected_revision: int | None = None, **changes: Any) -> int:
    """Change a risk's scores or texts (``sannolikhet``, ``konsekvens``, ``title``, ``description``,
    ``ansvarig``); returns the new revision. ConflictError when it changed since *expected_revision*."""
    unknown = sorted(set(changes) - {"sannolikhet", "konsekvens", "title", "description", "ansvarig"})
    if unknown:
        raise LoopError(f"Riskens fält {', '.join(unknown)} finns inte eller ändras inte så.")
    current = _loopstore.row(source, "risk", risk_id)
    problems = _checked_scores(changes.get("sannolikhet", current["sannolikhet"]),
                               changes.get("konsekvens", current["konsekvens"]))
    if problems:
        raise LoopError("Risken ändrades inte: " + "; ".join(problems) + ".")
    _loopstore.refuse_personnummer({_TEXTS[name]: text for name, text in changes.items() if name in _TEXTS})
    return _loopstore.update(source, "risk", risk_id, changes, expected_revision)


def link_action(source: Source, risk_id: int, action_id: int) -> None:
    """Record that the action *action_id* treats the risk *risk_id* (logged on the risk)."""
    _loopstore.link(source, risk_id, action_id)


def risks_table(source: Source) -> pd.DataFrame:
    """Every risk (:data:`TABLE_COLUMNS`), the highest value first: ``value`` (sannolikhet x konsekvens),
    ``band``, ``actions`` (the ids of the actions treating it, a tuple) and ``watched_by`` (in Swedish: the
    checklist's title and the question, or the register indicator)."""
    frame = _loopstore.rows(source, "risk")[RISK_COLUMNS]
    links = _loopstore.links(source)
    frame["value"] = (frame["sannolikhet"] * frame["konsekvens"]).astype(int)
    frame["band"] = frame["value"].map(band)
    frame["actions"] = [tuple(int(a) for a in links.loc[links["risk_id"] == risk_id, "action_id"])
                        for risk_id in frame["id"]]
    words = loop_words(source)
    frame["watched_by"] = [_watched_by(row, words) for row in frame.to_dict("records")]
    return frame.sort_values(["value", "id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def risk_matrix(source: Source) -> pd.DataFrame:
    """The number of risks per cell of the 4x4 matrix: index konsekvens 4..1 (top to bottom), columns
    sannolikhet 1..4, as a risk matrix is drawn."""
    frame = _loopstore.rows(source, "risk")
    counts = pd.crosstab(frame["konsekvens"], frame["sannolikhet"]) if not frame.empty else pd.DataFrame()
    matrix = counts.reindex(index=list(reversed(SCALE)), columns=list(SCALE), fill_value=0).astype(int)
    matrix.index.name, matrix.columns.name = "konsekvens", "sannolikhet"
    return matrix


def risk_history(source: Source, risk_id: int | None = None) -> pd.DataFrame:
    """The log of the riskanalys's changes (of one risk, if given), oldest first."""
    return _loopstore.history(source, "risk", risk_id)


def _checked_scores(sannolikhet: Any, konsekvens: Any) -> list[str]:
    return [f"{name} ska vara ett heltal 1-4 (inte {value!r})"
            for name, value in (("sannolikhet", sannolikhet), ("konsekvens", konsekvens))
            if isinstance(value, bool) or value not in SCALE]


def _watch(checklist: str | None, item: str | None, indicator: str | None,
           problems: list[str]) -> dict[str, Any]:
    """The egenkontroll watching a risk, checked: a checklist item, a register indicator, or none."""
    watch = {"checklist_id": None, "item_id": None, "indicator": None}
    if indicator is not None:
        if indicator not in INDICATORS:
            problems.append(f"registeruppgiften {indicator!r} finns inte; välj bland {', '.join(INDICATORS)}")
        watch["indicator"] = indicator
    if checklist is None and item is None:
        return watch
    if checklist is None or item is None:
        problems.append("ange både checklistan och frågan som bevakar risken")
        return watch
    try:
        loaded = checklists.load(checklist)
    except ChecklistError:
        problems.append(f"checklistan {checklist!r} finns inte")
        return watch
    if item not in {entry.id for entry in loaded.items}:
        problems.append(f"checklistan {loaded.id} har ingen fråga {item!r}")
    return {**watch, "checklist_id": loaded.id, "item_id": item}


def _watched_by(row: dict[str, Any], words: LoopWords) -> str:
    """The egenkontroll watching a risk in words: ``"Våldsfråga: Har frågan om våld ställts …?"``, a
    register indicator's name, or both."""
    parts = []
    if row["checklist_id"]:
        parts.append(words.item(row["checklist_id"], row["item_id"]))
    if row["indicator"]:
        parts.append(INDICATORS[row["indicator"]])
    return "; ".join(parts)
