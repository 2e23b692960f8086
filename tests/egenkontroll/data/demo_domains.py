"""Write demo_domain_counts.csv: the input of every domain figure of the demo workspace, per stratum.

Run once (not by the suite) after ``egenkontroll --workspace DIR demo --no-serve``:

    python tests/egenkontroll/data/demo_domains.py DIR

Every call ``results`` makes to ``sampling.evaluate_domain`` (all breakdowns, per datum the demo's
export date) is recorded per stratum (N, responding n, domain cases, domain "ja");
``tests/sampling/data/domain_reference.R`` computes R survey's values for the same cases
(demo_domain_reference.csv), and ``test_results`` compares them with what ``results`` computes
from the same counts.
"""

import sys
from pathlib import Path

import pandas as pd

import egenkontroll as ek
import sampling
from egenkontroll import demo, results

HERE = Path(__file__).parent


def main(workspace: str) -> None:
    calls = []
    evaluate = sampling.evaluate_domain

    def recording(stratum, population, in_domain, outcome, **options):
        result = evaluate(stratum, population, in_domain, outcome, **options)
        cases = pd.DataFrame({"stratum": stratum, "N": population, "domain": in_domain,
                              "outcome": pd.Series(in_domain) & pd.Series(outcome)})
        counts = cases.groupby("stratum").agg(N=("N", "first"), n=("N", "size"), n_domain=("domain", "sum"),
                                              k_domain=("outcome", "sum"))
        calls.append(counts.reset_index().assign(scenario=f"demo-{len(calls):03d}"))
        return result

    sampling.evaluate_domain = recording
    with ek.Workspace.open(workspace) as ws:
        for by in (None, "enhet", "arendetyp", "kon", "tertial", "ar"):
            results.item_results(ws, by=by, as_of=demo.EXPORT_DATE)
    columns = ["scenario", "stratum", "N", "n", "n_domain", "k_domain"]
    pd.concat(calls)[columns].astype({"N": int}).to_csv(HERE / "demo_domain_counts.csv", index=False)


if __name__ == "__main__":
    main(sys.argv[1])
