"""JupyterHub for a workshop room, on one machine: ``make workshop`` runs this file.

    jupyterhub -f workshop/jupyterhub_config.py

Everything is set by environment variables (docs/workshop.md has the table):

- ``WORKSHOP_PASSWORD``: the one password learners type (8 characters or more). Unset: one is
  made on the first run, kept in ``workshop/state/password`` and printed at start.
- ``WORKSHOP_ADMIN`` (default ``instructor``) logs in with ``WORKSHOP_ADMIN_PASSWORD`` (32
  characters or more; unset: made once and kept in ``workshop/state/admin-password``).
- ``HOST`` (default ``127.0.0.1``) and ``PORT`` (default ``8000``): the address learners open.
- ``WORKSHOP_TLS_CERT`` and ``WORKSHOP_TLS_KEY``: serve HTTPS with this certificate and key.
- ``WORKSHOP_MEM_LIMIT`` (default ``2G``), ``WORKSHOP_CPU_LIMIT`` (default ``1``),
  ``WORKSHOP_IDLE_TIMEOUT`` (seconds, default 3600), ``WORKSHOP_MAX_LEARNERS`` (default 40).
- ``WORKSHOP_STATE``: where the hub keeps its database and each learner's folder.

Trust model: every learner's server runs as the OS user who started the hub. The shared
password lets anyone who knows it log in under any learner's name. See docs/workshop.md.
"""

from __future__ import annotations

import os
import re
import resource
import secrets
import shutil
import socket
import sys
from pathlib import Path

from jupyterhub.spawner import SimpleLocalProcessSpawner

c = get_config()  # noqa: F821 (JupyterHub provides get_config to its config file)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STATE = Path(os.environ.get("WORKSHOP_STATE") or HERE / "state").resolve()
USERS = STATE / "users"
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
LESSON_00 = "notebooks/00_start_here.ipynb"
COPIED = ("notebooks", "data")  # each learner's own copy; lesson 07 reads ../data/plans
READABLE = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: a password read out to a room
SKIP = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.ipynb.tmp")


def _setting(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _number(name: str, default: float) -> float:
    text = _setting(name, str(default))
    try:
        return float(text)
    except ValueError:
        sys.exit(f"{name}={text!r} is not a number; unset it or give one such as {default}.")


def _secret(name: str, file: str, length: int, minimum: int) -> str:
    """The environment's value, or one made once and kept (mode 600) in the state folder."""
    value = os.environ.get(name)
    if value:
        if len(value) < minimum:
            sys.exit(f"{name} must be at least {minimum} characters long, not {len(value)}.")
        return value
    path = STATE / file
    if path.exists():
        return path.read_text().strip()
    value = "".join(secrets.choice(READABLE) for _ in range(length))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")
    return value


def _free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if not PROXY.exists():
    sys.exit(f"configurable-http-proxy is not at {PROXY}: run `make workshop`, which installs it "
             "with `npm ci --prefix workshop` (Node.js 20 or newer is needed).")
STATE.mkdir(parents=True, exist_ok=True)
USERS.mkdir(exist_ok=True)
os.chmod(STATE, 0o700)

HOST = _setting("HOST", "127.0.0.1")
PORT = int(_number("PORT", 8000))
TLS_CERT, TLS_KEY = os.environ.get("WORKSHOP_TLS_CERT"), os.environ.get("WORKSHOP_TLS_KEY")
if bool(TLS_CERT) != bool(TLS_KEY):
    sys.exit("Set both WORKSHOP_TLS_CERT and WORKSHOP_TLS_KEY for HTTPS, or neither for plain HTTP.")
for _file in filter(None, (TLS_CERT, TLS_KEY)):
    if not Path(_file).is_file():
        sys.exit(f"{_file} is not a file: WORKSHOP_TLS_CERT and WORKSHOP_TLS_KEY name PEM files.")
SCHEME = "https" if TLS_CERT else "http"
PASSWORD = _secret("WORKSHOP_PASSWORD", "password", 12, 8)
ADMIN = _setting("WORKSHOP_ADMIN", "instructor").lower()
NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"  # a name becomes a folder: no '/', no '..', no spaces
if not re.fullmatch(NAME_PATTERN, ADMIN):
    sys.exit(f"WORKSHOP_ADMIN={ADMIN!r} cannot be a user name: use lower-case letters, digits, '-' and '_', "
             "starting with a letter.")
ADMIN_PASSWORD = _secret("WORKSHOP_ADMIN_PASSWORD", "admin-password", 40, 32)
MEM_LIMIT = _setting("WORKSHOP_MEM_LIMIT", "2G").upper()
if not re.fullmatch(r"\d+(\.\d+)?[KMGT]?", MEM_LIMIT):
    sys.exit(f"WORKSHOP_MEM_LIMIT={MEM_LIMIT!r} is not a size; give one such as 2G or 1500M.")
CPU_LIMIT = _number("WORKSHOP_CPU_LIMIT", 1)
IDLE_TIMEOUT = int(_number("WORKSHOP_IDLE_TIMEOUT", 3600))
MAX_LEARNERS = int(_number("WORKSHOP_MAX_LEARNERS", 40))

# --- The hub, its proxy and their addresses ------------------------------------------------
# The proxy would start even with the port taken, and the hub would wait for nothing: check first.
with socket.socket(socket.AF_INET6 if ":" in HOST else socket.AF_INET) as _probe:
    _probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the proxy does: TIME_WAIT is fine
    try:
        _probe.bind((HOST, PORT))
    except OSError as exc:
        sys.exit(f"Cannot listen on {HOST}:{PORT} ({exc.strerror}): another program uses the port, "
                 "or the address is not this machine's. Choose another: make workshop PORT=8080")
c.JupyterHub.bind_url = f"{SCHEME}://{f'[{HOST}]' if ':' in HOST else HOST}:{PORT}"
if SCHEME == "https":
    c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = TLS_CERT, TLS_KEY
# The hub's own API and the proxy's API stay on loopback, on ports free at start.
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{_free_loopback_port()}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_free_loopback_port()}"
c.ConfigurableHTTPProxy.command = [str(PROXY)]
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
# the proxy's pid file too: by default it lands in whatever folder the hub was started from
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
# Ctrl+C stops the learners' servers and the proxy too (both are JupyterHub's defaults; kept
# explicit because the workshop relies on them).
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
c.JupyterHub.active_server_limit = MAX_LEARNERS + 1
c.JupyterHub.concurrent_spawn_limit = 10

