"""helpers.decide: when to pin, with a reason and a source for every line (lesson 09), and its CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import decide as d
from helpers.decide import AnswerSheetError, DataValue, KeyControl, Plan, Recommendation

ROOT = Path(__file__).resolve().parents[1]
SHEETS = ROOT / "data" / "decide"


def sheet(**changes):
    base = d.PROFILES["bank"][1].as_json()
    return d.sheet_from({**base, **changes})


# --- the reference profiles -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("bank", Recommendation.PIN_LEAF),
    ("social", Recommendation.MIDDLE_GROUND),
    ("enterprise", Recommendation.MIDDLE_GROUND),
    ("health", Recommendation.PIN_OWN_CA),
    ("hobby", Recommendation.CT_AND_DEFAULTS),
])
def test_each_reference_profile_yields_its_recommendation_with_cited_reasons(name, expected):
    advice = d.decide(d.PROFILES[name][1])
    assert advice.recommendation is expected
    assert advice.reasons and all(r.source in d.SOURCES.values() for r in advice.reasons)
    assert not advice.contradictions, advice.contradictions
    assert len(advice.cost) == 2 and advice.cost[0].startswith("rotation:") and advice.cost[1].startswith("monitoring:")


@pytest.mark.parametrize("name", list(d.PROFILES))
def test_the_example_files_are_the_profiles(name):
    assert d.read_sheet(SHEETS / f"{name}.json") == d.PROFILES[name][1]


def test_the_social_app_may_also_pin_its_cdns_roots_but_not_a_leaf():
    advice = d.decide(d.PROFILES["social"][1])
    assert Recommendation.PIN_CDN_ROOTS in advice.defensible
    assert "rekeys at will" in str(advice.rejected[Recommendation.PIN_LEAF])


def test_a_high_value_app_behind_a_cdn_pins_the_cdns_roots():
    advice = d.decide(sheet(key_control="cdn", offline_backups=False))
    assert advice.recommendation is Recommendation.PIN_CDN_ROOTS
    assert "expensify" in {r.source.key for r in advice.reasons}


def test_a_high_value_app_that_cannot_operate_pins_gets_the_middle_ground_and_the_reasons():
    advice = d.decide(sheet(monitoring=False))
    assert advice.recommendation is Recommendation.MIDDLE_GROUND
    assert any(r.source.key == "hpkp" for r in advice.reasons)
    assert Recommendation.CT_AND_DEFAULTS in advice.rejected


def test_the_leaf_cost_comes_from_lesson_07s_planner():
    cost = d.decide(d.PROFILES["bank"][1]).cost[0]
    assert "leaf key change(s)" in cost and "lesson 07's planner" in cost
    assert "impossible" in cost  # 2% never update and the pins never expire: the third rekey strands them
    assert "all feasible" in d.decide(sheet(never_update=0.0)).cost[0]
    assert "200 days, then 100 days from 2027-03-15" in cost and "200-day certificates" not in cost


def test_the_leaf_backup_reason_says_one_backup_meets_trustkit_and_why_a_second():
    text = str(d.decide(d.PROFILES["bank"][1]))
    assert "at least one backup key" in text and "a second, because" in text
    assert "two backup keys, because" not in text


def test_the_enterprise_profile_names_inspection_and_the_user_ca_opt_in():
    advice = d.decide(d.PROFILES["enterprise"][1])
    keys = [r.source.key for r in advice.reasons]
    assert "lesson05" in keys, keys  # the inspection blocker, even for personal data
    assert any('src="user"' in r.text and "document why" in r.text for r in advice.reasons)
    assert not d.decide(d.PROFILES["social"][1]).reasons[-1].text.startswith("behind inspection")


def test_the_middle_ground_for_high_value_data_has_no_duplicate_or_pro_pinning_reason():
    advice = d.decide(sheet(monitoring=False, key_control="cdn", offline_backups=False))
    assert advice.recommendation is Recommendation.MIDDLE_GROUND
    assert len(advice.reasons) == len(set(advice.reasons))
    assert "masvs" not in [r.source.key for r in advice.reasons]
    many = d.decide(sheet(inspection=True, monitoring=False))
    assert len(many.reasons) == len(set(many.reasons))


def test_profile_table_lists_every_profile():
    text = str(d.profile_table())
    assert all(name in text for name in d.PROFILES)


# --- contradictions -------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, words", [
    (dict(key_control="cdn", plan="leaf", offline_backups=False), "leaf pinning is not a plan"),
    (dict(key_control="saas", plan="own-ca", offline_backups=False), "cannot anchor your own"),
    (dict(key_control="cdn"), "backup keys kept offline are only useful"),
    (dict(plan="leaf", offline_backups=False), "without backup keys"),
    (dict(plan="intermediate"), "pool of intermediates"),
    (dict(plan="cdn-roots"), "no CDN holds your keys"),
    (dict(plan="leaf", inspection=True), "TLS inspection"),
    (dict(plan="own-ca", monitoring=False), "nobody will see a pin failure"),
    (dict(force_update=True, update_days=120), "shipping takes 120 days"),
])
def test_contradictory_sheets_are_flagged(changes, words):
    advice = d.decide(sheet(**changes))
    assert any(words in r.text for r in advice.contradictions), advice.contradictions
    assert all(r.source in d.SOURCES.values() for r in advice.contradictions)
    assert "CONTRADICTIONS" in advice.text()


def test_a_consistent_plan_is_not_flagged():
    assert d.decide(sheet(plan="leaf")).contradictions == ()
    assert d.decide(sheet(plan="none")).contradictions == ()


# --- the property: no sheet yields a recommendation without reasons ------------------------------------

SHEETS_ANY = st.builds(
    d.AnswerSheet,
    key_control=st.sampled_from(list(KeyControl)),
    update_days=st.integers(0, 3650),
    force_update=st.booleans(),
    never_update=st.floats(0, 1),
    data_value=st.sampled_from(list(DataValue)),
    inspection=st.booleans(),
    monitoring=st.booleans(),
    offline_backups=st.booleans(),
    plan=st.sampled_from(list(Plan)),
)


@settings(max_examples=300, deadline=None)
@given(SHEETS_ANY)
def test_no_answer_sheet_yields_a_recommendation_without_reasons(answers):
    advice = d.decide(answers)
    assert advice.reasons, answers
    assert all(isinstance(r, d.Reason) and r.text and r.source in d.SOURCES.values() for r in advice.reasons)
    assert advice.recommendation in advice.defensible
    assert set(advice.defensible) | set(advice.rejected) == set(Recommendation)
    assert all(advice.rejected[r] for r in advice.rejected), "every rejected option says why"
    assert advice.cost and "rotation" in advice.cost[0]


# --- bad input ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("answers, words", [
    ([], "JSON object"),
    ("bank", "JSON object"),
    ({}, "does not answer key_control"),
    ({**d.PROFILES["bank"][1].as_json(), "colour": "red"}, "not a question"),
    ({**d.PROFILES["bank"][1].as_json(), "key_control": "google"}, "must be one of you, cdn, saas"),
    ({**d.PROFILES["bank"][1].as_json(), "never_update": 5}, "0.05 for 5%"),
    ({**d.PROFILES["bank"][1].as_json(), "never_update": float("nan")}, "from 0 to 1"),
    ({**d.PROFILES["bank"][1].as_json(), "update_days": 2.5}, "whole number of days"),
    ({**d.PROFILES["bank"][1].as_json(), "update_days": True}, "whole number of days"),
    ({**d.PROFILES["bank"][1].as_json(), "monitoring": "yes"}, "true or false"),
    ({**d.PROFILES["bank"][1].as_json(), "plan": "x" * 10_000}, "must be one of"),
])
def test_bad_sheets_are_one_sentence(answers, words):
    with pytest.raises(AnswerSheetError) as caught:
        d.decide(answers)
    message = str(caught.value)
    assert words in message and "\n" not in message and len(message) < 400, message


def test_aliases_a_learner_would_type():
    assert sheet(key_control="self", data_value="MASVS-L2").key_control is KeyControl.YOU
    assert sheet(data_value="banking").data_value is DataValue.HIGH


# --- the command line -----------------------------------------------------------------------------------

def decide_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers", "decide", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_cli_prints_advice_with_sources_and_exits_0():
    out = decide_cli("data/decide/bank.json")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Recommendation: pin leaf SPKIs you control")
    assert "[masvs]" in out.stdout and "Sources:" in out.stdout


def test_cli_exits_1_on_contradictions():
    out = decide_cli("data/decide/contradictory.json")
    assert out.returncode == 1 and "leaf pinning is not a plan" in out.stdout


def test_cli_profile_and_questions():
    assert decide_cli("--profile", "hobby").stdout.startswith("Recommendation: rely on CT")
    assert "offline_backups" in decide_cli("--questions").stdout


@pytest.mark.parametrize("args, words", [
    ((), "either an ANSWERS.json file or --profile"),
    (("--profile", "bank", "data/decide/bank.json"), "not both or neither"),
    (("--profile", "pirate"), "no profile"),
    (("",), "is empty"),
    (("/dev/zero",), "not a regular file"),
    (("no-such-file.json",), "error:"),
    (("README.md",), "not a JSON answer sheet"),
])
def test_cli_bad_input_is_one_sentence_and_exit_2(args, words, tmp_path):
    out = decide_cli(*args)
    assert out.returncode == 2, out
    assert words in out.stderr and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_cli_reads_a_sheet_with_bad_values(tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({**d.PROFILES["bank"][1].as_json(), "data_value": "priceless"}))
    out = decide_cli(str(path))
    assert out.returncode == 2 and "data_value" in out.stderr
