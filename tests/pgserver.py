"""The throwaway PostgreSQL cluster of a test run (:class:`egenkontroll._pgcluster.Cluster`) and the pytest
plumbing around it. Each test gets a database of its own on the cluster.

Registered by the root conftest:

- test modules marked ``both_backends`` run every test that uses the ``database_url`` fixture (and so
  ``workspace``) twice: on SQLite and, marked ``postgres``, on PostgreSQL;
- a machine without PostgreSQL skips the ``postgres`` tests with the reason;
- with ``EGENKONTROLL_REQUIRE_POSTGRES`` set (``.ci/run`` sets it), such a skip is a failure instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from egenkontroll._pgcluster import Cluster, unavailable

#: set (to anything) when a skipped PostgreSQL test must fail the run
REQUIRE = "EGENKONTROLL_REQUIRE_POSTGRES"
#: the backends of a ``both_backends`` test, as ``database_url`` params
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


# --- pytest plumbing ----------------------------------------------------------------------------

def pytest_configure(config: pytest.Config) -> None:
    """Register the markers."""
    config.addinivalue_line("markers", "postgres: runs against the throwaway PostgreSQL cluster; "
                                       f"skipped without one, a failure when ${REQUIRE} is set")
    config.addinivalue_line("markers", "both_backends: tests using database_url run on SQLite and PostgreSQL")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the ``database_url`` tests of ``both_backends`` modules on each backend."""
    if "database_url" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_backends"):
        metafunc.parametrize("database_url", BACKENDS, indirect=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With ``$EGENKONTROLL_REQUIRE_POSTGRES`` set, a skipped ``postgres`` test fails: no green run
    without the server."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.get_closest_marker("postgres") is not None and os.environ.get(REQUIRE):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = (f"${REQUIRE} is set, but this PostgreSQL test was skipped: "
                           f"{reason.removeprefix('Skipped: ')}")


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """The throwaway cluster of this test run (skips the test when none can start here)."""
    reason = unavailable()
    if reason is not None:
        pytest.skip(f"PostgreSQL tests need a local server: {reason}")
    cluster = Cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str | None]:
    """The workspace database of a test: None, the workspace's own SQLite file, unless the test is
    parametrised with ``"postgresql"``: then a fresh database on the cluster, also in
    ``$EGENKONTROLL_DATABASE_URL`` so that reopened workspaces and child processes find it."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield None
        return
    cluster: Cluster = request.getfixturevalue("postgres_cluster")
    url = cluster.create_database()
    monkeypatch.setenv("EGENKONTROLL_DATABASE_URL", url)
    yield url
    cluster.drop_database(url)
