"""The review store: sessions, answers, revisions and conflicts, corrections, audit log, progress.

Every test using a workspace runs on SQLite and on PostgreSQL (``both_backends``, tests/pgserver.py)."""

from __future__ import annotations

import getpass
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from drills.race import at_once
from drills.synthetic import FIRST_DAY, case_id, row, write_register

import sampling
from egenkontroll import ConflictError, SessionError, _db, checklists, store
from egenkontroll.case_table import corrected_cases
from egenkontroll.checklists import loads
from egenkontroll.periods import parse_period, period_label
from egenkontroll.store import ANSWER_COLUMNS

pytestmark = pytest.mark.both_backends

CASES = 120


@pytest.fixture
def ws(workspace, tmp_path):
    """A workspace holding the synthetic register of CASES cases."""
    workspace.import_register(write_register(tmp_path / "register.csv", CASES))
    return workspace


@pytest.fixture
def vald(ws):
    """A våldsfråga session of 12 cases (every synthetic case has a förhandsbedömning)."""
    return ws.create_session("valdsfraga", n=12, seed=7)


def _rows(condition) -> list[dict[str, str]]:
    return [r for r in map(row, range(CASES)) if condition(r)]


def _child_case_in(start: str, end: str) -> pd.DataFrame:
    """The sampling frame of utredningstid in a period, built without the store."""
    return _rows(lambda r: r["arendetyp"] == "barn_och_unga" and start <= r["inkom_datum"] <= end)


# --- periods ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("period", "start", "end"), [
    ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    (2024, date(2024, 1, 1), date(2024, 12, 31)),
    ("2026-T1", date(2026, 1, 1), date(2026, 4, 30)),
    ("2026-t2", date(2026, 5, 1), date(2026, 8, 31)),
    ("2026-T3", date(2026, 9, 1), date(2026, 12, 31)),
    (("2026-02-03", date(2026, 3, 1)), date(2026, 2, 3), date(2026, 3, 1)),
])
def test_periods_are_inclusive_date_ranges(period, start, end):
    assert parse_period(period) == (start, end)


def test_no_period_means_every_case():
    assert parse_period(None) is None
    assert period_label(None) == "alla"


@pytest.mark.parametrize("period", ["2026", "2026-T1", "2026-T3", ("2026-02-03", "2026-03-01")])
def test_period_label_names_the_period_and_parses_back_to_it(period):
    label = period_label(parse_period(period))
    assert label == (period if isinstance(period, str) else "20260203-20260301")
    if isinstance(period, str):
        assert parse_period(label) == parse_period(period)


@pytest.mark.parametrize(("period", "message"), [
    ("2026-T4", "förstås inte"), ("våren", "förstås inte"), (("2026-03-01",), "förstås inte"),
    (("2026-03-01", "2026-02-01"), "slutar"), (("2026-13-01", "2026-12-31"), "inget datum"),
])
def test_bad_periods_are_refused_in_swedish(period, message):
    with pytest.raises(SessionError, match=message):
        parse_period(period)


# --- creating and reopening sessions ------------------------------------------------------------

def test_session_draws_from_the_cases_the_checklist_applies_to_in_the_period(ws):
    session = ws.create_session("utredningstid", n=10, seed=42, period="2026-T2")
    frame = pd.DataFrame(_child_case_in("2026-05-01", "2026-08-31"))
    expected = sampling.select(frame, 10, seed=42, id_column="arende_id")
    assert session.case_ids == expected.ids
    assert session.manifest["N"] == len(frame)
    assert session.period == (date(2026, 5, 1), date(2026, 8, 31))
    assert re.fullmatch(r"2026-T2-utredningstid-[0-9a-f]{4}", session.id)
    verification = session.verify()
    assert verification and not verification.frame_changed


