"""Read the bytes of a TLS connection: records, handshake messages, alerts.

A TLS connection is a stream of *records*. Each record starts with a 5-byte header
(content type, legacy version, length) followed by that many bytes. Handshake records
carry *handshake messages*, each with a 4-byte header (type, 3-byte length). Inside a
message, lists and byte strings are prefixed by their length in 1, 2 or 3 bytes (RFC 8446,
section 3). This module turns those bytes into small, readable objects and names every
number it knows (cipher suites, groups, signature schemes, extensions, alerts) through
:mod:`helpers.tls.names`.

Bytes that end too early, or that cannot be what they claim to be, raise
:class:`TLSParseError`, which names the offset and what the parser expected there.

    >>> records = parse_records(raw_bytes)              # doctest: +SKIP
    >>> [parse_handshake(r.fragment) for r in records if r.content_type == HANDSHAKE]  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography import x509

from ..errors import BadInputError
from ..pem import CertificateFormatError, load_der_certificate
from .names import (
    CONTENT_TYPES,
    HANDSHAKE_TYPES,
    alert_level_name,
    alert_name,
    cipher_suite_name,
    extension_name,
    group_name,
    handshake_type_name,
    signature_scheme_name,
    version_name,
)

__all__ = [
    "HELLO_RETRY_RANDOM", "MAX_FRAGMENT", "Alert", "Certificate", "CertificateVerify", "ChangeCipherSpec",
    "ClientHello", "ClientKeyExchange", "EncryptedExtensions", "Extension", "Finished", "Message",
    "NewSessionTicket", "Record", "ServerHello", "ServerHelloDone", "ServerKeyExchange", "TLSParseError",
    "parse_alert", "parse_change_cipher_spec", "parse_handshake", "parse_records", "split_handshake",
]


class TLSParseError(BadInputError):
    """Bytes that are not a well-formed TLS record or message (the message names the offset)."""


#: ServerHello.random of a HelloRetryRequest (RFC 8446, 4.1.3): SHA-256 of "HelloRetryRequest".
HELLO_RETRY_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


# --- a bounds-checked reader ---------------------------------------------------------------------

class _Reader:
    """Reads big-endian integers and length-prefixed vectors, checking every bound.

    ``base`` is the offset of ``data[0]`` in the outermost buffer, so error messages point
    at the byte a learner would find in a hex dump of the whole record.
    """

    def __init__(self, data: bytes, base: int = 0, where: str = "TLS data"):
        self.data, self.pos, self.base, self.where = bytes(data), 0, base, where

    @property
    def offset(self) -> int:
        return self.base + self.pos

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int, what: str) -> bytes:
        if n > self.remaining:
            raise TLSParseError(
                f"The {self.where} ends too early at offset {self.offset}: expected {what} "
                f"({n} bytes) but only {self.remaining} remain; pass the complete, unmodified bytes."
            )
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def uint(self, size: int, what: str) -> int:
        return int.from_bytes(self.take(size, what), "big")

    def vector(self, size: int, what: str) -> _Reader:
        """A sub-reader over a vector whose length is given in ``size`` bytes."""
        length = self.uint(size, f"the {size}-byte length of {what}")
        start = self.offset
        return _Reader(self.take(length, what), start, self.where)

    def uints(self, size: int, what: str) -> list[int]:
        """Read the rest of this reader as a list of ``size``-byte integers."""
        if self.remaining % size:
            raise TLSParseError(
                f"The {self.where} holds {what} at offset {self.offset} whose length "
                f"{self.remaining} is not a multiple of {size}; pass the complete, unmodified bytes."
            )
        return [self.uint(size, what) for _ in range(self.remaining // size)]

    def expect_end(self, what: str) -> None:
        if self.remaining:
            raise TLSParseError(
                f"The {self.where} has {self.remaining} unexpected bytes at offset {self.offset} after "
                f"{what}; pass exactly one well-formed item."
            )


# --- records -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Record:
    """One TLS record: 5-byte header + fragment. ``offset`` is where it starts in the stream."""

    content_type: int
    version: int
    fragment: bytes = field(repr=False)
    offset: int = 0

    @property
    def type_name(self) -> str:
        return CONTENT_TYPES[self.content_type]

    @property
    def header(self) -> bytes:
        """The 5 header bytes: TLS 1.3 uses them as the AEAD's associated data."""
        return bytes([self.content_type]) + self.version.to_bytes(2, "big") + len(self.fragment).to_bytes(
            2, "big")


