"""Lessons 03 and 04's exercises, with the answers a learner would plausibly type, right and wrong.

Each table holds the reference solution, right answers in other forms, the lesson's misconceptions
(each with the words its feedback must contain), and nonsense. The checkers run the skill: 03 q1
runs explain() on the mystery chain, 03 q2 runs both validators and checks who signed, 04 q1 reads
the SNI from a captured ClientHello.
"""

from __future__ import annotations

import ast

import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from helpers.exercises import lesson03 as ex3
from helpers.exercises import lesson04 as ex4
from helpers.pki import course_pki
from helpers.tls.handshake import run_handshake

PKI = course_pki()
HUGE = "x" * 2_000_000
NONSENSE = ["?", "", "   ", {"check": "validity window"}, HUGE, 3.5, object()]


def _right(question, answer):
    feedback = question.feedback(answer)
    assert feedback.startswith(f"✓ {question.name}: correct."), feedback


def _wrong(question, answer, words=""):
    feedback = question.feedback(answer)
    assert feedback.startswith(f"✗ {question.name}: not yet."), feedback
    assert words in feedback, feedback
    assert "\n" not in feedback and len(feedback) < 600, feedback   # one short line, never an echo of 2 MB
    assert "could not be checked" not in feedback, feedback
    return feedback


# --- lesson 03, q1: the mystery chain ---------------------------------------------------------------

LEAF, INTERMEDIATES, ANCHORS, _HOST = ex3.mystery()


def test_03_q1_reference_solution():
    reference = ast.literal_eval(ex3.q1.answer.split(":")[0])
    _right(ex3.q1, reference)


@pytest.mark.parametrize("answer", [
    ("validity window", "intermediate"),
    ("Validity Window", "issuer YourApp Issuing CA 0"),          # exactly as the report prints it
    ("validity window", "YourApp Issuing CA 0"),
    ("validity window", "CN=YourApp Issuing CA 0,O=YourApp Inc. (course toy PKI)"),
    ("validity", "the intermediate"),
    ["expired", "issuing CA"],
    ("dates", "Intermediate CA"),
    ("validity_window", "issuer"),
    ("validity window", INTERMEDIATES[0]),                        # the certificate object itself
    ("intermediate", "validity window"),                           # either order
    "validity window, intermediate",
    (" VALIDITY  WINDOW ", "sub CA"),
])
def test_03_q1_right_answers_in_other_forms(answer):
    _right(ex3.q1, answer)


@pytest.mark.parametrize("answer, words", [
    (("validity window", "leaf"), "passes for the leaf"),
    (("validity window", LEAF), "passes for the leaf"),
    (("validity window", "root"), "passes for the root"),
    (("hostname", "leaf"), "hostname check passes for the leaf"),
    (("signature", "intermediate"), "signature check passes for the intermediate"),
    (("trust anchor", "root"), "trust anchor check passes"),
    (("hostname", "intermediate"), "does not look at the intermediate"),
    (("revocation", "leaf"), "not checked"),
    (("name constraints", "intermediate"), "looks at the whole chain, and here it passes"),
    (("validity window", "YourApp Issuing CA 1"), "not in the mystery chain"),   # the current intermediate
    (("validity window", PKI.intermediate), "not in the mystery chain"),
    (("validity window", "whole chain"), "once per certificate"),
    (("path length", "intermediate"), "passes for the intermediate"),
])
def test_03_q1_misconceptions_say_what_the_answer_does(answer, words):
    feedback = _wrong(ex3.q1, answer, words)
    # feedback about a wrong pair never names the failing check or sends the learner to the dates
    assert "validity" not in feedback.lower() or "validity window" in str(answer)
    assert "up the chain" not in feedback


def test_03_q1_does_not_walk_the_learner_to_the_answer():
    """Every wrong check on the leaf gets the same kind of reply: that check passes there."""
    for check in ("signature", "public key", "hostname", "serverAuth EKU", "end entity", "format"):
        feedback = _wrong(ex3.q1, (check, "leaf"), "passes for the leaf")
        assert "date" not in feedback.lower() and "intermediate" not in feedback.lower()


@pytest.mark.parametrize("answer, words", [
    *[(junk, "") for junk in NONSENSE],
    (("validity window",), "pair"),
    (("validity window", "intermediate", "leaf"), "pair"),
    (("validity window", "the third one"), "Name the certificate"),
    (("wrongness", "leaf"), "Name the check"),
    ((1, 2), "pair"),
    (np.int64(3), "pair"),
])
def test_03_q1_nonsense(answer, words):
    _wrong(ex3.q1, answer, words)


