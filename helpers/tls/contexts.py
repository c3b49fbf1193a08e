"""The TLS contexts of the course: a server that presents a chain, a client that trusts roots.

Every server, proxy, capture and client in :mod:`helpers.tls` and :mod:`helpers.pinning` builds
its ``SSLContext`` here, one builder per role:

* :func:`server_context` presents a chain, loaded through :func:`helpers.pki.ca.present`;
* :func:`client_context` trusts exactly the roots it is given, loaded through
  :func:`helpers.pki.ca.trust`, and checks the host name (pinning by trust anchor adds one
  flag to it, in :func:`helpers.pinning.client.trust_anchor_context`);
* :func:`unvalidated_client_context` is BROKEN on purpose: it accepts any certificate, for
  the one client of lesson 06 that shows how a pin check in a "bad certificate" callback fails.

Nothing chooses a course certificate for you: the caller passes the chain (``pki.leaf``) and the
roots (``[pki.root.cert]``).
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Sequence

from cryptography import x509

from ..errors import BadInputError
from ..pem import as_certificates, load_certificates
from ..pki.ca import Issued, present, trust
from .names import CIPHER_SUITES

__all__ = [
    "PresentedChainError", "TrustAnchorsError", "as_chain", "as_roots", "client_context", "server_context",
    "unvalidated_client_context",
]


class PresentedChainError(BadInputError):
    """What a server should present is not certificates (leaf first) with the leaf's key."""


class TrustAnchorsError(BadInputError):
    """A client was given an empty trust store."""


def as_chain(chain, key=None) -> tuple[list[x509.Certificate], object]:
    """Normalise what a server presents into (certificates leaf first, private key).

    ``chain`` may be an ``Issued`` from :mod:`helpers.pki` (its certificate and intermediates),
    a certificate, or a sequence of certificates / objects with a ``.cert``. ``key`` defaults
    to the ``Issued``'s key (or the first entry's ``.key``).
    """
    if isinstance(chain, Issued):
        chain, key = chain.chain, (chain.key if key is None else key)
    certs = as_certificates(chain, "a server chain")
    if key is None and certs:
        first = chain[0] if isinstance(chain, Sequence) else chain
        key = getattr(first, "key", None)
    if not certs or key is None:
        raise PresentedChainError("A server needs at least one certificate and the leaf's private key; "
                                  "pass chain=[leaf, intermediate] and key=leaf_key, or an Issued from "
                                  "helpers.pki.")
    return certs, key


def as_roots(roots) -> list[x509.Certificate]:
    """Trust anchors as certificates, never an empty list: certificates or course objects (see
    :func:`helpers.pem.as_certificates`), or the path of a PEM file of them."""
    if isinstance(roots, str | os.PathLike):
        return load_certificates(roots)
    certs = as_certificates(roots, "a trust store") if roots is not None else []
    if not certs:
        raise TrustAnchorsError("a trust store is a non-empty list of x509.Certificate objects; for the "
                                "course, pass [pki.root.cert].")
    return certs


def server_context(chain, key=None, *, tls12: bool = False) -> ssl.SSLContext:
    """A server-side ``SSLContext`` that presents ``chain`` (see :func:`as_chain`) over HTTP/1.1."""
    certs, key = as_chain(chain, key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if tls12:
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    present(context, certs, key)
    context.set_alpn_protocols(["http/1.1"])
    return context


def client_context(roots, *, tls12: bool = False) -> ssl.SSLContext:
    """A careful client's ``SSLContext``: trusts only ``roots``, checks the host name, asks for HTTP/1.1.

    No system roots are loaded, and (unlike ``ssl.create_default_context``) no flag changes
    from one Python version to the next.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # check_hostname and CERT_REQUIRED are on
    trust(context, as_roots(roots))
    if tls12:
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    return context


def unvalidated_client_context() -> ssl.SSLContext:
    """BROKEN on purpose: a client context that accepts any certificate for any name.

    Never use it to protect anything. It exists for one lesson-06 model
    (:class:`helpers.pinning.broken.BrokenCallbackClient`): after a failed validation, Dart's
    ``dart:io`` completes the handshake anyway and hands the certificate to the app's
    ``badCertificateCallback``. Modelling that needs a handshake with no validation at all, so
    this context turns off both checks that :func:`client_context` keeps on (the chain and the
    host name) and trusts nothing.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False         # must go first: CERT_NONE is refused while it is on
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])
    return context


def offered_tls13_suites() -> list[str]:
    """The TLS 1.3 suites a :func:`client_context` offers in its ClientHello, by IANA code."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # the same protocol and defaults, no anchors needed
    offered = {c["name"] for c in context.get_ciphers() if c["protocol"] == "TLSv1.3"}
    return [name for code, name in sorted(CIPHER_SUITES.items()) if name in offered]
