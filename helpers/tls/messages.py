"""Handshake messages other than the hellos: what follows ServerHello, in TLS 1.3 and TLS 1.2.

A handshake message is a 1-byte type, a 3-byte length and a body; :class:`Message` keeps
header and body together (``raw``), because those are the bytes the transcript hash covers.
Each class here names its fields for a table (``rows()``: lengths and names, never random
bytes); :func:`parse_body` builds one from its body. The hellos are in
:mod:`helpers.tls.hellos`, and :func:`helpers.tls.records.parse_handshake` splits a record's
bytes into messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography import x509

from ..pem import CertificateFormatError, load_der_certificate
from .extensions import Extension, parse_extensions
from .names import group_name, handshake_type_name, signature_scheme_name
from .wire import Reader, TLSParseError

__all__ = [
    "Certificate", "CertificateVerify", "ClientKeyExchange", "EncryptedExtensions", "Finished", "Message",
    "NewSessionTicket", "ServerHelloDone", "ServerKeyExchange", "parse_body",
]


@dataclass(frozen=True)
class Message:
    """A handshake message. ``raw`` is header + body: the bytes that go into the transcript hash."""

    msg_type: int
    raw: bytes = field(repr=False)

    @property
    def name(self) -> str:
        return handshake_type_name(self.msg_type)

    @property
    def body(self) -> bytes:
        return self.raw[4:]

    def rows(self) -> list[tuple[str, str]]:
        """(field, value) pairs for a table; deterministic (lengths, not random bytes)."""
        return [("length", f"{len(self.body)} bytes")]


@dataclass(frozen=True)
class EncryptedExtensions(Message):
    extensions: list[Extension] = field(default_factory=list, repr=False)

    def rows(self) -> list[tuple[str, str]]:
        if not self.extensions:
            return [("extensions", "none")]
        return [(f"extension {e.name}", e.describe()) for e in self.extensions]


@dataclass(frozen=True)
class Certificate(Message):
    """The server's chain, leaf first. In TLS 1.3 each entry also has its own extensions."""

    certificates_der: list[bytes] = field(default_factory=list, repr=False)

    def certificates(self) -> list:
        """The chain as cryptography ``x509.Certificate`` objects (leaf first)."""
        chain = []
        for index, der in enumerate(self.certificates_der):
            try:
                cert = load_der_certificate(der)
                cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()  # parsed lazily: touch them now
            except (CertificateFormatError, ValueError, x509.InvalidVersion):
                raise TLSParseError(f"Certificate entry {index} is not valid DER X.509; pass the "
                                    "Certificate message unmodified.") from None
            chain.append(cert)
        return chain

    def rows(self) -> list[tuple[str, str]]:
        rows = [("certificates", str(len(self.certificates_der)))]
        try:
            subjects = [c.subject.rfc4514_string() for c in self.certificates()]
        except TLSParseError:
            subjects = ["(not parseable as X.509)"] * len(self.certificates_der)
        for index, (der, subject) in enumerate(zip(self.certificates_der, subjects, strict=True)):
            rows.append((f"[{index}] {len(der)} bytes", subject))
        return rows


@dataclass(frozen=True)
class CertificateVerify(Message):
    """The server's signature over the transcript so far, made with the leaf's private key."""

    scheme: int = 0
    signature: bytes = field(default=b"", repr=False)

    @property
    def scheme_name(self) -> str:
        return signature_scheme_name(self.scheme)

    def rows(self) -> list[tuple[str, str]]:
        return [("signature scheme", self.scheme_name), ("signature", "present (length varies)")]


@dataclass(frozen=True)
class Finished(Message):
    """An HMAC over the whole transcript, keyed from this side's handshake secret."""

    def rows(self) -> list[tuple[str, str]]:
        return [("verify_data", f"{len(self.body)} bytes")]


