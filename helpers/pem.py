"""Reading and writing certificates and keys: the small, shared plumbing under every lesson.

* :func:`load_certificates` reads PEM from bytes, text or a file and names what went wrong; it
  scans line by line (linear time on any input) and reads regular files of at most 10 MB only;
* :func:`load_der_certificate` and :func:`serial_number` read what real, imperfect roots hold;
* :func:`cert_pem`, :func:`chain_pem` and :func:`key_pem` write PEM; :func:`chain_files` puts a
  chain and its key in temporary files for ``ssl`` (which loads keys only from files);
* :func:`load_private_key` reads a PEM private key and names what went wrong;
* :func:`read_regular_file` reads a file only if it is a regular file within a size limit (never
  a FIFO, a device or a folder); file names in its messages go through :func:`helpers.show.printable`;
* :func:`as_certificates` accepts certificates or course objects that carry one (``.cert``);
* :func:`is_ca` says whether a certificate claims to be a CA;
* :func:`short_name` is a certificate's (or a name's) short form for tables and messages, and
  :func:`curve_name` an EC curve's NIST name;
* :func:`host_general_name` turns a host into the SAN entry that names it (DNS name or IP);
* :func:`write_atomically` writes a file so that a crash never leaves half of it behind.

**Serial number 0.** Six roots in Mozilla's store have serial 0, which RFC 5280 forbids, and
cryptography warns each time it parses or reads one. :func:`tolerating_serial_zero` silences
exactly that warning, and only this module uses it.

**Odd names.** A name attribute of the wrong length (a country of "USA") makes cryptography warn
each time a helper reads the name. Importing this module silences that one warning for the
course's own modules (``helpers.*``), so a learner's command prints one verdict and no warning.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import stat
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID

from .errors import BadInputError
from .show import printable

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class CertificateFormatError(BadInputError):
    """Bytes that are not the PEM certificate(s) a helper expected."""


class EmptyCertificateError(CertificateFormatError):
    """The file or text was empty."""


class DERInsteadOfPEMError(CertificateFormatError):
    """Binary DER was given where text PEM was expected."""


class PrivateKeyInsteadOfCertificateError(CertificateFormatError):
    """A private key was given where a certificate was expected."""


class TruncatedPEMError(CertificateFormatError):
    """A PEM block has its BEGIN line but no matching END line."""


class CertificateFileError(BadInputError):
    """A certificate file that does not exist or cannot be read."""


class FileTooLargeError(CertificateFileError):
    """A file larger than :data:`MAX_FILE_BYTES`: no PEM file the course reads is that large."""


class NotAPrivateKeyError(BadInputError):
    """Something that should be a private key from cryptography is not one."""


class NotCertificatesError(BadInputError):
    """Something that should be certificates (or objects carrying one) is not."""


# --- reading -------------------------------------------------------------------------------------

_SERIAL_WARNING = r"Parsed a serial number which wasn't positive"


_NAME_LENGTH_WARNING = r"Attribute's length must be"
# cryptography warns on every read of such a name, long after loading: filter it for helpers.* once.
warnings.filterwarnings("ignore", message=_NAME_LENGTH_WARNING, category=UserWarning, module=r"helpers(\.|$)")


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


#: The largest file :func:`load_certificates` and :func:`load_private_key` read: a bundle of every
#: public root is about 250 kB, so 10 MB is no limit for a real file, and a bound for a hostile one.
MAX_FILE_BYTES = 10 * 1024 * 1024

_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")
_END = re.compile(rb"-----END ([A-Z0-9 ]+)-----")
_BOUNDARY = re.compile(rb"(?=-----(?:BEGIN|END) )")  # where a line is cut when a boundary does not start it
_UTF8_BOM = b"\xef\xbb\xbf"


def load_certificates(source: bytes | str | os.PathLike) -> list[x509.Certificate]:
    """Every certificate in PEM ``source`` (bytes, PEM text, or a path to a file).

    Other PEM blocks (a private key next to the certificate) and text between blocks are skipped.
    Raises a :class:`CertificateFormatError` subclass naming the problem: empty input, DER instead
    of PEM, a private key and no certificate, a block cut short, or bytes that are not PEM at all.
    """
    data, where = _read_source(source)
    if not data.strip():
        raise EmptyCertificateError(f"{where} is empty; pass a file that contains a "
                                    "-----BEGIN CERTIFICATE----- block.")
    blocks = _pem_blocks(data)
    with tolerating_serial_zero():
        certs = [_load_pem_block(block, where) for kind, block in blocks if kind == "CERTIFICATE"]
    if certs:
        return certs
    raise _not_certificates(data, [kind for kind, _ in blocks], where)


def _pem_blocks(data: bytes) -> list[tuple[str, bytes | None]]:
    """Each PEM block in ``data`` as ``(label, block)`` in order; ``block`` is None if it has no END line.

    One pass over the lines (RFC 7468): an encapsulation boundary is a line of its own, give or
    take surrounding whitespace, or the rest of a line (a file cut short mid-line, then joined to
    another). A block ends at the END line with the same label; a new BEGIN line, an END line of
    another label or the end of the data first means the block was cut short. Text outside
    blocks is ignored. Linear in the size of ``data``, whatever it holds (a regex that pairs
    BEGIN with END is quadratic on a file of BEGIN lines).
    """
    blocks: list[tuple[str, bytes | None]] = []
    kind, body = None, []
    for line in _lines(data.removeprefix(_UTF8_BOM)):
        if not line.startswith(b"-----"):
            if kind is not None and line:
                body.append(line)
            continue
        begin = _BEGIN.fullmatch(line)
        end = None if begin else _END.fullmatch(line)
        if kind is not None and (begin or end):
            complete = end is not None and end.group(1).decode() == kind
            blocks.append((kind, b"\n".join([*body, line, b""]) if complete else None))
            kind = None
        if begin:
            kind, body = begin.group(1).decode(), [line]
    if kind is not None:
        blocks.append((kind, None))
    return blocks


def _lines(data: bytes) -> Iterator[bytes]:
    """The lines of ``data``, stripped, each also cut where a boundary starts inside it."""
    for line in data.splitlines():
        if b"-----" in line:
            yield from (part.strip() for part in _BOUNDARY.split(line))
        else:
            yield line.strip()


def _not_certificates(data: bytes, kinds: list[str], where: str) -> CertificateFormatError:
    """The error that says what ``data`` holds instead of a certificate."""
    if any(kind.endswith("PRIVATE KEY") for kind in kinds):
        return PrivateKeyInsteadOfCertificateError(
            f"{where} holds a private key, not a certificate; pass the certificate file "
            "(its PEM starts with -----BEGIN CERTIFICATE-----).")
    if kinds:
        return CertificateFormatError(f"{where} holds a PEM {kinds[0]}, not a certificate; pass a "
                                      "file that contains a -----BEGIN CERTIFICATE----- block.")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"B\x00E\x00G\x00I\x00N" in data:
        return CertificateFormatError(f"{where} is UTF-16 text, not the ASCII PEM it should be (PowerShell's "
                                      "> writes UTF-16); convert it with `iconv -f UTF-16 -t UTF-8` and pass "
                                      "the result.")
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
    """``(bytes, where)``: the data, and how a message names where it came from."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), "the data"
    if isinstance(source, str) and "-----BEGIN" in source:
        return source.encode("utf-8", "replace"), "the text"
    if not isinstance(source, str | os.PathLike):
        raise CertificateFormatError(f"expected PEM bytes, PEM text or a file path, not "
                                     f"{type(source).__name__}; pass one of those.")
    if isinstance(source, str) and not source:
        raise CertificateFileError("the file path is empty; pass the path of a PEM file.")
    path = Path(source)
    return read_regular_file(path), f"the file {printable(path.name)}"


