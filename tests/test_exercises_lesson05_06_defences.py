"""Lesson 05's defence exercises (q1: CAA, q3: a CT monitor) and lesson 06's fresh pin (q4), with the
answers a learner would plausibly type, right and wrong; plus the helpers they run (the toy CAA check,
the toy CT log, the trust-anchor rows of the renewal matrix, the attack-keys figure).
"""

from __future__ import annotations

import base64
import hashlib

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from helpers.attacks import caa, ct
from helpers.exercises import Question
from helpers.exercises import lesson05 as ex05
from helpers.exercises import lesson06 as ex06
from helpers.pinning.pins import Pin, PinSet, cert_pin, spki_pin
from helpers.pinning.renewal import ANCHORS, Event, renewal_matrix
from helpers.pki import course_pki

pki = course_pki()
HUGE = "x" * 2_000_000
NONSENSE = ["?", "", "Z", HUGE, {"answer": "B"}, 42, 3.5, object(), [[]]]
NONSENSE_IDS = ["?", "empty", "Z", "2MB", "dict", "int", "float", "object", "nested"]


def _verdict(question: Question, answer, correct: bool, words: str = "") -> str:
    feedback = question.feedback(answer)
    assert feedback.startswith(f"✓ {question.name}: correct." if correct else f"✗ {question.name}: not yet."), \
        feedback
    assert words.lower() in feedback.lower(), feedback
    assert len(feedback) < 700 and "\n" not in feedback, feedback
    return feedback


# --- the toy CAA check ------------------------------------------------------------------------------------

def test_caa_model_follows_rfc_8659_and_8657():
    you, here, elsewhere, zone = caa.REQUESTS
    nothing = caa.parse_records([])
    assert all(caa.issued(nothing, r) for r in caa.REQUESTS)           # no CAA: any CA may issue
    plain = caa.parse_records('0 issue "issuing-ca.example"')
    assert [caa.issued(plain, r) for r in caa.REQUESTS] == [True, True, False, True]
    bound = caa.parse_records(f'0 issue "issuing-ca.example; accounturi={caa.YOUR_ACCOUNT}"')
    assert [caa.issued(bound, r) for r in caa.REQUESTS] == [True, False, False, True]  # the zone owner wins
    assert not caa.issued(caa.parse_records('0 issue ";"'), you)
    assert not caa.issued(caa.parse_records('128 tbs "unknown"'), you)  # a critical unknown tag forbids
    with pytest.raises(caa.CaaSyntaxError, match="not a CAA record"):
        caa.parse_record("issue please")
    assert "refused by CAA" in str(caa.caa_check(plain and ['0 issue "issuing-ca.example"']))


REFERENCE_CAA = f'0 issue "issuing-ca.example; accounturi={caa.YOUR_ACCOUNT}"'

RIGHT_05Q1 = {
    "the reference": REFERENCE_CAA,
    "validationmethods only": '0 issue "issuing-ca.example; validationmethods=dns-01"',
    "both parameters": f'0 issue "issuing-ca.example; accounturi={caa.YOUR_ACCOUNT}; validationmethods=dns-01"',
    "zone-file form": f'api.yourapp.com. 3600 IN CAA {REFERENCE_CAA}',
    "dig's form": f'CAA {REFERENCE_CAA}',
    "a list with iodef": [REFERENCE_CAA, '0 iodef "mailto:security@yourapp.com"'],
    "one per line": REFERENCE_CAA + "\n" + '0 issuewild ";"',
    "bytes": REFERENCE_CAA.encode(),
    "upper-case tag, extra spaces": f'0   ISSUE   "issuing-ca.example;accounturi={caa.YOUR_ACCOUNT}"',
    "a CaaRecord": caa.parse_record(REFERENCE_CAA),
    "a tuple": (REFERENCE_CAA,),
}


@pytest.mark.parametrize("form", RIGHT_05Q1)
def test_05q1_right_records_in_every_form(form):
    _verdict(ex05.q1, RIGHT_05Q1[form], True, "DNS zone")


