"""Lesson 08's material: one pin set on every platform, a gallery of broken configurations, and
the tables that compare the platforms (host matching, expiry).

The pin set is lesson 06's: the leaf's SPKI pin plus the backup key's pin, for api.yourapp.com.
Every broken configuration in :data:`BROKEN` is built from real course pins, and what the lesson
says about it is what ``lint`` finds, computed when the cell runs.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence
from dataclasses import dataclass

from ..course import HOST
from ..pinning.pins import Pin, cert_pin, spki_pin
from ..pki.catalogue import course_pki
from ..show import Shown, Table
from . import MODULES, android, ios, okhttp, trustkit
from .policy import PLATFORM_NAMES, DomainRule, Finding, Policy, policy_from_json

__all__ = [
    "Broken", "broken", "Configs", "Generated",
    "course_policy", "expiry_table", "generated", "host_table", "lint_gallery", "subdomain_policies",
]

def course_policy(*, include_subdomains: bool = False, expiration: str | None = None) -> Policy:
    """Lesson 06's pin set as a neutral policy: the leaf key and the backup key, for api.yourapp.com."""
    pki = course_pki()
    domain = {"name": HOST, "include_subdomains": include_subdomains,
              "pins": [spki_pin(pki.leaf.cert), Pin.of_spki(pki.backup_key.public_key()).base64]}
    if expiration:
        domain["expiration"] = expiration
    return policy_from_json({"domains": [domain]})


# --- one pin set, every platform ------------------------------------------------------------------------

@dataclass(frozen=True)
class Generated:
    platform: str
    text: str


class Configs(Shown):
    """The configurations of one policy, one per platform: sections in text, side by side in HTML."""

    def __init__(self, items: Sequence[Generated]):
        self.items = tuple(items)

    def __getitem__(self, platform: str) -> str:
        return {g.platform: g.text for g in self.items}[platform]

    def text(self) -> str:
        return "\n".join(f"── {g.platform} ──\n{g.text.rstrip()}\n" for g in self.items)

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        boxes = "".join(
            f'<div style="flex:1 1 30em;min-width:0"><b>{html.escape(g.platform)}</b>'
            f'<pre style="font-size:75%;overflow-x:auto">{html.escape(g.text.rstrip())}</pre></div>'
            for g in self.items)
        return f'<div style="display:flex;flex-wrap:wrap;gap:1em">{boxes}</div>'


def generated(policy: Policy | None = None) -> Configs:
    """``policy`` (lesson 06's by default) generated for every platform."""
    policy = policy or course_policy()
    return Configs([Generated(name, MODULES[name].generate(policy)) for name in PLATFORM_NAMES])


# --- the gallery of broken configurations ---------------------------------------------------------------

@dataclass(frozen=True)
class Broken:
    """One broken configuration: what is wrong with it, on which platform, and its text."""

    title: str
    platform: str
    text: str
    with_chain: bool = False  # lint it against the chain the server serves today

    def findings(self, today=None) -> list[Finding]:
        mod = MODULES[self.platform]
        chain = course_pki().leaf.chain if self.with_chain else None
        return mod.lint(mod.parse(self.text), today, chain)


def _nsc(pins: Sequence[str], *, expiration: str = "", anchors: str = "") -> str:
    pin_lines = "\n".join(f'            <pin digest="SHA-256">{p}</pin>' for p in pins)
    expiry = f' expiration="{expiration}"' if expiration else ""
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<network-security-config>\n'
            f'    <domain-config cleartextTrafficPermitted="false">\n'
            f'        <domain includeSubdomains="false">{HOST}</domain>\n{anchors}'
            f'        <pin-set{expiry}>\n{pin_lines}\n        </pin-set>\n'
            f'    </domain-config>\n</network-security-config>\n')


_USER_OVERRIDE = ('        <trust-anchors>\n            <certificates src="system"/>\n'
                  '            <certificates src="user" overridePins="true"/>\n        </trust-anchors>\n')


