"""Pins: short fingerprints that an app compares with the server's certificates.

Two kinds of pin are in use, and both are a SHA-256 digest written in base64:

* an **SPKI pin** hashes the DER bytes of the certificate's *SubjectPublicKeyInfo*
  (the public key together with its algorithm). It survives a renewal that keeps the
  same key, which is why nearly every platform pins SPKIs;
* a **certificate pin** hashes the whole certificate's DER, so it changes with every
  renewal (Dio's documented recipe pins this way).

The same 32 bytes are spelled differently on each platform; :class:`Pin` writes every
spelling and :func:`parse_pin` reads them back. :class:`PinSet` is what an app ships:
pins, backup pins, an optional expiry date and whether subdomains are covered. The
same digest can be computed with the openssl pipeline::

    openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform DER \\
      | openssl dgst -sha256 -binary | openssl enc -base64
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import enum
import hashlib
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from .. import clock, der
from ..errors import BadInputError
from ..pem import single_certificate

__all__ = [
    "FORMATS", "NotAKeyError", "Pin", "PinError", "PinFormatError", "PinKind", "PinKindError", "PinSet",
    "PinSetError", "UnknownPinKindError",
    "cert_pin", "parse_pin", "spki_der", "spki_pin",
]

#: The spellings :meth:`Pin.format` can write (and :func:`parse_pin` can read back).
FORMATS = ("raw", "okhttp", "hpkp", "android", "ios")


class PinKind(enum.StrEnum):
    """What a pin hashes: the SubjectPublicKeyInfo, or the whole certificate."""

    SPKI = "spki"
    CERT = "cert"

DIGEST_SIZE = 32  # bytes in a SHA-256 digest; 44 characters of base64

_BASE64 = set(string.ascii_letters + string.digits + "+/=")
_HEX = set(string.hexdigits)


class PinError(BadInputError):
    """Something about a pin or a pin set could not be used."""


class PinFormatError(PinError):
    """Text that should be a pin is not one (empty, wrong alphabet, wrong length)."""


class PinKindError(PinError):
    """A pin of one kind (certificate) was asked for in a format that only holds the other (SPKI)."""


class UnknownPinKindError(PinError):
    """A pin kind other than SPKI and certificate."""


class NotAKeyError(PinError):
    """Something an SPKI cannot be taken from (not a certificate, not a key)."""


class PinSetError(PinError):
    """A pin set that cannot work (for example, one with no pins at all)."""


# --- computing pins -------------------------------------------------------------------

def spki_der(cert_or_public_key: x509.Certificate | PublicKeyTypes) -> bytes:
    """The DER bytes of a SubjectPublicKeyInfo: the exact bytes an SPKI pin hashes."""
    key = cert_or_public_key
    if isinstance(key, x509.Certificate):
        try:  # the bytes as the certificate carries them (RFC 7469), not cryptography's re-encoding
            return der.encode(*der.tbs_fields(key)["spki"])
        except der.DERError:
            key = key.public_key()
    try:
        return key.public_bytes(serialization.Encoding.DER,
                                serialization.PublicFormat.SubjectPublicKeyInfo)
    except (AttributeError, TypeError, ValueError):
        raise NotAKeyError(
            f"cannot take an SPKI from a {type(cert_or_public_key).__name__}; pass an "
            "x509.Certificate or a public key (a private key's .public_key() works too)."
        ) from None


def spki_pin(cert: x509.Certificate | PublicKeyTypes) -> str:
    """The SPKI pin of a certificate (or public key): base64(SHA-256(DER SubjectPublicKeyInfo))."""
    return Pin.of_spki(cert).base64


def cert_pin(cert: x509.Certificate) -> str:
    """The certificate pin: base64(SHA-256(DER of the whole certificate))."""
    return Pin.of_cert(cert).base64


# --- the pin value and its spellings ----------------------------------------------------

@dataclass(frozen=True, order=True)
class Pin:
    """A SHA-256 pin: 32 raw digest bytes and what they hash (:class:`PinKind`)."""

    digest: bytes
    kind: PinKind = PinKind.SPKI

    def __post_init__(self) -> None:
        if isinstance(self.digest, bytearray | memoryview):
            object.__setattr__(self, "digest", bytes(self.digest))
        if self.kind not in tuple(PinKind):
            raise UnknownPinKindError(f"a pin's kind is 'spki' or 'cert', not {self.kind!r}; pick one of those.")
        object.__setattr__(self, "kind", PinKind(self.kind))
        if not isinstance(self.digest, bytes) or len(self.digest) != DIGEST_SIZE:
            size = len(self.digest) if isinstance(self.digest, bytes | bytearray) else "no"
            raise PinFormatError(f"a SHA-256 pin holds {DIGEST_SIZE} bytes, but {size} bytes were "
                                 "given; pass hashlib.sha256(...).digest().")

    @classmethod
    def of_spki(cls, cert_or_public_key: x509.Certificate | PublicKeyTypes) -> Pin:
        return cls(hashlib.sha256(spki_der(cert_or_public_key)).digest(), PinKind.SPKI)

    @classmethod
    def of_cert(cls, cert: x509.Certificate) -> Pin:
        der = single_certificate(cert, "the certificate to pin").public_bytes(serialization.Encoding.DER)
        return cls(hashlib.sha256(der).digest(), PinKind.CERT)

    @property
    def base64(self) -> str:
        """The raw base64 spelling, e.g. ``C5+lpZ7tcVwmwQIMcRtPbsQtWLABXhQzejna0wHFr8M=``."""
        return base64.b64encode(self.digest).decode("ascii")

    @property
    def hex(self) -> str:
        """Lower-case hex, as ``sha256sum`` and Dio's recipe print it (not a pin format)."""
        return self.digest.hex()

    def format(self, style: str = "raw") -> str:
        """Spell the pin for a platform: one of :data:`FORMATS`."""
        if style not in FORMATS:
            raise PinFormatError(f"unknown pin format {style!r}; use one of {', '.join(FORMATS)}.")
        if style != "raw" and self.kind != PinKind.SPKI:
            raise PinKindError(f"the {style} format holds SPKI pins only, and this is a certificate "
                               "pin; use the SPKI pin (Pin.of_spki, or drop --cert) or the raw format.")
        b64 = self.base64
        return {
            "raw": b64,
            "okhttp": f"sha256/{b64}",
            "hpkp": f'pin-sha256="{b64}"',
            "android": f'<pin digest="SHA-256">{b64}</pin>',
            "ios": f"<dict><key>SPKI-SHA256-BASE64</key><string>{b64}</string></dict>",
        }[style]

    def __str__(self) -> str:
        return self.base64

    def __repr__(self) -> str:
        return f"Pin({self.kind}, {self.base64})"