@pytest.mark.parametrize("mistake, answer, words", [
    ("names only your CA", '0 issue "issuing-ca.example"', "naming the CA is not enough"),
    ("a plain record beside a bound one", ['0 issue "issuing-ca.example"', REFERENCE_CAA],
     "naming the CA is not enough"),
    ("nobody may issue", '0 issue ";"', "no issue record names the CA"),
    ("another CA", '0 issue "letsencrypt.org"', "refuse your own renewal"),
    ("iodef only", '0 iodef "mailto:security@yourapp.com"', "let any CA issue"),
    ("issuewild only", '0 issuewild "issuing-ca.example"', "issuewild and iodef do not"),
    ("the hijacker's account", '0 issue "issuing-ca.example; accounturi=https://issuing-ca.example/acme/acct/6666"',
     "accounturi is not your ACME account"),
    ("the wrong method", '0 issue "issuing-ca.example; validationmethods=http-01"', "validationmethods leave out"),
    ("a critical unknown tag", '128 tbs "x"', "refuse your own renewal"),
    ("no record at all", [], "no CAA record"),
    ("prose", "only my CA may issue", "is not a CAA record"),
])
def test_05q1_wrong_records_say_what_they_do(mistake, answer, words):
    feedback = _verdict(ex05.q1, answer, False, words)
    assert "accounturi=" + caa.YOUR_ACCOUNT not in feedback  # never the answer


@pytest.mark.parametrize("nonsense", NONSENSE, ids=NONSENSE_IDS)
def test_05q1_nonsense(nonsense):
    _verdict(ex05.q1, nonsense, False)


# --- the toy CT log and the monitor exercise --------------------------------------------------------------

def test_the_toy_log_holds_only_publicly_trusted_certificates():
    log = ct.toy_log()
    certs = [e.cert for e in log]
    assert pki.rogue_leaf.cert in certs and pki.misissued_leaf.cert in certs
    assert pki.corporate_leaf.cert not in certs and pki.government_leaf.cert not in certs
    assert [e.index for e in log] == list(range(len(log))) and sum(not e.yours for e in log) == 2
    by_issuer = ct.search(ct.by_issuer(["YourApp Issuing CA 1", "YourApp Issuing CA 2", "Other Public Issuing CA"]))
    assert [e.cert for e in by_issuer.alarms()] == [pki.rogue_leaf.cert]  # the mis-issuance goes unseen
    by_key = ct.search(ct.by_key([pki.leaf.cert, pki.backup_key.public_key()]))
    assert {e.cert for e in by_key.alarms()} == {pki.rogue_leaf.cert, pki.misissued_leaf.cert}
    assert "ALARM" in str(by_key) and repr(by_key) == "<Search: 7 entries, 2 alarms>"


LEAF, BACKUP = spki_pin(pki.leaf.cert), Pin.of_spki(pki.backup_key.public_key())


def _same_key_as_mine(cert):
    mine = [pki.leaf.cert.public_key(), pki.backup_key.public_key()]
    return cert.public_key() not in mine


RIGHT_05Q3 = {
    "the reference": lambda cert: spki_pin(cert) not in {LEAF, BACKUP.base64},
    "by_key": ct.by_key([pki.leaf.cert, pki.backup_key.public_key()]),
    "a list of pins": [LEAF, BACKUP.base64],
    "OkHttp-style pins": ["sha256/" + LEAF, "sha256/" + BACKUP.base64],
    "a PinSet": PinSet(pins=(LEAF,), backup_pins=(BACKUP,)),
    "Issued objects": [pki.leaf, pki.leaf_on_backup_key],
    "Pin objects in a set": {Pin.of_spki(pki.leaf.cert), BACKUP},
    "public keys": [pki.leaf.cert.public_key(), pki.backup_key.public_key()],
    "a private key among them": [pki.leaf.key, pki.backup_key],
    "a def comparing keys": _same_key_as_mine,
    "numpy text": np.array([LEAF, BACKUP.base64]),
    "bytes pins": [LEAF.encode(), BACKUP.base64.encode()],
}


