"""Lesson 01's exercises: read the field that names the host, measure the SPKI, find the signer.

``mystery()`` returns q3's certificate: a leaf signed by one of the course's three CAs, under a name
that does not say which one.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from ..anatomy import anatomy, spki_span
from ..clock import utc
from ..course import HOST
from ..pem import is_ca
from ..pinning.pins import DIGEST_SIZE
from ..pki import course_pki
from ..pki.ca import CertificateAuthority, Issued, leaf_dates
from . import Question, Wrong, echo, kind_of, labelled_choice, whole_number

q1 = Question(
    name="q1",
    prompt="Which field does a client compare with the host name it connected to? Answer 'A' (Subject "
           "common name), 'B' (Subject Alternative Name), 'C' (Issuer) or 'D' (Serial number).",
    checker=labelled_choice("B", {
        "A": ("Subject common name", "common name", "CN", "Subject CN", "commonName", "Subject"),
        "B": ("Subject Alternative Name", "SAN", "subjectAltName", "Subject Alt Name",
              "Extension: Subject Alternative Name", "alternative name"),
        "C": ("Issuer", "Issuer name"),
        "D": ("Serial number", "serial", "serialNumber"),
    }, {
        "A": "Clients match host names against the SAN; RFC 9525 (2023) dropped the old fallback to "
             "the common name.",
        "C": "The Issuer names who signed the certificate, not which server it is for.",
        "D": "The serial number only identifies the certificate within its issuer (for revocation).",
    }, success="Clients match the host name against the DNS entries of the SAN extension.", near={
        "Subject Key Identifier": "The SKI identifies the certificate's key (to build chains), not a host.",
        "Public key": "The public key proves who holds the private key, not which host name it is for.",
    }),
    hints=("Look for the row that lists DNS: entries in the anatomy table.",
           "It is an extension, and its name has 'Alternative' in it."),
    answer="'B'. The Subject Alternative Name extension lists every host name the certificate covers.",
)


def _rsa_leaf() -> x509.Certificate:
    return course_pki().rsa_leaf.cert


def _shown(number: int, unit: str = "") -> str:
    """A learner's number in feedback ('300 bytes'), unless it is too long to be worth a line."""
    if abs(number) >= 10**12:
        return f"That many {unit}".rstrip() if unit else "That number"
    return f"{number} {unit}".rstrip()


def _spki_mistakes(cert: x509.Certificate) -> dict[int, str]:
    """What each plausible wrong byte count measured instead (computed from the certificate)."""
    start, end = spki_span(cert)
    key = cert.public_key()
    pem_key = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    pkcs1 = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    mistakes = {  # later entries win where two mistakes give the same number
        DIGEST_SIZE: "That is the length of a SHA-256 digest, the pin; the SPKI it hashes is longer, and "
                     "its length depends on the key.",
        44: "That is the length of a pin written in base64; the question asks for the SPKI's length in bytes.",
        91: "91 bytes is the EC P-256 SPKI from the lesson; measure the RSA certificate, "
            "pki.course_pki().rsa_leaf.cert, instead.",
        key.key_size // 8: f"{key.key_size // 8} bytes is the RSA modulus on its own; the SPKI also holds the "
                           "exponent, the algorithm identifier and the DER headers around them.",
        key.key_size: "That is the key size in bits; the question asks for the SPKI's length in bytes.",
        len(pkcs1): "That is the RSAPublicKey inside the SPKI's BIT STRING; the SPKI also wraps it "
                    "in the algorithm identifier and the outer SEQUENCE.",
        len(pem_key): "That counts the characters of the key's PEM text (base64 and header lines); "
                      "count the DER bytes of the SPKI instead.",
        len(cert.tbs_certificate_bytes): "That is the whole signed part, tbsCertificate; the SPKI is one "
                                         "field inside it.",
        len(cert.public_bytes(serialization.Encoding.PEM)): "That counts the characters of the whole "
                                                             "certificate's PEM text; measure only the SPKI.",
        len(cert.public_bytes(serialization.Encoding.DER)): "That is the length of the whole certificate; "
                                                            "measure only the SPKI inside it.",
        start: "That is where the SPKI starts (an offset into the DER), not how long it is.",
        end: "That is where the SPKI ends (an offset into the DER), not how long it is.",
        end - 1 - start: "That subtracts the two numbers of the 'SPKI in DER' row, but that row names the "
                         "first and the last byte, both included; spki_span's end is one past the last.",
    }
    mistakes.pop(end - start, None)  # never call the right answer a mistake
    return mistakes


def _check_spki_length(answer) -> str:
    number = whole_number(answer)
    if number is None:
        if isinstance(answer, str) and answer.strip().isdigit():
            raise Wrong("That is text; answer with the whole number itself, without quotes.")
        if isinstance(answer, bytes | bytearray | memoryview):
            raise Wrong("Those are bytes; answer with how many there are, a whole number (len(...)).")
        if isinstance(answer, tuple) and len(answer) == 2:
            raise Wrong("That looks like a span (start, end); answer with its length, a whole number.")
        raise Wrong(f"That is {kind_of(answer)}; answer with a whole number of bytes (an int), such as 42.")
    cert = _rsa_leaf()
    start, end = spki_span(cert)
    modulus_bytes = cert.public_key().key_size // 8
    if number == end - start:
        return (f"{number} bytes, against 91 for EC P-256: an RSA 2048 key has a {modulus_bytes}-byte "
                "modulus. A pin hashes every one of those bytes, yet both pins are 32-byte SHA-256 digests.")
    if number <= 0:
        raise Wrong(f"{_shown(number)} cannot be a length; a length in bytes is a positive whole number.")
    mistakes = _spki_mistakes(cert)
    if number in mistakes:
        raise Wrong(mistakes[number])
    raise Wrong(f"{_shown(number, 'bytes')} is not the length of this SPKI; compute end - start from "
                "spki_span(pki.course_pki().rsa_leaf.cert).")


