"""The field table agrees with `openssl x509 -text`, and the SPKI is found inside the DER by hand."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from helpers.anatomy import MalformedDERError, PEMInsteadOfDERError, anatomy, hexdump, spki_span
from helpers.errors import CourseError
from helpers.pem import NotCertificatesError
from helpers.pinning import spki_der, spki_pin
from helpers.trust_store import find_root, load_roots

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")


#: The gallery's CurveBall-style leaf: its key spells out P-256's parameters. cryptography would
#: re-encode it with the curve named; spki_der keeps the bytes the certificate carries, and anatomy flags it.
EXPLICIT_CURVE = "gallery-explicit-curve"


def course_certs(*, sound: bool = True) -> list[x509.Certificate]:
    """The course's certificates; ``sound=False`` adds the explicit-curve leaf, which anatomy flags."""
    from helpers.pki import course_pki

    return [entry.cert for entry in course_pki().entries
            if entry.cert is not None and (not sound or entry.stem != EXPLICIT_CURVE)]


def der_of(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


# --- the SPKI inside the DER -------------------------------------------------------------------

def test_spki_span_is_exactly_the_spki_for_course_certificates_and_every_certifi_root():
    for cert in [*course_certs(sound=False), *load_roots()]:
        start, end = spki_span(der_of(cert))
        assert der_of(cert)[start:end] == spki_der(cert)
        assert spki_span(cert) == (start, end)


def _tlv(tag: int, content: bytes) -> bytes:
    """DER-encode one element (independent of the code under test)."""
    n = len(content)
    length = bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes(
        (n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + length + content


def version1_of(cert: x509.Certificate) -> bytes:
    """The same certificate with its [0] version removed: a v1 certificate (signature now invalid)."""
    der, tbs = der_of(cert), cert.tbs_certificate_bytes
    header = der.index(tbs)
    inner = x509.load_der_x509_certificate(der)  # sanity: the input parses
    assert inner.version == x509.Version.v3
    tbs_header = 2 if tbs[1] < 0x80 else 2 + (tbs[1] & 0x7F)
    body = tbs[tbs_header:]
    assert body[:5] == bytes.fromhex("a003020102")  # [0] EXPLICIT INTEGER 2, i.e. v3
    return _tlv(0x30, _tlv(0x30, body[5:]) + der[header + len(tbs):])


def test_spki_span_handles_a_certificate_without_the_optional_version():
    from helpers.pki import course_pki

    cert = course_pki().leaf.cert
    v1 = version1_of(cert)
    assert x509.load_der_x509_certificate(v1).version == x509.Version.v1
    start, end = spki_span(v1)
    assert v1[start:end] == spki_der(cert)
    assert spki_span(v1) != spki_span(cert)  # 5 bytes earlier, and the headers are shorter


@pytest.mark.parametrize("data, message", [
    (b"", "DER bytes"),
    (b"\x30", "end in the middle"),
    (b"\x30\x82\x05\x00\x30", "claims more bytes"),
    (b"-----BEGIN CERTIFICATE-----\n", "PEM text"),
    (b"\x02\x01\x01", "not a DER certificate"),
    (bytes.fromhex("3003020101"), "no tbsCertificate"),
    (bytes.fromhex("30053003020101"), "not an X.509"),
    ("a string", "DER bytes"),
])
def test_spki_span_of_bad_bytes_is_one_clear_sentence(data, message):
    expected = {"PEM text": PEMInsteadOfDERError, "DER bytes": NotCertificatesError}.get(message, MalformedDERError)
    with pytest.raises((MalformedDERError, NotCertificatesError), match=message) as info:
        spki_span(data)
    assert type(info.value) is expected and str(info.value).endswith(".")
    assert isinstance(info.value, CourseError)


def test_hexdump_marks_exactly_the_spki_bytes():
    cert = find_root("ISRG Root X1")
    der = der_of(cert)
    span = spki_span(der)
    text = hexdump(der, span)
    lines = text.splitlines()
    marked = bytearray()
    for line, below in zip(lines, lines[1:], strict=False):
        if re.match(r"^[0-9a-f]{4}  ", line) and below.startswith("      ") and "^^" in below:
            values = line[6:].split(" ")
            marks = [below[6 + 3 * i: 8 + 3 * i] for i in range(len(values))]
            marked += bytes(int(v, 16) for v, m in zip(values, marks, strict=True) if m == "^^")
    assert bytes(marked) == spki_der(cert)
    assert lines[-1] == f"^^ = SPKI: bytes {span[0]}..{span[1] - 1} ({span[1] - span[0]} of {len(der)} bytes)"
    assert "^^" not in hexdump(der)


# --- the field table -----------------------------------------------------------------------------

def test_table_renders_as_html_and_text_with_every_row():
    table = anatomy(find_root("ISRG Root X1"))
    html, text = table._repr_html_(), str(table)
    for row in table.rows:
        assert row.name in text and row.value in text
        assert row.name in html
    assert "C5+lpZ7tcVwmwQIMcRtPbsQtWLABXhQzejna0wHFr8M=" in text
    assert table["Public key"] == "RSA 4096 bits"
    assert repr(table) == "<Anatomy of C=US, O=Internet Security Research Group, CN=ISRG Root X1>"
    with pytest.raises(KeyError):
        table["Colour"]


def test_table_reads_serial_zero_roots_without_a_warning(recwarn):
    zero = [c for c in load_roots() if anatomy(c)["Serial number"] == "0 (0x0)"]
    assert zero and not recwarn.list


@pytest.mark.parametrize("thing", [None, b"bytes", "data/certs/api.yourapp.com.pem"])
def test_anatomy_of_a_non_certificate_is_a_course_error(thing):
    with pytest.raises(NotCertificatesError, match="x509.Certificate"):
        anatomy(thing)


def parse_openssl_text(text: str) -> dict:
    """Pick the fields out of `openssl x509 -text -noout` (OpenSSL 3 layout)."""
    lines = text.splitlines()
    found: dict = {"extensions": []}

    def after(label: str) -> str:
        for i, line in enumerate(lines):
            if line.strip().startswith(label):
                rest = line.strip()[len(label):].strip()
                return rest or lines[i + 1].strip()
        raise AssertionError(f"openssl printed no {label!r}")

    serial = after("Serial Number:")
    found["serial"] = int(serial.split()[0]) if "(0x" in serial else int(serial.replace(":", ""), 16)
    found["signature"] = after("Signature Algorithm:")
    found["issuer"] = after("Issuer:").replace(" = ", "=")
    found["subject"] = after("Subject:").replace(" = ", "=")
    for key in ("Not Before", "Not After"):
        stamp = " ".join(after(key).lstrip(" :").split())
        found[key] = dt.datetime.strptime(stamp, "%b %d %H:%M:%S %Y GMT").replace(tzinfo=dt.UTC)
    found["bits"] = int(re.search(r"Public-Key: \((\d+) bit\)", text).group(1))
    found["algorithm"] = after("Public Key Algorithm:")
    start = next(i for i, line in enumerate(lines) if line.strip() == "X509v3 extensions:")
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if not line.startswith(" " * 12):
            break
        if not line.startswith(" " * 13):  # an extension's header line
            name, _, flag = line.strip().partition(":")
            found["extensions"].append((name.removeprefix("X509v3 "), flag.strip() == "critical",
                                        lines[i + 1].strip()))
    return found


@needs_openssl
def test_table_agrees_with_openssl_text_for_every_course_certificate(tmp_path):
    path = tmp_path / "cert.pem"
    for cert in course_certs():
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        out = subprocess.run(["openssl", "x509", "-in", str(path), "-text", "-noout"],
                             capture_output=True, text=True, check=True, timeout=60).stdout
        theirs, ours = parse_openssl_text(out), anatomy(cert)
        assert ours["Subject"] == theirs["subject"]
        assert ours["Issuer"] == theirs["issuer"]
        assert ours["Serial number"] == f"{theirs['serial']} (0x{theirs['serial']:x})"
        assert ours["Not before"] == f"{theirs['Not Before']:%Y-%m-%d %H:%M:%S} UTC"
        assert ours["Not after"] == f"{theirs['Not After']:%Y-%m-%d %H:%M:%S} UTC"
        assert ours["Signature algorithm"] == theirs["signature"]
        assert f"{theirs['bits']} bits" in ours["Public key"]
        assert ours["Public key"].startswith("RSA" if theirs["algorithm"] == "rsaEncryption" else "EC")
        assert [(e.name, e.critical) for e in ours.extensions] == [(n, c) for n, c, _ in theirs["extensions"]]
        for name, _, value in theirs["extensions"]:
            if name in ("Subject Alternative Name", "Basic Constraints", "Key Usage",
                        "Subject Key Identifier", "Authority Key Identifier"):
                assert next(e.value for e in ours.extensions if e.name == name) == value, name
        assert ours["SPKI pin (SHA-256)"] == spki_pin(cert)


def test_lesson01_exercises_accept_the_solutions_and_explain_mistakes():
    from helpers.exercises import lesson01 as ex
    from helpers.pki import course_pki

    pki = course_pki()
    assert ex.q1.feedback("b").startswith("✓") and "RFC 9525" in ex.q1.feedback("A")
    start, end = spki_span(pki.rsa_leaf.cert)
    assert end - start == 294  # 30 82 01 22, the 15-byte rsaEncryption identifier, a 275-byte BIT STRING
    assert ex.q2.feedback(end - start).startswith("✓")
    assert "EC P-256" in ex.q2.feedback(91) and "modulus" in ex.q2.feedback(256)
    assert "bits" in ex.q2.feedback(2048) and "RSAPublicKey" in ex.q2.feedback(270)
    assert "whole certificate" in ex.q2.feedback(len(pki.rsa_leaf.cert.public_bytes(serialization.Encoding.DER)))
    assert "whole number" in ex.q2.feedback("294") and "spki_span" in ex.q2.feedback(300)
    assert ex.q3.feedback(pki.intermediate2.cert).startswith("✓")
    for wrong in (pki.root.cert, pki.intermediate.cert):
        assert "does not verify" in ex.q3.feedback(wrong)
    assert ex.q3.feedback("intermediate2").startswith("✓") and "certificate object" in ex.q3.feedback(2)
    assert "not attempted" in ex.q3.feedback(...)


# --- certificates the course cannot read whole (issue 16) -----------------------------------------
# Each is built by hand: a certificate from cryptography's builder, then DER bytes patched (same
# length, so every enclosing length stays right) or an element re-encoded. Parsing never checks
# the signature, so the stale one does not matter.

P256 = {  # SEC 2 / FIPS 186-4 domain parameters of P-256, for an EC key that spells them out
    "p": 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
    "b": 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
    "gx": 0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    "gy": 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
    "n": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
}
EC_OID = bytes.fromhex("06072a8648ce3d0201")      # id-ecPublicKey
P256_OID = bytes.fromhex("06082a8648ce3d030107")  # prime256v1


def _integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _explicit_p256(generator: tuple[int, int]) -> bytes:
    """ECParameters (RFC 3279) for P-256's field and equation with ``generator`` as its base point."""
    p, b, n = P256["p"], P256["b"], P256["n"]
    point = b"\x04" + generator[0].to_bytes(32, "big") + generator[1].to_bytes(32, "big")
    return _tlv(0x30, _integer(1) + _tlv(0x30, bytes.fromhex("06072a8648ce3d0101") + _integer(p))
                + _tlv(0x30, _tlv(0x04, (p - 3).to_bytes(32, "big")) + _tlv(0x04, b.to_bytes(32, "big")))
                + _tlv(0x04, point) + _integer(n) + _integer(1))


def _double(x: int, y: int) -> tuple[int, int]:
    """2·(x, y) on P-256: another valid base point, the CurveBall trick (CVE-2020-0601)."""
    p = P256["p"]
    slope = (3 * x * x + p - 3) * pow(2 * y, -1, p) % p
    x2 = (slope * slope - 2 * x) % p
    return x2, (slope * (x - x2) - y) % p


def _with_spki(der: bytes, spki: bytes) -> bytes:
    """``der`` with its SubjectPublicKeyInfo replaced by ``spki`` (every length re-encoded)."""
    cert = x509.load_der_x509_certificate(der)
    tbs = cert.tbs_certificate_bytes
    start, end = spki_span(der)
    header = 2 if tbs[1] < 0x80 else 2 + (tbs[1] & 0x7F)
    tbs_at = der.index(tbs)
    body = der[tbs_at + header:start] + spki + der[end:tbs_at + len(tbs)]
    return _tlv(0x30, _tlv(0x30, body) + der[tbs_at + len(tbs):])


def _base_der(subject: str = "AAAAsubject", dns: str = "aaaa.example", extra=()) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.derive_private_key(1616, ec.SECP256R1())
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "BBBBissuer")]))
               .public_key(key.public_key()).serial_number(1616)
               .not_valid_before(dt.datetime(2025, 1, 1)).not_valid_after(dt.datetime(2045, 1, 1))
               .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False)
               .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                              critical=True))
    for extension in extra:
        builder = builder.add_extension(extension, critical=False)
    return der_of(builder.sign(key, hashes.SHA256(), ecdsa_deterministic=True))  # the same bytes each run


