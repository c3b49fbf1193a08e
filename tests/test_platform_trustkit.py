"""TrustKit: parse with lines, lint with TrustKit's start-up checks, any-depth matching, model, generate.

Every certificate is the course PKI's. Every plist is written out here one element per line: lines 1-4
are the XML declaration, the DOCTYPE, ``<plist>`` and the root ``<dict>``; in :func:`tsk` line 9 is
``<key>TSKPinnedDomains</key>`` and the first domain's ``<key>`` is line 11, its pins lines 15, 16, ...
"""

from __future__ import annotations

import base64
import datetime as dt
import plistlib
import random
import struct
import time

import pytest

from helpers import clock
from helpers.attacks.scenarios import ATTACKS, CHAIN_STUFFING
from helpers.pinning.pins import Pin, spki_pin
from helpers.pki.catalogue import course_pki
from helpers.platforms import detect, ios, trustkit
from helpers.platforms.policy import ConfigError, Severity, policy_from_json

PKI = course_pki()
ROOT = PKI.root.cert
LEAF = spki_pin(PKI.leaf.cert)
BACKUP = Pin.of_spki(PKI.backup_key.public_key()).base64
INTER = spki_pin(PKI.intermediate.cert)
REKEYED = spki_pin(PKI.leaf_rekeyed.cert)
SHORT = base64.b64encode(bytes(20)).decode()  # a SHA-1-sized digest
HOST = "api.yourapp.com"
ROGUE_ROOTS = [ROOT, PKI.rogue_ca.cert]
UTC = dt.UTC
HEAD = ['<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
        '<plist version="1.0">', "<dict>"]


def plist(*body: str) -> str:
    """A plist whose root dict's body lines are lines 5, 6, ..."""
    return "\n".join([*HEAD, *body, "</dict>", "</plist>"]) + "\n"


def domain(name: str = HOST, pins=(LEAF, BACKUP), *, enforce: bool | None = None,
           subdomains: bool | None = None, expiration: str | None = None, quiet: bool = True,
           extra: tuple[str, ...] = ()) -> list[str]:
    """+0 <key>, +1 <dict>, +2 <key>TSKPublicKeyHashes</key>, +3 <array>, +4... one pin per line, then the
    options, one key and value per line (``quiet`` writes TSKDisableDefaultReportUri YES)."""
    lines = [f"<key>{name}</key>", "<dict>", "<key>TSKPublicKeyHashes</key>", "<array>",
             *(p if p.startswith("<") else f"<string>{p}</string>" for p in pins), "</array>"]
    for key, value in (("TSKEnforcePinning", enforce), ("TSKIncludeSubdomains", subdomains),
                       ("TSKDisableDefaultReportUri", True if quiet else None)):
        if value is not None:
            lines.append(f"<key>{key}</key><{str(value).lower()}/>")
    if expiration is not None:
        lines.append(f"<key>TSKExpirationDate</key><string>{expiration}</string>")
    return [*lines, *extra, "</dict>"]


def tsk(*domains: list[str]) -> str:
    """Lines 5-10 open TSKConfiguration, set TSKSwizzleNetworkDelegates and open TSKPinnedDomains."""
    body = [line for d in domains for line in d]
    return plist("<key>TSKConfiguration</key>", "<dict>", "<key>TSKSwizzleNetworkDelegates</key>", "<false/>",
                 "<key>TSKPinnedDomains</key>", "<dict>", *body, "</dict>", "</dict>")


PINNED = tsk(domain())
EXCLUDED = [f"<key>legacy.{HOST}</key>", "<dict>", "<key>kSKExcludeSubdomainFromParentPolicy</key><true/>",
            "</dict>"]

# --- lint: one row per mistake, with the rule id and the line it must point at --------------------------

