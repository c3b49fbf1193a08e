"""helpers.platforms.dart: parse Dart source, lint it, generate it, and model dart:io's decision.

Every source here is real Dart (the shapes of api.dart.dev and cfug/dio's example), and every
chain comes from the course PKI, so each expectation is computed by the module, never typed in.
"""

from __future__ import annotations

import datetime as dt
import random
import textwrap
import time

import pytest

from helpers import clock
from helpers.attacks.scenarios import ATTACKS, CHAIN_STUFFING
from helpers.course import HOST
from helpers.pinning.pins import Pin, spki_pin
from helpers.pki import course_pki
from helpers.platforms import MODULES, dart
from helpers.platforms.policy import ConfigError, Severity, policy_from_json

PKI = course_pki()
ROOTS = [PKI.root.cert]
FINGERPRINT = Pin.of_cert(PKI.leaf.cert).hex            # Dio's example pins sha256(cert.der), in hex
LEAF_PIN, BACKUP_PIN = spki_pin(PKI.leaf.cert), spki_pin(PKI.backup_key.public_key())


def dart_source(body: str) -> str:
    return "import 'dart:io';\nimport 'package:crypto/crypto.dart';\n\n" + textwrap.dedent(body).lstrip()


def line_of(source: str, marker: str) -> int:
    """The 1-based line of the first occurrence of ``marker`` (so expectations never hard-code lines)."""
    return source[:source.index(marker)].count("\n") + 1


ACCEPT_ALL = dart_source("""
    HttpClient make() => HttpClient()
      ..badCertificateCallback = (X509Certificate cert, String host, int port) => true;
""")
ACCEPT_ALL_BLOCK = dart_source("""
    HttpClient make() {
      final client = HttpClient();
      client.badCertificateCallback = (cert, host, port) {
        print('accepting $host');
        return true;
      };
      return client;
    }
""")
PIN_IN_CALLBACK = dart_source(f"""
    const pins = <String>['{LEAF_PIN}', '{BACKUP_PIN}'];

    bool _check(X509Certificate cert, String host, int port) => pins.contains(spkiOf(cert.der));

    HttpClient make() => HttpClient()..badCertificateCallback = _check;
""")
CERT_HASH_IN_CALLBACK = dart_source(f"""
    HttpClient make() => HttpClient()
      ..badCertificateCallback = (cert, host, port) =>
          sha256.convert(cert.der).toString() == '{FINGERPRINT}';
""")
DIO_RECIPE = dart_source(f"""
    import 'package:dio/dio.dart';
    import 'package:dio/io.dart';

    void main() async {{
      final dio = Dio();
      String fingerprint = '{FINGERPRINT}';
      dio.httpClientAdapter = IOHttpClientAdapter(
        createHttpClient: () {{
          final client = HttpClient(context: SecurityContext(withTrustedRoots: false));
          client.badCertificateCallback = (cert, host, port) => true;
          return client;
        }},
        validateCertificate: (cert, host, port) {{
          if (cert == null) return false;
          return fingerprint == sha256.convert(cert.der).toString();
        }},
      );
    }}
""")
NOT_LOADED = dart_source("""
    HttpClient make() => HttpClient(context: SecurityContext(withTrustedRoots: false));
""")
ADDED_TO_SYSTEM = dart_source("""
    void trustOurCa(List<int> pem) {
      SecurityContext.defaultContext.setTrustedCertificatesBytes(pem);
    }
""")
DEFAULT_CLIENT = dart_source("""
    final client = HttpClient();
""")
DUPLICATE = dart_source(f"""
    const pins = ['{LEAF_PIN}', '{LEAF_PIN}'];
""")
BROKEN_PEM = dart_source("""
    const anchors = '''
    -----BEGIN CERTIFICATE-----
    MIIB3zCCAYWgAwIBAgICA+owCgYIKoZIzj0EAwIwQjEmMCQGA1UECgwdWW91ckFw
    -----END CERTIFICATE-----
    ''';
    HttpClient make() => HttpClient(context: SecurityContext(withTrustedRoots: false)
      ..setTrustedCertificatesBytes(anchors.codeUnits));
""")


def anchors(*items, host: str | None = None) -> str:
    return dart.generate_with_anchors(list(items), host=host)


# --- lint: every rule id, at the right line -----------------------------------------------------------------

