"""``python -m helpers solutions LESSON``: every exercise's reference answer, with the check's output on it.

The real lessons must all pass (a failing reference is a bug in the course); a lesson module added
later is found without touching the command; a wrong reference, or one that cannot run, is reported
and makes the command exit 1.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import helpers.exercises
from helpers.cli import solutions
from helpers.exercises import Question

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin" / "python"
PY = str(VENV) if VENV.exists() else sys.executable


def _questions(number: str) -> list[str]:
    module = importlib.import_module(f"helpers.exercises.lesson{number}")
    return [name for name, value in vars(module).items() if isinstance(value, Question)]


def test_every_lesson_is_found():
    assert {"00", "03", "05", "08"} <= set(solutions.lessons())


@pytest.mark.parametrize("number", sorted(solutions.lessons()))
def test_every_reference_answer_passes_its_own_check(number, capsys):
    code = solutions.run(argparse.Namespace(lesson=number))
    out = capsys.readouterr().out
    names = _questions(number)
    assert names, f"lesson {number} has no questions"
    missing = []
    for name in names:
        assert f"-- {name}: " in out
        block = out.split(f"-- {name}: ", 1)[1].split("\n-- ", 1)[0]
        assert "\u2717" not in block, f"lesson {number} {name}: the reference answer fails its check:\n{block}"
        if "no runnable reference answer" in block or "could not be computed" in block:
            missing.append(name)
        else:
            assert f"check: \u2713 {name}: correct." in block, block
    if missing and number not in solutions.REFERENCES:  # a lesson newer than the command: ask, do not block
        pytest.skip(f"lesson {number} {', '.join(missing)}: the solution text has no code that runs alone; add "
                    f"REFERENCES = {{'{missing[0]}': '<code>' or a function}} to helpers/exercises/lesson{number}.py")
    assert not missing, f"lesson {number} {', '.join(missing)} has no runnable reference answer"
    assert code == 0, out


@pytest.mark.parametrize("text", ["5", "05", "lesson05", " lesson05 ", "LESSON05", "lesson05.ipynb",
                                  "05_attacks.ipynb"])
def test_a_lesson_can_be_named_many_ways(text):
    assert solutions.pick(text) == ["05"]


@pytest.mark.parametrize("text", ["99", "", "lesson", "5.5", "x" * 300, "-1", "all of them"])
def test_an_unknown_lesson_is_one_sentence(text):
    with pytest.raises(solutions.UnknownLessonError, match="use one of: 00, .*, or all"):
        solutions.pick(text)


@pytest.fixture
def lesson99(tmp_path, monkeypatch):
    """A lesson module that appears after the command was written: lesson99, in a folder of its own."""
    (tmp_path / "lesson99.py").write_text(textwrap.dedent('''
        from helpers.exercises import Question, Wrong

        def _is_seven(answer):
            if answer != 7:
                raise Wrong("that is not the number of layers.")
            return "Seven layers."

        def _is_b(answer):
            if str(answer).strip().upper() != "B":
                raise Wrong("that option leaves the token readable.")
            return "B it is."

        q1 = Question("q1", "How many layers?", _is_seven, ("Count.",), "Seven, as the figure shows.")
        q2 = Question("q2", "Which option?", _is_b, ("Read again.",), "'B'. Because it pins the key.")
        q3 = Question("q3", "And this?", _is_seven, ("Count.",), "3 + 4: the two halves.")
        REFERENCES = {"q1": "layers = 3 + 4"}
    '''))
    monkeypatch.setattr(helpers.exercises, "__path__", [*helpers.exercises.__path__, str(tmp_path)])
    importlib.invalidate_caches()
    yield importlib.import_module("helpers.exercises.lesson99")
    sys.modules.pop("helpers.exercises.lesson99", None)


def test_a_new_lesson_is_discovered_and_checked(lesson99, capsys):
    assert "99" in solutions.lessons() and solutions.pick("lesson99") == ["99"]
    assert solutions.run(argparse.Namespace(lesson="99")) == 0
    out = capsys.readouterr().out
    assert "layers = 3 + 4" in out and "\u2713 q1: correct. Seven layers." in out   # the module's REFERENCES
    assert "\u2713 q2: correct. B it is." in out                                        # the solution's literal
    assert "\u2713 q3: correct." in out                                                 # the solution's code


def test_a_reference_may_be_a_function(lesson99, capsys, monkeypatch):
    def seven():
        return 3 + 4

    monkeypatch.setattr(lesson99, "REFERENCES", {"q1": seven})
    lesson99.q1.answer = "Prose only."
    assert solutions.run(argparse.Namespace(lesson="99")) == 0
    out = capsys.readouterr().out
    assert "def seven():" in out and "\u2713 q1: correct." in out


def test_a_wrong_reference_is_reported_and_fails_the_command(lesson99, capsys, monkeypatch):
    monkeypatch.setattr(lesson99, "REFERENCES", {"q1": "6"})
    lesson99.q1.answer = "Six, surely."  # prose: no candidate from the text either
    assert solutions.run(argparse.Namespace(lesson="99")) == 1
    out = capsys.readouterr().out
    assert "\u2717 q1: not yet. that is not the number of layers." in out
    assert "1 question(s) without a reference answer that passes" in out


def test_a_question_with_only_prose_says_so(lesson99, capsys, monkeypatch):
    monkeypatch.setattr(lesson99, "REFERENCES", {})
    lesson99.q1.answer = "Count the boxes in the figure."
    assert solutions.run(argparse.Namespace(lesson="99")) == 1
    assert "no runnable reference answer" in capsys.readouterr().out


def test_a_reference_that_raises_is_reported_not_a_traceback(lesson99, capsys, monkeypatch):
    monkeypatch.setattr(lesson99, "REFERENCES", {"q1": "1 / 0"})
    lesson99.q1.answer = "Prose only."
    assert solutions.run(argparse.Namespace(lesson="99")) == 1
    assert "could not be computed (ZeroDivisionError" in capsys.readouterr().out


def test_the_command_line(tmp_path):
    done = subprocess.run([PY, "-m", "helpers", "solutions", "00"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith("== lesson 00:")
    bad = subprocess.run([PY, "-m", "helpers", "solutions", "42"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.startswith("error: there is no lesson '42'")
