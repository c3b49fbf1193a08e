"""Lesson 03's exercises: diagnose a mystery chain, repair a broken one, and know the limits.

``mystery()`` returns the chain for q1 as ``(leaf, intermediates, anchors, host)``; q2's
answer is a certificate you issue with the course CA, checked with our validator *and*
with cryptography's verifier.
"""

from __future__ import annotations

import datetime as _dt

from cryptography import x509

from ..clock import now
from ..course import HOST
from ..pki import course_pki
from ..validation import cryptography_verdict, explain
from . import Question, Wrong, choice

#: CA/B Forum ballot SC-081v3: from 2026-03-15, a TLS certificate may live at most 200 days.
MAX_DAYS = 200


def mystery() -> tuple[x509.Certificate, list[x509.Certificate], list[x509.Certificate], str]:
    """q1's chain: (leaf, intermediates, anchors, host)."""
    pki = course_pki()
    return pki.leaf_via_retired.cert, [pki.intermediate_retired.cert], [pki.root.cert], HOST


_CHECKS = {"signature", "validity window", "issuer is a ca", "path length", "hostname", "serverauth eku",
           "trust anchor"}


def _check_mystery(answer) -> str:
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise Wrong("Answer with a pair of strings: (check, certificate), e.g. ('hostname', 'leaf').")
    check, which = (str(part).strip().lower() for part in answer)
    if check not in _CHECKS:
        raise Wrong(f"Name the check as the report does: one of {', '.join(sorted(_CHECKS))}.")
    if check != "validity window":
        raise Wrong(f"The {check} check passes for this chain; compare each certificate's dates with "
                    "the course clock, not only the leaf's.")
    if which not in ("intermediate", "issuer", "issuing ca", "yourapp issuing ca 0"):
        raise Wrong("The leaf is in date; look one certificate up the chain.")
    return ("The intermediate expired on 2026-06-30, so every leaf it issued stops validating, even "
            "a leaf that is itself in date. Servers must send a current intermediate.")


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


def _check_repair(answer) -> str:
    pki = course_pki()
    cert = getattr(answer, "cert", answer)
    if not isinstance(cert, x509.Certificate):
        raise Wrong("Answer with the certificate you issued (the Issued object, or its .cert).")
    if cert == pki.gallery["expired"].leaf:
        raise Wrong("That is the expired certificate itself; issue a new one with course_pki().intermediate.")
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

q3 = Question(
    name="q3",
    prompt="A CA revoked api.yourapp.com's certificate yesterday after its key leaked. What does our "
           "validator report for that certificate today? Answer 'A' (valid, with revocation 'not "
           "checked'), 'B' (invalid: revoked) or 'C' (an error).",
    checker=choice("A", {
        "B": "Our validator never fetches CRLs or OCSP responses, so it cannot know; look at the "
             "revocation row of any report.",
        "C": "Nothing is malformed: every implemented check passes.",
    }, success="Every implemented check passes, and the report says revocation was not checked. "
               "Browsers add revocation data (CRLite, CRLSets) on top of path validation."),
    hints=("Look at the rows marked – not checked in the report.", "Which row mentions CRL and OCSP?"),
    answer="'A'. Revocation is reported as 'not checked', so a revoked certificate still validates here.",
)
