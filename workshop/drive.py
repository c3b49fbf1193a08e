"""Drive the workshop hub from Python: start it, log learners in with Chromium, run a lesson.

Used by ``tests/browser/test_hub.py`` and ``benchmarks/bench_workshop.py``; not part of the hub.
The hub runs exactly as ``make workshop`` runs it (``jupyterhub -f workshop/jupyterhub_config.py``),
on a free loopback port, with its state in a folder of the caller's choosing.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "jupyterhub_config.py"
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
LESSON_00 = "notebooks/00_start_here.ipynb"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update"]

# The notebook panel for one path, whatever tab is current.
PANEL_JS = """(path) => {
  for (const w of window.jupyterapp.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.content && w.content.model) return w;
  }
  return null;
}"""
READY_JS = """(path) => {
  const panel = window.jupyterapp && (__PANEL__)(path);
  return !!(panel && panel.sessionContext.session && panel.sessionContext.session.kernel
            && panel.sessionContext.kernelDisplayStatus === 'idle');
}""".replace("__PANEL__", PANEL_JS)
RUN_ALL_JS = """(path) => { const panel = (__PANEL__)(path);
  window.jupyterapp.shell.activateById(panel.id);
  return window.jupyterapp.commands.execute('notebook:run-all-cells'); }""".replace("__PANEL__", PANEL_JS)
FINISHED_JS = """(path) => {
  const panel = (__PANEL__)(path);
  if (!panel || panel.sessionContext.kernelDisplayStatus !== 'idle') return false;
  const cells = panel.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type === 'code' && !c.executionCount) return false;
  }
  return cells.length > 0;
}""".replace("__PANEL__", PANEL_JS)
STATUS_JS = """(path) => {
  const panel = (__PANEL__)(path);
  if (!panel) return 'no panel for ' + path + ' in ' + document.title;
  const cells = panel.content.model.cells;
  let code = 0, run = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type === 'code') { code++; if (c.executionCount) run++; }
  }
  const dialog = document.querySelector('.jp-Dialog');
  return `kernel ${panel.sessionContext.kernelDisplayStatus}, ${run} of ${code} code cells run`
         + (dialog ? `, a dialog is open: ${dialog.innerText.slice(0, 200)}` : '');
}""".replace("__PANEL__", PANEL_JS)
READ_CELLS_JS = """(path) => {
  const cells = (__PANEL__)(path).content.model.cells;
  const out = [];
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type === 'code') out.push({tags: c.getMetadata('tags') || [], count: c.executionCount,
                                     outputs: c.outputs.toJSON()});
  }
  return out;
}""".replace("__PANEL__", PANEL_JS)


def missing() -> str | None:
    """Why the hub cannot be driven here, or None."""
    try:
        import jupyterhub  # noqa: F401
        import jupyterhub_idle_culler  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (make test installs it: pip install -e '.[test,workshop]')"
    if not Path(CHROMIUM).exists():
        return f"Chromium is not at {CHROMIUM} (Debian/Ubuntu: apt-get install chromium)"
    node = subprocess.run(["node", "--version"], capture_output=True, text=True) if _which("node") else None
    if node is None or node.returncode != 0:
        return "Node.js is not installed (configurable-http-proxy needs it; apt-get install nodejs npm)"
    if not PROXY.exists():
        return f"configurable-http-proxy is not installed at {PROXY} (run: npm ci --prefix workshop)"
    return None


def _which(name: str) -> bool:
    return any((Path(d) / name).exists() for d in os.environ.get("PATH", "").split(os.pathsep) if d)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hub:
    """The workshop hub as a context manager; leaving it is Ctrl+C (SIGINT to its process group)."""

    def __init__(self, state: Path, password: str, cafile: Path | None = None, **env: str) -> None:
        """``cafile``: the hub serves HTTPS (give WORKSHOP_TLS_CERT and _KEY in ``env``), trusted by this."""
        self.state, self.password = Path(state), password
        self.port = free_port()
        self.base = f"{'https' if cafile else 'http'}://127.0.0.1:{self.port}"
        self.tls = ssl.create_default_context(cafile=str(cafile)) if cafile else None
        self.env = dict(os.environ, WORKSHOP_STATE=str(self.state), WORKSHOP_PASSWORD=password,
                        HOST="127.0.0.1", PORT=str(self.port), WORKSHOP_EXPOSE_APP="1", **env)
        self.log_path = self.state.parent / f"{self.state.name}-hub.log"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Hub:
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], env=self.env,
                                     cwd=self.state.parent, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited early:\n{self.log()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/hub/api/", timeout=2, context=self.tls):
                    return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the hub did not answer within 60 s:\n{self.log()[-3000:]}")

    def __exit__(self, *exc) -> None:
        self.stop()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def processes(self) -> list[psutil.Process]:
        """The hub and everything it started: proxy, culler, learners' servers, their kernels."""
        try:
            hub = psutil.Process(self.proc.pid)
            return [hub, *hub.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def listening_ports(self) -> set[int]:
        ports = set()
        for p in self.processes():
            try:
                ports |= {c.laddr.port for c in p.net_connections("tcp") if c.status == psutil.CONN_LISTEN}
            except psutil.Error:
                pass
        return ports

    def proxy(self) -> psutil.Process:
        return next(p for p in self.processes() if "configurable-http-proxy" in " ".join(p.cmdline()))

    def server_of(self, name: str) -> psutil.Process:
        """The learner's single-user server (its working folder is the learner's folder)."""
        home = (self.state / "users" / name).resolve()
        for p in self.processes():
            try:
                if "jupyterhub.singleuser" in " ".join(p.cmdline()) and Path(p.cwd()) == home:
                    return p
            except psutil.Error:
                continue
        raise LookupError(f"no server for {name}")

    def stop(self, timeout: float = 60) -> float:
        """Ctrl+C: SIGINT to the hub's process group; the seconds until it exited."""
        if self.proc is None or self.proc.poll() is not None:
            return 0.0
        started = time.monotonic()
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            for p in reversed(self.processes()):
                p.kill()
            self.proc.wait(timeout=10)
        self._log.close()
        return time.monotonic() - started


def own_memory(process: psutil.Process) -> float:
    """MB of one process alone: PSS where readable, else RSS."""
    info = process.memory_full_info()
    return getattr(info, "pss", info.rss) / 1e6


def tree_memory(server: psutil.Process) -> tuple[float, float]:
    """(MB, CPU seconds) of a learner's server and its kernels: PSS where readable, else RSS."""
    total_mb = cpu = 0.0
    for p in [server, *server.children(recursive=True)]:
        try:
            total_mb += own_memory(p)
            times = p.cpu_times()
            cpu += times.user + times.system
        except psutil.Error:
            continue
    return total_mb, cpu


def login(context, base: str, name: str, password: str, timeout_s: float = 180):
    """Log in through the hub's form; returns (page, seconds until lesson 00's kernel is idle)."""
    page = context.new_page()
    page.goto(f"{base}/hub/login", wait_until="domcontentloaded")
    started = time.monotonic()
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{name}/lab/**", timeout=timeout_s * 1000)
    page.wait_for_function(READY_JS, arg=LESSON_00, timeout=timeout_s * 1000, polling=250)
    return page, time.monotonic() - started


def open_lesson(page, base: str, name: str, path: str, timeout_s: float = 120) -> None:
    workspace = Path(path).stem.split("_")[0]
    page.goto(f"{base}/user/{name}/lab/workspaces/w{workspace}/tree/{path}?reset",
              wait_until="domcontentloaded")
    page.wait_for_function(READY_JS, arg=path, timeout=timeout_s * 1000, polling=250)


def run_all(page, path: str, timeout_s: float = 240) -> list[dict]:
    """Run every cell of an open notebook; returns each code cell's tags, count and outputs."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate(RUN_ALL_JS, path)
    try:
        page.wait_for_function(FINISHED_JS, arg=path, timeout=timeout_s * 1000, polling=250)
    except PlaywrightTimeout:
        raise AssertionError(f"{path} did not finish in {timeout_s:.0f} s: {page.evaluate(STATUS_JS, path)}") from None
    return page.evaluate(READ_CELLS_JS, path)


def errors_in(cells: list[dict]) -> list[str]:
    """'cell N: Name: value' for every error output outside cells tagged raises-exception."""
    found = []
    for i, cell in enumerate(cells):
        if "raises-exception" in cell["tags"]:
            continue
        found += [f"cell {i}: {o.get('ename')}: {o.get('evalue')}" for o in cell["outputs"]
                  if o.get("output_type") == "error"]
    return found
