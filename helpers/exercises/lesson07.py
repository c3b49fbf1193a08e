"""Lesson 07's exercises: a safe release date, a rescued scenario, and a pin-set expiry to defend.

Every checker re-runs the simulator on the learner's answer and says what that answer does.

* ``q1`` takes a date (a ``date``, a ``datetime`` or exactly ``"YYYY-MM-DD"``): the latest day to submit
  the release that adds the backup pin. Try dates with :func:`q1_timeline` and the simulator. A wrong
  date is told what it does (how many days v2 has to spread); only a near miss is told which way it
  is off, so the feedback cannot be bisected to the answer.
* ``q2`` takes a :class:`helpers.rotation.Timeline` (or its :class:`~helpers.rotation.Result`, a
  :class:`~helpers.pinning.strategy.Strategy` or a scenario's name): scenario 3 changed so that nobody
  is locked out, over the same days, with the same certificates and users.
* ``q3`` takes a number of days (any integer type, a whole float or a ``timedelta``): the pin-set
  expiry for scenario 5. The feedback gives both figures and which limit they break, not which way to go.
* ``q4`` takes a date: the latest day to submit the release adding a backup pin, for users whose adoption
  is the provided CSV curve. The checker recomputes the answer by simulating the fitted curve. As in
  ``q1``, a far-off date is told only how many days v2 has to spread; near misses and the date a
  half-life read off the curve's head gives are told more.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import numpy as np

from ..pinning.strategy import Strategy
from ..rotation import LOCKED_OUT, Cert, Release, Result, Timeline, Users, scenario, simulate
from ..rotation.model import NOBODY, percent
from ..rotation.scenarios import REKEY_DAY, SCENARIOS, START
from . import Question, Wrong, echo, whole_number

__all__ = ["q1", "q1_timeline", "q2", "q3", "q3_tradeoff", "q4", "q4_curve", "q4_timeline"]

Q1_ROTATION = dt.date(2027, 3, 1)
Q1_REVIEW, Q1_USERS, Q1_TARGET = 3, Users(half_life_days=7, never_update=0.002), 0.005
_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ASK_ISO = "write it as YYYY-MM-DD, e.g. \"2027-01-15\" (a datetime.date works too)"


def _key(text: str) -> str:
    """A name or label compared without case, spaces or punctuation: 'Leaf SPKI + backup' -> 'leafspkibackup'."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _as_day(answer) -> dt.date:
    """A date from a date, a datetime, a numpy datetime64 or exactly YYYY-MM-DD text; else Wrong."""
    if isinstance(answer, np.datetime64) and not np.isnat(answer):
        answer = answer.astype("datetime64[D]").item()
    if isinstance(answer, dt.datetime):
        return answer.date()
    if isinstance(answer, dt.date):
        return answer
    if isinstance(answer, str) and _ISO.fullmatch(answer.strip()):
        try:
            return dt.date.fromisoformat(answer.strip())
        except ValueError:
            raise Wrong(f"{echo(answer)} is not a day of the calendar; {_ASK_ISO}.") from None
    raise Wrong(f"{echo(answer)} is not a date; {_ASK_ISO}.")


def q1_timeline(submitted) -> Timeline:
    """q1's world: v1 pins only K1; v2, submitted on ``submitted``, adds K2; the server moves to K2 on 1 March 2027."""
    end, expires = Q1_ROTATION + dt.timedelta(days=60), Q1_ROTATION + dt.timedelta(days=90)
    certs = (Cert("C1", START, START, expires, "K1"), Cert("C2", Q1_ROTATION, Q1_ROTATION, expires, "K2"))
    releases = (Release.ship("v1", START - dt.timedelta(days=Q1_REVIEW), {"key:K1"}, review_days=Q1_REVIEW),
                Release.ship("v2", submitted, {"key:K1", "key:K2"}, review_days=Q1_REVIEW))
    return Timeline(START, end, certs, releases, Q1_USERS, name="q1")


def _q1_lockout(day: dt.date) -> float:
    return simulate(q1_timeline(day)).summary.peak_lockout


def _adoption_days(target_share: float) -> int:
    """Days live before the rotation for the updaters still lacking K2 to fall to ``target_share`` of all users."""
    return math.ceil(Q1_USERS.half_life_days * math.log2((1 - Q1_USERS.never_update) / target_share))


