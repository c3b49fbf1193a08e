"""The failure gallery: nine chains for api.yourapp.com, each failing validation for one reason.

Each case also carries its *fixed* twin, the same chain with only that one thing corrected,
which validates. Lesson 03 shows every case beside cryptography's and OpenSSL's verdicts.
The cases are one data table (:func:`_specs`) and one loop (:func:`build_gallery`).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, replace

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from ..clock import COURSE_NOW, utc
from ..course import COURSE_ORG, HOST
from ..pem import short_name
from .ca import (
    CA_VALIDITY,
    ROOT_VALIDITY,
    SERVER_AUTH,
    CertificateAuthority,
    Issued,
    key_usage,
    leaf_dates,
    subject_name,
    tamper_signature,
)
from .keys import key_from_label

GALLERY_KEY = "gallery leaf key"


@dataclass(frozen=True)
class GalleryCase:
    """A chain that fails validation for exactly one ``reason``; ``fixed`` is the same chain with
    only that one thing corrected (it validates)."""

    name: str
    leaf: x509.Certificate
    intermediates: list[x509.Certificate]
    roots: list[x509.Certificate]
    host: str
    reason: str
    explanation: str = ""
    at: _dt.datetime = COURSE_NOW
    fixed: GalleryCase | None = None


@dataclass(frozen=True)
class _Spec:
    """One row of the gallery table: how to make the broken leaf, its chain, and the fix."""

    slug: str
    serial: int
    reason: str
    explanation: str
    issuer: CertificateAuthority
    intermediates: list[x509.Certificate]
    fix: dict            # the fields of the fixed twin; a tampered or wrong-EKU leaf is also re-made
    what: str
    hosts: tuple[str, ...] = (HOST,)
    dates: dict | None = None
    eku: tuple = SERVER_AUTH
    tamper: bool = False


def _gallery_leaf(issuer: CertificateAuthority, slug: str, serial: int, *, hosts=(HOST,), dates=None,
                  eku=SERVER_AUTH) -> Issued:
    return issuer.issue_leaf(list(hosts), serial=serial, key_label=GALLERY_KEY, eku=eku,
                             name=f"gallery-{slug}", **(dates or leaf_dates(utc(2026, 6, 1))))


def _ca_twin(root: CertificateAuthority, name: str, *, ca: bool) -> CertificateAuthority:
    """A CA-shaped certificate (keyCertSign, pathLen 0 when a CA) that differs only in the cA flag.

    Both twins share serial 4004: the repaired one is a counterfactual for the gallery, never
    served or written to data/certs/ beside the broken one.
    """
    key_label = "gallery not-a-CA key"
    key = key_from_label(key_label)
    extensions = [(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), True),
                  (key_usage(cert_sign=True), True)]
    cert = root.sign(subject_name("YourApp Signing Service", COURSE_ORG), key.public_key(), 4004,
                     utc(2025, 1, 1), utc(2048, 12, 31), extensions)
    return CertificateAuthority(name, cert, key, (root.cert,), key_label)


def _ingredients(root: CertificateAuthority, inter: CertificateAuthority) -> dict:
    """The CAs the broken chains need besides the course root and intermediate."""
    stranger = CertificateAuthority.root("stranger-root", common_name="Stranger Root CA",
                                         org="Nobody You Trust Ltd", key_label="stranger root",
                                         serial=4011, **ROOT_VALIDITY)
    return dict(
        not_ca=_ca_twin(root, "gallery-not-a-ca-issuer", ca=False),
        as_ca=_ca_twin(root, "gallery-not-a-ca-issuer", ca=True),
        # The legitimate intermediate (pathLen 0) signed a sub-CA, which issued a leaf.
        sub=inter.issue_intermediate("gallery-sub-intermediate", common_name="YourApp Sub-CA",
                                     key_label="gallery sub-intermediate", serial=4006, **CA_VALIDITY),
        inter_len1=root.issue_intermediate(inter.name, common_name=short_name(inter.cert), path_length=1,
                                           key_label=inter.key_label, serial=1002, **CA_VALIDITY),
        stranger=stranger,
        stranger_inter=stranger.issue_intermediate(
            "stranger-intermediate", common_name="Stranger Issuing CA", org="Nobody You Trust Ltd",
            key_label="stranger intermediate", serial=4012, **CA_VALIDITY),
    )


def _specs(root, inter, x) -> list[_Spec]:
    """The gallery as a table: one row per reason, in the order lesson 03 shows them."""
    inters = [inter.cert]
    return [
        _Spec("expired", 4001, "expired", "Its notAfter (2026-03-01) is before the course clock.", inter,
              inters, dict(at=utc(2025, 9, 1)), "gallery, expired: valid 2025-03-01 to 2026-03-01",
              dates=dict(not_before=utc(2025, 3, 1), not_after=utc(2026, 3, 1))),
        _Spec("not-yet-valid", 4002, "not yet valid", "Its notBefore (2041-01-01) is after the course clock.",
              inter, inters, dict(at=utc(2042, 1, 1)), "gallery, not yet valid: valid 2041-01-01 to 2046-01-01",
              dates=dict(not_before=utc(2041, 1, 1), not_after=utc(2046, 1, 1))),
        _Spec("wrong-host", 4003, "wrong host", f"Its SAN names only www.yourapp.com, not {HOST}.", inter,
              inters, dict(host="www.yourapp.com"), "gallery, wrong host: a valid leaf for www.yourapp.com only",
              hosts=("www.yourapp.com",)),
        _Spec("issuer-not-a-ca", 4005, "issuer not a CA", "Its issuer's basicConstraints says cA=FALSE, so "
              "that certificate may not sign other certificates.", x["not_ca"], [x["not_ca"].cert],
              dict(intermediates=[x["as_ca"].cert]),
              "gallery, issuer not a CA: api.yourapp.com signed by gallery-not-a-ca-issuer"),
        _Spec("path-length-exceeded", 4007, "path length exceeded", "The intermediate allows no CA below it "
              "(pathLen 0), yet a sub-CA issued this leaf.", x["sub"], [x["sub"].cert, inter.cert],
              dict(intermediates=[x["sub"].cert, x["inter_len1"].cert]),
              "gallery, path length exceeded: api.yourapp.com issued by gallery-sub-intermediate"),
        _Spec("wrong-eku", 4008, "wrong EKU", "Its extended key usage is clientAuth only, not serverAuth.",
              inter, inters, {}, "gallery, wrong EKU: api.yourapp.com with clientAuth only",
              eku=(ExtendedKeyUsageOID.CLIENT_AUTH,)),
        _Spec("tampered-signature", 4009, "tampered signature", "One bit of its signature was flipped, so "
              "the intermediate's signature no longer verifies.", inter, inters, {},
              "gallery, tampered signature: one signature bit flipped", tamper=True),
        _Spec("missing-intermediate", 4010, "missing intermediate", "The server sent the leaf without the "
              "intermediate that links it to the root.", inter, [], dict(intermediates=inters),
              "gallery, missing intermediate: a valid leaf, served without its intermediate"),
        _Spec("unknown-root", 4013, "unknown root", "Its chain ends at Stranger Root CA, which is not in "
              "the trust store.", x["stranger_inter"], [x["stranger_inter"].cert],
              dict(roots=[x["stranger"].cert]), "gallery, unknown root: api.yourapp.com chaining to Stranger Root CA"),
    ]


#: Files for the CAs that only the gallery uses, written after the leaf they first appear beside.
_CA_FILES = {
    "issuer-not-a-ca": [("not_ca", "gallery: a certificate under the root whose basicConstraints says cA=FALSE")],
    "path-length-exceeded": [("sub", "gallery: a sub-CA that yourapp-intermediate (pathLen 0) was not "
                                     "allowed to make")],
    "unknown-root": [("stranger", "gallery: Stranger Root CA, a root that is not in the course trust store"),
                     ("stranger_inter", "gallery: the intermediate under Stranger Root CA")],
}


def build_gallery(root: CertificateAuthority, inter: CertificateAuthority):
    """``({slug: GalleryCase}, [(Issued or CA, what it is)])``: the cases and the files behind them."""
    x = _ingredients(root, inter)
    cases, files = {}, []
    for spec in _specs(root, inter, x):
        issued = _gallery_leaf(spec.issuer, spec.slug, spec.serial, hosts=spec.hosts, dates=spec.dates,
                               eku=spec.eku)
        leaf = tamper_signature(issued.cert) if spec.tamper else issued.cert
        fix = dict(spec.fix)
        if spec.tamper:  # fixed: the same leaf with its signature intact
            fix["leaf"] = issued.cert
        if spec.eku != SERVER_AUTH:  # fixed: the same leaf with the default (serverAuth) EKU
            fix["leaf"] = _gallery_leaf(spec.issuer, spec.slug, spec.serial).cert
        broken = GalleryCase(spec.slug, leaf, list(spec.intermediates), [root.cert], HOST, spec.reason,
                             spec.explanation)
        cases[spec.slug] = replace(broken, fixed=replace(broken, **fix))
        files += [(x[key], what) for key, what in _CA_FILES.get(spec.slug, [])]
        files.append((replace(issued, cert=leaf), spec.what))
    return cases, files
