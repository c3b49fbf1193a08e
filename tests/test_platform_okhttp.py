"""OkHttp's CertificatePinner: reading Kotlin and Java, lint rules, host patterns, the model, generate.

The model's agreement with the real OkHttp 3.13 is tests/test_okhttp_real.py; here every rule id,
every pattern rule, the attacks of lesson 05 and hostile input, with the course's own certificates.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import time

import pytest

from helpers.attacks.scenarios import ATTACKS, CHAIN_STUFFING
from helpers.course import HOST
from helpers.pinning.pins import Pin, spki_der, spki_pin
from helpers.pki import course_pki
from helpers.platforms import ConfigError, DomainRule, Policy, Severity, detect, okhttp, policy_from_json
from helpers.platforms.gallery import course_policy

PKI = course_pki()
LEAF = f"sha256/{spki_pin(PKI.leaf.cert)}"
BACKUP = f"sha256/{Pin.of_spki(PKI.backup_key.public_key()).base64}"
REKEYED = f"sha256/{spki_pin(PKI.leaf_rekeyed.cert)}"
INTERMEDIATE = f"sha256/{spki_pin(PKI.intermediate.cert)}"
ROOT = f"sha256/{spki_pin(PKI.root.cert)}"
SHA1_LEAF = "sha1/" + base64.b64encode(hashlib.sha1(spki_der(PKI.leaf.cert)).digest()).decode()


def kotlin(*adds: str, before: str = "", comment: str = "") -> str:
    """A builder on line 1 (after ``before``), ``comment``, one ``.add(...)`` line per argument string."""
    lines = [*([before] if before else []), "val pinner = CertificatePinner.Builder()",
             *([f"    {comment}"] if comment else []), *(f"    .add({args})" for args in adds),
             "    .build()"]
    return "\n".join(lines) + "\n"


def q(*values: str) -> str:
    """Quoted, comma-separated arguments."""
    return ", ".join(f'"{v}"' for v in values)


def loud(findings):
    """(rule, severity, line) of every finding but the informational PinMatches."""
    return [(f.rule, f.severity, f.line) for f in findings if f.rule != "PinMatches"]


E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

# --- lint: one case per rule and per way to trip it ---------------------------------------------------------

LINT_CASES = {
    "clean": (kotlin(q(HOST, LEAF, BACKUP)), []),
    "one pin per call, merged": (kotlin(q(HOST, LEAF), q(HOST, BACKUP)), []),
    "prefix": (kotlin(q(HOST, LEAF, BACKUP, "md5/" + LEAF[7:])), [("OkHttpPinFormat", E, 2)]),
    "not base64": (kotlin(q(HOST, LEAF, BACKUP, "sha256/not base64!")), [("OkHttpPinFormat", E, 2)]),
    "wrong length": (kotlin(q(HOST, LEAF, "sha256/AAAA")),
                     [("OkHttpPinFormat", E, 2), ("MissingBackupPin", W, 2)]),
    "okio-only spelling": (kotlin(q(HOST, LEAF, BACKUP.rstrip("="))), [("OkHttpPinFormat", W, 2)]),
    "sha1": (kotlin(q(HOST, LEAF, SHA1_LEAF)), [("OkHttpSha1Pin", W, 2)]),
    "stray star": (kotlin(q("api*.yourapp.com", LEAF, BACKUP)), [("OkHttpPattern", E, 2)]),
    "star inside": (kotlin(q("*.*.yourapp.com", LEAF, BACKUP)), [("OkHttpPattern", E, 2)]),
    "not a host": (kotlin(q("api yourapp.com", LEAF, BACKUP)), [("OkHttpPattern", E, 2)]),
    "any depth needs 4.x": (kotlin(q("**.yourapp.com", LEAF, BACKUP)), [("OkHttpPattern", W, 2)]),
    "trailing dot": (kotlin(q("api.yourapp.com.", LEAF, BACKUP)), [("OkHttpPattern", W, 2)]),
    "one pin": (kotlin(q(HOST, LEAF)), [("MissingBackupPin", W, 2)]),
    "same pin twice": (kotlin(q(HOST, LEAF), q(HOST, LEAF)),
                       [("MissingBackupPin", W, 2), ("DuplicatePin", W, 3)]),
    "no add()": (kotlin(), [("OkHttpNoPins", W, 1)]),
    "add() without pins": (kotlin(q(HOST)), [("OkHttpNoPins", W, 2)]),
    "spread pins": (kotlin(f'"{HOST}", *pins'), [("OkHttpUnreadable", INFO, 2)]),
    "variable pattern": (kotlin(f"host, {q(LEAF, BACKUP)}"), [("OkHttpUnreadable", INFO, 2)]),
    "template pin": (kotlin(f'"{HOST}", "sha256/$leafPin", "{BACKUP}"'),
                     [("OkHttpUnreadable", INFO, 2), ("MissingBackupPin", W, 2)]),
    "date to come": (kotlin(q(HOST, LEAF, BACKUP), comment="// expires 2030-01-01"),
                     [("OkHttpNoExpiry", INFO, 3)]),
    "date passed": (kotlin(q(HOST, LEAF, BACKUP), comment="// expires 2026-01-01"),
                    [("OkHttpNoExpiry", W, 3)]),
    "unterminated string": (kotlin(f'"{HOST}", "{LEAF}'),     # the ')' is inside the string
                            [("OkHttpNoPins", W, 1), ("OkHttpSource", E, 2), ("OkHttpSource", E, 2)]),
    "unclosed call": ('val p = CertificatePinner.Builder()\n    .add("api.yourapp.com", "x"\n',
                      [("OkHttpNoPins", W, 1), ("OkHttpSource", E, 2)]),
    "unclosed comment": (kotlin(q(HOST, LEAF, BACKUP)) + "/* never closed\n", [("OkHttpSource", E, 4)]),
}


@pytest.mark.parametrize("name", LINT_CASES)
def test_lint_finds_each_mistake_on_its_line(name):
    text, expected = LINT_CASES[name]
    findings = okhttp.lint(okhttp.parse(text), dt.date(2026, 9, 1))
    assert loud(findings) == expected, [f.text() for f in findings]
    assert all(f.rule in okhttp.RULES and "\n" not in f.message for f in findings)
    assert [f.line or 0 for f in findings] == sorted(f.line or 0 for f in findings)


def test_missing_backup_pin_says_when_patterns_union():
    text = kotlin(q("*.yourapp.com", LEAF, BACKUP), q(HOST, REKEYED), q("other.example.com", ROOT))
    messages = {f.line: f.message for f in okhttp.lint(okhttp.parse(text)) if f.rule == "MissingBackupPin"}
    assert "unioned" in messages[3] and "'*.yourapp.com'" in messages[3]
    assert "unioned" not in messages[4]


@pytest.mark.parametrize("pins, rules", [
    ([LEAF, BACKUP], {"PinMatches"}),
    ([INTERMEDIATE, BACKUP], {"PinMatches", "PinOnPooledIntermediate"}),
    ([REKEYED, BACKUP], {"PinMatches", "NoPinMatchesChain"}),
])
def test_lint_against_the_chain_served_today(pins, rules):
    findings = okhttp.lint(okhttp.parse(kotlin(q(HOST, *pins))), None, PKI.leaf.chain)
    assert {f.rule for f in findings} == rules
    assert all(f.line == 2 for f in findings)


# --- parse: Kotlin and Java as people write them ------------------------------------------------------------

JAVA = f"""import okhttp3.CertificatePinner;

