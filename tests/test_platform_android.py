"""Android network security config: parse with lines, lint with Android Lint's ids, match, model, generate.

Every certificate is the course PKI's; every XML file is written out here so that a line number in an
expectation can be counted by eye (line 1 is always ``<network-security-config>``).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import random
import time

import pytest

from helpers import clock
from helpers.attacks.scenarios import ATTACKS, CHAIN_STUFFING
from helpers.pinning.pins import Pin, spki_pin
from helpers.pki.catalogue import course_pki
from helpers.platforms import android, detect
from helpers.platforms.policy import ConfigError, Policy, Severity, policy_from_json

PKI = course_pki()
ROOT = PKI.root.cert
LEAF = spki_pin(PKI.leaf.cert)
BACKUP = Pin.of_spki(PKI.backup_key.public_key()).base64
INTER = spki_pin(PKI.intermediate.cert)
REKEYED = spki_pin(PKI.leaf_rekeyed.cert)
SHORT = base64.b64encode(bytes(20)).decode()  # a SHA-1-sized digest
HOST = "api.yourapp.com"
UTC = dt.UTC


def nsc(*lines: str) -> str:
    """A config whose body lines are lines 2, 3, ... of the file."""
    return "\n".join(["<network-security-config>", *lines, "</network-security-config>"]) + "\n"


def pinned(domain: str = HOST, pins=(LEAF, BACKUP), *, expiration: str = "", subdomains: bool = False,
           anchors: tuple[str, ...] = (), digest: str = "SHA-256") -> list[str]:
    """A domain-config: +0 <domain-config>, +1 <domain>, then anchors, <pin-set>, one line per pin."""
    expiry = f' expiration="{expiration}"' if expiration else ""
    return ["  <domain-config>",
            f'    <domain includeSubdomains="{str(subdomains).lower()}">{domain}</domain>',
            *anchors,
            f"    <pin-set{expiry}>",
            *(f'      <pin digest="{digest}">{pin}</pin>' for pin in pins),
            "    </pin-set>",
            "  </domain-config>"]


def trust(*certificates: str) -> tuple[str, ...]:
    """A <trust-anchors> block (+0) with one <certificates ...> line per argument (+1, +2, ...)."""
    lines = (f"      <certificates {c}/>" for c in certificates)
    return ("    <trust-anchors>", *lines, "    </trust-anchors>")


USER_OVERRIDE = trust('src="system"', 'src="user" overridePins="true"')
DEBUG_USER = ("  <debug-overrides>", *trust('src="user"'), "  </debug-overrides>")
PINNED = nsc(*pinned())
END = "  </domain-config>"


def pin_xml(pin: str) -> str:
    return f'<pin digest="SHA-256">{pin}</pin>'


# --- lint: one row per mistake, with the rule id and the line it must point at --------------------------

NSC = "NetworkSecurityConfig"
LINT_CASES = [
    # (id, file, chain?, findings that must be there as (rule, line, words), rules that must not be there)
    ("one pin", nsc(*pinned(pins=(LEAF,))), False,
     [("MissingBackupPin", 4, "backup")], ["DuplicatePin", NSC]),
    ("the same pin twice (Android Lint misses it)", nsc(*pinned(pins=(LEAF, LEAF))), False,
     [("DuplicatePin", 6, "written twice")], ["MissingBackupPin"]),
    ("expired before today", nsc(*pinned(expiration="2026-08-15")), False,
     [("PinSetExpiry", 4, "already expired")], [NSC]),
    ("expires in 9 days", nsc(*pinned(expiration="2026-09-10")), False,
     [("PinSetExpiry", 4, "expiring soon")], []),
    ("expires in 10 days: quiet", nsc(*pinned(expiration="2026-09-11")), False, [], ["PinSetExpiry"]),
    ("far-future expiry: quiet", nsc(*pinned(expiration="2031-01-01")), False, [], ["PinSetExpiry", NSC]),
    ("month 13", nsc(*pinned(expiration="2027-13-01")), False,
     [(NSC, 4, 'Invalid expiration "2027-13-01"')], ["PinSetExpiry"]),
    ("not ISO (the device reads it, lint does not)", nsc(*pinned(expiration="2027-6-1")), False,
     [(NSC, 4, "yyyy-MM-dd")], []),
    ("SHA-1 digest", nsc(*pinned(pins=(LEAF, BACKUP), digest="SHA-1")), False,
     [(NSC, 5, "only SHA-256"), (NSC, 6, "only SHA-256")], []),
    ("lowercase sha-256 is fine", nsc(*pinned(digest="sha-256")), False, [], [NSC]),
    ("20-byte digest", nsc(*pinned(pins=(SHORT, BACKUP))), False,
     [(NSC, 5, "digest length 20 does not match expected length for SHA-256 of 32")], []),
    ("invalid base64", nsc(*pinned(pins=("not*base64!", BACKUP))), False, [(NSC, 5, "not base64")], []),
    ("pin-set without pins", nsc(*pinned(pins=())), False, [(NSC, 4, "Missing <pin>")], ["MissingBackupPin"]),
    ("misspelled top-level element", nsc("  <base-confg/>", *pinned()), False,
     [(NSC, 2, "Unexpected element <base-confg>")], []),
    ("two base-configs", nsc("  <base-config/>", "  <base-config/>"), False,
     [(NSC, 3, "at most 1 <base-config>")], []),
    ("two debug-overrides", nsc("  <debug-overrides/>", "  <debug-overrides/>"), False,
     [(NSC, 3, "at most 1 <debug-overrides>")], []),
    ("a domain twice, once nested", nsc(*pinned()[:-1], *pinned()[:2], END, END), False,
     [(NSC, 9, "Duplicate domain")], []),
    ("two trust-anchors", nsc(*pinned(anchors=("    <trust-anchors/>", "    <trust-anchors/>"))), False,
     [(NSC, 5, "Multiple <trust-anchors>")], []),
    ("two pin-sets", nsc(*pinned()[:-1], "    <pin-set/>", "  </domain-config>"), False,
     [(NSC, 8, "Multiple <pin-set>")], []),
    ("pin-set in base-config", nsc("  <base-config>", f"    <pin-set>{pin_xml(LEAF)}</pin-set>",
                                   "  </base-config>"), False,
     [(NSC, 3, "not allowed in <base-config>")], []),
    ("domain-config without a domain", nsc("  <domain-config>", "  </domain-config>"), False,
     [(NSC, 2, "No <domain>")], []),
    ("unknown certificates src", nsc(*pinned(anchors=trust('src="all"'))), False,
     [(NSC, 5, 'Unknown certificates src "all"')], []),
    ("a resource src is fine", nsc(*pinned(anchors=trust('src="@raw/my_ca"'))), False, [], [NSC]),
    ("cleartext in base-config", nsc('  <base-config cleartextTrafficPermitted="true"/>', *pinned()), False,
     [("InsecureBaseConfiguration", 2, "cleartextTrafficPermitted")], []),
    ("user CAs in base-config", nsc("  <base-config>", *trust('src="user"'), "  </base-config>", *pinned()),
     False,
     [("AcceptsUserCertificates", 4, "user-installed")], ["UserCaOverridesPins"]),
    ("user CA overrides pins", nsc(*pinned(anchors=USER_OVERRIDE)), False,
     [("UserCaOverridesPins", 6, "bypass the pins")], ["AcceptsUserCertificates"]),
    ("user CA in debug-overrides: fine", nsc(*DEBUG_USER, *pinned()), False, [],
     ["UserCaOverridesPins", "AcceptsUserCertificates", NSC]),
    ("no pin matches today's chain", nsc(*pinned(pins=(REKEYED, BACKUP))), True,
     [("NoPinMatchesChain", 3, "locked out"), ("PinMatches", 5, "matches no certificate")], []),
    ("pins on the leaf and a backup", PINNED, True, [("PinMatches", 5, "the leaf")],
     ["NoPinMatchesChain", "PinOnPooledIntermediate"]),
    ("pin on a pooled intermediate", nsc(*pinned(pins=(INTER, BACKUP))), True,
     [("PinOnPooledIntermediate", 5, "several intermediates")], ["NoPinMatchesChain"]),
]


def _lint(text: str, with_chain: bool):
    return android.lint(android.parse(text), clock.today(), PKI.leaf.chain if with_chain else None)


@pytest.mark.parametrize("text,with_chain,present,absent", [c[1:] for c in LINT_CASES],
                         ids=[c[0] for c in LINT_CASES])
def test_lint_finds_each_mistake_on_its_line(text, with_chain, present, absent):
    found = _lint(text, with_chain)
    for rule, line, words in present:
        assert any(f.rule == rule and f.line == line and words in f.message for f in found), (rule, found)
    assert not {f.rule for f in found} & set(absent), found
    assert [f.line or 0 for f in found] == sorted(f.line or 0 for f in found)
    assert all(f.rule in android.RULES and f.line for f in found)


def test_lint_cases_cover_every_rule_and_severities_match_android_lint():
    emitted = {f.rule: f.severity for case in LINT_CASES for f in _lint(case[1], case[2])}
    assert set(emitted) == set(android.RULES)
    assert emitted[NSC] == Severity.FATAL and emitted["UserCaOverridesPins"] == Severity.ERROR
    warnings = ("PinSetExpiry", "MissingBackupPin", "InsecureBaseConfiguration", "AcceptsUserCertificates")
    assert all(emitted[rule] == Severity.WARNING for rule in warnings)


def test_a_pin_set_shared_by_domains_is_reported_once():
    text = nsc("  <domain-config>", f"    <domain>{HOST}</domain>", "    <domain>www.yourapp.com</domain>",
               f'    <pin-set><pin digest="SHA-256">{LEAF}</pin></pin-set>', "  </domain-config>")
    assert [f.rule for f in _lint(text, False)] == ["MissingBackupPin"]


# --- parse: lines, inheritance, Android-only options --------------------------------------------------

NESTED = nsc(
    "  <base-config>",                                            # 2
    "    <trust-anchors>",                                        # 3
    '      <certificates src="system"/>',                         # 4
    "    </trust-anchors>",                                       # 5
    "  </base-config>",                                           # 6
    '  <domain-config cleartextTrafficPermitted="false">',        # 7
    '    <domain includeSubdomains="true">yourapp.com</domain>',  # 8
    '    <pin-set expiration="2027-06-01">',                      # 9
    f'      <pin digest="SHA-256">{LEAF}</pin>',                  # 10
    f'      <pin digest="SHA-256">{BACKUP}</pin>',                # 11
    "    </pin-set>",                                             # 12
    "    <domain-config>",                                        # 13
    '      <domain includeSubdomains="true">cdn.yourapp.com</domain>',  # 14
    f"      <domain>{HOST}</domain>",                             # 15
    *USER_OVERRIDE,                                               # 16-19
    "    </domain-config>",                                       # 20
    "  </domain-config>",                                         # 21
    "  <domain-config>",                                          # 22
    "    <domain> Static.YourApp.com </domain>",                  # 23
    "  </domain-config>",                                         # 24
)


def test_parse_flattens_domains_with_effective_pins_anchors_and_lines():
    policy = android.parse(NESTED)
    rules = {r.name: r for r in policy.domains}
    assert list(rules) == ["yourapp.com", "cdn.yourapp.com", HOST, "static.yourapp.com"]
    parent, nested = rules["yourapp.com"], rules[HOST]
    assert [(r.line, r.include_subdomains) for r in policy.domains] == [(8, True), (14, True), (15, False),
                                                                        (23, False)]
    assert nested.pins == parent.pins and [(p.text, p.line, p.algorithm) for p in nested.pins] == [
        (LEAF, 10, "SHA-256"), (BACKUP, 11, "SHA-256")]
    assert nested.expiration == dt.date(2027, 6, 1) and nested.expiration_text is None
    assert parent.options["trust_anchors"] == [("system", False, 4)]
    assert nested.options["trust_anchors"] == [("system", False, 17), ("user", True, 18)]
    assert nested.options["cleartext"] is False and nested.options["config_line"] == 13
    static = rules["static.yourapp.com"]
    assert static.pins == () and static.options["trust_anchors"] == [("system", False, 4)]
    assert static.options["cleartext"] is None
    assert policy.options["base"] == {"trust_anchors": [("system", False, 4)], "cleartext": None, "line": 2}
    assert policy.options["debug_overrides"] is None and policy.problems == ()


def test_parse_keeps_raw_expiration_and_normalises_unpadded_pins():
    policy = android.parse(nsc(*pinned(pins=(LEAF.rstrip("="), BACKUP), expiration="2027-6-1 (June)")))
    rule = policy.domains[0]
    assert rule.expiration == dt.date(2027, 6, 1) and rule.expiration_text == "2027-6-1 (June)"
    assert rule.pins[0].text == LEAF and policy.options["runtime_errors"] == []
    bad = android.parse(nsc(*pinned(expiration="June 2027"))).domains[0]
    assert bad.expiration is None and bad.expiration_text == "June 2027"


def test_debug_overrides_anchors_default_to_overriding_pins():
    policy = android.parse(nsc(*DEBUG_USER))
    assert policy.options["debug_overrides"] == [("user", True, 4)]


# --- match -----------------------------------------------------------------------------------------------

MATCH_CASES = [
    ("api.yourapp.com", HOST),                 # exact wins over the yourapp.com suffix
    ("API.YourApp.COM.", HOST),                # case and one trailing dot
    ("x.api.yourapp.com", "yourapp.com"),      # api.yourapp.com does not include subdomains
    ("a.b.cdn.yourapp.com", "cdn.yourapp.com"),  # the longest suffix wins
    ("cdn.yourapp.com", "cdn.yourapp.com"),
    ("deep.a.b.c.yourapp.com", "yourapp.com"),  # any depth
    ("yourapp.com", "yourapp.com"),
    ("evilyourapp.com", None),                 # a suffix must end on a label boundary
    ("yourapp.com.evil.example", None),
    ("yourapp.com..", None),                   # only one trailing dot is stripped
    ("static.yourapp.com", "static.yourapp.com"),
]


@pytest.mark.parametrize("host,expected", MATCH_CASES)
def test_match_follows_get_config_for_hostname(host, expected):
    rule = android.match(android.parse(NESTED), host)
    assert (rule.name if rule else None) == expected


# --- model -----------------------------------------------------------------------------------------------

ROGUE_ROOTS = [ROOT, PKI.rogue_ca.cert]
CORP = [PKI.corporate_ca.cert]
TZ_MINUS_10, TZ_PLUS_14 = dt.timezone(dt.timedelta(hours=-10)), dt.timezone(dt.timedelta(hours=14))
EXPIRY_DAY_05Z = dt.datetime(2026, 9, 1, 5, 0, tzinfo=UTC)
ON_EXPIRY = nsc(*pinned(expiration="2026-09-01"))
NESTED_PINS = nsc('  <domain-config>', '    <domain includeSubdomains="true">yourapp.com</domain>',
                  f"    <pin-set>{pin_xml(LEAF)}{pin_xml(BACKUP)}</pin-set>",
                  "    <domain-config>", f"      <domain>{HOST}</domain>", "    </domain-config>",
                  "  </domain-config>")
DEBUG_DOMAIN = nsc(*pinned(), "  <debug-overrides>", f"    <domain>{HOST}</domain>", "  </debug-overrides>")
RAW_ONLY = nsc(*pinned(anchors=trust('src="@raw/my_ca"')))

MODEL_CASES = [
    # (id, file, chain, roots, user roots, keyword arguments, connects, pinning applied, words in reason)
    ("genuine chain", PINNED, PKI.leaf.chain, [ROOT], [], {}, True, True, "matches the leaf"),
    ("chain stuffing (CVE-2016-2402)", PINNED, CHAIN_STUFFING.chain(), CHAIN_STUFFING.device_roots(), [], {},
     False, True, "never compared"),
    ("no rule: base-config trusts the rogue root", nsc(*pinned(domain="other.example")), PKI.rogue_leaf.chain,
     ROGUE_ROOTS, [], {}, True, False, "no <domain> matches"),
    ("nested domain-config inherits the pins", NESTED_PINS, PKI.rogue_leaf.chain, ROGUE_ROOTS, [], {},
     False, True, "Pin verification failed"),
    ("user CA, targetSdk 24, no pins: untrusted", nsc(), PKI.corporate_leaf.chain, [ROOT], CORP, {},
     False, False, "targetSdkVersion 24"),
    ("user CA, targetSdk 23, no pins: trusted", nsc(), PKI.corporate_leaf.chain, [ROOT], CORP,
     {"target_sdk": 23}, True, False, "trust anchors alone"),
    ("user CA, targetSdk 23, pinned: pins refuse", PINNED, PKI.corporate_leaf.chain, [ROOT], CORP,
     {"target_sdk": 23}, False, True, "Pin verification failed"),
    ("user CA with overridePins skips the pins", nsc(*pinned(anchors=USER_OVERRIDE)),
     PKI.corporate_leaf.chain, [ROOT], CORP, {}, True, False, 'overridePins="true"'),
    ("debug-overrides ignored in a release build", nsc(*DEBUG_USER, *pinned()), PKI.corporate_leaf.chain,
     [ROOT], CORP, {}, False, False, "trust check fails"),
    ("debug-overrides in a debuggable build", nsc(*DEBUG_USER, *pinned()), PKI.corporate_leaf.chain,
     [ROOT], CORP, {"debuggable": True}, True, False, "skips the pin check"),
    ("expiry: UTC+14 device is past midnight of the date", ON_EXPIRY, PKI.rogue_leaf.chain, ROGUE_ROOTS, [],
     {"at": EXPIRY_DAY_05Z, "device_tz": TZ_PLUS_14}, True, False, "expired"),
    ("expiry: UTC-10 device at the same instant still pins", ON_EXPIRY, PKI.rogue_leaf.chain, ROGUE_ROOTS, [],
     {"at": EXPIRY_DAY_05Z, "device_tz": TZ_MINUS_10}, False, True, "Pin verification failed"),
    ("expiry: exactly midnight is not yet past", ON_EXPIRY, PKI.rogue_leaf.chain, ROGUE_ROOTS, [],
     {"at": dt.datetime(2026, 9, 1, tzinfo=UTC)}, False, True, "Pin verification failed"),
    ("expiry: one second later pins are off", ON_EXPIRY, PKI.rogue_leaf.chain, ROGUE_ROOTS, [],
     {"at": dt.datetime(2026, 9, 1, 0, 0, 1, tzinfo=UTC)}, True, False, "expired"),
    ("invalid expiration crashes the app", nsc(*pinned(expiration="2027-13-01")), PKI.leaf.chain, [ROOT], [],
     {}, False, False, "Failed to parse XML configuration"),
    ("a lint-only problem does not crash", nsc("  <base-confg/>", *pinned()), PKI.leaf.chain, [ROOT], [], {},
     True, True, "matches the leaf"),
    ("an error inside debug-overrides: release build runs", DEBUG_DOMAIN, PKI.leaf.chain, [ROOT], [], {},
     True, True, "matches the leaf"),
    ("an error inside debug-overrides: debuggable build crashes", DEBUG_DOMAIN, PKI.leaf.chain, [ROOT], [],
     {"debuggable": True}, False, False, "domain element not allowed in debug-overrides"),
    ("an empty pin-set pins nothing", nsc(*pinned(pins=())), PKI.rogue_leaf.chain, ROGUE_ROOTS, [], {},
     True, False, "has no pins"),
    ("@raw anchors are not modelled", RAW_ONLY, PKI.leaf.chain, [ROOT], [], {}, False, False, "not modelled"),
    ("a pin on the intermediate lets the mis-issued leaf in", nsc(*pinned(pins=(INTER, BACKUP))),
     PKI.misissued_leaf.chain, [ROOT], [], {}, True, True, "matches the intermediate"),
]


@pytest.mark.parametrize("text,chain,roots,user_roots,kwargs,connects,applied,words",
                         [c[1:] for c in MODEL_CASES], ids=[c[0] for c in MODEL_CASES])
def test_model(text, chain, roots, user_roots, kwargs, connects, applied, words):
    decision = android.model(android.parse(text), HOST, chain, roots, user_roots, **kwargs)
    assert (decision.connects, decision.pinning_applied) == (connects, applied), decision.reason
    assert words in decision.reason and decision.platform == "android"


STAGE_OF = {"genuine chain": "pins", "chain stuffing (CVE-2016-2402)": "pins",
            "no rule: base-config trusts the rogue root": "no rule",
            "user CA, targetSdk 24, no pins: untrusted": "validation",
            "user CA with overridePins skips the pins": "override",
            "expiry: UTC+14 device is past midnight of the date": "expiry",
            "invalid expiration crashes the app": "config"}


@pytest.mark.parametrize("case", [c for c in MODEL_CASES if c[0] in STAGE_OF], ids=lambda c: c[0])
def test_model_names_the_stage_that_decided(case):
    name, text, chain, roots, user_roots, kwargs = case[:6]
    decision = android.model(android.parse(text), HOST, chain, roots, user_roots, **kwargs)
    assert decision.stage == STAGE_OF[name]


def _attack_roots(attack):
    """The device's stores: a corporate proxy's CA is a user-installed CA on Android."""
    if attack.key == "corporate proxy":
        return [ROOT], [PKI.corporate_ca.cert]
    return attack.device_roots(), []


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.key)
@pytest.mark.parametrize("target_sdk", [23, 24])
def test_every_attack_is_refused_by_the_pinned_config(attack, target_sdk):
    roots, user_roots = _attack_roots(attack)
    decision = android.model(android.parse(PINNED), HOST, attack.chain(), roots, user_roots,
                             target_sdk=target_sdk)
    assert not decision.connects and decision.rule == HOST and decision.rule_line == 3
    stopped_by_trust = attack.key == "corporate proxy" and target_sdk == 24
    assert ("trust check fails" if stopped_by_trust else "Pin verification failed") in decision.reason


def test_chain_stuffing_is_judged_on_the_built_chain():
    stuffed = CHAIN_STUFFING
    decision = android.model(android.parse(PINNED), HOST, stuffed.chain(), stuffed.device_roots())
    assert decision.chain == ("api.yourapp.com", "Compromised Public Root CA")
    assert LEAF[:12] in decision.reason and BACKUP[:12] in decision.reason


# --- generate ---------------------------------------------------------------------------------------------

NEUTRAL = [
    {"domains": [{"name": HOST, "pins": [LEAF, BACKUP]}]},
    {"domains": [{"name": "yourapp.com", "include_subdomains": True, "pins": [INTER, BACKUP],
                  "expiration": "2027-06-01"},
                 {"name": "cdn.yourapp.com", "pins": [{"pin": LEAF, "role": "leaf"}, BACKUP, REKEYED]}]},
    {"domains": [{"name": "a&b<c>.example", "pins": [LEAF, BACKUP]}], "enforce": False},
]


def _neutral(data: dict) -> Policy:
    """policy_from_json, but a name it refuses (the escaping case) is put back afterwards: generate()
    must still escape whatever name a Policy built in code carries."""
    odd = [d["name"] for d in data["domains"]]
    safe = {**data, "domains": [{**d, "name": f"escaped{i}.example"} for i, d in enumerate(data["domains"])]}
    policy = policy_from_json(safe)
    return dataclasses.replace(policy, domains=[dataclasses.replace(rule, name=name)
                                                for rule, name in zip(policy.domains, odd, strict=True)])


@pytest.mark.parametrize("data", NEUTRAL, ids=["one domain", "two domains, expiry", "escaping, report-only"])
def test_generate_round_trips_and_lints_clean(data):
    policy = _neutral(data)
    text = android.generate(policy)
    assert text == android.generate(policy) and android.looks_like(text) and detect(text) == "android"
    back = android.parse(text)
    assert [(r.name, r.include_subdomains, [p.text for p in r.pins], r.expiration) for r in back.domains] == [
        (r.name, r.include_subdomains, [p.text for p in r.pins], r.expiration) for r in policy.domains]
    lines = text.splitlines()
    assert all(p.text in lines[p.line - 1] for r in back.domains for p in r.pins)
    assert all(r.name in lines[r.line - 1].replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
               for r in back.domains)
    assert [f for f in android.lint(back) if f.severity != Severity.INFO] == []
    assert "python -m helpers config android" in text
    assert ("report-only" in text) == (not policy.enforce)


def test_generated_config_accepts_the_genuine_chain_and_refuses_the_rogue_one():
    policy = android.parse(android.generate(policy_from_json(NEUTRAL[0])))
    assert [f.rule for f in android.lint(policy, chain=PKI.leaf.chain)] == ["PinMatches", "PinMatches"]
    assert android.model(policy, HOST, PKI.leaf.chain, [ROOT]).connects
    refused = android.model(policy, HOST, PKI.rogue_leaf.chain, ROGUE_ROOTS)
    assert not refused.connects and refused.pinning_applied


# --- hostile and foreign input ---------------------------------------------------------------------------

BILLION_LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or "")) * 10}">' for i in range(1, 10))
                  + ']>\n<network-security-config><domain-config><domain>&lol9;</domain></domain-config>'
                  '</network-security-config>')
XXE = ('<?xml version="1.0"?>\n<!DOCTYPE n [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
       "<network-security-config><domain-config><domain>&x;</domain></domain-config>"
       "</network-security-config>")
HOSTILE = [
    ("random bytes", random.Random(8).randbytes(4096)),
    ("billion laughs", BILLION_LAUGHS),
    ("external entity", XXE),
    ("10 MB", "<network-security-config>" + " " * 10_000_000 + "</network-security-config>"),
    ("deep nesting", "<network-security-config>" + "<domain-config>" * 50_000 + "</domain-config>" * 50_000
     + "</network-security-config>"),
    ("not UTF-8", b"<network-security-config><domain-config><domain>caf\xe9.example</domain>"
                  b"</domain-config></network-security-config>"),
    ("lone surrogate", "<network-security-config><!-- \udcff --></network-security-config>"),
    ("unclosed tag", "<network-security-config><domain-config>"),
    ("an Info.plist", '<?xml version="1.0"?><plist version="1.0"><dict/></plist>'),
    ("empty", "   \n"),
    ("not text", 42),
]


@pytest.mark.parametrize("data", [h[1] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_input_is_refused_quickly_with_one_sentence(data):
    start = time.perf_counter()
    with pytest.raises(ConfigError) as caught:
        android.parse(data)
    assert time.perf_counter() - start < 1.0
    message = str(caught.value)
    assert message and "\n" not in message and "root:" not in message


SNIFFS = [(PINNED, True), (PINNED.encode(), True), ("<plist/>", False),
          (random.Random(1).randbytes(64), False), (None, False), (3, False)]


@pytest.mark.parametrize("data,expected", SNIFFS)
def test_looks_like_sniffs_without_raising(data, expected):
    assert android.looks_like(data) is expected