def test_design_holds_stratum_probability_and_weight_per_case(ws):
    session = ws.create_session("utredningstid", n=20, seed=3, strata="enhet")
    frame = pd.DataFrame(_child_case_in("0000", "9999"))
    sizes = frame["enhet"].value_counts()
    design = session.design.merge(frame[["arende_id", "enhet"]], on="arende_id")
    assert list(session.design.columns) == ["arende_id", "stratum", "inclusion_probability", "weight"]
    assert (design["stratum"] == design["enhet"]).all()
    drawn = design["stratum"].value_counts()
    for stratum, group in design.groupby("stratum"):
        share = drawn[stratum] / sizes[stratum]
        assert group["weight"].tolist() == pytest.approx([1 / share] * len(group))
        assert group["inclusion_probability"].tolist() == pytest.approx([share] * len(group))
    assert {entry["stratum"]: entry["N"] for entry in session.manifest["strata"]} == sizes.to_dict()


def test_same_seed_draws_the_same_cases_and_no_seed_records_a_fresh_one(ws):
    first = ws.create_session("valdsfraga", n=8, seed=11)
    again = ws.create_session("valdsfraga", n=8, seed=11, allow_overlap=True)
    assert first.case_ids == again.case_ids and first.id != again.id
    unseeded = ws.create_session("valdsfraga", n=8, allow_overlap=True)
    redrawn = ws.create_session("valdsfraga", n=8, seed=unseeded.manifest["seed"], allow_overlap=True)
    assert isinstance(unseeded.manifest["seed"], int)
    assert redrawn.case_ids == unseeded.case_ids


def test_reuse_returns_the_session_holding_the_same_draw_instead_of_a_second_one(ws):
    first = ws.create_session("valdsfraga", n=10, seed=5, period="2026", strata="enhet", reuse=True)
    again = ws.create_session("valdsfraga", n=10, seed=5, period="2026", strata="enhet", reuse=True,
                              title="Annan titel")
    assert again.id == first.id and len(ws.sessions()) == 1
    assert len(again.audit()) == 1  # one "ny_granskning", no second creation
    other_draws = [dict(n=10, seed=6, period="2026", strata="enhet"), dict(n=11, seed=5, period="2026",
                   strata="enhet"), dict(n=10, seed=5, period="2026-T1", strata="enhet"),
                   dict(n=10, seed=5, period="2026", strata=None)]
    for options in other_draws:
        assert ws.create_session("valdsfraga", reuse=True, allow_overlap=True, **options).id != first.id
    second = ws.create_session("valdsfraga", n=10, seed=5, period="2026", strata="enhet", allow_overlap=True)
    assert second.id != first.id
    assert len(ws.sessions()) == 2 + len(other_draws)


def test_reuse_holds_for_every_case_and_not_across_checklists(ws):
    first = ws.create_session("valdsfraga", n=8, seed=3, reuse=True)
    assert ws.create_session("valdsfraga", n=8, seed=3, reuse=True).id == first.id
    assert ws.create_session("utredningstid", n=8, seed=3, reuse=True).id != first.id


def test_a_sample_larger_than_the_frame_or_an_empty_frame_is_refused(ws):
    available = len(_child_case_in("2026-01-01", "2026-04-30"))
    with pytest.raises(SessionError, match=f"större än antalet ärenden .*\\({available}\\)"):
        ws.create_session("utredningstid", n=available + 1, seed=1, period="2026-T1")
    with pytest.raises(SessionError, match="inga ärenden"):
        ws.create_session("utredningstid", n=1, seed=1, period="2030")
    with pytest.raises(SessionError, match="Ange hur många"):
        ws.create_session("utredningstid", seed=1)
    assert ws.sessions() == []


def test_a_sampling_problem_becomes_a_session_error(ws):
    with pytest.raises(SessionError, match="Urvalet kunde inte dras"):
        ws.create_session("valdsfraga", n=5, seed=1, strata="finns_inte")


def test_reopened_session_has_the_same_sample_checklist_and_metadata(ws, vald, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "annan")
    again = ws.session(vald.id)
    assert again.case_ids == vald.case_ids
    assert again.manifest == vald.manifest
    assert again.checklist.source_text == vald.checklist.source_text
    pd.testing.assert_frame_equal(again.design, vald.design)
    assert (again.created_by, again.created_at, again.title) == (vald.created_by, vald.created_at, vald.title)
    assert [s.id for s in ws.sessions()] == [vald.id]


