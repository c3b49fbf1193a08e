"""A small certificate authority with sensible defaults, in the spirit of trustme.

:meth:`CertificateAuthority.root` makes a self-signed root; :meth:`~CertificateAuthority.issue_intermediate`
and :meth:`~CertificateAuthority.issue_leaf` sign certificates below it. Unless you say otherwise,
keys come from labels (:func:`~helpers.pki.keys.key_from_label`), the serial number is derived
from the certificate's name, and the validity is the course's: CAs from 2025 to 2048-2049, leaves
for twenty years from 2026-06-01, so that the real clock (``openssl``, Python's ``ssl``) accepts
them too. Every signature in the course is made by :func:`_certify`, with deterministic ECDSA.

:func:`present` makes a TLS server context present a chain with its key, and :func:`trust` makes a
context trust certificates as anchors; ``Issued.configure_cert(ctx)`` and
``CertificateAuthority.configure_trust(ctx)`` are the same two for one course object. Every
``SSLContext`` in the course is built in :mod:`helpers.tls.contexts`, which loads certificates
only through these two.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import ssl
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..clock import parse_when, utc
from ..course import COURSE_ORG, HOST
from ..errors import BadInputError
from ..pem import PrivateKey, cert_pem, chain_files, chain_pem, host_general_name, key_pem
from .keys import key_from_label

SERVER_AUTH = (ExtendedKeyUsageOID.SERVER_AUTH,)


#: The course's default validity for roots, intermediates and leaves.
ROOT_VALIDITY = dict(not_before=utc(2025, 1, 1), not_after=utc(2049, 12, 31))
CA_VALIDITY = dict(not_before=utc(2025, 1, 1), not_after=utc(2048, 12, 31))


def leaf_dates(start: _dt.datetime) -> dict:
    """Twenty years from ``start``: unrealistically long, so the real clock accepts them until 2046."""
    return dict(not_before=start, not_after=start.replace(year=start.year + 20))


LEAF_VALIDITY = leaf_dates(utc(2026, 6, 1))


class CertificateRequestError(BadInputError):
    """A certificate that cannot be built as asked (dates, serial number, host names)."""


class ServerChainError(BadInputError):
    """A chain and key that a TLS server cannot present."""


def derived_serial(name: str) -> int:
    """A serial number derived from a certificate's name: stable, positive and 63 bits long."""
    return int.from_bytes(hashlib.sha256(b"course serial:" + name.encode()).digest()[:8], "big") >> 1 | 1


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key and the intermediates that chain it to its root."""

    name: str
    cert: x509.Certificate
    key: PrivateKey = field(repr=False)  # a key's repr shows a memory address
    intermediates: tuple[x509.Certificate, ...] = field(default=(), repr=False)
    root: x509.Certificate | None = field(default=None, repr=False)
    key_label: str | None = None

    @property
    def chain(self) -> list[x509.Certificate]:
        """What a server sends: this certificate, then its intermediates (never the root)."""
        return [self.cert, *self.intermediates]

    @property
    def pem(self) -> bytes:
        return cert_pem(self.cert)

    @property
    def key_pem(self) -> bytes:
        return key_pem(self.key)

    def configure_cert(self, context: ssl.SSLContext) -> ssl.SSLContext:
        """Make a server ``context`` present this certificate's chain with its key."""
        return present(context, self.chain, self.key)


def present(context: ssl.SSLContext, chain: list[x509.Certificate], key: PrivateKey) -> ssl.SSLContext:
    """Make a server ``context`` present ``chain`` (leaf first) signed for by ``key``."""
    with chain_files(chain, key) as (chain_path, key_path):  # ssl loads keys only from files
        try:
            context.load_cert_chain(chain_path, key_path)
        except ssl.SSLError:
            raise ServerChainError("the private key does not match the chain's first certificate; pass "
                                   "the leaf's own key.") from None
    return context


def trust(context: ssl.SSLContext, certs: list[x509.Certificate]) -> ssl.SSLContext:
    """Make ``context`` trust ``certs`` as anchors (on top of whatever it trusted already)."""
    context.load_verify_locations(cadata=chain_pem(certs).decode("ascii"))
    return context


