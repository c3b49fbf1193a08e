"""The course PKI: toy keys, a small certificate authority, and every certificate the lessons use.

**Toy keys, public by design.** Every EC key here is derived from a short label by hashing it,
so anyone who reads this file can rebuild every private key. That is what makes the course
deterministic (the same certificates, byte for byte, on every machine), and it is also why these
keys must never protect anything real. The one RSA key (``data/certs/rsa-example.key.pem``) was
generated once and committed, because RSA keys cannot be derived from a label; it is just as
public.

The module reads top to bottom: keys, the :class:`CertificateAuthority`, loading and writing
PEM files, then the catalogue :func:`course_pki` that builds the course's whole PKI, including the
attackers' certificates and the failure gallery.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import ipaddress
import os
import re
import tempfile
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .clock import COURSE_NOW, UTC, parse_when
from .errors import CourseError
from .pinning.pins import spki_pin

#: The server every lesson connects to.
HOST = "api.yourapp.com"

#: Where the committed PEM files live (``python -m helpers make-certs`` rewrites them).
CERTS_DIR = Path(__file__).resolve().parent.parent / "data" / "certs"
RSA_EXAMPLE_KEY_FILE = "rsa-example.key.pem"

#: Mixed into every label before hashing, so course keys never collide with other toy schemes.
KEY_PREFIX = b"https-pinning-course toy key v1:"
#: The order n of the P-256 group: a private key is an integer in [1, n-1].
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

COURSE_ORG = "YourApp Inc. (course toy PKI)"
SERVER_AUTH = (ExtendedKeyUsageOID.SERVER_AUTH,)

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


# --- errors -------------------------------------------------------------------------------------

class PKIError(CourseError, ValueError):
    """Bad input to the course PKI (a label, a serial number, dates, host names)."""


class CertificateFormatError(PKIError):
    """Bytes that are not the PEM certificate(s) a helper expected."""


class EmptyCertificateError(CertificateFormatError):
    """The file or text was empty."""


class DERInsteadOfPEMError(CertificateFormatError):
    """Binary DER was given where text PEM was expected."""


class PrivateKeyInsteadOfCertificateError(CertificateFormatError):
    """A private key was given where a certificate was expected."""


class CertificateFileError(PKIError):
    """A certificate file that does not exist or cannot be read."""


# --- keys ---------------------------------------------------------------------------------------

def key_from_label(label: str) -> ec.EllipticCurvePrivateKey:
    """Derive a deterministic EC P-256 **toy** key from ``label``.

    The private scalar is SHA-256(prefix + label), reduced into [1, n-1]. Anyone who knows the
    label knows the key: public by design, never use such a key for anything real.
    """
    if not isinstance(label, str) or not label.strip():
        raise PKIError(f"a key label must be a non-empty string, not {label!r}; pass a name like "
                       "'api.yourapp.com key 1'.")
    digest = hashlib.sha256(KEY_PREFIX + label.encode("utf-8")).digest()
    scalar = int.from_bytes(digest, "big") % (P256_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def rsa_example_key(certs_dir: Path | str = CERTS_DIR) -> rsa.RSAPrivateKey:
    """The course's one RSA-2048 example key, loaded from the committed PEM (public by design)."""
    path = Path(certs_dir) / RSA_EXAMPLE_KEY_FILE
    return serialization.load_pem_private_key(_rsa_key_bytes(path), password=None)


def _rsa_key_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        raise PKIError(f"the committed RSA example key {path} is missing or unreadable; restore it "
                       "from git (RSA keys cannot be derived, so it is never regenerated).") from None


