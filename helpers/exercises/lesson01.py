"""Lesson 01's exercises: read the field that names the host, measure the SPKI, find the signer."""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from . import Question, Wrong, choice

q1 = Question(
    name="q1",
    prompt="Which field does a client compare with the host name it connected to? Answer 'A' (Subject "
           "common name), 'B' (Subject Alternative Name), 'C' (Issuer) or 'D' (Serial number).",
    checker=choice("B", {
        "A": "Clients match host names against the SAN; RFC 9525 (2023) dropped the old fallback to "
             "the common name.",
        "C": "The Issuer names who signed the certificate, not which server it is for.",
        "D": "The serial number only identifies the certificate within its issuer (for revocation).",
    }, success="Clients match the host name against the DNS entries of the SAN extension."),
    hints=("Look for the row that lists DNS: entries in the anatomy table.",
           "It is an extension, and its name has 'Alternative' in it."),
    answer="'B'. The Subject Alternative Name extension lists every host name the certificate covers.",
)


def _check_spki_length(answer) -> str:
    if not isinstance(answer, int) or isinstance(answer, bool):
        raise Wrong("Answer with a whole number of bytes, such as 42.")
    if answer == 65:
        raise Wrong("65 bytes is the bare EC point (04 || x || y); the SPKI also holds the algorithm "
                    "and curve identifiers around it.")
    if answer != 91:
        raise Wrong(f"{answer} bytes is not it; compute end - start from spki_span(der).")
    return "91 bytes: 26 bytes of algorithm and curve identifiers, then the 65-byte point."


q2 = Question(
    name="q2",
    prompt="How many bytes long is the SubjectPublicKeyInfo of an EC P-256 key (such as the one in "
           "the certificate you built)? Answer with an int.",
    checker=_check_spki_length,
    hints=("spki_span(der) returns (start, end).", "end - start, or len(spki_der(cert))."),
    answer="start, end = spki_span(der); end - start  # 91",
)


def _mystery() -> x509.Certificate:
    from ..pki import course_pki

    return course_pki().leaf_via_intermediate2.cert


def _check_signer(answer) -> str:
    if not isinstance(answer, x509.Certificate):
        raise Wrong("Answer with a certificate object, such as pki.course_pki().root.cert.")
    mystery = _mystery()
    try:
        answer.public_key().verify(mystery.signature, mystery.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, TypeError, AttributeError):
        raise Wrong("That certificate's public key does not verify the mystery certificate's signature; "
                    "read the mystery's Issuer row, then find the CA with that Subject.") from None
    return "Its public key verifies the signature over tbs_certificate_bytes, so its private key signed it."


q3 = Question(
    name="q3",
    prompt="Which course CA signed `mystery` (= pki.course_pki().leaf_via_intermediate2.cert)? Answer "
           "with that CA's certificate, e.g. pki.course_pki().root.cert.",
    checker=_check_signer,
    hints=("anatomy(mystery)['Issuer'] names the signer.",
           "The course PKI has .root, .intermediate and .intermediate2; compare their Subject rows, "
           "then verify the signature with the one you pick."),
    answer="pki.course_pki().intermediate2.cert: its public key verifies mystery.signature over "
           "mystery.tbs_certificate_bytes.",
)