def test_creator_comes_from_jupyterhub_or_is_given(ws, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "gruppledare")
    assert ws.create_session("valdsfraga", n=2, seed=1).created_by == "gruppledare"
    chosen = ws.create_session("valdsfraga", n=2, seed=1, created_by="chef", allow_overlap=True)
    assert chosen.created_by == "chef"


def test_sessions_share_a_parsed_checklist_text_but_keep_their_own_source(ws, vald, monkeypatch):
    other = ws.create_session("valdsfraga", n=5, seed=8, allow_overlap=True)
    parsed = []
    def counted(*args, **kwargs):
        parsed.append(args)
        return loads(*args, **kwargs)

    monkeypatch.setattr(checklists, "loads", counted)
    store._parsed_snapshot.cache_clear()
    first, second = ws.session(vald.id).checklist, ws.session(other.id).checklist
    assert len(parsed) == 1  # one text, parsed once
    assert first.items == second.items and first.items is not second.items
    assert (first.source, second.source) == (f"granskning {vald.id}", f"granskning {other.id}")


def test_a_stored_checklist_that_cannot_be_read_names_the_session(ws, vald):
    with _db.write(ws.engine) as connection:
        connection.execute(sa.update(_db.sessions).where(_db.sessions.c.id == vald.id)
                           .values(checklist_source="id: [trasig"))
    with pytest.raises(SessionError, match=f"Granskningen {vald.id}: den sparade checklistan kan inte läsas"):
        ws.session(vald.id)


def test_unknown_session_names_the_existing_ones(ws, vald):
    with pytest.raises(SessionError, match=f"finns inte.*{vald.id}"):
        ws.session("2026-T1-saknas-0000")


def test_summary_describes_the_session_in_swedish_keys(ws):
    session = ws.create_session("valdsfraga", n=3, seed=5, period="2026-T1", title="Våld T1")
    session.record(session.case_ids[0], "vald_fragat", "nej")
    assert session.summary() == {
        "id": session.id, "titel": "Våld T1", "checklista": "valdsfraga", "version": "1", "period": "2026-T1",
        "n": 3, "klara": 1, "skapad_av": session.created_by, "skapad": session.created_at,
    }
    assert ws.status()["granskningar"] == [session.summary()]


# --- answers ------------------------------------------------------------------------------------

def test_record_returns_increasing_revisions_and_answers_keeps_the_latest(vald):
    first, second = vald.case_ids[:2]
    assert vald.record(first, "vald_fragat", "ja", reviewer="anna", comment="se journal 3/2") == 1
    assert vald.record(first, "vald_fragat", "nej", reviewer="bo") == 2
    assert vald.record(second, "vald_fragat", "ej_aktuellt", reviewer="anna") == 1
    answers = vald.answers()
    assert list(answers.columns) == ANSWER_COLUMNS
    assert answers[["arende_id", "item_id", "value", "comment", "reviewer", "revision"]].values.tolist() == [
        [first, "vald_fragat", "nej", None, "bo", 2], [second, "vald_fragat", "ej_aktuellt", None, "anna", 1]]
    assert answers["recorded_at"].map(lambda text: pd.Timestamp(text).tzinfo is not None).all()


def test_an_answer_is_committed_when_record_returns(ws, vald):
    vald.record(vald.case_ids[0], "vald_fragat", "ja", reviewer="anna")
    other = sa.create_engine(ws.engine.url)  # a connection of its own, as another process has
    with other.connect() as connection:
        stored = connection.exec_driver_sql("SELECT value, reviewer, revision FROM answers").all()
    other.dispose()
    assert [tuple(row) for row in stored] == [("ja", "anna", 1)]


