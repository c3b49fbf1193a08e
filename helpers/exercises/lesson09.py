"""Lesson 09's exercises, each checked by running helpers.decide or the middle-ground checklist.

* q1: choose a recommendation for :data:`PROFILE` and name the question that decides which kind of
  pinning (the pair ``(recommendation, question)``, or a dict with those two keys). The checker runs
  :func:`decide` on the profile, and on the profile with each answer changed, to see which answers
  change the kind of pinning (and which only decide whether to pin at all).
* q2: name the two answers of :data:`SHEET` that contradict each other (the checker reads the
  contradictions :func:`decide` finds).
* q3: fix :data:`BROKEN_NSC` so that it passes the middle-ground checklist, keeps proxy testing in
  debug builds, and (run through lesson 08's Android model) refuses the corporate proxy in release.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import Any

from ..attacks.platforms import device_stores
from ..attacks.scenarios import attack
from ..course import HOST
from ..decide import (
    BROKEN_NSC,
    PINNING,
    QUESTIONS,
    AnswerSheet,
    DataValue,
    KeyControl,
    Plan,
    Recommendation,
    decide,
    middle_ground,
)
from ..pki.catalogue import Attacker, course_pki
from ..platforms import android
from ..platforms.policy import ConfigError
from . import NotAttempted, Question, Uncheckable, Wrong, echo, kind_of

__all__ = ["BROKEN_NSC", "PROFILE", "REFERENCES", "SHEET", "q1", "q2", "q3"]

#: q1's profile: a payments app whose API sits behind a CDN.
PROFILE = AnswerSheet(key_control="cdn", update_days=5, force_update=True, never_update=0.01, data_value="high",
                      inspection=False, monitoring=True, offline_backups=False)

#: q2's sheet: one pair of answers cannot both hold (a bank whose team plans to pin its own CA).
SHEET = AnswerSheet(key_control="you", update_days=7, force_update=True, never_update=0.02, data_value="high",
                    inspection=True, monitoring=True, offline_backups=True, plan="own-ca")

_LONGEST = 300


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


_REC_WORDS = {}
for _rec in Recommendation:
    for _spelling in (_rec.value, _rec.name, _rec.title):
        _REC_WORDS[_words(_spelling)] = _rec
_REC_WORDS.update({
    "middle ground": Recommendation.MIDDLE_GROUND, "honest middle ground": Recommendation.MIDDLE_GROUND,
    "do not pin": Recommendation.MIDDLE_GROUND, "dont pin": Recommendation.MIDDLE_GROUND,
    "pin own ca": Recommendation.PIN_OWN_CA, "own ca": Recommendation.PIN_OWN_CA,
    "trust anchor": Recommendation.PIN_OWN_CA, "pin leaf": Recommendation.PIN_LEAF,
    "leaf spki": Recommendation.PIN_LEAF, "leaf": Recommendation.PIN_LEAF,
    "cdn roots": Recommendation.PIN_CDN_ROOTS, "pin cdn roots": Recommendation.PIN_CDN_ROOTS,
    "ct": Recommendation.CT_AND_DEFAULTS, "ct and defaults": Recommendation.CT_AND_DEFAULTS,
    "platform defaults": Recommendation.CT_AND_DEFAULTS,
})


def read_recommendation(answer: Any) -> Recommendation | None:
    """A recommendation from its value, name, title or a short spelling; None if it is none of them."""
    if isinstance(answer, Recommendation):
        return answer
    if isinstance(answer, bytes) and len(answer) <= _LONGEST:
        answer = answer.decode("utf-8", "replace")
    if not isinstance(answer, str) or len(answer) > _LONGEST:
        return None
    return _REC_WORDS.get(_words(answer))


def read_field(answer: Any) -> str | None:
    """A question's field name from 'key_control', 'Key control', b'key-control'; None if none."""
    if isinstance(answer, bytes) and len(answer) <= _LONGEST:
        answer = answer.decode("utf-8", "replace")
    if not isinstance(answer, str) or len(answer) > _LONGEST:
        return None
    name = _words(answer).replace(" ", "_")
    return name if name in QUESTIONS else None


# --- q1 -------------------------------------------------------------------------------------------------

def _alternatives(name: str, value: Any) -> list[Any]:
    if isinstance(value, bool):
        return [not value]
    if name == "key_control":
        return list(KeyControl)
    if name == "data_value":
        return list(DataValue)
    if name == "plan":
        return list(Plan)
    if name == "update_days":
        return [0, 120]
    return [0.0, 0.3]


