"""Lesson 07's exercises, with the answers a learner would plausibly type, right and wrong.

Every checker re-runs the simulator on the answer: q1 simulates the submission date, q2 the learner's
timeline, q3 scenario 5 with the learner's expiry. The tables pin down that a right answer passes in
every form the lesson hands out, that each misconception is told what it does, and that q1's feedback
gives away no direction for a date far from the answer (so it cannot be bisected).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from helpers.exercises import lesson07 as ex
from helpers.rotation import Strategy, scenario, simulate

WRONG = "✗ {}: not yet."
NONSENSE = ["?", "", "Z", {}, {"strategy": "leaf-spki+backup"}, "x" * 2_000_000, [None], object()]


def _right(question, answer) -> str:
    feedback = question.feedback(answer)
    assert feedback.startswith(f"✓ {question.name}: correct."), feedback
    return feedback


def _wrong(question, answer, *words) -> str:
    feedback = question.feedback(answer)
    assert feedback.startswith(WRONG.format(question.name)), feedback
    for word in words:
        assert word in feedback, (word, feedback)
    assert "\n" not in feedback and len(feedback) < 600, feedback
    return feedback


# --- q1: the latest date to submit the release that adds K2 ------------------------------------------------

def test_q1_reference_solution():
    _right(ex.q1, ex.q1.answer.split("'")[1])


@pytest.mark.parametrize("answer", [
    "2026-12-29", " 2026-12-29\n", dt.date(2026, 12, 29), dt.datetime(2026, 12, 29, 9, 30),
    np.datetime64("2026-12-29"), np.datetime64("2026-12-29T12:00"), dt.date.fromisoformat("2026-12-29"),
])
def test_q1_accepts_the_date_in_every_form(answer):
    assert "59 days" in _right(ex.q1, answer)


@pytest.mark.parametrize("answer, words", [
    ("2027-01-01", ["review takes 3 days", "0.59%", "56 days"]),                 # forgot the review
    ("2026-12-30", ["round the days of adoption up", "0.52%"]),                 # rounded 58.6 down
    ("2027-01-03", ["never update never get K2", "0.3%, not 0.5%"]),            # forgot the never-updaters
    ("2027-01-06", ["never update never get K2", "review takes 3 days"]),       # forgot both
    ("2026-12-31", ["above the 0.5% target", "57 days"]),                       # off by two
    ("2026-12-28", ["within the target", "not the latest"]),                    # a safety day too many
    ("2027-02-26", ["on the day the server moves to K2", "100.0%"]),            # live on the rotation day
    ("2027-03-01", ["after the day the server moves to K2", "locked out"]),     # ships with the rotation
    ("2026-06-01", ["before the lesson's timeline starts"]),
])
def test_q1_tells_each_misconception_what_it_does(answer, words):
    _wrong(ex.q1, answer, *words)


@pytest.mark.parametrize("answer", ["2026-10-01", "2026-12-04", "2027-01-15", "2027-02-01", "2026-11-20"])
def test_q1_far_from_the_answer_gives_no_direction(answer):
    """Safe-but-early and unsafe dates far off get the same words: only the days v2 has to spread."""
    feedback = _wrong(ex.q1, answer, "days before the server moves to K2", "not the latest date", answer)
    for giveaway in ("too late", "later", "earlier", "above", "within the target", "%"):
        assert giveaway not in feedback.replace("0.5%", ""), (giveaway, feedback)


@pytest.mark.parametrize("answer", [
    "2026-12-29xyz", "2026-12-29 or 2026-12-30", "29/12/2026", "Dec 29 2026", "2026-12-29T00:00",
    "20261229", 20261229, "2026-02-30",
])
def test_q1_wants_strict_iso_dates(answer):
    _wrong(ex.q1, answer, "YYYY-MM-DD")


@pytest.mark.parametrize("answer", NONSENSE)
def test_q1_nonsense(answer):
    _wrong(ex.q1, answer, "YYYY-MM-DD")


# --- q2: scenario 3 rescued, nobody locked out ---------------------------------------------------------------

def _backup() -> object:
    return scenario("rekey-no-backup", strategy="leaf-spki+backup")


def _by_hand():
    t = scenario("rekey-no-backup")
    return dataclasses.replace(t, releases=tuple(dataclasses.replace(r, pins=r.pins | {"key:K2"})
                                                 for r in t.releases))


def test_q2_reference_solution():
    assert "K2" in _right(ex.q2, _backup())


@pytest.mark.parametrize("form", ["Result", "Strategy", "value", "label", "enum name", "description",
                                  "scenario 4 by name", "scenario 4", "K2 added by hand"])
def test_q2_accepts_the_rescue_in_every_form(form):
    answers = {
        "Result": simulate(_backup()), "Strategy": Strategy.LEAF_SPKI_BACKUP, "value": "leaf-spki+backup",
        "label": " Leaf SPKI + Backup", "enum name": "LEAF_SPKI_BACKUP", "description": "leaf key + backup key",
        "scenario 4 by name": "Backup-Pin-Rotation", "scenario 4": scenario("backup-pin-rotation"),
        "K2 added by hand": _by_hand(),
    }
    feedback = _right(ex.q2, answers[form])
    assert "backup pin" in feedback and "K2" in feedback


@pytest.mark.parametrize("strategy", ["intermediate", "root", Strategy.ROOT])
def test_q2_accepts_a_ca_pin_but_says_what_it_costs(strategy):
    feedback = _right(ex.q2, scenario("rekey-no-backup", strategy=strategy) if isinstance(strategy, str)
                      else strategy)
    assert "trusts every certificate that CA issues" in feedback and "Every release carries" not in feedback


@pytest.mark.parametrize("mistake, words", [
    ("unchanged", ["still locks out 100.0%", "2027-06-01", "key K2"]),
    ("unchanged, by name", ["still locks out", "key K2"]),
    ("scenario 5: pin-set expiry", ["still locks out 97.0%"]),
    ("force-update", ["still locks out"]),
    ("certificate pins", ["still locks out", "2027-01-13", "C2"]),
    ("cut short before the rekey", ["2027-05-31", "stops before the rekey", "hides the problem"]),
    ("half a year", ["stops before the rekey"]),
    ("no rekey", ["never changes its key", "removes the rekey"]),
    ("other lifetime", ["certificates differ"]),
    ("pins that expire at once", ["without pinning on 730 days", "pins expire"]),
    ("users who update at once", ["users update differently", "not yours to change"]),
])
def test_q2_tells_each_misconception_what_it_does(mistake, words):
    t = scenario("rekey-no-backup")
    answers = {
        "unchanged": t, "unchanged, by name": "rekey-no-backup",
        "scenario 5: pin-set expiry": scenario("forgotten-rotation-pin-expiry"),
        "force-update": scenario("force-update-safety-net"), "certificate pins": "certificate",
        "cut short before the rekey": dataclasses.replace(t, end=dt.date(2027, 5, 31)),
        "half a year": scenario("rekey-no-backup", years=0.5),
        "no rekey": scenario("rekey-no-backup", rollovers=()),
        "other lifetime": scenario("rekey-no-backup", lifetime=60, strategy="leaf-spki+backup"),
        "pins that expire at once": scenario("rekey-no-backup", pin_expiry_days=1),
        "users who update at once": scenario("rekey-no-backup", never_update=0, half_life_days=0.5,
                                             strategy="leaf-spki+backup"),
    }
    feedback = _wrong(ex.q2, answers[mistake], *words)
    assert "leaf-spki+backup" not in feedback


def test_q2_success_text_is_true_of_the_answer():
    """The old checker said 'Every release carries the backup key K2' of any passing timeline."""
    assert "Every release carries" not in ex.q2.feedback("root")


@pytest.mark.parametrize("answer", NONSENSE + [3, "leaf spki + backups"])
def test_q2_nonsense(answer):
    _wrong(ex.q2, answer, "Answer with a Timeline")


# --- q3: a pin-set expiry to defend ---------------------------------------------------------------------------

def test_q3_reference_solution():
    _right(ex.q3, 90)


@pytest.mark.parametrize("answer", [
    np.int64(65), 129.0, np.float64(100.0), dt.timedelta(days=90), np.timedelta64(100, "D"),
    np.arange(200)[77], np.int32(120), dt.timedelta(weeks=10),
])
def test_q3_accepts_every_number_in_the_window_in_any_form(answer):
    assert "Write your defence" in _right(ex.q3, answer)


@pytest.mark.parametrize("answer, words", [
    (64, ["5.1% of users run unprotected", "'at most 5% unprotected'"]),
    (30, ["25.6%", "'at most 5% unprotected'"]),
    (130, ["lasts 121 days", "'no lockout longer than 120 days'"]),
    (365, ["'no lockout longer than 120 days'"]),
    (3000, ["still going when the timeline ends"]),
    (0, ["nobody is ever pinned"]),
    (-5, ["nobody is ever pinned"]),
    (5000, ["more than ten years"]),
])
def test_q3_tells_each_misconception_what_it_does(answer, words):
    feedback = _wrong(ex.q3, answer, *words)
    for direction in ("shorten", "lengthen", "longer expiry", "shorter expiry"):
        assert direction not in feedback


@pytest.mark.parametrize("answer, words", [
    ("90", ["without quotes"]), ("90 days", ["whole number of days"]), (90.5, ["whole number"]),
    (True, ["whole number"]), (dt.timedelta(hours=5), ["whole number"]),
])
def test_q3_wants_a_whole_number(answer, words):
    _wrong(ex.q3, answer, *words)


@pytest.mark.parametrize("answer", NONSENSE)
def test_q3_nonsense(answer):
    _wrong(ex.q3, answer, "whole number of days")


# --- all three ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("question", [ex.q1, ex.q2, ex.q3], ids=["q1", "q2", "q3"])
def test_hint_solution_and_unattempted(question, capsys):
    for n in ((), (2,), ("x",), (None,), (99,)):
        question.hint(*n)
    question.solution()
    out = capsys.readouterr().out
    assert out.count("Hint") == 5 and f"Solution to {question.name}" in out
    assert question.feedback(...).startswith(f"{question.name}: not attempted")
    assert question.feedback(None).startswith(f"{question.name}: not attempted")


# --- q4: the latest date from a team's own adoption CSV ------------------------------------------------------

def test_q4_reference_solution_is_what_the_checker_recomputes():
    reference = ex.q4.answer.split("'")[1]
    assert dt.date.fromisoformat(reference) == ex._q4_answer()
    _right(ex.q4, reference)


@pytest.mark.parametrize("answer", [
    "2026-12-31", " 2026-12-31 ", dt.date(2026, 12, 31), dt.datetime(2026, 12, 31, 17, 0),
    np.datetime64("2026-12-31"), np.datetime64("2026-12-31T08:00"),
])
def test_q4_accepts_the_date_in_every_form(answer):
    assert "150 days" in _right(ex.q4, answer)


@pytest.mark.parametrize("answer, words", [
    ("2027-01-01", ["above the 1% target", "close"]),                          # off by one
    ("2027-01-02", ["above the 1% target", "1.02%", "review takes 2 days"]),                          # forgot the review days
    ("2026-12-30", ["within the target", "not the latest"]),                   # a safety day too many
    ("2027-05-10", ["above the 1% target", "slow tail", "3 days to 50%"]),     # a half-life off the head, 1%
    ("2027-05-07", ["above the 1% target", "slow tail"]),                      # ... and the never-updaters
    ("2027-05-12", ["above the 1% target", "slow tail"]),                      # ... and no review days
    ("2027-04-01", ["59 days before the rekey", "not the latest"]),            # a 60-day habit: far off
    ("2027-06-01", ["not before the rekey", "100.0%"]),                        # ship on the day
    ("2026-09-01", ["271 days before the rekey", "not the latest"]),           # ship at once: far off
    ("2026-08-01", ["before the timeline starts"]),
])
def test_q4_tells_each_misconception_what_it_does(answer, words):
    _wrong(ex.q4, answer, *words)


@pytest.mark.parametrize("answer", ["2026-09-01", "2026-10-01", "2026-12-20", "2027-01-10", "2027-03-15",
                                    "2027-04-01", "2027-05-20", "2027-05-29"])
def test_q4_feedback_far_from_the_answer_gives_no_direction(answer):
    """Safe-but-early and unsafe dates far off get the same words: only the days v2 has to spread."""
    feedback = _wrong(ex.q4, answer, "days before the rekey", "not the latest date", answer)
    for giveaway in ("too late", "later", "earlier", "close", "above", "within the target", "%", "tail"):
        assert giveaway not in feedback.replace("1%", ""), (giveaway, feedback)


@pytest.mark.parametrize("answer", NONSENSE + ["2026-12-31xyz", "2026-12-31 or 2027-01-01", "2026-02-30", 20261231])
def test_q4_nonsense_is_refused_without_a_crash(answer):
    feedback = ex.q4.feedback(answer)
    assert not feedback.startswith("✓") and "\n" not in feedback and len(feedback) < 600


def test_q4_hint_and_solution_smoke():
    ex.q4.hint()
    ex.q4.hint(2)
    ex.q4.solution()
    ex.q4.hint("x")
