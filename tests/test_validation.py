"""The explaining validator: path building, each check, the report, and the three references.

Where our verdict differs from cryptography's, the test says why, with a source: see
``DISAGREEMENTS`` and the tests under "where we are deliberately strict".
"""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from helpers.clock import ClockError
from helpers.course import HOST
from helpers.errors import CourseError
from helpers.pem import NotCertificatesError
from helpers.pki import CertificateAuthority, course_pki, key_from_label
from helpers.validation import (
    HostNameError,
    Status,
    compare,
    compare_case,
    cryptography_verdict,
    explain,
    gallery_table,
    openssl_verdict,
)
from helpers.validation.compare import GALLERY_SPLITS

PKI = course_pki()
UTC = dt.UTC
NOW = dt.datetime(2026, 9, 1, 12, tzinfo=UTC)


def good():
    return PKI.leaf.cert, [PKI.intermediate.cert], [PKI.root.cert]


def leaf_with(sans=None, cn=HOST, eku=(ExtendedKeyUsageOID.SERVER_AUTH,)):
    """A leaf from the course intermediate with chosen SAN entries (None: no SAN at all)."""
    key, inter = key_from_label("validation test leaf"), PKI.intermediate
    b = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
         .issuer_name(inter.cert.subject).public_key(key.public_key()).serial_number(777)
         .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=UTC)).not_valid_after(dt.datetime(2046, 1, 1, tzinfo=UTC))
         .add_extension(x509.BasicConstraints(False, None), True)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(inter.key.public_key()), False))
    if sans is not None:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), False)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(list(eku)), False)
    return b.sign(inter.key, hashes.SHA256(), ecdsa_deterministic=True)


# --- the valid chain -------------------------------------------------------------------------------

def test_the_course_chain_is_valid_and_every_step_is_named():
    report = explain(*good(), HOST)
    assert report.valid and report.reason == "valid"
    assert [c.subject for c in report.path] == [PKI.leaf.cert.subject, PKI.intermediate.cert.subject,
                                                PKI.root.cert.subject]
    checks = {s.check for s in report.steps}
    for needed in ["signature", "validity window", "issuer is a CA", "path length", "hostname",
                   "serverAuth EKU", "trust anchor", "name constraints", "revocation"]:
        assert needed in checks
    assert sum(s.check == "signature" for s in report.steps) == 2  # one per link
    assert sum(s.check == "validity window" for s in report.steps) == 3  # one per certificate
    assert all(s.text.endswith(".") and s.text[0].isupper() for s in report.steps)


def test_unimplemented_checks_say_not_checked_and_never_passed():
    report = explain(*good(), HOST)
    unimplemented = {"certificate policies", "revocation", "certificate transparency"}
    for step in report.steps:
        if step.check in unimplemented:
            assert step.status == Status.NOT_CHECKED
    assert report.counts()[Status.NOT_CHECKED] == 3
    assert [s.status for s in report.steps if s.check == "name constraints"] == [Status.PASSED]


def test_default_time_is_the_course_clock():
    assert explain(*good(), HOST).at == NOW


def test_all_four_validators_accept_the_course_chain():
    result = compare(*good(), HOST)
    assert result.report.valid and result.cryptography.valid and result.openssl.valid and result.strict.valid
    assert result.strict.tool == "OpenSSL strict" and result.agree


# --- the failure gallery ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(PKI.gallery))
def test_each_gallery_case_fails_for_exactly_its_one_reason_and_the_references_agree_or_say_why(name):
    case = PKI.gallery[name]
    result = compare_case(case)
    assert [s.reason for s in result.report.failures] == [case.reason]
    accepted_by = [v.tool for v in result.references if v.valid]
    assert accepted_by == ([GALLERY_SPLITS[name][0]] if name in GALLERY_SPLITS else []), result.row()


@pytest.mark.parametrize("name", sorted(n for n, c in PKI.gallery.items() if c.fixed))
def test_each_repaired_gallery_case_validates_everywhere(name):
    fixed = PKI.gallery[name].fixed
    result = compare_case(fixed)
    assert result.report.valid and all(v.valid for v in result.references), result.row()


def test_gallery_table_has_every_case_and_the_only_split_is_explained():
    table = gallery_table(PKI.gallery)
    assert [r.name for r in table.rows] == list(PKI.gallery)
    assert table.splits == list(GALLERY_SPLITS) == ["explicit-curve"]
    assert "✗" in table.text() and "<table>" in table._repr_html_()
    assert table.text().splitlines()[0].endswith("  OpenSSL -x509_strict")
    assert repr(table) == "<Comparisons of 10 chains; all verdicts agree: False (not on explicit-curve)>"