_WRAPPERS = (  # (pattern, which format): each captures the base64 inside a platform spelling
    (re.compile(r'^pin-sha256\s*=\s*"([^"]*)"\s*;?$'), "hpkp"),
    (re.compile(r'^<pin\s+digest\s*=\s*"SHA-256"\s*>\s*([^<]*?)\s*</pin>$'), "android"),
    (re.compile(r"^(?:<dict>)?\s*<key>SPKI-SHA256-BASE64</key>\s*<string>\s*([^<]*?)\s*</string>"
                r"\s*(?:</dict>)?$"), "ios"),
    (re.compile(r"^sha256/(.*)$"), "okhttp"),
)


def parse_pin(text: str, kind: PinKind | str = PinKind.SPKI) -> Pin:
    """Read a pin written as raw base64, ``sha256/…``, or any other spelling in :data:`FORMATS`.

    The platform spellings always mean SPKI pins; raw base64 means ``kind``.
    """
    if not isinstance(text, str):
        raise PinFormatError(f"a pin is text, not a {type(text).__name__}; pass a str such as "
                             "'sha256/…' or the 44-character base64 digest.")
    body = text.strip()
    if not body:
        raise PinFormatError("the pin is empty; paste the 44-character base64 SHA-256 digest.")
    for pattern, _style in _WRAPPERS:
        match = pattern.match(body)
        if match:
            body, kind = match.group(1).strip(), PinKind.SPKI
            break
    if body.lower().startswith("sha1/"):
        raise PinFormatError("this is a SHA-1 pin ('sha1/…'); pins must be SHA-256, so recompute it "
                             "with sha256 and write it as 'sha256/…'.")
    return Pin(_decode_base64_digest(body), kind)