def _patched(der: bytes, old: bytes, new: bytes) -> bytes:
    assert len(old) == len(new) and der.count(old) == 1, (old, der.count(old))
    return der.replace(old, new)


def hostile_der(kind: str) -> bytes:
    """A certificate (DER) with one thing wrong that cryptography refuses to read, by name."""
    der = _base_der()
    if kind == "malformed-san":      # the GeneralName's [2] dNSName tag becomes NULL, with 12 bytes
        return _patched(der, b"\x82\x0caaaa.example", b"\x05\x0caaaa.example")
    if kind == "malformed-key-usage":  # a BIT STRING with 9 unused bits
        return _patched(der, b"\x03\x02\x07\x80", b"\x03\x02\x09\x80")
    if kind == "bad-utf8-subject":
        return _patched(der, b"AAAAsubject", b"\xff\xfeAAsubject")
    if kind == "bad-utf8-issuer":
        return _patched(der, b"BBBBissuer", b"\xc3\x28BBissuer")
    if kind == "unknown-algorithm":  # id-ecPublicKey 1.2.840.10045.2.1 becomes ...2.9
        return _patched(der, EC_OID, EC_OID[:-1] + b"\x09")
    if kind == "unknown-curve":      # prime256v1 1.2.840.10045.3.1.7 becomes ...3.1.5 (prime239v2)
        return _patched(der, P256_OID, P256_OID[:-1] + b"\x05")
    if kind in ("explicit-curve", "custom-generator"):
        start, end = spki_span(der)
        bits = der[start:end][der[start:end].index(P256_OID) + len(P256_OID):]
        generator = (P256["gx"], P256["gy"])
        params = _explicit_p256(generator if kind == "explicit-curve" else _double(*generator))
        return _with_spki(der, _tlv(0x30, _tlv(0x30, EC_OID + params) + bits))
    if kind == "duplicate-extension":  # two unrecognised extensions, then the second's OID made the first's
        extra = [x509.UnrecognizedExtension(x509.ObjectIdentifier(oid), b"\x05\x00") for oid in ("1.2.3.4",
                                                                                                 "1.2.3.5")]
        return _patched(_base_der(extra=extra), b"\x06\x03\x2a\x03\x05", b"\x06\x03\x2a\x03\x04")
    if kind == "escapes":            # a terminal escape and a right-to-left override in names
        return _base_der(subject="\x1b]0;owned\x07\u202eevil", dns="\x1b[2Jwipe.example")
    raise AssertionError(kind)


