"""Lesson 01's exercises: read the field that names the host, measure the SPKI, find the signer."""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ..anatomy import spki_span
from ..pki import course_pki
from . import Question, Wrong, choice, whole_number

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


def _rsa_leaf() -> x509.Certificate:
    return course_pki().rsa_leaf.cert


def _check_spki_length(answer) -> str:
    answer = whole_number(answer)
    if answer is None:
        raise Wrong("Answer with a whole number of bytes (an int), such as 42.")
    cert = _rsa_leaf()
    start, end = spki_span(cert)
    modulus_bytes = cert.public_key().key_size // 8
    mistakes = {
        91: "91 bytes is the EC P-256 SPKI from the lesson; measure the RSA certificate, "
            "pki.course_pki().rsa_leaf.cert, instead.",
        modulus_bytes: f"{modulus_bytes} bytes is the RSA modulus on its own; the SPKI also holds the "
                       "exponent, the algorithm identifier and the DER headers around them.",
        cert.public_key().key_size: "That is the key size in bits; the question asks for the SPKI's "
                                    "length in bytes.",
        end - start - 24: "That is the RSAPublicKey inside the SPKI's BIT STRING; the SPKI also wraps it "
                          "in the algorithm identifier and the outer SEQUENCE.",
        len(cert.public_bytes(serialization.Encoding.DER)): "That is the length of the whole certificate; "
                                                            "measure only the SPKI inside it.",
    }
    if answer == end - start:
        return (f"{answer} bytes, against 91 for EC P-256: an RSA 2048 key has a {modulus_bytes}-byte "
                "modulus. A pin hashes every one of those bytes, yet both pins are 32-byte SHA-256 digests.")
    if answer in mistakes:
        raise Wrong(mistakes[answer])
    raise Wrong(f"{answer} bytes is not it; compute end - start from spki_span(pki.course_pki().rsa_leaf.cert).")


q2 = Question(
    name="q2",
    prompt="How many bytes long is the SubjectPublicKeyInfo of the course's RSA 2048 leaf, "
           "pki.course_pki().rsa_leaf.cert? Answer with an int that you compute.",
    checker=_check_spki_length,
    hints=("spki_span() accepts a certificate as well as DER bytes, and returns (start, end).",
           "start, end = spki_span(pki.course_pki().rsa_leaf.cert); then end - start."),
    answer="start, end = spki_span(pki.course_pki().rsa_leaf.cert); end - start  # 294",
)


def _mystery() -> x509.Certificate:
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
