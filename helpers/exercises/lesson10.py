"""Lesson 10's graded steps: each ``qN.check(drill)`` runs :func:`helpers.capstone.check_step` on the drill.

The answer to every step is the :class:`~helpers.capstone.Drill` itself, after the learner has
performed that step's action on it (``confirm``, ``issue``, ``deploy``, ``prove``, ``ship``,
``monitor``, ``all_clear``). The checks run the real thing: the platform models of lesson 08 for the
fleet, and real TLS handshakes against the course's loopback server for the deployed chain. A step
not performed yet is "not attempted"; a step performed wrongly says what broke and for whom.
"""

from __future__ import annotations

from typing import Any

from ..capstone import STEPS, Drill, StepFailed, StepNotDone, check_step, reference
from . import NotAttempted, Question, Uncheckable, Wrong, kind_of

__all__ = ["REFERENCES", "q1", "q2", "q3", "q4", "q5", "q6", "q7"]


def _checker(n: int):
    def checker(answer: Any) -> str:
        if not isinstance(answer, Drill):
            raise Uncheckable(f"That is {kind_of(answer)}. Pass the drill itself: ex.q{n}.check(drill).")
        try:
            return check_step(answer, n)
        except StepNotDone as why:
            raise NotAttempted(str(why)) from None
        except StepFailed as why:
            raise Wrong(str(why)) from None

    return checker


_HINTS = {
    1: ("Run capstone.fleet_table(), then each version's model on the chain after the move: "
        "capstone.fleet_decisions(pki.leaf_on_backup_key.chain) (distrust: capstone.fleet_decisions("
        "pki.leaf_via_intermediate2.chain, variant='distrust')).",
        "A pin-set that has expired does not refuse anything; a Dart trust anchor does not care about keys."),
    2: ("drill.issue(key, issuer): the key is a private key (pki.backup_key...), the issuer a CA (pki.intermediate...).",
        "Compromise: the key every large version already pins. Distrust: keep the key, change the issuer."),
    3: ("drill.deploy(new): the issued certificate carries its chain and its key.",),
    4: ("drill.prove() runs every version's model on what you deployed; run it after the last deploy.",),
    5: ("drill.ship('next', [pin_of_the_served_key, pin_of_a_new_backup]); make the backup with "
        "capstone.new_backup_key('key 4 (backup)') and Pin.of_spki(key.public_key()).base64.",
        "Compromise: the backup key is live now, so the backup must be a key nobody has pinned before, kept "
        "offline. Distrust: no key was spent, so ask which backup the fleet still holds unused."),
    6: ("drill.monitor(report_uri, alert_days, next_rotation): reports to a host that is not pinned, the first "
        "alert early enough for a release to reach users, the rotation within the 200-day cap.",
        "capstone.lead_days() is the lead lesson 07's planner computes for the fleet's users."),
    7: ("drill.all_clear() grades steps 1 to 6 again; fix what it lists.",),
}

_ANSWERS = {
    1: "drill.confirm(...) with every version whose model connects after the move (including expired pin-sets "
       "and Dart root anchors); capstone.reference(variant).holders is the list.",
    2: "compromise: drill.issue(pki.backup_key, pki.intermediate); distrust: drill.issue(pki.leaf.key, "
       "pki.intermediate2).",
    3: "drill.deploy(new)",
    4: "drill.prove()",
    5: "drill.ship('next', [spki_pin(new.cert), Pin.of_spki(capstone.new_backup_key('key 4 (backup)')"
       ".public_key()).base64]) (distrust: the unspent key 3 backup, spki_pin(pki.leaf_on_backup_key.cert), "
       "is right too)",
    6: "drill.monitor('https://pin-reports.yourapp.net/report', (capstone.lead_days(), 60, 30, 14), "
       "'2027-02-28')",
    7: "drill.all_clear() once steps 1 to 6 pass",
}

q1, q2, q3, q4, q5, q6, q7 = (
    Question(name=f"q{n}", prompt=f"Step {n}: {STEPS[n]}; pass the drill: ex.q{n}.check(drill).",
             checker=_checker(n), hints=_HINTS[n], answer=_ANSWERS[n])
    for n in STEPS
)

#: The reference answers: the drill with every step done right (``python -m helpers solutions 10``).
REFERENCES = {f"q{n}": reference for n in STEPS}