@dataclass(frozen=True)
class NewSessionTicket(Message):
    lifetime: int = 0
    ticket: bytes = field(default=b"", repr=False)

    def rows(self) -> list[tuple[str, str]]:
        return [("ticket_lifetime", f"{self.lifetime} s"), ("ticket", "opaque (server-encrypted)")]


@dataclass(frozen=True)
class ServerKeyExchange(Message):
    """TLS 1.2 (EC)DHE: the server's ephemeral public key, signed with the leaf key."""

    group: int = 0
    scheme: int = 0

    def rows(self) -> list[tuple[str, str]]:
        return [("named group", group_name(self.group)),
                ("signature scheme", signature_scheme_name(self.scheme))]


@dataclass(frozen=True)
class ServerHelloDone(Message):
    def rows(self) -> list[tuple[str, str]]:
        return [("body", "empty: the server has finished its flight")]


@dataclass(frozen=True)
class ClientKeyExchange(Message):
    def rows(self) -> list[tuple[str, str]]:
        return [("client's ephemeral public key", f"{max(len(self.body) - 1, 0)} bytes")]


# --- parsing -------------------------------------------------------------------------------------

def parse_body(msg_type: int, raw: bytes, body: Reader, tls13: bool) -> Message:
    """The message of type ``msg_type`` (not a hello) from its ``body``; an unknown type stays a Message."""
    if msg_type == 8:
        extensions = parse_extensions(body, "EncryptedExtensions")
        body.expect_end("the EncryptedExtensions")
        return EncryptedExtensions(msg_type, raw, extensions)
    if msg_type == 11:
        return _parse_certificate(raw, body, tls13)
    if msg_type == 15:
        scheme = body.uint(2, "the signature scheme")
        signature = body.vector(2, "the signature").data
        body.expect_end("the CertificateVerify")
        return CertificateVerify(msg_type, raw, scheme, signature)
    if msg_type == 20:
        if not body.remaining:
            raise TLSParseError(f"The Finished message at offset {body.base - 4} is empty, where verify_data "
                                "was expected; pass the complete message.")
        return Finished(msg_type, raw)
    if msg_type == 4:
        return _parse_ticket(raw, body, tls13)
    if msg_type == 12:
        return _parse_server_key_exchange(raw, body)
    if msg_type == 14:
        body.expect_end("the ServerHelloDone, which has an empty body")
        return ServerHelloDone(msg_type, raw)
    if msg_type == 16:
        return ClientKeyExchange(msg_type, raw)
    return Message(msg_type, raw)


def _parse_certificate(raw: bytes, body: Reader, tls13: bool) -> Certificate:
    if tls13:
        body.vector(1, "the certificate request context")
    entries, ders = body.vector(3, "the certificate list"), []
    while entries.remaining:
        ders.append(entries.vector(3, "a certificate").data)
        if tls13:
            entries.vector(2, "a certificate entry's extensions")
    body.expect_end("the Certificate message")
    return Certificate(11, raw, ders)


def _parse_ticket(raw: bytes, body: Reader, tls13: bool) -> NewSessionTicket:
    lifetime = body.uint(4, "the ticket lifetime")
    if tls13:
        body.uint(4, "the ticket age add")
        body.vector(1, "the ticket nonce")
    ticket = body.vector(2, "the ticket").data
    if tls13:
        parse_extensions(body, "NewSessionTicket")
    body.expect_end("the NewSessionTicket")
    return NewSessionTicket(4, raw, lifetime, ticket)


def _parse_server_key_exchange(raw: bytes, body: Reader) -> ServerKeyExchange:
    start = body.offset
    if body.uint(1, "the curve type") != 3:
        raise TLSParseError(f"The ServerKeyExchange has a curve type at offset {start} that is not 3 (a "
                            "named-curve ECDHE key); this course parses only ECDHE key exchanges.")
    group = body.uint(2, "the named group")
    body.vector(1, "the server's ephemeral public key")
    scheme = body.uint(2, "the signature scheme")
    body.vector(2, "the signature")
    body.expect_end("the ServerKeyExchange")
    return ServerKeyExchange(12, raw, group, scheme)
