"""The team server's rules, without a running hub: roles from groups, what each role's server answers,
what its kernels take, and that the deployment template configures JupyterHub's authenticators.

The hub itself, with logins in chromium, is tested in tests/browser/test_hub_page.py."""

from __future__ import annotations

import asyncio
import runpy
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_review_model import AS_OF, CHILD_CASES, write_register
from tornado import web
from traitlets.config import Config

from egenkontroll import AccessError, _hub_server, dashboard, hub, review
from egenkontroll.cli import main
from egenkontroll.identity import ROLE_VARIABLE
from tests.conftest import REPO, cli_environment

DEPLOY_CONFIG = REPO / "deploy" / "jupyterhub_config.py"
REVIEW = hub.HOME_PAGES["granskare"]
DASHBOARD = hub.HOME_PAGES["ledning"]


def spawner_for(tmp_path: Path, *groups: str) -> SimpleNamespace:
    """What the hub's pre_spawn_hook sees of a user in *groups*."""
    user = SimpleNamespace(name="anna", groups=[SimpleNamespace(name=group) for group in groups])
    return SimpleNamespace(user=user, environment={"EGENKONTROLL_WORKSPACE": "/ws"},
                           home_dir=str(tmp_path / "anna"), default_url="", args=[])


def configured(tmp_path: Path, group_roles: dict[str, str]) -> Config:
    c = Config()
    settings = hub.HubSettings(workspace=tmp_path / "ws", state=tmp_path / "hub", group_roles=group_roles)
    hub.configure(c, settings)
    return c


# --- roles ----------------------------------------------------------------------------------------

def test_the_most_allowed_role_of_a_users_groups_counts():
    roles = {"IFO-Ledning": "ledning", "IFO-Granskare": "granskare", "IFO-Kvalitet": "kvalitet"}
    assert hub.role_of(["IFO-Ledning", "Alla"], roles) == "ledning"
    assert hub.role_of(["IFO-Ledning", "IFO-Granskare"], roles) == "granskare"
    assert hub.role_of(["IFO-Granskare", "IFO-Kvalitet", "IFO-Ledning"], roles) == "kvalitet"
    assert hub.role_of(["Alla"], roles) is None


def test_a_mapping_to_an_unknown_role_is_refused_when_the_hub_is_configured(tmp_path):
    with pytest.raises(Exception, match="okänd roll i group_roles: admin"):
        configured(tmp_path, {"IT": "admin"})


@pytest.mark.parametrize(("role", "runs_code"),
                         [("granskare", False), ("ledning", False), ("kvalitet", True)])
def test_the_hub_hands_each_server_its_role_its_page_and_its_limits(tmp_path, role, runs_code):
    c = configured(tmp_path, {"G1": role})
    spawner = spawner_for(tmp_path, "G1", "Alla")
    c.Spawner.pre_spawn_hook(spawner)
    assert spawner.environment == {"EGENKONTROLL_WORKSPACE": "/ws", ROLE_VARIABLE: role}
    assert spawner.default_url == hub.HOME_PAGES[role]
    restricted = [a for a in spawner.args if a.startswith("--MappingKernelManager.allowed_message_types=")]
    if runs_code:
        assert restricted == []
        assert "--ServerApp.terminals_enabled=True" in spawner.args
    else:
        assert sorted(a.split("=", 1)[1] for a in restricted) == sorted(hub.WIDGET_MESSAGES)
        assert "execute_request" not in hub.WIDGET_MESSAGES
        assert "jupyterlab=False" in spawner.args and "--ServerApp.terminals_enabled=False" in spawner.args
    assert "egenkontroll._hub_server=True" in spawner.args


def test_kvalitet_works_on_its_own_copies_of_the_notebooks_and_the_others_on_the_installed(tmp_path):
    c = configured(tmp_path, {"K": "kvalitet", "G": "granskare"})
    quality, reviewer = spawner_for(tmp_path, "K"), spawner_for(tmp_path, "G")
    c.Spawner.pre_spawn_hook(quality)
    c.Spawner.pre_spawn_hook(reviewer)
    own = Path(next(a for a in quality.args if a.startswith("--ServerApp.root_dir=")).split("=", 1)[1])
    assert own.is_relative_to(tmp_path / "anna") and (own / "03_sammanstallning.ipynb").is_file()
    assert f"--ServerApp.root_dir={hub.server.NOTEBOOKS}" in reviewer.args


