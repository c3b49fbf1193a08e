"""The terminal demo kit, driven as an instructor drives it: ``serve``, ``mitm`` and ``client`` as real
processes on loopback, plus real ``curl`` and ``openssl s_client`` against ``serve``.

Every process is started with a port the system picked (``--port 0``), read from its first line, and
stopped with SIGINT (Ctrl+C): it must exit 0, print no traceback, and leave its port free.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.course import HOST
from helpers.pinning.pins import spki_pin
from helpers.pki import course_pki
from helpers.tls.api import API_TOKEN

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin" / "python"
PY = str(VENV) if VENV.exists() else sys.executable
ROOT_PEM = ROOT / "data" / "certs" / "yourapp-root.pem"
STARTUP = 20.0  # seconds: a cold start imports cryptography and builds the course PKI


class Demo:
    """One long-running demo command: its process, its port, and everything it printed so far."""

    def __init__(self, *argv: str):
        self.proc = subprocess.Popen([PY, "-m", "helpers", *argv], cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.out = ""
        first = self.wait_for(r"127\.0\.0\.1:(\d+)", STARTUP)
        self.port = int(first.group(1))

    def read(self) -> str:
        with contextlib.suppress(TypeError, OSError):
            self.out += self.proc.stdout.read() or ""
        return self.out

    def wait_for(self, pattern: str, timeout: float = 10.0) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.read())
            if found:
                return found
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()  # so that stderr ends and can be read
        raise AssertionError(f"no {pattern!r} in the output:\n{self.read()}\n{self.proc.stderr.read()}")

    def interrupt(self) -> tuple[int, str, str]:
        """Ctrl+C: SIGINT, then the exit code, stdout and stderr."""
        self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        os.set_blocking(self.proc.stdout.fileno(), True)
        return code, self.read() + self.proc.stdout.read(), self.proc.stderr.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def client(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "helpers", "client", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def assert_clean_stop(demo: Demo) -> str:
    code, out, err = demo.interrupt()
    assert code == 0, (code, out, err)
    assert "Traceback" not in out + err and err == "", err
    assert "free again" in out
    assert port_is_free(demo.port), f"port {demo.port} still taken after Ctrl+C"
    return out


@pytest.fixture
def serve():
    demo = Demo("serve", "--port", "0")
    yield demo
    demo.stop()


@pytest.fixture
def mitm(serve):
    demo = Demo("mitm", "--ca", "corporate", "--listen", "0", "--upstream", f"127.0.0.1:{serve.port}")
    yield demo
    demo.stop()


def test_serve_mitm_and_client_together(serve, mitm):
    url = f"https://127.0.0.1:{serve.port}/users"
    direct = client(url)
    assert direct.returncode == 0, direct.stderr
    assert "validated" in direct.stdout and "Grace Hopper" in direct.stdout
    serve.wait_for(r"GET /users -> 200")

    # Without a pin, a device that trusts the corporate CA sends its token through the proxy ...
    fooled = client(url, "--roots", "yourapp-root,corporate-proxy-ca", "--via", f"127.0.0.1:{mitm.port}")
    assert fooled.returncode == 0, fooled.stderr
    assert "Acme Corp TLS Inspection CA" in fooled.stdout and "token: SENT" in fooled.stdout
    mitm.wait_for(rf"Authorization: Bearer {API_TOKEN}")
    mitm.wait_for(r"real server answered: HTTP/1\.\d 200")

    # ... and the pinned client on the same device refuses, and the proxy reads nothing more.
    pinned = client(url, "--roots", "yourapp-root,corporate-proxy-ca", "--via", f"127.0.0.1:{mitm.port}",
                    "--pin", f"sha256/{spki_pin(course_pki().leaf.cert)}", "--pin", "api.yourapp.com-backup")
    assert pinned.returncode == 1, pinned.stdout + pinned.stderr
    assert "no pin matched" in pinned.stdout and "WITHHELD" in pinned.stdout
    assert "token: SENT" not in pinned.stdout
    mitm.wait_for(r"connection 2: the client refused")
    assert mitm.read().count(API_TOKEN) == 1

    # A device without the corporate CA refuses at validation, pin or no pin.
    plain = client(url, "--via", f"127.0.0.1:{mitm.port}")
    assert plain.returncode == 1 and "certificate validation failed" in plain.stdout

    # The same pinned client talking to the real server connects: the pin is the genuine key's.
    genuine = client(url, "--pin", "api.yourapp.com")
    assert genuine.returncode == 0 and "pin matched: certificate 0" in genuine.stdout

    out = assert_clean_stop(mitm)
    assert "INTERCEPTED" in out
    assert_clean_stop(serve)


def test_chain_stuffing_fools_only_the_unpinned_client(serve):
    stuffed = Demo("mitm", "--ca", "stuffed", "--listen", "0", "--upstream", f"127.0.0.1:{serve.port}")
    try:
        url, via = f"https://127.0.0.1:{serve.port}/users", ("--via", f"127.0.0.1:{stuffed.port}")
        pinned = client(url, "--roots", "yourapp-root,rogue-public-ca", *via, "--pin", "api.yourapp.com")
        assert pinned.returncode == 1 and "no pin matched the verified chain" in pinned.stdout
        assert "Compromised Public Root CA" in pinned.stdout  # the verified chain: the genuine leaf sent is not in it
        stuffed.wait_for("connection 1: the client refused")
        fooled = client(url, "--roots", "yourapp-root,rogue-public-ca", *via)
        assert fooled.returncode == 0
        out = assert_clean_stop(stuffed)  # the last connection is reported even when Ctrl+C comes at once
        assert "connection 2: INTERCEPTED" in out and API_TOKEN in out
    finally:
        stuffed.stop()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_real_curl_gets_the_api_answer_from_serve(serve):
    port = serve.port
    result = subprocess.run(["curl", "-sS", "--max-time", "10", "--cacert", str(ROOT_PEM), "--resolve",
                             f"{HOST}:{port}:127.0.0.1", "-H", f"Authorization: Bearer {API_TOKEN}",
                             f"https://{HOST}:{port}/users"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "Ada Lovelace" in result.stdout and "Grace Hopper" in result.stdout
    serve.wait_for(r"GET /users -> 200")
    # Trusting another CA instead, curl refuses the chain (exit 60: the peer could not be authenticated).
    other = ROOT / "data" / "certs" / "corporate-proxy-ca.pem"
    refused = subprocess.run(["curl", "-sS", "--max-time", "10", "--cacert", str(other), "--resolve",
                              f"{HOST}:{port}:127.0.0.1", f"https://{HOST}:{port}/users"], capture_output=True,
                             text=True, timeout=30)
    assert refused.returncode == 60 and "Ada" not in refused.stdout, refused.stderr
    serve.wait_for(r"the client refused this certificate")
    assert_clean_stop(serve)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_real_openssl_s_client_verifies_serve(serve):
    result = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{serve.port}", "-servername", HOST,
                             "-verify_hostname", HOST, "-CAfile", str(ROOT_PEM), "-verify_return_error"],
                            input="", capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verify return code: 0 (ok)" in result.stdout
    assert "YourApp Issuing CA 1" in result.stdout
    serve.wait_for(r"the handshake succeeded \(TLSv1\.[23]\), then the client hung up without a request")
    assert_clean_stop(serve)


def test_serve_presents_the_chain_it_is_told():
    demo = Demo("serve", "--port", "0", "--cert", "rogue")
    try:
        refused = client(f"https://127.0.0.1:{demo.port}/users")
        assert refused.returncode == 1 and "certificate validation failed" in refused.stdout
        fooled = client(f"https://127.0.0.1:{demo.port}/users", "--roots", "yourapp-root,rogue-public-ca")
        assert fooled.returncode == 0 and "Compromised Public Root CA" in fooled.stdout
        demo.wait_for(r"the client refused this certificate")
        assert_clean_stop(demo)
    finally:
        demo.stop()


def test_sigterm_stops_as_cleanly_as_ctrl_c(serve):
    serve.proc.send_signal(signal.SIGTERM)
    assert serve.proc.wait(timeout=10) == 0
    assert port_is_free(serve.port)
    assert "Traceback" not in serve.proc.stderr.read()


def test_a_taken_port_is_one_sentence(serve):
    taken = subprocess.run([PY, "-m", "helpers", "serve", "--port", str(serve.port)], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert taken.returncode == 2
    assert taken.stderr.startswith("error: could not start: port") and taken.stderr.count("\n") == 1
    mitm = subprocess.run([PY, "-m", "helpers", "mitm", "--ca", "rogue", "--listen", str(serve.port),
                           "--upstream", f"127.0.0.1:{serve.port}"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert mitm.returncode == 2 and "already in use" in mitm.stderr


@pytest.mark.parametrize("name", ["genuine", "renewed", "rekeyed", "backup", "stuffed", "misissued", "expired",
                                  "wrong-host", "unknown-root", "missing-intermediate"])
def test_every_named_chain_can_be_served(name):
    """Each chain loads into a real server context (a chain OpenSSL refuses would fail at start)."""
    from helpers.cli.serve import chain_named, course_server

    _, chain, key = chain_named(name)
    with course_server(chain, key, 0) as server:
        assert server.port > 0


def test_chain_list_and_help_document_the_exit_codes():
    listed = subprocess.run([PY, "-m", "helpers", "serve", "--cert", "list"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert listed.returncode == 0
    assert {"genuine", "rogue", "corporate", "stuffed", "expired"} <= {line.split()[0]
                                                                        for line in listed.stdout.splitlines()}
    for command in ("serve", "mitm", "client"):
        shown = subprocess.run([PY, "-m", "helpers", command, "--help"], cwd=ROOT, capture_output=True,
                               text=True, timeout=60).stdout
        assert "Exit status" in shown and all(re.search(rf"^\s+{code} ", shown, re.M) for code in "02")


# --- the instructor guide ---------------------------------------------------------------------------------

GUIDE = ROOT / "docs" / "instructor-guide.md"


def _title_times() -> dict[str, tuple[str, str]]:
    """Each lesson's (teach, exercises) minutes, from its notebook's title cell."""
    import json

    times = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        title = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"])
        found = re.search(r"\*\*Time:\*\* teach (\d+) min, exercises (\d+) min", title)
        assert found, f"{path.name}: no **Time:** line in the title cell"
        times[path.name[:2]] = found.groups()
    return times


def test_the_guide_gives_every_lesson_the_time_its_title_cell_gives():
    guide = GUIDE.read_text(encoding="utf-8")
    for number, (teach, exercises) in _title_times().items():
        assert re.search(rf"^\| {number} [^|]+\| {teach} min \| {exercises} min \|$", guide, re.M), \
            f"lesson {number}: the timing table does not say teach {teach} min, exercises {exercises} min"
        assert re.search(rf"^### {number} .+\(teach {teach} min, exercises {exercises} min\)$", guide, re.M), \
            f"lesson {number}: no section with its timing"


def _guide_commands() -> list[str]:
    """Every `python -m helpers ...` command the guide shows, in code blocks and inline."""
    guide = GUIDE.read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.*?)```", guide, re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    lines += re.findall(r"`(python -m helpers [^`]*)`", guide)
    return [line.split(" > ")[0].strip() for line in lines
            if line.startswith("python -m helpers") and "[" not in line and "..." not in line]


def test_every_command_the_guide_shows_is_one_the_cli_accepts():
    import shlex

    from helpers.cli import build_parser

    commands = _guide_commands()
    assert len(commands) >= 25
    parser = build_parser()
    for command in commands:
        args = parser.parse_args(shlex.split(command)[3:])  # argparse exits (fails the test) if not
        assert hasattr(args, "func"), command
        if args.func.__module__ == "helpers.cli.serve" and args.cert != "list":
            from helpers.cli.serve import chain_named

            chain_named(args.cert)
        if args.func.__module__ == "helpers.cli.mitm":
            from helpers.cli.mitm import CAS

            assert args.ca in CAS, command


def test_the_guide_links_the_workshop_and_checklist():
    guide = GUIDE.read_text(encoding="utf-8")
    assert "](workshop.md)" in guide and "python -m helpers doctor" in guide
    assert "## Pre-workshop checklist" in guide and "### One day" in guide and "### Half a day" in guide
