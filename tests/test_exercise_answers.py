"""Answers a learner plausibly types, across lessons: numbers in any numeric type, questions that
never reveal their answer, hints that never crash, and lesson 06's pin set checked against the
attacks it exists to stop. (Part of issue 17; the per-lesson tables come with the truth pass.)"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.exercises import (
    Question,
    echo,
    lesson00,
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
    lesson07,
    lesson08,
    lesson09,
    lesson10,
    whole_number,
)
from helpers.pinning.pins import Pin, PinSet, spki_pin
from helpers.pinning.renewal import strategies
from helpers.pinning.strategy import Strategy
from helpers.pki import course_pki

LESSONS = (lesson00, lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07, lesson08, lesson09,
           lesson10)
QUESTIONS = [q for module in LESSONS for q in vars(module).values() if isinstance(q, Question)]
IDS = [f"{module.__name__[-8:]}.{name}" for module in LESSONS for name, q in vars(module).items()
       if isinstance(q, Question)]


@pytest.mark.parametrize("value, expected", [
    (294, 294), (np.int64(294), 294), (np.int32(7), 7), (294.0, 294), (np.float64(3.0), 3),
    (True, None), (2.5, None), ("294", None), (None, None), (np.arange(3)[1], 1),
])
def test_whole_number_takes_every_integral_type_and_nothing_else(value, expected):
    assert whole_number(value) == expected


def test_echo_is_one_short_line():
    shown = echo("x" * 2_000_000 + "\n" + "y")
    assert len(shown) <= 60 and "\n" not in shown


@pytest.mark.parametrize("question", QUESTIONS, ids=IDS)
def test_hint_and_solution_never_crash(question, capsys):
    for n in ("x", None, -5, 10**9, 2.7, [1]):
        question.hint(n)
    question.solution()
    assert capsys.readouterr().out.count("Hint") == 6


@pytest.mark.parametrize("question", QUESTIONS, ids=IDS)
def test_nonsense_reveals_no_answer(question):
    """'?', '' and an unknown letter get a nudge, never the answer (choice() used to put it last)."""
    for nonsense in ("?", "", "Z", "zz"):
        feedback = question.feedback(nonsense)
        assert feedback.startswith(("✗", f"{question.name}: not attempted")), feedback
    options = question.feedback("?")
    if "Answer with one of " in options:  # multiple choice: the letters in their own order
        letters = options.split("Answer with one of ")[1].split(", as a string")[0].split(", ")
        assert letters == sorted(letters), options


def test_numbers_from_numpy_are_right_answers():
    from helpers.anatomy import spki_span

    start, end = spki_span(course_pki().rsa_leaf.cert)
    assert lesson01.q2.feedback(np.int64(end - start)).startswith("✓")
    before = lesson02._expiry_counts()["before"]
    assert lesson02.q1.feedback(np.int64(before)).startswith("✓")
    assert lesson02.q1.feedback(float(before)).startswith("✓")
    assert lesson07.q3.feedback(np.int64(65)).startswith("✓")
    assert lesson07.q3.feedback(True).startswith("✗")


@pytest.fixture(scope="module")
def pins():
    pki = course_pki()
    return {"leaf": spki_pin(pki.leaf.cert), "backup": Pin.of_spki(pki.backup_key.public_key()).base64,
            "rogue CA": spki_pin(pki.rogue_ca.cert), "corporate CA": spki_pin(pki.corporate_ca.cert),
            "government root": spki_pin(pki.government_root.cert),
            "intermediate 2": spki_pin(pki.intermediate2.cert), "root": spki_pin(pki.root.cert),
            "rekeyed": spki_pin(pki.leaf_rekeyed.cert)}


@pytest.mark.parametrize("extra, words", [
    ("rogue CA", "Compromised Public Root CA, a CA"),
    ("corporate CA", "a CA"),
    ("government root", "a CA"),
    ("intermediate 2", "YourApp Issuing CA 2, a CA"),
    ("root", "YourApp Root CA, a CA"),
])
def test_lesson06_q2_refuses_pin_sets_that_trust_a_ca(pins, extra, words):
    feedback = lesson06.q2.feedback([pins["leaf"], pins["backup"], pins[extra]])
    assert feedback.startswith("✗") and words in feedback, feedback


@pytest.mark.parametrize("answer", ["list", "PinSet", "strategy", "Pin objects", "plus the rekeyed key"])
def test_lesson06_q2_accepts_the_right_pin_set_in_every_form(pins, answer):
    forms = {
        "list": [pins["leaf"], pins["backup"]],
        "PinSet": PinSet(pins=(pins["leaf"],), backup_pins=(pins["backup"],)),
        "strategy": strategies()[Strategy.LEAF_SPKI_BACKUP],
        "Pin objects": [Pin.of_spki(course_pki().leaf.cert), Pin.of_spki(course_pki().backup_key.public_key())],
        "plus the rekeyed key": [pins["leaf"], pins["backup"], pins["rekeyed"]],
    }
    assert lesson06.q2.feedback(forms[answer]).startswith("✓"), answer


def test_lesson06_q2_runs_the_attacks_themselves(pins):
    """A pin set that survives the changes but matches what an attacker serves names that attack."""
    leak = lesson06._attack_that_reads_the_token(PinSet(pins=(pins["leaf"], pins["rogue CA"])))
    assert leak == "A compromised public CA (the DigiNotar pattern)"
    assert lesson06._attack_that_reads_the_token(PinSet(pins=(pins["leaf"], pins["backup"]))) is None