LINT_CASES = [
    # (id, file, chain?, findings that must be there as (rule, line, words), rules that must not be there)
    ("two pins, enforcing, quiet: clean", PINNED, False, [], list(trustkit.RULES)),
    ("one pin while enforcing", tsk(domain(pins=(LEAF,))), False,
     [("TrustKitTooFewPins", 11, "requires 2 while enforcing")], ["TrustKitInvalidPin"]),
    ("one pin, not enforcing: allowed", tsk(domain(pins=(LEAF,), enforce=False)), False,
     [("TrustKitNotEnforcing", 11, "only reported")], ["TrustKitTooFewPins"]),
    ("no pin, not enforcing", tsk(domain(pins=(), enforce=False)), False,
     [("TrustKitTooFewPins", 11, "requires 1 even when not enforcing")], []),
    ("the same pin twice is one pin", tsk(domain(pins=(LEAF, LEAF))), False,
     [("TrustKitTooFewPins", 11, "1 distinct valid pin"), ("DuplicatePin", 16, "written twice")], []),
    ("a 20-byte digest", tsk(domain(pins=(SHORT, LEAF, BACKUP))), False,
     [("TrustKitInvalidPin", 15, "20 bytes")], ["TrustKitTooFewPins"]),
    ("an OkHttp-style prefix", tsk(domain(pins=(f"sha256/{LEAF}", LEAF, BACKUP))), False,
     [("TrustKitInvalidPin", 15, "only the bare base64 is read")], []),
    ("an integer pin", tsk(domain(pins=("<integer>7</integer>", LEAF, BACKUP))), False,
     [("TrustKitInvalidPin", 15, "not a <string>")], []),
    ("no pinned domain", tsk(), False, [("TrustKitNoDomains", 9, "refuses the configuration")], []),
    ("TSKPinnedDomains left out", plist("<key>TSKConfiguration</key>", "<dict>",
                                        "<key>TSKSwizzleNetworkDelegates</key><true/>", "</dict>"), False,
     [("TrustKitNoDomains", 5, "names no domain")], []),
    ("includeSubdomains on a public suffix", tsk(domain("co.uk", subdomains=True)), False,
     [("TrustKitPublicSuffix", 11, "public suffix")], []),
    ("includeSubdomains on a private suffix", tsk(domain("appspot.com", subdomains=True)), False,
     [("TrustKitPublicSuffix", 11, "pin your own domain")], []),
    ("includeSubdomains on your own domain is fine", tsk(domain("yourapp.com", subdomains=True)), False, [],
     ["TrustKitPublicSuffix"]),
    ("expired yesterday", tsk(domain(expiration="2026-08-31")), False,
     [("TrustKitExpired", 11, "no longer pins")], []),
    ("expires today: it did at 00:00 UTC", tsk(domain(expiration="2026-09-01")), False,
     [("TrustKitExpired", 11, "00:00 UTC on 2026-09-01")], []),
    ("expires tomorrow: quiet", tsk(domain(expiration="2026-09-02")), False, [],
     ["TrustKitExpired", "TrustKitBadExpiration"]),
    ("an expiration that is not yyyy-MM-dd", tsk(domain(expiration="2027/01/31")), False,
     [("TrustKitBadExpiration", 11, "never expire")], ["TrustKitExpired"]),
    ("reports go to the vendor by default", tsk(domain(quiet=False)), False,
     [("TrustKitDefaultReportUri", 11, "overmind.datatheorem.com")], []),
    ("a misspelled key", tsk(domain(extra=("<key>TSKIncludeSubdomain</key><true/>",))), False,
     [("TrustKitUnknownKey", 19, "did you mean TSKIncludeSubdomains?")], []),
    ("a single-label domain", tsk(domain("localhost")), False,
     [("TrustKitInvalidConfig", 11, "not a valid domain name")], []),
    ("an IP address", tsk(domain("10.0.0.1")), False,
     [("TrustKitInvalidConfig", 11, "not a valid domain")], []),
    ("a string where a Boolean belongs",
     tsk(domain(extra=("<key>TSKEnforcePinning</key><string>NO</string>",))), False,
     [("TrustKitInvalidConfig", 19, "must be <true/> or <false/>")], []),
    ("a report URI with spaces", tsk(domain(extra=("<key>TSKReportUris</key>", "<array>",
                                                   "<string>not a url</string>", "</array>"))), False,
     [("TrustKitInvalidConfig", 19, "not a valid URL")], []),
    ("an excluded subdomain with its parent: fine", tsk(domain(subdomains=True), EXCLUDED), False, [],
     ["TrustKitInvalidConfig", "TrustKitTooFewPins"]),
    ("an excluded subdomain without a parent", tsk(domain(), EXCLUDED), False,
     [("TrustKitInvalidConfig", 20, "needs a parent domain")], ["TrustKitTooFewPins"]),
    ("an excluded subdomain with other keys", tsk(domain(subdomains=True), [
        *EXCLUDED[:3], "<key>TSKEnforcePinning</key><true/>", "</dict>"]), False,
     [("TrustKitInvalidConfig", 21, "must be the only key")], []),
    ("no pin matches today's chain", tsk(domain(pins=(REKEYED, BACKUP))), True,
     [("NoPinMatchesChain", 11, "locked out"), ("PinMatches", 15, "matches no certificate")], []),
    ("pins on the leaf and a backup", PINNED, True, [("PinMatches", 15, "the leaf")],
     ["NoPinMatchesChain", "PinOnPooledIntermediate"]),
    ("a pin on a pooled intermediate", tsk(domain(pins=(INTER, BACKUP))), True,
     [("PinOnPooledIntermediate", 15, "several intermediates")], ["NoPinMatchesChain"]),
]