def test_reviewer_defaults_to_jupyterhub_user_then_the_os_user(vald, monkeypatch):
    vald.record(vald.case_ids[0], "vald_fragat", "ja")
    monkeypatch.setenv("JUPYTERHUB_USER", "hubanvandare")
    vald.record(vald.case_ids[1], "vald_fragat", "ja")
    assert vald.answers()["reviewer"].tolist() == [getpass.getuser(), "hubanvandare"]


def test_values_are_checked_against_the_item_type(ws, tmp_path):
    session = ws.create_session(_write_checklist(tmp_path), n=2, seed=1)
    case = session.case_ids[0]
    assert session.record(case, "besok", date(2026, 3, 4)) == 1
    assert session.record(case, "samtal", 3) == 1
    assert session.record(case, "form", "telefon") == 1
    assert session.record(case, "anteckning", "  fritt  ") == 1
    assert dict(session.answers()[["item_id", "value"]].values) == {
        "besok": "2026-03-04", "samtal": "3", "form": "telefon", "anteckning": "fritt"}
    for item, value, message in [("dokumenterat", "kanske", "ja, nej eller ej_aktuellt"),
                                 ("besok", "4 mars", "datum"), ("samtal", "tre", "tal"),
                                 ("form", "brev", "hembesok, telefon"), ("anteckning", " ", "tomt")]:
        with pytest.raises(SessionError, match=message):
            session.record(case, item, value)


def test_unknown_case_unknown_item_and_computed_item_are_refused(ws):
    session = ws.create_session("utredningstid", n=3, seed=1)
    outside = next(case_id(i) for i in range(CASES) if case_id(i) not in session.case_ids)
    with pytest.raises(SessionError, match="ingår inte i granskningen"):
        session.record(outside, "datum_stammer", "ja")
    with pytest.raises(SessionError, match="har ingen fråga 'finns_inte'"):
        session.record(session.case_ids[0], "finns_inte", "ja")
    with pytest.raises(SessionError, match="beräknas från registrets datum"):
        session.record(session.case_ids[0], "forhandsbedomning_14_dagar", "ja")
    assert session.answers().empty and session.audit()["action"].tolist() == ["ny_granskning"]


def test_none_clears_an_answer(vald):
    case = vald.case_ids[0]
    vald.record(case, "vald_fragat", "nej")
    assert vald.is_done(case)
    assert vald.record(case, "vald_fragat", None) == 2
    assert vald.answers().empty and not vald.is_done(case)


# --- conflicts ----------------------------------------------------------------------------------

def test_two_reviewers_changing_one_answer_get_a_conflict_not_an_overwrite(ws, vald):
    other = ws.session(vald.id)
    case = vald.case_ids[0]
    vald.record(case, "vald_fragat", "ja", reviewer="anna")
    with pytest.raises(ConflictError, match=r"ändrades av anna .*\(version 1\).*sparades inte"):
        other.record(case, "vald_fragat", "nej", reviewer="bo")
    assert vald.answers()[["value", "reviewer"]].values.tolist() == [["ja", "anna"]]
    assert other.record(case, "vald_fragat", "nej", reviewer="bo") == 2  # the deliberate retry
    with pytest.raises(ConflictError):
        vald.record(case, "vald_fragat", "ej_aktuellt", reviewer="anna")


def test_different_items_and_cases_do_not_conflict(ws, vald):
    other = ws.session(vald.id)
    first, second = vald.case_ids[:2]
    vald.record(first, "vald_fragat", "ja")
    other.record(first, "framkom_vald", "nej")
    other.record(second, "vald_fragat", "ja")
    assert len(vald.answers()) == 3


def test_explicit_expected_revision_is_checked(vald):
    case = vald.case_ids[0]
    vald.record(case, "vald_fragat", "ja")
    vald.record(case, "vald_fragat", "nej")
    with pytest.raises(ConflictError, match="version 2"):
        vald.record(case, "vald_fragat", "ja", expected_revision=1)
    assert vald.record(case, "vald_fragat", "ja", expected_revision=2) == 3
    assert vald.revision(case, "vald_fragat") == 3


# --- several answers in one transaction ---------------------------------------------------------

