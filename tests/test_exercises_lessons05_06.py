"""Lessons 05 and 06's exercises, with the answers a learner would plausibly type, right and wrong.

Each table holds the reference solution, right answers in other forms, the lesson's misconceptions
(each with words its feedback must contain) and nonsense. Lesson 05 q2 runs the attacks on loopback;
lesson 06 q2 runs the renewal events and the attacks on the learner's pin set; 06 q1 recognises the
bytes a learner hashed by mistake.
"""

from __future__ import annotations

import base64
import hashlib
import re

import numpy as np
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from helpers.attacks import ATTACKS, CHAIN_STUFFING, run_attack
from helpers.exercises import Question
from helpers.exercises import lesson05 as ex05
from helpers.exercises import lesson06 as ex06
from helpers.pinning.client import CaClient
from helpers.pinning.pins import Pin, PinSet, cert_pin, spki_pin
from helpers.pinning.renewal import strategies
from helpers.pinning.strategy import Strategy
from helpers.pki import Attacker, course_pki

pki = course_pki()
QUESTIONS = {f"05.{n}": getattr(ex05, n) for n in ("q1", "q2", "q3")} | {
    f"06.{n}": getattr(ex06, n) for n in ("q1", "q2", "q3", "q4")}
HUGE = "x" * 2_000_000
FRESH = ex06.new_server()  # 06 q4 checks the newest fresh server; nonsense must meet one


def _verdict(question: Question, answer, correct: bool, words: str = "") -> str:
    feedback = question.feedback(answer)
    assert feedback.startswith(f"✓ {question.name}: correct." if correct else f"✗ {question.name}: not yet."), \
        feedback
    assert words.lower() in feedback.lower(), feedback
    assert len(feedback) < 700 and "\n" not in feedback, feedback
    return feedback


def _reference(question: Question):
    """The answer the solution text gives, evaluated as the notebook would."""
    code = re.split(r"(?<=[\]'])[.:] ", question.answer)[0]
    namespace = {"base64": base64, "hashlib": hashlib, "Encoding": Encoding, "PublicFormat": PublicFormat,
                 "pki": pki, "spki_pin": spki_pin, "server": ex06.new_server(), "ex": ex06}
    return eval(code, namespace)  # noqa: S307 - the course's own solution text


@pytest.mark.parametrize("key", QUESTIONS)
def test_the_reference_solution_passes(key):
    _verdict(QUESTIONS[key], _reference(QUESTIONS[key]), True)


@pytest.mark.parametrize("key", QUESTIONS)
def test_hint_and_solution_smoke(key, capsys):
    question = QUESTIONS[key]
    question.hint()
    question.hint(2)
    question.hint("more")
    question.hint(99)
    question.solution()
    out = capsys.readouterr().out
    assert out.count(f"for {question.name}:") == 4 and f"Solution to {question.name}:" in out


@pytest.mark.parametrize("key", QUESTIONS)
@pytest.mark.parametrize("nonsense", ["?", "", "   ", "Z", HUGE, {"answer": "B"}, 42, 3.5, object(), [[]]],
                         ids=["?", "empty", "spaces", "Z", "2MB", "dict", "int", "float", "object", "nested"])
def test_nonsense_is_refused_briefly(key, nonsense):
    feedback = _verdict(QUESTIONS[key], nonsense, False)
    assert "could not be checked" not in feedback, feedback


@pytest.mark.parametrize("key", QUESTIONS)
def test_not_attempted(key):
    for answer in (..., None):
        assert QUESTIONS[key].feedback(answer).startswith(f"{QUESTIONS[key].name}: not attempted")


# --- 06 q3: fix pin_ok; the checker runs it on real TLS connections (05 q1 and q3: ..._defences.py) ------

def _pin_ok_verified(sock, pins):
    return any(spki_pin(cert) in pins for cert in ex06.verified_chain(sock))


def _pin_ok_leaf_only(sock, pins):  # the first certificate sent: its key signed the handshake
    return spki_pin(ex06.unverified_chain(sock)[0]) in pins


def _pin_ok_loop(sock, pins):
    for cert in ex06.verified_chain(sock):
        if spki_pin(cert) in pins:
            return True
    return False


RIGHT_06Q3 = {
    "the reference lambda": lambda sock, pins: any(spki_pin(c) in pins for c in ex06.verified_chain(sock)),
    "a def": _pin_ok_verified,
    "a loop": _pin_ok_loop,
    "the leaf the handshake proved": _pin_ok_leaf_only,
    "numpy bool": lambda sock, pins: np.bool_(_pin_ok_verified(sock, pins)),
    "with a PinSet": lambda sock, pins: PinSet(pins=tuple(pins)).matches(ex06.verified_chain(sock)),
}