@functools.cache
def deciding_answers(sheet: AnswerSheet = PROFILE) -> frozenset[str]:
    """The answers of ``sheet`` that, changed, change the recommendation: computed by running decide."""
    primary = decide(sheet).recommendation
    out = set()
    for f in dataclasses.fields(sheet):
        for other in _alternatives(f.name, getattr(sheet, f.name)):
            if decide(dataclasses.replace(sheet, **{f.name: other})).recommendation is not primary:
                out.add(f.name)
    return frozenset(out)


@functools.cache
def kind_deciding_answers(sheet: AnswerSheet = PROFILE) -> frozenset[str]:
    """The answers of ``sheet`` that, changed, give another kind of pinning (not just 'do not pin')."""
    primary = decide(sheet).recommendation
    out = set()
    for f in dataclasses.fields(sheet):
        for other in _alternatives(f.name, getattr(sheet, f.name)):
            now = decide(dataclasses.replace(sheet, **{f.name: other})).recommendation
            if now is not primary and now in PINNING:
                out.add(f.name)
    return frozenset(out)


def _pair(answer: Any, keys: tuple[str, str]) -> tuple[Any, Any]:
    if isinstance(answer, dict):
        lowered = {str(k).lower(): v for k, v in answer.items()}
        first = next((lowered[k] for k in (keys[0], "rec", "choice") if k in lowered), None)
        second = next((lowered[k] for k in (keys[1], "reason", "why", "justification") if k in lowered), None)
        return first, second
    if isinstance(answer, list | tuple) and len(answer) == 2:
        return answer[0], answer[1]
    return answer, None


def _check_recommendation(answer: Any) -> str:
    first, because = _pair(answer, ("recommendation", "because"))
    choice = read_recommendation(first)
    if choice is None:
        if isinstance(first, str | bytes):
            raise Uncheckable(f"{echo(first)} is not one of the five recommendations; use a value such as "
                              "'middle-ground' or a title from the profile table.")
        raise Uncheckable(f"That is {kind_of(first)}. Give (recommendation, question), e.g. "
                          "('ct-and-defaults', 'update_days').")
    advice = decide(PROFILE)
    if choice not in advice.defensible:
        why = advice.rejected[choice][0]
        raise Wrong(f"'{choice.title}' fails for this profile: {why.text} [{why.source.key}].")
    if because is None:
        raise Wrong(f"'{choice.title}' is defensible; now justify it: add the question that decides which kind "
                    "of pinning, as the second item.")
    field = read_field(because)
    if field is None:
        raise Uncheckable(f"{echo(because)} is not a question of the sheet; use one of {', '.join(QUESTIONS)}.")
    if field not in deciding_answers(PROFILE):
        raise Wrong(f"changing {field} ({getattr(PROFILE, field)!s} here) would not change the advice, so it "
                    "does not justify it; which answer, changed, would?")
    if field not in kind_deciding_answers(PROFILE):
        raise Wrong(f"changing {field} ({getattr(PROFILE, field)!s} here) decides whether to pin at all, not "
                    "which kind of pinning: changed, it leads away from pinning. Which answer, changed, leads "
                    "to another kind of pin?")
    return (f"'{choice.title}' it is, and {field} decides which kind: decide() recommends another kind of "
            "pinning when that answer changes.")


q1 = Question(
    name="q1",
    prompt="Give (recommendation, question) for ex.PROFILE: a recommendation and the question that decides "
           "which kind of pinning.",
    checker=_check_recommendation,
    hints=("Run decide(ex.PROFILE) and read the reasons; then try changing one answer with "
           "dataclasses.replace(ex.PROFILE, monitoring=False).",
           "High-value data with pinning you can operate rules out the middle ground; who holds the keys decides "
           "what you can pin.",
           "The CDN picks the CA: what survives a CA switch is a pin on every root it may use."),
    answer="('pin-cdn-roots', 'key_control'): with the keys in your hands decide() recommends your own CA instead "
           "(data_value, monitoring and inspection decide only whether to pin: changed, they lead to no pinning).",
)


# --- q2 -------------------------------------------------------------------------------------------------

def _fields_of(answer: Any) -> list[str]:
    if isinstance(answer, bytes) and len(answer) <= _LONGEST:
        answer = answer.decode("utf-8", "replace")
    if isinstance(answer, str):
        if len(answer) > _LONGEST:
            raise Uncheckable("That answer is far longer than two question names; give two names.")
        answer = [part for part in re.split(r"\s*(?:,|\+|&|\band\b|\bvs\.?|/|;)\s*", answer.strip()) if part]
    if isinstance(answer, dict):
        answer = list(answer)
    if not isinstance(answer, list | tuple | set | frozenset):
        raise Uncheckable(f"That is {kind_of(answer)}. Give two question names, e.g. ['monitoring', 'plan'].")
    if len(answer) > 20:
        raise Uncheckable("Give two question names, not a long list.")
    names = []
    for item in answer:
        field = read_field(item)
        if field is None:
            raise Uncheckable(f"{echo(item)} is not a question of the sheet; use one of {', '.join(QUESTIONS)}.")
        names.append(field)
    return list(dict.fromkeys(names))


