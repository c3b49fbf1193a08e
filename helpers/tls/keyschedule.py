"""From a key log to readable TLS 1.3 records: the key schedule pieces lesson 04 uses.

A client that sets ``SSLContext.keylog_filename`` writes one traffic secret per direction
and per stage (the NSS key log format browsers use for ``SSLKEYLOGFILE``). Everything
else follows from RFC 8446:

* key and IV = HKDF-Expand-Label(secret, "key" / "iv"), labels prefixed by ``"tls13 "`` (7.1, 7.3);
* nonce = IV XOR the record's sequence number, left-padded to 12 bytes (5.3);
* the AEAD's associated data is the 5-byte record header; the plaintext ends with the
  real content type, then zero padding (5.2, 5.4);
* a Finished message is HMAC(finished_key, transcript hash), where finished_key =
  HKDF-Expand-Label(handshake traffic secret, "finished") (4.4.4);
* the handshake traffic secrets come from the (EC)DHE shared secret: HKDF-Extract it into the
  handshake secret, then Derive-Secret with the labels "c hs traffic" / "s hs traffic" over the
  hash of ClientHello and ServerHello (7.1).

Lesson 04 imports these names from here (``from helpers.tls.keyschedule import ...``).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from ..errors import BadInputError, CourseError
from . import records as R
from .names import Sender

__all__ = ["SUITES", "TRAFFIC_SECRETS", "DecryptionError", "KeyLogError", "Suite", "decrypt_record",
           "finished_mac", "handshake_traffic_secret", "hkdf_expand_label", "hkdf_extract", "parse_keylog",
           "record_nonce", "suite_by_code", "traffic_keys"]


class KeyLogError(BadInputError):
    """A key log line that is not ``LABEL client_random secret`` in hex."""


class DecryptionError(CourseError):
    """A record failed AEAD authentication: the bytes were changed, or the key is not theirs.

    A verdict, like a signature that does not verify, rather than bad input: it is how TLS
    detects tampering, so it stays outside :class:`~helpers.errors.BadInputError`.
    """


@dataclass(frozen=True)
class Suite:
    """A TLS 1.3 cipher suite: the AEAD, its key length and the hash of its key schedule."""

    code: int
    name: str
    aead: type
    key_length: int
    hash: type


#: The three TLS 1.3 suites Python's ``ssl`` can negotiate, by name.
SUITES = {s.name: s for s in (
    Suite(0x1301, "TLS_AES_128_GCM_SHA256", AESGCM, 16, hashes.SHA256),
    Suite(0x1302, "TLS_AES_256_GCM_SHA384", AESGCM, 32, hashes.SHA384),
    Suite(0x1303, "TLS_CHACHA20_POLY1305_SHA256", ChaCha20Poly1305, 32, hashes.SHA256),
)}
_BY_CODE = {s.code: s for s in SUITES.values()}

#: The key log labels of each sender's secrets, in the order it uses them: handshake, then application.
TRAFFIC_SECRETS = {Sender.CLIENT: ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0"),
                   Sender.SERVER: ("SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0")}


def suite_by_code(code: int) -> Suite | None:
    """The suite with this 2-byte code (as in a ServerHello), or None for a non-TLS 1.3 suite."""
    return _BY_CODE.get(code)


def hkdf_expand_label(secret: bytes, label: bytes | str, context: bytes, length: int,
                      hash_cls=hashes.SHA256) -> bytes:
    """HKDF-Expand-Label (RFC 8446, 7.1): HKDF-Expand with the label prefixed by ``"tls13 "``.

    The info block is: 2-byte output length, then ``"tls13 " + label`` and ``context``,
    each with a 1-byte length.
    """
    label = label.encode() if isinstance(label, str) else label
    full = b"tls13 " + label
    info = length.to_bytes(2, "big") + bytes([len(full)]) + full + bytes([len(context)]) + context
    return HKDFExpand(hash_cls(), length, info).derive(secret)


def hkdf_extract(salt: bytes, key_material: bytes, hash_cls=hashes.SHA256) -> bytes:
    """HKDF-Extract (RFC 5869, 2.2): HMAC keyed with ``salt`` over the input key material."""
    return hmac.new(salt, key_material, hash_cls.name).digest()


def handshake_traffic_secret(shared_secret: bytes, hello_hash: bytes, sender: Sender | str,
                             hash_cls=hashes.SHA256) -> bytes:
    """``sender``'s handshake traffic secret from the (EC)DHE shared secret (RFC 8446, 7.1; no PSK).

    ``hello_hash`` is the hash of ClientHello and ServerHello; the same secret appears in the key
    log as ``CLIENT_`` / ``SERVER_HANDSHAKE_TRAFFIC_SECRET``.
    """
    if str(sender) not in ("client", "server"):
        raise BadInputError(f"The sender is 'client' or 'server', not {str(sender)[:40]!r}.")
    size = hash_cls.digest_size
    early = hkdf_extract(bytes(size), bytes(size), hash_cls)          # no pre-shared key: zeros
    empty_hash = hashlib.new(hash_cls.name, b"").digest()
    salt = hkdf_expand_label(early, "derived", empty_hash, size, hash_cls)
    handshake_secret = hkdf_extract(salt, shared_secret, hash_cls)
    label = "c hs traffic" if Sender(sender) is Sender.CLIENT else "s hs traffic"
    return hkdf_expand_label(handshake_secret, label, hello_hash, size, hash_cls)


def traffic_keys(secret: bytes, suite: Suite) -> tuple[bytes, bytes]:
    """The record key and 12-byte IV derived from one traffic secret."""
    key = hkdf_expand_label(secret, "key", b"", suite.key_length, suite.hash)
    return key, hkdf_expand_label(secret, "iv", b"", 12, suite.hash)


def record_nonce(iv: bytes, sequence: int) -> bytes:
    """The per-record nonce: the IV XOR the sequence number as a 12-byte big-endian integer."""
    return bytes(a ^ b for a, b in zip(iv, sequence.to_bytes(12, "big"), strict=True))


def decrypt_record(record: R.Record, key: bytes, iv: bytes, sequence: int, suite: Suite) -> tuple[int, bytes]:
    """Decrypt one TLS 1.3 record: returns (real content type, plaintext without padding)."""
    try:
        inner = suite.aead(key).decrypt(record_nonce(iv, sequence), record.fragment, record.header)
    except InvalidTag:
        raise DecryptionError(f"The record at offset {record.offset} (sequence number {sequence}) failed "
                              "authentication; use the key log written for this very connection.") from None
    body = inner.rstrip(b"\x00")
    if not body:
        raise R.TLSParseError(f"The record at offset {record.offset} decrypted to padding only, with no "
                              "content type; the bytes are not a TLS 1.3 record.")
    return body[-1], body[:-1]


def finished_mac(base_secret: bytes, transcript_hash: bytes, suite: Suite) -> bytes:
    """The verify_data a Finished message must carry: HMAC(finished_key, transcript hash)."""
    size = suite.hash.digest_size
    finished_key = hkdf_expand_label(base_secret, "finished", b"", size, suite.hash)
    return hmac.new(finished_key, transcript_hash, suite.hash.name).digest()


def parse_keylog(text: str) -> dict[str, dict[str, bytes]]:
    """Read an NSS key log: ``{client_random_hex: {label: secret}}``; comments are skipped."""
    found: dict[str, dict[str, bytes]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split()
        try:
            label, random_hex, secret = parts
            found.setdefault(random_hex.lower(), {})[label] = bytes.fromhex(secret)
        except ValueError:
            raise KeyLogError(f"Line {number} of the key log is not 'LABEL client_random secret' in hex; "
                              "pass the file that SSLContext.keylog_filename wrote.") from None
    return found