def _lint(text: str, with_chain: bool):
    return trustkit.lint(trustkit.parse(text), clock.today(), PKI.leaf.chain if with_chain else None)


@pytest.mark.parametrize("text,with_chain,present,absent", [c[1:] for c in LINT_CASES],
                         ids=[c[0] for c in LINT_CASES])
def test_lint_finds_each_mistake_on_its_line(text, with_chain, present, absent):
    found = _lint(text, with_chain)
    for rule, line, words in present:
        assert any(f.rule == rule and f.line == line and words in f.message for f in found), \
            (rule, line, found)
    assert not {f.rule for f in found} & set(absent), found
    assert [f.line or 0 for f in found] == sorted(f.line or 0 for f in found)
    assert all(f.rule in trustkit.RULES and f.line and "\n" not in f.message for f in found)


def test_lint_cases_cover_every_rule_and_start_up_refusals_are_fatal():
    emitted = {f.rule: f.severity for case in LINT_CASES for f in _lint(case[1], case[2])}
    assert set(emitted) == set(trustkit.RULES)
    assert all(emitted[r] == Severity.FATAL for r in ("TrustKitTooFewPins", "TrustKitInvalidPin",
                                                     "TrustKitNoDomains", "TrustKitPublicSuffix",
                                                     "TrustKitInvalidConfig"))
    assert all(emitted[r] == Severity.WARNING for r in ("TrustKitExpired", "TrustKitNotEnforcing",
                                                       "TrustKitBadExpiration", "TrustKitUnknownKey"))
    assert emitted["TrustKitDefaultReportUri"] == Severity.INFO


# --- parse -------------------------------------------------------------------------------------------------

def test_parse_reads_lines_options_and_defaults():
    text = tsk(domain("API.YourApp.com.", expiration="2027-06-01", enforce=False, subdomains=True,
                      extra=("<key>TSKReportUris</key>", "<array>", "<string>https://r.example/report</string>",
                             "</array>")),
               domain("cdn.yourapp.com", quiet=False))
    policy = trustkit.parse(text)
    first, second = policy.domains
    assert (first.name, first.line, first.include_subdomains, first.enforce) == (HOST, 11, True, False)
    assert [(p.text, p.line) for p in first.pins] == [(LEAF, 15), (BACKUP, 16)]
    assert (first.expiration, first.expiration_text) == (dt.date(2027, 6, 1), "2027-06-01")
    assert first.options == {"report_uris": ("https://r.example/report",), "disable_default_report_uri": True}
    assert (second.name, second.line, second.enforce, second.include_subdomains) == (
        "cdn.yourapp.com", 27, True, False)
    assert second.options["disable_default_report_uri"] is False and second.expiration is None
    assert policy.enforce is False and policy.problems == ()
    assert policy.options == {"swizzle": False, "line": 9}