# --- lesson 03, q2: repair the expired chain --------------------------------------------------------

def _leaf(ca=None, hosts=("api.yourapp.com",), not_before="2026-08-15", not_after="2027-02-15", **extra):
    return (ca or PKI.intermediate).issue_leaf(list(hosts), serial=4101, key_label="gallery leaf key",
                                               not_before=not_before, not_after=not_after, **extra)


def test_03_q2_reference_solution():
    _right(ex3.q2, eval(ex3.q2.answer, {"pki": PKI}))     # noqa: S307 - our own solution text


GOOD = _leaf()


@pytest.mark.parametrize("answer", [
    GOOD,
    GOOD.cert,
    GOOD.chain,                                           # what a server sends: leaf first
    tuple(GOOD.chain),
    GOOD.pem,
    GOOD.pem.decode(),
    GOOD.cert.public_bytes(Encoding.DER),
    _leaf(hosts=("*.yourapp.com",)),                      # a wildcard also covers api.yourapp.com
    _leaf(hosts=("api.yourapp.com", "www.yourapp.com")),
    _leaf(ca=PKI.intermediate_cross_signed),              # the same intermediate, same name and key
    _leaf(not_before="2026-09-01", not_after="2027-03-20"),
])
def test_03_q2_right_answers_in_other_forms(answer):
    _right(ex3.q2, answer)


@pytest.mark.parametrize("answer, words", [
    (_leaf(ca=PKI.root), "root signed your certificate directly"),      # against lesson 02's rule
    (_leaf(ca=PKI.intermediate2), "issued by YourApp Issuing CA 2"),
    (_leaf(ca=PKI.intermediate_retired), "issued by YourApp Issuing CA 0"),
    (_leaf(ca=PKI.rogue_ca), "not by course_pki().intermediate"),
    (PKI.leaf, "SC-081v3"),                                             # the 20-year course leaf
    (_leaf(not_after="2027-08-15"), "lives 365 days"),
    (_leaf(not_after="2030-01-01"), "SC-081v3"),
    (_leaf(hosts=("www.yourapp.com",)), "hostname failed"),
    (_leaf(hosts=("yourapp.com",)), "hostname failed"),
    (_leaf(not_before="2026-10-01", not_after="2027-03-01"), "Not yet valid"),
    (_leaf(not_before="2026-01-01", not_after="2026-07-01"), "validity window failed"),
    (_leaf(eku=(x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH,)), "serverAuth EKU failed"),
    (PKI.gallery["expired"].leaf, "expired certificate itself"),
    (PKI.gallery["expired"], "expired certificate itself"),
    (PKI.intermediate, "CA certificate"),
])
def test_03_q2_misconceptions(answer, words):
    _wrong(ex3.q2, answer, words)


@pytest.mark.parametrize("answer", [*NONSENSE, [], b"-----BEGIN CERTIFICATE-----\nnope\n", 4101, np.int64(4101)])
def test_03_q2_nonsense(answer):
    _wrong(ex3.q2, answer, "Answer with the certificate you issued")


# --- lesson 03, q3 and lesson 04, q3: multiple choice ------------------------------------------------

CHOICES = [
    (ex3.q3, "A", {"B": "CRL", "C": "well formed"}, "ABC"),
    (ex4.q3, "B", {"A": "ClientHello", "C": "CertificateVerify", "D": "fingerprint"}, "ABCD"),
]


@pytest.mark.parametrize("question, right, wrongs, letters", CHOICES)
def test_choice_reference_and_other_forms(question, right, wrongs, letters):
    _right(question, ast.literal_eval(question.answer.split(".")[0]))
    for form in (right, right.lower(), f" {right} ", f"({right})", f"{right}.", f"option {right.lower()}",
                 f"'{right}'", f"{right})"):
        _right(question, form)


@pytest.mark.parametrize("question, right, wrongs, letters", CHOICES)
def test_choice_wrong_options_explain_their_flaw_and_never_name_the_answer(question, right, wrongs, letters):
    for option, words in wrongs.items():
        for form in (option, option.lower(), f"({option})"):
            feedback = _wrong(question, form, words)
            assert f"'{right}'" not in feedback and f" {right} " not in feedback.replace("ClientHello", "")


