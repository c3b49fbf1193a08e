"""Exercises with ``check()``, ``hint()`` and ``solution()``, in the style of Kaggle's learntools.

A lesson imports its question set (``from helpers.exercises import lesson00 as ex``) and a
learner answers a question in a cell of its own::

    answer = ...          # replace ... with your answer
    ex.q1.check(answer)

Checking is kept apart from display, as in learntools: :meth:`Question.evaluate` returns a
:class:`Result` and never prints; ``check`` prints that result and never raises. A result is one
of four outcomes:

* ``not attempted``: the answer is still ``...`` (or the checker raised :class:`NotAttempted`);
* ``correct``: a short explanation of why;
* ``incorrect``: the checker raised :class:`Incorrect` with what the answer does wrong (never the
  right answer);
* ``uncheckable``: the answer has a shape the question cannot read (the checker raised
  :class:`Uncheckable`, or anything else went wrong); the feedback says what shape to give.

``hint()`` and ``solution()`` print text. Each question's module says what shape of
answer it expects.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

NOT_ATTEMPTED = ...

__all__ = ["CORRECT", "INCORRECT", "NOT_ATTEMPTED", "NotAttempted", "Incorrect", "Question", "Result",
           "UNCHECKABLE", "Uncheckable", "Wrong", "choice", "echo", "kind_of", "labelled_choice", "letter",
           "whole_number"]


def whole_number(answer: Any) -> int | None:
    """``answer`` as an int when it is a whole number in any form (numpy integers, 294.0), else None.

    A bool is not a number here: ``True`` is never the answer to "how many".
    """
    if isinstance(answer, bool):
        return None
    if isinstance(answer, numbers.Integral):
        return int(answer)
    if isinstance(answer, numbers.Real) and float(answer).is_integer():
        return int(answer)
    return None


def echo(answer: Any, limit: int = 60) -> str:
    """A learner's answer quoted in feedback: one line, at most ``limit`` characters."""
    text = repr(answer).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Incorrect(Exception):
    """Raised by a checker to say what a wrong answer does (the message is shown; it never names the answer)."""


#: The name the lesson modules use for :class:`Incorrect`.
Wrong = Incorrect


class Uncheckable(Incorrect):
    """Raised by a checker when the answer has a shape it cannot read (the message says what to give)."""


class NotAttempted(Exception):
    """Raised by a checker when the answer is still a placeholder (an empty list, the prompt's own text)."""


#: The four outcomes of :meth:`Question.evaluate`; ``status`` keeps the last one.
CORRECT, INCORRECT, UNCHECKABLE, NOT_ATTEMPTED_STATUS = "correct", "wrong", "uncheckable", "not attempted"


@dataclass(frozen=True)
class Result:
    """What checking one answer found: an outcome (one of the four above) and the text to show."""

    outcome: str
    text: str

    @property
    def correct(self) -> bool:
        return self.outcome == CORRECT


@dataclass
class Question:
    """One exercise question.

    ``checker(answer)`` returns the text shown on success, or raises :class:`Wrong`
    with the reason the answer is not right yet.
    """

    name: str
    prompt: str
    checker: Callable[[Any], str]
    hints: tuple[str, ...]
    answer: str
    status: str = field(default="not attempted", init=False)

    def check(self, answer: Any = NOT_ATTEMPTED) -> None:
        """Check an answer and print feedback; never raises."""
        print(self.feedback(answer))

    def feedback(self, answer: Any = NOT_ATTEMPTED) -> str:
        """The text that :meth:`check` prints; the outcome is kept in :attr:`status`."""
        result = self.evaluate(answer)
        self.status = result.outcome
        return result.text

    def evaluate(self, answer: Any = NOT_ATTEMPTED) -> Result:
        """Check an answer without printing anything: the outcome and the text to show."""
        nudge = (f"{self.name}: not attempted yet. Replace the ... with your answer and run "
                 f"the cell again. Stuck? Run ex.{self.name}.hint().")
        if answer is NOT_ATTEMPTED or answer is None:
            return Result(NOT_ATTEMPTED_STATUS, nudge)
        try:
            message = self.checker(answer)
        except NotAttempted as why:
            return Result(NOT_ATTEMPTED_STATUS, f"{self.name}: not attempted yet. {why}".rstrip())
        except Uncheckable as why:
            return Result(UNCHECKABLE, f"✗ {self.name}: that answer could not be checked. {why}")
        except Incorrect as why:
            return Result(INCORRECT, f"✗ {self.name}: not yet. {why}")
        except Exception as exc:  # a malformed answer must never crash the lesson
            return Result(UNCHECKABLE,
                          f"✗ {self.name}: not yet. That answer could not be checked "
                          f"({type(exc).__name__}); the question asks for: {self.prompt}")
        return Result(CORRECT, f"✓ {self.name}: correct. {message}".rstrip())

    def hint(self, n: Any = 1, *extra: Any, **named: Any) -> None:
        """Print hint number ``n`` (1 is the gentlest); anything that is not a number shows hint 1."""
        try:
            n = max(1, min(int(n), len(self.hints)))
        except (TypeError, ValueError, OverflowError):
            n = 1
        more = f" (more: ex.{self.name}.hint({n + 1}))" if n < len(self.hints) else ""
        print(f"Hint {n}/{len(self.hints)} for {self.name}: {self.hints[n - 1]}{more}")

    def solution(self, *extra: Any, **named: Any) -> None:
        """Print the worked answer (it takes no arguments; any given are ignored, with a word about it)."""
        if extra or named:
            print(f"(ex.{self.name}.solution() takes no arguments; showing the solution.)")
        print(f"Solution to {self.name}: {self.answer}")

    def __repr__(self) -> str:  # short and address-free, safe in compared outputs
        return f"<Question {self.name}: {self.status}>"


