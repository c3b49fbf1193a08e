"""The browser test: every lesson runs in a real JupyterLab in headless Chromium.

It starts JupyterLab on a free loopback port with a random token, serving a temporary copy of
``notebooks/`` and ``data/`` (autosave never touches the working tree), opens each lesson,
runs all cells, and checks that no cell shows an unexpected error and that every widget view
rendered. Where a lesson has a widget lab, it moves a control and waits for the figure to
redraw. A screenshot per lesson goes to ``tests/browser/screenshots/`` (git-ignored).

Locally the test skips, with the reason, when Chromium or Playwright is missing; with
``REQUIRE_BROWSER=1`` (set by ``.ci/run``) it fails instead.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
RUN_TIMEOUT_S = 180
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update"]
# Settings for the test's own JupyterLab: no news prompt, every cell in the DOM.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}

# Finds the notebook panel for one path (never "whatever tab is current").
PANEL_JS = """(path) => {
  for (const w of window.jupyterapp.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.content && w.content.model) return w;
  }
  return null;
}"""
# Per code cell of that notebook: its tags, execution count and outputs.
READ_CELLS_JS = """(path) => {
  const panel = (__PANEL__)(path);
  const cells = panel.content.model.cells;
  const out = [];
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    out.push({tags: c.getMetadata('tags') || [], count: c.executionCount,
              outputs: c.outputs.toJSON()});
  }
  return out;
}""".replace("__PANEL__", PANEL_JS)
# True once the kernel is idle and every code cell has run.
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
# True once the panel exists and its kernel is idle.
READY_JS = """(path) => {
  const panel = window.jupyterapp && (__PANEL__)(path);
  return !!(panel && panel.sessionContext.session && panel.sessionContext.session.kernel
            && panel.sessionContext.kernelDisplayStatus === 'idle');
}""".replace("__PANEL__", PANEL_JS)


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python Playwright is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).exists():
        return f"Chromium is not at {CHROMIUM} (Debian/Ubuntu: apt-get install chromium)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    reason = _missing_browser()
    if reason:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    home = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", home / "notebooks")
    if (ROOT / "data").is_dir():
        shutil.copytree(ROOT / "data", home / "data")
    for name, value in LAB_SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"))
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}",
           "--expose-app-in-browser", "--ServerApp.port_retries=0"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(home / "lab.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=home)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, token, proc, home / "lab.log")
        yield base, token
    finally:
        try:
            req = urllib.request.Request(f"{base}/api/shutdown", method="POST",
                                         headers={"Authorization": f"token {token}"})
            urllib.request.urlopen(req, timeout=10)
            proc.wait(timeout=20)
        except Exception:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()


def _wait_ready(base: str, token: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited early:\n{log.read_text()[-2000:]}")
        try:
            req = urllib.request.Request(f"{base}/api/status", headers={"Authorization": f"token {token}"})
            with urllib.request.urlopen(req, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail("JupyterLab did not answer within 60 s")


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _open_and_run(page, base: str, token: str, name: str) -> list[dict]:
    path = f"notebooks/{name}"
    # A workspace of its own, reset, so that no tab from an earlier lesson is restored.
    workspace = name.split("_")[0]
    page.goto(f"{base}/lab/workspaces/t{workspace}/tree/{path}?reset&token={token}",
              wait_until="domcontentloaded")
    page.wait_for_function(READY_JS, arg=path, timeout=90_000, polling=250)
    _dismiss_news(page)
    page.evaluate("""(path) => { const panel = (__PANEL__)(path);
                     window.jupyterapp.shell.activateById(panel.id);
                     return window.jupyterapp.commands.execute('notebook:run-all-cells'); }""".replace("__PANEL__", PANEL_JS),
                  path)
    page.wait_for_function(FINISHED_JS, arg=path, timeout=RUN_TIMEOUT_S * 1000, polling=250)
    return page.evaluate(READ_CELLS_JS, path)


def _dismiss_news(page) -> None:
    """If JupyterLab still asks about news, answer No."""
    button = page.locator(".jp-toast-button", has_text="No")
    if button.count():
        button.first.click()


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_lesson_runs_in_jupyterlab(lab, browser, lesson):
    base, token = lab
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors_in_console: list[str] = []
    page.on("pageerror", lambda exc: errors_in_console.append(str(exc)))
    try:
        cells = _open_and_run(page, base, token, lesson.name)
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{lesson.stem}.png"), full_page=False)

        for i, cell in enumerate(cells):
            errors = [o for o in cell["outputs"] if o.get("output_type") == "error"]
            if "raises-exception" not in cell["tags"]:
                assert not errors, f"code cell {i} raised {errors[0].get('ename')}: {errors[0].get('evalue')}"
        assert page.get_by_text("Error displaying widget").count() == 0
        views = sum(1 for c in cells for o in c["outputs"]
                    if "application/vnd.jupyter.widget-view+json" in o.get("data", {}))
        rendered = page.locator(".jp-OutputArea-output .jupyter-widgets").count()
        assert rendered >= views, f"{views} widget views in the outputs, {rendered} rendered"
        if views:
            _move_a_control_and_see_a_redraw(page, SHOTS / f"{lesson.stem}-widget.png")
        assert not errors_in_console, errors_in_console[:3]
    finally:
        page.close()


def _move_a_control_and_see_a_redraw(page, shot: Path) -> None:
    """Nudge the first slider with the keyboard; the widget's figure must change."""
    if page.locator(".decide-lab").count():  # lesson 09's lab redraws text, not an image
        _choose_and_see_the_advice_redraw(page, shot)
        return
    handle = page.locator(".jupyter-widgets .noUi-handle").first
    if not handle.count():
        return
    images = page.locator(".jp-OutputArea-output .jupyter-widgets img")
    before = images.first.get_attribute("src") if images.count() else None
    handle.focus()
    for _ in range(3):
        handle.press("ArrowRight")
    page.wait_for_function(
        """(before) => { const img = document.querySelector('.jp-OutputArea-output .jupyter-widgets img');
                         return img && img.getAttribute('src') !== before; }""",
        arg=before, timeout=30_000, polling=100)
    page.locator(".jp-OutputArea-output .jupyter-widgets").first.screenshot(path=str(shot))


def _choose_and_see_the_advice_redraw(page, shot: Path) -> None:
    """Lesson 09: click another "Data value" toggle button; the advice (HTML) must change."""
    lab = page.locator(".decide-lab").first
    advice = lab.locator(".decide-lab-result")
    before = advice.inner_text()
    lab.get_by_role("button", name="low", exact=True).first.click()
    page.wait_for_function(
        """(before) => { const el = document.querySelector('.decide-lab .decide-lab-result');
                         return el && el.innerText !== before; }""",
        arg=before, timeout=30_000, polling=100)
    assert "rely on CT and platform defaults" in advice.inner_text()
    lab.screenshot(path=str(shot))