#: The days of adoption the target needs (59), and what a learner gets by forgetting the never-updaters (54).
_Q1_DAYS = _adoption_days(Q1_TARGET - Q1_USERS.never_update)
_Q1_DAYS_WITHOUT_NEVER = _adoption_days(Q1_TARGET)
#: A near miss is this many days from the answer or closer: it is told which way it is off.
_Q1_NEAR = 3


def _q1(answer) -> str:
    day = _as_day(answer)
    live = day + dt.timedelta(days=Q1_REVIEW)
    days_live = (Q1_ROTATION - live).days
    does = f"Submitted on {day}, v2 goes live on {live}"
    if day < START:
        raise Wrong(f"{day} is before the lesson's timeline starts ({START}), when v1 is the current release; "
                    "submit v2 on a day from then on.")
    if days_live <= 0:
        raise Wrong(f"{does}, {'on' if days_live == 0 else 'after'} the day the server moves to K2 "
                    f"({Q1_ROTATION}): everyone still on v1 is locked out, {percent(_q1_lockout(day))} of users.")
    peak = _q1_lockout(day)
    safe = peak <= Q1_TARGET
    if safe and _q1_lockout(day + dt.timedelta(days=1)) > Q1_TARGET:
        return (f"{does}: {days_live} days to spread before the rotation, and {peak:.2%} are locked out "
                f"on {Q1_ROTATION}; one day later it would be over 0.5%. That is 3 days of review plus "
                f"ceil(7 * log2(0.998 / 0.003)) = {_Q1_DAYS} days of adoption.")
    does = f"{does}, {days_live} days before the server moves to K2 on {Q1_ROTATION}"
    if days_live in (_Q1_DAYS_WITHOUT_NEVER, _Q1_DAYS_WITHOUT_NEVER - Q1_REVIEW) and not safe:
        review = (" And review takes 3 days after you submit." if days_live < _Q1_DAYS_WITHOUT_NEVER else "")
        raise Wrong(f"{does}, and {peak:.2%} of users still lack K2 that day, above the 0.5% target. "
                    "The 0.2% who never update never get K2, so the updaters left behind must fall to 0.3%, "
                    f"not 0.5%.{review}")
    if days_live == _Q1_DAYS - Q1_REVIEW and not safe:
        raise Wrong(f"{does}: only {days_live} days, because review takes 3 days after you submit, and "
                    f"{peak:.2%} of users still lack K2 that day, above the 0.5% target.")
    if abs(days_live - _Q1_DAYS) <= _Q1_NEAR:
        if not safe:
            raise Wrong(f"{does}, and {peak:.2%} of users still lack K2 that day, above the 0.5% target"
                        + (": round the days of adoption up, not down." if days_live == _Q1_DAYS - 1 else "."))
        raise Wrong(f"{does}, and {peak:.2%} lack K2 that day: within the target, but it is not the "
                    "latest date that is.")
    # Far off: say what the date does, not which way to go, so the feedback cannot be bisected.
    raise Wrong(f"{does}. That is not the latest date that keeps the lockout at or below 0.5%. See what your "
                f"date does with rotation.simulate(ex.q1_timeline(\"{day}\")).summary.peak_lockout, or work "
                "out how many days of adoption the target needs (ex.q1.hint(2)).")


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


Q2_SCENARIO = "rekey-no-backup"
_SCENARIO_KEYS = {_key(name): name for name in SCENARIOS}
_STRATEGY_KEYS = {_key(text): s for s in Strategy for text in (s.value, s.name, s.label, s.description)}
_Q2_FORM = f"Answer with a Timeline, e.g. rotation.scenario(\"{Q2_SCENARIO}\", ...) with one setting changed"


def _q2_reference() -> Timeline:
    return scenario(Q2_SCENARIO)


