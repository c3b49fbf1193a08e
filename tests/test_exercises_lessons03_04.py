"""Lessons 03 and 04's exercises, with the answers a learner would plausibly type, right and wrong.

Each table holds the reference solution, right answers in other forms, the lesson's misconceptions
(each with the words its feedback must contain), and nonsense. The checkers run the skill: 03 q1
runs explain() on the mystery chain, 03 q2 runs both validators and checks who signed, 03 q3 runs all
four validators for two clients, 04 q1 reads
the SNI from a captured ClientHello, 04 q2 recomputes the client's Finished (its own file).
"""

from __future__ import annotations

import ast

import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from helpers.exercises import lesson03 as ex3
from helpers.exercises import lesson04 as ex4
from helpers.pki import course_pki
from helpers.validation import explain

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


@pytest.fixture(autouse=True)
def _default_mystery():
    """Every test starts from the chain the committed notebook deals (the default seed)."""
    ex3.mystery()
    yield
    ex3.mystery()


def test_03_q1_reference_solution():
    reference = ast.literal_eval(ex3.q1.answer.split("it is ")[1].split(":")[0])
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


SEEDS = ["ada", "grace", "alan", "linus", "bob", "carol", "eve", "1", "2", "3", "5", "Zoë", "x" * 500]


def _failure(seed):
    """The (check, role) that explain() finds in a seed's chain: what the learner must name."""
    leaf, inters, anchors, host = ex3.mystery(seed)
    (step,) = explain(leaf, inters, anchors, host).failures
    role = {"leaf": "leaf", "issuer": "intermediate", "anchor": "root"}[step.subject.split()[0]]
    return step, role


def test_03_q1_seeds_deal_different_chains_and_every_kind_of_break():
    dealt = {ex3.mystery(seed)[0].fingerprint(hashes.SHA256()) for seed in SEEDS}
    assert len(dealt) == len(SEEDS)                                   # a fresh chain per learner
    kinds = {ex3._deal(ex3._seed_text(f"learner {n}"))[0] for n in range(80)}
    assert kinds == set(ex3.SCENARIOS)                                 # every scenario is reachable
    assert ex3.mystery("ada")[0] == ex3.mystery(" ADA ")[0]            # a seed is case- and space-insensitive
    assert ex3.mystery()[1][0] == PKI.intermediate_retired.cert        # the default: the committed notebook's


@pytest.mark.parametrize("seed", SEEDS)
def test_03_q1_every_seed_has_exactly_one_break_and_the_checker_accepts_it(seed):
    step, role = _failure(seed)
    _right(ex3.q1, (step.check, role))
    _right(ex3.q1, (step.check.upper(), step.subject))                 # exactly as the report prints it
    leaf, inters, _, _ = ex3.mystery(seed)
    _right(ex3.q1, [step.check, {"leaf": leaf, "intermediate": inters[0]}[role]])


@pytest.mark.parametrize("seed", SEEDS)
def test_03_q1_every_seed_refuses_the_other_pairs_without_naming_the_answer(seed):
    step, role = _failure(seed)
    for check in ("signature", "validity window", "hostname", "serverAuth EKU", "issuer is a CA"):
        for other in ("leaf", "intermediate", "root"):
            if (check, other) == (step.check, role):
                continue
            feedback = ex3.q1.feedback((check, other))
            assert feedback.startswith("✗ q1: not yet."), feedback
            assert f"{step.check} check fails" not in feedback and "✗" not in feedback[2:], feedback


def test_03_q1_checks_the_chain_dealt_last():
    step, role = _failure("ada")
    ex3.mystery("grace")
    other, other_role = _failure("grace")
    if (step.check, role) != (other.check, other_role):
        _wrong(ex3.q1, (step.check, role))
    ex3.mystery("ada")
    _right(ex3.q1, (step.check, role))
    old_leaf = ex3.mystery("grace")[0]
    ex3.mystery("ada")
    _wrong(ex3.q1, ("validity window", old_leaf), "not in the mystery chain you dealt last")


@pytest.mark.parametrize("seed", [None, 42, np.int64(7), 3.5, object(), "", "   ", "x" * 2_000_000])
def test_03_q1_any_seed_deals_a_chain(seed):
    leaf, inters, anchors, host = ex3.mystery(seed)
    assert isinstance(leaf, x509.Certificate) and len(inters) == 1 and host == "api.yourapp.com"


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
    _leaf(not_before="2026-09-01", not_after="2027-03-19T23:59:59"),   # exactly 200 days, both ends counted
    _leaf(not_before="2026-09-01T12:00:00Z", not_after="2027-03-20T11:59:59Z"),
])
def test_03_q2_right_answers_in_other_forms(answer):
    _right(ex3.q2, answer)


