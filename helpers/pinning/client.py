"""The pinned client: ordinary CA validation first, then pins checked on the *verified* chain.

Order matters. The client lets OpenSSL validate the server exactly as a browser would
(trusted root, signatures, dates, hostname). Only then does it look at the chain that
OpenSSL **built and verified**, leaf first and ending at the trust anchor, and accept
the connection if one certificate in it matches a pin. Checking the chain the server
*sent* instead is the CVE-2016-2402 bug (see :mod:`helpers.pinning.broken`).

Where the verified chain comes from:

* Python 3.13+: the public ``SSLSocket.get_verified_chain()``;
* Python 3.11-3.12: the same method, private, on ``sslsock._sslobj``;
* when neither gives a chain (a resumed session returns an empty one, CPython
  gh-160171), :func:`rebuild_verified_chain` builds it again with cryptography's
  verifier from what the server sent and the same trust store (:func:`connected_chain`
  does both).

Also here: :func:`trust_anchor_context`, pinning by trust anchor (trust *only* your own
certificate, OpenSSL's ``VERIFY_X509_PARTIAL_CHAIN``), which is what Dart's
``SecurityContext(withTrustedRoots: false)`` does. Every context here is
:func:`helpers.tls.contexts.client_context` (the trust-anchor one adds a flag to it); the
deliberately broken clients of :mod:`helpers.pinning.broken` take theirs from
:mod:`helpers.tls.contexts` too. A refusal is a :class:`Refused` verdict whose ``kind``
(a :class:`Refusal`) says which check failed. The answer of :func:`fetch` is the toy API's
:class:`~helpers.tls.api.Response`.
"""

from __future__ import annotations

import _ssl  # the DER constant of the certificates ssl's private chain methods return (3.11-3.12)
import datetime as _dt
import http.client
import socket
import ssl
from collections.abc import Sequence
from enum import Enum

from cryptography import x509
from cryptography.x509 import verification

from .. import clock
from ..course import HOST, TIMEOUT
from ..pem import host_general_name, load_der_certificate, short_name
from ..tls.api import Response
from ..tls.contexts import as_roots, client_context
from .pins import Pin, PinSet

__all__ = [
    "CaClient", "PinnedClient", "Refusal", "Refused", "TrustAnchorClient", "check_pins", "connected_chain",
    "fetch", "rebuild_verified_chain", "trust_anchor_context", "trust_store_context", "unverified_chain",
    "verified_chain",
]


class Refusal(Enum):
    """Which check made a client refuse a server."""

    UNREACHABLE = "could not connect"
    VALIDATION = "certificate validation failed"
    HANDSHAKE = "the TLS handshake failed"
    PINS = "no pin matched"
    CALLBACK = "the callback rejected the certificate"
    NOT_HTTP = "the server did not answer with HTTP"


class Refused(Exception):
    """The client refused the server. A verdict, not bad input: ``reason`` says why, ``kind`` which check."""

    def __init__(self, reason: str, kind: Refusal):
        super().__init__(reason)
        self.reason, self.kind = reason, kind


# --- chains ------------------------------------------------------------------------------

def _from_ssl(chain) -> list[x509.Certificate]:
    """What ssl's chain methods return (DER bytes in 3.13+, ``_ssl.Certificate`` before) as certificates."""
    return [load_der_certificate(c if isinstance(c, bytes) else c.public_bytes(_ssl.ENCODING_DER))
            for c in chain or []]


def verified_chain(sock: ssl.SSLSocket | ssl.SSLObject) -> list[x509.Certificate]:
    """The chain OpenSSL built and verified: leaf first, trust anchor last ([] if unknown)."""
    if hasattr(sock, "get_verified_chain"):  # Python 3.13+
        return _from_ssl(sock.get_verified_chain())
    return _from_ssl(sock._sslobj.get_verified_chain())  # Python 3.11-3.12


def unverified_chain(sock: ssl.SSLSocket | ssl.SSLObject) -> list[x509.Certificate]:
    """The certificates exactly as the server sent them: attacker-controlled, never pin these."""
    if hasattr(sock, "get_unverified_chain"):
        return _from_ssl(sock.get_unverified_chain())
    return _from_ssl(sock._sslobj.get_unverified_chain())


def rebuild_verified_chain(sent: Sequence[x509.Certificate], roots: Sequence[x509.Certificate],
                           host: str = HOST, at: _dt.datetime | None = None) -> list[x509.Certificate]:
    """Validate ``sent`` (leaf first) with cryptography's verifier; return the chain it built.

    Raises :class:`Refused` when the chain does not validate for ``host`` at ``at``
    (the course clock by default).
    """
    if not sent:
        raise Refused("the server sent no certificate", Refusal.VALIDATION)
    store = verification.Store(list(roots))
    builder = verification.PolicyBuilder().store(store).time(at or clock.now())
    try:
        verifier = builder.build_server_verifier(host_general_name(host))
        return list(verifier.verify(sent[0], list(sent[1:])))
    except verification.VerificationError as exc:
        raise Refused(f"cryptography's verifier refused the chain: {exc}", Refusal.VALIDATION) from None


def connected_chain(sock: ssl.SSLSocket, roots: Sequence[x509.Certificate], servername: str = HOST,
                    at: _dt.datetime | None = None) -> list[x509.Certificate]:
    """The verified chain of a connection: OpenSSL's, or rebuilt by cryptography when OpenSSL gives none."""
    return verified_chain(sock) or rebuild_verified_chain(unverified_chain(sock), roots, servername, at)


# --- trust stores and contexts -------------------------------------------------------------