@pytest.mark.parametrize("text", [
    plist("<key>CFBundleIdentifier</key>", "<string>com.yourapp</string>", "<key>TSKConfiguration</key>",
          "<dict>", "<key>TSKPinnedDomains</key>", "<dict>", *domain(), "</dict>", "</dict>"),
    plist("<key>TSKSwizzleNetworkDelegates</key><true/>", "<key>TSKPinnedDomains</key>", "<dict>", *domain(),
          "</dict>"),
    plistlib.dumps({"TSKConfiguration": {"TSKPinnedDomains": {HOST: {"TSKPublicKeyHashes": [LEAF, BACKUP]}}}},
                   fmt=plistlib.FMT_BINARY),
], ids=["a full Info.plist", "a fragment whose root is the TrustKit config", "a binary plist"])
def test_parse_accepts_every_shape_of_the_same_policy(text):
    rule, = trustkit.parse(text).domains
    assert (rule.name, [p.text for p in rule.pins], rule.enforce) == (HOST, [LEAF, BACKUP], True)
    assert (rule.line is None) == isinstance(text, bytes)


def test_a_plist_without_tskconfiguration_is_no_trustkit_config():
    with pytest.raises(ConfigError, match="--platform ios"):
        trustkit.parse(plist("<key>NSAppTransportSecurity</key>", "<dict/>"))


# --- match: any depth, longest parent; on iOS the same hosts are covered one label deep ------------------

MATCH_POLICY = tsk(domain("yourapp.com", subdomains=True), domain("cdn.yourapp.com", subdomains=True),
                   domain("static.yourapp.com"), EXCLUDED)
MATCH_CASES = [
    # (host, TrustKit's rule, iOS's rule for the same file written for iOS)
    ("yourapp.com", "yourapp.com", "yourapp.com"),
    ("api.yourapp.com", "yourapp.com", "yourapp.com"),
    ("eu.api.yourapp.com", "yourapp.com", None),               # two labels down: TrustKit yes, iOS no
    ("a.b.c.yourapp.com", "yourapp.com", None),
    ("img.cdn.yourapp.com", "cdn.yourapp.com", "cdn.yourapp.com"),
    ("a.b.cdn.yourapp.com", "cdn.yourapp.com", None),          # the longest parent wins
    ("static.yourapp.com", "static.yourapp.com", "static.yourapp.com"),  # exact wins
    ("x.static.yourapp.com", "yourapp.com", None),             # static does not include subdomains
    (f"legacy.{HOST}", f"legacy.{HOST}", None),                 # the exclusion entry itself
    ("API.YourApp.com.", "yourapp.com", "yourapp.com"),        # case and one trailing dot
    ("evilyourapp.com", None, None),                           # a label boundary
    ("yourapp.com.evil.example", None, None),
]
IOS_POLICY = policy_from_json({"domains": [
    {"name": name, "include_subdomains": name != "static.yourapp.com", "pins": [LEAF, BACKUP]}
    for name in ("yourapp.com", "cdn.yourapp.com", "static.yourapp.com")]})


@pytest.mark.parametrize("host,expected,on_ios", MATCH_CASES)
def test_match_reaches_any_depth_where_ios_reaches_one_label(host, expected, on_ios):
    rule = trustkit.match(trustkit.parse(MATCH_POLICY), host)
    assert (rule.name if rule else None) == expected
    ios_rule = ios.match(ios.parse(ios.generate(IOS_POLICY)), host)
    assert (ios_rule.name if ios_rule else None) == on_ios


# --- model -------------------------------------------------------------------------------------------------

ON_EXPIRY = tsk(domain(expiration="2026-09-01"))
REPORT_ONLY = tsk(domain(enforce=False, quiet=False, extra=(
    "<key>TSKReportUris</key>", "<array>", "<string>https://reports.yourapp.com/pins</string>", "</array>")))
GENUINE, ROGUE = PKI.leaf.chain, PKI.rogue_leaf.chain
MIDNIGHT = dt.datetime(2026, 9, 1, tzinfo=UTC)
EXCLUDE_HOST = [f"<key>{HOST}</key>", "<dict>", "<key>kSKExcludeSubdomainFromParentPolicy</key><true/>",
                "</dict>"]