LINT_CASES = [  # (rule, severity, source, marker of the expected line, lint keyword arguments)
    ("DartCallbackAcceptsAll", Severity.FATAL, ACCEPT_ALL, "badCertificateCallback", {}),
    ("DartCallbackAcceptsAll", Severity.FATAL, ACCEPT_ALL_BLOCK, "badCertificateCallback", {}),
    ("DartPinInBadCertificateCallback", Severity.ERROR, PIN_IN_CALLBACK, "badCertificateCallback", {}),
    ("DartPinInBadCertificateCallback", Severity.ERROR, CERT_HASH_IN_CALLBACK, "badCertificateCallback", {}),
    ("DioValidateAfterSend", Severity.ERROR, DIO_RECIPE, "validateCertificate", {}),
    ("DartCertificatePin", Severity.WARNING, DIO_RECIPE, "sha256.convert", {}),
    ("DartTrustsLeafOnly", Severity.WARNING, anchors(PKI.leaf), "-----BEGIN", {}),
    ("DartBrokenCertificate", Severity.ERROR, BROKEN_PEM, "-----BEGIN", {}),
    ("DartAnchorsNotLoaded", Severity.ERROR, NOT_LOADED, "SecurityContext(", {}),
    ("DartAnchorsWithSystemRoots", Severity.WARNING, ADDED_TO_SYSTEM, "setTrustedCertificatesBytes", {}),
    ("DartAnchorExpired", Severity.ERROR, anchors(PKI.intermediate_retired), "-----BEGIN", {}),
    ("DuplicatePin", Severity.WARNING, DUPLICATE, "const pins", {}),
    ("NoPinMatchesChain", Severity.ERROR, anchors(PKI.other_ca), "= SecurityContext(",
     {"chain": PKI.leaf.chain}),
    ("NoPinMatchesChain", Severity.ERROR, CERT_HASH_IN_CALLBACK, "badCertificateCallback",
     {"chain": PKI.leaf_rekeyed.chain}),
    ("PinMatches", Severity.INFO, anchors(PKI.root), "-----BEGIN", {"chain": PKI.leaf.chain}),
    ("PinOnPooledIntermediate", Severity.WARNING, anchors(PKI.intermediate), "-----BEGIN",
     {"chain": PKI.leaf.chain}),
]


@pytest.mark.parametrize(("rule", "severity", "source", "marker", "kwargs"), LINT_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LINT_CASES)])
def test_lint_reports_each_rule_at_its_line(rule, severity, source, marker, kwargs):
    found = [f for f in dart.lint(dart.parse(source), **kwargs) if f.rule == rule]
    assert found, f"{rule} not reported"
    assert found[0].severity is severity
    assert found[0].line == line_of(source, marker)
    assert "\n" not in found[0].message and not found[0].message.endswith(".")  # one sentence


def test_every_rule_id_is_documented_and_exercised():
    assert {case[0] for case in LINT_CASES} == set(dart.RULES)


def test_lint_is_sorted_by_line_and_defaults_to_the_course_day():
    findings = dart.lint(dart.parse(DIO_RECIPE))
    assert [f.line for f in findings] == sorted(f.line for f in findings)
    expired = anchors(PKI.intermediate_retired)
    assert any(f.rule == "DartAnchorExpired" for f in dart.lint(dart.parse(expired)))
    assert not any(f.rule == "DartAnchorExpired"
                   for f in dart.lint(dart.parse(expired), today=dt.date(2026, 6, 1)))


@pytest.mark.parametrize("source", [anchors(PKI.root, PKI.intermediate),
                                    anchors(PKI.intermediate2, host=HOST)])
def test_a_ca_trust_anchor_configuration_is_lint_clean(source):
    assert dart.lint(dart.parse(source)) == []


@pytest.mark.parametrize(("source", "rule"), [
    # a callback in a comment is not code
    (dart_source("// client.badCertificateCallback = (c, h, p) => true;\nfinal c = HttpClient();"),
     "DartCallbackAcceptsAll"),
    (dart_source("/* outer /* nested */ client.badCertificateCallback = (c, h, p) => true; */\n"
                 "final c = HttpClient();"), "DartCallbackAcceptsAll"),
    # a conditional callback accepts only some certificates
    (dart_source("final c = HttpClient()..badCertificateCallback = (c, h, p) => h == 'localhost';"),
     "DartCallbackAcceptsAll"),
    # '==' is a comparison, not an assignment
    (dart_source("final ok = client.badCertificateCallback == null;"), "DartPinInBadCertificateCallback"),
])
def test_lint_does_not_mistake_comments_or_comparisons_for_code(source, rule):
    assert rule not in {f.rule for f in dart.lint(dart.parse(source))}


# --- parse: what is read, with line numbers -----------------------------------------------------------------

