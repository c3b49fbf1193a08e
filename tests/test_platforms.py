"""Lesson 08 across platforms: the shared policy, config → lint → model, host matching, and the CLI.

Each platform's own rules are tested in tests/test_platform_<name>.py; this file checks what must
hold for all five, and that every lint rule id a module declares is exercised by some test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.course import HOST
from helpers.pem import chain_pem
from helpers.pinning.pins import Pin, cert_pin, spki_pin
from helpers.pki import course_pki
from helpers.platforms import MODULES, PLATFORM_NAMES, ConfigError, detect, module, policy_from_json
from helpers.platforms.gallery import course_policy, generated, host_table, subdomain_policies
from helpers.platforms.policy import (
    Decision,
    DomainRule,
    Finding,
    PinEntry,
    PolicyFileError,
    Severity,
    chain_findings,
    complete_chain,
    duplicate_findings,
    read_config,
)

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def pki():
    return course_pki()


# --- the neutral policy ---------------------------------------------------------------------------------

def test_neutral_policy_reads_the_documented_shape(pki):
    leaf = spki_pin(pki.leaf.cert)
    policy = policy_from_json(json.dumps({"domains": [{"name": "API.YourApp.com.", "include_subdomains": True,
                                                       "pins": [leaf, {"pin": leaf, "role": "ca"}],
                                                       "expiration": "2027-01-31"}], "enforce": False}))
    rule = policy.domains[0]
    assert (rule.name, rule.include_subdomains, str(rule.expiration)) == ("api.yourapp.com", True, "2027-01-31")
    assert [p.category for p in rule.pins] == ["", "ca"] and policy.enforce is False


@pytest.mark.parametrize("data, words", [
    ("not json", "not valid JSON"),
    ("[]", '"domains"'),
    ('{"domains": []}', '"domains"'),
    ('{"domains": [{"pins": ["x"]}]}', '"name"'),
    ('{"domains": [{"name": "a.com", "pins": []}]}', '"pins"'),
    ('{"domains": [{"name": "a.com", "pins": ["not a pin"]}]}', "domain 1 (a.com)"),
    ('{"domains": [{"name": "a.com", "pins": [7]}]}', "base64 string"),
    ('{"domains": [{"name": "a.com", "pins": ["' + "A" * 43 + '="], "expiration": "31/01/2027"}]}',
     "YYYY-MM-DD"),
    ('{"domains": [{"name": "a.com", "include_subdomains": "yes", "pins": ["x"]}]}', "true or false"),
    ('{"domains": [{"name": "a.com", "pins": ["' + "A" * 43 + '="]}], "enforce": 1}', '"enforce"'),
    ("[" * 100_000, "not valid JSON"),
])
def test_neutral_policy_errors_are_one_sentence(data, words):
    with pytest.raises(PolicyFileError) as caught:
        policy_from_json(data)
    assert words in str(caught.value) and "\n" not in str(caught.value)


# --- shared checks --------------------------------------------------------------------------------------

def test_duplicate_pin_is_found_once_per_repeat(pki):
    leaf = spki_pin(pki.leaf.cert)
    rule = DomainRule(HOST, [PinEntry(leaf, 3), PinEntry(leaf, 4), PinEntry(leaf, 5, category="ca")])
    found = duplicate_findings([rule])
    assert [(f.rule, f.line) for f in found] == [("DuplicatePin", 4)]


def test_chain_findings_name_the_certificate_each_pin_matches(pki):
    pins = [PinEntry(spki_pin(c), n) for n, c in enumerate((pki.leaf.cert, pki.intermediate.cert,
                                                             pki.root.cert), 1)]
    found = chain_findings([DomainRule(HOST, pins, line=1)], pki.leaf.chain)
    where = {f.line: f.message for f in found if f.rule == "PinMatches"}
    assert "the leaf" in where[1] and "the intermediate" in where[2] and "the root" in where[3]
    assert [f.line for f in found if f.rule == "PinOnPooledIntermediate"] == [2]
    assert not [f for f in found if f.rule == "NoPinMatchesChain"]


def test_no_pin_matches_chain_is_an_error(pki):
    rule = DomainRule(HOST, [PinEntry(cert_pin(pki.leaf.cert), 2)], line=1)
    found = chain_findings([rule], pki.leaf.chain)
    assert [(f.rule, f.severity) for f in found if f.rule == "NoPinMatchesChain"] == [
        ("NoPinMatchesChain", Severity.ERROR)]


def test_complete_chain_adds_the_root_servers_leave_out(pki):
    assert complete_chain(pki.leaf.chain)[-1] == pki.root.cert
    assert complete_chain(pki.leaf.chain, anchors=[pki.rogue_ca.cert]) == list(pki.leaf.chain)


def test_finding_text_is_the_compiler_shape():
    finding = Finding("MissingBackupPin", Severity.WARNING, 7, "one pin")
    assert finding.text("nsc.xml") == "nsc.xml:7: warning: one pin [MissingBackupPin]"


def test_decision_names_its_stage():
    refused = Decision("ios", HOST, HOST, True, False, "the chain does not validate for x: y")
    assert refused.stage == "validation"
    assert Decision("ios", HOST, HOST, True, False, "no pin matched").stage == "pins"


# --- config → lint → model, on every platform -----------------------------------------------------------

@pytest.mark.parametrize("platform", PLATFORM_NAMES)
def test_generated_config_is_lint_clean_and_refuses_the_rogue(platform, pki):
    mod = MODULES[platform]
    text = generated(course_policy(expiration="2027-09-01"))[platform]
    policy = mod.parse(text)
    loud = [f for f in mod.lint(policy, None, pki.leaf.chain) if f.severity in (Severity.FATAL, Severity.ERROR)]
    assert loud == []
    genuine = mod.model(policy, HOST, pki.leaf.chain, [pki.root.cert])
    rogue = mod.model(policy, HOST, pki.rogue_leaf.chain, [pki.root.cert, pki.rogue_ca.cert])
    assert (genuine.connects, rogue.connects) == (True, False), (genuine.reason, rogue.reason)


@pytest.mark.parametrize("platform", PLATFORM_NAMES)
def test_generate_is_deterministic_and_detected(platform):
    text = MODULES[platform].generate(course_policy())
    assert text == MODULES[platform].generate(course_policy())
    assert detect(text) == platform


def test_host_matching_differs_as_the_platforms_document():
    policies = subdomain_policies()
    expected = {  # host: (android, ios, trustkit, okhttp **., okhttp *.)
        "yourapp.com": (True, True, True, True, False),
        "api.yourapp.com": (True, True, True, True, True),
        "eu.api.yourapp.com": (True, False, True, True, False),
        "a.b.c.yourapp.com": (True, False, True, True, False),
        "evilyourapp.com": (False, False, False, False, False),
        "API.YourApp.com.": (True, True, True, True, True),
    }
    for host, row in expected.items():
        got = tuple(module(name.split()[0]).match(policy, host) is not None for name, policy in policies.items())
        assert got == row, host
    assert "NOT pinned" in host_table().text()


def test_every_rule_id_is_exercised_by_a_test():
    """Each module's RULES are its contract with the lesson: every id appears in some test file."""
    tests = "\n".join(p.read_text() for p in TESTS.glob("test_*.py") if p.name != Path(__file__).name)
    missing = {name: [rule for rule in mod.RULES if rule not in tests] for name, mod in MODULES.items()}
    assert {name: ids for name, ids in missing.items() if ids} == {}