def trust_store_context(roots) -> ssl.SSLContext:
    """A correctly validating client context whose trust store is exactly ``roots``.

    This is "the device's trust store": whatever CA is in it is trusted for every name.
    """
    return client_context(as_roots(roots))


def trust_anchor_context(anchors: Sequence[x509.Certificate]) -> ssl.SSLContext:
    """Trust *only* ``anchors`` (your own leaf or intermediate), with no system roots.

    OpenSSL normally insists that a chain ends at a self-signed root; the flag
    ``VERIFY_X509_PARTIAL_CHAIN`` lets a non-root certificate in the store end it. This is
    pinning by trust anchor, the Python form of Dart's ``withTrustedRoots: false``.
    """
    context = trust_store_context(anchors)
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return context


# --- clients -------------------------------------------------------------------------------

def _handshake(context: ssl.SSLContext, host: str, port: int, servername: str) -> ssl.SSLSocket:
    try:
        raw = socket.create_connection((host, port), timeout=TIMEOUT)
    except OSError as exc:
        raise Refused(f"could not connect to {host}:{port} ({exc.strerror or exc})",
                      Refusal.UNREACHABLE) from None
    try:
        return context.wrap_socket(raw, server_hostname=servername)
    except ssl.SSLCertVerificationError as exc:
        raise Refused(f"certificate validation failed: {exc.verify_message}", Refusal.VALIDATION) from None
    except (ssl.SSLError, OSError) as exc:
        raise Refused(f"the TLS handshake failed: {getattr(exc, 'reason', None) or exc}",
                      Refusal.HANDSHAKE) from None
    finally:
        raw.close()  # wrap_socket took over the descriptor; this only closes on failure


class CaClient:
    """A correct, default client: CA validation against ``roots`` and nothing else."""

    label = "default (CA trust)"

    def __init__(self, roots):
        self.roots = as_roots(roots)
        self.context = client_context(self.roots)

    def connect(self, host: str, port: int, servername: str = HOST) -> ssl.SSLSocket:
        """Open a validated TLS connection (close it when done), or raise :class:`Refused`."""
        return _handshake(self.context, host, port, servername)


class TrustAnchorClient(CaClient):
    """Pinning by trust anchor: only your own certificate(s) can end the chain."""

    label = "trust anchor (withTrustedRoots: false)"

    def __init__(self, anchors: Sequence[x509.Certificate]):
        self.roots = as_roots(anchors)
        self.context = trust_anchor_context(self.roots)


def _as_pinset(pins) -> PinSet:
    if isinstance(pins, PinSet):
        return pins
    if isinstance(pins, str | Pin):
        pins = [pins]
    return PinSet(pins=tuple(pins))


class PinnedClient(CaClient):
    """CA validation, then the pins checked against the **verified** chain.

    ``pins`` is a :class:`~helpers.pinning.pins.PinSet` or pins (text or
    :class:`~helpers.pinning.pins.Pin`). ``rebuild=True`` always uses the fallback
    (cryptography's verifier) instead of OpenSSL's verified chain.
    """

    label = "pinned (verified chain)"
    checks = "verified chain"  # what the pins are compared with, for the refusal message

    def __init__(self, pins, roots, *, rebuild: bool = False, at: _dt.datetime | None = None):
        super().__init__(roots)
        self.pins = _as_pinset(pins)
        self.rebuild, self.at = rebuild, at

    def chain_of(self, sock: ssl.SSLSocket, servername: str) -> list[x509.Certificate]:
        """The verified chain to check: OpenSSL's, or the rebuilt one when that is missing."""
        if self.rebuild:
            return rebuild_verified_chain(unverified_chain(sock), self.roots, servername, self.at)
        return connected_chain(sock, self.roots, servername, self.at)

    def connect(self, host: str, port: int, servername: str = HOST) -> ssl.SSLSocket:
        sock = super().connect(host, port, servername)
        try:
            check_pins(self.pins, self.chain_of(sock, servername), at=self.at, checks=self.checks)
        except BaseException:
            sock.close()
            raise
        return sock


def check_pins(pins: PinSet, chain: Sequence[x509.Certificate], *, at=None,
               checks: str = "verified chain") -> list[tuple[int, Pin]]:
    """Return the (position, pin) matches in ``chain``; raise :class:`Refused` if there are none.

    An expired pin set no longer applies (Android and TrustKit fail open), so it passes.
    """
    if pins.expired(at):
        return []
    found = pins.matching(chain)
    if not found:
        names = ", ".join(short_name(c) for c in chain) or "an empty chain"
        raise Refused(f"no pin matched the {checks} ({names})", Refusal.PINS)
    return found


# --- one HTTP request ------------------------------------------------------------------------

def fetch(client, host: str, port: int, *, token: str, path: str = "/users",
          servername: str = HOST) -> Response:
    """Connect with ``client``, then send ``GET path`` with a bearer token; raise :class:`Refused`.

    The token is sent only after the client has accepted the server: that is the whole
    point. The HTTP part is the standard library's ``http.client`` on our socket.
    """
    connection = http.client.HTTPConnection(servername, port, timeout=TIMEOUT)
    connection.sock = client.connect(host, port, servername)  # a preset socket skips connect()
    version = connection.sock.version() or ""  # read now: a "Connection: close" reply closes it
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}",
                                                 "Connection": "close"})
        reply = connection.getresponse()
        body = reply.read()
    except (http.client.HTTPException, OSError) as exc:
        raise Refused(f"the server did not answer with HTTP ({type(exc).__name__})",
                      Refusal.NOT_HTTP) from None
    finally:
        connection.close()
    return Response.from_reply(reply, body, version)