MAX_FRAGMENT = 2 ** 14 + 256  # TLSCiphertext limit (RFC 8446, 5.2)


def parse_records(data: bytes) -> list[Record]:
    """Split a byte stream into records; the stream must end exactly at a record boundary."""
    reader, records = _Reader(_as_bytes(data), where="record stream"), []
    while reader.remaining:
        start = reader.offset
        ctype = reader.uint(1, "a record content type")
        if ctype not in CONTENT_TYPES:
            raise TLSParseError(
                f"The record stream has content type {ctype} at offset {start}, where a record header "
                "(20-24) was expected; these bytes are not TLS records or are misaligned."
            )
        version = reader.uint(2, "the record's legacy version")
        if version >> 8 != 3:
            raise TLSParseError(
                f"The record at offset {start} claims version 0x{version:04x}, where 0x03xx was "
                "expected; these bytes are not TLS records or are misaligned."
            )
        length = reader.uint(2, "the record length")
        if length > MAX_FRAGMENT:
            raise TLSParseError(
                f"The record at offset {start} claims {length} bytes, more than the {MAX_FRAGMENT} "
                "TLS allows; these bytes are not TLS records or are misaligned."
            )
        records.append(Record(ctype, version, reader.take(length, "the record fragment"), start))
    return records


def _as_bytes(data) -> bytes:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TLSParseError(f"Expected bytes to parse, got {type(data).__name__}; pass the raw bytes.")
    return bytes(data)


# --- alerts and change_cipher_spec ----------------------------------------------------------

@dataclass(frozen=True)
class Alert:
    level: int
    description: int

    @property
    def name(self) -> str:
        return alert_name(self.description)

    @property
    def level_name(self) -> str:
        return alert_level_name(self.level)

    def rows(self) -> list[tuple[str, str]]:
        return [("level", self.level_name), ("description", f"{self.name} ({self.description})")]

    def __str__(self) -> str:
        return f"{self.level_name} alert: {self.name}"


def parse_alert(data: bytes) -> Alert:
    """An alert is two bytes: level (1 warning, 2 fatal) and description."""
    reader = _Reader(_as_bytes(data), where="alert")
    alert = Alert(reader.uint(1, "the alert level"), reader.uint(1, "the alert description"))
    reader.expect_end("the 2-byte alert")
    return alert


@dataclass(frozen=True)
class ChangeCipherSpec:
    """A single byte 0x01. TLS 1.2: "encrypted from now on". TLS 1.3: a no-op kept for middleboxes."""

    name: str = "ChangeCipherSpec"

    def rows(self) -> list[tuple[str, str]]:
        return [("value", "1")]


def parse_change_cipher_spec(data: bytes) -> ChangeCipherSpec:
    reader = _Reader(_as_bytes(data), where="change_cipher_spec record")
    start = reader.offset
    if reader.uint(1, "the change_cipher_spec byte") != 1:
        raise TLSParseError(f"The change_cipher_spec byte at offset {start} is not 1, the only value TLS "
                            "allows; pass the record's fragment unmodified.")
    reader.expect_end("the change_cipher_spec byte")
    return ChangeCipherSpec()


# --- extensions ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Extension:
    """One extension: its number, its name, its raw data and (for the ones taught) a parsed value."""

    type: int
    data: bytes = field(repr=False)
    value: object = None

    @property
    def name(self) -> str:
        return extension_name(self.type)

    def describe(self) -> str:
        """A short, deterministic text for tables (names and lengths, never random bytes)."""
        value = self.value
        if value is None:
            return f"{len(self.data)} bytes"
        if self.type == 51:  # key_share: group names and key lengths only
            return ", ".join(f"{group_name(g)} ({len(k)}-byte key)" if k is not None else group_name(g)
                             for g, k in value)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)


def _parse_extensions(reader: _Reader, message: str) -> list[Extension]:
    block, extensions = reader.vector(2, f"the {message} extensions"), []
    while block.remaining:
        ext_type = block.uint(2, "an extension type")
        body = block.vector(2, f"the {extension_name(ext_type)} extension")
        extensions.append(Extension(ext_type, body.data, _parse_extension(ext_type, body, message)))
    return extensions