def test_a_pem_split_over_adjacent_literals_with_escapes_is_read_as_an_anchor():
    body = PKI.intermediate.cert.public_bytes(__import__("cryptography").hazmat.primitives.serialization
                                              .Encoding.PEM).decode().splitlines()
    pieces = "\n".join(f"    '{line}\\n'" for line in body)
    source = dart_source(f"const ca =\n{pieces};\n"
                         "final ctx = SecurityContext()..setTrustedCertificatesBytes(utf8.encode(ca));\n")
    rule = dart.parse(source).domains[0]
    assert rule.options["anchors"] == (PKI.intermediate.cert,)
    assert rule.options["context"] == "pinned"  # SecurityContext() defaults to withTrustedRoots: false
    assert [(p.text, p.category, p.line) for p in rule.pins] == [
        (spki_pin(PKI.intermediate.cert), "anchor", line_of(source, "-----BEGIN"))]


def test_the_dio_recipe_is_read_as_a_hex_certificate_pin_used_by_validate_certificate():
    rule = dart.parse(DIO_RECIPE).domains[0]
    validator, = rule.options["validators"]
    assert validator.hashes_der and not validator.accepts_all
    assert [(p.text, p.algorithm, p.category) for p in validator.pins] == [
        (FINGERPRINT, "sha256-cert", "validate")]
    assert rule.options["callbacks"][0].accepts_all
    assert dart.parse(DIO_RECIPE).options["dio"] is True


def test_pins_reached_through_a_named_function_and_a_constant_belong_to_the_callback():
    callback, = dart.parse(PIN_IN_CALLBACK).domains[0].options["callbacks"]
    assert [p.text for p in callback.pins] == [LEAF_PIN, BACKUP_PIN]
    assert {p.line for p in callback.pins} == {line_of(PIN_IN_CALLBACK, "const pins")}


@pytest.mark.parametrize(("text", "why"), [
    ("<?xml version='1.0'?><network-security-config/>", "not Dart code"),
    ("fun main() { println(\"hi\") }", "not Dart code"),
    (b"\xff\xfe\x00import 'dart:io';", "not UTF-8"),
    (None, "str or bytes"),
    (12, "str or bytes"),
])
def test_input_that_is_not_dart_is_refused_in_one_sentence(text, why):
    with pytest.raises(ConfigError, match=why):
        dart.parse(text)


@pytest.mark.parametrize(("text", "expected"), [
    (DIO_RECIPE, True), (anchors(PKI.root), True), ("import \"dart:io\";", True),
    ("<network-security-config/>", False), (b"\x00\xff" * 10, False), (None, False), (3.5, False),
])
def test_looks_like_sniffs_dart_and_never_raises(text, expected):
    assert dart.looks_like(text) is expected
    assert MODULES["dart"] is dart


# --- hostile input: ConfigError or findings, each within a second -------------------------------------------

