"""Reading and writing certificates and keys: the small, shared plumbing under every lesson.

* :func:`load_certificates` reads PEM from bytes, text or a file and names what went wrong;
* :func:`load_der_certificate` and :func:`serial_number` read what real, imperfect roots hold;
* :func:`cert_pem`, :func:`chain_pem` and :func:`key_pem` write PEM; :func:`chain_files` puts a
  chain and its key in temporary files for ``ssl`` (which loads keys only from files);
* :func:`load_private_key` reads a PEM private key and names what went wrong;
* :func:`as_certificates` accepts certificates or course objects that carry one (``.cert``);
* :func:`short_name` is a certificate's (or a name's) short form for tables and messages, and
  :func:`curve_name` an EC curve's NIST name;
* :func:`host_general_name` turns a host into the SAN entry that names it (DNS name or IP);
* :func:`write_atomically` writes a file so that a crash never leaves half of it behind.

**Serial number 0.** Six roots in Mozilla's store have serial 0, which RFC 5280 forbids, and
cryptography warns each time it parses or reads one. :func:`tolerating_serial_zero` silences
exactly that warning, and only this module uses it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID

from .errors import BadInputError

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class CertificateFormatError(BadInputError):
    """Bytes that are not the PEM certificate(s) a helper expected."""


class EmptyCertificateError(CertificateFormatError):
    """The file or text was empty."""


class DERInsteadOfPEMError(CertificateFormatError):
    """Binary DER was given where text PEM was expected."""


class PrivateKeyInsteadOfCertificateError(CertificateFormatError):
    """A private key was given where a certificate was expected."""


class CertificateFileError(BadInputError):
    """A certificate file that does not exist or cannot be read."""


class NotAPrivateKeyError(BadInputError):
    """Something that should be a private key from cryptography is not one."""


class NotCertificatesError(BadInputError):
    """Something that should be certificates (or objects carrying one) is not."""


# --- reading -------------------------------------------------------------------------------------

_SERIAL_WARNING = r"Parsed a serial number which wasn't positive"


@contextlib.contextmanager
def tolerating_serial_zero() -> Iterator[None]:
    """Silence cryptography's warning about a serial number of 0 (and only that warning)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_SERIAL_WARNING, category=CryptographyDeprecationWarning)
        yield


def serial_number(cert: x509.Certificate) -> int:
    """The certificate's serial number, even when it is the forbidden 0 of a few old roots."""
    with tolerating_serial_zero():
        return cert.serial_number


def load_der_certificate(der: bytes) -> x509.Certificate:
    """One certificate from DER bytes; raises :class:`CertificateFormatError` when they do not parse."""
    try:
        with tolerating_serial_zero():
            cert = x509.load_der_x509_certificate(bytes(der))
    except (ValueError, x509.InvalidVersion):
        raise CertificateFormatError("the bytes are not a DER X.509 certificate; pass the certificate "
                                     "unmodified (or PEM text to load_certificates).") from None
    return cert


_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\s.*?-----END \1-----", re.DOTALL)


def load_certificates(source: bytes | str | os.PathLike) -> list[x509.Certificate]:
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
    with tolerating_serial_zero():
        certs = [_load_pem_block(block, where) for kind, block in blocks if kind == "CERTIFICATE"]
    if certs:
        return certs
    raise _not_certificates(data, [kind for kind, _ in blocks], where)


