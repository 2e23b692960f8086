"""The Beta interval of Korn and Graubard (1998), shared by the stratified and the domain estimator.

Given an estimate and its effective sample size, the interval is Clopper-Pearson's for
``n_effective * estimate`` successes in ``n_effective`` trials, as R survey's
``svyciprop(method = "beta")``. The quantiles come from ``scipy.special`` (``betaincinv``,
``stdtrit``), the functions ``scipy.stats``' ``beta.ppf`` and ``t.ppf`` call, without their overhead.
"""

from __future__ import annotations

from scipy import special


def beta_interval(estimate: float, n_effective: float, alpha: float) -> tuple[float, float]:
    """The two-sided ``1 - alpha`` Beta interval around *estimate* with *n_effective* trials."""
    successes, failures = n_effective * estimate, n_effective * (1 - estimate)
    lower = 0.0 if estimate <= 0 else float(special.betaincinv(successes, failures + 1, alpha / 2))
    upper = 1.0 if estimate >= 1 else float(special.betaincinv(successes + 1, failures, 1 - alpha / 2))
    return lower, upper


def t_ratio(alpha: float, n: int, df: int) -> float:
    """``t_{alpha/2, n - 1} / t_{alpha/2, df}``: the degrees-of-freedom correction of the effective size."""
    return float(special.stdtrit(n - 1, alpha / 2) / special.stdtrit(df, alpha / 2))
