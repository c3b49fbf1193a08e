"""Lessons 00 to 02's exercises, with the answers a learner would plausibly type, right and wrong.

Each table holds the reference solution, right answers in other forms, the lesson's misconceptions
(each with the words its feedback must contain), and nonsense. The checkers compute their verdicts
from the course's own objects (the request-path figure, the RSA leaf, the root store), so the
tables compute their answers the same way.
"""

from __future__ import annotations

import datetime
import hashlib
import re

import numpy as np
import pytest
from cryptography.hazmat.primitives import serialization

from helpers import clock
from helpers.anatomy import anatomy, spki_span
from helpers.exercises import Question, lesson00, lesson01, lesson02
from helpers.pinning.pins import Pin, spki_der, spki_pin
from helpers.pki import course_pki
from helpers.trust_store import find_root, load_roots

HUGE = 10**100_000  # too many digits for str(): feedback must not try to print it
NONSENSE = ("?", "", "Z", "zz", {"answer": "B"}, "x" * 2_000_000, object())


def _short(value) -> str:
    """A test id for any answer: huge and odd values stay one short word."""
    if value is HUGE:
        return "huge-int"
    text = value if isinstance(value, str) else type(value).__name__
    return text[:20] if len(text) < 100 else f"{len(text)}-chars"


@pytest.fixture(scope="module")
def pki():
    return course_pki()


def _right(question: Question, answer) -> None:
    feedback = question.feedback(answer)
    assert feedback.startswith(f"✓ {question.name}: correct."), feedback


def _wrong(question: Question, answer, *words: str) -> str:
    feedback = question.feedback(answer)
    assert feedback.startswith(f"✗ {question.name}: not yet."), feedback
    for word in words:
        assert word in feedback, (word, feedback)
    assert len(feedback) < 400, feedback  # one short paragraph, never the learner's input in full
    return feedback