def test_a_user_in_none_of_the_groups_gets_no_server(tmp_path):
    c = configured(tmp_path, {"IFO-Granskare": "granskare"})
    with pytest.raises(web.HTTPError) as refused:
        c.Spawner.pre_spawn_hook(spawner_for(tmp_path, "Alla"))
    assert refused.value.status_code == 403
    assert "inte med i någon av egenkontrolls grupper" in refused.value.log_message


def test_the_hub_runs_the_idle_culler_and_the_start_view_service_and_limits_the_servers(tmp_path):
    c = configured(tmp_path, {"G": "granskare"})
    assert c.JupyterHub.active_server_limit == hub.ACTIVE_SERVERS
    culler, start_view = c.JupyterHub.services
    assert culler["command"][-2:] == ["jupyterhub_idle_culler", f"--timeout={hub.IDLE_SERVER_SECONDS}"]
    assert start_view["command"][-2:] == ["-m", "egenkontroll._startview"]
    assert start_view["environment"] == c.Spawner.environment  # the same workspace as the users' servers'
    assert start_view["environment"]["EGENKONTROLL_WORKSPACE"] == str((tmp_path / "ws").resolve())
    assert "delete:servers" in c.JupyterHub.load_roles[0]["scopes"]
    assert c.JupyterHub.db_url == f"sqlite:///{(tmp_path / 'hub').resolve() / 'jupyterhub.sqlite'}"


def test_the_hub_keeps_its_files_in_its_own_folder_not_the_current_one(tmp_path):
    c = configured(tmp_path, {"G": "granskare"})
    own = (tmp_path / "hub").resolve()
    files = [c.JupyterHub.cookie_secret_file, c.JupyterHub.pid_file, c.ConfigurableHTTPProxy.pid_file]
    assert [Path(file).parent for file in files] == [own] * 3


# --- what each role's server answers ----------------------------------------------------------------

KERNEL = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


@pytest.mark.parametrize(("path", "granskare", "ledning"), [
    (REVIEW, True, False),
    (DASHBOARD, True, True),
    ("/voila/render/03_sammanstallning.ipynb", False, False),
    ("/voila/static/voila.js", True, True),
    (f"/api/kernels/{KERNEL}/channels", True, True),
    (f"/voila/api/shutdown/{KERNEL}", True, True),
    ("/api/kernels", False, False),  # starting a kernel of one's own
    (f"/api/kernels/{KERNEL}/restart", False, False),
    ("/lab", False, False),
    ("/lab/tree/02_granskning.ipynb", False, False),
    ("/tree", False, False),
    ("/terminals/1", False, False),
    ("/api/terminals", False, False),
    ("/api/contents/02_granskning.ipynb", False, False),
    ("/files/02_granskning.ipynb", False, False),
    ("/voila/tree", False, False),
    ("/voila/files/egenkontroll.sqlite", False, False),
    ("/voila/api/contents", False, False),
    (REVIEW + "/../lab", False, False),
])
def test_each_role_reaches_only_its_pages(path, granskare, ledning):
    assert _hub_server.allowed("granskare", path) is granskare
    assert _hub_server.allowed("ledning", path) is ledning
    assert _hub_server.allowed("kvalitet", path) is True


# --- identity and writes ------------------------------------------------------------------------------

@pytest.fixture
def vald(workspace, tmp_path):
    workspace.import_register(write_register(tmp_path / "register.csv"))
    return workspace.create_session("valdsfraga", n=CHILD_CASES, seed=5)


def test_the_review_app_saves_under_the_hub_user_whatever_the_page_sends(workspace, vald, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "granskare1")
    app = review.app(workspace, as_of=AS_OF)
    assert app.name.disabled and app.name.value == "granskare1"
    app.name.value = "granskare2"  # a widget's value is whatever the browser sends
    assert app.reviewer() == "granskare1"
    app.open_session(vald.id)
    app.screen.editors["vald_fragat"].input.value = "ja"
    assert workspace.session(vald.id).answers()["reviewer"].tolist() == ["granskare1"]