def _as_timeline(answer) -> Timeline:
    """A Timeline from a Timeline, its simulation Result, a Strategy (applied to scenario 3) or a scenario's name."""
    if isinstance(answer, Result):
        return answer.timeline
    if isinstance(answer, Timeline):
        return answer
    if isinstance(answer, Strategy):
        return scenario(Q2_SCENARIO, strategy=answer)
    if isinstance(answer, str):
        key = _key(answer)
        if key in _SCENARIO_KEYS:
            return scenario(_SCENARIO_KEYS[key])
        if key in _STRATEGY_KEYS:
            return scenario(Q2_SCENARIO, strategy=_STRATEGY_KEYS[key])
        raise Wrong(f"{echo(answer)} names no scenario or pin strategy. {_Q2_FORM}.")
    raise Wrong(f"{_Q2_FORM}, not {type(answer).__name__} {echo(answer, 40)}.")


def _q2_same_world(timeline: Timeline, ref: Timeline) -> None:
    """Raise Wrong unless the answer keeps scenario 3's days, certificates and users: only the app may change."""
    if (timeline.start, timeline.end) != (ref.start, ref.end):
        hides = " It stops before the rekey, so it hides the problem instead of surviving it." \
            if timeline.end < REKEY_DAY else ""
        raise Wrong(f"Your timeline runs {timeline.start}..{timeline.end}; scenario 3 runs {ref.start}..{ref.end}, "
                    f"with the rekey on {REKEY_DAY}.{hides} Keep its days and change what the app pins.")
    if timeline.certs != ref.certs:
        keys = {c.key for c in timeline.certs}
        what = ("Your server never changes its key, which removes the rekey instead of surviving it"
                if len(keys) == 1 else "Your server's certificates differ from scenario 3's")
        raise Wrong(f"{what}. Keep the server's certificates and change what the app pins.")
    mine, theirs = timeline.users, ref.users
    if (mine.half_life_days, mine.never_update) != (theirs.half_life_days, theirs.never_update):
        raise Wrong(f"Your users update differently (half-life {mine.half_life_days} days, {mine.never_update:.1%} "
                    f"never update; scenario 3 has {theirs.half_life_days} days and {theirs.never_update:.1%}). "
                    "Users are not yours to change; change what the app pins.")


def _first_lockout(result: Result) -> str:
    """What happens on the first day anyone is locked out: the certificate served and the versions it strands."""
    s = result.summary
    i = (s.first_lockout - result.timeline.start).days
    served = [c for c in result.timeline.certs if c.deployed <= s.first_lockout]
    stranded = [v for v, r in enumerate(result.timeline.releases)
                if result.state[v, i] == LOCKED_OUT and result.share[v, i] > NOBODY]
    names = ", ".join(result.timeline.releases[v].version for v in stranded[:3]) + (", ..." if len(stranded) > 3
                                                                                   else "")
    cert = f"the server serves {served[-1].label} (key {served[-1].key}), " if served else ""
    return f"on {s.first_lockout} {cert}which the pins of {names or 'a version in use'} do not match"


def _q2(answer) -> str:
    timeline, ref = _as_timeline(answer), _q2_reference()
    _q2_same_world(timeline, ref)
    result = simulate(timeline)
    s = result.summary
    if s.first_lockout is not None:
        raise Wrong(f"Your timeline still locks out {percent(s.peak_lockout)} of users at the peak: "
                    f"{_first_lockout(result)}.")
    if s.days_unprotected:
        raise Wrong(f"Nobody is locked out, but users run without pinning on {s.days_unprotected} days "
                    f"({s.user_days_unprotected:.1f} user-days): your pins expire. Find a fix that keeps pinning on.")
    pins = [r.pins for r in timeline.releases]
    if any(p.startswith(("intermediate:", "root:")) for ps in pins for p in ps):
        return ("Nobody is locked out because your app pins the CA, which never changes in this scenario, "
                "but it now trusts every certificate that CA issues. A backup key keeps the pin on your own key.")
    rekeyed = {c.key for c in timeline.certs if c.deployed >= REKEY_DAY}
    if all(any(f"key:{k}" in ps for k in rekeyed) for ps in pins):
        return (f"Every release carries the key the server moves to on {REKEY_DAY} "
                f"({', '.join(sorted(rekeyed))}) as a backup pin, so the rekey is a non-event, even for "
                "never-updaters.")
    return ("Nobody is locked out and pinning stays on: every version in use pins the certificate the server "
            "serves, every day.")