# --- Login: one shared password for learners, another for the named admin ------------------
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = PASSWORD
c.SharedPasswordAuthenticator.admin_password = ADMIN_PASSWORD
c.Authenticator.admin_users = {ADMIN}
c.Authenticator.allow_all = True  # learners choose their own names
c.Authenticator.username_pattern = NAME_PATTERN


# --- Each learner's server ------------------------------------------------------------------
class CourseSpawner(SimpleLocalProcessSpawner):
    """JupyterLab from the course's venv, in the learner's own folder, under per-process limits.

    Every server runs as this OS user (no setuid). ``mem_limit`` becomes RLIMIT_AS, the address
    space each process (the server, each kernel) may map: a cap per process, not per learner.
    ``cpu_limit`` is only advertised (``CPU_LIMIT``); processes run at a lower priority (nice 10)
    so the hub and the proxy stay responsive. Real per-learner caps need cgroups: containers, or
    Zero to JupyterHub (workshop/zero-to-jupyterhub.yaml).
    """

    def make_preexec_fn(self, name):
        home, limit = self.home_dir, self.mem_limit

        def preexec():
            os.chdir(home)
            os.nice(10)
            if limit:
                try:
                    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
                except (OSError, ValueError):  # a system that cannot cap address space (macOS)
                    pass

        return preexec


def give_learner_a_copy(spawner) -> None:
    """On first login, copy the lessons (and the data they read) into the learner's folder."""
    home = Path(spawner.home_dir)
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in COPIED:
        if not (home / name).exists():
            partial = home / f".{name}.copying"
            shutil.rmtree(partial, ignore_errors=True)
            shutil.copytree(ROOT / name, partial, ignore=SKIP)
            partial.rename(home / name)
    settings = home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    if not settings.exists():
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text(
            '{"fetchNews": "false", "checkForUpdates": false}\n')


c.JupyterHub.spawner_class = CourseSpawner
c.CourseSpawner.home_dir_template = str(USERS / "{username}")
c.Spawner.pre_spawn_hook = give_learner_a_copy
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = f"/lab/tree/{LESSON_00}"
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []
if os.environ.get("WORKSHOP_EXPOSE_APP") == "1":  # the hub test reads cells through the page's app
    c.Spawner.args.append("--LabApp.expose_app_in_browser=True")
c.Spawner.mem_limit = MEM_LIMIT
c.Spawner.cpu_limit = CPU_LIMIT
c.Spawner.environment = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "agg"}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90

# --- The idle culler: stops a server nobody has used for IDLE_TIMEOUT seconds ---------------
c.JupyterHub.services = [{
    "name": "idle-culler",
    # Run with Ctrl+C's default meaning restored: a hub started from a background job inherits an
    # ignored SIGINT, and the hub stops its services with SIGINT first (then waits 30 s).
    "command": [sys.executable, "-c", "import signal, runpy, sys; "
                "signal.signal(signal.SIGINT, signal.default_int_handler); "
                "sys.argv[0] = 'jupyterhub_idle_culler'; "
                "runpy.run_module('jupyterhub_idle_culler', run_name='__main__')",
                f"--timeout={IDLE_TIMEOUT}", f"--cull-every={max(30, min(300, IDLE_TIMEOUT // 2))}"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]

# --- What the instructor reads at start -----------------------------------------------------
_shown = {"127.0.0.1": "localhost", "0.0.0.0": socket.gethostname(), "::": socket.gethostname()}.get(HOST, HOST)
print(f"\nWorkshop hub: learners open {SCHEME}://{_shown}:{PORT}/ , choose a name, and type the password "
      f"{PASSWORD!r}.\nAdmin: log in as {ADMIN!r} with the password in "
      f"{STATE / 'admin-password'} (or WORKSHOP_ADMIN_PASSWORD). Ctrl+C stops everything.\n", flush=True)
if HOST not in ("127.0.0.1", "localhost", "::1"):
    print(f"WARNING: the hub listens on {HOST}: anyone who can reach port {PORT} and knows the password "
          "can run code on this machine as this user."
          + ("" if SCHEME == "https" else " Traffic, the password included, is plain HTTP: set "
             "WORKSHOP_TLS_CERT and WORKSHOP_TLS_KEY for HTTPS.") + "\n", flush=True)
