"""Reading a certificate's raw DER: the parts that cryptography parses lazily, or not at all.

It sits on the first floor because pins hash the SubjectPublicKeyInfo exactly as the certificate
carries it (RFC 7469), and the validator reads names and extensions as signed.

cryptography loads a certificate without reading its names or extensions; it raises
``ValueError`` (or ``DuplicateExtension``) later, when ``.subject`` or ``.extensions`` is first
read. It also never shows the raw SubjectPublicKeyInfo algorithm: a P-256 key spelled out with
explicit curve parameters comes back as an ordinary P-256 key. So the validator reads these
parts from the signed bytes (``tbs_certificate_bytes``) itself, with the few lines below:

* :func:`tbs_fields` splits the TBSCertificate into its named fields (raw DER);
* :func:`key_algorithm` says which key algorithm and parameters the SPKI declares;
* :func:`extension_list` / :func:`extension_oids` list the extensions in order, duplicates included;
* :func:`with_one_extension` re-encodes a certificate with a single extension, so that a
  malformed extension can be named (cryptography's error does not always say which one).
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

#: Key algorithms and curves, as the DER of their OIDs (the content bytes, without tag and length).
EC_PUBLIC_KEY = bytes.fromhex("2a8648ce3d0201")
RSA_ENCRYPTION = bytes.fromhex("2a864886f70d010101")
NAMED_CURVES = {bytes.fromhex("2a8648ce3d030107"): "P-256", bytes.fromhex("2b81040022"): "P-384",
                bytes.fromhex("2b81040023"): "P-521"}
SEQUENCE, OID, NULL, BOOLEAN, EXTENSIONS = 0x30, 0x06, 0x05, 0x01, 0xA3


class DERError(ValueError):
    """Bytes that are not the DER this module expected (cryptography accepted them, we cannot)."""


def read(data: bytes, at: int = 0) -> tuple[int, bytes, int]:
    """One DER element at ``at``: (tag, content, offset of the next element)."""
    if at + 2 > len(data):
        raise DERError("truncated DER element")
    tag, length, at = data[at], data[at + 1], at + 2
    if length & 0x80:
        size = length & 0x7F
        if not 0 < size <= 4 or at + size > len(data):
            raise DERError("bad DER length")
        length, at = int.from_bytes(data[at:at + size], "big"), at + size
    if at + length > len(data):
        raise DERError("truncated DER element")
    return tag, data[at:at + length], at + length


def elements(content: bytes) -> list[tuple[int, bytes]]:
    """The elements inside a constructed value, as (tag, content) pairs."""
    out, at = [], 0
    while at < len(content):
        tag, inner, at = read(content, at)
        out.append((tag, inner))
    return out


def encode(tag: int, content: bytes) -> bytes:
    """One DER element (definite length)."""
    n = len(content)
    length = bytes([n]) if n < 0x80 else bytes([0x80 | (n.bit_length() + 7) // 8]) + n.to_bytes(
        (n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + length + content


_FIELDS = ("serial", "signature", "issuer", "validity", "subject", "spki")


def tbs_fields(cert: x509.Certificate) -> dict[str, tuple[int, bytes]]:
    """The TBSCertificate's fields by name (``issuer``, ``subject``, ``spki``, ``extensions``...)."""
    _, tbs, _ = read(cert.tbs_certificate_bytes)
    parts = elements(tbs)
    if parts and parts[0][0] == 0xA0:  # [0] version, absent in a version 1 certificate
        parts = parts[1:]
    if len(parts) < len(_FIELDS):
        raise DERError("too few fields in the TBSCertificate")
    fields = dict(zip(_FIELDS, parts, strict=False))
    for part in parts[len(_FIELDS):]:
        if part[0] == EXTENSIONS:
            fields["extensions"] = part
    return fields


def raw_name(cert: x509.Certificate, which: str) -> bytes:
    """The issuer or subject name exactly as signed: what path building compares, byte for byte."""
    tag, content = tbs_fields(cert)[which]
    return encode(tag, content)


