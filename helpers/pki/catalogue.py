"""The course PKI: every certificate and key the lessons use, built by :func:`course_pki`.

The legitimate side is YourApp's root, two intermediates and the api.yourapp.com leaf with
its renewal, rekey and backup key; another honest public CA (for the "CA switch" in lesson 06);
a second root that cross-signs the intermediate, a leaf whose name sits in the CN alone, and an
intermediate that has expired (lesson 03). The attackers' side is the
four attacks that plain CA validation accepts (lesson 05), and the failure gallery (lesson 03)
comes from :mod:`helpers.pki.gallery`.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field

from cryptography import x509

from ..clock import utc
from ..course import HOST
from ..pem import PrivateKey
from .ca import CA_VALIDITY, ROOT_VALIDITY, CertificateAuthority, Issued, leaf_dates
from .gallery import GalleryCase, build_gallery
from .keys import key_from_label, rsa_example_key

INTERMEDIATE_CN = "YourApp Issuing CA 1"


class Attacker(enum.StrEnum):
    """The four attacks that plain CA validation accepts, by the name lessons and tables use."""

    ROGUE_CA = "rogue CA"
    CORPORATE_PROXY = "corporate proxy"
    GOVERNMENT_ROOT = "government root"
    DV_MISISSUANCE = "DV mis-issuance"


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
    backup_key: PrivateKey
    backup_key_label: str
    leaf_on_backup_key: Issued
    intermediate2: CertificateAuthority
    leaf_via_intermediate2: Issued
    rsa_leaf: Issued
    other_ca: CertificateAuthority
    leaf_other_ca: Issued
    cn_only_leaf: Issued
    intermediate_retired: CertificateAuthority
    leaf_via_retired: Issued
    root2: CertificateAuthority
    intermediate_cross_signed: CertificateAuthority
    rogue_ca: CertificateAuthority
    rogue_leaf: Issued
    corporate_ca: CertificateAuthority
    corporate_leaf: Issued
    government_root: CertificateAuthority
    government_leaf: Issued
    misissued_leaf: Issued
    gallery: dict[str, GalleryCase]
    entries: tuple[Entry, ...] = field(default=(), repr=False)

    def __repr__(self) -> str:
        return f"CoursePKI(host={HOST!r}, {len(self.entries)} entries, {len(self.gallery)} gallery cases)"

    @property
    def attackers(self) -> dict[Attacker, Issued]:
        """The four attack leaves for api.yourapp.com, by attack."""
        return {Attacker.ROGUE_CA: self.rogue_leaf, Attacker.CORPORATE_PROXY: self.corporate_leaf,
                Attacker.GOVERNMENT_ROOT: self.government_leaf, Attacker.DV_MISISSUANCE: self.misissued_leaf}

    @property
    def attacker_cas(self) -> dict[Attacker, CertificateAuthority]:
        """The CA behind each attack (the legitimate intermediate for the DV mis-issuance)."""
        return {Attacker.ROGUE_CA: self.rogue_ca, Attacker.CORPORATE_PROXY: self.corporate_ca,
                Attacker.GOVERNMENT_ROOT: self.government_root, Attacker.DV_MISISSUANCE: self.intermediate}


def _attackers(inter: CertificateAuthority):
    """The four attacks that plain CA validation accepts (lesson 05)."""
    made = []
    for stem, cn, org, leaf_stem in [
        ("rogue-public-ca", "Compromised Public Root CA", "Trusted Public CA Ltd (compromised)",
         "rogue-api.yourapp.com"),
        ("corporate-proxy-ca", "Acme Corp TLS Inspection CA", "Acme Corp IT Security",
         "corporate-api.yourapp.com"),
        ("government-root", "National Security Root CA", "Ministry of Communications",
         "government-api.yourapp.com"),
    ]:
        ca = CertificateAuthority.root(stem, common_name=cn, org=org, key_label=f"{stem} key",
                                       serial=3001 + len(made) * 10, not_before=utc(2025, 6, 1),
                                       not_after=utc(2049, 6, 1))
        leaf = ca.issue_leaf([HOST], serial=3002 + len(made) * 10, key_label=f"{leaf_stem} key",
                             name=leaf_stem, **leaf_dates(utc(2026, 8, 1)))
        made.append((ca, leaf))
    misissued = inter.issue_leaf([HOST], serial=3101, key_label="dns hijacker key",
                                 name="misissued-api.yourapp.com", **leaf_dates(utc(2026, 8, 28)))
    return (*made, misissued)


def _other_public_ca(backup_key) -> tuple[CertificateAuthority, Issued]:
    """Another honest public CA, and api.yourapp.com from it on the backup key (the CA switch)."""
    root = CertificateAuthority.root("other-public-root", common_name="Other Public Root CA",
                                     org="Other Public CA Inc.", key_label="other public ca root",
                                     serial=5001, **ROOT_VALIDITY)
    inter = root.issue_intermediate("other-public-issuing", common_name="Other Public Issuing CA",
                                    org="Other Public CA Inc.", key_label="other public ca issuing",
                                    serial=5002, **CA_VALIDITY)
    leaf = inter.issue_leaf([HOST], serial=5003, key=backup_key, name="api.yourapp.com-other-ca",
                            **leaf_dates(utc(2026, 8, 30)))
    return root, leaf


def _cross_signed() -> tuple[CertificateAuthority, CertificateAuthority]:
    """A second course root, and the course intermediate's name and key certified by it."""
    root2 = CertificateAuthority.root("yourapp-root-2", common_name="YourApp Root CA 2",
                                      key_label="yourapp root 2", serial=7001,
                                      not_before=utc(2026, 1, 1), not_after=utc(2049, 12, 31))
    cross = root2.issue_intermediate("yourapp-intermediate-cross-signed", common_name=INTERMEDIATE_CN,
                                     serial=7002, key_label="yourapp intermediate 1",
                                     not_before=utc(2026, 1, 1), not_after=utc(2048, 12, 31))
    return root2, cross


