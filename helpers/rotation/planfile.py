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
      "users": {"half_life_days": 10, "never_update": 0.03, "force_update": false,
                "adoption_csv": "data/adoption/ios-illustrative.csv",   (replaces the two above; the path
                                                                         is relative to the plan file)
                "installs_per_day": 0.001, "churn_per_day": 0.0005, "dormant": 0.005,
                "os_cutoffs": [{"date": "2027-09-15", "share": 0.04}],
                "min_versions": [{"date": "2027-04-15", "version": "1.4"}]},   (proactive force-update)
      "platforms": ["ios", "android"],   (simulate each store: ios, android, trustkit, okhttp, flutter)
      "backup_keys": 1,                  (pre-generated keys pinned by leaf-spki+backup)
      "extra_pins": ["root:ISRG Root X2"],   (in every planned release: a root set, a pool's intermediates)
      "schedule": {"lifetime": 90, "key_reuse": true, "rollovers": ["2027-06-01"],
                   "forced_rollovers": [],   "intermediate_pool": ["R10", "R11"],
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
from dataclasses import replace
from pathlib import Path

from ..pinning.strategy import Strategy
from .errors import DateError, PlanFileError, UnknownScenarioError, shown
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
from .planjson import _MISSING, MAX_PLAN_BYTES, Fields, checked_date, checked_text, read_json
from .planner import Plan, plan_rotation
from .scenarios import MAX_EVENTS, SCENARIOS, backup_count, build_timeline, certificate_schedule, whole_days

__all__ = ["FIELDS", "MAX_PLAN_BYTES", "PlanFileError", "load_plan", "plan_report", "report", "scenario_plan"]

FIELDS = {"start", "end", "strategy", "target_lockout", "review_days", "cadence_days", "pin_expiry_days",
          "users", "schedule", "certificates", "known_from", "releases", "name", "description", "platforms",
          "backup_keys", "extra_pins"}
SCHEDULE_FIELDS = {"lifetime", "key_reuse", "rollovers", "ca_switches", "forced_rollovers", "intermediate_pool"}
SWITCH_FIELDS = {"date", "intermediate", "root"}
CERT_FIELDS = {"label", "issued", "deployed", "expires", "key", "intermediate", "root"}
RELEASE_FIELDS = {"version", "submitted", "live", "pins", "expires"}
USERS_DEFAULTS = {name: Users.__dataclass_fields__[name].default for name in
                  ("half_life_days", "never_update", "force_update", "force_half_life_days", "installs_per_day",
                   "churn_per_day", "dormant")}
USERS_FIELDS = {*USERS_DEFAULTS, "adoption_csv", "os_cutoffs", "min_versions"}
PLATFORM_NAMES = ("ios", "android", "trustkit", "okhttp", "flutter")
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
    forced = [checked_date(day, f"schedule.forced_rollovers[{i}]") for i, day in
              enumerate(sched.items("forced_rollovers", MAX_EVENTS, "forced rollovers", "list only real ones"))]
    pool = [checked_text(name, f"schedule.intermediate_pool[{i}]", "R11") for i, name in
            enumerate(sched.items("intermediate_pool", 10, "intermediates", "name the pool's few intermediates"))]
    return certificate_schedule(start, end, lifetime=lifetime, key_reuse=sched.boolean("key_reuse", True),
                                rollovers=rollovers, ca_switches=switches, forced_rollovers=forced,
                                intermediate_pool=pool)


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


def _users(plan: Fields, base: Path | None) -> Users:
    u = plan.fields("users", USERS_FIELDS)
    values = {name: (u.boolean if isinstance(default, bool) else u.number)(name, default)
              for name, default in USERS_DEFAULTS.items()}
    if "adoption_csv" in u:
        from .adoption import Adoption

        path = Path(u.text("adoption_csv", example="data/adoption/ios-illustrative.csv", most=1000))
        if not path.is_absolute() and base is not None and (base / path).exists():
            path = base / path
        values["adoption"] = Adoption.from_csv(path)
    cutoffs = []
    for i, item in enumerate(u.items("os_cutoffs", MAX_PINS, "OS cut-offs", "list only the real ones")):
        c = Fields(item, f"users.os_cutoffs[{i}]", {"date", "share"}, f"users.os_cutoffs[{i}].")
        cutoffs.append((c.date("date"), c.number("share", _MISSING)))
    bumps = []
    for i, item in enumerate(u.items("min_versions", MAX_PINS, "minimum-version bumps", "list only real ones")):
        b = Fields(item, f"users.min_versions[{i}]", {"date", "version"}, f"users.min_versions[{i}].")
        bumps.append((b.date("date"), b.text("version", example="1.4")))
    return Users(**values, os_cutoffs=tuple(cutoffs), min_versions=tuple(bumps))


def _platforms(plan: Fields) -> tuple[str, ...]:
    names = []
    for i, name in enumerate(plan.items("platforms", len(PLATFORM_NAMES), "platforms", "name each store once")):
        text = checked_text(name, f"platforms[{i}]", "ios")
        if text not in PLATFORM_NAMES:
            raise PlanFileError(f"platforms[{i}] is {shown(text)}, which is not one of {', '.join(PLATFORM_NAMES)}.")
        names.append(text)
    return tuple(names)


def load_plan(source, adoption=None) -> tuple[dict, Plan, Timeline | None]:
    """Read a PLAN.json (a path, or an already-parsed dict) into (settings, plan, as-written timeline).

    ``adoption`` (a CSV path or an :class:`~.adoption.Adoption`) replaces the plan's users' curve.
    """
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
    base = Path(str(source)).resolve().parent if not isinstance(source, dict) else None
    users = _users(plan, base)
    if adoption is not None:
        users = replace(users, adoption=_curve(adoption))
    certs = _certificates(plan, start, end)
    extra = [check_pin(checked_text(pin, f"extra_pins[{i}]", "root:ISRG Root X2")) for i, pin in
             enumerate(plan.items("extra_pins", MAX_PINS, "pins", "pin a CA instead of many keys"))]
    platforms = _platforms(plan)
    result = plan_rotation(certs, strategy, start=start, end=end, users=users, review_days=review,
                           cadence_days=plan.whole("cadence_days", 14),
                           target=plan.number("target_lockout", 0.005),
                           pin_expiry_days=plan.whole("pin_expiry_days", None, nullable=True),
                           known_from=_known_from(plan), extra_pins=extra,
                           backup_keys=backup_count(plan.number("backup_keys", 1)),
                           platforms=platforms)
    releases = _releases(plan, review)
    written = Timeline(start, end, certs, releases, users, name="as written", strategy=strategy,
                       platforms=platforms) if releases else None
    return data, result, written


def _curve(adoption):
    from .adoption import Adoption

    return adoption if isinstance(adoption, Adoption) else Adoption.from_csv(adoption)


def scenario_plan(name: str, target: float = 0.005, adoption=None) -> tuple[Plan, Timeline]:
    """The planner run on a named scenario's certificates and users, plus the scenario as written."""
    if name not in SCENARIOS:
        raise UnknownScenarioError(f"unknown scenario {name!r}; run `python -m helpers plan --list` to see them.")
    knobs = {**build_timeline.__kwdefaults__, **SCENARIOS[name].knobs}
    timeline = SCENARIOS[name].timeline()
    if adoption is not None:
        timeline = replace(timeline, users=replace(timeline.users, adoption=_curve(adoption)))
    plan = plan_rotation(timeline.certs, timeline.strategy, start=timeline.start, end=timeline.end,
                         users=timeline.users, review_days=knobs["review_days"],
                         cadence_days=knobs["cadence_days"], target=target,
                         pin_expiry_days=knobs["pin_expiry_days"], extra_pins=tuple(knobs["extra_pins"]),
                         backup_keys=knobs["backup_keys"])
    return plan, timeline


def report(plan: Plan, written: Timeline | None, title: str) -> str:
    lines = [title, ""]
    if plan.timeline.users.adoption is not None:
        curve = plan.timeline.users.adoption
        lines += [f"Adoption: {curve.describe()} (source: {curve.source})", ""]
    lines += plan.lines()
    if written is not None:
        lines += ["", f"The releases as written ({len(written.releases)}):"]
        lines += ["    " + s for s in simulate(written).summary.lines()]
    return "\n".join(lines)


def plan_report(plan_file=None, *, scenario: str | None = None, target: float = 0.005,
                adoption=None) -> tuple[str, int]:
    """What ``python -m helpers plan`` prints for a PLAN.json file or a scenario, and its exit status."""
    if scenario:
        plan, written = scenario_plan(scenario, target, adoption)
        title = f"Scenario {scenario}: {SCENARIOS[scenario].title}"
    else:
        _, plan, written = load_plan(plan_file, adoption)
        name = Path(plan_file).name
        title = f"Plan {name if name.isprintable() else ascii(name)}"
    return report(plan, written, title), 0 if plan.feasible else 1
