"""Lesson 08's exercises, each checked by running the platform's linter or model on the answer.

* q1: fix a broken Android network security config until ``lint`` is clean (the answer is the
  XML text); it must still pin api.yourapp.com, accept today's chain and refuse the attacks.
* q2: which platforms refuse a rogue certificate two labels below the pinned domain (a list of
  platform names); the expected set is computed by the models.
* q3: the Dart trust-anchor configuration for the course's intermediate (the answer is Dart code).
"""

from __future__ import annotations

import functools

from ..attacks.platforms import device_stores
from ..attacks.scenarios import attack
from ..course import HOST
from ..pinning.pins import spki_pin
from ..pki.catalogue import Attacker, course_pki
from ..platforms import android, dart, ios, okhttp, trustkit
from ..platforms.gallery import subdomain_policies
from ..platforms.policy import ConfigError, Severity
from . import Question, Wrong

__all__ = ["BROKEN_NSC", "DEEP_HOST", "q1", "q2", "q3"]


def _broken_nsc() -> str:
    pki = course_pki()
    return f"""<?xml version="1.0" encoding="utf-8"?>
<network-security-config>
    <base-config cleartextTrafficPermitted="true">
        <trust-anchors>
            <certificates src="system"/>
            <certificates src="user"/>
        </trust-anchors>
    </base-config>
    <domain-config>
        <domain includeSubdomains="false">{HOST}</domain>
        <pin-set expiration="2026-08-15">
            <pin digest="SHA-256">{spki_pin(pki.leaf.cert)}</pin>
        </pin-set>
    </domain-config>
</network-security-config>
"""


#: The file to fix in q1: four lint findings, each a real mistake.
BROKEN_NSC = _broken_nsc()


def _as_text(answer, what: str) -> str:
    if isinstance(answer, bytes | bytearray):
        answer = bytes(answer).decode("utf-8", "replace")
    if not isinstance(answer, str) or not answer.strip():
        raise Wrong(f"Give the {what} as one string (a triple-quoted string works well).")
    return answer


def _attack_decisions(mod, policy) -> dict[str, bool]:
    """Does the app connect: genuine server, rogue public CA, corporate proxy (a user CA)?"""
    pki = course_pki()
    found = {"genuine": mod.model(policy, HOST, pki.leaf.chain, [pki.root.cert]).connects}
    for name, attacker in (("rogue CA", Attacker.ROGUE_CA), ("corporate proxy", Attacker.CORPORATE_PROXY)):
        item = attack(attacker)
        found[name] = mod.model(policy, HOST, item.chain(), *device_stores(item)).connects
    return found


def _check_nsc(answer) -> str:
    text = _as_text(answer, "network security config XML")
    try:
        policy = android.parse(text)
    except ConfigError as why:
        raise Wrong(f"The file does not parse: {why}") from None
    pki = course_pki()
    loud = [f for f in android.lint(policy, None, pki.leaf.chain) if f.severity != Severity.INFO]
    if loud:
        raise Wrong(f"lint still finds {len(loud)} problem(s); the first, on line {loud[0].line}: "
                    f"{loud[0].message} [{loud[0].rule}]")
    rule = android.match(policy, HOST)
    if rule is None or not rule.valid_pins():
        raise Wrong(f"Lint is quiet because nothing pins {HOST} any more; keep a pin-set for it.")
    outcome = _attack_decisions(android, policy)
    if not outcome["genuine"]:
        raise Wrong("The app would refuse today's genuine server; keep the pin of a key in today's chain.")
    leaks = [name for name in ("rogue CA", "corporate proxy") if outcome[name]]
    if leaks:
        raise Wrong(f"Lint is clean, but the {leaks[0]} attack still connects; the pins must apply to {HOST}.")
    return ("Lint is clean, the app accepts today's chain, and the rogue CA and the corporate proxy are "
            "refused.")


q1 = Question(
    name="q1",
    prompt="Fix ex.BROKEN_NSC until android lint reports nothing above info; give the fixed XML as a string.",
    checker=_check_nsc,
    hints=("Run print(ex.BROKEN_NSC) and lint it: android.lint(android.parse(text), chain=pki.leaf.chain).",
           "Four fixes: no cleartext in base-config, no user CAs in base-config, a backup pin (the backup key's "
           "pin), and an expiration date well in the future (or none).",
           "The backup pin is Pin.of_spki(pki.backup_key.public_key()).base64."),
    answer="android.generate(gallery.course_policy()), or the broken file with base-config's cleartext and user "
           "certificates removed, the backup key's pin added, and the expiration moved a year ahead.",
)


DEEP_HOST = "cdn.eu.yourapp.com"
CHOICES = ("android", "ios", "trustkit", "okhttp")


