"""A certificate, field by field, and where its public key sits inside the DER bytes.

:func:`anatomy` turns a certificate into a table (subject, names, issuer, serial number,
validity, key, every extension with its criticality, signature algorithm, fingerprint and
SPKI pin). In a notebook the table renders as HTML; ``str()`` gives the plain text that
``python -m helpers inspect FILE`` prints.

:func:`spki_span` walks the DER encoding by hand, just far enough to find the
SubjectPublicKeyInfo: the bytes that an SPKI pin hashes. :func:`hexdump` shows them marked.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from .der import NAMED_CURVES, DERError, extension_list, key_algorithm, with_one_extension
from .errors import BadInputError
from .pem import NotCertificatesError, curve_name, serial_number, tolerating_serial_zero
from .pinning.pins import spki_pin
from .show import Table

__all__ = ["Anatomy", "MalformedDERError", "PEMInsteadOfDERError", "Beside", "Field", "anatomy", "beside",
           "hexdump", "key_description", "key_problem", "key_usages", "spki_span"]


class MalformedDERError(BadInputError):
    """Bytes that should be a DER certificate end early, have a bad length, or miss an element."""


class PEMInsteadOfDERError(MalformedDERError):
    """PEM text was given where DER bytes were expected."""


#: Extension OIDs and the names OpenSSL prints for them (without its "X509v3 " prefix).
EXTENSION_NAMES = {
    "2.5.29.14": "Subject Key Identifier",
    "2.5.29.15": "Key Usage",
    "2.5.29.17": "Subject Alternative Name",
    "2.5.29.18": "Issuer Alternative Name",
    "2.5.29.19": "Basic Constraints",
    "2.5.29.30": "Name Constraints",
    "2.5.29.31": "CRL Distribution Points",
    "2.5.29.32": "Certificate Policies",
    "2.5.29.35": "Authority Key Identifier",
    "2.5.29.36": "Policy Constraints",
    "2.5.29.37": "Extended Key Usage",
    "2.5.29.54": "Inhibit Any Policy",
    "1.3.6.1.5.5.7.1.1": "Authority Information Access",
    "1.3.6.1.5.5.7.1.24": "TLS Feature",
    "1.3.6.1.4.1.11129.2.4.2": "CT Precertificate SCTs",
}

#: What each common extension is for, in one phrase (shown in the table's last column).
EXTENSION_MEANINGS = {
    "2.5.29.14": "an identifier of this certificate's key, to help build chains",
    "2.5.29.15": "what the key may be used for",
    "2.5.29.17": "the host names (and addresses) it covers",
    "2.5.29.19": "whether it may sign other certificates (CA), and how deep below it",
    "2.5.29.30": "the names a CA may issue for",
    "2.5.29.31": "where to fetch the issuer's revocation list",
    "2.5.29.32": "the issuing policies it was issued under",
    "2.5.29.35": "which of the issuer's keys signed it, to help build chains",
    "2.5.29.37": "the purposes it may serve (serverAuth: a TLS server)",
    "1.3.6.1.5.5.7.1.1": "where to find the issuer's certificate and OCSP responder",
    "1.3.6.1.4.1.11129.2.4.2": "Certificate Transparency log receipts",
}

#: Short names for the problems list ("the certificate's SAN extension is malformed").
_SHORT_NAMES = {"2.5.29.17": "SAN", "2.5.29.18": "issuer SAN", "2.5.29.37": "EKU", "1.3.6.1.5.5.7.1.1": "AIA"}

#: What a field cryptography cannot read shows in the table.
MALFORMED = "(malformed)"

_KEY_USAGE = (("digital_signature", "Digital Signature"), ("content_commitment", "Non Repudiation"),
              ("key_encipherment", "Key Encipherment"), ("data_encipherment", "Data Encipherment"),
              ("key_agreement", "Key Agreement"), ("key_cert_sign", "Certificate Sign"),
              ("crl_sign", "CRL Sign"))


@dataclass(frozen=True)
class Field:
    """One row of the table: the field's name, its value, and what it is for."""

    name: str
    value: str
    meaning: str = ""


@dataclass(frozen=True)
class Extension:
    name: str
    oid: str
    critical: bool
    value: str


# --- finding the SPKI inside the DER -----------------------------------------------------------

