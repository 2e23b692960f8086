"""Drill helper run as a child process: record answers into a session and acknowledge each one.

After every ``session.record`` returns, one line ``ok CASE ITEM REVISION VALUE`` is printed and
flushed; a ConflictError prints ``konflikt CASE ITEM``. Any other error ends the process with the
message on stderr and exit code 1, so the parent test sees it.

Usage::

    python record_child.py WORKSPACE SESSION --cases A,B --items x,y --count N [--reviewer R] [--wait]

The answers cycle over every (case, item) pair, alternating the values "ja" and "nej"; with
``--wait`` the child first prints ``redo`` and waits for a line on stdin (a start signal).
"""

from __future__ import annotations

import argparse
import itertools
import sys

from egenkontroll import ConflictError
from egenkontroll.workspace import Workspace


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("workspace")
    parser.add_argument("session")
    parser.add_argument("--cases", required=True, type=lambda text: text.split(","))
    parser.add_argument("--items", required=True, type=lambda text: text.split(","))
    parser.add_argument("--count", required=True, type=int)
    parser.add_argument("--reviewer", default="drill")
    parser.add_argument("--wait", action="store_true")
    return parser.parse_args()


def main() -> int:
    options = _arguments()
    with Workspace.open(options.workspace) as workspace:
        session = workspace.session(options.session)
        pairs = itertools.cycle(itertools.product(options.cases, options.items))
        values = itertools.cycle(["ja", "nej"])
        if options.wait:
            print("redo", flush=True)
            sys.stdin.readline()
        for (case_id, item_id), value in itertools.islice(zip(pairs, values, strict=False), options.count):
            try:
                revision = session.record(case_id, item_id, value, reviewer=options.reviewer)
            except ConflictError:
                print(f"konflikt {case_id} {item_id}", flush=True)
                continue
            print(f"ok {case_id} {item_id} {revision} {value}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
