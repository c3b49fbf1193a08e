"""The attack scenarios as data: who presents which certificate, and what catches it without pinning.

Every attack ends the same way: someone sits between the app and ``api.yourapp.com`` with a
certificate for that name that the device accepts. What differs is where that certificate
comes from, and so which defence outside pinning catches it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

from ..errors import BadInputError
from ..pem import short_name
from ..pki import Attacker, Issued, course_pki


class UnknownAttackError(BadInputError):
    """An attack name that is not one of the scenarios here."""


@dataclass(frozen=True)
class Attack:
    """One attack scenario: who presents which certificate, and what catches it without pinning."""

    key: str
    title: str
    story: str
    attacker: Attacker   # whose certificate the proxy presents (``CoursePKI.attackers``)
    defence: str         # the defence outside pinning that catches (or would catch) it
    how: str             # how that defence works against this attack, in one sentence
    source: str          # a primary source for the defence
    stuffed: bool = False  # the proxy also sends your genuine leaf and intermediate (chain stuffing)

    def leaf(self) -> Issued:
        return course_pki().attackers[self.attacker]

    def chain(self) -> list[x509.Certificate]:
        """What the attacker's proxy sends: its leaf, its intermediates, and your genuine chain if stuffed."""
        pki = course_pki()
        return [*self.leaf().chain, *(pki.leaf.chain if self.stuffed else [])]

    def device_roots(self) -> list[x509.Certificate]:
        """The device's trust store in this scenario: the real root plus the root the attack relies on.

        The mis-issuer's CA is your own intermediate, already under the real root: it adds nothing.
        """
        pki = course_pki()
        ca = pki.attacker_cas[self.attacker].cert
        return [pki.root.cert] if ca.issuer == pki.root.cert.subject else [pki.root.cert, ca]


ATTACKS: tuple[Attack, ...] = (
    Attack(Attacker.ROGUE_CA, "A compromised public CA (the DigiNotar pattern)",
           "An intruder inside a CA that every device trusts issues a certificate for your name.",
           Attacker.ROGUE_CA, "Certificate Transparency monitoring, then root-store distrust",
           "CT logs are public records of issued certificates, so a monitor watching your domain (for "
           "example on crt.sh) can spot a logged rogue certificate; root programs then distrust the CA.",
           "RFC 6962 and RFC 9162 (CT); Fox-IT, 'Black Tulip' report on DigiNotar (2012)"),
    Attack(Attacker.CORPORATE_PROXY, "A corporate TLS-inspection proxy",
           "IT installed its own CA on the device; a proxy mints certificates for every host.",
           Attacker.CORPORATE_PROXY, "Platform trust policy (Android ignores user-added CAs)",
           "A private CA never appears in CT logs and cannot be distrusted publicly, but apps "
           "targeting Android API 24+ trust only system CAs unless their config opts in.",
           "Android Network Security Configuration documentation (trust anchors)"),
    Attack(Attacker.GOVERNMENT_ROOT, "A government-inserted root",
           "Citizens are told to install a national root; the network intercepts with it.",
           Attacker.GOVERNMENT_ROOT, "Root-store distrust by the browser vendors",
           "Apple, Google, Microsoft and Mozilla blocked Kazakhstan's interception root (2019, "
           "2020) in their browsers, so even a copy the user installed by hand is refused.",
           "Mozilla Security Blog, 'Protecting our Users in Kazakhstan' (2019)"),
    Attack(Attacker.DV_MISISSUANCE, "DV mis-issuance after a DNS hijack",
           "An attacker hijacks your DNS briefly and passes domain validation at your real CA.",
           Attacker.DV_MISISSUANCE, "Multi-perspective validation (SC-067) and CAA, plus CT",
           "The CA must see the same DNS answer from several network locations, so a hijack seen from "
           "only one fails; CAA limits which CAs may issue (no help when, as here, the attacker uses "
           "your own CA); CT monitoring shows the certificate if it is issued anyway.",
           "RFC 8659 (CAA); CA/B Forum ballot SC-067 (mandatory from 15 March 2025)"),
)


#: CVE-2016-2402: the rogue-CA attacker also sends your genuine leaf and intermediate, which
#: anyone can download from your server. Only a client that pins the *sent* chain is fooled.
CHAIN_STUFFING = Attack(
    "chain stuffing", "Chain stuffing (CVE-2016-2402)",
    "The rogue-CA attacker appends your genuine certificates to its chain.",
    Attacker.ROGUE_CA, "Checking pins against the verified chain (a code fix, not a service)",
    "The verified chain runs from the rogue leaf to the rogue root; the stuffed certificates are "
    "not part of it.", "CVE-2016-2402 (OkHttp, fixed in 2.7.4 and 3.1.2)",
    stuffed=True,
)


def attack(key: str) -> Attack:
    """Look an attack up by its key, e.g. ``attack("rogue CA")``."""
    for item in (*ATTACKS, CHAIN_STUFFING):
        if item.key == key:
            return item
    known = ", ".join(a.key for a in (*ATTACKS, CHAIN_STUFFING))
    raise UnknownAttackError(f"there is no attack {key!r}; use one of: {known}.")


def describe(cert: x509.Certificate) -> str:
    """A certificate in a few words: ``"api.yourapp.com, issued by Trusted Public CA R7"``."""
    if cert.subject == cert.issuer:
        return f"{short_name(cert)} (a self-signed root)"
    return f"{short_name(cert)}, issued by {short_name(cert.issuer)}"