@pytest.mark.parametrize("form", RIGHT_05Q3)
def test_05q3_right_monitors_in_every_form(form):
    _verdict(ex05.q3, RIGHT_05Q3[form], True, "including two the checker made just now")


@pytest.mark.parametrize("mistake, answer, words", [
    ("by issuer names", ["YourApp Issuing CA 1", "YourApp Issuing CA 2", "other public issuing ca"],
     "stays quiet for 2 certificates"),
    ("by issuer, as a function", lambda cert: "R7" in str(cert.issuer), "stays quiet"),
    ("the leaf's key only", [LEAF], "raises 3 alarms on your own"),
    ("never alarms", lambda cert: False, "stays quiet for 3 certificates"),
    ("always alarms", lambda cert: True, "alarms on your own certificates"),
    ("remembers the logged serials", lambda cert: cert.serial_number in {3002, 3101}, "stays quiet for 1"),
    ("remembers the logged dates", lambda cert: cert.not_valid_before_utc.day in {1, 28} and
     cert.not_valid_before_utc.month == 8, "you never asked for"),
    ("crashes", lambda cert: cert.no_such_field, "raised AttributeError"),
    ("mixes pins and names", [LEAF, "YourApp Issuing CA 1"], "mixes pins or keys"),
    ("empty", [], "Your list is empty"),
    ("certificate pins", [cert_pin(pki.leaf.cert), cert_pin(pki.leaf_on_backup_key.cert)], "alarms on your own"),
])
def test_05q3_wrong_monitors_say_what_they_do(mistake, answer, words):
    _verdict(ex05.q3, answer, False, words)


@pytest.mark.parametrize("nonsense", NONSENSE, ids=NONSENSE_IDS)
def test_05q3_nonsense(nonsense):
    _verdict(ex05.q3, nonsense, False)


def test_05q3_makes_fresh_certificates_every_time():
    first, second = ex05._fresh_entries(), ex05._fresh_entries()
    assert first[1].cert.public_key() != second[1].cert.public_key()
    assert first[0].cert.public_key() == pki.backup_key.public_key()  # yours: the backup key


# --- 06 q4: pin a certificate made just now ----------------------------------------------------------------

def _hand_pin(pem: str) -> str:
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(pem.encode())
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


#: A backup key of the learner's own, made just now (not the course's): any key no CA holds will do.
OWN_BACKUP = Pin.of_spki(ec.generate_private_key(ec.SECP256R1()).public_key())

RIGHT_06Q4 = {
    "spki_pin and the backup": lambda s: [spki_pin(s.cert), BACKUP.base64],
    "by hand from the PEM": lambda s: [_hand_pin(s.pem), BACKUP.base64],
    "OkHttp form": lambda s: ["sha256/" + spki_pin(s.cert), "sha256/" + BACKUP.base64],
    "HPKP form": lambda s: [Pin.of_spki(s.cert).format("hpkp"), BACKUP.format("hpkp")],
    "Pin objects": lambda s: (Pin.of_spki(s.cert), BACKUP),
    "a PinSet": lambda s: PinSet(pins=(spki_pin(s.cert),), backup_pins=(BACKUP,)),
    "bytes": lambda s: [spki_pin(s.cert).encode(), BACKUP.base64.encode()],
    "numpy text": lambda s: np.array([spki_pin(s.cert), BACKUP.base64]),
    "a backup key of your own": lambda s: [spki_pin(s.cert), OWN_BACKUP],
}


@pytest.mark.parametrize("form", RIGHT_06Q4)
def test_06q4_right_pins_in_every_form(form):
    server = ex06.new_server()
    _verdict(ex06.q4, RIGHT_06Q4[form](server), True, "connected over TLS")


