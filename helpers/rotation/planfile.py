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

Types are strict (:mod:`.planjson`): a date is a ``"YYYY-MM-DD"`` string, a flag is ``true`` or
``false`` (``"false"`` is refused, not read as true), days are whole numbers, labels are
non-empty plain text, and a field not listed above is refused. Limits: the file is a regular
file of at most 1 MB; ``start`` to ``end`` at most 3660 days (10 years); at most 2000
certificates, 1000 releases, 100 pins per release and 200 rollovers or CA switches; a
half-life from 0.01 to 3650 days; ``target_lockout`` from 0.000001 to 1.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

from ..pinning.strategy import Strategy
from .errors import DateError, PlanFileError, UnknownScenarioError
from .model import (
    MAX_CERTS,
    MAX_PINS,
    MAX_RELEASES,
    Cert,
    Release,
    Timeline,
    Users,
    check_pin,
    check_span,
    simulate,
)
from .planjson import MAX_PLAN_BYTES, Fields, checked_date, checked_text, read_json
from .planner import Plan, plan_rotation
from .scenarios import MAX_EVENTS, SCENARIOS, build_timeline, certificate_schedule, whole_days

__all__ = ["FIELDS", "MAX_PLAN_BYTES", "PlanFileError", "load_plan", "plan_report", "report", "scenario_plan"]

FIELDS = {"start", "end", "strategy", "target_lockout", "review_days", "cadence_days", "pin_expiry_days",
          "users", "schedule", "certificates", "known_from", "releases", "name", "description"}
SCHEDULE_FIELDS = {"lifetime", "key_reuse", "rollovers", "ca_switches"}
SWITCH_FIELDS = {"date", "intermediate", "root"}
CERT_FIELDS = {"label", "issued", "deployed", "expires", "key", "intermediate", "root"}
RELEASE_FIELDS = {"version", "submitted", "live", "pins", "expires"}
USERS_DEFAULTS = {name: f.default for name, f in Users.__dataclass_fields__.items()}
SHORTER = "plan a shorter period"


def _certificates(plan: Fields, start, end) -> tuple[Cert, ...]:
    if "certificates" in plan:
        if "schedule" in plan:
            raise PlanFileError("the plan has both schedule and certificates; keep one (certificates lists "
                                "them one by one, schedule makes them).")
        certs = []
        for i, item in enumerate(plan.items("certificates", MAX_CERTS, "certificates", SHORTER)):
            c = Fields(item, f"certificates[{i}]", CERT_FIELDS, f"certificates[{i}].")
            issued = c.date("issued")
            certs.append(Cert(c.text("label"), issued, c.date("deployed", issued), c.date("expires"),
                              c.text("key", example="K1"), c.text("intermediate", "R10", "R10"),
                              c.text("root", "ISRG Root X1", "ISRG Root X1")))
        return tuple(certs)
    sched = plan.fields("schedule", SCHEDULE_FIELDS)
    lifetime = sched.data.get("lifetime", 90)
    if lifetime != "sc081v3":
        lifetime = sched.whole("lifetime", 90)
    switches = []
    for i, item in enumerate(sched.items("ca_switches", MAX_EVENTS, "CA switches", "list only planned ones")):
        sw = Fields(item, f"schedule.ca_switches[{i}]", SWITCH_FIELDS, f"schedule.ca_switches[{i}].")
        switches.append((sw.date("date"), sw.text("intermediate", example="E6"),
                         sw.text("root", "ISRG Root X1", "ISRG Root X1")))
    rollovers = [checked_date(day, f"schedule.rollovers[{i}]")
                 for i, day in enumerate(sched.items("rollovers", MAX_EVENTS, "rollovers", "list only planned ones"))]
    return certificate_schedule(start, end, lifetime=lifetime, key_reuse=sched.boolean("key_reuse", True),
                                rollovers=rollovers, ca_switches=switches)


def _releases(plan: Fields, review: int) -> tuple[Release, ...]:
    releases = []
    for i, item in enumerate(plan.items("releases", MAX_RELEASES, "releases", SHORTER)):
        r = Fields(item, f"releases[{i}]", RELEASE_FIELDS, f"releases[{i}].")
        version, submitted = r.text("version", example="1.0"), r.date("submitted")
        pins = [checked_text(pin, f"releases[{i}].pins[{j}]", "key:K1")
                for j, pin in enumerate(r.items("pins", MAX_PINS, "pins", "pin a key or a CA instead"))]
        earliest = submitted + _dt.timedelta(days=review)
        live = r.date("live", earliest)
        if live < earliest:
            raise DateError(f"release {version} goes live on {live}, before its {review}-day review could "
                            f"finish ({earliest}); move it to {earliest} or later.")
        releases.append(Release(version, submitted, live, pins, r.date("expires", None, nullable=True)))
    return tuple(releases)


def _known_from(plan: Fields) -> dict:
    known = plan.data.get("known_from", {})
    if not isinstance(known, dict):
        raise PlanFileError("known_from must be an object mapping pins to dates, like {\"key:K2\": \"2026-09-01\"}.")
    if len(known) > MAX_CERTS:
        raise PlanFileError(f"known_from names {len(known)} pins, more than the {MAX_CERTS} a plan may have; "
                            "name only the pins you announce early.")
    return {check_pin(checked_text(pin, "a known_from pin", "key:K2")): checked_date(day, f"known_from[{pin!r}]")
            for pin, day in known.items()}


def _users(plan: Fields) -> Users:
    u = plan.fields("users", USERS_DEFAULTS)
    return Users(**{name: (u.boolean if isinstance(default, bool) else u.number)(name, default)
                    for name, default in USERS_DEFAULTS.items()})


def load_plan(source) -> tuple[dict, Plan, Timeline | None]:
    """Read a PLAN.json (a path, or an already-parsed dict) into (settings, plan, as-written timeline)."""
    if isinstance(source, dict):
        data = source
    elif isinstance(source, str | os.PathLike):
        data = read_json(source)
    else:
        raise PlanFileError(f"load_plan needs a path or a dict, not {type(source).__name__}.")
    plan = Fields(data, "the plan", FIELDS)
    missing = [k for k in ("start", "end", "strategy") if k not in plan]
    if missing:
        raise PlanFileError(f"the plan lacks {missing[0]!r}; start, end and strategy are required.")
    for key in ("name", "description"):
        plan.text(key, "", example="a key rollover", most=1000)
    start, end = plan.date("start"), plan.date("end")
    check_span(start, end, "the plan")
    strategy = Strategy.parse(plan.text("strategy", example="leaf-spki"))
    review = whole_days(plan.whole("review_days", 2), "review_days")
    users = _users(plan)
    certs = _certificates(plan, start, end)
    result = plan_rotation(certs, strategy, start=start, end=end, users=users, review_days=review,
                           cadence_days=plan.whole("cadence_days", 14),
                           target=plan.number("target_lockout", 0.005),
                           pin_expiry_days=plan.whole("pin_expiry_days", None, nullable=True),
                           known_from=_known_from(plan))
    releases = _releases(plan, review)
    written = Timeline(start, end, certs, releases, users, name="as written", strategy=strategy) if releases \
        else None
    return data, result, written


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
        name = Path(plan_file).name
        title = f"Plan {name if name.isprintable() else ascii(name)}"
    return report(plan, written, title), 0 if plan.feasible else 1
