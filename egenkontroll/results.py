"""Results of the granskningar: compliance per checklist item with design-correct intervals,
breakdowns, goals and traffic lights, change over time, and register-wide indicators.

This module is the face of four private ones, one per concern: :mod:`egenkontroll._material`
(gathering the answers and verdicts of the sampled cases), :mod:`egenkontroll._estimation` (figures,
goals, traffic lights, change, trend), :mod:`egenkontroll._presentation` (display frame, coverage and
kvalitetsberättelse text, JSON) and :mod:`egenkontroll._indicators` (register indicators).

Statistics (the decisions behind every figure):

Counting
    For a ja/nej item, n = sampled cases where the item is visible and answered "ja" or "nej"
    ("ej_aktuellt", unanswered and hidden items are left out); k = the "ja" answers. For a
    computed item, k = verdicts True and n = verdicts True or False on the sampled cases (an
    undecided verdict, None, is left out); verdicts use the reviewers' date corrections and
    ``as_of`` (default ``$EGENKONTROLL_PER_DATUM`` or today). Free-text, date, number and choice
    items get no row (the answer type decides: :attr:`egenkontroll.answertypes.AnswerType.countable`,
    ``yes`` and ``no``).
Strata
    Every stratum of every session is a stratum of its own (an unstratified session is one
    stratum). Several sessions of one checklist (e.g. one per tertial) are therefore combined as
    a stratified sample, never pooled. That needs disjoint frames: a new session whose period
    overlaps one of the same checklist is refused (``store.create_session``); in a workspace that
    already holds overlapping sessions, the one with the longest period is used and the others are
    left out, named with the reason (``attrs["left_out"]``, the JSON's ``left_out``, the text).
Domains
    An item's applicable cases, a group (enhet, ärendetyp, kön, tertial, månad, år) and ``period`` are
    domains cutting across strata. A domain made of whole strata (in every stratum it touches, all
    responding cases are in it) has known stratum sizes. Any other domain has a random size in the
    sample: it is estimated with ``sampling.evaluate_domain_counts`` (ratio estimator, linearised variance
    over all responding cases of each stratum, Korn-Graubard interval; as R survey's ``subset()``,
    ``svymean`` and ``svyciprop(method="beta")``), never with rounded domain sizes taken as known.
    Responding cases are the reviewed ones (at least one answer) for ja/nej items and all sampled
    cases for computed items (a verdict needs no reviewer), i.e. unreviewed cases are taken as
    missing at random within their stratum.
Intervals
    Whole strata: on one stratum the cases are a simple random sample: Wilson score interval, or,
    when the stratum's sampling fraction n_h/N_h exceeds :data:`HYPERGEOMETRIC_FRACTION` (10 %), the
    exact hypergeometric interval with population N_h (``sampling.evaluate``); on several strata
    ``sampling.evaluate_stratified`` (Korn-Graubard). Other domains: ``sampling.evaluate_domain_counts``
    ("domain-korn-graubard"; "domain-clopper-pearson" when every answer is the same;
    "domain-census" when the domain lies in strata reviewed in full, where the share is known). The column
    ``method`` names what was used; ``se`` is the design-based standard error of ``estimate`` (as R
    survey's SE); k and n are the raw counts in the sample, ``estimate`` the design-weighted share.
Coverage
    Every row says what it covers: ``population`` (the frame cases the figure describes: N_h for
    whole strata, otherwise the domain's estimated size), ``frame_cases`` (cases in the frames of the
    granskningar used), ``uncovered_cases`` (frame cases in strata without any responding case: the
    figure says nothing about them) and ``missing_periods`` (tertials of the period, by default the
    span of the granskningar, without a granskning of the checklist).
Goals and traffic lights
    Default goal 100 % for critical items and computed (legal time limit) items, 90 % for other
    items tied to a legal reference (``lagrum``). An item that is neither (a fact that steers
    follow-up questions, e.g. "Framkom det att våld förekommit?") measures no compliance: its
    share is reported with goal NaN and status None. ``goals={item_id: rate}`` (or
    ``{"checklist_id.item_id": rate}``, which wins) overrides. See :data:`TRAFFIC_LIGHT_RULE`.
    A row without cases (n = 0) has no status (None).
Suppression
    A figure that rests on fewer than :data:`SUPPRESSION_LIMIT` (5) cases is flagged
    ``suppressed`` and shown as "–" by :func:`for_display` and :func:`summary_text`.
Change
    :func:`change_from_previous` compares the raw counts of two periods with Fisher's exact test
    (two-sided, ``scipy.stats.fisher_exact``); for stratified sessions this ignores the weights
    (an approximation, stated in the output's ``test`` column).
Register indicators
    :func:`register_indicators` uses every case in the register (with the reviewers' date
    corrections), no sampling, so no intervals: shares within 14 days per tertial of
    inkom_datum and within 4 months per tertial of utredning_inledd (``rules.register_status``);
    utredningstid (utredning_avslutad - utredning_inledd, closed child investigations) per
    tertial in which the investigation closed, quartiles by linear interpolation; decisions not
    carried out within 3 months per calendar quarter, as the 34 kap. report counts them at the
    quarter's end.
"""

from egenkontroll._estimation import (
    CRITICAL_GOAL,
    DEFAULT_GOAL,
    DIMENSIONS,
    HYPERGEOMETRIC_FRACTION,
    RESULT_COLUMNS,
    SIGNIFICANCE,
    SUPPRESSION_LIMIT,
    ItemResults,
    change_from_previous,
    item_results,
    traffic_light,
    trend,
)
from egenkontroll._indicators import register_indicators
from egenkontroll._presentation import (
    METHOD_NAMES,
    TRAFFIC_LIGHT_RULE,
    coverage_notes,
    coverage_text,
    for_display,
    results_json,
    session_records,
    summary_text,
)
from egenkontroll.periods import tertial_label  # noqa: F401 - named here by the browser tests

__all__ = [
    "RESULT_COLUMNS",
    "DIMENSIONS",
    "SUPPRESSION_LIMIT",
    "SIGNIFICANCE",
    "HYPERGEOMETRIC_FRACTION",
    "CRITICAL_GOAL",
    "DEFAULT_GOAL",
    "TRAFFIC_LIGHT_RULE",
    "METHOD_NAMES",
    "item_results",
    "ItemResults",
    "traffic_light",
    "for_display",
    "change_from_previous",
    "trend",
    "register_indicators",
    "summary_text",
    "coverage_text",
    "coverage_notes",
    "results_json",
    "session_records",
]