@pytest.mark.parametrize("mistake, answer, words", [
    ("a certificate pin", lambda s: cert_pin(s.cert), "whole certificate"),
    ("the intermediate that signed it", lambda s: spki_pin(pki.intermediate.cert), "YourApp Issuing CA 1 is a CA"),
    ("the root", lambda s: spki_pin(pki.root.cert), "DV mis-issuance"),
    ("its key plus the rogue CA", lambda s: [spki_pin(s.cert), spki_pin(pki.rogue_ca.cert)],
     "A compromised public CA"),
    ("the lesson's leaf", lambda s: spki_pin(pki.leaf.cert), "course leaf's"),
    ("the certificate itself", lambda s: s.cert, "the certificate itself"),
    ("the whole PEM hashed", lambda s: base64.b64encode(hashlib.sha256(s.pem.encode()).digest()).decode(),
     "which bytes you hashed"),
    ("a typo", lambda s: spki_pin(s.cert)[:-4], "not a pin"),
    ("no backup pin", lambda s: spki_pin(s.cert), "ship a backup key's pin too"),
    ("no backup, key pinned twice", lambda s: [spki_pin(s.cert), Pin.of_spki(s.cert).format("okhttp")],
     "with one pin, the next rekey"),
    ("its certificate pin as the 'backup'", lambda s: [spki_pin(s.cert), cert_pin(s.cert)], "backup key's pin"),
    ("a CA no attack uses as the backup", lambda s: [spki_pin(s.cert), spki_pin(pki.intermediate2.cert)],
     "a CA: it accepts whatever"),
])
def test_06q4_wrong_pins_say_what_they_do(mistake, answer, words):
    server = ex06.new_server()
    feedback = _verdict(ex06.q4, answer(server), False, words)
    assert spki_pin(server.cert) not in feedback


def test_06q4_an_earlier_server_and_no_server(monkeypatch):
    old = ex06.new_server()
    ex06.new_server()
    _verdict(ex06.q4, spki_pin(old.cert), False, "earlier fresh server")
    monkeypatch.setattr(ex06, "_FRESH", [])
    assert "run server = ex.new_server() first" in ex06.q4.feedback(spki_pin(old.cert))


def test_06q4_really_connects_and_keys_are_fresh():
    one, two = ex06.new_server(), ex06.new_server()
    assert one.cert.public_key() != two.cert.public_key()
    assert one.renewed.cert.public_key() == one.cert.public_key() and one.renewed.cert != one.cert
    assert ex06._served_today(PinSet(pins=(spki_pin(two.cert),)), two) is None
    assert "no pin matched" in ex06._served_today(PinSet(pins=(spki_pin(one.cert),)), two)
    assert "made just now" in repr(two) and two.pem.startswith("-----BEGIN CERTIFICATE-----")


@pytest.mark.parametrize("nonsense", NONSENSE, ids=NONSENSE_IDS)
def test_06q4_nonsense(nonsense):
    ex06.new_server()
    _verdict(ex06.q4, nonsense, False)


# --- the renewal matrix's trust-anchor rows, and the attack-keys figure -----------------------------------

def test_trusting_your_own_leaf_breaks_at_every_change():
    matrix = renewal_matrix()
    leaf, inter = ANCHORS
    assert [matrix.anchors[leaf, e] for e in Event] == [False] * 5
    assert [matrix.anchors[inter, e] for e in Event] == [True, True, True, False, False]
    assert leaf in matrix.text() and inter in matrix._repr_html_()
    assert repr(matrix) == "<RenewalMatrix 5 strategies + 2 trust anchors x 5 events>"
    assert renewal_matrix(anchors=False).anchors == {}


def test_the_attack_keys_figure_marks_who_holds_each_key():
    from helpers.plots.attacks import lanes, plot_attack_keys

    rows = lanes()
    assert [r[0] for r in rows] == ["genuine server", "rogue CA", "corporate proxy", "government root",
                                    "DV mis-issuance"]
    assert [r[3] for r in rows] == [False, True, True, True, False]   # the attacker holds the CA key
    assert [r[5] for r in rows] == [False, True, True, True, True]    # the attacker holds the leaf key
    assert all(("ATTACKER" in r[2]) == r[3] for r in rows)            # said in words, not colour alone
    fig, summary = plot_attack_keys()
    assert len(summary.split()) >= 5 and len(fig.axes[0].patches) == 2 * len(rows)
    import matplotlib.pyplot as plt

    plt.close(fig)