def read_regular_file(path: Path, limit: int = MAX_FILE_BYTES, kind: str = "PEM file") -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes; else :class:`CertificateFileError`.

    ``kind`` names what the file should be in the messages ("PEM file", "configuration file").

    The type is checked with ``os.stat`` before opening, and the file is opened non-blocking and
    checked again, so a FIFO never blocks and ``/dev/zero`` is never read.
    """
    shown = repr(str(path))
    if "\x00" in str(path):
        raise CertificateFileError(f"cannot read {shown}: a path cannot contain a NUL character; check the "
                                   "path and try again.")
    try:
        info = os.stat(path)
        _check_regular(info, shown, limit, kind)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as handle:
            _check_regular(os.fstat(handle.fileno()), shown, limit, kind)  # the same file, not a swapped-in FIFO
            data = handle.read(limit + 1)
    except OSError as exc:
        raise CertificateFileError(f"cannot read {shown} ({exc.strerror or type(exc).__name__}); check the "
                                   "path and try again.") from None
    if len(data) > limit:  # it grew while we read it
        raise _too_large(shown, limit, kind)
    return data


def _check_regular(info: os.stat_result, shown: str, limit: int, kind: str = "PEM file") -> None:
    if stat.S_ISDIR(info.st_mode):
        raise CertificateFileError(f"{shown} is a folder, not a file; pass the path of a {kind} in it.")
    if not stat.S_ISREG(info.st_mode):
        what = "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else \
            "a socket" if stat.S_ISSOCK(info.st_mode) else "a device"
        raise CertificateFileError(f"{shown} is {what}, not a regular file; save the {kind} to disk and pass "
                                   "that file.")
    if info.st_size > limit:
        raise _too_large(shown, limit, kind)


def _too_large(shown: str, limit: int, kind: str = "PEM file") -> FileTooLargeError:
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} kB"
    return FileTooLargeError(f"{shown} is larger than {size}, the limit for a {kind}; pass a file that holds "
                             "just what you need.")


def _is_der_private_key(data: bytes) -> bool:
    try:
        serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError):
        return False
    return True


def _load_pem_block(block: bytes | None, where: str) -> x509.Certificate:
    if block is None:
        raise TruncatedPEMError(f"{where} has a -----BEGIN CERTIFICATE----- line with no "
                                "-----END CERTIFICATE----- line after it (the file is cut short or damaged); "
                                "copy the whole certificate, through its END line.")
    try:
        return x509.load_pem_x509_certificate(block)
    except x509.InvalidVersion as exc:
        raise CertificateFormatError(f"{where} has a certificate of X.509 version {exc.parsed_version + 1}, "
                                     "which does not exist (only versions 1 to 3 do); re-download or "
                                     "re-export the certificate.") from None
    except ValueError:
        raise CertificateFormatError(f"{where} has a CERTIFICATE block that does not decode (damaged "
                                     "base64 or DER); re-download or re-export the certificate.") from None


def load_private_key(source: bytes | os.PathLike | str) -> PrivateKey:
    """An unencrypted PEM private key from bytes, PEM text or a file; :class:`NotAPrivateKeyError` otherwise."""
    data, where = _read_source(source)
    try:
        return serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
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
    try:  # cryptography decodes a name only when it is read, and raises on invalid UTF-8
        name = cert_or_name.subject if isinstance(cert_or_name, x509.Certificate) else cert_or_name
        for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.ORGANIZATION_NAME):
            values = name.get_attributes_for_oid(oid)
            if values:
                return str(values[0].value)
        return name.rfc4514_string() or "(empty name)"
    except ValueError:
        return "(a name that does not decode)"


#: OpenSSL's curve names and the NIST names people use.
NIST_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


def is_ca(cert: x509.Certificate) -> bool:
    """Whether ``cert`` says it is a CA (basicConstraints cA=TRUE); False when the extension is
    absent or does not parse."""
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, ValueError):
        return False


def curve_name(curve: ec.EllipticCurve) -> str:
    """``"P-256"`` for secp256r1 and the other NIST curves; OpenSSL's name for any other curve."""
    return NIST_CURVES.get(curve.name, curve.name)


def host_general_name(host: str) -> x509.GeneralName:
    """The SAN entry that names ``host``: an IP address entry for an address, else a DNS name."""
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)