def test_record_many_saves_a_batch_with_revisions_and_audit_like_single_records(vald):
    first, second = vald.case_ids[:2]
    revisions = vald.record_many([
        {"case_id": first, "item_id": "vald_fragat", "value": "ja", "reviewer": "anna"},
        {"case_id": first, "item_id": "vald_fragat", "value": "nej", "reviewer": "anna", "comment": "c"},
        {"case_id": second, "item_id": "vald_fragat", "value": "ja", "reviewer": "bo"},
    ])
    assert revisions == [1, 2, 1]
    assert _plain(vald.answers()[["arende_id", "value", "comment", "revision"]]) == [
        [first, "nej", "c", 2], [second, "ja", None, 1]]
    assert _plain(vald.audit()[["action", "arende_id", "old_value", "new_value", "revision"]])[1:] == [
        ["svar", first, None, "ja", 1], ["svar", first, "ja", "nej", 2], ["svar", second, None, "ja", 1]]
    assert vald.record(first, "vald_fragat", "ja") == 3  # the batch's revisions are remembered


def test_a_bad_answer_anywhere_in_a_batch_writes_none_of_it(ws, vald):
    first, second = vald.case_ids[:2]
    with pytest.raises(SessionError, match="kanske"):
        vald.record_many([{"case_id": first, "item_id": "vald_fragat", "value": "ja"},
                          {"case_id": second, "item_id": "vald_fragat", "value": "kanske"}])
    assert vald.answers().empty and len(vald.audit()) == 1
    assert vald.record(first, "vald_fragat", "ja") == 1


def test_a_batch_contradicting_itself_is_refused_and_teaches_nothing(vald):
    case = vald.case_ids[0]
    with pytest.raises(SessionError, match="flera gånger i samma sats.*version 0.*version 1"):
        vald.record_many([{"case_id": case, "item_id": "vald_fragat", "value": "ja"},
                          {"case_id": case, "item_id": "vald_fragat", "value": "nej",
                           "expected_revision": 0}])
    assert vald.answers().empty and vald.revision(case, "vald_fragat") == 0
    assert vald.record(case, "vald_fragat", "nej") == 1  # no spurious conflict afterwards


def test_a_conflict_in_a_batch_rolls_back_the_batch_and_a_retry_succeeds(ws, vald):
    other = ws.session(vald.id)
    first, second = vald.case_ids[:2]
    other.record(second, "vald_fragat", "nej", reviewer="bo")
    batch = [{"case_id": first, "item_id": "vald_fragat", "value": "ja", "reviewer": "anna"},
             {"case_id": second, "item_id": "vald_fragat", "value": "ja", "reviewer": "anna"}]
    with pytest.raises(ConflictError, match="ändrades av bo"):
        vald.record_many(batch)
    assert vald.answers()[["arende_id", "value"]].values.tolist() == [[second, "nej"]]
    assert len(vald.audit()) == 2
    assert vald.record_many(batch) == [1, 2]


# --- concurrency on a server -------------------------------------------------------------------
# On SQLite a write transaction holds the one write lock from BEGIN IMMEDIATE on, so nothing can commit
# between its read and its write; on PostgreSQL something can, and the write itself must notice.

def _server_only(database_url: str | None) -> None:
    if database_url is None:
        pytest.skip("SQLite's write lock serialises writers: nothing can commit in between")


