"""Python's own ``ssl`` module as a judge: a real handshake in memory, with chosen verify flags.

Lesson 03 uses it to show a default that changed. On Python 3.13 and later,
``ssl.create_default_context()`` sets two OpenSSL flags that older Pythons leave off
(CPython gh-107361):

* ``VERIFY_X509_PARTIAL_CHAIN``: a certificate in the trust store is an anchor even when it
  is not a self-signed root, so a store that holds only a leaf or an intermediate works;
* ``VERIFY_X509_STRICT``: OpenSSL's stricter RFC 5280 profile (the ``-x509_strict`` column).

:func:`python_ssl_verdict` runs one handshake between two ``SSLContext`` objects through
``MemoryBIO`` pipes (no socket, no network), with exactly the flags given, so the same cell
shows both behaviours whichever Python runs it. Python's ``ssl`` checks dates against the real
clock, not the course clock: use certificates that are valid today.
"""

from __future__ import annotations

import ssl
import sys

from ..pki.ca import present, trust
from .references import Verdict

#: The verify flags that ``create_default_context()`` adds from Python 3.13 on.
PY313_FLAGS = ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT

_ROUNDS = 20  # a TLS 1.3 handshake needs 3 or 4 exchanges; this is a generous bound


def default_flags() -> dict[str, bool]:
    """Which of the two flags this Python's ``create_default_context()`` sets."""
    flags = ssl.create_default_context().verify_flags
    return {"VERIFY_X509_PARTIAL_CHAIN": bool(flags & ssl.VERIFY_X509_PARTIAL_CHAIN),
            "VERIFY_X509_STRICT": bool(flags & ssl.VERIFY_X509_STRICT)}


def python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def python_ssl_verdict(issued, anchors, host: str, *, flags: int = 0, sent=None) -> Verdict:
    """Whether Python's ``ssl`` accepts ``issued``'s chain for ``host``, trusting only ``anchors``.

    ``issued`` is a course ``Issued`` (certificate and key); the server sends ``sent`` (default:
    its own chain). The client adds ``flags`` (e.g. :data:`PY313_FLAGS`) to OpenSSL's default.
    """
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    present(server, list(sent) if sent is not None else issued.chain, issued.key)
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.verify_flags = ssl.VERIFY_X509_TRUSTED_FIRST | flags
    trust(client, [getattr(a, "cert", a) for a in anchors])
    pipes = [ssl.MemoryBIO() for _ in range(4)]  # client in/out, server in/out
    ours = client.wrap_bio(pipes[0], pipes[1], server_hostname=host)
    theirs = server.wrap_bio(pipes[2], pipes[3], server_side=True)
    tool = "Python ssl" + (" (3.13 flags)" if flags & PY313_FLAGS == PY313_FLAGS else "")
    try:
        for _ in range(_ROUNDS):
            done = _step(ours)
            pipes[2].write(pipes[1].read())
            _step(theirs)
            pipes[0].write(pipes[3].read())
            if done:
                return Verdict(tool, True, "handshake completed")
    except ssl.SSLCertVerificationError as error:
        return Verdict(tool, False, error.verify_message or "certificate verify failed")
    except ssl.SSLError as error:
        return Verdict(tool, False, error.reason or "TLS error")
    return Verdict(tool, False, "the handshake did not finish")


def _step(end: ssl.SSLObject) -> bool:
    try:
        end.do_handshake()
    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
        return False
    return True


__all__ = ["PY313_FLAGS", "default_flags", "python_ssl_verdict", "python_version"]
