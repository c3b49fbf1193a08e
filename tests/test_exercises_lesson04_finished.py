"""Lesson 04, exercise 2: compute the client's Finished for ``ex.recorded()``.

The checker recomputes the MAC from the recorded handshake's own messages and key log. The table
holds the reference solution, the MAC in the other forms a learner might hand in, the mistakes the
lesson's server-Finished cell invites (each with the words its feedback must contain), and nonsense.
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pytest
from cryptography.hazmat.primitives import hashes

from helpers.exercises import lesson04 as ex
from helpers.tls.handshake import run_handshake
from helpers.tls.keyschedule import hkdf_expand_label

REC = ex.recorded()
HASH = REC.suite.hash
CLIENT, SERVER = REC.secrets["CLIENT_HANDSHAKE_TRAFFIC_SECRET"], REC.secrets["SERVER_HANDSHAKE_TRAFFIC_SECRET"]


def _mac(secret: bytes, messages, *, derive=True, hash_cls=HASH) -> bytes:
    transcript = hashlib.new(hash_cls.name, b"".join(m.raw for m in messages)).digest()
    key = hkdf_expand_label(secret, "finished", b"", hash_cls.digest_size, hash_cls) if derive else secret
    return hmac.new(key, transcript, hash_cls.name).digest()


RIGHT = _mac(CLIENT, REC.messages)
OTHER = hashes.SHA256 if HASH.name == "sha384" else hashes.SHA384      # the wrong one of TLS 1.3's two hashes


def _right(answer):
    feedback = ex.q2.feedback(answer)
    assert feedback.startswith("✓ q2: correct."), feedback


def _wrong(answer, words=""):
    feedback = ex.q2.feedback(answer)
    assert feedback.startswith("✗ q2: not yet."), feedback
    assert words in feedback, feedback
    assert "\n" not in feedback and len(feedback) < 600, feedback
    assert RIGHT.hex()[:16] not in feedback                        # never the answer, not even a prefix
    return feedback


def test_the_recorded_handshake_stops_before_the_client_flight():
    assert [m.name for m in REC.messages] == ["ClientHello", "ServerHello", "EncryptedExtensions",
                                             "Certificate", "CertificateVerify", "Finished"]
    assert REC.find("Finished", "client") is None and len(REC.flights) == 2
    assert ex.recorded() is REC                                    # the same connection for the whole session


def test_reference_solution():
    names = {"recorded": REC, "hashlib": hashlib, "hmac": hmac, "hkdf_expand_label": hkdf_expand_label}
    exec(ex.q2.answer, names)                                      # noqa: S102 - our own solution text
    _right(names["answer"])


@pytest.mark.parametrize("answer", [
    RIGHT,
    bytearray(RIGHT),
    memoryview(RIGHT),
    RIGHT.hex(),
    RIGHT.hex().upper(),
    "0x" + RIGHT.hex(),
    RIGHT.hex(":"),
    RIGHT.hex(" "),
    list(RIGHT),
    np.frombuffer(RIGHT, dtype=np.uint8),
    hmac.new(hkdf_expand_label(CLIENT, "finished", b"", HASH.digest_size, HASH),
             hashlib.new(HASH.name, b"".join(m.raw for m in REC.messages)).digest(), HASH.name),   # not .digest()
])
def test_right_answers_in_other_forms(answer):
    _right(answer)


@pytest.mark.parametrize("answer, words", [
    (REC.find("Finished", "server").body, "server's Finished"),                 # copied from the capture
    (_mac(SERVER, REC.messages[:5]), "server's Finished"),                      # the lesson's cell, unchanged
    (_mac(SERVER, REC.messages), "keyed from the server's handshake secret"),
    (_mac(CLIENT, REC.messages[:5]), "stops before the server's Finished"),
    (_mac(CLIENT, REC.messages, derive=False), "keyed with the traffic secret itself"),
    (_mac(CLIENT, REC.messages, hash_cls=OTHER), f"uses {OTHER.name.upper()}"),
    (hashlib.new(HASH.name, b"".join(m.raw for m in REC.messages)).digest(), "transcript hash, not a MAC"),
    (CLIENT, "traffic secret itself"),
    (_mac(CLIENT, REC.messages)[:20], "20 bytes"),
    (b"\x00" * HASH.digest_size, "not a MAC that this handshake"),
])
def test_misconceptions_say_what_the_answer_does(answer, words):
    _wrong(answer, words)


def test_the_lesson_handshake_is_another_connection():
    """A learner who computes the right MAC on the lesson's hs gets told which handshake to use."""
    hs = run_handshake(request=False)
    feedback = _wrong(hs.find("Finished", "client").body, "another connection")
    assert "recorded" in feedback


@pytest.mark.parametrize("answer, words", [
    ("?", "not hex"), ("zz", "not hex"), ("x" * 2_000_000, "not hex"), (3, "an int"), (3.5, "a float"),
    (object(), "an object"), ({"mac": RIGHT}, "a dict"), ([300, 1], "a list"), (True, "a bool"),
])
def test_nonsense_is_uncheckable_and_short(answer, words):
    feedback = ex.q2.feedback(answer)
    assert feedback.startswith("✗ q2: that answer could not be checked."), feedback
    assert words in feedback and "\n" not in feedback and len(feedback) < 300, feedback


@pytest.mark.parametrize("answer", [..., None, b"", "", "  "])
def test_placeholders_are_not_attempted(answer):
    assert ex.q2.feedback(answer).startswith("q2: not attempted"), answer


def test_hint_and_solution(capsys):
    for argument in ((), (1,), (2,), ("x",), (99,), (None,)):
        ex.q2.hint(*argument)
        assert capsys.readouterr().out.startswith("Hint ")
    ex.q2.solution()
    out = capsys.readouterr().out
    assert out.startswith("Solution to q2: ") and "CLIENT_HANDSHAKE_TRAFFIC_SECRET" in out
    ex.q2.solution("please")
    assert "takes no arguments" in capsys.readouterr().out
