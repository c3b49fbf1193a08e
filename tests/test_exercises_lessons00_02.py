"""Lessons 00 to 02's exercises, with the answers a learner would plausibly type, right and wrong.

Each table holds the reference solution, right answers in other forms, the lesson's misconceptions
(each with the words its feedback must contain), and nonsense. The checkers compute their verdicts
from the course's own objects (the request-path figure, the RSA leaf, the root store), so the
tables compute their answers the same way.
"""

from __future__ import annotations

import base64
import hashlib

import numpy as np
import pytest
from cryptography.hazmat.primitives import serialization

from helpers.anatomy import anatomy, spki_span
from helpers.exercises import Question, lesson00, lesson01, lesson02
from helpers.pinning.pins import Pin, cert_pin, spki_der, spki_pin
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


# --- lesson 00 q1: where trust is decided -----------------------------------------------------------

@pytest.mark.parametrize("answer", ["C", "c", " C ", "'C'", "(c)", "C) TLS validation", "C: TLS validation",
                                    "TLS validation", "tls  VALIDATION", "TLS:\nvalidation", "option C",
                                    "validation", b"C"])
def test_l00_q1_right_answers_in_every_form(answer):
    _right(lesson00.q1, answer)


@pytest.mark.parametrize("answer, words", [
    ("A", ["A (DNS)", "name into an address"]),
    ("dns", ["A (DNS)", "who answers"]),
    ("B", ["B (TCP)", "anyone can accept"]),
    ("TCP connect", ["B (TCP)"]),
    ("TLS: certificate", ["only sends its chain"]),
    ("Pin check", ["after another step", "not one of the three"]),
    ("TLS: hello + key agreement", ["shared secret"]),
    ("TLS", ["several boxes"]),
    ("A or C", ["is not one of the options"]),
    ("C (DNS)", ["is not one of the options"]),
    ("AC", ["is not one of the options"]),
])
def test_l00_q1_wrong_answers_say_what_is_wrong_and_never_the_answer(answer, words):
    _says_nothing_of(_wrong(lesson00.q1, answer, *words), "'C'", "C (TLS", "validation")


@pytest.mark.parametrize("answer", NONSENSE + (3, ["C"], True), ids=_short)
def test_l00_q1_nonsense_lists_the_options_in_order(answer):
    feedback = _wrong(lesson00.q1, answer)
    assert "Answer with one of A, B, C, as a string." in feedback


def test_l00_q1_reads_its_options_off_the_figure():
    from helpers.plots.overview import STEPS

    validation = next(step for step, detail, _ in STEPS if "trusted" in detail)
    _right(lesson00.q1, validation)


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


# --- lesson 02 q2: ISRG Root X2's SPKI pin ----------------------------------------------------------

@pytest.fixture(scope="module")
def x2():
    return find_root("ISRG Root X2")


def test_l02_q2_reference_solution(x2):
    _right(lesson02.q2, spki_pin(x2))


@pytest.mark.parametrize("form", ["okhttp", "hpkp", "android", "ios", "a Pin", "digest bytes", "base64 bytes",
                                  "with a newline", "with quotes", "openssl output", "hpkp with semicolon"])
def test_l02_q2_right_answers_in_every_format(form, x2):
    pin = Pin.of_spki(x2)
    answers = {
        "okhttp": pin.format("okhttp"), "hpkp": pin.format("hpkp"), "android": pin.format("android"),
        "ios": pin.format("ios"), "a Pin": pin, "digest bytes": pin.digest,
        "base64 bytes": pin.base64.encode(), "with a newline": pin.base64 + "\n",
        "with quotes": f"'{pin.base64}'",
        "openssl output": base64.b64encode(hashlib.sha256(spki_der(x2)).digest()).decode() + "\n",
        "hpkp with semicolon": pin.format("hpkp") + ";",
    }
    _right(lesson02.q2, answers[form])


