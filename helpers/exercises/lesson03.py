"""Lesson 03's exercises: diagnose a mystery chain, repair a broken one, and know the limits.

``mystery()`` returns the chain for q1 as ``(leaf, intermediates, anchors, host)``. q1's checker
runs :func:`~helpers.validation.explain` on it and tells the learner what their (check,
certificate) pair does in that report, never which pair fails. q2's answer is a certificate you
issue with the course intermediate, checked with our validator *and* cryptography's verifier.
q3 is multiple choice.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from ..clock import now
from ..course import HOST
from ..pem import is_ca
from ..pki import course_pki
from ..validation import cryptography_verdict, explain
from . import Question, Wrong, choice

#: CA/B Forum ballot SC-081v3: from 2026-03-15, a TLS certificate may live at most 200 days.
MAX_DAYS = 200


def mystery() -> tuple[x509.Certificate, list[x509.Certificate], list[x509.Certificate], str]:
    """q1's chain: (leaf, intermediates, anchors, host)."""
    pki = course_pki()
    return pki.leaf_via_retired.cert, [pki.intermediate_retired.cert], [pki.root.cert], HOST


# --- q1: name the failing check -------------------------------------------------------------------

def _squash(text: str) -> str:
    """Case-, space- and punctuation-insensitive form of a label ("serverAuth EKU" == "server_auth-eku")."""
    return re.sub(r"[\s_\-'\"`.]+", "", text.casefold())


#: Every check name the report prints, with the other ways a learner says it.
_CHECK_NAMES = {
    "signature": ("signature", "signatures", "sig"),
    "public key": ("public key", "key", "key size"),
    "validity window": ("validity window", "validity", "validity period", "dates", "date", "expiry",
                        "expiration", "expired", "not after", "notafter", "lifetime"),
    "issuer is a CA": ("issuer is a CA", "basic constraints", "basicconstraints", "ca", "is a ca"),
    "path length": ("path length", "pathlen", "path len", "pathlenconstraint"),
    "hostname": ("hostname", "host name", "host", "san", "subjectaltname", "name"),
    "serverAuth EKU": ("serverAuth EKU", "eku", "extended key usage", "serverauth"),
    "trust anchor": ("trust anchor", "anchor", "trust", "trust store", "truststore"),
    "end entity": ("end entity",),
    "format": ("format",),
    "name constraints": ("name constraints", "nameconstraints"),
    "certificate policies": ("certificate policies", "policies", "policy"),
    "revocation": ("revocation", "revoked", "crl", "ocsp"),
    "certificate transparency": ("certificate transparency", "ct", "sct", "scts"),
}
_CHECKS = {_squash(alias): name for name, aliases in _CHECK_NAMES.items() for alias in aliases}

_ROLE_WORDS = {
    "leaf": ("leaf", "leaf certificate", "end-entity certificate", "server certificate", "the leaf",
             "leaf cert"),
    "intermediate": ("intermediate", "intermediate ca", "intermediate certificate", "intermediate cert",
                     "the intermediate", "issuer", "issuing ca", "issuer ca", "sub ca", "subca",
                     "subordinate ca", "intermediates[0]", "intermediates"),
    "root": ("root", "root ca", "root certificate", "the root", "anchor", "anchors[0]", "anchors",
             "trust anchor"),
    "chain": ("whole chain", "chain", "all", "every certificate", "the chain"),
}
_ROLE_TITLE = {"leaf": "the leaf", "intermediate": "the intermediate", "root": "the root",
               "chain": "the whole chain"}
_REPORT_PREFIX = {"leaf": "leaf", "intermediate": "issuer", "root": "anchor"}


def _mystery_roles() -> dict[str, x509.Certificate]:
    leaf, intermediates, anchors, _ = mystery()
    return {"leaf": leaf, "intermediate": intermediates[0], "root": anchors[0]}


def _cert_labels(role: str, cert: x509.Certificate) -> set[str]:
    """Every label the lesson prints for ``cert``: report subject, CN, RFC 4514 subject."""
    cns = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    cn = str(cns[0].value) if cns else ""
    return {_squash(label) for label in (cn, f"{_REPORT_PREFIX[role]} {cn}", cert.subject.rfc4514_string(),
                                         f"CN={cn}")}


