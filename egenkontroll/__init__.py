"""egenkontroll: journalgranskning and egenkontroll for Swedish social services."""

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