def private_key_pem(key: PrivateKey) -> bytes:
    """The key as unencrypted PKCS#8 PEM."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


# --- the certificate authority ------------------------------------------------------------------

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
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return private_key_pem(self.key)


@dataclass(frozen=True)
class CertificateAuthority:
    """A CA: its certificate, its key, and the certificates above it (nearest first; () for a root)."""

    name: str
    cert: x509.Certificate
    key: PrivateKey = field(repr=False)
    parents: tuple[x509.Certificate, ...] = field(default=(), repr=False)
    key_label: str | None = None

    @classmethod
    def root(cls, name, *, key_label, serial, not_before, not_after, path_length=None,
             org=COURSE_ORG, common_name=None) -> CertificateAuthority:
        """A self-signed root: it vouches for itself, so only a trust store can make it trusted."""
        key = key_from_label(key_label)
        subject = _name(common_name or name, org)
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key())
        cert = _certify(subject, subject, key.public_key(), key, aki, serial, not_before, not_after,
                        _ca_extensions(path_length))
        return cls(name, cert, key, (), key_label)

    def issue_intermediate(self, name, *, key_label, serial, not_before, not_after, path_length=0,
                           org=COURSE_ORG, common_name=None) -> CertificateAuthority:
        """A CA certificate signed by this CA; ``path_length`` CAs may sit below it."""
        key = key_from_label(key_label)
        cert = self._sign(_name(common_name or name, org), key.public_key(), serial,
                          not_before, not_after, _ca_extensions(path_length))
        return CertificateAuthority(name, cert, key, (self.cert, *self.parents), key_label)

    def issue_leaf(self, hostnames, *, serial, not_before, not_after, key=None, key_label=None,
                   eku=SERVER_AUTH, name=None) -> Issued:
        """A server certificate for ``hostnames`` (DNS names or IP addresses; the first is the CN)."""
        hostnames = _check_hostnames(hostnames)
        if key is None:
            key_label = key_label or f"{hostnames[0]} key"
            key = key_from_label(key_label)
        cert = self._sign(_name(hostnames[0]), key.public_key(), serial, not_before, not_after,
                          _leaf_extensions(hostnames, eku))
        above = (self.cert, *self.parents)
        return Issued(name or hostnames[0], cert, key, above[:-1], above[-1], key_label)

    def _sign(self, subject, public_key, serial, not_before, not_after, extensions):
        """Sign with this CA's key; the AKI repeats this CA's SKI so validators can find it."""
        ski = self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
        return _certify(subject, self.cert.subject, public_key, self.key, aki, serial, not_before,
                        not_after, extensions)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _name(common_name: str, org: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)] if org else []
    return x509.Name([*parts, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _ca_extensions(path_length):
    """(extension, critical) pairs for a CA: critical basicConstraints and keyCertSign + cRLSign."""
    return [(x509.BasicConstraints(ca=True, path_length=path_length), True),
            (_key_usage(cert_sign=True), True)]


def _leaf_extensions(hostnames, eku):
    """(extension, critical) pairs for a server leaf: not a CA, digitalSignature, EKU, SAN."""
    extensions = [(x509.BasicConstraints(ca=False, path_length=None), True),
                  (_key_usage(cert_sign=False), True),
                  (x509.SubjectAlternativeName([_general_name(h) for h in hostnames]), False)]
    if eku:
        extensions.append((x509.ExtendedKeyUsage(list(eku)), False))
    return extensions


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=not cert_sign, content_commitment=False,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=cert_sign, crl_sign=cert_sign, encipher_only=False,
                         decipher_only=False)


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _check_hostnames(hostnames) -> list[str]:
    if isinstance(hostnames, str):
        hostnames = [hostnames]
    hostnames = list(hostnames or [])
    if not hostnames or not all(isinstance(h, str) and h.strip() for h in hostnames):
        raise PKIError(f"a leaf needs at least one host name, got {hostnames!r}; pass a list such "
                       f"as [{HOST!r}].")
    if not all(h.isascii() for h in hostnames):
        raise PKIError(f"host names in certificates are ASCII, got {hostnames!r}; write an "
                       "international name in its xn-- (punycode) form.")
    return hostnames


def _certify(subject, issuer, public_key, signing_key, aki, serial, not_before, not_after,
             extensions) -> x509.Certificate:
    """Build and sign one certificate: the single place where signatures are made."""
    not_before, not_after = parse_when(not_before), parse_when(not_after)
    if not not_before < not_after:
        raise PKIError(f"not_before ({not_before:%Y-%m-%d}) must come before not_after "
                       f"({not_after:%Y-%m-%d}); swap them.")
    if not isinstance(serial, int) or not 0 < serial < 2**159:
        raise PKIError(f"serial {serial!r} must be a positive integer of at most 159 bits "
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


# --- reading and writing PEM --------------------------------------------------------------------

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\s.*?-----END \1-----", re.DOTALL)


def load_certificates(source: bytes | str | Path) -> list[x509.Certificate]:
    """Every certificate in PEM ``source`` (bytes, PEM text, or a path to a file).

    Other PEM blocks (a private key next to the certificate) are skipped. Raises a
    :class:`CertificateFormatError` subclass naming the problem: empty input, DER instead of PEM,
    a private key and no certificate, or bytes that are not PEM at all.
    """
    data, where = _read_source(source)
    if not data.strip():
        raise EmptyCertificateError(f"{where} is empty; pass a file that contains a "
                                    "-----BEGIN CERTIFICATE----- block.")
    blocks = [(m.group(1).decode(), m.group(0)) for m in _PEM_BLOCK.finditer(data)]
    with warnings.catch_warnings():  # a few real roots have serial 0, which cryptography warns about
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        certs = [_load_pem_block(block, where) for kind, block in blocks if kind == "CERTIFICATE"]
    if certs:
        return certs
    kinds = [kind for kind, _ in blocks]
    if any(kind.endswith("PRIVATE KEY") for kind in kinds):
        raise PrivateKeyInsteadOfCertificateError(
            f"{where} holds a private key, not a certificate; pass the certificate file "
            "(its PEM starts with -----BEGIN CERTIFICATE-----).")
    if kinds:
        raise CertificateFormatError(f"{where} holds a PEM {kinds[0]}, not a certificate; pass a "
                                     "file that contains a -----BEGIN CERTIFICATE----- block.")
    if data[:1] == b"\x30" and _is_der_private_key(data):
        raise PrivateKeyInsteadOfCertificateError(
            f"{where} holds a private key (binary DER), not a certificate; pass the certificate file.")
    if data[:1] == b"\x30":
        raise DERInsteadOfPEMError(
            f"{where} looks like binary DER, not PEM text; convert it with "
            "`openssl x509 -inform DER -in f.der -out f.pem` and pass the .pem file.")
    raise CertificateFormatError(f"{where} is not a PEM certificate (no -----BEGIN CERTIFICATE----- "
                                 "line found); pass a PEM file such as data/certs/api.yourapp.com.pem.")


def _read_source(source) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray):
        return bytes(source), "the data"
    if isinstance(source, str) and "-----BEGIN" in source:
        return source.encode("utf-8", "replace"), "the text"
    if not isinstance(source, str | os.PathLike):
        raise CertificateFormatError(f"expected PEM bytes, PEM text or a file path, not "
                                     f"{type(source).__name__}; pass one of those.")
    path = Path(source)
    try:
        return path.read_bytes(), f"the file {path.name}"
    except OSError as exc:
        raise CertificateFileError(f"cannot read {str(path)!r} ({exc.strerror or exc}); check the "
                                   "path and try again.") from None


def _is_der_private_key(data: bytes) -> bool:
    try:
        serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError):
        return False
    return True


def _load_pem_block(block: bytes, where: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(block)
    except ValueError:
        raise CertificateFormatError(f"{where} has a CERTIFICATE block that does not decode (damaged "
                                     "base64 or DER); re-download or re-export the certificate.") from None


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _d(year: int, month: int, day: int) -> _dt.datetime:
    return _dt.datetime(year, month, day, tzinfo=UTC)


# --- the catalogue ------------------------------------------------------------------------------

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
class Entry:
    """One file set in data/certs/: ``<stem>.pem`` (if there is a certificate) and ``<stem>.key.pem``."""

    stem: str
    what: str
    cert: x509.Certificate | None
    key: PrivateKey | None = field(repr=False)
    key_label: str | None = None


@dataclass(frozen=True)
class CoursePKI:
    """Every certificate and key the lessons use. Build it with :func:`course_pki`."""

    root: CertificateAuthority
    intermediate: CertificateAuthority
    leaf: Issued
    leaf_renewed: Issued
    leaf_rekeyed: Issued
    backup_key: ec.EllipticCurvePrivateKey
    backup_key_label: str
    leaf_on_backup_key: Issued
    intermediate2: CertificateAuthority
    leaf_via_intermediate2: Issued
    rsa_leaf: Issued
    rogue_ca: CertificateAuthority
    rogue_leaf: Issued
    corporate_ca: CertificateAuthority
    corporate_leaf: Issued
    government_root: CertificateAuthority
    government_leaf: Issued
    misissued_leaf: Issued
    gallery: dict[str, GalleryCase]
    entries: tuple[Entry, ...] = field(default=(), repr=False)

    def chain(self, leaf: Issued) -> list[x509.Certificate]:
        """What a server sends: the leaf first, then its intermediates (never the root)."""
        return leaf.chain

    def __repr__(self) -> str:
        return f"CoursePKI(host={HOST!r}, {len(self.entries)} entries, {len(self.gallery)} gallery cases)"

    @property
    def attackers(self) -> dict[str, Issued]:
        """The four attack leaves for api.yourapp.com, by attack name."""
        return {"rogue CA": self.rogue_leaf, "corporate proxy": self.corporate_leaf,
                "government root": self.government_leaf, "DV mis-issuance": self.misissued_leaf}


INTERMEDIATE_CN = "YourApp Issuing CA 1"
ROOT_VALIDITY = dict(not_before=_d(2025, 1, 1), not_after=_d(2049, 12, 31))
CA_VALIDITY = dict(not_before=_d(2025, 1, 1), not_after=_d(2048, 12, 31))


def _leaf_dates(start: _dt.datetime) -> dict:
    """Twenty years from ``start``: unrealistically long, so the real clock accepts them until 2046."""
    return dict(not_before=start, not_after=start.replace(year=start.year + 20))


@functools.cache
def course_pki() -> CoursePKI:
    """Build the course PKI (cached; identical on every run and every machine)."""
    root = CertificateAuthority.root("yourapp-root", common_name="YourApp Root CA",
                                     key_label="yourapp root", serial=1001, **ROOT_VALIDITY)
    inter = root.issue_intermediate("yourapp-intermediate", common_name=INTERMEDIATE_CN,
                                    key_label="yourapp intermediate 1", serial=1002, **CA_VALIDITY)
    inter2 = root.issue_intermediate("yourapp-intermediate-2", common_name="YourApp Issuing CA 2",
                                     key_label="yourapp intermediate 2", serial=1003,
                                     not_before=_d(2026, 1, 1), not_after=_d(2048, 12, 31))
    key1 = "api.yourapp.com key 1"
    leaf = inter.issue_leaf([HOST], serial=2001, key_label=key1, name="api.yourapp.com",
                            **_leaf_dates(_d(2026, 6, 1)))
    renewed = inter.issue_leaf([HOST], serial=2002, key_label=key1, name="api.yourapp.com-renewed",
                               **_leaf_dates(_d(2026, 8, 15)))
    rekeyed = inter.issue_leaf([HOST], serial=2003, key_label="api.yourapp.com key 2",
                               name="api.yourapp.com-rekeyed", **_leaf_dates(_d(2026, 8, 20)))
    backup_label = "api.yourapp.com key 3 (backup)"
    on_backup = inter.issue_leaf([HOST], serial=2004, key_label=backup_label,
                                 name="api.yourapp.com-on-backup-key", **_leaf_dates(_d(2026, 8, 25)))
    via2 = inter2.issue_leaf([HOST], serial=2005, key_label=key1,
                             name="api.yourapp.com-via-intermediate-2", **_leaf_dates(_d(2026, 8, 25)))
    rsa_leaf = inter.issue_leaf(["rsa.yourapp.com"], serial=2006, key=rsa_example_key(),
                                name="rsa-example", **_leaf_dates(_d(2026, 6, 1)))
    rogue, corporate, government, misissued = _attackers(inter)
    gallery, gallery_entries = _gallery(root, inter)
    return CoursePKI(
        root=root, intermediate=inter, leaf=leaf, leaf_renewed=renewed, leaf_rekeyed=rekeyed,
        backup_key=key_from_label(backup_label), backup_key_label=backup_label,
        leaf_on_backup_key=on_backup, intermediate2=inter2, leaf_via_intermediate2=via2,
        rsa_leaf=rsa_leaf, rogue_ca=rogue[0], rogue_leaf=rogue[1], corporate_ca=corporate[0],
        corporate_leaf=corporate[1], government_root=government[0], government_leaf=government[1],
        misissued_leaf=misissued, gallery=gallery,
        entries=(
            _entry(root, "the course's root CA (self-signed; the trust anchor lessons install)"),
            _entry(inter, "the issuing intermediate under the root (pathLen 0)"),
            _entry(inter2, "a second intermediate under the same root, for intermediate rotation"),
            _entry(leaf, "the leaf for api.yourapp.com, issued by yourapp-intermediate"),
            _entry(renewed, "renewal of api.yourapp.com: new serial and dates, same key"),
            _entry(rekeyed, "rekey of api.yourapp.com: a new key (key 2)"),
            Entry("api.yourapp.com-backup", "the pre-generated backup key for the next rotation "
                  "(no certificate yet)", None, key_from_label(backup_label), backup_label),
            _entry(on_backup, "api.yourapp.com rotated onto the backup key (key 3)"),
            _entry(via2, "api.yourapp.com issued by yourapp-intermediate-2, same key as the leaf"),
            _entry(rsa_leaf, "an RSA-2048 leaf for rsa.yourapp.com; the RSA key is committed, not "
                   "derived"),
            _entry(rogue[0], "attacker: a compromised public CA that devices trust (DigiNotar pattern)"),
            _entry(rogue[1], "attacker: api.yourapp.com from the compromised public CA"),
            _entry(corporate[0], "attacker: a corporate TLS-inspection proxy CA installed on devices"),
            _entry(corporate[1], "attacker: api.yourapp.com minted by the corporate proxy"),
            _entry(government[0], "attacker: a government root users are told to install"),
            _entry(government[1], "attacker: api.yourapp.com from the government root"),
            _entry(misissued, "attacker: api.yourapp.com mis-issued by the legitimate intermediate to "
                   "a DNS hijacker's key"),
            *gallery_entries,
        ),
    )


def _entry(item: Issued | CertificateAuthority, what: str) -> Entry:
    return Entry(item.name, what, item.cert, item.key, item.key_label)


def _attackers(inter: CertificateAuthority):
    """The four attacks that plain CA validation accepts (lesson 05)."""
    made = []
    for stem, cn, org, leaf_stem in [
        ("rogue-public-ca", "Trusted Public CA R7", "Trusted Public CA Ltd (compromised)",
         "rogue-api.yourapp.com"),
        ("corporate-proxy-ca", "Acme Corp TLS Inspection CA", "Acme Corp IT Security",
         "corporate-api.yourapp.com"),
        ("government-root", "National Security Root CA", "Ministry of Communications",
         "government-api.yourapp.com"),
    ]:
        ca = CertificateAuthority.root(stem, common_name=cn, org=org, key_label=f"{stem} key",
                                       serial=3001 + len(made) * 10, not_before=_d(2025, 6, 1),
                                       not_after=_d(2049, 6, 1))
        leaf = ca.issue_leaf([HOST], serial=3002 + len(made) * 10, key_label=f"{leaf_stem} key",
                             name=leaf_stem, **_leaf_dates(_d(2026, 8, 1)))
        made.append((ca, leaf))
    misissued = inter.issue_leaf([HOST], serial=3101, key_label="dns hijacker key",
                                 name="misissued-api.yourapp.com", **_leaf_dates(_d(2026, 8, 28)))
    return (*made, misissued)


GALLERY_KEY = "gallery leaf key"


def _gallery_leaf(issuer: CertificateAuthority, slug: str, serial: int, *, hosts=(HOST,), dates=None,
                  eku=SERVER_AUTH) -> Issued:
    return issuer.issue_leaf(list(hosts), serial=serial, key_label=GALLERY_KEY, eku=eku,
                             name=f"gallery-{slug}", **(dates or _leaf_dates(_d(2026, 6, 1))))


def _ca_twin(root: CertificateAuthority, name: str, *, ca: bool) -> CertificateAuthority:
    """A CA-shaped certificate (keyCertSign, pathLen 0 when a CA) that differs only in the cA flag.

    Both twins share serial 4004: the repaired one is a counterfactual for the gallery, never
    served or written to data/certs/ beside the broken one.
    """
    key_label = "gallery not-a-CA key"
    key = key_from_label(key_label)
    extensions = [(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), True),
                  (_key_usage(cert_sign=True), True)]
    cert = root._sign(_name("YourApp Signing Service", COURSE_ORG), key.public_key(), 4004,
                      _d(2025, 1, 1), _d(2048, 12, 31), extensions)
    return CertificateAuthority(name, cert, key, (root.cert,), key_label)


def _case(slug, reason, explanation, leaf, intermediates, roots, *, fix: dict) -> GalleryCase:
    """A failing case (for host api.yourapp.com) plus its twin with only the fields in ``fix`` changed."""
    broken = GalleryCase(slug, leaf, list(intermediates), list(roots), HOST, reason, explanation)
    return replace(broken, fixed=replace(broken, **fix))


def _gallery(root: CertificateAuthority, inter: CertificateAuthority):
    """Nine chains, each failing for exactly one reason, and the files behind them."""
    trusted, inters = [root.cert], [inter.cert]
    expired = _gallery_leaf(inter, "expired", 4001,
                            dates=dict(not_before=_d(2025, 3, 1), not_after=_d(2026, 3, 1)))
    future = _gallery_leaf(inter, "not-yet-valid", 4002,
                           dates=dict(not_before=_d(2041, 1, 1), not_after=_d(2046, 1, 1)))
    www = _gallery_leaf(inter, "wrong-host", 4003, hosts=("www.yourapp.com",))
    # A CA-like certificate whose basicConstraints says cA=FALSE, and its twin that says cA=TRUE.
    not_ca, as_ca = (_ca_twin(root, "gallery-not-a-ca-issuer", ca=flag) for flag in (False, True))
    by_not_ca = _gallery_leaf(not_ca, "issuer-not-a-ca", 4005)
    # The legitimate intermediate (pathLen 0) signed a sub-CA, which issued a leaf.
    sub = inter.issue_intermediate("gallery-sub-intermediate", common_name="YourApp Sub-CA",
                                   key_label="gallery sub-intermediate", serial=4006, **CA_VALIDITY)
    deep = _gallery_leaf(sub, "path-length-exceeded", 4007)
    inter_len1 = root.issue_intermediate(inter.name, common_name=INTERMEDIATE_CN, path_length=1,
                                         key_label=inter.key_label, serial=1002, **CA_VALIDITY)
    client_only = _gallery_leaf(inter, "wrong-eku", 4008, eku=(ExtendedKeyUsageOID.CLIENT_AUTH,))
    server_twin = _gallery_leaf(inter, "wrong-eku", 4008)
    intact = _gallery_leaf(inter, "tampered-signature", 4009)
    lonely = _gallery_leaf(inter, "missing-intermediate", 4010)
    stranger = CertificateAuthority.root("stranger-root", common_name="Stranger Root CA",
                                         org="Nobody You Trust Ltd", key_label="stranger root",
                                         serial=4011, **ROOT_VALIDITY)
    stranger_inter = stranger.issue_intermediate(
        "stranger-intermediate", common_name="Stranger Issuing CA", org="Nobody You Trust Ltd",
        key_label="stranger intermediate", serial=4012, **CA_VALIDITY)
    unknown = _gallery_leaf(stranger_inter, "unknown-root", 4013)
    tampered = tamper_signature(intact.cert)

    cases = [
        _case("expired", "expired", "Its notAfter (2026-03-01) is before the course clock.",
              expired.cert, inters, trusted, fix=dict(at=_d(2025, 9, 1))),
        _case("not-yet-valid", "not yet valid", "Its notBefore (2041-01-01) is after the course clock.",
              future.cert, inters, trusted, fix=dict(at=_d(2042, 1, 1))),
        _case("wrong-host", "wrong host", f"Its SAN names only www.yourapp.com, not {HOST}.",
              www.cert, inters, trusted, fix=dict(host="www.yourapp.com")),
        _case("issuer-not-a-ca", "issuer not a CA", "Its issuer's basicConstraints says cA=FALSE, so "
              "that certificate may not sign other certificates.", by_not_ca.cert, [not_ca.cert],
              trusted, fix=dict(intermediates=[as_ca.cert])),
        _case("path-length-exceeded", "path length exceeded", "The intermediate allows no CA below it "
              "(pathLen 0), yet a sub-CA issued this leaf.", deep.cert, [sub.cert, inter.cert], trusted,
              fix=dict(intermediates=[sub.cert, inter_len1.cert])),
        _case("wrong-eku", "wrong EKU", "Its extended key usage is clientAuth only, not serverAuth.",
              client_only.cert, inters, trusted, fix=dict(leaf=server_twin.cert)),
        _case("tampered-signature", "tampered signature", "One bit of its signature was flipped, so "
              "the intermediate's signature no longer verifies.", tampered, inters, trusted,
              fix=dict(leaf=intact.cert)),
        _case("missing-intermediate", "missing intermediate", "The server sent the leaf without the "
              "intermediate that links it to the root.", lonely.cert, [], trusted,
              fix=dict(intermediates=inters)),
        _case("unknown-root", "unknown root", "Its chain ends at Stranger Root CA, which is not in "
              "the trust store.", unknown.cert, [stranger_inter.cert], trusted,
              fix=dict(roots=[stranger.cert])),
    ]
    entries = [
        _entry(expired, "gallery, expired: valid 2025-03-01 to 2026-03-01"),
        _entry(future, "gallery, not yet valid: valid 2041-01-01 to 2046-01-01"),
        _entry(www, "gallery, wrong host: a valid leaf for www.yourapp.com only"),
        _entry(not_ca, "gallery: a certificate under the root whose basicConstraints says cA=FALSE"),
        _entry(by_not_ca, "gallery, issuer not a CA: api.yourapp.com signed by gallery-not-a-ca-issuer"),
        _entry(sub, "gallery: a sub-CA that yourapp-intermediate (pathLen 0) was not allowed to make"),
        _entry(deep, "gallery, path length exceeded: api.yourapp.com issued by gallery-sub-intermediate"),
        _entry(client_only, "gallery, wrong EKU: api.yourapp.com with clientAuth only"),
        Entry("gallery-tampered-signature", "gallery, tampered signature: one signature bit flipped",
              tampered, intact.key, GALLERY_KEY),
        _entry(lonely, "gallery, missing intermediate: a valid leaf, served without its intermediate"),
        _entry(stranger, "gallery: Stranger Root CA, a root that is not in the course trust store"),
        _entry(stranger_inter, "gallery: the intermediate under Stranger Root CA"),
        _entry(unknown, "gallery, unknown root: api.yourapp.com chaining to Stranger Root CA"),
    ]
    return {case.name: case for case in cases}, entries


# --- writing data/certs/ ------------------------------------------------------------------------

TOY_NOTICE = (
    "# TOY KEY, PUBLIC BY DESIGN: part of the HTTPS pinning course's toy PKI (data/certs/).\n"
    "# Anyone who has this course has this key. Never use it for anything real.\n"
)


def course_files(pki: CoursePKI | None = None, certs_dir: Path | str = CERTS_DIR) -> dict[str, bytes]:
    """Every file of data/certs/ as {file name: bytes}, in a fixed order."""
    pki = pki or course_pki()
    files: dict[str, bytes] = {}
    for entry in pki.entries:
        if entry.cert is not None:
            files[f"{entry.stem}.pem"] = entry.cert.public_bytes(serialization.Encoding.PEM)
        if entry.key_label is not None:
            notice = TOY_NOTICE + f"# Derived from the label {entry.key_label!r} by key_from_label.\n"
            files[f"{entry.stem}.key.pem"] = notice.encode() + private_key_pem(entry.key)
        elif entry.key is not None:  # the committed RSA key: copied, never regenerated
            files[RSA_EXAMPLE_KEY_FILE] = _rsa_key_bytes(Path(certs_dir) / RSA_EXAMPLE_KEY_FILE)
    files["README.md"] = _readme(pki).encode("utf-8")
    return files


def _readme(pki: CoursePKI) -> str:
    lines = [
        "# data/certs: the course PKI",
        "",
        "Generated by `python -m helpers make-certs` from `helpers/pki.py`; do not edit by hand.",
        "Running the command again gives byte-identical files.",
        "",
        "**Every private key here is a toy key, public by design.** The EC keys are derived from",
        "short labels (anyone can recompute them) and the RSA key is committed in plain text.",
        "Never use any of them for anything real.",
        "",
        f"The course clock is {COURSE_NOW:%Y-%m-%d %H:%M} UTC. Valid certificates stay valid under the",
        "real clock until at least 2045, so the `openssl` command line accepts them too; their",
        "twenty-year lifetimes are unrealistic on purpose (lesson 07 simulates real lifetimes).",
        "",
        "Each certificate `<name>.pem` has its private key in `<name>.key.pem` (unencrypted PKCS#8).",
        "The pin is the SPKI pin: base64(SHA-256(DER SubjectPublicKeyInfo)).",
        "",
        "| file | what it is | SPKI pin (sha256, base64) |",
        "|---|---|---|",
    ]
    for entry in pki.entries:
        file = f"`{entry.stem}.pem`" if entry.cert is not None else f"`{entry.stem}.key.pem`"
        pin = spki_pin(entry.cert if entry.cert is not None else entry.key.public_key())
        lines.append(f"| {file} | {entry.what} | `{pin}` |")
    return "\n".join(lines) + "\n"


def write_course_certs(out_dir: Path | str = CERTS_DIR) -> list[Path]:
    """Write every course file into ``out_dir`` (each atomically); return the paths written."""
    out = Path(out_dir)
    files = course_files()
    written = []
    for name, data in files.items():
        write_atomically(out / name, data)
        written.append(out / name)
    return written


def add_cli(sub) -> None:
    p = sub.add_parser("make-certs", help="regenerate the course PKI in data/certs/ (byte-identical)")
    p.add_argument("--out", type=Path, default=CERTS_DIR,
                   help="folder to write into (default: the course's data/certs/)")
    p.set_defaults(func=_make_certs_command)


def _make_certs_command(args) -> int:
    written = write_course_certs(args.out)
    where = "data/certs/" if Path(args.out).resolve() == CERTS_DIR else args.out
    print(f"wrote {len(written)} files to {where}")
    return 0
