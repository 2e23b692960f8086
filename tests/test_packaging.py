"""The built wheel, installed (not editable) into a fresh venv, serves the review app, the dashboard and lab.

The venv gets egenkontroll from the wheel alone (``pip install --no-deps``). Its dependencies are those of
the environment running the tests, reached through a ``.pth`` line naming that environment's
site-packages: a plain path, so the ``.pth`` files there (the editable install's finder among them) are
not run and nothing of the source tree can stand in for a file the wheel lacks. What the dependencies
installed outside site-packages is reached the way a venv of its own would have it: their Jupyter data
(Voilà's templates, JupyterLab's assets) through ``JUPYTER_PATH`` and ``JUPYTERLAB_DIR``, with the venv's
own kernel spec first, and ``jupyter-lab`` through the launcher pip would have written into the venv.
Building the wheel needs the setuptools that pyproject.toml asks for, from the package index.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, cli_environment, free_port, wait_until_serving

pytestmark = pytest.mark.slow

SECONDS = 300  # a cold kernel on a busy machine
LAUNCHER = "#!{python}\nimport sys\n\nfrom jupyterlab.labapp import main\n\nsys.exit(main())\n"
#: the folders the wheel must carry, as (folder in the source tree, where it lands, which files)
PACKAGE_DATA = [
    ("notebooks", "egenkontroll/notebooks", "*.ipynb"),
    ("checklists", "egenkontroll/builtin_checklists", "*.yaml"),
    ("checklists", "egenkontroll/builtin_checklists", "README.md"),
    ("egenkontroll/profiles", "egenkontroll/profiles", "*"),
    ("egenkontroll/share/voila/templates/egenkontroll", "egenkontroll/share/voila/templates/egenkontroll",
     "*"),
]
TOKEN = uuid.uuid4().hex


@dataclass(frozen=True)
class Venv:
    """A venv with the wheel installed: its interpreter, site-packages and the environment to run it in."""

    python: Path
    site_packages: Path
    environment: dict[str, str]

    def egenkontroll(self, *args: str) -> list[str]:
        """The venv's ``egenkontroll`` command line with *args*."""
        return [str(self.python.parent / "egenkontroll"), *args]


def test_the_wheel_carries_notebooks_checklists_profiles_and_template(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"{target}/{path.name}" for source, target, pattern in PACKAGE_DATA
                for path in (REPO / source).glob(pattern)}
    assert len(expected) >= 10 and expected <= names
    dist_info = wheel.name.split("-py3")[0] + ".dist-info"
    assert {name.split("/")[0] for name in names} == {"egenkontroll", "sampling", dist_info}


def test_the_venv_imports_egenkontroll_from_the_wheel(venv: Venv) -> None:
    script = ("import json, egenkontroll, sampling; from egenkontroll import checklists, server;"
              "from jupyter_client.kernelspec import KernelSpecManager as K;"
              "print(json.dumps([egenkontroll.__file__, sampling.__file__, str(server.NOTEBOOKS),"
              " str(server.TEMPLATE_ROOT), K().get_kernel_spec('python3').argv[0], checklists.available()]))")
    found = json.loads(run(venv, [str(venv.python), "-c", script]).stdout)
    *paths, kernel, available = found
    assert all(Path(path).is_relative_to(venv.site_packages) for path in paths), paths
    assert kernel == str(venv.python)
    assert available == ["barnperspektiv", "utredningstid", "valdsfraga"]


@pytest.mark.parametrize(("verb", "shown"),
                         [("review", "Öppna granskningen"), ("dashboard", "<h2>Nyckeltal</h2>")])
def test_review_and_dashboard_are_served_from_the_wheel(venv: Venv, demo: Path, verb: str,
                                                        shown: str) -> None:
    with serving(venv, verb, demo, f"?token={TOKEN}", {"EGENKONTROLL_TOKEN": TOKEN}) as url:
        with urllib.request.urlopen(url, timeout=SECONDS) as response:
            status, page = response.status, response.read().decode("utf-8")
        texts = widget_texts(url.split("?")[0], page)
    assert status == 200
    assert "cdn.jsdelivr.net" not in page  # the wheel's template, not Voilà's lab template
    assert any(shown in text for text in texts), texts


def test_lab_opens_the_notebooks_of_the_wheel(venv: Venv, demo: Path) -> None:
    with serving(venv, "lab", demo, f"api/contents?token={TOKEN}", {"JUPYTER_TOKEN": TOKEN}) as url:
        with urllib.request.urlopen(url, timeout=SECONDS) as response:
            listing = json.load(response)
    names = {entry["name"] for entry in listing["content"]}
    assert {path.name for path in (REPO / "notebooks").glob("*.ipynb")} <= names