MODEL_CASES = [
    # (id, file, host, chain, roots, user roots, at, connects, pinning applied, stage, words in reason)
    ("genuine chain", PINNED, HOST, GENUINE, [ROOT], [], None, True, True, "pins",
     "a pin matches api.yourapp.com"),
    ("rogue CA refused", PINNED, HOST, ROGUE, ROGUE_ROOTS, [], None, False, True, "pins",
     "TrustKit blocks the connection"),
    ("two labels down is still pinned", tsk(domain("yourapp.com", subdomains=True)), "eu.api.yourapp.com",
     ROGUE, ROGUE_ROOTS, [], None, False, False, "validation", "fails before TrustKit"),
    ("expiry: exactly midnight UTC is not yet past", ON_EXPIRY, HOST, ROGUE, ROGUE_ROOTS, [], MIDNIGHT,
     False, True, "pins", "blocks"),
    ("expiry: one second later the domain is not pinned", ON_EXPIRY, HOST, ROGUE, ROGUE_ROOTS, [],
     MIDNIGHT + dt.timedelta(seconds=1), True, False, "expiry", "'domain not pinned'"),
    ("expiry: UTC, whatever the device's zone", ON_EXPIRY, HOST, ROGUE, ROGUE_ROOTS, [],
     dt.datetime(2026, 9, 1, 9, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=10))), False, True, "pins",
     "blocks"),
    ("an unparseable date means no expiry (inferred)", tsk(domain(expiration="01/01/2020")), HOST,
     ROGUE, ROGUE_ROOTS, [], None, False, True, "pins", "inferred to mean no expiry"),
    ("enforcement off: the failure is only reported", REPORT_ONLY, HOST, ROGUE, ROGUE_ROOTS, [],
     None, True, True, "pins", "https://reports.yourapp.com/pins, https://overmind.datatheorem.com"),
    ("enforcement off never skips system trust", REPORT_ONLY, HOST, ROGUE, [ROOT], [], None,
     False, False, "validation", "system evaluation"),
    ("an invalid configuration crashes the app", tsk(domain(pins=(LEAF,))), HOST, GENUINE, [ROOT], [],
     None, False, False, "config", "'TrustKit configuration invalid'"),
    ("another domain's invalid pin crashes it too",
     tsk(domain(), domain("cdn.yourapp.com", pins=(SHORT, LEAF, BACKUP))), HOST, GENUINE, [ROOT], [], None,
     False, False, "config", "TrustKitInvalidPin, line 24"),
    ("an excluded subdomain is not pinned", tsk(domain("yourapp.com", subdomains=True), EXCLUDE_HOST),
     HOST, ROGUE, ROGUE_ROOTS, [], None, True, False, "override", "kSKExcludeSubdomainFromParent"),
    ("no rule", tsk(domain("other.example")), HOST, ROGUE, ROGUE_ROOTS, [], None, True, False,
     "no rule", "no TSKPinnedDomains entry covers"),
    ("a pin on the root the server never sends", tsk(domain(pins=(spki_pin(ROOT), BACKUP))), HOST,
     GENUINE, [ROOT], [], None, True, True, "pins", "matches YourApp Root CA"),
]


@pytest.mark.parametrize("text,host,chain,roots,user_roots,at,connects,applied,stage,words",
                         [c[1:] for c in MODEL_CASES], ids=[c[0] for c in MODEL_CASES])
def test_model(text, host, chain, roots, user_roots, at, connects, applied, stage, words):
    decision = trustkit.model(trustkit.parse(text), host, chain, roots, user_roots, at)
    assert (decision.connects, decision.pinning_applied, decision.stage) == (connects, applied, stage), \
        decision.reason
    assert words in decision.reason and decision.platform == "trustkit" and "\n" not in decision.reason


def _attack_roots(attack):
    """The device's stores: on iOS the corporate proxy's CA is a profile root the user fully trusted."""
    if attack.key == "corporate proxy":
        return [ROOT], [PKI.corporate_ca.cert]
    return attack.device_roots(), []


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.key)
def test_every_attack_is_refused_by_the_pinned_config(attack):
    roots, user_roots = _attack_roots(attack)
    decision = trustkit.model(trustkit.parse(PINNED), HOST, attack.chain(), roots, user_roots)
    assert not decision.connects and decision.stage == "pins" and decision.rule_line == 11
    assert LEAF[:12] in decision.reason and BACKUP[:12] in decision.reason
    assert ("Certificate Trust Settings" in decision.reason) == (attack.key == "corporate proxy")


