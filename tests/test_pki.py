"""The course PKI, checked against cryptography's webpki verifier and the real openssl CLI."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import DNSName, PolicyBuilder, Store, VerificationError

from helpers import pem, pki
from helpers.clock import COURSE_NOW, UTC
from helpers.course import CERTS_DIR, HOST
from helpers.errors import BadInputError, CourseError

P = pki.course_pki()
LATE = dt.datetime(2045, 12, 31, tzinfo=UTC)  # the real clock must accept valid certs until then

VALID_LEAVES = ["leaf", "leaf_renewed", "leaf_rekeyed", "leaf_on_backup_key", "leaf_via_intermediate2",
                "misissued_leaf"]
ATTACKS = [("rogue_ca", "rogue_leaf"), ("corporate_ca", "corporate_leaf"),
           ("government_root", "government_leaf")]
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl CLI on PATH")


def spki_pin(cert_or_public_key) -> str:
    """The SPKI pin computed here, independently of helpers: base64(sha256(DER SPKI))."""
    public_key = cert_or_public_key.public_key() if hasattr(cert_or_public_key, "public_key") \
        else cert_or_public_key
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def verify(leaf, intermediates, roots, host=HOST, at=COURSE_NOW):
    verifier = PolicyBuilder().store(Store(list(roots))).time(at).build_server_verifier(DNSName(host))
    return verifier.verify(leaf, list(intermediates))


def openssl_verify(tmp_path: Path, leaf, intermediates, roots, host=HOST, at=None):
    """Run `openssl verify`; return (exit code, {"error number@depth", ...} it printed)."""
    def write(name, certs):
        path = tmp_path / name
        path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs))
        return str(path)

    cmd = ["openssl", "verify", "-purpose", "sslserver", "-verify_hostname", host,
           "-CAfile", write("roots.pem", roots)]
    if intermediates:
        cmd += ["-untrusted", write("inters.pem", intermediates)]
    if at is not None:
        cmd += ["-attime", str(int(at.timestamp()))]
    out = subprocess.run([*cmd, write("leaf.pem", [leaf])], capture_output=True, text=True, timeout=30)
    found = re.findall(r"error (\d+) at (\d+) depth", out.stdout + out.stderr)
    return out.returncode, {f"{number}@{depth}" for number, depth in found}


# --- keys ---------------------------------------------------------------------------------------

def test_key_from_label_matches_the_documented_formula():
    digest = hashlib.sha256(b"https-pinning-course toy key v1:api.yourapp.com key 1").digest()
    expected = int.from_bytes(digest, "big") % (pki.P256_ORDER - 1) + 1
    key = pki.key_from_label("api.yourapp.com key 1")
    assert key.private_numbers().private_value == expected
    assert isinstance(key.curve, ec.SECP256R1)
    # n from SEC 2 / FIPS 186-4, written out independently of helpers.pki
    assert pki.P256_ORDER == int("FFFFFFFF00000000FFFFFFFFFFFFFFFF" "BCE6FAADA7179E84F3B9CAC2FC632551", 16)


def test_labels_give_stable_distinct_keys():
    a1, a2, b = (pki.key_from_label(x) for x in ("a", "a", "b"))
    assert a1.private_numbers() == a2.private_numbers() != b.private_numbers()


@pytest.mark.parametrize("bad", ["", "   ", None, 42])
def test_bad_labels_are_explained(bad):
    with pytest.raises(pki.KeyLabelError, match="key label"):
        pki.key_from_label(bad)


def test_rsa_example_key_is_the_committed_2048_bit_key():
    key = pki.rsa_example_key()
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    assert spki_pin(P.rsa_leaf.cert) == spki_pin(key.public_key())


def test_missing_rsa_key_is_explained(tmp_path):
    with pytest.raises(pki.MissingRSAKeyError, match="cannot be derived"):
        pki.rsa_example_key(tmp_path)


# --- certificates valid under cryptography's webpki policy and openssl ------------------------

@pytest.mark.parametrize("name", VALID_LEAVES)
@pytest.mark.parametrize("at", [COURSE_NOW, LATE], ids=["course-clock", "2045"])
def test_valid_leaves_pass_the_webpki_verifier(name, at):
    issued = getattr(P, name)
    chain = verify(issued.cert, issued.intermediates, [P.root.cert], at=at)
    assert chain[0] == issued.cert and chain[-1] == P.root.cert


def test_rsa_leaf_validates_for_its_host():
    verify(P.rsa_leaf.cert, P.rsa_leaf.intermediates, [P.root.cert], host="rsa.yourapp.com")
    assert isinstance(P.rsa_leaf.cert.public_key(), rsa.RSAPublicKey)


@needs_openssl
@pytest.mark.parametrize("name", [*VALID_LEAVES, "rsa_leaf"])
@pytest.mark.parametrize("clock", ["real", "course"])
def test_valid_leaves_pass_openssl_verify(tmp_path, name, clock):
    issued = getattr(P, name)
    host = HOST if name != "rsa_leaf" else "rsa.yourapp.com"
    at = COURSE_NOW if clock == "course" else None
    code, errors = openssl_verify(tmp_path, issued.cert, issued.intermediates, [P.root.cert], host, at)
    assert (code, errors) == (0, set())


@pytest.mark.parametrize("ca_name, leaf_name", ATTACKS)
def test_attackers_validate_only_where_their_ca_is_trusted(ca_name, leaf_name):
    ca, leaf = getattr(P, ca_name), getattr(P, leaf_name)
    verify(leaf.cert, leaf.chain[1:], [ca.cert])
    verify(leaf.cert, leaf.chain[1:], [P.root.cert, ca.cert])
    with pytest.raises(VerificationError):
        verify(leaf.cert, leaf.chain[1:], [P.root.cert])


def test_every_attack_leaf_claims_the_host_with_a_key_that_is_not_ours():
    ours = {spki_pin(P.leaf.cert), spki_pin(P.leaf_rekeyed.cert),
            spki_pin(P.backup_key.public_key())}
    assert set(P.attackers) == {"rogue CA", "corporate proxy", "government root", "DV mis-issuance"}
    for issued in P.attackers.values():
        san = issued.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert san.get_values_for_type(x509.DNSName) == [HOST]
        assert spki_pin(issued.cert) not in ours
    assert P.misissued_leaf.intermediates == (P.intermediate.cert,)


def test_renewal_rekey_backup_and_intermediate_rotation():
    pin = spki_pin
    assert pin(P.leaf_renewed.cert) == pin(P.leaf.cert)
    assert P.leaf_renewed.cert.serial_number != P.leaf.cert.serial_number
    assert P.leaf_renewed.cert.not_valid_after_utc > P.leaf.cert.not_valid_after_utc
    assert pin(P.leaf_rekeyed.cert) != pin(P.leaf.cert)
    backup = pin(P.backup_key.public_key())
    assert backup not in {pin(P.leaf.cert), pin(P.leaf_rekeyed.cert)}
    assert backup == pin(pki.key_from_label(P.backup_key_label).public_key())
    assert backup == pin(P.leaf_on_backup_key.cert)
    assert P.leaf_via_intermediate2.chain == [P.leaf_via_intermediate2.cert, P.intermediate2.cert]
    assert pin(P.leaf_via_intermediate2.cert) == pin(P.leaf.cert)
    assert pin(P.intermediate2.cert) != pin(P.intermediate.cert)


def test_chain_is_leaf_then_intermediates_without_the_root():
    assert P.leaf.chain == [P.leaf.cert, P.intermediate.cert]
    assert P.rogue_leaf.chain == [P.rogue_leaf.cert]
    assert P.leaf.root == P.root.cert


def _all_certs():
    return [e.cert for e in P.entries if e.cert is not None]


def test_extensions_serials_and_key_identifiers():
    by_subject = {c.subject: c for c in _all_certs()}
    for cert in _all_certs():
        ext = cert.extensions
        assert 0 < cert.serial_number and cert.serial_number.bit_length() <= 159  # at most 20 DER bytes
        bc = ext.get_extension_for_class(x509.BasicConstraints)
        ku = ext.get_extension_for_class(x509.KeyUsage)
        assert bc.critical and ku.critical
        ski = ext.get_extension_for_class(x509.SubjectKeyIdentifier).value
        aki = ext.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        issuer = by_subject[cert.issuer]
        assert aki.key_identifier == issuer.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier).value.digest
        assert ski.digest == x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest
        if bc.value.ca:
            assert ku.value.key_cert_sign and ku.value.crl_sign
        elif ku.value.key_cert_sign:  # only the gallery's deliberately broken issuer
            assert cert.subject.rfc4514_string().startswith("CN=YourApp Signing Service,")
        else:
            assert ku.value.digital_signature
            assert ext.get_extension_for_class(x509.SubjectAlternativeName).value


def test_ca_path_lengths():
    def path_len(ca):
        return ca.cert.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length

    assert path_len(P.root) is None
    assert path_len(P.intermediate) == 0 and path_len(P.intermediate2) == 0
    assert P.root.cert.issuer == P.root.cert.subject


def test_signatures_are_deterministic():
    before = [c.public_bytes(serialization.Encoding.DER) for c in _all_certs()]
    pki.course_pki.cache_clear()
    try:
        again = [c.public_bytes(serialization.Encoding.DER) for c in
                 (e.cert for e in pki.course_pki().entries if e.cert is not None)]
    finally:
        pki.course_pki.cache_clear()
    assert before == again


def test_valid_and_expired_dates_follow_the_course_rules():
    for name in [*VALID_LEAVES, "rsa_leaf"]:
        cert = getattr(P, name).cert
        assert cert.not_valid_before_utc <= COURSE_NOW and cert.not_valid_after_utc >= LATE
    assert P.gallery["expired"].leaf.not_valid_after_utc < COURSE_NOW
    assert P.gallery["not-yet-valid"].leaf.not_valid_before_utc > dt.datetime(2040, 1, 1, tzinfo=UTC)


@needs_openssl
def test_readme_pins_match_the_openssl_pipeline(tmp_path):
    (tmp_path / "c.pem").write_bytes(P.leaf.pem)
    script = (f"openssl x509 -in {tmp_path / 'c.pem'} -pubkey -noout | openssl pkey -pubin -outform DER"
              " | openssl dgst -sha256 -binary | openssl enc -base64")
    out = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == spki_pin(P.leaf.cert)
    readme = (CERTS_DIR / "README.md").read_text()
    assert "| `api.yourapp.com.pem` | the leaf for api.yourapp.com" in readme
    assert f"`{out.stdout.strip()}` |" in readme


# --- the failure gallery ------------------------------------------------------------------------

EXPECTED_MESSAGE = {
    "expired": "not valid at validation time",
    "not-yet-valid": "not valid at validation time",
    "wrong-host": "no matching subjectAltName",
    "issuer-not-a-ca": "basicConstraints.cA must be asserted",
    "path-length-exceeded": "path length constraint violated",
    "wrong-eku": "required EKU not found",
    "tampered-signature": "signature does not match",
    "missing-intermediate": "candidates exhausted",
    "unknown-root": "candidates exhausted",
}
# openssl verify's X509_V_ERR_* numbers @ chain depth. For issuer-not-a-CA, openssl reports the one
# fact (cA=FALSE) twice: 79 "invalid CA certificate" and 26, because -purpose sslserver also asks
# whether that certificate may act as a CA; the fixed twin flips only the cA bit and passes both.
EXPECTED_OPENSSL = {
    "expired": {"10@0"}, "not-yet-valid": {"9@0"}, "wrong-host": {"62@0"},
    "issuer-not-a-ca": {"79@1", "26@1"}, "path-length-exceeded": {"25@2"}, "wrong-eku": {"26@0"},
    "tampered-signature": {"7@0"}, "missing-intermediate": {"20@0"}, "unknown-root": {"20@1"},
    "explicit-curve": {"94@0"},  # OpenSSL refuses explicit curve parameters; cryptography accepts this leaf
}


def test_gallery_names_and_reasons():
    assert {k: c.reason for k, c in P.gallery.items()} == {
        "expired": "expired", "not-yet-valid": "not yet valid", "wrong-host": "wrong host",
        "issuer-not-a-ca": "issuer not a CA", "path-length-exceeded": "path length exceeded",
        "wrong-eku": "wrong EKU", "tampered-signature": "tampered signature",
        "missing-intermediate": "missing intermediate", "unknown-root": "unknown root",
        "explicit-curve": "explicit curve"}
    for case in P.gallery.values():
        assert case.host == HOST and case.roots == [P.root.cert] and case.explanation.endswith(".")


@pytest.mark.parametrize("name", list(EXPECTED_MESSAGE))
def test_gallery_case_fails_and_its_one_fix_passes(name):
    case = P.gallery[name]
    with pytest.raises(VerificationError, match=EXPECTED_MESSAGE[name]):
        verify(case.leaf, case.intermediates, case.roots, case.host, case.at)
    fixed = case.fixed
    changed = [f.name for f in dataclasses.fields(case) if getattr(case, f.name) != getattr(fixed, f.name)]
    assert len(changed) == 2 and changed[0] in {"leaf", "intermediates", "roots", "host", "at"}
    assert changed[1] == "fixed" and fixed.fixed is None
    verify(fixed.leaf, fixed.intermediates, fixed.roots, fixed.host, fixed.at)


def test_reissued_fixes_differ_from_the_broken_cert_in_one_extension_only():
    """wrong EKU and issuer-not-a-CA: the fixed twin has the same subject, key, serial and dates."""
    eku, not_ca, path = (P.gallery[k] for k in ("wrong-eku", "issuer-not-a-ca", "path-length-exceeded"))
    pairs = [(eku.leaf, eku.fixed.leaf, x509.ExtendedKeyUsage),
             (not_ca.intermediates[0], not_ca.fixed.intermediates[0], x509.BasicConstraints),
             (path.intermediates[1], path.fixed.intermediates[1], x509.BasicConstraints)]
    for broken, fixed, ext_class in pairs:
        for attr in ("subject", "issuer", "serial_number", "not_valid_before_utc", "not_valid_after_utc"):
            assert getattr(broken, attr) == getattr(fixed, attr)
        assert spki_pin(broken) == spki_pin(fixed)
        differing = [e.oid for e in broken.extensions if fixed.extensions.get_extension_for_oid(e.oid) != e]
        assert differing == [ext_class.oid]


def test_tampered_signature_differs_by_one_bit():
    case = P.gallery["tampered-signature"]
    a = case.leaf.public_bytes(serialization.Encoding.DER)
    b = case.fixed.leaf.public_bytes(serialization.Encoding.DER)
    assert len(a) == len(b)
    assert sum(bin(x ^ y).count("1") for x, y in zip(a, b, strict=True)) == 1
    assert case.leaf.tbs_certificate_bytes == case.fixed.leaf.tbs_certificate_bytes


def test_path_length_case_has_a_sub_intermediate_under_a_pathlen_0_intermediate():
    sub, inter = P.gallery["path-length-exceeded"].intermediates
    assert inter == P.intermediate.cert
    assert sub.issuer == inter.subject
    assert sub.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    eku = P.gallery["wrong-eku"].leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]


@needs_openssl
@pytest.mark.parametrize("name", list(EXPECTED_OPENSSL))
def test_openssl_agrees_with_each_gallery_case(tmp_path, name):
    case = P.gallery[name]
    code, errors = openssl_verify(tmp_path, case.leaf, case.intermediates, case.roots, case.host, case.at)
    assert code != 0 and errors == EXPECTED_OPENSSL[name]
    fixed = case.fixed
    assert openssl_verify(tmp_path, fixed.leaf, fixed.intermediates, fixed.roots, fixed.host,
                          fixed.at) == (0, set())


# --- the CA's input checks ----------------------------------------------------------------------

def test_ca_rejects_inverted_dates_bad_serials_and_missing_hosts():
    with pytest.raises(pki.CertificateRequestError, match="must come before"):
        P.intermediate.issue_leaf([HOST], serial=9, not_before="2030-01-01", not_after="2029-01-01")
    for serial in (0, -5, 2**160, "7"):
        with pytest.raises(pki.CertificateRequestError, match="serial"):
            P.intermediate.issue_leaf([HOST], serial=serial, not_before="2026-01-01",
                                      not_after="2027-01-01")
    for hosts in ([], None, [""], ["bücher.example"]):
        with pytest.raises(pki.CertificateRequestError, match="host name"):
            P.intermediate.issue_leaf(hosts, serial=9, not_before="2026-01-01", not_after="2027-01-01")


def test_ca_issues_ip_address_leaves_for_loopback():
    issued = P.intermediate.issue_leaf(["localhost", "127.0.0.1"], serial=9, key_label="loopback",
                                       not_before="2026-01-01", not_after="2046-01-01")
    san = issued.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert issued.name == "localhost" and issued.intermediates == (P.intermediate.cert,)


def test_a_lesson_can_build_its_own_hierarchy():
    root = pki.CertificateAuthority.root("Demo Root", key_label="demo root", serial=1,
                                         not_before="2026-01-01", not_after="2040-01-01", path_length=1)
    inter = root.issue_intermediate("Demo CA", key_label="demo ca", serial=2, not_before="2026-01-01",
                                    not_after="2039-01-01")
    leaf = inter.issue_leaf(["demo.test"], serial=3, not_before="2026-01-01", not_after="2027-01-01")
    verify(leaf.cert, leaf.intermediates, [root.cert], host="demo.test")
    assert root.cert.subject.rfc4514_string() == "CN=Demo Root,O=YourApp Inc. (course toy PKI)"
    assert leaf.pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert leaf.key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")


# --- load_certificates --------------------------------------------------------------------------

def test_load_certificates_reads_paths_bytes_text_and_bundles(tmp_path):
    path = tmp_path / "chain.pem"
    path.write_bytes(b"comment line\n" + P.leaf.pem + P.intermediate.pem)
    for source in (path, str(path), path.read_bytes(), path.read_text()):
        assert pem.load_certificates(source) == [P.leaf.cert, P.intermediate.cert]


def test_load_certificates_skips_a_key_next_to_the_certificate():
    assert pem.load_certificates(P.leaf.key_pem + P.leaf.pem) == [P.leaf.cert]


def _error_for(source) -> CourseError:
    with pytest.raises(CourseError) as info:
        pem.load_certificates(source)
    message = str(info.value)
    assert "\n" not in message and message.endswith(".") and message.count(". ") == 0
    return info.value


def test_empty_input_is_explained(tmp_path):
    (tmp_path / "empty.pem").write_bytes(b"")
    err = _error_for(tmp_path / "empty.pem")
    assert isinstance(err, pem.EmptyCertificateError) and "empty.pem is empty" in str(err)
    assert isinstance(_error_for(b"  \n"), pem.EmptyCertificateError)


def test_der_is_recognised_with_the_conversion_command(tmp_path):
    (tmp_path / "leaf.der").write_bytes(P.leaf.cert.public_bytes(serialization.Encoding.DER))
    err = _error_for(tmp_path / "leaf.der")
    assert isinstance(err, pem.DERInsteadOfPEMError)
    assert "openssl x509 -inform DER -in f.der -out f.pem" in str(err)


def test_der_private_key_is_recognised():
    der = P.leaf.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())
    assert isinstance(_error_for(der), pem.PrivateKeyInsteadOfCertificateError)


def test_private_key_is_recognised(tmp_path):
    (tmp_path / "k.pem").write_bytes(P.leaf.key_pem)
    err = _error_for(tmp_path / "k.pem")
    assert isinstance(err, pem.PrivateKeyInsteadOfCertificateError) and "private key" in str(err)
    assert isinstance(_error_for(Path(CERTS_DIR) / "yourapp-root.key.pem"),
                      pem.PrivateKeyInsteadOfCertificateError)


def test_garbage_other_pem_and_damaged_pem_are_explained():
    assert type(_error_for(b"hello, I am not a certificate")) is pem.CertificateFormatError
    public = P.leaf.cert.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    assert "PUBLIC KEY" in str(_error_for(public))
    damaged = P.leaf.pem.replace(b"MII", b"M!I", 1)
    assert "does not decode" in str(_error_for(damaged))


def test_missing_file_and_wrong_type_are_explained(tmp_path):
    assert isinstance(_error_for(tmp_path / "nope.pem"), pem.CertificateFileError)
    assert "not int" in str(_error_for(42))


def test_all_errors_are_course_errors():
    for cls in (pki.KeyLabelError, pki.MissingRSAKeyError, pki.CertificateRequestError, pki.ServerChainError,
                pem.CertificateFormatError, pem.EmptyCertificateError, pem.DERInsteadOfPEMError,
                pem.PrivateKeyInsteadOfCertificateError, pem.CertificateFileError, pem.NotAPrivateKeyError):
        assert issubclass(cls, BadInputError)


def test_reprs_show_no_memory_addresses():
    shown = [repr(P), repr(P.leaf), repr(P.root), repr(P.gallery["expired"]), *map(repr, P.entries)]
    assert not [text for text in shown if " at 0x" in text]
    assert P.leaf.chain == [P.leaf.cert, P.intermediate.cert]


# --- trustme-like defaults and the two context builders -------------------------------------------

def test_defaults_derive_the_key_and_serial_from_the_name_and_use_the_course_validity():
    root = pki.CertificateAuthority.root("Defaults Root")
    again = pki.CertificateAuthority.root("Defaults Root")
    other = pki.CertificateAuthority.root("Another Root")
    assert root.cert == again.cert                                  # deterministic
    assert root.cert.serial_number != other.cert.serial_number      # derived from the name
    assert 0 < root.cert.serial_number < 2**63
    assert root.cert.not_valid_before_utc == pki.ROOT_VALIDITY["not_before"]
    leaf = root.issue_intermediate("Defaults CA").issue_leaf(["defaults.example"])
    assert leaf.key_label == "defaults.example key"
    assert leaf.cert.not_valid_after_utc.year == 2046               # twenty years from 2026-06-01


def test_configure_cert_and_configure_trust_make_a_real_handshake(tmp_path):
    import ssl

    server = P.leaf.configure_cert(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
    client = P.root.configure_trust(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    c = client.wrap_bio(c_in, c_out, server_hostname=HOST)
    s = server.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(10):
        for end in (c, s):
            try:
                end.do_handshake()
            except ssl.SSLWantReadError:
                pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
    assert c.getpeercert()["subject"] == ((("commonName", HOST),),)


def test_a_key_that_does_not_match_the_chain_is_explained():
    import ssl

    with pytest.raises(pki.ServerChainError, match="does not match"):
        pki.ca.present(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER), P.leaf.chain, P.backup_key)


def test_the_cross_signed_intermediate_shares_name_and_key_with_the_course_intermediate():
    cross, inter = P.intermediate_cross_signed.cert, P.intermediate.cert
    assert cross.subject == inter.subject and cross.public_key() == inter.public_key()
    assert cross.issuer == P.root2.cert.subject != inter.issuer


def test_the_other_public_ca_issued_the_backup_key():
    assert P.leaf_other_ca.cert.public_key() == P.backup_key.public_key()
    assert P.leaf_other_ca.root == P.other_ca.cert
    verify(P.leaf_other_ca.cert, P.leaf_other_ca.intermediates, [P.other_ca.cert])