q2 = Question(
    name="q2",
    prompt="How many bytes long is the SubjectPublicKeyInfo of the course's RSA 2048 leaf, "
           "pki.course_pki().rsa_leaf.cert? Answer with an int that you compute.",
    checker=_check_spki_length,
    hints=("spki_span() accepts a certificate as well as DER bytes, and returns (start, end).",
           "start, end = spki_span(pki.course_pki().rsa_leaf.cert); then end - start."),
    answer="start, end = spki_span(pki.course_pki().rsa_leaf.cert); end - start  # 294",
)


# --- q3: who signed the mystery certificate -----------------------------------------------------

@functools.cache
def mystery() -> x509.Certificate:
    """q3's certificate: api.yourapp.com, signed by one of the course's three CAs (the same on every run)."""
    return course_pki().intermediate2.issue_leaf([HOST], serial=2107, key_label="lesson 01 mystery key",
                                                 name="lesson 01 mystery", **leaf_dates(utc(2026, 8, 25))).cert


def _squash(text: str) -> str:
    """Lower case with no spaces or punctuation: 'YourApp Issuing CA 2' -> 'yourappissuingca2'."""
    return re.sub(r"[^0-9a-z]+", "", text.lower())


@functools.cache
def _named_cas() -> dict[str, x509.Certificate]:
    """Every course CA (and leaf) by the names a learner may type: attribute, name, CN, Subject."""
    pki = course_pki()
    names: dict[str, x509.Certificate] = {}
    for attribute, value in vars(pki).items():
        if not isinstance(value, CertificateAuthority | Issued):
            continue
        cert = value.cert
        common_names = [a.value for a in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
        spellings = [attribute, value.name, cert.subject.rfc4514_string(), anatomy(cert)["Subject"],
                     *common_names, *(f"CN={cn}" for cn in common_names)]
        if isinstance(value, CertificateAuthority):
            spellings += [cn.removeprefix("YourApp ") for cn in common_names]
        for spelling in spellings:
            names.setdefault(_squash(str(spelling)), cert)
    return names


def _as_certificate(answer: Any) -> x509.Certificate | None:
    """The certificate a learner's answer names: a certificate, a course CA or leaf, or a name."""
    if isinstance(answer, x509.Certificate):
        return answer
    if isinstance(answer, CertificateAuthority | Issued):
        return answer.cert
    if isinstance(answer, str) and len(answer) <= 300:
        text = answer.strip().strip("'\"`")
        text = re.sub(r"^(?:helpers\.)?(?:pki\.)?(?:course_pki\(\)\.|ours\.|p\.)?", "", text)
        text = re.sub(r"\.cert$", "", text)
        return _named_cas().get(_squash(text))
    return None


def _verifies(public_key: Any, cert: x509.Certificate) -> bool:
    """Whether ``public_key`` verifies ``cert``'s signature (any key type; False for anything else)."""
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                              cert.signature_hash_algorithm or hashes.SHA256())
        else:
            return False
    except (InvalidSignature, TypeError, ValueError):
        return False
    return True



def _check_signer(answer) -> str:
    the_mystery = mystery()
    if isinstance(answer, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        answer = answer.public_key()  # the course's toy keys are public; what signs is the key pair
    if isinstance(answer, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        if _verifies(answer, the_mystery):
            return ("That public key verifies the mystery's signature over tbs_certificate_bytes, so its "
                    "private key signed it.")
        raise Wrong("That public key does not verify the mystery certificate's signature.")
    cert = _as_certificate(answer)
    if cert is None:
        if isinstance(answer, str):
            raise Wrong(f"{echo(answer)} names no certificate of the course PKI; answer with the CA's "
                        "certificate, such as pki.course_pki().root.cert.")
        raise Wrong(f"That is {kind_of(answer)}; answer with a certificate object, such as "
                    "pki.course_pki().root.cert.")
    who = anatomy(cert)["Subject"]
    if cert == the_mystery:
        raise Wrong("That is the mystery certificate itself: it is not self-signed, so its own key does not "
                    "verify its signature.")
    signed = _verifies(cert.public_key(), the_mystery)
    if signed and is_ca(cert):
        return (f"{who}: its public key verifies the signature over tbs_certificate_bytes, so its private "
                "key signed the mystery, and its Subject is the mystery's Issuer.")
    if not is_ca(cert):
        raise Wrong(f"{who} is a leaf (CA:FALSE): no client accepts a certificate it signs, and its key "
                    "does not verify the mystery's signature.")
    named = " Its Subject does match the mystery's Issuer row, though." if cert.subject == the_mystery.issuer else ""
    raise Wrong(f"{who}: its public key does not verify the mystery certificate's signature.{named} Read "
                "the mystery's Issuer row, find the CA with that Subject, and verify with its key.")


q3 = Question(
    name="q3",
    prompt="Which course CA signed `mystery` (= ex.mystery())? Answer with that CA's certificate, e.g. "
           "pki.course_pki().root.cert.",
    checker=_check_signer,
    hints=("anatomy(mystery)['Issuer'] names the signer.",
           "The course PKI has .root, .intermediate and .intermediate2; compare their Subject rows, "
           "then verify the signature with the one you pick."),
    answer="The CA whose Subject is the mystery's Issuer, pki.course_pki().intermediate2.cert: its public "
           "key verifies mystery.signature over mystery.tbs_certificate_bytes.",
)