#: kind -> (the problem anatomy reports, the row that shows it).
UNREADABLE = {
    "malformed-san": ("the certificate's SAN extension is malformed", "Subject Alternative Name"),
    "malformed-key-usage": ("the certificate's Key Usage extension is malformed", "Extension: Key Usage"),
    "bad-utf8-subject": ("the certificate's subject name is malformed", "Subject"),
    "bad-utf8-issuer": ("the certificate's issuer name is malformed", "Issuer"),
    "unknown-algorithm": ("algorithm the course cannot read (OID 1.2.840.10045.2.9)", "Public key"),
    "unknown-curve": ("curve the course cannot use (OID 1.2.840.10045.3.1.5)", "Public key"),
    "explicit-curve": ("spells out its curve's parameters", "Public key"),
    "custom-generator": ("spells out its curve's parameters", "Public key"),
    "duplicate-extension": ("has the 1.2.3.4 extension twice", "Extension: 1.2.3.4"),
}


def test_hostile_certificates_really_break_cryptography():
    """The reproductions: each one makes cryptography raise where anatomy() used to read it."""
    from cryptography.exceptions import UnsupportedAlgorithm

    reads = {"malformed-san": lambda c: c.extensions, "malformed-key-usage": lambda c: c.extensions,
             "duplicate-extension": lambda c: c.extensions, "bad-utf8-subject": lambda c: c.subject,
             "bad-utf8-issuer": lambda c: c.issuer, "unknown-algorithm": lambda c: c.public_key(),
             "unknown-curve": lambda c: c.public_key(), "custom-generator": lambda c: c.public_key()}
    for kind, read in reads.items():
        cert = x509.load_der_x509_certificate(hostile_der(kind))
        with pytest.raises((ValueError, UnsupportedAlgorithm, x509.DuplicateExtension)):
            read(cert)
    # explicit P-256 parameters read as if the key named P-256: the reason to look at the DER
    assert x509.load_der_x509_certificate(hostile_der("explicit-curve")).public_key().curve.name == "secp256r1"


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
def test_anatomy_reads_what_it_can_and_names_what_it_cannot(kind):
    problem, row = UNREADABLE[kind]
    table = anatomy(x509.load_der_x509_certificate(hostile_der(kind)))
    assert len(table.problems) == 1 and problem in table.problems[0], table.problems
    assert all(p.startswith("the certificate") and p.endswith("certificate") for p in table.problems)
    value = table[row]
    assert value.startswith(("(malformed", "(unusable", "EC P-256")) or "twice" in value, value
    text = str(table)  # the rest of the table is still there
    assert "SHA-256 fingerprint" in text and "Not after" in text and "2045-01-01" in text


