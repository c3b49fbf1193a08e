"""The real root store: certifi's copy of Mozilla's trusted root certificates.

Every HTTPS client trusts a list of root certificates. Python's ``requests`` (and this
course) use certifi's bundle, which is Mozilla's list. :func:`load_roots` reads it and
:func:`root_stats` counts what is inside: how many roots, which key types, whose they
are, and when they expire. The numbers depend on the installed certifi version, so a
lesson prints the numbers it computes rather than numbers written down once.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from .errors import BadInputError
from .pem import CertificateFormatError, curve_name, load_certificates, short_name

__all__ = ["RootNotFoundError", "RootStats", "NoRootsError", "UnreadableBundleError", "bundle_path", "bundle_version",
           "country", "find_root", "key_family", "key_label", "load_roots", "organisation", "root_stats"]


class UnreadableBundleError(BadInputError):
    """The root bundle holds no readable PEM certificate."""


class NoRootsError(BadInputError):
    """An empty list of roots was given to count."""


class RootNotFoundError(BadInputError, LookupError):
    """No root (or more than one) matches the name asked for."""


def bundle_path() -> Path:
    """Where the installed certifi keeps its PEM bundle."""
    return Path(certifi.where())


def bundle_version() -> str:
    """The installed certifi's version, e.g. ``"2026.10.19"``: each release may add or remove roots."""
    return str(certifi.__version__)


def _load(source: bytes | Path) -> tuple[x509.Certificate, ...]:
    try:
        return tuple(load_certificates(source))
    except CertificateFormatError:
        raise UnreadableBundleError("the root bundle holds no readable PEM certificates; reinstall "
                                    "certifi (pip install --force-reinstall certifi).") from None


@functools.lru_cache(maxsize=1)
def _default_roots() -> tuple[x509.Certificate, ...]:
    return _load(bundle_path())


def load_roots(path: str | Path | None = None) -> tuple[x509.Certificate, ...]:
    """The roots in certifi's bundle (or in the PEM bundle at ``path``), in file order."""
    if path is None:
        return _default_roots()
    return _load(Path(path))


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def organisation(cert: x509.Certificate) -> str:
    """The subject's O (organisation), or its CN when it has none."""
    return _attribute(cert.subject, NameOID.ORGANIZATION_NAME) or short_name(cert)


def country(cert: x509.Certificate) -> str:
    """The subject's two-letter country code, or ``"??"`` when it names none."""
    return _attribute(cert.subject, NameOID.COUNTRY_NAME) or "??"


def key_family(cert: x509.Certificate) -> tuple[str, str]:
    """(``"RSA"``, ``"4096"``) or (``"EC"``, ``"P-384"``): the key type and its size or curve."""
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", str(key.key_size)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", curve_name(key.curve)
    return type(key).__name__.removesuffix("PublicKey").lstrip("_"), "?"


def key_label(cert: x509.Certificate) -> str:
    """``"RSA 4096"`` or ``"EC P-384"``."""
    return " ".join(key_family(cert))


@dataclass(frozen=True)
class RootStats:
    """What is in a root store, counted."""

    count: int
    families: Counter        # "RSA" / "EC" -> number of roots
    key_types: Counter       # "RSA 4096", "EC P-384", ... -> number of roots
    organisations: Counter   # subject O -> number of roots
    countries: Counter       # subject C -> number of roots
    expiry_years: Counter    # year of notAfter -> number of roots

    def summary(self) -> str:
        """Every headline number, one topic per line."""
        families = ", ".join(f"{n} {name}" for name, n in self.families.most_common())
        kinds = ", ".join(f"{n} {name}" for name, n in sorted(self.key_types.items()))
        top_org, top_n = _leaders(self.organisations)
        top_c, top_cn = _leaders(self.countries)
        first, last = min(self.expiry_years), max(self.expiry_years)
        return "\n".join([
            f"{self.count} roots: {families}",
            f"key types: {kinds}",
            f"owners:    {len(self.organisations)} organisations in {len(self.countries)} countries; the most "
            f"roots belong to {top_org} ({top_n}), and {top_c} has the most ({top_cn})",
            f"expiry:    between {first} and {last}",
        ])


def _leaders(counter: Counter) -> tuple[str, str]:
    """The name(s) with the highest count, joined by "and", and that count (with "each" on a tie)."""
    top = max(counter.values())
    names = sorted(name for name, n in counter.items() if n == top)
    return " and ".join(names), f"{top} each" if len(names) > 1 else str(top)


def root_stats(roots: tuple[x509.Certificate, ...] | list[x509.Certificate] | None = None) -> RootStats:
    """Count the roots (certifi's bundle by default) by key type, owner, country and expiry year."""
    roots = load_roots() if roots is None else tuple(roots)
    if not roots:
        raise NoRootsError("there are no roots to count; pass a non-empty list of certificates.")
    return RootStats(
        count=len(roots),
        families=Counter(key_family(c)[0] for c in roots),
        key_types=Counter(key_label(c) for c in roots),
        organisations=Counter(organisation(c) for c in roots),
        countries=Counter(country(c) for c in roots),
        expiry_years=Counter(c.not_valid_after_utc.year for c in roots),
    )


def find_root(name: str, roots: tuple[x509.Certificate, ...] | None = None) -> x509.Certificate:
    """The root whose common name is ``name`` (case-insensitive); a unique partial match also works."""
    roots = load_roots() if roots is None else tuple(roots)
    wanted = str(name).strip().casefold()
    if not wanted:
        raise RootNotFoundError("the root name is empty; give a common name such as 'ISRG Root X1'.")
    exact = [c for c in roots if short_name(c).casefold() == wanted]
    if len(exact) == 1:
        return exact[0]
    partial = exact or [c for c in roots if wanted in short_name(c).casefold()]
    if len(partial) == 1:
        return partial[0]
    if not partial:
        raise RootNotFoundError(f"no root in the bundle is named {name!r}; list the names with "
                                "[short_name(c) for c in load_roots()] (short_name is in helpers.pem).")
    names = sorted(short_name(c) for c in partial)[:5]
    raise RootNotFoundError(f"{len(partial)} roots match {name!r} (for example {', '.join(names)}); "
                            "give the full common name.")
