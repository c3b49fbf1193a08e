"""Building timelines: certificate schedules, release trains, and the named scenarios.

Every date is relative to the course clock (``helpers.clock.COURSE_NOW``, 1 September
2026), so a scenario gives the same numbers on every machine and in every year.

Lifetimes (see FACTS.md): CA/B Forum ballot SC-081v3 caps public TLS certificates at
398 days until 2026-03-15, then 200 days, 100 days from 2027-03-15 and 47 days from
2029-03-15. Let's Encrypt issues 90-day certificates, moving to 64 and then 45 days,
and offers an opt-in 6-day "shortlived" profile.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as _dt
import math
import numbers
import zlib
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..clock import COURSE_NOW
from ..pinning.strategy import Strategy
from ..show import Table
from .errors import OutOfRangeError, ScheduleError, UnknownScenarioError, UnknownSettingError, shown
from .model import (
    MAX_CERTS,
    MAX_DAYS,
    MAX_RELEASES,
    Cert,
    Release,
    Timeline,
    Users,
    as_date,
    check_count,
    check_span,
    simulate,
    successor,
)

START = COURSE_NOW.date()
DAY = _dt.timedelta(days=1)

#: Lifetime presets, in days.
LIFETIMES = {
    "398 days (CA/B maximum before 2026-03-15)": 398,
    "200 days (SC-081v3, from 2026-03-15)": 200,
    "100 days (SC-081v3, from 2027-03-15)": 100,
    "47 days (SC-081v3, from 2029-03-15)": 47,
    "90 days (Let's Encrypt classic)": 90,
    "64 days (Let's Encrypt, 2027)": 64,
    "45 days (Let's Encrypt, 2028)": 45,
    "6 days (Let's Encrypt shortlived)": 6,
}

#: The most rollovers and CA switches one schedule may list.
MAX_EVENTS = 200
#: The longest timeline :func:`build_timeline` builds, in years (the simulator's limit).
MAX_YEARS = MAX_DAYS // 366

#: SC-081v3's phases: (from this date, maximum lifetime in days).
SC081_PHASES = ((_dt.date(2026, 3, 15), 200), (_dt.date(2027, 3, 15), 100), (_dt.date(2029, 3, 15), 47))


def max_lifetime(on) -> int:
    """The longest lifetime a public TLS certificate issued on ``on`` may have (SC-081v3)."""
    on, days = as_date(on), 398
    for since, cap in SC081_PHASES:
        if on >= since:
            days = cap
    return days


def renewal_interval(lifetime: int) -> int:
    """Renew when about a third of the lifetime is left (what ACME clients do), at least daily."""
    return max(1, lifetime - max(1, lifetime // 3))


def whole_days(value, what: str, least: int = 0, most: int = 3650) -> int:
    """``value`` as an ``int`` if it is a whole number of days from ``least`` to ``most``."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real) or not least <= value <= most
            or value != int(value)):
        raise OutOfRangeError(f"{what} is {shown(value)}, but it must be a whole number of days from {least} to "
                              f"{most}; write e.g. 90.")
    return int(value)