@dataclass(frozen=True)
class CertificateAuthority:
    """A CA: its certificate, its key, and the certificates above it (nearest first; () for a root)."""

    name: str
    cert: x509.Certificate
    key: PrivateKey = field(repr=False)
    parents: tuple[x509.Certificate, ...] = field(default=(), repr=False)
    key_label: str | None = None

    @classmethod
    def root(cls, name, *, key_label=None, serial=None, not_before=ROOT_VALIDITY["not_before"],
             not_after=ROOT_VALIDITY["not_after"], path_length=None, org=COURSE_ORG,
             common_name=None) -> CertificateAuthority:
        """A self-signed root: it vouches for itself, so only a trust store can make it trusted."""
        key_label = key_label or f"{name} key"
        key = key_from_label(key_label)
        subject = subject_name(common_name or name, org)
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key())
        cert = _certify(subject, subject, key.public_key(), key, aki, _serial(serial, name),
                        not_before, not_after, _ca_extensions(path_length))
        return cls(name, cert, key, (), key_label)

    def issue_intermediate(self, name, *, key_label=None, serial=None, not_before=CA_VALIDITY["not_before"],
                           not_after=CA_VALIDITY["not_after"], path_length=0, org=COURSE_ORG,
                           common_name=None) -> CertificateAuthority:
        """A CA certificate signed by this CA; ``path_length`` CAs may sit below it."""
        key_label = key_label or f"{name} key"
        key = key_from_label(key_label)
        cert = self.sign(subject_name(common_name or name, org), key.public_key(), _serial(serial, name),
                          not_before, not_after, _ca_extensions(path_length))
        return CertificateAuthority(name, cert, key, (self.cert, *self.parents), key_label)

    def issue_leaf(self, hostnames, *, serial=None, not_before=LEAF_VALIDITY["not_before"],
                   not_after=LEAF_VALIDITY["not_after"], key=None, key_label=None, eku=SERVER_AUTH,
                   name=None, san=True) -> Issued:
        """A server certificate for ``hostnames`` (DNS names or IP addresses; the first is the CN).

        ``san=False`` leaves out the subjectAltName, so the names sit in the CN alone: the
        pre-2000 habit that modern clients refuse (lesson 03).
        """
        hostnames = _check_hostnames(hostnames)
        name = name or hostnames[0]
        if key is None:
            key_label = key_label or f"{hostnames[0]} key"
            key = key_from_label(key_label)
        cert = self.sign(subject_name(hostnames[0]), key.public_key(), _serial(serial, name), not_before,
                          not_after, _leaf_extensions(hostnames, eku, san))
        above = (self.cert, *self.parents)
        return Issued(name, cert, key, above[:-1], above[-1], key_label)

    def sign(self, subject: x509.Name, public_key, serial: int, not_before, not_after,
             extensions) -> x509.Certificate:
        """Sign any certificate body; the AKI repeats this CA's SKI so validators can find it.

        ``extensions`` is a list of ``(extension, critical)`` pairs. The gallery uses this to
        make deliberately wrong CA certificates; everything else uses the ``issue_*`` methods.
        """
        ski = self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
        return _certify(subject, self.cert.subject, public_key, self.key, aki, serial, not_before,
                        not_after, extensions)

    def configure_trust(self, context: ssl.SSLContext) -> ssl.SSLContext:
        """Make a client ``context`` trust this CA as an anchor."""
        return trust(context, [self.cert])

    @property
    def pem(self) -> bytes:
        return cert_pem(self.cert)


def _serial(serial: int | None, name: str) -> int:
    return derived_serial(name) if serial is None else serial


def subject_name(common_name: str, org: str | None = None) -> x509.Name:
    """``O=org, CN=common_name`` (or just the CN): how the course names its certificates."""
    parts = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)] if org else []
    return x509.Name([*parts, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _ca_extensions(path_length):
    """(extension, critical) pairs for a CA: critical basicConstraints and keyCertSign + cRLSign."""
    return [(x509.BasicConstraints(ca=True, path_length=path_length), True),
            (key_usage(cert_sign=True), True)]


def _leaf_extensions(hostnames, eku, san=True):
    """(extension, critical) pairs for a server leaf: not a CA, digitalSignature, EKU, SAN."""
    extensions = [(x509.BasicConstraints(ca=False, path_length=None), True),
                  (key_usage(cert_sign=False), True)]
    if san:
        extensions.append((x509.SubjectAlternativeName([host_general_name(h) for h in hostnames]), False))
    if eku:
        extensions.append((x509.ExtendedKeyUsage(list(eku)), False))
    return extensions


def key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    """keyCertSign + cRLSign for a CA, digitalSignature for a leaf."""
    return x509.KeyUsage(digital_signature=not cert_sign, content_commitment=False,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=cert_sign, crl_sign=cert_sign, encipher_only=False,
                         decipher_only=False)


def _check_hostnames(hostnames) -> list[str]:
    if isinstance(hostnames, str):
        hostnames = [hostnames]
    hostnames = list(hostnames or [])
    if not hostnames or not all(isinstance(h, str) and h.strip() for h in hostnames):
        raise CertificateRequestError(f"a leaf needs at least one host name, got {hostnames!r}; pass a "
                                      f"list such as [{HOST!r}].")
    if not all(h.isascii() for h in hostnames):
        raise CertificateRequestError(f"host names in certificates are ASCII, got {hostnames!r}; write "
                                      "an international name in its xn-- (punycode) form.")
    return hostnames


def _certify(subject, issuer, public_key, signing_key, aki, serial, not_before, not_after,
             extensions) -> x509.Certificate:
    """Build and sign one certificate: the single place where signatures are made."""
    not_before, not_after = parse_when(not_before), parse_when(not_after)
    if not not_before < not_after:
        raise CertificateRequestError(f"not_before ({not_before:%Y-%m-%d}) must come before not_after "
                                      f"({not_after:%Y-%m-%d}); swap them.")
    if not isinstance(serial, int) or not 0 < serial < 2**159:
        raise CertificateRequestError(f"serial {serial!r} must be a positive integer of at most 159 bits "
                                      "(20 bytes in DER); pick a number such as 1001.")
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(public_key).serial_number(serial)
               .not_valid_before(not_before).not_valid_after(not_after))
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
    builder = builder.add_extension(aki, False)
    if isinstance(signing_key, ec.EllipticCurvePrivateKey):
        return builder.sign(signing_key, hashes.SHA256(), ecdsa_deterministic=True)
    return builder.sign(signing_key, hashes.SHA256())


def tamper_signature(cert: x509.Certificate) -> x509.Certificate:
    """The same certificate with one bit of its signature flipped (the last byte of the DER)."""
    der = cert.public_bytes(serialization.Encoding.DER)
    return x509.load_der_x509_certificate(der[:-1] + bytes([der[-1] ^ 0x01]))