#: Characters: no option or label is longer, so a longer answer is none of them.
_LONGEST = 300


def _words(text: str) -> str:
    """Lower case, every run of punctuation and space as one space: 'TLS:\\nvalidation' -> 'tls validation'."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def kind_of(answer: Any) -> str:
    """'an int', 'a dict': what the learner gave, for feedback."""
    name = type(answer).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def labelled_choice(expected: str, labels: Mapping[str, tuple[str, ...]], wrong: Mapping[str, str],
                    success: str = "", near: Mapping[str, str] | None = None) -> Callable[[Any], str]:
    """A checker for a multiple-choice question, answered with an option's letter or its label.

    ``labels`` maps each option letter to the labels the lesson prints for it (the first one is
    shown back to the learner); ``wrong`` maps each wrong letter to that option's flaw; ``near``
    maps answers that are no option at all but a plausible misreading (a box of the lesson's
    figure, say) to a reason, which must not name the right option.
    """
    keys = sorted(labels)
    by_label = {_words(label): key for key, names in labels.items() for label in names}
    near_words = {_words(text): why for text, why in (near or {}).items()}
    one_of = f"Answer with one of {', '.join(keys)}, as a string."

    def read(answer: Any) -> str | None:
        """The option letter the answer names, or None."""
        if isinstance(answer, bytes) and len(answer) <= _LONGEST:
            answer = answer.decode("utf-8", "replace")
        if not isinstance(answer, str) or len(answer) > _LONGEST:
            return None
        said = _words(answer)
        said = re.sub(r"^(?:option|answer|choice)\s+", "", said)
        if said in by_label:
            return by_label[said]
        letter, _, rest = said.partition(" ")
        if letter.upper() in labels and (not rest or by_label.get(rest) == letter.upper()):
            return letter.upper()
        return None

    def checker(answer: Any) -> str:
        key = read(answer)
        if key == expected:
            return success
        if key is not None:
            raise Wrong(f"{key} ({labels[key][0]}): {wrong[key]}")
        if isinstance(answer, str) and len(answer) <= _LONGEST and _words(answer) in near_words:
            raise Wrong(f"{near_words[_words(answer)]} {one_of}")
        if not isinstance(answer, str | bytes):
            raise Wrong(f"That is {kind_of(answer)}, not an option. {one_of}")
        raise Wrong(f"{echo(answer)} is not one of the options. {one_of}")

    return checker


def expect_equal(expected: Any, *, normalise: Callable[[Any], Any] = lambda x: x,
                 why: str = "", success: str = "") -> Callable[[Any], str]:
    """Build a checker that compares a normalised answer with ``expected``."""

    def checker(answer: Any) -> str:
        if normalise(answer) != normalise(expected):
            raise Wrong(why or f"{answer!r} is not the expected answer.")
        return success

    return checker


#: An option letter in the spellings learners type: "b", " B ", "(B)", "B.", "'B'", "option b".
_LETTER = re.compile(r"(?:option|answer)?\s*[(\[]?\s*([a-z])\s*[)\].:]?", re.IGNORECASE)


def letter(answer: Any) -> Any:
    """A multiple-choice answer as its bare upper-case letter (also from ``["B"]``); else unchanged."""
    if isinstance(answer, list | tuple) and len(answer) == 1:
        answer = answer[0]
    if isinstance(answer, bytes) and len(answer) <= 40:
        answer = answer.decode("utf-8", "replace")
    if not isinstance(answer, str) or len(answer) > 40:
        return answer
    match = _LETTER.fullmatch(answer.strip().strip("'\"`").strip())
    return match.group(1).upper() if match else answer


def choice(expected: str, options: dict[str, str], success: str = "") -> Callable[[Any], str]:
    """Build a checker for a multiple-choice question answered with one option key.

    ``options`` maps each key to the feedback shown when that key is chosen wrongly.
    """

    def checker(answer: Any) -> str:
        key = str(letter(answer)).strip().upper()
        if key == expected.upper():
            return success
        if key in {k.upper() for k in options}:
            raise Wrong(next(v for k, v in options.items() if k.upper() == key))
        # the options in their own order: never the right one last (typing "?" must reveal nothing)
        raise Wrong(f"Answer with one of {', '.join(sorted({*options, expected}))}, as a string.")

    return checker
