"""The command line's contract: verbs, exit codes, Swedish messages, no tracebacks."""

from __future__ import annotations

import json
import subprocess

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
    result = run_cli("--workspace", str(tmp_path / "ws"), "status", "--json")
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["arenden"] == 0
    assert status["granskningar"] == []


def test_status_text_names_the_workspace(tmp_path):
    result = run_cli("--workspace", str(tmp_path / "ws"), "status")
    assert result.returncode == 0, result.stderr
    assert "Ärenden: 0" in result.stdout


def test_unexpected_error_exits_1_without_traceback_and_logs_it(tmp_path, monkeypatch, capsys):
    def broken_status(self):
        raise RuntimeError("simulerat fel")

    monkeypatch.setattr(Workspace, "status", broken_status)
    workspace = tmp_path / "ws"
    assert cli.main(["--workspace", str(workspace), "status"]) == 1
    err = capsys.readouterr().err
    assert "oväntat fel" in err and "Traceback" not in err
    assert "simulerat fel" in (workspace / "fel.log").read_text(encoding="utf-8")


def test_user_error_exits_2_with_its_message(tmp_path, capsys):
    (tmp_path / "fil").write_text("x")
    assert cli.main(["--workspace", str(tmp_path / "fil"), "status"]) == 2
    assert "måste vara en mapp" in capsys.readouterr().err


@pytest.mark.parametrize("verb", ["review", "dashboard", "lab", "demo"])
def test_serving_verbs_take_port_and_no_browser(verb):
    args = cli.build_parser().parse_args([verb, "--port", "9999", "--no-browser"])
    assert (args.port, args.no_browser) == (9999, True)


def test_voila_is_bound_to_loopback_with_sources_stripped_and_tracebacks_hidden():
    command = server.voila_command("dashboard.ipynb", port=8870, open_browser=False)
    assert "--Voila.ip=127.0.0.1" in command
    assert "--strip_sources=True" in command
    assert "--show_tracebacks=False" in command
    assert any(part.startswith("--MappingKernelManager.cull_idle_timeout=") for part in command)
    assert "--no-browser" in command
    assert (server.NOTEBOOKS / "dashboard.ipynb").is_file()
