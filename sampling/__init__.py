"""Pure statistics for audit sampling: plan, select, evaluate (also in domains), verify.

``sampling`` knows nothing about social services and never imports ``egenkontroll``.
See ``sampling/README.md`` for the conventions (AICPA tables, hashing, intervals).
"""

from ._domain import DomainEstimate, evaluate_domain
from ._evaluate import Interval, evaluate
from ._manifest import Verification, verify
from ._plan import Plan, plan, sample_size_for_margin
from ._select import Selection, select
from ._stratified import StratifiedEstimate, evaluate_stratified
from ._version import __version__
from .errors import SamplingError, VerificationError

__all__ = [
    "__version__",
    "DomainEstimate",
    "Interval",
    "Plan",
    "SamplingError",
    "Selection",
    "StratifiedEstimate",
    "Verification",
    "VerificationError",
    "evaluate",
    "evaluate_domain",
    "evaluate_stratified",
    "plan",
    "sample_size_for_margin",
    "select",
    "verify",
]
