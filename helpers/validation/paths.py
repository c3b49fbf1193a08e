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

**A work budget.** Eight CAs that share one name can be chained in 8! orders, so trying
"every" path is exponential, and a 4 kB file would keep a validator busy for minutes. Real
verifiers cap the work: cryptography stops after 128 signature checks, and Go and
rustls-webpki after 100 (the ``Budget`` in cryptography's ``cryptography-x509-verification``).
This builder counts each candidate issuer it tries and stops at :data:`MAX_ISSUER_CHECKS`;
the validator then reports "path search limit reached" unless a valid path was already found.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ..der import DERError, raw_name
from ..pem import short_name

#: Longest path tried, counted in issuers above the leaf (cryptography's default limit is 8 CAs).
MAX_ISSUERS = 9
#: Candidate issuers tried, at most, for one chain (cryptography: 128 signature checks).
MAX_ISSUER_CHECKS = 128
#: What cryptography raises when it first parses a malformed name or extension.
PARSE_ERRORS = (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType)


def name_of(cert: x509.Certificate) -> str:
    """The certificate's short name, or a description when its subject name does not decode."""
    try:
        return short_name(cert)
    except PARSE_ERRORS:
        return "(a certificate whose subject name does not decode)"


@dataclass(frozen=True)
class Path:
    """One candidate path: leaf first. ``anchored`` says whether it ends at a trust anchor."""

    certs: tuple[x509.Certificate, ...]
    anchored: bool
    too_long: bool = False  # the search stopped here: more than MAX_ISSUERS issuers

    def describe(self) -> str:
        arrow = " → ".join(name_of(c) for c in self.certs)
        if self.anchored:
            return f"{arrow} (trust anchor)"
        if self.too_long:
            return f"{arrow} (abandoned: longer than {MAX_ISSUERS} issuers)"
        return f"{arrow} (dead end: its issuer {issuer_name(self.certs[-1])} is neither trusted nor supplied)"


def role(path: Path, index: int) -> str:
    """'leaf api.yourapp.com', 'issuer YourApp Issuing CA 1' or 'anchor YourApp Root CA'."""
    kind = "leaf" if index == 0 else ("anchor" if path.anchored and index == len(path.certs) - 1
                                      else "issuer")
    return f"{kind} {name_of(path.certs[index])}"


def issuer_name(cert: x509.Certificate) -> str:
    """The issuer's CN (or whole name), or a description when it does not decode."""
    try:
        return short_name(cert.issuer)
    except PARSE_ERRORS:
        return "(a name that does not decode)"


@dataclass
class PathSearch:
    """What :func:`build_paths` found: the paths, and whether the work budget ran out first."""

    paths: list[Path] = field(default_factory=list)
    checks: int = 0
    exhausted: bool = False

    def __iter__(self):
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


def name_bytes(cert: x509.Certificate, which: str) -> bytes:
    """The issuer or subject name as signed (raw DER), so that even a name that does not decode
    can be matched, byte for byte, as cryptography's verifier matches names."""
    try:
        return raw_name(cert, which)
    except DERError:
        return getattr(cert, which).public_bytes()


def key_id(cert: x509.Certificate, oid) -> bytes | None:
    """The SKI (or the AKI's keyIdentifier) of ``cert``, or None when it has none or it does not parse."""
    try:
        value = cert.extensions.get_extension_for_oid(oid).value
    except (x509.ExtensionNotFound, *PARSE_ERRORS):
        return None
    return value.digest if oid == x509.OID_SUBJECT_KEY_IDENTIFIER else value.key_identifier


def aki_matches(child: x509.Certificate, issuer: x509.Certificate) -> bool | None:
    """True/False when both identifiers are present and agree/clash; None when one is missing."""
    want = key_id(child, x509.OID_AUTHORITY_KEY_IDENTIFIER)
    have = key_id(issuer, x509.OID_SUBJECT_KEY_IDENTIFIER)
    return None if want is None or have is None else want == have


@dataclass(frozen=True)
class Pool:
    """The anchors then the intermediates, without duplicates, indexed by subject name."""

    by_subject: dict[bytes, list[tuple[bytes, x509.Certificate]]]
    anchors: frozenset[bytes]

    @classmethod
    def of(cls, intermediates, anchors) -> Pool:
        by_subject: dict[bytes, list[tuple[bytes, x509.Certificate]]] = {}
        seen: set[bytes] = set()
        for cert in [*anchors, *intermediates]:
            cert_der = der(cert)
            if cert_der not in seen:
                seen.add(cert_der)
                by_subject.setdefault(name_bytes(cert, "subject"), []).append((cert_der, cert))
        return cls(by_subject, frozenset(der(a) for a in anchors))

    def candidates(self, cert: x509.Certificate) -> list[tuple[bytes, x509.Certificate]]:
        """Certificates whose subject is ``cert``'s issuer, most likely first.

        A candidate whose SKI equals ``cert``'s AKI comes first, one without either identifier
        next, a clashing one last; the sort is stable, so among equals a trust anchor is tried
        before an intermediate (as cryptography and Go order them).
        """
        found = self.by_subject.get(name_bytes(cert, "issuer"), [])
        rank = {True: 0, None: 1, False: 2}
        return sorted(found, key=lambda item: rank[aki_matches(cert, item[1])])


def build_paths(leaf, intermediates, anchors, budget: int = MAX_ISSUER_CHECKS) -> PathSearch:
    """Paths from ``leaf`` upwards, each ending at a trust anchor or a dead end, depth first, until
    ``budget`` candidate issuers have been tried."""
    pool = Pool.of(intermediates, anchors)
    search = PathSearch()

    def extend(path: list[tuple[bytes, x509.Certificate]]) -> None:
        top_der, top = path[-1]
        if top_der in pool.anchors:
            search.paths.append(Path(tuple(c for _, c in path), True))
            return
        on_path = {d for d, _ in path}
        nexts = [item for item in pool.candidates(top) if item[0] not in on_path]
        if not nexts or len(path) > MAX_ISSUERS:
            search.paths.append(Path(tuple(c for _, c in path), False, too_long=bool(nexts)))
            return
        for item in nexts:
            if search.checks >= budget:
                search.exhausted = True
                return
            search.checks += 1
            extend([*path, item])

    extend([(der(leaf), leaf)])
    return search


def unused(paths, intermediates) -> list[x509.Certificate]:
    """Supplied intermediates that no path used (extra, unrelated or duplicate certificates)."""
    used = {der(c) for p in paths for c in p.certs}
    out, seen = [], set()
    for cert in intermediates:
        if der(cert) not in used and der(cert) not in seen:
            seen.add(der(cert))
            out.append(cert)
    return out
