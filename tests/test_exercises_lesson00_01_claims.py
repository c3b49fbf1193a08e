"""Lessons 00 and 01: the claims their prose makes (issue 14), checked against the helpers they call.

The exercise tables themselves are in ``test_exercises_lessons00_02.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from helpers import clock
from helpers.anatomy import MalformedDERError, key_usages
from helpers.exercises import lesson00
from helpers.pki import CertificateAuthority, course_pki, key_from_label
from helpers.plots import overview

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _outputs(name: str) -> list[dict]:
    nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    return [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]


# --- lesson 00: the request path ---------------------------------------------------------------------

def test_the_pin_check_is_not_drawn_inside_the_handshake():
    assert overview.PIN_CHECK not in overview.HANDSHAKE
    steps = [step for step, _, _ in overview.STEPS]
    pin, request = steps.index(overview.PIN_CHECK), next(i for i, s in enumerate(steps) if "request" in s)
    assert all(steps.index(s) < pin for s in overview.HANDSHAKE) and pin < request


def test_the_pin_box_says_validated_chain_and_the_certificate_box_says_it_signs():
    details = {step: " ".join(detail.split()) for step, detail, _ in overview.STEPS}
    assert "validated chain" in details[overview.PIN_CHECK]
    assert "signs the handshake" in details["TLS:\ncertificate"]


def test_the_figure_summary_is_alt_text_and_printed():
    summary = overview.request_path()[1]
    assert "during it or right after it" in summary and "before it sends the request" in summary
    outputs = _outputs("00_start_here.ipynb")
    alts = [o["metadata"]["image/png"]["alt"] for o in outputs if "image/png" in o.get("data", {})]
    printed = "".join("".join(o["text"]) for o in outputs if o["output_type"] == "stream")
    assert alts == [summary] and summary in printed


def test_the_expired_examples_are_expired_by_both_clocks_but_not_long_ago():
    expired = course_pki().gallery["expired"].leaf
    assert expired.not_valid_after_utc == clock.utc(2026, 3, 1)
    assert (clock.now() - expired.not_valid_after_utc).days < 200  # months before the clock, not years
    assert course_pki().leaf.cert.not_valid_after_utc.year >= 2045


def test_q2s_certificate_is_refused_on_the_course_clock_and_accepted_inside_its_dates():
    cert = lesson00.certificate()
    assert lesson00.verdict(clock.now()) == "cert is not valid at validation time"
    assert lesson00.verdict(cert.not_valid_before_utc) is None
    assert lesson00.verdict(cert.not_valid_after_utc) is None  # RFC 5280: both ends are inside


# --- lesson 01: what the server's key is for, and what a trust store entry can do ---------------------

def test_key_usages_of_a_leaf_and_of_a_ca():
    pki = course_pki()
    assert key_usages(pki.leaf.cert) == (["Digital Signature"], ["Non Repudiation", "Key Encipherment",
                                                                   "Data Encipherment", "Key Agreement",
                                                                   "Certificate Sign", "CRL Sign"])
    may, may_not = key_usages(pki.root.cert)
    assert "Certificate Sign" in may and "Key Agreement" in may_not


def _bare(key_label: str) -> x509.Certificate:
    key = key_from_label(key_label)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "bare")])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(clock.utc(2026, 1, 1)).not_valid_after(clock.utc(2027, 1, 1))
            .sign(key, hashes.SHA256(), ecdsa_deterministic=True))


def test_key_usages_without_the_extension_allow_everything():
    may, may_not = key_usages(_bare("lesson 01 test bare"))
    assert may_not == [] and "Key Agreement" in may


def test_key_usages_of_a_malformed_extension_is_one_sentence():
    from test_anatomy import hostile_der  # the course's malformed certificates

    cert = x509.load_der_x509_certificate(hostile_der("malformed-key-usage"))
    with pytest.raises(MalformedDERError, match=r"^The certificate's extensions are malformed.*\.$"):
        key_usages(cert)


def _accepts(store: list[x509.Certificate], leaf: x509.Certificate, host: str) -> bool:
    verifier = PolicyBuilder().store(Store(store)).time(clock.now()).build_server_verifier(x509.DNSName(host))
    try:
        verifier.verify(leaf, [])
    except VerificationError:
        return False
    return True


@pytest.mark.parametrize("host", ["www.google.com", "login.yourbank.example"])
def test_a_leaf_in_the_store_vouches_for_its_own_name_only_and_a_ca_for_any(host):
    pki = course_pki()
    assert _accepts([pki.leaf.cert], pki.leaf.cert, "api.yourapp.com")
    assert not _accepts([pki.leaf.cert], pki.leaf.cert, host)
    impostor = CertificateAuthority.root("lesson 01 test impostor", common_name="Test Impostor Root")
    assert _accepts([impostor.cert], impostor.issue_leaf([host], key_label=f"test {host}").cert, host)


def test_lesson01_prints_the_verifiers_own_words():
    printed = "".join("".join(o["text"]) for o in _outputs("01_what_a_certificate_is.ipynb")
                      if o["output_type"] == "stream")
    assert "rejected by the verifier: validation failed: candidates exhausted" in printed
    assert "leaf certificate has no matching subjectAltName" in printed