def _role(part: Any) -> str | None:
    """Which certificate of the mystery chain ``part`` names, or None if it names none of them."""
    roles = _mystery_roles()
    cert = getattr(part, "cert", part)
    if isinstance(cert, x509.Certificate):
        return next((role for role, known in roles.items() if known == cert), "elsewhere")
    if not isinstance(part, str):
        return None
    text = _squash(part)
    for role, words in _ROLE_WORDS.items():
        if text in {_squash(w) for w in words}:
            return role
    for role, cert in roles.items():
        if text in _cert_labels(role, cert):
            return role
    if text.startswith("cn=") or "yourapp" in text or "issuingca" in text:
        return "elsewhere"
    return None


def _check_name(part: Any) -> str | None:
    return _CHECKS.get(_squash(part)) if isinstance(part, str) else None


def _split_pair(answer: Any) -> tuple[str, str]:
    """(check, role) from a pair given in either order."""
    pair_help = "Answer with a pair: (check, certificate), e.g. ('hostname', 'leaf')."
    if isinstance(answer, str) and answer.count(",") == 1:        # "validity window, intermediate"
        answer = tuple(answer.strip("()[] ").split(","))
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        raise Wrong(pair_help)
    first, second = answer
    for check_part, cert_part in ((first, second), (second, first)):
        check, role = _check_name(check_part), _role(cert_part)
        if check and role:
            return check, role
    if _check_name(first) or _check_name(second):
        raise Wrong("Name the certificate as the report does ('leaf', 'intermediate', 'root'), or give "
                    "the certificate object itself (intermediates[0]).")
    if _role(first) or _role(second):
        raise Wrong("Name the check as the report's 'check' column does: "
                    f"{', '.join(_CHECK_NAMES)}.")
    raise Wrong(pair_help)


def _check_mystery(answer: Any) -> str:
    check, role = _split_pair(answer)
    if role == "elsewhere":
        raise Wrong("That certificate is not in the mystery chain; it holds a leaf, one intermediate and "
                    "one root (leaf, intermediates, anchors = ex.mystery()[:3]).")
    report = explain(*mystery())
    steps = [s for s in report.steps if s.check == check]
    if steps and all(s.subject == "whole chain" for s in steps):
        step = steps[0]
        if step.status.value == "not checked":
            raise Wrong(f"Our validator does not run the {check} check at all (the report says 'not "
                        "checked'), so it cannot be what fails.")
        if not step.failed:
            raise Wrong(f"The {check} check looks at the whole chain, and here it passes: {step.text}")
    title = _ROLE_TITLE[role]
    if role == "chain":
        raise Wrong(f"The {check} check runs once per certificate, not on the whole chain; say which "
                    "certificate.")
    prefix = _REPORT_PREFIX[role]
    mine = [s for s in steps if s.subject.startswith(prefix + " ")]
    if not mine:
        raise Wrong(f"The {check} check does not look at {title}, so it cannot fail there.")
    step = next((s for s in mine if s.failed), mine[0])
    if not step.failed:
        raise Wrong(f"In this chain the {check} check passes for {title}: {step.text}")
    return (f"{step.text} Every leaf that intermediate issued stops validating, even a leaf that is itself "
            "in date. Servers must send a current intermediate.")


q1 = Question(
    name="q1",
    prompt="leaf, intermediates, anchors, host = ex.mystery(). Without running explain() first, read "
           "the certificates and predict: which check fails, and for which certificate? Answer "
           "(check, certificate), e.g. ('hostname', 'leaf').",
    checker=_check_mystery,
    hints=("Read the validity dates of every certificate: [c.not_valid_after_utc for c in [leaf, *intermediates]].",
           "The course clock is 2026-09-01. Which notAfter is earlier than that?"),
    answer="('validity window', 'intermediate'): YourApp Issuing CA 0 expired on 2026-06-30. Confirm "
           "with explain(*ex.mystery()).",
)


# --- q2: repair the expired chain ------------------------------------------------------------------