def _says_nothing_of(feedback: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret.lower() not in feedback.lower(), (secret, feedback)


# --- lesson 00 q1: where is the fake stopped -------------------------------------------------------

@pytest.mark.parametrize("answer", ["D", "d", " D ", "'D'", "(d)", "D) TLS: validation", "D: TLS validation",
                                    "TLS: validation", "tls  VALIDATION", "TLS:\nvalidation", "option D",
                                    "validation", "certificate validation", b"D"])
def test_l00_q1_right_answers_in_every_form(answer):
    _right(lesson00.q1, answer)


@pytest.mark.parametrize("answer, words", [
    ("A", ["A (DNS)", "nothing in a DNS answer"]),
    ("dns", ["A (DNS)", "attacker's address"]),
    ("B", ["B (TCP)", "proves nothing"]),
    ("TCP connect", ["B (TCP)"]),
    ("C", ["C (TLS: certificate)", "receiving it checks nothing"]),
    ("TLS: certificate", ["anyone can send any certificate"]),
    ("E", ["E (Pin check)", "Only apps that pin"]),
    ("pinning", ["Only apps that pin"]),
    ("F", ["F (Encrypted request)", "bearer token"]),
    ("TLS: hello + key agreement", ["works with the attacker too"]),
    ("key agreement", ["shared with whoever"]),
    ("TLS", ["several boxes"]),
    ("Data on screen", ["bearer token and all"]),
    ("A or D", ["is not one of the options"]),
    ("D (DNS)", ["is not one of the options"]),
    ("AD", ["is not one of the options"]),
])
def test_l00_q1_wrong_answers_say_what_is_wrong_and_never_the_answer(answer, words):
    _says_nothing_of(_wrong(lesson00.q1, answer, *words), "'D'", "D (TLS", "validation")


@pytest.mark.parametrize("answer", NONSENSE + (4, ["D"], True), ids=_short)
def test_l00_q1_nonsense_lists_the_options_in_order(answer):
    feedback = _wrong(lesson00.q1, answer)
    assert "Answer with one of A, B, C, D, E, F, as a string." in feedback
    _says_nothing_of(feedback, "'D'", "validation")


def test_l00_q1_reads_its_options_off_the_figure():
    from helpers.plots.overview import STEPS

    validation = next(step for step, detail, _ in STEPS if "trusted" in detail)
    _right(lesson00.q1, validation)
    for step, _, _ in STEPS:  # every box of the figure gets an answer, never a crash
        assert lesson00.q1.feedback(step).startswith(("✓", "✗ q1: not yet."))


def test_l00_q1_options_are_the_figures_boxes_not_a_giveaway():
    """Each option is labelled with a box of the figure, as printed there, and nothing more (issue 14)."""
    from helpers.plots.overview import STEPS

    options = re.findall(r"'([A-F])' \(([^)]*)\)", lesson00.q1.prompt)
    boxes = {" ".join(step.split()) for step, _, _ in STEPS}
    assert [key for key, _ in options] == list("ABCDEF")
    assert all(label in boxes for _, label in options), options


# --- lesson 00 q2: a date on which the certificate was trusted --------------------------------------

@pytest.fixture(scope="module")
def q2_cert():
    return lesson00.certificate()


def test_l00_q2_reference_solution(q2_cert):
    assert q2_cert is lesson00.certificate()  # the same certificate on every call
    _right(lesson00.q2, "2026-01-15")
    assert lesson00.verdict(clock.now()) is not None  # refused on the course clock, as the lesson says


@pytest.mark.parametrize("form", ["date", "datetime naive", "datetime aware", "not before", "not after",
                                  "first day", "last day", "ISO with Z", "ISO with offset", "numpy day",
                                  "numpy moment", "bytes", "quoted", "course utc", "middle", "with UTC",
                                  "str of a datetime", "in a list"])
def test_l00_q2_right_answers_in_other_forms(form, q2_cert):
    start, end = q2_cert.not_valid_before_utc, q2_cert.not_valid_after_utc
    answers = {
        "date": datetime.date(2026, 1, 15), "datetime naive": datetime.datetime(2025, 12, 1, 8, 30),
        "datetime aware": datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC), "not before": start,
        "not after": end, "first day": str(start.date()), "last day": str(end.date()),
        "ISO with Z": "2026-03-01T23:00:00Z", "ISO with offset": "2026-03-02 01:00+02:00",
        "numpy day": np.datetime64("2026-01-15"), "numpy moment": np.datetime64("2026-01-15T10:00:00.000000000"),
        "bytes": b"2026-01-15", "quoted": " '2026-01-15' ", "course utc": clock.utc(2026, 4, 1),
        "middle": start + (end - start) / 2, "with UTC": "2026-01-15 08:00 UTC",
        "str of a datetime": str(start + datetime.timedelta(days=3)), "in a list": ["2026-01-15"],
    }
    _right(lesson00.q2, answers[form])


@pytest.mark.parametrize("mistake, words", [
    ("the course clock", ["refuses it", "cert is not valid at validation time", "course clock's own day"]),
    ("the course clock as text", ["course clock's own day"]),
    ("the day after", ["refuses it", "12:00 UTC"]),
    ("the day before", ["refuses it"]),
    ("a second late", ["refuses it"]),
    ("a second early", ["refuses it"]),
    ("the issuing CA's first day", ["refuses it"]),
    ("the far future", ["refuses it"]),
    ("the year 1", ["refuses it"]),
    ("the real clock", ["refuses it"]),
])
def test_l00_q2_wrong_dates_run_the_verifier(mistake, words, q2_cert):
    start, end = q2_cert.not_valid_before_utc, q2_cert.not_valid_after_utc
    answers = {
        "the course clock": clock.now(), "the course clock as text": "2026-09-01",
        "the day after": str((end + datetime.timedelta(days=1)).date()),
        "the day before": (start - datetime.timedelta(days=1)).date(),
        "a second late": end + datetime.timedelta(seconds=1),
        "a second early": start - datetime.timedelta(seconds=1),
        "the issuing CA's first day": course_pki().intermediate.cert.not_valid_before_utc.date(),
        "the far future": "9999-12-31", "the year 1": "0001-01-01",
        "the real clock": datetime.datetime.now(datetime.UTC),
    }
    feedback = _wrong(lesson00.q2, answers[mistake], *words)
    _says_nothing_of(feedback, str(start.date()), str(end.date()), "before its", "after its", "too early",
                     "too late", "expired")


