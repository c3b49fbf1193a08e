"""The explaining validator: path building, each check, the report, and the two references."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

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
    unimplemented = {"name constraints", "certificate policies", "revocation", "certificate transparency"}
    for step in report.steps:
        if step.check in unimplemented:
            assert step.status == Status.NOT_CHECKED
    assert report.counts()[Status.NOT_CHECKED] == 4


def test_default_time_is_the_course_clock():
    assert explain(*good(), HOST).at == NOW


def test_all_three_validators_accept_the_course_chain():
    result = compare(*good(), HOST)
    assert result.report.valid and result.cryptography.valid and result.openssl.valid


# --- the failure gallery ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(PKI.gallery))
def test_each_gallery_case_fails_for_exactly_its_one_reason_and_both_references_agree(name):
    case = PKI.gallery[name]
    result = compare_case(case)
    assert [s.reason for s in result.report.failures] == [case.reason]
    assert not result.cryptography.valid, result.cryptography.message
    assert not result.openssl.valid, result.openssl.message


@pytest.mark.parametrize("name", sorted(n for n, c in PKI.gallery.items() if c.fixed))
def test_each_repaired_gallery_case_validates_everywhere(name):
    fixed = PKI.gallery[name].fixed
    result = compare_case(fixed)
    assert result.report.valid and result.cryptography.valid and result.openssl.valid, result.row()


def test_gallery_table_has_every_case_and_all_verdicts_agree():
    table = gallery_table(PKI.gallery)
    assert [r.name for r in table.rows] == list(PKI.gallery)
    assert table.all_agree
    assert "✗" in table.text() and "<table>" in table._repr_html_()


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
    assert any("Trusted Public CA R7" in note for note in report.notes)


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
    assert repr(report) == "<Report expired: 15 passed, 1 failed, 4 not checked>"


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


def test_name_constraints_are_refused_rather_than_guessed():
    """cryptography enforces name constraints (and accepts this permitted subtree); we cannot, so we refuse."""
    nc = x509.NameConstraints(permitted_subtrees=[x509.DNSName("yourapp.com")], excluded_subtrees=None)
    chain = _intermediate_with(nc, critical=True)
    report = explain(*chain, HOST)
    assert not report.valid and report.failed_step.check == "name constraints"
    assert cryptography_verdict(*chain, HOST, NOW).valid


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


def test_exercise_revocation_question():
    from helpers.exercises import lesson03 as ex

    assert ex.q3.feedback("A").startswith("✓") and ex.q3.feedback("B").startswith("✗")


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
