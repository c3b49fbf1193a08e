"""Checks on what each certificate is allowed to be and to do.

* **serverAuth EKU**: a leaf that lists extended key usages must list serverAuth (a
  certificate for signing code or e-mail must not authenticate a web server); a CA that
  lists them must include serverAuth or anyExtendedKeyUsage. No EKU at all means "any".
* **end entity**: the leaf must not be a CA (no cA=TRUE, no keyCertSign), and it must name
  its issuer's key (AKI), as the CA/Browser Forum profile requires.
* **format**: X.509 version 3, a positive serial of at most 20 bytes, an issuer name, and
  no critical extension that the validator does not understand (RFC 5280 says to refuse
  those rather than ignore them).
"""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID

from ..pem import serial_number
from .checks import MUST_NOT_BE_CRITICAL, UNDERSTOOD, ext, role, step
from .paths import Path
from .report import Status, Step

SERVER_AUTH = ExtendedKeyUsageOID.SERVER_AUTH
ANY_EKU = ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE


def eku_steps(path: Path) -> list[Step]:
    """The leaf's EKU must allow serverAuth; so must any CA that restricts its EKU."""
    leaf_eku = ext(path.certs[0], ExtensionOID.EXTENDED_KEY_USAGE)
    if leaf_eku is None:
        steps = [Step("serverAuth EKU", role(path, 0), Status.PASSED,
                      "It has no EKU extension, which validators treat as any purpose.")]
    else:
        names = ", ".join(oid._name for oid in leaf_eku.value)
        steps = [step("serverAuth EKU", role(path, 0), SERVER_AUTH in leaf_eku.value,
                      f"Its EKU ({names}) includes serverAuth.",
                      f"Its EKU ({names}) does not include serverAuth, so it may not identify a server.",
                      "wrong EKU")]
    for i, cert in enumerate(path.certs[1:], start=1):
        eku = ext(cert, ExtensionOID.EXTENDED_KEY_USAGE)
        if eku is not None:
            names = ", ".join(oid._name for oid in eku.value)
            bad = (f"This CA's EKU ({names}) lists only anyExtendedKeyUsage, which the Web PKI profile "
                   "forbids in CA certificates (OpenSSL refuses it too)." if ANY_EKU in eku.value else
                   f"This CA's EKU ({names}) excludes serverAuth, so it may not issue server certificates.")
            steps.append(step("serverAuth EKU", role(path, i), SERVER_AUTH in eku.value,
                              f"This CA's EKU ({names}) allows serverAuth.", bad, "wrong EKU"))
    return steps


def end_entity_step(path: Path) -> Step:
    """The leaf is an end entity, not a CA, and names its issuer's key."""
    leaf = path.certs[0]
    bc, ku = ext(leaf, ExtensionOID.BASIC_CONSTRAINTS), ext(leaf, ExtensionOID.KEY_USAGE)
    problem = ""
    if bc is not None and bc.value.ca:
        problem = "it asserts basicConstraints cA=TRUE, so it is a CA certificate, not a server's"
    elif ku is not None and ku.value.key_cert_sign:
        problem = "its keyUsage includes keyCertSign, which only CAs may have"
    elif ext(leaf, ExtensionOID.AUTHORITY_KEY_IDENTIFIER) is None:
        problem = "it has no authorityKeyIdentifier, which the Web PKI profile requires in a leaf"
    elif ext(leaf, ExtensionOID.NAME_CONSTRAINTS) is not None:
        problem = "it carries nameConstraints, which only CAs may carry"
    return step("end entity", role(path, 0), not problem,
                "It is an end-entity certificate (not a CA) and names its issuer's key (AKI).",
                f"The leaf is not a proper end entity: {problem}.", "not an end entity")


def format_steps(path: Path) -> list[Step]:
    """Version, serial, issuer name and critical extensions, for every certificate."""
    return [step("format", role(path, i), not problem,
                 "X.509 v3, a valid serial number, and no critical extension it does not understand.",
                 f"Malformed for the Web PKI: {problem}.", "malformed")
            for i, cert in enumerate(path.certs) for problem in [format_problem(cert, i == 0)]]


def format_problem(cert: x509.Certificate, is_leaf: bool) -> str:
    if cert.version != x509.Version.v3:
        return "it is not an X.509 version 3 certificate"
    serial = serial_number(cert)
    if serial < 0 or (serial.bit_length() + 8) // 8 > 21:
        return "its serial number is negative or longer than 20 bytes"
    if not cert.issuer.rdns:
        return "its issuer name is empty"
    for extension in cert.extensions:
        if extension.critical and extension.oid not in UNDERSTOOD:
            return f"it has a critical extension this validator does not understand ({extension.oid.dotted_string})"
        if extension.critical and extension.oid in MUST_NOT_BE_CRITICAL:
            return f"its {extension.oid._name} extension must not be critical"
        if extension.critical and extension.oid == ExtensionOID.SUBJECT_KEY_IDENTIFIER and not is_leaf:
            return "its subjectKeyIdentifier extension must not be critical in a CA"
        if extension.oid == ExtensionOID.SUBJECT_ALTERNATIVE_NAME and is_leaf:
            if extension.critical != (not cert.subject.rdns):
                return "its subjectAltName must be critical exactly when its subject is empty"
    return ""