def test_cryptography_says_candidates_exhausted_for_both_unknown_root_and_missing_intermediate():
    """FACTS.md: the reference cannot tell these apart; our steps can."""
    unknown, missing = compare_case(PKI.gallery["unknown-root"]), compare_case(PKI.gallery["missing-intermediate"])
    assert "candidates exhausted" in unknown.cryptography.message
    assert "candidates exhausted" in missing.cryptography.message
    assert unknown.report.reason == "unknown root" and missing.report.reason == "missing intermediate"


# --- path building ---------------------------------------------------------------------------------

def test_path_building_tries_every_candidate_and_explains_the_rejected_one():
    """An impostor CA with the intermediate's exact name comes first; the real one still wins."""
    inter = PKI.intermediate
    impostor = PKI.root.issue_intermediate("impostor", common_name="YourApp Issuing CA 1", key_label="impostor",
                                           serial=9001, not_before="2025-01-01", not_after="2048-01-01")
    report = explain(PKI.leaf.cert, [impostor.cert, inter.cert], [PKI.root.cert], HOST)
    assert report.valid and report.path[1] == inter.cert
    assert len(report.rejected) == 1 and "signature" in report.rejected[0].why
    assert cryptography_verdict(PKI.leaf.cert, [impostor.cert, inter.cert], [PKI.root.cert], HOST, NOW).valid


def test_a_cross_signed_intermediate_gives_two_paths():
    """The same intermediate (name and key) signed by the course root and by a second root."""
    other = CertificateAuthority.root("other", common_name="Other Root", key_label="other root for x-sign",
                                      serial=9101, not_before="2025-01-01", not_after="2049-01-01")
    cross = other.issue_intermediate("x", common_name="YourApp Issuing CA 1", key_label="yourapp intermediate 1",
                                     serial=9102, not_before="2025-01-01", not_after="2048-01-01")
    both = [PKI.leaf.cert, [PKI.intermediate.cert, cross.cert]]
    only_other = explain(*both, [other.cert], HOST)
    assert only_other.valid and only_other.path[-1] == other.cert
    assert len(only_other.rejected) == 1  # the path through the course root's certificate dead-ends
    assert explain(*both, [PKI.root.cert], HOST).valid
    assert cryptography_verdict(*both, [other.cert], HOST, NOW).valid


def test_openssl_does_not_backtrack_between_two_copies_of_a_cross_signed_intermediate():
    """What lesson 03 shows: OpenSSL takes the first matching untrusted intermediate; we and
    cryptography try both, so only OpenSSL's verdict depends on the order the server sends."""
    other = CertificateAuthority.root("other", common_name="Other Root", key_label="other root for x-sign",
                                      serial=9101, not_before="2025-01-01", not_after="2049-01-01")
    cross = other.issue_intermediate("x", common_name="YourApp Issuing CA 1", key_label="yourapp intermediate 1",
                                     serial=9102, not_before="2025-01-01", not_after="2048-01-01")
    for sent, trusted_first in [([PKI.intermediate.cert, cross.cert], PKI.root.cert),
                                ([cross.cert, PKI.intermediate.cert], other.cert)]:
        for store in ([PKI.root.cert], [other.cert]):
            result = compare(PKI.leaf.cert, sent, store, HOST)
            assert result.report.valid and result.cryptography.valid
            assert result.openssl.valid is (store[0] == trusted_first)


def test_chain_order_duplicates_and_extras_do_not_matter():
    extras = [PKI.rogue_ca.cert, PKI.intermediate.cert, PKI.intermediate.cert, PKI.root.cert]
    report = explain(PKI.leaf.cert, extras, [PKI.root.cert], HOST)
    assert report.valid
    assert any("Compromised Public Root CA" in note for note in report.notes)


def test_a_leaf_in_the_store_is_a_trust_anchor_for_cryptography_and_for_us_but_not_openssl():
    leaf = PKI.leaf.cert
    assert explain(leaf, [], [leaf], HOST).valid
    assert cryptography_verdict(leaf, [], [leaf], HOST, NOW).valid
    assert not openssl_verdict(leaf, [], [leaf], HOST, NOW).valid  # needs -partial_chain


def test_the_anchor_self_signature_is_not_what_makes_it_trusted():
    """Trust comes from being in the store; nobody verifies a root's signature on itself."""
    der = bytearray(PKI.root.cert.public_bytes(Encoding.DER))
    der[-1] ^= 1
    tampered_root = x509.load_der_x509_certificate(bytes(der))
    assert explain(PKI.leaf.cert, [PKI.intermediate.cert], [tampered_root], HOST).valid
    assert cryptography_verdict(PKI.leaf.cert, [PKI.intermediate.cert], [tampered_root], HOST, NOW).valid


def test_no_anchors_at_all_is_invalid_everywhere():
    leaf, inters, _ = good()
    assert not explain(leaf, inters, [], HOST).valid
    assert not cryptography_verdict(leaf, inters, [], HOST, NOW).valid