def test_android_lint_ids_are_android_lints_own():
    assert {"NetworkSecurityConfig", "PinSetExpiry", "MissingBackupPin", "InsecureBaseConfiguration",
            "AcceptsUserCertificates"} <= set(MODULES["android"].RULES)


# --- the command line ------------------------------------------------------------------------------------

def _cli(*argv, timeout=30):
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "helpers", *map(str, argv)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    return done, time.monotonic() - started


@pytest.fixture(scope="module")
def files(tmp_path_factory, pki):
    folder = tmp_path_factory.mktemp("lesson08")
    (folder / "policy.json").write_text(json.dumps({"domains": [{
        "name": HOST, "pins": [spki_pin(pki.leaf.cert), Pin.of_spki(pki.backup_key.public_key()).base64]}]}))
    (folder / "chain.pem").write_bytes(chain_pem(pki.leaf.chain))
    (folder / "rogue.pem").write_bytes(chain_pem(pki.rogue_leaf.chain))
    (folder / "roots.pem").write_bytes(chain_pem([pki.root.cert, pki.rogue_ca.cert]))
    return folder


@pytest.mark.parametrize("platform", PLATFORM_NAMES)
def test_cli_config_then_lint_then_model(platform, files):
    done, _ = _cli("config", platform, files / "policy.json")
    assert done.returncode == 0, done.stderr
    config = files / f"config-{platform}"
    config.write_text(done.stdout)
    lint, _ = _cli("lint", config, "--chain", files / "chain.pem", "--json")
    report = json.loads(lint.stdout)
    assert lint.returncode == 0 and report["platform"] == platform, lint.stdout
    assert {"rule", "severity", "line", "message"} <= set(report["findings"][0])
    genuine, _ = _cli("model", config, "--host", HOST, "--chain", files / "chain.pem", "--roots", files / "roots.pem")
    rogue, _ = _cli("model", config, "--host", HOST, "--chain", files / "rogue.pem", "--roots", files / "roots.pem",
                    "--json")
    assert (genuine.returncode, rogue.returncode) == (0, 1), (genuine.stdout, rogue.stdout)
    assert json.loads(rogue.stdout)["verdict"] == "refuses"