@pytest.mark.parametrize("answer, words", [
    (_leaf(ca=PKI.root), "root signed your certificate directly"),      # against lesson 02's rule
    (_leaf(ca=PKI.intermediate2), "issued by YourApp Issuing CA 2"),
    (_leaf(ca=PKI.intermediate_retired), "issued by YourApp Issuing CA 0"),
    (_leaf(ca=PKI.rogue_ca), "not by course_pki().intermediate"),
    (PKI.leaf, "SC-081v3"),                                             # the 20-year course leaf
    (_leaf(not_after="2027-08-15"), "lives 365 days and 1 second"),
    (_leaf(not_before="2026-09-01", not_after="2027-03-20"), "200 days and 1 second"),   # inclusive count
    (_leaf(not_before="2026-09-01", not_after="2027-03-20"), "RFC 5280 §4.1.2.5"),
    (_leaf(not_before="2026-08-20", not_after="2027-03-08"), "200 days and 1 second"),
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


# --- lesson 03, q3: one chain for the clients of the old root and of the new one ------------------

CROSS, INTER, ROOT2 = PKI.intermediate_cross_signed, PKI.intermediate, PKI.root2
ROOT2_CROSS = PKI.root.issue_intermediate("r2x", common_name="YourApp Root CA 2", key_label=ROOT2.key_label,
                                          path_length=1)
ROOT1_CROSS = ROOT2.issue_intermediate("r1x", common_name="YourApp Root CA", key_label=PKI.root.key_label,
                                       path_length=1)
ROOT2_CROSS_NO_ROOM = PKI.root.issue_intermediate("r2x0", common_name="YourApp Root CA 2",
                                                  key_label=ROOT2.key_label)      # pathLen 0: no CA below


def test_03_q3_reference_solution():
    _right(ex3.q3, ex3.reference_chain())
    assert "reference_chain()" in ex3.q3.answer


@pytest.mark.parametrize("answer", [
    [CROSS.cert, ROOT2_CROSS.cert],
    [CROSS, ROOT2_CROSS],                                     # the course CA objects themselves
    (CROSS.cert, ROOT2_CROSS.cert),
    [PKI.leaf.cert, CROSS.cert, ROOT2_CROSS.cert],            # the whole chain, leaf first
    [CROSS.cert, ROOT2_CROSS.cert, INTER.cert],               # a spare copy at the end: harmless
    CROSS.pem + ROOT2_CROSS.cert.public_bytes(Encoding.PEM),  # PEM bytes
    (CROSS.pem + ROOT2_CROSS.cert.public_bytes(Encoding.PEM)).decode(),
    [INTER.cert, ROOT1_CROSS.cert],                           # the other way round: new root certifies old
])
def test_03_q3_right_answers_in_other_forms(answer):
    _right(ex3.q3, answer)


@pytest.mark.parametrize("answer, words", [
    ([INTER.cert, CROSS.cert], "for new clients (YourApp Root CA 2) our validator and cryptography accept it, "
                               "but OpenSSL and OpenSSL -x509_strict refuse it"),        # cell 38's list
    ([CROSS.cert, INTER.cert], "for old clients (YourApp Root CA) our validator and cryptography accept it, "
                               "but OpenSSL"),                                          # cell 40's swapped
    ([CROSS.cert], "not among your trust anchors"),                                     # cell 34's cross
    ([INTER.cert], "for new clients (YourApp Root CA 2) every validator refuses it"),
    ([CROSS.cert, ROOT2.cert], "self-signed root YourApp Root CA 2"),                   # the root itself
    ([CROSS.cert, ROOT2_CROSS_NO_ROOM.cert], "pathLen 0"),                             # no room for a CA
    ([INTER.cert, CROSS.cert, ROOT2_CROSS.cert], "OpenSSL and OpenSSL -x509_strict refuse it"),
    ([], "left out the intermediate"),
    ("YourApp Issuing CA 1", "Two certificates carry that name"),             # a name cannot pick the copy
])
def test_03_q3_misconceptions(answer, words):
    feedback = _wrong(ex3.q3, answer, words)
    assert "issue_intermediate" not in feedback and "key_label" not in feedback and "path_length" not in feedback


def test_03_q3_runs_the_validators_on_the_answer(monkeypatch):
    """The verdict comes from compare(): make every validator refuse, and the right answer fails too."""
    real = ex3.compare

    def refusing(*args, **kwargs):
        return real(args[0], [], *args[2:], **kwargs)

    monkeypatch.setattr(ex3, "compare", refusing)
    _wrong(ex3.q3, ex3.reference_chain(), "every validator refuses it")


@pytest.mark.parametrize("answer", ["?", "", "   ", {"send": "cross"}, HUGE, 3.5, object(), [1, 2], ["a"],
                                    [CROSS.cert] * 50, b"-----BEGIN CERTIFICATE-----\nnope\n", np.int64(1)])
def test_03_q3_nonsense(answer):
    feedback = ex3.q3.feedback(answer)
    assert feedback.startswith("✗ q3:") and "\n" not in feedback and len(feedback) < 400, feedback
    assert "issue_intermediate" not in feedback


# --- lesson 04, q3: multiple choice (lesson 03 q3 is no longer one) ---------------------------------

CHOICES = [
    (ex4.q3, "B", {"A": "does not make them unprotected", "C": "never sees the edited copy",
                   "D": "per-connection keys"}, "ABCD"),
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
            assert "CertificateVerify" not in feedback and "sign" not in feedback.replace("signed on its own", "")


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


# --- lesson 04, q2 (the client's Finished) has its own table: tests/test_exercises_lesson04_finished.py

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