@pytest.mark.parametrize("mistake, words", [
    ("certificate pin", ["certificate pin"]),
    ("certificate Pin object", ["certificate pin"]),
    ("X1's pin", ["X1's pin"]),
    ("another root", ["another root in your store"]),
    ("the course root", ["course's own root"]),
    ("a course leaf", ["matches no root"]),
    ("the bare EC point", ["bare EC point"]),
    ("the key's PEM", ["PEM text"]),
    ("the SPKI unhashed", ["SPKI itself", "SHA-256"]),
    ("hex digest", ["hex", "base64"]),
    ("hex fingerprint", ["fingerprint", "whole certificate"]),
    ("SHA-1", ["SHA-1"]),
    ("sha1/ prefix", ["SHA-1"]),
    ("URL-safe", ["URL-safe"]),
    ("the certificate", ["is a certificate"]),
    ("garbage", ["not a pin"]),
])
def test_l02_q2_wrong_answers_say_what_they_hash(mistake, words, x2, roots, pki):
    point = x2.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    pem = x2.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    other = next(r for r in roots if r != x2 and "ISRG" not in anatomy(r)["Subject"])
    b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
    answers = {
        "certificate pin": cert_pin(x2), "certificate Pin object": Pin.of_cert(x2),
        "X1's pin": spki_pin(find_root("ISRG Root X1")), "another root": "sha256/" + spki_pin(other),
        "the course root": spki_pin(pki.root.cert), "a course leaf": spki_pin(pki.leaf.cert),
        "the bare EC point": b64(hashlib.sha256(point).digest()),
        "the key's PEM": b64(hashlib.sha256(pem).digest()),
        "the SPKI unhashed": b64(spki_der(x2)),
        "hex digest": hashlib.sha256(spki_der(x2)).hexdigest(),
        "hex fingerprint": anatomy(x2)["SHA-256 fingerprint"],
        "SHA-1": b64(hashlib.sha1(spki_der(x2)).digest()),
        "sha1/ prefix": "sha1/" + b64(hashlib.sha1(spki_der(x2)).digest()),
        "URL-safe": base64.urlsafe_b64encode(Pin.of_spki(x2).digest).decode().replace("/", "_"),
        "the certificate": x2,
        "garbage": "deadbeef",
    }
    if mistake == "URL-safe" and not set("-_") & set(answers[mistake]):
        pytest.skip("this pin has no character that URL-safe base64 changes")
    _says_nothing_of(_wrong(lesson02.q2, answers[mistake], *words), spki_pin(x2))


@pytest.mark.parametrize("answer", NONSENSE + (b"x" * 2_000_000, 42, None.__class__), ids=_short)
def test_l02_q2_nonsense(answer, x2):
    _says_nothing_of(_wrong(lesson02.q2, answer), spki_pin(x2))


# --- lesson 02 q3: a leaked intermediate key --------------------------------------------------------

@pytest.mark.parametrize("answer", ["B", "b", " 'B' ", "(B)", "option b", "revoke the intermediate",
                                    "Revoke that intermediate, have the offline root sign a new one, and "
                                    "re-issue its leaves", "B: revoke the intermediate"])
def test_l02_q3_right_answers_in_every_form(answer):
    _right(lesson02.q3, answer)


@pytest.mark.parametrize("answer, words", [
    ("A", ["A (replace the root)", "years"]),
    ("replace the root in every device's trust store", ["did not leak"]),
    ("C", ["C (do nothing)", "chain to the"]),
    ("do nothing", ["any name"]),
    ("revoke the root", ["root's key did not leak"]),
    ("re-issue the leaves", ["change nothing"]),
    ("rotate the leaf keys", ["leaves' keys did not leak"]),
    ("A and B", ["is not one of the options"]),
])
def test_l02_q3_wrong_answers_explain_the_flaw(answer, words):
    _says_nothing_of(_wrong(lesson02.q3, answer, *words), "'B'", "B (", "must be revoked")


@pytest.mark.parametrize("answer", NONSENSE, ids=_short)
def test_l02_q3_nonsense(answer):
    assert "Answer with one of A, B, C, as a string." in _wrong(lesson02.q3, answer)


# --- every question: not attempted, hints and solutions ---------------------------------------------

QUESTIONS = [lesson00.q1, lesson01.q1, lesson01.q2, lesson01.q3, lesson02.q1, lesson02.q2, lesson02.q3]
IDS = ["l00.q1", "l01.q1", "l01.q2", "l01.q3", "l02.q1", "l02.q2", "l02.q3"]


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
