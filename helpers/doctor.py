"""``python -m helpers doctor``: is this machine ready for the course?

One line per check. A passing check prints no version number, so that lesson 00's
output is the same on every machine that works; a failing check says what it found
and how to fix it.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from importlib import metadata

from .course import LOOPBACK, TIMEOUT

#: distribution name -> minimum version (the floors in pyproject.toml)
REQUIRED = {
    "jupyterlab": "4.0",
    "cryptography": "45.0",
    "matplotlib": "3.8",
    "ipywidgets": "8.0",
    "jupyterlab_widgets": "3.0",
    "nbval": "0.11",
    "certifi": "2024.2.2",
    "numpy": "1.26",
}

FIX_INSTALL = "run `make lab` (or `pip install -e .`) from the course folder"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    found: str = ""
    fix: str = ""

    def line(self) -> str:
        if self.ok:
            return f"✓ {self.name}"
        return f"✗ {self.name}: found {self.found}. Fix: {self.fix}."


def _version_tuple(text: str) -> tuple[int, ...]:
    """'8.1.9rc1' -> (8, 1, 9): the leading numeric release parts."""
    parts = []
    for piece in text.split("."):
        digits = re.match(r"\d*", piece).group(0)
        if not digits:
            break
        parts.append(int(digits))
        if digits != piece:
            break
    return tuple(parts)


def check_python() -> Check:
    ok = sys.version_info >= (3, 11)
    return Check("Python 3.11 or newer", ok, sys.version.split()[0],
                 "install Python 3.11+ and recreate the .venv (delete it, then `make lab`)")


def check_package(dist: str, minimum: str) -> Check:
    name = f"{dist} {minimum} or newer"
    try:
        version = metadata.version(dist)
    except metadata.PackageNotFoundError:
        return Check(name, False, "it is not installed", FIX_INSTALL)
    ok = _version_tuple(version) >= _version_tuple(minimum)
    return Check(name, ok, f"version {version}", FIX_INSTALL)


def check_widgets_pair() -> Check:
    """ipywidgets 8 needs jupyterlab_widgets 3 in the same environment, or widgets show as text."""
    name = "ipywidgets and jupyterlab_widgets match"
    try:
        ipyw = metadata.version("ipywidgets")
        labw = metadata.version("jupyterlab_widgets")
    except metadata.PackageNotFoundError as exc:
        return Check(name, False, f"{exc.name} missing", FIX_INSTALL)
    ok = _version_tuple(ipyw)[:1] == (8,) and _version_tuple(labw)[:1] == (3,)
    return Check(name, ok, f"ipywidgets {ipyw} with jupyterlab_widgets {labw}",
                 "install matching versions: pip install 'ipywidgets>=8,<9' 'jupyterlab_widgets>=3,<4'")


def check_openssl_cli() -> Check:
    name = "openssl command-line tool"
    path = shutil.which("openssl")
    if path is None:
        return Check(name, False, "no `openssl` on PATH",
                     "install OpenSSL (Debian/Ubuntu: apt-get install openssl; macOS: brew install openssl)")
    try:
        out = subprocess.run([path, "version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check(name, False, f"`openssl version` failed ({exc})", "reinstall OpenSSL")
    ok = out.returncode == 0 and out.stdout.startswith(("OpenSSL 3", "OpenSSL 4"))
    return Check(name, ok, out.stdout.strip() or out.stderr.strip(),
                 "install OpenSSL 3 or newer and put it first on PATH")


def check_loopback() -> Check:
    """Bind 127.0.0.1 on an ephemeral port and send one message through it."""
    name = f"loopback sockets ({LOOPBACK})"
    try:
        with socket.socket() as server:
            server.bind((LOOPBACK, 0))
            server.listen(1)
            server.settimeout(TIMEOUT)
            received: list[bytes] = []

            def serve() -> None:
                conn, _ = server.accept()
                with conn:
                    received.append(conn.recv(16))

            thread = threading.Thread(target=serve, daemon=True)
            thread.start()
            with socket.create_connection(server.getsockname(), timeout=TIMEOUT) as client:
                client.sendall(b"ping")
            thread.join(TIMEOUT)
        ok = received == [b"ping"]
        found = "no data arrived" if not ok else ""
    except OSError as exc:
        ok, found = False, f"an error ({exc.strerror or exc})"
    return Check(name, ok, found,
                 "allow local connections to 127.0.0.1 (a firewall or sandbox may block them)")


def run_checks() -> list[Check]:
    checks = [check_python()]
    checks += [check_package(dist, minimum) for dist, minimum in REQUIRED.items()]
    checks += [check_widgets_pair(), check_openssl_cli(), check_loopback()]
    return checks


def report() -> bool:
    """Print one line per check and a verdict; return True when everything passed."""
    checks = run_checks()
    for check in checks:
        print(check.line())
    failed = [c for c in checks if not c.ok]
    if failed:
        print(f"{len(failed)} of {len(checks)} checks failed: fix them, then restart the kernel.")
    else:
        print(f"All {len(checks)} checks passed: you are ready.")
    return not failed
