"""Can each certificate be read at all, and is its key one the Web PKI allows?

* **format (readable)**: a certificate whose names or extensions do not parse (a malformed
  SAN, KeyUsage or AIA, an empty EKU, a badly encoded nameConstraints, a duplicated
  extension, invalid UTF-8 in a name) is refused with the part that is malformed, never
  with a traceback. cryptography refuses these too, with one exception: it compares names
  as raw bytes and never decodes them, so it accepts a name with invalid UTF-8, which
  RFC 5280 4.1.2.4 (a UTF8String must be UTF-8) makes malformed.
* **public key**: every key on the path, the leaf's included, must be RSA (2048 bits or
  more, rsaEncryption with NULL parameters) or EC on a *named* P-256, P-384 or P-521 curve:
  the CA/B Forum Baseline Requirements 6.1.5 and 7.1.3.1, for every certificate (and RFC 5480
  2.1.1: specifiedCurve "MUST NOT be used" in PKIX).
  cryptography applies the same list, but only to the keys that sign (the issuers'; see
  ``valid_issuer`` in its ``cryptography-x509-verification/src/policy/mod.rs``), so it accepts
  a leaf with explicit curve parameters, an unknown key algorithm or another curve.

Explicit curve parameters are the CurveBall pattern (CVE-2020-0601): Windows matched an EC
certificate to a trusted root by its public point alone, so a forger who copied a root's
point and supplied its own generator held the matching private key. Named curves only, and
the point cannot be reinterpreted.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa

from ..der import DERError, extension_oids, key_algorithm, with_one_extension
from .paths import PARSE_ERRORS, Path, name_of
from .report import Status, Step

ALLOWED_CURVES = ("P-256", "P-384", "P-521")
MIN_RSA_BITS = 2048
CURVEBALL = ("explicit parameters let a forger choose the generator for a public point it copied, the "
             "CurveBall attack on Windows (CVE-2020-0601)")


def role(path: Path, index: int) -> str:
    kind = "leaf" if index == 0 else ("anchor" if path.anchored and index == len(path.certs) - 1
                                      else "issuer")
    return f"{kind} {name_of(path.certs[index])}"


# --- readable --------------------------------------------------------------------------------------

def readable_steps(path: Path) -> list[Step]:
    """Only the certificates that cannot be read: each one fails, naming the part that is malformed."""
    return [Step("format", role(path, i), Status.FAILED, f"Malformed: {problem}. A certificate that cannot "
                 "be read cannot be checked, so it is refused.", "malformed")
            for i, cert in enumerate(path.certs) for problem in [parse_problem(cert)] if problem]


def parse_problem(cert: x509.Certificate) -> str:
    """Which part of ``cert`` does not parse (a name, an extension, the key info), or ""."""
    for which in ("subject", "issuer"):
        try:
            getattr(cert, which).rfc4514_string()
        except PARSE_ERRORS:
            return (f"its {which} name does not decode (an attribute that breaks its string type, such as "
                    "invalid UTF-8)")
    try:
        cert.extensions  # noqa: B018 - cryptography parses every extension on first access
    except x509.DuplicateExtension as exc:
        return f"it carries its {extension_name(exc.oid.dotted_string)} extension twice (RFC 5280 4.2 allows one)"
    except PARSE_ERRORS:
        return f"its {malformed_extension(cert)} does not parse"
    try:
        key_algorithm(cert)
    except DERError:
        return "its SubjectPublicKeyInfo does not parse"
    return ""


def malformed_extension(cert: x509.Certificate) -> str:
    """'subjectAltName extension (2.5.29.17)': the first extension that does not parse on its own."""
    try:
        for index, oid in enumerate(extension_oids(cert)):
            try:
                with_one_extension(cert, index).extensions  # noqa: B018 - parse this one alone
            except PARSE_ERRORS:
                return f"{extension_name(oid)} extension ({oid})"
    except (DERError, *PARSE_ERRORS):
        pass
    return "list of extensions"


def extension_name(dotted: str) -> str:
    """An extension's usual name ("subjectAltName"), or its dotted OID when it has none."""
    name = x509.ObjectIdentifier(dotted)._name
    return dotted if name == "Unknown OID" else name


# --- keys ------------------------------------------------------------------------------------------

def key_steps(path: Path) -> list[Step]:
    """Every certificate's key: RSA of 2048 bits or more, or EC on a named P-256/P-384/P-521 curve."""
    steps = []
    for i, cert in enumerate(path.certs):
        problem = key_problem(cert)
        if problem:
            steps.append(Step("public key", role(path, i), Status.FAILED, f"Its key is not allowed in the "
                              f"Web PKI: {problem}.", "explicit curve" if "explicit" in problem else "forbidden key"))
        else:
            steps.append(Step("public key", role(path, i), Status.PASSED,
                              f"{key_description(cert)}, which the Web PKI allows."))
    return steps


def key_problem(cert: x509.Certificate) -> str:
    """Why ``cert``'s key is not one the Web PKI allows (CA/B Forum BR 6.1.5 and 7.1.3.1), or ""."""
    try:
        algorithm, params = key_algorithm(cert)
    except DERError:
        return "its SubjectPublicKeyInfo does not parse"
    if algorithm == "EC" and params == "explicit":
        return ("it spells out its curve's parameters instead of naming the curve, and only named curves "
                f"are allowed, because {CURVEBALL}")
    if algorithm == "EC" and params not in ALLOWED_CURVES:
        return f"its elliptic curve ({params}) is not P-256, P-384 or P-521"
    if algorithm == "RSA" and params != "NULL":
        return "its RSA parameters are not the NULL that the profile requires"
    if algorithm not in ("RSA", "EC"):
        return f"its key algorithm ({algorithm}) is neither RSA nor EC"
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return "its public key does not decode"
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        return f"its RSA key has {key.key_size} bits, fewer than the {MIN_RSA_BITS} required"
    return ""


def key_description(cert: x509.Certificate) -> str:
    """'An EC key on the named curve P-256' or 'An RSA key of 2048 bits' (for a key that passed)."""
    algorithm, params = key_algorithm(cert)
    if algorithm == "EC":
        return f"An EC key on the named curve {params}"
    return f"An RSA key of {cert.public_key().key_size} bits"