def key_algorithm(cert: x509.Certificate) -> tuple[str, str]:
    """(algorithm, parameters) declared by the SPKI.

    algorithm is ``"RSA"``, ``"EC"`` or the dotted OID of anything else; parameters is the
    curve's name (``"P-256"``), ``"explicit"`` (a SEQUENCE of curve parameters instead of a
    name), ``"NULL"``, ``"absent"``, or the dotted OID of an unknown curve.
    """
    _, spki = tbs_fields(cert)["spki"]
    outer = elements(spki)
    parts = elements(outer[0][1]) if outer and outer[0][0] == SEQUENCE else []
    if not parts or parts[0][0] != OID:
        raise DERError("a SubjectPublicKeyInfo without an algorithm OID")
    oid = parts[0][1]
    params = parts[1] if len(parts) > 1 else None
    name = {EC_PUBLIC_KEY: "EC", RSA_ENCRYPTION: "RSA"}.get(oid) or _dotted(oid)
    if params is None:
        return name, "absent"
    if params[0] == SEQUENCE:
        return name, "explicit"
    if params[0] == NULL:
        return name, "NULL"
    if params[0] == OID:
        return name, NAMED_CURVES.get(params[1]) or _dotted(params[1])
    return name, f"tag {params[0]:#x}"


def extension_list(cert: x509.Certificate) -> list[tuple[str, bool]]:
    """(dotted OID, critical) for every extension, in order and with duplicates, read from the DER."""
    found = []
    for _, extension in _extension_list(cert):
        parts = elements(extension)
        if not parts or parts[0][0] != OID:
            raise DERError("an extension without an OID")
        critical = len(parts) == 3 and parts[1][0] == BOOLEAN and parts[1][1] != b"\x00"
        found.append((_dotted(parts[0][1]), critical))
    return found


def extension_oids(cert: x509.Certificate) -> list[str]:
    """Every extension's OID (dotted), in order and with duplicates, read from the DER."""
    return [oid for oid, _ in extension_list(cert)]


def with_one_extension(cert: x509.Certificate, index: int) -> x509.Certificate:
    """``cert`` re-encoded with only its ``index``-th extension (the signature no longer verifies:
    this copy is only parsed, to find out whether that one extension is readable)."""
    _, outer, _ = read(cert.public_bytes(Encoding.DER))
    parts = elements(outer)
    if len(parts) != 3:
        raise DERError("a certificate that is not three fields")
    (_, tbs_content), signature_algorithm, signature = parts
    one = encode(EXTENSIONS, encode(SEQUENCE, encode(*_extension_list(cert)[index])))
    fields = [encode(tag, content) if tag != EXTENSIONS else one for tag, content in elements(tbs_content)]
    body = encode(SEQUENCE, b"".join(fields))
    return x509.load_der_x509_certificate(encode(SEQUENCE, body + encode(*signature_algorithm)
                                                 + encode(*signature)))


def _extension_list(cert: x509.Certificate) -> list[tuple[int, bytes]]:
    found = tbs_fields(cert).get("extensions")
    if found is None:
        return []
    inner = elements(found[1])
    if len(inner) != 1 or inner[0][0] != SEQUENCE:
        raise DERError("an extensions field that is not one SEQUENCE")
    return elements(inner[0][1])


def _dotted(oid: bytes) -> str:
    """An OID's content bytes as dotted text ("1.2.840.10045.2.1")."""
    if not oid:
        return "(empty OID)"
    numbers, value = [], 0
    for byte in oid:
        value = value << 7 | byte & 0x7F
        if not byte & 0x80:
            numbers.append(value)
            value = 0
    if not numbers:
        return "(malformed OID)"
    first = min(numbers[0] // 40, 2)
    return ".".join(map(str, [first, numbers[0] - 40 * first, *numbers[1:]]))
