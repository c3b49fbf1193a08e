"""Lesson 07's exercises: a safe release date, a rescued scenario, and a pin-set expiry to defend.

* ``q1`` takes a date (``"YYYY-MM-DD"``): the latest day to submit the release that adds the backup pin.
  Try dates with :func:`q1_timeline` and the simulator.
* ``q2`` takes a :class:`helpers.rotation.Timeline`: scenario 3 changed so that nobody is locked out.
* ``q3`` takes a number of days: the pin-set expiry for scenario 5.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..pinning.strategy import Strategy
from ..rotation import Cert, Release, Timeline, Users, scenario, simulate
from ..rotation.model import as_date
from ..rotation.scenarios import REKEY_DAY, START
from . import Question, Wrong, whole_number

Q1_ROTATION = dt.date(2027, 3, 1)
Q1_REVIEW, Q1_USERS, Q1_TARGET = 3, Users(half_life_days=7, never_update=0.002), 0.005


def q1_timeline(submitted) -> Timeline:
    """q1's world: v1 pins only K1; v2, submitted on ``submitted``, adds K2; the server moves to K2 on 1 March 2027."""
    end, expires = Q1_ROTATION + dt.timedelta(days=60), Q1_ROTATION + dt.timedelta(days=90)
    certs = (Cert("C1", START, START, expires, "K1"), Cert("C2", Q1_ROTATION, Q1_ROTATION, expires, "K2"))
    releases = (Release.ship("v1", START - dt.timedelta(days=Q1_REVIEW), {"key:K1"}, review_days=Q1_REVIEW),
                Release.ship("v2", submitted, {"key:K1", "key:K2"}, review_days=Q1_REVIEW))
    return Timeline(START, end, certs, releases, Q1_USERS, name="q1")


def _q1(answer) -> str:
    day = as_date(answer, "your answer")
    peak = simulate(q1_timeline(day)).summary.peak_lockout
    if peak > Q1_TARGET:
        raise Wrong(f"submitted on {day}, {peak:.2%} of users are locked out on the rotation day: too late.")
    later = simulate(q1_timeline(day + dt.timedelta(days=1))).summary.peak_lockout
    if later <= Q1_TARGET:
        raise Wrong(f"{day} is safe, but so is the day after ({later:.2%} locked out): look for a later date.")
    return (f"Submitted on {day}, {peak:.2%} are locked out; one day later it would be {later:.2%}. "
            "That is 3 days of review plus ceil(7 * log2(0.998 / 0.003)) = 59 days of adoption.")


q1 = Question(
    name="q1",
    prompt="The latest date (YYYY-MM-DD) to submit the release adding K2, keeping lockout at or below 0.5%.",
    checker=_q1,
    hints=("Try dates: rotation.simulate(ex.q1_timeline('2027-01-15')).summary.peak_lockout.",
           "Users lacking K2 on the rotation day: 0.2% who never update plus 99.8% * 2**(-d/7), where d is the "
           "number of days v2 has been live. Solve for d, then subtract the review."),
    answer="'2026-12-29': d = ceil(7 * log2(0.998 / 0.003)) = 59 days live before 2027-03-01, plus 3 days of "
           "review. rotation.plan_rotation(...) gives the same ship-by date.",
)


def _q2(answer) -> str:
    if not isinstance(answer, Timeline):
        raise Wrong("answer with a Timeline, e.g. rotation.scenario('rekey-no-backup', ...).")
    if answer.certs != scenario("rekey-no-backup").certs:
        raise Wrong("the server's certificates changed; keep them and change what the app pins.")
    s = simulate(answer).summary
    if s.first_lockout is not None:
        raise Wrong(f"still {s.peak_lockout:.1%} locked out at the peak, first on {s.first_lockout}.")
    if s.days_unprotected:
        raise Wrong(f"nobody is locked out, but users run without pinning on {s.days_unprotected} days; "
                    "find a fix that keeps pinning on.")
    if answer.strategy in (Strategy.INTERMEDIATE, Strategy.ROOT):
        return ("Pinning the CA works here because it never changes in this scenario, but you now trust "
                "every certificate that CA issues. A backup key keeps the pin on your own key.")
    return "Every release carries the backup key K2, so the rekey is a non-event, even for never-updaters."


q2 = Question(
    name="q2",
    prompt="A Timeline: scenario 'rekey-no-backup' with the same certificates, in which nobody is locked out.",
    checker=_q2,
    hints=("rotation.scenario('rekey-no-backup', strategy=...) changes what every release pins.",
           "Which strategy puts the next key in the very first release?"),
    answer="rotation.scenario('rekey-no-backup', strategy='leaf-spki+backup'): v1 already pins K2.",
)

Q3_MAX_LOCKOUT_DAYS, Q3_MAX_UNPROTECTED = 120, 0.05


def q3_tradeoff(days: int) -> tuple[int, float]:
    """For scenario 5 with this pin-set expiry: (days the lockout lasts after the rekey, median unprotected)."""
    res = simulate(scenario("forgotten-rotation-pin-expiry", pin_expiry_days=int(days)))
    last = res.summary.last_lockout
    return ((last - REKEY_DAY).days + 1 if last else 0), float(np.median(res.unprotected))


def _q3(answer) -> str:
    answer = whole_number(answer)
    if answer is None or not 1 <= answer <= 730:
        raise Wrong("answer with a whole number of days between 1 and 730.")
    lasts, unprotected = q3_tradeoff(answer)
    facts = f"with {answer} days the lockout lasts {lasts} days and a median {unprotected:.1%} run unprotected"
    if lasts > Q3_MAX_LOCKOUT_DAYS:
        raise Wrong(f"{facts}: the lockout lasts too long; shorten the expiry.")
    if unprotected > Q3_MAX_UNPROTECTED:
        raise Wrong(f"{facts}: too many users go without pinning on a normal day; lengthen the expiry.")
    return f"{facts}. Write your defence of that window in the markdown cell below."


q3 = Question(
    name="q3",
    prompt="A pin-set expiry in days for scenario 5: a forgotten rotation must lock nobody out for more than "
           "120 days, and on a typical day at most 5% of users may run unprotected.",
    checker=_q3,
    hints=("ex.q3_tradeoff(90) returns (days locked out after the rekey, median unprotected share).",
           "A short expiry ends lockouts quickly but leaves every slow updater unpinned; try 30, 60, 90, 120."),
    answer="Anything from 65 to 129 days: 90 days ends the lockout after 81 days and leaves 3.4% (mostly "
           "the never-updaters) unprotected. The defence: the unprotected users still get CA validation, "
           "and an expiry shorter than the release cadence would leave almost everyone unpinned.",
)
