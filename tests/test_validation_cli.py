"""``python -m helpers verify``, run as a learner would: a real subprocess, real files."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtensionOID, NameOID

from helpers.course import HOST
from helpers.pem import chain_pem
from helpers.pki import course_pki, key_from_label

ROOT = Path(__file__).resolve().parents[1]
PKI = course_pki()


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers", "verify", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, str]:
    paths = {
        "chain": PKI.leaf.pem + PKI.intermediate.pem,
        "leaf-only": PKI.leaf.pem,
        "roots": PKI.root.pem,
        "expired": PKI.gallery["expired"].leaf.public_bytes(Encoding.PEM) + PKI.intermediate.pem,
        "key": PKI.leaf.key_pem,
        "empty": b"",
        "der": PKI.leaf.cert.public_bytes(Encoding.DER),
    }
    out = {}
    for name, data in paths.items():
        (tmp_path / f"{name}.pem").write_bytes(data)
        out[name] = str(tmp_path / f"{name}.pem")
    return out


def test_a_valid_chain_exits_0_and_prints_the_steps(files):
    done = run(files["chain"], "--host", HOST, "--roots", files["roots"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("VALID")
    assert re.search(r"^✓ passed +signature ", done.stdout, re.M)
    assert re.search(r"^– not checked +revocation ", done.stdout, re.M)
    assert done.stderr == ""


def test_an_invalid_chain_exits_1_and_names_the_failing_step(files):
    done = run(files["chain"], "--host", "www.yourapp.com", "--roots", files["roots"])
    assert done.returncode == 1
    assert done.stdout.startswith("INVALID (wrong host)")


def test_at_changes_the_validation_time(files):
    assert run(files["expired"], "--host", HOST, "--roots", files["roots"]).returncode == 1
    done = run(files["expired"], "--host", HOST, "--roots", files["roots"], "--at", "2025-09-01")
    assert done.returncode == 0 and "2025-09-01 00:00 UTC" in done.stdout


def test_missing_intermediate_is_named(files):
    done = run(files["leaf-only"], "--host", HOST, "--roots", files["roots"])
    assert done.returncode == 1 and "missing intermediate" in done.stdout


def test_default_roots_are_certifi_and_load_without_warnings(files):
    """The course root is not in Mozilla's store, so the course chain is an unknown root."""
    done = run(files["chain"], "--host", HOST)
    assert done.returncode == 1 and "unknown root" in done.stdout
    assert done.stderr == ""  # the serial-0 CryptographyDeprecationWarning is silenced


def test_compare_prints_the_three_references(files):
    done = run(files["chain"], "--host", HOST, "--roots", files["roots"], "--compare")
    assert done.returncode == 0
    header, rule, row = done.stdout.splitlines()[-3:]
    assert header.split() == ["case", "our", "failing", "step", "cryptography", "OpenSSL", "OpenSSL", "-x509_strict"]
    assert set(rule) <= {"-", " "} and row.count("✓ valid") == 4


@pytest.mark.parametrize("args, words", [
    (["MISSING", "--host", HOST], "cannot read"),
    (["key", "--host", HOST], "private key"),
    (["empty", "--host", HOST], "empty"),
    (["der", "--host", HOST], "DER"),
    (["chain", "--host", "bad host!"], "not a valid DNS host name"),
    (["chain", "--host", HOST, "--at", "next tuesday"], "ISO 8601"),
    (["chain", "--host", HOST, "--at", ""], "ISO 8601"),
    (["chain", "--host", HOST, "--roots", "key"], "private key"),
])
def test_bad_input_exits_2_with_one_sentence(files, args, words):
    args = [files.get(a, a) if i in (0,) or args[i - 1] == "--roots" else a for i, a in enumerate(args)]
    done = run(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_host_is_required():
    done = run("whatever.pem")
    assert done.returncode == 2 and "--host" in done.stderr


# --- hostile certificates: a verdict (exit 1) with the reason, never a traceback, in under 5 s --------

UTC = dt.UTC
INTER = PKI.intermediate


def tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    size = (n.bit_length() + 7) // 8
    return bytes([tag]) + (bytes([n]) if n < 0x80 else bytes([0x80 | size]) + n.to_bytes(size, "big")) + content


def leaf(*extensions, cn=HOST) -> x509.Certificate:
    key = key_from_label("hostile cli leaf")
    b = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
         .issuer_name(INTER.cert.subject).public_key(key.public_key()).serial_number(4343)
         .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=UTC)).not_valid_after(dt.datetime(2046, 1, 1, tzinfo=UTC))
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(INTER.key.public_key()), False))
    for extension in extensions:
        b = b.add_extension(extension, False)
    return b.sign(INTER.key, hashes.SHA256(), ecdsa_deterministic=True)