HOSTILE = {
    "random bytes": random.Random(0).randbytes(200_000),
    "10 MB": b"import 'dart:io';\n" + b"a" * 10_000_000,
    "unterminated quotes": "import 'dart:io';\n" + "'" * 999_000,
    "unterminated triple quote": "import 'dart:io';\n'''" + "\\'" * 400_000,
    "nested comment openers": "import 'dart:io';\n" + "/*" * 499_000,
    "open brackets": "import 'dart:io';\n" + "(" * 999_000,
    "thousands of callbacks": "import 'dart:io';\n" + "x.badCertificateCallback = (c) => " * 28_000,
    "long identifier": "import 'dart:io';\nx.badCertificateCallback = (c) { return y; };\n" + "a" * 990_000,
    "many host comments": "import 'dart:io';\n" + "// host: a.b\n" * 70_000,
    "many certificate headers": "import 'dart:io';\nconst p = '" + "-----BEGIN CERTIFICATE-----" * 36_000
                                + "';",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_input_gives_config_error_or_findings_quickly(name):
    start = time.perf_counter()
    try:
        dart.lint(dart.parse(HOSTILE[name]))
    except ConfigError as exc:
        assert str(exc).count(". ") == 0
    assert time.perf_counter() - start < 1.0


# --- generate: deterministic, lint-clean, round-trips -------------------------------------------------------

NEUTRAL = [
    {"domains": [{"name": "api.example.com", "include_subdomains": True, "expiration": "2027-06-01",
                  "pins": [spki_pin(PKI.root.cert), spki_pin(PKI.other_ca.cert)]}]},
    {"domains": [{"name": "api.example.com", "pins": [LEAF_PIN, BACKUP_PIN]},
                 {"name": "cdn.example.com", "include_subdomains": True,
                  "pins": [spki_pin(PKI.root.cert), spki_pin(PKI.intermediate.cert)]}]},
]


@pytest.mark.parametrize("data", NEUTRAL)
def test_generate_round_trips_and_is_lint_clean(data):
    policy = policy_from_json(data)
    text = dart.generate(policy)
    assert text == dart.generate(policy)
    back = dart.parse(text)
    assert [(r.name, r.include_subdomains, r.expiration) for r in back.domains] == \
        [(r.name, r.include_subdomains, r.expiration) for r in policy.domains]
    assert [[p.text for p in r.pins] for r in back.domains] == \
        [[p.text for p in r.pins] for r in policy.domains]
    assert dart.lint(back) == []
    assert "badCertificateCallback =" not in text and "withTrustedRoots: false" in text


@pytest.mark.parametrize("certs", [[PKI.intermediate], [PKI.root, PKI.intermediate2]])
def test_generate_with_anchors_round_trips_the_anchors(certs):
    policy = dart.parse(dart.generate_with_anchors(certs, host=HOST))
    rule, = policy.domains
    assert rule.name == HOST
    assert rule.options["anchors"] == tuple(c.cert for c in certs)
    assert [p.text for p in rule.pins] == [spki_pin(c.cert) for c in certs]


@pytest.mark.parametrize(("source", "expected"), [
    (anchors(PKI.root, PKI.intermediate), [spki_pin(PKI.root.cert), spki_pin(PKI.intermediate.cert)]),
    (dart.generate(policy_from_json({"domains": [{"name": HOST, "pins": [LEAF_PIN, BACKUP_PIN]}]})),
     [LEAF_PIN, BACKUP_PIN]),
    (BROKEN_PEM, []), (PIN_IN_CALLBACK, []), (DEFAULT_CLIENT, []), (NOT_LOADED, []),
])
def test_anchor_pins_are_what_a_pinned_context_trusts(source, expected):
    assert [pin.base64 for pin in dart.anchor_pins(dart.parse(source))] == expected


# --- match --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("host", "expected"), [
    ("api.example.com", "api.example.com"), ("API.Example.COM.", "api.example.com"),
    ("a.b.cdn.example.com", "cdn.example.com"), ("cdn.example.com", "cdn.example.com"),
    ("other.example.com", None), ("example.com", None),
])
def test_match_with_host_rules(host, expected):
    rule = dart.match(dart.parse(dart.generate(policy_from_json(NEUTRAL[1]))), host)
    assert (rule.name if rule else None) == expected


def test_match_without_host_comments_is_the_one_client_for_every_host():
    policy = dart.parse(anchors(PKI.intermediate))
    assert {dart.match(policy, h).name for h in ("api.yourapp.com", "evil.example", "x.")} == {"*"}


# --- model: each branch -------------------------------------------------------------------------------------

MODEL_CASES = [  # (id, source, chain, roots, connects, pinning applied, words in the reason, stage)
    ("intermediate anchor, genuine", anchors(PKI.intermediate), PKI.leaf.chain, ROOTS, True, True,
     "X509_V_FLAG_PARTIAL_CHAIN", "validation"),
    ("root anchor, genuine", anchors(PKI.root), PKI.leaf.chain, ROOTS, True, True, "pinned by trust anchor",
     "validation"),
    ("root anchor, other CA's chain", anchors(PKI.root), PKI.leaf_other_ca.chain,
     [PKI.root.cert, PKI.other_ca.cert], False, False, "handshake fails", "validation"),
    ("leaf-only anchor, genuine", anchors(PKI.leaf), PKI.leaf.chain, ROOTS, True, True,
     "embedded anchors only", "validation"),
    ("leaf-only anchor, same-key renewal", anchors(PKI.leaf), PKI.leaf_renewed.chain, ROOTS, False, False,
     "validation against the embedded anchors only", "validation"),
    ("accept-all callback, rogue", ACCEPT_ALL, PKI.rogue_leaf.chain, ROOTS, True, False,
     "returned true unconditionally", "callback"),
    ("pin in callback, validation passes", PIN_IN_CALLBACK, PKI.misissued_leaf.chain, ROOTS, True, False,
     "no pin is checked", "validation"),
    ("pin in callback, validation fails, wrong leaf", PIN_IN_CALLBACK, PKI.rogue_leaf.chain, ROOTS,
     False, True, "badCertificateCallback ran", "callback"),
    ("pin in callback, validation fails, right leaf", PIN_IN_CALLBACK, PKI.leaf.chain, [PKI.other_ca.cert],
     True, True, "never checked", "callback"),
    ("Dio recipe, mis-issued", DIO_RECIPE, PKI.misissued_leaf.chain, ROOTS, False, True,
     "had already been sent", "callback"),
    ("Dio recipe, genuine", DIO_RECIPE, PKI.leaf.chain, ROOTS, True, True, "only after the request",
     "callback"),
    ("anchors never loaded", NOT_LOADED, PKI.leaf.chain, ROOTS, False, False, "empty SecurityContext",
     "config"),
    ("default context", DEFAULT_CLIENT, PKI.corporate_leaf.chain, [PKI.root.cert, PKI.corporate_ca.cert],
     True, False, "platform's roots", "validation"),
    ("asset anchors declared by SPKI", dart.generate(policy_from_json(
        {"domains": [{"name": HOST, "pins": [spki_pin(PKI.intermediate.cert), spki_pin(PKI.root.cert)]}]})),
     PKI.leaf.chain, ROOTS, True, True, "asset's anchors", "validation"),
]