def _not_certificates(data: bytes, kinds: list[str], where: str) -> CertificateFormatError:
    """The error that says what ``data`` holds instead of a certificate."""
    if any(kind.endswith("PRIVATE KEY") for kind in kinds):
        return PrivateKeyInsteadOfCertificateError(
            f"{where} holds a private key, not a certificate; pass the certificate file "
            "(its PEM starts with -----BEGIN CERTIFICATE-----).")
    if kinds:
        return CertificateFormatError(f"{where} holds a PEM {kinds[0]}, not a certificate; pass a "
                                      "file that contains a -----BEGIN CERTIFICATE----- block.")
    if data[:1] == b"\x30" and _is_der_private_key(data):
        return PrivateKeyInsteadOfCertificateError(
            f"{where} holds a private key (binary DER), not a certificate; pass the certificate file.")
    if data[:1] == b"\x30":
        return DERInsteadOfPEMError(
            f"{where} looks like binary DER, not PEM text; convert it with "
            "`openssl x509 -inform DER -in f.der -out f.pem` and pass the .pem file.")
    return CertificateFormatError(f"{where} is not a PEM certificate (no -----BEGIN CERTIFICATE----- "
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


def load_private_key(source: bytes | os.PathLike | str) -> PrivateKey:
    """An unencrypted PEM private key from bytes, PEM text or a file; :class:`NotAPrivateKeyError` otherwise."""
    data, where = _read_source(source)
    try:
        return serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise NotAPrivateKeyError(f"{where} is not an unencrypted PEM private key; pass a file that starts "
                                  "with -----BEGIN PRIVATE KEY-----.") from None


def as_certificates(items, what: str = "the certificates") -> list[x509.Certificate]:
    """``items`` as a list of certificates: each may be one, or a course object with ``.cert``."""
    if isinstance(items, x509.Certificate) or hasattr(items, "cert"):
        items = [items]
    if items is None or isinstance(items, str | bytes) or not hasattr(items, "__iter__"):
        raise NotCertificatesError(f"{what} must be a list of certificates, not {type(items).__name__}; "
                                   "wrap a single certificate in a list.")
    certs = [getattr(item, "cert", item) for item in items]
    bad = [c for c in certs if not isinstance(c, x509.Certificate)]
    if bad:
        raise NotCertificatesError(f"{what} must hold x509.Certificate objects (or course Issued/CA objects), "
                                   f"not {type(bad[0]).__name__}; load PEM with helpers.pem.load_certificates().")
    return certs


def single_certificate(item, what: str = "the certificate") -> x509.Certificate:
    """One certificate, given as itself or as a course object with ``.cert``."""
    cert = getattr(item, "cert", item)
    if not isinstance(cert, x509.Certificate):
        raise NotCertificatesError(f"{what} must be an x509.Certificate (or a course Issued/CA object), not "
                                   f"{type(item).__name__}; load PEM with helpers.pem.load_certificates().")
    return cert


# --- writing -------------------------------------------------------------------------------------

def cert_pem(cert: x509.Certificate) -> bytes:
    """One certificate as PEM."""
    return cert.public_bytes(serialization.Encoding.PEM)


def chain_pem(certs: Iterable[x509.Certificate]) -> bytes:
    """Certificates as one PEM file, in the order given (a server's chain: leaf first)."""
    return b"".join(cert_pem(cert) for cert in certs)


def key_pem(key: PrivateKey) -> bytes:
    """A private key as unencrypted PKCS#8 PEM (the course's keys are toys, public by design)."""
    try:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    except AttributeError:
        raise NotAPrivateKeyError(f"expected a private key from cryptography, got {type(key).__name__}; "
                                  "pass the leaf's key (an Issued's .key).") from None


@contextlib.contextmanager
def chain_files(certs: Iterable[x509.Certificate], key: PrivateKey) -> Iterator[tuple[Path, Path]]:
    """``(chain.pem, key.pem)`` in a private temporary folder that is removed on exit."""
    chain, private = chain_pem(certs), key_pem(key)
    with tempfile.TemporaryDirectory(prefix="course-tls-") as folder:
        chain_path, key_path = Path(folder, "chain.pem"), Path(folder, "key.pem")
        chain_path.write_bytes(chain)
        key_path.write_bytes(private)
        yield chain_path, key_path


def write_atomically(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- names ---------------------------------------------------------------------------------------

def short_name(cert_or_name: x509.Certificate | x509.Name) -> str:
    """A name for a table: the subject's (or the name's) CN, else its OU or O, else the whole name."""
    name = cert_or_name.subject if isinstance(cert_or_name, x509.Certificate) else cert_or_name
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.ORGANIZATION_NAME):
        values = name.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return name.rfc4514_string() or "(empty name)"


#: OpenSSL's curve names and the NIST names people use.
NIST_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


def curve_name(curve: ec.EllipticCurve) -> str:
    """``"P-256"`` for secp256r1 and the other NIST curves; OpenSSL's name for any other curve."""
    return NIST_CURVES.get(curve.name, curve.name)


def host_general_name(host: str) -> x509.GeneralName:
    """The SAN entry that names ``host``: an IP address entry for an address, else a DNS name."""
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)