# --- hostname rules --------------------------------------------------------------------------------

@pytest.mark.parametrize("sans, host, ok", [
    (["*.yourapp.com"], "api.yourapp.com", True),
    (["*.yourapp.com"], "yourapp.com", False),            # the wildcard needs a label to cover
    (["*.yourapp.com"], "v2.api.yourapp.com", False),     # ...and covers exactly one
    (["api*.yourapp.com"], "api1.yourapp.com", False),    # partial wildcards match nothing
    (["api.*.com"], "api.yourapp.com", False),            # only the left-most label may be a wildcard
    (["API.YourApp.com"], "api.yourapp.COM", True),       # case-insensitive
    (["www.yourapp.com", "api.yourapp.com"], "api.yourapp.com", True),
])
def test_hostname_rules_agree_with_cryptography(sans, host, ok):
    leaf = leaf_with(sans)
    report = explain(leaf, [PKI.intermediate.cert], [PKI.root.cert], host)
    assert report.valid is ok
    assert cryptography_verdict(leaf, [PKI.intermediate.cert], [PKI.root.cert], host, NOW).valid is ok
    if not ok:
        assert report.reason == "wrong host"


def test_there_is_no_common_name_fallback_except_in_the_openssl_command():
    """A leaf whose CN is the host but with no SAN: we and cryptography refuse it. The openssl
    command still falls back to the CN when a certificate has no DNS SAN at all (browsers do not;
    Python's ssl does unless hostname_checks_common_name is set to False)."""
    leaf = leaf_with(sans=None, cn=HOST)
    report = explain(leaf, [PKI.intermediate.cert], [PKI.root.cert], HOST)
    assert report.reason == "wrong host" and "CN is never used" in report.failed_step.text
    assert not cryptography_verdict(leaf, [PKI.intermediate.cert], [PKI.root.cert], HOST, NOW).valid
    assert openssl_verdict(leaf, [PKI.intermediate.cert], [PKI.root.cert], HOST, NOW).valid


def test_ip_addresses_match_only_ip_sans():
    ca = PKI.intermediate
    leaf = ca.issue_leaf(["127.0.0.1"], serial=9201, key_label="ip leaf", not_before="2026-01-01",
                         not_after="2046-01-01")
    assert explain(leaf, [ca.cert], [PKI.root.cert], "127.0.0.1").valid
    assert not explain(leaf, [ca.cert], [PKI.root.cert], "127.0.0.2").valid
    assert openssl_verdict(leaf.cert, [ca.cert], [PKI.root.cert], "127.0.0.1", NOW).valid


def test_a_leaf_without_eku_is_accepted_as_any_purpose():
    leaf = leaf_with([HOST], eku=None)
    assert explain(leaf, [PKI.intermediate.cert], [PKI.root.cert], HOST).valid
    assert cryptography_verdict(leaf, [PKI.intermediate.cert], [PKI.root.cert], HOST, NOW).valid


# --- the report ------------------------------------------------------------------------------------

def test_report_renders_symbols_and_words_never_colour_alone():
    case = PKI.gallery["expired"]
    report = explain(case.leaf, case.intermediates, case.roots, case.host)
    html = report._repr_html_()
    assert "✗ failed" in html and "✓ passed" in html and "– not checked" in html
    assert "color" not in html.lower()
    text = report.text()
    assert text.startswith("INVALID (expired)") and "✗ failed" in text
    assert repr(report) == "<Report expired: 19 passed, 1 failed, 3 not checked>"


def test_time_boundaries_follow_rfc_5280_inclusive_not_after():
    end = PKI.leaf.cert.not_valid_after_utc
    assert explain(*good(), HOST, at=end).valid
    assert explain(*good(), HOST, at=end + dt.timedelta(seconds=1)).reason == "expired"
    assert cryptography_verdict(*good(), HOST, end).valid


def test_at_accepts_iso_text():
    assert explain(*good(), HOST, at="2030-01-02").at == dt.datetime(2030, 1, 2, tzinfo=UTC)


# --- bad input -------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, error", [
    (lambda: explain(b"not a cert", [], [PKI.root.cert], HOST), NotCertificatesError),
    (lambda: explain(PKI.leaf.cert, "intermediate.pem", [PKI.root.cert], HOST), NotCertificatesError),
    (lambda: explain(PKI.leaf.cert, [], ["root.pem"], HOST), NotCertificatesError),
    (lambda: explain(PKI.leaf.cert, [], [PKI.root.cert], "*.yourapp.com"), HostNameError),
    (lambda: explain(PKI.leaf.cert, [], [PKI.root.cert], ""), HostNameError),
    (lambda: explain(PKI.leaf.cert, [], [PKI.root.cert], HOST, at="soon"), ClockError),
])
def test_bad_input_raises_one_sentence_course_errors(call, error):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, CourseError)
    message = str(info.value)
    assert message.endswith(".") and "\n" not in message


