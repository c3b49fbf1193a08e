"""Lesson 10's graded steps through the exercises' check(): right answers in several forms, each step
performed wrongly (the feedback says what broke and for whom), nonsense, and the reference run."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import capstone as c
from helpers.exercises import lesson10 as ex
from helpers.pinning.pins import Pin, spki_pin
from helpers.pki import course_pki

QUESTIONS = [ex.q1, ex.q2, ex.q3, ex.q4, ex.q5, ex.q6, ex.q7]


@pytest.fixture(scope="module")
def pki():
    return course_pki()


def ok(question, drill) -> None:
    feedback = question.feedback(drill)
    assert feedback.startswith(f"✓ {question.name}: correct."), feedback


def wrong(question, drill, *words) -> str:
    feedback = question.feedback(drill)
    assert feedback.startswith(f"✗ {question.name}: not yet."), feedback
    for word in words:
        assert word in feedback, feedback
    return feedback


@pytest.mark.parametrize("variant", c.VARIANTS)
def test_the_reference_run_passes_every_step(variant):
    drill = c.reference(variant)
    for question in QUESTIONS:
        ok(question, drill)


def test_an_untouched_drill_is_not_attempted_at_every_step():
    drill = c.Drill()
    for question in QUESTIONS:
        assert question.feedback(drill).startswith(f"{question.name}: not attempted yet. step")


def test_placeholders_leave_the_drill_untouched():
    drill = c.Drill()
    drill.confirm(...)
    assert drill.issue(..., ...) is None
    drill.deploy(...)
    assert drill.ship("next", ...) is None and drill.monitor(..., ..., ...) is None
    assert repr(drill) == "<Drill compromise: steps done none>"


# --- right answers in other forms ----------------------------------------------------------------------

def _done_right_with(pki, *, holders=None, issued=None, deploy=None, pins=None, when=None, target=c.TARGET):
    drill = c.Drill()
    drill.confirm(holders if holders is not None else sorted(c._survivors("compromise")))
    new = issued if issued is not None else drill.issue(pki.backup_key, pki.intermediate)
    if issued is not None:
        drill.issued = issued
    drill.deploy(*(deploy(new) if deploy else (new,)))
    drill.prove(target)
    backup = c.new_backup_key("key 9 (backup)")
    drill.ship("4.0", pins(new, backup) if pins else [spki_pin(new.cert), Pin.of_spki(backup.public_key()).base64])
    drill.monitor("https://reports.example.net/pins", [c.lead_days() + 10, 30, 7], when or "2027-03-01")
    drill.all_clear()
    return drill


@pytest.mark.parametrize("variation", [
    dict(holders=tuple(v.upper() for v in c._survivors("compromise"))),
    dict(holders=[v for v in c.fleet() if v.name.lower() in c._survivors("compromise")]),
    dict(deploy=lambda new: (new.chain, new.key)),
    dict(pins=lambda new, backup: [Pin.of_spki(new.cert), Pin.of_spki(backup.public_key())]),
    dict(pins=lambda new, backup: [f"sha256/{spki_pin(new.cert)}", Pin.of_spki(backup.public_key()).base64,
                                   Pin.of_spki(c.new_backup_key("key 10").public_key()).base64]),
    dict(when=dt.date(2027, 2, 1)),
    dict(when=dt.datetime(2027, 3, 1, 12, 0)),
    dict(target=0.005),
])
def test_other_right_forms(variation, pki):
    drill = _done_right_with(pki, **variation)
    for question in QUESTIONS:
        ok(question, drill)


# --- each step performed wrongly -----------------------------------------------------------------------

def test_q1_wrong_lists():
    drill = c.Drill()
    drill.confirm(["Android 3.4", "iOS 5.1"])
    wrong(ex.q1, drill, "missing from your list")
    drill.confirm([*c._survivors("compromise"), "iOS 4.9"])
    wrong(ex.q1, drill, "iOS 4.9 (0.6% of users) holds key 1 and key 2")


def test_q2_wrong_keys(pki):
    drill = c.Drill()
    drill.issue(pki.leaf.key, pki.intermediate)
    wrong(ex.q2, drill, "compromised key")
    drill.issue(pki.leaf_rekeyed.key, pki.intermediate)
    wrong(ex.q2, drill, "Android 3.4 (38.4% of users)", "locked out")


def test_q3_wrong_deployment(pki):
    drill = c.Drill()
    new = drill.issue(pki.backup_key, pki.intermediate)
    drill.deploy([new.cert], new.key)
    wrong(ex.q3, drill, "plain CA client fails")


def test_q4_stale_proof(pki):
    drill = c.reference()
    drill.deploy(pki.leaf_on_backup_key)
    wrong(ex.q4, drill, "another chain")


def test_q5_no_new_backup(pki):
    drill = c.reference()
    drill.ship("next", [spki_pin(drill.issued.cert), spki_pin(pki.leaf_rekeyed.cert)])
    wrong(ex.q5, drill, "key the fleet already knew")


def test_q5_distrust_keeps_the_unspent_backup(pki):
    drill = c.reference("distrust")
    drill.ship("next", [spki_pin(drill.issued.cert), spki_pin(pki.leaf_on_backup_key.cert)])
    ok(ex.q5, drill)
    drill.ship("next", [spki_pin(drill.issued.cert), spki_pin(pki.leaf_rekeyed.cert)])
    wrong(ex.q5, drill, "retired")


def test_q6_reports_to_the_pinned_host():
    drill = c.reference()
    drill.monitor("https://api.yourapp.com/report", (150, 30), "2027-02-01")
    wrong(ex.q6, drill, "pinned host itself")


def test_q7_before_the_end(pki):
    drill = c.reference()
    drill.deploy(pki.leaf)
    wrong(ex.q7, drill, "not all clear: step 3", "still presents key 1")


def test_distrust_variant_wrong_issuer(pki):
    drill = c.Drill("distrust")
    drill.issue(pki.leaf.key, pki.intermediate)
    wrong(ex.q2, drill, "distrusted")


# --- nonsense -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", ["?", "", "x" * 100_000, 42, object(), [c.Drill()], c.reference])
@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_nonsense_is_uncheckable_in_one_line(question, answer):
    feedback = question.feedback(answer)
    assert feedback.startswith(f"✗ {question.name}: that answer could not be checked."), feedback
    assert "Pass the drill itself" in feedback and "\n" not in feedback


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_hints_and_solutions_print(question, capsys):
    question.hint()
    question.hint(5)
    question.solution()
    out = capsys.readouterr().out
    assert out.count("Hint") == 2 and "Solution to" in out