def test_l00_q2_feedback_gives_no_direction(q2_cert):
    """Too early and too late get the same words, so a learner cannot bisect to the window."""
    start, end = q2_cert.not_valid_before_utc, q2_cert.not_valid_after_utc
    said = {_wrong(lesson00.q2, day.date()).replace(str(day.date()), "DAY")
            for day in (start - datetime.timedelta(days=40), start - datetime.timedelta(days=1),
                        end + datetime.timedelta(days=1), end + datetime.timedelta(days=90))}
    assert len(said) == 1, said


def test_l00_q2_the_real_date_is_named():
    feedback = lesson00.q2.feedback(datetime.date.today())
    if datetime.date.today() != clock.now().date():
        assert "your computer's date" in feedback


@pytest.mark.parametrize("answer, words", [
    ("2026/01/15", ["YYYY-MM-DD"]), ("15 January 2026", ["YYYY-MM-DD"]), ("2026-02-30", ["not a real date"]),
    ("2026-1-5", ["YYYY-MM-DD"]), ("yesterday", ["YYYY-MM-DD"]), (20260115, ["an int", "not a date"]),
    ((2026, 1, 15), ["3 values", "one date"]), (np.datetime64("NaT"), ["YYYY-MM-DD"]),
    (("2025-11-01", "2026-03-01"), ["2 values"]), ("0001-01-01T00:00+01:00", ["ends of the calendar"]),
    ("2026-01-15T25:00", ["not a real date"]), ("UTC", ["YYYY-MM-DD"]),
])
def test_l00_q2_unreadable_dates_say_how_to_write_one(answer, words):
    feedback = lesson00.q2.feedback(answer)
    assert feedback.startswith("✗ q2: that answer could not be checked."), feedback
    for word in words:
        assert word in feedback, (word, feedback)


@pytest.mark.parametrize("answer", NONSENSE + (HUGE, True, 2.5, [], ["2026-01-15", "2026-01-16"]), ids=_short)
def test_l00_q2_nonsense(answer, q2_cert):
    feedback = lesson00.q2.feedback(answer)
    assert feedback.startswith("✗ q2:") and len(feedback) < 400, feedback
    _says_nothing_of(feedback, str(q2_cert.not_valid_before_utc.date()), str(q2_cert.not_valid_after_utc.date()))


# --- lesson 01 q1: which field names the host -------------------------------------------------------

@pytest.mark.parametrize("answer", ["B", "b", "'B'", "SAN", "san", "Subject Alternative Name",
                                    "subject alternative  name", "subjectAltName",
                                    "Extension: Subject Alternative Name", "B) Subject Alternative Name"])
def test_l01_q1_right_answers_in_every_form(answer):
    _right(lesson01.q1, answer)


@pytest.mark.parametrize("answer, words", [
    ("A", ["A (Subject common name)", "RFC 9525"]),
    ("CN", ["RFC 9525", "common name"]),
    ("Subject", ["RFC 9525"]),
    ("C", ["C (Issuer)", "who signed"]),
    ("issuer", ["who signed"]),
    ("D", ["D (Serial number)", "revocation"]),
    ("serial number", ["revocation"]),
    ("Subject Key Identifier", ["identifies the certificate's key"]),
    ("Public key", ["private key"]),
])
def test_l01_q1_wrong_answers_explain_the_flaw(answer, words):
    feedback = _wrong(lesson01.q1, answer, *words)
    _says_nothing_of(feedback, "'B'", "B (")


@pytest.mark.parametrize("answer", NONSENSE, ids=_short)
def test_l01_q1_nonsense_reveals_nothing(answer):
    assert "Answer with one of A, B, C, D, as a string." in _wrong(lesson01.q1, answer)


# --- lesson 01 q2: the RSA leaf's SPKI length -------------------------------------------------------

@pytest.fixture(scope="module")
def rsa_span(pki):
    return spki_span(pki.rsa_leaf.cert)


def test_l01_q2_reference_solution(pki, rsa_span):
    start, end = rsa_span
    assert end - start == 294
    _right(lesson01.q2, end - start)


@pytest.mark.parametrize("form", ["numpy int64", "numpy int32", "numpy uint16", "whole float", "numpy float",
                                  "from arange", "len of the bytes", "len of spki_der", "from a numpy sum"])
