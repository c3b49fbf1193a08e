"""Key agreement on the real wire: a real OpenSSL client's key share, answered by ours.

Python's ``ssl`` never shows an ephemeral private key, so two OpenSSL endpoints cannot show
that a·(b·G) = b·(a·G). Here only the client is OpenSSL. It sends a real ClientHello; we answer
with a ServerHello that carries *our* X25519 public key b·G. The client computes a·(b·G) inside
OpenSSL and writes the server handshake traffic secret it derived to its key log. We hold b, so we
compute b·(a·G) from the ``key_share`` bytes on the wire, run the same key schedule
(:func:`~helpers.tls.keyschedule.handshake_traffic_secret`) and compare. Nothing else is sent: the
client is left waiting for the rest of the server's flight, then dropped.
"""

from __future__ import annotations

import hashlib
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ..course import HOST
from ..errors import BadInputError
from . import records as R
from .contexts import client_context
from .keyschedule import SUITES, handshake_traffic_secret, parse_keylog

__all__ = ["KeyShareError", "WireAgreement", "agree_with_openssl", "x25519_key"]

X25519 = 0x001D
_SUITE = SUITES["TLS_AES_128_GCM_SHA256"]     # every TLS 1.3 client must offer it (RFC 8446, 9.1)


class KeyShareError(BadInputError):
    """This demonstration cannot run: no X25519 key to answer with, or no X25519 share to answer."""


def x25519_key(label: str) -> X25519PrivateKey:
    """A deterministic X25519 private key from a label (a toy: never derive real keys like this)."""
    return X25519PrivateKey.from_private_bytes(hashlib.sha256(f"x25519 {label}".encode()).digest())


@dataclass(frozen=True)
class WireAgreement:
    """What the wire carried and what OpenSSL logged; the lesson does the maths."""

    client_share: bytes = field(repr=False)     # a·G, from the real ClientHello
    server_share: bytes = field(repr=False)     # b·G, in the ServerHello we sent
    hello_hash: bytes = field(repr=False)       # SHA-256 of ClientHello + ServerHello
    logged_secret: bytes = field(repr=False)    # SERVER_HANDSHAKE_TRAFFIC_SECRET from OpenSSL's key log

    def secret_from(self, shared_secret: bytes) -> bytes:
        """The server handshake traffic secret that ``shared_secret`` leads to (RFC 8446, 7.1)."""
        return handshake_traffic_secret(shared_secret, self.hello_hash, "server", _SUITE.hash)


def _server_hello(client_hello, share: bytes) -> bytes:
    """A TLS 1.3 ServerHello record choosing TLS_AES_128_GCM_SHA256 and X25519, with our ``share``."""
    key_share = X25519.to_bytes(2, "big") + len(share).to_bytes(2, "big") + share
    extensions = (bytes.fromhex("002b00020304")                        # supported_versions: TLS 1.3
                  + bytes.fromhex("0033") + len(key_share).to_bytes(2, "big") + key_share)
    body = (bytes.fromhex("0303") + hashlib.sha256(b"course server random").digest()
            + bytes([len(client_hello.session_id)]) + client_hello.session_id
            + _SUITE.code.to_bytes(2, "big") + b"\x00" + len(extensions).to_bytes(2, "big") + extensions)
    message = b"\x02" + len(body).to_bytes(3, "big") + body
    return bytes.fromhex("160303") + len(message).to_bytes(2, "big") + message


def _step(client) -> None:
    try:
        client.do_handshake()
    except ssl.SSLWantReadError:
        pass
    except ssl.SSLError as exc:
        raise KeyShareError(f"The OpenSSL client refused our ServerHello ({exc.reason or 'no reason'}); the "
                            "rest of the lesson still works.") from None


def agree_with_openssl(server_key: X25519PrivateKey, *, roots, server_hostname: str = HOST) -> WireAgreement:
    """Let a real OpenSSL client send its key share, answer with ``server_key``'s, read its key log."""
    if not isinstance(server_key, X25519PrivateKey):
        raise KeyShareError(f"server_key must be an X25519 private key (x25519_key('a label')), not "
                            f"{type(server_key).__name__}.")
    context = client_context(roots)
    with tempfile.TemporaryDirectory(prefix="course-keylog-") as folder:
        keylog = Path(folder, "keys.log")
        context.keylog_filename = str(keylog)
        c_in, c_out = ssl.MemoryBIO(), ssl.MemoryBIO()
        client = context.wrap_bio(c_in, c_out, server_hostname=server_hostname)
        _step(client)
        hello = R.parse_handshake(R.parse_records(c_out.read())[0].fragment)[0]
        shares = dict(hello.extension("key_share").value)
        if X25519 not in shares or _SUITE.code not in hello.cipher_suites:
            raise KeyShareError("This OpenSSL sent no X25519 key share (or no TLS_AES_128_GCM_SHA256), so "
                                "the demonstration cannot answer it; the rest of the lesson still works.")
        ours = server_key.public_key().public_bytes_raw()
        server_hello = _server_hello(hello, ours)
        c_in.write(server_hello)
        _step(client)                      # the client derives its keys and waits for the rest
        context.keylog_filename = None     # flush and close the key log before reading it
        logged = parse_keylog(keylog.read_text() if keylog.exists() else "").get(hello.random.hex(), {})
    if "SERVER_HANDSHAKE_TRAFFIC_SECRET" not in logged:
        raise KeyShareError("The OpenSSL client did not log a handshake secret for our ServerHello, so there "
                            "is nothing to compare; the rest of the lesson still works.")
    hello_hash = hashlib.sha256(hello.raw + server_hello[5:]).digest()
    return WireAgreement(shares[X25519], ours, hello_hash, logged["SERVER_HANDSHAKE_TRAFFIC_SECRET"])