@pytest.mark.parametrize("form", RIGHT_06Q3)
def test_06q3_right_fixes_in_every_form(form):
    _verdict(ex06.q3, RIGHT_06Q3[form], True, "CVE-2016-2402")


def _get_verified_chain_313(sock, pins):
    return any(spki_pin(c) in pins for c in sock.get_verified_chain())


@pytest.mark.parametrize("mistake, answer, words", [
    ("the bug unchanged", lambda sock, pins: any(spki_pin(c) in pins for c in ex06.unverified_chain(sock)),
     "chain stuffing), and your pin_ok accepted it"),
    ("all() instead of any()", lambda sock, pins: all(spki_pin(c) in pins for c in ex06.verified_chain(sock)),
     "the genuine server, and your pin_ok refused it"),
    ("the last certificate sent", lambda sock, pins: spki_pin(ex06.unverified_chain(sock)[-1]) in pins,
     "the genuine server, and your pin_ok refused it"),
    ("any sent certificate but the first", lambda sock, pins: any(spki_pin(c) in pins
                                                                  for c in ex06.unverified_chain(sock)[1:]),
     "the genuine server, and your pin_ok refused it"),
    ("always yes", lambda sock, pins: True, "DigiNotar pattern), and your pin_ok accepted it"),
    ("always no", lambda sock, pins: False, "the genuine server, and your pin_ok refused it"),
    ("only the verified leaf, by certificate pin",
     lambda sock, pins: cert_pin(ex06.verified_chain(sock)[0]) in pins, "refused it"),
    ("forgot to return", lambda sock, pins: None, "returned None"),
    ("Python 3.13 only", _get_verified_chain_313, "ex.verified_chain(sock)"),
    ("one argument", lambda sock: True, "pin_ok(sock, pins) failed"),
    ("it raises", lambda sock, pins: 1 / 0, "ZeroDivisionError"),
    ("the letter", "C", "give your fixed function itself"),
    ("a class", PinSet, "give your fixed function"),
])
def test_06q3_wrong_fixes_say_what_they_do(mistake, answer, words):
    feedback = _verdict(ex06.q3, answer, False, words)
    assert "verified chain" not in feedback.lower()  # the feedback never names the fix


def test_06q2_hints_do_not_spell_the_answer():
    assert not any("backup_key" in hint or "spki_pin(" in hint for hint in ex06.q2.hints)


# --- 05 q2: which attacks connect when only system CAs are trusted -----------------------------------

def test_05q2_the_checker_runs_the_attacks():
    assert ex05._system_only_results() == {"rogue CA", "DV mis-issuance"}


def _connected_results():
    system_store = [pki.root.cert, pki.rogue_ca.cert]
    return [r for r in (run_attack(a, CaClient, roots=system_store) for a in ATTACKS) if r.connected]


RIGHT_05Q2 = {
    "the keys": ["rogue CA", "DV mis-issuance"],
    "reversed tuple": ("DV mis-issuance", "rogue CA"),
    "a set": {"rogue CA", "DV mis-issuance"},
    "any case and spacing": [" ROGUE ca", "dv  MIS-issuance "],
    "no hyphen": ["rogue CA", "DV misissuance"],
    "enum names": ["ROGUE_CA", "DV_MISISSUANCE"],
    "Attacker values": [Attacker.ROGUE_CA, Attacker.DV_MISISSUANCE],
    "titles": [ATTACKS[0].title, ATTACKS[3].title],
    "a comma-separated string": "rogue CA, DV mis-issuance",
    "duplicates": ["rogue CA", "rogue ca", "DV mis-issuance"],
    "numpy array": np.array(["rogue CA", "DV mis-issuance"]),
}


@pytest.mark.parametrize("form", RIGHT_05Q2)
def test_05q2_right_answers_in_every_form(form):
    _verdict(ex05.q2, RIGHT_05Q2[form], True, "chains to a CA the system itself ships")


def test_05q2_takes_the_attack_objects_a_generator_and_run_results():
    _verdict(ex05.q2, [a for a in ATTACKS if a.key in ("rogue CA", "DV mis-issuance")], True)
    _verdict(ex05.q2, (a.key for a in ATTACKS if a.key != "corporate proxy" and a.key != "government root"), True)
    _verdict(ex05.q2, _connected_results(), True)


