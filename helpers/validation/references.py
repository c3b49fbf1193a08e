"""Reference verdicts: the same chain, host and time, judged by independent validators.

* **cryptography** (``cryptography.x509.verification``, Rust, CA/Browser Forum profile):
  ``PolicyBuilder().store(Store(anchors)).time(at).build_server_verifier(DNSName(host))``.
* **OpenSSL** (the ``openssl verify`` command, C): the files go to a temporary folder and
  ``-attime`` pins the clock, so it judges at the course time rather than today.
* **OpenSSL strict** (the same command with ``-x509_strict``): OpenSSL's RFC 5280 profile
  checks on top, the closest to a Web PKI profile that OpenSSL has. It refuses, among others,
  a CA whose basicConstraints is not critical, a CA without a subjectKeyIdentifier, a
  certificate without an authorityKeyIdentifier (except a self-signed one), a critical AKI,
  a keyCertSign bit in a non-CA, and EC keys with explicit curve parameters
  (``openssl-verification-options(1)``, "-x509_strict"). Why not a Web PKI validator from
  PyPI instead: rustls's webpki reaches Python only inside TLS libraries (``rtls``,
  ``pyrtls``), which verify during a handshake and so need the server's private key, and
  ``pyhanko-certvalidator`` implements RFC 5280 for signed documents, not the Web PKI.

A reference says *whether* a chain is valid; its message is often less precise than our
steps. cryptography reports "candidates exhausted" both for an unknown root and for a
missing intermediate, because in both cases its path search simply ran out of issuers.
"""

from __future__ import annotations

import datetime as _dt
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from ..errors import CourseError
from ..pem import chain_pem, host_general_name


class OpenSSLMissingError(CourseError, RuntimeError):
    """The ``openssl`` command is not installed or not on PATH."""


@dataclass(frozen=True)
class Verdict:
    """One validator's answer: ``valid`` and its own words."""

    tool: str
    valid: bool
    message: str

    def cell(self) -> str:
        return "✓ valid" if self.valid else f"✗ {self.message}"


def cryptography_verdict(leaf, intermediates, anchors, host: str, at: _dt.datetime) -> Verdict:
    """cryptography's server verifier on the same inputs."""
    if not anchors:
        return Verdict("cryptography", False, "no trust anchors (it refuses an empty Store)")
    try:
        verifier = (PolicyBuilder().store(Store(list(anchors))).time(at)
                    .build_server_verifier(host_general_name(host)))
    except ValueError as exc:  # a host name it will not match at all, such as one with an underscore
        return Verdict("cryptography", False, f"{exc} (it refuses to build a verifier for {host})")
    try:
        verifier.verify(leaf, list(intermediates))
    except VerificationError as exc:
        return Verdict("cryptography", False, _tidy(str(exc)))
    return Verdict("cryptography", True, "OK")


def _tidy(message: str) -> str:
    """Drop the prefix and the certificate repr that cryptography appends."""
    message = message.removeprefix("validation failed: ")
    return re.sub(r" \(encountered processing <Certificate\(.*\)>\)$", "", message)


def _openssl() -> str:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise OpenSSLMissingError("the openssl command was not found; install OpenSSL 3 (Debian/Ubuntu: "
                                  "apt-get install openssl) and put it on PATH.")
    return openssl


def openssl_version() -> str:
    """The version line of the ``openssl`` command that :func:`openssl_verdict` runs.

    It may differ from the OpenSSL inside Python's ``ssl`` (``ssl.OPENSSL_VERSION``) and from
    the one bundled with cryptography; its path building and name checks are its own.
    """
    done = subprocess.run([_openssl(), "version"], capture_output=True, text=True, timeout=30)
    return done.stdout.strip().splitlines()[0] if done.stdout.strip() else "unknown"


def openssl_verdict(leaf, intermediates, anchors, host: str, at: _dt.datetime, *,
                    strict: bool = False) -> Verdict:
    """``openssl verify -attime … -purpose sslserver`` on the same inputs (``-x509_strict`` if ``strict``)."""
    openssl = _openssl()
    tool = "OpenSSL strict" if strict else "OpenSSL"
    if not anchors:
        return Verdict(tool, False, "no trust anchors")
    with tempfile.TemporaryDirectory(prefix="course-verify-") as tmp:
        folder = Path(tmp)
        args = [openssl, "verify", "-attime", str(int(at.timestamp())), "-purpose", "sslserver",
                *(["-x509_strict"] if strict else []), "-CAfile", _write(folder / "anchors.pem", anchors)]
        if intermediates:
            args += ["-untrusted", _write(folder / "intermediates.pem", intermediates)]
        by_ip = isinstance(host_general_name(host), x509.IPAddress)
        args += ["-verify_ip" if by_ip else "-verify_hostname", host, _write(folder / "leaf.pem", [leaf])]
        try:
            done = subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=30)
        except subprocess.TimeoutExpired:
            return Verdict(tool, False, "no answer within 30 s")
    if done.returncode == 0:
        return Verdict(tool, True, "OK")
    return Verdict(tool, False, _openssl_error(done.stdout + done.stderr))


def openssl_strict_verdict(leaf, intermediates, anchors, host: str, at: _dt.datetime) -> Verdict:
    """``openssl verify -x509_strict …``: the third reference."""
    return openssl_verdict(leaf, intermediates, anchors, host, at, strict=True)


def _write(path: Path, certs) -> str:
    path.write_bytes(chain_pem(certs))
    return str(path)


def _openssl_error(output: str) -> str:
    """The "error N at D depth lookup: reason" line, as "reason (error N at depth D)"."""
    match = re.search(r"error (\d+) at (\d+) depth lookup: ?(.*)", output)
    if match:
        return f"{match.group(3).strip()} (error {match.group(1)} at depth {match.group(2)})"
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "verification failed"