def patched(cert: x509.Certificate, old: bytes, new: bytes) -> x509.Certificate:
    """Same-length bytes swapped in the signed part, then signed again by the intermediate."""
    tbs = cert.tbs_certificate_bytes.replace(old, new)
    signature = INTER.key.sign(tbs, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    algorithm = tlv(0x30, bytes.fromhex("06082a8648ce3d040302"))
    return x509.load_der_x509_certificate(tlv(0x30, tbs + algorithm + tlv(0x03, b"\0" + signature)))


SAN = x509.SubjectAlternativeName([x509.DNSName(HOST)])


def same_name_loop() -> list[x509.Certificate]:
    """A leaf and eight CAs that all carry the intermediate's name: 8! orders, a 4 kB file."""
    keys = [key_from_label(f"cli loop CA {i}") for i in range(8)]
    name = INTER.cert.subject
    cas = [x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(keys[i].public_key())
           .serial_number(700 + i).not_valid_before(dt.datetime(2025, 1, 1, tzinfo=UTC))
           .not_valid_after(dt.datetime(2040, 1, 1, tzinfo=UTC)).add_extension(x509.BasicConstraints(True, None), True)
           .sign(keys[(i + 1) % 8], hashes.SHA256(), ecdsa_deterministic=True) for i in range(8)]
    return [leaf(SAN), *cas]


HOSTILE = {  # name: (certificates in CHAIN.pem, --host, words in the verdict line, words in the report)
    "malformed SAN": (lambda: [leaf(x509.UnrecognizedExtension(ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
                                                                b"\x30\x03\x82\x05a"))],
                      HOST, "INVALID (malformed)", "subjectAltName extension (2.5.29.17) does not parse"),
    "malformed KeyUsage": (lambda: [leaf(SAN, x509.UnrecognizedExtension(ExtensionOID.KEY_USAGE, b"\x04\x01\x00"))],
                           HOST, "INVALID (malformed)", "keyUsage extension"),
    "invalid UTF-8 in the CN": (lambda: [patched(leaf(SAN, cn="QQQQQQQQ"), b"QQQQQQQQ", b"\xff\xfeQQQQQQ")],
                                HOST, "INVALID (malformed)", "subject name does not decode"),
    "explicit curve parameters": (lambda: [PKI.gallery["explicit-curve"].leaf], HOST, "INVALID (explicit curve)",
                                  "CVE-2020-0601"),
    "host name with an underscore": (lambda: [PKI.leaf.cert], "_acme.yourapp.com",
                                     "INVALID (unmatchable host name)", "underscore"),
    "eight CAs with one name": (same_name_loop, HOST, "INVALID (path search limit reached)", "128 candidate issuers"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_certificates_and_hosts_are_verdicts_with_a_reason(tmp_path, files, name):
    make, host, verdict, words = HOSTILE[name]
    chain = tmp_path / "hostile.pem"
    certs = make()
    chain.write_bytes(chain_pem(certs if name == "eight CAs with one name" else [*certs, INTER.cert]))
    start = time.perf_counter()
    done = run(str(chain), "--host", host, "--roots", files["roots"])
    assert time.perf_counter() - start < 5
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stdout.startswith(verdict) and words in done.stdout, done.stdout[:400]
    assert done.stderr == "" and "Traceback" not in done.stdout


def test_control_characters_from_a_certificate_are_printed_escaped(tmp_path, files):
    """A name such as ESC[2J would clear the terminal; the report shows it as \\x1b[2J."""
    chain = tmp_path / "escape.pem"
    chain.write_bytes(chain_pem([leaf(SAN, cn="api\x1b[2J\x07.yourapp.com"), INTER.cert]))
    done = run(str(chain), "--host", HOST, "--roots", files["roots"])
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "leaf api\\x1b[2J\\x07.yourapp.com" in done.stdout


def test_help_documents_the_exit_codes():
    done = subprocess.run([sys.executable, "-m", "helpers", "verify", "--help"], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    text = " ".join(done.stdout.split())
    assert "exit status: 0 the chain is valid; 1 it is not" in text and "2 the input cannot be used" in text