@pytest.mark.parametrize("answer, words, hidden", [
    (["rogue CA"], "leaves out an attack that still connects", "DV"),
    (["DV mis-issuance"], "leaves out an attack that still connects", "rogue"),
    ([a.key for a in ATTACKS], "2 attacks connect whose CA was installed by a user", "corporate proxy"),
    (["rogue CA", "DV mis-issuance", "corporate proxy"], "an attack connects whose CA was installed by a user", "corporate"),
    (["corporate proxy", "government root"], "leaves out an attack", "rogue"),
    ([], "Your list is empty", "rogue"),
    ("rogue CA", "leaves out", "DV"),
    (["rogue CA", "chain stuffing"], "lesson 06's twist", "DV mis-issuance connects"),
    ([CHAIN_STUFFING], "lesson 06's twist", "DV mis-issuance connects"),
    (["rogue CA", "DNS hijack"], "is not an attack name", "DV mis-issuance connects"),
    ({"rogue CA": True, "DV mis-issuance": True}, "That is a dict", "DV mis-issuance connects"),
])
def test_05q2_wrong_answers_say_what_the_list_claims_never_the_answer(answer, words, hidden):
    feedback = _verdict(ex05.q2, answer, False, words)
    assert hidden not in feedback, feedback


def test_05q2_bounds_what_it_reads_and_echoes():
    _verdict(ex05.q2, [HUGE], False, "…")
    _verdict(ex05.q2, iter(range(10**9)), False, "more than")
    _verdict(ex05.q2, ["rogue CA", 7], False, "7 is not an attack name")


# --- 06 q1: a pin by hand -----------------------------------------------------------------------------

ROGUE = pki.rogue_leaf.cert
SPKI = ROGUE.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
DIGEST = hashlib.sha256(SPKI).digest()
PIN = base64.b64encode(DIGEST).decode()


def _b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


RIGHT_06Q1 = {
    "raw": PIN,
    "with a newline, as openssl prints it": PIN + "\n",
    "OkHttp": "sha256/" + PIN,
    "HPKP": f'pin-sha256="{PIN}"',
    "Android": Pin.of_spki(ROGUE).format("android"),
    "iOS": Pin.of_spki(ROGUE).format("ios"),
    "a Pin": Pin.of_spki(ROGUE),
    "bytes, not decoded": PIN.encode(),
    "numpy text": np.str_(PIN),
    "a one-item list": [PIN],
}


@pytest.mark.parametrize("form", RIGHT_06Q1)
def test_06q1_right_answers_in_every_form(form):
    _verdict(ex06.q1, RIGHT_06Q1[form], True, "the SPKI pin")


@pytest.mark.parametrize("mistake, answer, words", [
    ("the whole certificate", _b64sha(ROGUE.public_bytes(Encoding.DER)), "a certificate pin"),
    ("cert_pin", cert_pin(ROGUE), "hashes the whole certificate"),
    ("Pin.of_cert", Pin.of_cert(ROGUE), "certificate pin"),
    ("the certificate's PEM", _b64sha(ROGUE.public_bytes(Encoding.PEM)), "as PEM text"),
    ("the SPKI's PEM", _b64sha(ROGUE.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)),
     "PEM text"),
    ("the bare EC point", _b64sha(ROGUE.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)),
     "bare EC point"),
    ("the to-be-signed part", _b64sha(ROGUE.tbs_certificate_bytes), "to-be-signed"),
    ("hex", hashlib.sha256(SPKI).hexdigest(), "written in hex"),
    ("base64 of the hex", base64.b64encode(hashlib.sha256(SPKI).hexdigest().encode()).decode(), "hex text"),
    ("no hash", base64.b64encode(SPKI).decode(), "hash it with SHA-256 first"),
    ("SHA-1", base64.b64encode(hashlib.sha1(SPKI).digest()).decode(), "SHA-1"),  # noqa: S324
    ("SHA-1, OkHttp style", "sha1/" + base64.b64encode(hashlib.sha1(SPKI).digest()).decode(), "SHA-1"),  # noqa: S324
    ("the raw digest", DIGEST, "base64 text"),
    ("str() of the bytes", str(PIN.encode()), ".decode() instead of str()"),
    ("today's leaf", spki_pin(pki.leaf.cert), "genuine course certificate"),
    ("the intermediate", spki_pin(pki.intermediate.cert), "genuine course certificate"),
    ("another attacker's leaf", spki_pin(pki.corporate_leaf.cert), "check which bytes you hashed"),
    ("a wrong digest in the HPKP form", f'pin-sha256="{spki_pin(pki.corporate_leaf.cert)}"', "which bytes"),
    ("truncated", PIN[:40], "not a pin"),
])
def test_06q1_names_the_bytes_that_were_hashed(mistake, answer, words):
    _verdict(ex06.q1, answer, False, words)


def test_06q1_url_safe_base64_when_it_differs():
    urlsafe = base64.urlsafe_b64encode(DIGEST).decode()
    if urlsafe == PIN:
        pytest.skip("this digest has no '+' or '/'")
    _verdict(ex06.q1, urlsafe, False, "URL-safe")


# --- 06 q2: pins that survive a rotation ---------------------------------------------------------------

LEAF = spki_pin(pki.leaf.cert)
BACKUP = Pin.of_spki(pki.backup_key.public_key())