def test_course_objects_are_accepted_in_place_of_certificates():
    assert explain(PKI.leaf, [PKI.intermediate], [PKI.root], HOST).valid


def test_failed_steps_carry_a_status_and_reason():
    report = explain(*good(), "www.yourapp.com")
    assert report.failed_step.status == Status.FAILED and report.failed_step.reason == "wrong host"
    assert all(s.status in (Status.PASSED, Status.FAILED, Status.NOT_CHECKED) for s in report.steps)


# --- where we are deliberately strict --------------------------------------------------------------

def _intermediate_with(extension, critical=False, label="strict test CA"):
    """The course root issues a CA certificate that carries one extra extension."""
    key, root = key_from_label(label), PKI.root
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, label)]))
            .issuer_name(root.cert.subject).public_key(key.public_key()).serial_number(8801)
            .not_valid_before(dt.datetime(2025, 1, 1, tzinfo=UTC)).not_valid_after(dt.datetime(2048, 1, 1, tzinfo=UTC))
            .add_extension(x509.BasicConstraints(True, 0), True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root.key.public_key()), False)
            .add_extension(extension, critical)
            .sign(root.key, hashes.SHA256(), ecdsa_deterministic=True))
    ca = CertificateAuthority(label, cert, key, (root.cert,), label)
    leaf = ca.issue_leaf([HOST], serial=8802, key_label="strict test leaf", not_before="2026-01-01",
                         not_after="2046-01-01")
    return leaf.cert, [cert], [root.cert]


@pytest.mark.parametrize("subtrees, ok", [
    (dict(permitted_subtrees=[x509.DNSName("yourapp.com")], excluded_subtrees=None), True),
    (dict(permitted_subtrees=None, excluded_subtrees=[x509.DNSName("api.yourapp.com")]), False),
])
def test_name_constraints_are_enforced_as_a_step_like_cryptography(subtrees, ok):
    """The explaining validator now applies helpers.validation.constraints (RFC 5280 4.2.1.10)."""
    chain = _intermediate_with(x509.NameConstraints(**subtrees), critical=True)
    report = explain(*chain, HOST)
    step = next(s for s in report.steps if s.check == "name constraints")
    assert report.valid is ok and step.status == (Status.PASSED if ok else Status.FAILED)
    assert cryptography_verdict(*chain, HOST, NOW).valid is ok


def test_an_unknown_critical_extension_is_refused_like_cryptography_does():
    unknown = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x05\x00")
    chain = _intermediate_with(unknown, critical=True, label="odd CA")
    report = explain(*chain, HOST)
    assert report.reason == "malformed" and "does not understand" in report.failed_step.text
    assert not cryptography_verdict(*chain, HOST, NOW).valid


def test_a_ca_restricted_to_any_eku_is_refused_like_openssl_but_unlike_cryptography():
    """The one justified disagreement with cryptography, recorded in the property test too."""
    eku = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE])
    chain = _intermediate_with(eku, label="any-EKU CA")
    assert explain(*chain, HOST).reason == "wrong EKU"
    assert cryptography_verdict(*chain, HOST, NOW).valid
    assert not openssl_verdict(*chain, HOST, NOW).valid


# --- malformed certificates: a rejection with the failing step, never a traceback -----------------

#: Every kind of chain on which our verdict differs from cryptography's, with the source for why.
#: Each is a chain we reject and cryptography accepts; the tests below fail on any other difference.
DISAGREEMENTS = {
    "forbidden key": "CA/B Forum Baseline Requirements 6.1.5 and 7.1.3.1 allow only RSA (2048 bits or more) "
                     "and ECDSA on named P-256/P-384/P-521 keys, in every certificate; cryptography's verifier "
                     "checks the key algorithm only of keys that sign (valid_issuer in "
                     "cryptography-x509-verification/src/policy/mod.rs), so a leaf's key is never checked",
    "explicit curve": "the same rule (BR 7.1.3.1: namedCurve only), and the CurveBall attack (CVE-2020-0601) "
                      "that explicit parameters made possible; both OpenSSL runs refuse it too (error 94)",
    "malformed": "RFC 5280 4.1.2.4/4.1.2.6 names are DirectoryStrings, and a UTF8String must be valid UTF-8 "
                 "(RFC 3629); cryptography's verifier compares names as raw bytes and never decodes them",
    "wrong EKU": "a CA whose EKU is only anyExtendedKeyUsage: BR 7.1.2.10.6 forbids it in CA certificates and "
                 "OpenSSL refuses it; cryptography ignores that rule (see test_validation_property.JUSTIFIED)",
}
ECDSA_SHA256 = bytes.fromhex("06082a8648ce3d040302")
SAN = x509.SubjectAlternativeName([x509.DNSName(HOST)])


