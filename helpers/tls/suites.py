"""Force one TLS 1.3 cipher suite, which Python's ``ssl`` cannot do from code.

``SSLContext.set_ciphers`` only governs TLS 1.2 and below; the TLS 1.3 suites come from
OpenSSL's configuration. So :func:`capture_with_suite` runs the capture in a child process
whose ``OPENSSL_CONF`` allows only that suite, and reads the :class:`~helpers.tls.capture.Capture`
back as JSON. (Which suites this OpenSSL offers unforced: :func:`helpers.tls.contexts.offered_tls13_suites`.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ..course import HOST
from ..errors import BadInputError, CourseError
from ..pem import chain_pem, key_pem, load_certificates, load_private_key
from .capture import Capture, capture_in_memory
from .contexts import as_chain, as_roots
from .keyschedule import SUITES

__all__ = ["SuiteError", "SuiteNotForcedError", "capture_with_suite"]


class SuiteError(BadInputError):
    """A cipher suite that cannot be forced: not TLS 1.3, not one this course decrypts."""


class SuiteNotForcedError(CourseError):
    """This machine's OpenSSL did not honour the suite its configuration asked for."""


_OPENSSL_CONF = """openssl_conf = course_conf
[course_conf]
ssl_conf = course_ssl
[course_ssl]
system_default = course_tls
[course_tls]
Ciphersuites = {suite}
"""


def capture_with_suite(chain, key=None, *, roots, suite: str, server_hostname: str = HOST,
                       request: bool = True, request_with_finished: bool = False) -> Capture:
    """Like :func:`~helpers.tls.capture.capture_in_memory`, with only ``suite`` allowed."""
    if suite not in SUITES:
        raise SuiteError(f"{suite!r} is not a TLS 1.3 cipher suite this course decrypts; pick one of "
                         f"{', '.join(SUITES)}.")
    certs, key = as_chain(chain, key)
    job = {"chain": chain_pem(certs).decode(), "key": key_pem(key).decode(),
           "roots": chain_pem(as_roots(roots)).decode(), "server_hostname": server_hostname,
           "request": request, "request_with_finished": request_with_finished}
    with tempfile.TemporaryDirectory(prefix="course-openssl-") as folder:
        conf = Path(folder, "openssl.cnf")
        conf.write_text(_OPENSSL_CONF.format(suite=suite))
        package_root = str(Path(__file__).resolve().parents[2])   # so the child can import helpers
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
        env = {**os.environ, "OPENSSL_CONF": str(conf), "PYTHONPATH": path}
        done = subprocess.run([sys.executable, "-c", "from helpers.tls.suites import _child; _child()"],
                              input=json.dumps(job), capture_output=True, text=True, env=env, timeout=60)
    if done.returncode != 0:
        raise SuiteNotForcedError(f"The child process that forces {suite} failed "
                                  f"({done.stderr.strip().splitlines()[-1:] or ['no output']}); run it "
                                  "without suite= to use the suite OpenSSL picks.")
    capture = Capture.from_json(done.stdout)
    if capture.negotiated.get("cipher", suite) != suite:
        raise SuiteNotForcedError(f"This OpenSSL ignored the configuration and negotiated "
                                  f"{capture.negotiated['cipher']} instead of {suite}; run without suite=.")
    return capture


def _child() -> None:
    """Entry point of the child process: read a job on stdin, write a Capture on stdout."""
    job = json.loads(sys.stdin.read())
    key = load_private_key(job["key"].encode())
    capture = capture_in_memory(load_certificates(job["chain"]), key, roots=load_certificates(job["roots"]),
                                server_hostname=job["server_hostname"], request=job["request"],
                                request_with_finished=job.get("request_with_finished", False))
    sys.stdout.write(capture.to_json())
