"""Lesson 09's exercises, with the answers a learner would plausibly type, right and wrong.

Every checker runs helpers.decide or the middle-ground checklist (and lesson 08's Android model) on
the answer, so these tests also pin down that an answer cannot pass by deleting what is checked.
"""

from __future__ import annotations

import pytest

from helpers.decide import Recommendation
from helpers.exercises import lesson09 as ex


def fb(question, answer) -> str:
    return question.feedback(answer)


# --- q1: a recommendation for the profile, and the answer that decides it -----------------------------

@pytest.mark.parametrize("answer", [
    ("pin-cdn-roots", "key_control"),
    {"recommendation": "PIN_CDN_ROOTS", "because": "key control"},
    (Recommendation.PIN_CDN_ROOTS, "Key_Control"),
    ["pin the roots of every CA your CDN may use", "key control"],
    (b"cdn roots", b"key-control"),
    {"Recommendation": " pin cdn roots ", "why": "KEY-CONTROL"},
])
def test_q1_accepts_right_answers_in_every_form(answer):
    assert fb(ex.q1, answer).startswith("✓ q1: correct."), fb(ex.q1, answer)


@pytest.mark.parametrize("answer, words", [
    (("leaf", "key_control"), "rekeys at will"),
    (("middle-ground", "key_control"), "MAS-L2 data with pinning you can operate"),
    (("pin-own-ca", "key_control"), "picks the CA"),
    (("ct-and-defaults", "data_value"), "platform defaults alone are not enough"),
    (("pin-cdn-roots", "offline_backups"), "would not change the advice"),
    (("pin-cdn-roots", "never_update"), "would not change the advice"),
    # these decide whether to pin, not which kind (review 0910 item 12: they used to pass)
    (("pin-cdn-roots", "inspection"), "not which kind of pinning"),
    (("pin-cdn-roots", "monitoring"), "not which kind of pinning"),
    (("pin-cdn-roots", "data_value"), "not which kind of pinning"),
    ("pin-cdn-roots", "justify it"),
])
def test_q1_explains_each_plausible_mistake(answer, words):
    feedback = fb(ex.q1, answer)
    assert feedback.startswith("✗ q1: not yet.") and words in feedback, feedback
    assert "pin-cdn-roots" not in feedback.split("not yet.")[1] or answer[0] == "pin-cdn-roots"


@pytest.mark.parametrize("answer", ["?", "", "x" * 100_000, 42, object(), [1, 2, 3], ("pin-cdn-roots", 7),
                                    {"because": "plan"}])
def test_q1_survives_nonsense(answer):
    feedback = fb(ex.q1, answer)
    assert feedback.startswith("✗ q1:") and "\n" not in feedback and len(feedback) < 600
    assert "key_control decides" not in feedback


def test_q1_deciding_answers_come_from_decide():
    assert ex.deciding_answers() == {"key_control", "data_value", "monitoring", "inspection"}
    assert ex.kind_deciding_answers() == {"key_control"}


def test_q1_prompt_example_does_not_pass():
    assert not fb(ex.q1, ("middle-ground", "inspection")).startswith("✓")
    assert not fb(ex.q1, ("ct-and-defaults", "update_days")).startswith("✓")


# --- q2: the contradiction -------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", [
    ["plan", "inspection"], ("inspection", "plan"), {"inspection", "plan"}, "plan and inspection",
    "Inspection, Plan", b"plan + INSPECTION", {"plan": 1, "inspection": 2},
])
def test_q2_accepts_the_pair_in_every_form(answer):
    assert fb(ex.q2, answer).startswith("✓ q2: correct."), fb(ex.q2, answer)


