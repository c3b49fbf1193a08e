"""iOS App Transport Security (NSPinnedDomains): parse with lines, lint, one-label matching, model, generate.

Every certificate is the course PKI's. Every plist is written out here one element per line, so that a
line number in an expectation can be counted by eye: lines 1-4 are the XML declaration, the DOCTYPE,
``<plist>`` and the root ``<dict>``; in :func:`ats` the first domain's ``<key>`` is line 9.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import plistlib
import random
import struct
import sys
import time
from xml.sax.saxutils import unescape

import pytest

from helpers import clock
from helpers.attacks.scenarios import ATTACKS, CHAIN_STUFFING
from helpers.pinning.pins import Pin, spki_pin
from helpers.pki.catalogue import course_pki
from helpers.platforms import detect, ios
from helpers.platforms.policy import ConfigError, Policy, Severity, policy_from_json

PKI = course_pki()
ROOT = PKI.root.cert
LEAF = spki_pin(PKI.leaf.cert)
BACKUP = Pin.of_spki(PKI.backup_key.public_key()).base64
INTER = spki_pin(PKI.intermediate.cert)
ROOT_PIN = spki_pin(ROOT)
REKEYED = spki_pin(PKI.leaf_rekeyed.cert)
OTHER_CA = spki_pin(PKI.other_ca.cert)
SHORT = base64.b64encode(bytes(20)).decode()  # a SHA-1-sized digest
HOST = "api.yourapp.com"
ROGUE_ROOTS = [ROOT, PKI.rogue_ca.cert]
HEAD = ['<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
        '<plist version="1.0">', "<dict>"]


def plist(*body: str) -> str:
    """A plist whose root dict's body lines are lines 5, 6, ..."""
    return "\n".join([*HEAD, *body, "</dict>", "</plist>"]) + "\n"


def identity(pin: str) -> str:
    return f"<dict><key>SPKI-SHA256-BASE64</key><string>{pin}</string></dict>"


def domain(name: str = HOST, leaf=(LEAF, BACKUP), ca=None, *, subdomains: bool | None = None,
           extra: tuple[str, ...] = ()) -> list[str]:
    """+0 <key>, +1 <dict>, then the leaf list (+2 key, +3 <array>, one identity per line), the CA list,
    NSIncludesSubdomains and ``extra``; ``None`` leaves a list out, ``()`` writes it empty."""
    lines = [f"<key>{name}</key>", "<dict>"]
    for key, pins in (("NSPinnedLeafIdentities", leaf), ("NSPinnedCAIdentities", ca)):
        if pins is not None:
            written = (p if p.startswith("<") else identity(p) for p in pins)
            lines += [f"<key>{key}</key>", "<array>", *written, "</array>"]
    if subdomains is not None:
        lines.append(f"<key>NSIncludesSubdomains</key><{str(subdomains).lower()}/>")
    return [*lines, *extra, "</dict>"]


def ats(*domains: list[str]) -> str:
    """Lines 5-8 open NSAppTransportSecurity and NSPinnedDomains; the first domain starts on line 9."""
    body = [line for d in domains for line in d]
    return plist("<key>NSAppTransportSecurity</key>", "<dict>", "<key>NSPinnedDomains</key>", "<dict>", *body,
                 "</dict>", "</dict>")


PINNED = ats(domain())

# --- lint: one row per mistake, with the rule id and the line it must point at --------------------------

