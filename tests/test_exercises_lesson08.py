"""Lesson 08's exercises, with the answers a learner would plausibly type, right and wrong.

Every checker runs the platform's linter or model on the answer, so these tests also pin down that
an answer cannot pass by deleting what the linter complains about.
"""

from __future__ import annotations

import pytest

from helpers.exercises import lesson08 as ex
from helpers.pinning.pins import Pin, spki_pin
from helpers.pki import course_pki
from helpers.platforms import android, dart
from helpers.platforms.gallery import course_policy


@pytest.fixture(scope="module")
def pki():
    return course_pki()


def _fixed_nsc(pki) -> str:
    backup = Pin.of_spki(pki.backup_key.public_key()).base64
    return (ex.BROKEN_NSC.replace('cleartextTrafficPermitted="true"', 'cleartextTrafficPermitted="false"')
            .replace('            <certificates src="user"/>\n', "")
            .replace("2026-08-15", "2027-08-15")
            .replace("</pin>\n", f'</pin>\n            <pin digest="SHA-256">{backup}</pin>\n', 1))


def test_the_broken_file_has_the_four_advertised_problems(pki):
    rules = {f.rule for f in android.lint(android.parse(ex.BROKEN_NSC), None, pki.leaf.chain)}
    assert {"InsecureBaseConfiguration", "AcceptsUserCertificates", "MissingBackupPin", "PinSetExpiry"} <= rules


@pytest.mark.parametrize("answer", ["hand-fixed", "generated"])
def test_q1_accepts_a_fixed_file(answer, pki):
    text = _fixed_nsc(pki) if answer == "hand-fixed" else android.generate(course_policy())
    assert ex.q1.feedback(text).startswith("✓ q1: correct.")


@pytest.mark.parametrize("mistake, words", [
    ("unchanged", "[InsecureBaseConfiguration]"),
    ("no pins at all", "nothing pins api.yourapp.com"),
    ("an empty config", "nothing pins api.yourapp.com"),
    ("still one pin", "[MissingBackupPin]"),
    ("the same pin twice", "[DuplicatePin]"),
    ("user CAs override pins", "[UserCaOverridesPins]"),
    ("still expired", "[PinSetExpiry]"),
    ("a pin for the wrong key", "[NoPinMatchesChain]"),
    ("not XML", "does not parse"),
    ("a number", "as one string"),
])
def test_q1_explains_each_plausible_mistake(mistake, words, pki):
    fixed, backup, leaf = _fixed_nsc(pki), Pin.of_spki(pki.backup_key.public_key()).base64, spki_pin(pki.leaf.cert)
    answers = {
        "unchanged": ex.BROKEN_NSC,
        "no pins at all": '<network-security-config><domain-config><domain>api.yourapp.com</domain>'
                          "</domain-config></network-security-config>",
        "an empty config": "<network-security-config/>",
        "still one pin": fixed.replace(f'            <pin digest="SHA-256">{backup}</pin>\n', ""),
        "the same pin twice": fixed.replace(backup, leaf),
        "user CAs override pins": fixed.replace("<domain-config>", '<domain-config>\n<trust-anchors><certificates '
                                                'src="system"/><certificates src="user" overridePins="true"/>'
                                                "</trust-anchors>"),
        "still expired": fixed.replace("2027-08-15", "2026-08-15"),
        "a pin for the wrong key": fixed.replace(leaf, spki_pin(pki.rogue_leaf.cert)).replace(
            backup, spki_pin(pki.corporate_leaf.cert)),
        "not XML": "fix everything please",
        "a number": 42,
    }
    feedback = ex.q1.feedback(answers[mistake])
    assert feedback.startswith("✗ q1: not yet.") and words in feedback, feedback


@pytest.mark.parametrize("answer, correct, words", [
    (["android", "trustkit", "okhttp"], True, "one extra label"),
    (("OkHttp", " TrustKit", "Android"), True, ""),
    ({"android", "trustkit", "okhttp"}, True, ""),
    (["android", "trustkit", "okhttp", "ios"], False, "exactly one extra label"),
    (["android", "ios", "trustkit", "okhttp"], False, "exactly one extra label"),
    (["android", "trustkit"], False, "okhttp also refuses"),
    (["ios"], False, "exactly one extra label"),
    ([], False, "also refuses"),
    (["windows phone"], False, "is not one of"),
    (7, False, "list of platform names"),
])
def test_q2_is_checked_against_the_models(answer, correct, words):
    feedback = ex.q2.feedback(answer)
    assert feedback.startswith("✓ q2: correct." if correct else "✗ q2: not yet."), feedback
    assert words in feedback


def test_q2_expected_set_comes_from_the_models():
    assert ex._deep_refusers() == {"android", "trustkit", "okhttp"}


def test_q3_accepts_the_intermediate_anchor(pki):
    assert ex.q3.feedback(dart.generate_with_anchors([pki.intermediate.cert])).startswith("✓ q3: correct.")


@pytest.mark.parametrize("mistake, words", [
    ("the root", "is the root"),
    ("the leaf", "is the leaf"),
    ("system roots too", "[DartAnchorsWithSystemRoots]"),
    ("never loaded", "[DartAnchorsNotLoaded]"),
    ("accept-all callback", "[DartCallbackAcceptsAll]"),
    ("not Dart", "does not read as Dart"),
])
def test_q3_explains_each_plausible_mistake(mistake, words, pki):
    good = dart.generate_with_anchors([pki.intermediate.cert])
    answers = {
        "the root": dart.generate_with_anchors([pki.root.cert]),
        "the leaf": dart.generate_with_anchors([pki.leaf.cert]),
        "system roots too": good.replace("withTrustedRoots: false", "withTrustedRoots: true"),
        "never loaded": good.replace("setTrustedCertificatesBytes", "toString"),
        "accept-all callback": "import 'dart:io';\nfinal c = HttpClient()\n"
                               "  ..badCertificateCallback = (cert, host, port) => true;\n",
        "not Dart": "trust the intermediate",
    }
    feedback = ex.q3.feedback(answers[mistake])
    assert feedback.startswith("✗ q3: not yet.") and words in feedback, feedback