def _certificate(answer: Any) -> x509.Certificate:
    """The certificate in any form the course hands out: Issued, Certificate, a chain (leaf first), PEM, DER."""
    if isinstance(answer, list | tuple) and answer:
        answer = answer[0]
    cert = getattr(answer, "cert", getattr(answer, "leaf", answer))     # Issued, or a gallery case
    if isinstance(cert, str):
        cert = cert.encode()
    if isinstance(cert, bytes | bytearray) and len(cert) < 1_000_000:
        loader = x509.load_pem_x509_certificate if b"-----BEGIN" in cert else x509.load_der_x509_certificate
        try:
            cert = loader(bytes(cert))
        except ValueError:
            pass
    if not isinstance(cert, x509.Certificate):
        raise Wrong("Answer with the certificate you issued (the Issued object that issue_leaf returns, or "
                    "its .cert).")
    return cert


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True



def _common_name(name: x509.Name) -> str:
    cns = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(cns[0].value) if cns else name.rfc4514_string()


def _check_repair(answer: Any) -> str:
    pki = course_pki()
    cert = _certificate(answer)
    if cert == pki.gallery["expired"].leaf:
        raise Wrong("That is the expired certificate itself; issue a new one with course_pki().intermediate.")
    if is_ca(cert):
        raise Wrong(f"That is a CA certificate ({_common_name(cert.subject)}); a server presents a leaf. "
                    "Issue one from it with .issue_leaf(...).")
    if _signed_by(cert, pki.root.cert):
        raise Wrong("The root signed your certificate directly. Lesson 02's rule: the root's key stays "
                    "offline and signs only intermediates; leaves come from course_pki().intermediate.")
    if not _signed_by(cert, pki.intermediate.cert):
        raise Wrong(f"Your certificate was issued by {_common_name(cert.issuer)}, not by "
                    "course_pki().intermediate, so no course client builds a path from it to the course "
                    "root through the intermediate the server sends.")
    report = explain(cert, [pki.intermediate.cert], [pki.root.cert], HOST)
    if not report.valid:
        step = report.failed_step
        raise Wrong(f"Our validator still rejects it: {step.check} failed for {step.subject}: {step.text}")
    reference = cryptography_verdict(cert, [pki.intermediate.cert], [pki.root.cert], HOST, now())
    if not reference.valid:
        raise Wrong(f"cryptography's verifier rejects it: {reference.message}.")
    days = (cert.not_valid_after_utc - cert.not_valid_before_utc) / _dt.timedelta(days=1)
    if days > MAX_DAYS:
        raise Wrong(f"It validates, but it lives {days:.0f} days; since 2026-03-15 the limit is "
                    f"{MAX_DAYS} (CA/B Forum ballot SC-081v3). Shorten not_after.")
    return (f"Both validators accept it, and its {days:.0f}-day lifetime is within the {MAX_DAYS}-day "
            "limit. Renewing before notAfter is the whole fix; automate it (ACME) so it never lapses.")


q2 = Question(
    name="q2",
    prompt="The gallery's 'expired' chain broke on 2026-03-01. Repair it: issue a new leaf for "
           "api.yourapp.com from course_pki().intermediate that validates at the course clock and "
           f"lives at most {MAX_DAYS} days. Answer with the Issued object you made.",
    checker=_check_repair,
    hints=("pki.intermediate.issue_leaf([...], serial=..., key_label=..., not_before=..., not_after=...)",
           "Use a fresh serial such as 4101, not_before='2026-08-15' and not_after='2027-02-15'."),
    answer="pki.intermediate.issue_leaf(['api.yourapp.com'], serial=4101, key_label='gallery leaf key', "
           "not_before='2026-08-15', not_after='2027-02-15')",
)


# --- q3: revocation --------------------------------------------------------------------------------

q3 = Question(
    name="q3",
    prompt="A CA revoked api.yourapp.com's certificate yesterday after its key leaked. What does our "
           "validator report for that certificate today? Answer 'A' (valid, with revocation 'not "
           "checked'), 'B' (invalid: revoked) or 'C' (an error).",
    checker=choice("A", {
        "B": "To report 'revoked', a validator needs revocation data: a CRL, an OCSP response or a pushed "
             "list. Where would ours get any? Read the revocation row of a report.",
        "C": "An error means the validator could not read the chain. Revocation changes nothing in the "
             "certificate's bytes: it is as well formed today as it was last week.",
    }, success="Every implemented check passes, and the report says revocation was not checked. "
               "Browsers add revocation data (CRLite, CRLSets) on top of path validation."),
    hints=("Look at the rows marked – not checked in the report.", "Which row mentions CRL and OCSP?"),
    answer="'A'. Revocation is reported as 'not checked', so a revoked certificate still validates here.",
)