def test_chain_stuffing_is_judged_on_the_evaluated_chain():
    decision = trustkit.model(trustkit.parse(PINNED), HOST, CHAIN_STUFFING.chain(),
                              CHAIN_STUFFING.device_roots())
    assert not decision.connects and decision.chain == ("api.yourapp.com", "Compromised Public Root CA")


# --- generate ----------------------------------------------------------------------------------------------

NEUTRAL = [
    {"domains": [{"name": HOST, "pins": [LEAF, BACKUP]}]},
    {"domains": [{"name": "yourapp.com", "include_subdomains": True, "pins": [INTER, BACKUP],
                  "expiration": "2027-06-01"},
                 {"name": "cdn.yourapp.com", "pins": [{"pin": LEAF, "role": "leaf"}, BACKUP, REKEYED]}]},
    {"domains": [{"name": HOST, "pins": [LEAF, BACKUP]}], "enforce": False},
]


@pytest.mark.parametrize("data", NEUTRAL, ids=["one domain", "two domains, expiry", "report-only"])
def test_generate_round_trips_and_lints_clean(data):
    policy = policy_from_json(data)
    text = trustkit.generate(policy)
    assert text == trustkit.generate(policy) and trustkit.looks_like(text) and detect(text) == "trustkit"
    back = trustkit.parse(text)
    assert [(r.name, r.include_subdomains, [p.text for p in r.pins], r.expiration, r.enforce)
            for r in back.domains] == [(r.name, r.include_subdomains, [p.text for p in r.pins], r.expiration,
                                        policy.enforce) for r in policy.domains]
    lines = text.splitlines()
    assert all(p.text in lines[p.line - 1] for r in back.domains for p in r.pins)
    assert all(f"<key>{r.name}</key>" in lines[r.line - 1] for r in back.domains)
    assert [f.rule for f in trustkit.lint(back)] == ([] if policy.enforce else ["TrustKitNotEnforcing"])


def test_generate_keeps_an_excluded_subdomain():
    policy = trustkit.parse(MATCH_POLICY)
    back = trustkit.parse(trustkit.generate(policy))
    assert [(r.name, r.include_subdomains, r.options.get("exclude", False)) for r in back.domains] == [
        ("yourapp.com", True, False), ("cdn.yourapp.com", True, False), ("static.yourapp.com", False, False),
        (f"legacy.{HOST}", False, True)]
    assert [f.rule for f in trustkit.lint(back)] == []


def test_generated_config_accepts_the_genuine_chain_and_refuses_the_rogue_one():
    policy = trustkit.parse(trustkit.generate(policy_from_json(NEUTRAL[0])))
    assert [f.rule for f in trustkit.lint(policy, chain=PKI.leaf.chain)] == ["PinMatches", "PinMatches"]
    assert trustkit.model(policy, HOST, PKI.leaf.chain, [ROOT]).connects
    refused = trustkit.model(policy, HOST, PKI.rogue_leaf.chain, ROGUE_ROOTS)
    assert not refused.connects and refused.pinning_applied


# --- hostile and foreign input ---------------------------------------------------------------------------

LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE plist [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or "")) * 10}">' for i in range(1, 10))
          + ']>\n<plist><dict><key>TSKConfiguration</key><string>&lol9;</string></dict></plist>')
XXE = ('<?xml version="1.0"?>\n<!DOCTYPE plist [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
       "<plist><dict><key>TSKConfiguration</key><string>&x;</string></dict></plist>")
REFUSED = [
    ("random bytes", random.Random(9).randbytes(4096)),
    ("billion laughs", LAUGHS),
    ("external entity", XXE),
    ("10 MB", plist("<key>TSKConfiguration</key>", "<dict>" + " " * 10_000_000 + "</dict>")),
    ("not UTF-8", HEAD[0].encode() + b"<plist><dict><key>TSKConfiguration\xff</key><dict/></dict></plist>"),
    ("a binary plist pointing every domain at one huge list", plistlib.dumps(
        {"TSKPinnedDomains": dict.fromkeys((f"d{i}.example" for i in range(3000)),
                                           {"TSKPublicKeyHashes": [LEAF] * 50_000})},
        fmt=plistlib.FMT_BINARY)),
    ("a truncated binary plist", plistlib.dumps({"TSKConfiguration": {}}, fmt=plistlib.FMT_BINARY)[:-9]),
    ("root is a string", '<plist version="1.0"><string>TSKConfiguration</string></plist>'),
    ("an iOS ATS plist", plist("<key>NSPinnedDomains</key>", "<dict/>")),
    ("empty", b""),
    ("not text", ["TSKConfiguration"]),
]