LINT_CASES = [
    # (id, file, chain?, findings that must be there as (rule, line, words), rules that must not be there)
    ("two leaf identities: clean", PINNED, False, [], list(ios.RULES)),
    ("one leaf identity", ats(domain(leaf=(LEAF,))), False,
     [("AtsSingleLeafIdentity", 9, "more than one")], ["AtsNoIdentities", "AtsInvalidIdentity"]),
    ("one leaf identity next to a CA identity still warns", ats(domain(leaf=(LEAF,), ca=(ROOT_PIN,))), False,
     [("AtsSingleLeafIdentity", 9, "backup key")], []),
    ("CA identities only: no leaf warning", ats(domain(leaf=None, ca=(ROOT_PIN,))), False, [],
     ["AtsSingleLeafIdentity", "AtsNoIdentities"]),
    ("neither list", ats(domain(leaf=None)), False, [("AtsNoIdentities", 9, "NSPinnedCAIdentities")],
     ["AtsSingleLeafIdentity"]),
    ("both lists empty", ats(domain(leaf=(), ca=())), False, [("AtsNoIdentities", 9, "at least one")], []),
    ("a bare string where an identity dict belongs", ats(domain(leaf=(f"<string>{LEAF}</string>", BACKUP))),
     False, [("AtsInvalidIdentity", 13, "must be a <dict>")], []),
    ("the key misspelled inside an identity",
     ats(domain(leaf=(f"<dict><key>SPKI-SHA256</key><string>{LEAF}</string></dict>", BACKUP))), False,
     [("AtsInvalidIdentity", 13, "SPKI-SHA256-BASE64")], []),
    ("an integer pin", ats(domain(leaf=("<dict><key>SPKI-SHA256-BASE64</key><integer>7</integer></dict>",
                                        BACKUP))), False, [("AtsInvalidIdentity", 13, "<string>")], []),
    ("a 20-byte digest", ats(domain(leaf=(SHORT, BACKUP))), False,
     [("AtsInvalidIdentity", 13, "20 bytes")], []),
    ("an OkHttp-style prefix", ats(domain(leaf=(f"sha256/{LEAF}", BACKUP))), False,
     [("AtsInvalidIdentity", 13, "only the bare base64 is read")], []),
    ("the same leaf twice", ats(domain(leaf=(LEAF, LEAF))), False,
     [("DuplicatePin", 14, "written twice"), ("AtsSingleLeafIdentity", 9, "only one")], []),
    ("one key in both lists is no duplicate", ats(domain(leaf=(LEAF, BACKUP), ca=(LEAF,))), False, [],
     ["DuplicatePin"]),
    ("NSIncludesSubdomains as a string",
     ats(domain(extra=("<key>NSIncludesSubdomains</key><string>YES</string>",))), False,
     [("AtsInvalidStructure", 16, "<true/> or <false/>")], []),
    ("a wildcard domain", ats(domain("*.yourapp.com")), False, [("AtsInvalidStructure", 9, "wildcard")], []),
    ("a misspelled key", ats(domain(extra=("<key>NSIncludeSubdomains</key><true/>",))), False,
     [("AtsUnknownKey", 16, "did you mean NSIncludesSubdomains?")], []),
    ("a domain whose value is a string", ats([f"<key>{HOST}</key>", f"<string>{LEAF}</string>"]), False,
     [("AtsInvalidStructure", 9, "must be a <dict>"), ("AtsNoDomains", 7, "pins nothing")], []),
    ("NSPinnedDomains empty", ats(), False, [("AtsNoDomains", 7, "names no domain")], []),
    ("NSPinnedDomains as an array", plist("<key>NSPinnedDomains</key>", "<array/>"), False,
     [("AtsInvalidStructure", 5, "must be a <dict>")], []),
    ("no pin matches today's chain", ats(domain(leaf=(REKEYED, BACKUP))), True,
     [("NoPinMatchesChain", 9, "locked out"), ("PinMatches", 13, "matches no certificate")], []),
    ("pins on the leaf and a backup", PINNED, True, [("PinMatches", 13, "the leaf")],
     ["NoPinMatchesChain", "PinOnPooledIntermediate"]),
    ("a CA identity on a pooled intermediate", ats(domain(leaf=None, ca=(INTER, ROOT_PIN))), True,
     [("PinOnPooledIntermediate", 13, "several intermediates"), ("PinMatches", 14, "the root")],
     ["NoPinMatchesChain"]),
]


def _lint(text: str, with_chain: bool):
    return ios.lint(ios.parse(text), clock.today(), PKI.leaf.chain if with_chain else None)


@pytest.mark.parametrize("text,with_chain,present,absent", [c[1:] for c in LINT_CASES],
                         ids=[c[0] for c in LINT_CASES])
def test_lint_finds_each_mistake_on_its_line(text, with_chain, present, absent):
    found = _lint(text, with_chain)
    for rule, line, words in present:
        assert any(f.rule == rule and f.line == line and words in f.message for f in found), \
            (rule, line, found)
    assert not {f.rule for f in found} & set(absent), found
    assert [f.line or 0 for f in found] == sorted(f.line or 0 for f in found)
    assert all(f.rule in ios.RULES and f.line and "\n" not in f.message for f in found)