def _decode_base64_digest(body: str) -> bytes:
    if not body:
        raise PinFormatError("the pin has a prefix but no digest after it; add the 44-character "
                             "base64 SHA-256 digest.")
    if len(body) == 2 * DIGEST_SIZE and set(body) <= _HEX:
        raise PinFormatError("this pin is written in hex, but pins are base64; convert it with "
                             "base64.b64encode(bytes.fromhex(text)).")
    if set(body) - _BASE64:
        bad = "".join(sorted(set(body) - _BASE64))[:5]
        hint = " ('-' and '_' are URL-safe base64; pins use '+' and '/')" if set(bad) & set("-_") else ""
        raise PinFormatError(f"the pin contains characters that are not base64 ({bad!r}){hint}; "
                             "copy the digest exactly as the pipeline printed it.")
    try:
        digest = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise PinFormatError(f"the pin's base64 is malformed (length {len(body)}, wrong padding?); a "
                             "SHA-256 pin is 44 characters ending in '='.") from None
    if len(digest) != DIGEST_SIZE:
        sha1 = " (20 bytes is a SHA-1 digest)" if len(digest) == 20 else ""
        raise PinFormatError(f"the pin decodes to {len(digest)} bytes{sha1}, but a SHA-256 pin is "
                             f"{DIGEST_SIZE} bytes; recompute it with SHA-256.")
    return digest


# --- pin sets ------------------------------------------------------------------------------

def _as_pins(values: Iterable[Pin | str]) -> tuple[Pin, ...]:
    if isinstance(values, str | Pin):
        values = [values]
    pins = [v if isinstance(v, Pin) else parse_pin(v) for v in values]
    return tuple(dict.fromkeys(pins))  # drop duplicates, keep order


def _as_expiry(value: _dt.date | _dt.datetime | str | None) -> _dt.datetime | None:
    if value is None:
        return None
    return clock.parse_when(value)


@dataclass(frozen=True)
class PinSet:
    """What an app ships: pins, backup pins, an optional expiry and subdomain coverage.

    Pins may be given as :class:`Pin` values or as text that :func:`parse_pin` reads.
    ``expires`` is a date (taken as the first moment of that day, UTC, as Android's
    ``<pin-set expiration>`` does) or a date-time; after it the pins no longer apply.
    """

    pins: tuple[Pin, ...]
    backup_pins: tuple[Pin, ...] = ()
    expires: _dt.datetime | None = None
    include_subdomains: bool = False
    _all: frozenset[Pin] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pins", _as_pins(self.pins))
        object.__setattr__(self, "backup_pins", _as_pins(self.backup_pins))
        object.__setattr__(self, "expires", _as_expiry(self.expires))
        object.__setattr__(self, "include_subdomains", bool(self.include_subdomains))
        if not self.pins and not self.backup_pins:
            raise PinSetError("a pin set needs at least one pin; add the SPKI pin of a key in your "
                              "chain (and a backup pin for the next key).")
        object.__setattr__(self, "_all", frozenset(self.pins + self.backup_pins))

    @property
    def all_pins(self) -> tuple[Pin, ...]:
        """Primary pins first, then backups, without duplicates."""
        return tuple(dict.fromkeys(self.pins + self.backup_pins))

    def __contains__(self, pin: object) -> bool:
        if isinstance(pin, str):
            pin = parse_pin(pin)
        return pin in self._all

    def matching(self, chain: Iterable[x509.Certificate]) -> list[tuple[int, Pin]]:
        """Every (position in chain, pin) pair where a certificate matches a pin in the set."""
        found = []
        for index, cert in enumerate(chain):
            for pin in (Pin.of_spki(single_certificate(cert, "each certificate of the chain")), Pin.of_cert(cert)):
                if pin in self._all:
                    found.append((index, pin))
        return found

    def matches(self, chain: Iterable[x509.Certificate]) -> bool:
        """True if any certificate in ``chain`` has its SPKI pin (or certificate pin) in the set.

        Give it the **validated** chain, never the one the server sent (CVE-2016-2402).
        """
        return bool(self.matching(chain))

    def expired(self, at: _dt.datetime | None = None) -> bool:
        """True once the set's expiry has passed (at the course clock unless ``at`` is given)."""
        if self.expires is None:
            return False
        when = clock.now() if at is None else clock.parse_when(at)
        return when >= self.expires
