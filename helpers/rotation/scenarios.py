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
import datetime as _dt
import numbers
from collections import deque
from collections.abc import Callable, Sequence
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


def certificate_schedule(start=START, end=None, *, lifetime: int | str = 90, key_reuse: bool = True,
                         rollovers: Sequence = (), ca_switches: Sequence = (),
                         intermediate: str = "R10", root: str = "ISRG Root X1") -> tuple[Cert, ...]:
    """Certificates renewed on a fixed rhythm from ``start`` until ``end``.

    ``lifetime`` is a number of days or ``"sc081v3"`` (the cap on each issue date).
    With ``key_reuse`` a renewal keeps the key; without it every renewal makes a new key.
    Each date in ``rollovers`` issues an out-of-cycle certificate with the next key; each
    ``(date, intermediate, root)`` in ``ca_switches`` moves issuance to a new intermediate
    (and root) with an immediate reissue, as a CDN does underneath its customers.
    """
    start = as_date(start, "schedule start")
    end = as_date(end, "schedule end") if end is not None else start + 2 * 365 * DAY
    check_span(start, end, "the schedule")
    if isinstance(lifetime, str) and lifetime != "sc081v3":
        raise OutOfRangeError(f"lifetime is {shown(lifetime)}, but it must be a whole number of days from 1 to "
                              "3650 or \"sc081v3\"; write e.g. 90.")
    check_count(len(rollovers) + len(ca_switches), MAX_EVENTS, "rollovers and CA switches", "the schedule",
                "list the ones you plan, not every day")
    events = deque(sorted([(as_date(d, "rollover"), "rekey", None, None) for d in rollovers]
                          + [(as_date(d, "CA switch"), "switch", i, r) for d, i, r in ca_switches],
                          key=lambda e: e[0]))
    certs: list[Cert] = []
    day, key, n = start, "K1", 1
    while day <= end:
        while events and events[0][0] <= day:
            _, what, new_int, new_root = events.popleft()
            if what == "rekey":
                key = successor(key)
            else:
                intermediate, root = new_int, new_root
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


def pins_for(strategy: Strategy | str, cert: Cert, *, backup: str | None = None) -> frozenset[str]:
    """The pin set an app built while ``cert`` is served would carry under ``strategy``."""
    pins = {primary_pin(strategy, cert)}
    if Strategy.parse(strategy) is Strategy.LEAF_SPKI_BACKUP:
        pins.add(f"key:{backup or successor(cert.key)}")
    return frozenset(pins)


def release_train(certs: Sequence[Cert], strategy: Strategy | str, *, start=START, end=None,
                  cadence_days: int = 14, review_days: int = 2, pin_expiry_days: int | None = None,
                  pins: Callable[[_dt.date], frozenset[str]] | None = None) -> tuple[Release, ...]:
    """Releases every ``cadence_days``, the first one live on ``start``.

    Each release pins what ``strategy`` says about the certificate served on the day it
    is built (submitted); pass ``pins(day)`` to choose the pin set yourself.
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
    releases, day, n = [], first, 1
    while day + review_days * DAY <= end:
        served = ordered[max(bisect.bisect_right(deployed, max(day, start)) - 1, 0)]
        chosen = pins(day) if pins else pins_for(strategy, served)
        releases.append(Release.ship(f"v{n}", day, chosen, review_days=review_days,
                                     expires_after_days=pin_expiry_days))
        day, n = day + cadence_days * DAY, n + 1
    return tuple(releases)


def build_timeline(*, strategy: Strategy | str = Strategy.LEAF_SPKI, lifetime: int | str = 90,
                   key_reuse: bool = True, rollovers: Sequence = (), ca_switches: Sequence = (), review_days: int = 2,
                   cadence_days: int = 14, half_life_days: float = 10.0, never_update: float = 0.03,
                   pin_expiry_days: int | None = None, force_update: bool = False, years: float = 2.0,
                   start=START, name: str = "custom", pins=None) -> Timeline:
    """One call from knobs to a :class:`Timeline` (what the scenarios and the widget lab use)."""
    strategy, start = Strategy.parse(strategy), as_date(start, "start")
    if isinstance(years, bool) or not isinstance(years, numbers.Real) or not 0 < years <= MAX_YEARS:
        raise OutOfRangeError(f"years is {shown(years)}; give a number of years between 0 and {MAX_YEARS}, e.g. 2.")
    end = start + max(int(round(365 * years)), 2) * DAY - DAY
    certs = certificate_schedule(start, end, lifetime=lifetime, key_reuse=key_reuse,
                                 rollovers=rollovers, ca_switches=ca_switches)
    releases = release_train(certs, strategy, start=start, end=end, cadence_days=cadence_days,
                             review_days=review_days, pin_expiry_days=pin_expiry_days or None, pins=pins)
    users = Users(half_life_days, never_update, force_update)
    return Timeline(start, end, certs, releases, users, name=name, strategy=strategy)


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
SWITCH_DAY = START + 300 * DAY       # 2027-06-28: the CDN moves to another intermediate

SCENARIOS = {s.name: s for s in (
    Scenario("cert-pin-90d", "Certificate pinning, 90-day renewals, no backup",
             "The app pins the leaf certificate. Every renewal (every 60 days) is a new certificate, and the "
             "app learns its pin only in the next release, so every renewal locks out everyone not yet updated.",
             dict(strategy=Strategy.CERTIFICATE, lifetime=90)),
    Scenario("spki-key-reused", "SPKI pinning with the key reused",
             "The app pins the leaf key and every renewal reuses it: renewals are invisible to the app. It works "
             "until the day the key has to change.",
             dict(strategy=Strategy.LEAF_SPKI, lifetime=90, key_reuse=True)),
    Scenario("rekey-no-backup", "A rekey without a backup pin",
             f"SPKI pinning with the key reused, until {REKEY_DAY} when the server gets a new key that no "
             "release pinned in advance.",
             dict(strategy=Strategy.LEAF_SPKI, lifetime=90, rollovers=(REKEY_DAY,))),
    Scenario("backup-pin-rotation", "A backup-pin rotation done right",
             f"Every release pins the current key and a pre-generated backup key. On {REKEY_DAY} the server "
             "moves to the backup key, which every version already trusts: nobody is locked out.",
             dict(strategy=Strategy.LEAF_SPKI_BACKUP, lifetime=90, rollovers=(REKEY_DAY,))),
    Scenario("forgotten-rotation-pin-expiry", "A forgotten rotation rescued by pin-set expiry",
             "The same rekey without a backup, but every release's pins expire 120 days after it was built, "
             "as Android's <pin-set expiration> allows. Locked-out users get back in when their pins expire: "
             "unprotected, not stranded.",
             dict(strategy=Strategy.LEAF_SPKI, lifetime=90, rollovers=(REKEY_DAY,), pin_expiry_days=120)),
    Scenario("force-update-safety-net", "Force-update as the safety net",
             "The same rekey without a backup, but the app asks an unpinned endpoint whether its version is "
             "still supported; locked-out versions are told to update and do so within days.",
             dict(strategy=Strategy.LEAF_SPKI, lifetime=90, rollovers=(REKEY_DAY,), force_update=True)),
    Scenario("cdn-switches-intermediate", "The CDN switches intermediate underneath you",
             f"The app pins the intermediate CA. On {SWITCH_DAY} the CDN reissues the certificate from "
             "another intermediate without telling its customers.",
             dict(strategy=Strategy.INTERMEDIATE, lifetime=90, ca_switches=((SWITCH_DAY, "E6", "ISRG Root X2"),))),
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
