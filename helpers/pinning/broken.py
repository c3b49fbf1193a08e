"""BROKEN pinning clients, kept only to show in lessons how pinning code fails while looking right.

Never copy these. Each one has a pin check that *runs*, and each one is bypassed:

* :class:`BrokenUnverifiedChainClient` checks the pins against the chain the server
  **sent**. The server controls that list, so an attacker whose certificate chains to
  any trusted CA simply appends your genuine (public!) certificate to it. That is
  CVE-2016-2402 in OkHttp (fixed in 2.7.4 and 3.1.2): chain stuffing.
* :class:`BrokenCallbackClient` checks the pins only when normal validation has
  **failed**, the way a pin check written inside Dart's ``badCertificateCallback``
  does. A certificate from any trusted CA validates, so the callback, and with it the
  pin check, never runs. The callback also sees one certificate, not the chain.

The correct client is :class:`helpers.pinning.client.PinnedClient`.
"""

from __future__ import annotations

import ssl

from cryptography import x509

from ..course import HOST
from ..pem import load_der_certificate
from ..tls.contexts import unvalidated_client_context
from .client import (
    CaClient,
    PinnedClient,
    Refusal,
    Refused,
    _as_pinset,
    _handshake,
    check_pins,
    unverified_chain,
)

__all__ = ["BrokenCallbackClient", "BrokenUnverifiedChainClient"]


class BrokenUnverifiedChainClient(PinnedClient):
    """BROKEN: validates with the CA store, then checks pins on the *unverified* (sent) chain."""

    label = "BROKEN: pins the sent chain"
    checks = "chain the server sent"

    def chain_of(self, sock: ssl.SSLSocket, servername: str) -> list[x509.Certificate]:
        return unverified_chain(sock)  # the bug: the attacker chooses these certificates


class BrokenCallbackClient(CaClient):
    """BROKEN: a model of a pin check placed in Dart's ``badCertificateCallback``.

    The handshake validates against ``roots``. Only if that **fails** is ``callback``
    called, with the leaf certificate alone, and its answer decides. When validation
    succeeds, as it does for any certificate from a trusted CA, no pin is checked.
    ``calls`` counts how often the callback ran.
    """

    label = "BROKEN: pins only in the bad-cert callback"

    def __init__(self, pins, roots):
        super().__init__(roots)
        self.pins = _as_pinset(pins)
        self.calls = 0

    def callback(self, cert: x509.Certificate, host: str, port: int) -> bool:
        """The app's callback: accept the certificate if its SPKI pin is in the pin set."""
        self.calls += 1
        try:
            check_pins(self.pins, [cert])
        except Refused:
            return False
        return True

    def connect(self, host: str, port: int, servername: str = HOST) -> ssl.SSLSocket:
        try:
            return super().connect(host, port, servername)
        except Refused as why:
            if why.kind is not Refusal.VALIDATION:
                raise
            failed = why
        sock = _unvalidated_handshake(host, port, servername)  # like dart:io after a failed check
        leaf = load_der_certificate(sock.getpeercert(binary_form=True))
        if self.callback(leaf, servername, port):
            return sock
        sock.close()
        raise Refused(f"{failed.reason}, and the callback rejected the certificate", Refusal.CALLBACK)


def _unvalidated_handshake(host: str, port: int, servername: str) -> ssl.SSLSocket:
    """BROKEN on purpose: a handshake that accepts any certificate, for the callback to judge."""
    return _handshake(unvalidated_client_context(), host, port, servername)