def test_ledning_reads_but_saves_nothing(workspace, vald, monkeypatch, tmp_path):
    vald.record(vald.case_ids[0], "vald_fragat", "ja", reviewer="granskare1")
    monkeypatch.setenv(ROLE_VARIABLE, "ledning")
    with pytest.raises(AccessError, match="rollen ledning, som bara får läsa. Inget sparades"):
        vald.record(vald.case_ids[0], "vald_fragat", "nej", reviewer="ledning1")
    with pytest.raises(AccessError):
        workspace.create_session("valdsfraga", n=2, seed=6, allow_overlap=True)
    with pytest.raises(AccessError):
        workspace.import_register(write_register(tmp_path / "again.csv"))
    answers = workspace.session(vald.id).answers()  # reading works
    assert answers[["value", "reviewer"]].values.tolist() == [["ja", "granskare1"]]
    assert len(workspace.sessions()) == 1


def test_the_start_view_service_prepares_the_dashboard_for_the_ledningsgrupp(workspace, vald):
    assert dashboard.cached_start_view(workspace.path) is None
    environment = {**cli_environment(), "EGENKONTROLL_WORKSPACE": str(workspace.path),
                   "PYTHONPATH": str(REPO)}
    service = subprocess.Popen([sys.executable, "-m", "egenkontroll._startview"], env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while dashboard.cached_start_view(workspace.path) is None and time.monotonic() < deadline:
            assert service.poll() is None, service.stdout.read()
            time.sleep(0.5)
        assert dashboard.cached_start_view(workspace.path) is not None
    finally:
        service.kill()
        service.wait()


# --- the deployment template and the command --------------------------------------------------------

def load_deploy_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, authentication: str) -> dict:
    """The template's names after JupyterHub has run it (its configuration is ``c``)."""
    monkeypatch.setenv("EGENKONTROLL_HUB_AUTH", authentication)
    monkeypatch.setenv("EGENKONTROLL_HUB_STATE", str(tmp_path / "hub"))
    return runpy.run_path(str(DEPLOY_CONFIG), init_globals={"get_config": Config})


def test_the_ad_template_maps_the_ad_groups_a_user_is_in_to_a_role(tmp_path, monkeypatch):
    from ldapauthenticator import LDAPAuthenticator

    c = load_deploy_config(tmp_path, monkeypatch, "ad")["c"]
    authenticator = LDAPAuthenticator(config=c)  # the settings are the authenticator's own traits
    assert authenticator.use_ssl and authenticator.server_port == 636 and authenticator.manage_groups
    granskare = next(dn for dn in authenticator.allowed_groups if "Granskare" in dn)
    found = {"name": "anna", "auth_state": {"ldap_groups": [granskare]}}  # what ldapauthenticator returns
    groups = authenticator.post_auth_hook(authenticator, None, found)["groups"]
    spawner = spawner_for(tmp_path, *groups)
    c.Spawner.pre_spawn_hook(spawner)
    assert spawner.environment[ROLE_VARIABLE] == "granskare"


def test_the_entra_template_maps_the_group_ids_in_the_token_to_a_role(tmp_path, monkeypatch):
    from oauthenticator.azuread import AzureAdOAuthenticator

    template = load_deploy_config(tmp_path, monkeypatch, "entra")
    c = template["c"]
    authenticator = AzureAdOAuthenticator(config=c)
    assert authenticator.manage_groups and authenticator.allowed_groups == set(template["ENTRA_GROUP_ROLES"])
    ledning = next(group for group, role in template["ENTRA_GROUP_ROLES"].items() if role == "ledning")
    token = {"user": {"groups": [ledning, "someone-elses-group"]}}  # the id token's groups claim
    groups = asyncio.run(authenticator.get_user_groups(token))
    spawner = spawner_for(tmp_path, *groups)
    c.Spawner.pre_spawn_hook(spawner)
    assert spawner.environment[ROLE_VARIABLE] == "ledning"


def test_hub_without_a_configuration_says_where_the_template_is(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--workspace", str(tmp_path / "ws"), "hub"]) == 2
    error = capsys.readouterr().err
    assert "jupyterhub_config.py finns inte" in error and "deploy/jupyterhub_config.py" in error
    assert "--demo" in error