def test_lint_cases_cover_every_rule_with_its_severity():
    emitted = {f.rule: f.severity for case in LINT_CASES for f in _lint(case[1], case[2])}
    assert set(emitted) == set(ios.RULES)
    assert all(emitted[r] == Severity.ERROR for r in ("AtsNoIdentities", "AtsInvalidIdentity",
                                                     "AtsInvalidStructure", "AtsNoDomains"))
    assert emitted["AtsSingleLeafIdentity"] == emitted["AtsUnknownKey"] == Severity.WARNING


# --- parse: lines, categories, shapes ----------------------------------------------------------------------

def test_parse_reads_lines_categories_and_names():
    policy = ios.parse(ats(domain("API.YourApp.com.", ca=(ROOT_PIN,), subdomains=True),
                           domain("cdn.yourapp.com")))
    first, second = policy.domains
    assert (first.name, first.line, first.include_subdomains) == (HOST, 9, True)
    assert [(p.text, p.line, p.category) for p in first.pins] == [(LEAF, 13, "leaf"), (BACKUP, 14, "leaf"),
                                                                  (ROOT_PIN, 18, "ca")]
    assert (second.name, second.line, second.include_subdomains) == ("cdn.yourapp.com", 22, False)
    assert first.expiration is None and policy.problems == () and policy.options["line"] == 7


@pytest.mark.parametrize("text", [
    plist("<key>CFBundleIdentifier</key>", "<string>com.yourapp</string>",
          "<key>NSAppTransportSecurity</key>", "<dict>", "<key>NSAllowsArbitraryLoads</key><false/>",
          "<key>NSPinnedDomains</key>", "<dict>", *domain(), "</dict>", "</dict>"),
    plist("<key>NSPinnedDomains</key>", "<dict>", *domain(), "</dict>"),
    plistlib.dumps({"NSAppTransportSecurity": {"NSPinnedDomains": {HOST: {"NSPinnedLeafIdentities": [
        {"SPKI-SHA256-BASE64": LEAF}, {"SPKI-SHA256-BASE64": BACKUP}]}}}}, fmt=plistlib.FMT_BINARY),
], ids=["a full Info.plist", "a fragment whose root is the ATS dict", "a binary plist"])
def test_parse_accepts_every_shape_of_the_same_policy(text):
    rule, = ios.parse(text).domains
    assert (rule.name, [p.text for p in rule.pins]) == (HOST, [LEAF, BACKUP])
    assert (rule.line is None) == isinstance(text, bytes)


def test_a_plist_without_nspinneddomains_is_no_ios_pinning_config():
    trustkit_only = plist("<key>TSKConfiguration</key>", "<dict/>")
    with pytest.raises(ConfigError, match="--platform trustkit"):
        ios.parse(trustkit_only)


# --- match: one extra label only ---------------------------------------------------------------------------

MATCH_POLICY = ats(domain("yourapp.com", subdomains=True), domain("static.yourapp.com"),
                   domain("math.example.com", subdomains=False))
MATCH_CASES = [
    ("yourapp.com", "yourapp.com"),
    ("api.yourapp.com", "yourapp.com"),          # one extra label
    ("eu.api.yourapp.com", None),                # two extra labels: not covered on iOS
    ("a.b.c.yourapp.com", None),
    ("static.yourapp.com", "static.yourapp.com"),  # exact wins over the parent
    ("x.static.yourapp.com", None),              # static.yourapp.com does not include subdomains
    ("API.YourApp.com.", "yourapp.com"),         # case and one trailing dot
    ("evilyourapp.com", None),                   # a label boundary
    ("yourapp.com.evil.example", None),
    ("advanced.math.example.com", None),         # Apple's own example, without NSIncludesSubdomains
]


@pytest.mark.parametrize("host,expected", MATCH_CASES)
def test_match_covers_one_extra_label_only(host, expected):
    rule = ios.match(ios.parse(MATCH_POLICY), host)
    assert (rule.name if rule else None) == expected


def test_apples_example_math_yes_advanced_math_no():
    policy = ios.parse(ats(domain("example.com", subdomains=True)))
    assert ios.match(policy, "math.example.com") is not None
    assert ios.match(policy, "advanced.math.example.com") is None


# --- model -------------------------------------------------------------------------------------------------