# --------------------------------------------------------------------------- building and installing


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the source tree (the files git would commit; no stale build/)."""
    source, dist = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((REPO / name).read_bytes())
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist),
                    str(source)], check=True, capture_output=True, cwd=dist)
    built, = dist.glob("egenkontroll-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """A fresh venv with the wheel installed; the dependencies are this environment's (module docstring)."""
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    str(wheel)], check=True, capture_output=True, cwd=root)
    where = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site_packages = Path(subprocess.run([str(python), "-c", where], check=True, capture_output=True,
                                        text=True).stdout.strip())
    ours = [path for path in sys.path if Path(path).name in ("site-packages", "dist-packages")]
    (site_packages / "_dependencies.pth").write_text("".join(f"{path}\n" for path in ours))
    (root / "bin" / "jupyter-lab").write_text(LAUNCHER.format(python=python))
    (root / "bin" / "jupyter-lab").chmod(0o755)
    installed = Venv(python, site_packages, _environment(root))
    run(installed, [str(python), "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"])
    return installed


def _environment(root: Path) -> dict[str, str]:
    """The environment the venv's programs run in: its bin first, Jupyter data from this environment."""
    from jupyter_core.paths import jupyter_path
    from jupyterlab.commands import get_app_dir

    environment = {key: value for key, value in cli_environment().items() if key != "PYTHONPATH"}
    return {**environment, "PATH": os.pathsep.join([str(root / "bin"), environment.get("PATH", os.defpath)]),
            "JUPYTER_PATH": os.pathsep.join([str(root / "share" / "jupyter"), *jupyter_path()]),
            "JUPYTERLAB_DIR": get_app_dir()}


@pytest.fixture(scope="module")
def demo(venv: Venv, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo workspace built by the installed ``egenkontroll demo``."""
    path = tmp_path_factory.mktemp("demo") / "arbetsyta"
    run(venv, venv.egenkontroll("--workspace", str(path), "demo", "--no-serve"))
    return path


def run(venv: Venv, command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run *command* in the venv's environment, away from the source tree; fail with its output."""
    done = subprocess.run(command, env=venv.environment, cwd=venv.python.parent, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


# --------------------------------------------------------------------------- serving


@contextmanager
def serving(venv: Venv, verb: str, workspace: Path, path: str, settings: dict[str, str]) -> Iterator[str]:
    """Run ``egenkontroll --workspace WS VERB`` from the venv with *settings* added to its environment;
    yields the URL of *path* once it answers."""
    port = free_port()
    command = venv.egenkontroll("--workspace", str(workspace), verb, "--no-browser", "--port", str(port))
    process = subprocess.Popen(command, env={**venv.environment, **settings}, cwd=venv.python.parent,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/{path}"
        wait_until_serving(url, process, SECONDS)
        yield url
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[str]) -> None:
    """End the server and everything it started (its process group, which outlives a server that exited)."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def widget_texts(url: str, page: str) -> list[str]:
    """The text values of every widget on a Voilà *page*, asked of its kernel as Voilà's own client asks.

    Speaks the kernel websocket protocol v1 (binary frames; the older JSON one stalls on the dashboard's
    images) and ipywidgets' control comm: one ``request_states`` answered by one ``update_states``.
    """
    import websocket
    from jupyter_server.services.kernels.connection.base import (
        deserialize_msg_from_ws_v1,
        serialize_msg_to_ws_v1,
    )

    kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', page).group(1)
    session, comm = uuid.uuid4().hex, uuid.uuid4().hex
    address = (f"{url.replace('http', 'ws', 1)}api/kernels/{kernel}/channels?session_id={session}"
               f"&token={TOKEN}")
    connection = websocket.create_connection(address, timeout=SECONDS,
                                             subprotocols=["v1.kernel.websocket.jupyter.org"])

    def send(kind: str, content: dict[str, object], metadata: dict[str, object]) -> None:
        header = {"msg_id": uuid.uuid4().hex, "msg_type": kind, "session": session, "username": "",
                  "date": "", "version": "5.3"}
        parts = [json.dumps(part).encode() for part in (header, {}, metadata, content)]
        connection.send_binary(serialize_msg_to_ws_v1(parts, "shell"))

    deadline = time.monotonic() + SECONDS
    try:
        send("comm_open", {"comm_id": comm, "target_name": "jupyter.widget.control", "data": {}},
             {"version": "1.0.0"})
        send("comm_msg", {"comm_id": comm, "data": {"method": "request_states"}}, {})
        while time.monotonic() < deadline:
            _, parts = deserialize_msg_from_ws_v1(connection.recv())
            data = json.loads(parts[3]).get("data", {})
            if json.loads(parts[0])["msg_type"] == "comm_msg" and data.get("method") == "update_states":
                return [value for widget in data["states"].values() for value in widget["state"].values()
                        if isinstance(value, str)]
    finally:
        connection.close()
    raise AssertionError(f"kärnan skickade inga widgetar inom {SECONDS} s")