@pytest.mark.parametrize("answered_before", [False, True], ids=["first insert", "update"])
def test_a_commit_between_read_and_write_is_a_conflict_not_a_lost_update(ws, vald, database_url,
                                                                        answered_before):
    _server_only(database_url)
    case = vald.case_ids[0]
    if answered_before:
        vald.record(case, "vald_fragat", "ja", reviewer="anna")
    other_engine = _db.create_engine(database_url)
    other = store.open_session(other_engine, vald.id)
    statement, raced = "UPDATE answers" if answered_before else "INSERT INTO answers", []

    def bo_commits_first(_conn, _cursor, text: str, *_args) -> None:
        if text.startswith(statement) and not raced:
            raced.append(other.record(case, "vald_fragat", "ej_aktuellt", reviewer="bo"))

    sa.event.listen(ws.engine, "before_cursor_execute", bo_commits_first)
    with pytest.raises(ConflictError, match=r"ändrades av bo .*sparades inte"):
        vald.record(case, "vald_fragat", "nej", reviewer="anna")
    sa.event.remove(ws.engine, "before_cursor_execute", bo_commits_first)
    other_engine.dispose()
    revision = 1 + answered_before
    assert _plain(vald.answers()[["value", "reviewer", "revision"]]) == [["ej_aktuellt", "bo", revision]]
    assert vald.audit()["actor"].tolist()[-1] == "bo"
    assert vald.record(case, "vald_fragat", "nej", reviewer="anna") == revision + 1  # the deliberate retry


def test_a_serialization_failure_is_run_again_and_other_errors_are_not(ws, database_url):
    _server_only(database_url)
    attempts: list[int] = []

    def fails_twice(connection: sa.Connection) -> int:
        attempts.append(len(attempts) + 1)
        if len(attempts) < 3:
            connection.exec_driver_sql("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001'; END $$")
        return len(attempts)

    assert _db.run_write(ws.engine, fails_twice) == 3
    with pytest.raises(sa.exc.DBAPIError, match="division by zero"):
        _db.run_write(ws.engine, lambda connection: attempts.append(0) or connection.exec_driver_sql(
            "SELECT 1 / 0"))
    assert attempts == [1, 2, 3, 0]


@contextmanager
def _slow_after(engine: sa.Engine, prefix: str, seconds: float = 0.3) -> Iterator[None]:
    """Pause every statement starting with *prefix* (a transaction's first read) for *seconds* after it
    runs, so that two transactions started together would overlap."""
    def pause(_conn, _cursor, statement: str, *_rest) -> None:
        if statement.startswith(prefix):
            time.sleep(seconds)

    sa.event.listen(engine, "after_cursor_execute", pause)
    try:
        yield
    finally:
        sa.event.remove(engine, "after_cursor_execute", pause)


def test_two_runs_reusing_one_draw_at_once_make_one_session(ws):
    draw = dict(n=10, seed=5, period="2026", reuse=True)
    with _slow_after(ws.engine, "SELECT sessions.id, sessions.manifest"):
        first, second = at_once(*[lambda: ws.create_session("valdsfraga", **draw)] * 2)
    assert first.id == second.id and len(ws.sessions()) == 1


def test_two_imports_at_once_run_one_after_the_other(ws, tmp_path):
    path = write_register(tmp_path / "fler.csv", CASES + 30)
    with _slow_after(ws.engine, "SELECT cases.arende_id, cases.row_hash"):
        reports = at_once(lambda: ws.import_register(path), lambda: ws.import_register(path))
    assert sorted((report.new, report.unchanged) for report in reports) == [(0, CASES + 30), (30, CASES)]
    assert len(ws.cases()) == CASES + 30


# --- the audit log ------------------------------------------------------------------------------

def test_every_change_is_in_the_audit_log_with_old_and_new_value(vald):
    case = vald.case_ids[0]
    vald.record(case, "vald_fragat", "ja", reviewer="anna", comment="a")
    vald.record(case, "vald_fragat", "nej", reviewer="bo", comment="b")
    log = vald.audit()
    assert log["action"].tolist() == ["ny_granskning", "svar", "svar"]
    changes = log.iloc[1:][["actor", "arende_id", "item_id", "old_value", "new_value", "old_comment",
                            "new_comment", "revision"]]
    assert _plain(changes) == [["anna", case, "vald_fragat", None, "ja", None, "a", 1],
                                       ["bo", case, "vald_fragat", "ja", "nej", "a", "b", 2]]
    assert log["at"].is_monotonic_increasing


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"])
def test_the_audit_log_is_append_only_in_the_database(ws, vald, statement):
    vald.record(vald.case_ids[0], "vald_fragat", "ja")
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), _db.write(ws.engine) as connection:
        connection.exec_driver_sql(statement)
    assert len(vald.audit()) == 2