q2 = Question(
    name="q2",
    prompt="A Timeline: scenario 'rekey-no-backup' with the same certificates, in which nobody is locked out.",
    checker=_q2,
    hints=("rotation.scenario('rekey-no-backup', strategy=...) changes what every release pins.",
           "Which strategy puts the next key in the very first release?"),
    answer="rotation.scenario('rekey-no-backup', strategy='leaf-spki+backup'): v1 already pins K2.",
)

Q3_MAX_LOCKOUT_DAYS, Q3_MAX_UNPROTECTED = 120, 0.05
_Q3_MOST = 3650


def q3_tradeoff(days: int) -> tuple[int, float]:
    """For scenario 5 with this pin-set expiry: (days the lockout lasts after the rekey, median unprotected)."""
    res = simulate(scenario("forgotten-rotation-pin-expiry", pin_expiry_days=int(days)))
    last = res.summary.last_lockout
    return ((last - REKEY_DAY).days + 1 if last else 0), float(np.median(res.unprotected))


def _as_days(answer) -> int:
    """A whole number of days from any integer type, a whole float, a timedelta or a numpy timedelta64."""
    if isinstance(answer, np.timedelta64) and not np.isnat(answer):
        answer = answer.astype("timedelta64[us]").item()
    if isinstance(answer, dt.timedelta):
        days = answer / dt.timedelta(days=1)
        if days.is_integer():
            return int(days)
    number = whole_number(answer)
    if number is not None:
        return number
    if isinstance(answer, str) and answer.strip().isdigit():
        raise Wrong(f"Write the number itself, without quotes: {answer.strip()} rather than {echo(answer)}.")
    raise Wrong(f"Answer with a whole number of days, e.g. 30; {echo(answer)} is not one.")


def _q3(answer) -> str:
    days = _as_days(answer)
    if days < 1:
        raise Wrong(f"With an expiry of {days} days, every release's pins have expired before it goes live: "
                    "nobody is ever pinned. Give a number of days from 1 up.")
    if days > _Q3_MOST:
        raise Wrong(f"{days} days is more than ten years, longer than any app keeps a pin set; "
                    f"give a number of days up to {_Q3_MOST}.")
    lasts, unprotected = q3_tradeoff(days)
    ends = scenario("forgotten-rotation-pin-expiry").end
    long = (f"lasts at least {lasts} days (it is still going when the timeline ends on {ends})"
            if lasts >= (ends - REKEY_DAY).days + 1 else f"lasts {lasts} days")
    facts = (f"With {days} days, the lockout after the forgotten rotation {long} and on a typical day "
             f"{unprotected:.1%} of users run unprotected")
    broken = [limit for limit, over in (("no lockout longer than 120 days", lasts > Q3_MAX_LOCKOUT_DAYS),
                                         ("at most 5% unprotected", unprotected > Q3_MAX_UNPROTECTED)) if over]
    if broken:
        raise Wrong(f"{facts}. That breaks the limit {' and '.join(repr(b) for b in broken)}.")
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


# --- q4: a safe release date from a team's own adoption curve --------------------------------------------

Q4_CSV = Path(__file__).resolve().parents[2] / "data" / "adoption" / "exercise-app.csv"
Q4_ROTATION, Q4_REVIEW, Q4_TARGET = REKEY_DAY, 2, 0.01
_Q4_NEAR = 3


def q4_curve():
    """The exercise app's adoption curve, read from ``data/adoption/exercise-app.csv``."""
    from ..rotation.adoption import Adoption

    return Adoption.from_csv(Q4_CSV)


def q4_timeline(submitted) -> Timeline:
    """q4's world: v1 pins only K1; v2, submitted on ``submitted``, adds K2 as a backup pin; the server moves
    to K2 on 1 June 2027; users follow the CSV curve."""
    end, expires = Q4_ROTATION + dt.timedelta(days=30), Q4_ROTATION + dt.timedelta(days=90)
    certs = (Cert("C1", START, START, expires, "K1"), Cert("C2", Q4_ROTATION, Q4_ROTATION, expires, "K2"))
    releases = (Release.ship("v1", START - dt.timedelta(days=Q4_REVIEW), {"key:K1"}, review_days=Q4_REVIEW),
                Release.ship("v2", submitted, {"key:K1", "key:K2"}, review_days=Q4_REVIEW))
    return Timeline(START, end, certs, releases, Users(adoption=q4_curve()), name="q4")


