"""``explain()``: build every candidate path, run every check on each, and report.

The verdict is "valid" when at least one path from the leaf to a trust anchor passes every
implemented check. The report shows the steps of that path (or, when none passes, of the
path that came closest), and lists the other candidates with the reason each was rejected.
Checks this validator does not implement are listed as "not checked", never as passed.
"""

from __future__ import annotations

import datetime as _dt

from cryptography.x509.oid import ExtensionOID

from .. import clock
from ..pem import as_certificates, short_name, single_certificate
from .checks import ca_steps, ext, path_length_steps, role, signature_problem, signature_steps, validity_steps
from .names import has_san, host_matches, parse_host, san_entries
from .paths import Path, build_paths, unused
from .profile import eku_steps, end_entity_step, format_steps
from .report import Rejected, Report, Status, Step

NOT_IMPLEMENTED = (
    ("certificate policies", "Policy OIDs and policy constraints are not evaluated (cryptography "
     "ignores them too; OpenSSL can with -policy)."),
    ("revocation", "Whether a CA revoked a certificate (CRL, OCSP, CRLite) is not checked."),
    ("certificate transparency", "Signed certificate timestamps (SCTs) are not checked; Chrome and "
     "Safari require them for publicly trusted certificates."),
)


def explain(leaf, intermediates, anchors, host: str, at: _dt.datetime | str | None = None) -> Report:
    """Validate ``leaf`` for ``host`` at time ``at`` (the course clock by default), step by step.

    ``intermediates`` are what the server sent besides the leaf (any order, extras allowed);
    ``anchors`` are the certificates you trust. Each may be an ``x509.Certificate`` or a course
    object with a ``.cert`` (``Issued``, ``CertificateAuthority``).
    """
    leaf = single_certificate(leaf, "the leaf")
    intermediates = as_certificates(intermediates or [], "the intermediates")
    anchors = as_certificates(anchors, "the anchors")
    wanted = parse_host(host)
    at = clock.parse_when(clock.now() if at is None else at).replace(microsecond=0)
    paths = build_paths(leaf, intermediates, anchors)
    judged = [(path, judge(path, wanted, at)) for path in paths]
    best_path, best_steps = max(judged, key=lambda item: score(*item))
    rejected = tuple(Rejected(path.describe(), first_failure(steps))
                     for path, steps in judged if path is not best_path)
    notes = tuple(f"{short_name(c)} was supplied but is not on any candidate path (extra or unrelated)."
                  for c in unused(paths, intermediates))
    return Report(str(host).strip(), at, best_path.certs, tuple(best_steps), rejected, notes)


def judge(path: Path, host, at: _dt.datetime) -> list[Step]:
    """Every step for one candidate path, in the order the lesson teaches them."""
    return [*signature_steps(path), *validity_steps(path, at), *ca_steps(path),
            *path_length_steps(path), hostname_step(path, host), *eku_steps(path), anchor_step(path),
            end_entity_step(path), *format_steps(path), name_constraints_step(path),
            *[Step(name, "whole chain", Status.NOT_CHECKED, text) for name, text in NOT_IMPLEMENTED]]


def score(path: Path, steps: list[Step]) -> tuple:
    """Prefer a valid path, then one that reaches an anchor, then fewer failures, then more progress."""
    failures = sum(s.failed for s in steps)
    return (failures == 0, path.anchored, -failures, len(path.certs))


def first_failure(steps: list[Step]) -> str:
    failed = [s for s in steps if s.failed]
    return f"{failed[0].check} failed for {failed[0].subject}: {failed[0].text}" if failed else "valid"


def hostname_step(path: Path, host) -> Step:
    """The leaf's subjectAltName must cover ``host``; the CN is never consulted."""
    leaf, subject = path.certs[0], role(path, 0)
    if not has_san(leaf):
        return Step("hostname", subject, Status.FAILED, "It has no subjectAltName, and the CN is never "
                    f"used as a fallback, so it names no host at all, not {host}.", "wrong host")
    entry = host_matches(leaf, host)
    if entry is None:
        dns, ips = san_entries(leaf)
        listed = ", ".join([*dns, *map(str, ips)]) or "nothing usable"
        return Step("hostname", subject, Status.FAILED, f"Its SAN lists {listed}; none covers {host}.",
                    "wrong host")
    how = "The wildcard" if entry.startswith("*.") else "The SAN entry"
    return Step("hostname", subject, Status.PASSED, f"{how} {entry} covers {host}.")


def anchor_step(path: Path) -> Step:
    """The path must end at a certificate the client trusts."""
    top = path.certs[-1]
    if path.anchored:
        if len(path.certs) == 1:
            return Step("trust anchor", role(path, 0), Status.PASSED, "The leaf itself is a trust anchor, so "
                        "it is trusted directly (cryptography allows this; OpenSSL only in partial-chain mode).")
        return Step("trust anchor", role(path, len(path.certs) - 1), Status.PASSED,
                    f"The path ends at {short_name(top)}, one of your trust anchors.")
    issuer = top.issuer.rfc4514_string()
    if top.issuer == top.subject and signature_problem(top, top) is None:
        return Step("trust anchor", f"issuer {short_name(top)}", Status.FAILED, f"The path ends at the self-signed "
                    f"root {short_name(top)}, which is not one of your trust anchors.", "unknown root")
    if len(path.certs) == 1:
        return Step("trust anchor", role(path, 0), Status.FAILED, f"No supplied or trusted certificate is "
                    f"named {issuer}, the leaf's issuer: most likely the server left out the intermediate.",
                    "missing intermediate")
    return Step("trust anchor", role(path, len(path.certs) - 1), Status.FAILED, f"Its issuer, {issuer}, is not "
                "among your trust anchors (and was not supplied): most likely an unknown root.", "unknown root")


def name_constraints_step(path: Path) -> Step:
    """Name constraints are not implemented: absent, say so; present, refuse rather than guess."""
    holders = [short_name(c) for c in path.certs[1:] if ext(c, ExtensionOID.NAME_CONSTRAINTS)]
    if holders:
        return Step("name constraints", holders[0], Status.FAILED, "It carries name constraints, which this "
                    "validator cannot check, so it refuses the chain rather than guess.",
                    "name constraints not checked")
    return Step("name constraints", "whole chain", Status.NOT_CHECKED, "Not implemented; no CA on this path "
                "carries name constraints, so there was nothing to enforce.")