def test_the_audit_log_cannot_be_truncated_on_a_server_either(ws, vald, database_url):
    _server_only(database_url)
    with (pytest.raises(sa.exc.DatabaseError, match="append-only: TRUNCATE refused"),
          _db.write(ws.engine) as connection):
        connection.exec_driver_sql("TRUNCATE audit_log")
    assert len(vald.audit()) == 1


# --- register corrections -----------------------------------------------------------------------

@pytest.fixture
def late(ws):
    """An utredningstid session and one of its cases whose förhandsbedömning was late (20 days)."""
    session = ws.create_session("utredningstid", n=40, seed=2)
    case = next(c for c in session.case_ids if int(c[2:]) % 7 == 0)
    return session, case


def test_a_correction_changes_the_verdict_but_not_the_register(ws, late):
    session, case = late
    inkom = date.fromisoformat(row(int(case[2:]))["inkom_datum"])
    registered, fixed = inkom + timedelta(days=20), inkom + timedelta(days=10)
    reason = "Journalen: beslut dag 10"
    assert session.verdicts(case, as_of="2027-06-30")["forhandsbedomning_14_dagar"].compliant is False
    assert session.correct(case, "forhandsbedomning_datum", fixed, reason, reviewer="anna") == 1
    assert session.case(case)["forhandsbedomning_datum"] == fixed
    assert session.verdicts(case, as_of="2027-06-30")["forhandsbedomning_14_dagar"].compliant is True
    register = ws.cases().set_index("arende_id")["forhandsbedomning_datum"]
    assert register[case] == pd.Timestamp(registered)
    corrected = corrected_cases(ws).set_index("arende_id")["forhandsbedomning_datum"]
    assert corrected[case] == pd.Timestamp(fixed)
    assert (corrected.drop(case) == register.drop(case)).all()
    corrections = session.corrections().drop(columns="corrected_at")
    field = "forhandsbedomning_datum"
    assert _plain(corrections) == [[case, field, str(registered), str(fixed), reason, "anna", 1]]
    entry = session.audit().iloc[-1][["action", "item_id", "old_value", "new_value", "new_comment"]]
    assert _plain(entry.to_frame().T) == [["korrigering", field, None, str(fixed), reason]]


def test_cases_gives_every_sampled_case_in_sample_order_with_corrections(late):
    session, case = late
    fixed = date.fromisoformat(row(int(case[2:]))["inkom_datum"]) + timedelta(days=3)
    session.correct(case, "forhandsbedomning_datum", fixed, "Journalen: beslut dag 3")
    cases = session.cases()
    assert list(cases) == session.case_ids
    assert cases[case]["forhandsbedomning_datum"] == fixed
    assert all(cases[c] == session.case(c) for c in session.case_ids[::7])


def test_a_reimport_keeps_the_correction(ws, late, tmp_path):
    session, case = late
    session.correct(case, "inkom_datum", "2026-01-02", "Fel datum i registret")
    path = write_register(tmp_path / "ny.csv", CASES)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [line.replace(";H", ";Ny H", 1) if line.startswith(f"{case};") else line for line in lines]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert ws.import_register(path).changed == 1
    reopened = ws.session(session.id)
    assert reopened.case(case)["handlaggare"].startswith("Ny H")
    assert reopened.case(case)["inkom_datum"] == date(2026, 1, 2)


@pytest.mark.parametrize(("field", "value", "reason", "message"), [
    ("forhandsbedomning_datum", "2026-03-01", "  ", "orsak"),
    ("enhet", "2026-03-01", "fel", "inget datumfält"),
    ("inkom_datum", "1 mars", "fel", "inget datum"),
])
def test_a_correction_needs_a_date_field_a_date_and_a_reason(late, field, value, reason, message):
    session, case = late
    with pytest.raises(SessionError, match=message):
        session.correct(case, field, value, reason)
    assert session.corrections().empty