@pytest.mark.parametrize(("source", "chain", "roots", "connects", "pinned", "words", "stage"),
                         [c[1:] for c in MODEL_CASES], ids=[c[0] for c in MODEL_CASES])
def test_model_branches(source, chain, roots, connects, pinned, words, stage):
    decision = dart.model(dart.parse(source), HOST, chain, roots)
    assert (decision.connects, decision.pinning_applied) == (connects, pinned), decision.reason
    assert words in decision.reason and decision.stage == stage
    assert decision.platform == "dart" and decision.rule is not None


@pytest.mark.parametrize(("os", "connects"), [("android", False), ("ios", True)])
def test_user_installed_cas_count_on_ios_but_not_for_dart_io_on_android(os, connects):
    decision = dart.model(dart.parse(DEFAULT_CLIENT), HOST, PKI.corporate_leaf.chain, ROOTS,
                          [PKI.corporate_ca.cert], os=os)
    assert decision.connects is connects


def test_a_host_no_rule_covers_uses_the_platform_roots():
    policy = dart.parse(anchors(PKI.leaf, host=HOST))
    decision = dart.model(policy, "other.example", PKI.leaf.chain, ROOTS)
    assert decision.rule is None and not decision.pinning_applied and not decision.connects
    assert decision.stage == "no rule"


def test_the_model_validates_at_the_given_time():
    policy = dart.parse(anchors(PKI.root))
    late = clock.utc(2047, 1, 1)  # after the leaf's notAfter (2046-06-01)
    assert dart.model(policy, HOST, PKI.leaf.chain, ROOTS).connects
    assert not dart.model(policy, HOST, PKI.leaf.chain, ROOTS, at=late).connects


# --- the four attacks and chain stuffing --------------------------------------------------------------------

ATTACK_EXPECTATIONS = {  # approach -> attack key -> connects?
    "root anchor": ({"DV mis-issuance"}, anchors(PKI.root)),
    "intermediate anchor": ({"DV mis-issuance"}, anchors(PKI.intermediate)),
    "leaf-only anchor": (set(), anchors(PKI.leaf)),
    "pin in callback": ({a.key for a in (*ATTACKS, CHAIN_STUFFING)}, PIN_IN_CALLBACK),
    "accept-all callback": ({a.key for a in (*ATTACKS, CHAIN_STUFFING)}, ACCEPT_ALL),
    "Dio recipe": (set(), DIO_RECIPE),
}


@pytest.mark.parametrize("attack", [*ATTACKS, CHAIN_STUFFING], ids=lambda a: a.key)
@pytest.mark.parametrize("approach", ATTACK_EXPECTATIONS)
def test_which_dart_approach_stops_which_attack(approach, attack):
    connecting, source = ATTACK_EXPECTATIONS[approach]
    decision = dart.model(dart.parse(source), HOST, attack.chain(), attack.device_roots())
    assert decision.connects is (attack.key in connecting), decision.reason


@pytest.mark.parametrize("source", [
    anchors(PKI.intermediate),
    dart.generate(policy_from_json({"domains": [{"name": HOST, "pins": [spki_pin(PKI.intermediate.cert),
                                                                           spki_pin(PKI.root.cert)]}]})),
])
def test_chain_stuffing_is_refused_although_the_sent_chain_holds_the_pinned_key(source):
    sent = CHAIN_STUFFING.chain()
    assert spki_pin(PKI.intermediate.cert) in {spki_pin(c) for c in sent}  # the genuine intermediate is in it
    decision = dart.model(dart.parse(source), HOST, sent, CHAIN_STUFFING.device_roots())
    assert not decision.connects and decision.chain == ()
