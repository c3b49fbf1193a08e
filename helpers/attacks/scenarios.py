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
           "Browsers and Apple's platforms (Chrome, Safari and all URLSession apps, Firefox desktop since 135) "
           "accept a public CA's certificate only with proof that it was logged, so a rogue certificate meant "
           "for them is in a public CT log, where a monitor watching your domain (for example on crt.sh) can "
           "spot it; root programs then distrust the CA. dart:io, OkHttp and Python check no CT, so an "
           "unlogged one fools them.",
           "RFC 6962 (CT; RFC 9162, CT 2.0, is Experimental and not deployed); Chrome, 'Certificate "
           "Transparency for Enterprises'; Fox-IT, 'Black Tulip' report on DigiNotar (2012)"),
    Attack(Attacker.CORPORATE_PROXY, "A corporate TLS-inspection proxy",
           "IT installed its own CA on the device; a proxy mints certificates for every host.",
           Attacker.CORPORATE_PROXY, "Platform trust policy (Android's default ignores user-added CAs)",
           "A private CA never appears in CT logs and cannot be distrusted publicly. Android apps targeting "
           "API 24+ trust only system CAs by default, but that is the platform's rule, and dart:io (Flutter) "
           "does its own TLS outside it. iOS trusts a root installed by MDM (or by the user, once trusted) "
           "in every app.",
           "Android Network Security Configuration documentation (trust anchors); Apple Support, 'Trust "
           "manually installed certificate profiles' (HT204477); flutter/flutter#95632"),
    Attack(Attacker.GOVERNMENT_ROOT, "A government-inserted root",
           "Citizens are told to install a national root; the network intercepts with it.",
           Attacker.GOVERNMENT_ROOT, "Root-store distrust by the browser vendors",
           "Apple, Google, Microsoft and Mozilla blocked Kazakhstan's interception root (2019, 2020) in "
           "their browsers, so even a copy the user installed by hand is refused there. The block lives in "
           "the browsers: a native app trusts whatever its own TLS stack trusts.",
           "Mozilla Security Blog, 'Protecting our Users in Kazakhstan' (2019)"),
    Attack(Attacker.DV_MISISSUANCE, "DV mis-issuance after a traffic hijack",
           "An attacker hijacks the route to your server (BGP, or your A record as the CA sees it) for a few "
           "minutes and passes domain validation at your real CA.",
           Attacker.DV_MISISSUANCE, "Multi-perspective validation (SC-067), CAA with accounturi, plus CT",
           "The CA must see the same answer from several network locations, which defeats a hijack visible "
           "from only some of them (not a takeover of your DNS provider or registrar account). A CAA record "
           "that only names a CA does not help when the attacker uses your own CA, but RFC 8657's "
           "accounturi binds issuance to your ACME account. CAA helps only if the CA sees your real records: an "
           "attacker who can forge your DNS answers to the CA forges CAA too, unless the zone is "
           "DNSSEC-signed. CT monitoring shows the certificate if it is issued anyway.",
           "RFC 8659 (CAA; DNSSEC in its Security Considerations) and RFC 8657 (accounturi, "
           "validationmethods); CA/B Forum ballot SC-067 (mandatory from 15 March 2025)"),
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
    """A certificate in a few words: ``"api.yourapp.com, issued by Compromised Public Root CA"``."""
    if cert.subject == cert.issuer:
        return f"{short_name(cert)} (a self-signed root)"
    return f"{short_name(cert)}, issued by {short_name(cert.issuer)}"