def _q4_lockout(day: dt.date) -> float:
    return simulate(q4_timeline(day)).summary.peak_lockout


def _q4_answer() -> dt.date:
    """Recomputed by simulation: the latest submission day whose lockout on the rekey day is within 1%."""
    day = Q4_ROTATION - dt.timedelta(days=Q4_REVIEW + 1)
    while day > START and _q4_lockout(day) > Q4_TARGET:
        day -= dt.timedelta(days=1)
    return day


def _q4_head_days() -> set[int]:
    """Days live that a half-life read off the curve's head gives (with and without its never-updaters,
    with and without the review days): the misconception q4 names when a learner's date lands on one."""
    curve = q4_curve()
    half, never = curve.days_until(0.5), curve.never_update
    days = {math.ceil(half * math.log2(1 / Q4_TARGET))}
    if never < Q4_TARGET:
        days.add(math.ceil(half * math.log2((1 - never) / (Q4_TARGET - never))))
    return days | {d - Q4_REVIEW for d in days}


def _q4(answer) -> str:
    day = _as_day(answer)
    live = day + dt.timedelta(days=Q4_REVIEW)
    days_live = (Q4_ROTATION - live).days
    does = f"Submitted on {day}, v2 goes live on {live}"
    if day < START:
        raise Wrong(f"{day} is before the timeline starts ({START}); submit v2 on a day from then on.")
    if days_live <= 0:
        raise Wrong(f"{does}, not before the rekey on {Q4_ROTATION}: everyone on v1 is locked out, "
                    f"{percent(_q4_lockout(day))} of users.")
    right = _q4_answer()
    does = f"{does}, {days_live} days before the rekey on {Q4_ROTATION}"
    if day == right:
        peak = _q4_lockout(day)
        return (f"{does}, and {peak:.2%} of users lack K2 that day: within the 1% target, and one day later it "
                f"would not be. The curve's never-updaters ({percent(q4_curve().never_update)}) use up part of "
                "the target, and its slow tail sets the date, not its fast head.")
    near = abs((day - right).days) <= _Q4_NEAR
    if near or days_live in _q4_head_days():
        peak = _q4_lockout(day)
        does = f"{does}, and {peak:.2%} of users lack K2 that day"
        if peak <= Q4_TARGET:
            raise Wrong(f"{does}: within the target, but it is not the latest date that is.")
        if not near:
            raise Wrong(f"{does}, above the 1% target. A half-life read off the curve's first days "
                        f"({q4_curve().days_until(0.5)} days to 50%) misses its slow tail.")
        if (day - right).days == Q4_REVIEW:
            raise Wrong(f"{does}, above the 1% target: review takes 2 days after you submit.")
        raise Wrong(f"{does}, above the 1% target; it is close, check the review days.")
    # Far off: say what the date does, not which way to go, so the feedback cannot be bisected.
    raise Wrong(f"{does}. That is not the latest date that keeps the lockout on the rekey day at or below 1%. "
                "Work out how many days of adoption the curve needs (ex.q4.hint(2)).")


q4 = Question(
    name="q4",
    prompt="Load data/adoption/exercise-app.csv. The server moves to K2 on 2027-06-01; v1 pins only K1. "
           "What is the latest date (YYYY-MM-DD) to submit v2, which adds K2 as a backup pin (2 days of review), "
           "keeping lockout on the rekey day at or below 1%?",
    checker=_q4,
    hints=("curve = ex.q4_curve() (or rotation.Adoption.from_csv('../data/adoption/exercise-app.csv')); "
           "curve.updated(d) is the share with v2 d days after it goes live.",
           "Users lacking K2 on the rekey day: 1 - curve.updated(d). Find the smallest d with that at most 1% "
           "(curve.days_until(0.99)), then subtract d and the 2 days of review from 2027-06-01; check with "
           "rotation.simulate(ex.q4_timeline(day)).summary.peak_lockout."),
    answer="'2026-12-31': curve.days_until(0.99) = 150 days of adoption plus 2 days of review before 2027-06-01; "
           "rotation.simulate(ex.q4_timeline('2026-12-31')) shows 0.99% locked out, and a day later 1.01%.",
)
