"""Write demo_domain_counts.csv: the input of every domain figure of the demo workspace, per stratum.

Run once (not by the suite) after ``egenkontroll --workspace DIR demo --no-serve``:

    python tests/egenkontroll/data/demo_domains.py DIR

Every call ``results`` makes to ``sampling.evaluate_domain_counts`` (all breakdowns, per datum the demo's
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
    evaluate = sampling.evaluate_domain_counts

    def recording(population, sampled, n_domain, k_domain, **options):
        calls.append(pd.DataFrame({"N": population, "n": sampled, "n_domain": n_domain, "k_domain": k_domain,
                                   "stratum": range(len(population)), "scenario": f"demo-{len(calls):03d}"}))
        return evaluate(population, sampled, n_domain, k_domain, **options)

    sampling.evaluate_domain_counts = recording
    with ek.Workspace.open(workspace) as ws:
        for by in (None, "enhet", "arendetyp", "kon", "tertial", "ar"):
            results.item_results(ws, by=by, as_of=demo.EXPORT_DATE)
    columns = ["scenario", "stratum", "N", "n", "n_domain", "k_domain"]
    pd.concat(calls)[columns].astype({"N": int}).to_csv(HERE / "demo_domain_counts.csv", index=False)


if __name__ == "__main__":
    main(sys.argv[1])