BOTH = ats(domain(leaf=(LEAF, BACKUP), ca=(INTER,)))
CA_ONLY = ats(domain(leaf=None, ca=(INTER, ROOT_PIN)))
GENUINE, ROGUE, MISISSUED = PKI.leaf.chain, PKI.rogue_leaf.chain, PKI.misissued_leaf.chain
MODEL_CASES = [
    # (id, file, host, chain, roots, user roots, connects, pinning applied, stage, words in reason)
    ("genuine chain", PINNED, HOST, GENUINE, [ROOT], [], True, True, "pins",
     "NSPinnedLeafIdentities matches api.yourapp.com"),
    ("rogue CA: the leaf key differs", PINNED, HOST, ROGUE, ROGUE_ROOTS, [], False, True, "pins",
     "NSURLErrorSecureConnectionFailed (-1200)"),
    ("both lists, both match", BOTH, HOST, GENUINE, [ROOT], [], True, True, "pins",
     "NSPinnedCAIdentities matches YourApp Issuing CA 1 and a pin in NSPinnedLeafIdentities"),
    ("both lists: the CA matches but the rekeyed leaf does not", BOTH, HOST, PKI.leaf_rekeyed.chain, [ROOT],
     [], False, True, "pins", "none of the NSPinnedLeafIdentities pins"),
    ("both lists: the leaf matches but the CA does not",
     ats(domain(leaf=(LEAF, BACKUP), ca=(OTHER_CA,))), HOST, GENUINE, [ROOT], [], False, True, "pins",
     "none of the NSPinnedCAIdentities pins"),
    ("a CA identity on the root the server never sends", ats(domain(leaf=None, ca=(ROOT_PIN,))), HOST,
     GENUINE, [ROOT], [], True, True, "pins", "matches YourApp Root CA"),
    ("the leaf's key in the CA list does not count", ats(domain(leaf=None, ca=(LEAF, BACKUP))), HOST,
     GENUINE, [ROOT], [], False, True, "pins", "a CA of the built chain"),
    ("CA identities let a mis-issued leaf in", CA_ONLY, HOST, MISISSUED, [ROOT], [], True, True,
     "pins", "matches YourApp Issuing CA 1"),
    ("leaf identities refuse the mis-issued leaf", PINNED, HOST, MISISSUED, [ROOT], [], False, True,
     "pins", "the leaf's key"),
    ("one label down is pinned", ats(domain("yourapp.com", subdomains=True)), HOST, ROGUE,
     ROGUE_ROOTS, [], False, True, "pins", "-1200"),
    ("no rule: the parent without NSIncludesSubdomains", ats(domain("yourapp.com")), HOST, ROGUE,
     ROGUE_ROOTS, [], True, False, "no rule", "no NSPinnedDomains entry covers"),
    ("untrusted chain fails before pins", PINNED, HOST, ROGUE, [ROOT], [], False, False,
     "validation", "system trust evaluation fails"),
    ("pins never make an untrusted chain trusted", ats(domain(leaf=(spki_pin(PKI.rogue_leaf.cert), BACKUP))),
     HOST, ROGUE, [ROOT], [], False, False, "validation", "before ATS looks at any pin"),
    ("a domain without identities refuses (inferred)", ats(domain(leaf=None)), HOST, GENUINE, [ROOT], [],
     False, True, "pins", "(inferred)"),
    ("a user root with full trust passes system trust", ats(domain("other.example")), HOST,
     PKI.corporate_leaf.chain, [ROOT], [PKI.corporate_ca.cert], True, False, "no rule",
     "Certificate Trust Settings"),
]


@pytest.mark.parametrize("text,host,chain,roots,user_roots,connects,applied,stage,words",
                         [c[1:] for c in MODEL_CASES], ids=[c[0] for c in MODEL_CASES])
def test_model(text, host, chain, roots, user_roots, connects, applied, stage, words):
    decision = ios.model(ios.parse(text), host, chain, roots, user_roots)
    assert (decision.connects, decision.pinning_applied, decision.stage) == (connects, applied, stage), \
        decision.reason
    assert words in decision.reason and decision.platform == "ios" and "\n" not in decision.reason


def _attack_roots(attack):
    """The device's stores: on iOS the corporate proxy's CA is a profile root the user fully trusted."""
    if attack.key == "corporate proxy":
        return [ROOT], [PKI.corporate_ca.cert]
    return attack.device_roots(), []


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.key)
def test_every_attack_is_refused_by_the_pinned_config(attack):
    roots, user_roots = _attack_roots(attack)
    decision = ios.model(ios.parse(PINNED), HOST, attack.chain(), roots, user_roots)
    assert not decision.connects and decision.stage == "pins" and decision.rule_line == 9
    assert "-1200" in decision.reason and LEAF[:12] in decision.reason
    assert ("Certificate Trust Settings" in decision.reason) == (attack.key == "corporate proxy")


