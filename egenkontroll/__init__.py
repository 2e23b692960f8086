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

__version__ = "0.1.0"

__all__ = [
    "ChecklistError",
    "ConflictError",
    "EgenkontrollError",
    "Problem",
    "RegisterError",
    "SessionError",
    "UserError",
    "WorkspaceError",
    "__version__",
]