def test_l01_q2_right_answers_in_other_forms(form, pki, rsa_span):
    start, end = rsa_span
    der = pki.rsa_leaf.cert.public_bytes(serialization.Encoding.DER)
    answers = {
        "numpy int64": np.int64(end - start), "numpy int32": np.int32(end - start),
        "numpy uint16": np.uint16(end - start), "whole float": float(end - start),
        "numpy float": np.float64(end - start), "from arange": np.arange(1000)[end - start],
        "len of the bytes": len(der[start:end]), "len of spki_der": len(spki_der(pki.rsa_leaf.cert)),
        "from a numpy sum": np.sum(np.ones(end - start, dtype=np.int64)),
    }
    _right(lesson01.q2, answers[form])


@pytest.mark.parametrize("mistake, words", [
    ("the EC SPKI", ["EC P-256", "rsa_leaf"]),
    ("the modulus", ["modulus on its own"]),
    ("bits", ["in bits"]),
    ("RSAPublicKey", ["RSAPublicKey", "BIT STRING"]),
    ("whole certificate", ["whole certificate"]),
    ("tbsCertificate", ["tbsCertificate"]),
    ("PEM of the key", ["PEM text"]),
    ("the digest", ["SHA-256 digest"]),
    ("the base64 pin", ["base64"]),
    ("start offset", ["where the SPKI starts"]),
    ("end offset", ["where the SPKI ends"]),
    ("inclusive row", ["both included"]),
    ("as text", ["without quotes"]),
    ("the SPKI bytes", ["len("]),
    ("the span", ["span"]),
    ("negative", ["positive"]),
    ("a guess", ["300 bytes is not the length"]),
    ("half a byte", ["float"]),
    ("True", ["bool"]),
])
def test_l01_q2_wrong_answers_say_what_they_measured(mistake, words, pki, rsa_span):
    cert = pki.rsa_leaf.cert
    start, end = rsa_span
    key = cert.public_key()
    answers = {
        "the EC SPKI": len(spki_der(pki.leaf.cert)),
        "the modulus": key.key_size // 8,
        "bits": key.key_size,
        "RSAPublicKey": len(key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)),
        "whole certificate": len(cert.public_bytes(serialization.Encoding.DER)),
        "tbsCertificate": len(cert.tbs_certificate_bytes),
        "PEM of the key": len(key.public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)),
        "the digest": len(hashlib.sha256(spki_der(cert)).digest()),
        "the base64 pin": len(spki_pin(cert)),
        "start offset": start,
        "end offset": end,
        "inclusive row": end - 1 - start,
        "as text": str(end - start),
        "the SPKI bytes": cert.public_bytes(serialization.Encoding.DER)[start:end],
        "the span": (start, end),
        "negative": -5,
        "a guess": 300,
        "half a byte": end - start + 0.5,
        "True": True,
    }
    feedback = _wrong(lesson01.q2, answers[mistake], *words)
    _says_nothing_of(feedback, str(end - start))


def test_l01_q2_the_inclusive_row_is_what_the_lesson_prints(pki, rsa_span):
    start, end = rsa_span
    assert anatomy(pki.rsa_leaf.cert)["SPKI in DER"].startswith(f"bytes {start}..{end - 1} ")


def test_l01_q2_feedback_gives_no_direction(rsa_span):
    """Wrong numbers near the answer get the same words, so bisection learns nothing."""
    start, end = rsa_span
    right = end - start
    far = {_wrong(lesson01.q2, n).replace(str(n), "N") for n in (right - 7, right + 3, right + 9, right - 40)}
    assert len(far) == 1, far


@pytest.mark.parametrize("answer", NONSENSE + (HUGE, -(10**50)), ids=_short)
def test_l01_q2_nonsense(answer):
    _wrong(lesson01.q2, answer)


# --- lesson 01 q3: who signed the mystery -----------------------------------------------------------

def test_l01_q3_the_mystery_does_not_name_its_signer(pki):
    mystery = lesson01.mystery()
    assert mystery is lesson01.mystery()  # the same certificate on every call
    assert mystery not in {issued.cert for issued in vars(pki).values() if hasattr(issued, "cert")}
    assert mystery.issuer == pki.intermediate2.cert.subject
    mystery.verify_directly_issued_by(pki.intermediate2.cert)


@pytest.mark.parametrize("form", ["reference", "the CA object", "its public key", "its key pair", "attribute name",
                                  "attribute path", "CN", "CN=", "Issuer row", "name", "short CN"])
