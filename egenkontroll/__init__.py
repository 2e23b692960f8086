"""egenkontroll: journalgranskning and egenkontroll for Swedish social services.

The public face: everything a notebook, a script or the README needs is a name here, so nobody imports
a submodule. The errors are imported at once; everything else on first use (PEP 562), so that a
notebook that needs only a part (the dashboard's start view) does not pay for pandas, scipy and
matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from egenkontroll._version import __version__
from egenkontroll.errors import (
    AccessError,
    ChecklistError,
    ConflictError,
    EffectNotShownError,
    EgenkontrollError,
    LoopError,
    Problem,
    RegisterError,
    SessionError,
    UserError,
    WorkspaceError,
)

if TYPE_CHECKING:
    from egenkontroll import actions, checklists, effect, risks, rules, yearplan
    from egenkontroll.actions import actions_table, add_action
    from egenkontroll.case_table import ImportReport
    from egenkontroll.charts import compliance_figure, trend_figure
    from egenkontroll.dashboard import show as show_dashboard
    from egenkontroll.effect import follow_up, record_follow_up
    from egenkontroll.export import export_underlag_xlsx, export_xlsx
    from egenkontroll.planning import advise, strata_table
    from egenkontroll.report import write_report
    from egenkontroll.results import (
        change_from_previous,
        for_display,
        item_results,
        register_indicators,
        summary_text,
        trend,
    )
    from egenkontroll.review import app as review_app
    from egenkontroll.risks import add_risk, risk_matrix, risks_table
    from egenkontroll.store import Session, sampling_frame
    from egenkontroll.workspace import Workspace
    from egenkontroll.yearplan import add_plan_row, plan_status, plan_summary

__all__ = [
    "AccessError",
    "ChecklistError",
    "ConflictError",
    "EffectNotShownError",
    "EgenkontrollError",
    "ImportReport",
    "LoopError",
    "Problem",
    "RegisterError",
    "Session",
    "SessionError",
    "UserError",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "actions",
    "actions_table",
    "add_action",
    "add_plan_row",
    "add_risk",
    "advise",
    "change_from_previous",
    "checklists",
    "compliance_figure",
    "effect",
    "export_underlag_xlsx",
    "export_xlsx",
    "follow_up",
    "for_display",
    "item_results",
    "plan_status",
    "plan_summary",
    "record_follow_up",
    "register_indicators",
    "review_app",
    "risk_matrix",
    "risks",
    "risks_table",
    "rules",
    "sampling_frame",
    "show_dashboard",
    "strata_table",
    "summary_text",
    "trend",
    "trend_figure",
    "write_report",
    "yearplan",
]

#: public name -> (the module that defines it, its name there; None when the name is the module itself)
_LAZY: dict[str, tuple[str, str | None]] = {
    "ImportReport": ("egenkontroll.case_table", "ImportReport"),
    "Session": ("egenkontroll.store", "Session"),
    "Workspace": ("egenkontroll.workspace", "Workspace"),
    "actions": ("egenkontroll.actions", None),
    "actions_table": ("egenkontroll.actions", "actions_table"),
    "add_action": ("egenkontroll.actions", "add_action"),
    "add_plan_row": ("egenkontroll.yearplan", "add_plan_row"),
    "add_risk": ("egenkontroll.risks", "add_risk"),
    "advise": ("egenkontroll.planning", "advise"),
    "change_from_previous": ("egenkontroll.results", "change_from_previous"),
    "checklists": ("egenkontroll.checklists", None),
    "compliance_figure": ("egenkontroll.charts", "compliance_figure"),
    "effect": ("egenkontroll.effect", None),
    "follow_up": ("egenkontroll.effect", "follow_up"),
    "export_underlag_xlsx": ("egenkontroll.export", "export_underlag_xlsx"),
    "export_xlsx": ("egenkontroll.export", "export_xlsx"),
    "for_display": ("egenkontroll.results", "for_display"),
    "item_results": ("egenkontroll.results", "item_results"),
    "plan_status": ("egenkontroll.yearplan", "plan_status"),
    "plan_summary": ("egenkontroll.yearplan", "plan_summary"),
    "record_follow_up": ("egenkontroll.effect", "record_follow_up"),
    "register_indicators": ("egenkontroll.results", "register_indicators"),
    "review_app": ("egenkontroll.review", "app"),
    "risk_matrix": ("egenkontroll.risks", "risk_matrix"),
    "risks": ("egenkontroll.risks", None),
    "risks_table": ("egenkontroll.risks", "risks_table"),
    "rules": ("egenkontroll.rules", None),
    "sampling_frame": ("egenkontroll.store", "sampling_frame"),
    "show_dashboard": ("egenkontroll.dashboard", "show"),
    "strata_table": ("egenkontroll.planning", "strata_table"),
    "summary_text": ("egenkontroll.results", "summary_text"),
    "trend": ("egenkontroll.results", "trend"),
    "trend_figure": ("egenkontroll.charts", "trend_figure"),
    "write_report": ("egenkontroll.report", "write_report"),
    "yearplan": ("egenkontroll.yearplan", None),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'egenkontroll' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
