"""Start Voila or JupyterLab for a browser test, and a Chromium that stays local.

Each server runs as a subprocess in its own process group, with HOME and every
Jupyter, IPython and matplotlib folder inside a temporary directory, so a test
neither reads nor writes the developer's settings. Readiness comes from the
server's log line (a GET on Voila would run the notebook). Chromium is
Debian's binary, driven by Playwright; every request to anything but the
loopback address is aborted.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
LAB_TOKEN = "poli-browser-test"
#: JupyterLab user settings: render every cell (off-screen ones too), no news.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
#: Server-side: never fetch news or look for updates (no traffic off this host).
SERVER_CONFIG = {
    "LabApp": {
        "news_url": None,
        "check_for_updates_class": "jupyterlab.handlers.announcements."
        "NeverCheckForUpdate",
    }
}


def require_tools() -> None:
    """Skip when Chromium or Voila is missing; fail instead when CI requires them.

    ``POLI_REQUIRE_SYSTEM_TOOLS=1`` (set by ``.ci/run``) turns the skip into a
    failure, so a CI machine without the tools cannot pass by skipping.
    """
    missing = [] if CHROMIUM.exists() else [f"{CHROMIUM} (apt-get install chromium)"]
    missing += [
        f"the Python package {module} (pip install -e '.[test]')"
        for module in ("voila", "jupyterlab", "playwright")
        if importlib.util.find_spec(module) is None
    ]
    if not missing:
        return
    reason = "browser tests need " + ", ".join(missing)
    if os.environ.get("POLI_REQUIRE_SYSTEM_TOOLS") == "1":
        pytest.fail(reason + " (POLI_REQUIRE_SYSTEM_TOOLS=1)")
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port free on the loopback address right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def isolated_env(home: Path) -> dict[str, str]:
    """The environment for a server whose every user folder lives in ``home``."""
    folders = {
        "HOME": home,
        "JUPYTER_CONFIG_DIR": home / "jupyter-config",
        "JUPYTER_DATA_DIR": home / "jupyter-data",
        "JUPYTER_RUNTIME_DIR": home / "jupyter-runtime",
        "JUPYTERLAB_SETTINGS_DIR": home / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "lab-workspaces",
        "IPYTHONDIR": home / "ipython",
        "MPLCONFIGDIR": home / "matplotlib",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    for plugin, settings in LAB_SETTINGS.items():
        path = folders["JUPYTERLAB_SETTINGS_DIR"] / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    config = folders["JUPYTER_CONFIG_DIR"] / "jupyter_server_config.json"
    config.write_text(json.dumps(SERVER_CONFIG))
    return {
        **os.environ,
        **{name: str(folder) for name, folder in folders.items()},
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONUNBUFFERED": "1",
    }


@dataclass
class Server:
    """A running server: its process, its URL and its log file."""

    process: subprocess.Popen
    url: str
    log: Path

    def stop(self) -> None:
        """Stop the server and the kernels it started (its process group)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        try:  # kernels left behind in the group
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def log_text(self) -> str:
        """What the server has logged so far."""
        return self.log.read_text(errors="replace")


def start_server(
    command: list[str], *, cwd: Path, home: Path, ready: str, timeout: float = 60
) -> Server:
    """Start ``command`` and wait for the regex ``ready`` (group 1: the URL) in its log.

    Raises
    ------
    RuntimeError
        The server exited or did not log ``ready`` within ``timeout`` seconds;
        the message holds the end of its log.
    """
    home.mkdir(parents=True, exist_ok=True)
    log = home / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=isolated_env(home),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, "", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(ready, server.log_text())
        if found:
            server.url = found[1]
            return server
        if process.poll() is not None:
            break
        time.sleep(0.1)
    server.stop()
    msg = f"{command[2]} did not start:\n{server.log_text()[-3000:]}"
    raise RuntimeError(msg)


def start_voila(notebook: Path, home: Path) -> Server:
    """``voila NOTEBOOK`` on a free loopback port."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "voila", str(notebook), "--no-browser"),
        *("--port", str(port), "--Voila.ip=127.0.0.1", "--Voila.port_retries=0"),
        "--show_tracebacks=True",
    ]
    return start_server(
        command,
        cwd=notebook.parent,
        home=home,
        ready=r"Voil[aà] is running at:\s*(\S+)",
    )


def start_jupyterlab(root: Path, home: Path) -> Server:
    """JupyterLab serving ``root`` on a free loopback port, with a fixed token."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root"),
        *("--ip=127.0.0.1", "--port", str(port), "--ServerApp.port_retries=0"),
        f"--IdentityProvider.token={LAB_TOKEN}",
        f"--ServerApp.root_dir={root}",
    ]
    return start_server(
        command, cwd=root, home=home, ready=r"(http://127\.0\.0\.1:\d+/lab)\S*"
    )


def launch_chromium(playwright):
    """Debian's Chromium, headless, with the flags that work on this machine."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
    )


def local_context(browser, **options):
    """A browser context whose requests off the loopback address are aborted."""
    context = browser.new_context(accept_downloads=True, **options)
    context.route(
        re.compile(r"^(?!(https?|wss?)://127\.0\.0\.1[:/])(https?|wss?|ftp)://"),
        lambda route: route.abort(),
    )
    return context