def _retired_intermediate(root: CertificateAuthority) -> tuple[CertificateAuthority, Issued]:
    """An intermediate that expired on 2026-06-30, and a leaf it issued (lesson 03's mystery chain)."""
    old = root.issue_intermediate("yourapp-issuing-ca-0", common_name="YourApp Issuing CA 0",
                                  key_label="yourapp intermediate 0 (retired)", serial=5001,
                                  not_before=utc(2025, 1, 1), not_after=utc(2026, 6, 30))
    leaf = old.issue_leaf([HOST], serial=5002, key_label="api.yourapp.com key 1", name="mystery",
                          not_before=utc(2026, 5, 1), not_after=utc(2046, 5, 1))
    return old, leaf


@functools.cache
def course_pki() -> CoursePKI:
    """Build the course PKI (cached; identical on every run and every machine)."""
    root = CertificateAuthority.root("yourapp-root", common_name="YourApp Root CA",
                                     key_label="yourapp root", serial=1001, **ROOT_VALIDITY)
    inter = root.issue_intermediate("yourapp-intermediate", common_name=INTERMEDIATE_CN,
                                    key_label="yourapp intermediate 1", serial=1002, **CA_VALIDITY)
    inter2 = root.issue_intermediate("yourapp-intermediate-2", common_name="YourApp Issuing CA 2",
                                     key_label="yourapp intermediate 2", serial=1003,
                                     not_before=utc(2026, 1, 1), not_after=utc(2048, 12, 31))
    key1, backup_label = "api.yourapp.com key 1", "api.yourapp.com key 3 (backup)"
    leaf = inter.issue_leaf([HOST], serial=2001, key_label=key1, name="api.yourapp.com",
                            **leaf_dates(utc(2026, 6, 1)))
    renewed = inter.issue_leaf([HOST], serial=2002, key_label=key1, name="api.yourapp.com-renewed",
                               **leaf_dates(utc(2026, 8, 15)))
    rekeyed = inter.issue_leaf([HOST], serial=2003, key_label="api.yourapp.com key 2",
                               name="api.yourapp.com-rekeyed", **leaf_dates(utc(2026, 8, 20)))
    on_backup = inter.issue_leaf([HOST], serial=2004, key_label=backup_label,
                                 name="api.yourapp.com-on-backup-key", **leaf_dates(utc(2026, 8, 25)))
    via2 = inter2.issue_leaf([HOST], serial=2005, key_label=key1,
                             name="api.yourapp.com-via-intermediate-2", **leaf_dates(utc(2026, 8, 25)))
    rsa_leaf = inter.issue_leaf(["rsa.yourapp.com"], serial=2006, key=rsa_example_key(),
                                name="rsa-example", **leaf_dates(utc(2026, 6, 1)))
    backup_key = key_from_label(backup_label)
    other_root, other_leaf = _other_public_ca(backup_key)
    root2, cross = _cross_signed()
    retired, via_retired = _retired_intermediate(root)
    cn_only = inter.issue_leaf([HOST], serial=6002, key_label="common-name-only leaf", san=False,
                               name="api.yourapp.com-cn-only")
    rogue, corporate, government, misissued = _attackers(inter)
    gallery, gallery_files = build_gallery(root, inter)
    entries = (
        _entry(root, "the course's root CA (self-signed; the trust anchor lessons install)"),
        _entry(inter, "the issuing intermediate under the root (pathLen 0)"),
        _entry(inter2, "a second intermediate under the same root, for intermediate rotation"),
        _entry(leaf, "the leaf for api.yourapp.com, issued by yourapp-intermediate"),
        _entry(renewed, "renewal of api.yourapp.com: new serial and dates, same key"),
        _entry(rekeyed, "rekey of api.yourapp.com: a new key (key 2)"),
        Entry("api.yourapp.com-backup", "the pre-generated backup key for the next rotation "
              "(no certificate yet)", None, backup_key, backup_label),
        _entry(on_backup, "api.yourapp.com rotated onto the backup key (key 3)"),
        _entry(via2, "api.yourapp.com issued by yourapp-intermediate-2, same key as the leaf"),
        _entry(rsa_leaf, "an RSA-2048 leaf for rsa.yourapp.com; the RSA key is committed, not derived"),
        _entry(rogue[0], "attacker: a compromised public CA that devices trust (DigiNotar pattern)"),
        _entry(rogue[1], "attacker: api.yourapp.com from the compromised public CA"),
        _entry(corporate[0], "attacker: a corporate TLS-inspection proxy CA installed on devices"),
        _entry(corporate[1], "attacker: api.yourapp.com minted by the corporate proxy"),
        _entry(government[0], "attacker: a government root users are told to install"),
        _entry(government[1], "attacker: api.yourapp.com from the government root"),
        _entry(misissued, "attacker: api.yourapp.com mis-issued by the legitimate intermediate to "
               "a traffic hijacker's key"),
        *(_entry(item, what) for item, what in gallery_files),
    )
    return CoursePKI(
        root=root, intermediate=inter, leaf=leaf, leaf_renewed=renewed, leaf_rekeyed=rekeyed,
        backup_key=backup_key, backup_key_label=backup_label, leaf_on_backup_key=on_backup,
        intermediate2=inter2, leaf_via_intermediate2=via2, rsa_leaf=rsa_leaf, other_ca=other_root,
        leaf_other_ca=other_leaf, cn_only_leaf=cn_only, intermediate_retired=retired,
        leaf_via_retired=via_retired, root2=root2, intermediate_cross_signed=cross, rogue_ca=rogue[0],
        rogue_leaf=rogue[1], corporate_ca=corporate[0], corporate_leaf=corporate[1],
        government_root=government[0], government_leaf=government[1], misissued_leaf=misissued,
        gallery=gallery, entries=entries,
    )


def _entry(item: Issued | CertificateAuthority, what: str) -> Entry:
    return Entry(item.name, what, item.cert, item.key, item.key_label)