def test_the_same_correction_by_two_reviewers_is_a_conflict(ws, late):
    session, case = late
    other = ws.session(session.id)
    session.correct(case, "inkom_datum", "2026-01-02", "fel i registret", reviewer="anna")
    with pytest.raises(ConflictError, match="rättelsen av 'inkom_datum' ändrades av anna"):
        other.correct(case, "inkom_datum", "2026-01-03", "annat fel", reviewer="bo")
    assert other.correct(case, "inkom_datum", "2026-01-03", "annat fel", reviewer="bo") == 2
    assert session.corrections()["corrected"].tolist() == ["2026-01-03"]


# --- progress -----------------------------------------------------------------------------------

def test_progress_follows_the_visible_items(vald):
    first, second, third = vald.case_ids[:3]
    assert vald.progress() == (0, 12) and vald.next_unreviewed() == first
    vald.record(first, "vald_fragat", "ja")  # makes framkom_vald visible: not done yet
    assert not vald.is_done(first)
    vald.record(first, "framkom_vald", "nej")
    vald.record(third, "vald_fragat", "nej")
    assert vald.is_done(first) and vald.is_done(third)
    assert vald.progress() == (2, 12)
    assert vald.next_unreviewed() == second
    assert vald.next_unreviewed(after=second) == vald.case_ids[3]
    for case in vald.case_ids[3:]:
        vald.record(case, "vald_fragat", "nej")
    assert vald.next_unreviewed(after=vald.case_ids[-1]) == second  # wraps round
    vald.record(second, "vald_fragat", "nej")
    assert vald.next_unreviewed() is None and vald.progress() == (12, 12)


def _selects(engine: sa.Engine, action) -> int:
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)
    return sum(statement.lstrip().upper().startswith("SELECT") for statement in statements)


def test_answers_and_progress_take_a_fixed_number_of_queries(ws):
    small, large = (ws.create_session("valdsfraga", n=n, seed=1, allow_overlap=True) for n in (3, 60))
    for session in (small, large):
        for case in session.case_ids:
            session.record(case, "vald_fragat", "nej")
    assert _selects(ws.engine, small.answers) == _selects(ws.engine, large.answers) == 1
    assert _selects(ws.engine, small.progress) == _selects(ws.engine, large.progress)
    assert large.progress() == (60, 60)


# --- helpers ------------------------------------------------------------------------------------

def _plain(frame: pd.DataFrame) -> list[list]:
    """The frame's rows as lists, missing values as None."""
    return frame.astype(object).where(frame.notna(), None).values.tolist()


CHECKLIST = """\
id: provlista
version: {version}
titel: Provlista
galler_for: arendetyp == "barn_och_unga"
fragor:
  - id: dokumenterat
    fraga: Är det dokumenterat?
    typ: ja_nej
    kritisk: ja
  - id: besok
    fraga: När gjordes besöket?
    typ: datum
  - id: samtal
    fraga: Hur många samtal?
    typ: tal
  - id: form
    fraga: Vilken form?
    typ: val
    val: [hembesok, telefon]
  - id: anteckning
    fraga: Övrigt
    typ: fritext
    frivillig: ja
"""


def _write_checklist(folder, version: int = 1):
    path = folder / "provlista.yaml"
    path.write_text(CHECKLIST.format(version=version), encoding="utf-8")
    return path


assert FIRST_DAY == date(2026, 1, 1)  # the periods above assume the synthetic register's year


def test_public_sampling_frame_is_what_a_session_draws_from(tmp_path, small_export):
    from egenkontroll import Workspace, store

    with Workspace.open(tmp_path / "ws") as ws:
        ws.import_register(small_export)
        frame = store.sampling_frame(ws, "utredningstid", "2025")
        assert len(frame) > 0
        assert set(frame["arendetyp"]) == {"barn_och_unga"}
        assert frame["inkom_datum"].between("2025-01-01", "2025-12-31").all()
        session = ws.create_session("utredningstid", n=10, seed=3, period="2025")
        assert set(session.case_ids) <= set(frame["arende_id"])
        assert session.manifest["N"] == len(frame)