def tlv(tag: int, content: bytes) -> bytes:
    """One DER element, written here independently of helpers.der."""
    n = len(content)
    size = (n.bit_length() + 7) // 8
    return bytes([tag]) + (bytes([n]) if n < 0x80 else bytes([0x80 | size]) + n.to_bytes(size, "big")) + content


def resign(tbs: bytes, key=None) -> x509.Certificate:
    """A certificate around ``tbs``, signed (deterministically) by the course intermediate."""
    key = key or PKI.intermediate.key
    signature = key.sign(tbs, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    return x509.load_der_x509_certificate(tlv(0x30, tbs + tlv(0x30, ECDSA_SHA256) + tlv(0x03, b"\0" + signature)))


def patched(cert: x509.Certificate, old: bytes, new: bytes, key=None) -> x509.Certificate:
    """``cert`` with ``old`` replaced by ``new`` (same length) in its signed bytes, signed again."""
    tbs = cert.tbs_certificate_bytes
    assert tbs.count(old) == 1 and len(old) == len(new)
    return resign(tbs.replace(old, new), key)


def with_spki(cert: x509.Certificate, spki: bytes) -> x509.Certificate:
    """``cert`` with another SubjectPublicKeyInfo, signed again (the TBS length is re-encoded)."""
    named = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    body = cert.tbs_certificate_bytes[4:]  # a TBS longer than 255 bytes: tag 30, 82, two length bytes
    assert cert.tbs_certificate_bytes[:2] == b"\x30\x82" and body.count(named) == 1
    return resign(tlv(0x30, body.replace(named, spki)))


def malformed_leaf(*extensions, cn=HOST, key=None) -> x509.Certificate:
    """A leaf from the course intermediate with chosen extensions (raw ones included), not yet broken."""
    key = key or key_from_label("malformed test leaf")
    b = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
         .issuer_name(PKI.intermediate.cert.subject).public_key(key.public_key()).serial_number(4242)
         .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=UTC)).not_valid_after(dt.datetime(2046, 1, 1, tzinfo=UTC))
         .add_extension(x509.BasicConstraints(False, None), True)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(PKI.intermediate.key.public_key()), False))
    for extension, critical in extensions:
        b = b.add_extension(extension, critical)
    return b.sign(PKI.intermediate.key, hashes.SHA256(), ecdsa_deterministic=True)


def raw(oid, value: bytes):
    return x509.UnrecognizedExtension(oid, value)


def _duplicate_san():
    placeholder = x509.ObjectIdentifier("2.5.29.99")  # same encoded length as 2.5.29.17, then renamed
    cert = malformed_leaf((SAN, False), (raw(placeholder, SAN.public_bytes()), False))
    return patched(cert, bytes.fromhex("0603551d63"), bytes.fromhex("0603551d11"))


def _explicit_curve_intermediate():
    from helpers.pki.gallery import with_explicit_curve

    inter = with_explicit_curve(PKI.intermediate.cert, PKI.root.key)
    return PKI.leaf.cert, [inter], [PKI.root.cert]


def _bad_name_constraints_ca():
    """A CA whose nameConstraints says its DNS name is 12 bytes long; 11 follow."""
    nc = x509.NameConstraints(permitted_subtrees=[x509.DNSName("yourapp.com")], excluded_subtrees=None)
    leaf, (inter,), roots = _intermediate_with(nc, critical=True, label="bad NC CA")
    return leaf, [patched(inter, b"\x82\x0byourapp.com", b"\x82\x0cyourapp.com", PKI.root.key)], roots


def _leaf_chain(cert):
    return cert, [PKI.intermediate.cert], [PKI.root.cert]


def _odd_spki(algorithm: bytes, key_bits: bytes):
    return with_spki(malformed_leaf((SAN, False)), tlv(0x30, tlv(0x30, algorithm) + tlv(0x03, b"\0" + key_bits)))