CertificatePinner pinner = new CertificatePinner.Builder()
    .add("api.yourapp.com",
         "sha256/" +
         "{LEAF[7:]}")  // .add("in.a.comment", "sha256/AAAA")
    /* .add("commented.out", "sha256/AAAA") */
    .add("*.yourapp.com", "{BACKUP}")
    .build();
String notAPin = ".add(\\"in.a.string\\", \\"x\\")";
"""

KOTLIN_VARIABLE = f"""val builder = CertificatePinner.Builder()
builder.add("api.yourapp.com", "{LEAF}")
builder.add(pattern = "api.yourapp.com", \"\"\"{BACKUP}\"\"\")
val pinner = builder.build()
"""


@pytest.mark.parametrize("text, expected", [
    (JAVA, [("api.yourapp.com", 4, [(LEAF, 5)]), ("*.yourapp.com", 8, [(BACKUP, 8)])]),
    (KOTLIN_VARIABLE, [("api.yourapp.com", 2, [(LEAF, 2), (BACKUP, 3)])]),
    (kotlin(q("**.YourApp.com", LEAF), before="// pins"), [("**.YourApp.com", 3, [(LEAF, 3)])]),
])
def test_parse_reads_patterns_and_pins_with_their_lines(text, expected):
    policy = okhttp.parse(text)
    got = [(r.name, r.line, [(p.text, p.line) for p in r.pins]) for r in policy.domains]
    assert got == expected
    assert policy.problems == ()


def test_parse_records_the_pattern_kind():
    policy = okhttp.parse(kotlin(*(q(p, LEAF) for p in ("a.com", "*.a.com", "**.a.com", "a*.a.com"))))
    assert [(r.options["kind"], r.include_subdomains) for r in policy.domains] == [
        ("exact", False), ("one label", False), ("any depth", True), ("invalid", False)]


@pytest.mark.parametrize("text, words", [
    ("fun main() = println(1)\n", "never mentions CertificatePinner"),
    ("val p = CertificatePinner.DEFAULT\n", "never calls CertificatePinner.Builder()"),
    (b"\xff\xfe\x00CertificatePinner", "not UTF-8"),
    (os.urandom(4096) + b"\xff", "not UTF-8"),
    (b"CertificatePinner.Builder()" + b" " * 10_000_000, "larger than"),
    (12, "text or bytes"),
    ("<network-security-config/>", "never mentions CertificatePinner"),
])
def test_what_is_no_okhttp_source_is_refused_in_one_sentence(text, words):
    with pytest.raises(ConfigError) as caught:
        okhttp.parse(text)
    assert words in str(caught.value) and "\n" not in str(caught.value)


BUILDER = "val p = CertificatePinner.Builder()\n"
HOSTILE = {
    "100k quotes": BUILDER + '"' * 100_000,
    "quotes after add(": BUILDER + '.add("' + '"' * 900_000,
    ".add( repeated": BUILDER + ".add(" * 190_000,
    "closed add() repeated": BUILDER + '.add("a", "b")' * 60_000,
    "many patterns": BUILDER + "".join(f'.add("h{i}.com", "sha256/AAAA")' for i in range(30_000)),
    "1M parentheses": BUILDER + "(" * 990_000,
    "comment openers": BUILDER + "/*" * 490_000,
    "unclosed comment of stars": BUILDER + "/*" + "*" * 990_000,
    "unterminated strings": BUILDER + f'.add("{HOST}, "sha256/x)\n' * 20_000,
    "backslashes": BUILDER + '.add("' + "\\" * 990_000,
    "a pin of 990k characters": BUILDER + f'.add("{HOST}", "sha256/' + "A" * 990_000 + '")',
    "a host of 980k characters": BUILDER + '.add("' + "a." * 490_000 + '", "sha256/AAAA")',
    "escape characters": BUILDER + '.add("\\u001b[31mred", "\x1b[0m")',
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_source_gives_findings_quickly(name):
    started = time.perf_counter()
    policy = okhttp.parse(HOSTILE[name])
    findings = okhttp.lint(policy, None, PKI.leaf.chain)
    decision = okhttp.model(policy, HOST, PKI.leaf.chain, [PKI.root.cert])
    assert time.perf_counter() - started < 1.0
    assert findings and decision.reason
    assert all(f.rule in okhttp.RULES for f in findings)


@pytest.mark.parametrize("text, expected", [
    ("val p = CertificatePinner.Builder()", True),
    (b"CertificatePinner.Builder().add(", True),
    ("<network-security-config/>", False),
    (os.urandom(64).replace(b"C", b""), False),
    (None, False),
])
def test_looks_like(text, expected):
    assert okhttp.looks_like(text) is expected


@pytest.mark.parametrize("text, decoded", [
    ("QUJD", b"ABC"), ("QUI=", b"AB"), ("QUI", b"AB"), ("QQ", b"A"), (" Q U J D\n", b"ABC"),
    ("-_-_", base64.b64decode("+/+/")), ("", b""), ("A", None), ("QU=I", None), ("QUJD!", None),
])
def test_okio_base64_is_as_lenient_as_okio(text, decoded):
    assert okhttp.okio_base64(text) == decoded


# --- host patterns ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern, host, v4, v3", [
    ("api.yourapp.com", "api.yourapp.com", True, True),
    ("api.yourapp.com", "API.YourApp.com.", True, True),
    ("API.YourApp.com", "api.yourapp.com", True, True),
    ("api.yourapp.com", "eu.api.yourapp.com", False, False),
    ("*.yourapp.com", "api.yourapp.com", True, True),
    ("*.yourapp.com", "yourapp.com", False, False),          # not the apex
    ("*.yourapp.com", "eu.api.yourapp.com", False, False),   # exactly one label
    ("*.yourapp.com", "evilyourapp.com", False, False),
    ("**.yourapp.com", "yourapp.com", True, False),          # 3.x has no '**.': it never matches
    ("**.yourapp.com", "api.yourapp.com", True, False),
    ("**.yourapp.com", "a.b.c.yourapp.com", True, False),
    ("**.yourapp.com", "evilyourapp.com", False, False),
    ("api*.yourapp.com", "api1.yourapp.com", False, False),
])
def test_host_patterns_by_version(pattern, host, v4, v3):
    policy = okhttp.parse(kotlin(q(pattern, LEAF, BACKUP)))
    matched = [okhttp.match(policy, host, version=version) is not None for version in (4, 3)]
    assert matched == [v4, v3]


def test_pins_of_all_matching_patterns_are_unioned():
    policy = okhttp.parse(kotlin(q("*.yourapp.com", REKEYED, BACKUP), q(HOST, LEAF),
                                 q("**.yourapp.com", ROOT)))
    assert [r.name for r in okhttp.matching(policy, HOST)] == ["*.yourapp.com", HOST, "**.yourapp.com"]
    assert okhttp.match(policy, HOST).name == "*.yourapp.com"
    rekeyed = okhttp.model(policy, HOST, PKI.leaf_rekeyed.chain, [PKI.root.cert])
    genuine = okhttp.model(policy, HOST, PKI.leaf.chain, [PKI.root.cert])
    rogue = okhttp.model(policy, HOST, PKI.rogue_leaf.chain, [PKI.root.cert, PKI.rogue_ca.cert])
    assert (rekeyed.connects, genuine.connects, rogue.connects) == (True, True, False)
    assert rogue.reason.splitlines()[-4:] == [f"    {p}" for p in (REKEYED, BACKUP, LEAF, ROOT)]


# --- the model -------------------------------------------------------------------------------------------

def shipped(**kwargs) -> Policy:
    return okhttp.parse(okhttp.generate(course_policy(**kwargs)))


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.key for a in ATTACKS])
def test_every_attack_is_refused_at_the_pin_check(attack):
    decision = okhttp.model(shipped(), HOST, attack.chain(), attack.device_roots())
    assert (decision.connects, decision.stage, decision.pinning_applied) == (False, "pins", True)
    assert decision.reason.startswith("Certificate pinning failure!\n  Peer certificate chain:\n")
    assert f"  Pinned certificates for {HOST}:\n    {LEAF}\n    {BACKUP}" in decision.reason


def test_chain_stuffing_is_refused_because_pins_meet_the_built_chain():
    sent = CHAIN_STUFFING.chain()
    assert LEAF[7:] in {spki_pin(c) for c in sent}             # a check of the sent chain would pass
    decision = okhttp.model(shipped(), HOST, sent, CHAIN_STUFFING.device_roots())
    assert not decision.connects and decision.chain == ("api.yourapp.com", "Compromised Public Root CA")
    assert LEAF[7:] not in decision.reason.split("Pinned certificates")[0]


@pytest.mark.parametrize("issued, connects", [
    (PKI.leaf, True), (PKI.leaf_renewed, True), (PKI.leaf_on_backup_key, True), (PKI.leaf_rekeyed, False),
    (PKI.misissued_leaf, False),
])
def test_the_course_chains_against_leaf_and_backup_pins(issued, connects):
    decision = okhttp.model(shipped(), HOST, issued.chain, [PKI.root.cert])
    assert decision.connects is connects and decision.stage == "pins"


#: (served chain, trusted roots)
GENUINE = (PKI.leaf.chain, [PKI.root.cert])
ROGUE_TRUSTED = (PKI.rogue_leaf.chain, [PKI.rogue_ca.cert])
ROGUE_UNTRUSTED = (PKI.rogue_leaf.chain, [PKI.root.cert])


@pytest.mark.parametrize("adds, served, version, outcome", [
    ([q(HOST, LEAF, BACKUP)], ROGUE_UNTRUSTED, 4, (False, "validation")),
    ([q("other.yourapp.com", LEAF, BACKUP)], ROGUE_TRUSTED, 4, (True, "no rule")),
    ([q(HOST)], ROGUE_TRUSTED, 4, (True, "no rule")),                      # add() without pins pins nothing
    ([q(HOST, LEAF, "md5/AAAA")], GENUINE, 4, (False, "config")),
    ([q(HOST, LEAF, "md5/AAAA")], GENUINE, 3, (False, "config")),
    ([q("api*.yourapp.com", ROOT)], GENUINE, 4, (False, "config")),          # 4.x: Unexpected pattern
    ([q("api*.yourapp.com", ROOT)], GENUINE, 3, (True, "no rule")),          # 3.x: accepted, never matches
    ([q("**.yourapp.com", LEAF)], ROGUE_TRUSTED, 4, (False, "pins")),
    ([q("**.yourapp.com", LEAF)], ROGUE_TRUSTED, 3, (True, "no rule")),
    ([q(HOST, SHA1_LEAF)], GENUINE, 4, (True, "pins")),
    ([q(HOST, ROOT)], GENUINE, 4, (True, "pins")),                           # the root is in the built chain
    ([q(HOST, "sha256/AAAA", BACKUP)], GENUINE, 4, (False, "pins")),
])
def test_model_steps(adds, served, version, outcome):
    decision = okhttp.model(okhttp.parse(kotlin(*adds)), HOST, *served, version=version)
    assert (decision.connects, decision.stage) == outcome, decision.reason


def test_a_config_error_quotes_what_add_throws():
    policy = okhttp.parse(kotlin(q(HOST, LEAF), q("api*.yourapp.com", "sha256/!!")))
    v4 = okhttp.model(policy, HOST, PKI.leaf.chain, [PKI.root.cert])
    v3 = okhttp.model(policy, HOST, PKI.leaf.chain, [PKI.root.cert], version=3)
    assert '"Unexpected pattern: api*.yourapp.com" (line 3)' in v4.reason
    assert '"pins must be base64: sha256/!!" (line 3)' in v3.reason


def test_a_date_does_not_end_pinning_and_at_moves_the_clock():
    policy = shipped(expiration="2020-01-01")
    rogue = okhttp.model(policy, HOST, PKI.rogue_leaf.chain, [PKI.root.cert, PKI.rogue_ca.cert])
    assert not rogue.connects and rogue.stage == "pins"
    late = okhttp.model(policy, HOST, *GENUINE, at=dt.datetime(2060, 1, 1, tzinfo=dt.UTC))
    assert not late.connects and late.stage == "validation"


def test_a_neutral_policy_is_modelled_as_its_generated_source():
    neutral = course_policy(include_subdomains=True)
    for host in (HOST, "yourapp.com", "eu.api.yourapp.com"):
        assert okhttp.model(neutral, host, PKI.rogue_leaf.chain, [PKI.rogue_ca.cert]) == \
            okhttp.model(shipped(include_subdomains=True), host, PKI.rogue_leaf.chain, [PKI.rogue_ca.cert])
    assert okhttp.match(neutral, "eu.api.yourapp.com").name == "**.api.yourapp.com"


def test_failure_message_is_okhttps_shape():
    pins = [Pin.of_spki(PKI.backup_key.public_key()), "sha1/AAAAAAAAAAAAAAAAAAAAAAAAAAA="]
    chain = [PKI.leaf.cert, PKI.intermediate.cert, PKI.root.cert]
    assert okhttp.failure_message(HOST, chain, pins) == (
        "Certificate pinning failure!\n"
        "  Peer certificate chain:\n"
        f"    {LEAF}: CN=api.yourapp.com\n"
        f"    {INTERMEDIATE}: CN=YourApp Issuing CA 1, O=YourApp Inc. (course toy PKI)\n"
        f"    {ROOT}: CN=YourApp Root CA, O=YourApp Inc. (course toy PKI)\n"
        f"  Pinned certificates for {HOST}:\n"
        f"    {BACKUP}\n"
        "    sha1/AAAAAAAAAAAAAAAAAAAAAAAAAAA=")


# --- generate --------------------------------------------------------------------------------------------

NEUTRAL = {
    "one domain": {"domains": [{"name": HOST, "pins": [LEAF[7:], BACKUP[7:]]}]},
    "subdomains and a date": {"domains": [{"name": "yourapp.com", "include_subdomains": True,
                                           "pins": [ROOT[7:], BACKUP[7:]], "expiration": "2027-09-01"}]},
    "two domains, report-only": {"enforce": False, "domains": [
        {"name": HOST, "pins": [LEAF[7:], BACKUP[7:]]},
        {"name": "cdn.yourapp.com", "include_subdomains": True, "pins": [ROOT[7:], INTERMEDIATE[7:]]}]},
}


@pytest.mark.parametrize("name", NEUTRAL)
def test_generate_round_trips_and_lints_clean(name):
    policy = policy_from_json(NEUTRAL[name])
    text = okhttp.generate(policy)
    assert text == okhttp.generate(policy) and detect(text) == "okhttp"
    back = okhttp.parse(text)

    def shape(rule):  # '**.name' is how OkHttp writes 'name with subdomains'
        pins = [p.pin for p in rule.pins]
        return rule.name.removeprefix("**."), rule.include_subdomains, pins, rule.expiration

    assert [shape(r) for r in back.domains] == [shape(r) for r in policy.domains]
    findings = okhttp.lint(back, dt.date(2026, 9, 1))
    assert [(f.rule, f.severity) for f in findings if f.severity != Severity.INFO] == [
        ("OkHttpPattern", W) for r in policy.domains if r.include_subdomains]
    assert ".certificatePinner(certificatePinner)" in text


def test_generated_source_connects_to_the_genuine_chain_and_refuses_the_rogue():
    policy = shipped()
    assert okhttp.model(policy, HOST, PKI.leaf.chain, [PKI.root.cert]).connects
    assert not okhttp.model(policy, HOST, PKI.rogue_leaf.chain, [PKI.root.cert, PKI.rogue_ca.cert]).connects


def test_generate_writes_a_pattern_as_it_is():
    one_label = Policy("okhttp", [DomainRule("*.yourapp.com", course_policy().domains[0].pins)])
    back = okhttp.parse(okhttp.generate(one_label))
    assert [(r.name, r.include_subdomains) for r in back.domains] == [("*.yourapp.com", False)]