@pytest.mark.parametrize("question, right, wrongs, letters", CHOICES)
def test_choice_nonsense_reveals_nothing(question, right, wrongs, letters):
    listing = ", ".join(letters)
    for junk in ["?", "", "E", "Z", "AB", "A or B", *NONSENSE, 2, ["A", "B"]]:
        feedback = _wrong(question, junk)
        assert feedback.endswith(f"Answer with one of {listing}, as a string."), feedback


# --- lesson 04, q1: the SNI of a captured handshake -------------------------------------------------

OVERHEARD = ex4.overheard()


def test_04_q1_the_name_is_only_in_the_client_hello():
    hello = OVERHEARD.client_hello
    assert hello.server_name not in {"api.yourapp.com", "www.yourapp.com"}
    leaf = OVERHEARD.chain()[0]
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["*.yourapp.com"]


def test_04_q1_reference_solution():
    _right(ex4.q1, OVERHEARD.client_hello.server_name)
    assert OVERHEARD.client_hello.server_name in ex4.q1.answer


@pytest.mark.parametrize("answer", [
    "status.yourapp.com",
    " STATUS.YourApp.com ",
    "status.yourapp.com.",                                           # the fully qualified form
    b"status.yourapp.com",
    OVERHEARD.client_hello.extension("server_name").value,           # the extension's own value: a list
    OVERHEARD.client_hello.extension("server_name"),
    ("status.yourapp.com",),
])
def test_04_q1_right_answers_in_other_forms(answer):
    _right(ex4.q1, answer)


@pytest.mark.parametrize("answer, words", [
    ("*.yourapp.com", "name on the certificate the server presented"),
    ("api.yourapp.com", "not the one in this capture"),
    ("www.yourapp.com", "`bad` handshake"),
    ("yourapp.com", "not the name in this ClientHello"),
    ("127.0.0.1", "an address"),
    ("localhost", "an address"),
    ("https://status.yourapp.com/", "no scheme, port or path"),
    ("status.yourapp.com:443", "no scheme, port or path"),
    (["status.yourapp.com", "api.yourapp.com"], "one host name"),
])
def test_04_q1_misconceptions(answer, words):
    _wrong(ex4.q1, answer, words)


@pytest.mark.parametrize("answer", [*NONSENSE, 42, np.int64(1), [], OVERHEARD])
def test_04_q1_nonsense(answer):
    feedback = _wrong(ex4.q1, answer)
    assert "status" not in feedback


# --- lesson 04, q2: the message that carries the chain ----------------------------------------------

HS = run_handshake(request=False)


def test_04_q2_reference_solution():
    _right(ex4.q2, ast.literal_eval(ex4.q2.answer.split(" ")[0]))


@pytest.mark.parametrize("answer", [
    "certificate", " CERTIFICATE ", "Certificate message", "the Certificate message", "Certificate (type 11)",
    "certificate_message", "server certificate", 11, np.int64(11), 11.0, HS.find("Certificate"),
])
def test_04_q2_right_answers_in_other_forms(answer):
    _right(ex4.q2, answer)


@pytest.mark.parametrize("answer, words", [
    ("CertificateVerify", "signature made with the leaf's private key"),
    (15, "CertificateVerify carries"),
    (HS.find("CertificateVerify"), "CertificateVerify carries"),
    ("ServerHello", "holds no certificate"),
    ("ClientHello", "no chain to send"),
    ("EncryptedExtensions", "ALPN"),
    ("Finished", "MAC over the transcript"),
    ("CertificateRequest", "asking the *client*"),
    ("ServerKeyExchange", "key share"),
    ("CompressedCertificate", "RFC 8879"),
    ("chain", "not a handshake message name"),
    (99, "not a handshake message type"),
])
def test_04_q2_misconceptions(answer, words):
    _wrong(ex4.q2, answer, words)


@pytest.mark.parametrize("answer", [*NONSENSE, True, ["Certificate", "Finished"]])
def test_04_q2_nonsense(answer):
    _wrong(ex4.q2, answer)


# --- every question: not attempted, hint and solution ------------------------------------------------

QUESTIONS = [ex3.q1, ex3.q2, ex3.q3, ex4.q1, ex4.q2, ex4.q3]


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_hint_solution_and_not_attempted(question, capsys):
    assert question.feedback(...).startswith(f"{question.name}: not attempted")
    assert question.feedback(None).startswith(f"{question.name}: not attempted")
    for argument in ((), (1,), (2,), ("x",), (99,), (-1,), (None,)):
        question.hint(*argument)
        assert capsys.readouterr().out.startswith("Hint ")
    question.solution()
    assert capsys.readouterr().out.startswith(f"Solution to {question.name}: ")
