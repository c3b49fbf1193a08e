"""The exercise mechanism: correct, wrong and unattempted answers to a sample question."""

from __future__ import annotations

import pytest

from helpers.exercises import Question, Wrong, choice, expect_equal


@pytest.fixture
def sample() -> Question:
    def checker(answer):
        if not isinstance(answer, int):
            raise Wrong("Answer with a whole number of bytes, like 32.")
        if answer != 32:
            raise Wrong(f"{answer} bytes is not it: SHA-256 has a 256-bit output.")
        return "256 bits are 32 bytes."

    return Question("q1", "How many bytes does SHA-256 output?", checker,
                    hints=("How many bits?", "Divide 256 by 8."), answer="32")


def test_correct_answer(sample, capsys):
    assert sample.check(32) is None
    out = capsys.readouterr().out
    assert out.startswith("✓ q1: correct.") and "32 bytes" in out
    assert sample.status == "correct"


def test_wrong_answer_says_why(sample, capsys):
    sample.check(64)
    out = capsys.readouterr().out
    assert out.startswith("✗ q1: not yet.") and "64 bytes is not it" in out
    assert sample.status == "wrong"


def test_unattempted_answer_nudges_and_never_raises(sample, capsys):
    sample.check(...)
    sample.check()
    out = capsys.readouterr().out
    assert out.count("not attempted yet") == 2 and "Run ex.q1.hint()." in out
    assert sample.status == "not attempted"


def test_malformed_answer_is_feedback_not_a_crash(sample, capsys):
    sample.check("thirty-two")
    assert "whole number" in capsys.readouterr().out
    broken = Question("q2", "a number", lambda a: 1 / 0, hints=("h",), answer="a")
    broken.check(5)
    out = capsys.readouterr().out
    assert "could not be checked" in out and "ZeroDivisionError" in out


def test_hints_escalate_and_solution_prints(sample, capsys):
    sample.hint()
    sample.hint(2)
    sample.hint(99)
    sample.solution()
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Hint 1/2") and "(more: ex.q1.hint(2))" in out[0]
    assert out[1].startswith("Hint 2/2") and out[2] == out[1]
    assert out[3] == "Solution to q1: 32"


def test_repr_is_stable():
    q = Question("q9", "p", lambda a: "", hints=("h",), answer="a")
    assert repr(q) == "<Question q9: not attempted>"


def test_builders():
    q = Question("q", "p", expect_equal("SPKI", normalise=str.upper, why="Think keys."), ("h",), "SPKI")
    assert "correct" in q.feedback("spki")
    assert "Think keys." in q.feedback("cert")
    c = Question("c", "p", choice("B", {"A": "A is the leaf."}), ("h",), "B")
    assert "correct" in c.feedback("b")
    assert "A is the leaf." in c.feedback("A")
    assert "one of A, B" in c.feedback("Z")


def test_the_four_outcomes_are_types_and_evaluate_prints_nothing(capsys):
    from helpers.exercises import Incorrect, NotAttempted, Result, Uncheckable

    def checker(answer):
        if answer == []:
            raise NotAttempted("Put at least one pin in the list.")
        if not isinstance(answer, list):
            raise Uncheckable("Give a list of pins.")
        if answer != ["k"]:
            raise Incorrect("That pin set lets the rogue CA through.")
        return "Only your key."

    q = Question("q9", "a pin set", checker, hints=("h",), answer="['k']")
    results = [q.evaluate(a) for a in (..., [], "k", ["x"], ["k"])]
    assert capsys.readouterr().out == ""
    assert all(isinstance(r, Result) for r in results)
    assert [r.outcome for r in results] == ["not attempted", "not attempted", "uncheckable", "wrong", "correct"]
    assert [r.correct for r in results] == [False, False, False, False, True]
    assert "at least one pin" in results[1].text and "could not be checked. Give a list" in results[2].text
    assert "rogue CA" in results[3].text and "['k']" not in results[3].text
    assert issubclass(Uncheckable, Incorrect) and Wrong is Incorrect


def test_hint_and_solution_refuse_extra_arguments_kindly(sample, capsys):
    sample.hint("x", 3, level=2)
    sample.solution("please")
    out = capsys.readouterr().out
    assert out.startswith("Hint 1/2") and "takes no arguments" in out and "Solution to q1: 32" in out