@pytest.mark.parametrize("text", [PINNED, CA_ONLY], ids=["leaf identities", "CA identities"])
def test_chain_stuffing_is_judged_on_the_built_chain(text):
    """The stuffed chain carries the genuine leaf and intermediate, but the built chain does not."""
    decision = ios.model(ios.parse(text), HOST, CHAIN_STUFFING.chain(), CHAIN_STUFFING.device_roots())
    assert not decision.connects and decision.chain == ("api.yourapp.com", "Compromised Public Root CA")


def test_ios_ignores_the_policys_expiry():
    policy = policy_from_json({"domains": [{"name": HOST, "pins": [LEAF, BACKUP],
                                            "expiration": "2020-01-01"}]})
    assert not ios.model(policy, HOST, PKI.rogue_leaf.chain, ROGUE_ROOTS).connects
    assert not ios.model(ios.parse(ios.generate(policy)), HOST, PKI.rogue_leaf.chain, ROGUE_ROOTS).connects


def test_model_defaults_to_the_course_clock_and_honours_at():
    policy = ios.parse(PINNED)
    assert ios.model(policy, HOST, PKI.leaf.chain, [ROOT]).connects
    late = ios.model(policy, HOST, PKI.leaf.chain, [ROOT], at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    assert not late.connects and late.stage == "validation"


# --- generate ----------------------------------------------------------------------------------------------

NEUTRAL = [
    {"domains": [{"name": HOST, "pins": [LEAF, BACKUP]}]},
    {"domains": [{"name": "yourapp.com", "include_subdomains": True,
                  "pins": [{"pin": ROOT_PIN, "role": "ca"}, LEAF, {"pin": BACKUP, "role": "leaf"}]},
                 {"name": "cdn.yourapp.com", "pins": [LEAF, BACKUP, REKEYED], "expiration": "2027-06-01"}]},
    {"domains": [{"name": HOST, "pins": [LEAF, BACKUP]}], "enforce": False},
    {"domains": [{"name": "a&b<c>.example", "pins": [LEAF, BACKUP], "expiration": "2027-01-01"}]},
]


def _neutral(data: dict) -> Policy:
    """policy_from_json, but a name it refuses (the escaping case) is put back afterwards: generate()
    must still escape whatever name a Policy built in code carries."""
    odd = [d["name"] for d in data["domains"]]
    safe = {**data, "domains": [{**d, "name": f"escaped{i}.example"} for i, d in enumerate(data["domains"])]}
    policy = policy_from_json(safe)
    return dataclasses.replace(policy, domains=[dataclasses.replace(rule, name=name)
                                                for rule, name in zip(policy.domains, odd, strict=True)])


def _summary(policy: Policy):
    return [(r.name, r.include_subdomains, sorted((p.text, "ca" if p.category == "ca" else "leaf")
                                                  for p in r.pins)) for r in policy.domains]


@pytest.mark.parametrize("data", NEUTRAL,
                         ids=["one domain", "CA and leaf, expiry", "report-only", "escaping"])
def test_generate_round_trips_and_lints_clean(data):
    policy = _neutral(data)
    text = ios.generate(policy)
    assert text == ios.generate(policy) and ios.looks_like(text) and detect(text) == "ios"
    back = ios.parse(text)
    assert _summary(back) == _summary(policy)
    assert all(r.expiration is None for r in back.domains)  # iOS has no expiry: the comment says so
    assert ("ignored here" in text) == any(r.expiration for r in policy.domains)
    assert ("no report-only mode" in text) == (not policy.enforce)
    lines = text.splitlines()
    assert all(p.text in lines[p.line - 1] for r in back.domains for p in r.pins)
    assert all(f"<key>{r.name}</key>" in unescape(lines[r.line - 1]) for r in back.domains)
    assert ios.lint(back) == []


def test_generated_config_accepts_the_genuine_chain_and_refuses_the_rogue_one():
    policy = ios.parse(ios.generate(policy_from_json(NEUTRAL[0])))
    assert [f.rule for f in ios.lint(policy, chain=PKI.leaf.chain)] == ["PinMatches", "PinMatches"]
    assert ios.model(policy, HOST, PKI.leaf.chain, [ROOT]).connects
    refused = ios.model(policy, HOST, PKI.rogue_leaf.chain, ROGUE_ROOTS)
    assert not refused.connects and refused.pinning_applied


# --- hostile and foreign input ---------------------------------------------------------------------------

def _binary_dag() -> bytes:
    """Three thousand domains that all point at one list of 50,000 identities: tiny as a binary plist."""
    shared = {"NSPinnedLeafIdentities": [{"SPKI-SHA256-BASE64": LEAF}] * 50_000}
    return plistlib.dumps({"NSPinnedDomains": {f"d{i}.example": shared for i in range(3000)}},
                          fmt=plistlib.FMT_BINARY)


def _binary_deep() -> bytes:
    value: list = []
    for _ in range(3000):
        value = [value]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10_000)
    try:
        return plistlib.dumps({"NSPinnedDomains": value}, fmt=plistlib.FMT_BINARY)
    finally:
        sys.setrecursionlimit(limit)


LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE plist [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or "")) * 10}">' for i in range(1, 10))
          + ']>\n<plist><dict><key>NSPinnedDomains</key><dict><key>&lol9;</key><dict/></dict></dict></plist>')
XXE = ('<?xml version="1.0"?>\n<!DOCTYPE plist [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
       "<plist><dict><key>NSPinnedDomains</key><dict><key>&x;</key><dict/></dict></dict></plist>")
REFUSED = [
    ("random bytes", random.Random(8).randbytes(4096)),
    ("billion laughs", LAUGHS),
    ("external entity", XXE),
    ("10 MB", plist("<key>NSPinnedDomains</key>", "<dict>" + " " * 10_000_000 + "</dict>")),
    ("not UTF-8", HEAD[0].encode() + b"<plist><dict><key>NSPinnedDomains\xff</key><dict/></dict></plist>"),
    ("lone surrogate", "<plist><dict><key>NSPinnedDomains</key><dict/><!-- \udcff --></dict></plist>"),
    ("a binary plist pointing every domain at one huge list", _binary_dag()),
    ("a binary plist nested 3000 deep", _binary_deep()),
    ("a huge integer", plist("<key>NSPinnedDomains</key>", "<integer>" + "9" * 10_000 + "</integer>")),
    ("root is an array", '<plist version="1.0"><array/></plist>'),
    ("an Android config", "<network-security-config/>"),
    ("empty", "   \n"),
    ("not text", 42),
]


@pytest.mark.parametrize("data", [h[1] for h in REFUSED], ids=[h[0] for h in REFUSED])
def test_hostile_input_is_refused_quickly_with_one_sentence(data):
    start = time.perf_counter()
    with pytest.raises(ConfigError) as caught:
        ios.parse(data)
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
    ("a domain name that is an integer", _binary_int_key("NSPinnedDomains"), "AtsInvalidStructure"),
    ("NSAppTransportSecurity is a string", plist("<key>NSAppTransportSecurity</key>", "<string>x</string>"),
     "AtsInvalidStructure"),
    ("identity list is a dict", ats(domain(leaf=None, extra=("<key>NSPinnedLeafIdentities</key><dict/>",))),
     "AtsInvalidStructure"),
    ("deep nesting inside a domain",
     ats(domain(extra=("<key>x</key>", "<array>" * 40_000 + "</array>" * 40_000))), "AtsUnknownKey"),
    ("binary plist with wrong types", plistlib.dumps({"NSPinnedDomains": {HOST: {
        "NSIncludesSubdomains": 1, "NSPinnedLeafIdentities": [3, {"SPKI-SHA256-BASE64": b"\x00" * 32}]}}},
        fmt=plistlib.FMT_BINARY), "AtsInvalidIdentity"),
]


@pytest.mark.parametrize("data,rule", [w[1:] for w in WRONG_TYPES], ids=[w[0] for w in WRONG_TYPES])
def test_wrong_types_are_findings_not_exceptions(data, rule):
    start = time.perf_counter()
    found = ios.lint(ios.parse(data))
    assert time.perf_counter() - start < 1.0
    assert rule in {f.rule for f in found}


@pytest.mark.parametrize("data,expected", [(PINNED, True), (PINNED.encode(), True), ("<plist/>", False),
                                           (random.Random(1).randbytes(64), False), (None, False),
                                           (3, False)])
def test_looks_like_sniffs_without_raising(data, expected):
    assert ios.looks_like(data) is expected