@functools.cache
def broken() -> tuple[Broken, ...]:
    """The gallery: each configuration built from the course's real pins."""
    pki = course_pki()
    leaf, backup = spki_pin(pki.leaf.cert), Pin.of_spki(pki.backup_key.public_key()).base64
    pair = course_policy()
    trustkit_twice = trustkit.generate(policy_from_json(
        {"domains": [{"name": HOST, "pins": [leaf, leaf]}]}))
    okhttp_cert_pin = okhttp.generate(policy_from_json(
        {"domains": [{"name": HOST, "pins": [cert_pin(pki.leaf.cert), backup]}]}))
    ios_elsewhere = ios.generate(policy_from_json(
        {"domains": [{"name": HOST, "pins": [spki_pin(pki.leaf_rekeyed.cert), backup]}]}))
    return (
        Broken("one pin, no backup", "android", _nsc([leaf])),
        Broken("the same pin twice", "android", _nsc([leaf, leaf])),
        Broken("the same pin twice", "trustkit", trustkit_twice),
        Broken("an expired pin-set", "android", _nsc([leaf, backup], expiration="2026-08-01")),
        Broken("a certificate pin where a key pin belongs", "okhttp", okhttp_cert_pin, with_chain=True),
        Broken("a pin on a pooled intermediate", "android", _nsc([spki_pin(pki.intermediate.cert), backup]),
               with_chain=True),
        Broken("user CAs with overridePins", "android", _nsc([leaf, backup], anchors=_USER_OVERRIDE)),
        Broken("pins that match nothing served", "ios", ios_elsewhere, with_chain=True),
        Broken("the lesson 06 pin set (correct)", "android", android.generate(pair), with_chain=True),
    )


def lint_gallery(today=None) -> Table:
    """Each broken configuration with what ``lint`` finds in it (against today's chain where marked)."""
    rows = []
    for case in broken():
        found = [f for f in case.findings(today) if f.rule != "PinMatches"]
        ids = "\n".join(f"{f.severity}: {f.rule}" for f in found) or "clean"
        rows.append([case.title, case.platform, "yes" if case.with_chain else "no", ids])
    return Table(["configuration", "platform", "with chain", "lint finds"], rows,
                 caption="The gallery of broken configurations, linted")


# --- host matching across platforms ---------------------------------------------------------------------

def subdomain_policies(base: str = "yourapp.com") -> dict[str, Policy]:
    """Each platform's own configuration that pins ``base`` 'with subdomains', parsed back.

    OkHttp has two spellings, so it appears twice: ``*.`` (one label) and ``**.`` (the apex and
    any depth).
    """
    neutral = policy_from_json({"domains": [{"name": base, "include_subdomains": True,
                                             "pins": [spki_pin(course_pki().root.cert),
                                                      Pin.of_spki(course_pki().backup_key.public_key()).base64]}]})
    made = {name: MODULES[name].parse(MODULES[name].generate(neutral)) for name in ("android", "ios", "trustkit")}
    made["okhttp **."] = okhttp.parse(okhttp.generate(neutral))
    one_label = Policy("okhttp", [DomainRule(f"*.{base}", neutral.domains[0].pins)])
    made["okhttp *."] = okhttp.parse(okhttp.generate(one_label))
    return made


HOSTS = ("yourapp.com", "api.yourapp.com", "eu.api.yourapp.com", "a.b.c.yourapp.com", "evilyourapp.com")


def host_table(hosts: Sequence[str] = HOSTS, base: str = "yourapp.com") -> Table:
    """Which hosts each platform pins when the configuration says '``base``, with subdomains'."""
    policies = subdomain_policies(base)
    rows = []
    for host in hosts:
        row = [host]
        for name, policy in policies.items():
            mod = okhttp if name.startswith("okhttp") else MODULES[name]
            rule = mod.match(policy, host)
            row.append(f"pinned ({rule.name})" if rule else "NOT pinned")
        rows.append(row)
    return Table(["host", *policies], rows, row_headers=True,
                 caption=f"'{base}' with subdomains, as each platform reads it")


# --- expiry ---------------------------------------------------------------------------------------------

EXPIRY = (
    ("android", "<pin-set expiration=\"yyyy-MM-dd\">",
     "device's local time zone, from midnight at the start of that date",
     "pinning is OFF: the app connects on its trust anchors alone"),
    ("ios", "none", "—", "pins apply until an app update removes them"),
    ("trustkit", "TSKExpirationDate (yyyy-MM-dd)", "UTC",
     "the domain is no longer pinned; an unparseable date means no expiry (inferred from the code)"),
    ("okhttp", "none", "—", "pins apply until an app update removes them"),
    ("dart", "none (trust anchors)", "—", "the anchors apply until they expire or an update replaces them"),
)


def expiry_table() -> Table:
    """Which platforms let a pin set expire, in which time zone, and what happens afterwards."""
    return Table(["platform", "expiry setting", "clock", "after it"], EXPIRY,
                 caption="Pin-set expiry by platform (Android security-config.jd; TrustKit TSKTrustKitConfig.m; Apple NSPinnedDomains; OkHttp CertificatePinner.kt; Dart SecurityContext)", wrap=60)