def _check_contradiction(answer: Any) -> str:
    names = _fields_of(answer)
    if not names:
        raise NotAttempted("Name the two answers that contradict each other.")
    if len(names) == 1:
        raise Wrong(f"{names[0]} alone cannot contradict anything; name the second answer too.")
    if len(names) > 2:
        raise Wrong(f"You named {len(names)} answers; a contradiction here is between two.")
    for clash in decide(SHEET).contradictions:
        if set(names) == set(clash.fields):
            return f"{names[0]} and {names[1]} clash: {clash.text} [{clash.source.key}]."
    raise Wrong(f"decide() finds nothing contradictory between {names[0]} ({getattr(SHEET, names[0])!s}) and "
                f"{names[1]} ({getattr(SHEET, names[1])!s}): both can be true at once.")


q2 = Question(
    name="q2",
    prompt="Name the two answers of ex.SHEET that contradict each other, e.g. ['monitoring', 'plan'].",
    checker=_check_contradiction,
    hints=("Print ex.SHEET and ask, for each pair: could a real team give both answers honestly?",
           "One answer says what the team intends to pin; another says how some users reach the server.",
           ),
    answer="['plan', 'inspection']: the plan pins the bank's own CA, but some users sit behind TLS inspection, "
           "whose proxy the pinned app refuses.",
)


# --- q3 -------------------------------------------------------------------------------------------------

def _as_text(answer: Any) -> str:
    if isinstance(answer, bytes | bytearray):
        answer = bytes(answer).decode("utf-8", "replace")
    if not isinstance(answer, str) or not answer.strip():
        raise Uncheckable(f"That is {kind_of(answer)}. Give the fixed XML as one string (a triple-quoted "
                          "string works well).")
    return answer


def _corporate_proxy(policy, *, debuggable: bool) -> bool:
    item = attack(Attacker.CORPORATE_PROXY)
    return android.model(policy, HOST, item.chain(), *device_stores(item), target_sdk=26,
                         debuggable=debuggable).connects


def _check_nsc(answer: Any) -> str:
    text = _as_text(answer)
    try:
        policy = android.parse(text)
    except ConfigError as why:
        raise Wrong(f"The file does not parse: {why}") from None
    checklist = middle_ground(nsc=text)
    failed = [item for item in checklist.items if not item.passed]
    if failed:
        raise Wrong(f"the checklist still fails '{failed[0].item}': {failed[0].evidence[:200]}")
    pki = course_pki()
    if not android.model(policy, HOST, pki.leaf.chain, [pki.root.cert], target_sdk=26).connects:
        raise Wrong("the release build would refuse the genuine server; keep the system CAs trusted.")
    if _corporate_proxy(policy, debuggable=False):
        raise Wrong("a release build still lets the corporate proxy's user-installed CA read the traffic.")
    if not _corporate_proxy(policy, debuggable=True):
        raise Wrong("the checklist passes, but debug builds can no longer be tested through a proxy: keep the "
                    "user CAs for debug builds only.")
    return ("The checklist passes, Android's model refuses the corporate proxy in release, and debug builds can "
            "still be tested through one.")


q3 = Question(
    name="q3",
    prompt="Fix ex.BROKEN_NSC until middle_ground(nsc=...) passes, keeping proxy testing in debug builds.",
    checker=_check_nsc,
    hints=("Run decide.middle_ground(nsc=ex.BROKEN_NSC): each ✗ names a line.",
           "The app targets API 26: below targetSdk 28 cleartext is allowed unless the file says "
           "cleartextTrafficPermitted=\"false\".",
           "Two fixes in <base-config> (cleartext off, no user CAs), one in the domain-config (cleartext off, or "
           "delete it); leave <debug-overrides> alone."),
    answer='ex.BROKEN_NSC with cleartextTrafficPermitted="false" in base-config and the domain-config, and the '
           '<certificates src="user"/> line removed from base-config only.',
)


#: Reference answers as code a learner could type (``python -m helpers solutions 09`` checks them).
REFERENCES = {
    "q1": "('pin-cdn-roots', 'key_control')",
    "q2": "['plan', 'inspection']",
    "q3": "(ex.BROKEN_NSC.replace('cleartextTrafficPermitted=\"true\"', 'cleartextTrafficPermitted=\"false\"')\n"
          "  .replace('            <certificates src=\"user\"/>\\n        </trust-anchors>\\n    </base-config>',\n"
          "           '        </trust-anchors>\\n    </base-config>'))",
}
