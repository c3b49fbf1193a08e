"""The failure gallery: ten chains for api.yourapp.com, each failing validation for one reason.

Each case also carries its *fixed* twin, the same chain with only that one thing corrected,
which validates. Lesson 03 shows every case beside cryptography's and OpenSSL's verdicts.
The cases are one data table (:func:`_specs`) and one loop (:func:`build_gallery`).

The ``explicit-curve`` leaf holds the gallery's P-256 key, but its SubjectPublicKeyInfo spells
out the curve (prime, coefficients, generator, order) instead of naming it: the encoding that
CurveBall (CVE-2020-0601) abused. cryptography's builder cannot write that encoding, so
:func:`with_explicit_curve` swaps it into the signed bytes and signs them again, with
deterministic ECDSA like every other signature in the course.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, replace

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import ExtendedKeyUsageOID

from ..clock import COURSE_NOW, utc
from ..course import COURSE_ORG, HOST
from ..pem import short_name
from .ca import (
    CA_VALIDITY,
    ROOT_VALIDITY,
    SERVER_AUTH,
    CertificateAuthority,
    CertificateRequestError,
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
    explicit_curve: bool = False


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
        _Spec("explicit-curve", 4014, "explicit curve", "Its P-256 key spells out the curve's parameters "
              "instead of naming the curve, the encoding behind the CurveBall attack (CVE-2020-0601).", inter,
              inters, {}, "gallery, explicit curve: api.yourapp.com whose key spells out P-256's parameters",
              explicit_curve=True),
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
        if spec.explicit_curve:
            leaf = with_explicit_curve(issued.cert, spec.issuer.key)
        fix = dict(spec.fix)
        if spec.tamper or spec.explicit_curve:  # fixed: the same leaf, intact or with its curve named
            fix["leaf"] = issued.cert
        if spec.eku != SERVER_AUTH:  # fixed: the same leaf with the default (serverAuth) EKU
            fix["leaf"] = _gallery_leaf(spec.issuer, spec.slug, spec.serial).cert
        broken = GalleryCase(spec.slug, leaf, list(spec.intermediates), [root.cert], HOST, spec.reason,
                             spec.explanation)
        cases[spec.slug] = replace(broken, fixed=replace(broken, **fix))
        files += [(x[key], what) for key, what in _CA_FILES.get(spec.slug, [])]
        files.append((replace(issued, cert=leaf), spec.what))
    return cases, files


# --- explicit curve parameters (CurveBall) ---------------------------------------------------------

#: NIST P-256 (SEC 2, secp256r1): the field prime, the coefficients a and b, the generator, the order.
P256 = dict(p=2**256 - 2**224 + 2**192 + 2**96 - 1, a=2**256 - 2**224 + 2**192 + 2**96 - 4,
            b=0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
            gx=0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
            gy=0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
            n=0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551)
_EC_PUBLIC_KEY, _PRIME_FIELD = "1.2.840.10045.2.1", "1.2.840.10045.1.1"
_ECDSA_SHA256 = "1.2.840.10045.4.3.2"


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    size = (n.bit_length() + 7) // 8
    return bytes([tag]) + (bytes([n]) if n < 0x80 else bytes([0x80 | size]) + n.to_bytes(size, "big")) + content


def _integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _oid(dotted: str) -> bytes:
    return _tlv(0x06, _oid_content(dotted))


def _oid_content(dotted: str) -> bytes:
    first, second, *rest = map(int, dotted.split("."))
    out = b""
    for number in [40 * first + second, *rest]:
        chunk = [number & 0x7F]
        while number > 0x7F:
            number >>= 7
            chunk.append(0x80 | number & 0x7F)
        out += bytes(reversed(chunk))
    return out


def explicit_curve_spki(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """A P-256 key's SubjectPublicKeyInfo with the curve spelled out (RFC 3279 ECParameters)."""
    c = P256
    point = public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    curve = _tlv(0x30, _tlv(0x04, c["a"].to_bytes(32, "big")) + _tlv(0x04, c["b"].to_bytes(32, "big")))
    generator = _tlv(0x04, b"\x04" + c["gx"].to_bytes(32, "big") + c["gy"].to_bytes(32, "big"))
    parameters = _tlv(0x30, _integer(1) + _tlv(0x30, _oid(_PRIME_FIELD) + _integer(c["p"])) + curve
                      + generator + _integer(c["n"]) + _integer(1))
    return _tlv(0x30, _tlv(0x30, _oid(_EC_PUBLIC_KEY) + parameters) + _tlv(0x03, b"\x00" + point))


def with_explicit_curve(cert: x509.Certificate, issuer_key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    """``cert`` with its P-256 key re-encoded with explicit parameters, signed again by ``issuer_key``."""
    public_key = cert.public_key()
    named = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    tbs = cert.tbs_certificate_bytes
    header = 2 + (tbs[1] & 0x7F if tbs[1] & 0x80 else 0)  # the TBS SEQUENCE's tag and length bytes
    body = tbs[header:]
    if body.count(named) != 1:
        raise CertificateRequestError("with_explicit_curve needs a certificate with a named P-256 key; "
                                      "pass one issued by the course CA.")
    new_tbs = _tlv(0x30, body.replace(named, explicit_curve_spki(public_key)))
    signature = issuer_key.sign(new_tbs, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    algorithm = _tlv(0x30, _oid(_ECDSA_SHA256))
    return x509.load_der_x509_certificate(_tlv(0x30, new_tbs + algorithm + _tlv(0x03, b"\x00" + signature)))
