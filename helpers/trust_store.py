"""The real root store: certifi's copy of Mozilla's trusted root certificates.

Every HTTPS client trusts a list of root certificates. Python's ``requests`` (and this
course) use certifi's bundle, which is Mozilla's list. :func:`load_roots` reads it and
:func:`root_stats` counts what is inside: how many roots, which key types, whose they
are, and when they expire. The numbers depend on the installed certifi version, so a
lesson prints the numbers it computes rather than numbers written down once.

"Whose" needs care. A root's subject O= is the organisation's name *on the day the root was
issued*: companies rename themselves (Comodo became Sectigo) and buy each other's roots
(DigiCert bought QuoVadis; Google bought two GlobalSign roots), and one owner spells its own
name several ways. The authority on who owns a root today is the Common CA Database (CCADB),
whose "CA Owner" column Mozilla publishes. :data:`CA_OWNERS` maps the O= spellings in
certifi's bundle to that CA Owner, and :data:`CA_OWNERS_BY_ROOT` handles the roots that changed
hands; :func:`owner` applies both.
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

__all__ = ["CA_OWNERS", "CA_OWNERS_BY_ROOT", "COUNTRY_NAMES", "RootNotFoundError", "RootStats", "NoRootsError",
           "UnreadableBundleError", "bundle_path", "bundle_version", "country", "country_name", "find_root",
           "key_family", "key_label", "load_roots", "organisation", "owner", "root_stats"]

#: Where :data:`CA_OWNERS` comes from: CCADB's public report of every root in Mozilla's store, column
#: "CA Owner" (the owner today, which is not always the O= the root was issued with).
CA_OWNER_SOURCE = ("CCADB, Mozilla's 'Included CA Certificate Report' (column 'CA Owner'), "
                   "https://www.ccadb.org/resources")

#: The subject O= spellings in certifi's bundle that belong to one CCADB CA Owner under another name
#: (several spellings of one owner, renamed companies, and roots bought by another CA). An O= missing
#: here is counted under its own spelling.
CA_OWNERS = {
    "DigiCert Inc": "DigiCert",
    "DigiCert, Inc.": "DigiCert",
    "QuoVadis Limited": "DigiCert",                       # bought by DigiCert in 2019
    "COMODO CA Limited": "Sectigo",                       # Comodo CA renamed itself Sectigo in 2018
    "Sectigo Limited": "Sectigo",
    "The USERTRUST Network": "Sectigo",
    "GlobalSign": "GlobalSign nv-sa",
    "Hellenic Academic and Research Institutions CA": "HARICA",
    "Hellenic Academic and Research Institutions Cert. Authority": "HARICA",
    "SECOM Trust Systems CO.,LTD.": "SECOM Trust Systems CO., LTD.",
    "SECOM Trust Systems Co., Ltd.": "SECOM Trust Systems CO., LTD.",
    "T-Systems Enterprise Services GmbH": "Deutsche Telekom Security GmbH",
    "Unizeto Technologies S.A.": "Asseco Data Systems S.A.",   # Certum: Unizeto became Asseco
    "Telia Finland Oyj": "Telia Company",
    "Telia Company AB": "Telia Company",
    "GoDaddy.com, Inc.": "GoDaddy",
    "Starfield Technologies, Inc.": "GoDaddy",
    "OISTE Foundation": "WISeKey",
    "Amazon": "Amazon Trust Services",
    "SSL Corporation": "SSL.com",
}

#: Roots whose owner today is not the organisation in their subject (they changed hands), by common
#: name or, for the four GlobalSign roots that share the CN "GlobalSign", by OU.
CA_OWNERS_BY_ROOT = {
    "GlobalSign ECC Root CA - R4": "Google Trust Services LLC",          # bought from GlobalSign, 2016
    "Starfield Services Root Certificate Authority - G2": "Amazon Trust Services",  # bought from Starfield
}

#: The country codes of certifi's roots, spelled out: "CN" here is China, not a Common Name.
COUNTRY_NAMES = {
    "BE": "Belgium", "BM": "Bermuda", "CH": "Switzerland", "CN": "China", "DE": "Germany", "ES": "Spain",
    "FI": "Finland", "FR": "France", "GB": "United Kingdom", "GR": "Greece", "HK": "Hong Kong",
    "HU": "Hungary", "IT": "Italy", "JP": "Japan", "KR": "South Korea", "NL": "Netherlands",
    "NO": "Norway", "PL": "Poland", "PT": "Portugal", "RO": "Romania", "SE": "Sweden", "SK": "Slovakia",
    "TN": "Tunisia", "TR": "Türkiye", "TW": "Taiwan", "US": "United States", "??": "no country given",
}


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


def owner(cert: x509.Certificate) -> str:
    """Who owns the root today, as CCADB's "CA Owner" names it (see :data:`CA_OWNERS`)."""
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME):
        moved = CA_OWNERS_BY_ROOT.get(_attribute(cert.subject, oid))
        if moved:
            return moved
    raw = organisation(cert)
    return CA_OWNERS.get(raw, raw)


def country_name(code: str) -> str:
    """'China (CN)' for 'CN': a two-letter code spelled out, so it is never read as a Common Name."""
    return f"{COUNTRY_NAMES.get(code, code)} ({code})" if code != "??" else COUNTRY_NAMES["??"]


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
    organisations: Counter   # subject O, as spelled when the root was issued -> number of roots
    countries: Counter       # subject C ("??" when it names none) -> number of roots
    expiry_years: Counter    # year of notAfter -> number of roots
    owners: Counter          # CCADB CA Owner today (see :func:`owner`) -> number of roots

    @property
    def named_countries(self) -> Counter:
        """:attr:`countries` without the roots that name no country (``"??"`` is no country)."""
        return Counter({code: n for code, n in self.countries.items() if code != "??"})

    def summary(self) -> str:
        """Every headline number, one topic per line."""
        families = ", ".join(f"{n} {name}" for name, n in self.families.most_common())
        kinds = ", ".join(f"{n} {name}" for name, n in sorted(self.key_types.items()))
        top_owner, top_n = _leaders(self.owners)
        named = self.named_countries
        top_c, top_cn = _leaders(named)
        top_c = " and ".join(country_name(code) for code in top_c.split(" and "))
        first, last = min(self.expiry_years), max(self.expiry_years)
        return "\n".join([
            f"{self.count} roots: {families}",
            f"key types: {kinds}",
            f"owners:    {len(self.owners)} CA owners ({len(self.organisations)} spellings of O=); the most "
            f"roots belong to {top_owner} ({top_n})",
            f"countries: {len(named)} countries ({self.countries['??']} roots name none); "
            f"{top_c} has the most ({top_cn})",
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
        owners=Counter(owner(c) for c in roots),
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
