"""Read the bytes of a TLS connection: records, alerts, and the handshake messages inside them.

A TLS connection is a stream of *records*. Each record starts with a 5-byte header
(content type, legacy version, length) followed by that many bytes. Handshake records
carry *handshake messages*, each with a 4-byte header (type, 3-byte length). This module
reads the record layer (:func:`parse_records`), alerts and change_cipher_spec, and splits
handshake bytes into messages (:func:`parse_handshake`). The messages themselves are in
:mod:`helpers.tls.hellos` and :mod:`helpers.tls.messages`, their extensions in
:mod:`helpers.tls.extensions`, and the bounds-checked reader under all of them in
:mod:`helpers.tls.wire`; this module re-exports their names, so ``records`` is the one
import a parser user needs. Every number is named through :mod:`helpers.tls.names`.

Bytes that end too early, or that cannot be what they claim to be, raise
:class:`~helpers.tls.wire.TLSParseError`, which names the offset and what the parser expected there.

    >>> records = parse_records(raw_bytes)              # doctest: +SKIP
    >>> [parse_handshake(r.fragment) for r in records if r.content_type == HANDSHAKE]  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .extensions import Extension
from .hellos import HELLO_RETRY_RANDOM, ClientHello, ServerHello, parse_hello
from .messages import (
    Certificate,
    CertificateVerify,
    ClientKeyExchange,
    EncryptedExtensions,
    Finished,
    Message,
    NewSessionTicket,
    ServerHelloDone,
    ServerKeyExchange,
    parse_body,
)
from .names import CONTENT_TYPES, HANDSHAKE_TYPES, alert_level_name, alert_name
from .wire import Reader, TLSParseError, as_bytes

__all__ = [
    "HELLO_RETRY_RANDOM", "MAX_FRAGMENT", "Alert", "Certificate", "CertificateVerify", "ChangeCipherSpec",
    "ClientHello", "ClientKeyExchange", "EncryptedExtensions", "Extension", "Finished", "Message",
    "NewSessionTicket", "Record", "ServerHello", "ServerHelloDone", "ServerKeyExchange", "TLSParseError",
    "parse_alert", "parse_change_cipher_spec", "parse_handshake", "parse_records", "split_handshake",
]


# --- records -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Record:
    """One TLS record: 5-byte header + fragment. ``offset`` is where it starts in the stream."""

    content_type: int
    version: int
    fragment: bytes = field(repr=False)
    offset: int = 0

    @property
    def header(self) -> bytes:
        """The 5 header bytes: TLS 1.3 uses them as the AEAD's associated data."""
        return bytes([self.content_type]) + self.version.to_bytes(2, "big") + len(self.fragment).to_bytes(
            2, "big")


MAX_FRAGMENT = 2 ** 14 + 256  # TLSCiphertext limit (RFC 8446, 5.2)


def parse_records(data: bytes) -> list[Record]:
    """Split a byte stream into records; the stream must end exactly at a record boundary."""
    reader, records = Reader(as_bytes(data), where="record stream"), []
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
    reader = Reader(as_bytes(data), where="alert")
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
    reader = Reader(as_bytes(data), where="change_cipher_spec record")
    start = reader.offset
    if reader.uint(1, "the change_cipher_spec byte") != 1:
        raise TLSParseError(f"The change_cipher_spec byte at offset {start} is not 1, the only value TLS "
                            "allows; pass the record's fragment unmodified.")
    reader.expect_end("the change_cipher_spec byte")
    return ChangeCipherSpec()


# --- handshake messages ------------------------------------------------------------------------

def split_handshake(data: bytes, base: int = 0) -> list[tuple[int, bytes]]:
    """Split concatenated handshake messages into (type, raw) pairs; the data must end on a boundary."""
    reader, found = Reader(as_bytes(data), base, "handshake data"), []
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
        body = Reader(raw[4:], offset + 4, f"{HANDSHAKE_TYPES[msg_type]} message")
        if msg_type in (1, 2):
            messages.append(parse_hello(msg_type, raw, body))
        else:
            messages.append(parse_body(msg_type, raw, body, tls13))
        offset += len(raw)
    return messages