def _parse_extension(ext_type: int, body: _Reader, message: str) -> object:
    """Decode the extensions the lesson talks about; keep the others as raw bytes."""
    hello = message == "ClientHello"
    if ext_type == 0:                       # server_name: list of (type, host name)
        if not body.remaining:
            return None                     # a server's empty acknowledgement
        names, entries = [], body.vector(2, "the server_name list")
        while entries.remaining:
            entries.uint(1, "a server name type")
            names.append(entries.vector(2, "a server name").data.decode("ascii", "replace"))
        value = names
    elif ext_type == 10:                    # supported_groups
        value = [group_name(g) for g in body.vector(2, "the group list").uints(2, "a group")]
    elif ext_type in (13, 50):              # signature_algorithms(_cert)
        value = [signature_scheme_name(s)
                 for s in body.vector(2, "the signature scheme list").uints(2, "a signature scheme")]
    elif ext_type == 16:                    # ALPN: list of protocol names
        value, entries = [], body.vector(2, "the ALPN list")
        while entries.remaining:
            value.append(entries.vector(1, "a protocol name").data.decode("ascii", "replace"))
    elif ext_type == 43:                    # supported_versions: a list in ClientHello, one in ServerHello
        value = ([version_name(v) for v in body.vector(1, "the version list").uints(2, "a version")]
                 if hello else version_name(body.uint(2, "the selected version")))
    elif ext_type == 51:                    # key_share
        value = _parse_key_share(body, message)
    else:
        return None
    body.expect_end(f"the {extension_name(ext_type)} extension")
    return value


def _parse_key_share(body: _Reader, message: str) -> object:
    if message == "ClientHello":
        shares, entries = [], body.vector(2, "the key share list")
        while entries.remaining:
            group = entries.uint(2, "a key share group")
            shares.append((group, entries.vector(2, "a key share").data))
        return shares
    group = body.uint(2, "the key share group")
    if message == "HelloRetryRequest":
        return [(group, None)]
    return [(group, body.vector(2, "the server's key share").data)]


# --- handshake messages ------------------------------------------------------------------------

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
class _Hello(Message):
    legacy_version: int = 0
    random: bytes = field(default=b"", repr=False)
    session_id: bytes = field(default=b"", repr=False)
    extensions: list[Extension] = field(default_factory=list, repr=False)

    def extension(self, name: str) -> Extension | None:
        return next((e for e in self.extensions if e.name == name), None)

    @property
    def supported_version(self) -> str:
        """The version this hello speaks for: supported_versions wins over legacy_version."""
        ext = self.extension("supported_versions")
        if ext is not None and isinstance(ext.value, str):
            return ext.value
        return version_name(self.legacy_version)

    def _common_rows(self) -> list[tuple[str, str]]:
        return [("legacy_version", version_name(self.legacy_version)),
                ("random", f"{len(self.random)} bytes"),
                ("session_id", f"{len(self.session_id)} bytes")]

    def _extension_rows(self) -> list[tuple[str, str]]:
        return [(f"extension {e.name}", e.describe()) for e in self.extensions]


@dataclass(frozen=True)
class ClientHello(_Hello):
    cipher_suites: list[int] = field(default_factory=list, repr=False)

    @property
    def cipher_suite_names(self) -> list[str]:
        return [cipher_suite_name(c) for c in self.cipher_suites]

    @property
    def server_name(self) -> str | None:
        """The SNI: the host name the client asks for, sent in clear."""
        ext = self.extension("server_name")
        return ext.value[0] if ext is not None and ext.value else None

    def rows(self) -> list[tuple[str, str]]:
        return [*self._common_rows(), ("cipher_suites", ", ".join(self.cipher_suite_names)),
                *self._extension_rows()]


@dataclass(frozen=True)
class ServerHello(_Hello):
    cipher_suite: int = 0

    @property
    def name(self) -> str:
        return "HelloRetryRequest" if self.random == HELLO_RETRY_RANDOM else "ServerHello"

    @property
    def cipher_suite_name(self) -> str:
        return cipher_suite_name(self.cipher_suite)

    def rows(self) -> list[tuple[str, str]]:
        return [*self._common_rows(), ("cipher_suite", self.cipher_suite_name), *self._extension_rows()]


