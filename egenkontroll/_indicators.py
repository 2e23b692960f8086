"""Register indicators for :mod:`egenkontroll.results`: figures over every case in the register (no
sampling, so no intervals), each rule computed by :mod:`egenkontroll.rules`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from egenkontroll import case_table, rules
from egenkontroll._estimation import SUPPRESSION_LIMIT
from egenkontroll.perdatum import per_datum
from egenkontroll.periods import tertial_label

if TYPE_CHECKING:
    from egenkontroll.store import Source


def register_indicators(ws: Source, *, as_of: dt.date | str | None = None) -> dict[str, pd.DataFrame]:
    """Indicators computed for every case in the register (no sampling, so no intervals).

    Returns
    -------
    dict
        ``"forhandsbedomning_14_dagar"`` and ``"utredning_4_manader"``: per tertial of the date the
        rule counts from: period, k (in time), n (decided), share, suppressed.
        ``"utredningstid"``: closed child investigations per tertial of closing: period, n, median,
        q1, q3 (days), suppressed.
        ``"ej_verkstallda"``: per calendar quarter up to *as_of*: quarter ("2026-K1"), quarter_end,
        count (decisions not carried out within 3 months, still waiting at the quarter's end),
        carried_out_late (carried out during the quarter, after the 3 months).
        ``"ej_verkstallda_lista"``: the decisions waiting past 3 months on *as_of*: arende_id,
        person_id (pseudonym), enhet, arendetyp, beslut_datum, deadline, days_waiting.
    """
    return indicators_of(case_table.corrected_cases(ws), pd.Timestamp(per_datum(as_of)))


def indicators_of(frame: pd.DataFrame, day: pd.Timestamp) -> dict[str, pd.DataFrame]:
    """:func:`register_indicators` on a register frame (canonical, typed columns)."""
    status = rules.register_status(frame, day.date())
    deadline = rules.deadlines("verkstallighet_3_manader", frame["beslut_datum"])
    return {
        "forhandsbedomning_14_dagar": _share_per_tertial(status["forhandsbedomning_14_dagar"],
                                                         frame["inkom_datum"]),
        "utredning_4_manader": _share_per_tertial(status["utredning_4_manader"], frame["utredning_inledd"]),
        "utredningstid": _investigation_times(frame, day),
        "ej_verkstallda": _late_per_quarter(frame, deadline, day),
        "ej_verkstallda_lista": _waiting(frame, deadline, day),
    }


def _share_per_tertial(verdicts: pd.Series, dates: pd.Series) -> pd.DataFrame:
    decided = verdicts.notna()
    table = (pd.DataFrame({"period": tertial_label(dates[decided]), "yes": verdicts[decided].astype(bool)})
             .groupby("period")["yes"].agg(k="sum", n="size").reset_index())
    table["share"] = table["k"] / table["n"]
    table["suppressed"] = table["n"] < SUPPRESSION_LIMIT
    return table.astype({"k": int, "n": int})


def _investigation_times(frame: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    start, end = frame["utredning_inledd"], frame["utredning_avslutad"]
    closed = (frame["arendetyp"] == "barn_och_unga") & start.notna() & (end >= start) & (end <= day)
    days = (end[closed] - start[closed]).dt.days
    grouped = days.groupby(tertial_label(end[closed]).rename("period"))
    table = pd.DataFrame({"n": grouped.size(), "median": grouped.median(), "q1": grouped.quantile(0.25),
                          "q3": grouped.quantile(0.75)}).reset_index()
    table["suppressed"] = table["n"] < SUPPRESSION_LIMIT
    return table


def _late_per_quarter(frame: pd.DataFrame, deadline: pd.Series, day: pd.Timestamp) -> pd.DataFrame:
    done = frame["verkstallt_datum"]
    columns = ["quarter", "quarter_end", "count", "carried_out_late"]
    if not deadline.notna().any():
        return pd.DataFrame(columns=columns)
    last = (day + pd.Timedelta(days=1)).to_period("Q") - 1
    rows = []
    for quarter in pd.period_range(deadline.min().to_period("Q"), last, freq="Q"):
        start, end = quarter.start_time.normalize(), quarter.end_time.normalize()
        late = done.between(start, end) & (done > deadline)
        waiting = int(rules.waiting(frame, end.date()).sum())
        rows.append((f"{quarter.year}-K{quarter.quarter}", end, waiting, int(late.sum())))
    return pd.DataFrame(rows, columns=columns)


def _waiting(frame: pd.DataFrame, deadline: pd.Series, day: pd.Timestamp) -> pd.DataFrame:
    waiting = rules.waiting(frame, day.date())
    listing = frame.loc[waiting, ["arende_id", "person_id", "enhet", "arendetyp", "beslut_datum"]].copy()
    listing["deadline"] = deadline[waiting]
    listing["days_waiting"] = (day - listing["beslut_datum"]).dt.days
    return listing.sort_values(["days_waiting", "arende_id"], ascending=[False, True]).reset_index(drop=True)