def test_a_malformed_san_leaves_the_other_extensions_readable():
    table = anatomy(x509.load_der_x509_certificate(hostile_der("malformed-san")))
    assert table["Subject Alternative Name"] == "(malformed)"
    assert table["Extension: Key Usage"] == "Digital Signature [critical]"
    assert [e.name for e in table.extensions] == ["Subject Alternative Name", "Key Usage"]


def test_a_sound_certificate_has_no_problems_and_the_same_table_as_before():
    from helpers.pki import course_pki

    for cert in [*course_certs(), find_root("ISRG Root X1")]:
        assert anatomy(cert).problems == ()
    table = anatomy(course_pki().leaf.cert)
    assert table["Subject Alternative Name"] == "DNS:api.yourapp.com"
    assert table["Public key"] == "EC P-256 (secp256r1), 256 bits"
    assert table["SPKI pin (SHA-256)"] == spki_pin(course_pki().leaf.cert)


def test_the_gallerys_explicit_curve_leaf_is_flagged():
    from helpers.pki import course_pki

    cert = next(e.cert for e in course_pki().entries if e.stem == EXPLICIT_CURVE)
    table = anatomy(cert)
    assert table["Public key"] == "(unusable: an EC key with explicit curve parameters, not a named curve)"
    assert len(table.problems) == 1 and "CVE-2020-0601" in table.problems[0]


def test_key_problem_names_only_keys_the_course_cannot_use():
    from helpers.anatomy import key_problem
    from helpers.pki import course_pki

    assert key_problem(course_pki().leaf.cert) is None and key_problem(course_pki().rsa_leaf.cert) is None
    for kind in ("malformed-san", "bad-utf8-subject", "duplicate-extension"):
        assert key_problem(x509.load_der_x509_certificate(hostile_der(kind))) is None
    for kind in ("unknown-algorithm", "unknown-curve", "explicit-curve", "custom-generator"):
        assert UNREADABLE[kind][0] in key_problem(x509.load_der_x509_certificate(hostile_der(kind)))