@pytest.mark.parametrize("answer, words", [
    (["key_control", "plan"], "both can be true at once"),   # lesson 09's printed clash, not this sheet's
    (["plan", "offline_backups"], "both can be true at once"),
    (["data_value", "plan"], "both can be true at once"),
    (["update_days", "force_update"], "both can be true at once"),
    (["inspection", "monitoring"], "both can be true at once"),
    (["plan"], "alone cannot contradict"),
    (["plan", "inspection", "monitoring"], "a contradiction here is between two"),
    (["own-ca", "proxy"], "not a question of the sheet"),
])
def test_q2_explains_each_plausible_mistake(answer, words):
    feedback = fb(ex.q2, answer)
    assert words in feedback and feedback.startswith("✗ q2:"), feedback


@pytest.mark.parametrize("answer", ["?", "", "x" * 100_000, 3.5, object(), [None, None], list(range(50))])
def test_q2_survives_nonsense(answer):
    feedback = fb(ex.q2, answer)
    assert feedback.startswith(("✗ q2:", "q2: not attempted")) and "\n" not in feedback


# --- q3: the NSC that passes the middle ground ----------------------------------------------------------

def fixed(text: str = ex.BROKEN_NSC) -> str:
    return (text.replace('cleartextTrafficPermitted="true"', 'cleartextTrafficPermitted="false"')
            .replace('            <certificates src="user"/>\n        </trust-anchors>\n    </base-config>',
                     '        </trust-anchors>\n    </base-config>'))


DOMAIN = ('    <domain-config cleartextTrafficPermitted="true">\n'
          '        <domain includeSubdomains="true">yourapp.com</domain>\n    </domain-config>\n')


@pytest.mark.parametrize("answer", [
    fixed(),
    fixed().encode(),
    fixed(ex.BROKEN_NSC.replace(DOMAIN, "")),
    fixed().replace("    ", "  "),
    fixed().replace('<domain-config cleartextTrafficPermitted="false">',
                    '<domain-config cleartextTrafficPermitted="false">\n<trust-anchors><certificates src="system"/>'
                    "</trust-anchors>"),
    fixed().replace('<?xml version="1.0" encoding="utf-8"?>\n', ""),
])
def test_q3_accepts_fixed_files(answer):
    assert fb(ex.q3, answer).startswith("✓ q3: correct."), fb(ex.q3, answer)


@pytest.mark.parametrize("answer, words", [
    (ex.BROKEN_NSC, "cleartext on <base-config>"),
    (ex.BROKEN_NSC.replace('<base-config cleartextTrafficPermitted="true">',
                           '<base-config cleartextTrafficPermitted="false">'), "cleartext for yourapp.com"),
    (fixed().replace('<base-config cleartextTrafficPermitted="false">', "<base-config>"), "below targetSdk 28"),
    ("<network-security-config/>", "below targetSdk 28"),
    ('<network-security-config><base-config cleartextTrafficPermitted="false"/></network-security-config>',
     "debug builds can no longer be tested"),
    (fixed().replace('<certificates src="system"/>\n        </trust-anchors>\n    </base-config>',
                     '<certificates src="system"/>\n            <certificates src="user"/>\n        </trust-anchors>'
                     '\n    </base-config>'), "user"),
    (fixed().replace('<domain-config cleartextTrafficPermitted="false">',
                     '<domain-config cleartextTrafficPermitted="false">\n<trust-anchors><certificates src="user"/>'
                     "</trust-anchors>"), "user CAs for yourapp.com"),
    ("make it secure", "does not parse"),
])
def test_q3_explains_each_plausible_mistake(answer, words):
    feedback = fb(ex.q3, answer)
    assert feedback.startswith("✗ q3: not yet.") and words in feedback, feedback


@pytest.mark.parametrize("answer", ["?", "", "x" * 100_000, 42, object(), ["<network-security-config/>"],
                                    "<" * 10_000])
def test_q3_survives_nonsense(answer):
    feedback = fb(ex.q3, answer)
    assert feedback.startswith("✗ q3:"), feedback


@pytest.mark.parametrize("question", [ex.q1, ex.q2, ex.q3])
def test_hints_and_solutions_print(question, capsys):
    question.hint()
    question.hint(99)
    question.hint("x")
    question.solution()
    out = capsys.readouterr().out
    assert out.count("Hint") == 3 and "Solution" in out