EC_OID, UNKNOWN_OID = bytes.fromhex("06072a8648ce3d0201"), bytes.fromhex("06032a0304")
MALFORMED = {  # name: (chain, (failing check, reason, words in its sentence), cryptography accepts)
    "duplicate SAN": (lambda: _leaf_chain(_duplicate_san()), ("format", "malformed", "subjectAltName extension "
                      "twice"), False),
    "malformed SAN": (lambda: _leaf_chain(malformed_leaf((raw(ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
                      b"\x30\x03\x82\x05a"), False))), ("format", "malformed", "subjectAltName extension"), False),
    "malformed KeyUsage": (lambda: _leaf_chain(malformed_leaf((SAN, False), (raw(ExtensionOID.KEY_USAGE,
                           b"\x04\x01\x00"), True))), ("format", "malformed", "keyUsage extension"), False),
    "malformed AIA": (lambda: _leaf_chain(malformed_leaf((SAN, False), (raw(
                      ExtensionOID.AUTHORITY_INFORMATION_ACCESS, b"\x30\x02\x05\x00"), False))),
                      ("format", "malformed", "authorityInfoAccess extension"), False),
    "empty EKU": (lambda: _leaf_chain(malformed_leaf((SAN, False), (raw(ExtensionOID.EXTENDED_KEY_USAGE,
                  b"\x30\x00"), False))), ("format", "malformed", "extendedKeyUsage extension"), False),
    "bad nameConstraints encoding on the CA": (_bad_name_constraints_ca, ("format", "malformed",
                                               "nameConstraints extension"), False),
    "invalid UTF-8 in the subject": (lambda: _leaf_chain(patched(malformed_leaf((SAN, False), cn="QQQQQQQQ"),
                                     b"QQQQQQQQ", b"\xff\xfe\xfdQQQQQ")),
                                     ("format", "malformed", "subject name does not decode"), True),
    "unknown key algorithm": (lambda: _leaf_chain(_odd_spki(UNKNOWN_OID + b"\x05\x00", b"\x01" * 32)),
                              ("public key", "forbidden key", "1.2.3.4) is neither RSA nor EC"), True),
    "unknown curve": (lambda: _leaf_chain(_odd_spki(EC_OID + UNKNOWN_OID, b"\x04" + b"\x01" * 64)),
                      ("public key", "forbidden key", "curve (1.2.3.4) is not P-256"), True),
    "secp256k1": (lambda: _leaf_chain(malformed_leaf((SAN, False), key=ec.derive_private_key(7, ec.SECP256K1()))),
                  ("public key", "forbidden key", "curve (1.3.132.0.10)"), True),
    "explicit curve on the leaf": (lambda: _leaf_chain(PKI.gallery["explicit-curve"].leaf),
                                   ("public key", "explicit curve", "CVE-2020-0601"), True),
    "explicit curve on the CA": (_explicit_curve_intermediate, ("public key", "explicit curve", "CurveBall"), False),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_certificate_is_a_rejection_with_its_step_never_a_traceback(name):
    make, (check, reason, words), cryptography_accepts = MALFORMED[name]
    chain = make()
    report = explain(*chain, HOST)
    failed = report.failed_step
    assert (failed.check, failed.reason) == (check, reason) and words in failed.text, failed
    assert report.text() and report._repr_html_()  # renders, names included
    verdict = cryptography_verdict(*chain, HOST, NOW)
    assert verdict.valid is cryptography_accepts, verdict
    if cryptography_accepts:
        assert reason in DISAGREEMENTS


def test_a_malformed_certificate_stops_the_other_checks_and_says_so():
    report = explain(*MALFORMED["malformed SAN"][0](), HOST)
    assert [s.check for s in report.steps] == ["format", "every other check"]
    assert report.steps[1].status == Status.NOT_CHECKED and "cannot be read" in report.steps[1].text


def test_the_reference_columns_never_crash_on_a_malformed_certificate():
    result = compare(*MALFORMED["invalid UTF-8 in the subject"][0](), HOST)
    assert not result.report.valid and result.cryptography.valid and not result.openssl.valid


def test_der_reader_agrees_with_cryptography_on_well_formed_certificates():
    from helpers import der

    for cert in [PKI.leaf.cert, PKI.intermediate.cert, PKI.root.cert, PKI.rsa_leaf.cert]:
        assert der.raw_name(cert, "subject") == cert.subject.public_bytes()
        assert der.raw_name(cert, "issuer") == cert.issuer.public_bytes()
        assert der.extension_oids(cert) == [e.oid.dotted_string for e in cert.extensions]
    assert der.key_algorithm(PKI.leaf.cert) == ("EC", "P-256")
    assert der.key_algorithm(PKI.rsa_leaf.cert) == ("RSA", "NULL")
    assert der.key_algorithm(PKI.gallery["explicit-curve"].leaf) == ("EC", "explicit")


def test_the_explicit_curve_leaf_is_the_same_key_that_cryptography_calls_p256():
    """Why the check reads the DER: cryptography reports the explicit parameters as plain P-256."""
    case = PKI.gallery["explicit-curve"]
    assert case.leaf.public_key() == case.fixed.leaf.public_key()
    assert case.leaf.public_key().curve.name == "secp256r1"
    assert case.leaf.tbs_certificate_bytes != case.fixed.leaf.tbs_certificate_bytes


# --- host names no certificate can match -----------------------------------------------------------

@pytest.mark.parametrize("host", ["a_b.yourapp.com", "_acme-challenge.yourapp.com"])
def test_a_host_name_with_an_underscore_is_a_verdict_not_an_input_error(host):
    report = explain(*good(), host)
    assert report.reason == "unmatchable host name" and "underscore" in report.failed_step.text
    assert report.failed_step.check == "hostname"
    verdict = cryptography_verdict(*good(), host, NOW)
    assert not verdict.valid and "invalid domain name" in verdict.message


def test_a_leaf_with_thousands_of_san_entries_is_listed_briefly():
    leaf = leaf_with([f"host{i}.yourapp.com" for i in range(2000)])
    report = explain(leaf, [PKI.intermediate], [PKI.root], HOST)
    assert report.reason == "wrong host" and "and 1990 more; none covers" in report.failed_step.text
    assert len(report.failed_step.text) < 600


# --- the path search budget ------------------------------------------------------------------------

def same_name_cas(count: int = 8) -> list[x509.Certificate]:
    """``count`` CAs named like the course intermediate, each naming that name as its issuer too:
    the leaf's issuer matches all of them, and so does each one's, so there are count! orders to try."""
    subject = PKI.intermediate.cert.subject
    keys = [key_from_label(f"same-name CA {i}") for i in range(count)]
    return [x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(keys[i].public_key())
            .serial_number(500 + i).not_valid_before(dt.datetime(2025, 1, 1, tzinfo=UTC))
            .not_valid_after(dt.datetime(2040, 1, 1, tzinfo=UTC)).add_extension(x509.BasicConstraints(True, None), True)
            .sign(keys[(i + 1) % count], hashes.SHA256(), ecdsa_deterministic=True) for i in range(count)]


def test_eight_cas_with_one_name_hit_the_search_limit_quickly():
    """The issue's 4 kB file took 70 s; the budget stops it, and the report says why."""
    import time

    from helpers.validation.paths import MAX_ISSUER_CHECKS

    loop = same_name_cas()
    leaf = malformed_leaf((SAN, False))
    start = time.perf_counter()
    report = explain(leaf, loop, [PKI.root.cert], HOST)
    assert time.perf_counter() - start < 3
    assert report.reason == "path search limit reached" and report.failed_step.check == "path building"
    assert f"{MAX_ISSUER_CHECKS} candidate issuers" in report.failed_step.text
    assert "... and" in report.text()  # the rejected paths are capped in the text
    assert not cryptography_verdict(leaf, loop, [PKI.root.cert], HOST, NOW).valid


def test_a_valid_path_found_before_the_limit_still_counts():
    """The real intermediate (its SKI matches the leaf's AKI) is tried first, as cryptography tries it."""
    decoys = same_name_cas()
    report = explain(PKI.leaf, [PKI.intermediate, *decoys], [PKI.root], HOST)
    assert report.valid and any("stopped after" in note for note in report.notes)
    assert cryptography_verdict(PKI.leaf.cert, [PKI.intermediate.cert, *decoys], [PKI.root.cert], HOST, NOW).valid


@pytest.mark.parametrize("budget", [0, 1, 5, 128])
def test_build_paths_never_tries_more_candidates_than_its_budget(budget):
    from helpers.validation.paths import build_paths

    search = build_paths(PKI.leaf.cert, same_name_cas(5), [PKI.root.cert], budget)
    assert search.checks <= budget and search.exhausted


# --- the strict OpenSSL reference ------------------------------------------------------------------

def test_x509_strict_refuses_a_ca_with_non_critical_basic_constraints_as_we_and_cryptography_do():
    """Where plain OpenSSL (RFC 5280 leniency) and the Web PKI profile split: -x509_strict sides with us."""
    key, root = key_from_label("lenient CA"), PKI.root
    cert = root.sign(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Lenient CA")]), key.public_key(), 8901,
                     "2025-01-01", "2048-01-01", [(x509.BasicConstraints(True, 0), False),
                                                  (x509.KeyUsage(False, False, False, False, False, True, True,
                                                                 False, False), True)])
    ca = CertificateAuthority("lenient", cert, key, (root.cert,), "lenient CA")
    leaf = ca.issue_leaf([HOST], serial=8902, key_label="lenient leaf", not_before="2026-01-01",
                         not_after="2046-01-01")
    result = compare(leaf, [ca], [root], HOST)
    assert result.report.reason == "issuer not a CA" and "not marked critical" in result.report.failed_step.text
    assert not result.cryptography.valid and result.openssl.valid and not result.strict.valid
    assert "critical" in result.strict.message.lower()


def test_x509_strict_refuses_a_leaf_without_an_authority_key_identifier_as_we_and_cryptography_do():
    leaf = leaf_with([HOST], eku=None)
    no_aki = (x509.CertificateBuilder().subject_name(leaf.subject).issuer_name(leaf.issuer)
              .public_key(leaf.public_key()).serial_number(778).not_valid_before(leaf.not_valid_before_utc)
              .not_valid_after(leaf.not_valid_after_utc).add_extension(x509.BasicConstraints(False, None), True)
              .add_extension(SAN, False).sign(PKI.intermediate.key, hashes.SHA256(), ecdsa_deterministic=True))
    assert not any(e.oid == ExtensionOID.AUTHORITY_KEY_IDENTIFIER for e in no_aki.extensions)
    result = compare(no_aki, [PKI.intermediate], [PKI.root], HOST)
    assert result.report.reason == "not an end entity" and "authorityKeyIdentifier" in result.report.failed_step.text
    assert not result.cryptography.valid and result.openssl.valid and not result.strict.valid


def test_x509_strict_alone_refuses_a_ca_without_a_subject_key_identifier():
    """The Baseline Requirements want an SKI in every CA certificate, but cryptography is permissive
    ("many older CAs lack it", its policy/mod.rs), and we follow cryptography; -x509_strict refuses."""
    key, root = key_from_label("CA without SKI"), PKI.root
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CA without SKI")])
    ca = (x509.CertificateBuilder().subject_name(subject).issuer_name(root.cert.subject).public_key(key.public_key())
          .serial_number(8903).not_valid_before(dt.datetime(2025, 1, 1, tzinfo=UTC))
          .not_valid_after(dt.datetime(2048, 1, 1, tzinfo=UTC)).add_extension(x509.BasicConstraints(True, 0), True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)
          .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root.key.public_key()), False)
          .sign(root.key, hashes.SHA256(), ecdsa_deterministic=True))
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
            .issuer_name(subject).public_key(PKI.leaf.key.public_key()).serial_number(8904)
            .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=UTC)).not_valid_after(dt.datetime(2046, 1, 1, tzinfo=UTC))
            .add_extension(x509.BasicConstraints(False, None), True).add_extension(SAN, False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256(), ecdsa_deterministic=True))
    result = compare(leaf, [ca], [root], HOST)
    assert result.report.valid and result.cryptography.valid and result.openssl.valid
    assert not result.strict.valid and "Subject Key Identifier" in result.strict.message