def _parse_hello(msg_type: int, raw: bytes, body: _Reader):
    legacy_version = body.uint(2, "the legacy version")
    random = body.take(32, "the 32-byte random")
    session_id = body.vector(1, "the session id").data
    if msg_type == 1:
        suites = body.vector(2, "the cipher suite list").uints(2, "a cipher suite")
        body.vector(1, "the compression methods")
        extensions = _parse_extensions(body, "ClientHello") if body.remaining else []
        body.expect_end("the ClientHello")
        return ClientHello(msg_type, raw, legacy_version, random, session_id, extensions, suites)
    suite = body.uint(2, "the chosen cipher suite")
    body.uint(1, "the compression method")
    kind = "HelloRetryRequest" if random == HELLO_RETRY_RANDOM else "ServerHello"
    extensions = _parse_extensions(body, kind) if body.remaining else []
    body.expect_end(f"the {kind}")
    return ServerHello(msg_type, raw, legacy_version, random, session_id, extensions, suite)


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


def _parse_certificate(raw: bytes, body: _Reader, tls13: bool) -> Certificate:
    if tls13:
        body.vector(1, "the certificate request context")
    entries, ders = body.vector(3, "the certificate list"), []
    while entries.remaining:
        ders.append(entries.vector(3, "a certificate").data)
        if tls13:
            entries.vector(2, "a certificate entry's extensions")
    body.expect_end("the Certificate message")
    return Certificate(11, raw, ders)


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


def _parse_ticket(raw: bytes, body: _Reader, tls13: bool) -> NewSessionTicket:
    lifetime = body.uint(4, "the ticket lifetime")
    if tls13:
        body.uint(4, "the ticket age add")
        body.vector(1, "the ticket nonce")
    ticket = body.vector(2, "the ticket").data
    if tls13:
        _parse_extensions(body, "NewSessionTicket")
    body.expect_end("the NewSessionTicket")
    return NewSessionTicket(4, raw, lifetime, ticket)


@dataclass(frozen=True)
class ServerKeyExchange(Message):
    """TLS 1.2 (EC)DHE: the server's ephemeral public key, signed with the leaf key."""

    group: int = 0
    scheme: int = 0

    def rows(self) -> list[tuple[str, str]]:
        return [("named group", group_name(self.group)),
                ("signature scheme", signature_scheme_name(self.scheme))]


def _parse_server_key_exchange(raw: bytes, body: _Reader) -> ServerKeyExchange:
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


@dataclass(frozen=True)
class ServerHelloDone(Message):
    def rows(self) -> list[tuple[str, str]]:
        return [("body", "empty: the server has finished its flight")]


@dataclass(frozen=True)
class ClientKeyExchange(Message):
    def rows(self) -> list[tuple[str, str]]:
        return [("client's ephemeral public key", f"{max(len(self.body) - 1, 0)} bytes")]


def split_handshake(data: bytes, base: int = 0) -> list[tuple[int, bytes]]:
    """Split concatenated handshake messages into (type, raw) pairs; the data must end on a boundary."""
    reader, found = _Reader(_as_bytes(data), base, "handshake data"), []
    while reader.remaining:
        start = reader.pos
        msg_type = reader.uint(1, "a handshake message type")
        if msg_type not in HANDSHAKE_TYPES:
            raise TLSParseError(f"The handshake data has message type {msg_type} at offset {base + start}, "
                                "which is not a TLS handshake message; pass decrypted handshake bytes.")
        reader.vector(3, f"the {HANDSHAKE_TYPES[msg_type]} body")
        found.append((msg_type, reader.data[start:reader.pos]))
    return found


def parse_handshake(data: bytes, *, tls13: bool = True, base: int = 0) -> list[Message]:
    """Parse every handshake message in ``data`` (one record's fragment, or several joined).

    ``tls13`` picks the TLS 1.3 layouts of Certificate and NewSessionTicket; TLS 1.2 lacks
    their extra fields.
    """
    messages, offset = [], base
    for msg_type, raw in split_handshake(data, base):
        body = _Reader(raw[4:], offset + 4, f"{HANDSHAKE_TYPES[msg_type]} message")
        messages.append(_parse_body(msg_type, raw, body, tls13))
        offset += len(raw)
    return messages


def _parse_body(msg_type: int, raw: bytes, body: _Reader, tls13: bool) -> Message:
    if msg_type in (1, 2):
        return _parse_hello(msg_type, raw, body)
    if msg_type == 8:
        extensions = _parse_extensions(body, "EncryptedExtensions")
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
