"""The checks, one small function each, applied to one candidate path (leaf first).

Each function returns :class:`~helpers.validation.report.Step` objects: which check, on
which certificate, passed or failed, and one sentence why. The rules follow RFC 5280 and
the CA/Browser Forum profile as implemented by cryptography's verifier, so that the two
agree on every chain (``tests/test_validation_property.py`` checks that they do). Whether a
certificate can be read at all, and whether its key is allowed, is :mod:`.wellformed`.
"""

from __future__ import annotations

import datetime as _dt

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.x509.oid import ExtensionOID, SignatureAlgorithmOID

from .paths import Path, name_of, role
from .report import Status, Step
from .wellformed import key_problem

# Signature algorithms the Web PKI allows (CA/B Forum Baseline Requirements 7.1.3.2); keys: .wellformed.
ALLOWED_SIGNATURES = {
    SignatureAlgorithmOID.ECDSA_WITH_SHA256, SignatureAlgorithmOID.ECDSA_WITH_SHA384,
    SignatureAlgorithmOID.ECDSA_WITH_SHA512, SignatureAlgorithmOID.RSA_WITH_SHA256,
    SignatureAlgorithmOID.RSA_WITH_SHA384, SignatureAlgorithmOID.RSA_WITH_SHA512,
    SignatureAlgorithmOID.RSASSA_PSS,
}
# Extensions this validator understands; any other extension marked critical must be refused.
UNDERSTOOD = {
    ExtensionOID.AUTHORITY_INFORMATION_ACCESS, ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
    ExtensionOID.SUBJECT_KEY_IDENTIFIER, ExtensionOID.KEY_USAGE, ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
    ExtensionOID.BASIC_CONSTRAINTS, ExtensionOID.NAME_CONSTRAINTS, ExtensionOID.EXTENDED_KEY_USAGE,
}
MUST_NOT_BE_CRITICAL = {ExtensionOID.AUTHORITY_KEY_IDENTIFIER, ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
                        ExtensionOID.EXTENDED_KEY_USAGE}


def ext(cert: x509.Certificate, oid) -> x509.Extension | None:
    """The extension ``oid`` of ``cert``, or None when it is absent."""
    try:
        return cert.extensions.get_extension_for_oid(oid)
    except x509.ExtensionNotFound:
        return None


def step(check: str, subject: str, ok: bool, good: str, bad: str, reason: str) -> Step:
    return Step(check, subject, Status.PASSED, good) if ok else Step(check, subject, Status.FAILED, bad, reason)


# --- signatures ------------------------------------------------------------------------------------

def signature_steps(path: Path) -> list[Step]:
    """Every link: the issuer's public key verifies the child's signature."""
    steps = []
    for i in range(len(path.certs) - 1):
        child, issuer = path.certs[i], path.certs[i + 1]
        if key_problem(issuer):  # the public key step fails for the issuer; one failure, not two
            steps.append(Step("signature", role(path, i), Status.NOT_CHECKED, f"Not checked: {name_of(issuer)}'s "
                              "key is not one the Web PKI allows (see its public key step)."))
            continue
        problem = signature_problem(child, issuer)
        steps.append(step(
            "signature", role(path, i), problem is None,
            f"{name_of(issuer)}'s public key verifies this certificate's signature.",
            problem or "", "tampered signature"))
    return steps


def signature_problem(child: x509.Certificate, issuer: x509.Certificate) -> str | None:
    """Why ``issuer`` cannot vouch for ``child``'s signature, or None when it can."""
    if child.signature_algorithm_oid not in ALLOWED_SIGNATURES:
        return (f"It is signed with {child.signature_algorithm_oid._name}, which the Web PKI "
                "does not allow.")
    if key_problem(issuer):
        return f"{name_of(issuer)}'s key is not one the Web PKI allows."
    try:
        child.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return (f"{name_of(issuer)}'s public key does not verify the signature: the certificate "
                "was altered after signing, or a different key signed it.")
    return None


# --- time ------------------------------------------------------------------------------------------

def validity_steps(path: Path, at: _dt.datetime) -> list[Step]:
    """Every certificate, the anchor included: notBefore ≤ at ≤ notAfter."""
    steps = []
    for i, cert in enumerate(path.certs):
        start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
        window = f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
        if at < start:
            steps.append(Step("validity window", role(path, i), Status.FAILED,
                              f"Not yet valid: its window is {window}, and it is {at:%Y-%m-%d}.",
                              "not yet valid"))
        elif at > end:
            steps.append(Step("validity window", role(path, i), Status.FAILED,
                              f"Expired: its window is {window}, and it is {at:%Y-%m-%d}.", "expired"))
        else:
            steps.append(Step("validity window", role(path, i), Status.PASSED,
                              f"Valid on {at:%Y-%m-%d}: its window is {window}."))
    return steps


# --- issuers ---------------------------------------------------------------------------------------

def ca_steps(path: Path) -> list[Step]:
    """Every issuer asserts basicConstraints cA=TRUE (critical) and keyUsage keyCertSign."""
    return [step("issuer is a CA", role(path, i), not problem,
                 "It is a CA: critical basicConstraints with cA=TRUE, and keyUsage keyCertSign.",
                 f"It may not issue certificates: {problem}.", "issuer not a CA")
            for i, cert in enumerate(path.certs) if i > 0
            for problem in [ca_problem(cert)]]


def ca_problem(cert: x509.Certificate) -> str:
    bc, ku = ext(cert, ExtensionOID.BASIC_CONSTRAINTS), ext(cert, ExtensionOID.KEY_USAGE)
    if bc is None or not bc.value.ca:
        return "it does not assert basicConstraints cA=TRUE"
    if not bc.critical:
        return "its basicConstraints extension is not marked critical"
    if ku is None or not ku.value.key_cert_sign:
        return "its keyUsage does not include keyCertSign"
    return ""


def path_length_steps(path: Path) -> list[Step]:
    """An issuer with pathLen n may have at most n CA certificates below it (the leaf not counted)."""
    steps = []
    for i, cert in enumerate(path.certs):
        bc = ext(cert, ExtensionOID.BASIC_CONSTRAINTS)
        if i == 0 or bc is None or not bc.value.ca:
            continue
        below, limit = i - 1, bc.value.path_length
        if limit is None:
            steps.append(Step("path length", role(path, i), Status.PASSED,
                              f"No pathLen limit; {below} CA certificate(s) sit below it."))
        else:
            steps.append(step("path length", role(path, i), below <= limit,
                              f"Its pathLen {limit} allows {limit} CA certificate(s) below it; there are {below}.",
                              f"Its pathLen {limit} allows {limit} CA certificate(s) below it, but there "
                              f"are {below}.", "path length exceeded"))
    return steps