# --- lesson 03's exercises -------------------------------------------------------------------------

def test_exercise_mystery_chain_fails_only_at_the_intermediates_dates():
    from helpers.exercises import lesson03 as ex

    result = compare(*ex.mystery())
    assert [(s.check, s.subject) for s in result.report.failures] == [
        ("validity window", "issuer YourApp Issuing CA 0")]
    assert not result.cryptography.valid and not result.openssl.valid
    assert ex.q1.feedback(("validity window", "intermediate")).startswith("✓")
    assert ex.q1.feedback(("validity window", "leaf")).startswith("✗")
    assert ex.q1.feedback(("hostname", "leaf")).startswith("✗")


def test_exercise_repair_accepts_the_solution_and_explains_wrong_attempts():
    from helpers.exercises import lesson03 as ex

    def issue(hosts=(HOST,), end="2027-02-15"):
        return PKI.intermediate.issue_leaf(list(hosts), serial=4101, key_label="gallery leaf key",
                                           not_before="2026-08-15", not_after=end)

    assert ex.q2.feedback(issue()).startswith("✓")
    assert "SC-081v3" in ex.q2.feedback(issue(end="2030-01-01"))
    assert "hostname" in ex.q2.feedback(issue(hosts=("www.yourapp.com",)))
    assert "expired certificate itself" in ex.q2.feedback(PKI.gallery["expired"].leaf)
    assert ex.q2.feedback(...).startswith("q2: not attempted")


def test_exercise_cross_signing_question():
    from helpers.exercises import lesson03 as ex

    assert ex.q3.feedback(ex.reference_chain()).startswith("✓")
    assert ex.q3.feedback([PKI.intermediate_cross_signed.cert]).startswith("✗")   # copying cell 34 fails
    assert ex.q3.feedback([PKI.intermediate.cert]).startswith("✗")


def test_the_lesson_common_name_only_leaf_splits_the_validators():
    """The lesson's CN-only leaf: we and cryptography refuse it, the openssl command accepts it."""
    from helpers.validation import compare

    leaf = PKI.cn_only_leaf.cert
    assert not [e for e in leaf.extensions if isinstance(e.value, x509.SubjectAlternativeName)]
    comparison = compare(leaf, [PKI.intermediate.cert], [PKI.root.cert], HOST)
    assert comparison.report.reason == "wrong host"
    assert not comparison.cryptography.valid and comparison.openssl.valid


def test_openssl_version_names_the_command_the_reference_runs():
    from helpers.validation import openssl_version

    assert openssl_version().startswith(("OpenSSL", "LibreSSL"))
