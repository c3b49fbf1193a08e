"""Path building: from the leaf up to a trust anchor, trying every candidate issuer.

A server sends a leaf and (usually) some intermediates; the client holds trust anchors. To
find a chain, start at the leaf and ask "who issued this?": every supplied or trusted
certificate whose **subject** equals this certificate's **issuer** name is a candidate. The
Authority Key Identifier (AKI) in the child and the Subject Key Identifier (SKI) in the
candidate narrow it down: a matching pair is tried first, a clashing pair last (names can
collide; only the signature, checked later, decides). Repeat until a trust anchor is
reached, or until nothing more fits (a dead end).

Because a name can match more than one certificate (a cross-signed CA, a renewed
intermediate, a root sent by the server), there can be several paths; this module returns
all of them and :mod:`helpers.validation.checks` judges each one.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from ..pem import short_name

#: Longest path tried, counted in issuers above the leaf (cryptography's default limit is 8 CAs).
MAX_ISSUERS = 9


@dataclass(frozen=True)
class Path:
    """One candidate path: leaf first. ``anchored`` says whether it ends at a trust anchor."""

    certs: tuple[x509.Certificate, ...]
    anchored: bool

    def describe(self) -> str:
        arrow = " → ".join(short_name(c) for c in self.certs)
        if self.anchored:
            return f"{arrow} (trust anchor)"
        top = self.certs[-1]
        issuer = top.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
        name = str(issuer[0].value) if issuer else top.issuer.rfc4514_string()
        return f"{arrow} (dead end: its issuer {name} is neither trusted nor supplied)"


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


def key_id(cert: x509.Certificate, oid) -> bytes | None:
    """The SKI (or the AKI's keyIdentifier) of ``cert``, or None when it has none."""
    try:
        value = cert.extensions.get_extension_for_oid(oid).value
    except (x509.ExtensionNotFound, ValueError):
        return None
    return value.digest if oid == x509.OID_SUBJECT_KEY_IDENTIFIER else value.key_identifier


def aki_matches(child: x509.Certificate, issuer: x509.Certificate) -> bool | None:
    """True/False when both identifiers are present and agree/clash; None when one is missing."""
    want = key_id(child, x509.OID_AUTHORITY_KEY_IDENTIFIER)
    have = key_id(issuer, x509.OID_SUBJECT_KEY_IDENTIFIER)
    return None if want is None or have is None else want == have


def candidate_issuers(cert, pool) -> list[x509.Certificate]:
    """Certificates in ``pool`` whose subject is ``cert``'s issuer, most likely first.

    ``pool`` is the anchors followed by the intermediates, as (subject DER, cert DER, cert)
    triples without duplicates. A candidate whose SKI equals ``cert``'s AKI comes first, one
    without either identifier next, a clashing one last; the sort is stable, so among equals
    a trust anchor is tried before an intermediate.
    """
    wanted = cert.issuer.public_bytes()
    found = [candidate for subject, _, candidate in pool if subject == wanted]
    rank = {True: 0, None: 1, False: 2}
    return sorted(found, key=lambda c: rank[aki_matches(cert, c)])


def make_pool(intermediates, anchors) -> list[tuple[bytes, bytes, x509.Certificate]]:
    pool, seen = [], set()
    for cert in [*anchors, *intermediates]:
        if der(cert) not in seen:
            seen.add(der(cert))
            pool.append((cert.subject.public_bytes(), der(cert), cert))
    return pool


def build_paths(leaf, intermediates, anchors) -> list[Path]:
    """Every path from ``leaf`` upwards: each ends at a trust anchor or at a dead end."""
    pool = make_pool(intermediates, anchors)
    anchor_ders = {der(a) for a in anchors}
    der_of = {id(cert): cert_der for _, cert_der, cert in pool} | {id(leaf): der(leaf)}
    paths: list[Path] = []

    def extend(path: list[x509.Certificate]) -> None:
        top = path[-1]
        if der_of[id(top)] in anchor_ders:
            paths.append(Path(tuple(path), True))
            return
        on_path = {der_of[id(c)] for c in path}
        nexts = [c for c in candidate_issuers(top, pool) if der_of[id(c)] not in on_path]
        if not nexts or len(path) > MAX_ISSUERS:
            paths.append(Path(tuple(path), False))
            return
        for issuer in nexts:
            extend([*path, issuer])

    extend([leaf])
    return paths


def unused(paths: list[Path], intermediates) -> list[x509.Certificate]:
    """Supplied intermediates that no path used (extra, unrelated or duplicate certificates)."""
    used = {der(c) for p in paths for c in p.certs}
    out, seen = [], set()
    for cert in intermediates:
        if der(cert) not in used and der(cert) not in seen:
            seen.add(der(cert))
            out.append(cert)
    return out
