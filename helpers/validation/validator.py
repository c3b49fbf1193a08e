"""``explain()``: build every candidate path, run every check on each, and report.

The verdict is "valid" when at least one path from the leaf to a trust anchor passes every
implemented check. The report shows the steps of that path (or, when none passes, of the
path that came closest), and lists the other candidates with the reason each was rejected.
Checks this validator does not implement are listed as "not checked", never as passed.

Hostile input never becomes a traceback: a certificate that cannot be read is refused at
the "format" step (:mod:`.wellformed`), and a path search that runs out of its work budget
(:mod:`.paths`) is refused with "path search limit reached".
"""

from __future__ import annotations

import datetime as _dt
import warnings

from .. import clock
from ..pem import as_certificates, single_certificate
from .checks import ca_steps, path_length_steps, signature_problem, signature_steps, validity_steps
from .constraints import name_constraints_step
from .names import UnmatchableHost, has_san, host_matches, parse_host, san_entries
from .paths import MAX_ISSUER_CHECKS, Path, build_paths, name_of, role, unused
from .profile import eku_steps, end_entity_step, format_steps
from .report import Rejected, Report, Status, Step
from .wellformed import key_steps, readable_steps

NOT_IMPLEMENTED = (
    ("certificate policies", "Policy OIDs and policy constraints are not evaluated (cryptography "
     "ignores them too; OpenSSL can with -policy)."),
    ("revocation", "Whether a CA revoked a certificate (CRL, OCSP, CRLite) is not checked."),
    ("certificate transparency", "Signed certificate timestamps (SCTs) are not checked; Chrome, "
     "Apple platforms and Firefox desktop (since 135) require them for publicly trusted certificates."),
)
#: cryptography's warning for a name attribute of the wrong length, raised lazily when a name is read.
_LENGTH_WARNING = r"Attribute's length must be"


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
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_LENGTH_WARNING, category=UserWarning)
        search = build_paths(leaf, intermediates, anchors)
        judged = [(path, judge(path, wanted, at)) for path in search.paths]
        best_path, best_steps = max(judged, key=lambda item: score(*item))
        rejected = tuple(Rejected(path.describe(), first_failure(steps))
                         for path, steps in judged if path is not best_path)
        notes = tuple(f"{name_of(c)} was supplied but is not on any candidate path (extra or unrelated)."
                      for c in unused(search.paths, intermediates))
    if search.exhausted:
        best_steps, notes = limit_reached(best_steps, notes, search.checks)
    return Report(str(host).strip(), at, best_path.certs, tuple(best_steps), rejected, notes)


def judge(path: Path, host, at: _dt.datetime) -> list[Step]:
    """Every step for one candidate path, in the order the lesson teaches them.

    A certificate that cannot be read stops the judging: its failed "format" step comes first,
    and the checks that would have to read it are listed as not checked.
    """
    unreadable = readable_steps(path)
    if unreadable:
        return [*unreadable, Step("every other check", "whole chain", Status.NOT_CHECKED, "Not run: a "
                                  "certificate on this path cannot be read, so nothing in it can be checked.")]
    return [*signature_steps(path), *key_steps(path), *validity_steps(path, at), *ca_steps(path),
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


def limit_reached(steps: list[Step], notes: tuple[str, ...], checks: int) -> tuple[list[Step], tuple]:
    """The search stopped early: refuse unless the best path found so far is valid."""
    if not any(s.failed for s in steps):
        return steps, (*notes, f"The path search stopped after {checks} candidate issuers, after it had "
                       "found this valid path.")
    limit = Step("path building", "whole chain", Status.FAILED, f"The search stopped after trying {checks} "
                 "candidate issuers (the limit is " f"{MAX_ISSUER_CHECKS}) without finding a valid path: too "
                 "many certificates share a name, the shape of a denial-of-service attack. Real verifiers "
                 "stop too (cryptography after 128 signature checks, Go and rustls-webpki after 100).",
                 "path search limit reached")
    return [limit, *steps], notes


def hostname_step(path: Path, host) -> Step:
    """The leaf's subjectAltName must cover ``host``; the CN is never consulted."""
    leaf, subject = path.certs[0], role(path, 0)
    if isinstance(host, UnmatchableHost):
        return Step("hostname", subject, Status.FAILED, host.why, "unmatchable host name")
    if not has_san(leaf):
        return Step("hostname", subject, Status.FAILED, "It has no subjectAltName, and the CN is never "
                    f"used as a fallback, so it names no host at all, not {host}.", "wrong host")
    entry = host_matches(leaf, host)
    if entry is None:
        dns, ips = san_entries(leaf)
        entries = [*dns, *map(str, ips)]
        more = f" and {len(entries) - 10} more" if len(entries) > 10 else ""  # a hostile SAN can list thousands
        listed = ", ".join(entries[:10]) + more or "nothing usable"
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
                    f"The path ends at {name_of(top)}, one of your trust anchors.")
    issuer = top.issuer.rfc4514_string()  # readable: judge() checked every name decodes
    if top.issuer == top.subject and signature_problem(top, top) is None:
        return Step("trust anchor", f"issuer {name_of(top)}", Status.FAILED, f"The path ends at the self-signed "
                    f"root {name_of(top)}, which is not one of your trust anchors.", "unknown root")
    if len(path.certs) == 1:
        return Step("trust anchor", role(path, 0), Status.FAILED, f"No supplied or trusted certificate is "
                    f"named {issuer}, the leaf's issuer: most likely the server left out the intermediate.",
                    "missing intermediate")
    return Step("trust anchor", role(path, len(path.certs) - 1), Status.FAILED, f"Its issuer, {issuer}, is not "
                "among your trust anchors (and was not supplied): most likely an unknown root.", "unknown root")
