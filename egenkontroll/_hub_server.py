"""The role's limits on a user's own Jupyter server behind JupyterHub (a Jupyter server extension).

:mod:`egenkontroll.hub` starts every user's server with this extension and the user's role in
:data:`~egenkontroll.identity.ROLE_VARIABLE`. For ``granskare`` and ``ledning`` it puts one rule in
front of all of the server's routes: a request for anything but the pages of the role (and what those
pages load) is answered with 403 and a Swedish page, before any handler runs; a page beyond
:data:`~egenkontroll.hub.KERNELS_PER_USER` running kernels with 503. ``kvalitet`` has the whole server,
JupyterLab included. Anonymous requests meet the hub's login first (Jupyter's own handling).
"""

from __future__ import annotations

import os
import re
from html import escape
from typing import Any

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.serverapp import ServerApp
from jupyter_server.utils import url_path_join
from tornado import httputil, web
from tornado.routing import Matcher, Rule

from egenkontroll.hub import HOME_PAGES, KERNELS_PER_USER
from egenkontroll.identity import ROLE_VARIABLE
from egenkontroll.server import MATHJAX_STUB

__all__ = ["allowed", "_load_jupyter_server_extension"]

_KERNEL = r"[0-9a-f-]{36}"
#: what every restricted role's pages load: Voilà's assets, the page's kernel (its state, its websocket,
#: its own shutdown on leaving), the server's static files, the hub's login round trip and the server's
#: version (the hub's check that the server is up)
_COMMON = (
    r"/?",
    r"/api",
    r"/voila/(static|templates|labextensions|api/themes)/.*",
    rf"/voila/api/shutdown/{_KERNEL}",
    rf"/api/kernels/{_KERNEL}(/channels)?",
    r"/static/.*",
    r"/oauth_callback",
    r"/logout",
)
#: the pages of each restricted role (paths below the server's base URL)
PAGES = {
    "ledning": (HOME_PAGES["ledning"],),
    "granskare": (HOME_PAGES["granskare"], HOME_PAGES["ledning"]),
}
#: the Swedish answers to refused requests, by status
REFUSALS = {
    403: ("Åtkomst nekad", "Din roll ({role}) får inte öppna den här sidan. Granskare når granskningsappen "
                           "och instrumentpanelen, ledning instrumentpanelen och kvalitet allt."),
    503: ("För många öppna flikar", "Du har redan så många flikar med appen öppna som servern tillåter. "
                                    "Stäng flikar som du inte använder och ladda sedan om sidan."),
}


def allowed(role: str, path: str) -> bool:
    """Whether a server in *role* answers a request for *path* (below its base URL)."""
    if role not in PAGES:
        return True
    patterns = (*_COMMON, *(re.escape(page) for page in PAGES[role]))
    return any(re.fullmatch(pattern, path) for pattern in patterns)


def is_page(path: str) -> bool:
    """Whether *path* renders a notebook (and so starts a kernel)."""
    return path.startswith("/voila/render/")


class _Refused(Matcher):
    """Matches exactly the requests the role may not make: they go to :class:`_Refusal`."""

    def __init__(self, role: str, base_url: str, settings: dict[str, Any]) -> None:
        self.role = role
        self.base_url = base_url.rstrip("/")
        self.settings = settings

    def match(self, request: httputil.HTTPServerRequest) -> dict[str, Any] | None:
        """The refusal's status (403 or 503) as the handler's argument, or None to let the server's routes
        answer."""
        path = (request.path or "/").removeprefix(self.base_url) or "/"
        if not allowed(self.role, path):
            return _status(403)
        if is_page(path) and len(self.settings["kernel_manager"].list_kernel_ids()) >= KERNELS_PER_USER:
            return _status(503)
        return None


def _status(code: int) -> dict[str, Any]:
    """A match handing *code* to :class:`_Refusal` (tornado's form of a route's arguments)."""
    return {"path_args": [], "path_kwargs": {"status": str(code)}}


class _Refusal(JupyterHandler):
    """The Swedish refusal: after the hub's login (Jupyter's own redirect), 403 or 503 for any method."""

    def initialize(self, role: str) -> None:
        """Remember the role, for the page."""
        self.role = role

    def _refuse(self, status: str) -> None:
        raise web.HTTPError(int(status))

    get = post = put = patch = delete = head = _refuse

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A short Swedish page for a refusal; Jupyter's own answer for anything else."""
        if status_code not in REFUSALS:
            super().write_error(status_code, **kwargs)
            return
        title, text = REFUSALS[status_code]
        home = escape(url_path_join(self.base_url, HOME_PAGES[self.role]))
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(f'<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>{escape(title)}'
                    f"</title></head><body><h1>{escape(title)}</h1>"
                    f"<p>{escape(text.format(role=self.role))}</p>"
                    f'<p><a href="{home}">Till din startsida</a></p></body></html>')


def _load_jupyter_server_extension(serverapp: ServerApp) -> None:
    """Keep Voilà's pages off the internet, and put the role's rule in front of every route of *serverapp*
    (none for kvalitet)."""
    serverapp.web_app.settings["mathjax_url"] = MATHJAX_STUB  # else Voilà loads MathJax from a CDN
    role = os.environ.get(ROLE_VARIABLE, "")
    if role not in PAGES:
        serverapp.log.info("egenkontroll: rollen %r har hela servern", role)
        return
    web_app = serverapp.web_app
    matcher = _Refused(role, web_app.settings["base_url"], web_app.settings)
    web_app.default_router.rules.insert(0, Rule(matcher, _Refusal, {"role": role}))
    serverapp.log.info("egenkontroll: rollen %s når bara %s", role, ", ".join(PAGES[role]))