def backup_count(value) -> int:
    """``value`` as a number of pre-generated backup keys (1 to 20), or :class:`OutOfRangeError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != int(value) or not 1 <= value <= 20:
        raise OutOfRangeError(f"backup_keys is {shown(value)}, but it must be a whole number of keys from 1 to 20; "
                              "write e.g. 2.")
    return int(value)


def certificate_schedule(start=START, end=None, *, lifetime: int | str = 90, key_reuse: bool = True,
                         rollovers: Sequence = (), ca_switches: Sequence = (),
                         intermediate: str = "R10", root: str = "ISRG Root X1", intermediate_pool: Sequence = (),
                         forced_rollovers: Sequence = (), rolled_back: Mapping | None = None) -> tuple[Cert, ...]:
    """Certificates renewed on a fixed rhythm from ``start`` until ``end``.

    ``lifetime`` is a number of days or ``"sc081v3"`` (the cap on each issue date).
    With ``key_reuse`` a renewal keeps the key; without it every renewal makes a new key.
    Each date in ``rollovers`` issues an out-of-cycle certificate with the next key; each
    ``(date, intermediate, root)`` in ``ca_switches`` moves issuance to a new intermediate
    (and root) with an immediate reissue, as a CDN does underneath its customers.

    ``intermediate_pool`` (e.g. ``("R10", "R11")``) makes each issuance pick one of several
    intermediates, as Let's Encrypt does (the pick is a hash of the issue number: the same on every
    run), until a CA switch. ``forced_rollovers`` are rekeys nobody chose (a key compromise): they
    behave like ``rollovers`` but cannot be rolled back. ``rolled_back`` maps a rollover's date to the
    day the old key is restored (see ``rollback_hours`` in :func:`build_timeline`).

    Key reuse is **opt-in** with the usual tools: Certbot's ``--reuse-key`` defaults to false and
    cert-manager 1.18+ defaults to ``rotationPolicy: Always`` (FACTS.md). ``key_reuse=True`` models a
    team that opted in.
    """
    start = as_date(start, "schedule start")
    end = as_date(end, "schedule end") if end is not None else start + 2 * 365 * DAY
    check_span(start, end, "the schedule")
    if isinstance(lifetime, str) and lifetime != "sc081v3":
        raise OutOfRangeError(f"lifetime is {shown(lifetime)}, but it must be a whole number of days from 1 to "
                              "3650 or \"sc081v3\"; write e.g. 90.")
    rolled_back = dict(rolled_back or {})
    for name, value in (("rollovers", rollovers), ("forced_rollovers", forced_rollovers),
                        ("intermediate_pool", intermediate_pool), ("ca_switches", ca_switches)):
        if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
            raise ScheduleError(f"{name} is {shown(value)}, but it must be a list, like [\"2027-06-01\"] or "
                                "[\"R10\", \"R11\"].")
    if any(not isinstance(name, str) or not name for name in intermediate_pool):
        raise ScheduleError(f"intermediate_pool {shown(intermediate_pool)} must list intermediates' names, like "
                            "[\"R10\", \"R11\"].")
    check_count(len(rollovers) + len(ca_switches) + len(forced_rollovers) + len(rolled_back), MAX_EVENTS,
                "rollovers and CA switches", "the schedule", "list the ones you plan, not every day")
    events = deque(sorted([(as_date(d, "rollover"), "rekey", None, None) for d in (*rollovers, *forced_rollovers)]
                          + [(as_date(d, "CA switch"), "switch", i, r) for d, i, r in ca_switches]
                          + [(as_date(d, "rollback"), "restore", as_date(k, "rollover"), None)
                             for k, d in rolled_back.items()],
                          key=lambda e: e[0]))
    pool = tuple(intermediate_pool)
    certs: list[Cert] = []
    day, key, n, before = start, "K1", 1, {}
    while day <= end:
        while events and events[0][0] <= day:
            when, what, new_int, new_root = events.popleft()
            if what == "rekey":
                before[when] = key
                key = successor(key)
            elif what == "restore":
                key = before.get(new_int, key)
            else:
                intermediate, root, pool = new_int, new_root, ()
        if pool:
            intermediate = pool[zlib.crc32(f"{start}/{n}".encode()) % len(pool)]
        days = max_lifetime(day) if lifetime == "sc081v3" else whole_days(lifetime, "lifetime", 1)
        certs.append(Cert(f"C{n}", day, day, day + days * DAY, key, intermediate, root))
        check_count(len(certs), MAX_CERTS, "certificates", "the schedule",
                    "renew less often (a longer lifetime) or plan a shorter period")
        nxt = day + renewal_interval(days) * DAY
        if events and events[0][0] < nxt:
            nxt = events[0][0]
        elif not key_reuse:
            key = successor(key)
        day, n = nxt, n + 1
    return tuple(certs)


def primary_pin(strategy: Strategy | str, cert: Cert) -> str:
    """The simulator pin (``kind:value``) that ``cert`` matches under ``strategy``, backups aside."""
    strategy = Strategy.parse(strategy)
    if strategy is Strategy.CERTIFICATE:
        return f"cert:{cert.label}"
    if strategy in (Strategy.LEAF_SPKI, Strategy.LEAF_SPKI_BACKUP):
        return f"key:{cert.key}"
    if strategy is Strategy.INTERMEDIATE:
        return f"intermediate:{cert.intermediate}"
    return f"root:{cert.root}"


def pins_for(strategy: Strategy | str, cert: Cert, *, backup: str | None = None,
             backups: int = 1) -> frozenset[str]:
    """The pin set an app built while ``cert`` is served would carry under ``strategy``.

    With ``leaf-spki+backup``, ``backups`` pre-generated keys are pinned: the next ``backups`` keys.
    """
    pins = {primary_pin(strategy, cert)}
    if Strategy.parse(strategy) is Strategy.LEAF_SPKI_BACKUP:
        key = backup or successor(cert.key)
        for _ in range(max(1, int(backups))):
            pins.add(f"key:{key}")
            key = successor(key)
    return frozenset(pins)


def release_train(certs: Sequence[Cert], strategy: Strategy | str, *, start=START, end=None,
                  cadence_days: int = 14, review_days: int = 2, pin_expiry_days: int | None = None,
                  pins: Callable[[_dt.date], frozenset[str]] | None = None, extra_pins: Sequence[str] = (),
                  backup_keys: int = 1, pin_expiry_on=None) -> tuple[Release, ...]:
    """Releases every ``cadence_days``, the first one live on ``start``.

    Each release pins what ``strategy`` says about the certificate served on the day it
    is built (submitted); pass ``pins(day)`` to choose the pin set yourself. ``extra_pins`` go
    into every release (the roots of every CA a CDN may use, both intermediates of a pool).
    ``pin_expiry_on`` writes one absolute expiry date into every release, as a date typed once into
    Android's XML and never bumped; ``pin_expiry_days`` stamps "build day + N" instead.
    """
    strategy = Strategy.parse(strategy)
    if not certs:
        raise ScheduleError("there are no certificates to pin; give the server at least one certificate.")
    start = as_date(start, "release start")
    end = as_date(end, "release end") if end is not None else max(c.expires for c in certs)
    cadence_days, review_days = whole_days(cadence_days, "cadence_days", 1), whole_days(review_days, "review_days")
    if pin_expiry_days is not None:
        pin_expiry_days = whole_days(pin_expiry_days, "pin_expiry_days", 1)
    first = start - review_days * DAY
    if end >= start:
        check_count((end - start).days // cadence_days + 1, MAX_RELEASES, "releases",
                    f"a release every {cadence_days} days from {first} to {end}",
                    "release less often or plan a shorter period")
    ordered = sorted(certs, key=lambda c: c.deployed)
    deployed = [c.deployed for c in ordered]
    extra = frozenset(extra_pins)
    releases, day, n = [], first, 1
    while day + review_days * DAY <= end:
        served = ordered[max(bisect.bisect_right(deployed, max(day, start)) - 1, 0)]
        chosen = (pins(day) if pins else pins_for(strategy, served, backups=backup_keys)) | extra
        releases.append(Release.ship(f"v{n}", day, chosen, review_days=review_days,
                                     expires_after_days=pin_expiry_days, expires_on=pin_expiry_on))
        day, n = day + cadence_days * DAY, n + 1
    return tuple(releases)


def build_timeline(*, strategy: Strategy | str = Strategy.LEAF_SPKI, lifetime: int | str = 90,
                   key_reuse: bool = True, rollovers: Sequence = (), ca_switches: Sequence = (), review_days: int = 2,
                   cadence_days: int = 14, half_life_days: float = 10.0, never_update: float = 0.03,
                   pin_expiry_days: int | None = None, force_update: bool = False, years: float = 2.0,
                   start=START, name: str = "custom", pins=None, backup_keys: int = 1, extra_pins: Sequence = (),
                   intermediate_pool: Sequence = (), forced_rollovers: Sequence = (), rollback_hours: int | None = None,
                   rollback_threshold: float = 0.01, second_host_from=None, pin_expiry_on=None,
                   platforms: Sequence = (), users: Users | None = None, min_versions: Sequence = ()) -> Timeline:
    """One call from knobs to a :class:`Timeline` (what the scenarios and the widget lab use).

    Beyond the first knobs: ``backup_keys`` (pre-generated keys pinned by ``leaf-spki+backup``),
    ``extra_pins`` (in every release: a root set, both intermediates of a pool), ``intermediate_pool``,
    ``forced_rollovers`` (a compromise: no rollback), ``rollback_hours`` (a **planned** rollover that
    locks out more than ``rollback_threshold`` of users is undone: the old key is back after that
    many hours, rounded up to whole days), ``second_host_from`` (``api-v2`` gets the new key on that day and the
    releases submitted from then on talk to it; the old hostname keeps the old key for old versions, so
    the planned ``rollovers`` do not happen there), ``pin_expiry_on`` (one absolute expiry date), ``platforms`` (see :mod:`.stores`),
    ``users`` (a full :class:`Users`, replacing ``half_life_days``, ``never_update`` and
    ``force_update``) and ``min_versions`` (proactive force-update bumps ``(date, version)``).
    """
    strategy, start = Strategy.parse(strategy), as_date(start, "start")
    backup_keys = backup_count(backup_keys)
    if isinstance(years, bool) or not isinstance(years, numbers.Real) or not 0 < years <= MAX_YEARS:
        raise OutOfRangeError(f"years is {shown(years)}; give a number of years between 0 and {MAX_YEARS}, e.g. 2.")
    end = start + max(int(round(365 * years)), 2) * DAY - DAY
    users = users or Users(half_life_days, never_update, force_update)
    if min_versions:
        users = dataclasses.replace(users, min_versions=tuple(min_versions))

    def schedule(planned=rollovers, rolled=None):
        return certificate_schedule(start, end, lifetime=lifetime, key_reuse=key_reuse, rollovers=planned,
                                    ca_switches=ca_switches, intermediate_pool=intermediate_pool,
                                    forced_rollovers=forced_rollovers, rolled_back=rolled)

    def assemble(certs, pin_certs, second=(), host_from=None, notes=()):
        if host_from is not None:
            main = sorted(pin_certs, key=lambda c: c.deployed)
            other = sorted(second, key=lambda c: c.deployed)

            def chosen(day):
                pool = other if day >= host_from else main
                served = pool[max(bisect.bisect_right([c.deployed for c in pool], max(day, start)) - 1, 0)]
                return pins(day) if pins else pins_for(strategy, served, backups=backup_keys)
        else:
            chosen = pins
        releases = release_train(pin_certs, strategy, start=start, end=end, cadence_days=cadence_days,
                                 review_days=review_days, pin_expiry_days=pin_expiry_days or None, pins=chosen,
                                 extra_pins=extra_pins, backup_keys=backup_keys, pin_expiry_on=pin_expiry_on)
        if host_from is not None:
            releases = tuple(dataclasses.replace(r, host="api-v2") if r.submitted >= host_from else r
                             for r in releases)
        return Timeline(start, end, certs, releases, users, name=name, strategy=strategy, platforms=tuple(platforms),
                        second_host=tuple(second), notes=tuple(notes))

    if second_host_from is not None:
        host_from = as_date(second_host_from, "second_host_from")
        return assemble(schedule(planned=()), schedule(planned=()), schedule(planned=(host_from,)), host_from,
                        (f"from {host_from} new releases talk to api-v2, which serves the new key from that day; "
                         "the old hostname keeps the old key for the old versions instead of rotating",))
    certs = schedule()
    if not rollback_hours:
        return assemble(certs, certs)
    if isinstance(rollback_hours, bool) or not isinstance(rollback_hours, numbers.Real) or not 0 < rollback_hours <= 720:
        raise OutOfRangeError(f"rollback_hours is {shown(rollback_hours)}, but it must be a number of hours from 1 to "
                              "720 (30 days); write e.g. 4.")
    window = max(1, math.ceil(rollback_hours / 24))
    rolled, notes, pin_certs = {}, [], certs
    for day in sorted(as_date(d, "rollover") for d in rollovers):
        locked = simulate(assemble(certs, pin_certs)).locked_out
        i = (day - start).days
        if 0 <= i < locked.size and locked[i] > rollback_threshold:
            rolled[day] = day + window * DAY
            certs = schedule(rolled=rolled)
            pin_certs = tuple(c for c in certs if not any(d <= c.deployed < r for d, r in rolled.items()))
            notes.append(f"the planned rekey on {day} locked out {locked[i]:.1%} of users, so ops restored the "
                         f"old key after {rollback_hours} hours (back on {rolled[day]})")
    return assemble(certs, pin_certs, notes=notes)


@dataclass(frozen=True)
class Scenario:
    """A named story: a title, what happens, and the knobs that build its timeline."""

    name: str
    title: str
    story: str
    knobs: dict

    def timeline(self, **overrides) -> Timeline:
        unknown = set(overrides) - set(build_timeline.__kwdefaults__)
        if unknown:
            raise UnknownSettingError(f"unknown scenario setting {sorted(unknown)[0]!r}; use one of "
                                      f"{', '.join(sorted(build_timeline.__kwdefaults__))}.")
        return build_timeline(**{**self.knobs, "name": self.name, **overrides})


REKEY_DAY = START + 273 * DAY        # 2027-06-01: the day the server gets a new key
SWITCH_DAY = START + 300 * DAY       # 2027-06-28: the CDN moves to another CA (and intermediate)
BUMP_DAY = START + 226 * DAY         # 2027-04-15: the minimum-version bump of the proactive scenario
K2_FROM = START + 181 * DAY          # 2027-03-01: releases built from this day carry K2
#: The roots a CDN may switch between (the fix in Expensify/App, 2026: pin every CA the CDN may use).
ROOT_SET = ("root:ISRG Root X1", "root:ISRG Root X2", "root:GTS Root R4")
#: Lifetimes in the scenarios follow SC-081v3's caps on each issue date (200 days, then 100 from 2027-03-15).
SC081 = "sc081v3"


def _k2_from(day: _dt.date) -> frozenset[str]:
    """Scenario 9's pins: the current key, plus K2 in every release built from :data:`K2_FROM`."""
    return frozenset({"key:K2"} if day >= REKEY_DAY else {"key:K1", "key:K2"} if day >= K2_FROM else {"key:K1"})