def test_l01_q3_right_answers_in_every_form(form, pki):
    ca = pki.intermediate2
    answers = {
        "reference": ca.cert, "the CA object": ca, "its public key": ca.cert.public_key(),
        "its key pair": ca.key, "attribute name": "intermediate2",
        "attribute path": "pki.course_pki().intermediate2.cert", "CN": "YourApp Issuing CA 2",
        "CN=": "CN=YourApp Issuing CA 2", "Issuer row": anatomy(lesson01.mystery())["Issuer"],
        "name": "yourapp-intermediate-2", "short CN": "issuing ca 2",
    }
    _right(lesson01.q3, answers[form])


@pytest.mark.parametrize("mistake, words", [
    ("the root", ["YourApp Root CA", "does not verify"]),
    ("the first intermediate", ["YourApp Issuing CA 1", "does not verify"]),
    ("by name", ["YourApp Issuing CA 1", "does not verify"]),
    ("the cross-signed intermediate", ["does not verify"]),
    ("another public CA", ["Other Public", "does not verify"]),
    ("the mystery itself", ["mystery certificate itself", "not self-signed"]),
    ("the leaf beside it", ["is a leaf", "CA:FALSE"]),
    ("its subject", ["is a leaf"]),
    ("the root's key", ["does not verify"]),
    ("a made-up name", ["names no certificate"]),
    ("a number", ["certificate object"]),
])
def test_l01_q3_wrong_answers_say_what_their_key_does(mistake, words, pki):
    answers = {
        "the root": pki.root.cert, "the first intermediate": pki.intermediate.cert,
        "by name": "intermediate", "the cross-signed intermediate": pki.intermediate_cross_signed.cert,
        "another public CA": pki.other_ca, "the mystery itself": lesson01.mystery(),
        "the leaf beside it": pki.leaf_via_intermediate2, "its subject": "api.yourapp.com",
        "the root's key": pki.root.cert.public_key(), "a made-up name": "Issuing CA 3", "a number": 2,
    }
    feedback = _wrong(lesson01.q3, answers[mistake], *words)
    _says_nothing_of(feedback, "Issuing CA 2", "intermediate2")


@pytest.mark.parametrize("answer", NONSENSE, ids=_short)
def test_l01_q3_nonsense(answer):
    _says_nothing_of(_wrong(lesson01.q3, answer), "Issuing CA 2", "intermediate2")


# --- lesson 02 q1: roots that expire before ISRG Root X1 --------------------------------------------

@pytest.fixture(scope="module")
def roots():
    return load_roots()


@pytest.fixture(scope="module")
def x1():
    return find_root("ISRG Root X1")


def test_l02_q1_reference_solution(roots, x1):
    _right(lesson02.q1, sum(r.not_valid_after_utc < x1.not_valid_after_utc for r in roots))


@pytest.mark.parametrize("form", ["len of a list", "numpy sum", "count_nonzero", "float", "numpy int32",
                                  "by dates alone", "filter"])
def test_l02_q1_right_answers_in_other_forms(form, roots, x1):
    deadline = x1.not_valid_after_utc
    flags = np.array([r.not_valid_after_utc < deadline for r in roots])
    answers = {
        "len of a list": len([r for r in roots if r.not_valid_after_utc < deadline]),
        "numpy sum": flags.sum(), "count_nonzero": np.count_nonzero(flags),
        "float": float(flags.sum()), "numpy int32": np.int32(flags.sum()),
        "by dates alone": sum(r.not_valid_after_utc.date() < deadline.date() for r in roots),
        "filter": len(list(filter(lambda r: r.not_valid_after_utc < deadline, roots))),
    }
    if form == "by dates alone" and answers[form] != flags.sum():
        pytest.skip("this bundle has a root that expires on X1's day, earlier in it")
    _right(lesson02.q1, answers[form])


