"""egenkontroll: journalgranskning and egenkontroll for Swedish social services.

The errors are imported at once; everything else on first use (PEP 562), so that a notebook that
needs only a part (the dashboard's start view) does not pay for pandas, scipy and matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from egenkontroll.errors import (
    ChecklistError,
    ConflictError,
    EgenkontrollError,
    Problem,
    RegisterError,
    SessionError,
    UserError,
    WorkspaceError,
)

if TYPE_CHECKING:
    from egenkontroll import checklists, rules
    from egenkontroll.workspace import ImportReport, Workspace

__version__ = "0.1.0"

__all__ = [
    "ChecklistError",
    "ConflictError",
    "EgenkontrollError",
    "ImportReport",
    "Problem",
    "RegisterError",
    "SessionError",
    "UserError",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "checklists",
    "rules",
]

#: public name -> the module that defines it (a module itself when the name is the module's)
_LAZY = {
    "ImportReport": "egenkontroll.workspace",
    "Workspace": "egenkontroll.workspace",
    "checklists": "egenkontroll.checklists",
    "rules": "egenkontroll.rules",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'egenkontroll' has no attribute {name!r}")
    module = importlib.import_module(_LAZY[name])
    value = module if module.__name__.endswith(f".{name}") else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