@functools.cache
def _deep_refusers() -> frozenset[str]:
    """The platforms whose generated 'yourapp.com with subdomains' config refuses a rogue DEEP_HOST."""
    pki = course_pki()
    rogue = pki.rogue_ca.issue_leaf([DEEP_HOST], serial=3091, key_label="rogue cdn key", name="rogue-cdn")
    policies = subdomain_policies()
    refusers = set()
    for name, mod in (("android", android), ("ios", ios), ("trustkit", trustkit), ("okhttp", okhttp)):
        policy = policies["okhttp **." if name == "okhttp" else name]
        if not mod.model(policy, DEEP_HOST, rogue.chain, [pki.root.cert, pki.rogue_ca.cert]).connects:
            refusers.add(name)
    return frozenset(refusers)


def _platform_names(answer) -> set[str]:
    items = [answer] if isinstance(answer, str) else answer
    try:
        names = {str(item).strip().lower() for item in items}
    except TypeError:
        raise Wrong('Give a list of platform names, e.g. ["android", "ios"].') from None
    unknown = names - set(CHOICES)
    if unknown:
        raise Wrong(f"{sorted(unknown)[0]!r} is not one of {', '.join(CHOICES)}.")
    return names


def _check_deep(answer) -> str:
    names = _platform_names(answer)
    expected = _deep_refusers()
    if names == expected:
        return ("iOS's NSIncludesSubdomains covers one extra label only, so cdn.eu.yourapp.com is not pinned "
                "there; Android, TrustKit and OkHttp's **. cover any depth.")
    missing, extra = sorted(expected - names), sorted(names - expected)
    if "ios" in extra:
        raise Wrong("iOS's NSIncludesSubdomains covers exactly one extra label; count the labels of "
                    f"{DEEP_HOST} below yourapp.com.")
    if missing:
        raise Wrong(f"{missing[0]} also refuses: its subdomain rule reaches any depth (see the host table).")
    raise Wrong(f"{extra[0]} connects here; look at its row in the host table.")


q2 = Question(
    name="q2",
    prompt=f"Each app pins yourapp.com with subdomains, as `config` writes it (for OkHttp: **.yourapp.com). A rogue "
           f"CA intercepts {DEEP_HOST}. Which of android, ios, trustkit and okhttp refuse? Give a list of names.",
    checker=_check_deep,
    hints=("Count the labels between cdn.eu.yourapp.com and yourapp.com, then read the host-matching table.",
           "Only one platform's 'subdomains' means one label, not any depth."),
    answer='["android", "trustkit", "okhttp"]: iOS covers one extra label only, so it does not pin the host '
           "and the rogue certificate validates.",
)


#: Warnings that mean the answer is not trust-anchor pinning at all, so q3 treats them as errors.
_DART_BLOCKERS = frozenset({"DartAnchorsWithSystemRoots", "DartAnchorsNotLoaded"})


def _check_dart(answer) -> str:
    text = _as_text(answer, "Dart code")
    try:
        policy = dart.parse(text)
    except ConfigError as why:
        raise Wrong(f"The code does not read as Dart pinning code: {why}") from None
    pki = course_pki()
    findings = dart.lint(policy, None, pki.leaf.chain)
    loud = [f for f in findings if f.severity.fails or f.rule in _DART_BLOCKERS]
    if loud:
        raise Wrong(f"lint finds a problem on line {loud[0].line}: {loud[0].message} [{loud[0].rule}]")
    anchors = {p.base64 for p in dart.anchor_pins(policy)}
    wanted = spki_pin(pki.intermediate.cert)
    if wanted not in anchors:
        near = {spki_pin(pki.root.cert): "the root", spki_pin(pki.leaf.cert): "the leaf"}
        named = next((v for k, v in near.items() if k in anchors), None)
        raise Wrong(f"The trusted certificate is {named}; the question asks for the course's intermediate."
                    if named else "Trust the course's intermediate certificate (pki.intermediate.cert) in the "
                    "SecurityContext.")
    outcome = _attack_decisions(dart, policy)
    if not outcome["genuine"]:
        raise Wrong("The client would refuse today's genuine chain; check the SecurityContext setup.")
    if outcome["rogue CA"] or outcome["corporate proxy"]:
        raise Wrong("A rogue CA still gets through: start from SecurityContext(withTrustedRoots: false).")
    return ("Only the course's intermediate is trusted, at the handshake. Note what it does not stop: a "
            "certificate mis-issued by that same intermediate still connects, and lint warns that this CA "
            "issues from a pool of intermediates (PinOnPooledIntermediate): the root is the safer anchor.")


q3 = Question(
    name="q3",
    prompt="Write Dart code that trusts only the course's intermediate (trust-anchor pinning); give it as a string. "
           "Lint will warn that this CA issues from several intermediates; the checker says what that means.",
    checker=_check_dart,
    hints=("SecurityContext(withTrustedRoots: false), then setTrustedCertificatesBytes with the PEM of "
           "pki.intermediate.cert, then HttpClient(context: context).",
           "dart.generate_with_anchors([pki.intermediate.cert]) writes it; read it before you use it."),
    answer="dart.generate_with_anchors([pki.intermediate.cert])",
)