def test_cli_lint_text_lines_and_exit_one_on_an_error(files, pki):
    nsc = files / "nsc.xml"
    nsc.write_text(MODULES["android"].generate(policy_from_json(
        {"domains": [{"name": HOST, "pins": [cert_pin(pki.leaf.cert)]}]})))
    done, _ = _cli("lint", nsc, "--chain", files / "chain.pem")
    assert done.returncode == 1
    assert re.search(rf"^{re.escape(str(nsc))}:\d+: error: .* \[NoPinMatchesChain\]$", done.stdout, re.M)
    assert re.search(r": warning: .* \[MissingBackupPin\]$", done.stdout, re.M)


HOSTILE = {
    "random bytes": os.urandom(4096),
    "empty": b"",
    "entity bomb": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;'
                   b'&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><network-security-config>&lol2;</network-security-config>',
    "external entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                       b"<network-security-config><domain-config><domain>&xxe;</domain></domain-config>"
                       b"</network-security-config>",
    "plist wrong types": b'<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>'
                         b"<key>NSAppTransportSecurity</key><dict><key>NSPinnedDomains</key><array><integer>1"
                         b"</integer></array></dict></dict></plist>",
    "big": b"<network-security-config>" + b" " * 10_000_000 + b"</network-security-config>",
    "deep": b"<network-security-config>" + b"<domain-config>" * 50_000 + b"</network-security-config>",
    "terminal escape": b"<network-security-config><domain-config><domain>\x1b[31mred\x1b[0m</domain>"
                       b"</domain-config></network-security-config>",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_cli_answers_hostile_files_without_a_traceback(name, tmp_path):
    path = tmp_path / "config"
    path.write_bytes(HOSTILE[name])
    for argv in (("lint", path), ("lint", path, "--platform", "ios"), ("lint", path, "--platform", "okhttp"),
                 ("lint", path, "--platform", "dart")):
        done, took = _cli(*argv)
        assert done.returncode in (0, 1, 2), done.stderr
        assert "Traceback" not in done.stderr and took < 10
        assert "\x1b" not in done.stdout + done.stderr
        if done.returncode == 2:
            assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr


def test_read_config_refuses_a_device_a_fifo_a_folder_and_a_big_file(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="FIFO"):
        read_config(fifo)  # never blocks waiting for a writer
    big = tmp_path / "big.xml"
    big.write_bytes(b" " * (2 * 1024 * 1024))
    with pytest.raises(ConfigError, match="larger than 1 MB"):
        read_config(big)
    with pytest.raises(ConfigError, match="a device, not a regular file"):
        read_config("/dev/zero")
    with pytest.raises(ConfigError, match="folder"):
        read_config(tmp_path)
    with pytest.raises(ConfigError, match="cannot read"):
        read_config(tmp_path / "missing.xml")


def test_cli_model_refuses_a_malformed_host(files):
    done, _ = _cli("model", files / "policy.json", "--host", "not a host", "--chain", files / "chain.pem")
    assert done.returncode == 2 and "not a valid DNS host name" in done.stderr


def test_cli_lint_says_when_the_file_is_no_configuration(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some notes about pinning\n")
    done, _ = _cli("lint", path)
    assert done.returncode == 2 and "--platform" in done.stderr


def test_cli_platform_choices_are_the_modules():
    """The commands keep their choices local (so --help loads no platform module); they must agree."""
    from helpers.cli import config, lint, model

    assert config.PLATFORMS == lint.PLATFORMS == model.PLATFORMS == PLATFORM_NAMES == tuple(MODULES)