#: Scenario 9's users: like everyone else's, but 0.5% of all users never open the app.
_DORMANT = Users(half_life_days=10, never_update=0.03, dormant=0.005)
_BUMP_TO = "v15"      # the first release submitted on or after K2_FROM (2027-03-14, live 2027-03-16)

SCENARIOS = {s.name: s for s in (
    Scenario("cert-pin-90d", "Certificate pinning, 90-day renewals, no backup",
             "The app pins the leaf certificate. Every renewal (every 60 days) is a new certificate, and the "
             "app learns its pin only in the next release, so every renewal locks out everyone not yet updated.",
             dict(strategy=Strategy.CERTIFICATE, lifetime=90)),
    Scenario("spki-key-reused", "SPKI pinning with the key reused",
             "The app pins the leaf key and every renewal reuses it (an opt-in: certbot --reuse-key, or "
             "cert-manager's rotationPolicy: Never): renewals are invisible to the app. It works until the day "
             "the key has to change.",
             dict(strategy=Strategy.LEAF_SPKI, lifetime=SC081, key_reuse=True)),
    Scenario("rekey-no-backup", "A rekey without a backup pin",
             f"SPKI pinning with the key reused, until {REKEY_DAY} when the server gets a new key that no "
             "release pinned in advance.",
             dict(strategy=Strategy.LEAF_SPKI, lifetime=SC081, rollovers=(REKEY_DAY,))),
    Scenario("backup-pin-rotation", "A backup-pin rotation done right",
             f"Every release pins the current key and a pre-generated backup key. On {REKEY_DAY} the server "
             "moves to the backup key, which every version already trusts: nobody is locked out.",
             dict(strategy=Strategy.LEAF_SPKI_BACKUP, lifetime=SC081, rollovers=(REKEY_DAY,))),
    Scenario("forgotten-rotation-pin-expiry", "A forgotten rotation rescued by pin-set expiry",
             "The same rekey without a backup, but every release's pins expire 120 days after it was built "
             "(Android's <pin-set expiration> is an absolute date in the XML; the build script stamps build day "
             "+ 120). Locked-out users get back in when their pins expire: unprotected, not stranded.",
             dict(strategy=Strategy.LEAF_SPKI, lifetime=SC081, rollovers=(REKEY_DAY,), pin_expiry_days=120)),
    Scenario("force-update-safety-net", "Force-update as the safety net (reactive)",
             "The same rekey without a backup, but the app asks an unpinned endpoint whether its version is "
             "still supported; locked-out versions are told to update and do so within days, once a release "
             "with the new pin exists.",
             dict(strategy=Strategy.LEAF_SPKI, lifetime=SC081, rollovers=(REKEY_DAY,), force_update=True)),
    Scenario("cdn-switches-intermediate", "The CDN switches CA (and intermediate) underneath you",
             f"The app pins the intermediate CA. On {SWITCH_DAY} the CDN reissues the certificate from "
             "another CA without telling its customers.",
             dict(strategy=Strategy.INTERMEDIATE, lifetime=SC081, ca_switches=((SWITCH_DAY, "WE1", "GTS Root R4"),))),
    Scenario("cdn-root-set", "The same CDN switch, with the root of every CA it may use pinned",
             f"The app pins the roots of every CA its CDN may use ({', '.join(p[5:] for p in ROOT_SET)}), as "
             f"Expensify/App did after its 2026 outages. The switch on {SWITCH_DAY} stays inside the set.",
             dict(strategy=Strategy.ROOT, lifetime=SC081, ca_switches=((SWITCH_DAY, "WE1", "GTS Root R4"),),
                  extra_pins=ROOT_SET)),
    Scenario("proactive-force-update", "A rekey prepared with a minimum-version bump (proactive force-update)",
             f"No backup pin in the first release, but releases built from {K2_FROM} add K2, and on {BUMP_DAY} the "
             f"unpinned version check raises the minimum version to {_BUMP_TO}, the first of them. By the rekey "
             f"on {REKEY_DAY} everyone who opens the app has updated; only the 0.5% who never open it are left.",
             dict(strategy=Strategy.LEAF_SPKI, lifetime=SC081, rollovers=(REKEY_DAY,), pins=_k2_from,
                  users=_DORMANT, min_versions=((BUMP_DAY, _BUMP_TO),))),
    Scenario("planned-rekey-rollback", "A planned rekey without a backup, rolled back",
             "The rekey of scenario 3 is planned, so ops watch the error rate: when it passes 1% they restore "
             "the old key within 4 hours. The lockout lasts one day (the model counts whole days), and the "
             "rotation waits for a release that carries the new key.",
             dict(strategy=Strategy.LEAF_SPKI, lifetime=SC081, rollovers=(REKEY_DAY,), rollback_hours=4)),
)}


def scenario(name: str, **overrides) -> Timeline:
    """Build a named scenario's timeline, optionally with some knobs changed."""
    if name not in SCENARIOS:
        raise UnknownScenarioError(f"unknown scenario {name!r}; use one of {', '.join(SCENARIOS)}.")
    return SCENARIOS[name].timeline(**overrides)


def catalogue_table(*, figures: bool = True) -> Table:
    """The scenarios, one row each, in teaching order.

    With ``figures`` (the default), each scenario's headline figures, from simulating it (what
    lesson 07 compares); without, each one's title (what ``python -m helpers plan --list`` prints).
    """
    if not figures:
        return Table(("scenario", "title"), [(s.name, s.title) for s in SCENARIOS.values()])
    rows = []
    for scen in SCENARIOS.values():
        timeline = scen.timeline()
        s = simulate(timeline).summary
        last = ("none" if s.last_lockout is None else "never ends" if s.last_lockout == timeline.end
                else str(s.last_lockout))
        rows.append((scen.name, f"{s.peak_lockout:.1%}", f"{s.user_days_locked_out:.1f}", last,
                     str(s.days_unprotected)))
    return Table(("scenario", "peak lockout", "user-days", "last lockout", "days unprotected"), rows)
