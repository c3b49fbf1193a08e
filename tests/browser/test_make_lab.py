"""`make lab` lands on lesson 00: the target itself, run as a learner runs it, in headless Chromium.

The README promises that `make lab` opens the course at lesson 00. JupyterLab overrides the
server's ``default_url`` with its own ``/lab``, so this test starts Lab through the Makefile's
own ``lab`` target (only adding ``--no-browser`` and a token, as flags and environment) and
checks both what the server redirects to and what the browser shows. Like the lesson test,
it skips locally when Chromium or Playwright is missing and fails under ``REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from test_lab import CHROMIUM, CHROMIUM_ARGS, ROOT, _free_port, _missing_browser

LESSON_00 = "notebooks/00_start_here.ipynb"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def make_lab(tmp_path_factory):
    reason = _missing_browser()
    if reason:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    home = tmp_path_factory.mktemp("make-lab")
    port, token = _free_port(), secrets.token_hex(16)
    # Lab's state goes to a temporary folder; the notebooks are only opened, never saved.
    env = dict(os.environ, JUPYTER_TOKEN=token, JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), BROWSER="true")
    log_path = home / "make-lab.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(["make", "-s", "lab", f"PORT={port}", "LAB_FLAGS=--no-browser"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"make lab exited early:\n{log_path.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("make lab did not answer within 90 s")
                time.sleep(0.3)
        yield base, token, log_path
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_make_lab_redirects_and_prints_lesson_00(make_lab):
    base, token, log_path = make_lab
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(f"{base}/?token={token}", timeout=10)
    assert redirect.value.code == 302
    assert redirect.value.headers["Location"].split("?")[0].endswith(f"/lab/tree/{LESSON_00}")
    printed = re.findall(r"http://127\.0\.0\.1:\d+(/\S*)", log_path.read_text())
    assert printed and all(url.startswith(f"/lab/tree/{LESSON_00}") for url in printed), printed


def test_make_lab_opens_lesson_00_in_the_browser(make_lab):
    from playwright.sync_api import sync_playwright

    base, token, _ = make_lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/?token={token}", wait_until="domcontentloaded")
            assert f"/lab/tree/{LESSON_00}" in page.url
            tab = page.locator(".jp-mod-current .lm-TabBar-tabLabel, .lm-mod-current .lm-TabBar-tabLabel",
                               has_text=Path(LESSON_00).name)
            tab.first.wait_for(state="visible", timeout=90_000)
            # the lesson's own title is rendered in the main area
            heading = page.locator(".jp-Notebook .jp-RenderedMarkdown h1", has_text="Start here")
            heading.first.wait_for(state="visible", timeout=60_000)
        finally:
            browser.close()
