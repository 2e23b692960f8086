"""Voilà made safe for a shared machine: a token on every request, the Host header checked, kernels capped.

Run as ``python -m egenkontroll._voila_app NOTEBOOK ...`` with Voilà's own options (see
:func:`egenkontroll.server.voila_command`). Voilà 0.5.13 accepts any Host header (it sets
``allow_remote_access``), answers a page request without the token with a redirect to an English login
form, and lets any number of page loads start a kernel each. Here every Jupyter handler is given a guard
that refuses such requests with 403 and a Swedish page before a kernel is started, a page request beyond
:attr:`EgenkontrollVoila.kernel_limit` running kernels is answered with 503 and a Swedish page, and the
page's own call to shut its kernel down on leaving (refused upstream for want of an XSRF token,
voila-dashboards/voila#1458) is let through: its cookie is ``SameSite=Strict``, so no other site can send it.

The token comes from the environment variable :data:`egenkontroll.server.TOKEN_VARIABLE`, which is
removed before any kernel starts: the command line is visible to every local user, the environment is not.
"""

from __future__ import annotations

import os
import webbrowser
from html import escape
from typing import Any

from jupyter_server.base.handlers import JupyterHandler
from tornado import web
from traitlets import Integer, List, Unicode, default
from voila.app import Voila
from voila.handler import VoilaHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler

from egenkontroll.server import TOKEN_VARIABLE

#: the names a browser may use for this server besides loopback addresses
LOCAL_HOSTNAMES = ("localhost",)
#: the Swedish pages of refused requests, by status
REFUSALS = {
    403: ("Åtkomst nekad",
          "Adressen saknar den hemliga nyckeln (token) eller ges med ett okänt värdnamn. Öppna appen med den "
          "fullständiga adress som <code>egenkontroll</code> skrev ut när servern startade "
          "(<code>http://127.0.0.1:PORT/?token=...</code>)."),
    503: ("För många öppna flikar",
          "Servern har redan så många öppna flikar som den tillåter. Stäng flikar med appen som du inte "
          "använder, vänta en minut och ladda sedan om sidan."),
}


class _Guard(JupyterHandler):
    """Refuse, before anything else happens, a foreign Host header and a request without the token."""

    async def prepare(self, *args: Any, **kwargs: Any) -> None:
        """Check the Host header and the token (Jupyter's own checks), then refuse an unknown user."""
        await super().prepare(*args, **kwargs)
        if self.current_user is None:
            raise web.HTTPError(403, "request without the token")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A short Swedish page for a refusal; Jupyter's own answer for anything else."""
        if status_code not in REFUSALS:
            super().write_error(status_code, **kwargs)
            return
        title, text = REFUSALS[status_code]
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(f'<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>{escape(title)}'
                    f"</title></head><body><h1>{escape(title)}</h1><p>{text}</p></body></html>")


class _PageGuard(_Guard):
    """The notebook page: no new kernel beyond the server's limit."""

    async def prepare(self, *args: Any, **kwargs: Any) -> None:
        """The guard's checks (refused, not redirected to Jupyter's login form), then the kernel limit."""
        await super().prepare(*args, **{**kwargs, "_redirect_to_login": False})
        limit = self.settings["egenkontroll_kernel_limit"]
        if len(self.kernel_manager.list_kernel_ids()) >= limit:
            raise web.HTTPError(503, f"{limit} kernels running")


class _ShutdownGuard(_Guard):
    """The page's own kernel shutdown on leaving, sent without an XSRF token."""

    def check_xsrf_cookie(self) -> None:
        """Nothing: the request carries the ``SameSite=Strict`` login cookie, which no other site can send."""


def _guarded(handler: type[Any]) -> type[Any]:
    """*handler* with the guard that fits it in front; a handler outside Jupyter's (static files) as it is."""
    if not issubclass(handler, JupyterHandler):
        return handler
    guard = (_PageGuard if issubclass(handler, VoilaHandler) else
             _ShutdownGuard if issubclass(handler, VoilaShutdownKernelHandler) else _Guard)
    return type(f"Guarded{handler.__name__}", (guard, handler), {})


class EgenkontrollVoila(Voila):
    """Voilà with the token from the environment, the Host header checked and the kernels capped."""

    name = "egenkontroll-voila"
    kernel_limit = Integer(10, help="Most kernels running at once; a page beyond them is refused.").tag(
        config=True)
    public_hosts = List(Unicode(), help="Host names besides loopback a proxy serves the app under.").tag(
        config=True)

    @default("token")
    def _token_from_environment(self) -> str:
        return os.environ.pop(TOKEN_VARIABLE, "")

    def init_settings(self) -> dict[str, Any]:
        """Voilà's settings with the Host header checked, the login cookie strict and the kernel limit."""
        settings: dict[str, Any] = super().init_settings()
        self.identity_provider.cookie_options.setdefault("samesite", "Strict")
        return {**settings, "allow_remote_access": False,
                "local_hostnames": [*LOCAL_HOSTNAMES, *self.public_hosts],
                "egenkontroll_kernel_limit": self.kernel_limit}

    def init_handlers(self) -> list[Any]:
        """Voilà's handlers, each Jupyter handler behind its guard."""
        return [(route[0], _guarded(route[1]), *route[2:]) for route in super().init_handlers()]

    def launch_browser(self) -> None:
        """Open the page with the token in its address (Voilà's own opens it without)."""
        query = f"?token={self.token}" if self.token else ""
        webbrowser.open(f"{self.connection_url}{query}")


def main() -> None:
    """Start the server from the command line."""
    EgenkontrollVoila.launch_instance()


if __name__ == "__main__":
    main()