@pytest.mark.parametrize("mistake, words", [
    ("<= counts X1 itself", ["ISRG Root X1 itself"]),
    ("after", ["expire after ISRG Root X1"]),
    ("not before", ["do not expire before"]),
    ("every root", ["every root"]),
    ("the year", ["is the year"]),
    ("years only", ["full not_valid_after_utc"]),
    ("start dates", ["not_valid_before_utc"]),
    ("X2 instead", ["ISRG Root X2"]),
    ("the list itself", ["collection of certificates", "right roots"]),
    ("as text", ["without quotes"]),
    ("negative", ["cannot be negative"]),
    ("nothing expires", ["not the number this bundle gives"]),
])
def test_l02_q1_wrong_answers_say_what_they_counted(mistake, words, roots, x1):
    deadline, counts = x1.not_valid_after_utc, lesson02._expiry_counts()
    right = counts["before"]
    answers = {
        "<= counts X1 itself": sum(r.not_valid_after_utc <= deadline for r in roots),
        "after": sum(r.not_valid_after_utc > deadline for r in roots),
        "not before": sum(not r.not_valid_after_utc < deadline for r in roots),
        "every root": len(roots),
        "the year": deadline.year,
        "years only": sum(r.not_valid_after_utc.year < deadline.year for r in roots),
        "start dates": sum(r.not_valid_before_utc < x1.not_valid_before_utc for r in roots),
        "X2 instead": sum(r.not_valid_after_utc < find_root("ISRG Root X2").not_valid_after_utc for r in roots),
        "the list itself": [r for r in roots if r.not_valid_after_utc < deadline],
        "as text": str(right),
        "negative": -right,
        "nothing expires": 0,
    }
    if answers[mistake] == right:
        pytest.skip("in this bundle the mistake gives the right number")
    _wrong(lesson02.q1, answers[mistake], *words)


def test_l02_q1_mistakes_never_include_the_right_count():
    counts = lesson02._expiry_counts()
    assert counts["before"] not in lesson02._count_mistakes(counts)


@pytest.mark.parametrize("answer", NONSENSE + (2.5, True, HUGE), ids=_short)
def test_l02_q1_nonsense(answer):
    _says_nothing_of(_wrong(lesson02.q1, answer), f" {lesson02._expiry_counts()['before']} ")


# --- lesson 02 q2: whose key does an app pin? -------------------------------------------------------

@pytest.fixture(scope="module")
def pinned():
    return next(r for r in load_roots() if spki_pin(r) == lesson02.MYSTERY_PIN)


def test_l02_q2_the_pin_is_a_root_in_the_store_and_the_cell_above_does_not_print_it(pinned):
    assert anatomy(pinned)["Subject"].endswith("CN=DigiCert Global Root G2")
    assert spki_pin(pinned) != spki_pin(find_root("ISRG Root X1"))   # the cell above q2 prints X1's pin


def test_l02_q2_reference_solution(roots, pinned):
    _right(lesson02.q2, next(r for r in roots if spki_pin(r) == lesson02.MYSTERY_PIN))


@pytest.mark.parametrize("form", ["common name", "lower case", "extra spaces", "quoted", "CN=", "whole subject",
                                  "unique part", "one-item list", "bytes", "list comprehension"])
def test_l02_q2_right_answers_in_every_form(form, roots, pinned):
    from helpers.pem import short_name

    answers = {
        "common name": "DigiCert Global Root G2", "lower case": "digicert global root g2",
        "extra spaces": "  DigiCert  Global Root G2 \n", "quoted": "'DigiCert Global Root G2'",
        "CN=": "CN=DigiCert Global Root G2", "whole subject": pinned.subject.rfc4514_string(),
        "unique part": "Global Root G2", "one-item list": [pinned], "bytes": b"DigiCert Global Root G2",
        "list comprehension": [short_name(r) for r in roots if spki_pin(r) == lesson02.MYSTERY_PIN],
    }
    _right(lesson02.q2, answers[form])


