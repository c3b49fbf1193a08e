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


def course_certs() -> list[x509.Certificate]:
    from helpers.pki import course_pki

    return [entry.cert for entry in course_pki().entries if entry.cert is not None]


def der_of(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


# --- the SPKI inside the DER -------------------------------------------------------------------

def test_spki_span_is_exactly_the_spki_for_course_certificates_and_every_certifi_root():
    for cert in [*course_certs(), *load_roots()]:
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
    assert "certificate object" in ex.q3.feedback("intermediate2")
    assert "not attempted" in ex.q3.feedback(...)
