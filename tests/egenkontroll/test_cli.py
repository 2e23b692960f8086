"""The command line's contract: verbs, exit codes, Swedish messages, no tracebacks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from egenkontroll import cli, server
from egenkontroll.workspace import Workspace
from tests.conftest import EGENKONTROLL, cli_environment


def run_cli(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    """Run the installed command line in a subprocess, as a user would."""
    return subprocess.run([*EGENKONTROLL, *args], capture_output=True, text=True, cwd=cwd,
                          env=cli_environment(), timeout=120)


def test_unknown_verb_is_a_usage_error_in_swedish(tmp_path):
    result = run_cli("--workspace", str(tmp_path / "ws"), "trolla")
    assert result.returncode == 2
    assert "fel i kommandot" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_argument_is_a_usage_error(tmp_path):
    result = run_cli("--workspace", str(tmp_path / "ws"), "import")
    assert result.returncode == 2
    assert "fel i kommandot" in result.stderr


def test_status_json_on_a_new_workspace(tmp_path):
    result = run_cli("--workspace", str(tmp_path / "ws"), "status", "--json", "--ny")
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["arenden"] == 0
    assert status["granskningar"] == []


def test_status_text_names_the_workspace(tmp_path):
    result = run_cli("--workspace", str(tmp_path / "ws"), "--ny", "status")
    assert result.returncode == 0, result.stderr
    assert "Ärenden: 0" in result.stdout


def test_unexpected_error_exits_1_without_traceback_and_logs_it(tmp_path, monkeypatch, capsys):
    secret = "simulerat fel"

    def broken_status(self):
        raise RuntimeError(secret)

    monkeypatch.setattr(Workspace, "status", broken_status)
    workspace = tmp_path / "ws"
    assert cli.main(["--workspace", str(workspace), "status", "--ny"]) == 1
    err = capsys.readouterr().err
    assert "oväntat fel" in err and "Traceback" not in err
    log = (workspace / "fel.log").read_text(encoding="utf-8")
    assert "builtins.RuntimeError" in log and "simulerat fel" not in log  # the type, never a message


def test_user_error_exits_2_with_its_message(tmp_path, capsys):
    (tmp_path / "fil").write_text("x")
    assert cli.main(["--workspace", str(tmp_path / "fil"), "status"]) == 2
    assert "måste vara en mapp" in capsys.readouterr().err


@pytest.mark.parametrize("verb", ["review", "dashboard", "lab", "demo"])
def test_serving_verbs_take_port_and_no_browser(verb):
    args = cli.build_parser().parse_args([verb, "--port", "9999", "--no-browser"])
    assert (args.port, args.no_browser) == (9999, True)


def test_dashboard_prepares_the_start_view_before_serving(tmp_path, monkeypatch):
    from egenkontroll import dashboard
    from tests.egenkontroll.test_export import build_small_workspace

    folder = build_small_workspace(tmp_path / "ws")
    started = []

    class Voila:  # stands in for the server process: notes what was ready when it started
        def __init__(self, command, env):
            started.append((command, dashboard.cached_start_view(env["EGENKONTROLL_WORKSPACE"])))

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(server.subprocess, "Popen", Voila)
    assert cli.main(["--workspace", str(folder), "dashboard", "--no-browser", "--port", "8871"]) == 0
    (command, start), = started
    assert start is not None and start.checklists == [("Våldsfråga", "valdsfraga")]
    assert str(server.NOTEBOOKS / "dashboard.ipynb") in command


def test_serving_verbs_use_the_workspace_named_in_the_environment(tmp_path, monkeypatch):
    folder = tmp_path / "miljons-arbetsyta"
    monkeypatch.setenv("EGENKONTROLL_WORKSPACE", str(folder))
    handed = []

    class Voila:
        def __init__(self, command, env):
            handed.append(env["EGENKONTROLL_WORKSPACE"])

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(server.subprocess, "Popen", Voila)
    for verb in ("review", "lab"):
        assert cli.main([verb, "--no-browser", "--ny"]) == 0
    assert handed == [str(folder.resolve())] * 2 and (folder / "egenkontroll.sqlite").is_file()


def test_refresh_recomputes_the_start_view_only_when_the_data_changed(tmp_path):
    from egenkontroll import dashboard
    from tests.egenkontroll.test_export import build_small_workspace

    folder = build_small_workspace(tmp_path / "ws")
    assert dashboard.refresh(folder) is True
    assert dashboard.refresh(folder) is False  # nothing changed: the stored view stands
    with Workspace.open(folder) as workspace:
        session = workspace.sessions()[0]
        session.record(session.case_ids[-1], "vald_fragat", "nej", reviewer="Granskare B")
    assert dashboard.cached_start_view(folder) is None
    assert dashboard.refresh(folder) is True and dashboard.cached_start_view(folder) is not None


def test_a_server_calls_keep_ready_while_it_runs_and_survives_its_failure(tmp_path, capfd, monkeypatch):
    monkeypatch.delenv("PYTHONWARNINGS", raising=False)
    calls = []

    def keep_ready():
        calls.append(1)
        raise RuntimeError("disken full")

    command = [sys.executable, "-c", "import os, time; time.sleep(1.2); print(os.environ['PYTHONWARNINGS'])"]
    assert server.serve(command, tmp_path, keep_ready=keep_ready, interval=0.2) == 0
    assert len(calls) >= 4  # once before the start, then every 0.2 s
    calls.clear()
    assert server.serve([sys.executable, "-c", "pass"], tmp_path, keep_ready=keep_ready, interval=60) == 0
    assert len(calls) == 1
    output = capfd.readouterr()
    assert "startvyn kunde inte förberedas (disken full)" in output.err
    assert output.out.strip() == "ignore::DeprecationWarning"  # the server's own warnings stay quiet


def test_voila_is_bound_to_loopback_with_sources_stripped_and_tracebacks_hidden():
    command = server.voila_command("dashboard.ipynb", port=8870, open_browser=False)
    assert "--Voila.ip=127.0.0.1" in command
    assert "--strip_sources=True" in command
    assert "--show_tracebacks=False" in command
    assert any(part.startswith("--MappingKernelManager.cull_idle_timeout=") for part in command)
    assert "--no-browser" in command
    assert (server.NOTEBOOKS / "dashboard.ipynb").is_file()


def test_plan_explains_the_size_in_swedish(tmp_path):
    result = run_cli("--workspace", str(tmp_path / "ws"), "plan", "--tolerable", "5%")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Med 59 akter kan du med 95 % säkerhet")


def test_plan_json_for_a_margin_with_finite_population(tmp_path):
    result = run_cli("--workspace", str(tmp_path / "ws"), "plan", "--margin", "0,05", "--population", "500",
                     "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["n"] == 218


def test_plan_refuses_tolerable_below_expected(tmp_path):
    result = run_cli("--workspace", str(tmp_path / "ws"), "plan", "--tolerable", "1%", "--expected", "2%")
    assert result.returncode == 2
    assert "måste vara större än den förväntade" in result.stderr and "Traceback" not in result.stderr


def test_sample_then_verify_and_a_changed_register_fails_verification(tmp_path, small_export):
    ws = str(tmp_path / "ws")
    assert run_cli("--workspace", ws, "import", str(small_export)).returncode == 0
    drawn = run_cli("--workspace", ws, "sample", "--checklist", "valdsfraga", "--n", "20", "--seed", "5",
                    "--strata", "enhet", "--json")
    assert drawn.returncode == 0, drawn.stderr
    summary = json.loads(drawn.stdout)
    assert summary["n"] == len(summary["arenden"]) == 20 and summary["seed"] == 5

    verified = run_cli("--workspace", ws, "verify", summary["id"])
    assert verified.returncode == 0, verified.stderr
    assert "går att återskapa" in verified.stdout and "Ramen är oförändrad" in verified.stdout

    with Workspace.open(ws) as workspace, workspace.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM cases WHERE arende_id = ?", (summary["arenden"][0],))
    failed = run_cli("--workspace", ws, "verify", summary["id"])
    assert failed.returncode == 2
    assert summary["arenden"][0] in failed.stderr and "Traceback" not in failed.stderr


def test_verify_says_the_register_changed_when_the_same_cases_come_out(tmp_path, small_export):
    ws = str(tmp_path / "ws")
    assert run_cli("--workspace", ws, "import", str(small_export)).returncode == 0
    drawn = json.loads(run_cli("--workspace", ws, "sample", "--checklist", "valdsfraga", "--n", "5",
                               "--seed", "5", "--json").stdout)
    with Workspace.open(ws) as workspace:
        spare = next(i for i in workspace.cases()["arende_id"] if i not in drawn["arenden"])
        with workspace.engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM cases WHERE arende_id = ?", (spare,))
    verified = run_cli("--workspace", ws, "verify", drawn["id"])
    assert verified.returncode == 0, verified.stderr
    assert "går att återskapa" in verified.stdout and "Registret har dock ändrats" in verified.stdout
    assert "1 ärenden har tagits bort sedan urvalet" in verified.stdout


def test_sample_with_unknown_checklist_is_a_usage_error(tmp_path, small_export):
    ws = str(tmp_path / "ws")
    result = run_cli("--workspace", ws, "sample", "--checklist", "finns_inte", "--n", "3", "--ny")
    assert result.returncode == 2
    assert "Checklistan finns inte" in result.stderr


# --------------------------------------------------------------------------- per datum and root


def test_results_state_the_per_datum_they_were_computed_as_of(tmp_path):
    from tests.egenkontroll.test_export import build_small_workspace

    folder = build_small_workspace(tmp_path / "ws")
    given = json.loads(run_cli("--workspace", str(folder), "results", "--json",
                               "--per-datum", "2026-10-31").stdout)
    assert given["per_datum"] == "2026-10-31"
    text = run_cli("--workspace", str(folder), "results", "--per-datum", "2027-01-15").stdout
    assert text.rstrip().endswith("Tidsfristerna är bedömda per 2027-01-15.")


def test_results_json_takes_a_breakdown_and_gives_se_and_coverage_per_row(tmp_path):
    from tests.egenkontroll.test_export import build_small_workspace

    folder = build_small_workspace(tmp_path / "ws")
    given = json.loads(run_cli("--workspace", str(folder), "results", "--json", "--by", "enhet").stdout)
    assert given["by"] == "enhet" and given["items"]
    assert all(row["dimension"] == "enhet" and "se" in row for row in given["items"])
    assert all(set(row["coverage"]) == {"population", "frame_cases", "uncovered_cases", "missing_periods"}
               for row in given["items"])
    wrong = run_cli("--workspace", str(folder), "results", "--by", "handlaggare")
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr


@pytest.mark.parametrize("verb", ["results", "export", "dashboard", "review", "demo"])
def test_a_per_datum_that_is_no_date_is_a_usage_error_in_swedish(tmp_path, verb):
    extra = [str(tmp_path / "ut.xlsx")] if verb == "export" else []
    done = run_cli("--workspace", str(tmp_path / "ws"), verb, *extra, "--per-datum", "31/10/2026")
    assert done.returncode == 2
    assert "'31/10/2026' är inget datum (skriv ÅÅÅÅ-MM-DD" in done.stderr and "Traceback" not in done.stderr


def test_serving_verbs_hand_their_per_datum_to_the_kernels(tmp_path, monkeypatch):
    handed = []

    class Voila:
        def __init__(self, command, env):
            handed.append(env.get("EGENKONTROLL_PER_DATUM"))

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(server.subprocess, "Popen", Voila)
    assert cli.main(["--workspace", str(tmp_path / "ws"), "review", "--no-browser", "--ny",
                     "--per-datum", "2026-10-31"]) == 0
    assert cli.main(["--workspace", str(tmp_path / "ws"), "review", "--no-browser"]) == 0
    assert handed == ["2026-10-31", None]


@pytest.mark.parametrize(("uid", "allowed"), [(0, True), (1000, False)])
def test_lab_passes_allow_root_exactly_when_run_as_root(monkeypatch, uid, allowed):
    monkeypatch.setattr(server.os, "geteuid", lambda: uid)
    assert (server.ALLOW_ROOT in server.lab_command(port=8888, open_browser=False)) is allowed


def test_lab_starts_and_serves_as_the_user_running_the_suite(tmp_path):
    """In CI the suite runs as root, where JupyterLab refuses to start without --allow-root."""
    from tests.conftest import free_port, wait_until_serving

    port = free_port()
    process = subprocess.Popen([*EGENKONTROLL, "--workspace", str(tmp_path / "ws"), "--ny", "lab",
                                "--no-browser",
                                "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=cli_environment(), start_new_session=True)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/api", process)
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the CLI and the JupyterLab it started
        output, _ = process.communicate(timeout=60)
    if server.os.geteuid() == 0:
        assert "körs som root" in output
    assert "Running as root is not recommended" not in output
    assert (tmp_path / "ws" / cli.LAB_FOLDER / "03_sammanstallning.ipynb").is_file()


def test_lab_opens_the_users_own_copies_and_keeps_their_edits(tmp_path):
    folder = tmp_path / "anteckningsbocker"
    assert server.notebook_copies(folder) == folder
    copies = sorted(path.name for path in folder.iterdir())
    assert copies == sorted(path.name for path in server.NOTEBOOKS.glob("*.ipynb")) and len(copies) == 4
    edited = folder / "01_urval.ipynb"
    edited.write_text("mina ändringar", encoding="utf-8")
    server.notebook_copies(folder)
    assert edited.read_text(encoding="utf-8") == "mina ändringar"
    command = server.lab_command(port=8888, open_browser=False, notebook_dir=folder)
    assert f"--notebook-dir={folder}" in command