RIGHT_06Q2 = {
    "a list of text": [LEAF, BACKUP.base64],
    "a tuple, backup first": (BACKUP.base64, LEAF),
    "a set": {LEAF, BACKUP.base64},
    "a generator": (p for p in (LEAF, BACKUP.base64)),
    "OkHttp and HPKP forms": ["sha256/" + LEAF, BACKUP.format("hpkp")],
    "Android and iOS forms": [Pin.of_spki(pki.leaf.cert).format("android"), BACKUP.format("ios")],
    "Pin objects": [Pin.of_spki(pki.leaf.cert), BACKUP],
    "a PinSet with a backup": PinSet(pins=(LEAF,), backup_pins=(BACKUP,)),
    "a PinSet with a future expiry": PinSet(pins=(LEAF, BACKUP), expires="2099-01-01"),
    "the matrix's PinSet": strategies()[Strategy.LEAF_SPKI_BACKUP],
    "the Strategy": Strategy.LEAF_SPKI_BACKUP,
    "the strategy's label": "leaf SPKI + backup",
    "the strategy's value": "Leaf-SPKI+Backup",
    "numpy array": np.array([LEAF, BACKUP.base64]),
    "plus the rekeyed key": [LEAF, BACKUP.base64, spki_pin(pki.leaf_rekeyed.cert)],
}


@pytest.mark.parametrize("form", RIGHT_06Q2)
def test_06q2_right_answers_in_every_form(form):
    _verdict(ex06.q2, RIGHT_06Q2[form], True, "backup key you generated in advance")


@pytest.mark.parametrize("mistake, extra, words", [
    ("the rogue CA (issue 17)", spki_pin(pki.rogue_ca.cert), "A compromised public CA"),
    ("the corporate CA (issue 17)", spki_pin(pki.corporate_ca.cert), "A corporate TLS-inspection proxy"),
    ("the government root", spki_pin(pki.government_root.cert), "National Security Root CA, a CA"),
    ("the course root", spki_pin(pki.root.cert), "DV mis-issuance after a traffic hijack"),
    ("the second intermediate", spki_pin(pki.intermediate2.cert), "YourApp Issuing CA 2, a CA"),
    ("the other public CA", spki_pin(pki.other_ca.cert), "Other Public Root CA, a CA"),
    ("the attacker's own leaf key", spki_pin(pki.rogue_leaf.cert), "let an attack read the token"),
])
def test_06q2_refuses_extra_pins_that_let_an_attack_in(mistake, extra, words):
    _verdict(ex06.q2, [LEAF, BACKUP.base64, extra], False, words)


def test_06q2_refuses_the_issue_17_government_set():
    answer = [LEAF, BACKUP.base64, spki_pin(pki.intermediate2.cert), spki_pin(pki.government_root.cert)]
    _verdict(ex06.q2, answer, False, "A government-inserted root")


@pytest.mark.parametrize("mistake, answer, words", [
    ("the leaf alone", [LEAF], "after the planned rekey"),
    ("leaf-only strategy", Strategy.LEAF_SPKI, "after the planned rekey"),
    ("the intermediate and the backup", [spki_pin(pki.intermediate.cert), BACKUP.base64],
     "after the intermediate rotation"),
    ("the intermediate strategy", Strategy.INTERMEDIATE, "after the intermediate rotation"),
    ("the leaf and the intermediate", [LEAF, spki_pin(pki.intermediate.cert)], "DV mis-issuance"),
    ("the root strategy", "root SPKI", "YourApp Root CA, a CA"),
    ("certificate pins", [cert_pin(pki.leaf.cert), BACKUP.base64], "certificate pins"),
    ("the certificate strategy", Strategy.CERTIFICATE, "A certificate pin changes with every new certificate"),
    ("the backup alone", [BACKUP.base64], "locked out now"),
    ("one pin as text", LEAF, "after the planned rekey"),
    ("an expired PinSet", PinSet(pins=(LEAF, BACKUP), expires="2020-01-01"), "already expired"),
    ("nothing", [], "Your pin set is empty"),
    ("certificates, not pins", [pki.leaf.cert, pki.backup_key.public_key()], "is a certificate"),
    ("an Issued", [pki.leaf, BACKUP], "is a certificate"),
    ("a private key", [LEAF, pki.backup_key], "is a key, not a pin"),
    ("a dict", {"pins": [LEAF, BACKUP.base64]}, "That is a dict"),
    ("a typo in one pin", [LEAF, BACKUP.base64[:-3]], "Item 2 of your list"),
])
def test_06q2_says_what_the_pin_set_does(mistake, answer, words):
    _verdict(ex06.q2, answer, False, words)


def test_06q2_bounds_what_it_reads_and_echoes():
    _verdict(ex06.q2, [LEAF, HUGE], False, "Item 2")
    _verdict(ex06.q2, iter(range(10**9)), False, "more than")
    _verdict(ex06.q2, HUGE, False, "Your answer")
