"""PLAN.json files and named scenarios, turned into a rotation calendar (``python -m helpers plan``).

Usage::

    python -m helpers plan --list
    python -m helpers plan --scenario rekey-no-backup [--target 0.005]
    python -m helpers plan data/plans/example.json

It prints the calendar (for each pin change: the latest day to ship the release adding the
new pin, the earliest safe rotation day, when to drop the old pin), the simulated summary
of following it, the summary of the releases as written (a scenario's, or a plan's
``releases``), and warnings. Exit status: 0 the target is met, 1 it is impossible (the
reasons are printed), 2 a bad plan (one sentence on stderr).

PLAN.json format (dates are ``YYYY-MM-DD``; fields marked * are required)::

    {
      "start": "2026-09-01",  "end": "2028-08-31",            *
      "strategy": "leaf-spki+backup",                         * certificate | leaf-spki |
                                                                leaf-spki+backup | intermediate | root
                                                                (see helpers.pinning.strategy)
      "target_lockout": 0.005,      "review_days": 2,      "cadence_days": 14,
      "pin_expiry_days": null,      (days after each build; null = pins never expire)
      "users": {"half_life_days": 10, "never_update": 0.03, "force_update": false},
      "schedule": {"lifetime": 90, "key_reuse": true, "rollovers": ["2027-06-01"],
                   "ca_switches": [{"date": "2027-09-01", "intermediate": "E6", "root": "ISRG Root X2"}]},
      "certificates": [             (instead of "schedule": the server's certificates one by one)
        {"label": "C1", "issued": "2026-09-01", "deployed": "2026-09-01", "expires": "2026-11-30",
         "key": "K1", "intermediate": "R10", "root": "ISRG Root X1"}],
      "known_from": {"key:K2": "2026-08-30"},   (first day a pin may go into an app)
      "releases": [                 (optional: releases as written, simulated as they stand)
        {"version": "1.0", "submitted": "2026-08-30", "live": "2026-09-01",
         "pins": ["key:K1", "key:K2"], "expires": null}]
    }
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from pathlib import Path

from ..errors import BadInputError
from ..pinning.strategy import Strategy
from .errors import DateError, UnknownScenarioError
from .model import Cert, Release, Timeline, Users, as_date, simulate
from .planner import Plan, plan_rotation
from .scenarios import SCENARIOS, build_timeline, certificate_schedule


class PlanFileError(BadInputError):
    """A PLAN.json that cannot be read: no such file, not JSON, or a field missing, unknown or malformed."""


FIELDS = {"start", "end", "strategy", "target_lockout", "review_days", "cadence_days", "pin_expiry_days",
          "users", "schedule", "certificates", "known_from", "releases", "name", "description"}


def _number(data: dict, key: str, default, kind=float):
    value = data.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PlanFileError(f"{key} is {value!r}, but it must be a number; write e.g. {default!r}.")
    return kind(value)


def _list(value, what: str) -> list:
    if not isinstance(value, list):
        raise PlanFileError(f"{what} must be a JSON list (in [ ]), not {type(value).__name__}; see the format.")
    return value


def _certificates(plan: dict, start, end) -> tuple[Cert, ...]:
    if "certificates" in plan:
        try:
            return tuple(Cert(c["label"], c["issued"], c.get("deployed", c["issued"]), c["expires"], c["key"],
                              c.get("intermediate", "R10"), c.get("root", "ISRG Root X1"))
                         for c in _list(plan["certificates"], "certificates"))
        except (KeyError, TypeError) as exc:
            raise PlanFileError(f"a certificate lacks the field {exc}; each needs label, issued, expires "
                                "and key.") from None
    sched = plan.get("schedule", {})
    if not isinstance(sched, dict):
        raise PlanFileError("schedule must be an object like {\"lifetime\": 90}; see the format above.")
    try:
        switches = [(s["date"], s["intermediate"], s.get("root", "ISRG Root X1"))
                    for s in _list(sched.get("ca_switches", []), "ca_switches")]
    except (KeyError, TypeError):
        raise PlanFileError("each ca_switches entry needs a date and an intermediate.") from None
    return certificate_schedule(start, end, lifetime=sched.get("lifetime", 90),
                                key_reuse=bool(sched.get("key_reuse", True)),
                                rollovers=_list(sched.get("rollovers", []), "rollovers"), ca_switches=switches)


def _releases(plan: dict, review: int) -> tuple[Release, ...]:
    releases = []
    for item in _list(plan.get("releases", []), "releases"):
        try:
            version, submitted, pins = str(item["version"]), as_date(item["submitted"]), item["pins"]
        except (KeyError, TypeError) as exc:
            raise PlanFileError(f"a release lacks the field {exc}; each needs version, submitted and "
                                "pins.") from None
        earliest = submitted + _dt.timedelta(days=review)
        live = as_date(item.get("live", earliest), f"release {version} live")
        if live < earliest:
            raise DateError(f"release {version} goes live on {live}, before its {review}-day review could "
                            f"finish ({earliest}); move it to {earliest} or later.")
        releases.append(Release(version, submitted, live, pins, item.get("expires")))
    return tuple(releases)


def _known_from(plan: dict) -> dict:
    known = plan.get("known_from") or {}
    if not isinstance(known, dict):
        raise PlanFileError("known_from must be an object mapping pins to dates, like {\"key:K2\": \"2026-09-01\"}.")
    return known


def load_plan(source) -> tuple[dict, Plan, Timeline | None]:
    """Read a PLAN.json (a path, or an already-parsed dict) into (settings, plan, as-written timeline)."""
    if isinstance(source, dict):
        plan = source
    else:
        path = Path(source)
        if not path.is_file():
            raise PlanFileError(f"there is no plan file at {str(source)!r}; check the path.")
        try:
            plan = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise PlanFileError(f"{path.name} is not valid JSON ({getattr(exc, 'msg', 'bad bytes')} "
                                f"at line {getattr(exc, 'lineno', '?')}); fix it and try again.") from None
    if not isinstance(plan, dict):
        raise PlanFileError("a plan must be a JSON object with start, end and strategy; see the format.")
    unknown = sorted(set(plan) - FIELDS)
    if unknown:
        raise PlanFileError(f"unknown plan field {unknown[0]!r}; the fields are {', '.join(sorted(FIELDS))}.")
    missing = [k for k in ("start", "end", "strategy") if k not in plan]
    if missing:
        raise PlanFileError(f"the plan lacks {missing[0]!r}; start, end and strategy are required.")
    start, end = as_date(plan["start"], "start"), as_date(plan["end"], "end")
    if end <= start:
        raise DateError(f"the plan ends ({end}) on or before it starts ({start}); swap the dates.")
    strategy = Strategy.parse(str(plan["strategy"]))
    review = _number(plan, "review_days", 2, int)
    users_in = plan.get("users", {})
    if not isinstance(users_in, dict) or set(users_in) - set(Users.__dataclass_fields__):
        raise PlanFileError(f"users must be an object with some of {', '.join(Users.__dataclass_fields__)}.")
    users = Users(**users_in)
    certs = _certificates(plan, start, end)
    result = plan_rotation(certs, strategy, start=start, end=end, users=users, review_days=review,
                           cadence_days=_number(plan, "cadence_days", 14, int),
                           target=_number(plan, "target_lockout", 0.005),
                           pin_expiry_days=_number(plan, "pin_expiry_days", None, int),
                           known_from=_known_from(plan))
    releases = _releases(plan, review)
    written = Timeline(start, end, certs, releases, users, name="as written", strategy=strategy) if releases \
        else None
    return plan, result, written


def scenario_plan(name: str, target: float = 0.005) -> tuple[Plan, Timeline]:
    """The planner run on a named scenario's certificates and users, plus the scenario as written."""
    if name not in SCENARIOS:
        raise UnknownScenarioError(f"unknown scenario {name!r}; run `python -m helpers plan --list` to see them.")
    knobs = {**build_timeline.__kwdefaults__, **SCENARIOS[name].knobs}
    timeline = SCENARIOS[name].timeline()
    plan = plan_rotation(timeline.certs, timeline.strategy, start=timeline.start, end=timeline.end,
                         users=timeline.users, review_days=knobs["review_days"],
                         cadence_days=knobs["cadence_days"], target=target,
                         pin_expiry_days=knobs["pin_expiry_days"])
    return plan, timeline


def report(plan: Plan, written: Timeline | None, title: str) -> str:
    lines = [title, ""] + plan.lines()
    if written is not None:
        lines += ["", f"The releases as written ({len(written.releases)}):"]
        lines += ["    " + s for s in simulate(written).summary.lines()]
    return "\n".join(lines)


def plan_report(plan_file=None, *, scenario: str | None = None, target: float = 0.005) -> tuple[str, int]:
    """What ``python -m helpers plan`` prints for a PLAN.json file or a scenario, and its exit status."""
    if scenario:
        plan, written = scenario_plan(scenario, target)
        title = f"Scenario {scenario}: {SCENARIOS[scenario].title}"
    else:
        _, plan, written = load_plan(plan_file)
        title = f"Plan {Path(plan_file).name}"
    return report(plan, written, title), 0 if plan.feasible else 1
