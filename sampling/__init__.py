"""Pure statistics for audit sampling: plan, select, evaluate (also in domains), verify; agreement
between raters; run and p-chart rules.

``sampling`` knows nothing about social services and never imports ``egenkontroll``.
See ``sampling/README.md`` for the conventions (AICPA tables, hashing, intervals).
"""

from ._agreement import (
    Agreement,
    cohen_kappa,
    conger_kappa,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac1_raw,
    krippendorff_alpha,
)
from ._domain import DomainEstimate, evaluate_domain, evaluate_domain_counts
from ._evaluate import Interval, evaluate
from ._manifest import Verification, verify
from ._plan import Plan, plan, sample_size_for_margin
from ._runcharts import PLimits, RunsAnalysis, p_limits, runs_analysis
from ._select import Selection, select
from ._stratified import StratifiedEstimate, evaluate_stratified
from ._version import __version__
from .errors import SamplingError, VerificationError

__all__ = [
    "__version__",
    "Agreement",
    "DomainEstimate",
    "Interval",
    "Plan",
    "PLimits",
    "RunsAnalysis",
    "SamplingError",
    "Selection",
    "StratifiedEstimate",
    "Verification",
    "VerificationError",
    "cohen_kappa",
    "conger_kappa",
    "evaluate",
    "evaluate_domain",
    "evaluate_domain_counts",
    "evaluate_stratified",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac1_raw",
    "krippendorff_alpha",
    "p_limits",
    "plan",
    "runs_analysis",
    "sample_size_for_margin",
    "select",
    "verify",
]
