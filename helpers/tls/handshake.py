"""Lesson 04's front door: run the course's TLS handshake, decrypt it, and check it.

::

    hs = run_handshake()                    # the course leaf + intermediate, the course root
    print(hs.flight_table())                # who sent what, encrypted or not
    hs.chain()                              # the certificates the server sent
    hs.verify_certificate_verify(), hs.verify_finished()

The work is done by one module per step: :mod:`.capture` (MemoryBIO pipes and the key log),
:mod:`.suites` (a child process that forces one TLS 1.3 suite), :mod:`.decode` (a frozen
:class:`~helpers.tls.decode.Handshake`), :mod:`.checks` (CertificateVerify, Finished) and
:mod:`.report` (tables and text). The key schedule is :mod:`helpers.tls.keyschedule`.

This module is where the course's own certificates meet the TLS layer: ``run_handshake()``
with no chain presents ``course_pki().leaf`` and trusts ``course_pki().root``; the layers
below take both as arguments.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass

from ..course import HOST
from ..errors import BadInputError
from ..pki import course_pki
from .agreement import WireAgreement, agree_with_openssl, x25519_key
from .capture import Capture, capture_in_memory
from .checks import MissingMessageError
from .contexts import offered_tls13_suites
from .decode import Handshake, decode
from .names import Sender
from .suites import SuiteError, capture_with_suite

__all__ = [
    "FAILURES", "FailureCase", "FailureCaseError", "agree_keys", "capture_handshake", "failed_handshake",
    "offered_tls13_suites", "openssl_versions", "run_handshake", "with_reordered_cipher_suites",
]


class FailureCaseError(BadInputError):
    """A failing-handshake case that :data:`FAILURES` does not have."""


def openssl_versions() -> dict[str, str]:
    """The two OpenSSLs of lesson 04: the one Python's ``ssl`` runs, and the one ``cryptography`` bundles."""
    from cryptography.hazmat.backends.openssl import backend

    return {"ssl (runs the handshake)": ssl.OPENSSL_VERSION,
            "cryptography (decrypts, verifies)": backend.openssl_version_text()}


def capture_handshake(chain=None, key=None, *, roots=None, server_hostname: str = HOST, tls12: bool = False,
                      suite: str | None = None, request: bool = True,
                      request_with_finished: bool = False) -> Capture:
    """Run one handshake and return the raw :class:`~helpers.tls.capture.Capture`.

    ``chain``/``key``: what the server presents; ``roots``: what the client trusts (by default
    the course's leaf and root). ``suite`` forces one TLS 1.3 cipher suite (in a child process).
    ``request_with_finished``: the client sends its request in the same flight as its Finished.
    """
    if suite is not None and tls12:
        raise SuiteError("suite= picks a TLS 1.3 cipher suite, so it cannot be combined with tls12=True; "
                         "drop one of them.")
    pki = course_pki()
    chain = pki.leaf if chain is None else chain
    roots = [pki.root.cert] if roots is None else roots
    if suite is not None:
        return capture_with_suite(chain, key, roots=roots, suite=suite, server_hostname=server_hostname,
                                  request=request, request_with_finished=request_with_finished)
    return capture_in_memory(chain, key, roots=roots, server_hostname=server_hostname, tls12=tls12,
                             request=request, request_with_finished=request_with_finished)


def run_handshake(chain=None, key=None, *, roots=None, server_hostname: str = HOST, tls12: bool = False,
                  suite: str | None = None, request: bool = True, request_with_finished: bool = False) -> Handshake:
    """Run, decrypt and parse one handshake (the arguments are :func:`capture_handshake`'s)."""
    return decode(capture_handshake(chain, key, roots=roots, server_hostname=server_hostname,
                                    tls12=tls12, suite=suite, request=request,
                                    request_with_finished=request_with_finished))


def agree_keys(label: str = "lesson 04 server share") -> tuple[WireAgreement, object]:
    """A real OpenSSL client's X25519 key share, answered by ours (:mod:`helpers.tls.agreement`).

    Returns the :class:`~helpers.tls.agreement.WireAgreement` and our private key, so a lesson can
    compute b·(a·G) and compare it with what OpenSSL derived from a·(b·G).
    """
    key = x25519_key(label)
    return agree_with_openssl(key, roots=[course_pki().root.cert]), key


def with_reordered_cipher_suites(handshake: Handshake) -> Handshake:
    """A copy in which someone on the path swapped the first two suites the client offered.

    Only our recorded bytes change, not the keys: it shows what the two Finished MACs
    would catch if an attacker edited a handshake message (say, to push a weaker suite).
    """
    hello = handshake.client_hello
    if hello is None or len(hello.cipher_suites) < 2 or handshake.capture.flights[0][0] is not Sender.CLIENT:
        raise MissingMessageError("This capture does not start with a ClientHello offering two suites; use "
                                  "one from run_handshake().")
    sender, data = handshake.capture.flights[0]
    start = 5 + 4 + 2 + 32 + 1 + len(hello.session_id) + 2   # record + message headers, fields before
    data = data[:start] + data[start + 2:start + 4] + data[start:start + 2] + data[start + 4:]
    capture = handshake.capture
    return decode(Capture(((sender, data), *capture.flights[1:]), capture.keylog, capture.errors,
                          capture.negotiated))


def _course_leaf(pki):
    return pki.leaf


def _corporate_leaf(pki):
    return pki.corporate_leaf


@dataclass(frozen=True)
class FailureCase:
    """A failing handshake the lesson shows: what changes from the good one, and why it fails."""

    name: str
    title: str
    presents: Callable = _course_leaf  # what the server presents, taken from a CoursePKI
    server_hostname: str = HOST        # the name the client asks for

    def arguments(self, pki) -> dict:
        """The :func:`run_handshake` arguments of this case, with ``pki``'s certificates."""
        return {"chain": self.presents(pki), "server_hostname": self.server_hostname}


#: The failing handshakes of lesson 04 and ``python -m helpers handshake --fail``, by name.
FAILURES = {case.name: case for case in (
    FailureCase("wrong-host", "the client asks for www.yourapp.com; the certificate names only "
                "api.yourapp.com", server_hostname="www.yourapp.com"),
    FailureCase("unknown-ca", "the server presents a chain from a CA the client does not trust (a "
                "corporate proxy CA)", presents=_corporate_leaf),
)}


def failed_handshake(case: str, *, tls12: bool = False) -> Handshake:
    """Run one of :data:`FAILURES` and return it; ``.alerts`` and ``.errors`` say what went wrong."""
    if case not in FAILURES:
        raise FailureCaseError(f"{case!r} is not a failing-handshake case; pick one of "
                               f"{', '.join(FAILURES)}.")
    return run_handshake(tls12=tls12, request=False, **FAILURES[case].arguments(course_pki()))
