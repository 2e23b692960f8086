"""The PostgreSQL test plumbing (tests/pgserver.py): a skipped server test fails a run that requires the
server, and a machine without one is told why."""

from __future__ import annotations

import pytest

from egenkontroll import _pgcluster
from tests import pgserver
from tests.conftest import REPO

SKIPPING = """
import pytest

@pytest.fixture
def server():
    pytest.skip("no server here")

@pytest.mark.postgres
def test_on_the_server(server):
    pass

@pytest.mark.postgres
def test_skipping_itself_on_the_server():
    pytest.skip("skipped in the test")

def test_not_about_the_server():
    pytest.skip("another reason")
"""


@pytest.mark.parametrize(("required", "outcomes"), [
    ("", {"skipped": 3}),
    ("1", {"errors": 1, "failed": 1, "skipped": 1}),  # skipped in setup: an error; in the test: a failure
])
def test_a_skipped_postgres_test_fails_when_the_server_is_required(pytester, monkeypatch, required, outcomes):
    monkeypatch.setenv(pgserver.REQUIRE, required)
    pytester.makeconftest('pytest_plugins = ["tests.pgserver"]')
    pytester.makepyfile(SKIPPING)
    result = pytester.runpytest("-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(**outcomes)
    assert (result.ret != 0) == bool(required)
    if required:
        result.stdout.fnmatch_lines([f"*${pgserver.REQUIRE} is set, but this PostgreSQL test was skipped: "
                                     "no server here*"])


def test_without_a_server_the_reason_says_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.setattr(_pgcluster, "BINARIES", str(tmp_path / "*" / "bin"))
    assert _pgcluster.server_binaries() is None
    assert "apt-get install postgresql" in _pgcluster.unavailable()


def test_ci_requires_the_server():
    assert f"export {pgserver.REQUIRE}=1" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