@pytest.mark.parametrize("data", [h[1] for h in REFUSED], ids=[h[0] for h in REFUSED])
def test_hostile_input_is_refused_quickly_with_one_sentence(data):
    start = time.perf_counter()
    with pytest.raises(ConfigError) as caught:
        trustkit.parse(data)
    assert time.perf_counter() - start < 1.0
    assert str(caught.value) and "\n" not in str(caught.value) and "root:" not in str(caught.value)


def _binary_int_key(top: str) -> bytes:
    """A binary plist ``{top: {7: {}}}``, built by hand: plistlib cannot write a non-string key."""
    name = bytes([0x5F, 0x10, len(top)]) + top.encode()  # an ASCII string of 15-255 characters
    objects = [bytes([0xD1, 1, 2]), name, bytes([0xD1, 3, 4]), bytes([0x10, 7]), bytes([0xD0])]
    offsets, body = [], b"bplist00"
    for item in objects:
        offsets.append(len(body))
        body += item
    return body + bytes(offsets) + struct.pack(">6xBBQQQ", 1, 1, len(objects), 0, len(body))


WRONG_TYPES = [
    ("a domain name that is an integer", _binary_int_key("TSKPinnedDomains"), "TrustKitInvalidConfig",
     "config"),
    ("TSKConfiguration is a string", plist("<key>TSKConfiguration</key>", "<string>x</string>"),
     "TrustKitInvalidConfig", "config"),
    ("TSKPinnedDomains is an array", plist("<key>TSKPinnedDomains</key>", "<array/>"), "TrustKitNoDomains",
     "config"),
    ("TSKPublicKeyHashes is a string",
     tsk([f"<key>{HOST}</key>", "<dict>", f"<key>TSKPublicKeyHashes</key><string>{LEAF}</string>",
          "</dict>"]),
     "TrustKitInvalidConfig", "config"),
    ("an expiration written as a <date>", tsk(domain(extra=("<key>TSKExpirationDate</key>"
                                                            "<date>2027-01-01T00:00:00Z</date>",))),
     "TrustKitInvalidConfig", "config"),
    ("deep nesting inside a domain",
     tsk(domain(extra=("<key>x</key>", "<array>" * 40_000 + "</array>" * 40_000))), "TrustKitUnknownKey",
     "pins"),
    ("binary plist with wrong types", plistlib.dumps({"TSKPinnedDomains": {
        HOST: {"TSKPublicKeyHashes": [3, b"\x00" * 32], "TSKIncludeSubdomains": "YES"}, "b.example": []}},
        fmt=plistlib.FMT_BINARY), "TrustKitInvalidPin", "config"),
    ("a domain that is not a dict", tsk([f"<key>{HOST}</key>", "<true/>"]), "TrustKitInvalidConfig",
     "config"),
]


@pytest.mark.parametrize("data,rule,stage", [w[1:] for w in WRONG_TYPES], ids=[w[0] for w in WRONG_TYPES])
def test_wrong_types_are_findings_not_exceptions(data, rule, stage):
    """A wrong type is a finding; a fatal one makes the model say the app crashes at start-up."""
    start = time.perf_counter()
    policy = trustkit.parse(data)
    found = trustkit.lint(policy)
    assert time.perf_counter() - start < 1.0
    assert rule in {f.rule for f in found}
    assert trustkit.model(policy, HOST, PKI.leaf.chain, [ROOT]).stage == stage


@pytest.mark.parametrize("data,expected", [(PINNED, True), (PINNED.encode(), True), ("<plist/>", False),
                                           (random.Random(1).randbytes(64), False), (None, False),
                                           (3, False)])
def test_looks_like_sniffs_without_raising(data, expected):
    assert trustkit.looks_like(data) is expected