@pytest.mark.parametrize("mistake, words", [
    ("ISRG Root X1, printed above", ["different pin"]),
    ("ISRG Root X2", ["different pin"]),
    ("a DigiCert sibling", ["same owner", "key of its own"]),
    ("a DigiCert sibling object", ["same owner"]),
    ("the owner's name", ["names an owner"]),
    ("the O= spelling", ["names an owner"]),
    ("the pin itself", ["That is a pin"]),
    ("the pin with prefix", ["That is a pin"]),
    ("a Pin object", ["That is a pin"]),
    ("the course root", ["course's own root"]),
    ("a course leaf", ["not a root in your store"]),
    ("a name not in the store", ["No root in your store"]),
])
def test_l02_q2_wrong_answers_say_what_the_answer_is(mistake, words, roots, pinned, pki):
    answers = {
        "ISRG Root X1, printed above": "ISRG Root X1", "ISRG Root X2": find_root("ISRG Root X2"),
        "a DigiCert sibling": "DigiCert Global Root G3",
        "a DigiCert sibling object": find_root("QuoVadis Root CA 2 G3"),
        "the owner's name": "DigiCert", "the O= spelling": "DigiCert Inc",
        "the pin itself": lesson02.MYSTERY_PIN, "the pin with prefix": "sha256/" + lesson02.MYSTERY_PIN,
        "a Pin object": Pin.of_spki(pinned), "the course root": pki.root.cert, "a course leaf": pki.leaf,
        "a name not in the store": "Symantec Class 3 Root",
    }
    _says_nothing_of(_wrong(lesson02.q2, answers[mistake], *words), "DigiCert Global Root G2", "G2")


def test_l02_q2_feedback_is_the_same_kind_for_every_other_root(roots, pinned):
    """No reply narrows the search: every other root gets 'a different pin', never a hint of direction."""
    from helpers.pem import short_name

    for root in roots[:40]:
        if root == pinned:
            continue
        feedback = lesson02.q2.feedback(root)
        assert "different pin" in feedback and "G2" not in feedback.replace(short_name(root), ""), feedback


@pytest.mark.parametrize("answer", NONSENSE + (b"x" * 2_000_000, 42, None.__class__, [], ["a", "b"]), ids=_short)
def test_l02_q2_nonsense(answer):
    feedback = lesson02.q2.feedback(answer)
    assert feedback.startswith("✗ q2:") and len(feedback) < 400, feedback
    _says_nothing_of(feedback, "DigiCert Global Root G2")


# --- lesson 02 q3: a leaked intermediate key --------------------------------------------------------

@pytest.mark.parametrize("answer", ["D", "d", " 'D' ", "(D)", "option d", "D.", lesson02._Q3_D,
                                    "B and wait until the old intermediate expires", "B and ship a blocklist",
                                    f"D: {lesson02._Q3_D}"])
def test_l02_q3_right_answers_in_every_form(answer):
    _right(lesson02.q3, answer)


@pytest.mark.parametrize("answer, words", [
    ("A", ["A (replace the root", "years"]),
    ("replace the root in every device's trust store", ["did not leak"]),
    ("B", ["B (issue a replacement", "still valid", "any name"]),           # the lesson's cell 13, alone
    ("issue a replacement intermediate", ["clean key", "still valid"]),
    ("C", ["C (do nothing)", "chain to the"]),
    ("do nothing", ["any name"]),
    ("revoke the intermediate", ["checks no revocation"]),                    # revoking alone: cell 15
    ("revoke the root", ["root's key did not leak"]),
    ("re-issue the leaves", ["change nothing"]),
    ("rotate the leaf keys", ["leaves' keys did not leak"]),
    ("A and B", ["is not one of the options"]),
])
def test_l02_q3_wrong_answers_explain_the_flaw(answer, words):
    _says_nothing_of(_wrong(lesson02.q3, answer, *words), "'D'", "D (", "blocklist", "expires")


@pytest.mark.parametrize("answer", NONSENSE, ids=_short)
def test_l02_q3_nonsense(answer):
    assert "Answer with one of A, B, C, D, as a string." in _wrong(lesson02.q3, answer)


# --- every question: not attempted, hints and solutions ---------------------------------------------

QUESTIONS = [lesson00.q1, lesson00.q2, lesson01.q1, lesson01.q2, lesson01.q3, lesson02.q1, lesson02.q2, lesson02.q3]
IDS = ["l00.q1", "l00.q2", "l01.q1", "l01.q2", "l01.q3", "l02.q1", "l02.q2", "l02.q3"]


@pytest.mark.parametrize("question", QUESTIONS, ids=IDS)
def test_not_attempted_hints_and_solution(question, capsys):
    assert "not attempted yet" in question.feedback(...)
    assert "not attempted yet" in question.feedback(None)
    question.hint()
    question.hint("x")
    question.hint(99)
    question.solution()
    out = capsys.readouterr().out
    assert out.count("Hint ") == 3 and f"Solution to {question.name}:" in out and "Traceback" not in out