def _tlv(der: bytes, pos: int) -> tuple[int, int, int]:
    """Read one DER tag-length-value at ``pos``: return (tag, start of content, end of value)."""
    if pos + 2 > len(der):
        raise MalformedDERError("the DER bytes end in the middle of an element; pass a whole certificate.")
    tag, first = der[pos], der[pos + 1]
    pos += 2
    if first < 0x80:  # short form: the length fits in 7 bits
        length = first
    else:  # long form: the low bits say how many length bytes follow
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(der):
            raise MalformedDERError("a DER length field is malformed; pass a certificate in DER form.")
        length = int.from_bytes(der[pos:pos + count], "big")
        pos += count
    if pos + length > len(der):
        raise MalformedDERError("a DER element claims more bytes than there are; the certificate is cut short.")
    return tag, pos, pos + length


def _children(der: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """The (tag, element start, element end) of each element inside a SEQUENCE's content."""
    out, pos = [], start
    while pos < end:
        tag, _, stop = _tlv(der, pos)
        out.append((tag, pos, stop))
        pos = stop
    return out


def spki_span(der: bytes | x509.Certificate) -> tuple[int, int]:
    """Where the SubjectPublicKeyInfo sits in a certificate's DER: ``der[start:end]``.

    Certificate = SEQUENCE { tbsCertificate, signatureAlgorithm, signature }, and
    tbsCertificate = SEQUENCE { [0] version (optional), serialNumber, signature, issuer,
    validity, subject, subjectPublicKeyInfo, ... }: the SPKI is the 7th element, or the
    6th when the version is left out (a version 1 certificate).
    """
    if isinstance(der, x509.Certificate):
        der = der.public_bytes(serialization.Encoding.DER)
    if not isinstance(der, bytes | bytearray) or not der:
        raise NotCertificatesError("spki_span needs a certificate or its DER bytes; use "
                                   "cert.public_bytes(Encoding.DER).")
    der = bytes(der)
    if der.lstrip().startswith(b"-----BEGIN"):
        raise PEMInsteadOfDERError("these bytes are PEM text, not DER; load the certificate and pass "
                                   "cert.public_bytes(Encoding.DER).")
    if der[0] != 0x30:
        raise MalformedDERError("these bytes do not start with a DER SEQUENCE, so they are not a DER certificate.")
    _, content, _ = _tlv(der, 0)
    tbs_tag, tbs_content, tbs_end = _tlv(der, content)
    if tbs_tag != 0x30:
        raise MalformedDERError("the certificate has no tbsCertificate SEQUENCE; these bytes are not a certificate.")
    elements = _children(der, tbs_content, tbs_end)
    index = 6 if elements and elements[0][0] == 0xA0 else 5  # [0] EXPLICIT version present?
    if len(elements) <= index or elements[index][0] != 0x30:
        raise MalformedDERError("the tbsCertificate has no SubjectPublicKeyInfo where one belongs; "
                           "these bytes are not an X.509 certificate.")
    _, start, end = elements[index]
    return start, end


def hexdump(der: bytes, span: tuple[int, int] | None = None, width: int = 16,
            label: str = "SPKI") -> str:
    """A hex dump of ``der``; bytes inside ``span`` are marked with ``^^`` on the line below.

    The marker line (not colour) shows the span, so the dump reads the same in any
    terminal, on paper, and to a screen reader.
    """
    lines = []
    start, end = span if span else (-1, -1)
    for offset in range(0, len(der), width):
        chunk = der[offset:offset + width]
        lines.append(f"{offset:04x}  " + " ".join(f"{b:02x}" for b in chunk))
        marks = ["^^" if start <= offset + i < end else "  " for i in range(len(chunk))]
        if "^^" in marks:
            lines.append("      " + " ".join(marks).rstrip())
    if span:
        lines.append(f"^^ = {label}: bytes {start}..{end - 1} ({end - start} of {len(der)} bytes)")
    return "\n".join(lines)


# --- reading what cryptography will not (through helpers.der): the key's algorithm, one extension at a time ---

def _key_algorithm(cert: x509.Certificate) -> tuple[str, str]:
    """:func:`helpers.der.key_algorithm`, its DER errors as :class:`MalformedDERError`."""
    try:
        return key_algorithm(cert)
    except DERError:
        raise MalformedDERError("the key's AlgorithmIdentifier has no OID; the certificate is malformed.") from None


def _names_a_curve(params: str) -> bool:
    """Whether an EC key's parameters are a curve's OID (known or not), not explicit parameters."""
    return params in NAMED_CURVES.values() or params[:1].isdigit()


def key_problem(cert: x509.Certificate) -> str | None:
    """Why the course cannot use ``cert``'s public key, in one sentence; None when it can.

    An EC key must name its curve: a key that spells out the curve's parameters is refused even
    when they are P-256's (cryptography reads those as P-256), because the CA/B Forum forbids it
    and the CurveBall attack (CVE-2020-0601) hid a forged generator in them.
    """
    algorithm, params = _key_algorithm(cert)
    if algorithm == "EC" and not _names_a_curve(params):
        return ("the certificate's EC key spells out its curve's parameters instead of naming the curve, "
                "which the CA/B Forum forbids and CurveBall (CVE-2020-0601) abused; reissue the certificate")
    try:
        cert.public_key()
    except UnsupportedAlgorithm:
        if algorithm == "EC":
            return (f"the certificate's EC key is on a curve the course cannot use (OID {params}); use P-256, "
                    "P-384 or P-521 and reissue the certificate")
        return (f"the certificate's public key uses an algorithm the course cannot read (OID {algorithm}); "
                "use an RSA, EC or Ed25519 key and reissue the certificate")
    except ValueError:
        return "the certificate's public key is malformed, so no client can use it; reissue the certificate"
    return None


def _parse_alone(cert: x509.Certificate, index: int):
    """Parse one extension with cryptography, in a copy of the certificate that carries only that
    extension (:func:`helpers.der.with_one_extension`); None if it does not parse."""
    try:
        with tolerating_serial_zero():
            return with_one_extension(cert, index).extensions[0].value
    except (ValueError, x509.DuplicateExtension, IndexError):
        return None


def _label(oid: str) -> str:
    return _SHORT_NAMES.get(oid) or EXTENSION_NAMES.get(oid, oid)


def _read_extensions(cert: x509.Certificate) -> tuple[list[tuple[str, bool, object]], list[str]]:
    """(OID, critical, value or None when malformed) for each extension, and a sentence per problem."""
    try:
        return [(e.oid.dotted_string, e.critical, e.value) for e in cert.extensions], []
    except (ValueError, x509.DuplicateExtension):
        pass  # read them one at a time, to name the one that is wrong
    try:
        raw = extension_list(cert)
    except DERError:
        return [], ["the certificate's list of extensions is malformed, so no client can read it; reissue "
                    "the certificate"]
    read = [(oid, critical, _parse_alone(cert, index)) for index, (oid, critical) in enumerate(raw)]
    problems = [f"the certificate's {_label(oid)} extension is malformed, so no client can read it; reissue "
                "the certificate" for oid, _, value in read if value is None]
    oids = [oid for oid, _, _ in read]
    for oid in dict.fromkeys(o for o in oids if oids.count(o) > 1):
        times = "twice" if oids.count(oid) == 2 else f"{oids.count(oid)} times"
        problems.append(f"the certificate has the {_label(oid)} extension {times}, which RFC 5280 (4.2) "
                        "forbids; reissue the certificate")
    return read, problems or ["the certificate's extensions cannot be read together; reissue the certificate"]


# --- the field table ------------------------------------------------------------------------------

def _name(name: x509.Name) -> str:
    """A distinguished name in the order it is encoded, e.g. ``C=US, O=Example, CN=example.com``."""
    return ", ".join(f"{attr.rfc4514_attribute_name}={attr.value}" for attr in name) or "(empty)"


def key_description(public_key) -> str:
    """``RSA 2048 bits`` or ``EC P-256 (secp256r1), 256 bits``, and so on."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA {public_key.key_size} bits"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        curve = public_key.curve
        nist = curve_name(curve)
        return f"EC {nist} ({curve.name}), {curve.key_size} bits" if nist != curve.name else \
            f"EC {curve.name}, {curve.key_size} bits"
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519, 256 bits"
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448, 456 bits"
    if isinstance(public_key, dsa.DSAPublicKey):
        return f"DSA {public_key.key_size} bits"
    return type(public_key).__name__


def _general_names(names) -> str:
    parts = []
    for gn in names:
        if isinstance(gn, x509.DNSName):
            parts.append(f"DNS:{gn.value}")
        elif isinstance(gn, x509.IPAddress):
            parts.append(f"IP Address:{gn.value}")
        elif isinstance(gn, x509.RFC822Name):
            parts.append(f"email:{gn.value}")
        elif isinstance(gn, x509.UniformResourceIdentifier):
            parts.append(f"URI:{gn.value}")
        elif isinstance(gn, x509.DirectoryName):
            parts.append(f"DirName:{_name(gn.value)}")
        else:
            parts.append(f"{type(gn).__name__}:{gn.value!r}")
    return ", ".join(parts)


def _colon_hex(data: bytes) -> str:
    return ":".join(f"{b:02X}" for b in data)


def key_usages(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    """What the certificate's Key usage extension allows its key to do, and what it does not.

    Both lists use the names ``openssl x509 -text`` prints. Without the extension, the key is
    unrestricted (RFC 5280, section 4.2.1.3), so everything is allowed.
    """
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return [label for _, label in _KEY_USAGE], []
    except ValueError:  # cryptography could not parse the extensions
        raise MalformedDERError("The certificate's extensions are malformed, so its key usage cannot be "
                                "read; inspect it with anatomy() to see which field is broken.") from None
    allowed = [label for attr, label in _KEY_USAGE if getattr(usage, attr)]
    return allowed, [label for _, label in _KEY_USAGE if label not in allowed]


def _extension_value(value) -> str:
    """A short, readable rendering of an extension's value."""
    if isinstance(value, x509.BasicConstraints):
        text = f"CA:{'TRUE' if value.ca else 'FALSE'}"
        return text + (f", pathlen:{value.path_length}" if value.path_length is not None else "")
    if isinstance(value, x509.KeyUsage):
        used = [label for attr, label in _KEY_USAGE if getattr(value, attr)]
        if value.key_agreement:
            used += [label for attr, label in (("encipher_only", "Encipher Only"),
                                               ("decipher_only", "Decipher Only")) if getattr(value, attr)]
        return ", ".join(used)
    if isinstance(value, x509.ExtendedKeyUsage):
        return ", ".join(getattr(oid, "_name", oid.dotted_string) for oid in value)
    if isinstance(value, x509.SubjectAlternativeName | x509.IssuerAlternativeName):
        return _general_names(value)
    if isinstance(value, x509.SubjectKeyIdentifier):
        return _colon_hex(value.digest)
    if isinstance(value, x509.AuthorityKeyIdentifier):
        return _colon_hex(value.key_identifier) if value.key_identifier else "(issuer name and serial)"
    if isinstance(value, x509.AuthorityInformationAccess):
        return ", ".join(f"{d.access_method._name}: {_general_names([d.access_location])}" for d in value)
    if isinstance(value, x509.CRLDistributionPoints):
        return ", ".join(_general_names(p.full_name or []) for p in value)
    if isinstance(value, x509.CertificatePolicies):
        return ", ".join(p.policy_identifier.dotted_string for p in value)
    if isinstance(value, x509.NameConstraints):
        allowed = _general_names(value.permitted_subtrees or [])
        return f"permitted: {allowed or '-'}; excluded: {_general_names(value.excluded_subtrees or []) or '-'}"
    return type(value).__name__


def _extensions(read: list[tuple[str, bool, object]]) -> tuple[Extension, ...]:
    """The extensions for the table; a value cryptography could not parse shows as ``(malformed)``."""
    oids = [oid for oid, _, _ in read]
    out = []
    for oid, critical, value in read:
        shown = MALFORMED if value is None else _extension_value(value)
        if oids.count(oid) > 1:
            shown += f" (this extension appears {oids.count(oid)} times)" if oids.count(oid) > 2 else \
                " (this extension appears twice)"
        out.append(Extension(EXTENSION_NAMES.get(oid, oid), oid, critical, shown))
    return tuple(out)


def _san(read: list[tuple[str, bool, object]]) -> str:
    found = [value for oid, _, value in read if oid == "2.5.29.17"]
    if not found:
        return "(none)"
    return MALFORMED if found[0] is None else _general_names(found[0])


def _read_name(read, whose: str, problems: list[str]) -> str:
    """A name, or ``(malformed)`` and a problem when cryptography cannot decode it (invalid UTF-8, say)."""
    try:
        return _name(read())
    except ValueError:
        problems.append(f"the certificate's {whose} name is malformed (a value breaks its string type, such "
                        "as invalid UTF-8), so no client can read it; reissue the certificate")
        return MALFORMED


@dataclass(frozen=True)
class Anatomy:
    """A certificate's fields as a table; HTML in a notebook, text from ``str()``."""

    rows: tuple[Field, ...]
    extensions: tuple[Extension, ...]
    spki: tuple[int, int]
    der_length: int
    #: One sentence per field that cannot be read or used (empty for a sound certificate).
    problems: tuple[str, ...] = ()

    def __getitem__(self, name: str) -> str:
        for row in self.rows:
            if row.name == name:
                return row.value
        raise KeyError(f"no field named {name!r}; the fields are {', '.join(r.name for r in self.rows)}")

    def table(self, *, meanings: bool = True) -> Table:
        """The fields as a :class:`~helpers.show.Table` (with what each is for, unless ``meanings=False``)."""
        if not meanings:
            return Table(("Field", "Value"), [(r.name, r.value) for r in self.rows])
        return Table(("Field", "Value", "What it is for"), [(r.name, r.value, r.meaning) for r in self.rows],
                     row_headers=True, styles=("", "mono", "em"))

    def __str__(self) -> str:
        return self.table(meanings=False).text()

    def __repr__(self) -> str:
        return f"<Anatomy of {self['Subject']}>"

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()


def _key_row(cert: x509.Certificate, problem: str | None) -> str:
    """The "Public key" value: its description, or what makes it unusable."""
    if problem is None:
        return key_description(cert.public_key())
    algorithm, params = _key_algorithm(cert)
    if algorithm == "EC" and not _names_a_curve(params):
        return "(unusable: an EC key with explicit curve parameters, not a named curve)"
    if algorithm == "EC":
        return f"(unusable: an EC key on curve {params})"
    return f"(unusable: key algorithm {algorithm})"


def anatomy(cert: x509.Certificate) -> Anatomy:
    """Read every field of ``cert`` into an :class:`Anatomy` table; what cannot be read is in ``problems``."""
    if not isinstance(cert, x509.Certificate):
        raise NotCertificatesError(f"anatomy() needs an x509.Certificate, not a {type(cert).__name__}; "
                                   "load one with helpers.pem.load_certificates(path).")
    der = cert.public_bytes(serialization.Encoding.DER)
    start, end = spki_span(der)
    serial = serial_number(cert)
    problems: list[str] = []
    subject = _read_name(lambda: cert.subject, "subject", problems)
    issuer = _read_name(lambda: cert.issuer, "issuer", problems)
    read, extension_problems = _read_extensions(cert)
    unusable_key = key_problem(cert)
    if unusable_key:
        problems.append(unusable_key)
    rows = [
        Field("Version", f"v{cert.version.value + 1}", "v3 is the version that allows extensions"),
        Field("Subject", subject, "who the certificate is about"),
        Field("Subject Alternative Name", _san(read), "the host names it is valid for: what clients check"),
        Field("Issuer", issuer, "who vouches for it (signed it)"),
        Field("Serial number", f"{serial} (0x{serial:x})", "the issuer's unique number for it"),
        Field("Not before", f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M:%S} UTC", "valid from"),
        Field("Not after", f"{cert.not_valid_after_utc:%Y-%m-%d %H:%M:%S} UTC", "valid until"),
        Field("Public key", _key_row(cert, unusable_key), "the key the subject proves it holds"),
    ]
    problems += extension_problems
    extensions = _extensions(read)
    for ext in extensions:
        flag = "critical" if ext.critical else "not critical"
        meaning = EXTENSION_MEANINGS.get(ext.oid, "an extension")
        rows.append(Field(f"Extension: {ext.name}", f"{ext.value} [{flag}]",
                          f"{meaning}; critical: a client that does not understand it must reject the "
                          "certificate" if ext.critical else meaning))
    algorithm = getattr(cert.signature_algorithm_oid, "_name", cert.signature_algorithm_oid.dotted_string)
    pin = "(none: the key is unusable)" if unusable_key else spki_pin(cert)
    rows += [
        Field("Signature algorithm", algorithm, "how the issuer signed the fields above"),
        Field("SHA-256 fingerprint", _colon_hex(hashlib.sha256(der).digest()),
              "SHA-256 of the whole certificate: a certificate pin's digest, in hex"),
        Field("SPKI pin (SHA-256)", pin, "hash of the public key info: what apps pin"),
        Field("SPKI in DER", f"bytes {start}..{end - 1} of {len(der)}", "where the pinned bytes sit"),
    ]
    return Anatomy(tuple(rows), extensions, (start, end), len(der), tuple(problems))


@dataclass(frozen=True)
class Beside:
    """Our table next to another tool's text for the same certificate (HTML side by side in a notebook)."""

    table: Anatomy
    text: str
    title: str = "openssl x509 -text -noout"

    def _repr_html_(self) -> str:
        pre = f"<pre style='font-size:85%;margin:0'>{html.escape(self.text)}</pre>"
        return ("<div style='display:flex;gap:2em;align-items:flex-start'>"
                f"<div><b>helpers.anatomy</b>{self.table._repr_html_()}</div>"
                f"<div><b>{html.escape(self.title)}</b>{pre}</div></div>")

    def __str__(self) -> str:
        return f"{self.table}\n\n--- {self.title} ---\n{self.text}"

    def __repr__(self) -> str:
        return f"<Beside: {self.table!r} | {self.title}>"


def beside(cert: x509.Certificate, text: str, title: str = "openssl x509 -text -noout") -> Beside:
    """Show :func:`anatomy` of ``cert`` beside ``text`` (for example OpenSSL's view of the same file)."""
    return Beside(anatomy(cert), str(text), title)
